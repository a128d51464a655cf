//! The grown spec of the generator benchmark (`tests::scaled_spec`) is a valid spec of N times
//! the work: N times the types and methods, and about N times the generated code.

use crate::support::{project_root, read};

#[test]
fn the_scaled_spec_is_n_copies_of_the_work() {
    let spec = read(&project_root().join("spec/machineaction.json"));
    let target = codegen::Target {
        spec_name: "spec/machineaction.json",
        crate_name: "mde_machine_actions",
        version: "0.0.0",
    };
    let lowered = |copies: usize| {
        let text = tests::scaled_spec::scale(&spec, copies);
        let document = codegen::load::load(&text).expect("loads");
        let api = codegen::lower::lower(&document).unwrap_or_else(|e| panic!("{copies}: {e}"));
        let files = codegen::generate(&text, &target).expect("generates");
        (api, files.iter().map(|f| f.contents.len()).sum::<usize>())
    };
    let (one, one_bytes) = lowered(1);
    let (three, three_bytes) = lowered(3);
    assert_eq!(three.methods.len(), 3 * one.methods.len());
    assert_eq!(three.types.len(), 3 * one.types.len());
    // Slightly under 3: the clouds, the client's own items and the headers are not copied.
    let ratio = three_bytes as f64 / one_bytes as f64;
    assert!((2.75..3.0).contains(&ratio), "3 copies generate {ratio:.2} times the code");
}
