//! [`App`]: the simulator's shared state, and the pipeline every request goes through —
//! read, route, authenticate, rate-limit, inject faults, handle, answer, count.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
use hyper::body::Incoming as Body;
use hyper::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue};
use hyper::{Request, Response};
use mde_machine_actions::models::ErrorCode;
use tokio::sync::{Notify, watch};

use crate::action::ActionRecord;
use crate::auth::{Caller, Tokens};
use crate::clock::Clock;
use crate::config::Config;
use crate::faults::{self, Faults, Plan};
use crate::limits::{RateLimiter, retry_after_seconds};
use crate::machine::guid;
use crate::reply::{ApiFailure, Body as ReplyBody, Reply};
use crate::route::Route;
use crate::routes::{self, Ctx, Incoming, RouteTable, Target};
use crate::signing::Signer;
use crate::state::{Rules, State};
use crate::stats::Stats;

/// Largest request body read; a larger one is answered 413.
const MAX_BODY: usize = 1024 * 1024;

/// Locks `mutex`, ignoring poisoning (no handler panics while holding a lock).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct App {
    pub base_url: String,
    /// The routes, derived from the SDK's operations.
    pub routes: RouteTable,
    pub clock: Clock,
    pub config: Config,
    pub signer: Signer,
    pub state: Mutex<State>,
    pub tokens: Mutex<Tokens>,
    pub limits: Mutex<RateLimiter>,
    pub faults: Mutex<Faults>,
    pub stats: Mutex<Stats>,
    /// Draws correlation ids and tokens.
    pub ids: Mutex<fastrand::Rng>,
    /// Turns true when the simulator stops.
    pub shutdown: watch::Receiver<bool>,
}

impl App {
    pub fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    pub fn rules(&self) -> Rules {
        Rules {
            enforce_os_support: self.config.enforce_os_support,
            max_live_response_sessions: self.config.max_live_response_sessions,
        }
    }

    /// False during the configured visibility delay after an action's creation.
    pub fn is_visible(&self, action: &ActionRecord, now: Duration) -> bool {
        now >= action.created + self.config.visibility_delay
    }

    /// Action `id`, if it exists and is visible at `now`; otherwise 404 `ResourceNotFound`.
    pub fn visible<'s>(
        &self,
        state: &'s State,
        id: &str,
        now: Duration,
    ) -> Result<&'s ActionRecord, ApiFailure> {
        state
            .action(id)
            .filter(|action| self.is_visible(action, now))
            .ok_or_else(|| ApiFailure::not_found(format!("Machine action {id} was not found")))
    }

    /// A new correlation id.
    pub fn new_id(&self) -> String {
        guid(&mut lock(&self.ids))
    }

    /// Issues a token at `now`.
    pub fn issue_token(
        &self,
        now: Duration,
        lifetime: Duration,
        audience_ok: bool,
        requestor: &str,
    ) -> String {
        let mut ids = lock(&self.ids);
        lock(&self.tokens).issue(&mut ids, now, lifetime, audience_ok, requestor)
    }

    /// Answers one request. When the plan drops the connection it never returns: `kill` is
    /// notified and the connection task closes the socket.
    ///
    /// The order: route, authenticate (so a caller without a valid token gets 401 whatever
    /// it sends), read the body (413 when it is larger than [`MAX_BODY`], 408 when it takes
    /// longer than the body-read timeout, 503 when the simulator stops meanwhile), then
    /// rate limits, faults and the handler.
    pub async fn handle(
        self: Arc<Self>,
        request: Request<Body>,
        kill: Arc<Notify>,
    ) -> Response<Full<Bytes>> {
        let (parts, body) = request.into_parts();
        let correlation = self.new_id();
        let authorization =
            parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let mut incoming =
            Incoming::new(parts.method.clone(), &parts.uri, authorization, Bytes::new());
        let target = self.routes.resolve(&incoming.method, &incoming.segments);
        let route = target.route();
        let respond = |reply: Reply, plan: &Plan| {
            self.respond(route, &incoming.method, &incoming.path, reply, plan, &correlation)
        };
        let mut requestor = String::new();
        if route.is_some_and(Route::is_api) {
            match self.authenticate(&incoming) {
                Ok(name) => requestor = name,
                Err(failure) => {
                    // The body is left unread: the connection must not be reused.
                    let mut reply = Reply::failure(&failure, &correlation);
                    reply.headers.push(("connection", "close".to_owned()));
                    return respond(reply, &Plan::default());
                }
            }
        }
        match self.read_body(&parts.headers, body).await {
            Ok(bytes) => incoming.body = bytes,
            Err(failure) => {
                let mut reply = Reply::failure(&failure, &correlation);
                reply.headers.push(("connection", "close".to_owned()));
                return respond(reply, &Plan::default());
            }
        }
        let (reply, plan) = match route {
            Some(route) => {
                self.route(route, &target, &incoming, requestor, &correlation, &kill).await
            }
            None => {
                let plan = Plan::default();
                let reply = if let Target::MethodNotAllowed { allow } = &target {
                    let failure = ApiFailure::new(
                        405,
                        ErrorCode::Unknown("MethodNotAllowed".to_owned()),
                        format!(
                            "The requested resource does not support http method '{}'",
                            incoming.method
                        ),
                    );
                    let mut reply = Reply::failure(&failure, &correlation);
                    reply.headers.push(("allow", allow.clone()));
                    reply
                } else {
                    let ctx = Ctx {
                        app: &self,
                        req: &incoming,
                        now: self.clock.elapsed(),
                        requestor: String::new(),
                        plan: &plan,
                    };
                    match routes::dispatch(&ctx, &target) {
                        Ok(reply) => reply,
                        Err(failure) => Reply::failure(&failure, &correlation),
                    }
                };
                (reply, plan)
            }
        };
        respond(reply, &plan)
    }

    /// The caller of an API route: who its bearer token names, or the 401 or 403 failure.
    fn authenticate(&self, incoming: &Incoming) -> Result<String, ApiFailure> {
        let now = self.clock.elapsed();
        match lock(&self.tokens).check(incoming.authorization.as_deref(), now) {
            Caller::Allowed { requestor } => Ok(requestor),
            Caller::Unauthorized(message) => {
                Err(ApiFailure::new(401, ErrorCode::Unauthorized, message))
            }
            Caller::Forbidden(message) => Err(ApiFailure::new(403, ErrorCode::Forbidden, message)),
        }
    }

    /// Reads a request body of at most [`MAX_BODY`] bytes within the body-read timeout.
    async fn read_body(&self, headers: &HeaderMap, body: Body) -> Result<Bytes, ApiFailure> {
        let too_large = || {
            ApiFailure::new(
                413,
                ErrorCode::Unknown("RequestEntityTooLarge".to_owned()),
                format!("The request body is larger than the limit of {MAX_BODY} bytes"),
            )
        };
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok());
        if declared.is_some_and(|length| length > MAX_BODY as u64) {
            return Err(too_large());
        }
        let mut shutdown = self.shutdown.clone();
        let read = Limited::new(body, MAX_BODY).collect();
        let limit = self.config.body_read_timeout;
        let timeout = async move {
            match limit {
                Some(limit) => tokio::time::sleep(limit).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            collected = read => match collected {
                Ok(collected) => Ok(collected.to_bytes()),
                Err(error) if error.is::<LengthLimitError>() => Err(too_large()),
                Err(_) => Err(ApiFailure::bad_request(
                    ErrorCode::InvalidRequestBody,
                    "The request body was cut short",
                )),
            },
            () = timeout => Err(ApiFailure::new(
                408,
                ErrorCode::Unknown("RequestTimeout".to_owned()),
                "The request body did not arrive in time",
            )),
            _ = shutdown.wait_for(|stopping| *stopping) => Err(ApiFailure::new(
                503,
                ErrorCode::Unknown("ServiceUnavailable".to_owned()),
                "The simulator is stopping",
            )),
        }
    }

    /// Rate limits, faults and the handler of a matched route, for an authenticated caller.
    async fn route(
        &self,
        route: Route,
        target: &Target,
        incoming: &Incoming,
        requestor: String,
        correlation: &str,
        kill: &Notify,
    ) -> (Reply, Plan) {
        let now = self.clock.elapsed();
        let fail = |failure: ApiFailure| (Reply::failure(&failure, correlation), Plan::default());
        if route.is_api() {
            let limited = lock(&self.limits).check(route, now);
            if let Err(wait) = limited {
                let seconds = retry_after_seconds(wait);
                let mut failure = ApiFailure::new(
                    429,
                    ErrorCode::TooManyRequests,
                    format!("Rate limit is exceeded. Try again in {seconds} seconds."),
                );
                failure.retry_after = Some(seconds);
                return fail(failure);
            }
        }
        let plan = lock(&self.faults).plan(route);
        if !plan.latency.is_zero() {
            tokio::time::sleep(plan.latency).await;
        }
        if plan.drop == Some(false) {
            return self.drop_connection(route, kill).await;
        }
        if let Some((status, false)) = plan.error {
            return (injected_error(status, correlation), plan);
        }
        let ctx =
            Ctx { app: self, req: incoming, now: self.clock.elapsed(), requestor, plan: &plan };
        let reply = match routes::dispatch(&ctx, target) {
            Ok(reply) => reply,
            Err(failure) => Reply::failure(&failure, correlation),
        };
        if plan.drop == Some(true) {
            return self.drop_connection(route, kill).await;
        }
        if let Some((status, true)) = plan.error {
            return (injected_error(status, correlation), plan);
        }
        (reply, plan)
    }

    /// Closes the connection without an answer.
    async fn drop_connection(&self, route: Route, kill: &Notify) -> (Reply, Plan) {
        lock(&self.stats).record_drop(route);
        tracing::info!(route = route.name(), "dropping the connection (fault injection)");
        kill.notify_one();
        std::future::pending().await
    }

    /// Turns a reply into an HTTP response (applying the plan's body faults) and counts it.
    fn respond(
        &self,
        route: Option<Route>,
        method: &hyper::Method,
        path: &str,
        reply: Reply,
        plan: &Plan,
        correlation: &str,
    ) -> Response<Full<Bytes>> {
        let status = reply.status;
        lock(&self.stats).record(route, status);
        tracing::info!(
            route = route.map_or("-", Route::name),
            %method,
            path,
            status,
            "request"
        );
        let (content_type, mut data): (Option<&'static str>, Vec<u8>) = match reply.body {
            ReplyBody::Json(mut json) => {
                if plan.unknown_enums {
                    faults::rename_enums(&mut json);
                }
                if plan.unknown_fields {
                    faults::add_unknown_fields(&mut json);
                }
                let mut data = json.to_bytes();
                if plan.malformed {
                    data.splice(0..0, b"json".iter().copied());
                }
                (Some("application/json; odata.metadata=minimal; charset=utf-8"), data)
            }
            ReplyBody::Bytes { content_type, data } => (Some(content_type), data),
        };
        if plan.truncate {
            data.truncate(data.len() / 2);
        }
        let mut response = Response::new(Full::new(Bytes::from(data)));
        *response.status_mut() =
            hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        if let Some(content_type) = content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        if let Ok(value) = HeaderValue::from_str(correlation) {
            headers.insert("request-id", value);
        }
        for (name, value) in reply.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        response
    }
}

/// The body of an injected 5xx.
fn injected_error(status: u16, correlation: &str) -> Reply {
    let code = match status {
        500 => ErrorCode::InternalServerError,
        503 => ErrorCode::Unknown("ServiceUnavailable".to_owned()),
        _ => ErrorCode::Unknown("ServerError".to_owned()),
    };
    let failure = ApiFailure::new(status, code, "Simulated server error (fault injection)");
    Reply::failure(&failure, correlation)
}
