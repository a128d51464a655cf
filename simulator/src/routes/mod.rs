//! Routing: which [`Route`] a method and path name (paths match without case, as the
//! documented paths mix `isolate`, `StopAndQuarantineFile`, `/API/` and `GetPackageUri`),
//! the handler of each route, and request-body parsing with the SDK's request models.

mod actions;
mod downloads;
mod listing;
mod token;

use std::time::Duration;

use bytes::Bytes;
use hyper::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::app::App;
use crate::faults::Plan;
use crate::reply::{ApiFailure, Reply};
use crate::route::Route;

/// A request, read in full.
#[derive(Debug, Clone)]
pub(crate) struct Incoming {
    pub method: Method,
    /// The path as sent (percent-encoded).
    pub path: String,
    /// The path's non-empty segments, percent-decoded.
    pub segments: Vec<String>,
    /// The query string as sent.
    pub raw_query: Option<String>,
    /// The query's pairs, decoded (`+` is a space).
    pub query: Vec<(String, String)>,
    pub authorization: Option<String>,
    pub body: Bytes,
}

impl Incoming {
    pub fn new(
        method: Method,
        uri: &hyper::Uri,
        authorization: Option<String>,
        body: Bytes,
    ) -> Self {
        let path = uri.path().to_owned();
        let segments = path
            .split('/')
            .filter(|segment| !segment.is_empty())
            .map(|segment| {
                percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
            })
            .collect();
        let raw_query = uri.query().map(str::to_owned);
        let query = raw_query
            .as_deref()
            .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        Self { method, path, segments, raw_query, query, authorization, body }
    }
}

/// What a request addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// One of the 14 methods, with the id in its path and, for live response results, the
    /// text of its `index=` argument.
    Api { route: Route, id: String, index: Option<String> },
    /// The token endpoint of `tenant`.
    Token { tenant: String },
    /// A signed download link.
    Download,
    /// A known path with the wrong method.
    MethodNotAllowed,
    /// Nothing here.
    NotFound,
}

impl Target {
    /// The route, when the request matched one.
    pub fn route(&self) -> Option<Route> {
        match self {
            Target::Api { route, .. } => Some(*route),
            Target::Token { .. } => Some(Route::Token),
            Target::Download => Some(Route::Download),
            Target::MethodNotAllowed | Target::NotFound => None,
        }
    }
}

fn expect(method: &Method, wanted: Method, target: Target) -> Target {
    if *method == wanted { target } else { Target::MethodNotAllowed }
}

/// Matches a request's method and path segments.
pub(crate) fn resolve(method: &Method, segments: &[String]) -> Target {
    let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let s: Vec<&str> = lower.iter().map(String::as_str).collect();
    if let [_, "oauth2", "v2.0", "token"] = s.as_slice() {
        return expect(method, Method::POST, Target::Token { tenant: segments[0].clone() });
    }
    if matches!(s.first(), Some(&"safedownload") | Some(&"investigation-actions-data")) {
        return expect(method, Method::GET, Target::Download);
    }
    let Some((&"api", mut rest)) = s.split_first() else { return Target::NotFound };
    let mut original = &segments[1..];
    if rest.first() == Some(&"v1.0") {
        rest = &rest[1..];
        original = &original[1..];
    }
    let id = || original.get(1).cloned().unwrap_or_default();
    let api = |route: Route, index: Option<String>| Target::Api { route, id: id(), index };
    match rest {
        ["machineactions"] => expect(
            method,
            Method::GET,
            Target::Api { route: Route::ListMachineActions, id: String::new(), index: None },
        ),
        ["machineactions", _] => expect(method, Method::GET, api(Route::GetMachineAction, None)),
        ["machineactions", _, "getpackageuri"] => {
            expect(method, Method::GET, api(Route::GetPackageUri, None))
        }
        ["machineactions", _, "cancel"] => {
            expect(method, Method::POST, api(Route::CancelMachineAction, None))
        }
        ["machineactions", _, function]
            if function.starts_with("getliveresponseresultdownloadlink") =>
        {
            let index = original[2]
                .get("getliveresponseresultdownloadlink".len()..)
                .and_then(|args| args.trim().strip_prefix('('))
                .and_then(|args| args.strip_suffix(')'))
                .and_then(|args| {
                    let (name, value) = args.split_once('=')?;
                    name.trim().eq_ignore_ascii_case("index").then(|| value.trim().to_owned())
                });
            expect(method, Method::GET, api(Route::GetLiveResponseResultDownloadLink, index))
        }
        ["machines", _, action] => {
            let route = match *action {
                "collectinvestigationpackage" => Route::CollectInvestigationPackage,
                "isolate" => Route::IsolateMachine,
                "unisolate" => Route::UnisolateMachine,
                "restrictcodeexecution" => Route::RestrictCodeExecution,
                "unrestrictcodeexecution" => Route::UnrestrictCodeExecution,
                "runantivirusscan" => Route::RunAntiVirusScan,
                "offboard" => Route::OffboardMachine,
                "stopandquarantinefile" => Route::StopAndQuarantineFile,
                "runliveresponse" => Route::RunLiveResponse,
                _ => return Target::NotFound,
            };
            expect(method, Method::POST, api(route, None))
        }
        _ => Target::NotFound,
    }
}

/// What a handler gets: the simulator, the request, the time, the caller and the faults
/// drawn for this request.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    pub app: &'a App,
    pub req: &'a Incoming,
    pub now: Duration,
    /// Who the bearer token names (empty outside the API).
    pub requestor: String,
    pub plan: &'a Plan,
}

/// Runs the handler of `target`.
pub(crate) fn dispatch(ctx: &Ctx<'_>, target: &Target) -> Result<Reply, ApiFailure> {
    match target {
        Target::Api { route, id, index } => match route {
            Route::ListMachineActions => listing::list(ctx),
            Route::GetMachineAction => actions::get(ctx, id),
            Route::CancelMachineAction => actions::cancel(ctx, id),
            Route::GetPackageUri => downloads::package_uri(ctx, id),
            Route::GetLiveResponseResultDownloadLink => {
                downloads::result_link(ctx, id, index.as_deref())
            }
            Route::Token | Route::Download => Err(ApiFailure::not_found("No such method")),
            action => actions::create(ctx, *action, id),
        },
        Target::Token { tenant } => Ok(token::token(ctx, tenant)),
        Target::Download => Ok(downloads::download(ctx)),
        Target::MethodNotAllowed | Target::NotFound => Err(ApiFailure::new(
            404,
            mde_machine_actions::models::ErrorCode::NotFound,
            "No HTTP resource was found that matches the request URI",
        )),
    }
}

/// Parses a JSON body with a (closed) request model: unknown or mis-cased members are
/// refused with `InvalidRequestBody`, missing ones with `MissingRequiredParameter`.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiFailure> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiFailure::invalid_body("the body is empty"));
    }
    serde_json::from_slice(body).map_err(|error| {
        let text = error.to_string();
        let quoted = |prefix: &str| {
            let start = text.find(prefix)? + prefix.len();
            let len = text[start..].find('`')?;
            Some(text[start..start + len].to_owned())
        };
        if let Some(name) = quoted("missing field `") {
            ApiFailure::missing(&name)
        } else if let Some(name) = quoted("unknown field `") {
            ApiFailure::invalid_body(format!(
                "unknown parameter {name} (parameter names are case-sensitive)"
            ))
        } else if text.starts_with("unknown ") && text.contains(" value `") {
            // A value outside a closed enum (`IsolationType`, `ScanType`).
            ApiFailure::invalid_input(text.split(" at line ").next().unwrap_or(&text))
        } else {
            ApiFailure::invalid_body(text)
        }
    })
}

/// A body whose `Comment` the docs do not mark as required: an absent `Comment` becomes an
/// empty one. Returns the body to parse and whether a comment was sent.
pub(crate) fn optional_comment(body: &[u8]) -> Result<(Vec<u8>, bool), ApiFailure> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok((b"{\"Comment\":\"\"}".to_vec(), false));
    }
    let mut value: Value = serde_json::from_slice(body).map_err(ApiFailure::invalid_body)?;
    let Value::Object(map) = &mut value else {
        return Err(ApiFailure::invalid_body("the body is not a JSON object"));
    };
    let sent = map.contains_key("Comment");
    if !sent {
        map.insert("Comment".to_owned(), Value::String(String::new()));
    }
    Ok((serde_json::to_vec(&value).map_err(ApiFailure::invalid_body)?, sent))
}

#[cfg(test)]
mod tests {
    use mde_machine_actions::models::{ErrorCode, IsolateRequest};

    use super::*;

    fn target(method: Method, path: &str) -> Target {
        let uri: hyper::Uri = path.parse().unwrap();
        resolve(&method, &Incoming::new(method.clone(), &uri, None, Bytes::new()).segments)
    }

    #[test]
    fn documented_paths_in_every_casing() {
        let api = |route, id: &str, index: Option<&str>| Target::Api {
            route,
            id: id.to_owned(),
            index: index.map(str::to_owned),
        };
        assert_eq!(
            target(Method::GET, "/api/machineactions?$top=2"),
            api(Route::ListMachineActions, "", None)
        );
        assert_eq!(
            target(Method::GET, "/api/v1.0/machineactions/abc"),
            api(Route::GetMachineAction, "abc", None)
        );
        assert_eq!(
            target(Method::GET, "/api/machineactions/abc/GetPackageUri"),
            api(Route::GetPackageUri, "abc", None)
        );
        assert_eq!(
            target(Method::GET, "/api/machineactions/abc/getPackageUri"),
            api(Route::GetPackageUri, "abc", None)
        );
        assert_eq!(
            target(
                Method::GET,
                "/api/machineactions/abc/GetLiveResponseResultDownloadLink(index=2)"
            ),
            api(Route::GetLiveResponseResultDownloadLink, "abc", Some("2"))
        );
        assert_eq!(
            target(Method::POST, "/API/machines/m1/runliveresponse"),
            api(Route::RunLiveResponse, "m1", None)
        );
        assert_eq!(
            target(Method::POST, "/api/machines/m1/StopAndQuarantineFile"),
            api(Route::StopAndQuarantineFile, "m1", None)
        );
        assert_eq!(
            target(Method::POST, "/api/machines/m%31/isolate"),
            api(Route::IsolateMachine, "m1", None)
        );
        assert_eq!(target(Method::GET, "/api/machines/m1/isolate"), Target::MethodNotAllowed);
        assert_eq!(target(Method::POST, "/api/machines/m1/reboot"), Target::NotFound);
        assert_eq!(
            target(Method::POST, "/t/oauth2/v2.0/token"),
            Target::Token { tenant: "t".into() }
        );
        assert_eq!(target(Method::GET, "/safedownload/x/y.zip?sig=1"), Target::Download);
        assert_eq!(target(Method::GET, "/"), Target::NotFound);
    }

    #[test]
    fn bodies_are_parsed_like_the_service() {
        let ok: IsolateRequest = parse_body(br#"{"Comment":"c","IsolationType":"Full"}"#).unwrap();
        assert_eq!(ok.comment, "c");
        let missing = parse_body::<IsolateRequest>(b"{}").unwrap_err();
        assert_eq!(missing.code, ErrorCode::MissingRequiredParameter);
        assert_eq!(missing.message, "Parameter Comment is missing.");
        let cased = parse_body::<IsolateRequest>(br#"{"comment":"c"}"#).unwrap_err();
        assert_eq!(cased.code, ErrorCode::InvalidRequestBody);
        assert_eq!(
            parse_body::<IsolateRequest>(b"").unwrap_err().code,
            ErrorCode::InvalidRequestBody
        );
        let value = parse_body::<IsolateRequest>(br#"{"Comment":"c","IsolationType":"Partial"}"#)
            .unwrap_err();
        assert_eq!(value.code, ErrorCode::InvalidInput, "{}", value.message);
        assert_eq!(
            parse_body::<IsolateRequest>(b"[1").unwrap_err().code,
            ErrorCode::InvalidRequestBody
        );
        let (body, sent) = optional_comment(b"{}").unwrap();
        assert!(!sent);
        assert_eq!(body, br#"{"Comment":""}"#);
        assert!(optional_comment(b"[]").is_err());
    }
}
