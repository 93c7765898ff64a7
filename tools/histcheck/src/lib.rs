//! `histcheck`: is a recorded fault-injection history of call-state registers linearizable?
//!
//! # What it checks
//!
//! The fault-injection tests drive many calls at once through the store while connections are
//! killed, Redis restarts, scripts time out, etc. Every call's state is modelled as one register
//! holding a **list of op ids**: an `append` adds its own (unique) id at the end and, when it
//! succeeds, returns the whole list as stored right after it; a `read` returns the list. The
//! recorder logs, per call, every op with its invocation and completion times on one monotonic
//! clock. If the store is correct, each call's history is *linearizable*: every op can be given an
//! instant between its invocation and its completion such that, in that order, a plain list
//! produces exactly the recorded results. That catches the failures retries and fallbacks are
//! prone to: an acknowledged append that a later read no longer shows (**lost**), an append applied
//! twice (**twice**), a stale read after a completed append, a read of something never written.
//!
//! Ops whose outcome is unknown to the client (`unknown`, or `fail`, since an error reply does not
//! prove the write did not happen) have no completion: they may or may not have taken effect, at
//! any time after their invocation. Their process may already be running its next op.
//!
//! The decision is made by [`stateright`]'s `semantics::LinearizabilityTester`, with the list as a
//! custom `SequentialSpec` (see `spec.rs`). The tester's search is an unmemoized depth-first search
//! over interleavings, which explodes with long overlapping histories and ops that never return,
//! so each call is first reduced, without changing the answer (arguments in `prepare.rs`,
//! `spec.rs` and [`check_call`]):
//!
//! 1. unknown appends are resolved from the recorded values (ids are unique, so an id seen in an
//!    `ok` result pins where and before when its append happened; an id seen nowhere is dropped);
//!    unknown reads are dropped; now every op completes;
//! 2. the history is cut at quiescent points (no op in flight) into segments checked one after
//!    another, each from the unique state the previous one ended in;
//! 3. the spec prunes steps after which no linearization can exist, which leaves the tester at
//!    most one candidate at each step.
//!
//! A per-call budget (steps and time) bounds the search anyway; a call that exceeds it is reported
//! as undecided instead of hanging.
//!
//! # Input
//!
//! ```json
//! { "cells": [
//!   { "name": "kill/ioredis/script/native",
//!     "calls": {
//!       "CAxyz": { "initial": [],
//!         "ops": [
//!           { "id": "o17", "process": 3, "kind": "append", "invoke": 12.5, "return": 40.1,
//!             "status": "ok", "value": ["o2", "o17"] },
//!           { "id": "o18", "process": 4, "kind": "append", "invoke": 13.0, "return": null,
//!             "status": "unknown", "value": null },
//!           { "id": "r5", "process": 9, "kind": "read", "invoke": 50.0, "return": 51.0,
//!             "status": "ok", "value": ["o2", "o17"] } ] } } } ] }
//! ```
//!
//! Times are milliseconds (floats). On equal times a return precedes an invocation.
//!
//! # Output
//!
//! One JSON line per cell ([`CellReport`]); for the input above (where `o2` was never appended):
//!
//! ```json
//! {"name":"kill/ioredis/script/native","calls":1,"ops":3,"linearizable":false,
//!  "failedCalls":["CAxyz"],"lost":0,"twice":0,"undecided":0,"undecidedCalls":[]}
//! ```

pub mod input;
pub mod synth;

mod check;
mod prepare;
mod spec;

pub use check::{Budget, Verdict, check_call};

use input::{CallHistory, Cell, OpKind};
use serde::Serialize;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The verdict line for one cell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CellReport {
    /// The cell's name.
    pub name: String,
    /// Number of calls in the cell.
    pub calls: usize,
    /// Number of recorded ops in the cell, whatever their status.
    pub ops: usize,
    /// True only when every call was proven linearizable (no failed and no undecided call).
    pub linearizable: bool,
    /// Calls proven not linearizable, sorted.
    pub failed_calls: Vec<String>,
    /// `ok` appends missing from their call's final state, summed over calls. The final state is
    /// the value of the `ok` op that returned last (on a tie, the longest such value): exact when
    /// the recorder ends each call with a read after everything else; without one, an append
    /// that returned earlier but took effect after that op is counted too.
    pub lost: usize,
    /// Ids that occur more than once within some `ok` value, counted once per call, summed.
    pub twice: usize,
    /// Number of calls whose check ran out of budget.
    pub undecided: usize,
    /// Calls whose check ran out of budget (or hit an internal error), sorted.
    pub undecided_calls: Vec<String>,
    /// Internal errors by call (also listed as undecided); not part of the JSON line.
    #[serde(skip)]
    pub errors: Vec<(String, String)>,
}

/// Checks every call of a cell (calls are independent: spread over the available cores) and
/// counts its anomalies.
pub fn check_cell(cell: &Cell, budget: &Budget) -> CellReport {
    let calls: Vec<(&String, &CallHistory)> = cell.calls.iter().collect();
    let verdicts = check_calls(&calls, budget);
    let mut report = CellReport {
        name: cell.name.clone(),
        calls: calls.len(),
        ops: calls.iter().map(|(_, c)| c.ops.len()).sum(),
        linearizable: false,
        failed_calls: Vec::new(),
        lost: 0,
        twice: 0,
        undecided: 0,
        undecided_calls: Vec::new(),
        errors: Vec::new(),
    };
    for ((id, call), verdict) in calls.into_iter().zip(verdicts) {
        let (lost, twice) = anomalies(call);
        report.lost += lost;
        report.twice += twice;
        match verdict {
            Verdict::Linearizable => {}
            Verdict::NotLinearizable => report.failed_calls.push(id.clone()),
            Verdict::Undecided => report.undecided_calls.push(id.clone()),
            Verdict::Error(e) => {
                report.undecided_calls.push(id.clone());
                report.errors.push((id.clone(), e));
            }
        }
    }
    report.undecided = report.undecided_calls.len();
    report.linearizable = report.failed_calls.is_empty() && report.undecided == 0;
    report
}

/// [`check_call`] on every call, in order, using one worker thread per available core.
fn check_calls(calls: &[(&String, &CallHistory)], budget: &Budget) -> Vec<Verdict> {
    let workers = std::thread::available_parallelism().map_or(1, usize::from).min(calls.len());
    let next = AtomicUsize::new(0);
    let mut verdicts: Vec<Option<Verdict>> = vec![None; calls.len()];
    std::thread::scope(|scope| {
        let worker = || {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((_, call)) = calls.get(i) else { return done };
                done.push((i, check_call(call, budget)));
            }
        };
        let handles: Vec<_> = (0..workers).map(|_| scope.spawn(worker)).collect();
        for handle in handles {
            for (i, verdict) in handle.join().unwrap_or_default() {
                verdicts[i] = Some(verdict);
            }
        }
    });
    let panicked = || Verdict::Error("the checker thread panicked".into());
    verdicts.into_iter().map(|v| v.unwrap_or_else(panicked)).collect()
}

/// `(lost, twice)` for one call: `ok` appends absent from the final state, and ids repeated
/// within some `ok` value.
fn anomalies(call: &CallHistory) -> (usize, usize) {
    let ok = || call.ops.iter().filter(|op| op.is_ok());
    let last = ok()
        .filter_map(|op| Some((op.ret?, op.value.as_deref()?)))
        .max_by(|a, b| a.0.total_cmp(&b.0).then(a.1.len().cmp(&b.1.len())));
    let final_state: HashSet<&str> =
        last.map(|(_, v)| v.iter().map(String::as_str).collect()).unwrap_or_default();
    let lost = ok()
        .filter(|op| op.kind == OpKind::Append && !final_state.contains(op.id.as_str()))
        .count();
    let mut repeated = HashSet::new();
    for value in ok().filter_map(|op| op.value.as_deref()) {
        let mut seen = HashSet::new();
        repeated.extend(value.iter().filter(|id| !seen.insert(id.as_str())));
    }
    (lost, repeated.len())
}

#[cfg(test)]
mod tests;
