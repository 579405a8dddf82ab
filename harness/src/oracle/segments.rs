//! Segments oracle: the emitted packets must be identical byte for byte.
//! When they are not, the report names every differing field.

use super::{Difference, Oracle};
use crate::engine::OutPacket;
use crate::wire::{Segment, flags_str, parse_options};

/// Compares two steps' emitted packets.
pub fn compare(a: &[OutPacket], b: &[OutPacket]) -> Option<Difference> {
    for (i, (pa, pb)) in a.iter().zip(b).enumerate() {
        if pa.bytes != pb.bytes || pa.time_us != pb.time_us {
            let mut fields: Vec<String> = field_diff(&pa.bytes, &pb.bytes)
                .into_iter()
                .map(|f| format!("packet {i} {f}"))
                .collect();
            if pa.time_us != pb.time_us {
                fields.push(format!("packet {i} time"));
            }
            return Some(Difference {
                oracle: Oracle::Segments,
                fields,
                a: describe(pa),
                b: describe(pb),
                detail: side_by_side(pa, pb)
                    .into_iter()
                    .chain([
                        format!("a: {}", hex(&pa.bytes)),
                        format!("b: {}", hex(&pb.bytes)),
                    ])
                    .collect(),
            });
        }
    }
    if a.len() != b.len() {
        let extra = if a.len() > b.len() {
            &a[b.len()..]
        } else {
            &b[a.len()..]
        };
        let list = |v: &[OutPacket]| v.iter().map(describe).collect::<Vec<_>>().join("; ");
        return Some(Difference {
            oracle: Oracle::Segments,
            fields: vec!["packet count".into()],
            a: format!("{} packet(s): {}", a.len(), list(a)),
            b: format!("{} packet(s): {}", b.len(), list(b)),
            detail: extra
                .iter()
                .map(|p| format!("only on one side: {}", describe(p)))
                .collect(),
        });
    }
    None
}

/// `@1.250s S. 0:0(0) ack 1 win 11680 <...>`
pub fn describe(p: &OutPacket) -> String {
    match Segment::decode(&p.bytes) {
        Some(s) => format!("@{:.3}s {s}", p.time_us as f64 / 1e6),
        None => format!(
            "@{:.3}s undecodable {} bytes",
            p.time_us as f64 / 1e6,
            p.bytes.len()
        ),
    }
}

/// Both packets decoded field by field in two columns; rows that differ
/// are marked with `>>` (so they stand out without colour, in logs too).
pub fn side_by_side(a: &OutPacket, b: &OutPacket) -> Vec<String> {
    let (Some(x), Some(y)) = (Segment::decode(&a.bytes), Segment::decode(&b.bytes)) else {
        return vec![];
    };
    let rows = |s: &Segment, t: u64| -> Vec<(String, String)> {
        [
            ("time", format!("{:.3}s", t as f64 / 1e6)),
            ("ip.src", s.src.to_string()),
            ("ip.dst", s.dst.to_string()),
            ("ip.tos", s.tos.to_string()),
            ("ip.ttl", s.ttl.to_string()),
            ("ip.id", s.ip_id.to_string()),
            ("ip.flags/offset", format!("{:#06x}", s.ip_frag)),
            ("ip6.flow", format!("{:#07x}", s.flow)),
            ("sport", s.sport.to_string()),
            ("dport", s.dport.to_string()),
            ("seq", s.seq.to_string()),
            ("ack", s.ack.to_string()),
            ("flags", flags_str(s.flags)),
            ("window", s.wnd.to_string()),
            ("urgent pointer", s.urg.to_string()),
            ("payload length", s.payload.len().to_string()),
            (
                "checksum",
                s.checksum.map_or("-".into(), |c| format!("{c:#06x}")),
            ),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_string(), v))
        .collect()
    };
    let (mut ra, mut rb) = (rows(&x, a.time_us), rows(&y, b.time_us));
    // The flow label only where there is one.
    if x.version() == 4 && y.version() == 4 {
        ra.retain(|(n, _)| n != "ip6.flow");
        rb.retain(|(n, _)| n != "ip6.flow");
    }
    // Options, one per row, so the differing one is marked.
    let (oa, ob) = (x.opts(), y.opts());
    for i in 0..oa.len().max(ob.len()) {
        let cell = |o: &[crate::wire::Opt]| o.get(i).map_or("-".to_string(), |o| o.to_string());
        ra.push((format!("option {i}"), cell(&oa)));
        rb.push((format!("option {i}"), cell(&ob)));
    }
    let width = ra.iter().map(|(_, v)| v.len()).max().unwrap_or(0).max(6);
    let mut out = vec![format!("   {:<16} {:<width$}  {}", "field", "A", "B")];
    for ((name, va), (_, vb)) in ra.iter().zip(&rb) {
        let mark = if va == vb { "  " } else { ">>" };
        out.push(format!("{mark} {name:<16} {va:<width$}  {vb}"));
    }
    if x.payload.len() == y.payload.len()
        && let Some(at) = x.payload.iter().zip(&y.payload).position(|(p, q)| p != q)
    {
        out.push(format!(
            ">> payload byte {at}: {:#04x} vs {:#04x}",
            x.payload[at], y.payload[at]
        ));
    }
    out
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The names of the fields in which two packets differ.
pub fn field_diff(a: &[u8], b: &[u8]) -> Vec<String> {
    let (Some(x), Some(y)) = (Segment::decode(a), Segment::decode(b)) else {
        return vec!["bytes (not both IPv4/TCP or IPv6/TCP)".into()];
    };
    let mut f = Vec::new();
    let check = |f: &mut Vec<String>, name: &str, differ: bool| {
        if differ {
            f.push(name.to_string());
        }
    };
    check(&mut f, "ip.src", x.src != y.src);
    check(&mut f, "ip.dst", x.dst != y.dst);
    check(&mut f, "ip.tos", x.tos != y.tos);
    check(&mut f, "ip.ttl", x.ttl != y.ttl);
    check(&mut f, "ip.id", x.ip_id != y.ip_id);
    check(&mut f, "ip.flags/offset", x.ip_frag != y.ip_frag);
    check(&mut f, "ip6.flow", x.flow != y.flow);
    check(&mut f, "sport", x.sport != y.sport);
    check(&mut f, "dport", x.dport != y.dport);
    check(&mut f, "seq", x.seq != y.seq);
    check(&mut f, "ack", x.ack != y.ack);
    if x.flags != y.flags {
        f.push(format!(
            "flags ({} vs {})",
            flags_str(x.flags),
            flags_str(y.flags)
        ));
    }
    check(&mut f, "window", x.wnd != y.wnd);
    check(&mut f, "urgent pointer", x.urg != y.urg);
    if x.options != y.options {
        let (ox, oy) = (parse_options(&x.options), parse_options(&y.options));
        let n = ox.len().max(oy.len());
        for i in 0..n {
            match (ox.get(i), oy.get(i)) {
                (Some(p), Some(q)) if p == q => {}
                (p, q) => f.push(format!(
                    "option {i} ({} vs {})",
                    p.map_or("none".into(), |o| o.to_string()),
                    q.map_or("none".into(), |o| o.to_string())
                )),
            }
        }
    }
    check(&mut f, "payload length", x.payload.len() != y.payload.len());
    if x.payload.len() == y.payload.len() && x.payload != y.payload {
        let at = x
            .payload
            .iter()
            .zip(&y.payload)
            .position(|(p, q)| p != q)
            .unwrap_or(0);
        f.push(format!("payload byte {at}"));
    }
    check(&mut f, "checksum", x.checksum != y.checksum);
    if f.is_empty() && a != b {
        f.push("bytes".into());
    }
    f
}
