//! `--pcap-out`: a pcapng file with the stimulus and both engines' segments
//! interleaved in virtual time, each packet commented (Wireshark shows the
//! comment as `frame.comment`):
//!
//! * `stimulus step 12 line 34: < . 1:1(0) ack 1 win 502` — a packet the
//!   harness injected (engine A's copy; if engine B received different
//!   bytes, because it chose another ISN, B's copy follows, marked `[B]`);
//! * `A=c step 12 line 34: out S. ...` — a packet engine A emitted, `B=rust`
//!   for engine B;
//! * at the first divergence, the packets of that step also carry
//!   `FIRST DIVERGENCE (Segments): fields seq, len; A: ...; B: ...`.
//!
//! Timestamps are `base + virtual time`: for a replay, the captured flow's
//! start, so the file lines up with the original capture.

use std::io::{self, Write};

use crate::capture::PcapngWriter;
use crate::case::{CaseRun, Dir, Recorded};
use crate::engine::OutPacket;
use crate::oracle::segments::describe;
use crate::runner::Verdict;

/// Writes `run` as pcapng to `out`; `base_us` is added to every virtual
/// time. Returns the number of packets written.
pub fn write<W: Write>(run: &CaseRun, base_us: i64, out: W) -> io::Result<u64> {
    let r = &run.result;
    let (ea, eb) = (&r.engines.0, &r.engines.1);
    let scenario = r.traces.as_ref().map(|(sc, _, _)| sc);
    let div = match &r.verdict {
        Some(Verdict::Diverged(d)) => Some(d),
        _ => None,
    };
    let step_info = |step: usize| -> String {
        match scenario.and_then(|sc| sc.steps.get(step)) {
            Some(s) => format!("step {step} line {}", s.line),
            None => format!("step {step}"),
        }
    };
    let div_note = |step: usize| -> Option<String> {
        let d = div?;
        (d.step == Some(step)).then(|| {
            format!(
                " | FIRST DIVERGENCE ({:?}): fields {}; A: {}; B: {}",
                d.difference.oracle,
                d.difference.fields.join(", "),
                d.difference.a,
                d.difference.b
            )
        })
    };
    // Steps are in time order; within a step, what an engine emitted while
    // time advanced comes before the stimulus, its answer after. Sort key:
    // (step, phase: 0 before the stimulus / 1 stimulus / 2 after, engine,
    // order in that engine's log).
    let phased = |log: &[Recorded]| -> Vec<(usize, u8)> {
        let mut seen_in: Option<usize> = None;
        log.iter()
            .map(|r| {
                if r.dir == Dir::In {
                    seen_in = Some(r.step);
                    (r.step, 1)
                } else if seen_in == Some(r.step) {
                    (r.step, 2)
                } else {
                    (r.step, 0)
                }
            })
            .collect()
    };
    let pa = phased(&run.log_a);
    let pb = phased(&run.log_b);
    // (step, phase, who: 0 stimulus A / 3 stimulus B / 1 out A / 2 out B, order, record)
    let mut rows: Vec<(usize, u8, u8, usize, &Recorded)> = Vec::new();
    let b_in: Vec<&Recorded> = run.log_b.iter().filter(|x| x.dir == Dir::In).collect();
    let mut a_in_idx = 0usize;
    for (i, (rec, (step, phase))) in run.log_a.iter().zip(pa).enumerate() {
        match rec.dir {
            Dir::In => {
                rows.push((step, phase, 0, i, rec));
                if let Some(b) = b_in.get(a_in_idx)
                    && b.bytes != rec.bytes
                {
                    rows.push((step, phase, 3, i, b));
                }
                a_in_idx += 1;
            }
            Dir::Out => rows.push((step, phase, 1, i, rec)),
        }
    }
    for b in b_in.iter().skip(a_in_idx) {
        rows.push((b.step, 1, 3, usize::MAX, b));
    }
    for (i, (rec, (step, phase))) in run.log_b.iter().zip(pb).enumerate() {
        if rec.dir == Dir::Out {
            rows.push((step, phase, 2, i, rec));
        }
    }
    rows.sort_by_key(|(step, phase, who, ord, _)| (*step, *phase, *who, *ord));
    let mut w = PcapngWriter::new(out)?;
    let mut last_ts = 0i64;
    for (step, _, who, _, rec) in rows {
        let source = scenario
            .and_then(|sc| sc.steps.get(step))
            .map(|s| s.source.as_str())
            .unwrap_or("");
        let mut comment = match who {
            0 => format!("stimulus {}: {source}", step_info(step)),
            3 => format!("stimulus [B] {}: {source}", step_info(step)),
            1 | 2 => {
                let (tag, name) = if who == 1 { ("A", ea) } else { ("B", eb) };
                let desc = describe(&OutPacket {
                    time_us: rec.time_us,
                    bytes: rec.bytes.clone(),
                });
                format!("{tag}={name} {}: out {desc}", step_info(step))
            }
            _ => String::new(),
        };
        if let Some(n) = div_note(step) {
            comment.push_str(&n);
        }
        // Engines stamp their packets in ms: keep the file's clock monotonic.
        let t = i64::try_from(rec.time_us).unwrap_or(i64::MAX);
        let ts = base_us.saturating_add(t).max(last_ts).max(0);
        last_ts = ts;
        w.write_packet(ts, &rec.bytes, Some(&comment))?;
    }
    let n = w.packets_written();
    w.finish()?;
    Ok(n)
}

/// Writes `run` to the file `path`.
pub fn write_file(run: &CaseRun, base_us: i64, path: &std::path::Path) -> io::Result<u64> {
    let f = std::fs::File::create(path)?;
    write(run, base_us, io::BufWriter::new(f))
}
