/*
 * tcpdiff profile "minimal": the "full" profile (../full/lwipopts.h, whose
 * comments explain each choice) with lwIP's optional TCP features off and
 * a small MSS: no window scaling, timestamps, SACK, keepalive options or
 * listen backlog; TCP_MSS 536, TCP_WND 4 * MSS, TCP_SND_BUF 2 * MSS. The
 * code those options compile out of tcp*.c in "full" is compiled in here,
 * and the reverse. The port's options for it: harness/src/engine/profiles.rs
 * (a test checks them against this build's).
 */
#ifndef TCPDIFF_PROFILE_MINIMAL_H
#define TCPDIFF_PROFILE_MINIMAL_H

/* Everything as in "full", then what this profile changes. */
#include "../full/lwipopts.h"

#undef TCPDIFF_PROFILE
#define TCPDIFF_PROFILE "minimal"
#undef TCP_MSS
#define TCP_MSS                         536
#undef LWIP_WND_SCALE
#define LWIP_WND_SCALE                  0
#undef TCP_RCV_SCALE
#define TCP_RCV_SCALE                   0
#undef TCP_WND
#define TCP_WND                         (4 * TCP_MSS)
#undef TCP_SND_BUF
#define TCP_SND_BUF                     (2 * TCP_MSS)
#undef LWIP_TCP_SACK_OUT
#define LWIP_TCP_SACK_OUT               0
#undef LWIP_TCP_TIMESTAMPS
#define LWIP_TCP_TIMESTAMPS             0
#undef LWIP_TCP_KEEPALIVE
#define LWIP_TCP_KEEPALIVE              0
#undef TCP_LISTEN_BACKLOG
#define TCP_LISTEN_BACKLOG              0

#endif /* TCPDIFF_PROFILE_MINIMAL_H */
