//! Microsoft's own JSON examples (`tests/fixtures/docs/`, listed in its `index.json`) against
//! the generated models and the spec: each one deserializes into the model its page documents,
//! serializes back to the same JSON (a `null` member and an absent one count as equal), and is
//! valid against the spec's schema for that model. Negative cases show that the validation can
//! fail, and a few documented values are checked one by one.

use std::collections::BTreeSet;

use mde_machine_actions::models::{
    CancelMachineActionRequest, CollectInvestigationPackageRequest, ErrorCode, ErrorResponse,
    FileIdentifierType, IsolateRequest, IsolationType, LiveResponseCommandType, MachineAction,
    MachineActionCollection, MachineActionStatus, MachineActionType, OffboardRequest,
    RestrictCodeExecutionRequest, RunAntiVirusScanRequest, RunLiveResponseRequest, ScanType,
    StopAndQuarantineFileRequest, StringValue, UnisolateRequest, UnrestrictCodeExecutionRequest,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::support::{check_valid, fixture, read, round_trip, schema_errors, spec_json};

/// One line of `tests/fixtures/docs/index.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Example {
    file: String,
    model: String,
    source: String,
}

#[track_caller]
fn index() -> Vec<Example> {
    let path = fixture("docs/index.json");
    serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[track_caller]
fn example_text(file: &str) -> String {
    read(&fixture(&format!("docs/{file}")))
}

#[track_caller]
fn example_json(file: &str) -> Value {
    serde_json::from_str(&example_text(file)).unwrap_or_else(|e| panic!("docs/{file}: {e}"))
}

/// Round-trips the example `file` through the generated model `T` and returns it.
#[track_caller]
fn check_model<T: DeserializeOwned + serde::Serialize>(file: &str) -> T {
    round_trip::<T>(&format!("docs/{file}"), &example_text(file))
}

/// [`check_model`], for the loop over the index, which only needs the check.
#[track_caller]
fn round_trips<T: DeserializeOwned + serde::Serialize>(file: &str) {
    check_model::<T>(file);
}

/// Round-trips `example` through the generated model its index entry names.
#[track_caller]
fn check_round_trip(example: &Example) {
    let file = example.file.as_str();
    match example.model.as_str() {
        "MachineAction" => round_trips::<MachineAction>(file),
        "MachineActionCollection" => round_trips::<MachineActionCollection>(file),
        "StringValue" => round_trips::<StringValue>(file),
        "ErrorResponse" => round_trips::<ErrorResponse>(file),
        "CancelMachineActionRequest" => round_trips::<CancelMachineActionRequest>(file),
        "CollectInvestigationPackageRequest" => {
            round_trips::<CollectInvestigationPackageRequest>(file);
        }
        "IsolateRequest" => round_trips::<IsolateRequest>(file),
        "UnisolateRequest" => round_trips::<UnisolateRequest>(file),
        "RestrictCodeExecutionRequest" => round_trips::<RestrictCodeExecutionRequest>(file),
        "UnrestrictCodeExecutionRequest" => {
            round_trips::<UnrestrictCodeExecutionRequest>(file);
        }
        "OffboardRequest" => round_trips::<OffboardRequest>(file),
        "RunAntiVirusScanRequest" => round_trips::<RunAntiVirusScanRequest>(file),
        "StopAndQuarantineFileRequest" => round_trips::<StopAndQuarantineFileRequest>(file),
        "RunLiveResponseRequest" => round_trips::<RunLiveResponseRequest>(file),
        other => {
            panic!("docs/{file}: index.json names model {other}, which this test does not map")
        }
    }
}

/// Asserts that `instance` breaks the spec's `$defs/<model>`, with an error at `path`.
#[track_caller]
fn check_invalid(model: &str, instance: &Value, path: &str) {
    let errors = schema_errors(model, instance);
    assert!(
        errors.iter().any(|(at, _)| at == path),
        "{instance} should be rejected as a {model} with an error at `{path}`; errors: {errors:?}"
    );
}

#[test]
fn every_documented_example_round_trips_through_its_model() {
    let examples = index();
    assert!(examples.len() >= 19, "index.json lists only {} examples", examples.len());
    for example in &examples {
        check_round_trip(example);
    }
}

#[test]
fn every_documented_example_is_valid_against_the_spec() {
    for example in &index() {
        check_valid(
            &format!("docs/{}", example.file),
            &example.model,
            &example_json(&example.file),
        );
    }
}

#[test]
fn index_lists_every_example_exactly_once_with_a_spec_model() {
    let examples = index();
    let listed: Vec<&str> = examples.iter().map(|example| example.file.as_str()).collect();
    let unique: BTreeSet<&str> = listed.iter().copied().collect();
    assert_eq!(unique.len(), listed.len(), "index.json lists a file twice: {listed:?}");

    let dir = fixture("docs");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| path.file_name().expect("file name").to_string_lossy().into_owned())
        .filter(|name| name != "index.json")
        .collect();
    let on_disk: BTreeSet<&str> = on_disk.iter().map(String::as_str).collect();
    let unlisted: Vec<&&str> = on_disk.difference(&unique).collect();
    let missing: Vec<&&str> = unique.difference(&on_disk).collect();
    assert!(unlisted.is_empty(), "examples not in index.json, so never tested: {unlisted:?}");
    assert!(missing.is_empty(), "index.json lists files that do not exist: {missing:?}");

    let spec = spec_json();
    for example in &examples {
        assert!(
            spec.pointer(&format!("/$defs/{}", example.model)).is_some(),
            "docs/{}: model {} is not a $defs entry of the spec",
            example.file,
            example.model
        );
        assert!(
            example.source.starts_with("https://learn.microsoft.com/")
                || example.source.starts_with("https://github.com/MicrosoftDocs/"),
            "docs/{}: unexpected source {}",
            example.file,
            example.source
        );
    }
}

#[test]
fn validation_rejects_what_the_spec_forbids() {
    // Request bodies are closed and case-sensitive: `comment` is not `Comment`.
    let lower_case = json!({"comment": "Isolate machine due to alert 1234"});
    check_invalid("IsolateRequest", &lower_case, "");
    assert_eq!(
        schema_errors("IsolateRequest", &lower_case).len(),
        2,
        "additionalProperties and required"
    );
    // The generated request model agrees.
    assert!(serde_json::from_value::<IsolateRequest>(lower_case).is_err());

    // `id` is required on a MachineAction.
    let mut no_id = example_json("get-machineaction-object-response.json");
    no_id.as_object_mut().expect("object").remove("id");
    check_invalid("MachineAction", &no_id, "");
    assert!(schema_errors("MachineAction", &no_id)[0].1.contains("id"));
    assert!(serde_json::from_value::<MachineAction>(no_id).is_err());

    // Sha1 is 40 hexadecimal digits.
    let short_sha1 = json!({"Comment": "Stop and quarantine", "Sha1": "87662bc3d60e4200"});
    check_invalid("StopAndQuarantineFileRequest", &short_sha1, "/Sha1");

    // Formats are checked: a date-time must be RFC 3339.
    let mut bad_time = example_json("get-machineaction-object-response.json");
    bad_time["creationDateTimeUtc"] = json!("2019-01-02 14:39:38");
    check_invalid("MachineAction", &bad_time, "/creationDateTimeUtc");
    assert!(serde_json::from_value::<MachineAction>(bad_time).is_err());

    // Closed request enums reject values outside the documented set.
    let bad_scan = json!({"Comment": "scan", "ScanType": "Deep"});
    check_invalid("RunAntiVirusScanRequest", &bad_scan, "/ScanType");
    assert!(serde_json::from_value::<RunAntiVirusScanRequest>(bad_scan).is_err());

    // Nested errors are found too: a live response command without params.
    let no_params = json!({"Commands": [{"type": "GetFile"}], "Comment": "x"});
    check_invalid("RunLiveResponseRequest", &no_params, "/Commands/0");
    let no_commands = json!({"Commands": [], "Comment": "x"});
    check_invalid("RunLiveResponseRequest", &no_commands, "/Commands");
}

#[test]
fn get_example_keeps_its_documented_values() {
    let action = check_model::<MachineAction>("get-machineaction-object-response.json");
    assert_eq!(action.id.as_str(), "5382f7ea-7557-4ab7-9782-d50480024a4e");
    assert_eq!(action.r#type, MachineActionType::Isolate);
    assert_eq!(action.status, MachineActionStatus::Succeeded);
    assert_eq!(action.scope.as_deref(), Some("Selective"));
    assert_eq!(
        action.machine_id.as_ref().map(|id| id.as_str()),
        Some("7b1f4967d9728e5aa3c06a9e617a22a4a5a17378")
    );
    assert_eq!(action.creation_date_time_utc.as_str(), "2019-01-02T14:39:38.2262283Z");
    assert_eq!(action.related_file_info, None);
    assert_eq!(
        action.extra.get("@odata.context"),
        Some(&json!("https://api.security.microsoft.com/api/$metadata#MachineActions/$entity"))
    );

    let written = serde_json::to_value(&action).expect("serializes");
    assert_eq!(written["creationDateTimeUtc"], json!("2019-01-02T14:39:38.2262283Z"));
    assert_eq!(written["lastUpdateDateTimeUtc"], json!("2019-01-02T14:40:44.6596267Z"));
    assert!(written.get("lastUpdateTimeUtc").is_none(), "{written}");
}

#[test]
fn list_examples_keep_the_last_update_time_utc_alias() {
    for (file, count) in [
        ("get-machineactions-collection-response-1.json", 3),
        ("get-machineactions-collection-response-2.json", 2),
    ] {
        let original = example_json(file);
        let page = check_model::<MachineActionCollection>(file);
        assert_eq!(page.value.len(), count, "{file}");
        let written = serde_json::to_value(&page).expect("serializes");
        for (i, action) in page.value.iter().enumerate() {
            let sent = &original["value"][i]["lastUpdateTimeUtc"];
            assert!(sent.is_string(), "{file}: item {i} does not use lastUpdateTimeUtc");
            assert_eq!(
                action.last_update_date_time_utc.as_ref().map(|t| t.as_str()),
                sent.as_str(),
                "{file}: item {i}: the alias is not read into last_update_date_time_utc"
            );
            let item = &written["value"][i];
            assert_eq!(
                &item["lastUpdateTimeUtc"], sent,
                "{file}: item {i} is not written back under the alias"
            );
            assert!(
                item.get("lastUpdateDateTimeUtc").is_none(),
                "{file}: item {i} is written under both names"
            );
            assert!(
                action.extra.is_empty(),
                "{file}: item {i}: the alias leaked into extra: {:?}",
                action.extra
            );
        }
    }
    let first =
        check_model::<MachineActionCollection>("get-machineactions-collection-response-2.json");
    assert_eq!(first.value[0].r#type, MachineActionType::CollectInvestigationPackage);
    assert_eq!(first.value[1].r#type, MachineActionType::RunAntiVirusScan);
    assert_eq!(first.value[0].scope, None);
    assert_eq!(first.value[1].scope.as_deref(), Some("Full"));
}

#[test]
fn other_response_examples_keep_their_documented_values() {
    let representation = check_model::<MachineAction>("machineaction-representation.json");
    assert!(representation.extra.is_empty(), "{:?}", representation.extra);
    assert_eq!(representation.related_file_info, None);

    let page =
        check_model::<MachineActionCollection>("get-machineactions-collection-response-1.json");
    let quarantine = &page.value[2];
    assert_eq!(quarantine.r#type, MachineActionType::StopAndQuarantineFile);
    let info = quarantine.related_file_info.as_ref().expect("relatedFileInfo is set");
    assert_eq!(info.file_identifier, "a0c659857ccbe457fdaf5fe21d54efdcbf6f6508");
    assert_eq!(info.file_identifier_type, FileIdentifierType::Sha1);
    assert!(info.extra.is_empty(), "{:?}", info.extra);

    let live = check_model::<MachineAction>("run-live-response-response.json");
    assert_eq!(live.id.as_str(), "{machine_action_id}", "placeholder ids are opaque");
    assert_eq!(live.machine_id.as_ref().map(|id| id.as_str()), Some("{machine_id}"));
    assert_eq!(live.r#type, MachineActionType::LiveResponse);
    assert_eq!(live.status, MachineActionStatus::Pending);
    assert_eq!(live.error_h_result, Some(0));
    let commands = live.commands.as_deref().unwrap_or_default();
    assert!(!commands.is_empty(), "the live response example has commands");
    assert!(commands.iter().all(|entry| entry.command.r#type.is_known() && entry.extra.is_empty()));

    let sas = check_model::<StringValue>("get-package-sas-uri-response.json");
    assert!(
        sas.value.starts_with("\"https://") && sas.value.ends_with('"'),
        "the literal quotes around the URL must be kept"
    );
    assert_eq!(
        sas.odata_context.as_deref(),
        Some("https://api.security.microsoft.com/api/$metadata#Edm.String")
    );
    let result = check_model::<StringValue>("get-live-response-result-response.json");
    assert!(result.value.starts_with("https://"), "{}", result.value);

    for (file, code) in [
        ("common-errors-response-1.json", ErrorCode::ResourceNotFound),
        ("common-errors-response-2.json", ErrorCode::InvalidRequestBody),
    ] {
        let error = check_model::<ErrorResponse>(file);
        assert_eq!(error.error.code, code, "{file}");
        assert!(error.error.message.is_some(), "{file}");
    }
}

#[test]
fn request_examples_keep_their_documented_values() {
    let isolate = check_model::<IsolateRequest>("isolate-machine-request.json");
    assert_eq!(isolate.comment, "Isolate machine due to alert 1234");
    assert_eq!(isolate.isolation_type, Some(IsolationType::Full));

    let scan = check_model::<RunAntiVirusScanRequest>("run-av-scan-request.json");
    assert!(ScanType::KNOWN.contains(&scan.scan_type));

    let quarantine =
        check_model::<StopAndQuarantineFileRequest>("stop-and-quarantine-file-request.json");
    assert_eq!(quarantine.sha1, "87662bc3d60e4200ceaf7aae249d1c343f4b83c9");

    let live = check_model::<RunLiveResponseRequest>("run-live-response-request.json");
    assert_eq!(live.comment, "Testing Live Response API");
    let kinds: Vec<&LiveResponseCommandType> =
        live.commands.iter().map(|command| &command.r#type).collect();
    assert_eq!(kinds, [&LiveResponseCommandType::RunScript, &LiveResponseCommandType::GetFile]);
    let params: Vec<(&str, &str)> = live.commands[0]
        .params
        .iter()
        .map(|param| (param.key.as_str(), param.value.as_str()))
        .collect();
    assert_eq!(params, [("ScriptName", "minidump.ps1"), ("Args", "OfficeClickToRun")]);
    assert_eq!(live.commands[1].params[0].value, "C:\\windows\\TEMP\\OfficeClickToRun.dmp.zip");
    // Written back with the documented casing: PascalCase outside, lowercase inside commands.
    let written = serde_json::to_value(&live).expect("serializes");
    assert!(written.get("Commands").is_some() && written.get("Comment").is_some(), "{written}");
    assert!(written["Commands"][0].get("type").is_some(), "{written}");
}

/// The spec itself follows its dialect's meta-schema (`spec/spec.schema.json`, what editors
/// validate against), and the meta-schema catches a typo the generator also rejects.
#[test]
fn the_spec_follows_its_meta_schema() {
    let meta_path = crate::support::project_root().join("spec/spec.schema.json");
    let meta: serde_json::Value =
        serde_json::from_str(&crate::support::read(&meta_path)).expect("the meta-schema is JSON");
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&meta)
        .expect("the meta-schema compiles");
    let spec = crate::support::spec_json();
    let errors: Vec<String> =
        validator.iter_errors(&spec).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "the spec does not follow spec.schema.json:\n{}", errors.join("\n"));

    let mut typo = spec;
    typo["x-methods"][0]["retrySafee"] = serde_json::Value::Bool(true);
    assert!(!validator.is_valid(&typo), "the meta-schema accepts an unknown method keyword");
}
