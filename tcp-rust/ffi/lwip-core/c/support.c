/*
 * lwip-core's C side: the assertion hook, a reset between tests, and the
 * C compiler's view of the structures the C-ABI crate mirrors.
 */
#include "lwip/opt.h"
#include "lwip/def.h"
#include "lwip/mem.h"
#include "lwip/memp.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/netif.h"
#include "lwip/ip.h"
#include "lwip/ip4.h"
#include "lwip/priv/memp_priv.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/tcp.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- LWIP_PLATFORM_ASSERT (build.rs points the macro here) ----------- */

/* 1 (the default): print and abort, as lwIP's own arch.h does. 0: count
   the assertion, keep its message and return into lwIP (a test that wants
   to observe an assertion sets this, and must not trust lwIP's state
   afterwards). */
volatile int lwip_core_assert_fatal = 1;
unsigned int lwip_core_assert_count;
const char *lwip_core_assert_last;

void lwip_core_assert(const char *msg, int line, const char *file);
void lwip_core_assert(const char *msg, int line, const char *file)
{
  lwip_core_assert_count++;
  lwip_core_assert_last = msg;
  if (lwip_core_assert_fatal) {
    printf("Assertion \"%s\" failed at line %d in %s\n", msg, line, file);
    fflush(NULL);
    abort();
  }
}

/* ---- reset ------------------------------------------------------------ */

static void clear_stats_mem(struct stats_mem *s)
{
#if defined(LWIP_DEBUG) || LWIP_STATS_DISPLAY
  const char *name = s->name;
  memset(s, 0, sizeof(*s));
  s->name = name;
#else
  memset(s, 0, sizeof(*s));
#endif
}

/* The file-static state of ip4.c, netif.c and timeouts.c (their wrappers
   in c/). */
void lwip_core_ip4_reset(void);
void lwip_core_netif_reset(void);
void lwip_core_timeouts_reset(void);

/* The netifs lwip_core_netif_add hands out (test support), in use. */
#define LWIP_CORE_NETIFS 4
static struct netif lwip_core_netifs[LWIP_CORE_NETIFS];
static int lwip_core_netifs_used;

/* The heap, every pool and the IP layer as after boot: lwip_stats zeroed,
   stats_init(), mem_init(), memp_init() (the parts of lwip_init() this
   core needs; pbuf.c has no init of its own), then no netif (the list
   and the default emptied, netif.c's numbering back to 0: the next
   netif_add gets index 1; netif_init() is not run, so there is no
   loopback netif), ip4.c's ip_id 0, no timeout pending, ip_data zeroed.
   Everything allocated before is forgotten. */
void lwip_core_reset(void);
void lwip_core_reset(void)
{
  int i;
  memset(&lwip_stats, 0, sizeof(lwip_stats));
  for (i = 0; i < MEMP_MAX; i++) {
#if MEMP_STATS
    clear_stats_mem(memp_pools[i]->stats);
#endif
  }
  stats_init();
  mem_init();
  memp_init();
  lwip_core_netif_reset();
  lwip_core_ip4_reset();
  lwip_core_timeouts_reset();
  memset(&ip_data, 0, sizeof(ip_data));
  memset(lwip_core_netifs, 0, sizeof(lwip_core_netifs));
  lwip_core_netifs_used = 0;
  lwip_core_assert_count = 0;
  lwip_core_assert_last = NULL;
}

/* ---- netifs ----------------------------------------------------------- */

/* What lwip_core_netif_init gives the netif it initialises. */
struct lwip_core_netif_cfg {
  u16_t mtu;
  u8_t flags;
  netif_output_fn output;
};

/* netif_add's init function: the MTU, the flags and the IPv4 output from
   the configuration netif_add passed as `state` (cleared after). */
static err_t lwip_core_netif_init(struct netif *netif)
{
  const struct lwip_core_netif_cfg *cfg = (const struct lwip_core_netif_cfg *)netif->state;
  netif->name[0] = 'l';
  netif->name[1] = 'c';
  netif->mtu = cfg->mtu;
  netif->flags = cfg->flags;
  netif->output = cfg->output;
  netif->state = NULL;
  return ERR_OK;
}

/* netif_add(netif, ip, netmask, gw, cfg, lwip_core_netif_init, ip_input)
   on one of lwip-core's netifs (static memory, reused after a reset):
   NULL when all are in use or netif_add refuses. Addresses in network
   order. */
struct netif *lwip_core_netif_add(u32_t ip, u32_t netmask, u32_t gw, u16_t mtu, u8_t flags,
                                  netif_output_fn output);
struct netif *lwip_core_netif_add(u32_t ip, u32_t netmask, u32_t gw, u16_t mtu, u8_t flags,
                                  netif_output_fn output)
{
  ip4_addr_t a, m, g;
  struct lwip_core_netif_cfg cfg;
  struct netif *n;
  if (lwip_core_netifs_used >= LWIP_CORE_NETIFS) {
    return NULL;
  }
  n = &lwip_core_netifs[lwip_core_netifs_used];
  ip4_addr_set_u32(&a, ip);
  ip4_addr_set_u32(&m, netmask);
  ip4_addr_set_u32(&g, gw);
  cfg.mtu = mtu;
  cfg.flags = flags;
  cfg.output = output;
  if (netif_add(n, &a, &m, &g, &cfg, lwip_core_netif_init, ip_input) == NULL) {
    return NULL;
  }
  lwip_core_netifs_used++;
  return n;
}

/* ip4.c's ip_id (c/ip4_reset.c). */
u16_t lwip_core_ip4_ip_id(void);

/* ---- the C compiler's layout ------------------------------------------ */

struct lwip_core_fact {
  const char *name;
  unsigned long long value;
};

#define FACT(n, v) { n, (unsigned long long)(v) }
#define FIELD(s, f) FACT(#s "." #f, offsetof(struct s, f)), FACT("sizeof " #s "." #f, sizeof(((struct s *)0)->f))

const struct lwip_core_fact lwip_core_facts[] = {
  FACT("sizeof pbuf", sizeof(struct pbuf)),
  FACT("alignof pbuf", _Alignof(struct pbuf)),
  FIELD(pbuf, next),
  FIELD(pbuf, payload),
  FIELD(pbuf, tot_len),
  FIELD(pbuf, len),
  FIELD(pbuf, type_internal),
  FIELD(pbuf, flags),
  FIELD(pbuf, ref),
  FIELD(pbuf, if_idx),
  FACT("sizeof stats_mem", sizeof(struct stats_mem)),
  FIELD(stats_mem, err),
  FIELD(stats_mem, avail),
  FIELD(stats_mem, used),
  FIELD(stats_mem, max),
  FIELD(stats_mem, illegal),
  FIELD(stats_, mem),
  FACT("sizeof memp_desc", sizeof(struct memp_desc)),
  FIELD(memp_desc, stats),
  FIELD(memp_desc, size),
  FIELD(memp_desc, num),
  FIELD(memp_desc, base),
  FIELD(memp_desc, tab),
  FACT("PBUF_RAM", PBUF_RAM),
  FACT("PBUF_ROM", PBUF_ROM),
  FACT("PBUF_REF", PBUF_REF),
  FACT("PBUF_POOL", PBUF_POOL),
  FACT("PBUF_TRANSPORT", PBUF_TRANSPORT),
  FACT("PBUF_IP", PBUF_IP),
  FACT("PBUF_LINK", PBUF_LINK),
  FACT("PBUF_TYPE_ALLOC_SRC_MASK", PBUF_TYPE_ALLOC_SRC_MASK),
  FACT("PBUF_TYPE_FLAG_DATA_VOLATILE", PBUF_TYPE_FLAG_DATA_VOLATILE),
  FACT("PBUF_TYPE_FLAG_STRUCT_DATA_CONTIGUOUS", PBUF_TYPE_FLAG_STRUCT_DATA_CONTIGUOUS),
  FACT("PBUF_FLAG_PUSH", PBUF_FLAG_PUSH),
  FACT("PBUF_FLAG_IS_CUSTOM", PBUF_FLAG_IS_CUSTOM),
  FACT("PBUF_FLAG_TCP_FIN", PBUF_FLAG_TCP_FIN),
  FACT("LWIP_STATS", LWIP_STATS),
  FACT("MEM_STATS", MEM_STATS),
  FACT("MEMP_STATS", MEMP_STATS),
  FACT("MEM_SIZE", MEM_SIZE),
  FACT("MEM_ALIGNMENT", MEM_ALIGNMENT),
  FACT("PBUF_POOL_SIZE", PBUF_POOL_SIZE),
  FACT("PBUF_POOL_BUFSIZE", PBUF_POOL_BUFSIZE),
  FACT("MEMP_NUM_PBUF", MEMP_NUM_PBUF),
  FACT("SIZEOF_STRUCT_PBUF", LWIP_MEM_ALIGN_SIZE(sizeof(struct pbuf))),
  FACT("PBUF_LINK_HLEN", PBUF_LINK_HLEN),
  FACT("PBUF_LINK_ENCAPSULATION_HLEN", PBUF_LINK_ENCAPSULATION_HLEN),
  FACT("PBUF_IP_HLEN", PBUF_IP_HLEN),
  FACT("PBUF_TRANSPORT_HLEN", PBUF_TRANSPORT_HLEN),
  FACT("sizeof mem_size_t", sizeof(mem_size_t)),
  FACT("sizeof STAT_COUNTER", sizeof(STAT_COUNTER)),
  FACT("sizeof LWIP_PBUF_REF_T", sizeof(LWIP_PBUF_REF_T)),
  /* The TCP pools (memp_std.h's memp_t values, the options, memp.c's
     element geometry) and the TCP header, for LwipStorage. */
  FACT("MEMP_TCP_PCB", MEMP_TCP_PCB),
  FACT("MEMP_TCP_PCB_LISTEN", MEMP_TCP_PCB_LISTEN),
  FACT("MEMP_TCP_SEG", MEMP_TCP_SEG),
  FACT("MEMP_MAX", MEMP_MAX),
  FACT("MEMP_NUM_TCP_PCB", MEMP_NUM_TCP_PCB),
  FACT("MEMP_NUM_TCP_PCB_LISTEN", MEMP_NUM_TCP_PCB_LISTEN),
  FACT("MEMP_NUM_TCP_SEG", MEMP_NUM_TCP_SEG),
  FACT("MEMP_OVERFLOW_CHECK", MEMP_OVERFLOW_CHECK),
  FACT("MEMP_MEM_MALLOC", MEMP_MEM_MALLOC),
  FACT("MEMP_SIZE", MEMP_SIZE),
  FACT("MEMP_ALIGN_SIZE tcp_pcb", MEMP_ALIGN_SIZE(sizeof(struct tcp_pcb))),
  FACT("MEMP_ALIGN_SIZE tcp_pcb_listen", MEMP_ALIGN_SIZE(sizeof(struct tcp_pcb_listen))),
  FACT("MEMP_ALIGN_SIZE tcp_seg", MEMP_ALIGN_SIZE(sizeof(struct tcp_seg))),
  FACT("sizeof tcp_pcb", sizeof(struct tcp_pcb)),
  FACT("sizeof tcp_pcb_listen", sizeof(struct tcp_pcb_listen)),
  FACT("sizeof tcp_seg", sizeof(struct tcp_seg)),
  FACT("sizeof tcp_hdr", sizeof(struct tcp_hdr)),
  FIELD(tcp_hdr, seqno),
  FIELD(tcp_hdr, _hdrlen_rsvd_flags),
  FACT("TCP_FLAGS", TCP_FLAGS),
  FACT("NUM_TCP_PCB_LISTS", NUM_TCP_PCB_LISTS),
  FACT("sizeof tcp_listen_pcbs_t", sizeof(union tcp_listen_pcbs_t)),
  FACT("sizeof tcp_ticks", sizeof(tcp_ticks)),
  FACT("sizeof tcp_active_pcbs_changed", sizeof(tcp_active_pcbs_changed)),
  FACT("sizeof tcp_pcb_lists", sizeof(tcp_pcb_lists)),
  /* struct netif, for the C-ABI crate's ip.rs and the tests' netifs. */
  FACT("sizeof netif", sizeof(struct netif)),
  FACT("alignof netif", _Alignof(struct netif)),
  FIELD(netif, next),
  FIELD(netif, ip_addr),
  FIELD(netif, netmask),
  FIELD(netif, gw),
  FIELD(netif, input),
  FIELD(netif, output),
  FIELD(netif, linkoutput),
  FIELD(netif, state),
  FIELD(netif, mtu),
  FIELD(netif, flags),
  FIELD(netif, name),
  FIELD(netif, num),
  FACT("sizeof ip_addr_t", sizeof(ip_addr_t)),
  FACT("sizeof ip4_addr_t", sizeof(ip4_addr_t)),
  FACT("NETIF_FLAG_UP", NETIF_FLAG_UP),
  FACT("NETIF_FLAG_BROADCAST", NETIF_FLAG_BROADCAST),
  FACT("NETIF_FLAG_LINK_UP", NETIF_FLAG_LINK_UP),
  FACT("NETIF_FLAG_ETHARP", NETIF_FLAG_ETHARP),
  FACT("NETIF_FLAG_ETHERNET", NETIF_FLAG_ETHERNET),
  FACT("LWIP_SINGLE_NETIF", LWIP_SINGLE_NETIF),
  FACT("LWIP_HAVE_LOOPIF", LWIP_HAVE_LOOPIF),
  FACT("LWIP_NETIF_LOOPBACK", LWIP_NETIF_LOOPBACK),
  FACT("CHECKSUM_GEN_IP", CHECKSUM_GEN_IP),
  FACT("LWIP_CHECKSUM_CTRL_PER_NETIF", LWIP_CHECKSUM_CTRL_PER_NETIF),
  FACT("IP_DEFAULT_TTL", IP_DEFAULT_TTL),
};
const unsigned int lwip_core_fact_count = sizeof(lwip_core_facts) / sizeof(lwip_core_facts[0]);

/* ---- what C's references resolve to --------------------------------- */

/* The addresses the C side's references to tcp.c's globals resolve to
   (with the C-ABI crate linked, its exported definitions rather than the
   weak stand-ins of standins.c), and the pools' descriptors: a test
   compares them with the Rust side's. */
extern const struct memp_desc memp_TCP_PCB, memp_TCP_PCB_LISTEN, memp_TCP_SEG;
const void *lwip_core_addr_of(const char *name);
const void *lwip_core_addr_of(const char *name)
{
  if (!strcmp(name, "tcp_active_pcbs")) {
    return &tcp_active_pcbs;
  }
  if (!strcmp(name, "memp_TCP_PCB")) {
    return &memp_TCP_PCB;
  }
  if (!strcmp(name, "memp_TCP_PCB_LISTEN")) {
    return &memp_TCP_PCB_LISTEN;
  }
  if (!strcmp(name, "memp_TCP_SEG")) {
    return &memp_TCP_SEG;
  }
  if (!strcmp(name, "memp_pools[MEMP_TCP_PCB]")) {
    return memp_pools[MEMP_TCP_PCB];
  }
  if (!strcmp(name, "memp_pools[MEMP_TCP_PCB_LISTEN]")) {
    return memp_pools[MEMP_TCP_PCB_LISTEN];
  }
  if (!strcmp(name, "memp_pools[MEMP_TCP_SEG]")) {
    return memp_pools[MEMP_TCP_SEG];
  }
  return NULL;
}
