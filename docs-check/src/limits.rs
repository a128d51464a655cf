//! Documented limits in the pages' prose: the words of a page as one stream (so that a sentence
//! broken over lines still reads as one), the quantities in it ("10,000", "2 hours",
//! "three days"), and the limits the spec does not model, recorded with their documented value
//! in the `limits` section of `spec/docs-accepted.json` (live response sessions, offline
//! queueing, link validity, script timeout).
//!
//! A recorded limit names its page, a pattern of the words around the number
//! (`{n} concurrently running sessions`, `queued for up to {n}`), the documented value and why
//! it is recorded rather than modelled. When the page states a different value in those words,
//! that is `limit-changed`, at the line of the number. When the words are not found on a page
//! that has a Limitations section, that is `limit-removed`, at that section's heading: the limit
//! is gone, or its wording changed and the pattern needs updating.

use super::markdown::Doc;
use super::report::{Kind, Sink};

/// A word of the page's prose.
#[derive(Debug, Clone)]
pub(crate) struct Word {
    /// Lowercased, with surrounding punctuation removed (inner commas kept: `1,500`).
    pub text: String,
    /// As written.
    pub raw: String,
    /// 1-based line.
    pub line: usize,
}

/// Trims what surrounds a word: everything but letters, digits and inner commas.
fn clean(word: &str) -> String {
    let word = word.trim_matches(|c: char| !c.is_alphanumeric() && c != ',');
    word.trim_matches(',').to_lowercase()
}

/// Every word of the page's prose (front matter and fenced blocks excluded), in order.
pub(crate) fn prose_words(doc: &Doc) -> Vec<Word> {
    let mut words = Vec::new();
    for (index, line) in doc.lines.iter().enumerate() {
        if !doc.prose.get(index).copied().unwrap_or(false) {
            continue;
        }
        for raw in line.split_whitespace() {
            let text = clean(raw);
            if !text.is_empty() {
                words.push(Word { text, raw: raw.to_owned(), line: index + 1 });
            }
        }
    }
    words
}

const NUMBER_WORDS: [&str; 21] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

/// A number written in digits (`10,000`, `1500`) or as a word (`three`, `fifty`).
pub(crate) fn number(word: &str) -> Option<u64> {
    if word.starts_with(|c: char| c.is_ascii_digit())
        && word.chars().all(|c| c.is_ascii_digit() || c == ',')
    {
        return word.replace(',', "").parse().ok();
    }
    if let Some(n) = NUMBER_WORDS.iter().position(|w| *w == word) {
        return u64::try_from(n).ok();
    }
    match word {
        "thirty" => Some(30),
        "forty" => Some(40),
        "fifty" => Some(50),
        "sixty" => Some(60),
        _ => None,
    }
}

/// A unit of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
}

impl Unit {
    fn parse(word: &str) -> Option<Unit> {
        match word {
            "second" | "seconds" | "sec" | "secs" => Some(Unit::Second),
            "minute" | "minutes" | "min" | "mins" => Some(Unit::Minute),
            "hour" | "hours" | "hr" | "hrs" => Some(Unit::Hour),
            "day" | "days" => Some(Unit::Day),
            "week" | "weeks" => Some(Unit::Week),
            _ => None,
        }
    }

    fn seconds(self) -> u64 {
        match self {
            Unit::Second => 1,
            Unit::Minute => 60,
            Unit::Hour => 3_600,
            Unit::Day => 86_400,
            Unit::Week => 604_800,
        }
    }
}

/// A documented amount: a number, with a unit of time when it is a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quantity {
    pub number: u64,
    pub unit: Option<Unit>,
}

impl Quantity {
    /// Reads `50`, `30 minutes`, `three days`.
    pub fn parse(text: &str) -> Option<Quantity> {
        let words: Vec<String> = text.split_whitespace().map(clean).collect();
        match &words[..] {
            [n] => Some(Quantity { number: number(n)?, unit: None }),
            [n, unit] => Some(Quantity { number: number(n)?, unit: Some(Unit::parse(unit)?) }),
            _ => None,
        }
    }

    /// True when both say the same amount (`2 hours` and `120 minutes` do). A number without a
    /// unit compares by number alone.
    pub fn same(&self, other: &Quantity) -> bool {
        match (self.unit, other.unit) {
            (Some(a), Some(b)) => {
                self.number.checked_mul(a.seconds()) == other.number.checked_mul(b.seconds())
            }
            _ => self.number == other.number,
        }
    }
}

/// The words around a documented number: `{n} concurrently running sessions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    /// As written in the file.
    pub text: String,
    before: Vec<String>,
    after: Vec<String>,
}

impl Pattern {
    /// Reads a pattern: words with exactly one `{n}`, which stands for a number and the unit of
    /// time that may follow it.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let tokens: Vec<&str> = text.split_whitespace().collect();
        let holes = tokens.iter().filter(|t| **t == "{n}").count();
        if holes != 1 {
            return Err(format!(
                "the pattern `{text}` must hold `{{n}}` exactly once, as a word of its own"
            ));
        }
        let hole = tokens.iter().position(|t| *t == "{n}").unwrap_or(0);
        let words = |part: &[&str]| -> Vec<String> {
            part.iter().map(|t| clean(t)).filter(|w| !w.is_empty()).collect()
        };
        let before = words(&tokens[..hole]);
        let after = words(&tokens[hole + 1..]);
        if before.is_empty() && after.is_empty() {
            return Err(format!("the pattern `{text}` needs words around `{{n}}`"));
        }
        Ok(Pattern { text: text.to_owned(), before, after })
    }
}

/// A statement of a recorded limit found on a page.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub quantity: Quantity,
    /// The number and unit as written.
    pub shown: String,
    /// 1-based line of the number.
    pub line: usize,
}

/// Every place where `pattern` fits the words, with the quantity in its hole.
pub(crate) fn find(words: &[Word], pattern: &Pattern) -> Vec<Found> {
    let mut found = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let Some(n) = number(&word.text) else {
            continue;
        };
        let Some(start) = i.checked_sub(pattern.before.len()) else {
            continue;
        };
        if !words[start..i].iter().zip(&pattern.before).all(|(w, p)| w.text == *p) {
            continue;
        }
        let mut end = i + 1;
        let unit = words.get(end).and_then(|w| Unit::parse(&w.text));
        if unit.is_some() {
            end += 1;
        }
        let after = words.get(end..end + pattern.after.len());
        if !after.is_some_and(|a| a.iter().zip(&pattern.after).all(|(w, p)| w.text == *p)) {
            continue;
        }
        let shown: Vec<&str> = words[i..i + 1 + usize::from(unit.is_some())]
            .iter()
            .map(|w| w.raw.trim_matches(|c: char| !c.is_alphanumeric() && c != ','))
            .collect();
        found.push(Found {
            quantity: Quantity { number: n, unit },
            shown: shown.join(" ").trim_end_matches(',').to_owned(),
            line: word.line,
        });
    }
    found
}

/// A limit the spec does not model, with its documented value.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    /// The page's file name (or a path suffix).
    pub page: String,
    /// Its name, the subject of findings: `concurrent sessions`.
    pub limit: String,
    /// The words around the number; any of them may state it.
    pub patterns: Vec<Pattern>,
    /// The documented value.
    pub value: Quantity,
    /// The value as written in the file.
    pub value_text: String,
    /// Why it is recorded here.
    pub reason: String,
}

impl Recorded {
    /// Checks a raw entry: a page, a name, patterns with `{n}`, a readable value, a reason.
    pub fn new(
        at: &str,
        page: String,
        limit: String,
        patterns: Vec<String>,
        value_text: String,
        reason: String,
        problems: &mut Vec<String>,
    ) -> Option<Recorded> {
        let before = problems.len();
        for (field, text) in [("page", &page), ("limit", &limit), ("reason", &reason)] {
            if text.trim().is_empty() {
                problems.push(format!("{at}: `{field}` is empty"));
            }
        }
        if patterns.is_empty() {
            problems.push(format!("{at}: `pattern` is empty"));
        }
        let patterns: Vec<Pattern> = patterns
            .iter()
            .filter_map(|p| Pattern::parse(p).map_err(|e| problems.push(format!("{at}: {e}"))).ok())
            .collect();
        let value = Quantity::parse(&value_text);
        if value.is_none() {
            problems.push(format!(
                "{at}: the value `{value_text}` is not a number, optionally followed by a unit of \
                 time (`50`, `30 minutes`)"
            ));
        }
        match value {
            Some(value) if problems.len() == before => {
                Some(Recorded { page, limit, patterns, value, value_text, reason })
            }
            _ => None,
        }
    }
}

/// Compares the recorded limits of one page with what it states. `limitations`: the line of
/// the page's Limitations heading, if it has one; a recorded statement that is not found is
/// then `limit-removed` there (a page without that section says nothing about limits).
pub(crate) fn check_recorded(
    recorded: &[&Recorded],
    doc: &Doc,
    limitations: Option<usize>,
    sink: &mut Sink<'_>,
) {
    if recorded.is_empty() {
        return;
    }
    let words = prose_words(doc);
    for entry in recorded {
        let found: Vec<Found> = entry.patterns.iter().flat_map(|p| find(&words, p)).collect();
        if found.is_empty() {
            if let Some(line) = limitations {
                let patterns: Vec<String> =
                    entry.patterns.iter().map(|p| format!("`{}`", p.text)).collect();
                sink.push(
                    Kind::LimitRemoved,
                    line,
                    entry.limit.clone(),
                    format!(
                        "spec/docs-accepted.json records the documented limit {} ({}) for this \
                         page, but the page no longer states it in the recorded words ({}); if \
                         it states it in other words, update the pattern",
                        entry.limit,
                        entry.value_text,
                        patterns.join(" or ")
                    ),
                );
            }
            continue;
        }
        for statement in found.iter().filter(|f| !f.quantity.same(&entry.value)) {
            sink.push(
                Kind::LimitChanged,
                statement.line,
                entry.limit.clone(),
                format!(
                    "the page states {} for {}; spec/docs-accepted.json records the documented \
                     value {} (the spec does not model this limit: {})",
                    statement.shown, entry.limit, entry.value_text, entry.reason
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(text: &str) -> Result<Pattern, String> {
        Pattern::parse(text)
    }

    fn words_of(text: &str) -> Vec<Word> {
        prose_words(&Doc::parse(text))
    }

    #[test]
    fn quantities() {
        let q = |t| Quantity::parse(t).unwrap();
        assert!(q("2 hours").same(&q("120 minutes")));
        assert!(!q("2 hours").same(&q("three days")));
        assert!(q("10,000").same(&q("10000")));
        assert!(q("fifty").same(&q("50")));
        assert!(Quantity::parse("soon").is_none());
        assert!(Quantity::parse("2 parsecs").is_none());
    }

    #[test]
    fn patterns_find_numbers_across_lines() {
        let p = pattern("queued for up to {n}").unwrap();
        let found = find(&words_of("It is queued for up\nto 3\ndays."), &p);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].shown.as_str(), found[0].line), ("3 days", 2));
        let p = pattern("{n} concurrently running sessions").unwrap();
        let found = find(&words_of("2. 25 concurrently running sessions (429)."), &p);
        assert_eq!(found[0].quantity, Quantity { number: 25, unit: None });
        assert!(pattern("no hole").is_err());
        assert!(pattern("{n}").is_err());
        assert!(pattern("{n} and {n}").is_err());
    }
}
