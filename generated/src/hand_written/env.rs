//! [`Client::from_env`]: a client configured from environment variables, the conventions the
//! examples, the simulator's printed command lines and CI jobs share.

use mde_runtime::{ClientBuilder, ClientSecretCredential, Error};

use crate::client::{Client, Cloud};

/// A bearer token to use as it is (tests, the simulator, a token from elsewhere).
pub const TOKEN_VAR: &str = "MDE_TOKEN";
/// A cloud or region name as [`Cloud::name`] spells it (`global`, `eu`, `gcc-high`, ...).
pub const CLOUD_VAR: &str = "MDE_CLOUD";
/// Another API base URL: a local simulator, a proxy.
pub const BASE_URL_VAR: &str = "MDE_BASE_URL";
/// Another token endpoint for the client-credentials flow (with [`BASE_URL_VAR`], a
/// simulator's).
pub const TOKEN_URL_VAR: &str = "MDE_TOKEN_URL";

impl Client {
    /// A client configured from the environment:
    ///
    /// - `MDE_CLOUD`: the cloud or region (`global`, `us`, `eu`, `uk`, `au`, `gcc`,
    ///   `gcc-high`, `dod`, ...; default `global`);
    /// - `MDE_BASE_URL`: another API host instead (a local simulator, a proxy);
    /// - `MDE_TOKEN`: a bearer token to use as it is; otherwise `AZURE_TENANT_ID`,
    ///   `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET` for the OAuth2 client-credentials flow
    ///   (the variables `azure_identity` and the Azure CLI use), with `MDE_TOKEN_URL` as the
    ///   token endpoint when set.
    ///
    /// Fails with [`Error::Config`], naming the variable, when one is missing or wrong. The
    /// values of secrets are never part of a message.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), mde_machine_actions::Error> {
    /// let client = mde_machine_actions::Client::from_env()?;
    /// # let _ = client;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        Self::builder_from_env()?.build()
    }

    /// The builder [`from_env`](Self::from_env) builds, to change more settings (timeouts,
    /// retry policy, rate budget, user agent) before `.build()`.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), mde_machine_actions::Error> {
    /// use std::time::Duration;
    /// use mde_machine_actions::{Client, RetryPolicy};
    ///
    /// let client = Client::builder_from_env()?
    ///     .timeout(Some(Duration::from_secs(30)))
    ///     .retry_policy(RetryPolicy::default().with_max_attempts(6))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder_from_env() -> Result<ClientBuilder<Client>, Error> {
        builder_from(|name| std::env::var(name).ok())
    }
}

/// [`Client::builder_from_env`] with the variables read by `lookup`.
fn builder_from(lookup: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder<Client>, Error> {
    let read = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
    let cloud: Cloud = match read(CLOUD_VAR) {
        Some(name) => name
            .trim()
            .parse()
            .map_err(|e| Error::Config(format!("environment variable {CLOUD_VAR}: {e}")))?,
        None => Cloud::default(),
    };
    let mut builder = Client::builder().cloud(cloud);
    if let Some(url) = read(BASE_URL_VAR) {
        builder = builder.base_url(url.trim());
    }
    if let Some(token) = read(TOKEN_VAR) {
        return Ok(builder.bearer_token(token.trim()));
    }
    let mut credential = ClientSecretCredential::from_env().map_err(|e| {
        Error::Config(format!("no {TOKEN_VAR}, and no client credentials either: {e}"))
    })?;
    if let Some(url) = read(TOKEN_URL_VAR) {
        credential = credential.token_endpoint(url.trim());
    }
    Ok(builder.credential(credential))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn a_token_and_a_base_url_make_a_client() {
        let vars = [(TOKEN_VAR, "t0ken"), (BASE_URL_VAR, "http://127.0.0.1:7480/")];
        let client = builder_from(lookup(&vars)).and_then(ClientBuilder::build);
        assert!(client.is_ok(), "{client:?}");
    }

    #[test]
    fn a_bad_cloud_names_the_variable_and_the_choices() {
        let vars = [(TOKEN_VAR, "t0ken"), (CLOUD_VAR, "mars")];
        let error = builder_from(lookup(&vars)).map(|_| ()).unwrap_err().to_string();
        assert!(error.contains(CLOUD_VAR) && error.contains("gcc-high"), "{error}");
        assert!(!error.contains("t0ken"), "{error}");
    }
}
