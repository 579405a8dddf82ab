/*
 * tcpdiff profile "single-pbuf": the "full" profile (../full/lwipopts.h,
 * whose comments explain each choice) with LWIP_NETIF_TX_SINGLE_PBUF 1:
 * tcp_write always copies (TCP_WRITE_FLAG_COPY), never chains a pbuf to
 * the last unsent segment (its phase 2), and allocates each segment's
 * pbuf at its full size (tcp_pbuf_prealloc), so that every segment goes
 * to the netif as one pbuf. TCP_OVERSIZE stays TCP_MSS. The port's
 * options for it: harness/src/engine/profiles.rs (a test checks them
 * against this build's).
 */
#ifndef TCPDIFF_PROFILE_SINGLE_PBUF_H
#define TCPDIFF_PROFILE_SINGLE_PBUF_H

/* Everything as in "full", then what this profile changes. */
#include "../full/lwipopts.h"

#undef TCPDIFF_PROFILE
#define TCPDIFF_PROFILE "single-pbuf"
#define LWIP_NETIF_TX_SINGLE_PBUF       1

#endif /* TCPDIFF_PROFILE_SINGLE_PBUF_H */
