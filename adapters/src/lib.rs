//! xunjian adapters: a platform's public pages → platform-neutral
//! observations ([`model`]), each with the raw responses as evidence, or a
//! classified failure ([`outcome::FetchFailure`]) that means "could not
//! check" unless the platform itself said the account is gone.
//!
//! Layout: one module per platform (`weibo/`) declaring its
//! [`capability::Capabilities`], pure parsers over bytes, and a thin client
//! on the shared polite fetcher ([`http::PoliteClient`]).

pub mod capability;
pub mod config;
pub mod http;
pub mod model;
pub mod outcome;
pub mod text;
pub mod weibo;

pub use capability::{Capabilities, Capability, Support, capabilities};
pub use config::{HttpPolicy, PlatformsConfig, Secret, WeiboConfig};
pub use http::BreakerStatus;
pub use outcome::{Failed, FetchFailure, FetchResult, Fetched};

use chrono::{DateTime, Utc};
use model::{Platform, Post, Profile, SearchHit, Timeline};
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
        AdapterHealth { breaker: self.breaker_status(), session: Some(self.session_status()) }
    }
}

/// Secrets the root crate looked up (env / credential files).
#[derive(Debug, Clone, Default)]
pub struct PlatformSecrets {
    /// A logged-in Weibo `Cookie` header value; visitor cookies otherwise.
    pub weibo_cookie: Option<Secret>,
}

/// One adapter per enabled platform that has one.
pub fn build_adapters(cfg: &PlatformsConfig, secrets: &PlatformSecrets) -> Result<Vec<Arc<dyn Adapter>>, String> {
    let mut out: Vec<Arc<dyn Adapter>> = Vec::new();
    if cfg.weibo.enabled {
        out.push(Arc::new(weibo::WeiboClient::new(&cfg.weibo, secrets.weibo_cookie.clone())?));
    }
    Ok(out)
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
        _ => &[],
    }
}

fn to_json<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).expect("observations serialise")
}

/// Parses a saved response as `kind` of `platform`, as if served with
/// HTTP 200, and returns the normalized observation as JSON.
pub fn parse_file(platform: Platform, kind: &str, body: &[u8], now: DateTime<Utc>) -> Result<serde_json::Value, DebugError> {
    let url = format!("file:{}/{kind}", platform.code());
    match (platform, kind) {
        (Platform::Weibo, "profile") => weibo::parse::parse_profile(body, &url).map(|v| to_json(&v)),
        (Platform::Weibo, "timeline") => match weibo::parse::parse_timeline(body, &url, now) {
            Ok(weibo::TimelinePage::Posts(t)) => Ok(timeline_json(&t)),
            Ok(weibo::TimelinePage::NoContent { msg }) => {
                return Err(DebugError::Unresolved(format!(
                    "timeline says {:?}: a cancelled account and one with no posts look the same; the profile decides",
                    msg.unwrap_or_else(|| "no posts".into())
                )));
            }
            Err(e) => Err(e),
        },
        (Platform::Weibo, "post") => weibo::parse::parse_status_show(body, &url, now).map(|p| post_json(&p)),
        (Platform::Weibo, "longtext") => weibo::parse::parse_longtext(body, &url).map(|v| to_json(&v)),
        (Platform::Weibo, "search") => weibo::parse::parse_user_search(body, &url).map(|v| to_json(&v)),
        _ => {
            return Err(DebugError::Usage(format!(
                "unknown kind {kind:?} for {platform}; known kinds: {}",
                if parse_kinds(platform).is_empty() { "none (no adapter yet)".to_string() } else { parse_kinds(platform).join(", ") }
            )));
        }
    }
    .map_err(DebugError::Failure)
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
        "latest_unpinned_post_id": t.latest_unpinned().map(|p| p.id.clone()),
    })
}

/// Kinds `debug_fetch` understands per platform.
pub fn fetch_kinds(platform: Platform) -> &'static [&'static str] {
    match platform {
        Platform::Weibo => &["account", "profile", "timeline", "post", "longtext", "search"],
        _ => &[],
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
) -> Result<Fetched<serde_json::Value>, (DebugError, Vec<model::Capture>)> {
    let usage = |m: String| Err((DebugError::Usage(m), Vec::new()));
    if platform != Platform::Weibo {
        return usage(format!("no adapter for {platform} yet"));
    }
    if !fetch_kinds(platform).contains(&kind) {
        return usage(format!("unknown kind {kind:?} for {platform}; known kinds: {}", fetch_kinds(platform).join(", ")));
    }
    let client = match weibo::WeiboClient::new(&cfg.weibo, secrets.weibo_cookie.clone()) {
        Ok(c) => c,
        Err(e) => return usage(e),
    };
    fn done<T>(r: FetchResult<T>, f: impl FnOnce(&T) -> serde_json::Value) -> Result<Fetched<serde_json::Value>, (DebugError, Vec<model::Capture>)> {
        match r {
            Ok(fetched) => {
                let json = f(&fetched.value);
                Ok(fetched.map(|_| json))
            }
            Err(failed) => Err((DebugError::Failure(failed.failure), failed.captures)),
        }
    }
    match kind {
        "account" => done(client.account(target).await, |a| {
            serde_json::json!({"profile": to_json(&a.profile), "timeline": timeline_json(&a.timeline)})
        }),
        "profile" => done(client.profile(target).await, to_json),
        "timeline" => done(client.timeline(target).await, timeline_json),
        "post" => done(client.post(target).await, post_json),
        "longtext" => done(client.long_text(target).await, to_json),
        _ => done(client.search_users(target).await, to_json),
    }
}
