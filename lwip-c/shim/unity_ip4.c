/*
 * lwIP's ipv4/ip4.c, compiled unmodified, plus a reset for its IP
 * identification counter, so the IP ID of emitted packets does not depend
 * on earlier test cases.
 */
#include "ipv4/ip4.c"

void tcpdiff_reset_ip4_statics(void);

void
tcpdiff_reset_ip4_statics(void)
{
  ip_id = 0;
}
