//! Benchmark: how docs-check's time grows with the size of a page.
//!
//! Run with `cargo bench -p tests --bench docs_check`. Two real pages (the vendored resource
//! page and the run-live-response fixture) are grown to 1,000, 10,000 and 40,000 lines with
//! `tests::large_pages` (prose, value lists, tables, JSON examples), the 40,000-line ones also
//! with a 4 MB line among them, and a page that is a single 4 MB line is checked as a method
//! page. Each case is checked in every round, the cases interleaved, and the median of the
//! rounds is reported with the ratios 10k/1k and 40k/10k: about 10 and 4 when the check is
//! linear in its input. `DOCS_CHECK_BENCH_ROUNDS` sets the number of rounds (default 7);
//! words after `--` keep only the cases whose name contains one of them
//! (`cargo bench -p tests --bench docs_check -- 10k 40k`).

#![allow(clippy::print_stdout, missing_docs)]

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use docs_check::Page;
use tests::large_pages::{Size, grow, one_line_page};

const MB4: usize = 4 * 1024 * 1024;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// One page to check: its name in the report and the page.
struct Case {
    name: String,
    page: Page,
    samples: Vec<Duration>,
}

fn main() {
    let rounds: usize = std::env::var("DOCS_CHECK_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|r| *r > 0)
        .unwrap_or(7);
    let spec = read("spec/machineaction.json");
    let accepted = read("spec/docs-accepted.json");
    let sources = [
        ("resource", "spec/docs/machineaction.md", "spec/docs/machineaction.md"),
        (
            "live",
            "tests/fixtures/docs-check/defender-endpoint/api/run-live-response.md",
            "run-live-response.md",
        ),
    ];
    let mut cases = Vec::new();
    for (label, source, path) in sources {
        let text = read(source);
        for (size_name, size) in [
            ("1k", Size::lines(1_000)),
            ("10k", Size::lines(10_000)),
            ("40k", Size::lines(40_000)),
            ("40k+4MB", Size::lines(40_000).with_giant_line(MB4)),
        ] {
            let large = grow(&text, size);
            cases.push(Case {
                name: format!("{label} {size_name}"),
                page: Page { path: path.to_owned(), text: large.text },
                samples: Vec::new(),
            });
        }
    }
    cases.push(Case {
        name: "one 4 MB line".to_owned(),
        page: Page { path: "run-live-response.md".to_owned(), text: one_line_page(MB4) },
        samples: Vec::new(),
    });
    // Cargo passes `--bench`; other words select cases.
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    if !filters.is_empty() {
        cases.retain(|case| filters.iter().any(|f| case.name.contains(f.as_str())));
    }

    for _ in 0..rounds {
        for case in &mut cases {
            let pages = std::slice::from_ref(&case.page);
            let start = Instant::now();
            let report = docs_check::check(black_box(&spec), black_box(pages), &accepted)
                .expect("the page is checked");
            case.samples.push(start.elapsed());
            black_box(report);
        }
    }

    println!("docs-check on one page, median of {rounds} rounds:");
    let mut medians = Vec::new();
    for case in &mut cases {
        let m = tests::median(&mut case.samples);
        println!(
            "{:<18} {:>8} lines {:>9} bytes {:>10.2} ms",
            case.name,
            case.page.text.lines().count(),
            case.page.text.len(),
            m.as_secs_f64() * 1e3
        );
        medians.push((case.name.clone(), m));
    }
    let time =
        |name: String| medians.iter().find(|(n, _)| *n == name).map(|(_, m)| m.as_secs_f64());
    for (label, _, _) in sources {
        let ratio =
            |a: &str, b: &str| match (time(format!("{label} {a}")), time(format!("{label} {b}"))) {
                (Some(a), Some(b)) => format!("{:.2}x", a / b),
                _ => "-".to_owned(),
            };
        println!(
            "{label}: 10k/1k {}, 40k/10k {} (linear: 10x and 4x)",
            ratio("10k", "1k"),
            ratio("40k", "10k")
        );
    }
}
