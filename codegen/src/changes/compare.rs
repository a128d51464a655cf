//! The comparison of two lowered specs: every change, classified by the rules of
//! [`super::rules`].
//!
//! Types match by Rust name, members by wire name (a member whose old name is now an alias of
//! the new one, or the other way round, is a rename, not a removal and an addition), enum values
//! by wire value and then by Rust name (a respelling), methods by spec name, parameters by wire
//! name, clouds by spec name. Whether a type's change reaches the command-line tool depends on
//! where it is used: types reachable from a request body or parameter become flags and values
//! of `mde api`, the rest only shape the JSON it prints.

use std::collections::{BTreeMap, BTreeSet};

use super::rules::{self, Rule};
use super::{Category, Change, Impact};
use crate::ir::{
    Api, EnumDef, Field, FilterOp, Method, NewtypeDef, Param, Server, StructDef, Type, TypeDef,
};

/// Every change from `base` to `head`, in spec order: the API itself, clouds, types, methods,
/// permission constants.
pub fn compare(base: &Api, head: &Api) -> Vec<Change> {
    let mut request = request_types(base);
    request.append(&mut request_types(head));
    let mut out = Sink { changes: Vec::new(), request, base, head };
    api_level(base, head, &mut out);
    servers(&base.servers, &head.servers, &mut out);
    types(&base.types, &head.types, &mut out);
    methods(base, head, &mut out);
    permissions(base, head, &mut out);
    out.changes
}

/// Collects changes; knows which types requests use, and both specs' types.
struct Sink<'a> {
    changes: Vec<Change>,
    /// Rust names of the types reachable from a request body or parameter, in either spec.
    request: BTreeSet<String>,
    base: &'a Api,
    head: &'a Api,
}

/// One change's rating: (SDK impact, CLI impact, the deciding rule).
type Rating = (Impact, Impact, &'static Rule);

const DOCS: Rating = (Impact::Patch, Impact::Patch, &rules::DOCS);

impl Sink<'_> {
    fn push(&mut self, kind: &'static str, subject: &str, detail: String, rating: Rating) {
        let (sdk, cli, rule) = rating;
        let category = match kind.rsplit('-').next() {
            Some("added") => Category::Added,
            Some("removed") => Category::Removed,
            _ => Category::Changed,
        };
        let subject = subject.to_owned();
        self.changes.push(Change { kind, subject, detail, category, sdk, cli, rule });
    }

    fn is_request(&self, type_name: &str) -> bool {
        self.request.contains(type_name)
    }
}

// --- The API and its clouds ---------------------------------------------------------------

fn api_level(base: &Api, head: &Api, out: &mut Sink<'_>) {
    if base.name != head.name || base.doc != head.doc || base.docs_url != head.docs_url {
        out.push("api-docs-changed", &head.name, "the crate documentation changed".into(), DOCS);
    }
    if base.error_type != head.error_type {
        let detail = format!(
            "the service's error body type changed from {} to {}",
            opt_name(&base.error_type),
            opt_name(&head.error_type)
        );
        let rating = (Impact::Breaking, Impact::Patch, &rules::TYPE_CHANGE);
        out.push("error-type-changed", &head.name, detail, rating);
    }
}

fn servers(base: &[Server], head: &[Server], out: &mut Sink<'_>) {
    for pair in pair_by(base, head, |server| server.spec_name.as_str()) {
        match pair {
            Paired::Removed(old) => {
                let detail = format!("`Cloud::{}` is gone (`--cloud {}`)", old.name, old.spec_name);
                let rating = (Impact::Breaking, Impact::Breaking, &rules::ITEM_REMOVE);
                out.push("cloud-removed", &cloud(old), detail, rating);
            }
            Paired::Both(old, new) => server_pair(old, new, &cloud(old), out),
            Paired::Added(new) => {
                let detail =
                    format!("new cloud `Cloud::{}` (`--cloud {}`)", new.name, new.spec_name);
                let rating = (Impact::Additive, Impact::Additive, &rules::NON_EXHAUSTIVE_GROWTH);
                out.push("cloud-added", &cloud(new), detail, rating);
            }
        }
    }
}

/// How the report names a cloud.
fn cloud(server: &Server) -> String {
    format!("cloud {}", server.spec_name)
}

fn server_pair(old: &Server, new: &Server, subject: &str, out: &mut Sink<'_>) {
    if old.name != new.name {
        let detail = format!("`Cloud::{}` is now `Cloud::{}`", old.name, new.name);
        out.push(
            "cloud-renamed",
            subject,
            detail,
            (Impact::Breaking, Impact::None, &rules::ITEM_REMOVE),
        );
    }
    for (what, before, after) in [
        ("API host", &old.url, &new.url),
        ("sign-in authority", &old.authority, &new.authority),
        ("token scope", &old.scope, &new.scope),
    ] {
        if before != after {
            let detail = format!("{what} changed from {before} to {after}");
            let rating = (Impact::Patch, Impact::Patch, &rules::WIRE_DETAIL);
            out.push("cloud-endpoint-changed", subject, detail, rating);
        }
    }
    if old.doc != new.doc {
        out.push("cloud-docs-changed", subject, "its documentation changed".into(), DOCS);
    }
}

// --- Types ---------------------------------------------------------------------------------

fn types(base: &[TypeDef], head: &[TypeDef], out: &mut Sink<'_>) {
    for pair in pair_by(base, head, TypeDef::name) {
        match pair {
            Paired::Removed(old) => {
                let detail = format!("type `{}` is gone", old.name());
                // The command line names no types: the members and parameters that used it
                // report what changed for it.
                let rating = (Impact::Breaking, Impact::None, &rules::ITEM_REMOVE);
                out.push("type-removed", old.name(), detail, rating);
            }
            Paired::Both(old, new) => type_pair(old, new, out),
            Paired::Added(new) => {
                let detail = format!("new {} `{}`", type_kind(new), new.name());
                let rating = (Impact::Additive, Impact::None, &rules::ITEM_NEW);
                out.push("type-added", new.name(), detail, rating);
            }
        }
    }
}

fn type_pair(old: &TypeDef, new: &TypeDef, out: &mut Sink<'_>) {
    match (old, new) {
        (TypeDef::Struct(old), TypeDef::Struct(new)) => struct_pair(old, new, out),
        (TypeDef::Enum(old), TypeDef::Enum(new)) => enum_pair(old, new, out),
        (TypeDef::Newtype(old), TypeDef::Newtype(new)) => newtype_pair(old, new, out),
        _ => {
            let detail = format!(
                "`{}` was a {} and is now a {}",
                old.name(),
                type_kind(old),
                type_kind(new)
            );
            let cli = request_cli(out, old.name(), Impact::Breaking);
            out.push(
                "type-kind-changed",
                old.name(),
                detail,
                (Impact::Breaking, cli, &rules::TYPE_CHANGE),
            );
        }
    }
}

fn type_kind(def: &TypeDef) -> &'static str {
    match def {
        TypeDef::Struct(_) => "struct",
        TypeDef::Enum(_) => "enum",
        TypeDef::Newtype(_) => "newtype",
    }
}

/// The CLI impact of a change to type `name`: `if_request` when requests use it (it shapes
/// flags and their values), a patch otherwise (it only shapes the printed JSON).
fn request_cli(out: &Sink<'_>, name: &str, if_request: Impact) -> Impact {
    if out.is_request(name) { if_request } else { Impact::Patch }
}

fn newtype_pair(old: &NewtypeDef, new: &NewtypeDef, out: &mut Sink<'_>) {
    if old.inner != new.inner {
        let detail = format!(
            "`{}` wraps {} instead of {}",
            new.name,
            type_text(&new.inner),
            type_text(&old.inner)
        );
        let cli = match out.is_request(&new.name) {
            true => cli_retype(&accepts(out.base, &old.inner), &accepts(out.head, &new.inner)),
            false => Impact::Patch,
        };
        out.push(
            "newtype-retyped",
            &new.name,
            detail,
            (Impact::Breaking, cli, &rules::TYPE_CHANGE),
        );
    }
    if old.doc != new.doc {
        out.push("type-docs-changed", &new.name, "its documentation changed".into(), DOCS);
    }
}

fn struct_pair(old: &StructDef, new: &StructDef, out: &mut Sink<'_>) {
    let name = &new.name;
    if old.in_response != new.in_response {
        let (kind, detail, rating) = if new.in_response {
            let detail = format!("`{name}` now keeps unknown JSON members in `extra`");
            ("struct-extra-added", detail, (Impact::Additive, Impact::None, &rules::ITEM_NEW))
        } else {
            let detail = format!("`{name}` no longer has `extra` (it is no longer in a response)");
            ("struct-extra-removed", detail, (Impact::Breaking, Impact::None, &rules::ITEM_REMOVE))
        };
        out.push(kind, name, detail, rating);
    }
    if old.closed != new.closed {
        let (detail, rating) = if new.closed {
            let impact = if new.in_response { Impact::Breaking } else { Impact::Patch };
            let rule = if new.in_response { &rules::DECODE_NARROWED } else { &rules::WIRE_DETAIL };
            (
                format!("`{name}` now refuses members the spec does not declare"),
                (impact, impact, rule),
            )
        } else {
            let detail = format!("`{name}` now allows members the spec does not declare");
            (detail, (Impact::Patch, Impact::Patch, &rules::DECODE_WIDENED))
        };
        out.push("struct-closed-changed", name, detail, rating);
    }
    if old.doc != new.doc || old.docs_url != new.docs_url {
        out.push("type-docs-changed", name, "its documentation changed".into(), DOCS);
    }
    members(new, &old.fields, &new.fields, out);
}

/// Pairs old and new members: same wire name first, then renames through aliases.
fn members(def: &StructDef, base: &[Field], head: &[Field], out: &mut Sink<'_>) {
    let mut paired_new = vec![false; head.len()];
    let mut pairs = Vec::new();
    let mut removed = Vec::new();
    for old in base {
        let found = head.iter().position(|new| new.wire == old.wire).or_else(|| {
            head.iter()
                .position(|new| new.aliases.contains(&old.wire) || old.aliases.contains(&new.wire))
        });
        match found {
            Some(index) if !paired_new[index] => {
                paired_new[index] = true;
                pairs.push((old, &head[index]));
            }
            _ => removed.push(old),
        }
    }
    for old in removed {
        member_removed(def, old, out);
    }
    for (old, new) in pairs {
        member_pair(def, old, new, out);
    }
    for (new, _) in head.iter().zip(&paired_new).filter(|(_, paired)| !**paired) {
        member_added(def, new, out);
    }
}

fn member_subject(def: &StructDef, field: &Field) -> String {
    format!("{}.{}", def.name, field.wire)
}

fn member_removed(def: &StructDef, old: &Field, out: &mut Sink<'_>) {
    let detail = format!("member `{}` (field `{}::{}`) is gone", old.wire, def.name, old.name);
    let cli = request_cli(out, &def.name, Impact::Breaking);
    let rating = (Impact::Breaking, cli, &rules::ITEM_REMOVE);
    out.push("member-removed", &member_subject(def, old), detail, rating);
}

fn member_added(def: &StructDef, new: &Field, out: &mut Sink<'_>) {
    let subject = member_subject(def, new);
    if new.is_optional() {
        let detail =
            format!("new optional member `{}` (field `{}::{}`)", new.wire, def.name, new.name);
        let cli = request_cli(out, &def.name, Impact::Additive);
        out.push(
            "member-added",
            &subject,
            detail,
            (Impact::Additive, cli, &rules::NON_EXHAUSTIVE_GROWTH),
        );
    } else {
        let detail = format!(
            "new required member `{}`: `{}::new` takes an argument more, and objects without it \
             no longer decode",
            new.wire, def.name
        );
        let cli = request_cli(out, &def.name, Impact::Breaking);
        out.push(
            "member-added",
            &subject,
            detail,
            (Impact::Breaking, cli, &rules::FN_CHANGE_ARITY),
        );
    }
}

fn member_pair(def: &StructDef, old: &Field, new: &Field, out: &mut Sink<'_>) {
    let subject = member_subject(def, old);
    let request = out.is_request(&def.name);
    member_names(def, old, new, &subject, request, out);
    if old.ty != new.ty || old.boxed != new.boxed {
        let detail = format!(
            "member `{}` is {} instead of {}",
            new.wire,
            type_text(&new.ty),
            type_text(&old.ty)
        );
        let cli = match request {
            true => cli_retype(&accepts(out.base, &old.ty), &accepts(out.head, &new.ty)),
            false => Impact::Patch,
        };
        out.push("member-retyped", &subject, detail, (Impact::Breaking, cli, &rules::TYPE_CHANGE));
    }
    member_optionality(def, old, new, &subject, request, out);
    filter_ops(def, old, new, &subject, out);
    if old.sensitive != new.sensitive {
        let detail = match new.sensitive {
            true => format!("member `{}` is now redacted in `Debug`", new.wire),
            false => format!("member `{}` is no longer redacted in `Debug`", new.wire),
        };
        out.push("member-sensitivity-changed", &subject, detail, DOCS);
    }
    if old.doc != new.doc {
        let detail = format!("the documentation of member `{}` changed", new.wire);
        out.push("member-docs-changed", &subject, detail, DOCS);
    }
}

/// Rust name, wire name and alias changes of a member.
fn member_names(
    def: &StructDef,
    old: &Field,
    new: &Field,
    subject: &str,
    request: bool,
    out: &mut Sink<'_>,
) {
    let response = def.in_response;
    if old.name != new.name {
        let detail = format!("field `{}::{}` is now `{}`", def.name, old.name, new.name);
        let cli = if request { Impact::Breaking } else { Impact::None };
        out.push("member-renamed", subject, detail, (Impact::Breaking, cli, &rules::ITEM_REMOVE));
    }
    if old.wire != new.wire {
        let kept = new.aliases.contains(&old.wire);
        let detail = if kept {
            format!(
                "member `{}` is sent as `{}`; `{}` is still read as an alias",
                old.wire, new.wire, old.wire
            )
        } else {
            format!(
                "member `{}` is now `{}` on the wire; `{}` is no longer read",
                old.wire, new.wire, old.wire
            )
        };
        let rating = if response && !kept {
            (Impact::Breaking, Impact::Patch, &rules::DECODE_NARROWED)
        } else {
            (Impact::Patch, Impact::Patch, &rules::WIRE_DETAIL)
        };
        out.push("member-wire-renamed", subject, detail, rating);
    }
    let dropped: Vec<&String> =
        old.aliases.iter().filter(|a| !new.aliases.contains(a) && **a != new.wire).collect();
    let gained: Vec<&String> =
        new.aliases.iter().filter(|a| !old.aliases.contains(a) && **a != old.wire).collect();
    if !dropped.is_empty() {
        let detail =
            format!("member `{}` no longer reads the alias {}", new.wire, quoted(&dropped));
        let rating = match response {
            true => (Impact::Breaking, Impact::Patch, &rules::DECODE_NARROWED),
            false => (Impact::Patch, Impact::Patch, &rules::WIRE_DETAIL),
        };
        out.push("member-alias-removed", subject, detail, rating);
    }
    if !gained.is_empty() {
        let detail = format!("member `{}` also reads the alias {}", new.wire, quoted(&gained));
        out.push(
            "member-alias-added",
            subject,
            detail,
            (Impact::Patch, Impact::Patch, &rules::DECODE_WIDENED),
        );
    }
}

/// Required, nullable and optional changes of a member.
fn member_optionality(
    def: &StructDef,
    old: &Field,
    new: &Field,
    subject: &str,
    request: bool,
    out: &mut Sink<'_>,
) {
    let (was, is) = (old.is_optional(), new.is_optional());
    if was && !is {
        let detail = format!(
            "member `{}` is now required: the field is {} instead of {}, `{}::new` takes it, and \
             objects without it no longer decode",
            new.wire,
            type_text(&new.ty),
            option_text(&new.ty),
            def.name
        );
        let cli = if request { Impact::Breaking } else { Impact::Patch };
        out.push(
            "member-now-required",
            subject,
            detail,
            (Impact::Breaking, cli, &rules::TYPE_CHANGE),
        );
    } else if !was && is {
        let detail = format!(
            "member `{}` is now optional: the field is {} and `{}::new` no longer takes it",
            new.wire,
            option_text(&new.ty),
            def.name
        );
        // For the command line, a required flag becomes optional.
        let cli = if request { Impact::Additive } else { Impact::Patch };
        let rating = (Impact::Breaking, cli, &rules::TYPE_CHANGE);
        out.push("member-now-optional", subject, detail, rating);
    } else if old.nullable != new.nullable || old.required != new.required {
        let narrowed = (old.nullable && !new.nullable) || (!old.required && new.required);
        let detail = format!(
            "member `{}` is now {} and {}",
            new.wire,
            if new.required { "required" } else { "optional" },
            if new.nullable { "nullable" } else { "not nullable" }
        );
        let rating = match narrowed && def.in_response {
            true => (Impact::Breaking, Impact::Patch, &rules::DECODE_NARROWED),
            false => (Impact::Patch, Impact::Patch, &rules::DECODE_WIDENED),
        };
        out.push("member-nullability-changed", subject, detail, rating);
    }
}

/// What a member's filter operators give the typed filter builder: nothing, the equality
/// family, or the ordered one.
fn filter_family(ops: &[FilterOp]) -> u8 {
    match ops {
        [] => 0,
        ops if ops.iter().any(|op| !FilterOp::EQUALITY.contains(op)) => 2,
        _ => 1,
    }
}

fn filter_ops(def: &StructDef, old: &Field, new: &Field, subject: &str, out: &mut Sink<'_>) {
    if old.filter_ops == new.filter_ops {
        return;
    }
    let ops = |ops: &[FilterOp]| match ops {
        [] => "none".to_owned(),
        ops => ops.iter().map(|op| op.as_str()).collect::<Vec<_>>().join(", "),
    };
    let detail = format!(
        "`$filter` operators on `{}` of `{}`: {} instead of {}",
        new.wire,
        def.name,
        ops(&new.filter_ops),
        ops(&old.filter_ops)
    );
    let (before, after) = (filter_family(&old.filter_ops), filter_family(&new.filter_ops));
    let rating = match after.cmp(&before) {
        std::cmp::Ordering::Less => (Impact::Breaking, Impact::Patch, &rules::ITEM_REMOVE),
        std::cmp::Ordering::Greater => (Impact::Additive, Impact::Patch, &rules::ITEM_NEW),
        std::cmp::Ordering::Equal => DOCS,
    };
    let kind = match (before, after) {
        (0, _) => "filterable-added",
        (_, 0) => "filterable-removed",
        _ => "filter-operators-changed",
    };
    out.push(kind, subject, detail, rating);
}

fn enum_pair(old: &EnumDef, new: &EnumDef, out: &mut Sink<'_>) {
    let name = &new.name;
    let request = out.is_request(name);
    for variant in &old.variants {
        let subject = format!("{name}.{}", variant.wire);
        let same_wire = new.variants.iter().find(|v| v.wire == variant.wire);
        let same_name = new.variants.iter().find(|v| v.name == variant.name);
        match (same_wire, same_name) {
            (Some(now), _) if now.name != variant.name => {
                let detail = format!("`{name}::{}` is now `{name}::{}`", variant.name, now.name);
                out.push(
                    "enum-value-renamed",
                    &subject,
                    detail,
                    (Impact::Breaking, Impact::None, &rules::ITEM_REMOVE),
                );
            }
            (Some(now), _) => {
                if now.doc != variant.doc {
                    let detail = format!("the documentation of `{name}::{}` changed", now.name);
                    out.push("enum-value-docs-changed", &subject, detail, DOCS);
                }
            }
            (None, Some(now)) => {
                let detail = format!(
                    "`{name}::{}` is `{}` on the wire instead of `{}`",
                    now.name, now.wire, variant.wire
                );
                let cli = match request && !now.wire.eq_ignore_ascii_case(&variant.wire) {
                    true => Impact::Breaking,
                    false => Impact::Patch,
                };
                let rule = if cli == Impact::Breaking {
                    &rules::CLI_REMOVE
                } else {
                    &rules::DECODE_NARROWED
                };
                out.push("enum-value-respelled", &subject, detail, (Impact::Breaking, cli, rule));
            }
            (None, None) => {
                let detail =
                    format!("value `{}` (`{name}::{}`) is gone", variant.wire, variant.name);
                let cli = if request { Impact::Breaking } else { Impact::None };
                out.push(
                    "enum-value-removed",
                    &subject,
                    detail,
                    (Impact::Breaking, cli, &rules::ITEM_REMOVE),
                );
            }
        }
    }
    for variant in &new.variants {
        let known = old.variants.iter().any(|v| v.wire == variant.wire || v.name == variant.name);
        if !known {
            let detail = format!("new value `{}` (`{name}::{}`)", variant.wire, variant.name);
            let cli = if request { Impact::Additive } else { Impact::None };
            let subject = format!("{name}.{}", variant.wire);
            out.push(
                "enum-value-added",
                &subject,
                detail,
                (Impact::Additive, cli, &rules::NON_EXHAUSTIVE_GROWTH),
            );
        }
    }
    if old.open != new.open {
        let (kind, detail, rating) = match new.open {
            true => {
                let detail = format!(
                    "`{name}` now keeps unknown values in `{name}::Unknown`, so it is no longer \
                     `Copy`"
                );
                ("enum-opened", detail, (Impact::Breaking, Impact::None, &rules::TRAIT_REMOVE))
            }
            false => {
                let detail =
                    format!("`{name}` no longer has `Unknown`: unknown values fail to decode");
                ("enum-closed", detail, (Impact::Breaking, Impact::None, &rules::ITEM_REMOVE))
            }
        };
        out.push(kind, name, detail, rating);
    }
    if old.doc != new.doc {
        out.push("type-docs-changed", name, "its documentation changed".into(), DOCS);
    }
}

// --- Methods -------------------------------------------------------------------------------

fn methods(base: &Api, head: &Api, out: &mut Sink<'_>) {
    for pair in pair_by(&base.methods, &head.methods, |method| method.spec_name.as_str()) {
        match pair {
            Paired::Removed(old) => {
                let detail = format!("{} is gone", method_label(old));
                let rating = (Impact::Breaking, Impact::Breaking, &rules::ITEM_REMOVE);
                out.push("method-removed", &old.spec_name, detail, rating);
            }
            Paired::Both(old, new) => method_pair(base, head, old, new, out),
            Paired::Added(new) => {
                let detail = format!("new {}", method_label(new));
                let rating = (Impact::Additive, Impact::Additive, &rules::ITEM_NEW);
                out.push("method-added", &new.spec_name, detail, rating);
            }
        }
    }
}

/// A method as users meet it: spec name, client method and command.
fn method_label(method: &Method) -> String {
    let command = crate::names::cli_command(&method.name);
    format!("method `{}` (`Client::{}`, `mde api {command}`)", method.spec_name, method.name)
}

fn method_pair(base: &Api, head: &Api, old: &Method, new: &Method, out: &mut Sink<'_>) {
    let subject = new.spec_name.as_str();
    if old.name != new.name || old.call_type != new.call_type || old.operation != new.operation {
        let detail = format!(
            "`Client::{}` is now `Client::{}` (builder `{}`, constant `{}`)",
            old.name, new.name, new.call_type, new.operation
        );
        let cli = if old.name != new.name { Impact::Breaking } else { Impact::None };
        out.push("method-renamed", subject, detail, (Impact::Breaking, cli, &rules::ITEM_REMOVE));
    }
    if old.verb != new.verb || old.path_template != new.path_template {
        let detail = format!(
            "the request is `{} {}` instead of `{} {}`",
            new.verb.as_str(),
            new.path_template,
            old.verb.as_str(),
            old.path_template
        );
        let rating = (Impact::Patch, Impact::Patch, &rules::WIRE_DETAIL);
        out.push("request-line-changed", subject, detail, rating);
    }
    params(old, new, out);
    body(base, head, old, new, out);
    response(old, new, out);
    statuses(old, new, out);
    method_metadata(old, new, out);
    listing(old, new, out);
}

fn params(old: &Method, new: &Method, out: &mut Sink<'_>) {
    for pair in pair_by(&old.params, &new.params, |param| param.wire.as_str()) {
        match pair {
            Paired::Removed(param) => param_removed(new, param, out),
            Paired::Both(before, now) => param_pair(new, before, now, out),
            Paired::Added(param) => param_added(new, param, out),
        }
    }
}

/// How the report names a parameter of `method`.
fn param_subject(method: &Method, param: &Param) -> String {
    format!("{}({})", method.spec_name, param.wire)
}

fn param_removed(method: &Method, param: &Param, out: &mut Sink<'_>) {
    let (detail, rule) = match param.required {
        true => (
            format!(
                "required parameter `{}` is gone: `Client::{}` takes an argument less",
                param.wire, method.name
            ),
            &rules::FN_CHANGE_ARITY,
        ),
        false => (
            format!("optional parameter `{}` (setter `{}`) is gone", param.wire, param.name),
            &rules::ITEM_REMOVE,
        ),
    };
    let rating = (Impact::Breaking, Impact::Breaking, rule);
    out.push("parameter-removed", &param_subject(method, param), detail, rating);
}

fn param_added(method: &Method, param: &Param, out: &mut Sink<'_>) {
    let (detail, rating) = match param.required {
        true => (
            format!(
                "new required parameter `{}`: `Client::{}` takes an argument more",
                param.wire, method.name
            ),
            (Impact::Breaking, Impact::Breaking, &rules::FN_CHANGE_ARITY),
        ),
        false => (
            format!("new optional parameter `{}` (setter `{}`)", param.wire, param.name),
            (Impact::Additive, Impact::Additive, &rules::ITEM_NEW),
        ),
    };
    out.push("parameter-added", &param_subject(method, param), detail, rating);
}

fn param_pair(method: &Method, old: &Param, new: &Param, out: &mut Sink<'_>) {
    let subject = &param_subject(method, old);
    if old.required != new.required {
        let (detail, cli) = match new.required {
            true => (
                format!(
                    "parameter `{}` is now required: `Client::{}` takes it as an argument",
                    new.wire, method.name
                ),
                Impact::Breaking,
            ),
            false => (
                format!(
                    "parameter `{}` is now optional: `Client::{}` no longer takes it as an argument",
                    new.wire, method.name
                ),
                Impact::Additive,
            ),
        };
        out.push(
            "parameter-requirement-changed",
            subject,
            detail,
            (Impact::Breaking, cli, &rules::FN_CHANGE_ARITY),
        );
    }
    if old.name != new.name {
        let detail =
            format!("parameter `{}` is `{}` in Rust instead of `{}`", new.wire, new.name, old.name);
        let sdk = if new.required && old.required { Impact::None } else { Impact::Breaking };
        out.push("parameter-renamed", subject, detail, (sdk, Impact::Breaking, &rules::CLI_REMOVE));
    }
    if old.ty != new.ty {
        let detail = format!(
            "parameter `{}` is {} instead of {}",
            new.wire,
            type_text(&new.ty),
            type_text(&old.ty)
        );
        let cli = cli_retype(&accepts(out.base, &old.ty), &accepts(out.head, &new.ty));
        out.push(
            "parameter-retyped",
            subject,
            detail,
            (Impact::Breaking, cli, &rules::TYPE_CHANGE),
        );
    }
    if old.location != new.location {
        let detail = format!("parameter `{}` moved between path and query", new.wire);
        out.push(
            "parameter-moved",
            subject,
            detail,
            (Impact::Patch, Impact::Patch, &rules::WIRE_DETAIL),
        );
    }
    if old.minimum != new.minimum || old.maximum != new.maximum {
        let detail = format!(
            "parameter `{}` accepts {} instead of {}",
            new.wire,
            bounds(new.minimum, new.maximum),
            bounds(old.minimum, old.maximum)
        );
        // The client clamps values to the bounds; the command line refuses values outside them.
        let narrowed = narrower(old.minimum, new.minimum, |a, b| b > a)
            || narrower(old.maximum, new.maximum, |a, b| b < a);
        let (cli, rule) = match narrowed {
            true => (Impact::Breaking, &rules::CLI_REMOVE),
            false => (Impact::Additive, &rules::CLI_NEW),
        };
        out.push("parameter-bounds-changed", subject, detail, (Impact::Patch, cli, rule));
    }
    if old.doc != new.doc {
        let detail = format!("the documentation of parameter `{}` changed", new.wire);
        out.push("parameter-docs-changed", subject, detail, DOCS);
    }
}

/// True when the bound `new` refuses a value `old` allowed: a bound where there was none, or
/// one that `tighter(old, new)` says is tighter.
fn narrower(old: Option<i64>, new: Option<i64>, tighter: fn(i64, i64) -> bool) -> bool {
    match (old, new) {
        (None, Some(_)) => true,
        (Some(old), Some(new)) => tighter(old, new),
        _ => false,
    }
}

fn bounds(min: Option<i64>, max: Option<i64>) -> String {
    match (min, max) {
        (None, None) => "any value".to_owned(),
        (Some(min), None) => format!("{min} or more"),
        (None, Some(max)) => format!("at most {max}"),
        (Some(min), Some(max)) => format!("{min} to {max}"),
    }
}

fn body(base: &Api, head: &Api, old: &Method, new: &Method, out: &mut Sink<'_>) {
    let subject = new.spec_name.as_str();
    if old.body == new.body {
        return;
    }
    let detail =
        format!("the request body is {} instead of {}", opt_name(&new.body), opt_name(&old.body));
    let flags = |api: &Api, method: &Method| -> Vec<(String, bool)> {
        let fields = method.body_fields(&api.types);
        fields.iter().map(|f| (f.name.clone(), f.is_optional())).collect()
    };
    let (before, after) = (flags(base, old), flags(head, new));
    let cli = if before == after {
        Impact::None
    } else if before.iter().all(|flag| after.contains(flag))
        && after.iter().filter(|flag| !before.contains(flag)).all(|(_, optional)| *optional)
    {
        Impact::Additive
    } else {
        Impact::Breaking
    };
    let rule = match (&old.body, &new.body) {
        (Some(_), Some(_)) => &rules::TYPE_CHANGE,
        _ => &rules::FN_CHANGE_ARITY,
    };
    out.push("body-changed", subject, detail, (Impact::Breaking, cli, rule));
}

fn response(old: &Method, new: &Method, out: &mut Sink<'_>) {
    if old.response != new.response {
        let detail = format!("the response is `{}` instead of `{}`", new.response, old.response);
        let rating = (Impact::Breaking, Impact::Patch, &rules::TYPE_CHANGE);
        out.push("response-changed", &new.spec_name, detail, rating);
    }
    if old.link_field != new.link_field {
        let detail = format!(
            "the download link member is {} instead of {}",
            opt_name(&new.link_field),
            opt_name(&old.link_field)
        );
        let rating = match (&old.link_field, &new.link_field) {
            (None, Some(_)) => (Impact::Additive, Impact::Additive, &rules::ITEM_NEW),
            (Some(_), None) => (Impact::Breaking, Impact::Breaking, &rules::ITEM_REMOVE),
            _ => (Impact::Patch, Impact::Patch, &rules::WIRE_DETAIL),
        };
        out.push("download-link-changed", &new.spec_name, detail, rating);
    }
}

fn statuses(old: &Method, new: &Method, out: &mut Sink<'_>) {
    if old.success == new.success {
        return;
    }
    let list =
        |statuses: &[u16]| statuses.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
    let dropped = old.success.iter().any(|status| !new.success.contains(status));
    let detail =
        format!("success statuses are {} instead of {}", list(&new.success), list(&old.success));
    let rating = match dropped {
        true => (Impact::Breaking, Impact::Breaking, &rules::DECODE_NARROWED),
        false => (Impact::Patch, Impact::Patch, &rules::DECODE_WIDENED),
    };
    out.push("success-statuses-changed", &new.spec_name, detail, rating);
}

/// Documentation, permissions, platforms, errors, limits and retry safety of a method.
fn method_metadata(old: &Method, new: &Method, out: &mut Sink<'_>) {
    let subject = new.spec_name.as_str();
    if old.summary != new.summary
        || old.description != new.description
        || old.docs_url != new.docs_url
    {
        out.push("method-docs-changed", subject, "its documentation changed".into(), DOCS);
    }
    for (kind, before, after) in [
        ("application", &old.application_permissions, &new.application_permissions),
        ("delegated", &old.delegated_permissions, &new.delegated_permissions),
    ] {
        if before != after {
            let detail =
                format!("{kind} permissions are {} instead of {}", listed(after), listed(before));
            out.push("permissions-changed", subject, detail, DOCS);
        }
    }
    if old.errors != new.errors {
        let list = |errors: &[crate::ir::MethodError]| {
            let items: Vec<String> = errors
                .iter()
                .map(|e| {
                    format!("{} {}", e.status, e.code.as_deref().unwrap_or(""))
                        .trim_end()
                        .to_owned()
                })
                .collect();
            if items.is_empty() { "none".to_owned() } else { items.join(", ") }
        };
        let detail =
            format!("documented errors: {} (were {})", list(&new.errors), list(&old.errors));
        out.push("errors-changed", subject, detail, DOCS);
    }
    if old.platforms != new.platforms {
        let list = |platforms: &[crate::ir::Platform]| {
            let items: Vec<String> = platforms.iter().map(|p| p.describe()).collect();
            if items.is_empty() { "none stated".to_owned() } else { items.join("; ") }
        };
        let detail = format!(
            "documented platforms are {} (were {})",
            list(&new.platforms),
            list(&old.platforms)
        );
        out.push("platforms-changed", subject, detail, DOCS);
    }
    if old.rate_limits != new.rate_limits {
        let list = |limits: &[crate::ir::RateLimit]| {
            let items: Vec<String> = limits
                .iter()
                .map(|l| format!("{}/{}", l.calls, if l.per.seconds() == 60 { "min" } else { "h" }))
                .collect();
            if items.is_empty() { "none".to_owned() } else { items.join(", ") }
        };
        let detail = format!(
            "rate limits are {} instead of {}: the client's budgets follow",
            list(&new.rate_limits),
            list(&old.rate_limits)
        );
        out.push(
            "rate-limits-changed",
            subject,
            detail,
            (Impact::Patch, Impact::Patch, &rules::WIRE_DETAIL),
        );
    }
    if old.retry_safe != new.retry_safe {
        let detail = match new.retry_safe {
            true => "now retried after a failure that may have reached the service".to_owned(),
            false => {
                "no longer retried after a failure that may have reached the service".to_owned()
            }
        };
        out.push(
            "retry-safety-changed",
            subject,
            detail,
            (Impact::Patch, Impact::Patch, &rules::WIRE_DETAIL),
        );
    }
}

/// Typed `$filter` and paging of a listing method.
fn listing(old: &Method, new: &Method, out: &mut Sink<'_>) {
    let subject = new.spec_name.as_str();
    let filter = |m: &Method| {
        m.filter.as_ref().map(|(ty, index)| (ty.clone(), m.params[*index].wire.clone()))
    };
    let has_param = |m: &Method, wire: &str| m.params.iter().any(|p| p.wire == wire);
    let changed = match (filter(old), filter(new)) {
        (Some((before, _)), Some((after, _))) => {
            (before != after).then_some((Some(before), Some(after)))
        }
        // A parameter that was a string and is now a typed filter, or the other way round; a
        // filter that came or went with its parameter is that parameter's change.
        (None, Some((after, wire))) => has_param(old, &wire).then_some((None, Some(after))),
        (Some((before, wire)), None) => has_param(new, &wire).then_some((Some(before), None)),
        (None, None) => None,
    };
    if let Some((before, after)) = changed {
        let detail = format!(
            "the `$filter` parameter is typed over {} instead of {}",
            opt_name(&after),
            opt_name(&before)
        );
        let rating = (Impact::Breaking, Impact::None, &rules::TYPE_CHANGE);
        out.push("filter-changed", subject, detail, rating);
    }
    match (&old.paging, &new.paging) {
        (None, Some(_)) => {
            let detail = "the listing now pages: `.into_pager()` and `mde api --all`".to_owned();
            out.push(
                "paging-added",
                subject,
                detail,
                (Impact::Additive, Impact::Additive, &rules::ITEM_NEW),
            );
        }
        (Some(_), None) => {
            let detail =
                "the listing no longer pages: `.into_pager()` and `--all` are gone".to_owned();
            out.push(
                "paging-removed",
                subject,
                detail,
                (Impact::Breaking, Impact::Breaking, &rules::ITEM_REMOVE),
            );
        }
        (Some(before), Some(after)) if before != after => {
            let (detail, rating) = if before.item_type != after.item_type {
                (
                    format!(
                        "pages hold {} instead of {}",
                        type_text(&after.item_type),
                        type_text(&before.item_type)
                    ),
                    (Impact::Breaking, Impact::Patch, &rules::TYPE_CHANGE),
                )
            } else {
                (
                    format!(
                        "paging changed (largest page {} instead of {})",
                        after.max_top, before.max_top
                    ),
                    (Impact::Patch, Impact::Patch, &rules::WIRE_DETAIL),
                )
            };
            out.push("paging-changed", subject, detail, rating);
        }
        _ => {}
    }
}

// --- Permission constants ------------------------------------------------------------------

fn permissions(base: &Api, head: &Api, out: &mut Sink<'_>) {
    for pair in pair_by(&base.permissions, &head.permissions, |permission| permission.name.as_str())
    {
        match pair {
            Paired::Removed(old) => {
                let detail =
                    format!("constant `permissions::{}` (`{}`) is gone", old.name, old.value);
                let rating = (Impact::Breaking, Impact::None, &rules::ITEM_REMOVE);
                out.push("permission-removed", &old.value, detail, rating);
            }
            Paired::Both(..) => {}
            Paired::Added(new) => {
                let detail = format!("new constant `permissions::{}` (`{}`)", new.name, new.value);
                let rating = (Impact::Additive, Impact::None, &rules::ITEM_NEW);
                out.push("permission-added", &new.value, detail, rating);
            }
        }
    }
}

// --- What the command line accepts -----------------------------------------------------------

/// What a flag of the command line (or the JSON it takes for an object) accepts for a value of
/// some type.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Accepts {
    Text,
    Int32,
    Int64,
    Number,
    Bool,
    Timestamp,
    /// One of these wire values (an enum).
    Values(BTreeSet<String>),
    /// JSON read into an object type: (member, optional) pairs.
    Object(BTreeSet<(String, bool)>),
    /// Any JSON.
    Json,
    List(Box<Accepts>),
}

fn accepts(api: &Api, ty: &Type) -> Accepts {
    match ty {
        Type::String => Accepts::Text,
        Type::DateTime => Accepts::Timestamp,
        Type::I32 => Accepts::Int32,
        Type::I64 => Accepts::Int64,
        Type::F64 => Accepts::Number,
        Type::Bool => Accepts::Bool,
        Type::Any => Accepts::Json,
        Type::Array(inner) => Accepts::List(Box::new(accepts(api, inner))),
        Type::Named(name) => match api.types.iter().find(|def| def.name() == name) {
            Some(TypeDef::Enum(def)) => {
                Accepts::Values(def.variants.iter().map(|v| v.wire.clone()).collect())
            }
            Some(TypeDef::Newtype(def)) => accepts(api, &def.inner),
            Some(TypeDef::Struct(def)) => Accepts::Object(
                def.fields.iter().map(|f| (f.wire.clone(), f.is_optional())).collect(),
            ),
            None => Accepts::Json,
        },
    }
}

/// How the command line is affected when what a flag accepts goes from `old` to `new`:
/// nothing, wider (everything accepted before still is), or breaking.
fn cli_retype(old: &Accepts, new: &Accepts) -> Impact {
    use Accepts::*;
    match (old, new) {
        _ if old == new => Impact::None,
        (List(old), List(new)) => cli_retype(old, new),
        (Int32, Int64 | Number) | (Int64, Number) => Impact::Additive,
        (Values(old), Values(new)) if old.is_subset(new) => Impact::Additive,
        (Object(old), Object(new)) if object_widened(old, new) => Impact::Additive,
        // Any text is a string; numbers and booleans are JSON as written.
        (Int32 | Int64 | Number | Bool | Timestamp | Values(_), Text) => Impact::Additive,
        (Int32 | Int64 | Number | Bool, Json) => Impact::Additive,
        _ => Impact::Breaking,
    }
}

/// Every member of `old` is still there, and every member `new` requires was required before.
fn object_widened(old: &BTreeSet<(String, bool)>, new: &BTreeSet<(String, bool)>) -> bool {
    let kept = old.iter().all(|(wire, _)| new.iter().any(|(w, _)| w == wire));
    let required = new.iter().filter(|(_, optional)| !optional);
    kept && required.clone().all(|(wire, _)| old.contains(&(wire.clone(), false)))
}

// --- Helpers -------------------------------------------------------------------------------

/// An item of two lists paired by key: only in the base, in both, or only in the head.
enum Paired<'t, T> {
    Removed(&'t T),
    Both(&'t T, &'t T),
    Added(&'t T),
}

/// The base's items in order, each gone or paired with the head's first item of the same key,
/// then the head's items the base does not have, in order. Keys are looked up in an index, so
/// large specs pair in `n log n`.
fn pair_by<'t, T>(base: &'t [T], head: &'t [T], key: fn(&T) -> &str) -> Vec<Paired<'t, T>> {
    let mut in_head: BTreeMap<&str, &T> = BTreeMap::new();
    for item in head {
        in_head.entry(key(item)).or_insert(item);
    }
    let in_base: BTreeSet<&str> = base.iter().map(key).collect();
    let old = base.iter().map(|item| match in_head.get(key(item)) {
        Some(new) => Paired::Both(item, *new),
        None => Paired::Removed(item),
    });
    let added = head.iter().filter(|item| !in_base.contains(key(item))).map(Paired::Added);
    old.chain(added).collect()
}

/// Rust names of the types reachable from a request body or parameter of `api`.
fn request_types(api: &Api) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = Vec::new();
    for method in &api.methods {
        stack.extend(method.body.iter().cloned());
        for param in &method.params {
            stack.extend(named(&param.ty));
        }
    }
    while let Some(name) = stack.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(def) = crate::ir::struct_named(&api.types, &name) {
            stack.extend(def.fields.iter().filter_map(|f| named(&f.ty)));
        }
    }
    seen
}

/// The named type a value type refers to, through arrays.
fn named(ty: &Type) -> Option<String> {
    match ty {
        Type::Named(name) => Some(name.clone()),
        Type::Array(inner) => named(inner),
        _ => None,
    }
}

/// A value type as the Rust API spells it.
fn type_text(ty: &Type) -> String {
    match ty {
        Type::String => "`String`".to_owned(),
        Type::DateTime => "`Timestamp`".to_owned(),
        Type::I32 => "`i32`".to_owned(),
        Type::I64 => "`i64`".to_owned(),
        Type::F64 => "`f64`".to_owned(),
        Type::Bool => "`bool`".to_owned(),
        Type::Any => "`serde_json::Value`".to_owned(),
        Type::Named(name) => format!("`{name}`"),
        Type::Array(inner) => format!("`Vec<{}>`", type_text(inner).trim_matches('`')),
    }
}

/// `Option<T>` of a value type, as the Rust API spells it.
fn option_text(ty: &Type) -> String {
    format!("`Option<{}>`", type_text(ty).trim_matches('`'))
}

fn opt_name(name: &Option<String>) -> String {
    name.as_ref().map_or_else(|| "none".to_owned(), |name| format!("`{name}`"))
}

fn listed(items: &[String]) -> String {
    if items.is_empty() { "none".to_owned() } else { items.join(", ") }
}

fn quoted(items: &[&String]) -> String {
    items.iter().map(|item| format!("`{item}`")).collect::<Vec<_>>().join(", ")
}
