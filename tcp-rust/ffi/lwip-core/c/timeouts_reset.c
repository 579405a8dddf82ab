/*
 * lwIP's timeouts.c, compiled as it is (the #include below), plus a reset
 * of its file-static state for lwip_core::lock() (TEST SUPPORT, not
 * lwIP): no timeout pending (their MEMP_SYS_TIMEOUT elements are freed by
 * the memp_init() of the same reset), and the TCP timer not active, so a
 * tcp_timer_needed() after the reset schedules it again.
 */
#include "core/timeouts.c"

void lwip_core_timeouts_reset(void);
void lwip_core_timeouts_reset(void)
{
#if LWIP_TIMERS && !LWIP_TIMERS_CUSTOM
  next_timeout = NULL;
  current_timeout_due_time = 0;
#if LWIP_TCP
  tcpip_tcp_timer_active = 0;
#endif
#endif
}
