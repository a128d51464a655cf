//! House rules for hand-written Rust in the workspace: every file opens with a `//!` doc saying
//! what it is for. (Unfinished-work macros are refused by the workspace's clippy lints.)
//!
//! Files that carry the `@generated` header are the generator's business (see `freshness`), and
//! `target/` and fixture directories hold no source (the golden crates under
//! `tests/fixtures/golden/` are workspace members, but generated ones).

use std::path::{Path, PathBuf};

use crate::support::{project_root, read};

/// The workspace's crates, as directories under the root. Kept in step with `Cargo.toml`
/// by [`the_checked_crates_are_the_workspace_members`].
const CRATES: &[&str] =
    &["cli", "codegen", "docs-check", "generated", "runtime", "simulator", "tests", "xtask"];

/// Workspace members that are generated fixtures, not hand-written crates: their files carry
/// the `@generated` header and `freshness` keeps them in step with the generator.
const FIXTURE_MEMBERS: &[&str] = &["tests/fixtures/golden/*"];

/// A `.rs` file of the workspace, with its path relative to the root (`/` separators).
struct SourceFile {
    relative: String,
    text: String,
}

impl SourceFile {
    fn is_generated(&self) -> bool {
        self.text.starts_with("// @generated")
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "target" && name != "fixtures" && !name.starts_with('.') {
                collect(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

/// Every `.rs` file of the workspace's crates, sorted by path.
fn source_files() -> Vec<SourceFile> {
    let root = project_root();
    let mut paths = Vec::new();
    for krate in CRATES {
        collect(&root.join(krate), &mut paths);
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| SourceFile {
            relative: path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/"),
            text: read(&path),
        })
        .collect()
}

/// The problem with `text` if its first line is not a `//!` doc line with words in it.
fn module_doc_problem(text: &str) -> Option<String> {
    let first = text.lines().next().unwrap_or("");
    match first.strip_prefix("//!") {
        Some(rest) if !rest.trim().is_empty() => None,
        Some(_) => Some("its first `//!` line is empty; say what the file is for".to_owned()),
        None => Some(format!("it starts with `{first}` instead of a `//!` doc line")),
    }
}

/// Asserts that the hand-written file `file` opens with a `//!` doc.
#[track_caller]
fn check_module_doc(file: &SourceFile) {
    if let Some(problem) = module_doc_problem(&file.text) {
        panic!("{}: {problem}", file.relative);
    }
}

#[test]
fn the_checked_crates_are_the_workspace_members() {
    // A new crate must be added to CRATES, or its files would escape these rules silently.
    let manifest = read(&project_root().join("Cargo.toml"));
    let mut members = workspace_members(&manifest);
    members.sort_unstable();
    let mut expected: Vec<&str> = CRATES.iter().chain(FIXTURE_MEMBERS).copied().collect();
    expected.sort_unstable();
    assert_eq!(
        members, expected,
        "workspace members changed; update CRATES (or FIXTURE_MEMBERS) in tidy.rs"
    );
    // The fixture members really are generated: they are skipped as fixtures, not forgotten.
    for member in FIXTURE_MEMBERS {
        assert!(member.starts_with("tests/fixtures/"), "{member} is not under tests/fixtures/");
    }
}

/// The quoted entries of the workspace's `members = [...]` array, which may span lines.
#[track_caller]
fn workspace_members(manifest: &str) -> Vec<&str> {
    let start = manifest
        .lines()
        .position(|line| line.trim_start().starts_with("members"))
        .unwrap_or_else(|| panic!("no `members = [...]` in the workspace Cargo.toml"));
    let mut members = Vec::new();
    for line in manifest.lines().skip(start) {
        // Only the part before a comment counts; entries hold no `#`.
        let code = line.split('#').next().unwrap_or_default();
        members.extend(code.split('"').skip(1).step_by(2));
        if code.contains(']') {
            return members;
        }
    }
    panic!("the workspace `members = [` array is not closed")
}

#[test]
fn every_hand_written_rust_file_starts_with_a_module_doc() {
    let files = source_files();
    let hand_written: Vec<&SourceFile> = files.iter().filter(|file| !file.is_generated()).collect();
    // The walk must really reach the crates, and must not mistake hand-written files for
    // generated ones.
    for expected in [
        "codegen/src/lib.rs",
        "docs-check/src/lib.rs",
        "xtask/src/main.rs",
        "generated/src/lib.rs",
        "runtime/src/lib.rs",
        "tests/it/main.rs",
    ] {
        assert!(
            hand_written.iter().any(|file| file.relative == expected),
            "{expected} was not checked; found {:?}",
            hand_written.iter().map(|file| &file.relative).collect::<Vec<_>>()
        );
    }
    assert!(
        files.iter().any(|file| file.relative == "generated/src/models.rs" && file.is_generated()),
        "generated/src/models.rs should be recognised by its @generated header"
    );
    for file in hand_written {
        check_module_doc(file);
    }
}

#[test]
fn the_rules_catch_what_they_are_meant_to_catch() {
    // The checks above pass on a clean tree; prove they would not pass on a dirty one.
    assert_eq!(module_doc_problem("//! What this is.\n\nfn f() {}\n"), None);
    for text in
        ["fn f() {}\n", "// plain comment\n", "\n//! late doc\n", "//!\n", "/// item doc\n", ""]
    {
        assert!(module_doc_problem(text).is_some(), "{text:?} should be rejected");
    }

    // The members array is read on one line or on several.
    let one_line = "[workspace]\nmembers = [\"a\", \"b/*\"]\nresolver = \"3\"\n";
    assert_eq!(workspace_members(one_line), ["a", "b/*"]);
    let several =
        "[workspace]\nmembers = [\n    \"a\", # the \"first\"\n    \"b\",\n]\n[x]\ny = \"z\"\n";
    assert_eq!(workspace_members(several), ["a", "b"]);
}
