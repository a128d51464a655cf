//! The file-system and git side of the semantic change report ([`codegen::changes`]): which
//! spec and versions the base had, and which the working tree has.
//!
//! - [`Base::Rev`]: any git revision (`cargo xtask changes --base REV`; `HEAD` by default, and
//!   after `cargo xtask codegen`).
//! - [`Base::Release`]: the last release, recorded in [`RELEASES`] with a copy of its spec and
//!   its crates' versions, so that `cargo xtask changes --check` (the version guard CI runs)
//!   needs no git history.
//!
//! Both specs are lowered by today's generator; the crates' versions now come from their
//! manifests (`generated/Cargo.toml`, `cli/Cargo.toml`), and at the base from the manifests at
//! that revision or from the release record. A crate the base lacks is new: no version rule
//! applies to it.

use std::path::Path;
use std::process::Command;

use codegen::changes::{Audience, Report, Version};

use crate::derived::{CLI_DIR, SDK_DIR, SPEC, manifest_value};

/// The release record, relative to the workspace root.
pub const RELEASES: &str = "spec/releases.json";

/// What to compare the working tree with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// A git revision, such as `HEAD`, `main` or a commit.
    Rev(String),
    /// The last release, as [`RELEASES`] records it.
    Release,
}

/// The report from `base` to the working tree under `root`, or why it cannot be made (git
/// missing, an unknown revision, a broken release record, a spec today's generator refuses).
pub fn report(root: &Path, base: &Base) -> Result<Report, String> {
    let before = match base {
        Base::Rev(rev) => at_revision(root, rev)?,
        Base::Release => at_release(root)?,
    };
    let label = before.label.as_str();
    let head_spec = read(root, SPEC)?;
    let base_api = lower(&before.spec).map_err(|e| format!("the spec of {label}: {e}"))?;
    let head_api = lower(&head_spec).map_err(|e| format!("the working tree's {SPEC}: {e}"))?;
    let mut crates = Vec::new();
    for (audience, dir) in [(Audience::Sdk, SDK_DIR), (Audience::Cli, CLI_DIR)] {
        let manifest = format!("{dir}/Cargo.toml");
        if audience == Audience::Cli && !root.join(&manifest).exists() {
            continue; // a tree without the command-line tool: the report is the SDK's alone
        }
        let now = read(root, &manifest)?;
        let name = manifest_value(&now, "package", "name")
            .ok_or_else(|| format!("{manifest} names no package"))?;
        let head = version_of(&now, &manifest)?;
        let old = before.versions.iter().find(|(crate_name, _)| *crate_name == name);
        crates.push((audience, name, old.map(|(_, version)| *version), head));
    }
    let crates: Vec<(Audience, &str, Option<Version>, Version)> =
        crates.iter().map(|(a, name, before, head)| (*a, name.as_str(), *before, *head)).collect();
    Ok(Report::new((label, "the working tree", SPEC), &base_api, &head_api, &crates))
}

/// What the report compares with: how it is named, its spec, and its crates' versions.
struct Before {
    label: String,
    spec: String,
    /// (package name, version) of each crate that existed.
    versions: Vec<(String, Version)>,
}

/// The spec and manifests at a git revision.
fn at_revision(root: &Path, rev: &str) -> Result<Before, String> {
    let commit = git(root, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
        .map_err(|e| format!("cannot resolve `{rev}`: {e}"))?;
    let commit = commit.trim();
    let spec =
        git_show(root, commit, SPEC)?.ok_or_else(|| format!("{SPEC} does not exist at {rev}"))?;
    let mut versions = Vec::new();
    for dir in [SDK_DIR, CLI_DIR] {
        let manifest = format!("{dir}/Cargo.toml");
        let Some(text) = git_show(root, commit, &manifest)? else { continue };
        let name = manifest_value(&text, "package", "name")
            .ok_or_else(|| format!("{manifest} at {rev} names no package"))?;
        versions.push((name, version_of(&text, &format!("{manifest} at {rev}"))?));
    }
    Ok(Before { label: rev.to_owned(), spec, versions })
}

/// The last release, as [`RELEASES`] records it: its spec is a copy in the tree, so the guard
/// needs no git history.
fn at_release(root: &Path) -> Result<Before, String> {
    let text = read(root, RELEASES)?;
    let record: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{RELEASES}: {e}"))?;
    let field = |key: &str| {
        let value = record.get(key).and_then(|v| v.as_str());
        value.ok_or_else(|| format!("{RELEASES} has no string `{key}`"))
    };
    let (release, commit, spec_path) = (field("release")?, field("commit")?, field("spec")?);
    let spec = read(root, spec_path)?;
    let listed = record.get("versions").and_then(|v| v.as_object());
    let listed = listed.ok_or_else(|| format!("{RELEASES} has no `versions` object"))?;
    let mut versions = Vec::new();
    for (name, version) in listed {
        let text = version.as_str().unwrap_or_default();
        let version = Version::parse(text).map_err(|e| format!("{RELEASES}, `{name}`: {e}"))?;
        versions.push((name.clone(), version));
    }
    let short = commit.get(..7).unwrap_or(commit);
    Ok(Before { label: format!("release {release} ({short})"), spec, versions })
}

fn lower(text: &str) -> Result<codegen::ir::Api, String> {
    let document = codegen::load::load(text).map_err(|d| d.to_string())?;
    codegen::lower::lower(&document).map_err(|d| d.to_string())
}

fn version_of(manifest: &str, name: &str) -> Result<Version, String> {
    let text = manifest_value(manifest, "package", "version")
        .ok_or_else(|| format!("{name} has no package version"))?;
    Version::parse(&text).map_err(|e| format!("{name}: {e}"))
}

fn read(root: &Path, relative: &str) -> Result<String, String> {
    std::fs::read_to_string(root.join(relative)).map_err(|e| format!("cannot read {relative}: {e}"))
}

/// The file `path` at `commit` (resolved): `None` when the commit has no such file.
fn git_show(root: &Path, commit: &str, path: &str) -> Result<Option<String>, String> {
    match git(root, &["cat-file", "-e", &format!("{commit}:{path}")]) {
        Ok(_) => git(root, &["show", &format!("{commit}:{path}")]).map(Some),
        Err(_) => Ok(None),
    }
}

/// Runs git in `root`; stdout, or stderr's first line as the error.
fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or("").trim();
        return Err(match first {
            "" => "not a revision of this repository (is the clone shallow? `git fetch \
                   --unshallow` brings the history)"
                .to_owned(),
            line => line.to_owned(),
        });
    }
    String::from_utf8(output.stdout).map_err(|_| "git printed text that is not UTF-8".to_owned())
}
