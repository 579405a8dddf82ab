//! `--pcap-out`: the pcapng holds the stimulus and both engines' packets,
//! each commented; it reads back with tcpdiff's capture reader and, when
//! installed, with tshark; the first divergence's packets name the fields
//! that differ.

use std::path::{Path, PathBuf};
use std::process::Command;

use harness::capture;
use harness::case::{self, Dir};
use harness::engine::{
    CallOutcome, CallbackRecord, ConnSnapshot, Engine, EngineError, Leaks, Observed, OutPacket,
    Resources, by_name,
};
use harness::model::{ApiCall, ScenarioConfig};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tcpdiff-pcapout-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// An engine that loses its `n`th emitted packet: a deliberate divergence.
struct Lossy {
    inner: Box<dyn Engine>,
    n: usize,
    seen: usize,
}

impl Engine for Lossy {
    fn name(&self) -> &str {
        "lossy"
    }
    fn reset(&mut self, c: &ScenarioConfig) -> Result<(), EngineError> {
        self.seen = 0;
        self.inner.reset(c)
    }
    fn advance_to(&mut self, t: u64) -> Result<(), EngineError> {
        self.inner.advance_to(t)
    }
    fn inbound(&mut self, p: &[u8]) -> Result<(), EngineError> {
        self.inner.inbound(p)
    }
    fn call(&mut self, c: &ApiCall) -> Result<CallOutcome, EngineError> {
        self.inner.call(c)
    }
    fn take_packets(&mut self) -> Vec<OutPacket> {
        let mut v = self.inner.take_packets();
        if self.seen <= self.n && self.n < self.seen + v.len() {
            v.remove(self.n - self.seen);
            self.seen += 1;
        }
        self.seen += v.len();
        v
    }
    fn take_callbacks(&mut self) -> Vec<CallbackRecord> {
        self.inner.take_callbacks()
    }
    fn snapshots(&mut self) -> Observed<Vec<ConnSnapshot>> {
        self.inner.snapshots()
    }
    fn resources(&mut self) -> Observed<Resources> {
        self.inner.resources()
    }
    fn teardown(&mut self) -> Result<Leaks, EngineError> {
        self.inner.teardown()
    }
}

#[test]
fn pcap_out_replay_reads_back_with_comments() {
    let dir = tmp("replay");
    let out = dir.join("x.pcapng");
    let t = root().join("traces/http-get-4000.pcap");
    let st = Command::new(env!("CARGO_BIN_EXE_tcpdiff"))
        .args(["replay", "--pcap-out"])
        .arg(&out)
        .arg(&t)
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    let cap = capture::read(&out).unwrap();
    assert_eq!(cap.skipped.total(), 0);
    assert_eq!(cap.packets.len(), cap.total_packets);
    // The replay's own record, for the counts.
    let rp = harness::replay::from_file(&t, Default::default()).unwrap();
    let (sc, w) = rp.scenario().unwrap();
    let (mut a, mut b) = (by_name("c").unwrap(), by_name("c").unwrap());
    let run = case::run_scenario("x", &sc, w, true, a.as_mut(), b.as_mut());
    let n_in = run.log_a.iter().filter(|r| r.dir == Dir::In).count();
    let n_a = run.log_a.len() - n_in;
    let n_b = run.log_b.iter().filter(|r| r.dir == Dir::Out).count();
    assert_eq!(cap.packets.len(), n_in + n_a + n_b);
    let comments: Vec<&str> = cap
        .packets
        .iter()
        .map(|p| p.comment.as_deref().expect("every packet is commented"))
        .collect();
    let count = |prefix: &str| comments.iter().filter(|c| c.starts_with(prefix)).count();
    assert_eq!(count("stimulus step "), n_in);
    assert_eq!(count("A=c step "), n_a);
    assert_eq!(count("B=c step "), n_b);
    // Comments name step and script line; times start at the capture's.
    assert!(comments[0].contains(" line "), "{}", comments[0]);
    assert_eq!(cap.packets[0].ts_micros, rp.start_ts_micros);
    assert!(
        cap.packets
            .windows(2)
            .all(|w| w[0].ts_micros <= w[1].ts_micros)
    );
    // The first stimulus is the client's SYN; lwIP answers it.
    assert!(comments[0].contains("< S 0:0(0)"), "{}", comments[0]);
    assert!(
        comments[1].starts_with("A=c") && comments[1].contains(" S. "),
        "{}",
        comments[1]
    );

    // tshark, when installed, reads it too and sees the comments.
    match Command::new("tshark")
        .args(["-r"])
        .arg(&out)
        .args(["-T", "fields", "-e", "frame.comment"])
        .output()
    {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), cap.packets.len(), "tshark packet count");
            assert!(lines[0].contains("stimulus step"), "{}", lines[0]);
            assert!(lines.iter().any(|l| l.starts_with("A=c")));
        }
        Ok(o) => panic!(
            "tshark could not read {}: {}",
            out.display(),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) => eprintln!("tshark not installed: skipping the tshark check"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pcap_out_marks_the_first_divergence() {
    let text =
        std::fs::read_to_string(root().join("corpus/scripts/handshake/passive-open.pkt")).unwrap();
    let mut a = by_name("c").unwrap();
    // B loses lwIP's SYN-ACK (its first packet).
    let mut b: Box<dyn Engine> = Box::new(Lossy {
        inner: by_name("c").unwrap(),
        n: 0,
        seen: 0,
    });
    let run = case::run_text("passive-open.pkt", &text, a.as_mut(), b.as_mut());
    let Some(harness::runner::Verdict::Diverged(d)) = &run.result.verdict else {
        panic!("expected a divergence, got {:?}", run.result.verdict);
    };
    let mut bytes = Vec::new();
    let n = harness::pcapout::write(&run, 0, &mut bytes).unwrap();
    let cap = capture::read_bytes("div.pcapng", &bytes).unwrap();
    assert_eq!(cap.packets.len() as u64, n);
    let marked: Vec<&str> = cap
        .packets
        .iter()
        .filter_map(|p| p.comment.as_deref())
        .filter(|c| c.contains("FIRST DIVERGENCE"))
        .collect();
    assert!(!marked.is_empty(), "no packet marks the divergence");
    let step = d.step.unwrap();
    for c in &marked {
        assert!(c.contains(&format!("step {step} ")), "{c}");
        assert!(c.contains(&d.difference.fields.join(", ")), "{c}");
    }
    // The SYN-ACK only A sent is there, marked, and B's is not.
    assert!(
        marked
            .iter()
            .any(|c| c.starts_with("A=c") && c.contains(" S. "))
    );
    assert!(
        !cap.packets
            .iter()
            .filter_map(|p| p.comment.as_deref())
            .any(|c| c.starts_with("B=lossy") && c.contains(" S. "))
    );
}

#[test]
fn pcap_out_run_needs_one_script() {
    let dir = tmp("run");
    let o = Command::new(env!("CARGO_BIN_EXE_tcpdiff"))
        .current_dir(root())
        .args(["run", "corpus/scripts", "--pcap-out"])
        .arg(dir.join("x.pcapng"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("exactly one script"));
    std::fs::remove_dir_all(&dir).unwrap();
}
