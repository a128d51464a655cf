//! [`CodegenLock`]: one `cargo xtask codegen` run at a time on a tree. Write runs lock
//! `target/xtask-codegen/lock` exclusively and check runs shared, with the operating system's
//! advisory file locks (`flock` on Unix), which die with the process that holds them: a killed
//! run never leaves the tree locked.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::path::Path;

use super::{Mode, WORK_DIR};

/// The lock file, relative to the workspace root. It is never removed: a run waiting on it
/// must find the same file when its turn comes.
pub const LOCK: &str = "target/xtask-codegen/lock";

/// A held lock on a tree's codegen runs, released when dropped (or when the process ends,
/// however it ends).
#[derive(Debug)]
pub struct CodegenLock {
    /// The locked file; `None` when a check run could not open it (a read-only tree) or the
    /// filesystem has no locks, and so checks unlocked.
    file: Option<File>,
}

impl CodegenLock {
    /// Takes the lock of the tree at `root`: exclusive for [`Mode::Write`], shared for
    /// [`Mode::Check`]. When another run holds it, calls `on_wait` once with a one-line
    /// message, then blocks until it is free.
    ///
    /// A check run that cannot create the lock file (a read-only tree), and any run on a
    /// filesystem without file locks, goes on without the lock.
    pub fn acquire(root: &Path, mode: Mode, on_wait: &mut dyn FnMut(&str)) -> io::Result<Self> {
        let file = match open(root) {
            Ok(file) => file,
            Err(_) if mode == Mode::Check => return Ok(Self { file: None }),
            Err(error) => return Err(error),
        };
        let attempt = match mode {
            Mode::Write => file.try_lock(),
            Mode::Check => file.try_lock_shared(),
        };
        let locked = match attempt {
            Ok(()) => Ok(()),
            Err(TryLockError::WouldBlock) => {
                on_wait(&format!(
                    "waiting for another `cargo xtask codegen` run on this tree to finish \
                     ({LOCK})"
                ));
                match mode {
                    Mode::Write => file.lock(),
                    Mode::Check => file.lock_shared(),
                }
            }
            Err(TryLockError::Error(error)) => Err(error),
        };
        match locked {
            Ok(()) => Ok(Self { file: Some(file) }),
            Err(error) if error.kind() == io::ErrorKind::Unsupported => Ok(Self { file: None }),
            Err(error) => Err(error),
        }
    }

    /// True when the lock is really held (see [`CodegenLock::acquire`] for when it is not).
    pub fn is_held(&self) -> bool {
        self.file.is_some()
    }
}

fn open(root: &Path) -> io::Result<File> {
    fs::create_dir_all(root.join(WORK_DIR))?;
    OpenOptions::new().read(true).write(true).create(true).truncate(false).open(root.join(LOCK))
}
