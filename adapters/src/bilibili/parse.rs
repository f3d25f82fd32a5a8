//! Pure parsers for Bilibili's web API answers: bytes in, observation or
//! classified failure out. No I/O, no clock.
//!
//! Every answer is `{"code": N, "message": "...", "data": ...}`. `code` 0
//! is success, except that a request whose WBI signature is missing or
//! stale gets `code: 0` with `data.v_voucher` instead of data: a refusal,
//! not an answer. `-352` (risk control) and `-412` (request intercepted)
//! are refusals too. Only `-404` from `acc/info` and `silence: 1` are the
//! platform's word about an account.

use crate::feed::response::{ResponseMeta, classify_status, empty_body, refusal_in_page, title_suffix};
use crate::model::{CommentState, Counts, MessageEntry, Post, Profile, RepostOf, SearchHit, Timeline, same_account_id};
use crate::outcome::FetchFailure;
use crate::text::{decode_body, html_to_text};
use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use super::wbi::WbiKeys;

/// A profile plus the Bilibili facts behind its verification fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BilibiliProfile {
    #[serde(flatten)]
    pub profile: Profile,
    /// `official.role` from `acc/info` (6 = government; see
    /// [`official_role_name`]). `None` from the live fallback, which does
    /// not carry it.
    pub official_role: Option<i64>,
    /// `official.type` / `official_verify.type`: -1 none, 0 personal,
    /// 1 institutional.
    pub official_type: Option<i64>,
    pub level: Option<i64>,
    /// Which endpoint answered: `acc/info` or `live master info`.
    pub from: &'static str,
}

/// What `official.role` means (`docs/user/official_role.md`).
pub fn official_role_name(role: i64) -> &'static str {
    match role {
        0 => "none",
        1 | 2 | 7 | 9 => "personal",
        3 => "enterprise",
        4 => "organisation",
        5 => "media",
        6 => "government",
        _ => "unknown",
    }
}

/// The `code` / `message` envelope with its data, after the refusals every
/// endpoint shares were taken out.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub code: i64,
    pub message: String,
    pub value: Value,
}

impl Envelope {
    pub fn data(&self) -> Option<&Value> {
        self.value.get("data").filter(|d| !d.is_null())
    }

    fn unknown(&self, url: &str) -> FetchFailure {
        FetchFailure::parse(url, "code", format!("code {} not understood here (message {:?})", self.code, self.message))
    }
}

/// Classifies transport, page and shared API failures; returns the JSON
/// envelope for the endpoint to read.
pub fn classify(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<Envelope, FetchFailure> {
    let (text, _) = decode_body(body, meta.content_type);
    let http_status = Some(meta.status);
    if meta.status == 412 {
        // Bilibili's risk control answers HTTP 412 (with or without its
        // `{"code":-412,"message":"请求被拦截"}` body).
        return Err(FetchFailure::Blocked {
            url: url.to_string(),
            http_status,
            detail: format!("HTTP 412: Bilibili risk control intercepted the request{}", title_suffix(&text)),
        });
    }
    classify_status(meta, &text, url, "API answer")?;
    if let Some(f) = empty_body(meta, &text, url) {
        return Err(f);
    }
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') {
        if let Some(f) = refusal_in_page(&text, meta.status, url) {
            return Err(f);
        }
        return Err(FetchFailure::parse(
            url,
            "body",
            format!("expected JSON, got a page{} (HTTP {})", title_suffix(&text), meta.status),
        ));
    }
    let value: Value = match serde_json::from_str(trimmed) {
        Ok(v) => v,
        Err(e) if e.is_eof() => {
            return Err(FetchFailure::Network {
                url: url.to_string(),
                http_status,
                timeout: false,
                detail: format!("truncated JSON ({} bytes, cut short: {e})", body.len()),
            });
        }
        Err(e) => {
            return Err(FetchFailure::parse(url, "body", format!("invalid JSON: {e}")));
        }
    };
    let Some(code) = value.get("code").and_then(as_i64) else {
        return Err(FetchFailure::parse(url, "code", "no `code`: JSON of another shape"));
    };
    let message = ["message", "msg"]
        .iter()
        .find_map(|k| value.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()))
        .unwrap_or("")
        .to_string();
    let refusal = |detail: String| FetchFailure::Blocked { url: url.to_string(), http_status, detail };
    match code {
        0 => {
            if let Some(voucher) = value.pointer("/data/v_voucher").and_then(Value::as_str) {
                // The documented answer to a missing or stale WBI signature
                // (and to clients the risk control does not like).
                return Err(refusal(format!(
                    "code 0 with data.v_voucher {voucher:?} instead of data: the request was refused (WBI signature rejected or risk control)"
                )));
            }
        }
        -352 => {
            return Err(FetchFailure::Throttled {
                url: url.to_string(),
                http_status,
                retry_after_secs: None,
                detail: format!("code -352 ({message:?}): Bilibili risk control; try later or with a fresh buvid3"),
            });
        }
        -412 => {
            return Err(refusal(format!("code -412 ({message:?}): request intercepted by risk control")));
        }
        -403 => return Err(refusal(format!("code -403 ({message:?}): access denied"))),
        -509 | -799 => {
            return Err(FetchFailure::Throttled {
                url: url.to_string(),
                http_status,
                retry_after_secs: None,
                detail: format!("code {code} ({message:?}): too many requests"),
            });
        }
        _ => {}
    }
    Ok(Envelope { code, message, value })
}

// ---------------------------------------------------------------------
// Session: WBI keys and buvid3
// ---------------------------------------------------------------------

/// `x/web-interface/nav`: the WBI keys. Logged out it answers `code: -101`
/// (账号未登录) with `data.wbi_img`, which is all we need.
pub fn parse_nav(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<WbiKeys, FetchFailure> {
    let env = classify(meta, body, url)?;
    if !matches!(env.code, 0 | -101) {
        return Err(env.unknown(url));
    }
    let img = env.value.pointer("/data/wbi_img/img_url").and_then(Value::as_str);
    let sub = env.value.pointer("/data/wbi_img/sub_url").and_then(Value::as_str);
    match (img, sub) {
        (Some(img), Some(sub)) => WbiKeys::from_urls(img, sub)
            .ok_or_else(|| FetchFailure::parse(url, "data.wbi_img", format!("no key in {img:?} / {sub:?}"))),
        _ => Err(FetchFailure::parse(url, "data.wbi_img", "missing img_url or sub_url")),
    }
}

/// `x/frontend/finger/spi`: `data.b_3` is a `buvid3`, `data.b_4` a
/// `buvid4`; Bilibili's web pages set the same as cookies.
pub fn parse_spi(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<Vec<(String, String)>, FetchFailure> {
    let env = classify(meta, body, url)?;
    if env.code != 0 {
        return Err(env.unknown(url));
    }
    let mut cookies = Vec::new();
    for (key, name) in [("b_3", "buvid3"), ("b_4", "buvid4")] {
        if let Some(v) = env.value.pointer(&format!("/data/{key}")).and_then(Value::as_str).filter(|v| cookie_safe(v)) {
            cookies.push((name.to_string(), v.to_string()));
        }
    }
    if !cookies.iter().any(|(n, _)| n == "buvid3") {
        return Err(FetchFailure::parse(url, "data.b_3", "no buvid3 in the answer"));
    }
    Ok(cookies)
}

fn cookie_safe(v: &str) -> bool {
    !v.is_empty() && v.len() < 512 && v.bytes().all(|b| b.is_ascii_graphic() && b != b';' && b != b',')
}

// ---------------------------------------------------------------------
// Profiles
// ---------------------------------------------------------------------

/// Parses a saved `acc/info` answer as if served with HTTP 200.
pub fn parse_acc_info(body: &[u8], url: &str) -> Result<BilibiliProfile, FetchFailure> {
    parse_acc_info_response(&ResponseMeta::OK, body, url)
}

/// `x/space/wbi/acc/info?mid=`: name, sign, level, `official`, `silence`.
/// `-404` (啥都木有) = no such user; `silence: 1` = banned. The profile's
/// `platform_id` is `data.mid` as the answer states it.
pub fn parse_acc_info_response(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<BilibiliProfile, FetchFailure> {
    acc_info(meta, body, url, None)
}

/// [`parse_acc_info_response`] for a request about `asked`: an answer
/// whose `data.mid` is another account is `wrong_account`, decided before
/// its `silence` flag is read, so another account's ban is never taken as
/// this account's.
pub fn parse_acc_info_for(
    meta: &ResponseMeta,
    body: &[u8],
    url: &str,
    asked: &str,
) -> Result<BilibiliProfile, FetchFailure> {
    acc_info(meta, body, url, Some(asked))
}

fn acc_info(meta: &ResponseMeta, body: &[u8], url: &str, asked: Option<&str>) -> Result<BilibiliProfile, FetchFailure> {
    let env = classify(meta, body, url)?;
    match env.code {
        0 => {}
        -404 => {
            return Err(FetchFailure::NotFound {
                url: url.to_string(),
                detail: format!("acc/info: code -404 ({:?}): no such user", env.message),
            });
        }
        -400 => {
            return Err(FetchFailure::parse(url, "mid", format!("code -400 ({:?}): bad request", env.message)));
        }
        -101 => {
            return Err(FetchFailure::LoginRequired {
                url: url.to_string(),
                http_status: Some(meta.status),
                detail: format!("code -101 ({:?})", env.message),
            });
        }
        _ => return Err(env.unknown(url)),
    }
    let data = env.data().and_then(Value::as_object).ok_or_else(|| FetchFailure::parse(url, "data", "missing"))?;
    let mid = data.get("mid").and_then(id_string).ok_or_else(|| FetchFailure::parse(url, "data.mid", "missing"))?;
    if let Some(asked) = asked.filter(|a| !same_account_id(a, &mid)) {
        return Err(FetchFailure::wrong_account(url, asked, &mid, "acc/info answered with another account's data.mid"));
    }
    let name = non_empty(data.get("name")).ok_or_else(|| FetchFailure::parse(url, "data.name", "missing"))?;
    if data.get("silence").and_then(as_i64) == Some(1) {
        return Err(FetchFailure::Banned {
            url: url.to_string(),
            detail: format!("acc/info: silence = 1 (account {mid} {name:?} is banned)"),
        });
    }
    let official = data.get("official");
    let role = official.and_then(|o| o.get("role")).and_then(as_i64);
    let title = official.and_then(|o| non_empty(o.get("title")));
    Ok(BilibiliProfile {
        profile: Profile {
            platform_id: mid,
            display_name: name,
            description: non_empty(data.get("sign")),
            verified: role.map(|r| r != 0),
            verified_type: role.map(|r| r.to_string()),
            verified_entity: title,
            followers: None,
            post_count: None,
            private_message: MessageEntry::Unknown,
            comment_policy: CommentState::Unknown,
        },
        official_role: role,
        official_type: official.and_then(|o| o.get("type")).and_then(as_i64),
        level: data.get("level").and_then(as_i64),
        from: "acc/info",
    })
}

/// The field a `Master/info` answer with an empty `info` (uid 0) fails on:
/// the client reads it as the live endpoint knowing no such user.
pub const EMPTY_MASTER_INFO_FIELD: &str = "data.info.uname";

/// Parses a saved live `Master/info` answer as if served with HTTP 200.
pub fn parse_master_info(body: &[u8], url: &str) -> Result<BilibiliProfile, FetchFailure> {
    parse_master_info_response(&ResponseMeta::OK, body, url)
}

/// `live_user/v1/Master/info?uid=` (no signature): `data.info.uname`,
/// `official_verify {type, desc}`, `follower_num`. It has no `official.role`
/// and no ban flag, and an empty `info` is not the platform saying the
/// user does not exist, so it never decides existence.
pub fn parse_master_info_response(
    meta: &ResponseMeta,
    body: &[u8],
    url: &str,
) -> Result<BilibiliProfile, FetchFailure> {
    let env = classify(meta, body, url)?;
    if env.code != 0 {
        return Err(env.unknown(url));
    }
    let info = env
        .value
        .pointer("/data/info")
        .and_then(Value::as_object)
        .ok_or_else(|| FetchFailure::parse(url, "data.info", "missing"))?;
    let uid = info.get("uid").and_then(id_string).filter(|u| u != "0");
    let name = non_empty(info.get("uname"));
    let (Some(uid), Some(name)) = (uid, name) else {
        return Err(FetchFailure::parse(url, EMPTY_MASTER_INFO_FIELD, "empty user info: cannot tell who this is"));
    };
    let ov = info.get("official_verify");
    let ov_type = ov.and_then(|o| o.get("type")).and_then(as_i64);
    let desc = ov.and_then(|o| non_empty(o.get("desc")));
    Ok(BilibiliProfile {
        profile: Profile {
            platform_id: uid,
            display_name: name,
            description: None,
            verified: ov_type.map(|t| t >= 0),
            verified_type: None,
            verified_entity: desc.as_deref().map(strip_verify_prefix).filter(|_| ov_type.is_some_and(|t| t >= 0)),
            followers: env.value.pointer("/data/follower_num").and_then(as_i64),
            post_count: None,
            private_message: MessageEntry::Unknown,
            comment_policy: CommentState::Unknown,
        },
        official_role: None,
        official_type: ov_type,
        level: None,
        from: "live master info",
    })
}

/// `bilibili企业认证:明日方舟官方账号` → `明日方舟官方账号`: the live API
/// prefixes the kind of verification; `official.title` does not.
fn strip_verify_prefix(desc: &str) -> String {
    match desc.find([':', '：']) {
        Some(at) if desc[..at].contains("认证") => {
            let rest = desc[at..].trim_start_matches([':', '：']).trim();
            if rest.is_empty() { desc.to_string() } else { rest.to_string() }
        }
        _ => desc.to_string(),
    }
}

// ---------------------------------------------------------------------
// Dynamics (the timeline)
// ---------------------------------------------------------------------

/// Parses a saved dynamic-feed answer as if served with HTTP 200.
pub fn parse_dynamics(body: &[u8], url: &str) -> Result<Timeline, FetchFailure> {
    parse_dynamics_response(&ResponseMeta::OK, body, url)
}

/// `x/polymer/web-dynamic/v1/feed/space?host_mid=&offset=`: one page of
/// an account's dynamics. `next_cursor` is `data.offset` while
/// `data.has_more`; `more` is `has_more` as stated (`None` when absent).
///
/// `owner` is the account the answer states it is about: `data.host_mid`
/// when the answer carries it, otherwise the `module_author.mid` that
/// authored most items (a space feed may show a co-published item by
/// another author, so one foreign item does not make the page foreign).
///
/// An empty page is returned as an empty timeline: with `has_more` true
/// or absent it proves nothing ([`Timeline::completeness`] is
/// `Unresolved`), and even a coherent empty last page is only `Nothing`
/// when a post count corroborates it, which this answer never carries.
pub fn parse_dynamics_response(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<Timeline, FetchFailure> {
    let env = classify(meta, body, url)?;
    if env.code != 0 {
        return Err(env.unknown(url));
    }
    let data = env.data().ok_or_else(|| FetchFailure::parse(url, "data", "missing"))?;
    let items = data
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| FetchFailure::parse(url, "data.items", "missing or not an array"))?;
    let has_more = data.get("has_more").and_then(Value::as_bool);
    let mut posts = Vec::new();
    let mut authors: Vec<(String, usize)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("data.items[{i}]");
        let item = item.as_object().ok_or_else(|| FetchFailure::parse(url, &path, "not an object"))?;
        if item.get("type").and_then(Value::as_str) == Some("DYNAMIC_TYPE_NONE") {
            // A placeholder for something deleted: nothing was published.
            continue;
        }
        if let Some(mid) = item.get("modules").and_then(|m| m.pointer("/module_author/mid")).and_then(id_string) {
            if mid != "0" {
                match authors.iter_mut().find(|(m, _)| *m == mid) {
                    Some((_, n)) => *n += 1,
                    None => authors.push((mid, 1)),
                }
            }
        }
        posts.push(parse_item(item, &path, url)?);
    }
    let host_mid = data.get("host_mid").and_then(id_string).filter(|m| m != "0");
    let next_cursor = if has_more == Some(true) {
        data.get("offset").and_then(id_string).filter(|o| !o.is_empty() && o != "0")
    } else {
        None
    };
    let mut t = Timeline::new(posts, next_cursor, None);
    t.owner = host_mid.or_else(|| majority(authors));
    t.more = has_more;
    Ok(t)
}

/// The most frequent id; on a tie the first seen.
fn majority(counts: Vec<(String, usize)>) -> Option<String> {
    let mut best: Option<(String, usize)> = None;
    for (id, n) in counts {
        if best.as_ref().is_none_or(|(_, m)| n > *m) {
            best = Some((id, n));
        }
    }
    best.map(|(id, _)| id)
}

fn parse_item(item: &Map<String, Value>, path: &str, url: &str) -> Result<Post, FetchFailure> {
    let id = item
        .get("id_str")
        .and_then(id_string)
        .ok_or_else(|| FetchFailure::parse(url, format!("{path}.id_str"), "missing"))?;
    let modules = item.get("modules").ok_or_else(|| FetchFailure::parse(url, format!("{path}.modules"), "missing"))?;
    let author = modules.get("module_author");
    let published_at =
        author.and_then(|a| a.get("pub_ts")).and_then(as_i64).filter(|ts| *ts > 0).and_then(unix_secs).ok_or_else(
            || FetchFailure::parse(url, format!("{path}.modules.module_author.pub_ts"), "missing or not a unix time"),
        )?;
    let pinned = modules
        .get("module_tag")
        .and_then(|t| t.get("text"))
        .and_then(Value::as_str)
        .is_some_and(|t| t.trim() == "置顶");
    let repost_of = match item.get("type").and_then(Value::as_str) {
        Some("DYNAMIC_TYPE_FORWARD") => Some(repost_source(item.get("orig"))),
        _ => None,
    };
    let stat = modules.get("module_stat");
    let count = |k: &str| stat.and_then(|s| s.get(k)).and_then(|c| c.get("count")).and_then(as_i64);
    // `forbidden` is what the page reads to grey out the comment box
    // (文档: 是否屏蔽). Absent = the answer said nothing.
    let comment_state =
        match stat.and_then(|s| s.get("comment")).and_then(|c| c.get("forbidden")).and_then(Value::as_bool) {
            Some(true) => CommentState::Closed,
            Some(false) => CommentState::Open,
            None => CommentState::Unknown,
        };
    let major = modules.get("module_dynamic").and_then(|d| d.get("major"));
    let bvid = major.and_then(|m| m.pointer("/archive/bvid")).and_then(Value::as_str).map(str::to_string);
    Ok(Post {
        url: Some(format!("https://t.bilibili.com/{id}")),
        id,
        alt_id: bvid,
        published_at,
        published_at_exact: true,
        text: item_text(modules),
        text_truncated: false,
        is_original: repost_of.is_none(),
        is_pinned: pinned,
        repost_of,
        comment_state,
        counts: Counts { reposts: count("forward"), comments: count("comment"), likes: count("like") },
    })
}

/// The original of a forward. A deleted original (`DYNAMIC_TYPE_NONE`,
/// `id_str: null`, "源动态已被作者删除") is still a source, unavailable.
fn repost_source(orig: Option<&Value>) -> RepostOf {
    let Some(orig) = orig else {
        return RepostOf {
            post_id: String::new(),
            post_alt_id: None,
            author_id: None,
            author_name: None,
            published_at: None,
            available: false,
        };
    };
    let author = orig.pointer("/modules/module_author");
    let deleted = orig.get("type").and_then(Value::as_str) == Some("DYNAMIC_TYPE_NONE")
        || orig.get("visible").and_then(Value::as_bool) == Some(false);
    RepostOf {
        post_id: orig.get("id_str").and_then(id_string).unwrap_or_default(),
        post_alt_id: orig
            .pointer("/modules/module_dynamic/major/archive/bvid")
            .and_then(Value::as_str)
            .map(str::to_string),
        author_id: author.and_then(|a| a.get("mid")).and_then(id_string).filter(|m| m != "0"),
        author_name: author.and_then(|a| non_empty(a.get("name"))),
        published_at: author.and_then(|a| a.get("pub_ts")).and_then(as_i64).filter(|ts| *ts > 0).and_then(unix_secs),
        available: !deleted,
    }
}

/// The words of a dynamic: its own text, then what its major part shows
/// (opus title and summary, video title, article title).
fn item_text(modules: &Value) -> String {
    let dynamic = modules.get("module_dynamic");
    let major = dynamic.and_then(|d| d.get("major"));
    let pointers = [
        "/opus/title",
        "/opus/summary/text",
        "/archive/title",
        "/article/title",
        "/common/title",
        "/live_rcmd/content",
    ];
    let mut parts: Vec<String> = Vec::new();
    if let Some(t) = dynamic.and_then(|d| d.pointer("/desc/text")).and_then(Value::as_str) {
        parts.push(t.trim().to_string());
    }
    for p in pointers {
        if let Some(t) = major.and_then(|m| m.pointer(p)).and_then(Value::as_str) {
            let t = t.trim();
            if !t.is_empty() && !parts.iter().any(|q| q == t) && p != "/live_rcmd/content" {
                parts.push(t.to_string());
            }
        }
    }
    parts.retain(|p| !p.is_empty());
    parts.join("\n")
}

// ---------------------------------------------------------------------
// User search
// ---------------------------------------------------------------------

/// Parses a saved user-search answer as if served with HTTP 200.
pub fn parse_user_search(body: &[u8], url: &str) -> Result<Vec<SearchHit>, FetchFailure> {
    parse_user_search_response(&ResponseMeta::OK, body, url)
}

/// `x/web-interface/wbi/search/type?search_type=bili_user&keyword=`: users
/// whose name matches. `official_verify.type` 0 = personal, 1 =
/// institutional, 127 (or -1) = none. Names come with `<em>` highlights.
pub fn parse_user_search_response(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<Vec<SearchHit>, FetchFailure> {
    let env = classify(meta, body, url)?;
    if env.code != 0 {
        return Err(env.unknown(url));
    }
    let data = env.data().ok_or_else(|| FetchFailure::parse(url, "data", "missing"))?;
    let results = match data.get("result") {
        Some(Value::Array(a)) => a.as_slice(),
        // No hits: `result` is absent (or null) and numResults is 0.
        None | Some(Value::Null) if data.get("numResults").and_then(as_i64).unwrap_or(0) == 0 => &[],
        _ => {
            return Err(FetchFailure::parse(url, "data.result", "missing or not an array"));
        }
    };
    let mut hits = Vec::new();
    for (i, r) in results.iter().enumerate() {
        if r.get("type").and_then(Value::as_str).is_some_and(|t| t != "bili_user") {
            continue;
        }
        let mid = r
            .get("mid")
            .and_then(id_string)
            .ok_or_else(|| FetchFailure::parse(url, format!("data.result[{i}].mid"), "missing"))?;
        let name = r
            .get("uname")
            .and_then(Value::as_str)
            .map(html_to_text)
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| FetchFailure::parse(url, format!("data.result[{i}].uname"), "missing"))?;
        let ov_type = r.get("official_verify").and_then(|o| o.get("type")).and_then(as_i64);
        let verified = ov_type.map(|t| t == 0 || t == 1);
        hits.push(SearchHit {
            profile_url: Some(format!("https://space.bilibili.com/{mid}")),
            platform_id: mid,
            display_name: name.trim().to_string(),
            verified,
            verified_type: ov_type.map(|t| t.to_string()),
            verified_entity: r
                .get("official_verify")
                .and_then(|o| non_empty(o.get("desc")))
                .filter(|_| verified == Some(true)),
            followers: r.get("fans").and_then(as_i64),
            description: non_empty(r.get("usign")),
        });
    }
    Ok(hits)
}

// ---------------------------------------------------------------------
// Value helpers
// ---------------------------------------------------------------------

fn unix_secs(ts: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(ts, 0).single()
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Ids come as numbers or strings; dynamic ids exceed 2^53, so numbers
/// are taken by their exact text.
fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

fn non_empty(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_prefix_is_stripped_only_when_it_names_a_verification() {
        assert_eq!(strip_verify_prefix("bilibili企业认证:明日方舟官方账号"), "明日方舟官方账号");
        assert_eq!(strip_verify_prefix("bilibili机构认证：某市人民政府"), "某市人民政府");
        assert_eq!(strip_verify_prefix("时间:2024"), "时间:2024");
    }

    #[test]
    fn shared_refusals() {
        let m = ResponseMeta::OK;
        let c = |b: &str| classify(&m, b.as_bytes(), "u").map(|e| e.code);
        assert!(matches!(c(r#"{"code":-352,"message":"风控校验失败"}"#), Err(FetchFailure::Throttled { .. })));
        assert!(matches!(c(r#"{"code":-412,"message":"请求被拦截"}"#), Err(FetchFailure::Blocked { .. })));
        assert!(matches!(
            c(r#"{"code":0,"message":"0","data":{"v_voucher":"voucher_x"}}"#),
            Err(FetchFailure::Blocked { .. })
        ));
        assert!(matches!(c(r#"{"code":-799,"message":"请求过于频繁"}"#), Err(FetchFailure::Throttled { .. })));
        assert!(matches!(c(r#"{"code":0,"data":{"items":["#), Err(FetchFailure::Network { .. })));
        assert!(matches!(c(r#"{"ok":1}"#), Err(FetchFailure::ParseError { .. })));
        assert_eq!(c(r#"{"code":-404,"message":"啥都木有"}"#).unwrap(), -404);
        let r412 = ResponseMeta { status: 412, ..ResponseMeta::OK };
        assert!(matches!(classify(&r412, b"", "u"), Err(FetchFailure::Blocked { http_status: Some(412), .. })));
    }
}
