//! The spec-agnostic HTTP runtime of the generated Microsoft Defender for Endpoint SDK.
//!
//! Generated clients are thin: every operation builds a request and hands it to this crate,
//! which does the rest. It is the generator's companion crate (as `progenitor-client` is
//! progenitor's, or `azure_core` the Azure SDK's): it knows no spec, so the compiler keeps
//! anything API-specific out of it.
//!
//! Users reach it through the SDK crate's re-exports. What it offers them:
//!
//! - **Building a client**: [`ClientBuilder`] (cloud or custom base URL, credential, timeouts,
//!   user agent, [`RetryPolicy`], [`RateBudget`]), and [`Endpoint`] for a custom cloud.
//! - **Credentials**: the [`TokenCredential`] trait, [`StaticToken`],
//!   [`ClientSecretCredential`] (OAuth2 client credentials, cached, refreshed once on 401) and,
//!   with the `azure` feature, `AzureCredential` over any `azure_identity` credential.
//! - **Results**: [`Error`] (with [`ApiError`] and [`InvalidRequest`]), [`Response`] with the
//!   call's status, request id and headers, and [`Pager`], the listing stream.
//! - **Data**: the exact-round-trip [`Timestamp`], the [`UnknownFields`] every response model
//!   carries, typed OData filters ([`Filter`], [`FilterField`]) and [`DownloadLink`]s.
//! - **Operation metadata**: [`Operation`], [`Verb`] and [`RateLimit`], the types of the
//!   generated per-operation constants.
//!
//! The TLS backend is a crate feature: `rustls` (the default: rustls with aws-lc-rs),
//! or `rustls-ring` (rustls with ring: the same certificate checks, no `aws-lc-sys` to build).
//! At least one must be on; with both, `rustls-ring` is used. The SDK crate has features of the
//! same names.
//!
//! Everything generated code needs beyond that lives in [`__private`], which is not part of
//! the public API: it may change in any release.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

mod auth;
#[cfg(feature = "azure")]
mod azure;
mod body;
mod budget;
mod download;
mod error;
mod filter;
mod http;
mod json_path;
mod operation;
mod paging;
mod redact;
mod redirect;
mod response;
mod retry;
mod serde_support;
mod timestamp;
mod tls;
mod unknown;

pub use ::http::StatusCode;
pub use auth::{
    AccessToken, AuthError, BoxFuture, ClientSecretCredential, Secret, StaticToken,
    TokenCredential, TokenRequest,
};
#[cfg(feature = "azure")]
#[cfg_attr(docsrs, doc(cfg(feature = "azure")))]
pub use azure::AzureCredential;
pub use budget::RateBudget;
pub use download::DownloadLink;
pub use error::{ApiError, Error, InvalidRequest};
pub use filter::{Equality, Filter, FilterField, ODataLiteral, Ordered};
pub use http::{ClientBuilder, Endpoint};
pub use operation::{Operation, RateLimit, Verb};
pub use paging::{Pager, Pages};
pub use response::Response;
pub use retry::RetryPolicy;
pub use serde_support::UnknownVariant;
pub use timestamp::{Timestamp, TimestampError};
pub use unknown::UnknownFields;

/// Plumbing for generated code. **Not public API**: nothing here is covered by semver, and any
/// of it may change in any release. Users never need to name these items.
#[doc(hidden)]
pub mod __private {
    pub use crate::error::SNIPPET_LIMIT;
    pub use crate::filter::quote_literal;
    pub use crate::http::{Core, FromCore, RawResponse, Request, push_segment};
    pub use crate::paging::{Page, Paging};
    pub use crate::retry::parse_retry_after;
    pub use crate::serde_support::{
        Key, Redacted, WireInfo, deserialize_enum, read_alias, read_once, settle_aliases,
    };
    pub use crate::*;
}
