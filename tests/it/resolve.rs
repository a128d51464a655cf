//! Device resolution (`Client::resolve_devices`) against the in-process simulator, whose
//! generated fleets hold the ambiguous cases a responder meets: a re-imaged device with its
//! inactive old record under the same FQDN, and two active devices sharing a host name in two
//! domains. Then a fleet run started from a resolution.

use std::time::Duration;

use mde_machine_actions::models::{IsolateRequest, MachineActionType};
use mde_machine_actions::resolve::{DeviceQuery, ResolveOptions};
use mde_machine_actions::{Client, FleetOptions, operations};
use mde_simulator::{Config, HealthStatus, Machine, OsPlatform, Simulator};
use tokio::time::Instant;

use crate::virtual_clock::VirtualClock;

fn client(simulator: &Simulator) -> Client {
    Client::builder()
        .base_url(simulator.base_url())
        .bearer_token(simulator.token())
        .timeout(None)
        .connect_timeout(None)
        .build()
        .expect("the client builds")
}

/// The simulator's generated fleet of `count` and its devices.
async fn fleet(count: usize) -> (Simulator, Client, Vec<Machine>) {
    let config = Config::default()
        .with_machine_count(count)
        .with_platforms(vec![OsPlatform::Windows11, OsPlatform::WindowsServer2022]);
    let simulator = Simulator::start(config).await.expect("the simulator starts");
    let client = client(&simulator);
    let machines = simulator.machines();
    (simulator, client, machines)
}

#[test]
fn inputs_are_read_as_ids_ips_tags_or_names() {
    let id = "1e5bc9d7e413ddd7902c2932e418702b84d0cc07";
    assert!(matches!(DeviceQuery::parse(id), DeviceQuery::Id(i) if i.as_str() == id));
    let upper = id.to_ascii_uppercase();
    assert!(matches!(DeviceQuery::parse(&upper), DeviceQuery::Id(i) if i.as_str() == id));
    assert!(matches!(DeviceQuery::parse("10.1.2.3"), DeviceQuery::Ip(_)));
    assert!(matches!(DeviceQuery::parse("fe80::1"), DeviceQuery::Ip(_)));
    assert!(matches!(DeviceQuery::parse(" ip:10.1.2.3 "), DeviceQuery::Ip(_)));
    assert!(matches!(DeviceQuery::parse("tag:Prod-Web"), DeviceQuery::Tag(t) if t == "Prod-Web"));
    assert!(matches!(DeviceQuery::parse("name:10.1.2.3"), DeviceQuery::Name(n) if n == "10.1.2.3"));
    assert!(matches!(DeviceQuery::parse("id:abc"), DeviceQuery::Id(i) if i.as_str() == "abc"));
    assert!(matches!(DeviceQuery::parse("desktop-7.contoso.local"), DeviceQuery::Name(_)));
    assert_eq!(DeviceQuery::parse("desktop-7").to_string(), "name:desktop-7");
}

/// Every kind of input at once: the clean ones resolve, the duplicate names are reported with
/// every candidate, unknown inputs are reported unresolved.
#[tokio::test]
async fn mixed_inputs_resolve_and_ambiguity_and_misses_are_reported() {
    let (simulator, client, machines) = fleet(12).await;
    let n = machines.len();
    // See the simulator's machine module: the last device is the inactive old record of
    // device 1 (same FQDN), the one before it shares device 2's host name in another domain.
    let reimaged = &machines[1];
    let same_host = &machines[2];
    let plain = &machines[4];
    assert_eq!(machines[n - 1].computer_dns_name, reimaged.computer_dns_name);
    assert_eq!(machines[n - 2].host_name(), same_host.host_name());
    let reachable = machines[3..n - 2]
        .iter()
        .find(|m| {
            m.health_status == HealthStatus::Active && m.id != plain.id && m.id != machines[5].id
        })
        .expect("an active device");
    let tag = plain.machine_tags[0].clone();
    let tagged = machines.iter().filter(|m| m.machine_tags.contains(&tag)).count();
    let inputs = vec![
        machines[0].id.to_string(),
        plain.computer_dns_name.to_uppercase(),
        machines[5].host_name().to_owned(),
        reachable.last_ip_address.to_string(),
        format!("tag:{tag}"),
        reimaged.computer_dns_name.clone(),
        same_host.host_name().to_owned(),
        same_host.computer_dns_name.clone(),
        "no-such-host".to_owned(),
        "0000000000000000000000000000000000000000".to_owned(),
    ];

    let found = client.resolve_devices(&inputs, &ResolveOptions::default()).await;

    let resolved: Vec<(&str, &str)> =
        found.resolved.iter().map(|r| (r.input.as_str(), r.device.id.as_str())).collect();
    let expect_one = |input: &str, machine: &Machine| {
        assert!(
            resolved.contains(&(input, machine.id.as_str())),
            "{input} should resolve to {}: {found}",
            machine.id
        );
    };
    expect_one(&inputs[0], &machines[0]);
    expect_one(&inputs[1], plain);
    expect_one(&inputs[2], &machines[5]);
    expect_one(&inputs[3], reachable);
    expect_one(&inputs[7], same_host);
    let by_tag = resolved.iter().filter(|(input, _)| *input == inputs[4]).count();
    assert_eq!(by_tag, tagged, "every device tagged {tag}");
    assert_eq!(found.ambiguous.len(), 2, "{found}");
    let reimaged_candidates = &found.ambiguous[0];
    assert_eq!(reimaged_candidates.input, inputs[5]);
    let mut ids: Vec<&str> = reimaged_candidates.candidates.iter().map(|m| m.id.as_str()).collect();
    ids.sort_unstable();
    let mut expected = vec![reimaged.id.as_str(), machines[n - 1].id.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected);
    assert_eq!(found.ambiguous[1].input, inputs[6]);
    assert_eq!(found.ambiguous[1].candidates.len(), 2);
    let unresolved: Vec<&str> = found.unresolved.iter().map(|u| u.input.as_str()).collect();
    assert_eq!(unresolved, vec![inputs[8].as_str(), inputs[9].as_str()]);
    assert!(found.unresolved.iter().all(|u| u.error.is_none()), "misses are not errors");
    assert!(!found.is_complete());
    let text = found.to_string();
    assert!(text.contains("2 ambiguous input(s), 2 unresolved input(s)"), "{text}");
    assert!(text.contains("no-such-host: no such device"), "{text}");
    simulator.shutdown().await;
}

/// With `prefer_active`, the active device wins over its inactive duplicate and the duplicate
/// is reported as set aside; two active devices stay ambiguous.
#[tokio::test]
async fn prefer_active_sets_aside_inactive_duplicates_only() {
    let (simulator, client, machines) = fleet(12).await;
    let n = machines.len();
    let inputs = [machines[1].computer_dns_name.clone(), machines[2].host_name().to_owned()];

    let options = ResolveOptions::default().with_prefer_active(true);
    let found = client.resolve_devices(&inputs, &options).await;

    assert_eq!(found.resolved.len(), 1, "{found}");
    assert_eq!(found.resolved[0].device.id, machines[1].id);
    let set_aside: Vec<_> = found.resolved[0].set_aside.iter().map(|m| m.id.clone()).collect();
    assert_eq!(set_aside, vec![machines[n - 1].id.clone()]);
    assert_eq!(found.ambiguous.len(), 1);
    assert_eq!(found.ambiguous[0].input, inputs[1]);
    simulator.shutdown().await;
}

/// A lookup that fails is reported with its error, not as a miss.
#[tokio::test]
async fn a_failed_lookup_is_reported_with_its_error() {
    let (simulator, client, machines) = fleet(3).await;
    let broken = Client::builder()
        .base_url(simulator.base_url())
        .bearer_token("not-the-token")
        .build()
        .expect("the client builds");
    let input = [machines[0].id.to_string()];

    let found = broken.resolve_devices(&input, &ResolveOptions::default()).await;

    assert_eq!(found.unresolved.len(), 1);
    let error = found.unresolved[0].error.as_ref().expect("an error");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert!(found.to_string().contains("lookup failed"), "{found}");
    drop(client);
    simulator.shutdown().await;
}

/// 1,000 host names: one listing of every device (paged) instead of a query per name, so it
/// takes one call however many names there are; the same names queried one by one take 1,000
/// calls, paced by the 100-a-minute quota. Both resolve every name.
// Prints its figures (run with --nocapture).
#[allow(clippy::print_stderr)]
#[tokio::test(start_paused = true)]
async fn a_thousand_host_names_resolve_with_one_listing() {
    let config = Config::default()
        .with_machine_count(1000)
        .with_ambiguous_devices(false)
        .with_platforms(vec![OsPlatform::Windows11]);
    let simulator = Simulator::start(config).await.expect("the simulator starts");
    let client = client(&simulator);
    let names: Vec<String> =
        simulator.machines().iter().map(|m| m.host_name().to_owned()).collect();
    let clock = VirtualClock::hold();

    let bulk_client = client.clone();
    let bulk_names = names.clone();
    let work = async move {
        let started = Instant::now();
        let found = bulk_client.resolve_devices(&bulk_names, &ResolveOptions::default()).await;
        (found, started.elapsed())
    };
    let (bulk, bulk_took) =
        clock.run_until_done(Duration::from_millis(100), Duration::from_secs(60), work).await;
    let bulk_calls = simulator.stats().requests(&operations::LIST_MACHINES);

    let one_by_one = ResolveOptions::default().with_bulk_names(usize::MAX);
    let work = async move {
        let started = Instant::now();
        let found = client.resolve_devices(&names, &one_by_one).await;
        (found, started.elapsed())
    };
    let (single, single_took) =
        clock.run_until_done(Duration::from_millis(100), Duration::from_secs(1200), work).await;
    let single_calls = simulator.stats().requests(&operations::LIST_MACHINES) - bulk_calls;

    for found in [&bulk, &single] {
        assert!(found.is_complete(), "{found}");
        assert_eq!(found.machine_ids().len(), 1000);
    }
    assert_eq!(bulk_calls, 1, "one page of 1,000 devices");
    assert_eq!(single_calls, 1000);
    assert_eq!(simulator.stats().with_status(429), 0);
    eprintln!(
        "1,000 host names: {bulk_calls} call in {bulk_took:?} (bulk), {single_calls} calls in \
         {single_took:?} (one query per name)"
    );
    simulator.shutdown().await;
}

/// A fleet run from a resolution says first which inputs resolved and which did not, then
/// acts on the resolved devices only.
#[tokio::test(start_paused = true)]
async fn a_fleet_run_from_a_resolution_reports_inputs_and_acts_on_resolved_devices() {
    let (simulator, client, machines) = fleet(12).await;
    let inputs = vec![
        machines[0].computer_dns_name.clone(),
        machines[1].computer_dns_name.clone(),
        "no-such-host".to_owned(),
    ];
    let clock = VirtualClock::hold();

    let work = async move {
        let found = client.resolve_devices(&inputs, &ResolveOptions::default()).await;
        let mut events = Vec::new();
        let run = client
            .fleet(IsolateRequest::new("Alert 4711"))
            .options(FleetOptions::default().with_wait(None))
            .run_resolved(&found);
        let report = run.report(|event| events.push(event.to_string())).await;
        (report, events)
    };
    let (report, events) =
        clock.run_until_done(Duration::from_millis(100), Duration::from_secs(60), work).await;

    assert!(events[0].contains("resolved to"), "{events:?}");
    let unresolved: Vec<&String> = events.iter().filter(|e| e.contains("not resolved")).collect();
    assert_eq!(unresolved.len(), 2, "{events:?}");
    assert!(unresolved[0].contains("matches 2 devices"), "{events:?}");
    assert!(unresolved[1].contains("no such device"), "{events:?}");
    assert_eq!(report.submitted, 1);
    assert_eq!(report.unresolved.len(), 2);
    let isolated: Vec<_> = simulator
        .actions()
        .into_iter()
        .filter(|a| a.r#type == MachineActionType::Isolate)
        .map(|a| a.machine_id.expect("a device"))
        .collect();
    assert_eq!(isolated, vec![machines[0].id.clone()]);
    simulator.shutdown().await;
}
