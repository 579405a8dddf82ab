/*
 * lwIP's ip4.c, compiled as it is (the #include below), plus a reset of
 * its file-static state for lwip_core::lock() (TEST SUPPORT, not lwIP):
 * ip_id, the next packet's identification, which lwIP's stack starts at 0
 * once per process and the port's IPv4 layer at 0 per stack; and the
 * default multicast netif.
 */
#include "core/ipv4/ip4.c"

void lwip_core_ip4_reset(void);
void lwip_core_ip4_reset(void)
{
  ip_id = 0;
#if LWIP_MULTICAST_TX_OPTIONS
  ip4_default_multicast_netif = NULL;
#endif
}

/* ip_id, read by tests. */
u16_t lwip_core_ip4_ip_id(void);
u16_t lwip_core_ip4_ip_id(void)
{
  return ip_id;
}
