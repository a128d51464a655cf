//! `cargo xtask codegen-faults [--kills N] [--pairs M] [--seed S]`: the fault campaign of
//! codegen's writes (`xtask::faults`) on a scratch copy of the tree in the system's temporary
//! folder, with this very binary as the codegen runs; prints its figures.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

use xtask::faults::{self, Scratch};

/// Options of one campaign.
struct Options {
    kills: usize,
    pairs: usize,
    seed: u64,
}

fn parse(args: &[&str]) -> Result<Options, String> {
    let mut options = Options { kills: 100, pairs: 10, seed: 1 };
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or_else(|| format!("`{flag}` needs a value"))?;
        let number = |v: &str| v.parse::<u64>().map_err(|_| format!("`{flag}` needs a number"));
        match *flag {
            "--kills" => options.kills = number(value)? as usize,
            "--pairs" => options.pairs = number(value)? as usize,
            "--seed" => options.seed = number(value)?,
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(options)
}

/// Runs the task: exit 0 when every promise held, 1 when one broke, 2 on bad usage or when
/// the campaign could not run.
pub fn run(root: &Path, args: &[&str]) -> ExitCode {
    let options = match parse(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(error) => {
            eprintln!("error: cannot find this program: {error}");
            return ExitCode::from(2);
        }
    };
    // The binary finds its tree through the variable Cargo sets (see `project_root`).
    let spawn = |tree: &Path| {
        let mut command = Command::new(&exe);
        command.arg("codegen").env("CARGO_MANIFEST_DIR", tree.join("xtask"));
        command
    };
    let dest = std::env::temp_dir().join(format!("xtask-codegen-faults-{}", std::process::id()));
    let scratch = match Scratch::create(root, &dest) {
        Ok(scratch) => scratch,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    println!(
        "scratch tree {} ({} paths); seed {}",
        scratch.root().display(),
        scratch.len(),
        options.seed
    );
    let start = Instant::now();
    let kills = match faults::kill_campaign(&scratch, options.kills, options.seed, &spawn) {
        Ok(figures) => figures,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    print!("{kills}");
    let pairs = match faults::pair_campaign(&scratch, options.pairs, &spawn) {
        Ok(figures) => figures,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    print!("{pairs}");
    println!("in {:.1} s", start.elapsed().as_secs_f64());
    if kills.held() && pairs.held() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
