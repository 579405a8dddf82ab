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

/// lwIP's core files compiled (src/). A static library only contributes
/// the objects a link needs, so the list can grow (ip4.c, netif.c, ...)
/// without changing what an existing test links.
const LWIP_FILES: &[&str] = &[
    "core/def.c",
    "core/inet_chksum.c",
    "core/mem.c",
    "core/memp.c",
    "core/pbuf.c",
    "core/stats.c",
    "core/ipv4/ip4_addr.c",
    "core/ipv6/ip6_addr.c",
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
