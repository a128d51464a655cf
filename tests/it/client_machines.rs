//! The four Machine lookups send the requests Microsoft documents and read the answers right,
//! against a local wiremock server: `listMachines` (its query options, the typed
//! [`MachineFilter`] rendering the documented sample filters, paging through
//! `@odata.nextLink`), `getMachine`, `findMachinesByIp` (the OData function path with the
//! address quoted and the timestamp bare) and `findMachinesByTag` (its query parameters).

use mde_machine_actions::client::{ListMachines, MachineFilter};
use mde_machine_actions::models::{
    ErrorCode, HealthStatus, Machine, MachineId, OnboardingStatus, RiskScore,
};
use mde_machine_actions::{Error, Filter, ServiceErrorExt as _, Timestamp};
use serde_json::{Value, json};
use wiremock::matchers::{any, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TEST_TOKEN, client_for, error_json};

/// The device id of Microsoft's machine examples.
const MACHINE: &str = "1e5bc9d7e413ddd7902c2932e418702b84d0cc07";

/// A device in the shape the service sends (made-up values).
fn machine_json(id: &str, dns: &str) -> Value {
    json!({
        "id": id,
        "computerDnsName": dns,
        "firstSeen": "2024-11-05T09:12:44.5120371Z",
        "lastSeen": "2025-03-18T06:41:09.880213Z",
        "osPlatform": "Windows11",
        "healthStatus": "Active",
        "rbacGroupId": 0,
        "rbacGroupName": null,
        "riskScore": "Medium",
        "machineTags": ["finance"],
        "onboardingStatus": "Onboarded",
        "osArchitecture": "64-bit"
    })
}

/// A collection of devices with the given ids, and a next link if one is given.
fn page(ids: &[&str], next_link: Option<&str>) -> Value {
    let mut page = json!({
        "@odata.context": "https://api.security.microsoft.com/api/$metadata#Machines",
        "value": ids.iter().map(|id| machine_json(id, &format!("{id}.contoso.local"))).collect::<Vec<_>>(),
    });
    if let Some(link) = next_link {
        page["@odata.nextLink"] = json!(link);
    }
    page
}

/// A server that answers every request with `status` and `body`.
async fn answering(status: u16, body: &Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

/// The one request `server` received: checks it is a GET with the test token and no body,
/// and returns its raw path, raw query and decoded query pairs.
async fn the_request(server: &MockServer) -> (String, Option<String>, Vec<(String, String)>) {
    let requests = server.received_requests().await.expect("request recording is on");
    assert_eq!(requests.len(), 1, "{requests:#?}");
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "GET", "{}", request.url);
    let auth: Vec<_> = request.headers.get_all("authorization").iter().collect();
    assert_eq!(auth.len(), 1, "{}", request.url);
    assert_eq!(auth[0].to_str().ok(), Some(format!("Bearer {TEST_TOKEN}").as_str()));
    assert!(request.body.is_empty(), "a GET has no body");
    let pairs = request.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    (request.url.path().to_owned(), request.url.query().map(str::to_owned), pairs)
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[track_caller]
fn ok<T>(name: &str, result: Result<T, Error>) -> T {
    result.unwrap_or_else(|e| panic!("{name} failed: {e} ({e:?})"))
}

/// The decoded query `listMachines` sends after `set` configured the call.
async fn sent_list_query(
    set: impl for<'a> FnOnce(ListMachines<'a>) -> ListMachines<'a>,
) -> Vec<(String, String)> {
    let server = answering(200, &json!({"value": []})).await;
    let client = client_for(&server.uri());
    let listed = ok("listMachines", set(client.list_machines()).await);
    assert!(listed.value.is_empty());
    let (path, _, pairs) = the_request(&server).await;
    assert_eq!(path, "/api/machines");
    pairs
}

#[tokio::test]
async fn list_machines_sends_the_documented_request_and_reads_the_page() {
    let server = answering(200, &page(&[MACHINE, "2b"], None)).await;
    let client = client_for(&server.uri());
    let listed = ok("listMachines", client.list_machines().await);
    let (path, query, _) = the_request(&server).await;
    assert_eq!(path, "/api/machines");
    assert_eq!(query, None, "no query options unless set");
    let ids: Vec<&str> = listed.value.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, [MACHINE, "2b"]);
    let first = &listed.value[0];
    assert_eq!(first.onboarding_status, Some(OnboardingStatus::Onboarded));
    assert_eq!(first.rbac_group_id, Some(0));
    assert_eq!(first.risk_score, Some(RiskScore::Medium));
    assert_eq!(
        listed.odata_context.as_deref(),
        Some("https://api.security.microsoft.com/api/$metadata#Machines")
    );
    assert_eq!(listed.odata_next_link, None);
}

/// The request lines of the samples page, rebuilt with the typed filter (and `Filter::raw`
/// for the OData function the typed filter does not offer).
#[tokio::test]
async fn the_documented_sample_filters_are_rendered_by_the_typed_filter() {
    // Example 3: `$filter=riskScore+eq+'High'`.
    let sent =
        sent_list_query(|call| call.filter(MachineFilter::risk_score().eq(RiskScore::High))).await;
    assert_eq!(sent, pairs(&[("$filter", "riskScore eq 'High'")]));

    // Example 4: `$filter=healthStatus+ne+'Active'&$top=100`.
    let sent = sent_list_query(|call| {
        call.filter(MachineFilter::health_status().ne(HealthStatus::Active)).top(100)
    })
    .await;
    assert_eq!(sent, pairs(&[("$filter", "healthStatus ne 'Active'"), ("$top", "100")]));

    // Example 5: `$filter=lastSeen gt 2018-08-01Z`. A date alone is no RFC 3339 timestamp, so
    // the typed filter writes the same instant in full; the literal stays bare.
    let since: Timestamp = "2018-08-01T00:00:00Z".parse().expect("timestamp");
    let sent = sent_list_query(|call| call.filter(MachineFilter::last_seen().gt(since))).await;
    assert_eq!(sent, pairs(&[("$filter", "lastSeen gt 2018-08-01T00:00:00Z")]));

    // Example 8: `startswith(computerDnsName,'mymachine')`, an OData function: raw text.
    let sent =
        sent_list_query(|call| call.filter(Filter::raw("startswith(computerDnsName,'mymachine')")))
            .await;
    assert_eq!(sent, pairs(&[("$filter", "startswith(computerDnsName,'mymachine')")]));
}

#[tokio::test]
async fn host_name_and_other_lookups_filter_with_quoted_literals() {
    let filter = MachineFilter::computer_dns_name()
        .eq("mymachine1.contoso.com")
        .or(MachineFilter::last_ip_address().eq("172.17.230.209"))
        .or(MachineFilter::id().eq(MachineId::from(MACHINE)));
    let sent = sent_list_query(|call| call.filter(filter)).await;
    let expected = format!(
        "computerDnsName eq 'mymachine1.contoso.com' or lastIpAddress eq '172.17.230.209' or id eq '{MACHINE}'"
    );
    assert_eq!(sent, pairs(&[("$filter", &expected)]));

    let sent =
        sent_list_query(|call| call.filter(MachineFilter::computer_dns_name().eq("o'brien-pc")))
            .await;
    assert_eq!(sent, pairs(&[("$filter", "computerDnsName eq 'o''brien-pc'")]));

    // Group ids are numbers on the wire and in the filter; enums take quotes.
    let filter = MachineFilter::rbac_group_id()
        .eq(140_i64)
        .and(MachineFilter::onboarding_status().eq(OnboardingStatus::Onboarded))
        .and(MachineFilter::os_platform().ne("Windows10"));
    let sent = sent_list_query(|call| call.filter(filter)).await;
    assert_eq!(
        sent,
        pairs(&[(
            "$filter",
            "rbacGroupId eq 140 and onboardingStatus eq 'Onboarded' and osPlatform ne 'Windows10'"
        )])
    );
}

#[tokio::test]
async fn list_machines_caps_top_at_ten_thousand_and_passes_skip() {
    let sent = sent_list_query(|call| call.top(20_000).skip(30)).await;
    assert_eq!(sent, pairs(&[("$top", "10000"), ("$skip", "30")]));
}

#[tokio::test]
async fn list_machines_pager_follows_next_links() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/api/machines"))
        .and(query_param("$filter", "healthStatus eq 'Active'"))
        .and(query_param_is_missing("$skiptoken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            &["m1", "m2"],
            Some(&format!("{base}/api/machines?$skiptoken=p2")),
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/machines"))
        .and(query_param("$skiptoken", "p2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(&["m3"], None)))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&base);
    let filter = MachineFilter::health_status().eq(HealthStatus::Active);
    let machines: Vec<Machine> =
        ok("pager", client.list_machines().filter(filter).into_pager().collect_all().await);
    let ids: Vec<&str> = machines.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["m1", "m2", "m3"]);
    assert_eq!(server.received_requests().await.expect("recording").len(), 2);
}

#[tokio::test]
async fn get_machine_sends_the_documented_request_and_keeps_the_entity_context() {
    let mut body = machine_json(MACHINE, "mymachine1.contoso.com");
    let context = "https://api.security.microsoft.com/api/$metadata#Machines/$entity";
    body.as_object_mut().expect("object").insert("@odata.context".to_owned(), json!(context));
    let server = answering(200, &body).await;
    let client = client_for(&server.uri());
    let machine = ok("getMachine", client.get_machine(&MachineId::from(MACHINE)).await);
    let (path, query, _) = the_request(&server).await;
    assert_eq!(path, format!("/api/machines/{MACHINE}"));
    assert_eq!(query, None);
    assert_eq!(machine.id.as_str(), MACHINE);
    assert_eq!(machine.computer_dns_name.as_deref(), Some("mymachine1.contoso.com"));
    assert_eq!(machine.extra.get("@odata.context"), Some(&json!(context)));
}

#[tokio::test]
async fn get_machine_reports_an_unknown_device_as_resource_not_found() {
    let body = error_json("ResourceNotFound", "Machine 123 was not found");
    let server = answering(404, &body).await;
    let client = client_for(&server.uri());
    let error = client.get_machine(&MachineId::from("123")).await.expect_err("404");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404), "{error:?}");
    assert_eq!(error.error_code(), Some(ErrorCode::ResourceNotFound), "{error:?}");
}

#[tokio::test]
async fn find_machines_by_ip_sends_the_documented_function_path() {
    let server = answering(200, &page(&[MACHINE], None)).await;
    let client = client_for(&server.uri());
    let at: Timestamp = "2019-09-22T08:44:05Z".parse().expect("timestamp");
    let found = ok("findMachinesByIp", client.find_machines_by_ip("10.248.240.38", at).await);
    let (path, query, _) = the_request(&server).await;
    // As the page writes it: the address a quoted literal, the timestamp bare.
    assert_eq!(path, "/api/machines/findbyip(ip='10.248.240.38',timestamp=2019-09-22T08:44:05Z)");
    assert_eq!(query, None);
    assert_eq!(found.value.len(), 1);
    assert_eq!(found.value[0].id.as_str(), MACHINE);
}

#[tokio::test]
async fn find_machines_by_ip_keeps_an_address_inside_its_literal() {
    // IPv6 colons stay as they are; characters that could end the literal or the segment do
    // not reach the path unencoded.
    for (ip, expected) in [
        ("fe80::1", "ip='fe80::1'"),
        ("10.0.0.1',timestamp=x", "ip='10.0.0.1%27%2Ctimestamp%3Dx'"),
        ("a/b", "ip='a%2Fb'"),
    ] {
        let server = answering(200, &json!({"value": []})).await;
        let client = client_for(&server.uri());
        let at: Timestamp = "2025-01-02T03:04:05.5+01:00".parse().expect("timestamp");
        ok("findMachinesByIp", client.find_machines_by_ip(ip, at).await);
        let (path, _, _) = the_request(&server).await;
        assert_eq!(
            path,
            format!("/api/machines/findbyip({expected},timestamp=2025-01-02T03:04:05.5%2B01:00)"),
            "{ip}"
        );
    }
}

#[tokio::test]
async fn find_machines_by_ip_reports_an_old_timestamp_as_a_bad_request() {
    let body = error_json("InvalidInput", "The timestamp must be within the past 30 days");
    let server = answering(400, &body).await;
    let client = client_for(&server.uri());
    let at: Timestamp = "2019-09-22T08:44:05Z".parse().expect("timestamp");
    let error = client.find_machines_by_ip("10.248.240.38", at).await.expect_err("400");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400), "{error:?}");
    assert_eq!(error.error_code(), Some(ErrorCode::InvalidInput), "{error:?}");
}

#[tokio::test]
async fn find_machines_by_tag_sends_the_documented_query() {
    let server = answering(200, &page(&[MACHINE], None)).await;
    let client = client_for(&server.uri());
    let found = ok(
        "findMachinesByTag",
        client.find_machines_by_tag("testTag").use_starts_with_filter(true).await,
    );
    let (path, _, sent) = the_request(&server).await;
    assert_eq!(path, "/api/machines/findbytag");
    assert_eq!(sent, pairs(&[("tag", "testTag"), ("useStartsWithFilter", "true")]));
    assert_eq!(found.value[0].machine_tags.as_deref(), Some(&["finance".to_owned()][..]));

    // The optional parameter is left out unless set; a tag with spaces is encoded.
    let server = answering(200, &json!({"value": []})).await;
    let client = client_for(&server.uri());
    ok("findMachinesByTag", client.find_machines_by_tag("test tag 1").await);
    let (_, raw, sent) = the_request(&server).await;
    assert_eq!(sent, pairs(&[("tag", "test tag 1")]));
    assert!(!raw.unwrap_or_default().contains(' '), "spaces are encoded");
}
