//! Adapter configuration, read by the root crate from the `[platforms]`
//! table of `xunjian.toml`. Every key has a documented default; unknown keys
//! are an error. Secrets (operator cookies) are never here: they come in as
//! [`Secret`] arguments from the root crate's secrets lookup.

use crate::model::Platform;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Politeness settings shared by every platform's fetcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpPolicy {
    /// Sustained request rate to the platform, all accounts together.
    /// Default 12 (one request every 5 s).
    pub requests_per_minute: u32,
    /// Requests allowed back to back before the rate applies. Default 2.
    pub burst: u32,
    /// A random extra wait of up to this many milliseconds before each
    /// request, so polls do not fall on a fixed beat. Default 2000.
    pub jitter_ms: u64,
    /// Whole-request timeout (connect, send, read the body). Default 20.
    pub timeout_secs: u64,
    /// Retries after a transient failure (throttled, network). Never for
    /// not-found, banned, blocked or unparsable answers. Default 2.
    pub max_retries: u32,
    /// First retry waits this long; each next one twice as long (plus
    /// jitter up to the same amount). Default 5000.
    pub backoff_base_ms: u64,
    /// No retry waits longer than this; a `Retry-After` above it means we
    /// give up and report `throttled`. Default 120000 (2 min).
    pub backoff_max_ms: u64,
    /// Consecutive refusals (blocked, captcha, login wall, throttled) that
    /// open the circuit breaker. Default 5.
    pub breaker_threshold: u32,
    /// How long the open breaker keeps us from sending anything to the
    /// platform before one trial request. Default 1800 (30 min).
    pub breaker_cooldown_secs: u64,
    /// Sent with every request. The default says who we are.
    pub user_agent: String,
    /// Egress routes (出口线路): each is a way out to the platform with its
    /// own `requests_per_minute` budget and its own circuit breaker, and
    /// requests are spread over those that are not blocked. A platform's
    /// politeness budget belongs to an address: 12 requests a minute is
    /// about 3,700 Weibo accounts a day; a province needs several. Empty
    /// (the default): one direct route with the budget above.
    pub routes: Vec<EgressRoute>,
}

/// `[[platforms.<p>.policy.routes]]`: one way out to a platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EgressRoute {
    /// Shown in the log, `/healthz` and `/metrics` (never the proxy
    /// address, which may carry a password). Required, unique per platform.
    pub name: String,
    /// An HTTP(S) or SOCKS5 proxy (`http://host:3128`, `socks5://host:1080`,
    /// `socks5h://…` to resolve names at the proxy). Empty: direct.
    pub proxy: String,
    /// A local source address of this server to send from (one of its
    /// own addresses, e.g. a second public IP). Empty: the system's choice.
    pub local_address: String,
    /// This route's own budget; 0 (the default): the policy's
    /// `requests_per_minute`.
    pub requests_per_minute: u32,
}

impl Default for EgressRoute {
    fn default() -> Self {
        EgressRoute { name: String::new(), proxy: String::new(), local_address: String::new(), requests_per_minute: 0 }
    }
}

impl EgressRoute {
    /// The budget of this route under `policy`.
    pub fn budget(&self, policy: &HttpPolicy) -> u32 {
        if self.requests_per_minute == 0 { policy.requests_per_minute } else { self.requests_per_minute }
    }

    pub fn local_ip(&self) -> Option<std::net::IpAddr> {
        self.local_address.trim().parse().ok()
    }
}

/// The User-Agent names the program honestly; operators may change it.
pub const DEFAULT_USER_AGENT: &str =
    concat!("Mozilla/5.0 (compatible; xunjian/", env!("CARGO_PKG_VERSION"), "; government new-media compliance check)");

impl Default for HttpPolicy {
    fn default() -> Self {
        HttpPolicy {
            requests_per_minute: 12,
            burst: 2,
            jitter_ms: 2000,
            timeout_secs: 20,
            max_retries: 2,
            backoff_base_ms: 5000,
            backoff_max_ms: 120_000,
            breaker_threshold: 5,
            breaker_cooldown_secs: 1800,
            user_agent: DEFAULT_USER_AGENT.to_string(),
            routes: Vec::new(),
        }
    }
}

impl HttpPolicy {
    /// Checks values serde cannot: a zero rate would never let a request through.
    pub fn validate(&self, table: &str) -> Result<(), String> {
        if self.requests_per_minute == 0 {
            return Err(format!("{table}.requests_per_minute must be at least 1"));
        }
        if self.burst == 0 {
            return Err(format!("{table}.burst must be at least 1"));
        }
        if self.timeout_secs == 0 {
            return Err(format!("{table}.timeout_secs must be at least 1"));
        }
        if self.breaker_threshold == 0 {
            return Err(format!("{table}.breaker_threshold must be at least 1"));
        }
        if self.user_agent.trim().is_empty() || !self.user_agent.is_ascii() {
            return Err(format!("{table}.user_agent must be non-empty ASCII (it is an HTTP header)"));
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, r) in self.routes.iter().enumerate() {
            let at = format!("{table}.routes[{}]", i + 1);
            let name = r.name.trim();
            if name.is_empty() {
                return Err(format!("{at}.name is required (it names the route in the log and /metrics)"));
            }
            if name.chars().any(|c| c.is_control() || c == '"' || c == '\\') {
                return Err(format!("{at}.name must not contain quotes, backslashes or control characters"));
            }
            if !names.insert(name.to_string()) {
                return Err(format!("{at}.name \"{name}\" is used by another route of this platform"));
            }
            let proxy = r.proxy.trim();
            if !proxy.is_empty() {
                let scheme = proxy.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
                if !matches!(scheme.as_deref(), Some("http" | "https" | "socks5" | "socks5h")) {
                    return Err(format!("{at}.proxy must start with http://, https://, socks5:// or socks5h://"));
                }
                reqwest::Proxy::all(proxy).map_err(|e| format!("{at}.proxy is not a proxy address: {e}"))?;
            }
            if !r.local_address.trim().is_empty() && r.local_ip().is_none() {
                return Err(format!("{at}.local_address must be an IP address of this server, e.g. 192.0.2.10"));
            }
        }
        Ok(())
    }

    /// The routes requests go out by: the configured ones, else one direct
    /// route with the policy's budget.
    pub fn effective_routes(&self) -> Vec<EgressRoute> {
        if self.routes.is_empty() {
            vec![EgressRoute { name: "direct".into(), ..EgressRoute::default() }]
        } else {
            self.routes.clone()
        }
    }

    /// Requests a minute over every route together.
    pub fn total_budget(&self) -> u32 {
        self.effective_routes().iter().map(|r| r.budget(self)).fold(0u32, u32::saturating_add)
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }
}

/// `[platforms.weibo]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WeiboConfig {
    /// Default true.
    pub enabled: bool,
    /// The mobile site that serves the JSON API. Point it at a proxy, a
    /// simulator or a test server. Default `https://m.weibo.cn`.
    pub m_base_url: String,
    /// Where visitor cookies come from. Default
    /// `https://passport.weibo.com/visitor/genvisitor2`.
    pub visitor_url: String,
    /// Timeline pages read per poll (paging by `since_id`). Default 1: the
    /// first page has the pinned post and the latest posts.
    pub max_pages: u32,
    /// Fetch a post's detail (`statuses/show`) when the timeline gives only
    /// a relative time or a cut-short text, at most this many per timeline
    /// poll. Default 10; 0 turns detail fetches off.
    pub max_detail_fetches: u32,
    /// Also fetch details for long texts (not only for inexact times).
    /// Default false: rules need exact times; full texts cost requests.
    pub detail_for_long_text: bool,
    /// Minimum time between two visitor-cookie renewals, so a platform
    /// that keeps answering `-100` cannot make us storm the passport
    /// server. Default 300.
    pub cookie_renewal_cooldown_secs: u64,
    pub policy: HttpPolicy,
}

impl Default for WeiboConfig {
    fn default() -> Self {
        WeiboConfig {
            enabled: true,
            m_base_url: "https://m.weibo.cn".to_string(),
            visitor_url: "https://passport.weibo.com/visitor/genvisitor2".to_string(),
            max_pages: 1,
            max_detail_fetches: 10,
            detail_for_long_text: false,
            cookie_renewal_cooldown_secs: 300,
            policy: HttpPolicy::default(),
        }
    }
}

impl WeiboConfig {
    pub fn validate(&self) -> Result<(), String> {
        for (key, value) in [("m_base_url", &self.m_base_url), ("visitor_url", &self.visitor_url)] {
            let parsed = url::Url::parse(value)
                .map_err(|e| format!("platforms.weibo.{key} = {value:?} is not a URL: {e}"))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(format!("platforms.weibo.{key} must be http or https, not {value:?}"));
            }
        }
        if self.max_pages == 0 {
            return Err("platforms.weibo.max_pages must be at least 1".to_string());
        }
        self.policy.validate("platforms.weibo.policy")
    }
}

fn check_http_url(table: &str, key: &str, value: &str) -> Result<(), String> {
    let parsed = url::Url::parse(value).map_err(|e| format!("{table}.{key} = {value:?} is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("{table}.{key} must be http or https, not {value:?}"));
    }
    Ok(())
}

/// Where a WeChat account's article list can come from. WeChat has no
/// public timeline, so each office runs whichever of these it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WechatSource {
    /// Sogou WeChat account search: the latest article and the 认证 entity.
    /// Public, but guarded by an anti-spider captcha.
    Sogou,
    /// A feed (RSSHub, we-mp-rss, wewe-rss) configured in `[platforms.feed]`.
    Feed,
    /// A logged-in official-account backend session (`appmsgpublish`),
    /// from the `wechat-mp-cookie` and `wechat-mp-token` secrets.
    Backend,
}

impl WechatSource {
    pub fn code(self) -> &'static str {
        match self {
            WechatSource::Sogou => "sogou",
            WechatSource::Feed => "feed",
            WechatSource::Backend => "backend",
        }
    }
}

/// `[platforms.wechat]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WechatConfig {
    /// Default true.
    pub enabled: bool,
    /// Article pages and the official-account backend. Default
    /// `https://mp.weixin.qq.com`.
    pub mp_base_url: String,
    /// Sogou WeChat search. Default `https://weixin.sogou.com`.
    pub sogou_base_url: String,
    /// Listing sources, tried in this order for every account; one that
    /// is not available for an account (no feed URL, no backend session)
    /// is skipped. Default `["sogou", "feed", "backend"]`.
    pub sources: Vec<WechatSource>,
    /// Articles asked for per backend list request (`count`). Default 5.
    pub backend_page_size: u32,
    /// Seconds a Sogou answer is reused (a profile and a timeline poll of
    /// one account then cost one request). Real seconds, so a simulated
    /// clock running faster should set 0 (the simulator's config does).
    /// Default 300.
    pub sogou_reuse_secs: u64,
    /// Politeness towards mp.weixin.qq.com article pages.
    pub policy: HttpPolicy,
    /// Politeness towards Sogou, which shows a captcha quickly: default 2
    /// requests a minute, no burst, up to 10 s jitter, the breaker opens
    /// after 2 refusals and stays open 2 hours.
    pub sogou_policy: HttpPolicy,
    /// Politeness towards the backend, which answers 200013 (frequency
    /// control) to busy sessions: default 4 a minute, no burst.
    pub backend_policy: HttpPolicy,
}

impl Default for WechatConfig {
    fn default() -> Self {
        WechatConfig {
            enabled: true,
            mp_base_url: "https://mp.weixin.qq.com".to_string(),
            sogou_base_url: "https://weixin.sogou.com".to_string(),
            sources: vec![WechatSource::Sogou, WechatSource::Feed, WechatSource::Backend],
            backend_page_size: 5,
            sogou_reuse_secs: 300,
            policy: HttpPolicy::default(),
            sogou_policy: HttpPolicy {
                requests_per_minute: 2,
                burst: 1,
                jitter_ms: 10_000,
                max_retries: 1,
                breaker_threshold: 2,
                breaker_cooldown_secs: 7200,
                ..HttpPolicy::default()
            },
            backend_policy: HttpPolicy {
                requests_per_minute: 4,
                burst: 1,
                jitter_ms: 3000,
                breaker_threshold: 3,
                breaker_cooldown_secs: 3600,
                ..HttpPolicy::default()
            },
        }
    }
}

impl WechatConfig {
    pub fn validate(&self) -> Result<(), String> {
        const T: &str = "platforms.wechat";
        check_http_url(T, "mp_base_url", &self.mp_base_url)?;
        check_http_url(T, "sogou_base_url", &self.sogou_base_url)?;
        if self.sources.is_empty() {
            return Err(format!("{T}.sources must name at least one of \"sogou\", \"feed\", \"backend\""));
        }
        for (i, s) in self.sources.iter().enumerate() {
            if self.sources[..i].contains(s) {
                return Err(format!("{T}.sources lists {:?} twice", s.code()));
            }
        }
        if self.backend_page_size == 0 || self.backend_page_size > 20 {
            return Err(format!("{T}.backend_page_size must be 1 to 20"));
        }
        self.policy.validate(&format!("{T}.policy"))?;
        self.sogou_policy.validate(&format!("{T}.sogou_policy"))?;
        self.backend_policy.validate(&format!("{T}.backend_policy"))
    }
}

/// `[platforms.feed]`: RSS 2.0 / Atom / JSON Feed sources (a self-hosted
/// RSSHub, we-mp-rss, wewe-rss), usable for any platform whose native
/// adapter is blocked or missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedConfig {
    /// Default true (it does nothing until a URL is configured).
    pub enabled: bool,
    /// Per platform code, a URL with `{platform_id}` in it, e.g.
    /// `douyin = "http://127.0.0.1:1200/douyin/user/{platform_id}"`.
    pub templates: BTreeMap<String, String>,
    /// Per account, keyed `"platform:platform_id"` (as `accounts show`
    /// prints it): the account's feed URL. Wins over a template.
    pub urls: BTreeMap<String, String>,
    pub policy: HttpPolicy,
}

impl Default for FeedConfig {
    fn default() -> Self {
        FeedConfig { enabled: true, templates: BTreeMap::new(), urls: BTreeMap::new(), policy: HttpPolicy::default() }
    }
}

impl FeedConfig {
    pub fn validate(&self) -> Result<(), String> {
        const T: &str = "platforms.feed";
        for (code, template) in &self.templates {
            if Platform::from_code(code).is_none() {
                return Err(format!("{T}.templates: unknown platform code {code:?}"));
            }
            if !template.contains("{platform_id}") {
                return Err(format!("{T}.templates.{code} must contain {{platform_id}}: {template:?}"));
            }
            check_http_url(&format!("{T}.templates"), code, &template.replace("{platform_id}", "x"))?;
        }
        for (key, url) in &self.urls {
            let (code, id) = key.split_once(':').unwrap_or((key.as_str(), ""));
            if Platform::from_code(code).is_none() || id.trim().is_empty() {
                return Err(format!("{T}.urls: key {key:?} must be \"platform:platform_id\" with a known platform code"));
            }
            check_http_url(&format!("{T}.urls"), key, url)?;
        }
        self.policy.validate(&format!("{T}.policy"))
    }

    /// The feed URL of an account: its own entry, else the platform's
    /// template with the id percent-encoded, else none.
    pub fn url_for(&self, platform: Platform, platform_id: &str) -> Option<String> {
        if !self.enabled {
            return None;
        }
        if let Some(u) = self.urls.get(&format!("{}:{platform_id}", platform.code())) {
            return Some(u.clone());
        }
        let template = self.templates.get(platform.code())?;
        let encoded: String = url::form_urlencoded::byte_serialize(platform_id.as_bytes()).collect();
        Some(template.replace("{platform_id}", &encoded))
    }

    /// Whether any account of `platform` can have a feed.
    pub fn covers(&self, platform: Platform) -> bool {
        self.enabled
            && (self.templates.contains_key(platform.code())
                || self.urls.keys().any(|k| k.split_once(':').is_some_and(|(c, _)| c == platform.code())))
    }
}

/// `[platforms.portal]`: government portal homepages (上级门户网址).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PortalConfig {
    /// Default true.
    pub enabled: bool,
    /// Notice pages opened per check to read a matched notice's own date.
    /// Default 3; 0 turns it off.
    pub max_notice_fetches: u32,
    /// Extra notice-list pages read after a homepage, keyed by the
    /// homepage URL exactly as in the registry.
    pub notice_lists: BTreeMap<String, Vec<String>>,
    /// Government sites are small and often behind a WAF: default 6
    /// requests a minute, no burst.
    pub policy: HttpPolicy,
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            enabled: true,
            max_notice_fetches: 3,
            notice_lists: BTreeMap::new(),
            policy: HttpPolicy { requests_per_minute: 6, burst: 1, jitter_ms: 3000, ..HttpPolicy::default() },
        }
    }
}

impl PortalConfig {
    pub fn validate(&self) -> Result<(), String> {
        const T: &str = "platforms.portal";
        for (home, lists) in &self.notice_lists {
            check_http_url(&format!("{T}.notice_lists"), home, home)?;
            for l in lists {
                check_http_url(&format!("{T}.notice_lists"), home, l)?;
            }
        }
        self.policy.validate(&format!("{T}.policy"))
    }
}

/// `[platforms.bilibili]`: the public web API at api.bilibili.com (WBI
/// signing and the `buvid3` cookie are done in Rust, no browser).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BilibiliConfig {
    /// Default false: a platform added by an upgrade starts sending
    /// requests only when the operator turns it on (the example
    /// configuration does). Without it, a configured feed covers Bilibili.
    pub enabled: bool,
    /// The web API: nav (WBI keys), `finger/spi` (buvid3), `acc/info`,
    /// the dynamic feed and user search. Default `https://api.bilibili.com`.
    pub api_base_url: String,
    /// The live-streaming API whose `Master/info` needs no signature: the
    /// profile's fallback. Default `https://api.live.bilibili.com`.
    pub live_base_url: String,
    /// Dynamic-feed pages read per poll (paging by `offset`). Default 1:
    /// the first page has the pinned item and the latest ones.
    pub max_pages: u32,
    /// When `acc/info` is refused (risk control, voucher) or not
    /// understood, read name and verification from the unsigned live
    /// `Master/info` instead. Default true.
    pub live_fallback: bool,
    /// Default 12 requests a minute, like every platform; Bilibili answers
    /// `-352`/`-412` to clients that go faster.
    pub policy: HttpPolicy,
}

impl Default for BilibiliConfig {
    fn default() -> Self {
        BilibiliConfig {
            enabled: false,
            api_base_url: "https://api.bilibili.com".to_string(),
            live_base_url: "https://api.live.bilibili.com".to_string(),
            max_pages: 1,
            live_fallback: true,
            policy: HttpPolicy::default(),
        }
    }
}

impl BilibiliConfig {
    pub fn validate(&self) -> Result<(), String> {
        const T: &str = "platforms.bilibili";
        check_http_url(T, "api_base_url", &self.api_base_url)?;
        check_http_url(T, "live_base_url", &self.live_base_url)?;
        if self.max_pages == 0 {
            return Err(format!("{T}.max_pages must be at least 1"));
        }
        self.policy.validate(&format!("{T}.policy"))
    }
}

/// `[platforms.browser]`: the headless Chromium that reads the platforms
/// whose web APIs need signatures computed in the page (Douyin `a_bogus`,
/// Kuaishou `__NS_hxfalcon`, Toutiao). Off by default: without it those
/// platforms are read from a feed (`[platforms.feed]`) or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BrowserConfig {
    /// Default false.
    pub enabled: bool,
    /// Debian's `chromium` package installs `/usr/bin/chromium` (the default).
    pub chromium_path: String,
    /// Seconds allowed from launching Chromium to its first DevTools
    /// answer. Default 20.
    pub launch_timeout_secs: u64,
    /// Seconds one page may take, launch to last response. Default 45.
    pub page_timeout_secs: u64,
    /// After the page's `load` event, how long the network must stay quiet
    /// (no new response) before the page is read, so the XHRs the page
    /// makes itself are in. Default 2500.
    pub settle_ms: u64,
    /// Response bodies larger than this are not read (evidence stays
    /// bounded). Default 8 MiB.
    pub max_body_bytes: u64,
    /// Pages loaded at the same time, all platforms together. Each is a
    /// whole Chromium (about 300 MB). Default 1.
    pub max_concurrent: u32,
    /// Pass `--no-sandbox`. Chromium's sandbox needs user namespaces, which
    /// root and systemd's hardening options refuse; the pages loaded are
    /// the platforms' own public pages. Default true.
    pub no_sandbox: bool,
    /// Extra command-line switches, e.g. `--proxy-server=http://127.0.0.1:3128`.
    pub extra_args: Vec<String>,
    /// The User-Agent the browser sends; empty = Chromium's own.
    pub user_agent: String,
}

impl Default for BrowserConfig {
    fn default() -> Self {
        BrowserConfig {
            enabled: false,
            chromium_path: "/usr/bin/chromium".to_string(),
            launch_timeout_secs: 20,
            page_timeout_secs: 45,
            settle_ms: 2500,
            max_body_bytes: 8 * 1024 * 1024,
            max_concurrent: 1,
            no_sandbox: true,
            extra_args: Vec::new(),
            user_agent: String::new(),
        }
    }
}

impl BrowserConfig {
    pub fn validate(&self) -> Result<(), String> {
        const T: &str = "platforms.browser";
        if self.chromium_path.trim().is_empty() {
            return Err(format!("{T}.chromium_path must name the Chromium binary"));
        }
        if self.launch_timeout_secs == 0 || self.page_timeout_secs == 0 {
            return Err(format!("{T}.launch_timeout_secs and page_timeout_secs must be at least 1"));
        }
        if self.max_concurrent == 0 {
            return Err(format!("{T}.max_concurrent must be at least 1"));
        }
        if self.max_body_bytes < 1024 {
            return Err(format!("{T}.max_body_bytes must be at least 1024"));
        }
        if !self.user_agent.is_ascii() || self.user_agent.contains(['\r', '\n']) {
            return Err(format!("{T}.user_agent must be one ASCII line"));
        }
        for a in &self.extra_args {
            if !a.starts_with("--") {
                return Err(format!("{T}.extra_args: {a:?} is not a --switch"));
            }
        }
        Ok(())
    }

    pub fn page_timeout(&self) -> Duration {
        Duration::from_secs(self.page_timeout_secs)
    }
}

/// What a browser-read platform's client needs from its section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserSite {
    pub base_url: String,
    pub profile_path: String,
    pub reuse_secs: u64,
    pub policy: HttpPolicy,
}

impl BrowserSite {
    /// The profile page URL of an account (the id percent-encoded).
    pub fn profile_url(&self, platform_id: &str) -> String {
        let encoded: String = url::form_urlencoded::byte_serialize(platform_id.as_bytes()).collect();
        format!("{}{}", self.base_url.trim_end_matches('/'), self.profile_path.replace("{platform_id}", &encoded))
    }
}

/// The politeness a browser-read platform gets by default: a page load is
/// a few dozen requests to the platform, so 2 pages a minute, no burst.
fn browser_platform_policy() -> HttpPolicy {
    HttpPolicy {
        requests_per_minute: 2,
        burst: 1,
        jitter_ms: 5000,
        max_retries: 1,
        breaker_threshold: 3,
        breaker_cooldown_secs: 3600,
        ..HttpPolicy::default()
    }
}

/// One section per browser-read platform. A macro because each needs its
/// own `Default` (its own host and page path) for serde to fill in
/// missing keys.
macro_rules! browser_platform_config {
    ($(#[$doc:meta])* $name:ident, $table:literal, $base:literal, $path:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct $name {
            /// Default true; it only takes effect when `[platforms.browser]`
            /// is enabled too.
            pub enabled: bool,
            #[doc = concat!("The site. Default `", $base, "`.")]
            pub base_url: String,
            #[doc = concat!("The public profile page, with `{platform_id}`. Default `", $path, "`.")]
            pub profile_path: String,
            /// A profile page read for one observation is reused for the
            /// next one of the same account within this many seconds (a
            /// poll asks for the profile, then the timeline). Default 300.
            pub reuse_secs: u64,
            /// Page loads per minute (`requests_per_minute`, `burst`,
            /// `jitter_ms`), retries of transient failures and the circuit
            /// breaker; `timeout_secs` and `user_agent` are not used (see
            /// `[platforms.browser]`). Default 2 a minute, no burst.
            pub policy: HttpPolicy,
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    enabled: true,
                    base_url: $base.to_string(),
                    profile_path: $path.to_string(),
                    reuse_secs: 300,
                    policy: browser_platform_policy(),
                }
            }
        }

        impl $name {
            pub fn validate(&self) -> Result<(), String> {
                const T: &str = $table;
                check_http_url(T, "base_url", &self.base_url)?;
                if !self.profile_path.starts_with('/') || !self.profile_path.contains("{platform_id}") {
                    return Err(format!("{T}.profile_path must start with / and contain {{platform_id}}: {:?}", self.profile_path));
                }
                self.policy.validate(&format!("{T}.policy"))
            }

            /// The profile page URL of an account (the id percent-encoded).
            pub fn profile_url(&self, platform_id: &str) -> String {
                self.site().profile_url(platform_id)
            }

            /// The settings the browser-read client takes.
            pub fn site(&self) -> BrowserSite {
                BrowserSite {
                    base_url: self.base_url.clone(),
                    profile_path: self.profile_path.clone(),
                    reuse_secs: self.reuse_secs,
                    policy: self.policy.clone(),
                }
            }
        }
    };
}

browser_platform_config!(
    /// `[platforms.douyin]`: profile pages at www.douyin.com, read through
    /// `[platforms.browser]`.
    DouyinConfig,
    "platforms.douyin",
    "https://www.douyin.com",
    "/user/{platform_id}"
);
browser_platform_config!(
    /// `[platforms.toutiao]`: profile pages at www.toutiao.com (the id is
    /// the user token `MS4wLjAB…`), read through `[platforms.browser]`.
    ToutiaoConfig,
    "platforms.toutiao",
    "https://www.toutiao.com",
    "/c/user/token/{platform_id}/"
);
browser_platform_config!(
    /// `[platforms.kuaishou]`: profile pages at www.kuaishou.com, read
    /// through `[platforms.browser]`.
    KuaishouConfig,
    "platforms.kuaishou",
    "https://www.kuaishou.com",
    "/profile/{platform_id}"
);

/// `[platforms]`: one table per platform with an adapter, plus the
/// generic feed and portal fetchers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PlatformsConfig {
    pub weibo: WeiboConfig,
    pub wechat: WechatConfig,
    pub feed: FeedConfig,
    pub portal: PortalConfig,
    pub bilibili: BilibiliConfig,
    pub douyin: DouyinConfig,
    pub toutiao: ToutiaoConfig,
    pub kuaishou: KuaishouConfig,
    pub browser: BrowserConfig,
}

impl PlatformsConfig {
    pub fn validate(&self) -> Result<(), String> {
        self.weibo.validate()?;
        self.wechat.validate()?;
        self.feed.validate()?;
        self.portal.validate()?;
        self.bilibili.validate()?;
        self.douyin.validate()?;
        self.toutiao.validate()?;
        self.kuaishou.validate()?;
        self.browser.validate()
    }
}

/// A secret value (an operator's cookie) whose `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_unknown_keys_are_rejected() {
        PlatformsConfig::default().validate().unwrap();
        let err = serde_json::from_str::<PlatformsConfig>(r#"{"weibo":{"max_page":3}}"#).unwrap_err();
        assert!(err.to_string().contains("max_page"), "{err}");
        let partial: PlatformsConfig =
            serde_json::from_str(r#"{"weibo":{"policy":{"requests_per_minute":3}}}"#).unwrap();
        assert_eq!(partial.weibo.policy.requests_per_minute, 3);
        assert_eq!(partial.weibo.policy.burst, HttpPolicy::default().burst);
        assert_eq!(partial.weibo.m_base_url, "https://m.weibo.cn");
    }

    #[test]
    fn bad_values_are_named() {
        let mut c = WeiboConfig::default();
        c.policy.requests_per_minute = 0;
        assert!(c.validate().unwrap_err().contains("requests_per_minute"));
        let c = WeiboConfig { m_base_url: "m.weibo.cn".into(), ..WeiboConfig::default() };
        assert!(c.validate().unwrap_err().contains("m_base_url"));
    }

    #[test]
    fn wechat_feed_portal_defaults_and_checks() {
        let c = PlatformsConfig::default();
        assert_eq!(c.wechat.sources, [WechatSource::Sogou, WechatSource::Feed, WechatSource::Backend]);
        // Sogou is the strictest budget.
        assert!(c.wechat.sogou_policy.requests_per_minute < c.wechat.policy.requests_per_minute);
        let parsed: PlatformsConfig = serde_json::from_str(
            r#"{"wechat":{"sources":["feed","sogou"]},"feed":{"templates":{"douyin":"http://127.0.0.1:1200/douyin/user/{platform_id}"},
               "urls":{"wechat:gh_abc":"http://127.0.0.1:1200/wechat/gh_abc"}}}"#,
        )
        .unwrap();
        parsed.validate().unwrap();
        assert_eq!(parsed.wechat.sources, [WechatSource::Feed, WechatSource::Sogou]);
        assert_eq!(parsed.feed.url_for(Platform::Wechat, "gh_abc").as_deref(), Some("http://127.0.0.1:1200/wechat/gh_abc"));
        assert_eq!(parsed.feed.url_for(Platform::Wechat, "gh_other"), None);
        assert_eq!(
            parsed.feed.url_for(Platform::Douyin, "MS4w/x=").as_deref(),
            Some("http://127.0.0.1:1200/douyin/user/MS4w%2Fx%3D")
        );
        assert!(parsed.feed.covers(Platform::Wechat) && parsed.feed.covers(Platform::Douyin));
        assert!(!parsed.feed.covers(Platform::Kuaishou));
        let err = serde_json::from_str::<PlatformsConfig>(r#"{"wechat":{"sources":["rss"]}}"#).unwrap_err();
        assert!(err.to_string().contains("rss"), "{err}");
    }

    #[test]
    fn wechat_feed_portal_bad_values_are_named() {
        let mut c = PlatformsConfig::default();
        c.wechat.sources = vec![WechatSource::Sogou, WechatSource::Sogou];
        assert!(c.validate().unwrap_err().contains("twice"));
        let mut c = PlatformsConfig::default();
        c.wechat.sogou_policy.requests_per_minute = 0;
        assert!(c.validate().unwrap_err().contains("platforms.wechat.sogou_policy.requests_per_minute"));
        let mut c = PlatformsConfig::default();
        c.feed.templates.insert("douyin".into(), "http://x/feed".into());
        assert!(c.validate().unwrap_err().contains("{platform_id}"));
        let mut c = PlatformsConfig::default();
        c.feed.templates.insert("myspace".into(), "http://x/{platform_id}".into());
        assert!(c.validate().unwrap_err().contains("myspace"));
        let mut c = PlatformsConfig::default();
        c.feed.urls.insert("gh_abc".into(), "http://x/".into());
        assert!(c.validate().unwrap_err().contains("platform:platform_id"));
        let mut c = PlatformsConfig::default();
        c.portal.notice_lists.insert("http://www.example.gov.cn/".into(), vec!["ftp://x".into()]);
        assert!(c.validate().unwrap_err().contains("platforms.portal.notice_lists"));
    }

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new("SUB=abc123");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(s.expose(), "SUB=abc123");
    }

    #[test]
    fn bilibili_browser_and_signed_platform_sections() {
        let c = PlatformsConfig::default();
        assert!(!c.bilibili.enabled && !c.browser.enabled, "new platforms are opt-in");
        assert_eq!(c.browser.chromium_path, "/usr/bin/chromium");
        assert_eq!(c.douyin.profile_url("MS4w/x="), "https://www.douyin.com/user/MS4w%2Fx%3D");
        assert_eq!(c.toutiao.profile_url("MS4wLjAB"), "https://www.toutiao.com/c/user/token/MS4wLjAB/");
        assert_eq!(c.kuaishou.profile_url("3xabc"), "https://www.kuaishou.com/profile/3xabc");
        // A partial section keeps the platform's own defaults.
        let parsed: PlatformsConfig = serde_json::from_str(
            r#"{"douyin":{"enabled":false},"browser":{"enabled":true,"settle_ms":100},"bilibili":{"max_pages":2}}"#,
        )
        .unwrap();
        parsed.validate().unwrap();
        assert_eq!(parsed.douyin.base_url, "https://www.douyin.com");
        assert_eq!(parsed.douyin.policy.requests_per_minute, 2);
        assert_eq!((parsed.browser.settle_ms, parsed.bilibili.max_pages), (100, 2));
        let err = serde_json::from_str::<PlatformsConfig>(r#"{"browser":{"chrome":"x"}}"#).unwrap_err();
        assert!(err.to_string().contains("chrome"), "{err}");
        let mut c = PlatformsConfig::default();
        c.bilibili.api_base_url = "api.bilibili.com".into();
        assert!(c.validate().unwrap_err().contains("platforms.bilibili.api_base_url"));
        let mut c = PlatformsConfig::default();
        c.kuaishou.profile_path = "/profile/".into();
        assert!(c.validate().unwrap_err().contains("platforms.kuaishou.profile_path"));
        let mut c = PlatformsConfig::default();
        c.browser.extra_args = vec!["proxy".into()];
        assert!(c.validate().unwrap_err().contains("platforms.browser.extra_args"));
        let mut c = PlatformsConfig::default();
        c.toutiao.policy.burst = 0;
        assert!(c.validate().unwrap_err().contains("platforms.toutiao.policy.burst"));
    }
}
