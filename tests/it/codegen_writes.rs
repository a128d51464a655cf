//! `cargo xtask codegen`'s writes under faults, on scratch copies of the tree
//! (`xtask::faults::Scratch`, where every derived file starts old): what a killed run leaves
//! is cleaned by the next one (stale staging, stray temporary files), an interrupted plan is
//! completed, orphan cleanup never takes a temporary file, runs on one tree take turns through
//! the lock (a check too), staging on another filesystem still replaces files whole, and runs
//! killed with `SIGKILL` at random moments never leave a partial file.
//!
//! The runs that are killed or started in pairs are child processes: this test binary again,
//! running only [`child_codegen_run`]. `cargo xtask codegen-faults` runs the long campaign
//! (100 kills, 10 pairs) with the xtask binary; `kill_campaign_of_100_runs_and_10_pairs`
//! below is the same campaign, ignored by default.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;

use xtask::ensure::{self, PLAN, Plan, STAGING_DIR};
use xtask::faults::{self, Scratch};
use xtask::{CodegenLock, DerivedFile, Mode, Report};

use crate::support::project_root;

/// Tells a child process started by [`child_run`] which tree to regenerate.
const CHILD_ROOT: &str = "CODEGEN_WRITES_CHILD_ROOT";

/// The seed of the kill moments of the short campaign.
const SEED: u64 = 20_260_501;

/// A scratch copy of the tree named after the test, every derived file old.
#[track_caller]
fn old_tree(name: &str) -> Scratch {
    let dest = std::env::temp_dir().join(format!("codegen-writes-{name}-{}", std::process::id()));
    let scratch = Scratch::create(&project_root(), &dest)
        .unwrap_or_else(|e| panic!("cannot make a scratch tree: {e}"));
    scratch.make_old().expect("the old state can be written");
    let state = scratch.state();
    assert!(state.new.is_empty() && state.partial.is_empty(), "not all old: {state:?}");
    scratch
}

/// Runs `cargo xtask codegen` on `root` in this process; it must succeed without error.
#[track_caller]
fn write_run(root: &Path) -> Report {
    let report = xtask::codegen(root, Mode::Write)
        .unwrap_or_else(|problems| panic!("files cannot be derived:\n{}", problems.join("\n")));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    report
}

/// Asserts that every file of `scratch` is new, `--check` passes and no run left anything.
#[track_caller]
fn assert_fresh_and_clean(scratch: &Scratch) {
    let state = scratch.state();
    assert!(state.old.is_empty() && state.partial.is_empty(), "not all new: {state:?}");
    assert!(scratch.is_fresh().expect("derivable"), "`--check` fails on the tree");
    assert_eq!(scratch.leftovers(), Vec::<String>::new(), "left behind");
}

/// The command of one codegen run on `root` in a child process: this test binary, running
/// [`child_codegen_run`] alone.
fn child_run(root: &Path) -> Command {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut command = Command::new(exe);
    command
        .args(["codegen_writes::child_codegen_run", "--exact", "--ignored", "--nocapture"])
        .args(["--test-threads=1", "--quiet"])
        .env(CHILD_ROOT, root);
    command
}

/// Not a test: the body of the child processes of [`child_run`]. Without `CHILD_ROOT` (run
/// with `--ignored` by hand) it does nothing.
#[test]
#[ignore = "a codegen run in a child process, started by the tests of this module"]
#[allow(clippy::print_stderr)]
fn child_codegen_run() {
    let Some(root) = std::env::var_os(CHILD_ROOT) else { return };
    let report = xtask::codegen_with(Path::new(&root), Mode::Write, &mut |message| {
        eprintln!("{message}");
    })
    .unwrap_or_else(|problems| panic!("files cannot be derived:\n{}", problems.join("\n")));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
}

#[test]
fn staging_without_a_plan_is_removed_unused() {
    // A run killed while staging: staged files, perhaps a half-written plan under its
    // temporary name, and no plan. None of it may reach a target.
    let scratch = old_tree("stale-staging");
    let staging = scratch.root().join(STAGING_DIR);
    fs::create_dir_all(&staging).expect("staging");
    fs::write(staging.join("0000.models.rs"), "// garbage\n").expect("write");
    fs::write(staging.join("plan.tmp"), "xtask-codegen plan 1\n0000.models.rs\tgenerated/sr")
        .expect("write");

    let report = write_run(scratch.root());
    assert_eq!(report.cleaned, [format!("{STAGING_DIR}/")]);
    assert!(report.recovered.is_empty(), "{:?}", report.recovered);
    assert!(!staging.exists(), "the staging folder is still there");
    assert_fresh_and_clean(&scratch);
}

#[test]
fn stray_temporary_files_beside_targets_are_removed() {
    let scratch = old_tree("stray-temps");
    let root = scratch.root();
    let strays = [
        "generated/src/.models.rs.4242.tmp",
        "generated/src/.client.rs.tmp",
        "spec/.openapi.json.17.tmp",
        "tests/fixtures/golden/enums/src/.models.rs.99.tmp",
        "tests/fixtures/golden/enums/.Cargo.toml.5.tmp",
        "tests/fixtures/bad-specs/.dangling_ref.expected.tmp",
    ];
    for stray in strays {
        // Half of a generated file, as a killed write leaves it.
        fs::write(root.join(stray), "// @generated by `cargo xtask codegen` from spec/machi")
            .expect("write");
    }
    // Hidden files that are not temporary files stay.
    fs::write(root.join("generated/src/.keep"), "").expect("write");
    assert_eq!(scratch.leftovers().len(), strays.len());

    let mut report = write_run(root);
    report.cleaned.sort();
    let mut expected = strays.map(str::to_owned).to_vec();
    expected.sort();
    assert_eq!(report.cleaned, expected);
    assert!(root.join("generated/src/.keep").exists(), "a hidden non-temporary file was removed");
    assert_fresh_and_clean(&scratch);
}

#[test]
fn temporary_file_names_are_recognised() {
    for name in [".models.rs.tmp", ".models.rs.12345.tmp", ".Cargo.toml.1.tmp", ".x.tmp"] {
        assert!(ensure::is_temp_name(name), "{name} is a temporary file");
    }
    for name in ["models.rs", "models.rs.tmp", ".tmp", "..tmp", ".keep", ".models.rs.tmp.bak"] {
        assert!(!ensure::is_temp_name(name), "{name} is not a temporary file");
    }
}

#[test]
fn orphan_cleanup_leaves_temporary_files_of_another_run_alone() {
    // Another run's temporary file holds generated text and is not derived: it looks like
    // an orphan, and removing it would make that run fail.
    let scratch = old_tree("orphan-temps");
    let root = scratch.root();
    let temp = "generated/src/.models.rs.31337.tmp";
    fs::write(root.join(temp), "// @generated by `cargo xtask codegen` from spec/m.json.\n")
        .expect("write");
    let files = xtask::derived::all(root).expect("derivable");
    let dirs = xtask::derived::generated_dirs(root);

    let mut report = Report::default();
    ensure::ensure_no_orphans(root, &dirs, &files, Mode::Check, &mut report);
    assert_eq!(report.orphans, [faults::ORPHAN], "only the real orphan");
    let mut report = Report::default();
    ensure::ensure_no_orphans(root, &dirs, &files, Mode::Write, &mut report);
    assert_eq!(report.orphans, [faults::ORPHAN]);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(!root.join(faults::ORPHAN).exists(), "the orphan was not removed");
    assert!(root.join(temp).exists(), "orphan cleanup removed another run's temporary file");
}

#[test]
fn an_interrupted_plan_is_completed_by_the_next_run() {
    let scratch = old_tree("plan");
    let root = scratch.root();
    let files = xtask::derived::all(root).expect("derivable");
    let stale: Vec<&DerivedFile> = files.iter().collect();

    // Phase 1 touches no target.
    let plan = ensure::stage(root, &stale).expect("staged");
    assert_eq!(plan.entries.len(), files.len());
    assert_eq!(Plan::pending(root).expect("readable"), Some(plan.clone()));
    let state = scratch.state();
    assert!(state.new.is_empty() && state.partial.is_empty(), "staging touched a target");
    assert!(ensure::stage(root, &stale).is_err(), "staged again over a pending plan");

    // Killed after three renames: those files are new, the others old.
    let staging = root.join(STAGING_DIR);
    for entry in &plan.entries[..3] {
        fs::rename(staging.join(&entry.staged), root.join(&entry.target)).expect("rename");
    }
    let state = scratch.state();
    assert_eq!(state.new.len(), 3, "{state:?}");
    assert!(state.partial.is_empty(), "{state:?}");

    let report = write_run(root);
    let rest: Vec<String> = plan.entries[3..].iter().map(|e| e.target.clone()).collect();
    assert_eq!(report.recovered, rest, "the next run completes the plan");
    assert!(report.changed.is_empty(), "after the plan nothing is stale: {:?}", report.changed);
    assert_eq!(report.orphans, [faults::ORPHAN]);
    assert!(!root.join(PLAN).exists());
    assert_fresh_and_clean(&scratch);
}

#[test]
fn a_waiting_run_says_so_and_writes_only_after_the_holder() {
    let scratch = old_tree("lock-wait");
    let root = scratch.root().to_path_buf();
    let held = CodegenLock::acquire(&root, Mode::Write, &mut |m| panic!("the lock is free: {m}"))
        .expect("locked");
    assert!(held.is_held());

    let (sender, messages) = mpsc::channel();
    let waiter = std::thread::spawn({
        let root = root.clone();
        move || {
            xtask::codegen_with(&root, Mode::Write, &mut |message| {
                sender.send(message.to_owned()).expect("the test listens");
            })
        }
    });
    let message = messages.recv().expect("the waiting run says so");
    assert!(
        message.contains("waiting for another `cargo xtask codegen` run")
            && message.contains(ensure::LOCK)
            && !message.contains('\n'),
        "{message}"
    );
    // The waiting run is blocked on the lock: it has written nothing.
    let state = scratch.state();
    assert!(state.new.is_empty() && state.partial.is_empty(), "{state:?}");

    drop(held);
    let report = waiter.join().expect("no panic").expect("derivable");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(messages.try_iter().count(), 0, "the message is said once");
    assert_fresh_and_clean(&scratch);
}

#[test]
fn a_check_waits_for_a_write_run_in_progress() {
    // A write run holds the lock and has moved only some files: a check must not report that
    // half-applied set, but the finished one.
    let scratch = old_tree("check-wait");
    let root = scratch.root().to_path_buf();
    let writer =
        CodegenLock::acquire(&root, Mode::Write, &mut |m| panic!("free: {m}")).expect("locked");
    let files = xtask::derived::all(&root).expect("derivable");
    let first: Vec<DerivedFile> = files[..2].to_vec();
    let mut report = Report::default();
    ensure::ensure_files(&root, &first, Mode::Write, &mut report);
    assert_eq!(report.changed.len(), 2, "{report:?}");

    let (sender, messages) = mpsc::channel();
    let checker = std::thread::spawn({
        let root = root.clone();
        move || {
            xtask::codegen_with(&root, Mode::Check, &mut |message| {
                sender.send(message.to_owned()).expect("the test listens");
            })
        }
    });
    messages.recv().expect("the check waits for the writer");
    let mut report = Report::default();
    ensure::ensure_files(&root, &files, Mode::Write, &mut report);
    let dirs = xtask::derived::generated_dirs(&root);
    ensure::ensure_no_orphans(&root, &dirs, &files, Mode::Write, &mut report);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    drop(writer);

    let check = checker.join().expect("no panic").expect("derivable");
    assert!(check.is_clean(), "the check saw a half-applied set: {:?}", check.changed);
    assert_fresh_and_clean(&scratch);
}

#[test]
fn checks_share_the_lock() {
    let scratch = old_tree("shared");
    let root = scratch.root();
    let first = CodegenLock::acquire(root, Mode::Check, &mut |m| panic!("free: {m}"));
    let second = CodegenLock::acquire(root, Mode::Check, &mut |m| panic!("shared: {m}"));
    assert!(first.expect("locked").is_held() && second.expect("locked").is_held());
}

#[test]
fn two_runs_at_once_both_succeed_and_leave_the_tree_fresh() {
    // Two threads of this process: each opens the lock file itself, so they take turns.
    let scratch = old_tree("threads");
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let root = scratch.root().to_path_buf();
            std::thread::spawn(move || xtask::codegen(&root, Mode::Write))
        })
        .collect();
    let mut changed = 0;
    for run in runs {
        let report = run.join().expect("no panic").expect("derivable");
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        changed += report.changed.len();
    }
    assert_eq!(changed, scratch.len() - 1, "each file is written by one of the two runs");
    assert_fresh_and_clean(&scratch);

    // Two processes, twice.
    let figures = faults::pair_campaign(&scratch, 2, &child_run).expect("the pairs ran");
    assert!(figures.held(), "{figures}");
}

#[test]
#[allow(clippy::print_stderr)]
fn staging_on_another_filesystem_still_replaces_files_whole() {
    // `target/xtask-codegen` on a tmpfs: renames out of the staging folder fail with EXDEV,
    // and each file goes through a temporary file beside its target instead.
    let scratch = old_tree("cross-device");
    let root = scratch.root();
    let elsewhere = Path::new("/dev/shm").join(format!("codegen-writes-{}", std::process::id()));
    if fs::create_dir_all(&elsewhere).is_err() || !other_filesystem(root, &elsewhere) {
        eprintln!("skipped: no tmpfs at /dev/shm on another filesystem than {}", root.display());
        return;
    }
    fs::create_dir_all(root.join("target")).expect("target");
    symlink_dir(&elsewhere, &root.join(ensure::WORK_DIR));

    let report = write_run(root);
    assert_eq!(report.changed.len(), scratch.len() - 1, "{:?}", report.changed);
    assert_fresh_and_clean(&scratch);
    assert!(
        !elsewhere.join("staging").exists(),
        "the staging folder on the other filesystem was not removed"
    );
    let _ = fs::remove_dir_all(&elsewhere);
}

#[cfg(unix)]
fn other_filesystem(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() != b.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn other_filesystem(_: &Path, _: &Path) -> bool {
    false
}

#[cfg(unix)]
fn symlink_dir(original: &Path, link: &Path) {
    std::os::unix::fs::symlink(original, link).expect("symlink");
}

#[cfg(not(unix))]
fn symlink_dir(_: &Path, _: &Path) {
    unreachable!("only reached where other_filesystem is true")
}

#[test]
fn runs_killed_at_random_moments_leave_every_file_old_or_new() {
    let scratch = old_tree("kills");
    let figures = faults::kill_campaign(&scratch, 5, SEED, &child_run).expect("the runs ran");
    assert_eq!(figures.runs, 5);
    assert!(figures.held(), "{figures}");
}

#[test]
#[ignore = "the long campaign (a minute or more); `cargo xtask codegen-faults` runs it too"]
#[allow(clippy::print_stdout)]
fn kill_campaign_of_100_runs_and_10_pairs() {
    let scratch = old_tree("campaign");
    let kills = faults::kill_campaign(&scratch, 100, 1, &child_run).expect("the runs ran");
    let pairs = faults::pair_campaign(&scratch, 10, &child_run).expect("the pairs ran");
    println!("{kills}{pairs}");
    assert!(kills.held(), "{kills}");
    assert!(pairs.held(), "{pairs}");
}
