//! Every real capture committed under `traces/` reads without error and
//! contains at least one TCP connection with a captured handshake (or, as
//! the only exception, consists of refused connections: SYN answered by RST).
//! Passes (and says so) when the folder is empty or absent.

/// Test names start with `capture_` so `cargo test -p harness capture` selects them.
mod capture_traces {
    use std::path::{Path, PathBuf};

    use harness::capture;

    fn capture_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                capture_files(&path, out);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("pcap" | "pcapng")
            ) {
                out.push(path);
            }
        }
    }

    #[test]
    fn all_traces_read_and_have_a_handshake() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("traces");
        let dir = dir.canonicalize().unwrap_or(dir);
        let mut files = Vec::new();
        capture_files(&dir, &mut files);
        let mut failures = Vec::new();
        let mut refused_only = 0;
        for path in &files {
            let c = match capture::read(path) {
                Ok(c) => c,
                Err(e) => {
                    failures.push(e.to_string());
                    continue;
                }
            };
            let flows = capture::flows(&c);
            let bad_checksums = c.packets.iter().filter(|p| !p.checksum_ok).count();
            match capture::default_flow(&flows) {
                Some(f) => println!(
                    "{}: {} flow(s), {bad_checksums} bad checksum(s); default {f}",
                    c.summary(),
                    flows.len()
                ),
                // The one legitimate exception: a capture of refused connections
                // (client SYN answered by RST), which has no handshake to capture.
                None if !flows.is_empty() && flows.iter().all(|f| f.syn_captured && f.reset) => {
                    refused_only += 1;
                    println!(
                        "{}: only refused connection(s), no handshake: {}",
                        c.summary(),
                        flows[0]
                    );
                }
                None => failures.push(format!(
                    "{}: no flow with a captured handshake",
                    c.summary()
                )),
            }
        }
        println!(
            "checked {} capture file(s) under {} ({refused_only} with refused connections only)",
            files.len(),
            dir.display()
        );
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// The real IPv6 captures (traces/ipv6/, `ci/capture-traces --ipv6`):
    /// every packet decodes, and every flow is IPv6 with a captured SYN.
    #[test]
    fn ipv6_traces_have_ipv6_flows() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../traces/ipv6");
        let mut files = Vec::new();
        capture_files(&dir, &mut files);
        assert!(files.len() >= 3, "{}: {files:?}", dir.display());
        for path in &files {
            let c = capture::read(path).unwrap();
            assert_eq!(c.skipped.total(), 0, "{}", c.summary());
            let flows = capture::flows(&c);
            assert!(!flows.is_empty(), "{}", c.summary());
            for f in &flows {
                assert!(f.is_ipv6() && f.syn_captured, "{}: {f}", c.summary());
            }
            assert!(c.packets.iter().all(|p| p.checksum_ok), "{}", c.summary());
        }
    }
}
