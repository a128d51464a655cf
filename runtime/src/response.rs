//! [`Response`]: a call's typed value together with what the service said about the call
//! (status, request id, headers), for audit trails and support tickets.

use ::http::{HeaderMap, StatusCode};

/// A successful call's typed value and its metadata.
///
/// Every generated operation returns the value alone when awaited; its
/// `send_with_response()` returns this instead.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Response<T> {
    status: StatusCode,
    headers: HeaderMap,
    value: T,
}

impl<T> Response<T> {
    #[doc(hidden)]
    pub fn new(status: StatusCode, headers: HeaderMap, value: T) -> Self {
        Self { status, headers, value }
    }

    /// The HTTP status of the answer (one of the operation's documented success statuses).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The service's id for this request (the `request-id`, `x-ms-request-id` or
    /// `client-request-id` header, in that order), to quote in an audit trail or to
    /// Microsoft support.
    pub fn request_id(&self) -> Option<&str> {
        crate::http::request_id(&self.headers)
    }

    /// Every response header.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The decoded value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The decoded value, dropping the metadata.
    pub fn into_value(self) -> T {
        self.value
    }

    /// The value transformed, keeping the metadata.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response { status: self.status, headers: self.headers, value: f(self.value) }
    }

    /// The value transformed by a fallible function, keeping the metadata.
    pub fn try_map<U, E>(self, f: impl FnOnce(T) -> Result<U, E>) -> Result<Response<U>, E> {
        let value = f(self.value)?;
        Ok(Response { status: self.status, headers: self.headers, value })
    }
}
