//! The recorded-history file: its serde model and the checks that make it usable.
//!
//! The format is documented on the crate root. Parsing accepts unknown extra fields (the recorder
//! may add some); [`parse`] then rejects what the checker could not interpret soundly.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// A whole history file: one entry per fault-injection cell.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct History {
    /// The recorded cells, in file order (the report keeps this order).
    pub cells: Vec<Cell>,
}

/// One cell of the fault matrix (e.g. `kill/ioredis/script/native`): a set of independent calls.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Cell {
    /// Printed back as the report line's `name`.
    pub name: String,
    /// Call id (`CA…`) to that call's history. Every call is its own register.
    pub calls: BTreeMap<String, CallHistory>,
}

/// The history of one call's register.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct CallHistory {
    /// The list stored before the first recorded operation (usually empty).
    #[serde(default)]
    pub initial: Vec<String>,
    /// The operations, in any order (they are ordered by time here).
    pub ops: Vec<Op>,
}

/// One recorded client operation.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Op {
    /// Unique within the call; an `append` appends exactly this string.
    pub id: String,
    /// The client process that issued it (used only to keep tester threads stable).
    pub process: u64,
    /// Append or read.
    pub kind: OpKind,
    /// Invocation time, milliseconds on the recorder's monotonic clock.
    pub invoke: f64,
    /// Completion time; only meaningful (and required) when `status` is `ok`.
    #[serde(rename = "return")]
    pub ret: Option<f64>,
    /// How the operation ended, as far as the client knows.
    pub status: Status,
    /// The list returned: for `ok` appends the list right after the append, for `ok` reads the list
    /// read. Required when `status` is `ok`, ignored otherwise.
    pub value: Option<Vec<String>>,
}

/// The operation kinds of the register.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OpKind {
    /// Appends the op's own `id` to the list and returns the resulting list.
    Append,
    /// Returns the list.
    Read,
}

/// The client-side outcome of an operation.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Completed; `return` and `value` are known.
    Ok,
    /// No answer (timeout, killed connection): it may or may not have taken effect.
    Unknown,
    /// An error was reported, but the effect may still have happened: treated like `unknown`.
    Fail,
}

impl Op {
    /// Whether the op completed with a known result.
    pub fn is_ok(&self) -> bool {
        self.status == Status::Ok
    }
}

/// Why an input was rejected (exit status 2 in the CLI).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError(pub String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// Parses a history file and validates it (see [`History::validate`]).
pub fn parse(text: &str) -> Result<History, InputError> {
    let history: History =
        serde_json::from_str(text).map_err(|e| InputError(format!("invalid history JSON: {e}")))?;
    history.validate()?;
    Ok(history)
}

impl History {
    /// Rejects what cannot be checked soundly: duplicate op ids within a call, an op id that is
    /// already in the call's `initial` list (the reductions rely on an id entering the list only
    /// through its own append), non-finite times, and `ok` ops without `return`/`value` or
    /// returning before they were invoked.
    pub fn validate(&self) -> Result<(), InputError> {
        for cell in &self.cells {
            for (call_id, call) in &cell.calls {
                let at = |op: &Op, what: &str| {
                    InputError(format!(
                        "cell {:?}, call {call_id:?}, op {:?}: {what}",
                        cell.name, op.id
                    ))
                };
                let initial: HashSet<&str> = call.initial.iter().map(String::as_str).collect();
                let mut seen = HashSet::new();
                for op in &call.ops {
                    if !seen.insert(op.id.as_str()) {
                        return Err(at(op, "duplicate op id in this call"));
                    }
                    if initial.contains(op.id.as_str()) {
                        return Err(at(op, "op id already present in the call's initial list"));
                    }
                    if !op.invoke.is_finite() {
                        return Err(at(op, "invoke is not a finite number"));
                    }
                    if !op.is_ok() {
                        continue;
                    }
                    match op.ret {
                        None => return Err(at(op, "status ok but return is missing")),
                        Some(r) if !r.is_finite() => {
                            return Err(at(op, "return is not a finite number"));
                        }
                        Some(r) if r < op.invoke => return Err(at(op, "return is before invoke")),
                        Some(_) => {}
                    }
                    if op.value.is_none() {
                        return Err(at(op, "status ok but value is missing"));
                    }
                }
            }
        }
        Ok(())
    }
}
