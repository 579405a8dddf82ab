//! Leak oracle: after teardown nothing may stay allocated, in either
//! engine.

use super::{Difference, Oracle};
use crate::engine::Leaks;

fn show(l: &Leaks) -> String {
    if l.in_use.is_empty() {
        "nothing allocated".into()
    } else {
        l.in_use
            .iter()
            .map(|(k, n)| format!("{k}={n}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Compares the two engines' teardown accounting: a difference, or a leak
/// on either side, is reported.
pub fn compare(a: &Leaks, b: &Leaks) -> Option<Difference> {
    if a == b && a.in_use.is_empty() {
        return None;
    }
    let mut fields: Vec<String> = a
        .in_use
        .iter()
        .chain(&b.in_use)
        .map(|(k, _)| k.to_string())
        .collect();
    fields.sort();
    fields.dedup();
    Some(Difference {
        oracle: Oracle::Leaks,
        fields,
        a: show(a),
        b: show(b),
        detail: vec![],
    })
}
