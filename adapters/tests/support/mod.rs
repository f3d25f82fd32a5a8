//! Fixture paths and loopback configurations for the WeChat, feed and
//! portal tests (the loopback server itself is `common`).
#![allow(dead_code)]

use std::path::PathBuf;
use xunjian_adapters::config::{FeedConfig, HttpPolicy, PlatformsConfig, PortalConfig, WechatConfig};

pub fn read_fixture(dir: &str, rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir).join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn wechat(rel: &str) -> Vec<u8> {
    read_fixture("wechat", rel)
}

pub fn feed(rel: &str) -> Vec<u8> {
    read_fixture("feed", rel)
}

pub fn portal(rel: &str) -> Vec<u8> {
    read_fixture("portal", rel)
}

/// The two verbatim excerpts of the same 2025 article page (header DOM,
/// then the meta script block), joined into one document.
pub fn joined_article() -> Vec<u8> {
    let mut page = b"<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><div id=\"js_article\">".to_vec();
    page.extend(wechat("article_2025_excerpt_header.html"));
    page.extend(b"</div></div>");
    page.extend(wechat("article_2025_excerpt_meta_script_block.html"));
    page.extend(b"</body></html>");
    page
}

/// Fast politeness for tests: no jitter, a generous rate, ms backoff.
pub fn fast_policy() -> HttpPolicy {
    HttpPolicy {
        requests_per_minute: 60_000,
        burst: 1000,
        jitter_ms: 0,
        timeout_secs: 5,
        max_retries: 2,
        backoff_base_ms: 5,
        backoff_max_ms: 2000,
        breaker_threshold: 1000,
        breaker_cooldown_secs: 3600,
        ..HttpPolicy::default()
    }
}

/// Every base URL pointing at the test server.
pub fn platforms(base: &str) -> PlatformsConfig {
    PlatformsConfig {
        wechat: WechatConfig {
            mp_base_url: base.to_string(),
            sogou_base_url: format!("{base}/sogou"),
            policy: fast_policy(),
            sogou_policy: fast_policy(),
            backend_policy: fast_policy(),
            ..WechatConfig::default()
        },
        feed: FeedConfig { policy: fast_policy(), ..FeedConfig::default() },
        portal: PortalConfig { policy: fast_policy(), ..PortalConfig::default() },
        ..PlatformsConfig::default()
    }
}
