//! Routing and handling: the route table derived from the SDK's operations ([`table`]), the
//! hand-written handler of each operation, looked up by the operation's name, and
//! request-body parsing with the SDK's request models.

mod actions;
mod downloads;
mod listing;
mod machines;
mod table;
mod token;

pub(crate) use table::{Params, RouteTable, Target};

use std::time::Duration;

use bytes::Bytes;
use hyper::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::app::App;
use crate::faults::Plan;
use crate::reply::{ApiFailure, Json, Reply};
use crate::route::Operation;

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

/// A handler: the JSON body of a successful answer, whose status the spec gives
/// ([`success_status`]), or the documented error.
pub(crate) type Handler = fn(&Ctx<'_>, &Params) -> Result<Json, ApiFailure>;

/// The hand-written part of the simulator: the behaviour of each operation, by its name in
/// the spec. Everything else about an operation (verb, path, quotas, success status) comes
/// from the SDK's operation constants; an operation missing here is answered with 501.
const HANDLERS: &[(&str, Handler)] = &[
    ("listMachineActions", listing::list),
    ("getMachineAction", actions::get),
    ("collectInvestigationPackage", actions::collect_investigation_package),
    ("getPackageUri", downloads::package_uri),
    ("isolateMachine", actions::isolate),
    ("unisolateMachine", actions::unisolate),
    ("restrictCodeExecution", actions::restrict_code_execution),
    ("unrestrictCodeExecution", actions::unrestrict_code_execution),
    ("runAntiVirusScan", actions::run_anti_virus_scan),
    ("offboardMachine", actions::offboard),
    ("stopAndQuarantineFile", actions::stop_and_quarantine_file),
    ("runLiveResponse", actions::run_live_response),
    ("getLiveResponseResultDownloadLink", downloads::result_link),
    ("cancelMachineAction", actions::cancel),
    ("listMachines", machines::list),
    ("getMachine", machines::get),
    ("findMachinesByIp", machines::find_by_ip),
    ("findMachinesByTag", machines::find_by_tag),
];

/// The handler of the operation named `name`.
pub(crate) fn handler(name: &str) -> Option<Handler> {
    HANDLERS.iter().find(|(known, _)| *known == name).map(|(_, handler)| *handler)
}

/// The status of a successful answer to `operation`: 201 when the spec lists it (the methods
/// that start an action, whose recorded answers are 201 Created even where the docs also
/// allow 200), otherwise the first status the spec lists.
pub(crate) fn success_status(operation: &Operation) -> u16 {
    if operation.success.contains(&201) {
        201
    } else {
        operation.success.first().copied().unwrap_or(200)
    }
}

/// The path parameter `id` (empty when the path has none).
pub(crate) fn id(params: &Params) -> &str {
    params.get("id").unwrap_or_default()
}

/// Runs the handler of `target`.
pub(crate) fn dispatch(ctx: &Ctx<'_>, target: &Target) -> Result<Reply, ApiFailure> {
    match target {
        Target::Api { operation, params } => match handler(operation.name) {
            Some(handle) => Ok(Reply::json(success_status(operation), handle(ctx, params)?)),
            None => Err(ApiFailure::not_implemented(operation)),
        },
        Target::Token { tenant, legacy } => Ok(token::token(ctx, tenant, *legacy)),
        Target::Download => Ok(downloads::download(ctx)),
        Target::MethodNotAllowed { .. } | Target::NotFound => Err(ApiFailure::new(
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
    // No member of a request body may be null: the models read a null as "absent", the
    // service refuses it.
    if let Ok(serde_json::Value::Object(members)) = serde_json::from_slice(body)
        && let Some((name, _)) = members.iter().find(|(_, value)| value.is_null())
    {
        return Err(ApiFailure::invalid_body(format!("parameter {name} must not be null")));
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
    use mde_machine_actions::operations;

    use super::*;

    #[test]
    fn every_operation_has_a_handler_and_every_handler_an_operation() {
        let names: Vec<&str> =
            crate::route::api_operations().map(|operation| operation.name).collect();
        assert!(operations::ALL.iter().all(|operation| names.contains(&operation.name)));
        let unhandled: Vec<&str> =
            names.iter().copied().filter(|name| handler(name).is_none()).collect();
        assert!(unhandled.is_empty(), "operations without a handler: {unhandled:?}");
        for (name, _) in HANDLERS {
            assert!(names.contains(name), "the handler `{name}` names no operation of the spec");
        }
    }

    #[test]
    fn success_statuses_come_from_the_spec() {
        let status = |operation| success_status(operation);
        assert_eq!(status(&operations::ISOLATE_MACHINE), 201);
        assert_eq!(status(&operations::OFFBOARD_MACHINE), 201, "200 and 201 are documented");
        assert_eq!(status(&operations::RUN_LIVE_RESPONSE), 201, "201 and 200 are documented");
        assert_eq!(status(&operations::CANCEL_MACHINE_ACTION), 200);
        assert_eq!(status(&operations::LIST_MACHINE_ACTIONS), 200);
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
