//! The official-account backend (`mp.weixin.qq.com/cgi-bin/…`), reachable
//! with a logged-in session of any official account (cookie + token):
//!
//! - `searchbiz`: accounts by name or 微信号 → `fakeid` (= `__biz`);
//! - `appmsgpublish`: an account's published articles. `publish_page` is a
//!   JSON *string*, and each `publish_list[].publish_info` is another JSON
//!   string holding `appmsgex[]` (title, link, create_time, …).
//!
//! `base_resp.ret`: 0 ok; 200003 the session expired (`LoginRequired`);
//! 200013 frequency control (`Throttled`). Anything else is not guessed at.

use crate::feed::response::{ResponseMeta, classify_status, empty_body, refusal_in_page, title_suffix};
use crate::model::{CommentState, Counts, Post, Timeline};
use crate::outcome::FetchFailure;
use crate::text::{decode_body, html_to_text};
use chrono::{TimeZone, Utc};
use serde::Serialize;
use serde_json::Value;

/// One account found by `searchbiz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BizHit {
    /// `fakeid`, the account's `__biz`.
    pub fakeid: String,
    pub nickname: String,
    /// 微信号.
    pub alias: Option<String>,
    pub signature: Option<String>,
    pub service_type: Option<i64>,
}

/// The common envelope: the JSON body, or the failure `base_resp.ret`
/// (or a non-JSON answer) shows.
fn classify(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<Value, FetchFailure> {
    let (text, _) = decode_body(body, meta.content_type);
    if (300..=399).contains(&meta.status) {
        // The backend sends an expired session back to the login page.
        return Err(FetchFailure::LoginRequired {
            url: url.to_string(),
            http_status: Some(meta.status),
            detail: format!("backend redirected to {:?}: the session is not logged in", meta.location.unwrap_or("")),
        });
    }
    classify_status(meta, &text, url, "backend answer")?;
    if let Some(f) = empty_body(meta, &text, url) {
        return Err(f);
    }
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') {
        if let Some(f) = refusal_in_page(&text, meta.status, url) {
            return Err(f);
        }
        if text.contains("登录") {
            return Err(FetchFailure::LoginRequired {
                url: url.to_string(),
                http_status: Some(meta.status),
                detail: format!("the backend answered with a login page{}", title_suffix(&text)),
            });
        }
        return Err(FetchFailure::parse(url, "body", format!("expected JSON, got a page{}", title_suffix(&text))));
    }
    let v: Value = match serde_json::from_str(trimmed) {
        Ok(v) => v,
        Err(e) if e.is_eof() => {
            return Err(FetchFailure::Network {
                url: url.to_string(),
                http_status: Some(meta.status),
                timeout: false,
                detail: format!("truncated JSON ({} bytes, cut short: {e})", body.len()),
            });
        }
        Err(e) => return Err(FetchFailure::parse(url, "body", format!("invalid JSON: {e}"))),
    };
    let ret = v.pointer("/base_resp/ret").and_then(Value::as_i64);
    let msg = v.pointer("/base_resp/err_msg").and_then(Value::as_str).unwrap_or("").to_string();
    let http_status = Some(meta.status);
    match ret {
        Some(0) => Ok(v),
        Some(200003) => Err(FetchFailure::LoginRequired {
            url: url.to_string(),
            http_status,
            detail: format!(
                "base_resp.ret 200003 ({msg:?}): the backend session expired; log in again and replace the wechat-mp-cookie and wechat-mp-token secrets"
            ),
        }),
        Some(200013) => Err(FetchFailure::Throttled {
            url: url.to_string(),
            http_status,
            retry_after_secs: None,
            detail: format!("base_resp.ret 200013 ({msg:?}): frequency control on this backend session"),
        }),
        Some(other) => Err(FetchFailure::parse(url, "base_resp.ret", format!("unknown ret {other} ({msg:?})"))),
        None => Err(FetchFailure::parse(url, "base_resp.ret", "no base_resp.ret: JSON of another shape")),
    }
}

/// Parses a saved `appmsgpublish` answer as if served with HTTP 200.
pub fn parse_appmsgpublish(body: &[u8], url: &str) -> Result<Timeline, FetchFailure> {
    parse_appmsgpublish_response(&ResponseMeta::OK, body, url)
}

/// The published articles, newest first, as posts. Articles the backend
/// marks `is_deleted` are left out: the public can no longer see them.
pub fn parse_appmsgpublish_response(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<Timeline, FetchFailure> {
    let v = classify(meta, body, url)?;
    let page_str = v
        .get("publish_page")
        .and_then(Value::as_str)
        .ok_or_else(|| FetchFailure::parse(url, "publish_page", "missing (or not a JSON string)"))?;
    let page: Value = serde_json::from_str(page_str)
        .map_err(|e| FetchFailure::parse(url, "publish_page", format!("not JSON: {e}")))?;
    let list = page
        .get("publish_list")
        .and_then(Value::as_array)
        .ok_or_else(|| FetchFailure::parse(url, "publish_page.publish_list", "missing"))?;
    let mut posts = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let field = |f: &str| format!("publish_page.publish_list[{i}].{f}");
        let info_str = entry
            .get("publish_info")
            .and_then(Value::as_str)
            .ok_or_else(|| FetchFailure::parse(url, field("publish_info"), "missing (or not a JSON string)"))?;
        let info: Value = serde_json::from_str(info_str)
            .map_err(|e| FetchFailure::parse(url, field("publish_info"), format!("not JSON: {e}")))?;
        let Some(items) = info.get("appmsgex").and_then(Value::as_array) else {
            return Err(FetchFailure::parse(url, field("publish_info.appmsgex"), "missing"));
        };
        for (j, a) in items.iter().enumerate() {
            if a.get("is_deleted").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            posts.push(appmsg_to_post(a).map_err(|f| {
                FetchFailure::parse(url, field(&format!("publish_info.appmsgex[{j}].{f}")), "missing or invalid")
            })?);
        }
    }
    let total = page.get("total_count").and_then(Value::as_i64);
    // `total_count` counts publish entries (one 群发 can hold several
    // articles), as does the list: more exists when it counts more than
    // this page listed.
    let listed = i64::try_from(list.len()).unwrap_or(i64::MAX);
    let more = total.map(|t| t > listed);
    Ok(Timeline { owner: stated_biz(&posts), more, ..Timeline::new(posts, None, total) })
}

/// The `__biz` every article link of the answer carries, when they all
/// carry the same one: the account the answer is about. `None` when no
/// link carries one, or when links name several accounts (no single
/// statement; [`foreign_biz`] finds those).
pub fn stated_biz(posts: &[Post]) -> Option<String> {
    let mut bizes = posts.iter().filter_map(|p| p.url.as_deref()).filter_map(link_biz);
    let first = bizes.next()?;
    bizes.all(|b| crate::model::same_account_id(&b, &first)).then_some(first)
}

/// The first article whose link carries another `__biz` than `asked`:
/// (its id, that `__biz`). An `appmsgpublish` answer for `fakeid=asked`
/// holding it is not (only) the asked account's list.
pub fn foreign_biz<'a>(posts: &'a [Post], asked: &str) -> Option<(&'a str, String)> {
    posts.iter().find_map(|p| {
        let biz = link_biz(p.url.as_deref()?)?;
        (!crate::model::same_account_id(asked, &biz)).then_some((p.id.as_str(), biz))
    })
}

/// The `__biz` query value of an article link (`http://mp.weixin.qq.com/s?__biz=…&mid=…`).
fn link_biz(link: &str) -> Option<String> {
    let u = url::Url::parse(link).ok()?;
    let biz = u.query_pairs().find(|(k, _)| k == "__biz")?.1.trim().to_string();
    super::looks_like_biz(&biz).then_some(biz)
}

fn appmsg_to_post(a: &Value) -> Result<Post, &'static str> {
    let num = |k: &str| a.get(k).and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()));
    let text = |k: &str| a.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let created = num("create_time").ok_or("create_time")?;
    let published_at = Utc.timestamp_opt(created, 0).single().ok_or("create_time")?;
    let title = text("title").map(|t| html_to_text(&t)).ok_or("title")?;
    let id = match (num("appmsgid"), num("itemidx")) {
        (Some(m), Some(i)) => format!("{m}_{i}"),
        _ => text("aid").ok_or("aid")?,
    };
    let digest = text("digest").map(|d| html_to_text(&d));
    Ok(Post {
        id,
        alt_id: text("aid"),
        url: text("link"),
        published_at,
        published_at_exact: true,
        text: match digest {
            Some(d) if !d.is_empty() => format!("{title}\n{d}"),
            _ => title,
        },
        text_truncated: true,
        // The list shows no reprint link; WeChat declares RepostSource as
        // not observable, so rules do not read this.
        is_original: true,
        is_pinned: false,
        repost_of: None,
        comment_state: CommentState::Unknown,
        counts: Counts::default(),
    })
}

/// Parses a saved `searchbiz` answer as if served with HTTP 200.
pub fn parse_searchbiz(body: &[u8], url: &str) -> Result<Vec<BizHit>, FetchFailure> {
    parse_searchbiz_response(&ResponseMeta::OK, body, url)
}

pub fn parse_searchbiz_response(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<Vec<BizHit>, FetchFailure> {
    let v = classify(meta, body, url)?;
    let list = v.get("list").and_then(Value::as_array).ok_or_else(|| FetchFailure::parse(url, "list", "missing"))?;
    list.iter()
        .enumerate()
        .map(|(i, h)| {
            let s =
                |k: &str| h.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
            Ok(BizHit {
                fakeid: s("fakeid").ok_or_else(|| FetchFailure::parse(url, format!("list[{i}].fakeid"), "missing"))?,
                nickname: s("nickname")
                    .ok_or_else(|| FetchFailure::parse(url, format!("list[{i}].nickname"), "missing"))?,
                alias: s("alias"),
                signature: s("signature"),
                service_type: h.get("service_type").and_then(Value::as_i64),
            })
        })
        .collect()
}

/// The registered account among `searchbiz` hits, by the same order as
/// Sogou's [`super::sogou::pick_account`], with one identifier more: a
/// hit's `fakeid` *is* its `__biz`, so an account registered by `__biz`
/// is the hit with that `fakeid`, whatever its name. Otherwise by 微信号
/// (`alias`), then by a unique, uncontradicted nickname.
pub fn pick_biz<'a>(hits: &'a [BizHit], platform_id: &str, name: Option<&str>) -> Result<&'a BizHit, String> {
    if super::looks_like_biz(platform_id) {
        if let Some(hit) = hits.iter().find(|h| crate::model::same_account_id(&h.fakeid, platform_id)) {
            return Ok(hit);
        }
        return Err(format!("no searchbiz result with fakeid (__biz) {platform_id:?} among {}", hits.len()));
    }
    let shown: Vec<(Option<&str>, &str)> = hits.iter().map(|h| (h.alias.as_deref(), h.nickname.as_str())).collect();
    super::sogou::pick_index(&shown, platform_id, name)
        .map(|i| &hits[i])
        .map_err(|why| why.replace("Sogou results", "searchbiz results"))
}
