//! Resource oracle: after every step both engines hold the same number of
//! pcbs, segments and pbufs of each pool and the same number of heap
//! bytes, and their heap statistics agree (`lwip_stats.mem.max`, the most
//! bytes ever in use, and `.err`, failed allocations: a port that peaks
//! higher inside a step, or fails where lwIP did not, differs here even if
//! the step ends with the same use). lwIP's `ERR_MEM` depends on what is allocated (and, for the
//! heap, where), so a port that agrees on the wire today but holds memory
//! differently would diverge later under pressure; this catches it at the
//! step where the accounting first differs. The resources also carry
//! lwIP's TCP statistics (`lwip_stats.tcp`: segments sent and received,
//! drops, checksum, length, protocol and memory errors, demux cache hits;
//! [`crate::engine::TCP_STATS`]): a port that drops or counts differently
//! is named at the step, even where the wire shows nothing.

use super::{Difference, Oracle};

fn show(r: &[(&'static str, u64)]) -> String {
    r.iter()
        .map(|(k, n)| format!("{k}={n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Compares two engines' resource use after a step, resource by
/// resource: a count that differs, or a resource one engine does not list,
/// is named. (An engine that cannot count at all says so with
/// [`crate::engine::Unobservable`], which [`super::compare_step`] reports.)
pub fn compare(a: &[(&'static str, u64)], b: &[(&'static str, u64)]) -> Option<Difference> {
    if a == b {
        return None;
    }
    let mut fields: Vec<String> = Vec::new();
    for (k, n) in a {
        if b.iter().find(|(k2, _)| k2 == k).map(|(_, m)| m) != Some(n) {
            fields.push((*k).to_string());
        }
    }
    for (k, _) in b {
        if !a.iter().any(|(k2, _)| k2 == k) {
            fields.push((*k).to_string());
        }
    }
    Some(Difference {
        oracle: Oracle::Resources,
        fields,
        a: show(a),
        b: show(b),
        detail: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_pool_that_differs() {
        let a = [("tcp_seg", 2), ("heap_bytes", 1600)];
        let b = [("tcp_seg", 2), ("heap_bytes", 1608)];
        let d = compare(&a, &b).expect("differs");
        assert_eq!(d.fields, vec!["heap_bytes".to_string()]);
        assert_eq!(d.oracle, Oracle::Resources);
        assert!(compare(&a, &a).is_none());
        let d = compare(&a, &[]).expect("an empty list is not skipped");
        assert_eq!(
            d.fields,
            vec!["tcp_seg".to_string(), "heap_bytes".to_string()]
        );
    }
}
