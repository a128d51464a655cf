//! What every example shares: a client configured from environment variables.
//!
//! - `MDE_TOKEN`: a bearer token to use as is; otherwise `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`
//!   and `AZURE_CLIENT_SECRET` for the client-credentials flow.
//! - `MDE_CLOUD`: a cloud or region name (`global`, `us`, `eu`, `gcc-high`, ...); default
//!   `global`.
//! - `MDE_BASE_URL`: a different API host (a local simulator, a proxy). When it is set and
//!   `MDE_TOKEN_URL` too, the client-credentials flow asks that token endpoint.

use mde_machine_actions::runtime::ClientSecretCredential;
use mde_machine_actions::{Client, Cloud};

/// Builds a client from the environment, or explains what is missing.
pub fn client_from_env() -> Result<Client, Box<dyn std::error::Error>> {
    let cloud: Cloud = match std::env::var("MDE_CLOUD") {
        Ok(name) => name.parse()?,
        Err(_) => Cloud::default(),
    };
    let mut builder = Client::builder().cloud(cloud);
    if let Ok(url) = std::env::var("MDE_BASE_URL") {
        builder = builder.base_url(url);
    }
    builder = match std::env::var("MDE_TOKEN") {
        Ok(token) => builder.bearer_token(token),
        Err(_) => {
            let mut credential = ClientSecretCredential::from_env()?;
            if let Ok(url) = std::env::var("MDE_TOKEN_URL") {
                credential = credential.token_endpoint(url);
            }
            builder.credential(credential)
        }
    };
    Ok(builder.build()?)
}

/// The value of a required environment variable, or a message naming it.
#[allow(dead_code, reason = "shared by the examples; not every example needs a variable")]
pub fn required_var(name: &str) -> Result<String, Box<dyn std::error::Error>> {
    std::env::var(name).map_err(|_| format!("set {name}").into())
}
