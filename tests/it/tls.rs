//! The SDK's client speaks TLS through the backend its features select (with
//! `--all-features`, `rustls-ring`; mde-runtime's own unit test goes through every backend
//! compiled in): an `https` base URL gets a TLS ClientHello that names the host and offers
//! HTTP/2 and HTTP/1.1, and the call fails as a transport error when the server hangs up.
//!
//! No network: the "server" is a `tokio` listener on this machine that reads the ClientHello
//! and closes the connection.

use std::time::Duration;

use mde_machine_actions::models::MachineActionId;
use mde_machine_actions::{Client, Error, RetryPolicy};
use tokio::io::AsyncReadExt as _;
use tokio::net::TcpListener;

use crate::support::TEST_TOKEN;

/// Reads the first TLS record a client sends, then drops the connection.
async fn first_record(listener: &TcpListener) -> Vec<u8> {
    let (mut socket, _) = listener.accept().await.expect("a connection");
    let mut header = [0u8; 5];
    socket.read_exact(&mut header).await.expect("a record header");
    let mut body = vec![0u8; usize::from(u16::from_be_bytes([header[3], header[4]]))];
    socket.read_exact(&mut body).await.expect("a whole record");
    [&header[..], &body].concat()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

#[tokio::test]
async fn an_https_base_url_gets_a_tls_handshake_offering_http2() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let port = listener.local_addr().expect("an address").port();
    let client = Client::builder()
        .base_url(format!("https://localhost:{port}"))
        .bearer_token(TEST_TOKEN)
        .retry_policy(RetryPolicy::never())
        .timeout(Some(Duration::from_secs(20)))
        .build()
        .expect("a client with the selected TLS backend");
    let id = MachineActionId::from("5382f7ea-7557-4ab7-9782-d50480024a4e");
    let (hello, answer) = tokio::join!(first_record(&listener), client.get_machine_action(&id));

    assert_eq!(hello[0], 0x16, "a TLS handshake record");
    assert_eq!(hello[5], 0x01, "a ClientHello");
    assert!(contains(&hello, b"\x02h2\x08http/1.1"), "ALPN offers h2, then http/1.1");
    assert!(contains(&hello, b"localhost"), "SNI names the host");
    assert!(!contains(&hello, TEST_TOKEN.as_bytes()), "no token before the handshake");
    let error = answer.expect_err("the server hung up during the handshake");
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
}
