//! The oracles: each compares one kind of observation of two engines at one
//! step and names what differs. [`compare_step`] runs them in a fixed order
//! (segments, err_t, callbacks, state, resources); [`leaks::compare`] runs
//! at teardown.

pub mod callbacks;
pub mod errs;
pub mod leaks;
pub mod resources;
pub mod segments;
pub mod state;

use serde::Serialize;

use crate::runner::StepObs;

/// Which oracle spoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Oracle {
    /// Emitted segments, byte for byte.
    Segments,
    /// The err_t / result of the API call.
    ErrT,
    /// Callbacks: order, arguments, return values.
    Callbacks,
    /// Connection state snapshots.
    State,
    /// Pool and heap use after a step.
    Resources,
    /// Resources still allocated at teardown.
    Leaks,
    /// One engine failed (assertion, crash) or refused the stimulus where
    /// the other did not.
    Engine,
}

/// One difference between the engines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The oracle.
    pub oracle: Oracle,
    /// What differs, by name: `seq`, `flags`, `option mss`, `callback 2
    /// kind`, `conn 3 cwnd`...
    pub fields: Vec<String>,
    /// Engine A's side, as text.
    pub a: String,
    /// Engine B's side, as text.
    pub b: String,
    /// Extra lines for the report (decoded segments, context).
    pub detail: Vec<String>,
}

/// Runs the step oracles in order; the first that finds a difference wins.
pub fn compare_step(a: &StepObs, b: &StepObs) -> Option<Difference> {
    if a.error != b.error {
        return Some(Difference {
            oracle: Oracle::Engine,
            fields: vec!["engine result".into()],
            a: a.error.clone().unwrap_or_else(|| "ok".into()),
            b: b.error.clone().unwrap_or_else(|| "ok".into()),
            detail: vec![],
        });
    }
    segments::compare(&a.packets, &b.packets)
        .or_else(|| errs::compare(a.outcome.as_ref(), b.outcome.as_ref()))
        .or_else(|| callbacks::compare(&a.callbacks, &b.callbacks))
        .or_else(|| state::compare(&a.snapshots, &b.snapshots))
        .or_else(|| resources::compare(&a.resources, &b.resources))
}
