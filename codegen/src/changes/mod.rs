//! The semantic change report: what changed between two lowered specs, how each change affects
//! users of the generated crate and of the command-line tool, and the version bump that needs.
//!
//! - [`compare`] walks two [`Api`]s (types, members, enum values, methods, parameters, bodies,
//!   statuses, limits, permissions, platforms, clouds) and returns every [`Change`], each
//!   classified for both audiences with the [`rules::Rule`] that decides it.
//! - [`Version`] and [`Verdict`] turn the worst impact into the bump a crate needs, with Cargo's
//!   0.x rules.
//! - [`render`] prints a [`Report`] as text, Markdown (for a pull request and `CHANGELOG.md`)
//!   or JSON.
//!
//! Pure, like the rest of the generator: reading the base spec from git and the versions from
//! the manifests is `cargo xtask changes`' job.

mod compare;
pub mod render;
pub mod rules;
mod version;

use std::fmt;

pub use compare::compare;
pub use version::{Bump, Verdict, Version};

use crate::ir::Api;
use rules::Rule;

/// How much a change matters to one audience, from nothing to breaking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// The audience sees no difference.
    None,
    /// Documentation, metadata or wire behaviour the API does not expose: a patch release.
    Patch,
    /// New API surface that no existing use can notice.
    Additive,
    /// Existing uses stop compiling, or read or send different data.
    Breaking,
}

impl Impact {
    /// The lowercase name the reports print.
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::None => "none",
            Impact::Patch => "patch",
            Impact::Additive => "additive",
            Impact::Breaking => "breaking",
        }
    }
}

impl fmt::Display for Impact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The Keep a Changelog section a change belongs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    /// Something new.
    Added,
    /// Something different.
    Changed,
    /// Something gone.
    Removed,
}

impl Category {
    /// The section's heading word.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Added => "Added",
            Category::Changed => "Changed",
            Category::Removed => "Removed",
        }
    }
}

/// One change between the base spec and the new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What kind of change, in kebab case (`member-removed`, `enum-value-added`, ...).
    pub kind: &'static str,
    /// Where: a type, `Type.member`, `Enum.Value` (the wire value), a method's spec name, `method($top)`,
    /// `cloud gcc-high`.
    pub subject: String,
    /// The change in one sentence, naming the Rust items users see.
    pub detail: String,
    /// Its Keep a Changelog section.
    pub category: Category,
    /// What it means for users of the generated crate.
    pub sdk: Impact,
    /// What it means for users of the command-line tool.
    pub cli: Impact,
    /// The rule that decides the worse of the two impacts.
    pub rule: &'static Rule,
}

impl Change {
    /// The change's impact on `audience`.
    pub fn impact(&self, audience: Audience) -> Impact {
        match audience {
            Audience::Sdk => self.sdk,
            Audience::Cli => self.cli,
        }
    }
}

/// Who is affected by a change: the two crates generated from the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Users of the generated SDK crate.
    Sdk,
    /// Users of the command-line tool, whose `api` commands are generated.
    Cli,
}

/// The worst impact of `changes` on `audience`.
pub fn worst(changes: &[Change], audience: Audience) -> Impact {
    changes.iter().map(|change| change.impact(audience)).max().unwrap_or(Impact::None)
}

/// Everything a report says: the two specs' labels, the changes, and each crate's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// How the base is named, e.g. `HEAD` or `v0.1.0 (337644d)`.
    pub base: String,
    /// How the new state is named, e.g. `the working tree`.
    pub head: String,
    /// The spec's file, e.g. `spec/machineaction.json`.
    pub spec_name: String,
    /// Every change, in spec order (API, clouds, types, methods, permissions).
    pub changes: Vec<Change>,
    /// One verdict per crate, SDK first.
    pub verdicts: Vec<Verdict>,
}

impl Report {
    /// Compares `base` with `head` and judges each crate's version: `crates` pairs each
    /// audience with its crate's name and its versions at the base (`None`: the crate is new)
    /// and now.
    pub fn new(
        labels: (&str, &str, &str),
        base: &Api,
        head: &Api,
        crates: &[(Audience, &str, Option<Version>, Version)],
    ) -> Report {
        let changes = compare(base, head);
        let verdicts = crates
            .iter()
            .map(|&(audience, name, before, now)| {
                Verdict::new(name, audience, before, now, worst(&changes, audience))
            })
            .collect();
        Report {
            base: labels.0.to_owned(),
            head: labels.1.to_owned(),
            spec_name: labels.2.to_owned(),
            changes,
            verdicts,
        }
    }

    /// True when some crate has a breaking change without the version bump it needs.
    pub fn missing_bump(&self) -> bool {
        self.verdicts.iter().any(|verdict| !verdict.satisfied())
    }
}
