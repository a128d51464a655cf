//! `Client::wait_for_completion` polls an action until it reaches a final status, and says
//! how it got there.
//!
//! A local wiremock server answers `GET /api/machineactions/{id}` from a scripted sequence
//! (a custom `Respond` with a counter, [`Sequence`]): the wait must end on each of the four
//! final statuses with the right number of polls, tolerate a 404 only within
//! `not_found_grace`, keep going through statuses this crate does not know (and report them),
//! give up at the deadline with the last status seen, space its polls by growing intervals,
//! and list the commands of a live response action. Intervals are milliseconds, so the tests
//! run in real time.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use mde_machine_actions::models::{
    CommandStatus, LiveResponseCommandType, MachineActionId, MachineActionStatus, MachineActionType,
};
use mde_machine_actions::{Client, WaitError, WaitOptions, WaitOutcome};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::{Sequence, action_json, client_for, error_json, json_answer};

/// A device id in Microsoft's format.
const MACHINE: &str = "1e5bc9d7e413ddd7902c2932e418702b84d0cc07";
/// The action waited for.
const ACTION: &str = "5382f7ea-7557-4ab7-9782-d50480024a4e";
/// Longest any wait may take before the test counts it as hanging.
const HANG: Duration = Duration::from_secs(10);

/// Polls 5 ms apart growing to 20 ms, a 5 s deadline and 1 s of 404 grace.
fn quick() -> WaitOptions {
    WaitOptions::default()
        .with_initial_interval(Duration::from_millis(5))
        .with_max_interval(Duration::from_millis(20))
        .with_deadline(Duration::from_secs(5))
        .with_not_found_grace(Duration::from_secs(1))
}

/// The action `id` of `kind` in `status`, as the service returns it.
fn action(id: &str, kind: &str, status: &str) -> ResponseTemplate {
    json_answer(200, &action_json(id, kind, status, MACHINE))
}

/// The documented 404 for an unknown action.
fn not_found() -> ResponseTemplate {
    json_answer(404, &error_json("ResourceNotFound", "MachineAction was not found"))
}

/// Serves `answers` for `GET /api/machineactions/{id}`; returns the server and the responder.
async fn serve(id: &str, answers: Vec<ResponseTemplate>) -> (MockServer, Sequence) {
    let server = MockServer::start().await;
    let sequence = Sequence::new(answers);
    mount(&server, id, sequence.clone()).await;
    (server, sequence)
}

/// Mounts `responder` for `GET /api/machineactions/{id}` on `server`.
async fn mount(server: &MockServer, id: &str, responder: impl Respond + 'static) {
    Mock::given(method("GET"))
        .and(path(format!("/api/machineactions/{id}")))
        .respond_with(responder)
        .mount(server)
        .await;
}

/// Waits for `id`, failing the test if the wait hangs.
async fn wait(client: &Client, id: &str, options: &WaitOptions) -> Result<WaitOutcome, WaitError> {
    let id = MachineActionId(id.to_owned());
    tokio::time::timeout(HANG, client.wait_for_completion(&id, options))
        .await
        .expect("wait_for_completion hung")
}

#[tokio::test]
async fn each_final_status_ends_the_wait_after_pending_and_in_progress() {
    let server = MockServer::start().await;
    let finals = [
        ("Succeeded", MachineActionStatus::Succeeded),
        ("Failed", MachineActionStatus::Failed),
        ("TimeOut", MachineActionStatus::TimeOut),
        ("Cancelled", MachineActionStatus::Cancelled),
    ];
    let mut sequences = Vec::new();
    for (i, (wire, _)) in finals.iter().enumerate() {
        let id = format!("00000000-0000-0000-0000-00000000000{i}");
        let sequence = Sequence::new([
            action(&id, "Isolate", "Pending"),
            action(&id, "Isolate", "InProgress"),
            action(&id, "Isolate", wire),
        ]);
        mount(&server, &id, sequence.clone()).await;
        sequences.push(sequence);
    }
    let client = client_for(&server.uri());

    for (i, (wire, status)) in finals.iter().enumerate() {
        let id = format!("00000000-0000-0000-0000-00000000000{i}");
        let outcome = wait(&client, &id, &quick()).await.unwrap_or_else(|e| panic!("{wire}: {e}"));
        assert_eq!(&outcome.action.status, status, "{wire}");
        assert_eq!(outcome.action.id.as_str(), id);
        assert_eq!(outcome.action.r#type, MachineActionType::Isolate);
        assert_eq!(outcome.polls, 3, "{wire}: Pending, InProgress, {wire}");
        assert_eq!(sequences[i].calls(), 3, "{wire}: one request per poll");
        assert_eq!(outcome.succeeded(), *wire == "Succeeded", "{wire}");
        assert!(outcome.unknown_statuses.is_empty(), "{wire}: {:?}", outcome.unknown_statuses);
        assert!(outcome.commands.is_empty(), "{wire}: not a live response");
        assert!(outcome.elapsed >= Duration::from_millis(5 + 7), "{wire}: {:?}", outcome.elapsed);
    }
}

#[tokio::test]
async fn an_action_already_final_takes_one_poll() {
    let (server, sequence) = serve(ACTION, vec![action(ACTION, "Isolate", "Succeeded")]).await;
    let client = client_for(&server.uri());

    let outcome = wait(&client, ACTION, &quick()).await.expect("final at once");

    assert_eq!((outcome.polls, sequence.calls()), (1, 1));
    assert!(outcome.succeeded());
}

#[tokio::test]
async fn a_404_within_the_grace_is_waited_out() {
    let answers = vec![not_found(), not_found(), action(ACTION, "Isolate", "Succeeded")];
    let (server, sequence) = serve(ACTION, answers).await;
    let client = client_for(&server.uri());

    let outcome = wait(&client, ACTION, &quick()).await.expect("found within the grace");

    assert_eq!(outcome.action.status, MachineActionStatus::Succeeded);
    assert_eq!((outcome.polls, sequence.calls()), (3, 3));
}

#[tokio::test]
async fn a_404_beyond_the_grace_ends_the_wait_with_the_not_found_error() {
    let (server, sequence) = serve(ACTION, vec![not_found()]).await;
    let client = client_for(&server.uri());
    let options = quick().with_not_found_grace(Duration::from_millis(500));

    let started = Instant::now();
    let error = wait(&client, ACTION, &options).await.expect_err("never found");
    let elapsed = started.elapsed();

    let WaitError::Request(inner) = &error else { panic!("expected WaitError::Request: {error}") };
    assert!(inner.is_not_found(), "{inner:?}");
    assert_eq!(inner.api().and_then(|api| api.code.as_deref()), Some("ResourceNotFound"));
    assert!(
        sequence.calls() >= 2,
        "the 404s within the grace were tolerated: {}",
        sequence.calls()
    );
    assert!(elapsed >= options.not_found_grace(), "gave up after {elapsed:?}, within the grace");
    assert!(elapsed < Duration::from_secs(4), "the deadline is not what ended it: {elapsed:?}");
    assert!(error.to_string().contains("HTTP 404"), "{error}");
    assert!(std::error::Error::source(&error).is_some());

    // Without grace, the first 404 ends the wait.
    let (server, sequence) = serve(ACTION, vec![not_found()]).await;
    let client = client_for(&server.uri());
    let options = quick().with_not_found_grace(Duration::ZERO);
    let error = wait(&client, ACTION, &options).await.expect_err("never found");
    assert!(matches!(&error, WaitError::Request(e) if e.is_not_found()), "{error}");
    assert_eq!(sequence.calls(), 1);
}

#[tokio::test]
async fn an_unknown_status_keeps_the_wait_going_and_is_reported() {
    let answers = vec![
        action(ACTION, "Isolate", "Queued"),
        action(ACTION, "Isolate", "Queued"),
        action(ACTION, "Isolate", "Succeeded"),
    ];
    let (server, sequence) = serve(ACTION, answers).await;
    let client = client_for(&server.uri());

    let outcome = wait(&client, ACTION, &quick()).await.expect("ends on Succeeded");

    assert_eq!(outcome.action.status, MachineActionStatus::Succeeded);
    assert_eq!(outcome.unknown_statuses, vec!["Queued".to_owned()]);
    assert_eq!((outcome.polls, sequence.calls()), (3, 3));
}

#[tokio::test]
async fn the_deadline_ends_the_wait_with_the_polls_and_the_last_status() {
    let answers =
        vec![action(ACTION, "Isolate", "Queued"), action(ACTION, "Isolate", "InProgress")];
    let (server, sequence) = serve(ACTION, answers).await;
    let client = client_for(&server.uri());
    let options = WaitOptions::default()
        .with_initial_interval(Duration::from_millis(10))
        .with_max_interval(Duration::from_millis(20))
        .with_deadline(Duration::from_millis(500))
        .with_not_found_grace(Duration::ZERO);

    let started = Instant::now();
    let error = wait(&client, ACTION, &options).await.expect_err("never final");
    let elapsed = started.elapsed();

    let WaitError::DeadlineExceeded { last, unknown_statuses, polls, elapsed: reported, .. } =
        &error
    else {
        panic!("expected DeadlineExceeded: {error}");
    };
    // One request per answered poll, plus possibly one that the deadline cut short after the
    // server had counted it.
    let extra = sequence.calls() - *polls as usize;
    assert!(extra <= 1, "{polls} polls but {} requests", sequence.calls());
    // Normally dozens of polls; on an overloaded machine the first may use up the deadline.
    let (expected, shown) = match polls {
        1 => (MachineActionStatus::Unknown("Queued".into()), "Queued"),
        _ => (MachineActionStatus::InProgress, "InProgress"),
    };
    let last = last.as_ref().expect("the action was read");
    assert_eq!(last.status, expected);
    assert_eq!(unknown_statuses, &vec!["Queued".to_owned()]);
    // The deadline is checked before each sleep, so it ends at most one poll past it.
    assert!(*reported <= elapsed, "reported {reported:?}, measured {elapsed:?}");
    assert!(elapsed < options.deadline() + Duration::from_secs(2), "took {elapsed:?}");
    let text = error.to_string();
    assert!(text.contains(&format!("({polls} polls, last status {shown})")), "{text}");
    assert!(text.contains(&format!("did not finish within {reported:.1?} (")), "{text}");
}

/// Arrival times of the requests it answers, then the answer of a [`Sequence`].
#[derive(Debug, Clone)]
struct Timed {
    answers: Sequence,
    arrivals: Arc<Mutex<Vec<Instant>>>,
}

impl Respond for Timed {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.arrivals.lock().unwrap_or_else(PoisonError::into_inner).push(Instant::now());
        self.answers.respond(request)
    }
}

#[tokio::test]
async fn polls_are_spaced_by_intervals_growing_by_half_up_to_the_maximum() {
    let server = MockServer::start().await;
    let mut answers = vec![action(ACTION, "Isolate", "InProgress"); 5];
    answers.push(action(ACTION, "Isolate", "Succeeded"));
    let timed = Timed { answers: Sequence::new(answers), arrivals: Arc::default() };
    mount(&server, ACTION, timed.clone()).await;
    let client = client_for(&server.uri());
    let options = quick()
        .with_initial_interval(Duration::from_millis(20))
        .with_max_interval(Duration::from_millis(40));

    let outcome = wait(&client, ACTION, &options).await.expect("ends on Succeeded");

    assert_eq!(outcome.polls, 6);
    let arrivals = timed.arrivals.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let gaps: Vec<Duration> = arrivals.windows(2).map(|pair| pair[1] - pair[0]).collect();
    // 20 ms, then each wait half as long again (30, 45 → capped at 40).
    let least = [20, 30, 40, 40, 40].map(Duration::from_millis);
    assert_eq!(gaps.len(), least.len());
    for (i, (gap, least)) in gaps.iter().zip(least).enumerate() {
        assert!(*gap >= least, "wait {} was {gap:?}, expected at least {least:?}", i + 1);
    }
    assert!(outcome.elapsed >= Duration::from_millis(170), "{:?}", outcome.elapsed);
}

/// A live response action in `status` whose two commands are in `first` and `second`, the
/// second with `errors`.
fn live_response(status: &str, first: &str, second: &str, errors: Value) -> Value {
    let mut action = action_json(ACTION, "LiveResponse", status, MACHINE);
    action["commands"] = json!([
        {
            "index": 0,
            "startTime": "2021-02-04T15:37:10.123Z",
            "endTime": null,
            "commandStatus": first,
            "errors": [],
            "command": {
                "type": "RunScript",
                "params": [
                    {"key": "ScriptName", "value": "minidump.ps1"},
                    {"key": "Args", "value": "OfficeClickToRun"}
                ]
            }
        },
        {
            "index": 1,
            "startTime": null,
            "endTime": null,
            "commandStatus": second,
            "errors": errors,
            "command": {
                "type": "GetFile",
                "params": [{"key": "Path", "value": "C:\\windows\\TEMP\\OfficeClickToRun.dmp.zip"}]
            }
        }
    ]);
    action
}

#[tokio::test]
async fn a_live_response_outcome_lists_each_command() {
    let answers = vec![
        json_answer(200, &live_response("Pending", "Created", "Created", json!([]))),
        json_answer(200, &live_response("InProgress", "Completed", "Created", json!([]))),
        json_answer(
            200,
            &live_response("Failed", "Completed", "Failed", json!(["File not found", {"code": 2}])),
        ),
    ];
    let (server, sequence) = serve(ACTION, answers).await;
    let client = client_for(&server.uri());

    let outcome = wait(&client, ACTION, &quick()).await.expect("ends on Failed");

    assert_eq!(outcome.action.status, MachineActionStatus::Failed);
    assert_eq!(outcome.action.r#type, MachineActionType::LiveResponse);
    assert_eq!((outcome.polls, sequence.calls()), (3, 3));
    let commands: Vec<_> = outcome
        .commands
        .iter()
        .map(|c| (c.index, c.command_type.clone(), c.status.clone(), c.errors.clone()))
        .collect();
    assert_eq!(
        commands,
        vec![
            (Some(0), LiveResponseCommandType::RunScript, CommandStatus::Completed, vec![]),
            (
                Some(1),
                LiveResponseCommandType::GetFile,
                CommandStatus::Failed,
                vec![json!("File not found"), json!({"code": 2})],
            ),
        ]
    );
}

/// The deadline also bounds a poll that the HTTP core keeps retrying (here a 429 storm with
/// `Retry-After: 1` and the default four attempts, about 3 s): the wait ends at the 300 ms
/// deadline with `DeadlineExceeded`, not with `Error::RateLimited` seconds later.
#[tokio::test]
async fn the_deadline_also_bounds_a_poll_stuck_in_retries() {
    let throttled = json_answer(429, &error_json("TooManyRequests", "Too many requests"))
        .insert_header("Retry-After", "1");
    let (server, _) = serve(ACTION, vec![throttled]).await;
    let client = client_for(&server.uri());
    let options = WaitOptions::default()
        .with_initial_interval(Duration::from_millis(10))
        .with_max_interval(Duration::from_millis(20))
        .with_deadline(Duration::from_millis(300))
        .with_not_found_grace(Duration::ZERO);

    let started = Instant::now();
    let result = wait(&client, ACTION, &options).await;
    let elapsed = started.elapsed();

    assert!(elapsed < options.deadline() + Duration::from_millis(500), "gave up after {elapsed:?}");
    assert!(matches!(result, Err(WaitError::DeadlineExceeded { .. })), "{result:?}");
}
