//! The OpenAPI 3.1 export of the spec (`spec/openapi.json`, written by `cargo xtask openapi`),
//! for tools outside Rust: other languages' client generators and schema-based API fuzzers.
//!
//! Like the rest of the generator this is a pure function of the spec: it takes the loaded JSON
//! (for the schemas, kept keyword for keyword and in spec order) and the validated [`Api`] (for
//! the operations), and returns a deterministic JSON tree that [`render`] prints.
//!
//! How the spec maps onto OpenAPI:
//!
//! - `$defs` become `components.schemas` unchanged: JSON Schema 2020-12 is OpenAPI 3.1's schema
//!   dialect, so `type` pairs with `"null"`, `anyOf` nullable references, `enum`, `format`, the
//!   validation keywords and the spec's `x-` keywords (`x-extensible`, `x-enum-descriptions`,
//!   `x-wire-aliases`, `x-filterable`, `x-sensitive`) all stay as written; only `$ref` targets
//!   move from `#/$defs/X` to `#/components/schemas/X`. Enums list the documented values; an
//!   `x-extensible` enum may grow, and the Rust SDK keeps unknown values of every enum it reads.
//! - Each `x-servers` entry becomes a server whose description names the cloud, with the name
//!   in `x-cloud` and its security scheme in `x-security-scheme`.
//! - Each distinct pair of sign-in authority and token scope becomes an OAuth 2.0
//!   client-credentials scheme (`oauth2` for the first server's pair, `oauth2-<server>` for the
//!   others) whose token URL has a `{tenant}` placeholder; the document requires any one of them.
//! - Each `x-methods` entry becomes an operation (operationId = the method's name) with its path
//!   and query parameters, a required JSON request body, its success responses, and the error
//!   responses 400, 401, 403, 404, 429 (with `Retry-After`) and 500, all with the error body
//!   schema. Generic error responses are shared in `components.responses`; a status for which
//!   the method documents errors of its own is written inline with those errors in its
//!   description. Permissions, rate limits, retry safety, documented errors, paging and download
//!   link members go into `x-` extensions on the operation (and into its description).

use crate::ir::{Api, Method, ParamLocation, Per, Verb};
use crate::load::Json;

/// The OpenAPI version the document declares.
pub const OPENAPI_VERSION: &str = "3.1.0";

/// Where the document is written, relative to the workspace root.
pub const OUTPUT: &str = "spec/openapi.json";

/// The media type of every request and response body.
const JSON_MEDIA_TYPE: &str = "application/json";

/// The shared error responses: status, component name, description.
const ERROR_RESPONSES: [(u16, &str, &str); 6] = [
    (
        400,
        "BadRequest",
        "Bad request: the service rejected the request, for instance a malformed body, a \
         mis-cased member name, an invalid value or query option, or a conflicting operation \
         already in progress. The error body says which.",
    ),
    (401, "Unauthorized", "Unauthorized: the Authorization header is missing, invalid or expired."),
    (
        403,
        "Forbidden",
        "Forbidden: the token is valid but carries none of the permissions the operation accepts \
         (see `x-permissions`), was issued for another audience, or the feature is disabled for \
         the tenant.",
    ),
    (404, "NotFound", "Not found: the addressed resource does not exist."),
    (
        429,
        "TooManyRequests",
        "Too many requests: a rate limit of the operation (see `x-rate-limits`) or a resource \
         quota was exhausted. Wait for the number of seconds in the Retry-After header before \
         trying again.",
    ),
    (500, "InternalServerError", "Internal server error: the service failed; retrying is advised."),
];

/// The status whose responses carry a `Retry-After` header.
const TOO_MANY_REQUESTS: u16 = 429;

/// The name of the shared `Retry-After` header component.
const RETRY_AFTER: &str = "Retry-After";

/// The OpenAPI document for a spec that [`crate::lower`] accepted: `document` is the spec as
/// loaded, `api` its lowered form, `version` the version of the SDK crate it describes.
pub fn build(document: &Json, api: &Api, version: &str) -> Json {
    let mut root = Obj::new();
    root.put("openapi", OPENAPI_VERSION);
    root.put("info", info(document, api, version));
    if !api.docs_url.is_empty() {
        root.put("externalDocs", external_docs("Reference documentation", &api.docs_url));
    }
    let schemes = security_schemes(api);
    root.put("servers", servers(api, &schemes));
    if !schemes.is_empty() {
        let requirements = schemes
            .iter()
            .map(|scheme| Obj::new().with(&scheme.name, vec![Json::from(scheme.scope.as_str())]))
            .map(Json::from)
            .collect::<Vec<_>>();
        root.put("security", requirements);
    }
    let tag = string_at(document, "/title");
    if let Some(tag) = tag {
        let mut entry = Obj::new().with("name", tag);
        if !api.docs_url.is_empty() {
            entry.put("externalDocs", external_docs("Reference documentation", &api.docs_url));
        }
        root.put("tags", vec![Json::from(entry)]);
    }
    let error_ref = string_at(document, "/x-api/errorResponse/$ref").map(component_ref);
    let mut paths: Vec<(String, Obj)> = Vec::new();
    for method in &api.methods {
        let spec = method_json(document, &method.spec_name);
        let operation = operation(document, method, spec, tag, error_ref.as_deref());
        let verb = verb_key(method.verb);
        match paths.iter_mut().find(|(path, _)| *path == method.path_template) {
            Some((_, item)) => item.put(verb, operation),
            None => paths.push((method.path_template.clone(), Obj::new().with(verb, operation))),
        }
    }
    root.put("paths", Json::Object(paths.into_iter().map(|(k, v)| (k, v.into())).collect()));
    root.put("components", components(document, &schemes, error_ref.as_deref()));
    root.into()
}

/// Prints `value` as pretty JSON (two-space indent, `"key": value`, LF line endings) with a
/// trailing newline, object members in their stored order.
pub fn render(value: &Json) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0);
    out.push('\n');
    out
}

fn info(document: &Json, api: &Api, version: &str) -> Obj {
    let mut description = api.doc.clone();
    if !description.is_empty() {
        description.push_str("\n\n");
    }
    description.push_str(
        "Generated by `cargo xtask openapi` from the hand-written spec of the Rust SDK: edit the \
         spec, not this document. `info.version` is the version of the SDK crate.",
    );
    let title = if api.name.is_empty() {
        string_at(document, "/title").unwrap_or("API").to_owned()
    } else {
        api.name.clone()
    };
    Obj::new().with("title", title).with("version", version).with("description", description)
}

fn external_docs(description: &str, url: &str) -> Obj {
    Obj::new().with("description", description).with("url", url)
}

/// One OAuth 2.0 security scheme: the clouds that share a sign-in authority and token scope.
struct Scheme {
    name: String,
    authority: String,
    scope: String,
    clouds: Vec<String>,
}

fn security_schemes(api: &Api) -> Vec<Scheme> {
    let mut schemes: Vec<Scheme> = Vec::new();
    for server in &api.servers {
        let authority = server.authority.trim_end_matches('/');
        if let Some(scheme) =
            schemes.iter_mut().find(|s| s.authority == authority && s.scope == server.scope)
        {
            scheme.clouds.push(server.spec_name.clone());
            continue;
        }
        let name = if schemes.is_empty() {
            "oauth2".to_owned()
        } else {
            format!("oauth2-{}", server.spec_name)
        };
        schemes.push(Scheme {
            name,
            authority: authority.to_owned(),
            scope: server.scope.clone(),
            clouds: vec![server.spec_name.clone()],
        });
    }
    schemes
}

fn scheme_json(scheme: &Scheme) -> Obj {
    let description = format!(
        "Bearer token from the sign-in authority {} for the clouds {}, obtained with the OAuth \
         2.0 client credentials flow: replace `{{tenant}}` in the token URL with the directory \
         (tenant) id or a verified domain, and ask for the scope `{}`. The token's roles must \
         include one of the operation's application permissions (`x-permissions`). A signed-in \
         user's token for the same scope works too; it must carry one of the delegated \
         permissions.",
        scheme.authority,
        scheme.clouds.join(", "),
        scheme.scope
    );
    let flow = Obj::new()
        .with("tokenUrl", format!("{}/{{tenant}}/oauth2/v2.0/token", scheme.authority))
        .with(
            "scopes",
            Obj::new().with(
                &scheme.scope,
                "Every permission granted to the application (or the user) for this API.",
            ),
        );
    Obj::new()
        .with("type", "oauth2")
        .with("description", description)
        .with("flows", Obj::new().with("clientCredentials", flow))
}

fn servers(api: &Api, schemes: &[Scheme]) -> Vec<Json> {
    api.servers
        .iter()
        .map(|server| {
            let mut out = Obj::new()
                .with("url", server.url.trim_end_matches('/'))
                .with("description", format!("{}: {}", server.spec_name, server.doc))
                .with("x-cloud", server.spec_name.as_str());
            if let Some(scheme) = schemes.iter().find(|s| s.clouds.contains(&server.spec_name)) {
                out.put("x-security-scheme", scheme.name.as_str());
            }
            out.into()
        })
        .collect()
}

fn operation(
    document: &Json,
    method: &Method,
    spec: Option<&Json>,
    tag: Option<&str>,
    error_ref: Option<&str>,
) -> Obj {
    let mut op = Obj::new();
    if let Some(tag) = tag {
        op.put("tags", vec![Json::from(tag)]);
    }
    op.put("summary", method.summary.as_str());
    op.put("description", operation_description(method));
    if !method.docs_url.is_empty() {
        op.put("externalDocs", external_docs("Reference documentation", &method.docs_url));
    }
    op.put("operationId", method.spec_name.as_str());
    let params = parameters(method, spec);
    if !params.is_empty() {
        op.put("parameters", params);
    }
    if let Some(body) = spec.and_then(|m| string_at(m, "/requestBody/$ref")) {
        let mut request = Obj::new();
        if let Some(doc) = def_description(document, body) {
            request.put("description", doc);
        }
        request.put("required", true);
        request.put("content", content(&component_ref(body)));
        op.put("requestBody", request);
    }
    op.put("responses", responses(document, method, spec, error_ref));
    if let Some(spec) = spec {
        for (key, extension) in [
            ("permissions", "x-permissions"),
            ("rateLimits", "x-rate-limits"),
            ("platforms", "x-platforms"),
            ("retrySafe", "x-retry-safe"),
            ("errors", "x-errors"),
            ("paging", "x-paging"),
            ("linkMember", "x-link-member"),
            ("$comment", "x-comment"),
        ] {
            if let Some(value) = spec.get(key) {
                op.put(extension, value.clone());
            }
        }
        if let Some(paging) = spec.get("paging") {
            // The paging extension that AutoRest and Kiota understand.
            let mut pageable = Obj::new();
            if let Some(next) = paging.get("nextLink") {
                pageable.put("nextLinkName", next.clone());
            }
            if let Some(items) = paging.get("items") {
                pageable.put("itemName", items.clone());
            }
            op.put("x-ms-pageable", pageable);
        }
    }
    op
}

/// The method's documentation followed by its permissions, limits and documented errors.
fn operation_description(method: &Method) -> String {
    let mut text = method.description.clone();
    let mut section = |line: String| {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&line);
    };
    let list = |names: &[String]| {
        names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
    };
    let mut permissions = Vec::new();
    if !method.application_permissions.is_empty() {
        permissions.push(format!("application {}", list(&method.application_permissions)));
    }
    if !method.delegated_permissions.is_empty() {
        permissions.push(format!("delegated {}", list(&method.delegated_permissions)));
    }
    if !permissions.is_empty() {
        section(format!("Permissions (any one suffices): {}.", permissions.join("; ")));
    }
    if !method.rate_limits.is_empty() {
        let limits = method
            .rate_limits
            .iter()
            .map(|limit| {
                let per = match limit.per {
                    Per::Minute => "minute",
                    Per::Hour => "hour",
                };
                format!("{} calls per {per}", limit.calls)
            })
            .collect::<Vec<_>>();
        section(format!("Rate limits: {}.", limits.join(" and ")));
    }
    if !method.platforms.is_empty() {
        let platforms = method.platforms.iter().map(|p| p.describe()).collect::<Vec<_>>();
        section(format!("Platforms (as documented): {}.", platforms.join("; ")));
    }
    section(if method.retry_safe {
        "Retry-safe: sending the request twice cannot do anything twice.".to_owned()
    } else {
        "Not retry-safe: a repeated request may start a second action.".to_owned()
    });
    if !method.errors.is_empty() {
        let errors = method.errors.iter().map(|error| format!("- {}", error_line(error)));
        section(format!("Documented errors:\n{}", errors.collect::<Vec<_>>().join("\n")));
    }
    text
}

/// `400 \`Code\`: when` for one documented error.
fn error_line(error: &crate::ir::MethodError) -> String {
    match &error.code {
        Some(code) => format!("{} `{code}`: {}", error.status, error.when),
        None => format!("{}: {}", error.status, error.when),
    }
}

fn parameters(method: &Method, spec: Option<&Json>) -> Vec<Json> {
    method
        .params
        .iter()
        .map(|param| {
            let location = match param.location {
                ParamLocation::Path => "path",
                ParamLocation::Query => "query",
            };
            let mut out = Obj::new()
                .with("name", param.wire.as_str())
                .with("in", location)
                .with("description", param.doc.as_str())
                .with("required", param.required);
            let schema = spec
                .and_then(|m| m.get("parameters"))
                .and_then(|params| match params {
                    Json::Array(items) => items.iter().find(|p| {
                        p.get("name") == Some(&Json::String(param.wire.clone()))
                            && p.get("in") == Some(&Json::String(location.to_owned()))
                    }),
                    _ => None,
                })
                .and_then(|p| p.get("schema"));
            if let Some(schema) = schema {
                out.put("schema", convert_schema(schema));
            }
            out.into()
        })
        .collect()
}

fn responses(
    document: &Json,
    method: &Method,
    spec: Option<&Json>,
    error_ref: Option<&str>,
) -> Obj {
    let mut out: Vec<(u16, Json)> = Vec::new();
    if let Some(response) = spec.and_then(|m| string_at(m, "/response/$ref")) {
        for &status in &method.success {
            let mut description = reason(status).to_owned();
            if let Some(doc) = def_description(document, response) {
                description.push_str(". ");
                description.push_str(doc);
            }
            let body = Obj::new()
                .with("description", description)
                .with("content", content(&component_ref(response)));
            out.push((status, body.into()));
        }
    }
    let mut statuses: Vec<u16> = ERROR_RESPONSES.iter().map(|(status, _, _)| *status).collect();
    statuses.extend(method.errors.iter().map(|error| error.status));
    statuses.sort_unstable();
    statuses.dedup();
    for status in statuses.into_iter().filter(|status| !method.success.contains(status)) {
        let shared = ERROR_RESPONSES.iter().find(|(s, _, _)| *s == status);
        let documented: Vec<String> = method
            .errors
            .iter()
            .filter(|error| error.status == status)
            .map(|error| match &error.code {
                Some(code) => format!("- `{code}`: {}", error.when),
                None => format!("- {}", error.when),
            })
            .collect();
        let response = match shared {
            Some((_, name, _)) if documented.is_empty() => {
                Obj::new().with("$ref", format!("#/components/responses/{name}")).into()
            }
            _ => {
                let generic = shared.map_or(reason(status), |(_, _, text)| text);
                let description = format!(
                    "{generic}\n\nDocumented for this operation:\n{}",
                    documented.join("\n")
                );
                error_response(status, description, error_ref).into()
            }
        };
        out.push((status, response));
    }
    out.sort_by_key(|(status, _)| *status);
    Obj(out.into_iter().map(|(status, response)| (status.to_string(), response)).collect())
}

/// An error response with `description`, the error body schema and, for 429, `Retry-After`.
fn error_response(status: u16, description: String, error_ref: Option<&str>) -> Obj {
    let mut out = Obj::new().with("description", description);
    if status == TOO_MANY_REQUESTS {
        let header = Obj::new().with("$ref", format!("#/components/headers/{RETRY_AFTER}"));
        out.put("headers", Obj::new().with(RETRY_AFTER, header));
    }
    if let Some(error_ref) = error_ref {
        out.put("content", content(error_ref));
    }
    out
}

/// `{"application/json": {"schema": {"$ref": target}}}`.
fn content(target: &str) -> Obj {
    let schema = Obj::new().with("$ref", target);
    Obj::new().with(JSON_MEDIA_TYPE, Obj::new().with("schema", schema))
}

fn components(document: &Json, schemes: &[Scheme], error_ref: Option<&str>) -> Obj {
    let schemas = match document.get("$defs") {
        Some(Json::Object(defs)) => {
            defs.iter().map(|(name, schema)| (name.clone(), convert_schema(schema))).collect()
        }
        _ => Vec::new(),
    };
    let responses = ERROR_RESPONSES
        .iter()
        .map(|(status, name, text)| {
            ((*name).to_owned(), error_response(*status, (*text).to_owned(), error_ref).into())
        })
        .collect();
    let retry_after = Obj::new()
        .with(
            "description",
            "How long to wait before trying again: a number of seconds or, rarely, an HTTP date.",
        )
        .with("schema", Obj::new().with("type", "string").with("examples", vec![Json::from("60")]));
    let security = schemes.iter().map(|s| (s.name.clone(), scheme_json(s).into())).collect();
    Obj::new()
        .with("schemas", Json::Object(schemas))
        .with("responses", Json::Object(responses))
        .with("headers", Obj::new().with(RETRY_AFTER, retry_after))
        .with("securitySchemes", Json::Object(security))
}

/// A spec schema as an OpenAPI 3.1 schema: the same keywords, with `$ref`s pointing into
/// `components.schemas`.
fn convert_schema(schema: &Json) -> Json {
    let Json::Object(members) = schema else { return schema.clone() };
    let convert_all = |value: &Json| match value {
        Json::Array(items) => Json::Array(items.iter().map(convert_schema).collect()),
        other => other.clone(),
    };
    Json::Object(
        members
            .iter()
            .map(|(key, value)| {
                if let ("x-docsUrl", Json::String(url)) = (key.as_str(), value) {
                    let docs = external_docs("Reference documentation", url);
                    return ("externalDocs".to_owned(), docs.into());
                }
                let value = match (key.as_str(), value) {
                    ("$ref", Json::String(target)) => Json::String(component_ref(target)),
                    ("properties" | "$defs", Json::Object(props)) => Json::Object(
                        props.iter().map(|(name, s)| (name.clone(), convert_schema(s))).collect(),
                    ),
                    ("items" | "additionalProperties" | "not", _) => convert_schema(value),
                    ("anyOf" | "allOf" | "oneOf" | "prefixItems", _) => convert_all(value),
                    _ => value.clone(),
                };
                (key.clone(), value)
            })
            .collect(),
    )
}

/// `#/$defs/X` as `#/components/schemas/X`; other targets unchanged.
fn component_ref(target: &str) -> String {
    match target.strip_prefix("#/$defs/") {
        Some(name) => format!("#/components/schemas/{name}"),
        None => target.to_owned(),
    }
}

/// The description of the `$defs` entry `target` (`#/$defs/X`) points to.
fn def_description<'a>(document: &'a Json, target: &str) -> Option<&'a str> {
    let def = document.pointer(target.strip_prefix('#')?)?;
    match def.get("description") {
        Some(Json::String(text)) => Some(text),
        _ => None,
    }
}

/// The `x-methods` entry named `name`.
fn method_json<'a>(document: &'a Json, name: &str) -> Option<&'a Json> {
    match document.get("x-methods") {
        Some(Json::Array(methods)) => {
            methods.iter().find(|m| m.get("name") == Some(&Json::String(name.to_owned())))
        }
        _ => None,
    }
}

/// The string at `pointer` in `value`.
fn string_at<'a>(value: &'a Json, pointer: &str) -> Option<&'a str> {
    match value.pointer(pointer) {
        Some(Json::String(text)) => Some(text),
        _ => None,
    }
}

fn verb_key(verb: Verb) -> &'static str {
    match verb {
        Verb::Get => "get",
        Verb::Post => "post",
        Verb::Put => "put",
        Verb::Patch => "patch",
        Verb::Delete => "delete",
    }
}

/// The reason phrase of a status, for response descriptions.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ if (200..300).contains(&status) => "Success",
        _ => "Error",
    }
}

/// An object under construction, members in insertion order.
struct Obj(Vec<(String, Json)>);

impl Obj {
    fn new() -> Self {
        Self(Vec::new())
    }

    fn put(&mut self, key: &str, value: impl Into<Json>) {
        self.0.push((key.to_owned(), value.into()));
    }

    fn with(mut self, key: &str, value: impl Into<Json>) -> Self {
        self.put(key, value);
        self
    }
}

impl From<Obj> for Json {
    fn from(obj: Obj) -> Self {
        Json::Object(obj.0)
    }
}

impl From<&str> for Json {
    fn from(text: &str) -> Self {
        Json::String(text.to_owned())
    }
}

impl From<String> for Json {
    fn from(text: String) -> Self {
        Json::String(text)
    }
}

impl From<bool> for Json {
    fn from(value: bool) -> Self {
        Json::Bool(value)
    }
}

impl From<Vec<Json>> for Json {
    fn from(items: Vec<Json>) -> Self {
        Json::Array(items)
    }
}

fn write_value(out: &mut String, value: &Json, indent: usize) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Int(n) => out.push_str(&n.to_string()),
        Json::Float(f) => match serde_json::Number::from_f64(*f) {
            Some(number) => out.push_str(&number.to_string()),
            None => out.push_str("null"),
        },
        Json::String(text) => write_string(out, text),
        Json::Array(items) if items.is_empty() => out.push_str("[]"),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                push_indent(out, indent + 1);
                write_value(out, item, indent + 1);
            }
            out.push('\n');
            push_indent(out, indent);
            out.push(']');
        }
        Json::Object(members) if members.is_empty() => out.push_str("{}"),
        Json::Object(members) => {
            out.push('{');
            for (i, (key, member)) in members.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                push_indent(out, indent + 1);
                write_string(out, key);
                out.push_str(": ");
                write_value(out, member, indent + 1);
            }
            out.push('\n');
            push_indent(out, indent);
            out.push('}');
        }
    }
}

/// A JSON string literal, escaped as `serde_json` escapes it.
fn write_string(out: &mut String, text: &str) {
    match serde_json::to_string(text) {
        Ok(literal) => out.push_str(&literal),
        Err(_) => out.push_str("\"\""),
    }
}

fn push_indent(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push_str("  ");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_matches_serde_json_pretty_printing() {
        let text = r#"{"a": [1, -2.5, "x\"\n\u0001é", [], {}], "b": {"c": null, "d": true}}"#;
        let value = crate::load::load(text).expect("valid JSON");
        let parsed: serde_json::Value = serde_json::from_str(text).expect("valid JSON");
        let expected = serde_json::to_string_pretty(&parsed).expect("serializes") + "\n";
        assert_eq!(render(&value), expected);
    }

    #[test]
    fn refs_move_to_components_and_other_keywords_stay() {
        let text = r##"{"anyOf": [{"$ref": "#/$defs/A"}, {"type": "null"}], "description": "d",
            "properties": {"$ref": {"$ref": "#/$defs/B"}}, "examples": [{"$ref": "#/$defs/C"}],
            "x-filterable": {"operators": ["eq"]}}"##;
        let converted = convert_schema(&crate::load::load(text).expect("valid JSON"));
        let expected = r##"{"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}],
            "description": "d", "properties": {"$ref": {"$ref": "#/components/schemas/B"}},
            "examples": [{"$ref": "#/$defs/C"}], "x-filterable": {"operators": ["eq"]}}"##;
        assert_eq!(converted, crate::load::load(expected).expect("valid JSON"));
    }
}
