//! The service's error codes on [`Error`] and [`ApiError`]: [`ErrorCode`] instead of strings,
//! and [`is_already_in_progress`](Error::is_already_in_progress) for the answer a duplicate
//! action request gets.

use crate::models::ErrorCode;
use crate::runtime::{ApiError, Error};

impl ApiError {
    /// The service's `error.code` as a typed value (unknown codes are kept as
    /// `ErrorCode::Unknown`).
    pub fn error_code(&self) -> Option<ErrorCode> {
        let code = self.code.as_deref()?;
        Some(code.parse().unwrap_or_else(|never: std::convert::Infallible| match never {}))
    }

    /// True when the service refused because the same kind of action is already pending on
    /// the device: code `ActiveRequestAlreadyExists`, or a 400 whose message says "already in
    /// progress" (how isolate, release, restrict, unrestrict and scan report it).
    pub fn is_already_in_progress(&self) -> bool {
        let by_code = self.error_code() == Some(ErrorCode::ActiveRequestAlreadyExists);
        let by_message = self.status == 400
            && self
                .message
                .as_deref()
                .is_some_and(|m| m.to_ascii_lowercase().contains("already in progress"));
        by_code || by_message
    }
}

impl Error {
    /// The service's error code, when the service answered with one.
    pub fn error_code(&self) -> Option<ErrorCode> {
        self.api().and_then(ApiError::error_code)
    }

    /// True when the service refused because the same kind of action is already pending on
    /// the device (see [`ApiError::is_already_in_progress`]).
    pub fn is_already_in_progress(&self) -> bool {
        self.api().is_some_and(ApiError::is_already_in_progress)
    }
}
