//! `src/operations.rs`: one `runtime::Operation` per method (verb, path, success statuses,
//! retry safety, documented quotas, permissions) and a constant per permission name.

use super::docs::list;
use crate::ir::{Api, Method, Per, Permission, Verb};
use crate::names;
use crate::render::{Code, lit};

/// The whole `operations.rs` file.
pub fn write_operations(api: &Api) -> Result<String, String> {
    let mut code = Code::new();
    code.inner_doc(
        "What the spec says about each method, as constants: verb, path template, success\n\
         statuses, retry safety, documented quotas and permissions.",
    );
    code.item("use ::mde_runtime::__private as runtime;");
    for method in &api.methods {
        write_operation(&mut code, method);
    }
    code.doc("Every operation, in spec order.");
    let all = list(api.methods.iter().map(|m| format!("&{}", m.operation)));
    code.item(&format!("pub static {}: &[&runtime::Operation] = &[{all}];", names::ALL_OPERATIONS));
    code.doc("The permission names methods accept (any one of a method's list suffices).");
    code.item_block("pub mod permissions", |code| {
        for permission in &api.permissions {
            write_permission(code, permission);
        }
    });
    code.finish()
}

fn write_operation(code: &mut Code, method: &Method) {
    code.doc(&format!("`{}`: {}", method.spec_name, method.summary));
    let limits = list(method.rate_limits.iter().map(|limit| {
        format!(
            "runtime::RateLimit::new({}u32, ::std::time::Duration::from_secs({}u64))",
            limit.calls,
            limit.per.seconds()
        )
    }));
    code.item(&format!(
        "pub static {}: runtime::Operation = runtime::Operation::new({}, runtime::Verb::{}, {})\
         .with_success(&[{}])\
         .with_retry_safe({})\
         .with_rate_limits(&[{limits}])\
         .with_permissions(&[{}], &[{}])\
         .with_docs_url({});",
        method.operation,
        lit(&method.spec_name),
        verb_variant(method.verb),
        lit(&method.path_template),
        list(method.success.iter().map(|status| format!("{status}u16"))),
        method.retry_safe,
        list(method.application_permissions.iter().map(|p| lit(p))),
        list(method.delegated_permissions.iter().map(|p| lit(p))),
        lit(&method.docs_url),
    ));
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

fn write_permission(code: &mut Code, permission: &Permission) {
    let methods = permission.methods.iter().map(|m| format!("`{m}`"));
    code.doc(&format!(
        "`{}`, accepted by {}.",
        permission.value,
        methods.collect::<Vec<_>>().join(", ")
    ));
    code.item(&format!("pub const {}: &str = {};", permission.name, lit(&permission.value)));
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
