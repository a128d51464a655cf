//! The `mde` binary, run as a user runs it, against the simulator started in this process on
//! a free loopback port: one-device and many-device flows, dry runs, output formats that parse
//! into the SDK's models, exit codes and messages, credentials, downloads, and the help text
//! (golden files under `tests/help/`; `MDE_UPDATE_GOLDEN=1 cargo test -p mde-cli` rewrites them).
//!
//! This is the crate's one integration-test binary: only here does Cargo hand a test the path
//! of the crate's own binary.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use mde_machine_actions::models::{
    Machine as MachineModel, MachineAction, MachineActionStatus, MachineActionType,
    MachineCollection,
};
use mde_simulator::{Config, FaultPhase, FaultRule, Machine, Outcome, Route, Simulator, Timing};

/// A simulator on its own runtime, for tests that run the binary synchronously.
struct Sim {
    simulator: Option<Simulator>,
    runtime: tokio::runtime::Runtime,
    /// A folder of this test's own (profiles, downloads); removed on drop.
    dir: PathBuf,
}

impl Sim {
    fn start(name: &str, config: Config) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let fast = Timing::new(Duration::from_millis(100), Duration::from_millis(200));
        let config = config.with_default_timing(fast);
        let simulator = runtime.block_on(Simulator::start(config)).expect("simulator");
        let dir = std::env::temp_dir().join(format!("mde-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("test folder");
        Self { simulator: Some(simulator), runtime, dir }
    }

    fn simulator(&self) -> &Simulator {
        self.simulator.as_ref().expect("running until dropped")
    }

    /// `mde` with nothing from the caller's environment but the simulator's URL and token.
    fn mde(&self) -> Command {
        let mut command = bare_mde(&self.dir);
        command.env("MDE_BASE_URL", self.simulator().base_url());
        command.env("MDE_TOKEN", self.simulator().token());
        command
    }

    fn machines(&self) -> Vec<Machine> {
        self.simulator().machines()
    }

    fn actions(&self) -> Vec<MachineAction> {
        self.simulator().actions()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(simulator) = self.simulator.take() {
            self.runtime.block_on(simulator.shutdown());
        }
    }
}

/// `mde` with an empty environment (and its own config folder, so no real profile is read).
fn bare_mde(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("mde").expect("the mde binary");
    command.env_clear();
    command.env("XDG_CONFIG_HOME", dir.join("config"));
    command.env("HOME", dir);
    command.timeout(Duration::from_secs(120));
    command
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(command: &mut Command) -> Run {
    let output = command.output().expect("mde runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn rows(run: &Run) -> Vec<serde_json::Value> {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn host_name(machine: &Machine) -> String {
    machine.computer_dns_name.split('.').next().unwrap_or_default().to_owned()
}

#[test]
fn isolates_one_device_by_host_name_and_waits() {
    let sim = Sim::start("one", Config::default().with_machine_count(6));
    let machine = &sim.machines()[2];
    let run = run(sim.mde().args([
        "isolate",
        &host_name(machine),
        "--comment",
        "IR 1",
        "--wait",
        "--poll-interval",
        "1s",
    ]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = rows(&run);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["device"], machine.id.as_str());
    assert_eq!(rows[0]["status"], "Succeeded");
    assert!(
        run.stderr.contains("resolved to") && run.stderr.contains("ended Succeeded"),
        "{}",
        run.stderr
    );
    let actions = sim.actions();
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].r#type, MachineActionType::Isolate);
    assert_eq!(actions[0].requestor_comment.as_deref(), Some("IR 1"));
}

#[test]
fn acts_on_many_devices_from_tags_ips_a_file_and_stdin() {
    let sim =
        Sim::start("many", Config::default().with_machine_count(20).with_ambiguous_devices(false));
    let machines = sim.machines();
    let finance: Vec<&Machine> =
        machines.iter().filter(|m| m.machine_tags.iter().any(|t| t == "Finance")).collect();
    assert!(finance.len() >= 2, "the fleet has Finance devices");
    let by_ip = machines.iter().find(|m| !finance.iter().any(|f| f.id == m.id)).expect("another");
    let by_file = machines
        .iter()
        .rev()
        .find(|m| !finance.iter().any(|f| f.id == m.id) && m.id != by_ip.id)
        .expect("a third");
    let file = sim.dir.join("hosts.txt");
    std::fs::write(&file, format!("# from the alert\n{}\n\n", host_name(by_file))).expect("file");
    let run = run(sim
        .mde()
        .args(["scan", "tag:Finance", "-", "--file"])
        .arg(&file)
        .args(["--comment", "IR 2", "--scan-type", "full", "--wait", "--poll-interval", "1s"])
        .write_stdin(format!("{}\n", by_ip.last_ip_address)));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = finance.len() + 2;
    assert_eq!(rows(&run).len(), expected);
    assert!(rows(&run).iter().all(|r| r["status"] == "Succeeded"));
    let actions = sim.actions();
    assert_eq!(actions.len(), expected, "one action per device, no duplicates");
    assert!(actions.iter().all(|a| a.r#type == MachineActionType::RunAntiVirusScan));
    assert!(actions.iter().all(|a| a.scope.as_deref() == Some("Full")));
}

#[test]
fn a_dry_run_resolves_and_sends_nothing() {
    let sim = Sim::start("dry", Config::default().with_machine_count(12));
    let machines = sim.machines();
    // The generated fleet's last device is an inactive duplicate of the second one's name.
    let ambiguous = host_name(&machines[1]);
    let clean = machines[0].id.to_string();
    let run = run(sim.mde().args([
        "isolate",
        &clean,
        &ambiguous,
        "nosuch-host",
        "--comment",
        "IR 3",
        "--dry-run",
        "--output",
        "table",
    ]));
    assert_eq!(run.code, 1, "not every input resolved: {}", run.stderr);
    assert!(
        run.stdout.contains("WOULD SEND") && run.stdout.contains("Isolate \"IR 3\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("ambiguous") && run.stdout.contains("unresolved"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("dry run: nothing sent"), "{}", run.stderr);
    assert!(sim.actions().is_empty(), "a dry run sends no action");
    let stats = sim.simulator().stats();
    let isolate = Route::from_name("isolateMachine").expect("route");
    assert_eq!(stats.count(isolate, 201), 0);
}

#[test]
fn json_and_ndjson_output_parse_into_the_sdks_models() {
    let sim = Sim::start("json", Config::default().with_machine_count(8));
    let machine = sim.machines()[0].clone();
    let done = run(sim.mde().args([
        "collect",
        machine.id.as_str(),
        "--comment",
        "IR 4",
        "--wait",
        "--poll-interval",
        "1s",
    ]));
    assert_eq!(done.code, 0, "{}", done.stderr);

    let listed = run(sim.mde().args(["actions", "list", "--output", "json"]));
    let actions: Vec<MachineAction> =
        serde_json::from_str(&listed.stdout).expect("MachineAction list");
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].status, MachineActionStatus::Succeeded);

    let one = run(sim.mde().args(["api", "get-machine-action", "--id", actions[0].id.as_str()]));
    let action: MachineAction = serde_json::from_str(&one.stdout).expect("MachineAction");
    assert_eq!(action.id, actions[0].id);

    let lines = run(sim.mde().args(["api", "list-machines", "--all", "--output", "ndjson"]));
    let devices: Vec<MachineModel> =
        lines.stdout.lines().map(|l| serde_json::from_str(l).expect("Machine")).collect();
    assert_eq!(devices.len(), sim.machines().len());

    let tagged =
        run(sim.mde().args(["api", "find-machines-by-tag", "--tag", &machine.machine_tags[0]]));
    let found: MachineCollection = serde_json::from_str(&tagged.stdout).expect("MachineCollection");
    assert!(found.value.iter().any(|m| m.id == machine.id));
}

#[test]
fn actions_list_takes_friendly_filters() {
    let config = Config::default()
        .with_machine_count(8)
        .with_ambiguous_devices(false)
        .with_outcome(MachineActionType::Isolate, Outcome::Failed);
    let sim = Sim::start("list", config);
    let machines = sim.machines();
    let (a, b) = (machines[0].id.to_string(), machines[2].id.to_string());
    let isolate =
        run(sim.mde().args(["isolate", &a, "--comment", "x", "--wait", "--poll-interval", "1s"]));
    assert_eq!(isolate.code, 1, "the isolation failed: {}", isolate.stdout);
    let scan =
        run(sim.mde().args(["scan", &a, &b, "--comment", "y", "--wait", "--poll-interval", "1s"]));
    assert_eq!(scan.code, 0, "{}", scan.stderr);

    let list = |args: &[&str]| -> Vec<MachineAction> {
        let out = run(sim.mde().args(["actions", "list", "--output", "json"]).args(args));
        assert_eq!(out.code, 0, "{}", out.stderr);
        serde_json::from_str(&out.stdout).expect("actions")
    };
    let failed = list(&["--status", "failed", "--since", "24h"]);
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].r#type, MachineActionType::Isolate);
    assert_eq!(list(&["--type", "RunAntiVirusScan"]).len(), 2);
    let on_b = list(&["--device", &host_name(&machines[2])]);
    assert_eq!(on_b.len(), 1);
    assert_eq!(on_b[0].machine_id.as_ref().map(|m| m.as_str()), Some(b.as_str()));
    assert!(list(&["--since", "2020-01-01T00:00:00Z", "--status", "Cancelled"]).is_empty());

    let table = run(sim.mde().args(["actions", "list", "--output", "table"]));
    assert!(
        table.stdout.starts_with("ID ") && table.stdout.contains("RunAntiVirusScan"),
        "{}",
        table.stdout
    );
    let bad = run(sim.mde().args(["actions", "list", "--status", "Done"]));
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("expected one of") && bad.stderr.contains("Succeeded"),
        "{}",
        bad.stderr
    );
}

#[test]
fn actions_cancel_cancels_a_pending_action() {
    let slow = Timing::new(Duration::from_secs(600), Duration::from_secs(600));
    let config =
        Config::default().with_machine_count(4).with_timing(MachineActionType::Isolate, slow);
    let sim = Sim::start("cancel", config);
    let device = sim.machines()[0].id.to_string();
    let sent = run(sim.mde().args(["isolate", &device, "--comment", "oops"]));
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    let id = rows(&sent)[0]["action"].as_str().expect("action id").to_owned();
    let cancel = run(sim.mde().args(["actions", "cancel", &id, "--comment", "sent by mistake"]));
    assert_eq!(cancel.code, 0, "{}", cancel.stderr);
    let cancelled: Vec<MachineAction> = serde_json::from_str(&cancel.stdout).expect("actions");
    assert_eq!(cancelled[0].status, MachineActionStatus::Cancelled);
    assert_eq!(cancelled[0].cancellation_comment.as_deref(), Some("sent by mistake"));
}

#[test]
fn live_response_runs_a_script_and_downloads_each_result() {
    let sim = Sim::start("live", Config::default().with_machine_count(4));
    let device = sim.machines()[1].clone();
    let out = sim.dir.join("out");
    let run = run(sim
        .mde()
        .args([
            "live-response",
            "run",
            &host_name(&device),
            "--script",
            "collect.ps1",
            "--args",
            "-Full",
        ])
        .args([
            "--get-file",
            "C:\\Windows\\Temp\\evil.dll",
            "--comment",
            "IR 5",
            "--poll-interval",
            "1s",
        ])
        .arg("--download-to")
        .arg(&out));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let folder = out.join(device.id.as_str());
    let transcript = std::fs::read_to_string(folder.join("0-RunScript.json")).expect("transcript");
    let transcript: serde_json::Value = serde_json::from_str(&transcript).expect("JSON transcript");
    assert_eq!(transcript["script_name"], "collect.ps1");
    assert!(folder.join("1-GetFile-evil.dll").is_file());
    let rows = rows(&run);
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["bytes"].as_u64().unwrap_or(0) > 0), "{rows:?}");
    assert_no_link_signature(&run);
    let leftovers: Vec<_> = std::fs::read_dir(&folder)
        .expect("folder")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn package_collect_downloads_one_package_per_device() {
    let sim = Sim::start("package", Config::default().with_machine_count(6));
    let machines = sim.machines();
    let out = sim.dir.join("packages");
    let run = run(sim
        .mde()
        .args([
            "package",
            "collect",
            machines[0].id.as_str(),
            machines[3].id.as_str(),
            "--comment",
            "IR 6",
        ])
        .args(["--poll-interval", "1s", "--download-to"])
        .arg(&out));
    assert_eq!(run.code, 0, "{}", run.stderr);
    for machine in [&machines[0], &machines[3]] {
        let package = std::fs::read(out.join(format!("{}.zip", machine.id))).expect("package");
        assert!(package.starts_with(b"PK"), "a zip file");
    }
    assert_no_link_signature(&run);
}

fn assert_no_link_signature(run: &Run) {
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains("sig=") && !text.contains("sig%3D"), "a signed link leaked: {text}");
    }
}

#[test]
fn exit_codes_and_messages_say_what_went_wrong() {
    let config = Config::default().with_machine_count(4).with_fault(
        Route::from_name("getMachine").expect("route"),
        FaultRule::default().with_errors(1.0, FaultPhase::BeforeProcessing).with_error_status(503),
    );
    let sim = Sim::start("codes", config);
    let device = sim.machines()[0].id.to_string();

    let usage = run(sim.mde().args(["isolate", &device]));
    assert_eq!(usage.code, 2, "no --comment");
    assert!(usage.stderr.contains("--comment"), "{}", usage.stderr);

    let refused = run(sim.mde().args(["api", "get-machine-action", "--id", "nosuch"]));
    assert_eq!(refused.code, 4);
    assert!(
        refused.stderr.starts_with("mde: ")
            && refused.stderr.contains("404")
            && refused.stderr.contains("was not found"),
        "{}",
        refused.stderr
    );

    let unavailable = run(sim.mde().args(["api", "get-machine", "--id", &device]));
    assert_eq!(unavailable.code, 5, "{}", unavailable.stderr);
    assert!(unavailable.stderr.contains("503"), "{}", unavailable.stderr);

    let wrong = run(sim.mde().env("MDE_TOKEN", "not-the-token").args(["actions", "list"]));
    assert_eq!(wrong.code, 3);
    assert!(
        wrong.stderr.contains("401") && !wrong.stderr.contains("not-the-token"),
        "{}",
        wrong.stderr
    );

    let none = run(bare_mde(&sim.dir)
        .env("MDE_BASE_URL", sim.simulator().base_url())
        .args(["actions", "list"]));
    assert_eq!(none.code, 3);
    assert!(
        none.stderr.contains("no credentials") && none.stderr.contains("MDE_TOKEN"),
        "{}",
        none.stderr
    );

    let codes = run(sim.mde().arg("exit-codes"));
    assert_eq!(codes.code, 0);
    for code in ["0 ", "1 ", "2 ", "3 ", "4 ", "5 ", "6 ", "130"] {
        assert!(codes.stdout.contains(&format!("  {code}")), "{code}: {}", codes.stdout);
    }
}

#[test]
fn secrets_come_from_files_stdin_or_profiles_never_arguments() {
    let sim = Sim::start("secrets", Config::default().with_machine_count(3));
    let credentials = sim.simulator().credentials().clone();
    let secret = credentials.client_secret.clone();
    let app = |command: &mut Command| {
        command
            .env("MDE_BASE_URL", sim.simulator().base_url())
            .env("MDE_TOKEN_URL", sim.simulator().token_url())
            .env("AZURE_TENANT_ID", &credentials.tenant_id)
            .env("AZURE_CLIENT_ID", &credentials.client_id);
    };

    // A client secret on standard input.
    let mut command = bare_mde(&sim.dir);
    app(&mut command);
    let ok = run(command
        .args(["devices", "find", "tag:VIP", "--client-secret-file", "-", "--output", "json"])
        .write_stdin(format!("{secret}\n")));
    assert!(ok.code == 0 || ok.code == 1, "{}", ok.stderr);

    // A wrong one is refused without being shown.
    let mut command = bare_mde(&sim.dir);
    app(&mut command);
    let wrong = run(command
        .args(["actions", "list", "--client-secret-file", "-"])
        .write_stdin("guessed-secret-value\n"));
    assert_eq!(wrong.code, 3, "{}", wrong.stderr);
    assert!(
        !wrong.stderr.contains("guessed-secret-value")
            && !wrong.stdout.contains("guessed-secret-value")
    );

    // A profile with the secret in a file of its own.
    let secret_file = sim.dir.join("secret");
    std::fs::write(&secret_file, &secret).expect("secret file");
    let profiles = sim.dir.join("profiles.json");
    let profile = serde_json::json!({"profiles": {"sim": {
        "baseUrl": sim.simulator().base_url(), "tokenUrl": sim.simulator().token_url(),
        "tenantId": credentials.tenant_id, "clientId": credentials.client_id,
        "clientSecretFile": secret_file,
    }}});
    std::fs::write(&profiles, profile.to_string()).expect("profiles");
    let listed = run(bare_mde(&sim.dir)
        .args(["actions", "list", "--output", "json", "--profile", "sim", "--profile-file"])
        .arg(&profiles));
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let missing = run(bare_mde(&sim.dir)
        .args(["actions", "list", "--profile", "prod", "--profile-file"])
        .arg(&profiles));
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no profile `prod`") && missing.stderr.contains("sim"),
        "{}",
        missing.stderr
    );

    // A bearer token from a file.
    let token_file = sim.dir.join("token");
    std::fs::write(&token_file, sim.simulator().token()).expect("token file");
    let with_token = run(bare_mde(&sim.dir)
        .env("MDE_BASE_URL", sim.simulator().base_url())
        .arg("--token-file")
        .arg(&token_file)
        .args(["actions", "list"]));
    assert_eq!(with_token.code, 0, "{}", with_token.stderr);

    // No flag takes a secret's value.
    for flag in ["--token", "--client-secret", "--secret", "--password"] {
        let refused = run(sim.mde().args(["actions", "list", flag, "value"]));
        assert_eq!(refused.code, 2, "{flag} is not an option");
    }
    for text in [&ok.stdout, &ok.stderr, &listed.stdout, &listed.stderr] {
        assert!(!text.contains(&secret) && !text.contains(&sim.simulator().token()), "{text}");
    }
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = run(bare_mde(&std::env::temp_dir()).args(["completions", shell]));
        assert_eq!(run.code, 0);
        assert!(run.stdout.contains("isolate") && run.stdout.contains("live-response"), "{shell}");
    }
}

/// Each generated subcommand matches its operation in the spec: its name, request line, every
/// parameter and body member as a flag, its permissions and its page.
#[test]
fn every_operation_of_the_spec_has_its_command() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec = std::fs::read_to_string(root.join("spec/machineaction.json")).expect("spec");
    let api = codegen::lower::lower(&codegen::load::load(&spec).expect("load")).expect("lower");
    let listing = run(bare_mde(&std::env::temp_dir()).args(["api", "--help"]));
    for method in &api.methods {
        let command = codegen::names::cli_command(&method.name);
        let listed =
            listing.stdout.lines().any(|l| l.trim_start().split(' ').next() == Some(&command));
        assert!(listed, "{command} in `mde api --help`");
        let help = run(bare_mde(&std::env::temp_dir()).args(["api", &command, "--help"]));
        assert_eq!(help.code, 0, "{command}");
        let request_line = format!("{} {}", method.verb.as_str(), method.path_template);
        assert!(help.stdout.contains(&request_line), "{command}: {request_line}");
        assert!(help.stdout.contains(&method.docs_url), "{command}");
        for permission in method.application_permissions.iter().chain(&method.delegated_permissions)
        {
            assert!(help.stdout.contains(permission.as_str()), "{command}: {permission}");
        }
        let body =
            method.body.as_deref().and_then(|name| api.types.iter().find(|t| t.name() == name));
        let members: Vec<&str> = match body {
            Some(codegen::ir::TypeDef::Struct(def)) => {
                def.fields.iter().map(|f| f.name.as_str()).collect()
            }
            _ => Vec::new(),
        };
        let params: Vec<&str> = method.params.iter().map(|p| p.name.as_str()).collect();
        let (params, members) = codegen::names::cli_flags(&params, &members);
        for flag in params.iter().chain(&members) {
            assert!(help.stdout.contains(&format!("--{flag} ")), "{command}: --{flag}");
        }
    }
    let commands = listing
        .stdout
        .lines()
        .filter(|l| l.starts_with("  ") && l[2..].starts_with(|c: char| c.is_ascii_lowercase()))
        .count();
    assert_eq!(
        commands,
        api.methods.len() + 1,
        "one command per operation, and help:\n{}",
        listing.stdout
    );
}

/// The help texts, as golden files; `--help` fits on one screen.
#[test]
fn help_matches_its_golden_files() {
    let cases: [(&str, &[&str]); 6] = [
        ("mde", &["--help"]),
        ("isolate", &["isolate", "--help"]),
        ("actions-list", &["actions", "list", "--help"]),
        ("live-response-run", &["live-response", "run", "--help"]),
        ("api", &["api", "--help"]),
        ("api-isolate-machine", &["api", "isolate-machine", "--help"]),
    ];
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/help");
    let update = std::env::var_os("MDE_UPDATE_GOLDEN").is_some();
    let mut stale = Vec::new();
    for (name, args) in cases {
        let run = run(bare_mde(&std::env::temp_dir()).args(args));
        assert_eq!(run.code, 0, "{name}");
        let path = folder.join(format!("{name}.txt"));
        if update {
            std::fs::create_dir_all(&folder).expect("help folder");
            std::fs::write(&path, &run.stdout).expect("golden");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(run.stdout.as_str()) {
            stale.push(format!("{}:\n{}", path.display(), run.stdout));
        }
    }
    assert!(
        stale.is_empty(),
        "help changed (MDE_UPDATE_GOLDEN=1 cargo test -p mde-cli to accept):\n{}",
        stale.join("\n")
    );
    let top = std::fs::read_to_string(folder.join("mde.txt")).expect("mde.txt");
    assert!(top.lines().count() <= 50, "`mde --help` fits on a screen");
    assert!(top.contains("Examples:"));
}
