//! Reading response bodies into memory under a size limit.
//!
//! Every body the client buffers (API answers, token answers, error bodies) goes through
//! [`read_body`]: it reads chunk by chunk, stops as soon as the limit is passed (the rest is
//! never read, the connection is dropped), and builds the result once, in one `Vec` whose
//! capacity never exceeds the limit. Streaming downloads do not come here: they are written to
//! their destination chunk by chunk.

use bytes::Bytes;
use futures_util::{Stream, StreamExt as _};

/// Default for `ClientBuilder::max_response_bytes`: 64 MiB.
///
/// The largest documented answer is a full listing page of 10,000 actions, about 7 MB; 64 MiB
/// leaves nine times that for longer comments, unknown members and pretty-printing, while a
/// misbehaving or hostile server can raise memory by at most this much per call.
pub(crate) const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// How much of an error answer is kept (the error envelope is a few hundred bytes; what is
/// shown of it is cut to `SNIPPET_LIMIT` bytes anyway).
pub(crate) const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// What to do with a body larger than the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Overflow {
    /// Fail with [`BodyError::TooLarge`] (success bodies: a cut body would not decode).
    Fail,
    /// Keep the first `limit` bytes and stop reading (error bodies: only their start is shown).
    Truncate,
}

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError<E> {
    /// More than the limit was sent (or announced by `Content-Length`).
    TooLarge,
    /// Reading failed.
    Read(E),
}

/// Reads `stream` into one `Vec` of at most `limit` bytes. `announced` is the body's
/// `Content-Length`, if any: a larger one fails (or is truncated) before anything is read.
pub(crate) async fn read_body<S, E>(
    mut stream: S,
    announced: Option<u64>,
    limit: usize,
    overflow: Overflow,
) -> Result<Vec<u8>, BodyError<E>>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    if overflow == Overflow::Fail && announced.is_some_and(|length| length > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    let hint = announced.map_or(0, |length| usize::try_from(length).unwrap_or(usize::MAX));
    let mut body: Vec<u8> = Vec::with_capacity(hint.min(limit));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(BodyError::Read)?;
        let room = limit - body.len();
        if chunk.len() > room {
            return match overflow {
                Overflow::Fail => Err(BodyError::TooLarge),
                Overflow::Truncate => {
                    grow(&mut body, room, limit);
                    body.extend_from_slice(&chunk[..room]);
                    Ok(body)
                }
            };
        }
        grow(&mut body, chunk.len(), limit);
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Makes room for `more` bytes, doubling as `Vec` would but never past `limit`.
fn grow(body: &mut Vec<u8>, more: usize, limit: usize) {
    let needed = body.len() + more;
    if needed > body.capacity() {
        let target = needed.max(body.capacity().saturating_mul(2)).min(limit).max(needed);
        body.reserve_exact(target - body.len());
    }
}

/// A reqwest response's body as a chunk stream, with its announced length.
pub(crate) fn stream_of(
    response: reqwest::Response,
) -> (Option<u64>, impl Stream<Item = Result<Bytes, reqwest::Error>> + Unpin) {
    let announced = response.content_length();
    (announced, response.bytes_stream())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures_util::stream;

    use super::*;

    type Chunk = Result<Bytes, std::io::Error>;

    /// An endless body of 1 KiB chunks that counts how many bytes were pulled from it.
    fn endless(pulled: Arc<AtomicUsize>) -> impl Stream<Item = Chunk> + Unpin {
        stream::repeat_with(move || {
            pulled.fetch_add(1024, Ordering::SeqCst);
            Ok(Bytes::from(vec![b'x'; 1024]))
        })
    }

    #[tokio::test]
    async fn an_endless_body_stops_at_the_limit() {
        let pulled = Arc::new(AtomicUsize::new(0));
        let limit = 100 * 1024 + 10;
        let result = read_body(endless(pulled.clone()), None, limit, Overflow::Fail).await;
        assert!(matches!(result, Err(BodyError::TooLarge)));
        // It read one chunk past the limit, and no more.
        assert_eq!(pulled.load(Ordering::SeqCst), 101 * 1024);

        let pulled = Arc::new(AtomicUsize::new(0));
        let body =
            read_body(endless(pulled.clone()), None, limit, Overflow::Truncate).await.unwrap();
        assert_eq!(body.len(), limit);
        assert!(body.capacity() <= limit, "{}", body.capacity());
        assert_eq!(pulled.load(Ordering::SeqCst), 101 * 1024);
    }

    #[tokio::test]
    async fn an_announced_length_over_the_limit_fails_before_reading() {
        let pulled = Arc::new(AtomicUsize::new(0));
        let result = read_body(endless(pulled.clone()), Some(1 << 40), 1024, Overflow::Fail).await;
        assert!(matches!(result, Err(BodyError::TooLarge)));
        assert_eq!(pulled.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn bodies_within_the_limit_are_kept_whole_in_bounded_capacity() {
        let chunks: Vec<Chunk> = (0..10).map(|i| Ok(Bytes::from(vec![i as u8; 1000]))).collect();
        let body = read_body(stream::iter(chunks), None, 10_000, Overflow::Fail).await.unwrap();
        assert_eq!(body.len(), 10_000);
        assert!(body.capacity() <= 10_000, "{}", body.capacity());
        assert_eq!(&body[..1000], &[0u8; 1000][..]);
        assert_eq!(&body[9000..], &[9u8; 1000][..]);

        let chunks: Vec<Chunk> = vec![Ok(Bytes::from_static(b"{}"))];
        let body = read_body(stream::iter(chunks), Some(2), 2, Overflow::Fail).await.unwrap();
        assert_eq!(body, b"{}");
        assert_eq!(body.capacity(), 2);

        let chunks: Vec<Chunk> =
            vec![Ok(Bytes::from_static(b"ab")), Err(std::io::Error::other("x"))];
        let result = read_body(stream::iter(chunks), None, 10, Overflow::Fail).await;
        assert!(matches!(result, Err(BodyError::Read(_))));
    }
}
