//! `src/client.rs`: the `Client` with one method per spec method, each returning a call
//! builder (optional parameters as setters, `IntoFuture`, response metadata, a pager for
//! listings), the `Cloud` table, typed `$filter` builders and paging glue.
//!
//! Everything that does not depend on the spec (HTTP, retries, budgets, paging, filters) lives
//! in the runtime crate; this emitter only wires each method's pieces into it.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::{doc_attrs, paragraphs};
use super::example::{self, is_argument};
use super::operations::{describe_limits, describe_platforms, operation_ident};
use super::rust_type;
use crate::Target;
use crate::ir::{
    Api, FilterOp, Method, Param, ParamLocation, PathPart, Server, StructDef, Type, TypeDef,
    struct_named,
};
use crate::names::{self, ident};

/// The whole `client.rs` file.
pub fn expand_client(api: &Api, target: &Target<'_>) -> TokenStream {
    let cloud = expand_cloud(api);
    let client = expand_client_struct(api, target);
    let calls = api.methods.iter().map(|m| expand_call(api, m));
    let pages =
        api.methods.iter().filter(|m| first_pager_of_its_type(api, m)).filter_map(expand_page_impl);
    let filters = api.methods.iter().filter_map(|m| expand_filter_builder(api, m));
    let literals = expand_literals(api);
    quote! {
        //! The API client: one method per operation, each returning a call builder to set
        //! optional parameters on and `.await`; the clouds the API is served from; typed
        //! `$filter` builders.

        use super::{models, operations};
        use ::mde_runtime::__private as runtime;

        #cloud
        #client
        #(#calls)*
        #(#pages)*
        #(#filters)*
        #literals
    }
}

fn models() -> TokenStream {
    quote!(models::)
}

// ----- clouds ----------------------------------------------------------------------------------

fn expand_cloud(api: &Api) -> TokenStream {
    if api.servers.is_empty() {
        return TokenStream::new();
    }
    let variants = api.servers.iter().map(|s| {
        let doc = doc_attrs(&paragraphs(&[
            &s.doc,
            &format!("API `{}`, sign-in `{}`, scope `{}`.", s.url, s.authority, s.scope),
        ]));
        let name = ident(&s.name);
        quote! { #doc #name, }
    });
    let names: Vec<_> = api.servers.iter().map(|s| ident(&s.name)).collect();
    let accessor = |field: fn(&Server) -> &String| {
        let values = api.servers.iter().map(field);
        let names = names.iter();
        quote! { match self { #(Self::#names => #values,)* } }
    };
    let spec_names = accessor(|s| &s.spec_name);
    let urls = accessor(|s| &s.url);
    let authorities = accessor(|s| &s.authority);
    let scopes = accessor(|s| &s.scope);
    let parse_names = api.servers.iter().map(|s| &s.spec_name);
    quote! {
        /// Where the API is served: each cloud or region pairs an API host with its sign-in
        /// authority and token scope.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        #[non_exhaustive]
        pub enum Cloud {
            #[default]
            #(#variants)*
        }

        impl Cloud {
            /// Every cloud, in spec order.
            pub const ALL: &'static [Cloud] = &[#(Self::#names),*];

            /// The cloud's name in the spec (e.g. `gcc-high`), as accepted by `FromStr`.
            pub fn name(self) -> &'static str { #spec_names }

            /// API base URL.
            pub fn base_url(self) -> &'static str { #urls }

            /// Sign-in authority for tokens.
            pub fn authority(self) -> &'static str { #authorities }

            /// OAuth2 scope of tokens for the API.
            pub fn scope(self) -> &'static str { #scopes }
        }

        impl From<Cloud> for runtime::Endpoint {
            fn from(cloud: Cloud) -> Self {
                runtime::Endpoint::new(cloud.base_url(), cloud.authority(), cloud.scope())
            }
        }

        impl ::std::str::FromStr for Cloud {
            type Err = runtime::UnknownVariant;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Self::ALL.iter().copied().find(|c| c.name() == value).ok_or_else(|| {
                    runtime::UnknownVariant::new("Cloud", value, &[#(#parse_names),*])
                })
            }
        }

        impl ::std::fmt::Display for Cloud {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }
    }
}

// ----- the client ------------------------------------------------------------------------------

fn expand_client_struct(api: &Api, target: &Target<'_>) -> TokenStream {
    let doc = doc_attrs(&paragraphs(&[
        &format!("A client for the {}.", api.name),
        "Cheap to clone: clones share the connection pool, the token cache and the rate budget.",
        "Each operation's method returns a call builder: set its optional parameters, then `.await` it for the value, or call `.send_with_response()` for the value with the response's status, request id and headers.",
        &format!("[Reference documentation]({})", api.docs_url),
    ]));
    let endpoint = if api.servers.is_empty() {
        quote!(runtime::Endpoint::new("", "", ""))
    } else {
        quote!(Cloud::default())
    };
    let methods = api.methods.iter().map(|m| expand_method(api, m, target));
    let builder_doc = doc_attrs(&paragraphs(&[
        "Starts configuring a client (default cloud, documented rate budget, retries).",
        &example::builder_example(api, target.crate_name),
    ]));
    let download_doc = doc_attrs(&paragraphs(&[
        "Downloads what a link points at into `writer`, chunk by chunk. The bearer token is not sent to the download host. Returns the number of bytes written.",
        &example::download_example(api, target.crate_name),
    ]));
    let download = api.methods.iter().any(|m| m.link_field.is_some()).then(|| {
        quote! {
            #download_doc
            pub async fn download<W>(&self, link: &runtime::DownloadLink, writer: &mut W) -> Result<u64, runtime::Error>
            where
                W: ::tokio::io::AsyncWrite + Unpin + ?Sized,
            {
                link.download_to(self.core.http(), writer).await
            }
        }
    });
    quote! {
        #doc
        #[derive(Debug, Clone)]
        pub struct Client {
            core: runtime::Core,
        }

        impl runtime::FromCore for Client {
            const USER_AGENT: &'static str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

            fn from_core(core: runtime::Core) -> Self {
                Self { core }
            }
        }

        impl Client {
            #builder_doc
            pub fn builder() -> runtime::ClientBuilder<Self> {
                runtime::ClientBuilder::new(#endpoint)
            }

            /// The HTTP core: endpoint, connection pool, rate budget. Not public API.
            #[doc(hidden)]
            pub fn core(&self) -> &runtime::Core {
                &self.core
            }

            #(#methods)*
            #download
        }
    }
}

fn method_doc(api: &Api, method: &Method, target: &Target<'_>) -> TokenStream {
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
    doc_attrs(&paragraphs(&[
        &method.summary,
        &method.description,
        &route,
        &facts.join("\n"),
        &format!("[Microsoft Learn]({})", method.docs_url),
        &example::method_example(api, method, target.crate_name),
    ]))
}

/// The type of a required parameter: borrowed for strings and named types (for the call
/// builder's lifetime `'a`), by value otherwise.
fn param_type(param: &Param) -> TokenStream {
    match &param.ty {
        Type::String => quote!(&'a str),
        Type::Named(_) => {
            let ty = rust_type(&param.ty, &models());
            quote!(&'a #ty)
        }
        other => rust_type(other, &models()),
    }
}

/// The parameter's text for a path segment or query value.
fn param_text(param: &Param, value: TokenStream, api: &Api) -> TokenStream {
    match &param.ty {
        Type::String => quote!(#value),
        Type::Named(name) if is_string_newtype(api, name) => quote!(#value.as_str()),
        _ => quote!(&#value.to_string()),
    }
}

fn is_string_newtype(api: &Api, name: &str) -> bool {
    api.types
        .iter()
        .any(|t| matches!(t, TypeDef::Newtype(n) if n.name == name && n.inner == Type::String))
}

fn return_type(method: &Method) -> TokenStream {
    if method.link_field.is_some() {
        quote!(runtime::DownloadLink)
    } else {
        rust_type(&Type::Named(method.response.clone()), &models())
    }
}

/// The client method of an operation: takes the required inputs, returns the call builder.
fn expand_method(api: &Api, method: &Method, target: &Target<'_>) -> TokenStream {
    let doc = method_doc(api, method, target);
    let name = ident(&method.name);
    let call = ident(&method.call_type);
    let args: Vec<TokenStream> =
        required_inputs(method).map(|(name, ty)| quote!(#name: #ty)).collect();
    let fields = required_inputs(method).map(|(name, _)| name);
    let optional = method.params.iter().filter(|p| !is_argument(p)).map(|p| ident(&p.name));
    quote! {
        #doc
        pub fn #name<'a>(&'a self, #(#args),*) -> #call<'a> {
            #call { client: self, #(#fields,)* #(#optional: None,)* }
        }
    }
}

/// The required inputs of an operation, as (name, type): path and required query
/// parameters, then the body.
fn required_inputs(method: &Method) -> impl Iterator<Item = (proc_macro2::Ident, TokenStream)> {
    let params =
        method.params.iter().filter(|p| is_argument(p)).map(|p| (ident(&p.name), param_type(p)));
    let body = method.body.as_ref().map(|b| {
        let ty = rust_type(&Type::Named(b.clone()), &models());
        (ident(names::BODY_ARG), quote!(&'a #ty))
    });
    params.chain(body)
}

// ----- call builders ---------------------------------------------------------------------------

/// The call builder of an operation: its inputs, a setter per optional parameter, `send`,
/// `send_with_response`, `IntoFuture` and, for listings, `into_pager`.
fn expand_call(api: &Api, method: &Method) -> TokenStream {
    let call = ident(&method.call_type);
    let method_name = names::bare(&method.name);
    let doc = doc_attrs(&format!(
        "A call of [`Client::{method_name}`]: set optional parameters, then `.await` it (or call [`send_with_response`](Self::send_with_response) for the response metadata too)."
    ));
    let fields = required_inputs(method).map(|(name, ty)| quote!(#name: #ty,));
    let optional: Vec<&Param> = method.params.iter().filter(|p| !is_argument(p)).collect();
    let optional_fields = optional.iter().map(|p| {
        let name = ident(&p.name);
        let ty = query_field_type(p);
        quote!(#name: Option<#ty>,)
    });
    let setters = optional.iter().map(|p| expand_call_setter(p));
    let ret = return_type(method);
    let response = rust_type(&Type::Named(method.response.clone()), &models());
    let build = expand_build_request(api, method);
    let send = match &method.link_field {
        Some(field) => {
            let field = ident(field);
            quote! {
                let response = self.client.core.send_json::<#response>(request).await?;
                response.try_map(|value| runtime::DownloadLink::parse(&value.#field))
            }
        }
        None => quote!(self.client.core.send_json::<#response>(request).await),
    };
    let pager = expand_into_pager(method);
    quote! {
        #doc
        #[derive(Debug, Clone)]
        #[must_use = "a call does nothing until it is awaited"]
        pub struct #call<'a> {
            client: &'a Client,
            #(#fields)*
            #(#optional_fields)*
        }

        impl<'a> #call<'a> {
            #(#setters)*

            fn request(&self) -> Result<runtime::Request, runtime::Error> {
                #build
                Ok(request)
            }

            /// Sends the call and returns the decoded answer: the same as `.await`.
            pub async fn send(self) -> Result<#ret, runtime::Error> {
                Ok(self.send_with_response().await?.into_value())
            }

            /// Sends the call and returns the decoded answer with the response's status,
            /// request id and headers.
            pub async fn send_with_response(self) -> Result<runtime::Response<#ret>, runtime::Error> {
                let request = self.request()?;
                #send
            }

            #pager
        }

        impl<'a> ::std::future::IntoFuture for #call<'a> {
            type Output = Result<#ret, runtime::Error>;
            type IntoFuture = runtime::BoxFuture<'a, Self::Output>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    }
}

fn expand_call_setter(param: &Param) -> TokenStream {
    let name = ident(&param.name);
    let ty = query_field_type(param);
    let doc = doc_attrs(&paragraphs(&[&param.doc, &format!("Query parameter `{}`.", param.wire)]));
    quote! {
        #doc
        pub fn #name(mut self, value: impl Into<#ty>) -> Self {
            self.#name = Some(value.into());
            self
        }
    }
}

fn expand_into_pager(method: &Method) -> Option<TokenStream> {
    let paging = method.paging.as_ref()?;
    let item = rust_type(&paging.item_type, &models());
    let page = rust_type(&Type::Named(method.response.clone()), &models());
    let (top, skip, max_top) = (&paging.top, &paging.skip, paging.max_top);
    let doc = doc_attrs(&format!(
        "Every item of the listing, page after page: follows the next link, falls back to `{skip}` when a full page has no link, and ends with an error on a link that does not advance. `{top}` sets the page size."
    ));
    Some(quote! {
        #doc
        pub fn into_pager(self) -> runtime::Pager<#item> {
            let paging = runtime::Paging { top: #top, skip: #skip, max_top: #max_top };
            match self.request() {
                Ok(request) => runtime::Pager::new::<#page>(self.client.core.clone(), request, paging),
                Err(error) => runtime::Pager::failed(error),
            }
        }
    })
}

/// `let request = runtime::Request::new(...)` with path, query and (if `with_body`) body.
fn expand_build_request(api: &Api, method: &Method) -> TokenStream {
    let operation = operation_ident(method);
    let (first, rest) = match method.path.split_first() {
        Some((PathPart::Literal(text), rest)) => (text.as_str(), rest),
        _ => ("", method.path.as_slice()),
    };
    let mutability = (!rest.is_empty()).then(|| quote!(mut));
    let segments = rest.iter().map(|part| match part {
        PathPart::Literal(text) if text.chars().count() == 1 => {
            let c = text.chars().next().unwrap_or_default();
            quote!(path.push(#c);)
        }
        PathPart::Literal(text) => quote!(path.push_str(#text);),
        PathPart::Param(index) => {
            let param = &method.params[*index];
            let name = ident(&param.name);
            let text = param_text(param, quote!(self.#name), api);
            quote!(runtime::push_segment(&mut path, #text);)
        }
    });
    let ids = method.params.iter().filter(|p| p.location == ParamLocation::Path).map(|p| {
        let wire = &p.wire;
        let name = ident(&p.name);
        // A timestamp is held by value and is not `Copy`: the span borrows it.
        match p.ty {
            Type::DateTime => quote!(.id(#wire, &self.#name)),
            _ => quote!(.id(#wire, self.#name)),
        }
    });
    let query = method.params.iter().filter(|p| p.location == ParamLocation::Query).map(|p| {
        let wire = &p.wire;
        let name = ident(&p.name);
        let text = match (is_argument(p), is_clamped(p)) {
            (true, _) => clamp(p, quote!(self.#name)),
            (false, true) => clamp(p, quote!((*value))),
            (false, false) => quote!(value),
        };
        if is_argument(p) {
            quote!(let request = request.query(#wire, #text);)
        } else {
            quote! {
                let request = match &self.#name {
                    Some(value) => request.query(#wire, #text),
                    None => request,
                };
            }
        }
    });
    let body_field = ident(names::BODY_ARG);
    let body =
        method.body.is_some().then(|| quote!(let request = request.json(self.#body_field)?;));
    quote! {
        let #mutability path = String::from(#first);
        #(#segments)*
        let request = runtime::Request::new(&operations::#operation, path) #(#ids)*;
        #(#query)*
        #body
    }
}

fn is_clamped(param: &Param) -> bool {
    matches!(param.ty, Type::I32 | Type::I64)
        && (param.minimum.is_some() || param.maximum.is_some())
}

/// Integer query values are clamped to the spec's `minimum`/`maximum` (e.g. `$top` ≤ 10,000).
/// `value` is an expression of the parameter's type.
fn clamp(param: &Param, value: TokenStream) -> TokenStream {
    match (param.minimum, param.maximum, &param.ty) {
        (Some(min), Some(max), Type::I32 | Type::I64) => {
            let (min, max) = (literal(min, &param.ty), literal(max, &param.ty));
            quote!(#value.clamp(#min, #max))
        }
        (Some(min), None, Type::I32 | Type::I64) => {
            let min = literal(min, &param.ty);
            quote!(#value.max(#min))
        }
        (None, Some(max), Type::I32 | Type::I64) => {
            let max = literal(max, &param.ty);
            quote!(#value.min(#max))
        }
        _ => value,
    }
}

fn literal(value: i64, ty: &Type) -> TokenStream {
    match ty {
        Type::I32 => {
            let v = proc_macro2::Literal::i32_suffixed(i32::try_from(value).unwrap_or(i32::MAX));
            quote!(#v)
        }
        _ => {
            let v = proc_macro2::Literal::i64_suffixed(value);
            quote!(#v)
        }
    }
}

// ----- listing ---------------------------------------------------------------------------------

fn query_field_type(param: &Param) -> TokenStream {
    if param.is_filter { quote!(runtime::Filter) } else { rust_type(&param.ty, &models()) }
}

/// Several listings may return one page type; it implements `runtime::Page` once, with the
/// first of them (`lower` checks that they page it alike).
fn first_pager_of_its_type(api: &Api, method: &Method) -> bool {
    api.methods
        .iter()
        .find(|m| m.paging.is_some() && m.response == method.response)
        .is_some_and(|first| first.pointer == method.pointer)
}

fn expand_page_impl(method: &Method) -> Option<TokenStream> {
    let paging = method.paging.as_ref()?;
    let page = rust_type(&Type::Named(method.response.clone()), &models());
    let item = rust_type(&paging.item_type, &models());
    let items = ident(&paging.items_field);
    let next = ident(&paging.next_link_field);
    Some(quote! {
        impl runtime::Page for #page {
            type Item = #item;

            fn into_parts(self) -> (Vec<Self::Item>, Option<String>) {
                (self.#items, self.#next)
            }
        }
    })
}

// ----- filters ---------------------------------------------------------------------------------

fn filter_struct<'a>(api: &'a Api, method: &Method) -> Option<&'a StructDef> {
    let (name, _) = method.filter.as_ref()?;
    struct_named(&api.types, name)
}

fn expand_filter_builder(api: &Api, method: &Method) -> Option<TokenStream> {
    let def = filter_struct(api, method)?;
    // One builder per filtered model, emitted with its first listing method.
    let first = api.methods.iter().find(|m| m.filter.as_ref().map(|f| &f.0) == Some(&def.name))?;
    if first.spec_name != method.spec_name {
        return None;
    }
    let name = format_ident!("{}", names::filter_type(&def.name));
    let model = &def.name;
    let doc = doc_attrs(&format!(
        "Typed `$filter` expressions over the filterable members of [`models::{model}`]; literals are quoted safely. Combine with `.and(..)`, `.or(..)`, or fall back to `runtime::Filter::raw`."
    ));
    let fields = def.fields.iter().filter(|f| !f.filter_ops.is_empty()).map(|f| {
        let fn_name = ident(&f.name);
        let wire = &f.wire;
        let ty = rust_type(&f.ty, &models());
        let ordered = f
            .filter_ops
            .iter()
            .any(|op| matches!(op, FilterOp::Gt | FilterOp::Ge | FilterOp::Lt | FilterOp::Le));
        let ops = if ordered { quote!(runtime::Ordered) } else { quote!(runtime::Equality) };
        let list: Vec<&str> = f.filter_ops.iter().map(|op| op.as_str()).collect();
        let doc = format!("`{wire}` (operators: {}).", list.join(", "));
        quote! {
            #[doc = #doc]
            pub const fn #fn_name() -> runtime::FilterField<#ty, #ops> {
                runtime::FilterField::new(#wire)
            }
        }
    });
    Some(quote! {
        #doc
        #[derive(Debug, Clone, Copy)]
        pub struct #name;

        impl #name {
            #(#fields)*
        }
    })
}

/// `ODataLiteral` for the enums and newtypes that filterable members use.
fn expand_literals(api: &Api) -> TokenStream {
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
    let impls = used.iter().filter_map(|name| {
        let def = api.types.iter().find(|t| t.name() == *name)?;
        let ty = ident(name);
        let body = match def {
            TypeDef::Enum(_) => quote!(runtime::quote_literal(self.as_str(), out)),
            TypeDef::Newtype(n) if n.inner == Type::String => {
                quote!(runtime::quote_literal(self.as_str(), out))
            }
            TypeDef::Newtype(_) => quote!(runtime::ODataLiteral::write_literal(&self.0, out)),
            TypeDef::Struct(_) => return None,
        };
        Some(quote! {
            impl runtime::ODataLiteral for models::#ty {
                fn write_literal(&self, out: &mut String) {
                    #body
                }
            }
        })
    });
    quote!(#(#impls)*)
}
