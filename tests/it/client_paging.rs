//! Paging of `listMachineActions` against a local wiremock server.
//!
//! `list_machine_actions_stream` follows `@odata.nextLink` (absolute URLs, used verbatim), falls
//! back to `$skip` when a full page (as many items as `$top`) has no next link, stops on a short
//! or empty page, ends with [`Error::NonAdvancingNextLink`] instead of looping when the service
//! repeats itself, and refuses to follow a next link to another host (so the bearer token stays
//! home). `list_machine_actions` returns one page and leaves its next link to the caller.

use std::time::Duration;

use futures_util::StreamExt as _;
use mde_machine_actions::client::{ListMachineActionsQuery, MachineActionFilter};
use mde_machine_actions::{Client, Error};
use serde_json::{Value, json};
use wiremock::matchers::{any, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TEST_TOKEN, action_json, client_for};

const MACHINE: &str = "f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f";
const LIST: &str = "/api/machineactions";

/// A page of actions with the given ids, and a next link if one is given.
fn page(ids: &[&str], next_link: Option<&str>) -> Value {
    let mut page = json!({
        "@odata.context": "https://api.security.microsoft.com/api/$metadata#MachineActions",
        "value": ids.iter().map(|id| action_json(id, "Isolate", "Succeeded", MACHINE)).collect::<Vec<_>>(),
    });
    if let Some(link) = next_link {
        page["@odata.nextLink"] = json!(link);
    }
    page
}

fn answer(body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// What a stream produced: the ids of the items before the first error, the error, and
/// whether the stream really ended after it.
#[derive(Debug)]
struct Drained {
    ids: Vec<String>,
    error: Option<Error>,
}

/// Runs the stream to its end (at most 1,000 items and 20 seconds, so a looping client fails
/// instead of hanging), checking that nothing follows an error.
async fn drain(client: &Client, query: &ListMachineActionsQuery) -> Drained {
    let mut stream = Box::pin(client.list_machine_actions_stream(query));
    let work = async {
        let mut ids = Vec::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(action) => ids.push(action.id.as_str().to_owned()),
                Err(error) => {
                    let after = stream.next().await;
                    assert!(after.is_none(), "the stream ends after an error, got {after:?}");
                    return Drained { ids, error: Some(error) };
                }
            }
            assert!(ids.len() <= 1_000, "the stream does not end: {} items", ids.len());
        }
        Drained { ids, error: None }
    };
    tokio::time::timeout(Duration::from_secs(20), work)
        .await
        .expect("the stream ends within 20 seconds")
}

/// The decoded query of every request `server` received, in order, after checking that each
/// was a `GET /api/machineactions` with the test token.
async fn sent_queries(server: &MockServer) -> Vec<Vec<(String, String)>> {
    let requests = server.received_requests().await.expect("request recording is on");
    requests
        .iter()
        .map(|request| {
            assert_eq!(request.method.as_str(), "GET", "{}", request.url);
            assert_eq!(request.url.path(), LIST, "{}", request.url);
            let auth: Vec<_> = request.headers.get_all("authorization").iter().collect();
            assert_eq!(auth.len(), 1, "{}", request.url);
            assert_eq!(auth[0].to_str().ok(), Some(format!("Bearer {TEST_TOKEN}").as_str()));
            request.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
        })
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[tokio::test]
async fn follows_next_links_through_three_pages() {
    let server = MockServer::start().await;
    let base = server.uri();
    let filter = format!("machineId eq '{MACHINE}'");
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("$filter", filter.as_str()))
        .and(query_param_is_missing("$skiptoken"))
        .respond_with(answer(&page(&["a1", "a2"], Some(&format!("{base}{LIST}?$skiptoken=p2")))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("$skiptoken", "p2"))
        .respond_with(answer(&page(&["a3", "a4"], Some(&format!("{base}{LIST}?$skiptoken=p3")))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("$skiptoken", "p3"))
        .respond_with(answer(&page(&["a5"], None)))
        .expect(1)
        .mount(&server)
        .await;

    let client = client_for(&base);
    let query =
        ListMachineActionsQuery::new().with_filter(MachineActionFilter::machine_id().eq(MACHINE));
    let drained = drain(&client, &query).await;
    assert!(drained.error.is_none(), "{drained:?}");
    assert_eq!(drained.ids, ["a1", "a2", "a3", "a4", "a5"]);
    // The first request carries the caller's query; next links are followed verbatim.
    assert_eq!(
        sent_queries(&server).await,
        [
            pairs(&[("$filter", &filter)]),
            pairs(&[("$skiptoken", "p2")]),
            pairs(&[("$skiptoken", "p3")]),
        ]
    );
}

/// Page 2 links to itself: the stream yields page 1, then ends with an error after exactly two
/// requests instead of asking for page 2 forever.
#[tokio::test]
async fn a_next_link_to_the_same_page_ends_with_an_error() {
    let server = MockServer::start().await;
    let link = format!("{}{LIST}?$skiptoken=p2", server.uri());
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param_is_missing("$skiptoken"))
        .respond_with(answer(&page(&["a1", "a2"], Some(&link))))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("$skiptoken", "p2"))
        .respond_with(answer(&page(&["a3"], Some(&link))))
        .mount(&server)
        .await;

    let drained = drain(&client_for(&server.uri()), &ListMachineActionsQuery::new()).await;
    assert!(
        matches!(
            drained.error,
            Some(Error::NonAdvancingNextLink { operation: "listMachineActions" })
        ),
        "{drained:?}"
    );
    // Page 1 comes out whole before the error. (The runtime also drops the items of the page
    // whose link repeats; either way nothing is yielded twice.)
    assert!(drained.ids.starts_with(&["a1".to_owned(), "a2".to_owned()]), "{drained:?}");
    assert!(
        ["a1", "a2", "a3"].starts_with(&drained.ids.iter().map(String::as_str).collect::<Vec<_>>())
    );
    assert_eq!(sent_queries(&server).await.len(), 2);
}

/// A cycle over several pages (3 links back to 2) is caught too.
#[tokio::test]
async fn a_cycle_of_next_links_ends_with_an_error() {
    let server = MockServer::start().await;
    let link = |p: &str| format!("{}{LIST}?$skiptoken={p}", server.uri());
    for (token, ids, next) in [("p2", ["a3"], "p3"), ("p3", ["a4"], "p2")] {
        Mock::given(method("GET"))
            .and(path(LIST))
            .and(query_param("$skiptoken", token))
            .respond_with(answer(&page(&ids, Some(&link(next)))))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param_is_missing("$skiptoken"))
        .respond_with(answer(&page(&["a1", "a2"], Some(&link("p2")))))
        .mount(&server)
        .await;

    let drained = drain(&client_for(&server.uri()), &ListMachineActionsQuery::new()).await;
    assert!(matches!(drained.error, Some(Error::NonAdvancingNextLink { .. })), "{drained:?}");
    assert!(drained.ids.starts_with(&["a1".to_owned(), "a2".to_owned(), "a3".to_owned()]));
    assert_eq!(sent_queries(&server).await.len(), 3, "no page is asked for twice");
}

/// With `$top=2` and no next links, full pages are followed with `$skip=2`, `$skip=4`, ...
/// until a short page; the caller's filter and `$top` stay on every request.
#[tokio::test]
async fn full_pages_without_a_next_link_are_followed_with_skip() {
    for last_page in [&["a5"][..], &[][..]] {
        let server = MockServer::start().await;
        let filter = format!("machineId eq '{MACHINE}'");
        Mock::given(method("GET"))
            .and(path(LIST))
            .and(query_param("$top", "2"))
            .and(query_param_is_missing("$skip"))
            .respond_with(answer(&page(&["a1", "a2"], None)))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(LIST))
            .and(query_param("$top", "2"))
            .and(query_param("$skip", "2"))
            .respond_with(answer(&page(&["a3", "a4"], None)))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(LIST))
            .and(query_param("$top", "2"))
            .and(query_param("$skip", "4"))
            .respond_with(answer(&page(last_page, None)))
            .expect(1)
            .mount(&server)
            .await;

        let query = ListMachineActionsQuery::new()
            .with_filter(MachineActionFilter::machine_id().eq(MACHINE))
            .with_top(2);
        let drained = drain(&client_for(&server.uri()), &query).await;
        assert!(drained.error.is_none(), "{drained:?}");
        let mut want = vec!["a1", "a2", "a3", "a4"];
        want.extend_from_slice(last_page);
        assert_eq!(drained.ids, want);
        assert_eq!(
            sent_queries(&server).await,
            [
                pairs(&[("$filter", &filter), ("$top", "2")]),
                pairs(&[("$filter", &filter), ("$top", "2"), ("$skip", "2")]),
                pairs(&[("$filter", &filter), ("$top", "2"), ("$skip", "4")]),
            ],
            "last page {last_page:?}"
        );
    }
}

/// The `$skip` fallback counts on from the caller's own `$skip`.
#[tokio::test]
async fn skip_pages_start_from_the_callers_skip() {
    let server = MockServer::start().await;
    for (skip, ids) in
        [("10", &["a11", "a12"][..]), ("12", &["a13", "a14"][..]), ("14", &["a15"][..])]
    {
        Mock::given(method("GET"))
            .and(path(LIST))
            .and(query_param("$skip", skip))
            .respond_with(answer(&page(ids, None)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let query = ListMachineActionsQuery::new().with_top(2).with_skip(10);
    let drained = drain(&client_for(&server.uri()), &query).await;
    assert!(drained.error.is_none(), "{drained:?}");
    assert_eq!(drained.ids, ["a11", "a12", "a13", "a14", "a15"]);
    assert_eq!(
        sent_queries(&server).await,
        [
            pairs(&[("$top", "2"), ("$skip", "10")]),
            pairs(&[("$top", "2"), ("$skip", "12")]),
            pairs(&[("$top", "2"), ("$skip", "14")]),
        ]
    );
}

/// A service that ignores `$skip` (the same full page again) ends the stream with an error
/// instead of repeating the page forever.
#[tokio::test]
async fn a_service_that_ignores_skip_ends_with_an_error() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(answer(&page(&["a1", "a2"], None))).mount(&server).await;
    let query = ListMachineActionsQuery::new().with_top(2);
    let drained = drain(&client_for(&server.uri()), &query).await;
    assert!(matches!(drained.error, Some(Error::NonAdvancingNextLink { .. })), "{drained:?}");
    assert_eq!(drained.ids, ["a1", "a2"]);
    assert_eq!(sent_queries(&server).await.len(), 2);
}

/// A next link to another server is refused before anything is sent there, so the bearer
/// token never reaches it.
#[tokio::test]
async fn a_next_link_to_another_host_is_refused_and_gets_no_token() {
    let other = MockServer::start().await;
    Mock::given(any()).respond_with(answer(&page(&["evil"], None))).mount(&other).await;
    let elsewhere = [
        format!("{}{LIST}?$skiptoken=p2", other.uri()),
        format!("{}{LIST}?$skiptoken=p2", other.uri().replace("127.0.0.1", "localhost")),
        format!("https://{}{LIST}?$skiptoken=p2", other.address()),
    ];
    for link in elsewhere {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(LIST))
            .respond_with(answer(&page(&["a1", "a2"], Some(&link))))
            .expect(1)
            .mount(&server)
            .await;
        let drained = drain(&client_for(&server.uri()), &ListMachineActionsQuery::new()).await;
        assert_eq!(drained.ids, ["a1", "a2"], "{link}");
        match &drained.error {
            Some(Error::Config(message)) => {
                assert!(message.contains("another host"), "{link}: {message}");
                assert!(!message.contains(TEST_TOKEN), "{message}");
            }
            other => panic!("{link}: expected Error::Config, got {other:?}"),
        }
        assert_eq!(sent_queries(&server).await.len(), 1, "{link}");
    }
    let stolen = other.received_requests().await.expect("request recording is on");
    assert!(stolen.is_empty(), "the other host got requests: {stolen:#?}");
}

/// `list_machine_actions` returns one page with its next link, and does not follow it.
#[tokio::test]
async fn a_single_page_keeps_its_next_link() {
    let server = MockServer::start().await;
    let link = format!("{}{LIST}?$skiptoken=p2", server.uri());
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("$top", "2"))
        .respond_with(answer(&page(&["a1", "a2"], Some(&link))))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let page = client
        .list_machine_actions(&ListMachineActionsQuery::new().with_top(2))
        .await
        .unwrap_or_else(|e| panic!("list failed: {e}"));
    let ids: Vec<&str> = page.value.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a1", "a2"]);
    assert_eq!(page.odata_next_link.as_deref(), Some(link.as_str()));
    assert_eq!(sent_queries(&server).await, [pairs(&[("$top", "2")])]);
}
