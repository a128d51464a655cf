//! [`AzureCredential`]: any `azure_core` credential (those of `azure_identity`: managed
//! identity, workload identity, Azure CLI, developer tools, ...) used as this crate's
//! [`TokenCredential`]. Built with the cargo feature `azure`.
//!
//! The usage notes are on [`AzureCredential`], which is what the docs show (this module is
//! private; `runtime` re-exports the type).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use azure_core::credentials::TokenCredential as AzureTokenCredential;
use azure_core::time::OffsetDateTime;

use crate::auth::{AccessToken, AuthError, BoxFuture, Secret, TokenCredential, TokenRequest};

/// An `azure_core` credential (e.g. from `azure_identity`) as a [`TokenCredential`]: asks it for
/// a token for the request's scope and converts the answer. Needs the cargo feature `azure`.
///
/// This crate depends on `azure_core` 1.x only, for the
/// `azure_core::credentials::TokenCredential` trait, with its default features (its own HTTP
/// stack) turned off. Add `azure_identity` 1.x to your own `Cargo.toml`; both must resolve to
/// the same `azure_core` 1.x (`cargo tree -i azure_core` shows one version), or the trait
/// objects are of different types and the code below does not compile.
///
/// ```toml
/// [dependencies]
/// mde-machine-actions = { version = "0.2", features = ["azure"] }
/// azure_identity = "1"
/// ```
///
/// On an Azure VM, App Service, Functions or Arc machine, with a managed identity:
///
/// ```ignore
/// use mde_runtime::AzureCredential;
///
/// let identity = azure_identity::ManagedIdentityCredential::new(None)?;
/// let credential = AzureCredential::new(identity);
/// // ClientBuilder::new(cloud).credential(credential).build()?
/// ```
///
/// On a developer's machine, signed in with `az login` (or `azd auth login`):
///
/// ```ignore
/// let credential = AzureCredential::new(azure_identity::DeveloperToolsCredential::new(None)?);
/// // or only the Azure CLI:
/// let credential = AzureCredential::new(azure_identity::AzureCliCredential::new(None)?);
/// ```
///
/// The `azure_identity` constructors return an `Arc` of the concrete credential, which converts
/// to the `Arc<dyn azure_core::credentials::TokenCredential>` [`AzureCredential::new`] takes.
///
/// Caching is the `azure_core` credential's business: `azure_identity` credentials cache
/// tokens and renew them shortly before they expire. [`TokenRequest::rejected`] (asked
/// for after an HTTP 401) cannot be passed on, because `azure_core`'s `TokenRequestOptions`
/// has no such option; the credential may then answer with the same cached token, and the
/// retried request fails with the same 401.
#[derive(Clone)]
pub struct AzureCredential {
    inner: Arc<dyn AzureTokenCredential>,
}

impl AzureCredential {
    /// Wraps `credential`, e.g. `azure_identity::ManagedIdentityCredential::new(None)?`.
    pub fn new(credential: Arc<dyn AzureTokenCredential>) -> Self {
        Self { inner: credential }
    }

    /// The wrapped credential.
    pub fn inner(&self) -> &Arc<dyn AzureTokenCredential> {
        &self.inner
    }
}

impl fmt::Debug for AzureCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `azure_core` credentials' own `Debug` keeps secrets out.
        f.debug_tuple("AzureCredential").field(&self.inner).finish()
    }
}

impl From<Arc<dyn AzureTokenCredential>> for AzureCredential {
    fn from(credential: Arc<dyn AzureTokenCredential>) -> Self {
        Self::new(credential)
    }
}

impl TokenCredential for AzureCredential {
    fn get_token<'a>(
        &'a self,
        request: TokenRequest<'a>,
    ) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            // `rejected` has no counterpart in `azure_core`'s options (see the type's docs).
            let token = self.inner.get_token(&[request.scope], None).await.map_err(|error| {
                AuthError::new(format!("Azure credential could not get a token: {error}"))
            })?;
            Ok(AccessToken {
                token: Secret::new(token.token.secret()),
                expires_at: to_system_time(token.expires_on),
            })
        })
    }
}

/// `at` as a `SystemTime`, or `None` if the platform's `SystemTime` cannot hold it.
fn to_system_time(at: OffsetDateTime) -> Option<SystemTime> {
    let nanos = (at - OffsetDateTime::UNIX_EPOCH).whole_nanoseconds();
    let offset = Duration::new(
        u64::try_from(nanos.unsigned_abs() / 1_000_000_000).ok()?,
        (nanos.unsigned_abs() % 1_000_000_000) as u32,
    );
    if nanos >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(offset)
    } else {
        SystemTime::UNIX_EPOCH.checked_sub(offset)
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Mutex;

    use azure_core::credentials::TokenRequestOptions;

    use super::*;

    /// An `azure_core` credential that records the scopes it is asked for.
    #[derive(Debug)]
    struct FakeAzureCredential {
        scopes: Mutex<Vec<Vec<String>>>,
        expires_on: OffsetDateTime,
    }

    // What `#[async_trait]` expands the trait method to, written out so the test needs no
    // `async-trait` dependency.
    impl AzureTokenCredential for FakeAzureCredential {
        fn get_token<'life0, 'life1, 'life2, 'life3, 'async_trait>(
            &'life0 self,
            scopes: &'life1 [&'life2 str],
            _options: Option<TokenRequestOptions<'life3>>,
        ) -> Pin<
            Box<
                dyn Future<Output = azure_core::Result<azure_core::credentials::AccessToken>>
                    + Send
                    + 'async_trait,
            >,
        >
        where
            'life0: 'async_trait,
            'life1: 'async_trait,
            'life2: 'async_trait,
            'life3: 'async_trait,
            Self: 'async_trait,
        {
            Box::pin(async move {
                let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
                if scopes.iter().any(|s| s == "https://fails/.default") {
                    return Err(azure_core::Error::with_message(
                        azure_core::error::ErrorKind::Credential,
                        "no identity endpoint",
                    ));
                }
                self.scopes.lock().unwrap().push(scopes);
                Ok(azure_core::credentials::AccessToken::new(
                    "azure-token-value".to_owned(),
                    self.expires_on,
                ))
            })
        }
    }

    fn request<'a>(scope: &'a str, http: &'a reqwest::Client) -> TokenRequest<'a> {
        TokenRequest::new(scope, "https://login.microsoftonline.com", http)
    }

    #[tokio::test]
    async fn passes_the_scope_and_converts_the_token() {
        let expires_on = OffsetDateTime::from_unix_timestamp_nanos(1_900_000_000_250_000_000)
            .expect("a valid timestamp");
        let fake = Arc::new(FakeAzureCredential { scopes: Mutex::default(), expires_on });
        let credential = AzureCredential::new(fake.clone());
        let http = crate::tls::test_client();
        let scope = "https://api.securitycenter.microsoft.com/.default";

        let token = credential.get_token(request(scope, &http)).await.expect("a token");

        assert_eq!(token.token.expose(), "azure-token-value");
        assert_eq!(
            token.expires_at,
            Some(SystemTime::UNIX_EPOCH + Duration::new(1_900_000_000, 250_000_000))
        );
        assert_eq!(*fake.scopes.lock().unwrap(), vec![vec![scope.to_owned()]]);
        assert!(!format!("{token:?} {credential:?}").contains("azure-token-value"));
    }

    #[tokio::test]
    async fn reports_the_azure_error() {
        let fake = FakeAzureCredential {
            scopes: Mutex::default(),
            expires_on: OffsetDateTime::UNIX_EPOCH,
        };
        let credential = AzureCredential::new(Arc::new(fake));
        let http = crate::tls::test_client();
        let error =
            credential.get_token(request("https://fails/.default", &http)).await.unwrap_err();
        assert!(error.message.contains("no identity endpoint"), "{error}");
        assert_eq!(error.status, None);
    }

    #[test]
    fn converts_times_before_and_after_the_epoch() {
        let at =
            |nanos: i128| to_system_time(OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap());
        assert_eq!(at(0), Some(SystemTime::UNIX_EPOCH));
        assert_eq!(at(1_500), Some(SystemTime::UNIX_EPOCH + Duration::from_nanos(1_500)));
        assert_eq!(at(-2_000_000_001), Some(SystemTime::UNIX_EPOCH - Duration::new(2, 1)));
    }
}
