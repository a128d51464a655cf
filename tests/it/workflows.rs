//! End-to-end workflows: the SDK against the in-process simulator (`mde-simulator`) on a random
//! port, on tokio's paused clock, so minutes of simulated waiting take milliseconds.
//!
//! Under paused time tokio jumps ahead whenever every task waits on a timer; the client is built
//! with `.timeout(None).connect_timeout(None)` so that such a jump never fires a request timeout
//! while the simulator (on the same runtime) is still answering.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt as _;
use mde_machine_actions::client::MachineActionFilter as F;
use mde_machine_actions::models::{
    CancelMachineActionRequest, CollectInvestigationPackageRequest, CommandParam, CommandStatus,
    ErrorCode, FileIdentifierType, IsolateRequest, IsolationType, LiveResponseCommand,
    LiveResponseCommandType, MachineActionStatus, MachineActionType, MachineId,
    RunAntiVirusScanRequest, RunLiveResponseRequest, ScanType, StopAndQuarantineFileRequest,
    UnisolateRequest,
};
use mde_machine_actions::{
    Client, ClientSecretCredential, DownloadLink, ServiceErrorExt as _, StatusCode, WaitOptions,
    operations,
};
use mde_simulator::{Config, FaultPhase, FaultRule, OsPlatform, Outcome, Route, Simulator, Timing};

/// A client for `simulator` with a fixed token, no timeouts, and the default retry policy and
/// rate budget.
fn client(simulator: &Simulator) -> Client {
    Client::builder()
        .base_url(simulator.base_url())
        .bearer_token(simulator.token())
        .timeout(None)
        .connect_timeout(None)
        .build()
        .expect("client builds")
}

async fn start(config: Config) -> (Simulator, Client) {
    let simulator = Simulator::start(config).await.expect("simulator starts");
    let client = client(&simulator);
    (simulator, client)
}

/// The first simulated device on `platform`.
fn device(simulator: &Simulator, platform: OsPlatform) -> MachineId {
    simulator
        .machines()
        .into_iter()
        .find(|m| m.os_platform == platform)
        .unwrap_or_else(|| panic!("no {platform} device"))
        .id
}

fn secs(seconds: u64) -> Duration {
    Duration::from_secs(seconds)
}

async fn download(client: &Client, link: &DownloadLink) -> Vec<u8> {
    let mut bytes = Vec::new();
    client.download(link, &mut bytes).await.expect("download");
    bytes
}

#[tokio::test(start_paused = true)]
async fn isolate_wait_then_release_with_the_client_credentials_flow() {
    let simulator = Simulator::start(Config::default()).await.expect("simulator starts");
    let credentials = simulator.credentials();
    let credential = ClientSecretCredential::new(
        &credentials.tenant_id,
        &credentials.client_id,
        credentials.client_secret.as_str(),
    )
    .token_endpoint(simulator.token_url());
    let client = Client::builder()
        .base_url(simulator.base_url())
        .credential(credential)
        .timeout(None)
        .connect_timeout(None)
        .build()
        .expect("client builds");
    let machine = device(&simulator, OsPlatform::Windows11);

    let request = IsolateRequest::new("Isolate due to alert 1234")
        .with_isolation_type(IsolationType::Selective);
    let action = client.isolate_machine(&machine, &request).await.expect("isolate");
    assert_eq!(action.status, MachineActionStatus::Pending);
    assert_eq!(action.r#type, MachineActionType::Isolate);
    assert_eq!(action.scope.as_deref(), Some("Selective"));
    assert_eq!(action.machine_id.as_ref(), Some(&machine));
    assert_eq!(action.requestor.as_deref(), Some(credentials.client_id.as_str()));
    assert_eq!(action.request_source.as_deref(), Some("PublicApi"));
    assert_eq!(action.error_h_result, Some(0));

    let again = client.isolate_machine(&machine, &request).await.expect_err("second isolation");
    assert!(again.is_already_in_progress(), "{again}");
    assert_eq!(again.status(), Some(StatusCode::BAD_REQUEST));

    let outcome =
        client.wait_for_completion(&action.id, &WaitOptions::default()).await.expect("wait");
    assert!(outcome.succeeded(), "{:?}", outcome.action.status);
    assert!(outcome.polls >= 2);

    let release = client
        .unisolate_machine(&machine, &UnisolateRequest::new("Released: clean"))
        .await
        .expect("release");
    let outcome =
        client.wait_for_completion(&release.id, &WaitOptions::default()).await.expect("wait");
    assert!(outcome.succeeded());
    assert_eq!(outcome.action.requestor_comment.as_deref(), Some("Released: clean"));

    let actions = simulator.actions();
    let kinds: Vec<_> = actions.iter().map(|a| (a.r#type.clone(), a.status.clone())).collect();
    assert_eq!(
        kinds,
        [
            (MachineActionType::Isolate, MachineActionStatus::Succeeded),
            (MachineActionType::Unisolate, MachineActionStatus::Succeeded),
        ]
    );
    // One token for the whole run: the credential caches it.
    assert_eq!(simulator.stats().count(Route::Token, 200), 1);
    simulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn antivirus_scan_that_times_out() {
    let config = Config::default()
        .with_timing(MachineActionType::RunAntiVirusScan, Timing::new(secs(20), secs(600)))
        .with_outcome(MachineActionType::RunAntiVirusScan, Outcome::TimeOut);
    let (simulator, client) = start(config).await;
    let machine = device(&simulator, OsPlatform::Linux);

    let request =
        RunAntiVirusScanRequest::new("Check machine for viruses due to alert 3212", ScanType::Full);
    let action = client.run_anti_virus_scan(&machine, &request).await.expect("scan");
    assert_eq!(action.scope.as_deref(), Some("Full"));

    let second = client.run_anti_virus_scan(&machine, &request).await.expect_err("second scan");
    assert!(second.is_already_in_progress());

    let outcome =
        client.wait_for_completion(&action.id, &WaitOptions::default()).await.expect("wait");
    assert_eq!(outcome.action.status, MachineActionStatus::TimeOut);
    assert!(!outcome.succeeded());
    assert_ne!(outcome.action.error_h_result, Some(0));
    assert!(outcome.elapsed >= secs(620), "{:?}", outcome.elapsed);

    // Once final, a new scan is accepted again.
    client.run_anti_virus_scan(&machine, &request).await.expect("new scan");
    simulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn stop_and_quarantine_reports_the_file() {
    let (simulator, client) = start(Config::default()).await;
    let machine = device(&simulator, OsPlatform::Windows10);
    let sha1 = "87662bc3d60e4200ceaf7aae249d1c343f4b83c9";

    let bad = StopAndQuarantineFileRequest::new("bad hash", "not-a-sha1");
    let error = client.stop_and_quarantine_file(&machine, &bad).await.expect_err("bad hash");
    assert_eq!(error.error_code(), Some(ErrorCode::InvalidHashValue));

    let request = StopAndQuarantineFileRequest::new(
        "Stop and quarantine due to alert 441688558380765161",
        sha1,
    );
    let action = client.stop_and_quarantine_file(&machine, &request).await.expect("quarantine");
    let file = action.related_file_info.as_ref().expect("relatedFileInfo");
    assert_eq!(file.file_identifier, sha1);
    assert_eq!(file.file_identifier_type, FileIdentifierType::Sha1);

    let outcome =
        client.wait_for_completion(&action.id, &WaitOptions::default()).await.expect("wait");
    assert!(outcome.succeeded());

    let page = client
        .list_machine_actions()
        .filter(
            F::r#type()
                .eq(MachineActionType::StopAndQuarantineFile)
                .and(F::machine_id().eq(machine)),
        )
        .await
        .expect("list");
    assert_eq!(page.value.len(), 1);
    assert_eq!(
        page.value[0].related_file_info.as_ref().map(|f| f.file_identifier.as_str()),
        Some(sha1)
    );

    // macOS devices cannot quarantine files.
    let mac = device(&simulator, OsPlatform::MacOs);
    let error = client.stop_and_quarantine_file(&mac, &request).await.expect_err("macOS");
    assert_eq!(error.error_code(), Some(ErrorCode::OsPlatformNotSupported));
    simulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn collect_investigation_package_then_download_the_zip() {
    let config = Config::default().with_timing(
        MachineActionType::CollectInvestigationPackage,
        Timing::new(secs(30), secs(90)),
    );
    let (simulator, client) = start(config).await;
    let machine = device(&simulator, OsPlatform::WindowsServer2022);

    let request = CollectInvestigationPackageRequest::new("Collect forensics due to alert 1234");
    let action = client.collect_investigation_package(&machine, &request).await.expect("collect");
    let early = client.get_package_uri(&action.id).await.expect_err("not collected yet");
    assert!(early.is_not_found(), "{early}");

    let outcome =
        client.wait_for_completion(&action.id, &WaitOptions::default()).await.expect("wait");
    assert!(outcome.succeeded());

    let link = client.get_package_uri(&action.id).await.expect("package URI");
    assert_eq!(link.host(), "127.0.0.1");
    assert!(link.expires_at().is_some(), "the link carries its expiry");
    let zip = download(&client, &link).await;
    assert!(zip.starts_with(b"PK\x03\x04"), "a zip archive");
    assert!(zip.windows(27).any(|w| w == b"CollectionSummaryReport.txt"));
    assert!(zip.windows(4).any(|w| w == b"PK\x05\x06"), "with an end of central directory");

    // An altered signature is refused.
    let mut url = link.url().clone();
    let query: String = url
        .query_pairs()
        .map(|(k, v)| {
            // Another first two characters, whatever the signature starts with.
            let other = if v.starts_with("00") { "11" } else { "00" };
            if k == "sig" { format!("{k}={other}{}", &v[2..]) } else { format!("{k}={v}") }
        })
        .collect::<Vec<_>>()
        .join("&");
    url.set_query(Some(&query));
    let altered = DownloadLink::parse(url.as_str()).expect("link");
    let error = client.download(&altered, &mut Vec::new()).await.expect_err("altered");
    assert_eq!(error.status(), Some(StatusCode::FORBIDDEN));

    // So is an expired link (the package link lives for 10 simulated minutes).
    simulator.advance(secs(11 * 60));
    let error = client.download(&link, &mut Vec::new()).await.expect_err("expired");
    assert_eq!(error.status(), Some(StatusCode::FORBIDDEN));
    simulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn multi_command_live_response_then_download_every_result() {
    let config = Config::default()
        .with_timing(MachineActionType::LiveResponse, Timing::new(secs(5), secs(40)));
    let (simulator, client) = start(config).await;
    let machine = device(&simulator, OsPlatform::Windows11);
    let command = |kind, params: &[(&str, &str)]| {
        LiveResponseCommand::new(
            kind,
            params.iter().map(|(k, v)| CommandParam::new(*k, *v)).collect::<Vec<_>>(),
        )
    };
    use LiveResponseCommandType::{GetFile, PutFile, RunScript};

    let wrong_order = RunLiveResponseRequest::new(
        vec![
            command(GetFile, &[("Path", r"C:\x.txt")]),
            command(RunScript, &[("ScriptName", "a.ps1")]),
        ],
        "wrong order",
    );
    let error = client.run_live_response(&machine, &wrong_order).await.expect_err("order");
    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));

    let commands = vec![
        command(PutFile, &[("FileName", "minidump.ps1")]),
        command(RunScript, &[("ScriptName", "minidump.ps1"), ("Args", "OfficeClickToRun")]),
        command(RunScript, &[("ScriptName", "autoruns.ps1")]),
        command(GetFile, &[("Path", r"C:\windows\TEMP\OfficeClickToRun.dmp.zip")]),
    ];
    let request = RunLiveResponseRequest::new(commands, "Testing Live Response API");
    let action = client.run_live_response(&machine, &request).await.expect("live response");
    assert_eq!(action.commands.as_ref().map(Vec::len), Some(4));

    let busy = client.run_live_response(&machine, &request).await.expect_err("second session");
    assert_eq!(busy.error_code(), Some(ErrorCode::ActiveRequestAlreadyExists));

    let outcome =
        client.wait_for_completion(&action.id, &WaitOptions::default()).await.expect("wait");
    assert!(outcome.succeeded());
    assert_eq!(outcome.commands.len(), 4);

    let mut downloaded = BTreeMap::new();
    for command in &outcome.commands {
        let index = command.index.expect("index");
        assert_eq!(command.status, CommandStatus::Completed);
        if command.command_type == PutFile {
            let error = client
                .get_live_response_result_download_link(&action.id, index)
                .await
                .expect_err("PutFile has no result");
            assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
            continue;
        }
        let link =
            client.get_live_response_result_download_link(&action.id, index).await.expect("link");
        let expires = link.expires_at().expect("expiry").to_offset_date_time();
        let now = simulator.now().to_offset_date_time();
        assert_eq!((expires - now).whole_minutes(), 29, "links live 30 minutes");
        downloaded.insert(index, download(&client, &link).await);
    }
    assert_eq!(downloaded.keys().copied().collect::<Vec<_>>(), [1, 2, 3]);
    for index in [1, 2] {
        let transcript: serde_json::Value =
            serde_json::from_slice(&downloaded[&index]).expect("JSON transcript");
        let members: Vec<_> = transcript.as_object().expect("object").keys().cloned().collect();
        assert_eq!(members.len(), 4);
        for member in ["script_name", "exit_code", "script_output", "script_errors"] {
            assert!(transcript.get(member).is_some(), "{member} in {transcript}");
        }
        assert_eq!(transcript["exit_code"], 0);
    }
    assert!(String::from_utf8_lossy(&downloaded[&3]).contains("OfficeClickToRun.dmp.zip"));

    // After 30 minutes the link is refused; a fresh one works without rerunning the session.
    let link = client.get_live_response_result_download_link(&action.id, 1).await.expect("link");
    simulator.advance(secs(31 * 60));
    let error = client.download(&link, &mut Vec::new()).await.expect_err("expired");
    assert_eq!(error.status(), Some(StatusCode::FORBIDDEN));
    let fresh =
        client.get_live_response_result_download_link(&action.id, 1).await.expect("fresh link");
    assert_eq!(download(&client, &fresh).await, downloaded[&1]);
    simulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn cancel_a_pending_action() {
    let config =
        Config::default().with_timing(MachineActionType::Isolate, Timing::new(secs(600), secs(60)));
    let (simulator, client) = start(config).await;
    let machine = device(&simulator, OsPlatform::Windows11);

    let action = client
        .isolate_machine(
            &machine,
            &IsolateRequest::new("isolate").with_isolation_type(IsolationType::Full),
        )
        .await
        .expect("isolate");
    tokio::time::sleep(secs(30)).await;
    let pending = client.get_machine_action(&action.id).await.expect("get");
    assert_eq!(pending.status, MachineActionStatus::Pending);

    let request = CancelMachineActionRequest::new("Machine action was canceled by automation");
    let cancelled = client.cancel_machine_action(&action.id, &request).await.expect("cancel");
    assert_eq!(cancelled.status, MachineActionStatus::Cancelled);
    assert_eq!(
        cancelled.cancellation_requestor.as_deref(),
        Some(simulator.credentials().requestor.as_str())
    );
    assert_eq!(
        cancelled.cancellation_comment.as_deref(),
        Some("Machine action was canceled by automation")
    );
    let at = cancelled.cancellation_date_time_utc.as_ref().expect("cancellation time");
    assert!(at > &cancelled.creation_date_time_utc);

    let outcome =
        client.wait_for_completion(&action.id, &WaitOptions::default()).await.expect("wait");
    assert_eq!(outcome.action.status, MachineActionStatus::Cancelled);
    assert_eq!(outcome.polls, 1);

    let again =
        client.cancel_machine_action(&action.id, &request).await.expect_err("already final");
    assert_eq!(again.status(), Some(StatusCode::BAD_REQUEST));
    let unknown = client
        .cancel_machine_action(&"00000000-0000-4000-8000-000000000000".into(), &request)
        .await
        .expect_err("unknown");
    assert_eq!(unknown.error_code(), Some(ErrorCode::ResourceNotFound));

    // The device is free again: a new isolation is accepted.
    client.isolate_machine(&machine, &IsolateRequest::new("again")).await.expect("isolate again");
    simulator.shutdown().await;
}

/// A fleet of `count` devices that support isolation.
fn fleet(count: usize) -> Config {
    Config::default()
        .with_machine_count(count)
        .with_platforms([OsPlatform::Windows11, OsPlatform::Windows10, OsPlatform::Linux])
        .with_default_timing(Timing::new(secs(30), secs(60)))
}

/// Lists every isolation of the simulator through the SDK (all pages).
async fn isolations(client: &Client) -> Vec<mde_machine_actions::models::MachineAction> {
    client
        .list_machine_actions()
        .filter(F::r#type().eq(MachineActionType::Isolate))
        .top(50)
        .into_pager()
        .map(|item| item.expect("list"))
        .collect()
        .await
}

#[tokio::test(start_paused = true)]
async fn bulk_isolation_of_200_devices_stays_under_the_quota() {
    let (simulator, client) = start(fleet(200)).await;
    let started = tokio::time::Instant::now();
    let machines = simulator.machines();
    let requests = machines.iter().map(|machine| {
        let client = client.clone();
        let id = machine.id.clone();
        async move {
            let request =
                IsolateRequest::new("bulk isolation").with_isolation_type(IsolationType::Full);
            client.isolate_machine(&id, &request).await.expect("isolate")
        }
    });
    let actions = futures_util::future::join_all(requests).await;
    assert_eq!(actions.len(), 200);
    // 100 calls a minute: the second hundred had to wait for the first minute to pass.
    assert!(started.elapsed() >= secs(60), "{:?}", started.elapsed());

    tokio::time::sleep(secs(120)).await;
    let listed = isolations(&client).await;
    assert_eq!(listed.len(), 200);
    assert!(listed.iter().all(|a| a.status == MachineActionStatus::Succeeded));
    let stats = simulator.stats();
    assert_eq!(stats.with_status(429), 0, "the rate budget kept every call under the quota");
    assert_eq!(stats.count(&operations::ISOLATE_MACHINE, 201), 200);
    simulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn bulk_isolation_with_injected_server_errors_creates_no_duplicates() {
    let rule = FaultRule::new().with_errors(0.2, FaultPhase::Either).with_error_status(503);
    let (simulator, client) =
        start(fleet(200).with_fault(&operations::ISOLATE_MACHINE, rule)).await;
    let machines = simulator.machines();

    // An isolation answered with a 5xx may or may not exist: the SDK does not replay it, so the
    // caller looks before it asks again.
    let isolate = |machine: MachineId| {
        let client = client.clone();
        async move {
            let request =
                IsolateRequest::new("bulk isolation").with_isolation_type(IsolationType::Full);
            let mut adopted = false;
            for _ in 0..10 {
                match client.isolate_machine(&machine, &request).await {
                    Ok(action) => return (action.id, adopted),
                    Err(error)
                        if error.status().is_some_and(|s| s.is_server_error())
                            || error.is_already_in_progress() =>
                    {
                        let filter = F::machine_id()
                            .eq(machine.clone())
                            .and(F::r#type().eq(MachineActionType::Isolate));
                        let page =
                            client.list_machine_actions().filter(filter).await.expect("list");
                        if let Some(action) = page.value.into_iter().next() {
                            adopted = true;
                            return (action.id, adopted);
                        }
                    }
                    Err(error) => panic!("isolate {machine}: {error}"),
                }
            }
            panic!("isolate {machine}: still failing after 10 attempts");
        }
    };
    let results =
        futures_util::future::join_all(machines.iter().map(|m| isolate(m.id.clone()))).await;
    let adopted = results.iter().filter(|(_, adopted)| *adopted).count();

    let mut per_machine: BTreeMap<String, usize> = BTreeMap::new();
    for action in simulator.actions() {
        assert_eq!(action.r#type, MachineActionType::Isolate);
        *per_machine.entry(action.machine_id.expect("machineId").0).or_default() += 1;
    }
    assert_eq!(per_machine.len(), 200, "every device was isolated");
    assert!(per_machine.values().all(|n| *n == 1), "no device was isolated twice");
    let ids: std::collections::BTreeSet<_> = results.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids.len(), 200, "each caller holds its own device's action");

    let stats = simulator.stats();
    assert!(stats.count(&operations::ISOLATE_MACHINE, 503) >= 20, "{stats:?}");
    assert!(adopted > 0, "some isolations were created although the caller saw a 5xx");
    assert_eq!(stats.with_status(429), 0);
    simulator.shutdown().await;
}
