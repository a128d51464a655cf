//! Microsoft's Machine examples (`tests/fixtures/docs-machines/`, listed in its `index.json`)
//! against the generated models and the spec. None of the machine bodies on the pages is valid
//! JSON, so each file names the repairs that turn it into its JSON body, with the reason; the
//! test shows the block does not parse as written, that every named repair changes it, and that
//! the repaired body deserializes into its model, serializes back to the same JSON and is valid
//! against the spec's schema. The one valid block, a bare `$count` number, is checked to be
//! what it is.

use std::collections::BTreeSet;

use mde_machine_actions::models::{
    DeviceValue, ExposureLevel, HealthStatus, Machine, MachineCollection, RiskScore,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::support::{check_valid, fixture, read, round_trip};

/// The commit of Microsoft's docs repository the examples were copied from.
const DOCS_COMMIT: &str = "0596477bae557f93ed1d0e21b96206b56c896ad3";

/// One entry of `tests/fixtures/docs-machines/index.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Example {
    file: String,
    model: Option<String>,
    source: String,
    request: String,
    repairs: Vec<String>,
    reason: String,
}

#[track_caller]
fn index() -> Vec<Example> {
    let path = fixture("docs-machines/index.json");
    serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[track_caller]
fn text(file: &str) -> String {
    read(&fixture(&format!("docs-machines/{file}")))
}

/// Applies the repair named `name` to `text`.
fn repair(name: &str, text: &str) -> String {
    match name {
        // The status line and headers before the body.
        "http-lines" => match text.find("\n{") {
            Some(at) if !text.starts_with('{') => text[at + 1..].to_owned(),
            _ => text.to_owned(),
        },
        // The fence's language tag glued to the body.
        "json-prefix" => text.strip_prefix("json").unwrap_or(text).to_owned(),
        // Two adjacent literals where the wire has one string: the first is kept.
        "os-platform-pair" => text.replace(r#""Windows10" "Windows11""#, r#""Windows10""#),
        // A `...` line, and the comma that would then trail the last item or member.
        "ellipsis" => {
            let mut out = String::new();
            for line in text.split_inclusive('\n') {
                if line.trim() == "..." {
                    let kept = out.trim_end().len();
                    out.truncate(kept);
                    if out.ends_with(',') {
                        out.pop();
                    }
                    out.push('\n');
                } else {
                    out.push_str(line);
                }
            }
            out
        }
        // A body whose item and `value` array are never closed: the last `}` closes the item.
        "close-truncated" => format!("{}\n    ]\n}}\n", text.trim_end()),
        other => panic!("index.json names the repair `{other}`, which this test does not know"),
    }
}

/// The JSON body of `example`: its file with its repairs applied in order, each of which must
/// change the text (a repair that finds nothing to fix is a stale index entry).
#[track_caller]
fn body(example: &Example) -> String {
    let mut current = text(&example.file);
    for name in &example.repairs {
        let repaired = repair(name, &current);
        assert_ne!(repaired, current, "{}: the repair `{name}` changes nothing", example.file);
        current = repaired;
    }
    current
}

#[track_caller]
fn example(file: &str) -> Example {
    index().into_iter().find(|e| e.file == file).unwrap_or_else(|| panic!("{file} not listed"))
}

#[test]
fn index_lists_every_machine_example_once_with_its_source_and_reason() {
    let examples = index();
    assert_eq!(examples.len(), 8, "the pages hold eight machine examples");
    let listed: BTreeSet<&str> = examples.iter().map(|e| e.file.as_str()).collect();
    assert_eq!(listed.len(), examples.len(), "a file is listed twice");
    let dir = fixture("docs-machines");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name != "index.json" && name != "README.md")
        .collect();
    let on_disk: BTreeSet<&str> = on_disk.iter().map(String::as_str).collect();
    assert_eq!(on_disk, listed, "files and index.json disagree");
    let spec = crate::support::spec_json();
    for example in &examples {
        let prefix = format!("https://github.com/MicrosoftDocs/defender-docs/blob/{DOCS_COMMIT}/");
        assert!(example.source.starts_with(&prefix), "{}: {}", example.file, example.source);
        assert!(example.source.contains("#L"), "{}: the source names no lines", example.file);
        assert!(example.request.contains("/machines"), "{}: {}", example.file, example.request);
        assert!(!example.reason.trim().is_empty(), "{}: no reason", example.file);
        if let Some(model) = &example.model {
            assert!(spec.pointer(&format!("/$defs/{model}")).is_some(), "{model} is no $defs");
        }
        // A `.txt` is not JSON as written, so it must say how it is repaired.
        let parses = serde_json::from_str::<Value>(&text(&example.file)).is_ok();
        assert_eq!(parses, example.file.ends_with(".json"), "{}", example.file);
        assert_eq!(parses, example.repairs.is_empty(), "{}", example.file);
    }
}

#[test]
fn every_repaired_machine_example_round_trips_and_is_valid_against_the_spec() {
    let mut checked = 0;
    for example in &index() {
        let Some(model) = &example.model else { continue };
        let label = format!("docs-machines/{} (repaired: {:?})", example.file, example.repairs);
        let body = body(example);
        let value: Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{label}: {e}\n{body}"));
        match model.as_str() {
            "Machine" => drop(round_trip::<Machine>(&label, &body)),
            "MachineCollection" => drop(round_trip::<MachineCollection>(&label, &body)),
            other => {
                panic!("{label}: index.json names model {other}, which this test does not map")
            }
        }
        check_valid(&label, model, &value);
        checked += 1;
    }
    assert_eq!(checked, 7, "every example but the $count number has a model");
}

#[test]
fn the_count_example_is_a_bare_number_no_machine_model_accepts() {
    let count = example("exposed-apis-odata-samples-response-7.json");
    assert_eq!(count.model, None);
    assert!(count.request.contains("/alerts/$count"), "{}", count.request);
    let value: Value = serde_json::from_str(&text(&count.file)).expect("valid JSON");
    assert_eq!(value, json!(4));
    assert!(serde_json::from_value::<Machine>(value.clone()).is_err());
    assert!(serde_json::from_value::<MachineCollection>(value).is_err());
}

#[test]
fn get_machine_example_keeps_its_documented_values() {
    let machine: Machine =
        serde_json::from_str(&body(&example("get-machine-by-id-response.txt"))).expect("parses");
    assert_eq!(machine.id.as_str(), "1e5bc9d7e413ddd7902c2932e418702b84d0cc07");
    assert_eq!(machine.computer_dns_name.as_deref(), Some("mymachine1.contoso.com"));
    assert_eq!(machine.os_platform.as_deref(), Some("Windows10"), "the pair's first value");
    assert_eq!(machine.os_build, Some(18209));
    assert_eq!(machine.rbac_group_id, Some(140), "a JSON number, although documented String");
    assert_eq!(machine.rbac_group_name.as_deref(), Some("The-A-Team"));
    assert_eq!(machine.is_aad_joined, Some(true), "only the examples show isAadJoined");
    assert_eq!(machine.health_status, Some(HealthStatus::Active));
    assert_eq!(machine.risk_score, Some(RiskScore::Low));
    assert_eq!(machine.exposure_level, Some(ExposureLevel::Medium));
    assert_eq!(machine.aad_device_id.as_deref(), Some("80fe8ff8-2624-418e-9591-41f0491218f9"));
    assert_eq!(
        machine.machine_tags.as_deref(),
        Some(&["test tag 1".to_owned(), "test tag 2".to_owned()][..])
    );
    assert_eq!(
        machine.last_seen.as_ref().map(|t| t.as_str()),
        Some("2018-08-02T14:55:03.7791856Z")
    );
    assert_eq!(
        machine.extra.get("@odata.context"),
        Some(&json!("https://api.security.microsoft.com/api/$metadata#Machine")),
        "the entity context is kept as an unknown member"
    );
    assert_eq!(machine.extra.len(), 1, "{:?}", machine.extra);
}

#[test]
fn samples_examples_keep_ip_addresses_and_device_values() {
    let page: MachineCollection =
        serde_json::from_str(&body(&example("exposed-apis-odata-samples-response-3.txt")))
            .expect("parses");
    assert_eq!(page.value.len(), 1, "the elided items are gone, the first is kept");
    let machine = &page.value[0];
    assert_eq!(
        machine.risk_score,
        Some(RiskScore::High),
        "the example answers riskScore eq 'High'"
    );
    assert_eq!(machine.device_value, Some(DeviceValue::Normal));
    assert_eq!(machine.rbac_group_id, None, "the samples do not show rbacGroupId");
    assert_eq!(machine.last_seen.as_ref().map(|t| t.as_str()), Some("2021-01-25T07:27:36.052313Z"));
    let addresses = machine.ip_addresses.as_deref().expect("ipAddresses");
    let ips: Vec<Option<&str>> = addresses.iter().map(|a| a.ip_address.as_deref()).collect();
    assert_eq!(ips, [Some("10.166.113.47"), Some("2a01:110:68:4:59e4:3916:3b3e:4f96")]);
    assert!(addresses.iter().all(|a| a.mac_address.as_deref() == Some("8CEC4B897E73")));
    assert!(addresses.iter().all(|a| a.operational_status.as_deref() == Some("Up")));
    assert!(addresses.iter().all(|a| a.extra.is_empty()));
    assert!(machine.extra.is_empty(), "{:?}", machine.extra);

    // Examples 4, 5 and 8 carry the same body; 8 only after its `json` prefix is dropped.
    let same =
        |file: &str| -> Value { serde_json::from_str(&body(&example(file))).expect("parses") };
    let four = same("exposed-apis-odata-samples-response-4.txt");
    assert_eq!(four, same("exposed-apis-odata-samples-response-5.txt"));
    assert_eq!(four, same("exposed-apis-odata-samples-response-8.txt"));
    assert_eq!(four["value"][0]["healthStatus"], json!("Active"));
}

#[test]
fn the_truncated_preview_example_keeps_its_empty_host_name() {
    let page: MachineCollection =
        serde_json::from_str(&body(&example("find-machine-info-by-ip-response.txt")))
            .expect("parses");
    assert_eq!(page.value.len(), 1);
    let machine = &page.value[0];
    assert_eq!(machine.id.as_str(), "04c99d46599f078f1c3da3783cf5b95f01ac61bb");
    assert_eq!(machine.computer_dns_name.as_deref(), Some(""), "an empty string, not null");
    assert_eq!(machine.last_seen, None, "the example stops before lastSeen");
    assert_eq!(
        page.odata_context.as_deref(),
        Some("https://graph.microsoft.com/testwdatppreview/$metadata#Machines")
    );
}
