//! Stage 3: the IR to the text of each output file.
//!
//! Each output file has its own module here, built from small `write_*` functions that print
//! through [`Code`](crate::render::Code). Generated code names external items by full path
//! (`::serde::…`, and the companion runtime crate's plumbing as `runtime::…` through
//! `use ::mde_runtime::__private as runtime`); only prelude names are used unqualified (hence
//! the reserved names in `names.rs`).

pub mod cli;
mod client;
mod docs;
mod example;
mod models;
mod operations;

use crate::Target;
use crate::ir::{Api, Type};

/// Every output file of `api`, as (path relative to the crate root, text without the header),
/// or the message of a unit that was not valid Rust.
pub fn emit(api: &Api, target: &Target<'_>) -> Vec<(String, Result<String, String>)> {
    vec![
        ("src/client.rs".to_owned(), client::write_client(api, target)),
        ("src/models.rs".to_owned(), models::write_models(api)),
        ("src/operations.rs".to_owned(), operations::write_operations(api)),
    ]
}

/// The Rust type of a value (without any `Option`) as text; named types are prefixed with
/// `models` (`""` inside `models.rs` itself, `"models::"` elsewhere).
fn type_text(ty: &Type, models: &str) -> String {
    match ty {
        Type::String => "String".to_owned(),
        Type::DateTime => "runtime::Timestamp".to_owned(),
        Type::I32 => "i32".to_owned(),
        Type::I64 => "i64".to_owned(),
        Type::F64 => "f64".to_owned(),
        Type::Bool => "bool".to_owned(),
        Type::Any => "::serde_json::Value".to_owned(),
        Type::Named(name) => format!("{models}{name}"),
        Type::Array(inner) => format!("Vec<{}>", type_text(inner, models)),
    }
}

/// A struct literal on one line: `Name { a, b: c }`, or `Name {}` without fields (the layout
/// breaks it as prettyplease does when it is too wide).
fn struct_literal(path: &str, fields: &[String]) -> String {
    if fields.is_empty() {
        format!("{path} {{}}")
    } else {
        format!("{path} {{ {} }}", fields.join(", "))
    }
}
