/*
 * tcpdiff profile "no-ooseq": the "full" profile (../full/lwipopts.h, whose
 * comments explain each choice) with TCP_QUEUE_OOSEQ 0: lwIP drops every
 * out-of-order segment instead of queueing it, and LWIP_TCP_SACK_OUT 0
 * (init.c: SACK needs the queue). The port's options for it:
 * harness/src/engine/profiles.rs (a test checks them against this build's).
 */
#ifndef TCPDIFF_PROFILE_NO_OOSEQ_H
#define TCPDIFF_PROFILE_NO_OOSEQ_H

/* Everything as in "full", then what this profile changes. */
#include "../full/lwipopts.h"

#undef TCPDIFF_PROFILE
#define TCPDIFF_PROFILE "no-ooseq"
#undef TCP_QUEUE_OOSEQ
#define TCP_QUEUE_OOSEQ                 0
#undef LWIP_TCP_SACK_OUT
#define LWIP_TCP_SACK_OUT               0

#endif /* TCPDIFF_PROFILE_NO_OOSEQ_H */
