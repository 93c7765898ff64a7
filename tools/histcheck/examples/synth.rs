//! Writes a synthetic (linearizable by construction) history file, or times the checker on one.
//!
//! ```text
//! cargo run --release -p histcheck --example synth -- [CALLS [OPS [PROCESSES [UNKNOWN [SEED]]]]] > h.json
//! cargo run --release -p histcheck --example synth -- --time [CALLS [OPS ...]]
//! ```
//!
//! Defaults: 30 calls × 200 ops, 8 processes, 5 % unknown, seed 1. With `--time` nothing is
//! written; the cell is checked in-process and the verdict line plus the elapsed time go to stderr.

use histcheck::synth::{SynthConfig, cell};
use histcheck::{Budget, check_cell, input::History};
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let time = args.first().is_some_and(|a| a == "--time");
    if time {
        args.remove(0);
    }
    let mut config = SynthConfig::default();
    let parsed = (|| -> Result<(), String> {
        let num = |i: usize| args.get(i).map(|s| s.parse::<f64>().map_err(|e| format!("{s}: {e}")));
        if let Some(v) = num(0) {
            config.calls = v? as usize;
        }
        if let Some(v) = num(1) {
            config.ops_per_call = v? as usize;
        }
        if let Some(v) = num(2) {
            config.processes = v? as usize;
        }
        if let Some(v) = num(3) {
            config.unknown_rate = v?;
        }
        if let Some(v) = num(4) {
            config.seed = v? as u64;
        }
        Ok(())
    })();
    if let Err(e) = parsed {
        eprintln!("synth: {e}");
        return ExitCode::from(2);
    }
    let cell = cell("synthetic", &config);
    if time {
        let started = Instant::now();
        let report = check_cell(&cell, &Budget::default());
        let elapsed = started.elapsed();
        eprintln!("{}", serde_json::to_string(&report).unwrap_or_default());
        eprintln!("checked {} calls × {} ops in {elapsed:.2?}", config.calls, config.ops_per_call);
        return ExitCode::SUCCESS;
    }
    match serde_json::to_string(&History { cells: vec![cell] }) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("synth: {e}");
            ExitCode::FAILURE
        }
    }
}
