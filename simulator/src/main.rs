//! `mde-simulator`: runs the MachineAction API simulator (and its read-only Machine lookups)
//! until Ctrl-C.
//!
//! ```sh
//! cargo run -p mde-simulator -- [--port N] [--seed S] [--machines N]
//!     [--machine ID[,DNS[,PLATFORM]]]... [--no-ambiguous-devices] [--page-size N]
//!     [--fault ROUTE:KIND[:RATE]]... [--config FILE] [--quiet]
//! ```
//!
//! It prints its base URL, a bearer token, the app credentials its token endpoint accepts,
//! the simulated devices (id, host name, platform, IP, health and tags; the first few of a
//! large fleet), and a ready-to-paste command that runs the SDK's
//! `isolate_and_wait` example against it. Each request is logged on stderr unless `--quiet`.
//! Ctrl-C stops it once open requests are answered (within a bounded time whatever clients
//! do); a second Ctrl-C stops it at once.
//! `--help` describes every option ([`cli`]); a bad argument or configuration file is named
//! on stderr and exits with status 2.

#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a command-line program")]

mod cli;

use std::net::Ipv4Addr;
use std::process::ExitCode;

use mde_simulator::{OsPlatform, Simulator};
use tokio::net::TcpListener;

use cli::Command;

/// Port used when `--port` is not given (a free one is taken if it is busy).
const DEFAULT_PORT: u16 = 7480;

/// Devices listed at start-up; the rest are summarized.
const LISTED: usize = 12;

async fn bind(port: Option<u16>) -> std::io::Result<TcpListener> {
    match port {
        Some(port) => TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await,
        None => match TcpListener::bind((Ipv4Addr::LOCALHOST, DEFAULT_PORT)).await {
            Ok(listener) => Ok(listener),
            Err(_) => TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await,
        },
    }
}

fn print_banner(simulator: &Simulator) {
    let base = simulator.base_url();
    let token = simulator.token();
    let credentials = simulator.credentials();
    let machines = simulator.machines();
    println!("MDE MachineAction simulator listening on {base}");
    println!();
    println!("  MDE_BASE_URL={base}");
    println!("  MDE_TOKEN={token}");
    println!();
    println!("  token endpoint  {}", simulator.token_url());
    println!("  v1 endpoint     {} (resource=)", simulator.legacy_token_url());
    println!("  tenant id       {}", credentials.tenant_id);
    println!("  client id       {}", credentials.client_id);
    println!("  client secret   {}", credentials.client_secret);
    println!();
    println!("Devices ({}):", machines.len());
    let width = machines.iter().take(LISTED).map(|m| m.id.as_str().len()).max().unwrap_or(0);
    for machine in machines.iter().take(LISTED) {
        println!(
            "  {:<width$}  {:<30} {:<17} {:<15} {:<8} {}",
            machine.id,
            machine.computer_dns_name,
            machine.os_platform,
            machine.last_ip_address,
            machine.health_status,
            machine.machine_tags.join(",")
        );
    }
    if machines.len() > LISTED {
        println!("  ... and {} more (GET /api/machines lists them all)", machines.len() - LISTED);
    }
    let mut names: Vec<&str> = machines.iter().map(|m| m.host_name()).collect();
    names.sort_unstable_by_key(|name| name.to_ascii_lowercase());
    let shared: Vec<&str> = names
        .windows(2)
        .filter(|pair| pair[0].eq_ignore_ascii_case(pair[1]))
        .map(|pair| pair[0])
        .collect();
    if !shared.is_empty() {
        let mut shared = shared;
        shared.dedup();
        println!("  host names on more than one device: {}", shared.join(", "));
    }
    let target =
        machines.iter().find(|m| m.os_platform != OsPlatform::MacOs).unwrap_or(&machines[0]);
    println!();
    println!("Isolate a device and wait for it (paste into another terminal, in the workspace):");
    println!();
    println!(
        "  MDE_BASE_URL={base} MDE_TOKEN={token} MDE_MACHINE_ID={} cargo run -p mde-machine-actions --example isolate_and_wait",
        target.id
    );
    println!();
    println!(
        "Or with the command-line tool, by host name (`mde` once installed with `cargo install --path cli`):"
    );
    println!();
    let host = target.computer_dns_name.split('.').next().unwrap_or_default();
    println!(
        "  MDE_BASE_URL={base} MDE_TOKEN={token} cargo run -q -p mde-cli -- isolate {host} --comment \"Trying mde\" --wait"
    );
    println!();
    println!("Or through the token endpoint (client-credentials flow):");
    println!();
    println!(
        "  MDE_BASE_URL={base} MDE_TOKEN_URL={} AZURE_TENANT_ID={} AZURE_CLIENT_ID={} AZURE_CLIENT_SECRET={} MDE_MACHINE_ID={} cargo run -p mde-machine-actions --example isolate_and_wait",
        simulator.token_url(),
        credentials.tenant_id,
        credentials.client_id,
        credentials.client_secret,
        target.id
    );
    println!();
    println!("Press Ctrl-C to stop.");
}

/// Ctrl-C (SIGINT), listened to from the moment it is created, so that one pressed while the
/// simulator starts is not lost.
struct Interrupts {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Interrupts {
    fn new() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self { signal: signal(SignalKind::interrupt())? })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// The next Ctrl-C.
    async fn next(&mut self) {
        #[cfg(unix)]
        {
            self.signal.recv().await;
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match cli::parse(std::env::args().skip(1), |path| std::fs::read_to_string(path)) {
        Ok(Command::Run(options)) => *options,
        Ok(Command::Help) => {
            println!("{}", cli::usage());
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("mde-simulator: {message}");
            eprintln!("Run `mde-simulator --help` for the options.");
            return ExitCode::from(2);
        }
    };
    if !args.quiet {
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_target(false)
            .with_writer(std::io::stderr)
            .init();
    }
    let listener = match bind(args.port).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("mde-simulator: cannot listen on 127.0.0.1: {error}");
            return ExitCode::FAILURE;
        }
    };
    let simulator = match Simulator::serve(listener, args.config) {
        Ok(simulator) => simulator,
        Err(error) => {
            eprintln!("mde-simulator: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut interrupts = match Interrupts::new() {
        Ok(interrupts) => interrupts,
        Err(error) => {
            eprintln!("mde-simulator: cannot wait for Ctrl-C: {error}");
            return ExitCode::FAILURE;
        }
    };
    print_banner(&simulator);
    interrupts.next().await;
    eprintln!("mde-simulator: stopping (press Ctrl-C again to stop at once)");
    tokio::select! {
        () = simulator.shutdown() => ExitCode::SUCCESS,
        () = interrupts.next() => {
            eprintln!("mde-simulator: stopped without waiting for open requests");
            ExitCode::from(130)
        }
    }
}
