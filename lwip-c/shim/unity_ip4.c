/*
 * lwIP's ipv4/ip4.c, compiled unmodified, plus a reset for its IP
 * identification counter, so the IP ID of emitted packets does not depend
 * on earlier test cases. (An IPv6-only build compiles ip4.c empty.)
 */
#include "ipv4/ip4.c"

void tcpdiff_reset_ip4_statics(void);

void
tcpdiff_reset_ip4_statics(void)
{
#if LWIP_IPV4
  ip_id = 0;
#endif
}
