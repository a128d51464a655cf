//! [`DownloadLink`]: a pre-signed URL the service hands out (e.g. for an investigation
//! package), and streaming its content to a writer.
//!
//! The link's query string is a bearer credential (an Azure SAS signature): anyone holding it
//! can download the file until it expires. So the link is never printed in full — `Debug` and
//! `Display` show only scheme, host and path — errors never contain it, and the download is
//! sent without the client's bearer token (the storage host needs none and must not get one).

use std::fmt;
use std::str::FromStr;

use futures_util::StreamExt as _;
use percent_encoding::percent_decode_str;
use tokio::io::{AsyncWrite, AsyncWriteExt as _};
use tracing::Instrument as _;

use crate::body::{BodyError, Overflow, read_body, stream_of};
use crate::error::{ApiError, Error};
use crate::http::{is_loopback, transport_error};
use crate::timestamp::Timestamp;

/// Operation name used in errors and logs.
const OPERATION: &str = "download";

/// How much of an error response is read (it is then cut to
/// `SNIPPET_LIMIT` bytes).
const ERROR_BODY_LIMIT: usize = 16 * 1024;

/// A pre-signed download URL.
///
/// [`url`](Self::url) contains a secret signature; everything else about this type keeps it
/// hidden.
///
/// ```
/// use mde_runtime::DownloadLink;
///
/// // The investigation-package URI comes back as a JSON string that is itself quoted.
/// let link = DownloadLink::parse(
///     "\"https://userrequests-us.securitycenter.windows.com:443/safedownload/WDATP_Investigation_Package.zip?token=MIGZ\"",
/// )?;
/// assert_eq!(link.host(), "userrequests-us.securitycenter.windows.com");
/// assert_eq!(
///     link.to_string(),
///     "https://userrequests-us.securitycenter.windows.com/safedownload/WDATP_Investigation_Package.zip?<redacted>",
/// );
/// # Ok::<(), mde_runtime::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct DownloadLink {
    url: reqwest::Url,
}

impl DownloadLink {
    /// Reads a link as the service returns it: surrounding whitespace and one pair of
    /// surrounding double quotes are removed (the documented package URI value is
    /// `"\"https://...\""`). The link must be an absolute `https` URL; plain `http` is accepted
    /// only for loopback hosts (local simulators). Errors never quote the query string.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let mut text = text.trim();
        if let Some(inner) = text.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')) {
            text = inner.trim();
        }
        let url = reqwest::Url::parse(text)
            .map_err(|e| Error::Config(format!("download link is not an absolute URL: {e}")))?;
        match url.scheme() {
            "https" if url.host().is_some() => Ok(Self { url }),
            "http" if is_loopback(&url) => Ok(Self { url }),
            "http" => Err(Error::Config(format!(
                "refusing a download link over plain http to `{}`; only https is accepted (plain http only for loopback hosts)",
                url.host_str().unwrap_or_default()
            ))),
            "https" => Err(Error::Config("download link has no host".to_owned())),
            other => Err(Error::Config(format!(
                "unsupported download link scheme `{other}`; only https is accepted"
            ))),
        }
    }

    /// The full URL. **It contains a secret signature**: do not log it or show it to users.
    pub fn url(&self) -> &reqwest::Url {
        &self.url
    }

    /// The host the file is downloaded from.
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    /// When the link stops working, from its `se` query parameter (Azure SAS "signed expiry",
    /// e.g. `se=2021-02-04T16%3A13%3A50Z`), if present and readable. Date-only and
    /// minute-precision values (`2021-02-04`, `2021-02-04T16:13Z`) are read as UTC.
    pub fn expires_at(&self) -> Option<Timestamp> {
        let raw = self.url.query()?.split('&').find_map(|pair| pair.strip_prefix("se="))?;
        let value = percent_decode_str(raw).decode_utf8().ok()?;
        let value = value.trim();
        if let Ok(timestamp) = value.parse() {
            return Some(timestamp);
        }
        let normalized = match value.len() {
            10 => format!("{value}T00:00:00Z"),
            17 if value.ends_with('Z') => format!("{}:00Z", &value[..16]),
            _ => return None,
        };
        normalized.parse().ok()
    }

    /// Downloads the file into `writer`, chunk by chunk, and flushes it; returns the number of
    /// bytes written.
    ///
    /// `http` should be the client's pool (`Core::http`); no
    /// `Authorization` header is sent, the signature in the URL is the credential. There is no
    /// retry. The timeouts are the ones `http` was built with: the client's pool (what
    /// `Client::download` uses) ends a download after `download_idle_timeout` without a byte
    /// (30 s by default) or `download_timeout` in all (30 minutes), with [`Error::Timeout`].
    /// On failure part of the file may already have been written.
    ///
    /// Errors: [`Error::Api`] for a non-2xx answer (its body snippet scrubbed of the
    /// signature), [`Error::Transport`] or [`Error::Timeout`] when the exchange fails, and
    /// [`Error::Io`] when `writer` fails.
    pub async fn download_to<W>(&self, http: &reqwest::Client, writer: &mut W) -> Result<u64, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let span = tracing::info_span!(
            "mde_download",
            host = self.host(),
            path = self.url.path(),
            status = tracing::field::Empty,
            bytes = tracing::field::Empty,
        );
        async move {
            let response = http
                .get(self.url.clone())
                .send()
                .await
                .map_err(|e| transport_error(OPERATION, e))?;
            let status = response.status();
            tracing::Span::current().record("status", status.as_u16());
            if !response.status().is_success() {
                let body = read_bounded(response).await;
                let body = scrub(&body, &self.url);
                return Err(Error::Api(Box::new(ApiError::from_body(
                    OPERATION, status, &body, None,
                ))));
            }
            let mut written = 0u64;
            let mut body = response.bytes_stream();
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| transport_error(OPERATION, e))?;
                writer.write_all(&chunk).await.map_err(write_error)?;
                written += chunk.len() as u64;
            }
            writer.flush().await.map_err(write_error)?;
            tracing::Span::current().record("bytes", written);
            Ok(written)
        }
        .instrument(span)
        .await
    }
}

impl FromStr for DownloadLink {
    type Err = Error;

    /// Same as [`DownloadLink::parse`].
    fn from_str(text: &str) -> Result<Self, Error> {
        Self::parse(text)
    }
}

impl fmt::Display for DownloadLink {
    /// Scheme, host, port (when not the default) and path; a query becomes `?<redacted>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.url.scheme(), self.host())?;
        if let Some(port) = self.url.port() {
            write!(f, ":{port}")?;
        }
        f.write_str(self.url.path())?;
        if self.url.query().is_some() {
            f.write_str("?<redacted>")?;
        }
        Ok(())
    }
}

impl fmt::Debug for DownloadLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DownloadLink({self})")
    }
}

fn write_error(error: std::io::Error) -> Error {
    Error::Io { operation: OPERATION, source: error }
}

/// The start of an error body, at most [`ERROR_BODY_LIMIT`] bytes; what cannot be read is
/// left out.
async fn read_bounded(response: reqwest::Response) -> Vec<u8> {
    let (announced, stream) = stream_of(response);
    // A read error ends the body: what was read before it is kept.
    let stream = stream
        .take_while(|chunk| std::future::ready(chunk.is_ok()))
        .map(|chunk| Ok::<_, std::convert::Infallible>(chunk.unwrap_or_default()));
    let body: Result<Vec<u8>, BodyError<_>> =
        read_body(Box::pin(stream), announced, ERROR_BODY_LIMIT, Overflow::Truncate).await;
    body.unwrap_or_default()
}

/// Query parameters whose values are credentials, by (lower-case) name fragment.
const SECRET_NAMES: &[&str] = &["sig", "token", "key", "credential", "secret", "password"];

/// `body` with the link's query string, its secret parameter values (raw and decoded), and any
/// `sig=...` removed.
fn scrub(body: &[u8], url: &reqwest::Url) -> Vec<u8> {
    let mut text = String::from_utf8_lossy(body).into_owned();
    let mut secrets: Vec<String> = Vec::new();
    if let Some(query) = url.query().filter(|q| !q.is_empty()) {
        secrets.push(query.to_owned());
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = name.to_ascii_lowercase();
            if value.is_empty() || !SECRET_NAMES.iter().any(|secret| name.contains(secret)) {
                continue;
            }
            secrets.push(value.to_owned());
            if let Ok(decoded) = percent_decode_str(value).decode_utf8() {
                secrets.push(decoded.replace('+', " "));
                secrets.push(decoded.into_owned());
            }
        }
    }
    // Longest first, so a value inside the whole query is not replaced before the query is.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in secrets.iter().filter(|s| !s.trim().is_empty()) {
        text = text.replace(secret.as_str(), "<redacted>");
    }
    redact_sig_parameters(&text).into_bytes()
}

/// Replaces the value of every `sig=` (any case) with `<redacted>`.
fn redact_sig_parameters(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    let mut from = 0;
    while let Some(found) = lower[from..].find("sig=") {
        let value_start = from + found + 4;
        let value_end = text[value_start..]
            .find(|c: char| c == '&' || c == '"' || c == '\'' || c == '<' || c.is_whitespace())
            .map_or(text.len(), |end| value_start + end);
        out.push_str(&text[rest..value_start]);
        if value_end > value_start {
            out.push_str("<redacted>");
        }
        rest = value_end;
        from = value_end.max(value_start);
    }
    out.push_str(&text[rest..]);
    out
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    const SAS: &str = "https://core.windows.net/investigation-actions-data/CLI_4/package.zip?se=2021-02-04T16%3A13%3A50Z&sp=r&sv=2019-07-07&sr=b&sig=Ab%2Bcd%2FSecretSig%3D";

    #[test]
    fn parses_quoted_and_unquoted_links() {
        let plain = DownloadLink::parse(SAS).unwrap();
        let quoted = DownloadLink::parse(&format!(" \"{SAS}\"\n")).unwrap();
        assert_eq!(plain, quoted);
        assert_eq!(plain.url().as_str(), SAS);
        assert_eq!(plain.host(), "core.windows.net");
        let json: String =
            serde_json::from_str(&serde_json::to_string(&format!("\"{SAS}\"")).unwrap()).unwrap();
        assert_eq!(DownloadLink::parse(&json).unwrap(), plain);
        assert_eq!(SAS.parse::<DownloadLink>().unwrap(), plain);
        // Only one pair of quotes is removed.
        assert!(matches!(DownloadLink::parse(&format!("\"\"{SAS}\"\"")), Err(Error::Config(_))));
    }

    #[test]
    fn requires_https_except_for_loopback() {
        for text in [
            "http://core.windows.net/x?sig=SecretSig",
            "ftp://core.windows.net/x?sig=SecretSig",
            "/relative/path?sig=SecretSig",
            "",
            "\"\"",
            "null",
        ] {
            match DownloadLink::parse(text) {
                Err(Error::Config(message)) => {
                    assert!(!message.contains("SecretSig"), "{message}");
                    assert!(!message.contains("sig="), "{message}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        for text in ["http://localhost:8080/x?sig=1", "http://127.0.0.1/x", "http://[::1]:9000/x"] {
            assert!(DownloadLink::parse(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn reads_the_expiry() {
        let link = DownloadLink::parse(SAS).unwrap();
        assert_eq!(link.expires_at().unwrap().as_str(), "2021-02-04T16:13:50Z");
        let at = |se: &str| {
            DownloadLink::parse(&format!("https://h.example/p?sv=1&se={se}&sig=x"))
                .unwrap()
                .expires_at()
                .map(|t| t.as_str().to_owned())
        };
        assert_eq!(at("2021-02-04T16:13:50Z").as_deref(), Some("2021-02-04T16:13:50Z"));
        assert_eq!(at("2021-02-04").as_deref(), Some("2021-02-04T00:00:00Z"));
        assert_eq!(at("2021-02-04T16%3A13Z").as_deref(), Some("2021-02-04T16:13:00Z"));
        assert_eq!(at("2021-02-04T16:13:50%2B01:00").as_deref(), Some("2021-02-04T16:13:50+01:00"));
        assert_eq!(at("soon"), None);
        assert_eq!(DownloadLink::parse("https://h.example/p?sig=x").unwrap().expires_at(), None);
        assert_eq!(DownloadLink::parse("https://h.example/p").unwrap().expires_at(), None);
    }

    #[test]
    fn debug_and_display_hide_the_query() {
        let link = DownloadLink::parse(SAS).unwrap();
        let shown =
            "https://core.windows.net/investigation-actions-data/CLI_4/package.zip?<redacted>";
        assert_eq!(link.to_string(), shown);
        assert_eq!(format!("{link:?}"), format!("DownloadLink({shown})"));
        assert_eq!(format!("{:?}", Some(&link)), format!("Some(DownloadLink({shown}))"));
        let local = DownloadLink::parse("http://user:pw@localhost:8080/p").unwrap();
        assert_eq!(local.to_string(), "http://localhost:8080/p");
    }

    #[test]
    fn scrubs_signatures_from_error_bodies() {
        let link = DownloadLink::parse(SAS).unwrap();
        let body = format!(
            "<Error><Message>bad {SAS}</Message><Detail>sig=Ab+cd/SecretSig= and SIG=other&x Ab%2Bcd%2FSecretSig%3D</Detail></Error>"
        );
        let scrubbed = String::from_utf8(scrub(body.as_bytes(), link.url())).unwrap();
        assert!(!scrubbed.contains("SecretSig"), "{scrubbed}");
        assert!(!scrubbed.contains("other"), "{scrubbed}");
        assert!(scrubbed.contains("package.zip?<redacted>"), "{scrubbed}");
        assert_eq!(redact_sig_parameters("a sig= b"), "a sig= b");
        assert_eq!(redact_sig_parameters("sig=1&sig=2"), "sig=<redacted>&sig=<redacted>");
    }

    /// Answers one request with `status` and `body`; returns the base URL and the request head.
    async fn serve_once(status: u16, body: Vec<u8>) -> (String, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            while !head.ends_with(b"\r\n\r\n") {
                let mut byte = [0u8; 1];
                if socket.read(&mut byte).await.unwrap() == 0 {
                    break;
                }
                head.push(byte[0]);
            }
            let response = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n\r\n", body.len());
            socket.write_all(response.as_bytes()).await.unwrap();
            socket.write_all(&body).await.unwrap();
            String::from_utf8(head).unwrap()
        });
        (base, task)
    }

    #[tokio::test]
    async fn downloads_without_a_token() {
        let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let (base, server) = serve_once(200, content.clone()).await;
        let link =
            DownloadLink::parse(&format!("{base}/pkg.zip?se=2030-01-01&sig=SecretSig")).unwrap();
        let mut out = Vec::new();
        let written = link.download_to(&crate::tls::test_client(), &mut out).await.unwrap();
        assert_eq!(written, content.len() as u64);
        assert_eq!(out, content);
        let head = server.await.unwrap().to_ascii_lowercase();
        assert!(head.starts_with("get /pkg.zip?se=2030-01-01&sig=secretsig "), "{head}");
        assert!(!head.contains("authorization"), "{head}");
    }

    #[tokio::test]
    async fn reports_error_answers_without_the_signature() {
        let body =
            b"<Error><Code>AuthenticationFailed</Code><Message>sig=SecretSig</Message></Error>";
        let (base, _server) = serve_once(403, body.to_vec()).await;
        let link = DownloadLink::parse(&format!("{base}/pkg.zip?sig=SecretSig")).unwrap();
        let mut out = Vec::new();
        let error = link.download_to(&crate::tls::test_client(), &mut out).await.unwrap_err();
        assert_eq!(error.status(), Some(::http::StatusCode::FORBIDDEN));
        let api = error.api().unwrap();
        assert_eq!(api.operation, "download");
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("SecretSig"), "{shown}");
        assert!(api.snippet.as_deref().unwrap().contains("AuthenticationFailed"));
        assert!(out.is_empty());
    }

    #[tokio::test]
    async fn transport_errors_carry_no_url() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let link = DownloadLink::parse(&format!("{base}/pkg.zip?sig=SecretSig")).unwrap();
        let error =
            link.download_to(&crate::tls::test_client(), &mut Vec::<u8>::new()).await.unwrap_err();
        assert!(matches!(error, Error::Transport { operation: "download", .. }), "{error:?}");
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("SecretSig"), "{shown}");
    }
}
