//! Generic feeds: RSS 2.0, Atom and JSON Feed, as served by an office's own
//! RSSHub, we-mp-rss or wewe-rss instance. A feed is the fallback source for
//! any platform whose native adapter is blocked or missing (WeChat, Douyin,
//! Toutiao, Kuaishou, ...): it gives a timeline and nothing else.
//!
//! - `parse`: pure parsers (RSS/Atom on quick-xml, JSON Feed on serde_json).
//! - `response`: HTTP-level classification shared with the WeChat and
//!   portal fetchers.
//!
//! quick-xml rather than feed-rs: quick-xml is already in the dependency
//! tree (the root crate's spreadsheet reader uses it), so it costs nothing,
//! while feed-rs brings its own date, MIME and UUID crates; and reading the
//! four fields we need (id, link, title, time) with our own time rules
//! (exact vs. approximate) is a short state machine.

pub mod parse;
pub mod response;

pub use parse::{Feed, FeedFormat, FeedItem, FeedTime};

use crate::capability::{Capabilities, Capability as C, Support as S};
use crate::config::FeedConfig;
use crate::http::{BreakerStatus, PoliteClient, RequestSpec};
use crate::model::{Capture, Platform, Timeline};
use crate::outcome::{Failed, FetchFailure, FetchResult, Fetched, SourceName};
use crate::weibo::Clock;
use chrono::Utc;
use response::ResponseMeta;
use std::sync::Arc;

/// The source name of every feed capture and observation.
pub const SRC_FEED: SourceName = "feed";

/// What a feed can tell: the items and their times. Pins, comment state,
/// reposts, verification and existence are not in a feed (an empty or
/// failing feed says nothing about the account).
pub const FEED_CAPABILITIES: &[(C, S)] = &[(C::Timeline, S::Yes)];

/// Redirects followed for one feed or page (RSSHub and government sites
/// redirect http → https and / → /index.html).
pub(crate) const MAX_REDIRECTS: usize = 3;

pub(crate) fn meta(raw: &crate::http::RawResponse) -> ResponseMeta<'_> {
    ResponseMeta {
        status: raw.status,
        content_type: raw.content_type.as_deref(),
        location: raw.location.as_deref(),
        retry_after_secs: raw.retry_after_secs,
    }
}

/// What one interpreted response is: the value, or a redirect to follow.
pub(crate) enum Hop<T> {
    Done(T),
    Redirect(String),
}

/// GETs `url` through `http`, following ordinary redirects (a redirect to
/// a captcha or login page is the answer itself), and interprets the last
/// response. Every response is kept as evidence.
pub(crate) async fn get_following<T>(
    http: &PoliteClient,
    url: &str,
    source: SourceName,
    headers: &[(&'static str, String)],
    interpret: impl Fn(&crate::http::RawResponse) -> Result<T, FetchFailure>,
) -> (Result<T, FetchFailure>, Vec<Capture>) {
    let mut captures = Vec::new();
    let mut current = url.to_string();
    for _ in 0..=MAX_REDIRECTS {
        let spec_url = current.clone();
        let ex = http
            .fetch(
                || {
                    let mut spec = RequestSpec::get(spec_url.clone(), source);
                    for (k, v) in headers {
                        spec = spec.header(k, v.clone());
                    }
                    spec
                },
                |raw| match response::redirect_target(&meta(raw), raw.url()) {
                    Some(to) => Ok(Hop::Redirect(to)),
                    None => interpret(raw).map(Hop::Done),
                },
            )
            .await;
        captures.extend(ex.captures);
        match ex.result {
            Ok(Hop::Done(v)) => return (Ok(v), captures),
            Ok(Hop::Redirect(to)) => current = to,
            Err(f) => return (Err(f), captures),
        }
    }
    let f = FetchFailure::parse(url, "Location", format!("more than {MAX_REDIRECTS} redirects (last to {current})"));
    (Err(f), captures)
}

/// Fetches feeds for one platform's accounts.
pub struct FeedClient {
    platform: Platform,
    cfg: FeedConfig,
    http: PoliteClient,
    clock: Clock,
}

impl std::fmt::Debug for FeedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedClient").field("platform", &self.platform).finish_non_exhaustive()
    }
}

impl FeedClient {
    pub fn new(cfg: &FeedConfig, platform: Platform) -> Result<Self, String> {
        cfg.validate()?;
        Ok(FeedClient {
            platform,
            cfg: cfg.clone(),
            http: PoliteClient::new(platform, &cfg.policy)?,
            clock: Arc::new(Utc::now),
        })
    }

    /// The time given to items that carry none (marked inexact).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.http.set_clock(clock.clone());
        self.clock = clock;
        self
    }

    pub fn platform(&self) -> Platform {
        self.platform
    }

    pub fn breaker_status(&self) -> BreakerStatus {
        self.http.breaker_status()
    }

    /// The configured feed URL of an account, if any.
    pub fn url_for(&self, platform_id: &str) -> Option<String> {
        self.cfg.url_for(self.platform, platform_id)
    }

    /// Fetches and parses the feed at `url`.
    pub async fn fetch(&self, url: &str) -> FetchResult<Feed> {
        let (result, captures) = get_following(
            &self.http,
            url,
            SRC_FEED,
            &[(
                "Accept",
                "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5"
                    .into(),
            )],
            |raw| parse::parse_feed_response(&meta(raw), raw.body(), raw.url()),
        )
        .await;
        match result {
            Ok(value) => Ok(Fetched { value, captures, source: SRC_FEED, incomplete: Vec::new() }),
            Err(failure) => Err(Failed { failure, captures, source: SRC_FEED }),
        }
    }

    /// The account's feed as a timeline. An account without a configured
    /// URL is a configuration gap, reported as such (never "no posts").
    pub async fn timeline(&self, platform_id: &str) -> FetchResult<Timeline> {
        let Some(url) = self.url_for(platform_id) else {
            return Err(Failed {
                failure: FetchFailure::parse(
                    &format!("feed:{}:{platform_id}", self.platform),
                    "platforms.feed",
                    format!(
                        "no feed URL configured for {}:{platform_id} (set [platforms.feed] urls or templates)",
                        self.platform
                    ),
                ),
                captures: Vec::new(),
                source: SRC_FEED,
            });
        };
        let now = (self.clock)();
        let fetched = self.fetch(&url).await?;
        match check_feed_owner(&fetched.value, self.platform, platform_id, &url) {
            Ok(owner) => Ok(fetched.map(|feed| Timeline { owner, ..parse::feed_timeline(&feed, now) })),
            Err(failure) => Err(Failed { failure, captures: fetched.captures, source: SRC_FEED }),
        }
    }
}

/// The account a feed names itself, and on which platform.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatedAccount {
    pub platform: Platform,
    pub id: String,
}

/// The account a feed states it is about, read from what the feed says
/// (never from the URL it was fetched at):
///
/// 1. its channel link / Atom `alternate` / JSON `home_page_url`, its
///    `self` link and its Atom `<id>`, each read as a platform profile URL
///    (`weibo.com/u/123`, `space.bilibili.com/456`, `douyin.com/user/…`)
///    or an RSSHub route (`/weibo/user/123`, `/bilibili/user/dynamic/456`,
///    `/douyin/user/…`);
/// 2. for WeChat, the `__biz=` of its article links.
///
/// Every statement must agree: two different accounts named (a channel
/// link and a self link of different users, articles of several `__biz`)
/// is no statement at all (`None`), never a guess at one of them.
pub fn stated_account(feed: &Feed) -> Option<StatedAccount> {
    let mut found: Vec<StatedAccount> = [&feed.link, &feed.self_link, &feed.feed_id]
        .into_iter()
        .flatten()
        .filter_map(|u| account_in_url(u))
        .collect();
    found.extend(feed.items.iter().filter_map(|i| i.link.as_deref()).filter_map(wechat_biz_of_link).map(|id| {
        StatedAccount { platform: Platform::Wechat, id }
    }));
    let first = found.first()?.clone();
    found
        .iter()
        .all(|s| s.platform == first.platform && crate::model::same_account_id(&s.id, &first.id))
        .then_some(first)
}

/// The `__biz` of a long WeChat article link.
fn wechat_biz_of_link(link: &str) -> Option<String> {
    let u = url::Url::parse(link).ok()?;
    if !u.host_str().is_some_and(|h| h == "mp.weixin.qq.com") {
        return None;
    }
    let biz = u.query_pairs().find(|(k, _)| k == "__biz")?.1.trim().to_string();
    crate::wechat::looks_like_biz(&biz).then_some(biz)
}

/// The account a platform profile URL or an RSSHub route names. Only
/// shapes whose id is unambiguous are read.
fn account_in_url(raw: &str) -> Option<StatedAccount> {
    let u = url::Url::parse(raw.trim()).ok()?;
    let host = u.host_str()?.to_ascii_lowercase();
    let segs: Vec<&str> = u.path_segments().map(|s| s.filter(|x| !x.is_empty()).collect()).unwrap_or_default();
    let digits = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    let token = |s: &str| !s.is_empty() && s.len() <= 120 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let stated = |platform, id: &str| Some(StatedAccount { platform, id: id.to_string() });
    if let Some(biz) = wechat_biz_of_link(raw) {
        return stated(Platform::Wechat, &biz);
    }
    let host_is = |d: &str| host == d || host.ends_with(&format!(".{d}"));
    // A platform's own profile URL.
    if host_is("weibo.com") || host_is("weibo.cn") {
        return match segs.as_slice() {
            ["u", id, ..] | [id] if digits(id) => stated(Platform::Weibo, id),
            _ => None,
        };
    }
    if host == "space.bilibili.com" {
        return match segs.as_slice() {
            [id, ..] if digits(id) => stated(Platform::Bilibili, id),
            _ => None,
        };
    }
    if host_is("douyin.com") {
        return match segs.as_slice() {
            ["user", id, ..] if token(id) => stated(Platform::Douyin, id),
            _ => None,
        };
    }
    // An RSSHub route, on whatever host the office runs it.
    match segs.as_slice() {
        ["weibo", "user", id, ..] if digits(id) => stated(Platform::Weibo, id),
        ["bilibili", "user", "dynamic" | "video" | "article", id, ..] if digits(id) => stated(Platform::Bilibili, id),
        ["douyin", "user", id, ..] if token(id) => stated(Platform::Douyin, id),
        _ => None,
    }
}

/// What kind of identifier an id is, as far as comparing two of them
/// goes: ids of different kinds (a WeChat 微信号 and a `__biz`, a Douyin
/// short id and a `sec_uid`) name nothing in common and are not compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdKind {
    Digits,
    WechatBiz,
    DouyinSecUid,
    Other,
}

fn id_kind(platform: Platform, id: &str) -> IdKind {
    let id = id.trim();
    if platform == Platform::Wechat && crate::wechat::looks_like_biz(id) {
        IdKind::WechatBiz
    } else if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        IdKind::Digits
    } else if platform == Platform::Douyin && id.starts_with("MS4wLj") {
        IdKind::DouyinSecUid
    } else {
        IdKind::Other
    }
}

/// Whether an id an answer states can be compared with the id asked for:
/// same platform, same known kind. A WeChat account registered by 微信号
/// and a feed stating a `__biz` cannot be compared (nothing public maps
/// one to the other), so neither proves nor refutes the other.
pub fn ids_comparable(platform: Platform, asked: &str, stated: &str) -> bool {
    let kind = id_kind(platform, asked);
    kind != IdKind::Other && kind == id_kind(platform, stated)
}

/// The owner to record for a feed fetched for `platform:asked`: the
/// account the feed names when it names one on this platform, or the
/// failure when that account is comparable with the one asked for and is
/// another (a proxy serving another route's cache, a template pointing at
/// the wrong account).
pub fn check_feed_owner(feed: &Feed, platform: Platform, asked: &str, url: &str) -> Result<Option<String>, FetchFailure> {
    let Some(stated) = stated_account(feed).filter(|s| s.platform == platform) else {
        return Ok(None);
    };
    if ids_comparable(platform, asked, &stated.id) && !crate::model::same_account_id(asked, &stated.id) {
        return Err(FetchFailure::wrong_account(
            url,
            asked,
            &stated.id,
            "the feed names another account (its channel link, self link or article links)",
        ));
    }
    Ok(Some(stated.id))
}

/// A platform observed only through feeds: the adapter for Douyin, Toutiao,
/// Kuaishou, Bilibili or Xiaohongshu accounts when the office runs RSSHub.
#[derive(Debug)]
pub struct FeedAdapter {
    client: FeedClient,
}

impl FeedAdapter {
    pub fn new(cfg: &FeedConfig, platform: Platform) -> Result<Self, String> {
        Ok(FeedAdapter { client: FeedClient::new(cfg, platform)? })
    }

    pub fn client(&self) -> &FeedClient {
        &self.client
    }

    pub fn with_clock(self, clock: Clock) -> Self {
        FeedAdapter { client: self.client.with_clock(clock) }
    }
}

impl crate::Adapter for FeedAdapter {
    fn platform(&self) -> Platform {
        self.client.platform
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::new(self.client.platform, FEED_CAPABILITIES)
    }
    fn timeline<'a>(&'a self, account: &'a str) -> Option<crate::BoxFuture<'a, FetchResult<Timeline>>> {
        Some(Box::pin(self.client.timeline(account)))
    }
    fn health(&self) -> crate::AdapterHealth {
        crate::AdapterHealth {
            breaker: self.client.breaker_status(),
            session: None,
            sources: Vec::new(),
            routes: self.client.http.route_status(),
            requests_per_minute: self.client.http.budget_per_minute(),
        }
    }
}
