/* Prototypes of the hooks named in lwipopts.h (LWIP_HOOK_FILENAME). */
#ifndef TCPDIFF_HOOKS_H
#define TCPDIFF_HOOKS_H
#include "lwip/arch.h"
#include "lwip/ip_addr.h"
u32_t tcpdiff_isn_hook(const ip_addr_t *local_ip, u16_t local_port,
                       const ip_addr_t *remote_ip, u16_t remote_port);
#endif
