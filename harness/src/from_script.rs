//! From a parsed packetdrill-dialect script to a [`Scenario`]: times made
//! absolute, packet lines made symbolic segments and expectations, socket
//! calls mapped onto lwIP's raw API (see docs/script-dialect.md, "Meaning
//! on lwIP"). Lines with no lwIP meaning give a warning with file:line and
//! are skipped where that is safe; where the run would be meaningless they
//! are an error.

use std::fmt;
use std::net::IpAddr;

use lwip_vocab::Err as LwipErr;

use crate::model::{
    Action, ApiCall, CbAction, CbFn, CbSlot, Expected, FinPolicy, NULL_FD, NullArg, OutExpect,
    PolicyChange, RecvPolicy, Scenario, ScenarioConfig, SentPolicy, Step, SymOpt, SymSegment,
    TosExpect,
};
use crate::script::{
    Call, Direction, EventKind, Expr, Packet, Script, TcpOption, TcpOptions, Time, Warning,
};

/// A script line that cannot be run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapError {
    /// File.
    pub file: String,
    /// Line.
    pub line: u32,
    /// Column.
    pub col: u32,
    /// Why.
    pub message: String,
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

impl std::error::Error for MapError {}

/// packetdrill's default local port for bind() (its --bind_port).
pub const DEFAULT_BIND_PORT: u16 = 8080;

struct Mapper<'a> {
    script: &'a Script,
    warnings: Vec<Warning>,
    line: u32,
    col: u32,
    bind_port: u16,
    /// The scenario's version's unspecified address (`bind` to any).
    any_ip: IpAddr,
}

impl Mapper<'_> {
    fn err(&self, message: impl Into<String>) -> MapError {
        MapError {
            file: self.script.path.clone(),
            line: self.line,
            col: self.col,
            message: message.into(),
        }
    }

    fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(Warning {
            file: self.script.path.clone(),
            line: self.line,
            col: self.col,
            message: message.into(),
        });
    }
}

/// An address option's value: IPv4 or IPv6 (packetdrill also takes a
/// prefix length after `/`, which the netif's fixed /24 ignores).
fn parse_ip(s: &str) -> Option<IpAddr> {
    s.split('/').next()?.parse().ok()
}

/// Converts a script. Warnings are returned alongside.
pub fn to_scenario(script: &Script) -> Result<(Scenario, Vec<Warning>), MapError> {
    let mut m = Mapper {
        script,
        warnings: Vec::new(),
        line: 0,
        col: 0,
        bind_port: DEFAULT_BIND_PORT,
        any_ip: IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
    };
    let (mut local_set, mut remote_set, mut ipv6) = (false, false, false);
    let mut config = ScenarioConfig::default();
    let mut profiles: Vec<String> = Vec::new();
    for (k, v) in &script.options {
        let val = v.as_deref().unwrap_or("");
        let num = || {
            val.parse::<u64>()
                .map_err(|_| m.err(format!("--{k}: expected a number, found '{val}'")))
        };
        match k.as_str() {
            "tolerance_usecs" => config.tolerance_us = num()?,
            "local_ip" => {
                config.local_ip = parse_ip(val).ok_or_else(|| {
                    m.err(format!("--local_ip: not an IPv4 or IPv6 address: {val}"))
                })?;
                local_set = true;
            }
            "remote_ip" => {
                config.remote_ip = parse_ip(val).ok_or_else(|| {
                    m.err(format!("--remote_ip: not an IPv4 or IPv6 address: {val}"))
                })?;
                remote_set = true;
            }
            "mtu" => config.mtu = num()? as u16,
            "seed" => config.seed = num()?,
            "remote_isn" => config.remote_isn = num()? as u32,
            "remote_port" => config.remote_port = num()? as u16,
            "bind_port" => m.bind_port = num()? as u16,
            "unchecked_outbound" => config.unchecked_outbound = true,
            // packetdrill's address family. IPv6 runs on lwIP builds with
            // LWIP_IPV6 (profiles dual, ipv6).
            "ip_version" => match val {
                "ipv4" => ipv6 = false,
                "ipv6" => ipv6 = true,
                "ipv4-mapped-ipv6" => {
                    return Err(m.err(
                        "--ip_version=ipv4-mapped-ipv6: lwIP has no IPv4-mapped IPv6 addresses (ip6_input drops them; a dual-stack pcb takes IPv4 as IPv4: write the script for ipv4 and IP_ANY_TYPE)",
                    ));
                }
                _ => {
                    return Err(m.err(format!(
                        "--ip_version={val}: expected ipv4, ipv6 or ipv4-mapped-ipv6"
                    )));
                }
            },
            // Definitions are the parser's (script::parse_with_defines):
            // their names were replaced by their values.
            "define" => {}
            "profiles" => {
                profiles = val
                    .split(',')
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty())
                    .collect();
                if profiles.is_empty() {
                    return Err(
                        m.err("--profiles: expected profile names, as --profiles=full,minimal")
                    );
                }
            }
            _ => m.warn(format!("option --{k} has no meaning on lwIP; ignored")),
        }
    }
    if ipv6 {
        if !local_set {
            config.local_ip = IpAddr::V6(crate::model::IPV6_LOCAL);
        }
        if !remote_set {
            config.remote_ip = IpAddr::V6(crate::model::IPV6_REMOTE);
        }
    }
    for (what, a) in [
        ("--local_ip", config.local_ip),
        ("--remote_ip", config.remote_ip),
    ] {
        if a.is_ipv6() != ipv6 {
            return Err(m.err(format!(
                "{what}={a}: not an {} address, as --ip_version={} says",
                if ipv6 { "IPv6" } else { "IPv4" },
                if ipv6 { "ipv6" } else { "ipv4" }
            )));
        }
    }
    m.any_ip = config.any_ip();
    if let Some(c) = &script.init_command {
        m.warn(format!("shell command `{c}` skipped (no lwIP meaning)"));
    }
    let mut steps = Vec::new();
    let mut now: u64 = 0;
    for ev in &script.events {
        m.line = ev.line;
        m.col = ev.col;
        let source = crate::script::event_to_string(ev);
        let (at, window) = match ev.time {
            Time::Absolute(t) => (t.max(0) as u64, None),
            Time::Relative(d) => ((now as i64 + d).max(0) as u64, None),
            Time::Any => (now, Some((0, u64::MAX))),
            Time::Range {
                start,
                end,
                relative,
            } => {
                let base = if relative { now as i64 } else { 0 };
                let (s, e) = ((base + start).max(0) as u64, (base + end).max(0) as u64);
                (e, Some((s, e)))
            }
        };
        if at < now {
            return Err(m.err(format!(
                "time goes backwards ({} µs before the previous line)",
                now - at
            )));
        }
        now = at;
        let actions: Vec<Action> = match &ev.kind {
            EventKind::Packet(p) => vec![packet(&mut m, p, at, window, &config)?],
            EventKind::Raw(b) => vec![Action::InboundRaw(b.clone())],
            EventKind::Call(c) => call(&mut m, c)?,
            EventKind::Command(c) => {
                m.warn(format!("shell command `{c}` skipped (no lwIP meaning)"));
                vec![]
            }
            EventKind::Code(_) => {
                m.warn("python block skipped (no lwIP meaning)");
                vec![]
            }
            EventKind::Udp(_) | EventKind::Icmp(_) => {
                return Err(m.err(
                    "UDP and ICMP packets cannot be injected: tcpdiff drives lwIP's TCP only \
                     (its lwIP builds have LWIP_UDP and LWIP_ICMP off)",
                ));
            }
        };
        if actions.is_empty() {
            steps.push(Step {
                at_us: at,
                line: ev.line,
                source: source.clone(),
                action: Action::Wait,
            });
        }
        for action in actions {
            steps.push(Step {
                at_us: at,
                line: ev.line,
                source: source.clone(),
                action,
            });
        }
    }
    if let Some(c) = &script.cleanup_command {
        m.warn(format!("shell command `{c}` skipped (no lwIP meaning)"));
    }
    Ok((
        Scenario {
            name: script.path.clone(),
            config,
            steps,
            profiles,
        },
        m.warnings,
    ))
}

/// TCP Fast Open (RFC 7413): kind 34, then the cookie.
const TCPOPT_FASTOPEN: u8 = 34;
/// The experimental option kind (RFC 6994), which packetdrill's `FOEXP`
/// uses with the TFO magic.
const TCPOPT_EXP: u8 = 254;
/// TFO's experiment identifier before RFC 7413 (packetdrill's
/// TCPOPT_FASTOPEN_MAGIC).
const TCPOPT_FASTOPEN_MAGIC: u16 = 0xF989;
/// AccECN's options (RFC 9768): order 0 and order 1.
const TCPOPT_ACCECN0: u8 = 172;
const TCPOPT_ACCECN1: u8 = 174;
/// The experimental AccECN options' ExIDs (the FreeBSD-oriented
/// packetdrill's tcp_options.h, after draft-ietf-tcpm-accurate-ecn-20).
const ACCECN0_EXID: u16 = 0xACC0;
const ACCECN1_EXID: u16 = 0xACC1;
/// TCP ACK Rate Request's ExID (the same file).
const TARR_EXID: u16 = 0x00AC;
/// TCP MD5 signature (RFC 2385): kind 19, then the digest.
const TCPOPT_MD5SIG: u8 = 19;

fn sym_opts(m: &Mapper, opts: &[TcpOption]) -> Result<Vec<SymOpt>, MapError> {
    opts.iter()
        .map(|o| {
            Ok(match o {
                TcpOption::Nop => SymOpt::Nop,
                TcpOption::Eol => SymOpt::Eol,
                TcpOption::Mss(v) => SymOpt::Mss(*v),
                TcpOption::WScale(v) => SymOpt::WScale(*v),
                TcpOption::SackOk => SymOpt::SackOk,
                TcpOption::Sack(b) => SymOpt::Sack(b.clone()),
                TcpOption::Timestamp { val, ecr } => SymOpt::Ts(*val, *ecr),
                // The harness's TS values are absolute already: `ecr N!`
                // is `ecr N`.
                TcpOption::TimestampMarked {
                    val: Some(val),
                    ecr,
                    ..
                } => SymOpt::Ts(*val, *ecr),
                TcpOption::TimestampMarked { val: None, ecr, .. } => SymOpt::TsAnyEcr(*ecr),
                TcpOption::Generic { kind, data } => SymOpt::Other(*kind, data.clone()),
                // Options lwIP does not implement go on the wire as bytes,
                // as packetdrill writes them (lwIP skips what it does not
                // know; a `>` line with one matches it as bytes).
                TcpOption::FastOpen(cookie) => SymOpt::Other(TCPOPT_FASTOPEN, cookie.clone()),
                TcpOption::FastOpenExp(cookie) => {
                    let mut data = TCPOPT_FASTOPEN_MAGIC.to_be_bytes().to_vec();
                    data.extend_from_slice(cookie);
                    SymOpt::Other(TCPOPT_EXP, data)
                }
                TcpOption::Md5(digest) => SymOpt::Other(TCPOPT_MD5SIG, digest.clone()),
                // AccECN (RFC 9768), which lwIP does not implement: the
                // counters, 24 bits each, in the order written.
                TcpOption::AccEcnCounters { name, fields } if name != "AccECNEXP" => {
                    let counters = fields
                        .iter()
                        .flat_map(|(_, v)| v.to_be_bytes()[1..].to_vec());
                    let exp = |exid: u16| exid.to_be_bytes().into_iter().chain(counters.clone());
                    match name.as_str() {
                        "AccECN1" => SymOpt::Other(TCPOPT_ACCECN1, counters.collect()),
                        "exp-AccECN0" => SymOpt::Other(TCPOPT_EXP, exp(ACCECN0_EXID).collect()),
                        "exp-AccECN1" => SymOpt::Other(TCPOPT_EXP, exp(ACCECN1_EXID).collect()),
                        _ => SymOpt::Other(TCPOPT_ACCECN0, counters.collect()),
                    }
                }
                // TCP ACK Rate Request (draft-gomez-tcpm-ack-rate-request):
                // the ExID, then the rate in the upper 11 bits of 16.
                TcpOption::ExpTarr(rate) => {
                    let mut data = TARR_EXID.to_be_bytes().to_vec();
                    if let Some(r) = rate {
                        data.extend_from_slice(&(r << 5).to_be_bytes());
                    }
                    SymOpt::Other(TCPOPT_EXP, data)
                }
                TcpOption::AccEcnCounters { .. } => {
                    return Err(m.err(
                        "AccECNEXP (the AccECN fork's experimental option): lwIP has no AccECN, \
                         and tcpdiff does not know that option's layout; write AccECN0/AccECN1 \
                         or 'opt 254 HEX'",
                    ));
                }
                TcpOption::WScaleAny => SymOpt::WScaleAny,
                TcpOption::AccEcn(_) => {
                    return Err(m.err(
                        "'ECN ...': lwIP has no AccECN, and this spelling names no option kind; \
                         write AccECN0/AccECN1 (kinds 172/174) or 'opt KIND HEX'",
                    ));
                }
            })
        })
        .collect()
}

fn packet(
    m: &mut Mapper,
    p: &Packet,
    at: u64,
    window: Option<(u64, u64)>,
    config: &ScenarioConfig,
) -> Result<Action, MapError> {
    let tol = config.tolerance_us;
    if p.udp_encaps.is_some() {
        return Err(
            m.err("TCP over UDP ('/udp(sport > dport)'): lwIP has no TCP-over-UDP encapsulation")
        );
    }
    let flags = (p.flags.bits & 0xff) as u8;
    if p.flags.ace.is_some() || p.flags.bits > 0xff {
        return Err(m.err("AccECN flags are not supported by lwIP"));
    }
    let flow_spec = p.ip.as_ref().and_then(|ip| ip.flow_label);
    if flow_spec.is_some() && !m.any_ip.is_ipv6() {
        return Err(m.err(
            "'flowlabel' is an IPv6 header field, and this script is IPv4 (--ip_version=ipv6 makes it IPv6)",
        ));
    }
    let tos_spec = p.ip.as_ref().and_then(|ip| ip.tos);
    let ttl_spec = p.ip.as_ref().and_then(|ip| ip.ttl);
    // The byte an inbound packet carries (ect01 is outbound only: the
    // parser refuses it inbound).
    let tos = tos_spec.map_or(0, |t| tos_expect(t).value);
    let ttl = ttl_spec.unwrap_or(64);
    match p.direction {
        Direction::In => {
            let (seq, len) = match p.seq {
                Some(s) if s.unchecked => {
                    return Err(m.err(
                        "an inbound packet needs its sequence numbers ('...(len)' is for outbound lines)",
                    ));
                }
                // `!`: absolute; the resolver adds the peer's ISN.
                Some(s) if s.absolute => (s.start.wrapping_sub(config.remote_isn), s.len),
                Some(s) => (s.start, s.len),
                None => return Err(m.err("an inbound packet needs start:end(len)")),
            };
            let options = match &p.options {
                None => vec![],
                Some(TcpOptions::List(l)) => {
                    let o = sym_opts(m, l)?;
                    if o.iter().any(|x| matches!(x, SymOpt::TsAnyEcr(..))) {
                        return Err(m.err(
                            "an inbound packet needs its TS value ('TS val ...' is for outbound lines)",
                        ));
                    }
                    if o.contains(&SymOpt::WScaleAny) {
                        return Err(m.err(
                            "an inbound packet needs its shift count ('wscale *' is for outbound lines)",
                        ));
                    }
                    o
                }
                Some(TcpOptions::Wildcard) => {
                    return Err(m.err("<...> cannot be injected: list the options"));
                }
            };
            if window.is_some() {
                return Err(m.err("an inbound packet needs an exact time"));
            }
            Ok(Action::Inbound(SymSegment {
                flags,
                seq,
                len,
                ack: p.ack,
                win: p.win.unwrap_or(65535),
                options,
                local_port: p.ports.map(|(_, d)| d),
                remote_port: p.ports.map(|(s, _)| s),
                tos,
                ttl,
                flow: flow_spec.unwrap_or(0),
            }))
        }
        Direction::Out => {
            let options = match &p.options {
                None => Some(vec![]),
                Some(TcpOptions::Wildcard) => None,
                Some(TcpOptions::List(l)) => Some(sym_opts(m, l)?),
            };
            Ok(Action::Expect(OutExpect {
                flags,
                seq: p.seq.filter(|s| !s.unchecked).map(|s| (s.start, s.len)),
                seq_absolute: p.seq.is_some_and(|s| s.absolute),
                len: p.seq.filter(|s| s.unchecked).map(|s| s.len),
                ack: p.ack,
                win: p.win,
                options,
                window_us: window.unwrap_or((at.saturating_sub(tol), at.saturating_add(tol))),
                remote_port: p.ports.map(|(_, d)| d),
                tos: tos_spec.map(tos_expect),
                ttl: ttl_spec,
                flow: flow_spec,
            }))
        }
    }
}

/// A TOS annotation as the bits it sets (inbound) or checks (outbound):
/// an ECN codepoint the ECN field (RFC 3168: noecn 0, ect1 1, ect0 2, ce
/// 3), `tos`/`class` the whole byte, `dscp` the upper six bits.
fn tos_expect(t: crate::script::TosSpec) -> TosExpect {
    use crate::script::TosSpec as T;
    let (mask, value, ect01) = match t {
        T::NoEcn => (0x03, 0, false),
        T::Ect1 => (0x03, 1, false),
        T::Ect0 => (0x03, 2, false),
        T::Ce => (0x03, 3, false),
        T::Ect01 => (0, 0, true),
        T::Tos(v) => (0xff, v, false),
        T::Dscp(d) => (0xfc, d << 2, false),
        T::DscpEcn(d, c) => (0xff, d << 2 | (c & 3), false),
        T::DscpEct01(d) => (0xfc, d << 2, true),
    };
    TosExpect { mask, value, ect01 }
}

fn int(m: &Mapper, e: Option<&Expr>, what: &str) -> Result<i64, MapError> {
    match e {
        Some(Expr::Int(v)) => Ok(*v),
        Some(Expr::Hex(v)) => {
            i64::try_from(*v).map_err(|_| m.err(format!("{what}: value too large")))
        }
        Some(Expr::Array(a)) if a.len() == 1 => int(m, a.first(), what),
        _ => Err(m.err(format!("{what}: expected a number"))),
    }
}

/// The raw-API calls whose lwIP function checks its pcb argument for NULL
/// (`LWIP_ERROR(..., pcb != NULL, ...)` or `if (pcb != NULL)`): the only
/// ones a script may give `NULL` for the descriptor.
const NULL_PCB_CALLS: &[&str] = &[
    "tcp_close",
    "tcp_shutdown",
    "tcp_abort",
    "tcp_bind",
    "tcp_listen",
    "tcp_listen_with_backlog",
    "tcp_listen_with_backlog_and_err",
    "tcp_recved",
    "tcp_connect",
    "tcp_setprio",
    "tcp_poll",
    "tcp_write",
    "tcp_recv",
    "tcp_sent",
    "tcp_err",
    "tcp_accept",
    "tcp_tcp_get_tcp_addrinfo",
    "tcp_recv_null",
];

fn fd(m: &Mapper, c: &Call) -> Result<i32, MapError> {
    if is_null(c.args.first()) {
        if NULL_PCB_CALLS.contains(&c.name.as_str()) {
            return Ok(NULL_FD);
        }
        return Err(m.err(format!(
            "{}: NULL is not a pcb this call checks for (lwIP would dereference it); \
             NULL is allowed for {}",
            c.name,
            NULL_PCB_CALLS.join(", ")
        )));
    }
    int(m, c.args.first(), "the descriptor").map(|v| v as i32)
}

fn is_null(e: Option<&Expr>) -> bool {
    e.and_then(Expr::as_word) == Some("NULL")
}

fn find_htons(e: &Expr) -> Option<u16> {
    match e {
        Expr::Call(n, a) if n == "htons" => a.first().and_then(Expr::as_int).map(|v| v as u16),
        Expr::Call(_, a) | Expr::Array(a) | Expr::Struct(a) | Expr::Or(a) => {
            a.iter().find_map(find_htons)
        }
        Expr::Assign(_, v) => find_htons(v),
        _ => None,
    }
}

/// The string in `inet_addr("a.b.c.d")` anywhere in a sockaddr struct.
fn find_inet_addr(e: &Expr) -> Option<String> {
    match e {
        Expr::Call(n, a) if n == "inet_addr" || n == "inet6_addr" => match a.first() {
            Some(Expr::Str(s)) => Some(s.clone()),
            _ => None,
        },
        Expr::Call(_, a) | Expr::Array(a) | Expr::Struct(a) | Expr::Or(a) => {
            a.iter().find_map(find_inet_addr)
        }
        Expr::Assign(_, v) => find_inet_addr(v),
        _ => None,
    }
}

/// An IPv4 address in dotted form or an IPv6 address.
fn ip_any_version(m: &Mapper, s: &str, what: &str) -> Result<IpAddr, MapError> {
    s.parse::<IpAddr>()
        .map_err(|_| m.err(format!("{what}: \"{s}\" is not an IPv4 or IPv6 address")))
}

fn err_name(e: &Expr) -> Option<i8> {
    e.as_word()
        .and_then(LwipErr::from_name)
        .map(LwipErr::as_raw)
}

fn expected(m: &Mapper, c: &Call) -> Result<Option<Expected>, MapError> {
    Ok(match &c.ret {
        None => None,
        Some(Expr::Ellipsis) => Some(Expected::Any),
        Some(e) => {
            if let Some(v) = err_name(e) {
                Some(Expected::Err(v))
            } else if let Some(v) = e.as_int() {
                // connect() on a non-blocking socket: EINPROGRESS is lwIP's ERR_OK.
                if c.name == "connect" && v == -1 && c.errno.as_deref() == Some("EINPROGRESS") {
                    Some(Expected::Err(0))
                } else {
                    match &c.errno {
                        Some(e) => Some(Expected::Errno(v, e.clone())),
                        None => Some(Expected::Value(v)),
                    }
                }
            } else {
                return Err(m.err(format!("cannot understand the expected result {e:?}")));
            }
        }
    })
}

fn words(e: &Expr) -> Vec<String> {
    match e {
        Expr::Word(w) => vec![w.clone()],
        Expr::Or(v) => v.iter().flat_map(words).collect(),
        _ => vec![],
    }
}

/// lwIP's priority names (tcp.h).
fn prio(m: &Mapper, e: Option<&Expr>) -> Result<u8, MapError> {
    match e.and_then(Expr::as_word) {
        Some("TCP_PRIO_MIN") => Ok(1),
        Some("TCP_PRIO_NORMAL") => Ok(64),
        Some("TCP_PRIO_MAX") => Ok(127),
        _ => Ok(int(m, e, "prio (a number or TCP_PRIO_MIN/NORMAL/MAX)")?.clamp(0, 255) as u8),
    }
}

/// A socket() for something other than TCP over IPv4 (the FreeBSD-oriented
/// dialect's SCTP and UDP-Lite scripts, UDP, raw, IPv6): one line naming
/// what lwIP (as built here) lacks, instead of a TCP pcb.
fn refuse_non_tcp_socket(m: &Mapper, c: &Call) -> Result<(), MapError> {
    fn words<'e>(e: &'e Expr, out: &mut Vec<&'e str>) {
        match e {
            Expr::Word(w) => out.push(w),
            Expr::Or(items) => items.iter().for_each(|i| words(i, out)),
            _ => {}
        }
    }
    let mut ws = Vec::new();
    c.args.iter().for_each(|a| words(a, &mut ws));
    let why = if ws
        .iter()
        .any(|w| matches!(*w, "IPPROTO_SCTP" | "SOCK_SEQPACKET"))
    {
        "an SCTP socket: lwIP has no SCTP"
    } else if ws
        .iter()
        .any(|w| matches!(*w, "IPPROTO_UDP" | "IPPROTO_UDPLITE" | "SOCK_DGRAM"))
    {
        "a UDP socket: tcpdiff drives lwIP's TCP only (its lwIP builds have LWIP_UDP off)"
    } else if ws.contains(&"SOCK_RAW") {
        "a raw socket: tcpdiff drives lwIP's TCP only (its lwIP builds have LWIP_RAW off)"
    } else if ws.iter().any(|w| matches!(*w, "AF_INET6" | "PF_INET6")) && !m.any_ip.is_ipv6() {
        "an IPv6 socket in an IPv4 script (--ip_version=ipv6 runs the script over IPv6)"
    } else if ws.iter().any(|w| matches!(*w, "AF_INET" | "PF_INET")) && m.any_ip.is_ipv6() {
        "an IPv4 socket in an IPv6 script (lwIP has no IPv4-mapped addresses)"
    } else {
        return Ok(());
    };
    Err(m.err(format!("socket(): {why}")))
}

fn call(m: &mut Mapper, c: &Call) -> Result<Vec<Action>, MapError> {
    let exp = expected(m, c)?;
    if let Some(end) = c.end_time {
        // Calls never block on lwIP's raw API: they return at once.
        m.warn(format!(
            "{}(): blocking end time ...{:.6} ignored (lwIP's raw API never blocks; the call runs at its start time)",
            c.name,
            end as f64 / 1e6
        ));
    }
    let one = |call: ApiCall, expect: Option<Expected>| Ok(vec![Action::Call { call, expect }]);
    let arg = |i: usize| c.args.get(i);
    match c.name.as_str() {
        "socket" => {
            refuse_non_tcp_socket(m, c)?;
            one(ApiCall::Socket, exp)
        }
        n if n.starts_with("sctp_") => Err(m.err(format!("{n}(): an SCTP call: lwIP has no SCTP"))),
        "bind" => {
            let port = c.args.iter().find_map(find_htons).unwrap_or(m.bind_port);
            let ip = match c.args.iter().find_map(find_inet_addr) {
                Some(s) => ip_any_version(m, &s, "bind: inet_addr(...) / inet6_addr(...)")?.into(),
                None => m.any_ip.into(),
            };
            one(
                ApiCall::Bind {
                    fd: fd(m, c)?,
                    ip,
                    port,
                },
                exp,
            )
        }
        "listen" => one(
            ApiCall::Listen {
                fd: fd(m, c)?,
                backlog: int(m, arg(1), "backlog")?.clamp(0, 255) as u8,
                with_err: true,
            },
            exp,
        ),
        "accept" | "accept4" => one(ApiCall::Accept { fd: fd(m, c)? }, exp),
        "connect" => one(ApiCall::Connect { fd: fd(m, c)? }, exp),
        "write" | "send" => {
            let len = int(m, arg(2), "the byte count")?.max(0) as u32;
            one(
                ApiCall::Write {
                    fd: fd(m, c)?,
                    len,
                    copy: true,
                    more: false,
                    output: true,
                },
                exp,
            )
        }
        "read" | "recv" => one(
            ApiCall::Read {
                fd: fd(m, c)?,
                len: int(m, arg(2), "the byte count")?.max(0) as u32,
            },
            exp,
        ),
        "close" => one(ApiCall::Close { fd: fd(m, c)? }, exp),
        "shutdown" => {
            let how = words(arg(1).unwrap_or(&Expr::Ellipsis));
            let (rx, tx) = match how.first().map(String::as_str) {
                Some("SHUT_RD") => (true, false),
                Some("SHUT_WR") => (false, true),
                Some("SHUT_RDWR") => (true, true),
                _ => return Err(m.err("shutdown: expected SHUT_RD, SHUT_WR or SHUT_RDWR")),
            };
            one(
                ApiCall::Shutdown {
                    fd: fd(m, c)?,
                    rx,
                    tx,
                },
                exp,
            )
        }
        "setsockopt" => {
            let fd = fd(m, c)?;
            let opt = arg(2).and_then(Expr::as_word).unwrap_or("").to_string();
            let val = || int(m, arg(3), &opt);
            let call = match opt.as_str() {
                "TCP_NODELAY" => ApiCall::Nagle {
                    fd,
                    disable: val()? != 0,
                },
                "SO_KEEPALIVE" => ApiCall::Keepalive {
                    fd,
                    enable: Some(val()? != 0),
                    idle_ms: None,
                    intvl_ms: None,
                    cnt: None,
                },
                "TCP_KEEPIDLE" => ApiCall::Keepalive {
                    fd,
                    enable: None,
                    idle_ms: Some(val()? as u32 * 1000),
                    intvl_ms: None,
                    cnt: None,
                },
                "TCP_KEEPINTVL" => ApiCall::Keepalive {
                    fd,
                    enable: None,
                    idle_ms: None,
                    intvl_ms: Some(val()? as u32 * 1000),
                    cnt: None,
                },
                "TCP_KEEPCNT" => ApiCall::Keepalive {
                    fd,
                    enable: None,
                    idle_ms: None,
                    intvl_ms: None,
                    cnt: Some(val()? as u32),
                },
                other => {
                    m.warn(format!("setsockopt {other} has no lwIP meaning; skipped"));
                    ApiCall::Nop {
                        what: format!("setsockopt {other}"),
                    }
                }
            };
            one(call, exp)
        }
        "fcntl" | "getsockopt" | "ioctl" | "poll" | "epoll_create" | "epoll_ctl" | "epoll_wait" => {
            m.warn(format!("{}() has no lwIP meaning; skipped", c.name));
            Ok(vec![])
        }
        // lwIP raw-API lines.
        // tcp_write(fd, NULL, len, flags): a NULL data pointer.
        "tcp_write" if is_null(arg(1)) => {
            let len = int(m, arg(2), "the byte count")?.clamp(0, 65535) as u16;
            one(
                ApiCall::NullArg {
                    fd: fd(m, c)?,
                    arg: NullArg::WriteData { len },
                },
                exp,
            )
        }
        "tcp_write" => {
            let flags = arg(2).map(words).unwrap_or_default();
            let copy = flags
                .iter()
                .any(|w| w == "COPY" || w == "TCP_WRITE_FLAG_COPY");
            let more = flags
                .iter()
                .any(|w| w == "MORE" || w == "TCP_WRITE_FLAG_MORE");
            let len = int(m, arg(1), "the byte count")?.max(0) as u32;
            one(
                ApiCall::Write {
                    fd: fd(m, c)?,
                    len,
                    copy,
                    more,
                    output: false,
                },
                exp,
            )
        }
        "tcp_output" => one(ApiCall::Output { fd: fd(m, c)? }, exp),
        "tcp_recved" => one(
            ApiCall::Recved {
                fd: fd(m, c)?,
                len: int(m, arg(1), "len")?.clamp(0, 65535) as u16,
            },
            exp,
        ),
        "tcp_close" => one(ApiCall::Close { fd: fd(m, c)? }, exp),
        "tcp_abort" => one(ApiCall::Abort { fd: fd(m, c)? }, exp),
        "tcp_shutdown" => {
            let (rx, tx) = (
                int(m, arg(1), "shut_rx")? != 0,
                int(m, arg(2), "shut_tx")? != 0,
            );
            one(
                ApiCall::Shutdown {
                    fd: fd(m, c)?,
                    rx,
                    tx,
                },
                exp,
            )
        }
        "tcp_nagle_disable" => one(
            ApiCall::Nagle {
                fd: fd(m, c)?,
                disable: true,
            },
            exp,
        ),
        "tcp_nagle_enable" => one(
            ApiCall::Nagle {
                fd: fd(m, c)?,
                disable: false,
            },
            exp,
        ),
        // netif_set_ipaddr([netif,] "a.b.c.d"): the last argument, a string.
        "netif_set_ipaddr" => {
            let ip = match c.args.last() {
                Some(Expr::Str(s)) => s.parse::<std::net::Ipv4Addr>().ok(),
                _ => None,
            }
            .ok_or_else(|| m.err("netif_set_ipaddr: expected an address string \"a.b.c.d\""))?;
            one(ApiCall::NetifSetIpaddr { ip: ip.octets() }, exp)
        }
        "tcp_backlog_delayed" | "tcp_backlog_accepted" => one(
            ApiCall::Backlog {
                fd: fd(m, c)?,
                delayed: c.name == "tcp_backlog_delayed",
            },
            exp,
        ),
        "tcp_txnow" => one(ApiCall::TxNow, exp),
        "tcp_sndbuf" => one(ApiCall::SndBuf { fd: fd(m, c)? }, exp),
        "tcp_sndqueuelen" => one(ApiCall::SndQueuelen { fd: fd(m, c)? }, exp),
        // tcp_bind_netif(fd, netif | NULL): the one netif, or none.
        "tcp_bind_netif" => {
            let bound = match arg(1).and_then(Expr::as_word) {
                Some("NULL") => false,
                Some("netif") => true,
                _ => return Err(m.err("tcp_bind_netif: the netif is `netif` or NULL")),
            };
            one(
                ApiCall::BindNetif {
                    fd: fd(m, c)?,
                    bound,
                },
                exp,
            )
        }
        // tcp_recv(fd, NULL | app), tcp_sent, tcp_err, and tcp_accept(fd,
        // NULL | app | tcp_accept_null): the application's callbacks.
        "tcp_recv" | "tcp_sent" | "tcp_err" | "tcp_accept" => {
            let slot = match c.name.as_str() {
                "tcp_recv" => CbSlot::Recv,
                "tcp_sent" => CbSlot::Sent,
                "tcp_err" => CbSlot::Err,
                _ => CbSlot::Accept,
            };
            let to = match arg(1).and_then(Expr::as_word) {
                Some("NULL") => CbFn::Null,
                Some("app") => CbFn::App,
                Some("tcp_accept_null") if slot == CbSlot::Accept => CbFn::AcceptNull,
                _ => {
                    let also = if slot == CbSlot::Accept {
                        ", tcp_accept_null"
                    } else {
                        ""
                    };
                    return Err(m.err(format!("{}: the callback is NULL or app{also}", c.name)));
                }
            };
            one(
                ApiCall::SetCallback {
                    fd: fd(m, c)?,
                    slot,
                    to,
                },
                exp,
            )
        }
        "tcp_setprio" => one(
            ApiCall::SetPrio {
                fd: fd(m, c)?,
                prio: prio(m, arg(1))?,
            },
            exp,
        ),
        // The raw API's own names for the socket calls above: `= N` on
        // tcp_new is the descriptor the new pcb gets; the others return
        // an err_t.
        "tcp_new" => one(ApiCall::Socket, exp),
        // tcp_new_ip_type(IPADDR_TYPE_V4 | IPADDR_TYPE_V6 | IPADDR_TYPE_ANY | N).
        "tcp_new_ip_type" => {
            let ty = match arg(0) {
                Some(Expr::Word(w)) if w == "IPADDR_TYPE_V4" => 0,
                Some(Expr::Word(w)) if w == "IPADDR_TYPE_V6" => 6,
                Some(Expr::Word(w)) if w == "IPADDR_TYPE_ANY" => 46,
                other => int(m, other, "the address type")?.clamp(0, 255) as u8,
            };
            one(ApiCall::NewIpType { ty }, exp)
        }
        // tcp_tcp_get_tcp_addrinfo(fd, local): 1 the local side
        // (getsockname), 0 the remote one (getpeername).
        // tcp_tcp_get_tcp_addrinfo(fd, local, ADDR, PORT): NULL for either
        // out pointer passes NULL (anything else: a pointer).
        "tcp_tcp_get_tcp_addrinfo" if is_null(arg(2)) || is_null(arg(3)) => one(
            ApiCall::NullArg {
                fd: fd(m, c)?,
                arg: NullArg::AddrInfo {
                    local: int(m, arg(1), "local (1) or remote (0)")? != 0,
                    addr: !is_null(arg(2)),
                    port: !is_null(arg(3)),
                },
            },
            exp,
        ),
        "tcp_tcp_get_tcp_addrinfo" | "getsockname" | "getpeername" => {
            let local = match c.name.as_str() {
                "getsockname" => true,
                "getpeername" => false,
                _ => int(m, arg(1), "local (1) or remote (0)")? != 0,
            };
            one(
                ApiCall::AddrInfo {
                    fd: fd(m, c)?,
                    local,
                },
                exp,
            )
        }
        // tcp_bind(fd, ADDR, port): ADDR is "a.b.c.d" or IP_ADDR_ANY
        // (also IP4_ADDR_ANY, IP_ANY_TYPE, `...`).
        "tcp_bind" if is_null(arg(1)) => {
            let port = int(m, arg(2), "port")?.clamp(0, 65535) as u16;
            m.bind_port = port;
            one(
                ApiCall::NullArg {
                    fd: fd(m, c)?,
                    arg: NullArg::BindAddr { port },
                },
                exp,
            )
        }
        "tcp_bind" => {
            let port = int(m, arg(2), "port")?.clamp(0, 65535) as u16;
            m.bind_port = port;
            // lwIP's names: IP4_ADDR_ANY (0.0.0.0), IP6_ADDR_ANY (::),
            // IP_ANY_TYPE (the dual-stack any; 0.0.0.0 in an IPv4-only
            // build), IP_ADDR_ANY (the scenario's version's any, as
            // lwIP's IP_ADDR_ANY is IPv4's when it has IPv4).
            let ip = match arg(1) {
                Some(Expr::Str(s)) => ip_any_version(m, s, "tcp_bind: the address")?.into(),
                Some(Expr::Word(w)) if w == "IP4_ADDR_ANY" => lwip_vocab::IpAddr::V4([0; 4]),
                Some(Expr::Word(w)) if w == "IP6_ADDR_ANY" => lwip_vocab::IpAddr::V6([0; 16]),
                Some(Expr::Word(w)) if w == "IP_ANY_TYPE" => lwip_vocab::IpAddr::Any,
                Some(Expr::Word(w)) if w == "IP_ADDR_ANY" => m.any_ip.into(),
                Some(Expr::Ellipsis) | None => m.any_ip.into(),
                Some(_) => {
                    return Err(m.err(
                        "tcp_bind: the address is \"a.b.c.d\", \"IPv6\", IP_ADDR_ANY, IP4_ADDR_ANY, IP6_ADDR_ANY or IP_ANY_TYPE",
                    ));
                }
            };
            one(
                ApiCall::Bind {
                    fd: fd(m, c)?,
                    ip,
                    port,
                },
                exp,
            )
        }
        // tcp_listen(fd) and tcp_listen_with_backlog(fd, n) report no err_t
        // (lwIP passes NULL for it); tcp_listen_with_backlog_and_err does.
        "tcp_listen" | "tcp_listen_with_backlog" | "tcp_listen_with_backlog_and_err" => one(
            ApiCall::Listen {
                fd: fd(m, c)?,
                backlog: match arg(1) {
                    Some(b) => int(m, Some(b), "backlog")?.clamp(0, 255) as u8,
                    // TCP_DEFAULT_LISTEN_BACKLOG
                    None => 0xff,
                },
                with_err: c.name == "tcp_listen_with_backlog_and_err",
            },
            exp,
        ),
        "tcp_tmr" => one(ApiCall::Tmr, exp),
        // tcp_connect(fd[, ADDR, port, CONNECTED]): the peer; ADDR NULL
        // passes a NULL address, CONNECTED NULL no connected callback.
        "tcp_connect" if is_null(arg(1)) => one(
            ApiCall::NullArg {
                fd: fd(m, c)?,
                arg: NullArg::ConnectAddr,
            },
            exp,
        ),
        "tcp_connect" if is_null(arg(3)) => one(
            ApiCall::NullArg {
                fd: fd(m, c)?,
                arg: NullArg::ConnectedFn,
            },
            exp,
        ),
        "tcp_connect" => one(ApiCall::Connect { fd: fd(m, c)? }, exp),
        // tcp_recv_null(fd, NULL, ERR): lwIP's default recv function with a
        // NULL pbuf, called by the application.
        "tcp_recv_null" => {
            if !is_null(arg(1)) {
                return Err(m.err(
                    "tcp_recv_null: only the NULL-pbuf form tcp_recv_null(fd, NULL, ERR_x) is supported",
                ));
            }
            let err = match arg(2) {
                None => 0,
                Some(e) => err_name(e)
                    .ok_or_else(|| m.err("tcp_recv_null: the err argument is an err_t name"))?,
            };
            one(ApiCall::RecvNull { fd: fd(m, c)?, err }, exp)
        }
        // tcp_process_refused_data(NULL), tcp_pcb_purge(NULL): lwIP's
        // argument checks (with a live pcb these need lwIP's internal context).
        "tcp_process_refused_data" | "tcp_pcb_purge" => {
            if !is_null(arg(0)) {
                return Err(m.err(format!(
                    "{}: only NULL is supported (the argument check)",
                    c.name
                )));
            }
            one(
                if c.name == "tcp_process_refused_data" {
                    ApiCall::ProcessRefusedDataNull
                } else {
                    ApiCall::PcbPurgeNull
                },
                exp,
            )
        }
        "tcp_poll" => one(
            ApiCall::Poll {
                fd: fd(m, c)?,
                interval: int(m, arg(1), "interval")?.clamp(0, 255) as u8,
            },
            exp,
        ),
        "tcp_keepalive" => one(
            ApiCall::Keepalive {
                fd: fd(m, c)?,
                enable: Some(int(m, arg(1), "enable")? != 0),
                idle_ms: Some(int(m, arg(2), "idle_ms")? as u32),
                intvl_ms: Some(int(m, arg(3), "intvl_ms")? as u32),
                cnt: Some(int(m, arg(4), "cnt")? as u32),
            },
            exp,
        ),
        "tcp_app" => {
            let fd = fd(m, c)?;
            let mut v = Vec::new();
            for a in c.args.iter().skip(1) {
                let (k, val) = a
                    .as_assign()
                    .ok_or_else(|| m.err("tcp_app: expected key=VALUE arguments"))?;
                let w = val.as_word().unwrap_or("");
                let change = match (k, w) {
                    ("recv", "DEFER") => PolicyChange::Recv(RecvPolicy::Defer),
                    ("recv", "CONSUME") => PolicyChange::Recv(RecvPolicy::Consume),
                    ("recv", "REFUSE") => PolicyChange::Recv(RecvPolicy::Refuse),
                    ("recv", "ABORT") => PolicyChange::Recv(RecvPolicy::Abort),
                    ("fin", "KEEP") => PolicyChange::Fin(FinPolicy::Keep),
                    ("fin", "CLOSE") => PolicyChange::Fin(FinPolicy::Close),
                    ("fin", "ABORT") => PolicyChange::Fin(FinPolicy::Abort),
                    ("connected" | "poll", w @ ("NOTHING" | "CLOSE" | "ABORT" | "CONNECT")) => {
                        let a = match w {
                            "NOTHING" => CbAction::Nothing,
                            "CLOSE" => CbAction::Close,
                            "CONNECT" => CbAction::Connect(0),
                            _ => CbAction::Abort,
                        };
                        if k == "poll" {
                            PolicyChange::Poll(a)
                        } else {
                            PolicyChange::Connected(a)
                        }
                    }
                    ("connected" | "poll", _) if matches!(val, Expr::Call(n, _) if n == "CONNECT") =>
                    {
                        let port = match val {
                            Expr::Call(_, a) => int(m, a.first(), "CONNECT(port)")?,
                            _ => 0,
                        };
                        let port = u16::try_from(port)
                            .map_err(|_| m.err("tcp_app: CONNECT(port): port out of range"))?;
                        let a = CbAction::Connect(port);
                        if k == "poll" {
                            PolicyChange::Poll(a)
                        } else {
                            PolicyChange::Connected(a)
                        }
                    }
                    ("sent", _) => match val {
                        Expr::Call(n, a) if n == "WRITE" => PolicyChange::Sent(SentPolicy::Write(
                            int(m, a.first(), "WRITE(n)")?.max(0) as u32,
                        )),
                        Expr::Word(n) if n == "NOTHING" => PolicyChange::Sent(SentPolicy::Write(0)),
                        Expr::Word(n) if n == "ABORT" => PolicyChange::Sent(SentPolicy::Abort),
                        _ => {
                            return Err(m.err("tcp_app sent=: expected WRITE(n), NOTHING or ABORT"));
                        }
                    },
                    ("accept", name) => PolicyChange::AcceptReturns(
                        LwipErr::from_name(name)
                            .ok_or_else(|| m.err(format!("tcp_app accept=: unknown err_t {name}")))?
                            .as_raw(),
                    ),
                    _ => return Err(m.err(format!("tcp_app: unknown policy {k}={w}"))),
                };
                v.push(Action::Call {
                    call: ApiCall::Policy { fd, change },
                    expect: None,
                });
            }
            Ok(v)
        }
        other => {
            m.warn(format!("{other}() has no lwIP meaning; skipped"));
            Ok(vec![])
        }
    }
}
