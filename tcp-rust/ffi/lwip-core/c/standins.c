/*
 * TEST-ONLY STAND-INS, NOT lwIP: what lwIP's non-TCP core (as lwip-core
 * compiles it) takes from tcp.c/tcp_in.c/tcp_out.c and from the parts of
 * lwIP's unit-test build this crate does not compile (tcpip.c, the PPP
 * files, the runner's lwip_unittests.c).
 *
 * Each is a WEAK definition, so the real one wins as soon as something
 * linked with this crate defines it: the C-ABI crate's library, once it
 * exports tcp_input, tcp_tmr, ... (it already exports tcp_active_pcbs and
 * tcp_tw_pcbs); lwIP's own tcp*.c; tcpip.c. Keep them weak.
 *
 * Who references what (nm -u of the objects build.rs compiles):
 *   pbuf.c (PBUF_POOL_FREE_OOSEQ): tcp_active_pcbs, tcp_free_ooseq,
 *     tcpip_try_callback
 *   ip4.c, ip6.c: tcp_input
 *   netif.c: tcp_netif_ip_addr_changed, tcpip_input (netif_init's
 *     loopback netif), tcpip_try_callback
 *   timeouts.c: tcp_tmr, tcp_active_pcbs, tcp_tw_pcbs (tcpip_tcp_timer)
 *   init.c: tcp_init, ppp_init (lwip_init)
 *   udp.c, dns.c, dhcp.c, acd.c, igmp.c, mld6.c: lwip_port_rand
 *     (LWIP_RAND of the unix port's cc.h)
 */
#include "lwip/opt.h"
#include "lwip/err.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcpip.h"
#include "lwip/priv/tcp_priv.h"
#include "netif/ethernet.h"

#include <stdlib.h>

/* ---- tcp.c, tcp_in.c ------------------------------------------------ */

/* No TCP here: the active and TIME_WAIT lists are empty. */
__attribute__((weak)) struct tcp_pcb *tcp_active_pcbs;
__attribute__((weak)) struct tcp_pcb *tcp_tw_pcbs;

/* Never called while tcp_active_pcbs is empty. */
__attribute__((weak)) void tcp_free_ooseq(struct tcp_pcb *pcb)
{
  LWIP_UNUSED_ARG(pcb);
  LWIP_ASSERT("lwip-core stand-in tcp_free_ooseq called", 0);
}

/* How many segments ip4_input/ip6_input handed to the stand-in
   tcp_input (tests read it). */
unsigned int lwip_core_tcp_input_calls;

/* No TCP here: the segment is dropped (freed), as by a stack without
   TCP. */
__attribute__((weak)) void tcp_input(struct pbuf *p, struct netif *inp)
{
  LWIP_UNUSED_ARG(inp);
  lwip_core_tcp_input_calls++;
  pbuf_free(p);
}

/* No pcbs: nothing to time. */
__attribute__((weak)) void tcp_tmr(void)
{
}

/* No pcbs: nothing to initialise. */
__attribute__((weak)) void tcp_init(void)
{
}

/* No pcbs bound to the old address. */
__attribute__((weak)) void tcp_netif_ip_addr_changed(const ip_addr_t *old_addr, const ip_addr_t *new_addr)
{
  LWIP_UNUSED_ARG(old_addr);
  LWIP_UNUSED_ARG(new_addr);
}

/* ---- tcpip.c ------------------------------------------------------- */

/* How many times pbuf.c asked for pbuf_free_ooseq_callback (tests read it). */
unsigned int lwip_core_tcpip_try_callback_calls;

/* There is no tcpip thread to queue the call to: refuse it, as a full
   mailbox would (pbuf.c then clears pbuf_free_ooseq_pending, so the next
   exhaustion asks again). */
__attribute__((weak)) err_t tcpip_try_callback(tcpip_callback_fn function, void *ctx)
{
  LWIP_UNUSED_ARG(function);
  LWIP_UNUSED_ARG(ctx);
  lwip_core_tcpip_try_callback_calls++;
  return ERR_MEM;
}

/* There is no tcpip thread: the packet goes where tcpip.c's thread would
   take it (ethernet_input or ip_input, by the netif's flags), at once. */
__attribute__((weak)) err_t tcpip_input(struct pbuf *p, struct netif *inp)
{
#if LWIP_ETHERNET
  if (inp->flags & (NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET)) {
    return ethernet_input(p, inp);
  }
#endif
  return ip_input(p, inp);
}

/* ---- the PPP files (PPP_SUPPORT is on in test/unit's options) -------- */

int ppp_init(void);
/* No PPP here. */
__attribute__((weak)) int ppp_init(void)
{
  return 0;
}

/* ---- test/unit/lwip_unittests.c ------------------------------------ */

unsigned int lwip_port_rand(void);
/* As lwIP's unit-test runner defines it. */
__attribute__((weak)) unsigned int lwip_port_rand(void)
{
  return (unsigned int)rand();
}
