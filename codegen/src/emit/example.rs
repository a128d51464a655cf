//! Doc examples for the generated client methods: Rust snippets that call each operation with
//! placeholder inputs built from the IR (ids from text, enums by their first value, request
//! bodies through their `new` constructor), so that every method's docs show a call that
//! compiles.

use crate::ir::{Api, Method, Param, ParamLocation, Type, TypeDef};
use crate::names;

/// The `# Example` section of `method`'s docs, as doc-comment text (a `no_run` doctest).
pub fn method_example(api: &Api, method: &Method, crate_name: &str) -> String {
    let error = format!("{crate_name}::Error");
    let (mut lines, call) = call_setup(api, method, crate_name, &error);
    lines.extend(call_lines(method, &call));
    lines.push("# Ok(())".to_owned());
    lines.push("# }".to_owned());
    fence(&lines)
}

/// The opening of an example calling `method`: the hidden function header, a `let` per
/// required input, and the call expression itself (not yet awaited).
fn call_setup(api: &Api, method: &Method, crate_name: &str, error: &str) -> (Vec<String>, String) {
    let mut lines = vec![
        format!("# async fn example(client: &{crate_name}::Client) -> Result<(), {error}> {{"),
        format!("use {crate_name}::models;"),
        String::new(),
    ];
    let mut args = Vec::new();
    for param in method.params.iter().filter(|p| is_argument(p)) {
        let name = param.name.as_str();
        let (binding, arg) = param_value(api, param, crate_name);
        lines.push(format!("let {name} = {binding};"));
        args.push(arg.replace("{}", name));
    }
    if let Some(body) = &method.body {
        let body = value(api, &Type::Named(body.clone()), "…", crate_name, 0);
        lines.push(format!("let {} = {body};", names::BODY_ARG));
        args.push(format!("&{}", names::BODY_ARG));
    }
    let call = format!("client.{}({})", method.name, args.join(", "));
    (lines, call)
}

/// The `# Example` section of `Client::builder`: a client for the first cloud of the spec (or a
/// custom base URL) with a static token.
pub fn builder_example(api: &Api, crate_name: &str) -> String {
    let endpoint = match api.servers.first() {
        Some(server) => format!("    .cloud({crate_name}::Cloud::{})", server.name),
        None => "    .base_url(\"https://api.example.test\")".to_owned(),
    };
    fence(&[
        format!("# fn main() -> Result<(), {crate_name}::Error> {{"),
        format!("let client = {crate_name}::Client::builder()"),
        endpoint,
        "    .bearer_token(std::env::var(\"API_TOKEN\").unwrap_or_default())".to_owned(),
        "    .timeout(Some(std::time::Duration::from_secs(30)))".to_owned(),
        "    .build()?;".to_owned(),
        "# let _ = client;".to_owned(),
        "# Ok(())".to_owned(),
        "# }".to_owned(),
    ])
}

/// The `# Example` section of `Client::download`: the first link method's link, into a file.
pub fn download_example(api: &Api, crate_name: &str) -> String {
    let Some(method) = api.methods.iter().find(|m| m.link_field.is_some()) else {
        return String::new();
    };
    let (mut lines, call) = call_setup(api, method, crate_name, "Box<dyn std::error::Error>");
    lines.push(format!("let link = {call}.await?;"));
    lines.push("let mut file = tokio::fs::File::create(\"download.bin\").await?;".to_owned());
    lines.push("let bytes = client.download(&link, &mut file).await?;".to_owned());
    lines.push("# let _ = bytes;".to_owned());
    lines.push("# Ok(())".to_owned());
    lines.push("# }".to_owned());
    fence(&lines)
}

/// `lines` as an `# Example` section with a `no_run` doctest.
fn fence(lines: &[String]) -> String {
    let mut text = String::from("# Example\n\n```no_run\n");
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text.push_str("```");
    text
}

/// How the call is used: awaited, paged through, or downloaded.
fn call_lines(method: &Method, call: &str) -> Vec<String> {
    if method.paging.is_some() {
        let optional = method.params.iter().find(|p| !is_argument(p) && !p.is_filter);
        let setter = match optional {
            Some(p) if matches!(p.ty, Type::I32 | Type::I64) => {
                format!(".{}({})", p.name, p.maximum.unwrap_or(100).min(100))
            }
            _ => String::new(),
        };
        return vec![
            format!("let mut items = {call}{setter}.into_pager();"),
            "while let Some(item) = items.next().await {".to_owned(),
            "    let item = item?;".to_owned(),
            "    println!(\"{item:?}\");".to_owned(),
            "}".to_owned(),
        ];
    }
    if method.link_field.is_some() {
        return vec![
            format!("let link = {call}.await?;"),
            "let mut file = tokio::io::sink(); // or a tokio::fs::File".to_owned(),
            "let bytes = client.download(&link, &mut file).await?;".to_owned(),
            "println!(\"{bytes} bytes from {}\", link.host());".to_owned(),
        ];
    }
    vec![
        format!("let response = {call}.send_with_response().await?;"),
        "println!(\"request id {:?}: {:?}\", response.request_id(), response.value());".to_owned(),
    ]
}

/// Path and required query parameters are arguments of the client method.
pub fn is_argument(param: &Param) -> bool {
    param.location == ParamLocation::Path || param.required
}

/// A `let` binding's value for `param`, and the argument expression (`{}` stands for the
/// binding's name).
fn param_value(api: &Api, param: &Param, crate_name: &str) -> (String, &'static str) {
    let hint = format!("<{}>", param.wire);
    let binding = value(api, &param.ty, &hint, crate_name, 0);
    let by_ref = matches!(param.ty, Type::String | Type::Named(_));
    (binding, if by_ref { "&{}" } else { "{}" })
}

/// An expression of type `ty`, with `hint` as the text of strings.
fn value(api: &Api, ty: &Type, hint: &str, crate_name: &str, depth: usize) -> String {
    match ty {
        Type::String => format!("String::from({hint:?})"),
        Type::DateTime => format!("{crate_name}::Timestamp::now()"),
        Type::I32 | Type::I64 => "0".to_owned(),
        Type::F64 => "0.0".to_owned(),
        Type::Bool => "false".to_owned(),
        Type::Any => "serde_json::Value::Null".to_owned(),
        Type::Array(_) => "Vec::new()".to_owned(),
        Type::Named(name) => named_value(api, name, hint, crate_name, depth),
    }
}

fn named_value(api: &Api, name: &str, hint: &str, crate_name: &str, depth: usize) -> String {
    let Some(def) = api.types.iter().find(|t| t.name() == name) else {
        return "Default::default()".to_owned();
    };
    match def {
        TypeDef::Newtype(n) if n.inner == Type::String => format!("models::{name}::from({hint:?})"),
        TypeDef::Newtype(n) => {
            format!("models::{name}::from({})", value(api, &n.inner, hint, crate_name, depth + 1))
        }
        TypeDef::Enum(e) => match e.variants.first() {
            Some(variant) => format!("models::{name}::{}", variant.name),
            None => format!("models::{name}::Unknown(String::from({hint:?}))"),
        },
        TypeDef::Struct(s) => {
            let args: Vec<String> = s
                .fields
                .iter()
                .filter(|f| !f.is_optional())
                .map(|f| {
                    let hint = format!("<{}>", f.wire);
                    if depth > 8 {
                        "Default::default()".to_owned()
                    } else {
                        value(api, &f.ty, &hint, crate_name, depth + 1)
                    }
                })
                .collect();
            format!("models::{name}::new({})", args.join(", "))
        }
    }
}
