//! Pure parsers for what a Douyin profile page receives.
//!
//! Field names follow the web API (`platforms.md` §4.3); the server-rendered
//! `RENDER_DATA` carries the same fields in camelCase (`createTime`,
//! `awemeId`, `customVerify`), so every field is looked up both ways
//! ([`crate::browser::extract::field`]).

use crate::browser::extract::{self, BlobError, field};
use crate::browser::platform::{PageParser, PageReading};
use crate::browser::{PageLoad, classify_unreadable_page};
use crate::feed::response::{ResponseMeta, classify_status, contains_any, refusal_in_page, title_suffix};
use crate::model::{Capture, CommentState, Counts, MessageEntry, Platform, Post, Profile, Timeline, same_account_id};
use crate::outcome::{FetchFailure, SourceName};
use crate::text::decode_body;
use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use serde_json::Value;
use crate::json_value::{as_bool_like, as_i64, id_string};

pub const SRC_PAGE: SourceName = "www.douyin.com profile page (browser)";
const PROFILE_API: &str = "/aweme/v1/web/user/profile/other";
const POSTS_API: &str = "/aweme/v1/web/aweme/post";

/// A Douyin profile plus the raw verification and DM fields behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DouyinProfile {
    #[serde(flatten)]
    pub profile: Profile,
    pub uid: Option<String>,
    /// 抖音号.
    pub unique_id: Option<String>,
    /// The personal (yellow V) verification text.
    pub custom_verify: Option<String>,
    /// The institutional (blue V) verification text.
    pub enterprise_verify_reason: Option<String>,
    pub verification_type: Option<i64>,
    pub is_gov_media_vip: Option<bool>,
    /// Whether the profile shows the DM entry, as the platform said it.
    pub message_chat_entry: Option<bool>,
    pub ip_location: Option<String>,
}

// ---------------------------------------------------------------------
// The API answers
// ---------------------------------------------------------------------

/// The `status_code` envelope of the web API.
fn classify_api(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<Value, FetchFailure> {
    let (text, _) = decode_body(body, meta.content_type);
    classify_status(meta, &text, url, "API answer")?;
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed == "blocked" {
        // An unsigned or distrusted request gets an empty 200 (MediaCrawler
        // `request`: "blocked").
        return Err(FetchFailure::Blocked {
            url: url.to_string(),
            http_status: Some(meta.status),
            detail: format!(
                "{} answer: Douyin's refusal of an unsigned or distrusted request",
                if trimmed.is_empty() { "empty" } else { "\"blocked\"" }
            ),
        });
    }
    if !trimmed.starts_with('{') {
        return Err(refusal_in_page(&text, meta.status, url).unwrap_or_else(|| {
            FetchFailure::parse(url, "body", format!("expected JSON, got a page{}", title_suffix(&text)))
        }));
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
        Err(e) => {
            return Err(FetchFailure::parse(url, "body", format!("invalid JSON: {e}")));
        }
    };
    let code = v.get("status_code").and_then(as_i64);
    let msg = v.get("status_msg").and_then(Value::as_str).unwrap_or("").to_string();
    match code {
        Some(0) => Ok(v),
        Some(c) => {
            let detail = format!("status_code {c}, status_msg {msg:?}");
            // No Douyin web `status_code` is documented anywhere we could
            // read (MediaCrawler, f2, Douyin_TikTok_Download_API and RSSHub
            // only test `status_code == 0`), so none is believed to mean
            // "no such account" or "banned". `status_msg` is words: "用户不存在
            // 或网络错误" is also what a distrusted or unsigned request gets, and
            // "请求违反安全策略" is the security filter refusing us. Only the
            // user object's own fields (`is_ban`, `user_canceled`) of an
            // answer about the account asked for decide existence.
            if contains_any(&msg, &["安全策略", "违反", "用户不存在", "网络错误"]) {
                return Err(FetchFailure::Blocked {
                    url: url.to_string(),
                    http_status: Some(meta.status),
                    detail: format!("{detail}: a refusal in words (also served to distrusted clients), not the platform's word about the account"),
                });
            }
            if contains_any(&msg, &["频繁", "稍后"]) {
                return Err(FetchFailure::Throttled {
                    url: url.to_string(),
                    http_status: Some(meta.status),
                    retry_after_secs: None,
                    detail,
                });
            }
            if msg.contains("登录") {
                return Err(FetchFailure::LoginRequired { url: url.to_string(), http_status: Some(meta.status), detail });
            }
            Err(FetchFailure::parse(
                url,
                "status_code",
                format!("{detail} not understood (words such as 注销/封禁 are not believed without a structured field)"),
            ))
        }
        None => Err(FetchFailure::parse(url, "status_code", "no status_code: JSON of another shape")),
    }
}

/// Parses a saved `user/profile/other` answer as if served with HTTP 200.
pub fn parse_profile_api(body: &[u8], url: &str) -> Result<DouyinProfile, FetchFailure> {
    parse_profile_api_response(&ResponseMeta::OK, body, url)
}

pub fn parse_profile_api_response(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<DouyinProfile, FetchFailure> {
    parse_profile_api_for(meta, body, url, None)
}

/// [`parse_profile_api_response`] for a request about `asked` (a sec_uid
/// or uid): a `user` stating other ids is `wrong_account`, decided before
/// its `is_ban` / `user_canceled` are read, so another account's ban is
/// never taken as this account's.
pub fn parse_profile_api_for(
    meta: &ResponseMeta,
    body: &[u8],
    url: &str,
    asked: Option<&str>,
) -> Result<DouyinProfile, FetchFailure> {
    let v = classify_api(meta, body, url)?;
    let user = v.get("user").filter(|u| u.is_object()).ok_or_else(|| FetchFailure::parse(url, "user", "missing"))?;
    check_user(user, asked, url, "user")?;
    user_profile(user, url, "user")
}

/// The ids a user object states: `sec_uid` and `uid` (either case).
fn user_ids(user: &Value) -> (Option<String>, Option<String>) {
    (field(user, "sec_uid").and_then(id_string), field(user, "uid").and_then(id_string).filter(|u| u != "0"))
}

/// Whether the user object is the account asked for (by sec_uid or uid).
/// A user that states neither id cannot be checked and passes.
fn check_user(user: &Value, asked: Option<&str>, url: &str, path: &str) -> Result<(), FetchFailure> {
    let Some(asked) = asked else { return Ok(()) };
    let (sec_uid, uid) = user_ids(user);
    let stated: Vec<&String> = sec_uid.iter().chain(uid.iter()).collect();
    if stated.is_empty() || stated.iter().any(|id| same_account_id(asked, id)) {
        return Ok(());
    }
    Err(FetchFailure::wrong_account(url, asked, stated[0], format!("{path} states another account")))
}

/// Whether a timeline states another owner than `asked`; a Douyin owner
/// is a sec_uid, but a registry may know the account by its uid, which
/// the posts' authors also state.
fn check_owner(t: &Timeline, uids: &[String], asked: Option<&str>, url: &str) -> Result<(), FetchFailure> {
    let Some(asked) = asked else { return Ok(()) };
    match t.wrong_owner(asked) {
        Some(found) if !uids.iter().any(|u| same_account_id(asked, u)) => {
            Err(FetchFailure::wrong_account(url, asked, found, "the posts' author is another account"))
        }
        _ => Ok(()),
    }
}

/// Parses a saved `aweme/post` answer as if served with HTTP 200. An empty
/// `aweme_list` is returned as an empty timeline: whether that means "no
/// posts" or "not served to us" is decided with the profile's
/// `aweme_count` ([`decide_timeline`]).
pub fn parse_posts_api(body: &[u8], url: &str) -> Result<Timeline, FetchFailure> {
    parse_posts_api_response(&ResponseMeta::OK, body, url)
}

/// `aweme/post`: the posts, `more` from `has_more` (0/1 or bool; `None`
/// when absent), the next `max_cursor`, and `owner`: the sec_uid of the
/// items' author (the most frequent, a collaboration may show another).
pub fn parse_posts_api_response(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<Timeline, FetchFailure> {
    posts_api(meta, body, url).map(|(t, _)| t)
}

/// [`parse_posts_api_response`] for a request about `asked`: a list whose
/// authors are another account is `wrong_account`.
pub fn parse_posts_api_for(
    meta: &ResponseMeta,
    body: &[u8],
    url: &str,
    asked: Option<&str>,
) -> Result<Timeline, FetchFailure> {
    let (t, uids) = posts_api(meta, body, url)?;
    check_owner(&t, &uids, asked, url)?;
    Ok(t)
}

fn posts_api(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<(Timeline, Vec<String>), FetchFailure> {
    let v = classify_api(meta, body, url)?;
    let list = match v.get("aweme_list") {
        Some(Value::Array(a)) => a.as_slice(),
        Some(Value::Null) | None => &[],
        Some(_) => return Err(FetchFailure::parse(url, "aweme_list", "not an array")),
    };
    let posts = posts_from(list, "aweme_list", url)?;
    let more = v.get("has_more").and_then(as_bool_like);
    let next_cursor = (more == Some(true)).then(|| v.get("max_cursor").and_then(id_string)).flatten();
    let mut t = Timeline::new(posts, next_cursor, None);
    let (owner, uids) = list_owner(list);
    t.owner = owner;
    t.more = more;
    Ok((t, uids))
}

/// The sec_uid most items' `author` states, and every uid stated.
fn list_owner(list: &[Value]) -> (Option<String>, Vec<String>) {
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut uids: Vec<String> = Vec::new();
    for a in list {
        let Some(author) = field(a, "author") else { continue };
        let (sec_uid, uid) = user_ids(author);
        if let Some(uid) = uid.filter(|u| !uids.contains(u)) {
            uids.push(uid);
        }
        if let Some(sec) = sec_uid {
            match counts.iter_mut().find(|(s, _)| *s == sec) {
                Some((_, n)) => *n += 1,
                None => counts.push((sec, 1)),
            }
        }
    }
    let mut best: Option<(String, usize)> = None;
    for (id, n) in counts {
        if best.as_ref().is_none_or(|(_, m)| n > *m) {
            best = Some((id, n));
        }
    }
    (best.map(|(id, _)| id), uids)
}

// ---------------------------------------------------------------------
// The server-rendered page
// ---------------------------------------------------------------------

/// What `RENDER_DATA` of a profile page holds.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedProfilePage {
    pub profile: Option<Result<DouyinProfile, FetchFailure>>,
    pub posts: Option<Result<Timeline, FetchFailure>>,
    /// `isSpider: true`: the page was served as to a crawler (degraded).
    pub is_spider: bool,
}

/// Reads `RENDER_DATA` from a profile page's HTML: the entry with `user`
/// and `post` (RSSHub `douyin/user.ts`), `user.user` and `post.data`.
pub fn parse_render_data(html: &str, url: &str) -> Result<RenderedProfilePage, BlobError> {
    parse_render_data_for(html, url, None)
}

/// [`parse_render_data`] for a page about `asked`: a rendered user or
/// post list about another account is `wrong_account`.
pub fn parse_render_data_for(html: &str, url: &str, asked: Option<&str>) -> Result<RenderedProfilePage, BlobError> {
    let data = extract::render_data(html)?;
    let is_spider = data.get("isSpider").and_then(Value::as_bool) == Some(true)
        || data.pointer("/app/isSpider").and_then(Value::as_bool) == Some(true);
    let entry = data.as_object().and_then(|o| o.values().find(|v| v.get("user").is_some() && v.get("post").is_some()));
    let Some(entry) = entry else {
        return Ok(RenderedProfilePage { profile: None, posts: None, is_spider });
    };
    let profile = entry
        .pointer("/user/user")
        .filter(|u| u.is_object() && !u.as_object().is_some_and(|o| o.is_empty()))
        .map(|u| check_user(u, asked, url, "RENDER_DATA.user.user").and_then(|()| user_profile(u, url, "RENDER_DATA.user.user")));
    let posts = entry.pointer("/post/data").and_then(Value::as_array).map(|list| {
        posts_from(list, "RENDER_DATA.post.data", url).map(|posts| {
            let more = entry.pointer("/post/hasMore").and_then(as_bool_like);
            let cursor = entry.pointer("/post/maxCursor").and_then(id_string);
            let mut t = Timeline::new(posts, if more == Some(true) { cursor } else { None }, None);
            let (owner, uids) = list_owner(list);
            t.owner = owner;
            t.more = more;
            (t, uids)
        })
        .and_then(|(t, uids)| check_owner(&t, &uids, asked, url).map(|()| t))
    });
    Ok(RenderedProfilePage { profile, posts, is_spider })
}

// ---------------------------------------------------------------------
// Users and posts (snake_case API or camelCase render data)
// ---------------------------------------------------------------------

fn user_profile(user: &Value, url: &str, path: &str) -> Result<DouyinProfile, FetchFailure> {
    let s =
        |k: &str| field(user, k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let nickname = s("nickname").ok_or_else(|| FetchFailure::parse(url, format!("{path}.nickname"), "missing"))?;
    let sec_uid = s("sec_uid");
    let uid = field(user, "uid").and_then(id_string);
    let platform_id = sec_uid
        .clone()
        .or_else(|| uid.clone())
        .ok_or_else(|| FetchFailure::parse(url, format!("{path}.sec_uid"), "missing"))?;
    if field(user, "is_ban").and_then(as_bool_like) == Some(true) {
        return Err(FetchFailure::Banned {
            url: url.to_string(),
            detail: format!("{path}.is_ban = true ({nickname:?})"),
        });
    }
    if field(user, "user_canceled").and_then(as_bool_like) == Some(true) {
        return Err(FetchFailure::NotFound {
            url: url.to_string(),
            detail: format!("{path}.user_canceled = true (注销, {nickname:?})"),
        });
    }
    let custom = s("custom_verify");
    let enterprise = s("enterprise_verify_reason");
    // Both fields come on every user object; both empty = not verified.
    let verified = match (field(user, "custom_verify"), field(user, "enterprise_verify_reason")) {
        (None, None) => None,
        _ => Some(custom.is_some() || enterprise.is_some()),
    };
    let chat = field(user, "message_chat_entry").and_then(as_bool_like);
    Ok(DouyinProfile {
        profile: Profile {
            platform_id,
            display_name: nickname,
            description: s("signature").or_else(|| s("desc")),
            verified,
            verified_type: field(user, "verification_type").and_then(as_i64).map(|t| t.to_string()),
            verified_entity: enterprise.clone().or_else(|| custom.clone()),
            followers: field(user, "follower_count")
                .and_then(as_i64)
                .or_else(|| field(user, "mplatform_followers_count").and_then(as_i64)),
            post_count: field(user, "aweme_count").and_then(as_i64),
            private_message: message_entry(chat),
            comment_policy: CommentState::Unknown,
        },
        uid,
        unique_id: s("unique_id").or_else(|| field(user, "short_id").and_then(id_string)).filter(|u| u != "0"),
        custom_verify: custom,
        enterprise_verify_reason: enterprise,
        verification_type: field(user, "verification_type").and_then(as_i64),
        is_gov_media_vip: field(user, "is_gov_media_vip").and_then(as_bool_like),
        message_chat_entry: chat,
        ip_location: s("ip_location"),
    })
}

/// `message_chat_entry: true` means the profile shows the 私信 button. A
/// `false` is not read as "closed": a logged-out visitor may not be shown
/// the button whatever the account's setting, and a wrong "closed" would
/// be a false finding. It is kept in [`DouyinProfile::message_chat_entry`].
fn message_entry(chat: Option<bool>) -> MessageEntry {
    if chat == Some(true) { MessageEntry::Open } else { MessageEntry::Unknown }
}

fn posts_from(list: &[Value], path: &str, url: &str) -> Result<Vec<Post>, FetchFailure> {
    let mut posts = Vec::new();
    for (i, a) in list.iter().enumerate() {
        let p = format!("{path}[{i}]");
        // Deleted or prohibited items are not visible to the public.
        let status = field(a, "status");
        if status.and_then(|s| field(s, "is_delete")).and_then(as_bool_like) == Some(true)
            || status.and_then(|s| field(s, "is_prohibited")).and_then(as_bool_like) == Some(true)
        {
            continue;
        }
        posts.push(aweme_post(a, &p, url)?);
    }
    Ok(posts)
}

fn aweme_post(a: &Value, path: &str, url: &str) -> Result<Post, FetchFailure> {
    let id = field(a, "aweme_id")
        .and_then(id_string)
        .ok_or_else(|| FetchFailure::parse(url, format!("{path}.aweme_id"), "missing"))?;
    let published_at = field(a, "create_time")
        .and_then(as_i64)
        .filter(|t| *t > 0)
        .and_then(|t| Utc.timestamp_opt(t, 0).single())
        .ok_or_else(|| FetchFailure::parse(url, format!("{path}.create_time"), "missing or not unix seconds"))?;
    let stats = field(a, "statistics");
    let stat = |k: &str| stats.and_then(|s| field(s, k)).and_then(as_i64);
    Ok(Post {
        url: Some(format!("https://www.douyin.com/video/{id}")),
        id,
        alt_id: None,
        published_at,
        published_at_exact: true,
        text: field(a, "desc").and_then(Value::as_str).unwrap_or("").trim().to_string(),
        text_truncated: false,
        is_original: true,
        is_pinned: field(a, "is_top").and_then(as_bool_like) == Some(true),
        repost_of: None,
        comment_state: comment_state(a),
        counts: Counts { reposts: stat("forward_count"), comments: stat("comment_count"), likes: stat("digg_count") },
    })
}

/// Comment state of one item:
/// - `comment_permission_info.can_comment: false` → closed (the item says
///   nobody may comment);
/// - `can_comment: true` with a non-zero `item_comment_settings` →
///   restricted (some may, e.g. friends only);
/// - `can_comment: true`, or `item_comment_settings: 0` alone → open;
/// - anything else → unknown. A non-zero `item_comment_settings` alone is
///   not documented well enough to decide.
pub fn comment_state(a: &Value) -> CommentState {
    let can = field(a, "comment_permission_info").and_then(|c| field(c, "can_comment")).and_then(as_bool_like);
    let settings = field(a, "item_comment_settings").and_then(as_i64);
    match (can, settings) {
        (Some(false), _) => CommentState::Closed,
        (Some(true), Some(s)) if s != 0 => CommentState::Restricted,
        (Some(true), _) => CommentState::Open,
        (None, Some(0)) => CommentState::Open,
        _ => CommentState::Unknown,
    }
}

/// The timeline a page shows, decided with the profile: an empty post
/// list is believed only when the profile says the account has no posts
/// (Douyin answers an empty `aweme_list` to clients it does not trust).
/// The profile's `aweme_count` is the account's post count stated in the
/// same page reading, so it becomes the timeline's `total` (the profile
/// was checked to be the same account before it gets here).
pub fn decide_timeline(
    posts: Option<Result<Timeline, FetchFailure>>,
    profile: Option<&DouyinProfile>,
    url: &str,
) -> Result<Timeline, FetchFailure> {
    let total = profile.and_then(|p| p.profile.post_count);
    match posts {
        Some(Ok(mut t)) if !t.posts.is_empty() => {
            t.total = t.total.or(total);
            Ok(t)
        }
        Some(Ok(mut t)) => match total {
            Some(0) => {
                t.total = Some(0);
                Ok(t)
            }
            Some(n) => Err(FetchFailure::Blocked {
                url: url.to_string(),
                http_status: None,
                detail: format!(
                    "empty post list although the profile shows {n} posts: Douyin's answer to a distrusted client"
                ),
            }),
            None => Err(FetchFailure::parse(url, "aweme_list", "empty post list and no aweme_count to decide with")),
        },
        Some(Err(f)) => Err(f),
        None => Err(FetchFailure::parse(url, "aweme_list", "the page carried no post list")),
    }
}

// ---------------------------------------------------------------------
// A whole page load
// ---------------------------------------------------------------------

/// The Douyin page parser for [`crate::browser::platform::BrowserPlatformClient`].
#[derive(Debug)]
pub struct DouyinParser;

impl PageParser for DouyinParser {
    type Profile = DouyinProfile;
    const PLATFORM: Platform = Platform::Douyin;
    const SOURCE: SourceName = SRC_PAGE;
    const XHR_PATTERNS: &'static [&'static str] = &[PROFILE_API, POSTS_API];

    fn parse(load: &PageLoad, asked: &str, _now: DateTime<Utc>) -> Result<PageReading<DouyinProfile>, FetchFailure> {
        parse_page_captures_for(&load.captures, &load.final_url, Some(asked))
    }

    fn profile(p: &DouyinProfile) -> &Profile {
        &p.profile
    }
}

fn meta_of(c: &Capture) -> ResponseMeta<'_> {
    ResponseMeta {
        status: c.http_status.unwrap_or(200),
        content_type: c.content_type.as_deref(),
        location: None,
        retry_after_secs: None,
    }
}

/// Reads a page load's captures (document, XHRs, rendered DOM): the XHR
/// answers first, the server-rendered data where they are missing; the
/// account's own word (banned, cancelled) ends it; a page with neither is
/// classified (captcha, login wall, empty page).
pub fn parse_page_captures(captures: &[Capture], final_url: &str) -> Result<PageReading<DouyinProfile>, FetchFailure> {
    parse_page_captures_for(captures, final_url, None)
}

/// [`parse_page_captures`] for the page of `asked` (sec_uid or uid): any
/// profile or post list the page received about another account makes
/// the whole page `wrong_account` (a page that shows two accounts is not
/// evidence about either).
pub fn parse_page_captures_for(
    captures: &[Capture],
    final_url: &str,
    asked: Option<&str>,
) -> Result<PageReading<DouyinProfile>, FetchFailure> {
    let doc = captures.iter().find(|c| c.source == crate::browser::CAPTURE_DOCUMENT);
    let dom = captures.iter().find(|c| c.source == crate::browser::CAPTURE_DOM);
    let page_url = doc.map(|d| d.url.as_str()).unwrap_or(final_url);
    let xhr = |pat: &'static str| {
        captures.iter().filter(move |c| c.source == crate::browser::CAPTURE_XHR && c.url.contains(pat))
    };

    let mut profile: Option<Result<DouyinProfile, FetchFailure>> = None;
    for c in xhr(PROFILE_API) {
        let r = parse_profile_api_for(&meta_of(c), &c.body, &c.url, asked);
        if let Err(f @ FetchFailure::WrongAccount { .. }) = &r {
            return Err(f.clone());
        }
        if profile.as_ref().is_none_or(|p| p.is_err()) {
            profile = Some(r);
        }
    }
    let mut posts: Option<Result<Timeline, FetchFailure>> = None;
    for c in xhr(POSTS_API) {
        let r = parse_posts_api_for(&meta_of(c), &c.body, &c.url, asked);
        if let Err(f @ FetchFailure::WrongAccount { .. }) = &r {
            return Err(f.clone());
        }
        posts = Some(match (posts, r) {
            (Some(Ok(mut a)), Ok(b)) => {
                for p in b.posts {
                    if !a.posts.iter().any(|q| q.id == p.id) {
                        a.posts.push(p);
                    }
                }
                // The later page says what lies beyond.
                a.next_cursor = b.next_cursor;
                a.more = b.more;
                a.owner = a.owner.or(b.owner);
                Ok(a)
            }
            (Some(Ok(a)), Err(_)) => Ok(a),
            (_, r) => r,
        });
    }
    // The server-rendered data, from the document as sent or the DOM.
    let mut rendered = None;
    let mut blob_problem = None;
    for c in [doc, dom].into_iter().flatten() {
        let (html, _) = decode_body(&c.body, c.content_type.as_deref());
        match parse_render_data_for(&html, &c.url, asked) {
            Ok(r) => {
                rendered = Some(r);
                break;
            }
            Err(e) => blob_problem = Some(e),
        }
    }
    let is_spider = rendered.as_ref().is_some_and(|r| r.is_spider);
    if let Some(r) = &rendered {
        for part in [r.profile.as_ref().and_then(|p| p.as_ref().err()), r.posts.as_ref().and_then(|p| p.as_ref().err())] {
            if let Some(f @ FetchFailure::WrongAccount { .. }) = part {
                return Err(f.clone());
            }
        }
    }
    if let Some(r) = rendered {
        if profile.as_ref().is_none_or(|p| p.is_err()) && r.profile.is_some() {
            profile = r.profile;
        }
        if posts.as_ref().is_none_or(|p| p.as_ref().is_ok_and(|t| t.posts.is_empty()))
            && r.posts.as_ref().is_some_and(|p| p.is_ok())
        {
            posts = r.posts;
        }
    }
    if profile.is_none() && posts.is_none() {
        if is_spider {
            return Err(FetchFailure::Blocked {
                url: page_url.to_string(),
                http_status: doc.and_then(|d| d.http_status),
                detail: "RENDER_DATA says isSpider: the page was served as to a crawler, without the account's data"
                    .into(),
            });
        }
        return Err(match (doc.or(dom), blob_problem) {
            (Some(page), Some(BlobError::Invalid(e))) if page.http_status.unwrap_or(200) < 300 => {
                FetchFailure::parse(&page.url, "RENDER_DATA", format!("present but not JSON: {e}"))
            }
            (Some(page), problem) => match classify_unreadable_page(page, dom, final_url, "Douyin profile page") {
                // A page shell whose RENDER_DATA is there but empty was
                // served without the account's data: a refusal.
                FetchFailure::ParseError { .. } if problem == Some(BlobError::Empty) => FetchFailure::Blocked {
                    url: page.url.clone(),
                    http_status: page.http_status,
                    detail: "RENDER_DATA is empty: the page was served without the account's data".into(),
                },
                f => f,
            },
            (None, _) => FetchFailure::parse(final_url, "document", "the browser captured no page"),
        });
    }
    // The platform's word about the account decides the whole page.
    if let Some(Err(f @ (FetchFailure::Banned { .. } | FetchFailure::NotFound { .. }))) = &profile {
        return Err(f.clone());
    }
    let timeline = decide_timeline(posts, profile.as_ref().and_then(|p| p.as_ref().ok()), page_url);
    let profile = profile.unwrap_or_else(|| Err(FetchFailure::parse(page_url, "user", "the page carried no profile")));
    Ok(PageReading { profile, timeline })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn comment_permission_decides_only_on_clear_signals() {
        assert_eq!(comment_state(&json!({"comment_permission_info": {"can_comment": false}})), CommentState::Closed);
        assert_eq!(
            comment_state(&json!({"comment_permission_info": {"can_comment": true}, "item_comment_settings": 0})),
            CommentState::Open
        );
        assert_eq!(
            comment_state(&json!({"comment_permission_info": {"can_comment": true}, "item_comment_settings": 1})),
            CommentState::Restricted
        );
        assert_eq!(comment_state(&json!({"item_comment_settings": 3})), CommentState::Unknown);
        assert_eq!(comment_state(&json!({"itemCommentSettings": 0})), CommentState::Open);
        assert_eq!(comment_state(&json!({})), CommentState::Unknown);
    }

    #[test]
    fn dm_false_is_not_closed() {
        assert_eq!(message_entry(Some(true)), MessageEntry::Open);
        assert_eq!(message_entry(Some(false)), MessageEntry::Unknown);
    }
}
