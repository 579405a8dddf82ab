/*
 * arch/cc.h: tcpdiff's lwIP port for a hosted build (Linux, x86_64 or any
 * 64-bit little-endian host). Types come from <stdint.h> via lwIP's arch.h.
 *
 * LWIP_PLATFORM_ASSERT is routed to the shim, which reports it to the Rust
 * driver and unwinds to the shim entry point that called into lwIP (see
 * shim/shim.h, "Assertions"). It never returns into lwIP.
 */
#ifndef TCPDIFF_ARCH_CC_H
#define TCPDIFF_ARCH_CC_H

#include <stdlib.h>
#include <string.h>

#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif

#define LWIP_NO_INTTYPES_H 0
#define LWIP_ERRNO_STDINCLUDE 1

void tcpdiff_platform_assert(const char *msg, int line, const char *file)
    __attribute__((noreturn));
void tcpdiff_platform_diag(const char *msg);
/* LWIP_RAND(), defined in lwipopts.h: the driver's seeded generator. */
unsigned int tcpdiff_rand(void);

#define LWIP_PLATFORM_ASSERT(x) tcpdiff_platform_assert((x), __LINE__, __FILE__)
/* LWIP_ERROR(): API misuse (e.g. tcp_write on a listening pcb). lwIP then
 * runs the handler (usually `return ERR_ARG`); the shim just records it. */
#define LWIP_PLATFORM_ERROR(x) tcpdiff_platform_diag(x)
/* Debug printf output (LWIP_DEBUG is off): discarded. */
#define LWIP_PLATFORM_DIAG(x) do { } while (0)

#endif /* TCPDIFF_ARCH_CC_H */
