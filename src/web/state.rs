//! What every handler reads: the store, the clocks, the settings, and the
//! daemon's probes.

use crate::clock::Clock;
use crate::config::LoadedConfig;
use crate::store::Store;
use serde::Deserialize;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// `[daemon.console]` in the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// The session cookie is sent only over HTTPS (`Secure`). Set it when
    /// the console is behind a TLS front (nginx, Caddy); over plain HTTP
    /// the browser would then never send the cookie back.
    pub secure_cookies: bool,
    /// A session unused this many minutes ends (5–1440).
    pub idle_timeout_minutes: u32,
    /// A trusted reverse proxy's request header naming the logged-in person
    /// (a government single sign-on in front of the console), e.g.
    /// `X-Remote-User`. Empty (the default): off. The name must be an
    /// existing, enabled console user's; the role and scope are that user's.
    pub sso_header: String,
    /// The proxies' addresses (exact IPs) whose `sso_header` is believed;
    /// from any other address the header is ignored. Required with it.
    pub sso_proxies: Vec<String>,
    /// `/api/v1` requests a token may make per minute (1–6000), refilled
    /// evenly; over it the API answers 429 with `Retry-After`. Counted per
    /// daemon process (see `web/throttle.rs`).
    pub api_requests_per_minute: u32,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            secure_cookies: false,
            idle_timeout_minutes: 30,
            sso_header: String::new(),
            sso_proxies: Vec::new(),
            api_requests_per_minute: 60,
        }
    }
}

impl ConsoleConfig {
    pub fn validate(&self) -> Result<(), String> {
        if !(5..=1440).contains(&self.idle_timeout_minutes) {
            return Err(format!(
                "[daemon.console] idle_timeout_minutes = {} 超出范围，应为 5 到 1440 (must be 5..=1440)",
                self.idle_timeout_minutes
            ));
        }
        if !(1..=6000).contains(&self.api_requests_per_minute) {
            return Err(format!(
                "[daemon.console] api_requests_per_minute = {} 超出范围，应为 1 到 6000 (must be 1..=6000)",
                self.api_requests_per_minute
            ));
        }
        let header = self.sso_header.trim();
        if header.is_empty() {
            return Ok(());
        }
        if axum::http::HeaderName::from_bytes(header.as_bytes()).is_err()
            || ["cookie", "authorization", "host", "x-csrf-token"].contains(&header.to_ascii_lowercase().as_str())
        {
            return Err(format!("[daemon.console] sso_header = \"{header}\" 不能用作单点登录请求头 (not a usable header name)"));
        }
        if self.sso_proxies.is_empty() {
            return Err("[daemon.console] 设置了 sso_header 时须用 sso_proxies 列出可信反向代理的 IP 地址，否则任何人都能冒充用户 (sso_proxies is required with sso_header)".to_string());
        }
        for p in &self.sso_proxies {
            if p.trim().parse::<std::net::IpAddr>().is_err() {
                return Err(format!("[daemon.console] sso_proxies 中的「{p}」不是 IP 地址 (not an IP address)"));
            }
        }
        Ok(())
    }

    /// The single sign-on user name this request carries, if single sign-on
    /// is on and the request came from a trusted proxy.
    pub(crate) fn sso_user(&self, peer: &str, headers: &axum::http::HeaderMap) -> Option<String> {
        let header = self.sso_header.trim();
        if header.is_empty() {
            return None;
        }
        let peer: std::net::IpAddr = peer.parse().ok()?;
        if !self.sso_proxies.iter().any(|p| p.trim().parse::<std::net::IpAddr>().is_ok_and(|ip| ip == peer)) {
            return None;
        }
        let name = headers.get(header)?.to_str().ok()?.trim();
        (!name.is_empty()).then(|| name.to_string())
    }
}

/// An answer of the daemon's probes (`/healthz`, `/metrics`), as built by
/// the daemon and sent as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainResponse {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl PlainResponse {
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        PlainResponse { status, content_type: "text/plain; charset=utf-8", body: body.into() }
    }
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        PlainResponse { status, content_type: "application/json", body: body.to_string() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeKind {
    Health,
    Metrics,
}

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
/// The daemon's answer to a probe.
pub type Probe = Arc<dyn Fn(ProbeKind) -> BoxFuture<PlainResponse> + Send + Sync>;

fn no_config() -> super::error::WebError {
    super::error::WebError::BadRequest("这个控制台启动时没有读取配置文件，无法使用此功能；请通过 xunjian run 启动".to_string())
}

/// Shared by every request; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The daemon's clock: the time of a person's action on a finding, as
    /// the checks' own times (a simulated clock in tests and the demo).
    pub clock: Arc<dyn Clock>,
    /// Real time: sessions, idle timeout, login throttling, the audit log.
    pub wall: Arc<dyn Clock>,
    pub config: ConsoleConfig,
    /// `/healthz` and `/metrics`; `None` answers 404 (a console without a daemon).
    pub probe: Option<Probe>,
    /// The configuration the daemon started with: the data directory (uploads,
    /// reports), import limits, notices, rules. `None` in a console without
    /// one; the pages that need it then say so.
    pub loaded: Option<Arc<LoadedConfig>>,
    /// The report being produced in the background, or the last one.
    pub(crate) reports: super::reports::ReportJobs,
    /// `/api/v1` request buckets per token (this process's).
    pub(crate) api_buckets: Arc<super::throttle::TokenBuckets>,
}

impl AppState {
    pub fn new(store: Store, clock: Arc<dyn Clock>, wall: Arc<dyn Clock>, config: ConsoleConfig, probe: Option<Probe>) -> Self {
        AppState { store, clock, wall, config, probe, loaded: None, reports: Default::default(), api_buckets: Default::default() }
    }
    /// The configuration the pages read (data directory, limits, notices).
    pub fn with_config(mut self, loaded: Arc<LoadedConfig>) -> Self {
        self.loaded = Some(loaded);
        self
    }
    pub(crate) fn loaded(&self) -> super::error::WebResult<&LoadedConfig> {
        self.loaded.as_deref().ok_or_else(no_config)
    }
    pub(crate) fn loaded_arc(&self) -> super::error::WebResult<Arc<LoadedConfig>> {
        self.loaded.clone().ok_or_else(no_config)
    }
    /// The largest upload body (`[import] max_file_mb` and room for the
    /// form's other fields); other requests get [`super::auth::MAX_FORM_BYTES`].
    pub(crate) fn upload_limit_bytes(&self) -> usize {
        let mb = self.loaded.as_ref().map(|l| l.config.import.max_file_mb).unwrap_or(20);
        usize::try_from(mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX / 2).saturating_add(super::auth::MAX_FORM_BYTES)
    }
    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }
    pub(crate) fn wall_ms(&self) -> i64 {
        self.wall.now().timestamp_millis()
    }
    pub(crate) fn idle_ms(&self) -> i64 {
        i64::from(self.config.idle_timeout_minutes) * 60_000
    }
}

#[cfg(test)]
mod tests {
    use super::ConsoleConfig;

    #[test]
    fn the_api_rate_is_range_checked_naming_section_and_key() {
        assert!(ConsoleConfig::default().validate().is_ok());
        for bad in [0, 6001] {
            let c = ConsoleConfig { api_requests_per_minute: bad, ..Default::default() };
            let e = c.validate().unwrap_err();
            assert!(e.contains("[daemon.console] api_requests_per_minute") && e.contains("1 到 6000"), "{e}");
        }
        let c: ConsoleConfig = toml::from_str("api_requests_per_minute = 600").unwrap();
        assert_eq!((c.api_requests_per_minute, c.idle_timeout_minutes), (600, 30), "the others keep their defaults");
        assert!(c.validate().is_ok());
    }
}
