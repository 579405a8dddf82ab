/*
 * tcpdiff profile "ooseq-limited": the "full" profile (../full/lwipopts.h,
 * whose comments explain each choice) with the out-of-order queue limited
 * per pcb: TCP_OOSEQ_MAX_BYTES 2920 and TCP_OOSEQ_MAX_PBUFS 4 (opt.h's
 * TCP_OOSEQ_BYTES_LIMIT / TCP_OOSEQ_PBUFS_LIMIT then cut the queue:
 * tcp_in.c's tcp_receive): large segments reach the byte limit first,
 * small ones the pbuf limit. The port's options for it:
 * harness/src/engine/profiles.rs (a test checks them against this build's).
 */
#ifndef TCPDIFF_LWIPOPTS_H
#define TCPDIFF_LWIPOPTS_H

#define TCPDIFF_PROFILE "ooseq-limited"

/* ---- System ------------------------------------------------------------ */
#define NO_SYS                          1
#define LWIP_TIMERS                     0
#define SYS_LIGHTWEIGHT_PROT            0
#define LWIP_NETCONN                    0
#define LWIP_SOCKET                     0
#define LWIP_ALTCP                      0

/* 64-bit host: pointers need 8-byte alignment. Note that TCP_OVERSIZE
 * rounds with LWIP_MEM_ALIGN_SIZE, so this value shows on the wire. */
#define MEM_ALIGNMENT                   8

/* ---- Protocols --------------------------------------------------------- */
#define LWIP_IPV4                       1
#define LWIP_IPV6                       0
#define LWIP_ARP                        0
#define LWIP_ETHERNET                   0
#define LWIP_ICMP                       0
#define LWIP_RAW                        0
#define LWIP_UDP                        0
#define LWIP_IGMP                       0
#define LWIP_DHCP                       0
#define LWIP_AUTOIP                     0
#define LWIP_ACD                        0
#define LWIP_DNS                        0
#define IP_FORWARD                      0
#define IP_REASSEMBLY                   0
#define IP_FRAG                         0
#define IP_OPTIONS_ALLOWED              1
#define LWIP_HAVE_LOOPIF                0
#define LWIP_NETIF_LOOPBACK             0
#define LWIP_SINGLE_NETIF               1

/* ---- Memory: small on purpose, so tests can reach every limit ---------- */
#define MEM_SIZE                        16384
#define MEMP_NUM_PBUF                   16
#define MEMP_NUM_TCP_PCB                5
#define MEMP_NUM_TCP_PCB_LISTEN         2
#define MEMP_NUM_TCP_SEG                16
/* One inbound packet fits one pool pbuf: 1500 bytes of IP, no link header. */
#define PBUF_POOL_SIZE                  16
#define PBUF_POOL_BUFSIZE               1536
#define PBUF_LINK_HLEN                  0
#define PBUF_LINK_ENCAPSULATION_HLEN    0
/* lwIP's "free ooseq data when the pool runs dry" needs a main loop
 * calling pbuf_free_ooseq(); there is none here, so it is off. */
#define PBUF_POOL_FREE_OOSEQ            0

/* ---- TCP --------------------------------------------------------------- */
#define LWIP_TCP                        1
#define LWIP_CALLBACK_API               1
#define LWIP_EVENT_API                  0
#define TCP_MSS                         1460
#define LWIP_WND_SCALE                  1
#define TCP_RCV_SCALE                   2
#define TCP_WND                         (8 * TCP_MSS)
#define TCP_SND_BUF                     (4 * TCP_MSS)
#define TCP_SND_QUEUELEN                ((4 * (TCP_SND_BUF) + (TCP_MSS - 1)) / (TCP_MSS))
#define TCP_OVERSIZE                    TCP_MSS
#define TCP_QUEUE_OOSEQ                 1
#define TCP_OOSEQ_MAX_BYTES             2920
#define TCP_OOSEQ_MAX_PBUFS             4
#define LWIP_TCP_SACK_OUT               1
#define LWIP_TCP_MAX_SACK_NUM           4
#define LWIP_TCP_TIMESTAMPS             1
#define LWIP_TCP_KEEPALIVE              1
#define TCP_LISTEN_BACKLOG              1
#define TCP_DEFAULT_LISTEN_BACKLOG      0xff
#define TCP_TTL                         255
#define TCP_MAXRTX                      12
#define TCP_SYNMAXRTX                   6
#define TCP_CALCULATE_EFF_SEND_MSS      1
#define LWIP_TCP_PCB_NUM_EXT_ARGS       0
#define LWIP_RANDOMIZE_INITIAL_LOCAL_PORTS 1

/* Checksums generated and checked in software, always. */
#define CHECKSUM_GEN_IP                 1
#define CHECKSUM_GEN_TCP                1
#define CHECKSUM_CHECK_IP               1
#define CHECKSUM_CHECK_TCP              1
#define LWIP_CHECKSUM_CTRL_PER_NETIF    0

/* ---- Determinism hooks (see shim/shim.h) ------------------------------- */
#define LWIP_HOOK_FILENAME              "tcpdiff_hooks.h"
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) \
  tcpdiff_isn_hook((local_ip), (local_port), (remote_ip), (remote_port))
#define LWIP_RAND()                     tcpdiff_rand()

/* ---- Accounting: the leak oracle reads these --------------------------- */
#define LWIP_STATS                      1
#define LWIP_STATS_DISPLAY              0
#define MEM_STATS                       1
#define MEMP_STATS                      1
#define TCP_STATS                       1
/* lwip_stats.mib2 (SNMP's MIB-II counters), for its nine TCP counters,
 * which the resources oracle compares. */
#define MIB2_STATS                      1
#define IP_STATS                        1
#define LINK_STATS                      0
#define SYS_STATS                       0

#endif /* TCPDIFF_LWIPOPTS_H */
