//! 证据: a finding's raw capture, shown as text only (JSON pretty-printed,
//! HTML as its escaped source; never rendered), with its SHA-256, URL and
//! capture time, and downloadable as the original bytes; and all that a
//! finding cited as one zip with a manifest, for a dispute.
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
pub(super) async fn cited(state: &AppState, user: &CurrentUser, id: i64, sha256: &str) -> WebResult<crate::store::EvidenceInfo> {
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
    raw_download(&state, &user, id, &sha256).await
}

/// The capture's original bytes as a download (the page's and the API's).
pub(super) async fn raw_download(state: &AppState, user: &CurrentUser, id: i64, sha256: &str) -> WebResult<Response> {
    let info = cited(state, user, id, sha256).await?;
    let body = state.store.evidence_body(sha256).await?.ok_or(WebError::NotFound)?;
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

/// One capture a finding (or one of its events) cited, as the zip's
/// manifest lists it.
#[derive(serde::Serialize)]
struct ManifestEntry {
    /// The file in the zip; `None` when retention dropped the body.
    file: Option<String>,
    label: String,
    /// Where the bytes were fetched.
    url: Option<String>,
    /// The page a person opens to see the same thing.
    page_url: Option<String>,
    sha256: String,
    /// Asia/Shanghai, RFC 3339.
    captured_at: String,
    http_status: Option<i64>,
    content_type: Option<String>,
    size_bytes: i64,
    /// Why the body is not in the zip.
    missing: Option<String>,
}

#[derive(serde::Serialize)]
struct Manifest {
    finding: i64,
    rule: &'static str,
    rule_name: &'static str,
    citation: String,
    citation_document: String,
    citation_article: String,
    summary: String,
    state: &'static str,
    account_id: i64,
    account: String,
    platform: &'static str,
    owner_unit: Option<String>,
    first_seen_at: String,
    last_seen_at: String,
    /// When the zip was made (the console's wall clock).
    generated_at: String,
    generated_by: String,
    captures: Vec<ManifestEntry>,
}

fn shanghai_rfc3339(ms: i64) -> String {
    use chrono::TimeZone;
    chrono::Utc
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.with_timezone(&chrono_tz::Asia::Shanghai).to_rfc3339())
        .unwrap_or_else(|| ms.to_string())
}

/// The extension a capture is saved under: never one a double-click runs
/// or renders (HTML is saved as text).
fn file_extension(content_type: Option<&str>) -> &'static str {
    match content_type {
        Some(c) if c.contains("json") => "json",
        Some(c) if c.contains("html") => "html.txt",
        Some(c) if c.contains("xml") => "xml",
        Some(c) if c.starts_with("text/") => "txt",
        _ => "bin",
    }
}

/// The zip of a finding's evidence: `manifest.json`, `说明.txt`, and each
/// cited capture's original bytes under `captures/`. `None` when the
/// person may not see the finding (the caller answers 404).
pub(super) async fn evidence_zip(state: &AppState, user: &CurrentUser, id: i64) -> WebResult<(String, Vec<u8>)> {
    use std::io::Write;
    let f = visible_finding(state, user, id).await?;
    let account = state.store.get_account(f.account_id).await?.ok_or(WebError::NotFound)?;
    let mut cited_evidence = f.evidence.clone();
    for e in state.store.finding_events(id).await? {
        cited_evidence.extend(e.evidence);
    }
    let mut seen = std::collections::HashSet::new();
    let mut entries = Vec::new();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for e in cited_evidence {
        let Some(sha) = e.sha256.clone() else { continue };
        if !seen.insert(sha.clone()) {
            continue;
        }
        let Some(info) = state.store.evidence_info(&sha).await? else { continue };
        let (file, missing) = match state.store.evidence_body(&sha).await {
            Ok(Some(body)) => {
                let name = format!("captures/{:02}-{}.{}", files.len() + 1, &sha[..sha.len().min(16)], file_extension(info.content_type.as_deref()));
                files.push((name.clone(), body));
                (Some(name), None)
            }
            Ok(None) => (None, Some("证据库中没有这份原始数据".to_string())),
            Err(e @ StoreError::EvidencePruned { .. }) => (None, Some(e.to_string())),
            Err(e) => return Err(e.into()),
        };
        entries.push(ManifestEntry {
            file,
            label: e.label,
            url: Some(info.url.clone()),
            page_url: e.page_url,
            sha256: sha,
            captured_at: shanghai_rfc3339(info.fetched_at_ms),
            http_status: info.http_status,
            content_type: info.content_type,
            size_bytes: info.size_bytes,
            missing,
        });
    }
    let manifest = Manifest {
        finding: f.id,
        rule: f.rule.code(),
        rule_name: f.rule.display_name(),
        citation: f.citation_display(),
        citation_document: f.citation_document.clone(),
        citation_article: f.citation_article.clone(),
        summary: f.summary_zh.clone(),
        state: f.state.display_zh(),
        account_id: account.id,
        account: account.spec.display_name.clone(),
        platform: account.spec.platform.display_name(),
        owner_unit: account.spec.owner_unit.clone(),
        first_seen_at: shanghai_rfc3339(f.first_seen_at_ms),
        last_seen_at: shanghai_rfc3339(f.last_seen_at_ms),
        generated_at: shanghai_rfc3339(state.wall_ms()),
        generated_by: user.signature(),
        captures: entries,
    };
    let mut readme = format!(
        "问题 #{} 的证据包\r\n\r\n规则：{}\r\n依据：{}\r\n账号：{}（{}）\r\n摘要：{}\r\n导出：{} {}\r\n\r\n\
         captures/ 中是系统抓取时保存的原始数据，未做任何改动；manifest.json 列出每份数据的网址、抓取时间和 SHA-256。\r\n\
         用任意 SHA-256 工具（如 Windows 的 certutil -hashfile 文件名 SHA256）计算文件的值，与下表一致即证明数据未被改动。\r\n\r\n",
        f.id,
        manifest.rule_name,
        manifest.citation,
        manifest.account,
        manifest.platform,
        manifest.summary,
        manifest.generated_at,
        manifest.generated_by,
    );
    for c in &manifest.captures {
        readme.push_str(&format!(
            "{}\r\n  抓取时间：{}\r\n  网址：{}\r\n  SHA-256：{}\r\n  {}\r\n\r\n",
            c.label,
            c.captured_at,
            c.url.as_deref().unwrap_or("—"),
            c.sha256,
            match (&c.file, &c.missing) {
                (Some(file), _) => format!("文件：{file}"),
                (None, Some(why)) => format!("未包含：{why}"),
                (None, None) => "未包含".to_string(),
            }
        ));
    }
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| WebError::Internal(e.to_string()))?;
    let zip_err = |e: zip::result::ZipError| WebError::Internal(format!("evidence zip: {e}"));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in [("manifest.json".to_string(), json), ("说明.txt".to_string(), readme.into_bytes())].into_iter().chain(files) {
        zip.start_file(name, opts).map_err(zip_err)?;
        zip.write_all(&bytes).map_err(|e| WebError::Internal(e.to_string()))?;
    }
    let bytes = zip.finish().map_err(zip_err)?.into_inner();
    Ok((format!("finding-{}-evidence.zip", f.id), bytes))
}

/// A zip as a download.
pub(super) fn zip_download(name: &str, bytes: Vec<u8>) -> WebResult<Response> {
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).map_err(|e| WebError::Internal(e.to_string()))?,
    );
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox; frame-ancestors 'none'"));
    Ok(view::no_store(r))
}

/// `GET /findings/{id}/evidence.zip`.
pub async fn zip(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    let (name, bytes) = evidence_zip(&state, &user, id).await?;
    zip_download(&name, bytes)
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
