//! Syntax tree of a packetdrill-dialect script.
//!
//! The tree is a faithful picture of what was written: nothing here is
//! resolved against a TCP stack (no sequence-number rebasing, no symbol
//! lookup). Times are kept as integer microseconds so that printing and
//! re-parsing a script is exact.

use serde::{Deserialize, Serialize};

/// One parsed script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Script {
    /// The path the script was parsed under (used in messages only).
    pub path: String,
    /// `--name` / `--name=value` lines at the top of the script, in order.
    pub options: Vec<(String, Option<String>)>,
    /// An untimed backquoted command before the first event
    /// (packetdrill's "init command"), verbatim.
    pub init_command: Option<String>,
    /// The timed events, in source order.
    pub events: Vec<Event>,
    /// An untimed backquoted command after the last event
    /// (packetdrill's "cleanup command"), verbatim.
    pub cleanup_command: Option<String>,
}

impl Script {
    /// Sets every source position in the tree to 0:0, so that trees parsed
    /// from differently laid-out text can be compared.
    pub fn strip_positions(&mut self) {
        for e in &mut self.events {
            e.line = 0;
            e.col = 0;
        }
    }

    /// A copy of the script with all positions set to 0:0.
    pub fn without_positions(&self) -> Script {
        let mut s = self.clone();
        s.strip_positions();
        s
    }
}

/// One timed line of a script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// 1-based line of the event's first token (its time).
    pub line: u32,
    /// 1-based column (in characters) of the event's first token.
    pub col: u32,
    pub time: Time,
    pub kind: EventKind,
}

/// When an event happens. All values are microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Time {
    /// `0.100`: microseconds since the start of the script.
    Absolute(i64),
    /// `+0.100`: microseconds after the previous event.
    Relative(i64),
    /// `*`: any time (outbound packets only).
    Any,
    /// `a~b` (absolute) or `+a~+b` (relative): any time in the range.
    Range {
        start: i64,
        end: i64,
        relative: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EventKind {
    /// A TCP segment, injected (`<`) or expected (`>`).
    Packet(Packet),
    /// A UDP datagram line (`< udp (100)`), kept for completeness.
    Udp(UdpPacket),
    /// An ICMP message line (`< icmp unreachable frag_needed mtu 1200 [...]`).
    Icmp(IcmpPacket),
    /// A system call or lwIP raw-API call: `name(args) [= ret [ERRNO] [(note)]]`.
    Call(Call),
    /// `< raw "45000028..."` (tcpdiff extension): a whole IPv4 packet,
    /// injected byte for byte (no checksum fixed, nothing resolved).
    Raw(Vec<u8>),
    /// A backquoted shell command, verbatim (between the backquotes).
    Command(String),
    /// A `%{ ... }%` code block, with surrounding spaces and tabs removed.
    Code(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// `<`: the script injects the packet into the stack under test.
    In,
    /// `>`: the stack under test is expected to send the packet.
    Out,
}

/// A TCP packet line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Packet {
    pub direction: Direction,
    /// `[ect0]`, `(tos 0x10)`, `[noecn, flowlabel 0x12]`, `(ttl 64)`...
    pub ip: Option<IpInfo>,
    /// `8080 > 9090` before the flags.
    pub ports: Option<(u16, u16)>,
    pub flags: TcpFlags,
    /// `start:end(len)`.
    pub seq: Option<SeqRange>,
    /// `ack N`.
    pub ack: Option<u32>,
    /// `win N`.
    pub win: Option<u16>,
    /// `urg N`.
    pub urg: Option<u16>,
    /// `None`: no option list written. `Some(Wildcard)`: `<...>`.
    pub options: Option<TcpOptions>,
    /// `/udp(sport > dport)` after the options: TCP carried over UDP
    /// (the FreeBSD-oriented dialect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub udp_encaps: Option<(u16, u16)>,
}

/// `start:end(len)` of a TCP packet or of the TCP packet echoed in ICMP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeqRange {
    pub start: u32,
    pub end: u32,
    pub len: u16,
    /// `start:end(len)!`: absolute sequence numbers, not relative to the
    /// ISN (the FreeBSD-oriented dialect).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub absolute: bool,
    /// `...(len)`: the sequence number is not checked, only the length
    /// (start and end are 0 and len).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unchecked: bool,
}

/// TCP header flags as written, plus the bits they stand for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcpFlags {
    /// The letters exactly as written: `"S."`, `"P."`, `"."`, `"-"`, `"F5."`.
    pub raw: String,
    /// Bit set of [`TcpFlags::FIN`] .. [`TcpFlags::AE`].
    pub bits: u16,
    /// AccECN ACE digit (`0`-`7`) if one was written.
    pub ace: Option<u8>,
}

impl TcpFlags {
    pub const FIN: u16 = 0x001;
    pub const SYN: u16 = 0x002;
    pub const RST: u16 = 0x004;
    pub const PSH: u16 = 0x008;
    pub const ACK: u16 = 0x010;
    pub const URG: u16 = 0x020;
    pub const ECE: u16 = 0x040;
    pub const CWR: u16 = 0x080;
    pub const AE: u16 = 0x100;

    /// Whether all bits in `mask` are set.
    pub fn has(&self, mask: u16) -> bool {
        self.bits & mask == mask
    }
}

/// IP-level annotation of a packet line: `[...]` or `(...)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpInfo {
    /// Which brackets were used, so that printing gives back the same text.
    pub square: bool,
    pub tos: Option<TosSpec>,
    pub flow_label: Option<u32>,
    pub ttl: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TosSpec {
    /// `noecn`: ECN field 00.
    NoEcn,
    /// `ect0`: ECN field 10.
    Ect0,
    /// `ect1`: ECN field 01.
    Ect1,
    /// `ce`: ECN field 11.
    Ce,
    /// `ect01`: either ECT codepoint (outbound only).
    Ect01,
    /// `tos 0xNN` (or `class 0xNN`, IPv6's name for it): the whole TOS
    /// byte.
    Tos(u8),
    /// `dscp N`: the six DSCP bits (the ECN field is not checked).
    Dscp(u8),
    /// `dscp N, ecn X`: the whole TOS byte, DSCP and the ECN codepoint
    /// (0 noecn, 1 ect1, 2 ect0, 3 ce).
    DscpEcn(u8, u8),
    /// `dscp N, ecn ect01`: the DSCP bits and either ECT codepoint
    /// (outbound only).
    DscpEct01(u8),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TcpOptions {
    /// `<...>`: do not check options (outbound only).
    Wildcard,
    /// `<mss 1460,nop,...>`.
    List(Vec<TcpOption>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TcpOption {
    /// `nop`
    Nop,
    /// `eol`
    Eol,
    /// `mss N`
    Mss(u16),
    /// `wscale N`
    WScale(u8),
    /// `wscale *`: any shift count.
    WScaleAny,
    /// `sackOK`
    SackOk,
    /// `sack a:b c:d ...`
    Sack(Vec<(u32, u32)>),
    /// `TS val N ecr M`
    Timestamp { val: u32, ecr: u32 },
    /// `TS val ... ecr N` (the value not checked) or `TS val N ecr N!`
    /// (the echo reply absolute): the FreeBSD-oriented dialect's forms.
    TimestampMarked {
        /// None: `val ...`.
        val: Option<u32>,
        ecr: u32,
        /// `ecr N!`.
        ecr_absolute: bool,
    },
    /// `FO [hexcookie]` (kind 34); empty cookie = cookie request.
    FastOpen(Vec<u8>),
    /// `FOEXP [hexcookie]` (experimental kind 254 with magic 0xF989).
    FastOpenExp(Vec<u8>),
    /// `md5 [hexdigest]` (kind 19).
    Md5(Vec<u8>),
    /// `ECN name N name N ...` (AccECN option), fields as written.
    AccEcn(Vec<(String, u32)>),
    /// `AccECN0 ee0b N eceb N ee1b N`, `AccECN1 ee1b N eceb N ee0b N`
    /// (RFC 9768's options, kinds 172 and 174), their experimental forms
    /// `exp-AccECN0`/`exp-AccECN1` (the FreeBSD-oriented dialect; kind 254,
    /// ExID 0xACC0/0xACC1) and `AccECNEXP e0b N ceb N e1b N` (the AccECN
    /// fork of packetdrill): `name` as written, the 24-bit counters in the
    /// order written.
    AccEcnCounters {
        name: String,
        fields: Vec<(String, u32)>,
    },
    /// `exp-tarr [R]`: the TCP ACK Rate Request experimental option
    /// (kind 254, ExID 0x00AC), with its 11-bit rate if written (the
    /// FreeBSD-oriented dialect).
    ExpTarr(Option<u16>),
    /// `opt KIND [hexdata]`: any option by number (tcpdiff extension).
    Generic { kind: u8, data: Vec<u8> },
}

/// `< udp (LEN)` / `> udp 1 > 2 (LEN)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UdpPacket {
    pub direction: Direction,
    pub ip: Option<IpInfo>,
    pub ports: Option<(u16, u16)>,
    pub len: u16,
}

/// `< icmp TYPE [CODE] [mtu N] [id N] [[echoed]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IcmpPacket {
    pub direction: Direction,
    pub ip: Option<IpInfo>,
    pub icmp_type: String,
    pub code: Option<String>,
    pub mtu: Option<u32>,
    pub id: Option<u16>,
    pub echoed: Option<IcmpEchoed>,
}

/// What an ICMP error quotes, in `[...]` at the end of the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IcmpEchoed {
    /// `[start:end(len)]`: a TCP segment.
    Tcp(SeqRange),
    /// `[udp (len)]`
    Udp(u16),
    /// `[raw (len)]`
    Raw(u16),
}

/// `[...end] name(args) [= ret [ERRNO] [(note)]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// `...0.200` before the name: a blocking call expected to return at
    /// this absolute time (microseconds).
    pub end_time: Option<i64>,
    pub name: String,
    pub args: Vec<Expr>,
    /// `= expr`; optional (lwIP extension lines usually omit it).
    pub ret: Option<Expr>,
    /// `EINPROGRESS` after the return value.
    pub errno: Option<String>,
    /// The parenthesised text after the return value / errno, whitespace
    /// collapsed: `Operation now in progress`.
    pub note: Option<String>,
}

/// An argument or return-value expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Expr {
    /// Decimal integer (may be negative).
    Int(i64),
    /// `0x...` integer.
    Hex(u64),
    /// `"..."`: the text between the quotes, escapes kept as written.
    Str(String),
    /// `"a" "b"`: adjacent string literals (packetdrill concatenates them).
    Concat(Vec<String>),
    /// `"..."...`: a string followed by an ellipsis (prefix match).
    StrEllipsis(String),
    /// A bare word: `SOCK_STREAM`, `ERR_OK`, `COPY`.
    Word(String),
    /// `...`: anything / don't care.
    Ellipsis,
    /// `A|B|C`: bitwise or, flattened (two or more items).
    Or(Vec<Expr>),
    /// `lhs=value`: keyword argument or struct field. `lhs` is a
    /// [`Expr::Word`] or, as in `msg_iov(1)=[...]`, an [`Expr::Call`].
    Assign(Box<Expr>, Box<Expr>),
    /// `[a, b]`
    Array(Vec<Expr>),
    /// `{a, b}` / `{field=expr, ...}`
    Struct(Vec<Expr>),
    /// `name(args)`: `htons(8080)`, `inet_addr("192.0.2.1")`, `WRITE(100)`.
    Call(String, Vec<Expr>),
}

impl Expr {
    /// For `name=value`, the name and the value.
    pub fn as_assign(&self) -> Option<(&str, &Expr)> {
        match self {
            Expr::Assign(lhs, value) => match lhs.as_ref() {
                Expr::Word(n) => Some((n.as_str(), value.as_ref())),
                Expr::Call(n, _) => Some((n.as_str(), value.as_ref())),
                _ => None,
            },
            _ => None,
        }
    }

    /// The integer value of `Int` / `Hex` (hex values above `i64::MAX` give `None`).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Expr::Int(v) => Some(*v),
            Expr::Hex(v) => i64::try_from(*v).ok(),
            _ => None,
        }
    }

    /// The name of a bare word.
    pub fn as_word(&self) -> Option<&str> {
        match self {
            Expr::Word(w) => Some(w),
            _ => None,
        }
    }
}
