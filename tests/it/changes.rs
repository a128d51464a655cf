//! The semantic change report and the version guard: every edit of the corpus
//! `tests/fixtures/changes/spec-edits.json` yields exactly its expected changes, each with its
//! impact on the SDK and the command-line tool and the bump it needs; the version rules follow
//! Cargo's; and the guard, on a real git history, fails a breaking change until the crate's
//! version carries the bump.

use std::path::Path;
use std::process::Command;

use codegen::changes::{self, Audience, Bump, Impact, Verdict, Version, render};
use serde_json::Value;
use xtask::changes::{Base, report};

use crate::support::{fixture, read, spec_json};

/// The real spec without its `x-decisions`: the decisions point into the spec (and the edits
/// would leave some pointing nowhere), and the report does not compare them.
pub(crate) fn spec() -> Value {
    let mut spec = spec_json();
    spec.as_object_mut().expect("an object").remove("x-decisions");
    spec
}

fn lower(spec: &Value) -> codegen::ir::Api {
    let document = codegen::load::load(&spec.to_string()).expect("the spec loads");
    match codegen::lower::lower(&document) {
        Ok(api) => api,
        Err(problems) => panic!("the edited spec is refused:\n{problems}"),
    }
}

/// Applies one JSON-pointer edit (`remove`, `replace`, `add`; `-` appends to an array).
pub(crate) fn apply(spec: &mut Value, edit: &Value) -> Result<(), String> {
    let op = edit["op"].as_str().unwrap_or_default();
    let path = edit["path"].as_str().unwrap_or_default();
    let (parent, key) = path.rsplit_once('/').ok_or_else(|| format!("bad path {path}"))?;
    let key = key.replace("~1", "/").replace("~0", "~");
    let target = spec.pointer_mut(parent).ok_or_else(|| format!("no {parent}"))?;
    let value = edit.get("value").cloned();
    match (op, target, value) {
        ("remove", Value::Object(map), None) => map.remove(&key).map(drop).ok_or(key),
        ("remove", Value::Array(items), None) => {
            let index: usize = key.parse().map_err(|_| key.clone())?;
            (index < items.len()).then(|| drop(items.remove(index))).ok_or(key)
        }
        ("replace", Value::Object(map), Some(value)) if map.contains_key(&key) => {
            map.insert(key, value);
            Ok(())
        }
        ("replace", Value::Array(items), Some(value)) => {
            let slot = key.parse::<usize>().ok().and_then(|i| items.get_mut(i)).ok_or(key)?;
            *slot = value;
            Ok(())
        }
        ("add", Value::Object(map), Some(value)) => {
            map.insert(key, value);
            Ok(())
        }
        ("add", Value::Array(items), Some(value)) if key == "-" => {
            items.push(value);
            Ok(())
        }
        _ => Err(format!("cannot {op} {path}")),
    }
    .map_err(|what| format!("cannot {op} {path} ({what})"))
}

fn line(change: &changes::Change) -> String {
    format!("{} {} {} {}", change.kind, change.subject, change.sdk, change.cli)
}

#[test]
fn every_spec_edit_of_the_corpus_gets_its_changes_and_bump() {
    let corpus: Value =
        serde_json::from_str(&read(&fixture("changes/spec-edits.json"))).expect("corpus JSON");
    let base = spec();
    let base_api = lower(&base);
    let mut failures = Vec::new();
    let cases = corpus["cases"].as_array().expect("cases");
    assert!(cases.len() >= 30, "the corpus shrank to {} cases", cases.len());
    for case in cases {
        let name = case["name"].as_str().unwrap_or_default();
        let mut spec = base.clone();
        for edit in case["edits"].as_array().expect("edits") {
            if let Err(problem) = apply(&mut spec, edit) {
                failures.push(format!("{name}: {problem}"));
            }
        }
        let found = changes::compare(&base_api, &lower(&spec));
        for change in &found {
            // Code spans must not nest: the text goes into Markdown as it is.
            if change.detail.contains("``") || change.detail.contains("<`") {
                failures.push(format!("{name}: broken code spans in {:?}", change.detail));
            }
        }
        let mut got: Vec<String> = found.iter().map(line).collect();
        let mut want: Vec<String> = case["expect"]
            .as_array()
            .expect("expect")
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect();
        got.sort();
        want.sort();
        if got != want {
            failures.push(format!("{name}:\n  expected {want:#?}\n  got {got:#?}"));
        }
        let impact = changes::worst(&found, Audience::Sdk);
        let bumps: Vec<&str> = ["0.1.0", "1.0.0"]
            .iter()
            .map(|v| Version::parse(v).expect("version").bump_for(impact).as_str())
            .collect();
        let expected: Vec<&str> =
            case["bump"].as_array().expect("bump").iter().filter_map(Value::as_str).collect();
        if bumps != expected {
            failures.push(format!("{name}: bumps {bumps:?}, expected {expected:?}"));
        }
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn comparing_a_spec_with_itself_finds_nothing() {
    let api = lower(&spec());
    assert_eq!(changes::compare(&api, &api), Vec::new());
}

#[test]
fn versions_follow_cargo_rules_before_and_after_one_point_zero() {
    let v = |text: &str| Version::parse(text).expect("version");
    let cases = [
        ("0.1.0", Impact::Breaking, "0.2.0"),
        ("0.1.3", Impact::Additive, "0.1.4"),
        ("0.1.3", Impact::Patch, "0.1.4"),
        ("0.0.3", Impact::Breaking, "0.0.4"),
        ("0.0.3", Impact::Additive, "0.0.4"),
        ("1.2.3", Impact::Breaking, "2.0.0"),
        ("1.2.3", Impact::Additive, "1.3.0"),
        ("1.2.3", Impact::Patch, "1.2.4"),
        ("1.2.3", Impact::None, "1.2.3"),
    ];
    for (from, impact, to) in cases {
        assert_eq!(v(from).bumped(v(from).bump_for(impact)), v(to), "{from} after {impact}");
    }
    assert_eq!(v("0.1.0").bump_for(Impact::None), Bump::None);
    for bad in ["0.1", "1.2.3-beta", "01.2.3", "a.b.c", ""] {
        assert!(Version::parse(bad).is_err(), "{bad:?} parsed");
    }

    let verdict = |base: Option<&str>, head: &str, impact| {
        Verdict::new("sdk", Audience::Sdk, base.map(v), v(head), impact).satisfied()
    };
    assert!(!verdict(Some("0.1.0"), "0.1.0", Impact::Breaking));
    assert!(!verdict(Some("0.1.0"), "0.1.7", Impact::Breaking));
    assert!(verdict(Some("0.1.0"), "0.2.0", Impact::Breaking));
    assert!(verdict(Some("0.1.0"), "1.0.0", Impact::Breaking));
    assert!(!verdict(Some("1.4.0"), "1.9.0", Impact::Breaking));
    assert!(verdict(Some("1.4.0"), "2.0.0", Impact::Breaking));
    assert!(verdict(Some("0.1.0"), "0.1.0", Impact::Additive), "additions wait for a release");
    assert!(verdict(None, "0.1.0", Impact::Breaking), "a new crate has no rule");
}

#[test]
fn markdown_and_json_reports_name_the_breaking_changes_and_the_bump() {
    let base = spec();
    let mut head = base.clone();
    apply(&mut head, &serde_json::json!({"op": "remove", "path": "/x-methods/13"})).unwrap();
    apply(&mut head, &serde_json::json!({"op": "add", "path": "/$defs/MachineAction/properties/priority", "value": {"description": "How urgent.", "type": ["string", "null"]}})).unwrap();
    let v = |text: &str| Version::parse(text).ok();
    let crates = [
        (Audience::Sdk, "mde-machine-actions", v("0.1.0"), v("0.1.0").unwrap()),
        (Audience::Cli, "mde-cli", None, v("0.1.0").unwrap()),
    ];
    let report = changes::Report::new(
        ("release 0.1.0", "the working tree", "spec/machineaction.json"),
        &lower(&base),
        &lower(&head),
        &crates,
    );
    assert!(report.missing_bump());

    let markdown = render::to_markdown(&report);
    for expected in [
        "## Spec changes",
        "| `mde-machine-actions` | breaking | 0.1.0 → 0.2.0 (minor bump) **(not bumped yet)** |",
        "| `mde-cli` | breaking | 0.1.0 (new crate) |",
        "### Added\n\n- New optional member `priority`",
        "### Removed\n\n- **Breaking (SDK, CLI):** Method `cancelMachineAction`",
        "rule [`item-remove`](https://doc.rust-lang.org/cargo/reference/semver.html#item-remove)",
    ] {
        assert!(markdown.contains(expected), "no {expected:?} in\n{markdown}");
    }

    let json: Value = serde_json::from_str(&render::to_json(&report)).expect("JSON report");
    assert_eq!(json["crates"][0]["required_version"], "0.2.0");
    assert_eq!(json["crates"][0]["satisfied"], false);
    let kinds: Vec<&str> =
        json["changes"].as_array().unwrap().iter().filter_map(|c| c["kind"].as_str()).collect();
    assert_eq!(kinds, ["member-added", "method-removed"], "in spec order: types, then methods");
    assert_eq!(json["changes"][1]["rule"]["id"], "item-remove");

    let text = render::to_text(&report);
    assert!(text.contains("breaking changes need a minor bump, to 0.2.0 or later"), "{text}");
    let summary = render::to_summary(&report);
    assert!(summary.contains("breaking: cancelMachineAction"), "{summary}");
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(status.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&status.stderr));
}

fn write(dir: &Path, relative: &str, text: &str) {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn manifest(name: &str, version: &str) -> String {
    format!("[package]\nname = \"{name}\"\nversion = \"{version}\"\n")
}

#[test]
fn the_version_guard_fails_a_breaking_change_until_the_crate_is_bumped() {
    let dir = std::env::temp_dir().join(format!("changes-guard-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let spec = spec();
    let released = serde_json::to_string_pretty(&spec).unwrap();
    write(&dir, "spec/machineaction.json", &released);
    write(&dir, "generated/Cargo.toml", &manifest("mde-machine-actions", "0.3.1"));
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "release 0.3.1"]);
    // The release record keeps a copy of the released spec, so the guard needs no history.
    write(&dir, "spec/released/machineaction-0.3.1.json", &released);
    write(
        &dir,
        "spec/releases.json",
        r#"{"release": "0.3.1", "commit": "0123456789abcdef", "spec": "spec/released/machineaction-0.3.1.json", "versions": {"mde-machine-actions": "0.3.1"}}"#,
    );
    write(&dir, "cli/Cargo.toml", &manifest("mde-cli", "0.1.0"));

    // A breaking change, committed: the guard compares with the release, not with HEAD.
    let mut edited = spec.clone();
    let edit = serde_json::json!({"op": "remove", "path": "/$defs/MachineAction/properties/title"});
    apply(&mut edited, &edit).unwrap();
    write(&dir, "spec/machineaction.json", &serde_json::to_string_pretty(&edited).unwrap());
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "drop title"]);

    let since_head = report(&dir, &Base::Rev("HEAD".into())).expect("report from HEAD");
    assert!(since_head.changes.is_empty(), "{:?}", since_head.changes);
    let since_first = report(&dir, &Base::Rev("HEAD~1".into())).expect("report from HEAD~1");
    assert_eq!(since_first.changes.len(), 1, "{:?}", since_first.changes);
    assert_eq!(since_first.verdicts[1].base, None, "no cli/Cargo.toml at HEAD~1");

    let guard = report(&dir, &Base::Release).expect("report from the release");
    assert_eq!(guard.base, "release 0.3.1 (0123456)");
    let lines: Vec<String> = guard.changes.iter().map(line).collect();
    assert_eq!(lines, ["member-removed MachineAction.title breaking patch"]);
    assert!(guard.missing_bump());
    let sdk = &guard.verdicts[0];
    let expected = ("mde-machine-actions", Bump::Minor, Version::parse("0.4.0").ok());
    assert_eq!((sdk.name.as_str(), sdk.bump(), sdk.required()), expected);
    assert!(sdk.summary().contains("set version = \"0.4.0\""), "{}", sdk.summary());
    assert_eq!(guard.verdicts[1].base, None, "the CLI crate is new since the release");

    write(&dir, "generated/Cargo.toml", &manifest("mde-machine-actions", "0.4.0"));
    let bumped = report(&dir, &Base::Release).expect("report after the bump");
    assert!(!bumped.missing_bump(), "{}", render::to_text(&bumped));

    let unknown = report(&dir, &Base::Rev("no-such-rev".into())).unwrap_err();
    assert!(unknown.contains("no-such-rev"), "{unknown}");
    std::fs::remove_file(dir.join("spec/released/machineaction-0.3.1.json")).unwrap();
    let missing = report(&dir, &Base::Release).unwrap_err();
    assert!(missing.contains("machineaction-0.3.1.json"), "{missing}");
    let _ = std::fs::remove_dir_all(&dir);
}
