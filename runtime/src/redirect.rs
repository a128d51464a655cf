//! The redirect policy of the HTTP clients the builder creates: a redirect is followed only to
//! the same origin (scheme, host and port), so neither a bearer token nor a request body ever
//! leaves for another host, or for plain http, because a server said so.

use reqwest::redirect::{Attempt, Policy};

/// Most redirects followed for one request.
const MAX_REDIRECTS: usize = 10;

/// Follows redirects within the origin of the request (at most ten); any other redirect is not
/// followed, and its 3xx answer is returned to the caller (which reports it as an error).
pub(crate) fn same_origin_only() -> Policy {
    Policy::custom(decide)
}

fn decide(attempt: Attempt<'_>) -> reqwest::redirect::Action {
    let previous = attempt.previous();
    if previous.len() > MAX_REDIRECTS {
        return attempt.error("too many redirects");
    }
    let same_origin = previous.last().is_some_and(|last| last.origin() == attempt.url().origin());
    if same_origin { attempt.follow() } else { attempt.stop() }
}

/// The host a redirect answer points at (its `Location`, resolved against `url`), for error
/// messages: the host alone, never the path or query.
pub(crate) fn location_host(headers: &reqwest::header::HeaderMap, url: &reqwest::Url) -> String {
    headers
        .get(reqwest::header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|location| url.join(location).ok())
        .map(|target| {
            let host = target.host_str().unwrap_or_default().to_owned();
            match target.port() {
                Some(port) => format!("{}://{host}:{port}", target.scheme()),
                None => format!("{}://{host}", target.scheme()),
            }
        })
        .unwrap_or_else(|| "an unreadable location".to_owned())
}
