/*
 * Test-only stand-ins for what lwIP's non-TCP core takes from tcp*.c and
 * from the parts of lwIP this crate does not compile (tcpip.c).
 *
 * STAND-INS, NOT lwIP: each is a weak definition, so the real one wins as
 * soon as something linked with this crate defines it (the C-ABI crate's
 * library, once it exports tcp_active_pcbs and tcp_free_ooseq; lwIP's own
 * tcp.c; tcpip.c).
 *
 * pbuf.c (PBUF_POOL_FREE_OOSEQ, on with test/unit's options) references
 * them: when the PBUF_POOL runs out it asks tcpip_try_callback() to run
 * pbuf_free_ooseq_callback, which walks tcp_active_pcbs calling
 * tcp_free_ooseq() on each pcb with an ooseq queue.
 */
#include "lwip/opt.h"
#include "lwip/err.h"
#include "lwip/tcpip.h"
#include "lwip/priv/tcp_priv.h"

/* No TCP here: the active list is empty. */
__attribute__((weak)) struct tcp_pcb *tcp_active_pcbs;

/* Never called while tcp_active_pcbs is empty. */
__attribute__((weak)) void tcp_free_ooseq(struct tcp_pcb *pcb)
{
  LWIP_UNUSED_ARG(pcb);
  LWIP_ASSERT("lwip-core stand-in tcp_free_ooseq called", 0);
}

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
