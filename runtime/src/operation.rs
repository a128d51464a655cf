//! [`Operation`]: what the spec says about one method, as constants the generated client passes
//! to the runtime (verb, path template, success statuses, retry safety, quotas, permissions).

use std::time::Duration;

/// An HTTP verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Verb {
    /// The method for reqwest.
    pub fn to_method(self) -> reqwest::Method {
        match self {
            Verb::Get => reqwest::Method::GET,
            Verb::Post => reqwest::Method::POST,
            Verb::Put => reqwest::Method::PUT,
            Verb::Patch => reqwest::Method::PATCH,
            Verb::Delete => reqwest::Method::DELETE,
        }
    }
}

/// A documented quota: at most `calls` requests per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub calls: u32,
    /// Window length.
    pub per: Duration,
}

/// Everything the spec says about one method that matters at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The method's name in the spec (camelCase), used in logs and errors.
    pub name: &'static str,
    /// HTTP verb.
    pub verb: Verb,
    /// The documented path template.
    pub path: &'static str,
    /// Statuses that mean success.
    pub success: &'static [u16],
    /// Sending the request twice cannot do anything twice (reads).
    pub retry_safe: bool,
    /// Documented quotas; the client's rate budget keeps under them.
    pub rate_limits: &'static [RateLimit],
    /// Application permissions, any one of which suffices.
    pub application_permissions: &'static [&'static str],
    /// Delegated permissions, any one of which suffices.
    pub delegated_permissions: &'static [&'static str],
    /// Microsoft Learn page.
    pub docs_url: &'static str,
}
