//! Broken specs are refused with every problem listed, each located and explained, and no
//! input at all makes the generator panic.
//!
//! Each `tests/fixtures/bad-specs/<name>.json` is `base/valid.json` (a small spec that
//! generates) broken in one intended way, or several for `many_problems`; `<name>.expected`
//! next to it is the exact `Display` text of the diagnostics, written by `cargo xtask codegen`
//! (review its diff like any generated diff).
//!
//! The `never_panics_*` tests feed the generator truncated text and mutated copies of the real
//! spec inside `catch_unwind`: each must either generate or fail with diagnostics.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use codegen::load::Json;
use serde_json::Value;

use crate::golden::shown;
use crate::support::{fixture, project_root, read};

/// The generator's target for a fixture spec named `spec_name`.
fn target(spec_name: &str) -> codegen::Target<'_> {
    codegen::Target { spec_name, crate_name: "fixture", version: "0.0.0" }
}

/// `tests/fixtures/bad-specs/<name>.json`.
fn spec_path(name: &str) -> PathBuf {
    fixture(&format!("bad-specs/{name}.json"))
}

/// Runs the generator on the fixture `name` and compares its diagnostics with
/// `<name>.expected`. Also checks that each diagnostic is one line and located where the spec
/// has something: a JSON pointer that resolves, or a line and column for unparsable text.
#[track_caller]
fn check(name: &str) -> codegen::Diagnostics {
    let path = spec_path(name);
    let text = read(&path);
    let diags =
        match codegen::generate(&text, &target(&format!("tests/fixtures/bad-specs/{name}.json"))) {
            Ok(files) => {
                panic!("{} generated {} file(s); it should be refused", shown(&path), files.len())
            }
            Err(diags) => diags,
        };
    assert!(!diags.is_empty(), "{}: an error without diagnostics", shown(&path));
    let document: Option<Value> = serde_json::from_str(&text).ok();
    for diag in &diags {
        assert!(
            !diag.message.trim().is_empty() && !diag.message.contains('\n'),
            "{}: a diagnostic must be one non-empty line: {diag:?}",
            shown(&path)
        );
        match &document {
            Some(document) => assert!(
                diag.location.is_empty() || document.pointer(&diag.location).is_some(),
                "{}: location `{}` does not resolve in the spec ({diag})",
                shown(&path),
                diag.location
            ),
            None => assert!(
                diag.location.starts_with("line "),
                "{}: unparsable text must be located by line and column: {diag}",
                shown(&path)
            ),
        }
    }
    let display = diags.to_string();
    assert_eq!(display.lines().count(), diags.len(), "{}: one line per diagnostic", shown(&path));
    let expected_path = path.with_extension("expected");
    assert_eq!(
        read(&expected_path),
        display,
        "{} is stale; `cargo xtask codegen` rewrites it (review the diff)",
        shown(&expected_path)
    );
    diags
}

/// One `#[test]` per fixture, named after it.
macro_rules! bad_specs {
    ($($name:ident),* $(,)?) => {
        /// Every fixture that has a test.
        const NAMES: &[&str] = &[$(stringify!($name)),*];

        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*
    };
}

bad_specs! {
    parameter_bounds_out_of_order,
    empty_type_name,
    empty_member_name,
    bidi_control_in_description,
    control_character_in_summary,
    code_fence_in_description,
    bidi_control_in_member_name,
    nul_in_enum_value,
    method_named_all,
    parameter_named_body,
    parameter_named_send,
    type_shadows_unpin,
    call_builder_shadows_sized,
    method_names_differ_in_case_and_digits,
    recursive_required_pair,
    shared_page_paged_differently,
    call_builder_named_like_filter,
    blank_method_name,
    line_break_in_member_name,
    c1_control_in_alias,
    method_named_all_capitals,
    bidi_control_in_server_name,
    tilde_fence_in_enum_description,
    invalid_json,
    recursive_required_member,
    reserved_method_name,
    empty_file,
    not_an_object,
    method_missing_path,
    dangling_ref,
    non_local_ref,
    unknown_type,
    duplicate_method_name,
    duplicate_method_rust_name,
    undeclared_path_parameter,
    unused_path_parameter,
    path_parameter_twice,
    unbalanced_path,
    optional_path_parameter,
    duplicate_enum_value,
    enum_variant_clash,
    field_name_clash,
    type_name_clash,
    type_shadows_prelude,
    unknown_keyword_typo,
    enum_value_without_description,
    enum_description_for_missing_value,
    dangling_decision_pointer,
    open_enum_with_unknown_value,
    extensible_enum_with_unknown_value,
    inline_object,
    inline_enum,
    required_not_declared,
    missing_description,
    reserved_field_name,
    malformed_nullable_ref,
    array_without_items,
    misplaced_docs_url,
    request_body_not_an_object,
    wrong_schema_dialect,
    duplicate_json_key,
    bad_status_and_rate_limit,
    bad_platforms,
    unknown_filter_operator,
    alias_clashes_with_member,
    many_problems,
}

#[test]
fn every_fixture_has_a_test_and_an_expected_file() {
    let dir = fixture("bad-specs");
    let mut specs = Vec::new();
    let mut expected = Vec::new();
    for entry in
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
    {
        let path = entry.expect("directory entry").path();
        let stem = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => specs.push(stem),
            Some("expected") => expected.push(stem),
            _ => assert!(path.is_dir(), "unexpected file {}", shown(&path)),
        }
    }
    specs.sort();
    expected.sort();
    let mut names: Vec<String> = NAMES.iter().map(|n| (*n).to_owned()).collect();
    names.sort();
    assert_eq!(specs, names, "the .json files in {} and the tests differ", shown(&dir));
    assert_eq!(expected, names, "every fixture needs exactly one .expected file");
    assert!(NAMES.len() >= 12);
}

#[test]
fn the_spec_the_fixtures_break_is_valid() {
    let path = fixture("bad-specs/base/valid.json");
    let result =
        codegen::generate(&read(&path), &target("tests/fixtures/bad-specs/base/valid.json"));
    if let Err(diags) = result {
        panic!(
            "{} must generate, so that each fixture fails only for its own reason:\n{diags}",
            shown(&path)
        );
    }
}

#[test]
fn all_problems_are_listed_in_one_run() {
    let diags = check("many_problems");
    let listed: Vec<String> = diags.iter().map(ToString::to_string).collect();
    for (location, fragment) in [
        ("/x-methods/1", "missing required keyword `path`"),
        ("/x-methods/0/verb", "unknown HTTP verb `FETCH`"),
        ("/$defs/Widget/requried", "unknown keyword `requried`"),
        ("/$defs/Widget/properties/color/$ref", "`#/$defs/Colour` does not exist"),
        ("/$defs/WidgetColor/x-enum-descriptions", "enum value `Blue` has no description"),
        ("/$defs/CreateWidgetRequest/properties/name/type", "unknown type `str`"),
        ("/x-decisions/0/pointers/0", "pointer `/x-methods/1/succes` does not resolve"),
    ] {
        assert!(
            diags.iter().any(|d| d.location == location && d.message.contains(fragment)),
            "`{location}: {fragment}…` is missing from:\n{}",
            listed.join("\n")
        );
    }
}

// ----- never panics ---------------------------------------------------------------------------

/// Runs the generator on `text` and describes what went wrong, if anything: a panic, or an
/// error without diagnostics, or a success without files.
fn survive(text: &str, variant: &str) -> Option<String> {
    let outcome =
        catch_unwind(AssertUnwindSafe(|| codegen::generate(text, &target("variant.json"))));
    match outcome {
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            Some(format!("{variant}: panicked: {message}"))
        }
        Ok(Ok(files)) if files.is_empty() => Some(format!("{variant}: succeeded with no files")),
        Ok(Ok(_)) => None,
        Ok(Err(diags)) if diags.is_empty() || diags.to_string().trim().is_empty() => {
            Some(format!("{variant}: failed without diagnostics"))
        }
        Ok(Err(_)) => None,
    }
}

/// Fails with every problem `survive` reported.
#[track_caller]
fn assert_survived(problems: &[String], tried: usize) {
    assert!(tried > 0, "no variants were tried");
    assert!(
        problems.is_empty(),
        "{} of {tried} variants went wrong:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The real spec as an order-preserving tree (the generator's own loader keeps member order
/// and duplicates, so each variant differs from the real spec only by its mutation).
fn real_spec() -> Json {
    let text = read(&project_root().join("spec/machineaction.json"));
    codegen::load::load(&text).unwrap_or_else(|diags| panic!("spec/machineaction.json:\n{diags}"))
}

/// JSON text for `json`, members in their order.
fn to_text(json: &Json) -> String {
    let mut out = String::new();
    write_json(json, &mut out);
    out
}

fn write_json(json: &Json, out: &mut String) {
    let quoted = |s: &str| serde_json::to_string(s).expect("a string serializes");
    match json {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Int(i) => out.push_str(&i.to_string()),
        Json::Float(f) => out.push_str(&serde_json::to_string(f).expect("a number serializes")),
        Json::String(s) => out.push_str(&quoted(s)),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Json::Object(members) => {
            out.push('{');
            for (i, (key, value)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&quoted(key));
                out.push(':');
                write_json(value, out);
            }
            out.push('}');
        }
    }
}

/// The members of an object node.
fn members_mut(json: &mut Json) -> &mut Vec<(String, Json)> {
    match json {
        Json::Object(members) => members,
        other => panic!("expected an object, found {}", other.kind()),
    }
}

#[test]
fn writing_the_tree_back_gives_the_same_json() {
    // The variants below are only meaningful if the unmutated tree survives the round trip.
    let spec = real_spec();
    let reparsed: Value = serde_json::from_str(&to_text(&spec)).expect("valid JSON");
    let original: Value =
        serde_json::from_str(&read(&project_root().join("spec/machineaction.json"))).expect("JSON");
    assert_eq!(reparsed, original);
    assert!(
        codegen::generate(&to_text(&spec), &target("variant.json")).is_ok(),
        "the real spec generates"
    );
}

#[test]
fn never_panics_on_truncated_text() {
    // A fixture spec rather than the real one keeps this fast; the stride is prime so the cuts
    // land on every kind of token.
    let text = read(&fixture("golden/odata_path/spec.json"));
    let mut problems = Vec::new();
    let mut tried = 0;
    for end in (0..text.len()).step_by(7).filter(|end| text.is_char_boundary(*end)) {
        tried += 1;
        problems.extend(survive(&text[..end], &format!("first {end} bytes")));
    }
    assert_survived(&problems, tried);
}

#[test]
fn never_panics_without_a_member() {
    let spec = real_spec();
    let mut problems = Vec::new();
    let mut tried = 0;
    let top = match &spec {
        Json::Object(members) => members.clone(),
        other => panic!("the real spec is {}", other.kind()),
    };
    for (i, (key, _)) in top.iter().enumerate() {
        let mut variant = spec.clone();
        members_mut(&mut variant).remove(i);
        tried += 1;
        problems.extend(survive(&to_text(&variant), &format!("without /{key}")));
    }
    let defs = spec.get("$defs").cloned().map(|mut d| members_mut(&mut d).clone());
    let defs = defs.expect("the real spec has $defs");
    assert!(defs.len() > 5, "the real spec has only {} $defs", defs.len());
    for (i, (key, _)) in defs.iter().enumerate() {
        let mut variant = spec.clone();
        let top = members_mut(&mut variant);
        let (_, defs) = top.iter_mut().find(|(k, _)| k == "$defs").expect("$defs");
        members_mut(defs).remove(i);
        tried += 1;
        problems.extend(survive(&to_text(&variant), &format!("without /$defs/{key}")));
    }
    assert_survived(&problems, tried);
}

/// Replaces the `n`th string value of `json` (document order, counting from 0) with `42` and
/// returns its JSON pointer, or counts down `n` by the strings seen and returns `None`.
fn replace_nth_string(json: &mut Json, at: &str, n: &mut usize) -> Option<String> {
    match json {
        Json::String(_) if *n == 0 => {
            *json = Json::Int(42);
            Some(at.to_owned())
        }
        Json::String(_) => {
            *n -= 1;
            None
        }
        Json::Array(items) => items
            .iter_mut()
            .enumerate()
            .find_map(|(i, item)| replace_nth_string(item, &format!("{at}/{i}"), n)),
        Json::Object(members) => members.iter_mut().find_map(|(key, value)| {
            let token = key.replace('~', "~0").replace('/', "~1");
            replace_nth_string(value, &format!("{at}/{token}"), n)
        }),
        _ => None,
    }
}

#[test]
fn never_panics_with_a_string_turned_into_a_number() {
    let spec = real_spec();
    let mut problems = Vec::new();
    for n in 0..200 {
        let mut variant = spec.clone();
        let pointer = replace_nth_string(&mut variant, "", &mut { n })
            .unwrap_or_else(|| panic!("the real spec has only {n} strings"));
        problems.extend(survive(&to_text(&variant), &format!("{pointer} = 42")));
    }
    assert_survived(&problems, 200);
}
