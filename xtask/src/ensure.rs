//! One way to bring a checked-in derived file up to date: [`ensure_file`] writes it (atomically,
//! only when its bytes change) or, in check mode, reports it stale with a unified diff. The
//! `codegen` task and the freshness test both go through it, so they cannot disagree.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

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
/// mode).
pub fn ensure_file(root: &Path, file: &DerivedFile, mode: Mode, report: &mut Report) {
    let path = root.join(&file.path);
    let current = fs::read(&path).ok();
    if current.as_deref() == Some(file.contents.as_bytes()) {
        return;
    }
    match mode {
        Mode::Write => match write_atomically(&path, file.contents.as_bytes()) {
            Ok(()) => report.changed.push(file.path.clone()),
            Err(error) => report.errors.push(format!("cannot write {}: {error}", file.path)),
        },
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

/// Removes (write mode) or reports (check mode) every file under `dirs` that carries the
/// `@generated` header but is not among `files`.
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
        for path in entries.flatten().map(|entry| entry.path()) {
            if path.is_dir() {
                pending.push(path);
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

/// Writes `contents` to a temporary file beside `path`, then renames it over `path`, so a
/// reader never sees a half-written file.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let temp = temp_path(path);
    let result = fs::File::create(&temp)
        .and_then(|mut file| file.write_all(contents).and_then(|()| file.sync_all()))
        .and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
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
