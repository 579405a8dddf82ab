//! The typed pcb snapshot both engines produce (issue 15: one vocabulary
//! at the engine boundary).
//!
//! [`PcbSnapshot`] has one named field per observed pcb field (lwIP's
//! names), declared once by `pcb_snapshot!` together with the rows the
//! oracles and reports read ([`PcbSnapshot::fields`], in this order).
//! Each engine builds it with a struct literal that lists every field, and
//! the struct has no `Default`, so a field added here is a compile error
//! until both engines fill it. A field cannot be misspelt on one side and
//! silently compare 0 = 0.
//!
//! ```compile_fail
//! // No shortcut: the struct has no Default, every field must be named.
//! let _ = harness::engine::PcbSnapshot { conn: 1, ..Default::default() };
//! ```
//!
//! ```compile_fail
//! // A literal that leaves out a field does not compile.
//! let _ = harness::engine::PcbSnapshot { conn: 1, list: 3, state: 4 };
//! ```
//!
//! ```
//! // (The path the examples above use is the right one.)
//! assert_eq!(harness::engine::PcbSnapshot::FIELD_NAMES.len(), harness::engine::snapshot::FIELD_COUNT);
//! ```
//!
//! Fields a pcb kind does not have: a `tcp_pcb_listen` has only `list`,
//! `state`, the addresses' local half, `prio`, `so_options`, `ttl`,
//! `tos`, `netif_idx`, `backlog` and `accepts_pending`; a `tcp_pcb` has
//! no `backlog` or `accepts_pending`. The C shim (`snapshot_in`) zeroes
//! its snapshot and fills only the fields the pcb has, so lwIP reports 0
//! for the others; the port's engine fills them with the named constants
//! [`NOT_ON_LISTENER`] and [`LISTENER_ONLY`] (also 0), so the rows, the
//! oracles and the reports are the same as lwIP's and the choice is
//! written where it is made. Both engines observe every field a pcb kind
//! has; none is left unobserved.

use serde::ser::{Serialize, SerializeStruct, Serializer};

/// The value a listening pcb's snapshot shows for a field only a
/// connection pcb has (what the C shim's zeroed snapshot shows).
pub const NOT_ON_LISTENER: i64 = 0;

/// The value a connection pcb's snapshot shows for `backlog` and
/// `accepts_pending`, fields only a listening pcb has (what the C shim's
/// zeroed snapshot shows).
pub const LISTENER_ONLY: i64 = 0;

/// The value a snapshot shows for a field the build's options compile out
/// of lwIP's pcb (`keep_intvl` and `keep_cnt` without
/// `LWIP_TCP_KEEPALIVE`, the scales without `LWIP_WND_SCALE`, the
/// timestamps without `LWIP_TCP_TIMESTAMPS`, the ooseq queue without
/// `TCP_QUEUE_OOSEQ`, `unsent_oversize` without `TCP_OVERSIZE`, `backlog`
/// and `accepts_pending` without `TCP_LISTEN_BACKLOG`): what the C shim's
/// zeroed snapshot shows, since lwIP has no such field to read. The port
/// keeps the field; its engine shows this instead, as lwIP's would.
pub const NOT_IN_BUILD: i64 = 0;

macro_rules! pcb_snapshot {
    ($( $(#[$doc:meta])* $name:ident ),* $(,)?) => {
        /// A pcb's state at the end of a step, as both engines report it:
        /// its connection number and one named field per lwIP pcb field.
        /// No `Default`: each engine names every field (see the module).
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct PcbSnapshot {
            /// The connection number (for a SYN_RCVD pcb not yet
            /// accepted: its listener's).
            pub conn: u32,
            $( $(#[$doc])* pub $name: i64, )*
        }

        /// How many fields a snapshot has (besides `conn`).
        pub const FIELD_COUNT: usize = [$(stringify!($name)),*].len();

        impl PcbSnapshot {
            /// The field names, in the order of [`PcbSnapshot::fields`].
            pub const FIELD_NAMES: [&'static str; FIELD_COUNT] = [$(stringify!($name)),*];

            /// Field name and value, in a fixed order: the rows the
            /// oracles compare and the reports show.
            pub fn fields(&self) -> [(&'static str, i64); FIELD_COUNT] {
                [$((stringify!($name), self.$name)),*]
            }

            /// A field by name, to change (planted faults, tests).
            pub fn field_mut(&mut self, name: &str) -> Option<&mut i64> {
                match name {
                    $(stringify!($name) => Some(&mut self.$name),)*
                    _ => None,
                }
            }
        }
    };
}

pcb_snapshot! {
    /// The list the pcb is on (the shim's SHIM_LIST_*: 1 listen, 2 bound,
    /// 3 active, 4 TIME_WAIT).
    list,
    /// `state` (enum tcp_state).
    state,
    /// `flags` (TF_*).
    flags,
    /// `local_ip`, as a big-endian u32 (an IPv4 address; 0 for the
    /// others, see `local_ip_type`).
    local_ip,
    /// `local_port`.
    local_port,
    /// `remote_ip`, as a big-endian u32 (IPv4; see `remote_ip_type`).
    remote_ip,
    /// `remote_port`.
    remote_port,
    /// `prio`.
    prio,
    /// `so_options`.
    so_options,
    /// `ttl`.
    ttl,
    /// `tos`.
    tos,
    /// `netif_idx`.
    netif_idx,
    /// `mss`.
    mss,
    /// `snd_nxt`.
    snd_nxt,
    /// `lastack`.
    lastack,
    /// `snd_lbb`.
    snd_lbb,
    /// `snd_wl1`.
    snd_wl1,
    /// `snd_wl2`.
    snd_wl2,
    /// `rcv_nxt`.
    rcv_nxt,
    /// `rcv_wnd`.
    rcv_wnd,
    /// `rcv_ann_wnd`.
    rcv_ann_wnd,
    /// `rcv_ann_right_edge`.
    rcv_ann_right_edge,
    /// `snd_wnd`.
    snd_wnd,
    /// `snd_wnd_max`.
    snd_wnd_max,
    /// `cwnd`.
    cwnd,
    /// `ssthresh`.
    ssthresh,
    /// `bytes_acked`.
    bytes_acked,
    /// `rto_end`.
    rto_end,
    /// `rto`.
    rto,
    /// `sa`.
    sa,
    /// `sv`.
    sv,
    /// `rtime`.
    rtime,
    /// `rttest`.
    rttest,
    /// `rtseq`.
    rtseq,
    /// `nrtx`.
    nrtx,
    /// `dupacks`.
    dupacks,
    /// `persist_backoff`.
    persist_backoff,
    /// `persist_cnt`.
    persist_cnt,
    /// `persist_probe`.
    persist_probe,
    /// `keep_cnt_sent`.
    keep_cnt_sent,
    /// `snd_scale`.
    snd_scale,
    /// `rcv_scale`.
    rcv_scale,
    /// `snd_buf`.
    snd_buf,
    /// `snd_queuelen`.
    snd_queuelen,
    /// Segments on `unsent`.
    unsent_segs,
    /// Bytes on `unsent`.
    unsent_bytes,
    /// Segments on `unacked`.
    unacked_segs,
    /// Bytes on `unacked`.
    unacked_bytes,
    /// Segments on `ooseq`.
    ooseq_segs,
    /// Bytes on `ooseq`.
    ooseq_bytes,
    /// `refused_data`'s `tot_len` (0 without refused data).
    refused_bytes,
    /// `unsent_oversize`.
    unsent_oversize,
    /// `tmr`.
    tmr,
    /// `polltmr`.
    polltmr,
    /// `pollinterval`.
    pollinterval,
    /// `backlog` (listening pcbs).
    backlog,
    /// `accepts_pending` (listening pcbs).
    accepts_pending,
    /// `ts_lastacksent`.
    ts_lastacksent,
    /// `ts_recent`.
    ts_recent,
    /// `keep_idle`.
    keep_idle,
    /// `keep_intvl`.
    keep_intvl,
    /// `keep_cnt`.
    keep_cnt,
    /// `IP_GET_TYPE(&local_ip)`: lwIP's IPADDR_TYPE_V4 (0), _V6 (6) or
    /// _ANY (46); an IPv4-only build's addresses are all 0, an IPv6-only
    /// build's all 6.
    local_ip_type,
    /// An IPv6 `local_ip`'s first eight bytes, big-endian (0 otherwise).
    local_ip6_hi,
    /// An IPv6 `local_ip`'s last eight bytes, big-endian (0 otherwise).
    local_ip6_lo,
    /// `IP_GET_TYPE(&remote_ip)` (0 on a listener, which has none).
    remote_ip_type,
    /// An IPv6 `remote_ip`'s first eight bytes.
    remote_ip6_hi,
    /// An IPv6 `remote_ip`'s last eight bytes.
    remote_ip6_lo,
}

/// An address as the snapshot's four fields hold it: (IPv4 as a u32,
/// type, IPv6 high half, IPv6 low half).
pub fn ip_fields(a: lwip_vocab::IpAddr) -> [i64; 4] {
    let ty = i64::from(a.type_code());
    match a {
        lwip_vocab::IpAddr::V4(b) => [i64::from(u32::from_be_bytes(b)), ty, 0, 0],
        lwip_vocab::IpAddr::V6(b) => {
            let hi = u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
            let lo = u64::from_be_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]);
            // The bits as they are (two's complement), for comparison only.
            [0, ty, hi as i64, lo as i64]
        }
        lwip_vocab::IpAddr::Any => [0, ty, 0, 0],
    }
}

impl PcbSnapshot {
    /// A field's value.
    pub fn get(&self, name: &str) -> Option<i64> {
        self.fields()
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }
}

/// As the name/value snapshot serialised before it (`{"conn": n,
/// "fields": [[name, value], ...]}`), so JSON output is unchanged.
impl Serialize for PcbSnapshot {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("ConnSnapshot", 2)?;
        st.serialize_field("conn", &self.conn)?;
        st.serialize_field("fields", self.fields().as_slice())?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The order the reports have always shown (and the JSON carries).
    const ORDER: &str = "list state flags local_ip local_port remote_ip remote_port prio \
        so_options ttl tos netif_idx mss snd_nxt lastack snd_lbb snd_wl1 snd_wl2 rcv_nxt \
        rcv_wnd rcv_ann_wnd rcv_ann_right_edge snd_wnd snd_wnd_max cwnd ssthresh bytes_acked \
        rto_end rto sa sv rtime rttest rtseq nrtx dupacks persist_backoff persist_cnt \
        persist_probe keep_cnt_sent snd_scale rcv_scale snd_buf snd_queuelen unsent_segs \
        unsent_bytes unacked_segs unacked_bytes ooseq_segs ooseq_bytes refused_bytes \
        unsent_oversize tmr polltmr pollinterval backlog accepts_pending ts_lastacksent \
        ts_recent keep_idle keep_intvl keep_cnt local_ip_type local_ip6_hi local_ip6_lo \
        remote_ip_type remote_ip6_hi remote_ip6_lo";

    #[test]
    fn the_rows_keep_the_order_reports_show() {
        let names: Vec<&str> = ORDER.split_whitespace().collect();
        assert_eq!(FIELD_COUNT, 68);
        assert_eq!(PcbSnapshot::FIELD_NAMES.as_slice(), names.as_slice());
    }

    #[test]
    fn every_row_is_its_field() {
        // Give every field a distinct value through field_mut, then read
        // it back through the rows: a row bound to the wrong field fails.
        let mut s = crate::engine::c::snapshot(&lwip_c::Snapshot::default());
        for (i, n) in PcbSnapshot::FIELD_NAMES.iter().enumerate() {
            *s.field_mut(n).unwrap() = 1000 + i as i64;
        }
        for (i, (n, v)) in s.fields().iter().enumerate() {
            assert_eq!((*n, *v), (PcbSnapshot::FIELD_NAMES[i], 1000 + i as i64));
            assert_eq!(s.get(n), Some(*v));
        }
        assert_eq!(s.field_mut("no_such_field"), None);
    }

    #[test]
    fn json_is_the_name_value_form() {
        let s = crate::engine::c::snapshot(&lwip_c::Snapshot::default());
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["conn"], 0);
        let rows = v["fields"].as_array().unwrap();
        assert_eq!(rows.len(), FIELD_COUNT);
        assert_eq!(rows[0], serde_json::json!(["list", 0]));
        assert_eq!(rows[61], serde_json::json!(["keep_cnt", 0]));
    }
}
