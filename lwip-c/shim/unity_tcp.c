/*
 * lwIP's tcp.c, compiled unmodified, plus a reset for its file-scope
 * statics (which a separate translation unit cannot reach). Between test
 * cases these must start from the same values, or results would depend on
 * which cases ran before.
 */
#include "tcp.c"

void tcpdiff_reset_tcp_statics(void);

void
tcpdiff_reset_tcp_statics(void)
{
  tcp_port = TCP_LOCAL_PORT_RANGE_START; /* tcp_init() re-randomises it */
  tcp_timer = 0;                         /* tcp_tmr() phase: unused here */
  tcp_timer_ctr = 0;                     /* guard against double processing */
}
