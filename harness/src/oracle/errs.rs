//! err_t oracle: API calls must return the same err_t and value.

use super::{Difference, Oracle};
use crate::engine::CallOutcome;

/// A call result as text: `ERR_MEM (= -1)`, `= 4`, `= -1 EAGAIN`.
pub fn show(o: Option<&CallOutcome>) -> String {
    match o {
        None => "no call".into(),
        Some(o) => {
            let err = o.err.map(lwip_vocab::RawErr);
            let addr = o
                .addr
                .as_ref()
                .map_or(String::new(), |a| format!(" addr {a}"));
            match (err, &o.errno) {
                (Some(e), _) => format!("{e} (= {}){addr}", o.value),
                (None, Some(n)) => format!("= {} {n}{addr}", o.value),
                (None, None) => format!("= {}{addr}", o.value),
            }
        }
    }
}

/// Compares two steps' call results.
pub fn compare(a: Option<&CallOutcome>, b: Option<&CallOutcome>) -> Option<Difference> {
    if a == b {
        return None;
    }
    let mut fields = Vec::new();
    if a.map(|o| o.err) != b.map(|o| o.err) {
        fields.push("err_t".to_string());
    }
    if a.map(|o| o.value) != b.map(|o| o.value) {
        fields.push("return value".to_string());
    }
    if a.map(|o| &o.addr) != b.map(|o| &o.addr) {
        fields.push("address".to_string());
    }
    if fields.is_empty() {
        fields.push("errno".to_string());
    }
    Some(Difference {
        oracle: Oracle::ErrT,
        fields,
        a: show(a),
        b: show(b),
        detail: vec![],
    })
}
