//! Hand-written support code the generated modules build on.
//!
//! - Data: the exact-round-trip [`Timestamp`], the [`UnknownFields`] every response model
//!   carries, and the small serde helpers the generated `Deserialize` impls call.
//! - HTTP: [`Core`] (endpoint, credential, timeouts, [`RetryPolicy`], [`RateBudget`]),
//!   [`ClientBuilder`], the [`Operation`] constants generated methods pass in, and [`Error`].
//!
//! Nothing here knows about MachineAction; the generator relies only on these names.

mod auth;
#[cfg(feature = "azure")]
mod azure;
mod budget;
mod download;
mod error;
mod filter;
mod http;
mod operation;
mod paging;
mod retry;
mod serde_support;
mod timestamp;
mod unknown;

pub use auth::ClientSecretCredential;
pub use auth::{
    AccessToken, AuthError, BoxFuture, Secret, StaticToken, TokenCredential, TokenRequest,
};
#[cfg(feature = "azure")]
pub use azure::AzureCredential;
pub use budget::RateBudget;
pub use download::DownloadLink;
pub use error::{ApiError, Error, SNIPPET_LIMIT};
pub use filter::{Equality, Filter, FilterField, ODataLiteral, Ordered, quote_literal};
pub use http::{ClientBuilder, Core, Endpoint, FromCore, Request, Response, push_segment};
pub use operation::{Operation, RateLimit, Verb};
pub use paging::{Page, Paging, pages, paginate};
pub use retry::{RetryPolicy, parse_retry_after};
pub use serde_support::{Key, Redacted, UnknownVariant, WireInfo, deserialize_enum, read_once};
pub use timestamp::{Timestamp, TimestampError};
pub use unknown::UnknownFields;
