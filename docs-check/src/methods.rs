//! A method page (`isolate-machine.md`, ...): the request line under "HTTP request", the example
//! requests, the "Request body" table (and the value bullets under it), the documented limits,
//! and the JSON examples; then the permission table, platforms, statuses and `$filter` list
//! through their own modules.
//!
//! Tolerated, as spellings of the same request that Microsoft's pages use:
//!
//! - any host of the spec's servers (`api.security.microsoft.com`, the legacy
//!   `api.securitycenter.microsoft.com`, regional and government hosts);
//! - any placeholder spelling: `{id}`, `{machine_id}`, `{machine action id}`,
//!   `<machineactionid>`, `{command-index}`;
//! - `/API/` for `/api/`, and a trailing slash;
//! - a request line split over lines (`POST` alone, or a break inside `{machine action\nid}`),
//!   a `HTTP GET ...` prefix, and the query string of example requests.
//!
//! Every other difference in a path, including the case of a segment (the service's matching
//! is not documented), is reported.

use super::compare::{DocField, ListKind, Listing, collect_enums, compare_enum, compare_fields};
use super::examples::{self, Labels, Role, is_header_line, json_start};
use super::markdown::{Doc, Fence, Table};
use super::report::{Kind, Sink};
use super::text::{PHRASES, is_identifier, mentions, plain, value_lists};
use super::{Spec, filterable, permissions, platforms, responses};
use codegen::ir::{EnumDef, FilterOp, Method, PathPart, Per, Type, TypeDef};
use std::collections::BTreeMap;

const VERBS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Checks one method page.
pub(crate) fn check(spec: &Spec<'_>, method: &Method, doc: &Doc, sink: &mut Sink<'_>) {
    let template = template_fence(doc);
    match template {
        Some((fence_index, request)) => {
            compare_request(spec, method, &request, true, sink);
            examples_and_requests(spec, method, doc, Some(fence_index), sink);
        }
        None => {
            let line = doc
                .find_heading(|t| t.contains("http request"))
                .map_or(1, |i| doc.headings[i].line);
            sink.push(
                Kind::TableMissing,
                line,
                "HTTP request",
                format!(
                    "no request line (`{} {}`) found under an \"HTTP request\" heading",
                    method.verb.as_str(),
                    method.path_template
                ),
            );
            examples_and_requests(spec, method, doc, None, sink);
        }
    }
    request_body(spec, method, doc, sink);
    prose_value_lists(spec, method, doc, sink);
    limits(method, doc, sink);
    permissions::check(method, doc, sink);
    platforms::check(method, doc, sink);
    responses::check(method, doc, sink);
    filterable::check(spec, method, doc, sink);
}

/// A request line read from a fence.
#[derive(Debug, Clone)]
struct Request {
    verb: String,
    /// The target as written (host included), lines joined.
    target: String,
    line: usize,
    /// How many lines of the fence body the request line used.
    consumed: usize,
}

/// The fence under the "HTTP request" heading that holds a request line (else the first fence
/// outside example sections that does).
fn template_fence(doc: &Doc) -> Option<(usize, Request)> {
    let in_section = doc.find_heading(|t| t.contains("http request")).and_then(|h| {
        let (start, end) = doc.section(h);
        doc.fences
            .iter()
            .enumerate()
            .filter(|(_, f)| f.line > start && f.line < end)
            .find_map(|(i, f)| request_line(&f.body).map(|r| (i, r)))
    });
    in_section.or_else(|| {
        doc.fences.iter().enumerate().find_map(|(i, f)| {
            let in_example = doc.headings_above(f.line).iter().any(|h| h.lower.contains("example"));
            if in_example { None } else { request_line(&f.body).map(|r| (i, r)) }
        })
    })
}

/// The verb and the comparable path (see [`canonical`]) of the page's request line, if any.
pub(crate) fn request_signature(doc: &Doc) -> Option<(String, String)> {
    let (_, request) = template_fence(doc)?;
    let (_, path) = split_target(&request.target);
    Some((request.verb, canonical(&path)))
}

fn is_verb(token: &str) -> bool {
    VERBS.iter().any(|v| v.eq_ignore_ascii_case(token))
}

/// How many more `{` and `<` than `}` and `>` the text has: positive when one is left open.
fn depth(text: &str) -> i64 {
    text.chars()
        .map(|c| match c {
            '{' | '<' => 1,
            '}' | '>' => -1,
            _ => 0,
        })
        .sum()
}

/// Reads `VERB target` from the first non-blank line of a fence body, joining continuation lines.
fn request_line(body: &[(usize, String)]) -> Option<Request> {
    let first = body.iter().position(|(_, l)| !l.trim().is_empty())?;
    let (line, text) = &body[first];
    let mut tokens = text.split_whitespace().peekable();
    let mut verb = tokens.next()?;
    if verb.eq_ignore_ascii_case("HTTP") && tokens.peek().is_some_and(|t| is_verb(t)) {
        verb = tokens.next()?;
    }
    if !is_verb(verb) {
        return None;
    }
    let mut target = tokens.collect::<Vec<_>>().join(" ");
    // The balance of `{`/`<` against `}`/`>` in `target`, kept as lines are joined.
    let mut open_depth = depth(&target);
    let mut next = first + 1;
    while let Some((_, more)) = body.get(next) {
        let more = more.trim();
        if more.is_empty() || is_header_line(more) || more.starts_with('{') || more.starts_with('[')
        {
            break;
        }
        let open = open_depth > 0;
        let joins = target.is_empty()
            || open
            || target.ends_with('/')
            || more.starts_with(['/', '?', '&', '(', '}', '>']);
        if !joins {
            break;
        }
        if open && !target.is_empty() {
            target.push(' ');
        }
        target.push_str(more);
        open_depth += depth(more);
        next += 1;
    }
    if target.is_empty() {
        return None;
    }
    Some(Request { verb: verb.to_ascii_uppercase(), target, line: *line, consumed: next })
}

/// Splits a target into its host (lowercased) and its path without query string, whitespace
/// outside placeholders removed and inside them collapsed.
fn split_target(target: &str) -> (Option<String>, String) {
    let t = target.trim();
    let lower = t.to_ascii_lowercase();
    let scheme = ["https://", "http://"].into_iter().find(|s| lower.starts_with(s));
    let (host, rest) = match scheme {
        Some(s) => {
            let after = &t[s.len()..];
            let slash = after.find('/').unwrap_or(after.len());
            (Some(after[..slash].trim().to_ascii_lowercase()), &after[slash..])
        }
        None => (None, t),
    };
    let mut path = String::new();
    let mut depth = 0;
    let mut pending_space = false;
    for c in rest.chars() {
        match c {
            '?' | '#' if depth == 0 => break,
            '{' | '<' => {
                depth += 1;
                path.push(c);
            }
            '}' | '>' => {
                depth = (depth - 1).max(0);
                pending_space = false;
                path.push(c);
            }
            c if c.is_whitespace() => pending_space = depth > 0,
            c => {
                if pending_space {
                    path.push(' ');
                    pending_space = false;
                }
                path.push(c);
            }
        }
    }
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    (host, path)
}

/// The comparable form of a path: placeholders as `{}`, a leading `/api/` in lower case, no
/// trailing slash.
fn canonical(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' | '<' => {
                if depth == 0 {
                    out.push_str("{}");
                }
                depth += 1;
            }
            '}' | '>' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            c => out.push(c),
        }
    }
    lower_api_prefix(out.trim_end_matches('/'))
}

fn lower_api_prefix(path: &str) -> String {
    match path.get(..5) {
        Some(prefix) if prefix.eq_ignore_ascii_case("/api/") => format!("/api/{}", &path[5..]),
        _ if path.eq_ignore_ascii_case("/api") => "/api".to_owned(),
        _ => path.to_owned(),
    }
}

/// The spec's path in the comparable form.
pub(crate) fn spec_canonical(method: &Method) -> String {
    let text: String = method
        .path
        .iter()
        .map(|part| match part {
            PathPart::Literal(s) => s.clone(),
            PathPart::Param(_) => "{}".to_owned(),
        })
        .collect();
    lower_api_prefix(text.trim_end_matches('/'))
}

/// True when the concrete `path` fits `pattern`, whose `{}` stand for one or more characters
/// other than `/`.
fn fits(pattern: &str, path: &str) -> bool {
    match pattern.split_once("{}") {
        None => pattern == path,
        Some((literal, rest)) => {
            let Some(after) = path.strip_prefix(literal) else {
                return false;
            };
            let limit = after.find('/').unwrap_or(after.len());
            (1..=limit).any(|n| after.is_char_boundary(n) && fits(rest, &after[n..]))
        }
    }
}

/// Compares a request line (the template, or an example request) with the spec.
fn compare_request(
    spec: &Spec<'_>,
    method: &Method,
    request: &Request,
    template: bool,
    sink: &mut Sink<'_>,
) {
    let what = if template { "the request line" } else { "an example request" };
    let spec_verb = method.verb.as_str();
    if request.verb != spec_verb {
        sink.push(
            Kind::VerbChanged,
            request.line,
            request.verb.clone(),
            format!(
                "{what} uses {}; the spec's {} uses {spec_verb}",
                request.verb, method.spec_name
            ),
        );
    }
    let (host, path) = split_target(&request.target);
    if let Some(host) = host
        && !host.is_empty()
        && !spec.hosts.contains(&host)
    {
        sink.push(
            Kind::HostChanged,
            request.line,
            host.clone(),
            format!(
                "{what} goes to {host}, which is not the host of any server in the spec's x-servers"
            ),
        );
    }
    let expected = spec_canonical(method);
    let same =
        if template { canonical(&path) == expected } else { fits(&expected, &canonical(&path)) };
    if !same {
        let hint = if canonical(&path).eq_ignore_ascii_case(&expected) {
            " (the case of a segment differs)"
        } else {
            ""
        };
        sink.push(
            Kind::PathChanged,
            request.line,
            canonical(&path),
            format!(
                "{what} has the path `{path}`; the spec's {} has `{}`{hint}",
                method.spec_name, method.path_template
            ),
        );
    }
}

/// Example requests and JSON examples in every fence but the template.
fn examples_and_requests(
    spec: &Spec<'_>,
    method: &Method,
    doc: &Doc,
    template: Option<usize>,
    sink: &mut Sink<'_>,
) {
    let mut labels = Labels::new(doc);
    for (index, fence) in doc.fences.iter().enumerate() {
        if Some(index) == template {
            continue;
        }
        let request = request_line(&fence.body);
        if let Some(request) = &request {
            compare_request(spec, method, request, false, sink);
            check_filter(spec, method, request, sink);
        }
        let rest: &[(usize, String)] = match &request {
            Some(r) => fence.body.get(r.consumed..).unwrap_or(&[]),
            None => &fence.body,
        };
        let start = json_start(rest);
        if start.is_none() && (request.is_some() || !is_json_lang(fence)) {
            continue;
        }
        let label = labels.next(fence.line);
        let Some((start, status)) = start else {
            let text = rest.iter().map(|(_, l)| l.trim()).find(|l| !l.is_empty()).unwrap_or("");
            let line =
                rest.iter().find(|(_, l)| !l.trim().is_empty()).map_or(fence.line, |(n, _)| *n);
            sink.push(
                Kind::ExampleUnparsable,
                line,
                label.clone(),
                format!(
                    "{label}: the json block does not hold a JSON value (it starts `{}`)",
                    truncate(text, 40)
                ),
            );
            continue;
        };
        let role = if request.is_some() {
            Role::Request
        } else if status {
            Role::Response
        } else {
            heading_role(doc, fence.line).unwrap_or(if method.body.is_some() {
                Role::Request
            } else {
                Role::Response
            })
        };
        match role {
            Role::Request => match &method.body {
                Some(body) => {
                    examples::check(
                        spec,
                        rest,
                        start,
                        &Type::Named(body.clone()),
                        Role::Request,
                        &label,
                        sink,
                    );
                }
                None => sink.push(
                    Kind::ExampleInvalid,
                    rest.get(start).map_or(fence.line, |(n, _)| *n),
                    "(request body)",
                    format!(
                        "{label}: the page shows a request body, but {} sends none",
                        method.spec_name
                    ),
                ),
            },
            Role::Response => {
                let ty = Type::Named(method.response.clone());
                examples::check(spec, rest, start, &ty, Role::Response, &label, sink);
            }
        }
    }
}

fn is_json_lang(fence: &Fence) -> bool {
    matches!(fence.lang.as_str(), "json" | "javascript" | "js")
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}...", text.chars().take(max).collect::<String>())
    }
}

/// Request or response, from the nearest heading that says which.
fn heading_role(doc: &Doc, line: usize) -> Option<Role> {
    doc.headings_above(line).iter().rev().find_map(|h| {
        let text = &h.lower;
        if text.contains("response") {
            Some(Role::Response)
        } else if text.contains("request") {
            Some(Role::Request)
        } else {
            None
        }
    })
}

/// The "Request body" section: its table (or "Empty") against the spec's body.
fn request_body(spec: &Spec<'_>, method: &Method, doc: &Doc, sink: &mut Sink<'_>) {
    let Some(heading) = doc.find_heading(|t| t.contains("request body")) else {
        return;
    };
    let (start, end) = doc.section(heading);
    let table = doc.tables.iter().find(|t| {
        t.header_line > start
            && t.header_line < end
            && matches!(
                plain(t.header.first().map_or("", String::as_str)).to_lowercase().as_str(),
                "parameter" | "name" | "field" | "property" | "parameter name"
            )
    });
    let body = method.body.as_deref().and_then(|name| spec.struct_def(name));
    let Some(table) = table else {
        let says_empty = (start + 1..end).any(|n| {
            doc.is_prose(n)
                && doc.line(n).split_whitespace().any(|w| {
                    w.trim_matches(|c: char| !c.is_alphanumeric()).eq_ignore_ascii_case("empty")
                })
        });
        if says_empty && let Some(def) = body {
            sink.push(
                Kind::BodyRemoved,
                doc.headings[heading].line,
                def.name.clone(),
                format!(
                    "the page says the request body is empty; the spec's {} sends a {}",
                    method.spec_name, def.name
                ),
            );
        }
        return;
    };
    let fields = body_fields(doc, table, end);
    match body {
        Some(def) => compare_fields(spec, &fields, def, &ListKind::body(), table.end_line(), sink),
        None => {
            for field in &fields {
                sink.push(
                    Kind::BodyFieldAdded,
                    field.line,
                    field.name.clone(),
                    format!(
                        "the request body table lists `{}`, but the spec's {} sends no body",
                        field.name, method.spec_name
                    ),
                );
            }
        }
    }
}

/// The rows of a request body table, with Required marks and the values listed in an
/// "Allowed values" column or in bullets under the table ("**ScanType** ... one of the
/// following:" then "- **Quick**: ...").
fn body_fields(doc: &Doc, table: &Table, section_end: usize) -> Vec<DocField> {
    let type_col = table.column(|h| h == "type" || h == "data type");
    let desc_col =
        table.column(|h| h.contains("description")).or(table.header.len().checked_sub(1));
    let required_col = table.column(|h| h == "required" || h == "mandatory");
    let values_col = table.column(|h| h.contains("allowed") || h.contains("values"));
    let mut fields: Vec<DocField> = table
        .rows
        .iter()
        .filter_map(|row| {
            let name = plain(row.cell(0));
            if name.is_empty() {
                return None;
            }
            let mut desc = desc_col.map_or("", |c| row.cell(c)).to_owned();
            if let Some(c) = values_col.filter(|c| Some(*c) != desc_col) {
                desc = format!("{desc} Allowed values are: {}.", row.cell(c));
            }
            let required = match required_col {
                Some(c) => matches!(
                    plain(row.cell(c)).to_lowercase().as_str(),
                    "yes" | "required" | "true" | "y" | "x" | "✓" | "✔"
                ),
                None => required_mark(&desc),
            };
            Some(DocField {
                name,
                line: row.line,
                type_cell: type_col.map_or("", |c| row.cell(c)).to_owned(),
                desc,
                required: Some(required),
                extra_values: Vec::new(),
            })
        })
        .collect();

    // The first row of each name, for the bold names that introduce bullets.
    let mut rows_by_name: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, field) in fields.iter().enumerate() {
        rows_by_name.entry(field.name.as_str()).or_insert(index);
    }
    let mut bullets: Vec<(usize, String, usize)> = Vec::new();
    let mut current: Option<usize> = None;
    for n in table.end_line()..section_end {
        if !doc.is_prose(n) {
            current = None;
            continue;
        }
        let line = doc.line(n).trim();
        if line.is_empty() {
            continue;
        }
        if let Some(item) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
            if let Some(index) = current {
                let token = item.split(':').next().unwrap_or("");
                let token = plain(token);
                if is_identifier(&token) {
                    bullets.push((index, token, n));
                }
            }
            continue;
        }
        current = None;
        if let Some(rest) = line.strip_prefix("**")
            && let Some(close) = rest.find("**")
        {
            let name = &rest[..close];
            let lower = line.to_lowercase();
            if lower.contains("one of") || lower.contains("values") || lower.contains("following") {
                current = rows_by_name.get(name).copied();
            }
        }
    }
    for (index, token, n) in bullets {
        fields[index].extra_values.push((token, n));
    }
    fields
}

/// True when a description carries a Required mark: a sentence that is just "Required".
fn required_mark(desc: &str) -> bool {
    plain(desc).split('.').any(|sentence| sentence.trim().eq_ignore_ascii_case("required"))
}

/// A limit stated on the page.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Limit {
    calls: u64,
    unit: &'static str,
    line: usize,
}

/// What the page states about limits: call rates ("100 calls per minute"), the page size
/// ("Maximum page size is 10,000") and the `$top` maximum ("`$stop` with max value of
/// 10,000", "`$top` ... up to 10,000"), each with its line.
#[derive(Debug, Default)]
struct Stated {
    rates: Vec<Limit>,
    page_size: Option<(u64, usize)>,
    top: Option<(u64, usize)>,
}

/// Words that, after `$top`, introduce its maximum.
const MAXIMUM_WORDS: [&str; 6] = ["max", "maximum", "most", "limit", "up", "maximal"];

/// True when a word as written holds `$top`, or the page's typo `$stop`, in any case.
fn names_top(raw: &str) -> bool {
    let holds =
        |name: &[u8]| raw.as_bytes().windows(name.len()).any(|w| w.eq_ignore_ascii_case(name));
    raw.contains('$') && (holds(b"$top") || holds(b"$stop"))
}

fn stated_limits(doc: &Doc) -> Stated {
    let words = doc.words();
    let mut stated = Stated::default();
    for i in 0..words.len() {
        let at = |k: usize| words.text(i + k);
        let digits = |k: usize| words.get(i + k).filter(|w| w.digits).and_then(|w| w.number);
        let line = |k: usize| words.get(i + k).map_or(0, |w| w.line);
        if let Some(calls) = digits(0)
            && matches!(at(1), "calls" | "call" | "requests" | "request")
            && at(2) == "per"
        {
            let unit =
                ["minute", "hour", "second", "day"].into_iter().find(|u| at(3).starts_with(u));
            if let Some(unit) = unit {
                stated.rates.push(Limit { calls, unit, line: line(0) });
            }
        }
        if stated.page_size.is_none() && at(0) == "page" && at(1) == "size" {
            let value =
                digits(2).or_else(|| matches!(at(2), "is" | "of").then(|| digits(3)).flatten());
            if let Some(value) = value {
                stated.page_size = Some((value, line(0)));
            }
        }
        if stated.top.is_none() && names_top(words.raw(doc, i)) {
            let keyword = (1..=6).find(|k| MAXIMUM_WORDS.contains(&at(*k)));
            if let Some(k) = keyword
                && let Some(n) = (k + 1..=k + 4).find(|n| digits(*n).is_some())
                && let Some(value) = digits(n)
            {
                stated.top = Some((value, line(n)));
            }
        }
    }
    stated.rates.dedup_by(|a, b| a.calls == b.calls && a.unit == b.unit);
    stated
}

/// Documented limits against the method's `rateLimits` and `paging.maxTop`.
fn limits(method: &Method, doc: &Doc, sink: &mut Sink<'_>) {
    let Stated { rates: stated, page_size, top } = stated_limits(doc);
    let section = doc.find_heading(|t| t.contains("limit"));
    // A page without a Limitations section, stating no limit, says nothing about limits: the
    // spec's limits are then not "removed" from it.
    let covers_limits =
        section.is_some() || !stated.is_empty() || page_size.is_some() || top.is_some();
    let anchor = section
        .or_else(|| doc.headings.iter().position(|h| h.level == 1))
        .map_or(1, |i| doc.headings[i].line);
    for (unit, per) in [("minute", Per::Minute), ("hour", Per::Hour)] {
        let spec = method.rate_limits.iter().find(|l| l.per == per).map(|l| u64::from(l.calls));
        let on_page: Vec<&Limit> = stated.iter().filter(|l| l.unit == unit).collect();
        let subject = format!("per {unit}");
        match spec {
            Some(expected) => {
                if on_page.is_empty() && covers_limits {
                    sink.push(
                        Kind::LimitRemoved,
                        anchor,
                        subject.clone(),
                        format!("the spec limits {} to {expected} calls per {unit}; the page states no such limit", method.spec_name),
                    );
                }
                for limit in on_page.iter().filter(|l| l.calls != expected) {
                    sink.push_limit(
                        Kind::LimitChanged,
                        limit.line,
                        subject.clone(),
                        limit.calls.to_string(),
                        format!(
                            "the page states {} calls per {unit}; the spec's {} has {expected}",
                            limit.calls, method.spec_name
                        ),
                    );
                }
            }
            None => {
                for limit in on_page {
                    sink.push_limit(
                        Kind::LimitAdded,
                        limit.line,
                        subject.clone(),
                        limit.calls.to_string(),
                        format!(
                            "the page states {} calls per {unit}; the spec's {} has no such limit",
                            limit.calls, method.spec_name
                        ),
                    );
                }
            }
        }
    }
    for limit in stated.iter().filter(|l| matches!(l.unit, "second" | "day")) {
        sink.push_limit(
            Kind::LimitAdded,
            limit.line,
            format!("per {}", limit.unit),
            limit.calls.to_string(),
            format!(
                "the page states {} calls per {}; the spec's rateLimits can only say per minute or per hour",
                limit.calls, limit.unit
            ),
        );
    }
    let spec_size = method.paging.as_ref().map(|p| u64::from(p.max_top));
    match (page_size, spec_size) {
        (Some((size, line)), Some(expected)) if size != expected => sink.push_limit(
            Kind::LimitChanged,
            line,
            "page size",
            size.to_string(),
            format!("the page states a maximum page size of {size}; the spec's paging.maxTop is {expected}"),
        ),
        (Some((size, line)), None) => sink.push_limit(
            Kind::LimitAdded,
            line,
            "page size",
            size.to_string(),
            format!("the page states a maximum page size of {size}; the spec's {} does not page", method.spec_name),
        ),
        (None, Some(expected)) if covers_limits => sink.push(
            Kind::LimitRemoved,
            anchor,
            "page size",
            format!("the spec's paging.maxTop is {expected}; the page states no maximum page size"),
        ),
        _ => {}
    }
    // The `$top` maximum: the query parameter's `maximum`, else paging.maxTop.
    let top_name = method.paging.as_ref().map_or("$top", |p| p.top.as_str());
    let param_max = method
        .params
        .iter()
        .find(|p| p.wire == top_name)
        .and_then(|p| p.maximum)
        .and_then(|m| u64::try_from(m).ok());
    let spec_top = param_max.or(spec_size);
    match (top, spec_top) {
        (Some((max, line)), Some(expected)) if max != expected => sink.push_limit(
            Kind::LimitChanged,
            line,
            "$top",
            max.to_string(),
            format!(
                "the page gives $top a maximum of {max}; the spec's {} allows at most {expected} \
                 (its {top_name} parameter and paging.maxTop)",
                method.spec_name
            ),
        ),
        (Some((max, line)), None) => sink.push_limit(
            Kind::LimitAdded,
            line,
            "$top",
            max.to_string(),
            format!(
                "the page gives $top a maximum of {max}; the spec's {} has no $top maximum",
                method.spec_name
            ),
        ),
        (None, Some(expected)) if covers_limits => sink.push(
            Kind::LimitRemoved,
            anchor,
            "$top",
            format!(
                "the spec's {} allows $top up to {expected}; the page states no $top maximum",
                method.spec_name
            ),
        ),
        _ => {}
    }
}

/// Value lists in the page's prose, outside tables ("Possible values for each command status
/// are "Created", "Completed", and "Failed"."), compared with the spec enum they overlap most:
/// first the enums of the method's request and response models (named by member path, such as
/// `commands[].commandStatus`), then any enum of the spec (named by its type name).
fn prose_value_lists(spec: &Spec<'_>, method: &Method, doc: &Doc, sink: &mut Sink<'_>) {
    let usable = |n: usize| {
        let line = doc.line(n).trim();
        doc.is_prose(n) && !line.is_empty() && !line.starts_with('#') && !doc.is_table_line(n)
    };
    let mut candidates: Vec<(String, &EnumDef)> = Vec::new();
    let models = method.body.iter().chain(std::iter::once(&method.response));
    for model in models {
        collect_enums(spec, &Type::Named(model.clone()), String::new(), 0, &mut candidates);
    }
    for path in &mut candidates {
        path.0 = path.0.trim_start_matches('.').to_owned();
    }
    for ty in &spec.api.types {
        if let TypeDef::Enum(def) = ty {
            candidates.push((def.name.clone(), def));
        }
    }

    let mut n = 1;
    while n <= doc.lines.len() {
        if !usable(n) {
            n += 1;
            continue;
        }
        let start = n;
        while n <= doc.lines.len() && usable(n) {
            n += 1;
        }
        let lines: Vec<usize> = (start..n).collect();
        let text: Vec<&str> = lines.iter().map(|&l| doc.line(l).trim()).collect();
        let paragraph = text.join(" ");
        let lower = paragraph.to_ascii_lowercase();
        if !PHRASES.iter().any(|p| lower.contains(p)) {
            continue;
        }
        let phrase_line = lines
            .iter()
            .copied()
            .find(|&l| {
                let lower = doc.line(l).to_ascii_lowercase();
                PHRASES.iter().any(|p| lower.contains(p))
            })
            .unwrap_or(start);
        let mut mentions = FirstMention::new(doc, phrase_line, n);
        for list in value_lists(&paragraph) {
            let overlap = |def: &EnumDef| {
                list.values.iter().filter(|v| def.variants.iter().any(|x| &x.wire == *v)).count()
            };
            let best = candidates
                .iter()
                .map(|(path, def)| (overlap(def), path, *def))
                .filter(|(o, _, _)| *o > 0)
                .fold(None::<(usize, &String, &EnumDef)>, |best, c| match best {
                    Some(b) if b.0 >= c.0 => Some(b),
                    _ => Some(c),
                });
            let Some((_, subject, def)) = best else {
                continue;
            };
            let values: Vec<(String, usize)> =
                list.values.iter().map(|v| (v.clone(), mentions.line(v))).collect();
            let listing = Listing { values: &values, present: &values };
            let note = if *subject == def.name {
                " (a value list in the page's text)".to_owned()
            } else {
                format!(" (a value list in the page's text, compared with {})", def.name)
            };
            compare_enum(&listing, def, subject, phrase_line, &note, sink);
        }
    }
}

/// Where a paragraph's listed values are mentioned: for each value, the first line from the
/// line of the paragraph's first phrase on that mentions it as a whole word (else that line).
/// Each line is read once: values that are single words are looked up in an index of the
/// paragraph's words, built when first needed; other values are searched for once each.
#[derive(Debug)]
struct FirstMention<'d> {
    doc: &'d Doc,
    /// The first line searched (the phrase's), and the line after the paragraph.
    from: usize,
    to: usize,
    /// The first line of each word (a run of ASCII letters, digits and `_`) from `from` on.
    words: Option<BTreeMap<&'d str, usize>>,
    /// The lines found for values that are not single words.
    others: BTreeMap<String, usize>,
}

impl<'d> FirstMention<'d> {
    fn new(doc: &'d Doc, from: usize, to: usize) -> Self {
        Self { doc, from, to, words: None, others: BTreeMap::new() }
    }

    fn line(&mut self, value: &str) -> usize {
        let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let (doc, from, to) = (self.doc, self.from, self.to);
        if !value.is_empty() && value.chars().all(is_word) {
            // A whole-word mention of a single word is a word of the line equal to it.
            let words = self.words.get_or_insert_with(|| {
                let mut words = BTreeMap::new();
                for l in from..to {
                    for word in doc.line(l).split(|c: char| !is_word(c)) {
                        if !word.is_empty() {
                            words.entry(word).or_insert(l);
                        }
                    }
                }
                words
            });
            return words.get(value).copied().unwrap_or(from);
        }
        *self
            .others
            .entry(value.to_owned())
            .or_insert_with(|| (from..to).find(|&l| mentions(doc.line(l), value)).unwrap_or(from))
    }
}

/// OData keywords and literals of a `$filter` expression: not property names.
const FILTER_WORDS: [&str; 19] = [
    "and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le", "in", "has", "true", "false", "null",
    "add", "sub", "mul", "div", "mod",
];

/// The `$filter` expression of a request target, decoded (`%20` and `+` as spaces).
fn filter_expression(target: &str) -> Option<String> {
    let (_, query) = target.split_once('?')?;
    let mut parts: Vec<String> = vec![String::new()];
    let mut quoted = false;
    for c in query.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                parts.last_mut()?.push(c);
            }
            '&' if !quoted => parts.push(String::new()),
            c => parts.last_mut()?.push(c),
        }
    }
    let part =
        parts.into_iter().find(|p| p.trim_start().to_ascii_lowercase().starts_with("$filter="))?;
    let expression = part.trim_start()["$filter=".len()..].to_owned();
    let decoded = expression
        .replace("%20", " ")
        .replace("%27", "'")
        .replace("%28", "(")
        .replace("%29", ")")
        .replace("%2C", ",")
        .replace("%2c", ",")
        .replace('+', " ");
    Some(decoded)
}

/// The properties a `$filter` expression compares, each with the operator that follows it.
fn filter_properties(expression: &str) -> Vec<(String, Option<String>)> {
    let chars: Vec<char> = expression.chars().collect();
    let mut words: Vec<(String, bool)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
        } else if c.is_ascii_digit() {
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || "-:.+_".contains(chars[i]))
            {
                i += 1;
            }
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || "_/.".contains(chars[i]))
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let next = chars[i..].iter().find(|c| !c.is_whitespace());
            words.push((word, next == Some(&'(')));
        } else {
            i += 1;
        }
    }
    let mut out = Vec::new();
    for (index, (word, call)) in words.iter().enumerate() {
        if *call || FILTER_WORDS.contains(&word.to_ascii_lowercase().as_str()) {
            continue;
        }
        let op = words
            .get(index + 1)
            .map(|(w, _)| w.to_ascii_lowercase())
            .filter(|w| FilterOp::ALL.iter().any(|(s, _)| s == w));
        out.push((word.clone(), op));
    }
    out
}

/// An example request's `$filter` against the properties the spec lets `$filter` use.
fn check_filter(spec: &Spec<'_>, method: &Method, request: &Request, sink: &mut Sink<'_>) {
    let Some(expression) = filter_expression(&request.target) else {
        return;
    };
    let model = method.filter.as_ref().and_then(|(name, _)| spec.struct_def(name));
    let Some(model) = model else {
        sink.push(
            Kind::ExampleFilterInvalid,
            request.line,
            "$filter",
            format!(
                "an example request uses $filter, but the spec's {} takes none",
                method.spec_name
            ),
        );
        return;
    };
    for (name, op) in filter_properties(&expression) {
        let property = name.split('/').next().unwrap_or(&name);
        let field = model
            .fields
            .iter()
            .find(|f| f.wire == property || f.aliases.iter().any(|a| a == property));
        let Some(field) = field else {
            let twin = model.fields.iter().find(|f| f.wire.eq_ignore_ascii_case(property));
            let hint = match twin {
                Some(f) => format!(" (it has `{}`; names are case-sensitive)", f.wire),
                None => String::new(),
            };
            sink.push(
                Kind::ExampleFilterInvalid,
                request.line,
                name.clone(),
                format!(
                    "an example request filters on `{name}`, which is not a member of {}{hint}",
                    model.name
                ),
            );
            continue;
        };
        if field.filter_ops.is_empty() {
            sink.push(
                Kind::ExampleFilterInvalid,
                request.line,
                name.clone(),
                format!(
                    "an example request filters on `{name}`, which the spec does not mark \
                     filterable (x-filterable) on {}",
                    model.name
                ),
            );
            continue;
        }
        if let Some(op) = op
            && !field.filter_ops.iter().any(|f| f.as_str() == op)
        {
            let allowed: Vec<&str> = field.filter_ops.iter().map(|f| f.as_str()).collect();
            sink.push(
                Kind::ExampleFilterInvalid,
                request.line,
                format!("{name} {op}"),
                format!(
                    "an example request compares `{name}` with `{op}`; the spec allows only {} \
                     for it",
                    allowed.join(", ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(lines: &[&str]) -> Vec<(usize, String)> {
        lines.iter().enumerate().map(|(i, l)| (i + 1, (*l).to_owned())).collect()
    }

    #[test]
    fn request_lines_split_and_prefixed() {
        let r = request_line(&body(&["POST", "https://h/api/machineactions/1/cancel"])).unwrap();
        assert_eq!(
            (r.verb.as_str(), r.target.as_str(), r.consumed),
            ("POST", "https://h/api/machineactions/1/cancel", 2)
        );
        let r = request_line(&body(&[
            "GET https://h/api/machineactions/{machine action",
            "id}/X(index={command-index})",
        ]))
        .unwrap();
        assert_eq!(
            split_target(&r.target).1,
            "/api/machineactions/{machine action id}/X(index={command-index})"
        );
        let r = request_line(&body(&["HTTP GET  https://h/api/x?$filter=a eq 'b'"])).unwrap();
        assert_eq!(split_target(&r.target), (Some("h".to_owned()), "/api/x".to_owned()));
        assert!(request_line(&body(&["HTTP/1.1 200 Ok"])).is_none());
    }

    #[test]
    fn paths_compare_with_tolerances() {
        assert_eq!(
            canonical("/API/machines/{machine_id}/runliveresponse"),
            "/api/machines/{}/runliveresponse"
        );
        assert_eq!(
            canonical("/api/machineactions/<machineactionid>/cancel/"),
            "/api/machineactions/{}/cancel"
        );
        assert!(fits("/api/machineactions/{}/X(index={})", "/api/machineactions/9/X(index=0)"));
        assert!(!fits("/api/machines/{}/isolate", "/api/machines/1/2/isolate"));
    }
}
