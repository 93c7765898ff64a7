//! The call state model: one table per record. Each row — member, type, JSON name — is the
//! only place a field is named: parsing, validation, the canonical check, the writer,
//! `compressJobData`, and the JS shim's field and date lists (generated at build time) all
//! derive from these tables. Rows are in the seed's order, which is also the order fields are
//! validated in; `first` names the one written ahead of the others (`lastUpdated`, where the
//! scripts read it). `Option<T>` marks an optional field.

use crate::field::table;
use crate::time::Timestamp;
pub use crate::values::{Fields, Language, Name, Text};

/// Top-level names read as record metadata or by a migration: never kept verbatim.
pub(crate) const STATE_RESERVED: &[&str] =
    &["\"schemaVersion\"", "\"rev\"", "\"action\"", "\"compressed\""];

table! {
    /// One call's IVR state: the seed's `CallState`, plus unknown fields kept verbatim.
    pub struct CallState (text limit: Some(1024), reserved: STATE_RESERVED, first: "lastUpdated") {
        /// Twilio call identifier (checked by the codec's `callSid` rule, never re-cased).
        call_sid: String = "callSid",
        /// Current FSM stage (`^[A-Z][A-Z0-9_]{0,63}$`; stages the seed does not name are allowed).
        stage: Name = "stage" as "Stage",
        /// Retry attempts for the current stage, an integer 0 ≤ n ≤ 2³¹−1.
        attempt_count: u32 = "attemptCount",
        /// Collected client identifier (≤ 1024 UTF-16 units).
        client_id: Option<Text> = "clientId",
        /// Collected job number (≤ 1024 UTF-16 units).
        job_number: Option<Text> = "jobNumber",
        /// Requested action type (`^[A-Z][A-Z0-9_]{0,63}$`).
        action_type: Option<Name> = "actionType" as "ActionType",
        /// Action-specific value (≤ 1024 UTF-16 units).
        action_value: Option<Text> = "actionValue",
        /// Retrieved job information.
        job_data: Option<JobRecord> = "jobData",
        /// State modification timestamp (a valid date).
        last_updated: Timestamp = "lastUpdated",
        /// The caller's language.
        language: Language = "language",
    }
}

table! {
    /// The job record a call works on: three required strings, three optional dates, the rest
    /// kept.
    pub struct JobRecord (text limit: None, reserved: &[]) {
        /// Job record id.
        id: Text = "id",
        /// Job number.
        job_number: Text = "jobNumber",
        /// Job status.
        status: Text = "status",
        /// Creation date.
        created_date: Option<Timestamp> = "createdDate",
        /// Last update date.
        updated_date: Option<Timestamp> = "updatedDate",
        /// Scheduled date.
        scheduled_date: Option<Timestamp> = "scheduledDate",
    }
}
