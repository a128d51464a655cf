//! `src/operations.rs`: one `runtime::Operation` per method (verb, path, success statuses,
//! retry safety, documented quotas, permissions) and a constant per permission name.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::doc_attrs;
use crate::ir::{Api, Method, Per, Permission, Verb};
use crate::names;

/// The whole `operations.rs` file.
pub fn expand_operations(api: &Api) -> TokenStream {
    let operations = api.methods.iter().map(expand_operation);
    let all = api.methods.iter().map(operation_ident);
    let all_name = names::ident(names::ALL_OPERATIONS);
    let permissions = api.permissions.iter().map(expand_permission);
    quote! {
        //! What the spec says about each method, as constants: verb, path template, success
        //! statuses, retry safety, documented quotas and permissions.

        use ::mde_runtime::__private as runtime;

        #(#operations)*

        /// Every operation, in spec order.
        pub static #all_name: &[&runtime::Operation] = &[#(&#all),*];

        /// The permission names methods accept (any one of a method's list suffices).
        pub mod permissions {
            #(#permissions)*
        }
    }
}

/// The constant name of a method's operation, e.g. `ISOLATE_MACHINE`.
pub fn operation_ident(method: &Method) -> proc_macro2::Ident {
    names::ident(&method.operation)
}

fn expand_operation(method: &Method) -> TokenStream {
    let ident = operation_ident(method);
    let doc = doc_attrs(&format!("`{}`: {}", method.spec_name, method.summary));
    let name = &method.spec_name;
    let verb = format_ident!("{}", verb_variant(method.verb));
    let path = &method.path_template;
    let success = &method.success;
    let retry_safe = method.retry_safe;
    let limits = method.rate_limits.iter().map(|limit| {
        let calls = limit.calls;
        let seconds = limit.per.seconds();
        quote!(runtime::RateLimit::new(#calls, ::std::time::Duration::from_secs(#seconds)))
    });
    let application = &method.application_permissions;
    let delegated = &method.delegated_permissions;
    let docs_url = &method.docs_url;
    quote! {
        #doc
        pub static #ident: runtime::Operation = runtime::Operation::new(#name, runtime::Verb::#verb, #path)
            .with_success(&[#(#success),*])
            .with_retry_safe(#retry_safe)
            .with_rate_limits(&[#(#limits),*])
            .with_permissions(&[#(#application),*], &[#(#delegated),*])
            .with_docs_url(#docs_url);
    }
}

fn verb_variant(verb: Verb) -> &'static str {
    match verb {
        Verb::Get => "Get",
        Verb::Post => "Post",
        Verb::Put => "Put",
        Verb::Patch => "Patch",
        Verb::Delete => "Delete",
    }
}

fn expand_permission(permission: &Permission) -> TokenStream {
    let ident = format_ident!("{}", permission.name);
    let value = &permission.value;
    let methods: Vec<String> = permission.methods.iter().map(|m| format!("`{m}`")).collect();
    let doc = doc_attrs(&format!("`{value}`, accepted by {}.", methods.join(", ")));
    quote! { #doc pub const #ident: &str = #value; }
}

/// Human text for a method's quotas, e.g. "100 calls per minute and 1500 calls per hour".
pub fn describe_limits(method: &Method) -> String {
    let parts: Vec<String> = method
        .rate_limits
        .iter()
        .map(|l| {
            format!(
                "{} calls per {}",
                l.calls,
                if l.per == Per::Minute { "minute" } else { "hour" }
            )
        })
        .collect();
    parts.join(" and ")
}

/// Human text for a method's documented platforms, e.g. "Windows 10 1709 or later; Windows 11".
pub fn describe_platforms(method: &Method) -> String {
    let parts: Vec<String> = method.platforms.iter().map(|p| p.describe()).collect();
    parts.join("; ")
}
