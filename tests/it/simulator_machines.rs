//! The simulator's read-only Machine lookups, checked from outside with plain HTTP: the
//! documented shapes of `listMachines`, `getMachine`, `findMachinesByIp` and
//! `findMachinesByTag`; OData filters (each operator, `startswith`, `machineTags/any`);
//! paging with `@odata.nextLink`, `$top` and `$skip`; the 400, 401 and 404 answers; the
//! quotas (429 with `Retry-After`); fault injection; and a fleet of 1,000 devices in which
//! every device is found by id, name, IP and tag and the ambiguous host names are present.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use mde_simulator::machine::{AMBIGUOUS_FLEET_MIN, TAGS};
use mde_simulator::{ClockMode, Config, FaultPhase, FaultRule, Route, Simulator};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Every member of a device: the documented properties (`onboardingStatus` as the service
/// spells it) and `isAadJoined`, which the docs' examples show.
const MEMBERS: &[&str] = &[
    "id",
    "computerDnsName",
    "firstSeen",
    "lastSeen",
    "osPlatform",
    "osProcessor",
    "version",
    "lastIpAddress",
    "lastExternalIpAddress",
    "osBuild",
    "healthStatus",
    "deviceValue",
    "rbacGroupId",
    "rbacGroupName",
    "riskScore",
    "exposureLevel",
    "isAadJoined",
    "aadDeviceId",
    "machineTags",
    "onboardingStatus",
    "osArchitecture",
    "ipAddresses",
];

/// A fixed epoch, so that device times and the `findbyip` window are the same on every run.
fn epoch() -> OffsetDateTime {
    time::macros::datetime!(2025-06-01 12:00:00 UTC)
}

/// A simulator on a manual clock at [`epoch`].
async fn start(config: Config) -> Simulator {
    let config = config.with_clock(ClockMode::Manual).with_epoch(epoch());
    Simulator::start(config).await.expect("the simulator starts")
}

/// Plain HTTP to one simulator: one client for the whole test, without keeping connections
/// (tests that sleep past the server's idle timeout never reuse a closed one).
struct Api<'s> {
    simulator: &'s Simulator,
    http: reqwest::Client,
}

impl<'s> Api<'s> {
    fn new(simulator: &'s Simulator) -> Self {
        let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("client");
        Self { simulator, http }
    }
}

/// GET `path` (or a full URL) with `token`; the status, headers and JSON body (or the text
/// as a string).
async fn get_with(
    api: &Api<'_>,
    path: &str,
    token: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        format!("{}{path}", api.simulator.base_url())
    };
    let mut request = api.http.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, value)
}

/// GET `path` with the simulator's token.
async fn get(api: &Api<'_>, path: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    get_with(api, path, Some(&api.simulator.token())).await
}

/// GET `path`, expecting 200; the body.
async fn ok(api: &Api<'_>, path: &str) -> Value {
    let (status, _, body) = get(api, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// `$filter=<filter>`, encoded for a query string.
fn filter(filter: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(filter.as_bytes()).collect();
    format!("/api/machines?$filter={encoded}")
}

/// The path of `findbyip`.
fn by_ip(ip: &str, at: &str) -> String {
    format!("/api/machines/findbyip(ip='{ip}',timestamp={at})")
}

/// The path of `findbytag`.
fn by_tag(tag: &str, starts_with: Option<&str>) -> String {
    let tag: String = url::form_urlencoded::byte_serialize(tag.as_bytes()).collect();
    match starts_with {
        Some(flag) => format!("/api/machines/findbytag?tag={tag}&useStartsWithFilter={flag}"),
        None => format!("/api/machines/findbytag?tag={tag}"),
    }
}

/// The ids of a collection's `value`.
fn ids(body: &Value) -> Vec<String> {
    body["value"]
        .as_array()
        .unwrap_or_else(|| panic!("a collection: {body}"))
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_owned())
        .collect()
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

fn date(value: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(value.as_str().expect("a date string"), &Rfc3339).expect("RFC 3339")
}

/// Checks one device against the documented shape.
fn assert_device_shape(device: &Value) {
    let members: Vec<&str> =
        device.as_object().expect("object").keys().map(String::as_str).collect();
    let mut expected: Vec<&str> = MEMBERS.to_vec();
    let mut found: Vec<&str> = members.into_iter().filter(|m| *m != "@odata.context").collect();
    expected.sort_unstable();
    found.sort_unstable();
    assert_eq!(found, expected, "{device}");
    let id = device["id"].as_str().expect("id");
    assert!(!id.is_empty());
    let name = device["computerDnsName"].as_str().expect("name");
    let labels: Vec<&str> = name.split('.').collect();
    assert!(labels.len() >= 3 && labels.iter().all(|l| !l.is_empty()), "an FQDN: {name}");
    assert!(date(&device["firstSeen"]) <= date(&device["lastSeen"]), "{device}");
    assert!(date(&device["lastSeen"]) <= epoch());
    assert_eq!(device["osProcessor"], "x64");
    assert_eq!(device["osArchitecture"], "64-bit");
    assert_eq!(device["onboardingStatus"], "Onboarded");
    let ip: std::net::IpAddr = device["lastIpAddress"].as_str().expect("ip").parse().expect("IP");
    assert!(matches!(ip, std::net::IpAddr::V4(v4) if v4.is_private()), "{ip}");
    let _: std::net::IpAddr =
        device["lastExternalIpAddress"].as_str().expect("ip").parse().expect("IP");
    assert!(device["osBuild"].is_u64() || device["osBuild"].is_null());
    assert!(device["rbacGroupId"].is_u64());
    assert!(device["rbacGroupName"].is_string() || device["rbacGroupName"].is_null());
    let documented = |member: &str, values: &[&str]| {
        let value = device[member].as_str().unwrap_or_else(|| panic!("{member}: {device}"));
        assert!(values.contains(&value), "{member} {value}");
    };
    documented(
        "healthStatus",
        &[
            "Active",
            "Inactive",
            "ImpairedCommunication",
            "NoSensorData",
            "NoSensorDataImpairedCommunication",
            "Unknown",
        ],
    );
    documented("riskScore", &["None", "Informational", "Low", "Medium", "High"]);
    documented("exposureLevel", &["None", "Low", "Medium", "High"]);
    documented("deviceValue", &["Normal", "Low", "High"]);
    assert_eq!(device["isAadJoined"].as_bool().expect("bool"), device["aadDeviceId"].is_string());
    if let Some(aad) = device["aadDeviceId"].as_str() {
        assert_eq!(aad.len(), 36, "a GUID: {aad}");
    }
    assert!(device["machineTags"].as_array().expect("tags").iter().all(Value::is_string));
    let addresses = device["ipAddresses"].as_array().expect("ipAddresses");
    assert!(addresses.iter().any(|a| a["ipAddress"] == device["lastIpAddress"]));
    assert!(addresses.iter().any(|a| a["ipAddress"].as_str().expect("ip").contains(':')));
    for address in addresses {
        assert_eq!(address.as_object().expect("object").len(), 3, "{address}");
        let _: std::net::IpAddr = address["ipAddress"].as_str().expect("ip").parse().expect("IP");
        let mac = address["macAddress"].as_str().expect("mac");
        assert!(
            mac.len() == 12 && mac.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        );
        assert!(["Up", "Down"].contains(&address["operationalStatus"].as_str().expect("status")));
    }
}

#[tokio::test]
async fn documented_shapes_of_each_route() {
    let simulator = start(Config::default()).await;
    let api = Api::new(&simulator);
    let base = simulator.base_url().to_owned();

    let list = ok(&api, "/api/machines").await;
    let members: Vec<&str> = list.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(members, ["@odata.context", "value"]);
    assert_eq!(list["@odata.context"], format!("{base}/api/$metadata#Machines"));
    let items = list["value"].as_array().expect("value");
    assert_eq!(items.len(), simulator.machines().len());
    for item in items {
        assert_device_shape(item);
    }
    assert_eq!(
        ids(&list),
        simulator.machines().iter().map(|m| m.id.to_string()).collect::<Vec<_>>()
    );

    let first = &items[0];
    let id = first["id"].as_str().expect("id");
    let one = ok(&api, &format!("/api/machines/{id}")).await;
    let text_order: Vec<&str> =
        one.as_object().expect("object").keys().map(String::as_str).collect();
    assert!(text_order.contains(&"@odata.context"));
    assert_eq!(one["@odata.context"], format!("{base}/api/$metadata#Machines/$entity"));
    assert_device_shape(&one);
    let mut without = one.clone();
    without.as_object_mut().expect("object").remove("@odata.context");
    assert_eq!(&without, first, "the same device as in the list");
    let upper = ok(&api, &format!("/api/machines/{}", id.to_ascii_uppercase())).await;
    assert_eq!(upper["id"], id, "ids match without case");
    // The entity context is the first member, as the service writes it.
    let raw = reqwest::Client::new()
        .get(format!("{base}/api/machines/{id}"))
        .bearer_auth(simulator.token())
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    assert!(raw.starts_with(r#"{"@odata.context":"#), "{raw}");

    let at = simulator.now().as_str().to_owned();
    let ip = first["lastIpAddress"].as_str().expect("ip");
    let found = ok(&api, &by_ip(ip, &at)).await;
    assert_eq!(found["@odata.context"], format!("{base}/api/$metadata#Machines"));
    assert_eq!(ids(&found), [id]);
    assert_device_shape(&found["value"][0]);

    let tag = first["machineTags"][0].as_str().expect("a tag");
    let tagged = ok(&api, &by_tag(tag, None)).await;
    assert_eq!(tagged["@odata.context"], format!("{base}/api/$metadata#Machines"));
    assert!(ids(&tagged).contains(&id.to_owned()));
    assert!(tagged.get("@odata.nextLink").is_none());

    let missing = get(&api, "/api/machines/0000000000000000000000000000000000000000").await;
    assert_error(&missing, 404, "ResourceNotFound");
    assert_eq!(
        missing.2["error"]["message"],
        "Machine 0000000000000000000000000000000000000000 was not found"
    );
    simulator.shutdown().await;
}

#[tokio::test]
async fn every_route_needs_the_bearer_token() {
    let simulator = start(Config::default()).await;
    let api = Api::new(&simulator);
    let id = simulator.machines()[0].id.to_string();
    let at = simulator.now().as_str().to_owned();
    let paths = [
        "/api/machines".to_owned(),
        format!("/api/machines/{id}"),
        by_ip("10.0.0.1", &at),
        by_tag("VIP", Some("true")),
    ];
    for path in &paths {
        for token in [None, Some("wrong")] {
            let answer = get_with(&api, path, token).await;
            assert_error(&answer, 401, "Unauthorized");
        }
    }
    for name in ["listMachines", "getMachine", "findMachinesByIp", "findMachinesByTag"] {
        let route = Route::from_name(name).expect(name);
        assert_eq!(simulator.stats().count(route, 401), 2, "{name}");
    }
    simulator.shutdown().await;
}

#[tokio::test]
async fn no_device_at_all_is_404_on_the_list() {
    let simulator = start(Config::default().with_machine_count(0)).await;
    let api = Api::new(&simulator);
    let answer = get(&api, "/api/machines").await;
    assert_error(&answer, 404, "ResourceNotFound");
    let tagged = ok(&api, &by_tag("VIP", None)).await;
    assert_eq!(ids(&tagged), Vec::<String>::new());
    simulator.shutdown().await;
}

/// The ids of `items` for which `keep` holds, in order.
fn expected(items: &[Value], keep: impl Fn(&Value) -> bool) -> Vec<String> {
    items
        .iter()
        .filter(|item| keep(item))
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn filters_on_every_documented_property_and_operator() {
    let simulator = start(Config::default().with_machine_count(60)).await;
    let api = Api::new(&simulator);
    let all = ok(&api, "/api/machines").await;
    let items = all["value"].as_array().expect("value").clone();
    assert_eq!(items.len(), 60);
    let text = |item: &Value, key: &str| item[key].as_str().unwrap_or_default().to_owned();
    let sample = &items[3];
    let joined = items.iter().find(|i| i["aadDeviceId"].is_string()).expect("a joined device");
    let middle = {
        let mut seen: Vec<OffsetDateTime> = items.iter().map(|i| date(&i["lastSeen"])).collect();
        seen.sort();
        seen[30]
    };
    let middle_text = middle.format(&Rfc3339).expect("format");

    let cases: Vec<(String, Vec<String>)> = vec![
        (
            format!("computerDnsName eq '{}'", text(sample, "computerDnsName").to_uppercase()),
            expected(&items, |i| {
                text(i, "computerDnsName").eq_ignore_ascii_case(&text(sample, "computerDnsName"))
            }),
        ),
        (format!("id eq '{}'", text(sample, "id")), vec![text(sample, "id")]),
        (
            format!("version eq '{}'", text(sample, "version")),
            expected(&items, |i| i["version"] == sample["version"]),
        ),
        ("deviceValue eq 'High'".into(), expected(&items, |i| i["deviceValue"] == "High")),
        ("aadDeviceId eq null".into(), expected(&items, |i| i["aadDeviceId"].is_null())),
        (
            format!("aadDeviceId eq '{}'", text(joined, "aadDeviceId").to_uppercase()),
            vec![text(joined, "id")],
        ),
        (
            "machineTags/any(t: t eq 'vip')".into(),
            expected(&items, |i| {
                i["machineTags"].as_array().expect("tags").contains(&"VIP".into())
            }),
        ),
        (
            "machineTags/any(tag: startswith(tag,'Prod'))".into(),
            expected(&items, |i| {
                i["machineTags"]
                    .as_array()
                    .expect("tags")
                    .iter()
                    .any(|t| t.as_str().expect("tag").starts_with("Prod"))
            }),
        ),
        (format!("lastSeen gt {middle_text}"), expected(&items, |i| date(&i["lastSeen"]) > middle)),
        (
            format!("lastSeen ge {middle_text}"),
            expected(&items, |i| date(&i["lastSeen"]) >= middle),
        ),
        (format!("lastSeen lt {middle_text}"), expected(&items, |i| date(&i["lastSeen"]) < middle)),
        (
            format!("lastSeen le {middle_text}"),
            expected(&items, |i| date(&i["lastSeen"]) <= middle),
        ),
        ("lastSeen gt 2018-08-01Z".into(), expected(&items, |_| true)),
        ("exposureLevel eq 'Medium'".into(), expected(&items, |i| i["exposureLevel"] == "Medium")),
        ("onboardingStatus eq 'Onboarded'".into(), expected(&items, |_| true)),
        (format!("lastIpAddress eq '{}'", text(sample, "lastIpAddress")), vec![text(sample, "id")]),
        ("healthStatus ne 'Active'".into(), expected(&items, |i| i["healthStatus"] != "Active")),
        (
            "HealthStatus eq 'Inactive'".into(),
            expected(&items, |i| i["healthStatus"] == "Inactive"),
        ),
        (
            "osPlatform in ('Linux','macOS')".into(),
            expected(&items, |i| i["osPlatform"] == "Linux" || i["osPlatform"] == "macOS"),
        ),
        ("riskScore+eq+'High'".replace('+', " "), expected(&items, |i| i["riskScore"] == "High")),
        ("rbacGroupId eq 42".into(), expected(&items, |i| i["rbacGroupId"] == 42)),
        ("rbacGroupId ge 43".into(), expected(&items, |i| i["rbacGroupId"].as_u64() >= Some(43))),
        (
            "startswith(computerDnsName,'srv-')".into(),
            expected(&items, |i| text(i, "computerDnsName").starts_with("srv-")),
        ),
        (
            "osPlatform eq 'Windows11' and (riskScore eq 'High' or riskScore eq 'Medium')".into(),
            expected(&items, |i| {
                i["osPlatform"] == "Windows11"
                    && (i["riskScore"] == "High" || i["riskScore"] == "Medium")
            }),
        ),
        (
            "not machineTags/any(t: t eq 'Test') and healthStatus eq 'Active'".into(),
            expected(&items, |i| {
                !i["machineTags"].as_array().expect("tags").contains(&"Test".into())
                    && i["healthStatus"] == "Active"
            }),
        ),
    ];
    for (query, want) in &cases {
        let body = ok(&api, &filter(query)).await;
        assert_eq!(&ids(&body), want, "{query}");
    }
    // The filters above are not all trivial.
    let sizes: BTreeSet<usize> = cases.iter().map(|(_, want)| want.len()).collect();
    assert!(sizes.len() > 5, "{sizes:?}");

    for bad in [
        "machineTags eq 'VIP'",
        "computerDnsName gt 'a'",
        "firstSeen gt 2024-01-01Z",
        "lastSeen gt '2024-01-01'",
        "startswith(lastSeen,'2024')",
        "machineTags/all(t: t eq 'VIP')",
        "nosuch eq 'x'",
        "healthStatus eq Active",
    ] {
        let answer = get(&api, &filter(bad)).await;
        assert_error(&answer, 400, "ODataError");
    }
    for bad in ["$top=10001", "$top=0", "$skip=-1", "$orderby=id", "$filter="] {
        let answer = get(&api, &format!("/api/machines?{bad}")).await;
        assert_error(&answer, 400, "ODataError");
    }
    simulator.shutdown().await;
}

#[tokio::test]
async fn paging_with_next_link_top_and_skip() {
    let simulator = start(Config::default().with_machine_count(25).with_page_size(10)).await;
    let api = Api::new(&simulator);
    let all: Vec<String> = simulator.machines().iter().map(|m| m.id.to_string()).collect();

    let first = ok(&api, "/api/machines").await;
    assert_eq!(ids(&first), all[..10]);
    let next = first["@odata.nextLink"].as_str().expect("a next link");
    assert!(next.starts_with(simulator.base_url()) && next.contains("$skip=10"), "{next}");
    let mut seen = ids(&first);
    let mut link = Some(next.to_owned());
    while let Some(url) = link {
        let page = ok(&api, &url).await;
        seen.extend(ids(&page));
        link = page["@odata.nextLink"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, all, "every device once, in order");

    let top = ok(&api, "/api/machines?$top=15").await;
    assert_eq!(ids(&top), all[..10]);
    let next = top["@odata.nextLink"].as_str().expect("next");
    assert!(next.contains("$top=5") && next.contains("$skip=10"), "{next}");
    let rest = ok(&api, next).await;
    assert_eq!(ids(&rest), all[10..15]);
    assert!(rest.get("@odata.nextLink").is_none(), "$top bounds the result");

    let skipped = ok(&api, "/api/machines?$skip=20").await;
    assert_eq!(ids(&skipped), all[20..]);
    assert!(skipped.get("@odata.nextLink").is_none());
    let both = ok(&api, "/api/machines?$top=3&$skip=4").await;
    assert_eq!(ids(&both), all[4..7]);
    let past = ok(&api, "/api/machines?$skip=100").await;
    assert!(ids(&past).is_empty());

    // The filter is carried into the next link.
    let filtered =
        ok(&api, &format!("{}&$top=12", filter("onboardingStatus eq 'Onboarded'"))).await;
    let next = filtered["@odata.nextLink"].as_str().expect("next");
    assert!(next.contains("%24filter=") || next.contains("$filter="), "{next}");
    let rest = ok(&api, next).await;
    assert_eq!(ids(&rest), all[10..12]);
    simulator.shutdown().await;
}

#[tokio::test]
async fn find_by_ip_within_fifteen_minutes_and_thirty_days() {
    let simulator = start(Config::default().with_machine_count(AMBIGUOUS_FLEET_MIN)).await;
    let api = Api::new(&simulator);
    let now = simulator.now().as_str().to_owned();
    let machines = simulator.machines();
    let all = ok(&api, "/api/machines").await;
    let items = all["value"].as_array().expect("value");

    for item in items {
        let id = item["id"].as_str().expect("id").to_owned();
        let ip = item["lastIpAddress"].as_str().expect("ip");
        let last_seen = item["lastSeen"].as_str().expect("lastSeen");
        let active = item["healthStatus"] == "Active";
        let when = if active { now.as_str() } else { last_seen };
        assert_eq!(
            ids(&ok(&api, &by_ip(ip, when)).await),
            std::slice::from_ref(&id),
            "{ip} at {when}"
        );
        // Every address of the device finds it, IPv6 too.
        for entry in item["ipAddresses"].as_array().expect("addresses") {
            let address = entry["ipAddress"].as_str().expect("ip");
            assert_eq!(ids(&ok(&api, &by_ip(address, when)).await), std::slice::from_ref(&id));
        }
        // 15 minutes after its last report it still counts, 16 minutes no more (but an
        // active device is still on the network).
        let last = date(&item["lastSeen"]);
        let later = |minutes: i64| {
            (last + time::Duration::minutes(minutes)).format(&Rfc3339).expect("format")
        };
        if !active {
            assert_eq!(ids(&ok(&api, &by_ip(ip, &later(15))).await), std::slice::from_ref(&id));
            assert!(ids(&ok(&api, &by_ip(ip, &now)).await).is_empty(), "{id}");
        }
        let first = date(&item["firstSeen"]);
        if first > epoch() - time::Duration::days(29) {
            let before = (first - time::Duration::minutes(16)).format(&Rfc3339).expect("format");
            assert!(ids(&ok(&api, &by_ip(ip, &before)).await).is_empty(), "before {id}");
        }
    }
    assert!(
        machines.iter().any(|m| m.health_status != mde_simulator::HealthStatus::Active),
        "the fleet has a device that stopped reporting"
    );
    // Addresses written differently are the same address.
    let v6 = items[0]["ipAddresses"][1]["ipAddress"].as_str().expect("ipv6").to_uppercase();
    assert_eq!(ids(&ok(&api, &by_ip(&v6, &now)).await).len(), 1);
    // No device: an empty list.
    assert!(ids(&ok(&api, &by_ip("192.0.2.1", &now)).await).is_empty());

    let ip = items[0]["lastIpAddress"].as_str().expect("ip");
    let old = (epoch() - time::Duration::days(31)).format(&Rfc3339).expect("format");
    let future = (epoch() + time::Duration::hours(1)).format(&Rfc3339).expect("format");
    let bad = [
        (by_ip(ip, &old), "InvalidInput"),
        (by_ip(ip, &future), "InvalidInput"),
        (by_ip(ip, "yesterday"), "InvalidInput"),
        (by_ip(ip, "2025-13-01T00:00:00Z"), "InvalidInput"),
        (by_ip("10.0.0.300", &now), "InvalidIpAddress"),
        (by_ip("not-an-ip", &now), "InvalidIpAddress"),
        (format!("/api/machines/findbyip(ip={ip},timestamp={now})"), "MissingRequiredParameter"),
        (format!("/api/machines/findbyip(ip='{ip}')"), "MissingRequiredParameter"),
        ("/api/machines/findbyip".to_owned(), "MissingRequiredParameter"),
    ];
    for (path, code) in &bad {
        let answer = get(&api, path).await;
        assert_error(&answer, 400, code);
    }
    let window = get(&api, &by_ip(ip, &old)).await;
    assert!(
        window.2["error"]["message"].as_str().expect("message").contains("past 30 days"),
        "{}",
        window.2
    );
    simulator.shutdown().await;
}

#[tokio::test]
async fn find_by_tag_exact_without_case_or_by_prefix() {
    let simulator = start(Config::default().with_machine_count(40)).await;
    let api = Api::new(&simulator);
    let machines = simulator.machines();
    let having = |keep: &dyn Fn(&str) -> bool| -> Vec<String> {
        machines
            .iter()
            .filter(|m| m.machine_tags.iter().any(|t| keep(t)))
            .map(|m| m.id.to_string())
            .collect()
    };
    let vip = having(&|t| t == "VIP");
    assert!(!vip.is_empty());
    assert_eq!(ids(&ok(&api, &by_tag("VIP", None)).await), vip);
    assert_eq!(ids(&ok(&api, &by_tag("vip", Some("false"))).await), vip, "any case");
    let prod = having(&|t| t.starts_with("Prod"));
    assert!(prod.len() > having(&|t| t == "Prod-Web").len(), "two tags share the prefix");
    assert_eq!(ids(&ok(&api, &by_tag("prod", Some("true"))).await), prod);
    assert_eq!(ids(&ok(&api, &by_tag("Prod", Some("True"))).await), prod);
    assert!(ids(&ok(&api, &by_tag("Prod", None)).await).is_empty(), "exact by default");
    assert!(ids(&ok(&api, &by_tag("Nobody", Some("true"))).await).is_empty());
    assert!(ids(&ok(&api, &by_tag("%0C", None)).await).is_empty(), "white space is a tag");

    for (path, code) in [
        ("/api/machines/findbytag".to_owned(), "MissingRequiredParameter"),
        ("/api/machines/findbytag?tag=".to_owned(), "MissingRequiredParameter"),
        (by_tag("VIP", Some("maybe")), "InvalidInput"),
    ] {
        let answer = get(&api, &path).await;
        assert_error(&answer, 400, code);
    }
    simulator.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn each_route_has_the_documented_quotas() {
    let simulator = Simulator::start(Config::default()).await.expect("start");
    let api = Api::new(&simulator);
    let id = simulator.machines()[0].id.to_string();
    let at = simulator.now().as_str().to_owned();
    let routes = [
        ("listMachines", "/api/machines".to_owned()),
        ("getMachine", format!("/api/machines/{id}")),
        ("findMachinesByIp", by_ip("10.0.0.1", &at)),
        ("findMachinesByTag", by_tag("VIP", None)),
    ];
    for (name, path) in &routes {
        for _ in 0..100 {
            let (status, _, body) = get(&api, path).await;
            assert_eq!(status, 200, "{name}: {body}");
        }
        let answer = get(&api, path).await;
        assert_error(&answer, 429, "TooManyRequests");
        let retry_after: u64 =
            answer.1["retry-after"].to_str().expect("ascii").parse().expect("seconds");
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        let route = Route::from_name(name).expect(name);
        assert_eq!(simulator.stats().count(route, 429), 1, "{name}: counted on its own route");
        assert_eq!(simulator.stats().count(route, 200), 100);
    }
    tokio::time::sleep(Duration::from_secs(60)).await;
    for (name, path) in &routes {
        let (status, _, _) = get(&api, path).await;
        assert_eq!(status, 200, "{name}: the minute has passed");
    }
    // The hourly quota: 1,500 an hour, so the sixteenth minute is refused.
    for minute in 1..15 {
        tokio::time::sleep(Duration::from_secs(60)).await;
        for _ in 0..(if minute == 1 { 99 } else { 100 }) {
            let (status, _, _) = get(&api, &routes[0].1).await;
            assert_eq!(status, 200, "minute {minute}");
        }
    }
    tokio::time::sleep(Duration::from_secs(60)).await;
    let answer = get(&api, &routes[0].1).await;
    assert_error(&answer, 429, "TooManyRequests");
    let retry_after: u64 = answer.1["retry-after"].to_str().expect("ascii").parse().expect("s");
    assert!(retry_after > 60, "the hourly window: {retry_after}");
    simulator.shutdown().await;
}

#[tokio::test]
async fn faults_on_the_machine_routes() {
    let simulator = start(Config::default().with_machine_count(5).with_page_size(2)).await;
    let api = Api::new(&simulator);
    let route = |name: &str| Route::from_name(name).expect(name);
    let id = simulator.machines()[0].id.to_string();

    simulator.set_fault(
        route("listMachines"),
        Some(FaultRule::new().with_errors(1.0, FaultPhase::BeforeProcessing)),
    );
    let answer = get(&api, "/api/machines").await;
    assert_error(&answer, 500, "InternalServerError");
    simulator
        .set_fault(route("listMachines"), Some(FaultRule::new().with_non_advancing_next_links()));
    let page = ok(&api, "/api/machines?$top=4").await;
    assert_eq!(page["@odata.nextLink"], format!("{}/api/machines?$top=4", simulator.base_url()));

    simulator.set_fault(
        route("getMachine"),
        Some(FaultRule::new().with_unknown_enum_values(1.0).with_unknown_fields(1.0)),
    );
    let device = ok(&api, &format!("/api/machines/{id}")).await;
    if simulator.machines()[0].health_status == mde_simulator::HealthStatus::Active {
        assert_eq!(device["healthStatus"], "Reporting");
    }
    assert!(device["futureField"].is_object());
    assert!(device["ipAddresses"][0]["futureField"].is_object());

    simulator
        .set_fault(route("findMachinesByTag"), Some(FaultRule::new().with_malformed_json(1.0)));
    let (status, _, body) = get(&api, &by_tag("VIP", None)).await;
    assert_eq!(status, 200);
    assert!(body.as_str().expect("not JSON").starts_with("json{"), "{body}");

    simulator.set_fault(
        route("findMachinesByIp"),
        Some(FaultRule::new().with_drops(1.0, FaultPhase::BeforeProcessing)),
    );
    let dropped = reqwest::Client::new()
        .get(format!("{}{}", simulator.base_url(), by_ip("10.0.0.1", simulator.now().as_str())))
        .bearer_auth(simulator.token())
        .send()
        .await;
    assert!(dropped.is_err(), "the connection was closed");
    assert_eq!(simulator.stats().dropped(route("findMachinesByIp")), 1);
    simulator.clear_faults();
    let list = ok(&api, "/api/machines").await;
    assert_eq!(ids(&list).len(), 2);
    simulator.shutdown().await;
}

/// A fleet of 1,000: unique ids and addresses, every device found by id, by name, by each
/// address and by each tag, and the ambiguous host names a responder meets.
#[tokio::test]
async fn every_device_of_a_thousand_is_found_by_id_name_ip_and_tag() {
    let config = Config::default().with_machine_count(1000).with_rate_limits(false);
    let simulator = start(config).await;
    let api = Api::new(&simulator);
    let machines = simulator.machines();
    assert_eq!(machines.len(), 1000);
    let unique_ids: BTreeSet<String> =
        machines.iter().map(|m| m.id.as_str().to_ascii_lowercase()).collect();
    assert_eq!(unique_ids.len(), 1000);
    let unique_ips: BTreeSet<_> = machines.iter().map(|m| m.last_ip_address).collect();
    assert_eq!(unique_ips.len(), 1000);

    let list = ok(&api, "/api/machines").await;
    let items = list["value"].as_array().expect("value");
    assert_eq!(items.len(), 1000, "one page of up to 10,000");
    let now = simulator.now().as_str().to_owned();
    for item in items {
        let id = item["id"].as_str().expect("id").to_owned();
        let by_id = ok(&api, &format!("/api/machines/{id}")).await;
        assert_eq!(by_id["id"], id.as_str());

        let name = item["computerDnsName"].as_str().expect("name");
        let named = ok(&api, &filter(&format!("computerDnsName eq '{name}'"))).await;
        assert!(ids(&named).contains(&id), "{name}");

        let when = if item["healthStatus"] == "Active" {
            now.clone()
        } else {
            item["lastSeen"].as_str().expect("lastSeen").to_owned()
        };
        let ip = item["lastIpAddress"].as_str().expect("ip");
        assert_eq!(ids(&ok(&api, &by_ip(ip, &when)).await), std::slice::from_ref(&id), "{ip}");
    }
    let mut tagged: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for tag in TAGS {
        let found = ok(&api, &by_tag(tag, None)).await;
        tagged.insert(tag.to_ascii_lowercase(), ids(&found).into_iter().collect());
    }
    for machine in &machines {
        assert!(!machine.machine_tags.is_empty(), "{} has a tag", machine.id);
        for tag in &machine.machine_tags {
            let found = &tagged[&tag.to_ascii_lowercase()];
            assert!(found.contains(machine.id.as_str()), "{} by tag {tag}", machine.id);
        }
    }

    // A re-imaged device: two records under one name, the old one Inactive and last seen
    // before the new one was first seen.
    let mut by_name: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for item in items {
        let name = item["computerDnsName"].as_str().expect("name").to_ascii_lowercase();
        by_name.entry(name).or_default().push(item);
    }
    let reimaged: Vec<&Vec<&Value>> = by_name.values().filter(|same| same.len() > 1).collect();
    assert_eq!(reimaged.len(), 1, "one name has two records");
    let pair = reimaged[0];
    let name = pair[0]["computerDnsName"].as_str().expect("name");
    let answer = ok(&api, &filter(&format!("computerDnsName eq '{name}'"))).await;
    let health: BTreeSet<&str> = answer["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|i| i["healthStatus"].as_str().expect("h"))
        .collect();
    assert_eq!(health, BTreeSet::from(["Active", "Inactive"]));
    let old = pair.iter().find(|i| i["healthStatus"] == "Inactive").expect("old");
    let new = pair.iter().find(|i| i["healthStatus"] == "Active").expect("new");
    assert!(date(&old["lastSeen"]) < date(&new["firstSeen"]));
    assert_eq!(old["osPlatform"], new["osPlatform"]);

    // Two active devices with one host name in two domains.
    let mut by_host: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for (name, same) in &by_name {
        let host = name.split('.').next().expect("host").to_owned();
        by_host.entry(host).or_default().push(same[0]);
    }
    let shared: Vec<(&String, &Vec<&Value>)> =
        by_host.iter().filter(|(_, names)| names.len() > 1).collect();
    assert_eq!(shared.len(), 1, "one host name is in two domains");
    let (host, pair) = shared[0];
    assert!(pair.iter().all(|i| i["healthStatus"] == "Active"));
    let found = ok(&api, &filter(&format!("startswith(computerDnsName,'{host}.')"))).await;
    let domains: BTreeSet<String> = found["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|i| {
            i["computerDnsName"].as_str().expect("name").split_once('.').expect("fqdn").1.to_owned()
        })
        .collect();
    assert_eq!(domains, BTreeSet::from(["contoso.local".to_owned(), "fabrikam.local".to_owned()]));

    // Without ambiguity, no name is shared.
    let plain =
        start(Config::default().with_machine_count(1000).with_ambiguous_devices(false)).await;
    let hosts: BTreeSet<String> =
        plain.machines().iter().map(|m| m.host_name().to_ascii_lowercase()).collect();
    assert_eq!(hosts.len(), 1000);
    plain.shutdown().await;
    simulator.shutdown().await;
}

/// Actions on the listed devices still work, with the device's name, whatever its health.
#[tokio::test]
async fn actions_on_listed_devices_carry_their_names() {
    let simulator = start(Config::default().with_machine_count(AMBIGUOUS_FLEET_MIN)).await;
    let inactive = simulator
        .machines()
        .into_iter()
        .find(|m| m.health_status == mde_simulator::HealthStatus::Inactive)
        .expect("the re-imaged device's old record");
    let response = reqwest::Client::new()
        .post(format!("{}/api/machines/{}/runAntiVirusScan", simulator.base_url(), inactive.id))
        .bearer_auth(simulator.token())
        .header("content-type", "application/json")
        .body(r#"{"Comment":"scan","ScanType":"Quick"}"#)
        .send()
        .await
        .expect("scan");
    assert_eq!(response.status().as_u16(), 201);
    let action: Value = serde_json::from_str(&response.text().await.expect("body")).expect("JSON");
    assert_eq!(action["computerDnsName"], inactive.computer_dns_name.as_str());
    assert_eq!(action["machineId"], inactive.id.as_str());
    simulator.shutdown().await;
}
