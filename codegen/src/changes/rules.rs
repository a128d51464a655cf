//! The rules that classify a spec change for the users of the generated crate and of the
//! command-line tool. Every [`Change`](super::Change) cites one, so a reviewer can check the
//! verdict instead of trusting it.
//!
//! The generated crate's shape decides most verdicts: its structs and enums are
//! `#[non_exhaustive]`, every struct has a `new` taking its required members, optional members
//! and optional parameters are `with_*`/builder setters, and required parameters are
//! arguments. The README's "Versioning" section lists these rules too.

/// One classification rule: an id, what it says, and where the rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Short kebab-case id, as the reports print it (Cargo's anchor where Cargo names the rule).
    pub id: &'static str,
    /// The rule in one sentence.
    pub text: &'static str,
    /// Where it is written down: Cargo's SemVer reference, or this project's README.
    pub reference: &'static str,
}

const CARGO: &str = "https://doc.rust-lang.org/cargo/reference/semver.html";
const README: &str = "README.md#versioning";

/// A public item (type, field, variant, method, setter, constant, cloud) is gone or renamed.
pub const ITEM_REMOVE: Rule = Rule {
    id: "item-remove",
    text: "Removing or renaming a public item breaks every user of it.",
    reference: "https://doc.rust-lang.org/cargo/reference/semver.html#item-remove",
};

/// A public item is new.
pub const ITEM_NEW: Rule = Rule {
    id: "item-new",
    text: "Adding a public item is a compatible addition.",
    reference: "https://doc.rust-lang.org/cargo/reference/semver.html#item-new",
};

/// A field or variant is new on a `#[non_exhaustive]` type.
pub const NON_EXHAUSTIVE_GROWTH: Rule = Rule {
    id: "non-exhaustive-growth",
    text: "Adding an optional field to a #[non_exhaustive] struct, or a variant to a \
           #[non_exhaustive] enum, is compatible: no user can build or match them exhaustively.",
    reference: "https://doc.rust-lang.org/cargo/reference/semver.html#enum-variant-new",
};

/// A function gains or loses an argument.
pub const FN_CHANGE_ARITY: Rule = Rule {
    id: "fn-change-arity",
    text: "Adding or removing an argument (a required parameter of a method, a required member \
           of a type's `new`) breaks every caller.",
    reference: "https://doc.rust-lang.org/cargo/reference/semver.html#fn-change-arity",
};

/// The Rust type of a field, argument or item changes.
pub const TYPE_CHANGE: Rule = Rule {
    id: "type-change",
    text: "Changing the Rust type of a public field, argument or return value (T to Option<T>, \
           one named type to another, struct to enum) breaks code that reads or builds it.",
    reference: README,
};

/// A type loses a trait it implemented.
pub const TRAIT_REMOVE: Rule = Rule {
    id: "trait-remove",
    text: "A type that loses a trait it implemented (an enum that starts keeping unknown values \
           is no longer `Copy`) breaks code that relies on the trait.",
    reference: README,
};

/// Data that decoded before no longer does, or decodes differently.
pub const DECODE_NARROWED: Rule = Rule {
    id: "decode-narrowed",
    text: "A response that decoded before no longer does, or fills different fields (a wire name \
           or alias dropped, an enum value respelled, null or unknown members refused, a success \
           status dropped): users silently read different data, so it is breaking.",
    reference: README,
};

/// More is accepted on the wire than before.
pub const DECODE_WIDENED: Rule = Rule {
    id: "decode-widened",
    text: "Accepting more on the wire (a new alias, null, a new success status) only makes calls \
           that failed succeed: a patch.",
    reference: README,
};

/// A wire detail the Rust API does not expose changes.
pub const WIRE_DETAIL: Rule = Rule {
    id: "wire-detail",
    text: "Wire details the Rust API does not expose (verb, path, hosts, quotas, retry safety, \
           validation bounds, which name is sent) follow the service: a patch.",
    reference: README,
};

/// Documentation and metadata only.
pub const DOCS: Rule = Rule {
    id: "docs",
    text: "Documentation and metadata (descriptions, links, permissions, platforms, documented \
           errors) change no code: a patch.",
    reference: README,
};

/// A flag, subcommand or value of the command-line tool is gone, renamed or newly required.
pub const CLI_REMOVE: Rule = Rule {
    id: "cli-remove",
    text: "Removing or renaming a subcommand, flag or accepted value of the command-line tool \
           (including a narrower range of numbers), or making a flag required, breaks scripts \
           that call it.",
    reference: README,
};

/// A flag, subcommand or value of the command-line tool is new, or a flag became optional.
pub const CLI_NEW: Rule = Rule {
    id: "cli-new",
    text: "A new optional flag, subcommand or accepted value of the command-line tool (including \
           a wider range of numbers), or a required flag made optional, is compatible.",
    reference: README,
};

/// Every rule, in the order the README lists them.
pub const ALL: &[Rule] = &[
    ITEM_REMOVE,
    ITEM_NEW,
    NON_EXHAUSTIVE_GROWTH,
    FN_CHANGE_ARITY,
    TYPE_CHANGE,
    TRAIT_REMOVE,
    DECODE_NARROWED,
    DECODE_WIDENED,
    WIRE_DETAIL,
    DOCS,
    CLI_REMOVE,
    CLI_NEW,
];

/// How the version rules read, for the reports' footers.
pub const VERSION_RULE: &str = "From 1.0: breaking needs a major bump, additive a minor one, \
     a patch a patch. Before 1.0 (Cargo's rule): breaking needs a minor bump (0.1 to 0.2), \
     everything else a patch; on 0.0.x every change is breaking.";

/// Cargo's SemVer reference, which the Cargo-named rules link into.
pub const CARGO_REFERENCE: &str = CARGO;
