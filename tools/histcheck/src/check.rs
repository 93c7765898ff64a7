//! Runs stateright's `LinearizabilityTester` over the segments of one call.

use crate::input::CallHistory;
use crate::prepare::{Event, prepare};
use crate::spec::{AppendList, ListOp, Meter, Sym};
use stateright::semantics::{ConsistencyTester, LinearizabilityTester};
use std::rc::Rc;
use std::time::Duration;

/// The search budget for one call.
///
/// Both limits are checked at every step. Stateright's search has no way to be cancelled, so once
/// the budget is spent every further step is refused and the search unwinds; that unwinding costs
/// up to about as much as the search so far (each refused candidate still makes the tester copy
/// its remaining history), so an undecided call may take up to about twice `max_time`, plus the
/// time to read and prepare it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Step attempts (stateright asking the spec whether an op can go next).
    pub max_steps: u64,
    /// Wall-clock time.
    pub max_time: Option<Duration>,
}

impl Default for Budget {
    /// Far above what the pruned search needs for a few hundred ops (about ops × tester threads
    /// steps), small enough that a pathological call cannot stall a report.
    fn default() -> Self {
        Self { max_steps: 5_000_000, max_time: Some(Duration::from_secs(2)) }
    }
}

/// The verdict for one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A linearization exists.
    Linearizable,
    /// No linearization exists.
    NotLinearizable,
    /// The budget ran out first.
    Undecided,
    /// The tester rejected the event sequence itself (a bug here, not in the history).
    Error(String),
}

/// Checks one call's history.
///
/// The segments are checked in order, the first from `initial` and each later one from the list
/// the previous one ended with. That end state does not depend on which linearization the tester
/// happened to find. After resolution every op completes and every append has a fixed result:
/// the list right after it, ending with its own id. In a linearization of a segment that starts
/// from a list of length `L` and has `n` appends, the last append's result has length `L + n` and
/// is the final list. If two linearizations ended with different appends `A` and `B`, both results
/// would have length `L + n`; but in the one ending with `A`, `B` comes earlier, so its result is
/// shorter: a contradiction. So the call is linearizable exactly when every segment is, chained
/// from the unique end state of the one before.
pub fn check_call(call: &CallHistory, budget: &Budget) -> Verdict {
    let call = prepare(call);
    let meter = Rc::new(Meter::new(budget.max_steps, budget.max_time));
    let mut state: Vec<Sym> = call.initial.clone();
    for segment in &call.segments {
        let spec = AppendList::new(state.clone(), &segment.read_lens, meter.clone());
        let mut tester = LinearizabilityTester::new(spec);
        for event in &segment.events {
            let fed = match event {
                Event::Invoke { lane, op } => tester.on_invoke(*lane, op.clone()).map(|_| ()),
                Event::Return { lane, ret } => tester.on_return(*lane, ret.clone()).map(|_| ()),
            };
            if let Err(e) = fed {
                return Verdict::Error(e);
            }
        }
        match tester.serialized_history() {
            Some(order) => {
                if let Some((_, last)) =
                    order.iter().rev().find(|(op, _)| matches!(op, ListOp::Append(_)))
                {
                    state = last.to_vec();
                }
            }
            None if meter.exhausted() => return Verdict::Undecided,
            None => return Verdict::NotLinearizable,
        }
    }
    Verdict::Linearizable
}
