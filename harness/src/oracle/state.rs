//! State oracle: every connection's snapshot must match field by field.

use super::{Difference, Oracle};
use crate::engine::ConnSnapshot;

/// Compares two steps' snapshots (same connections, same order).
pub fn compare(a: &[ConnSnapshot], b: &[ConnSnapshot]) -> Option<Difference> {
    if a.len() != b.len() {
        let ids = |v: &[ConnSnapshot]| {
            v.iter()
                .map(|s| s.conn.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Some(Difference {
            oracle: Oracle::State,
            fields: vec!["connection count".into()],
            a: format!("{} connection(s): {}", a.len(), ids(a)),
            b: format!("{} connection(s): {}", b.len(), ids(b)),
            detail: vec![],
        });
    }
    for (x, y) in a.iter().zip(b) {
        if x == y {
            continue;
        }
        let mut fields = Vec::new();
        let mut sa = Vec::new();
        let mut sb = Vec::new();
        let mut detail = vec![format!(
            "   conn {} {:<18} {:<14} {}",
            x.conn, "field", "A", "B"
        )];
        if x.conn != y.conn {
            fields.push("conn".to_string());
        }
        // The same typed fields on both sides: the rows pair up by name.
        for ((n, v), (m, w)) in x.fields().iter().zip(&y.fields()) {
            if v != w {
                fields.push(format!("conn {} {n}", x.conn));
                sa.push(format!("{n}={}", show(n, *v)));
                sb.push(format!("{m}={}", show(m, *w)));
                detail.push(format!(
                    ">> conn {} {n:<18} {:<14} {}",
                    x.conn,
                    show(n, *v),
                    show(m, *w)
                ));
            }
        }
        return Some(Difference {
            oracle: Oracle::State,
            fields,
            a: sa.join(" "),
            b: sb.join(" "),
            detail,
        });
    }
    None
}

fn show(name: &str, v: i64) -> String {
    match name {
        "state" => format!("{}({v})", state_name(v)),
        "flags" => format!("{v:#06x}"),
        _ => v.to_string(),
    }
}

/// lwIP's name of a `state` value (tcp_state_str), `?` for a value lwIP
/// does not define.
pub fn state_name(v: i64) -> &'static str {
    u8::try_from(v)
        .ok()
        .and_then(lwip_vocab::TcpState::from_raw)
        .map_or("?", lwip_vocab::TcpState::name)
}
