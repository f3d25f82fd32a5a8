//! Pure parsers for RSS 2.0 (and RSS 1.0/RDF), Atom and JSON Feed: bytes in,
//! a [`Feed`] or a classified failure out.
//!
//! The shapes follow what RSSHub, we-mp-rss and wewe-rss emit. Times: an
//! item's time is exact only when the feed gave a full date-time with a
//! zone (`pubDate`, Atom `published`, JSON `date_published`). A time
//! without a zone is read as Asia/Shanghai and marked inexact; a
//! modification time (`updated`, `date_modified`) standing in for a missing
//! publish time is marked inexact, because RSSHub writes the render time
//! there when an item has no date; an item with no time at all gets the
//! fetch time, marked inexact.

use super::response::{ResponseMeta, classify_status, decode_xml, empty_body, refusal_in_page, title_suffix};
use crate::model::{CommentState, Counts, Post, Timeline};
use crate::outcome::FetchFailure;
use crate::text::html_to_text;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use quick_xml::errors::{Error as XmlError, SyntaxError};
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use serde::Serialize;
use serde_json::Value;

/// Which syndication format the document was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedFormat {
    Rss2,
    /// RSS 1.0 (`rdf:RDF`), still served by some older government sites.
    Rdf,
    Atom,
    JsonFeed,
}

/// A time as the feed gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedTime {
    pub at: DateTime<Utc>,
    /// A full date-time with a zone. False for a date alone or a
    /// date-time without a zone (read as Asia/Shanghai).
    pub exact: bool,
    /// The text as it stood in the feed.
    pub raw: String,
}

/// One entry of a feed, before it becomes a [`Post`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct FeedItem {
    /// RSS `guid`, Atom `id`, JSON `id`.
    pub id: Option<String>,
    pub title: Option<String>,
    pub link: Option<String>,
    /// The body (HTML as given).
    pub summary: Option<String>,
    pub author: Option<String>,
    /// RSS `pubDate` / `dc:date`, Atom `published`, JSON `date_published`.
    pub published: Option<FeedTime>,
    /// Atom `updated`, JSON `date_modified`.
    pub updated: Option<FeedTime>,
}

/// A parsed feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Feed {
    pub format: FeedFormat,
    pub title: Option<String>,
    pub link: Option<String>,
    /// `RSSHub`, `we-mp-rss`, ... when the feed says.
    pub generator: Option<String>,
    /// The feed's own URL as it states it: RSS `atom:link rel="self"`,
    /// Atom `link rel="self"`, JSON Feed `feed_url`. For RSSHub this is
    /// the route, which names the account (`/weibo/user/123`).
    pub self_link: Option<String>,
    /// Atom feed `<id>` (wewe-rss and RSSHub write the feed URL there).
    pub feed_id: Option<String>,
    /// When the feed says it last changed: RSS `lastBuildDate` (else the
    /// channel `pubDate` / `dc:date`), Atom feed `<updated>`. RSSHub writes
    /// its render (cache) time into `lastBuildDate`; wewe-rss writes the
    /// account's last update into `<updated>`. `None` for JSON Feed, which
    /// has no such field.
    pub updated: Option<FeedTime>,
    pub items: Vec<FeedItem>,
}

// ---------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------

/// Parses a saved feed as if served with HTTP 200.
pub fn parse_feed(body: &[u8], url: &str) -> Result<Feed, FetchFailure> {
    parse_feed_response(&ResponseMeta::OK, body, url)
}

/// Classifies the response, then parses RSS, Atom or JSON Feed.
pub fn parse_feed_response(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<Feed, FetchFailure> {
    let (text, _) = decode_xml(body, meta.content_type);
    // RSSHub answers its own error page with HTTP 503 whatever went wrong
    // upstream: what it names (a captcha, a 403) decides the class, not
    // the 503. A message naming nothing known stays a server error.
    if (500..=599).contains(&meta.status)
        && let Some(f) = rsshub_error_failure(&text, meta.status, url)
    {
        return Err(f);
    }
    classify_status(meta, &text, url, "feed")?;
    if let Some(f) = empty_body(meta, &text, url) {
        return Err(f);
    }
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return parse_json_feed(trimmed, body.len(), meta.status, url);
    }
    if looks_like_html(trimmed) {
        return Err(classify_html_instead_of_feed(&text, meta.status, url));
    }
    parse_xml_feed(trimmed, body.len(), meta.status, url)
}

/// The feed's items as a timeline, newest first as given. `now` is the
/// fetch time, used only for items without any time (marked inexact).
///
/// A feed is a fixed window of the newest items: it never says whether
/// more exist (`more: None`) nor how many the account has (`total: None`),
/// so an empty feed proves nothing (`completeness()` is `Unresolved`).
/// `owner` is the account the feed itself names (see
/// [`super::stated_account`]); `source_updated_at` is the feed's own
/// last-change time, which the rules (not the adapter) judge against
/// their limits.
pub fn feed_timeline(feed: &Feed, now: DateTime<Utc>) -> Timeline {
    Timeline {
        owner: super::stated_account(feed).map(|s| s.id),
        more: None,
        source_updated_at: feed.updated.as_ref().map(|t| t.at),
        ..Timeline::new(feed.items.iter().map(|i| item_to_post(i, now)).collect(), None, None)
    }
}

/// `parse_feed` + `feed_timeline`.
pub fn parse_timeline(body: &[u8], url: &str, now: DateTime<Utc>) -> Result<Timeline, FetchFailure> {
    parse_feed(body, url).map(|f| feed_timeline(&f, now))
}

/// One item as a post. The id is the item's guid/id, else its link, else
/// a hash of its title (stable across polls). Feeds show neither pins,
/// comment state nor reposts: those stay at "not pinned", `Unknown` and
/// "original", and the feed capabilities say so.
pub fn item_to_post(item: &FeedItem, now: DateTime<Utc>) -> Post {
    let (published_at, published_at_exact) = match (&item.published, &item.updated) {
        (Some(p), _) => (p.at, p.exact),
        (None, Some(u)) => (u.at, false),
        (None, None) => (now, false),
    };
    let title = item.title.as_deref().map(html_to_text).map(|t| t.trim().to_string()).unwrap_or_default();
    let body = item.summary.as_deref().map(html_to_text).map(|t| t.trim().to_string()).unwrap_or_default();
    let text = if body.is_empty() || body == title {
        title.clone()
    } else if title.is_empty() || body.starts_with(&title) {
        body
    } else {
        format!("{title}\n{body}")
    };
    let id = item.id.clone().or_else(|| item.link.clone()).unwrap_or_else(|| {
        use sha2::{Digest, Sha256};
        format!("title-sha256:{}", &hex::encode(Sha256::digest(title.as_bytes()))[..16])
    });
    Post {
        id,
        alt_id: None,
        url: item.link.clone(),
        published_at,
        published_at_exact,
        text,
        text_truncated: false,
        is_original: true,
        is_pinned: false,
        repost_of: None,
        comment_state: CommentState::Unknown,
        counts: Counts::default(),
    }
}

// ---------------------------------------------------------------------
// Classification of what is not a feed
// ---------------------------------------------------------------------

fn looks_like_html(trimmed: &str) -> bool {
    let head: String = trimmed.chars().take(200).collect::<String>().to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<head") || head.contains("<body")
}

/// An HTML page where a feed was expected: a captcha or login wall of the
/// upstream, a WAF, the feed service's own error page (RSSHub's "Looks like
/// something went wrong"), or something not understood. Never "no items".
fn classify_html_instead_of_feed(text: &str, status: u16, url: &str) -> FetchFailure {
    if let Some(f) = rsshub_error_failure(text, status, url) {
        return f;
    }
    if text.contains(RSSHUB_ERROR_TITLE) {
        // The feed service could not get the upstream page and does not
        // say why in words we know (or its message cannot be read): a
        // server error (worth a retry).
        let message = rsshub_error_message(text).unwrap_or_else(|| "(no readable message)".into());
        return FetchFailure::Network {
            url: url.to_string(),
            http_status: Some(status),
            timeout: false,
            detail: format!("the feed service's error page: {message:?}"),
        };
    }
    if let Some(f) = refusal_in_page(text, status, url) {
        return f;
    }
    FetchFailure::parse(
        url,
        "body",
        format!("expected a feed, got an HTML page{} that was not understood", title_suffix(text)),
    )
}

/// RSSHub's error page classified by what its message names: the
/// upstream's captcha, refusal, rate limit or login wall. `None` when this
/// is not RSSHub's error page or the message names none of them.
///
/// Messages look like `FetchError: [GET] "https://…": 403 Forbidden`
/// (ofetch) or `Response code 418 (I'm a Teapot)` (got, older RSSHub):
/// the upstream status is read from those positions only, so an id that
/// happens to contain `403` in the URL is not a refusal.
fn rsshub_error_failure(text: &str, status: u16, url: &str) -> Option<FetchFailure> {
    let message = rsshub_error_message(text)?;
    let lower = message.to_lowercase();
    let upstream = upstream_status(&message);
    let detail = format!("the feed service's error page: {message:?}");
    let u = url.to_string();
    let http_status = Some(status);
    if lower.contains("captcha") || message.contains("验证") || lower.contains("geetest") {
        return Some(FetchFailure::Captcha { url: u, http_status, challenge_url: None, detail });
    }
    if upstream == Some(429) || lower.contains("too many") || lower.contains("rate limit") || message.contains("频繁")
    {
        return Some(FetchFailure::Throttled { url: u, http_status, retry_after_secs: None, detail });
    }
    if matches!(upstream, Some(403 | 412 | 418 | 432)) || lower.contains("forbidden") || lower.contains("filtered by waf")
    {
        return Some(FetchFailure::Blocked { url: u, http_status, detail });
    }
    if upstream == Some(401) || lower.contains("cookie") || lower.contains("login") || message.contains("登录") {
        return Some(FetchFailure::LoginRequired { url: u, http_status, detail });
    }
    None
}

/// The upstream HTTP status an RSSHub error message quotes: the three
/// digits after `": ` (ofetch: `[GET] "url": 403 Forbidden`) or after
/// `Response code ` / `status code ` (got, axios).
fn upstream_status(message: &str) -> Option<u16> {
    let three_digits = |rest: &str| -> Option<u16> {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        (digits.len() == 3).then(|| digits.parse().ok()).flatten()
    };
    for marker in ["\": ", "Response code ", "status code "] {
        let mut from = 0;
        while let Some(at) = message[from..].find(marker) {
            let after = from + at + marker.len();
            if let Some(code) = three_digits(&message[after..]) {
                return Some(code);
            }
            from = after;
        }
    }
    None
}

/// The message of RSSHub's error page, when this is one: the `<code>`
/// after `Error Message:` (current pages), else the rest of the
/// `Error message:` line (the 2019–2023 pages, e.g. `Error message:
/// 验证码中间页` of the Douyin route). Every index is found after the
/// previous one, so a `<code` without `>` or a `</code>` before the tag's
/// end is "no message here", never a reversed slice.
/// The heading of every RSSHub error page, old and new.
const RSSHUB_ERROR_TITLE: &str = "Looks like something went wrong";

fn rsshub_error_message(text: &str) -> Option<String> {
    if !text.contains(RSSHUB_ERROR_TITLE) {
        return None;
    }
    coded_error_message(text).or_else(|| plain_error_message(text))
}

fn coded_error_message(text: &str) -> Option<String> {
    let at = text.find("Error Message:")?;
    let rest = &text[at..];
    let code = rest.find("<code")?;
    let rest = &rest[code..];
    let start = rest.find('>')? + 1;
    let end = start + rest[start..].find("</code>")?;
    Some(html_to_text(&rest[start..end]).trim().to_string()).filter(|m| !m.is_empty())
}

fn plain_error_message(text: &str) -> Option<String> {
    const LABEL: &str = "error message:";
    let plain = html_to_text(text);
    // ASCII lowercasing keeps every byte offset.
    let at = plain.to_ascii_lowercase().find(LABEL)? + LABEL.len();
    let line = plain[at..].trim_start().lines().next()?;
    let line = line.split("Helpful Information").next().unwrap_or(line).trim();
    (!line.is_empty()).then(|| line.to_string())
}

fn truncated(url: &str, status: u16, bytes: usize, what: &str) -> FetchFailure {
    FetchFailure::Network {
        url: url.to_string(),
        http_status: Some(status),
        timeout: false,
        detail: format!("truncated {what} ({bytes} bytes, cut short)"),
    }
}

// ---------------------------------------------------------------------
// XML: RSS 2.0, RSS 1.0, Atom
// ---------------------------------------------------------------------

#[derive(Default)]
struct Builder {
    format: Option<FeedFormat>,
    title: Option<String>,
    link: Option<String>,
    generator: Option<String>,
    self_link: Option<String>,
    feed_id: Option<String>,
    /// RSS `lastBuildDate` / Atom feed `updated`.
    built: Option<FeedTime>,
    /// RSS channel `pubDate` / `dc:date`: used when `lastBuildDate` is absent.
    channel_published: Option<FeedTime>,
    items: Vec<FeedItem>,
    current: Option<FeedItem>,
    /// The Atom entry's `<link>` candidates: (rel, href).
    entry_links: Vec<(String, String)>,
}

fn parse_xml_feed(text: &str, bytes: usize, status: u16, url: &str) -> Result<Feed, FetchFailure> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let mut buf = String::new();
    let mut b = Builder::default();
    let mut saw_root = false;
    loop {
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(XmlError::Syntax(
                SyntaxError::UnclosedTag
                | SyntaxError::UnclosedCData
                | SyntaxError::UnclosedComment
                | SyntaxError::UnclosedPI
                | SyntaxError::UnclosedXmlDecl
                | SyntaxError::UnclosedDoctype
                | SyntaxError::UnclosedSingleQuotedAttributeValue
                | SyntaxError::UnclosedDoubleQuotedAttributeValue,
            )) => return Err(truncated(url, status, bytes, "XML")),
            Err(e) => {
                return Err(FetchFailure::parse(
                    url,
                    "body",
                    format!("invalid XML at byte {}: {e}", reader.error_position()),
                ));
            }
        };
        match event {
            Event::Start(e) => {
                let name = e.name().as_ref().to_ascii_lowercase();
                if !saw_root {
                    saw_root = true;
                    b.format = Some(match name.as_str() {
                        "rss" => FeedFormat::Rss2,
                        "rdf:rdf" | "rdf" => FeedFormat::Rdf,
                        "feed" => FeedFormat::Atom,
                        other => {
                            return Err(FetchFailure::parse(
                                url,
                                "root",
                                format!("XML but not a feed: the root element is <{other}>"),
                            ));
                        }
                    });
                }
                if matches!(name.as_str(), "item" | "entry") {
                    b.current = Some(FeedItem::default());
                    b.entry_links.clear();
                }
                if name == "link" || name == "atom:link" {
                    note_atom_link(&mut b, &e, stack.last().map(String::as_str));
                }
                stack.push(name);
                buf.clear();
            }
            Event::Empty(e) => {
                let name = e.name().as_ref().to_ascii_lowercase();
                if name == "link" || name == "atom:link" {
                    note_atom_link(&mut b, &e, stack.last().map(String::as_str));
                }
            }
            Event::Text(t) => buf.push_str(&t.xml10_content()),
            Event::CData(t) => buf.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => push_entity(&mut buf, &r),
            Event::End(_) => {
                let Some(name) = stack.pop() else {
                    return Err(FetchFailure::parse(url, "body", "invalid XML: an end tag without a start"));
                };
                let parent = stack.last().map(String::as_str).unwrap_or("");
                let value = std::mem::take(&mut buf);
                end_element(&mut b, &name, parent, value);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() || !saw_root {
        // The document stopped before its root closed: cut short in
        // transit (or an empty document with only a declaration).
        return Err(truncated(url, status, bytes, "XML"));
    }
    Ok(Feed {
        format: b.format.expect("root seen"),
        title: b.title,
        link: b.link,
        generator: b.generator,
        self_link: b.self_link,
        feed_id: b.feed_id,
        updated: b.built.or(b.channel_published),
        items: b.items,
    })
}

fn push_entity(buf: &mut String, r: &quick_xml::events::BytesRef<'_>) {
    let name: &str = r;
    let ch = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
    } else if let Some(dec) = name.strip_prefix('#') {
        dec.parse().ok().and_then(char::from_u32)
    } else {
        match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            // Not XML, but feeds built by string templates carry it.
            "nbsp" => Some('\u{a0}'),
            _ => None,
        }
    };
    match ch {
        Some(c) => buf.push(c),
        None => {
            buf.push('&');
            buf.push_str(name);
            buf.push(';');
        }
    }
}

fn attr(e: &quick_xml::events::BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref().eq_ignore_ascii_case(key))
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.trim().to_string()))
}

/// Atom links are attributes (`<link rel="alternate" href="…"/>`, and
/// `<atom:link rel="self">` inside an RSS channel); RSS links are text and
/// handled at the end tag.
fn note_atom_link(b: &mut Builder, e: &quick_xml::events::BytesStart<'_>, parent: Option<&str>) {
    let Some(href) = attr(e, "href") else { return };
    let rel = attr(e, "rel").unwrap_or_else(|| "alternate".into());
    match parent {
        Some("entry") => b.entry_links.push((rel, href)),
        Some("feed") if rel == "alternate" && b.link.is_none() => b.link = Some(href),
        Some("feed" | "channel") if rel == "self" && b.self_link.is_none() => b.self_link = Some(href),
        _ => {}
    }
}

fn non_empty(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn end_element(b: &mut Builder, name: &str, parent: &str, value: String) {
    if matches!(name, "item" | "entry") {
        if let Some(mut item) = b.current.take() {
            if item.link.is_none() {
                item.link = b
                    .entry_links
                    .iter()
                    .find(|(rel, _)| rel == "alternate")
                    .or_else(|| b.entry_links.first())
                    .map(|(_, h)| h.clone());
            }
            b.items.push(item);
        }
        return;
    }
    if let Some(item) = b.current.as_mut() {
        // Inside an item: the item's own fields (author/name for Atom).
        match (name, parent) {
            ("title", "item" | "entry") => item.title = non_empty(value),
            ("link", "item") => item.link = item.link.take().or(non_empty(value)),
            ("guid", "item") | ("id", "entry") => item.id = non_empty(value),
            ("pubdate", "item") | ("published", "entry") | ("dc:date", "item") if item.published.is_none() => {
                item.published = parse_feed_time(&value);
            }
            ("updated", "entry") | ("atom:updated", "item") => item.updated = parse_feed_time(&value),
            ("description", "item") | ("summary", "entry") if item.summary.is_none() => {
                item.summary = non_empty(value);
            }
            // Full content wins over a summary.
            ("content:encoded", "item") | ("content", "entry") => {
                if let Some(v) = non_empty(value) {
                    item.summary = Some(v);
                }
            }
            ("author" | "dc:creator", "item") | ("name", "author") => item.author = non_empty(value),
            _ => {}
        }
        return;
    }
    match (name, parent) {
        ("title", "channel" | "feed") => b.title = non_empty(value),
        ("link", "channel") if b.link.is_none() => b.link = non_empty(value),
        ("generator", "channel" | "feed") => b.generator = non_empty(value),
        ("id", "feed") => b.feed_id = non_empty(value),
        ("lastbuilddate", "channel") | ("updated", "feed") => b.built = parse_feed_time(&value),
        ("pubdate" | "dc:date", "channel") if b.channel_published.is_none() => {
            b.channel_published = parse_feed_time(&value);
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------
// JSON Feed
// ---------------------------------------------------------------------

fn parse_json_feed(text: &str, bytes: usize, status: u16, url: &str) -> Result<Feed, FetchFailure> {
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) if e.is_eof() => return Err(truncated(url, status, bytes, "JSON")),
        Err(e) => return Err(FetchFailure::parse(url, "body", format!("invalid JSON: {e}"))),
    };
    let version = v.get("version").and_then(Value::as_str).unwrap_or("");
    if !version.contains("jsonfeed.org") {
        let keys: Vec<&str> = v.as_object().map(|o| o.keys().map(String::as_str).take(8).collect()).unwrap_or_default();
        return Err(FetchFailure::parse(
            url,
            "version",
            format!("JSON but not a JSON Feed (no jsonfeed.org version; keys: {})", keys.join(", ")),
        ));
    }
    let items = v
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| FetchFailure::parse(url, "items", "a JSON Feed without an items array"))?;
    let s = |o: &Value, k: &str| {
        o.get(k).and_then(Value::as_str).map(str::trim).filter(|x| !x.is_empty()).map(str::to_string)
    };
    let items = items
        .iter()
        .map(|i| FeedItem {
            id: s(i, "id").or_else(|| i.get("id").and_then(Value::as_i64).map(|n| n.to_string())),
            title: s(i, "title"),
            link: s(i, "url"),
            summary: s(i, "content_html").or_else(|| s(i, "content_text")).or_else(|| s(i, "summary")),
            author: i
                .get("authors")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(|a| s(a, "name"))
                .or_else(|| i.get("author").and_then(|a| s(a, "name"))),
            published: s(i, "date_published").as_deref().and_then(parse_feed_time),
            updated: s(i, "date_modified").as_deref().and_then(parse_feed_time),
        })
        .collect();
    Ok(Feed {
        format: FeedFormat::JsonFeed,
        title: s(&v, "title"),
        link: s(&v, "home_page_url"),
        generator: None,
        self_link: s(&v, "feed_url"),
        feed_id: None,
        updated: None,
        items,
    })
}

// ---------------------------------------------------------------------
// Times
// ---------------------------------------------------------------------

/// RFC 2822 (`Mon, 20 May 2024 01:00:00 GMT`, RSS; RSSHub also writes it
/// into JSON Feed), RFC 3339 (Atom, JSON Feed), and the zone-less forms
/// Chinese feeds use (`2024-05-20 09:00:00`, `2024/05/20 09:00`,
/// `2024-05-20`), read as Asia/Shanghai and marked inexact. `None` for
/// anything else: an unknown form is not a time.
pub fn parse_feed_time(raw: &str) -> Option<FeedTime> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    let exact = |at: DateTime<Utc>| Some(FeedTime { at, exact: true, raw: s.to_string() });
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return exact(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return exact(t.with_timezone(&Utc));
    }
    // RFC 3339 without seconds or with a space: `2024-05-20T09:00+08:00`.
    for fmt in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%d %H:%M:%S%:z", "%Y-%m-%d %H:%M:%S %z", "%a, %d %b %Y %H:%M %z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return exact(t.with_timezone(&Utc));
        }
    }
    let shanghai = |n: NaiveDateTime| Shanghai.from_local_datetime(&n).single().map(|t| t.with_timezone(&Utc));
    let normalized = s.replace('/', "-").replace('T', " ");
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(&normalized, fmt) {
            return Some(FeedTime { at: shanghai(n)?, exact: false, raw: s.to_string() });
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(&normalized, "%Y-%m-%d") {
        return Some(FeedTime { at: shanghai(d.and_hms_opt(0, 0, 0)?)?, exact: false, raw: s.to_string() });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Shanghai.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn time_forms() {
        let t = parse_feed_time("Mon, 20 May 2024 01:00:00 GMT").unwrap();
        assert_eq!((t.at, t.exact), (sh(2024, 5, 20, 9, 0, 0), true));
        let t = parse_feed_time("Mon, 20 May 2024 09:00:00 +0800").unwrap();
        assert_eq!((t.at, t.exact), (sh(2024, 5, 20, 9, 0, 0), true));
        let t = parse_feed_time("2024-05-20T01:00:00.000Z").unwrap();
        assert_eq!((t.at, t.exact), (sh(2024, 5, 20, 9, 0, 0), true));
        let t = parse_feed_time("2024-05-20T09:00+08:00").unwrap();
        assert_eq!((t.at, t.exact), (sh(2024, 5, 20, 9, 0, 0), true));
        let t = parse_feed_time("2024-05-20 09:00:00").unwrap();
        assert_eq!((t.at, t.exact), (sh(2024, 5, 20, 9, 0, 0), false));
        let t = parse_feed_time("2024/05/20").unwrap();
        assert_eq!((t.at, t.exact), (sh(2024, 5, 20, 0, 0, 0), false));
        for bad in ["", "yesterday", "2024-13-01", "20 May"] {
            assert_eq!(parse_feed_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn post_id_falls_back_to_link_then_title_hash() {
        let now = sh(2024, 5, 20, 12, 0, 0);
        let item = FeedItem { link: Some("https://x/1".into()), title: Some("标题".into()), ..FeedItem::default() };
        let p = item_to_post(&item, now);
        assert_eq!(p.id, "https://x/1");
        // No time at all: the fetch time, never claimed exact.
        assert_eq!((p.published_at, p.published_at_exact), (now, false));
        let a = item_to_post(&FeedItem { title: Some("标题".into()), ..FeedItem::default() }, now);
        let b = item_to_post(&FeedItem { title: Some("标题".into()), ..FeedItem::default() }, now);
        assert!(a.id.starts_with("title-sha256:") && a.id == b.id);
    }

    #[test]
    fn updated_alone_is_not_an_exact_publish_time() {
        let body = br#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
            <entry><id>a</id><title>x</title><updated>2024-05-20T01:00:00Z</updated></entry></feed>"#;
        let t = parse_timeline(body, "u", Utc::now()).unwrap();
        assert_eq!(t.posts[0].published_at, sh(2024, 5, 20, 9, 0, 0));
        assert!(!t.posts[0].published_at_exact);
    }
}
