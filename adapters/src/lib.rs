//! xunjian adapters: a platform's public pages → platform-neutral
//! observations ([`model`]), each with the raw responses as evidence, or a
//! classified failure ([`outcome::FetchFailure`]) that means "could not
//! check" unless the platform itself said the account is gone.
//!
//! Layout: one module per platform (`weibo/`, `wechat/`, `bilibili/`)
//! declaring its [`capability::Capabilities`], pure parsers over bytes, and a
//! thin client on the shared polite fetcher ([`http::PoliteClient`]);
//! `browser/` drives a headless Chromium for the platforms whose APIs need
//! signatures computed in the page (`douyin/`, `toutiao/`, `kuaishou/`);
//! `feed/` reads RSS/Atom/JSON feeds for any platform, `portal/` reads
//! government portal homepages for opening and closing notices.

pub mod bilibili;
pub mod browser;
pub mod capability;
pub mod config;
pub mod douyin;
pub mod feed;
pub mod http;
mod json_value;
pub mod kuaishou;
pub mod model;
pub mod outcome;
pub mod portal;
pub mod text;
pub mod toutiao;
pub mod wechat;
pub mod weibo;

pub use capability::{Capabilities, Capability, Support, capabilities};
pub use config::{
    BilibiliConfig, BrowserConfig, DouyinConfig, FeedConfig, HttpPolicy, KuaishouConfig, PlatformsConfig, PortalConfig,
    Secret, ToutiaoConfig, WechatConfig, WechatSource, WeiboConfig,
};
pub use http::{BreakerStatus, RouteStatus};
pub use outcome::{Failed, FetchFailure, FetchResult, Fetched};

use chrono::{DateTime, Utc};
use model::{Platform, Post, Profile, SearchHit, Timeline};
use weibo::ResponseMeta;
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the daemon can show about an adapter's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdapterHealth {
    pub breaker: BreakerStatus,
    pub session: Option<weibo::SessionStatus>,
    /// Further sources with their own budget and breaker (WeChat: Sogou,
    /// the feed, the backend session).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceHealth>,
    /// The egress routes of the fetcher that polls accounts, each with its
    /// budget and breaker (empty for the browser platforms).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<http::RouteStatus>,
    /// Requests a minute that polling may send, all routes together; what
    /// the daemon plans with (repost target checks in their window).
    pub requests_per_minute: u32,
}

/// One source of an adapter: its breaker and its last problem (e.g. an
/// expired backend session that a person must replace).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceHealth {
    pub source: &'static str,
    pub breaker: BreakerStatus,
    pub last_error: Option<String>,
}

/// An account as an adapter needs it: the platform id, and the registry's
/// name for sources that search by name (Sogou cannot search a WeChat
/// `__biz`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRef {
    pub platform_id: String,
    pub name: Option<String>,
}

impl AccountRef {
    pub fn new(platform_id: impl Into<String>) -> Self {
        AccountRef { platform_id: platform_id.into(), name: None }
    }
    pub fn named(platform_id: impl Into<String>, name: impl Into<String>) -> Self {
        AccountRef { platform_id: platform_id.into(), name: Some(name.into()) }
    }
}

/// The platform-neutral face of an adapter. A method returns `None` when
/// the platform cannot observe that at all (see [`Capabilities`]): the
/// caller gets "no", never a guess. Account existence is the profile
/// fetch: `Ok` = exists, `NotFound` / `Banned` = the platform's word.
pub trait Adapter: Send + Sync {
    fn platform(&self) -> Platform;
    fn capabilities(&self) -> Capabilities {
        capabilities(self.platform())
    }
    fn profile<'a>(&'a self, _account: &'a str) -> Option<BoxFuture<'a, FetchResult<Profile>>> {
        None
    }
    fn timeline<'a>(&'a self, _account: &'a str) -> Option<BoxFuture<'a, FetchResult<Timeline>>> {
        None
    }
    fn post<'a>(&'a self, _post_id: &'a str) -> Option<BoxFuture<'a, FetchResult<Post>>> {
        None
    }
    fn search_users<'a>(&'a self, _name: &'a str) -> Option<BoxFuture<'a, FetchResult<Vec<SearchHit>>>> {
        None
    }
    /// The profile, with the registry's name at hand for adapters that
    /// search by name. Defaults to [`Adapter::profile`].
    fn profile_of<'a>(&'a self, account: &'a AccountRef) -> Option<BoxFuture<'a, FetchResult<Profile>>> {
        self.profile(&account.platform_id)
    }
    /// The timeline, with the registry's name at hand (WeChat's Sogou and
    /// backend sources). Defaults to [`Adapter::timeline`].
    fn timeline_of<'a>(&'a self, account: &'a AccountRef) -> Option<BoxFuture<'a, FetchResult<Timeline>>> {
        self.timeline(&account.platform_id)
    }
    fn health(&self) -> AdapterHealth;
}

impl Adapter for weibo::WeiboClient {
    fn platform(&self) -> Platform {
        Platform::Weibo
    }
    fn profile<'a>(&'a self, account: &'a str) -> Option<BoxFuture<'a, FetchResult<Profile>>> {
        Some(Box::pin(async move { weibo::WeiboClient::profile(self, account).await.map(|f| f.map(|p| p.profile)) }))
    }
    fn timeline<'a>(&'a self, account: &'a str) -> Option<BoxFuture<'a, FetchResult<Timeline>>> {
        Some(Box::pin(weibo::WeiboClient::timeline(self, account)))
    }
    fn post<'a>(&'a self, post_id: &'a str) -> Option<BoxFuture<'a, FetchResult<Post>>> {
        Some(Box::pin(weibo::WeiboClient::post(self, post_id)))
    }
    fn search_users<'a>(&'a self, name: &'a str) -> Option<BoxFuture<'a, FetchResult<Vec<SearchHit>>>> {
        Some(Box::pin(weibo::WeiboClient::search_users(self, name)))
    }
    fn health(&self) -> AdapterHealth {
        AdapterHealth {
            breaker: self.breaker_status(),
            session: Some(self.session_status()),
            sources: Vec::new(),
            routes: self.http().route_status(),
            requests_per_minute: self.http().budget_per_minute(),
        }
    }
}

impl Adapter for wechat::WechatClient {
    fn platform(&self) -> Platform {
        Platform::Wechat
    }
    fn profile<'a>(&'a self, account: &'a str) -> Option<BoxFuture<'a, FetchResult<Profile>>> {
        Some(Box::pin(async move { self.profile_of(&AccountRef::new(account)).await }))
    }
    fn timeline<'a>(&'a self, account: &'a str) -> Option<BoxFuture<'a, FetchResult<Timeline>>> {
        Some(Box::pin(async move { self.timeline_of(&AccountRef::new(account)).await }))
    }
    fn post<'a>(&'a self, post_id: &'a str) -> Option<BoxFuture<'a, FetchResult<Post>>> {
        Some(Box::pin(async move { self.article(post_id).await.map(|f| f.map(|a| a.post)) }))
    }
    fn search_users<'a>(&'a self, name: &'a str) -> Option<BoxFuture<'a, FetchResult<Vec<SearchHit>>>> {
        Some(Box::pin(wechat::WechatClient::search_users(self, name)))
    }
    fn profile_of<'a>(&'a self, account: &'a AccountRef) -> Option<BoxFuture<'a, FetchResult<Profile>>> {
        Some(Box::pin(wechat::WechatClient::profile_of(self, account)))
    }
    fn timeline_of<'a>(&'a self, account: &'a AccountRef) -> Option<BoxFuture<'a, FetchResult<Timeline>>> {
        Some(Box::pin(wechat::WechatClient::timeline_of(self, account)))
    }
    fn health(&self) -> AdapterHealth {
        AdapterHealth {
            breaker: self.breaker_status(),
            session: None,
            sources: self.source_status(),
            routes: self.polling_http().route_status(),
            requests_per_minute: self.polling_http().budget_per_minute(),
        }
    }
}

impl Adapter for bilibili::BilibiliClient {
    fn platform(&self) -> Platform {
        Platform::Bilibili
    }
    fn profile<'a>(&'a self, account: &'a str) -> Option<BoxFuture<'a, FetchResult<Profile>>> {
        Some(Box::pin(
            async move { bilibili::BilibiliClient::profile(self, account).await.map(|f| f.map(|p| p.profile)) },
        ))
    }
    fn timeline<'a>(&'a self, account: &'a str) -> Option<BoxFuture<'a, FetchResult<Timeline>>> {
        Some(Box::pin(bilibili::BilibiliClient::timeline(self, account)))
    }
    fn search_users<'a>(&'a self, name: &'a str) -> Option<BoxFuture<'a, FetchResult<Vec<SearchHit>>>> {
        Some(Box::pin(bilibili::BilibiliClient::search_users(self, name)))
    }
    fn health(&self) -> AdapterHealth {
        let sources = match self.session_error() {
            Some(e) => {
                vec![SourceHealth { source: "buvid3 / WBI keys", breaker: self.breaker_status(), last_error: Some(e) }]
            }
            None => Vec::new(),
        };
        AdapterHealth {
            breaker: self.breaker_status(),
            session: None,
            sources,
            routes: self.http().route_status(),
            requests_per_minute: self.http().budget_per_minute(),
        }
    }
}

/// Secrets the root crate looked up (env / credential files).
#[derive(Debug, Clone, Default)]
pub struct PlatformSecrets {
    /// A logged-in Weibo `Cookie` header value; visitor cookies otherwise.
    pub weibo_cookie: Option<Secret>,
    /// An official-account backend session (secret `wechat-mp-cookie`):
    /// the `Cookie` header of a logged-in mp.weixin.qq.com session.
    pub wechat_mp_cookie: Option<Secret>,
    /// Its `token` (secret `wechat-mp-token`), from the backend's URLs.
    pub wechat_mp_token: Option<Secret>,
}

/// One adapter per enabled platform that has one. A platform without a
/// native adapter (or with it disabled) gets a feed adapter when
/// `[platforms.feed]` has URLs for it. Douyin, Toutiao and Kuaishou are
/// native only with `[platforms.browser]` enabled (one Chromium pool for
/// the three); without it they fall back to their feeds.
pub fn build_adapters(cfg: &PlatformsConfig, secrets: &PlatformSecrets) -> Result<Vec<Arc<dyn Adapter>>, String> {
    build_adapters_with_clock(cfg, secrets, Arc::new(Utc::now))
}

/// [`build_adapters`] on the daemon's clock: it stamps every capture and
/// resolves relative times ("3小时前"), so a simulated run's evidence carries
/// simulated times.
pub fn build_adapters_with_clock(
    cfg: &PlatformsConfig,
    secrets: &PlatformSecrets,
    clock: weibo::Clock,
) -> Result<Vec<Arc<dyn Adapter>>, String> {
    let mut out: Vec<Arc<dyn Adapter>> = Vec::new();
    if cfg.weibo.enabled {
        out.push(Arc::new(
            weibo::WeiboClient::new(&cfg.weibo, secrets.weibo_cookie.clone())?.with_clock(clock.clone()),
        ));
    }
    if cfg.wechat.enabled {
        out.push(Arc::new(
            wechat::WechatClient::new(
                &cfg.wechat,
                &cfg.feed,
                secrets.wechat_mp_cookie.clone(),
                secrets.wechat_mp_token.clone(),
            )?
            .with_clock(clock.clone()),
        ));
    }
    if cfg.bilibili.enabled {
        out.push(Arc::new(bilibili::BilibiliClient::new(&cfg.bilibili)?.with_clock(clock.clone())));
    }
    let browsed = |enabled: bool| cfg.browser.enabled && enabled;
    let any_browsed = browsed(cfg.douyin.enabled) || browsed(cfg.toutiao.enabled) || browsed(cfg.kuaishou.enabled);
    if any_browsed {
        let fetcher = Arc::new(browser::BrowserFetcher::new(&cfg.browser)?);
        if browsed(cfg.douyin.enabled) {
            out.push(Arc::new(douyin::DouyinClient::new(fetcher.clone(), cfg.douyin.site())?.with_clock(clock.clone())));
        }
        if browsed(cfg.toutiao.enabled) {
            out.push(Arc::new(toutiao::ToutiaoClient::new(fetcher.clone(), cfg.toutiao.site())?.with_clock(clock.clone())));
        }
        if browsed(cfg.kuaishou.enabled) {
            out.push(Arc::new(kuaishou::KuaishouClient::new(fetcher, cfg.kuaishou.site())?.with_clock(clock.clone())));
        }
    }
    for platform in Platform::ALL {
        let native = match platform {
            Platform::Weibo => cfg.weibo.enabled,
            Platform::Wechat => cfg.wechat.enabled,
            Platform::Bilibili => cfg.bilibili.enabled,
            Platform::Douyin => browsed(cfg.douyin.enabled),
            Platform::Toutiao => browsed(cfg.toutiao.enabled),
            Platform::Kuaishou => browsed(cfg.kuaishou.enabled),
            Platform::Xiaohongshu => false,
        };
        if !native && cfg.feed.covers(platform) {
            out.push(Arc::new(feed::FeedAdapter::new(&cfg.feed, platform)?.with_clock(clock.clone())));
        }
    }
    Ok(out)
}

/// The portal fetcher, when enabled. `label` only names its breaker in
/// status output (portals are not a platform).
pub fn build_portal_client(cfg: &PlatformsConfig, label: Platform) -> Result<Option<portal::PortalClient>, String> {
    build_portal_client_with_clock(cfg, label, Arc::new(Utc::now))
}

/// [`build_portal_client`] stamping captures with the daemon's clock.
pub fn build_portal_client_with_clock(
    cfg: &PlatformsConfig,
    label: Platform,
    clock: weibo::Clock,
) -> Result<Option<portal::PortalClient>, String> {
    if !cfg.portal.enabled {
        return Ok(None);
    }
    portal::PortalClient::new(&cfg.portal, label).map(|c| Some(c.with_clock(clock)))
}

/// Why `parse_file` / `debug_fetch` produced no observation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DebugError {
    /// The platform classified the answer (or it was not understood).
    #[error("{0}")]
    Failure(FetchFailure),
    /// Understood, but not decidable from this one answer (a timeline's
    /// `这里还没有内容`: deleted account or no posts; ask the profile).
    #[error("unresolved: {0}")]
    Unresolved(String),
    /// Unknown platform or kind, bad argument.
    #[error("{0}")]
    Usage(String),
}

impl DebugError {
    /// The JSON printed for a failure: `{"outcome": "captcha", ...}`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            DebugError::Failure(f) => serde_json::to_value(f).unwrap_or_default(),
            DebugError::Unresolved(detail) => serde_json::json!({"outcome": "unresolved", "detail": detail}),
            DebugError::Usage(detail) => serde_json::json!({"outcome": "usage_error", "detail": detail}),
        }
    }
}

/// Kinds `parse_file` understands per platform.
pub fn parse_kinds(platform: Platform) -> &'static [&'static str] {
    match platform {
        Platform::Weibo => &["profile", "timeline", "post", "longtext", "search"],
        Platform::Wechat => &["article", "sogou", "backend", "searchbiz", "about"],
        Platform::Bilibili => &["dynamics", "profile", "live", "search", "nav"],
        Platform::Douyin => &["page", "profile", "posts"],
        Platform::Toutiao => &["page", "feed"],
        Platform::Kuaishou => &["page", "answer"],
        Platform::Xiaohongshu => &[],
    }
}

/// Kinds `parse_target_file` understands for the generic sources.
pub const FEED_PARSE_KINDS: &[&str] = &["timeline", "feed"];
pub const PORTAL_PARSE_KINDS: &[&str] = &["home", "notice"];

fn to_json<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).expect("observations serialise")
}

/// How `debug parse` judges a saved response: the HTTP status and content
/// type it came with, and the account it was fetched for.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// The HTTP status the response came with; `None` is 200.
    pub status: Option<u16>,
    pub content_type: Option<String>,
    /// The id the response was fetched for (uid, mid, `__biz`, sec_uid,
    /// author id, feed link): an answer stating another is `wrong_account`.
    pub expect_id: Option<String>,
}

impl ParseOptions {
    fn meta(&self) -> ResponseMeta<'_> {
        ResponseMeta {
            status: self.status.unwrap_or(200),
            content_type: self.content_type.as_deref(),
            location: None,
            retry_after_secs: None,
        }
    }

    /// The identity check every client makes, on the JSON of a parsed
    /// answer: a timeline's `owner`, a profile's `platform_id`.
    fn check_identity(&self, value: serde_json::Value, url: &str) -> Result<serde_json::Value, DebugError> {
        self.check_identity_if(value, url, |_, _| true)
    }

    /// [`ParseOptions::check_identity`] for answers whose ids come in
    /// several kinds (a WeChat 微信号 vs. a `__biz`, a feed naming a
    /// Douyin `sec_uid`): ids are compared only when `comparable(asked,
    /// stated)`, as the clients do.
    fn check_identity_if(
        &self,
        value: serde_json::Value,
        url: &str,
        comparable: impl Fn(&str, &str) -> bool,
    ) -> Result<serde_json::Value, DebugError> {
        let Some(expected) = self.expect_id.as_deref() else { return Ok(value) };
        let stated = |v: &serde_json::Value| -> Option<String> {
            ["owner", "platform_id"].iter().find_map(|k| v.get(*k).and_then(|x| x.as_str()).map(str::to_string))
        };
        let mut found = stated(&value);
        for part in ["timeline", "profile", "author", "page"] {
            if found.is_none() {
                found = value.get(part).and_then(stated);
            }
        }
        match found {
            Some(found) if comparable(expected, &found) && !model::same_account_id(expected, &found) => Err(DebugError::Failure(
                FetchFailure::wrong_account(url, expected, &found, "the answer states another account's id"),
            )),
            _ => Ok(value),
        }
    }
}

/// Parses a saved response as `kind` of `platform`, as if served with the
/// HTTP status in `opts` (200 by default), and returns the normalized
/// observation as JSON. With `opts.expect_id`, an answer that states it is
/// about another account is judged `wrong_account`, as the daemon would.
pub fn parse_file(
    platform: Platform,
    kind: &str,
    body: &[u8],
    now: DateTime<Utc>,
    opts: &ParseOptions,
) -> Result<serde_json::Value, DebugError> {
    let url = format!("file:{}/{kind}", platform.code());
    let meta = opts.meta();
    let value = parse_file_as(platform, kind, body, now, &meta, &url, opts.expect_id.as_deref())?;
    match platform {
        // A WeChat answer states a `__biz` (backend) or a `gh_` id, while
        // the account may be registered by 微信号: different kinds name
        // nothing in common and are not compared.
        Platform::Wechat => {
            opts.check_identity_if(value, &url, |asked, stated| feed::ids_comparable(Platform::Wechat, asked, stated))
        }
        _ => opts.check_identity(value, &url),
    }
}

fn parse_file_as(
    platform: Platform,
    kind: &str,
    body: &[u8],
    now: DateTime<Utc>,
    meta: &ResponseMeta,
    url: &str,
    // Parsers that must check identity before believing a ban take it.
    asked: Option<&str>,
) -> Result<serde_json::Value, DebugError> {
    let url = url.to_string();
    let meta = *meta;
    match (platform, kind) {
        (Platform::Weibo, "profile") => weibo::parse::parse_profile_response(&meta, body, &url).map(|v| to_json(&v)),
        (Platform::Weibo, "timeline") => match weibo::parse::parse_timeline_response(&meta, body, &url, now) {
            Ok(weibo::TimelinePage::Posts(t)) => Ok(timeline_json(&t)),
            Ok(weibo::TimelinePage::NoContent { msg }) => {
                return Err(DebugError::Unresolved(format!(
                    "timeline says {:?}: a cancelled account and one with no posts look the same; the profile decides",
                    msg.unwrap_or_else(|| "no posts".into())
                )));
            }
            Err(e) => Err(e),
        },
        (Platform::Weibo, "post") => weibo::parse::parse_status_show_response(&meta, body, &url, now).map(|p| post_json(&p)),
        (Platform::Weibo, "longtext") => weibo::parse::parse_longtext_response(&meta, body, &url).map(|v| to_json(&v)),
        (Platform::Weibo, "search") => weibo::parse::parse_user_search_response(&meta, body, &url).map(|v| to_json(&v)),
        (Platform::Wechat, "article") => wechat::article::classify_article_response(&meta, body, &url).and_then(|p| p.into_result(&url)).map(|a| article_json(&a)),
        (Platform::Wechat, "sogou") => wechat::sogou::parse_sogou_search_response(&meta, body, &url).map(|v| to_json(&v)),
        (Platform::Wechat, "backend") => wechat::backend::parse_appmsgpublish_response(&meta, body, &url).map(|t| timeline_json(&t)),
        (Platform::Wechat, "searchbiz") => wechat::backend::parse_searchbiz_response(&meta, body, &url).map(|v| to_json(&v)),
        (Platform::Wechat, "about") => wechat::about::parse_about_response(&meta, body, &url).map(|v| to_json(&v)),
        (Platform::Bilibili, "dynamics") => bilibili::parse::parse_dynamics_response(&meta, body, &url).map(|t| timeline_json(&t)),
        (Platform::Bilibili, "profile") => match asked {
            Some(asked) => bilibili::parse::parse_acc_info_for(&meta, body, &url, asked),
            None => bilibili::parse::parse_acc_info_response(&meta, body, &url),
        }
        .map(|v| to_json(&v)),
        (Platform::Bilibili, "live") => bilibili::parse::parse_master_info_response(&meta, body, &url).map(|v| to_json(&v)),
        (Platform::Bilibili, "search") => bilibili::parse::parse_user_search_response(&meta, body, &url).map(|v| to_json(&v)),
        (Platform::Bilibili, "nav") => bilibili::parse::parse_nav(&meta, body, &url)
            .map(|k| serde_json::json!({"img_key": k.img_key, "sub_key": k.sub_key, "mixin_key": k.mixin_key()})),
        (Platform::Douyin, "page") => return saved_page(body, &url, douyin::parse::parse_page_captures),
        (Platform::Douyin, "profile") => douyin::parse::parse_profile_api_for(&meta, body, &url, asked).map(|v| to_json(&v)),
        (Platform::Douyin, "posts") => match douyin::parse::parse_posts_api_for(&meta, body, &url, asked) {
            Ok(t) if t.posts.is_empty() => {
                return Err(DebugError::Unresolved(
                    "empty aweme_list: Douyin answers this both for accounts without posts and to clients it does not trust; the profile's aweme_count decides".into(),
                ));
            }
            other => other.map(|t| timeline_json(&t)),
        },
        (Platform::Toutiao, "page") => return saved_page(body, &url, toutiao::parse::parse_page_captures),
        (Platform::Toutiao, "feed") => toutiao::parse::parse_feed_response(&meta, body, &url)
            .map(|f| serde_json::json!({"timeline": timeline_json(&f.timeline), "author": to_json(&f.author)})),
        (Platform::Kuaishou, "page") => return saved_page(body, &url, kuaishou::parse::parse_page_captures),
        (Platform::Kuaishou, "answer") => kuaishou::parse::parse_answer_response(&meta, body, &url).map(|d| {
            serde_json::json!({"timeline": timeline_json(&d.timeline()), "profile": to_json(&d.profile)})
        }),
        _ => {
            return Err(DebugError::Usage(format!(
                "unknown kind {kind:?} for {platform}; known kinds: {}",
                if parse_kinds(platform).is_empty() { "none (no adapter yet)".to_string() } else { parse_kinds(platform).join(", ") }
            )));
        }
    }
    .map_err(DebugError::Failure)
}

/// Parses a saved response for `debug parse TARGET KIND FILE`, where
/// TARGET is a platform code, `feed` (kinds `timeline`, `feed`) or
/// `portal` (kinds `home`, `notice`). `account` is the account name a
/// portal page is searched for (`--account NAME`).
pub fn parse_target_file(
    target: &str,
    kind: &str,
    body: &[u8],
    now: DateTime<Utc>,
    account: Option<&str>,
    opts: &ParseOptions,
) -> Result<serde_json::Value, DebugError> {
    let meta = opts.meta();
    let usage = |known: &[&str]| {
        Err(DebugError::Usage(format!("unknown kind {kind:?} for {target}; known kinds: {}", known.join(", "))))
    };
    match target {
        "feed" => {
            let url = format!("file:feed/{kind}");
            match kind {
                "timeline" => feed::parse::parse_feed_response(&meta, body, &url)
                    .map(|f| timeline_json(&feed::parse::feed_timeline(&f, now))),
                "feed" => feed::parse::parse_feed_response(&meta, body, &url).map(|f| to_json(&f)),
                _ => return usage(FEED_PARSE_KINDS),
            }
            .map_err(DebugError::Failure)
            // The feed names an account of some platform; only an id of
            // the same kind as the one expected can refute it.
            .and_then(|v| {
                opts.check_identity_if(v, &url, |asked, stated| {
                    Platform::ALL.iter().any(|p| feed::ids_comparable(*p, asked, stated))
                })
            })
        }
        "portal" => {
            let url = format!("file:portal/{kind}");
            match kind {
                "home" => portal::parse::parse_portal_response(&meta, body, &url).map(|page| portal_json(&page, account)),
                "notice" => portal::parse::parse_notice_response(&meta, body, &url).map(|n| to_json(&n)),
                _ => return usage(PORTAL_PARSE_KINDS),
            }
            .map_err(DebugError::Failure)
        }
        code => match Platform::from_code(code) {
            Some(platform) => parse_file(platform, kind, body, now, opts),
            None => {
                let mut known: Vec<&str> = Platform::ALL.iter().map(|p| p.code()).collect();
                known.extend(["feed", "portal"]);
                Err(DebugError::Usage(format!("unknown platform or source {code:?}; known: {}", known.join(", "))))
            }
        },
    }
}

/// A saved page (HTML, as the browser's document capture) read by a
/// browser-read platform's page parser.
fn saved_page<P: Serialize>(
    body: &[u8],
    url: &str,
    parse: fn(&[model::Capture], &str) -> Result<browser::platform::PageReading<P>, FetchFailure>,
) -> Result<serde_json::Value, DebugError> {
    let capture = model::Capture {
        url: url.to_string(),
        http_status: Some(200),
        content_type: None,
        fetched_at: Utc::now(),
        body: body.to_vec(),
        source: browser::CAPTURE_DOCUMENT.to_string(),
    };
    parse(&[capture], url).map(|r| reading_json(&r)).map_err(DebugError::Failure)
}

/// A page reading as JSON: the profile and the timeline, each the
/// observation or its `{"outcome": ...}`.
fn reading_json<P: Serialize>(r: &browser::platform::PageReading<P>) -> serde_json::Value {
    serde_json::json!({
        "profile": match &r.profile { Ok(p) => to_json(p), Err(f) => to_json(f) },
        "timeline": match &r.timeline { Ok(t) => timeline_json(t), Err(f) => to_json(f) },
    })
}

fn portal_json(page: &model::PortalPage, account: Option<&str>) -> serde_json::Value {
    let mut v = serde_json::json!({ "page": to_json(page) });
    if let Some(name) = account {
        v["account"] = name.into();
        v["mentions"] = to_json(&portal::find_mentions(page, name));
    }
    v
}

/// An article as JSON, with what people look for first spelled out.
fn article_json(a: &wechat::WechatArticle) -> serde_json::Value {
    let mut v = to_json(a);
    v["post"] = post_json(&a.post);
    v["published_at"] = to_json(&a.post.published_at);
    v["published_at_shanghai"] = a.post.published_at.with_timezone(&chrono_tz::Asia::Shanghai).to_rfc3339().into();
    v["gh_id"] = to_json(&a.user_name);
    v["original"] = a.original_declared.into();
    v
}

/// A post as JSON, with the repost delay spelled out for people reading
/// `debug` output.
fn post_json(p: &Post) -> serde_json::Value {
    let shanghai = |t: DateTime<Utc>| t.with_timezone(&chrono_tz::Asia::Shanghai).to_rfc3339();
    let mut v = to_json(p);
    v["published_at_shanghai"] = shanghai(p.published_at).into();
    if let Some(source_time) = p.repost_of.as_ref().and_then(|r| r.published_at) {
        v["repost_of"]["published_at_shanghai"] = shanghai(source_time).into();
    }
    if let Some(delay) = p.repost_delay() {
        v["repost_delay_secs"] = delay.num_seconds().into();
    }
    v
}

fn timeline_json(t: &Timeline) -> serde_json::Value {
    serde_json::json!({
        "posts": t.posts.iter().map(post_json).collect::<Vec<_>>(),
        "next_cursor": t.next_cursor,
        "total": t.total,
        "owner": t.owner,
        "more": t.more,
        "source_updated_at": t.source_updated_at,
        "completeness": to_json(&t.completeness()),
        "latest_unpinned_post_id": t.latest_unpinned().map(|p| p.id.clone()),
    })
}

/// Kinds `debug_fetch` understands per platform.
pub fn fetch_kinds(platform: Platform) -> &'static [&'static str] {
    match platform {
        Platform::Weibo => &["account", "profile", "timeline", "post", "longtext", "search"],
        Platform::Wechat => &["account", "profile", "article", "search", "backend"],
        Platform::Bilibili => &["account", "profile", "timeline", "live", "search"],
        Platform::Douyin | Platform::Toutiao | Platform::Kuaishou => &["account", "profile", "timeline"],
        Platform::Xiaohongshu => &[],
    }
}

/// Kinds `debug_fetch_target` understands for the generic sources.
pub const FEED_FETCH_KINDS: &[&str] = &["timeline", "feed"];
pub const PORTAL_FETCH_KINDS: &[&str] = &["home", "notice"];

type DebugFetch = Result<Fetched<serde_json::Value>, (DebugError, Vec<model::Capture>)>;

fn done<T>(r: FetchResult<T>, f: impl FnOnce(&T) -> serde_json::Value) -> DebugFetch {
    match r {
        Ok(fetched) => {
            let json = f(&fetched.value);
            Ok(fetched.map(|_| json))
        }
        Err(failed) => Err((DebugError::Failure(failed.failure), failed.captures)),
    }
}

/// Fetches live for `debug fetch`: the observation as JSON plus every
/// capture (for `--save`), or the classified failure with its captures.
pub async fn debug_fetch(
    cfg: &PlatformsConfig,
    secrets: &PlatformSecrets,
    platform: Platform,
    kind: &str,
    target: &str,
) -> DebugFetch {
    debug_fetch_target(cfg, secrets, platform.code(), kind, target, None).await
}

/// `debug fetch TARGET ARG --kind KIND [--account NAME]`: TARGET is a
/// platform code, `feed` (ARG = the feed URL) or `portal` (ARG = the page
/// URL; `--account` names the account whose notices are looked for).
/// For WeChat, `--account` gives the name Sogou searches when ARG is a
/// `__biz`. Record mode (`--save`) writes the returned captures.
pub async fn debug_fetch_target(
    cfg: &PlatformsConfig,
    secrets: &PlatformSecrets,
    target: &str,
    kind: &str,
    arg: &str,
    account: Option<&str>,
) -> DebugFetch {
    let usage = |m: String| Err((DebugError::Usage(m), Vec::new()));
    let unknown = |known: &[&str]| usage(format!("unknown kind {kind:?} for {target}; known kinds: {}", known.join(", ")));
    match target {
        "feed" => {
            if !FEED_FETCH_KINDS.contains(&kind) {
                return unknown(FEED_FETCH_KINDS);
            }
            // The platform only labels the breaker here.
            let client = match feed::FeedClient::new(&cfg.feed, Platform::Wechat) {
                Ok(c) => c,
                Err(e) => return usage(e),
            };
            let now = Utc::now();
            return match kind {
                "feed" => done(client.fetch(arg).await, to_json),
                _ => done(client.fetch(arg).await, |f| timeline_json(&feed::parse::feed_timeline(f, now))),
            };
        }
        "portal" => {
            if !PORTAL_FETCH_KINDS.contains(&kind) {
                return unknown(PORTAL_FETCH_KINDS);
            }
            let client = match portal::PortalClient::new(&cfg.portal, Platform::Wechat) {
                Ok(c) => c,
                Err(e) => return usage(e),
            };
            return match (kind, account) {
                ("notice", _) => done(client.notice(arg).await, to_json),
                (_, Some(name)) => done(client.check(arg, name).await, to_json),
                (_, None) => done(client.page(arg).await, |p| portal_json(p, None)),
            };
        }
        _ => {}
    }
    let Some(platform) = Platform::from_code(target) else {
        return usage(format!("unknown platform or source {target:?}"));
    };
    if !fetch_kinds(platform).contains(&kind) {
        if fetch_kinds(platform).is_empty() {
            return usage(format!("no adapter for {platform} yet (a feed can cover it: debug fetch feed URL)"));
        }
        return unknown(fetch_kinds(platform));
    }
    match platform {
        Platform::Weibo => {
            let client = match weibo::WeiboClient::new(&cfg.weibo, secrets.weibo_cookie.clone()) {
                Ok(c) => c,
                Err(e) => return usage(e),
            };
            match kind {
                "account" => done(client.account(arg).await, |a| {
                    serde_json::json!({"profile": to_json(&a.profile), "timeline": timeline_json(&a.timeline)})
                }),
                "profile" => done(client.profile(arg).await, to_json),
                "timeline" => done(client.timeline(arg).await, timeline_json),
                "post" => done(client.post(arg).await, post_json),
                "longtext" => done(client.long_text(arg).await, to_json),
                _ => done(client.search_users(arg).await, to_json),
            }
        }
        Platform::Wechat => {
            let client = match wechat::WechatClient::new(
                &cfg.wechat,
                &cfg.feed,
                secrets.wechat_mp_cookie.clone(),
                secrets.wechat_mp_token.clone(),
            ) {
                Ok(c) => c,
                Err(e) => return usage(e),
            };
            let account_ref = AccountRef { platform_id: arg.to_string(), name: account.map(str::to_string) };
            match kind {
                "account" => done(client.timeline_of(&account_ref).await, timeline_json),
                "profile" => done(client.profile_of(&account_ref).await, to_json),
                "article" => done(client.article(arg).await, article_json),
                "backend" => done(client.backend_list(arg).await, timeline_json),
                _ => done(client.search_users(arg).await, to_json),
            }
        }
        Platform::Bilibili => {
            let client = match bilibili::BilibiliClient::new(&cfg.bilibili) {
                Ok(c) => c,
                Err(e) => return usage(e),
            };
            match kind {
                "account" => {
                    let profile = match client.profile(arg).await {
                        Ok(p) => p,
                        Err(failed) => {
                            return Err((DebugError::Failure(failed.failure), failed.captures));
                        }
                    };
                    let mut captures = profile.captures;
                    match client.timeline(arg).await {
                        Ok(t) => {
                            captures.extend(t.captures);
                            let mut incomplete = profile.incomplete;
                            incomplete.extend(t.incomplete);
                            let value = serde_json::json!({"profile": to_json(&profile.value), "timeline": timeline_json(&t.value)});
                            Ok(Fetched { value, captures, source: t.source, incomplete })
                        }
                        Err(failed) => {
                            captures.extend(failed.captures);
                            Err((DebugError::Failure(failed.failure), captures))
                        }
                    }
                }
                "profile" => done(client.profile(arg).await, to_json),
                "timeline" => done(client.timeline(arg).await, timeline_json),
                // The unsigned fallback alone, to see what it says.
                "live" => done(client.live_profile(arg).await, to_json),
                _ => done(client.search_users(arg).await, to_json),
            }
        }
        Platform::Douyin | Platform::Toutiao | Platform::Kuaishou => {
            // `debug fetch` tries the browser even while it is disabled
            // for the daemon, so an operator can see what it would read
            // before turning it on.
            let fetcher = match browser::BrowserFetcher::new(&cfg.browser) {
                Ok(f) => Arc::new(f),
                Err(e) => return usage(e),
            };
            match platform {
                Platform::Douyin => match douyin::DouyinClient::new(fetcher, cfg.douyin.site()) {
                    Ok(c) => browser_fetch(&c, kind, arg).await,
                    Err(e) => usage(e),
                },
                Platform::Toutiao => match toutiao::ToutiaoClient::new(fetcher, cfg.toutiao.site()) {
                    Ok(c) => browser_fetch(&c, kind, arg).await,
                    Err(e) => usage(e),
                },
                _ => match kuaishou::KuaishouClient::new(fetcher, cfg.kuaishou.site()) {
                    Ok(c) => browser_fetch(&c, kind, arg).await,
                    Err(e) => usage(e),
                },
            }
        }
        Platform::Xiaohongshu => usage(format!("no adapter for {platform} yet")),
    }
}

/// `debug fetch douyin|toutiao|kuaishou ID --kind account|profile|timeline`:
/// one page load; `account` shows both halves of the reading.
async fn browser_fetch<P: browser::platform::PageParser>(
    client: &browser::platform::BrowserPlatformClient<P>,
    kind: &str,
    arg: &str,
) -> DebugFetch {
    match kind {
        "profile" => done(client.profile(arg).await, to_json),
        "timeline" => done(client.timeline(arg).await, timeline_json),
        _ => done(client.read(arg).await, reading_json),
    }
}
