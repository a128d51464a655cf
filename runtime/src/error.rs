//! [`Error`]: everything a call can fail with, with enough context to act on and nothing
//! secret in it.

use std::fmt;
use std::time::Duration;

use ::http::StatusCode;

use crate::auth::AuthError;

/// Longest body excerpt kept in an error.
#[doc(hidden)]
pub const SNIPPET_LIMIT: usize = 512;

/// Why a call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be sent or the response could not be read (DNS, TLS, connection
    /// reset, ...).
    #[non_exhaustive]
    Transport {
        /// The operation, by spec name.
        operation: &'static str,
        /// The underlying error, stripped of its URL (a download URL carries a signature).
        source: reqwest::Error,
    },
    /// No response within the configured per-request timeout, or a download that went longer
    /// than the download idle timeout without a byte or past its overall limit.
    #[non_exhaustive]
    Timeout {
        /// The operation, by spec name.
        operation: &'static str,
    },
    /// The service kept answering 429 until the retry policy gave up.
    #[non_exhaustive]
    RateLimited {
        /// The operation, by spec name.
        operation: &'static str,
        /// What the last 429 asked to wait.
        retry_after: Option<Duration>,
        /// Attempts made.
        attempts: u32,
        /// The last 429's error body.
        api: Box<ApiError>,
    },
    /// The service answered with an error status.
    Api(Box<ApiError>),
    /// A success status with a body that does not match the model.
    #[non_exhaustive]
    Decode {
        /// The operation, by spec name.
        operation: &'static str,
        /// HTTP status of the response.
        status: StatusCode,
        /// What serde reported, with line and column.
        message: String,
        /// The start of the body (at most [`SNIPPET_LIMIT`] bytes).
        snippet: String,
    },
    /// No token could be obtained.
    Auth(AuthError),
    /// The client was configured wrongly (e.g. a bearer token over plain http to a
    /// non-loopback host, or a base URL that is not a URL). Nothing was sent.
    Config(String),
    /// One call's input cannot be sent as given (an empty or `..` path parameter, a body that
    /// does not serialize, a next link to another host). Nothing was sent for it.
    InvalidRequest(InvalidRequest),
    /// Writing a download to its destination failed.
    #[non_exhaustive]
    Io {
        /// The operation, by name.
        operation: &'static str,
        /// The writer's error.
        source: std::io::Error,
    },
    /// The answer's body is larger than the client's limit
    /// (`ClientBuilder::max_response_bytes`); reading stopped as soon as the limit was passed.
    #[non_exhaustive]
    ResponseTooLarge {
        /// The operation, by spec name.
        operation: &'static str,
        /// The limit, in bytes.
        limit: usize,
    },
    /// A paged listing returned the same next link twice, which would loop forever.
    #[non_exhaustive]
    NonAdvancingNextLink {
        /// The operation, by spec name.
        operation: &'static str,
    },
}

/// An error answer from the service: its status and the `{"error": {...}}` body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation, by spec name.
    pub operation: &'static str,
    /// HTTP status.
    pub status: StatusCode,
    /// The service's error code (`error.code`), as sent.
    pub code: Option<String>,
    /// The service's message (`error.message`); free text that may change.
    pub message: Option<String>,
    /// The per-request correlation id (`error.target`); quote it to Microsoft support.
    pub target: Option<String>,
    /// The request id the service put in the response headers (`request-id`,
    /// `x-ms-request-id` or `client-request-id`), when it sent one.
    pub request_id: Option<String>,
    /// What the `Retry-After` header asked to wait.
    pub retry_after: Option<Duration>,
    /// The start of the body (at most [`SNIPPET_LIMIT`] bytes), when it was not the usual
    /// error envelope.
    pub snippet: Option<String>,
}

impl ApiError {
    /// Reads an error response body. Bodies that are not the `{"error": {...}}` envelope are
    /// kept as a bounded snippet.
    #[doc(hidden)]
    pub fn from_body(
        operation: &'static str,
        status: StatusCode,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> Self {
        let detail = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|value| value.get("error").cloned());
        let text = |key: &str| {
            detail
                .as_ref()
                .and_then(|d| d.get(key))
                .and_then(|v| v.as_str())
                .map(crate::redact::redact)
        };
        let code = text("code");
        let snippet = code.is_none().then(|| snippet(body)).filter(|s| !s.is_empty());
        Self {
            operation,
            status,
            message: text("message"),
            target: text("target"),
            code,
            request_id: None,
            retry_after,
            snippet,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed with HTTP {}", self.operation, self.status.as_u16())?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        match (&self.target, &self.request_id) {
            (Some(target), _) => write!(f, " (correlation id {target})")?,
            (None, Some(id)) => write!(f, " (request id {id})")?,
            (None, None) => {}
        }
        Ok(())
    }
}

/// The first [`SNIPPET_LIMIT`] bytes of a body, cut at a character boundary (invalid UTF-8
/// shown as `U+FFFD`), with `…` when something was cut, through the redaction rule (URL
/// queries and user-info, bearer tokens, credential-like members).
pub fn snippet(body: &[u8]) -> String {
    let cut = &body[..body.len().min(SNIPPET_LIMIT)];
    let mut text = match std::str::from_utf8(cut) {
        Ok(text) => text.to_owned(),
        // A character split by the cut: drop its first bytes.
        Err(e) if e.error_len().is_none() => {
            String::from_utf8_lossy(&cut[..e.valid_up_to()]).into_owned()
        }
        Err(_) => String::from_utf8_lossy(cut).into_owned(),
    };
    if body.len() > SNIPPET_LIMIT {
        text.push('…');
    }
    crate::redact::redact(&text)
}

impl Error {
    /// The service's answer, for [`Error::Api`] and [`Error::RateLimited`].
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) | Error::RateLimited { api, .. } => Some(api),
            _ => None,
        }
    }

    /// HTTP status of the service's answer, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Decode { status, .. } => Some(*status),
            other => other.api().map(|api| api.status),
        }
    }

    /// True for 404 answers.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Transport { operation, source } => {
                write!(f, "{operation}: transport error: {source}")
            }
            Error::Timeout { operation } => {
                write!(f, "{operation}: no response before the timeout")
            }
            Error::RateLimited { operation, attempts, retry_after, .. } => {
                write!(
                    f,
                    "{operation}: still rate limited (HTTP 429) after {attempts} attempt(s)"
                )?;
                if let Some(wait) = retry_after {
                    write!(f, "; the service asked to wait {}s", wait.as_secs())?;
                }
                Ok(())
            }
            Error::Api(api) => api.fmt(f),
            Error::Decode { operation, status, message, .. } => {
                let status = status.as_u16();
                write!(f, "{operation}: HTTP {status} body does not match the model: {message}")
            }
            Error::Auth(error) => write!(f, "authentication failed: {error}"),
            Error::Config(message) => write!(f, "invalid configuration: {message}"),
            Error::InvalidRequest(invalid) => invalid.fmt(f),
            Error::Io { operation, source } => {
                write!(f, "{operation}: cannot write the download: {source}")
            }
            Error::NonAdvancingNextLink { operation } => {
                write!(f, "{operation}: the service returned the same next link twice")
            }
            Error::ResponseTooLarge { operation, limit } => {
                write!(
                    f,
                    "{operation}: the response body is larger than the limit of {limit} bytes"
                )
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source, .. } => Some(source),
            Error::Auth(error) => Some(error),
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A call whose input cannot be sent as given: which operation, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InvalidRequest {
    /// The operation, by spec name.
    pub operation: &'static str,
    /// What is wrong, in a sentence (never a secret: ids and parameter names only).
    pub message: String,
}

impl InvalidRequest {
    #[doc(hidden)]
    pub fn new(operation: &'static str, message: impl Into<String>) -> Self {
        Self { operation, message: message.into() }
    }
}

impl fmt::Display for InvalidRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: invalid request: {}", self.operation, self.message)
    }
}

impl std::error::Error for InvalidRequest {}

impl From<InvalidRequest> for Error {
    fn from(invalid: InvalidRequest) -> Self {
        Error::InvalidRequest(invalid)
    }
}

impl From<AuthError> for Error {
    fn from(error: AuthError) -> Self {
        Error::Auth(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_hide_url_query_strings() {
        let body = br#"{"value": "\"https://h.example/f.zip?sv=1&sig=SECRET\"", "next": "https://a.example/p?x=1 tail"}"#;
        let text = snippet(body);
        assert!(!text.contains("SECRET") && !text.contains("x=1"), "{text}");
        assert!(text.contains("https://h.example/f.zip?<redacted>"), "{text}");
        assert!(text.contains("https://a.example/p?<redacted> tail"), "{text}");
    }
}
