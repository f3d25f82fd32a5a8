//! The headless-browser fetcher for platforms whose web APIs need
//! signatures computed in the page (Douyin `a_bogus`, Kuaishou
//! `__NS_hxfalcon`, Toutiao): Debian's Chromium, driven over the DevTools
//! protocol (`cdp`), loads the public profile page the way a visitor's
//! browser does, and we keep what the page itself received: the document
//! (with its server-rendered JSON) and the XHR/fetch answers whose URL
//! matches what the platform's parser wants, plus the rendered DOM.
//!
//! It does not interpret anything: platform parsers read the captures and
//! classify the page (captcha, login wall, empty render data) with
//! [`classify_unreadable_page`]. Each load is a fresh Chromium with an
//! empty profile: no cookies carry over between accounts, and a crashed or
//! stuck browser takes nothing with it.
//!
//! - `cdp`: the pipe transport and the command/reply plumbing.
//! - `extract`: finding JSON blobs in HTML (`RENDER_DATA`, `__NEXT_DATA__`,
//!   `window.__APOLLO_STATE__ = {...}`).

/// Public so the console's browser test (tests/console_browser.rs) can drive Chromium too.
pub mod cdp;
pub mod extract;
pub mod platform;

use crate::config::{BrowserConfig, HttpPolicy};
use crate::feed::response::{
    CAPTCHA_MARKERS, LOGIN_MARKERS, ResponseMeta, WAF_MARKERS, classify_status, contains_any, title_suffix,
};
use crate::http::BreakerStatus;
use crate::model::{Capture, Platform};
use crate::outcome::FetchFailure;
use crate::text::{decode_body, html_title};
use cdp::{CdpError, Chromium};
use chrono::Utc;
use governor::{DefaultDirectRateLimiter, Jitter, Quota, RateLimiter};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// `Capture::source` of the main document as the server sent it.
pub const CAPTURE_DOCUMENT: &str = "browser document";
/// `Capture::source` of an XHR/fetch answer the page received.
pub const CAPTURE_XHR: &str = "browser xhr";
/// `Capture::source` of the DOM after the page's scripts ran.
pub const CAPTURE_DOM: &str = "browser rendered dom";

/// One page to load.
#[derive(Debug, Clone)]
pub struct PageRequest<'a> {
    pub url: &'a str,
    /// Substrings of XHR/fetch URLs whose answers are kept (e.g.
    /// `/aweme/v1/web/aweme/post/`).
    pub xhr_patterns: &'a [&'a str],
}

/// What a page load produced: the document first, then the matching
/// XHR answers in the order they finished, then the rendered DOM.
#[derive(Debug, Clone)]
pub struct PageLoad {
    pub requested_url: String,
    /// Where the browser ended up (after redirects and script navigation).
    pub final_url: String,
    /// The HTTP status of the main document, when it arrived.
    pub document_status: Option<u16>,
    pub captures: Vec<Capture>,
    /// The page's `load` event came before the timeout.
    pub loaded: bool,
}

impl PageLoad {
    pub fn document(&self) -> Option<&Capture> {
        self.captures.iter().find(|c| c.source == CAPTURE_DOCUMENT)
    }
    pub fn dom(&self) -> Option<&Capture> {
        self.captures.iter().find(|c| c.source == CAPTURE_DOM)
    }
    pub fn xhrs(&self) -> impl Iterator<Item = &Capture> {
        self.captures.iter().filter(|c| c.source == CAPTURE_XHR)
    }
}

/// Whether Chromium is where the configuration says.
pub fn chromium_available(cfg: &BrowserConfig) -> bool {
    std::path::Path::new(&cfg.chromium_path).is_file()
}

/// Loads pages in a headless Chromium; shared by every browser-read
/// platform so that at most `max_concurrent` browsers run at once.
pub struct BrowserFetcher {
    cfg: BrowserConfig,
    permits: tokio::sync::Semaphore,
}

impl std::fmt::Debug for BrowserFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserFetcher").field("chromium", &self.cfg.chromium_path).finish_non_exhaustive()
    }
}

impl BrowserFetcher {
    /// Fails when the configured Chromium is not there: a browser that was
    /// asked for and cannot run is a setup error, said at start.
    pub fn new(cfg: &BrowserConfig) -> Result<Self, String> {
        cfg.validate()?;
        if !chromium_available(cfg) {
            return Err(format!(
                "platforms.browser.chromium_path = {:?} does not exist: install Debian's `chromium` package or set [platforms.browser] enabled = false",
                cfg.chromium_path
            ));
        }
        Ok(BrowserFetcher { permits: tokio::sync::Semaphore::new(cfg.max_concurrent as usize), cfg: cfg.clone() })
    }

    pub fn config(&self) -> &BrowserConfig {
        &self.cfg
    }

    fn launch_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if self.cfg.no_sandbox {
            args.push("--no-sandbox".to_string());
        }
        if !self.cfg.user_agent.trim().is_empty() {
            args.push(format!("--user-agent={}", self.cfg.user_agent.trim()));
        }
        args.extend(self.cfg.extra_args.iter().cloned());
        args
    }

    /// Loads `req.url` and returns what the page received. A failure to
    /// load at all (Chromium missing or crashing, navigation error,
    /// timeout before any document) is a `Network` failure: nothing was
    /// checked. Whatever was captured before a failure comes with it.
    pub async fn load(&self, req: &PageRequest<'_>) -> Result<PageLoad, (FetchFailure, Vec<Capture>)> {
        let _permit = self.permits.acquire().await.expect("never closed");
        let mut browser = match Chromium::launch(&self.cfg.chromium_path, &self.launch_args()) {
            Ok(b) => b,
            Err(e) => return Err((network(req.url, None, false, e.to_string()), Vec::new())),
        };
        let mut session = PageSession::new(req, &self.cfg);
        let result = session.run(&mut browser).await;
        browser.shutdown().await;
        match result {
            Ok(()) => Ok(session.finish()),
            Err(e) => {
                let timeout = matches!(e, CdpError::Timeout(_));
                let status = session.document_status;
                Err((network(req.url, status, timeout, e.to_string()), session.captures))
            }
        }
    }
}

fn network(url: &str, status: Option<u16>, timeout: bool, detail: String) -> FetchFailure {
    FetchFailure::Network { url: url.to_string(), http_status: status, timeout, detail: format!("browser: {detail}") }
}

#[derive(Debug)]
struct Response {
    url: String,
    kind: String,
    status: u16,
    content_type: Option<String>,
    main_document: bool,
    wanted: bool,
}

/// The state of one page load.
struct PageSession<'a> {
    req: &'a PageRequest<'a>,
    cfg: &'a BrowserConfig,
    responses: HashMap<String, Response>,
    captures: Vec<Capture>,
    document_status: Option<u16>,
    final_url: String,
    frame_id: Option<String>,
    loaded: bool,
}

impl<'a> PageSession<'a> {
    fn new(req: &'a PageRequest<'a>, cfg: &'a BrowserConfig) -> Self {
        PageSession {
            req,
            cfg,
            responses: HashMap::new(),
            captures: Vec::new(),
            document_status: None,
            final_url: req.url.to_string(),
            frame_id: None,
            loaded: false,
        }
    }

    async fn run(&mut self, b: &mut Chromium) -> Result<(), CdpError> {
        let launch = Duration::from_secs(self.cfg.launch_timeout_secs);
        let step = Duration::from_secs(10);
        let deadline = Instant::now() + self.cfg.page_timeout();
        // The first answer proves the browser is up.
        b.call(None, "Browser.getVersion", json!({}), launch).await?;
        let target = b.call(None, "Target.createTarget", json!({"url": "about:blank"}), step).await?;
        let target_id = str_field(&target, "targetId")?;
        let attached =
            b.call(None, "Target.attachToTarget", json!({"targetId": target_id, "flatten": true}), step).await?;
        let sid = str_field(&attached, "sessionId")?;
        let s = Some(sid.as_str());
        // Bodies are kept by Chromium only up to these buffer sizes.
        let max = self.cfg.max_body_bytes.min(i64::MAX as u64) as i64;
        b.call(
            s,
            "Network.enable",
            json!({"maxTotalBufferSize": max.saturating_mul(4), "maxResourceBufferSize": max}),
            step,
        )
        .await?;
        b.call(s, "Page.enable", json!({}), step).await?;
        let nav = b.call(s, "Page.navigate", json!({"url": self.req.url}), step).await?;
        if let Some(err) = nav.get("errorText").and_then(Value::as_str).filter(|e| !e.is_empty()) {
            return Err(CdpError::Protocol(format!("navigation to {} failed: {err}", self.req.url)));
        }
        self.frame_id = nav.get("frameId").and_then(Value::as_str).map(str::to_string);
        let settle = Duration::from_millis(self.cfg.settle_ms);
        let mut quiet_since = Instant::now();
        loop {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            if self.loaded && now.duration_since(quiet_since) >= settle {
                break;
            }
            let wait = if self.loaded { (quiet_since + settle).min(deadline) } else { deadline };
            let event = match tokio::time::timeout_at(wait, b.events.recv()).await {
                Err(_) => continue,
                Ok(None) => {
                    return Err(CdpError::Closed(format!("during the page load; {}", b.stderr_tail())));
                }
                Ok(Some(ev)) => ev,
            };
            if event.get("sessionId").and_then(Value::as_str) != Some(sid.as_str()) {
                if event.get("method").and_then(Value::as_str) == Some("Target.detachedFromTarget") {
                    return Err(CdpError::Closed("the page was detached (crashed?)".into()));
                }
                continue;
            }
            let method = event.get("method").and_then(Value::as_str).unwrap_or("");
            let params = event.get("params").cloned().unwrap_or(Value::Null);
            match method {
                "Network.responseReceived" => {
                    quiet_since = Instant::now();
                    self.on_response(&params);
                }
                "Network.loadingFinished" => {
                    quiet_since = Instant::now();
                    let id = params.get("requestId").and_then(Value::as_str).unwrap_or("").to_string();
                    let size = params.get("encodedDataLength").and_then(Value::as_f64).unwrap_or(0.0);
                    self.on_finished(b, s, &id, size).await?;
                }
                "Page.loadEventFired" => {
                    self.loaded = true;
                    quiet_since = Instant::now();
                }
                "Inspector.detached" | "Inspector.targetCrashed" => {
                    return Err(CdpError::Closed(format!("{method} during the page load")));
                }
                _ => {}
            }
        }
        if self.document_status.is_none() && !self.loaded {
            return Err(CdpError::Timeout(format!(
                "no document from {} within {} s",
                self.req.url, self.cfg.page_timeout_secs
            )));
        }
        // What the scripts made of the page, and where it ended up.
        let dom = b
            .call(
                s,
                "Runtime.evaluate",
                json!({"expression": "JSON.stringify([location.href, document.documentElement ? document.documentElement.outerHTML : ''])", "returnByValue": true}),
                step,
            )
            .await?;
        if let Some(text) = dom.pointer("/result/value").and_then(Value::as_str)
            && let Ok((href, html)) = serde_json::from_str::<(String, String)>(text)
        {
            if !href.is_empty() && href != "about:blank" {
                self.final_url = href;
            }
            self.captures.push(Capture {
                url: self.final_url.clone(),
                http_status: None,
                content_type: Some("text/html; charset=utf-8".into()),
                fetched_at: Utc::now(),
                body: html.into_bytes(),
                source: CAPTURE_DOM.into(),
            });
        }
        Ok(())
    }

    fn on_response(&mut self, p: &Value) {
        let Some(id) = p.get("requestId").and_then(Value::as_str) else {
            return;
        };
        let kind = p.get("type").and_then(Value::as_str).unwrap_or("").to_string();
        let r = p.get("response").cloned().unwrap_or(Value::Null);
        let url = r.get("url").and_then(Value::as_str).unwrap_or("").to_string();
        let status = r.get("status").and_then(Value::as_f64).unwrap_or(0.0) as u16;
        let content_type =
            header(&r, "content-type").or_else(|| r.get("mimeType").and_then(Value::as_str).map(str::to_string));
        let main_document = kind == "Document"
            && (self.frame_id.is_none() || p.get("frameId").and_then(Value::as_str) == self.frame_id.as_deref());
        let wanted =
            matches!(kind.as_str(), "XHR" | "Fetch") && self.req.xhr_patterns.iter().any(|pat| url.contains(pat));
        if main_document {
            self.document_status = Some(status);
            self.final_url = url.clone();
        }
        self.responses.insert(id.to_string(), Response { url, kind, status, content_type, main_document, wanted });
    }

    async fn on_finished(&mut self, b: &mut Chromium, s: Option<&str>, id: &str, size: f64) -> Result<(), CdpError> {
        let Some(r) = self.responses.get(id) else {
            return Ok(());
        };
        if !(r.main_document || r.wanted) {
            return Ok(());
        }
        let source = if r.main_document { CAPTURE_DOCUMENT } else { CAPTURE_XHR };
        let (url, status, content_type) = (r.url.clone(), r.status, r.content_type.clone());
        tracing::debug!(%url, kind = %r.kind, status, "browser: keeping a response");
        let body = if size > self.cfg.max_body_bytes as f64 {
            format!("[not kept: {size} bytes is over platforms.browser.max_body_bytes]").into_bytes()
        } else {
            match b.call(s, "Network.getResponseBody", json!({"requestId": id}), Duration::from_secs(10)).await {
                Ok(v) => decode_response_body(&v),
                // A body Chromium no longer has is evidence we lack, not
                // a reason to give up on the page.
                Err(CdpError::Protocol(e)) => format!("[body not available: {e}]").into_bytes(),
                Err(e) => return Err(e),
            }
        };
        if source == CAPTURE_DOCUMENT {
            // A later document (a script navigation) replaces the first.
            self.captures.retain(|c| c.source != CAPTURE_DOCUMENT);
            self.captures.insert(
                0,
                Capture {
                    url,
                    http_status: Some(status),
                    content_type,
                    fetched_at: Utc::now(),
                    body,
                    source: source.into(),
                },
            );
        } else {
            self.captures.push(Capture {
                url,
                http_status: Some(status),
                content_type,
                fetched_at: Utc::now(),
                body,
                source: source.into(),
            });
        }
        Ok(())
    }

    fn finish(self) -> PageLoad {
        PageLoad {
            requested_url: self.req.url.to_string(),
            final_url: self.final_url,
            document_status: self.document_status,
            captures: self.captures,
            loaded: self.loaded,
        }
    }
}

fn str_field(v: &Value, key: &str) -> Result<String, CdpError> {
    v.get(key).and_then(Value::as_str).map(str::to_string).ok_or_else(|| CdpError::Protocol(format!("no {key} in {v}")))
}

fn header(response: &Value, name: &str) -> Option<String> {
    let headers = response.get("headers")?.as_object()?;
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.as_str()).map(str::to_string)
}

fn decode_response_body(v: &Value) -> Vec<u8> {
    let body = v.get("body").and_then(Value::as_str).unwrap_or("");
    if v.get("base64Encoded").and_then(Value::as_bool) == Some(true) {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.decode(body).unwrap_or_else(|_| body.as_bytes().to_vec())
    } else {
        body.as_bytes().to_vec()
    }
}

// ---------------------------------------------------------------------
// Classification shared by the browser-read platforms
// ---------------------------------------------------------------------

/// Markers of ByteDance's and Kuaishou's verification interstitials
/// (验证码中间页) besides the generic captcha words.
const CHALLENGE_MARKERS: &[&str] = &[
    "验证码中间页",
    "captcha_container",
    "secsdk-captcha",
    "verifycenter",
    "vc_captcha",
    "middle_page",
    "请完成下列验证",
    "拖动滑块",
];
const LOGIN_WALL_MARKERS: &[&str] = &[
    "登录后查看",
    "登录后即可",
    "扫码登录",
    "验证码登录",
    "密码登录",
    "请登录",
    "login-guide",
    "login-panel",
    "login-pannel",
    "登录/注册",
];

/// Phrases of a login panel's SMS-code option, which carry the captcha
/// word 验证码 without being a challenge.
const LOGIN_CODE_WORDS: &[&str] =
    &["验证码登录", "短信验证码", "获取验证码", "发送验证码", "输入验证码", "手机验证码", "验证码已发送"];

fn strip_login_code_words(text: &str) -> String {
    let mut out = text.to_string();
    for w in LOGIN_CODE_WORDS {
        if out.contains(w) {
            out = out.replace(w, " ");
        }
    }
    out
}

/// Why a page that carried none of the data a parser looks for could not
/// be read. Only called when the data is missing: a page with data is
/// never called a captcha because its scripts mention one.
pub fn classify_unreadable_page(page: &Capture, dom: Option<&Capture>, final_url: &str, what: &str) -> FetchFailure {
    let status = page.http_status.unwrap_or(200);
    let (text, _) = decode_body(&page.body, page.content_type.as_deref());
    let meta =
        ResponseMeta { status, content_type: page.content_type.as_deref(), location: None, retry_after_secs: None };
    if let Err(f) = classify_status(&meta, &text, &page.url, what) {
        return f;
    }
    let dom_text = dom.map(|d| decode_body(&d.body, d.content_type.as_deref()).0.into_owned()).unwrap_or_default();
    let lower_url = final_url.to_lowercase();
    let url = page.url.clone();
    let http_status = Some(status);
    if contains_any(&lower_url, &["captcha", "verify", "/middle_page"]) {
        return FetchFailure::Captcha {
            url,
            http_status,
            challenge_url: Some(final_url.to_string()),
            detail: format!("the {what} went to a verification page"),
        };
    }
    if contains_any(&lower_url, &["passport", "/login", "signin"]) {
        return FetchFailure::LoginRequired {
            url,
            http_status,
            detail: format!("the {what} went to a login page ({final_url})"),
        };
    }
    let both = format!("{text}\n{dom_text}");
    let lower = both.to_lowercase();
    let title = html_title(&dom_text).or_else(|| html_title(&text));
    let title_s = title.as_ref().map(|t| format!(" (page title {t:?})")).unwrap_or_default();
    // A login panel offers "验证码登录" (log in with an SMS code) and "获取
    // 验证码": those are login words, not a challenge. They are taken out
    // before looking for captcha words, so a login wall is called one.
    let challenge_text = strip_login_code_words(&lower);
    if title.as_deref().is_some_and(|t| t.contains("验证") && !t.contains("登录"))
        || contains_any(&challenge_text, CHALLENGE_MARKERS)
        || contains_any(&challenge_text, CAPTCHA_MARKERS)
    {
        return FetchFailure::Captcha {
            url,
            http_status,
            challenge_url: None,
            detail: format!("verification page instead of the {what}{title_s}"),
        };
    }
    if contains_any(&both, LOGIN_WALL_MARKERS) || contains_any(&lower, LOGIN_MARKERS) {
        return FetchFailure::LoginRequired {
            url,
            http_status,
            detail: format!("login wall instead of the {what}{title_s}"),
        };
    }
    if contains_any(&lower, WAF_MARKERS) {
        return FetchFailure::Blocked {
            url,
            http_status,
            detail: format!("access-denied page instead of the {what}{title_s}"),
        };
    }
    let visible = extract::visible_text_len(&dom_text).max(extract::visible_text_len(&text));
    if text.trim().is_empty() || visible == 0 {
        // RSSHub #12029: Douyin's WAF answers an empty page.
        return FetchFailure::Blocked {
            url,
            http_status,
            detail: format!("empty page instead of the {what}: the platform's firewall answers this way"),
        };
    }
    FetchFailure::parse(
        &page.url,
        "render data",
        format!("the {what} carried none of the data looked for{}", title_suffix(&text)),
    )
}

// ---------------------------------------------------------------------
// Politeness for page loads
// ---------------------------------------------------------------------

/// A page load is many requests to the platform: budget and breaker per
/// platform, like [`crate::http::PoliteClient`] but around a whole load.
pub struct PagePacer {
    platform: Platform,
    limiter: DefaultDirectRateLimiter,
    policy: HttpPolicy,
    breaker: Mutex<PacerBreaker>,
}

#[derive(Default)]
struct PacerBreaker {
    consecutive: u32,
    open_until: Option<Instant>,
    opened_at: Option<chrono::DateTime<Utc>>,
    times_opened: u64,
    last_refusal: Option<String>,
}

impl std::fmt::Debug for PagePacer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PagePacer").field("platform", &self.platform).finish_non_exhaustive()
    }
}

impl PagePacer {
    pub fn new(platform: Platform, policy: &HttpPolicy) -> Result<Self, String> {
        policy.validate(&format!("platforms.{platform}.policy"))?;
        if !policy.routes.is_empty() {
            // Chromium takes one proxy per browser; several egress routes
            // would need a browser each. Refused rather than ignored.
            return Err(format!(
                "platforms.{platform}.policy.routes: egress routes are not supported for the browser platforms (douyin, toutiao, kuaishou)"
            ));
        }
        let quota = Quota::per_minute(NonZeroU32::new(policy.requests_per_minute).expect("validated"))
            .allow_burst(NonZeroU32::new(policy.burst).expect("validated"));
        Ok(PagePacer {
            platform,
            limiter: RateLimiter::direct(quota),
            policy: policy.clone(),
            breaker: Mutex::new(PacerBreaker::default()),
        })
    }

    /// Waits for the budget; refuses while the breaker is open.
    pub async fn admit(&self, url: &str) -> Result<(), FetchFailure> {
        {
            let b = self.breaker.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(until) = b.open_until
                && Instant::now() < until
            {
                return Err(FetchFailure::CircuitOpen {
                    url: url.to_string(),
                    platform: self.platform.to_string(),
                    retry_in_secs: until.saturating_duration_since(Instant::now()).as_secs(),
                });
            }
        }
        self.limiter.until_ready_with_jitter(Jitter::up_to(Duration::from_millis(self.policy.jitter_ms))).await;
        Ok(())
    }

    /// Counts refusals (captcha, login wall, blocked, throttled) towards
    /// the breaker; an answer closes it.
    pub fn record(&self, outcome: Result<(), &FetchFailure>) {
        let mut b = self.breaker.lock().unwrap_or_else(|p| p.into_inner());
        match outcome {
            Ok(()) => {
                b.consecutive = 0;
                b.open_until = None;
                b.opened_at = None;
            }
            Err(f) if f.class().is_platform_answer() => {
                b.consecutive = 0;
                b.open_until = None;
                b.opened_at = None;
            }
            Err(f) if f.is_refusal() => {
                b.consecutive += 1;
                b.last_refusal = Some(f.to_string());
                if b.consecutive >= self.policy.breaker_threshold {
                    if b.open_until.is_none() {
                        b.times_opened += 1;
                        b.opened_at = Some(Utc::now());
                        tracing::warn!(platform = %self.platform, last = %f, "browser: the platform keeps refusing us; pausing page loads");
                    }
                    b.open_until = Some(Instant::now() + Duration::from_secs(self.policy.breaker_cooldown_secs));
                }
            }
            Err(_) => {}
        }
    }

    pub fn max_retries(&self) -> u32 {
        self.policy.max_retries
    }

    pub fn backoff(&self, attempt: u32) -> Duration {
        let base = self.policy.backoff_base_ms.saturating_mul(1 << attempt.min(16));
        Duration::from_millis(base.min(self.policy.backoff_max_ms))
    }

    pub fn requests_per_minute(&self) -> u32 {
        self.policy.requests_per_minute
    }

    pub fn status(&self) -> BreakerStatus {
        let b = self.breaker.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let open = b.open_until.is_some_and(|u| now < u);
        BreakerStatus {
            platform: self.platform,
            state: if open {
                "open"
            } else if b.open_until.is_some() {
                "half_open"
            } else {
                "closed"
            },
            consecutive_refusals: b.consecutive,
            opened_at: b.opened_at,
            retry_in_secs: b.open_until.map(|u| u.saturating_duration_since(now).as_secs()),
            times_opened: b.times_opened,
            last_refusal: b.last_refusal.clone(),
        }
    }
}
