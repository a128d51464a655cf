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

use super::docs::{list, paragraphs};
use super::example::is_argument;
use super::operations::{describe_limits, describe_platforms};
use crate::ir::{Api, Field, Method, Param, Type, TypeDef};
use crate::names;
use crate::render::{Code, lit};

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

/// The signature of every generated `run`.
const RUN_SIGNATURE: &str =
    "pub async fn run(self, client: &Client) -> Result<support::Answer, support::Failure>";

/// The whole `api.rs` file.
pub fn write_cli(api: &Api, target: &CliTarget<'_>) -> Result<String, String> {
    let flags: Vec<MethodFlags<'_>> = api.methods.iter().map(|m| method_flags(api, m)).collect();
    let mut code = Code::new();
    code.inner_doc(
        "One subcommand per operation of the spec: flags from its parameters and request\n\
         body, help from its documentation, the typed answer printed as JSON.",
    );
    code.item(&format!("use ::{}::{{models, Client}};", target.sdk_crate));
    code.line("use crate::api_support as support;");
    code.doc(&format!("Every operation of the {}, one command each.", api.name));
    code.line("#[derive(Debug, ::clap::Subcommand)]");
    code.item_block("pub enum ApiCommand", |code| {
        for (method, flags) in api.methods.iter().zip(&flags) {
            write_variant(code, method, flags, target);
        }
    });
    code.item_block("impl ApiCommand", |code| {
        code.doc("Sends the operation and returns its answer.");
        code.item_block(RUN_SIGNATURE, |code| {
            code.stmt_block("match self", |code| {
                for method in &api.methods {
                    let variant = &method.call_type;
                    code.arm(&format!("ApiCommand::{variant}(args) => args.run(client).await,"));
                }
            });
        });
    });
    for (method, flags) in api.methods.iter().zip(&flags) {
        write_args(&mut code, method, flags);
    }
    code.finish()
}

/// The subcommand of one method, with its help.
fn write_variant(
    code: &mut Code,
    method: &Method,
    flags: &MethodFlags<'_>,
    target: &CliTarget<'_>,
) {
    let about = method.summary.trim();
    let (params, members) = flags;
    let required: Vec<&str> =
        params.iter().chain(members).filter(|f| f.required).map(|f| f.flag.as_str()).collect();
    code.doc(&format!("`{} {}`: {about}", method.verb.as_str(), method.path_template));
    code.attr(&format!(
        "#[command(name = {}, about = {}, long_about = {}, after_long_help = {})]",
        lit(&names::cli_command(&method.name)),
        lit(about),
        lit(&long_about(method)),
        lit(&example(method, target, &required)),
    ));
    code.variant(&format!("{}({}),", method.call_type, names::cli_args_type(&method.call_type)));
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
fn clap_type(kind: &Kind) -> &'static str {
    match kind {
        Kind::Text | Kind::Enum(_) | Kind::Time | Kind::Json => "String",
        Kind::Newtype(inner) | Kind::Scalar(inner) => match inner {
            Type::I32 => "i32",
            Type::I64 => "i64",
            Type::F64 => "f64",
            Type::Bool => "bool",
            _ => "String",
        },
    }
}

/// One flag of an `Args` struct.
struct Flag<'a> {
    /// The Rust field (`r#` prefixed when it is a keyword).
    field: String,
    flag: String,
    /// The name on the wire (a body member's JSON name, a parameter's placeholder or key).
    wire: &'a str,
    doc: &'a str,
    kind: Kind,
    required: bool,
    bounds: (Option<i64>, Option<i64>),
}

impl Flag<'_> {
    /// The field of the flag, with its help and its `#[arg(…)]`.
    fn write(&self, code: &mut Code) {
        let Flag { field, flag, doc, kind, required, bounds, .. } = self;
        let inner = clap_type(kind);
        let ty = if *required { inner.to_owned() } else { format!("Option<{inner}>") };
        let value_name = match kind {
            Kind::Time => "TIME".to_owned(),
            Kind::Json => "JSON".to_owned(),
            Kind::Scalar(Type::Bool) => "BOOL".to_owned(),
            _ => flag.to_uppercase().replace('-', "_"),
        };
        let mut args = vec![
            format!("long = {}", lit(flag)),
            format!("value_name = {}", lit(&value_name)),
            format!("long_help = {}", lit(doc.trim())),
        ];
        match kind {
            Kind::Enum(values) => {
                let values = list(values.iter().map(|value| lit(value)));
                args.push(format!("value_parser = support::choices(&[{values}])"));
                args.push("ignore_case = true".to_owned());
            }
            Kind::Scalar(Type::Bool) => args.push("action = ::clap::ArgAction::Set".to_owned()),
            Kind::Scalar(Type::I32 | Type::I64) | Kind::Newtype(Type::I32 | Type::I64) => {
                args.extend(range(inner, *bounds));
            }
            _ => {}
        }
        write_help(code, &first_sentence(doc));
        code.attr(&format!("#[arg({})]", list(args)));
        code.field(&format!("pub {field}: {ty},"));
    }
}

/// A flag's short help: a `///` line, bare when the flag has no documentation.
fn write_help(code: &mut Code, help: &str) {
    if help.is_empty() {
        code.line("///");
    } else {
        code.doc(help);
    }
}

/// A clap range parser for integer bounds, spaced as prettyplease prints it inside an attribute
/// (`1i64..= 100i64`).
fn range(inner: &str, bounds: (Option<i64>, Option<i64>)) -> Option<String> {
    let range = match bounds {
        (Some(min), Some(max)) => format!("{min}i64..= {max}i64"),
        (Some(min), None) => format!("{min}i64.."),
        (None, Some(max)) => format!("..= {max}i64"),
        (None, None) => return None,
    };
    Some(format!("value_parser = ::clap::value_parser!({inner}).range({range})"))
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
        field: names::cli_field(&flag),
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
        field: names::cli_field(&flag),
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
fn write_args(code: &mut Code, method: &Method, (params, members): &MethodFlags<'_>) {
    let args = names::cli_args_type(&method.call_type);
    code.doc(&format!("The flags of `{}`.", names::cli_command(&method.name)));
    code.line("#[derive(Debug, ::clap::Args)]");
    code.item_block(&format!("pub struct {args}"), |code| {
        for flag in params.iter().chain(members) {
            flag.write(code);
        }
        write_own_flags(code, method);
    });
    code.item_block(&format!("impl {args}"), |code| write_run(code, method, params, members));
}

/// `--all` on listings, `--download-to` on link methods.
fn write_own_flags(code: &mut Code, method: &Method) {
    if method.paging.is_some() {
        code.doc("Follows every page (`@odata.nextLink`) instead of printing the first one.");
        code.attr(&format!("#[arg(long = {})]", lit(names::CLI_ALL_FLAG)));
        code.line("pub all: bool,");
    }
    if method.link_field.is_some() {
        code.doc(
            "Downloads what the link points at into this file (the signed link itself is never \
             printed).",
        );
        let download = lit(names::CLI_DOWNLOAD_FLAG);
        code.attr(&format!("#[arg(long = {download}, value_name = \"FILE\")]"));
        code.line("pub download_to: ::std::path::PathBuf,");
    }
}

/// `run`: converts the flags, sends the call, shapes the answer.
fn write_run(code: &mut Code, method: &Method, params: &[Flag<'_>], members: &[Flag<'_>]) {
    code.doc("Sends the call and returns the answer.");
    code.item_block(RUN_SIGNATURE, |code| {
        let mut call_args = Vec::new();
        // The optional parameters: the head of each `if let` and the setter it calls.
        let mut setters = Vec::new();
        for (param, flag) in method.params.iter().zip(params) {
            let local = names::cli_local(&param.name);
            let field = &flag.field;
            let wire = &flag.flag;
            if is_argument(param) {
                let value = convert(&flag.kind, &format!("self.{field}"), wire, &param.ty);
                code.stmt(&format!("let {local} = {value};"));
                let by_ref = matches!(param.ty, Type::String | Type::Named(_));
                call_args.push(if by_ref { format!("&{local}") } else { local });
            } else {
                let value = if param.is_filter {
                    format!("support::filter({local})")
                } else {
                    convert(&flag.kind, &local, wire, &param.ty)
                };
                let head = format!("if let Some({local}) = self.{field}");
                setters.push((head, format!("call = call.{}({value});", param.name)));
            }
        }
        if let Some(body) = &method.body {
            code.line("let mut members = support::Members::new();");
            for member in members {
                set_member(code, member);
            }
            code.stmt(&format!("let request_body: models::{body} = members.build()?;"));
            call_args.push("&request_body".to_owned());
        }
        let mutable = if setters.is_empty() { "" } else { "mut " };
        code.stmt(&format!("let {mutable}call = client.{}({});", method.name, list(call_args)));
        for (head, setter) in &setters {
            code.stmt_block(head, |code| code.stmt(setter));
        }
        write_answer(code, method);
    });
}

/// The tail of `run`: every page or one, the download of a link, or the one answer.
fn write_answer(code: &mut Code, method: &Method) {
    if let Some(paging) = &method.paging {
        // One unit: prettyplease keeps an `if … else …` of two expressions on one line when it
        // fits, and breaks it as a whole otherwise.
        code.stmt(&format!(
            "if self.all {{ support::all_items(call.into_pager()).await }} \
             else {{ support::items(&call.send().await?.{}) }}",
            paging.items_field
        ));
    } else if method.link_field.is_some() {
        code.line("let link = call.send().await?;");
        code.line("support::download(client, &link, &self.download_to).await");
    } else {
        code.line("support::one(&call.send().await?)");
    }
}

/// Turns a parsed flag value into the SDK's type for `ty`.
fn convert(kind: &Kind, value: &str, flag: &str, ty: &Type) -> String {
    match (kind, ty) {
        (Kind::Newtype(_), Type::Named(name)) => format!("models::{name}::from({value})"),
        (Kind::Enum(_), _) => format!("support::choice({}, &{value})?", lit(flag)),
        (Kind::Json, _) => format!("support::json({}, &{value})?", lit(flag)),
        (Kind::Time, _) => format!("support::timestamp({}, &{value})?", lit(flag)),
        _ => value.to_owned(),
    }
}

/// Puts one body member, when given, under its wire name.
fn set_member(code: &mut Code, flag: &Flag<'_>) {
    let name = &flag.field;
    let wire = lit(flag.wire);
    let flag_name = lit(&flag.flag);
    let text = if flag.required {
        format!("Some(self.{name}.as_str())")
    } else {
        format!("self.{name}.as_deref()")
    };
    code.stmt(&match flag.kind {
        Kind::Json => format!("members.json({wire}, {flag_name}, {text})?;"),
        Kind::Time => format!("members.time({wire}, {flag_name}, {text})?;"),
        _ => format!("members.set({wire}, &self.{name})?;"),
    });
}
