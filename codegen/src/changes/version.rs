//! Versions and the bumps changes need, with Cargo's rules before 1.0.

use std::fmt;

use super::{Audience, Impact};

/// A `major.minor.patch` version (pre-release and build suffixes are not used by these crates
/// and are refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major.
    pub major: u64,
    /// Minor.
    pub minor: u64,
    /// Patch.
    pub patch: u64,
}

/// A version bump, from none to major.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bump {
    /// No bump needed.
    None,
    /// `x.y.z+1`.
    Patch,
    /// `x.y+1.0`.
    Minor,
    /// `x+1.0.0`.
    Major,
}

impl Bump {
    /// The lowercase name the reports print.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

impl Version {
    /// Parses `major.minor.patch`.
    pub fn parse(text: &str) -> Result<Version, String> {
        let parts: Vec<&str> = text.trim().split('.').collect();
        let number = |part: &str| {
            let digits = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
            (digits && (part == "0" || !part.starts_with('0'))).then(|| part.parse::<u64>().ok())
        };
        match parts[..] {
            [major, minor, patch] => match (number(major), number(minor), number(patch)) {
                (Some(Some(major)), Some(Some(minor)), Some(Some(patch))) => {
                    Ok(Version { major, minor, patch })
                }
                _ => Err(format!("`{text}` is not a major.minor.patch version")),
            },
            _ => Err(format!("`{text}` is not a major.minor.patch version")),
        }
    }

    /// The bump a change of this impact needs from this version: from 1.0, breaking is major
    /// and additive minor; before 1.0 breaking is minor and the rest patch; on 0.0.x every
    /// change is breaking, so a patch bump (Cargo treats each 0.0.x as incompatible).
    pub fn bump_for(self, impact: Impact) -> Bump {
        match (impact, self.major, self.minor) {
            (Impact::None, _, _) => Bump::None,
            (Impact::Patch, _, _) | (_, 0, 0) => Bump::Patch,
            (Impact::Additive, 0, _) => Bump::Patch,
            (Impact::Additive, _, _) => Bump::Minor,
            (Impact::Breaking, 0, _) => Bump::Minor,
            (Impact::Breaking, _, _) => Bump::Major,
        }
    }

    /// This version bumped.
    pub fn bumped(self, bump: Bump) -> Version {
        let Version { major, minor, patch } = self;
        match bump {
            Bump::None => self,
            Bump::Patch => Version { major, minor, patch: patch + 1 },
            Bump::Minor => Version { major, minor: minor + 1, patch: 0 },
            Bump::Major => Version { major: major + 1, minor: 0, patch: 0 },
        }
    }

    /// True when a user of `self` would get `other` from Cargo without asking (same major, or
    /// same minor before 1.0, or the same 0.0.x).
    pub fn compatible_with(self, other: Version) -> bool {
        match (self.major, self.minor) {
            (0, 0) => self == other,
            (0, minor) => other.major == 0 && other.minor == minor,
            (major, _) => other.major == major,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// What the changes mean for one crate's version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The crate's package name.
    pub name: String,
    /// Which audience the crate serves.
    pub audience: Audience,
    /// Its version at the base; `None` when the crate did not exist there.
    pub base: Option<Version>,
    /// Its version now.
    pub head: Version,
    /// The worst impact of the changes on it.
    pub impact: Impact,
}

impl Verdict {
    /// A crate's verdict.
    pub fn new(
        name: &str,
        audience: Audience,
        base: Option<Version>,
        head: Version,
        impact: Impact,
    ) -> Verdict {
        Verdict { name: name.to_owned(), audience, base, head, impact }
    }

    /// The bump the changes need from the base version (none for a new crate).
    pub fn bump(&self) -> Bump {
        self.base.map_or(Bump::None, |base| base.bump_for(self.impact))
    }

    /// The lowest version the next release may carry: the base bumped as the changes need.
    pub fn required(&self) -> Option<Version> {
        self.base.map(|base| base.bumped(self.bump()))
    }

    /// False when the changes break users and the version now is still one Cargo would pick
    /// for users of the base: the breaking release needs its bump first. Additive and patch
    /// changes never fail, since the version moves when a release is cut.
    pub fn satisfied(&self) -> bool {
        match self.base {
            Some(base) if self.impact == Impact::Breaking => {
                self.head > base && !base.compatible_with(self.head)
            }
            _ => true,
        }
    }

    /// One line saying what the crate needs, e.g. `mde-machine-actions 0.1.0: breaking changes
    /// need a minor bump, to 0.2.0 or later; the manifest still says 0.1.0: set version =
    /// "0.2.0"`.
    pub fn summary(&self) -> String {
        let Some(base) = self.base else {
            return format!(
                "{} {}: new since the base, no version rule applies ({} changes)",
                self.name, self.head, self.impact
            );
        };
        let bump = self.bump();
        let required = base.bumped(bump);
        let mut line = match (bump, self.impact) {
            (Bump::None, _) => format!("{} {base}: no change", self.name),
            (_, Impact::Breaking) => format!(
                "{} {base}: breaking changes need a {} bump, to {required} or later",
                self.name,
                bump.as_str()
            ),
            _ => format!(
                "{} {base}: {} changes (a release of them is {required} or later)",
                self.name, self.impact
            ),
        };
        if !self.satisfied() {
            line.push_str(&format!(
                "; the manifest still says {}: set version = \"{required}\"",
                self.head
            ));
        } else if self.head != base {
            line.push_str(&format!("; the manifest says {}", self.head));
        }
        line
    }
}
