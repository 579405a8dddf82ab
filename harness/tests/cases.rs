//! One named test per bundled script (`corpus/scripts/**/*.pkt`) and
//! capture (`traces/*.pcap*`), so nextest and CI list them one by one
//! (libtest-mimic, `harness = false`). Each runs in this process exactly as
//! `tcpdiff regress` runs it in a worker: scripts like `tcpdiff run`,
//! captures like `tcpdiff replay` (default flow and role), on the engines
//! `tcpdiff regress` compares by default (C against the Rust port when the
//! build has it). A case passes when the engines agree and every
//! expectation held, or when `corpus/known-divergences.toml` lists it for
//! those engines and it still diverges; a listed case that passes fails
//! ("fixed": remove it from the list, which only shrinks).
//!
//! lwIP is process-global (one live C stack at a time), so the trials run
//! one at a time under a lock, whatever `--test-threads` says.

use std::path::Path;
use std::sync::Mutex;

use harness::regress::{self, Kind, KnownList};
use libtest_mimic::{Arguments, Trial};

static LWIP: Mutex<()> = Mutex::new(());

fn main() {
    let mut args = Arguments::from_args();
    // Cases run one at a time anyway (lwIP is process-global); on the main
    // thread they also get its larger stack (the port's pools are big
    // values: TcpSeg slots hold up to a pbuf pool's worth of data).
    args.test_threads = Some(1);
    // Case names are paths from the repository root, as in the known list.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::env::set_current_dir(&root).expect("cd to the repository root");
    let paths: Vec<_> = regress::DEFAULT_PATHS.iter().map(Into::into).collect();
    let cases = regress::discover(&paths).expect("the bundled corpus");
    let known = KnownList::load(Path::new(regress::DEFAULT_KNOWN)).unwrap_or_else(|e| {
        eprintln!("cases: {e}");
        std::process::exit(2)
    });
    let engines = regress::default_engines();
    let trials = cases
        .into_iter()
        .map(|case| {
            let known = known.clone();
            let kind = match case.kind {
                Kind::Script => "script",
                Kind::Capture => "capture",
            };
            Trial::test(case.name.clone(), move || {
                let _one_at_a_time = LWIP.lock().unwrap_or_else(|e| e.into_inner());
                let (a, b) = engines.split_once(',').unwrap_or(("c", "c"));
                let mut s = regress::run_in_process(&case, (a, b));
                regress::apply_known(&mut s, &known, engines);
                if s.outcome.ok() {
                    Ok(())
                } else {
                    Err(format!("{} on {engines}: {}", s.outcome.as_str(), s.detail()).into())
                }
            })
            .with_kind(kind)
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
