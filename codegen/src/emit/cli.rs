//! The command-line layer (`cli/src/api.rs` of the command-line crate): one clap subcommand per
//! spec method, its flags from the method's path and query parameters and the members of its
//! request body, its help from the spec's summary, description, permissions and quotas, and a
//! `run` that sends the operation through the SDK and returns the typed answer as JSON.
//!
//! Values reach the SDK's types the way the wire does: body members are collected under their
//! wire names and read into the request model by serde, so every check the model makes (and
//! every member the spec adds) holds on the command line as in the SDK. The spec-agnostic glue
//! (`Members`, `Answer`, `Failure`, downloads, relative times) is the command-line crate's
//! hand-written `api_support` module.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::paragraphs;
use super::example::is_argument;
use super::operations::{describe_limits, describe_platforms};
use crate::ir::{Api, Field, Method, Param, Type, TypeDef};
use crate::names::{self, ident};

/// What the command-line layer is told besides the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CliTarget<'a> {
    /// The SDK crate's library name (`mde_machine_actions`).
    pub sdk_crate: &'a str,
    /// The binary's name, for the examples in the help (`mde`).
    pub binary: &'a str,
    /// The subcommand the generated commands live under (`api`).
    pub group: &'a str,
}

/// The whole `api.rs` file.
pub fn expand_cli(api: &Api, target: &CliTarget<'_>) -> TokenStream {
    let sdk = format_ident!("{}", target.sdk_crate);
    let flags: Vec<MethodFlags<'_>> = api.methods.iter().map(|m| method_flags(api, m)).collect();
    let variants = api.methods.iter().zip(&flags).map(|(m, f)| expand_variant(m, f, target));
    let arms = api.methods.iter().map(|m| {
        let variant = ident(&m.call_type);
        quote! { ApiCommand::#variant(args) => args.run(client).await, }
    });
    let args = api.methods.iter().zip(&flags).map(|(m, f)| expand_args(m, f));
    let about = format!(" Every operation of the {}, one command each.", api.name);
    quote! {
        //! One subcommand per operation of the spec: flags from its parameters and request
        //! body, help from its documentation, the typed answer printed as JSON.

        use ::#sdk::{models, Client};
        use crate::api_support as support;

        #[doc = #about]
        #[derive(Debug, ::clap::Subcommand)]
        pub enum ApiCommand {
            #(#variants)*
        }

        impl ApiCommand {
            /// Sends the operation and returns its answer.
            pub async fn run(self, client: &Client) -> Result<support::Answer, support::Failure> {
                match self {
                    #(#arms)*
                }
            }
        }

        #(#args)*
    }
}

/// The subcommand of one method, with its help.
fn expand_variant(method: &Method, flags: &MethodFlags<'_>, target: &CliTarget<'_>) -> TokenStream {
    let variant = ident(&method.call_type);
    let args = format_ident!("{}", names::cli_args_type(&method.call_type));
    let name = names::cli_command(&method.name);
    let about = method.summary.trim().to_owned();
    let long_about = long_about(method);
    let (params, members) = flags;
    let required: Vec<&str> =
        params.iter().chain(members).filter(|f| f.required).map(|f| f.flag.as_str()).collect();
    let example = example(method, target, &required);
    let doc = format!(" `{} {}`: {}", method.verb.as_str(), method.path_template, about);
    quote! {
        #[doc = #doc]
        #[command(name = #name, about = #about, long_about = #long_about, after_long_help = #example)]
        #variant(#args),
    }
}

/// The full help of a method: its docs, request line, permissions, quotas and page.
fn long_about(method: &Method) -> String {
    let mut facts = vec![format!("{} {}", method.verb.as_str(), method.path_template)];
    let permissions = |kind: &str, list: &[String]| {
        (!list.is_empty()).then(|| format!("{kind}: {}", list.join(", ")))
    };
    let kinds = [
        permissions("application", &method.application_permissions),
        permissions("delegated", &method.delegated_permissions),
    ];
    let kinds: Vec<String> = kinds.into_iter().flatten().collect();
    if !kinds.is_empty() {
        facts.push(format!("Permissions (any one): {}.", kinds.join("; ")));
    }
    if !method.platforms.is_empty() {
        facts.push(format!("Platforms (as documented): {}.", describe_platforms(method)));
    }
    let limits = describe_limits(method);
    if !limits.is_empty() {
        facts.push(format!("Rate limit: {limits}."));
    }
    if !method.retry_safe {
        facts.push(
            "Never sent twice by the client: a failure without an answer is reported, not retried."
                .to_owned(),
        );
    }
    paragraphs(&[
        &method.summary,
        &method.description,
        &facts.join("\n"),
        &format!("Documentation: {}", method.docs_url),
    ])
}

/// `Example:` with the method's required flags.
fn example(method: &Method, target: &CliTarget<'_>, required: &[&str]) -> String {
    let mut line =
        format!("  {} {} {}", target.binary, target.group, names::cli_command(&method.name));
    for flag in required {
        line.push_str(&format!(" --{flag} <{}>", flag.to_uppercase().replace('-', "_")));
    }
    if method.link_field.is_some() {
        line.push_str(&format!(" --{} <FILE>", names::CLI_DOWNLOAD_FLAG));
    }
    if method.paging.is_some() {
        line.push_str(&format!(" --{}", names::CLI_ALL_FLAG));
    }
    format!("Example:\n{line}")
}

/// How a value is taken on the command line.
enum Kind {
    /// Text, kept as given.
    Text,
    /// A named string or integer type built `From` the value.
    Newtype(Type),
    /// One of the documented enum values.
    Enum(Vec<String>),
    /// A timestamp: RFC 3339, or a time ago such as `24h`.
    Time,
    /// A number or boolean, parsed by clap.
    Scalar(Type),
    /// Anything else, as JSON text.
    Json,
}

fn kind(api: &Api, ty: &Type) -> Kind {
    match ty {
        Type::String => Kind::Text,
        Type::DateTime => Kind::Time,
        Type::I32 | Type::I64 | Type::F64 | Type::Bool => Kind::Scalar(ty.clone()),
        Type::Any | Type::Array(_) => Kind::Json,
        Type::Named(name) => match api.types.iter().find(|t| t.name() == name) {
            Some(TypeDef::Enum(def)) => {
                Kind::Enum(def.variants.iter().map(|v| v.wire.clone()).collect())
            }
            Some(TypeDef::Newtype(def)) => Kind::Newtype(def.inner.clone()),
            _ => Kind::Json,
        },
    }
}

/// The Rust type clap parses a value of `kind` into (before any `Option`).
fn clap_type(kind: &Kind) -> TokenStream {
    match kind {
        Kind::Text | Kind::Enum(_) | Kind::Time | Kind::Json => quote!(String),
        Kind::Newtype(inner) | Kind::Scalar(inner) => match inner {
            Type::I32 => quote!(i32),
            Type::I64 => quote!(i64),
            Type::F64 => quote!(f64),
            Type::Bool => quote!(bool),
            _ => quote!(String),
        },
    }
}

/// One flag of an `Args` struct.
struct Flag<'a> {
    field: proc_macro2::Ident,
    flag: String,
    /// The name on the wire (a body member's JSON name, a parameter's placeholder or key).
    wire: &'a str,
    doc: &'a str,
    kind: Kind,
    required: bool,
    bounds: (Option<i64>, Option<i64>),
}

impl Flag<'_> {
    fn expand(&self) -> TokenStream {
        let Flag { field, flag, doc, kind, required, bounds, .. } = self;
        let help = format!(" {}", first_sentence(doc));
        let long_help = doc.trim();
        let inner = clap_type(kind);
        let ty = if *required { inner.clone() } else { quote!(Option<#inner>) };
        let value_name = match kind {
            Kind::Time => "TIME".to_owned(),
            Kind::Json => "JSON".to_owned(),
            Kind::Scalar(Type::Bool) => "BOOL".to_owned(),
            _ => flag.to_uppercase().replace('-', "_"),
        };
        let mut extra = Vec::new();
        match kind {
            Kind::Enum(values) => {
                extra.push(quote!(value_parser = support::choices(&[#(#values),*])));
                extra.push(quote!(ignore_case = true));
            }
            Kind::Scalar(Type::Bool) => extra.push(quote!(action = ::clap::ArgAction::Set)),
            Kind::Scalar(Type::I32 | Type::I64) | Kind::Newtype(Type::I32 | Type::I64) => {
                if let Some(range) = range(&inner, *bounds) {
                    extra.push(range);
                }
            }
            _ => {}
        }
        quote! {
            #[doc = #help]
            #[arg(long = #flag, value_name = #value_name, long_help = #long_help #(, #extra)*)]
            pub #field: #ty,
        }
    }
}

/// A clap range parser for integer bounds.
fn range(inner: &TokenStream, bounds: (Option<i64>, Option<i64>)) -> Option<TokenStream> {
    let range = match bounds {
        (Some(min), Some(max)) => quote!(#min..=#max),
        (Some(min), None) => quote!(#min..),
        (None, Some(max)) => quote!(..=#max),
        (None, None) => return None,
    };
    Some(quote!(value_parser = ::clap::value_parser!(#inner).range(#range)))
}

fn first_sentence(doc: &str) -> String {
    let doc = doc.trim();
    let line = doc.lines().next().unwrap_or_default();
    match line.find(". ") {
        Some(end) => line[..=end].to_owned(),
        None => line.to_owned(),
    }
}

fn param_flag<'a>(api: &Api, param: &'a Param, flag: String) -> Flag<'a> {
    Flag {
        field: ident(&names::cli_field(&flag)),
        flag,
        wire: &param.wire,
        doc: &param.doc,
        kind: if param.is_filter { Kind::Text } else { kind(api, &param.ty) },
        required: is_argument(param),
        bounds: (param.minimum, param.maximum),
    }
}

fn member_flag<'a>(api: &Api, field: &'a Field, flag: String) -> Flag<'a> {
    Flag {
        field: ident(&names::cli_field(&flag)),
        flag,
        wire: &field.wire,
        doc: &field.doc,
        kind: kind(api, &field.ty),
        required: field.required && !field.nullable,
        bounds: (None, None),
    }
}

/// The flags of a method's parameters, then those of its request body's members.
type MethodFlags<'a> = (Vec<Flag<'a>>, Vec<Flag<'a>>);

/// The flags of one method, derived once for its subcommand and its `Args` struct.
fn method_flags<'a>(api: &'a Api, method: &'a Method) -> MethodFlags<'a> {
    let fields = method.body_fields(&api.types);
    let param_names: Vec<&str> = method.params.iter().map(|p| p.name.as_str()).collect();
    let member_names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    let (param_flags, member_flags) = names::cli_flags(&param_names, &member_names);
    let params =
        method.params.iter().zip(param_flags).map(|(p, flag)| param_flag(api, p, flag)).collect();
    let members =
        fields.iter().zip(member_flags).map(|(f, flag)| member_flag(api, f, flag)).collect();
    (params, members)
}

/// The `Args` struct of one method and its `run`.
fn expand_args(method: &Method, (params, members): &MethodFlags<'_>) -> TokenStream {
    let args = format_ident!("{}", names::cli_args_type(&method.call_type));
    let doc = format!(" The flags of `{}`.", names::cli_command(&method.name));
    let flags = params.iter().chain(members).map(Flag::expand);
    let own = own_flags(method);
    let run = expand_run(method, params, members);
    quote! {
        #[doc = #doc]
        #[derive(Debug, ::clap::Args)]
        pub struct #args {
            #(#flags)*
            #own
        }

        impl #args {
            #run
        }
    }
}

/// `--all` on listings, `--download-to` on link methods.
fn own_flags(method: &Method) -> TokenStream {
    let all = names::CLI_ALL_FLAG;
    let download = names::CLI_DOWNLOAD_FLAG;
    let mut out = TokenStream::new();
    if method.paging.is_some() {
        out.extend(quote! {
            /// Follows every page (`@odata.nextLink`) instead of printing the first one.
            #[arg(long = #all)]
            pub all: bool,
        });
    }
    if method.link_field.is_some() {
        out.extend(quote! {
            /// Downloads what the link points at into this file (the signed link itself is never printed).
            #[arg(long = #download, value_name = "FILE")]
            pub download_to: ::std::path::PathBuf,
        });
    }
    out
}

/// `run`: converts the flags, sends the call, shapes the answer.
fn expand_run(method: &Method, params: &[Flag<'_>], members: &[Flag<'_>]) -> TokenStream {
    let mut setup = Vec::new();
    let mut call_args = Vec::new();
    let mut setters = Vec::new();
    for (param, flag) in method.params.iter().zip(params) {
        let local = format_ident!("{}", names::cli_local(&param.name));
        let field = &flag.field;
        let wire = &flag.flag;
        if is_argument(param) {
            let value = convert(&flag.kind, quote!(self.#field), wire, &param.ty);
            setup.push(quote! { let #local = #value; });
            let by_ref = matches!(param.ty, Type::String | Type::Named(_));
            call_args.push(if by_ref { quote!(&#local) } else { quote!(#local) });
        } else {
            let value = if param.is_filter {
                quote!(support::filter(#local))
            } else {
                convert(&flag.kind, quote!(#local), wire, &param.ty)
            };
            let setter = ident(&param.name);
            setters.push(quote! {
                if let Some(#local) = self.#field {
                    call = call.#setter(#value);
                }
            });
        }
    }
    if let Some(body) = &method.body {
        let body_type = ident(body);
        let sets = members.iter().map(set_member);
        setup.push(quote! {
            let mut members = support::Members::new();
            #(#sets)*
            let request_body: models::#body_type = members.build()?;
        });
        call_args.push(quote!(&request_body));
    }
    let name = ident(&method.name);
    let finish = if method.paging.is_some() {
        let items =
            ident(&method.paging.as_ref().map(|p| p.items_field.clone()).unwrap_or_default());
        quote! {
            if self.all {
                support::all_items(call.into_pager()).await
            } else {
                support::items(&call.send().await?.#items)
            }
        }
    } else if method.link_field.is_some() {
        quote! {
            let link = call.send().await?;
            support::download(client, &link, &self.download_to).await
        }
    } else {
        quote! { support::one(&call.send().await?) }
    };
    let mutable = if setters.is_empty() { quote!() } else { quote!(mut) };
    quote! {
        /// Sends the call and returns the answer.
        pub async fn run(self, client: &Client) -> Result<support::Answer, support::Failure> {
            #(#setup)*
            let #mutable call = client.#name(#(#call_args),*);
            #(#setters)*
            #finish
        }
    }
}

/// Turns a parsed flag value into the SDK's type for `ty`.
fn convert(kind: &Kind, value: TokenStream, flag: &str, ty: &Type) -> TokenStream {
    match (kind, ty) {
        (Kind::Newtype(_), Type::Named(name)) => {
            let name = ident(name);
            quote!(models::#name::from(#value))
        }
        (Kind::Enum(_), _) => quote!(support::choice(#flag, &#value)?),
        (Kind::Json, _) => quote!(support::json(#flag, &#value)?),
        (Kind::Time, _) => quote!(support::timestamp(#flag, &#value)?),
        _ => value,
    }
}

/// Puts one body member, when given, under its wire name.
fn set_member(flag: &Flag<'_>) -> TokenStream {
    let name = &flag.field;
    let wire = flag.wire;
    let flag_name = &flag.flag;
    let text = if flag.required {
        quote!(Some(self.#name.as_str()))
    } else {
        quote!(self.#name.as_deref())
    };
    match flag.kind {
        Kind::Json => quote! { members.json(#wire, #flag_name, #text)?; },
        Kind::Time => quote! { members.time(#wire, #flag_name, #text)?; },
        _ => quote! { members.set(#wire, &self.#name)?; },
    }
}
