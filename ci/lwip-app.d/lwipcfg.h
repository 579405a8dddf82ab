/*
 * lwipcfg.h for ci/lwip-app: lwIP's contrib/examples/example_app/test.c
 * includes "lwipcfg.h" (lwipcfg.h.example says: copy it and make the
 * config changes you need). ci/lwip-app copies this file into its copy of
 * contrib/ports/unix/example_app/, which is first on the include path.
 *
 * Static IPv4 address on the TAP interface, no DHCP/AutoIP, and only two
 * applications: lwiperf (src/apps/lwiperf, iperf 2 server on port 5001)
 * and tcpecho_raw (contrib/apps/tcpecho_raw, raw-API echo on port 7).
 * NO_SYS stays 0, as the example's lwipopts.h has it (why: ci/lwip-app's
 * header): the tcpip thread runs lwIP's timers, tapif.c's thread reads the
 * TAP.
 */
#ifndef LWIP_APP_LWIPCFG_H
#define LWIP_APP_LWIPCFG_H

/* lwIP is 10.77.0.2/24; 10.77.0.1, the gateway, is Linux's side of the
 * TAP, in a namespace of the test's own (ci/lwip-app) that routes to a
 * second one where Linux's tools run. Nothing leaves the two. */
#define LWIP_PORT_INIT_IPADDR(addr)   IP4_ADDR((addr), 10,77,0,2)
#define LWIP_PORT_INIT_GW(addr)       IP4_ADDR((addr), 10,77,0,1)
#define LWIP_PORT_INIT_NETMASK(addr)  IP4_ADDR((addr), 255,255,255,0)

#define USE_DHCP                      0
#define USE_AUTOIP                    0

#define LWIP_CHARGEN_APP              0
#define LWIP_DNS_APP                  0
#define LWIP_HTTPD_APP                0
#define LWIP_NETBIOS_APP              0
#define LWIP_NETIO_APP                0
#define LWIP_MDNS_APP                 0
#define LWIP_MQTT_APP                 0
#define LWIP_PING_APP                 0
#define LWIP_RTP_APP                  0
#define LWIP_SHELL_APP                0
#define LWIP_SNMP_APP                 0
#define LWIP_SNTP_APP                 0
#define LWIP_SOCKET_EXAMPLES_APP      0
#define LWIP_TCPECHO_APP              1   /* raw API: tcpecho_raw_init() */
#define LWIP_TFTP_APP                 0
#define LWIP_TFTP_CLIENT_APP          0
#define LWIP_UDPECHO_APP              0
#define LWIP_LWIPERF_APP              1   /* lwiperf_example_init() */

/* test.c's main loop is `while (!LWIP_EXAMPLE_APP_ABORT())
 * default_netif_poll();`, and the unix port defines the macro as "a key was
 * pressed on stdin" (lwip_unix_keypressed). With NO_SYS=0, tapif.c already
 * reads the TAP in its own thread (tapif_thread: select, then
 * tcpip_input), so the main thread's tapif_poll() is a second reader of the
 * same file descriptor, and two readers can hand frames to the tcpip thread
 * out of the order they were read in. Here the main thread blocks in
 * pause() for good instead (no handler is installed, so it only ends with
 * the process): tapif_thread is the one reader, stdin is not read, and the
 * tcpip thread (timers, TCP) is unchanged. test.c defines the macro only
 * #ifndef, i.e. it is meant to be configured. */
#include <unistd.h>
#undef LWIP_EXAMPLE_APP_ABORT
#define LWIP_EXAMPLE_APP_ABORT() (pause() == -2)

#endif /* LWIP_APP_LWIPCFG_H */
