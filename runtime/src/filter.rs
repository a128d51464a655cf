//! Typed OData `$filter` expressions.
//!
//! Generated code declares one [`FilterField`] constant per filterable property; the field's
//! type fixes the literal type, and its operator marker ([`Equality`] or [`Ordered`]) fixes which
//! comparisons compile. Comparisons combine with [`Filter::and`], [`Filter::or`] and
//! [`Filter::not`] (or `&`, `|` and `!`), and [`Filter`]'s `Display` writes the expression with
//! just the parentheses OData's precedence (`not` over comparisons over `and` over `or`) needs:
//!
//! ```
//! use mde_runtime::{Equality, Filter, FilterField, Ordered, Timestamp};
//!
//! const STATUS: FilterField<String, Equality> = FilterField::new("status");
//! const CREATED: FilterField<Timestamp, Ordered> = FilterField::new("creationDateTimeUtc");
//!
//! let since: Timestamp = "2024-01-01T00:00:00Z".parse()?;
//! let filter = CREATED.ge(since) & (STATUS.eq("Pending") | STATUS.eq("InProgress"));
//! assert_eq!(
//!     filter.to_string(),
//!     "creationDateTimeUtc ge 2024-01-01T00:00:00Z and (status eq 'Pending' or status eq 'InProgress')",
//! );
//! # Ok::<(), mde_runtime::TimestampError>(())
//! ```
//!
//! The text is not percent-encoded here; `Request::query` does that.

use std::fmt;
use std::marker::PhantomData;

use crate::timestamp::Timestamp;

/// A value that can appear on the right-hand side of a comparison in a `$filter`.
///
/// Generated code implements it for enums and id newtypes with
/// `quote_literal(self.as_str(), out)`.
pub trait ODataLiteral {
    /// Appends the value as an OData literal (`'text'`, `42`, `true`,
    /// `2024-01-01T00:00:00Z`).
    fn write_literal(&self, out: &mut String);
}

/// Appends `text` as an OData string literal: in single quotes, with every `'` doubled
/// (`O'Brien` becomes `'O''Brien'`).
pub fn quote_literal(text: &str, out: &mut String) {
    out.reserve(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
}

impl ODataLiteral for str {
    fn write_literal(&self, out: &mut String) {
        quote_literal(self, out);
    }
}

impl ODataLiteral for String {
    fn write_literal(&self, out: &mut String) {
        quote_literal(self, out);
    }
}

impl<T: ODataLiteral + ?Sized> ODataLiteral for &T {
    fn write_literal(&self, out: &mut String) {
        (**self).write_literal(out);
    }
}

impl ODataLiteral for i32 {
    fn write_literal(&self, out: &mut String) {
        out.push_str(&self.to_string());
    }
}

impl ODataLiteral for i64 {
    fn write_literal(&self, out: &mut String) {
        out.push_str(&self.to_string());
    }
}

impl ODataLiteral for bool {
    fn write_literal(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

/// A `DateTimeOffset` literal: unquoted, exactly the timestamp's text.
impl ODataLiteral for Timestamp {
    fn write_literal(&self, out: &mut String) {
        out.push_str(self.as_str());
    }
}

/// Operator marker: the field supports `eq`, `ne` and `in`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Equality;

/// Operator marker: the field supports `eq`, `ne`, `gt`, `ge`, `lt` and `le`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ordered;

/// A filterable property whose values are `T`, supporting the operators `Ops` names
/// ([`Equality`] or [`Ordered`]).
pub struct FilterField<T, Ops> {
    name: &'static str,
    marker: PhantomData<fn() -> (T, Ops)>,
}

impl<T, Ops> FilterField<T, Ops> {
    /// The field with wire name `name` (e.g. `"creationDateTimeUtc"`).
    pub const fn new(name: &'static str) -> Self {
        Self { name, marker: PhantomData }
    }

    /// The wire name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<T, Ops> Clone for FilterField<T, Ops> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, Ops> Copy for FilterField<T, Ops> {}

impl<T, Ops> fmt::Debug for FilterField<T, Ops> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FilterField").field(&self.name).finish()
    }
}

impl<T: ODataLiteral, Ops> FilterField<T, Ops> {
    fn compare(self, operator: &str, value: T) -> Filter {
        let mut text = String::with_capacity(self.name.len() + operator.len() + 16);
        text.push_str(self.name);
        text.push(' ');
        text.push_str(operator);
        text.push(' ');
        value.write_literal(&mut text);
        Filter { text, level: Level::Comparison }
    }
}

impl<T: ODataLiteral> FilterField<T, Equality> {
    /// `name eq value`
    pub fn eq(self, value: impl Into<T>) -> Filter {
        self.compare("eq", value.into())
    }

    /// `name ne value`
    pub fn ne(self, value: impl Into<T>) -> Filter {
        self.compare("ne", value.into())
    }

    /// `name in (value, ...)`, e.g. `type in ('Isolate','Unisolate')`.
    ///
    /// OData has no empty list, so an empty `values` gives the filter `false`, which matches
    /// nothing (as `x in ()` would).
    pub fn is_in<I, V>(self, values: I) -> Filter
    where
        I: IntoIterator<Item = V>,
        V: Into<T>,
    {
        let mut text = String::new();
        text.push_str(self.name);
        text.push_str(" in (");
        let mut empty = true;
        for value in values {
            if !empty {
                text.push(',');
            }
            empty = false;
            value.into().write_literal(&mut text);
        }
        if empty {
            return Filter { text: "false".to_owned(), level: Level::Primary };
        }
        text.push(')');
        Filter { text, level: Level::Comparison }
    }
}

impl<T: ODataLiteral> FilterField<T, Ordered> {
    /// `name eq value`
    pub fn eq(self, value: impl Into<T>) -> Filter {
        self.compare("eq", value.into())
    }

    /// `name ne value`
    pub fn ne(self, value: impl Into<T>) -> Filter {
        self.compare("ne", value.into())
    }

    /// `name gt value`
    pub fn gt(self, value: impl Into<T>) -> Filter {
        self.compare("gt", value.into())
    }

    /// `name ge value`
    pub fn ge(self, value: impl Into<T>) -> Filter {
        self.compare("ge", value.into())
    }

    /// `name lt value`
    pub fn lt(self, value: impl Into<T>) -> Filter {
        self.compare("lt", value.into())
    }

    /// `name le value`
    pub fn le(self, value: impl Into<T>) -> Filter {
        self.compare("le", value.into())
    }
}

/// How tightly the top-level operator of an expression binds; an operand is parenthesised when
/// it binds less tightly than its context requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// Text from [`Filter::raw`]: unknown, so always parenthesised when combined.
    Raw,
    /// `a or b`
    Or,
    /// `a and b`
    And,
    /// `a eq b`, `a in (...)`, ...
    Comparison,
    /// `not (a)`
    Not,
    /// A literal or a parenthesised expression.
    Primary,
}

/// A boolean `$filter` expression; `Display` writes it in OData syntax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    text: String,
    level: Level,
}

impl Filter {
    /// Uses `text` verbatim (for what the typed fields cannot express). It is wrapped in
    /// parentheses whenever it is combined with another filter or negated.
    pub fn raw(text: impl Into<String>) -> Self {
        Self { text: text.into(), level: Level::Raw }
    }

    /// `self and other`
    #[must_use]
    pub fn and(self, other: Filter) -> Filter {
        Self::binary(self, "and", other, Level::And)
    }

    /// `self or other`
    #[must_use]
    pub fn or(self, other: Filter) -> Filter {
        Self::binary(self, "or", other, Level::Or)
    }

    /// `not (self)`. In OData `not` binds more tightly than comparisons, so its operand is
    /// always parenthesised unless it is a literal or already parenthesised.
    #[must_use]
    #[allow(clippy::should_implement_trait)] // `!filter` works too; generated code calls `.not()`.
    pub fn not(self) -> Filter {
        let mut text = String::with_capacity(self.text.len() + 6);
        text.push_str("not ");
        self.write_operand(Level::Primary, &mut text);
        Filter { text, level: Level::Not }
    }

    /// The expression text, as `Display` writes it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn binary(left: Filter, operator: &str, right: Filter, level: Level) -> Filter {
        let mut text = String::with_capacity(left.text.len() + right.text.len() + 10);
        left.write_operand(level, &mut text);
        text.push(' ');
        text.push_str(operator);
        text.push(' ');
        right.write_operand(level, &mut text);
        Filter { text, level }
    }

    /// Writes `self` where an operand binding at least as tightly as `context` is expected.
    fn write_operand(&self, context: Level, out: &mut String) {
        if self.level >= context && self.level != Level::Raw {
            out.push_str(&self.text);
        } else {
            out.push('(');
            out.push_str(&self.text);
            out.push(')');
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<Filter> for String {
    fn from(filter: Filter) -> Self {
        filter.text
    }
}

/// `a & b` is `a.and(b)`.
impl std::ops::BitAnd for Filter {
    type Output = Filter;

    fn bitand(self, other: Filter) -> Filter {
        self.and(other)
    }
}

/// `a | b` is `a.or(b)`.
impl std::ops::BitOr for Filter {
    type Output = Filter;

    fn bitor(self, other: Filter) -> Filter {
        self.or(other)
    }
}

/// `!a` is `a.not()`.
impl std::ops::Not for Filter {
    type Output = Filter;

    fn not(self) -> Filter {
        Filter::not(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPE: FilterField<String, Equality> = FilterField::new("type");
    const STATUS: FilterField<String, Equality> = FilterField::new("status");
    const REQUESTOR: FilterField<String, Equality> = FilterField::new("requestor");
    const CREATED: FilterField<Timestamp, Ordered> = FilterField::new("creationDateTimeUtc");
    const COUNT: FilterField<i64, Ordered> = FilterField::new("count");
    const FLAG: FilterField<bool, Equality> = FilterField::new("flag");

    fn a() -> Filter {
        TYPE.eq("Isolate")
    }
    fn b() -> Filter {
        STATUS.eq("Pending")
    }
    fn c() -> Filter {
        REQUESTOR.ne("x")
    }

    #[test]
    fn quotes_strings_doubling_single_quotes() {
        let mut out = String::new();
        quote_literal("O'Brien", &mut out);
        assert_eq!(out, "'O''Brien'");
        assert_eq!(REQUESTOR.eq("O'Brien").to_string(), "requestor eq 'O''Brien'");
        assert_eq!(REQUESTOR.eq("''").to_string(), "requestor eq ''''''");
        assert_eq!(REQUESTOR.eq(String::new()).to_string(), "requestor eq ''");
    }

    #[test]
    fn writes_numbers_booleans_and_timestamps_unquoted() {
        let since: Timestamp = "2024-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(CREATED.ge(since).to_string(), "creationDateTimeUtc ge 2024-01-01T00:00:00Z");
        let exact: Timestamp = "2019-01-02T14:39:38.2262283+02:00".parse().unwrap();
        assert_eq!(
            CREATED.lt(exact).to_string(),
            "creationDateTimeUtc lt 2019-01-02T14:39:38.2262283+02:00"
        );
        assert_eq!(COUNT.gt(-5).to_string(), "count gt -5");
        assert_eq!(COUNT.le(i64::MAX).to_string(), "count le 9223372036854775807");
        assert_eq!(FLAG.eq(true).to_string(), "flag eq true");
        assert_eq!(FLAG.ne(false).to_string(), "flag ne false");
        let mut out = String::new();
        42i32.write_literal(&mut out);
        (&"x").write_literal(&mut out);
        assert_eq!(out, "42'x'");
    }

    #[test]
    fn every_ordered_operator() {
        let t: Timestamp = "2024-01-01T00:00:00Z".parse().unwrap();
        let ops = [
            CREATED.eq(t.clone()),
            CREATED.ne(t.clone()),
            CREATED.gt(t.clone()),
            CREATED.ge(t.clone()),
            CREATED.lt(t.clone()),
            CREATED.le(t),
        ];
        let names: Vec<_> =
            ops.iter().map(|f| f.to_string().split(' ').nth(1).unwrap().to_owned()).collect();
        assert_eq!(names, ["eq", "ne", "gt", "ge", "lt", "le"]);
    }

    #[test]
    fn in_lists() {
        assert_eq!(
            TYPE.is_in(["Isolate", "Unisolate"]).to_string(),
            "type in ('Isolate','Unisolate')"
        );
        assert_eq!(TYPE.is_in(vec!["O'Brien".to_owned()]).to_string(), "type in ('O''Brien')");
        let empty: [&str; 0] = [];
        assert_eq!(TYPE.is_in(empty).to_string(), "false");
        assert_eq!(
            TYPE.is_in(["Isolate", "Unisolate"]).and(b()).to_string(),
            "type in ('Isolate','Unisolate') and status eq 'Pending'"
        );
        assert_eq!(TYPE.is_in(empty).or(b()).to_string(), "false or status eq 'Pending'");
        assert_eq!(TYPE.is_in(empty).not().to_string(), "not false");
    }

    #[test]
    fn parenthesises_by_precedence() {
        let (sa, sb, sc) = ("type eq 'Isolate'", "status eq 'Pending'", "requestor ne 'x'");
        assert_eq!(a().and(b().or(c())).to_string(), format!("{sa} and ({sb} or {sc})"));
        assert_eq!(a().or(b()).and(c()).to_string(), format!("({sa} or {sb}) and {sc}"));
        assert_eq!(a().or(b().and(c())).to_string(), format!("{sa} or {sb} and {sc}"));
        assert_eq!(a().and(b()).or(c()).to_string(), format!("{sa} and {sb} or {sc}"));
        assert_eq!(a().and(b()).and(c()).to_string(), format!("{sa} and {sb} and {sc}"));
        assert_eq!(a().and(b().and(c())).to_string(), format!("{sa} and {sb} and {sc}"));
        assert_eq!(a().or(b()).or(c()).to_string(), format!("{sa} or {sb} or {sc}"));
        assert_eq!(
            a().or(b()).and(c().or(a())).to_string(),
            format!("({sa} or {sb}) and ({sc} or {sa})")
        );
    }

    #[test]
    fn not_binds_tighter_than_comparisons() {
        let (sa, sb) = ("type eq 'Isolate'", "status eq 'Pending'");
        assert_eq!(a().not().to_string(), format!("not ({sa})"));
        assert_eq!(a().and(b()).not().to_string(), format!("not ({sa} and {sb})"));
        assert_eq!(a().not().and(b()).to_string(), format!("not ({sa}) and {sb}"));
        assert_eq!(a().not().not().to_string(), format!("not (not ({sa}))"));
    }

    #[test]
    fn operators_match_methods() {
        assert_eq!(a() & b(), a().and(b()));
        assert_eq!(a() | b(), a().or(b()));
        assert_eq!(!a(), a().not());
        assert_eq!((a() | b()) & c(), a().or(b()).and(c()));
    }

    #[test]
    fn raw_is_verbatim_alone_and_parenthesised_when_combined() {
        let raw = || Filter::raw("startswith(requestor,'a') or x eq 1");
        assert_eq!(raw().to_string(), "startswith(requestor,'a') or x eq 1");
        assert_eq!(
            raw().and(a()).to_string(),
            "(startswith(requestor,'a') or x eq 1) and type eq 'Isolate'"
        );
        assert_eq!(
            a().or(raw()).to_string(),
            "type eq 'Isolate' or (startswith(requestor,'a') or x eq 1)"
        );
        assert_eq!(raw().not().to_string(), "not (startswith(requestor,'a') or x eq 1)");
        assert_eq!(String::from(raw()), raw().as_str());
    }
}
