//! Running a script file on two engines, and the reports: text for a
//! person, JSON for machines.

use std::fmt::Write as _;

use serde::Serialize;

use crate::engine::Engine;
use crate::model::Scenario;
use crate::oracle::segments::describe;
use crate::runner::{ExpectFailure, Trace, Verdict};

/// The outcome of one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// The file.
    pub name: String,
    /// Engines compared (A, B).
    pub engines: (String, String),
    /// C-versus-Rust (or A-versus-B) verdict; None if the input was bad.
    pub verdict: Option<Verdict>,
    /// `>` lines and expected results that did not hold, on either engine.
    pub failures: Vec<ExpectFailure>,
    /// Warnings (skipped lines).
    pub warnings: Vec<String>,
    /// The input could not be parsed or mapped.
    pub input_error: Option<String>,
    /// Not run on these engines, and why (a script tied to IPv4 on an
    /// IPv6-only build): not a failure, and said.
    pub skipped: Option<String>,
    /// Steps in the scenario.
    pub steps: usize,
    /// The two traces (for reports; not serialised).
    #[serde(skip)]
    pub traces: Option<(Scenario, Trace, Trace)>,
}

impl CaseResult {
    /// Process exit status this case calls for: 0 same and every
    /// expectation held, 1 diverged or an expectation failed, 2 bad input.
    pub fn exit_code(&self) -> i32 {
        if self.input_error.is_some() || matches!(self.verdict, Some(Verdict::Poisoned(_))) {
            2
        } else if self.skipped.is_some() {
            0
        } else if !self.failures.is_empty() || matches!(self.verdict, Some(Verdict::Diverged(_))) {
            1
        } else {
            0
        }
    }

    /// One word for tables.
    pub fn status(&self) -> &'static str {
        match (&self.input_error, &self.verdict) {
            (Some(_), _) => "error",
            _ if self.skipped.is_some() => "skipped",
            (_, Some(Verdict::Poisoned(_))) => "poisoned",
            (_, Some(Verdict::Diverged(_))) => "diverged",
            _ if !self.failures.is_empty() => "failed",
            _ => "same",
        }
    }
}

/// Parses, maps and runs one script text on two engines
/// ([`crate::case::run_text`], without its traffic logs).
pub fn run_script(name: &str, text: &str, a: &mut dyn Engine, b: &mut dyn Engine) -> CaseResult {
    crate::case::run_text(name, text, a, b).result
}

/// The report a person reads.
pub fn text(r: &CaseResult) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {} ({} vs {}, {} steps)",
        r.name,
        r.status(),
        r.engines.0,
        r.engines.1,
        r.steps
    );
    if let Some(e) = &r.input_error {
        let _ = writeln!(s, "  error: {e}");
    }
    if let Some(why) = &r.skipped {
        let _ = writeln!(s, "  not run: {why}");
    }
    for w in &r.warnings {
        let _ = writeln!(s, "  {w}");
    }
    for f in &r.failures {
        let _ = writeln!(s, "  {}:{}: [{}] {}", r.name, f.line, f.engine, f.message);
    }
    match &r.verdict {
        Some(Verdict::Poisoned(why)) => {
            let _ = writeln!(s, "  poisoned stimulus: {why}");
        }
        Some(Verdict::Diverged(d)) => {
            let diff = &d.difference;
            let where_ = match d.step {
                Some(i) => format!("{}:{} (step {i}): {}", r.name, d.line, d.source),
                None => "teardown".to_string(),
            };
            let _ = writeln!(s, "  DIVERGED at {where_}");
            let _ = writeln!(s, "  A = {}, B = {}", r.engines.0, r.engines.1);
            let _ = writeln!(s, "  oracle: {:?}", diff.oracle);
            let _ = writeln!(s, "  differs: {}", diff.fields.join(", "));
            let _ = writeln!(s, "  {:>5}: {}", r.engines.0, diff.a);
            let _ = writeln!(s, "  {:>5}: {}", r.engines.1, diff.b);
            for l in &diff.detail {
                let _ = writeln!(s, "    {l}");
            }
            if let (Some((sc, ta, tb)), Some(i)) = (&r.traces, d.step) {
                let from = i.saturating_sub(2);
                let _ = writeln!(s, "  context (the steps before, where both agree):");
                for j in from..i {
                    let (Some(step), Some(obs)) = (sc.steps.get(j), ta.steps.get(j)) else {
                        continue;
                    };
                    let _ = writeln!(
                        s,
                        "    line {:>3} {:>8.3}s {}",
                        step.line,
                        step.at_us as f64 / 1e6,
                        step.source
                    );
                    for p in &obs.packets {
                        let _ = writeln!(s, "        out {}", describe(p));
                    }
                    for c in &obs.callbacks {
                        let _ = writeln!(s, "        cb  {c}");
                    }
                }
                if let (Some(x), Some(y)) = (ta.steps.get(i), tb.steps.get(i)) {
                    for (name, obs) in [(&r.engines.0, x), (&r.engines.1, y)] {
                        let _ = writeln!(s, "  at this step, {name}:");
                        for p in &obs.packets {
                            let _ = writeln!(s, "        out {}", describe(p));
                        }
                        for c in &obs.callbacks {
                            let _ = writeln!(s, "        cb  {c}");
                        }
                        if let Some(o) = &obs.outcome {
                            let _ =
                                writeln!(s, "        ret {}", crate::oracle::errs::show(Some(o)));
                        }
                        if let Some(e) = &obs.error {
                            let _ = writeln!(s, "        error {e}");
                        }
                    }
                    for (cx, cy) in x.conns().iter().zip(y.conns()) {
                        let marks: Vec<String> = cx
                            .fields()
                            .iter()
                            .zip(&cy.fields())
                            .filter(|(p, q)| p != q)
                            .map(|((n, v), (_, w))| format!("{n}: {v} vs {w}"))
                            .collect();
                        if !marks.is_empty() {
                            let _ = writeln!(
                                s,
                                "  conn {} state differs: {}",
                                cx.conn,
                                marks.join(", ")
                            );
                        }
                    }
                }
            }
        }
        _ => {}
    }
    s
}

/// The report for machines.
pub fn json(results: &[CaseResult]) -> String {
    serde_json::to_string_pretty(results).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
