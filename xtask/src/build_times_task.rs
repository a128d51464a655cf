//! `cargo xtask build-times [--rounds N]`: how long a user's clean debug build of the SDK takes
//! with each TLS backend, and how many crates it compiles.
//!
//! For each backend a tiny consumer crate (a binary that builds a `Client`, depending on
//! `generated/` by path with `default-features = false` and that backend's feature) is written
//! to the system's temporary folder, with the workspace's `Cargo.lock` so every backend gets the
//! same versions. Each build starts from an empty target directory of its own; the backends
//! take turns round by round (A B C, A B C, ...), so a machine that gets busier or quieter
//! during the run affects them alike. The report gives each backend's median wall time and its
//! crate count (packages with a `compiler-artifact` message), each also as a ratio to the
//! default backend, `rustls`, measured in the same run. Sources are fetched once before the
//! first timed build; `RUSTC_WRAPPER` is cleared so no compiler cache answers for rustc.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

/// The backends measured, the baseline (the SDK's default feature) first.
const BACKENDS: &[&str] = &["rustls", "rustls-ring"];

/// One clean build: its wall time and the number of crates it compiled.
#[derive(Debug, Clone, Copy)]
struct Build {
    seconds: f64,
    crates: usize,
}

/// The scratch folder of a run, removed when the run ends however it ends.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Runs the task: exit 0 with the report, 1 when a build failed, 2 on bad usage.
pub fn run(root: &Path, args: &[&str]) -> ExitCode {
    let rounds = match parse(args) {
        Ok(rounds) => rounds,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let scratch =
        Scratch(std::env::temp_dir().join(format!("xtask-build-times-{}", std::process::id())));
    match measure(root, &scratch.0, rounds) {
        Ok(builds) => {
            print!("{}", report(&builds, rounds));
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `--rounds N` (default 3, at least 1).
fn parse(args: &[&str]) -> Result<usize, String> {
    match args {
        [] => Ok(3),
        ["--rounds", n] => match n.parse::<usize>() {
            Ok(rounds) if rounds > 0 => Ok(rounds),
            _ => Err(format!("`--rounds` needs a number from 1 up, not `{n}`")),
        },
        _ => {
            Err(format!("unknown arguments `{}`; usage: build-times [--rounds N]", args.join(" ")))
        }
    }
}

/// Writes the consumer crates, fetches their sources, then builds each backend `rounds` times,
/// interleaved. Returns every backend's builds, in [`BACKENDS`] order.
fn measure(root: &Path, scratch: &Path, rounds: usize) -> Result<Vec<Vec<Build>>, String> {
    for backend in BACKENDS {
        write_consumer(root, &scratch.join(backend), backend)?;
        let mut fetch = cargo(&scratch.join(backend), "fetch");
        let output = fetch.output().map_err(|e| format!("cannot run cargo: {e}"))?;
        if !output.status.success() {
            return Err(format!("cargo fetch ({backend}) failed:\n{}", tail(&output.stderr)));
        }
    }
    let mut builds = vec![Vec::new(); BACKENDS.len()];
    for round in 1..=rounds {
        for (backend, times) in BACKENDS.iter().zip(&mut builds) {
            let build = clean_build(&scratch.join(backend))?;
            eprintln!(
                "round {round}/{rounds} {backend}: {:.1} s, {} crates",
                build.seconds, build.crates
            );
            times.push(build);
        }
    }
    Ok(builds)
}

/// The consumer crate of `backend` in `dir`.
fn write_consumer(root: &Path, dir: &Path, backend: &str) -> Result<(), String> {
    let write = |path: PathBuf, contents: &[u8]| {
        fs::create_dir_all(path.parent().unwrap_or(dir))
            .and_then(|()| fs::write(&path, contents))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    let sdk = root.join("generated");
    let manifest = format!(
        "[package]\n\
         name = \"build-times-{backend}\"\n\
         version = \"0.0.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\
         \n\
         [dependencies]\n\
         mde-machine-actions = {{ path = {sdk:?}, default-features = false, features = [{backend:?}] }}\n\
         \n\
         [workspace]\n"
    );
    write(dir.join("Cargo.toml"), manifest.as_bytes())?;
    let main = "//! Builds a client, so the TLS backend is compiled and linked in.\n\
                fn main() {\n    \
                    let client = mde_machine_actions::Client::builder()\n        \
                        .base_url(\"https://localhost\")\n        \
                        .bearer_token(\"token\")\n        \
                        .build();\n    \
                    assert!(client.is_ok());\n\
                }\n";
    write(dir.join("src/main.rs"), main.as_bytes())?;
    let lock =
        fs::read(root.join("Cargo.lock")).map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    write(dir.join("Cargo.lock"), &lock)
}

/// `cargo <task>` on the consumer crate in `dir`, with its target directory `dir/target` and
/// no compiler wrapper.
fn cargo(dir: &Path, task: &str) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .arg(task)
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("RUSTC_WRAPPER")
        .env_remove("CARGO_BUILD_RUSTC_WRAPPER")
        .stdin(Stdio::null());
    command
}

/// A debug build of the consumer crate in `dir` from an empty target directory, which is
/// removed again afterwards.
fn clean_build(dir: &Path) -> Result<Build, String> {
    let target = dir.join("target");
    let clear = || match fs::remove_dir_all(&target) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("cannot clear {}: {e}", target.display()))
        }
        _ => Ok(()),
    };
    clear()?;
    let mut build = cargo(dir, "build");
    build.args(["--offline", "--message-format=json"]);
    let start = Instant::now();
    let output = build.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    let seconds = start.elapsed().as_secs_f64();
    clear()?;
    if !output.status.success() {
        return Err(format!("cargo build in {} failed:\n{}", dir.display(), tail(&output.stderr)));
    }
    Ok(Build { seconds, crates: crates_compiled(&String::from_utf8_lossy(&output.stdout)) })
}

/// The number of packages with a `compiler-artifact` message in cargo's JSON output (a
/// package's build script and library count once).
fn crates_compiled(json_lines: &str) -> usize {
    let packages: BTreeSet<String> = json_lines
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .filter_map(|message| message["package_id"].as_str().map(str::to_owned))
        .collect();
    packages.len()
}

/// The last lines of a failed command's standard error.
fn tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    }
}

/// The report: per backend, the median wall time and the crate count, each with its ratio to
/// the first backend's; then each other backend's time ratio to the first within each round.
fn report(builds: &[Vec<Build>], rounds: usize) -> String {
    let summary: Vec<(f64, usize)> = builds
        .iter()
        .map(|times| {
            let seconds: Vec<f64> = times.iter().map(|build| build.seconds).collect();
            // The count is the same every round; the largest guards against a partial build.
            (median(&seconds), times.iter().map(|build| build.crates).max().unwrap_or(0))
        })
        .collect();
    let (base_seconds, base_crates) = summary[0];
    let mut out = format!(
        "clean debug build of a crate depending on mde-machine-actions, {rounds} round(s), \
         ratios to {} in this run:\n{:<12} {:>10} {:>9} {:>7} {:>9}\n",
        BACKENDS[0], "backend", "median", "ratio", "crates", "ratio"
    );
    for (backend, (seconds, crates)) in BACKENDS.iter().zip(summary) {
        out.push_str(&format!(
            "{backend:<12} {seconds:>8.1} s {:>8.2}× {crates:>7} {:>8.2}×\n",
            seconds / base_seconds,
            crates as f64 / base_crates as f64
        ));
    }
    out.push_str(&format!(
        "time ratio to {} within each round (how much the run varied):\n",
        BACKENDS[0]
    ));
    for (backend, times) in BACKENDS.iter().zip(builds).skip(1) {
        let ratios: Vec<String> = times
            .iter()
            .zip(&builds[0])
            .map(|(build, base)| format!("{:.2}×", build.seconds / base.seconds))
            .collect();
        out.push_str(&format!("{backend:<12} {}\n", ratios.join(" ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crates_are_counted_once_per_package() {
        let json = r#"{"reason":"compiler-artifact","package_id":"a 1.0"}
{"reason":"build-script-executed","package_id":"b 1.0"}
{"reason":"compiler-artifact","package_id":"b 1.0"}
{"reason":"compiler-artifact","package_id":"a 1.0"}
not json
{"reason":"build-finished","success":true}"#;
        assert_eq!(crates_compiled(json), 2);
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn ratios_are_to_the_first_backend() {
        let build = |seconds, crates| Build { seconds, crates };
        let builds = vec![
            vec![build(100.0, 200), build(120.0, 200)],
            vec![build(50.0, 150), build(66.0, 150)],
        ];
        let text = report(&builds, 2);
        assert!(text.contains("rustls          110.0 s     1.00×     200     1.00×"), "{text}");
        assert!(text.contains("rustls-ring      58.0 s     0.53×     150     0.75×"), "{text}");
        assert!(text.contains("rustls-ring  0.50× 0.55×\n"), "{text}");
    }

    #[test]
    fn rounds_are_at_least_one() {
        assert_eq!(parse(&[]), Ok(3));
        assert_eq!(parse(&["--rounds", "2"]), Ok(2));
        assert!(parse(&["--rounds", "0"]).is_err());
        assert!(parse(&["--rounds"]).is_err());
    }
}
