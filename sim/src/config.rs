//! The `[platforms.*]` tables that point xunjian at a simulator, with
//! policies fast enough for tests at high clock speeds.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use toml::{Table, Value};

/// Knobs of [`xunjian_platforms_config`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConfigOptions {
    /// Every policy's rate (default 60000: no waiting in tests).
    pub requests_per_minute: u32,
    pub burst: u32,
    /// Whole-request timeout (default 3 s; the faults' `slow_ms` stays
    /// below it and `timeout_hold_ms` above it).
    pub timeout_secs: u64,
    pub max_retries: u32,
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
    pub breaker_threshold: u32,
    pub breaker_cooldown_secs: u64,
    /// `[platforms.wechat] sources` (default `["sogou", "feed"]`).
    pub wechat_sources: Vec<String>,
    /// Platforms given a feed template `/feed/<platform>/{platform_id}`
    /// (default wechat, weibo, bilibili; a native adapter wins where enabled).
    pub feed_platforms: Vec<String>,
    pub weibo: bool,
    pub wechat: bool,
    pub bilibili: bool,
    pub portal: bool,
    pub portal_max_notice_fetches: u32,
    /// Further values by dotted key under `platforms`, applied last, e.g.
    /// `"weibo.policy.timeout_secs" = 10` or `"wechat.sogou_policy.burst" = 1`.
    pub overrides: BTreeMap<String, Value>,
}

impl Default for ConfigOptions {
    fn default() -> Self {
        ConfigOptions {
            requests_per_minute: 60_000,
            burst: 1000,
            timeout_secs: 3,
            max_retries: 1,
            backoff_base_ms: 5,
            backoff_max_ms: 100,
            breaker_threshold: 1000,
            breaker_cooldown_secs: 3600,
            wechat_sources: vec!["sogou".into(), "feed".into()],
            feed_platforms: vec!["wechat".into(), "weibo".into(), "bilibili".into()],
            weibo: true,
            wechat: true,
            bilibili: true,
            portal: true,
            portal_max_notice_fetches: 3,
            overrides: BTreeMap::new(),
        }
    }
}

fn table(pairs: Vec<(&str, Value)>) -> Table {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn policy(o: &ConfigOptions) -> Value {
    Value::Table(table(vec![
        ("requests_per_minute", Value::Integer(o.requests_per_minute.into())),
        ("burst", Value::Integer(o.burst.into())),
        ("jitter_ms", Value::Integer(0)),
        ("timeout_secs", Value::Integer(o.timeout_secs as i64)),
        ("max_retries", Value::Integer(o.max_retries.into())),
        ("backoff_base_ms", Value::Integer(o.backoff_base_ms as i64)),
        ("backoff_max_ms", Value::Integer(o.backoff_max_ms as i64)),
        ("breaker_threshold", Value::Integer(o.breaker_threshold.into())),
        ("breaker_cooldown_secs", Value::Integer(o.breaker_cooldown_secs as i64)),
    ]))
}

fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

/// The `[platforms]` table as a TOML value tree.
pub fn platforms_table(base: &str, o: &ConfigOptions) -> Table {
    let base = base.trim_end_matches('/');
    let templates: Table =
        o.feed_platforms.iter().map(|p| (p.clone(), s(format!("{base}/feed/{p}/{{platform_id}}")))).collect();
    let mut platforms = table(vec![
        (
            "weibo",
            Value::Table(table(vec![
                ("enabled", Value::Boolean(o.weibo)),
                ("m_base_url", s(base)),
                ("visitor_url", s(format!("{base}/visitor/genvisitor2"))),
                ("max_pages", Value::Integer(1)),
                ("max_detail_fetches", Value::Integer(2)),
                ("cookie_renewal_cooldown_secs", Value::Integer(0)),
                ("policy", policy(o)),
            ])),
        ),
        (
            "wechat",
            Value::Table(table(vec![
                ("enabled", Value::Boolean(o.wechat)),
                ("mp_base_url", s(base)),
                ("sogou_base_url", s(base)),
                ("sources", Value::Array(o.wechat_sources.iter().map(|x| s(x.clone())).collect())),
                // Reuse is in real seconds: none under a fast simulated clock.
                ("sogou_reuse_secs", Value::Integer(0)),
                ("policy", policy(o)),
                ("sogou_policy", policy(o)),
                ("backend_policy", policy(o)),
            ])),
        ),
        (
            "feed",
            Value::Table(table(vec![
                ("enabled", Value::Boolean(true)),
                ("templates", Value::Table(templates)),
                ("policy", policy(o)),
            ])),
        ),
        (
            "portal",
            Value::Table(table(vec![
                ("enabled", Value::Boolean(o.portal)),
                ("max_notice_fetches", Value::Integer(o.portal_max_notice_fetches.into())),
                ("policy", policy(o)),
            ])),
        ),
        (
            "bilibili",
            Value::Table(table(vec![
                ("enabled", Value::Boolean(o.bilibili)),
                ("api_base_url", s(base)),
                ("live_base_url", s(base)),
                ("max_pages", Value::Integer(1)),
                ("live_fallback", Value::Boolean(true)),
                ("policy", policy(o)),
            ])),
        ),
        ("browser", Value::Table(table(vec![("enabled", Value::Boolean(false))]))),
    ]);
    for (key, value) in &o.overrides {
        let parts: Vec<&str> = key.split('.').collect();
        let mut t = &mut platforms;
        for p in &parts[..parts.len() - 1] {
            let entry = t.entry(p.to_string()).or_insert_with(|| Value::Table(Table::new()));
            if !entry.is_table() {
                *entry = Value::Table(Table::new());
            }
            t = entry.as_table_mut().expect("a table");
        }
        t.insert(parts[parts.len() - 1].to_string(), value.clone());
    }
    platforms
}

/// The `[platforms.*]` TOML tables of xunjian's configuration pointing at
/// the simulator at `base`: Weibo (`m_base_url`, `visitor_url`), WeChat
/// (`mp_base_url`, `sogou_base_url`, `sources`), feed templates
/// `/feed/<platform>/{platform_id}`, the portal fetcher, Bilibili
/// (`api_base_url`, `live_base_url`), the browser disabled; every policy
/// without jitter and with the options' rates, timeouts, retries and
/// breaker.
pub fn xunjian_platforms_config(base: &str, opts: &ConfigOptions) -> String {
    let mut root = Table::new();
    root.insert("platforms".into(), Value::Table(platforms_table(base, opts)));
    toml::to_string(&root).expect("a TOML table serializes")
}
