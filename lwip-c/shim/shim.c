/*
 * tcpdiff C shim: see shim.h for what it does and why.
 */
#include "shim.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/ip4.h"
#include "lwip/ip6.h"
#include "lwip/ip_addr.h"
#include "lwip/mem.h"
#include "lwip/memp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/memp_priv.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"

/* Defined in the wrapper translation units (unity_*.c). */
void tcpdiff_reset_tcp_statics(void);
void tcpdiff_reset_ip4_statics(void);

static struct shim_ops ops;
static struct netif the_netif;
static uint32_t now_ms;
static uint32_t next_id;
static int poisoned;

/* ---- Entry points and unwinding on assertion --------------------------- */

#define SHIM_MAX_DEPTH 32
static jmp_buf *frames[SHIM_MAX_DEPTH];
static int depth;

/* Every entry point starts with ENTER and leaves through LEAVE. setjmp()
 * must run in the entry point's own frame. */
#define ENTER()                                   \
  jmp_buf jb_;                                    \
  if (poisoned || depth >= SHIM_MAX_DEPTH) {      \
    return SHIM_ASSERTED;                         \
  }                                               \
  if (setjmp(jb_) != 0) {                         \
    depth--;                                      \
    return SHIM_ASSERTED;                         \
  }                                               \
  frames[depth++] = &jb_

#define LEAVE()  \
  do {           \
    depth--;     \
    return SHIM_OK; \
  } while (0)

static void unwind(void) __attribute__((noreturn));
static void
unwind(void)
{
  if (depth > 0) {
    longjmp(*frames[depth - 1], 1);
  }
  abort();
}

void
tcpdiff_platform_assert(const char *msg, int line, const char *file)
{
  poisoned = 1;
  if (ops.assert_failed != NULL) {
    ops.assert_failed(msg, file, line);
  }
  unwind();
}

void
tcpdiff_platform_diag(const char *msg)
{
  if (ops.diag != NULL) {
    ops.diag(msg);
  }
}

/* After a Rust callback returns into lwIP: if an assertion fired in a
 * nested entry point, keep unwinding the C frames below us. */
static void
after_callback(void)
{
  if (poisoned) {
    unwind();
  }
}

/* ---- Determinism hooks ------------------------------------------------- */

u32_t
sys_now(void)
{
  return now_ms;
}

/* lwIP calls this when a pcb becomes active, to start its TCP timer. With
 * LWIP_TIMERS=0 (as in timeouts.c) it does nothing: the driver runs
 * tcp_fasttmr/tcp_slowtmr on a fixed virtual-time cadence regardless. */
void
tcp_timer_needed(void)
{
}

unsigned int
tcpdiff_rand(void)
{
  return ops.rand();
}

#if LWIP_IPV6 && !LWIP_ICMP6
/* lwIP 2.2.1's ip6.c calls icmp6_param_problem() whatever LWIP_ICMP6 says
 * (ip6.c lines 780-1039; only its last call is under #if LWIP_ICMP6), so
 * an IPv6 build without ICMPv6 does not link. A build without ICMPv6
 * sends no ICMPv6: the packet is dropped, which ip6_input() does next.
 * (icmp6.h declares it only with LWIP_ICMP6; ip6.c calls it undeclared.) */
#include "lwip/prot/icmp6.h"
void icmp6_param_problem(struct pbuf *p, enum icmp6_pp_code c, const void *pointer);
void
icmp6_param_problem(struct pbuf *p, enum icmp6_pp_code c, const void *pointer)
{
  LWIP_UNUSED_ARG(p);
  LWIP_UNUSED_ARG(c);
  LWIP_UNUSED_ARG(pointer);
}
#endif

/* An ip_addr_t as the boundary's struct shim_ip (see shim.h). */
static void
ip_to_shim(struct shim_ip *out, const ip_addr_t *a)
{
  memset(out, 0, sizeof(*out));
#if LWIP_IPV4 && LWIP_IPV6
  out->type = IP_GET_TYPE(a);
  if (IP_IS_V6(a)) {
    memcpy(out->addr, ip_2_ip6(a)->addr, 16);
  } else if (IP_IS_V4(a)) {
    memcpy(out->addr, &ip_2_ip4(a)->addr, 4);
  }
#elif LWIP_IPV6
  out->type = SHIM_IPADDR_V6;
  memcpy(out->addr, ip_2_ip6(a)->addr, 16);
#else
  out->type = SHIM_IPADDR_V4;
  memcpy(out->addr, &ip_2_ip4(a)->addr, 4);
#endif
}

/* A struct shim_ip as an ip_addr_t. The caller passes only types the
 * build has (shim.h); IPADDR_TYPE_ANY is lwIP's IP_ANY_TYPE. */
static void
ip_from_shim(ip_addr_t *out, const struct shim_ip *in)
{
  if (in->type == SHIM_IPADDR_ANY) {
    ip_addr_copy(*out, *IP_ANY_TYPE);
    return;
  }
#if LWIP_IPV6
  if (in->type == SHIM_IPADDR_V6) {
    ip6_addr_t a6;
    memset(&a6, 0, sizeof(a6));
    memcpy(a6.addr, in->addr, 16);
    ip_addr_copy_from_ip6(*out, a6);
    return;
  }
#endif
#if LWIP_IPV4
  {
    u32_t v;
    memcpy(&v, in->addr, 4);
    ip_addr_set_ip4_u32_val(*out, v);
  }
#else
  ip_addr_set_zero(out);
#endif
}

u32_t
tcpdiff_isn_hook(const ip_addr_t *local_ip, u16_t local_port,
                 const ip_addr_t *remote_ip, u16_t remote_port)
{
  struct shim_ip l, r;
  ip_to_shim(&l, local_ip);
  ip_to_shim(&r, remote_ip);
  return ops.isn(&l, local_port, &r, remote_port);
}

/* ---- Trampolines ------------------------------------------------------- */

static uint32_t
arg_id(void *arg)
{
  return (uint32_t)(uintptr_t)arg;
}

static void *
id_arg(uint32_t id)
{
  return (void *)(uintptr_t)id;
}

static err_t tr_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t tr_sent(void *arg, struct tcp_pcb *pcb, u16_t len);
static void tr_err(void *arg, err_t err);
static err_t tr_accept(void *arg, struct tcp_pcb *newpcb, err_t err);

/* The accept function tcp_listen installs (lwIP's tcp_accept_null). */
static tcp_accept_fn lwip_accept_default;

static err_t
tr_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
  uint32_t nid = 0;
  err_t ret;
  if (newpcb != NULL) {
    nid = ++next_id;
    tcp_arg(newpcb, id_arg(nid));
    tcp_recv(newpcb, tr_recv);
    tcp_sent(newpcb, tr_sent);
  }
  ret = ops.accept(arg_id(arg), nid, newpcb, err);
  after_callback();
  if (newpcb != NULL && ret == ERR_OK) {
    tcp_err(newpcb, tr_err);
  }
  return ret;
}

static err_t
tr_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
  err_t ret;
  LWIP_UNUSED_ARG(pcb);
  ret = ops.connected(arg_id(arg), err);
  after_callback();
  return ret;
}

static err_t
tr_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  err_t ret;
  LWIP_UNUSED_ARG(pcb);
  ret = ops.recv(arg_id(arg), p, p != NULL ? p->tot_len : 0, err);
  after_callback();
  if (p != NULL && (ret == ERR_OK || ret == ERR_ABRT)) {
    pbuf_free(p);
  }
  return ret;
}

static err_t
tr_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
  err_t ret;
  LWIP_UNUSED_ARG(pcb);
  ret = ops.sent(arg_id(arg), len);
  after_callback();
  return ret;
}

static err_t
tr_poll(void *arg, struct tcp_pcb *pcb)
{
  err_t ret;
  LWIP_UNUSED_ARG(pcb);
  ret = ops.poll(arg_id(arg));
  after_callback();
  return ret;
}

static void
tr_err(void *arg, err_t err)
{
  ops.err(arg_id(arg), err);
  after_callback();
}

/* ---- The netif --------------------------------------------------------- */

static uint8_t out_buf[0xffff];

static err_t
netif_emit(struct pbuf *p)
{
  u16_t n;
  n = pbuf_copy_partial(p, out_buf, p->tot_len, 0);
  ops.output(out_buf, n);
  after_callback();
  return ERR_OK;
}

#if LWIP_IPV4
static err_t
netif_out(struct netif *netif, struct pbuf *p, const ip4_addr_t *ipaddr)
{
  LWIP_UNUSED_ARG(netif);
  LWIP_UNUSED_ARG(ipaddr);
  return netif_emit(p);
}
#endif

#if LWIP_IPV6
static err_t
netif_out6(struct netif *netif, struct pbuf *p, const ip6_addr_t *ipaddr)
{
  LWIP_UNUSED_ARG(netif);
  LWIP_UNUSED_ARG(ipaddr);
  return netif_emit(p);
}
#endif

static err_t
netif_setup(struct netif *netif)
{
  netif->name[0] = 't';
  netif->name[1] = 'd';
#if LWIP_IPV4
  netif->output = netif_out;
#endif
#if LWIP_IPV6
  netif->output_ip6 = netif_out6;
#endif
  netif->flags = 0;
  return ERR_OK;
}

/* ---- Lifecycle --------------------------------------------------------- */

int
shim_reset(const struct shim_config *cfg, const struct shim_ops *new_ops)
{
#if LWIP_IPV4
  ip4_addr_t ip, mask, gw;
#endif
#if LWIP_IPV6
  static const uint8_t no_ip6[16];
#endif
  u16_t i;

  /* Not an ENTER: reset is what clears the poison. */
  jmp_buf jb_;
  poisoned = 0;
  depth = 0;
  ops = *new_ops;
  now_ms = 0;
  next_id = 0;
  if (setjmp(jb_) != 0) {
    depth--;
    return SHIM_ASSERTED;
  }
  frames[depth++] = &jb_;

  /* Forget every pcb and the netif; lwip_init() rebuilds pools and heap. */
  netif_default = NULL;
  tcp_bound_pcbs = NULL;
  tcp_listen_pcbs.listen_pcbs = NULL;
  tcp_active_pcbs = NULL;
  tcp_tw_pcbs = NULL;
  tcp_input_pcb = NULL;
  tcp_ticks = 0;
  tcp_active_pcbs_changed = 0;
  tcpdiff_reset_tcp_statics();
  tcpdiff_reset_ip4_statics();

  memset(&lwip_stats, 0, sizeof(lwip_stats));
  for (i = 0; i < MEMP_MAX; i++) {
    memset(memp_pools[i]->stats, 0, sizeof(struct stats_mem));
  }
  lwip_init();

  memset(&the_netif, 0, sizeof(the_netif));
#if LWIP_IPV4
  memcpy(&ip.addr, cfg->local_ip, 4);
  memcpy(&mask.addr, cfg->netmask, 4);
  memcpy(&gw.addr, cfg->gateway, 4);
  netif_add(&the_netif, &ip, &mask, &gw, NULL, netif_setup, ip_input);
#else
  netif_add(&the_netif, NULL, netif_setup, ip_input);
#endif
  the_netif.mtu = cfg->mtu;
#if LWIP_IPV6
  if (memcmp(cfg->local_ip6, no_ip6, 16) != 0) {
    ip6_addr_t a6;
    memset(&a6, 0, sizeof(a6));
    memcpy(a6.addr, cfg->local_ip6, 16);
    netif_ip6_addr_set(&the_netif, 0, &a6);
    netif_ip6_addr_set_state(&the_netif, 0, IP6_ADDR_PREFERRED);
  }
#endif
  netif_set_default(&the_netif);
  netif_set_link_up(&the_netif);
  netif_set_up(&the_netif);
  LEAVE();
}

void
shim_set_time(uint32_t t)
{
  now_ms = t;
}

uint32_t
shim_time(void)
{
  return now_ms;
}

int
shim_poisoned(void)
{
  return poisoned;
}

void
shim_build_info(struct shim_build *out)
{
  out->lwip_version = LWIP_VERSION;
  out->tcp_mss = TCP_MSS;
  out->tcp_wnd = TCP_WND;
  out->tcp_snd_buf = TCP_SND_BUF;
  out->tcp_snd_queuelen = TCP_SND_QUEUELEN;
  out->memp_num_tcp_pcb = MEMP_NUM_TCP_PCB;
  out->memp_num_tcp_pcb_listen = MEMP_NUM_TCP_PCB_LISTEN;
  out->memp_num_tcp_seg = MEMP_NUM_TCP_SEG;
  out->pbuf_pool_size = PBUF_POOL_SIZE;
  out->mem_size = MEM_SIZE;
  out->profile = TCPDIFF_PROFILE;
}

#define SHIM_BOOL(x) ((x) ? 1u : 0u)

void
shim_tcp_options(struct shim_tcp_options *out)
{
  memset(out, 0, sizeof(*out));
  out->tcp_mss = TCP_MSS;
  out->tcp_wnd = TCP_WND;
  out->tcp_snd_buf = TCP_SND_BUF;
  out->tcp_snd_queuelen = TCP_SND_QUEUELEN;
  out->tcp_sndlowat = TCP_SNDLOWAT;
  out->tcp_sndqueuelowat = TCP_SNDQUEUELOWAT;
  out->tcp_ttl = TCP_TTL;
  out->tcp_maxrtx = TCP_MAXRTX;
  out->tcp_synmaxrtx = TCP_SYNMAXRTX;
  out->tcp_queue_ooseq = SHIM_BOOL(TCP_QUEUE_OOSEQ);
  out->tcp_ooseq_max_bytes = TCP_OOSEQ_MAX_BYTES;
  out->tcp_ooseq_max_pbufs = TCP_OOSEQ_MAX_PBUFS;
  out->lwip_tcp_sack_out = SHIM_BOOL(LWIP_TCP_SACK_OUT);
  out->lwip_tcp_max_sack_num = LWIP_TCP_MAX_SACK_NUM;
  out->lwip_wnd_scale = SHIM_BOOL(LWIP_WND_SCALE);
#if LWIP_WND_SCALE
  out->tcp_rcv_scale = TCP_RCV_SCALE;
#endif
  out->lwip_tcp_timestamps = SHIM_BOOL(LWIP_TCP_TIMESTAMPS);
  out->lwip_tcp_keepalive = SHIM_BOOL(LWIP_TCP_KEEPALIVE);
  out->tcp_listen_backlog = SHIM_BOOL(TCP_LISTEN_BACKLOG);
  out->tcp_default_listen_backlog = TCP_DEFAULT_LISTEN_BACKLOG;
  out->tcp_wnd_update_threshold = TCP_WND_UPDATE_THRESHOLD;
  out->tcp_oversize = TCP_OVERSIZE;
  out->tcp_calculate_eff_send_mss = SHIM_BOOL(TCP_CALCULATE_EFF_SEND_MSS);
  out->lwip_tcp_rto_time = LWIP_TCP_RTO_TIME;
  out->memp_num_tcp_pcb = MEMP_NUM_TCP_PCB;
  out->memp_num_tcp_pcb_listen = MEMP_NUM_TCP_PCB_LISTEN;
  out->memp_num_tcp_seg = MEMP_NUM_TCP_SEG;
  out->pbuf_pool_size = PBUF_POOL_SIZE;
  out->pbuf_pool_bufsize = PBUF_POOL_BUFSIZE;
  out->pbuf_link_hlen = PBUF_LINK_HLEN;
  out->pbuf_link_encapsulation_hlen = PBUF_LINK_ENCAPSULATION_HLEN;
  out->memp_num_pbuf = MEMP_NUM_PBUF;
  out->mem_size = MEM_SIZE;
  out->mem_alignment = MEM_ALIGNMENT;
  out->sizeof_struct_pbuf = (uint32_t)sizeof(struct pbuf);
#ifdef LWIP_RAND
  out->lwip_rand_defined = 1;
#endif
  out->tcp_keepidle_default = TCP_KEEPIDLE_DEFAULT;
  out->tcp_keepintvl_default = TCP_KEEPINTVL_DEFAULT;
  out->tcp_keepcnt_default = TCP_KEEPCNT_DEFAULT;
  out->tcp_msl = TCP_MSL;
  out->tcp_fin_wait_timeout = TCP_FIN_WAIT_TIMEOUT;
  out->tcp_syn_rcvd_timeout = TCP_SYN_RCVD_TIMEOUT;
  out->tcp_tmr_interval = TCP_TMR_INTERVAL;
  out->checksum_gen_tcp = SHIM_BOOL(CHECKSUM_GEN_TCP);
  out->checksum_check_tcp = SHIM_BOOL(CHECKSUM_CHECK_TCP);
  out->tcp_stats = SHIM_BOOL(TCP_STATS);
  out->mib2_stats = SHIM_BOOL(MIB2_STATS);
  out->lwip_netif_tx_single_pbuf = SHIM_BOOL(LWIP_NETIF_TX_SINGLE_PBUF);
  out->lwip_ipv4 = SHIM_BOOL(LWIP_IPV4);
  out->lwip_ipv6 = SHIM_BOOL(LWIP_IPV6);
}

/* ---- Input and timers -------------------------------------------------- */

int
shim_input(const uint8_t *pkt, uint16_t len, int8_t *err)
{
  struct pbuf *p;
  ENTER();
  p = pbuf_alloc(PBUF_RAW, len, PBUF_POOL);
  if (p == NULL) {
    *err = ERR_MEM;
    LEAVE();
  }
  pbuf_take(p, pkt, len);
  *err = the_netif.input(p, &the_netif);
  LEAVE();
}

int
shim_fasttmr(void)
{
  ENTER();
  tcp_fasttmr();
  LEAVE();
}

int
shim_tcp_tmr(void)
{
  ENTER();
  tcp_tmr();
  LEAVE();
}

int
shim_slowtmr(void)
{
  ENTER();
  tcp_slowtmr();
  LEAVE();
}

/* ---- The raw API ------------------------------------------------------- */

/* A new pcb gets its handle id and the application's callbacks. */
static void
adopt_new_pcb(struct tcp_pcb *pcb, struct tcp_pcb **out, uint32_t *id)
{
  *out = pcb;
  *id = 0;
  if (pcb != NULL) {
    *id = ++next_id;
    tcp_arg(pcb, id_arg(*id));
    tcp_recv(pcb, tr_recv);
    tcp_sent(pcb, tr_sent);
    tcp_err(pcb, tr_err);
  }
}

int
shim_tcp_new(struct tcp_pcb **out, uint32_t *id)
{
  ENTER();
  adopt_new_pcb(tcp_new(), out, id);
  LEAVE();
}

int
shim_tcp_new_ip_type(uint8_t type, struct tcp_pcb **out, uint32_t *id)
{
  ENTER();
  adopt_new_pcb(tcp_new_ip_type(type), out, id);
  LEAVE();
}

int
shim_tcp_addrinfo(struct tcp_pcb *pcb, int local, struct shim_ip *ip, uint16_t *port, int8_t *err)
{
  ip_addr_t a;
  u16_t p = 0;
  ENTER();
  ip_addr_set_zero(&a);
  *err = tcp_tcp_get_tcp_addrinfo(pcb, local, ip != NULL ? &a : NULL, port != NULL ? &p : NULL);
  if (ip != NULL) {
    ip_to_shim(ip, &a);
  }
  if (port != NULL) {
    *port = p;
  }
  LEAVE();
}

int
shim_tcp_bind(struct tcp_pcb *pcb, const struct shim_ip *ip, uint16_t port, int8_t *err)
{
  ip_addr_t a;
  ENTER();
  if (ip != NULL) {
    ip_from_shim(&a, ip);
  }
  *err = tcp_bind(pcb, ip != NULL ? &a : NULL, port);
  LEAVE();
}

int
shim_tcp_listen(struct tcp_pcb *pcb, uint8_t backlog, struct tcp_pcb **lpcb, int8_t *err)
{
  struct tcp_pcb *l;
  err_t e = ERR_OK;
  ENTER();
  /* Without an err pointer: tcp_listen_with_backlog, which passes NULL. */
  if (err != NULL) {
    l = tcp_listen_with_backlog_and_err(pcb, backlog, &e);
    *err = e;
  } else {
    l = tcp_listen_with_backlog(pcb, backlog);
  }
  *lpcb = l;
  if (l != NULL) {
    /* lwIP's default (tcp_accept_null, static in tcp.c), for
     * shim_tcp_set_callback(SHIM_CB_DEFAULT). */
    lwip_accept_default = ((struct tcp_pcb_listen *)l)->accept;
    tcp_accept(l, tr_accept);
  }
  LEAVE();
}

int
shim_tcp_connect(struct tcp_pcb *pcb, const struct shim_ip *ip, uint16_t port, int connected, int8_t *err)
{
  ip_addr_t a;
  ENTER();
  if (ip != NULL) {
    ip_from_shim(&a, ip);
  }
  *err = tcp_connect(pcb, ip != NULL ? &a : NULL, port, connected ? tr_connected : NULL);
  LEAVE();
}

int
shim_tcp_write(struct tcp_pcb *pcb, const void *data, uint16_t len, uint8_t flags, int8_t *err)
{
  ENTER();
  *err = tcp_write(pcb, data, len, flags);
  LEAVE();
}

int
shim_tcp_output(struct tcp_pcb *pcb, int8_t *err)
{
  ENTER();
  *err = tcp_output(pcb);
  LEAVE();
}

int
shim_tcp_recved(struct tcp_pcb *pcb, uint16_t len)
{
  ENTER();
  tcp_recved(pcb, len);
  LEAVE();
}

int
shim_tcp_close(struct tcp_pcb *pcb, int8_t *err)
{
  ENTER();
  *err = tcp_close(pcb);
  LEAVE();
}

int
shim_tcp_shutdown(struct tcp_pcb *pcb, int shut_rx, int shut_tx, int8_t *err)
{
  ENTER();
  *err = tcp_shutdown(pcb, shut_rx, shut_tx);
  LEAVE();
}

int
shim_tcp_abort(struct tcp_pcb *pcb)
{
  ENTER();
  tcp_abort(pcb);
  LEAVE();
}

int
shim_tcp_nagle(struct tcp_pcb *pcb, int disable)
{
  ENTER();
  if (disable) {
    tcp_nagle_disable(pcb);
  } else {
    tcp_nagle_enable(pcb);
  }
  LEAVE();
}

int
shim_tcp_setprio(struct tcp_pcb *pcb, uint8_t prio)
{
  ENTER();
  tcp_setprio(pcb, prio);
  LEAVE();
}

int
shim_tcp_keepalive(struct tcp_pcb *pcb, int enable, uint32_t idle_ms, uint32_t intvl_ms, uint32_t cnt)
{
  ENTER();
  if (enable) {
    ip_set_option(pcb, SOF_KEEPALIVE);
  } else {
    ip_reset_option(pcb, SOF_KEEPALIVE);
  }
  pcb->keep_idle = idle_ms;
#if LWIP_TCP_KEEPALIVE
  pcb->keep_intvl = intvl_ms;
  pcb->keep_cnt = cnt;
#else
  /* Without LWIP_TCP_KEEPALIVE a pcb has only keep_idle. */
  LWIP_UNUSED_ARG(intvl_ms);
  LWIP_UNUSED_ARG(cnt);
#endif
  LEAVE();
}

int
shim_tcp_poll(struct tcp_pcb *pcb, uint8_t interval)
{
  ENTER();
  tcp_poll(pcb, tr_poll, interval);
  LEAVE();
}

int
shim_tcp_backlog_delayed(struct tcp_pcb *pcb)
{
  ENTER();
  tcp_backlog_delayed(pcb);
  LEAVE();
}

int
shim_tcp_backlog_accepted(struct tcp_pcb *pcb)
{
  ENTER();
  tcp_backlog_accepted(pcb);
  LEAVE();
}

int
shim_tcp_set_callback(struct tcp_pcb *pcb, int which, int how)
{
  ENTER();
  switch (which) {
    case SHIM_CB_RECV:
      tcp_recv(pcb, how == SHIM_CB_APP ? tr_recv : NULL);
      break;
    case SHIM_CB_SENT:
      tcp_sent(pcb, how == SHIM_CB_APP ? tr_sent : NULL);
      break;
    case SHIM_CB_ERR:
      tcp_err(pcb, how == SHIM_CB_APP ? tr_err : NULL);
      break;
    case SHIM_CB_ACCEPT:
      tcp_accept(pcb, how == SHIM_CB_APP       ? tr_accept
                      : how == SHIM_CB_DEFAULT ? lwip_accept_default
                                               : NULL);
      break;
    default:
      break;
  }
  LEAVE();
}

int
shim_tcp_bind_netif(struct tcp_pcb *pcb, int bound)
{
  ENTER();
  tcp_bind_netif(pcb, bound ? &the_netif : NULL);
  LEAVE();
}

int
shim_tcp_txnow(void)
{
  ENTER();
  tcp_txnow();
  LEAVE();
}

int
shim_tcp_recv_null_fin(struct tcp_pcb *pcb, int8_t fin_err, int8_t *err)
{
  ENTER();
  *err = tcp_recv_null(NULL, pcb, NULL, fin_err);
  LEAVE();
}

int
shim_tcp_process_refused_data_null(int8_t *err)
{
  ENTER();
  *err = tcp_process_refused_data(NULL);
  LEAVE();
}

int
shim_tcp_pcb_purge_null(void)
{
  ENTER();
  tcp_pcb_purge(NULL);
  LEAVE();
}

/* ---- Reads ------------------------------------------------------------- */

uint32_t
shim_tcp_sndbuf(const struct tcp_pcb *pcb)
{
  return tcp_sndbuf(pcb);
}

uint32_t
shim_tcp_sndqueuelen(const struct tcp_pcb *pcb)
{
  return tcp_sndqueuelen(pcb);
}

static int
on_list(const struct tcp_pcb *list, const struct tcp_pcb *pcb, uint32_t id)
{
  for (; list != NULL; list = list->next) {
    if (list == pcb) {
      return arg_id(pcb->callback_arg) == id;
    }
  }
  return 0;
}

int
shim_pcb_listed(const struct tcp_pcb *pcb, uint32_t id, int listen)
{
  if (listen) {
    return on_list((const struct tcp_pcb *)tcp_listen_pcbs.pcbs, pcb, id);
  }
  return on_list(tcp_bound_pcbs, pcb, id) || on_list(tcp_active_pcbs, pcb, id) ||
         on_list(tcp_tw_pcbs, pcb, id);
}

uint16_t
shim_pbuf_copy(const void *p, uint8_t *buf, uint16_t len)
{
  return pbuf_copy_partial((const struct pbuf *)p, buf, len, 0);
}

static void
queue_len(const struct tcp_seg *seg, uint32_t *segs, uint32_t *bytes)
{
  *segs = 0;
  *bytes = 0;
  for (; seg != NULL; seg = seg->next) {
    (*segs)++;
    *bytes += seg->len;
  }
}

static uint8_t
list_of(const struct tcp_pcb *pcb)
{
  const struct tcp_pcb *p;
  for (p = (const struct tcp_pcb *)tcp_listen_pcbs.pcbs; p != NULL; p = p->next) {
    if (p == pcb) {
      return SHIM_LIST_LISTEN;
    }
  }
  for (p = tcp_bound_pcbs; p != NULL; p = p->next) {
    if (p == pcb) {
      return SHIM_LIST_BOUND;
    }
  }
  for (p = tcp_active_pcbs; p != NULL; p = p->next) {
    if (p == pcb) {
      return SHIM_LIST_ACTIVE;
    }
  }
  for (p = tcp_tw_pcbs; p != NULL; p = p->next) {
    if (p == pcb) {
      return SHIM_LIST_TIME_WAIT;
    }
  }
  return SHIM_LIST_NONE;
}

static void
snapshot_in(const struct tcp_pcb *pcb, uint8_t list, struct shim_snapshot *s)
{
  memset(s, 0, sizeof(*s));
  s->id = arg_id(pcb->callback_arg);
  s->list = list;
  s->state = (uint8_t)pcb->state;
  s->prio = pcb->prio;
  s->so_options = pcb->so_options;
  ip_to_shim(&s->local_ip, &pcb->local_ip);
  s->local_port = pcb->local_port;
  s->ttl = pcb->ttl;
  s->tos = pcb->tos;
  s->netif_idx = pcb->netif_idx;
  if (list == SHIM_LIST_LISTEN) {
    const struct tcp_pcb_listen *l = (const struct tcp_pcb_listen *)pcb;
#if TCP_LISTEN_BACKLOG
    s->backlog = l->backlog;
    s->accepts_pending = l->accepts_pending;
#endif
    return;
  }
  s->flags = pcb->flags;
  ip_to_shim(&s->remote_ip, &pcb->remote_ip);
  s->remote_port = pcb->remote_port;
  s->mss = pcb->mss;
  s->snd_nxt = pcb->snd_nxt;
  s->lastack = pcb->lastack;
  s->snd_lbb = pcb->snd_lbb;
  s->snd_wl1 = pcb->snd_wl1;
  s->snd_wl2 = pcb->snd_wl2;
  s->rcv_nxt = pcb->rcv_nxt;
  s->rcv_wnd = pcb->rcv_wnd;
  s->rcv_ann_wnd = pcb->rcv_ann_wnd;
  s->rcv_ann_right_edge = pcb->rcv_ann_right_edge;
  s->snd_wnd = pcb->snd_wnd;
  s->snd_wnd_max = pcb->snd_wnd_max;
  s->cwnd = pcb->cwnd;
  s->ssthresh = pcb->ssthresh;
  s->bytes_acked = pcb->bytes_acked;
  s->rto_end = pcb->rto_end;
  s->rto = pcb->rto;
  s->sa = pcb->sa;
  s->sv = pcb->sv;
  s->rtime = pcb->rtime;
  s->rttest = pcb->rttest;
  s->rtseq = pcb->rtseq;
  s->nrtx = pcb->nrtx;
  s->dupacks = pcb->dupacks;
  s->persist_backoff = pcb->persist_backoff;
  s->persist_cnt = pcb->persist_cnt;
  s->persist_probe = pcb->persist_probe;
  s->keep_cnt_sent = pcb->keep_cnt_sent;
#if LWIP_WND_SCALE
  s->snd_scale = pcb->snd_scale;
  s->rcv_scale = pcb->rcv_scale;
#endif
  s->snd_buf = pcb->snd_buf;
  s->snd_queuelen = pcb->snd_queuelen;
  queue_len(pcb->unsent, &s->unsent_segs, &s->unsent_bytes);
  queue_len(pcb->unacked, &s->unacked_segs, &s->unacked_bytes);
#if TCP_QUEUE_OOSEQ
  queue_len(pcb->ooseq, &s->ooseq_segs, &s->ooseq_bytes);
#endif
  s->refused_bytes = pcb->refused_data != NULL ? pcb->refused_data->tot_len : 0;
  s->tmr = pcb->tmr;
  s->polltmr = pcb->polltmr;
  s->pollinterval = pcb->pollinterval;
#if LWIP_TCP_TIMESTAMPS
  s->ts_lastacksent = pcb->ts_lastacksent;
  s->ts_recent = pcb->ts_recent;
#endif
  s->keep_idle = pcb->keep_idle;
#if LWIP_TCP_KEEPALIVE
  s->keep_intvl = pcb->keep_intvl;
  s->keep_cnt = pcb->keep_cnt;
#endif
#if TCP_OVERSIZE
  s->unsent_oversize = pcb->unsent_oversize;
#endif
#if LWIP_TCP_SACK_OUT
  {
    int i;
    for (i = 0; i < LWIP_TCP_MAX_SACK_NUM && i < 4; i++) {
      s->rcv_sacks[2 * i] = pcb->rcv_sacks[i].left;
      s->rcv_sacks[2 * i + 1] = pcb->rcv_sacks[i].right;
    }
  }
#endif
}

void
shim_snapshot(const struct tcp_pcb *pcb, struct shim_snapshot *out)
{
  snapshot_in(pcb, list_of(pcb), out);
}

uint32_t
shim_snapshot_all(struct shim_snapshot *out, uint32_t max)
{
  uint32_t n = 0;
  const struct tcp_pcb *pcb;
  const struct tcp_pcb *lists[4];
  uint8_t kinds[4] = {SHIM_LIST_LISTEN, SHIM_LIST_BOUND, SHIM_LIST_ACTIVE, SHIM_LIST_TIME_WAIT};
  int i;
  lists[0] = (const struct tcp_pcb *)tcp_listen_pcbs.pcbs;
  lists[1] = tcp_bound_pcbs;
  lists[2] = tcp_active_pcbs;
  lists[3] = tcp_tw_pcbs;
  for (i = 0; i < 4; i++) {
    for (pcb = lists[i]; pcb != NULL; pcb = pcb->next) {
      if (n < max) {
        snapshot_in(pcb, kinds[i], &out[n]);
      }
      n++;
    }
  }
  return n;
}

void
shim_accounting(struct shim_accounting *out)
{
  memset(out, 0, sizeof(*out));
  out->tcp_pcb = memp_pools[MEMP_TCP_PCB]->stats->used;
  out->tcp_pcb_err = memp_pools[MEMP_TCP_PCB]->stats->err;
  out->tcp_pcb_listen = memp_pools[MEMP_TCP_PCB_LISTEN]->stats->used;
  out->tcp_seg = memp_pools[MEMP_TCP_SEG]->stats->used;
  out->tcp_seg_err = memp_pools[MEMP_TCP_SEG]->stats->err;
  out->pbuf = memp_pools[MEMP_PBUF]->stats->used;
  out->pbuf_err = memp_pools[MEMP_PBUF]->stats->err;
  out->pbuf_pool = memp_pools[MEMP_PBUF_POOL]->stats->used;
  out->pbuf_pool_err = memp_pools[MEMP_PBUF_POOL]->stats->err;
  out->heap_used = lwip_stats.mem.used;
  out->heap_err = lwip_stats.mem.err;
  out->heap_max = lwip_stats.mem.max;
  out->tcp_stats[0] = lwip_stats.tcp.xmit;
  out->tcp_stats[1] = lwip_stats.tcp.recv;
  out->tcp_stats[2] = lwip_stats.tcp.fw;
  out->tcp_stats[3] = lwip_stats.tcp.drop;
  out->tcp_stats[4] = lwip_stats.tcp.chkerr;
  out->tcp_stats[5] = lwip_stats.tcp.lenerr;
  out->tcp_stats[6] = lwip_stats.tcp.memerr;
  out->tcp_stats[7] = lwip_stats.tcp.rterr;
  out->tcp_stats[8] = lwip_stats.tcp.proterr;
  out->tcp_stats[9] = lwip_stats.tcp.opterr;
  out->tcp_stats[10] = lwip_stats.tcp.err;
  out->tcp_stats[11] = lwip_stats.tcp.cachehit;
#if MIB2_STATS
  out->mib2_tcp[0] = lwip_stats.mib2.tcpactiveopens;
  out->mib2_tcp[1] = lwip_stats.mib2.tcppassiveopens;
  out->mib2_tcp[2] = lwip_stats.mib2.tcpattemptfails;
  out->mib2_tcp[3] = lwip_stats.mib2.tcpestabresets;
  out->mib2_tcp[4] = lwip_stats.mib2.tcpoutsegs;
  out->mib2_tcp[5] = lwip_stats.mib2.tcpretranssegs;
  out->mib2_tcp[6] = lwip_stats.mib2.tcpinsegs;
  out->mib2_tcp[7] = lwip_stats.mib2.tcpinerrs;
  out->mib2_tcp[8] = lwip_stats.mib2.tcpoutrsts;
#else
  memset(out->mib2_tcp, 0, sizeof(out->mib2_tcp));
#endif
}

int
shim_netif_set_ipaddr(const uint8_t ip[4])
{
#if LWIP_IPV4
  ip4_addr_t a;
  ENTER();
  IP4_ADDR(&a, ip[0], ip[1], ip[2], ip[3]);
  netif_set_ipaddr(&the_netif, &a);
  LEAVE();
#else
  ENTER();
  LWIP_UNUSED_ARG(ip);
  LWIP_ASSERT("shim_netif_set_ipaddr: no IPv4 in this build", 0);
  LEAVE();
#endif
}

/* mem.c's heap (LWIP_RAM_HEAP_POINTER is ram_heap in this build). */
extern u8_t ram_heap[];

static u8_t *
heap_base(void)
{
  return (u8_t *)LWIP_MEM_ALIGN(ram_heap);
}

int
shim_mem_malloc(uint16_t size, uint16_t *off)
{
  void *p;
  ENTER();
  p = mem_malloc(size);
  *off = p == NULL ? 0xFFFF : (uint16_t)((u8_t *)p - heap_base());
  LEAVE();
}

int
shim_mem_free(uint16_t off)
{
  ENTER();
  mem_free(heap_base() + off);
  LEAVE();
}

int
shim_mem_trim(uint16_t off, uint16_t size)
{
  ENTER();
  (void)mem_trim(heap_base() + off, size);
  LEAVE();
}

/* ---- pbuf.c, driven directly ------------------------------------------ */

static pbuf_type
pbuf_type_of(uint8_t t)
{
  switch (t) {
    case SHIM_PBUF_ROM:
      return PBUF_ROM;
    case SHIM_PBUF_REF:
      return PBUF_REF;
    case SHIM_PBUF_POOL:
      return PBUF_POOL;
    default:
      return PBUF_RAM;
  }
}

int
shim_pbuf_alloc(uint16_t layer, uint16_t length, uint8_t type,
                const uint8_t *rom_payload, struct pbuf **out)
{
  struct pbuf *p;
  ENTER();
  p = pbuf_alloc((pbuf_layer)layer, length, pbuf_type_of(type));
  if (p != NULL && (type == SHIM_PBUF_ROM || type == SHIM_PBUF_REF)) {
    p->payload = (void *)(uintptr_t)rom_payload;
  }
  *out = p;
  LEAVE();
}

int
shim_pbuf_free(struct pbuf *p, uint8_t *count)
{
  ENTER();
  *count = pbuf_free(p);
  LEAVE();
}

int
shim_pbuf_ref(struct pbuf *p)
{
  ENTER();
  pbuf_ref(p);
  LEAVE();
}

int
shim_pbuf_clen(const struct pbuf *p, uint16_t *n)
{
  ENTER();
  *n = pbuf_clen(p);
  LEAVE();
}

int
shim_pbuf_cat(struct pbuf *h, struct pbuf *t)
{
  ENTER();
  pbuf_cat(h, t);
  LEAVE();
}

int
shim_pbuf_chain(struct pbuf *h, struct pbuf *t)
{
  ENTER();
  pbuf_chain(h, t);
  LEAVE();
}

int
shim_pbuf_realloc(struct pbuf *p, uint16_t new_len)
{
  ENTER();
  pbuf_realloc(p, new_len);
  LEAVE();
}

int
shim_pbuf_add_header(struct pbuf *p, uint16_t n, int force, uint8_t *ret)
{
  ENTER();
  *ret = force ? pbuf_add_header_force(p, n) : pbuf_add_header(p, n);
  LEAVE();
}

int
shim_pbuf_remove_header(struct pbuf *p, uint16_t n, uint8_t *ret)
{
  ENTER();
  *ret = pbuf_remove_header(p, n);
  LEAVE();
}

int
shim_pbuf_copy_partial(const struct pbuf *p, uint8_t *buf, uint16_t len,
                       uint16_t offset, uint16_t *copied)
{
  ENTER();
  *copied = pbuf_copy_partial(p, buf, len, offset);
  LEAVE();
}

int
shim_pbuf_take(struct pbuf *p, const uint8_t *data, uint16_t len, int8_t *err)
{
  ENTER();
  *err = pbuf_take(p, data, len);
  LEAVE();
}

int
shim_pbuf_take_at(struct pbuf *p, const uint8_t *data, uint16_t len,
                  uint16_t offset, int8_t *err)
{
  ENTER();
  *err = pbuf_take_at(p, data, len, offset);
  LEAVE();
}

void
shim_pbuf_read(const struct pbuf *p, struct shim_pbuf_state *out)
{
  memset(out, 0, sizeof(*out));
  out->next = p->next;
  out->len = p->len;
  out->tot_len = p->tot_len;
  out->ref = p->ref;
  out->flags = p->flags;
  out->heap_off = 0xFFFF;
  /* type_internal holds pbuf_type truncated to u8_t (pbuf_alloc). */
  if (p->type_internal == (u8_t)PBUF_RAM) {
    out->type = SHIM_PBUF_RAM;
    out->heap_off = (uint16_t)((const u8_t *)p - heap_base());
  } else if (p->type_internal == (u8_t)PBUF_POOL) {
    out->type = SHIM_PBUF_POOL;
  } else if (p->type_internal == (u8_t)PBUF_ROM) {
    out->type = SHIM_PBUF_ROM;
  } else if (p->type_internal == (u8_t)PBUF_REF) {
    out->type = SHIM_PBUF_REF;
  } else {
    out->type = 0xFF;
  }
  if (out->type == SHIM_PBUF_RAM || out->type == SHIM_PBUF_POOL) {
    out->payload_off = (uint16_t)((const u8_t *)p->payload - (const u8_t *)p);
  } else {
    out->rom_payload = (const uint8_t *)p->payload;
  }
}

void
shim_pbuf_stats(struct shim_pbuf_stats *out)
{
  memset(out, 0, sizeof(*out));
  out->pool_used = memp_pools[MEMP_PBUF_POOL]->stats->used;
  out->pool_max = memp_pools[MEMP_PBUF_POOL]->stats->max;
  out->pool_err = memp_pools[MEMP_PBUF_POOL]->stats->err;
  out->pbuf_used = memp_pools[MEMP_PBUF]->stats->used;
  out->pbuf_max = memp_pools[MEMP_PBUF]->stats->max;
  out->pbuf_err = memp_pools[MEMP_PBUF]->stats->err;
  out->mem_used = lwip_stats.mem.used;
  out->mem_max = lwip_stats.mem.max;
  out->mem_err = lwip_stats.mem.err;
}

int
shim_teardown(void)
{
  ENTER();
  while (tcp_active_pcbs != NULL) {
    tcp_abort(tcp_active_pcbs);
  }
  while (tcp_tw_pcbs != NULL) {
    tcp_abort(tcp_tw_pcbs);
  }
  while (tcp_listen_pcbs.pcbs != NULL) {
    tcp_close((struct tcp_pcb *)tcp_listen_pcbs.pcbs);
  }
  while (tcp_bound_pcbs != NULL) {
    tcp_close(tcp_bound_pcbs);
  }
  LEAVE();
}

void
shim_poison(void)
{
  poisoned = 1;
}

int
shim_debug_assert(void)
{
  ENTER();
  LWIP_ASSERT("tcpdiff: deliberate assertion (shim_debug_assert)", 0);
  LEAVE();
}
