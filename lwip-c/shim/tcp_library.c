/*
 * tcpdiff_reset_tcp_statics() for a build whose TCP is a library linked in
 * place of tcp.c, tcp_in.c and tcp_out.c (src/loaded.rs), not lwIP's files
 * compiled through unity_tcp.c. A library's file-scope state is its own
 * and out of reach here: shim_reset() clears the globals tcp.c exports
 * (tcp_active_pcbs, tcp_ticks, ...) and then calls lwip_init(), whose
 * tcp_init() is the library's reset (the port's library resets its whole
 * stack there). State a library keeps past its tcp_init() is not reset:
 * its results could then depend on the cases run before.
 */
void tcpdiff_reset_tcp_statics(void);

void
tcpdiff_reset_tcp_statics(void)
{
}
