//! The oracles: each compares one kind of observation of two engines at one
//! step and names what differs. [`compare_step`] runs them in a fixed order
//! (segments, err_t, callbacks, state, resources); [`leaks::compare`] runs
//! at teardown.
//!
//! An observation an engine could not make ([`Unobservable`]) is compared
//! like any other: against an observation it is a difference of that
//! oracle. Only after the same engine failure on both sides (an lwIP
//! assertion both stacks hit, where nothing more is inspected) may both
//! sides be unobservable; anywhere else an unobservable state or resource
//! count is reported, never skipped.

pub mod callbacks;
pub mod errs;
pub mod leaks;
pub mod resources;
pub mod segments;
pub mod state;

use serde::Serialize;

use crate::engine::{Observed, StepObs, Unobservable};

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
            a: a.error
                .as_ref()
                .map_or_else(|| "ok".into(), ToString::to_string),
            b: b.error
                .as_ref()
                .map_or_else(|| "ok".into(), ToString::to_string),
            detail: vec![],
        });
    }
    segments::compare(&a.packets, &b.packets)
        .or_else(|| errs::compare(a.outcome.as_ref(), b.outcome.as_ref()))
        .or_else(|| callbacks::compare(&a.callbacks, &b.callbacks))
        .or_else(|| {
            observed(
                Oracle::State,
                &a.snapshots,
                &b.snapshots,
                a.error.is_some(),
                |x, y| state::compare(x, y),
            )
        })
        .or_else(|| {
            observed(
                Oracle::Resources,
                &a.resources,
                &b.resources,
                a.error.is_some(),
                |x, y| resources::compare(x, y),
            )
        })
}

/// Compares two observations with `cmp` when both engines made them. An
/// observation one engine could not make is a difference of `oracle`
/// (field `observable`), unless both could not and the step failed alike
/// on both (`failed`: the caller has checked the errors are equal).
fn observed<T>(
    oracle: Oracle,
    a: &Observed<T>,
    b: &Observed<T>,
    failed: bool,
    cmp: impl FnOnce(&T, &T) -> Option<Difference>,
) -> Option<Difference> {
    let show = |o: &Observed<T>| match o {
        Ok(_) => "observed".to_string(),
        Err(Unobservable(why)) => format!("not observable: {why}"),
    };
    match (a, b) {
        (Ok(x), Ok(y)) => cmp(x, y),
        (Err(_), Err(_)) if failed => None,
        _ => Some(Difference {
            oracle,
            fields: vec!["observable".into()],
            a: show(a),
            b: show(b),
            detail: vec![],
        }),
    }
}
