//! The port's options for the profiles other than `full` (lwip-c/profiles/
//! NAME/lwipopts.h; `full` is the port's own [`tcp_rust::config::Full`]).
//! Each is the lwipopts.h evaluated by hand, as `Config::full()` is for
//! `full`; `harness/tests/rust_engine.rs` checks every field against what
//! the C build of the same profile reports (`shim_tcp_options`).
//!
//! Engines: `c:NAME` (lwIP built with NAME's lwipopts.h, loaded as a
//! shared object: [`super::builds`]) and `rust:NAME` (the port with
//! NAME's options: [`super::rust::RustEngine`]).

use tcp_rust::config::{
    Config, Profile, tcp_sndlowat_default, tcp_sndqueuelowat_default,
    tcp_wnd_update_threshold_default,
};
use tcp_rust::ip6::{Ip6Addr, IpAddrDual};
use tcp_rust::storage::{MAX_SEGS, Pools};

use super::rust::PortProfile;

/// A port profile's options over storage `$storage` and its name
/// (`lwip-c/profiles/NAME`), for the type `$ty`.
macro_rules! port_profile {
    ($ty:ident, $name:literal, $storage:ty, $config:expr) => {
        port_profile!($ty, $name, $storage, [u8; 4], $config);
    };
    ($ty:ident, $name:literal, $storage:ty, $addr:ty, $config:expr) => {
        impl Profile for $ty {
            const CONFIG: Config = $config;
            type Storage = $storage;
        }

        impl PortProfile for $ty {
            const NAME: &'static str = $name;
            type Addr = $addr;
        }
    };
}

/// `minimal`: the full profile with no window scaling, timestamps, SACK,
/// keepalive options or listen backlog, and TCP_MSS 536.
pub struct Minimal;

port_profile!(Minimal, "minimal", Pools, {
    let mss = 536u16;
    let snd_buf = 2 * mss as u32;
    // TCP_SND_QUEUELEN: (4 * TCP_SND_BUF + (TCP_MSS - 1)) / TCP_MSS.
    let queuelen = (4 * snd_buf).div_ceil(mss as u32) as u16;
    Config {
        lwip_wnd_scale: false,
        tcp_rcv_scale: 0,
        ..without_optional_features(mss, 4 * mss as u32, snd_buf, queuelen)
    }
});

/// Full's options with TCP_MSS `mss`, TCP_WND `wnd`, TCP_SND_BUF
/// `snd_buf`, TCP_SND_QUEUELEN `queuelen` and what opt.h derives from
/// them (the low-water marks, the window update threshold,
/// TCP_OVERSIZE), and no SACK, timestamps, keepalive options or listen
/// backlog.
const fn without_optional_features(mss: u16, wnd: u32, snd_buf: u32, queuelen: u16) -> Config {
    Config {
        tcp_mss: mss,
        tcp_wnd: wnd,
        tcp_snd_buf: snd_buf,
        tcp_snd_queuelen: queuelen,
        tcp_sndlowat: tcp_sndlowat_default(snd_buf, mss),
        tcp_sndqueuelowat: tcp_sndqueuelowat_default(queuelen),
        tcp_wnd_update_threshold: tcp_wnd_update_threshold_default(wnd, mss),
        tcp_oversize: mss,
        lwip_tcp_sack_out: false,
        lwip_tcp_timestamps: false,
        lwip_tcp_keepalive: false,
        tcp_listen_backlog: false,
        ..Config::full()
    }
}

/// `no-ooseq`: the full profile with `TCP_QUEUE_OOSEQ` 0 (and so no
/// `LWIP_TCP_SACK_OUT`).
pub struct NoOoseq;

port_profile!(
    NoOoseq,
    "no-ooseq",
    Pools,
    Config {
        tcp_queue_ooseq: false,
        lwip_tcp_sack_out: false,
        ..Config::full()
    }
);

/// `ooseq-limited`: the full profile with the out-of-order queue limited
/// to 2920 bytes and 4 pbufs per pcb (large segments reach the byte
/// limit first, small ones the pbuf limit).
pub struct OoseqLimited;

port_profile!(
    OoseqLimited,
    "ooseq-limited",
    Pools,
    Config {
        tcp_ooseq_max_bytes: 2920,
        tcp_ooseq_max_pbufs: 4,
        ..Config::full()
    }
);

/// The TCP and memory options lwIP's own unit tests and fuzzers share
/// (test/unit/lwipopts.h, test/fuzz/lwipopts.h): TCP_MSS 536, TCP_WND
/// 10 * MSS, TCP_SND_BUF 12 * MSS, window scaling; opt.h's defaults (no
/// SACK, timestamps, keepalive options or listen backlog, 8 listen pcbs,
/// a pool pbuf of one MSS and its headers), on the harness's full
/// infrastructure; TCP_SND_QUEUELEN 40 and as many segments (the port's
/// storage with 64 segment slots). Their MEM_SIZE (17000, 16000) and
/// PBUF_POOL_SIZE (400) are more than the port's own heap and pool hold:
/// 16000 bytes and 40 pool pbufs here (the profiles' lwipopts.h say so
/// too).
const fn lwip_test_options(rcv_scale: u8) -> Config {
    let mss = 536u16;
    let queuelen = 40u16;
    let full = Config::full();
    Config {
        lwip_wnd_scale: true,
        tcp_rcv_scale: rcv_scale,
        memp_num_tcp_seg: queuelen,
        memp_num_tcp_pcb_listen: 8,
        pbuf_pool_size: 40,
        // opt.h: LWIP_MEM_ALIGN_SIZE(TCP_MSS + PBUF_IP_HLEN +
        // PBUF_TRANSPORT_HLEN + PBUF_LINK_ENCAPSULATION_HLEN +
        // PBUF_LINK_HLEN), IPv4 and no link header here.
        pbuf_pool_bufsize: full.lwip_mem_align_size(
            mss as u32
                + full.pbuf_ip_hlen as u32
                + 20
                + full.pbuf_link_encapsulation_hlen as u32
                + full.pbuf_link_hlen as u32,
        ) as u16,
        mem_size: 16000,
        ..without_optional_features(mss, 10 * mss as u32, 12 * mss as u32, queuelen)
    }
}

/// `lwip-unit`: the TCP and memory options of lwIP's unit tests
/// (test/unit/lwipopts.h): [`lwip_test_options`] with TCP_RCV_SCALE 0. Its `LWIP_CHECKSUM_ON_COPY` is not an option of the
/// port, which sums a segment when it sends it: the bytes are the same.
pub struct LwipUnit;

port_profile!(LwipUnit, "lwip-unit", Pools<64>, lwip_test_options(0));

/// `lwip-fuzz`: the TCP and memory options of lwIP's fuzzers
/// (test/fuzz/lwipopts.h): [`lwip_test_options`] with TCP_RCV_SCALE 2,
/// TCP_OVERSIZE 1 and no TCP checksum check.
pub struct LwipFuzz;

port_profile!(
    LwipFuzz,
    "lwip-fuzz",
    Pools<64>,
    Config {
        tcp_oversize: 1,
        checksum_check_tcp: false,
        ..lwip_test_options(2)
    }
);

/// `single-pbuf`: the full profile with `LWIP_NETIF_TX_SINGLE_PBUF`
/// (tcp_write always copies, never chains a pbuf to the last unsent
/// segment, and allocates each segment's pbuf at its full size).
pub struct SinglePbuf;

port_profile!(
    SinglePbuf,
    "single-pbuf",
    Pools,
    Config {
        lwip_netif_tx_single_pbuf: true,
        ..Config::full()
    }
);

/// `no-oversize`: the full profile with `TCP_OVERSIZE` 0 (off). (With
/// `single-pbuf`, the opposite of full's choices for both options:
/// lwIP's init.c does not allow the two together.)
pub struct NoOversize;

port_profile!(
    NoOversize,
    "no-oversize",
    Pools,
    Config {
        tcp_oversize: 0,
        ..Config::full()
    }
);

/// `dual`: the full profile as a dual-stack build (LWIP_IPV4 and
/// LWIP_IPV6, lwip-c/profiles/dual): `ip_addr_t` is lwIP's union with a
/// type ([`IpAddrDual`]), the netif has an IPv6 address too, and
/// PBUF_IP_HLEN is IPv6's header (40: every segment's pbuf leaves room for
/// it, so the heap holds 20 bytes more a segment than in `full`).
pub struct Dual;

port_profile!(
    Dual,
    "dual",
    Pools<MAX_SEGS, IpAddrDual>,
    IpAddrDual,
    Config {
        pbuf_ip_hlen: 40,
        ..Config::full()
    }
);

/// `ipv6`: the dual profile without IPv4 (LWIP_IPV4 0,
/// lwip-c/profiles/ipv6): `ip_addr_t` is `ip6_addr_t` ([`Ip6Addr`]).
pub struct Ipv6;

port_profile!(
    Ipv6,
    "ipv6",
    Pools<MAX_SEGS, Ip6Addr>,
    Ip6Addr,
    Config {
        pbuf_ip_hlen: 40,
        ..Config::full()
    }
);

/// Calls `$body` with `$P` bound to the port profile named `$name`
/// (besides `full`), or evaluates `$none`: the one dispatch over the
/// port's profiles, for the engines and the tests (each of [`NAMES`] has
/// an arm: `harness/tests/rust_engine.rs` checks it).
#[macro_export]
macro_rules! with_port_profile {
    ($name:expr, $P:ident => $body:expr, _ => $none:expr) => {
        $crate::port_profile_dispatch!($name, $P, $body, $none;
            "minimal" => Minimal,
            "no-ooseq" => NoOoseq,
            "ooseq-limited" => OoseqLimited,
            "lwip-unit" => LwipUnit,
            "lwip-fuzz" => LwipFuzz,
            "single-pbuf" => SinglePbuf,
            "no-oversize" => NoOversize,
            "dual" => Dual,
            "ipv6" => Ipv6)
    };
}

/// [`with_port_profile!`]'s match.
#[doc(hidden)]
#[macro_export]
macro_rules! port_profile_dispatch {
    ($name:expr, $P:ident, $body:expr, $none:expr; $($s:literal => $T:ident),*) => {{
        use $crate::engine::profiles::*;
        match $name {
            $($s => {
                type $P = $T;
                $body
            })*
            _ => $none,
        }
    }};
}

/// The profiles `rust:NAME` takes (besides `full`).
pub const NAMES: &[&str] = &[
    "minimal",
    "no-ooseq",
    "ooseq-limited",
    "lwip-unit",
    "lwip-fuzz",
    "single-pbuf",
    "no-oversize",
    "dual",
    "ipv6",
];

/// lwIP profiles the port does not have yet, with why: `c:NAME` runs
/// them, `rust:NAME` refuses them with the reason, and `regress
/// --profiles all` (both engines' profiles) leaves them out. (None now.)
pub const C_ONLY: &[(&str, &str)] = &[];

/// Profiles whose builds have no IPv4 (LWIP_IPV4 0): an IPv4 script runs
/// there translated to IPv6 (`harness::case::for_engines`).
pub const IPV6_ONLY: &[&str] = &["ipv6"];

/// Profiles whose builds have IPv6 (LWIP_IPV6 1): where an IPv6 script
/// runs (elsewhere it is skipped, with the reason).
pub const WITH_IPV6: &[&str] = &["dual", "ipv6"];

/// Every profile both engines have (`c:NAME` and `rust:NAME`), `full`
/// first: what `regress --profiles all` runs.
pub const ALL: [&str; NAMES.len() + 1] = {
    let mut all = ["full"; NAMES.len() + 1];
    let mut i = 0;
    while i < NAMES.len() {
        all[i + 1] = NAMES[i];
        i += 1;
    }
    all
};
