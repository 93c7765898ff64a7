//! Synthetic histories of a *correct* register, for the tests and for measuring the checker.
//!
//! Each call is simulated with `processes` clients issuing ops back to back (a short random think
//! time between them). Every op that takes effect gets a linearization point inside its interval
//! and the results are computed by applying the ops to a list in that order, so the generated
//! history is linearizable by construction. An op is `unknown` (or `fail`) with probability
//! `unknown_rate`: its client gives up after a timeout and moves on while the op stays in flight;
//! an unknown append takes effect half of the time, possibly after the timeout.

use crate::input::{CallHistory, Cell, Op, OpKind, Status};

/// Shape of a synthetic cell.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthConfig {
    /// Calls in the cell.
    pub calls: usize,
    /// Ops per call.
    pub ops_per_call: usize,
    /// Concurrent clients per call.
    pub processes: usize,
    /// Probability that an op's outcome is unknown to its client.
    pub unknown_rate: f64,
    /// Probability that an op is a read.
    pub read_rate: f64,
    /// Client latency of a completed op is uniform in `[0.2, 0.2 + max_latency)` ms.
    pub max_latency: f64,
    /// Think time between a client's ops is uniform in `[0, max_think)` ms.
    pub max_think: f64,
    /// Whether to end each call with one read after everything else (not counted in
    /// `ops_per_call`), as the fault tests do; it makes the report's `lost` count exact.
    pub final_read: bool,
    /// PRNG seed.
    pub seed: u64,
}

impl Default for SynthConfig {
    /// 30 calls × 200 ops (plus a final read), 8 clients, 5 % unknown, 40 % reads, heavily
    /// overlapping.
    fn default() -> Self {
        Self {
            calls: 30,
            ops_per_call: 200,
            processes: 8,
            unknown_rate: 0.05,
            read_rate: 0.4,
            max_latency: 4.0,
            max_think: 1.0,
            final_read: true,
            seed: 1,
        }
    }
}

/// A small deterministic PRNG (SplitMix64), so tests need no extra crate.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// Seeds the generator.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }
}

/// A synthetic cell named `name`.
pub fn cell(name: &str, config: &SynthConfig) -> Cell {
    let mut rng = Rng::new(config.seed);
    let calls = (0..config.calls).map(|i| (format!("CA{i:04}"), call(config, &mut rng))).collect();
    Cell { name: name.into(), calls }
}

/// One synthetic call history.
pub fn call(config: &SynthConfig, rng: &mut Rng) -> CallHistory {
    const TIMEOUT: f64 = 5.0;
    let mut clock: Vec<f64> = (0..config.processes.max(1)).map(|_| rng.unit() * 2.0).collect();
    let mut ops = Vec::with_capacity(config.ops_per_call);
    // (linearization point, op index) of the ops that take effect.
    let mut effects = Vec::new();
    for n in 0..config.ops_per_call {
        let (process, invoke) = clock
            .iter()
            .copied()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, 0.0));
        let kind = if rng.unit() < config.read_rate { OpKind::Read } else { OpKind::Append };
        let id = match kind {
            OpKind::Read => format!("r{n}"),
            OpKind::Append => format!("o{n}"),
        };
        let (status, ret) = if rng.unit() < config.unknown_rate {
            if kind == OpKind::Append && rng.unit() < 0.5 {
                effects.push((invoke + rng.unit() * 2.0 * TIMEOUT, ops.len()));
            }
            clock[process] = invoke + TIMEOUT + rng.unit() * config.max_think;
            (if rng.unit() < 0.3 { Status::Fail } else { Status::Unknown }, None)
        } else {
            let ret = invoke + 0.2 + rng.unit() * config.max_latency;
            effects.push((invoke + rng.unit() * (ret - invoke), ops.len()));
            clock[process] = ret + rng.unit() * config.max_think;
            (Status::Ok, Some(ret))
        };
        ops.push(Op { id, process: process as u64, kind, invoke, ret, status, value: None });
    }
    // The final read the fault tests do once every client is done (and every late write landed).
    if config.final_read {
        let end = ops.iter().map(|op| op.invoke).fold(0.0, f64::max) + 3.0 * TIMEOUT;
        effects.push((end + 0.5, ops.len()));
        let (id, ret) = ("final".to_string(), Some(end + 1.0));
        ops.push(Op {
            id,
            process: 0,
            kind: OpKind::Read,
            invoke: end,
            ret,
            status: Status::Ok,
            value: None,
        });
    }
    effects.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut list = Vec::new();
    for (_, i) in effects {
        let op = &mut ops[i];
        if op.kind == OpKind::Append {
            list.push(op.id.clone());
        }
        if op.is_ok() {
            op.value = Some(list.clone());
        }
    }
    CallHistory { initial: Vec::new(), ops }
}
