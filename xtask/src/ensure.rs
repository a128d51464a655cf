//! Bringing the checked-in derived files up to date: [`ensure_files`] writes every file whose
//! bytes changed or, in check mode, reports it stale with a unified diff; [`ensure_no_orphans`]
//! removes (or reports) `@generated` files that are no longer derived. The `codegen` task and
//! the freshness test both go through them, so they cannot disagree; [`crate::codegen_with`]
//! runs them over the whole tree, holding [`CodegenLock`].
//!
//! # What a write run guarantees
//!
//! - **Every file is old or new, never partial**, wherever the run stops (killed, crashed, or
//!   a power cut on a filesystem that honours `fsync`). New contents are first written in full
//!   to the staging folder, `target/xtask-codegen/staging/`, and flushed to disk; only then is
//!   the list of targets recorded there as the *plan* (`plan`, written under another name and
//!   renamed, so it exists whole or not at all); then each staged file is renamed over its
//!   target, which replaces it in one step on the same filesystem. Files are staged and
//!   renamed several at a time, so a stopped run has replaced some subset of them.
//! - **The next run repairs the set.** A write run that finds a plan completes it first: every
//!   staged file still in the staging folder is moved over its target (a file already moved is
//!   no longer there), so the interrupted run's files are all new; then it derives everything
//!   again as usual. A run stopped before its plan was recorded has touched no target.
//! - **No litter.** The staging folder is under `target/`, which git ignores; a write run
//!   removes whatever an earlier run left there, and every stray temporary file
//!   ([`is_temp_name`]: `.<name>.tmp` or `.<name>.<pid>.tmp`, also ignored by git) in the
//!   folders of the derived files. Orphan cleanup never takes a temporary file for an orphan.
//! - **One run at a time.** A write run holds an exclusive lock on `target/xtask-codegen/lock`
//!   ([`CodegenLock`]) from before it derives until it is done, and a check run a shared one:
//!   two runs never interleave their writes, and a check never sees a half-applied set. A run
//!   that has to wait says so once.
//! - **Across filesystems.** When `target/` is on another filesystem than the tree (a rename
//!   out of the staging folder fails with `EXDEV`), each staged file is copied to a temporary
//!   file beside its target and renamed from there ([`write_atomically`]); the guarantees above
//!   hold.
//!
//! Not promised: the set is not replaced as one unit. Something reading the tree without the
//! lock while a run renames (a build, an editor) can see some files new and others still old,
//! as it can after a run is killed until the next run.

mod lock;
mod staging;

use std::fs;
use std::path::{Path, PathBuf};

pub use lock::{CodegenLock, LOCK};
pub use staging::{
    PLAN, Plan, PlanEntry, STAGING_DIR, WORK_DIR, is_temp_name, remove_stray_temps, stage,
    write_atomically,
};

use crate::derived::DerivedFile;

/// Whether to write files or only compare them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write every file whose bytes changed; remove orphans.
    Write,
    /// Write nothing; report stale files and orphans.
    Check,
}

/// What a run did or, in check mode, would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Files written (write mode) or stale (check mode), relative to the root.
    pub changed: Vec<String>,
    /// Unified diffs of the stale files (check mode).
    pub diffs: String,
    /// `@generated` files no longer derived: removed (write mode) or to remove (check mode).
    pub orphans: Vec<String>,
    /// Files an interrupted run had staged and planned, moved into place by this run.
    pub recovered: Vec<String>,
    /// What an interrupted run left behind and this run removed: its staging folder, stray
    /// temporary files beside the targets.
    pub cleaned: Vec<String>,
    /// Files that could not be written or removed, with the reason.
    pub errors: Vec<String>,
}

impl Report {
    /// True when the tree already matched: nothing changed, nothing orphaned, no error.
    pub fn is_clean(&self) -> bool {
        self.changed.is_empty() && self.orphans.is_empty() && self.errors.is_empty()
    }
}

/// Brings `root/<file.path>` to `file.contents` (write mode) or records how it differs (check
/// mode): [`ensure_files`] for one file.
pub fn ensure_file(root: &Path, file: &DerivedFile, mode: Mode, report: &mut Report) {
    ensure_files(root, std::slice::from_ref(file), mode, report);
}

/// Brings every `root/<file.path>` to its `file.contents` (write mode) or records how each
/// differs (check mode).
///
/// In write mode it first completes the plan of an interrupted run, if any (see the module
/// docs); then it stages every file whose bytes differ, records the plan and moves the staged
/// files into place. The caller holds the [`CodegenLock`] of `root` (as
/// [`crate::codegen_with`] does) or knows that no other run uses this tree.
pub fn ensure_files(root: &Path, files: &[DerivedFile], mode: Mode, report: &mut Report) {
    if mode == Mode::Write {
        staging::finish_interrupted(root, report);
    }
    let mut stale = Vec::new();
    for file in files {
        let current = fs::read(root.join(&file.path)).ok();
        if current.as_deref() == Some(file.contents.as_bytes()) {
            continue;
        }
        match mode {
            Mode::Write => stale.push(file),
            Mode::Check => {
                let old = current.map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
                report.diffs.push_str(&unified_diff(
                    &file.path,
                    old.as_deref().unwrap_or(""),
                    &file.contents,
                ));
                report.changed.push(file.path.clone());
            }
        }
    }
    if stale.is_empty() {
        return;
    }
    match stage(root, &stale) {
        Ok(plan) => {
            let (moved, errors) = plan.apply(root);
            report.changed.extend(moved);
            report.errors.extend(errors);
            if let Err(error) = staging::remove_staging(root) {
                report.errors.push(format!("cannot remove {STAGING_DIR}: {error}"));
            }
        }
        Err(error) => {
            // Nothing was moved: every target is still old.
            let _ = staging::remove_staging(root);
            report.errors.push(format!(
                "cannot stage {} file(s) in {STAGING_DIR}, so none was written: {error}",
                stale.len()
            ));
        }
    }
}

/// Removes (write mode) or reports (check mode) every file under `dirs` that carries the
/// `@generated` header but is not among `files`. Temporary files ([`is_temp_name`]) are never
/// orphans, whatever they hold: they belong to a run, and only a run holding the lock removes
/// them.
pub fn ensure_no_orphans(
    root: &Path,
    dirs: &[String],
    files: &[DerivedFile],
    mode: Mode,
    report: &mut Report,
) {
    for orphan in orphans(root, dirs, files) {
        if mode == Mode::Write
            && let Err(error) = fs::remove_file(root.join(&orphan))
        {
            report.errors.push(format!("cannot remove {orphan}: {error}"));
            continue;
        }
        report.orphans.push(orphan);
    }
}

fn orphans(root: &Path, dirs: &[String], files: &[DerivedFile]) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending: Vec<PathBuf> = dirs.iter().map(|dir| root.join(dir)).collect();
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if is_temp_name(&entry.file_name().to_string_lossy()) {
                continue;
            }
            let generated =
                fs::read_to_string(&path).is_ok_and(|text| text.starts_with("// @generated"));
            let Ok(relative) = path.strip_prefix(root) else { continue };
            let relative = relative.to_string_lossy().replace('\\', "/");
            if generated && !files.iter().any(|f| f.path == relative) {
                found.push(relative);
            }
        }
    }
    found.sort();
    found
}

/// A unified diff from the file on disk (`old`) to the derived text (`new`), with `a/<name>`
/// and `b/<name>` in its header.
pub fn unified_diff(name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}
