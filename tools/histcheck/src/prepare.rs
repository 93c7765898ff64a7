//! From one recorded call to the independent, tester-ready segments of its history.
//!
//! Three reductions happen here; each keeps "the recorded history is linearizable" exactly as it
//! was (the arguments are on the functions that implement them):
//!
//! 1. [`resolve`]: every `unknown`/`fail` append is either dropped (its id is in no `ok` value) or
//!    turned into a completed append whose result and completion time are implied by the `ok`
//!    values; non-`ok` reads are dropped. Afterwards every operation completes.
//! 2. [`order_events`]: invoke/return events in time order (returns before invokes on ties).
//! 3. [`segment`]: the event sequence cut at every quiescent point (no operation in flight).
//!    Everything before such a point precedes everything after it in real time, so the segments
//!    are checked one after another, each from the state the previous one ended in (see
//!    `check.rs` for why that state is unique).

use crate::input::{CallHistory, OpKind};
use crate::spec::{List, ListOp, Sym};
use std::collections::{BTreeSet, HashMap};

/// A tester thread id. Real-time order is what linearizability needs; a "thread" only promises
/// the tester that its ops do not overlap, so any lane that is idle can be given to the next op.
pub(crate) type Lane = u32;

/// One event as fed to stateright's tester.
#[derive(Clone, Debug)]
pub(crate) enum Event {
    /// `lane` invokes `op`.
    Invoke { lane: Lane, op: ListOp },
    /// The op in flight on `lane` returns `ret`.
    Return { lane: Lane, ret: List },
}

/// A stretch of history with no quiescent point inside; its ops all complete within it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Segment {
    /// Events in time order.
    pub(crate) events: Vec<Event>,
    /// For each read slot (`ListOp::Read(slot)`, numbered in invocation order), the length of
    /// the list it returned.
    pub(crate) read_lens: Vec<usize>,
}

/// A call reduced to segments.
#[derive(Clone, Debug)]
pub(crate) struct PreparedCall {
    /// The list before the first segment.
    pub(crate) initial: Vec<Sym>,
    /// Consecutive, real-time ordered segments.
    pub(crate) segments: Vec<Segment>,
}

/// An operation after [`resolve`]: it completes, with a known result.
#[derive(Clone, Debug)]
struct Resolved {
    /// `Some(id)` for an append, `None` for a read.
    append: Option<Sym>,
    process: u64,
    invoke: f64,
    ret: f64,
    value: List,
}

/// Interns ids as dense integers (a bijection, so list equality is unchanged).
#[derive(Default)]
struct Interner<'a> {
    ids: HashMap<&'a str, Sym>,
}

impl<'a> Interner<'a> {
    fn intern(&mut self, s: &'a str) -> Sym {
        let next = Sym::try_from(self.ids.len()).unwrap_or(Sym::MAX);
        *self.ids.entry(s).or_insert(next)
    }
}

/// Interns, resolves, orders and segments one call.
pub(crate) fn prepare(call: &CallHistory) -> PreparedCall {
    let mut syms = Interner::default();
    let initial = call.initial.iter().map(|s| syms.intern(s)).collect();
    let ops = resolve(call, &mut syms);
    let segments = segment(&ops, &order_events(&ops));
    PreparedCall { initial, segments }
}

/// Makes every remaining operation complete, keeping linearizability of the call unchanged.
///
/// Ids are unique within a call and absent from `initial` (enforced by input validation), so an
/// id can only enter the list through its own append, at most once per application.
///
/// * A non-`ok` read returned nothing, so it constrains nothing: dropped.
/// * A non-`ok` append `u` whose id occurs in **no** `ok` value is dropped. If a linearization
///   applies `u`, every `ok` op ordered after `u` would show `u.id`; none does, so `u` is ordered
///   after every `ok` op, where it changes no observed result: removing it leaves a valid
///   linearization. Conversely a linearization without `u` is allowed, since an op that never
///   returned may not have taken effect.
/// * A non-`ok` append `u` whose id occurs in some `ok` value took effect in every
///   linearization. Let `X` be such an op with the earliest `return` and `p` the first position of
///   `u.id` in `X.value`. In any linearization `u` is applied before `X`, and the list only grows
///   at its end, so the list right after `u` is `X.value[..=p]`; and any op invoked at or after
///   `X.return` follows `X`, hence `u`. So `u` becomes an append completing at `X.return` with
///   result `X.value[..=p]`: every linearization of the recorded history satisfies these
///   constraints, and every linearization with them is one of the recorded history (the
///   constraints only narrow where an in-flight op may sit). If `X` returned before (or as) `u`
///   was invoked, the history is already not linearizable; `u` is then given a zero-length
///   interval at its invocation, which keeps `X` before `u` and so keeps the verdict.
fn resolve<'a>(call: &'a CallHistory, syms: &mut Interner<'a>) -> Vec<Resolved> {
    // Interned `ok` values, by op index.
    let values: Vec<Option<List>> = call
        .ops
        .iter()
        .map(|op| match (&op.value, op.is_ok()) {
            (Some(v), true) => Some(v.iter().map(|s| syms.intern(s)).collect()),
            _ => None,
        })
        .collect();
    // For each id seen in an `ok` value: (earliest return, that op's index, first position).
    let mut witness: HashMap<Sym, (f64, usize, usize)> = HashMap::new();
    for (i, op) in call.ops.iter().enumerate() {
        let (Some(value), Some(ret)) = (&values[i], op.ret) else { continue };
        for (pos, &s) in value.iter().enumerate() {
            let w = witness.entry(s).or_insert((ret, i, pos));
            if (ret, i) < (w.0, w.1) {
                *w = (ret, i, pos);
            }
        }
    }
    let mut out = Vec::with_capacity(call.ops.len());
    for (i, op) in call.ops.iter().enumerate() {
        let id = syms.intern(&op.id);
        let append = (op.kind == OpKind::Append).then_some(id);
        match (&values[i], op.ret) {
            (Some(value), Some(ret)) => out.push(Resolved {
                append,
                process: op.process,
                invoke: op.invoke,
                ret,
                value: value.clone(),
            }),
            _ if append.is_none() => {}
            _ => {
                let Some(&(ret, w, pos)) = witness.get(&id) else { continue };
                let Some(value) = &values[w] else { continue };
                out.push(Resolved {
                    append,
                    process: op.process,
                    invoke: op.invoke,
                    ret: ret.max(op.invoke),
                    value: value[..=pos].into(),
                });
            }
        }
    }
    out
}

/// One entry of the time-ordered event list; `op` indexes the resolved ops.
#[derive(Clone, Copy, Debug)]
struct TimedEvent {
    op: usize,
    kind: EventKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum EventKind {
    /// Sorted first among events at the same time: returns before invokes.
    Return,
    /// A zero-length op: its invoke immediately followed by its return. Sorted after the returns
    /// at its time (they precede it) and before the invokes (it precedes them), which is exactly
    /// the returns-before-invokes rule applied to both of its ends.
    Instant,
    /// Sorted last among events at the same time.
    Invoke,
}

/// Orders the events of the resolved ops by time, returns before invokes on ties (so an op that
/// returned at `t` precedes one invoked at `t`), then by op index for determinism.
fn order_events(ops: &[Resolved]) -> Vec<TimedEvent> {
    let mut events = Vec::with_capacity(2 * ops.len());
    for (i, op) in ops.iter().enumerate() {
        if op.ret > op.invoke {
            events.push(TimedEvent { op: i, kind: EventKind::Invoke });
            events.push(TimedEvent { op: i, kind: EventKind::Return });
        } else {
            events.push(TimedEvent { op: i, kind: EventKind::Instant });
        }
    }
    let time = |e: &TimedEvent| {
        let op = &ops[e.op];
        // `+ 0.0` folds -0.0 into 0.0, which `total_cmp` would otherwise order first.
        (if e.kind == EventKind::Return { op.ret } else { op.invoke }) + 0.0
    };
    events.sort_by(|a, b| {
        time(a).total_cmp(&time(b)).then(a.kind.cmp(&b.kind)).then(a.op.cmp(&b.op))
    });
    events
}

/// Hands out tester threads: each process keeps its own lane while that lane is idle; an op that
/// overlaps its process's previous op (possible after an op that never answered) gets a spare.
#[derive(Default)]
struct Lanes {
    primary: HashMap<u64, Lane>,
    busy: Vec<bool>,
    is_primary: Vec<bool>,
    spare: BTreeSet<Lane>,
}

impl Lanes {
    fn fresh(&mut self, primary: bool) -> Lane {
        let lane = Lane::try_from(self.busy.len()).unwrap_or(Lane::MAX);
        self.busy.push(false);
        self.is_primary.push(primary);
        lane
    }

    fn acquire(&mut self, process: u64) -> Lane {
        let lane = match self.primary.get(&process) {
            Some(&lane) if !self.busy[lane as usize] => lane,
            Some(_) => match self.spare.pop_first() {
                Some(lane) => lane,
                None => self.fresh(false),
            },
            None => {
                let lane = self.fresh(true);
                self.primary.insert(process, lane);
                lane
            }
        };
        self.busy[lane as usize] = true;
        lane
    }

    fn release(&mut self, lane: Lane) {
        self.busy[lane as usize] = false;
        if !self.is_primary[lane as usize] {
            self.spare.insert(lane);
        }
    }
}

/// Builds the tester events and cuts them at quiescent points.
///
/// After [`resolve`] every op completes, so "no op in flight" happens; at such a point every op
/// before it returned before every op after it was invoked, so real-time order puts the whole
/// earlier part first in any linearization. Reads get slots in invocation order, per segment.
fn segment(ops: &[Resolved], events: &[TimedEvent]) -> Vec<Segment> {
    let mut lanes = Lanes::default();
    let mut lane_of = vec![0; ops.len()];
    let mut segments = Vec::new();
    let mut current = Segment::default();
    let mut in_flight = 0usize;
    for e in events {
        let op = &ops[e.op];
        if matches!(e.kind, EventKind::Invoke | EventKind::Instant) {
            let lane = lanes.acquire(op.process);
            lane_of[e.op] = lane;
            let list_op = match op.append {
                Some(id) => ListOp::Append(id),
                None => {
                    current.read_lens.push(op.value.len());
                    ListOp::Read(current.read_lens.len() - 1)
                }
            };
            current.events.push(Event::Invoke { lane, op: list_op });
            in_flight += 1;
        }
        if matches!(e.kind, EventKind::Return | EventKind::Instant) {
            let lane = lane_of[e.op];
            lanes.release(lane);
            current.events.push(Event::Return { lane, ret: op.value.clone() });
            in_flight -= 1;
            if in_flight == 0 {
                segments.push(std::mem::take(&mut current));
            }
        }
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Op, Status};

    fn op(id: &str, process: u64, kind: OpKind, t: (f64, Option<f64>), value: &[&str]) -> Op {
        Op {
            id: id.into(),
            process,
            kind,
            invoke: t.0,
            ret: t.1,
            status: if t.1.is_some() { Status::Ok } else { Status::Unknown },
            value: t.1.map(|_| value.iter().map(|s| s.to_string()).collect()),
        }
    }

    #[test]
    fn unknown_appends_are_resolved_from_the_values() {
        let call = CallHistory {
            initial: vec![],
            ops: vec![
                op("a", 1, OpKind::Append, (0.0, None), &[]),
                op("b", 2, OpKind::Append, (1.0, None), &[]),
                op("c", 3, OpKind::Append, (2.0, Some(9.0)), &["a", "c"]),
                op("r", 4, OpKind::Read, (10.0, None), &[]),
            ],
        };
        let mut syms = Interner::default();
        let ops = resolve(&call, &mut syms);
        // `a` landed (completes with `c`, result `[a]`), `b` and the unknown read are gone.
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[0].append, Some(0));
        assert_eq!(ops[0].ret, 9.0);
        assert_eq!(&*ops[0].value, &[0]);
    }

    #[test]
    fn quiescent_points_split_and_lanes_never_overlap() {
        let call = CallHistory {
            initial: vec![],
            ops: vec![
                op("a", 1, OpKind::Append, (0.0, Some(2.0)), &["a"]),
                op("r1", 2, OpKind::Read, (1.0, Some(2.0)), &["a"]),
                // Touches the previous returns at 2.0: returns first, so a new segment.
                op("r2", 1, OpKind::Read, (2.0, Some(3.0)), &["a"]),
                op("r3", 1, OpKind::Read, (3.0, Some(3.0)), &["a"]),
            ],
        };
        let p = prepare(&call);
        let sizes: Vec<usize> = p.segments.iter().map(|s| s.events.len()).collect();
        assert_eq!(sizes, vec![4, 2, 2]);
        for s in &p.segments {
            let mut busy = BTreeSet::new();
            for e in &s.events {
                match e {
                    Event::Invoke { lane, .. } => assert!(busy.insert(*lane)),
                    Event::Return { lane, .. } => assert!(busy.remove(lane)),
                }
            }
            assert!(busy.is_empty());
        }
    }
}
