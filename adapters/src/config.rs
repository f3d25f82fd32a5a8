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
        Ok(())
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

/// `[platforms]`: one table per platform with an adapter, plus the
/// generic feed and portal fetchers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PlatformsConfig {
    pub weibo: WeiboConfig,
    pub wechat: WechatConfig,
    pub feed: FeedConfig,
    pub portal: PortalConfig,
}

impl PlatformsConfig {
    pub fn validate(&self) -> Result<(), String> {
        self.weibo.validate()?;
        self.wechat.validate()?;
        self.feed.validate()?;
        self.portal.validate()
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
}
