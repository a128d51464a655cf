//! The client retries exactly when sending again cannot make the service act twice.
//!
//! Every test runs the generated [`Client`] against a local wiremock server (or a closed port
//! on 127.0.0.1) and counts the requests that really arrived:
//!
//! - a 429 is waited out for as long as `Retry-After` asks (seconds or an HTTP date), then the
//!   request is sent once more, even for an action (POST) such as isolate;
//! - a 5xx, a timeout or a broken exchange is retried only for reads (GET): a POST the service
//!   may have acted on is never replayed;
//! - retries are bounded by `RetryPolicy::max_attempts`, and a `Retry-After` longer than
//!   `RetryPolicy::max_retry_after` fails the call at once;
//! - a connection that could not even be opened is retried for every method.
//!
//! Real time is used where the waits are short; the 429 storm runs on tokio's paused clock
//! (with request timeouts off, so that auto-advance cannot fire them while the test waits for
//! the server).

use std::time::{Duration, Instant, SystemTime};

use mde_machine_actions::models::{
    IsolateRequest, MachineAction, MachineActionId, MachineActionStatus, MachineId,
    UnisolateRequest,
};
use mde_machine_actions::{Client, Error, RateBudget, RetryPolicy, StatusCode};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    LogCapture, Sequence, action_json, builder_for, closed_local_url, error_json, json_answer,
    received_at_least,
};

/// A device id in Microsoft's format.
const MACHINE: &str = "1e5bc9d7e413ddd7902c2932e418702b84d0cc07";
/// An action id in Microsoft's format.
const ACTION: &str = "5382f7ea-7557-4ab7-9782-d50480024a4e";
/// Where isolating [`MACHINE`] is posted.
const ISOLATE_PATH: &str = "/api/machines/1e5bc9d7e413ddd7902c2932e418702b84d0cc07/isolate";
/// Where releasing [`MACHINE`] is posted.
const UNISOLATE_PATH: &str = "/api/machines/1e5bc9d7e413ddd7902c2932e418702b84d0cc07/unisolate";
/// Where [`ACTION`] is read.
const ACTION_PATH: &str = "/api/machineactions/5382f7ea-7557-4ab7-9782-d50480024a4e";
/// Longest any single test may take before it counts as hanging.
const HANG: Duration = Duration::from_secs(10);

/// `max_attempts` attempts with backoff steps of 10–20 ms and `Retry-After` honoured up to 5 s.
fn quick_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(max_attempts)
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(20))
        .with_max_retry_after(Duration::from_secs(5))
}

/// A client for `server` with `policy` and no rate budget.
fn client(server: &MockServer, policy: RetryPolicy) -> Client {
    builder_for(&server.uri())
        .retry_policy(policy)
        .rate_budget(RateBudget::disabled())
        .build()
        .expect("the client builds")
}

/// Isolates [`MACHINE`], failing the test if the call hangs.
async fn isolate(client: &Client) -> Result<MachineAction, Error> {
    let body = IsolateRequest::new("resilience test");
    tokio::time::timeout(HANG, client.isolate_machine(&MachineId(MACHINE.into()), &body))
        .await
        .expect("isolate_machine hung")
}

/// Reads [`ACTION`], failing the test if the call hangs.
async fn get(client: &Client) -> Result<MachineAction, Error> {
    tokio::time::timeout(HANG, client.get_machine_action(&MachineActionId(ACTION.into())))
        .await
        .expect("get_machine_action hung")
}

/// The isolate action the server answers with.
fn isolate_answer() -> ResponseTemplate {
    json_answer(201, &action_json(ACTION, "Isolate", "Pending", MACHINE))
}

/// The read action the server answers with.
fn get_answer() -> ResponseTemplate {
    json_answer(200, &action_json(ACTION, "Isolate", "Succeeded", MACHINE))
}

/// A documented 429 answer with the given `Retry-After` value.
fn too_many(retry_after: &str) -> ResponseTemplate {
    json_answer(429, &error_json("TooManyRequests", "Too many requests"))
        .insert_header("Retry-After", retry_after)
}

/// Every request the server received, by method and path.
async fn received(server: &MockServer) -> Vec<(String, String)> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
        .iter()
        .map(|request| (request.method.to_string(), request.url.path().to_owned()))
        .collect()
}

/// `count` copies of `(verb, path)`.
fn times(count: usize, verb: &str, path: &str) -> Vec<(String, String)> {
    vec![(verb.to_owned(), path.to_owned()); count]
}

/// How many retries the client logged.
fn logged_retries(logs: &LogCapture) -> usize {
    logs.text().matches("retrying attempt=").count()
}

#[tokio::test]
async fn a_429_with_retry_after_seconds_is_waited_out_then_the_post_is_sent_once_more() {
    let server = MockServer::start().await;
    let answers = Sequence::new([too_many("1"), isolate_answer()]);
    Mock::given(method("POST"))
        .and(path(ISOLATE_PATH))
        .respond_with(answers.clone())
        .mount(&server)
        .await;
    let client = client(&server, quick_retries(4));

    let started = Instant::now();
    let action = isolate(&client).await.expect("the second attempt succeeds");
    let elapsed = started.elapsed();

    assert_eq!(action.id.as_str(), ACTION);
    assert_eq!(answers.calls(), 2, "exactly one retry");
    assert!(elapsed >= Duration::from_secs(1), "retried after {elapsed:?}, before Retry-After: 1");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    let requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.method.as_str(), "POST");
        assert_eq!(request.url.path(), ISOLATE_PATH);
        assert_eq!(
            request.body_json::<serde_json::Value>().expect("a JSON body"),
            json!({"Comment": "resilience test"}),
            "the retry sends the same body"
        );
    }
}

#[tokio::test]
async fn a_429_with_retry_after_as_an_http_date_is_waited_out() {
    let server = MockServer::start().await;
    let client = client(&server, quick_retries(4));
    // An HTTP date has whole seconds: two seconds from now, rounded down, is more than one
    // second away.
    let started = SystemTime::now();
    let date = http_date(started + Duration::from_secs(2));
    let at = whole_seconds(started + Duration::from_secs(2));
    let answers = Sequence::new([too_many(&date), isolate_answer()]);
    Mock::given(method("POST"))
        .and(path(ISOLATE_PATH))
        .respond_with(answers.clone())
        .mount(&server)
        .await;

    isolate(&client).await.expect("the second attempt succeeds");
    let done = SystemTime::now();

    assert_eq!(answers.calls(), 2, "exactly one retry");
    assert!(done >= at, "retried before the date the 429 named ({date})");
    let elapsed = done.duration_since(started).expect("the clock runs forward");
    assert!(elapsed >= Duration::from_secs(1), "retried after {elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
}

/// `at`, rounded down to the second.
fn whole_seconds(at: SystemTime) -> SystemTime {
    let since_epoch = at.duration_since(SystemTime::UNIX_EPOCH).expect("after 1970");
    SystemTime::UNIX_EPOCH + Duration::from_secs(since_epoch.as_secs())
}

/// `at` as an HTTP date (IMF-fixdate), e.g. `Wed, 21 Oct 2015 07:28:00 GMT`.
fn http_date(at: SystemTime) -> String {
    let at = time::OffsetDateTime::from(at);
    at.format(time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    ))
    .expect("formats")
}

#[tokio::test]
async fn a_429_with_a_past_date_or_no_retry_after_is_retried_after_a_backoff() {
    let server = MockServer::start().await;
    let answers = Sequence::new([
        too_many("Wed, 21 Oct 2015 07:28:00 GMT"),
        json_answer(429, &error_json("TooManyRequests", "Too many requests")),
        isolate_answer(),
    ]);
    Mock::given(method("POST"))
        .and(path(ISOLATE_PATH))
        .respond_with(answers.clone())
        .mount(&server)
        .await;
    let client = client(&server, quick_retries(4));

    isolate(&client).await.expect("the third attempt succeeds");

    assert_eq!(answers.calls(), 3);
}

#[tokio::test]
async fn a_5xx_answer_to_a_post_is_returned_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ISOLATE_PATH))
        .respond_with(json_answer(500, &error_json("InternalServerError", "retry later")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(UNISOLATE_PATH))
        .respond_with(
            json_answer(503, &error_json("ServiceUnavailable", "busy"))
                .insert_header("Retry-After", "0"),
        )
        .mount(&server)
        .await;
    let client = client(&server, quick_retries(4));

    let error = isolate(&client).await.expect_err("a 500 is an error");
    let Error::Api(api) = &error else { panic!("expected Error::Api, got {error:?}") };
    assert_eq!(
        (api.status, api.code.as_deref()),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("InternalServerError"))
    );
    assert_eq!(error.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));

    let body = UnisolateRequest::new("resilience test");
    let error = client
        .unisolate_machine(&MachineId(MACHINE.into()), &body)
        .await
        .expect_err("a 503 is an error");
    assert!(
        matches!(&error, Error::Api(api) if api.status == StatusCode::SERVICE_UNAVAILABLE),
        "{error:?}"
    );

    let mut expected = times(1, "POST", ISOLATE_PATH);
    expected.extend(times(1, "POST", UNISOLATE_PATH));
    assert_eq!(received(&server).await, expected, "neither POST was sent twice");
}

#[tokio::test]
async fn a_503_answer_to_a_get_is_retried_until_it_succeeds() {
    let server = MockServer::start().await;
    let answers = Sequence::new([
        json_answer(503, &error_json("ServiceUnavailable", "busy"))
            .insert_header("Retry-After", "0"),
        get_answer(),
    ]);
    Mock::given(method("GET"))
        .and(path(ACTION_PATH))
        .respond_with(answers.clone())
        .mount(&server)
        .await;
    let client = client(&server, quick_retries(4));

    let action = get(&client).await.expect("the retry succeeds");

    assert_eq!(action.status, MachineActionStatus::Succeeded);
    assert_eq!(received(&server).await, times(2, "GET", ACTION_PATH));
}

#[tokio::test]
async fn a_get_that_keeps_failing_with_5xx_gives_up_after_max_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ACTION_PATH))
        .respond_with(json_answer(500, &error_json("InternalServerError", "down")))
        .mount(&server)
        .await;
    let client = client(&server, quick_retries(3));

    let error = get(&client).await.expect_err("every attempt fails");

    assert!(
        matches!(&error, Error::Api(api) if api.status == StatusCode::INTERNAL_SERVER_ERROR),
        "{error:?}"
    );
    assert_eq!(received(&server).await, times(3, "GET", ACTION_PATH));
}

/// Runs on the paused clock: the three 2-second waits take no real time. Request timeouts are
/// off, so auto-advance (which may jump to the connection pool's idle timer while the test
/// waits for the server) cannot fail a request; the test asserts only a lower bound on the
/// virtual time.
#[tokio::test(start_paused = true)]
async fn a_429_storm_ends_after_max_attempts_with_rate_limited() {
    let server = MockServer::start().await;
    let answers = Sequence::new([too_many("2")]);
    Mock::given(method("POST"))
        .and(path(ISOLATE_PATH))
        .respond_with(answers.clone())
        .mount(&server)
        .await;
    let policy = RetryPolicy::default();
    let client = builder_for(&server.uri())
        .retry_policy(policy)
        .rate_budget(RateBudget::disabled())
        .timeout(None)
        .connect_timeout(None)
        .build()
        .expect("the client builds");

    // No `tokio::time::timeout` here: on the paused clock, auto-advance would fire it while the
    // test waits for the server.
    let body = IsolateRequest::new("resilience test");
    let started = tokio::time::Instant::now();
    let error = client
        .isolate_machine(&MachineId(MACHINE.into()), &body)
        .await
        .expect_err("every answer is 429");
    let elapsed = started.elapsed();

    let Error::RateLimited { operation, retry_after, attempts, api, .. } = &error else {
        panic!("expected Error::RateLimited, got {error:?}");
    };
    assert_eq!(*operation, "isolateMachine");
    assert_eq!(*attempts, policy.max_attempts());
    assert_eq!(*retry_after, Some(Duration::from_secs(2)));
    assert_eq!(
        (api.status, api.code.as_deref()),
        (StatusCode::TOO_MANY_REQUESTS, Some("TooManyRequests"))
    );
    assert_eq!(error.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(answers.calls(), policy.max_attempts() as usize);
    let waits = Duration::from_secs(2) * (policy.max_attempts() - 1);
    assert!(elapsed >= waits, "{elapsed:?} of virtual time, expected at least {waits:?}");
    let text = error.to_string();
    assert!(text.contains("after 4 attempt(s)") && text.contains("wait 2s"), "{text}");
}

#[tokio::test]
async fn a_retry_after_longer_than_max_retry_after_fails_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ISOLATE_PATH))
        .respond_with(too_many("600"))
        .mount(&server)
        .await;
    let policy = quick_retries(4).with_max_retry_after(Duration::from_secs(300));
    let client = client(&server, policy);

    let started = Instant::now();
    let error = isolate(&client).await.expect_err("the wait is too long");
    let elapsed = started.elapsed();

    let Error::RateLimited { retry_after, attempts, .. } = &error else {
        panic!("expected Error::RateLimited, got {error:?}");
    };
    assert_eq!((*attempts, *retry_after), (1, Some(Duration::from_secs(600))));
    assert!(elapsed < Duration::from_secs(2), "slept {elapsed:?} before giving up");
    assert_eq!(received(&server).await, times(1, "POST", ISOLATE_PATH));
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_a_post() {
    let policy = quick_retries(3);
    let client = mde_machine_actions::Client::builder()
        .base_url(closed_local_url())
        .bearer_token(crate::support::TEST_TOKEN)
        .retry_policy(policy)
        .rate_budget(RateBudget::disabled())
        .connect_timeout(Some(Duration::from_secs(2)))
        .build()
        .expect("the client builds");
    let logs = LogCapture::default();
    let _logging = logs.install();

    let started = Instant::now();
    let error = isolate(&client).await.expect_err("nothing listens");
    let elapsed = started.elapsed();

    assert!(
        matches!(&error, Error::Transport { operation: "isolateMachine", .. }),
        "expected Error::Transport, got {error:?}"
    );
    assert_eq!(logged_retries(&logs), 2, "3 attempts; log:\n{}", logs.text());
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");

    let error = get(&client).await.expect_err("nothing listens");
    assert!(matches!(&error, Error::Transport { .. }), "{error:?}");
    assert_eq!(logged_retries(&logs), 4, "3 more attempts; log:\n{}", logs.text());

    let once = mde_machine_actions::Client::builder()
        .base_url(closed_local_url())
        .bearer_token(crate::support::TEST_TOKEN)
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("the client builds");
    assert!(matches!(isolate(&once).await, Err(Error::Transport { .. })));
    assert_eq!(logged_retries(&logs), 4, "RetryPolicy::never() does not retry");
}

#[tokio::test]
async fn a_post_that_times_out_is_not_retried_but_a_get_is() {
    let server = MockServer::start().await;
    let slow = Duration::from_secs(3);
    Mock::given(method("POST"))
        .and(path(ISOLATE_PATH))
        .respond_with(isolate_answer().set_delay(slow))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ACTION_PATH))
        .respond_with(get_answer().set_delay(slow))
        .mount(&server)
        .await;
    let client = builder_for(&server.uri())
        .retry_policy(quick_retries(3))
        .rate_budget(RateBudget::disabled())
        .timeout(Some(Duration::from_millis(500)))
        .build()
        .expect("the client builds");
    let logs = LogCapture::default();
    let _logging = logs.install();

    let started = Instant::now();
    let (posted, read) = tokio::join!(isolate(&client), get(&client));
    let elapsed = started.elapsed();

    let error = posted.expect_err("no answer in time");
    assert!(matches!(&error, Error::Timeout { operation: "isolateMachine", .. }), "{error:?}");
    let error = read.expect_err("no answer in time");
    assert!(matches!(&error, Error::Timeout { operation: "getMachineAction", .. }), "{error:?}");
    assert!(elapsed < slow, "a call waited for the slow answer: {elapsed:?}");
    let retries = |operation: &str| {
        let text = logs.text();
        let span = format!("operation=\"{operation}\"");
        text.lines().filter(|l| l.contains(&span) && l.contains("retrying attempt=")).count()
    };
    assert_eq!(retries("isolateMachine"), 0, "the POST is not replayed:\n{}", logs.text());
    assert_eq!(retries("getMachineAction"), 2, "the GET is tried 3 times:\n{}", logs.text());
    // A request written just before its timeout may reach the server a moment later.
    received_at_least(&server, 4, slow).await;
    let mut seen = received(&server).await;
    seen.sort();
    let mut expected = times(3, "GET", ACTION_PATH);
    expected.extend(times(1, "POST", ISOLATE_PATH));
    assert_eq!(seen, expected, "one POST, and each GET attempt, reached the server");
}
