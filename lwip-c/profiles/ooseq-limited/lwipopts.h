/*
 * tcpdiff profile "ooseq-limited": the "full" profile (../full/lwipopts.h,
 * whose comments explain each choice) with the out-of-order queue limited
 * per pcb: TCP_OOSEQ_MAX_BYTES 2920 and TCP_OOSEQ_MAX_PBUFS 4 (opt.h's
 * TCP_OOSEQ_BYTES_LIMIT / TCP_OOSEQ_PBUFS_LIMIT then cut the queue:
 * tcp_in.c's tcp_receive): large segments reach the byte limit first,
 * small ones the pbuf limit. The port's options for it:
 * harness/src/engine/profiles.rs (a test checks them against this build's).
 */
#ifndef TCPDIFF_PROFILE_OOSEQ_LIMITED_H
#define TCPDIFF_PROFILE_OOSEQ_LIMITED_H

/* Everything as in "full", then what this profile changes. */
#include "../full/lwipopts.h"

#undef TCPDIFF_PROFILE
#define TCPDIFF_PROFILE "ooseq-limited"
#define TCP_OOSEQ_MAX_BYTES             2920
#define TCP_OOSEQ_MAX_PBUFS             4

#endif /* TCPDIFF_PROFILE_OOSEQ_LIMITED_H */
