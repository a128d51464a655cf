//! Stage 3: the IR to one `TokenStream` per output file.
//!
//! Each output file has its own module here, built from small `expand_*` functions. Generated
//! code names everything it uses by full path (`::serde::…`, and `runtime::…` through a `use super::runtime`), so it compiles
//! wherever a `runtime` module sits beside it.

mod docs;
mod models;

use proc_macro2::TokenStream;

use crate::ir::Api;

/// Every output file of `api`, as (path relative to the crate root, tokens).
pub fn emit(api: &Api) -> Vec<(String, TokenStream)> {
    vec![("src/models.rs".to_owned(), models::expand_models(api))]
}
