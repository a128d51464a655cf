//! The two phases of a write run and the repair of an interrupted one.
//!
//! 1. [`stage`]: every new file is written in full to `target/xtask-codegen/staging/` and
//!    flushed, then the plan is recorded beside them: a first line `xtask-codegen plan 1`,
//!    then one line per file, `<staged name>` TAB `<target path relative to the root>`.
//! 2. [`Plan::apply`]: each staged file is renamed over its target (copied to a temporary
//!    file beside it and renamed from there when the staging folder is on another
//!    filesystem). A staged file that is no longer in the staging folder has been moved, so
//!    applying a plan again completes it.
//!
//! Both phases handle several files at a time: flushes and renames wait on the disk, and the
//! filesystem commits those that wait together in one go, so a run that changes every file is
//! several times faster than one that goes file by file. A run stopped in phase 2 has
//! therefore moved some subset of its files, in no set order: each file is old or new, and
//! the staging folder says which remain.
//!
//! A run that finds a plan applies it before anything else; staging without a plan is what a
//! run killed while staging left, and is removed unused.

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Component, Path};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::Report;
use crate::derived::DerivedFile;

/// The folder of codegen's own working files (the lock, the staging folder), relative to the
/// workspace root; under `target/`, which git ignores.
pub const WORK_DIR: &str = "target/xtask-codegen";
/// Where a write run stages new files and records its plan, relative to the workspace root.
pub const STAGING_DIR: &str = "target/xtask-codegen/staging";
/// The plan of the run in progress (or of an interrupted one), relative to the workspace root.
pub const PLAN: &str = "target/xtask-codegen/staging/plan";

/// The plan file's first line: the format and its version.
const PLAN_HEADER: &str = "xtask-codegen plan 1";
/// The name the plan is written under before it is renamed to `plan`.
const PLAN_TEMP: &str = "plan.tmp";

/// The targets of a write run, each with the staged file that holds its new contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// In the order they are moved into place.
    pub entries: Vec<PlanEntry>,
}

/// One file of a [`Plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanEntry {
    /// The staged file's name in the staging folder.
    pub staged: String,
    /// The target, relative to the workspace root, with `/` separators.
    pub target: String,
}

/// Phase 1 of a write run: writes every file of `files` to the staging folder of `root`,
/// flushes them to disk, then records the plan. No target is touched. Refuses to start while
/// the plan of an interrupted run is pending (apply it first); staging without a plan is
/// discarded.
pub fn stage(root: &Path, files: &[&DerivedFile]) -> io::Result<Plan> {
    let dir = root.join(STAGING_DIR);
    if exists(&root.join(PLAN))? {
        return Err(io::Error::other(format!("{PLAN} of an interrupted run is pending")));
    }
    remove_staging(root)?;
    fs::create_dir_all(&dir)?;
    let mut entries = Vec::with_capacity(files.len());
    for (index, file) in files.iter().enumerate() {
        check_target(&file.path)?;
        let name = file.path.rsplit('/').next().unwrap_or_default();
        entries.push(PlanEntry { staged: format!("{index:04}.{name}"), target: file.path.clone() });
    }
    write_staged(&dir, &entries, files)?;
    let plan = Plan { entries };
    write_synced(&dir.join(PLAN_TEMP), plan.to_text().as_bytes())?;
    // The staged files' names are on disk before the plan that lists them.
    sync_dir(&dir);
    fs::rename(dir.join(PLAN_TEMP), root.join(PLAN))?;
    sync_dir(&dir);
    Ok(plan)
}

impl Plan {
    /// The plan recorded in the staging folder of `root`, if there is one.
    pub fn pending(root: &Path) -> io::Result<Option<Self>> {
        match fs::read_to_string(root.join(PLAN)) {
            Ok(text) => Self::parse(&text).map(Some),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Phase 2: moves every staged file still in the staging folder over its target. Returns
    /// the targets moved and a message per file that could not be.
    pub fn apply(&self, root: &Path) -> (Vec<String>, Vec<String>) {
        let dir = root.join(STAGING_DIR);
        let cross_device = AtomicBool::new(false);
        let outcomes = in_parallel(&self.entries, |entry| {
            let staged = dir.join(&entry.staged);
            match exists(&staged) {
                Ok(true) => {}
                Ok(false) => return None, // moved before the run was interrupted
                Err(error) => {
                    return Some(Err(format!("cannot read staged {}: {error}", entry.target)));
                }
            }
            Some(match move_into_place(&staged, &root.join(&entry.target), &cross_device) {
                Ok(()) => Ok(entry.target.clone()),
                Err(error) => Err(format!("cannot write {}: {error}", entry.target)),
            })
        });
        let mut moved = Vec::new();
        let mut errors = Vec::new();
        for outcome in outcomes.into_iter().flatten() {
            match outcome {
                Ok(target) => moved.push(target),
                Err(error) => errors.push(error),
            }
        }
        (moved, errors)
    }

    fn to_text(&self) -> String {
        let mut text = format!("{PLAN_HEADER}\n");
        for entry in &self.entries {
            text.push_str(&format!("{}\t{}\n", entry.staged, entry.target));
        }
        text
    }

    fn parse(text: &str) -> io::Result<Self> {
        let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
        let mut lines = text.lines();
        if lines.next() != Some(PLAN_HEADER) {
            return Err(invalid("the plan does not start with its header"));
        }
        let mut entries = Vec::new();
        for line in lines {
            let (staged, target) =
                line.split_once('\t').ok_or_else(|| invalid("a plan line lacks its tab"))?;
            if !is_plain_name(staged) {
                return Err(invalid("a staged name in the plan is not a plain file name"));
            }
            check_target(target)?;
            entries.push(PlanEntry { staged: staged.to_owned(), target: target.to_owned() });
        }
        Ok(Self { entries })
    }
}

/// Completes the plan an interrupted run left in `root`, if any, and removes the staging
/// folder, recording what it did in `report`.
pub(super) fn finish_interrupted(root: &Path, report: &mut Report) {
    match exists(&root.join(STAGING_DIR)) {
        Ok(false) => return,
        Ok(true) => {}
        Err(error) => {
            report.errors.push(format!("cannot read {STAGING_DIR}: {error}"));
            return;
        }
    }
    match Plan::pending(root) {
        Ok(Some(plan)) => {
            let (moved, errors) = plan.apply(root);
            report.recovered.extend(moved);
            report.errors.extend(errors);
        }
        // Staging without a plan, or a plan from another version of this tool: discarded, the
        // targets were not touched.
        Ok(None) | Err(_) => report.cleaned.push(format!("{STAGING_DIR}/")),
    }
    if let Err(error) = remove_staging(root) {
        report.errors.push(format!("cannot remove {STAGING_DIR}: {error}"));
    }
}

/// Removes the staging folder of `root` and everything in it, if it exists.
pub(super) fn remove_staging(root: &Path) -> io::Result<()> {
    match fs::remove_dir_all(root.join(STAGING_DIR)) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

/// Removes every stray temporary file ([`is_temp_name`]) directly in the folders `dirs`
/// (relative to `root`), recording each in `report.cleaned`. Only a run holding the
/// [`super::CodegenLock`] calls this: then no other run's temporary file can be there.
pub fn remove_stray_temps(root: &Path, dirs: &[String], report: &mut Report) {
    for dir in dirs {
        let Ok(entries) = fs::read_dir(root.join(dir)) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_temp_name(&name) || entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                continue;
            }
            let relative = format!("{dir}/{name}");
            match fs::remove_file(entry.path()) {
                Ok(()) => report.cleaned.push(relative),
                Err(error) => report.errors.push(format!("cannot remove {relative}: {error}")),
            }
        }
    }
}

/// True for the name of a temporary file written beside a target: `.<name>.tmp`, or
/// `.<name>.<pid>.tmp` as earlier versions of this tool and [`write_atomically`] name them.
pub fn is_temp_name(name: &str) -> bool {
    let Some(inner) = name.strip_prefix('.').and_then(|rest| rest.strip_suffix(".tmp")) else {
        return false;
    };
    let base = match inner.rsplit_once('.') {
        Some((base, pid)) if !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => inner,
    };
    !base.is_empty()
}

/// Writes `contents` to a temporary file beside `path` (`.<name>.<pid>.tmp`), flushes it, then
/// renames it over `path`, so a reader never sees a half-written file. The temporary file is
/// removed if anything fails (a killed process leaves it: the next codegen run removes it).
pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = write_synced(&temp, contents).and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Moves `staged` over `target`: a rename, or, once a rename has failed because the two are
/// on different filesystems, a copy through a temporary file beside the target.
fn move_into_place(staged: &Path, target: &Path, cross_device: &AtomicBool) -> io::Result<()> {
    if let Some(dir) = target.parent() {
        fs::create_dir_all(dir)?;
    }
    if !cross_device.load(Ordering::Relaxed) {
        match fs::rename(staged, target) {
            Err(error) if error.kind() == io::ErrorKind::CrossesDevices => {
                cross_device.store(true, Ordering::Relaxed);
            }
            result => return result,
        }
    }
    write_atomically(target, &fs::read(staged)?)?;
    fs::remove_file(staged)
}

/// How many files are staged, or moved into place, at once.
const WORKERS: usize = 8;

/// Writes and flushes the staged file of each entry, several at a time.
fn write_staged(dir: &Path, entries: &[PlanEntry], files: &[&DerivedFile]) -> io::Result<()> {
    let jobs: Vec<(&PlanEntry, &&DerivedFile)> = entries.iter().zip(files).collect();
    in_parallel(&jobs, |(entry, file)| {
        write_synced(&dir.join(&entry.staged), file.contents.as_bytes())
    })
    .into_iter()
    .collect()
}

/// `job` applied to every item, [`WORKERS`] at a time, the results in the items' order. The
/// jobs wait on the disk (a flush, a rename that the filesystem journals), and the
/// filesystem commits what waits together in one go.
fn in_parallel<T: Sync, R: Send>(items: &[T], job: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(index) else { return done };
            done.push((index, job(item)));
        }
    };
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS.min(items.len())).map(|_| scope.spawn(work)).collect();
        workers
            .into_iter()
            .flat_map(|worker| {
                worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

/// Creates `path` with `contents` and flushes it to disk.
fn write_synced(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Flushes a folder's entries to disk, where the platform can (not on Windows).
fn sync_dir(dir: &Path) {
    let _ = File::open(dir).and_then(|dir| dir.sync_all());
}

/// Whether `path` exists (without following a final symbolic link).
fn exists(path: &Path) -> io::Result<bool> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(error),
    }
}

/// A file name with no separator, not `.` or `..`.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\'])
}

/// Refuses a target that is not a plain relative path inside the tree, or that a plan line
/// could not hold.
fn check_target(target: &str) -> io::Result<()> {
    let plain = !target.is_empty()
        && !target.contains(['\t', '\n', '\r', '\\'])
        && Path::new(target).components().all(|part| matches!(part, Component::Normal(_)));
    if plain {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{target:?} is not a plain relative path"),
        ))
    }
}
