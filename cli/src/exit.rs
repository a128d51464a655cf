//! The exit codes: stable, documented (`mde exit-codes`), and chosen from what went wrong.

use mde_machine_actions::Error;

use crate::api_support::Failure;

/// Everything asked for was done (every action finished `Succeeded` when waited for).
pub const SUCCESS: u8 = 0;
/// Some devices failed: an action was refused or ended `Failed`, `TimeOut` or `Cancelled`, a
/// wait ran out of time, or an input did not resolve to exactly one device.
pub const PARTIAL: u8 = 1;
/// The command line, a device file or a profile could not be used; nothing was sent.
pub const USAGE: u8 = 2;
/// No credentials, a token that could not be obtained, or 401/403 from the service.
pub const AUTH: u8 = 3;
/// The service refused the request (4xx other than 401/403, such as 404 or 400).
pub const REFUSED: u8 = 4;
/// The service or the network failed (5xx, timeouts, 429 beyond the retries, a bad answer).
pub const UNAVAILABLE: u8 = 5;
/// A local file could not be written or read.
pub const IO: u8 = 6;
/// Interrupted (Ctrl-C).
pub const INTERRUPTED: u8 = 130;

/// The text of `mde exit-codes`.
pub const TABLE: &str = "\
Exit codes of mde (stable; scripts may rely on them):

  0    success: everything asked for was done (with --wait, every action Succeeded)
  1    some devices failed: an action was refused, ended Failed, TimeOut or Cancelled, a wait
       ran out of time, or an input did not resolve to exactly one device
  2    usage: the command line, a device file or a profile could not be used; nothing was sent
  3    authentication: no credentials, no token, or 401/403 from the service
  4    refused: the service answered 4xx (not found, invalid input, ...)
  5    unavailable: 5xx, timeouts, rate limits beyond the retries, answers that do not decode
  6    a local file could not be read or written
  130  interrupted (Ctrl-C)
";

/// The exit code for a failure of a whole command.
pub fn code_of(failure: &Failure) -> u8 {
    match failure {
        Failure::Usage(_) => USAGE,
        Failure::Io(_) => IO,
        Failure::Api(error) => code_of_error(error),
    }
}

/// The exit code for one of the SDK's errors.
pub fn code_of_error(error: &Error) -> u8 {
    match error {
        Error::Auth(_) => AUTH,
        Error::Config(_) | Error::InvalidRequest(_) => USAGE,
        Error::Io { .. } => IO,
        Error::Api(api) => match api.status.as_u16() {
            401 | 403 => AUTH,
            400..=499 => REFUSED,
            _ => UNAVAILABLE,
        },
        _ => UNAVAILABLE,
    }
}
