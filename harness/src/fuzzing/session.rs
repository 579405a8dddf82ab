//! The `tcp_session` generator: structured sessions from `arbitrary`
//! bytes, in the style of wasmtime's `ApiCalls` generator. A session is a
//! role (server or client), the peer's SYN options, an optional completed
//! handshake, and up to [`MAX_OPS`] operations: API calls, inbound
//! segments built from fields (flags, sequence and acknowledgement numbers
//! relative to what the peer and the engine have sent so far, window,
//! options, payload length), time advances and application policies.
//!
//! Valid by construction: the generator keeps the scope of live
//! descriptors (the listener or the connecting socket, the accepted
//! connection) and only calls on those; a descriptor closed with
//! `close`/`tcp_abort` leaves the scope. What it cannot know without
//! running an engine (whether a later `accept` finds a connection) it
//! treats conservatively: such a descriptor never joins the scope (its
//! connection still runs, under the every-connection policies), so no
//! call ever names a descriptor that is not open. Time stays within 3
//! hours.
//!
//! A server session can have up to [`MAX_PEERS`] peers at once
//! ([`Op::Peer`]); each new one connects from its own port and is accepted
//! at once, and its descriptor joins the scope. That accept is not certain
//! (a stray SYN may hold the listener's backlog of 1, the application may
//! refuse it), so no new peer starts after a generated segment with SYN or
//! an accept=ERR_MEM policy.
//!
//! A session runs over IPv4 or, when bit 1 of its [`Setup`] byte is set,
//! over IPv6 (the same session translated: [`Scenario::to_ipv6`]). The
//! byte was the `handshake` bool, whose decoding (bit 0) is unchanged.
//!
//! The output is a plain [`Scenario`], so a session is also a script
//! (`super::toscript`).

use arbitrary::{Arbitrary, Unstructured};

use crate::engine::app::{ERR_MEM, ERR_OK};
use crate::model::{
    Action, ApiCall, FinPolicy, PolicyChange, RecvPolicy, Scenario, ScenarioConfig, SentPolicy,
    Step, SymOpt, SymSegment,
};
use crate::wire::flags as F;

/// Most operations in a session.
pub const MAX_OPS: usize = 48;
/// Latest virtual time a session reaches (µs).
pub const MAX_TIME_US: u64 = 3 * 3600 * 1_000_000;

/// Which side the engine plays.
#[derive(Debug, Clone, Copy, Arbitrary, PartialEq, Eq)]
pub enum Role {
    /// socket, bind 8080, listen; the peer connects.
    Server,
    /// socket, connect; the peer answers.
    Client,
}

/// Options the peer's SYN (or SYN-ACK) carries.
#[derive(Debug, Clone, Arbitrary)]
pub struct SynOpts {
    /// MSS (None: no option).
    pub mss: Option<u16>,
    /// SACK permitted.
    pub sack: bool,
    /// Timestamps.
    pub ts: bool,
    /// Window scale (None: no option).
    pub wscale: Option<u8>,
    /// The window field.
    pub win: u16,
}

/// Flags of a generated segment.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum FlagsChoice {
    /// ACK
    Ack,
    /// PSH|ACK
    PshAck,
    /// FIN|ACK
    FinAck,
    /// FIN|PSH|ACK
    FinPshAck,
    /// RST
    Rst,
    /// RST|ACK
    RstAck,
    /// SYN
    Syn,
    /// SYN|ACK
    SynAck,
    /// Any byte.
    Raw(u8),
}

impl FlagsChoice {
    fn bits(self) -> u8 {
        match self {
            FlagsChoice::Ack => F::ACK,
            FlagsChoice::PshAck => F::PSH | F::ACK,
            FlagsChoice::FinAck => F::FIN | F::ACK,
            FlagsChoice::FinPshAck => F::FIN | F::PSH | F::ACK,
            FlagsChoice::Rst => F::RST,
            FlagsChoice::RstAck => F::RST | F::ACK,
            FlagsChoice::Syn => F::SYN,
            FlagsChoice::SynAck => F::SYN | F::ACK,
            FlagsChoice::Raw(b) => b,
        }
    }
}

/// A sequence number relative to the peer's next one.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum SeqChoice {
    /// The next byte the peer has not sent.
    Next,
    /// Before it (a retransmission, a partial overlap).
    Back(u16),
    /// After it (a hole: out of order).
    Ahead(u16),
    /// Any value (relative to the peer's ISN).
    Raw(u32),
}

/// An acknowledgement relative to what the engine is thought to have sent.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum AckChoice {
    /// Everything the engine has been asked to send.
    All,
    /// Some bytes less.
    Back(u16),
    /// Some bytes more (unsent data).
    Ahead(u16),
    /// Any value (relative to the engine's ISN).
    Raw(u32),
}

/// A payload length.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum LenChoice {
    /// No payload.
    Zero,
    /// A few bytes.
    Small(u8),
    /// One full segment (1460, or 536).
    Full(bool),
    /// Up to 1460.
    Any(u16),
}

/// One option of a generated segment.
#[derive(Debug, Clone, Arbitrary)]
pub enum OptChoice {
    /// NOP
    Nop,
    /// EOL
    Eol,
    /// MSS
    Mss(u16),
    /// Window scale.
    WScale(u8),
    /// SACK permitted.
    SackOk,
    /// SACK blocks: (offset back from "all", length) per block.
    Sack(Vec<(u16, u16)>),
    /// Timestamps; the echo is the engine's clock (ms) minus the value.
    Ts {
        /// The peer's TSval.
        val: u32,
        /// How far back the echo is.
        ecr_back: u8,
    },
    /// Another kind with some bytes.
    Other(u8, Vec<u8>),
}

/// A segment built from fields.
#[derive(Debug, Clone, Arbitrary)]
pub struct SegSpec {
    /// Flags.
    pub flags: FlagsChoice,
    /// Sequence number.
    pub seq: SeqChoice,
    /// Acknowledgement.
    pub ack: AckChoice,
    /// Window field.
    pub win: u16,
    /// Options (at most 4 used).
    pub opts: Vec<OptChoice>,
    /// Payload length.
    pub len: LenChoice,
}

/// A time advance.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum Advance {
    /// Some milliseconds.
    Ms(u8),
    /// Some timer ticks (250 ms).
    Ticks(u8),
    /// Some seconds (up to 1 h).
    Secs(u16),
}

/// A descriptor choice: an index into the scope.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub struct FdChoice(pub u8);

/// An API call.
#[derive(Debug, Clone, Arbitrary)]
pub enum CallSpec {
    /// write() (tcp_write COPY + tcp_output).
    Write(FdChoice, u16),
    /// tcp_write without output, with flags.
    TcpWrite(FdChoice, u16, bool, bool),
    /// tcp_output.
    Output(FdChoice),
    /// read(n).
    Read(FdChoice, u16),
    /// tcp_recved.
    Recved(FdChoice, u16),
    /// close.
    Close(FdChoice),
    /// tcp_shutdown.
    Shutdown(FdChoice, bool, bool),
    /// tcp_abort.
    Abort(FdChoice),
    /// Nagle off/on.
    Nagle(FdChoice, bool),
    /// tcp_keepalive(enable, idle s, interval s, count).
    Keepalive(FdChoice, bool, u8, u8, u8),
    /// tcp_setprio.
    SetPrio(FdChoice, u8),
    /// tcp_poll.
    Poll(FdChoice, u8),
    /// accept on the listener.
    Accept,
}

/// An application policy change.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum PolicySpec {
    /// recv=DEFER/CONSUME/REFUSE/ABORT.
    Recv(u8),
    /// fin=CLOSE / KEEP.
    CloseOnFin(bool),
    /// sent=WRITE(n) / NOTHING.
    WriteOnSent(u16),
    /// accept=ERR_OK / ERR_MEM.
    AcceptMem(bool),
}

/// One operation.
#[derive(Debug, Clone, Arbitrary)]
pub enum Op {
    /// A segment from the peer.
    Segment(SegSpec),
    /// Time passes.
    Advance(Advance),
    /// An API call.
    Call(CallSpec),
    /// A policy change, for one descriptor (Some) or every connection.
    Policy(Option<FdChoice>, PolicySpec),
    /// Later segments come from peer `k % MAX_PEERS` (server role): peer 0
    /// is the first one (port 40000), the others connect from 40001.. on
    /// their first use (SYN, ACK, accept), so sessions can hold several
    /// connections at once and reach what they share: pcbs, segments, the
    /// pbuf pool and lwIP's heap.
    Peer(u8),
}

/// Peers a server session can have at once.
pub const MAX_PEERS: usize = 4;

/// What the generator knows of one peer's connection.
#[derive(Debug, Clone, Copy, Default)]
struct PeerState {
    started: bool,
    peer_nxt: u32,
    eng_nxt: u32,
    ts: bool,
    synced: bool,
}

/// The byte after the SYN options: bit 0 completes the handshake (what
/// the `bool` read from this byte was before IPv6 sessions: `u8 & 1`),
/// bit 1 runs the session over IPv6, translated as an IPv4 script is
/// ([`Scenario::to_ipv6`]: packetdrill's IPv6 addresses, the bind to `::`,
/// the MTU 20 bytes larger so lwIP's MSS is the same). The other bits are
/// unused.
#[derive(Debug, Clone, Copy, Arbitrary, PartialEq, Eq)]
pub struct Setup(pub u8);

impl Setup {
    /// Complete the handshake (and accept) before the operations.
    pub const HANDSHAKE: u8 = 0x01;
    /// Run over IPv6.
    pub const IPV6: u8 = 0x02;

    /// Whether the handshake is completed before the operations.
    pub fn handshake(self) -> bool {
        self.0 & Self::HANDSHAKE != 0
    }

    /// Whether the session runs over IPv6.
    pub fn ipv6(self) -> bool {
        self.0 & Self::IPV6 != 0
    }
}

/// The position of the [`Setup`] byte in session bytes `data` (after the
/// role and the SYN options, whose length varies), if the data reaches it.
pub fn setup_byte(data: &[u8]) -> Option<usize> {
    let mut u = Unstructured::new(data);
    Role::arbitrary(&mut u).ok()?;
    SynOpts::arbitrary(&mut u).ok()?;
    let at = data.len() - u.len();
    // `arbitrary` takes some lengths from the end of short data, so the
    // byte is checked: toggling its family bit toggles the decoded
    // session's (None where it does not).
    let mut t = data.to_vec();
    *t.get_mut(at)? ^= Setup::IPV6;
    let a = Session::arbitrary(&mut Unstructured::new(data)).ok()?;
    let b = Session::arbitrary(&mut Unstructured::new(&t)).ok()?;
    (a.setup.ipv6() != b.setup.ipv6()).then_some(at)
}

/// Session bytes `data` with the address family bit of the [`Setup`] byte
/// set to `ipv6` (unchanged if the data does not reach that byte).
pub fn with_family(data: &[u8], ipv6: bool) -> Vec<u8> {
    let mut v = data.to_vec();
    if let Some(at) = setup_byte(data) {
        if ipv6 {
            v[at] |= Setup::IPV6;
        } else {
            v[at] &= !Setup::IPV6;
        }
    }
    v
}

/// A whole session, as `arbitrary` builds it.
#[derive(Debug, Clone, Arbitrary)]
pub struct Session {
    /// The engine's role.
    pub role: Role,
    /// The peer's SYN options.
    pub syn: SynOpts,
    /// Bit 0: complete the handshake (and accept) before the operations;
    /// bit 1: run the session over IPv6 ([`Setup`]).
    pub setup: Setup,
    /// The operations (at most [`MAX_OPS`] used).
    pub ops: Vec<Op>,
}

/// Builds a session from fuzzer bytes.
pub fn from_bytes(data: &[u8]) -> arbitrary::Result<Session> {
    Session::arbitrary_take_rest(Unstructured::new(data))
}

struct Gen {
    steps: Vec<Step>,
    now: u64,
    /// Live descriptors.
    fds: Vec<i32>,
    listener: Option<i32>,
    /// The peer's next sequence number (relative to its ISN).
    peer_nxt: u32,
    /// What the engine is thought to have sent (relative to its ISN).
    eng_nxt: u32,
    mss: u16,
    ts: bool,
    /// The engine has sent its SYN (acks relative to its ISN resolve).
    synced: bool,
    /// The current peer (index; its state is in the fields above).
    cur: usize,
    /// The other peers' states.
    peers: [PeerState; MAX_PEERS],
    /// The descriptor the next successful accept is expected to return.
    next_fd: i32,
    /// An accept=ERR_MEM policy was set, or a generated segment carried
    /// SYN (it may hold the listener's backlog of 1 in SYN_RCVD): a new
    /// peer's accept could fail, so no new peer starts.
    accept_refused: bool,
}

impl Gen {
    fn push(&mut self, action: Action) {
        self.steps.push(Step {
            at_us: self.now,
            line: self.steps.len() as u32 + 1,
            source: String::new(),
            action,
        });
    }

    fn call(&mut self, call: ApiCall) {
        self.push(Action::Call { call, expect: None });
    }

    fn fd(&self, c: FdChoice) -> Option<i32> {
        if self.fds.is_empty() {
            return None;
        }
        Some(self.fds[usize::from(c.0) % self.fds.len()])
    }

    fn forget(&mut self, fd: i32) {
        self.fds.retain(|f| *f != fd);
        if self.listener == Some(fd) {
            self.listener = None;
        }
    }

    fn syn_options(&self, s: &SynOpts) -> Vec<SymOpt> {
        let mut o = Vec::new();
        if let Some(m) = s.mss {
            o.push(SymOpt::Mss(m));
        }
        if s.sack {
            o.push(SymOpt::SackOk);
        }
        if s.ts {
            o.push(SymOpt::Ts(1000, 0));
        } else if s.sack {
            o.push(SymOpt::Nop);
            o.push(SymOpt::Nop);
        }
        if let Some(w) = s.wscale {
            o.push(SymOpt::Nop);
            o.push(SymOpt::WScale(w % 16));
        }
        o
    }

    fn seg(&self, flags: u8, seq: u32, ack: u32, win: u16, len: u16) -> SymSegment {
        SymSegment {
            flags,
            seq,
            len,
            ack: (flags & F::ACK != 0).then_some(ack),
            win,
            options: if self.ts {
                vec![
                    SymOpt::Nop,
                    SymOpt::Nop,
                    SymOpt::Ts(1000 + (self.now / 1000) as u32, (self.now / 1000) as u32),
                ]
            } else {
                vec![]
            },
            local_port: (self.cur != 0).then_some(8080),
            remote_port: (self.cur != 0).then_some(40000 + self.cur as u16),
            tos: 0,
            ttl: 64,
            flow: 0,
        }
    }

    /// Makes peer `k` the current one; a peer not yet connected connects
    /// (server role only: SYN with the session's options, ACK, accept).
    fn switch_peer(&mut self, k: u8, syn: &SynOpts) {
        let k = usize::from(k) % MAX_PEERS;
        if k == self.cur || self.listener.is_none() || self.accept_refused {
            return;
        }
        if let Some(p) = self.peers.get_mut(self.cur) {
            *p = PeerState {
                started: true,
                peer_nxt: self.peer_nxt,
                eng_nxt: self.eng_nxt,
                ts: self.ts,
                synced: self.synced,
            };
        }
        self.cur = k;
        let p = self.peers.get(k).copied().unwrap_or_default();
        if p.started {
            (self.peer_nxt, self.eng_nxt, self.ts, self.synced) =
                (p.peer_nxt, p.eng_nxt, p.ts, p.synced);
            return;
        }
        let Some(l) = self.listener else { return };
        (self.peer_nxt, self.eng_nxt, self.ts, self.synced) = (0, 1, false, false);
        self.now += 10_000;
        let mut s = self.seg(F::SYN, 0, 0, syn.win, 0);
        s.options = self.syn_options(syn);
        self.push(Action::Inbound(s));
        (self.peer_nxt, self.ts, self.synced) = (1, syn.ts, true);
        self.now += 10_000;
        let a = self.seg(F::ACK, 1, 1, syn.win, 0);
        self.push(Action::Inbound(a));
        self.call(ApiCall::Accept { fd: l });
        self.fds.push(self.next_fd);
        self.next_fd += 1;
    }

    fn segment(&mut self, s: &SegSpec) {
        let mut flags = s.flags.bits();
        self.accept_refused |= flags & F::SYN != 0;
        if !self.synced {
            // Acks and SACK blocks are relative to the engine's ISN: until
            // it has sent a SYN, the peer can only send without ACK.
            flags &= !F::ACK;
        }
        let syncs = !self.synced
            && flags & (F::SYN | F::ACK | F::RST | F::FIN) == F::SYN
            && self.listener.is_some();
        let seq = match s.seq {
            SeqChoice::Next => self.peer_nxt,
            SeqChoice::Back(d) => self.peer_nxt.wrapping_sub(u32::from(d)),
            SeqChoice::Ahead(d) => self.peer_nxt.wrapping_add(u32::from(d)),
            SeqChoice::Raw(v) => v,
        };
        let ack = match s.ack {
            AckChoice::All => self.eng_nxt,
            AckChoice::Back(d) => self.eng_nxt.wrapping_sub(u32::from(d)),
            AckChoice::Ahead(d) => self.eng_nxt.wrapping_add(u32::from(d)),
            AckChoice::Raw(v) => v,
        };
        let len = match s.len {
            LenChoice::Zero => 0,
            LenChoice::Small(n) => u16::from(n % 64),
            LenChoice::Full(big) => {
                if big {
                    self.mss
                } else {
                    536
                }
            }
            LenChoice::Any(n) => n % 1461,
        };
        let mut seg = self.seg(flags, seq, ack, s.win, len);
        if !s.opts.is_empty() {
            seg.options.clear();
        }
        for o in s.opts.iter().take(4) {
            seg.options.push(match o {
                OptChoice::Nop => SymOpt::Nop,
                OptChoice::Eol => SymOpt::Eol,
                OptChoice::Mss(m) => SymOpt::Mss(*m),
                OptChoice::WScale(w) => SymOpt::WScale(*w),
                OptChoice::SackOk => SymOpt::SackOk,
                OptChoice::Sack(b) if b.is_empty() || !self.synced => continue,
                OptChoice::Sack(b) => SymOpt::Sack(
                    b.iter()
                        .take(3)
                        .map(|(back, l)| {
                            let left = self.eng_nxt.wrapping_sub(u32::from(*back));
                            (left, left.wrapping_add(u32::from(*l)))
                        })
                        .collect(),
                ),
                OptChoice::Ts { val, ecr_back } => SymOpt::Ts(
                    *val,
                    ((self.now / 1000) as u32).wrapping_sub(u32::from(*ecr_back)),
                ),
                OptChoice::Other(k, d) => {
                    // Kinds lwIP parses are covered above; keep others.
                    let k = if *k <= 8 { 253 } else { *k };
                    SymOpt::Other(k, d.iter().take(8).copied().collect())
                }
            });
        }
        // A script can only say seq ranges that fit in u32.
        if u64::from(seg.seq) + u64::from(seg.len) > u64::from(u32::MAX) {
            seg.len = 0;
        }
        if seq == self.peer_nxt {
            self.peer_nxt = self
                .peer_nxt
                .wrapping_add(u32::from(len))
                .wrapping_add(u32::from(flags & (F::SYN | F::FIN) != 0));
        }
        self.push(Action::Inbound(seg));
        // The listener answers a bare SYN with its SYN-ACK.
        self.synced |= syncs;
    }

    fn api(&mut self, c: &CallSpec) {
        let call = match c {
            CallSpec::Accept => {
                let Some(l) = self.listener else { return };
                ApiCall::Accept { fd: l }
            }
            other => {
                let fdc = match other {
                    CallSpec::Write(f, ..)
                    | CallSpec::TcpWrite(f, ..)
                    | CallSpec::Output(f)
                    | CallSpec::Read(f, _)
                    | CallSpec::Recved(f, _)
                    | CallSpec::Close(f)
                    | CallSpec::Shutdown(f, ..)
                    | CallSpec::Abort(f)
                    | CallSpec::Nagle(f, _)
                    | CallSpec::Keepalive(f, ..)
                    | CallSpec::SetPrio(f, _)
                    | CallSpec::Poll(f, _) => *f,
                    CallSpec::Accept => unreachable!(),
                };
                let Some(fd) = self.fd(fdc) else { return };
                // lwIP asserts when tcp_output, tcp_recved, tcp_abort (and
                // the rest of the connection API) get a listening pcb: API
                // misuse, not a stack bug. On the listener, only close it.
                let on_listener = self.listener == Some(fd);
                if on_listener && !matches!(other, CallSpec::Close(_)) {
                    return;
                }
                match *other {
                    CallSpec::Write(_, n) => {
                        let len = u32::from(n % 8192);
                        self.eng_nxt = self.eng_nxt.wrapping_add(len);
                        ApiCall::Write {
                            fd,
                            len,
                            copy: true,
                            more: false,
                            output: true,
                        }
                    }
                    CallSpec::TcpWrite(_, n, copy, more) => {
                        let len = u32::from(n % 8192);
                        self.eng_nxt = self.eng_nxt.wrapping_add(len);
                        ApiCall::Write {
                            fd,
                            len,
                            copy,
                            more,
                            output: false,
                        }
                    }
                    CallSpec::Output(_) => ApiCall::Output { fd },
                    CallSpec::Read(_, n) => ApiCall::Read {
                        fd,
                        len: u32::from(n),
                    },
                    CallSpec::Recved(_, n) => ApiCall::Recved { fd, len: n },
                    CallSpec::Close(_) => {
                        // close() keeps the descriptor only if it fails;
                        // either way the generator stops using it.
                        self.forget(fd);
                        self.eng_nxt = self.eng_nxt.wrapping_add(1);
                        ApiCall::Close { fd }
                    }
                    CallSpec::Shutdown(_, rx, tx) => {
                        if tx {
                            self.eng_nxt = self.eng_nxt.wrapping_add(1);
                        }
                        ApiCall::Shutdown { fd, rx, tx }
                    }
                    CallSpec::Abort(_) => {
                        self.forget(fd);
                        ApiCall::Abort { fd }
                    }
                    CallSpec::Nagle(_, disable) => ApiCall::Nagle { fd, disable },
                    CallSpec::Keepalive(_, enable, idle, intvl, cnt) => ApiCall::Keepalive {
                        fd,
                        enable: Some(enable),
                        idle_ms: Some(u32::from(idle).max(1) * 1000),
                        intvl_ms: Some(u32::from(intvl).max(1) * 1000),
                        cnt: Some(u32::from(cnt % 10)),
                    },
                    CallSpec::SetPrio(_, p) => ApiCall::SetPrio { fd, prio: p },
                    CallSpec::Poll(_, i) => ApiCall::Poll { fd, interval: i },
                    CallSpec::Accept => unreachable!(),
                }
            }
        };
        self.call(call);
    }
}

impl Session {
    /// The scenario this session stands for (over IPv6 if the [`Setup`]
    /// byte says so; None if it could not be translated, which a session,
    /// stating no address, never is).
    pub fn scenario(&self) -> Option<Scenario> {
        let mut g = Gen {
            steps: Vec::new(),
            now: 0,
            fds: vec![3],
            listener: None,
            peer_nxt: 0,
            eng_nxt: 1,
            mss: self.syn.mss.unwrap_or(536).clamp(536, 1460),
            ts: false,
            synced: self.role == Role::Client || self.setup.handshake(),
            cur: 0,
            peers: [PeerState::default(); MAX_PEERS],
            next_fd: 4,
            accept_refused: false,
        };
        g.call(ApiCall::Socket);
        let syn_opts = g.syn_options(&self.syn);
        match self.role {
            Role::Server => {
                g.call(ApiCall::Bind {
                    fd: 3,
                    ip: lwip_vocab::IpAddr::V4([0; 4]),
                    port: 8080,
                });
                g.call(ApiCall::Listen {
                    fd: 3,
                    backlog: 1,
                    with_err: true,
                });
                g.listener = Some(3);
                if self.setup.handshake() {
                    g.now += 100_000;
                    let mut syn = g.seg(F::SYN, 0, 0, self.syn.win, 0);
                    syn.options = syn_opts;
                    g.push(Action::Inbound(syn));
                    g.peer_nxt = 1;
                    g.ts = self.syn.ts;
                    g.now += 100_000;
                    let ack = g.seg(F::ACK, 1, 1, self.syn.win, 0);
                    g.push(Action::Inbound(ack));
                    g.call(ApiCall::Accept { fd: 3 });
                    g.fds.push(4);
                    g.next_fd = 5;
                }
            }
            Role::Client => {
                g.call(ApiCall::Connect { fd: 3 });
                if self.setup.handshake() {
                    g.now += 100_000;
                    let mut synack = g.seg(F::SYN | F::ACK, 0, 1, self.syn.win, 0);
                    synack.options = syn_opts;
                    g.push(Action::Inbound(synack));
                    g.peer_nxt = 1;
                    g.ts = self.syn.ts;
                }
            }
        }
        for op in self.ops.iter().take(MAX_OPS) {
            match op {
                Op::Segment(s) => g.segment(s),
                Op::Advance(a) => {
                    let d = match *a {
                        Advance::Ms(m) => u64::from(m) * 1000,
                        Advance::Ticks(t) => u64::from(t) * 250_000,
                        Advance::Secs(s) => u64::from(s % 3600) * 1_000_000,
                    };
                    if g.now + d <= MAX_TIME_US {
                        g.now += d;
                        g.push(Action::Wait);
                    }
                }
                Op::Call(c) => g.api(c),
                Op::Peer(k) => g.switch_peer(*k, &self.syn),
                Op::Policy(fd, p) => {
                    let fd = match fd {
                        Some(c) => match g.fd(*c) {
                            Some(fd) => fd,
                            None => continue,
                        },
                        None => -1,
                    };
                    let change = match *p {
                        PolicySpec::Recv(r) => PolicyChange::Recv(match r % 4 {
                            0 => RecvPolicy::Defer,
                            1 => RecvPolicy::Consume,
                            2 => RecvPolicy::Refuse,
                            _ => RecvPolicy::Abort,
                        }),
                        PolicySpec::CloseOnFin(b) => {
                            PolicyChange::Fin(if b { FinPolicy::Close } else { FinPolicy::Keep })
                        }
                        PolicySpec::WriteOnSent(n) => {
                            PolicyChange::Sent(SentPolicy::Write(u32::from(n % 2048)))
                        }
                        PolicySpec::AcceptMem(m) => {
                            g.accept_refused |= m;
                            PolicyChange::AcceptReturns(if m { ERR_MEM } else { ERR_OK })
                        }
                    };
                    g.call(ApiCall::Policy { fd, change });
                }
            }
        }
        // Let the timers run a little after the last operation.
        g.now += 1_000_000;
        g.push(Action::Wait);
        let mut sc = Scenario {
            name: "tcp_session".into(),
            config: ScenarioConfig::default(),
            steps: g.steps,
            profiles: Vec::new(),
        };
        if self.setup.ipv6() {
            sc = sc.to_ipv6(false).ok()?;
            sc.profiles.clear();
        }
        for s in &mut sc.steps {
            s.source = format!(
                "{} {}",
                crate::script::format_secs(s.at_us as i64),
                super::toscript::action_text(&s.action)
            );
        }
        Some(sc)
    }
}

/// The scenario of fuzzer bytes (None if `arbitrary` could not build one).
pub fn scenario_of(data: &[u8]) -> Option<Scenario> {
    from_bytes(data).ok().and_then(|s| s.scenario())
}
