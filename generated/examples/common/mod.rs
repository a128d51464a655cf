//! What every example shares: the variables it needs besides the client's own.
//!
//! The client comes from [`Client::from_env`](mde_machine_actions::Client::from_env):
//! `MDE_TOKEN`, or `AZURE_TENANT_ID` / `AZURE_CLIENT_ID` / `AZURE_CLIENT_SECRET`; optionally
//! `MDE_CLOUD`, `MDE_BASE_URL` and `MDE_TOKEN_URL`.

/// The value of a required environment variable, or a message naming it.
pub fn required_var(name: &str) -> Result<String, Box<dyn std::error::Error>> {
    std::env::var(name).map_err(|_| format!("set {name}").into())
}

/// The exit status of an example's `run`: success, or the error printed with its `Display`
/// text (`error: ...`) on stderr and a failure status.
#[allow(clippy::print_stderr, reason = "an example reports its error on stderr")]
pub fn exit_code(result: Result<(), Box<dyn std::error::Error>>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
