//! 证据: a finding's raw capture, shown as text only (JSON pretty-printed,
//! HTML as its escaped source; never rendered), with its SHA-256, URL and
//! capture time, and downloadable as the original bytes.
//!
//! A capture is reached through a finding that cites it, so a unit
//! operator's scope applies to evidence as to findings.

use super::auth::CurrentUser;
use super::error::{WebError, WebResult};
use super::findings::visible_finding;
use super::state::AppState;
use super::{safe_url, view};
use crate::store::StoreError;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;

/// Larger captures are shown cut here (the download has them whole).
const SHOW_BYTES: usize = 512 * 1024;

/// The finding and the capture's description, if the finding (or one of
/// its events) cites this SHA-256 and this person may see the finding.
async fn cited(state: &AppState, user: &CurrentUser, id: i64, sha256: &str) -> WebResult<crate::store::EvidenceInfo> {
    let f = visible_finding(state, user, id).await?;
    let mut cites = f.evidence.iter().any(|e| e.sha256.as_deref() == Some(sha256));
    if !cites {
        cites = state
            .store
            .finding_events(id)
            .await?
            .iter()
            .any(|e| e.evidence.iter().any(|x| x.sha256.as_deref() == Some(sha256)));
    }
    if !cites {
        return Err(WebError::NotFound);
    }
    state.store.evidence_info(sha256).await?.ok_or(WebError::NotFound)
}

/// What to show of a body: pretty JSON, text, or nothing (binary).
fn displayable(body: &[u8], content_type: Option<&str>) -> (Option<String>, &'static str, bool) {
    let looks_json = content_type.is_some_and(|c| c.contains("json")) || body.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|b| *b == b'{' || *b == b'[');
    if looks_json && let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        let pretty = serde_json::to_string_pretty(&v).unwrap_or_default();
        let cut = pretty.len() > SHOW_BYTES;
        let shown: String = if cut { pretty[..pretty.floor_char_boundary(SHOW_BYTES)].to_string() } else { pretty };
        return (Some(shown), "JSON（已格式化）", cut);
    }
    let cut = body.len() > SHOW_BYTES;
    let head = &body[..body.len().min(SHOW_BYTES)];
    match std::str::from_utf8(head) {
        Ok(s) => (Some(s.to_string()), if content_type.is_some_and(|c| c.contains("html")) { "HTML 源代码（只显示源代码，不执行）" } else { "文本" }, cut),
        // Cut inside a character: show up to it.
        Err(e) if e.error_len().is_none() && cut => {
            (Some(String::from_utf8_lossy(&head[..e.valid_up_to()]).into_owned()), "文本", true)
        }
        Err(_) => (None, "二进制内容", false),
    }
}

/// `GET /findings/{id}/evidence/{sha256}`.
pub async fn show(State(state): State<AppState>, user: CurrentUser, Path((id, sha256)): Path<(i64, String)>) -> WebResult<Response> {
    let info = cited(&state, &user, id, &sha256).await?;
    let (text, format, cut, pruned) = match state.store.evidence_body(&sha256).await {
        Ok(Some(body)) => {
            let (text, format, cut) = displayable(&body, info.content_type.as_deref());
            (text, format, cut, None)
        }
        Ok(None) => return Err(WebError::NotFound),
        Err(e @ StoreError::EvidencePruned { .. }) => (None, "", false, Some(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    view::page(
        &user,
        "findings",
        "web/evidence.html",
        context! {
            title => "证据",
            finding_id => id,
            sha256 => info.sha256.clone(),
            url => safe_url(&info.url),
            url_text => info.url.clone(),
            content_type => info.content_type.clone(),
            http_status => info.http_status,
            fetched_ms => info.fetched_at_ms,
            size => info.size_bytes,
            text, format, cut, pruned,
        },
    )
}

/// `GET /findings/{id}/evidence/{sha256}/raw`: the original bytes, as a
/// download that no browser renders or runs.
pub async fn raw(State(state): State<AppState>, user: CurrentUser, Path((id, sha256)): Path<(i64, String)>) -> WebResult<Response> {
    let info = cited(&state, &user, id, &sha256).await?;
    let body = state.store.evidence_body(&sha256).await?.ok_or(WebError::NotFound)?;
    let ext = match info.content_type.as_deref() {
        Some(c) if c.contains("json") => "json",
        Some(c) if c.contains("html") => "html.txt",
        Some(c) if c.contains("xml") => "xml",
        _ => "bin",
    };
    let name = format!("evidence-{}.{ext}", &info.sha256[..info.sha256.len().min(16)]);
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).map_err(|e| WebError::Internal(e.to_string()))?,
    );
    // Stricter than the pages: nothing at all may load or run.
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox; frame-ancestors 'none'"));
    Ok(view::no_store(r))
}

#[cfg(test)]
mod tests {
    use super::displayable;

    #[test]
    fn captures_are_shown_as_text_never_as_markup() {
        let (t, f, _) = displayable(br#"{"a":[1,2],"name":"<script>"}"#, Some("application/json"));
        assert!(t.unwrap().contains("\n  \"a\": ["), "pretty");
        assert_eq!(f, "JSON（已格式化）");
        let (t, f, _) = displayable(b"<html><script>alert(1)</script></html>", Some("text/html; charset=utf-8"));
        assert_eq!(t.unwrap(), "<html><script>alert(1)</script></html>", "the template escapes it");
        assert!(f.contains("HTML"));
        assert_eq!(displayable(&[0xff, 0xfe, 0x00], None).0, None);
    }
}
