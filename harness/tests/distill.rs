//! `tcpdiff distill`: fuzz inputs become scripts that hold on lwIP and on
//! which the engines agree; an input that is a finding is reported, not
//! written; a raw packet survives the trip as a `< raw` line.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tcpdiff-distill-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn tcpdiff(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tcpdiff"))
        .current_dir(root())
        .args(args)
        .output()
        .unwrap()
}

const INPUTS: &[&str] = &[
    "corpus/tcp_input/script-close-active-close.bin",
    "corpus/tcp_session/session-000.bin",
];

#[test]
fn inputs_become_scripts_that_hold_and_agree() {
    let out = tmp("ok");
    let o = out.to_str().unwrap();
    let mut args = vec!["distill", "-o", o];
    args.extend(INPUTS);
    let r = tcpdiff(&args);
    let text = String::from_utf8_lossy(&r.stdout);
    assert!(r.status.success(), "{text}");
    assert!(text.contains("2 input(s): 2 script(s) written"), "{text}");
    let scripts: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(scripts.len(), 2, "{scripts:?}");
    // The tcp_input case injects raw packets; lwIP's answers are `>` lines.
    let input =
        std::fs::read_to_string(out.join("tcp_input-script-close-active-close.pkt")).unwrap();
    assert!(input.contains("< raw \""), "{input}");
    assert!(input.lines().any(|l| l.contains(" > ")), "{input}");
    // Every script holds on lwIP and the engines agree, as regress runs it.
    let r = tcpdiff(&["regress", "--json", o]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stdout));
    let r = tcpdiff(&["run", "--engines", "c,c", o]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stdout));
}

#[test]
fn a_finding_is_reported_not_written() {
    let out = tmp("finding");
    let o = out.to_str().unwrap();
    let mut args = vec!["distill", "--engines", "c,rust+segment", "-o", o];
    args.extend(INPUTS);
    let r = tcpdiff(&args);
    let text = String::from_utf8_lossy(&r.stdout);
    assert!(r.status.success(), "{text}");
    assert!(text.contains("0 script(s) written, 2 finding(s)"), "{text}");
    assert!(text.contains("diverged:Segments"), "{text}");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
}

#[test]
fn bad_arguments_are_clear_errors() {
    let out = tmp("bad");
    let o = out.to_str().unwrap();
    let r = tcpdiff(&["distill", "-o", o, "no/such/input"]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("no/such/input: no such file"));
    let r = tcpdiff(&["distill", "--engines", "c", "-o", o, INPUTS[0]]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("two engines"));
}
