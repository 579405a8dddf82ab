//! Fuzz cases back to packetdrill-dialect scripts (the inverse of
//! [`crate::from_script`] for everything a case can hold except raw
//! packets): what `tcpdiff minimize` writes, ready for `corpus/scripts/`.
//!
//! Times are written absolute. Calls are written as the socket call or the
//! raw-API line that maps back to exactly the same [`ApiCall`]; a wait is
//! `tcp_app(-1)` (a policy line that changes nothing).

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::engine::OutPacket;
use crate::model::{
    Action, ApiCall, CbAction, CbFn, CbSlot, FinPolicy, NULL_FD, NullArg, PolicyChange, RecvPolicy,
    ScenarioConfig, SentPolicy, SymOpt, SymSegment,
};
use crate::script::format_secs;
use crate::wire::{Opt, Segment, flags, flags_str, parse_options};

use super::drive::{FuzzCase, Stim};

fn err_name(v: i8) -> String {
    lwip_vocab::RawErr(v).to_string()
}

fn opt_text(o: &SymOpt) -> String {
    match o {
        SymOpt::Nop => "nop".into(),
        SymOpt::Eol => "eol".into(),
        SymOpt::Mss(v) => format!("mss {v}"),
        SymOpt::WScale(v) => format!("wscale {v}"),
        SymOpt::SackOk => "sackOK".into(),
        SymOpt::Sack(b) => {
            let b: Vec<String> = b.iter().map(|(l, r)| format!("{l}:{r}")).collect();
            format!("sack {}", b.join(" "))
        }
        SymOpt::Ts(v, e) => format!("TS val {v} ecr {e}"),
        SymOpt::TsAnyEcr(e) => format!("TS val ... ecr {e}"),
        SymOpt::WScaleAny => "wscale *".into(),
        SymOpt::Other(k, d) if d.is_empty() => format!("opt {k}"),
        SymOpt::Other(k, d) => {
            let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
            format!("opt {k} {hex}")
        }
    }
}

/// An inbound segment as a `<` line body.
pub fn segment_text(s: &SymSegment, remote_port: u16) -> String {
    let mut t = String::from("<");
    if s.flow != 0 {
        // The flow label: an IPv6 field (a script states it only there).
        let _ = write!(
            t,
            " [tos {:#04x}, ttl {}, flowlabel {:#x}]",
            s.tos, s.ttl, s.flow
        );
    } else if s.tos != 0 || s.ttl != 64 {
        let _ = write!(t, " [tos {:#04x}, ttl {}]", s.tos, s.ttl);
    }
    if let Some(p) = s.local_port {
        let _ = write!(t, " {} > {p}", s.remote_port.unwrap_or(remote_port));
    }
    let _ = write!(
        t,
        " {} {}:{}({})",
        flags_str(s.flags),
        s.seq,
        u64::from(s.seq) + u64::from(s.len),
        s.len
    );
    if let Some(a) = s.ack
        && s.flags & flags::ACK != 0
    {
        let _ = write!(t, " ack {a}");
    }
    let _ = write!(t, " win {}", s.win);
    if !s.options.is_empty() {
        let o: Vec<String> = s.options.iter().map(opt_text).collect();
        let _ = write!(t, " <{}>", o.join(","));
    }
    t
}

/// A descriptor as a script writes it ([`NULL_FD`]: `NULL`).
fn fd_text(fd: i32) -> String {
    if fd == NULL_FD {
        "NULL".into()
    } else {
        fd.to_string()
    }
}

/// An API call as a script line body.
pub fn call_text(c: &ApiCall) -> String {
    match c {
        ApiCall::Socket => "socket(..., SOCK_STREAM, IPPROTO_TCP)".into(),
        ApiCall::Bind { fd, ip, port } => match ip {
            lwip_vocab::IpAddr::V4(_) => format!(
                "bind({fd}, {{sa_family=AF_INET, sin_port=htons({port}), sin_addr=inet_addr(\"{ip}\")}}, 16)"
            ),
            lwip_vocab::IpAddr::V6(_) => format!(
                "bind({fd}, {{sa_family=AF_INET6, sin6_port=htons({port}), sin6_addr=inet6_addr(\"{ip}\")}}, 28)"
            ),
            lwip_vocab::IpAddr::Any => format!("tcp_bind({fd}, IP_ANY_TYPE, {port})"),
        },
        ApiCall::Listen {
            fd,
            backlog,
            with_err: true,
        } => format!("listen({fd}, {backlog})"),
        ApiCall::Listen {
            fd,
            backlog,
            with_err: false,
        } => format!("tcp_listen_with_backlog({fd}, {backlog})"),
        ApiCall::Tmr => "tcp_tmr()".into(),
        ApiCall::Accept { fd } => format!("accept({fd}, ..., ...)"),
        ApiCall::Connect { fd } => format!("connect({fd}, ..., ...)"),
        ApiCall::Write {
            fd,
            len,
            copy: true,
            more: false,
            output: true,
        } => format!("write({fd}, ..., {len})"),
        ApiCall::Write {
            fd,
            len,
            copy,
            more,
            output,
        } => {
            let mut f = Vec::new();
            if *copy {
                f.push("COPY");
            }
            if *more {
                f.push("MORE");
            }
            let f = if f.is_empty() {
                "0".into()
            } else {
                f.join("|")
            };
            let mut s = format!("tcp_write({fd}, {len}, {f})");
            if *output {
                // write() is tcp_write then tcp_output; one line each.
                s.push_str(&format!("\n{{TIME}} tcp_output({fd})"));
            }
            s
        }
        ApiCall::Output { fd } => format!("tcp_output({fd})"),
        ApiCall::Read { fd, len } => format!("read({fd}, ..., {len})"),
        ApiCall::Recved { fd, len } => format!("tcp_recved({fd}, {len})"),
        ApiCall::Close { fd } => format!("close({fd})"),
        ApiCall::Shutdown { fd, rx, tx } => {
            format!("tcp_shutdown({fd}, {}, {})", u8::from(*rx), u8::from(*tx))
        }
        ApiCall::Abort { fd } => format!("tcp_abort({fd})"),
        ApiCall::Nagle { fd, disable: true } => format!("tcp_nagle_disable({fd})"),
        ApiCall::Nagle { fd, disable: false } => format!("tcp_nagle_enable({fd})"),
        ApiCall::Keepalive {
            fd,
            enable,
            idle_ms,
            intvl_ms,
            cnt,
        } => {
            // tcp_keepalive sets all four; missing values are the socket
            // layer's current ones, which a fuzz case never leaves unset.
            let (i, v, n) = crate::engine::sockets::KEEP_DEFAULTS;
            format!(
                "tcp_keepalive({fd}, {}, {}, {}, {})",
                u8::from(enable.unwrap_or(false)),
                idle_ms.unwrap_or(i),
                intvl_ms.unwrap_or(v),
                cnt.unwrap_or(n)
            )
        }
        ApiCall::SetPrio { fd, prio } => format!("tcp_setprio({fd}, {prio})"),
        ApiCall::Poll { fd, interval } => format!("tcp_poll({fd}, {interval})"),
        ApiCall::Backlog { fd, delayed: true } => format!("tcp_backlog_delayed({fd})"),
        ApiCall::Backlog { fd, delayed: false } => format!("tcp_backlog_accepted({fd})"),
        ApiCall::TxNow => "tcp_txnow()".into(),
        ApiCall::SndBuf { fd } => format!("tcp_sndbuf({fd})"),
        ApiCall::SndQueuelen { fd } => format!("tcp_sndqueuelen({fd})"),
        ApiCall::BindNetif { fd, bound } => {
            format!(
                "tcp_bind_netif({fd}, {})",
                if *bound { "netif" } else { "NULL" }
            )
        }
        ApiCall::NewIpType { ty } => format!("tcp_new_ip_type({ty})"),
        ApiCall::AddrInfo { fd, local } => {
            format!("tcp_tcp_get_tcp_addrinfo({fd}, {})", u8::from(*local))
        }
        ApiCall::SetCallback { fd, slot, to } => {
            let name = match slot {
                CbSlot::Recv => "tcp_recv",
                CbSlot::Sent => "tcp_sent",
                CbSlot::Err => "tcp_err",
                CbSlot::Accept => "tcp_accept",
            };
            let f = match to {
                CbFn::Null => "NULL",
                CbFn::App => "app",
                CbFn::AcceptNull => "tcp_accept_null",
            };
            format!("{name}({fd}, {f})")
        }
        ApiCall::NetifSetIpaddr { ip } => {
            format!(
                "netif_set_ipaddr(\"{}.{}.{}.{}\")",
                ip[0], ip[1], ip[2], ip[3]
            )
        }
        ApiCall::NullArg { fd, arg } => {
            let fd = fd_text(*fd);
            match arg {
                NullArg::BindAddr { port } => format!("tcp_bind({fd}, NULL, {port})"),
                NullArg::ConnectAddr => format!("tcp_connect({fd}, NULL, ..., app)"),
                NullArg::ConnectedFn => format!("tcp_connect({fd}, ..., ..., NULL)"),
                NullArg::WriteData { len } => format!("tcp_write({fd}, NULL, {len}, COPY)"),
                NullArg::AddrInfo { local, addr, port } => {
                    let p = |b: bool| if b { "..." } else { "NULL" };
                    format!(
                        "tcp_tcp_get_tcp_addrinfo({fd}, {}, {}, {})",
                        u8::from(*local),
                        p(*addr),
                        p(*port)
                    )
                }
            }
        }
        ApiCall::RecvNull { fd, err } => {
            format!("tcp_recv_null({}, NULL, {})", fd_text(*fd), err_name(*err))
        }
        ApiCall::ProcessRefusedDataNull => "tcp_process_refused_data(NULL)".into(),
        ApiCall::PcbPurgeNull => "tcp_pcb_purge(NULL)".into(),
        ApiCall::Nop { .. } => "tcp_app(-1)".into(),
        ApiCall::Policy { fd, change } => {
            let kv = match change {
                PolicyChange::Recv(r) => format!(
                    "recv={}",
                    match r {
                        RecvPolicy::Defer => "DEFER",
                        RecvPolicy::Consume => "CONSUME",
                        RecvPolicy::Refuse => "REFUSE",
                        RecvPolicy::Abort => "ABORT",
                    }
                ),
                PolicyChange::Fin(FinPolicy::Keep) => "fin=KEEP".into(),
                PolicyChange::Fin(FinPolicy::Close) => "fin=CLOSE".into(),
                PolicyChange::Fin(FinPolicy::Abort) => "fin=ABORT".into(),
                PolicyChange::Sent(SentPolicy::Write(0)) => "sent=NOTHING".into(),
                PolicyChange::Sent(SentPolicy::Write(n)) => format!("sent=WRITE({n})"),
                PolicyChange::Sent(SentPolicy::Abort) => "sent=ABORT".into(),
                PolicyChange::Connected(a) => format!("connected={}", cb_action(*a)),
                PolicyChange::Poll(a) => format!("poll={}", cb_action(*a)),
                PolicyChange::AcceptReturns(e) => format!("accept={}", err_name(*e)),
            };
            format!("tcp_app({fd}, {kv})")
        }
    }
}

fn cb_action(a: CbAction) -> String {
    match a {
        CbAction::Nothing => "NOTHING".into(),
        CbAction::Close => "CLOSE".into(),
        CbAction::Abort => "ABORT".into(),
        CbAction::Connect(0) => "CONNECT".into(),
        CbAction::Connect(port) => format!("CONNECT({port})"),
    }
}

/// A raw inbound packet as a line body.
pub fn raw_text(b: &[u8]) -> String {
    format!("< raw \"{}\"", crate::script::hex(b))
}

/// An action as a line body (`{TIME}` stands for the time column of a
/// continuation line).
pub fn action_text(a: &Action) -> String {
    match a {
        Action::Inbound(s) => segment_text(s, ScenarioConfig::default().remote_port),
        Action::InboundRaw(b) => raw_text(b),
        Action::Call { call, .. } => call_text(call),
        Action::Expect(_) => "> (expectation)".into(),
        Action::Wait => "tcp_app(-1)".into(),
    }
}

/// An emitted packet as a `>` line body, numbers relative to the ISNs
/// (`local_isn` None: absolute).
pub fn outbound_text(p: &OutPacket, local_isn: Option<u32>, remote_isn: u32) -> Option<String> {
    let s = Segment::decode(&p.bytes)?;
    let rel = s.seq.wrapping_sub(local_isn.unwrap_or(0));
    let mut t = format!(
        "> {} {}:{}({})",
        flags_str(s.flags),
        rel,
        u64::from(rel) + s.payload.len() as u64,
        s.payload.len()
    );
    if s.flags & flags::ACK != 0 {
        let _ = write!(t, " ack {}", s.ack.wrapping_sub(remote_isn));
    }
    let _ = write!(t, " win {}", s.wnd);
    let opts = parse_options(&s.options);
    let mut parts = Vec::new();
    for o in &opts {
        parts.push(match o {
            Opt::Eol(_) => "eol".to_string(),
            Opt::Sack(b) => {
                let b: Vec<String> = b
                    .iter()
                    .map(|(l, r)| {
                        format!(
                            "{}:{}",
                            l.wrapping_sub(remote_isn),
                            r.wrapping_sub(remote_isn)
                        )
                    })
                    .collect();
                format!("sack {}", b.join(" "))
            }
            other => other.to_string(),
        });
    }
    if !parts.is_empty() {
        let _ = write!(t, " <{}>", parts.join(","));
    }
    Some(t)
}

/// Script options for a configuration (only those not at their default).
fn config_options(c: &ScenarioConfig) -> Vec<String> {
    let d = ScenarioConfig::default();
    let mut v = Vec::new();
    if c.is_ipv6() {
        v.push("--ip_version=ipv6".to_string());
    }
    if c.local_ip != d.local_ip && c.local_ip != IpAddr::V6(crate::model::IPV6_LOCAL) {
        v.push(format!("--local_ip={}", c.local_ip));
    }
    if c.remote_ip != d.remote_ip && c.remote_ip != IpAddr::V6(crate::model::IPV6_REMOTE) {
        v.push(format!("--remote_ip={}", c.remote_ip));
    }
    if c.remote_port != d.remote_port {
        v.push(format!("--remote_port={}", c.remote_port));
    }
    if c.mtu != d.mtu {
        v.push(format!("--mtu={}", c.mtu));
    }
    if c.seed != d.seed {
        v.push(format!("--seed={}", c.seed));
    }
    if c.remote_isn != d.remote_isn {
        v.push(format!("--remote_isn={}", c.remote_isn));
    }
    if c.tolerance_us != d.tolerance_us {
        v.push(format!("--tolerance_usecs={}", c.tolerance_us));
    }
    v
}

/// Outbound expectations to interleave: for each step, the `>` lines for
/// the packets sent while time advanced to it (before its line) and those
/// sent in answer to it (after).
pub type Expectations = Vec<(Vec<(u64, String)>, Vec<(u64, String)>)>;

/// The case as a script (a raw packet becomes a `< raw "..."` line).
/// `header`: comment lines (without `//`). `expect`: `>` lines to add
/// (None: `--unchecked_outbound`, no `>` lines).
pub fn script_text(
    case: &FuzzCase,
    header: &[String],
    expect: Option<&Expectations>,
) -> Result<String, String> {
    let mut out = String::new();
    for h in header {
        if h.is_empty() {
            out.push_str("//\n");
        } else {
            let _ = writeln!(out, "// {h}");
        }
    }
    let mut opts = config_options(&case.config);
    if expect.is_none() {
        opts.push(format!("--{}", crate::replay::UNCHECKED_OUTBOUND));
    }
    for o in &opts {
        let _ = writeln!(out, "{o}");
    }
    let remote_port = case.config.remote_port;
    let put = |out: &mut String, lines: &[(u64, String)]| {
        for (t, l) in lines {
            let _ = writeln!(out, "{} {l}", format_secs(*t as i64));
        }
    };
    for (i, s) in case.steps.iter().enumerate() {
        if let Some(e) = expect.and_then(|e| e.get(i)) {
            put(&mut out, &e.0);
        }
        let t = format_secs(s.at_us as i64);
        let body = match &s.stim {
            // A packet no segment line can say (a bad checksum, a short
            // header...) goes in as it is.
            Stim::Raw(p) => raw_text(p),
            Stim::Model(Action::Inbound(seg)) => segment_text(seg, remote_port),
            Stim::Model(Action::Expect(_)) => continue,
            Stim::Model(other) => action_text(other),
        };
        let _ = writeln!(out, "{t} {}", body.replace("{TIME}", &t));
        if let Some(e) = expect.and_then(|e| e.get(i)) {
            put(&mut out, &e.1);
        }
    }
    Ok(out)
}
