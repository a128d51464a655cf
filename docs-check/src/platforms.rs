//! The operating systems a method page names (in notes, requirement lists or tables) against
//! the method's `platforms`.
//!
//! A mention is an OS name in the page's text outside code blocks and outside example and
//! "Related articles" sections: `Windows 10`, `Windows 11`,
//! `Windows Server 2019` (`R2` kept), `macOS`, `Linux`, `Azure Stack HCI OS`, `iOS`, `Android`.
//! Its version is the one written right after it (`Windows 10, version 1703`, `macOS 14 and
//! later`, `version 23H2`), else the oldest one in the list items nested under it
//! (`Windows 10` above `Version 1909 or later` and `Version 1709 with KB...`: 1709). A mention
//! after a negation in its sentence (`not supported on macOS or Linux`) says the OS is not
//! supported, and so does one the negation follows as the sentence's verb (`Windows 11 is not
//! supported`, `Windows 10 and Windows 11 aren't supported`), the sentences of a line judged
//! one by one. An OS name in the text of a link or image (`see [Onboard macOS devices](...)`)
//! names an article, not a platform, so it is no mention; versions there still count
//! (`[Version 1709](...)` under `Windows 10`). A link's URL is never read, so one naming
//! `windows-10` is no mention.
//!
//! OS names compare without regard to case or a trailing `OS`; versions compare as numbers
//! when both are numbers. The spec's notes (which isolation an entry applies to) are not
//! compared. A page that names no OS at all says nothing about platforms. Findings:
//!
//! - `platform-added` (subject: the OS): named on the page, not in the spec;
//! - `platform-removed` (the OS): in the spec, but the page names it only as unsupported or not
//!   at all (then at the page's first mention of any OS);
//! - `platform-changed` (the OS and version, `Windows 10 1709`): the page states a version of
//!   an OS that no spec entry of that OS has; or, when every version it states is in the spec,
//!   a spec version it does not state.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use super::markdown::Doc;
use super::report::{Kind, Sink};
use super::text::plain;
use codegen::ir::Method;

/// Words that make the rest of their sentence a statement of what is not supported.
const NEGATIONS: [&str; 8] =
    ["not", "isn't", "aren't", "isn’t", "aren’t", "cannot", "can't", "unsupported"];

/// Words of headings whose sections say nothing about where the method works: examples and
/// links to other articles (a "Related articles" link to the Linux pages is no statement).
const ASIDES: [&str; 4] = ["example", "related", "see also", "next step"];

/// One OS named on the page.
#[derive(Debug, Clone)]
struct Mention {
    /// The OS as the page names it, normalised: `Windows Server 2012 R2`, `macOS`.
    os: String,
    version: Option<String>,
    /// The page says the OS is not supported.
    negated: bool,
    line: usize,
}

/// Compares the platforms the page names with the method's.
pub(crate) fn check(method: &Method, doc: &Doc, sink: &mut Sink<'_>) {
    let mentions = mentions(doc);
    // A page that names no OS says nothing about platforms.
    if mentions.is_empty() {
        return;
    }
    added(method, &mentions, sink);
    removed_or_changed(method, &mentions, sink);
}

/// `platform-added`: each OS the page names as supported that no spec entry has, once, at its
/// first mention.
fn added(method: &Method, mentions: &[Mention], sink: &mut Sink<'_>) {
    let spec: BTreeSet<String> = method.platforms.iter().map(|p| os_key(&p.os)).collect();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    for mention in mentions.iter().filter(|m| !m.negated) {
        let key = os_key(&mention.os);
        if spec.contains(&key) || !reported.insert(key) {
            continue;
        }
        sink.push(
            Kind::PlatformAdded,
            mention.line,
            mention.os.clone(),
            format!(
                "the page names {} as a platform; the spec's `{}` does not list it",
                mention.os, method.spec_name
            ),
        );
    }
}

/// `platform-removed` for each spec OS the page does not name as supported, else the
/// `platform-changed` findings of its versions.
fn removed_or_changed(method: &Method, mentions: &[Mention], sink: &mut Sink<'_>) {
    let first_line = mentions.first().map_or(1, |m| m.line);
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for platform in &method.platforms {
        let key = os_key(&platform.os);
        if !seen.insert(key.clone()) {
            continue;
        }
        let same_os = |m: &&Mention| os_key(&m.os) == key;
        let on_page: Vec<&Mention> =
            mentions.iter().filter(|m| !m.negated).filter(same_os).collect();
        if !on_page.is_empty() {
            versions(method, &key, &on_page, sink);
            continue;
        }
        let (line, how) = match mentions.iter().filter(|m| m.negated).find(same_os) {
            Some(denied) => (denied.line, "says it is not supported"),
            None => (first_line, "does not name it"),
        };
        sink.push(
            Kind::PlatformRemoved,
            line,
            platform.os.clone(),
            format!(
                "the spec's `{}` lists {} as a platform, but the page {how}",
                method.spec_name, platform.os
            ),
        );
    }
}

/// The `platform-changed` findings of one OS named both on the page and in the spec.
fn versions(method: &Method, key: &str, on_page: &[&Mention], sink: &mut Sink<'_>) {
    let spec: Vec<&str> = method
        .platforms
        .iter()
        .filter(|p| os_key(&p.os) == key)
        .filter_map(|p| p.min_version.as_deref())
        .collect();
    // Each version the page states, once (by `version_key`), with its first line.
    let mut page: BTreeMap<String, (&str, usize)> = BTreeMap::new();
    for mention in on_page {
        if let Some(version) = mention.version.as_deref() {
            page.entry(version_key(version)).or_insert((version, mention.line));
        }
    }
    let Some(first_line) = page.values().map(|(_, line)| *line).min() else { return };
    let os = &on_page[0].os;
    let spec_text = if spec.is_empty() { "no version".to_owned() } else { spec.join(", ") };
    let extra: Vec<&(&str, usize)> =
        page.values().filter(|(v, _)| !spec.iter().any(|s| same_version(s, v))).collect();
    for (version, line) in &extra {
        sink.push(
            Kind::PlatformChanged,
            *line,
            format!("{os} {version}"),
            format!(
                "the page names {os} from version {version}; the spec's `{}` lists {os} with \
                 {spec_text}",
                method.spec_name
            ),
        );
    }
    if !extra.is_empty() {
        return;
    }
    for version in spec.iter().filter(|s| !page.contains_key(&version_key(s))) {
        sink.push(
            Kind::PlatformChanged,
            first_line,
            format!("{os} {version}"),
            format!(
                "the spec's `{}` lists {os} from version {version}, but the page does not \
                 name that version",
                method.spec_name
            ),
        );
    }
}

/// How OS names compare: lowercase, single spaces, no trailing ` os`, `mac os` as `macos`.
fn os_key(name: &str) -> String {
    let words: Vec<String> = name.split_whitespace().map(str::to_lowercase).collect();
    let mut key = words.join(" ").replace("mac os", "macos");
    if key != "os"
        && let Some(stripped) = key.strip_suffix(" os")
    {
        key = stripped.to_owned();
    }
    key
}

fn same_version(a: &str, b: &str) -> bool {
    compare_versions(a, b) == Ordering::Equal
}

/// What [`same_version`] compares: the number, or the lowercased text.
fn version_key(version: &str) -> String {
    version.parse::<u64>().map_or_else(|_| version.to_lowercase(), |n| n.to_string())
}

/// Numbers by value (`11` before `13`), anything else by its lowercased text.
fn compare_versions(a: &str, b: &str) -> Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.to_lowercase().cmp(&b.to_lowercase()),
    }
}

/// A word of a line: its text without surrounding punctuation, whether a sentence ends after
/// it, and whether it is part of a link's (or image's) text.
struct Word {
    text: String,
    lower: String,
    ends_sentence: bool,
    in_link: bool,
}

/// Put around the text of each link and image before the markup is stripped, so the words
/// keep knowing they were link text (private-use characters, which pages do not contain).
const LINK_OPEN: char = '\u{E000}';
const LINK_CLOSE: char = '\u{E001}';

fn words(line: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut in_link = false;
    for raw in plain(&mark_link_text(line)).split_whitespace() {
        let word_in_link = in_link || raw.contains(LINK_OPEN);
        if let Some(last) = raw.chars().rev().find(|c| [LINK_OPEN, LINK_CLOSE].contains(c)) {
            in_link = last == LINK_OPEN;
        }
        let raw = raw.trim_end_matches([LINK_OPEN, LINK_CLOSE]);
        // `isn't` keeps its apostrophe: only the ends are trimmed.
        let text = raw.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’');
        let text = text.trim_matches(['\'', '’']).to_owned();
        let ends_sentence = raw.ends_with(['.', ';', '!', '?']) || raw.ends_with(".)");
        if !text.is_empty() || ends_sentence {
            let lower = text.to_lowercase();
            out.push(Word { text, lower, ends_sentence, in_link: word_in_link });
        }
    }
    out
}

/// `line` with [`LINK_OPEN`] and [`LINK_CLOSE`] inside the brackets of each link text
/// (`[text](target)`, `[text][ref]`, `![alt](src)`): from the last `[` before a `]` that a `(`
/// or `[` follows. Two passes over the line.
fn mark_link_text(line: &str) -> String {
    // Byte positions to insert at, in increasing order.
    let mut marks: Vec<(usize, char)> = Vec::new();
    let mut open: Option<usize> = None;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'[' => open = Some(i + 1),
            b']' => {
                if let Some(at) = open.take()
                    && matches!(bytes.get(i + 1), Some(b'(' | b'['))
                {
                    marks.extend([(at, LINK_OPEN), (i, LINK_CLOSE)]);
                }
            }
            _ => {}
        }
    }
    let mut out = String::with_capacity(line.len() + marks.len() * 3);
    let mut copied = 0;
    // Brackets are ASCII, so each mark is at a character boundary.
    for (at, mark) in marks {
        out.push_str(&line[copied..at]);
        out.push(mark);
        copied = at;
    }
    out.push_str(&line[copied..]);
    out
}

/// The OS named at `words[i]`, with how many words the name takes.
fn os_at(words: &[Word], i: usize) -> Option<(String, usize)> {
    let word = |k: usize| words.get(i + k).map_or("", |w| w.lower.as_str());
    let is_year = |w: &str| w.len() == 4 && w.chars().all(|c| c.is_ascii_digit());
    match word(0) {
        "windows" if word(1) == "server" && is_year(word(2)) => {
            let mut name = format!("Windows Server {}", word(2));
            let mut used = 3;
            if word(3) == "r2" {
                name.push_str(" R2");
                used = 4;
            }
            Some((name, used))
        }
        "windows" if matches!(word(1), "7" | "8" | "8.1" | "10" | "11") => {
            Some((format!("Windows {}", word(1)), 2))
        }
        "macos" => Some(("macOS".to_owned(), 1)),
        "mac" if word(1) == "os" => Some(("macOS".to_owned(), 2)),
        "linux" => Some(("Linux".to_owned(), 1)),
        "ios" => Some(("iOS".to_owned(), 1)),
        "android" => Some(("Android".to_owned(), 1)),
        "azure" if word(1) == "stack" && word(2) == "hci" => {
            Some(("Azure Stack HCI OS".to_owned(), if word(3) == "os" { 4 } else { 3 }))
        }
        _ => None,
    }
}

/// The version written right after an OS name: `, version 1703`, ` 14 and later`.
fn version_after(words: &[Word], at: usize, previous_ends: bool) -> Option<String> {
    if previous_ends {
        return None;
    }
    let mut i = at;
    if words.get(i).is_some_and(|w| w.lower == "version" || w.lower == "versions") {
        if words[i].ends_sentence {
            return None;
        }
        i += 1;
    }
    let word = words.get(i)?;
    word.text.starts_with(|c: char| c.is_ascii_digit()).then(|| word.text.clone())
}

/// The version a nested list item states: its first word, or the word after `Version`.
fn item_version(words: &[Word]) -> Option<String> {
    let first = words.first()?;
    let word = if first.lower == "version" { words.get(1)? } else { first };
    word.text.starts_with(|c: char| c.is_ascii_digit()).then(|| word.text.clone())
}

/// Indentation and whether the line is a list item (`- `, `* `, `1. `).
fn list_item(line: &str) -> (usize, bool) {
    let indent = line.len() - line.trim_start().len();
    let rest = line.trim_start();
    let bullet = rest.starts_with("- ") || rest.starts_with("* ") || rest.starts_with("+ ");
    let numbered = rest.split_once(". ").is_some_and(|(n, _)| {
        !n.is_empty() && n.len() <= 3 && n.chars().all(|c| c.is_ascii_digit())
    });
    (indent, bullet || numbered)
}

/// Every OS mention of the page, in page order (see the module docs).
fn mentions(doc: &Doc) -> Vec<Mention> {
    let mut out: Vec<Mention> = Vec::new();
    // The mention whose version its nested list items may state: (index, indent, versions).
    let mut open: Option<(usize, usize, Vec<String>)> = None;
    // The level of the aside heading (see `ASIDES`) whose section the line is in, if any,
    // kept as the headings are passed: its subsections are asides too.
    let (mut next_heading, mut aside): (usize, Option<usize>) = (0, None);
    for (index, line) in doc.lines.iter().enumerate() {
        let number = index + 1;
        while let Some(heading) = doc.headings.get(next_heading).filter(|h| h.line <= number) {
            if aside.is_none_or(|level| heading.level <= level) {
                let is_aside = ASIDES.iter().any(|a| heading.lower.contains(a));
                aside = is_aside.then_some(heading.level);
            }
            next_heading += 1;
        }
        if aside.is_some() || !doc.is_prose(number) || line.trim().is_empty() {
            continue;
        }
        let words = words(line);
        let before = out.len();
        line_mentions(&words, number, &mut out);
        let (indent, is_item) = list_item(line);
        if let Some((_, parent_indent, found)) = &mut open {
            if out.len() == before && is_item && indent > *parent_indent {
                found.extend(item_version(&words));
                continue;
            }
            close(&mut out, open.take());
        }
        if out.len() == before + 1 && is_item && out[before].version.is_none() {
            open = Some((before, indent, Vec::new()));
        }
    }
    close(&mut out, open);
    out
}

/// Gives an open mention the oldest version of its nested items.
fn close(out: &mut [Mention], open: Option<(usize, usize, Vec<String>)>) {
    let Some((at, _, found)) = open else { return };
    if let Some(oldest) = found.into_iter().min_by(|a, b| compare_versions(a, b)) {
        out[at].version = Some(oldest);
    }
}

/// The mentions of one line. A negation (see [`NEGATIONS`]) makes the mentions after it in
/// its sentence unsupported, and, when it is the sentence's verb (`isn't`, `is not`), also
/// the OS names it follows (`Windows 10 and Windows 11 are not supported`).
fn line_mentions(words: &[Word], line: usize, out: &mut Vec<Mention>) {
    let mut negated = false;
    // For each word, the mention in `out` it is part of, if any.
    let mut owner: Vec<Option<usize>> = vec![None; words.len()];
    // Words before `floor` are not walked back over again (once per word keeps it linear).
    let mut floor = 0;
    let mut i = 0;
    while i < words.len() {
        if let Some((os, used)) = os_at(words, i).filter(|_| !words[i].in_link) {
            let last = i + used - 1;
            let version = version_after(words, last + 1, words[last].ends_sentence);
            owner[i..=last].fill(Some(out.len()));
            out.push(Mention { os, version, negated, line });
            if words[last].ends_sentence {
                negated = false;
                floor = last + 1;
            }
            i = last + 1;
            continue;
        }
        if NEGATIONS.contains(&words[i].lower.as_str()) {
            negated = true;
            if let Some(verb) = negation_verb(words, i) {
                deny_subject(words, &owner, floor, verb, out);
                floor = i + 1;
            }
        }
        if words[i].ends_sentence {
            negated = false;
            floor = i + 1;
        }
        i += 1;
    }
}

/// Verbs a negation follows when it denies the sentence's subject (`is not`, `are not`).
const AUXILIARIES: [&str; 7] = ["is", "are", "was", "were", "does", "do", "can"];

/// Words that may stand between OS names of one subject and its verb: `Windows 10, version
/// 1709, and Windows 11 devices are not ...`.
const SUBJECT_WORDS: [&str; 11] = [
    "and",
    "or",
    "version",
    "versions",
    "later",
    "newer",
    "devices",
    "machines",
    "servers",
    "also",
    "currently",
];

/// Where the verb of the negation at `words[i]` starts, when the negation is one: a contracted
/// `isn't` or `cannot`, or `not` and `unsupported` right after `is`, `are` and the like.
fn negation_verb(words: &[Word], i: usize) -> Option<usize> {
    let word = words[i].lower.as_str();
    if !matches!(word, "not" | "unsupported") {
        return Some(i);
    }
    let before = i.checked_sub(1)?;
    let aux = &words[before];
    (!aux.ends_sentence && AUXILIARIES.contains(&aux.lower.as_str())).then_some(before)
}

/// Marks unsupported the mentions that end right before `words[verb]`, walking back over OS
/// names, versions and [`SUBJECT_WORDS`] to `floor` or the first other word.
fn deny_subject(
    words: &[Word],
    owner: &[Option<usize>],
    floor: usize,
    verb: usize,
    out: &mut [Mention],
) {
    for k in (floor..verb).rev() {
        let word = &words[k];
        if let Some(at) = owner[k] {
            out[at].negated = true;
        } else if !SUBJECT_WORDS.contains(&word.lower.as_str())
            && !word.text.starts_with(|c: char| c.is_ascii_digit())
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Mention = (String, Option<String>, bool, usize);

    fn read(text: &str) -> Vec<Mention> {
        let doc = Doc::parse(text);
        mentions(&doc).into_iter().map(|m| (m.os, m.version, m.negated, m.line)).collect()
    }

    /// Expected mentions written with `&str`s, as [`read`] returns them.
    fn owned(expected: &[(&str, Option<&str>, bool, usize)]) -> Vec<Mention> {
        let owned = |(os, version, negated, line): &(&str, Option<&str>, bool, usize)| {
            ((*os).to_owned(), version.map(str::to_owned), *negated, *line)
        };
        expected.iter().map(owned).collect()
    }

    #[test]
    fn versions_follow_the_name_or_come_from_nested_items() {
        let found = read(
            "- Full isolation on Windows 10, version 1703, and on Windows 11.\n\
             - **Windows 10**\n    - [Version 1909](/x) or later\n    - Version 1709 with KB1\n\
             - **macOS**\n      - 13 (Ventura)\n      - 11 (Big Sur)\n\
             Not supported on macOS or Linux. Supported on Windows Server 2012 R2.\n",
        );
        let expected = [
            ("Windows 10", Some("1703"), false, 1),
            ("Windows 11", None, false, 1),
            ("Windows 10", Some("1709"), false, 2),
            ("macOS", Some("11"), false, 5),
            ("macOS", None, true, 8),
            ("Linux", None, true, 8),
            ("Windows Server 2012 R2", None, false, 8),
        ];
        assert_eq!(found, owned(&expected));
    }

    #[test]
    fn urls_code_blocks_and_related_links_name_no_platform() {
        assert!(read("See [the notes](/windows/whats-new-windows-10-version-1909).\n").is_empty());
        assert!(read("## Related articles\n\n- [Defender for Endpoint on Linux](/x)\n").is_empty());
        let found = read("## Example\n\n### Request\n\nOn macOS.\n\n## Limits\n\nOn Linux.\n");
        assert_eq!(found, [("Linux".to_owned(), None, false, 9)]);
        assert!(read("```json\n{\"osPlatform\": \"Windows 10\"}\n```\n").is_empty());
        assert!(read("Windows Defender Application Control applies.\n").is_empty());
        let linked = "See [Onboard Windows Server 2025 and macOS devices](/x), ![Linux](/l.png).\n\
                      - See also [Run scans on Windows Server 2022][scans]\n";
        assert!(read(linked).is_empty());
        let after = "On [the list](/x) of Windows 11 devices.\n";
        assert_eq!(read(after), [("Windows 11".to_owned(), None, false, 1)]);
    }

    #[test]
    fn a_negation_denies_the_names_it_follows_as_verb_in_its_sentence_only() {
        let found = read(
            "On Windows 10, version 1709 or later. Windows 11 is not supported.\n\
             Windows 7 and Windows 8.1 devices aren't supported. Linux is.\n\
             Supported on macOS, but not on iOS. Android isn't a target; Windows 10 is.\n",
        );
        let expected = [
            ("Windows 10", Some("1709"), false, 1),
            ("Windows 11", None, true, 1),
            ("Windows 7", None, true, 2),
            ("Windows 8.1", None, true, 2),
            ("Linux", None, false, 2),
            ("macOS", None, false, 3),
            ("iOS", None, true, 3),
            ("Android", None, true, 3),
            ("Windows 10", None, false, 3),
        ];
        assert_eq!(found, owned(&expected));
    }
}
