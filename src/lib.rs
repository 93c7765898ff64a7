//! callstate: IVR call state for Twilio voice apps, without I/O.
//!
//! This crate does no networking, file access, clock reads or randomness, and starts no threads.
//! Time arrives as an argument; the Redis work comes out as data — the exact argument arrays and
//! Lua scripts to send ([`plan`]) and a reader for each reply — for the caller's own client to
//! carry out. That keeps it deterministic, testable faster than real time, and the same code in
//! a napi module, a WASM module and a Rust program.
//!
//! What it owns: validation ([`CallState`]), the stored JSON format and its versions
//! ([`Codec::encode`], [`Codec::decode`]), keys, per-stage TTLs, migrations, compression, the
//! command plans for optimistic concurrency, and the backup line format.

mod backup;
mod canonical;
mod codec;
mod command;
mod compress;
mod error;
mod field;
mod json;
mod keys;
mod kinds;
mod migrate;
mod options;
pub mod plan;
mod replies;
pub mod scripts;
mod state;
mod time;
mod ttl;
mod validate;
mod values;
pub mod wire;

pub use backup::{BackupLine, MAX_RESTORED_REV, RestoreStep};
pub use codec::{Codec, MAX_REV, Record, record_json, state_json};
pub use command::Command;
pub use error::Error;
pub use field::{Field, Kind};
pub use json::MAX_DEPTH;
pub use keys::{cluster_slot, first_key};
pub use migrate::{CURRENT_VERSION, normalize as normalize_action};
pub use options::{
    ACTIVE_CALL_TTL, CallSidRule, CodecOptions, Compression, DEFAULT_MAX_BYTES, DEFAULT_TTL,
    KeepJobFields, TtlOptions,
};
pub use state::{CallState, Fields, JobRecord, Language, Name, Text};
pub use time::Timestamp;
pub use validate::MAX_TEXT_UNITS;
