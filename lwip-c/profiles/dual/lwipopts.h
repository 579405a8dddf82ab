/*
 * tcpdiff profile "dual": the "full" profile (../full/lwipopts.h, whose
 * comments explain each choice) as a dual-stack build: LWIP_IPV4 and
 * LWIP_IPV6. `ip_addr_t` carries a type (IPv4, IPv6 or IPADDR_TYPE_ANY),
 * the netif holds an IPv4 address and one IPv6 address, and ip_input()
 * hands each packet to ip4_input() or ip6_input() by its version.
 *
 * What IPv6 brings besides TCP is kept to what TCP needs, as for IPv4
 * (no ICMP there either):
 *   - LWIP_ICMP6 0: no ICMPv6 (no errors sent for unknown next headers or
 *     options; no Packet Too Big handling);
 *   - LWIP_IPV6_MLD 0, LWIP_IPV6_AUTOCONFIG 0, no router solicitation,
 *     no duplicate address detection: the driver sets the netif's address
 *     and marks it preferred;
 *   - LWIP_ND6_QUEUEING 0 (no ND6 queue pool: the pools are the IPv4
 *     profiles'), LWIP_ND6_TCP_REACHABILITY_HINTS 0 (TCP tells ND nothing),
 *     LWIP_ND6_ALLOW_RA_UPDATES 0 (the netif has one MTU, as for IPv4);
 *     nd6.c is compiled, but its caches stay empty: without Ethernet or
 *     ICMPv6 nothing fills them, so nd6_get_destination_mtu() (tcp.c's
 *     MSS) is the netif's MTU;
 *   - no fragmentation or reassembly, as for IPv4.
 * The port's options for it: harness/src/engine/profiles.rs.
 */
#ifndef TCPDIFF_PROFILE_DUAL_H
#define TCPDIFF_PROFILE_DUAL_H

/* Everything as in "full", then what this profile changes. */
#include "../full/lwipopts.h"

#undef TCPDIFF_PROFILE
#define TCPDIFF_PROFILE "dual"

#undef LWIP_IPV6
#define LWIP_IPV6                       1
#define LWIP_ICMP6                      0
#define LWIP_IPV6_MLD                   0
#define LWIP_IPV6_AUTOCONFIG            0
#define LWIP_IPV6_SEND_ROUTER_SOLICIT   0
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS   0
#define LWIP_IPV6_FRAG                  0
#define LWIP_IPV6_REASS                 0
#define LWIP_IPV6_NUM_ADDRESSES         1
#define LWIP_ND6_QUEUEING               0
#define LWIP_ND6_TCP_REACHABILITY_HINTS 0
#define LWIP_ND6_ALLOW_RA_UPDATES       0

#endif /* TCPDIFF_PROFILE_DUAL_H */
