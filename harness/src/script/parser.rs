//! Recursive-descent parser for the packetdrill dialect.
//!
//! The grammar follows packetdrill's `parser.y` (see
//! `docs/script-dialect.md`); lines are not significant, every event starts
//! with its time. Semantic checks that packetdrill makes while parsing
//! (ranges of numbers, `start:end(len)` consistency, `*` only on outbound
//! packets, ...) are made here too and reported with a position.

use std::collections::VecDeque;

use super::ast::*;
use super::error::{ParseError, Warning};
use super::lexer::{LexError, Lexer, TokKind, Token};

/// Deepest nesting of expressions (brackets, braces, calls, `a=b`).
pub const MAX_EXPR_DEPTH: usize = 64;

pub(crate) struct Parser<'a> {
    file: &'a str,
    src: &'a str,
    defines: &'a [(String, String)],
    lexer: Lexer<'a>,
    buf: VecDeque<Token>,
    warnings: Vec<Warning>,
    depth: usize,
}

type PResult<T> = Result<T, ParseError>;

const TIME_EXPECTED: &str = "a time (e.g. '0', '0.100', '+0.1', '*' or '+0~+0.2')";

impl<'a> Parser<'a> {
    #[cfg(test)]
    pub fn new(file: &'a str, src: &'a str) -> Self {
        Self::with_defines(file, src, &[])
    }

    /// A parser whose lexer replaces the words `defines` names by their
    /// values (`-D NAME=VALUE`, `--define=NAME=VALUE`).
    pub fn with_defines(file: &'a str, src: &'a str, defines: &'a [(String, String)]) -> Self {
        Parser {
            file,
            src,
            defines,
            lexer: Lexer::with_defines(src, defines),
            buf: VecDeque::new(),
            warnings: Vec::new(),
            depth: 0,
        }
    }

    // ----- token plumbing -------------------------------------------------

    fn lex_error(&self, e: LexError) -> ParseError {
        ParseError {
            file: self.file.to_string(),
            line: e.line,
            col: e.col,
            found: e.found,
            expected: e.expected,
        }
    }

    fn fill(&mut self, n: usize) -> PResult<()> {
        while self.buf.len() <= n {
            let t = self.lexer.next_token().map_err(|e| self.lex_error(e))?;
            self.buf.push_back(t);
        }
        Ok(())
    }

    fn peek_at(&mut self, n: usize) -> PResult<Token> {
        self.fill(n)?;
        self.buf
            .get(n)
            .cloned()
            .ok_or_else(|| self.internal_error())
    }

    fn peek(&mut self) -> PResult<Token> {
        self.peek_at(0)
    }

    fn bump(&mut self) -> PResult<Token> {
        self.fill(0)?;
        self.buf.pop_front().ok_or_else(|| self.internal_error())
    }

    fn internal_error(&self) -> ParseError {
        ParseError {
            file: self.file.to_string(),
            line: 1,
            col: 1,
            found: "an internal parser state".into(),
            expected: "a token in the look-ahead buffer".into(),
        }
    }

    /// The token's text: as written, or a defined word's value.
    fn text(&self, t: &Token) -> &'a str {
        if let Some(i) = t.subst {
            return self.defines.get(i).map_or("", |(_, v)| v.as_str());
        }
        self.src.get(t.start..t.end).unwrap_or("")
    }

    fn found(&self, t: &Token) -> String {
        if t.kind == TokKind::Eof {
            return "end of file".into();
        }
        if t.subst.is_some() {
            let name = self.src.get(t.start..t.end).unwrap_or("");
            return format!("'{name}' (defined as '{}')", self.text(t));
        }
        let text = self.text(t);
        let first = text.lines().next().unwrap_or("");
        let mut shown: String = first.chars().take(30).collect();
        if shown.len() < text.len() {
            shown.push_str("...");
        }
        format!("'{shown}'")
    }

    fn err_at(&self, t: &Token, expected: impl Into<String>) -> ParseError {
        ParseError {
            file: self.file.to_string(),
            line: t.line,
            col: t.col,
            found: self.found(t),
            expected: expected.into(),
        }
    }

    /// Where a value is needed and `t` is a name that no define gave a
    /// value: the error naming it.
    fn undefined(&self, t: &Token, what: &str) -> Option<ParseError> {
        let name = self.text(t);
        let is_name = t.kind == TokKind::Word
            && t.subst.is_none()
            && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && !name.bytes().all(|b| b.is_ascii_hexdigit());
        is_name.then(|| {
            let mut e = self.err_at(
                t,
                format!(
                    "{what}: '{name}' is not defined (-D {name}=VALUE on the command line, \
                     or --define={name}=VALUE at the top of the script)"
                ),
            );
            e.found = format!("undefined name '{name}'");
            e
        })
    }

    fn warn_at(&mut self, t: &Token, message: impl Into<String>) {
        self.warnings.push(Warning {
            file: self.file.to_string(),
            line: t.line,
            col: t.col,
            message: message.into(),
        });
    }

    fn is_word(&self, t: &Token, w: &str) -> bool {
        t.kind == TokKind::Word && self.text(t) == w
    }

    fn peek_punct(&mut self, c: char) -> PResult<bool> {
        Ok(self.peek()?.is_punct(c))
    }

    fn peek_word(&mut self, w: &str) -> PResult<bool> {
        let t = self.peek()?;
        Ok(self.is_word(&t, w))
    }

    fn expect_punct(&mut self, c: char, expected: &str) -> PResult<Token> {
        let t = self.peek()?;
        if t.is_punct(c) {
            self.bump()
        } else {
            Err(self.err_at(&t, expected))
        }
    }

    fn expect_word(&mut self, w: &str, expected: &str) -> PResult<Token> {
        let t = self.peek()?;
        if self.is_word(&t, w) {
            self.bump()
        } else {
            Err(self.err_at(&t, expected))
        }
    }

    /// A non-negative decimal integer no larger than `max`.
    fn expect_uint(&mut self, max: u64, expected: &str) -> PResult<u64> {
        let t = self.peek()?;
        let v = match t.kind {
            TokKind::Int => self.text(&t).parse::<u64>().ok(),
            _ => None,
        };
        match v {
            Some(v) if v <= max => {
                self.bump()?;
                Ok(v)
            }
            _ => Err(self
                .undefined(&t, expected)
                .unwrap_or_else(|| self.err_at(&t, expected))),
        }
    }

    /// A decimal or `0x` hex integer no larger than `max`.
    fn expect_uint_or_hex(&mut self, max: u64, expected: &str) -> PResult<u64> {
        let t = self.peek()?;
        let v = match t.kind {
            TokKind::Int => self.text(&t).parse::<u64>().ok(),
            TokKind::Hex => u64::from_str_radix(self.text(&t).get(2..).unwrap_or(""), 16).ok(),
            _ => None,
        };
        match v {
            Some(v) if v <= max => {
                self.bump()?;
                Ok(v)
            }
            _ => Err(self
                .undefined(&t, expected)
                .unwrap_or_else(|| self.err_at(&t, expected))),
        }
    }

    // ----- script ---------------------------------------------------------

    pub fn parse_script(mut self) -> PResult<(Script, Vec<Warning>)> {
        let mut options = Vec::new();
        while let TokKind::Opt { name, value } = self.peek()?.kind {
            self.bump()?;
            options.push((name, value));
        }
        let mut init_command = None;
        if let TokKind::Backquoted(cmd) = self.peek()?.kind {
            self.bump()?;
            init_command = Some(cmd);
        }
        let mut events = Vec::new();
        let mut cleanup_command = None;
        loop {
            let t = self.peek()?;
            match &t.kind {
                TokKind::Eof => break,
                TokKind::Backquoted(cmd) if !events.is_empty() => {
                    if self.peek_at(1)?.kind == TokKind::Eof {
                        cleanup_command = Some(cmd.clone());
                        self.bump()?;
                        break;
                    }
                    return Err(self.err_at(
                        &t,
                        "a time before this command (untimed commands are allowed \
                         only first and last in a script)",
                    ));
                }
                TokKind::Opt { .. } => {
                    return Err(self.err_at(
                        &t,
                        "an event (options '--name=value' go before the first event)",
                    ));
                }
                _ => events.push(self.parse_event()?),
            }
        }
        if events.is_empty() {
            let t = self.peek()?;
            return Err(self.err_at(&t, "at least one event, starting with a time such as '0'"));
        }
        let script = Script {
            path: self.file.to_string(),
            options,
            init_command,
            events,
            cleanup_command,
        };
        Ok((script, self.warnings))
    }

    fn starts_event(t: &Token) -> bool {
        matches!(
            t.kind,
            TokKind::Punct('+')
                | TokKind::Punct('*')
                | TokKind::Int
                | TokKind::Float
                | TokKind::Backquoted(_)
                | TokKind::Eof
        )
    }

    fn parse_event(&mut self) -> PResult<Event> {
        let first = self.peek()?;
        let time = self.parse_time()?;
        let action = self.peek()?;
        let kind = match &action.kind {
            TokKind::Punct('<') | TokKind::Punct('>') => self.parse_packet_line()?,
            TokKind::Backquoted(cmd) => {
                let cmd = cmd.clone();
                self.bump()?;
                EventKind::Command(cmd)
            }
            TokKind::Code(code) => {
                let code = code.clone();
                self.bump()?;
                EventKind::Code(code)
            }
            TokKind::Ellipsis | TokKind::Word => EventKind::Call(self.parse_call()?),
            _ => {
                return Err(self.err_at(
                    &action,
                    "a packet ('<' or '>'), a call 'name(...)', a `command` or a \
                     %{ code }% block after the time",
                ));
            }
        };
        if matches!(time, Time::Any | Time::Range { .. }) {
            let outbound = match &kind {
                EventKind::Packet(p) => p.direction == Direction::Out,
                EventKind::Udp(p) => p.direction == Direction::Out,
                EventKind::Icmp(p) => p.direction == Direction::Out,
                _ => false,
            };
            if !outbound {
                return Err(self.err_at(
                    &action,
                    "an outbound packet ('>') after a '*' or range time",
                ));
            }
        }
        let next = self.peek()?;
        if let TokKind::Opt { .. } = next.kind {
            return Err(self.err_at(
                &next,
                "the next event's time (options '--name=value' go before the first event)",
            ));
        }
        if !Self::starts_event(&next) {
            let expected = match &kind {
                EventKind::Packet(_) => {
                    "the next event's time (packet fields go in this order: \
                     flags start:end(len) ack N win N urg N <options>)"
                }
                EventKind::Call(c) if c.ret.is_none() => {
                    "'= value' or the next event's time after the call"
                }
                EventKind::Call(c) if c.note.is_some() => "the next event's time",
                EventKind::Call(_) => {
                    "an errno name, '(note)' or the next event's time after the return value"
                }
                _ => "the next event's time",
            };
            return Err(self.err_at(&next, expected));
        }
        Ok(Event {
            line: first.line,
            col: first.col,
            time,
            kind,
        })
    }

    // ----- times ----------------------------------------------------------

    fn parse_time(&mut self) -> PResult<Time> {
        let t = self.peek()?;
        match t.kind {
            TokKind::Punct('*') => {
                self.bump()?;
                Ok(Time::Any)
            }
            TokKind::Punct('+') => {
                self.bump()?;
                let start = self.parse_secs("a time after '+'")?;
                if self.peek_punct('~')? {
                    self.bump()?;
                    self.expect_punct('+', "'+' starting the end of a relative time range")?;
                    let end_tok = self.peek()?;
                    let end = self.parse_secs("a time after '+'")?;
                    self.check_range(&end_tok, start, end)?;
                    Ok(Time::Range {
                        start,
                        end,
                        relative: true,
                    })
                } else {
                    Ok(Time::Relative(start))
                }
            }
            TokKind::Int | TokKind::Float => {
                let start = self.parse_secs(TIME_EXPECTED)?;
                if self.peek_punct('~')? {
                    self.bump()?;
                    let end_tok = self.peek()?;
                    if end_tok.is_punct('+') {
                        return Err(self.err_at(
                            &end_tok,
                            "an absolute end time (without '+') in an absolute time range",
                        ));
                    }
                    let end = self.parse_secs("the end time of the range after '~'")?;
                    self.check_range(&end_tok, start, end)?;
                    Ok(Time::Range {
                        start,
                        end,
                        relative: false,
                    })
                } else {
                    Ok(Time::Absolute(start))
                }
            }
            _ => Err(self.err_at(&t, TIME_EXPECTED)),
        }
    }

    fn check_range(&self, end_tok: &Token, start: i64, end: i64) -> PResult<()> {
        if end < start {
            return Err(self.err_at(end_tok, "a range end not before its start"));
        }
        Ok(())
    }

    /// Seconds (`2`, `0.100`, `.5`) as microseconds.
    fn parse_secs(&mut self, expected: &str) -> PResult<i64> {
        let t = self.peek()?;
        if !matches!(t.kind, TokKind::Int | TokKind::Float) {
            return Err(self.err_at(&t, expected));
        }
        let text = self.text(&t);
        if text.starts_with('-') {
            return Err(self.err_at(&t, "a non-negative time"));
        }
        let (int_part, frac_part) = text.split_once('.').unwrap_or((text, ""));
        let whole: i64 = if int_part.is_empty() {
            0
        } else {
            match int_part.parse::<i64>() {
                Ok(v) => v,
                Err(_) => return Err(self.err_at(&t, "a time that fits in 64-bit microseconds")),
            }
        };
        let mut frac: i64 = 0;
        for (i, d) in frac_part.bytes().enumerate() {
            if i < 6 {
                frac = frac * 10 + i64::from(d - b'0');
            }
        }
        for _ in frac_part.len()..6 {
            frac *= 10;
        }
        let Some(micros) = whole
            .checked_mul(1_000_000)
            .and_then(|w| w.checked_add(frac))
        else {
            return Err(self.err_at(&t, "a time that fits in 64-bit microseconds"));
        };
        if frac_part.len() > 6 && frac_part.bytes().skip(6).any(|d| d != b'0') {
            self.warn_at(
                &t,
                format!("time '{text}' is finer than a microsecond; truncated"),
            );
        }
        self.bump()?;
        Ok(micros)
    }

    // ----- packets --------------------------------------------------------

    fn parse_packet_line(&mut self) -> PResult<EventKind> {
        let dir_tok = self.bump()?;
        let direction = if dir_tok.is_punct('<') {
            Direction::In
        } else {
            Direction::Out
        };
        let ip = if self.peek_punct('(')? || self.peek_punct('[')? {
            Some(self.parse_ip_info()?)
        } else {
            None
        };
        let ect01 = ip
            .as_ref()
            .is_some_and(|i| matches!(i.tos, Some(TosSpec::Ect01 | TosSpec::DscpEct01(_))));
        if ect01 && direction == Direction::In {
            return Err(self.err_at(&dir_tok, "'>' for a packet marked [ect01] (outbound only)"));
        }
        let t = self.peek()?;
        if t.kind == TokKind::Word {
            match self.text(&t) {
                "raw" => return self.parse_raw(direction, ip.is_some()),
                "udp" => return self.parse_udp(direction, ip),
                "icmp" => return self.parse_icmp(direction, ip),
                "ipv4" | "ipv6" | "gre" | "GREv0" | "mpls" => {
                    return Err(self.err_at(
                        &t,
                        "a TCP, UDP or ICMP packet (encapsulation 'ipv4 a > b:', 'gre:', \
                         'mpls ...:': lwIP has no IP-in-IP, GRE or MPLS tunnels)",
                    ));
                }
                "encap" | "psp" => {
                    return Err(self.err_at(
                        &t,
                        "a TCP packet (PSP encapsulation 'encap psp spi N ...': lwIP has no PSP)",
                    ));
                }
                "udplite" => {
                    return Err(self.err_at(
                        &t,
                        "a TCP packet (UDP-Lite: tcpdiff drives lwIP's TCP only, its lwIP \
                         builds have no UDP)",
                    ));
                }
                _ => {}
            }
        }
        let ports = self.parse_opt_ports()?;
        let t = self.peek()?;
        if self.is_word(&t, "sctp") {
            return Err(self.err_at(&t, "a TCP packet (SCTP: lwIP has no SCTP)"));
        }
        let flags = self.parse_flags()?;
        let seq = if self.peek()?.kind == TokKind::Int && self.peek_at(1)?.is_punct(':') {
            Some(self.parse_seq()?)
        } else if self.peek()?.kind == TokKind::Ellipsis && self.peek_at(1)?.is_punct('(') {
            // `...(len)`: the sequence number is not checked.
            self.bump()?;
            self.bump()?;
            let len = self.expect_uint(u16::MAX.into(), "a payload length (0..=65535)")?;
            self.expect_punct(')', "')' after the payload length")?;
            Some(SeqRange {
                start: 0,
                end: len as u32,
                len: len as u16,
                absolute: false,
                unchecked: true,
            })
        } else {
            None
        };
        let ack = if self.peek_word("ack")? {
            self.bump()?;
            Some(self.expect_uint(
                u32::MAX.into(),
                "an ack number (0..=4294967295) after 'ack'",
            )? as u32)
        } else {
            None
        };
        let win_tok = self.peek()?;
        let win = if self.is_word(&win_tok, "win") {
            self.bump()?;
            Some(self.expect_uint(u16::MAX.into(), "a window (0..=65535) after 'win'")? as u16)
        } else {
            None
        };
        let urg = if self.peek_word("urg")? {
            self.bump()?;
            Some(
                self.expect_uint(u16::MAX.into(), "an urgent pointer (0..=65535) after 'urg'")?
                    as u16,
            )
        } else {
            None
        };
        let options = if self.peek_punct('<')? {
            let lt = self.peek()?;
            let opts = self.parse_tcp_options()?;
            if opts == TcpOptions::Wildcard && direction == Direction::In {
                return Err(self.err_at(
                    &lt,
                    "an explicit TCP option list ('<...>' is allowed only on outbound packets)",
                ));
            }
            Some(opts)
        } else {
            None
        };
        // `/udp(sport > dport)`: TCP over UDP.
        let udp_encaps = if self.peek_punct('/')? {
            self.bump()?;
            self.expect_word(
                "udp",
                "'udp' after '/' (TCP over UDP: '/udp(sport > dport)')",
            )?;
            self.expect_punct('(', "'(' after '/udp'")?;
            let a = self.expect_uint(u16::MAX.into(), "a UDP source port (0..=65535)")? as u16;
            self.expect_punct('>', "'>' between the UDP ports")?;
            let b = self.expect_uint(u16::MAX.into(), "a UDP destination port (0..=65535)")? as u16;
            self.expect_punct(')', "')' after the UDP ports")?;
            Some((a, b))
        } else {
            None
        };
        let t = self.peek()?;
        if t.is_punct('{') {
            return Err(self.err_at(
                &t,
                "the next event's time (packetdrill fuzzing blocks '{...}' are not supported)",
            ));
        }
        if self.is_word(&t, "sock") && self.peek_at(1)?.is_punct('(') {
            return Err(self.err_at(
                &t,
                "the next event's time (the MPTCP fork's subflow 'sock(N)': lwIP has no MPTCP)",
            ));
        }
        if direction == Direction::In && win.is_none() {
            self.warn_at(
                &dir_tok,
                "inbound packet without 'win N' (packetdrill requires a window on inbound packets)",
            );
        }
        Ok(EventKind::Packet(Packet {
            direction,
            ip,
            ports,
            flags,
            seq,
            ack,
            win,
            urg,
            options,
            udp_encaps,
        }))
    }

    fn parse_opt_ports(&mut self) -> PResult<Option<(u16, u16)>> {
        if self.peek()?.kind == TokKind::Int && self.peek_at(1)?.is_punct('>') {
            let src = self.expect_uint(u16::MAX.into(), "a source port (0..=65535)")? as u16;
            self.bump()?; // '>'
            let dst = self
                .expect_uint(u16::MAX.into(), "a destination port (0..=65535) after '>'")?
                as u16;
            Ok(Some((src, dst)))
        } else {
            Ok(None)
        }
    }

    fn parse_ip_info(&mut self) -> PResult<IpInfo> {
        const EXPECTED: &str = "an IP annotation (noecn, ect0, ect1, ce, ect01, ecn X, \
                                tos 0xNN, class 0xNN, dscp N, flowlabel 0xNNNNN, ttl N, hlim N)";
        let open = self.bump()?;
        let square = open.is_punct('[');
        let close = if square { ']' } else { ')' };
        let mut info = IpInfo {
            square,
            tos: None,
            flow_label: None,
            ttl: None,
        };
        loop {
            let t = self.peek()?;
            if t.kind != TokKind::Word {
                return Err(self.err_at(&t, EXPECTED));
            }
            let dup = |p: &Self| p.err_at(&t, "each IP annotation at most once per packet");
            match self.text(&t) {
                w @ ("noecn" | "ect0" | "ect1" | "ce" | "ect01") => {
                    if info.tos.is_some() {
                        return Err(dup(self));
                    }
                    info.tos = Some(match w {
                        "noecn" => TosSpec::NoEcn,
                        "ect0" => TosSpec::Ect0,
                        "ect1" => TosSpec::Ect1,
                        "ce" => TosSpec::Ce,
                        _ => TosSpec::Ect01,
                    });
                    self.bump()?;
                }
                // `ecn X`: the FreeBSD-oriented dialect's spelling of X.
                "ecn" => {
                    if info.tos.is_some() {
                        return Err(dup(self));
                    }
                    self.bump()?;
                    info.tos = Some(self.parse_ecn_word()?);
                }
                // `class` is IPv6's traffic class, the same byte as `tos`.
                w @ ("tos" | "class") => {
                    if info.tos.is_some() {
                        return Err(dup(self));
                    }
                    self.bump()?;
                    let v = self
                        .expect_uint_or_hex(0xff, &format!("a TOS byte (e.g. 0x10) after '{w}'"))?;
                    info.tos = Some(TosSpec::Tos(v as u8));
                }
                "dscp" => {
                    if info.tos.is_some() {
                        return Err(dup(self));
                    }
                    self.bump()?;
                    let dscp = self.parse_dscp()?;
                    // `dscp N, ecn X` sets the whole byte.
                    let next = self.peek_at(1)?;
                    let ecn_follows = self.peek_punct(',')?
                        && next.kind == TokKind::Word
                        && self.text(&next) == "ecn";
                    info.tos = Some(if ecn_follows {
                        self.bump()?;
                        self.bump()?;
                        match self.parse_ecn_word()? {
                            TosSpec::Ect01 => TosSpec::DscpEct01(dscp),
                            TosSpec::NoEcn => TosSpec::DscpEcn(dscp, 0),
                            TosSpec::Ect1 => TosSpec::DscpEcn(dscp, 1),
                            TosSpec::Ect0 => TosSpec::DscpEcn(dscp, 2),
                            _ => TosSpec::DscpEcn(dscp, 3),
                        }
                    } else {
                        TosSpec::Dscp(dscp)
                    });
                }
                "flowlabel" => {
                    if info.flow_label.is_some() {
                        return Err(dup(self));
                    }
                    self.bump()?;
                    let v = self.expect_uint_or_hex(
                        0xf_ffff,
                        "a 20-bit flow label (e.g. 0x12345) after 'flowlabel'",
                    )?;
                    info.flow_label = Some(v as u32);
                }
                // `hlim` is IPv6's hop limit, the same byte as `ttl`.
                w @ ("ttl" | "hlim") => {
                    if info.ttl.is_some() {
                        return Err(dup(self));
                    }
                    self.bump()?;
                    let v = self.expect_uint(0xff, &format!("a TTL (0..=255) after '{w}'"))?;
                    info.ttl = Some(v as u8);
                }
                _ => return Err(self.err_at(&t, EXPECTED)),
            }
            if self.peek_punct(',')? {
                self.bump()?;
                continue;
            }
            self.expect_punct(close, &format!("',' or '{close}' in the IP annotation"))?;
            return Ok(info);
        }
    }

    /// `noecn`, `ect0`, `ect1`, `ce` or `ect01` (after `ecn`).
    fn parse_ecn_word(&mut self) -> PResult<TosSpec> {
        let t = self.peek()?;
        let spec = match (t.kind == TokKind::Word).then(|| self.text(&t)) {
            Some("noecn") => TosSpec::NoEcn,
            Some("ect0") => TosSpec::Ect0,
            Some("ect1") => TosSpec::Ect1,
            Some("ce") => TosSpec::Ce,
            Some("ect01") => TosSpec::Ect01,
            _ => {
                return Err(self.err_at(
                    &t,
                    "an ECN codepoint after 'ecn' (noecn, ect0, ect1, ce, ect01)",
                ));
            }
        };
        self.bump()?;
        Ok(spec)
    }

    /// A DSCP after `dscp`: a number (0..=63, decimal or hex) or a
    /// codepoint's name (RFC 4594, 5865, 8622: cs0-cs7, af11-af43, ef,
    /// voice_admit, le; any case).
    fn parse_dscp(&mut self) -> PResult<u8> {
        const EXPECTED: &str = "a DSCP after 'dscp' (0..=63, or cs0-cs7, af11-af43, ef, \
                                voice_admit, le)";
        let t = self.peek()?;
        if t.kind == TokKind::Word {
            let w = self.text(&t).to_ascii_lowercase();
            let b = w.as_bytes();
            let v = match (w.as_str(), b) {
                ("ef", _) => Some(46),
                ("le", _) => Some(1),
                ("voice_admit" | "voice-admit" | "va", _) => Some(44),
                (_, [b'c', b's', n]) if (b'0'..=b'7').contains(n) => Some((n - b'0') * 8),
                (_, [b'a', b'f', x, y])
                    if (b'1'..=b'4').contains(x) && (b'1'..=b'3').contains(y) =>
                {
                    Some((x - b'0') * 8 + (y - b'0') * 2)
                }
                _ => None,
            };
            return match v {
                Some(v) => {
                    self.bump()?;
                    Ok(v)
                }
                None => Err(self.err_at(&t, EXPECTED)),
            };
        }
        Ok(self.expect_uint_or_hex(63, EXPECTED)? as u8)
    }

    fn parse_flags(&mut self) -> PResult<TcpFlags> {
        let first = self.peek()?;
        let ok_first = matches!(
            first.kind,
            TokKind::Word | TokKind::Float | TokKind::Punct('.') | TokKind::Punct('-')
        );
        if !ok_first {
            return Err(self.err_at(
                &first,
                "TCP flags (e.g. 'S', 'S.', 'P.', 'F.', 'R', '.', '-')",
            ));
        }
        self.bump()?;
        let mut raw = self.text(&first).to_string();
        if raw == "-" {
            return Ok(TcpFlags {
                raw,
                bits: 0,
                ace: None,
            });
        }
        let mut end = first.end;
        loop {
            let t = self.peek()?;
            let glue = t.start == end
                && matches!(
                    t.kind,
                    TokKind::Word | TokKind::Float | TokKind::Int | TokKind::Punct('.')
                );
            if !glue {
                break;
            }
            raw.push_str(self.text(&t));
            end = t.end;
            self.bump()?;
        }
        let mut bits = 0u16;
        let mut ace: Option<u8> = None;
        let mut ecn_letter = false;
        for (i, ch) in raw.chars().enumerate() {
            let bit = match ch {
                '.' => TcpFlags::ACK,
                'F' => TcpFlags::FIN,
                'S' => TcpFlags::SYN,
                'R' => TcpFlags::RST,
                'P' => TcpFlags::PSH,
                'U' => TcpFlags::URG,
                'E' => TcpFlags::ECE,
                'W' => TcpFlags::CWR,
                'A' => TcpFlags::AE,
                '0'..='7' => 0,
                _ => {
                    let mut e = self.err_at(
                        &first,
                        "TCP flags from '.FSRPEWAU' and at most one ACE digit 0-7",
                    );
                    e.col = first.col.saturating_add(i as u32);
                    e.found = format!("'{ch}' in '{raw}'");
                    return Err(e);
                }
            };
            let conflict = if let Some(d) = ch.to_digit(10) {
                let c = ace.is_some() || ecn_letter;
                ace = Some(d as u8);
                c
            } else {
                if matches!(ch, 'E' | 'W' | 'A') {
                    ecn_letter = true;
                }
                ecn_letter && ace.is_some()
            };
            if conflict {
                let mut e = self.err_at(
                    &first,
                    "at most one ACE digit 0-7, not combined with the E, W or A flags",
                );
                e.col = first.col.saturating_add(i as u32);
                e.found = format!("'{ch}' in '{raw}'");
                return Err(e);
            }
            bits |= bit;
        }
        if let Some(d) = ace {
            if d & 1 != 0 {
                bits |= TcpFlags::ECE;
            }
            if d & 2 != 0 {
                bits |= TcpFlags::CWR;
            }
            if d & 4 != 0 {
                bits |= TcpFlags::AE;
            }
        }
        Ok(TcpFlags { raw, bits, ace })
    }

    fn parse_seq(&mut self) -> PResult<SeqRange> {
        let start =
            self.expect_uint(u32::MAX.into(), "a start sequence number (0..=4294967295)")?;
        self.expect_punct(':', "':' between start and end sequence numbers")?;
        let end_tok = self.peek()?;
        let end = self.expect_uint(
            u32::MAX.into(),
            "an end sequence number (0..=4294967295) after ':'",
        )?;
        self.expect_punct('(', "'(' and the payload length after 'start:end'")?;
        let len = self.expect_uint(u16::MAX.into(), "a payload length (0..=65535)")?;
        self.expect_punct(')', "')' after the payload length")?;
        if start + len != end {
            let mut e = self.err_at(
                &end_tok,
                format!(
                    "end sequence {} (start {start} + length {len})",
                    start + len
                ),
            );
            e.found = format!("'{end}'");
            return Err(e);
        }
        // `start:end(len)!`: absolute sequence numbers.
        let absolute = self.peek_punct('!')?;
        if absolute {
            self.bump()?;
        }
        Ok(SeqRange {
            start: start as u32,
            end: end as u32,
            len: len as u16,
            absolute,
            unchecked: false,
        })
    }

    fn parse_tcp_options(&mut self) -> PResult<TcpOptions> {
        self.bump()?; // '<'
        if self.peek()?.kind == TokKind::Ellipsis {
            self.bump()?;
            self.expect_punct('>', "'>' after '<...'")?;
            return Ok(TcpOptions::Wildcard);
        }
        let mut list = Vec::new();
        loop {
            list.push(self.parse_tcp_option()?);
            if self.peek_punct(',')? {
                self.bump()?;
                continue;
            }
            self.expect_punct('>', "',' or '>' after a TCP option")?;
            return Ok(TcpOptions::List(list));
        }
    }

    /// Optional hex blob (`abcd1234`) as written after FO / md5 / opt.
    fn parse_hex_blob(&mut self, max_bytes: usize) -> PResult<Option<Vec<u8>>> {
        let t = self.peek()?;
        if !matches!(t.kind, TokKind::Word | TokKind::Int) {
            return Ok(None);
        }
        let expected = format!("an even number of hex digits (at most {max_bytes} bytes)");
        if let Some(e) = self.undefined(&t, &expected) {
            return Err(e);
        }
        let text = self.text(&t);
        if !text.len().is_multiple_of(2) || text.len() / 2 > max_bytes {
            return Err(self.err_at(&t, expected));
        }
        let mut out = Vec::with_capacity(text.len() / 2);
        for pair in text.as_bytes().chunks(2) {
            let s = std::str::from_utf8(pair).unwrap_or("");
            match u8::from_str_radix(s, 16) {
                Ok(b) if pair.iter().all(u8::is_ascii_hexdigit) => out.push(b),
                _ => return Err(self.err_at(&t, expected)),
            }
        }
        self.bump()?;
        Ok(Some(out))
    }

    fn parse_tcp_option(&mut self) -> PResult<TcpOption> {
        const EXPECTED: &str = "a TCP option (nop, eol, mss N, wscale N, sackOK, sack a:b, \
                                TS val N ecr N, FO, FOEXP, md5, AccECN0, AccECN1, exp-AccECN0, \
                                exp-AccECN1, exp-tarr, ECN, opt KIND)";
        let t = self.peek()?;
        if t.kind != TokKind::Word {
            return Err(self.err_at(&t, EXPECTED));
        }
        let name = self.text(&t);
        let opt = match name {
            "nop" => {
                self.bump()?;
                TcpOption::Nop
            }
            "eol" => {
                self.bump()?;
                TcpOption::Eol
            }
            "sackOK" => {
                self.bump()?;
                TcpOption::SackOk
            }
            "mss" => {
                self.bump()?;
                TcpOption::Mss(
                    self.expect_uint(u16::MAX.into(), "an MSS (0..=65535) after 'mss'")? as u16,
                )
            }
            "wscale" => {
                self.bump()?;
                if self.peek_punct('*')? {
                    self.bump()?;
                    TcpOption::WScaleAny
                } else {
                    TcpOption::WScale(
                        self.expect_uint(0xff, "a shift count (0..=255) or '*' after 'wscale'")?
                            as u8,
                    )
                }
            }
            "sack" => {
                self.bump()?;
                let mut blocks = Vec::new();
                loop {
                    let left = self.expect_uint(u32::MAX.into(), "a SACK block 'left:right'")?;
                    self.expect_punct(':', "':' in the SACK block 'left:right'")?;
                    let right = self.expect_uint(
                        u32::MAX.into(),
                        "the right edge of the SACK block (0..=4294967295)",
                    )?;
                    blocks.push((left as u32, right as u32));
                    if !(self.peek()?.kind == TokKind::Int && self.peek_at(1)?.is_punct(':')) {
                        break;
                    }
                }
                TcpOption::Sack(blocks)
            }
            "TS" => {
                self.bump()?;
                self.expect_word("val", "'val' after 'TS'")?;
                // `val ...`: not checked (the FreeBSD-oriented dialect).
                let val = if self.peek()?.kind == TokKind::Ellipsis {
                    self.bump()?;
                    None
                } else {
                    Some(self.expect_uint(
                        u32::MAX.into(),
                        "a TS value (0..=4294967295) or '...' after 'val'",
                    )? as u32)
                };
                self.expect_word("ecr", "'ecr' after the TS value")?;
                let ecr = self.expect_uint(
                    u32::MAX.into(),
                    "a TS echo reply (0..=4294967295) after 'ecr'",
                )? as u32;
                // `ecr N!`: absolute.
                let ecr_absolute = self.peek_punct('!')?;
                if ecr_absolute {
                    self.bump()?;
                }
                match val {
                    Some(val) if !ecr_absolute => TcpOption::Timestamp { val, ecr },
                    _ => TcpOption::TimestampMarked {
                        val,
                        ecr,
                        ecr_absolute,
                    },
                }
            }
            "FO" => {
                self.bump()?;
                TcpOption::FastOpen(self.parse_hex_blob(38)?.unwrap_or_default())
            }
            "FOEXP" => {
                self.bump()?;
                TcpOption::FastOpenExp(self.parse_hex_blob(36)?.unwrap_or_default())
            }
            "md5" => {
                self.bump()?;
                match self.parse_hex_blob(16)? {
                    Some(d) => TcpOption::Md5(d),
                    None => {
                        let n = self.peek()?;
                        return Err(self.err_at(&n, "an MD5 digest in hex after 'md5'"));
                    }
                }
            }
            "ECN" => {
                self.bump()?;
                let mut fields = Vec::new();
                while self.peek()?.kind == TokKind::Word && self.peek_at(1)?.kind == TokKind::Int {
                    let f = self.bump()?;
                    let fname = self.text(&f).to_string();
                    let v =
                        self.expect_uint(u32::MAX.into(), "a counter value (0..=4294967295)")?;
                    fields.push((fname, v as u32));
                }
                TcpOption::AccEcn(fields)
            }
            "AccECN0" | "AccECN1" | "AccECNEXP" => {
                let name = name.to_string();
                self.bump()?;
                TcpOption::AccEcnCounters {
                    fields: self.parse_accecn_counters(&name)?,
                    name,
                }
            }
            // The FreeBSD-oriented dialect's experimental options (RFC
            // 6994, kind 254): `exp-AccECN0`, `exp-AccECN1`, `exp-tarr`.
            "exp" if self.peek_at(1)?.is_punct('-') && self.peek_at(1)?.start == t.end => {
                let dash = self.peek_at(1)?;
                let w = self.peek_at(2)?;
                let sub = if w.kind == TokKind::Word && w.start == dash.end {
                    self.text(&w)
                } else {
                    ""
                };
                match sub {
                    "AccECN0" | "AccECN1" => {
                        let name = format!("exp-{sub}");
                        self.bump()?;
                        self.bump()?;
                        self.bump()?;
                        TcpOption::AccEcnCounters {
                            fields: self.parse_accecn_counters(&name)?,
                            name,
                        }
                    }
                    "tarr" => {
                        self.bump()?;
                        self.bump()?;
                        self.bump()?;
                        let rate =
                            if self.peek()?.kind == TokKind::Int {
                                Some(self.expect_uint(
                                    0x7ff,
                                    "an 11-bit rate (0..=2047) after 'exp-tarr'",
                                )? as u16)
                            } else {
                                None
                            };
                        TcpOption::ExpTarr(rate)
                    }
                    _ => {
                        return Err(self.err_at(
                            &w,
                            "an experimental option after 'exp-' (AccECN0, AccECN1, tarr)",
                        ));
                    }
                }
            }
            w if MPTCP_OPTIONS.contains(&w) => {
                return Err(self.err_at(
                    &t,
                    "a TCP option lwIP has (MPTCP options: lwIP has no Multipath TCP)",
                ));
            }
            "opt" => {
                self.bump()?;
                let kind = self.expect_uint(0xff, "an option kind (0..=255) after 'opt'")? as u8;
                let data = self.parse_hex_blob(38)?.unwrap_or_default();
                TcpOption::Generic { kind, data }
            }
            _ => return Err(self.err_at(&t, EXPECTED)),
        };
        Ok(opt)
    }

    /// The counters after an AccECN option's name: for `AccECN0` and
    /// `exp-AccECN0` a prefix of `ee0b N eceb N ee1b N`, for `AccECN1` and
    /// `exp-AccECN1` of `ee1b N eceb N ee0b N` (the FreeBSD-oriented
    /// dialect); for `AccECNEXP` (the AccECN fork) `e0b`, `ceb`, `e1b` in
    /// any order, each at most once. Values are 24 bits.
    fn parse_accecn_counters(&mut self, name: &str) -> PResult<Vec<(String, u32)>> {
        let order: &[&str] = match name {
            "AccECN0" | "exp-AccECN0" => &["ee0b", "eceb", "ee1b"],
            "AccECN1" | "exp-AccECN1" => &["ee1b", "eceb", "ee0b"],
            _ => &["e0b", "ceb", "e1b"],
        };
        let any_order = name == "AccECNEXP";
        let mut fields: Vec<(String, u32)> = Vec::new();
        loop {
            let f = self.peek()?;
            let fname = self.text(&f);
            if f.kind != TokKind::Word || !order.contains(&fname) {
                return Ok(fields);
            }
            let in_place = if any_order {
                !fields.iter().any(|(n, _)| n == fname)
            } else {
                order.get(fields.len()) == Some(&fname)
            };
            if !in_place {
                let want = if any_order {
                    "each AccECN counter at most once".to_string()
                } else {
                    format!("{name}'s counters in the order {}", order.join(", "))
                };
                return Err(self.err_at(&f, want));
            }
            let fname = fname.to_string();
            self.bump()?;
            let v = self.expect_uint(0xff_ffff, "a 24-bit AccECN counter (0..=16777215)")?;
            fields.push((fname, v as u32));
        }
    }

    /// `< raw "HEX" ["HEX"...]`: a whole IPv4 packet in hex (adjacent
    /// strings are joined; spaces inside are ignored).
    fn parse_raw(&mut self, direction: Direction, has_ip_info: bool) -> PResult<EventKind> {
        let raw = self.bump()?; // raw
        if direction == Direction::Out || has_ip_info {
            return Err(self.err_at(
                &raw,
                "'< raw \"HEX\"' (a raw packet is inbound only, without IP annotations)",
            ));
        }
        let mut hex = String::new();
        let mut first = None;
        while let TokKind::Str(s) = self.peek()?.kind {
            let t = self.bump()?;
            first.get_or_insert(t);
            hex.extend(s.chars().filter(|c| !c.is_whitespace()));
        }
        let Some(tok) = first else {
            let t = self.peek()?;
            return Err(self.err_at(
                &t,
                "the packet's bytes in hex, as a string: raw \"4500...\"",
            ));
        };
        let bytes = decode_hex(&hex).ok_or_else(|| {
            self.err_at(
                &tok,
                "an even number of hex digits (0-9, a-f) in the raw packet",
            )
        })?;
        Ok(EventKind::Raw(bytes))
    }

    fn parse_udp(&mut self, direction: Direction, ip: Option<IpInfo>) -> PResult<EventKind> {
        self.bump()?; // udp
        let ports = self.parse_opt_ports()?;
        self.expect_punct('(', "'(' and the UDP payload length after 'udp'")?;
        let len = self.expect_uint(u16::MAX.into(), "a UDP payload length (0..=65535)")? as u16;
        self.expect_punct(')', "')' after the UDP payload length")?;
        Ok(EventKind::Udp(UdpPacket {
            direction,
            ip,
            ports,
            len,
        }))
    }

    fn parse_icmp(&mut self, direction: Direction, ip: Option<IpInfo>) -> PResult<EventKind> {
        self.bump()?; // icmp
        let t = self.peek()?;
        if t.kind != TokKind::Word {
            return Err(self.err_at(&t, "an ICMP type name (e.g. 'unreachable') after 'icmp'"));
        }
        let icmp_type = self.text(&t).to_string();
        self.bump()?;
        let c = self.peek()?;
        let code = if c.kind == TokKind::Word && !matches!(self.text(&c), "mtu" | "id") {
            self.bump()?;
            Some(self.text(&c).to_string())
        } else {
            None
        };
        let mtu = if self.peek_word("mtu")? {
            self.bump()?;
            Some(self.expect_uint(u32::MAX.into(), "an MTU after 'mtu'")? as u32)
        } else {
            None
        };
        let id = if self.peek_word("id")? {
            self.bump()?;
            Some(self.expect_uint(u16::MAX.into(), "an echo id (0..=65535) after 'id'")? as u16)
        } else {
            None
        };
        let echoed = if self.peek_punct('[')? {
            self.bump()?;
            let t = self.peek()?;
            let e = if self.is_word(&t, "udp") || self.is_word(&t, "raw") {
                let udp = self.is_word(&t, "udp");
                self.bump()?;
                self.expect_punct('(', "'(' and a payload length")?;
                let len = self.expect_uint(u16::MAX.into(), "a payload length (0..=65535)")? as u16;
                self.expect_punct(')', "')' after the payload length")?;
                if udp {
                    IcmpEchoed::Udp(len)
                } else {
                    IcmpEchoed::Raw(len)
                }
            } else if t.kind == TokKind::Int {
                let seq = self.parse_seq()?;
                let slash = self.peek()?;
                if slash.is_punct('/') {
                    return Err(self.err_at(
                        &slash,
                        "']' after the echoed packet (an echoed TCP-over-UDP segment: \
                         lwIP has no TCP-over-UDP)",
                    ));
                }
                IcmpEchoed::Tcp(seq)
            } else if self.is_word(&t, "sctp") {
                return Err(self.err_at(&t, "an echoed TCP packet (SCTP: lwIP has no SCTP)"));
            } else if self.is_word(&t, "udplite") {
                return Err(self.err_at(
                    &t,
                    "an echoed TCP packet (UDP-Lite: tcpdiff drives lwIP's TCP only, its lwIP \
                     builds have no UDP)",
                ));
            } else {
                return Err(self.err_at(
                    &t,
                    "the echoed packet: 'start:end(len)', 'udp (len)' or 'raw (len)'",
                ));
            };
            self.expect_punct(']', "']' after the echoed packet")?;
            Some(e)
        } else {
            None
        };
        Ok(EventKind::Icmp(IcmpPacket {
            direction,
            ip,
            icmp_type,
            code,
            mtu,
            id,
            echoed,
        }))
    }

    // ----- calls and expressions -------------------------------------------

    fn parse_call(&mut self) -> PResult<Call> {
        let end_time =
            if self.peek()?.kind == TokKind::Ellipsis {
                self.bump()?;
                Some(self.parse_secs(
                    "the time the blocking call returns, after '...' (e.g. '...0.200')",
                )?)
            } else {
                None
            };
        let nt = self.peek()?;
        if nt.kind != TokKind::Word {
            return Err(self.err_at(&nt, "a call name after the blocking end time"));
        }
        let name = self.text(&nt).to_string();
        self.bump()?;
        self.expect_punct('(', &format!("'(' after the call name '{name}'"))?;
        let args = self.parse_list(')', "')' after arguments")?;
        let mut ret = None;
        let mut errno = None;
        let mut note = None;
        if self.peek_punct('=')? {
            self.bump()?;
            ret = Some(self.parse_expr()?);
            let t = self.peek()?;
            if t.kind == TokKind::Word {
                self.bump()?;
                errno = Some(self.text(&t).to_string());
            }
            if self.peek_punct('(')? {
                note = Some(self.parse_note()?);
            }
        }
        Ok(Call {
            end_time,
            name,
            args,
            ret,
            errno,
            note,
        })
    }

    fn parse_note(&mut self) -> PResult<String> {
        let open = self.bump()?;
        loop {
            let t = self.peek()?;
            match t.kind {
                TokKind::Punct(')') => {
                    self.bump()?;
                    let inner = self.src.get(open.end..t.start).unwrap_or("");
                    return Ok(inner.split_whitespace().collect::<Vec<_>>().join(" "));
                }
                TokKind::Eof | TokKind::Punct('(') => {
                    return Err(self.err_at(&t, "')' closing the note"));
                }
                _ => {
                    self.bump()?;
                }
            }
        }
    }

    /// Comma-separated expressions up to `close` (the opener is consumed).
    fn parse_list(&mut self, close: char, expected_close: &str) -> PResult<Vec<Expr>> {
        let mut items = Vec::new();
        if self.peek_punct(close)? {
            self.bump()?;
            return Ok(items);
        }
        loop {
            items.push(self.parse_expr()?);
            let t = self.peek()?;
            if t.is_punct(',') {
                self.bump()?;
            } else if t.is_punct(close) {
                self.bump()?;
                return Ok(items);
            } else {
                return Err(self.err_at(&t, expected_close));
            }
        }
    }

    fn parse_expr(&mut self) -> PResult<Expr> {
        if self.depth >= MAX_EXPR_DEPTH {
            let t = self.peek()?;
            return Err(self.err_at(
                &t,
                format!("at most {MAX_EXPR_DEPTH} levels of nested expressions"),
            ));
        }
        self.depth += 1;
        let r = self.parse_or();
        self.depth -= 1;
        r
    }

    fn parse_or(&mut self) -> PResult<Expr> {
        let first = self.parse_assign()?;
        if !self.peek_punct('|')? {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.peek_punct('|')? {
            self.bump()?;
            items.push(self.parse_assign()?);
        }
        Ok(Expr::Or(items))
    }

    fn parse_assign(&mut self) -> PResult<Expr> {
        let lhs = self.parse_primary()?;
        if matches!(lhs, Expr::Word(_) | Expr::Call(..)) && self.peek_punct('=')? {
            self.bump()?;
            let rhs = self.parse_expr()?;
            return Ok(Expr::Assign(Box::new(lhs), Box::new(rhs)));
        }
        Ok(lhs)
    }

    fn parse_primary(&mut self) -> PResult<Expr> {
        let t = self.peek()?;
        match &t.kind {
            TokKind::Ellipsis => {
                self.bump()?;
                Ok(Expr::Ellipsis)
            }
            TokKind::Int => match self.text(&t).parse::<i64>() {
                Ok(v) => {
                    self.bump()?;
                    Ok(Expr::Int(v))
                }
                Err(_) => Err(self.err_at(&t, "an integer that fits in 64 bits")),
            },
            TokKind::Hex => match u64::from_str_radix(self.text(&t).get(2..).unwrap_or(""), 16) {
                Ok(v) => {
                    self.bump()?;
                    Ok(Expr::Hex(v))
                }
                Err(_) => Err(self.err_at(&t, "a hex integer that fits in 64 bits")),
            },
            TokKind::Str(s) => {
                self.bump()?;
                let mut parts = vec![s.clone()];
                while let TokKind::Str(more) = self.peek()?.kind {
                    self.bump()?;
                    parts.push(more);
                }
                if parts.len() > 1 {
                    return Ok(Expr::Concat(parts));
                }
                let s = parts.pop().unwrap_or_default();
                if self.peek()?.kind == TokKind::Ellipsis {
                    self.bump()?;
                    return Ok(Expr::StrEllipsis(s));
                }
                Ok(Expr::Str(s))
            }
            TokKind::Word => {
                self.bump()?;
                let name = self.text(&t).to_string();
                let next = self.peek()?;
                if next.is_punct('(') && next.start == t.end {
                    self.bump()?;
                    let args =
                        self.parse_list(')', &format!("')' after the arguments of '{name}('"))?;
                    return Ok(Expr::Call(name, args));
                }
                Ok(Expr::Word(name))
            }
            TokKind::Punct('[') => {
                self.bump()?;
                Ok(Expr::Array(self.parse_list(']', "']' closing the array")?))
            }
            TokKind::Punct('{') => {
                // google's GRE and MPLS header expressions (for tunnel
                // setup calls): `{flags [none], sum 0, ...}`,
                // `{(label 1, tc 0, [S], ttl 1)}`.
                let (a, b) = (self.peek_at(1)?, self.peek_at(2)?);
                let gre = self.is_word(&a, "flags")
                    && matches!(b.kind, TokKind::Punct('[') | TokKind::Int | TokKind::Hex);
                let mpls = a.is_punct('(') && self.is_word(&b, "label");
                if gre || mpls {
                    return Err(self.err_at(
                        &t,
                        "an expression (a GRE or MPLS header: lwIP has no GRE or MPLS tunnels)",
                    ));
                }
                self.bump()?;
                Ok(Expr::Struct(
                    self.parse_list('}', "'}' closing the struct")?,
                ))
            }
            _ => Err(self.err_at(
                &t,
                "an expression (number, \"string\", NAME, NAME(...), ..., [array] or {struct})",
            )),
        }
    }
}

/// The MPTCP option names of the MPTCP fork of packetdrill's lexer (its
/// `tcp_option` productions): refused, lwIP has no MPTCP.
const MPTCP_OPTIONS: &[&str] = &[
    "mp_capable",
    "mp_capable_no_cs",
    "mpcapable",
    "mp_join_syn",
    "mp_join_syn_ack",
    "mp_join_ack",
    "dss",
    "add_address",
    "remove_address",
    "mp_prio",
    "mp_fail",
    "mp_fastclose",
];

/// Hex digits to bytes (None: odd length or a non-hex digit).
fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|d| u8::from_str_radix(d, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(src: &str) -> Call {
        let (s, _) = Parser::new("t.pkt", src).parse_script().expect("parses");
        match s.events.into_iter().next().map(|e| e.kind) {
            Some(EventKind::Call(c)) => c,
            other => panic!("{other:?}"),
        }
    }

    fn w(s: &str) -> Expr {
        Expr::Word(s.into())
    }

    #[test]
    fn assign_binds_looser_than_or() {
        let c = call("0 f(x|a=B|C, {y=1})\n");
        assert_eq!(
            c.args[0],
            Expr::Or(vec![
                w("x"),
                Expr::Assign(Box::new(w("a")), Box::new(Expr::Or(vec![w("B"), w("C")]))),
            ])
        );
        assert_eq!(
            c.args[1],
            Expr::Struct(vec![Expr::Assign(Box::new(w("y")), Box::new(Expr::Int(1)))])
        );
    }

    #[test]
    fn strings_and_calls() {
        let c = call("0 f(\"a\" \"b\", \"c\"...)\n");
        assert_eq!(c.args[0], Expr::Concat(vec!["a".into(), "b".into()]));
        assert_eq!(c.args[1], Expr::StrEllipsis("c".into()));
        // A call needs '(' right after the name; 'g (1)' is not an expression.
        let e = Parser::new("t.pkt", "0 f(g (1))\n")
            .parse_script()
            .unwrap_err();
        assert_eq!((e.line, e.col), (1, 7));
        let c = call("0 f(h(\"x\"), [], {}, 0xFF, -3)\n");
        assert_eq!(
            c.args,
            vec![
                Expr::Call("h".into(), vec![Expr::Str("x".into())]),
                Expr::Array(vec![]),
                Expr::Struct(vec![]),
                Expr::Hex(255),
                Expr::Int(-3),
            ]
        );
    }

    #[test]
    fn return_word_then_note() {
        let c = call("0 f() = ERR_OK (fine)\n");
        assert_eq!(c.ret, Some(w("ERR_OK")));
        assert_eq!(c.errno, None);
        assert_eq!(c.note.as_deref(), Some("fine"));
        let c = call("0 f() = -1 EAGAIN (Resource  temporarily\n unavailable)\n");
        assert_eq!(c.errno.as_deref(), Some("EAGAIN"));
        assert_eq!(c.note.as_deref(), Some("Resource temporarily unavailable"));
    }

    #[test]
    fn seconds_are_exact_micros() {
        let (s, w) = Parser::new("t.pkt", "1.000001 f()\n+.1 f()\n+2 f()\n0.0000019 f()\n")
            .parse_script()
            .expect("parses");
        let t: Vec<Time> = s.events.iter().map(|e| e.time).collect();
        assert_eq!(
            t,
            vec![
                Time::Absolute(1_000_001),
                Time::Relative(100_000),
                Time::Relative(2_000_000),
                Time::Absolute(1),
            ]
        );
        assert_eq!(w.len(), 1);
    }
}
