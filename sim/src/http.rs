//! A minimal HTTP/1.1 server side over `std::net`: one request per
//! connection, answered with `Connection: close` (reqwest then opens a new
//! connection for the next request, which keeps the server simple).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A request as the handlers see it.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    /// The path, percent-decoded.
    pub path: String,
    /// The raw path and query, as sent.
    pub target: String,
    /// Query pairs, percent-decoded.
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Builds a request from a target such as `/a/b?x=1` (for tests and
    /// the in-process API).
    pub fn get(target: &str) -> Request {
        let u = url::Url::parse(&format!("http://sim{target}")).expect("a path and query");
        Request {
            method: "GET".into(),
            path: percent_decode(u.path()),
            target: target.to_string(),
            query: u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("p={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

/// A response before it is written.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response { status, content_type: content_type.to_string(), headers: Vec::new(), body: body.into() }
    }
    pub fn json(body: impl Into<Vec<u8>>) -> Response {
        Response::new(200, "application/json; charset=utf-8", body)
    }
    pub fn json_value(v: &serde_json::Value) -> Response {
        Response::json(v.to_string())
    }
    pub fn html(body: impl Into<Vec<u8>>) -> Response {
        Response::new(200, "text/html; charset=utf-8", body)
    }
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_string(), value.into()));
        self
    }
    pub fn redirect(status: u16, location: &str) -> Response {
        Response::new(status, "text/html", Vec::new()).with_header("Location", location)
    }
    /// The generic 404 for unknown paths.
    pub fn not_found() -> Response {
        Response::new(
            404,
            "text/html",
            "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
        )
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        403 => "Forbidden",
        404 => "Not Found",
        412 => "Precondition Failed",
        418 => "I'm a teapot",
        429 => "Too Many Requests",
        432 => "Unknown",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Reads one request (head and `Content-Length` body). `None` when the
/// peer closed or sent something that is not HTTP.
pub fn read_request(sock: &mut TcpStream) -> Option<Request> {
    sock.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = sock.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        if buf.len() > 1 << 20 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let mut req = Request::get(if target.starts_with('/') { &target } else { "/" });
    req.method = method;
    req.target = target;
    req.headers = headers;
    req.body = body;
    Some(req)
}

/// Writes the response with a `Content-Length` equal to the body written
/// and `Connection: close`.
pub fn write_response(sock: &mut TcpStream, r: &Response) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nServer: xunjian-sim\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        r.status,
        reason(r.status),
        r.content_type,
        r.body.len()
    );
    for (k, v) in &r.headers {
        head.push_str(k);
        head.push_str(": ");
        head.push_str(v);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    sock.write_all(head.as_bytes())?;
    sock.write_all(&r.body)?;
    sock.flush()
}
