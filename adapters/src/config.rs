//! Adapter configuration, read by the root crate from the `[platforms]`
//! table of `xunjian.toml`. Every key has a documented default; unknown keys
//! are an error. Secrets (operator cookies) are never here: they come in as
//! [`Secret`] arguments from the root crate's secrets lookup.

use serde::{Deserialize, Serialize};
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

/// `[platforms]`: one table per platform with an adapter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PlatformsConfig {
    pub weibo: WeiboConfig,
}

impl PlatformsConfig {
    pub fn validate(&self) -> Result<(), String> {
        self.weibo.validate()
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
    fn secret_debug_is_redacted() {
        let s = Secret::new("SUB=abc123");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(s.expose(), "SUB=abc123");
    }
}
