//! The change report as text (`cargo xtask changes`), a one-paragraph summary (after
//! `cargo xtask codegen`), Markdown ready for a pull request and `CHANGELOG.md`
//! (`--markdown`), and JSON (`--json`).

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{Audience, Category, Change, Impact, Report, Verdict, rules};

/// The worse of a change's two impacts: how the reports order and label it.
fn severity(change: &Change) -> Impact {
    change.sdk.max(change.cli)
}

/// The changes, worst first, in spec order within a severity.
fn ordered(report: &Report) -> Vec<&Change> {
    let mut changes: Vec<&Change> = report.changes.iter().collect();
    changes.sort_by_key(|change| std::cmp::Reverse(severity(change)));
    changes
}

/// Counts per severity, e.g. `1 breaking, 2 additive, 3 patch`.
fn counts(report: &Report) -> String {
    let parts: Vec<String> = [Impact::Breaking, Impact::Additive, Impact::Patch]
        .iter()
        .filter_map(|&impact| {
            let n = report.changes.iter().filter(|c| severity(c) == impact).count();
            (n > 0).then(|| format!("{n} {impact}"))
        })
        .collect();
    parts.join(", ")
}

/// How many changes, and how bad: `no changes` or `3 change(s) (1 breaking, 2 patch)`.
fn tally(report: &Report) -> String {
    match report.changes.len() {
        0 => "no changes".to_owned(),
        n => format!("{n} change(s) ({})", counts(report)),
    }
}

fn audience_name(audience: Audience) -> &'static str {
    match audience {
        Audience::Sdk => "sdk",
        Audience::Cli => "cli",
    }
}

/// The full readable report.
pub fn to_text(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Spec changes in {} from {} to {}: {}",
        report.spec_name,
        report.base,
        report.head,
        tally(report)
    );
    out.push('\n');
    for verdict in &report.verdicts {
        let _ = writeln!(out, "{}", verdict.summary());
    }
    for change in ordered(report) {
        let _ = writeln!(
            out,
            "\n{:<9} {:<28} {}\n          {}\n          sdk {}, cli {}; rule {}: {}",
            severity(change).as_str(),
            change.kind,
            change.subject,
            change.detail,
            change.sdk,
            change.cli,
            change.rule.id,
            change.rule.text
        );
    }
    if !report.changes.is_empty() {
        let _ = writeln!(out, "\nVersions: {}", rules::VERSION_RULE);
    }
    out
}

/// A short paragraph for the end of `cargo xtask codegen`: counts, each crate's needs, and
/// the breaking changes by name.
pub fn to_summary(report: &Report) -> String {
    if report.changes.is_empty() {
        return format!("spec: no changes from {}\n", report.base);
    }
    let mut out = format!(
        "spec: {} change(s) from {} ({})\n",
        report.changes.len(),
        report.base,
        counts(report)
    );
    for verdict in &report.verdicts {
        let _ = writeln!(out, "  {}", verdict.summary());
    }
    for change in report.changes.iter().filter(|c| severity(c) == Impact::Breaking) {
        let _ = writeln!(out, "  breaking: {}: {}", change.subject, change.detail);
    }
    out.push_str("  `cargo xtask changes` lists every change with its rule\n");
    out
}

/// Markdown for a pull request or `CHANGELOG.md`: a table of crate verdicts, then the changes
/// under Keep a Changelog's Added, Changed and Removed headings, breaking ones marked.
pub fn to_markdown(report: &Report) -> String {
    let mut out = format!(
        "## Spec changes\n\n`{}`, from {} to {}: {}.\n",
        report.spec_name,
        report.base,
        report.head,
        tally(report)
    );
    out.push_str("\n| Crate | Impact | Version |\n|---|---|---|\n");
    for verdict in &report.verdicts {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            verdict.name,
            verdict.impact,
            version_cell(verdict)
        );
    }
    for category in [Category::Added, Category::Changed, Category::Removed] {
        let changes: Vec<&Change> =
            ordered(report).into_iter().filter(|c| c.category == category).collect();
        if changes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n### {}\n", category.as_str());
        for change in changes {
            let _ = writeln!(out, "- {}", markdown_item(change));
        }
    }
    out
}

fn version_cell(verdict: &Verdict) -> String {
    match (verdict.base, verdict.required()) {
        (Some(base), Some(required)) if required != base => {
            let status = if verdict.satisfied() { "" } else { " **(not bumped yet)**" };
            format!("{base} → {required} ({} bump){status}", verdict.bump().as_str())
        }
        (Some(base), _) => format!("{base} (no bump)"),
        (None, _) => format!("{} (new crate)", verdict.head),
    }
}

fn markdown_item(change: &Change) -> String {
    let broken: Vec<&str> = [(Audience::Sdk, "SDK"), (Audience::Cli, "CLI")]
        .iter()
        .filter(|(audience, _)| change.impact(*audience) == Impact::Breaking)
        .map(|(_, name)| *name)
        .collect();
    let mark = match broken[..] {
        [] => String::new(),
        _ => format!("**Breaking ({}):** ", broken.join(", ")),
    };
    let mut detail = change.detail.clone();
    if let Some(first) = detail.get(..1) {
        detail.replace_range(..1, &first.to_uppercase());
    }
    format!(
        "{mark}{detail} (`{}`; rule [`{}`]({}))",
        change.subject, change.rule.id, change.rule.reference
    )
}

/// Everything as JSON: labels, verdicts and changes with their rules.
pub fn to_json(report: &Report) -> String {
    let verdicts: Vec<Value> = report
        .verdicts
        .iter()
        .map(|v| {
            json!({
                "crate": v.name,
                "audience": audience_name(v.audience),
                "base_version": v.base.map(|b| b.to_string()),
                "version": v.head.to_string(),
                "impact": v.impact.as_str(),
                "bump": v.bump().as_str(),
                "required_version": v.required().map(|r| r.to_string()),
                "satisfied": v.satisfied(),
            })
        })
        .collect();
    let changes: Vec<Value> = report
        .changes
        .iter()
        .map(|c| {
            json!({
                "kind": c.kind,
                "subject": c.subject,
                "detail": c.detail,
                "category": c.category.as_str().to_lowercase(),
                "sdk": c.sdk.as_str(),
                "cli": c.cli.as_str(),
                "rule": { "id": c.rule.id, "text": c.rule.text, "reference": c.rule.reference },
            })
        })
        .collect();
    let value = json!({
        "spec": report.spec_name,
        "base": report.base,
        "head": report.head,
        "crates": verdicts,
        "changes": changes,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
