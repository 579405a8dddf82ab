/*
 * tcpdiff profile "no-oversize": the "full" profile (../full/lwipopts.h,
 * whose comments explain each choice) with TCP_OVERSIZE 0: the
 * `#if TCP_OVERSIZE` code is compiled out, so tcp_write allocates each
 * pbuf at its exact length and no write fills room left at the end of
 * the last one. (The other half of the opposite of full's choices,
 * LWIP_NETIF_TX_SINGLE_PBUF, cannot go with it: init.c requires
 * TCP_OVERSIZE for it. It has its own profile, "single-pbuf".) The
 * port's options for it: harness/src/engine/profiles.rs (a test checks
 * them against this build's).
 */
#ifndef TCPDIFF_PROFILE_NO_OVERSIZE_H
#define TCPDIFF_PROFILE_NO_OVERSIZE_H

/* Everything as in "full", then what this profile changes. */
#include "../full/lwipopts.h"

#undef TCPDIFF_PROFILE
#define TCPDIFF_PROFILE "no-oversize"
#undef TCP_OVERSIZE
#define TCP_OVERSIZE                    0

#endif /* TCPDIFF_PROFILE_NO_OVERSIZE_H */
