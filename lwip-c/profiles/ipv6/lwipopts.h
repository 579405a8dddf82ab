/*
 * tcpdiff profile "ipv6": the "dual" profile (../dual/lwipopts.h: IPv6
 * kept to what TCP needs) without IPv4: LWIP_IPV4 0, so `ip_addr_t` is
 * `ip6_addr_t` and every pcb, listener and segment is IPv6.
 * The port's options for it: harness/src/engine/profiles.rs.
 */
#ifndef TCPDIFF_PROFILE_IPV6_H
#define TCPDIFF_PROFILE_IPV6_H

#include "../dual/lwipopts.h"

#undef TCPDIFF_PROFILE
#define TCPDIFF_PROFILE "ipv6"
#undef LWIP_IPV4
#define LWIP_IPV4                       0

#endif /* TCPDIFF_PROFILE_IPV6_H */
