//! File helpers shared by the tasks that write checked-in outputs: atomic writes that skip
//! unchanged files, and the unified diffs that `--check` prints.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The spec, relative to the workspace root.
pub const SPEC: &str = "spec/machineaction.json";

/// The SDK crate's manifest, relative to the workspace root.
pub const SDK_MANIFEST: &str = "generated/Cargo.toml";

/// The SDK crate's library name and version, read from its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sdk {
    /// Library name, e.g. `mde_machine_actions`.
    pub crate_name: String,
    /// Package version, e.g. `0.1.0`.
    pub version: String,
}

impl Sdk {
    /// Reads `generated/Cargo.toml` under `root`.
    pub fn read(root: &Path) -> Result<Self, String> {
        let path = root.join(SDK_MANIFEST);
        let text = fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let package = manifest_value(&text, "package", "name");
        let lib = manifest_value(&text, "lib", "name");
        let version = manifest_value(&text, "package", "version");
        match (lib.or_else(|| package.map(|p| p.replace('-', "_"))), version) {
            (Some(crate_name), Some(version)) => Ok(Self { crate_name, version }),
            _ => Err(format!("{SDK_MANIFEST} names no package name and version")),
        }
    }

    /// The generator's target for `spec_name` (as the headers name it).
    pub fn target<'a>(&'a self, spec_name: &'a str) -> codegen::Target<'a> {
        codegen::Target { spec_name, crate_name: &self.crate_name, version: &self.version }
    }
}

/// A `key = "value"` string in the `[section]` table of a Cargo manifest.
fn manifest_value(text: &str, section: &str, key: &str) -> Option<String> {
    let header = format!("[{section}]");
    let mut in_section = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_section = line == header;
            continue;
        }
        let Some(rest) = line.strip_prefix(key).filter(|_| in_section) else { continue };
        let Some(value) = rest.trim_start().strip_prefix('=') else { continue };
        let value = value.trim();
        return value.strip_prefix('"')?.strip_suffix('"').map(str::to_owned);
    }
    None
}

/// Reads the spec under `root` and runs a generator stage on it. When the spec cannot be read
/// or has problems, prints every problem and returns exit code 2: nothing is to be written.
pub fn from_spec<T>(
    root: &Path,
    stage: impl FnOnce(&str) -> Result<T, codegen::Diagnostics>,
) -> Result<T, ExitCode> {
    let spec_path = root.join(SPEC);
    let spec_text = fs::read_to_string(&spec_path).map_err(|error| {
        eprintln!("error: cannot read {}: {error}", spec_path.display());
        ExitCode::from(2)
    })?;
    stage(&spec_text).map_err(|problems| {
        eprintln!("error: {SPEC} has {} problem(s); nothing was written:", problems.len());
        for problem in &problems {
            eprintln!("  {problem}");
        }
        ExitCode::from(2)
    })
}

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
