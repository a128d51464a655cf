//! A typed, forward-compatible Rust SDK for the Microsoft Defender for Endpoint **MachineAction**
//! API: isolate and release devices, restrict app execution, run antivirus scans, offboard,
//! stop and quarantine files, collect investigation packages, run live response, and list,
//! read and cancel the resulting actions.
//!
//! The [`models`] are generated from `spec/machineaction.json` by `cargo xtask codegen`. They
//! are built for a service that grows: every enum that appears in a response keeps values it
//! does not know yet (`Unknown(String)`), every response object keeps members it does not know
//! yet (`extra`), and timestamps are written back exactly as they came in. Serializing a value
//! you deserialized gives back the same JSON.
//!
//! ```
//! use mde_machine_actions::models::{MachineAction, MachineActionStatus};
//!
//! let json = r#"{
//!     "id": "5382f7ea-7557-4ab7-9782-d50480024a4e",
//!     "type": "Isolate",
//!     "status": "Succeeded",
//!     "creationDateTimeUtc": "2019-01-02T14:39:38.2262283Z",
//!     "someFutureField": true
//! }"#;
//! let action: MachineAction = serde_json::from_str(json)?;
//! assert_eq!(action.status, MachineActionStatus::Succeeded);
//! assert_eq!(action.creation_date_time_utc.as_str(), "2019-01-02T14:39:38.2262283Z");
//! assert_eq!(action.extra.get("someFutureField"), Some(&serde_json::Value::Bool(true)));
//! # Ok::<(), serde_json::Error>(())
//! ```

#![deny(missing_docs)]

/// The client: [`Client`] with one async method per operation, [`Cloud`], the typed `$filter`
/// builder [`client::MachineActionFilter`] and the list query options.
#[rustfmt::skip]
pub mod client;
mod error_codes;
/// Data types of the API: [`models::MachineAction`], its nested objects, every enum, the
/// request bodies of the action methods, and the response and error envelopes.
#[rustfmt::skip]
pub mod models;
/// What the spec says about each operation (verb, path, quotas, permissions), as constants;
/// [`operations::permissions`] names every permission.
#[rustfmt::skip]
pub mod operations;
pub mod runtime;
pub mod wait;

pub use client::{Client, Cloud};
pub use runtime::{
    ClientBuilder, DownloadLink, Error, Filter, RateBudget, RetryPolicy, Secret, StaticToken,
    Timestamp, TokenCredential, UnknownFields,
};
pub use wait::{WaitError, WaitOptions, WaitOutcome};
