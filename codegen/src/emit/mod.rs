//! Stage 3: the IR to one `TokenStream` per output file.
//!
//! Each output file has its own module here, built from small `expand_*` functions. Generated
//! code names external items by full path (`::serde::…`, and the companion runtime crate's
//! plumbing as `runtime::…` through `use ::mde_runtime::__private as runtime`); only prelude
//! names are used unqualified (hence the reserved names in `names.rs`).

pub mod cli;
mod client;
mod docs;
mod example;
mod models;
mod operations;

use proc_macro2::TokenStream;
use quote::quote;

use crate::Target;
use crate::ir::{Api, Type};
use crate::names::ident;

/// Every output file of `api`, as (path relative to the crate root, text without the header),
/// or the message of a unit that was not valid Rust.
pub fn emit(api: &Api, target: &Target<'_>) -> Vec<(String, Result<String, String>)> {
    vec![
        ("src/client.rs".to_owned(), client::write_client(api, target)),
        ("src/models.rs".to_owned(), crate::render::packed(models::expand_models(api))),
        ("src/operations.rs".to_owned(), operations::write_operations(api)),
    ]
}

/// The Rust type of a value (without any `Option`); named types are prefixed with `models`
/// (empty inside `models.rs` itself, `models::` elsewhere).
fn rust_type(ty: &Type, models: &TokenStream) -> TokenStream {
    match ty {
        Type::String => quote!(String),
        Type::DateTime => quote!(runtime::Timestamp),
        Type::I32 => quote!(i32),
        Type::I64 => quote!(i64),
        Type::F64 => quote!(f64),
        Type::Bool => quote!(bool),
        Type::Any => quote!(::serde_json::Value),
        Type::Named(name) => {
            let name = ident(name);
            quote!(#models #name)
        }
        Type::Array(inner) => {
            let inner = rust_type(inner, models);
            quote!(Vec<#inner>)
        }
    }
}

/// The Rust type of a value (without any `Option`) as text; named types are prefixed with
/// `models` (`""` inside `models.rs` itself, `"models::"` elsewhere).
#[allow(dead_code)] // in use once the emitters write text
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
