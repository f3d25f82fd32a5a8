//! Pure parsers for m.weibo.cn JSON: bytes in, observation or classified
//! failure out. No I/O, no clock (time is an argument), so they are
//! testable on captures and fuzzable.

use super::time::parse_created_at;
use crate::model::{CommentState, Counts, MessageEntry, Post, Profile, RepostOf, SearchHit, Timeline};
use crate::outcome::FetchFailure;
use crate::text::{decode_body, html_title, html_to_text};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

/// The transport facts the classifier needs besides the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseMeta<'a> {
    pub status: u16,
    pub content_type: Option<&'a str>,
    pub location: Option<&'a str>,
    pub retry_after_secs: Option<u64>,
}

impl ResponseMeta<'static> {
    /// A plain 200 with no headers: what a saved file is parsed as.
    pub const OK: ResponseMeta<'static> =
        ResponseMeta { status: 200, content_type: None, location: None, retry_after_secs: None };
}

/// A timeline page, or the platform's "nothing here", which on a timeline
/// is ambiguous: a deleted account and an account with no posts get the
/// same reply. Only the profile endpoint can tell them apart.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimelinePage {
    Posts(Timeline),
    NoContent { msg: Option<String> },
}

/// A profile plus the Weibo-only facts the client needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeiboProfile {
    #[serde(flatten)]
    pub profile: Profile,
    /// `verified_type_ext` (e.g. 50 next to `verified_type` 2 for a company).
    pub verified_type_ext: Option<i64>,
    /// The `weibo` tab's containerid from `tabsInfo`, for the timeline.
    pub timeline_containerid: Option<String>,
}

/// The full text of a long post (`statuses/extend`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LongText {
    pub text: String,
    pub counts: Counts,
}

// ---------------------------------------------------------------------
// Classification shared by every endpoint
// ---------------------------------------------------------------------

/// Phrases of captcha / verification interstitials.
const CAPTCHA_MARKERS: &[&str] =
    &["captcha", "验证码", "geetest", "安全验证", "人机验证", "滑块", "请完成验证", "verify.weibo", "异常访问"];
/// The visitor system page served to clients without visitor cookies.
const VISITOR_MARKERS: &[&str] = &["sina visitor system", "visitor.passport", "passport.weibo.com/visitor"];
const LOGIN_MARKERS: &[&str] =
    &["passport.weibo.cn/signin", "passport.weibo.com/signin", "login.sina.com.cn", "请先登录", "登录后", "用户登录"];
const THROTTLE_MARKERS: &[&str] = &["频繁", "系统繁忙", "稍后再试", "too many requests", "rate limit"];
const DENIED_MARKERS: &[&str] = &["403 forbidden", "访问受限", "拒绝访问", "access denied", "禁止访问"];

fn contains_any(haystack: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| haystack.contains(n))
}

/// Turns a response into its JSON value, or the failure it shows.
///
/// Returns `Ok` for `ok: 1` and for `ok: 0` answers whose message is not a
/// general one (throttle, login): what `ok: 0` means depends on the
/// endpoint, so each parser reads it.
pub fn classify_response(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<Value, FetchFailure> {
    let u = || url.to_string();
    let status = meta.status;
    let http_status = Some(status);
    let (text, _) = decode_body(body, meta.content_type);
    // Lower-casing a 70 KB JSON page costs more than parsing it: only
    // pages that need marker matching pay for it.
    let lower = || text.to_lowercase();
    match status {
        200..=299 => {}
        429 => {
            return Err(FetchFailure::Throttled {
                url: u(),
                http_status,
                retry_after_secs: meta.retry_after_secs,
                detail: "HTTP 429 Too Many Requests".into(),
            });
        }
        403 | 418 | 432 => {
            if contains_any(&lower(), CAPTCHA_MARKERS) {
                return Err(FetchFailure::Captcha {
                    url: u(),
                    http_status,
                    challenge_url: None,
                    detail: format!("HTTP {status} with a verification page{}", title_suffix(&text)),
                });
            }
            // 432 is Weibo's anti-crawler answer; renewing the visitor
            // cookie usually clears it (the client does so).
            let why = match status {
                432 => "HTTP 432: Weibo's anti-crawler refusal",
                418 => "HTTP 418: anti-bot refusal",
                _ => "HTTP 403 Forbidden",
            };
            return Err(FetchFailure::Blocked { url: u(), http_status, detail: format!("{why}{}", title_suffix(&text)) });
        }
        401 => {
            return Err(FetchFailure::LoginRequired { url: u(), http_status, detail: "HTTP 401".into() });
        }
        300..=399 => {
            let to = meta.location.unwrap_or("");
            let to_lower = to.to_lowercase();
            if contains_any(&to_lower, VISITOR_MARKERS) || to_lower.contains("visitor") {
                return Err(FetchFailure::LoginRequired {
                    url: u(),
                    http_status,
                    detail: format!("redirected to the visitor system ({to}): no valid visitor cookie"),
                });
            }
            if contains_any(&to_lower, LOGIN_MARKERS) || to_lower.contains("login") || to_lower.contains("signin") {
                return Err(FetchFailure::LoginRequired {
                    url: u(),
                    http_status,
                    detail: format!("redirected to the login page ({to})"),
                });
            }
            if contains_any(&to_lower, CAPTCHA_MARKERS) {
                return Err(FetchFailure::Captcha {
                    url: u(),
                    http_status,
                    challenge_url: Some(to.to_string()),
                    detail: "redirected to a verification page".into(),
                });
            }
            return Err(FetchFailure::parse(url, "Location", format!("unexpected HTTP {status} redirect to {to:?}")));
        }
        500..=599 => {
            if meta.retry_after_secs.is_some() || status == 503 && contains_any(&lower(), THROTTLE_MARKERS) {
                return Err(FetchFailure::Throttled {
                    url: u(),
                    http_status,
                    retry_after_secs: meta.retry_after_secs,
                    detail: format!("HTTP {status} asking to retry later"),
                });
            }
            return Err(FetchFailure::Network {
                url: u(),
                http_status,
                timeout: false,
                detail: format!("HTTP {status} server error{}", title_suffix(&text)),
            });
        }
        _ => {
            // 404 and friends on an API path mean the endpoint moved or
            // the request is malformed, never that the account is gone.
            return Err(FetchFailure::parse(
                url,
                "http_status",
                format!("unexpected HTTP {status}{}: the endpoint may have moved", title_suffix(&text)),
            ));
        }
    }

    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        // Nothing about the platform's stance can be read from nothing;
        // an empty 200 is a transport or proxy hiccup worth one retry.
        return Err(FetchFailure::Network { url: u(), http_status, timeout: false, detail: "empty body".into() });
    }
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return Err(classify_page(&text, &lower(), status, url));
    }
    let value: Value = match serde_json::from_str(trimmed) {
        Ok(v) => v,
        Err(e) if e.is_eof() => {
            return Err(FetchFailure::Network {
                url: u(),
                http_status,
                timeout: false,
                detail: format!("truncated JSON ({} bytes, cut short: {e})", body.len()),
            });
        }
        Err(e) => return Err(FetchFailure::parse(url, "body", format!("invalid JSON: {e}"))),
    };
    classify_json(value, status, url)
}

fn title_suffix(text: &str) -> String {
    html_title(text).map(|t| format!(" (page title {t:?})")).unwrap_or_default()
}

/// An HTML or text page where JSON was expected.
fn classify_page(text: &str, lower: &str, status: u16, url: &str) -> FetchFailure {
    let http_status = Some(status);
    let title = title_suffix(text);
    let u = url.to_string();
    if contains_any(lower, CAPTCHA_MARKERS) {
        return FetchFailure::Captcha { url: u, http_status, challenge_url: None, detail: format!("verification page{title}") };
    }
    if contains_any(lower, VISITOR_MARKERS) {
        return FetchFailure::LoginRequired {
            url: u,
            http_status,
            detail: format!("visitor system page{title}: no valid visitor cookie"),
        };
    }
    if contains_any(lower, LOGIN_MARKERS) {
        return FetchFailure::LoginRequired { url: u, http_status, detail: format!("login page{title}") };
    }
    if contains_any(lower, THROTTLE_MARKERS) {
        return FetchFailure::Throttled {
            url: u,
            http_status,
            retry_after_secs: None,
            detail: format!("\"busy / too frequent\" page{title}"),
        };
    }
    if contains_any(lower, DENIED_MARKERS) {
        return FetchFailure::Blocked { url: u, http_status, detail: format!("access-denied page{title}") };
    }
    FetchFailure::parse(url, "body", format!("expected JSON, got a page{title} that was not understood"))
}

fn classify_json(value: Value, status: u16, url: &str) -> Result<Value, FetchFailure> {
    let http_status = Some(status);
    let Some(obj) = value.as_object() else {
        return Err(FetchFailure::parse(url, "$", format!("expected a JSON object, got {}", json_kind(&value))));
    };
    let msg = obj.get("msg").and_then(Value::as_str).unwrap_or("").to_string();
    let ok = obj.get("ok").and_then(as_i64);
    match ok {
        Some(1) => Ok(value),
        // ok:-100 sends the client somewhere: usually the login page (the
        // visitor session expired), but under rate limiting the target is
        // the captcha page (`passport.weibo.com/...captcha?scene=limit`),
        // which no new session clears: a person must solve it.
        Some(-100) if obj.get("url").and_then(Value::as_str).is_some_and(|u| u.to_lowercase().contains("captcha")) => {
            Err(FetchFailure::Captcha {
                url: url.to_string(),
                http_status,
                challenge_url: obj.get("url").and_then(Value::as_str).map(str::to_string),
                detail: format!("ok:-100 sending us to a verification page{}", msg_suffix(&msg)),
            })
        }
        Some(-100) => Err(FetchFailure::LoginRequired {
            url: url.to_string(),
            http_status,
            detail: format!(
                "ok:-100: visitor session missing or expired{}",
                obj.get("url").and_then(Value::as_str).map(|s| format!(" (sent to {s})")).unwrap_or_default()
            ),
        }),
        // weibo-crawler's captcha check: a JSON reply with a `url` to go
        // to and no `data`.
        _ if obj.get("url").is_some_and(Value::is_string) && !obj.contains_key("data") => {
            Err(FetchFailure::Captcha {
                url: url.to_string(),
                http_status,
                challenge_url: obj.get("url").and_then(Value::as_str).map(str::to_string),
                detail: format!("JSON challenge (ok={}){}", ok.map_or("absent".into(), |o| o.to_string()), msg_suffix(&msg)),
            })
        }
        Some(0) if contains_any(&msg, THROTTLE_MARKERS) => Err(FetchFailure::Throttled {
            url: url.to_string(),
            http_status,
            retry_after_secs: None,
            detail: format!("ok:0{}", msg_suffix(&msg)),
        }),
        Some(0) if about_our_own_login(&msg) => Err(FetchFailure::LoginRequired {
            url: url.to_string(),
            http_status,
            detail: format!("ok:0 about the session we read with, not the account asked for{}", msg_suffix(&msg)),
        }),
        Some(0) if msg.contains("登录") => {
            Err(FetchFailure::LoginRequired { url: url.to_string(), http_status, detail: format!("ok:0{}", msg_suffix(&msg)) })
        }
        Some(0) => Ok(value),
        Some(other) => Err(FetchFailure::parse(url, "ok", format!("unknown ok value {other}{}", msg_suffix(&msg)))),
        None => {
            let keys: Vec<&str> = obj.keys().map(String::as_str).take(8).collect();
            Err(FetchFailure::parse(url, "ok", format!("no `ok` field: JSON of another shape (keys: {})", keys.join(", "))))
        }
    }
}

fn msg_suffix(msg: &str) -> String {
    if msg.is_empty() { String::new() } else { format!(", msg {msg:?}") }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Who an `ok: 0` message is about, when it names the account viewed
/// ("该账号…", "此用户…") rather than the reader.
const VIEWED_ACCOUNT_SUBJECTS: &[&str] = &["该账号", "该帐号", "该用户", "此账号", "此帐号", "此用户", "这个账号"];
/// Words Weibo uses to the *reader* about their own account: a logged-in
/// operator whose account was frozen or flagged ("您的帐号存在异常",
/// "账号已冻结", "解冻"). m.weibo.cn says these instead of the page asked
/// for, so they say nothing about the account asked for.
const OWN_ACCOUNT_MARKERS: &[&str] = &[
    "您的帐号", "您的账号", "你的帐号", "你的账号", "帐号存在异常", "账号存在异常", "帐号异常", "账号异常",
    "账号已冻结", "帐号已冻结", "账号被冻结", "帐号被冻结", "解冻", "验证身份",
];

/// An `ok: 0` message about the reader's own login (see
/// [`OWN_ACCOUNT_MARKERS`]) rather than about the account viewed.
fn about_our_own_login(msg: &str) -> bool {
    !contains_any(msg, VIEWED_ACCOUNT_SUBJECTS) && contains_any(msg, OWN_ACCOUNT_MARKERS)
}

/// Weibo's error code for "用户不存在 / User does not exists"
/// (open.weibo.com/wiki/Error_code, as tabulated e.g. by the `snserror`
/// package). It is the only statement of non-existence trusted.
pub const ERRNO_USER_DOES_NOT_EXIST: i64 = 20003;

/// What an `ok: 0` answer says about an account, trusting only:
///
/// - **NotFound**: the structured code [`ERRNO_USER_DOES_NOT_EXIST`] in
///   `errno` or `error_code`. Words alone ("用户不存在", "已注销",
///   "这里还没有内容") are not trusted: m.weibo.cn says "这里还没有内容"
///   both for uids that do not exist and for existing accounts it does not
///   show to visitors (dataabc/weibo-crawler#125: the same uid answers with
///   a cookie; DIYgod/RSSHub#10046: an account visible on weibo.com but not
///   on m.weibo.cn), so a phrase would turn a hidden account into a
///   "deleted" finding.
/// - **Banned**: the fixed notice m.weibo.cn puts in place of an account
///   removed for violations ("该账号因被投诉违反法律法规和《微博社区公约》的
///   相关规定，现已无法查看。"), recognised by its template phrases, and
///   freeze/ban wording only when it names the viewed account (该账号/此用户);
///   without that subject a freeze is about our own login
///   ([`about_our_own_login`], classified before this).
fn account_gone(v: &Value, msg: &str) -> Option<bool> {
    // true = banned, false = does not exist
    let code = ["errno", "error_code"].iter().find_map(|k| v.get(*k).and_then(as_i64));
    if code == Some(ERRNO_USER_DOES_NOT_EXIST) {
        return Some(false);
    }
    const BANNED_TEMPLATE: &[&str] = &["违反法律法规", "社区公约"];
    const BANNED_WORDS: &[&str] = &["已被封", "被冻结", "已冻结", "封禁"];
    if contains_any(msg, BANNED_TEMPLATE) || (contains_any(msg, VIEWED_ACCOUNT_SUBJECTS) && contains_any(msg, BANNED_WORDS)) {
        return Some(true);
    }
    None
}

const NO_CONTENT_MSG: &str = "这里还没有内容";

fn ok0_msg(v: &Value) -> Option<&str> {
    (v.get("ok").and_then(as_i64) == Some(0)).then(|| v.get("msg").and_then(Value::as_str).unwrap_or(""))
}

fn gone_failure(url: &str, v: &Value, msg: &str) -> Option<FetchFailure> {
    account_gone(v, msg).map(|banned| {
        let code = ["errno", "error_code"].iter().find_map(|k| v.get(*k).and_then(as_i64));
        let detail = match code {
            Some(code) => format!("ok:0, errno {code}, msg {msg:?}"),
            None => format!("ok:0, msg {msg:?}"),
        };
        if banned {
            FetchFailure::Banned { url: url.to_string(), detail }
        } else {
            FetchFailure::NotFound { url: url.to_string(), detail }
        }
    })
}

fn unknown_ok0(url: &str, msg: &str) -> FetchFailure {
    FetchFailure::parse(url, "msg", format!("ok:0 with a message not understood: {msg:?}"))
}

// ---------------------------------------------------------------------
// Endpoint parsers
// ---------------------------------------------------------------------

/// A profile answer: the profile, or m.weibo.cn's "这里还没有内容" with no
/// `userInfo`. That reply comes both for a uid that does not exist and for
/// an existing account m.weibo.cn does not show to visitors
/// (dataabc/weibo-crawler#125), so it proves neither.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProfilePage {
    Found(WeiboProfile),
    NoContent { msg: String },
}

impl ProfilePage {
    /// The profile, or the "could not check" a `NoContent` reply is.
    pub fn into_result(self, meta: &ResponseMeta, url: &str) -> Result<WeiboProfile, FetchFailure> {
        match self {
            ProfilePage::Found(p) => Ok(p),
            ProfilePage::NoContent { msg } => Err(FetchFailure::LoginRequired {
                url: url.to_string(),
                http_status: Some(meta.status),
                detail: format!(
                    "profile endpoint: ok:0, msg {msg:?}, no userInfo: m.weibo.cn answers this for uids that do not exist \
                     and for existing accounts it hides from visitors; only errno {ERRNO_USER_DOES_NOT_EXIST} says an account does not exist"
                ),
            }),
        }
    }
}

/// `getIndex?type=uid&value={uid}`: the profile. `platform_id` is the id
/// the answer states (`data.userInfo.id`), never the one asked for.
pub fn parse_profile(body: &[u8], url: &str) -> Result<WeiboProfile, FetchFailure> {
    parse_profile_response(&ResponseMeta::OK, body, url)
}

pub fn parse_profile_response(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<WeiboProfile, FetchFailure> {
    parse_profile_page(meta, body, url)?.into_result(meta, url)
}

pub fn parse_profile_page(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<ProfilePage, FetchFailure> {
    let v = classify_response(meta, body, url)?;
    if let Some(msg) = ok0_msg(&v) {
        if let Some(gone) = gone_failure(url, &v, msg) {
            return Err(gone);
        }
        if msg == NO_CONTENT_MSG && v.pointer("/data/userInfo").is_none() {
            return Ok(ProfilePage::NoContent { msg: msg.to_string() });
        }
        return Err(unknown_ok0(url, msg));
    }
    let user = v
        .pointer("/data/userInfo")
        .and_then(Value::as_object)
        .ok_or_else(|| FetchFailure::parse(url, "data.userInfo", "missing from an ok:1 profile answer"))?;
    let profile = user_to_profile(user, url, "data.userInfo")?;
    let timeline_containerid = v
        .pointer("/data/tabsInfo/tabs")
        .and_then(Value::as_array)
        .and_then(|tabs| {
            tabs.iter().find(|t| t.get("tab_type").and_then(Value::as_str) == Some("weibo"))?.get("containerid").and_then(id_string)
        });
    Ok(ProfilePage::Found(WeiboProfile {
        profile,
        verified_type_ext: user.get("verified_type_ext").and_then(as_i64),
        timeline_containerid,
    }))
}

fn user_to_profile(user: &Map<String, Value>, url: &str, path: &str) -> Result<Profile, FetchFailure> {
    let platform_id =
        user.get("id").and_then(id_string).ok_or_else(|| FetchFailure::parse(url, format!("{path}.id"), "missing"))?;
    let display_name = user
        .get("screen_name")
        .and_then(Value::as_str)
        .ok_or_else(|| FetchFailure::parse(url, format!("{path}.screen_name"), "missing"))?
        .to_string();
    Ok(Profile {
        description: non_empty(user.get("description")),
        verified: user.get("verified").and_then(Value::as_bool),
        verified_type: user.get("verified_type").and_then(as_i64).map(|t| t.to_string()),
        verified_entity: non_empty(user.get("verified_reason")),
        followers: user.get("followers_count").and_then(parse_count).or_else(|| user.get("followers_count_str").and_then(parse_count)),
        post_count: user.get("statuses_count").and_then(parse_count),
        private_message: message_entry(user, &platform_id),
        comment_policy: match user.get("allow_all_comment").and_then(as_bool_like) {
            Some(true) => CommentState::Open,
            Some(false) => CommentState::Restricted,
            None => CommentState::Unknown,
        },
        platform_id,
        display_name,
    })
}

/// `allow_all_act_msg` (open-API user objects) is the account's own DM
/// setting. Failing that, the follow button's embedded user carries
/// `allow_msg: 1` when messaging is offered; its `0` is not documented, so
/// it does not count as "closed": a wrong "closed" would be a false finding.
fn message_entry(user: &Map<String, Value>, uid: &str) -> MessageEntry {
    match user.get("allow_all_act_msg").and_then(as_bool_like) {
        Some(true) => return MessageEntry::Open,
        Some(false) => return MessageEntry::Closed,
        None => {}
    }
    let menus = user.get("toolbar_menus").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let allow = menus.iter().find_map(|m| {
        let inner = m.get("userInfo")?;
        (inner.get("id").and_then(id_string).as_deref() == Some(uid)).then(|| inner.get("allow_msg").and_then(as_i64))?
    });
    if allow == Some(1) { MessageEntry::Open } else { MessageEntry::Unknown }
}

/// The container of an account's own posts: `107603` + uid.
pub const TIMELINE_CONTAINER_PREFIX: &str = "107603";

/// The uid in a `107603{uid}` containerid.
fn container_uid(containerid: &str) -> Option<&str> {
    containerid
        .strip_prefix(TIMELINE_CONTAINER_PREFIX)
        .filter(|uid| !uid.is_empty() && uid.len() <= 20 && uid.bytes().all(|b| b.is_ascii_digit()))
}

/// The uid a timeline request asked for, from its `containerid` parameter.
fn asked_uid(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let containerid = parsed.query_pairs().find(|(k, _)| k == "containerid")?.1.into_owned();
    container_uid(&containerid).map(str::to_string)
}

/// `getIndex?containerid=107603{uid}[&since_id=]`: one timeline page.
///
/// Besides the posts it reports what the answer states about itself:
/// `owner` (the uid of `cardlistInfo.containerid` and of every own card's
/// `mblog.user.id`; a repost's source author is not the owner), `total`
/// (`cardlistInfo.total`, the account's post count) and `more`:
/// `Some(true)` when `cardlistInfo.since_id` points at a further page or
/// `total` exceeds the posts shown, `Some(false)` when neither (the last
/// page carries no `since_id`). An answer whose own cards and containerid
/// name more than one account is [`FetchFailure::WrongAccount`]: it is
/// nobody's timeline.
pub fn parse_timeline(body: &[u8], url: &str, now: DateTime<Utc>) -> Result<TimelinePage, FetchFailure> {
    parse_timeline_response(&ResponseMeta::OK, body, url, now)
}

pub fn parse_timeline_response(
    meta: &ResponseMeta,
    body: &[u8],
    url: &str,
    now: DateTime<Utc>,
) -> Result<TimelinePage, FetchFailure> {
    let v = classify_response(meta, body, url)?;
    if let Some(msg) = ok0_msg(&v) {
        if let Some(gone) = gone_failure(url, &v, msg) {
            return Err(gone);
        }
        if msg == NO_CONTENT_MSG {
            return Ok(TimelinePage::NoContent { msg: Some(msg.to_string()) });
        }
        return Err(unknown_ok0(url, msg));
    }
    let cards = v
        .pointer("/data/cards")
        .and_then(Value::as_array)
        .ok_or_else(|| FetchFailure::parse(url, "data.cards", "missing or not an array in an ok:1 timeline answer"))?;
    let mut posts = Vec::new();
    let mut authors = Vec::new();
    for (i, card) in cards.iter().enumerate() {
        collect_posts(card, &format!("data.cards[{i}]"), url, now, &mut posts, &mut authors)?;
    }
    if posts.is_empty() {
        return Ok(TimelinePage::NoContent { msg: None });
    }
    let info = v.pointer("/data/cardlistInfo");
    let container_owner =
        info.and_then(|i| i.get("containerid")).and_then(id_string).and_then(|c| container_uid(&c).map(str::to_string));
    let owner = timeline_owner(container_owner, &authors, url)?;
    let next_cursor = info
        .and_then(|i| i.get("since_id"))
        .and_then(id_string)
        .filter(|s| !s.is_empty() && s != "0");
    let total = info.and_then(|i| i.get("total")).and_then(parse_count);
    let shown = i64::try_from(posts.len()).unwrap_or(i64::MAX);
    let more = Some(next_cursor.is_some() || total.is_some_and(|t| t > shown));
    let mut timeline = Timeline::new(posts, next_cursor, total);
    timeline.owner = owner;
    timeline.more = more;
    Ok(TimelinePage::Posts(timeline))
}

/// The one account a timeline page states it belongs to, from its
/// containerid and its own cards' authors; several is a wrong answer.
fn timeline_owner(container_owner: Option<String>, authors: &[String], url: &str) -> Result<Option<String>, FetchFailure> {
    let stated = distinct_in_order(container_owner.iter().chain(authors));
    match stated.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.to_string())),
        [first, ..] => {
            // The id asked for (from the request) when known, else what
            // the containerid states; the rest are the intruders.
            let expected = asked_uid(url).unwrap_or_else(|| first.to_string());
            let found: Vec<&str> = stated.iter().copied().filter(|id| *id != expected).collect();
            Err(FetchFailure::wrong_account(
                url,
                &expected,
                &found.join(","),
                format!(
                    "one timeline page states several accounts (containerid owner {}, own-card authors {}): it is no single account's timeline",
                    container_owner.as_deref().unwrap_or("not stated"),
                    distinct_in_order(authors).join(",")
                ),
            ))
        }
    }
}

/// Each id once, in first-seen order (linear: a hostile page may hold
/// thousands of cards).
fn distinct_in_order<'a>(ids: impl IntoIterator<Item = &'a String>) -> Vec<&'a str> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter().map(String::as_str).filter(|id| seen.insert(*id)).collect()
}

/// Posts are `card_type` 9 cards; type 11 groups more cards in `card_group`.
/// `authors` gets each post's own `mblog.user.id` (not a repost source's).
fn collect_posts(
    card: &Value,
    path: &str,
    url: &str,
    now: DateTime<Utc>,
    out: &mut Vec<Post>,
    authors: &mut Vec<String>,
) -> Result<(), FetchFailure> {
    if let Some(mblog) = card.get("mblog") {
        let mpath = format!("{path}.mblog");
        let mblog = mblog.as_object().ok_or_else(|| FetchFailure::parse(url, &mpath, "not an object"))?;
        out.push(parse_mblog(mblog, Some(card), &mpath, url, now)?);
        if let Some(author) = mblog.get("user").and_then(|u| u.get("id")).and_then(id_string) {
            authors.push(author);
        }
    }
    if let Some(group) = card.get("card_group").and_then(Value::as_array) {
        for (j, inner) in group.iter().enumerate() {
            collect_posts(inner, &format!("{path}.card_group[{j}]"), url, now, out, authors)?;
        }
    }
    Ok(())
}

/// One status object (timeline `mblog`, `statuses/show` `data`).
pub fn parse_mblog(
    m: &Map<String, Value>,
    card: Option<&Value>,
    path: &str,
    url: &str,
    now: DateTime<Utc>,
) -> Result<Post, FetchFailure> {
    let id = ["id", "idstr", "mid"]
        .iter()
        .find_map(|k| m.get(*k).and_then(id_string))
        .ok_or_else(|| FetchFailure::parse(url, format!("{path}.id"), "missing"))?;
    let created_raw = m
        .get("created_at")
        .and_then(Value::as_str)
        .ok_or_else(|| FetchFailure::parse(url, format!("{path}.created_at"), "missing"))?;
    let created = parse_created_at(created_raw, now)
        .ok_or_else(|| FetchFailure::parse(url, format!("{path}.created_at"), format!("unknown time form {created_raw:?}")))?;
    let alt_id = ["bid", "mblogid"].iter().find_map(|k| non_empty(m.get(*k)));
    let uid = m.get("user").and_then(|u| u.get("id")).and_then(id_string);
    let post_url = match (&uid, &alt_id) {
        (Some(uid), Some(bid)) => format!("https://weibo.com/{uid}/{bid}"),
        _ => format!("https://m.weibo.cn/detail/{id}"),
    };
    let repost_of = match m.get("retweeted_status") {
        Some(Value::Object(rs)) => Some(parse_repost_source(rs, now)),
        _ => None,
    };
    Ok(Post {
        id,
        alt_id,
        url: Some(post_url),
        published_at: created.at,
        published_at_exact: created.exact,
        text: post_text(m),
        text_truncated: m.get("isLongText").and_then(as_bool_like).unwrap_or(false),
        is_original: repost_of.is_none(),
        is_pinned: is_pinned(m, card),
        comment_state: comment_state(m),
        counts: Counts {
            reposts: m.get("reposts_count").and_then(parse_count),
            comments: m.get("comments_count").and_then(parse_count),
            likes: m.get("attitudes_count").and_then(parse_count),
        },
        repost_of,
    })
}

fn post_text(m: &Map<String, Value>) -> String {
    if let Some(raw) = ["raw_text", "text_raw"].iter().find_map(|k| non_empty(m.get(*k))) {
        return raw;
    }
    m.get("text").and_then(Value::as_str).map(html_to_text).unwrap_or_default()
}

/// Any one of the four pinned signals seen in captures and crawler code.
fn is_pinned(m: &Map<String, Value>, card: Option<&Value>) -> bool {
    m.get("isTop").and_then(as_bool_like) == Some(true)
        || m.get("mblogtype").and_then(as_i64) == Some(2)
        || m.get("title").and_then(|t| t.get("text")).and_then(Value::as_str).is_some_and(|t| t.trim() == "置顶")
        || card
            .and_then(|c| c.get("profile_type_id"))
            .and_then(Value::as_str)
            .is_some_and(|t| t.starts_with("proweibotop"))
}

/// The source of a repost. A deleted or hidden original (`user: null`,
/// `deleted: "1"`, "此微博已被作者删除") is still a source, marked unavailable.
/// Its time counts only when exact: a relative time is left out and the
/// client fetches the original's detail instead.
fn parse_repost_source(rs: &Map<String, Value>, now: DateTime<Utc>) -> RepostOf {
    let user = rs.get("user").and_then(Value::as_object);
    let text = rs.get("text").and_then(Value::as_str).unwrap_or("");
    let deleted = rs.get("deleted").and_then(as_bool_like) == Some(true)
        || text.contains("已被作者删除")
        || text.contains("已被删除")
        || text.contains("无法查看")
        || text.contains("不可见");
    let published_at = rs
        .get("created_at")
        .and_then(Value::as_str)
        .and_then(|s| parse_created_at(s, now))
        .filter(|t| t.exact)
        .map(|t| t.at);
    RepostOf {
        // A deleted original may come without any id; it is still a repost.
        post_id: ["id", "idstr", "mid"].iter().find_map(|k| rs.get(*k).and_then(id_string)).unwrap_or_default(),
        post_alt_id: ["bid", "mblogid"].iter().find_map(|k| non_empty(rs.get(*k))),
        author_id: user.and_then(|u| u.get("id")).and_then(id_string),
        author_name: user.and_then(|u| non_empty(u.get("screen_name"))),
        published_at,
        available: user.is_some() && !deleted,
    }
}

/// Comment state from every signal a status carries; `Unknown` when none.
///
/// - `comment_manage_info.approval_comment_type` ≥ 1: comments are held
///   for approval → `Restricted`.
/// - `comment_manage_info.comment_permission_type == -1` is the default
///   (everyone may comment) → `Open`. Other values are not documented
///   anywhere found, so they do not decide anything.
/// - Restriction phrases in the status's own (non-content) string fields.
///   The post text is skipped: an author writing "评论已关闭" is not the
///   platform's word.
pub fn comment_state(m: &Map<String, Value>) -> CommentState {
    const CLOSED: &[&str] = &["无法进行评论", "关闭评论", "评论已关闭", "不允许评论", "评论功能已关闭"];
    // Phrases are narrow on purpose: a broad one like "可评论" also matches
    // "所有人可评论" and would invent a restriction.
    const RESTRICTED: &[&str] = &["才可评论", "才能评论", "关注后可评论", "评论需审核", "评论需要审核"];
    const CONTENT_FIELDS: &[&str] = &["text", "raw_text", "text_raw", "longText", "source", "page_info", "retweeted_status", "user"];
    let mut restricted = false;
    let mut closed = false;
    for (key, value) in m {
        if CONTENT_FIELDS.contains(&key.as_str()) {
            continue;
        }
        visit_strings(value, &mut |s| {
            closed |= contains_any(s, CLOSED);
            restricted |= contains_any(s, RESTRICTED);
        });
    }
    let cmi = m.get("comment_manage_info");
    if cmi.and_then(|c| c.get("approval_comment_type")).and_then(as_i64).is_some_and(|t| t >= 1) {
        restricted = true;
    }
    if closed {
        CommentState::Closed
    } else if restricted {
        CommentState::Restricted
    } else if cmi.and_then(|c| c.get("comment_permission_type")).and_then(as_i64) == Some(-1) {
        CommentState::Open
    } else {
        CommentState::Unknown
    }
}

fn visit_strings(v: &Value, f: &mut impl FnMut(&str)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().for_each(|x| visit_strings(x, f)),
        Value::Object(o) => o.values().for_each(|x| visit_strings(x, f)),
        _ => {}
    }
}

/// `statuses/show?id=`: one post with its exact time and full text.
pub fn parse_status_show(body: &[u8], url: &str, now: DateTime<Utc>) -> Result<Post, FetchFailure> {
    parse_status_show_response(&ResponseMeta::OK, body, url, now)
}

pub fn parse_status_show_response(
    meta: &ResponseMeta,
    body: &[u8],
    url: &str,
    now: DateTime<Utc>,
) -> Result<Post, FetchFailure> {
    let v = classify_response(meta, body, url)?;
    if let Some(msg) = ok0_msg(&v) {
        return Err(post_ok0(url, msg));
    }
    let data = v
        .get("data")
        .and_then(Value::as_object)
        .ok_or_else(|| FetchFailure::parse(url, "data", "missing from an ok:1 statuses/show answer"))?;
    parse_mblog(data, None, "data", url, now)
}

/// `ok: 0` about a single post.
fn post_ok0(url: &str, msg: &str) -> FetchFailure {
    if contains_any(msg, &["已被作者删除", "已被删除", "不存在", "已删除"]) {
        FetchFailure::NotFound { url: url.to_string(), detail: format!("post: ok:0, msg {msg:?}") }
    } else if contains_any(msg, &["查看权限", "不可见", "仅", "设置"]) {
        FetchFailure::LoginRequired { url: url.to_string(), http_status: None, detail: format!("post not visible to us: msg {msg:?}") }
    } else {
        unknown_ok0(url, msg)
    }
}

/// `statuses/extend?id=`: the full text of a long post.
pub fn parse_longtext(body: &[u8], url: &str) -> Result<LongText, FetchFailure> {
    parse_longtext_response(&ResponseMeta::OK, body, url)
}

pub fn parse_longtext_response(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<LongText, FetchFailure> {
    let v = classify_response(meta, body, url)?;
    if let Some(msg) = ok0_msg(&v) {
        return Err(post_ok0(url, msg));
    }
    let data = v.get("data").ok_or_else(|| FetchFailure::parse(url, "data", "missing"))?;
    let html = data
        .get("longTextContent")
        .and_then(Value::as_str)
        .ok_or_else(|| FetchFailure::parse(url, "data.longTextContent", "missing"))?;
    Ok(LongText {
        text: html_to_text(html),
        counts: Counts {
            reposts: data.get("reposts_count").and_then(parse_count),
            comments: data.get("comments_count").and_then(parse_count),
            likes: data.get("attitudes_count").and_then(parse_count),
        },
    })
}

/// `getIndex?containerid=100103type=3&q={name}`: accounts found by name.
/// Users are read from any card (or `card_group` member) carrying a `user`
/// with an id and a screen name.
pub fn parse_user_search(body: &[u8], url: &str) -> Result<Vec<SearchHit>, FetchFailure> {
    parse_user_search_response(&ResponseMeta::OK, body, url)
}

pub fn parse_user_search_response(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<Vec<SearchHit>, FetchFailure> {
    let v = classify_response(meta, body, url)?;
    if let Some(msg) = ok0_msg(&v) {
        // For a search, "nothing here" is the answer "no such users".
        if msg == NO_CONTENT_MSG {
            return Ok(Vec::new());
        }
        return Err(unknown_ok0(url, msg));
    }
    let cards = v
        .pointer("/data/cards")
        .and_then(Value::as_array)
        .ok_or_else(|| FetchFailure::parse(url, "data.cards", "missing or not an array in an ok:1 search answer"))?;
    let mut hits: Vec<SearchHit> = Vec::new();
    fn walk(card: &Value, path: &str, url: &str, hits: &mut Vec<SearchHit>) -> Result<(), FetchFailure> {
        if let Some(user) = card.get("user").and_then(Value::as_object) {
            let profile = user_to_profile(user, url, &format!("{path}.user"))?;
            if !hits.iter().any(|h| h.platform_id == profile.platform_id) {
                hits.push(SearchHit {
                    profile_url: Some(format!("https://m.weibo.cn/u/{}", profile.platform_id)),
                    platform_id: profile.platform_id,
                    display_name: profile.display_name,
                    verified: profile.verified,
                    verified_type: profile.verified_type,
                    verified_entity: profile.verified_entity,
                    followers: profile.followers,
                    description: profile.description,
                });
            }
        }
        if let Some(group) = card.get("card_group").and_then(Value::as_array) {
            for (j, inner) in group.iter().enumerate() {
                walk(inner, &format!("{path}.card_group[{j}]"), url, hits)?;
            }
        }
        Ok(())
    }
    for (i, card) in cards.iter().enumerate() {
        walk(card, &format!("data.cards[{i}]"), url, &mut hits)?;
    }
    Ok(hits)
}

/// The visitor-cookie answer of `genvisitor2`: cookies from `Set-Cookie`
/// (`SUB`, `SUBP`, `SRT`, `SRF`) and, when the body is the JSONP
/// `visitor_gray_callback({...})`, from `data.sub` / `data.subp`.
/// Without a `SUB` there is no session to use.
pub fn parse_visitor_response(
    meta: &ResponseMeta,
    set_cookies: &[(String, String)],
    body: &[u8],
    url: &str,
) -> Result<std::collections::BTreeMap<String, String>, FetchFailure> {
    if !(200..300).contains(&meta.status) {
        // Reuse the status classification; a 2xx never reaches here.
        return Err(classify_response(meta, body, url).err().unwrap_or_else(|| {
            FetchFailure::parse(url, "http_status", format!("unexpected HTTP {}", meta.status))
        }));
    }
    let mut cookies: std::collections::BTreeMap<String, String> = set_cookies
        .iter()
        .filter(|(name, value)| !value.is_empty() && value != "deleted" && !name.is_empty())
        .cloned()
        .collect();
    let (text, _) = decode_body(body, meta.content_type);
    let json = match (text.find('{'), text.rfind('}')) {
        (Some(a), Some(b)) if a < b => serde_json::from_str::<Value>(&text[a..=b]).ok(),
        _ => None,
    };
    if let Some(data) = json.as_ref().and_then(|j| j.get("data")) {
        for (key, name) in [("sub", "SUB"), ("subp", "SUBP")] {
            if let Some(v) = non_empty(data.get(key)) {
                cookies.entry(name.to_string()).or_insert(v);
            }
        }
    }
    if cookies.get("SUB").is_some_and(|v| !v.is_empty()) {
        return Ok(cookies);
    }
    let lower = text.to_lowercase();
    if text.trim_start().starts_with('<') {
        return Err(classify_page(&text, &lower, meta.status, url));
    }
    let retcode = json.as_ref().and_then(|j| j.get("retcode")).map(|r| r.to_string()).unwrap_or_else(|| "absent".into());
    Err(FetchFailure::parse(url, "SUB", format!("no SUB visitor cookie in the answer (retcode {retcode})")))
}

// ---------------------------------------------------------------------
// Value helpers
// ---------------------------------------------------------------------

/// Counts come as ints or as display strings: "145.5万", "100万+", "3亿",
/// "1,234". `None` for anything else.
pub fn parse_count(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.round() as i64)),
        Value::String(s) => parse_count_str(s),
        _ => None,
    }
}

pub fn parse_count_str(s: &str) -> Option<i64> {
    let s = s.trim().trim_end_matches('+').replace(',', "");
    let (digits, factor) = if let Some(d) = s.strip_suffix("亿") {
        (d, 100_000_000.0)
    } else if let Some(d) = s.strip_suffix('万') {
        (d, 10_000.0)
    } else {
        (s.as_str(), 1.0)
    };
    let digits = digits.trim();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    if factor == 1.0 {
        return digits.parse().ok();
    }
    let n: f64 = digits.parse().ok()?;
    Some((n * factor).round() as i64)
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_bool_like(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(_) | Value::String(_) => match as_i64(v)? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        },
        _ => None,
    }
}

/// Ids come as numbers or strings; Weibo post ids exceed 2^53, so numbers
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
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn counts_as_ints_or_display_strings() {
        assert_eq!(parse_count(&json!(1363591)), Some(1363591));
        assert_eq!(parse_count(&json!("145.5万")), Some(1_455_000));
        assert_eq!(parse_count(&json!("100万+")), Some(1_000_000));
        assert_eq!(parse_count(&json!("3亿")), Some(300_000_000));
        assert_eq!(parse_count(&json!("1,234")), Some(1234));
        assert_eq!(parse_count(&json!("")), None);
        assert_eq!(parse_count(&json!("很多")), None);
        assert_eq!(parse_count(&json!(null)), None);
    }

    #[test]
    fn each_pinned_signal_alone_marks_the_post_pinned() {
        let base = json!({"id": "1", "created_at": "Tue Jun 08 09:35:04 +0800 2021"});
        let now = Utc::now();
        let parse = |extra: Value, card: Value| {
            let mut m = obj(base.clone());
            m.extend(obj(extra));
            parse_mblog(&m, Some(&card), "m", "u", now).unwrap().is_pinned
        };
        assert!(!parse(json!({}), json!({})));
        assert!(parse(json!({"isTop": 1}), json!({})));
        assert!(parse(json!({"mblogtype": 2}), json!({})));
        assert!(parse(json!({"title": {"text": "置顶"}}), json!({})));
        assert!(parse(json!({}), json!({"profile_type_id": "proweibotop_4645748019299849"})));
        assert!(!parse(json!({"mblogtype": 0, "title": {"text": "热门"}}), json!({"profile_type_id": "proweibo_1"})));
    }

    #[test]
    fn comment_state_reads_signals_and_never_guesses_open() {
        assert_eq!(comment_state(&obj(json!({"enable_comment_guide": true}))), CommentState::Unknown);
        assert_eq!(
            comment_state(&obj(json!({"comment_manage_info": {"comment_permission_type": -1, "approval_comment_type": 0}}))),
            CommentState::Open
        );
        assert_eq!(
            comment_state(&obj(json!({"comment_manage_info": {"comment_permission_type": 0, "approval_comment_type": 0}}))),
            CommentState::Unknown
        );
        assert_eq!(
            comment_state(&obj(json!({"comment_manage_info": {"comment_permission_type": -1, "approval_comment_type": 1}}))),
            CommentState::Restricted
        );
        assert_eq!(
            comment_state(&obj(json!({"comment_disable_tip": "抱歉，此微博无法进行评论"}))),
            CommentState::Closed
        );
        assert_eq!(comment_state(&obj(json!({"comment_tip": {"text": "博主已设置关注后才可评论"}}))), CommentState::Restricted);
        assert_eq!(comment_state(&obj(json!({"comment_tip": "所有人可评论"}))), CommentState::Unknown);
        // The author's own words are not the platform's signal.
        assert_eq!(comment_state(&obj(json!({"text": "本条评论已关闭", "raw_text": "无法进行评论"}))), CommentState::Unknown);
    }

    #[test]
    fn deleted_repost_source_is_kept_unavailable() {
        let m = obj(json!({
            "id": "5", "created_at": "Wed Jun 16 20:07:07 +0800 2021",
            "retweeted_status": {"id": "4", "user": null, "text": "抱歉，此微博已被作者删除。查看帮助：<a href='x'>x</a>", "created_at": "Tue Jun 08 09:35:04 +0800 2021"}
        }));
        let p = parse_mblog(&m, None, "m", "u", Utc::now()).unwrap();
        assert!(!p.is_original);
        let r = p.repost_of.unwrap();
        assert_eq!((r.post_id.as_str(), r.available, r.author_id), ("4", false, None));
        assert!(r.published_at.is_some());
        // Without any id at all it is still a repost.
        let m = obj(json!({"id": "5", "created_at": "刚刚", "retweeted_status": {"user": null, "deleted": "1"}}));
        let p = parse_mblog(&m, None, "m", "u", Utc::now()).unwrap();
        assert_eq!(p.repost_of.as_ref().map(|r| (r.post_id.as_str(), r.available)), Some(("", false)));
        assert!(!p.published_at_exact);
    }

    #[test]
    fn relative_repost_source_time_is_not_reported_as_exact() {
        let m = obj(json!({
            "id": "5", "created_at": "Wed Jun 16 20:07:07 +0800 2021",
            "retweeted_status": {"id": "4", "user": {"id": 1, "screen_name": "a"}, "created_at": "3小时前"}
        }));
        let p = parse_mblog(&m, None, "m", "u", Utc::now()).unwrap();
        assert_eq!(p.repost_of.as_ref().unwrap().published_at, None);
        assert_eq!(p.repost_delay(), None);
    }

    #[test]
    fn missing_mblog_fields_are_named() {
        let body = br#"{"ok":1,"data":{"cards":[{"card_type":9,"mblog":{"id":"1"}}]}}"#;
        match parse_timeline(body, "http://t/x", Utc::now()).unwrap_err() {
            FetchFailure::ParseError { field, url, .. } => {
                assert_eq!(field, "data.cards[0].mblog.created_at");
                assert_eq!(url, "http://t/x");
            }
            other => panic!("{other:?}"),
        }
        let body = br#"{"ok":1,"data":{"cards":[{"card_type":9,"mblog":{"id":"1","created_at":"sometime"}}]}}"#;
        assert!(matches!(parse_timeline(body, "u", Utc::now()), Err(FetchFailure::ParseError { .. })));
    }

    #[test]
    fn ok0_messages_decide_only_when_understood() {
        let banned = r#"{"ok":0,"msg":"该账号因被投诉违反法律法规和《微博社区公约》的相关规定，现已无法查看。"}"#;
        assert!(matches!(parse_profile(banned.as_bytes(), "u"), Err(FetchFailure::Banned { .. })));
        assert!(matches!(parse_timeline(banned.as_bytes(), "u", Utc::now()), Err(FetchFailure::Banned { .. })));
        let odd = r#"{"ok":0,"msg":"出了点问题"}"#;
        assert!(matches!(parse_profile(odd.as_bytes(), "u"), Err(FetchFailure::ParseError { ref field, .. }) if field == "msg"));
        let busy = r#"{"ok":0,"msg":"请求过于频繁"}"#;
        assert!(matches!(parse_timeline(busy.as_bytes(), "u", Utc::now()), Err(FetchFailure::Throttled { .. })));
    }
}
