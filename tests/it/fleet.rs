//! Fleet operations (`Client::fleet`) against the in-process simulator on a virtual clock
//! ([`VirtualClock`]): a thousand devices within the documented quotas, faults that leave the
//! outcome of a request unclear, actions already in progress, actions that never finish.
//!
//! Each test counts what the simulator saw: requests per route, 429s, and the actions each
//! device ended up with (a duplicate is a second action of the same type on one device).

use std::collections::BTreeMap;
use std::time::Duration;

use mde_machine_actions::models::{
    IsolateRequest, IsolationType, MachineActionStatus, MachineActionType, MachineId,
    RunAntiVirusScanRequest, ScanType,
};
use mde_machine_actions::{
    Adoption, Client, FleetError, FleetEvent, FleetOptions, FleetReport, ServiceErrorExt as _,
    WaitOptions, operations,
};
use mde_simulator::{Config, FaultPhase, FaultRule, OsPlatform, Simulator, Timing};
use tokio::time::Instant;

use crate::virtual_clock::VirtualClock;

/// The clock moves this much at a time when nothing is in flight.
const STEP: Duration = Duration::from_millis(100);

fn client(simulator: &Simulator) -> Client {
    Client::builder()
        .base_url(simulator.base_url())
        .bearer_token(simulator.token())
        .timeout(None)
        .connect_timeout(None)
        .build()
        .expect("the client builds")
}

async fn simulator(config: Config) -> (Simulator, Client, Vec<MachineId>) {
    let simulator = Simulator::start(config).await.expect("the simulator starts");
    let client = client(&simulator);
    let devices = simulator.machines().into_iter().map(|m| m.id).collect();
    (simulator, client, devices)
}

fn isolate(comment: &str) -> IsolateRequest {
    IsolateRequest::new(comment).with_isolation_type(IsolationType::Full)
}

/// Actions of `kind` per device, as the simulator holds them.
fn actions_per_device(simulator: &Simulator, kind: &MachineActionType) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for action in simulator.actions().into_iter().filter(|a| &a.r#type == kind) {
        let device = action.machine_id.map(|m| m.to_string()).unwrap_or_default();
        *counts.entry(device).or_default() += 1;
    }
    counts
}

/// 1,000 isolations under the documented quota (100 a minute), watched to completion. The
/// quota alone keeps the 1,000th request from going before nine full minutes, and an action
/// takes the simulator 3 s: 543 s is the least any client can take.
// Prints its figures (run with --nocapture).
#[allow(clippy::print_stderr)]
#[tokio::test(start_paused = true)]
async fn a_thousand_devices_are_isolated_and_watched_with_a_few_listings_and_no_429() {
    let config = Config::default()
        .with_machine_count(1000)
        .with_platforms(vec![OsPlatform::Windows11])
        .with_arrival_delay(Duration::from_millis(50), Duration::from_millis(40))
        .with_rate_limit_skew(Duration::from_secs(2));
    let (simulator, client, devices) = simulator(config).await;
    assert_eq!(devices.len(), 1000);
    let clock = VirtualClock::hold();

    let work = async move {
        let started = Instant::now();
        let mut events = 0;
        let report = client.fleet(isolate("Incident 4711")).run(devices).report(|_| events += 1);
        let report = report.await;
        (report, events, started.elapsed())
    };
    let (report, events, took) = clock.run_until_done(STEP, Duration::from_secs(900), work).await;

    assert_eq!(report.succeeded(), 1000, "failed: {:?}", report.failed.values().next());
    assert!(report.failed.is_empty());
    assert_eq!((report.submitted, report.adopted, report.resubmitted), (1000, 0, 0));
    let stats = simulator.stats();
    let listings = stats.requests(&operations::LIST_MACHINE_ACTIONS);
    let gets = stats.requests(&operations::GET_MACHINE_ACTION);
    assert_eq!(stats.count(&operations::ISOLATE_MACHINE, 201), 1000);
    assert_eq!(stats.with_status(429), 0, "the service answered 429");
    assert!(listings <= 36, "{listings} listings to watch 1,000 actions");
    assert_eq!(gets, 0, "every action was found by the listings");
    let minimum = Duration::from_secs(543);
    let ratio = took.as_secs_f64() / minimum.as_secs_f64();
    assert!(ratio <= 1.05, "1,000 isolations watched to the end took {took:?}: {ratio:.3}x");
    assert!(actions_per_device(&simulator, &MachineActionType::Isolate).values().all(|n| *n == 1));
    eprintln!(
        "fleet of 1,000: {} calls ({} isolations, {listings} listings), {events} events, \
         {took:?} of virtual time ({ratio:.3}x the minimum), 0 429s",
        stats.total(),
        1000
    );
    simulator.shutdown().await;
}

/// A responder whose every request may fail after the action was created (20% 500s after
/// processing, 20% connections closed after processing) and who runs the fleet again for
/// every device it reports failed: every device ends with exactly one isolation.
// Prints its figures (run with --nocapture).
#[allow(clippy::print_stderr)]
#[tokio::test(start_paused = true)]
async fn retrying_every_failure_under_faults_after_processing_isolates_each_device_once() {
    let faults = FaultRule {
        error_rate: 0.2,
        error_phase: FaultPhase::AfterProcessing,
        drop_rate: 0.2,
        drop_phase: FaultPhase::AfterProcessing,
        ..FaultRule::default()
    };
    let config = Config::default()
        .with_machine_count(60)
        .with_platforms(vec![OsPlatform::Windows11, OsPlatform::WindowsServer2022])
        .with_seed(11);
    let (simulator, client, devices) = simulator(config).await;
    simulator.set_fault(&operations::ISOLATE_MACHINE, Some(faults));
    let clock = VirtualClock::hold();

    let work = async move {
        let mut remaining = devices;
        let mut runs = Vec::new();
        while !remaining.is_empty() && runs.len() < 5 {
            let report = client.fleet(isolate("Incident 4712")).run(remaining).report(|_| {});
            let report = report.await;
            remaining = report.failed.keys().map(|d| MachineId::from(d.as_str())).collect();
            runs.push(report);
        }
        runs
    };
    let runs = clock.run_until_done(STEP, Duration::from_secs(1800), work).await;

    let last = runs.last().expect("one run at least");
    assert!(last.failed.is_empty(), "still failing after {} runs: {:?}", runs.len(), last.failed);
    let succeeded: usize = runs.iter().map(FleetReport::succeeded).sum();
    assert_eq!(succeeded, 60);
    let per_device = actions_per_device(&simulator, &MachineActionType::Isolate);
    assert_eq!(per_device.len(), 60, "every device has an isolation");
    let duplicates: usize = per_device.values().map(|n| n - 1).sum();
    assert_eq!(duplicates, 0, "devices isolated twice: {per_device:?}");
    let adopted: usize = runs.iter().map(|r| r.adopted).sum();
    let stats = simulator.stats();
    let faults = stats.count(&operations::ISOLATE_MACHINE, 500)
        + stats.dropped(&operations::ISOLATE_MACHINE);
    assert!(faults >= 10, "only {faults} faults were injected");
    assert_eq!(adopted as u64, faults, "each unclear failure was reconciled by adoption");
    eprintln!(
        "60 devices, {faults} unclear failures: {adopted} adopted, 0 duplicates, {} run(s)",
        runs.len()
    );
    simulator.shutdown().await;
}

/// A request the service never processed (500 before processing) is sent again once the
/// listing shows no action, up to `max_submissions`; the device then fails with the typed
/// error, and nothing was created twice.
#[tokio::test(start_paused = true)]
async fn an_unprocessed_request_is_sent_again_only_after_its_action_was_not_found() {
    let config = Config::default().with_machine_count(2).with_seed(5);
    let (simulator, client, devices) = simulator(config).await;
    let always = FaultRule {
        error_rate: 1.0,
        error_phase: FaultPhase::BeforeProcessing,
        ..FaultRule::default()
    };
    simulator.set_fault(&operations::ISOLATE_MACHINE, Some(always));
    let clock = VirtualClock::hold();

    let options = FleetOptions::default().with_max_submissions(3);
    let fleet = client.fleet(isolate("Incident 4713")).options(options);
    let work = async move {
        let mut events = Vec::new();
        let report = fleet.run(devices).report(|e| events.push(e.to_string())).await;
        (report, events)
    };
    let (report, events) = clock.run_until_done(STEP, Duration::from_secs(600), work).await;

    assert_eq!(report.failed.len(), 2);
    for error in report.failed.values() {
        match error {
            FleetError::Uncertain { error, submissions } => {
                assert_eq!(*submissions, 3);
                assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
            }
            other => panic!("expected an unclear failure, got {other}"),
        }
    }
    assert_eq!(report.resubmitted, 4, "two more submissions per device");
    assert_eq!(simulator.stats().count(&operations::ISOLATE_MACHINE, 500), 6);
    assert!(simulator.actions().is_empty(), "the service never acted");
    assert_eq!(events.iter().filter(|e| e.contains("sending again")).count(), 4);
    simulator.shutdown().await;
}

/// "Already in progress" adopts the running action (the default) or fails with the service's
/// error (adoption off); either way no second action is created.
#[tokio::test(start_paused = true)]
async fn an_action_already_in_progress_is_adopted_unless_adoption_is_off() {
    let slow = Timing::new(Duration::from_secs(30), Duration::from_secs(60));
    let config = Config::default()
        .with_machine_count(3)
        .with_timing(MachineActionType::RunAntiVirusScan, slow);
    let (simulator, client, devices) = simulator(config).await;
    let scan = RunAntiVirusScanRequest::new("Incident 4714", ScanType::Quick);
    let running = client.run_anti_virus_scan(&devices[0], &scan).await.expect("first scan");
    let clock = VirtualClock::hold();

    let adopting = client.fleet(scan.clone()).run(devices.clone());
    let refusing = client
        .fleet(scan)
        .options(FleetOptions::default().with_adopt_in_progress(false).with_wait(None));
    let work = async move {
        // While the first scan runs: refused when adoption is off...
        let refused = refusing.run(devices[..1].to_vec()).report(|_| {}).await;
        // ...adopted by default.
        let mut adopted = Vec::new();
        let report = adopting
            .report(|event| {
                if let FleetEvent::Adopted { action, reason, .. } = event {
                    adopted.push((action.id.clone(), *reason));
                }
            })
            .await;
        (report, adopted, refused)
    };
    let (report, adopted, refused) =
        clock.run_until_done(STEP, Duration::from_secs(900), work).await;

    assert_eq!(adopted, vec![(running.id.clone(), Adoption::AlreadyInProgress)]);
    assert_eq!((report.submitted, report.adopted, report.succeeded()), (2, 1, 3));
    let error = refused.failed.values().next().expect("the device failed");
    assert!(matches!(error, FleetError::Request(e) if e.is_already_in_progress()), "{error}");
    let per_device = actions_per_device(&simulator, &MachineActionType::RunAntiVirusScan);
    assert!(per_device.values().all(|n| *n == 1), "{per_device:?}");
    simulator.shutdown().await;
}

/// Actions that never finish end the device with `DeadlineExceeded` and their last status, and
/// the run ends; without waiting, the run ends with every device's new action.
#[tokio::test(start_paused = true)]
async fn actions_that_never_finish_fail_at_the_deadline_and_a_run_without_wait_ends_at_once() {
    let never = Timing::new(Duration::from_secs(1), Duration::from_secs(100 * 3600));
    let config =
        Config::default().with_machine_count(5).with_timing(MachineActionType::Isolate, never);
    let (simulator, client, devices) = simulator(config).await;
    let clock = VirtualClock::hold();

    let wait = WaitOptions::default().with_deadline(Duration::from_secs(300));
    let waiting = client
        .fleet(isolate("Incident 4715"))
        .options(FleetOptions::default().with_wait(Some(wait)));
    let fire_and_forget = client
        .fleet(isolate("Incident 4716"))
        .options(FleetOptions::default().with_wait(None).with_adopt_in_progress(false));
    let work = async move {
        let started = Instant::now();
        let report = waiting.run(devices.clone()).report(|_| {}).await;
        let took = started.elapsed();
        let listings_before = Instant::now();
        let second = fire_and_forget.run(devices).report(|_| {}).await;
        (report, took, second, listings_before.elapsed())
    };
    let (report, took, second, second_took) =
        clock.run_until_done(STEP, Duration::from_secs(900), work).await;

    assert_eq!(report.failed.len(), 5);
    for error in report.failed.values() {
        let FleetError::DeadlineExceeded { last } = error else { panic!("{error}") };
        assert_eq!(last.status, MachineActionStatus::InProgress);
    }
    assert!(took >= Duration::from_secs(300) && took < Duration::from_secs(370), "{took:?}");
    // Adoption off and the first isolations still running: each is refused, nothing waits.
    assert_eq!(second.failed.len(), 5);
    assert!(second_took < Duration::from_secs(5), "{second_took:?}");
    let listings = simulator.stats().requests(&operations::LIST_MACHINE_ACTIONS);
    assert!(listings <= 15, "{listings} listings over five minutes");
    simulator.shutdown().await;
}

/// A device named twice is sent the action once.
#[tokio::test(start_paused = true)]
async fn a_device_named_twice_gets_one_action() {
    let (simulator, client, devices) = simulator(Config::default().with_machine_count(1)).await;
    let clock = VirtualClock::hold();

    let twice = vec![devices[0].clone(), devices[0].clone()];
    let run =
        client.fleet(isolate("Incident 4717")).options(FleetOptions::default().with_wait(None));
    let report = clock
        .run_until_done(STEP, Duration::from_secs(60), async move {
            run.run(twice).report(|_| {}).await
        })
        .await;

    assert_eq!((report.submitted, report.finished.len()), (1, 1));
    assert_eq!(simulator.stats().requests(&operations::ISOLATE_MACHINE), 1);
    simulator.shutdown().await;
}
