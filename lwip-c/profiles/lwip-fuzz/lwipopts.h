/*
 * tcpdiff profile "lwip-fuzz": the TCP and memory options of lwIP's own
 * fuzzers (test/fuzz/lwipopts.h in lwIP 2.2.1, with opt.h's defaults for
 * what it leaves out) on the harness's "full" infrastructure
 * (../full/lwipopts.h: NO_SYS, IPv4 only, the ISN and random hooks,
 * statistics). From test/fuzz/lwipopts.h: no TCP checksum check
 * (CHECKSUM_CHECK_TCP 0, so a segment with a wrong checksum is
 * processed), TCP_OVERSIZE 1, TCP_MSS 536 (opt.h's default), TCP_WND
 * 10 * MSS, TCP_SND_BUF 12 * MSS, TCP_SND_QUEUELEN 40 and as
 * many segments, window scaling with TCP_RCV_SCALE 2;
 * opt.h's defaults for SACK, timestamps, keepalive options and listen
 * backlog (all off), for MEMP_NUM_TCP_PCB_LISTEN (8) and for
 * PBUF_POOL_BUFSIZE. What differs from test/fuzz's build: IPv4 only
 * (IPv6 is its own issue), the harness's hooks instead of the fuzzers'
 * sys_now and rand, and pools the port's own storage holds (below:
 * MEM_SIZE, PBUF_POOL_SIZE). The
 * port's options for it:
 * harness/src/engine/profiles.rs (a test checks them against this
 * build's).
 */
#ifndef TCPDIFF_PROFILE_LWIP_FUZZ_H
#define TCPDIFF_PROFILE_LWIP_FUZZ_H

/* Everything as in "full", then what this profile changes. */
#include "../full/lwipopts.h"

#undef TCPDIFF_PROFILE
#define TCPDIFF_PROFILE "lwip-fuzz"
#undef CHECKSUM_CHECK_TCP
#define CHECKSUM_CHECK_TCP              0
#undef TCP_MSS
#define TCP_MSS                         536
#undef TCP_WND
#define TCP_WND                         (10 * TCP_MSS)
#undef TCP_SND_BUF
#define TCP_SND_BUF                     (12 * TCP_MSS)
#undef TCP_SND_QUEUELEN
#define TCP_SND_QUEUELEN                40
#undef MEMP_NUM_TCP_SEG
#define MEMP_NUM_TCP_SEG                TCP_SND_QUEUELEN
#undef MEMP_NUM_TCP_PCB_LISTEN
#define MEMP_NUM_TCP_PCB_LISTEN         8
#undef TCP_OVERSIZE
#define TCP_OVERSIZE                    1
#undef LWIP_TCP_SACK_OUT
#define LWIP_TCP_SACK_OUT               0
#undef LWIP_TCP_TIMESTAMPS
#define LWIP_TCP_TIMESTAMPS             0
#undef LWIP_TCP_KEEPALIVE
#define LWIP_TCP_KEEPALIVE              0
#undef TCP_LISTEN_BACKLOG
#define TCP_LISTEN_BACKLOG              0
/* test/unit: MEM_SIZE 17000, test/fuzz: 16000, both PBUF_POOL_SIZE 400
 * (for lwIP's pbuf tests); the port's own heap holds 16384 bytes
 * (tcp-rust/src/mem.rs MEM_HEAP_CAP), its pool 40 of this size. */
#undef MEM_SIZE
#define MEM_SIZE                        16000
#undef PBUF_POOL_SIZE
#define PBUF_POOL_SIZE                  40
#undef PBUF_POOL_BUFSIZE

#endif /* TCPDIFF_PROFILE_LWIP_FUZZ_H */
