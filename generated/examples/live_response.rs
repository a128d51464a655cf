//! Runs a live response session (run a library script, then collect a file), waits for it,
//! and downloads the result of every command that has one.
//!
//! ```sh
//! MDE_MACHINE_ID=<device id> MDE_SCRIPT=minidump.ps1 MDE_FILE='C:\windows\TEMP\dump.zip' \
//!     cargo run -p mde-machine-actions --example live_response
//! ```
//! See `Client::from_env` for the credential and endpoint variables. Results are written as
//! `result-<index>.bin` to `MDE_OUTPUT_DIR`, by default a folder named after the action in the
//! system's temporary directory.

#![allow(clippy::print_stdout)]

mod common;

use mde_machine_actions::WaitOptions;
use mde_machine_actions::models::{
    CommandParam, CommandStatus, LiveResponseCommand, LiveResponseCommandType, MachineId,
    RunLiveResponseRequest,
};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::exit_code(run().await)
}

/// The example; its error is printed with `Display` by [`common::exit_code`].
async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let client = mde_machine_actions::Client::from_env()?;
    let machine = MachineId::from(common::required_var("MDE_MACHINE_ID")?);
    let script = std::env::var("MDE_SCRIPT").unwrap_or_else(|_| "minidump.ps1".into());
    let file = std::env::var("MDE_FILE")
        .unwrap_or_else(|_| r"C:\windows\TEMP\OfficeClickToRun.dmp.zip".into());

    let commands = vec![
        LiveResponseCommand::new(
            LiveResponseCommandType::RunScript,
            vec![CommandParam::new("ScriptName", script)],
        ),
        LiveResponseCommand::new(
            LiveResponseCommandType::GetFile,
            vec![CommandParam::new("Path", file)],
        ),
    ];
    let request = RunLiveResponseRequest::new(commands, "Collect diagnostics");
    let action = client.run_live_response(&machine, &request).await?;
    println!("live response {} started", action.id);

    let outcome = client.wait_for_completion(&action.id, &WaitOptions::default()).await?;
    println!("live response ended {}", outcome.action.status);
    let output = std::env::var_os("MDE_OUTPUT_DIR").map_or_else(
        || std::env::temp_dir().join(format!("mde-live-response-{}", action.id)),
        Into::into,
    );
    tokio::fs::create_dir_all(&output).await?;
    for command in &outcome.commands {
        let Some(index) = command.index else { continue };
        if command.status != CommandStatus::Completed
            || command.command_type == LiveResponseCommandType::PutFile
        {
            println!(
                "command {index} ({}): {} {:?}",
                command.command_type, command.status, command.errors
            );
            continue;
        }
        let link = client.get_live_response_result_download_link(&action.id, index).await?;
        let path = output.join(format!("result-{index}.bin"));
        let mut out = tokio::fs::File::create(&path).await?;
        let bytes = client.download(&link, &mut out).await?;
        println!(
            "command {index} ({}): {bytes} bytes from {link} -> {}",
            command.command_type,
            path.display()
        );
    }
    Ok(())
}
