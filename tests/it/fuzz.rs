//! The generator's first promise under a mutation campaign (`xtask::fuzz`): 5,000 mutated
//! copies of the project's specs, none of which panics or runs over a second, and every one the
//! generator accepts yields files that parse as written. `cargo xtask fuzz` runs longer
//! campaigns and compiles samples of the accepted outputs.

use xtask::fuzz::{self, Outcome};

use crate::support::project_root;

const CASES: u64 = 5_000;

#[test]
fn mutated_specs_never_panic_and_accepted_ones_parse() {
    let seeds = fuzz::seed_corpus(&project_root()).expect("the seed specs are readable");
    assert!(seeds.len() > 40, "the SDK's spec and every fixture spec seed the campaign");
    let summary = fuzz::campaign(&seeds, 20_261_204, CASES, 2, 0);
    assert_eq!(summary.cases, CASES);
    let failures: Vec<String> = summary
        .failures
        .iter()
        .map(|case| {
            let verdict = match &case.outcome {
                Outcome::Panicked(message) => format!("panicked: {message}"),
                Outcome::Unparseable(message) => format!("does not parse: {message}"),
                other => format!("{other:?}"),
            };
            format!("case {} (from {}) {verdict}\n{}", case.id, case.seed_spec, case.text)
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let slow: Vec<String> = summary
        .slow
        .iter()
        .map(|case| format!("case {} took {:?}\n{}", case.id, case.elapsed, case.text))
        .collect();
    assert!(slow.is_empty(), "over {:?}: {}", fuzz::CASE_BUDGET, slow.join("\n\n"));
    // The campaign reaches the emitters, not only the validator.
    assert!(summary.accepted > CASES / 20, "only {} accepted", summary.accepted);
    assert!(summary.rejected > CASES / 20, "only {} rejected", summary.rejected);
}

/// A case is reproduced from the campaign seed and its number alone.
#[test]
fn cases_are_reproducible() {
    let seeds = fuzz::seed_corpus(&project_root()).expect("the seed specs are readable");
    assert_eq!(fuzz::case(&seeds, 7, 42), fuzz::case(&seeds, 7, 42));
    assert_ne!(fuzz::case(&seeds, 7, 42).1, fuzz::case(&seeds, 7, 43).1);
}
