//! Following the pages of a listing: [`Pager`], a named, `Unpin` stream of items with a page
//! view ([`Pager::next_page`], [`Pager::into_pages`]).
//!
//! A pager sends the first request as given, then:
//!
//! - follows the page's next link (`@odata.nextLink`) when it has one, refusing a link that was
//!   already requested ([`Error::NonAdvancingNextLink`]) so a misbehaving service cannot loop
//!   the stream forever;
//! - otherwise, when the page is full (as many items as the page size in force: the request's
//!   `$top`, or the service's largest page), asks for the next one with `$skip` advanced by the
//!   number of items seen so far;
//! - otherwise stops.
//!
//! A page identical to the one before it (same bytes) also ends the stream with
//! [`Error::NonAdvancingNextLink`]: that is a service ignoring `$skip`, which would otherwise
//! repeat the same page forever.
//!
//! Here `$top` is the *page size*: the pager goes on until the listing is exhausted. To get at
//! most `n` items, stop calling [`Pager::next`] (or use `StreamExt::take(n)`). After an error
//! the pager ends.

use std::collections::BTreeSet;
use std::fmt;
use std::hash::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{self, Stream, StreamExt};
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::http::{Core, Request};

/// Every item of a listing, page after page, fetched as they are consumed.
///
/// Use [`next`](Self::next) in a `while let` loop, or any `futures` stream adapter (it is a
/// [`Stream`] and `Unpin`); [`next_page`](Self::next_page) and [`into_pages`](Self::into_pages)
/// give the page view, [`collect_all`](Self::collect_all) everything at once.
#[must_use = "a pager fetches nothing until it is polled"]
pub struct Pager<T> {
    pages: Pin<Box<dyn Stream<Item = Result<Vec<T>, Error>> + Send>>,
    buffer: std::vec::IntoIter<T>,
}

impl<T> fmt::Debug for Pager<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pager").field("buffered", &self.buffer.len()).finish_non_exhaustive()
    }
}

impl<T: Send + 'static> Pager<T> {
    /// A pager over the listing that `request` starts.
    #[doc(hidden)]
    pub fn new<P: Page<Item = T>>(core: Core, request: Request, paging: Paging) -> Self {
        Self { pages: Box::pin(pages::<P>(core, request, paging)), buffer: Vec::new().into_iter() }
    }

    /// A pager that yields `error` and ends (the first request could not be built).
    #[doc(hidden)]
    pub fn failed(error: Error) -> Self {
        let pages = stream::once(async move { Err(error) });
        Self { pages: Box::pin(pages), buffer: Vec::new().into_iter() }
    }

    /// The next item, fetching the next page when the current one is used up; `None` at the
    /// end of the listing. After an error, the pager ends.
    pub async fn next(&mut self) -> Option<Result<T, Error>> {
        StreamExt::next(self).await
    }

    /// The rest of the current page, or the next page when the current one is used up (a page
    /// may be empty); `None` at the end of the listing.
    pub async fn next_page(&mut self) -> Option<Result<Vec<T>, Error>> {
        let rest: Vec<T> = self.buffer.by_ref().collect();
        if !rest.is_empty() {
            return Some(Ok(rest));
        }
        self.pages.next().await
    }

    /// The listing as a stream of pages (the rest of the current page first, if any).
    pub fn into_pages(self) -> Pages<T> {
        Pages { pager: self }
    }

    /// Every remaining item, or the first error.
    pub async fn collect_all(mut self) -> Result<Vec<T>, Error> {
        let mut items: Vec<T> = self.buffer.by_ref().collect();
        while let Some(page) = self.pages.next().await {
            items.extend(page?);
        }
        Ok(items)
    }
}

// The pager never pins its items: they sit in a `Vec`, moved out by value.
impl<T> Unpin for Pager<T> {}

impl<T> Stream for Pager<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(item) = self.buffer.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match self.pages.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(page))) => self.buffer = page.into_iter(),
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// A listing as a stream of pages, from [`Pager::into_pages`].
#[must_use = "a pager fetches nothing until it is polled"]
pub struct Pages<T> {
    pager: Pager<T>,
}

impl<T> fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages").field("pager", &self.pager).finish()
    }
}

impl<T: Send + 'static> Pages<T> {
    /// The next page (its items; a page may be empty); `None` at the end of the listing.
    pub async fn next(&mut self) -> Option<Result<Vec<T>, Error>> {
        self.pager.next_page().await
    }
}

impl<T> Stream for Pages<T> {
    type Item = Result<Vec<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let rest: Vec<T> = self.pager.buffer.by_ref().collect();
        if !rest.is_empty() {
            return Poll::Ready(Some(Ok(rest)));
        }
        self.pager.pages.as_mut().poll_next(cx)
    }
}

/// One page of a listing, as the service returns it.
///
/// Generated code implements it for each listing's response model.
pub trait Page: DeserializeOwned + Send + 'static {
    /// What the listing contains.
    type Item: Send + 'static;

    /// The page's items and its next link, if any.
    fn into_parts(self) -> (Vec<Self::Item>, Option<String>);
}

/// How a listing is paged: its query parameter names and the service's largest page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// Name of the page-size parameter (e.g. `"$top"`).
    pub top: &'static str,
    /// Name of the offset parameter (e.g. `"$skip"`).
    pub skip: &'static str,
    /// The largest page the service returns, which is also its page size when the request sets
    /// no `top`.
    pub max_top: u32,
}

/// Every page, in order, as its items (a page may be empty).
///
/// The first request is sent as given. Then the page's next link is followed when it has one
/// (a link already requested ends the stream, after that page's items, with
/// [`Error::NonAdvancingNextLink`]); otherwise a
/// full page (as many items as the request's `top`, or `max_top`) leads to the same request with
/// `skip` advanced by the items seen so far; otherwise the stream ends. A page byte-identical to
/// the previous one also ends it with [`Error::NonAdvancingNextLink`]. After an error the
/// stream ends.
fn pages<P: Page>(
    core: Core,
    request: Request,
    paging: Paging,
) -> impl Stream<Item = Result<Vec<P::Item>, Error>> + Send + 'static {
    let page_size = request
        .query_value(paging.top)
        .and_then(|top| top.trim().parse::<u64>().ok())
        .unwrap_or(u64::from(paging.max_top));
    let first_skip = request
        .query_value(paging.skip)
        .and_then(|skip| skip.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let state = State {
        core,
        next: Some(request.clone()),
        original: request,
        paging,
        page_size,
        first_skip,
        seen: 0,
        links: BTreeSet::new(),
        previous_body: None,
        failure: None,
    };
    stream::unfold(state, |mut state| async move {
        if let Some(error) = state.failure.take() {
            return Some((Err(error), state));
        }
        let request = state.next.take()?;
        let page = state.fetch::<P>(request).await;
        Some((page, state))
    })
}

struct State {
    core: Core,
    /// The request as the caller built it; `$skip` pages are clones of it.
    original: Request,
    paging: Paging,
    /// The page size in force.
    page_size: u64,
    /// The caller's `$skip`, or 0.
    first_skip: u64,
    /// Items yielded so far.
    seen: u64,
    /// Every next link requested so far.
    links: BTreeSet<String>,
    /// A hash of the previous page's body.
    previous_body: Option<u64>,
    /// The request for the next page; `None` ends the stream.
    next: Option<Request>,
    /// An error to yield after the current page's items (a next link that does not advance).
    failure: Option<Error>,
}

impl State {
    /// Sends `request`, decodes the page and works out the request for the next one.
    async fn fetch<P: Page>(&mut self, request: Request) -> Result<Vec<P::Item>, Error> {
        let operation = request.operation();
        let response = self.core.send_boxed(request).await?;
        let body = {
            let mut hasher = DefaultHasher::new();
            response.body.hash(&mut hasher);
            hasher.finish()
        };
        if self.previous_body.replace(body) == Some(body) {
            return Err(Error::NonAdvancingNextLink { operation: operation.name });
        }
        let (items, next_link) = response.decode::<P>(operation)?.into_value().into_parts();
        self.seen += items.len() as u64;
        self.next = match next_link {
            Some(link) => {
                if self.links.insert(link.clone()) {
                    Some(self.original.clone().with_url(link))
                } else {
                    // This page is new; only its link repeats: keep its items, then fail.
                    self.failure = Some(Error::NonAdvancingNextLink { operation: operation.name });
                    None
                }
            }
            None if self.page_size > 0 && items.len() as u64 >= self.page_size => {
                let mut next = self.original.clone();
                next.set_query(self.paging.skip, (self.first_skip + self.seen).to_string());
                Some(next)
            }
            None => None,
        };
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    use futures_util::TryStreamExt;
    use serde::Deserialize;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;
    use crate::http::FromCore;
    use crate::{ClientBuilder, Operation, Verb};

    static LIST: Operation = Operation::new("listThings", Verb::Get, "/api/things")
        .with_success(&[200])
        .with_retry_safe(true);

    const PAGING: Paging = Paging { top: "$top", skip: "$skip", max_top: 3 };

    #[derive(Deserialize)]
    struct Things {
        value: Vec<u32>,
        #[serde(rename = "@odata.nextLink")]
        next_link: Option<String>,
    }

    impl Page for Things {
        type Item = u32;

        fn into_parts(self) -> (Vec<u32>, Option<String>) {
            (self.value, self.next_link)
        }
    }

    struct TestClient(Core);

    impl FromCore for TestClient {
        const USER_AGENT: &'static str = "test";

        fn from_core(core: Core) -> Self {
            Self(core)
        }
    }

    /// A local HTTP server answering each request target (path and query) from `routes`
    /// (`{base}` in a body is replaced by the server's base URL), 404 otherwise. Returns the
    /// base URL and the log of request targets.
    async fn serve(routes: &[(&str, u16, &str)]) -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let routes: BTreeMap<String, (u16, String)> = routes
            .iter()
            .map(|(target, status, body)| {
                ((*target).to_owned(), (*status, body.replace("{base}", &base)))
            })
            .collect();
        let log = Arc::new(Mutex::new(Vec::new()));
        let seen = log.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else { return };
                let routes = routes.clone();
                let seen = seen.clone();
                tokio::spawn(async move {
                    let mut buffer = Vec::new();
                    loop {
                        let mut chunk = [0u8; 1024];
                        let n = socket.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buffer.extend_from_slice(&chunk[..n]);
                        let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
                            continue;
                        };
                        let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
                        buffer.drain(..end + 4);
                        let target = head.split(' ').nth(1).unwrap_or_default().to_owned();
                        seen.lock().unwrap().push(target.clone());
                        let (status, body) =
                            routes.get(&target).cloned().unwrap_or((404, String::new()));
                        let response = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if socket.write_all(response.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (base, log)
    }

    fn core(base: &str) -> Core {
        let endpoint = crate::Endpoint::new(base, base, "scope");
        ClientBuilder::<TestClient>::new(endpoint)
            .bearer_token("token")
            .retry_policy(crate::RetryPolicy::never())
            .rate_budget(crate::RateBudget::disabled())
            .build()
            .unwrap()
            .0
    }

    fn request() -> Request {
        Request::new(&LIST, "/api/things".to_owned())
    }

    async fn collect(base: &str, request: Request) -> (Vec<u32>, Option<Error>) {
        let mut stream = Pager::new::<Things>(core(base), request, PAGING);
        let mut items = Vec::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(item) => items.push(item),
                Err(error) => {
                    assert!(stream.next().await.is_none(), "the stream ends after an error");
                    return (items, Some(error));
                }
            }
        }
        (items, None)
    }

    #[tokio::test]
    async fn follows_next_links() {
        let (base, log) = serve(&[
            ("/api/things", 200, r#"{"value":[1,2],"@odata.nextLink":"{base}/api/things?p=2"}"#),
            ("/api/things?p=2", 200, r#"{"value":[3],"@odata.nextLink":"{base}/api/things?p=3"}"#),
            ("/api/things?p=3", 200, r#"{"value":[]}"#),
        ])
        .await;
        let (items, error) = collect(&base, request()).await;
        assert_eq!(items, [1, 2, 3]);
        assert!(error.is_none());
        assert_eq!(*log.lock().unwrap(), ["/api/things", "/api/things?p=2", "/api/things?p=3"]);
    }

    #[tokio::test]
    async fn refuses_a_next_link_requested_before() {
        let (base, log) = serve(&[
            ("/api/things", 200, r#"{"value":[1],"@odata.nextLink":"{base}/api/things?p=2"}"#),
            ("/api/things?p=2", 200, r#"{"value":[2],"@odata.nextLink":"{base}/api/things?p=3"}"#),
            ("/api/things?p=3", 200, r#"{"value":[3],"@odata.nextLink":"{base}/api/things?p=2"}"#),
        ])
        .await;
        let (items, error) = collect(&base, request()).await;
        assert_eq!(items, [1, 2, 3]);
        assert!(matches!(error, Some(Error::NonAdvancingNextLink { operation: "listThings" })));
        assert_eq!(log.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn refuses_a_next_link_to_itself() {
        let (base, _) = serve(&[
            ("/api/things", 200, r#"{"value":[1],"@odata.nextLink":"{base}/api/things?p=2"}"#),
            ("/api/things?p=2", 200, r#"{"value":[2],"@odata.nextLink":"{base}/api/things?p=2"}"#),
        ])
        .await;
        let (items, error) = collect(&base, request()).await;
        assert_eq!(items, [1, 2]);
        assert!(matches!(error, Some(Error::NonAdvancingNextLink { .. })));
    }

    #[tokio::test]
    async fn skips_while_pages_are_full() {
        let (base, log) = serve(&[
            ("/api/things?$top=2", 200, r#"{"value":[1,2]}"#),
            ("/api/things?$top=2&$skip=2", 200, r#"{"value":[3,4]}"#),
            ("/api/things?$top=2&$skip=4", 200, r#"{"value":[5]}"#),
        ])
        .await;
        let (items, error) = collect(&base, request().query("$top", 2)).await;
        assert_eq!(items, [1, 2, 3, 4, 5]);
        assert!(error.is_none());
        assert_eq!(log.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn skips_from_the_callers_skip_with_the_services_page_size() {
        let (base, log) = serve(&[
            ("/api/things?$skip=10", 200, r#"{"value":[1,2,3]}"#),
            ("/api/things?$skip=13", 200, r#"{"value":[4,5,6]}"#),
            ("/api/things?$skip=16", 200, r#"{"value":[]}"#),
        ])
        .await;
        let (items, error) = collect(&base, request().query("$skip", 10)).await;
        assert_eq!(items, [1, 2, 3, 4, 5, 6]);
        assert!(error.is_none());
        assert_eq!(log.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn stops_after_a_short_page() {
        let (base, log) = serve(&[("/api/things", 200, r#"{"value":[1,2]}"#)]).await;
        let (items, error) = collect(&base, request()).await;
        assert_eq!(items, [1, 2]);
        assert!(error.is_none());
        assert_eq!(log.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn refuses_a_service_that_ignores_skip() {
        let (base, log) = serve(&[
            ("/api/things", 200, r#"{"value":[1,2,3]}"#),
            ("/api/things?$skip=3", 200, r#"{"value":[1,2,3]}"#),
        ])
        .await;
        let (items, error) = collect(&base, request()).await;
        assert_eq!(items, [1, 2, 3]);
        assert!(matches!(error, Some(Error::NonAdvancingNextLink { .. })));
        assert_eq!(log.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn ends_after_an_error() {
        let (base, _) = serve(&[
            ("/api/things", 200, r#"{"value":[1],"@odata.nextLink":"{base}/api/things?p=2"}"#),
            ("/api/things?p=2", 403, r#"{"error":{"code":"Forbidden","message":"no"}}"#),
        ])
        .await;
        let (items, error) = collect(&base, request()).await;
        assert_eq!(items, [1]);
        assert_eq!(error.and_then(|e| e.status()), Some(::http::StatusCode::FORBIDDEN));
    }

    #[tokio::test]
    async fn refuses_next_links_to_other_hosts() {
        let (base, log) = serve(&[(
            "/api/things",
            200,
            r#"{"value":[1],"@odata.nextLink":"https://elsewhere.example/api/things?p=2"}"#,
        )])
        .await;
        let (items, error) = collect(&base, request()).await;
        assert_eq!(items, [1]);
        assert!(matches!(error, Some(Error::InvalidRequest(_))));
        assert_eq!(log.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn pages_yields_whole_pages() {
        let (base, _) = serve(&[
            ("/api/things", 200, r#"{"value":[1,2],"@odata.nextLink":"{base}/api/things?p=2"}"#),
            ("/api/things?p=2", 200, r#"{"value":[3]}"#),
        ])
        .await;
        let pages: Vec<Vec<u32>> =
            pages::<Things>(core(&base), request(), PAGING).try_collect().await.unwrap();
        assert_eq!(pages, [vec![1, 2], vec![3]]);
    }
}
