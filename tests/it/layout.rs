//! The generator writes code line by line (`codegen::render::Code`) instead of printing a
//! syntax tree, so these tests prove that the result is what prettyplease makes of it: for the
//! real spec, the spec grown to three renamed copies (longer names, other line breaks), every
//! golden fixture spec and every edit of the change corpus, each generated Rust file is exactly
//! its header plus `codegen::render::reference` of its body.

use serde_json::Value;

use crate::support::{fixture, project_root, read};

const SPEC_NAME: &str = "spec.json";

/// Every Rust file generated from `spec`: the SDK's modules and the command-line layer.
fn generated(spec: &str) -> Vec<codegen::GeneratedFile> {
    let target = codegen::Target {
        spec_name: SPEC_NAME,
        crate_name: "mde_machine_actions",
        version: "0.0.0",
    };
    let cli = codegen::emit::cli::CliTarget {
        sdk_crate: "mde_machine_actions",
        binary: "mde",
        group: "api",
    };
    let mut files = codegen::generate(spec, &target).unwrap_or_else(|e| panic!("generates: {e}"));
    files.push(codegen::generate_cli(spec, SPEC_NAME, &cli).expect("generates the CLI"));
    files
}

/// The files of `spec` whose text is not prettyplease's layout, each with a diff.
fn misprinted(label: &str, spec: &str) -> Vec<String> {
    let header = codegen::render::header(SPEC_NAME);
    let mut problems = Vec::new();
    for file in generated(spec).into_iter().filter(|f| f.path.ends_with(".rs")) {
        let body = file.contents.strip_prefix(&header).expect("the header comes first");
        match codegen::render::reference(body) {
            Ok(expected) if expected == body => {}
            Ok(expected) => problems.push(format!(
                "{label} {}:\n{}",
                file.path,
                crate::support::unified_diff("prettyplease", "written", &expected, body)
            )),
            Err(message) => problems.push(format!("{label} {}: {message}", file.path)),
        }
    }
    problems
}

#[test]
fn the_real_and_the_scaled_spec_are_laid_out_as_prettyplease_lays_them_out() {
    let spec = read(&project_root().join("spec/machineaction.json"));
    let mut problems = misprinted("the real spec", &spec);
    problems.extend(misprinted("3 copies", &tests::scaled_spec::scale(&spec, 3)));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_golden_spec_is_laid_out_as_prettyplease_lays_it_out() {
    let mut problems = Vec::new();
    for case in xtask::derived::golden_cases(&project_root()) {
        let spec = read(&fixture(&format!("golden/{case}/spec.json")));
        problems.extend(misprinted(&case, &spec));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_spec_edit_of_the_change_corpus_is_laid_out_as_prettyplease_lays_it_out() {
    let corpus: Value =
        serde_json::from_str(&read(&fixture("changes/spec-edits.json"))).expect("corpus JSON");
    let mut problems = Vec::new();
    for case in corpus["cases"].as_array().expect("cases") {
        let mut spec = crate::changes::spec();
        for edit in case["edits"].as_array().expect("edits") {
            crate::changes::apply(&mut spec, edit).expect("the edit applies");
        }
        problems.extend(misprinted(case["name"].as_str().unwrap_or("?"), &spec.to_string()));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
