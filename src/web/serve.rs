//! The accept loop: hyper's HTTP/1 with a timeout on reading a request's
//! head (axum::serve sets none, so a client that never finishes its
//! headers would hold a task for ever), each connection told its peer's
//! address.

use super::state::AppState;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::Service;

/// A client gets this long to send a request's head.
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves the console (and the probes) until `stop` turns true.
pub async fn serve(listener: TcpListener, state: AppState, mut stop: watch::Receiver<bool>) {
    match state.store.list_users().await {
        Ok(users) if users.is_empty() => tracing::warn!(
            "控制台还没有用户，无法登录；请先运行 xunjian users add admin --role admin (the console has no users yet)"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "console: cannot read the users"),
    }
    let app = super::router(state);
    loop {
        tokio::select! {
            _ = stop.changed() => {
                if *stop.borrow() { return; }
            }
            accepted = listener.accept() => {
                let Ok((sock, peer)) = accepted else { continue };
                let app = app.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                        req.extensions_mut().insert(ConnectInfo(peer));
                        app.clone().call(req)
                    });
                    let mut http = hyper::server::conn::http1::Builder::new();
                    http.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
                    if let Err(e) = http.serve_connection(TokioIo::new(sock), svc).await {
                        tracing::debug!(error = %e, %peer, "console connection ended with an error");
                    }
                });
            }
        }
    }
}
