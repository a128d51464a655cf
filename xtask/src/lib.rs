//! Project automation as a library: the `cargo xtask` binary and the test suite share it, so
//! the freshness test checks exactly what `cargo xtask codegen` writes.
//!
//! - [`derived`]: every checked-in file derived from a spec (the SDK's generated modules, the
//!   OpenAPI export, the golden crates, the expected diagnostics of the broken specs).
//! - [`ensure`]: [`ensure::ensure_file`], the one function that writes or checks such a file.
//! - [`codegen()`]: both together, over the whole tree.
//! - [`fuzz`]: the generator's mutation campaign and the compile check of its accepted cases.

pub mod derived;
pub mod ensure;
pub mod fuzz;

use std::path::Path;

pub use derived::DerivedFile;
pub use ensure::{Mode, Report};

/// Brings every derived file under the workspace `root` up to date (write mode), or reports
/// what is stale (check mode). `Err` lists the problems that keep the files from being derived
/// (a spec the generator refuses, an unreadable file); then nothing is written.
pub fn codegen(root: &Path, mode: Mode) -> Result<Report, Vec<String>> {
    let files = derived::all(root)?;
    let mut report = Report::default();
    for file in &files {
        ensure::ensure_file(root, file, mode, &mut report);
    }
    ensure::ensure_no_orphans(root, &derived::generated_dirs(root), &files, mode, &mut report);
    Ok(report)
}
