//! [`App`]: the simulator's shared state, and the pipeline every request goes through —
//! read, route, authenticate, rate-limit, inject faults, handle, answer, count.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming as Body;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response};
use mde_machine_actions::models::ErrorCode;
use tokio::sync::Notify;

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

/// Largest request body read.
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
    pub async fn handle(
        self: Arc<Self>,
        request: Request<Body>,
        kill: Arc<Notify>,
    ) -> Response<Full<Bytes>> {
        let (parts, body) = request.into_parts();
        let correlation = self.new_id();
        let body = match Limited::new(body, MAX_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => {
                let failure = ApiFailure::bad_request(
                    ErrorCode::InvalidRequestBody,
                    "The request body is too large or was cut short",
                );
                return self.respond(
                    None,
                    &parts.method,
                    parts.uri.path(),
                    Reply::failure(&failure, &correlation),
                    &Plan::default(),
                    &correlation,
                );
            }
        };
        let authorization =
            parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let incoming = Incoming::new(parts.method.clone(), &parts.uri, authorization, body);
        let target = self.routes.resolve(&incoming.method, &incoming.segments);
        let route = target.route();
        let (reply, plan) = match route {
            Some(route) => self.route(route, &target, &incoming, &correlation, &kill).await,
            None => {
                let plan = Plan::default();
                let ctx = Ctx {
                    app: &self,
                    req: &incoming,
                    now: self.clock.elapsed(),
                    requestor: String::new(),
                    plan: &plan,
                };
                let reply = match routes::dispatch(&ctx, &target) {
                    Ok(reply) => reply,
                    Err(failure) => Reply::failure(&failure, &correlation),
                };
                let reply = if target == Target::MethodNotAllowed {
                    let failure = ApiFailure::new(
                        405,
                        ErrorCode::Unknown("MethodNotAllowed".to_owned()),
                        format!(
                            "The requested resource does not support http method '{}'",
                            incoming.method
                        ),
                    );
                    Reply::failure(&failure, &correlation)
                } else {
                    reply
                };
                (reply, plan)
            }
        };
        self.respond(route, &incoming.method, &incoming.path, reply, &plan, &correlation)
    }

    /// Authentication, rate limits, faults and the handler of a matched route.
    async fn route(
        &self,
        route: Route,
        target: &Target,
        incoming: &Incoming,
        correlation: &str,
        kill: &Notify,
    ) -> (Reply, Plan) {
        let now = self.clock.elapsed();
        let fail = |failure: ApiFailure| (Reply::failure(&failure, correlation), Plan::default());
        let mut requestor = String::new();
        if route.is_api() {
            match lock(&self.tokens).check(incoming.authorization.as_deref(), now) {
                Caller::Allowed { requestor: name } => requestor = name,
                Caller::Unauthorized(message) => {
                    return fail(ApiFailure::new(401, ErrorCode::Unauthorized, message));
                }
                Caller::Forbidden(message) => {
                    return fail(ApiFailure::new(403, ErrorCode::Forbidden, message));
                }
            }
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
