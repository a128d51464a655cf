//! `POST /{tenant}/oauth2/v2.0/token`: a local OAuth2 client-credentials endpoint in the
//! manner of Microsoft Entra ID, so the SDK's real credential code can be exercised. Errors
//! use Entra's shape (`error`, `error_description` with an `AADSTS` code, `error_codes`).
//!
//! `POST /{tenant}/oauth2/token` is the legacy v1 endpoint older sample code signs in at: it
//! takes `resource=` (the API's application ID URI) instead of `scope=`, and answers as Entra
//! ID's v1 endpoint does, every value a string: `token_type`, `expires_in`,
//! `ext_expires_in`, `expires_on` and `not_before` (Unix seconds), `resource` and
//! `access_token`.

use serde_json::json;

use super::Ctx;
use crate::auth::ACCEPTED_SCOPES;
use crate::clock::timestamp;
use crate::reply::{Json, Reply};

fn entra_error(ctx: &Ctx<'_>, status: u16, error: &str, code: u32, description: &str) -> Reply {
    let trace = ctx.app.new_id();
    let now = timestamp(ctx.app.clock.wall_at(ctx.now), false);
    let description = format!("AADSTS{code}: {description} Trace ID: {trace} Timestamp: {now}");
    Reply::json(
        status,
        Json::object([
            ("error", Json::from(error)),
            ("error_description", Json::from(description.as_str())),
            ("error_codes", Json::from(json!([code]))),
            ("timestamp", Json::from(now.as_str())),
            ("trace_id", Json::from(trace.as_str())),
            ("correlation_id", Json::from(trace.as_str())),
        ]),
    )
}

/// The handler: the v2 endpoint, or the v1 endpoint when `legacy`.
pub(crate) fn token(ctx: &Ctx<'_>, tenant: &str, legacy: bool) -> Reply {
    let credentials = &ctx.app.config.credentials;
    let form: Vec<(String, String)> =
        url::form_urlencoded::parse(&ctx.req.body).into_owned().collect();
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let missing = |name: &str| {
        let text = format!("The request body must contain the following parameter: '{name}'.");
        entra_error(ctx, 400, "invalid_request", 900_144, &text)
    };
    if !tenant.eq_ignore_ascii_case(&credentials.tenant_id) {
        let text = format!(
            "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID."
        );
        return entra_error(ctx, 400, "invalid_request", 90_002, &text);
    }
    let Some(grant_type) = field("grant_type") else { return missing("grant_type") };
    if grant_type != "client_credentials" {
        let text = format!(
            "The provided value for the input parameter 'grant_type' is not valid: {grant_type}."
        );
        return entra_error(ctx, 400, "unsupported_grant_type", 70_003, &text);
    }
    let Some(client_id) = field("client_id") else { return missing("client_id") };
    if client_id != credentials.client_id {
        let text =
            format!("Application with identifier '{client_id}' was not found in the directory.");
        return entra_error(ctx, 400, "unauthorized_client", 700_016, &text);
    }
    let Some(secret) = field("client_secret") else {
        let text = "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.";
        return entra_error(ctx, 401, "invalid_client", 7_000_218, text);
    };
    if secret != credentials.client_secret {
        let text = format!(
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
        );
        return entra_error(ctx, 401, "invalid_client", 7_000_215, &text);
    }
    if legacy {
        return legacy_token(ctx, client_id, field("resource"));
    }
    let Some(scope) = field("scope") else { return missing("scope") };
    if !scope.ends_with("/.default") || scope.contains(' ') {
        let text = format!(
            "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
        );
        return entra_error(ctx, 400, "invalid_scope", 1_002_012, &text);
    }
    let audience_ok = ACCEPTED_SCOPES.iter().any(|s| s.eq_ignore_ascii_case(scope));
    let lifetime = credentials.token_lifetime;
    let token = ctx.app.issue_token(ctx.now, lifetime, audience_ok, client_id);
    Reply::json(
        200,
        Json::object([
            ("token_type", Json::from("Bearer")),
            ("expires_in", Json::from(json!(lifetime.as_secs()))),
            ("ext_expires_in", Json::from(json!(lifetime.as_secs()))),
            ("access_token", Json::from(token.as_str())),
        ]),
    )
}

/// The v1 answer for `resource`: a token for the API when the resource is one of its
/// application ID URIs (with or without a trailing `/`), otherwise a token the API refuses
/// (403), as v2 does for another scope.
fn legacy_token(ctx: &Ctx<'_>, client_id: &str, resource: Option<&str>) -> Reply {
    let Some(resource) = resource.filter(|resource| !resource.trim().is_empty()) else {
        let text = "The request body must contain the following parameter: 'resource'.";
        return entra_error(ctx, 400, "invalid_request", 900_144, text);
    };
    let scope = format!("{}/.default", resource.trim_end_matches('/'));
    let audience_ok = ACCEPTED_SCOPES.iter().any(|s| s.eq_ignore_ascii_case(&scope));
    let lifetime = ctx.app.config.credentials.token_lifetime;
    let token = ctx.app.issue_token(ctx.now, lifetime, audience_ok, client_id);
    let not_before = ctx.app.clock.wall_at(ctx.now).unix_timestamp();
    let expires_on = not_before.saturating_add(i64::try_from(lifetime.as_secs()).unwrap_or(0));
    let seconds = lifetime.as_secs().to_string();
    Reply::json(
        200,
        Json::object([
            ("token_type", Json::from("Bearer")),
            ("expires_in", Json::from(seconds.as_str())),
            ("ext_expires_in", Json::from(seconds.as_str())),
            ("expires_on", Json::from(expires_on.to_string().as_str())),
            ("not_before", Json::from(not_before.to_string().as_str())),
            ("resource", Json::from(resource)),
            ("access_token", Json::from(token.as_str())),
        ]),
    )
}
