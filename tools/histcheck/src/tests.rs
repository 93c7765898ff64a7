//! Hand-written histories, a differential test against the unreduced tester, and the size test.

use crate::input::{CallHistory, Cell, Op, OpKind, Status};
use crate::synth::{self, Rng, SynthConfig};
use crate::{Budget, CellReport, Verdict, check_call, check_cell};
use stateright::semantics::{ConsistencyTester, LinearizabilityTester, SequentialSpec};

fn strings(value: &[&str]) -> Vec<String> {
    value.iter().map(|s| s.to_string()).collect()
}

fn append(id: &str, process: u64, invoke: f64, ret: f64, value: &[&str]) -> Op {
    Op {
        id: id.into(),
        process,
        kind: OpKind::Append,
        invoke,
        ret: Some(ret),
        status: Status::Ok,
        value: Some(strings(value)),
    }
}

fn read(id: &str, process: u64, invoke: f64, ret: f64, value: &[&str]) -> Op {
    Op { kind: OpKind::Read, ..append(id, process, invoke, ret, value) }
}

fn unknown(id: &str, process: u64, invoke: f64) -> Op {
    Op {
        id: id.into(),
        process,
        kind: OpKind::Append,
        invoke,
        ret: None,
        status: Status::Unknown,
        value: None,
    }
}

fn call(ops: Vec<Op>) -> CallHistory {
    CallHistory { initial: Vec::new(), ops }
}

fn verdict(ops: Vec<Op>) -> Verdict {
    check_call(&call(ops), &Budget::default())
}

fn report(ops: Vec<Op>) -> CellReport {
    let cell = Cell { name: "t".into(), calls: [("CA1".to_string(), call(ops))].into() };
    check_cell(&cell, &Budget::default())
}

#[test]
fn correct_concurrent_history_is_linearizable() {
    let r = report(vec![
        append("a", 1, 0.0, 10.0, &["a"]),
        append("b", 2, 1.0, 12.0, &["a", "b"]),
        read("r1", 3, 2.0, 3.0, &[]),
        read("r2", 3, 5.0, 11.0, &["a"]),
        read("r3", 4, 6.0, 7.0, &[]),
        read("r4", 3, 13.0, 14.0, &["a", "b"]),
        append("c", 1, 13.0, 15.0, &["a", "b", "c"]),
    ]);
    assert!(r.linearizable, "{r:?}");
    assert_eq!((r.lost, r.twice, r.undecided), (0, 0, 0));
}

#[test]
fn lost_acknowledged_append_is_not_linearizable() {
    let r = report(vec![
        append("a", 1, 0.0, 1.0, &["a"]),
        append("b", 2, 2.0, 3.0, &["a", "b"]),
        read("r", 3, 4.0, 5.0, &["b"]),
    ]);
    assert!(!r.linearizable);
    assert_eq!(r.failed_calls, vec!["CA1".to_string()]);
    assert_eq!((r.lost, r.twice), (1, 0));
}

#[test]
fn append_applied_twice_is_not_linearizable() {
    let r = report(vec![
        append("a", 1, 0.0, 1.0, &["a"]),
        append("b", 2, 2.0, 3.0, &["a", "b"]),
        read("r", 3, 4.0, 5.0, &["a", "b", "a"]),
    ]);
    assert_eq!(r.failed_calls, vec!["CA1".to_string()]);
    assert_eq!((r.lost, r.twice), (0, 1));
}

#[test]
fn stale_read_after_completed_append_is_not_linearizable() {
    assert_eq!(
        verdict(vec![append("a", 1, 0.0, 1.0, &["a"]), read("r", 2, 2.0, 3.0, &[])]),
        Verdict::NotLinearizable
    );
    // Overlapping instead of after: fine.
    assert_eq!(
        verdict(vec![append("a", 1, 0.0, 2.0, &["a"]), read("r", 2, 1.0, 3.0, &[])]),
        Verdict::Linearizable
    );
    // Touching: the append returned at the read's invocation, so it precedes the read.
    assert_eq!(
        verdict(vec![append("a", 1, 0.0, 2.0, &["a"]), read("r", 2, 2.0, 3.0, &[])]),
        Verdict::NotLinearizable
    );
}

#[test]
fn unknown_append_that_landed_is_linearizable() {
    assert_eq!(
        verdict(vec![
            unknown("a", 1, 0.0),
            append("b", 2, 1.0, 2.0, &["a", "b"]),
            read("r", 3, 3.0, 4.0, &["a", "b"]),
        ]),
        Verdict::Linearizable
    );
    // Still in flight across several quiescent points, while its process goes on.
    let r = report(vec![
        unknown("a", 1, 0.0),
        read("r1", 1, 1.0, 2.0, &[]),
        append("b", 2, 3.0, 4.0, &["b"]),
        read("r2", 1, 5.0, 6.0, &["b"]),
        read("r3", 3, 7.0, 8.0, &["b", "a"]),
        append("c", 1, 9.0, 10.0, &["b", "a", "c"]),
    ]);
    assert!(r.linearizable, "{r:?}");
    assert_eq!((r.lost, r.twice), (0, 0));
}

#[test]
fn unknown_append_that_did_not_land_is_linearizable() {
    let mut failed = unknown("a", 1, 0.0);
    failed.status = Status::Fail;
    assert_eq!(
        verdict(vec![
            failed,
            append("b", 2, 1.0, 2.0, &["b"]),
            read("r", 3, 3.0, 4.0, &["b"]),
            unknown("c", 3, 5.0),
        ]),
        Verdict::Linearizable
    );
}

#[test]
fn unknown_append_seen_before_it_was_invoked_is_not_linearizable() {
    assert_eq!(
        verdict(vec![read("r", 1, 0.0, 1.0, &["a"]), unknown("a", 2, 2.0)]),
        Verdict::NotLinearizable
    );
    // Landing inside the interval of the read that shows it is fine.
    assert_eq!(
        verdict(vec![read("r", 1, 0.0, 3.0, &["a"]), unknown("a", 2, 2.0)]),
        Verdict::Linearizable
    );
}

#[test]
fn unknown_reads_are_ignored_and_never_written_ids_are_not() {
    let mut lost_read = read("r1", 1, 0.0, 1.0, &["zzz"]);
    lost_read.status = Status::Unknown;
    lost_read.ret = None;
    assert_eq!(verdict(vec![lost_read.clone()]), Verdict::Linearizable);
    assert_eq!(verdict(vec![read("r2", 1, 0.0, 1.0, &["zzz"])]), Verdict::NotLinearizable);
    // An append that returned a list without its own id.
    assert_eq!(verdict(vec![append("a", 1, 0.0, 1.0, &[])]), Verdict::NotLinearizable);
}

#[test]
fn initial_state_is_respected() {
    let mut c = call(vec![append("a", 1, 0.0, 1.0, &["x", "a"]), read("r", 2, 2.0, 3.0, &["x"])]);
    c.initial = strings(&["x"]);
    assert_eq!(check_call(&c, &Budget::default()), Verdict::NotLinearizable);
    c.ops.truncate(1);
    assert_eq!(check_call(&c, &Budget::default()), Verdict::Linearizable);
}

#[test]
fn an_exhausted_budget_is_undecided() {
    let cell = synth::cell("s", &SynthConfig { calls: 1, ..SynthConfig::default() });
    let budget = Budget { max_steps: 10, max_time: None };
    let r = check_cell(&cell, &budget);
    assert_eq!((r.undecided, r.linearizable), (1, false));
    assert!(r.failed_calls.is_empty());
}

#[test]
fn report_line_shape() {
    let r = report(vec![append("a", 1, 0.0, 1.0, &["a"]), read("r", 2, 2.0, 3.0, &[])]);
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"name":"t","calls":1,"ops":2,"linearizable":false,"failedCalls":["CA1"],"lost":1,"twice":0,"undecided":0,"undecidedCalls":[]}"#
    );
}

/// The specification exactly as stated, with no pruning: the reference for the differential test.
#[derive(Clone, Debug, Default)]
struct PlainList(Vec<String>);

#[derive(Clone, Debug)]
enum PlainOp {
    Append(String),
    Read,
}

impl SequentialSpec for PlainList {
    type Op = PlainOp;
    type Ret = Vec<String>;
    fn invoke(&mut self, op: &PlainOp) -> Vec<String> {
        if let PlainOp::Append(id) = op {
            self.0.push(id.clone());
        }
        self.0.clone()
    }
}

/// Stateright on the raw history: unknown appends stay in flight forever on their own thread,
/// unknown reads are left out, every op has its own thread, events in the same order rules.
fn plain_verdict(c: &CallHistory) -> bool {
    // (time, rank, op index, is return); rank: return 0, zero-length op 1, invoke 2.
    let mut events = Vec::new();
    for (i, op) in c.ops.iter().enumerate() {
        match (op.is_ok(), op.ret, op.kind) {
            (true, Some(r), _) if r > op.invoke => {
                events.push((op.invoke, 2, i, false));
                events.push((r, 0, i, true));
            }
            (true, _, _) => events.push((op.invoke, 1, i, false)),
            (false, _, OpKind::Append) => events.push((op.invoke, 2, i, false)),
            (false, _, OpKind::Read) => {}
        }
    }
    events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut tester = LinearizabilityTester::new(PlainList(c.initial.clone()));
    for (_, rank, i, is_return) in events {
        let op = &c.ops[i];
        if !is_return {
            let o = match op.kind {
                OpKind::Append => PlainOp::Append(op.id.clone()),
                OpKind::Read => PlainOp::Read,
            };
            tester.on_invoke(i, o).unwrap();
        }
        if is_return || rank == 1 {
            tester.on_return(i, op.value.clone().unwrap()).unwrap();
        }
    }
    tester.is_consistent()
}

/// Small random histories of varied shapes, rounded to whole milliseconds (so ties and
/// zero-length ops occur), most of them corrupted: the reduced checker must agree with the plain
/// tester on every one.
#[test]
fn reduced_checker_agrees_with_the_plain_tester() {
    let mut rng = Rng::new(42);
    let (mut yes, mut no) = (0, 0);
    for case in 0..4000 {
        let config = SynthConfig {
            ops_per_call: 3 + rng.below(7),
            processes: 1 + rng.below(4),
            unknown_rate: [0.1, 0.3, 0.5][rng.below(3)],
            max_latency: 3.0,
            final_read: false,
            ..SynthConfig::default()
        };
        let mut c = synth::call(&config, &mut rng);
        if rng.below(4) == 0 {
            c.initial = strings(&["x", "y"]);
            for op in c.ops.iter_mut().filter_map(|op| op.value.as_mut()) {
                op.splice(0..0, strings(&["x", "y"]));
            }
        }
        for op in &mut c.ops {
            op.invoke = op.invoke.round();
            op.ret = op.ret.map(f64::round);
        }
        for _ in 0..rng.below(3) {
            corrupt(&mut c, &mut rng);
        }
        let plain = plain_verdict(&c);
        let reduced = check_call(&c, &Budget::default());
        let expected = if plain { Verdict::Linearizable } else { Verdict::NotLinearizable };
        assert_eq!(reduced, expected, "case {case}: {}", serde_json::to_string(&c).unwrap());
        if plain { yes += 1 } else { no += 1 }
    }
    // Both verdicts are well represented.
    assert!(yes > 1000 && no > 1000, "{yes} linearizable, {no} not");
}

/// One random corruption of an `ok` value or of an op's timing.
fn corrupt(c: &mut CallHistory, rng: &mut Rng) {
    let ok: Vec<usize> = (0..c.ops.len()).filter(|&i| c.ops[i].is_ok()).collect();
    if ok.is_empty() {
        return;
    }
    let i = ok[rng.below(ok.len())];
    let other = c.ops[ok[rng.below(ok.len())]].value.clone().unwrap_or_default();
    let op = &mut c.ops[i];
    let value = op.value.get_or_insert_with(Vec::new);
    let n = value.len();
    match rng.below(6) {
        0 if n > 0 => {
            value.remove(rng.below(n));
        }
        1 if n > 0 => {
            let id = value[rng.below(n)].clone();
            value.insert(rng.below(n + 1), id);
        }
        2 if n > 1 => value.swap(0, n - 1),
        3 => *value = other,
        4 => {
            op.invoke += 2.0;
            op.ret = op.ret.map(|r| r + 2.0);
        }
        _ => {
            op.invoke = (op.invoke - 2.0).max(0.0);
            op.ret = op.ret.map(|r| (r - 2.0).max(op.invoke));
        }
    }
}

/// 30 calls × 200 ops, 8 clients, 5 % unknown: completes with every call decided, all
/// linearizable; then with a few corrupted calls, exactly those fail. (Timing is measured by the
/// `synth` example, not asserted here.)
#[test]
fn synthetic_cell_of_30_calls_of_200_ops() {
    let mut cell = synth::cell("synthetic", &SynthConfig::default());
    let r = check_cell(&cell, &Budget { max_steps: u64::MAX, max_time: None });
    assert_eq!(r.ops, 30 * 201);
    assert!(r.linearizable, "{r:?}");
    assert_eq!((r.undecided, r.lost, r.twice), (0, 0, 0));

    // Drop the first id from the last long read of every 7th call: never a state of the list.
    let mut broken = Vec::new();
    for (id, call) in cell.calls.iter_mut().step_by(7) {
        let long_read =
            call.ops.iter_mut().rev().find(|op| {
                op.kind == OpKind::Read && op.value.as_ref().is_some_and(|v| v.len() > 1)
            });
        if let Some(v) = long_read.and_then(|op| op.value.as_mut()) {
            v.remove(0);
            broken.push(id.clone());
        }
    }
    let r = check_cell(&cell, &Budget { max_steps: u64::MAX, max_time: None });
    assert_eq!(r.failed_calls, broken);
    assert_eq!(r.undecided, 0);
}
