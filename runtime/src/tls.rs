//! The TLS backend of the HTTP clients the runtime builds, chosen by crate feature: `rustls`
//! (the default: rustls with the aws-lc-rs crypto provider) or `rustls-ring` (rustls with the
//! ring provider, which builds much faster).
//!
//! When both are on, the explicitly chosen backend wins over the default one: `rustls-ring`
//! over `rustls`. The choice is made for each client the
//! runtime builds; nothing process-wide (such as rustls' default crypto provider) is set.

use crate::Error;

#[cfg(not(any(feature = "rustls", feature = "rustls-ring")))]
compile_error!(
    "mde-runtime needs a TLS backend: enable one of the features `rustls` (the default) or \
     `rustls-ring` (mde-machine-actions and mde-cli have features of the same names)"
);

/// A TLS backend compiled into this build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    /// rustls with aws-lc-rs (reqwest's `rustls`), or rustls' process default provider when
    /// one is installed, as reqwest does.
    #[cfg(feature = "rustls")]
    Rustls,
    /// rustls with ring, configured here as reqwest configures its own rustls.
    #[cfg(feature = "rustls-ring")]
    RustlsRing,
}

impl Backend {
    /// Every backend compiled in, in order of precedence: the first is the one used.
    pub(crate) const ALL: &[Backend] = &[
        #[cfg(feature = "rustls-ring")]
        Backend::RustlsRing,
        #[cfg(feature = "rustls")]
        Backend::Rustls,
    ];

    /// Makes `builder` use this backend.
    #[cfg_attr(not(any(feature = "rustls", feature = "rustls-ring")), allow(unused_variables))]
    pub(crate) fn apply(
        self,
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, Error> {
        match self {
            #[cfg(feature = "rustls")]
            Backend::Rustls => Ok(builder.tls_backend_rustls()),
            #[cfg(feature = "rustls-ring")]
            Backend::RustlsRing => Ok(builder.tls_backend_preconfigured(ring_config()?)),
        }
    }
}

/// Makes `builder` use the backend the crate's features select (the first of
/// [`Backend::ALL`]).
pub(crate) fn apply(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    match Backend::ALL.first() {
        Some(backend) => backend.apply(builder),
        // Only without any TLS feature, which `compile_error!` above already refuses.
        None => Ok(builder),
    }
}

/// rustls with the ring provider, set up as reqwest sets up its `rustls` backend: TLS 1.2 and
/// 1.3, certificates checked by the platform verifier (the system's roots), and ALPN offering
/// HTTP/2 then HTTP/1.1.
#[cfg(feature = "rustls-ring")]
fn ring_config() -> Result<rustls::ClientConfig, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;

    let failed = |e: rustls::Error| Error::Config(format!("cannot set up TLS (rustls-ring): {e}"));
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(failed)?
        .with_platform_verifier()
        .map_err(failed)?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// A `reqwest::Client` with the selected backend and reqwest's other defaults, for tests that
/// call reqwest directly (a plain `reqwest::Client::new()` panics under `rustls-ring` alone,
/// which has no process-wide provider).
#[cfg(test)]
pub(crate) fn test_client() -> reqwest::Client {
    apply(reqwest::Client::builder()).unwrap().build().unwrap()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    use super::Backend;

    /// Reads the first TLS record a client sends (its ClientHello), then drops the connection.
    async fn first_record(listener: &TcpListener) -> Vec<u8> {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut header = [0u8; 5];
        socket.read_exact(&mut header).await.unwrap();
        let length = usize::from(u16::from_be_bytes([header[3], header[4]]));
        let mut body = vec![0u8; length];
        socket.read_exact(&mut body).await.unwrap();
        [&header[..], &body].concat()
    }

    #[tokio::test]
    async fn every_backend_builds_a_client_that_speaks_tls_and_offers_http2() {
        // No network: the "server" on 127.0.0.1 reads the ClientHello and hangs up, so every
        // request fails, but only after the backend has put its TLS configuration on the wire.
        assert!(!Backend::ALL.is_empty());
        for &backend in Backend::ALL {
            let client = backend
                .apply(reqwest::Client::builder().timeout(Duration::from_secs(10)))
                .unwrap()
                .build()
                .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("https://localhost:{}/", listener.local_addr().unwrap().port());
            let (hello, answer) = tokio::join!(first_record(&listener), client.get(url).send());
            assert!(answer.is_err(), "{backend:?}: the handshake cannot have succeeded");
            assert_eq!(hello[0], 0x16, "{backend:?}: not a TLS handshake record");
            assert_eq!(hello[5], 0x01, "{backend:?}: not a ClientHello");
            // The ALPN extension's list: "h2", then "http/1.1".
            let alpn = b"\x02h2\x08http/1.1";
            assert!(
                hello.windows(alpn.len()).any(|window| window == alpn),
                "{backend:?}: the ClientHello does not offer h2 and http/1.1"
            );
            // The server name, sent as SNI.
            assert!(
                hello.windows(b"localhost".len()).any(|window| window == b"localhost"),
                "{backend:?}: no SNI"
            );
        }
    }
}
