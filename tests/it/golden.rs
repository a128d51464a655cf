//! Generator goldens: the exact output for small, purpose-built specs.
//!
//! Each folder `tests/fixtures/golden/<case>/` holds a `spec.json` and, mirrored by their
//! generated paths, the files the generator must produce from it (`src/models.rs`, ...). Every
//! output file is compared whole, and a mismatch is shown as a unified diff. An expected file
//! that the generator no longer produces is an error too.
//!
//! `UPDATE_EXPECT=1 cargo test -p tests --test it golden` rewrites the expected files (and
//! removes stale ones) instead. A run that had to change anything still fails, listing what it
//! changed, so that an `UPDATE_EXPECT=1` left set by accident can never turn a real regression
//! green; run again without it to confirm. `bad_specs` shares the same helpers.
//!
//! The goldens also have to compile and behave: see `golden_compiled`, which names each output
//! file, so a generator that starts or stops producing a file needs it updated as well.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::support::{fixture, project_root, read};

/// Every case folder under `tests/fixtures/golden/`, each with its own `#[test]` below.
const CASES: &[&str] =
    &["enums", "nullable_optional", "keywords", "nested", "odata_path", "second_resource"];

/// The environment variable that switches the expected-output tests to rewriting.
pub const UPDATE_ENV: &str = "UPDATE_EXPECT";

/// True when the expected files should be rewritten rather than checked.
pub fn updating() -> bool {
    std::env::var_os(UPDATE_ENV).is_some_and(|value| value == "1")
}

/// `path` relative to the workspace root, with `/` separators, for messages.
pub fn shown(path: &Path) -> String {
    let root = project_root();
    let relative = path.strip_prefix(&root).unwrap_or(path);
    relative.to_string_lossy().replace('\\', "/")
}

/// Compares `actual` with the contents of the expected file at `path`.
///
/// Returns `None` when they are equal, otherwise what is wrong: a unified diff (expected →
/// actual), or, under `UPDATE_EXPECT=1`, a note that the file was rewritten.
pub fn expect_file(path: &Path, actual: &str) -> Option<String> {
    let expected = std::fs::read_to_string(path).ok();
    if expected.as_deref() == Some(actual) {
        return None;
    }
    if updating() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        }
        std::fs::write(path, actual)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        let verb = if expected.is_some() { "rewrote" } else { "created" };
        return Some(format!("{UPDATE_ENV}=1: {verb} {}", shown(path)));
    }
    let Some(expected) = expected else {
        return Some(format!(
            "{} does not exist; the generator produces:\n{actual}\n(run with {UPDATE_ENV}=1 to create it)",
            shown(path)
        ));
    };
    let diff = TextDiff::from_lines(expected.as_str(), actual)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{} (expected)", shown(path)), "generated")
        .to_string();
    Some(format!(
        "{} differs from the generated output (run with {UPDATE_ENV}=1 to accept):\n{diff}",
        shown(path)
    ))
}

/// Every file under `dir`, recursively, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let path =
                entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())).path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// `tests/fixtures/golden/<case>/`.
fn case_dir(case: &str) -> PathBuf {
    fixture(&format!("golden/{case}"))
}

/// Generates the case's spec, or panics with every diagnostic.
#[track_caller]
fn generate(case: &str) -> Vec<codegen::GeneratedFile> {
    let spec_name = format!("tests/fixtures/golden/{case}/spec.json");
    let text = read(&case_dir(case).join("spec.json"));
    codegen::generate(&text, &spec_name)
        .unwrap_or_else(|diags| panic!("{spec_name} does not generate:\n{diags}"))
}

/// Generates `case` and checks every output file against its golden, and that no golden is
/// left over.
#[track_caller]
fn check(case: &str) {
    let dir = case_dir(case);
    let files = generate(case);
    assert!(!files.is_empty(), "{case}: the generator produced no files");
    let mut problems = Vec::new();
    let mut produced = BTreeSet::new();
    for file in &files {
        assert!(
            !file.path.starts_with('/') && !file.path.contains(".."),
            "{case}: output path {:?} is not relative to the crate root",
            file.path
        );
        let path = dir.join(&file.path);
        problems.extend(expect_file(&path, &file.contents));
        produced.insert(path);
    }
    for path in files_under(&dir) {
        if path == dir.join("spec.json") || produced.contains(&path) {
            continue;
        }
        if updating() {
            std::fs::remove_file(&path)
                .unwrap_or_else(|e| panic!("cannot remove {}: {e}", path.display()));
            problems.push(format!("{UPDATE_ENV}=1: removed stale {}", shown(&path)));
        } else {
            problems.push(format!(
                "{} is not produced by the generator any more (run with {UPDATE_ENV}=1 to remove it)",
                shown(&path)
            ));
        }
    }
    assert!(problems.is_empty(), "golden case `{case}`:\n\n{}", problems.join("\n\n"));
}

#[test]
fn enums() {
    check("enums");
}

#[test]
fn nullable_optional() {
    check("nullable_optional");
}

#[test]
fn keywords() {
    check("keywords");
}

#[test]
fn nested() {
    check("nested");
}

#[test]
fn odata_path() {
    check("odata_path");
}

#[test]
fn second_resource() {
    check("second_resource");
}

#[test]
fn every_case_folder_is_checked() {
    let root = fixture("golden");
    let mut on_disk: Vec<String> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", root.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_dir())
        .map(|path| path.file_name().unwrap_or_default().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CASES.iter().map(|case| (*case).to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "the folders under {} and `CASES` differ", shown(&root));
    for case in CASES {
        let spec = case_dir(case).join("spec.json");
        assert!(spec.is_file(), "{} is missing", shown(&spec));
    }
}

#[test]
fn generation_is_deterministic() {
    for case in CASES {
        assert_eq!(generate(case), generate(case), "{case}: two runs gave different output");
    }
}

#[test]
fn header_names_the_spec_it_came_from() {
    for case in CASES {
        for file in generate(case) {
            let first = file.contents.lines().next().unwrap_or_default();
            let expected = format!(
                "// @generated by `cargo xtask codegen` from tests/fixtures/golden/{case}/spec.json."
            );
            assert_eq!(first, expected, "{case}: first line of {}", file.path);
        }
    }
}

#[test]
fn second_resource_mentions_nothing_of_machine_actions() {
    for file in generate("second_resource") {
        for word in ["MachineAction", "machine_action", "Machine", "Defender"] {
            assert!(
                !file.contents.contains(word),
                "second_resource/{}: output mentions `{word}`, which its spec never does",
                file.path
            );
        }
    }
}
