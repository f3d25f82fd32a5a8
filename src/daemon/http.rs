//! A small HTTP/1.1 responder for `/healthz` and `/metrics`: GET only, one
//! request per connection, bounded request size and time. Two read-only
//! routes for a local scraper do not justify a web framework.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// An answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Response {
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Response { status, content_type: "text/plain; charset=utf-8", body: body.into() }
    }
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Response { status, content_type: "application/json", body: body.to_string() }
    }
}

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
/// Routes a GET path to its answer.
pub type Handler = Arc<dyn Fn(String) -> BoxFuture<Response> + Send + Sync>;

/// Requests larger than this are refused: ours are a request line and a
/// few headers.
const MAX_REQUEST: usize = 8 * 1024;
/// A client gets this long to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// Serves until `stop` turns true.
pub async fn serve(listener: TcpListener, handler: Handler, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.changed() => {
                if *stop.borrow() { return; }
            }
            accepted = listener.accept() => {
                let Ok((sock, _)) = accepted else { continue };
                let handler = handler.clone();
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(READ_TIMEOUT * 2, handle(sock, handler)).await;
                });
            }
        }
    }
}

async fn handle(mut sock: TcpStream, handler: Handler) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let head_complete = tokio::time::timeout(READ_TIMEOUT, async {
        loop {
            let n = sock.read(&mut chunk).await?;
            if n == 0 {
                return Ok::<bool, std::io::Error>(false);
            }
            buf.extend_from_slice(&chunk[..n]);
            if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.windows(2).any(|w| w == b"\n\n") {
                return Ok(true);
            }
            if buf.len() > MAX_REQUEST {
                return Ok(true);
            }
        }
    })
    .await;
    let response = match head_complete {
        Ok(Ok(true)) if buf.len() > MAX_REQUEST => Response::text(413, "request too large\n"),
        Ok(Ok(true)) => route(&buf, &handler).await,
        _ => return Ok(()),
    };
    let head_only = buf.starts_with(b"HEAD ");
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        response.status,
        reason(response.status),
        response.content_type,
        response.body.len()
    );
    sock.write_all(head.as_bytes()).await?;
    if !head_only {
        sock.write_all(response.body.as_bytes()).await?;
    }
    sock.shutdown().await
}

async fn route(request: &[u8], handler: &Handler) -> Response {
    let text = String::from_utf8_lossy(request);
    let mut parts = text.lines().next().unwrap_or_default().split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Response::text(400, "bad request\n");
    };
    if method != "GET" && method != "HEAD" {
        return Response::text(405, "only GET\n");
    }
    let path = target.split('?').next().unwrap_or_default().to_string();
    handler(path).await
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(addr: std::net::SocketAddr, request: &str) -> String {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(request.as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn routes_get_and_refuses_the_rest() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = watch::channel(false);
        let handler: Handler = Arc::new(|path: String| {
            Box::pin(async move {
                match path.as_str() {
                    "/healthz" => Response::json(200, &serde_json::json!({"ok": true})),
                    _ => Response::text(404, "not found\n"),
                }
            })
        });
        let server = tokio::spawn(serve(listener, handler, rx));
        let ok = get(addr, "GET /healthz?x=1 HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(ok.contains("Content-Type: application/json") && ok.ends_with("{\"ok\":true}"), "{ok}");
        let missing = get(addr, "GET /nope HTTP/1.1\r\n\r\n").await;
        assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
        let post = get(addr, "POST /healthz HTTP/1.1\r\nContent-Length: 0\r\n\r\n").await;
        assert!(post.starts_with("HTTP/1.1 405"), "{post}");
        let head = get(addr, "HEAD /healthz HTTP/1.1\r\n\r\n").await;
        assert!(head.starts_with("HTTP/1.1 200") && head.ends_with("\r\n\r\n"), "{head}");
        let big = format!("GET /healthz HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_REQUEST));
        assert!(get(addr, &big).await.starts_with("HTTP/1.1 413"));
        tx.send(true).unwrap();
        server.await.unwrap();
    }
}
