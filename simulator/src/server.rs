//! The HTTP/1.1 server: an accept loop on a tokio listener, one task per connection, the
//! per-connection switch that lets fault injection drop a connection without an answer, the
//! header-read timeout, and graceful shutdown that ends within a bounded time whatever clients
//! do (a request still being read is not waited for; one being handled gets
//! [`Config::shutdown_grace`](crate::Config::shutdown_grace)).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use crate::app::App;

/// Serves `listener` until `shutdown` turns true, then lets open connections finish the
/// request they are handling, each for at most the configured grace period.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, app.clone(), shutdown.clone()));
                }
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::task::yield_now().await;
                }
            },
            _ = shutdown.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

async fn connection(stream: TcpStream, app: Arc<App>, mut shutdown: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let header_read_timeout = app.config.header_read_timeout;
    let grace = app.config.shutdown_grace;
    let kill = Arc::new(Notify::new());
    // Requests whose head has arrived and which are not answered yet.
    let busy = Arc::new(AtomicUsize::new(0));
    let service = {
        let kill = kill.clone();
        let busy = busy.clone();
        service_fn(move |request| {
            let app = app.clone();
            let kill = kill.clone();
            let busy = busy.clone();
            async move {
                let _busy = Busy::enter(&busy);
                Ok::<_, Infallible>(app.handle(request, kill).await)
            }
        })
    };
    let mut builder = http1::Builder::new();
    builder.keep_alive(true).timer(TokioTimer::new()).header_read_timeout(header_read_timeout);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended with an error");
            }
        }
        () = kill.notified() => {}
        _ = shutdown.changed() => {
            // An idle connection, or one whose request head is still arriving, closes at
            // once. A request whose body is still arriving is answered 503 (`App::handle`
            // watches the same signal); a handler that outlives the grace period is cut off.
            if busy.load(Ordering::SeqCst) == 0 {
                return;
            }
            connection.as_mut().graceful_shutdown();
            tokio::select! {
                _ = connection.as_mut() => {}
                () = kill.notified() => {}
                () = tokio::time::sleep(grace) => {
                    tracing::debug!("closing a connection still busy after the grace period");
                }
            }
        }
    }
}

/// Counts a request as being handled while it lives.
struct Busy<'a>(&'a AtomicUsize);

impl<'a> Busy<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Busy(count)
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
