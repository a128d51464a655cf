//! The HTTP core every generated method goes through: endpoint and credential, per-request
//! timeout, rate budget, retries that never replay a request the service may have processed,
//! error decoding and tracing.

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use ::http::StatusCode;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER, USER_AGENT,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use crate::auth::{BoxFuture, Secret, StaticToken, TokenCredential, TokenRequest};
use crate::body::{BodyError, ERROR_BODY_LIMIT, Overflow, read_body, stream_of};
use crate::budget::RateBudget;
use crate::error::{ApiError, Error, InvalidRequest, snippet};
use crate::operation::Operation;
use crate::response::Response;
use crate::retry::{RetryPolicy, parse_retry_after};

/// Where the API lives and how tokens for it are obtained: what a cloud of the generated
/// `Cloud` table stands for, or a custom one.
///
/// ```
/// use mde_runtime::Endpoint;
///
/// let endpoint = Endpoint::new(
///     "https://api.security.microsoft.com/",
///     "https://login.microsoftonline.com",
///     "https://api.securitycenter.microsoft.com/.default",
/// );
/// assert_eq!(endpoint.base_url(), "https://api.security.microsoft.com");
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endpoint {
    base_url: String,
    authority: String,
    scope: String,
}

impl fmt::Debug for Endpoint {
    /// The URLs without user-info and query.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("base_url", &crate::redact::endpoint(&self.base_url))
            .field("authority", &crate::redact::endpoint(&self.authority))
            .field("scope", &self.scope)
            .finish()
    }
}

impl Endpoint {
    /// An endpoint from its API base URL (a trailing slash is dropped), sign-in authority and
    /// token scope.
    pub fn new(
        base_url: impl Into<String>,
        authority: impl Into<String>,
        scope: impl Into<String>,
    ) -> Self {
        Self { base_url: String::new(), authority: String::new(), scope: scope.into() }
            .with_base_url(base_url)
            .with_authority(authority)
    }

    /// API base URL, without a trailing slash (e.g. `https://api.security.microsoft.com`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Sign-in authority (e.g. `https://login.microsoftonline.com`).
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// OAuth2 scope of the tokens (e.g. `https://api.securitycenter.microsoft.com/.default`).
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The same endpoint with another API base URL.
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into().trim_end_matches('/').to_owned();
        self
    }

    /// The same endpoint with another sign-in authority.
    #[must_use]
    pub fn with_authority(mut self, authority: impl Into<String>) -> Self {
        self.authority = authority.into().trim_end_matches('/').to_owned();
        self
    }

    /// The same endpoint with another token scope.
    #[must_use]
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }
}

/// Implemented by generated clients so the builder can produce them.
pub trait FromCore {
    /// The default `User-Agent` of the client: its crate's name and version.
    const USER_AGENT: &'static str;

    /// Wraps a configured core.
    fn from_core(core: Core) -> Self;
}

/// The configured HTTP machinery shared by every clone of a client.
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// The pool downloads go through: built with the download timeouts (the same as `http`
    /// when the user supplied their own client).
    download_http: reqwest::Client,
    endpoint: Endpoint,
    /// The endpoint's base URL, parsed once: request URLs are built on it.
    base: reqwest::Url,
    credential: Arc<dyn TokenCredential>,
    timeout: Option<Duration>,
    max_response_bytes: usize,
    user_agent: HeaderValue,
    /// The `Authorization` header of the last token sent, kept while the credential hands out
    /// the same token, so that a call does not write and check the header again.
    authorization: Mutex<Option<(Secret, HeaderValue)>>,
    retry: RetryPolicy,
    budget: RateBudget,
}

impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Core")
            .field("endpoint", &self.inner.endpoint)
            .field("credential", &self.inner.credential)
            .field("timeout", &self.inner.timeout)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .field("retry", &self.inner.retry)
            .field("rate_budget", &self.inner.budget.is_enabled())
            .finish_non_exhaustive()
    }
}

/// Builds a client: endpoint (a cloud, or a custom base URL), credential, HTTP client,
/// timeouts, user agent, retry policy and rate budget.
///
/// Got from the generated `Client::builder()`; every setting has a default but the
/// credential.
#[must_use = "a builder does nothing until `.build()`"]
pub struct ClientBuilder<C> {
    endpoint: Endpoint,
    credential: Option<Arc<dyn TokenCredential>>,
    http: Option<reqwest::Client>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    download_idle_timeout: Option<Duration>,
    download_timeout: Option<Duration>,
    max_response_bytes: usize,
    user_agent: String,
    retry: RetryPolicy,
    budget: RateBudget,
    client: PhantomData<fn() -> C>,
}

/// Default for [`ClientBuilder::download_idle_timeout`]: 30 s without a byte.
const DEFAULT_DOWNLOAD_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Default for [`ClientBuilder::download_timeout`]: 30 minutes for a whole download.
const DEFAULT_DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(30 * 60);

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("credential", &self.credential)
            .field("timeout", &self.timeout)
            .field("download_idle_timeout", &self.download_idle_timeout)
            .field("download_timeout", &self.download_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl<C: FromCore> ClientBuilder<C> {
    /// A builder for `endpoint` with the defaults: 10 s connect timeout, 60 s per-request
    /// timeout, downloads ended after 30 s without a byte or 30 minutes in all, responses of at
    /// most 64 MiB, [`RetryPolicy::default`], [`RateBudget::documented`].
    #[doc(hidden)]
    pub fn new(endpoint: impl Into<Endpoint>) -> Self {
        Self {
            endpoint: endpoint.into(),
            credential: None,
            http: None,
            connect_timeout: Some(Duration::from_secs(10)),
            timeout: Some(Duration::from_secs(60)),
            download_idle_timeout: Some(DEFAULT_DOWNLOAD_IDLE_TIMEOUT),
            download_timeout: Some(DEFAULT_DOWNLOAD_TIMEOUT),
            max_response_bytes: crate::body::DEFAULT_MAX_RESPONSE_BYTES,
            user_agent: C::USER_AGENT.to_owned(),
            retry: RetryPolicy::default(),
            budget: RateBudget::documented(),
            client: PhantomData,
        }
    }

    /// Uses a cloud or region from the generated table (API host, authority and scope
    /// together).
    pub fn cloud(mut self, cloud: impl Into<Endpoint>) -> Self {
        self.endpoint = cloud.into();
        self
    }

    /// Sends requests to a custom base URL (a proxy, a simulator, a test server), keeping the
    /// authority and scope of the current cloud.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint = self.endpoint.with_base_url(url);
        self
    }

    /// Overrides the sign-in authority.
    pub fn authority(mut self, authority: impl Into<String>) -> Self {
        self.endpoint = self.endpoint.with_authority(authority);
        self
    }

    /// Overrides the token scope (needed where the docs do not state it, e.g. some government
    /// clouds).
    pub fn token_scope(mut self, scope: impl Into<String>) -> Self {
        self.endpoint = self.endpoint.with_scope(scope);
        self
    }

    /// The credential that provides bearer tokens.
    pub fn credential(mut self, credential: impl TokenCredential + 'static) -> Self {
        self.credential = Some(Arc::new(credential));
        self
    }

    /// A shared credential.
    pub fn shared_credential(mut self, credential: Arc<dyn TokenCredential>) -> Self {
        self.credential = Some(credential);
        self
    }

    /// Shorthand for `credential(StaticToken::new(token))`.
    pub fn bearer_token(self, token: impl Into<Secret>) -> Self {
        self.credential(StaticToken::new(token))
    }

    /// Uses an existing `reqwest::Client` (its connection pool, proxy and TLS settings).
    ///
    /// Some settings then are that client's, not this builder's: its connect timeout; the
    /// timeouts of downloads ([`download_idle_timeout`](Self::download_idle_timeout) and
    /// [`download_timeout`](Self::download_timeout) apply only to the client this builder
    /// creates: build yours with `read_timeout` and `timeout` for the same protection); and its
    /// redirect policy. Whatever that policy, the bearer token never reaches another host
    /// (reqwest drops `Authorization` on a redirect to another host, port or scheme) and the
    /// client secret is never posted again (the token request's body cannot be replayed), but
    /// only the client this builder creates refuses cross-origin redirects outright: build
    /// yours with `reqwest::redirect::Policy::none()` to match. Its TLS backend is yours too,
    /// not the one this crate's features select; with the `rustls-ring` feature alone, reqwest
    /// has no crypto provider of its own, so give yours a TLS configuration
    /// (`tls_backend_preconfigured`) or install one as rustls' process default first.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Connect timeout of the client this builder creates (`None`: no limit).
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Limit on each request, from sending to the end of the body (`None`: no limit).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long a download may go without receiving a byte (waiting for the answer, or
    /// between two reads of its body) before it ends with [`Error::Timeout`] (default 30 s;
    /// `None`: no limit). Applies to the HTTP client this builder creates.
    pub fn download_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.download_idle_timeout = timeout;
        self
    }

    /// Limit on a whole download, from sending its request to the last byte, after which it
    /// ends with [`Error::Timeout`] (default 30 minutes, a 1.8 GB file at 1 MB/s; `None`: no
    /// limit). Applies to the HTTP client this builder creates.
    pub fn download_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.download_timeout = timeout;
        self
    }

    /// Largest response body read into memory: API answers, token answers (for credentials
    /// that use the client's pool) and error bodies (default 64 MiB, at least 1 byte).
    ///
    /// The largest documented answer, a listing page of 10,000 actions, is about 7 MB; the
    /// default leaves nine times that. A success body over the limit ends the call with
    /// [`Error::ResponseTooLarge`] as soon as the limit is passed (at once when
    /// `Content-Length` announces it), without reading the rest; an error body is cut to its
    /// first 64 KiB. Downloads are streamed to their writer and have no limit.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit.max(1);
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// How failed calls are retried.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How calls are paced under the documented quotas.
    pub fn rate_budget(mut self, budget: RateBudget) -> Self {
        self.budget = budget;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<C, Error> {
        let credential = self.credential.ok_or_else(|| {
            Error::Config("no credential: call `.credential(...)` or `.bearer_token(...)`".into())
        })?;
        let base = check_base_url(&self.endpoint.base_url)?;
        let user_agent = HeaderValue::try_from(&self.user_agent).map_err(|_| {
            Error::Config(format!("user agent `{}` is not a valid header value", self.user_agent))
        })?;
        let (http, download_http) = match self.http {
            Some(http) => (http.clone(), http),
            None => {
                let pool = || {
                    let mut builder = crate::tls::apply(
                        reqwest::Client::builder().redirect(crate::redirect::same_origin_only()),
                    )?;
                    if let Some(timeout) = self.connect_timeout {
                        builder = builder.connect_timeout(timeout);
                    }
                    Ok::<_, Error>(builder)
                };
                let mut downloads = pool()?;
                if let Some(timeout) = self.download_idle_timeout {
                    downloads = downloads.read_timeout(timeout);
                }
                if let Some(timeout) = self.download_timeout {
                    downloads = downloads.timeout(timeout);
                }
                let failed = |e: reqwest::Error| {
                    Error::Config(format!("cannot build the HTTP client: {}", e.without_url()))
                };
                (pool()?.build().map_err(failed)?, downloads.build().map_err(failed)?)
            }
        };
        let inner = Inner {
            http,
            download_http,
            endpoint: self.endpoint,
            base,
            credential,
            timeout: self.timeout,
            max_response_bytes: self.max_response_bytes,
            user_agent,
            authorization: Mutex::new(None),
            retry: self.retry,
            budget: self.budget,
        };
        Ok(C::from_core(Core { inner: Arc::new(inner) }))
    }
}

/// The base URL, parsed; bearer tokens only travel over https, except to this machine.
fn check_base_url(base_url: &str) -> Result<reqwest::Url, Error> {
    if base_url.is_empty() {
        return Err(Error::Config("no base URL: call `.cloud(..)` or `.base_url(..)`".into()));
    }
    let url = reqwest::Url::parse(base_url).map_err(|e| {
        let shown = crate::redact::endpoint(base_url);
        Error::Config(format!("base URL `{shown}` is not a URL: {e}"))
    })?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(Error::Config(format!(
            "refusing to send a bearer token over plain http to `{}`; use https (plain http is allowed only for loopback hosts)",
            url.host_str().unwrap_or_default()
        ))),
        other => Err(Error::Config(format!("unsupported URL scheme `{other}`"))),
    }
}

/// True for `localhost` and loopback addresses: the only hosts secrets may reach over plain
/// http.
pub(super) fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Characters kept as they are in a query value's base set: RFC 3986 unreserved.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Characters kept as they are in a path segment: RFC 3986 unreserved, and `:`, which a
/// segment may hold as it is (`pchar`). Timestamps inside OData function calls are sent the
/// way the docs write them (`findbyip(ip='10.0.0.1',timestamp=2019-09-22T08:44:05Z)`).
const SEGMENT: &AsciiSet = &UNRESERVED.remove(b':');

/// Characters escaped in a query value: everything but unreserved, the sub-delimiters OData
/// uses (`'`, `(`, `)`, `,`), `:`, `@`, `/`, `$` and `?`.
const QUERY: &AsciiSet = &UNRESERVED
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b',')
    .remove(b':')
    .remove(b'@')
    .remove(b'/')
    .remove(b'$')
    .remove(b'?');

/// Appends `value` to `path` as exactly one percent-encoded path segment.
pub fn push_segment(path: &mut String, value: &str) {
    path.extend(utf8_percent_encode(value, SEGMENT));
}

/// One call to make: an operation, its expanded path, its query and its JSON body.
#[derive(Debug, Clone)]
pub struct Request {
    operation: &'static Operation,
    path: String,
    ids: Vec<(&'static str, String)>,
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    url: Option<String>,
}

impl Request {
    /// A request for `operation` at `path` (already expanded and encoded).
    pub fn new(operation: &'static Operation, path: String) -> Self {
        Self { operation, path, ids: Vec::new(), query: Vec::new(), body: None, url: None }
    }

    /// The operation.
    pub fn operation(&self) -> &'static Operation {
        self.operation
    }

    /// Names a path parameter's value (an id) for the call's tracing span.
    #[must_use]
    pub fn id(mut self, name: &'static str, value: impl ToString) -> Self {
        self.ids.push((name, value.to_string()));
        self
    }

    /// Adds a query parameter.
    #[must_use]
    pub fn query(mut self, key: &'static str, value: impl ToString) -> Self {
        self.set_query(key, value.to_string());
        self
    }

    /// Sets (or replaces) a query parameter.
    pub fn set_query(&mut self, key: &'static str, value: String) {
        match self.query.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.query.push((key, value)),
        }
    }

    /// The value of a query parameter.
    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str())
    }

    /// Sets the JSON body.
    pub fn json<T: Serialize + ?Sized>(self, body: &T) -> Result<Self, Error> {
        // Only the serialization is generic; the rest is compiled once, here.
        self.with_json_body(serde_json::to_vec(body))
    }

    fn with_json_body(mut self, bytes: Result<Vec<u8>, serde_json::Error>) -> Result<Self, Error> {
        let bytes = bytes.map_err(|e| {
            Error::from(InvalidRequest::new(
                self.operation.name,
                format!("cannot serialize the body: {e}"),
            ))
        })?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Sends the request to an absolute URL instead (a next link), which must be on the
    /// client's host.
    #[must_use]
    pub fn with_url(mut self, url: String) -> Self {
        self.url = Some(url);
        self
    }

    /// The URL to send to: the path and query on `base` (whose own path, if any, is kept in
    /// front), or the next link, checked to be on `base`'s origin. Only the new parts are
    /// parsed; the scheme and host are `base`'s, parsed once when the client was built.
    fn url(&self, base: &reqwest::Url) -> Result<reqwest::Url, Error> {
        if let Some(url) = &self.url {
            return same_origin(base, url, self.operation.name);
        }
        // Templates never contain empty or dot segments, so these came from a parameter; URL
        // parsing would resolve them and send the request somewhere else.
        if self.path.split('/').skip(1).any(|segment| matches!(segment, "" | "." | "..")) {
            return Err(InvalidRequest::new(
                self.operation.name,
                "a path parameter cannot be empty, `.` or `..`",
            )
            .into());
        }
        let mut url = base.clone();
        match base.path().trim_end_matches('/') {
            "" => url.set_path(&self.path),
            prefix => url.set_path(&format!("{prefix}{}", self.path)),
        }
        let mut query = String::new();
        for (i, (key, value)) in self.query.iter().enumerate() {
            if i > 0 {
                query.push('&');
            }
            query.push_str(key);
            query.push('=');
            query.extend(utf8_percent_encode(value, QUERY));
        }
        url.set_query((!query.is_empty()).then_some(query.as_str()));
        Ok(url)
    }
}

/// Parses `url`, refusing it unless it is on the same scheme, host and port as `base`, so
/// the bearer token never leaves for another host.
fn same_origin(
    base: &reqwest::Url,
    url: &str,
    operation: &'static str,
) -> Result<reqwest::Url, Error> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| InvalidRequest::new(operation, format!("next link is not a URL: {e}")))?;
    if parsed.origin() == base.origin() {
        Ok(parsed)
    } else {
        Err(InvalidRequest::new(
            operation,
            format!(
                "refusing to follow a next link to another host ({})",
                parsed.host_str().unwrap_or_default()
            ),
        )
        .into())
    }
}

/// A successful answer as it came: status, headers and body.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// Decodes the body as `T`, or explains (with a bounded snippet) why it does not fit.
    pub fn decode<T: DeserializeOwned>(
        self,
        operation: &'static Operation,
    ) -> Result<Response<T>, Error> {
        match serde_json::from_slice(&self.body) {
            Ok(value) => Ok(Response::new(self.status, self.headers, value)),
            Err(e) => Err(Error::Decode {
                operation: operation.name,
                status: self.status,
                message: crate::redact::decode_message(&e, &self.body),
                snippet: snippet(&self.body),
            }),
        }
    }
}

impl Core {
    /// The endpoint in use.
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoint
    }

    /// The HTTP connection pool for downloads (built with the download timeouts). Requests
    /// made on it directly carry no token.
    #[allow(clippy::misnamed_getters)] // `http` is the name generated code calls.
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.download_http
    }

    /// Largest response body read into memory.
    pub fn max_response_bytes(&self) -> usize {
        self.inner.max_response_bytes
    }

    /// The rate budget shared by every clone of this client.
    pub fn rate_budget(&self) -> &RateBudget {
        &self.inner.budget
    }

    /// Sends `request` and decodes the answer as `T`.
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> Result<Response<T>, Error> {
        let operation = request.operation;
        self.send_boxed(request).await?.decode(operation)
    }

    /// [`send`](Self::send) behind a box, so that callers generic over the answer's type (and
    /// the crates they are instantiated in) do not compile the whole exchange again.
    pub fn send_boxed(&self, request: Request) -> BoxFuture<'_, Result<RawResponse, Error>> {
        Box::pin(self.send(request))
    }

    /// Sends `request` with retries as the policy and the operation's retry safety allow.
    ///
    /// A request is sent again only when the service provably did not act on it: after a 429,
    /// after a 401 (once, with a fresh token), or when the connection failed before the request
    /// was written. Retry-safe operations (reads) are also retried after a 5xx, a timeout or a
    /// broken response.
    pub async fn send(&self, request: Request) -> Result<RawResponse, Error> {
        let operation = request.operation;
        let span = tracing::info_span!(
            "mde_request",
            operation = operation.name,
            ids = tracing::field::Empty,
            path = %request.path,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            correlation_id = tracing::field::Empty,
        );
        // The ids are written out only for a subscriber that records the span.
        if !span.is_disabled() {
            let ids: Vec<String> =
                request.ids.iter().map(|(name, value)| format!("{name}={value}")).collect();
            span.record("ids", tracing::field::display(ids.join(" ")));
        }
        async move {
            let result = self.send_with_retries(&request).await;
            match &result {
                Ok(response) => {
                    tracing::debug!(status = response.status.as_u16(), "call succeeded")
                }
                Err(error) => tracing::debug!(%error, "call failed"),
            }
            result
        }
        .instrument(span)
        .await
    }

    async fn send_with_retries(&self, request: &Request) -> Result<RawResponse, Error> {
        let operation = request.operation;
        let url = request.url(&self.inner.base)?;
        let policy = self.inner.retry;
        let mut attempt = 0u32;
        let mut refreshed = false;
        let mut rejected: Option<Secret> = None;
        loop {
            attempt += 1;
            tracing::Span::current().record("attempts", attempt);
            self.inner.budget.acquire(operation).await;
            let outcome = self.attempt(request, &url, rejected.take()).await;
            let retry_after = match outcome {
                Attempt::Done(result) => return result,
                Attempt::Unauthorized(_, token) if !refreshed => {
                    (refreshed, rejected) = (true, Some(token));
                    tracing::info!("HTTP 401: retrying once with a fresh token");
                    continue;
                }
                Attempt::Unauthorized(api, _) => return Err(Error::Api(api)),
                Attempt::RateLimited(api) => {
                    if let Some(wait) = api.retry_after {
                        // Every clone of the client holds this operation back as asked.
                        self.inner.budget.pause(operation, wait);
                    }
                    let wait = api.retry_after.unwrap_or_else(|| policy.backoff(attempt));
                    if attempt >= policy.max_attempts || wait > policy.max_retry_after {
                        let retry_after = api.retry_after;
                        return Err(Error::RateLimited {
                            operation: operation.name,
                            retry_after,
                            attempts: attempt,
                            api,
                        });
                    }
                    wait
                }
                Attempt::Retryable(error, retry_after) => {
                    let too_long = retry_after.is_some_and(|wait| wait > policy.max_retry_after);
                    if attempt >= policy.max_attempts || too_long {
                        return Err(error);
                    }
                    retry_after.unwrap_or_else(|| policy.backoff(attempt))
                }
            };
            tracing::warn!(attempt, wait_ms = retry_after.as_millis() as u64, "retrying");
            tokio::time::sleep(retry_after).await;
        }
    }

    /// One attempt, classified. `rejected` is the token the service refused last time, if any.
    async fn attempt(
        &self,
        request: &Request,
        url: &reqwest::Url,
        rejected: Option<Secret>,
    ) -> Attempt {
        let operation = request.operation;
        let token = match self.token(rejected.as_ref()).await {
            Ok(token) => token,
            Err(error) => return Attempt::Done(Err(error)),
        };
        let authorization = match self.authorization(&token) {
            Ok(header) => header,
            Err(error) => return Attempt::Done(Err(error)),
        };
        let mut builder = self
            .inner
            .http
            .request(operation.verb.to_method(), url.clone())
            .header(AUTHORIZATION, authorization)
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, self.inner.user_agent.clone());
        if let Some(timeout) = self.inner.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(body) = &request.body {
            builder = builder.header(CONTENT_TYPE, "application/json").body(body.clone());
        }
        let response = match builder.send().await {
            Ok(response) => response,
            Err(error) => return classify_send_error(operation, error),
        };
        let mut response = response;
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        record_correlation(&headers, None);
        tracing::Span::current().record("status", status.as_u16());
        let success = operation.success.contains(&status.as_u16());
        let (limit, overflow) = if success {
            (self.inner.max_response_bytes, Overflow::Fail)
        } else {
            (self.inner.max_response_bytes.min(ERROR_BODY_LIMIT), Overflow::Truncate)
        };
        let (announced, stream) = stream_of(response);
        let body = match read_body(stream, announced, limit, overflow).await {
            Ok(body) => body,
            Err(BodyError::TooLarge) => {
                tracing::warn!(limit, "response body over the size limit; not read further");
                return Attempt::Done(Err(Error::ResponseTooLarge {
                    operation: operation.name,
                    limit,
                }));
            }
            Err(BodyError::Read(error)) => {
                // The service answered, so it acted on the request: only reads are retried.
                let error = transport_error(operation.name, error);
                return if operation.retry_safe {
                    Attempt::Retryable(error, None)
                } else {
                    Attempt::Done(Err(error))
                };
            }
        };
        if success {
            return Attempt::Done(Ok(RawResponse { status, headers, body }));
        }
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let mut api = ApiError::from_body(operation.name, status, &body, retry_after);
        api.request_id = request_id(&headers).map(str::to_owned);
        if status.is_redirection() {
            let host = crate::redirect::location_host(&headers, url);
            api.message = Some(format!(
                "redirected to {host}; not followed (redirects are followed only within the API's origin)"
            ));
        }
        let api = Box::new(api);
        record_correlation(&headers, api.target.as_deref());
        match status.as_u16() {
            401 => Attempt::Unauthorized(api, token),
            429 => Attempt::RateLimited(api),
            500..=599 if operation.retry_safe => Attempt::Retryable(Error::Api(api), retry_after),
            _ => Attempt::Done(Err(Error::Api(api))),
        }
    }

    /// The `Authorization` header for `token` (marked sensitive, so that it is never printed),
    /// written once per token.
    fn authorization(&self, token: &Secret) -> Result<HeaderValue, Error> {
        let mut cached = self.inner.authorization.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((secret, header)) = cached.as_ref()
            && secret == token
        {
            return Ok(header.clone());
        }
        let mut header = HeaderValue::try_from(format!("Bearer {}", token.expose()))
            .map_err(|_| Error::Config("the access token is not a valid header value".into()))?;
        header.set_sensitive(true);
        *cached = Some((token.clone(), header.clone()));
        Ok(header)
    }

    async fn token(&self, rejected: Option<&Secret>) -> Result<Secret, Error> {
        let endpoint = &self.inner.endpoint;
        let request = TokenRequest {
            scope: &endpoint.scope,
            authority: &endpoint.authority,
            http: &self.inner.http,
            rejected,
            max_response_bytes: self.inner.max_response_bytes,
        };
        Ok(self.inner.credential.get_token(request).await?.token)
    }
}

/// What one attempt came to.
enum Attempt {
    /// Finished: success, or a failure not worth retrying.
    Done(Result<RawResponse, Error>),
    /// HTTP 401, and the token that was refused.
    Unauthorized(Box<ApiError>, Secret),
    /// HTTP 429.
    RateLimited(Box<ApiError>),
    /// A failure that may be retried, with the wait the service asked for.
    Retryable(Error, Option<Duration>),
}

/// A connection that failed before the request was written is always safe to retry; a timeout
/// or a broken exchange is retried only for reads.
fn classify_send_error(operation: &'static Operation, error: reqwest::Error) -> Attempt {
    let not_sent = error.is_connect();
    let error = transport_error(operation.name, error);
    if not_sent || operation.retry_safe {
        Attempt::Retryable(error, None)
    } else {
        Attempt::Done(Err(error))
    }
}

/// A reqwest failure as [`Error::Timeout`] or [`Error::Transport`], without its URL (a download
/// URL carries a signature).
pub(super) fn transport_error(operation: &'static str, error: reqwest::Error) -> Error {
    if error.is_timeout() {
        return Error::Timeout { operation };
    }
    Error::Transport { operation, source: error.without_url() }
}

/// The headers that carry the service's per-request id, in order of preference.
pub(crate) const REQUEST_ID_HEADERS: [&str; 3] =
    ["request-id", "x-ms-request-id", "client-request-id"];

/// The service's per-request id, from the first of [`REQUEST_ID_HEADERS`] it sent.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<&str> {
    REQUEST_ID_HEADERS.iter().find_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
}

/// Notes the service's correlation id on the current span (looked up only for a span that a
/// subscriber records).
fn record_correlation(headers: &HeaderMap, target: Option<&str>) {
    let span = tracing::Span::current();
    if span.is_disabled() {
        return;
    }
    if let Some(id) = target.or_else(|| request_id(headers)) {
        span.record("correlation_id", id);
    }
}
