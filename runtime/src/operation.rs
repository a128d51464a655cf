//! [`Operation`]: what the spec says about one method, as constants the generated client passes
//! to the runtime (verb, path template, success statuses, retry safety, quotas, permissions).

use std::time::Duration;

/// An HTTP verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
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
#[non_exhaustive]
pub struct RateLimit {
    /// Requests allowed per window.
    pub calls: u32,
    /// Window length.
    pub per: Duration,
}

/// Everything the spec says about one method that matters at run time.
///
/// The generated `operations` module holds one per operation; read them, for example to list
/// the permissions an app registration needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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

impl RateLimit {
    /// At most `calls` requests per `per`.
    #[doc(hidden)]
    pub const fn new(calls: u32, per: Duration) -> Self {
        Self { calls, per }
    }
}

impl Operation {
    /// An operation with no success status, quota, permission or docs link yet, not retry-safe;
    /// the `const` setters below fill them in (generated code builds its constants so).
    #[doc(hidden)]
    pub const fn new(name: &'static str, verb: Verb, path: &'static str) -> Self {
        Self {
            name,
            verb,
            path,
            success: &[],
            retry_safe: false,
            rate_limits: &[],
            application_permissions: &[],
            delegated_permissions: &[],
            docs_url: "",
        }
    }

    /// Sets the success statuses.
    #[doc(hidden)]
    #[must_use]
    pub const fn with_success(mut self, success: &'static [u16]) -> Self {
        self.success = success;
        self
    }

    /// Sets the retry safety.
    #[doc(hidden)]
    #[must_use]
    pub const fn with_retry_safe(mut self, retry_safe: bool) -> Self {
        self.retry_safe = retry_safe;
        self
    }

    /// Sets the documented quotas.
    #[doc(hidden)]
    #[must_use]
    pub const fn with_rate_limits(mut self, rate_limits: &'static [RateLimit]) -> Self {
        self.rate_limits = rate_limits;
        self
    }

    /// Sets the application and delegated permissions.
    #[doc(hidden)]
    #[must_use]
    pub const fn with_permissions(
        mut self,
        application: &'static [&'static str],
        delegated: &'static [&'static str],
    ) -> Self {
        self.application_permissions = application;
        self.delegated_permissions = delegated;
        self
    }

    /// Sets the docs link.
    #[doc(hidden)]
    #[must_use]
    pub const fn with_docs_url(mut self, docs_url: &'static str) -> Self {
        self.docs_url = docs_url;
        self
    }

    /// The same operation under another name and path (tests of routing and paging).
    #[doc(hidden)]
    #[must_use]
    pub const fn with_name_and_path(mut self, name: &'static str, path: &'static str) -> Self {
        self.name = name;
        self.path = path;
        self
    }
}
