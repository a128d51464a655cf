//! Payloads shaped like what other integrations recorded from the live service
//! (`tests/fixtures/real-world/`, described in its README) against the generated models: each
//! file round-trips through the model its content calls for, and the forward-compatibility
//! promises hold where the service surprises us: unknown enum values and unknown members are
//! kept at every level, nulls read as `None`, aliases are written back under the name they came
//! in with, and timestamps keep their exact text while comparing by instant. The Machine
//! lookups get the same checks (`tests/fixtures/real-world/machines/`): the `#Machines/$entity`
//! context, `Onboarded`, a numeric `rbacGroupId`, and unknown values and members.

use std::collections::{BTreeMap, BTreeSet};

use mde_machine_actions::models::{
    CommandStatus, DeviceValue, ErrorCode, ErrorResponse, ExposureLevel, FileIdentifierType,
    HealthStatus, LiveResponseCommandType, Machine, MachineAction, MachineActionCollection,
    MachineActionStatus, MachineActionType, MachineCollection, OnboardingStatus, OsArchitecture,
    RiskScore,
};
use mde_machine_actions::{Timestamp, UnknownFields};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::support::{check_valid, fixture, read, round_trip, schema_errors, try_round_trip};

/// The two files that deliberately carry values outside the spec's documented enums.
const BEYOND_THE_SPEC: &[&str] = &["error-unknown-code.json", "unknown-values.json"];

/// Which model a payload is, decided from its content alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Error,
    Collection,
    Action,
}

impl Kind {
    fn of(json: &Value) -> Self {
        if json.get("error").is_some() {
            Kind::Error
        } else if json.get("value").is_some_and(Value::is_array) {
            Kind::Collection
        } else {
            Kind::Action
        }
    }

    /// The spec's `$defs` name of the model.
    fn model(self) -> &'static str {
        match self {
            Kind::Error => "ErrorResponse",
            Kind::Collection => "MachineActionCollection",
            Kind::Action => "MachineAction",
        }
    }
}

/// The names of the `.json` files in `tests/fixtures/real-world/`, sorted.
fn files() -> Vec<String> {
    let dir = fixture("real-world");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    names.sort();
    names
}

#[track_caller]
fn text(file: &str) -> String {
    read(&fixture(&format!("real-world/{file}")))
}

#[track_caller]
fn json(file: &str) -> Value {
    serde_json::from_str(&text(file)).unwrap_or_else(|e| panic!("real-world/{file}: {e}"))
}

fn label(file: &str) -> String {
    format!("real-world/{file}")
}

#[track_caller]
fn collection(file: &str) -> MachineActionCollection {
    round_trip(&label(file), &text(file))
}

#[track_caller]
fn action(file: &str) -> MachineAction {
    round_trip(&label(file), &text(file))
}

#[track_caller]
fn error(file: &str) -> ErrorResponse {
    round_trip(&label(file), &text(file))
}

#[track_caller]
fn timestamp(text: &str) -> Timestamp {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Round-trips `file` through the model its content calls for; returns which one that was.
#[track_caller]
fn check_round_trip(file: &str) -> Kind {
    let kind = Kind::of(&json(file));
    match kind {
        Kind::Error => drop(error(file)),
        Kind::Collection => drop(collection(file)),
        Kind::Action => drop(action(file)),
    }
    kind
}

/// Asserts that the unknown member `name` was kept in `extra` (found `where_`) with `value`,
/// and that nothing else went there.
#[track_caller]
fn check_extra(where_: &str, extra: &UnknownFields, name: &str, value: Value) {
    assert_eq!(
        extra.get(name),
        Some(&value),
        "{where_}: unknown member `{name}` not kept; extra = {extra:?}"
    );
    assert_eq!(extra.len(), 1, "{where_}: known members leaked into extra: {extra:?}");
}

/// Asserts that the value at `pointer` of `written` is the string `expected`, as in the input.
#[track_caller]
fn check_written(written: &Value, pointer: &str, expected: &str) {
    assert_eq!(
        written.pointer(pointer),
        Some(&json!(expected)),
        "`{pointer}` is not written back as {expected:?}"
    );
}

/// Asserts that `actual` kept the text `expected` exactly and equals `same_instant` by instant.
#[track_caller]
fn check_timestamp(actual: &Timestamp, expected: &str, same_instant: &str) {
    assert_eq!(actual.as_str(), expected, "the text of a timestamp changed");
    assert_eq!(actual.to_string(), expected, "Display changed the text of a timestamp");
    assert_eq!(serde_json::to_value(actual).expect("serializes"), json!(expected));
    assert_eq!(
        *actual,
        timestamp(same_instant),
        "{expected} and {same_instant} are the same instant"
    );
}

/// The number of fraction digits written in an RFC 3339 timestamp.
fn fraction_digits(text: &str) -> usize {
    text.split_once('.').map_or(0, |(_, rest)| rest.bytes().take_while(u8::is_ascii_digit).count())
}

/// `file -> model` from the table in the README.
fn readme_table() -> BTreeMap<String, String> {
    read(&fixture("real-world/README.md"))
        .lines()
        .filter_map(|line| {
            let mut cells = line.strip_prefix("| `")?.split('|');
            let file = cells.next()?.trim().trim_matches('`');
            let model = cells.next()?.trim().trim_matches('`');
            file.ends_with(".json").then(|| (file.to_owned(), model.to_owned()))
        })
        .collect()
}

#[test]
fn every_real_world_file_round_trips_through_its_model() {
    let files = files();
    let kinds: BTreeSet<&str> = files.iter().map(|file| check_round_trip(file).model()).collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["ErrorResponse", "MachineAction", "MachineActionCollection"]),
        "the fixtures should exercise all three models; files: {files:?}"
    );
    assert!(files.len() >= 11, "only {} real-world fixtures found", files.len());
}

#[test]
fn the_readme_describes_every_file_with_the_model_its_content_calls_for() {
    let table = readme_table();
    let files = files();
    let described: Vec<&String> = table.keys().collect();
    assert_eq!(described, files.iter().collect::<Vec<_>>(), "README table and folder disagree");
    for file in &files {
        assert_eq!(
            table[file],
            Kind::of(&json(file)).model(),
            "real-world/{file}: README names another model"
        );
    }
}

#[test]
fn every_file_within_the_documented_values_is_valid_against_the_spec() {
    for file in files().iter().filter(|file| !BEYOND_THE_SPEC.contains(&file.as_str())) {
        check_valid(&label(file), Kind::of(&json(file)).model(), &json(file));
    }
}

#[test]
fn values_beyond_the_spec_break_the_schema_exactly_where_they_are() {
    // The models keep these values (below); the schema's closed enums reject them, exactly at
    // the places the fixtures put them and nowhere else.
    for (file, expected) in [
        (
            "unknown-values.json",
            &[
                "/value/0/status",
                "/value/0/type",
                "/value/1/commands/0/command/type",
                "/value/1/commands/0/commandStatus",
                // relatedFileInfo is a nullable `anyOf`, so the validator reports the object.
                "/value/2/relatedFileInfo",
            ][..],
        ),
        ("error-unknown-code.json", &["/error/code"][..]),
    ] {
        let instance = json(file);
        let errors = schema_errors(Kind::of(&instance).model(), &instance);
        let paths: BTreeSet<&str> = errors.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(paths, expected.iter().copied().collect(), "real-world/{file}: {errors:?}");
    }
}

#[test]
fn unknown_enum_values_are_kept_and_written_back() {
    let page = collection("unknown-values.json");
    let first = &page.value[0];
    assert_eq!(first.r#type, MachineActionType::Unknown("IsolateV2".to_owned()));
    assert!(!first.r#type.is_known());
    assert_eq!(first.r#type.as_str(), "IsolateV2");
    assert_eq!(first.status, MachineActionStatus::Unknown("Queued".to_owned()));
    assert!(
        !MachineActionStatus::KNOWN.contains(&first.status),
        "Queued is not a documented (or final) status"
    );

    let entry = &page.value[1].commands.as_deref().expect("commands")[0];
    assert_eq!(entry.command_status, CommandStatus::Unknown("Cancelled".to_owned()));
    assert_eq!(entry.command.r#type, LiveResponseCommandType::Unknown("RunCommand".to_owned()));
    let known = &page.value[1].commands.as_deref().expect("commands")[1];
    assert_eq!(known.command_status, CommandStatus::Created);
    assert_eq!(known.command.r#type, LiveResponseCommandType::GetFile);

    let info = page.value[2].related_file_info.as_ref().expect("relatedFileInfo");
    assert_eq!(info.file_identifier_type, FileIdentifierType::Unknown("Sha512".to_owned()));
    assert_eq!(info.file_identifier.len(), 128);

    let written = serde_json::to_value(&page).expect("serializes");
    for (pointer, value) in [
        ("/value/0/type", "IsolateV2"),
        ("/value/0/status", "Queued"),
        ("/value/1/commands/0/commandStatus", "Cancelled"),
        ("/value/1/commands/0/command/type", "RunCommand"),
        ("/value/1/commands/1/commandStatus", "Created"),
        ("/value/2/relatedFileInfo/fileIdentifierType", "Sha512"),
    ] {
        check_written(&written, pointer, value);
    }
}

#[test]
fn unknown_members_are_kept_at_every_level() {
    let page = collection("unknown-values.json");
    let live = &page.value[1];
    let commands = live.commands.as_deref().expect("commands");
    let info = page.value[2].related_file_info.as_ref().expect("relatedFileInfo");
    let cases: [(&str, &UnknownFields, &str, Value); 7] = [
        ("envelope", &page.extra, "@odata.count", json!(3)),
        ("value[0]", &page.value[0].extra, "newField", json!({"nested": [1, 2]})),
        ("value[1].commands[0]", &commands[0].extra, "durationMs", json!(1234)),
        ("value[1].commands[0].command", &commands[0].command.extra, "timeoutSeconds", json!(600)),
        (
            "value[1].commands[0].command.params[0]",
            &commands[0].command.params[0].extra,
            "sensitive",
            json!(false),
        ),
        (
            "value[2]",
            &page.value[2].extra,
            "fileInstances",
            json!([{"filePath": "C:\\x.exe", "status": "Quarantined"}]),
        ),
        ("value[2].relatedFileInfo", &info.extra, "fileName", json!("x.exe")),
    ];
    for (where_, extra, name, value) in cases {
        check_extra(where_, extra, name, value);
    }
    // Objects without surprises have nothing extra.
    assert!(live.extra.is_empty(), "value[1]: {:?}", live.extra);
    assert!(commands[1].extra.is_empty() && commands[1].command.extra.is_empty());
    assert!(commands[1].command.params[0].extra.is_empty());

    // A single action keeps its envelope's `@odata.context` as an unknown member.
    let single = action("isolate-pending-full-field-set.json");
    check_extra(
        "isolate-pending-full-field-set",
        &single.extra,
        "@odata.context",
        json!("https://api.security.microsoft.com/api/$metadata#MachineActions/$entity"),
    );
}

#[test]
fn nulls_read_as_none() {
    let pending = action("commands-index-null.json");
    let commands = pending.commands.as_deref().expect("commands");
    assert_eq!(commands.len(), 3);
    for (i, entry) in commands.iter().enumerate() {
        assert_eq!(entry.index, None, "commands[{i}].index");
        assert_eq!((&entry.start_time, &entry.end_time), (&None, &None), "commands[{i}] times");
        assert_eq!(entry.command_status, CommandStatus::Created);
        assert_eq!(entry.errors.as_deref(), Some(&[][..]), "commands[{i}].errors is [] not null");
    }
    let kinds: Vec<&LiveResponseCommandType> =
        commands.iter().map(|entry| &entry.command.r#type).collect();
    assert_eq!(
        kinds,
        [
            &LiveResponseCommandType::PutFile,
            &LiveResponseCommandType::RunScript,
            &LiveResponseCommandType::GetFile
        ]
    );

    let offboard = action("offboard-null-machine.json");
    assert_eq!(offboard.r#type, MachineActionType::Offboard);
    assert_eq!(offboard.machine_id, None);
    assert_eq!(offboard.computer_dns_name, None);

    let isolate = action("isolate-pending-full-field-set.json");
    assert_eq!(isolate.title, None);
    assert_eq!(isolate.scope, None);
    assert_eq!(isolate.external_id, None);
    assert_eq!(isolate.cancellation_date_time_utc, None);
    assert_eq!(isolate.related_file_info, None);
    assert_eq!(isolate.troubleshoot_info, None);
    assert_eq!(isolate.error_h_result, Some(0));
    assert_eq!(isolate.request_source.as_deref(), Some("PublicApi"));
    assert_eq!(isolate.commands.as_deref(), Some(&[][..]), "commands is [] not null");

    let completed = collection("list-live-response-completed.json");
    let commands = completed.value[0].commands.as_deref().expect("commands");
    assert_eq!(commands[0].index, Some(0));
    assert_eq!(commands[1].index, Some(1));
    assert_eq!(commands[1].start_time, None, "a completed GetFile may have no start time");
    assert_eq!(
        commands[1].end_time.as_ref().map(Timestamp::as_str),
        Some("2025-06-02T07:48:37.14Z")
    );
    assert_eq!(commands[0].command.params[0].value, "Get-AutorunsSnapshot.ps1");

    let empty = collection("empty-collection.json");
    assert!(empty.value.is_empty());
    assert_eq!(
        empty.odata_context.as_deref(),
        Some("https://api.security.microsoft.com/api/$metadata#MachineActions")
    );
    assert!(empty.extra.is_empty());
}

#[test]
fn each_item_keeps_the_last_update_name_it_came_with() {
    let page = collection("list-legacy-2020.json");
    let written = serde_json::to_value(&page).expect("serializes");
    for (i, (sent, not_sent)) in [
        ("lastUpdateTimeUtc", "lastUpdateDateTimeUtc"),
        ("lastUpdateDateTimeUtc", "lastUpdateTimeUtc"),
    ]
    .into_iter()
    .enumerate()
    {
        let item = &written["value"][i];
        assert!(item.get(sent).is_some_and(Value::is_string), "value[{i}] lost `{sent}`: {item}");
        assert!(item.get(not_sent).is_none(), "value[{i}] is written under `{not_sent}`: {item}");
        assert!(
            item.get("title").is_none() && item.get("troubleshootInfo").is_none(),
            "absent stays absent"
        );
        assert!(page.value[i].last_update_date_time_utc.is_some(), "value[{i}]");
        assert!(page.value[i].extra.is_empty(), "value[{i}]: {:?}", page.value[i].extra);
    }

    // The name is bookkeeping, not data: the same item under either name compares equal.
    let mut canonical = json("list-legacy-2020.json")["value"][0].clone();
    let object = canonical.as_object_mut().expect("object");
    let last_update = object.remove("lastUpdateTimeUtc").expect("item 0 uses the alias");
    object.insert("lastUpdateDateTimeUtc".to_owned(), last_update);
    let reread: MachineAction = serde_json::from_value(canonical).expect("deserializes");
    assert_eq!(reread, page.value[0]);
    let rewritten = serde_json::to_value(&reread).expect("serializes");
    assert!(
        rewritten.get("lastUpdateDateTimeUtc").is_some()
            && rewritten.get("lastUpdateTimeUtc").is_none()
    );
}

#[test]
fn timestamps_keep_their_text_and_compare_by_instant() {
    let original = json("fractions.json");
    let page = collection("fractions.json");
    assert_eq!(page.value.len(), 12);
    let written = serde_json::to_value(&page).expect("serializes");

    // Items whose comment is `digits: N` have N fraction digits, kept as written.
    let mut digit_cases = 0;
    for (i, item) in page.value.iter().enumerate() {
        let sent = original["value"][i]["creationDateTimeUtc"].as_str().expect("string");
        assert_eq!(item.creation_date_time_utc.as_str(), sent, "value[{i}]");
        check_written(&written, &format!("/value/{i}/creationDateTimeUtc"), sent);
        let comment = item.requestor_comment.as_deref().unwrap_or_default();
        if let Some(digits) = comment.strip_prefix("digits: ").and_then(|n| n.parse::<usize>().ok())
        {
            assert_eq!(
                fraction_digits(item.creation_date_time_utc.as_str()),
                digits,
                "value[{i}]: {comment}"
            );
            digit_cases += 1;
        }
    }
    assert_eq!(digit_cases, 9, "0 to 7 and 9 digits");

    let at = |i: usize| &page.value[i].creation_date_time_utc;
    check_timestamp(at(0), "2025-02-03T08:00:00Z", "2025-02-03T08:00:00.000000000Z");
    check_timestamp(at(1), "2025-02-03T08:01:07.5Z", "2025-02-03T08:01:07.500Z");
    check_timestamp(at(8), "2025-02-03T10:08:56.8374052+02:00", "2025-02-03T08:08:56.8374052Z");
    assert_eq!(at(8).to_offset_date_time().offset().whole_hours(), 2, "the offset is kept");
    check_timestamp(at(9), "2025-02-03T08:09:03.948516273Z", "2025-02-03T09:09:03.948516273+01:00");
    check_timestamp(at(10), "2025-02-03T08:10:10.1000000Z", "2025-02-03T08:10:10.1Z");
    let last_update = page.value[10].last_update_date_time_utc.as_ref().expect("set");
    check_timestamp(last_update, "2025-02-03T08:10:44.0300000Z", "2025-02-03T08:10:44.03Z");
    let cancelled = &page.value[6];
    assert_eq!(cancelled.status, MachineActionStatus::Cancelled);
    let cancelled_at = cancelled.cancellation_date_time_utc.as_ref().expect("set");
    check_timestamp(cancelled_at, "2025-02-03T08:07:15.2277134Z", "2025-02-03T08:07:15.2277134Z");

    // Ordering uses the instant: the +02:00 item sorts between its UTC neighbours, although its
    // text would sort after every other item.
    for i in 1..page.value.len() {
        assert!(
            at(i - 1) < at(i),
            "value[{}] ({}) should be before value[{i}] ({})",
            i - 1,
            at(i - 1),
            at(i)
        );
    }
    assert!(at(8).as_str() > at(9).as_str());

    let entry = &page.value[11].commands.as_deref().expect("commands")[0];
    check_timestamp(
        entry.start_time.as_ref().expect("set"),
        "2025-02-03T08:11:40.5Z",
        "2025-02-03T08:11:40.50Z",
    );
    check_timestamp(
        entry.end_time.as_ref().expect("set"),
        "2025-02-03T08:11:41.06Z",
        "2025-02-03T08:11:41.060Z",
    );
}

#[test]
fn timestamps_beyond_nine_fraction_digits_or_without_offset_are_rejected() {
    let mut item = json("fractions.json")["value"][9].clone();
    for bad in
        ["2025-02-03T08:09:03.9485162731Z", "2025-02-03T08:09:03.948", "2025-02-03", "yesterday"]
    {
        item["creationDateTimeUtc"] = json!(bad);
        let parsed = serde_json::from_value::<MachineAction>(item.clone());
        assert!(parsed.is_err(), "{bad} was accepted as a timestamp");
        assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
    }
}

#[test]
fn enum_values_and_errors_are_read_as_documented() {
    // fractions.json covers every documented action type and status.
    let page = collection("fractions.json");
    let types: BTreeSet<&str> = page.value.iter().map(|item| item.r#type.as_str()).collect();
    let statuses: BTreeSet<&str> = page.value.iter().map(|item| item.status.as_str()).collect();
    assert_eq!(types, MachineActionType::KNOWN.iter().map(MachineActionType::as_str).collect());
    assert_eq!(
        statuses,
        MachineActionStatus::KNOWN.iter().map(MachineActionStatus::as_str).collect()
    );
    assert!(page.value.iter().all(|item| item.r#type.is_known() && item.status.is_known()));
    assert_eq!(
        page.value[3].error_h_result,
        Some(-2_147_467_259),
        "0x80004005 as a signed 32-bit integer"
    );

    let busy = error("error-already-in-progress.json");
    assert_eq!(busy.error.code, ErrorCode::ActiveRequestAlreadyExists);
    assert_eq!(busy.error.message.as_deref(), Some("Action is already in progress"));

    let future = error("error-unknown-code.json");
    assert_eq!(future.error.code, ErrorCode::Unknown("SomeFutureCode".to_owned()));
    assert!(!future.error.code.is_known());
    assert_eq!(future.error.target.as_deref(), Some("fb6c1183-df91-42bc-8926-7e4a36ad6f9c"));
    let written = serde_json::to_value(&future).expect("serializes");
    check_written(&written, "/error/code", "SomeFutureCode");

    let macos = action("collect-package-macos.json");
    assert_eq!(macos.r#type, MachineActionType::CollectInvestigationPackage);
    assert_eq!(
        macos.requestor.as_deref(),
        Some("Northwind IR Orchestrator (northwindtraders.onmicrosoft.com)")
    );
    assert_eq!(macos.computer_dns_name.as_deref(), Some("nw-mbp-0231"));
}

#[test]
fn the_round_trip_check_notices_lost_or_changed_data() {
    // A model that forgets members must fail the check that every test above relies on.
    #[derive(Serialize, Deserialize)]
    struct OnlyId {
        id: String,
    }
    let lost = try_round_trip::<OnlyId>("lossy", r#"{"id": "a", "kept": 1}"#)
        .err()
        .expect("loss is noticed");
    assert!(
        lost.contains("lossy") && lost.contains("\"kept\": 1") && lost.contains("-  \"kept\": 1"),
        "{lost}"
    );
    // Null members count as absent; null array elements do not.
    assert!(try_round_trip::<OnlyId>("nulls", r#"{"id": "a", "gone": null}"#).is_ok());
    #[derive(Serialize, Deserialize)]
    struct List {
        items: Vec<Option<u8>>,
    }
    #[derive(Serialize, Deserialize)]
    struct Flattening {
        items: Vec<u8>,
    }
    assert!(try_round_trip::<List>("array", r#"{"items": [null, 1]}"#).is_ok());
    let message =
        try_round_trip::<Flattening>("array", r#"{"items": [null, 1]}"#).err().expect("not u8");
    assert!(message.contains("does not deserialize"), "{message}");

    // A changed timestamp text is noticed even when the instant is the same.
    let original = text("fractions.json");
    assert!(try_round_trip::<MachineActionCollection>("fractions", &original).is_ok());
    let mut page: MachineActionCollection = serde_json::from_str(&original).expect("deserializes");
    page.value[10].creation_date_time_utc = timestamp("2025-02-03T08:10:10.1Z");
    let changed = serde_json::to_value(&page).expect("serializes");
    assert_ne!(
        crate::support::strip_nulls(changed),
        crate::support::strip_nulls(json("fractions.json")),
        "the same instant written differently is a different document"
    );
}

/// An action carrying the last-update time under both of its names does not fail, and reads
/// the same whatever the member order, also after a trip through `serde_json::Value` (which
/// sorts members): the spec's name fills the field, the alias is kept as an unknown member, and
/// the JSON comes back as it came. The same name twice is still an error.
#[test]
fn both_names_of_one_member_are_kept() {
    let base = json!({
        "id": "4c4c1c1f-2a3b-4c5d-8e9f-0a1b2c3d4e5f",
        "type": "Isolate",
        "status": "Succeeded",
        "creationDateTimeUtc": "2024-03-01T08:00:00.1234567Z",
    });
    let canonical = "2024-03-01T08:05:00.1Z";
    let alias = "2024-03-01T08:06:00.2Z";
    let mut object = base.as_object().cloned().unwrap_or_default();
    object.insert("lastUpdateDateTimeUtc".to_owned(), json!(canonical));
    object.insert("lastUpdateTimeUtc".to_owned(), json!(alias));
    for (first, second) in [
        ("lastUpdateDateTimeUtc", "lastUpdateTimeUtc"),
        ("lastUpdateTimeUtc", "lastUpdateDateTimeUtc"),
    ] {
        let text = format!(
            "{{{}, \"{first}\": \"{}\", \"{second}\": \"{}\"}}",
            serde_json::to_string(&base).unwrap_or_default().trim_matches(['{', '}']),
            object[first].as_str().unwrap_or_default(),
            object[second].as_str().unwrap_or_default(),
        );
        let action: MachineAction =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{first} then {second}: {e}"));
        let through_value: MachineAction =
            serde_json::from_value(serde_json::from_str::<Value>(&text).expect("valid JSON"))
                .unwrap_or_else(|e| panic!("{first} then {second}, through Value: {e}"));
        for action in [&action, &through_value] {
            let field = action.last_update_date_time_utc.as_ref().map(Timestamp::as_str);
            assert_eq!(field, Some(canonical), "the spec's name wins ({first} then {second})");
            assert_eq!(action.extra.get("lastUpdateTimeUtc"), Some(&json!(alias)));
            let written = serde_json::to_value(action).expect("serializes");
            assert_eq!(written, Value::Object(object.clone()), "{first} then {second}");
        }
        assert_eq!(action, through_value);
    }
    // The alias alone fills the field, and is written back under its own name.
    let mut alone = base.as_object().cloned().unwrap_or_default();
    alone.insert("lastUpdateTimeUtc".to_owned(), json!(alias));
    let action: MachineAction =
        serde_json::from_value(Value::Object(alone.clone())).expect("deserializes");
    assert_eq!(action.last_update_date_time_utc.as_ref().map(Timestamp::as_str), Some(alias));
    assert!(action.extra.is_empty());
    assert_eq!(serde_json::to_value(&action).expect("serializes"), Value::Object(alone));
    let twice = r#"{"id": "a", "type": "Isolate", "status": "Succeeded",
        "creationDateTimeUtc": "2024-03-01T08:00:00Z",
        "lastUpdateTimeUtc": "2024-03-01T08:05:00Z", "lastUpdateTimeUtc": "2024-03-01T08:06:00Z"}"#;
    let error = serde_json::from_str::<MachineAction>(twice).expect_err("a name twice is refused");
    assert!(error.to_string().contains("duplicate field"), "{error}");
}

/// A member name written with escapes, or read from a stream (where no name can be borrowed
/// from the input), is matched like the same name written plainly; an unknown one is kept under
/// its unescaped name.
#[test]
fn escaped_and_streamed_member_names_read_like_plain_ones() {
    let text = r#"{"\u0069d": "4c4c1c1f-2a3b-4c5d-8e9f-0a1b2c3d4e5f", "type": "Isolate",
        "st\u0061tus": "Succeeded", "creationDateTimeUtc": "2024-03-01T08:00:00Z",
        "lastUpdateTime\u0055tc": "2024-03-01T08:05:00Z", "n\u00e9w": 1}"#;
    let read = [
        serde_json::from_str::<MachineAction>(text).expect("escaped names"),
        serde_json::from_reader::<_, MachineAction>(text.as_bytes()).expect("from a stream"),
    ];
    for action in read {
        assert_eq!(action.id.as_str(), "4c4c1c1f-2a3b-4c5d-8e9f-0a1b2c3d4e5f");
        assert_eq!(action.status, MachineActionStatus::Succeeded);
        let last_update = action.last_update_date_time_utc.as_ref().map(Timestamp::as_str);
        assert_eq!(last_update, Some("2024-03-01T08:05:00Z"));
        assert_eq!(action.extra.get("n\u{e9}w"), Some(&json!(1)));
        let written = serde_json::to_value(&action).expect("serializes");
        assert_eq!(written["lastUpdateTimeUtc"], json!("2024-03-01T08:05:00Z"));
    }
}

// ---------------------------------------------------------------------------------------------
// Machines (`tests/fixtures/real-world/machines/`, described in its README).
// ---------------------------------------------------------------------------------------------

/// The machine fixtures, by name.
const MACHINE_FILES: &[&str] =
    &["list-machines-two-eras.json", "machine-entity-2023.json", "unknown-values.json"];

#[track_caller]
fn machine_text(file: &str) -> String {
    read(&fixture(&format!("real-world/machines/{file}")))
}

#[track_caller]
fn machine_json(file: &str) -> Value {
    serde_json::from_str(&machine_text(file)).unwrap_or_else(|e| panic!("machines/{file}: {e}"))
}

#[track_caller]
fn machine_page(file: &str) -> MachineCollection {
    round_trip(&format!("real-world/machines/{file}"), &machine_text(file))
}

#[test]
fn every_machine_file_round_trips_and_the_documented_ones_are_valid() {
    let dir = fixture("real-world/machines");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    on_disk.sort();
    assert_eq!(on_disk, MACHINE_FILES, "fixtures and this test disagree");
    let readme = read(&dir.join("README.md"));
    for file in MACHINE_FILES {
        let json = machine_json(file);
        let label = format!("real-world/machines/{file}");
        let model = if json.get("value").is_some() { "MachineCollection" } else { "Machine" };
        assert!(readme.contains(&format!("| `machines/{file}` | `{model}` |")), "{file}: README");
        match model {
            "Machine" => drop(round_trip::<Machine>(&label, &machine_text(file))),
            _ => drop(machine_page(file)),
        }
        if *file != "unknown-values.json" {
            check_valid(&label, model, &json);
        }
    }
    // The invented values break the schema's enums exactly where they are, and nowhere else.
    let at: BTreeSet<String> =
        schema_errors("MachineCollection", &machine_json("unknown-values.json"))
            .into_iter()
            .map(|(path, _)| path)
            .collect();
    let expected: BTreeSet<String> = [
        "/value/0/healthStatus",
        "/value/0/riskScore",
        "/value/0/exposureLevel",
        "/value/0/deviceValue",
        "/value/0/onboardingStatus",
        "/value/0/osArchitecture",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(at, expected);
}

#[test]
fn a_real_machine_entity_keeps_its_context_and_undocumented_members() {
    let text = machine_text("machine-entity-2023.json");
    let machine: Machine = round_trip("real-world/machines/machine-entity-2023.json", &text);
    assert_eq!(machine.id.as_str(), "9c4e2a7b61d0f3e85a2c7d9b0e1f4a6c3b8d2e5f");
    assert_eq!(machine.onboarding_status, Some(OnboardingStatus::Onboarded), "capital O");
    assert_eq!(machine.rbac_group_id, Some(0), "a number, although documented String");
    assert_eq!(machine.rbac_group_name, None);
    assert_eq!(machine.is_aad_joined, Some(true));
    assert_eq!(machine.aad_device_id, None);
    assert_eq!(machine.os_architecture, Some(OsArchitecture::V64Bit));
    assert_eq!(machine.health_status, Some(HealthStatus::Active));
    assert_eq!(machine.risk_score, Some(RiskScore::Medium));
    assert_eq!(machine.exposure_level, Some(ExposureLevel::High));
    assert_eq!(machine.device_value, Some(DeviceValue::Normal));
    assert_eq!(machine.machine_tags.as_deref(), Some(&[][..]));
    let last_seen = machine.last_seen.as_ref().expect("lastSeen");
    check_timestamp(last_seen, "2025-03-18T06:41:09.880213Z", "2025-03-18T06:41:09.8802130Z");
    assert_eq!(
        machine.extra.get("@odata.context"),
        Some(&json!("https://api.securitycenter.microsoft.com/api/$metadata#Machines/$entity"))
    );
    let kept: BTreeSet<&str> = machine.extra.iter().map(|(name, _)| name.as_str()).collect();
    let undocumented = BTreeSet::from([
        "@odata.context",
        "mergedIntoMachineId",
        "isPotentialDuplication",
        "isExcluded",
        "exclusionReason",
        "osVersion",
        "agentVersion",
        "defenderAvStatus",
        "managedBy",
        "managedByStatus",
        "vmMetadata",
    ]);
    assert_eq!(kept, undocumented, "exactly the undocumented members are kept");
    assert_eq!(machine.extra.get("vmMetadata"), Some(&Value::Null), "a null is kept as null");
    let addresses = machine.ip_addresses.as_deref().expect("ipAddresses");
    assert_eq!(addresses.len(), 5);
    assert_eq!(addresses[2].operational_status.as_deref(), Some("Down"));
    assert_eq!(addresses[3].mac_address, None, "loopback has a null MAC");
    assert_eq!(addresses[3].r#type.as_deref(), Some("SoftwareLoopback"));
    assert!(addresses.iter().all(|a| a.extra.is_empty()));
    // Written back with every member and value (unknown members after the known ones).
    let written = serde_json::to_value(&machine).expect("serializes");
    assert_eq!(written, machine_json("machine-entity-2023.json"), "not written back in full");
}

#[test]
fn machines_of_two_eras_share_one_page() {
    let page = machine_page("list-machines-two-eras.json");
    assert_eq!(page.value.len(), 2);
    let old = &page.value[1];
    assert_eq!(old.health_status, Some(HealthStatus::Inactive));
    assert_eq!(old.risk_score, Some(RiskScore::None));
    assert_eq!(old.machine_tags.as_deref(), Some(&["kiosk".to_owned(), "floor-2".to_owned()][..]));
    assert!(old.extra.get("mergedIntoMachineId").is_none(), "the 2021 shape has none");
    assert_eq!(old.extra.get("managedBy"), Some(&json!("Unknown")));
    assert_eq!(page.odata_next_link, None);
}

#[test]
fn unknown_machine_values_and_members_are_kept_and_written_back() {
    let original = machine_json("unknown-values.json");
    let page = machine_page("unknown-values.json");
    let edge = &page.value[0];
    // The documented `Unknown` health lands in the catch-all (x-decisions M7), keeping its text.
    assert_eq!(edge.health_status, Some(HealthStatus::Unknown("Unknown".to_owned())));
    assert_eq!(edge.risk_score, Some(RiskScore::Unknown("Critical".to_owned())));
    assert_eq!(edge.exposure_level, Some(ExposureLevel::Unknown("Severe".to_owned())));
    assert_eq!(edge.device_value, Some(DeviceValue::Unknown("Critical".to_owned())));
    assert_eq!(
        edge.onboarding_status,
        Some(OnboardingStatus::Unknown("onboarded".to_owned())),
        "the table's lowercase spelling is not the wire's Onboarded (x-decisions M2)"
    );
    assert_eq!(edge.os_architecture, Some(OsArchitecture::Unknown("arm64".to_owned())));
    assert_eq!(edge.os_platform.as_deref(), Some("WindowsServer2025"));
    assert_eq!(edge.rbac_group_id, Some(41));
    check_extra("value[0]", &edge.extra, "newField", json!({"nested": [1, 2]}));
    let address = &edge.ip_addresses.as_deref().expect("ipAddresses")[0];
    check_extra("value[0].ipAddresses[0]", &address.extra, "dhcpEnabled", json!(true));
    assert_eq!(address.operational_status.as_deref(), Some("Dormant"));
    check_extra("envelope", &page.extra, "@odata.count", json!(2));

    // The property table's spelling `onboardingstatus` is read and written back as it came.
    let legacy = &page.value[1];
    assert_eq!(legacy.onboarding_status, Some(OnboardingStatus::CanBeOnboarded));
    assert_eq!(legacy.health_status, Some(HealthStatus::NoSensorDataImpairedCommunication));
    assert_eq!(legacy.os_architecture, Some(OsArchitecture::V32Bit));
    assert!(legacy.extra.is_empty(), "the alias leaked into extra: {:?}", legacy.extra);

    let written = serde_json::to_value(&page).expect("serializes");
    assert_eq!(written, original, "unknown values or members were not written back");
    check_written(&written, "/value/1/onboardingstatus", "CanBeOnboarded");
    assert!(written.pointer("/value/1/onboardingStatus").is_none(), "{written}");
}

#[test]
fn a_string_rbac_group_id_does_not_decode() {
    // x-decisions M3: the documented type is String, the wire sends a number, and the model
    // follows the wire. Should the service ever send a string, decoding says where.
    let error = serde_json::from_value::<Machine>(json!({"id": "m", "rbacGroupId": "140"}))
        .expect_err("a string is not an integer");
    assert!(error.to_string().contains("invalid type: string"), "{error}");
}
