//! Large synthetic docs pages for the docs-check benchmark and its size test: a real page (the
//! vendored resource page or a method page fixture) grown to any number of lines with filler
//! that docs-check reads but finds nothing in, so the large page's findings are the original
//! page's, at the lines [`Large::line`] maps them to.
//!
//! The filler is deterministic (the same arguments give the same bytes) and exercises every
//! part of the check:
//!
//! - notes: a level-6 heading, a paragraph of prose with links, bold, code, quotes, `<br>` and
//!   value lists of made-up values ("Possible values are "Amber", "Cobalt", and "Dune".") that
//!   match no enum of the spec, and a pipe table headed `Setting | Default | Notes` (neither a
//!   property, request body nor method table); one note carries a table of a tenth of the
//!   requested lines, another a paragraph of a tenth of them;
//! - JSON examples: copies of the page's first JSON example, each under its own level-6
//!   heading at the end of that example's section, so they are read in the same role (request,
//!   response or the resource's representation) and are as valid as the original;
//! - optionally one giant prose line (several megabytes) in the middle of the notes.
//!
//! Notes go at the end of each section (before every heading of level 2 to 5 outside code
//! fences, and at the end of the page), never between lines that belong together, and start
//! with a blank line. The filler holds no digits outside the copied examples and none of the
//! words docs-check looks for around limits, request bodies or page parts, so it states no
//! limit and names no page part. [`one_line_page`] is a page that is a single line of filler.

use std::fmt::Write as _;

/// How large a page to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// How many lines the page has in all (as `str::lines` counts them); at least the
    /// original page's.
    pub lines: usize,
    /// The length in bytes of one extra prose line placed among the notes, or 0 for none. It
    /// counts as one of `lines`.
    pub giant_line: usize,
}

impl Size {
    /// `lines` lines, no giant line.
    pub fn lines(lines: usize) -> Size {
        Size { lines, giant_line: 0 }
    }

    /// The same size with a giant line of `bytes` bytes.
    pub fn with_giant_line(self, bytes: usize) -> Size {
        Size { giant_line: bytes, ..self }
    }
}

/// A grown page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Large {
    /// The page's markdown.
    pub text: String,
    /// For each line of the original page (index 0 for line 1), its 1-based line here.
    pub lines: Vec<usize>,
}

impl Large {
    /// The line of the grown page that holds line `original` (1-based) of the original page.
    ///
    /// # Panics
    ///
    /// When the original page has no such line.
    pub fn line(&self, original: usize) -> usize {
        self.lines[original - 1]
    }

    /// How many lines the grown page has.
    pub fn line_count(&self) -> usize {
        self.text.lines().count()
    }
}

/// Words of the prose filler: none of them a number, a unit of time, or a word docs-check
/// looks for (limits, "empty", page parts).
const WORDS: [&str; 40] = [
    "the",
    "device",
    "console",
    "analyst",
    "reviews",
    "each",
    "alert",
    "before",
    "acting",
    "on",
    "it",
    "and",
    "records",
    "a",
    "comment",
    "for",
    "audit",
    "trail",
    "while",
    "automation",
    "waits",
    "until",
    "status",
    "settles",
    "so",
    "that",
    "operators",
    "see",
    "what",
    "changed",
    "in",
    "tenant",
    "portal",
    "with",
    "care",
    "across",
    "regions",
    "whenever",
    "policy",
    "allows",
];

/// Marked-up words mixed into the prose (links, emphasis, code, quotes, HTML breaks, brackets
/// left open), so that every reader of markup meets them.
const MARKUP: [&str; 10] = [
    "[portal](https://learn.microsoft.com/defender-endpoint/portal)",
    "**careful**",
    "`settings`",
    "\"quoted\"",
    "<br>",
    "(aside)",
    "[open bracket",
    "'single'",
    "<p>",
    "*light*",
];

/// Value lists of made-up values, none of them a value of the spec's enums.
const VALUE_LISTS: [&str; 3] = [
    "Possible values are \"Amber\", \"Cobalt\", and \"Dune\".",
    "Allowed values are: **Ember**, **Fjord**, or **Grove**.",
    "It can be one of `Harbor`, `Inlet` and `Juniper`.",
];

/// A deterministic stream of numbers (a 64-bit linear congruential generator).
#[derive(Debug)]
struct Stream(u64);

impl Stream {
    fn next(&mut self, below: usize) -> usize {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        // The high bits are the well-mixed ones.
        usize::try_from(self.0 >> 33).unwrap_or(0) % below.max(1)
    }
}

/// One line of prose of at least `min_len` bytes; a value list every few sentences when
/// `lists` is set. Never starts with markup, a bullet, a heading or a table pipe.
fn prose_line(stream: &mut Stream, min_len: usize, lists: bool) -> String {
    let mut line = String::with_capacity(min_len + 80);
    let mut sentence = 0;
    while line.len() < min_len {
        if !line.is_empty() {
            line.push(' ');
        }
        // A sentence: a capitalised plain word, then words and markup, then a full stop.
        let first = WORDS[stream.next(WORDS.len())];
        let mut chars = first.chars();
        if let Some(c) = chars.next() {
            line.push(c.to_ascii_uppercase());
            line.push_str(chars.as_str());
        }
        for _ in 0..6 + stream.next(8) {
            line.push(' ');
            if stream.next(5) == 0 {
                line.push_str(MARKUP[stream.next(MARKUP.len())]);
            } else {
                line.push_str(WORDS[stream.next(WORDS.len())]);
            }
        }
        line.push('.');
        sentence += 1;
        if lists && sentence % 4 == 0 {
            line.push(' ');
            line.push_str(VALUE_LISTS[stream.next(VALUE_LISTS.len())]);
        }
    }
    line
}

/// A row of the filler tables.
fn table_row(stream: &mut Stream, index: usize) -> String {
    let name = WORDS[index % WORDS.len()];
    let setting = WORDS[stream.next(WORDS.len())];
    let default = if stream.next(2) == 0 { "on" } else { "off" };
    format!("|{name} {setting}|{default}|{}|", prose_line(stream, 30, false))
}

/// A page that is one line of `bytes` bytes (or a little more) of filler prose, value lists
/// included: no heading, table or fence, so docs-check knows it only by its file name.
pub fn one_line_page(bytes: usize) -> String {
    prose_line(&mut Stream(7), bytes, true)
}

/// `page` grown to `size` with filler (see the module documentation). A page that already has
/// as many lines is returned unchanged.
pub fn grow(page: &str, size: Size) -> Large {
    let original: Vec<&str> = page.lines().collect();
    let shape = Shape::of(&original);
    let mut stream = Stream(1);
    let budget = size.lines.saturating_sub(original.len());

    // The blocks of filler for each insertion point (index into `original` before which they
    // go; `original.len()` for the end).
    let mut points: Vec<usize> = shape.section_ends.clone();
    if points.is_empty() {
        points.push(original.len());
    }
    let mut blocks: Vec<(usize, Vec<String>)> = Vec::new();
    let mut used = 0;
    let mut note = 0;
    // A long table first, a long paragraph next, then notes, a JSON copy after every third.
    while used < budget {
        let left = budget - used;
        let block = if note % 4 == 3
            && let Some((at, example)) = &shape.example
        {
            let mut block =
                vec![String::new(), format!("###### Sample {}", note + 1), String::new()];
            block.extend(example.iter().cloned());
            (*at, block)
        } else {
            let at = points[note % points.len()];
            let rows = if note == 0 { size.lines / 10 } else { 20 + stream.next(20) };
            let paragraph = if note == 1 { size.lines / 10 } else { 10 + stream.next(30) };
            let giant = (size.giant_line > 0 && note == 2).then_some(size.giant_line);
            (at, note_block(&mut stream, note, paragraph, rows, giant))
        };
        note += 1;
        let (at, mut lines) = block;
        if lines.len() > left {
            // The last block: as many lines as remain, ending on prose (a cut table or example
            // could be read as something else).
            lines = vec![String::new(); left];
            for line in lines.iter_mut().skip(1) {
                *line = prose_line(&mut stream, 60, false);
            }
            blocks.push((shape.last_point(&original), lines));
            used = budget;
            continue;
        }
        used += lines.len();
        blocks.push((at, lines));
    }

    // Stable by insertion point, so that notes keep their order.
    blocks.sort_by_key(|(at, _)| *at);
    let mut out = String::with_capacity(page.len() + budget * 80 + size.giant_line);
    let mut map = Vec::with_capacity(original.len());
    let mut line = 0;
    let mut pending = blocks.iter().peekable();
    for (index, text) in original.iter().enumerate() {
        while let Some((_, block)) = pending.next_if(|(at, _)| *at == index) {
            for filler in block {
                let _ = writeln!(out, "{filler}");
                line += 1;
            }
        }
        let _ = writeln!(out, "{text}");
        line += 1;
        map.push(line);
    }
    for (_, block) in pending {
        for filler in block {
            let _ = writeln!(out, "{filler}");
        }
    }
    Large { text: out, lines: map }
}

/// A note: a heading, a paragraph, a value list, a table, each set off by blank lines.
fn note_block(
    stream: &mut Stream,
    index: usize,
    paragraph: usize,
    rows: usize,
    giant: Option<usize>,
) -> Vec<String> {
    let mut block = vec![String::new(), format!("###### Note {}", index + 1), String::new()];
    for _ in 0..paragraph {
        let len = 60 + stream.next(120);
        block.push(prose_line(stream, len, true));
    }
    if let Some(bytes) = giant {
        block.push(prose_line(stream, bytes, true));
    }
    block.push(String::new());
    block.push(VALUE_LISTS[index % VALUE_LISTS.len()].to_owned());
    block.push(String::new());
    block.push("|Setting|Default|Notes|".to_owned());
    block.push("|---|---|---|".to_owned());
    for row in 0..rows {
        block.push(table_row(stream, row));
    }
    block
}

/// Where filler can go on a page.
#[derive(Debug)]
struct Shape {
    /// Indexes (0-based) of the lines before which a section ends: headings of level 2 to 5
    /// outside fences, and the end of the page when no fence is left open there.
    section_ends: Vec<usize>,
    /// The page's first JSON example: where copies go (the end of its section) and its lines,
    /// fence markers included.
    example: Option<(usize, Vec<String>)>,
}

impl Shape {
    fn of(lines: &[&str]) -> Shape {
        let mut start = 0;
        if lines.first().is_some_and(|l| l.trim() == "---")
            && let Some(end) = (1..lines.len()).find(|&j| matches!(lines[j].trim(), "---" | "..."))
        {
            start = end + 1;
        }
        let mut section_ends = Vec::new();
        let mut example: Option<(usize, Vec<String>)> = None;
        let mut example_open: Option<Vec<String>> = None;
        let mut copy_at_next_heading = None;
        // The open fence: its marker and length.
        let mut open: Option<(char, usize)> = None;
        for (index, line) in lines.iter().enumerate().skip(start) {
            let trimmed = line.trim_start();
            let marker = fence_marker(trimmed);
            match (open, marker) {
                (Some((m, n)), Some((c, count, info))) if c == m && count >= n => {
                    if let Some(mut body) = example_open.take() {
                        body.push(m.to_string().repeat(n));
                        copy_at_next_heading = Some(body);
                    }
                    // An opener with an info string inside an open fence opens a new one.
                    open = (!info.is_empty() && c == '`').then_some((c, count));
                    if open.is_some() && example.is_none() && copy_at_next_heading.is_none() {
                        example_open = json_opener(trimmed);
                    }
                }
                (Some(_), _) => {
                    if let Some(body) = &mut example_open {
                        body.push((*line).to_owned());
                    }
                }
                (None, Some((c, count, _))) => {
                    open = Some((c, count));
                    if example.is_none() && copy_at_next_heading.is_none() {
                        example_open = json_opener(trimmed);
                    }
                }
                (None, None) => {
                    let level = trimmed.chars().take_while(|c| *c == '#').count();
                    let heading = line.len() - trimmed.len() < 4
                        && (1..=6).contains(&level)
                        && (trimmed.len() == level || trimmed[level..].starts_with([' ', '\t']));
                    if heading {
                        if let Some(body) = copy_at_next_heading.take() {
                            example = Some((index, body));
                        }
                        if (2..=5).contains(&level) {
                            section_ends.push(index);
                        }
                    }
                }
            }
        }
        if open.is_none() {
            if let Some(body) = copy_at_next_heading.take() {
                example = Some((lines.len(), body));
            }
            section_ends.push(lines.len());
        }
        // A JSON example whose body is not an object or array is not copied.
        let example = example.filter(|(_, body)| {
            body.iter()
                .skip(1)
                .map(|l| l.trim())
                .find(|l| !l.is_empty())
                .is_some_and(|l| l.starts_with(['{', '[']))
        });
        Shape { section_ends, example }
    }

    /// Where the last block goes: the end of the page if filler can go there, else the last
    /// section end.
    fn last_point(&self, lines: &[&str]) -> usize {
        self.section_ends.last().copied().unwrap_or(lines.len())
    }
}

/// The opener line of a ```` ```json ```` fence, as the start of a copy.
fn json_opener(trimmed: &str) -> Option<Vec<String>> {
    let (marker, count, info) = fence_marker(trimmed)?;
    (marker == '`' && info.eq_ignore_ascii_case("json")).then(|| vec!["`".repeat(count) + "json"])
}

/// `Some((marker, count, info))` when `trimmed` opens or closes a fence.
fn fence_marker(trimmed: &str) -> Option<(char, usize, &str)> {
    let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let count = trimmed.chars().take_while(|c| *c == marker).count();
    if count < 3 {
        return None;
    }
    let info = trimmed[count..].trim();
    if marker == '`' && info.contains('`') {
        return None;
    }
    Some((marker, count, info))
}
