//! Compiles lwIP 2.2.1's non-TCP core from the pinned tree (the one
//! lwip-c found and checked: `lwip_c::build_info::LWIP_DIR`, which honours
//! `LWIP_DIR=...`) the way lwIP's unit-test runner is built
//! (contrib/ports/unix/check/Makefile, which ci/lwip-unit runs):
//! test/unit/lwipopts.h, the unix port's arch headers, test/unit's own
//! sys_arch.c, and the runner's defines (`LWIP_DEBUG`,
//! `LWIP_NOASSERT_ON_ERROR`). One difference: `LWIP_PLATFORM_ASSERT` goes
//! to `lwip_core_assert` (c/support.c), which prints and aborts as lwIP's
//! does unless a test asks to observe the assertion instead.
//!
//! Never tcp.c, tcp_in.c or tcp_out.c: what the files here take from them
//! are the weak stand-ins of c/standins.c.

use std::env;
use std::path::{Path, PathBuf};

/// lwIP's core files compiled (src/), as lwIP's unit-test runner compiles
/// them (src/Filelists.mk, which contrib/ports/unix/check/Makefile takes
/// through Common.allports.mk): `COREFILES` without tcp.c, tcp_in.c and
/// tcp_out.c, `CORE4FILES`, `CORE6FILES`, and from `NETIFFILES` the one
/// the IP layer references (ethernet.c: etharp.c's and ethip6.c's
/// `ethernet_output`). Not compiled: `APIFILES` (netconn, sockets,
/// tcpip.c: above TCP or the tcpip thread), the other `NETIFFILES`, PPP
/// and 6LoWPAN, the apps. A static library only contributes the objects a
/// link needs, so a test that uses pbuf.c alone links what it did before.
///
/// ip4.c, netif.c and timeouts.c are compiled through wrappers in c/
/// (`#include` of the file, then a reset of its file-static state; see
/// `WRAPPED`), the rest as they are.
const LWIP_FILES: &[&str] = &[
    // COREFILES without tcp.c, tcp_in.c, tcp_out.c.
    "core/init.c",
    "core/def.c",
    "core/dns.c",
    "core/inet_chksum.c",
    "core/ip.c",
    "core/mem.c",
    "core/memp.c",
    "core/pbuf.c",
    "core/raw.c",
    "core/stats.c",
    "core/sys.c",
    "core/altcp.c",
    "core/altcp_alloc.c",
    "core/altcp_tcp.c",
    "core/udp.c",
    // CORE4FILES (ip4.c wrapped).
    "core/ipv4/acd.c",
    "core/ipv4/autoip.c",
    "core/ipv4/dhcp.c",
    "core/ipv4/etharp.c",
    "core/ipv4/icmp.c",
    "core/ipv4/igmp.c",
    "core/ipv4/ip4_frag.c",
    "core/ipv4/ip4_addr.c",
    // CORE6FILES.
    "core/ipv6/dhcp6.c",
    "core/ipv6/ethip6.c",
    "core/ipv6/icmp6.c",
    "core/ipv6/inet6.c",
    "core/ipv6/ip6.c",
    "core/ipv6/ip6_addr.c",
    "core/ipv6/ip6_frag.c",
    "core/ipv6/mld6.c",
    "core/ipv6/nd6.c",
    // NETIFFILES: what the IP layer references.
    "netif/ethernet.c",
];

/// lwIP files compiled through a wrapper of ours (c/<wrapper>), which
/// `#include`s the file (found through `-I<tree>/src`) and adds a function
/// that resets its file-static state for `lwip_core::lock()`: ip4.c's
/// `ip_id` (the IP identification, which must start at 0 as the port's
/// does), netif.c's `netif_num` (so that the first netif added is index
/// 1 again), timeouts.c's timeout list and `tcpip_tcp_timer_active`.
const WRAPPED: &[(&str, &str)] = &[
    ("core/ipv4/ip4.c", "ip4_reset.c"),
    ("core/netif.c", "netif_reset.c"),
    ("core/timeouts.c", "timeouts_reset.c"),
];

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let lwip = Path::new(lwip_c::build_info::LWIP_DIR);
    println!("cargo:rerun-if-changed={}", manifest.join("c").display());
    println!("cargo:rerun-if-env-changed=CC");

    let mut build = cc::Build::new();
    build
        // The include path to lwipopts.h and arch/sys_arch.h first, as in
        // the runner's Makefile.
        .include(lwip.join("test/unit"))
        .include(lwip.join("contrib"))
        .include(lwip.join("src/include"))
        .include(lwip.join("contrib/ports/unix/port/include"))
        // For the wrappers' `#include "core/ipv4/ip4.c"` etc.
        .include(lwip.join("src"))
        .define("LWIP_NOASSERT_ON_ERROR", None)
        .define("LWIP_DEBUG", None)
        .define(
            "LWIP_PLATFORM_ASSERT(x)",
            Some(
                "do { extern void lwip_core_assert(const char *, int, const char *); \
                 lwip_core_assert((x), __LINE__, __FILE__); } while (0)",
            ),
        )
        .flag_if_supported("-std=gnu99")
        .flag_if_supported("-fno-strict-aliasing")
        .warnings(false)
        .debug(true);
    for f in LWIP_FILES {
        let path = lwip.join("src").join(f);
        println!("cargo:rerun-if-changed={}", path.display());
        build.file(path);
    }
    for (f, wrapper) in WRAPPED {
        println!(
            "cargo:rerun-if-changed={}",
            lwip.join("src").join(f).display()
        );
        build.file(manifest.join("c").join(wrapper));
    }
    build.file(lwip.join("test/unit/arch/sys_arch.c"));
    build.file(manifest.join("c/standins.c"));
    build.file(manifest.join("c/support.c"));
    build.compile("lwip_core");

    std::fs::write(
        out.join("lwip_dir.rs"),
        format!(
            "/// The lwIP tree compiled (lwip-c's pinned tree or `LWIP_DIR`).\n\
             pub const LWIP_DIR: &str = {:?};\n",
            lwip.display().to_string()
        ),
    )
    .expect("write lwip_dir.rs");
}
