//! Callback oracle: the same callbacks, in the same order, with the same
//! arguments, return values and virtual times.

use super::{Difference, Oracle};
use crate::engine::CallbackRecord;

/// Compares two steps' callback logs.
pub fn compare(a: &[CallbackRecord], b: &[CallbackRecord]) -> Option<Difference> {
    let list = |v: &[CallbackRecord]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        }
    };
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        if x != y {
            let mut fields = Vec::new();
            let mut check = |n: &str, d: bool| {
                if d {
                    fields.push(format!("callback {i} {n}"));
                }
            };
            check("kind", x.kind != y.kind);
            check("conn", x.conn != y.conn);
            check("new conn", x.new_conn != y.new_conn);
            check("data", x.data != y.data);
            check("len", x.len != y.len);
            check("err", x.err != y.err);
            check("return value", x.ret != y.ret);
            check("time", x.time_ms != y.time_ms);
            return Some(Difference {
                oracle: Oracle::Callbacks,
                fields,
                a: list(a),
                b: list(b),
                detail: side_by_side(a, b),
            });
        }
    }
    if a.len() != b.len() {
        return Some(Difference {
            oracle: Oracle::Callbacks,
            fields: vec!["callback count".into()],
            a: list(a),
            b: list(b),
            detail: side_by_side(a, b),
        });
    }
    None
}

/// The two logs in columns, one callback per row; differing rows are
/// marked with `>>`.
pub fn side_by_side(a: &[CallbackRecord], b: &[CallbackRecord]) -> Vec<String> {
    let cell = |v: &[CallbackRecord], i: usize| v.get(i).map_or("-".to_string(), |c| c.to_string());
    let n = a.len().max(b.len());
    let width = (0..n).map(|i| cell(a, i).len()).max().unwrap_or(0).max(6);
    let mut out = vec![format!("   {:>2}  {:<width$}  {}", "#", "A", "B")];
    for i in 0..n {
        let mark = if a.get(i) == b.get(i) { "  " } else { ">>" };
        out.push(format!(
            "{mark} {i:>2}  {:<width$}  {}",
            cell(a, i),
            cell(b, i)
        ));
    }
    out
}
