//! Benchmark: the generator's time and peak memory per stage, on the project's spec grown to 1,
//! 10 and 50 copies of itself (`tests::scaled_spec`).
//!
//! Run with `cargo bench -p tests --bench codegen`. Every sample is a fresh process (this binary
//! with `--sample N`) that runs `codegen::generate`'s stages once on N copies, as `generate` runs
//! them: `load` (JSON text to tree), `lower` (validation to IR), `emit` (IR to laid-out text, blank
//! lines included) and `render` (the header), then `cli` (the command layer, `generate_cli`). It
//! reports each stage's time and the process's peak resident memory during that stage (Linux: the
//! high-water mark of `/proc/self/status`, reset between stages through `/proc/self/clear_refs`).
//! The parent runs the samples, the scales interleaved, and reports the medians: per stage, in
//! total, per copy, and the per-copy figures at 10 and 50 copies against 1 copy (1.00: linear).
//! `CODEGEN_BENCH_ROUNDS` sets the samples per scale (default 7); words after `--` keep only the
//! scales named (`cargo bench -p tests --bench codegen -- 50`).

#![allow(clippy::print_stdout, missing_docs)]

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const STAGES: [&str; 5] = ["load", "lower", "emit", "render", "cli"];

/// The high-water mark of resident memory, in KiB (Linux; 0 elsewhere).
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Resets the high-water mark to the memory resident now.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// One sample in this process: prints each stage's time (µs) and peak memory (KiB).
fn sample(copies: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec = std::fs::read_to_string(root.join("spec/machineaction.json")).expect("the spec");
    let spec = tests::scaled_spec::scale(&spec, copies);
    let target = codegen::Target {
        spec_name: "spec/machineaction.json",
        crate_name: "mde_machine_actions",
        version: "0.0.0",
    };
    let mut figures = Vec::new();
    let mut stage = |run: &mut dyn FnMut()| {
        reset_peak();
        let start = Instant::now();
        run();
        figures.push((start.elapsed(), peak_kib()));
    };
    let mut document = None;
    stage(&mut || document = Some(codegen::load::load(&spec).expect("the scaled spec loads")));
    let mut api = None;
    stage(&mut || {
        api = Some(codegen::lower::lower(document.as_ref().unwrap()).expect("it lowers"));
    });
    let api = api.expect("lowered");
    // As `codegen::generate` does: the JSON tree is not needed once the spec is lowered.
    drop(document);
    let mut files = Vec::new();
    stage(&mut || files = codegen::emit::emit(&api, &target));
    stage(&mut || {
        for (path, text) in files.drain(..) {
            black_box(codegen::render::file(text.expect(&path), target.spec_name));
        }
    });
    let cli = codegen::emit::cli::CliTarget {
        sdk_crate: "mde_machine_actions",
        binary: "mde",
        group: "api",
    };
    stage(&mut || {
        let text = codegen::emit::cli::write_cli(&api, &cli).expect("cli");
        black_box(codegen::render::file(text, target.spec_name));
    });
    let line: Vec<String> =
        figures.iter().map(|(time, kib)| format!("{} {kib}", time.as_micros())).collect();
    println!("{}", line.join(" "));
}

/// One scale's samples: per stage, every sample's time and peak memory.
struct Scale {
    copies: usize,
    times: Vec<Vec<Duration>>,
    peaks: Vec<Vec<u64>>,
}

fn run_sample(scale: &mut Scale) {
    let exe = std::env::current_exe().expect("this benchmark's path");
    let output = Command::new(exe)
        .args(["--sample", &scale.copies.to_string()])
        .output()
        .expect("a sample runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8_lossy(&output.stdout);
    let numbers: Vec<u64> = text.split_whitespace().filter_map(|n| n.parse().ok()).collect();
    assert_eq!(numbers.len(), 2 * STAGES.len(), "sample output: {text}");
    for (i, pair) in numbers.chunks(2).enumerate() {
        scale.times[i].push(Duration::from_micros(pair[0]));
        scale.peaks[i].push(pair[1]);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, copies] = &args[..]
        && flag == "--sample"
    {
        return sample(copies.parse().expect("a number of copies"));
    }
    let rounds: usize =
        std::env::var("CODEGEN_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(7);
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let mut scales: Vec<Scale> = [1, 10, 50]
        .into_iter()
        .filter(|copies| filters.is_empty() || filters.iter().any(|f| **f == copies.to_string()))
        .map(|copies| Scale {
            copies,
            times: vec![Vec::new(); STAGES.len()],
            peaks: vec![Vec::new(); STAGES.len()],
        })
        .collect();
    for _ in 0..rounds {
        for scale in &mut scales {
            run_sample(scale);
        }
    }
    report(&mut scales, rounds);
}

fn report(scales: &mut [Scale], rounds: usize) {
    println!("generator: medians of {rounds} fresh processes per scale");
    println!("time in ms per stage; peak = the process's peak resident memory, MiB\n");
    print!("{:>6}", "copies");
    for name in STAGES {
        print!(" {name:>8}");
    }
    println!(" {:>8} {:>9} {:>8} {:>9}", "sdk", "sdk/copy", "peak", "peak/copy");
    let mut per_copy: Vec<(usize, Vec<f64>)> = Vec::new();
    for scale in scales.iter_mut() {
        let times: Vec<f64> =
            scale.times.iter_mut().map(|t| tests::median(t).as_secs_f64() * 1e3).collect();
        let peak =
            scale.peaks.iter_mut().map(|p| tests::median(p)).max().unwrap_or(0) as f64 / 1024.0;
        let sdk: f64 = times[..4].iter().sum();
        let n = scale.copies as f64;
        print!("{:>6}", scale.copies);
        for time in &times {
            print!(" {time:>8.2}");
        }
        println!(" {sdk:>8.2} {:>9.3} {peak:>8.1} {:>9.3}", sdk / n, peak / n);
        let mut figures: Vec<f64> = times.iter().map(|t| t / n).collect();
        figures.push(sdk / n);
        per_copy.push((scale.copies, figures));
    }
    let Some((1, one)) = per_copy.first().cloned() else { return };
    println!("\nper-copy time against 1 copy (1.00: linear)");
    print!("{:>6}", "copies");
    for name in STAGES.iter().chain(["sdk"].iter()) {
        print!(" {name:>8}");
    }
    println!();
    for (copies, figures) in per_copy.iter().skip(1) {
        print!("{copies:>6}");
        for (figure, base) in figures.iter().zip(&one) {
            print!(" {:>8.2}", figure / base);
        }
        println!();
    }
}
