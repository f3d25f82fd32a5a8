//! The console's one stylesheet, compiled in and served under its own
//! checksum so browsers may keep it for a year. Nothing is loaded from
//! anywhere else (government networks are often closed).

use super::error::{WebError, WebResult};
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const CSS: &str = include_str!("../../static/web/console.css");

static CSS_VERSION: LazyLock<String> = LazyLock::new(|| hex::encode(&Sha256::digest(CSS.as_bytes())[..8]));

/// Where the layout links the stylesheet.
pub fn css_path() -> String {
    format!("/static/{}/console.css", *CSS_VERSION)
}

/// `GET /static/{version}/{name}`.
pub async fn show(Path((version, name)): Path<(String, String)>) -> WebResult<Response> {
    if name != "console.css" || version != *CSS_VERSION {
        return Err(WebError::NotFound);
    }
    let mut r = CSS.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    Ok(r)
}
