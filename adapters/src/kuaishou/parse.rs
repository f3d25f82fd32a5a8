//! Pure parsers for what a Kuaishou profile page receives (`platforms.md`
//! §5): GraphQL `{"data": {"visionProfile": …, "visionProfilePhotoList":
//! {"result": 1, "feeds": [...], "pcursor"}}}`, the REST feed `{"result":
//! 1, "feeds": [...]}` and the Apollo state of the server-rendered page.
//!
//! The data is found by shape rather than by path, because the same
//! objects arrive wrapped three ways: a feed is an object with a `photo`
//! carrying `id` and `timestamp`; a photo alone (Apollo) has `id`,
//! `timestamp` and `caption`; a profile has `user_name`/`userName`.
//! `result` 1 is success, 2 rate-limited, 50 an unsigned request.

use crate::browser::extract::{self, BlobError, field};
use crate::browser::platform::{PageParser, PageReading};
use crate::browser::{CAPTURE_DOCUMENT, CAPTURE_DOM, CAPTURE_XHR, PageLoad, classify_unreadable_page};
use crate::feed::response::{ResponseMeta, classify_status, empty_body, refusal_in_page, title_suffix};
use crate::model::{Capture, CommentState, Counts, MessageEntry, Platform, Post, Profile, Timeline, same_account_id};
use crate::outcome::{FetchFailure, SourceName};
use crate::text::decode_body;
use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use serde_json::Value;
use crate::json_value::{as_bool_like, as_i64, id_string};

pub const SRC_PAGE: SourceName = "www.kuaishou.com profile page (browser)";
const XHR: &[&str] = &["/graphql", "/rest/v/profile/"];

/// A Kuaishou profile with the raw verification detail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KuaishouProfile {
    #[serde(flatten)]
    pub profile: Profile,
    /// `verifiedDetail` as given (`description`, `type`, `newVerified`).
    pub verified_detail: Option<Value>,
}

/// What one answer (or the Apollo state) held.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KuaishouData {
    pub posts: Vec<Post>,
    /// Whether a feed list was present at all (possibly empty).
    pub had_feed: bool,
    pub pcursor: Option<String>,
    /// Whether the feed says more exists: a `pcursor` other than
    /// `"no_more"` = `Some(true)`, `"no_more"` = `Some(false)`, no feed or
    /// no `pcursor` = `None`.
    pub more: Option<bool>,
    /// The feed authors' id (the most frequent), as the answer states it.
    pub owner: Option<String>,
    pub profile: Option<KuaishouProfile>,
}

impl KuaishouData {
    /// The answer's feed as a timeline: posts, cursor, `more`, `owner`.
    pub fn timeline(&self) -> Timeline {
        let mut t = Timeline::new(self.posts.clone(), self.pcursor.clone(), None);
        t.more = self.more;
        t.owner = self.owner.clone();
        t
    }
}

/// Parses a saved JSON answer (GraphQL or REST) as if served with HTTP 200.
pub fn parse_answer(body: &[u8], url: &str) -> Result<KuaishouData, FetchFailure> {
    parse_answer_response(&ResponseMeta::OK, body, url)
}

pub fn parse_answer_response(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<KuaishouData, FetchFailure> {
    let (text, _) = decode_body(body, meta.content_type);
    classify_status(meta, &text, url, "API answer")?;
    if let Some(f) = empty_body(meta, &text, url) {
        return Err(f);
    }
    let trimmed = text.trim_start();
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
    if let Some(errors) = v.get("errors").and_then(Value::as_array).filter(|e| !e.is_empty()) {
        let msg = errors.iter().filter_map(|e| e.get("message").and_then(Value::as_str)).collect::<Vec<_>>().join("; ");
        let lower = msg.to_lowercase();
        let http_status = Some(meta.status);
        return Err(if lower.contains("captcha") || msg.contains("验证") {
            FetchFailure::Captcha {
                url: url.to_string(),
                http_status,
                challenge_url: None,
                detail: format!("GraphQL errors: {msg}"),
            }
        } else if lower.contains("login") || msg.contains("登录") {
            FetchFailure::LoginRequired { url: url.to_string(), http_status, detail: format!("GraphQL errors: {msg}") }
        } else {
            FetchFailure::parse(url, "errors", format!("GraphQL errors: {msg}"))
        });
    }
    check_results(&v, url, meta.status, &v)?;
    Ok(walk_data(&v))
}

/// Every `result` code in the answer (top level or under a GraphQL
/// field) must be 1.
fn check_results(v: &Value, url: &str, status: u16, whole: &Value) -> Result<(), FetchFailure> {
    let mut codes = Vec::new();
    if let Some(r) = v.get("result").and_then(as_i64) {
        codes.push(r);
    }
    if let Some(data) = v.get("data").and_then(Value::as_object) {
        codes.extend(data.values().filter_map(|d| d.get("result")).filter_map(as_i64));
    }
    let http_status = Some(status);
    for code in codes {
        match code {
            1 => {}
            2 => {
                return Err(FetchFailure::Throttled {
                    url: url.to_string(),
                    http_status,
                    retry_after_secs: None,
                    detail: "result 2: rate-limited".into(),
                });
            }
            50 => {
                return Err(FetchFailure::Blocked {
                    url: url.to_string(),
                    http_status,
                    detail: "result 50: the request's __NS_hxfalcon signature was refused".into(),
                });
            }
            // `{"result": 2001, "error_msg": "need captcha"}`: the verification
            // the web client must pass before it is served again.
            2001 => {
                return Err(FetchFailure::Captcha {
                    url: url.to_string(),
                    http_status,
                    challenge_url: None,
                    detail: format!("result 2001 ({:?}): Kuaishou asks for a captcha", error_msg(whole)),
                });
            }
            109 => {
                return Err(FetchFailure::LoginRequired {
                    url: url.to_string(),
                    http_status,
                    detail: "result 109: login required".into(),
                });
            }
            other if error_msg(whole).is_some_and(|m| m.to_lowercase().contains("captcha")) => {
                return Err(FetchFailure::Captcha {
                    url: url.to_string(),
                    http_status,
                    challenge_url: None,
                    detail: format!("result {other} ({:?}): Kuaishou asks for a captcha", error_msg(whole)),
                });
            }
            other => {
                return Err(FetchFailure::parse(url, "result", format!("result {other} not understood")));
            }
        }
    }
    Ok(())
}

/// The answer's own words about a refusal (`error_msg`, `message`), at the
/// top level or under a GraphQL field.
fn error_msg(v: &Value) -> Option<String> {
    let own = |o: &Value| ["error_msg", "message"].iter().find_map(|k| o.get(*k).and_then(Value::as_str)).map(str::to_string);
    own(v).or_else(|| v.get("data").and_then(Value::as_object).and_then(|d| d.values().find_map(own)))
}

/// Walks any JSON for feeds, photos and profiles.
pub fn walk_data(v: &Value) -> KuaishouData {
    let mut out = KuaishouData::default();
    let mut authors: Vec<Value> = Vec::new();
    walk(v, &mut out, &mut authors);
    out.owner = majority_author(&authors);
    // Verification may sit on the feed's author rather than the profile.
    if let Some(p) = out.profile.as_mut()
        && p.profile.verified.is_none()
        && let Some(a) = authors.iter().find(|a| {
            field(a, "id").or_else(|| field(a, "user_id")).and_then(id_string).as_deref()
                == Some(p.profile.platform_id.as_str())
                && field(a, "verified").is_some()
        })
    {
        apply_verification(p, a);
    }
    if out.profile.is_none()
        && let Some(a) = authors.iter().find(|a| field(a, "name").is_some())
        && let Some(id) = field(a, "id").or_else(|| field(a, "user_id")).and_then(id_string)
    {
        let mut p = KuaishouProfile {
            profile: empty_profile(id, field(a, "name").and_then(Value::as_str).unwrap_or("").to_string()),
            verified_detail: None,
        };
        apply_verification(&mut p, a);
        out.profile = Some(p);
    }
    out.posts.sort_by_key(|p| std::cmp::Reverse(p.published_at));
    out
}

/// The id most feed authors state; on a tie the first seen.
fn majority_author(authors: &[Value]) -> Option<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for a in authors {
        if let Some(id) = field(a, "id").or_else(|| field(a, "user_id")).and_then(id_string) {
            match counts.iter_mut().find(|(i, _)| *i == id) {
                Some((_, n)) => *n += 1,
                None => counts.push((id, 1)),
            }
        }
    }
    let mut best: Option<(String, usize)> = None;
    for (id, n) in counts {
        if best.as_ref().is_none_or(|(_, m)| n > *m) {
            best = Some((id, n));
        }
    }
    best.map(|(id, _)| id)
}

fn walk(v: &Value, out: &mut KuaishouData, authors: &mut Vec<Value>) {
    match v {
        Value::Object(o) => {
            if let Some(Value::Array(_)) = o.get("feeds") {
                out.had_feed = true;
                match o.get("pcursor").and_then(id_string) {
                    Some(c) if c == "no_more" => out.more = out.more.or(Some(false)),
                    Some(c) => {
                        out.pcursor = Some(c);
                        out.more = Some(true);
                    }
                    None => {}
                }
            }
            if let Some(photo) = o.get("photo").filter(|p| p.is_object())
                && let Some(post) = photo_post(photo, Some(v))
            {
                push_post(out, post);
                if let Some(a) = o.get("author").filter(|a| a.is_object()) {
                    authors.push(a.clone());
                }
                return;
            }
            if o.contains_key("caption")
                && o.contains_key("timestamp")
                && let Some(post) = photo_post(v, None)
            {
                push_post(out, post);
                return;
            }
            if out.profile.is_none()
                && let Some(p) = profile_from(v)
            {
                out.profile = Some(p);
            }
            for child in o.values() {
                walk(child, out, authors);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| walk(x, out, authors)),
        _ => {}
    }
}

fn push_post(out: &mut KuaishouData, post: Post) {
    if !out.posts.iter().any(|p| p.id == post.id) {
        out.posts.push(post);
    }
}

/// A post from a `photo` (and its feed wrapper, which holds `canAddComment`).
fn photo_post(photo: &Value, feed: Option<&Value>) -> Option<Post> {
    let id = field(photo, "id").and_then(id_string)?;
    let ts = field(photo, "timestamp").and_then(as_i64).filter(|t| *t > 0)?;
    // The unit is not documented; real values are milliseconds. Anything
    // below 10^11 cannot be milliseconds after 1973, so it is seconds.
    let published_at = if ts >= 100_000_000_000 {
        Utc.timestamp_millis_opt(ts).single()?
    } else {
        Utc.timestamp_opt(ts, 0).single()?
    };
    let can_comment = feed
        .and_then(|f| field(f, "can_add_comment"))
        .or_else(|| field(photo, "can_add_comment"))
        .and_then(as_bool_like);
    Some(Post {
        url: Some(format!("https://www.kuaishou.com/short-video/{id}")),
        id,
        alt_id: None,
        published_at,
        published_at_exact: true,
        text: field(photo, "caption").and_then(Value::as_str).unwrap_or("").trim().to_string(),
        text_truncated: false,
        is_original: true,
        is_pinned: field(photo, "profile_user_top_photo").and_then(as_bool_like) == Some(true),
        repost_of: None,
        comment_state: match can_comment {
            Some(true) => CommentState::Open,
            Some(false) => CommentState::Closed,
            None => CommentState::Unknown,
        },
        counts: Counts {
            reposts: None,
            comments: field(photo, "comment_count").and_then(count),
            likes: field(photo, "like_count").and_then(count),
        },
    })
}

/// `userProfile.profile {user_name, user_id, user_text}` plus
/// `ownerCount {fan, photo_public}` beside it, or any object with a
/// `user_name`/`userName` and an id.
fn profile_from(v: &Value) -> Option<KuaishouProfile> {
    let (inner, counts) = match v.get("profile").filter(|p| p.is_object()) {
        Some(p) => (p, v.get("ownerCount")),
        None => (v, None),
    };
    let name = field(inner, "user_name").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())?;
    let id = field(inner, "user_id").and_then(id_string)?;
    let mut p = KuaishouProfile { profile: empty_profile(id, name.to_string()), verified_detail: None };
    p.profile.description =
        field(inner, "user_text").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    p.profile.followers = counts.and_then(|c| field(c, "fan")).and_then(count);
    p.profile.post_count = counts.and_then(|c| field(c, "photo_public").or_else(|| field(c, "photo"))).and_then(count);
    for src in [inner, v] {
        if field(src, "verified").is_some() || field(src, "verified_detail").is_some() {
            apply_verification(&mut p, src);
            break;
        }
    }
    Some(p)
}

fn empty_profile(id: String, name: String) -> Profile {
    Profile {
        platform_id: id,
        display_name: name,
        description: None,
        verified: None,
        verified_type: None,
        verified_entity: None,
        followers: None,
        post_count: None,
        private_message: MessageEntry::Unknown,
        comment_policy: CommentState::Unknown,
    }
}

/// `verified` (bool) and `verifiedDetail {description, type, newVerified}`.
fn apply_verification(p: &mut KuaishouProfile, src: &Value) {
    let detail = field(src, "verified_detail").filter(|d| d.is_object()).cloned();
    let verified = field(src, "verified")
        .and_then(as_bool_like)
        .or_else(|| detail.as_ref().and_then(|d| field(d, "new_verified")).and_then(as_bool_like));
    p.profile.verified = verified;
    p.profile.verified_type = detail.as_ref().and_then(|d| field(d, "type")).and_then(id_string);
    p.profile.verified_entity = detail
        .as_ref()
        .and_then(|d| field(d, "description"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .filter(|_| verified != Some(false));
    p.verified_detail = detail;
}

/// Reads the server-rendered `window.__APOLLO_STATE__` of a profile page.
pub fn parse_apollo_state(html: &str) -> Result<KuaishouData, BlobError> {
    extract::window_json(html, "__APOLLO_STATE__").map(|v| walk_data(&v))
}

/// The Kuaishou page parser.
#[derive(Debug)]
pub struct KuaishouParser;

impl PageParser for KuaishouParser {
    type Profile = KuaishouProfile;
    const PLATFORM: Platform = Platform::Kuaishou;
    const SOURCE: SourceName = SRC_PAGE;
    const XHR_PATTERNS: &'static [&'static str] = XHR;

    fn parse(load: &PageLoad, asked: &str, _now: DateTime<Utc>) -> Result<PageReading<KuaishouProfile>, FetchFailure> {
        parse_page_captures_for(&load.captures, &load.final_url, Some(asked))
    }

    fn profile(p: &KuaishouProfile) -> &Profile {
        &p.profile
    }
}

/// Reads a page load: XHR answers first, the Apollo state where they are
/// silent. An XHR refusal (unsigned, rate-limited) with no data anywhere
/// is the page's outcome.
pub fn parse_page_captures(
    captures: &[Capture],
    final_url: &str,
) -> Result<PageReading<KuaishouProfile>, FetchFailure> {
    parse_page_captures_for(captures, final_url, None)
}

/// Whether what the page received is about `asked` (the profile's
/// `user_id`, the feed authors' id): another account is `wrong_account`.
fn check_identity(data: &KuaishouData, asked: &str, url: &str) -> Result<(), FetchFailure> {
    let profile = data.profile.as_ref().map(|p| (p.profile.platform_id.as_str(), "the profile's user_id"));
    let owner = data.owner.as_deref().map(|o| (o, "the feed authors' id"));
    for (found, what) in [profile, owner].into_iter().flatten() {
        if !same_account_id(asked, found) {
            return Err(FetchFailure::wrong_account(url, asked, found, format!("{what} is another account")));
        }
    }
    Ok(())
}

/// [`parse_page_captures`] for the page of `asked`: a profile or feed
/// about another account makes the whole page `wrong_account`. The
/// profile's public work count (`ownerCount.photo_public`) becomes the
/// timeline's `total`, stated in the same page reading.
pub fn parse_page_captures_for(
    captures: &[Capture],
    final_url: &str,
    asked: Option<&str>,
) -> Result<PageReading<KuaishouProfile>, FetchFailure> {
    let mut data = KuaishouData::default();
    let mut refusal = None;
    for c in captures.iter().filter(|c| c.source == CAPTURE_XHR && XHR.iter().any(|p| c.url.contains(p))) {
        let meta = ResponseMeta {
            status: c.http_status.unwrap_or(200),
            content_type: c.content_type.as_deref(),
            location: None,
            retry_after_secs: None,
        };
        match parse_answer_response(&meta, &c.body, &c.url) {
            Ok(d) => merge(&mut data, d),
            Err(f) => refusal = refusal.or(Some(f)),
        }
    }
    let doc = captures.iter().find(|c| c.source == CAPTURE_DOCUMENT);
    let dom = captures.iter().find(|c| c.source == CAPTURE_DOM);
    if data.profile.is_none() || !data.had_feed {
        for c in [doc, dom].into_iter().flatten() {
            let (html, _) = decode_body(&c.body, c.content_type.as_deref());
            if let Ok(d) = parse_apollo_state(&html) {
                merge(&mut data, d);
                break;
            }
        }
    }
    let page_url = doc.map(|d| d.url.as_str()).unwrap_or(final_url);
    if let Some(asked) = asked {
        check_identity(&data, asked, page_url)?;
    }
    if data.profile.is_none() && !data.had_feed && data.posts.is_empty() {
        if let Some(f) = refusal {
            return Err(f);
        }
        return Err(match doc.or(dom) {
            Some(page) => classify_unreadable_page(page, dom, final_url, "Kuaishou profile page"),
            None => FetchFailure::parse(final_url, "document", "the browser captured no page"),
        });
    }
    let profile = data
        .profile
        .clone()
        .ok_or_else(|| FetchFailure::parse(page_url, "visionProfile", "the page carried no profile"));
    let total = profile.as_ref().ok().and_then(|p| p.profile.post_count);
    let timeline = if !data.posts.is_empty() {
        let mut t = data.timeline();
        t.total = total;
        Ok(t)
    } else {
        match total {
            Some(0) => {
                let mut t = data.timeline();
                t.total = Some(0);
                Ok(t)
            }
            Some(n) => Err(FetchFailure::Blocked {
                url: page_url.to_string(),
                http_status: None,
                detail: format!("no feed items although the profile shows {n} works: not served to us"),
            }),
            None => {
                Err(refusal.unwrap_or_else(|| FetchFailure::parse(page_url, "feeds", "the page carried no feed items")))
            }
        }
    };
    Ok(PageReading { profile, timeline })
}

fn merge(into: &mut KuaishouData, d: KuaishouData) {
    into.had_feed |= d.had_feed;
    if into.pcursor.is_none() {
        into.pcursor = d.pcursor;
    }
    // "More" from any feed read wins over "no more" from another.
    into.more = match (into.more, d.more) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (a, b) => a.or(b),
    };
    if into.owner.is_none() {
        into.owner = d.owner;
    }
    for p in d.posts {
        push_post(into, p);
    }
    match (&mut into.profile, d.profile) {
        (None, p) => into.profile = p,
        // The page's answers arrive in any order, and a feed's authors give
        // a profile without counts: what one answer leaves unsaid about the
        // same account, another may say.
        (Some(mine), Some(theirs)) if mine.profile.platform_id == theirs.profile.platform_id => {
            let (m, t) = (&mut mine.profile, theirs.profile);
            if m.verified.is_none() && t.verified.is_some() {
                m.verified = t.verified;
                m.verified_type = t.verified_type;
                m.verified_entity = t.verified_entity;
                mine.verified_detail = theirs.verified_detail;
            }
            m.description = m.description.take().or(t.description);
            m.followers = m.followers.or(t.followers);
            m.post_count = m.post_count.or(t.post_count);
        }
        _ => {}
    }
    into.posts.sort_by_key(|p| std::cmp::Reverse(p.published_at));
}

/// Counts come as numbers or display strings ("1.2万", "3.4w").
fn count(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => {
            let s = s.trim().to_lowercase();
            match s.strip_suffix('w') {
                Some(d) => crate::weibo::parse::parse_count_str(&format!("{d}万")),
                None => crate::weibo::parse::parse_count_str(&s),
            }
        }
        other => crate::weibo::parse::parse_count(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_in_ms_or_s_and_counts_in_wan() {
        let p = photo_post(&json!({"id": "3x1", "timestamp": 1716170400000i64, "caption": "a"}), None).unwrap();
        let q = photo_post(&json!({"id": "3x2", "timestamp": 1716170400, "caption": "b"}), None).unwrap();
        assert_eq!(p.published_at, q.published_at);
        assert_eq!(count(&json!("1.2w")), Some(12_000));
        assert_eq!(count(&json!("3.4万")), Some(34_000));
        assert_eq!(count(&json!(17)), Some(17));
    }
}
