//! A typed, forward-compatible Rust SDK for the Microsoft Defender for Endpoint
//! **MachineAction** API: isolate and release devices, restrict app execution, run antivirus
//! scans, offboard, stop and quarantine files, collect investigation packages, run live
//! response, and list, read and cancel the resulting actions; plus the read-only **Machine**
//! lookups that find the device to act on (by host name filter, id, internal IP or tag).
//!
//! # Getting started
//!
//! ```toml
//! [dependencies]
//! mde-machine-actions = "0.2"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! ## A client
//!
//! [`Client::from_env`] reads `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET`
//! (an app registration with the `Machine.*` permissions of the calls you make), or
//! `MDE_TOKEN`, a bearer token; `MDE_CLOUD` picks the cloud and `MDE_BASE_URL` another host
//! (such as the local simulator, `mde-simulator`). Or say it all in code:
//!
//! ```no_run
//! use mde_machine_actions::{Client, ClientSecretCredential, Cloud};
//!
//! # fn main() -> Result<(), mde_machine_actions::Error> {
//! let client = Client::builder()
//!     .cloud(Cloud::Eu) // or Cloud::Global (the default), Cloud::GccHigh, ... or .base_url(..)
//!     .credential(ClientSecretCredential::new("tenant-id", "client-id", "client-secret"))
//!     .build()?;
//! # let _ = client;
//! # Ok(())
//! # }
//! ```
//!
//! ## Isolate a device and wait for the result
//!
//! Each operation is a method of [`Client`] that returns a call: `.await` it. Action requests
//! are never sent twice by the SDK (a 5xx after sending is an error, not a retry), and a
//! duplicate request is recognisable with [`ServiceErrorExt::is_already_in_progress`].
//!
//! ```no_run
//! use mde_machine_actions::prelude::*;
//! use mde_machine_actions::models::{IsolateRequest, IsolationType, MachineId};
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::from_env()?;
//! let machine = MachineId::from("1e5bc9d7e413ddd7902c2932e418702b84d0cc07");
//! let request = IsolateRequest::new("Isolate due to alert 1234")
//!     .with_isolation_type(IsolationType::Full);
//! let action = match client.isolate_machine(&machine, &request).await {
//!     Ok(action) => action,
//!     Err(error) if error.is_already_in_progress() => return Ok(()), // already pending
//!     Err(error) => return Err(error.into()),
//! };
//! let outcome = client.wait_for_completion(&action.id, &WaitOptions::default()).await?;
//! println!("{} ended {}", outcome.action.id, outcome.action.status);
//! # Ok(())
//! # }
//! ```
//!
//! ## List actions with a typed filter
//!
//! Listings page through `@odata.nextLink` with a [`Pager`]; filters are typed and quote
//! their literals.
//!
//! ```no_run
//! use std::time::Duration;
//! use mde_machine_actions::prelude::*;
//! use mde_machine_actions::models::MachineActionStatus;
//!
//! # async fn example(client: &Client) -> Result<(), Error> {
//! let since = Timestamp::now() - Duration::from_secs(24 * 60 * 60);
//! let filter = MachineActionFilter::status()
//!     .eq(MachineActionStatus::Failed)
//!     .and(MachineActionFilter::creation_date_time_utc().ge(since));
//! let mut actions = client.list_machine_actions().filter(filter).into_pager();
//! while let Some(action) = actions.next().await {
//!     let action = action?;
//!     println!("{} {} on {:?}", action.id, action.r#type, action.computer_dns_name);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Find the device to act on
//!
//! The Machine lookups turn a host name, an internal IP address or a tag into the device id
//! the actions take. A host name may match several devices (duplicates exist), or none.
//!
//! ```no_run
//! use mde_machine_actions::prelude::*;
//! use mde_machine_actions::models::HealthStatus;
//!
//! # async fn example(client: &Client) -> Result<(), Error> {
//! let filter = MachineFilter::computer_dns_name()
//!     .eq("mymachine1.contoso.com")
//!     .and(MachineFilter::health_status().eq(HealthStatus::Active));
//! let page = client.list_machines().filter(filter).await?;
//! for machine in &page.value {
//!     println!("{} last seen {:?}", machine.id, machine.last_seen);
//! }
//! // Or by tag (`use_starts_with_filter(true)` matches tags that start with it):
//! let tagged = client.find_machines_by_tag("finance").await?;
//! println!("{} devices tagged finance", tagged.value.len());
//! # Ok(())
//! # }
//! ```
//!
//! `startswith(computerDnsName,'prefix')` and `machineTags/any(..)` are not in the typed
//! filter; send them with [`Filter::raw`].
//!
//! ## Live response, and downloading its result
//!
//! ```no_run
//! use mde_machine_actions::prelude::*;
//! use mde_machine_actions::models::{
//!     CommandParam, LiveResponseCommand, LiveResponseCommandType, MachineId,
//!     RunLiveResponseRequest,
//! };
//!
//! # async fn example(client: &Client) -> Result<(), Box<dyn std::error::Error>> {
//! let machine = MachineId::from("1e5bc9d7e413ddd7902c2932e418702b84d0cc07");
//! let params = vec![CommandParam::new("ScriptName", "collect.ps1")];
//! let command = LiveResponseCommand::new(LiveResponseCommandType::RunScript, params);
//! let request = RunLiveResponseRequest::new(vec![command], "Collect triage data");
//! let action = client.run_live_response(&machine, &request).await?;
//! let outcome = client.wait_for_completion(&action.id, &WaitOptions::default()).await?;
//! if outcome.succeeded() {
//!     let link = client.get_live_response_result_download_link(&action.id, 0).await?;
//!     let mut file = tokio::fs::File::create("result.json").await?;
//!     client.download(&link, &mut file).await?; // the bearer token is not sent to storage
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Response metadata
//!
//! `.send_with_response()` instead of `.await` gives the status, the service's request id and
//! the headers with the value, for audit trails:
//!
//! ```no_run
//! # use mde_machine_actions::prelude::*;
//! # async fn example(client: &Client, id: &mde_machine_actions::models::MachineActionId) -> Result<(), Error> {
//! let response = client.get_machine_action(id).send_with_response().await?;
//! println!("{:?} {:?}", response.request_id(), response.value().status);
//! # Ok(())
//! # }
//! ```
//!
//! ## Test against the local simulator
//!
//! The `mde-simulator` crate is a local, stateful stand-in for the service (devices, actions
//! that finish on a clock you control, the documented rate limits, fault injection), listening
//! on 127.0.0.1 only. Add it as a dev-dependency and point the client at it:
//!
//! ```toml
//! [dev-dependencies]
//! mde-simulator = "0.1"
//! tokio = { version = "1", features = ["macros", "rt", "test-util"] }
//! ```
//!
//! ```rust,test_harness
//! use mde_machine_actions::models::IsolateRequest;
//! use mde_machine_actions::{Client, WaitOptions};
//! use mde_simulator::{Config, Simulator};
//!
//! #[tokio::test(start_paused = true)] // simulated minutes pass in milliseconds
//! async fn isolation_succeeds() -> Result<(), Box<dyn std::error::Error>> {
//!     let simulator = Simulator::start(Config::default()).await?;
//!     let client = Client::builder()
//!         .base_url(simulator.base_url())
//!         .bearer_token(simulator.token())
//!         .timeout(None) // under paused time a request timeout would fire at once
//!         .connect_timeout(None)
//!         .build()?;
//!     let machine = simulator.machines()[0].id.clone();
//!     let action = client.isolate_machine(&machine, &IsolateRequest::new("alert 1234")).await?;
//!     let outcome = client.wait_for_completion(&action.id, &WaitOptions::default()).await?;
//!     assert!(outcome.succeeded());
//!     assert_eq!(simulator.actions().len(), 1);
//!     simulator.shutdown().await;
//!     Ok(())
//! }
//! ```
//!
//! Outside tests, `cargo run -p mde-simulator` (or the installed `mde-simulator` binary)
//! prints its base URL and a token to use with [`Client::from_env`] (`MDE_BASE_URL`,
//! `MDE_TOKEN`).
//!
//! # Models
//!
//! The [`models`] are generated from the spec by `cargo xtask codegen`. They are built for a
//! service that grows: every enum that appears in a response keeps values it does not know yet
//! (`Unknown(String)`), every response object keeps members it does not know yet (`extra`),
//! and timestamps are written back exactly as they came in. Serializing a value you
//! deserialized gives back the same JSON. Request bodies are built with `new(..)`, which takes
//! the members the docs mark required, and `with_*` setters for the others.
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
//!
//! # Features
//!
//! - `azure`: `AzureCredential`, an adapter for any `azure_identity` credential (managed
//!   identity, workload identity, Azure CLI, ...).
//!
//! The TLS backend, one of two (at least one must be on: without any the crate does not
//! compile, and a message names them; with both, `rustls-ring` is used):
//!
//! - `rustls` (default): rustls with the aws-lc-rs crypto provider, the one rustls recommends
//!   (it also offers post-quantum hybrid key exchange). It compiles `aws-lc-sys` from C, the
//!   longest part of a clean build.
//! - `rustls-ring`: the same rustls, with the same certificate checks (the system's root
//!   certificates, through `rustls-platform-verifier`), on the ring provider: no `aws-lc-sys`,
//!   so a clean build takes 0.5 to 0.8 times as long (the project's measurements), for CI and
//!   containers that build from scratch.
//!
//! The non-default ones go with `default-features = false`, or `aws-lc-sys` is still built:
//!
//! ```toml
//! [dependencies]
//! mde-machine-actions = { version = "0.2", default-features = false, features = ["rustls-ring"] }
//! ```
//!
//! The backend applies to the HTTP clients the SDK builds; a `reqwest::Client` of your own
//! ([`ClientBuilder::http_client`]) keeps its own TLS settings.
//!
//! # Layout
//!
//! [`client`], [`models`] and [`operations`] are generated; [`wait`], [`error_codes`] and
//! [`env`](mod@env) are hand-written helpers specific to this API; the HTTP runtime (transport, retries,
//! rate budgets, credentials, paging, filters, downloads, timestamps) is the companion crate
//! `mde-runtime`, whose public items are re-exported here.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

/// The client: [`Client`] with one method per operation (each returning a call builder),
/// [`Cloud`], and the typed `$filter` builders [`MachineActionFilter`] and [`MachineFilter`].
#[rustfmt::skip]
pub mod client;
mod hand_written;
/// Data types of the API: [`models::MachineAction`] and [`models::Machine`], their nested
/// objects, every enum, the request bodies of the action methods, and the response and error
/// envelopes.
#[rustfmt::skip]
pub mod models;
/// What the spec says about each operation (verb, path, quotas, permissions), as constants;
/// [`operations::permissions`] names every permission.
#[rustfmt::skip]
pub mod operations;

pub use hand_written::{env, error_codes, fleet, resolve, wait};

pub use client::{Client, Cloud, MachineActionFilter, MachineFilter};
pub use error_codes::ServiceErrorExt;
pub use fleet::{
    Adoption, Fleet, FleetAction, FleetError, FleetEvent, FleetOptions, FleetReport, FleetRun,
};
pub use wait::{CommandOutcome, WaitError, WaitOptions, WaitOutcome};

#[cfg(feature = "azure")]
#[cfg_attr(docsrs, doc(cfg(feature = "azure")))]
pub use mde_runtime::AzureCredential;
pub use mde_runtime::{
    AccessToken, ApiError, AuthError, BoxFuture, ClientBuilder, ClientSecretCredential,
    DownloadLink, Endpoint, Equality, Error, Filter, FilterField, InvalidRequest, ODataLiteral,
    Operation, Ordered, Pager, Pages, RateBudget, RateLimit, Response, RetryPolicy, Secret,
    StaticToken, StatusCode, Timestamp, TimestampError, TokenCredential, TokenRequest,
    UnknownFields, UnknownVariant, Verb,
};

/// The names most programs use, in one import: `use mde_machine_actions::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Client, ClientSecretCredential, Cloud, Error, MachineActionFilter, MachineFilter,
        ServiceErrorExt, Timestamp, WaitOptions,
    };
}

/// The package README's snippets, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
