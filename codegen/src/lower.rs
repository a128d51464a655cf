//! Stage 2: validate the spec and resolve it into the [`ir`](crate::ir).
//!
//! Lowering never stops at the first problem: every check records a [`Diagnostic`] located by
//! the JSON pointer of the offending node and carries on with what it can, so one run lists
//! everything that is wrong. The emitters may then assume a well-formed [`Api`].
//!
//! [`Diagnostic`]: crate::Diagnostic

use std::collections::{BTreeMap, BTreeSet};

use crate::Diagnostics;
use crate::diagnostics::child_pointer;
use crate::ir::{
    Api, EnumDef, Field, FilterOp, Method, MethodError, NewtypeDef, Paging, Param, ParamLocation,
    PathPart, Per, Permission, Platform, RateLimit, Server, StructDef, Type, TypeDef, Variant,
    Verb, struct_named,
};
use crate::load::Json;
use crate::{names, text};

/// The only `$schema` this dialect accepts.
pub const SCHEMA_DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

const TOP_KEYS: &[&str] = &[
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "$defs",
    "x-api",
    "x-servers",
    "x-methods",
    "x-decisions",
];
const SCHEMA_KEYS: &[&str] = &[
    "$comment",
    "title",
    "description",
    "type",
    "$ref",
    "anyOf",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "format",
    "x-extensible",
    "x-enum-descriptions",
    "x-wire-aliases",
    "x-filterable",
    "x-sensitive",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "default",
    "examples",
];
/// Keywords a `$defs` entry may carry beyond [`SCHEMA_KEYS`].
const DEF_ONLY_KEYS: &[&str] = &["x-docsUrl"];
const METHOD_KEYS: &[&str] = &[
    "$comment",
    "name",
    "summary",
    "description",
    "docsUrl",
    "verb",
    "path",
    "parameters",
    "requestBody",
    "success",
    "response",
    "errors",
    "permissions",
    "rateLimits",
    "platforms",
    "retrySafe",
    "filter",
    "paging",
    "linkMember",
];
const METHOD_REQUIRED: &[&str] = &[
    "name",
    "summary",
    "description",
    "docsUrl",
    "verb",
    "path",
    "success",
    "response",
    "permissions",
    "rateLimits",
    "retrySafe",
];
const JSON_TYPES: &[&str] = &["object", "string", "integer", "number", "boolean", "array", "null"];
const STRING_FORMATS: &[&str] = &["date-time", "uuid", "uri", "email"];

/// Validates `document` and resolves it into an [`Api`], or returns every problem found.
///
/// Every string of the document is first held to the rules of [`text`]: line
/// endings normalised, control and bidirectional characters refused.
pub fn lower(document: &Json) -> Result<Api, Diagnostics> {
    let normalised = text::normalise(document);
    let document = normalised.as_ref().unwrap_or(document);
    let mut diags = Diagnostics::default();
    text::check(document, &mut diags);
    let mut lowerer = Lowerer { document, diags, defs: BTreeMap::new() };
    let api = lowerer.api();
    lowerer.diags.into_result(api)
}

/// A JSON value and the pointer that leads to it.
#[derive(Clone)]
struct Node<'a> {
    json: &'a Json,
    ptr: String,
}

impl<'a> Node<'a> {
    fn child(&self, key: &str) -> Option<Node<'a>> {
        self.json.get(key).map(|json| Node { json, ptr: child_pointer(&self.ptr, key) })
    }

    fn at(&self, key: &str) -> String {
        child_pointer(&self.ptr, key)
    }

    fn members(&self) -> Vec<(&'a str, Node<'a>)> {
        match self.json {
            Json::Object(members) => members
                .iter()
                .map(|(k, json)| (k.as_str(), Node { json, ptr: child_pointer(&self.ptr, k) }))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn items(&self) -> Vec<Node<'a>> {
        match self.json {
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, json)| Node { json, ptr: format!("{}/{i}", self.ptr) })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A `$defs` entry: its spec node and its Rust name.
struct DefEntry<'a> {
    node: Node<'a>,
    rust: String,
}

struct Lowerer<'a> {
    document: &'a Json,
    diags: Diagnostics,
    defs: BTreeMap<&'a str, DefEntry<'a>>,
}

impl<'a> Lowerer<'a> {
    fn error(&mut self, at: impl Into<String>, message: impl Into<String>) {
        self.diags.push(at, message);
    }

    // ----- generic readers -------------------------------------------------------------------

    /// Checks that `node` is an object with only `allowed` keys, each at most once, and all
    /// of `required`. Returns false when it is not an object at all.
    fn object(&mut self, node: &Node<'a>, allowed: &[&str], required: &[&str]) -> bool {
        self.shape(node, Some(allowed), required)
    }

    /// Checks that `node` is an object whose keys are free-form (names, not keywords), each
    /// present at most once.
    fn map(&mut self, node: &Node<'a>) -> bool {
        self.shape(node, None, &[])
    }

    fn shape(&mut self, node: &Node<'a>, allowed: Option<&[&str]>, required: &[&str]) -> bool {
        let Json::Object(members) = node.json else {
            self.error(&node.ptr, format!("expected an object, found {}", node.json.kind()));
            return false;
        };
        let mut seen = BTreeSet::new();
        for (key, _) in members {
            if !seen.insert(key.as_str()) {
                self.error(node.at(key), format!("`{key}` appears more than once"));
            } else if allowed.is_some_and(|allowed| !allowed.contains(&key.as_str())) {
                self.error(node.at(key), format!("unknown keyword `{key}`"));
            }
        }
        for key in required {
            if node.json.get(key).is_none() {
                self.error(&node.ptr, format!("missing required keyword `{key}`"));
            }
        }
        true
    }

    fn string(&mut self, parent: &Node<'a>, key: &str) -> Option<&'a str> {
        let node = parent.child(key)?;
        match node.json {
            Json::String(s) if !s.trim().is_empty() => Some(s),
            Json::String(_) => {
                self.error(node.ptr, "must not be empty");
                None
            }
            other => {
                self.error(node.ptr, format!("expected a string, found {}", other.kind()));
                None
            }
        }
    }

    fn text(&mut self, parent: &Node<'a>, key: &str) -> String {
        self.string(parent, key).unwrap_or_default().to_owned()
    }

    fn bool(&mut self, parent: &Node<'a>, key: &str) -> Option<bool> {
        let node = parent.child(key)?;
        match node.json {
            Json::Bool(b) => Some(*b),
            other => {
                self.error(node.ptr, format!("expected a boolean, found {}", other.kind()));
                None
            }
        }
    }

    fn int(&mut self, parent: &Node<'a>, key: &str) -> Option<i64> {
        let node = parent.child(key)?;
        match node.json {
            Json::Int(i) => Some(*i),
            other => {
                self.error(node.ptr, format!("expected an integer, found {}", other.kind()));
                None
            }
        }
    }

    fn array(&mut self, parent: &Node<'a>, key: &str) -> Vec<Node<'a>> {
        let Some(node) = parent.child(key) else { return Vec::new() };
        if !matches!(node.json, Json::Array(_)) {
            self.error(&node.ptr, format!("expected an array, found {}", node.json.kind()));
        }
        node.items()
    }

    fn strings(&mut self, parent: &Node<'a>, key: &str) -> Vec<String> {
        let mut out = Vec::new();
        for item in self.array(parent, key) {
            match item.json {
                Json::String(s) => out.push(s.clone()),
                other => self.error(item.ptr, format!("expected a string, found {}", other.kind())),
            }
        }
        out
    }

    // ----- the document ----------------------------------------------------------------------

    fn api(&mut self) -> Api {
        let root = Node { json: self.document, ptr: String::new() };
        if !self.object(&root, TOP_KEYS, &["$schema", "title", "description", "$defs", "x-api"]) {
            return empty_api();
        }
        if self.string(&root, "$schema").is_some_and(|schema| schema != SCHEMA_DIALECT) {
            self.error("/$schema", format!("must be `{SCHEMA_DIALECT}`"));
        }
        self.string(&root, "title");
        let doc = self.text(&root, "description");
        self.collect_defs(&root);
        let mut types = self.types();
        let (name, docs_url, error_type, client_extensions) = self.api_info(&root);
        let methods = self.methods(&root, &types, &client_extensions);
        let servers = self.servers(&root);
        let permissions = self.permissions_table(&methods);
        self.decisions(&root);
        mark_response_types(&mut types, &methods, error_type.as_deref());
        self.check_closed_responses(&types);
        self.check_recursion(&types);
        box_recursive_members(&mut types);
        self.check_open_enums(&types);
        self.check_client_types(&methods);
        self.check_shared_pages(&methods);
        self.check_cli_flags(&methods, &types);
        Api {
            name,
            doc,
            docs_url,
            types,
            methods,
            servers,
            error_type,
            permissions,
            client_extensions,
        }
    }

    /// Every permission, once, with a constant name that must not collide.
    fn permissions_table(&mut self, methods: &[Method]) -> Vec<Permission> {
        let mut table: BTreeMap<String, Permission> = BTreeMap::new();
        for method in methods {
            let all = method.application_permissions.iter().chain(&method.delegated_permissions);
            for value in all {
                let at = format!("{}/permissions", method.pointer);
                let name = self.rust_name(&at, value, names::const_name);
                let entry = table.entry(name.clone()).or_insert_with(|| Permission {
                    name,
                    value: value.clone(),
                    methods: Vec::new(),
                });
                if &entry.value != value {
                    let message = format!(
                        "permissions `{}` and `{value}` both become the constant `{}`",
                        entry.value, entry.name
                    );
                    self.error(at, message);
                } else if !entry.methods.contains(&method.spec_name) {
                    entry.methods.push(method.spec_name.clone());
                }
            }
        }
        let mut permissions: Vec<Permission> = table.into_values().collect();
        permissions.sort_by(|a, b| a.value.cmp(&b.value));
        permissions
    }

    /// The API's name, docs link, error body type and the client methods hand-written code
    /// adds.
    fn api_info(&mut self, root: &Node<'a>) -> (String, String, Option<String>, Vec<String>) {
        let Some(node) = root.child("x-api") else { return Default::default() };
        if !self.object(
            &node,
            &["$comment", "name", "docsUrl", "errorResponse", "clientExtensions"],
            &["name", "docsUrl"],
        ) {
            return Default::default();
        }
        let name = self.text(&node, "name");
        let docs_url = self.text(&node, "docsUrl");
        let error_type = node.child("errorResponse").and_then(|n| self.ref_struct(&n));
        let extensions = self.strings(&node, "clientExtensions");
        for (i, extension) in extensions.iter().enumerate() {
            let at = format!("{}/clientExtensions/{i}", node.ptr);
            if names::value_name(extension).ok().as_deref() != Some(extension.as_str()) {
                self.error(at, format!("`{extension}` is not a snake_case Rust method name"));
            }
        }
        (name, docs_url, error_type, extensions)
    }

    fn decisions(&mut self, root: &Node<'a>) {
        for item in self.array(root, "x-decisions") {
            let keys = ["$comment", "topic", "decision", "why", "pointers"];
            if !self.object(&item, &keys, &["topic", "decision", "why", "pointers"]) {
                continue;
            }
            for key in ["topic", "decision", "why"] {
                self.string(&item, key);
            }
            let pointers = self.strings(&item, "pointers");
            for (i, pointer) in pointers.iter().enumerate() {
                if self.document.pointer(pointer).is_none() {
                    let at = format!("{}/pointers/{i}", item.ptr);
                    self.error(at, format!("pointer `{pointer}` does not resolve in this spec"));
                }
            }
        }
    }

    fn servers(&mut self, root: &Node<'a>) -> Vec<Server> {
        let mut out: Vec<Server> = Vec::new();
        for item in self.array(root, "x-servers") {
            let keys = ["$comment", "name", "description", "url", "authority", "scope"];
            if !self.object(&item, &keys, &["name", "description", "url", "authority", "scope"]) {
                continue;
            }
            let spec_name = self.text(&item, "name");
            let name = self.rust_name(&item.at("name"), &spec_name, names::type_name);
            if out.iter().any(|s| s.name == name) {
                self.error(item.at("name"), format!("duplicate server name `{spec_name}`"));
            }
            let mut url_of = |key: &str| {
                let value = self.text(&item, key);
                if !value.is_empty() && !value.starts_with("https://") {
                    self.error(item.at(key), "must be an https:// URL");
                }
                value
            };
            let (url, authority) = (url_of("url"), url_of("authority"));
            let (doc, scope) = (self.text(&item, "description"), self.text(&item, "scope"));
            out.push(Server { spec_name, name, doc, url, authority, scope });
        }
        out
    }

    fn rust_name(
        &mut self,
        at: &str,
        spec: &str,
        rule: fn(&str) -> Result<String, String>,
    ) -> String {
        if spec.is_empty() {
            // Reported where it was read: missing or empty.
            return String::new();
        }
        rule(spec).unwrap_or_else(|message| {
            self.error(at, message);
            String::new()
        })
    }

    /// A member name that becomes a Rust name must not be empty.
    fn name_key(&mut self, key: &str, node: &Node<'a>) {
        if key.is_empty() {
            self.error(&node.ptr, "a name must not be empty");
        }
    }

    // ----- $defs -----------------------------------------------------------------------------

    fn collect_defs(&mut self, root: &Node<'a>) {
        let Some(defs) = root.child("$defs") else { return };
        if !self.map(&defs) {
            return;
        }
        let mut by_rust: BTreeMap<String, &'a str> = BTreeMap::new();
        for (key, node) in defs.members() {
            self.name_key(key, &node);
            let rust = self.rust_name(&node.ptr, key, names::type_name);
            if let Some(other) = by_rust.get(&rust).filter(|_| !rust.is_empty()) {
                let message = format!("`{other}` and `{key}` both become the Rust type `{rust}`");
                self.error(&node.ptr, message);
            }
            by_rust.insert(rust.clone(), key);
            self.defs.entry(key).or_insert(DefEntry { node, rust });
        }
    }

    fn types(&mut self) -> Vec<TypeDef> {
        let entries: Vec<(Node<'a>, String)> =
            self.defs.values().map(|entry| (entry.node.clone(), entry.rust.clone())).collect();
        let mut ordered = entries;
        // Keep spec order, not alphabetical order.
        ordered.sort_by_key(|(node, _)| def_position(self.document, &node.ptr));
        ordered.into_iter().filter_map(|(node, name)| self.type_def(&node, name)).collect()
    }

    fn type_def(&mut self, node: &Node<'a>, name: String) -> Option<TypeDef> {
        let allowed: Vec<&str> = SCHEMA_KEYS.iter().chain(DEF_ONLY_KEYS).copied().collect();
        if !self.object(node, &allowed, &["description"]) {
            return None;
        }
        self.no_property_keywords(node);
        self.check_keywords(node);
        if Self::is_nullable(node) {
            let message =
                "a `$defs` entry cannot be nullable: make the properties that use it nullable";
            self.error(node.at("type"), message);
        }
        let doc = self.text(node, "description");
        let declared = self.declared_types(node);
        let is_object = node.child("enum").is_none()
            && (declared.first().map(String::as_str) == Some("object")
                || node.child("properties").is_some());
        if !is_object && node.child("x-docsUrl").is_some() {
            self.error(node.at("x-docsUrl"), "`x-docsUrl` is only allowed on an object");
        }
        if node.child("enum").is_some() {
            return self.enum_def(node, name, doc, &declared).map(TypeDef::Enum);
        }
        if is_object {
            return Some(TypeDef::Struct(self.struct_def(node, name, doc)));
        }
        let inner = match declared.first().map(String::as_str) {
            Some("string") => Type::String,
            Some("integer") => integer_type(node.json),
            _ => {
                let message =
                    "a `$defs` entry must be an object, a string enum, a string or an integer";
                self.error(&node.ptr, message);
                return None;
            }
        };
        Some(TypeDef::Newtype(NewtypeDef { name, doc, inner }))
    }

    /// Keywords that only mean something next to another keyword.
    fn check_keywords(&mut self, node: &Node<'a>) {
        let has = |key: &str| node.json.get(key).is_some();
        let ty = |name: &str| match node.json.get("type") {
            Some(Json::String(t)) => t == name,
            Some(Json::Array(items)) => items.iter().any(|t| *t == Json::String(name.into())),
            _ => false,
        };
        for key in ["x-extensible", "x-enum-descriptions"] {
            if has(key) && !has("enum") {
                self.error(node.at(key), format!("`{key}` is only allowed on an enum"));
            }
        }
        if has("items") && !ty("array") {
            self.error(node.at("items"), "`items` is only allowed with `\"type\": \"array\"`");
        }
        if has("$ref") && has("type") {
            self.error(node.at("type"), "`$ref` cannot be combined with `type`");
        }
        if has("format") && !ty("string") && !ty("integer") {
            self.error(node.at("format"), "`format` is only allowed on strings and integers");
        }
        let integer_format = node.json.get("format").filter(|_| ty("integer"));
        if integer_format
            .is_some_and(|f| !matches!(f, Json::String(f) if f == "int32" || f == "int64"))
        {
            self.error(node.at("format"), "integer formats are `int32` and `int64`");
        }
    }

    fn no_property_keywords(&mut self, node: &Node<'a>) {
        for key in ["x-wire-aliases", "x-filterable", "x-sensitive"] {
            if node.child(key).is_some() {
                self.error(node.at(key), format!("`{key}` is only allowed on a property"));
            }
        }
    }

    /// The non-null entries of `type`, validated.
    fn declared_types(&mut self, node: &Node<'a>) -> Vec<String> {
        let Some(ty) = node.child("type") else { return Vec::new() };
        let names: Vec<(String, String)> = match ty.json {
            Json::String(s) => vec![(s.clone(), ty.ptr.clone())],
            Json::Array(_) => ty
                .items()
                .into_iter()
                .filter_map(|item| match item.json {
                    Json::String(s) => Some((s.clone(), item.ptr)),
                    other => {
                        self.error(
                            item.ptr,
                            format!("expected a type name, found {}", other.kind()),
                        );
                        None
                    }
                })
                .collect(),
            other => {
                self.error(
                    &ty.ptr,
                    format!("expected a type name or an array of them, found {}", other.kind()),
                );
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (name, at) in names {
            if !JSON_TYPES.contains(&name.as_str()) {
                self.error(at, format!("unknown type `{name}`"));
            } else if name != "null" {
                out.push(name);
            }
        }
        if out.len() > 1 {
            self.error(&ty.ptr, "only one non-null type is supported");
        }
        out
    }

    fn is_only_null(node: &Node<'a>) -> bool {
        match node.json.get("type") {
            Some(Json::String(s)) => s == "null",
            Some(Json::Array(items)) => {
                items.iter().all(|t| *t == Json::String("null".into())) && !items.is_empty()
            }
            _ => false,
        }
    }

    fn is_nullable(node: &Node<'a>) -> bool {
        match node.json.get("type") {
            Some(Json::Array(items)) => items.iter().any(|t| *t == Json::String("null".into())),
            Some(Json::String(s)) => s == "null",
            _ => false,
        }
    }

    fn enum_def(
        &mut self,
        node: &Node<'a>,
        name: String,
        doc: String,
        declared: &[String],
    ) -> Option<EnumDef> {
        if declared != ["string"] {
            self.error(node.at("type"), "an enum must have `\"type\": \"string\"`");
        }
        let descriptions = node.child("x-enum-descriptions");
        if let Some(d) = &descriptions {
            self.map(d);
        }
        let values = self.array(node, "enum");
        if values.is_empty() {
            self.error(node.at("enum"), "an enum needs at least one value");
        }
        let mut variants: Vec<Variant> = Vec::new();
        for value in values {
            let Json::String(wire) = value.json else {
                self.error(
                    &value.ptr,
                    format!("enum values must be strings, found {}", value.json.kind()),
                );
                continue;
            };
            if variants.iter().any(|v| &v.wire == wire) {
                self.error(&value.ptr, format!("duplicate enum value `{wire}`"));
                continue;
            }
            if wire.is_empty() {
                self.error(&value.ptr, "must not be empty");
            }
            let rust = self.rust_name(&value.ptr, wire, names::variant_name);
            if let Some(other) = variants.iter().find(|v| v.name == rust && !rust.is_empty()) {
                let message =
                    format!("`{}` and `{wire}` both become the Rust variant `{rust}`", other.wire);
                self.error(&value.ptr, message);
            }
            let doc = match descriptions.as_ref().and_then(|d| d.json.get(wire)) {
                Some(Json::String(s)) if !s.trim().is_empty() => s.clone(),
                _ => {
                    let at =
                        descriptions.as_ref().map_or_else(|| node.ptr.clone(), |d| d.ptr.clone());
                    self.error(
                        at,
                        format!("enum value `{wire}` has no description in `x-enum-descriptions`"),
                    );
                    String::new()
                }
            };
            variants.push(Variant { wire: wire.clone(), name: rust, doc });
        }
        if let Some(d) = &descriptions {
            for (key, child) in d.members() {
                if !variants.iter().any(|v| v.wire == key) {
                    self.error(child.ptr, format!("describes `{key}`, which is not in `enum`"));
                }
            }
        }
        let open = self.bool(node, "x-extensible").unwrap_or(false);
        Some(EnumDef { name, doc, variants, open })
    }

    fn struct_def(&mut self, node: &Node<'a>, name: String, doc: String) -> StructDef {
        let closed = match node.child("additionalProperties") {
            Some(n) if n.json == &Json::Bool(false) => true,
            Some(n) if n.json == &Json::Bool(true) => false,
            Some(n) => {
                self.error(n.ptr, "only `true` or `false` is supported");
                false
            }
            None => false,
        };
        let required = self.strings(node, "required");
        let properties = node.child("properties");
        if let Some(p) = &properties {
            self.map(p);
        }
        let members = properties.map(|p| p.members()).unwrap_or_default();
        for (i, wire) in required.iter().enumerate() {
            if required[..i].contains(wire) {
                self.error(
                    format!("{}/required/{i}", node.ptr),
                    format!("`{wire}` is listed twice"),
                );
            } else if !members.iter().any(|(k, _)| k == wire) {
                let message = format!("`{wire}` is required but not declared in `properties`");
                self.error(format!("{}/required/{i}", node.ptr), message);
            }
        }
        let mut fields: Vec<Field> = Vec::new();
        let mut props = Vec::new();
        for (wire, prop) in members {
            if let Some(field) = self.field(wire, &prop, &required) {
                self.check_field_clash(&fields, &field, &prop);
                fields.push(field);
                props.push(prop);
            }
        }
        self.check_aliases(&fields, &props);
        let docs_url = self.docs_url(node);
        StructDef { name, doc, fields, in_response: false, closed, docs_url }
    }

    /// The reference page of an object (`x-docsUrl`), which must be an `https` URL.
    fn docs_url(&mut self, node: &Node<'a>) -> Option<String> {
        let url = self.string(node, "x-docsUrl")?.to_owned();
        if !url.starts_with("https://") || url.len() == "https://".len() {
            self.error(node.at("x-docsUrl"), "expected an `https://` URL");
            return None;
        }
        Some(url)
    }

    fn check_field_clash(&mut self, fields: &[Field], field: &Field, prop: &Node<'a>) {
        if field.name == names::EXTRA_FIELD || field.name == names::RECEIVED_AS_FIELD {
            let message = format!(
                "`{}` becomes the Rust field `{}`, which the generated code reserves",
                field.wire, field.name
            );
            self.error(&prop.ptr, message);
        }
        if let Some(other) = fields.iter().find(|f| f.name == field.name && !field.name.is_empty())
        {
            let message = format!(
                "`{}` and `{}` both become the Rust field `{}`",
                other.wire, field.wire, field.name
            );
            self.error(&prop.ptr, message);
        }
    }

    /// Every wire name (member names and aliases) of an object must be distinct.
    fn check_aliases(&mut self, fields: &[Field], props: &[Node<'a>]) {
        for (i, (field, prop)) in fields.iter().zip(props).enumerate() {
            for alias in &field.aliases {
                let clashes = alias == &field.wire
                    || fields.iter().enumerate().any(|(j, other)| {
                        other.wire == *alias || (j < i && other.aliases.contains(alias))
                    })
                    || field.aliases.iter().filter(|a| *a == alias).count() > 1;
                if clashes {
                    let message = format!("alias `{alias}` is already a wire name in this object");
                    self.error(prop.at("x-wire-aliases"), message);
                }
            }
        }
    }

    fn field(&mut self, wire: &'a str, prop: &Node<'a>, required: &[String]) -> Option<Field> {
        self.name_key(wire, prop);
        if !self.object(prop, SCHEMA_KEYS, &["description"]) {
            return None;
        }
        self.check_keywords(prop);
        let name = self.rust_name(&prop.ptr, wire, names::value_name);
        let doc = self.text(prop, "description");
        let (ty, nullable) = self.value_type(prop)?;
        let aliases = self.strings(prop, "x-wire-aliases");
        let filter_ops = self.filter_ops(prop);
        if !filter_ops.is_empty() && !self.is_literal(&ty) {
            self.error(
                prop.at("x-filterable"),
                "only strings, timestamps, integers, booleans, enums and ids can be filtered on",
            );
        }
        let required = required.iter().any(|r| r == wire);
        let sensitive = self.bool(prop, "x-sensitive").unwrap_or(false);
        Some(Field {
            wire: wire.to_owned(),
            aliases,
            name,
            doc,
            ty,
            required,
            nullable,
            filter_ops,
            sensitive,
            boxed: false,
        })
    }

    fn filter_ops(&mut self, prop: &Node<'a>) -> Vec<FilterOp> {
        let Some(node) = prop.child("x-filterable") else { return Vec::new() };
        if !self.object(&node, &["$comment", "operators"], &["operators"]) {
            return Vec::new();
        }
        let mut ops = Vec::new();
        for item in self.array(&node, "operators") {
            match FilterOp::ALL.iter().find(|(s, _)| item.json == &Json::String((*s).into())) {
                Some((_, op)) if !ops.contains(op) => ops.push(*op),
                Some(_) => self.error(item.ptr, "duplicate operator"),
                None => self.error(
                    item.ptr,
                    "unknown OData operator; expected one of eq, ne, in, gt, ge, lt, le",
                ),
            }
        }
        if ops.is_empty() {
            self.error(node.at("operators"), "list at least one operator");
        }
        let within = |family: &[FilterOp]| ops.iter().all(|op| family.contains(op));
        if !within(&FilterOp::EQUALITY) && !within(&FilterOp::ORDERED) {
            let message =
                "operators must come from one family: [eq, ne, in] or [eq, ne, gt, ge, lt, le]";
            self.error(node.at("operators"), message);
        }
        ops
    }

    /// True for types an OData literal can express.
    fn is_literal(&self, ty: &Type) -> bool {
        match ty {
            Type::String | Type::DateTime | Type::I32 | Type::I64 | Type::Bool => true,
            Type::Named(name) => self.defs.values().any(|d| {
                &d.rust == name
                    && d.node.json.get("properties").is_none()
                    && d.node.json.get("type") != Some(&Json::String("object".into()))
            }),
            Type::F64 | Type::Any | Type::Array(_) => false,
        }
    }

    /// The Rust type of a value schema and whether it may be null.
    fn value_type(&mut self, node: &Node<'a>) -> Option<(Type, bool)> {
        if node.child("$ref").is_some() {
            return self.ref_name(node).map(|name| (Type::Named(name), false));
        }
        if let Some(any_of) = node.child("anyOf") {
            return self.nullable_ref(&any_of).map(|name| (Type::Named(name), true));
        }
        if node.child("enum").is_some() {
            self.error(
                node.at("enum"),
                "inline enums are not supported: define the enum in `$defs` and `$ref` it",
            );
            return None;
        }
        let nullable = Self::is_nullable(node);
        let declared = self.declared_types(node);
        let ty = match declared.first().map(String::as_str) {
            None if node.json.get("type").is_none() => Type::Any,
            None => {
                if Self::is_only_null(node) {
                    self.error(node.at("type"), "a value cannot be only `null`");
                }
                return None;
            }
            Some("string") => self.string_type(node)?,
            Some("integer") => integer_type(node.json),
            Some("number") => Type::F64,
            Some("boolean") => Type::Bool,
            Some("array") => {
                let Some(items) = node.child("items") else {
                    self.error(&node.ptr, "missing required keyword `items`");
                    return None;
                };
                if !self.object(&items, SCHEMA_KEYS, &[]) {
                    return None;
                }
                self.check_keywords(&items);
                Type::Array(Box::new(self.value_type(&items)?.0))
            }
            Some(_) => {
                self.error(
                    &node.ptr,
                    "inline objects are not supported: define the object in `$defs` and `$ref` it",
                );
                return None;
            }
        };
        let nullable = nullable || ty == Type::Any;
        Some((ty, nullable))
    }

    fn string_type(&mut self, node: &Node<'a>) -> Option<Type> {
        match node.json.get("format") {
            None => Some(Type::String),
            Some(Json::String(f)) if f == "date-time" => Some(Type::DateTime),
            Some(Json::String(f)) if STRING_FORMATS.contains(&f.as_str()) => Some(Type::String),
            Some(other) => {
                let shown = match other {
                    Json::String(s) => format!("`{s}`"),
                    o => o.kind().to_owned(),
                };
                self.error(node.at("format"), format!("unsupported string format {shown}"));
                None
            }
        }
    }

    /// `{"anyOf": [{"$ref": ...}, {"type": "null"}]}` in either order.
    fn nullable_ref(&mut self, any_of: &Node<'a>) -> Option<String> {
        let items = any_of.items();
        let is_null = |n: &Node<'a>| {
            n.json == &Json::Object(vec![("type".into(), Json::String("null".into()))])
        };
        let refs: Vec<&Node<'a>> = items.iter().filter(|n| !is_null(n)).collect();
        if items.len() != 2 || refs.len() != 1 || refs[0].json.get("$ref").is_none() {
            self.error(
                &any_of.ptr,
                "`anyOf` is only supported as `[{\"$ref\": ...}, {\"type\": \"null\"}]`",
            );
            return None;
        }
        let target = refs[0].clone();
        self.object(&target, &["$ref", "$comment", "description"], &["$ref"]);
        self.ref_name(&target)
    }

    /// Resolves the `$ref` of `node` to a Rust type name.
    fn ref_name(&mut self, node: &Node<'a>) -> Option<String> {
        let at = node.at("$ref");
        let target = self.string(node, "$ref")?;
        let Some(key) = target.strip_prefix("#/$defs/") else {
            self.error(
                at,
                format!("`{target}`: only local `#/$defs/...` references are supported"),
            );
            return None;
        };
        let key = key.replace("~1", "/").replace("~0", "~");
        match self.defs.get(key.as_str()) {
            Some(entry) => Some(entry.rust.clone()).filter(|r| !r.is_empty()),
            None => {
                self.error(at, format!("`{target}` does not exist"));
                None
            }
        }
    }

    /// A `{"$ref"}` that must name an object type.
    fn ref_struct(&mut self, node: &Node<'a>) -> Option<String> {
        if !self.object(node, &["$ref", "$comment"], &["$ref"]) {
            return None;
        }
        let name = self.ref_name(node)?;
        let is_struct = self.defs.values().any(|d| {
            d.rust == name
                && (d.node.json.get("properties").is_some()
                    || d.node.json.get("type") == Some(&Json::String("object".into())))
        });
        if !is_struct {
            self.error(node.at("$ref"), format!("`{name}` is not an object type"));
            return None;
        }
        Some(name)
    }

    /// Responses must keep members they do not know, so they cannot be closed.
    fn check_closed_responses(&mut self, types: &[TypeDef]) {
        for def in types {
            let TypeDef::Struct(def) = def else { continue };
            if def.closed && def.in_response {
                let at = self.def_pointer(&def.name);
                let message = format!(
                    "`{}` appears in a response, which must keep unknown members: remove `additionalProperties: false`",
                    def.name
                );
                self.error(format!("{at}/additionalProperties"), message);
            }
        }
    }

    /// A struct cannot contain itself through members that are always present: the Rust type
    /// would be infinitely large.
    fn check_recursion(&mut self, types: &[TypeDef]) {
        for def in types {
            let TypeDef::Struct(def) = def else { continue };
            let mut stack: Vec<&str> = direct_children(types, &def.name);
            let mut seen = BTreeSet::new();
            while let Some(name) = stack.pop() {
                if name == def.name {
                    let at = self.def_pointer(&def.name);
                    let message = format!(
                        "`{}` contains itself through required, non-null members: make one of them optional or nullable",
                        def.name
                    );
                    self.error(at, message);
                    break;
                }
                if seen.insert(name) {
                    stack.extend(direct_children(types, name));
                }
            }
        }
    }

    fn def_pointer(&self, rust: &str) -> String {
        self.defs.values().find(|d| d.rust == rust).map(|d| d.node.ptr.clone()).unwrap_or_default()
    }

    fn check_open_enums(&mut self, types: &[TypeDef]) {
        for def in types {
            let TypeDef::Enum(def) = def else { continue };
            let Some(index) = def.variants.iter().position(|v| v.name == names::UNKNOWN_VARIANT)
            else {
                continue;
            };
            if def.open {
                let at = format!("{}/enum/{index}", self.def_pointer(&def.name));
                let message = format!(
                    "value `{}` would clash with the variant that keeps unknown values (the enum is open because it is `x-extensible` or appears in a response)",
                    def.variants[index].wire
                );
                self.error(at, message);
            }
        }
    }

    // ----- x-methods -------------------------------------------------------------------------

    fn methods(
        &mut self,
        root: &Node<'a>,
        types: &[TypeDef],
        extensions: &[String],
    ) -> Vec<Method> {
        let mut out: Vec<Method> = Vec::new();
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for item in self.array(root, "x-methods") {
            let Some(method) = self.method(&item, types) else { continue };
            if let Some(first) = seen.get(&method.spec_name) {
                let message =
                    format!("duplicate method name `{}` (first at {first})", method.spec_name);
                self.error(item.at("name"), message);
            } else if let Some(first) = seen.get(&method.name) {
                let message = format!(
                    "method `{}` becomes the Rust method `{}`, like the method at {first}",
                    method.spec_name, method.name
                );
                self.error(item.at("name"), message);
            } else if let Some(first) = seen.get(&method.call_type) {
                let message = format!(
                    "method `{}` has the call builder `{}`, like the method at {first}",
                    method.spec_name, method.call_type
                );
                self.error(item.at("name"), message);
            } else if let Some(first) = seen.get(&method.operation) {
                let message = format!(
                    "method `{}` has the operation constant `{}`, like the method at {first}",
                    method.spec_name, method.operation
                );
                self.error(item.at("name"), message);
            }
            if names::RESERVED_METHODS.contains(&method.name.as_str())
                || extensions.contains(&method.name)
            {
                let message = format!(
                    "`{}` becomes the Rust method `{}`, which the client already defines",
                    method.spec_name, method.name
                );
                self.error(item.at("name"), message);
            }
            seen.insert(method.call_type.clone(), item.ptr.clone());
            seen.insert(method.operation.clone(), item.ptr.clone());
            seen.insert(method.spec_name.clone(), item.ptr.clone());
            seen.insert(method.name.clone(), item.ptr.clone());
            out.push(method);
        }
        out
    }

    /// A method's call builder must not take the name of another type of the client module:
    /// `Client`, `Cloud`, or a typed filter builder.
    fn check_client_types(&mut self, methods: &[Method]) {
        let filters: Vec<String> = methods
            .iter()
            .filter_map(|m| m.filter.as_ref())
            .map(|(model, _)| names::filter_type(model))
            .collect();
        for method in methods {
            let taken = names::CLIENT_TYPES.contains(&method.call_type.as_str())
                || filters.contains(&method.call_type);
            if taken && !method.call_type.is_empty() {
                let message = format!(
                    "`{}` would name its call builder `{}`, which the client module already defines",
                    method.spec_name, method.call_type
                );
                self.error(format!("{}/name", method.pointer), message);
            }
        }
    }

    /// The command-line layer gives each method one flag per parameter and per member of its
    /// request body (`names::cli_flags`): within a method, every flag must be non-empty and
    /// distinct, and no parameter may take a flag the tool keeps for itself.
    fn check_cli_flags(&mut self, methods: &[Method], types: &[TypeDef]) {
        for method in methods {
            let fields = method.body_fields(types);
            let param_names: Vec<&str> = method.params.iter().map(|p| p.name.as_str()).collect();
            let member_names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            let (param_flags, member_flags) = names::cli_flags(&param_names, &member_names);
            let pointers = (0..method.params.len())
                .map(|i| format!("{}/parameters/{i}/name", method.pointer))
                .chain(fields.iter().map(|_| format!("{}/requestBody", method.pointer)));
            let flags = param_names
                .iter()
                .chain(&member_names)
                .zip(param_flags.iter().chain(&member_flags));
            let mut seen: Vec<(&str, String)> = Vec::new();
            for (i, ((name, flag), pointer)) in flags.zip(pointers).enumerate() {
                let is_param = i < param_names.len();
                let problem = if flag.is_empty() {
                    Some(format!("`{name}` leaves no command-line flag of `{}`", method.spec_name))
                } else if is_param && names::CLI_RESERVED_FLAGS.contains(&flag.as_str()) {
                    Some(format!(
                        "`{name}` becomes the flag `--{flag}` of `{}`, which the command-line tool keeps for itself",
                        method.spec_name
                    ))
                } else {
                    seen.iter().find(|(f, _)| f == flag).map(|(_, first)| {
                        format!(
                            "`{name}` becomes the flag `--{flag}` of `{}`, like the member at {first}",
                            method.spec_name
                        )
                    })
                };
                match problem {
                    Some(message) => self.error(pointer, message),
                    None => seen.push((flag, pointer)),
                }
            }
        }
    }

    /// Listings that return the same page type must read its items and next link from the same
    /// members: the type has one way of being paged.
    fn check_shared_pages(&mut self, methods: &[Method]) {
        for (i, method) in methods.iter().enumerate() {
            let Some(paging) = &method.paging else { continue };
            let first =
                methods[..i].iter().find(|m| m.response == method.response && m.paging.is_some());
            let Some((first, first_paging)) = first.and_then(|m| Some((m, m.paging.as_ref()?)))
            else {
                continue;
            };
            if first_paging.items_field != paging.items_field
                || first_paging.next_link_field != paging.next_link_field
            {
                let message = format!(
                    "`{}` pages `{}` through other members than `{}` does: listings that share a page type must agree on `items` and `nextLink`",
                    method.spec_name, method.response, first.spec_name
                );
                self.error(format!("{}/paging", method.pointer), message);
            }
        }
    }

    fn method(&mut self, node: &Node<'a>, types: &[TypeDef]) -> Option<Method> {
        if !self.object(node, METHOD_KEYS, METHOD_REQUIRED) {
            return None;
        }
        let spec_name = self.text(node, "name");
        let name = self.rust_name(&node.at("name"), &spec_name, names::value_name);
        let (call_type, operation) = if name.is_empty() {
            (String::new(), String::new())
        } else {
            (
                self.rust_name(&node.at("name"), &spec_name, names::call_type),
                self.rust_name(&node.at("name"), &spec_name, names::operation_const),
            )
        };
        let verb = self.verb(node);
        let mut params = self.params(node);
        let path_template = self.text(node, "path");
        let path = self.path(&node.at("path"), &path_template, &params);
        let body = node.child("requestBody").and_then(|n| self.ref_struct(&n));
        let response = node.child("response").and_then(|n| self.ref_struct(&n)).unwrap_or_default();
        let filter = node.child("filter").and_then(|n| self.filter(&n, &mut params, types));
        let response_def = struct_named(types, &response);
        let paging = self.paging(node, response_def, &params);
        let link_field = self.link_member(node, response_def);
        let (application_permissions, delegated_permissions) = self.permissions(node);
        Some(Method {
            pointer: node.ptr.clone(),
            summary: self.text(node, "summary"),
            description: self.text(node, "description"),
            docs_url: self.text(node, "docsUrl"),
            success: self.success(node),
            errors: self.method_errors(node),
            rate_limits: self.rate_limits(node),
            platforms: self.platforms(node),
            retry_safe: self.bool(node, "retrySafe").unwrap_or(false),
            spec_name,
            name,
            call_type,
            operation,
            verb,
            path_template,
            path,
            params,
            body,
            response,
            application_permissions,
            delegated_permissions,
            filter,
            paging,
            link_field,
        })
    }

    /// The `filter` of a listing method: a model with filterable fields, carried by the
    /// method's `$filter` query parameter.
    fn filter(
        &mut self,
        node: &Node<'a>,
        params: &mut [Param],
        types: &[TypeDef],
    ) -> Option<(String, usize)> {
        let name = self.ref_struct(node)?;
        let filterable = struct_named(types, &name)
            .is_some_and(|s| s.fields.iter().any(|f| !f.filter_ops.is_empty()));
        if !filterable {
            self.error(node.at("$ref"), format!("`{name}` has no property with `x-filterable`"));
        }
        let index =
            params.iter().position(|p| p.wire == "$filter" && p.location == ParamLocation::Query);
        match index {
            Some(index) if params[index].ty == Type::String => {
                params[index].is_filter = true;
                Some((name, index))
            }
            _ => {
                self.error(
                    &node.ptr,
                    "a method with `filter` needs a string query parameter named `$filter`",
                );
                None
            }
        }
    }

    fn paging(
        &mut self,
        node: &Node<'a>,
        response: Option<&StructDef>,
        params: &[Param],
    ) -> Option<Paging> {
        let paging = node.child("paging")?;
        if !self.object(
            &paging,
            &["$comment", "items", "nextLink", "top", "skip", "maxTop"],
            &["items", "nextLink", "top", "skip", "maxTop"],
        ) {
            return None;
        }
        let max_top =
            self.int(&paging, "maxTop").and_then(|m| u32::try_from(m).ok()).filter(|m| *m > 0);
        if max_top.is_none() && paging.child("maxTop").is_some() {
            self.error(paging.at("maxTop"), "must be a positive integer");
        }
        let (items, next_link) = (self.text(&paging, "items"), self.text(&paging, "nextLink"));
        if items.is_empty() || next_link.is_empty() {
            return None;
        }
        let (top, skip) = (self.text(&paging, "top"), self.text(&paging, "skip"));
        for (key, wire) in [("top", &top), ("skip", &skip)] {
            let is_int = |p: &Param| {
                p.wire == *wire
                    && p.location == ParamLocation::Query
                    && matches!(p.ty, Type::I32 | Type::I64)
            };
            if !wire.is_empty() && !params.iter().any(is_int) {
                self.error(
                    paging.at(key),
                    format!("`{wire}` is not an integer query parameter of this method"),
                );
            }
        }
        let response = response?;
        let items_field = response.fields.iter().find(|f| f.wire == items);
        let item_type = match items_field.map(|f| &f.ty) {
            Some(Type::Array(inner)) if !items_field.is_some_and(Field::is_optional) => {
                (**inner).clone()
            }
            _ => {
                self.error(
                    paging.at("items"),
                    format!("`{items}` is not a required array member of `{}`", response.name),
                );
                return None;
            }
        };
        let next_field =
            response.fields.iter().find(|f| f.wire == next_link && f.ty == Type::String);
        let Some(next_field) = next_field.filter(|f| f.is_optional()) else {
            self.error(
                paging.at("nextLink"),
                format!("`{next_link}` is not an optional string member of `{}`", response.name),
            );
            return None;
        };
        Some(Paging {
            items_field: items_field.map(|f| f.name.clone()).unwrap_or_default(),
            item_type,
            next_link_field: next_field.name.clone(),
            top,
            skip,
            max_top: max_top?,
        })
    }

    fn link_member(&mut self, node: &Node<'a>, response: Option<&StructDef>) -> Option<String> {
        let member = self.string(node, "linkMember")?;
        let field = response?
            .fields
            .iter()
            .find(|f| f.wire == member && f.ty == Type::String && !f.is_optional());
        match field {
            Some(field) => Some(field.name.clone()),
            None => {
                self.error(
                    node.at("linkMember"),
                    format!("`{member}` is not a required string member of the response"),
                );
                None
            }
        }
    }

    fn verb(&mut self, node: &Node<'a>) -> Verb {
        let text = self.string(node, "verb").unwrap_or("GET");
        match Verb::ALL.iter().find(|(s, _)| *s == text) {
            Some((_, verb)) => *verb,
            None => {
                self.error(node.at("verb"), format!("unknown HTTP verb `{text}`"));
                Verb::Get
            }
        }
    }

    fn params(&mut self, node: &Node<'a>) -> Vec<Param> {
        let mut out: Vec<Param> = Vec::new();
        for item in self.array(node, "parameters") {
            let keys = ["$comment", "name", "in", "description", "required", "schema"];
            if !self.object(&item, &keys, &["name", "in", "description", "schema"]) {
                continue;
            }
            let wire = self.text(&item, "name");
            let name = self.rust_name(&item.at("name"), &wire, names::value_name);
            if out.iter().any(|p| p.wire == wire || (p.name == name && !name.is_empty())) {
                self.error(item.at("name"), format!("duplicate parameter `{wire}`"));
                continue;
            }
            if names::RESERVED_CALL_MEMBERS.contains(&names::bare(&name)) {
                let message = format!(
                    "parameter `{wire}` becomes `{name}`, which the call builder already uses"
                );
                self.error(item.at("name"), message);
            }
            let location = match self.string(&item, "in") {
                Some("path") => ParamLocation::Path,
                Some("query") => ParamLocation::Query,
                Some(other) => {
                    self.error(
                        item.at("in"),
                        format!("unknown parameter location `{other}`; expected `path` or `query`"),
                    );
                    ParamLocation::Query
                }
                None => ParamLocation::Query,
            };
            let required = self.bool(&item, "required").unwrap_or(false);
            if location == ParamLocation::Path && !required {
                self.error(&item.ptr, "a path parameter must have `\"required\": true`");
            }
            // A parameter whose schema is broken is still declared (its problems are already
            // reported), so the path does not also claim it is missing.
            let ty = match item.child("schema") {
                Some(schema) if self.object(&schema, SCHEMA_KEYS, &[]) => {
                    self.value_type(&schema).map(|(ty, _)| (ty, schema))
                }
                _ => None,
            };
            let Some((ty, schema)) = ty else {
                out.push(Param {
                    wire,
                    name,
                    doc: String::new(),
                    location,
                    required,
                    ty: Type::String,
                    is_filter: false,
                    minimum: None,
                    maximum: None,
                });
                continue;
            };
            if matches!(ty, Type::Array(_) | Type::Any | Type::F64) || !self.is_literal(&ty) {
                self.error(
                    &schema.ptr,
                    "a parameter must be a string, integer, boolean, enum or id",
                );
            }
            let (minimum, maximum) = (self.int(&schema, "minimum"), self.int(&schema, "maximum"));
            self.check_bounds(&schema, &ty, minimum, maximum);
            let doc = self.text(&item, "description");
            out.push(Param {
                wire,
                name,
                doc,
                location,
                required,
                ty,
                is_filter: false,
                minimum,
                maximum,
            });
        }
        out
    }

    /// An integer parameter's values are clamped to its bounds, which must fit its type and
    /// leave room for a value.
    fn check_bounds(&mut self, schema: &Node<'a>, ty: &Type, min: Option<i64>, max: Option<i64>) {
        let range = match ty {
            Type::I32 => i64::from(i32::MIN)..=i64::from(i32::MAX),
            _ => i64::MIN..=i64::MAX,
        };
        for (key, bound) in [("minimum", min), ("maximum", max)] {
            if bound.is_some_and(|b| !range.contains(&b)) {
                self.error(schema.at(key), "does not fit the parameter's integer format");
            }
        }
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            self.error(schema.at("maximum"), format!("is below `minimum` ({min})"));
        }
    }

    fn path(&mut self, at: &str, template: &str, params: &[Param]) -> Vec<PathPart> {
        if template.is_empty() {
            return Vec::new();
        }
        if !template.starts_with('/') {
            self.error(at, "a path must start with `/`");
        }
        let mut parts = Vec::new();
        let mut used = BTreeSet::new();
        let mut rest = template;
        while let Some(open) = rest.find(['{', '}']) {
            if rest[open..].starts_with('}') {
                self.error(at, "unbalanced `}` in path");
                return parts;
            }
            let Some(close) = rest[open..].find('}').map(|c| c + open) else {
                self.error(at, "unclosed `{` in path");
                return parts;
            };
            if open > 0 {
                parts.push(PathPart::Literal(rest[..open].to_owned()));
            }
            let name = &rest[open + 1..close];
            match params.iter().position(|p| p.wire == name && p.location == ParamLocation::Path) {
                Some(index) if used.insert(index) => parts.push(PathPart::Param(index)),
                Some(_) => self.error(at, format!("parameter {{{name}}} appears more than once")),
                None => self.error(at, format!("parameter {{{name}}} is not declared")),
            }
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(PathPart::Literal(rest.to_owned()));
        }
        for (i, param) in params.iter().enumerate() {
            if param.location == ParamLocation::Path && !used.contains(&i) {
                self.error(
                    at,
                    format!("declared path parameter `{}` does not appear in the path", param.wire),
                );
            }
        }
        parts
    }

    fn success(&mut self, node: &Node<'a>) -> Vec<u16> {
        let items = self.array(node, "success");
        if items.is_empty() && node.child("success").is_some() {
            self.error(node.at("success"), "list at least one status");
        }
        let mut statuses: Vec<u16> = Vec::new();
        for item in &items {
            match self.status(item) {
                Some(status) if statuses.contains(&status) => {
                    self.error(&item.ptr, format!("status {status} is listed twice"));
                }
                Some(status) => statuses.push(status),
                None => {}
            }
        }
        statuses
    }

    fn status(&mut self, item: &Node<'a>) -> Option<u16> {
        match item.json {
            Json::Int(code) if (100..=599).contains(code) => u16::try_from(*code).ok(),
            Json::Int(code) => {
                self.error(&item.ptr, format!("`{code}` is not an HTTP status (100-599)"));
                None
            }
            other => {
                self.error(
                    &item.ptr,
                    format!("expected an HTTP status (100-599), found {}", other.kind()),
                );
                None
            }
        }
    }

    fn method_errors(&mut self, node: &Node<'a>) -> Vec<MethodError> {
        let mut out = Vec::new();
        for item in self.array(node, "errors") {
            if !self.object(&item, &["$comment", "status", "code", "when"], &["status", "when"]) {
                continue;
            }
            let status = item.child("status").and_then(|s| self.status(&s)).unwrap_or(0);
            let code = self.string(&item, "code").map(str::to_owned);
            let when = self.text(&item, "when");
            out.push(MethodError { status, code, when });
        }
        out
    }

    fn permissions(&mut self, node: &Node<'a>) -> (Vec<String>, Vec<String>) {
        let Some(perms) = node.child("permissions") else { return Default::default() };
        if !self.object(
            &perms,
            &["$comment", "application", "delegated"],
            &["application", "delegated"],
        ) {
            return Default::default();
        }
        let mut lists = [Vec::new(), Vec::new()];
        for (list, key) in lists.iter_mut().zip(["application", "delegated"]) {
            *list = self.strings(&perms, key);
            for (i, permission) in list.iter().enumerate() {
                if permission.trim().is_empty() {
                    self.error(format!("{}/{i}", perms.at(key)), "must not be empty");
                }
            }
        }
        let [application, delegated] = lists;
        (application, delegated)
    }

    /// The documented platforms: each an `os`, with an optional `minVersion` and `note` (none
    /// of them empty, as [`Self::string`] checks), no entry given twice.
    fn platforms(&mut self, node: &Node<'a>) -> Vec<Platform> {
        let mut out: Vec<Platform> = Vec::new();
        for item in self.array(node, "platforms") {
            if !self.object(&item, &["$comment", "os", "minVersion", "note"], &["os"]) {
                continue;
            }
            let mut member = |key: &str| self.string(&item, key).map(|v| v.trim().to_owned());
            let (Some(os), min_version, note) =
                (member("os"), member("minVersion"), member("note"))
            else {
                continue;
            };
            let platform = Platform { os, min_version, note };
            if out.contains(&platform) {
                self.error(&item.ptr, format!("`{}` is listed twice", platform.describe()));
                continue;
            }
            out.push(platform);
        }
        out
    }

    fn rate_limits(&mut self, node: &Node<'a>) -> Vec<RateLimit> {
        let mut out = Vec::new();
        for item in self.array(node, "rateLimits") {
            if !self.object(&item, &["$comment", "calls", "per"], &["calls", "per"]) {
                continue;
            }
            let calls =
                self.int(&item, "calls").and_then(|c| u32::try_from(c).ok()).filter(|c| *c > 0);
            if calls.is_none() && item.child("calls").is_some() {
                self.error(item.at("calls"), "must be a positive integer");
            }
            let per = match self.string(&item, "per") {
                Some("minute") => Some(Per::Minute),
                Some("hour") => Some(Per::Hour),
                Some(other) => {
                    self.error(
                        item.at("per"),
                        format!("unknown window `{other}`; expected `minute` or `hour`"),
                    );
                    None
                }
                None => None,
            };
            if let (Some(calls), Some(per)) = (calls, per) {
                out.push(RateLimit { calls, per });
            }
        }
        out
    }
}

/// The structs a struct holds directly (required, non-null, not in an array).
fn direct_children<'t>(types: &'t [TypeDef], name: &str) -> Vec<&'t str> {
    struct_named(types, name)
        .map(|def| {
            def.fields
                .iter()
                .filter(|f| !f.is_optional())
                .filter_map(|f| match &f.ty {
                    Type::Named(child) => Some(child.as_str()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Boxes every optional member whose type leads back to the struct that holds it (a type
/// that contains itself needs indirection to have a size; arrays already provide it).
fn box_recursive_members(types: &mut [TypeDef]) {
    let mut boxed = Vec::new();
    for (t, def) in types.iter().enumerate() {
        let TypeDef::Struct(def) = def else { continue };
        for (f, field) in def.fields.iter().enumerate() {
            if let Type::Named(child) = &field.ty
                && field.is_optional()
                && reaches(types, child, &def.name)
            {
                boxed.push((t, f));
            }
        }
    }
    for (t, f) in boxed {
        if let TypeDef::Struct(def) = &mut types[t] {
            def.fields[f].boxed = true;
        }
    }
}

/// True when the struct `from` is `to` or holds it, directly or through other structs'
/// members (arrays aside).
fn reaches(types: &[TypeDef], from: &str, to: &str) -> bool {
    let mut stack = vec![from];
    let mut seen = BTreeSet::new();
    while let Some(name) = stack.pop() {
        if name == to {
            return true;
        }
        if !seen.insert(name) {
            continue;
        }
        let Some(def) = struct_named(types, name) else { continue };
        stack.extend(def.fields.iter().filter_map(|f| match &f.ty {
            Type::Named(child) => Some(child.as_str()),
            _ => None,
        }));
    }
    false
}

fn integer_type(json: &Json) -> Type {
    match json.get("format") {
        Some(Json::String(f)) if f == "int32" => Type::I32,
        _ => Type::I64,
    }
}

fn def_position(document: &Json, ptr: &str) -> usize {
    let key = ptr.trim_start_matches("/$defs/").replace("~1", "/").replace("~0", "~");
    match document.get("$defs") {
        Some(Json::Object(members)) => {
            members.iter().position(|(k, _)| *k == key).unwrap_or(usize::MAX)
        }
        _ => usize::MAX,
    }
}

fn empty_api() -> Api {
    Api {
        name: String::new(),
        doc: String::new(),
        docs_url: String::new(),
        types: Vec::new(),
        methods: Vec::new(),
        servers: Vec::new(),
        error_type: None,
        client_extensions: Vec::new(),
        permissions: Vec::new(),
    }
}

/// Marks every struct reachable from a response (or the error body) as a response type, and
/// opens every enum reachable from one: the service may add members and values at any time.
fn mark_response_types(types: &mut [TypeDef], methods: &[Method], error_type: Option<&str>) {
    let mut pending: Vec<String> = methods.iter().map(|m| m.response.clone()).collect();
    pending.extend(error_type.map(str::to_owned));
    let mut seen = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some(def) = types.iter_mut().find(|t| t.name() == name) else { continue };
        match def {
            TypeDef::Struct(def) => {
                def.in_response = true;
                pending.extend(def.fields.iter().filter_map(|f| named(&f.ty)));
            }
            TypeDef::Enum(def) => def.open = true,
            TypeDef::Newtype(_) => {}
        }
    }
}

fn named(ty: &Type) -> Option<String> {
    match ty {
        Type::Named(name) => Some(name.clone()),
        Type::Array(inner) => named(inner),
        _ => None,
    }
}
