//! The command line: global options, the workflow commands written for responders, and the
//! generated per-operation commands under `api` (see `api.rs`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::api::ApiCommand;

const EXAMPLES: &str = "\
Examples:
  mde isolate desktop-7 10.1.2.3 tag:finance --comment \"Incident 4711\" --wait
  mde isolate --file hosts.txt --comment \"Incident 4711\" --dry-run
  mde actions list --status Failed --since 24h
  mde live-response run desktop-7 --script collect.ps1 --comment \"IR 4711\" --download-to out/
  mde api get-machine-action --id <ACTION-ID> --output json

Credentials: MDE_TOKEN, or AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET, or a
profile (--profile); never on the command line. Exit codes: mde exit-codes.";

/// Microsoft Defender for Endpoint response actions from the terminal.
#[derive(Debug, Parser)]
#[command(name = "mde", version, about = "Microsoft Defender for Endpoint response actions from the terminal.", after_help = EXAMPLES, max_term_width = 100)]
pub struct Cli {
    /// Options of every command.
    #[command(flatten, next_help_heading = "Global options")]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, global = true, value_enum)]
    pub output: Option<OutputFormat>,
    /// Cloud or region (global, us, eu, uk, au, swa, ina, aea, gcc, gcc-high, dod, ...).
    #[arg(long, global = true, env = "MDE_CLOUD", hide_env_values = true, value_name = "CLOUD")]
    pub cloud: Option<String>,
    /// Another API base URL (a proxy, a local simulator).
    #[arg(long, global = true, env = "MDE_BASE_URL", hide_env_values = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// The profile to use from the profile file.
    #[arg(long, global = true, env = "MDE_PROFILE", hide_env_values = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// The profile file [default: ~/.config/mde/profiles.json].
    #[arg(
        long,
        global = true,
        env = "MDE_PROFILE_FILE",
        hide_env_values = true,
        value_name = "FILE"
    )]
    pub profile_file: Option<PathBuf>,
    /// Reads a bearer token from FILE (`-`: standard input).
    #[arg(long, global = true, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Reads the app's client secret from FILE (`-`: standard input).
    #[arg(long, global = true, value_name = "FILE")]
    pub client_secret_file: Option<PathBuf>,
    /// How to sign in.
    #[arg(long, global = true, value_enum, default_value_t = AuthMode::Auto)]
    pub auth: AuthMode,
    /// One line per event instead of progress bars.
    #[arg(long, global = true)]
    pub no_progress: bool,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    // Aligned columns, for people.
    Table,
    // One JSON document.
    Json,
    // One JSON object per line.
    Ndjson,
}

/// Where the credentials come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthMode {
    // --token-file, --client-secret-file, then the environment, then the profile.
    Auto,
    // The Azure CLI's signed-in account (`az login`; feature `azure`).
    AzureCli,
    // The managed identity of the Azure host (feature `azure`).
    ManagedIdentity,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Isolates devices from the network.
    #[command(
        after_help = "Examples:\n  mde isolate desktop-7 10.1.2.3 --comment \"Incident 4711\" --wait\n  mde isolate tag:finance-laptops --isolation-type selective -m \"IR 4711\" --dry-run\n  grep -v ok hosts.txt | mde isolate - -m \"IR 4711\""
    )]
    Isolate {
        #[command(flatten)]
        run: ActionRun,
        /// Full, or Selective (Outlook, Teams and Skype keep working).
        #[arg(long, value_enum, default_value_t = Isolation::Full)]
        isolation_type: Isolation,
    },
    /// Releases devices from isolation.
    Release {
        #[command(flatten)]
        run: ActionRun,
    },
    /// Restricts devices to running Microsoft-signed code.
    Restrict {
        #[command(flatten)]
        run: ActionRun,
    },
    /// Lifts the code-execution restriction.
    Unrestrict {
        #[command(flatten)]
        run: ActionRun,
    },
    /// Runs a Microsoft Defender Antivirus scan.
    #[command(after_help = "Example:\n  mde scan tag:VIP --scan-type full -m \"IR 4711\" --wait")]
    Scan {
        #[command(flatten)]
        run: ActionRun,
        /// Quick or Full.
        #[arg(long, value_enum, default_value_t = ScanKind::Quick)]
        scan_type: ScanKind,
    },
    /// Stops a file's processes and quarantines it (by SHA-1).
    #[command(
        after_help = "Example:\n  mde quarantine --file hosts.txt --sha1 87662bc3d60e4200ceaf7aae249d1c343f4b83c9 -m \"IR 4711\""
    )]
    Quarantine {
        #[command(flatten)]
        run: ActionRun,
        /// The file's SHA-1 (40 hexadecimal digits).
        #[arg(long, value_name = "SHA1")]
        sha1: String,
    },
    /// Collects investigation packages (see also `package collect`).
    Collect {
        #[command(flatten)]
        run: ActionRun,
    },
    /// Offboards devices from Defender for Endpoint.
    Offboard {
        #[command(flatten)]
        run: ActionRun,
    },
    /// Finds devices by id, host name, IP address or tag.
    Devices {
        #[command(subcommand)]
        command: DevicesCommand,
    },
    /// Lists, shows, waits for and cancels machine actions.
    Actions {
        #[command(subcommand)]
        command: ActionsCommand,
    },
    /// Runs live response scripts and collects their output.
    #[command(name = "live-response")]
    LiveResponse {
        #[command(subcommand)]
        command: LiveResponseCommand,
    },
    /// Collects investigation packages and downloads them.
    Package {
        #[command(subcommand)]
        command: PackageCommand,
    },
    /// Every API operation as its own command (generated from the spec).
    Api {
        #[command(subcommand)]
        command: ApiCommand,
    },
    /// Prints a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Explains the exit codes.
    #[command(name = "exit-codes")]
    ExitCodes,
}

/// Which devices, and how to run an action on them.
#[derive(Debug, Args)]
pub struct ActionRun {
    #[command(flatten)]
    pub devices: DeviceInputs,
    /// Why (recorded as the action's comment, and used to find the action again).
    #[arg(long, short = 'm')]
    pub comment: String,
    /// Waits until every action has finished, with live progress.
    #[arg(long)]
    pub wait: bool,
    /// With --wait: gives up waiting after this long (e.g. 30m, 2h).
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    pub timeout: String,
    /// With --wait: the first poll after this long (later polls grow to at most 60 s).
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    pub poll_interval: String,
    /// Resolves the devices and prints what would be sent, without sending any action.
    #[arg(long)]
    pub dry_run: bool,
    /// When a name matches an active device and inactive duplicates, takes the active one.
    #[arg(long)]
    pub prefer_active: bool,
    /// Most action requests in flight at once (the documented rate limits pace them too).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
}

/// Devices given on the command line, in a file, or on standard input.
#[derive(Debug, Args)]
pub struct DeviceInputs {
    /// Devices: machine ids, host names, FQDNs, IP addresses, `tag:NAME` (`-`: read standard input).
    #[arg(value_name = "DEVICE")]
    pub devices: Vec<String>,
    /// Reads devices from FILE, one per line (`#` starts a comment; `-`: standard input).
    #[arg(long, short = 'f', value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// Isolation kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Isolation {
    // Full isolation.
    Full,
    // Outlook, Teams and Skype keep working.
    Selective,
}

/// Antivirus scan kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanKind {
    // A quick scan.
    Quick,
    // A full scan.
    Full,
}

/// `mde devices ...`.
#[derive(Debug, Subcommand)]
pub enum DevicesCommand {
    /// Resolves inputs to devices, listing ambiguous and unknown ones.
    #[command(after_help = "Example:\n  mde devices find desktop-7 10.1.2.3 tag:VIP")]
    Find {
        #[command(flatten)]
        devices: DeviceInputs,
        /// When a name matches an active device and inactive duplicates, takes the active one.
        #[arg(long)]
        prefer_active: bool,
    },
}

/// `mde actions ...`.
#[derive(Debug, Subcommand)]
pub enum ActionsCommand {
    /// Lists actions, newest first, with friendly filters.
    #[command(
        after_help = "Examples:\n  mde actions list --status Failed --since 24h\n  mde actions list --type Isolate --device desktop-7 --output json"
    )]
    List {
        /// Only actions with this status (repeatable: Pending, InProgress, Succeeded, Failed,
        /// TimeOut, Cancelled).
        #[arg(long, value_name = "STATUS")]
        status: Vec<String>,
        /// Only actions of this type (repeatable: Isolate, Unisolate, RunAntiVirusScan,
        /// LiveResponse, ...).
        #[arg(long = "type", value_name = "TYPE")]
        action_type: Vec<String>,
        /// Only actions on this device (an id, host name, IP address; resolved first).
        #[arg(long, value_name = "DEVICE")]
        device: Option<String>,
        /// Only actions created since then: a time ago (30m, 24h, 7d) or RFC 3339.
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// At most this many actions.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Shows one action.
    Get {
        /// The action id.
        id: String,
    },
    /// Waits for actions to finish.
    Wait {
        /// Action ids.
        #[arg(required = true)]
        ids: Vec<String>,
        /// Gives up after this long (e.g. 30m).
        #[arg(long, value_name = "DURATION", default_value = "1h")]
        timeout: String,
    },
    /// Cancels actions that have not finished.
    Cancel {
        /// Action ids.
        #[arg(required = true)]
        ids: Vec<String>,
        /// Why (recorded as the cancellation comment).
        #[arg(long, short = 'm')]
        comment: String,
    },
}

/// `mde live-response ...`.
#[derive(Debug, Subcommand)]
pub enum LiveResponseCommand {
    /// Runs a library script on devices, waits, and downloads its output.
    #[command(
        after_help = "Example:\n  mde live-response run desktop-7 --script collect.ps1 --args \"-Full\" -m \"IR 4711\" --download-to out/"
    )]
    Run {
        #[command(flatten)]
        devices: DeviceInputs,
        /// The script's name in the live response library.
        #[arg(long, value_name = "NAME")]
        script: String,
        /// The script's arguments, as one string.
        #[arg(long, value_name = "ARGS", allow_hyphen_values = true)]
        args: Option<String>,
        /// Also collects this file from each device after the script (GetFile).
        #[arg(long, value_name = "PATH")]
        get_file: Vec<String>,
        /// Why (recorded as the action's comment).
        #[arg(long, short = 'm')]
        comment: String,
        /// Writes each command's output to DIR/DEVICE/INDEX-COMMAND.
        #[arg(long, value_name = "DIR")]
        download_to: Option<PathBuf>,
        /// Gives up waiting after this long.
        #[arg(long, value_name = "DURATION", default_value = "1h")]
        timeout: String,
        /// With waiting: the first poll after this long (later polls grow to at most 60 s).
        #[arg(long, value_name = "DURATION", default_value = "5s")]
        poll_interval: String,
        /// Resolves the devices and prints what would be sent, without sending anything.
        #[arg(long)]
        dry_run: bool,
    },
}

/// `mde package ...`.
#[derive(Debug, Subcommand)]
pub enum PackageCommand {
    /// Collects an investigation package from each device, waits, and downloads it.
    #[command(
        after_help = "Example:\n  mde package collect desktop-7 srv-12 -m \"IR 4711\" --download-to packages/"
    )]
    Collect {
        #[command(flatten)]
        devices: DeviceInputs,
        /// Why (recorded as the action's comment).
        #[arg(long, short = 'm')]
        comment: String,
        /// Writes each package to DIR/DEVICE.zip.
        #[arg(long, value_name = "DIR")]
        download_to: PathBuf,
        /// Gives up waiting after this long.
        #[arg(long, value_name = "DURATION", default_value = "2h")]
        timeout: String,
        /// With waiting: the first poll after this long (later polls grow to at most 60 s).
        #[arg(long, value_name = "DURATION", default_value = "5s")]
        poll_interval: String,
        /// Resolves the devices and prints what would be sent, without sending anything.
        #[arg(long)]
        dry_run: bool,
    },
}
