//! File helpers shared by the tasks that write checked-in outputs: atomic writes that skip
//! unchanged files, and the unified diffs that `--check` prints.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Writes `contents` to `path` unless the file already holds exactly these bytes. Returns
/// whether it wrote.
pub fn write_if_changed(path: &Path, contents: &[u8]) -> std::io::Result<bool> {
    if fs::read(path).ok().as_deref() == Some(contents) {
        return Ok(false);
    }
    write_atomically(path, contents)?;
    Ok(true)
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

/// A unified diff from the file on disk (`old`) to what the task produces now (`new`), with
/// `a/<name>` and `b/<name>` in its header.
pub fn unified_diff(name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}
