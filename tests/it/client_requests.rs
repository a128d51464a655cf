//! The client sends exactly the requests Microsoft documents, and reads the answers right.
//!
//! Each of the 14 methods runs against a local wiremock server: the one request it sends must
//! have the documented verb, path (with the documented casing), query, `Authorization` and
//! `Content-Type` headers and a JSON body equal to the documented example in
//! `tests/fixtures/docs/*-request.json` (built with the generated constructors, not read from
//! the fixture). The server answers with the documented response where one exists, and the test
//! checks what the method returns. Further tests cover path and query encoding, the typed and
//! raw `$filter`, the `$top` cap, the mapping of error answers to [`Error`], and the refusal to
//! send a bearer token over plain http to another machine.

use mde_machine_actions::client::{ListMachineActions, MachineActionFilter};
use mde_machine_actions::models::{
    CancelMachineActionRequest, CollectInvestigationPackageRequest, CommandParam, CommandStatus,
    ErrorCode, FileIdentifierType, IsolateRequest, IsolationType, LiveResponseCommand,
    LiveResponseCommandType, MachineAction, MachineActionId, MachineActionStatus,
    MachineActionType, MachineId, OffboardRequest, RestrictCodeExecutionRequest,
    RunAntiVirusScanRequest, RunLiveResponseRequest, ScanType, StopAndQuarantineFileRequest,
    UnisolateRequest, UnrestrictCodeExecutionRequest,
};
use mde_machine_actions::{Client, Error, Filter, ServiceErrorExt as _, StatusCode, Timestamp};
use mde_runtime::__private::SNIPPET_LIMIT;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TEST_TOKEN, action_json, client_for, docs_json, docs_text};

/// The 40-character device id of Microsoft's action examples.
const MACHINE: &str = "1e5bc9d7e413ddd7902c2932e418702b84d0cc07";
/// The action id of the live examples of get, get-live-response-result and cancel.
const ACTION: &str = "aaaabbbb-0000-cccc-1111-dddd2222eeee";
/// The device id of the list examples.
const LISTED_MACHINE: &str = "f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f";

/// One documented request: what the server must receive.
struct Expected<'a> {
    verb: &'static str,
    /// The raw (percent-encoded) path.
    path: &'a str,
    /// The decoded query parameters, in order; empty for no query string at all.
    query: &'a [(&'a str, &'a str)],
    /// The JSON body (POST), or `None` for no body at all (GET).
    body: Option<Value>,
}

impl<'a> Expected<'a> {
    fn get(path: &'a str) -> Self {
        Self { verb: "GET", path, query: &[], body: None }
    }

    /// A POST whose body is the documented example `tests/fixtures/docs/<fixture>`.
    fn post(path: &'a str, fixture: &str) -> Self {
        Self { verb: "POST", path, query: &[], body: Some(docs_json(fixture)) }
    }
}

/// Starts a server that answers `status` with `body` (sent verbatim as JSON) to a request that
/// matches `expected` in every respect wiremock can check, and fails verification otherwise.
async fn serve(expected: &Expected<'_>, status: u16, body: &str) -> MockServer {
    let server = MockServer::start().await;
    let mut mock = Mock::given(method(expected.verb))
        .and(path(expected.path))
        .and(header("authorization", format!("Bearer {TEST_TOKEN}").as_str()));
    for (key, value) in expected.query {
        mock = mock.and(query_param(*key, *value));
    }
    if let Some(json) = &expected.body {
        mock = mock.and(header("content-type", "application/json")).and(body_json(json));
    }
    mock.respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
        .expect(1)
        .named(format!("{} {}", expected.verb, expected.path))
        .mount(&server)
        .await;
    server
}

/// Asserts that `server` received exactly one request, and that it is `expected` exactly:
/// verb, raw path, query, token, content type and body.
async fn assert_sent(server: &MockServer, expected: &Expected<'_>) {
    let requests = server.received_requests().await.expect("request recording is on");
    assert_eq!(requests.len(), 1, "expected exactly one request, got {requests:#?}");
    let request = &requests[0];
    let what = format!("{} {}", request.method, request.url);
    assert_eq!(request.method.as_str(), expected.verb, "{what}");
    assert_eq!(request.url.path(), expected.path, "{what}");
    let query: Vec<(String, String)> =
        request.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let want: Vec<(String, String)> =
        expected.query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    assert_eq!(query, want, "{what}: query");
    if expected.query.is_empty() {
        assert_eq!(request.url.query(), None, "{what}: no query string at all");
    }
    assert_eq!(
        header_values(request, "authorization"),
        [format!("Bearer {TEST_TOKEN}")],
        "{what}: exactly one Authorization header"
    );
    match &expected.body {
        Some(json) => {
            assert_eq!(
                header_values(request, "content-type"),
                ["application/json"],
                "{what}: Content-Type"
            );
            let sent: Value = serde_json::from_slice(&request.body).unwrap_or_else(|e| {
                panic!("{what}: body is not JSON ({e}): {}", String::from_utf8_lossy(&request.body))
            });
            assert_eq!(&sent, json, "{what}: body");
        }
        None => {
            assert!(request.body.is_empty(), "{what}: a GET has no body");
            assert!(header_values(request, "content-type").is_empty(), "{what}: no Content-Type");
        }
    }
}

fn header_values(request: &wiremock::Request, name: &str) -> Vec<String> {
    request
        .headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().expect("header is text").to_owned())
        .collect()
}

/// `result`, or a panic naming the method and the error.
#[track_caller]
fn ok<T>(name: &str, result: Result<T, Error>) -> T {
    result.unwrap_or_else(|e| panic!("{name} failed: {e} ({e:?})"))
}

/// Checks the fields an action method's answer must carry (see [`action_json`]).
#[track_caller]
fn assert_action(action: &MachineAction, id: &str, kind: MachineActionType, status: &str) {
    assert_eq!(action.id.as_str(), id);
    assert_eq!(action.r#type, kind);
    assert_eq!(action.status.as_str(), status);
    assert!(action.status.is_known(), "{status} is a documented status");
    assert_eq!(action.machine_id.as_ref().map(MachineId::as_str), Some(MACHINE));
    assert_eq!(action.requestor.as_deref(), Some("Analyst@contoso.com"));
    assert_eq!(action.creation_date_time_utc.as_str(), "2019-01-02T14:39:38.2262283Z");
    assert_eq!(
        action.last_update_date_time_utc.as_ref().map(Timestamp::as_str),
        Some("2019-01-02T14:40:44.6596267Z")
    );
    assert_eq!(action.related_file_info, None);
}

// ---------------------------------------------------------------------------------------------
// The 14 methods, each with its documented request.
// ---------------------------------------------------------------------------------------------

/// Example 1 of get-machineactions-collection: no query, three actions.
#[tokio::test]
async fn list_machine_actions_sends_the_documented_request_example_1() {
    let expected = Expected::get("/api/machineactions");
    let server =
        serve(&expected, 200, &docs_text("get-machineactions-collection-response-1.json")).await;
    let client = client_for(&server.uri());
    let page = ok("list", client.list_machine_actions().await);
    assert_sent(&server, &expected).await;

    let ids: Vec<&str> = page.value.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "69dc3630-1ccc-4342-acf3-35286eec741d",
            "2e9da30d-27f6-4208-81f2-9cd3d67893ba",
            "44cffc15-0e3d-4cbf-96aa-bf76f9b27f5e"
        ]
    );
    let types: Vec<&MachineActionType> = page.value.iter().map(|a| &a.r#type).collect();
    assert_eq!(
        types,
        [
            &MachineActionType::CollectInvestigationPackage,
            &MachineActionType::RunAntiVirusScan,
            &MachineActionType::StopAndQuarantineFile
        ]
    );
    assert!(page.value.iter().all(|a| a.status == MachineActionStatus::Succeeded));
    assert_eq!(page.value[1].scope.as_deref(), Some("Full"));
    // The collection examples say `lastUpdateTimeUtc`; the model reads it as the update time.
    assert_eq!(
        page.value[0].last_update_date_time_utc.as_ref().map(Timestamp::as_str),
        Some("2018-12-04T12:45:25.4049122Z")
    );
    let file = page.value[2].related_file_info.as_ref().expect("relatedFileInfo of item 3");
    assert_eq!(file.file_identifier, "a0c659857ccbe457fdaf5fe21d54efdcbf6f6508");
    assert_eq!(file.file_identifier_type, FileIdentifierType::Sha1);
    assert_eq!(
        page.odata_context.as_deref(),
        Some("https://api.security.microsoft.com/api/$metadata#MachineActions")
    );
    assert_eq!(page.odata_next_link, None);
}

/// Example 2 of get-machineactions-collection:
/// `$filter=machineId eq 'f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f'&$top=2`.
#[tokio::test]
async fn list_machine_actions_sends_the_documented_request_example_2() {
    let filter = format!("machineId eq '{LISTED_MACHINE}'");
    let expected = Expected {
        query: &[("$filter", filter.as_str()), ("$top", "2")],
        ..Expected::get("/api/machineactions")
    };
    let server =
        serve(&expected, 200, &docs_text("get-machineactions-collection-response-2.json")).await;
    let client = client_for(&server.uri());
    let call = client
        .list_machine_actions()
        .filter(MachineActionFilter::machine_id().eq(LISTED_MACHINE))
        .top(2);
    let page = ok("list", call.await);
    assert_sent(&server, &expected).await;

    assert_eq!(page.value.len(), 2);
    assert!(
        page.value
            .iter()
            .all(|a| a.machine_id.as_ref().map(MachineId::as_str) == Some(LISTED_MACHINE))
    );
    assert_eq!(page.value[0].id.as_str(), "69dc3630-1ccc-4342-acf3-35286eec741d");
    assert_eq!(page.value[1].id.as_str(), "2e9da30d-27f6-4208-81f2-9cd3d67893ba");
}

#[tokio::test]
async fn get_machine_action_sends_the_documented_request() {
    let path = format!("/api/machineactions/{ACTION}");
    let expected = Expected::get(&path);
    let server = serve(&expected, 200, &docs_text("get-machineaction-object-response.json")).await;
    let client = client_for(&server.uri());
    let action = ok("get", client.get_machine_action(&MachineActionId::from(ACTION)).await);
    assert_sent(&server, &expected).await;

    // The documented answer carries another id than the one asked for; it is returned as sent.
    assert_eq!(action.id.as_str(), "5382f7ea-7557-4ab7-9782-d50480024a4e");
    assert_eq!(action.r#type, MachineActionType::Isolate);
    assert_eq!(action.scope.as_deref(), Some("Selective"));
    assert_eq!(action.requestor.as_deref(), Some("Analyst@TestPrd.onmicrosoft.com"));
    assert_eq!(action.requestor_comment.as_deref(), Some("test for docs"));
    assert_eq!(action.status, MachineActionStatus::Succeeded);
    assert_eq!(
        action.machine_id.as_ref().map(MachineId::as_str),
        Some("7b1f4967d9728e5aa3c06a9e617a22a4a5a17378")
    );
    assert_eq!(action.computer_dns_name.as_deref(), Some("desktop-test"));
    assert_eq!(action.creation_date_time_utc.as_str(), "2019-01-02T14:39:38.2262283Z");
    assert_eq!(
        action.last_update_date_time_utc.as_ref().map(Timestamp::as_str),
        Some("2019-01-02T14:40:44.6596267Z")
    );
    assert_eq!(action.related_file_info, None);
    assert!(action.extra.get("@odata.context").is_some(), "the OData context is kept");
}

#[tokio::test]
async fn collect_investigation_package_sends_the_documented_request() {
    let machine = "fb9ab6be3965095a09c057be7c90f0a2";
    let path = format!("/api/machines/{machine}/collectInvestigationPackage");
    let expected = Expected::post(&path, "collect-investigation-package-request.json");
    let mut answer = action_json("c1", "CollectInvestigationPackage", "Pending", MACHINE);
    answer["machineId"] = json!(machine);
    let server = serve(&expected, 201, &answer.to_string()).await;
    let client = client_for(&server.uri());
    let body = CollectInvestigationPackageRequest::new("Collect forensics due to alert 1234");
    let action =
        ok("collect", client.collect_investigation_package(&MachineId::from(machine), &body).await);
    assert_sent(&server, &expected).await;
    assert_eq!(action.id.as_str(), "c1");
    assert_eq!(action.r#type, MachineActionType::CollectInvestigationPackage);
    assert_eq!(action.status, MachineActionStatus::Pending);
    assert_eq!(action.machine_id.as_ref().map(MachineId::as_str), Some(machine));
}

/// The documented package link is a URL wrapped in literal double quotes inside the JSON
/// string; the client strips them and never shows the token.
#[tokio::test]
async fn get_package_uri_sends_the_documented_request() {
    let id = "7327b54fd718525cbca07dacde913b5ac3c85673";
    let path = format!("/api/machineactions/{id}/GetPackageUri");
    let expected = Expected::get(&path);
    let server = serve(&expected, 200, &docs_text("get-package-sas-uri-response.json")).await;
    let client = client_for(&server.uri());
    let link = ok("getPackageUri", client.get_package_uri(&MachineActionId::from(id)).await);
    assert_sent(&server, &expected).await;

    let documented = docs_json("get-package-sas-uri-response.json")["value"]
        .as_str()
        .expect("value is a string")
        .to_owned();
    let unquoted = documented
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .expect("the documented value is quoted");
    let url = link.url().as_str();
    assert!(!url.contains('"'), "quotes are stripped: {url}");
    // The URL parser drops the default port `:443`; everything else is kept byte for byte.
    assert_eq!(url, unquoted.replacen(":443/", "/", 1));
    assert_eq!(link.host(), "userrequests-us.securitycenter.windows.com");
    assert_eq!(link.url().path(), "/safedownload/WDATP_Investigation_Package.zip");
    let token = unquoted.split_once("?token=").expect("the link has a token").1;
    assert_eq!(link.url().query(), Some(format!("token={token}").as_str()));

    let shown = format!("{link:?} {link}");
    assert!(!shown.contains("token="), "{shown}");
    assert!(!shown.contains(&token[..20]), "{shown}");
    assert_eq!(
        format!("{link:?}"),
        "DownloadLink(https://userrequests-us.securitycenter.windows.com/safedownload/WDATP_Investigation_Package.zip?<redacted>)"
    );
}

#[tokio::test]
async fn isolate_machine_sends_the_documented_request() {
    let path = format!("/api/machines/{MACHINE}/isolate");
    let expected = Expected::post(&path, "isolate-machine-request.json");
    let mut answer = action_json("i1", "Isolate", "Pending", MACHINE);
    answer["scope"] = json!("Full");
    let server = serve(&expected, 201, &answer.to_string()).await;
    let client = client_for(&server.uri());
    let body = IsolateRequest::new("Isolate machine due to alert 1234")
        .with_isolation_type(IsolationType::Full);
    let action = ok("isolate", client.isolate_machine(&MachineId::from(MACHINE), &body).await);
    assert_sent(&server, &expected).await;
    assert_action(&action, "i1", MachineActionType::Isolate, "Pending");
    assert_eq!(action.scope.as_deref(), Some("Full"));
}

#[tokio::test]
async fn unisolate_machine_sends_the_documented_request() {
    let path = format!("/api/machines/{MACHINE}/unisolate");
    let expected = Expected::post(&path, "unisolate-machine-request.json");
    let answer = action_json("u1", "Unisolate", "Pending", MACHINE);
    let server = serve(&expected, 201, &answer.to_string()).await;
    let client = client_for(&server.uri());
    let body = UnisolateRequest::new("Unisolate machine since it was clean and validated");
    let action = ok("unisolate", client.unisolate_machine(&MachineId::from(MACHINE), &body).await);
    assert_sent(&server, &expected).await;
    assert_action(&action, "u1", MachineActionType::Unisolate, "Pending");
}

#[tokio::test]
async fn restrict_code_execution_sends_the_documented_request() {
    let path = format!("/api/machines/{MACHINE}/restrictCodeExecution");
    let expected = Expected::post(&path, "restrict-code-execution-request.json");
    let answer = action_json("r1", "RestrictCodeExecution", "InProgress", MACHINE);
    let server = serve(&expected, 201, &answer.to_string()).await;
    let client = client_for(&server.uri());
    let body = RestrictCodeExecutionRequest::new("Restrict code execution due to alert 1234");
    let action =
        ok("restrict", client.restrict_code_execution(&MachineId::from(MACHINE), &body).await);
    assert_sent(&server, &expected).await;
    assert_action(&action, "r1", MachineActionType::RestrictCodeExecution, "InProgress");
}

#[tokio::test]
async fn unrestrict_code_execution_sends_the_documented_request() {
    let path = format!("/api/machines/{MACHINE}/unrestrictCodeExecution");
    let expected = Expected::post(&path, "unrestrict-code-execution-request.json");
    let answer = action_json("r2", "UnrestrictCodeExecution", "Pending", MACHINE);
    let server = serve(&expected, 201, &answer.to_string()).await;
    let client = client_for(&server.uri());
    let body = UnrestrictCodeExecutionRequest::new(
        "Unrestrict code execution since machine was cleaned and validated",
    );
    let action =
        ok("unrestrict", client.unrestrict_code_execution(&MachineId::from(MACHINE), &body).await);
    assert_sent(&server, &expected).await;
    assert_action(&action, "r2", MachineActionType::UnrestrictCodeExecution, "Pending");
}

#[tokio::test]
async fn run_anti_virus_scan_sends_the_documented_request() {
    let path = format!("/api/machines/{MACHINE}/runAntiVirusScan");
    let expected = Expected::post(&path, "run-av-scan-request.json");
    let mut answer = action_json("s1", "RunAntiVirusScan", "Pending", MACHINE);
    answer["scope"] = json!("Full");
    let server = serve(&expected, 201, &answer.to_string()).await;
    let client = client_for(&server.uri());
    let body =
        RunAntiVirusScanRequest::new("Check machine for viruses due to alert 3212", ScanType::Full);
    let action = ok("scan", client.run_anti_virus_scan(&MachineId::from(MACHINE), &body).await);
    assert_sent(&server, &expected).await;
    assert_action(&action, "s1", MachineActionType::RunAntiVirusScan, "Pending");
    assert_eq!(action.scope.as_deref(), Some("Full"));
}

/// The offboard page documents "200 - Created"; the spec accepts 200 and 201.
#[tokio::test]
async fn offboard_machine_sends_the_documented_request() {
    for status in [201, 200] {
        let path = format!("/api/machines/{MACHINE}/offboard");
        let expected = Expected::post(&path, "offboard-machine-api-request.json");
        let answer = action_json("o1", "Offboard", "Pending", MACHINE);
        let server = serve(&expected, status, &answer.to_string()).await;
        let client = client_for(&server.uri());
        let body = OffboardRequest::new("Offboard machine by automation");
        let action =
            ok("offboard", client.offboard_machine(&MachineId::from(MACHINE), &body).await);
        assert_sent(&server, &expected).await;
        assert_action(&action, "o1", MachineActionType::Offboard, "Pending");
    }
}

#[tokio::test]
async fn stop_and_quarantine_file_sends_the_documented_request() {
    let sha1 = "87662bc3d60e4200ceaf7aae249d1c343f4b83c9";
    let path = format!("/api/machines/{MACHINE}/StopAndQuarantineFile");
    let expected = Expected::post(&path, "stop-and-quarantine-file-request.json");
    let mut answer = action_json("q1", "StopAndQuarantineFile", "Pending", MACHINE);
    answer["relatedFileInfo"] = json!({"fileIdentifier": sha1, "fileIdentifierType": "Sha1"});
    let server = serve(&expected, 201, &answer.to_string()).await;
    let client = client_for(&server.uri());
    let body = StopAndQuarantineFileRequest::new(
        "Stop and quarantine file on machine due to alert 441688558380765161_2136280442",
        sha1,
    );
    let action =
        ok("quarantine", client.stop_and_quarantine_file(&MachineId::from(MACHINE), &body).await);
    assert_sent(&server, &expected).await;
    assert_eq!(action.id.as_str(), "q1");
    assert_eq!(action.r#type, MachineActionType::StopAndQuarantineFile);
    let file = action.related_file_info.expect("relatedFileInfo");
    assert_eq!(file.file_identifier, sha1);
    assert_eq!(file.file_identifier_type, FileIdentifierType::Sha1);
}

/// The documented live response request; the live page answers 201, the repo page 200.
#[tokio::test]
async fn run_live_response_sends_the_documented_request() {
    for status in [201, 200] {
        let path = format!("/api/machines/{MACHINE}/runliveresponse");
        let expected = Expected::post(&path, "run-live-response-request.json");
        let server = serve(&expected, status, &docs_text("run-live-response-response.json")).await;
        let client = client_for(&server.uri());
        let body = RunLiveResponseRequest::new(
            vec![
                LiveResponseCommand::new(
                    LiveResponseCommandType::RunScript,
                    vec![
                        CommandParam::new("ScriptName", "minidump.ps1"),
                        CommandParam::new("Args", "OfficeClickToRun"),
                    ],
                ),
                LiveResponseCommand::new(
                    LiveResponseCommandType::GetFile,
                    vec![CommandParam::new("Path", r"C:\windows\TEMP\OfficeClickToRun.dmp.zip")],
                ),
            ],
            "Testing Live Response API",
        );
        let action =
            ok("live response", client.run_live_response(&MachineId::from(MACHINE), &body).await);
        assert_sent(&server, &expected).await;

        assert_eq!(action.id.as_str(), "{machine_action_id}");
        assert_eq!(action.r#type, MachineActionType::LiveResponse);
        assert_eq!(action.status, MachineActionStatus::Pending);
        assert_eq!(action.requestor_comment.as_deref(), Some("Testing Live Response API"));
        assert_eq!(action.error_h_result, Some(0));
        let commands = action.commands.expect("commands");
        assert_eq!(commands.len(), 2);
        for (i, (entry, sent)) in commands.iter().zip(&body.commands).enumerate() {
            assert_eq!(entry.index, Some(i as i32));
            assert_eq!(entry.command_status, CommandStatus::Created);
            assert_eq!(entry.start_time, None);
            assert_eq!(entry.errors.as_deref(), Some(&[][..]));
            assert_eq!(&entry.command, sent, "command {i} is echoed back");
        }
    }
}

#[tokio::test]
async fn get_live_response_result_download_link_sends_the_documented_request() {
    let path = format!("/api/machineactions/{ACTION}/GetLiveResponseResultDownloadLink(index=0)");
    let expected = Expected::get(&path);
    let server = serve(&expected, 200, &docs_text("get-live-response-result-response.json")).await;
    let client = client_for(&server.uri());
    let link = ok(
        "result link",
        client.get_live_response_result_download_link(&MachineActionId::from(ACTION), 0).await,
    );
    assert_sent(&server, &expected).await;

    let documented = docs_json("get-live-response-result-response.json");
    assert_eq!(Some(link.url().as_str()), documented["value"].as_str());
    assert_eq!(link.host(), "core.windows.net");
    assert_eq!(
        link.expires_at().map(|t| t.as_str().to_owned()).as_deref(),
        Some("2021-02-04T16:13:50Z")
    );
    let shown = format!("{link:?} {link}");
    assert!(!shown.contains("sig="), "{shown}");
    assert!(!shown.contains("1dYGe9rPvUlXBPvYSmr6"), "{shown}");
    assert!(shown.contains("?<redacted>"), "{shown}");
}

/// The index is part of the OData function call, for any command index.
#[tokio::test]
async fn get_live_response_result_download_link_puts_the_index_in_the_path() {
    let path = format!("/api/machineactions/{ACTION}/GetLiveResponseResultDownloadLink(index=12)");
    let expected = Expected::get(&path);
    let server = serve(&expected, 200, &docs_text("get-live-response-result-response.json")).await;
    let client = client_for(&server.uri());
    ok(
        "result link",
        client.get_live_response_result_download_link(&MachineActionId::from(ACTION), 12).await,
    );
    assert_sent(&server, &expected).await;
}

/// Cancel answers 200 (not 201) with the updated action.
#[tokio::test]
async fn cancel_machine_action_sends_the_documented_request() {
    let path = format!("/api/machineactions/{ACTION}/cancel");
    let expected = Expected::post(&path, "cancel-machine-action-request.json");
    let mut answer = action_json(ACTION, "Isolate", "Cancelled", MACHINE);
    answer["cancellationRequestor"] = json!("Analyst@contoso.com");
    answer["cancellationComment"] = json!("Machine action was canceled by automation");
    answer["cancellationDateTimeUtc"] = json!("2019-01-02T14:41:00.1234567Z");
    let server = serve(&expected, 200, &answer.to_string()).await;
    let client = client_for(&server.uri());
    let body = CancelMachineActionRequest::new("Machine action was canceled by automation");
    let action =
        ok("cancel", client.cancel_machine_action(&MachineActionId::from(ACTION), &body).await);
    assert_sent(&server, &expected).await;
    assert_action(&action, ACTION, MachineActionType::Isolate, "Cancelled");
    assert_eq!(action.status, MachineActionStatus::Cancelled);
    assert_eq!(
        action.cancellation_comment.as_deref(),
        Some("Machine action was canceled by automation")
    );
    assert_eq!(
        action.cancellation_date_time_utc.as_ref().map(Timestamp::as_str),
        Some("2019-01-02T14:41:00.1234567Z")
    );
}

// ---------------------------------------------------------------------------------------------
// Path and query encoding.
// ---------------------------------------------------------------------------------------------

/// An id with characters that mean something in a URL.
const AWKWARD_ID: &str = "a/b?c#d%e f'g";
/// [`AWKWARD_ID`] as one percent-encoded path segment.
const AWKWARD_SEGMENT: &str = "a%2Fb%3Fc%23d%25e%20f%27g";

/// Sends one request with `call` to a server that answers everything with `status` and `body`,
/// and returns the raw path and query of what arrived.
async fn raw_target<F, Fut, T>(status: u16, body: &str, call: F) -> (String, Option<String>)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let result = call(client_for(&server.uri())).await;
    let requests = server.received_requests().await.expect("request recording is on");
    assert_eq!(requests.len(), 1, "{requests:#?}");
    if let Err(error) = result {
        panic!("{} {} failed: {error} ({error:?})", requests[0].method, requests[0].url);
    }
    (requests[0].url.path().to_owned(), requests[0].url.query().map(str::to_owned))
}

#[tokio::test]
async fn ids_reach_the_server_as_one_percent_encoded_segment() {
    let machine = MachineId::from(AWKWARD_ID);
    let action_id = MachineActionId::from(AWKWARD_ID);
    let action = action_json("x", "Isolate", "Pending", MACHINE).to_string();
    let link = docs_text("get-live-response-result-response.json");
    let seg = AWKWARD_SEGMENT;

    let cases: Vec<(String, (String, Option<String>))> = vec![
            (
                format!("/api/machines/{seg}/isolate"),
                raw_target(201, &action, |c| async move {
                    c.isolate_machine(&machine, &IsolateRequest::new("c")).await
                })
                .await,
            ),
            (
                format!("/api/machines/{seg}/runliveresponse"),
                raw_target(201, &action, |c| {
                    let machine = MachineId::from(AWKWARD_ID);
                    async move {
                        c.run_live_response(&machine, &RunLiveResponseRequest::new(vec![], "c"))
                            .await
                    }
                })
                .await,
            ),
            (
                format!("/api/machineactions/{seg}"),
                raw_target(200, &action, |c| {
                    let id = action_id.clone();
                    async move { c.get_machine_action(&id).await }
                })
                .await,
            ),
            (
                format!("/api/machineactions/{seg}/cancel"),
                raw_target(200, &action, |c| {
                    let id = action_id.clone();
                    async move {
                        c.cancel_machine_action(&id, &CancelMachineActionRequest::new("c")).await
                    }
                })
                .await,
            ),
            (
                format!("/api/machineactions/{seg}/GetPackageUri"),
                raw_target(200, &link, |c| {
                    let id = action_id.clone();
                    async move { c.get_package_uri(&id).await }
                })
                .await,
            ),
            (
                format!("/api/machineactions/{seg}/GetLiveResponseResultDownloadLink(index=1)"),
                raw_target(200, &link, |c| {
                    let id = action_id.clone();
                    async move { c.get_live_response_result_download_link(&id, 1).await }
                })
                .await,
            ),
        ];
    for (want, (got_path, got_query)) in cases {
        assert_eq!(got_path, want);
        assert_eq!(got_query, None, "{want}: nothing of the id leaks into a query string");
    }
}

/// Non-ASCII ids are sent as UTF-8, percent-encoded.
#[tokio::test]
async fn non_ascii_ids_are_percent_encoded_as_utf8() {
    let action = action_json("x", "Isolate", "Pending", MACHINE).to_string();
    let (path, _) = raw_target(200, &action, |c| async move {
        c.get_machine_action(&MachineActionId::from("é+ü")).await
    })
    .await;
    assert_eq!(path, "/api/machineactions/%C3%A9%2B%C3%BC");
}

/// `.` and `..` (and the empty id) cannot be one path segment: a URL parser folds them away
/// (`/api/machineactions/..` is `/api/`), so the request would go to another operation. The
/// client must refuse such an id without sending anything.
#[tokio::test]
async fn ids_that_cannot_be_a_path_segment_are_refused() {
    let action = action_json("x", "Isolate", "Pending", MACHINE).to_string();
    let mut wrong = Vec::new();
    for id in [".", "..", ""] {
        for operation in ["isolateMachine", "getMachineAction", "cancelMachineAction"] {
            let server = MockServer::start().await;
            Mock::given(wiremock::matchers::any())
                .respond_with(
                    ResponseTemplate::new(200).set_body_raw(action.as_str(), "application/json"),
                )
                .mount(&server)
                .await;
            let client = client_for(&server.uri());
            let result = match operation {
                "isolateMachine" => {
                    client.isolate_machine(&MachineId::from(id), &IsolateRequest::new("c")).await
                }
                "getMachineAction" => client.get_machine_action(&MachineActionId::from(id)).await,
                _ => {
                    let body = CancelMachineActionRequest::new("c");
                    client.cancel_machine_action(&MachineActionId::from(id), &body).await
                }
            };
            let requests = server.received_requests().await.expect("request recording is on");
            let refused = matches!(
                &result,
                Err(Error::InvalidRequest(invalid)) if invalid.operation == operation
            );
            if !(refused && requests.is_empty()) {
                let sent: Vec<String> =
                    requests.iter().map(|r| format!("{} {}", r.method, r.url.path())).collect();
                let outcome = match &result {
                    Ok(_) => "Ok".to_owned(),
                    Err(error) => error.to_string(),
                };
                wrong.push(format!("{operation}({id:?}): sent {sent:?}, returned {outcome}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "expected Error::InvalidRequest and no request for every id that is not a path segment:\n{}",
        wrong.join("\n")
    );
}

/// Sends the `list_machine_actions` call that `set` configures and returns the decoded query
/// pairs and the raw query string the server received.
async fn sent_list_query(
    set: impl for<'a> FnOnce(ListMachineActions<'a>) -> ListMachineActions<'a>,
) -> (Vec<(String, String)>, String) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/machineactions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let page = ok("list", set(client.list_machine_actions()).await);
    assert!(page.value.is_empty());
    let requests = server.received_requests().await.expect("request recording is on");
    assert_eq!(requests.len(), 1);
    let url = &requests[0].url;
    let pairs = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    (pairs, url.query().unwrap_or_default().to_owned())
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[tokio::test]
async fn filter_literals_with_quotes_are_escaped() {
    let (sent, raw) =
        sent_list_query(|call| call.filter(MachineActionFilter::requestor().eq("O'Brien"))).await;
    assert_eq!(sent, pairs(&[("$filter", "requestor eq 'O''Brien'")]));
    assert!(!raw.contains(' '), "spaces are encoded: {raw}");
}

/// Characters with a meaning in a query string (`&`, `=`, `+`, `#`, `%`) are encoded inside a
/// literal, so the service reads back the literal the caller wrote.
#[tokio::test]
async fn filter_literals_with_query_delimiters_survive() {
    let nasty = "a&b=c+d#e%20f;g";
    let (sent, _) =
        sent_list_query(|call| call.filter(MachineActionFilter::requestor().eq(nasty))).await;
    assert_eq!(sent, pairs(&[("$filter", &format!("requestor eq '{nasty}'"))]));
}

#[tokio::test]
async fn top_above_the_documented_maximum_is_capped() {
    let (sent, _) = sent_list_query(|call| call.top(20_000)).await;
    assert_eq!(sent, pairs(&[("$top", "10000")]));
    let (sent, _) = sent_list_query(|call| call.top(10_000)).await;
    assert_eq!(sent, pairs(&[("$top", "10000")]));
    let (sent, _) = sent_list_query(|call| call.top(0)).await;
    assert_eq!(sent, pairs(&[("$top", "1")]), "the documented minimum is 1");
    let (sent, _) = sent_list_query(|call| call.skip(-5)).await;
    assert_eq!(sent, pairs(&[("$skip", "0")]));
}

#[tokio::test]
async fn typed_filters_reach_the_server_as_odata_text() {
    let since: Timestamp = "2024-01-01T00:00:00Z".parse().expect("timestamp");
    let filter = MachineActionFilter::r#type().eq(MachineActionType::Isolate)
        & MachineActionFilter::status()
            .is_in([MachineActionStatus::Pending, MachineActionStatus::InProgress])
        & MachineActionFilter::creation_date_time_utc().ge(since);
    let (sent, _) = sent_list_query(|call| call.filter(filter).top(50).skip(100)).await;
    assert_eq!(
        sent,
        pairs(&[
            (
                "$filter",
                "type eq 'Isolate' and status in ('Pending','InProgress') \
                 and creationDateTimeUtc ge 2024-01-01T00:00:00Z"
            ),
            ("$top", "50"),
            ("$skip", "100"),
        ])
    );
}

/// The documented OData sample (example 6) comes out of the typed builder letter for letter.
#[tokio::test]
async fn the_documented_filter_sample_is_reproduced_by_the_builder() {
    let filter = MachineActionFilter::requestor().eq("Analyst@contoso.com")
        & MachineActionFilter::r#type().eq(MachineActionType::RunAntiVirusScan);
    let (sent, _) = sent_list_query(|call| call.filter(filter)).await;
    assert_eq!(
        sent,
        pairs(&[("$filter", "requestor eq 'Analyst@contoso.com' and type eq 'RunAntiVirusScan'")])
    );
}

/// A `+` in a timestamp's offset must not turn into a space on the server.
#[tokio::test]
async fn timestamps_with_an_offset_keep_their_plus_sign() {
    let at: Timestamp = "2019-01-02T14:39:38.2262283+02:00".parse().expect("timestamp");
    let filter = MachineActionFilter::creation_date_time_utc().lt(at);
    let (sent, raw) = sent_list_query(|call| call.filter(filter)).await;
    assert_eq!(
        sent,
        pairs(&[("$filter", "creationDateTimeUtc lt 2019-01-02T14:39:38.2262283+02:00")])
    );
    assert!(raw.contains("%2B02:00"), "{raw}");
}

#[tokio::test]
async fn raw_filters_pass_through_verbatim() {
    let text = "startswith(requestor,'Analyst') or (machineId eq 'x' and status ne 'Failed')";
    let (sent, _) = sent_list_query(|call| call.filter(Filter::raw(text))).await;
    assert_eq!(sent, pairs(&[("$filter", text)]));
    // Combined with a typed filter it is parenthesised, and still verbatim inside.
    let combined =
        Filter::raw(text) & MachineActionFilter::status().eq(MachineActionStatus::Pending);
    let (sent, _) = sent_list_query(|call| call.filter(combined)).await;
    assert_eq!(sent, pairs(&[("$filter", &format!("({text}) and status eq 'Pending'"))]));
}

// ---------------------------------------------------------------------------------------------
// Error answers.
// ---------------------------------------------------------------------------------------------

/// Sends one request with `call` to a server that answers `status` with `body`, expects an
/// error, and checks that exactly one request was sent (none of these answers is retried).
async fn error_from<F, Fut, T>(status: u16, body: &str, call: F) -> Error
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
    T: std::fmt::Debug,
{
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let result = call(client_for(&server.uri())).await;
    let requests = server.received_requests().await.expect("request recording is on");
    assert_eq!(requests.len(), 1, "the answer is final, so there is exactly one request");
    result.expect_err("the call must fail")
}

#[tokio::test]
async fn an_active_live_response_session_is_already_in_progress() {
    let body = json!({"error": {
        "code": "ActiveRequestAlreadyExists",
        "message": "There is already an active live response session on this machine",
        "target": "6d1f8e3a-2b0c-4c11-9a55-0f1c2d3e4f50"
    }});
    let error = error_from(400, &body.to_string(), |c| async move {
        let body = RunLiveResponseRequest::new(vec![], "Testing Live Response API");
        c.run_live_response(&MachineId::from(MACHINE), &body).await
    })
    .await;
    assert!(error.is_already_in_progress(), "{error:?}");
    assert_eq!(error.error_code(), Some(ErrorCode::ActiveRequestAlreadyExists));
    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
    let api = error.api().expect("an API error");
    assert_eq!(api.operation, "runLiveResponse");
    assert_eq!(api.code.as_deref(), Some("ActiveRequestAlreadyExists"));
    assert_eq!(api.target.as_deref(), Some("6d1f8e3a-2b0c-4c11-9a55-0f1c2d3e4f50"));
}

#[tokio::test]
async fn action_is_already_in_progress_is_recognised_by_its_message() {
    let body = json!({"error": {
        "code": "BadRequest",
        "message": "Action is already in progress",
        "target": "0b7c9c54-3d3b-4e5f-8a8a-1f2e3d4c5b6a"
    }});
    let error = error_from(400, &body.to_string(), |c| async move {
        let body = UnisolateRequest::new("Unisolate machine since it was clean and validated");
        c.unisolate_machine(&MachineId::from(MACHINE), &body).await
    })
    .await;
    assert!(error.is_already_in_progress(), "{error:?}");
    assert_eq!(error.error_code(), Some(ErrorCode::BadRequest));
    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));

    // Another 400 is not "already in progress".
    let error = error_from(400, &docs_text("common-errors-response-2.json"), |c| async move {
        c.unisolate_machine(&MachineId::from(MACHINE), &UnisolateRequest::new("x")).await
    })
    .await;
    assert!(!error.is_already_in_progress(), "{error:?}");
    assert_eq!(error.error_code(), Some(ErrorCode::InvalidRequestBody));
}

#[tokio::test]
async fn not_found_carries_status_code_message_and_correlation_id() {
    let error = error_from(404, &docs_text("common-errors-response-1.json"), |c| async move {
        c.get_machine_action(&MachineActionId::from(ACTION)).await
    })
    .await;
    let Error::Api(api) = &error else { panic!("expected Error::Api, got {error:?}") };
    assert_eq!(api.operation, "getMachineAction");
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.code.as_deref(), Some("ResourceNotFound"));
    assert_eq!(api.message.as_deref(), Some("Machine 123123123 was not found"));
    assert_eq!(api.target.as_deref(), Some("43f4cb08-8fac-4b65-9db1-745c2ae65f3a"));
    assert_eq!(api.snippet, None, "the error envelope was understood");
    assert!(error.is_not_found());
    assert!(!error.is_already_in_progress());
    assert_eq!(error.error_code(), Some(ErrorCode::ResourceNotFound));
    let shown = error.to_string();
    assert!(
        shown.contains("404") && shown.contains("43f4cb08-8fac-4b65-9db1-745c2ae65f3a"),
        "{shown}"
    );
    assert!(!format!("{error} {error:?}").contains(TEST_TOKEN), "the token is never shown");
}

#[tokio::test]
async fn unknown_error_codes_are_kept() {
    let body = json!({"error": {"code": "TenantIsNotOnboarded", "message": "Onboard first"}});
    let error = error_from(403, &body.to_string(), |c| async move {
        c.cancel_machine_action(
            &MachineActionId::from(ACTION),
            &CancelMachineActionRequest::new("x"),
        )
        .await
    })
    .await;
    assert_eq!(error.status(), Some(StatusCode::FORBIDDEN));
    assert_eq!(error.error_code(), Some(ErrorCode::Unknown("TenantIsNotOnboarded".to_owned())));
    assert_eq!(error.api().and_then(|a| a.code.as_deref()), Some("TenantIsNotOnboarded"));
    assert_eq!(error.api().and_then(|a| a.message.as_deref()), Some("Onboard first"));
    assert!(!error.is_already_in_progress());
}

/// An error answer that is not the `{"error": {...}}` envelope keeps a snippet of the body.
#[tokio::test]
async fn error_bodies_without_the_envelope_keep_a_snippet() {
    let error = error_from(400, "Bad Request - Invalid Hostname", |c| async move {
        c.offboard_machine(&MachineId::from(MACHINE), &OffboardRequest::new("x")).await
    })
    .await;
    let api = error.api().expect("an API error");
    assert_eq!(api.code, None);
    assert_eq!(error.error_code(), None);
    assert_eq!(api.snippet.as_deref(), Some("Bad Request - Invalid Hostname"));
}

#[tokio::test]
async fn a_malformed_success_body_is_a_decode_error_with_the_body() {
    let body = r#"{"id": "5382f7ea", "type": "Isolate", "status": "#;
    let error = error_from(200, body, |c| async move {
        c.get_machine_action(&MachineActionId::from(ACTION)).await
    })
    .await;
    let Error::Decode { operation, status, message, snippet, .. } = &error else {
        panic!("expected Error::Decode, got {error:?}")
    };
    assert_eq!(*operation, "getMachineAction");
    assert_eq!(*status, StatusCode::OK);
    assert!(!message.is_empty());
    assert_eq!(snippet, body, "a short body is kept whole");
    assert_eq!(error.status(), Some(StatusCode::OK));
}

/// A large malformed body is cut to [`SNIPPET_LIMIT`] bytes plus an ellipsis.
#[tokio::test]
async fn decode_snippets_of_large_bodies_are_bounded() {
    let body = format!(r#"{{"value": [{}"#, r#"{"id": "x", "type": 7},"#.repeat(200));
    assert!(body.len() > 4 * SNIPPET_LIMIT);
    let error = error_from(200, &body, |c| async move { c.list_machine_actions().await }).await;
    let Error::Decode { snippet, .. } = &error else {
        panic!("expected Error::Decode, got {error:?}")
    };
    let kept =
        snippet.strip_suffix('…').unwrap_or_else(|| panic!("ends with an ellipsis: {snippet}"));
    assert_eq!(kept.len(), SNIPPET_LIMIT);
    assert!(body.starts_with(kept));
}

/// The bound holds for multi-byte text too: the cut falls on a character boundary, so the
/// snippet neither exceeds [`SNIPPET_LIMIT`] bytes nor ends in a replacement character.
#[tokio::test]
async fn decode_snippets_are_cut_at_a_character_boundary() {
    // `€` is 3 bytes; with 511 ASCII bytes in front, byte 512 falls inside the first `€`.
    let body = format!("{{{}{}", "x".repeat(SNIPPET_LIMIT - 2), "€".repeat(100));
    let error = error_from(200, &body, |c| async move {
        c.get_machine_action(&MachineActionId::from(ACTION)).await
    })
    .await;
    let Error::Decode { snippet, .. } = &error else {
        panic!("expected Error::Decode, got {error:?}")
    };
    let kept =
        snippet.strip_suffix('…').unwrap_or_else(|| panic!("ends with an ellipsis: {snippet}"));
    assert!(
        kept.len() <= SNIPPET_LIMIT && !kept.contains('\u{FFFD}') && body.starts_with(kept),
        "snippet of {} bytes (limit {SNIPPET_LIMIT}), ending {:?}",
        kept.len(),
        &kept[kept.len().saturating_sub(8)..]
    );
}

// ---------------------------------------------------------------------------------------------
// Configuration.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_bearer_token_over_plain_http_to_another_host_is_refused() {
    for base in ["http://example.com", "http://localhost.example.com:8080", "http://10.0.0.1"] {
        let result = Client::builder().base_url(base).bearer_token(TEST_TOKEN).build();
        match result {
            Err(Error::Config(message)) => {
                assert!(message.contains("https"), "{base}: {message}");
                assert!(!message.contains(TEST_TOKEN), "{base}: {message}");
            }
            other => panic!("{base}: expected Error::Config, got {other:?}"),
        }
    }
    // Loopback hosts and https are fine (nothing is sent at build time).
    for base in
        ["http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1", "https://example.com"]
    {
        let result = Client::builder().base_url(base).bearer_token(TEST_TOKEN).build();
        assert!(result.is_ok(), "{base}: {result:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Response metadata and per-call input errors.
// ---------------------------------------------------------------------------------------------

/// The request id the test server sends back.
const REQUEST_ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

/// Starts a server that answers any request with `status`, `body` (JSON) and the headers
/// `headers`.
async fn serve_with_headers(status: u16, body: &str, headers: &[(&str, &str)]) -> MockServer {
    let server = MockServer::start().await;
    let mut answer = ResponseTemplate::new(status).set_body_raw(body, "application/json");
    for (name, value) in headers {
        answer = answer.insert_header(*name, *value);
    }
    Mock::given(wiremock::matchers::any()).respond_with(answer).mount(&server).await;
    server
}

/// `send_with_response` gives the documented success status (201 for an action, 200 for a
/// read), the service's `request-id` and every header, with the same value `.await` gives.
#[tokio::test]
async fn send_with_response_returns_the_status_request_id_and_headers() {
    let answer = action_json("i1", "Isolate", "Pending", MACHINE).to_string();
    let headers = [("request-id", REQUEST_ID), ("x-test-header", "kept")];

    // An action method: 201.
    let server = serve_with_headers(201, &answer, &headers).await;
    let client = client_for(&server.uri());
    let body = IsolateRequest::new("Isolate machine due to alert 1234");
    let machine = MachineId::from(MACHINE);
    let response =
        ok("isolate", client.isolate_machine(&machine, &body).send_with_response().await);
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.request_id(), Some(REQUEST_ID));
    assert_eq!(
        response.headers().get("request-id").and_then(|v| v.to_str().ok()),
        Some(REQUEST_ID)
    );
    assert_eq!(response.headers().get("x-test-header").and_then(|v| v.to_str().ok()), Some("kept"));
    assert_action(response.value(), "i1", MachineActionType::Isolate, "Pending");
    let action = response.into_value();
    assert_eq!(action.id.as_str(), "i1");
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(1));

    // A read: 200.
    let server = serve_with_headers(200, &answer, &headers).await;
    let client = client_for(&server.uri());
    let id = MachineActionId::from(ACTION);
    let response = ok("get", client.get_machine_action(&id).send_with_response().await);
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.request_id(), Some(REQUEST_ID));
    assert_eq!(response.value().id.as_str(), "i1");
    assert_eq!(response.into_value(), ok("get", client.get_machine_action(&id).await));

    // A listing: 200, the page as the value.
    let list = json!({"value": [action_json("l1", "Isolate", "Pending", MACHINE)]}).to_string();
    let server = serve_with_headers(200, &list, &headers).await;
    let client = client_for(&server.uri());
    let response = ok("list", client.list_machine_actions().top(1).send_with_response().await);
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.request_id(), Some(REQUEST_ID));
    assert_eq!(response.value().value.len(), 1);
    assert_eq!(response.value().value[0].id.as_str(), "l1");

    // A download link: 200, the parsed link as the value.
    let link = docs_text("get-live-response-result-response.json");
    let server = serve_with_headers(200, &link, &headers).await;
    let client = client_for(&server.uri());
    let response = ok(
        "result link",
        client.get_live_response_result_download_link(&id, 0).send_with_response().await,
    );
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.request_id(), Some(REQUEST_ID));
    assert_eq!(response.value().host(), "core.windows.net");
}

/// The request id comes from `request-id`, else `x-ms-request-id`, else `client-request-id`;
/// without any of them it is `None`.
#[tokio::test]
async fn the_request_id_falls_back_to_the_other_request_id_headers() {
    let answer = action_json("g1", "Isolate", "Succeeded", MACHINE).to_string();
    let id = MachineActionId::from(ACTION);
    /// Response headers, and the request id they give.
    type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>);
    let cases: [Case<'_>; 4] = [
        (&[("x-ms-request-id", "ms-1"), ("request-id", "plain-1")], Some("plain-1")),
        (&[("x-ms-request-id", "ms-2"), ("client-request-id", "client-2")], Some("ms-2")),
        (&[("client-request-id", "client-3")], Some("client-3")),
        (&[], None),
    ];
    for (headers, want) in cases {
        let server = serve_with_headers(200, &answer, headers).await;
        let client = client_for(&server.uri());
        let response = ok("get", client.get_machine_action(&id).send_with_response().await);
        assert_eq!(response.request_id(), want, "{headers:?}");
    }
}

/// An error answer keeps the `request-id` header in [`ApiError::request_id`], next to the
/// correlation id of the body; without a correlation id, the message quotes the request id.
#[tokio::test]
async fn an_api_error_carries_the_request_id_of_the_response() {
    let server = serve_with_headers(
        404,
        &docs_text("common-errors-response-1.json"),
        &[("request-id", REQUEST_ID)],
    )
    .await;
    let client = client_for(&server.uri());
    let error = client
        .get_machine_action(&MachineActionId::from(ACTION))
        .send_with_response()
        .await
        .expect_err("404");
    let api = error.api().expect("an API error");
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.request_id.as_deref(), Some(REQUEST_ID));
    assert_eq!(api.target.as_deref(), Some("43f4cb08-8fac-4b65-9db1-745c2ae65f3a"));
    assert_eq!(error.error_code(), Some(ErrorCode::ResourceNotFound));
    let shown = error.to_string();
    assert!(shown.contains("43f4cb08-8fac-4b65-9db1-745c2ae65f3a"), "{shown}");

    let body = json!({"error": {"code": "Forbidden", "message": "missing Machine.Isolate"}});
    let server =
        serve_with_headers(403, &body.to_string(), &[("x-ms-request-id", REQUEST_ID)]).await;
    let client = client_for(&server.uri());
    let error = client
        .isolate_machine(&MachineId::from(MACHINE), &IsolateRequest::new("c"))
        .await
        .expect_err("403");
    let Error::Api(api) = &error else { panic!("expected Error::Api, got {error:?}") };
    assert_eq!((api.operation, api.status), ("isolateMachine", StatusCode::FORBIDDEN));
    assert_eq!(api.request_id.as_deref(), Some(REQUEST_ID));
    assert_eq!(api.target, None);
    let shown = error.to_string();
    assert!(shown.contains(&format!("(request id {REQUEST_ID})")), "{shown}");

    // No request id header: none in the error.
    let server = serve_with_headers(403, &body.to_string(), &[]).await;
    let error = client_for(&server.uri())
        .isolate_machine(&MachineId::from(MACHINE), &IsolateRequest::new("c"))
        .await
        .expect_err("403");
    assert_eq!(error.api().map(|api| api.request_id.clone()), Some(None));
}

/// An empty id is refused as [`Error::InvalidRequest`] naming the operation, by `.await` and by
/// `send_with_response` alike, and nothing is sent.
#[tokio::test]
async fn an_empty_path_id_is_an_invalid_request_and_nothing_is_sent() {
    let answer = action_json("x", "Isolate", "Pending", MACHINE).to_string();
    let server = serve_with_headers(200, &answer, &[]).await;
    let client = client_for(&server.uri());
    let empty = MachineActionId::from("");

    let mut errors = vec![
        ("getMachineAction", client.get_machine_action(&empty).await.map(drop).unwrap_err()),
        (
            "getMachineAction",
            client.get_machine_action(&empty).send_with_response().await.map(drop).unwrap_err(),
        ),
        ("getPackageUri", client.get_package_uri(&empty).await.map(drop).unwrap_err()),
        (
            "getLiveResponseResultDownloadLink",
            client.get_live_response_result_download_link(&empty, 0).await.map(drop).unwrap_err(),
        ),
        (
            "cancelMachineAction",
            client
                .cancel_machine_action(&empty, &CancelMachineActionRequest::new("c"))
                .await
                .map(drop)
                .unwrap_err(),
        ),
    ];
    errors.push((
        "isolateMachine",
        client
            .isolate_machine(&MachineId::from(""), &IsolateRequest::new("c"))
            .await
            .map(drop)
            .unwrap_err(),
    ));
    for (operation, error) in &errors {
        let Error::InvalidRequest(invalid) = error else {
            panic!("{operation}: expected Error::InvalidRequest, got {error:?}")
        };
        assert_eq!(invalid.operation, *operation);
        assert!(invalid.message.contains("path parameter"), "{operation}: {invalid}");
        assert_eq!(error.status(), None, "{operation}: nothing was answered");
        assert!(error.api().is_none(), "{operation}");
        let shown = error.to_string();
        assert!(shown.starts_with(&format!("{operation}: invalid request: ")), "{shown}");
    }
    let requests = server.received_requests().await.expect("request recording is on");
    assert!(requests.is_empty(), "nothing is sent for an empty id: {requests:#?}");
}

/// Every call says who it is: `mde-machine-actions/<version of the SDK crate>` by default, or
/// the builder's `user_agent`.
#[tokio::test]
async fn the_user_agent_names_the_sdk_and_its_version_unless_set() {
    let manifest =
        crate::support::read(&crate::support::project_root().join("generated/Cargo.toml"));
    let version = manifest
        .lines()
        .find_map(|line| line.strip_prefix("version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .expect("generated/Cargo.toml has a version");
    let answer = action_json("g1", "Isolate", "Succeeded", MACHINE).to_string();
    let id = MachineActionId::from(ACTION);

    let server = serve_with_headers(200, &answer, &[]).await;
    ok("get", client_for(&server.uri()).get_machine_action(&id).await);
    let custom = crate::support::builder_for(&server.uri())
        .user_agent("soar-playbook/2.1")
        .build()
        .expect("the client builds");
    ok("get", custom.get_machine_action(&id).await);

    let requests = server.received_requests().await.expect("request recording is on");
    let agents: Vec<Vec<String>> =
        requests.iter().map(|request| header_values(request, "user-agent")).collect();
    assert_eq!(
        agents,
        [vec![format!("mde-machine-actions/{version}")], vec!["soar-playbook/2.1".to_owned()]]
    );
}
