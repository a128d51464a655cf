//! What a method page says about its answers: the success status ("If successful, this method
//! returns 201 - Created response code ...") against the method's `success`, and the failures
//! it states ("If the machine id is not found: 404 Not Found", "HTTP 400 with the message
//! ...", "HTTP 400 - ActiveRequestAlreadyExists") against its `errors`.
//!
//! The page's prose is read sentence by sentence, outside code blocks (so an example's
//! `HTTP/1.1 200 Ok` line is not a statement). A status is a number from 100 to 599 written as
//! a status: after `HTTP`, `code`, `status`, `returns` or `see`, or before a reason phrase
//! (`Not Found`, `Bad Request`, `Created`, `OK`, `Too many requests`) or a dash. A sentence
//! saying "successful" states success statuses (below 400); a status of 400 and above is a
//! failure wherever it is stated, with the error code written right after it
//! (`400 - ActiveRequestAlreadyExists`), if any.
//!
//! Findings:
//!
//! - `success-status-changed` (subject: the status): the page's success status is not one the
//!   spec counts as success (the spec may count more, such as both 200 and 201);
//! - `error-added` (subject: the status, or `status Code`): a stated failure with a status no
//!   spec error has, or a code that no spec error of that status has;
//! - `error-removed` (the same form): a spec error whose status the page never states (only
//!   on a page with a "Response" section, at its heading).

use std::collections::BTreeSet;

use super::markdown::Doc;
use super::report::{Kind, Sink};
use super::text::plain;
use codegen::ir::Method;

/// Words before a number that make it a status.
const BEFORE: [&str; 7] = ["http", "code", "codes", "status", "returns", "return", "see"];
/// First words of reason phrases after a status.
const REASONS: [&str; 11] = [
    "ok",
    "created",
    "accepted",
    "no",
    "bad",
    "unauthorized",
    "forbidden",
    "not",
    "conflict",
    "too",
    "internal",
];

/// A status the page states.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stated {
    status: u16,
    /// The error code written right after it.
    code: Option<String>,
    /// It is stated in a sentence about success.
    success: bool,
    line: usize,
}

/// Compares the page's success and failure statements with the method's.
pub(crate) fn check(method: &Method, doc: &Doc, sink: &mut Sink<'_>) {
    let stated = statements(doc);
    success(method, &stated, sink);
    errors(method, doc, &stated, sink);
}

fn success(method: &Method, stated: &[Stated], sink: &mut Sink<'_>) {
    let codes: Vec<String> = method.success.iter().map(u16::to_string).collect();
    let mut reported: BTreeSet<u16> = BTreeSet::new();
    for s in stated.iter().filter(|s| s.success && s.status < 400) {
        if method.success.contains(&s.status) || reported.contains(&s.status) {
            continue;
        }
        reported.insert(s.status);
        sink.push(
            Kind::SuccessStatusChanged,
            s.line,
            s.status.to_string(),
            format!(
                "the page says a successful call answers {}; the spec's `{}` counts {} as success",
                s.status,
                method.spec_name,
                codes.join(" and ")
            ),
        );
    }
}

fn errors(method: &Method, doc: &Doc, stated: &[Stated], sink: &mut Sink<'_>) {
    let failures: Vec<&Stated> = stated.iter().filter(|s| s.status >= 400).collect();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    for failure in &failures {
        let same_status = method.errors.iter().filter(|e| e.status == failure.status);
        let known = match &failure.code {
            None => same_status.count() > 0,
            Some(code) => same_status.into_iter().any(|e| e.code.as_deref() == Some(code.as_str())),
        };
        let subject = subject(failure.status, failure.code.as_deref());
        if known || reported.contains(&subject) {
            continue;
        }
        reported.insert(subject.clone());
        sink.push(
            Kind::ErrorAdded,
            failure.line,
            subject.clone(),
            format!(
                "the page states the failure {subject}; no error of the spec's `{}` has it",
                method.spec_name
            ),
        );
    }
    // A page without a "Response" section says nothing about failures it does not state.
    let Some(heading) = doc.find_heading(|t| t.trim() == "response" || t.trim() == "responses")
    else {
        return;
    };
    let line = doc.headings[heading].line;
    for error in &method.errors {
        if failures.iter().any(|f| f.status == error.status) {
            continue;
        }
        sink.push(
            Kind::ErrorRemoved,
            line,
            subject(error.status, error.code.as_deref()),
            format!(
                "the spec's `{}` documents HTTP {} ({}), but the page states no {} answer",
                method.spec_name, error.status, error.when, error.status
            ),
        );
    }
}

fn subject(status: u16, code: Option<&str>) -> String {
    match code {
        Some(code) => format!("{status} {code}"),
        None => status.to_string(),
    }
}

/// A word of a sentence: its text without surrounding punctuation.
struct Word {
    text: String,
    lower: String,
}

/// Every status stated in the page's prose, in page order.
fn statements(doc: &Doc) -> Vec<Stated> {
    let mut out = Vec::new();
    let mut sentence: Vec<Word> = Vec::new();
    let mut success = false;
    let mut start = 1;
    for (index, line) in doc.lines.iter().enumerate() {
        let number = index + 1;
        if !doc.is_prose(number) || line.trim().is_empty() {
            flush(&mut sentence, success, start, &mut out);
            success = false;
            continue;
        }
        for raw in plain(line).split_whitespace() {
            if sentence.is_empty() {
                start = number;
                success = false;
            }
            let text = raw.trim_matches(|c: char| !c.is_alphanumeric()).to_owned();
            let lower = text.to_lowercase();
            if lower.starts_with("success") {
                success = true;
            }
            if !text.is_empty() {
                sentence.push(Word { text, lower });
            }
            if raw.ends_with(['.', ';', '!', '?']) && !raw.ends_with("...") {
                flush(&mut sentence, success, start, &mut out);
            }
        }
        // A table row or list item ends its sentence with its line.
        if doc.is_table_line(number) || line.trim_start().starts_with(['-', '*']) {
            flush(&mut sentence, success, start, &mut out);
        }
    }
    flush(&mut sentence, success, start, &mut out);
    out
}

/// Reads the statuses of one sentence and starts the next.
fn flush(sentence: &mut Vec<Word>, success: bool, line: usize, out: &mut Vec<Stated>) {
    for i in 0..sentence.len() {
        let Some(status) = status_at(sentence, i) else { continue };
        let code = (status >= 400).then(|| code_after(sentence, i + 1)).flatten();
        out.push(Stated { status, code, success, line });
    }
    sentence.clear();
}

/// The status written at `words[i]`, if it is one (see the module docs).
fn status_at(words: &[Word], i: usize) -> Option<u16> {
    let word = &words[i];
    if word.text.len() != 3 || !word.text.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let status: u16 = word.text.parse().ok().filter(|s| (100..600).contains(s))?;
    let before = i.checked_sub(1).map(|k| words[k].lower.as_str());
    let after = words.get(i + 1).map(|w| w.lower.as_str());
    let is_status =
        before.is_some_and(|b| BEFORE.contains(&b)) || after.is_some_and(|a| REASONS.contains(&a));
    is_status.then_some(status)
}

/// An error code written right after a status: a word of two or more capitalised parts
/// (`ActiveRequestAlreadyExists`), not a reason phrase.
fn code_after(words: &[Word], i: usize) -> Option<String> {
    let word = words.get(i)?;
    let humps = word.text.chars().filter(char::is_ascii_uppercase).count();
    let camel = word.text.starts_with(|c: char| c.is_ascii_uppercase())
        && humps >= 2
        && word.text.chars().all(|c| c.is_ascii_alphanumeric())
        && word.text.chars().any(|c| c.is_ascii_lowercase());
    camel.then(|| word.text.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<(u16, Option<String>, bool, usize)> {
        let doc = Doc::parse(text);
        statements(&doc).into_iter().map(|s| (s.status, s.code, s.success, s.line)).collect()
    }

    #[test]
    fn statuses_are_read_from_sentences() {
        let found = read(
            "If successful, this method returns 201 - Created response code. If the id wasn't \
             found - 404 Not Found.\n\n\
             8. Only one session (requests get HTTP 400 - ActiveRequestAlreadyExists).\n\n\
             Rate limits are 100 calls per minute and 1500 calls per hour.\n\n\
             ```http\nHTTP/1.1 200 Ok\n```\n",
        );
        let expected = vec![
            (201, None, true, 1),
            (404, None, false, 1),
            (400, Some("ActiveRequestAlreadyExists".to_owned()), false, 3),
        ];
        assert_eq!(found, expected);
    }
}
