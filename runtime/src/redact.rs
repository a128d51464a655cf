//! The one redaction rule for everything that can reach `Display`, `Debug`, `tracing` or an
//! error message.
//!
//! [`redact`] removes, wherever they appear in a text:
//!
//! - **URL credentials**: the user-info (`user:password@`) and the whole query (and fragment)
//!   of every URL, which is where a signed download link carries its signature. URLs are found
//!   in plain form (`https://`), JSON-escaped (`https:\/\/`) and percent-encoded
//!   (`https%3A%2F%2F`), any case.
//! - **Bearer tokens**: `Bearer xxx` (also `Bearer+xxx` and `Bearer%20xxx`, as in a form).
//! - **Credential-like members**: the value of `client_secret`, `access_token`, `password`,
//!   `sig` and similar names, in `name=value` (also `name%3Dvalue`), `"name": "value"` and
//!   JSON-escaped `\"name\":\"value\"` form.
//!
//! [`redact_secret`] additionally removes one known secret (a client secret) in every encoding
//! it can travel in: literal, form-encoded, percent-encoded and JSON-escaped.
//! [`endpoint`] shows a URL without user-info and query, for `Debug` and configuration errors.

use std::borrow::Cow;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// What replaces a removed value.
pub(crate) const REDACTED: &str = "<redacted>";

/// Member and parameter names whose values are credentials (compared in lower case, whole
/// names only).
const SECRET_NAMES: &[&str] = &[
    "client_secret",
    "client_assertion",
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "password",
    "passwd",
    "secret",
    "sig",
    "signature",
    "api_key",
    "apikey",
    "assertion",
    "authorization",
];

/// `text` with every URL credential, bearer token and credential-like member value replaced
/// by `<redacted>` (see the module docs).
pub(crate) fn redact(text: &str) -> String {
    let text = redact_urls(text);
    let text = redact_bearer(&text);
    redact_members(&text)
}

/// `text` run through [`redact`], and with `secret` removed in each of its encodings.
pub(crate) fn redact_secret(text: &str, secret: &str) -> String {
    let mut text = Cow::Borrowed(text);
    if !secret.trim().is_empty() {
        for form in encodings(secret) {
            if !form.is_empty() && text.contains(form.as_str()) {
                text = Cow::Owned(text.replace(form.as_str(), REDACTED));
            }
        }
    }
    redact(&text)
}

/// The forms `secret` can take in a message: literal, form-encoded (`+` for spaces),
/// percent-encoded (every reserved character, `%20` for spaces) and JSON-escaped. Longest
/// first.
fn encodings(secret: &str) -> Vec<String> {
    /// `application/x-www-form-urlencoded`'s unreserved set.
    const FORM: &percent_encoding::AsciiSet =
        &NON_ALPHANUMERIC.remove(b'*').remove(b'-').remove(b'.').remove(b'_');
    let form: String = secret
        .split(' ')
        .map(|part| utf8_percent_encode(part, FORM).to_string())
        .collect::<Vec<_>>()
        .join("+");
    let percent = utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string();
    let percent_lower = lower_hex_escapes(&percent);
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json.trim_matches('"').to_owned();
    let json_slashes = json.replace('/', "\\/");
    let mut forms = vec![secret.to_owned(), form, percent, percent_lower, json, json_slashes];
    forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
    forms.dedup();
    forms
}

/// `%2F` as `%2f`: some encoders write lower-case hex digits.
fn lower_hex_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            out.extend(chars.by_ref().take(2).map(|h| h.to_ascii_lowercase()));
        }
    }
    out
}

/// A URL for display: scheme, host, port and path; no user-info, a query or fragment becomes
/// `?<redacted>`. Text that is not a URL is shown through [`redact`].
pub(crate) fn endpoint(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) if parsed.has_host() => {
            let mut shown = format!("{}://{}", parsed.scheme(), parsed.host_str().unwrap_or(""));
            if let Some(port) = parsed.port() {
                shown.push_str(&format!(":{port}"));
            }
            shown.push_str(parsed.path());
            if parsed.query().is_some() || parsed.fragment().is_some() {
                shown.push('?');
                shown.push_str(REDACTED);
            }
            shown
        }
        _ => redact(url),
    }
}

/// How a URL is written: its scheme separator, and the markers of its parts in that form.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `https://host/path?query`
    Plain,
    /// `https:\/\/host\/path?query` (JSON with escaped slashes)
    Escaped,
    /// `https%3A%2F%2Fhost%2Fpath%3Fquery` (a URL inside a query value or form)
    Percent,
}

impl Form {
    const ALL: [(Form, &'static str); 3] =
        [(Form::Plain, "://"), (Form::Escaped, ":\\/\\/"), (Form::Percent, "%3a%2f%2f")];

    /// Where the authority ends: the path, query or fragment starts.
    fn authority_ends(self) -> &'static [&'static str] {
        match self {
            Form::Plain => &["/", "?", "#"],
            Form::Escaped => &["\\/", "?", "#"],
            Form::Percent => &["%2f", "%3f", "%23", "/", "?", "#"],
        }
    }

    /// Where the query (or fragment) starts.
    fn query_starts(self) -> &'static [&'static str] {
        match self {
            Form::Plain | Form::Escaped => &["?", "#"],
            Form::Percent => &["%3f", "%23", "?", "#"],
        }
    }

    /// The user-info separator.
    fn at_signs(self) -> &'static [&'static str] {
        match self {
            Form::Plain | Form::Escaped => &["@"],
            Form::Percent => &["%40", "@"],
        }
    }
}

/// The first of `needles` in `haystack` (already lower case): its position.
fn find_any(haystack: &str, needles: &[&str]) -> Option<usize> {
    needles.iter().filter_map(|needle| haystack.find(needle)).min()
}

/// The last of `needles` in `haystack`: its position and length.
fn rfind_any(haystack: &str, needles: &[&str]) -> Option<(usize, usize)> {
    needles.iter().filter_map(|needle| haystack.rfind(needle).map(|at| (at, needle.len()))).max()
}

/// Where the URL whose scheme separator ends at `start` ends.
fn url_end(text: &str, start: usize, form: Form) -> usize {
    let bytes = text.as_bytes();
    let mut i = start;
    while i < bytes.len() {
        let c = bytes[i];
        let ends = c.is_ascii_whitespace()
            || matches!(c, b'"' | b'\'' | b'<' | b'>' | b'`' | b'(' | b')' | b'[' | b']')
            || (form == Form::Percent && c == b'&');
        if ends {
            break;
        }
        if c == b'\\' {
            if form == Form::Escaped && bytes.get(i + 1) == Some(&b'/') {
                i += 2;
                continue;
            }
            break;
        }
        i += 1;
    }
    i
}

/// Removes the user-info and the query of every URL in `text`.
fn redact_urls(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    loop {
        let next = Form::ALL
            .iter()
            .filter_map(|(form, sep)| {
                lower[from..].find(sep).map(|at| (from + at, *form, sep.len()))
            })
            .min_by_key(|(at, _, _)| *at);
        let Some((at, form, sep_len)) = next else { break };
        let start = at + sep_len;
        let end = url_end(text, start, form);
        let rest = &lower[start..end];
        out.push_str(&text[copied..start]);
        let authority_end = find_any(rest, form.authority_ends()).unwrap_or(rest.len());
        let host_start = match rfind_any(&rest[..authority_end], form.at_signs()) {
            Some((at_sign, len)) => at_sign + len,
            None => 0,
        };
        match find_any(&rest[host_start..], form.query_starts()) {
            Some(query) => {
                out.push_str(&text[start + host_start..start + host_start + query]);
                out.push('?');
                out.push_str(REDACTED);
            }
            None => out.push_str(&text[start + host_start..end]),
        }
        copied = end;
        from = end.max(start);
    }
    out.push_str(&text[copied..]);
    out
}

/// Characters of a bearer token (RFC 6750 `b64token`, and `%` for an encoded one).
fn is_token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=' | b'%')
}

/// Replaces the token after every `Bearer ` (any case; also `Bearer+` and `Bearer%20`).
fn redact_bearer(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = lower[from..].find("bearer") {
        let at = from + found;
        let after = at + "bearer".len();
        let gap = ["%20", " ", "+"]
            .iter()
            .find(|gap| lower[after..].starts_with(**gap))
            .map(|gap| gap.len());
        from = after;
        let Some(gap) = gap else { continue };
        let value_start = after + gap;
        let mut value_end = value_start;
        while value_end < bytes.len() && is_token_char(bytes[value_end]) {
            value_end += 1;
        }
        // A token is long or has a non-letter in it; prose ("a bearer token") is left alone.
        let value = &bytes[value_start..value_end];
        let token_like = value.len() >= 16 || value.iter().any(|c| !c.is_ascii_alphabetic());
        if token_like {
            out.push_str(&text[copied..value_start]);
            out.push_str(REDACTED);
            copied = value_end;
            from = value_end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Replaces the value of every credential-like member (`name=value`, `name%3Dvalue`,
/// `"name": "value"`, `\"name\":\"value\"`).
fn redact_members(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_alphabetic() || (i > 0 && is_word(bytes[i - 1])) {
            i += 1;
            continue;
        }
        let mut word_end = i;
        while word_end < bytes.len() && is_word(bytes[word_end]) {
            word_end += 1;
        }
        let name = &lower[i..word_end];
        if !SECRET_NAMES.contains(&name) {
            i = word_end;
            continue;
        }
        match value_span(text, &lower, word_end) {
            Some((start, end)) if end > start && &text[start..end] != REDACTED => {
                out.push_str(&text[copied..start]);
                out.push_str(REDACTED);
                copied = end;
                i = end;
            }
            _ => i = word_end,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Where the value after a credential-like name (ending at `at`) starts and ends, if the name
/// is followed by an assignment.
fn value_span(text: &str, lower: &str, at: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let rest = &lower[at..];
    // `name=value` and `name%3Dvalue`: up to the next separator.
    if let Some(eq) = ["=", "%3d"].iter().find(|eq| rest.starts_with(**eq)) {
        let start = at + eq.len();
        let mut end = start;
        while end < bytes.len()
            && !bytes[end].is_ascii_whitespace()
            && !matches!(bytes[end], b'&' | b'"' | b'\'' | b'<' | b'>' | b'\\' | b',' | b';')
        {
            end += 1;
        }
        return Some((start, end));
    }
    // JSON: `"name": "value"` or escaped `\"name\":\"value\"`.
    let escaped = rest.starts_with("\\\"");
    let quote: &str = if escaped { "\\\"" } else { "\"" };
    let after_name = rest.strip_prefix(quote)?;
    let colon = after_name.trim_start();
    let colon = colon.strip_prefix(':')?.trim_start();
    let value = colon.strip_prefix(quote)?;
    let start = at + (rest.len() - value.len());
    // The value ends at the next unescaped quote (for the escaped form: the next `\"`).
    let mut end = start;
    while end < bytes.len() {
        if escaped {
            if text[end..].starts_with("\\\"") {
                break;
            }
            if text[end..].starts_with("\\\\") {
                end += 2;
                continue;
            }
        } else if bytes[end] == b'\\' {
            end += 2;
            continue;
        } else if bytes[end] == b'"' {
            break;
        }
        end += 1;
    }
    Some((start, end.min(bytes.len())))
}

/// A serde_json error as a message that names where and what was expected, never the value:
/// serde quotes the offending value (which can be a signed link or a token).
pub(crate) fn decode_message(error: &serde_json::Error, body: &[u8]) -> String {
    let full = error.to_string();
    let located = format!(" at line {} column {}", error.line(), error.column());
    let text = full.strip_suffix(&located).unwrap_or(&full);
    let text = match error.classify() {
        serde_json::error::Category::Data => strip_values(text),
        // Syntax, EOF and I/O messages quote no value.
        _ => text.to_owned(),
    };
    let path = match error.classify() {
        serde_json::error::Category::Data => {
            crate::json_path::path_at(body, error.line(), error.column())
        }
        _ => None,
    };
    let at = path.map(|path| format!("at `{path}`, ")).unwrap_or_default();
    redact(&format!("{text} ({at}line {}, column {})", error.line(), error.column()))
}

/// `invalid type: string "x", expected ...` → `invalid type: string, expected ...`, and the
/// same for `invalid value`, `invalid length` and `unknown variant`; other messages (a missing,
/// unknown or duplicate field: member names, not values) are kept.
fn strip_values(text: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: ", "unknown variant "] {
        if let Some(rest) = text.strip_prefix(prefix) {
            let (what, expected) = match rest.rfind(", expected") {
                Some(at) => rest.split_at(at),
                None => (rest, ""),
            };
            let kind = what.split(['"', '`']).next().unwrap_or_default().trim();
            let kind =
                if kind.is_empty() { REDACTED.to_owned() } else { format!("{kind} {REDACTED}") };
            return format!("{prefix}{kind}{expected}");
        }
    }
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "S3cr3t+Va/lue=&x y\"z";

    #[track_caller]
    fn assert_hidden(shown: &str, secret: &str) {
        assert!(!shown.contains(secret), "`{secret}` in `{shown}`");
    }

    #[test]
    fn url_queries_and_user_info_go_in_every_form() {
        let cases = [
            (
                "see https://user:pw@h.example/p/f.zip?sv=1&sig=SIGVALUE end",
                "see https://h.example/p/f.zip?<redacted> end",
            ),
            (
                r#"{"u":"https:\/\/user:pw@h.example\/p?sig=SIGVALUE"}"#,
                r#"{"u":"https:\/\/h.example\/p?<redacted>"}"#,
            ),
            (
                "x=https%3A%2F%2Fuser%3Apw%40h.example%2Fp%3Fsig%3DSIGVALUE&y=1",
                "x=https%3A%2F%2Fh.example%2Fp?<redacted>&y=1",
            ),
            (
                "x=HTTPS%3a%2f%2fh.example%2fp%3fsig%3dSIGVALUE",
                "x=HTTPS%3a%2f%2fh.example%2fp?<redacted>",
            ),
            (
                "<a href='http://h.example:8080/p#token=SIGVALUE'>",
                "<a href='http://h.example:8080/p?<redacted>'>",
            ),
            ("no url here", "no url here"),
            ("see https://a.example/path.", "see https://a.example/path."),
        ];
        for (text, expected) in cases {
            let shown = redact(text);
            assert_eq!(shown, expected);
            assert_hidden(&shown, "SIGVALUE");
            assert_hidden(&shown, "pw");
        }
    }

    #[test]
    fn bearer_tokens_go() {
        for text in [
            "Authorization: Bearer eyJ0eXAi.payload.sig-nature_~+/=",
            "authorization=bearer+eyJ0eXAi.payload",
            "header BEARER%20eyJ0eXAi.payload",
        ] {
            let shown = redact(text);
            assert_hidden(&shown, "eyJ0eXAi");
        }
        assert_eq!(redact("a bearer token was refused"), "a bearer token was refused");
        assert_eq!(redact("Bearer test-token"), "Bearer <redacted>");
        assert_eq!(redact("Bearer"), "Bearer");
    }

    #[test]
    fn credential_members_go_in_every_form() {
        for text in [
            "grant_type=client_credentials&client_secret=VALUE1&scope=x",
            "client_secret%3DVALUE1%26scope",
            r#"{"access_token": "VALUE1", "expires_in": 3599}"#,
            r#"{\"refresh_token\":\"VALUE1\"}"#,
            "sig=VALUE1 and SIG=VALUE1",
            r#"{"password":"VA\"LUE1"}"#,
        ] {
            let shown = redact(text);
            assert_hidden(&shown, "VALUE1");
            assert_hidden(&shown, "LUE1");
        }
        assert_eq!(redact("design=1 token request"), "design=1 token request");
        assert_eq!(redact("expires_in=5"), "expires_in=5");
    }

    #[test]
    fn a_known_secret_goes_in_every_encoding() {
        let texts = [
            format!("echo {SECRET}"),
            format!("body: client_id=a&client_secre={}", "S3cr3t%2BVa%2Flue%3D%26x+y%22z"),
            "pct S3cr3t%2BVa%2Flue%3D%26x%20y%22z".to_owned(),
            "lower S3cr3t%2bVa%2flue%3d%26x%20y%22z".to_owned(),
            format!("json {}", serde_json::to_string(SECRET).unwrap()),
            r#"json-slashes "S3cr3t+Va\/lue=&x y\"z""#.to_owned(),
        ];
        for text in texts {
            let shown = redact_secret(&text, SECRET);
            assert_hidden(&shown, "S3cr3t");
        }
        assert_eq!(redact_secret("nothing", ""), "nothing");
    }

    #[test]
    fn endpoints_show_without_user_info_and_query() {
        assert_eq!(
            endpoint("https://user:pw@login.example/t/oauth2/v2.0/token?sig=1#f"),
            "https://login.example/t/oauth2/v2.0/token?<redacted>"
        );
        assert_eq!(endpoint("http://127.0.0.1:9/t"), "http://127.0.0.1:9/t");
        let shown = endpoint("not a url but https://u:pw@h/?sig=X");
        assert_hidden(&shown, "pw");
        assert_hidden(&shown, "sig=X");
    }

    #[test]
    fn decode_messages_name_the_member_place_and_type_never_the_value() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Thing {
            id: String,
            count: u32,
            kind: Kind,
        }
        #[derive(Debug, serde::Deserialize)]
        enum Kind {
            A,
        }
        let cases = [
            (
                r#""https://h.example/f.zip?sig=SECRETVALUE""#,
                "invalid type: string <redacted>, expected struct Thing (line 1, column 41)",
            ),
            (
                r#"{"id": "x", "count": "SECRETVALUE", "kind": "A"}"#,
                "invalid type: string <redacted>, expected u32 (at `count`, line 1, column 34)",
            ),
            (
                r#"{"id": "x", "count": -7, "kind": "A"}"#,
                "invalid value: integer <redacted>, expected u32 (at `count`, line 1, column 23)",
            ),
            (
                r#"{"id": "x", "count": 1, "kind": "SECRETVALUE"}"#,
                "unknown variant <redacted>, expected `A` (at `kind`, line 1, column 45)",
            ),
            (r#"{"id": "x", "count": 1}"#, "missing field `kind` (line 1, column 23)"),
            (r#"{"id": "SECRETVALUE""#, "EOF while parsing an object (line 1, column 20)"),
        ];
        for (json, expected) in cases {
            let error = serde_json::from_str::<Thing>(json).unwrap_err();
            assert_eq!(decode_message(&error, json.as_bytes()), expected, "{json}");
        }
    }
}
