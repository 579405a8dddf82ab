//! `tcpdiff distill`: fuzz inputs into regression scripts. Each input
//! (of `tcp_input`, `tcp_input_timed` or `tcp_session`) becomes a
//! packetdrill-dialect script whose `>` lines are what lwIP sent, kept
//! only if the script, run as `tcpdiff regress` runs it, holds on lwIP and
//! agrees on the engines. An input that is a finding (a divergence, an
//! assertion, a leak) is reported, not written: findings go through
//! `tcpdiff minimize`.
//!
//! Which inputs to distill is the fuzzer's business: `ci/distill` first
//! runs libFuzzer's merge (`-merge=1`) with the seeds (the bundled scripts
//! and traces as inputs) first, which keeps only the inputs that reach
//! edges of lwIP (instrumented), the port or the harness the seeds do not.

use std::fs;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::case::run_text;
use crate::engine::Engine;

use super::cli::{Target, load_case};
use super::drive::{FuzzCase, check, engines_named};
use super::minimize::{expectations, result_signature};
use super::toscript::script_text;

/// `tcpdiff distill INPUT... -o DIR`.
#[derive(Debug, Args)]
pub struct DistillArgs {
    /// Fuzz inputs: files, or directories (every file in them).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Where the scripts go (created if missing).
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
    /// The inputs' format (default: from each path).
    #[arg(long, value_enum)]
    pub target: Option<Target>,
    /// The engines the scripts must agree on.
    #[arg(long, default_value = "c,rust")]
    pub engines: String,
}

/// What became of one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A script was written here.
    Written(PathBuf),
    /// The input is a finding (signature, description).
    Finding(String),
    /// No script could be made (why).
    Skipped(String),
}

/// The script of one case, checked: `>` lines from the first engine
/// (lwIP), every one holding, and the engines agreeing on every oracle.
pub fn case_script(
    case: &FuzzCase,
    header: &[String],
    make: &mut dyn FnMut() -> Result<Vec<Box<dyn Engine>>, String>,
) -> Result<String, Outcome> {
    let mut engines = make().map_err(Outcome::Skipped)?;
    if engines.len() != 2 {
        return Err(Outcome::Skipped("distill needs two engines".into()));
    }
    let checked = check(case, &mut engines, true);
    if let Some(why) = &checked.result.skipped {
        return Err(Outcome::Skipped(why.clone()));
    }
    if let Some(f) = &checked.finding {
        return Err(Outcome::Finding(format!(
            "[{}] {}",
            f.signature(),
            f.describe()
        )));
    }
    if checked.poisoned() {
        return Err(Outcome::Skipped(
            "both engines refused the stimulus alike".into(),
        ));
    }
    let exp = expectations(case, &mut engines)
        .ok_or_else(|| Outcome::Skipped("lwIP sent a packet no `>` line can say".into()))?;
    let text = script_text(case, header, Some(&exp)).map_err(Outcome::Skipped)?;
    let mut es = make().map_err(Outcome::Skipped)?;
    let (a, b) = es.split_at_mut(1);
    let run = run_text("distilled.pkt", &text, a[0].as_mut(), b[0].as_mut()).result;
    if let Some(e) = &run.input_error {
        return Err(Outcome::Skipped(format!("the script does not parse: {e}")));
    }
    if let Some(f) = run.failures.first() {
        return Err(Outcome::Skipped(format!("line {}: {}", f.line, f.message)));
    }
    if let Some(sig) = result_signature(&run) {
        return Err(Outcome::Finding(format!(
            "[{sig}] as a script (but not as an input)"
        )));
    }
    if !matches!(run.verdict, Some(crate::runner::Verdict::Same)) {
        return Err(Outcome::Skipped(format!(
            "the script's verdict is {:?}",
            run.verdict
        )));
    }
    Ok(text)
}

/// Every file of the inputs, directories expanded one level deep, in name
/// order.
fn files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in inputs {
        if p.is_dir() {
            let mut v: Vec<PathBuf> = fs::read_dir(p)
                .map_err(|e| format!("{}: {e}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            v.sort();
            out.extend(v);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    Ok(out)
}

/// The script's file name: the target and the input's file name (libFuzzer
/// names inputs by their SHA-1), without its extension.
fn script_name(input: &Path, target: Target) -> String {
    let stem: String = input
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{}-{stem}.pkt", target.name())
}

/// Runs `distill`. Exit 0 done (whatever each input gave), 2 bad
/// arguments or an output that cannot be written.
pub fn distill(a: &DistillArgs) -> i32 {
    let files = match files(&a.inputs) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("distill: {e}");
            return 2;
        }
    };
    if let Err(e) = engines_named(&a.engines).and_then(|v| {
        (v.len() == 2)
            .then_some(())
            .ok_or_else(|| "--engines takes two engines, A,B".to_string())
    }) {
        eprintln!("distill: {e}");
        return 2;
    }
    if let Err(e) = fs::create_dir_all(&a.output) {
        eprintln!("distill: {}: {e}", a.output.display());
        return 2;
    }
    let (mut written, mut findings, mut skipped) = (0, 0, 0);
    let total = files.len();
    for (i, f) in files.iter().enumerate() {
        let target = a.target.unwrap_or_else(|| super::cli::detect_target(f));
        let outcome = match load_case(f, Some(target)) {
            Err(e) => Outcome::Skipped(e),
            Ok(case) => {
                let header = vec![
                    format!(
                        "Distilled by `tcpdiff distill` from the {} fuzz input {}.",
                        script_name(f, target).split('-').next().unwrap_or("?"),
                        f.file_name()
                            .map(|n| n.to_string_lossy())
                            .unwrap_or_default()
                    ),
                    "The `>` lines are what lwIP sent; the engines agreed on every oracle.".into(),
                    String::new(),
                ];
                match case_script(&case, &header, &mut || engines_named(&a.engines)) {
                    Ok(text) => {
                        let out = a.output.join(script_name(f, target));
                        match fs::write(&out, text) {
                            Ok(()) => Outcome::Written(out),
                            Err(e) => {
                                eprintln!("distill: {}: {e}", out.display());
                                return 2;
                            }
                        }
                    }
                    Err(o) => o,
                }
            }
        };
        let what = match &outcome {
            Outcome::Written(p) => {
                written += 1;
                format!("wrote {}", p.display())
            }
            Outcome::Finding(d) => {
                findings += 1;
                format!("finding (use tcpdiff minimize): {d}")
            }
            Outcome::Skipped(why) => {
                skipped += 1;
                format!("skipped: {why}")
            }
        };
        println!("[{}/{total}] {}: {what}", i + 1, f.display());
    }
    println!(
        "{total} input(s): {written} script(s) written, {findings} finding(s), {skipped} skipped"
    );
    0
}
