//! Building the SDK client from the global options, the environment and the profile file.
//!
//! Secrets are never taken from the command line (where any user of the machine can read them
//! in the process list): a bearer token or a client secret comes from the environment
//! (`MDE_TOKEN`, `AZURE_CLIENT_SECRET`), from a file (`--token-file`, `--client-secret-file`,
//! `-` for standard input), from the profile file, or (feature `azure`) from the Azure CLI or a
//! managed identity. No message names a secret's value.
//!
//! The profile file (`--profile-file`, default `$XDG_CONFIG_HOME/mde/profiles.json`) is JSON:
//!
//! ```json
//! { "profiles": { "default": { "cloud": "eu", "tenantId": "...", "clientId": "...",
//!                              "clientSecretFile": "/run/secrets/mde" } } }
//! ```
//!
//! with, per profile, any of `cloud`, `baseUrl`, `tokenUrl`, `tenantId`, `clientId`,
//! `clientSecret`, `clientSecretFile`, `tokenFile`. The `default` profile is used when the file
//! exists and no other is named.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use mde_machine_actions::{Client, ClientBuilder, ClientSecretCredential, Cloud, Secret};
use serde::Deserialize;

use crate::api_support::Failure;
use crate::args::{AuthMode, Global};

/// The bearer-token variable of the SDK's conventions.
const TOKEN_VAR: &str = mde_machine_actions::env::TOKEN_VAR;
/// The token-endpoint variable of the SDK's conventions.
const TOKEN_URL_VAR: &str = mde_machine_actions::env::TOKEN_URL_VAR;

/// One profile of the profile file (no `Debug`: it may hold a secret).
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Profile {
    cloud: Option<String>,
    base_url: Option<String>,
    token_url: Option<String>,
    tenant_id: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    client_secret_file: Option<PathBuf>,
    token_file: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    profiles: BTreeMap<String, Profile>,
}

/// The client the options describe.
pub fn client(global: &Global) -> Result<Client, Failure> {
    let profile = load_profile(global)?;
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let cloud_name = global.cloud.clone().or_else(|| profile.cloud.clone());
    let cloud: Cloud = match cloud_name {
        Some(name) => name.trim().parse().map_err(|e| Failure::Usage(format!("--cloud: {e}")))?,
        None => Cloud::default(),
    };
    let mut builder =
        Client::builder().cloud(cloud).user_agent(concat!("mde-cli/", env!("CARGO_PKG_VERSION")));
    if let Some(url) = global.base_url.clone().or_else(|| profile.base_url.clone()) {
        builder = builder.base_url(url.trim());
    }
    let token_url = env(TOKEN_URL_VAR).or_else(|| profile.token_url.clone());
    match global.auth {
        AuthMode::Auto => {}
        mode => return azure(builder, mode),
    }
    if let Some(path) = &global.token_file {
        return build(builder.bearer_token(read_secret(path, "--token-file")?));
    }
    let app = App {
        tenant: env(ClientSecretCredential::TENANT_ID_VAR).or_else(|| profile.tenant_id.clone()),
        client_id: env(ClientSecretCredential::CLIENT_ID_VAR).or_else(|| profile.client_id.clone()),
        token_url,
    };
    if let Some(path) = &global.client_secret_file {
        return app.client(builder, read_secret(path, "--client-secret-file")?);
    }
    if let Some(token) = env(TOKEN_VAR) {
        return build(builder.bearer_token(token.trim()));
    }
    if let Some(secret) = env(ClientSecretCredential::CLIENT_SECRET_VAR) {
        return app.client(builder, Secret::new(secret.trim()));
    }
    if let Some(path) = &profile.token_file {
        return build(builder.bearer_token(read_secret(path, "the profile's tokenFile")?));
    }
    if let Some(path) = &profile.client_secret_file {
        return app.client(builder, read_secret(path, "the profile's clientSecretFile")?);
    }
    if let Some(secret) = profile.client_secret {
        return app.client(builder, Secret::new(secret.trim()));
    }
    Err(Failure::Api(mde_machine_actions::Error::Auth(mde_machine_actions::AuthError::new(
        format!(
            "no credentials: set {TOKEN_VAR}, or {}, {} and {}, or use --token-file, \
             --client-secret-file or a profile (mde --help)",
            ClientSecretCredential::TENANT_ID_VAR,
            ClientSecretCredential::CLIENT_ID_VAR,
            ClientSecretCredential::CLIENT_SECRET_VAR
        ),
    ))))
}

/// The app registration of the client-credentials flow, without its secret.
struct App {
    tenant: Option<String>,
    client_id: Option<String>,
    token_url: Option<String>,
}

impl App {
    fn client(self, builder: ClientBuilder<Client>, secret: Secret) -> Result<Client, Failure> {
        let (Some(tenant), Some(client_id)) = (self.tenant, self.client_id) else {
            return Err(Failure::Usage(format!(
                "a client secret needs a tenant and a client id: set {} and {} or use a profile",
                ClientSecretCredential::TENANT_ID_VAR,
                ClientSecretCredential::CLIENT_ID_VAR
            )));
        };
        let mut credential = ClientSecretCredential::new(tenant.trim(), client_id.trim(), secret);
        if let Some(url) = &self.token_url {
            credential = credential.token_endpoint(url.trim());
        }
        build(builder.credential(credential))
    }
}

fn build(builder: ClientBuilder<Client>) -> Result<Client, Failure> {
    builder.build().map_err(Failure::Api)
}

#[cfg(feature = "azure")]
fn azure(builder: ClientBuilder<Client>, mode: AuthMode) -> Result<Client, Failure> {
    use mde_machine_actions::AzureCredential;
    let failed = |e: azure_core::Error| {
        Failure::Api(mde_machine_actions::Error::Auth(mde_machine_actions::AuthError::new(
            format!("{mode:?} credential: {e}"),
        )))
    };
    let credential: std::sync::Arc<dyn azure_core::credentials::TokenCredential> = match mode {
        AuthMode::AzureCli => azure_identity::AzureCliCredential::new(None).map_err(failed)?,
        _ => azure_identity::ManagedIdentityCredential::new(None).map_err(failed)?,
    };
    build(builder.credential(AzureCredential::new(credential)))
}

#[cfg(not(feature = "azure"))]
fn azure(_: ClientBuilder<Client>, mode: AuthMode) -> Result<Client, Failure> {
    Err(Failure::Usage(format!(
        "--auth {}: this build of mde has no Azure sign-in; install it with `--features azure`",
        if mode == AuthMode::AzureCli { "azure-cli" } else { "managed-identity" }
    )))
}

/// The profile named by `--profile` (which must exist), or the file's `default` profile, or
/// none.
fn load_profile(global: &Global) -> Result<Profile, Failure> {
    let path = match &global.profile_file {
        Some(path) => Some(path.clone()),
        None => default_profile_file(),
    };
    let Some(path) = path else {
        return match &global.profile {
            Some(name) => Err(Failure::Usage(format!("--profile {name}: no profile file"))),
            None => Ok(Profile::default()),
        };
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                && global.profile.is_none()
                && global.profile_file.is_none() =>
        {
            return Ok(Profile::default());
        }
        Err(e) => return Err(Failure::Usage(format!("profile file {}: {e}", path.display()))),
    };
    let mut file: ProfileFile = serde_json::from_str(&text)
        .map_err(|e| Failure::Usage(format!("profile file {}: {}", path.display(), e)))?;
    let name = global.profile.clone().unwrap_or_else(|| "default".to_owned());
    match file.profiles.remove(&name) {
        Some(profile) => Ok(profile),
        None if global.profile.is_none() => Ok(Profile::default()),
        None => Err(Failure::Usage(format!(
            "profile file {}: no profile `{name}` (it has: {})",
            path.display(),
            file.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
        ))),
    }
}

fn default_profile_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".config")))?;
    Some(base.join("mde").join("profiles.json"))
}

/// A secret read from a file (`-`: standard input), trimmed; the message names the source,
/// never the value.
fn read_secret(path: &Path, source: &str) -> Result<Secret, Failure> {
    let mut text = String::new();
    let read = if path == Path::new("-") {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text)).map(|_| ())
    };
    read.map_err(|e| Failure::Usage(format!("{source} {}: {e}", path.display())))?;
    let value = text.trim();
    if value.is_empty() {
        return Err(Failure::Usage(format!("{source} {}: empty", path.display())));
    }
    Ok(Secret::new(value))
}
