//! Every spec-name to Rust-name rule, in one place.
//!
//! Types and variants are UpperCamelCase, fields, parameters and functions snake_case (both via
//! `heck`). Rust keywords become raw identifiers (`type` → `r#type`); the few keywords that
//! cannot be raw get a trailing underscore (`self` → `self_`). Names that would shadow the
//! prelude types the generated code relies on are refused.
//!
//! The generated code's own names live here too, beside the rules, so that `lower` can check
//! every name derived from the spec against them:
//!
//! - names it defines next to spec-derived ones ([`RESERVED_METHODS`], [`CLIENT_TYPES`],
//!   [`RESERVED_CALL_MEMBERS`], [`BODY_ARG`], [`ALL_OPERATIONS`], [`EXTRA_FIELD`],
//!   [`RECEIVED_AS_FIELD`], [`UNKNOWN_VARIANT`]) are refused to the spec, with the pointer of the
//!   member that would take them;
//! - its locals are hygienic by construction: spec-derived values are only ever reached as
//!   `self.<field>` or through a local named by [`slot`] (`field_<name>`) or [`alias_slot`]
//!   (`alias_<name>`), and no local of the
//!   generated code is a bare spec-derived name, so a spec member named `path`, `request`,
//!   `query`, `map` or `value` cannot capture one.
//!
//! The command-line layer's names are derived here too: subcommands and flags ([`cli_command`],
//! [`cli_flag`]), its `Args` types ([`cli_args_type`]), its locals ([`cli_local`]) and the flags
//! the tool keeps for itself ([`CLI_RESERVED_FLAGS`]).

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words Rust reserves (2024 edition), all of which need escaping as identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be written as raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

/// Type names the generated code uses unqualified or could (the 2024 prelude's types, traits
/// and variants, and the generic parameters and local types of generated impls); a spec type
/// must not shadow them.
const RESERVED_TYPES: &[&str] = &[
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "Self",
    "From",
    "Into",
    "TryFrom",
    "TryInto",
    "AsRef",
    "AsMut",
    "Default",
    "Clone",
    "Copy",
    "Debug",
    "Drop",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "Hash",
    "Send",
    "Sync",
    "Sized",
    "Unpin",
    "Fn",
    "FnMut",
    "FnOnce",
    "AsyncFn",
    "AsyncFnMut",
    "AsyncFnOnce",
    "Future",
    "IntoFuture",
    "Iterator",
    "IntoIterator",
    "DoubleEndedIterator",
    "ExactSizeIterator",
    "Extend",
    "FromIterator",
    "ToOwned",
    "ToString",
    "A",
    "D",
    "S",
    "W",
    "ObjectVisitor",
];

/// Method names the generated client defines besides one per operation.
pub const RESERVED_METHODS: &[&str] = &["builder", "core", "download"];

/// Type names the generated client module defines besides one call builder per operation.
pub const CLIENT_TYPES: &[&str] = &["Client", "Cloud"];

/// The argument of a client method, and the field of its call builder, that carries the
/// request body.
pub const BODY_ARG: &str = "body";

/// Names a call builder already uses for its own fields and methods: no parameter may take
/// them.
pub const RESERVED_CALL_MEMBERS: &[&str] =
    &["client", BODY_ARG, "send", "send_with_response", "into_pager", "into_future", "request"];

/// The static of `operations.rs` listing every operation: no operation constant may take it.
pub const ALL_OPERATIONS: &str = "ALL";

/// SCREAMING_SNAKE_CASE name of a method's operation constant (`isolateMachine` →
/// `ISOLATE_MACHINE`).
pub fn operation_const(method: &str) -> Result<String, String> {
    let name = const_name(method)?;
    if name == ALL_OPERATIONS {
        return Err(format!(
            "`{method}` would name its operation constant `{name}`, which lists every operation"
        ));
    }
    Ok(name)
}

/// The local that collects a member's value while an object is read (`field_<name>`).
pub fn slot(field: &str) -> String {
    format!("field_{}", bare(field))
}

/// The local that holds what came under a member's aliases while an object is read
/// (`alias_<name>`).
pub fn alias_slot(field: &str) -> String {
    format!("alias_{}", bare(field))
}

/// The `with_*` setter of an optional member.
pub fn setter(field: &str) -> String {
    format!("with_{}", bare(field))
}

/// The command-line flag of a parameter or body member, from its Rust name: kebab-case, without
/// raw or keyword escapes and leading underscores (`isolation_type` → `isolation-type`,
/// `r#type` → `type`). Empty when nothing is left.
pub fn cli_flag(rust_name: &str) -> String {
    bare(rust_name).trim_matches('_').replace('_', "-")
}

/// The flags of one method's command: one per parameter ([`cli_flag`] of its Rust name), then
/// one per request-body member, where a member whose flag a parameter or the tool already
/// takes gets the prefix `body-` (`--type` and `--body-type`). Problems (an empty flag, a
/// parameter on a reserved flag, two equal flags even so) are left to `lower` to report.
pub fn cli_flags(params: &[&str], members: &[&str]) -> (Vec<String>, Vec<String>) {
    let params: Vec<String> = params.iter().map(|p| cli_flag(p)).collect();
    let members = members
        .iter()
        .map(|m| {
            let flag = cli_flag(m);
            let taken = params.contains(&flag) || CLI_RESERVED_FLAGS.contains(&flag.as_str());
            if taken && !flag.is_empty() { format!("body-{flag}") } else { flag }
        })
        .collect();
    (params, members)
}

/// The Rust field of a flag in a command's `Args` struct (`body-type` → `body_type`); clap
/// names the flag after it.
pub fn cli_field(flag: &str) -> String {
    escape_keyword(prefix_digit(flag.replace('-', "_"), "flag_"))
}

/// The subcommand of an operation, from the Rust method name (`isolate_machine` →
/// `isolate-machine`).
pub fn cli_command(method: &str) -> String {
    cli_flag(method)
}

/// The clap `Args` struct of an operation's subcommand (`IsolateMachine` → `IsolateMachineArgs`).
pub fn cli_args_type(call_type: &str) -> String {
    format!("{call_type}Args")
}

/// The local of a generated command that holds a converted argument (`arg_<name>`): no fixed
/// local of the command layer starts with `arg_`, so spec names cannot capture one.
pub fn cli_local(rust_name: &str) -> String {
    format!("arg_{}", bare(rust_name))
}

/// Flags the command-line tool defines itself: its global options (valid on every subcommand)
/// and the generated commands' own (`--all` on listings, `--download-to` on link methods). No
/// parameter or body member may take them.
pub const CLI_RESERVED_FLAGS: &[&str] = &[
    "help",
    "version",
    "output",
    "cloud",
    "base-url",
    "profile",
    "profile-file",
    "token-file",
    "client-secret-file",
    "auth",
    "no-progress",
    "quiet",
    CLI_ALL_FLAG,
    CLI_DOWNLOAD_FLAG,
];

/// The flag of a generated listing command that follows every page.
pub const CLI_ALL_FLAG: &str = "all";

/// The flag of a generated link command naming the file to download to.
pub const CLI_DOWNLOAD_FLAG: &str = "download-to";

/// The crate whose `__private` module generated code builds on.
pub const RUNTIME_CRATE: &str = "mde_runtime";

/// UpperCamelCase name of a method's call builder (`isolateMachine` → `IsolateMachine`).
pub fn call_type(method: &str) -> Result<String, String> {
    type_name(method)
}

/// UpperCamelCase name of the typed `$filter` builder over a model (`MachineActionFilter`).
pub fn filter_type(model: &str) -> String {
    format!("{model}Filter")
}

/// Variant name of the catch-all in open enums.
pub const UNKNOWN_VARIANT: &str = "Unknown";

/// Rust name of the field that keeps unknown JSON members.
pub const EXTRA_FIELD: &str = "extra";

/// Rust name of the private field that remembers which wire aliases came in.
pub const RECEIVED_AS_FIELD: &str = "received_as";

/// UpperCamelCase name for a `$defs` entry, enum value or server, or why there is none.
pub fn type_name(spec: &str) -> Result<String, String> {
    let name = spec.to_upper_camel_case();
    let name = prefix_digit(name, "V");
    check_ident(spec, &name)?;
    if RESERVED_TYPES.contains(&name.as_str()) {
        return Err(format!(
            "`{spec}` would be named `{name}`, which the generated code already uses"
        ));
    }
    Ok(name)
}

/// UpperCamelCase variant name for an enum value.
pub fn variant_name(spec: &str) -> Result<String, String> {
    let name = prefix_digit(spec.to_upper_camel_case(), "V");
    check_ident(spec, &name)?;
    Ok(escape_keyword(name))
}

/// snake_case name for a field, parameter or method (`@odata.nextLink` → `odata_next_link`,
/// `type` → `r#type`).
pub fn value_name(spec: &str) -> Result<String, String> {
    let name = prefix_digit(spec.to_snake_case(), "_");
    check_ident(spec, &name)?;
    Ok(escape_keyword(name))
}

/// The name without any `r#` prefix, for use inside other names (`with_type`).
pub fn bare(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// SCREAMING_SNAKE_CASE name for a constant derived from a method or permission.
pub fn const_name(spec: &str) -> Result<String, String> {
    let name = prefix_digit(heck::ToShoutySnakeCase::to_shouty_snake_case(spec), "_");
    check_ident(spec, &name)?;
    Ok(name)
}

fn prefix_digit(name: String, prefix: &str) -> String {
    if name.starts_with(|c: char| c.is_ascii_digit()) { format!("{prefix}{name}") } else { name }
}

fn escape_keyword(name: String) -> String {
    if NOT_RAW.contains(&name.as_str()) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

fn check_ident(spec: &str, name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let valid_start = chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic());
    let valid_rest = chars.all(|c| c == '_' || c.is_ascii_alphanumeric());
    if valid_start && valid_rest && name != "_" {
        Ok(())
    } else {
        Err(format!("`{spec}` cannot be turned into a Rust identifier"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names() {
        assert_eq!(value_name("@odata.nextLink").unwrap(), "odata_next_link");
        assert_eq!(value_name("type").unwrap(), "r#type");
        assert_eq!(value_name("self").unwrap(), "self_");
        assert_eq!(value_name("errorHResult").unwrap(), "error_h_result");
        assert_eq!(value_name("$top").unwrap(), "top");
        assert!(value_name("@@").is_err());
    }

    #[test]
    fn type_and_variant_names() {
        assert_eq!(type_name("machineAction").unwrap(), "MachineAction");
        assert_eq!(variant_name("UnManagedDevice").unwrap(), "UnManagedDevice");
        assert_eq!(variant_name("2fa").unwrap(), "V2fa");
        assert!(type_name("option").is_err());
        assert_eq!(const_name("Machine.ReadWrite.All").unwrap(), "MACHINE_READ_WRITE_ALL");
    }
}
