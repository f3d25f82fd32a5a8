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
        self.fetch(&url).await.map(|f| f.map(|feed| parse::feed_timeline(&feed, now)))
    }
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
        crate::AdapterHealth { breaker: self.client.breaker_status(), session: None, sources: Vec::new() }
    }
}
