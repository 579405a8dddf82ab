//! The scenario model: what both engines are fed, step by step.
//!
//! A [`Scenario`] is a list of [`Step`]s at absolute virtual times. Steps
//! are inbound segments (symbolic: sequence and acknowledgement numbers
//! relative to the two ISNs, as packetdrill writes them), API calls with an
//! optional expected result, expectations on outbound segments, and changes
//! of application policy. Time advancing is implicit: before a step, the
//! runner advances every engine to the step's time, and lwIP's timers fire
//! on their 250 ms / 500 ms cadence on the way. Serialisable (JSON) so
//! machines can write scenarios too.

use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A whole test case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// Name (the script's path).
    pub name: String,
    /// Addresses, MTU, seed.
    pub config: ScenarioConfig,
    /// The steps, in time order.
    pub steps: Vec<Step>,
    /// The lwipopts profiles whose behaviour the script's expectations
    /// (`>` lines, call results) state (the option `--profiles=a,b`);
    /// empty: `full` alone. On any other profile `regress --profiles`
    /// runs the case differential-only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
}

/// The environment of a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioConfig {
    /// The engine's address (packetdrill's --local_ip). Both addresses are
    /// of one IP version: the scenario's (`--ip_version`).
    pub local_ip: IpAddr,
    /// The peer's address (packetdrill's --remote_ip).
    pub remote_ip: IpAddr,
    /// The peer's port.
    pub remote_port: u16,
    /// The netif's MTU.
    pub mtu: u16,
    /// Seeds LWIP_RAND() and the engines' ISNs.
    pub seed: u64,
    /// The peer's initial sequence number: inbound `seq` values are
    /// relative to it, outbound `ack` values too.
    pub remote_isn: u32,
    /// How far an outbound segment's time may be from its `>` line.
    pub tolerance_us: u64,
    /// Outbound packets no `>` line names are not failures (scripts made
    /// by `pcap2script`, which only replay the peer's side).
    #[serde(default)]
    pub unchecked_outbound: bool,
}
impl Scenario {
    /// Where an IPv6 scenario needs IPv4 too (a dual-stack build): the
    /// first step that binds an IPv4 address, as "line N: ..."; None when
    /// it needs IPv6 only.
    pub fn ipv4_use(&self) -> Option<String> {
        self.steps.iter().find_map(|step| match &step.action {
            Action::Call {
                call:
                    ApiCall::Bind {
                        ip: lwip_vocab::IpAddr::V4(a),
                        ..
                    },
                ..
            } => Some(format!(
                "line {}: it binds the IPv4 address {}",
                step.line,
                Ipv4Addr::from(a.to_owned())
            )),
            _ => None,
        })
    }

    /// The scenario over IPv6, for a build without IPv4 (profile `ipv6`):
    /// packetdrill's default IPv6 addresses for its default IPv4 ones,
    /// `::` for a bind to 0.0.0.0, the engine's IPv6 address for its IPv4
    /// one, and the MTU 20 bytes larger, so that the MSS lwIP offers and
    /// clamps to (MTU − 40 for IPv4, MTU − 60 for IPv6) is the script's.
    /// Everything else stays: segments carry no addresses; TOS and TTL
    /// annotations become traffic class and hop limit. The expectations
    /// count where the script states `ipv6` (then on the profiles it
    /// states), nowhere otherwise ([`NOT_VERIFIED_OVER_IPV6`]). Err names what ties
    /// the scenario to IPv4 (an address it states, netif_set_ipaddr,
    /// a raw IPv4 packet). `incidental_addresses`: the scenario's two
    /// addresses are whatever a capture had (a replay), not what the test
    /// is about, and any two translate; otherwise only packetdrill's
    /// defaults do (a script stating 224.0.0.5 tests multicast).
    pub fn to_ipv6(&self, incidental_addresses: bool) -> Result<Scenario, String> {
        let d = ScenarioConfig::default();
        let mut sc = self.clone();
        if self.config.is_ipv6() {
            return Ok(sc);
        }
        for (what, a, default, v6) in [
            ("--local_ip", self.config.local_ip, d.local_ip, IPV6_LOCAL),
            (
                "--remote_ip",
                self.config.remote_ip,
                d.remote_ip,
                IPV6_REMOTE,
            ),
        ] {
            if a != default && !incidental_addresses {
                return Err(format!("it states the IPv4 address {what}={a}"));
            }
            if what == "--local_ip" {
                sc.config.local_ip = IpAddr::V6(v6);
            } else {
                sc.config.remote_ip = IpAddr::V6(v6);
            }
        }
        // MTU 0 is "no limit" for lwIP (tcp_eff_send_mss_netif clamps
        // nothing), as over IPv4.
        if self.config.mtu != 0 {
            sc.config.mtu = self.config.mtu.saturating_add(20);
        }
        // The expectations hold over IPv6 where the script says so: it
        // states `ipv6` (found running it translated). Otherwise the
        // translated scenario is differential-only on every profile.
        if !self.profiles.iter().any(|p| p == "ipv6") {
            sc.profiles = vec![NOT_VERIFIED_OVER_IPV6.to_string()];
        }
        for step in &mut sc.steps {
            match &mut step.action {
                Action::Call {
                    call: ApiCall::Bind { ip, .. },
                    ..
                } => {
                    *ip = match *ip {
                        lwip_vocab::IpAddr::V4([0, 0, 0, 0]) => lwip_vocab::IpAddr::V6([0; 16]),
                        lwip_vocab::IpAddr::V4(a) if IpAddr::from(a) == self.config.local_ip => {
                            lwip_vocab::IpAddr::V6(IPV6_LOCAL.octets())
                        }
                        lwip_vocab::IpAddr::V4(a) => {
                            return Err(format!(
                                "line {}: it binds to the IPv4 address {}",
                                step.line,
                                Ipv4Addr::from(a)
                            ));
                        }
                        other => other,
                    };
                }
                Action::Call {
                    call: ApiCall::NetifSetIpaddr { .. },
                    ..
                } => {
                    return Err(format!(
                        "line {}: netif_set_ipaddr changes the netif's IPv4 address",
                        step.line
                    ));
                }
                Action::InboundRaw(_) => {
                    return Err(format!("line {}: a raw IPv4 packet", step.line));
                }
                Action::Call {
                    call:
                        ApiCall::NullArg {
                            arg: NullArg::BindAddr { .. },
                            ..
                        },
                    ..
                } => {
                    return Err(format!(
                        "line {}: tcp_bind(pcb, NULL): NULL is IP4_ADDR_ANY, an IPv4 address (lwIP without IPv4 returns ERR_ARG: corpus/scripts/ipv6/bind-null-address.pkt)",
                        step.line
                    ));
                }
                _ => {}
            }
        }
        Ok(sc)
    }

    /// Whether the script's expectations hold on `profile`.
    pub fn states_profile(&self, profile: &str) -> bool {
        if self.profiles.is_empty() {
            profile == "full"
        } else {
            self.profiles.iter().any(|p| p == profile)
        }
    }
}

/// What a translated scenario states as its profiles when the script does
/// not state `ipv6` (its expectations were not found to hold over IPv6):
/// no profile is named so, so it runs differential-only everywhere.
pub const NOT_VERIFIED_OVER_IPV6: &str =
    "none (translated to IPv6; the script does not state ipv6)";

/// packetdrill's default address for the engine (`--local_ip`).
pub const IPV4_LOCAL: [u8; 4] = [192, 168, 0, 1];
/// packetdrill's default address for the peer (`--remote_ip`).
pub const IPV4_REMOTE: [u8; 4] = [192, 0, 2, 1];

/// packetdrill's default addresses for `--ip_version=ipv6`: the engine's
/// fd3d:fa7b:d17d::1, the peer's 2001:db8::1.
pub const IPV6_LOCAL: Ipv6Addr = Ipv6Addr::new(0xfd3d, 0xfa7b, 0xd17d, 0, 0, 0, 0, 1);
/// The peer's default IPv6 address (RFC 3849 documentation space).
pub const IPV6_REMOTE: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);

impl ScenarioConfig {
    /// Whether the scenario runs over IPv6.
    pub fn is_ipv6(&self) -> bool {
        self.local_ip.is_ipv6()
    }

    /// The engine's address as four bytes (None in an IPv6 scenario).
    pub fn local_v4(&self) -> Option<[u8; 4]> {
        match self.local_ip {
            IpAddr::V4(a) => Some(a.octets()),
            IpAddr::V6(_) => None,
        }
    }

    /// The unspecified address of the scenario's version (a `bind` to any).
    pub fn any_ip(&self) -> IpAddr {
        if self.is_ipv6() {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        }
    }
}

impl Default for ScenarioConfig {
    fn default() -> Self {
        ScenarioConfig {
            local_ip: IpAddr::from(IPV4_LOCAL),
            remote_ip: IpAddr::from(IPV4_REMOTE),
            remote_port: 40000,
            mtu: 1500,
            seed: 1,
            remote_isn: 1_000_000,
            tolerance_us: 4_000,
            unchecked_outbound: false,
        }
    }
}

/// One step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Virtual time of the step, in microseconds since the start.
    pub at_us: u64,
    /// The script line it came from (0 if none).
    pub line: u32,
    /// The script text it came from, for reports.
    pub source: String,
    /// What happens.
    pub action: Action,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Action {
    /// A segment from the peer.
    Inbound(SymSegment),
    /// A whole IPv4 packet from the peer, byte for byte (`< raw "..."`).
    InboundRaw(Vec<u8>),
    /// The next segment the engine emits must match this (`>` line).
    Expect(OutExpect),
    /// An API call, with the result the script expects (if any).
    Call {
        /// The call.
        call: ApiCall,
        /// Expected result, if the script says.
        expect: Option<Expected>,
    },
    /// Only advance time to `at_us` (a time-only line, or the end).
    Wait,
}

/// A TCP option as a script states it; `seq`-like numbers in SACK blocks
/// are relative to the engine's ISN (for inbound) or the peer's (outbound).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SymOpt {
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
    /// SACK blocks (relative).
    Sack(Vec<(u32, u32)>),
    /// Timestamps (absolute: lwIP's TSval is its clock in ms).
    Ts(u32, u32),
    /// Timestamps whose value is not checked (`TS val ... ecr N`):
    /// outbound expectations only.
    TsAnyEcr(u32),
    /// Window scale with any shift count (`wscale *`): outbound
    /// expectations only.
    WScaleAny,
    /// Raw kind and data.
    Other(u8, Vec<u8>),
}

/// An inbound segment, symbolic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymSegment {
    /// TCP flag byte.
    pub flags: u8,
    /// Sequence number relative to the peer's ISN.
    pub seq: u32,
    /// Payload length (the payload bytes are a deterministic pattern of
    /// the sequence offset, so retransmissions carry the same bytes).
    pub len: u16,
    /// Acknowledgement relative to the engine's ISN (with ACK set).
    pub ack: Option<u32>,
    /// Window field.
    pub win: u16,
    /// Options, in order.
    pub options: Vec<SymOpt>,
    /// The engine's port this goes to (the listening or connecting port).
    pub local_port: Option<u16>,
    /// The peer's port it comes from (None: the scenario's `remote_port`).
    /// Each peer port is a connection of its own, with its own ISNs.
    #[serde(default)]
    pub remote_port: Option<u16>,
    /// TOS and TTL of the IP header.
    pub tos: u8,
    /// TTL.
    pub ttl: u8,
    /// The IPv6 flow label (`[flowlabel N]`; 0 in IPv4 scenarios).
    #[serde(default)]
    pub flow: u32,
}

/// What a `>` line asserts about an outbound segment; None fields are not
/// checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutExpect {
    /// Flag byte.
    pub flags: u8,
    /// Sequence range relative to the engine's ISN: start and payload length.
    pub seq: Option<(u32, u16)>,
    /// `seq` is absolute, not relative to the engine's ISN (`start:end(len)!`).
    #[serde(default)]
    pub seq_absolute: bool,
    /// With no `seq`: the payload length alone (`...(len)`).
    #[serde(default)]
    pub len: Option<u16>,
    /// Ack relative to the peer's ISN.
    pub ack: Option<u32>,
    /// Window field.
    pub win: Option<u16>,
    /// Options: None = not checked (`<...>` or not written).
    pub options: Option<Vec<SymOpt>>,
    /// Earliest and latest acceptable time (µs).
    pub window_us: (u64, u64),
    /// The peer port it must go to (None: not checked; sequence numbers
    /// are then relative to the connection it does go to).
    #[serde(default)]
    pub remote_port: Option<u16>,
    /// The IP header's TOS byte, where the line has an annotation for it
    /// (`[ect0]`, `(tos 0x10)`, `[dscp af11]`, ...).
    #[serde(default)]
    pub tos: Option<TosExpect>,
    /// The IP header's TTL (`(ttl 64)`, `(hlim 64)`).
    #[serde(default)]
    pub ttl: Option<u8>,
    /// The IPv6 flow label (`[flowlabel 0x12345]`; IPv6 scripts only).
    #[serde(default)]
    pub flow: Option<u32>,
}

/// What an outbound packet's TOS byte must be: `tos & mask == value`,
/// and with `ect01` an ECN field of ECT(0) or ECT(1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TosExpect {
    /// The bits that are checked.
    pub mask: u8,
    /// Their value.
    pub value: u8,
    /// The ECN field is ECT(0) or ECT(1) (`ect01`).
    pub ect01: bool,
}

impl TosExpect {
    /// Whether `tos` meets it.
    pub fn holds(&self, tos: u8) -> bool {
        tos & self.mask == self.value && (!self.ect01 || matches!(tos & 3, 1 | 2))
    }
}

/// Expected result of a call: an lwIP err_t name (`ERR_OK`), or a
/// socket-call result (`= 0`, `= 4`, `= -1 EAGAIN`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Expected {
    /// An err_t, by value.
    Err(i8),
    /// A number (fd, byte count, 0, -1).
    Value(i64),
    /// A number and an errno word (`= -1 EAGAIN`).
    Errno(i64, String),
    /// Anything (`...`).
    Any,
}

/// The descriptor a script writes as `NULL`: the call passes lwIP's NULL
/// pcb pointer (the C shim passes NULL, the port gets `Handle::NULL`).
/// Only calls whose lwIP function checks its pcb for NULL take it.
pub const NULL_FD: i32 = i32::MIN;

/// A NULL pointer argument other than the pcb (lwIP's argument checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NullArg {
    /// `tcp_bind(pcb, NULL, port)`: NULL is IP4_ADDR_ANY in an IPv4 build.
    BindAddr {
        /// Port.
        port: u16,
    },
    /// `tcp_connect(pcb, NULL, port, connected)`: ERR_ARG.
    ConnectAddr,
    /// `tcp_connect(pcb, remote, port, NULL)`: no connected callback.
    ConnectedFn,
    /// `tcp_write(pcb, NULL, len, flags)`: ERR_ARG.
    WriteData {
        /// The length passed.
        len: u16,
    },
    /// `tcp_tcp_get_tcp_addrinfo(pcb, local, addr or NULL, port or NULL)`.
    AddrInfo {
        /// The local side (true) or the remote one.
        local: bool,
        /// An address pointer (false: NULL).
        addr: bool,
        /// A port pointer (false: NULL).
        port: bool,
    },
}

/// An API call, by socket descriptor (packetdrill's fds: socket() gives 3,
/// accept() the next).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApiCall {
    /// socket() → tcp_new().
    Socket,
    /// bind(fd, port) → tcp_bind(pcb, IP_ANY, port).
    Bind {
        /// Descriptor.
        fd: i32,
        /// Local address: lwIP's `ip_addr_t` (0.0.0.0 or ::, the version's
        /// "any"; `IP_ANY_TYPE`, the dual-stack any).
        #[serde(with = "ip_addr_serde")]
        ip: lwip_vocab::IpAddr,
        /// Port.
        port: u16,
    },
    /// listen(fd, backlog) → tcp_listen_with_backlog_and_err (`with_err`),
    /// or tcp_listen_with_backlog (no error code).
    Listen {
        /// Descriptor.
        fd: i32,
        /// Backlog.
        backlog: u8,
        /// The `_and_err` variant (the socket layer's), which reports an
        /// err_t; without it the result is only success (0) or NULL (-1).
        with_err: bool,
    },
    /// accept(fd) → the next connection the accept callback delivered.
    Accept {
        /// Listening descriptor.
        fd: i32,
    },
    /// connect(fd, remote) → tcp_connect(pcb, remote_ip, remote_port).
    Connect {
        /// Descriptor.
        fd: i32,
    },
    /// tcp_write(pcb, pattern bytes, len, flags), then tcp_output if
    /// `output` (the socket-style write does both).
    Write {
        /// Descriptor.
        fd: i32,
        /// Byte count.
        len: u32,
        /// TCP_WRITE_FLAG_COPY.
        copy: bool,
        /// TCP_WRITE_FLAG_MORE.
        more: bool,
        /// Call tcp_output afterwards (write()).
        output: bool,
    },
    /// tcp_output(pcb).
    Output {
        /// Descriptor.
        fd: i32,
    },
    /// read(fd, n): takes up to n buffered bytes and calls tcp_recved.
    Read {
        /// Descriptor.
        fd: i32,
        /// Most bytes to take.
        len: u32,
    },
    /// tcp_recved(pcb, len).
    Recved {
        /// Descriptor.
        fd: i32,
        /// Bytes.
        len: u16,
    },
    /// close(fd) → tcp_close.
    Close {
        /// Descriptor.
        fd: i32,
    },
    /// shutdown(fd, how) → tcp_shutdown.
    Shutdown {
        /// Descriptor.
        fd: i32,
        /// SHUT_RD / SHUT_RDWR.
        rx: bool,
        /// SHUT_WR / SHUT_RDWR.
        tx: bool,
    },
    /// tcp_abort(pcb).
    Abort {
        /// Descriptor.
        fd: i32,
    },
    /// TCP_NODELAY → tcp_nagle_disable/enable.
    Nagle {
        /// Descriptor.
        fd: i32,
        /// Disable Nagle (TCP_NODELAY=1).
        disable: bool,
    },
    /// SO_KEEPALIVE and TCP_KEEPIDLE/INTVL/CNT (seconds, as sockets).
    Keepalive {
        /// Descriptor.
        fd: i32,
        /// SO_KEEPALIVE on.
        enable: Option<bool>,
        /// TCP_KEEPIDLE, ms.
        idle_ms: Option<u32>,
        /// TCP_KEEPINTVL, ms.
        intvl_ms: Option<u32>,
        /// TCP_KEEPCNT.
        cnt: Option<u32>,
    },
    /// tcp_setprio.
    SetPrio {
        /// Descriptor.
        fd: i32,
        /// Priority.
        prio: u8,
    },
    /// tcp_poll(pcb, interval).
    Poll {
        /// Descriptor.
        fd: i32,
        /// Slow-timer ticks.
        interval: u8,
    },
    /// tcp_backlog_delayed(pcb) (`delayed`) or tcp_backlog_accepted(pcb):
    /// the connection counts against its listener's backlog until
    /// accepted.
    Backlog {
        /// Descriptor.
        fd: i32,
        /// tcp_backlog_delayed (true) or tcp_backlog_accepted (false).
        delayed: bool,
    },
    /// tcp_recv / tcp_sent / tcp_err / tcp_accept(pcb, fn): the
    /// application sets or clears one of its callbacks.
    SetCallback {
        /// Descriptor.
        fd: i32,
        /// Which callback.
        slot: CbSlot,
        /// What it becomes.
        to: CbFn,
    },
    /// tcp_new_ip_type(type): a new pcb, as socket() (IPv4 only: the type
    /// is not used).
    NewIpType {
        /// IPADDR_TYPE_V4 (0), _V6 (6), _ANY (46).
        ty: u8,
    },
    /// tcp_tcp_get_tcp_addrinfo(pcb, local, &addr, &port): getsockname
    /// (`local`) or getpeername; the outcome carries the address.
    AddrInfo {
        /// Descriptor.
        fd: i32,
        /// The local side (true) or the remote one.
        local: bool,
    },
    /// tcp_bind_netif(pcb, netif or NULL).
    BindNetif {
        /// Descriptor.
        fd: i32,
        /// Bound to the netif (true) or to none.
        bound: bool,
    },
    /// A call with a NULL pointer argument other than the pcb.
    NullArg {
        /// Descriptor (or [`NULL_FD`]).
        fd: i32,
        /// Which call and argument.
        arg: NullArg,
    },
    /// `tcp_recv_null(arg, pcb, NULL, err)`: lwIP's default recv function
    /// called by the application with a NULL pbuf (ERR_OK: tcp_close).
    RecvNull {
        /// Descriptor (or [`NULL_FD`]).
        fd: i32,
        /// The err argument.
        err: i8,
    },
    /// `tcp_process_refused_data(NULL)`: ERR_ARG.
    ProcessRefusedDataNull,
    /// `tcp_pcb_purge(NULL)`: returns.
    PcbPurgeNull,
    /// tcp_tmr(): tcp_fasttmr, and tcp_slowtmr every other call, called by
    /// the application (with the application's callbacks).
    Tmr,
    /// tcp_txnow(): every active pcb whose last write failed for lack of
    /// memory sends what it has.
    TxNow,
    /// tcp_sndbuf(pcb): the send buffer space left; the value is compared.
    SndBuf {
        /// Descriptor.
        fd: i32,
    },
    /// tcp_sndqueuelen(pcb): pbufs queued for sending; the value is compared.
    SndQueuelen {
        /// Descriptor.
        fd: i32,
    },
    /// netif_set_ipaddr(netif, ip): the netif's address changes; lwIP's
    /// tcp_netif_ip_addr_changed aborts the pcbs bound to the old one.
    NetifSetIpaddr {
        /// The new address.
        ip: [u8; 4],
    },
    /// A socket-level no-op (fcntl O_NONBLOCK, setsockopt SO_REUSEADDR...).
    Nop {
        /// What it was.
        what: String,
    },
    /// Change the application's behaviour (tcp_app line).
    Policy {
        /// Descriptor (-1: every connection, including future ones).
        fd: i32,
        /// The change.
        change: PolicyChange,
    },
}

/// What the application does inside callbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecvPolicy {
    /// Take the data (ERR_OK) and keep it for read(); tcp_recved on read.
    Defer,
    /// Take the data and call tcp_recved at once.
    Consume,
    /// Return ERR_MEM: lwIP keeps it as refused data.
    Refuse,
    /// Call tcp_abort and return ERR_ABRT.
    Abort,
}

/// A callback the application can set or clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CbSlot {
    /// tcp_recv
    Recv,
    /// tcp_sent
    Sent,
    /// tcp_err
    Err,
    /// tcp_accept
    Accept,
}

/// What a callback is set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CbFn {
    /// NULL.
    Null,
    /// The application's (the harness's app).
    App,
    /// lwIP's own default, `tcp_accept_null` (accept only).
    AcceptNull,
}

/// What the application does when recv reports the peer's FIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FinPolicy {
    /// Note end of stream (read() returns 0), return ERR_OK.
    Keep,
    /// tcp_close the pcb and return its result.
    Close,
    /// tcp_abort the pcb and return ERR_ABRT.
    Abort,
}

/// What the application does in the connected or poll callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CbAction {
    /// Return ERR_OK.
    Nothing,
    /// tcp_close the pcb and return its result.
    Close,
    /// tcp_abort the pcb and return ERR_ABRT.
    Abort,
    /// Open a new connection (`tcp_new`, then `tcp_connect` to the
    /// scenario's remote address, at this port, or at the scenario's
    /// remote port if 0) and return ERR_OK; once per pcb: the policy then
    /// becomes `Nothing`.
    Connect(u16),
}

/// What the application does in the sent callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SentPolicy {
    /// Write this many more bytes (and tcp_output); 0: nothing.
    Write(u32),
    /// tcp_abort the pcb and return ERR_ABRT.
    Abort,
}

/// One change of application policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyChange {
    /// What recv does.
    Recv(RecvPolicy),
    /// What recv does with the FIN (`fin=`).
    Fin(FinPolicy),
    /// What sent does (`sent=`).
    Sent(SentPolicy),
    /// What connected does (`connected=`).
    Connected(CbAction),
    /// What poll does (`poll=`).
    Poll(CbAction),
    /// What accept returns (0 = ERR_OK).
    AcceptReturns(i8),
}

/// lwIP's `ip_addr_t` in scenario files: its text (`192.168.0.1`, `::1`,
/// `ANY` for IP_ANY_TYPE).
mod ip_addr_serde {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(a: &lwip_vocab::IpAddr, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(a)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<lwip_vocab::IpAddr, D::Error> {
        let t = String::deserialize(d)?;
        if t == "ANY" {
            return Ok(lwip_vocab::IpAddr::Any);
        }
        t.parse::<std::net::IpAddr>()
            .map(lwip_vocab::IpAddr::from)
            .map_err(|_| D::Error::custom(format!("not an address: {t}")))
    }
}
