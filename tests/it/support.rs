//! Paths and small helpers shared by the test modules.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn project_root() -> PathBuf {
    // Cargo sets the variable when it runs the tests; the build-time value is the fallback.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest.parent().unwrap_or(&manifest).to_path_buf()
}

/// `tests/fixtures/<relative>`.
pub fn fixture(relative: &str) -> PathBuf {
    project_root().join("tests/fixtures").join(relative)
}

/// Reads a file as UTF-8, panicking with the path on failure (tests only).
#[track_caller]
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Removes every object member whose value is `null`, at every depth (array elements that are
/// `null` stay), so that "member is null" and "member is absent" compare equal.
pub fn strip_nulls(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, member)| !member.is_null())
                .map(|(name, member)| (name, strip_nulls(member)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

/// Pretty JSON for failure messages.
pub fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("<unprintable: {e}>"))
}

/// A unified diff from `old` to `new`, with `old_name` and `new_name` in its header.
pub fn unified_diff(old_name: &str, new_name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string()
}

/// Deserializes `text` as a `T`, serializes it again and checks that the result equals the
/// original JSON, where a `null` member and an absent one count as equal. Returns the typed
/// value, or a message that names the input (`label`) and shows both JSONs and their diff.
pub fn try_round_trip<T>(label: &str, text: &str) -> Result<T, String>
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let model = std::any::type_name::<T>();
    let original: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("{label}: not JSON: {e}"))?;
    let typed: T = serde_json::from_str(text)
        .map_err(|e| format!("{label}: does not deserialize into {model}: {e}"))?;
    let written = serde_json::to_value(&typed)
        .map_err(|e| format!("{label}: {model} does not serialize: {e}"))?;
    let (expected, actual) = (strip_nulls(original), strip_nulls(written));
    if expected == actual {
        return Ok(typed);
    }
    let (expected_text, actual_text) = (pretty(&expected), pretty(&actual));
    Err(format!(
        "{label}: serializing the {model} read from it does not give back the same JSON \
         (nulls removed on both sides)\n--- original:\n{expected_text}\n--- re-serialized:\n\
         {actual_text}\n--- diff:\n{}",
        unified_diff("original", "re-serialized", &expected_text, &actual_text),
    ))
}

/// [`try_round_trip`], panicking with its message on failure; returns the typed value for
/// further assertions.
#[track_caller]
pub fn round_trip<T>(label: &str, text: &str) -> T
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    match try_round_trip(label, text) {
        Ok(typed) => typed,
        Err(message) => panic!("{message}"),
    }
}

/// The spec, parsed.
pub fn spec_json() -> serde_json::Value {
    let path = project_root().join("spec/machineaction.json");
    serde_json::from_str(&read(&path))
        .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

/// A JSON Schema (draft 2020-12, formats checked) validator for the spec's `$defs/<model>`: the
/// whole spec with a root `"$ref": "#/$defs/<model>"` added. Validators ignore the `x-` keywords.
#[track_caller]
pub fn spec_validator(model: &str) -> jsonschema::Validator {
    let mut schema = spec_json();
    assert!(
        schema.pointer(&format!("/$defs/{model}")).is_some(),
        "the spec has no $defs entry named {model}"
    );
    schema
        .as_object_mut()
        .expect("the spec is a JSON object")
        .insert("$ref".to_owned(), serde_json::Value::String(format!("#/$defs/{model}")));
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("the spec does not compile as a JSON Schema for {model}: {e}"))
}

/// Every way `instance` breaks the spec's `$defs/<model>`, as `(instance path, message)`, sorted.
#[track_caller]
pub fn schema_errors(model: &str, instance: &serde_json::Value) -> Vec<(String, String)> {
    let validator = spec_validator(model);
    let mut errors: Vec<(String, String)> = validator
        .iter_errors(instance)
        .map(|error| (error.instance_path().to_string(), error.to_string()))
        .collect();
    errors.sort();
    errors.dedup();
    errors
}

/// Asserts that `instance` (read from `label`) is valid against the spec's `$defs/<model>`.
#[track_caller]
pub fn check_valid(label: &str, model: &str, instance: &serde_json::Value) {
    let errors = schema_errors(model, instance);
    assert!(
        errors.is_empty(),
        "{label} is not a valid {model} according to the spec:\n{}",
        errors
            .iter()
            .map(|(path, message)| format!("  at `{path}`: {message}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

// ---- Client tests against a local wiremock server (client_requests, client_paging) ----

/// The bearer token every client test sends; servers check for `Bearer TEST_TOKEN`.
pub const TEST_TOKEN: &str = "test-token";

/// A client for a local test server (`server_uri`, e.g. `MockServer::uri()`) with the static
/// bearer token [`TEST_TOKEN`] and the default retry policy and rate budget.
#[track_caller]
pub fn client_for(server_uri: &str) -> mde_machine_actions::Client {
    mde_machine_actions::Client::builder()
        .base_url(server_uri)
        .bearer_token(TEST_TOKEN)
        .build()
        .unwrap_or_else(|e| panic!("cannot build a client for {server_uri}: {e}"))
}

/// The text of a documented example, `tests/fixtures/docs/<file>`.
#[track_caller]
pub fn docs_text(file: &str) -> String {
    read(&fixture(&format!("docs/{file}")))
}

/// A documented example, `tests/fixtures/docs/<file>`, parsed as JSON.
#[track_caller]
pub fn docs_json(file: &str) -> serde_json::Value {
    serde_json::from_str(&docs_text(file))
        .unwrap_or_else(|e| panic!("tests/fixtures/docs/{file}: not JSON: {e}"))
}

/// A MachineAction as the service returns it from an action method, in the documented shape
/// of `get-machineaction-object-response.json`.
pub fn action_json(id: &str, kind: &str, status: &str, machine_id: &str) -> serde_json::Value {
    serde_json::json!({
        "@odata.context": "https://api.security.microsoft.com/api/$metadata#MachineActions/$entity",
        "id": id,
        "type": kind,
        "scope": null,
        "requestor": "Analyst@contoso.com",
        "requestorComment": "test",
        "status": status,
        "machineId": machine_id,
        "computerDnsName": "desktop-test",
        "creationDateTimeUtc": "2019-01-02T14:39:38.2262283Z",
        "lastUpdateDateTimeUtc": "2019-01-02T14:40:44.6596267Z",
        "relatedFileInfo": null
    })
}

// ---- Client behaviour tests (client_resilience, client_auth, client_wait, client_budget) ----

/// A client builder for a local test server (`server_uri`) with the static bearer token
/// [`TEST_TOKEN`]; callers add the retry policy, rate budget and timeouts their test needs.
pub fn builder_for(
    server_uri: &str,
) -> mde_machine_actions::ClientBuilder<mde_machine_actions::Client> {
    mde_machine_actions::Client::builder().base_url(server_uri).bearer_token(TEST_TOKEN)
}

/// An answer with `status` and `body` as JSON.
pub fn json_answer(status: u16, body: &serde_json::Value) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(status).set_body_json(body)
}

/// The documented error envelope `{"error": {"code", "message", "target"}}`.
pub fn error_json(code: &str, message: &str) -> serde_json::Value {
    serde_json::json!({
        "error": { "code": code, "message": message, "target": "43f4cb08-8fac-4b65-9db1-745c2ae65f3a" }
    })
}

/// A wiremock responder that gives its answers in turn, repeating the last one forever, and
/// counts the requests it answered. Clones share the count.
#[derive(Debug, Clone)]
pub struct Sequence {
    answers: std::sync::Arc<Vec<wiremock::ResponseTemplate>>,
    calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Sequence {
    /// Answers `answers` in order (at least one), then the last one again and again.
    #[track_caller]
    pub fn new(answers: impl IntoIterator<Item = wiremock::ResponseTemplate>) -> Self {
        let answers: Vec<_> = answers.into_iter().collect();
        assert!(!answers.is_empty(), "a Sequence needs at least one answer");
        Self { answers: std::sync::Arc::new(answers), calls: std::sync::Arc::default() }
    }

    /// Requests answered so far.
    pub fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl wiremock::Respond for Sequence {
    fn respond(&self, _request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let call = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.answers[call.min(self.answers.len() - 1)].clone()
    }
}

/// Everything `tracing` writes on this thread while [`LogCapture::install`]'s guard lives, at
/// every level down to TRACE, as plain text.
#[derive(Debug, Clone, Default)]
pub struct LogCapture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl LogCapture {
    /// Makes a TRACE-level `fmt` subscriber writing into this capture the default of the current
    /// thread (a `#[tokio::test]` runs every task on its one thread) until the guard drops.
    pub fn install(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_max_level(tracing::Level::TRACE)
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    /// The captured text so far.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Decodes an `application/x-www-form-urlencoded` body into its pairs, in order (`+` is a
/// space, `%XX` a byte).
#[track_caller]
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz");
                    let byte = u8::from_str_radix(hex, 16)
                        .unwrap_or_else(|_| panic!("bad percent escape in form value `{text}`"));
                    out.push(byte);
                    i += 2;
                }
                other => out.push(other),
            }
            i += 1;
        }
        String::from_utf8(out).unwrap_or_else(|_| panic!("form value `{text}` is not UTF-8"))
    }
    let body = std::str::from_utf8(body).expect("a form body is ASCII");
    body.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

/// A base URL on this machine where nothing listens: a port on 127.0.0.77 that was bound and
/// released. (Not 127.0.0.1, where a mock server started meanwhile could get the same port.)
pub fn closed_local_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.77:0").expect("can bind on 127.0.0.77");
    let port = listener.local_addr().expect("a bound socket has an address").port();
    format!("http://127.0.0.77:{port}")
}

/// The requests `server` has received, once at least `count` have arrived (or `within` has
/// passed): a request the client wrote before giving up may reach the server a little later.
pub async fn received_at_least(
    server: &wiremock::MockServer,
    count: usize,
    within: std::time::Duration,
) -> Vec<wiremock::Request> {
    let until = std::time::Instant::now() + within;
    loop {
        let received = server.received_requests().await.expect("request recording is on");
        if received.len() >= count || std::time::Instant::now() >= until {
            return received;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
