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
use tcp_rust::storage::Pools;

use super::rust::PortProfile;

/// `minimal`: the full profile with no window scaling, timestamps, SACK,
/// keepalive options or listen backlog, and TCP_MSS 536.
pub struct Minimal;

impl Profile for Minimal {
    const CONFIG: Config = {
        let mss = 536u16;
        let wnd = 4 * mss as u32;
        let snd_buf = 2 * mss as u32;
        // TCP_SND_QUEUELEN: (4 * TCP_SND_BUF + (TCP_MSS - 1)) / TCP_MSS.
        let queuelen = (4 * snd_buf).div_ceil(mss as u32) as u16;
        Config {
            tcp_mss: mss,
            tcp_wnd: wnd,
            tcp_snd_buf: snd_buf,
            tcp_snd_queuelen: queuelen,
            tcp_sndlowat: tcp_sndlowat_default(snd_buf, mss),
            tcp_sndqueuelowat: tcp_sndqueuelowat_default(queuelen),
            tcp_wnd_update_threshold: tcp_wnd_update_threshold_default(wnd, mss),
            tcp_oversize: mss,
            lwip_wnd_scale: false,
            tcp_rcv_scale: 0,
            lwip_tcp_sack_out: false,
            lwip_tcp_timestamps: false,
            lwip_tcp_keepalive: false,
            tcp_listen_backlog: false,
            ..Config::full()
        }
    };
    type Storage = Pools;
}

impl PortProfile for Minimal {
    const NAME: &'static str = "minimal";
}

/// `no-ooseq`: the full profile with `TCP_QUEUE_OOSEQ` 0 (and so no
/// `LWIP_TCP_SACK_OUT`).
pub struct NoOoseq;

impl Profile for NoOoseq {
    const CONFIG: Config = Config {
        tcp_queue_ooseq: false,
        lwip_tcp_sack_out: false,
        ..Config::full()
    };
    type Storage = Pools;
}

impl PortProfile for NoOoseq {
    const NAME: &'static str = "no-ooseq";
}

/// `ooseq-limited`: the full profile with the out-of-order queue limited
/// to 2920 bytes and 4 pbufs per pcb (large segments reach the byte
/// limit first, small ones the pbuf limit).
pub struct OoseqLimited;

impl Profile for OoseqLimited {
    const CONFIG: Config = Config {
        tcp_ooseq_max_bytes: 2920,
        tcp_ooseq_max_pbufs: 4,
        ..Config::full()
    };
    type Storage = Pools;
}

impl PortProfile for OoseqLimited {
    const NAME: &'static str = "ooseq-limited";
}

/// The profiles `rust:NAME` takes (besides `full`).
pub const NAMES: &[&str] = &["minimal", "no-ooseq", "ooseq-limited"];
