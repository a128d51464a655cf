//! What handlers answer: [`Reply`] (status, headers, body) and [`ApiFailure`] (a documented
//! error), built from the SDK's models. JSON bodies are [`Json`] trees that keep members in
//! the order the models write them; an action's members are all written (null when empty,
//! the list coming from the model) in the order the service was recorded using.

use std::fmt;
use std::sync::OnceLock;

use mde_machine_actions::models::{
    ErrorCode, ErrorDetail, ErrorResponse, FileIdentifierType, MachineAction, MachineActionStatus,
    MachineActionType, RelatedFileInfo,
};
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap as _;
use serde::{Deserialize, Serialize, Serializer};
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

    /// 501 for an operation of the spec the simulator has no handler for.
    pub fn not_implemented(operation: &crate::route::Operation) -> Self {
        Self::new(
            501,
            ErrorCode::Unknown("NotImplemented".to_owned()),
            format!(
                "The simulator has no handler for operation {} ({} {})",
                operation.name,
                operation.verb.to_method(),
                operation.path
            ),
        )
    }

    /// 400 `ODataError`.
    pub fn odata(detail: impl std::fmt::Display) -> Self {
        Self::bad_request(ErrorCode::ODataError, format!("Invalid OData URI query: {detail}"))
    }
}

/// A JSON value whose objects keep their members in order (`serde_json::Value` sorts them),
/// so that answers carry members in the order the models, or the service, write them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    /// Members in order.
    Object(Vec<(String, Json)>),
    /// Items.
    Array(Vec<Json>),
    /// `null`, a boolean, a number or a string.
    Scalar(Value),
}

impl Json {
    /// `model` as the SDK writes it, members in the model's order.
    pub fn of<T: Serialize>(model: &T) -> Result<Json, ApiFailure> {
        serde_json::to_vec(model).and_then(|bytes| serde_json::from_slice(&bytes)).map_err(
            |error| ApiFailure::new(500, ErrorCode::InternalServerError, error.to_string()),
        )
    }

    /// An object with `members`, in this order.
    pub fn object<'k>(members: impl IntoIterator<Item = (&'k str, Json)>) -> Json {
        Json::Object(members.into_iter().map(|(key, value)| (key.to_owned(), value)).collect())
    }

    /// `null`.
    pub fn null() -> Json {
        Json::Scalar(Value::Null)
    }

    /// Member `key` of an object, to change.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Json> {
        match self {
            Json::Object(members) => members.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Scalar(Value::String(text)) => Some(text),
            _ => None,
        }
    }

    /// The JSON text.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_else(|_| b"{}".to_vec())
    }
}

impl From<Value> for Json {
    /// Objects keep `serde_json`'s member order (by name).
    fn from(value: Value) -> Self {
        match value {
            Value::Object(map) => {
                Json::Object(map.into_iter().map(|(k, v)| (k, v.into())).collect())
            }
            Value::Array(items) => Json::Array(items.into_iter().map(Json::from).collect()),
            scalar => Json::Scalar(scalar),
        }
    }
}

impl From<&str> for Json {
    fn from(text: &str) -> Self {
        Json::Scalar(Value::String(text.to_owned()))
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (key, value) in members {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
            Json::Array(items) => serializer.collect_seq(items),
            Json::Scalar(value) => value.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Scalar(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Scalar(Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Scalar(Value::from(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Scalar(Value::from(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::from(v))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::Scalar(Value::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::null())
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::null())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        Json::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = Vec::new();
        while let Some(member) = map.next_entry::<String, Json>()? {
            members.push(member);
        }
        Ok(Json::Object(members))
    }
}

/// A response body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    Json(Json),
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
    pub fn json(status: u16, body: Json) -> Self {
        Self { status, headers: Vec::new(), body: Body::Json(body) }
    }

    pub fn bytes(status: u16, content_type: &'static str, data: Vec<u8>) -> Self {
        Self { status, headers: Vec::new(), body: Body::Bytes { content_type, data } }
    }

    /// The documented error envelope for `failure`, with correlation id `target`.
    pub fn failure(failure: &ApiFailure, target: &str) -> Self {
        let mut reply = Self::json(
            failure.status,
            error_body(failure.status, &failure.code, &failure.message, target),
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

fn error_body(status: u16, code: &ErrorCode, message: &str, target: &str) -> Json {
    let mut detail = ErrorDetail::new(code.clone()).with_message(message);
    if !target.is_empty() {
        detail = detail.with_target(target);
    }
    Json::of(&ErrorResponse::new(detail)).unwrap_or_else(|_| {
        serde_json::json!({"error": {"code": code.as_str(), "message": message, "status": status}})
            .into()
    })
}

/// The order of a MachineAction's members in the service's answers, as recorded from the
/// service: not the order of Microsoft's property table, which the spec and the models
/// follow, and not recorded in the spec. Members missing here follow in the model's order.
const RECORDED_ACTION_ORDER: &[&str] = &[
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
];

/// Every member of a MachineAction under the name the model writes it: the members of an
/// action with each of them set. Recent answers carry all of them, null when empty.
pub(crate) fn action_members() -> &'static [String] {
    static MEMBERS: OnceLock<Vec<String>> = OnceLock::new();
    MEMBERS.get_or_init(|| match Json::of(&every_member_set()) {
        Ok(Json::Object(members)) => members.into_iter().map(|(name, _)| name).collect(),
        _ => Vec::new(),
    })
}

/// A MachineAction with every member set, through the model's own builders. A member the
/// spec gains needs its builder here: `actions_carry_the_spec_members_in_the_recorded_order`
/// (tests/it/simulator_protocol.rs) compares the answers with the spec.
fn every_member_set() -> MachineAction {
    let at = crate::clock::timestamp(time::OffsetDateTime::UNIX_EPOCH, false);
    MachineAction::new("", MachineActionType::Isolate, MachineActionStatus::Pending, at.clone())
        .with_scope("")
        .with_requestor("")
        .with_external_id("")
        .with_request_source("")
        .with_commands(Vec::new())
        .with_cancellation_requestor("")
        .with_requestor_comment("")
        .with_cancellation_comment("")
        .with_machine_id("")
        .with_computer_dns_name("")
        .with_cancellation_date_time_utc(at.clone())
        .with_last_update_date_time_utc(at)
        .with_title("")
        .with_related_file_info(RelatedFileInfo::new("", FileIdentifierType::Sha1))
        .with_error_h_result(0)
        .with_troubleshoot_info(Value::Null)
}

/// The members of a live response command entry (`commands[]`), in the order of the
/// documented answer of `runLiveResponse`, which writes `startTime` and `endTime` as `null`
/// until they are known instead of leaving them out.
const COMMAND_ENTRY_ORDER: &[&str] =
    &["index", "startTime", "endTime", "commandStatus", "errors", "command"];

/// A command entry as the service writes it: every member of [`COMMAND_ENTRY_ORDER`] (null
/// when empty), in that order; members it does not name follow.
fn command_entry_json(entry: &mut Json) {
    let Json::Object(members) = entry else { return };
    for name in COMMAND_ENTRY_ORDER {
        if !members.iter().any(|(key, _)| key == name) {
            members.push(((*name).to_owned(), Json::null()));
        }
    }
    let rank = |key: &str| {
        COMMAND_ENTRY_ORDER.iter().position(|known| *known == key).unwrap_or(usize::MAX)
    };
    members.sort_by_key(|(key, _)| rank(key));
}

/// `action` as the service writes it: every member (null when empty), in the recorded order,
/// and so each of its command entries.
pub(crate) fn action_json(action: &MachineAction) -> Result<Json, ApiFailure> {
    let mut json = Json::of(action)?;
    if let Some(Json::Array(commands)) = json.get_mut("commands") {
        commands.iter_mut().for_each(command_entry_json);
    }
    if let Json::Object(members) = &mut json {
        for name in action_members() {
            if !members.iter().any(|(key, _)| key == name) {
                members.push((name.clone(), Json::null()));
            }
        }
        let rank = |key: &str| {
            RECORDED_ACTION_ORDER
                .iter()
                .position(|known| *known == key)
                .unwrap_or(RECORDED_ACTION_ORDER.len())
        };
        members.sort_by_key(|(key, _)| rank(key));
    }
    Ok(json)
}

/// One action with its `@odata.context`, as the action methods, get and cancel return it.
pub(crate) fn entity(action: &MachineAction, base_url: &str) -> Result<Json, ApiFailure> {
    let mut json = action_json(action)?;
    if let Json::Object(members) = &mut json {
        let context = format!("{base_url}/api/$metadata#MachineActions/$entity");
        members.insert(0, ("@odata.context".to_owned(), Json::from(context.as_str())));
    }
    Ok(json)
}

#[cfg(test)]
mod tests {
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
        let json = entity(&action, "http://127.0.0.1:1").unwrap();
        let text = String::from_utf8(json.to_bytes()).unwrap();
        assert!(text.starts_with(r#"{"@odata.context":"http://127.0.0.1:1/api/$metadata#MachineActions/$entity","id":"b3a4","type":"Isolate","title":null,"#), "{text}");
        assert!(text.ends_with(r#""commands":null,"troubleshootInfo":null}"#), "{text}");
    }

    #[test]
    fn the_member_list_comes_from_the_model() {
        let members = action_members();
        for name in
            ["id", "externalId", "lastUpdateDateTimeUtc", "errorHResult", "troubleshootInfo"]
        {
            assert!(members.iter().any(|m| m == name), "{name}");
        }
        for name in RECORDED_ACTION_ORDER {
            assert!(members.iter().any(|m| m == name), "{name} is not a member of the model");
        }
    }

    #[test]
    fn json_keeps_member_order() {
        let text = r#"{"b":1,"a":[true,null,"x",-2,1.5],"c":{"z":{},"y":[]}}"#;
        let json: Json = serde_json::from_str(text).unwrap();
        assert_eq!(String::from_utf8(json.to_bytes()).unwrap(), text);
        let mut json = json;
        assert_eq!(json.get_mut("c").and_then(|c| c.get_mut("y")), Some(&mut Json::Array(vec![])));
        let sorted = Json::from(serde_json::json!({"b": 1, "a": 2}));
        assert_eq!(sorted.to_bytes(), br#"{"a":2,"b":1}"#);
    }

    #[test]
    fn failure_body_and_headers() {
        let mut failure = ApiFailure::new(429, ErrorCode::TooManyRequests, "slow down");
        failure.retry_after = Some(7);
        let reply = Reply::failure(&failure, "t-1");
        let Body::Json(json) = &reply.body else { panic!("not JSON") };
        assert_eq!(
            json.to_bytes(),
            br#"{"error":{"code":"TooManyRequests","message":"slow down","target":"t-1"}}"#
        );
        assert_eq!(reply.headers, vec![("retry-after", "7".to_owned())]);
    }
}
