//! TCP options: parsing exactly as lwIP's `tcp_parseopt` (tcp_in.c) and
//! building exactly as tcp_out.c lays them out.
//!
//! # Parsing
//!
//! [`tcp_parseopt`] is a pure function: it takes the option bytes, the
//! segment/pcb values the C function reads, and the [`Config`] (which option
//! kinds are compiled in), and returns both what it found
//! ([`TcpOptsFound`]) and what lwIP would write into the pcb
//! ([`TcpOptsEffects`]). Nothing is applied to any state here.
//!
//! lwIP's rules, kept exactly:
//! - EOL (0) stops parsing. NOP (1) is a single byte.
//! - MSS (2) is read only with length byte 4 and the whole option inside
//!   the option area; otherwise parsing **stops** ("bad length"). The value
//!   becomes `pcb->mss`, except that 0 or anything above `TCP_MSS` becomes
//!   `TCP_MSS`. Read on every segment, not only SYNs.
//! - WS (3), only with `LWIP_WND_SCALE`: length must be 3 (else stop). It
//!   takes effect only on a segment with SYN while the pcb lacks
//!   `TF_WND_SCALE` (so only the first WS of a SYN counts): `snd_scale` =
//!   shift clamped to 14, `rcv_scale = TCP_RCV_SCALE`, `TF_WND_SCALE` set,
//!   `rcv_wnd = rcv_ann_wnd = TCP_WND`.
//! - TS (8), only with `LWIP_TCP_TIMESTAMPS`: length must be 10 (else stop).
//!   Only TSval is read (TSecr is skipped). On SYN: `ts_recent = TSval` and
//!   `TF_TIMESTAMP` set. Otherwise `ts_recent = TSval` only if
//!   `TCP_SEQ_BETWEEN(pcb->ts_lastacksent, seqno, seqno + tcplen)`.
//! - SACK_PERM (4), only with `LWIP_TCP_SACK_OUT`: length must be 2 (else
//!   stop); sets `TF_SACK` only on SYN.
//! - Any other kind — including WS/TS/SACK_PERM when their feature is off,
//!   and SACK (5), which lwIP never parses — is skipped by its length byte;
//!   a length below 2 stops parsing. A length running past the option area
//!   simply ends the loop.
//! - Options applied before a stop stay applied (lwIP writes the pcb as it
//!   goes). A later occurrence of MSS/TS overwrites an earlier one.
//!
//! One C detail cannot be mirrored byte-for-byte: when an option's kind is
//! the last byte of the option area, lwIP reads its "length" from the byte
//! *after* the option area (the payload, or beyond). Every value of that
//! byte leads to the same outcome — parsing ends with nothing more applied —
//! so the port reports [`ParseoptEnd::Truncated`] without reading it.
//!
//! # Building
//!
//! lwIP writes options in 32-bit words with NOP padding, in this order:
//! `tcp_output_segment` (segments on the unsent/unacked queues, including
//! SYN and SYN-ACK): MSS, TS, WS, SACK_PERM; `tcp_output_fill_options`
//! (empty ACKs, RSTs, keepalives, zero-window probes): TS, then SACK blocks.
//! See [`build_segment_options`] and [`tcp_output_fill_options`].

use crate::config::Config;
use crate::seq::tcp_seq_between;
use crate::state::{TCP_SYN, TF_SACK, TF_TIMESTAMP, TF_WND_SCALE, TcpFlags, TcpState};

/// Port of lwIP's `LWIP_TCP_OPT_EOL` (tcp_priv.h).
pub const LWIP_TCP_OPT_EOL: u8 = 0;
/// Port of lwIP's `LWIP_TCP_OPT_NOP` (tcp_priv.h).
pub const LWIP_TCP_OPT_NOP: u8 = 1;
/// Port of lwIP's `LWIP_TCP_OPT_MSS` (tcp_priv.h).
pub const LWIP_TCP_OPT_MSS: u8 = 2;
/// Port of lwIP's `LWIP_TCP_OPT_WS` (tcp_priv.h).
pub const LWIP_TCP_OPT_WS: u8 = 3;
/// Port of lwIP's `LWIP_TCP_OPT_SACK_PERM` (tcp_priv.h).
pub const LWIP_TCP_OPT_SACK_PERM: u8 = 4;
/// Port of lwIP's `LWIP_TCP_OPT_TS` (tcp_priv.h).
pub const LWIP_TCP_OPT_TS: u8 = 8;
/// The SACK option kind (RFC 2018). lwIP 2.2.1 has no name for it: it
/// sends it (as the literal in `tcp_build_sack_option`) but never parses it.
pub const TCP_OPT_SACK: u8 = 5;

/// Port of lwIP's `LWIP_TCP_OPT_LEN_MSS` (tcp_priv.h).
pub const LWIP_TCP_OPT_LEN_MSS: u8 = 4;
/// Port of lwIP's `LWIP_TCP_OPT_LEN_TS` (tcp_priv.h).
pub const LWIP_TCP_OPT_LEN_TS: u8 = 10;
/// Port of lwIP's `LWIP_TCP_OPT_LEN_TS_OUT` (tcp_priv.h): aligned for output
/// (includes NOP padding); 0 in C without `LWIP_TCP_TIMESTAMPS`.
pub const LWIP_TCP_OPT_LEN_TS_OUT: u8 = 12;
/// Port of lwIP's `LWIP_TCP_OPT_LEN_WS` (tcp_priv.h).
pub const LWIP_TCP_OPT_LEN_WS: u8 = 3;
/// Port of lwIP's `LWIP_TCP_OPT_LEN_WS_OUT` (tcp_priv.h): aligned for output;
/// 0 in C without `LWIP_WND_SCALE`.
pub const LWIP_TCP_OPT_LEN_WS_OUT: u8 = 4;
/// Port of lwIP's `LWIP_TCP_OPT_LEN_SACK_PERM` (tcp_priv.h).
pub const LWIP_TCP_OPT_LEN_SACK_PERM: u8 = 2;
/// Port of lwIP's `LWIP_TCP_OPT_LEN_SACK_PERM_OUT` (tcp_priv.h): aligned for
/// output; 0 in C without `LWIP_TCP_SACK_OUT`.
pub const LWIP_TCP_OPT_LEN_SACK_PERM_OUT: u8 = 4;
/// Port of lwIP's `TCP_MAX_OPTION_BYTES` (prot/tcp.h).
pub const TCP_MAX_OPTION_BYTES: u8 = 40;

/// Port of lwIP's `TF_SEG_OPTS_MSS` (tcp_priv.h): `tcp_seg.flags` bit,
/// include MSS option (only used in SYN segments).
pub const TF_SEG_OPTS_MSS: u8 = 0x01;
/// Port of lwIP's `TF_SEG_OPTS_TS` (tcp_priv.h): include timestamp option.
pub const TF_SEG_OPTS_TS: u8 = 0x02;
/// Port of lwIP's `TF_SEG_DATA_CHECKSUMMED` (tcp_priv.h): all data (not the
/// header) is checksummed into `chksum` (not an option, but shares the
/// `tcp_seg.flags` byte).
pub const TF_SEG_DATA_CHECKSUMMED: u8 = 0x04;
/// Port of lwIP's `TF_SEG_OPTS_WND_SCALE` (tcp_priv.h): include window
/// scale option (only used in SYN segments).
pub const TF_SEG_OPTS_WND_SCALE: u8 = 0x08;
/// Port of lwIP's `TF_SEG_OPTS_SACK_PERM` (tcp_priv.h): include SACK
/// permitted option (only used in SYN segments).
pub const TF_SEG_OPTS_SACK_PERM: u8 = 0x10;

/// Port of lwIP's `struct tcp_sack_range` (tcp.h): one SACK block.
/// Invalid (unused) when `left == right`. In C's layout (`repr(C)`):
/// `struct tcp_pcb` holds an array of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct TcpSackRange {
    /// First sequence number acknowledged by this block.
    pub left: u32,
    /// Last sequence number acknowledged + 1 (first not acknowledged).
    pub right: u32,
}

impl TcpSackRange {
    /// Port of lwIP's `LWIP_TCP_SACK_VALID(pcb, idx)` (tcp.h): `left != right`.
    pub const fn is_valid(&self) -> bool {
        self.left != self.right
    }
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

/// What `tcp_parseopt` reads besides the option bytes: tcp_in.c's globals
/// `flags`, `seqno`, `tcplen` and the pcb fields it tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ParseoptCtx {
    /// The segment's `TCPH_FLAGS` (tcp_in.c global `flags`).
    pub flags: u8,
    /// The segment's sequence number (tcp_in.c global `seqno`).
    pub seqno: u32,
    /// tcp_in.c global `tcplen` (payload length + 1 for SYN or FIN).
    pub tcplen: u16,
    /// `pcb->flags` when `tcp_parseopt` is called.
    pub pcb_flags: TcpFlags,
    /// `pcb->ts_lastacksent`.
    pub ts_lastacksent: u32,
}

/// A timestamp option as found on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TcpTimestamp {
    /// TSval (the value lwIP reads).
    pub tsval: u32,
    /// TSecr (lwIP skips it; reported for information only).
    pub tsecr: u32,
}

/// The options `tcp_parseopt` recognised and read, in wire values, before it
/// stopped. Kinds whose feature is compiled out (per [`Config`]) are skipped
/// by lwIP and so never appear here. For repeated options the last wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpOptsFound {
    /// MSS value as sent (before clamping).
    pub mss: Option<u16>,
    /// Window-scale shift as sent (before clamping to 14).
    pub wnd_scale: Option<u8>,
    /// Timestamp option.
    pub timestamp: Option<TcpTimestamp>,
    /// A well-formed SACK_PERM option was present (on any segment).
    pub sack_perm: bool,
}

/// What `tcp_parseopt` would assign to the pcb. `None` means "not written".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpOptsEffects {
    /// New `pcb->mss`: the option's value, or `TCP_MSS` when the value is 0
    /// or above `TCP_MSS`.
    pub mss: Option<u16>,
    /// New `pcb->snd_scale` (peer's shift clamped to 14).
    pub snd_scale: Option<u8>,
    /// New `pcb->rcv_scale` (`TCP_RCV_SCALE`).
    pub rcv_scale: Option<u8>,
    /// New `pcb->rcv_wnd` *and* `pcb->rcv_ann_wnd` (`TCP_WND`), set together
    /// with the window-scale fields.
    pub rcv_wnd: Option<u32>,
    /// New `pcb->ts_recent`.
    pub ts_recent: Option<u32>,
    /// Bits lwIP ORs into `pcb->flags` (`tcp_set_flags`): any of
    /// `TF_WND_SCALE`, `TF_TIMESTAMP`, `TF_SACK`.
    pub set_flags: TcpFlags,
}

impl TcpOptsEffects {
    /// `pcb_flags` with [`TcpOptsEffects::set_flags`] applied.
    pub const fn apply_flags(&self, pcb_flags: TcpFlags) -> TcpFlags {
        pcb_flags | self.set_flags
    }
}

/// How `tcp_parseopt` finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParseoptEnd {
    /// The loop ran off the end of the option area (normal end, also after
    /// skipping an unknown option whose length runs past the end).
    Exhausted,
    /// An EOL option (C: `return` at `LWIP_TCP_OPT_EOL`).
    Eol,
    /// A recognised option had the wrong length byte or did not fit in the
    /// option area, or an unknown option had a length below 2 (C: the "bad
    /// length" `return`s).
    BadLength {
        /// Offset of the offending option's kind byte in the option area.
        offset: usize,
        /// Its kind.
        kind: u8,
    },
    /// An option kind was the last byte of the option area, so its length
    /// byte is missing (see the [module docs](self)).
    Truncated {
        /// Offset of the kind byte (always `options.len() - 1`).
        offset: usize,
        /// Its kind.
        kind: u8,
    },
}

/// Result of [`tcp_parseopt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TcpParseopt {
    /// What was read.
    pub found: TcpOptsFound,
    /// What lwIP would write into the pcb.
    pub effects: TcpOptsEffects,
    /// Why parsing stopped.
    pub end: ParseoptEnd,
}

/// Port of lwIP's `tcp_parseopt` (tcp_in.c) as a pure function.
///
/// `options` are the bytes between the fixed TCP header and the data offset
/// (lwIP's `tcphdr_optlen` bytes; [`crate::wire::TcpSegment::options`]). See
/// the [module docs](self) for the rules. lwIP calls this from
/// `tcp_listen_input` (on the new pcb, for the SYN that created it) and from
/// `tcp_process` — after its RST handling (so never for a segment with RST)
/// and after its "SYN outside SYN_SENT/SYN_RCVD: ACK and return" check.
/// Segments to TIME_WAIT pcbs (`tcp_timewait_input`) are never parsed.
///
/// Never panics; work is bounded by `options.len()`.
pub fn tcp_parseopt(cfg: &Config, ctx: &ParseoptCtx, options: &[u8]) -> TcpParseopt {
    let mut found = TcpOptsFound::default();
    let mut effects = TcpOptsEffects::default();
    let end = parse_loop(cfg, ctx, options, &mut found, &mut effects);
    TcpParseopt {
        found,
        effects,
        end,
    }
}

/// Reads a big-endian `u16`/`u32` of `N` bytes at `at` (caller checked the
/// range; returns 0 otherwise).
fn be(options: &[u8], at: usize, n: usize) -> u32 {
    options.get(at..at.saturating_add(n)).map_or(0, |b| {
        b.iter().fold(0u32, |acc, &x| (acc << 8) | u32::from(x))
    })
}

fn parse_loop(
    cfg: &Config,
    ctx: &ParseoptCtx,
    options: &[u8],
    found: &mut TcpOptsFound,
    effects: &mut TcpOptsEffects,
) -> ParseoptEnd {
    let optlen = options.len();
    let syn = ctx.flags & TCP_SYN != 0;
    // lwIP tests pcb->flags as it updates them (second WS on a SYN is a
    // no-op because the first set TF_WND_SCALE).
    let mut pcb_flags = ctx.pcb_flags;
    let mut idx = 0usize;

    while let Some(&kind) = options.get(idx) {
        let at = idx;
        if kind == LWIP_TCP_OPT_EOL {
            return ParseoptEnd::Eol;
        }
        if kind == LWIP_TCP_OPT_NOP {
            idx = at.saturating_add(1);
            continue;
        }
        let Some(&len) = options.get(at.saturating_add(1)) else {
            return ParseoptEnd::Truncated { offset: at, kind };
        };
        // Known kinds: the length byte must match and the whole option fit
        // (C: `tcp_get_next_optbyte() != LEN || (tcp_optidx - 2 + LEN) >
        // tcphdr_optlen`).
        let fits = |want: u8| len == want && at.saturating_add(usize::from(want)) <= optlen;
        let bad = ParseoptEnd::BadLength { offset: at, kind };
        match kind {
            LWIP_TCP_OPT_MSS => {
                if !fits(LWIP_TCP_OPT_LEN_MSS) {
                    return bad;
                }
                let mss = u16::try_from(be(options, at.saturating_add(2), 2)).unwrap_or(0);
                found.mss = Some(mss);
                effects.mss = Some(if mss == 0 {
                    cfg.tcp_mss
                } else {
                    mss.min(cfg.tcp_mss)
                });
                idx = at.saturating_add(usize::from(LWIP_TCP_OPT_LEN_MSS));
            }
            LWIP_TCP_OPT_WS if cfg.lwip_wnd_scale => {
                if !fits(LWIP_TCP_OPT_LEN_WS) {
                    return bad;
                }
                let shift = options.get(at.saturating_add(2)).copied().unwrap_or(0);
                found.wnd_scale = Some(shift);
                if syn && pcb_flags & TF_WND_SCALE == 0 {
                    effects.snd_scale = Some(shift.min(14));
                    effects.rcv_scale = Some(cfg.tcp_rcv_scale);
                    effects.rcv_wnd = Some(cfg.tcp_wnd);
                    effects.set_flags |= TF_WND_SCALE;
                    pcb_flags |= TF_WND_SCALE;
                }
                idx = at.saturating_add(usize::from(LWIP_TCP_OPT_LEN_WS));
            }
            LWIP_TCP_OPT_TS if cfg.lwip_tcp_timestamps => {
                if !fits(LWIP_TCP_OPT_LEN_TS) {
                    return bad;
                }
                // lwIP assembles the 4 bytes little-endian and applies
                // lwip_ntohl: on the little-endian hosts we target that is
                // the big-endian (wire) value.
                let tsval = be(options, at.saturating_add(2), 4);
                let tsecr = be(options, at.saturating_add(6), 4);
                found.timestamp = Some(TcpTimestamp { tsval, tsecr });
                if syn {
                    effects.ts_recent = Some(tsval);
                    effects.set_flags |= TF_TIMESTAMP;
                    pcb_flags |= TF_TIMESTAMP;
                } else if tcp_seq_between(
                    ctx.ts_lastacksent,
                    ctx.seqno,
                    ctx.seqno.wrapping_add(u32::from(ctx.tcplen)),
                ) {
                    effects.ts_recent = Some(tsval);
                }
                idx = at.saturating_add(usize::from(LWIP_TCP_OPT_LEN_TS));
            }
            LWIP_TCP_OPT_SACK_PERM if cfg.lwip_tcp_sack_out => {
                if !fits(LWIP_TCP_OPT_LEN_SACK_PERM) {
                    return bad;
                }
                found.sack_perm = true;
                if syn {
                    effects.set_flags |= TF_SACK;
                    pcb_flags |= TF_SACK;
                }
                idx = at.saturating_add(usize::from(LWIP_TCP_OPT_LEN_SACK_PERM));
            }
            _ => {
                // C: "All other options have a length field, so that we
                // easily can skip past them"; a length < 2 is malformed.
                if len < 2 {
                    return bad;
                }
                idx = at.saturating_add(usize::from(len));
            }
        }
    }
    ParseoptEnd::Exhausted
}

// ---------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------

/// Up to `TCP_MAX_OPTION_BYTES` (40) bytes of TCP options, built in place
/// (no allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TcpOptBytes {
    buf: [u8; TCP_MAX_OPTION_BYTES as usize],
    len: u8,
}

impl Default for TcpOptBytes {
    fn default() -> TcpOptBytes {
        TcpOptBytes::new()
    }
}

impl TcpOptBytes {
    /// No options.
    pub const fn new() -> TcpOptBytes {
        TcpOptBytes {
            buf: [0; TCP_MAX_OPTION_BYTES as usize],
            len: 0,
        }
    }

    /// The option bytes.
    pub fn as_slice(&self) -> &[u8] {
        self.buf.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// Length in bytes (a multiple of 4 for everything lwIP builds).
    pub const fn len(&self) -> u8 {
        self.len
    }

    /// `true` if no options.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `bytes`; returns `false` (and appends nothing) if the result
    /// would exceed 40 bytes.
    pub fn push(&mut self, bytes: &[u8]) -> bool {
        let start = usize::from(self.len);
        let Some(end) = start.checked_add(bytes.len()) else {
            return false;
        };
        let Some(dst) = self.buf.get_mut(start..end) else {
            return false;
        };
        dst.copy_from_slice(bytes);
        // end <= 40 here.
        self.len = u8::try_from(end).unwrap_or(TCP_MAX_OPTION_BYTES);
        true
    }
}

/// Port of lwIP's `LWIP_TCP_OPT_LENGTH(flags)` (tcp_priv.h) — which is
/// `LWIP_TCP_OPT_LENGTH_SEGMENT(flags, pcb)` (tcp_out.c) without the
/// `LWIP_HOOK_TCP_OUT_TCPOPT_LENGTH` hook. Lengths of features compiled out
/// (per `cfg`) count 0, as in C.
pub const fn lwip_tcp_opt_length(cfg: &Config, optflags: u8) -> u8 {
    let mut n = 0u8;
    if optflags & TF_SEG_OPTS_MSS != 0 {
        n += LWIP_TCP_OPT_LEN_MSS;
    }
    if optflags & TF_SEG_OPTS_TS != 0 && cfg.lwip_tcp_timestamps {
        n += LWIP_TCP_OPT_LEN_TS_OUT;
    }
    if optflags & TF_SEG_OPTS_WND_SCALE != 0 && cfg.lwip_wnd_scale {
        n += LWIP_TCP_OPT_LEN_WS_OUT;
    }
    if optflags & TF_SEG_OPTS_SACK_PERM != 0 && cfg.lwip_tcp_sack_out {
        n += LWIP_TCP_OPT_LEN_SACK_PERM_OUT;
    }
    n
}

/// Port of lwIP's `TCP_BUILD_MSS_OPTION(mss)` (tcp_priv.h):
/// `02 04 <mss big-endian>`.
pub const fn tcp_build_mss_option(mss: u16) -> [u8; 4] {
    let [hi, lo] = mss.to_be_bytes();
    [LWIP_TCP_OPT_MSS, LWIP_TCP_OPT_LEN_MSS, hi, lo]
}

/// Port of lwIP's `tcp_build_timestamp_option` (tcp_out.c): two NOPs, then
/// kind 8 length 10, TSval = `sys_now()`, TSecr = `pcb->ts_recent`:
/// `01 01 08 0a <tsval> <tsecr>`.
pub const fn tcp_build_timestamp_option(sys_now: u32, ts_recent: u32) -> [u8; 12] {
    let [a, b, c, d] = sys_now.to_be_bytes();
    let [e, f, g, h] = ts_recent.to_be_bytes();
    [
        LWIP_TCP_OPT_NOP,
        LWIP_TCP_OPT_NOP,
        LWIP_TCP_OPT_TS,
        LWIP_TCP_OPT_LEN_TS,
        a,
        b,
        c,
        d,
        e,
        f,
        g,
        h,
    ]
}

/// Port of lwIP's `tcp_build_wnd_scale_option` (tcp_out.c): one NOP, then
/// kind 3 length 3 with the shift: `01 03 03 <TCP_RCV_SCALE>`. lwIP always
/// sends the configured `TCP_RCV_SCALE` (pass `cfg.tcp_rcv_scale`), not
/// `pcb->rcv_scale`.
pub const fn tcp_build_wnd_scale_option(tcp_rcv_scale: u8) -> [u8; 4] {
    [
        LWIP_TCP_OPT_NOP,
        LWIP_TCP_OPT_WS,
        LWIP_TCP_OPT_LEN_WS,
        tcp_rcv_scale,
    ]
}

/// The SACK_PERM option exactly as `tcp_output_segment` (tcp_out.c) writes
/// it inline (`PP_HTONL(0x01010402)`; lwIP has no builder function for it):
/// two NOPs, kind 4, length 2: `01 01 04 02`.
pub const fn tcp_build_sack_perm_option() -> [u8; 4] {
    [
        LWIP_TCP_OPT_NOP,
        LWIP_TCP_OPT_NOP,
        LWIP_TCP_OPT_SACK_PERM,
        LWIP_TCP_OPT_LEN_SACK_PERM,
    ]
}

/// Port of lwIP's `tcp_get_num_sacks` (tcp_out.c): how many SACK blocks fit
/// after `optlen` bytes of other options. 0 unless `LWIP_TCP_SACK_OUT` and
/// the pcb has `TF_SACK`. Counts leading valid entries of `rcv_sacks` (at
/// most `LWIP_TCP_MAX_SACK_NUM`), starting from `optlen + 12` and adding 8
/// per block while the running length is `<= TCP_MAX_OPTION_BYTES` before
/// each block is added.
pub fn tcp_get_num_sacks(
    cfg: &Config,
    pcb_flags: TcpFlags,
    rcv_sacks: &[TcpSackRange],
    optlen: u8,
) -> u8 {
    let mut num_sacks = 0u8;
    if cfg.lwip_tcp_sack_out && pcb_flags & TF_SACK != 0 {
        // The first SACK takes 12 bytes (2 NOPs + header + 1 block), each
        // further one 8. C uses u8_t arithmetic; values stay below 256 here
        // because the loop stops once optlen exceeds 40.
        let mut len = u16::from(optlen).wrapping_add(12);
        for sack in rcv_sacks
            .iter()
            .take(usize::from(cfg.lwip_tcp_max_sack_num))
        {
            if len > u16::from(TCP_MAX_OPTION_BYTES) || !sack.is_valid() {
                break;
            }
            num_sacks = num_sacks.wrapping_add(1);
            len = len.wrapping_add(8);
        }
    }
    num_sacks
}

/// Port of lwIP's `tcp_build_sack_option` (tcp_out.c): two NOPs, kind 5,
/// length `2 + 8 * num_sacks`, then each block's left and right edge
/// (big-endian), taken from the first `num_sacks` entries of `rcv_sacks`.
/// Returns `false` (appending nothing) if `out` lacks room or `rcv_sacks`
/// has fewer entries.
pub fn tcp_build_sack_option(
    out: &mut TcpOptBytes,
    rcv_sacks: &[TcpSackRange],
    num_sacks: u8,
) -> bool {
    let n = usize::from(num_sacks);
    let Some(blocks) = rcv_sacks.get(..n) else {
        return false;
    };
    let needed = 4usize.saturating_add(n.saturating_mul(8));
    if usize::from(out.len()).saturating_add(needed) > usize::from(TCP_MAX_OPTION_BYTES) {
        return false;
    }
    // n <= 4 here (40-byte limit), so the length fits in a u8.
    let optlen = 2u8.wrapping_add(num_sacks.wrapping_mul(8));
    // The room check above makes every push fit.
    let _ = out.push(&[LWIP_TCP_OPT_NOP, LWIP_TCP_OPT_NOP, TCP_OPT_SACK, optlen]);
    for b in blocks {
        let _ = out.push(&b.left.to_be_bytes());
        let _ = out.push(&b.right.to_be_bytes());
    }
    true
}

/// Values the option builders write (besides the segment's
/// `TF_SEG_OPTS_*` flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct OptValues {
    /// MSS to announce: `TCP_MSS`, or with `TCP_CALCULATE_EFF_SEND_MSS`
    /// `tcp_eff_send_mss_netif(TCP_MSS, netif, &pcb->remote_ip)`.
    pub mss: u16,
    /// TSval: lwIP's `sys_now()` at output time.
    pub sys_now: u32,
    /// TSecr: `pcb->ts_recent`.
    pub ts_recent: u32,
}

/// Port of the option-writing part of lwIP's `tcp_output_segment`
/// (tcp_out.c): for a segment with `tcp_seg.flags` `seg_flags`, writes MSS
/// (`TF_SEG_OPTS_MSS`), then TS (`TF_SEG_OPTS_TS`), then WS
/// (`TF_SEG_OPTS_WND_SCALE`, shift `cfg.tcp_rcv_scale`), then SACK_PERM
/// (`TF_SEG_OPTS_SACK_PERM`) — each only if its feature is enabled in `cfg`.
/// The length always equals [`lwip_tcp_opt_length`]`(cfg, seg_flags)`.
pub fn build_segment_options(cfg: &Config, seg_flags: u8, v: &OptValues) -> TcpOptBytes {
    let mut out = TcpOptBytes::new();
    // At most 4 + 12 + 4 + 4 = 24 bytes: every push fits.
    if seg_flags & TF_SEG_OPTS_MSS != 0 {
        out.push(&tcp_build_mss_option(v.mss));
    }
    if cfg.lwip_tcp_timestamps && seg_flags & TF_SEG_OPTS_TS != 0 {
        out.push(&tcp_build_timestamp_option(v.sys_now, v.ts_recent));
    }
    if cfg.lwip_wnd_scale && seg_flags & TF_SEG_OPTS_WND_SCALE != 0 {
        out.push(&tcp_build_wnd_scale_option(cfg.tcp_rcv_scale));
    }
    if cfg.lwip_tcp_sack_out && seg_flags & TF_SEG_OPTS_SACK_PERM != 0 {
        out.push(&tcp_build_sack_perm_option());
    }
    out
}

/// Port of lwIP's `tcp_output_fill_options` (tcp_out.c), used for control
/// segments (empty ACK, RST, keepalive, zero-window probe): TS if
/// `optflags` has `TF_SEG_OPTS_TS` (and timestamps are enabled), then, with
/// `LWIP_TCP_SACK_OUT` and `num_sacks > 0`, the SACK option built from the
/// first `num_sacks` of `rcv_sacks`. MSS/WS/SACK_PERM flags are ignored, as
/// in C. `None` if the SACK blocks do not fit or `rcv_sacks` is too short
/// (lwIP's own callers never do that; see [`tcp_get_num_sacks`]).
pub fn tcp_output_fill_options(
    cfg: &Config,
    optflags: u8,
    v: &OptValues,
    rcv_sacks: &[TcpSackRange],
    num_sacks: u8,
) -> Option<TcpOptBytes> {
    let mut out = TcpOptBytes::new();
    if cfg.lwip_tcp_timestamps && optflags & TF_SEG_OPTS_TS != 0 {
        out.push(&tcp_build_timestamp_option(v.sys_now, v.ts_recent));
    }
    if cfg.lwip_tcp_sack_out
        && num_sacks > 0
        && !tcp_build_sack_option(&mut out, rcv_sacks, num_sacks)
    {
        return None;
    }
    Some(out)
}

/// The options lwIP's `tcp_send_empty_ack` (tcp_out.c) puts on an empty
/// ACK: TS if the pcb has `TF_TIMESTAMP`, then as many SACK blocks as
/// [`tcp_get_num_sacks`] allows ("For now, SACKs are only sent with empty
/// ACKs").
pub fn tcp_send_empty_ack_options(
    cfg: &Config,
    pcb_flags: TcpFlags,
    v: &OptValues,
    rcv_sacks: &[TcpSackRange],
) -> TcpOptBytes {
    let optflags = tcp_data_optflags(cfg, pcb_flags);
    let optlen = lwip_tcp_opt_length(cfg, optflags);
    let num_sacks = tcp_get_num_sacks(cfg, pcb_flags, rcv_sacks, optlen);
    // tcp_get_num_sacks keeps the total within 40 bytes, so this succeeds.
    tcp_output_fill_options(cfg, optflags, v, rcv_sacks, num_sacks).unwrap_or_default()
}

/// `tcp_seg.flags` option bits lwIP gives a data segment (`tcp_write`) and
/// an empty ACK (`tcp_send_empty_ack`): `TF_SEG_OPTS_TS` iff timestamps are
/// enabled and the pcb has `TF_TIMESTAMP`; otherwise 0. (RSTs, keepalives
/// and zero-window probes always use 0: no options at all.)
pub const fn tcp_data_optflags(cfg: &Config, pcb_flags: TcpFlags) -> u8 {
    if cfg.lwip_tcp_timestamps && pcb_flags & TF_TIMESTAMP != 0 {
        TF_SEG_OPTS_TS
    } else {
        0
    }
}

/// Port of the option selection in lwIP's `tcp_enqueue_flags` (tcp_out.c),
/// the only place a SYN is built. For a SYN: MSS always; WS (with
/// `LWIP_WND_SCALE`) and SACK_PERM (with `LWIP_TCP_SACK_OUT`) unless this is
/// a SYN-ACK (`state == SYN_RCVD`) to a peer that did not offer them
/// (`TF_WND_SCALE` / `TF_SACK` unset). TS (with `LWIP_TCP_TIMESTAMPS`) if
/// the pcb has `TF_TIMESTAMP`, or on a SYN sent outside `SYN_RCVD`. A FIN
/// gets only TS, under the `TF_TIMESTAMP` rule.
pub const fn tcp_enqueue_flags_optflags(
    cfg: &Config,
    hdr_flags: u8,
    state: TcpState,
    pcb_flags: TcpFlags,
) -> u8 {
    let syn = hdr_flags & TCP_SYN != 0;
    let syn_rcvd = matches!(state, TcpState::SynRcvd);
    let mut optflags = 0u8;
    if syn {
        optflags = TF_SEG_OPTS_MSS;
        if cfg.lwip_wnd_scale && (!syn_rcvd || pcb_flags & TF_WND_SCALE != 0) {
            optflags |= TF_SEG_OPTS_WND_SCALE;
        }
        if cfg.lwip_tcp_sack_out && (!syn_rcvd || pcb_flags & TF_SACK != 0) {
            optflags |= TF_SEG_OPTS_SACK_PERM;
        }
    }
    if cfg.lwip_tcp_timestamps && (pcb_flags & TF_TIMESTAMP != 0 || (syn && !syn_rcvd)) {
        optflags |= TF_SEG_OPTS_TS;
    }
    optflags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{TCP_ACK, TCP_FIN, TF_NODELAY};

    /// Every feature on, with values pinned so the vectors below do not
    /// move when the "full" profile changes: TCP_MSS 536, TCP_WND 2144,
    /// TCP_RCV_SCALE 2, LWIP_TCP_MAX_SACK_NUM 4.
    fn full() -> Config {
        let mut c = Config::full();
        c.tcp_mss = 536;
        c.tcp_wnd = 2144;
        c.tcp_rcv_scale = 2;
        c.lwip_tcp_max_sack_num = 4;
        c.lwip_wnd_scale = true;
        c.lwip_tcp_timestamps = true;
        c.lwip_tcp_sack_out = true;
        c
    }

    fn syn() -> ParseoptCtx {
        ParseoptCtx {
            flags: TCP_SYN,
            ..ParseoptCtx::default()
        }
    }

    fn parse(cfg: &Config, ctx: &ParseoptCtx, o: &[u8]) -> TcpParseopt {
        tcp_parseopt(cfg, ctx, o)
    }

    #[test]
    fn linux_syn_options() {
        // MSS 1460, SACK_PERM, TS(0x000a1b2c, 0), NOP, WS 7.
        let o = [
            0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x0a, 0x1b, 0x2c, 0x00, 0x00,
            0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
        ];
        let r = parse(&full(), &syn(), &o);
        assert_eq!(r.end, ParseoptEnd::Exhausted);
        assert_eq!(r.found.mss, Some(1460));
        assert_eq!(r.found.wnd_scale, Some(7));
        assert_eq!(
            r.found.timestamp,
            Some(TcpTimestamp {
                tsval: 0x000a_1b2c,
                tsecr: 0
            })
        );
        assert!(r.found.sack_perm);
        // MSS clamped to TCP_MSS (536).
        assert_eq!(r.effects.mss, Some(536));
        assert_eq!(r.effects.snd_scale, Some(7));
        assert_eq!(r.effects.rcv_scale, Some(2));
        assert_eq!(r.effects.rcv_wnd, Some(2144));
        assert_eq!(r.effects.ts_recent, Some(0x000a_1b2c));
        assert_eq!(r.effects.set_flags, TF_WND_SCALE | TF_TIMESTAMP | TF_SACK);
        assert_eq!(
            r.effects.apply_flags(TF_NODELAY),
            TF_NODELAY | TF_WND_SCALE | TF_TIMESTAMP | TF_SACK
        );

        // Same options with every feature compiled out: only MSS is read;
        // SACK_PERM/TS/WS are skipped by length.
        let r = parse(&Config::opt_h_defaults(), &syn(), &o);
        assert_eq!(r.end, ParseoptEnd::Exhausted);
        assert_eq!(
            r.found,
            TcpOptsFound {
                mss: Some(1460),
                ..TcpOptsFound::default()
            }
        );
        assert_eq!(
            r.effects,
            TcpOptsEffects {
                mss: Some(536),
                ..TcpOptsEffects::default()
            }
        );
    }

    #[test]
    fn mss_clamp() {
        let cfg = full();
        let m = |v: u16| {
            let [a, b] = v.to_be_bytes();
            parse(&cfg, &syn(), &[2, 4, a, b]).effects.mss
        };
        assert_eq!(m(0), Some(536));
        assert_eq!(m(1), Some(1));
        assert_eq!(m(536), Some(536));
        assert_eq!(m(537), Some(536));
        assert_eq!(m(0xffff), Some(536));
        // MSS is read on non-SYN segments too.
        let r = parse(&cfg, &ParseoptCtx::default(), &[2, 4, 0, 100]);
        assert_eq!(r.effects.mss, Some(100));
        // Last one wins.
        let r = parse(&cfg, &syn(), &[2, 4, 0, 100, 2, 4, 0, 200]);
        assert_eq!(r.effects.mss, Some(200));
    }

    #[test]
    fn bad_lengths_stop_but_keep_earlier_effects() {
        let cfg = full();
        // MSS with length 5: stop.
        let r = parse(&cfg, &syn(), &[2, 4, 0, 100, 2, 5, 0, 200, 0]);
        assert_eq!(r.effects.mss, Some(100));
        assert_eq!(r.end, ParseoptEnd::BadLength { offset: 4, kind: 2 });
        // MSS not fitting in the option area.
        let r = parse(&cfg, &syn(), &[1, 2, 4, 0]);
        assert_eq!(r.end, ParseoptEnd::BadLength { offset: 1, kind: 2 });
        assert_eq!(r.found.mss, None);
        // WS with length 4 (bad), followed by SACK_PERM that is never seen.
        let r = parse(&cfg, &syn(), &[3, 4, 7, 0, 4, 2]);
        assert_eq!(r.end, ParseoptEnd::BadLength { offset: 0, kind: 3 });
        assert!(!r.found.sack_perm);
        assert_eq!(r.effects.set_flags, 0);
        // TS with length 8.
        let r = parse(&cfg, &syn(), &[8, 8, 0, 0, 0, 1, 0, 0]);
        assert_eq!(r.end, ParseoptEnd::BadLength { offset: 0, kind: 8 });
        // SACK_PERM with length 3.
        let r = parse(&cfg, &syn(), &[4, 3, 0, 0]);
        assert_eq!(r.end, ParseoptEnd::BadLength { offset: 0, kind: 4 });
        // Unknown option with length 0 and 1.
        let r = parse(&cfg, &syn(), &[1, 30, 0, 2, 4, 0, 1]);
        assert_eq!(
            r.end,
            ParseoptEnd::BadLength {
                offset: 1,
                kind: 30
            }
        );
        assert_eq!(r.found.mss, None);
        let r = parse(&cfg, &syn(), &[30, 1, 2, 4, 0, 1]);
        assert_eq!(
            r.end,
            ParseoptEnd::BadLength {
                offset: 0,
                kind: 30
            }
        );
        // With WS compiled out, "3 4 ..." is skipped by length instead.
        let r = parse(&Config::opt_h_defaults(), &syn(), &[3, 4, 7, 0, 2, 4, 0, 9]);
        assert_eq!(r.end, ParseoptEnd::Exhausted);
        assert_eq!(r.effects.mss, Some(9));
        // ... and a WS with length 2 skips zero extra bytes and continues.
        let r = parse(&Config::opt_h_defaults(), &syn(), &[3, 2, 2, 4, 0, 9]);
        assert_eq!(r.effects.mss, Some(9));
    }

    #[test]
    fn eol_nop_unknown_truncated() {
        let cfg = full();
        let r = parse(&cfg, &syn(), &[1, 1, 0, 2, 4, 0, 9]);
        assert_eq!(r.end, ParseoptEnd::Eol);
        assert_eq!(r.found.mss, None);
        // Unknown option skipped by its length; SACK (5) is not parsed.
        let r = parse(&cfg, &syn(), &[5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 2, 4, 0, 9]);
        assert_eq!(r.end, ParseoptEnd::Exhausted);
        assert_eq!(r.effects.mss, Some(9));
        // Unknown option whose length runs past the end: loop just ends.
        let r = parse(&cfg, &syn(), &[2, 4, 0, 9, 99, 40]);
        assert_eq!(r.end, ParseoptEnd::Exhausted);
        assert_eq!(r.effects.mss, Some(9));
        // Kind in the last byte.
        let r = parse(&cfg, &syn(), &[1, 1, 1, 2]);
        assert_eq!(r.end, ParseoptEnd::Truncated { offset: 3, kind: 2 });
        let r = parse(&cfg, &syn(), &[1, 77]);
        assert_eq!(
            r.end,
            ParseoptEnd::Truncated {
                offset: 1,
                kind: 77
            }
        );
        // Empty.
        let r = parse(&cfg, &syn(), &[]);
        assert_eq!(r.end, ParseoptEnd::Exhausted);
        assert_eq!(r.effects, TcpOptsEffects::default());
    }

    #[test]
    fn wnd_scale_rules() {
        let cfg = full();
        // Clamp to 14.
        let r = parse(&cfg, &syn(), &[3, 3, 15]);
        assert_eq!(r.found.wnd_scale, Some(15));
        assert_eq!(r.effects.snd_scale, Some(14));
        let r = parse(&cfg, &syn(), &[3, 3, 255]);
        assert_eq!(r.effects.snd_scale, Some(14));
        // Not on a non-SYN.
        let ack = ParseoptCtx {
            flags: TCP_ACK,
            ..ParseoptCtx::default()
        };
        let r = parse(&cfg, &ack, &[3, 3, 5]);
        assert_eq!(r.found.wnd_scale, Some(5));
        assert_eq!(r.effects.snd_scale, None);
        assert_eq!(r.effects.set_flags, 0);
        // Not if the pcb already has TF_WND_SCALE (retransmitted SYN).
        let ctx = ParseoptCtx {
            pcb_flags: TF_WND_SCALE,
            ..syn()
        };
        let r = parse(&cfg, &ctx, &[3, 3, 5]);
        assert_eq!(r.effects.snd_scale, None);
        // Only the first WS of a SYN counts.
        let r = parse(&cfg, &syn(), &[3, 3, 5, 3, 3, 9]);
        assert_eq!(r.found.wnd_scale, Some(9));
        assert_eq!(r.effects.snd_scale, Some(5));
    }

    #[test]
    fn timestamp_rules() {
        let cfg = full();
        let ts = [1, 1, 8, 10, 0x11, 0x22, 0x33, 0x44, 0xaa, 0xbb, 0xcc, 0xdd];
        let r = parse(&cfg, &syn(), &ts);
        assert_eq!(r.effects.ts_recent, Some(0x1122_3344));
        assert_eq!(r.found.timestamp.map(|t| t.tsecr), Some(0xaabb_ccdd));
        assert_eq!(r.effects.set_flags, TF_TIMESTAMP);
        // Non-SYN: only if seqno <= ts_lastacksent <= seqno + tcplen.
        let mut ctx = ParseoptCtx {
            flags: TCP_ACK,
            seqno: 1000,
            tcplen: 10,
            pcb_flags: TF_TIMESTAMP,
            ts_lastacksent: 1000,
        };
        assert_eq!(parse(&cfg, &ctx, &ts).effects.ts_recent, Some(0x1122_3344));
        ctx.ts_lastacksent = 1010;
        assert_eq!(parse(&cfg, &ctx, &ts).effects.ts_recent, Some(0x1122_3344));
        ctx.ts_lastacksent = 1011;
        assert_eq!(parse(&cfg, &ctx, &ts).effects.ts_recent, None);
        ctx.ts_lastacksent = 999;
        assert_eq!(parse(&cfg, &ctx, &ts).effects.ts_recent, None);
        assert_eq!(parse(&cfg, &ctx, &ts).effects.set_flags, 0);
        // Wraparound.
        ctx.seqno = u32::MAX - 2;
        ctx.ts_lastacksent = 3;
        assert_eq!(parse(&cfg, &ctx, &ts).effects.ts_recent, Some(0x1122_3344));
        // A TS option with length 10 extending past the area: bad length.
        let r = parse(&cfg, &syn(), &ts[..11]);
        assert_eq!(r.end, ParseoptEnd::BadLength { offset: 2, kind: 8 });
    }

    #[test]
    fn sack_perm_only_on_syn() {
        let cfg = full();
        let r = parse(&cfg, &syn(), &[1, 1, 4, 2]);
        assert_eq!(r.effects.set_flags, TF_SACK);
        let r = parse(&cfg, &ParseoptCtx::default(), &[1, 1, 4, 2]);
        assert!(r.found.sack_perm);
        assert_eq!(r.effects.set_flags, 0);
        let mut c = full();
        c.lwip_tcp_sack_out = false;
        let r = parse(&c, &syn(), &[1, 1, 4, 2]);
        assert!(!r.found.sack_perm);
        assert_eq!(r.effects.set_flags, 0);
    }

    #[test]
    fn parse_never_panics_on_any_short_input() {
        let cfg = full();
        let mut buf = [0u8; 4];
        for a in 0..=255u8 {
            for b in [0u8, 1, 2, 3, 4, 8, 10, 255] {
                for c in [0u8, 1, 2, 3, 4, 10] {
                    buf[0] = a;
                    buf[1] = b;
                    buf[2] = c;
                    for n in 0..=4 {
                        let _ = parse(&cfg, &syn(), &buf[..n]);
                    }
                }
            }
        }
    }

    #[test]
    fn opt_lengths() {
        let cfg = full();
        assert_eq!(lwip_tcp_opt_length(&cfg, 0), 0);
        assert_eq!(lwip_tcp_opt_length(&cfg, TF_SEG_OPTS_MSS), 4);
        assert_eq!(lwip_tcp_opt_length(&cfg, TF_SEG_OPTS_TS), 12);
        assert_eq!(
            lwip_tcp_opt_length(
                &cfg,
                TF_SEG_OPTS_MSS | TF_SEG_OPTS_TS | TF_SEG_OPTS_WND_SCALE | TF_SEG_OPTS_SACK_PERM
            ),
            24
        );
        assert_eq!(lwip_tcp_opt_length(&cfg, TF_SEG_DATA_CHECKSUMMED), 0);
        let d = Config::opt_h_defaults();
        assert_eq!(lwip_tcp_opt_length(&d, 0x1f), 4);
    }

    #[test]
    fn single_option_bytes() {
        assert_eq!(tcp_build_mss_option(536), [0x02, 0x04, 0x02, 0x18]);
        assert_eq!(tcp_build_mss_option(1460), [0x02, 0x04, 0x05, 0xb4]);
        assert_eq!(
            tcp_build_timestamp_option(0x0102_0304, 0xa0b0_c0d0),
            [
                0x01, 0x01, 0x08, 0x0a, 0x01, 0x02, 0x03, 0x04, 0xa0, 0xb0, 0xc0, 0xd0
            ]
        );
        assert_eq!(tcp_build_wnd_scale_option(2), [0x01, 0x03, 0x03, 0x02]);
        assert_eq!(tcp_build_sack_perm_option(), [0x01, 0x01, 0x04, 0x02]);
    }

    #[test]
    fn syn_option_layout() {
        let cfg = full();
        let v = OptValues {
            mss: 536,
            sys_now: 100,
            ts_recent: 0,
        };
        // Active open (SYN_SENT): MSS, TS, WS, SACK_PERM.
        let f = tcp_enqueue_flags_optflags(&cfg, TCP_SYN, TcpState::SynSent, 0);
        assert_eq!(
            f,
            TF_SEG_OPTS_MSS | TF_SEG_OPTS_TS | TF_SEG_OPTS_WND_SCALE | TF_SEG_OPTS_SACK_PERM
        );
        let o = build_segment_options(&cfg, f, &v);
        assert_eq!(
            o.as_slice(),
            &[
                0x02, 0x04, 0x02, 0x18, // MSS 536
                0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, // TS
                0x01, 0x03, 0x03, 0x02, // NOP, WS 2
                0x01, 0x01, 0x04, 0x02, // NOP, NOP, SACK_PERM
            ]
        );
        assert_eq!(o.len(), lwip_tcp_opt_length(&cfg, f));

        // SYN-ACK to a peer that offered nothing: MSS only.
        let f = tcp_enqueue_flags_optflags(&cfg, TCP_SYN | TCP_ACK, TcpState::SynRcvd, 0);
        assert_eq!(f, TF_SEG_OPTS_MSS);
        assert_eq!(
            build_segment_options(&cfg, f, &v).as_slice(),
            &[0x02, 0x04, 0x02, 0x18]
        );
        // SYN-ACK to a peer that offered WS and TS but not SACK_PERM.
        let f = tcp_enqueue_flags_optflags(
            &cfg,
            TCP_SYN | TCP_ACK,
            TcpState::SynRcvd,
            TF_WND_SCALE | TF_TIMESTAMP,
        );
        assert_eq!(f, TF_SEG_OPTS_MSS | TF_SEG_OPTS_TS | TF_SEG_OPTS_WND_SCALE);
        let v2 = OptValues {
            ts_recent: 0x000a_1b2c,
            ..v
        };
        assert_eq!(
            build_segment_options(&cfg, f, &v2).as_slice(),
            &[
                0x02, 0x04, 0x02, 0x18, 0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x64, 0x00, 0x0a,
                0x1b, 0x2c, 0x01, 0x03, 0x03, 0x02,
            ]
        );
        // FIN: TS only with TF_TIMESTAMP.
        assert_eq!(
            tcp_enqueue_flags_optflags(&cfg, TCP_FIN, TcpState::Established, 0),
            0
        );
        assert_eq!(
            tcp_enqueue_flags_optflags(&cfg, TCP_FIN, TcpState::Established, TF_TIMESTAMP),
            TF_SEG_OPTS_TS
        );
        // Features compiled out: MSS only, whatever the flags say.
        let d = Config::opt_h_defaults();
        let f = tcp_enqueue_flags_optflags(&d, TCP_SYN, TcpState::SynSent, TF_TIMESTAMP);
        assert_eq!(f, TF_SEG_OPTS_MSS);
        assert_eq!(
            build_segment_options(&d, 0x1f, &v).as_slice(),
            &[0x02, 0x04, 0x02, 0x18]
        );
    }

    fn sacks() -> [TcpSackRange; 4] {
        [
            TcpSackRange {
                left: 100,
                right: 200,
            },
            TcpSackRange {
                left: 300,
                right: 400,
            },
            TcpSackRange {
                left: 500,
                right: 600,
            },
            TcpSackRange {
                left: 700,
                right: 800,
            },
        ]
    }

    #[test]
    fn num_sacks() {
        let cfg = full();
        let s = sacks();
        assert_eq!(tcp_get_num_sacks(&cfg, 0, &s, 0), 0);
        assert_eq!(tcp_get_num_sacks(&cfg, TF_SACK, &s, 0), 4);
        // With a 12-byte TS option only 3 fit (12 + 4 + 24 = 40).
        assert_eq!(tcp_get_num_sacks(&cfg, TF_SACK, &s, 12), 3);
        assert_eq!(tcp_get_num_sacks(&cfg, TF_SACK, &s, 28), 1);
        assert_eq!(tcp_get_num_sacks(&cfg, TF_SACK, &s, 29), 0);
        // Stops at the first invalid entry.
        let mut s2 = s;
        s2[1].right = s2[1].left;
        assert_eq!(tcp_get_num_sacks(&cfg, TF_SACK, &s2, 0), 1);
        // LWIP_TCP_MAX_SACK_NUM limits.
        let mut c = full();
        c.lwip_tcp_max_sack_num = 2;
        assert_eq!(tcp_get_num_sacks(&c, TF_SACK, &s, 0), 2);
        assert_eq!(
            tcp_get_num_sacks(&Config::opt_h_defaults(), TF_SACK, &s, 0),
            0
        );
    }

    #[test]
    fn empty_ack_layout() {
        let cfg = full();
        let v = OptValues {
            mss: 536,
            sys_now: 0x0000_0200,
            ts_recent: 0x0000_0300,
        };
        // No TS, no SACK: nothing.
        assert!(tcp_send_empty_ack_options(&cfg, 0, &v, &sacks()).is_empty());
        // TS + SACK: TS first, then 3 blocks (12 + 4 + 24 = 40 bytes).
        let o = tcp_send_empty_ack_options(&cfg, TF_TIMESTAMP | TF_SACK, &v, &sacks());
        let expected: [u8; 40] = [
            0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, // TS
            0x01, 0x01, 0x05, 0x1a, // NOP, NOP, SACK, len 26
            0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0xc8, // 100..200
            0x00, 0x00, 0x01, 0x2c, 0x00, 0x00, 0x01, 0x90, // 300..400
            0x00, 0x00, 0x01, 0xf4, 0x00, 0x00, 0x02, 0x58, // 500..600
        ];
        assert_eq!(o.as_slice(), &expected[..]);
        assert_eq!(o.len(), 40);
        // SACK only: 4 blocks, 36 bytes.
        let o = tcp_send_empty_ack_options(&cfg, TF_SACK, &v, &sacks());
        assert_eq!(o.len(), 36);
        assert_eq!(o.as_slice().get(..4), Some(&[0x01, 0x01, 0x05, 0x22][..]));
        assert_eq!(
            o.as_slice().get(28..),
            Some(&[0, 0, 2, 0xbc, 0, 0, 3, 0x20][..])
        );
    }

    #[test]
    fn fill_options_edge_cases() {
        let cfg = full();
        let v = OptValues::default();
        // More SACKs than fit: refused.
        assert_eq!(
            tcp_output_fill_options(&cfg, TF_SEG_OPTS_TS, &v, &sacks(), 4),
            None
        );
        // More SACKs than given: refused.
        assert_eq!(tcp_output_fill_options(&cfg, 0, &v, &sacks()[..1], 2), None);
        // MSS/WS/SACK_PERM flags are ignored for control segments.
        let o = tcp_output_fill_options(&cfg, 0x1d, &v, &[], 0);
        assert_eq!(o.map(|o| o.len()), Some(0));
        let mut b = TcpOptBytes::default();
        assert!(b.is_empty());
        assert!(b.push(&[0; 40]));
        assert!(!b.is_empty());
        assert!(!b.push(&[0]));
        assert_eq!(b.len(), 40);
    }
}
