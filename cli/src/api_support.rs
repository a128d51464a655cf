//! The spec-agnostic glue the generated command layer (`api.rs`) calls: request bodies collected
//! member by member under their wire names and read into the SDK's request models, flag values
//! turned into the SDK's types (enum values, JSON, timestamps, `$filter` text), answers turned
//! into JSON, and downloads. Nothing here knows an operation.

use std::path::Path;
use std::time::Duration;

use mde_machine_actions::{Client, DownloadLink, Error, Filter, Pager, Timestamp};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// What a command printed: one value, or a list (one row each in a table, one line each in
/// NDJSON).
#[derive(Debug)]
pub enum Answer {
    /// One object (or value).
    One(Value),
    /// A list of objects.
    Many(Vec<Value>),
}

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// The input cannot be used as given (a flag's value, a file); nothing was sent.
    Usage(String),
    /// The SDK's error: the service, the network, credentials.
    Api(Error),
    /// A local file could not be read or written.
    Io(String),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Api(error)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Usage(message) | Failure::Io(message) => f.write_str(message),
            Failure::Api(error) => write!(f, "{error}"),
        }
    }
}

/// A request body being collected: members under their wire names.
#[derive(Debug, Default)]
pub struct Members(Map<String, Value>);

impl Members {
    /// An empty body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Puts `value` under `wire`, unless it is absent (`None`).
    pub fn set<T: Serialize>(&mut self, wire: &str, value: &T) -> Result<(), Failure> {
        let value =
            serde_json::to_value(value).map_err(|e| Failure::Usage(format!("{wire}: {e}")))?;
        if !value.is_null() {
            self.0.insert(wire.to_owned(), value);
        }
        Ok(())
    }

    /// Puts the JSON text of `--flag` under `wire`.
    pub fn json(&mut self, wire: &str, flag: &str, text: Option<&str>) -> Result<(), Failure> {
        if let Some(text) = text {
            let value: Value = json(flag, text)?;
            self.0.insert(wire.to_owned(), value);
        }
        Ok(())
    }

    /// Puts the timestamp of `--flag` under `wire`, as RFC 3339 text.
    #[allow(dead_code, reason = "called by generated commands for timestamp members of a body")]
    pub fn time(&mut self, wire: &str, flag: &str, text: Option<&str>) -> Result<(), Failure> {
        if let Some(text) = text {
            let at = timestamp(flag, text)?;
            self.0.insert(wire.to_owned(), Value::String(at.as_str().to_owned()));
        }
        Ok(())
    }

    /// Reads the collected members into the request model, with every check the model makes.
    pub fn build<T: DeserializeOwned>(self) -> Result<T, Failure> {
        serde_json::from_value(Value::Object(self.0))
            .map_err(|e| Failure::Usage(format!("the request body is not valid: {e}")))
    }
}

/// The parser of a flag that takes one of an enum's documented `values`: any case is accepted,
/// the value comes back spelled as documented, and the help lists the values.
pub fn choices(
    values: &'static [&'static str],
) -> impl clap::builder::TypedValueParser<Value = String> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(values.iter().copied()).map(move |given: String| {
        values.iter().find(|v| v.eq_ignore_ascii_case(&given)).map_or(given, |v| (*v).to_owned())
    })
}

/// One of an enum's documented values (clap has already checked it and fixed its case).
pub fn choice<T: DeserializeOwned>(flag: &str, text: &str) -> Result<T, Failure> {
    serde_json::from_value(Value::String(text.to_owned()))
        .map_err(|e| Failure::Usage(format!("--{flag}: {e}")))
}

/// A value given as JSON text.
pub fn json<T: DeserializeOwned>(flag: &str, text: &str) -> Result<T, Failure> {
    serde_json::from_str(text).map_err(|e| Failure::Usage(format!("--{flag}: not valid JSON: {e}")))
}

/// A point in time: RFC 3339 (`2026-12-01T08:00:00Z`), or a time ago as a number and a unit
/// (`90s`, `30m`, `24h`, `7d`, `2w`).
pub fn timestamp(flag: &str, text: &str) -> Result<Timestamp, Failure> {
    let text = text.trim();
    if let Some(ago) = parse_ago(text) {
        return Timestamp::now()
            .checked_sub(ago)
            .ok_or_else(|| Failure::Usage(format!("--{flag}: `{text}` is too long ago")));
    }
    text.parse().map_err(|_| {
        Failure::Usage(format!(
            "--{flag}: `{text}` is neither an RFC 3339 time (2026-12-01T08:00:00Z) nor a time ago (30m, 24h, 7d)"
        ))
    })
}

/// `24h` as 24 hours; `None` when `text` is not a number and one of `s`, `m`, `h`, `d`, `w`.
pub fn parse_ago(text: &str) -> Option<Duration> {
    let unit = text.chars().last()?;
    let seconds: u64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return None,
    };
    let number: u64 = text[..text.len() - 1].parse().ok()?;
    Some(Duration::from_secs(number.checked_mul(seconds)?))
}

/// `$filter` text as the SDK's filter (sent as written).
pub fn filter(text: String) -> Filter {
    Filter::raw(text)
}

/// One typed answer, as JSON.
pub fn one<T: Serialize>(value: &T) -> Result<Answer, Failure> {
    Ok(Answer::One(to_json(value)?))
}

/// The items of one page, as JSON.
pub fn items<T: Serialize>(items: &[T]) -> Result<Answer, Failure> {
    Ok(Answer::Many(items.iter().map(to_json).collect::<Result<_, _>>()?))
}

/// Every item of a listing, page after page.
pub async fn all_items<T: Serialize + Send + 'static>(
    mut pager: Pager<T>,
) -> Result<Answer, Failure> {
    let mut out = Vec::new();
    while let Some(item) = pager.next().await {
        out.push(to_json(&item?)?);
    }
    Ok(Answer::Many(out))
}

/// Downloads what `link` points at into `path` (written beside it first, then renamed, so an
/// interrupted download leaves no partial file under the name). The signed link itself is
/// never part of the answer.
pub async fn download(
    client: &Client,
    link: &DownloadLink,
    path: &Path,
) -> Result<Answer, Failure> {
    let bytes = download_to(client, link, path).await?;
    let mut answer = Map::new();
    answer.insert("file".to_owned(), Value::String(path.display().to_string()));
    answer.insert("bytes".to_owned(), Value::from(bytes));
    answer.insert("host".to_owned(), Value::String(link.host().to_owned()));
    Ok(Answer::One(Value::Object(answer)))
}

/// [`download`] without the answer: the number of bytes written to `path`.
pub async fn download_to(
    client: &Client,
    link: &DownloadLink,
    path: &Path,
) -> Result<u64, Failure> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.partial"));
    let io = |what: &str, e: std::io::Error| Failure::Io(format!("{what} {}: {e}", path.display()));
    let mut file = tokio::fs::File::create(&partial).await.map_err(|e| io("cannot create", e))?;
    let written = client.download(link, &mut file).await;
    let bytes = match written {
        Ok(bytes) => bytes,
        Err(error) => {
            drop(file);
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(error.into());
        }
    };
    file.sync_all().await.map_err(|e| io("cannot write", e))?;
    drop(file);
    tokio::fs::rename(&partial, path).await.map_err(|e| io("cannot write", e))?;
    Ok(bytes)
}

fn to_json<T: Serialize>(value: &T) -> Result<Value, Failure> {
    serde_json::to_value(value)
        .map_err(|e| Failure::Usage(format!("the answer cannot be shown as JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_ago() {
        assert_eq!(parse_ago("24h"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_ago("30m"), Some(Duration::from_secs(1_800)));
        assert_eq!(parse_ago("2w"), Some(Duration::from_secs(1_209_600)));
        assert_eq!(parse_ago("h"), None);
        assert_eq!(parse_ago("2026-12-01T08:00:00Z"), None);
        assert!(timestamp("since", "2026-12-01T08:00:00Z").is_ok());
        assert!(timestamp("since", "yesterday").is_err());
    }
}
