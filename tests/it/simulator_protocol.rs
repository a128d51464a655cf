//! The simulator's protocol, checked from outside: that it follows the spec (a handler and a
//! route for every operation, answers with the spec's members in the recorded order),
//! documented error bodies, the token endpoint, rate limits, the "already in progress" rules,
//! failed actions and live response commands, listing and paging, the clock, and every kind
//! of fault, with raw HTTP where the SDK would not send the request and with the SDK
//! elsewhere.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::StreamExt as _;
use mde_machine_actions::client::MachineActionFilter as F;
use mde_machine_actions::models::{
    CollectInvestigationPackageRequest, CommandParam, CommandStatus, ErrorCode, IsolateRequest,
    LiveResponseCommand, LiveResponseCommandType, MachineActionStatus, MachineActionType,
    MachineId, OnboardingStatus, RestrictCodeExecutionRequest, RunAntiVirusScanRequest,
    RunLiveResponseRequest, ScanType, UnisolateRequest, UnrestrictCodeExecutionRequest,
};
use mde_machine_actions::{
    Client, Error, ServiceErrorExt as _, StatusCode, WaitOptions, operations,
};
use mde_simulator::{
    ClockMode, Config, FaultPhase, FaultRule, OsPlatform, Outcome, Route, Simulator, Timing,
};
use serde_json::{Value, json};

use crate::support::{fixture, read, spec_json};

fn client(simulator: &Simulator) -> Client {
    Client::builder()
        .base_url(simulator.base_url())
        .bearer_token(simulator.token())
        .timeout(None)
        .connect_timeout(None)
        .build()
        .expect("client builds")
}

fn windows(simulator: &Simulator) -> MachineId {
    simulator
        .machines()
        .into_iter()
        .find(|m| m.os_platform == OsPlatform::Windows11)
        .expect("device")
        .id
}

/// Sends a raw request; returns status, `request-id`, headers and the JSON body (or the text
/// as a JSON string).
async fn raw(
    simulator: &Simulator,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let http = reqwest::Client::new();
    let mut request = http.request(method, format!("{}{path}", simulator.base_url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(body.to_owned());
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, value)
}

/// Checks the documented error envelope, with `target` equal to the `request-id` header.
fn assert_error(answer: &(u16, reqwest::header::HeaderMap, Value), status: u16, code: &str) {
    let (got, headers, body) = answer;
    assert_eq!(*got, status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    let target = headers.get("request-id").and_then(|v| v.to_str().ok()).expect("request-id");
    assert_eq!(body["error"]["target"], target);
}

/// Every operation of the SDK has a handler in the simulator. A new operation in the spec
/// fails here until its behaviour is written; until then the simulator answers it with 501.
#[test]
fn every_operation_has_a_handler() {
    let missing: Vec<&str> = operations::ALL
        .iter()
        .filter(|operation| !Route::from(**operation).is_handled())
        .map(|operation| operation.name)
        .collect();
    assert!(missing.is_empty(), "operations the simulator answers with 501: {missing:?}");
}

/// Each operation is served at its own verb and path template, in any case, and counted under
/// its route: the route table is the spec's.
#[tokio::test]
async fn every_operation_is_served_at_its_template() {
    let simulator = Simulator::start(Config::default()).await.expect("start");
    let token = simulator.token();
    let machine = windows(&simulator);
    for operation in operations::ALL {
        let id = if operation.path.starts_with("/api/machines/") {
            machine.as_str()
        } else {
            "00000000-0000-4000-8000-000000000000"
        };
        let path = operation.path.replace("{id}", id).replace("{index}", "0");
        let body = Some(r#"{"Comment":"routing check"}"#);
        for path in [path.clone(), path.to_ascii_uppercase()] {
            let method = operation.verb.to_method();
            let (status, _, answer) = raw(&simulator, method, &path, Some(&token), body).await;
            assert!(
                ![405, 501].contains(&status) && answer["error"]["code"] != "NotFound",
                "{} {path}: {status} {answer}",
                operation.name
            );
        }
        assert_eq!(simulator.stats().requests(*operation), 2, "{}", operation.name);
    }
    assert_eq!(simulator.stats().unmatched(), 0);
    simulator.shutdown().await;
}

/// `keys` in the order they first appear as members (`"key":`) in `text`.
fn in_text_order<'k>(text: &str, keys: impl IntoIterator<Item = &'k str>) -> Vec<&'k str> {
    let mut found: Vec<(usize, &str)> = keys
        .into_iter()
        .map(|key| (text.find(&format!("\"{key}\":")).unwrap_or(usize::MAX), key))
        .collect();
    found.sort();
    found.into_iter().map(|(_, key)| key).collect()
}

/// An action as the simulator writes it has every member of the spec's MachineAction (null
/// when empty) in the order recorded from the service, with a status the spec lists as
/// success.
#[tokio::test]
async fn actions_carry_the_spec_members_in_the_recorded_order() {
    let simulator = Simulator::start(Config::default()).await.expect("start");
    let machine = windows(&simulator);
    let response = reqwest::Client::new()
        .post(format!("{}/api/machines/{machine}/isolate", simulator.base_url()))
        .bearer_auth(simulator.token())
        .header("content-type", "application/json")
        .body(r#"{"Comment":"shape check"}"#)
        .send()
        .await
        .expect("isolate");
    let status = response.status().as_u16();
    assert!(operations::ISOLATE_MACHINE.success.contains(&status), "{status}");
    let text = response.text().await.expect("body");
    let body: Value = serde_json::from_str(&text).expect("JSON");

    let spec = spec_json();
    let properties = spec["$defs"]["MachineAction"]["properties"].as_object().expect("properties");
    let members: BTreeSet<&str> =
        body.as_object().expect("object").keys().map(String::as_str).collect();
    let mut expected: BTreeSet<&str> = properties.keys().map(String::as_str).collect();
    expected.insert("@odata.context");
    assert_eq!(members, expected, "every member of the spec's MachineAction, and no other");

    let recorded = read(&fixture("real-world/isolate-pending-full-field-set.json"));
    assert_eq!(
        in_text_order(&text, expected.iter().copied()),
        in_text_order(&recorded, expected.iter().copied()),
        "members in the order of the recorded answer"
    );

    let list = raw(
        &simulator,
        reqwest::Method::GET,
        "/api/machineactions",
        Some(&simulator.token()),
        None,
    )
    .await;
    let item: BTreeSet<&str> =
        list.2["value"][0].as_object().expect("item").keys().map(String::as_str).collect();
    expected.remove("@odata.context");
    assert_eq!(item, expected, "listed actions carry every member too");
    simulator.shutdown().await;
}

#[tokio::test]
async fn documented_errors() {
    let simulator = Simulator::start(Config::default()).await.expect("start");
    let token = simulator.token();
    let token = Some(token.as_str());
    let machine = windows(&simulator);
    let isolate = format!("/api/machines/{machine}/isolate");
    use reqwest::Method as M;

    let answer = raw(&simulator, M::POST, &isolate, None, Some(r#"{"Comment":"x"}"#)).await;
    assert_error(&answer, 401, "Unauthorized");
    assert!(answer.1.contains_key("www-authenticate"));
    let answer =
        raw(&simulator, M::POST, &isolate, Some("wrong"), Some(r#"{"Comment":"x"}"#)).await;
    assert_error(&answer, 401, "Unauthorized");

    let answer = raw(&simulator, M::POST, &isolate, token, Some("{}")).await;
    assert_error(&answer, 400, "MissingRequiredParameter");
    assert_eq!(answer.2["error"]["message"], "Parameter Comment is missing.");
    assert_error(
        &raw(&simulator, M::POST, &isolate, token, Some(r#"{"comment":"x"}"#)).await,
        400,
        "InvalidRequestBody",
    );
    assert_error(&raw(&simulator, M::POST, &isolate, token, None).await, 400, "InvalidRequestBody");
    assert_error(
        &raw(&simulator, M::POST, &isolate, token, Some("{not json")).await,
        400,
        "InvalidRequestBody",
    );
    assert_error(
        &raw(
            &simulator,
            M::POST,
            &isolate,
            token,
            Some(r#"{"Comment":"x","IsolationType":"Partial"}"#),
        )
        .await,
        400,
        "InvalidInput",
    );
    let offboard = format!("/api/machines/{machine}/offboard");
    assert_error(
        &raw(&simulator, M::POST, &offboard, token, Some("{}")).await,
        400,
        "MissingRequiredParameter",
    );
    let scan = format!("/api/machines/{machine}/runAntiVirusScan");
    assert_error(
        &raw(&simulator, M::POST, &scan, token, Some(r#"{"Comment":"x"}"#)).await,
        400,
        "MissingRequiredParameter",
    );
    let unknown = "/api/machines/0000000000000000000000000000000000000000/isolate";
    let answer = raw(&simulator, M::POST, unknown, token, Some(r#"{"Comment":"x"}"#)).await;
    assert_error(&answer, 404, "ResourceNotFound");
    assert_error(
        &raw(&simulator, M::GET, "/api/machineactions/nope", token, None).await,
        404,
        "ResourceNotFound",
    );
    let answer = raw(&simulator, M::GET, &isolate, token, None).await;
    assert_error(&answer, 405, "MethodNotAllowed");
    assert_eq!(answer.1.get("allow").and_then(|v| v.to_str().ok()), Some("POST"));
    let answer = raw(&simulator, M::DELETE, "/api/machineactions", token, None).await;
    assert_error(&answer, 405, "MethodNotAllowed");
    assert_eq!(answer.1.get("allow").and_then(|v| v.to_str().ok()), Some("GET"));
    assert_error(&raw(&simulator, M::GET, "/api/alerts", token, None).await, 404, "NotFound");

    // Paths match without case, with or without the version segment.
    let upper = format!("/API/v1.0/Machines/{machine}/ISOLATE");
    let (status, _, body) =
        raw(&simulator, M::POST, &upper, token, Some(r#"{"Comment":"x"}"#)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["@odata.context"],
        format!("{}/api/$metadata#MachineActions/$entity", simulator.base_url())
    );
    for member in
        ["title", "cancellationRequestor", "externalId", "troubleshootInfo", "relatedFileInfo"]
    {
        assert_eq!(body[member], Value::Null, "{member} is present and null");
    }
    assert_eq!(body["commands"], json!([]));
    let answer = raw(&simulator, M::POST, &isolate, token, Some(r#"{"Comment":"x"}"#)).await;
    assert_error(&answer, 400, "ActiveRequestAlreadyExists");
    assert_eq!(answer.2["error"]["message"], "Action is already in progress");

    // Live response: wrong order and missing parameters.
    let live = format!("/api/machines/{machine}/runliveresponse");
    let wrong = r#"{"Commands":[{"type":"GetFile","params":[{"key":"Path","value":"C:\\a"}]},{"type":"PutFile","params":[{"key":"FileName","value":"a.ps1"}]}],"Comment":"x"}"#;
    assert_error(&raw(&simulator, M::POST, &live, token, Some(wrong)).await, 400, "InvalidInput");
    let missing = r#"{"Commands":[{"type":"RunScript","params":[{"key":"Args","value":"x"}]}]}"#;
    assert_error(
        &raw(&simulator, M::POST, &live, token, Some(missing)).await,
        400,
        "MissingRequiredParameter",
    );
    simulator.shutdown().await;
}

#[tokio::test]
async fn token_endpoint() {
    let simulator = Simulator::start(Config::default()).await.expect("start");
    let credentials = simulator.credentials().clone();
    let http = reqwest::Client::new();
    let post = |form: Vec<(&'static str, String)>, url: String| {
        let http = http.clone();
        async move {
            let mut body = url::form_urlencoded::Serializer::new(String::new());
            for (key, value) in &form {
                body.append_pair(key, value);
            }
            let response = http
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.finish())
                .send()
                .await
                .expect("send");
            let status = response.status().as_u16();
            let text = response.text().await.expect("body");
            (status, serde_json::from_str::<Value>(&text).expect("JSON"))
        }
    };
    let form = |secret: &str, scope: &str| {
        vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", credentials.client_id.clone()),
            ("client_secret", secret.to_owned()),
            ("scope", scope.to_owned()),
        ]
    };
    let api_scope = "https://api.securitycenter.microsoft.com/.default";
    let (status, body) =
        post(form(&credentials.client_secret, api_scope), simulator.token_url()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    let token = body["access_token"].as_str().expect("token").to_owned();
    let (status, _, _) =
        raw(&simulator, reqwest::Method::GET, "/api/machineactions", Some(&token), None).await;
    assert_eq!(status, 200);

    let (status, body) = post(form("wrong", api_scope), simulator.token_url()).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
    assert!(body["error_description"].as_str().is_some_and(|d| d.starts_with("AADSTS7000215")));
    let (status, body) = post(
        form(&credentials.client_secret, "https://api.securitycenter.microsoft.com"),
        simulator.token_url(),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_scope")));
    let other_tenant = format!("{}/other/oauth2/v2.0/token", simulator.base_url());
    let (status, _) = post(form(&credentials.client_secret, api_scope), other_tenant).await;
    assert_eq!(status, 400);

    // A token for another audience is refused by the API with 403.
    let (status, body) = post(
        form(&credentials.client_secret, "https://api.security.microsoft.com/.default"),
        simulator.token_url(),
    )
    .await;
    assert_eq!(status, 200);
    let foreign = body["access_token"].as_str().expect("token").to_owned();
    let answer =
        raw(&simulator, reqwest::Method::GET, "/api/machineactions", Some(&foreign), None).await;
    assert_error(&answer, 403, "Forbidden");
    simulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn rate_limits_answer_429_with_retry_after() {
    let simulator = Simulator::start(Config::default()).await.expect("start");
    let token = simulator.token();
    let path = "/api/machineactions/00000000-0000-4000-8000-000000000000/GetPackageUri";
    for _ in 0..2 {
        let (status, _, _) = raw(&simulator, reqwest::Method::GET, path, Some(&token), None).await;
        assert_eq!(status, 404);
    }
    let answer = raw(&simulator, reqwest::Method::GET, path, Some(&token), None).await;
    assert_error(&answer, 429, "TooManyRequests");
    let retry_after: u64 =
        answer.1["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let (status, _, _) = raw(&simulator, reqwest::Method::GET, path, Some(&token), None).await;
    assert_eq!(status, 404, "the quota has room again");
    assert_eq!(simulator.stats().count(&operations::GET_PACKAGE_URI, 429), 1);
    simulator.shutdown().await;
}

#[tokio::test]
async fn live_response_allows_ten_calls_a_minute() {
    // Eleven devices, so that the one-session-per-device rule never answers first; the manual
    // clock stands still, so every call falls in the same minute.
    let simulator = Simulator::start(
        Config::default()
            .with_clock(ClockMode::Manual)
            .with_machine_count(11)
            .with_platforms([OsPlatform::Windows11]),
    )
    .await
    .expect("start");
    let token = simulator.token();
    let machines = simulator.machines();
    let body = r#"{"Commands":[{"type":"RunScript","params":[{"key":"ScriptName","value":"a.ps1"}]}],"Comment":"x"}"#;
    let run = |machine: &MachineId| {
        let path = format!("/api/machines/{machine}/runliveresponse");
        let token = token.clone();
        let simulator = &simulator;
        async move { raw(simulator, reqwest::Method::POST, &path, Some(&token), Some(body)).await }
    };
    for machine in &machines[..10] {
        let (status, _, body) = run(&machine.id).await;
        assert_eq!(status, 201, "{body}");
    }
    let answer = run(&machines[10].id).await;
    assert_error(&answer, 429, "TooManyRequests");
    assert_eq!(answer.1["retry-after"], "60", "the minute started with the first call");
    assert_eq!(
        answer.2["error"]["message"], "Rate limit is exceeded. Try again in 60 seconds.",
        "{}",
        answer.2
    );
    assert_eq!(simulator.actions().len(), 10, "the refused call created nothing");

    // The quota is per operation: other methods still answer.
    let isolate = format!("/api/machines/{}/isolate", machines[10].id);
    let (status, _, _) =
        raw(&simulator, reqwest::Method::POST, &isolate, Some(&token), Some(r#"{"Comment":"x"}"#))
            .await;
    assert_eq!(status, 201);

    // A refused call is not counted: 59 seconds on, one second is left to wait.
    simulator.advance(Duration::from_secs(59));
    let answer = run(&machines[10].id).await;
    assert_error(&answer, 429, "TooManyRequests");
    assert_eq!(answer.1["retry-after"], "1");
    simulator.advance(Duration::from_secs(1));
    let (status, _, body) = run(&machines[10].id).await;
    assert_eq!(status, 201, "a minute after the first call there is room again: {body}");
    assert_eq!(simulator.stats().count(&operations::RUN_LIVE_RESPONSE, 201), 11);
    assert_eq!(simulator.stats().count(&operations::RUN_LIVE_RESPONSE, 429), 2);
    simulator.shutdown().await;
}

/// Asserts that `error` is the documented answer to a duplicate action: 400
/// `ActiveRequestAlreadyExists`, "Action is already in progress".
#[track_caller]
fn assert_already_in_progress(error: &Error) {
    assert!(error.is_already_in_progress(), "{error}");
    let api = error.api().expect("an answer from the service");
    assert_eq!(api.status, StatusCode::BAD_REQUEST);
    assert_eq!(api.error_code(), Some(ErrorCode::ActiveRequestAlreadyExists));
    assert_eq!(api.message.as_deref(), Some("Action is already in progress"));
}

#[tokio::test]
async fn a_second_collection_while_one_is_pending_is_refused() {
    let simulator =
        Simulator::start(Config::default().with_clock(ClockMode::Manual)).await.expect("start");
    let client = client(&simulator);
    let machine = windows(&simulator);
    let request = CollectInvestigationPackageRequest::new("Collect forensics");
    let first = client.collect_investigation_package(&machine, &request).await.expect("collect");
    let error = client.collect_investigation_package(&machine, &request).await.expect_err("second");
    assert_already_in_progress(&error);
    // Still refused while it is in progress; another device is not affected.
    simulator.advance(Duration::from_secs(1));
    assert_eq!(
        simulator.action(first.id.as_str()).expect("action").status,
        MachineActionStatus::InProgress
    );
    let error =
        client.collect_investigation_package(&machine, &request).await.expect_err("in progress");
    assert_already_in_progress(&error);
    let other = simulator.machines().into_iter().find(|m| m.id != machine).expect("device").id;
    client.collect_investigation_package(&other, &request).await.expect("another device");
    // Once the first collection is final, a new one is accepted.
    simulator.advance(Duration::from_secs(2));
    assert_eq!(
        simulator.action(first.id.as_str()).expect("action").status,
        MachineActionStatus::Succeeded
    );
    client.collect_investigation_package(&machine, &request).await.expect("collect again");
    assert_eq!(simulator.actions().len(), 3);
    simulator.shutdown().await;
}

#[tokio::test]
async fn release_restrict_and_unrestrict_refuse_a_second_request_while_one_is_pending() {
    let simulator =
        Simulator::start(Config::default().with_clock(ClockMode::Manual)).await.expect("start");
    let client = client(&simulator);
    let machine = windows(&simulator);

    let release = UnisolateRequest::new("release");
    client.unisolate_machine(&machine, &release).await.expect("release");
    let error = client.unisolate_machine(&machine, &release).await.expect_err("second release");
    assert_already_in_progress(&error);

    // The rule is per kind: a restriction is accepted while the release is pending.
    let restrict = RestrictCodeExecutionRequest::new("restrict");
    client.restrict_code_execution(&machine, &restrict).await.expect("restrict");
    let error =
        client.restrict_code_execution(&machine, &restrict).await.expect_err("second restrict");
    assert_already_in_progress(&error);

    let unrestrict = UnrestrictCodeExecutionRequest::new("unrestrict");
    client.unrestrict_code_execution(&machine, &unrestrict).await.expect("unrestrict");
    let error = client
        .unrestrict_code_execution(&machine, &unrestrict)
        .await
        .expect_err("second unrestrict");
    assert_already_in_progress(&error);
    assert_eq!(simulator.actions().len(), 3, "the refused requests created nothing");

    // Once the first ones are final, each is accepted again.
    simulator.advance(Duration::from_secs(3));
    client.unisolate_machine(&machine, &release).await.expect("release again");
    client.restrict_code_execution(&machine, &restrict).await.expect("restrict again");
    client.unrestrict_code_execution(&machine, &unrestrict).await.expect("unrestrict again");
    assert_eq!(simulator.actions().len(), 6);
    simulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_failed_action() {
    let config = Config::default().with_outcome(MachineActionType::Isolate, Outcome::Failed);
    let simulator = Simulator::start(config).await.expect("start");
    let client = client(&simulator);
    let machine = windows(&simulator);
    let action =
        client.isolate_machine(&machine, &IsolateRequest::new("x")).await.expect("isolate");
    assert_eq!(action.status, MachineActionStatus::Pending);
    assert_eq!(action.error_h_result, Some(0));
    let outcome =
        client.wait_for_completion(&action.id, &WaitOptions::default()).await.expect("wait");
    assert_eq!(outcome.action.status, MachineActionStatus::Failed);
    assert!(!outcome.succeeded());
    assert_eq!(outcome.action.error_h_result, Some(0x8000_4005_u32 as i32), "E_FAIL");
    assert!(outcome.commands.is_empty());
    // Other types keep succeeding; a failed action is final, so the device takes a new one.
    let scan = RunAntiVirusScanRequest::new("scan", ScanType::Quick);
    let scan = client.run_anti_virus_scan(&machine, &scan).await.expect("scan");
    let outcome =
        client.wait_for_completion(&scan.id, &WaitOptions::default()).await.expect("wait");
    assert!(outcome.succeeded());
    client.isolate_machine(&machine, &IsolateRequest::new("again")).await.expect("again");
    simulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_failed_live_response_command_stops_the_later_ones() {
    let config = Config::default()
        .with_machine_count(6)
        .with_platforms([OsPlatform::Windows11])
        .with_outcome(MachineActionType::LiveResponse, Outcome::Failed)
        .with_timing(
            MachineActionType::LiveResponse,
            Timing::new(Duration::from_secs(5), Duration::from_secs(40)),
        );
    let simulator = Simulator::start(config).await.expect("start");
    let client = client(&simulator);
    let command = |kind, params: &[(&str, &str)]| {
        LiveResponseCommand::new(
            kind,
            params.iter().map(|(k, v)| CommandParam::new(*k, *v)).collect::<Vec<_>>(),
        )
    };
    use LiveResponseCommandType::{GetFile, PutFile, RunScript};
    let request = RunLiveResponseRequest::new(
        vec![
            command(PutFile, &[("FileName", "collect.ps1")]),
            command(RunScript, &[("ScriptName", "collect.ps1")]),
            command(RunScript, &[("ScriptName", "autoruns.ps1")]),
            command(GetFile, &[("Path", r"C:\windows\TEMP\collect.zip")]),
        ],
        "Failing live response",
    );

    // The failing command is drawn per action: run one session per device and check each.
    let mut failed_at = Vec::new();
    for machine in simulator.machines() {
        let action = client.run_live_response(&machine.id, &request).await.expect("live response");
        let outcome =
            client.wait_for_completion(&action.id, &WaitOptions::default()).await.expect("wait");
        assert_eq!(outcome.action.status, MachineActionStatus::Failed);
        assert_ne!(outcome.action.error_h_result, Some(0));
        let statuses: Vec<_> = outcome.commands.iter().map(|c| c.status.clone()).collect();
        let failing = statuses
            .iter()
            .position(|s| *s == CommandStatus::Failed)
            .unwrap_or_else(|| panic!("one command failed: {statuses:?}"));
        failed_at.push(failing);
        let entries = outcome.action.commands.as_deref().expect("commands");
        for (index, (command, entry)) in outcome.commands.iter().zip(entries).enumerate() {
            let errors = entry.errors.as_deref().unwrap_or_default();
            match index.cmp(&failing) {
                std::cmp::Ordering::Less => {
                    assert_eq!(command.status, CommandStatus::Completed, "{statuses:?}");
                    assert!(command.errors.is_empty() && errors.is_empty());
                    assert!(entry.end_time.is_some());
                }
                std::cmp::Ordering::Equal => {
                    assert_eq!(command.errors.len(), 1, "the failure is recorded");
                    assert!(command.errors[0].as_str().is_some_and(|e| e.contains("failed")));
                    assert!(entry.start_time.is_some() && entry.end_time.is_some());
                }
                std::cmp::Ordering::Greater => {
                    // Never ran: still Created, never started, no errors.
                    assert_eq!(command.status, CommandStatus::Created, "{statuses:?}");
                    assert!(command.errors.is_empty());
                    assert!(entry.start_time.is_none() && entry.end_time.is_none());
                }
            }
            // Only completed commands other than PutFile have a result.
            let link =
                client.get_live_response_result_download_link(&action.id, index as i32).await;
            if command.status == CommandStatus::Completed && command.command_type != PutFile {
                link.expect("a completed command's result");
            } else {
                let error = link.expect_err("no result");
                if command.command_type == PutFile {
                    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST), "{error}");
                } else {
                    assert!(error.is_not_found(), "{error}");
                }
            }
        }
        // The command's status stays as it ended: time does not run the later ones.
        tokio::time::sleep(Duration::from_secs(3600)).await;
        let later = client.get_machine_action(&action.id).await.expect("get");
        let later: Vec<_> = later
            .commands
            .expect("commands")
            .into_iter()
            .map(|entry| entry.command_status)
            .collect();
        assert_eq!(later, statuses);
    }
    assert!(
        failed_at.iter().any(|&i| i < 3),
        "some session failed before its last command: {failed_at:?}"
    );
    simulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn listing_filters_and_pages() {
    let simulator = Simulator::start(Config::default().with_machine_count(7).with_page_size(3))
        .await
        .expect("start");
    let client = client(&simulator);
    for machine in simulator.machines() {
        let request = RunAntiVirusScanRequest::new("scan", ScanType::Quick);
        client.run_anti_virus_scan(&machine.id, &request).await.expect("scan");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let page = client.list_machine_actions().await.expect("list");
    assert_eq!(page.value.len(), 3);
    let next = page.odata_next_link.as_deref().expect("next link");
    assert!(next.starts_with(simulator.base_url()) && next.contains("$skip=3"), "{next}");
    assert!(
        page.value[0].creation_date_time_utc > page.value[1].creation_date_time_utc,
        "newest first"
    );

    let all: Vec<_> = client
        .list_machine_actions()
        .into_pager()
        .map(|item| item.expect("item").id)
        .collect()
        .await;
    assert_eq!(all.len(), 7);
    assert_eq!(all.iter().collect::<std::collections::BTreeSet<_>>().len(), 7);

    let skipped = client.list_machine_actions().skip(5).await.expect("list");
    assert_eq!(skipped.value.len(), 2);
    assert!(skipped.odata_next_link.is_none());
    let top = client.list_machine_actions().top(2).await.expect("list");
    assert_eq!(top.value.len(), 2);
    assert!(top.odata_next_link.is_none(), "$top bounds the result");

    let all_scans = simulator.actions();
    let third = &all_scans[2];
    let since = F::creation_date_time_utc().ge(third.creation_date_time_utc.clone());
    let query = client.list_machine_actions().filter(since.and(F::status().is_in([
        MachineActionStatus::Pending,
        MachineActionStatus::InProgress,
        MachineActionStatus::Succeeded,
    ])));
    let count = query.into_pager().count().await;
    assert_eq!(count, 5);
    let page =
        client.list_machine_actions().filter(F::id().eq(third.id.clone())).await.expect("list");
    assert_eq!(page.value.len(), 1);

    let token = simulator.token();
    for bad in [
        "$filter=status%20eq%20Pending",
        "$top=10001",
        "$skip=-1",
        "$orderby=id",
        "$filter=scope%20eq%20'Full'",
    ] {
        let answer = raw(
            &simulator,
            reqwest::Method::GET,
            &format!("/api/machineactions?{bad}"),
            Some(&token),
            None,
        )
        .await;
        assert_error(&answer, 400, "ODataError");
    }
    simulator.shutdown().await;
}

#[tokio::test]
async fn manual_clock_moves_actions_only_when_advanced() {
    let simulator = Simulator::start(
        Config::default()
            .with_clock(ClockMode::Manual)
            .with_default_timing(Timing::new(Duration::from_secs(10), Duration::from_secs(20))),
    )
    .await
    .expect("start");
    let client = client(&simulator);
    let action = client
        .isolate_machine(&windows(&simulator), &IsolateRequest::new("x"))
        .await
        .expect("isolate");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let status =
        |simulator: &Simulator| simulator.action(action.id.as_str()).expect("action").status;
    assert_eq!(status(&simulator), MachineActionStatus::Pending);
    simulator.advance(Duration::from_secs(10));
    assert_eq!(
        client.get_machine_action(&action.id).await.expect("get").status,
        MachineActionStatus::InProgress
    );
    simulator.advance(Duration::from_secs(20));
    assert_eq!(status(&simulator), MachineActionStatus::Succeeded);
    simulator.shutdown().await;
}

#[tokio::test]
async fn same_seed_same_simulation() {
    let first = Simulator::start(Config::default().with_seed(42)).await.expect("start");
    let second = Simulator::start(Config::default().with_seed(42)).await.expect("start");
    assert_eq!(first.machines(), second.machines());
    assert_eq!(first.token(), second.token());
    let mut ids = Vec::new();
    for simulator in [&first, &second] {
        let client = client(simulator);
        let action = client
            .isolate_machine(&windows(simulator), &IsolateRequest::new("x"))
            .await
            .expect("isolate");
        ids.push(action.id);
    }
    assert_eq!(ids[0], ids[1]);
    assert_ne!(
        first.machines(),
        Simulator::start(Config::default().with_seed(7)).await.expect("start").machines()
    );
}

#[tokio::test(start_paused = true)]
async fn visibility_delay_is_tolerated_by_waiting() {
    let config = Config::default().with_visibility_delay(Duration::from_secs(3));
    let simulator = Simulator::start(config).await.expect("start");
    let client = client(&simulator);
    let action = client
        .isolate_machine(&windows(&simulator), &IsolateRequest::new("x"))
        .await
        .expect("isolate");
    let early = client.get_machine_action(&action.id).await.expect_err("not visible yet");
    assert!(early.is_not_found());
    let outcome =
        client.wait_for_completion(&action.id, &WaitOptions::default()).await.expect("wait");
    assert!(outcome.succeeded());
    simulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn faults() {
    let simulator = Simulator::start(Config::default()).await.expect("start");
    let client = client(&simulator);
    let machines: Vec<MachineId> = simulator
        .machines()
        .into_iter()
        .filter(|m| m.os_platform != OsPlatform::MacOs)
        .map(|m| m.id)
        .collect();
    let request = IsolateRequest::new("x");

    // A connection dropped before processing: an error, and no action.
    simulator.set_fault(
        &operations::ISOLATE_MACHINE,
        Some(FaultRule::new().with_drops(1.0, FaultPhase::BeforeProcessing)),
    );
    let error = client.isolate_machine(&machines[0], &request).await.expect_err("dropped");
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(simulator.actions().is_empty());
    // ... after processing: an error, and the action exists.
    simulator.set_fault(
        &operations::ISOLATE_MACHINE,
        Some(FaultRule::new().with_drops(1.0, FaultPhase::AfterProcessing)),
    );
    client.isolate_machine(&machines[0], &request).await.expect_err("dropped");
    assert_eq!(simulator.actions().len(), 1);
    assert_eq!(simulator.stats().dropped(&operations::ISOLATE_MACHINE), 2);
    // A 5xx after processing on a read is retried by the SDK and succeeds.
    simulator.set_fault(&operations::ISOLATE_MACHINE, None);
    let action = client.isolate_machine(&machines[1], &request).await.expect("isolate");
    simulator.set_fault(
        &operations::GET_MACHINE_ACTION,
        Some(FaultRule::new().with_errors(0.5, FaultPhase::Either)),
    );
    for _ in 0..6 {
        client.get_machine_action(&action.id).await.expect("retried");
    }
    assert!(simulator.stats().count(&operations::GET_MACHINE_ACTION, 500) > 0);

    // Truncated and malformed bodies fail to decode.
    simulator
        .set_fault(&operations::GET_MACHINE_ACTION, Some(FaultRule::new().with_truncation(1.0)));
    let error = client.get_machine_action(&action.id).await.expect_err("truncated");
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    simulator.set_fault(
        &operations::GET_MACHINE_ACTION,
        Some(FaultRule::new().with_malformed_json(1.0)),
    );
    let error = client.get_machine_action(&action.id).await.expect_err("malformed");
    assert!(matches!(error, Error::Decode { status: StatusCode::OK, .. }), "{error:?}");

    // Unknown enum values and fields are kept; waiting goes on through unknown statuses.
    let rule = FaultRule::new().with_unknown_enum_values(1.0).with_unknown_fields(1.0);
    simulator.set_fault(&operations::GET_MACHINE_ACTION, Some(rule));
    let fresh = client.isolate_machine(&machines[2], &request).await.expect("isolate");
    let read = client.get_machine_action(&fresh.id).await.expect("get");
    assert_eq!(read.status, MachineActionStatus::Unknown("Queued".to_owned()));
    assert!(read.extra.get("futureField").is_some());
    let outcome =
        client.wait_for_completion(&fresh.id, &WaitOptions::default()).await.expect("wait");
    assert!(outcome.succeeded());
    assert!(
        outcome.unknown_statuses.contains(&"Queued".to_owned()),
        "{:?}",
        outcome.unknown_statuses
    );

    // Latency.
    simulator.set_fault(
        &operations::GET_MACHINE_ACTION,
        Some(FaultRule::new().with_latency(Duration::from_secs(7))),
    );
    let started = tokio::time::Instant::now();
    client.get_machine_action(&action.id).await.expect("slow get");
    assert!(started.elapsed() >= Duration::from_secs(7));

    // A next link that does not advance ends the SDK's stream with an error.
    simulator.set_fault(
        &operations::LIST_MACHINE_ACTIONS,
        Some(FaultRule::new().with_non_advancing_next_links()),
    );
    let query = client.list_machine_actions().filter(F::r#type().eq(MachineActionType::Isolate));
    let items: Vec<_> = query.clone().into_pager().collect().await;
    assert!(
        matches!(items.last(), Some(Err(Error::NonAdvancingNextLink { .. }))),
        "{:?}",
        items.last()
    );
    simulator.clear_faults();
    assert!(query.into_pager().all(|item| async move { item.is_ok() }).await);
    simulator.shutdown().await;
}

/// Writes `request` on a new connection and reads until the server closes it (or `limit`
/// passes); returns what was read.
async fn exchange_raw(
    simulator: &Simulator,
    request: &[u8],
    limit: Duration,
) -> Result<String, tokio::time::error::Elapsed> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(simulator.addr()).await.expect("connect");
    stream.write_all(request).await.expect("send");
    tokio::time::timeout(limit, async move {
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
}

#[tokio::test]
async fn oversized_bodies_are_refused_413_after_authentication() {
    let simulator = Simulator::start(Config::default()).await.expect("start");
    let machine = windows(&simulator);
    let token = simulator.token();
    let head = |authorization: &str, length: usize| {
        format!(
            "POST /api/machines/{machine}/isolate HTTP/1.1\r\nhost: localhost\r\n{authorization}\
             content-type: application/json\r\ncontent-length: {length}\r\n\r\n"
        )
    };
    let limit = Duration::from_secs(10);
    let bearer = format!("authorization: Bearer {token}\r\n");

    // A declared length over the limit is refused before any of the body arrives.
    let answer = exchange_raw(&simulator, head(&bearer, 5 << 20).as_bytes(), limit).await;
    let answer = answer.expect("answered at once");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("RequestEntityTooLarge"), "{answer}");
    // Without a token, or with a wrong one, the answer is 401 whatever the body.
    let answer = exchange_raw(&simulator, head("", 5 << 20).as_bytes(), limit).await;
    let answer = answer.expect("answered at once");
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let wrong = "authorization: Bearer wrong\r\n";
    let answer = exchange_raw(&simulator, head(wrong, 5 << 20).as_bytes(), limit).await;
    assert!(answer.expect("answered").starts_with("HTTP/1.1 401"));

    // A chunked body that grows past the limit.
    let http = reqwest::Client::new();
    let chunks =
        futures_util::stream::iter((0..40).map(|_| Ok::<_, std::io::Error>(vec![b' '; 64 * 1024])));
    let url = format!("{}/api/machines/{machine}/isolate", simulator.base_url());
    let response =
        http.post(&url).bearer_auth(&token).body(reqwest::Body::wrap_stream(chunks)).send().await;
    if let Ok(response) = response {
        // The client may also see the connection close before it reads the answer.
        assert_eq!(response.status().as_u16(), 413);
    }
    let response = http.post(&url).body(vec![b' '; 2 << 20]).send().await;
    if let Ok(response) = response {
        assert_eq!(response.status().as_u16(), 401);
    }
    assert_eq!(simulator.stats().count(&operations::ISOLATE_MACHINE, 400), 0);
    simulator.shutdown().await;
}

#[tokio::test]
async fn slow_clients_are_cut_off() {
    let config = Config::default()
        .with_read_timeouts(Duration::from_millis(300), Duration::from_millis(300));
    let simulator = Simulator::start(config).await.expect("start");
    let machine = windows(&simulator);
    let limit = Duration::from_secs(5);

    // Half a head: the connection is closed without an answer.
    let started = std::time::Instant::now();
    let half = format!("POST /api/machines/{machine}/isolate HTTP/1.1\r\nhost: local");
    let answer = exchange_raw(&simulator, half.as_bytes(), limit).await.expect("closed");
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());

    // Half a body: 408.
    let started = std::time::Instant::now();
    let request = format!(
        "POST /api/machines/{machine}/isolate HTTP/1.1\r\nhost: localhost\r\n\
         authorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: 40\r\n\r\n\
         {{\"Comment\":",
        simulator.token()
    );
    let answer = exchange_raw(&simulator, request.as_bytes(), limit).await.expect("closed");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert!(simulator.actions().is_empty());
    simulator.shutdown().await;
}

#[tokio::test]
async fn shutdown_ends_in_bounded_time_whatever_clients_send() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    // The default read timeouts (30 s) are far longer than the bound checked here.
    let simulator = Simulator::start(Config::default()).await.expect("start");
    let machine = windows(&simulator);
    let connect = || tokio::net::TcpStream::connect(simulator.addr());

    let mut half_head = connect().await.expect("connect");
    half_head
        .write_all(format!("POST /api/machines/{machine}/isolate HTTP/1.1\r\nho").as_bytes())
        .await
        .expect("send");
    let mut half_body = connect().await.expect("connect");
    let request = format!(
        "POST /api/machines/{machine}/isolate HTTP/1.1\r\nhost: localhost\r\n\
         authorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: 40\r\n\r\n\
         {{\"Comment\":",
        simulator.token()
    );
    half_body.write_all(request.as_bytes()).await.expect("send");
    let _idle = connect().await.expect("connect");
    let client = client(&simulator);
    client.list_machine_actions().await.expect("a keep-alive connection in the pool");
    tokio::time::sleep(Duration::from_millis(100)).await;

    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(5), simulator.shutdown())
        .await
        .expect("shutdown ends although clients sent partial requests");
    // Nothing is being handled, so nothing waits for the grace period (2 s).
    assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());

    let mut answer = String::new();
    let _ = half_body.read_to_string(&mut answer).await;
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 503"), "{answer}");
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(1), half_head.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the connection with half a head is closed");
}

#[tokio::test]
async fn legacy_v1_token_endpoint() {
    let simulator = Simulator::start(Config::default()).await.expect("start");
    let credentials = simulator.credentials().clone();
    assert_eq!(
        simulator.legacy_token_url(),
        format!("{}/{}/oauth2/token", simulator.base_url(), credentials.tenant_id)
    );
    let http = reqwest::Client::new();
    let post = |resource: Option<&str>| {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials")
            .append_pair("client_id", &credentials.client_id)
            .append_pair("client_secret", &credentials.client_secret);
        if let Some(resource) = resource {
            form.append_pair("resource", resource);
        }
        let request = http
            .post(simulator.legacy_token_url())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.finish());
        async move {
            let response = request.send().await.expect("send");
            let status = response.status().as_u16();
            let text = response.text().await.expect("body");
            (status, serde_json::from_str::<Value>(&text).expect("JSON"), text)
        }
    };
    let resource = "https://api.securitycenter.microsoft.com";
    let (status, body, text) = post(Some(resource)).await;
    assert_eq!(status, 200, "{body}");
    let keys: Vec<&str> = body.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 7, "{text}");
    assert_eq!(
        in_text_order(&text, keys),
        [
            "token_type",
            "expires_in",
            "ext_expires_in",
            "expires_on",
            "not_before",
            "resource",
            "access_token"
        ]
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], "3599", "a string, as v1 sends it");
    assert_eq!(body["ext_expires_in"], "3599");
    assert_eq!(body["resource"], resource);
    let number = |key: &str| body[key].as_str().and_then(|v| v.parse::<i64>().ok()).expect(key);
    assert_eq!(number("expires_on") - number("not_before"), 3599);
    let token = body["access_token"].as_str().expect("token").to_owned();
    let answer =
        raw(&simulator, reqwest::Method::GET, "/api/machineactions", Some(&token), None).await;
    assert_eq!(answer.0, 200);

    // With a trailing slash too; another resource's token is refused by the API.
    assert_eq!(post(Some("https://api.securitycenter.microsoft.com/")).await.0, 200);
    let (status, body, _) = post(Some("https://graph.microsoft.com")).await;
    assert_eq!(status, 200);
    let foreign = body["access_token"].as_str().expect("token").to_owned();
    let answer =
        raw(&simulator, reqwest::Method::GET, "/api/machineactions", Some(&foreign), None).await;
    assert_error(&answer, 403, "Forbidden");
    let (status, body, _) = post(None).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")));
    assert!(body["error_description"].as_str().is_some_and(|d| d.starts_with("AADSTS900144")));
    simulator.shutdown().await;
}

/// The members the documented examples send as `null` are sent as `null` too, not left out:
/// `startTime` and `endTime` of each command entry of a new live response (in the documented
/// order), and an action's empty members such as `scope` and `relatedFileInfo`.
#[tokio::test]
async fn documented_nulls_are_sent() {
    let simulator = Simulator::start(Config::default()).await.expect("start");
    let machine = windows(&simulator);
    let documented: Value =
        serde_json::from_str(&read(&fixture("docs/run-live-response-response.json")))
            .expect("documented example");
    let request = read(&fixture("docs/run-live-response-request.json"));
    let response = reqwest::Client::new()
        .post(format!("{}/api/machines/{machine}/runliveresponse", simulator.base_url()))
        .bearer_auth(simulator.token())
        .header("content-type", "application/json")
        .body(request)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 201);
    let text = response.text().await.expect("body");
    let body: Value = serde_json::from_str(&text).expect("JSON");
    let entries = body["commands"].as_array().expect("commands");
    let documented_entries = documented["commands"].as_array().expect("documented commands");
    assert_eq!(entries.len(), documented_entries.len());
    for (entry, documented) in entries.iter().zip(documented_entries) {
        for (key, value) in documented.as_object().expect("entry") {
            assert!(entry.get(key).is_some(), "{key} is missing from {entry}");
            if value.is_null() {
                assert_eq!(entry[key], Value::Null, "{key}");
            }
        }
    }
    let entry_text = &text[text.find(r#""commands":"#).expect("commands")..];
    assert_eq!(
        in_text_order(
            entry_text,
            ["command", "errors", "commandStatus", "endTime", "startTime", "index"]
        ),
        ["index", "startTime", "endTime", "commandStatus", "errors", "command"]
    );
    for name in ["get-machineaction-object-response.json", "machineaction-representation.json"] {
        let example: Value =
            serde_json::from_str(&read(&fixture(&format!("docs/{name}")))).expect("example");
        for (key, value) in example.as_object().expect("object") {
            if value.is_null() {
                assert!(body.get(key).is_some(), "{key} (null in {name}) is missing");
            }
        }
    }
    simulator.shutdown().await;
}

/// A request still being handled when the simulator stops gets the grace period, then its
/// connection is closed: shutdown never waits longer.
#[tokio::test]
async fn shutdown_cuts_off_a_handler_after_the_grace_period() {
    let config = Config::default().with_shutdown_grace(Duration::from_millis(300)).with_fault(
        &operations::LIST_MACHINE_ACTIONS,
        FaultRule::new().with_latency(Duration::from_secs(60)),
    );
    let simulator = Simulator::start(config).await.expect("start");
    let url = format!("{}/api/machineactions", simulator.base_url());
    let request = reqwest::Client::new().get(url).bearer_auth(simulator.token()).send();
    let pending = tokio::spawn(request);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(5), simulator.shutdown()).await.expect("bounded");
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(250), "the handler got its grace: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert!(pending.await.expect("task").is_err(), "the connection was closed unanswered");
}

#[tokio::test]
async fn machine_lookups_answer_from_the_simulated_fleet() {
    let simulator = Simulator::start(Config::default().with_page_size(4)).await.expect("start");
    let client = client(&simulator);
    let fleet = simulator.machines();

    // Listing pages through next links and returns every device, onboarded, in fleet order.
    let all = client.list_machines().into_pager().collect_all().await.expect("list");
    let ids: Vec<&str> = all.iter().map(|m| m.id.as_str()).collect();
    let expected: Vec<&str> = fleet.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, expected);
    assert!(all.iter().all(|m| m.onboarding_status == Some(OnboardingStatus::Onboarded)));
    let page = client.list_machines().top(2).skip(1).await.expect("page");
    assert_eq!(page.value.len(), 2);
    assert_eq!(page.value[0].id, fleet[1].id);
    let one = client
        .list_machines()
        .filter(mde_machine_actions::MachineFilter::id().eq(fleet[0].id.clone()))
        .await
        .expect("filtered listing");
    let ids: Vec<&str> = one.value.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, vec![fleet[0].id.as_str()]);

    // By id, with the entity context the real service sends.
    let machine = client.get_machine(&fleet[0].id).await.expect("get");
    assert_eq!(machine.computer_dns_name.as_deref(), Some(fleet[0].computer_dns_name.as_str()));
    assert!(
        machine
            .extra
            .get("@odata.context")
            .and_then(Value::as_str)
            .is_some_and(|c| c.ends_with("#Machines/$entity")),
        "{:?}",
        machine.extra
    );
    let missing = client.get_machine(&MachineId::from("nope")).await.expect_err("404");
    assert_eq!(missing.error_code(), Some(ErrorCode::ResourceNotFound));

    // By IP: the device's simulated address, within the past 30 days only.
    let ip = machine.last_ip_address.clone().expect("an address");
    let now = mde_machine_actions::Timestamp::now();
    let found = client.find_machines_by_ip(&ip, now.clone()).await.expect("find by ip");
    assert_eq!(found.value.iter().map(|m| &m.id).collect::<Vec<_>>(), [&fleet[0].id]);
    let old = now - Duration::from_secs(31 * 24 * 60 * 60);
    let error = client.find_machines_by_ip(&ip, old).await.expect_err("too old");
    assert_eq!(error.error_code(), Some(ErrorCode::InvalidInput));

    // By tag: every device carrying it, whatever the case.
    let tag = fleet[0].machine_tags[0].to_ascii_lowercase();
    let tagged = client.find_machines_by_tag(&tag).await.expect("find by tag").value;
    let expected =
        fleet.iter().filter(|m| m.machine_tags.iter().any(|t| t.eq_ignore_ascii_case(&tag)));
    assert_eq!(tagged.len(), expected.count());
    assert!(tagged.iter().any(|m| m.id == fleet[0].id));
    simulator.shutdown().await;
}
