//! The project's spec grown to N renamed copies of itself, for the generator's benchmark
//! (`cargo bench -p tests --bench codegen`) and its linearity test.
//!
//! Copy 1 is the spec as it is, but for the order of object members, which come out sorted
//! (every scale alike, so the copies are the same work). Copy `k` (from 2 on) adds every type of `$defs` under the name
//! `<Name>C<k>` (with every `$ref` inside it renamed the same way) and every method under the
//! name `<name>C<k>`, its path under `/c<k>`, its docs link with `#c<k>`, and its request,
//! response, filter and parameter types pointing into its own copy. Clouds, the error type and
//! the decisions stay as they are. The result is a valid spec of `N` times the types and
//! methods, with nothing shared between copies but the permission names, so every stage of the
//! generator sees `N` times the work.

use serde_json::{Map, Value};

/// The spec text `spec` grown to `copies` copies (1: unchanged). Panics on a spec without
/// `$defs` or `x-methods`: the input is the project's own spec.
pub fn scale(spec: &str, copies: usize) -> String {
    let mut root: Value = serde_json::from_str(spec).expect("the spec is JSON");
    let defs = root["$defs"].as_object().expect("$defs").clone();
    let methods = root["x-methods"].as_array().expect("x-methods").clone();
    for k in 2..=copies {
        let suffix = format!("C{k}");
        let out_defs = root["$defs"].as_object_mut().expect("$defs");
        for (name, def) in &defs {
            out_defs.insert(format!("{name}{suffix}"), renamed_refs(def, &suffix));
        }
        let out_methods = root["x-methods"].as_array_mut().expect("x-methods");
        for method in &methods {
            out_methods.push(copied_method(method, &suffix, k));
        }
    }
    let mut text = serde_json::to_string_pretty(&root).expect("JSON");
    text.push('\n');
    text
}

/// A method of copy `k`: renamed, under its own path and link, on its copy's types.
fn copied_method(method: &Value, suffix: &str, k: usize) -> Value {
    let mut method = renamed_refs(method, suffix);
    let Some(object) = method.as_object_mut() else { return method };
    append(object, "name", suffix);
    if let Some(Value::String(path)) = object.get_mut("path") {
        *path = format!("/c{k}{path}");
    }
    if let Some(Value::String(url)) = object.get_mut("docsUrl") {
        url.push_str(&format!("#c{k}"));
    }
    method
}

fn append(object: &mut Map<String, Value>, key: &str, suffix: &str) {
    if let Some(Value::String(text)) = object.get_mut(key) {
        text.push_str(suffix);
    }
}

/// `value` with every `#/$defs/<Name>` reference renamed to `#/$defs/<Name><suffix>`.
fn renamed_refs(value: &Value, suffix: &str) -> Value {
    match value {
        Value::String(text) if text.starts_with("#/$defs/") => {
            let (name, rest) = match text["#/$defs/".len()..].split_once('/') {
                Some((name, rest)) => (name, format!("/{rest}")),
                None => (&text["#/$defs/".len()..], String::new()),
            };
            Value::String(format!("#/$defs/{name}{suffix}{rest}"))
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| renamed_refs(v, suffix)).collect())
        }
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), renamed_refs(v, suffix))).collect())
        }
        other => other.clone(),
    }
}
