//! The route table: each operation's verb and path template, as the SDK's operation constants
//! give them, compiled into a matcher, plus the two routes outside the API (the token
//! endpoint and the signed download links).
//!
//! Paths match without regard to ASCII case, as the documented paths mix `isolate`,
//! `StopAndQuarantineFile`, `/API/` and `GetPackageUri`, and `/api/v1.0/...` is the same as
//! `/api/...`, as on the service. A template segment is literal text, a `{parameter}`, an OData
//! function call such as `GetLiveResponseResultDownloadLink(index={index})` or
//! `findbyip(ip='{ip}',timestamp={timestamp})` (a quoted argument is a string literal), or any
//! other mix of text and parameters.

use hyper::Method;

use crate::route::{Operation, Route};

/// The values of a request's path parameters, under the names the template gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Params(Vec<(&'static str, String)>);

impl Params {
    /// The value of parameter `name`, if the path had one.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| *key == name).map(|(_, value)| value.as_str())
    }
}

/// What a request addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// An operation of the API, with the parameters found in its path.
    Api { operation: &'static Operation, params: Params },
    /// The token endpoint of `tenant`: v2 (`/{tenant}/oauth2/v2.0/token`, with `scope`) or,
    /// when `legacy`, v1 (`/{tenant}/oauth2/token`, with `resource`).
    Token { tenant: String, legacy: bool },
    /// A signed download link.
    Download,
    /// A known path with the wrong method; `allow` lists the methods it has, for the `Allow`
    /// header (RFC 9110, 15.5.6).
    MethodNotAllowed { allow: String },
    /// Nothing here.
    NotFound,
}

impl Target {
    /// The route, when the request matched one.
    pub fn route(&self) -> Option<Route> {
        match self {
            Target::Api { operation, .. } => Some(Route::Api(operation)),
            Target::Token { .. } => Some(Route::Token),
            Target::Download => Some(Route::Download),
            Target::MethodNotAllowed { .. } | Target::NotFound => None,
        }
    }
}

/// One argument of a function-call segment: `key={param}`, or `key='{param}'` when quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Arg {
    key: &'static str,
    param: &'static str,
    quoted: bool,
}

/// One piece of a template segment.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(&'static str),
    Param(&'static str),
}

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// Text only: the same text in any ASCII case.
    Literal(&'static str),
    /// `{name}`: any one segment.
    Param(&'static str),
    /// An OData function call, `Name(key={param},key='{param}',...)`: the name in any case,
    /// then nothing or the arguments in parentheses, in any order, keys in any case, spaces
    /// allowed. A quoted argument takes a string literal (`'10.0.0.1'`, `''` for a quote), whose
    /// text is the parameter. Arguments that are missing or malformed (a quoted one without
    /// quotes) are left out, for the handler to report as missing.
    Call { name: &'static str, args: Vec<Arg> },
    /// Any other mix of text (in any case) and parameters (each at least one character).
    Mixed(Vec<Part>),
}

impl Segment {
    /// Compiles one segment of a template.
    fn parse(template: &'static str) -> Segment {
        let parts = parts(template);
        match parts.as_slice() {
            [] => Segment::Literal(""),
            [Part::Text(text)] => Segment::Literal(text),
            [Part::Param(name)] => Segment::Param(name),
            _ => call(&parts).unwrap_or(Segment::Mixed(parts)),
        }
    }

    /// How specific the segment is: a template of literal text wins over one with parameters
    /// where both match.
    fn specificity(&self) -> usize {
        match self {
            Segment::Literal(_) => 3,
            Segment::Call { .. } => 2,
            Segment::Mixed(_) => 1,
            Segment::Param(_) => 0,
        }
    }

    /// Matches one request segment (percent-decoded), adding the parameters it holds.
    fn matches(&self, segment: &str, params: &mut Vec<(&'static str, String)>) -> bool {
        match self {
            Segment::Literal(text) => segment.eq_ignore_ascii_case(text),
            Segment::Param(name) => {
                params.push((name, segment.to_owned()));
                true
            }
            Segment::Call { name, args } => {
                let Some(rest) = strip_prefix_ignore_case(segment, name) else { return false };
                let rest = rest.trim();
                if rest.is_empty() {
                    return true;
                }
                let Some(inside) = rest.strip_prefix('(') else { return false };
                for argument in split_arguments(inside.strip_suffix(')').unwrap_or_default()) {
                    let Some((key, value)) = argument.split_once('=') else { continue };
                    let Some(arg) =
                        args.iter().find(|arg| arg.key.eq_ignore_ascii_case(key.trim()))
                    else {
                        continue;
                    };
                    let value = value.trim();
                    if !arg.quoted {
                        params.push((arg.param, value.to_owned()));
                    } else if let Some(text) = string_literal(value) {
                        params.push((arg.param, text));
                    }
                }
                true
            }
            Segment::Mixed(parts) => {
                let mark = params.len();
                let matched = match_parts(parts, segment, params);
                if !matched {
                    params.truncate(mark);
                }
                matched
            }
        }
    }
}

/// `segment` split into text and `{parameter}` pieces. A brace that does not open a
/// parameter name is text.
fn parts(segment: &'static str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut text_start = 0;
    let mut rest = segment;
    let mut offset = 0;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}');
        let name = close.map(|close| &after[..close]);
        match name {
            Some(name) if !name.is_empty() && !name.contains('{') => {
                let start = offset + open;
                if start > text_start {
                    parts.push(Part::Text(&segment[text_start..start]));
                }
                parts.push(Part::Param(name));
                let consumed = open + 1 + name.len() + 1;
                offset += consumed;
                rest = &rest[consumed..];
                text_start = offset;
            }
            _ => {
                offset += open + 1;
                rest = &rest[open + 1..];
            }
        }
    }
    if text_start < segment.len() {
        parts.push(Part::Text(&segment[text_start..]));
    }
    parts
}

/// `Name(key={param},key='{param}')` as a [`Segment::Call`], if `parts` has that shape.
fn call(parts: &[Part]) -> Option<Segment> {
    /// `key=` or `key='`: the key, and whether its value is quoted.
    fn key_of(text: &'static str) -> Option<(&'static str, bool)> {
        match text.strip_suffix("='") {
            Some(key) => Some((key, true)),
            None => text.strip_suffix('=').map(|key| (key, false)),
        }
    }
    /// `text` after the closing quote of a quoted value.
    fn closed(text: &'static str, quoted: bool) -> Option<&'static str> {
        if quoted { text.strip_prefix('\'') } else { Some(text) }
    }
    let (Part::Text(first), rest) = parts.split_first()? else { return None };
    let (name, opening) = first.split_once('(')?;
    if name.is_empty() || name.contains(')') {
        return None;
    }
    let (mut key, mut quoted) = key_of(opening)?;
    let (Part::Text(last), middle) = rest.split_last()? else { return None };
    // `middle` alternates parameter, separator (`,key=`, `',key='`, ...), parameter, ...
    let mut args = Vec::new();
    for (i, part) in middle.iter().enumerate() {
        match (i % 2, part) {
            (0, Part::Param(param)) => args.push(Arg { key, param, quoted }),
            (1, Part::Text(separator)) => {
                (key, quoted) = key_of(closed(separator, quoted)?.strip_prefix(',')?)?;
            }
            _ => return None,
        }
    }
    let well_formed = middle.len() % 2 == 1
        && closed(last, quoted)? == ")"
        && args
            .iter()
            .all(|arg| !arg.key.is_empty() && !arg.key.contains(['(', ')', ',', '=', '\'']));
    well_formed.then_some(Segment::Call { name, args })
}

/// The arguments of a function call, split at the commas outside string literals.
fn split_arguments(inside: &str) -> Vec<&str> {
    let mut arguments = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in inside.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            ',' if !quoted => {
                arguments.push(&inside[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    arguments.push(&inside[start..]);
    arguments
}

/// The text of an OData string literal (`'it''s'` is `it's`), if `value` is one.
fn string_literal(value: &str) -> Option<String> {
    let inner = value.strip_prefix('\'')?.strip_suffix('\'')?;
    // A lone quote inside would have ended the literal.
    (!inner.replace("''", "").contains('\'')).then(|| inner.replace("''", "'"))
}

/// `text` without `prefix`, compared without regard to ASCII case.
fn strip_prefix_ignore_case<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

/// Matches `text` against `parts`; each parameter takes the shortest value that lets the rest
/// match.
fn match_parts(parts: &[Part], text: &str, params: &mut Vec<(&'static str, String)>) -> bool {
    match parts.split_first() {
        None => text.is_empty(),
        Some((Part::Text(literal), rest)) => strip_prefix_ignore_case(text, literal)
            .is_some_and(|remaining| match_parts(rest, remaining, params)),
        Some((Part::Param(name), rest)) => {
            for end in (1..=text.len()).filter(|&end| text.is_char_boundary(end)) {
                let mark = params.len();
                params.push((name, text[..end].to_owned()));
                if match_parts(rest, &text[end..], params) {
                    return true;
                }
                params.truncate(mark);
            }
            false
        }
    }
}

/// One operation's matcher.
#[derive(Debug, Clone)]
struct Entry {
    operation: &'static Operation,
    method: Method,
    segments: Vec<Segment>,
}

impl Entry {
    fn new(operation: &'static Operation) -> Self {
        let segments =
            operation.path.split('/').filter(|s| !s.is_empty()).map(Segment::parse).collect();
        Self { operation, method: operation.verb.to_method(), segments }
    }

    fn specificity(&self) -> usize {
        self.segments.iter().map(Segment::specificity).sum()
    }

    /// The path parameters, if `path` is this operation's path.
    fn matches(&self, path: &[&str]) -> Option<Params> {
        if path.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        let all =
            self.segments.iter().zip(path).all(|(segment, s)| segment.matches(s, &mut params));
        all.then_some(Params(params))
    }
}

/// Every route the simulator serves, as matchers.
#[derive(Debug, Clone)]
pub(crate) struct RouteTable {
    /// Most specific first.
    entries: Vec<Entry>,
}

impl RouteTable {
    /// The table of `operations` (the SDK's `operations::ALL`), plus the token and download
    /// routes.
    pub fn new(operations: &[&'static Operation]) -> Self {
        let mut entries: Vec<Entry> = operations.iter().copied().map(Entry::new).collect();
        entries.sort_by_key(|entry| std::cmp::Reverse(entry.specificity()));
        Self { entries }
    }

    /// The operations the table serves.
    pub fn operations(&self) -> impl Iterator<Item = &'static Operation> + '_ {
        self.entries.iter().map(|entry| entry.operation)
    }

    /// Matches a request's method and path segments (percent-decoded, empty ones left out).
    pub fn resolve(&self, method: &Method, segments: &[String]) -> Target {
        let path: Vec<&str> = segments.iter().map(String::as_str).collect();
        let is = |i: usize, text: &str| path.get(i).is_some_and(|s| s.eq_ignore_ascii_case(text));
        if path.len() == 4 && is(1, "oauth2") && is(2, "v2.0") && is(3, "token") {
            let tenant = segments[0].clone();
            return expect(method, Method::POST, Target::Token { tenant, legacy: false });
        }
        if path.len() == 3 && is(1, "oauth2") && is(2, "token") {
            let tenant = segments[0].clone();
            return expect(method, Method::POST, Target::Token { tenant, legacy: true });
        }
        if is(0, "safedownload") || is(0, "investigation-actions-data") {
            return expect(method, Method::GET, Target::Download);
        }
        let mut path = path.clone();
        if is(0, "api") && is(1, "v1.0") {
            path.remove(1);
        }
        let mut allowed: Vec<&Method> = Vec::new();
        for entry in &self.entries {
            if let Some(params) = entry.matches(&path) {
                if entry.method == *method {
                    return Target::Api { operation: entry.operation, params };
                }
                if !allowed.contains(&&entry.method) {
                    allowed.push(&entry.method);
                }
            }
        }
        if allowed.is_empty() {
            Target::NotFound
        } else {
            allowed.sort_by_key(|method| method.as_str());
            let allow = allowed.iter().map(|method| method.as_str()).collect::<Vec<_>>();
            Target::MethodNotAllowed { allow: allow.join(", ") }
        }
    }
}

fn expect(method: &Method, wanted: Method, target: Target) -> Target {
    if *method == wanted {
        target
    } else {
        Target::MethodNotAllowed { allow: wanted.as_str().to_owned() }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use mde_machine_actions::operations;

    use super::*;
    use crate::route::Verb;
    use crate::routes::Incoming;

    #[test]
    fn templates_compile_to_segments() {
        let segment = |template| Segment::parse(template);
        assert_eq!(segment("isolate"), Segment::Literal("isolate"));
        assert_eq!(segment("{id}"), Segment::Param("id"));
        assert_eq!(
            segment("GetLiveResponseResultDownloadLink(index={index})"),
            Segment::Call {
                name: "GetLiveResponseResultDownloadLink",
                args: vec![Arg { key: "index", param: "index", quoted: false }]
            }
        );
        assert_eq!(
            segment("Range(from={a},To={b})"),
            Segment::Call {
                name: "Range",
                args: vec![
                    Arg { key: "from", param: "a", quoted: false },
                    Arg { key: "To", param: "b", quoted: false }
                ]
            }
        );
        assert_eq!(
            segment("findbyip(ip='{ip}',timestamp={timestamp})"),
            Segment::Call {
                name: "findbyip",
                args: vec![
                    Arg { key: "ip", param: "ip", quoted: true },
                    Arg { key: "timestamp", param: "timestamp", quoted: false }
                ]
            }
        );
        assert_eq!(
            segment("f(a={a},b='{b}')"),
            Segment::Call {
                name: "f",
                args: vec![
                    Arg { key: "a", param: "a", quoted: false },
                    Arg { key: "b", param: "b", quoted: true }
                ]
            }
        );
        assert!(matches!(segment("f(a='{a})"), Segment::Mixed(_)), "an unclosed quote");
        assert_eq!(
            segment("{name}.{ext}"),
            Segment::Mixed(vec![Part::Param("name"), Part::Text("."), Part::Param("ext")])
        );
        assert_eq!(segment("a{}b"), Segment::Literal("a{}b"));
        assert_eq!(segment("F(x={x}"), Segment::Mixed(vec![Part::Text("F(x="), Part::Param("x")]));
    }

    fn matched(template: &'static str, segment: &str) -> Option<Vec<(&'static str, String)>> {
        let mut params = Vec::new();
        Segment::parse(template).matches(segment, &mut params).then_some(params)
    }

    #[test]
    fn segments_match_without_case_and_calls_leniently() {
        let call = "GetLiveResponseResultDownloadLink(index={index})";
        let index = |value: &str| Some(vec![("index", value.to_owned())]);
        assert_eq!(matched(call, "getliveresponseresultdownloadlink(index=2)"), index("2"));
        assert_eq!(matched(call, "GetLiveResponseResultDownloadLink ( INDEX = 3 ) "), index("3"));
        assert_eq!(matched(call, "GetLiveResponseResultDownloadLink(index=x)"), index("x"));
        // Still this operation, so that the handler can say what is missing.
        assert_eq!(matched(call, "GetLiveResponseResultDownloadLink"), Some(vec![]));
        assert_eq!(matched(call, "GetLiveResponseResultDownloadLink(other=1)"), Some(vec![]));
        assert_eq!(matched(call, "GetLiveResponseResultDownloadLink(index=1"), Some(vec![]));
        assert_eq!(matched(call, "GetLiveResponseResultDownloadLinks"), None);
        assert_eq!(matched(call, "GetPackageUri"), None);
        let range = "Range(from={a},to={b})";
        assert_eq!(
            matched(range, "range(TO=9, from=1)"),
            Some(vec![("b", "9".to_owned()), ("a", "1".to_owned())])
        );
        assert_eq!(
            matched("{name}.{ext}", "report.tar.gz"),
            Some(vec![("name", "report".to_owned()), ("ext", "tar.gz".to_owned())])
        );
        assert_eq!(matched("v{n}", "V2"), Some(vec![("n", "2".to_owned())]));
        assert_eq!(matched("v{n}", "v"), None);
        assert_eq!(matched("Isolate", "ISOLATE"), Some(vec![]));
        let by_ip = "findbyip(ip='{ip}',timestamp={timestamp})";
        let both =
            |ip: &str, at: &str| Some(vec![("ip", ip.to_owned()), ("timestamp", at.to_owned())]);
        assert_eq!(
            matched(by_ip, "findbyip(ip='10.0.0.1',timestamp=2024-01-01T00:00:00Z)"),
            both("10.0.0.1", "2024-01-01T00:00:00Z")
        );
        assert_eq!(
            matched(by_ip, "FindByIp( timestamp = 2024-01-01T00:00:00Z , IP = 'fe80::1' )"),
            Some(vec![
                ("timestamp", "2024-01-01T00:00:00Z".to_owned()),
                ("ip", "fe80::1".to_owned())
            ])
        );
        assert_eq!(
            matched(by_ip, "findbyip(ip='a,b''c',timestamp=x)"),
            both("a,b'c", "x"),
            "commas and doubled quotes inside a literal"
        );
        assert_eq!(
            matched(by_ip, "findbyip(ip=10.0.0.1,timestamp=x)"),
            Some(vec![("timestamp", "x".to_owned())]),
            "an unquoted string is left out"
        );
        assert_eq!(
            matched(by_ip, "findbyip(ip='a'b',timestamp=x)"),
            Some(vec![]),
            "an unbalanced quote leaves both out"
        );
        assert_eq!(matched(by_ip, "findbyip"), Some(vec![]));
        assert_eq!(matched(by_ip, "findbytag"), None);
    }

    fn target(method: Method, path: &str) -> Target {
        let uri: hyper::Uri = path.parse().expect("URI");
        let request = Incoming::new(method.clone(), &uri, None, Bytes::new());
        RouteTable::new(operations::ALL).resolve(&method, &request.segments)
    }

    fn api(operation: &'static Operation, params: &[(&'static str, &str)]) -> Target {
        let params = params.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        Target::Api { operation, params: Params(params) }
    }

    #[test]
    fn documented_paths_in_every_casing() {
        use operations::*;
        assert_eq!(
            target(Method::GET, "/api/machineactions?$top=2"),
            api(&LIST_MACHINE_ACTIONS, &[])
        );
        assert_eq!(
            target(Method::GET, "/api/v1.0/machineactions/abc"),
            api(&GET_MACHINE_ACTION, &[("id", "abc")])
        );
        assert_eq!(
            target(Method::GET, "/api/machineactions/abc/GetPackageUri"),
            api(&GET_PACKAGE_URI, &[("id", "abc")])
        );
        assert_eq!(
            target(Method::GET, "/api/machineactions/abc/getPackageUri"),
            api(&GET_PACKAGE_URI, &[("id", "abc")])
        );
        assert_eq!(
            target(
                Method::GET,
                "/api/machineactions/abc/GetLiveResponseResultDownloadLink(index=2)"
            ),
            api(&GET_LIVE_RESPONSE_RESULT_DOWNLOAD_LINK, &[("id", "abc"), ("index", "2")])
        );
        assert_eq!(
            target(Method::POST, "/API/machines/m1/runliveresponse"),
            api(&RUN_LIVE_RESPONSE, &[("id", "m1")])
        );
        assert_eq!(
            target(Method::POST, "/api/machines/m1/StopAndQuarantineFile"),
            api(&STOP_AND_QUARANTINE_FILE, &[("id", "m1")])
        );
        assert_eq!(
            target(Method::POST, "/api/machines/m%31/isolate"),
            api(&ISOLATE_MACHINE, &[("id", "m1")])
        );
        assert_eq!(
            target(Method::POST, "/api/machineactions/abc/Cancel"),
            api(&CANCEL_MACHINE_ACTION, &[("id", "abc")])
        );
        let not_allowed = |allow: &str| Target::MethodNotAllowed { allow: allow.to_owned() };
        assert_eq!(target(Method::GET, "/api/machines/m1/isolate"), not_allowed("POST"));
        assert_eq!(target(Method::POST, "/api/machines/m1/reboot"), Target::NotFound);
        assert_eq!(target(Method::DELETE, "/api/machineactions"), not_allowed("GET"));
        assert_eq!(
            target(Method::POST, "/t/oauth2/v2.0/token"),
            Target::Token { tenant: "t".into(), legacy: false }
        );
        assert_eq!(target(Method::GET, "/t/oauth2/v2.0/token"), not_allowed("POST"));
        assert_eq!(
            target(Method::POST, "/t/OAuth2/token"),
            Target::Token { tenant: "t".into(), legacy: true }
        );
        assert_eq!(target(Method::GET, "/t/oauth2/token"), not_allowed("POST"));
        assert_eq!(target(Method::GET, "/safedownload/x/y.zip?sig=1"), Target::Download);
        assert_eq!(target(Method::GET, "/"), Target::NotFound);
        assert_eq!(target(Method::GET, "/api"), Target::NotFound);
    }

    #[test]
    fn every_operation_matches_its_own_template() {
        let table = RouteTable::new(operations::ALL);
        for operation in operations::ALL {
            let path = operation.path.replace("{id}", "abc").replace("{index}", "0");
            let segments: Vec<String> =
                path.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect();
            match table.resolve(&operation.verb.to_method(), &segments) {
                Target::Api { operation: found, .. } => assert_eq!(found.name, operation.name),
                other => panic!("{} {path}: {other:?}", operation.name),
            }
        }
    }

    #[test]
    fn literal_templates_win_over_parameters() {
        static BY_ID: Operation = Operation::new("getThing", Verb::Get, "/api/things/{id}")
            .with_success(&[200])
            .with_retry_safe(true);
        static COUNT: Operation = BY_ID.with_name_and_path("countThings", "/api/things/count");
        let table = RouteTable::new(&[&BY_ID, &COUNT]);
        let resolve = |path: &[&str]| {
            let segments: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
            table.resolve(&Method::GET, &segments)
        };
        assert_eq!(resolve(&["api", "things", "COUNT"]), api(&COUNT, &[]));
        assert_eq!(resolve(&["api", "things", "c1"]), api(&BY_ID, &[("id", "c1")]));
    }
}
