//! `cargo xtask fuzz [--cases N] [--seed S] [--compile K] [--threads T]`: a mutation campaign
//! over the project's specs, reported as totals; failing specs are saved under
//! `target/fuzz/failures/` to become fixtures. `cargo xtask fuzz --replay DIR` checks the specs
//! saved in DIR again, one at a time, with each one's verdict and time.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use xtask::fuzz::{self, Case, Outcome, compile};

/// Options of one campaign.
struct Options {
    cases: u64,
    seed: u64,
    compile: usize,
    threads: usize,
}

fn parse(args: &[&str]) -> Result<Options, String> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut options = Options { cases: 10_000, seed: 1, compile: 0, threads };
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or_else(|| format!("`{flag}` needs a value"))?;
        let number = |v: &str| v.parse::<u64>().map_err(|_| format!("`{flag}` needs a number"));
        match *flag {
            "--cases" => options.cases = number(value)?,
            "--seed" => options.seed = number(value)?,
            "--compile" => options.compile = number(value)? as usize,
            "--threads" => options.threads = number(value)?.max(1) as usize,
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(options)
}

/// Runs the task: exit 0 when every case held, 1 when one failed, 2 on bad usage or input.
pub fn run(root: &Path, args: &[&str]) -> ExitCode {
    if let ["--replay", dir] = args {
        return replay(Path::new(dir));
    }
    let options = match parse(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let seeds = match fuzz::seed_corpus(root) {
        Ok(seeds) => seeds,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let start = Instant::now();
    let summary =
        fuzz::campaign(&seeds, options.seed, options.cases, options.threads, options.compile);
    let wall = start.elapsed();
    println!(
        "{} cases from {} seed specs (seed {}) in {:.1} s: {} rejected, {} accepted, {} panicked, {} accepted but unparseable",
        summary.cases,
        seeds.len(),
        options.seed,
        wall.as_secs_f64(),
        summary.rejected,
        summary.accepted,
        count(&summary.failures, |o| matches!(o, Outcome::Panicked(_))),
        count(&summary.failures, |o| matches!(o, Outcome::Unparseable(_))),
    );
    if let Some((id, elapsed)) = summary.slowest {
        println!(
            "slowest case {id}: {:.1} ms; {} over the {} s budget",
            elapsed.as_secs_f64() * 1e3,
            summary.slow.len(),
            fuzz::CASE_BUDGET.as_secs()
        );
    }
    let mut failed = !summary.failures.is_empty() || !summary.slow.is_empty();
    for case in summary.failures.iter().chain(&summary.slow) {
        report(root, case);
    }
    if options.compile > 0 {
        failed |= compile_sample(root, &summary.accepted_sample);
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn count(cases: &[Case], pick: impl Fn(&Outcome) -> bool) -> usize {
    cases.iter().filter(|c| pick(&c.outcome)).count()
}

fn report(root: &Path, case: &Case) {
    let saved = save(root, case.id, &case.text);
    let verdict = match &case.outcome {
        Outcome::Panicked(message) => format!("panicked: {message}"),
        Outcome::Unparseable(message) => format!("output does not parse: {message}"),
        _ => format!("took {:.0} ms", case.elapsed.as_secs_f64() * 1e3),
    };
    println!("case {} (from {}) {verdict}\n  spec: {saved}", case.id, case.seed_spec);
}

fn save(root: &Path, id: u64, text: &str) -> String {
    let relative = format!("{}/failures/case_{id:07}.json", compile::SCRATCH_DIR);
    match xtask::ensure::write_atomically(&root.join(&relative), text.as_bytes()) {
        Ok(()) => relative,
        Err(error) => format!("(not saved: {error})"),
    }
}

/// Compiles the kept accepted cases; true when one failed or the check could not run.
fn compile_sample(root: &Path, sample: &[Case]) -> bool {
    let start = Instant::now();
    match compile::compile(root, sample) {
        Ok(failures) => {
            println!(
                "compiled {} accepted cases in {:.1} s: {} did not compile",
                sample.len(),
                start.elapsed().as_secs_f64(),
                failures.len()
            );
            for failure in &failures {
                let saved = save(root, failure.id, &failure.text);
                println!("case {} does not compile\n  spec: {saved}", failure.id);
                for error in failure.errors.iter().take(3) {
                    println!("{error}");
                }
            }
            !failures.is_empty()
        }
        Err(message) => {
            eprintln!("error: the compile check could not run: {message}");
            true
        }
    }
}

/// Checks every `.json` spec in `dir` again; exit 1 when one panics, does not parse or takes
/// longer than the case budget.
fn replay(dir: &Path) -> ExitCode {
    let mut paths: Vec<_> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect(),
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", dir.display());
            return ExitCode::from(2);
        }
    };
    paths.sort();
    let mut failed = 0;
    let mut slowest = std::time::Duration::ZERO;
    for path in &paths {
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("error: cannot read {}", path.display());
            return ExitCode::from(2);
        };
        let (outcome, elapsed) = fuzz::check(&text);
        slowest = slowest.max(elapsed);
        let bad = matches!(outcome, Outcome::Panicked(_) | Outcome::Unparseable(_))
            || elapsed > fuzz::CASE_BUDGET;
        if bad {
            failed += 1;
            println!("{}: {outcome:?} in {:.1} ms", path.display(), elapsed.as_secs_f64() * 1e3);
        }
    }
    println!(
        "{} specs replayed: {failed} failed; slowest {:.1} ms",
        paths.len(),
        slowest.as_secs_f64() * 1e3
    );
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
