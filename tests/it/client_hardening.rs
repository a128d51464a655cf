//! The client holds against hostile or broken servers: bodies larger than the limit end the
//! call at once without being read whole, stalled downloads end with `Error::Timeout` within
//! the configured bounds, and redirects never carry a credential to another host.
//!
//! The servers are raw `tokio` listeners on 127.0.0.1 (they must be able to stream without end
//! and stall) or wiremock servers where a canned answer is enough.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mde_machine_actions::models::{IsolateRequest, MachineActionId, MachineId};
use mde_machine_actions::{
    Client, ClientSecretCredential, DownloadLink, Error, RateBudget, RetryPolicy,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TEST_TOKEN, action_json, builder_for, json_answer};

/// An action id in Microsoft's format.
const ACTION: &str = "5382f7ea-7557-4ab7-9782-d50480024a4e";
/// A device id in Microsoft's format.
const MACHINE: &str = "1e5bc9d7e413ddd7902c2932e418702b84d0cc07";
/// Longest any call may take before the test counts it as hanging.
const HANG: Duration = Duration::from_secs(20);
/// The client secret of the redirect tests.
const SECRET: &str = "Redirect~Secret+Value/=&";
/// A fragment of [`SECRET`] that survives every encoding.
const SECRET_CORE: &str = "Redirect";

/// Reads a request head (up to the blank line) from `socket`.
async fn read_head(socket: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match socket.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// A server that answers every connection with `head` and then runs `body` on the socket;
/// returns its base URL and a count of the body bytes it managed to write.
async fn raw_server<F, Fut>(head: &'static str, body: F) -> (String, Arc<AtomicUsize>)
where
    F: Fn(TcpStream, Arc<AtomicUsize>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a local port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let written = Arc::new(AtomicUsize::new(0));
    let count = written.clone();
    let body = Arc::new(body);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let body = body.clone();
            let count = count.clone();
            tokio::spawn(async move {
                read_head(&mut socket).await;
                if socket.write_all(head.as_bytes()).await.is_ok() {
                    body(socket, count).await;
                }
            });
        }
    });
    (base, written)
}

/// Writes plausible JSON without end (1 MiB a write) until the peer goes away.
async fn endless_json(mut socket: TcpStream, written: Arc<AtomicUsize>) {
    if socket.write_all(b"{\"value\":[").await.is_err() {
        return;
    }
    let item = format!("{},", action_json(ACTION, "Isolate", "Pending", MACHINE));
    let chunk = item.repeat((1 << 20) / item.len());
    while socket.write_all(chunk.as_bytes()).await.is_ok() {
        written.fetch_add(chunk.len(), Ordering::SeqCst);
    }
}

/// Writes `bytes` bytes, then holds the connection open without sending anything more.
async fn send_then_stall(mut socket: TcpStream, written: Arc<AtomicUsize>, bytes: usize) {
    if socket.write_all(&vec![b'x'; bytes]).await.is_ok() {
        written.fetch_add(bytes, Ordering::SeqCst);
    }
    tokio::time::sleep(Duration::from_secs(3600)).await;
    drop(socket);
}

fn quick(builder: mde_machine_actions::ClientBuilder<Client>) -> Client {
    builder
        .retry_policy(RetryPolicy::default().with_initial_backoff(Duration::from_millis(10)))
        .rate_budget(RateBudget::disabled())
        .build()
        .expect("the client builds")
}

async fn get_action(client: &Client) -> Result<mde_machine_actions::models::MachineAction, Error> {
    tokio::time::timeout(HANG, client.get_machine_action(&MachineActionId(ACTION.into())))
        .await
        .expect("the call hung")
}

// ---- bounded responses ----

#[tokio::test]
async fn an_endless_body_ends_the_call_at_the_limit_without_being_read_whole() {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n";
    let (base, written) = raw_server(head, endless_json).await;
    let limit = 2 << 20;
    let client = quick(builder_for(&base).max_response_bytes(limit));
    let started = Instant::now();
    let error = get_action(&client).await.unwrap_err();
    assert!(
        matches!(error, Error::ResponseTooLarge { operation: "getMachineAction", limit: l, .. } if l == limit),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    assert!(error.to_string().contains("larger than the limit of 2097152 bytes"), "{error}");
    // Not retried, though the operation is a read: the answer would be as large again.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = written.load(Ordering::SeqCst);
    // What the server got out is the limit plus what the socket buffers hold, not the endless
    // body (it stops when the client hangs up).
    assert!(sent < limit + (16 << 20), "the server wrote {sent} bytes");
}

#[tokio::test]
async fn an_announced_length_over_the_limit_fails_before_the_body_is_read() {
    let head =
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 314572800\r\n\r\n";
    let (base, _written) =
        raw_server(head, |socket, written| send_then_stall(socket, written, 1000)).await;
    let client = quick(builder_for(&base).max_response_bytes(1 << 20));
    let started = Instant::now();
    let error = get_action(&client).await.unwrap_err();
    assert!(matches!(error, Error::ResponseTooLarge { limit: 1048576, .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_body_at_the_limit_is_read_and_a_large_error_body_is_cut() {
    let server = MockServer::start().await;
    let action = action_json(ACTION, "Isolate", "Succeeded", MACHINE);
    let size = serde_json::to_vec(&action).unwrap().len();
    Mock::given(method("GET")).respond_with(json_answer(200, &action)).mount(&server).await;
    let client = quick(builder_for(&server.uri()).max_response_bytes(size));
    assert_eq!(get_action(&client).await.unwrap().id.0, ACTION);
    let client = quick(builder_for(&server.uri()).max_response_bytes(size - 1));
    assert!(matches!(get_action(&client).await, Err(Error::ResponseTooLarge { .. })));

    // An error answer larger than the limit is still the service's error (its start is kept).
    let server = MockServer::start().await;
    let huge = format!(
        "{{\"error\":{{\"code\":\"BadRequest\",\"message\":\"{}\"}}}}",
        "m".repeat(1 << 20)
    );
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_string(huge))
        .mount(&server)
        .await;
    let client = quick(builder_for(&server.uri()));
    let error = get_action(&client).await.unwrap_err();
    let api = error.api().expect("an API error");
    assert_eq!(api.status.as_u16(), 400);
    assert!(api.snippet.as_deref().is_some_and(|s| s.len() <= 520), "{error:?}");
}

#[tokio::test]
async fn an_endless_token_answer_is_an_auth_error_at_the_limit() {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n";
    let (base, _written) = raw_server(head, endless_json).await;
    let credential = ClientSecretCredential::new("tenant", "client", SECRET)
        .token_endpoint(format!("{base}/tenant/oauth2/v2.0/token"));
    let client =
        quick(Client::builder().base_url(&base).credential(credential).max_response_bytes(1 << 20));
    let error = get_action(&client).await.unwrap_err();
    let Error::Auth(auth) = &error else { panic!("{error:?}") };
    assert!(auth.message.contains("larger than the limit of 1048576 bytes"), "{error}");
}

// ---- download timeouts ----

/// A link to `base` with a signature.
fn link(base: &str) -> DownloadLink {
    DownloadLink::parse(&format!("{base}/package.zip?se=2030-01-01&sig=DownloadSig")).unwrap()
}

#[tokio::test]
async fn a_download_that_stalls_mid_body_times_out_after_the_idle_limit() {
    let head =
        "HTTP/1.1 200 OK\r\ncontent-type: application/zip\r\ncontent-length: 10000000\r\n\r\n";
    let (base, written) =
        raw_server(head, |socket, written| send_then_stall(socket, written, 1000)).await;
    let client = quick(
        builder_for(&base)
            .download_idle_timeout(Some(Duration::from_millis(300)))
            .download_timeout(None),
    );
    let mut out = Vec::new();
    let started = Instant::now();
    let error = tokio::time::timeout(HANG, client.download(&link(&base), &mut out))
        .await
        .expect("the download hung")
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(error, Error::Timeout { operation: "download", .. }), "{error:?}");
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    assert_eq!(written.load(Ordering::SeqCst), 1000);
    assert_eq!(out.len(), 1000, "what arrived was written");
    assert!(!format!("{error} {error:?}").contains("DownloadSig"));
}

#[tokio::test]
async fn a_download_that_never_answers_times_out_after_the_idle_limit() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(3600)).await;
        drop(socket);
    });
    let client = quick(builder_for(&base).download_idle_timeout(Some(Duration::from_millis(300))));
    let started = Instant::now();
    let error = tokio::time::timeout(HANG, client.download(&link(&base), &mut Vec::new()))
        .await
        .expect("the download hung")
        .unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_download_that_trickles_ends_at_the_overall_limit() {
    let head =
        "HTTP/1.1 200 OK\r\ncontent-type: application/zip\r\ncontent-length: 10000000\r\n\r\n";
    let (base, _written) = raw_server(head, |mut socket: TcpStream, _| async move {
        // A byte every 50 ms: never idle for long, never done.
        while socket.write_all(b"x").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let client = quick(
        builder_for(&base)
            .download_idle_timeout(Some(Duration::from_secs(10)))
            .download_timeout(Some(Duration::from_millis(600))),
    );
    let started = Instant::now();
    let mut out = Vec::new();
    let error = tokio::time::timeout(HANG, client.download(&link(&base), &mut out))
        .await
        .expect("the download hung")
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(error, Error::Timeout { operation: "download", .. }), "{error:?}");
    assert!(
        elapsed >= Duration::from_millis(600) && elapsed < Duration::from_secs(4),
        "{elapsed:?}"
    );
    assert!(!out.is_empty());
}

// ---- redirects ----

/// A server that records every request it gets and answers 200 `{}`: the redirect target.
async fn target() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(json_answer(
            200,
            &serde_json::json!({"access_token": "stolen", "expires_in": 3600}),
        ))
        .mount(&server)
        .await;
    server
}

/// A redirect answer with `status` to `to` (with a query that must not show in errors).
fn redirect(status: u16, to: &MockServer) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("location", format!("{}/collect?sig=LocationSig", to.uri()))
}

/// Checks that `target` got no request carrying the token or the secret, and returns how many
/// requests it got.
async fn assert_nothing_secret_reached(target: &MockServer) -> usize {
    let received = target.received_requests().await.unwrap();
    for request in &received {
        let text = format!("{:?} {}", request.headers, String::from_utf8_lossy(&request.body));
        assert!(!text.contains(TEST_TOKEN), "the token reached the redirect target: {text}");
        assert!(!text.contains(SECRET_CORE), "the secret reached the redirect target: {text}");
        assert!(!text.to_ascii_lowercase().contains("authorization"), "{text}");
    }
    received.len()
}

#[tokio::test]
async fn api_calls_follow_no_redirect_to_another_origin_with_a_static_token() {
    for status in [301, 302, 303, 307, 308] {
        let elsewhere = target().await;
        let api = MockServer::start().await;
        Mock::given(method("POST")).respond_with(redirect(status, &elsewhere)).mount(&api).await;
        Mock::given(method("GET")).respond_with(redirect(status, &elsewhere)).mount(&api).await;
        let client = quick(builder_for(&api.uri()));
        let error = get_action(&client).await.unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status), "{error:?}");
        let shown = format!("{error} {error:?}");
        assert!(shown.contains(&elsewhere.uri()), "the error names the location's host: {shown}");
        assert!(!shown.contains("LocationSig"), "{shown}");
        let body = IsolateRequest::new("redirect test");
        let error = client.isolate_machine(&MachineId(MACHINE.into()), &body).await.unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status), "{error:?}");
        assert_eq!(assert_nothing_secret_reached(&elsewhere).await, 0, "HTTP {status}");
    }
}

#[tokio::test]
async fn api_calls_follow_a_redirect_within_the_origin() {
    let api = MockServer::start().await;
    Mock::given(path(format!("/api/machineactions/{ACTION}")))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/moved"))
        .mount(&api)
        .await;
    Mock::given(path("/moved"))
        .respond_with(json_answer(200, &action_json(ACTION, "Isolate", "Succeeded", MACHINE)))
        .mount(&api)
        .await;
    let client = quick(builder_for(&api.uri()));
    assert_eq!(get_action(&client).await.unwrap().id.0, ACTION);
}

#[tokio::test]
async fn the_token_request_follows_no_redirect_and_the_secret_stays_home() {
    for status in [301, 302, 303, 307, 308] {
        let elsewhere = target().await;
        let login = MockServer::start().await;
        Mock::given(method("POST")).respond_with(redirect(status, &elsewhere)).mount(&login).await;
        let credential = ClientSecretCredential::new("tenant", "client", SECRET)
            .token_endpoint(format!("{}/tenant/oauth2/v2.0/token", login.uri()));
        let client = quick(Client::builder().base_url(elsewhere.uri()).credential(credential));
        let error = get_action(&client).await.unwrap_err();
        let Error::Auth(auth) = &error else { panic!("HTTP {status}: {error:?}") };
        assert_eq!(auth.status.map(|s| s.as_u16()), Some(status));
        let shown = format!("{error} {error:?}");
        assert!(shown.contains(&elsewhere.uri()), "names the location's host: {shown}");
        assert!(!shown.contains("LocationSig") && !shown.contains(SECRET_CORE), "{shown}");
        assert_eq!(assert_nothing_secret_reached(&elsewhere).await, 0, "HTTP {status}");
    }
}

#[tokio::test]
async fn with_a_users_own_http_client_the_secret_and_token_still_stay_home() {
    // reqwest's default policy follows up to ten redirects anywhere.
    for status in [302, 307, 308] {
        let elsewhere = target().await;
        let login = MockServer::start().await;
        Mock::given(method("POST")).respond_with(redirect(status, &elsewhere)).mount(&login).await;
        let credential = ClientSecretCredential::new("tenant", "client", SECRET)
            .token_endpoint(format!("{}/tenant/oauth2/v2.0/token", login.uri()));
        let client = quick(
            Client::builder()
                .base_url(login.uri())
                .credential(credential)
                .http_client(reqwest::Client::new()),
        );
        let error = get_action(&client).await.unwrap_err();
        assert!(matches!(error, Error::Auth(_)), "HTTP {status}: {error:?}");
        assert!(error.to_string().contains("redirect"), "{error}");
        assert_nothing_secret_reached(&elsewhere).await;

        let api = MockServer::start().await;
        Mock::given(method("GET")).respond_with(redirect(status, &elsewhere)).mount(&api).await;
        let client = quick(builder_for(&api.uri()).http_client(reqwest::Client::new()));
        let _ = get_action(&client).await;
        assert_nothing_secret_reached(&elsewhere).await;
    }
}

#[tokio::test]
async fn api_calls_with_client_credentials_follow_no_redirect_to_another_origin() {
    let elsewhere = target().await;
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/tenant/oauth2/v2.0/token"))
        .respond_with(json_answer(
            200,
            &serde_json::json!({"token_type": "Bearer", "expires_in": 3599, "access_token": TEST_TOKEN}),
        ))
        .mount(&api)
        .await;
    Mock::given(method("GET")).respond_with(redirect(307, &elsewhere)).mount(&api).await;
    let credential = ClientSecretCredential::new("tenant", "client", SECRET)
        .token_endpoint(format!("{}/tenant/oauth2/v2.0/token", api.uri()));
    let client = quick(Client::builder().base_url(api.uri()).credential(credential));
    let error = get_action(&client).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(307), "{error:?}");
    assert_eq!(assert_nothing_secret_reached(&elsewhere).await, 0);
}

// ---- redaction ----

/// A signature, token or secret value that must show nowhere.
const HIDDEN: &str = "HiddenValue7";

/// Checks that `HIDDEN` is in none of the error's `Display`, `Debug`, pretty `Debug`, or the
/// captured logs.
#[track_caller]
fn assert_hidden(what: &str, error: &Error, logs: &str) {
    for shown in [error.to_string(), format!("{error:?}"), format!("{error:#?}"), logs.to_owned()] {
        assert!(!shown.contains(HIDDEN), "{what}: the secret shows in {shown}");
    }
}

#[tokio::test]
async fn no_secret_in_an_api_error_in_any_encoding() {
    let forms = [
        format!("link https://storage.example/f.zip?sv=1&sig={HIDDEN}"),
        format!("link https://user:{HIDDEN}@storage.example/f.zip"),
        format!("link https:\\/\\/storage.example\\/f.zip?sig={HIDDEN}"),
        format!("link https%3A%2F%2Fstorage.example%2Ff.zip%3Fsig%3D{HIDDEN}"),
        format!("header Authorization: Bearer eyJ.{HIDDEN}.x"),
        format!("form grant_type=client_credentials&client_secret={HIDDEN}"),
        format!("json {{\"access_token\": \"{HIDDEN}\"}}"),
    ];
    for form in forms {
        let logs = crate::support::LogCapture::default();
        let _guard = logs.install();
        let server = MockServer::start().await;
        // As the envelope's message, and as a raw body (the snippet), JSON-escaped by serde.
        let envelope =
            serde_json::json!({"error": {"code": "BadRequest", "message": form, "target": "t"}});
        Mock::given(method("GET")).respond_with(json_answer(400, &envelope)).mount(&server).await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(400).set_body_string(format!("<p>{form}</p>")))
            .mount(&server)
            .await;
        let client = quick(builder_for(&server.uri()));
        let error = get_action(&client).await.unwrap_err();
        assert!(error.api().and_then(|api| api.message.as_deref()).is_some(), "{error:?}");
        assert_hidden(&form, &error, &logs.text());
        let body = IsolateRequest::new("redaction test");
        let error = client.isolate_machine(&MachineId(MACHINE.into()), &body).await.unwrap_err();
        assert!(error.api().and_then(|api| api.snippet.as_deref()).is_some(), "{error:?}");
        assert_hidden(&form, &error, &logs.text());
    }
}

#[tokio::test]
async fn a_decode_error_names_the_place_and_type_but_not_the_value() {
    let logs = crate::support::LogCapture::default();
    let _guard = logs.install();
    let server = MockServer::start().await;
    let link = format!("https://storage.example/f.zip?sig={HIDDEN}");
    for (body, expected) in [
        (serde_json::json!(link), "expected a JSON object for MachineAction"),
        (serde_json::json!({"id": ACTION, "status": {"x": 1}, "type": link}), "line 1"),
    ] {
        server.reset().await;
        Mock::given(method("GET")).respond_with(json_answer(200, &body)).mount(&server).await;
        let client = quick(builder_for(&server.uri()));
        let error = get_action(&client).await.unwrap_err();
        let Error::Decode { message, .. } = &error else { panic!("{error:?}") };
        assert!(message.contains(expected) && message.contains("column"), "{message}");
        assert_hidden("decode", &error, &logs.text());
    }
}

#[tokio::test]
async fn a_token_refusal_echoing_the_secret_in_any_encoding_shows_none_of_it() {
    let secret = format!("{HIDDEN}+/= &\"x");
    let echoes = [
        secret.clone(),
        // Form-encoded, as the request carried it.
        format!("{HIDDEN}%2B%2F%3D+%26%22x"),
        // Percent-encoded.
        format!("{HIDDEN}%2B%2F%3D%20%26%22x"),
    ];
    for echo in echoes {
        let logs = crate::support::LogCapture::default();
        let _guard = logs.install();
        let login = MockServer::start().await;
        // serde_json escapes the quote: the JSON-escaped form is in the body too.
        let answer = serde_json::json!({"error": "invalid_client", "error_description": format!("bad secret {echo} (was {secret})")});
        Mock::given(method("POST")).respond_with(json_answer(401, &answer)).mount(&login).await;
        let credential = ClientSecretCredential::new("tenant", "client", secret.as_str())
            .token_endpoint(format!("{}/tenant/oauth2/v2.0/token?sig={HIDDEN}", login.uri()));
        assert!(!format!("{credential:?} {credential:#?}").contains(HIDDEN));
        let client = quick(Client::builder().base_url(login.uri()).credential(credential));
        let error = get_action(&client).await.unwrap_err();
        assert!(matches!(error, Error::Auth(_)), "{error:?}");
        assert_hidden(&echo, &error, &logs.text());
        assert!(!format!("{client:?}").contains(HIDDEN));
    }
}

#[test]
fn endpoints_in_debug_and_configuration_errors_show_no_user_info_or_query() {
    let credential = ClientSecretCredential::new("tenant", "client", "s")
        .token_endpoint(format!("https://user:{HIDDEN}@login.example/t/token?code={HIDDEN}"));
    let shown = format!("{credential:?}");
    assert!(shown.contains("https://login.example/t/token?<redacted>"), "{shown}");
    assert!(!shown.contains(HIDDEN), "{shown}");
    for base in [
        format!("http://user:{HIDDEN}@api.example/?sig={HIDDEN}"),
        format!("https://user:{HIDDEN}@exa mple/?sig={HIDDEN}"),
        format!("ftp://user:{HIDDEN}@api.example/?sig={HIDDEN}"),
    ] {
        let error = Client::builder().base_url(base).bearer_token("t").build().unwrap_err();
        for shown in [error.to_string(), format!("{error:?}"), format!("{error:#?}")] {
            assert!(!shown.contains(HIDDEN), "{shown}");
        }
    }
    let builder =
        Client::builder().base_url(format!("https://user:{HIDDEN}@api.example/?x={HIDDEN}"));
    assert!(!format!("{builder:?}").contains(HIDDEN));
}

// ---- rate budget pause and correlation ids ----

/// Answers 429 with `Retry-After: 1` to the first request, then the action; records when each
/// request arrived.
#[derive(Clone, Default)]
struct OnceLimited(Arc<std::sync::Mutex<Vec<Instant>>>);

impl wiremock::Respond for OnceLimited {
    fn respond(&self, _request: &wiremock::Request) -> ResponseTemplate {
        let mut arrivals = self.0.lock().unwrap();
        arrivals.push(Instant::now());
        if arrivals.len() == 1 {
            json_answer(429, &crate::support::error_json("TooManyRequests", "slow down"))
                .insert_header("Retry-After", "1")
        } else {
            json_answer(200, &action_json(ACTION, "Isolate", "Succeeded", MACHINE))
                .insert_header("request-id", "req-42")
        }
    }
}

#[tokio::test]
async fn a_429_pauses_the_operation_for_every_clone() {
    let server = MockServer::start().await;
    let responder = OnceLimited::default();
    Mock::given(method("GET")).respond_with(responder.clone()).mount(&server).await;
    let first = builder_for(&server.uri()).build().unwrap();
    let second = first.clone();
    let one = tokio::spawn(async move { get_action(&first).await });
    // The clone starts once the 429 has been answered.
    while responder.0.lock().unwrap().is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let two = get_action(&second).await;
    assert!(two.is_ok() && one.await.unwrap().is_ok());
    let arrivals = responder.0.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 3);
    for later in &arrivals[1..] {
        let after = later.duration_since(arrivals[0]);
        assert!(after >= Duration::from_millis(950), "a request went out {after:?} after the 429");
    }
}

#[tokio::test]
async fn request_ids_reach_success_metadata_and_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/machineactions/{ACTION}")))
        .respond_with(
            json_answer(200, &action_json(ACTION, "Isolate", "Succeeded", MACHINE))
                .insert_header("x-ms-request-id", "success-id"),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            json_answer(400, &crate::support::error_json("BadRequest", "no"))
                .insert_header("request-id", "error-id"),
        )
        .mount(&server)
        .await;
    let client = quick(builder_for(&server.uri()));
    let response = client
        .get_machine_action(&MachineActionId(ACTION.into()))
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(response.request_id(), Some("success-id"));
    let body = IsolateRequest::new("ids");
    let error = client.isolate_machine(&MachineId(MACHINE.into()), &body).await.unwrap_err();
    let api = error.api().unwrap();
    assert_eq!(api.request_id.as_deref(), Some("error-id"));
    assert_eq!(api.target.as_deref(), Some("43f4cb08-8fac-4b65-9db1-745c2ae65f3a"));
}

/// An `azure_identity`-style credential that hands out a fixed token.
#[cfg(feature = "azure")]
#[derive(Debug)]
struct FixedAzureCredential;

// What `#[async_trait]` expands the trait method to, written out so the test needs no
// `async-trait` dependency.
#[cfg(feature = "azure")]
impl azure_core::credentials::TokenCredential for FixedAzureCredential {
    fn get_token<'life0, 'life1, 'life2, 'life3, 'async_trait>(
        &'life0 self,
        _scopes: &'life1 [&'life2 str],
        _options: Option<azure_core::credentials::TokenRequestOptions<'life3>>,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<
                    Output = azure_core::Result<azure_core::credentials::AccessToken>,
                > + Send
                + 'async_trait,
        >,
    >
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        'life3: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let expires_on = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
            Ok(azure_core::credentials::AccessToken::new(TEST_TOKEN.to_owned(), expires_on))
        })
    }
}

#[cfg(feature = "azure")]
#[tokio::test]
async fn api_calls_with_an_azure_credential_follow_no_redirect_to_another_origin() {
    for status in [301, 302, 303, 307, 308] {
        let elsewhere = target().await;
        let api = MockServer::start().await;
        Mock::given(method("POST")).respond_with(redirect(status, &elsewhere)).mount(&api).await;
        Mock::given(method("GET")).respond_with(redirect(status, &elsewhere)).mount(&api).await;
        let credential = mde_machine_actions::AzureCredential::new(Arc::new(FixedAzureCredential));
        let client = quick(Client::builder().base_url(api.uri()).credential(credential));
        let error = get_action(&client).await.unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status), "{error:?}");
        let body = IsolateRequest::new("redirect test");
        let error = client.isolate_machine(&MachineId(MACHINE.into()), &body).await.unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status), "{error:?}");
        // The API saw the token; the other host saw nothing.
        let seen = api.received_requests().await.unwrap();
        assert!(seen.iter().all(|r| format!("{:?}", r.headers).contains(TEST_TOKEN)));
        assert_eq!(assert_nothing_secret_reached(&elsewhere).await, 0, "HTTP {status}");
    }
}
