//! Authentication: the [`TokenCredential`] trait every credential implements, [`StaticToken`],
//! the simplest one, and [`ClientSecretCredential`], the OAuth2 client-credentials flow against
//! Microsoft Entra ID.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tokio::sync::Mutex;

use ::http::StatusCode;

use crate::body::{BodyError, ERROR_BODY_LIMIT, Overflow, read_body, stream_of};
use crate::http::{is_loopback, push_segment};

/// A boxed, sendable future (what [`TokenCredential::get_token`] returns).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A string that must not be seen: `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// A bearer token and when it stops working.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AccessToken {
    /// The token.
    pub token: Secret,
    /// When it expires, if known.
    pub expires_at: Option<SystemTime>,
}

/// What a credential is asked for.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct TokenRequest<'a> {
    /// OAuth2 scope, e.g. `https://api.securitycenter.microsoft.com/.default`.
    pub scope: &'a str,
    /// Sign-in authority of the cloud, e.g. `https://login.microsoftonline.com`.
    pub authority: &'a str,
    /// The client's HTTP connection pool, for credentials that call a token endpoint.
    pub http: &'a reqwest::Client,
    /// The token the service just refused (HTTP 401): do not answer with it again. Concurrent
    /// callers refused the same token share one refresh: whoever comes second finds a different
    /// token in the cache.
    pub rejected: Option<&'a Secret>,
    /// Largest answer a credential should read into memory (the client's
    /// `max_response_bytes`, 64 MiB by default).
    pub max_response_bytes: usize,
}

impl AccessToken {
    /// A token and, if known, when it expires (a credential caches it until shortly before).
    pub fn new(token: impl Into<Secret>, expires_at: Option<SystemTime>) -> Self {
        Self { token: token.into(), expires_at }
    }
}

impl<'a> TokenRequest<'a> {
    /// A request for a token of `scope` from `authority`, made with the client's pool `http`.
    pub fn new(scope: &'a str, authority: &'a str, http: &'a reqwest::Client) -> Self {
        Self {
            scope,
            authority,
            http,
            rejected: None,
            max_response_bytes: crate::body::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// The same request, with another limit on the answer's size.
    #[must_use]
    pub fn with_max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit.max(1);
        self
    }

    /// The same request, saying which token the service just refused.
    #[must_use]
    pub fn with_rejected(mut self, rejected: Option<&'a Secret>) -> Self {
        self.rejected = rejected;
        self
    }
}

/// Why no token could be obtained. Never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthError {
    /// What went wrong.
    pub message: String,
    /// HTTP status of the token endpoint's answer, if it answered.
    pub status: Option<StatusCode>,
}

impl AuthError {
    /// An error with a message and no status. The message goes through the redaction rule
    /// (URL queries and user-info, bearer tokens and credential-like values are removed).
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: crate::redact::redact(&message.into()), status: None }
    }

    /// The same error, with the HTTP status the token service answered with.
    #[must_use]
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {})", status.as_u16())?;
        }
        Ok(())
    }
}

impl std::error::Error for AuthError {}

/// Something that produces bearer tokens for the API.
///
/// Implementations cache as they see fit; the client asks before every request and once more,
/// naming the refused token in `rejected`, after a 401.
pub trait TokenCredential: Send + Sync + fmt::Debug {
    /// A token for `request.scope`.
    fn get_token<'a>(
        &'a self,
        request: TokenRequest<'a>,
    ) -> BoxFuture<'a, Result<AccessToken, AuthError>>;
}

/// A fixed token obtained elsewhere (tests, short scripts, tokens from `az account
/// get-access-token`).
#[derive(Debug, Clone)]
pub struct StaticToken(Secret);

impl StaticToken {
    /// Uses `token` for every request.
    pub fn new(token: impl Into<Secret>) -> Self {
        Self(token.into())
    }
}

impl TokenCredential for StaticToken {
    fn get_token<'a>(
        &'a self,
        _request: TokenRequest<'a>,
    ) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(async move { Ok(AccessToken { token: self.0.clone(), expires_at: None }) })
    }
}

/// Characters a form value keeps as they are (`application/x-www-form-urlencoded`, as browsers
/// write it): ASCII letters and digits, `*`, `-`, `.` and `_`.
const FORM: &AsciiSet = &NON_ALPHANUMERIC.remove(b'*').remove(b'-').remove(b'.').remove(b'_');

/// Encodes `pairs` as an `application/x-www-form-urlencoded` body.
fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut body = String::new();
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            body.push('&');
        }
        push_form_value(&mut body, key);
        body.push('=');
        push_form_value(&mut body, value);
    }
    body
}

/// Appends `value` percent-encoded, with spaces written as `+`.
fn push_form_value(out: &mut String, value: &str) {
    for (i, part) in value.split(' ').enumerate() {
        if i > 0 {
            out.push('+');
        }
        out.extend(utf8_percent_encode(part, FORM));
    }
}

/// Reads a token response's `expires_in`: seconds, as a JSON number or a numeric string
/// (Entra ID's v1 endpoint and some proxies send `"3599"`).
fn parse_expires_in(value: &serde_json::Value) -> Option<Duration> {
    let seconds = match value {
        serde_json::Value::Number(number) => number.as_f64()?,
        serde_json::Value::String(text) => text.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(1e12)))
}

/// How long before expiry a cached token is replaced: five minutes, or half the lifetime when
/// that is shorter.
fn refresh_margin(lifetime: Duration) -> Duration {
    const MARGIN: Duration = Duration::from_secs(5 * 60);
    MARGIN.min(lifetime / 2)
}

/// A cached token and when to stop answering with it.
#[derive(Debug, Clone)]
struct CachedToken {
    token: AccessToken,
    refresh_at: SystemTime,
}

/// Cached tokens, by token endpoint and scope.
type TokenCache = BTreeMap<(String, String), CachedToken>;

/// The OAuth2 client-credentials flow against Microsoft Entra ID: an app registration's tenant,
/// client (application) id and client secret.
///
/// Tokens are cached per scope until five minutes before they expire (half their lifetime if
/// that is shorter); concurrent callers wait for one refresh rather than each starting their
/// own. A request naming a [`TokenRequest::rejected`] token fetches a new one unless the cache
/// already holds a different, fresh token (another caller refreshed first). An answer without `expires_in` is used once and not cached.
///
/// The token endpoint is `{authority}/{tenant_id}/oauth2/v2.0/token`, with the authority of the
/// client's cloud; [`token_endpoint`](Self::token_endpoint) overrides it (a test server, a
/// proxy). The secret is sent only over https, or plain http to a loopback host.
///
/// `Debug` shows the tenant and client id, never the secret or a token.
///
/// ```
/// use mde_runtime::ClientSecretCredential;
///
/// let credential = ClientSecretCredential::new(
///     "00000000-0000-0000-0000-000000000001",
///     "00000000-0000-0000-0000-000000000002",
///     "client-secret-value",
/// );
/// assert!(!format!("{credential:?}").contains("client-secret-value"));
/// ```
pub struct ClientSecretCredential {
    tenant_id: String,
    client_id: String,
    client_secret: Secret,
    token_endpoint: Option<String>,
    timeout: Option<Duration>,
    cache: Mutex<TokenCache>,
}

impl fmt::Debug for ClientSecretCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretCredential")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("token_endpoint", &self.token_endpoint.as_deref().map(crate::redact::endpoint))
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ClientSecretCredential {
    /// Environment variable holding the tenant id, read by [`from_env`](Self::from_env).
    pub const TENANT_ID_VAR: &'static str = "AZURE_TENANT_ID";
    /// Environment variable holding the client (application) id.
    pub const CLIENT_ID_VAR: &'static str = "AZURE_CLIENT_ID";
    /// Environment variable holding the client secret.
    pub const CLIENT_SECRET_VAR: &'static str = "AZURE_CLIENT_SECRET";

    /// A credential for the app registration `client_id` in `tenant_id` (a GUID or a domain
    /// such as `contoso.onmicrosoft.com`), authenticating with `client_secret`.
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            token_endpoint: None,
            timeout: Some(Duration::from_secs(30)),
            cache: Mutex::new(BTreeMap::new()),
        }
    }

    /// A credential from the `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET`
    /// environment variables (the names `azure_identity` and the Azure CLI use).
    ///
    /// Fails, naming the variable, when one is unset, empty or not Unicode.
    pub fn from_env() -> Result<Self, AuthError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) with the variables read by `lookup`.
    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, AuthError> {
        let read = |name: &str| {
            lookup(name).filter(|value| !value.trim().is_empty()).ok_or_else(|| {
                AuthError::new(format!(
                    "environment variable {name} is not set, or is empty \
                     (ClientSecretCredential::from_env needs {}, {} and {})",
                    Self::TENANT_ID_VAR,
                    Self::CLIENT_ID_VAR,
                    Self::CLIENT_SECRET_VAR
                ))
            })
        };
        let tenant_id = read(Self::TENANT_ID_VAR)?;
        let client_id = read(Self::CLIENT_ID_VAR)?;
        let client_secret = read(Self::CLIENT_SECRET_VAR)?;
        Ok(Self::new(tenant_id.trim(), client_id.trim(), client_secret))
    }

    /// Sends token requests to `url` instead of `{authority}/{tenant_id}/oauth2/v2.0/token`
    /// (a test server, e.g. `format!("{}/tenant/oauth2/v2.0/token", server.uri())`, or a
    /// proxy). It must be https, or plain http to a loopback host.
    #[must_use]
    pub fn token_endpoint(mut self, url: impl Into<String>) -> Self {
        self.token_endpoint = Some(url.into());
        self
    }

    /// Limit on each token request, from sending to the end of the answer (default 30 s;
    /// `None`: no limit). Callers wait for a refresh in progress, so a hung token endpoint
    /// would otherwise hold up every request.
    #[must_use]
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// The tenant id.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The client (application) id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The token endpoint used for `authority`.
    fn endpoint_for(&self, authority: &str) -> String {
        if let Some(url) = &self.token_endpoint {
            return url.clone();
        }
        let mut url = authority.trim_end_matches('/').to_owned();
        url.push('/');
        push_segment(&mut url, &self.tenant_id);
        url.push_str("/oauth2/v2.0/token");
        url
    }

    /// A token for `request`, from the cache unless it is due for refresh or a refresh was
    /// asked for.
    async fn token(&self, request: TokenRequest<'_>) -> Result<AccessToken, AuthError> {
        let endpoint = self.endpoint_for(request.authority);
        let key = (endpoint, request.scope.to_owned());
        // Held across the fetch: concurrent callers wait here, then find the fresh token.
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.get(&key)
            && SystemTime::now() < cached.refresh_at
            && request.rejected != Some(&cached.token.token)
        {
            return Ok(cached.token.clone());
        }
        let started = SystemTime::now();
        let (token, lifetime) =
            self.fetch(request.http, &key.0, request.scope, request.max_response_bytes).await?;
        let refresh_at =
            lifetime.and_then(|lifetime| started.checked_add(lifetime - refresh_margin(lifetime)));
        match refresh_at {
            Some(refresh_at) => {
                cache.insert(key, CachedToken { token: token.clone(), refresh_at });
            }
            // No lifetime in the answer: nothing to judge freshness by, so nothing is cached.
            None => {
                cache.remove(&key);
            }
        }
        Ok(token)
    }

    /// One token request: the token and its lifetime (`None` if the answer did not say).
    async fn fetch(
        &self,
        http: &reqwest::Client,
        endpoint: &str,
        scope: &str,
        limit: usize,
    ) -> Result<(AccessToken, Option<Duration>), AuthError> {
        let url = check_token_endpoint(endpoint)?;
        let body = form_encode(&[
            ("grant_type", "client_credentials"),
            ("client_id", &self.client_id),
            ("client_secret", self.client_secret.expose()),
            ("scope", scope),
        ]);
        tracing::debug!(
            tenant_id = %self.tenant_id,
            client_id = %self.client_id,
            scope,
            "requesting a token (client credentials)"
        );
        let started = SystemTime::now();
        // A streamed body cannot be replayed, so no HTTP client (whatever its redirect policy)
        // posts the secret again at the location of a 307 or 308; other redirects drop the body.
        let length = body.len();
        let body = bytes::Bytes::from(body);
        let body = reqwest::Body::wrap_stream(futures_util::stream::once(async move {
            Ok::<_, std::io::Error>(body)
        }));
        let mut builder = http
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(reqwest::header::CONTENT_LENGTH, length)
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body);
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        let response = builder.send().await.map_err(|e| self.network_error(e))?;
        let status = response.status();
        // An HTTP client of the user's may have followed a redirect (without the secret: the
        // body cannot be replayed); its answer is not the token endpoint's.
        if response.url().origin() != url.origin() || response.url().path() != url.path() {
            let to = response.url();
            return Err(AuthError {
                message: format!(
                    "{}: the token endpoint redirected to {}://{}; redirects are not followed \
                     (the client secret goes only to the configured endpoint)",
                    self.context(),
                    to.scheme(),
                    to.host_str().unwrap_or_default()
                ),
                status: Some(status),
            });
        }
        if status.is_redirection() {
            let host = crate::redirect::location_host(response.headers(), &url);
            return Err(AuthError {
                message: format!(
                    "{}: the token endpoint redirected to {host}; redirects are not followed \
                     (the client secret goes only to the configured endpoint)",
                    self.context()
                ),
                status: Some(status),
            });
        }
        let (limit, overflow) = if status.is_success() {
            (limit, Overflow::Fail)
        } else {
            (limit.min(ERROR_BODY_LIMIT), Overflow::Truncate)
        };
        let (announced, stream) = stream_of(response);
        let bytes = match read_body(stream, announced, limit, overflow).await {
            Ok(bytes) => bytes,
            Err(BodyError::Read(e)) => return Err(self.network_error(e)),
            Err(BodyError::TooLarge) => {
                return Err(AuthError {
                    message: format!(
                        "{}: the token endpoint's answer is larger than the limit of {limit} bytes",
                        self.context()
                    ),
                    status: Some(status),
                });
            }
        };
        if !status.is_success() {
            return Err(self.rejection(status, &bytes));
        }
        let malformed = |what: &str| AuthError {
            message: format!("{}: the token endpoint's answer {what}", self.context()),
            status: Some(status),
        };
        let answer: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|_| malformed("is not JSON"))?;
        let token = answer
            .get("access_token")
            .and_then(serde_json::Value::as_str)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| malformed("has no `access_token`"))?;
        let lifetime = match answer.get("expires_in") {
            None | Some(serde_json::Value::Null) => None,
            Some(value) => Some(
                parse_expires_in(value)
                    .ok_or_else(|| malformed("has an `expires_in` that is not a number"))?,
            ),
        };
        let expires_at = lifetime.and_then(|lifetime| started.checked_add(lifetime));
        tracing::debug!(
            tenant_id = %self.tenant_id,
            client_id = %self.client_id,
            expires_in_s = lifetime.map(|l| l.as_secs()),
            "token received"
        );
        Ok((AccessToken { token: Secret::new(token), expires_at }, lifetime))
    }

    /// Names the credential in error messages.
    fn context(&self) -> String {
        format!("token request for client {} in tenant {}", self.client_id, self.tenant_id)
    }

    /// A failure to reach the token endpoint or read its answer.
    fn network_error(&self, error: reqwest::Error) -> AuthError {
        if error.is_timeout() {
            let limit = self.timeout.map(|t| format!(" within {t:?}")).unwrap_or_default();
            return AuthError::new(format!(
                "{}: the token endpoint did not answer{limit}",
                self.context()
            ));
        }
        let error = error.without_url();
        let mut message = format!("{}: cannot reach the token endpoint: {error}", self.context());
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        AuthError::new(self.redact(message))
    }

    /// The token endpoint's refusal: its OAuth2 `error` and `error_description` (Entra ID's
    /// `AADSTS…` explanation, with trace and correlation ids).
    fn rejection(&self, status: StatusCode, body: &[u8]) -> AuthError {
        const LIMIT: usize = 1024;
        let answer = serde_json::from_slice::<serde_json::Value>(body).ok();
        let field = |name: &str| {
            answer.as_ref().and_then(|a| a.get(name)).and_then(serde_json::Value::as_str)
        };
        let mut message = format!("{} was refused", self.context());
        match (field("error"), field("error_description")) {
            (None, None) => message.push_str(" (no OAuth2 error in the answer)"),
            (error, description) => {
                if let Some(error) = error {
                    message.push_str(": ");
                    message.push_str(error);
                }
                if let Some(description) = description {
                    let description = description.split_whitespace().collect::<Vec<_>>().join(" ");
                    let mut end = description.len().min(LIMIT);
                    while !description.is_char_boundary(end) {
                        end -= 1;
                    }
                    message.push_str(": ");
                    message.push_str(&description[..end]);
                    if end < description.len() {
                        message.push('…');
                    }
                }
            }
        }
        AuthError { message: self.redact(message), status: Some(status) }
    }

    /// `message` through the redaction rule, with the client secret removed in every
    /// encoding, should an endpoint ever echo it.
    fn redact(&self, message: String) -> String {
        crate::redact::redact_secret(&message, self.client_secret.expose())
    }
}

impl TokenCredential for ClientSecretCredential {
    fn get_token<'a>(
        &'a self,
        request: TokenRequest<'a>,
    ) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(self.token(request))
    }
}

/// Parses a token endpoint URL, refusing to send the client secret over plain http except to
/// this machine.
fn check_token_endpoint(endpoint: &str) -> Result<reqwest::Url, AuthError> {
    let url = reqwest::Url::parse(endpoint).map_err(|e| {
        let shown = crate::redact::endpoint(endpoint);
        AuthError::new(format!("token endpoint `{shown}` is not a URL: {e}"))
    })?;
    let loopback = is_loopback(&url);
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(AuthError::new(format!(
            "refusing to send a client secret over plain http to `{}`; use https (plain http is \
             allowed only for loopback hosts)",
            url.host_str().unwrap_or_default()
        ))),
        other => Err(AuthError::new(format!("unsupported token endpoint URL scheme `{other}`"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_escapes_reserved_characters() {
        let body = form_encode(&[
            ("grant_type", "client_credentials"),
            ("client_secret", "a+b/c=d&e f~g%h*i-j.k_l"),
            ("scope", "https://api.securitycenter.microsoft.com/.default"),
        ]);
        assert_eq!(
            body,
            "grant_type=client_credentials\
             &client_secret=a%2Bb%2Fc%3Dd%26e+f%7Eg%25h*i-j.k_l\
             &scope=https%3A%2F%2Fapi.securitycenter.microsoft.com%2F.default"
        );
        assert_eq!(form_encode(&[("k", "é")]), "k=%C3%A9");
        assert_eq!(form_encode(&[]), "");
    }

    #[test]
    fn expires_in_is_a_number_or_a_numeric_string() {
        let parse = |json: &str| parse_expires_in(&serde_json::from_str(json).unwrap());
        assert_eq!(parse("3599"), Some(Duration::from_secs(3599)));
        assert_eq!(parse("\"3599\""), Some(Duration::from_secs(3599)));
        assert_eq!(parse("\" 60 \""), Some(Duration::from_secs(60)));
        assert_eq!(parse("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(parse("0"), Some(Duration::ZERO));
        assert_eq!(parse("-1"), None);
        assert_eq!(parse("\"soon\""), None);
        assert_eq!(parse("\"NaN\""), None);
        assert_eq!(parse("true"), None);
        assert!(parse("1e300").is_some());
    }

    #[test]
    fn refresh_margin_is_five_minutes_or_half_the_lifetime() {
        assert_eq!(refresh_margin(Duration::from_secs(3599)), Duration::from_secs(300));
        assert_eq!(refresh_margin(Duration::from_secs(600)), Duration::from_secs(300));
        assert_eq!(refresh_margin(Duration::from_secs(120)), Duration::from_secs(60));
        assert_eq!(refresh_margin(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn default_endpoint_is_under_the_authority_and_tenant() {
        let credential = ClientSecretCredential::new("contoso.onmicrosoft.com", "app", "s3cret");
        assert_eq!(
            credential.endpoint_for("https://login.microsoftonline.com/"),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        let credential = ClientSecretCredential::new("a/b", "app", "s3cret");
        assert_eq!(
            credential.endpoint_for("https://login.microsoftonline.us"),
            "https://login.microsoftonline.us/a%2Fb/oauth2/v2.0/token"
        );
        let credential = credential.token_endpoint("http://127.0.0.1:1/t/oauth2/v2.0/token");
        assert_eq!(
            credential.endpoint_for("https://ignored"),
            "http://127.0.0.1:1/t/oauth2/v2.0/token"
        );
    }

    #[test]
    fn the_secret_goes_only_over_https_or_to_loopback() {
        assert!(
            check_token_endpoint("https://login.microsoftonline.com/t/oauth2/v2.0/token").is_ok()
        );
        assert!(check_token_endpoint("http://127.0.0.1:8080/t").is_ok());
        assert!(check_token_endpoint("http://localhost/t").is_ok());
        assert!(check_token_endpoint("http://[::1]/t").is_ok());
        let error = check_token_endpoint("http://login.example.com/t").unwrap_err();
        assert!(error.message.contains("plain http"), "{error}");
        assert!(check_token_endpoint("ftp://localhost/t").is_err());
        assert!(check_token_endpoint("not a url").is_err());
    }

    #[test]
    fn debug_shows_ids_but_not_the_secret() {
        let credential = ClientSecretCredential::new("tenant-1", "client-2", "hunter2-secret");
        let debug = format!("{credential:?}");
        assert!(debug.contains("tenant-1") && debug.contains("client-2"), "{debug}");
        assert!(!debug.contains("hunter2-secret"), "{debug}");
    }

    #[test]
    fn rejection_keeps_the_oauth2_error_and_never_the_secret() {
        let credential = ClientSecretCredential::new("tenant-1", "client-2", "hunter2-secret");
        let body = br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: abc\r\nCorrelation ID: def","error_codes":[7000215]}"#;
        let error = credential.rejection(StatusCode::UNAUTHORIZED, body);
        assert_eq!(error.status, Some(StatusCode::UNAUTHORIZED));
        assert_eq!(
            error.message,
            "token request for client client-2 in tenant tenant-1 was refused: invalid_client: \
             AADSTS7000215: Invalid client secret provided. Trace ID: abc Correlation ID: def"
        );
        let echo = br#"{"error":"invalid_request","error_description":"bad value hunter2-secret"}"#;
        let error = credential.rejection(StatusCode::BAD_REQUEST, echo);
        assert!(!error.to_string().contains("hunter2-secret"), "{error}");
        assert!(error.message.ends_with("bad value <redacted>"), "{error}");
        let error = credential.rejection(StatusCode::BAD_GATEWAY, b"<html>Bad gateway</html>");
        assert!(error.message.ends_with("(no OAuth2 error in the answer)"), "{error}");
        assert_eq!(error.to_string(), format!("{} (HTTP 502)", error.message));
    }

    #[test]
    fn from_env_names_the_missing_variable() {
        fn vars(
            tenant: Option<&'static str>,
            client: Option<&'static str>,
            secret: Option<&'static str>,
        ) -> impl Fn(&str) -> Option<String> {
            move |name| {
                match name {
                    "AZURE_TENANT_ID" => tenant,
                    "AZURE_CLIENT_ID" => client,
                    "AZURE_CLIENT_SECRET" => secret,
                    _ => None,
                }
                .map(str::to_owned)
            }
        }
        let credential =
            ClientSecretCredential::from_lookup(vars(Some("t"), Some("c"), Some("s"))).unwrap();
        assert_eq!((credential.tenant_id(), credential.client_id()), ("t", "c"));
        assert_eq!(credential.client_secret.expose(), "s");
        let error =
            ClientSecretCredential::from_lookup(vars(Some("t"), None, Some("s"))).unwrap_err();
        assert!(error.message.starts_with("environment variable AZURE_CLIENT_ID is not set"));
        let error =
            ClientSecretCredential::from_lookup(vars(Some("t"), Some("c"), Some(" "))).unwrap_err();
        assert!(error.message.starts_with("environment variable AZURE_CLIENT_SECRET is not set"));
        let error = ClientSecretCredential::from_lookup(vars(None, None, None)).unwrap_err();
        assert!(error.message.starts_with("environment variable AZURE_TENANT_ID is not set"));
    }
}
