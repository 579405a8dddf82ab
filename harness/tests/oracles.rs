//! The oracles can fail: perturb one engine's observation in each oracle
//! and the comparison names the right step, oracle and field.

use harness::engine::Engine;
use harness::engine::c::CEngine;
use harness::from_script::to_scenario;
use harness::oracle::Oracle;
use harness::runner::{Trace, Verdict, compare, run_engine};

fn traces() -> (harness::model::Scenario, Trace) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../corpus/scripts/handshake/passive-open.pkt"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let (script, _) = harness::script::parse(path, &text).unwrap();
    let (sc, _) = to_scenario(&script).unwrap();
    let mut e = CEngine::new();
    let t = run_engine(&mut e as &mut dyn Engine, &sc);
    assert!(t.failures.is_empty(), "{:?}", t.failures);
    (sc, t)
}

fn diverged(
    sc: &harness::model::Scenario,
    a: &Trace,
    b: &Trace,
) -> (Option<usize>, Oracle, Vec<String>) {
    match compare(sc, a, b) {
        Verdict::Diverged(d) => (d.step, d.difference.oracle, d.difference.fields),
        other => panic!("expected a divergence, got {other:?}"),
    }
}

fn step_with<F: Fn(&harness::runner::StepObs) -> bool>(t: &Trace, f: F) -> usize {
    t.steps
        .iter()
        .position(f)
        .expect("a step with that observation")
}

#[test]
fn identical_traces_are_the_same() {
    let (sc, t) = traces();
    assert_eq!(compare(&sc, &t, &t.clone()), Verdict::Same);
}

#[test]
fn a_flipped_flag_is_a_segment_divergence_naming_flags() {
    let (sc, a) = traces();
    let mut b = a.clone();
    let i = step_with(&a, |s| !s.packets.is_empty());
    b.steps[i].packets[0].bytes[33] ^= 0x08; // PSH in the TCP flag byte
    let (step, oracle, fields) = diverged(&sc, &a, &b);
    assert_eq!((step, oracle), (Some(i), Oracle::Segments));
    assert!(fields.iter().any(|f| f.contains("flags")), "{fields:?}");
}

#[test]
fn one_window_byte_is_named() {
    let (sc, a) = traces();
    let mut b = a.clone();
    let i = step_with(&a, |s| !s.packets.is_empty());
    b.steps[i].packets[0].bytes[34] ^= 0x01; // window high byte
    let (_, _, fields) = diverged(&sc, &a, &b);
    assert!(fields.iter().any(|f| f.contains("window")), "{fields:?}");
}

#[test]
fn a_different_err_t_is_an_err_t_divergence() {
    let (sc, a) = traces();
    let mut b = a.clone();
    let i = step_with(&a, |s| s.outcome.as_ref().is_some_and(|o| o.err.is_some()));
    let o = b.steps[i].outcome.as_mut().unwrap();
    o.err = Some(-1);
    let (step, oracle, fields) = diverged(&sc, &a, &b);
    assert_eq!((step, oracle), (Some(i), Oracle::ErrT));
    assert!(fields.contains(&"err_t".to_string()), "{fields:?}");
}

#[test]
fn a_different_callback_is_a_callback_divergence() {
    let (sc, a) = traces();
    let mut b = a.clone();
    let i = step_with(&a, |s| !s.callbacks.is_empty());
    b.steps[i].callbacks[0].ret = Some(-1);
    let (step, oracle, fields) = diverged(&sc, &a, &b);
    assert_eq!((step, oracle), (Some(i), Oracle::Callbacks));
    assert!(
        fields.iter().any(|f| f.contains("return value")),
        "{fields:?}"
    );
    // Swapped order: an extra callback first.
    let mut c = a.clone();
    let extra = c.steps[i].callbacks[0].clone();
    c.steps[i].callbacks.insert(
        0,
        harness::engine::CallbackRecord {
            kind: harness::engine::CbKind::Poll,
            ..extra
        },
    );
    let (_, oracle, _) = diverged(&sc, &a, &c);
    assert_eq!(oracle, Oracle::Callbacks);
}

#[test]
fn a_changed_cwnd_is_a_state_divergence_naming_cwnd() {
    let (sc, a) = traces();
    let mut b = a.clone();
    let i = step_with(&a, |s| {
        s.conns()
            .iter()
            .any(|c| c.get("cwnd").is_some_and(|v| v > 0))
    });
    let snap = b.steps[i]
        .snapshots
        .as_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c.get("cwnd").is_some_and(|v| v > 0))
        .unwrap();
    snap.cwnd += 1;
    let (step, oracle, fields) = diverged(&sc, &a, &b);
    assert_eq!((step, oracle), (Some(i), Oracle::State));
    assert!(fields.iter().any(|f| f.ends_with("cwnd")), "{fields:?}");
}

#[test]
fn a_leak_is_a_leak_divergence() {
    let (sc, a) = traces();
    let mut b = a.clone();
    b.leaks.as_mut().unwrap().in_use.push(("tcp_seg", 1));
    let (step, oracle, fields) = diverged(&sc, &a, &b);
    assert_eq!((step, oracle), (None, Oracle::Leaks));
    assert_eq!(fields, vec!["tcp_seg".to_string()]);
}

/// The C trace of a corpus script.
fn trace_of(rel: &str) -> (harness::model::Scenario, Trace) {
    let path = format!("{}/../corpus/scripts/{rel}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let (script, _) = harness::script::parse(&path, &text).unwrap();
    let (sc, _) = to_scenario(&script).unwrap();
    let mut e = CEngine::new();
    let t = run_engine(&mut e as &mut dyn Engine, &sc);
    assert!(t.failures.is_empty(), "{:?}", t.failures);
    (sc, t)
}

#[test]
fn one_payload_byte_is_named() {
    let (sc, a) = trace_of("data/send-segmented.pkt");
    let (i, k) = a
        .steps
        .iter()
        .enumerate()
        .find_map(|(i, s)| {
            s.packets
                .iter()
                .position(|p| p.bytes.len() > 60)
                .map(|k| (i, k))
        })
        .expect("a data segment");
    let mut b = a.clone();
    let last = b.steps[i].packets[k].bytes.len() - 1;
    b.steps[i].packets[k].bytes[last] ^= 0x80;
    let (step, oracle, fields) = diverged(&sc, &a, &b);
    assert_eq!((step, oracle), (Some(i), Oracle::Segments));
    assert!(
        fields.iter().any(|f| f.contains("payload byte")),
        "{fields:?}"
    );
}

#[test]
fn two_callbacks_swapped_are_a_callback_divergence() {
    // An inbound segment with data and an ACK: sent, then recv, in one step.
    let (sc, a) = trace_of("data/bidirectional.pkt");
    let i = step_with(&a, |s| {
        s.callbacks.len() >= 2 && s.callbacks[0].kind != s.callbacks[1].kind
    });
    let mut b = a.clone();
    b.steps[i].callbacks.swap(0, 1);
    let (step, oracle, fields) = diverged(&sc, &a, &b);
    assert_eq!((step, oracle), (Some(i), Oracle::Callbacks));
    assert!(fields.iter().any(|f| f.contains("kind")), "{fields:?}");
}

#[test]
fn eight_more_heap_bytes_are_a_resources_divergence() {
    // A SYN-ACK waiting for its ACK holds a PBUF_RAM pbuf from lwIP's heap.
    let (sc, a) = traces();
    let mut b = a.clone();
    let held = |s: &harness::runner::StepObs| {
        s.resources
            .iter()
            .flatten()
            .any(|(k, n)| *k == "heap_bytes" && *n > 0)
    };
    let i = step_with(&a, held);
    for r in b.steps[i].resources.as_mut().unwrap() {
        if r.0 == "heap_bytes" {
            r.1 += 8;
        }
    }
    let (step, oracle, fields) = diverged(&sc, &a, &b);
    assert_eq!((step, oracle), (Some(i), Oracle::Resources));
    assert_eq!(fields, vec!["heap_bytes".to_string()]);
}

#[test]
fn an_unobservable_resource_count_is_a_resources_divergence() {
    // An engine that cannot count says so, and the oracle reports it.
    let (sc, a) = traces();
    let mut b = a.clone();
    b.steps[0].resources = Err(harness::engine::Unobservable("no counters".into()));
    let (step, oracle, fields) = diverged(&sc, &a, &b);
    assert_eq!((step, oracle), (Some(0), Oracle::Resources));
    assert_eq!(fields, vec!["observable".to_string()]);
}

#[test]
fn unobservable_state_is_a_state_divergence() {
    let (sc, a) = traces();
    let mut b = a.clone();
    let last = b.steps.len() - 1;
    b.steps[last].snapshots = Err(harness::engine::Unobservable("no pcb lists".into()));
    let (step, oracle, fields) = diverged(&sc, &a, &b);
    assert_eq!((step, oracle), (Some(last), Oracle::State));
    assert_eq!(fields, vec!["observable".to_string()]);
}

/// The value of resource `name` after step `s` (0 when not listed).
fn resource(s: &harness::runner::StepObs, name: &str) -> u64 {
    s.resources
        .iter()
        .flatten()
        .find(|(k, _)| *k == name)
        .map_or(0, |(_, n)| *n)
}

#[test]
fn one_more_tcp_drop_is_a_resources_divergence() {
    // lwIP's TCP statistics (lwip_stats.tcp) are among the resources, and
    // live: in this handshake lwIP receives and sends segments.
    let (sc, a) = traces();
    assert!(
        a.steps.iter().any(|s| resource(s, "tcp.recv") > 0),
        "tcp.recv is counted"
    );
    assert!(
        a.steps.iter().any(|s| resource(s, "tcp.xmit") > 0),
        "tcp.xmit is counted"
    );
    let i = step_with(&a, |s| resource(s, "tcp.recv") > 0);
    let mut b = a.clone();
    for r in b.steps[i].resources.as_mut().unwrap() {
        if r.0 == "tcp.drop" {
            r.1 += 1;
        }
    }
    let (step, oracle, fields) = diverged(&sc, &a, &b);
    assert_eq!((step, oracle), (Some(i), Oracle::Resources));
    assert_eq!(fields, vec!["tcp.drop".to_string()]);
}

/// The last value of resource `name` in a case's C trace.
fn final_resource(path: &str, name: &str) -> u64 {
    let text = std::fs::read_to_string(path).unwrap();
    let (script, _) = harness::script::parse(path, &text).unwrap();
    let (sc, _) = to_scenario(&script).unwrap();
    let mut e = CEngine::new();
    let t = run_engine(&mut e as &mut dyn Engine, &sc);
    assert!(t.failures.is_empty(), "{path}: {:?}", t.failures);
    t.steps.iter().map(|s| resource(s, name)).max().unwrap_or(0)
}

#[test]
fn every_mib2_tcp_counter_is_live_and_one_more_is_a_resources_divergence() {
    // lwIP's MIB-II TCP counters (lwip_stats.mib2, MIB2_STATS in the full
    // profile) are among the resources, and each is counted by some case
    // of the corpus (so the oracle compares values that move).
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/scripts");
    let mut seen = std::collections::BTreeMap::new();
    let mut groups: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    groups.sort();
    for group in groups {
        let mut files: Vec<_> = std::fs::read_dir(group)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "pkt"))
            .collect();
        files.sort();
        for f in files {
            for name in harness::engine::MIB2_TCP {
                if seen.get(name).is_none_or(|n| *n == 0) {
                    seen.insert(name, final_resource(f.to_str().unwrap(), name));
                }
            }
            if seen.values().all(|n| *n > 0) && seen.len() == harness::engine::MIB2_TCP.len() {
                break;
            }
        }
    }
    let dead: Vec<_> = seen.iter().filter(|(_, n)| **n == 0).collect();
    assert!(dead.is_empty(), "never counted: {dead:?}");

    let (sc, a) = traces();
    let i = step_with(&a, |s| resource(s, "mib2.tcpinsegs") > 0);
    let mut b = a.clone();
    for r in b.steps[i].resources.as_mut().unwrap() {
        if r.0 == "mib2.tcpoutsegs" {
            r.1 += 1;
        }
    }
    let (step, oracle, fields) = diverged(&sc, &a, &b);
    assert_eq!((step, oracle), (Some(i), Oracle::Resources));
    assert_eq!(fields, vec!["mib2.tcpoutsegs".to_string()]);
}

#[test]
fn a_callback_record_serialises_as_the_reports_always_wrote_it() {
    // The kind is lwip-vocab's CallbackKind: the JSON keeps the variant's
    // name, the err_t values stay raw numbers.
    let r = harness::engine::CallbackRecord {
        time_ms: 200,
        kind: harness::engine::CbKind::Accept,
        conn: 1,
        new_conn: Some(2),
        data: None,
        len: None,
        err: Some(0),
        ret: Some(-1),
    };
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"time_ms":200,"kind":"Accept","conn":1,"new_conn":2,"data":null,"len":null,"err":0,"ret":-1}"#
    );
    assert_eq!(
        r.to_string(),
        "Accept(conn 1, new conn 2, ERR_OK) -> ERR_MEM @200ms"
    );
    let kinds: Vec<String> = lwip_vocab::CallbackKind::ALL
        .iter()
        .map(|&kind| {
            let v = serde_json::to_value(harness::engine::CallbackRecord { kind, ..r.clone() });
            v.unwrap()["kind"].to_string()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "\"Accept\"",
            "\"Connected\"",
            "\"Recv\"",
            "\"Sent\"",
            "\"Poll\"",
            "\"Err\""
        ]
    );
}
