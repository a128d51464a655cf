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

use std::ops::Range;

use super::markdown::Doc;
use super::report::{Kind, Sink};

/// The words of a page's prose (front matter and fenced blocks excluded), in order: read once
/// per page ([`Doc::words`]) for the documented limits the method checks and the recorded ones.
/// Their cleaned text shares one buffer, so a word costs no allocation of its own.
#[derive(Debug, Default)]
pub(crate) struct Words {
    /// The cleaned text of every word, one after another.
    buffer: String,
    list: Vec<Word>,
    /// The indexes of the words that write a number, in order.
    numbers: Vec<usize>,
}

/// A word of the page's prose.
#[derive(Debug, Clone)]
pub(crate) struct Word {
    /// Where its text is in [`Words::buffer`]: lowercased, with surrounding punctuation
    /// removed (inner commas kept: `1,500`).
    text: Range<usize>,
    /// Where it is in its line, as written.
    raw: Range<usize>,
    /// 1-based line.
    pub line: usize,
    /// The number it writes ([`number`]), if any.
    pub number: Option<u64>,
    /// True when its text starts with a digit.
    pub digits: bool,
}

impl Words {
    /// Reads the prose words of `doc`.
    pub fn of(doc: &Doc) -> Words {
        let mut words = Words::default();
        for (index, line) in doc.lines.iter().enumerate() {
            if !doc.prose.get(index).copied().unwrap_or(false) {
                continue;
            }
            // The words as `split_whitespace` reads them, with their offsets.
            let mut rest = line.as_str();
            let mut offset = 0;
            loop {
                let trimmed = rest.trim_start();
                offset += rest.len() - trimmed.len();
                if trimmed.is_empty() {
                    break;
                }
                let len = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
                let raw = offset..offset + len;
                clean_into(&trimmed[..len], &mut words.buffer);
                offset += len;
                rest = &trimmed[len..];
                let start = words.list.last().map_or(0, |w| w.text.end);
                if words.buffer.len() == start {
                    continue;
                }
                let text = &words.buffer[start..];
                let number = number(text);
                if number.is_some() {
                    words.numbers.push(words.list.len());
                }
                words.list.push(Word {
                    text: start..words.buffer.len(),
                    raw,
                    line: index + 1,
                    number,
                    digits: text.starts_with(|c: char| c.is_ascii_digit()),
                });
            }
        }
        words
    }

    /// How many words.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Word `index`.
    pub fn get(&self, index: usize) -> Option<&Word> {
        self.list.get(index)
    }

    /// The cleaned text of word `index`, or "" past the end.
    pub fn text(&self, index: usize) -> &str {
        self.list.get(index).map_or("", |w| &self.buffer[w.text.clone()])
    }

    /// Word `index` as written on its line of `doc` (the page the words were read from).
    pub fn raw<'d>(&self, doc: &'d Doc, index: usize) -> &'d str {
        self.list.get(index).map_or("", |w| doc.line(w.line).get(w.raw.clone()).unwrap_or(""))
    }
}

/// Trims what surrounds a word: everything but letters, digits and inner commas.
fn clean(word: &str) -> String {
    let mut out = String::new();
    clean_into(word, &mut out);
    out
}

/// [`clean`], written at the end of `out`.
fn clean_into(word: &str, out: &mut String) {
    let word = word.trim_matches(|c: char| !c.is_alphanumeric() && c != ',');
    let word = word.trim_matches(',');
    if word.is_ascii() {
        out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
    } else {
        out.push_str(&word.to_lowercase());
    }
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

/// Every place where `pattern` fits the words of `doc`, with the quantity in its hole.
pub(crate) fn find(doc: &Doc, words: &Words, pattern: &Pattern) -> Vec<Found> {
    let mut found = Vec::new();
    for &i in &words.numbers {
        let word = &words.list[i];
        let Some(n) = word.number else {
            continue;
        };
        let Some(start) = i.checked_sub(pattern.before.len()) else {
            continue;
        };
        if !pattern.before.iter().enumerate().all(|(k, p)| words.text(start + k) == *p) {
            continue;
        }
        let mut end = i + 1;
        let unit = (end < words.len()).then(|| Unit::parse(words.text(end))).flatten();
        if unit.is_some() {
            end += 1;
        }
        if end + pattern.after.len() > words.len()
            || !pattern.after.iter().enumerate().all(|(k, p)| words.text(end + k) == *p)
        {
            continue;
        }
        let shown: Vec<&str> = (i..i + 1 + usize::from(unit.is_some()))
            .map(|j| words.raw(doc, j).trim_matches(|c: char| !c.is_alphanumeric() && c != ','))
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
    let words = doc.words();
    for entry in recorded {
        let found: Vec<Found> = entry.patterns.iter().flat_map(|p| find(doc, words, p)).collect();
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
            sink.push_limit(
                Kind::LimitChanged,
                statement.line,
                entry.limit.clone(),
                statement.shown.clone(),
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

    fn find_in(text: &str, pattern: &Pattern) -> Vec<Found> {
        let doc = Doc::parse(text);
        find(&doc, doc.words(), pattern)
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
        let found = find_in("It is queued for up\nto 3\ndays.", &p);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].shown.as_str(), found[0].line), ("3 days", 2));
        let p = pattern("{n} concurrently running sessions").unwrap();
        let found = find_in("2. 25 concurrently running sessions (429).", &p);
        assert_eq!(found[0].quantity, Quantity { number: 25, unit: None });
        assert!(pattern("no hole").is_err());
        assert!(pattern("{n}").is_err());
        assert!(pattern("{n} and {n}").is_err());
    }
}
