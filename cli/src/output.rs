//! Printing answers: `--output table` (aligned columns, the default on a terminal), `json` (one
//! document, the default otherwise) and `ndjson` (one object per line).

use std::io::{IsTerminal as _, Write};

use serde_json::Value;

use crate::api_support::Answer;
use crate::args::OutputFormat;

/// The columns of a table of machine actions.
pub const ACTION_COLUMNS: &[&str] =
    &["id", "type", "status", "computerDnsName", "creationDateTimeUtc", "requestor"];
/// The columns of a table of devices.
pub const MACHINE_COLUMNS: &[&str] =
    &["id", "computerDnsName", "osPlatform", "healthStatus", "lastIpAddress", "machineTags"];
/// Widest cell of a table; longer text is cut with `…`.
const MAX_CELL: usize = 100;

/// The format to print in: the one asked for, else a table on a terminal and JSON otherwise.
pub fn format(asked: Option<OutputFormat>) -> OutputFormat {
    asked.unwrap_or_else(|| {
        if std::io::stdout().is_terminal() { OutputFormat::Table } else { OutputFormat::Json }
    })
}

/// Prints `answer` to standard output. `columns` chooses a table's columns (empty: chosen from
/// the rows: actions and devices get their usual columns, anything else its first scalars).
pub fn print(format: OutputFormat, answer: &Answer, columns: &[&str]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let text = render(format, answer, columns);
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// The text [`print()`] prints.
pub fn render(format: OutputFormat, answer: &Answer, columns: &[&str]) -> String {
    match (format, answer) {
        (OutputFormat::Json, Answer::One(value)) => pretty(value),
        (OutputFormat::Json, Answer::Many(values)) => pretty(&Value::Array(values.clone())),
        (OutputFormat::Ndjson, Answer::One(value)) => format!("{value}\n"),
        (OutputFormat::Ndjson, Answer::Many(values)) => {
            values.iter().map(|v| format!("{v}\n")).collect()
        }
        (OutputFormat::Table, Answer::One(value)) => match listed(value) {
            Some(items) => table(items, columns),
            None => record(value),
        },
        (OutputFormat::Table, Answer::Many(values)) => table(values, columns),
    }
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// The items of a collection envelope (`{"@odata.context": ..., "value": [...]}`).
fn listed(value: &Value) -> Option<&Vec<Value>> {
    let object = value.as_object()?;
    let mut members = object.iter().filter(|(key, _)| !key.starts_with('@'));
    match (members.next(), members.next()) {
        (Some((_, Value::Array(items))), None) => Some(items),
        _ => None,
    }
}

/// One object as `key  value` lines.
fn record(value: &Value) -> String {
    let Some(object) = value.as_object() else { return format!("{}\n", cell(value)) };
    let width = object.keys().map(|k| k.chars().count()).max().unwrap_or(0);
    object
        .iter()
        .filter(|(key, _)| !key.starts_with('@'))
        .map(|(key, value)| format!("{key:width$}  {}\n", cell(value)))
        .collect()
}

/// Rows under a header, columns padded to their widest cell.
fn table(rows: &[Value], columns: &[&str]) -> String {
    if rows.is_empty() {
        return "(none)\n".to_owned();
    }
    let columns: Vec<String> = if columns.is_empty() {
        auto_columns(&rows[0])
    } else {
        columns.iter().map(|c| (*c).to_owned()).collect()
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| columns.iter().map(|c| row.get(c).map(cell).unwrap_or_default()).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells.iter().map(|r| r[i].chars().count()).chain([c.chars().count()]).max().unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<&str>| -> String {
        let mut text: String = values
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:w$}  "))
            .collect::<String>()
            .trim_end()
            .to_owned();
        text.push('\n');
        text
    };
    let mut out = line(
        columns.iter().map(|c| header(c)).collect::<Vec<_>>().iter().map(String::as_str).collect(),
    );
    for row in &cells {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// `computerDnsName` as `COMPUTER DNS NAME`.
fn header(column: &str) -> String {
    let mut out = String::new();
    for (i, c) in column.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(c.to_uppercase());
    }
    out
}

fn auto_columns(first: &Value) -> Vec<String> {
    let Some(object) = first.as_object() else { return Vec::new() };
    let known = |set: &[&str]| set.iter().all(|c| object.contains_key(*c));
    if known(&["type", "status", "creationDateTimeUtc"]) {
        return ACTION_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    }
    if known(&["computerDnsName", "osPlatform"]) {
        return MACHINE_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    }
    object
        .iter()
        .filter(|(key, value)| !key.starts_with('@') && !value.is_object())
        .map(|(key, _)| key.clone())
        .take(6)
        .collect()
}

/// A value as one table cell: text as is, lists joined by commas, objects as compact JSON.
fn cell(value: &Value) -> String {
    let text = match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    };
    let text = text.replace(['\n', '\r', '\t'], " ");
    if text.chars().count() > MAX_CELL {
        let cut: String = text.chars().take(MAX_CELL - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_pad_columns_and_name_them() {
        let rows = vec![
            json!({"id": "a", "status": "Succeeded"}),
            json!({"id": "bbbb", "status": "Failed"}),
        ];
        let text = render(OutputFormat::Table, &Answer::Many(rows), &["id", "status"]);
        assert_eq!(text, "ID    STATUS\na     Succeeded\nbbbb  Failed\n");
    }

    #[test]
    fn ndjson_is_one_line_per_row() {
        let rows = vec![json!({"id": "a"}), json!({"id": "b"})];
        let text = render(OutputFormat::Ndjson, &Answer::Many(rows), &[]);
        assert_eq!(text, "{\"id\":\"a\"}\n{\"id\":\"b\"}\n");
    }

    #[test]
    fn a_collection_envelope_prints_as_its_rows() {
        let page = json!({"@odata.context": "x", "value": [{"id": "m1", "computerDnsName": "a", "osPlatform": "Linux"}]});
        let text = render(OutputFormat::Table, &Answer::One(page), &[]);
        assert!(text.starts_with("ID  COMPUTER DNS NAME  OS PLATFORM"), "{text}");
    }
}
