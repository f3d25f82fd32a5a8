//! Pure parsers for the Toutiao profile feed (`platforms.md` §6, field
//! names from RSSHub `lib/routes/toutiao/types.ts`): `data[]` items with
//! `cell_type` (0/49 video, 32 微头条, 60 article), `publish_time` (unix s),
//! `ban_comment`, counts, and the author's block (`user_info`, `user` or
//! `user.info`) with `user_verified` and `verified_content`.

use crate::browser::platform::{PageParser, PageReading};
use crate::browser::{CAPTURE_DOCUMENT, CAPTURE_DOM, CAPTURE_XHR, PageLoad, classify_unreadable_page};
use crate::feed::response::{ResponseMeta, classify_status, empty_body, refusal_in_page, title_suffix};
use crate::model::{Capture, CommentState, Counts, MessageEntry, Platform, Post, Profile, Timeline, same_account_id};
use crate::outcome::{FetchFailure, SourceName};
use crate::text::{decode_body, html_to_text};
use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use serde_json::Value;
use crate::json_value::{as_bool_like, as_i64, id_string};

pub const SRC_PAGE: SourceName = "www.toutiao.com profile page (browser)";
const FEED_API: &str = "/api/pc/list/feed";

/// The account as its feed items show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToutiaoProfile {
    #[serde(flatten)]
    pub profile: Profile,
    /// The numeric user id of the items' author block.
    pub user_id: Option<String>,
    /// `user_auth_info` (a JSON string) as parsed, when present.
    pub auth_info: Option<Value>,
}

/// One page of the profile feed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToutiaoFeed {
    pub timeline: Timeline,
    /// The author as the items show it (the most frequent author block).
    pub author: Option<ToutiaoProfile>,
}

/// Parses a saved feed answer as if served with HTTP 200.
pub fn parse_feed(body: &[u8], url: &str) -> Result<ToutiaoFeed, FetchFailure> {
    parse_feed_response(&ResponseMeta::OK, body, url)
}

/// `api/pc/list/feed?category=profile_all`. An empty `data` is what
/// Toutiao shows for "暂未发表作品" and also what an unsigned request gets,
/// so it is not an answer about the account. The timeline's `owner` and
/// the author's `platform_id` are the numeric `user_id` the items' author
/// block states (the answer states no user token); `more` is `has_more`.
pub fn parse_feed_response(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<ToutiaoFeed, FetchFailure> {
    let (text, _) = decode_body(body, meta.content_type);
    classify_status(meta, &text, url, "feed answer")?;
    if let Some(f) = empty_body(meta, &text, url) {
        // The signature check answers an empty 200.
        return Err(FetchFailure::Blocked {
            url: url.to_string(),
            http_status: Some(meta.status),
            detail: format!("{f}: Toutiao's answer to an unsigned request"),
        });
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
    let message = v.get("message").and_then(Value::as_str).unwrap_or("");
    if message != "success" {
        return Err(FetchFailure::parse(url, "message", format!("message {message:?} (not \"success\")")));
    }
    let items = match v.get("data") {
        Some(Value::Array(a)) => a,
        _ => {
            return Err(FetchFailure::parse(url, "data", "missing: 无法获取用户信息"));
        }
    };
    if items.is_empty() {
        return Err(FetchFailure::parse(url, "data", "empty feed: 暂未发表作品 and an unsigned answer look the same"));
    }
    let mut posts = Vec::new();
    let mut authors: Vec<(ToutiaoProfile, usize)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        posts.push(item_post(item, &format!("data[{i}]"), url)?);
        if let Some(a) = author(item) {
            match authors
                .iter_mut()
                .find(|(p, _)| p.user_id == a.user_id && p.profile.display_name == a.profile.display_name)
            {
                Some((_, n)) => *n += 1,
                None => authors.push((a, 1)),
            }
        }
    }
    let more = v.get("has_more").and_then(as_bool_like);
    let next_cursor = if more == Some(true) { v.pointer("/next/max_behot_time").and_then(id_string) } else { None };
    // The most frequent author block; on a tie the first seen.
    let mut author: Option<(ToutiaoProfile, usize)> = None;
    for (a, n) in authors {
        if author.as_ref().is_none_or(|(_, m)| n > *m) {
            author = Some((a, n));
        }
    }
    let author = author.map(|(a, _)| a);
    let mut timeline = Timeline::new(posts, next_cursor, None);
    timeline.owner = author.as_ref().and_then(|a| a.user_id.clone());
    timeline.more = more;
    Ok(ToutiaoFeed { timeline, author })
}

fn item_post(item: &Value, path: &str, url: &str) -> Result<Post, FetchFailure> {
    let id = ["id", "group_id", "item_id", "thread_id"]
        .iter()
        .find_map(|k| item.get(*k).and_then(id_string))
        .ok_or_else(|| FetchFailure::parse(url, format!("{path}.id"), "missing"))?;
    // `behot_time` is when the item was promoted, not published: only
    // `publish_time` is the publication.
    let published_at = item
        .get("publish_time")
        .and_then(as_i64)
        .filter(|t| *t > 0)
        .and_then(|t| Utc.timestamp_opt(t, 0).single())
        .ok_or_else(|| FetchFailure::parse(url, format!("{path}.publish_time"), "missing or not unix seconds"))?;
    let cell = item.get("cell_type").and_then(as_i64);
    let text = ["title", "content", "rich_content", "abstract"]
        .iter()
        .find_map(|k| {
            item.get(*k)
                .and_then(Value::as_str)
                .map(html_to_text)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_default();
    let link = ["display_url", "share_url", "article_url", "url"]
        .iter()
        .find_map(|k| item.get(*k).and_then(Value::as_str))
        .map(str::to_string);
    let link = link.unwrap_or_else(|| match cell {
        Some(32) => format!("https://www.toutiao.com/w/{id}/"),
        Some(0 | 49) => format!("https://www.toutiao.com/video/{id}/"),
        _ => format!("https://www.toutiao.com/article/{id}/"),
    });
    let ban = item
        .get("ban_comment")
        .and_then(as_bool_like)
        .or_else(|| item.pointer("/itemCell/actionCtrl/banComment").and_then(as_bool_like));
    let comment_state = match ban {
        Some(true) => CommentState::Closed,
        Some(false) => CommentState::Open,
        None => CommentState::Unknown,
    };
    let count = |keys: &[&str]| keys.iter().find_map(|k| item.pointer(k).and_then(as_i64));
    Ok(Post {
        id,
        alt_id: None,
        url: Some(link),
        published_at,
        published_at_exact: true,
        text,
        text_truncated: false,
        is_original: true,
        is_pinned: item.get("label").and_then(Value::as_str).is_some_and(|l| l.trim() == "置顶"),
        repost_of: None,
        comment_state,
        counts: Counts {
            reposts: count(&["/forward_info/forward_count"]),
            comments: count(&["/comment_count", "/itemCell/itemCounter/commentCount"]),
            likes: count(&["/like_count", "/digg_count", "/itemCell/itemCounter/diggCount"]),
        },
    })
}

/// The author block of an item: `user_info` (articles, videos), `user`
/// (微头条) or `user.info` (type 49 videos).
fn author(item: &Value) -> Option<ToutiaoProfile> {
    let block = item
        .get("user_info")
        .filter(|u| u.is_object())
        .or_else(|| item.pointer("/user/info").filter(|u| u.is_object()))
        .or_else(|| item.get("user").filter(|u| u.is_object()))?;
    let name = ["name", "screen_name"]
        .iter()
        .find_map(|k| block.get(*k).and_then(Value::as_str))
        .map(str::trim)
        .filter(|n| !n.is_empty())?;
    let user_id = ["user_id", "id"].iter().find_map(|k| block.get(*k).and_then(id_string));
    let verified = block.get("user_verified").and_then(as_bool_like);
    let content = block
        .get("verified_content")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let auth_info = block.get("user_auth_info").and_then(|a| match a {
        Value::String(s) if !s.trim().is_empty() => serde_json::from_str::<Value>(s).ok(),
        Value::Object(_) => Some(a.clone()),
        _ => None,
    });
    let followers =
        item.pointer("/relation_count/followers_count").or_else(|| block.get("followers_count")).and_then(as_i64);
    Some(ToutiaoProfile {
        profile: Profile {
            platform_id: user_id.clone().unwrap_or_default(),
            display_name: name.to_string(),
            description: block
                .get("description")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            verified: verified.or(content.as_ref().map(|_| true)),
            verified_type: auth_info.as_ref().and_then(|a| a.get("auth_type")).and_then(id_string),
            verified_entity: content,
            followers,
            post_count: None,
            private_message: MessageEntry::Unknown,
            comment_policy: CommentState::Unknown,
        },
        user_id,
        auth_info,
    })
}

/// The Toutiao page parser.
#[derive(Debug)]
pub struct ToutiaoParser;

impl PageParser for ToutiaoParser {
    type Profile = ToutiaoProfile;
    const PLATFORM: Platform = Platform::Toutiao;
    const SOURCE: SourceName = SRC_PAGE;
    const XHR_PATTERNS: &'static [&'static str] = &[FEED_API];

    fn parse(load: &PageLoad, asked: &str, _now: DateTime<Utc>) -> Result<PageReading<ToutiaoProfile>, FetchFailure> {
        parse_page_captures_for(&load.captures, &load.requested_url, Some(asked))
    }

    fn profile(p: &ToutiaoProfile) -> &Profile {
        &p.profile
    }
}

/// The `token` query parameter of a feed request URL.
fn token_param(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1.split('#').next()?;
    query.split('&').find_map(|kv| kv.strip_prefix("token=")).filter(|t| !t.is_empty()).map(str::to_string)
}

/// Whether a feed answer is about `asked`. The registry knows a Toutiao
/// account by its user token (`MS4wLjAB…`) while the answer's items state
/// only the numeric `user_id`, so the two cannot be compared directly:
/// - a numeric `asked` is compared with the stated `user_id`;
/// - a token `asked` is compared with the token the feed request carried
///   (a page that fetched another account's feed, after a redirect or a
///   recommendation, is about another account).
///
/// Either mismatch is `wrong_account`; nothing is overwritten with the
/// registry's id.
pub fn check_feed_identity(feed: &ToutiaoFeed, feed_url: &str, asked: &str) -> Result<(), FetchFailure> {
    let stated = feed.timeline.owner.as_deref();
    if asked.bytes().all(|b| b.is_ascii_digit()) {
        return match stated {
            Some(found) if !same_account_id(asked, found) => {
                Err(FetchFailure::wrong_account(feed_url, asked, found, "the feed's author user_id is another account"))
            }
            _ => Ok(()),
        };
    }
    match token_param(feed_url) {
        Some(token) if !same_account_id(asked, &token) => Err(FetchFailure::wrong_account(
            feed_url,
            asked,
            &token,
            format!("the page fetched another user token's feed (author user_id {})", stated.unwrap_or("not stated")),
        )),
        _ => Ok(()),
    }
}

/// Reads a page load: the feed XHR answers; without any, the page is
/// classified (captcha, login wall, empty page).
pub fn parse_page_captures(captures: &[Capture], page_url: &str) -> Result<PageReading<ToutiaoProfile>, FetchFailure> {
    parse_page_captures_for(captures, page_url, None)
}

/// [`parse_page_captures`] for the page of `asked` (see
/// [`check_feed_identity`]): a feed about another account makes the whole
/// page `wrong_account`.
pub fn parse_page_captures_for(
    captures: &[Capture],
    page_url: &str,
    asked: Option<&str>,
) -> Result<PageReading<ToutiaoProfile>, FetchFailure> {
    let mut feed: Option<Result<ToutiaoFeed, FetchFailure>> = None;
    for c in captures.iter().filter(|c| c.source == CAPTURE_XHR && c.url.contains(FEED_API)) {
        let meta = ResponseMeta {
            status: c.http_status.unwrap_or(200),
            content_type: c.content_type.as_deref(),
            location: None,
            retry_after_secs: None,
        };
        let r = parse_feed_response(&meta, &c.body, &c.url);
        if let (Ok(f), Some(asked)) = (&r, asked) {
            check_feed_identity(f, &c.url, asked)?;
        }
        if feed.as_ref().is_none_or(|f| f.is_err()) {
            feed = Some(r);
        }
    }
    let doc = captures.iter().find(|c| c.source == CAPTURE_DOCUMENT);
    let dom = captures.iter().find(|c| c.source == CAPTURE_DOM);
    let Some(feed) = feed else {
        return Err(match doc.or(dom) {
            Some(page) => classify_unreadable_page(page, dom, page_url, "Toutiao profile page"),
            None => FetchFailure::parse(page_url, "document", "the browser captured no page"),
        });
    };
    match feed {
        Ok(f) => {
            // The author keeps the id the answer states (see
            // `check_feed_identity` for how it was compared).
            let profile = f
                .author
                .ok_or_else(|| FetchFailure::parse(page_url, "data[].user_info", "no author block in the feed items"));
            Ok(PageReading { profile, timeline: Ok(f.timeline) })
        }
        Err(f) if f.is_refusal() || f.is_transient() => Err(f),
        Err(f) => Ok(PageReading { profile: Err(f.clone()), timeline: Err(f) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_from_feed_url() {
        assert_eq!(
            token_param("https://www.toutiao.com/api/pc/list/feed?category=profile_all&token=MS4wLjABAAAAx&max_behot_time=0")
                .as_deref(),
            Some("MS4wLjABAAAAx")
        );
        assert_eq!(token_param("https://www.toutiao.com/api/pc/list/feed?category=profile_all"), None);
    }
}
