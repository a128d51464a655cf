//! The service's error codes on [`Error`] and [`ApiError`]: [`ErrorCode`] instead of strings,
//! and [`is_already_in_progress`](ServiceErrorExt::is_already_in_progress) for the answer a
//! duplicate action request gets. Hand-written: the runtime knows no error codes, so this is an
//! extension trait over its error types.

use crate::models::ErrorCode;
use mde_runtime::{ApiError, Error};

/// MachineAction-specific questions about a failed call, on [`Error`] and [`ApiError`]
/// (in [`prelude`](crate::prelude)).
///
/// ```
/// use mde_machine_actions::prelude::*;
/// use mde_machine_actions::models::ErrorCode;
///
/// fn report(error: &Error) -> &'static str {
///     if error.is_already_in_progress() {
///         "an action of that kind is already pending on the device"
///     } else if error.error_code() == Some(ErrorCode::ResourceNotFound) {
///         "no such device or action"
///     } else {
///         "failed"
///     }
/// }
/// ```
pub trait ServiceErrorExt: sealed::Sealed {
    /// The service's `error.code` as a typed value (unknown codes are kept as
    /// `ErrorCode::Unknown`); `None` when the service sent no code.
    fn error_code(&self) -> Option<ErrorCode>;

    /// True when the service refused because the same kind of action is already pending on
    /// the device: code `ActiveRequestAlreadyExists`, or a 400 whose message says "already in
    /// progress" (how isolate, release, restrict, unrestrict and scan report it).
    fn is_already_in_progress(&self) -> bool;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for mde_runtime::ApiError {}
    impl Sealed for mde_runtime::Error {}
}

impl ServiceErrorExt for ApiError {
    fn error_code(&self) -> Option<ErrorCode> {
        let code = self.code.as_deref()?;
        Some(code.parse().unwrap_or_else(|never: std::convert::Infallible| match never {}))
    }

    fn is_already_in_progress(&self) -> bool {
        let by_code = self.error_code() == Some(ErrorCode::ActiveRequestAlreadyExists);
        let by_message = self.status == mde_runtime::StatusCode::BAD_REQUEST
            && self
                .message
                .as_deref()
                .is_some_and(|m| m.to_ascii_lowercase().contains("already in progress"));
        by_code || by_message
    }
}

impl ServiceErrorExt for Error {
    fn error_code(&self) -> Option<ErrorCode> {
        self.api().and_then(ServiceErrorExt::error_code)
    }

    fn is_already_in_progress(&self) -> bool {
        self.api().is_some_and(ServiceErrorExt::is_already_in_progress)
    }
}
