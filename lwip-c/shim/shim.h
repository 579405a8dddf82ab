/*
 * tcpdiff C shim: the only C this project writes. It drives lwIP 2.2.1's
 * TCP (compiled unmodified) for the Rust crate `lwip-c`.
 *
 * This header is self-contained (only <stdint.h>) so that the bindings
 * generated from it never depend on lwipopts.h or on the layout of lwIP's
 * structs. `struct tcp_pcb` is opaque here; Rust reads pcbs only through
 * `shim_snapshot`.
 *
 * Entry points
 * ------------
 * Functions returning `int` are entry points into lwIP. They return
 * SHIM_OK, or SHIM_ASSERTED when lwIP's LWIP_ASSERT fired during the call
 * (see "Assertions"); lwIP's own err_t comes back through an out parameter.
 * Entry points may be called from inside a callback (a callback may write,
 * output, recved, close or abort, as lwIP allows).
 *
 * Inbound packets (shim_input)
 * ----------------------------
 * The bytes are one IP packet. They are copied into one PBUF_POOL pbuf
 * (PBUF_POOL_BUFSIZE is 1536 in profile "full"; a longer packet is carried
 * in a pbuf chain) and handed to the netif's input function, ip_input():
 * ip4_input() in an IPv4-only build, ip6_input() in an IPv6-only one, and
 * in a dual-stack build the one the version nibble names (any other
 * version: dropped). If the pool is empty the packet is dropped and *err
 * is ERR_MEM.
 * Before TCP sees the segment, ip4_input() (IP_FORWARD=0,
 * IP_REASSEMBLY=0, IP_OPTIONS_ALLOWED=1, no IGMP, single netif) drops it
 * silently when:
 *   - the IP version is not 4;
 *   - the header length is < 20, or longer than the first pbuf, or the
 *     total length is longer than the data (a longer buffer is trimmed to
 *     the total length);
 *   - the IP header checksum is wrong (CHECKSUM_CHECK_IP=1);
 *   - the destination is not the netif's address and not a broadcast
 *     address of it (multicast is not accepted: no IGMP);
 *   - the source is a broadcast or multicast address;
 *   - the packet is a fragment (MF set or offset != 0);
 *   - the protocol is not TCP (no UDP, ICMP or RAW in this build).
 * IP options are allowed and skipped.
 * ip6_input() (profiles "dual" and "ipv6": no ICMPv6, MLD, forwarding or
 * reassembly; one netif address) drops it silently when:
 *   - the IP version is not 6;
 *   - the 40-byte header does not fit the first pbuf, or the payload
 *     length is longer than the data (a longer buffer is trimmed);
 *   - either address is IPv4-mapped, or the source is multicast;
 *   - the destination is multicast other than all-nodes (interface- or
 *     link-local) and the solicited-node address of the netif's address;
 *   - the destination is unicast and not the netif's (preferred) address;
 *   - the source is :: (unspecified) and the destination is not a
 *     solicited-node address;
 *   - an extension header does not fit the first pbuf; a hop-by-hop or
 *     destination option of an unknown type whose two high bits say
 *     "discard" (01, 10, 11: no ICMPv6 is sent); a routing header with
 *     segments left and an odd length or a type other than 2 and 3; a
 *     fragment header of a real fragment (offset or M set), or with M set
 *     and a payload length not a multiple of 8; a hop-by-hop header
 *     after the first;
 *   - the last next header is not TCP (no UDP, ICMPv6 or RAW).
 * Extension headers are otherwise skipped (ip_current_header_tot_len()
 * counts them). Everything else is tcp_input()'s.
 *
 * Callbacks
 * ---------
 * Every pcb the driver creates carries a handle id (a uint32_t, never 0)
 * as lwIP's callback_arg, and the shim's trampolines as its callbacks:
 * recv and sent always; err always (for accepted pcbs: once the accept
 * callback returned ERR_OK, as an lwIP application would set it);
 * connected from shim_tcp_connect; accept on listening pcbs; poll only
 * after shim_tcp_poll. A trampoline calls the matching `shim_ops`
 * function with the handle id and lwIP's arguments and returns the Rust
 * side's err_t to lwIP. For recv, the pbuf is freed by the trampoline when
 * Rust returns ERR_OK or ERR_ABRT (lwIP's contract: the application then
 * owns it) and left to lwIP (refused data) otherwise.
 *
 * Determinism
 * -----------
 * sys_now() returns the virtual clock set with shim_set_time().
 * LWIP_RAND() and LWIP_HOOK_TCP_ISN call `shim_ops.rand` and
 * `shim_ops.isn`. lwIP's timers are never run by lwIP itself: the driver
 * calls shim_fasttmr() and shim_slowtmr() (tcp_fasttmr, tcp_slowtmr). The
 * function-scope static in tcp_tmr() is never used; the file-scope statics
 * that carry state between calls (tcp.c: tcp_port, tcp_timer,
 * tcp_timer_ctr; ip4.c: ip_id) are reset by shim_reset() from wrapper
 * translation units that #include the unmodified lwIP files.
 *
 * Assertions
 * ----------
 * LWIP_PLATFORM_ASSERT reports (msg, file, line) through
 * `shim_ops.assert_failed`, marks the shim poisoned and longjmp()s back to
 * the innermost entry point, which returns SHIM_ASSERTED. Only lwIP C
 * frames are unwound: when an entry point was called from inside a
 * callback, the trampoline that called Rust sees the poison after Rust
 * returns and unwinds the next C segment in turn. lwIP's state is then
 * unusable: every entry point returns SHIM_ASSERTED until shim_reset().
 * An assertion outside any entry point calls abort().
 */
#ifndef TCPDIFF_SHIM_H
#define TCPDIFF_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tcp_pcb;
struct pbuf;

/* An lwIP `ip_addr_t` at the boundary. `type` is lwIP's IPADDR_TYPE_*:
 *   SHIM_IPADDR_V4 (0): addr[0..4] is the address in network order, the
 *     rest 0;
 *   SHIM_IPADDR_V6 (6): addr[0..16], network order;
 *   SHIM_IPADDR_ANY (46): lwIP's IP_ANY_TYPE (a dual-stack "any"), addr 0.
 * Addresses the shim gives out carry the type lwIP stores (an IPv4-only
 * build: always V4; IPv6-only: always V6). Callers pass only types the
 * build has (shim_tcp_options: lwip_ipv4, lwip_ipv6); IPADDR_TYPE_ANY is
 * accepted by every build (IPv4-only: 0.0.0.0; IPv6-only: ::, as lwIP's
 * own IP_ANY_TYPE). */
#define SHIM_IPADDR_V4 0
#define SHIM_IPADDR_V6 6
#define SHIM_IPADDR_ANY 46
struct shim_ip {
  uint8_t type;
  uint8_t addr[16];
};

#define SHIM_OK 0
#define SHIM_ASSERTED 1

/* tcp_write flags (lwIP's TCP_WRITE_FLAG_*). */
#define SHIM_WRITE_FLAG_COPY 0x01
#define SHIM_WRITE_FLAG_MORE 0x02

/* Which of lwIP's pcb lists a snapshot was taken from. */
#define SHIM_LIST_NONE 0
#define SHIM_LIST_LISTEN 1
#define SHIM_LIST_BOUND 2
#define SHIM_LIST_ACTIVE 3
#define SHIM_LIST_TIME_WAIT 4

/* Functions the driver provides. All are required. */
struct shim_ops {
  /* A packet the netif emitted: one whole IPv4 or IPv6 packet. */
  void (*output)(const uint8_t *pkt, uint16_t len);
  /* LWIP_RAND(). */
  uint32_t (*rand)(void);
  /* LWIP_HOOK_TCP_ISN. */
  uint32_t (*isn)(const struct shim_ip *local_ip, uint16_t local_port,
                  const struct shim_ip *remote_ip, uint16_t remote_port);
  /* Raw-API callbacks. `id` is the pcb's handle id. */
  int8_t (*accept)(uint32_t listener_id, uint32_t new_id,
                   struct tcp_pcb *newpcb, int8_t err);
  int8_t (*connected)(uint32_t id, int8_t err);
  /* `p` is an opaque pbuf (copy it with shim_pbuf_copy), NULL for FIN. */
  int8_t (*recv)(uint32_t id, const void *p, uint16_t tot_len, int8_t err);
  int8_t (*sent)(uint32_t id, uint16_t len);
  int8_t (*poll)(uint32_t id);
  void (*err)(uint32_t id, int8_t err);
  /* LWIP_PLATFORM_ASSERT. */
  void (*assert_failed)(const char *msg, const char *file, int32_t line);
  /* LWIP_ERROR diagnostics (API misuse lwIP reports and handles). */
  void (*diag)(const char *msg);
};

/* The netif. IPv4 fields are used by builds with LWIP_IPV4, local_ip6 by
 * builds with LWIP_IPV6 (as the netif's address 0, state preferred; all
 * zero: no IPv6 address). */
struct shim_config {
  uint8_t local_ip[4];
  uint8_t netmask[4];
  uint8_t gateway[4];
  uint8_t local_ip6[16];
  uint16_t mtu;
};

/* A copy of the fields of a pcb the oracles compare. Widths are wide
 * enough for every profile; fields a pcb does not have are 0. */
struct shim_snapshot {
  uint32_t id; /* callback_arg: the handle id (a listener's for SYN_RCVD children not yet accepted) */
  uint8_t list;
  uint8_t state;
  uint8_t prio;
  uint8_t so_options;
  uint32_t flags;
  struct shim_ip local_ip;
  struct shim_ip remote_ip;
  uint16_t local_port;
  uint16_t remote_port;
  uint8_t ttl;
  uint8_t tos;
  uint16_t mss;
  uint32_t snd_nxt;
  uint32_t lastack;
  uint32_t snd_lbb;
  uint32_t snd_wl1;
  uint32_t snd_wl2;
  uint32_t rcv_nxt;
  uint32_t rcv_wnd;
  uint32_t rcv_ann_wnd;
  uint32_t rcv_ann_right_edge;
  uint32_t snd_wnd;
  uint32_t snd_wnd_max;
  uint32_t cwnd;
  uint32_t ssthresh;
  uint32_t bytes_acked;
  uint32_t rto_end;
  int32_t rto;
  int32_t sa;
  int32_t sv;
  int32_t rtime;
  uint32_t rttest;
  uint32_t rtseq;
  uint8_t nrtx;
  uint8_t dupacks;
  uint8_t persist_backoff;
  uint8_t persist_cnt;
  uint8_t persist_probe;
  uint8_t keep_cnt_sent;
  uint8_t snd_scale;
  uint8_t rcv_scale;
  uint32_t snd_buf;
  uint32_t snd_queuelen;
  uint32_t unsent_segs;
  uint32_t unsent_bytes;
  uint32_t unacked_segs;
  uint32_t unacked_bytes;
  uint32_t ooseq_segs;
  uint32_t ooseq_bytes;
  uint32_t refused_bytes;
  uint32_t tmr;
  uint8_t polltmr;
  uint8_t pollinterval;
  uint8_t backlog;         /* listening pcbs */
  uint8_t accepts_pending; /* listening pcbs */
  uint32_t ts_lastacksent;
  uint32_t ts_recent;
  uint32_t keep_idle;
  uint32_t keep_intvl;
  uint32_t keep_cnt;
  uint32_t unsent_oversize;
  uint32_t rcv_sacks[8]; /* LWIP_TCP_SACK_OUT: (left, right) pairs */
  uint8_t netif_idx;     /* tcp_bind_netif: 0 none, 1 the netif */
};

/* Resource use, read from lwIP's own statistics (MEM_STATS, MEMP_STATS). */
struct shim_accounting {
  uint32_t tcp_pcb;
  uint32_t tcp_pcb_listen;
  uint32_t tcp_seg;
  uint32_t pbuf;      /* MEMP_PBUF: PBUF_REF/PBUF_ROM headers */
  uint32_t pbuf_pool; /* MEMP_PBUF_POOL */
  uint32_t heap_used; /* bytes of MEM_SIZE in use (PBUF_RAM) */
  uint32_t tcp_pcb_err;
  uint32_t tcp_seg_err;
  uint32_t pbuf_err;
  uint32_t pbuf_pool_err;
  uint32_t heap_err;
  uint32_t heap_max; /* lwip_stats.mem.max: the most bytes ever in use */
  /* lwip_stats.tcp (TCP_STATS): xmit, recv, fw, drop, chkerr, lenerr,
   * memerr, rterr, proterr, opterr, err, cachehit. */
  uint32_t tcp_stats[12];
  /* lwip_stats.mib2's TCP counters (MIB2_STATS; 0 without):
   * tcpactiveopens, tcppassiveopens, tcpattemptfails, tcpestabresets,
   * tcpoutsegs, tcpretranssegs, tcpinsegs, tcpinerrs, tcpoutrsts. */
  uint32_t mib2_tcp[9];
};

/* Compile-time facts of this build. */
struct shim_build {
  uint32_t lwip_version;  /* LWIP_VERSION */
  uint32_t tcp_mss;
  uint32_t tcp_wnd;
  uint32_t tcp_snd_buf;
  uint32_t tcp_snd_queuelen;
  uint32_t memp_num_tcp_pcb;
  uint32_t memp_num_tcp_pcb_listen;
  uint32_t memp_num_tcp_seg;
  uint32_t pbuf_pool_size;
  uint32_t mem_size;
  const char *profile;
};

/* Every compile-time option lwIP's TCP reads, as this build evaluated it
 * (opt.h defaults, lwipopts.h overrides and tcp_priv.h derivations), named
 * as the port's `Config` fields. Booleans are 0 or 1. Not here: tcp.c's
 * private TCP_LOCAL_PORT_RANGE_START/END (not visible outside tcp.c). */
struct shim_tcp_options {
  uint32_t tcp_mss;
  uint32_t tcp_wnd;
  uint32_t tcp_snd_buf;
  uint32_t tcp_snd_queuelen;
  uint32_t tcp_sndlowat;
  uint32_t tcp_sndqueuelowat;
  uint32_t tcp_ttl;
  uint32_t tcp_maxrtx;
  uint32_t tcp_synmaxrtx;
  uint32_t tcp_queue_ooseq;
  uint32_t tcp_ooseq_max_bytes;
  uint32_t tcp_ooseq_max_pbufs;
  uint32_t lwip_tcp_sack_out;
  uint32_t lwip_tcp_max_sack_num;
  uint32_t lwip_wnd_scale;
  uint32_t tcp_rcv_scale;
  uint32_t lwip_tcp_timestamps;
  uint32_t lwip_tcp_keepalive;
  uint32_t tcp_listen_backlog;
  uint32_t tcp_default_listen_backlog;
  uint32_t tcp_wnd_update_threshold;
  uint32_t tcp_oversize;
  uint32_t tcp_calculate_eff_send_mss;
  uint32_t lwip_tcp_rto_time;
  uint32_t memp_num_tcp_pcb;
  uint32_t memp_num_tcp_pcb_listen;
  uint32_t memp_num_tcp_seg;
  uint32_t pbuf_pool_size;
  uint32_t pbuf_pool_bufsize;
  uint32_t pbuf_link_hlen;
  uint32_t pbuf_link_encapsulation_hlen;
  uint32_t memp_num_pbuf;
  uint32_t mem_size;
  uint32_t mem_alignment;
  uint32_t sizeof_struct_pbuf;
  uint32_t lwip_rand_defined;
  uint32_t tcp_keepidle_default;
  uint32_t tcp_keepintvl_default;
  uint32_t tcp_keepcnt_default;
  uint32_t tcp_msl;
  uint32_t tcp_fin_wait_timeout;
  uint32_t tcp_syn_rcvd_timeout;
  uint32_t tcp_tmr_interval;
  uint32_t checksum_gen_tcp;
  uint32_t checksum_check_tcp;
  uint32_t tcp_stats;
  uint32_t mib2_stats;
  uint32_t lwip_netif_tx_single_pbuf;
  uint32_t lwip_ipv4;
  uint32_t lwip_ipv6;
};

void shim_tcp_options(struct shim_tcp_options *out);

/* Reinitialise everything: lists, pools, heap, statistics, statics, the
 * netif (address, mask, gateway, MTU; up, default), the clock (0) and the
 * handle ids. Installs `ops` first (tcp_init() calls LWIP_RAND()). */
int shim_reset(const struct shim_config *cfg, const struct shim_ops *ops);
void shim_set_time(uint32_t now_ms);
uint32_t shim_time(void);
int shim_poisoned(void);
void shim_build_info(struct shim_build *out);

int shim_input(const uint8_t *pkt, uint16_t len, int8_t *err);
int shim_fasttmr(void);
int shim_slowtmr(void);
/* tcp_tmr(): tcp_fasttmr, and tcp_slowtmr every other call (tcp.c's
 * tcp_timer phase is reset with the stack), for an application that
 * drives lwIP's TCP timer itself. */
int shim_tcp_tmr(void);

/* The raw API. `*id` receives the new pcb's handle id. */
int shim_tcp_new(struct tcp_pcb **pcb, uint32_t *id);
/* tcp_new_ip_type(type): with IPv4 only, the type is not used. */
int shim_tcp_new_ip_type(uint8_t type, struct tcp_pcb **pcb, uint32_t *id);
/* NULL arguments. Every pcb argument below may be NULL where lwIP checks
 * it (LWIP_ERROR(..., pcb != NULL, ...) or `if (pcb != NULL)`): the shim
 * passes it on as it is, so lwIP's own check answers. */
/* tcp_tcp_get_tcp_addrinfo(pcb, local, &addr, &port): the local (or
 * remote) address and port, as getsockname/getpeername report them. `ip`
 * or `port` NULL passes a NULL out pointer to lwIP. */
int shim_tcp_addrinfo(struct tcp_pcb *pcb, int local, struct shim_ip *ip, uint16_t *port, int8_t *err);
/* `ip` NULL: tcp_bind(pcb, NULL, port) (IP4_ADDR_ANY in lwIP). */
int shim_tcp_bind(struct tcp_pcb *pcb, const struct shim_ip *ip, uint16_t port, int8_t *err);
/* On success *lpcb is the listening pcb (same handle id) and `pcb` is
 * freed; on failure *lpcb is NULL and `pcb` is untouched. `err` NULL:
 * tcp_listen_with_backlog (no error code), else
 * tcp_listen_with_backlog_and_err. */
int shim_tcp_listen(struct tcp_pcb *pcb, uint8_t backlog, struct tcp_pcb **lpcb, int8_t *err);
/* `ip` NULL: tcp_connect(pcb, NULL, ...); `connected` 0: a NULL
 * connected callback, else the shim's. */
int shim_tcp_connect(struct tcp_pcb *pcb, const struct shim_ip *ip, uint16_t port, int connected, int8_t *err);
/* Without SHIM_WRITE_FLAG_COPY lwIP keeps a reference to `data`: it must
 * stay valid until shim_reset(). */
int shim_tcp_write(struct tcp_pcb *pcb, const void *data, uint16_t len, uint8_t flags, int8_t *err);
int shim_tcp_output(struct tcp_pcb *pcb, int8_t *err);
int shim_tcp_recved(struct tcp_pcb *pcb, uint16_t len);
int shim_tcp_close(struct tcp_pcb *pcb, int8_t *err);
int shim_tcp_shutdown(struct tcp_pcb *pcb, int shut_rx, int shut_tx, int8_t *err);
int shim_tcp_abort(struct tcp_pcb *pcb);
int shim_tcp_nagle(struct tcp_pcb *pcb, int disable);
int shim_tcp_setprio(struct tcp_pcb *pcb, uint8_t prio);
int shim_tcp_keepalive(struct tcp_pcb *pcb, int enable, uint32_t idle_ms, uint32_t intvl_ms, uint32_t cnt);
int shim_tcp_poll(struct tcp_pcb *pcb, uint8_t interval);
int shim_tcp_backlog_delayed(struct tcp_pcb *pcb);
int shim_tcp_backlog_accepted(struct tcp_pcb *pcb);
/* The application's callbacks: `which` SHIM_CB_RECV, SHIM_CB_SENT,
 * SHIM_CB_ERR (tcp_recv/tcp_sent/tcp_err on a connection pcb) or
 * SHIM_CB_ACCEPT (tcp_accept; lwIP ignores it on a pcb that is not
 * listening); `how` SHIM_CB_NULL (NULL: lwIP's tcp_recv_null behaviour for
 * recv, ERR_ARG for accept, nothing for sent and err), SHIM_CB_APP (the
 * shim's trampolines, as set by tcp_new/accept/listen) or SHIM_CB_DEFAULT
 * (accept only: the function tcp_listen installed, lwIP's tcp_accept_null). */
enum { SHIM_CB_RECV = 0, SHIM_CB_SENT = 1, SHIM_CB_ERR = 2, SHIM_CB_ACCEPT = 3 };
enum { SHIM_CB_NULL = 0, SHIM_CB_APP = 1, SHIM_CB_DEFAULT = 2 };
int shim_tcp_set_callback(struct tcp_pcb *pcb, int which, int how);
/* tcp_bind_netif(pcb, bound ? the netif : NULL), on any pcb. */
int shim_tcp_bind_netif(struct tcp_pcb *pcb, int bound);
/* tcp_txnow(): tcp_output on every active pcb with TF_NAGLEMEMERR. */
int shim_tcp_txnow(void);
/* tcp_recv_null(NULL, pcb, NULL, err) (the FIN form, as the application
 * may call it). */
int shim_tcp_recv_null_fin(struct tcp_pcb *pcb, int8_t fin_err, int8_t *err);
/* tcp_process_refused_data(pcb) and tcp_pcb_purge(pcb), with a NULL pcb
 * only (lwIP's argument checks): a live pcb would need the application
 * (refused data) or lwIP's list bookkeeping around the call (purge). */
int shim_tcp_process_refused_data_null(int8_t *err);
int shim_tcp_pcb_purge_null(void);

/* Reads (no lwIP code runs). */
uint32_t shim_tcp_sndbuf(const struct tcp_pcb *pcb);
uint32_t shim_tcp_sndqueuelen(const struct tcp_pcb *pcb);
/* 1 if `pcb` is on one of lwIP's lists with callback_arg == id. */
int shim_pcb_listed(const struct tcp_pcb *pcb, uint32_t id, int listen);
/* Copy `len` bytes of pbuf `p` (as passed to ops.recv) into `buf`. */
uint16_t shim_pbuf_copy(const void *p, uint8_t *buf, uint16_t len);
/* Snapshot of one pcb; `list` says which of lwIP's lists holds it
 * (SHIM_LIST_NONE for a new pcb not yet bound). */
void shim_snapshot(const struct tcp_pcb *pcb, struct shim_snapshot *out);
/* Snapshots of every pcb on lwIP's lists, in list order (listen, bound,
 * active, time-wait) and list position. Returns how many pcbs exist
 * (which may exceed `max`). */
uint32_t shim_snapshot_all(struct shim_snapshot *out, uint32_t max);
void shim_accounting(struct shim_accounting *out);

/* netif_set_ipaddr(netif, ip): lwIP first calls
 * tcp_netif_ip_addr_changed(old, new) (pcbs bound to the old address are
 * aborted, listeners bound to it move to the new one), then changes the
 * address. */
int shim_netif_set_ipaddr(const uint8_t ip[4]);

/* lwIP's heap (mem.c) called directly, for checking a port's heap model
 * against it: a block is named by the offset of its data from the start
 * of the (aligned) heap. shim_mem_malloc stores the offset in *off, or
 * 0xFFFF when mem_malloc returned NULL. Use only on a stack whose TCP has
 * nothing allocated, and free every block before the stack is used. */
int shim_mem_malloc(uint16_t size, uint16_t *off);
int shim_mem_free(uint16_t off);
int shim_mem_trim(uint16_t off, uint16_t size);

/* lwIP's pbufs (pbuf.c) called directly, for checking a port's pbufs
 * against them. A pbuf crosses as an opaque `struct pbuf *`; the caller
 * owns one reference per pointer it holds (lwIP's rules: pbuf_cat passes
 * the tail's reference on, pbuf_chain takes a new one). Use only on a
 * stack whose TCP has no pcbs, pass only live pbufs (a pbuf whose last
 * reference was freed is gone), and free every pbuf before the stack is
 * used again. lwIP's own checks answer misuse it checks (LWIP_ERROR
 * returns, LWIP_ASSERT is SHIM_ASSERTED).
 *
 * Types are the SHIM_PBUF_* codes below, not lwIP's pbuf_type values. The
 * layer is lwIP's pbuf_layer, which in lwIP 2.x is the header room in
 * bytes (PBUF_TRANSPORT, PBUF_IP, ... or any other offset). */
#define SHIM_PBUF_RAM 0
#define SHIM_PBUF_ROM 1
#define SHIM_PBUF_REF 2
#define SHIM_PBUF_POOL 3

/* What a pbuf reads as (no lwIP code runs). */
struct shim_pbuf_state {
  const struct pbuf *next;
  uint16_t len;
  uint16_t tot_len;
  uint8_t ref;
  uint8_t flags;
  uint8_t type; /* SHIM_PBUF_*, 0xFF for a type_internal lwIP's 4 do not match */
  /* RAM and POOL: (u8_t *)payload - (u8_t *)p; ROM and REF: 0. */
  uint16_t payload_off;
  /* ROM and REF: the payload pointer (NULL for RAM and POOL). */
  const uint8_t *rom_payload;
  /* RAM: the offset of the pbuf (its heap block's data) from the start of
   * the heap, as shim_mem_malloc names blocks; 0xFFFF otherwise. */
  uint16_t heap_off;
};

/* lwip_stats for the pbufs' storage: MEMP_PBUF_POOL, MEMP_PBUF, the heap. */
struct shim_pbuf_stats {
  uint32_t pool_used;
  uint32_t pool_max;
  uint32_t pool_err;
  uint32_t pbuf_used;
  uint32_t pbuf_max;
  uint32_t pbuf_err;
  uint32_t mem_used;
  uint32_t mem_max;
  uint32_t mem_err;
};

/* pbuf_alloc(layer, length, type); *out is NULL when lwIP returned NULL.
 * For SHIM_PBUF_ROM and SHIM_PBUF_REF the new pbuf's payload is then set
 * to `rom_payload` (as an application does after pbuf_alloc): lwIP reads
 * it (pbuf_copy_partial) and may write it (pbuf_take on a REF or ROM
 * pbuf), and pbuf_add_header_force may move the pointer in front of it,
 * so the caller keeps `length` bytes there, with room in front of them
 * for forced headers, alive and unmoved until the pbuf is freed. */
int shim_pbuf_alloc(uint16_t layer, uint16_t length, uint8_t type,
                    const uint8_t *rom_payload, struct pbuf **out);
/* pbuf_free(p); *count is its result (pbufs freed). */
int shim_pbuf_free(struct pbuf *p, uint8_t *count);
int shim_pbuf_ref(struct pbuf *p);
int shim_pbuf_clen(const struct pbuf *p, uint16_t *n);
int shim_pbuf_cat(struct pbuf *h, struct pbuf *t);
int shim_pbuf_chain(struct pbuf *h, struct pbuf *t);
int shim_pbuf_realloc(struct pbuf *p, uint16_t new_len);
/* pbuf_add_header(p, n), or pbuf_add_header_force(p, n) when `force`;
 * pbuf_remove_header(p, n). *ret is lwIP's u8_t result (0 = done). */
int shim_pbuf_add_header(struct pbuf *p, uint16_t n, int force, uint8_t *ret);
int shim_pbuf_remove_header(struct pbuf *p, uint16_t n, uint8_t *ret);
/* pbuf_copy_partial(p, buf, len, offset): `buf` holds `len` bytes. */
int shim_pbuf_copy_partial(const struct pbuf *p, uint8_t *buf, uint16_t len,
                           uint16_t offset, uint16_t *copied);
/* pbuf_take(p, data, len) and pbuf_take_at(p, data, len, offset). */
int shim_pbuf_take(struct pbuf *p, const uint8_t *data, uint16_t len, int8_t *err);
int shim_pbuf_take_at(struct pbuf *p, const uint8_t *data, uint16_t len,
                      uint16_t offset, int8_t *err);
void shim_pbuf_read(const struct pbuf *p, struct shim_pbuf_state *out);
void shim_pbuf_stats(struct shim_pbuf_stats *out);

/* Abort every active and TIME_WAIT pcb and close every listening and
 * bound pcb, so that a leak check can follow. */
int shim_teardown(void);

/* Poison the shim from inside a callback (the Rust side panicked): when
 * the callback returns, the C frames unwind as for an assertion. */
void shim_poison(void);

/* Test hook: fire LWIP_ASSERT inside an entry point. */
int shim_debug_assert(void);

#ifdef __cplusplus
}
#endif

#endif /* TCPDIFF_SHIM_H */
