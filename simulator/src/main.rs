//! `mde-simulator`: runs the MachineAction API simulator until Ctrl-C.
//!
//! ```sh
//! cargo run -p mde-simulator -- [--port N] [--machines N] [--seed S] [--quiet]
//! ```
//!
//! It prints its base URL, a bearer token, the app credentials its token endpoint accepts,
//! the simulated devices, and a ready-to-paste command that runs the SDK's
//! `isolate_and_wait` example against it. Each request is logged on stderr unless `--quiet`.

#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a command-line program")]

use std::net::Ipv4Addr;
use std::process::ExitCode;

use mde_simulator::{Config, OsPlatform, Simulator};
use tokio::net::TcpListener;

/// Port used when `--port` is not given (a free one is taken if it is busy).
const DEFAULT_PORT: u16 = 7480;

/// Devices listed at start-up; the rest are summarized.
const LISTED: usize = 12;

const USAGE: &str = "usage: mde-simulator [--port N] [--machines N] [--seed S] [--quiet]

  --port N      port on 127.0.0.1 (default 7480, or a free one if it is taken; 0: a free one)
  --machines N  number of simulated devices (default 6)
  --seed S      seed of every random choice: device ids, action ids, the token (default 1)
  --quiet       do not log requests";

struct Args {
    port: Option<u16>,
    machines: usize,
    seed: u64,
    quiet: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { port: None, machines: 6, seed: 1, quiet: false };
    let mut input = std::env::args().skip(1);
    while let Some(arg) = input.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline.clone().or_else(|| input.next()).ok_or_else(|| format!("{name} needs {what}"))
        };
        match name.as_str() {
            "--port" => {
                let text = value("a port number")?;
                args.port = Some(
                    text.parse().map_err(|_| format!("--port: `{text}` is not a port number"))?,
                );
            }
            "--machines" => {
                let text = value("a number")?;
                args.machines =
                    text.parse().map_err(|_| format!("--machines: `{text}` is not a number"))?;
            }
            "--seed" => {
                let text = value("a number")?;
                args.seed =
                    text.parse().map_err(|_| format!("--seed: `{text}` is not a number"))?;
            }
            "--quiet" => args.quiet = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if args.machines == 0 {
        return Err("--machines must be at least 1".to_owned());
    }
    Ok(args)
}

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
    println!("  tenant id       {}", credentials.tenant_id);
    println!("  client id       {}", credentials.client_id);
    println!("  client secret   {}", credentials.client_secret);
    println!();
    println!("Devices ({}):", machines.len());
    for machine in machines.iter().take(LISTED) {
        println!("  {}  {:<32} {}", machine.id, machine.computer_dns_name, machine.os_platform);
    }
    if machines.len() > LISTED {
        println!("  ... and {} more", machines.len() - LISTED);
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

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("mde-simulator: {message}");
            }
            eprintln!("{USAGE}");
            return if message.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) };
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
    let config = Config::default().with_seed(args.seed).with_machine_count(args.machines);
    let simulator = match Simulator::serve(listener, config) {
        Ok(simulator) => simulator,
        Err(error) => {
            eprintln!("mde-simulator: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    print_banner(&simulator);
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("mde-simulator: cannot wait for Ctrl-C: {error}");
    }
    eprintln!("mde-simulator: stopping");
    simulator.shutdown().await;
    ExitCode::SUCCESS
}
