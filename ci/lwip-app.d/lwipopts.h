/*
 * lwipopts.h for ci/lwip-app: the example app's own options
 * (contrib/examples/example_app/lwipopts.h, included unchanged), then, unless
 * LWIP_APP_EXAMPLE_OPTS is defined (ci/lwip-app --example-opts), larger TCP
 * buffers and pools. ci/lwip-app copies this file into its copy of
 * contrib/ports/unix/example_app/, which is first on the include path (-I.),
 * so every file of the build sees it instead of the example's.
 *
 * Why (measured, see docs/lwip-app.md): with the example's values
 * (TCP_MSS 1024, TCP_SND_BUF 2048, TCP_WND 20 KiB, PBUF_POOL_SIZE 120 of
 * 256-byte pbufs, 16 tcpip input messages) lwIP drops frames itself on a
 * loss-free link (a 20-segment window does not fit in its input queue and
 * pool: Linux retransmitted ~3 % of its segments, and its 10 MiB took 34 s),
 * and as a sender it has at most two segments in flight, so a lost segment
 * is never followed by the three duplicate ACKs of a fast retransmit and
 * waits for the retransmission timer (1 to 1.5 s): 10 MiB at 3 % loss does
 * not finish in 240 s.
 *
 * TCP here: MSS 1460, a 64-segment send buffer and window (window scaling
 * on). Two options that the project's "full" profile
 * (lwip-c/profiles/full/lwipopts.h) has on stay off here:
 *  - LWIP_TCP_SACK_OUT: when lwIP offers SACK, Linux (kernel 6.18 here)
 *    grows its advertised window with each out-of-order segment, so its
 *    duplicate ACKs each carry a new window (seen in captures; without
 *    SACK its window mostly stays put), and lwIP, which counts an ACK as a
 *    duplicate only if the window is unchanged (RFC 5681), seldom reaches
 *    three: lwIP's losses then wait for its retransmission timer. 10 MiB from lwIP at
 *    3 % loss took 219 s with it, 64 to 108 s without (Linux's sending to
 *    lwIP is the other way round: 0.4 s with, 2 to 13 s without).
 *  - LWIP_TCP_TIMESTAMPS: lwiperf writes TCP_MSS bytes at a time, and with
 *    the 12-byte option each write becomes a 1448-byte and a 12-byte
 *    segment (twice the packets, twice the losses).
 */
#ifndef LWIP_APP_LWIPOPTS_H
#define LWIP_APP_LWIPOPTS_H

/* The example app's lwipopts.h (found through -I$(CONTRIBDIR)). */
#include "examples/example_app/lwipopts.h"

#ifndef LWIP_APP_EXAMPLE_OPTS

#undef TCP_MSS
#define TCP_MSS                    1460
#undef TCP_WND
#define TCP_WND                    (64 * TCP_MSS)
#define LWIP_WND_SCALE             1
#define TCP_RCV_SCALE              2
#undef TCP_SND_BUF
#define TCP_SND_BUF                (64 * TCP_MSS)
#undef TCP_SND_QUEUELEN
#define TCP_SND_QUEUELEN           (4 * TCP_SND_BUF / TCP_MSS)
#undef TCP_SNDLOWAT
#define TCP_SNDLOWAT               (TCP_SND_BUF / 2)
#define LWIP_TCP_SACK_OUT          0
#define LWIP_TCP_TIMESTAMPS        0
#undef MEMP_NUM_TCP_PCB
#define MEMP_NUM_TCP_PCB           16

/* lwiperf closes a session that has seen no data sent or received for
 * LWIPERF_TCP_MAX_IDLE_SEC (default 10 s). lwIP's retransmission timer
 * backs off 1.5 s, 3 s, 6 s when a retransmission is lost again, which 3 %
 * loss does now and then: 60 s keeps the test about TCP. */
#define LWIPERF_TCP_MAX_IDLE_SEC   60U

/* Room for a full window in every queue a segment passes through: the
 * tcpip thread's input messages (the unix port's mailboxes hold 128), the
 * pool (one 1514-byte frame per pbuf), the segments and the heap that
 * tcp_write copies into (tcpecho_raw copies, lwiperf does not). */
#undef MEMP_NUM_TCPIP_MSG_INPKT
#define MEMP_NUM_TCPIP_MSG_INPKT   128
#undef PBUF_POOL_SIZE
#define PBUF_POOL_SIZE             256
#undef PBUF_POOL_BUFSIZE
#define PBUF_POOL_BUFSIZE          1536
#undef MEMP_NUM_TCP_SEG
#define MEMP_NUM_TCP_SEG           (2 * TCP_SND_QUEUELEN)
#undef MEMP_NUM_PBUF
#define MEMP_NUM_PBUF              (2 * TCP_SND_QUEUELEN)
#undef MEM_SIZE
#define MEM_SIZE                   (512 * 1024)

#endif /* !LWIP_APP_EXAMPLE_OPTS */

#endif /* LWIP_APP_LWIPOPTS_H */
