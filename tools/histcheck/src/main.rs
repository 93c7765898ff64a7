//! `histcheck` command line: checks a recorded fault-injection history file for linearizability
//! and prints one JSON verdict line per cell (what is checked and how: the library docs).
//!
//! Exit status: 0 when the input parsed, whatever the verdicts; 1 when the report could not be
//! written; 2 on bad usage or bad input.

use histcheck::{Budget, check_cell, input};
use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
usage: histcheck [--max-steps N] [--max-ms MS] <history.json | ->

Checks each call of each cell for linearizability (stateright) and prints one JSON line per cell:
  {\"name\":..,\"calls\":N,\"ops\":N,\"linearizable\":bool,\"failedCalls\":[..],\"lost\":N,
   \"twice\":N,\"undecided\":N,\"undecidedCalls\":[..]}
  -             read the history from standard input
  --max-steps N search budget per call, in tester steps (default 5000000)
  --max-ms MS   search budget per call, in milliseconds; 0 = none (default 2000)
A call that exceeds its budget is listed under undecidedCalls.
Exit status: 0 input parsed (whatever the verdicts), 1 output error, 2 bad usage or input.";

enum Failure {
    Usage(String),
    Input(String),
    Output(std::io::Error),
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("histcheck: {msg}\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Input(msg)) => {
            eprintln!("histcheck: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Output(e)) => {
            eprintln!("histcheck: cannot write the report: {e}");
            ExitCode::from(1)
        }
    }
}

/// Parsed command line: the input path (`-` for stdin) and the budget, or `None` for `--help`.
fn parse_args(args: Vec<String>) -> Result<Option<(String, Budget)>, Failure> {
    let mut budget = Budget::default();
    let mut path = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut number = |name: &str| -> Result<u64, Failure> {
            let value = inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| Failure::Usage(format!("{name} needs a value")))?;
            value.parse().map_err(|_| Failure::Usage(format!("{name}: not a number: {value:?}")))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--max-steps" => budget.max_steps = number("--max-steps")?,
            "--max-ms" => {
                let ms = number("--max-ms")?;
                budget.max_time = (ms > 0).then(|| Duration::from_millis(ms));
            }
            "-" => path = set_path(path, arg)?,
            f if f.starts_with('-') => return Err(Failure::Usage(format!("unknown option {f}"))),
            _ => path = set_path(path, arg)?,
        }
    }
    let path = path.ok_or_else(|| Failure::Usage("missing the history file (or -)".into()))?;
    Ok(Some((path, budget)))
}

fn set_path(current: Option<String>, arg: String) -> Result<Option<String>, Failure> {
    match current {
        None => Ok(Some(arg)),
        Some(_) => Err(Failure::Usage(format!("unexpected extra argument {arg:?}"))),
    }
}

fn run(args: Vec<String>) -> Result<(), Failure> {
    let Some((path, budget)) = parse_args(args)? else {
        println!("{USAGE}");
        return Ok(());
    };
    let mut text = String::new();
    let read = if path == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::File::open(&path).and_then(|mut f| f.read_to_string(&mut text)).map(|_| ())
    };
    read.map_err(|e| Failure::Input(format!("cannot read {path}: {e}")))?;
    let history = input::parse(&text).map_err(|e| Failure::Input(e.to_string()))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for cell in &history.cells {
        let report = check_cell(cell, &budget);
        for (call, error) in &report.errors {
            eprintln!("histcheck: cell {:?}, call {call:?}: internal error: {error}", cell.name);
        }
        let line = serde_json::to_string(&report)
            .map_err(|e| Failure::Output(std::io::Error::other(e)))?;
        writeln!(out, "{line}").and_then(|()| out.flush()).map_err(Failure::Output)?;
    }
    Ok(())
}
