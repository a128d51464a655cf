//! `ClientSecretCredential` obtains, caches and refreshes tokens as Microsoft Entra ID expects,
//! and no secret (client secret, access token, download signature) ever shows in logs, `Debug`
//! output or errors.
//!
//! One local wiremock server plays both parts: the token endpoint at
//! `/tenant-id/oauth2/v2.0/token` (wired in with `ClientSecretCredential::token_endpoint`) and
//! the API. The tests check the client-credentials form (`grant_type`, `client_id`,
//! `client_secret`, `scope`; `application/x-www-form-urlencoded`), the token cache, the single
//! refresh after a 401 and the refusal to loop, and how a refusal from the token endpoint
//! (`AADSTS…`) is reported. The redaction tests capture everything `tracing` writes at TRACE
//! level while calls succeed and fail, and search it, every `Debug` and every error for the
//! secrets.

use std::sync::Arc;
use std::time::Duration;

use mde_machine_actions::models::{IsolateRequest, MachineActionId, MachineId};
use mde_machine_actions::{
    Client, ClientSecretCredential, Cloud, DownloadLink, Error, RateBudget, RetryPolicy, StatusCode,
};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    LogCapture, Sequence, action_json, closed_local_url, error_json, form_pairs, json_answer,
};

/// The tenant in the token endpoint's path.
const TENANT: &str = "tenant-id";
/// The app registration's client id.
const CLIENT_ID: &str = "6f2a1e0c-3d4b-4c5a-9e8f-7a6b5c4d3e2f";
/// The client secret; its reserved characters must survive form encoding.
const SECRET: &str = "Sup3r~Secret+Value/With=Reserved&Chars";
/// [`SECRET`] as it travels in the form body.
const SECRET_FORM_ENCODED: &str = "Sup3r%7ESecret%2BValue%2FWith%3DReserved%26Chars";
/// The first, second and third access token the endpoint hands out.
const TOKENS: [&str; 3] = [
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.first-access-token.c2lnbmF0dXJlLTE",
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.second-access-token.c2lnbmF0dXJlLTI",
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.third-access-token.c2lnbmF0dXJlLTM",
];
/// The documented default scope.
const DEFAULT_SCOPE: &str = "https://api.securitycenter.microsoft.com/.default";
/// The token endpoint's path on the test server.
const TOKEN_PATH: &str = "/tenant-id/oauth2/v2.0/token";
/// A device id in Microsoft's format.
const MACHINE: &str = "1e5bc9d7e413ddd7902c2932e418702b84d0cc07";
/// An action id in Microsoft's format.
const ACTION: &str = "5382f7ea-7557-4ab7-9782-d50480024a4e";
/// Where [`ACTION`] is read.
const ACTION_PATH: &str = "/api/machineactions/5382f7ea-7557-4ab7-9782-d50480024a4e";
/// Where isolating [`MACHINE`] is posted.
const ISOLATE_PATH: &str = "/api/machines/1e5bc9d7e413ddd7902c2932e418702b84d0cc07/isolate";
/// Longest any call may take before the test counts it as hanging.
const HANG: Duration = Duration::from_secs(10);

/// The documented token response, for `token`.
fn token_answer(token: &str) -> ResponseTemplate {
    json_answer(
        200,
        &json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 0, "access_token": token}),
    )
}

/// Serves the tokens in [`TOKENS`] in turn at [`TOKEN_PATH`]; returns the responder.
async fn serve_tokens(server: &MockServer) -> Sequence {
    let tokens = Sequence::new(TOKENS.map(token_answer));
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(tokens.clone())
        .mount(server)
        .await;
    tokens
}

/// A credential for [`TENANT`], [`CLIENT_ID`] and [`SECRET`] whose token endpoint is on
/// `server`.
fn credential(server: &MockServer) -> ClientSecretCredential {
    ClientSecretCredential::new(TENANT, CLIENT_ID, SECRET)
        .token_endpoint(format!("{}/{TENANT}/oauth2/v2.0/token", server.uri()))
}

/// A client for `server` authenticating with `credential`; quick retries, no rate budget.
fn client(server: &MockServer, credential: ClientSecretCredential) -> Client {
    Client::builder()
        .base_url(server.uri())
        .credential(credential)
        .retry_policy(RetryPolicy::default().with_initial_backoff(Duration::from_millis(10)))
        .rate_budget(RateBudget::disabled())
        .build()
        .expect("the client builds")
}

/// Answers a read of [`ACTION`] sent with `token`.
async fn serve_action_for(server: &MockServer, token: &str) {
    Mock::given(method("GET"))
        .and(path(ACTION_PATH))
        .and(header("authorization", format!("Bearer {token}")))
        .respond_with(json_answer(200, &action_json(ACTION, "Isolate", "Succeeded", MACHINE)))
        .mount(server)
        .await;
}

/// Reads [`ACTION`], failing the test if the call hangs.
async fn get(client: &Client) -> Result<mde_machine_actions::models::MachineAction, Error> {
    tokio::time::timeout(HANG, client.get_machine_action(&MachineActionId(ACTION.into())))
        .await
        .expect("get_machine_action hung")
}

/// Isolates [`MACHINE`], failing the test if the call hangs.
async fn isolate(client: &Client) -> Result<mde_machine_actions::models::MachineAction, Error> {
    let body = IsolateRequest::new("auth test");
    tokio::time::timeout(HANG, client.isolate_machine(&MachineId(MACHINE.into()), &body))
        .await
        .expect("isolate_machine hung")
}

/// The requests the server received at `at`.
async fn requests_to(server: &MockServer, at: &str) -> Vec<wiremock::Request> {
    let all = server.received_requests().await.expect("request recording is on");
    all.into_iter().filter(|request| request.url.path() == at).collect()
}

/// The `Authorization` header of `request`.
fn authorization(request: &wiremock::Request) -> String {
    request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("<none>")
        .to_owned()
}

/// Checks that `request` is the client-credentials token request for `scope`.
#[track_caller]
fn assert_token_request(request: &wiremock::Request, scope: &str) {
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(
        request.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/x-www-form-urlencoded")
    );
    let text = String::from_utf8_lossy(&request.body);
    assert!(text.contains(SECRET_FORM_ENCODED), "the secret is form-encoded: {text}");
    let mut fields = form_pairs(&request.body);
    fields.sort();
    let expected = [
        ("client_id", CLIENT_ID),
        ("client_secret", SECRET),
        ("grant_type", "client_credentials"),
        ("scope", scope),
    ]
    .map(|(name, value)| (name.to_owned(), value.to_owned()));
    assert_eq!(fields, expected);
    assert_eq!(authorization(request), "<none>", "a token request carries no bearer token");
}

#[tokio::test]
async fn the_token_request_is_the_client_credentials_form_for_the_default_scope() {
    let server = MockServer::start().await;
    let tokens = serve_tokens(&server).await;
    serve_action_for(&server, TOKENS[0]).await;
    let client = client(&server, credential(&server));

    get(&client).await.expect("the call succeeds with the first token");

    assert_eq!(tokens.calls(), 1);
    let token_requests = requests_to(&server, TOKEN_PATH).await;
    assert_token_request(&token_requests[0], DEFAULT_SCOPE);
    let api = requests_to(&server, ACTION_PATH).await;
    assert_eq!(api.len(), 1);
    assert_eq!(authorization(&api[0]), format!("Bearer {}", TOKENS[0]));
}

#[tokio::test]
async fn the_token_request_asks_for_the_clouds_scope_or_the_one_set() {
    let server = MockServer::start().await;
    serve_tokens(&server).await;
    Mock::given(method("GET"))
        .and(path(ACTION_PATH))
        .respond_with(json_answer(200, &action_json(ACTION, "Isolate", "Succeeded", MACHINE)))
        .mount(&server)
        .await;

    let gcc_high = Client::builder()
        .cloud(Cloud::GccHigh)
        .base_url(server.uri())
        .credential(credential(&server))
        .build()
        .expect("the client builds");
    get(&gcc_high).await.expect("the call succeeds");
    let custom = Client::builder()
        .base_url(server.uri())
        .token_scope("https://securitycenter.onmicrosoft.com/windowsatpservice/.default")
        .credential(credential(&server))
        .build()
        .expect("the client builds");
    get(&custom).await.expect("the call succeeds");

    let token_requests = requests_to(&server, TOKEN_PATH).await;
    assert_eq!(token_requests.len(), 2);
    assert_token_request(&token_requests[0], Cloud::GccHigh.scope());
    assert_eq!(Cloud::GccHigh.scope(), "https://api-gov.securitycenter.microsoft.us/.default");
    assert_token_request(
        &token_requests[1],
        "https://securitycenter.onmicrosoft.com/windowsatpservice/.default",
    );
}

#[tokio::test]
async fn a_token_is_fetched_once_and_reused_across_calls() {
    let server = MockServer::start().await;
    let tokens = serve_tokens(&server).await;
    serve_action_for(&server, TOKENS[0]).await;
    let client = client(&server, credential(&server));

    for _ in 0..3 {
        get(&client).await.expect("the call succeeds with the cached token");
    }
    get(&client.clone()).await.expect("a clone shares the cache");

    assert_eq!(tokens.calls(), 1, "one token request for four calls");
    let api = requests_to(&server, ACTION_PATH).await;
    assert_eq!(api.len(), 4);
    assert!(api.iter().all(|r| authorization(r) == format!("Bearer {}", TOKENS[0])));
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_and_the_post_is_sent_again() {
    let server = MockServer::start().await;
    let tokens = serve_tokens(&server).await;
    Mock::given(method("POST"))
        .and(path(ISOLATE_PATH))
        .and(header("authorization", format!("Bearer {}", TOKENS[0])))
        .respond_with(json_answer(401, &error_json("Unauthorized", "token expired")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(ISOLATE_PATH))
        .and(header("authorization", format!("Bearer {}", TOKENS[1])))
        .respond_with(json_answer(201, &action_json(ACTION, "Isolate", "Pending", MACHINE)))
        .mount(&server)
        .await;
    serve_action_for(&server, TOKENS[1]).await;
    let client = client(&server, credential(&server));

    isolate(&client).await.expect("the retry with a fresh token succeeds");

    let api = requests_to(&server, ISOLATE_PATH).await;
    let seen: Vec<String> = api.iter().map(authorization).collect();
    assert_eq!(seen, [TOKENS[0], TOKENS[1]].map(|t| format!("Bearer {t}")));
    assert_eq!(api[0].body, api[1].body, "the same request, sent again");
    assert_eq!(tokens.calls(), 2, "one refresh");
    let token_requests = requests_to(&server, TOKEN_PATH).await;
    assert_token_request(&token_requests[1], DEFAULT_SCOPE);

    get(&client).await.expect("the refreshed token is cached");
    assert_eq!(tokens.calls(), 2, "the refreshed token replaced the cached one");
}

/// Five calls refused with the same expired token share one refresh: the first to refresh
/// replaces the cached token, and the others, naming the same refused token, find the new one.
#[tokio::test]
async fn concurrent_401s_share_one_refresh() {
    let server = MockServer::start().await;
    let tokens = serve_tokens(&server).await;
    Mock::given(method("GET"))
        .and(path(ACTION_PATH))
        .and(header("authorization", format!("Bearer {}", TOKENS[0])))
        .respond_with(json_answer(401, &error_json("Unauthorized", "token expired")))
        .mount(&server)
        .await;
    serve_action_for(&server, TOKENS[1]).await;
    let client = client(&server, credential(&server));

    let calls = (0..5).map(|_| get(&client));
    let results = futures_util::future::join_all(calls).await;

    assert!(results.iter().all(Result::is_ok), "every call succeeds after the refresh");
    assert_eq!(tokens.calls(), 2, "one initial token, one shared refresh");
}

#[tokio::test]
async fn a_second_401_after_the_refresh_is_returned_without_looping() {
    let server = MockServer::start().await;
    let tokens = serve_tokens(&server).await;
    Mock::given(method("GET"))
        .and(path(ACTION_PATH))
        .respond_with(json_answer(401, &error_json("Unauthorized", "no access")))
        .mount(&server)
        .await;
    let client = client(&server, credential(&server));

    let error = get(&client).await.expect_err("every answer is 401");

    let Error::Api(api) = &error else { panic!("expected Error::Api, got {error:?}") };
    assert_eq!((api.status, api.code.as_deref()), (StatusCode::UNAUTHORIZED, Some("Unauthorized")));
    let seen: Vec<String> =
        requests_to(&server, ACTION_PATH).await.iter().map(authorization).collect();
    assert_eq!(seen, [TOKENS[0], TOKENS[1]].map(|t| format!("Bearer {t}")));
    assert_eq!(tokens.calls(), 2, "one refresh, no loop");
}

/// Entra ID's answer to a wrong client secret (shape of a real AADSTS7000215 refusal).
fn invalid_client(description_extra: &str) -> ResponseTemplate {
    json_answer(
        400,
        &json!({
            "error": "invalid_client",
            "error_description": format!(
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in \
                 the request is the client secret value, not the client secret ID.{description_extra}\r\n\
                 Trace ID: 0b1c2d3e-0000-4000-8000-000000000001\r\nCorrelation ID: \
                 0b1c2d3e-0000-4000-8000-000000000002\r\nTimestamp: 2026-01-01 00:00:00Z"
            ),
            "error_codes": [7000215],
            "timestamp": "2026-01-01 00:00:00Z",
            "trace_id": "0b1c2d3e-0000-4000-8000-000000000001",
            "correlation_id": "0b1c2d3e-0000-4000-8000-000000000002",
            "error_uri": "https://login.microsoftonline.com/error?code=7000215"
        }),
    )
}

#[tokio::test]
async fn a_refusal_from_the_token_endpoint_is_an_auth_error_with_the_aadsts_code() {
    let server = MockServer::start().await;
    let refusals = Sequence::new([invalid_client(&format!(" Received: {SECRET}."))]);
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(refusals.clone())
        .mount(&server)
        .await;
    serve_action_for(&server, TOKENS[0]).await;
    let client = client(&server, credential(&server));

    let error = get(&client).await.expect_err("no token");

    let Error::Auth(auth) = &error else { panic!("expected Error::Auth, got {error:?}") };
    assert_eq!(auth.status, Some(StatusCode::BAD_REQUEST));
    for expected in ["AADSTS7000215", "invalid_client", CLIENT_ID, TENANT, "Correlation ID"] {
        assert!(auth.message.contains(expected), "no `{expected}` in {auth}");
    }
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(!text.contains(SECRET), "the echoed secret leaked: {text}");
    }
    assert_eq!(refusals.calls(), 1, "a refusal is not retried");
    assert!(requests_to(&server, ACTION_PATH).await.is_empty(), "no API call without a token");
}

/// Panics if `text` (named `what`) contains the client secret or any access token.
#[track_caller]
fn assert_no_secret(what: &str, text: &str) {
    for secret in [SECRET, SECRET_FORM_ENCODED].iter().chain(TOKENS.iter()) {
        assert!(!text.contains(secret), "{what} contains the secret `{secret}`:\n{text}");
    }
    // Parts of a token (a JWT's signature) must not show either.
    for token in TOKENS {
        let signature = token.rsplit('.').next().unwrap_or(token);
        assert!(!text.contains(signature), "{what} contains part of a token:\n{text}");
    }
}

#[tokio::test]
async fn no_secret_or_token_shows_in_logs_debug_output_or_errors() {
    let logs = LogCapture::default();
    let _logging = logs.install();
    let server = MockServer::start().await;
    serve_tokens(&server).await;
    // First call: 401 with the first token, then success with the second.
    Mock::given(method("GET"))
        .and(path(ACTION_PATH))
        .and(header("authorization", format!("Bearer {}", TOKENS[0])))
        .respond_with(json_answer(401, &error_json("Unauthorized", "expired")))
        .mount(&server)
        .await;
    serve_action_for(&server, TOKENS[1]).await;
    Mock::given(method("POST"))
        .and(path(ISOLATE_PATH))
        .respond_with(json_answer(403, &error_json("Forbidden", "missing Machine.Isolate")))
        .mount(&server)
        .await;
    let credential = Arc::new(credential(&server));
    let client = Client::builder()
        .base_url(server.uri())
        .shared_credential(credential.clone())
        .retry_policy(RetryPolicy::default().with_initial_backoff(Duration::from_millis(10)))
        .build()
        .expect("the client builds");

    let mut errors = Vec::new();
    get(&client).await.expect("the refresh succeeds");
    errors.push(isolate(&client).await.expect_err("403"));

    // A credential the token endpoint refuses, echoing the secret back.
    let refusing = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(invalid_client(&format!(" Received: {SECRET}.")))
        .mount(&refusing)
        .await;
    let refused = Client::builder()
        .base_url(refusing.uri())
        .credential(
            ClientSecretCredential::new(TENANT, CLIENT_ID, SECRET)
                .token_endpoint(format!("{}/{TENANT}/oauth2/v2.0/token", refusing.uri())),
        )
        .build()
        .expect("the client builds");
    errors.push(get(&refused).await.expect_err("refused"));

    // A token endpoint nobody listens on.
    let unreachable = Client::builder()
        .base_url(server.uri())
        .credential(
            ClientSecretCredential::new(TENANT, CLIENT_ID, SECRET)
                .token_endpoint(format!("{}/{TENANT}/oauth2/v2.0/token", closed_local_url())),
        )
        .build()
        .expect("the client builds");
    errors.push(get(&unreachable).await.expect_err("unreachable"));

    assert!(
        matches!(&errors[0], Error::Api(api) if api.status == StatusCode::FORBIDDEN),
        "{:?}",
        errors[0]
    );
    assert!(
        matches!(&errors[1], Error::Auth(a) if a.status == Some(StatusCode::BAD_REQUEST)),
        "{:?}",
        errors[1]
    );
    assert!(matches!(&errors[2], Error::Auth(a) if a.status.is_none()), "{:?}", errors[2]);
    for error in &errors {
        assert_no_secret("an error's Display", &error.to_string());
        assert_no_secret("an error's Debug", &format!("{error:?}"));
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            assert_no_secret("an error's source", &format!("{cause} {cause:?}"));
            source = cause.source();
        }
    }
    assert_no_secret("the client's Debug", &format!("{client:?}"));
    assert_no_secret("the client's Debug", &format!("{refused:?} {unreachable:?}"));
    assert_no_secret("the credential's Debug", &format!("{credential:?}"));
    assert!(format!("{credential:?}").contains(CLIENT_ID), "Debug still names the client id");

    let text = logs.text();
    for expected in ["requesting a token", "token received", "mde_request", "fresh token", "DEBUG"]
    {
        assert!(text.contains(expected), "the capture missed `{expected}`:\n{text}");
    }
    assert_no_secret("the logs", &text);
}

/// The signature of the documented live response result link.
const SIGNATURE: &str = "1dYGe9rPvUlXBPvYSmr6/OLXPY98m8qWqfIQCBbyZTY%3D";

/// Each call runs in a `mde_request` span naming the operation, the ids in its path and the
/// service's correlation id.
#[tokio::test]
async fn a_calls_span_names_the_operation_its_ids_and_the_correlation_id() {
    let server = MockServer::start().await;
    serve_tokens(&server).await;
    let body = json!({"error": {"code": "ResourceNotFound", "message": "not found", "target": "corr-7f3a"}});
    Mock::given(method("GET"))
        .and(path(ACTION_PATH))
        .respond_with(json_answer(404, &body))
        .mount(&server)
        .await;
    let client = client(&server, credential(&server));
    let logs = LogCapture::default();
    let guard = logs.install();

    let error = get(&client).await.expect_err("the action does not exist");
    drop(guard);

    assert!(error.is_not_found());
    let text = logs.text();
    for expected in [
        "mde_request",
        "operation=\"getMachineAction\"",
        &format!("ids=id={ACTION}"),
        "correlation_id=\"corr-7f3a\"",
    ] {
        assert!(text.contains(expected), "`{expected}` missing from the logs:\n{text}");
    }
    assert_no_secret("logs", &text);
}

#[tokio::test]
async fn a_download_links_signature_shows_nowhere() {
    let logs = LogCapture::default();
    let _logging = logs.install();
    let server = MockServer::start().await;
    let documented = format!(
        "https://core.windows.net/investigation-actions-data/ID/CustomPlaybookCommandOutput/\
         4ed5e7807ad1fe59b00b664fe06a0f07?se=2021-02-04T16%3A13%3A50Z&sp=r&sv=2019-07-07&sr=b&sig={SIGNATURE}"
    );
    Mock::given(method("GET"))
        .and(path(format!("{ACTION_PATH}/GetLiveResponseResultDownloadLink(index=0)")))
        .respond_with(json_answer(
            200,
            &json!({
                "@odata.context": "https://api.security.microsoft.com/api/$metadata#Edm.String",
                "value": documented
            }),
        ))
        .mount(&server)
        .await;
    // A download host that refuses the link and quotes it back.
    let quoted_link = format!("{}/package.zip?se=2099-01-01&sig={SIGNATURE}", server.uri());
    Mock::given(method("GET"))
        .and(path("/package.zip"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_string(format!("<Error>AuthenticationFailed for {quoted_link}</Error>")),
        )
        .mount(&server)
        .await;
    let client = crate::support::client_for(&server.uri());

    let link = client
        .get_live_response_result_download_link(&MachineActionId(ACTION.into()), 0)
        .await
        .expect("the link is read");
    assert_eq!(link.url().as_str(), documented, "the full link stays usable");
    let shown = [format!("{link}"), format!("{link:?}")];
    for text in &shown {
        assert!(!text.contains("1dYGe9rPvUlXBPvYSmr6"), "{text}");
        assert!(!text.contains("sig="), "{text}");
        assert!(text.contains("core.windows.net/investigation-actions-data/ID/"), "{text}");
    }

    let local = DownloadLink::parse(&quoted_link).expect("a loopback link");
    let mut sink = Vec::new();
    let error = client.download(&local, &mut sink).await.expect_err("the host refuses");
    assert_eq!(error.status(), Some(StatusCode::FORBIDDEN));
    for text in [error.to_string(), format!("{error:?}"), format!("{local} {local:?}"), logs.text()]
    {
        assert!(!text.contains("1dYGe9rPvUlXBPvYSmr6"), "the signature leaked:\n{text}");
    }
    let downloads = requests_to(&server, "/package.zip").await;
    assert_eq!(downloads.len(), 1);
    assert_eq!(authorization(&downloads[0]), "<none>", "no bearer token to the download host");
}

#[tokio::test]
async fn a_token_that_cannot_be_a_header_is_refused_before_sending_and_never_shown() {
    let server = MockServer::start().await;
    let token = "eyJ.not-a-header\nvalue-7Qx";
    let client = Client::builder()
        .base_url(server.uri())
        .bearer_token(token)
        .rate_budget(RateBudget::disabled())
        .build()
        .expect("the client is built");

    let error = get(&client).await.expect_err("the token cannot be sent");

    assert!(matches!(error, Error::Config(_)), "{error:?}");
    assert!(server.received_requests().await.unwrap_or_default().is_empty(), "nothing was sent");
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(!text.contains("not-a-header") && !text.contains("7Qx"), "{text}");
    }
}
