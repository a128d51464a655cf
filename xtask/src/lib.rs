//! Project automation as a library: the `cargo xtask` binary and the test suite share it, so
//! the freshness test checks exactly what `cargo xtask codegen` writes.
//!
//! - [`changes`]: the base and working-tree specs and versions behind `cargo xtask changes`.
//! - [`derived`]: every checked-in file derived from a spec (the SDK's generated modules, the
//!   OpenAPI export, the golden crates, the expected diagnostics of the broken specs).
//! - [`ensure`]: [`ensure::ensure_files`], the one function that writes or checks such files,
//!   and what a write run guarantees when it is interrupted or runs beside another.
//! - [`codegen()`] and [`codegen_with`]: both together, over the whole tree, one run at a time.
//! - [`faults`]: the fault campaign of those writes (runs killed at random moments, runs at
//!   the same time), on scratch copies of the tree.
//! - [`fuzz`]: the generator's mutation campaign and the compile check of its accepted cases.

pub mod changes;
pub mod derived;
pub mod ensure;
pub mod faults;
pub mod fuzz;

use std::collections::BTreeSet;
use std::path::Path;

pub use derived::DerivedFile;
pub use ensure::{CodegenLock, Mode, Report};

/// Brings every derived file under the workspace `root` up to date (write mode), or reports
/// what is stale (check mode); waits silently while another run holds the tree's lock. See
/// [`codegen_with`].
pub fn codegen(root: &Path, mode: Mode) -> Result<Report, Vec<String>> {
    codegen_with(root, mode, &mut |_| {})
}

/// Brings every derived file under the workspace `root` up to date (write mode), or reports
/// what is stale (check mode). `Err` lists the problems that keep the files from being derived
/// (a spec the generator refuses, an unreadable file, a lock that cannot be taken); then
/// nothing is written.
///
/// The run holds the tree's [`CodegenLock`] throughout (exclusive to write, shared to check);
/// when another run holds it, `on_wait` gets a one-line message before this one waits. A write
/// run first removes what an interrupted run left (completing its plan, see [`ensure`]), then
/// writes every stale file and removes the orphans.
pub fn codegen_with(
    root: &Path,
    mode: Mode,
    on_wait: &mut dyn FnMut(&str),
) -> Result<Report, Vec<String>> {
    let _lock = CodegenLock::acquire(root, mode, on_wait)
        .map_err(|error| vec![format!("cannot lock {}: {error}", ensure::LOCK)])?;
    let files = derived::all(root)?;
    let dirs = derived::generated_dirs(root);
    let mut report = Report::default();
    if mode == Mode::Write {
        ensure::remove_stray_temps(root, &folders(&files, &dirs), &mut report);
    }
    ensure::ensure_files(root, &files, mode, &mut report);
    ensure::ensure_no_orphans(root, &dirs, &files, mode, &mut report);
    Ok(report)
}

/// The folders that hold derived files: where a temporary file of an interrupted run can be.
fn folders(files: &[DerivedFile], generated_dirs: &[String]) -> Vec<String> {
    let mut folders: BTreeSet<String> = generated_dirs.iter().cloned().collect();
    for file in files {
        if let Some((dir, _)) = file.path.rsplit_once('/') {
            folders.insert(dir.to_owned());
        }
    }
    folders.into_iter().collect()
}
