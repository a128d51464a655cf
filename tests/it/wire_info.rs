//! An object wider than the 64 bits of `runtime::WireInfo`: the generated code numbers its
//! aliases first and gives explicit `null`s only the bits left, so the two never share a bit.

use serde_json::{Value, json};

use crate::support::{fixture, read};

/// The `nested` golden spec, whose `Report` has two aliases, grown by `extra` optional,
/// nullable members.
fn wide_report_spec(extra: usize) -> String {
    let mut spec: Value =
        serde_json::from_str(&read(&fixture("golden/nested/spec.json"))).expect("a JSON spec");
    let properties = spec["$defs"]["Report"]["properties"].as_object_mut().expect("properties");
    for i in 0..extra {
        properties.insert(
            format!("note{i:02}"),
            json!({"description": "An optional note.", "type": ["string", "null"]}),
        );
    }
    spec.to_string()
}

/// The bits the generated `Report` deserializer records `null`s under, in order.
fn null_bits(models: &str) -> Vec<u32> {
    let start = models.find("Deserialize<'de> for Report {").expect("Report's deserializer");
    let visitor = &models[start..];
    let visitor = &visitor[..visitor.find("Ok(Report {").expect("Report's visitor")];
    visitor
        .split("received_as.record_null(")
        .skip(1)
        .map(|rest| rest[..rest.find(')').expect("a call")].parse().expect("a bit"))
        .collect()
}

#[test]
fn explicit_nulls_get_only_the_bits_the_aliases_leave() {
    let target = codegen::Target { spec_name: "wide.json", crate_name: "wide", version: "0.0.0" };
    let files = codegen::generate(&wide_report_spec(70), &target).expect("generates");
    let models = &files.iter().find(|f| f.path == "src/models.rs").expect("models").contents;

    // Two aliases (bits 63 and 62 at run time) leave bits 0 to 61 for explicit nulls.
    let bits = null_bits(models);
    assert_eq!(bits.first(), Some(&0));
    assert_eq!(bits.last(), Some(&61), "{bits:?}");
    assert!(bits.windows(2).all(|pair| pair[1] == pair[0] + 1), "{bits:?}");
    assert!(
        models.contains(r#".pick("displayName", &[(0, "DisplayName"), (1, "display_name")])"#),
        "both aliases keep their bits"
    );
}
