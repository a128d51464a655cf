//! Hand-written support code the generated modules build on: the exact-round-trip
//! [`Timestamp`], the [`UnknownFields`] every response model carries, and the small serde
//! helpers the generated `Deserialize` impls call.
//!
//! Nothing here knows about MachineAction; the generator only relies on these names.

mod serde_support;
mod timestamp;
mod unknown;

pub use serde_support::{Key, UnknownVariant, WireNames, deserialize_enum};
pub use timestamp::{Timestamp, TimestampError};
pub use unknown::UnknownFields;
