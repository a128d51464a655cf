//! What handlers answer: [`Reply`] (status, headers, body) and [`ApiFailure`] (a documented
//! error), built from the SDK's models and written as JSON in the member order the service
//! uses.

use mde_machine_actions::models::{ErrorCode, ErrorDetail, ErrorResponse, MachineAction};
use serde::ser::{SerializeMap as _, SerializeSeq as _};
use serde::{Serialize, Serializer};
use serde_json::Value;

/// An error answer: HTTP status and the `{"error": {"code", "message", "target"}}` body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiFailure {
    pub status: u16,
    pub code: ErrorCode,
    pub message: String,
    /// `Retry-After`, in seconds.
    pub retry_after: Option<u64>,
}

impl ApiFailure {
    pub fn new(status: u16, code: ErrorCode, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after: None }
    }

    /// 400 with `code`.
    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    /// 404 `ResourceNotFound`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, ErrorCode::ResourceNotFound, message)
    }

    /// 400 `MissingRequiredParameter` for `name`.
    pub fn missing(name: &str) -> Self {
        Self::bad_request(
            ErrorCode::MissingRequiredParameter,
            format!("Parameter {name} is missing."),
        )
    }

    /// 400 `InvalidRequestBody`.
    pub fn invalid_body(detail: impl std::fmt::Display) -> Self {
        Self::bad_request(
            ErrorCode::InvalidRequestBody,
            format!("Request body is incorrect: {detail}"),
        )
    }

    /// 400 `InvalidInput`.
    pub fn invalid_input(detail: impl std::fmt::Display) -> Self {
        Self::bad_request(ErrorCode::InvalidInput, format!("Invalid input {detail}"))
    }

    /// 400 `ODataError`.
    pub fn odata(detail: impl std::fmt::Display) -> Self {
        Self::bad_request(ErrorCode::ODataError, format!("Invalid OData URI query: {detail}"))
    }
}

/// A response body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    Json(Value),
    Bytes { content_type: &'static str, data: Vec<u8> },
}

/// A complete answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
}

impl Reply {
    pub fn json(status: u16, value: Value) -> Self {
        Self { status, headers: Vec::new(), body: Body::Json(value) }
    }

    pub fn bytes(status: u16, content_type: &'static str, data: Vec<u8>) -> Self {
        Self { status, headers: Vec::new(), body: Body::Bytes { content_type, data } }
    }

    /// A model as JSON (a model that cannot be serialized becomes a 500).
    pub fn model<T: Serialize>(status: u16, model: &T) -> Self {
        match serde_json::to_value(model) {
            Ok(value) => Self::json(status, value),
            Err(error) => Self::json(
                500,
                error_value(500, &ErrorCode::InternalServerError, &error.to_string(), ""),
            ),
        }
    }

    /// One action with its `@odata.context`, as the action methods and get return it.
    pub fn entity(status: u16, action: &MachineAction, base_url: &str) -> Self {
        let mut value = action_value(action);
        if let Value::Object(map) = &mut value {
            map.insert(
                "@odata.context".to_owned(),
                Value::String(format!("{base_url}/api/$metadata#MachineActions/$entity")),
            );
        }
        Self::json(status, value)
    }

    /// The documented error envelope for `failure`, with correlation id `target`.
    pub fn failure(failure: &ApiFailure, target: &str) -> Self {
        let mut reply = Self::json(
            failure.status,
            error_value(failure.status, &failure.code, &failure.message, target),
        );
        if let Some(seconds) = failure.retry_after {
            reply.headers.push(("retry-after", seconds.to_string()));
        }
        if failure.status == 401 {
            reply.headers.push(("www-authenticate", "Bearer".to_owned()));
        }
        reply
    }
}

fn error_value(status: u16, code: &ErrorCode, message: &str, target: &str) -> Value {
    let mut detail = ErrorDetail::new(code.clone()).with_message(message);
    if !target.is_empty() {
        detail = detail.with_target(target);
    }
    serde_json::to_value(ErrorResponse::new(detail)).unwrap_or_else(|_| {
        serde_json::json!({"error": {"code": code.as_str(), "message": message, "status": status}})
    })
}

/// Members of the MachineAction entity that recent responses always carry, null when empty.
const ACTION_MEMBERS: &[&str] = &[
    "title",
    "requestor",
    "requestorComment",
    "machineId",
    "computerDnsName",
    "lastUpdateDateTimeUtc",
    "cancellationRequestor",
    "cancellationComment",
    "cancellationDateTimeUtc",
    "errorHResult",
    "scope",
    "externalId",
    "requestSource",
    "relatedFileInfo",
    "commands",
    "troubleshootInfo",
];

/// `action` as JSON with the full recorded field set: members that are empty are null
/// rather than absent.
pub(crate) fn action_value(action: &MachineAction) -> Value {
    let mut value = serde_json::to_value(action).unwrap_or(Value::Null);
    fill_action_nulls(&mut value);
    value
}

/// Adds the members of [`ACTION_MEMBERS`] that an action's JSON lacks, as null.
pub(crate) fn fill_action_nulls(value: &mut Value) {
    if let Value::Object(map) = value {
        for member in ACTION_MEMBERS {
            map.entry(*member).or_insert(Value::Null);
        }
    }
}

/// The order members appear in the service's answers; other members follow, by name.
const MEMBER_ORDER: &[&str] = &[
    "@odata.context",
    "id",
    "type",
    "title",
    "requestor",
    "requestorComment",
    "status",
    "machineId",
    "computerDnsName",
    "creationDateTimeUtc",
    "lastUpdateDateTimeUtc",
    "cancellationRequestor",
    "cancellationComment",
    "cancellationDateTimeUtc",
    "errorHResult",
    "scope",
    "externalId",
    "requestSource",
    "relatedFileInfo",
    "commands",
    "troubleshootInfo",
    "index",
    "startTime",
    "endTime",
    "commandStatus",
    "errors",
    "command",
    "params",
    "key",
    "fileIdentifier",
    "fileIdentifierType",
    "error",
    "code",
    "message",
    "target",
    "value",
    "@odata.nextLink",
];

/// Serializes a JSON value with object members in [`MEMBER_ORDER`].
struct Ordered<'a>(&'a Value);

impl Serialize for Ordered<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let rank = |key: &str| {
                    MEMBER_ORDER
                        .iter()
                        .position(|known| *known == key)
                        .unwrap_or(MEMBER_ORDER.len())
                };
                let mut members: Vec<(&String, &Value)> = map.iter().collect();
                members.sort_by_key(|(key, _)| rank(key));
                let mut out = serializer.serialize_map(Some(members.len()))?;
                for (key, value) in members {
                    out.serialize_entry(key, &Ordered(value))?;
                }
                out.end()
            }
            Value::Array(items) => {
                let mut out = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    out.serialize_element(&Ordered(item))?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// `value` as JSON text, members in the service's order.
pub(crate) fn to_bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(&Ordered(value)).unwrap_or_else(|_| b"{}".to_vec())
}

#[cfg(test)]
mod tests {
    use mde_machine_actions::models::{MachineActionStatus, MachineActionType};

    use super::*;

    #[test]
    fn entity_has_the_full_field_set_in_order() {
        let created =
            "2025-03-14T09:12:05.4417263Z".parse::<mde_machine_actions::Timestamp>().unwrap();
        let action = MachineAction::new(
            "b3a4",
            MachineActionType::Isolate,
            MachineActionStatus::Pending,
            created,
        );
        let reply = Reply::entity(201, &action, "http://127.0.0.1:1");
        let Body::Json(value) = &reply.body else { panic!("not JSON") };
        let text = String::from_utf8(to_bytes(value)).unwrap();
        assert!(text.starts_with(r#"{"@odata.context":"http://127.0.0.1:1/api/$metadata#MachineActions/$entity","id":"b3a4","type":"Isolate","title":null,"#), "{text}");
        assert!(text.ends_with(r#""commands":null,"troubleshootInfo":null}"#), "{text}");
    }

    #[test]
    fn failure_body_and_headers() {
        let mut failure = ApiFailure::new(429, ErrorCode::TooManyRequests, "slow down");
        failure.retry_after = Some(7);
        let reply = Reply::failure(&failure, "t-1");
        let Body::Json(value) = &reply.body else { panic!("not JSON") };
        assert_eq!(
            value,
            &serde_json::json!({"error": {"code": "TooManyRequests", "message": "slow down", "target": "t-1"}})
        );
        assert_eq!(reply.headers, vec![("retry-after", "7".to_owned())]);
    }
}
