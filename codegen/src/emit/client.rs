//! `src/client.rs`: the `Client` with one method per spec method, each returning a call
//! builder (optional parameters as setters, `IntoFuture`, response metadata, a pager for
//! listings), the `Cloud` table, typed `$filter` builders and paging glue.
//!
//! Everything that does not depend on the spec (HTTP, retries, budgets, paging, filters) lives
//! in the runtime crate; this emitter only wires each method's pieces into it.

use super::docs::{list, paragraphs};
use super::example::{self, is_argument};
use super::operations::{describe_limits, describe_platforms};
use super::{struct_literal, type_text};
use crate::Target;
use crate::ir::{
    Api, Field, FilterOp, Method, Param, ParamLocation, PathPart, Server, StructDef, Type, TypeDef,
    struct_named,
};
use crate::names;
use crate::render::{Code, char_lit, lit};

/// The whole `client.rs` file.
pub fn write_client(api: &Api, target: &Target<'_>) -> Result<String, String> {
    let mut code = Code::new();
    code.inner_doc(
        "The API client: one method per operation, each returning a call builder to set\n\
         optional parameters on and `.await`; the clouds the API is served from; typed\n\
         `$filter` builders.",
    );
    code.item("use super::{models, operations};");
    code.item("use ::mde_runtime::__private as runtime;");
    write_cloud(&mut code, api);
    write_client_struct(&mut code, api, target);
    for method in &api.methods {
        write_call(&mut code, api, method);
    }
    for method in api.methods.iter().filter(|m| first_pager_of_its_type(api, m)) {
        write_page_impl(&mut code, method);
    }
    for method in &api.methods {
        write_filter_builder(&mut code, api, method);
    }
    write_literals(&mut code, api);
    code.finish()
}

/// The prefix of named types outside `models.rs`.
const MODELS: &str = "models::";

/// The Rust type of the named model `name`, e.g. `models::Machine`.
fn model(name: &str) -> String {
    type_text(&Type::Named(name.to_owned()), MODELS)
}

// ----- clouds ----------------------------------------------------------------------------------

fn write_cloud(code: &mut Code, api: &Api) {
    if api.servers.is_empty() {
        return;
    }
    code.doc(
        "Where the API is served: each cloud or region pairs an API host with its sign-in\n\
         authority and token scope.",
    );
    code.line("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]");
    code.line("#[non_exhaustive]");
    code.item_block("pub enum Cloud", |code| {
        code.line("#[default]");
        for s in &api.servers {
            code.doc(&paragraphs(&[
                &s.doc,
                &format!("API `{}`, sign-in `{}`, scope `{}`.", s.url, s.authority, s.scope),
            ]));
            code.variant(&format!("{},", s.name));
        }
    });
    code.item_block("impl Cloud", |code| {
        code.doc("Every cloud, in spec order.");
        let all = list(api.servers.iter().map(|s| format!("Self::{}", s.name)));
        code.item(&format!("pub const ALL: &'static [Cloud] = &[{all}];"));
        code.doc("The cloud's name in the spec (e.g. `gcc-high`), as accepted by `FromStr`.");
        write_cloud_accessor(code, api, "name", |s| &s.spec_name);
        code.doc("API base URL.");
        write_cloud_accessor(code, api, "base_url", |s| &s.url);
        code.doc("Sign-in authority for tokens.");
        write_cloud_accessor(code, api, "authority", |s| &s.authority);
        code.doc("OAuth2 scope of tokens for the API.");
        write_cloud_accessor(code, api, "scope", |s| &s.scope);
    });
    code.item_block("impl From<Cloud> for runtime::Endpoint", |code| {
        code.item_block("fn from(cloud: Cloud) -> Self", |code| {
            code.line("runtime::Endpoint::new(cloud.base_url(), cloud.authority(), cloud.scope())");
        });
    });
    code.item_block("impl ::std::str::FromStr for Cloud", |code| {
        code.item("type Err = runtime::UnknownVariant;");
        code.item_block("fn from_str(value: &str) -> Result<Self, Self::Err>", |code| {
            let names = list(api.servers.iter().map(|s| lit(&s.spec_name)));
            code.stmt(&format!(
                "Self::ALL.iter().copied().find(|c| c.name() == value).ok_or_else(|| {{ \
                 runtime::UnknownVariant::new(\"Cloud\", value, &[{names}]) }})"
            ));
        });
    });
    code.item_block("impl ::std::fmt::Display for Cloud", |code| {
        code.item_block(
            "fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result",
            |code| code.line("f.write_str(self.name())"),
        );
    });
}

/// `pub fn <name>(self) -> &'static str`, matching each cloud to its `field`.
fn write_cloud_accessor(code: &mut Code, api: &Api, name: &str, field: fn(&Server) -> &String) {
    code.item_block(&format!("pub fn {name}(self) -> &'static str"), |code| {
        code.stmt_block("match self", |code| {
            for s in &api.servers {
                code.arm(&format!("Self::{} => {},", s.name, lit(field(s))));
            }
        });
    });
}

// ----- the client ------------------------------------------------------------------------------

fn write_client_struct(code: &mut Code, api: &Api, target: &Target<'_>) {
    code.doc(&paragraphs(&[
        &format!("A client for the {}.", api.name),
        "Cheap to clone: clones share the connection pool, the token cache and the rate budget.",
        "Each operation's method returns a call builder: set its optional parameters, then `.await` it for the value, or call `.send_with_response()` for the value with the response's status, request id and headers.",
        &format!("[Reference documentation]({})", api.docs_url),
    ]));
    code.line("#[derive(Debug, Clone)]");
    code.item_block("pub struct Client", |code| code.field("core: runtime::Core,"));
    code.item_block("impl runtime::FromCore for Client", |code| {
        code.item(
            "const USER_AGENT: &'static str = \
             concat!(env!(\"CARGO_PKG_NAME\"), \"/\", env!(\"CARGO_PKG_VERSION\"));",
        );
        code.item_block("fn from_core(core: runtime::Core) -> Self", |code| {
            code.line("Self { core }");
        });
    });
    let endpoint = if api.servers.is_empty() {
        "runtime::Endpoint::new(\"\", \"\", \"\")"
    } else {
        "Cloud::default()"
    };
    code.item_block("impl Client", |code| {
        code.doc(&paragraphs(&[
            "Starts configuring a client (default cloud, documented rate budget, retries).",
            &example::builder_example(api, target.crate_name),
        ]));
        code.item_block("pub fn builder() -> runtime::ClientBuilder<Self>", |code| {
            code.line(&format!("runtime::ClientBuilder::new({endpoint})"));
        });
        code.doc("The HTTP core: endpoint, connection pool, rate budget. Not public API.");
        code.line("#[doc(hidden)]");
        code.item_block("pub fn core(&self) -> &runtime::Core", |code| code.line("&self.core"));
        for method in &api.methods {
            write_method(code, api, method, target);
        }
        if api.methods.iter().any(|m| m.link_field.is_some()) {
            write_download(code, api, target);
        }
    });
}

/// `Client::download`, for specs with a method that returns a download link.
fn write_download(code: &mut Code, api: &Api, target: &Target<'_>) {
    code.doc(&paragraphs(&[
        "Downloads what a link points at into `writer`, chunk by chunk. The bearer token is not sent to the download host. Returns the number of bytes written.",
        &example::download_example(api, target.crate_name),
    ]));
    code.item_block(
        "pub async fn download<W>(&self, link: &runtime::DownloadLink, writer: &mut W) \
         -> Result<u64, runtime::Error> where W: ::tokio::io::AsyncWrite + Unpin + ?Sized",
        |code| code.line("link.download_to(self.core.http(), writer).await"),
    );
}

fn method_doc(api: &Api, method: &Method, target: &Target<'_>) -> String {
    let route = format!("`{} {}`", method.verb.as_str(), method.path_template);
    let statuses: Vec<String> = method.success.iter().map(u16::to_string).collect();
    let perms = |list: &[String]| {
        if list.is_empty() {
            "none listed".to_owned()
        } else {
            list.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
        }
    };
    let mut facts = vec![
        format!("- Success: HTTP {}.", statuses.join(" or ")),
        format!(
            "- Permissions (any one): application {}; delegated {}.",
            perms(&method.application_permissions),
            perms(&method.delegated_permissions)
        ),
    ];
    if !method.platforms.is_empty() {
        facts.push(format!("- Platforms (as documented): {}.", describe_platforms(method)));
    }
    if !method.rate_limits.is_empty() {
        facts.push(format!(
            "- Rate limit: {}; the client's rate budget paces calls under it.",
            describe_limits(method)
        ));
    }
    facts.push(if method.retry_safe {
        "- Retries: safe to repeat; retried after 429, 5xx, timeouts and connection failures.".to_owned()
    } else {
        "- Retries: not repeatable; sent again only after 429, 401 or a connection failure before the request was written.".to_owned()
    });
    for error in &method.errors {
        let code = error.code.as_deref().map(|c| format!(" `{c}`")).unwrap_or_default();
        facts.push(format!("- Fails with HTTP {}{code} {}", error.status, error.when));
    }
    paragraphs(&[
        &method.summary,
        &method.description,
        &route,
        &facts.join("\n"),
        &format!("[Microsoft Learn]({})", method.docs_url),
        &example::method_example(api, method, target.crate_name),
    ])
}

/// The type of a required parameter: borrowed for strings and named types (for the call
/// builder's lifetime `'a`), by value otherwise.
fn param_type(param: &Param) -> String {
    match &param.ty {
        Type::String => "&'a str".to_owned(),
        Type::Named(_) => format!("&'a {}", type_text(&param.ty, MODELS)),
        other => type_text(other, MODELS),
    }
}

/// The parameter's text for a path segment or query value, `value` being an expression of the
/// parameter's type.
fn param_text(param: &Param, value: &str, api: &Api) -> String {
    match &param.ty {
        Type::String => value.to_owned(),
        Type::Named(name) if is_string_newtype(api, name) => format!("{value}.as_str()"),
        _ => format!("&{value}.to_string()"),
    }
}

fn is_string_newtype(api: &Api, name: &str) -> bool {
    api.types
        .iter()
        .any(|t| matches!(t, TypeDef::Newtype(n) if n.name == name && n.inner == Type::String))
}

fn return_type(method: &Method) -> String {
    if method.link_field.is_some() {
        "runtime::DownloadLink".to_owned()
    } else {
        model(&method.response)
    }
}

/// The client method of an operation: takes the required inputs, returns the call builder.
fn write_method(code: &mut Code, api: &Api, method: &Method, target: &Target<'_>) {
    code.doc(&method_doc(api, method, target));
    let call = &method.call_type;
    let inputs = required_inputs(method);
    let args = inputs.iter().map(|(name, ty)| format!("{name}: {ty}"));
    let args = list(std::iter::once("&'a self".to_owned()).chain(args));
    code.item_block(&format!("pub fn {}<'a>({args}) -> {call}<'a>", method.name), |code| {
        let fields = inputs.iter().map(|(name, _)| (*name).to_owned());
        let optional = method.params.iter().filter(|p| !is_argument(p));
        let optional = optional.map(|p| format!("{}: None", p.name));
        let fields: Vec<String> =
            std::iter::once("client: self".to_owned()).chain(fields).chain(optional).collect();
        code.stmt(&struct_literal(call, &fields));
    });
}

/// The required inputs of an operation, as (name, type): path and required query
/// parameters, then the body.
fn required_inputs(method: &Method) -> Vec<(&str, String)> {
    let params =
        method.params.iter().filter(|p| is_argument(p)).map(|p| (p.name.as_str(), param_type(p)));
    let body = method.body.as_ref().map(|b| (names::BODY_ARG, format!("&'a {}", model(b))));
    params.chain(body).collect()
}

// ----- call builders ---------------------------------------------------------------------------

/// The call builder of an operation: its inputs, a setter per optional parameter, `send`,
/// `send_with_response`, `IntoFuture` and, for listings, `into_pager`.
fn write_call(code: &mut Code, api: &Api, method: &Method) {
    let call = &method.call_type;
    let method_name = names::bare(&method.name);
    code.doc(&format!(
        "A call of [`Client::{method_name}`]: set optional parameters, then `.await` it (or call [`send_with_response`](Self::send_with_response) for the response metadata too)."
    ));
    code.line("#[derive(Debug, Clone)]");
    code.line("#[must_use = \"a call does nothing until it is awaited\"]");
    let optional: Vec<&Param> = method.params.iter().filter(|p| !is_argument(p)).collect();
    code.item_block(&format!("pub struct {call}<'a>"), |code| {
        code.field("client: &'a Client,");
        for (name, ty) in required_inputs(method) {
            code.field(&format!("{name}: {ty},"));
        }
        for param in &optional {
            code.field(&format!("{}: Option<{}>,", param.name, query_field_type(param)));
        }
    });
    let ret = return_type(method);
    code.item_block(&format!("impl<'a> {call}<'a>"), |code| {
        for param in &optional {
            write_call_setter(code, param);
        }
        code.item_block("fn request(&self) -> Result<runtime::Request, runtime::Error>", |code| {
            write_build_request(code, api, method);
            code.line("Ok(request)");
        });
        code.doc("Sends the call and returns the decoded answer: the same as `.await`.");
        let send = format!("pub async fn send(self) -> Result<{ret}, runtime::Error>");
        code.item_block(&send, |code| {
            code.line("Ok(self.send_with_response().await?.into_value())");
        });
        code.doc(
            "Sends the call and returns the decoded answer with the response's status,\n\
             request id and headers.",
        );
        let send_with_response = format!(
            "pub async fn send_with_response(self) \
             -> Result<runtime::Response<{ret}>, runtime::Error>"
        );
        code.item_block(&send_with_response, |code| {
            code.line("let request = self.request()?;");
            write_send(code, method);
        });
        write_into_pager(code, method);
    });
    code.item_block(&format!("impl<'a> ::std::future::IntoFuture for {call}<'a>"), |code| {
        code.item(&format!("type Output = Result<{ret}, runtime::Error>;"));
        code.item("type IntoFuture = runtime::BoxFuture<'a, Self::Output>;");
        code.item_block("fn into_future(self) -> Self::IntoFuture", |code| {
            code.line("Box::pin(self.send())");
        });
    });
}

/// The end of `send_with_response`: sends the request and decodes the answer (and, for a
/// download link, parses it out of the response).
fn write_send(code: &mut Code, method: &Method) {
    let send = format!("self.client.core.send_json::<{}>(request).await", model(&method.response));
    match &method.link_field {
        Some(field) => {
            code.stmt(&format!("let response = {send}?;"));
            code.stmt(&format!(
                "response.try_map(|value| runtime::DownloadLink::parse(&value.{field}))"
            ));
        }
        None => code.stmt(&send),
    }
}

fn write_call_setter(code: &mut Code, param: &Param) {
    let name = &param.name;
    let ty = query_field_type(param);
    code.doc(&paragraphs(&[&param.doc, &format!("Query parameter `{}`.", param.wire)]));
    code.item_block(&format!("pub fn {name}(mut self, value: impl Into<{ty}>) -> Self"), |code| {
        code.stmt(&format!("self.{name} = Some(value.into());"));
        code.line("self");
    });
}

fn write_into_pager(code: &mut Code, method: &Method) {
    let Some(paging) = &method.paging else { return };
    let item = type_text(&paging.item_type, MODELS);
    let page = model(&method.response);
    let (top, skip) = (&paging.top, &paging.skip);
    code.doc(&format!(
        "Every item of the listing, page after page: follows the next link, falls back to `{skip}` when a full page has no link, and ends with an error on a link that does not advance. `{top}` sets the page size."
    ));
    code.item_block(&format!("pub fn into_pager(self) -> runtime::Pager<{item}>"), |code| {
        code.stmt(&format!(
            "let paging = runtime::Paging {{ top: {}, skip: {}, max_top: {}u32 }};",
            lit(top),
            lit(skip),
            paging.max_top
        ));
        code.stmt_block("match self.request()", |code| {
            code.arm(&format!(
                "Ok(request) => \
                 runtime::Pager::new::<{page}>(self.client.core.clone(), request, paging),"
            ));
            code.line("Err(error) => runtime::Pager::failed(error),");
        });
    });
}

/// `let request = runtime::Request::new(...)` with path, query and (if the method has one) body.
fn write_build_request(code: &mut Code, api: &Api, method: &Method) {
    let (first, rest) = match method.path.split_first() {
        Some((PathPart::Literal(text), rest)) => (text.as_str(), rest),
        _ => ("", method.path.as_slice()),
    };
    let binding = if rest.is_empty() { "path" } else { "mut path" };
    code.stmt(&format!("let {binding} = String::from({});", lit(first)));
    for part in rest {
        match part {
            PathPart::Literal(text) if text.chars().count() == 1 => {
                let c = text.chars().next().unwrap_or_default();
                code.stmt(&format!("path.push({});", char_lit(c)));
            }
            PathPart::Literal(text) => code.stmt(&format!("path.push_str({});", lit(text))),
            PathPart::Param(index) => {
                let param = &method.params[*index];
                let text = param_text(param, &format!("self.{}", param.name), api);
                code.stmt(&format!("runtime::push_segment(&mut path, {text});"));
            }
        }
    }
    let ids: String = method
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
        .map(|p| {
            let wire = lit(&p.wire);
            // A timestamp is held by value and is not `Copy`: the span borrows it.
            match p.ty {
                Type::DateTime => format!(".id({wire}, &self.{})", p.name),
                _ => format!(".id({wire}, self.{})", p.name),
            }
        })
        .collect();
    code.stmt(&format!(
        "let request = runtime::Request::new(&operations::{}, path){ids};",
        method.operation
    ));
    for param in method.params.iter().filter(|p| p.location == ParamLocation::Query) {
        write_query(code, param);
    }
    if method.body.is_some() {
        code.stmt(&format!("let request = request.json(self.{})?;", names::BODY_ARG));
    }
}

/// Adds a query parameter to `request`: always for a required one, when set for an optional one.
fn write_query(code: &mut Code, param: &Param) {
    let wire = lit(&param.wire);
    let name = &param.name;
    if is_argument(param) {
        let text = clamp(param, &format!("self.{name}"));
        code.stmt(&format!("let request = request.query({wire}, {text});"));
        return;
    }
    let text = if is_clamped(param) { clamp(param, "(*value)") } else { "value".to_owned() };
    code.let_block(&format!("let request = match &self.{name}"), |code| {
        code.arm(&format!("Some(value) => request.query({wire}, {text}),"));
        code.line("None => request,");
    });
}

fn is_clamped(param: &Param) -> bool {
    matches!(param.ty, Type::I32 | Type::I64)
        && (param.minimum.is_some() || param.maximum.is_some())
}

/// Integer query values are clamped to the spec's `minimum`/`maximum` (e.g. `$top` ≤ 10,000).
/// `value` is an expression of the parameter's type.
fn clamp(param: &Param, value: &str) -> String {
    match (param.minimum, param.maximum, &param.ty) {
        (Some(min), Some(max), Type::I32 | Type::I64) => {
            format!("{value}.clamp({}, {})", literal(min, &param.ty), literal(max, &param.ty))
        }
        (Some(min), None, Type::I32 | Type::I64) => {
            format!("{value}.max({})", literal(min, &param.ty))
        }
        (None, Some(max), Type::I32 | Type::I64) => {
            format!("{value}.min({})", literal(max, &param.ty))
        }
        _ => value.to_owned(),
    }
}

/// An integer literal of the parameter's type, suffixed (`10000i32`).
fn literal(value: i64, ty: &Type) -> String {
    match ty {
        Type::I32 => format!("{}i32", i32::try_from(value).unwrap_or(i32::MAX)),
        _ => format!("{value}i64"),
    }
}

// ----- listing ---------------------------------------------------------------------------------

fn query_field_type(param: &Param) -> String {
    if param.is_filter { "runtime::Filter".to_owned() } else { type_text(&param.ty, MODELS) }
}

/// Several listings may return one page type; it implements `runtime::Page` once, with the
/// first of them (`lower` checks that they page it alike).
fn first_pager_of_its_type(api: &Api, method: &Method) -> bool {
    api.methods
        .iter()
        .find(|m| m.paging.is_some() && m.response == method.response)
        .is_some_and(|first| first.pointer == method.pointer)
}

fn write_page_impl(code: &mut Code, method: &Method) {
    let Some(paging) = &method.paging else { return };
    code.item_block(&format!("impl runtime::Page for {}", model(&method.response)), |code| {
        code.item(&format!("type Item = {};", type_text(&paging.item_type, MODELS)));
        code.item_block("fn into_parts(self) -> (Vec<Self::Item>, Option<String>)", |code| {
            code.stmt(&format!("(self.{}, self.{})", paging.items_field, paging.next_link_field));
        });
    });
}

// ----- filters ---------------------------------------------------------------------------------

fn filter_struct<'a>(api: &'a Api, method: &Method) -> Option<&'a StructDef> {
    let (name, _) = method.filter.as_ref()?;
    struct_named(&api.types, name)
}

fn write_filter_builder(code: &mut Code, api: &Api, method: &Method) {
    let Some(def) = filter_struct(api, method) else { return };
    // One builder per filtered model, emitted with its first listing method.
    let first = api.methods.iter().find(|m| m.filter.as_ref().map(|f| &f.0) == Some(&def.name));
    if first.is_none_or(|first| first.spec_name != method.spec_name) {
        return;
    }
    let name = names::filter_type(&def.name);
    code.doc(&format!(
        "Typed `$filter` expressions over the filterable members of [`models::{}`]; literals are quoted safely. Combine with `.and(..)`, `.or(..)`, or fall back to `runtime::Filter::raw`.",
        def.name
    ));
    code.line("#[derive(Debug, Clone, Copy)]");
    code.item(&format!("pub struct {name};"));
    code.item_block(&format!("impl {name}"), |code| {
        for field in def.fields.iter().filter(|f| !f.filter_ops.is_empty()) {
            write_filter_field(code, field);
        }
    });
}

/// The constructor of a filterable member's `runtime::FilterField`.
fn write_filter_field(code: &mut Code, field: &Field) {
    let wire = &field.wire;
    let ty = type_text(&field.ty, MODELS);
    let ordered = field
        .filter_ops
        .iter()
        .any(|op| matches!(op, FilterOp::Gt | FilterOp::Ge | FilterOp::Lt | FilterOp::Le));
    let ops = if ordered { "runtime::Ordered" } else { "runtime::Equality" };
    let operators = list(field.filter_ops.iter().map(|op| op.as_str().to_owned()));
    code.doc_unspaced(&format!("`{wire}` (operators: {operators})."));
    code.item_block(
        &format!("pub const fn {}() -> runtime::FilterField<{ty}, {ops}>", field.name),
        |code| code.stmt(&format!("runtime::FilterField::new({})", lit(wire))),
    );
}

/// `ODataLiteral` for the enums and newtypes that filterable members use.
fn write_literals(code: &mut Code, api: &Api) {
    let mut used: Vec<&str> = Vec::new();
    for method in &api.methods {
        let Some(def) = filter_struct(api, method) else { continue };
        for field in def.fields.iter().filter(|f| !f.filter_ops.is_empty()) {
            if let Type::Named(name) = &field.ty
                && !used.contains(&name.as_str())
            {
                used.push(name);
            }
        }
    }
    for name in used {
        let Some(def) = api.types.iter().find(|t| t.name() == name) else { continue };
        let body = match def {
            TypeDef::Enum(_) => "runtime::quote_literal(self.as_str(), out)",
            TypeDef::Newtype(n) if n.inner == Type::String => {
                "runtime::quote_literal(self.as_str(), out)"
            }
            TypeDef::Newtype(_) => "runtime::ODataLiteral::write_literal(&self.0, out)",
            TypeDef::Struct(_) => continue,
        };
        code.item_block(&format!("impl runtime::ODataLiteral for models::{name}"), |code| {
            code.item_block("fn write_literal(&self, out: &mut String)", |code| code.line(body));
        });
    }
}
