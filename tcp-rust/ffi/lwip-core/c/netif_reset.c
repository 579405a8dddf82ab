/*
 * lwIP's netif.c, compiled as it is (the #include below), plus a reset of
 * its file-static state for lwip_core::lock() (TEST SUPPORT, not lwIP):
 * the netif list emptied without netif_remove (the netifs of a previous
 * test are forgotten, as their memory may be gone), no default netif,
 * netif_num 0 (so the next netif_add gives num 0, index 1), no extended
 * status callbacks. netif_init() is not run: with LWIP_HAVE_LOOPIF (on in
 * test/unit's options) it would add the loopback netif as index 1, as
 * lwip_init() does in lwIP's own unit tests.
 */
#include "core/netif.c"

void lwip_core_netif_reset(void);
void lwip_core_netif_reset(void)
{
  netif_list = NULL;
  netif_default = NULL;
  netif_num = 0;
#if LWIP_NETIF_EXT_STATUS_CALLBACK
  ext_callback = NULL;
#endif
}
