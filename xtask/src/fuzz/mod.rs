//! The generator's mutation campaign: deterministic mutations of the project's specs (the SDK's
//! spec and every fixture spec) fed to [`codegen::generate`], checking its first promise: no
//! input panics, none takes over a second, and every accepted spec yields files that parse as
//! Rust, exactly as they would be written. [`compile`] checks a sample of accepted outputs with
//! the compiler against the runtime crate.
//!
//! A case is named by its seed and reproduced from it alone ([`case`]); `cargo xtask fuzz` runs
//! long campaigns and saves each failing spec, and the test suite runs a short one.

pub mod compile;
pub mod mutate;

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use codegen::load::Json;

use crate::derived::{BAD_SPECS_DIR, GOLDEN_DIR, SPEC};

/// A spec the campaign starts from.
#[derive(Debug, Clone)]
pub struct SeedSpec {
    /// Path relative to the workspace root.
    pub name: String,
    /// The parsed spec.
    pub json: Json,
}

/// The project's own specs: the SDK's, every golden fixture's and every broken fixture's
/// (those that parse).
pub fn seed_corpus(root: &Path) -> Result<Vec<SeedSpec>, String> {
    let mut names = vec![SPEC.to_owned()];
    names.extend(
        crate::derived::golden_cases(root).iter().map(|c| format!("{GOLDEN_DIR}/{c}/spec.json")),
    );
    let mut bad: Vec<String> = fs::read_dir(root.join(BAD_SPECS_DIR))
        .map_err(|e| format!("cannot read {BAD_SPECS_DIR}: {e}"))?
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .map(|name| format!("{BAD_SPECS_DIR}/{name}"))
        .collect();
    bad.sort();
    names.extend(bad);
    let mut seeds = Vec::new();
    for name in names {
        let text =
            fs::read_to_string(root.join(&name)).map_err(|e| format!("cannot read {name}: {e}"))?;
        if let Ok(json) = codegen::load::load(&text) {
            seeds.push(SeedSpec { name, json });
        }
    }
    Ok(seeds)
}

/// What the generator did with one mutated spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Refused with this many diagnostics.
    Rejected(usize),
    /// Accepted; every file parses.
    Accepted,
    /// The generator panicked, with this message.
    Panicked(String),
    /// Accepted, but this file's text does not parse as Rust.
    Unparseable(String),
}

/// One case: which seed spec, the mutated text, what happened and how long it took.
#[derive(Debug, Clone)]
pub struct Case {
    /// The case's number in its campaign; with the campaign seed it reproduces the case.
    pub id: u64,
    /// The seed spec it was mutated from.
    pub seed_spec: String,
    /// The mutated spec.
    pub text: String,
    /// The verdict.
    pub outcome: Outcome,
    /// Time spent in the generator (and in re-parsing its output).
    pub elapsed: Duration,
}

/// The mutated spec of case `id` of the campaign seeded with `seed`.
pub fn case(seeds: &[SeedSpec], seed: u64, id: u64) -> (String, String) {
    let mut rng = fastrand::Rng::with_seed(seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    // Two cases in five start from the SDK's spec, two from a golden spec (specs that
    // generate), one from any seed, the broken specs included.
    let golden: Vec<&SeedSpec> = seeds.iter().filter(|s| s.name.starts_with(GOLDEN_DIR)).collect();
    let base = match rng.u8(..5) {
        0 | 1 => &seeds[0],
        2 | 3 if !golden.is_empty() => golden[rng.usize(..golden.len())],
        _ => &seeds[rng.usize(..seeds.len())],
    };
    let mut json = base.json.clone();
    mutate::Mutator::new(rng.u64(..)).mutate(&mut json);
    (base.name.clone(), mutate::to_text(&json))
}

/// Runs one spec through the generator (the SDK's files and the command-line layer) and
/// re-parses every file it writes.
pub fn check(text: &str) -> (Outcome, Duration) {
    let start = Instant::now();
    let target = codegen::Target { spec_name: "fuzz.json", crate_name: "fuzz", version: "0.0.0" };
    let cli = codegen::emit::cli::CliTarget { sdk_crate: "fuzz", binary: "fuzz", group: "api" };
    let result = catch_unwind(AssertUnwindSafe(|| {
        let files = codegen::generate(text, &target)?;
        // The spec passed `lower`: the command layer can only fail by not parsing.
        Ok::<_, codegen::Diagnostics>((files, codegen::generate_cli(text, "fuzz.json", &cli)))
    }));
    let outcome = match result {
        Err(panic) => Outcome::Panicked(panic_message(&panic)),
        Ok(Err(diagnostics)) => Outcome::Rejected(diagnostics.len()),
        Ok(Ok((_, Err(cli)))) => Outcome::Unparseable(cli.to_string()),
        Ok(Ok((files, Ok(cli)))) => files
            .iter()
            .chain([&cli])
            .find_map(|file| {
                syn::parse_file(&file.contents).err().map(|e| format!("{}: {e}", file.path))
            })
            .map_or(Outcome::Accepted, Outcome::Unparseable),
    };
    (outcome, start.elapsed())
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Totals of a campaign, and the cases worth keeping.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Cases run.
    pub cases: u64,
    /// Cases the generator refused.
    pub rejected: u64,
    /// Cases the generator accepted (their files parse).
    pub accepted: u64,
    /// Cases that panicked or produced files that do not parse, in case order.
    pub failures: Vec<Case>,
    /// The slowest case.
    pub slowest: Option<(u64, Duration)>,
    /// Cases over the one-second budget.
    pub slow: Vec<Case>,
    /// Accepted cases kept for a compile check (up to the requested number), in case order.
    pub accepted_sample: Vec<Case>,
    /// Total time spent in the generator.
    pub generator_time: Duration,
}

/// The longest a single case may take.
pub const CASE_BUDGET: Duration = Duration::from_secs(1);

/// Runs cases `0..cases` of the campaign seeded with `seed` on `threads` threads, keeping up
/// to `keep_accepted` accepted specs (spread over the campaign) for a compile check.
pub fn campaign(
    seeds: &[SeedSpec],
    seed: u64,
    cases: u64,
    threads: usize,
    keep_accepted: usize,
) -> Summary {
    let threads = threads.max(1) as u64;
    let parts: Vec<Summary> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let ids = (t..cases).step_by(threads as usize);
                    run_ids(seeds, seed, ids, keep_accepted.div_ceil(threads as usize))
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut total = Summary::default();
    for part in parts {
        total.cases += part.cases;
        total.rejected += part.rejected;
        total.accepted += part.accepted;
        total.failures.extend(part.failures);
        total.slow.extend(part.slow);
        total.accepted_sample.extend(part.accepted_sample);
        total.generator_time += part.generator_time;
        if part.slowest.is_some_and(|(_, d)| total.slowest.is_none_or(|(_, t)| d > t)) {
            total.slowest = part.slowest;
        }
    }
    total.failures.sort_by_key(|c| c.id);
    total.accepted_sample.sort_by_key(|c| c.id);
    total.accepted_sample.truncate(keep_accepted);
    total
}

fn run_ids(
    seeds: &[SeedSpec],
    seed: u64,
    ids: impl Iterator<Item = u64>,
    keep_accepted: usize,
) -> Summary {
    let mut summary = Summary::default();
    for id in ids {
        let (seed_spec, text) = case(seeds, seed, id);
        let (outcome, elapsed) = check(&text);
        summary.cases += 1;
        summary.generator_time += elapsed;
        if summary.slowest.is_none_or(|(_, d)| elapsed > d) {
            summary.slowest = Some((id, elapsed));
        }
        let case = Case { id, seed_spec, text, outcome, elapsed };
        if elapsed > CASE_BUDGET {
            summary.slow.push(case.clone());
        }
        match &case.outcome {
            Outcome::Rejected(_) => summary.rejected += 1,
            Outcome::Accepted => {
                summary.accepted += 1;
                // Keep every 8th accepted case until the sample is full: spread, not the first.
                if summary.accepted_sample.len() < keep_accepted && summary.accepted % 8 == 1 {
                    summary.accepted_sample.push(case);
                }
            }
            Outcome::Panicked(_) | Outcome::Unparseable(_) => summary.failures.push(case),
        }
    }
    summary
}
