//! Just enough Markdown to read Microsoft's reference pages: front matter, ATX headings, fenced
//! code blocks and pipe tables, each with its 1-based line number.
//!
//! The pages are hand-edited and irregular, so the reader is forgiving where CommonMark is
//! strict:
//!
//! - a fence opener with an info string (` ```JSON `) met inside an open fence closes that fence
//!   and opens a new one: the run-live-response page never closes its ` ```HTTP ` request block
//!   before its ` ```JSON ` body;
//! - a fence left open at the end of the page runs to the end;
//! - table rows may or may not start and end with `|`, even within one table;
//! - `[!INCLUDE ...]` lines, notes and everything else are ordinary text.
//!
//! Nothing here can fail: any text is a page, possibly one without headings or tables.
//!
//! Reading a page is linear in its length, and so are the questions asked of it afterwards:
//! the headings above a line are found by binary search and each heading's parent, the lines of
//! tables are marked once, and each heading is lowercased once.

use std::cell::OnceCell;

use super::limits::Words;

/// A parsed page.
#[derive(Debug)]
pub(crate) struct Doc {
    /// The lines of the page, without line terminators; `lines[0]` is line 1.
    pub lines: Vec<String>,
    /// For each line (same index as `lines`), true when it is ordinary text: not front matter
    /// and not part of a fenced block (markers included).
    pub prose: Vec<bool>,
    /// ATX headings outside fences, in page order.
    pub headings: Vec<Heading>,
    /// Fenced blocks, in page order.
    pub fences: Vec<Fence>,
    /// Pipe tables outside fences, in page order.
    pub tables: Vec<Table>,
    /// For each line (same index as `lines`), true when it belongs to a pipe table (header,
    /// delimiter or row).
    in_table: Vec<bool>,
    /// The words of the prose, read when first asked for ([`Doc::words`]).
    words: OnceCell<Words>,
}

/// A `#`-style heading.
#[derive(Debug)]
pub(crate) struct Heading {
    /// 1-based line.
    pub line: usize,
    /// 1 for `#`, 2 for `##`, ...
    pub level: usize,
    /// The heading text, trimmed, closing `#`s removed.
    pub text: String,
    /// `text`, lowercased.
    pub lower: String,
    /// Index (into `Doc::headings`) of the heading whose section holds this one: the nearest
    /// heading before it of a lower level.
    pub parent: Option<usize>,
}

/// A fenced code block.
#[derive(Debug)]
pub(crate) struct Fence {
    /// 1-based line of the opening marker.
    pub line: usize,
    /// The info string, lowercased (`json`, `http`, or empty).
    pub lang: String,
    /// The lines between the markers, each with its 1-based line number.
    pub body: Vec<(usize, String)>,
}

/// A pipe table: a header row, a delimiter row, and the rows that follow.
#[derive(Debug)]
pub(crate) struct Table {
    /// 1-based line of the header row.
    pub header_line: usize,
    /// Header cells, trimmed.
    pub header: Vec<String>,
    /// Body rows.
    pub rows: Vec<Row>,
}

/// One body row of a table.
#[derive(Debug)]
pub(crate) struct Row {
    /// 1-based line.
    pub line: usize,
    /// Cells, trimmed; there may be fewer or more than header cells.
    pub cells: Vec<String>,
}

impl Row {
    /// The cell in column `index`, or an empty string when the row is short.
    pub fn cell(&self, index: usize) -> &str {
        self.cells.get(index).map_or("", String::as_str)
    }
}

impl Table {
    /// Index of the first header cell whose plain, lowercased text satisfies `pred`.
    pub fn column(&self, pred: impl Fn(&str) -> bool) -> Option<usize> {
        self.header.iter().position(|cell| pred(&crate::text::plain(cell).to_lowercase()))
    }

    /// Line just after the last row (or after the delimiter row of an empty table).
    pub fn end_line(&self) -> usize {
        self.rows.last().map_or(self.header_line + 2, |row| row.line + 1)
    }
}

/// An open fence while scanning.
struct OpenFence {
    line: usize,
    marker: char,
    count: usize,
    lang: String,
    body: Vec<(usize, String)>,
}

impl OpenFence {
    fn close(self) -> Fence {
        Fence { line: self.line, lang: self.lang, body: self.body }
    }
}

impl Doc {
    /// Reads a page. Never fails.
    pub fn parse(text: &str) -> Doc {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let lines: Vec<String> =
            text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned()).collect();
        let mut prose = vec![true; lines.len()];
        let mut start = 0;
        if lines.first().is_some_and(|l| l.trim() == "---")
            && let Some(end) = (1..lines.len()).find(|&j| matches!(lines[j].trim(), "---" | "..."))
        {
            prose[..=end].iter_mut().for_each(|p| *p = false);
            start = end + 1;
        }

        let mut headings: Vec<Heading> = Vec::new();
        // The indexes of the headings whose sections are open, outermost first.
        let mut chain: Vec<usize> = Vec::new();
        let mut fences = Vec::new();
        let mut open: Option<OpenFence> = None;
        for (index, line) in lines.iter().enumerate().skip(start) {
            let number = index + 1;
            let trimmed = line.trim_start();
            match open.take() {
                Some(mut fence) => {
                    prose[index] = false;
                    match fence_marker(trimmed) {
                        Some((marker, count, info))
                            if marker == fence.marker && count >= fence.count =>
                        {
                            fences.push(fence.close());
                            if !info.is_empty() && marker == '`' {
                                // Tolerance: an opener inside an open fence closes it first.
                                open = Some(OpenFence {
                                    line: number,
                                    marker,
                                    count,
                                    lang: info,
                                    body: Vec::new(),
                                });
                            }
                        }
                        _ => {
                            fence.body.push((number, line.clone()));
                            open = Some(fence);
                        }
                    }
                }
                None => {
                    if let Some((marker, count, lang)) = fence_marker(trimmed) {
                        prose[index] = false;
                        open =
                            Some(OpenFence { line: number, marker, count, lang, body: Vec::new() });
                    } else if line.len() - trimmed.len() < 4
                        && let Some((level, text)) = heading(trimmed)
                    {
                        // The parent is the nearest heading before this one of a lower level.
                        while chain.last().is_some_and(|&h| headings[h].level >= level) {
                            chain.pop();
                        }
                        let parent = chain.last().copied();
                        chain.push(headings.len());
                        let lower = text.to_lowercase();
                        headings.push(Heading { line: number, level, text, lower, parent });
                    }
                }
            }
        }
        if let Some(fence) = open {
            fences.push(fence.close());
        }

        let tables = tables(&lines, &prose);
        let mut in_table = vec![false; lines.len()];
        for table in &tables {
            for number in table.header_line..table.end_line() {
                if let Some(flag) = in_table.get_mut(number - 1) {
                    *flag = true;
                }
            }
        }
        Doc { lines, prose, headings, fences, tables, in_table, words: OnceCell::new() }
    }

    /// The line range `[start, end)` (1-based) covered by heading `index`: from the heading to
    /// the next heading of the same or a higher level.
    pub fn section(&self, index: usize) -> (usize, usize) {
        let Some(heading) = self.headings.get(index) else {
            return (0, 0);
        };
        let end = self.headings[index + 1..]
            .iter()
            .find(|h| h.level <= heading.level)
            .map_or(self.lines.len() + 1, |h| h.line);
        (heading.line, end)
    }

    /// The first heading whose lowercased text satisfies `pred`.
    pub fn find_heading(&self, pred: impl Fn(&str) -> bool) -> Option<usize> {
        self.headings.iter().position(|h| pred(&h.lower))
    }

    /// The headings whose sections contain `line`, outermost first: the innermost heading
    /// above it and its parents (at most six).
    pub fn headings_above(&self, line: usize) -> Vec<&Heading> {
        let mut chain: Vec<&Heading> = Vec::new();
        let mut next = self.innermost_heading(line);
        while let Some(heading) = next.and_then(|h| self.headings.get(h)) {
            chain.push(heading);
            next = heading.parent;
        }
        chain.reverse();
        chain
    }

    /// Index (into `headings`) of the innermost heading above `line`.
    pub fn innermost_heading(&self, line: usize) -> Option<usize> {
        self.headings.partition_point(|h| h.line < line).checked_sub(1)
    }

    /// The text of line `number` (1-based), or "" past the end.
    pub fn line(&self, number: usize) -> &str {
        number.checked_sub(1).and_then(|i| self.lines.get(i)).map_or("", String::as_str)
    }

    /// The value of a top-level `key: value` line of the front matter, unquoted and trimmed.
    pub fn front_matter(&self, key: &str) -> Option<String> {
        if self.lines.first().is_none_or(|l| l.trim() != "---") {
            return None;
        }
        self.lines[1..].iter().take_while(|l| !matches!(l.trim(), "---" | "...")).find_map(|line| {
            let (name, value) = line.split_once(':')?;
            (name == key).then(|| value.trim().trim_matches(['"', '\'']).trim().to_owned())
        })
    }

    /// The words of the page's prose, read once.
    pub fn words(&self) -> &Words {
        self.words.get_or_init(|| Words::of(self))
    }

    /// True when line `number` (1-based) belongs to a pipe table (header, delimiter or row).
    pub fn is_table_line(&self, number: usize) -> bool {
        number.checked_sub(1).and_then(|i| self.in_table.get(i)).copied().unwrap_or(false)
    }

    /// True when line `number` (1-based) is ordinary text.
    pub fn is_prose(&self, number: usize) -> bool {
        number.checked_sub(1).and_then(|i| self.prose.get(i)).copied().unwrap_or(false)
    }
}

/// `Some((marker, count, info))` when `trimmed` opens or closes a fence.
fn fence_marker(trimmed: &str) -> Option<(char, usize, String)> {
    let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let count = trimmed.chars().take_while(|c| *c == marker).count();
    if count < 3 {
        return None;
    }
    let info = trimmed[count..].trim();
    if marker == '`' && info.contains('`') {
        return None;
    }
    Some((marker, count, info.to_lowercase()))
}

/// `Some((level, text))` for an ATX heading line.
fn heading(trimmed: &str) -> Option<(usize, String)> {
    let level = trimmed.chars().take_while(|c| *c == '#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &trimmed[level..];
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let text = rest.trim().trim_end_matches('#').trim_end();
    Some((level, text.to_owned()))
}

/// Splits a table line into trimmed cells; `\|` does not split.
pub(crate) fn split_cells(line: &str) -> Vec<String> {
    let mut text = line.trim();
    text = text.strip_prefix('|').unwrap_or(text);
    if text.ends_with('|') && !text.ends_with("\\|") {
        text = &text[..text.len() - 1];
    }
    let mut cells = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                current.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut current).trim().to_owned()),
            _ => current.push(c),
        }
    }
    cells.push(current.trim().to_owned());
    cells
}

/// True for a delimiter row such as `|---|:---:|` or `:---|:---`.
fn is_delimiter(line: &str) -> bool {
    if !line.contains('-') {
        return false;
    }
    let cells = split_cells(line);
    !cells.is_empty()
        && cells.iter().all(|c| {
            let inner = c.trim().trim_matches(':');
            !inner.is_empty() && inner.chars().all(|ch| ch == '-')
        })
}

fn is_table_line(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.contains('|') && !t.starts_with('>')
}

fn tables(lines: &[String], prose: &[bool]) -> Vec<Table> {
    let mut tables = Vec::new();
    let mut i = 0;
    while i + 1 < lines.len() {
        if prose[i] && prose[i + 1] && is_table_line(&lines[i]) && is_delimiter(&lines[i + 1]) {
            let header = split_cells(&lines[i]);
            let mut rows = Vec::new();
            let mut j = i + 2;
            while j < lines.len() && prose[j] && is_table_line(&lines[j]) {
                rows.push(Row { line: j + 1, cells: split_cells(&lines[j]) });
                j += 1;
            }
            tables.push(Table { header_line: i + 1, header, rows });
            i = j;
        } else {
            i += 1;
        }
    }
    tables
}
