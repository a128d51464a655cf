//! The OpenAPI export, `spec/openapi.json` (kept fresh with the other derived files, see
//! `freshness`): the same bytes every time, it parses as OpenAPI 3.1 with the `oas3` crate
//! (every reference resolving), it declares every spec method with its verb, path, parameters,
//! bodies, success and error responses and the token scope, and every documented example of
//! Microsoft's (`tests/fixtures/docs/`) is valid against the schema the document declares for it.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::support::{fixture, project_root, read, spec_json, unified_diff};

/// The export, relative to the workspace root.
const OPENAPI: &str = "spec/openapi.json";

/// The spec, relative to the workspace root.
const SPEC: &str = "spec/machineaction.json";

/// The error responses every operation declares.
const ERROR_STATUSES: [&str; 6] = ["400", "401", "403", "404", "429", "500"];

/// What the exporter makes from the spec now.
#[track_caller]
fn export() -> String {
    codegen::openapi(&read(&project_root().join(SPEC)), &target(SPEC))
        .unwrap_or_else(|problems| panic!("the exporter rejects {SPEC}:\n{problems}"))
}

/// The checked-in export, parsed.
#[track_caller]
fn document() -> Value {
    let path = project_root().join(OPENAPI);
    serde_json::from_str(&read(&path))
        .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

/// The generator's target for a spec named `spec_name`: the SDK crate's name and version, as
/// `cargo xtask codegen` reads them from its manifest.
fn target(spec_name: &str) -> codegen::Target<'_> {
    static SDK: std::sync::OnceLock<xtask::derived::Sdk> = std::sync::OnceLock::new();
    let sdk = SDK.get_or_init(|| {
        xtask::derived::Sdk::read(&project_root()).expect("generated/Cargo.toml is readable")
    });
    codegen::Target { spec_name, crate_name: &sdk.crate_name, version: &sdk.version }
}

/// A JSON pointer token: `~` and `/` escaped.
fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A JSON pointer as a URI fragment (`#...`), percent-encoding what a fragment may not hold
/// (the braces of path templates, for instance).
fn fragment(pointer: &str) -> String {
    let mut out = String::from("#");
    for byte in pointer.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Follows a local `$ref` (`#/components/...`) if `value` is a reference object.
fn deref<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => doc
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{OPENAPI}: reference #{pointer} does not resolve")),
        None => value,
    }
}

/// One operation of the document.
struct Operation<'a> {
    path: String,
    verb: String,
    /// JSON pointer of the operation object.
    pointer: String,
    value: &'a Value,
}

/// Every operation, in document order.
fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let paths = doc["paths"].as_object().expect("paths is an object");
    let mut out = Vec::new();
    for (path, item) in paths {
        for (verb, value) in item.as_object().expect("a path item is an object") {
            out.push(Operation {
                path: path.clone(),
                verb: verb.clone(),
                pointer: format!("/paths/{}/{}", token(path), token(verb)),
                value,
            });
        }
    }
    out
}

/// Where a body schema sits: the JSON pointer of the schema in the document and what it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Place {
    operation: String,
    role: Role,
    pointer: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Request,
    Success,
    Error,
}

/// Every request and response body schema the document declares, with what it references
/// (`#/components/schemas/X`).
fn body_schemas(doc: &Value) -> Vec<(Place, String)> {
    let mut out = Vec::new();
    let schema_ref = |schema: &Value| schema.get("$ref").and_then(Value::as_str).map(str::to_owned);
    for op in operations(doc) {
        let id = op.value["operationId"].as_str().expect("operationId").to_owned();
        let content = "content/application~1json/schema";
        if let Some(schema) = op.value.pointer("/requestBody/content/application~1json/schema") {
            let pointer = format!("{}/requestBody/{content}", op.pointer);
            let place = Place { operation: id.clone(), role: Role::Request, pointer };
            out.push((place, schema_ref(schema).expect("request schema is a $ref")));
        }
        let responses = op.value["responses"].as_object().expect("responses");
        for (status, response) in responses {
            // A shared response is validated where it is defined.
            let pointer = match response.get("$ref").and_then(Value::as_str) {
                Some(target) => format!("{}/{content}", target.trim_start_matches('#')),
                None => format!("{}/responses/{status}/{content}", op.pointer),
            };
            let Some(schema) = deref(doc, response).pointer(&format!("/{content}")) else {
                continue;
            };
            let role = if status.starts_with('2') { Role::Success } else { Role::Error };
            let place = Place { operation: id.clone(), role, pointer };
            out.push((place, schema_ref(schema).expect("response schema is a $ref")));
        }
    }
    out
}

/// A draft 2020-12 validator (formats checked) over the whole document, for the schema at
/// `pointer`.
#[track_caller]
fn validator(doc: &Value, pointer: &str) -> jsonschema::Validator {
    assert!(doc.pointer(pointer).is_some(), "{OPENAPI} has nothing at {pointer}");
    let mut schema = doc.clone();
    schema
        .as_object_mut()
        .expect("the document is an object")
        .insert("$ref".to_owned(), Value::String(fragment(pointer)));
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{OPENAPI} does not compile as a JSON Schema at {pointer}: {e}"))
}

/// Every way `instance` breaks the schema at `pointer`, one line each.
fn errors_at(doc: &Value, pointer: &str, instance: &Value) -> Vec<String> {
    validator(doc, pointer)
        .iter_errors(instance)
        .map(|error| format!("  at `{}`: {error}", error.instance_path()))
        .collect()
}

/// One line of `tests/fixtures/docs/index.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Example {
    file: String,
    model: String,
    source: String,
}

/// The last path segment of a docs address, without `.md`: the page's name.
fn page(url: &str) -> &str {
    let last = url.trim_end_matches('/').rsplit('/').next().unwrap_or(url);
    last.strip_suffix(".md").unwrap_or(last)
}

/// The version in `generated/Cargo.toml`'s `[package]` table.
fn sdk_version() -> String {
    let manifest = read(&project_root().join("generated/Cargo.toml"));
    manifest
        .lines()
        .skip_while(|line| line.trim() != "[package]")
        .find_map(|line| line.strip_prefix("version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .expect("generated/Cargo.toml has a package version")
        .to_owned()
}

#[test]
fn exporting_twice_gives_byte_identical_pretty_json() {
    let (first, second) = (export(), export());
    assert!(
        first.as_bytes() == second.as_bytes(),
        "two runs of the exporter disagree:\n{}",
        unified_diff("first run", "second run", &first, &second)
    );
    assert!(first.starts_with("{\n  \"openapi\": \"3.1."), "{}", &first[..40]);
    assert!(first.ends_with("}\n") && !first.contains('\r'), "LF line endings, final newline");
    let value: Value = serde_json::from_str(&first).expect("the export is JSON");
    // Same layout as serde_json's pretty printer: only member order may differ from it.
    let sorted = serde_json::to_string_pretty(&value).expect("serializes");
    assert_eq!(first.lines().count(), sorted.lines().count());
}

#[test]
fn a_broken_spec_gives_the_same_problems_as_the_generator() {
    let dir = fixture("bad-specs");
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    entries.sort();
    for path in entries {
        let text = read(&path);
        let from_generator = codegen::generate(&text, &target(SPEC)).expect_err("a bad spec");
        let from_exporter = codegen::openapi(&text, &target(SPEC))
            .expect_err(&format!("{} must be rejected by the exporter", path.display()));
        assert_eq!(from_exporter, from_generator, "{}", path.display());
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} bad specs found in {}", dir.display());
}

#[test]
fn the_export_parses_as_openapi_3_1_with_every_reference_resolving() {
    let text = read(&project_root().join(OPENAPI));
    let api = oas3::from_json(&text).unwrap_or_else(|e| panic!("{OPENAPI}: oas3 rejects it: {e}"));
    let version = api.validate_version().unwrap_or_else(|e| panic!("{OPENAPI}: {e}"));
    assert_eq!((version.major, version.minor), (3, 1));
    assert_eq!(api.info.version, sdk_version(), "info.version is the SDK crate's version");
    assert_eq!(api.info.title, spec_json()["x-api"]["name"]);

    let spec = spec_json();
    let methods = spec["x-methods"].as_array().expect("x-methods");
    assert_eq!(api.operations().count(), methods.len(), "one operation per spec method");
    for (path, verb, op) in api.operations() {
        let id = op.operation_id.as_deref().unwrap_or_else(|| panic!("{verb} {path}: no id"));
        let declared = op.responses.as_ref().map_or(0, |responses| responses.len());
        let resolved = op.responses(&api);
        assert_eq!(resolved.len(), declared, "{id}: a response reference does not resolve");
        for (status, response) in &resolved {
            assert!(
                response.description.as_deref().is_some_and(|d| !d.is_empty()),
                "{id} {status}"
            );
            for (name, header) in &response.headers {
                header.resolve(&api).unwrap_or_else(|e| panic!("{id} {status} {name}: {e}"));
            }
            for media in response.content.values() {
                media.schema(&api).unwrap_or_else(|e| panic!("{id} {status}: {e}"));
            }
        }
        if let Some(body) = op.request_body(&api).unwrap_or_else(|e| panic!("{id}: {e}")) {
            assert_eq!(body.required, Some(true), "{id}: the request body is required");
            let media = body.content.get("application/json").expect("a JSON body");
            media.schema(&api).unwrap_or_else(|e| panic!("{id}: request schema: {e}"));
        }
        for param in op.parameters(&api).unwrap_or_else(|e| panic!("{id}: {e}")) {
            let schema = param.schema.as_ref().unwrap_or_else(|| panic!("{id}: {}", param.name));
            schema.resolve(&api).unwrap_or_else(|e| panic!("{id} {}: {e}", param.name));
        }
    }

    let components = api.components.as_ref().expect("components");
    let defs = spec["$defs"].as_object().expect("$defs");
    // oas3 keeps the document's order, serde_json (without `preserve_order`) sorts: compare sets.
    let names: BTreeSet<&String> = components.schemas.keys().collect();
    assert_eq!(names, defs.keys().collect::<BTreeSet<_>>(), "components.schemas are the $defs");
    for (name, schema) in &components.schemas {
        schema.resolve(&api).unwrap_or_else(|e| panic!("components.schemas.{name}: {e}"));
    }

    // The parser drops what it does not model (such as `$ref` siblings); check every `$ref` of
    // the raw document too.
    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(members) => {
                for (key, member) in members {
                    match (key.as_str(), member) {
                        ("$ref", Value::String(target)) => out.push(target),
                        ("examples" | "x-enum-descriptions", _) => {}
                        _ => refs(member, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| refs(item, out)),
            _ => {}
        }
    }
    let doc = document();
    let mut targets = Vec::new();
    refs(&doc, &mut targets);
    assert!(targets.len() > 50, "only {} references found", targets.len());
    for target in targets {
        let pointer = target.strip_prefix('#').unwrap_or_else(|| panic!("non-local $ref {target}"));
        assert!(pointer.starts_with("/components/"), "$ref {target} leaves components");
        assert!(doc.pointer(pointer).is_some(), "$ref {target} does not resolve");
    }
}

#[test]
fn the_security_scheme_asks_for_the_token_scope_of_each_cloud() {
    let text = read(&project_root().join(OPENAPI));
    let api = oas3::from_json(&text).expect("parses");
    let spec = spec_json();
    let servers = spec["x-servers"].as_array().expect("x-servers");
    let components = api.components.as_ref().expect("components");
    let scheme = components.security_schemes.get("oauth2").expect("an oauth2 scheme");
    let oas3::spec::SecurityScheme::OAuth2 { flows, .. } = scheme.resolve(&api).expect("resolves")
    else {
        panic!("the oauth2 scheme is not OAuth 2.0");
    };
    let flow = flows.client_credentials.as_ref().expect("the client credentials flow");
    let first = &servers[0];
    let scope = first["scope"].as_str().expect("scope");
    assert_eq!(scope, "https://api.securitycenter.microsoft.com/.default");
    assert!(flow.scopes.contains_key(scope), "{:?}", flow.scopes);
    let authority = first["authority"].as_str().expect("authority");
    assert!(flow.token_url.as_str().starts_with(authority), "{}", flow.token_url);
    assert!(flow.token_url.as_str().ends_with("/oauth2/v2.0/token"), "{}", flow.token_url);
    assert!(
        api.security.iter().any(|req| req.0.get("oauth2").is_some_and(|s| s == &[scope])),
        "the document does not require the oauth2 scheme with {scope}"
    );

    // One server per cloud, in spec order; each names its cloud and a scheme with its scope.
    assert_eq!(api.servers.len(), servers.len());
    for (server, cloud) in api.servers.iter().zip(servers) {
        let name = cloud["name"].as_str().expect("name");
        assert_eq!(server.url, cloud["url"].as_str().expect("url"));
        let description = server.description.as_deref().unwrap_or_default();
        assert!(description.starts_with(&format!("{name}: ")), "{description}");
        let scheme_name = server
            .extensions
            .get("security-scheme")
            .and_then(Value::as_str)
            .expect("x-security-scheme");
        let scheme = components.security_schemes.get(scheme_name).expect("the named scheme");
        let oas3::spec::SecurityScheme::OAuth2 { flows, .. } = scheme.resolve(&api).expect("ok")
        else {
            panic!("{scheme_name} is not OAuth 2.0");
        };
        let flow = flows.client_credentials.expect("client credentials");
        let cloud_scope = cloud["scope"].as_str().expect("scope");
        assert!(flow.scopes.contains_key(cloud_scope), "{name}: {:?}", flow.scopes);
        let cloud_authority = cloud["authority"].as_str().expect("authority");
        assert!(flow.token_url.as_str().starts_with(cloud_authority), "{name}");
    }
}

#[test]
fn every_spec_method_is_an_operation_with_its_verb_path_and_details() {
    let doc = document();
    let spec = spec_json();
    let ops = operations(&doc);
    let error_ref = spec["x-api"]["errorResponse"]["$ref"].as_str().expect("errorResponse");
    let error_ref = error_ref.replace("#/$defs/", "#/components/schemas/");
    for method in spec["x-methods"].as_array().expect("x-methods") {
        let name = method["name"].as_str().expect("name");
        let matching: Vec<&Operation<'_>> =
            ops.iter().filter(|op| op.value["operationId"] == name).collect();
        assert_eq!(matching.len(), 1, "{name}: expected exactly one operation with this id");
        let op = matching[0];
        assert_eq!(op.path, method["path"].as_str().expect("path"), "{name}: path");
        let verb = method["verb"].as_str().expect("verb").to_ascii_lowercase();
        assert_eq!(op.verb, verb, "{name}: verb");
        let value = op.value;
        assert_eq!(value["summary"], method["summary"], "{name}");
        let description = value["description"].as_str().expect("description");
        assert!(description.starts_with(method["description"].as_str().expect("doc")), "{name}");

        // Parameters: names, places, requiredness and schemas.
        let empty = Vec::new();
        let params = value["parameters"].as_array().unwrap_or(&empty);
        let spec_params = method["parameters"].as_array().unwrap_or(&empty);
        assert_eq!(params.len(), spec_params.len(), "{name}: parameters");
        for (param, spec_param) in params.iter().zip(spec_params) {
            for key in ["name", "in", "description"] {
                assert_eq!(param[key], spec_param[key], "{name}: parameter {key}");
            }
            assert_eq!(param["required"], spec_param["required"], "{name}: required");
            let expected = serde_json::to_string(&spec_param["schema"])
                .expect("serializes")
                .replace("#/$defs/", "#/components/schemas/");
            assert_eq!(param["schema"].to_string(), expected, "{name}: parameter schema");
            if param["in"] == "path" {
                let placeholder = format!("{{{}}}", param["name"].as_str().expect("name"));
                assert!(op.path.contains(&placeholder), "{name}: {placeholder} not in the path");
            }
        }

        // Request body.
        match method.get("requestBody") {
            Some(body) => {
                let target = body["$ref"].as_str().expect("$ref");
                let expected = target.replace("#/$defs/", "#/components/schemas/");
                let schema = &value["requestBody"]["content"]["application/json"]["schema"];
                assert_eq!(schema["$ref"], expected.as_str(), "{name}: request body");
                assert_eq!(value["requestBody"]["required"], true, "{name}");
            }
            None => assert!(value.get("requestBody").is_none(), "{name}: unexpected body"),
        }

        // Success and error responses.
        let responses = value["responses"].as_object().expect("responses");
        let response_ref = method["response"]["$ref"]
            .as_str()
            .expect("response")
            .replace("#/$defs/", "#/components/schemas/");
        for status in method["success"].as_array().expect("success") {
            let status = status.to_string();
            let response = responses.get(&status).unwrap_or_else(|| panic!("{name}: {status}"));
            let schema = &response["content"]["application/json"]["schema"];
            assert_eq!(schema["$ref"], response_ref.as_str(), "{name}: {status} schema");
        }
        for status in ERROR_STATUSES {
            let response = responses.get(status).unwrap_or_else(|| panic!("{name}: no {status}"));
            let response = deref(&doc, response);
            let schema = &response["content"]["application/json"]["schema"];
            assert_eq!(schema["$ref"], error_ref.as_str(), "{name}: {status} error body");
            if status == "429" {
                let header = deref(&doc, &response["headers"]["Retry-After"]);
                assert!(header["schema"].is_object(), "{name}: Retry-After has no schema");
            }
        }
        let statuses: Vec<u16> =
            responses.keys().map(|s| s.parse().expect("numeric status")).collect();
        assert!(statuses.is_sorted(), "{name}: responses out of order: {statuses:?}");
        for error in method["errors"].as_array().unwrap_or(&empty) {
            let status = error["status"].to_string();
            let response = deref(&doc, &responses[&status]);
            let text = response["description"].as_str().expect("description");
            let when = error["when"].as_str().expect("when");
            assert!(text.contains(when), "{name}: {status} does not document `{when}`");
            if let Some(code) = error["code"].as_str() {
                assert!(text.contains(&format!("`{code}`")), "{name}: {status} lacks {code}");
            }
            assert!(description.contains(when), "{name}: the description lacks `{when}`");
        }

        // Extensions carry the spec's values as they are.
        for (key, extension) in [
            ("permissions", "x-permissions"),
            ("rateLimits", "x-rate-limits"),
            ("platforms", "x-platforms"),
            ("retrySafe", "x-retry-safe"),
            ("paging", "x-paging"),
            ("linkMember", "x-link-member"),
        ] {
            assert_eq!(value.get(extension), method.get(key), "{name}: {extension}");
        }
        for platform in method["platforms"].as_array().unwrap_or(&empty) {
            let os = platform["os"].as_str().expect("os");
            assert!(description.contains(os), "{name}: the description lacks the platform {os}");
        }
        for permission in method["permissions"]["application"].as_array().expect("application") {
            let permission = permission.as_str().expect("string");
            assert!(description.contains(&format!("`{permission}`")), "{name}: {permission}");
        }
    }
    assert_eq!(
        ops.len(),
        spec["x-methods"].as_array().map_or(0, Vec::len),
        "operations the spec does not declare"
    );
}

#[test]
fn components_schemas_are_the_spec_defs_with_references_moved() {
    let doc = document();
    let spec = spec_json();
    let expected = serde_json::to_string(&spec["$defs"])
        .expect("serializes")
        .replace("\"#/$defs/", "\"#/components/schemas/");
    let mut expected: Value = serde_json::from_str(&expected).expect("JSON");
    // An object's `x-docsUrl` becomes the schema's `externalDocs`.
    let mut linked = 0;
    for schema in expected.as_object_mut().expect("an object").values_mut() {
        let schema = schema.as_object_mut().expect("an object");
        if let Some(url) = schema.remove("x-docsUrl") {
            let docs = json!({ "description": "Reference documentation", "url": url });
            schema.insert("externalDocs".to_owned(), docs);
            linked += 1;
        }
    }
    assert_eq!(linked, 2, "MachineAction and Machine name their pages");
    assert_eq!(doc["components"]["schemas"], expected);
    // Nullable members stay type pairs and nullable references stay `anyOf` with null.
    let action = &doc["components"]["schemas"]["MachineAction"]["properties"];
    assert_eq!(action["scope"]["type"], json!(["string", "null"]));
    assert_eq!(
        action["machineId"]["anyOf"],
        json!([{"$ref": "#/components/schemas/MachineId"}, {"type": "null"}])
    );
}

#[test]
fn every_documented_example_is_valid_against_the_schema_the_document_declares() {
    let doc = document();
    let spec = spec_json();
    let index_path = fixture("docs/index.json");
    let examples: Vec<Example> = serde_json::from_str(&read(&index_path))
        .unwrap_or_else(|e| panic!("{}: {e}", index_path.display()));
    assert!(examples.len() >= 19, "index.json lists only {} examples", examples.len());
    let places = body_schemas(&doc);
    let error_model = spec["x-api"]["errorResponse"]["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .expect("errorResponse");
    let methods = spec["x-methods"].as_array().expect("x-methods");
    let mut validated = BTreeSet::new();
    for example in &examples {
        let label = format!("docs/{}", example.file);
        let instance: Value = serde_json::from_str(&read(&fixture(&label)))
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        let target = format!("#/components/schemas/{}", example.model);
        let declared: Vec<&Place> =
            places.iter().filter(|(_, r)| *r == target).map(|(place, _)| place).collect();
        assert!(!declared.is_empty(), "{label}: no body in {OPENAPI} declares {}", example.model);

        // When the example comes from a method's page, that operation declares its model in the
        // role the example plays.
        let role = if example.model == error_model {
            Role::Error
        } else if example.file.contains("-request") {
            Role::Request
        } else {
            Role::Success
        };
        let method = methods
            .iter()
            .find(|m| m["docsUrl"].as_str().is_some_and(|url| page(url) == page(&example.source)));
        if let Some(method) = method {
            let id = method["name"].as_str().expect("name");
            assert!(
                declared.iter().any(|p| p.operation == id && p.role == role),
                "{label}: {id} (its page) does not declare {} as its {role:?} body",
                example.model
            );
        }

        // Valid wherever the document declares the model, and through the operation's schema,
        // not only through components.schemas.
        for place in declared.iter().filter(|p| p.role == role) {
            let errors = errors_at(&doc, &place.pointer, &instance);
            assert!(
                errors.is_empty(),
                "{label} is not valid against {OPENAPI}#{} ({} {:?} body):\n{}",
                place.pointer,
                place.operation,
                place.role,
                errors.join("\n")
            );
            validated.insert(place.pointer.clone());
        }
        let component = format!("/components/schemas/{}", example.model);
        let errors = errors_at(&doc, &component, &instance);
        assert!(
            errors.is_empty(),
            "{label} is not a valid {}:\n{}",
            example.model,
            errors.join("\n")
        );
    }
    assert!(validated.len() >= 20, "only {} schemas were exercised", validated.len());
}

#[test]
fn validation_through_the_document_rejects_what_the_spec_forbids() {
    let doc = document();
    let isolate = doc["paths"]["/api/machines/{id}/isolate"]["post"].clone();
    assert!(isolate.is_object(), "isolateMachine is at its path");
    let request =
        "/paths/~1api~1machines~1{id}~1isolate/post/requestBody/content/application~1json/schema";
    // Request bodies are closed and case-sensitive.
    assert!(errors_at(&doc, request, &json!({"Comment": "x", "IsolationType": "Full"})).is_empty());
    assert_eq!(errors_at(&doc, request, &json!({"comment": "x"})).len(), 2, "extra + required");
    assert_eq!(
        errors_at(&doc, request, &json!({"Comment": "x", "IsolationType": "Half"})).len(),
        1
    );

    // Responses: a required member and a date-time format, through a path with braces and
    // parentheses.
    let get =
        "/paths/~1api~1machineactions~1{id}/get/responses/200/content/application~1json/schema";
    let action: Value =
        serde_json::from_str(&read(&fixture("docs/get-machineaction-object-response.json")))
            .expect("JSON");
    assert!(errors_at(&doc, get, &action).is_empty());
    let mut no_id = action.clone();
    no_id.as_object_mut().expect("object").remove("id");
    assert!(!errors_at(&doc, get, &no_id).is_empty(), "id is required");
    let mut bad_time = action;
    bad_time["creationDateTimeUtc"] = json!("2019-01-02 14:39:38");
    assert!(!errors_at(&doc, get, &bad_time).is_empty(), "formats are checked");
    let link = "/paths/~1api~1machineactions~1{id}~1GetLiveResponseResultDownloadLink(index={index})\
                /get/responses/200/content/application~1json/schema";
    assert!(errors_at(&doc, link, &json!({"value": "https://example.com/x"})).is_empty());
    assert!(!errors_at(&doc, link, &json!({"value": 3})).is_empty());

    // Error bodies need an error object with a code.
    let error = "/components/responses/NotFound/content/application~1json/schema";
    assert!(errors_at(&doc, error, &json!({"error": {"code": "NotFound"}})).is_empty());
    assert!(!errors_at(&doc, error, &json!({"error": {"message": "gone"}})).is_empty());
}

#[test]
fn every_golden_spec_exports_a_document_that_parses() {
    // The exporter knows nothing about MachineAction: the golden fixture specs, one of them an
    // unrelated API, export too.
    let dir = fixture("golden");
    let mut specs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path().join("spec.json"))
        .filter(|path| path.is_file())
        .collect();
    specs.sort();
    assert!(specs.len() >= 3, "only {} golden specs", specs.len());
    for path in specs {
        let text = read(&path);
        let exported = codegen::openapi(&text, &target("golden"))
            .unwrap_or_else(|problems| panic!("{}: {problems}", path.display()));
        let api = oas3::from_json(&exported)
            .unwrap_or_else(|e| panic!("{}: oas3 rejects the export: {e}", path.display()));
        let spec: Value = serde_json::from_str(&text).expect("JSON");
        let methods = spec["x-methods"].as_array().map_or(0, Vec::len);
        assert_eq!(api.operations().count(), methods, "{}", path.display());
        for (path_template, _, op) in api.operations() {
            let id = op.operation_id.as_deref().unwrap_or_default();
            assert_eq!(op.responses(&api).len(), op.responses.as_ref().map_or(0, |r| r.len()));
            assert!(!id.is_empty(), "{}: {path_template}", path.display());
        }
    }
}

/// The spec's platforms reach the client's method docs, each method's in its own doc comment,
/// in spec order; a method without platforms says nothing about them.
#[test]
fn documented_platforms_reach_the_client_docs() {
    let spec_text = read(&project_root().join("spec/machineaction.json"));
    let api =
        codegen::lower::lower(&codegen::load::load(&spec_text).expect("load")).expect("lower");
    let files =
        codegen::generate(&spec_text, &target("spec/machineaction.json")).expect("generate");
    let client = &files.iter().find(|f| f.path == "src/client.rs").expect("client.rs").contents;
    let with_platforms = api.methods.iter().filter(|m| !m.platforms.is_empty()).count();
    assert!(with_platforms >= 10, "the action methods document their platforms");
    assert_eq!(client.matches("/// - Platforms (as documented): ").count(), with_platforms);
    for method in api.methods.iter().filter(|m| !m.platforms.is_empty()) {
        let described: Vec<String> = method.platforms.iter().map(|p| p.describe()).collect();
        let line = format!("/// - Platforms (as documented): {}.", described.join("; "));
        assert!(client.contains(&line), "{}: {line}", method.spec_name);
    }
    let isolate = api.methods.iter().find(|m| m.spec_name == "isolateMachine").expect("isolate");
    assert_eq!(isolate.platforms[0].describe(), "Windows 10 1703 or later (full isolation)");
}
