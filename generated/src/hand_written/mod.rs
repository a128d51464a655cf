//! The hand-written part of the SDK crate: MachineAction-specific helpers that the generator
//! does not produce (waiting for an action to finish, resolving inputs to devices, one action on many devices, the
//! service's error codes, a client from environment variables). Everything else in `src/` but
//! `lib.rs` is generated.

pub mod env;
pub mod error_codes;
pub mod fleet;
pub mod resolve;
pub mod wait;
