//! Where in a JSON document a position falls, as a path (`value[3].status`): decode errors
//! name the member that did not fit without quoting its value, and without decoding the body a
//! second time.

/// One level of nesting on the way to the position.
enum Level {
    /// Inside an object: the member whose value is being read, once its key is known.
    Object(Option<String>),
    /// Inside an array: the index of the element being read.
    Array(usize),
}

/// The path of the value at `line` and `column` (1-based, as `serde_json` reports them) in
/// `body`, such as `value[3].status`; `None` at the top level or for a position outside the
/// text.
pub(crate) fn path_at(body: &[u8], line: usize, column: usize) -> Option<String> {
    let end = offset(body, line, column)?;
    let mut stack: Vec<Level> = Vec::new();
    let mut i = 0;
    // A string just read that may turn out to be a key (if a `:` follows).
    let mut last_string: Option<String> = None;
    // The last byte read opened a container: an error there is about the container itself.
    let mut just_opened = false;
    while i < end.min(body.len()) {
        let byte = body[i];
        if !byte.is_ascii_whitespace() {
            just_opened = matches!(byte, b'{' | b'[');
        }
        match byte {
            b'"' => {
                let (text, next) = string_at(body, i + 1);
                last_string = Some(text);
                i = next;
                continue;
            }
            b':' => {
                if let Some(Level::Object(key)) = stack.last_mut() {
                    *key = last_string.take();
                }
            }
            b',' => match stack.last_mut() {
                Some(Level::Array(index)) => *index += 1,
                Some(Level::Object(key)) => *key = None,
                None => {}
            },
            b'{' => stack.push(Level::Object(None)),
            b'[' => stack.push(Level::Array(0)),
            b'}' | b']' => {
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    if just_opened {
        stack.pop();
    }
    render(&stack)
}

/// The byte offset of `line`:`column`.
fn offset(body: &[u8], line: usize, column: usize) -> Option<usize> {
    let mut current = 1;
    let mut start = 0;
    for (i, byte) in body.iter().enumerate() {
        if current == line {
            break;
        }
        if *byte == b'\n' {
            current += 1;
            start = i + 1;
        }
    }
    (current == line).then_some(start + column)
}

/// The text of the string starting after its opening quote at `start` (escapes kept as
/// written), and the offset just past its closing quote.
fn string_at(body: &[u8], start: usize) -> (String, usize) {
    let mut i = start;
    while i < body.len() {
        match body[i] {
            b'\\' => i += 2,
            b'"' => return (String::from_utf8_lossy(&body[start..i]).into_owned(), i + 1),
            _ => i += 1,
        }
    }
    (String::from_utf8_lossy(&body[start.min(body.len())..]).into_owned(), body.len())
}

fn render(stack: &[Level]) -> Option<String> {
    let mut path = String::new();
    for level in stack {
        match level {
            Level::Object(Some(key)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Level::Object(None) => {}
            Level::Array(index) => path.push_str(&format!("[{index}]")),
        }
    }
    (!path.is_empty()).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The path `serde_json` points at when `body` does not decode as `T`.
    fn path_of_error<T: serde::de::DeserializeOwned + std::fmt::Debug>(
        body: &str,
    ) -> Option<String> {
        let error = serde_json::from_str::<T>(body).unwrap_err();
        path_at(body.as_bytes(), error.line(), error.column())
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Page {
        value: Vec<Item>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        id: String,
        count: u32,
    }

    #[test]
    fn names_the_member_inside_arrays_and_objects() {
        let body =
            r#"{"value": [{"id": "a", "count": 1}, {"id": "b", "count": "https://x/?sig=S"}]}"#;
        assert_eq!(path_of_error::<Page>(body).as_deref(), Some("value[1].count"));
        let body =
            "{\n  \"value\": [\n    {\"id\": \"a\", \"count\": 1},\n    {\"count\": 2}\n  ]\n}";
        // A missing member: the object that lacks it.
        assert_eq!(path_of_error::<Page>(body).as_deref(), Some("value[1]"));
        let body = r#"{"value": [{"id": "a\"}", "count": true}]}"#;
        assert_eq!(path_of_error::<Page>(body).as_deref(), Some("value[0].count"));
        assert_eq!(path_of_error::<Page>("true"), None);
        assert_eq!(path_of_error::<Page>("{\"value\": {}}").as_deref(), Some("value"));
    }
}
