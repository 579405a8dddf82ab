//! Prints a [`Script`] back as text in the same dialect.
//!
//! The output parses back to the same tree (positions aside), which is what
//! lets machine-made scenarios be saved as editable scripts.

use std::fmt::Write as _;

use super::ast::*;

/// The script as text, one event per line.
pub fn print(script: &Script) -> String {
    let mut out = String::new();
    for (name, value) in &script.options {
        out.push_str("--");
        out.push_str(name);
        if let Some(v) = value {
            out.push('=');
            out.push_str(&option_value(v));
        }
        out.push('\n');
    }
    if let Some(cmd) = &script.init_command {
        let _ = writeln!(out, "`{cmd}`");
    }
    if !script.options.is_empty() || script.init_command.is_some() {
        out.push('\n');
    }
    for e in &script.events {
        out.push_str(&event_to_string(e));
        out.push('\n');
    }
    if let Some(cmd) = &script.cleanup_command {
        let _ = writeln!(out, "\n`{cmd}`");
    }
    out
}

fn option_value(v: &str) -> String {
    let plain = !v.is_empty() && !v.starts_with('"') && !v.chars().any(char::is_whitespace);
    if plain {
        v.to_string()
    } else {
        format!("\"{v}\"")
    }
}

/// Seconds with up to six decimals, trailing zeros removed: `0`, `0.1`, `1.000250`→`1.00025`.
pub fn format_secs(micros: i64) -> String {
    let whole = micros / 1_000_000;
    let frac = (micros % 1_000_000).abs();
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:06}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// The time column of an event: `0.1`, `+0`, `*`, `+0~+0.2`.
pub fn format_time(t: &Time) -> String {
    match t {
        Time::Absolute(us) => format_secs(*us),
        Time::Relative(us) => format!("+{}", format_secs(*us)),
        Time::Any => "*".into(),
        Time::Range {
            start,
            end,
            relative: true,
        } => format!("+{}~+{}", format_secs(*start), format_secs(*end)),
        Time::Range {
            start,
            end,
            relative: false,
        } => format!("{}~{}", format_secs(*start), format_secs(*end)),
    }
}

/// One event as a line (without the newline).
pub fn event_to_string(e: &Event) -> String {
    format!("{} {}", format_time(&e.time), kind_to_string(&e.kind))
}

fn kind_to_string(k: &EventKind) -> String {
    match k {
        EventKind::Packet(p) => packet_to_string(p),
        EventKind::Raw(b) => format!("< raw \"{}\"", hex(b)),
        EventKind::Udp(u) => {
            let mut s = String::new();
            push_prefix(&mut s, u.direction, u.ip.as_ref());
            s.push_str(" udp");
            if let Some((a, b)) = u.ports {
                let _ = write!(s, " {a} > {b}");
            }
            let _ = write!(s, " ({})", u.len);
            s
        }
        EventKind::Icmp(i) => {
            let mut s = String::new();
            push_prefix(&mut s, i.direction, i.ip.as_ref());
            let _ = write!(s, " icmp {}", i.icmp_type);
            if let Some(c) = &i.code {
                let _ = write!(s, " {c}");
            }
            if let Some(m) = i.mtu {
                let _ = write!(s, " mtu {m}");
            }
            if let Some(id) = i.id {
                let _ = write!(s, " id {id}");
            }
            match &i.echoed {
                None => {}
                Some(IcmpEchoed::Tcp(r)) => {
                    let _ = write!(s, " [{}:{}({})]", r.start, r.end, r.len);
                }
                Some(IcmpEchoed::Udp(n)) => {
                    let _ = write!(s, " [udp ({n})]");
                }
                Some(IcmpEchoed::Raw(n)) => {
                    let _ = write!(s, " [raw ({n})]");
                }
            }
            s
        }
        EventKind::Call(c) => call_to_string(c),
        EventKind::Command(c) => format!("`{c}`"),
        EventKind::Code(c) => format!("%{{ {c} }}%"),
    }
}

fn push_prefix(s: &mut String, dir: Direction, ip: Option<&IpInfo>) {
    s.push(match dir {
        Direction::In => '<',
        Direction::Out => '>',
    });
    if let Some(ip) = ip {
        let mut parts = Vec::new();
        if let Some(t) = ip.tos {
            parts.push(match t {
                TosSpec::NoEcn => "noecn".to_string(),
                TosSpec::Ect0 => "ect0".to_string(),
                TosSpec::Ect1 => "ect1".to_string(),
                TosSpec::Ce => "ce".to_string(),
                TosSpec::Ect01 => "ect01".to_string(),
                TosSpec::Tos(v) => format!("tos {v:#04x}"),
                TosSpec::Dscp(d) => format!("dscp {d:#04x}"),
                TosSpec::DscpEcn(d, c) => format!("dscp {d:#04x}, ecn {}", ecn_word(c)),
                TosSpec::DscpEct01(d) => format!("dscp {d:#04x}, ecn ect01"),
            });
        }
        if let Some(f) = ip.flow_label {
            parts.push(format!("flowlabel {f:#x}"));
        }
        if let Some(t) = ip.ttl {
            parts.push(format!("ttl {t}"));
        }
        let (open, close) = if ip.square { ('[', ']') } else { ('(', ')') };
        let _ = write!(s, " {open}{}{close}", parts.join(", "));
    }
}

/// The word of an ECN codepoint (RFC 3168: 0 Not-ECT, 1 ECT(1), 2
/// ECT(0), 3 CE).
fn ecn_word(codepoint: u8) -> &'static str {
    match codepoint & 3 {
        0 => "noecn",
        1 => "ect1",
        2 => "ect0",
        _ => "ce",
    }
}

/// Bytes as lowercase hex digits.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn packet_to_string(p: &Packet) -> String {
    let mut s = String::new();
    push_prefix(&mut s, p.direction, p.ip.as_ref());
    if let Some((a, b)) = p.ports {
        let _ = write!(s, " {a} > {b}");
    }
    let _ = write!(s, " {}", p.flags.raw);
    if let Some(r) = p.seq {
        if r.unchecked {
            let _ = write!(s, " ...({})", r.len);
        } else {
            let _ = write!(s, " {}:{}({})", r.start, r.end, r.len);
            if r.absolute {
                s.push('!');
            }
        }
    }
    if let Some(a) = p.ack {
        let _ = write!(s, " ack {a}");
    }
    if let Some(w) = p.win {
        let _ = write!(s, " win {w}");
    }
    if let Some(u) = p.urg {
        let _ = write!(s, " urg {u}");
    }
    match &p.options {
        None => {}
        Some(TcpOptions::Wildcard) => s.push_str(" <...>"),
        Some(TcpOptions::List(list)) => {
            let parts: Vec<String> = list.iter().map(tcp_option_to_string).collect();
            let _ = write!(s, " <{}>", parts.join(","));
        }
    }
    if let Some((a, b)) = p.udp_encaps {
        let _ = write!(s, " /udp({a} > {b})");
    }
    s
}

/// One TCP option as written inside `<...>`.
pub fn tcp_option_to_string(o: &TcpOption) -> String {
    match o {
        TcpOption::Nop => "nop".into(),
        TcpOption::Eol => "eol".into(),
        TcpOption::Mss(m) => format!("mss {m}"),
        TcpOption::WScale(w) => format!("wscale {w}"),
        TcpOption::WScaleAny => "wscale *".into(),
        TcpOption::SackOk => "sackOK".into(),
        TcpOption::Sack(blocks) => {
            let b: Vec<String> = blocks.iter().map(|(l, r)| format!("{l}:{r}")).collect();
            format!("sack {}", b.join(" "))
        }
        TcpOption::Timestamp { val, ecr } => format!("TS val {val} ecr {ecr}"),
        TcpOption::TimestampMarked {
            val,
            ecr,
            ecr_absolute,
        } => format!(
            "TS val {} ecr {ecr}{}",
            val.map_or("...".to_string(), |v| v.to_string()),
            if *ecr_absolute { "!" } else { "" }
        ),
        TcpOption::FastOpen(c) if c.is_empty() => "FO".into(),
        TcpOption::FastOpen(c) => format!("FO {}", hex(c)),
        TcpOption::FastOpenExp(c) if c.is_empty() => "FOEXP".into(),
        TcpOption::FastOpenExp(c) => format!("FOEXP {}", hex(c)),
        TcpOption::Md5(d) => format!("md5 {}", hex(d)),
        TcpOption::AccEcn(fields) => {
            let mut s = "ECN".to_string();
            for (n, v) in fields {
                let _ = write!(s, " {n} {v}");
            }
            s
        }
        TcpOption::AccEcnCounters { name, fields } => {
            let mut s = name.clone();
            for (n, v) in fields {
                let _ = write!(s, " {n} {v}");
            }
            s
        }
        TcpOption::ExpTarr(None) => "exp-tarr".into(),
        TcpOption::ExpTarr(Some(r)) => format!("exp-tarr {r}"),
        TcpOption::Generic { kind, data } if data.is_empty() => format!("opt {kind}"),
        TcpOption::Generic { kind, data } => format!("opt {kind} {}", hex(data)),
    }
}

fn call_to_string(c: &Call) -> String {
    let mut s = String::new();
    if let Some(end) = c.end_time {
        let _ = write!(s, "...{} ", format_secs(end));
    }
    let _ = write!(s, "{}({})", c.name, exprs_to_string(&c.args));
    if let Some(r) = &c.ret {
        let _ = write!(s, " = {}", expr_to_string(r));
        if let Some(e) = &c.errno {
            let _ = write!(s, " {e}");
        }
        if let Some(n) = &c.note {
            let _ = write!(s, " ({n})");
        }
    }
    s
}

fn exprs_to_string(items: &[Expr]) -> String {
    items
        .iter()
        .map(expr_to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// An expression as written in call arguments.
pub fn expr_to_string(e: &Expr) -> String {
    match e {
        Expr::Int(v) => v.to_string(),
        Expr::Hex(v) => format!("{v:#x}"),
        Expr::Str(s) => format!("\"{s}\""),
        Expr::Concat(parts) => parts
            .iter()
            .map(|p| format!("\"{p}\""))
            .collect::<Vec<_>>()
            .join(" "),
        Expr::StrEllipsis(s) => format!("\"{s}\"..."),
        Expr::Word(w) => w.clone(),
        Expr::Ellipsis => "...".into(),
        Expr::Or(items) => items
            .iter()
            .map(expr_to_string)
            .collect::<Vec<_>>()
            .join("|"),
        Expr::Assign(lhs, rhs) => format!("{}={}", expr_to_string(lhs), expr_to_string(rhs)),
        Expr::Array(items) => format!("[{}]", exprs_to_string(items)),
        Expr::Struct(items) => format!("{{{}}}", exprs_to_string(items)),
        Expr::Call(name, args) => format!("{name}({})", exprs_to_string(args)),
    }
}
