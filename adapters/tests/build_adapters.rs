//! Which adapter each platform gets: native Bilibili; Douyin, Toutiao and
//! Kuaishou only with the browser (feed fallback otherwise); the capability
//! table saying `NeedsBrowser` meanwhile.

use std::collections::BTreeMap;
use xunjian_adapters::config::PlatformsConfig;
use xunjian_adapters::model::Platform;
use xunjian_adapters::{Capability, PlatformSecrets, Support, build_adapters, capabilities};

fn platforms_of(cfg: &PlatformsConfig) -> BTreeMap<Platform, (bool, bool)> {
    build_adapters(cfg, &PlatformSecrets::default())
        .unwrap()
        .iter()
        .map(|a| {
            (
                a.platform(),
                (a.capabilities().supports(Capability::Profile), a.capabilities().supports(Capability::Timeline)),
            )
        })
        .collect()
}

#[test]
fn without_a_browser_signed_platforms_fall_back_to_feeds() {
    let mut cfg = PlatformsConfig::default();
    assert!(!platforms_of(&cfg).contains_key(&Platform::Bilibili), "Bilibili is opt-in");
    cfg.bilibili.enabled = true;
    cfg.feed.templates.insert("douyin".into(), "http://127.0.0.1:1200/douyin/user/{platform_id}".into());
    let got = platforms_of(&cfg);
    assert_eq!(got.get(&Platform::Bilibili), Some(&(true, true)), "native Bilibili");
    assert_eq!(got.get(&Platform::Douyin), Some(&(false, true)), "a feed: timeline only");
    assert!(!got.contains_key(&Platform::Toutiao) && !got.contains_key(&Platform::Kuaishou));
    assert_eq!(capabilities(Platform::Douyin).support(Capability::Timeline), Support::NeedsBrowser);
    // Bilibili disabled with a feed: the feed covers it.
    cfg.bilibili.enabled = false;
    cfg.feed.templates.insert("bilibili".into(), "http://127.0.0.1:1200/bilibili/user/dynamic/{platform_id}".into());
    assert_eq!(platforms_of(&cfg).get(&Platform::Bilibili), Some(&(false, true)));
}

#[test]
fn an_enabled_browser_that_is_missing_stops_the_start() {
    let mut cfg = PlatformsConfig::default();
    cfg.browser.enabled = true;
    cfg.browser.chromium_path = "/nonexistent/chromium".into();
    let err = build_adapters(&cfg, &PlatformSecrets::default()).err().unwrap();
    assert!(err.contains("chromium_path"), "{err}");
    // With the three platforms disabled the browser is not needed.
    cfg.douyin.enabled = false;
    cfg.toutiao.enabled = false;
    cfg.kuaishou.enabled = false;
    assert!(build_adapters(&cfg, &PlatformSecrets::default()).is_ok());
}

#[test]
fn with_a_browser_the_native_adapters_replace_the_feed() {
    let path = std::env::var("XUNJIAN_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !std::path::Path::new(&path).is_file() {
        if std::env::var("XUNJIAN_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("XUNJIAN_REQUIRE_BROWSER=1 but there is no Chromium at {path}");
        }
        eprintln!("SKIPPED: no Chromium at {path}");
        return;
    }
    let mut cfg = PlatformsConfig::default();
    cfg.browser.enabled = true;
    cfg.browser.chromium_path = path;
    cfg.feed.templates.insert("douyin".into(), "http://127.0.0.1:1200/douyin/user/{platform_id}".into());
    let adapters = build_adapters(&cfg, &PlatformSecrets::default()).unwrap();
    let douyin: Vec<_> = adapters.iter().filter(|a| a.platform() == Platform::Douyin).collect();
    assert_eq!(douyin.len(), 1, "native only, no feed beside it");
    assert_eq!(douyin[0].capabilities().support(Capability::PinnedFlag), Support::Yes);
    for p in [Platform::Toutiao, Platform::Kuaishou] {
        assert!(adapters.iter().any(|a| a.platform() == p && a.capabilities().supports(Capability::Timeline)), "{p}");
    }
}
