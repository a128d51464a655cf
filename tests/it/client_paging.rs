//! Paging of `listMachineActions` against a local wiremock server.
//!
//! `list_machine_actions().into_pager()` follows `@odata.nextLink` (absolute URLs, used
//! verbatim), falls back to `$skip` when a full page (as many items as `$top`) has no next link,
//! stops on a short or empty page, ends with [`Error::NonAdvancingNextLink`] instead of looping
//! when the service repeats itself, and refuses to follow a next link to another host (so the
//! bearer token stays home). Its page view (`next_page`, `into_pages`) and `collect_all` give the
//! same items as item-by-item iteration. `list_machine_actions().await` returns one page and
//! leaves its next link to the caller.

use std::time::Duration;

use futures_util::StreamExt as _;
use mde_machine_actions::client::MachineActionFilter;
use mde_machine_actions::models::MachineAction;
use mde_machine_actions::{Error, Pager};
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

/// Runs the pager to its end (at most 1,000 items and 20 seconds, so a looping client fails
/// instead of hanging), checking that nothing follows an error.
async fn drain(mut stream: Pager<MachineAction>) -> Drained {
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
    let pager = client.list_machine_actions().filter(MachineActionFilter::machine_id().eq(MACHINE));
    let drained = drain(pager.into_pager()).await;
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

    let drained = drain(client_for(&server.uri()).list_machine_actions().into_pager()).await;
    assert!(
        matches!(
            drained.error,
            Some(Error::NonAdvancingNextLink { operation: "listMachineActions", .. })
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

    let drained = drain(client_for(&server.uri()).list_machine_actions().into_pager()).await;
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

        let client = client_for(&server.uri());
        let pager = client
            .list_machine_actions()
            .filter(MachineActionFilter::machine_id().eq(MACHINE))
            .top(2)
            .into_pager();
        let drained = drain(pager).await;
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
    let pager = client_for(&server.uri()).list_machine_actions().top(2).skip(10).into_pager();
    let drained = drain(pager).await;
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
    let pager = client_for(&server.uri()).list_machine_actions().top(2).into_pager();
    let drained = drain(pager).await;
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
        let drained = drain(client_for(&server.uri()).list_machine_actions().into_pager()).await;
        assert_eq!(drained.ids, ["a1", "a2"], "{link}");
        match &drained.error {
            Some(Error::InvalidRequest(invalid)) => {
                assert_eq!(invalid.operation, "listMachineActions", "{link}");
                assert!(invalid.message.contains("another host"), "{link}: {invalid}");
                assert!(!invalid.message.contains(TEST_TOKEN), "{invalid}");
            }
            other => panic!("{link}: expected Error::InvalidRequest, got {other:?}"),
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
    let page =
        client.list_machine_actions().top(2).await.unwrap_or_else(|e| panic!("list failed: {e}"));
    let ids: Vec<&str> = page.value.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a1", "a2"]);
    assert_eq!(page.odata_next_link.as_deref(), Some(link.as_str()));
    assert_eq!(sent_queries(&server).await, [pairs(&[("$top", "2")])]);
}

/// A server with three pages linked by `@odata.nextLink`: `a1 a2`, `a3 a4`, `a5`.
async fn three_linked_pages() -> MockServer {
    let server = MockServer::start().await;
    let link = |p: &str| format!("{}{LIST}?$skiptoken={p}", server.uri());
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param_is_missing("$skiptoken"))
        .respond_with(answer(&page(&["a1", "a2"], Some(&link("p2")))))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("$skiptoken", "p2"))
        .respond_with(answer(&page(&["a3", "a4"], Some(&link("p3")))))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("$skiptoken", "p3"))
        .respond_with(answer(&page(&["a5"], None)))
        .mount(&server)
        .await;
    server
}

fn ids_of(actions: &[MachineAction]) -> Vec<String> {
    actions.iter().map(|a| a.id.as_str().to_owned()).collect()
}

/// Every way of reading a pager (item by item, `Stream` adapters, `next_page`, `into_pages`,
/// `collect_all`) gives the same items across the next links, with one request per page.
#[tokio::test]
async fn page_views_and_collect_all_give_the_same_items_as_iteration() {
    fn unpin_stream<S: futures_util::Stream + Unpin>(stream: S) -> S {
        stream
    }
    let all = ["a1", "a2", "a3", "a4", "a5"];
    let want_pages = [vec!["a1", "a2"], vec!["a3", "a4"], vec!["a5"]];

    // Item by item, with the inherent `next`.
    let server = three_linked_pages().await;
    let drained = drain(client_for(&server.uri()).list_machine_actions().into_pager()).await;
    assert!(drained.error.is_none(), "{drained:?}");
    assert_eq!(drained.ids, all);
    assert_eq!(sent_queries(&server).await.len(), 3);

    // As a `futures` stream, unboxed and unpinned.
    let server = three_linked_pages().await;
    let pager = unpin_stream(client_for(&server.uri()).list_machine_actions().into_pager());
    let ids: Vec<String> = pager
        .map(|item| item.map(|a| a.id.as_str().to_owned()))
        .collect::<Vec<Result<String, Error>>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("stream failed: {e}"));
    assert_eq!(ids, all);
    assert_eq!(sent_queries(&server).await.len(), 3);

    // Page by page.
    let server = three_linked_pages().await;
    let mut pager = client_for(&server.uri()).list_machine_actions().into_pager();
    let mut pages = Vec::new();
    while let Some(page) = pager.next_page().await {
        pages.push(ids_of(&page.unwrap_or_else(|e| panic!("next_page failed: {e}"))));
    }
    assert_eq!(pages, want_pages);
    assert_eq!(pages.concat(), all);
    assert_eq!(sent_queries(&server).await.len(), 3);

    // As a stream of pages.
    let server = three_linked_pages().await;
    let pages: Vec<Vec<String>> = client_for(&server.uri())
        .list_machine_actions()
        .into_pager()
        .into_pages()
        .map(|page| ids_of(&page.unwrap_or_else(|e| panic!("into_pages failed: {e}"))))
        .collect()
        .await;
    assert_eq!(pages, want_pages);
    assert_eq!(sent_queries(&server).await.len(), 3);

    // All at once.
    let server = three_linked_pages().await;
    let items = client_for(&server.uri())
        .list_machine_actions()
        .into_pager()
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("collect_all failed: {e}"));
    assert_eq!(ids_of(&items), all);
    assert_eq!(sent_queries(&server).await.len(), 3);

    // Mixed: after one item, the page view starts with the rest of the current page, and
    // nothing is skipped or repeated.
    let server = three_linked_pages().await;
    let mut pager = client_for(&server.uri()).list_machine_actions().into_pager();
    let first = pager.next().await.expect("an item").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first.id.as_str(), "a1");
    let rest = pager.next_page().await.expect("a page").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ids_of(&rest), ["a2"]);
    let next = pager.next().await.expect("an item").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(next.id.as_str(), "a3");
    let mut pages = pager.into_pages();
    let mut later = Vec::new();
    while let Some(page) = pages.next().await {
        later.push(ids_of(&page.unwrap_or_else(|e| panic!("{e}"))));
    }
    assert_eq!(later, [vec!["a4"], vec!["a5"]]);
    assert_eq!(sent_queries(&server).await.len(), 3);
}

/// `collect_all` and the page view end with the error that item-by-item iteration ends with.
#[tokio::test]
async fn collect_all_and_pages_report_a_non_advancing_next_link() {
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
    let client = client_for(&server.uri());

    let error = client
        .list_machine_actions()
        .into_pager()
        .collect_all()
        .await
        .expect_err("the listing does not advance");
    assert!(
        matches!(error, Error::NonAdvancingNextLink { operation: "listMachineActions", .. }),
        "{error:?}"
    );

    let mut pages = client.list_machine_actions().into_pager().into_pages();
    let mut seen = Vec::new();
    let mut failure = None;
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => seen.push(ids_of(&page)),
            Err(error) => {
                failure = Some(error);
                assert!(pages.next().await.is_none(), "the pages end after an error");
                break;
            }
        }
    }
    assert!(matches!(failure, Some(Error::NonAdvancingNextLink { .. })), "{failure:?}");
    assert_eq!(seen.first().map(Vec::as_slice), Some(&["a1".to_owned(), "a2".to_owned()][..]));
}
