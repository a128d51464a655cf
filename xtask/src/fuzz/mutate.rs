//! Deterministic mutations of a spec's JSON tree: the moves that found the generator's past
//! failures (empty and reserved names, control and bidi characters in text, self references,
//! shared page types, renamed and duplicated members), each picked by a seeded generator so a
//! case is reproduced from its seed alone.

use codegen::load::Json;

/// Strings a name or a text member may become: empty, reserved by Rust or by the generated
/// code, line breaks and control characters, bidirectional overrides, names that differ only
/// in case or digits, and text that would close a doc comment or a string.
pub const INTERESTING_STRINGS: &[&str] = &[
    "",
    " ",
    "_",
    "__",
    "a\rb",
    "\r",
    "line\r\nbreak",
    "a\nb",
    "\u{202E}evil",
    "\u{2066}isolate\u{2069}",
    "\u{200F}",
    "zero\u{200B}width",
    "nul\u{0}byte",
    "del\u{7F}",
    "bell\u{7}",
    "sep\u{2028}line",
    "\u{FEFF}bom",
    "tab\there",
    "type",
    "self",
    "Self",
    "crate",
    "super",
    "r#type",
    "async",
    "await",
    "gen",
    "all",
    "ALL",
    "All",
    "path",
    "request",
    "query",
    "body",
    "value",
    "client",
    "core",
    "builder",
    "download",
    "send",
    "new",
    "map",
    "key",
    "extra",
    "receivedAs",
    "received_as",
    "Unknown",
    "unknown",
    "Option",
    "Result",
    "String",
    "Vec",
    "Client",
    "Cloud",
    "Query",
    "Filter",
    "models",
    "operations",
    "permissions",
    "runtime",
    "getA1",
    "get_a_1",
    "getA_1",
    "GetA1",
    "1start",
    "9",
    "a-b",
    "a.b",
    "a/b",
    "a~b",
    "@odata.nextLink",
    "$filter",
    "$top",
    "über",
    "日本",
    "x\"y",
    "back\\slash",
    "*/",
    "/*",
    "```",
    "```rust\nfn main() {}\n```",
    "#[doc = \"x\"]",
    "{",
    "}",
    "{id}",
    "//",
    "<br>",
    "[link](javascript:x)",
    "https://",
    "http://example.test",
    "GET",
    "minute",
    "hour",
    "date-time",
    "int32",
    "string",
    "object",
    "null",
    "#/$defs/",
];

/// Names that are valid identifiers once converted but mean something to Rust or to the
/// generated code: keywords, prelude items, the generated code's own members and locals.
pub const NAME_LIKE: &[&str] = &[
    "type",
    "self",
    "Self",
    "super",
    "crate",
    "async",
    "await",
    "gen",
    "try",
    "union",
    "static",
    "macro_rules",
    "dyn",
    "all",
    "ALL",
    "path",
    "request",
    "query",
    "body",
    "value",
    "map",
    "key",
    "client",
    "send",
    "sendWithResponse",
    "intoPager",
    "intoFuture",
    "new",
    "default",
    "clone",
    "fmt",
    "fromCore",
    "core",
    "builder",
    "download",
    "unpin",
    "sized",
    "send",
    "sync",
    "models",
    "operations",
    "runtime",
    "permissions",
    "option",
    "some",
    "none",
    "ok",
    "err",
    "string",
    "vec",
    "box",
    "fieldX",
    "field_x",
    "aliasX",
    "alias_x",
    "extra",
    "receivedAs",
    "withX",
    "with_x",
    "known",
    "KNOWN",
    "asStr",
    "isKnown",
    "Unknown",
    "W",
    "A",
    "S",
    "D",
    "E",
    "T",
    "objectVisitor",
    "visitor",
    "serializer",
    "deserializer",
    "de",
    "f",
    "out",
    "page",
    "pager",
    "paging",
    "link",
    "items",
    "item",
    "response",
    "example",
    "result",
    "error",
    "Error",
    "Client",
    "Cloud",
    "Filter",
    "Page",
    "Pager",
    "Timestamp",
    "Value",
];

/// Numbers a number member may become.
const INTERESTING_INTS: &[i64] =
    &[0, -1, 1, 2, 99, 100, 101, 200, 599, 600, 10_000, i32::MAX as i64, i64::MAX, i64::MIN];

/// A seeded source of mutations over one spec tree.
#[derive(Debug)]
pub struct Mutator {
    rng: fastrand::Rng,
}

impl Mutator {
    /// A mutator whose choices follow `seed`.
    pub fn new(seed: u64) -> Self {
        Self { rng: fastrand::Rng::with_seed(seed) }
    }

    /// Applies between one and three mutations to `spec`.
    pub fn mutate(&mut self, spec: &mut Json) {
        let count = 1 + self.rng.usize(..3);
        for _ in 0..count {
            self.mutate_once(spec);
        }
    }

    fn mutate_once(&mut self, spec: &mut Json) {
        let refs = def_refs(spec);
        let sites = sites(spec);
        let names = names(spec, &sites);
        let kind = self.rng.u8(..14);
        let wanted = |site: &Site| match kind {
            0..=2 => matches!(site.value, Kind::String),
            3..=5 => {
                matches!(site.key.as_str(), "properties" | "$defs" | "x-enum-descriptions")
                    || site.key == "name"
            }
            6 | 7 => site.value == Kind::Object,
            8 => site.key == "enum" || site.key == "x-wire-aliases",
            _ => true,
        };
        let candidates: Vec<&Site> = sites.iter().filter(|s| wanted(s)).collect();
        if candidates.is_empty() {
            return;
        }
        let site = candidates[self.rng.usize(..candidates.len())].path.clone();
        if kind == 13 {
            return self.clone_method(spec);
        }
        let Some(node) = node_mut(spec, &site) else { return };
        match kind {
            0 | 1 => self.edit_text(node),
            2 => self.replace_scalar(node),
            3..=5 => self.rename_name(node, &names),
            6 => {
                if self.rng.bool() {
                    self.retarget_ref(node, &refs)
                } else {
                    self.make_nullable(node)
                }
            }
            7 => self.toggle_required(node),
            8 => self.duplicate_child(node),
            9 => self.remove_child(node),
            10 => self.duplicate_child(node),
            11 => self.rename_key(node),
            _ => *node = self.any_value(),
        }
    }

    /// A name (an object's member name, or the value of a `name`) becomes an interesting
    /// string, a name that means something to Rust, or a near copy of another name (another
    /// case, an extra underscore or digit), so that derived names collide.
    fn rename_name(&mut self, node: &mut Json, names: &[String]) {
        let new = match self.rng.u8(..3) {
            0 => self.pick_string(),
            1 => NAME_LIKE[self.rng.usize(..NAME_LIKE.len())].to_owned(),
            _ if names.is_empty() => self.pick_string(),
            _ => {
                let name = names[self.rng.usize(..names.len())].clone();
                self.near_copy(&name)
            }
        };
        match node {
            Json::String(_) => *node = Json::String(new),
            Json::Object(members) if !members.is_empty() => {
                let i = self.rng.usize(..members.len());
                members[i].0 = new;
            }
            _ => {}
        }
    }

    /// `name` in another case, or with an underscore or a digit added.
    fn near_copy(&mut self, name: &str) -> String {
        match self.rng.u8(..5) {
            0 => name.to_uppercase(),
            1 => name.to_lowercase(),
            2 => {
                let mut chars = name.chars();
                chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
            }
            3 => name
                .chars()
                .flat_map(|c| {
                    let split = c.is_ascii_uppercase().then_some('_');
                    split.into_iter().chain(c.to_lowercase())
                })
                .collect(),
            _ => format!("{name}1"),
        }
    }

    fn pick_string(&mut self) -> String {
        INTERESTING_STRINGS[self.rng.usize(..INTERESTING_STRINGS.len())].to_owned()
    }

    fn any_value(&mut self) -> Json {
        match self.rng.u8(..7) {
            0 => Json::Null,
            1 => Json::Bool(self.rng.bool()),
            2 => Json::Int(INTERESTING_INTS[self.rng.usize(..INTERESTING_INTS.len())]),
            3 => Json::Float(1.5),
            4 => Json::Array(Vec::new()),
            5 => Json::Object(Vec::new()),
            _ => Json::String(self.pick_string()),
        }
    }

    /// A scalar becomes another interesting scalar of the same kind, sometimes of another kind.
    fn replace_scalar(&mut self, node: &mut Json) {
        *node = match node {
            Json::String(_) => Json::String(self.pick_string()),
            Json::Int(_) | Json::Float(_) => {
                Json::Int(INTERESTING_INTS[self.rng.usize(..INTERESTING_INTS.len())])
            }
            Json::Bool(b) => Json::Bool(!*b),
            _ => return self.rename_key(node),
        };
    }

    /// Text keeps its words and gains a troublesome character or line break somewhere.
    fn edit_text(&mut self, node: &mut Json) {
        let Json::String(text) = node else { return self.replace_scalar(node) };
        let inserts = ["\r", "\r\n", "\n", "\u{202E}", "\u{0}", "\u{2028}", "\t", "*/", "\"", "\\"];
        let insert = inserts[self.rng.usize(..inserts.len())];
        let at = text.char_indices().map(|(i, _)| i).nth(self.rng.usize(..=text.chars().count()));
        text.insert_str(at.unwrap_or(text.len()), insert);
    }

    fn rename_key(&mut self, node: &mut Json) {
        let Json::Object(members) = node else { return };
        if members.is_empty() {
            return;
        }
        let i = self.rng.usize(..members.len());
        members[i].0 = if self.rng.bool() || members.len() < 2 {
            self.pick_string()
        } else {
            // Another member's name: a duplicate key.
            members[self.rng.usize(..members.len())].0.clone()
        };
    }

    fn remove_child(&mut self, node: &mut Json) {
        match node {
            Json::Object(members) if !members.is_empty() => {
                members.remove(self.rng.usize(..members.len()));
            }
            Json::Array(items) if !items.is_empty() => {
                items.remove(self.rng.usize(..items.len()));
            }
            _ => self.replace_scalar(node),
        }
    }

    fn duplicate_child(&mut self, node: &mut Json) {
        match node {
            Json::Object(members) if !members.is_empty() => {
                let copy = members[self.rng.usize(..members.len())].clone();
                members.push(copy);
            }
            Json::Array(items) if !items.is_empty() => {
                let copy = items[self.rng.usize(..items.len())].clone();
                items.push(copy);
            }
            _ => self.replace_scalar(node),
        }
    }

    /// A `$ref` points at another definition, possibly the one that holds it.
    fn retarget_ref(&mut self, node: &mut Json, refs: &[String]) {
        let Json::Object(members) = node else { return self.replace_scalar(node) };
        if refs.is_empty() {
            return;
        }
        let target = Json::String(refs[self.rng.usize(..refs.len())].clone());
        if let Some((_, value)) = members.iter_mut().find(|(k, _)| k == "$ref") {
            *value = target;
        } else if members.iter().any(|(k, _)| k == "description") {
            members.retain(|(k, _)| k != "type" && k != "items" && k != "format");
            members.push(("$ref".to_owned(), target));
        }
    }

    /// A property's schema may become nullable (`anyOf` with null, or a `null` type).
    fn make_nullable(&mut self, node: &mut Json) {
        let Json::Object(members) = node else { return self.replace_scalar(node) };
        if let Some(index) = members.iter().position(|(k, _)| k == "$ref") {
            let (_, target) = members.remove(index);
            let null = Json::Object(vec![("type".to_owned(), Json::String("null".to_owned()))]);
            let reference = Json::Object(vec![("$ref".to_owned(), target)]);
            members.push(("anyOf".to_owned(), Json::Array(vec![reference, null])));
        } else if let Some((_, ty)) = members.iter_mut().find(|(k, _)| k == "type")
            && let Json::String(name) = ty
        {
            *ty = Json::Array(vec![Json::String(name.clone()), Json::String("null".to_owned())]);
        }
    }

    /// An object's `required` list gains or loses a member.
    fn toggle_required(&mut self, node: &mut Json) {
        let Json::Object(members) = node else { return self.replace_scalar(node) };
        let names: Vec<String> = match members.iter().find(|(k, _)| k == "properties") {
            Some((_, Json::Object(props))) => props.iter().map(|(k, _)| k.clone()).collect(),
            _ => return self.rename_key(node),
        };
        if names.is_empty() {
            return;
        }
        let name = names[self.rng.usize(..names.len())].clone();
        match members.iter_mut().find(|(k, _)| k == "required") {
            Some((_, Json::Array(items))) => {
                let present = items.iter().position(|i| *i == Json::String(name.clone()));
                match present {
                    Some(index) => {
                        items.remove(index);
                    }
                    None => items.push(Json::String(name)),
                }
            }
            _ => members.push(("required".to_owned(), Json::Array(vec![Json::String(name)]))),
        }
    }

    /// A method is copied under a new name: several methods then share their response type,
    /// the normal shape of an API with several lookups returning one collection.
    fn clone_method(&mut self, spec: &mut Json) {
        let Some(Json::Array(methods)) = member_mut(spec, "x-methods") else { return };
        if methods.is_empty() {
            return;
        }
        let mut copy = methods[self.rng.usize(..methods.len())].clone();
        let suffix = ["Again", "2", "ByTag", "_copy", "A1"][self.rng.usize(..5)];
        if let Some(Json::String(name)) = member_mut(&mut copy, "name") {
            name.push_str(suffix);
        }
        if let Some(Json::String(path)) = member_mut(&mut copy, "path") {
            path.push_str("/copy");
        }
        methods.push(copy);
    }
}

fn member_mut<'j>(json: &'j mut Json, key: &str) -> Option<&'j mut Json> {
    match json {
        Json::Object(members) => members.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
    }
}

/// Every name of the spec: member names of `$defs` and `properties`, and `name` values.
fn names(spec: &Json, sites: &[Site]) -> Vec<String> {
    let mut out = Vec::new();
    for site in sites {
        let Some(node) = node_ref(spec, &site.path) else { continue };
        match node {
            Json::String(name) if site.key == "name" => out.push(name.clone()),
            Json::Object(members) if site.key == "properties" || site.key == "$defs" => {
                out.extend(members.iter().map(|(k, _)| k.clone()));
            }
            _ => {}
        }
    }
    out
}

fn node_ref<'j>(spec: &'j Json, path: &[Step]) -> Option<&'j Json> {
    path.iter().try_fold(spec, |node, step| match (node, step) {
        (Json::Object(members), Step::Member(i)) => members.get(*i).map(|(_, v)| v),
        (Json::Array(items), Step::Item(i)) => items.get(*i),
        _ => None,
    })
}

/// The `#/$defs/...` pointer of every definition.
fn def_refs(spec: &Json) -> Vec<String> {
    match spec.get("$defs") {
        Some(Json::Object(defs)) => defs
            .iter()
            .map(|(k, _)| format!("#/$defs/{}", k.replace('~', "~0").replace('/', "~1")))
            .collect(),
        _ => Vec::new(),
    }
}

/// A step from a value to one of its children.
#[derive(Debug, Clone, Copy)]
enum Step {
    Member(usize),
    Item(usize),
}

/// What a value is, as far as choosing a mutation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Object,
    Other,
}

/// A value of the tree: its path, the member name it sits under (empty for array items and
/// the root) and its kind.
#[derive(Debug, Clone)]
struct Site {
    path: Vec<Step>,
    key: String,
    value: Kind,
}

/// Every value in the tree, the root included.
fn sites(spec: &Json) -> Vec<Site> {
    let mut out = Vec::new();
    let mut pending = vec![(spec, Vec::new(), String::new())];
    while let Some((node, path, key)) = pending.pop() {
        let value = match node {
            Json::String(_) => Kind::String,
            Json::Object(_) => Kind::Object,
            _ => Kind::Other,
        };
        match node {
            Json::Object(members) => {
                for (i, (name, child)) in members.iter().enumerate() {
                    let mut child_path = path.clone();
                    child_path.push(Step::Member(i));
                    pending.push((child, child_path, name.clone()));
                }
            }
            Json::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    let mut child_path = path.clone();
                    child_path.push(Step::Item(i));
                    pending.push((child, child_path, key.clone()));
                }
            }
            _ => {}
        }
        out.push(Site { path, key, value });
    }
    out
}

fn node_mut<'j>(spec: &'j mut Json, path: &[Step]) -> Option<&'j mut Json> {
    path.iter().try_fold(spec, |node, step| match (node, step) {
        (Json::Object(members), Step::Member(i)) => members.get_mut(*i).map(|(_, v)| v),
        (Json::Array(items), Step::Item(i)) => items.get_mut(*i),
        _ => None,
    })
}

/// The tree as JSON text (compact; keys in order, duplicates kept).
pub fn to_text(json: &Json) -> String {
    let mut out = String::new();
    write_json(json, &mut out);
    out
}

fn write_json(json: &Json, out: &mut String) {
    match json {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Int(i) => out.push_str(&i.to_string()),
        Json::Float(f) if f.is_finite() => out.push_str(&format!("{f:?}")),
        Json::Float(_) => out.push_str("null"),
        Json::String(s) => write_string(s, out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Json::Object(members) => {
            out.push('{');
            for (i, (key, value)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_json(value, out);
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned()));
}
