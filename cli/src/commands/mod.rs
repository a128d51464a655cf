//! Running a parsed command line: each command's module turns its arguments into SDK calls and
//! an [`Outcome`]: what to print and the exit code.

mod act;
mod actions;
mod collect;

use clap::CommandFactory as _;
use mde_machine_actions::Client;

use crate::api_support::{Answer, Failure};
use crate::args::{Cli, Command, DevicesCommand, Global, OutputFormat};
use crate::{auth, devices, exit, output};

/// What a command printed and how it ended.
#[derive(Debug)]
pub struct Outcome {
    /// What to print on standard output.
    pub answer: Answer,
    /// The table's columns (empty: chosen from the rows).
    pub columns: &'static [&'static str],
    /// The exit code.
    pub code: u8,
}

impl Outcome {
    fn success(answer: Answer, columns: &'static [&'static str]) -> Self {
        Self { answer, columns, code: exit::SUCCESS }
    }
}

/// The options every command sees.
#[derive(Debug)]
pub struct Context {
    /// The global options.
    pub global: Global,
    /// The output format.
    pub format: OutputFormat,
}

impl Context {
    /// The SDK client the options describe.
    pub fn client(&self) -> Result<Client, Failure> {
        auth::client(&self.global)
    }
}

/// Runs the command line; returns the exit code (after printing the result or the error).
pub async fn run(cli: Cli) -> u8 {
    let format = output::format(cli.global.output);
    let context = Context { global: cli.global, format };
    let outcome = tokio::select! {
        outcome = dispatch(&context, cli.command) => outcome,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("mde: interrupted; actions already sent keep running (mde actions list --since 1h)");
            return exit::INTERRUPTED;
        }
    };
    match outcome {
        Ok(Some(outcome)) => {
            if let Err(e) = output::print(context.format, &outcome.answer, outcome.columns)
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                eprintln!("mde: cannot write the output: {e}");
                return exit::IO;
            }
            outcome.code
        }
        Ok(None) => exit::SUCCESS,
        Err(failure) => {
            eprintln!("mde: {failure}");
            exit::code_of(&failure)
        }
    }
}

/// `Ok(None)`: the command printed what it had to say itself.
async fn dispatch(context: &Context, command: Command) -> Result<Option<Outcome>, Failure> {
    let outcome = match command {
        Command::Isolate { .. }
        | Command::Release { .. }
        | Command::Restrict { .. }
        | Command::Unrestrict { .. }
        | Command::Scan { .. }
        | Command::Quarantine { .. }
        | Command::Collect { .. }
        | Command::Offboard { .. } => act::run(context, command).await?,
        Command::Devices { command: DevicesCommand::Find { devices, prefer_active } } => {
            let inputs = devices::read(&devices)?;
            let client = context.client()?;
            let resolution = act::resolve(&client, inputs, prefer_active).await?;
            let code = if resolution.is_complete() { exit::SUCCESS } else { exit::PARTIAL };
            Outcome {
                answer: Answer::Many(devices::rows(&resolution)),
                columns: devices::COLUMNS,
                code,
            }
        }
        Command::Actions { command } => actions::run(context, command).await?,
        Command::LiveResponse { command } => collect::live_response(context, command).await?,
        Command::Package { command } => collect::package(context, command).await?,
        Command::Api { command } => {
            let client = context.client()?;
            Outcome::success(command.run(&client).await?, &[])
        }
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "mde", &mut std::io::stdout());
            return Ok(None);
        }
        Command::ExitCodes => {
            print!("{}", exit::TABLE);
            return Ok(None);
        }
    };
    Ok(Some(outcome))
}
