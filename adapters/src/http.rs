//! The thin shared fetcher: one per platform. It waits for the platform's
//! rate limit (plus jitter), sends, keeps every response as a [`Capture`],
//! retries transient failures with exponential backoff, and runs a circuit
//! breaker that stops us hammering a platform that refuses us.
//!
//! It does not know what a page means: the caller's `interpret` closure
//! turns a [`RawResponse`] into a value or a classified [`FetchFailure`].

use crate::config::HttpPolicy;
use crate::model::{Capture, Platform};
use crate::outcome::{FetchFailure, SourceName};
use chrono::{DateTime, Utc};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::Serialize;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// One request to send. Built afresh for each attempt so a renewed cookie
/// is picked up.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    pub url: String,
    /// `None` = GET; `Some(form)` = POST with a url-encoded form.
    pub form: Option<Vec<(String, String)>>,
    pub headers: Vec<(&'static str, String)>,
    pub source: SourceName,
}

impl RequestSpec {
    pub fn get(url: impl Into<String>, source: SourceName) -> Self {
        RequestSpec { url: url.into(), form: None, headers: Vec::new(), source }
    }
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// What came back, before any interpretation.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub content_type: Option<String>,
    /// `Location` of a redirect (redirects are never followed: a redirect
    /// to a login page is itself the answer).
    pub location: Option<String>,
    /// `Retry-After` in seconds, when given as a number.
    pub retry_after_secs: Option<u64>,
    /// `name=value` parts of each `Set-Cookie`.
    pub set_cookies: Vec<(String, String)>,
    pub capture: Capture,
}

impl RawResponse {
    pub fn body(&self) -> &[u8] {
        &self.capture.body
    }
    pub fn url(&self) -> &str {
        &self.capture.url
    }
}

/// The result of [`PoliteClient::fetch`]: the interpreted outcome of the
/// last attempt plus the evidence and cookies of all attempts.
#[derive(Debug)]
pub struct Exchange<T> {
    pub result: Result<T, FetchFailure>,
    pub captures: Vec<Capture>,
    pub set_cookies: Vec<(String, String)>,
    /// Attempts actually sent (0 when the breaker refused).
    pub attempts: u32,
}

/// What the daemon can show about a platform's breaker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreakerStatus {
    pub platform: Platform,
    /// `closed`, `open` or `half_open` (one trial request allowed).
    pub state: &'static str,
    pub consecutive_refusals: u32,
    pub opened_at: Option<DateTime<Utc>>,
    /// Seconds until a trial request is allowed, when open.
    pub retry_in_secs: Option<u64>,
    pub times_opened: u64,
    pub last_refusal: Option<String>,
}

#[derive(Debug, Default)]
struct BreakerInner {
    consecutive: u32,
    open_until: Option<Instant>,
    opened_at: Option<DateTime<Utc>>,
    trial_in_flight: bool,
    times_opened: u64,
    last_refusal: Option<String>,
    /// Consecutive transport failures (no answer at all) on this route.
    unreachable: u32,
}

/// What the daemon can show about one egress route of a platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteStatus {
    pub route: String,
    pub requests_per_minute: u32,
    /// Requests sent by this route since the start.
    pub requests: u64,
    pub breaker: BreakerStatus,
}

/// One way out to the platform: its own HTTP client (proxy or source
/// address), its own budget and its own breaker, so a blocked address is
/// set aside while the others go on.
struct Route {
    name: String,
    http: reqwest::Client,
    limiter: DefaultDirectRateLimiter,
    requests_per_minute: u32,
    breaker: Mutex<BreakerInner>,
    sent: AtomicU64,
}

pub struct PoliteClient {
    platform: Platform,
    routes: Vec<Route>,
    /// Where the next search for a free route starts, so equal routes
    /// share the work.
    next_route: AtomicUsize,
    /// The routes' limiters' clock (real time).
    pacing_clock: governor::clock::DefaultClock,
    policy: HttpPolicy,
    /// Stamps captures: the daemon's clock, so a capture's time is the time
    /// the rules reason with (a simulated run's evidence carries simulated
    /// times). Pacing, timeouts and the breaker stay on real time: they are
    /// about the network, not about what was seen when.
    clock: crate::weibo::Clock,
}

impl std::fmt::Debug for PoliteClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoliteClient").field("platform", &self.platform).field("policy", &self.policy).finish()
    }
}

impl PoliteClient {
    pub fn new(platform: Platform, policy: &HttpPolicy) -> Result<Self, String> {
        policy.validate(&format!("platforms.{platform}.policy"))?;
        // reqwest is built without a crypto provider; a library user that
        // forgot to install one would get a panic on the first client.
        // Installing ring here is a no-op when the process already did.
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let pacing_clock = governor::clock::DefaultClock::default();
        let mut routes = Vec::new();
        for r in policy.effective_routes() {
            let mut builder = reqwest::Client::builder()
                .user_agent(policy.user_agent.clone())
                .timeout(policy.timeout())
                .connect_timeout(policy.timeout().min(Duration::from_secs(10)))
                .redirect(reqwest::redirect::Policy::none());
            if let Some(ip) = r.local_ip() {
                builder = builder.local_address(ip);
            }
            if !r.proxy.trim().is_empty() {
                let proxy = reqwest::Proxy::all(r.proxy.trim())
                    .map_err(|e| format!("platforms.{platform}.policy route {}: bad proxy: {e}", r.name))?;
                builder = builder.proxy(proxy);
            }
            let http = builder
                .build()
                .map_err(|e| format!("cannot build the HTTP client for {platform} route {}: {e}", r.name))?;
            let per_minute = NonZeroU32::new(r.budget(policy)).expect("validated");
            let burst = NonZeroU32::new(policy.burst).expect("validated");
            routes.push(Route {
                name: r.name.trim().to_string(),
                http,
                limiter: RateLimiter::direct_with_clock(Quota::per_minute(per_minute).allow_burst(burst), pacing_clock.clone()),
                requests_per_minute: per_minute.get(),
                breaker: Mutex::new(BreakerInner::default()),
                sent: AtomicU64::new(0),
            });
        }
        Ok(PoliteClient {
            platform,
            routes,
            next_route: AtomicUsize::new(0),
            pacing_clock,
            policy: policy.clone(),
            clock: std::sync::Arc::new(Utc::now),
        })
    }

    /// The clock that stamps captures (see the field).
    pub fn set_clock(&mut self, clock: crate::weibo::Clock) {
        self.clock = clock;
    }

    pub fn platform(&self) -> Platform {
        self.platform
    }

    pub fn policy(&self) -> &HttpPolicy {
        &self.policy
    }

    /// Sends `build()` (rebuilt per attempt), interprets each response, and
    /// retries while the failure is transient and retries remain.
    pub async fn fetch<T>(
        &self,
        build: impl Fn() -> RequestSpec,
        interpret: impl Fn(&RawResponse) -> Result<T, FetchFailure>,
    ) -> Exchange<T> {
        let mut captures = Vec::new();
        let mut set_cookies = Vec::new();
        let mut attempts = 0u32;
        loop {
            let spec = build();
            let route = match self.take_route(&spec.url).await {
                Ok(route) => route,
                Err(refused) => return Exchange { result: Err(refused), captures, set_cookies, attempts },
            };
            if self.policy.jitter_ms > 0 {
                tokio::time::sleep(Duration::from_millis(rand::random_range(0..=self.policy.jitter_ms))).await;
            }
            attempts += 1;
            route.sent.fetch_add(1, Ordering::Relaxed);
            let outcome = match self.send_once(route, &spec).await {
                Ok(raw) => {
                    let interpreted = interpret(&raw);
                    set_cookies.extend(raw.set_cookies);
                    captures.push(raw.capture);
                    interpreted
                }
                Err(failure) => Err(failure),
            };
            self.record(route, &outcome);
            match outcome {
                Err(failure) if failure.is_transient() && attempts <= self.policy.max_retries => {
                    let Some(wait) = self.backoff(attempts - 1, &failure) else {
                        return Exchange { result: Err(failure), captures, set_cookies, attempts };
                    };
                    tracing::debug!(platform = %self.platform, url = %spec.url, ?wait, %failure, "retrying after transient failure");
                    tokio::time::sleep(wait).await;
                }
                result => return Exchange { result, captures, set_cookies, attempts },
            }
        }
    }

    /// Exponential backoff with jitter; `None` when the platform asked us
    /// to wait longer than we are willing to hold a poll open.
    fn backoff(&self, retry_index: u32, failure: &FetchFailure) -> Option<Duration> {
        let base = self.policy.backoff_base_ms;
        let exp = base.saturating_mul(1u64 << retry_index.min(16));
        let jitter = if base > 0 { rand::random_range(0..=base) } else { 0 };
        let mut wait_ms = exp.saturating_add(jitter);
        if let FetchFailure::Throttled { retry_after_secs: Some(secs), .. } = failure {
            let asked = secs.saturating_mul(1000);
            if asked > self.policy.backoff_max_ms {
                return None;
            }
            wait_ms = wait_ms.max(asked);
        }
        Some(Duration::from_millis(wait_ms.min(self.policy.backoff_max_ms)))
    }

    /// Requests a minute over every route.
    pub fn budget_per_minute(&self) -> u32 {
        self.routes.iter().map(|r| r.requests_per_minute).fold(0u32, u32::saturating_add)
    }

    /// Waits for a route whose breaker lets a request through and whose
    /// budget has room, and takes one request of that budget. Routes are
    /// tried from a rotating start so equal routes share the work; a route
    /// whose breaker is open is passed over. Refused (`CircuitOpen`) only
    /// when every route's breaker is open.
    async fn take_route(&self, url: &str) -> Result<&Route, FetchFailure> {
        loop {
            let n = self.routes.len();
            let start = self.next_route.fetch_add(1, Ordering::Relaxed);
            let mut soonest: Option<Duration> = None;
            let mut refused_for: Option<u64> = None;
            for k in 0..n {
                let route = &self.routes[(start + k) % n];
                if let Err(retry_in_secs) = self.may_send(route) {
                    refused_for = Some(refused_for.map_or(retry_in_secs, |s: u64| s.min(retry_in_secs)));
                    continue;
                }
                match route.limiter.check() {
                    Ok(()) => {
                        if self.admit(route).is_ok() {
                            return Ok(route);
                        }
                        // Another request took the half-open trial first.
                    }
                    Err(not_until) => {
                        let wait = not_until.wait_time_from(governor::clock::Clock::now(&self.pacing_clock));
                        soonest = Some(soonest.map_or(wait, |s| s.min(wait)));
                    }
                }
            }
            match soonest {
                Some(wait) => tokio::time::sleep(wait.max(Duration::from_millis(1))).await,
                None => {
                    return Err(FetchFailure::CircuitOpen {
                        url: url.to_string(),
                        platform: self.platform.to_string(),
                        retry_in_secs: refused_for.unwrap_or(0),
                    });
                }
            }
        }
    }

    async fn send_once(&self, route: &Route, spec: &RequestSpec) -> Result<RawResponse, FetchFailure> {
        let mut req = match &spec.form {
            None => route.http.get(&spec.url),
            Some(form) => route.http.post(&spec.url).form(form),
        };
        for (name, value) in &spec.headers {
            req = req.header(*name, value);
        }
        // Every transport error is a network failure, whatever the
        // request was for (a visitor-cookie bootstrap included): the
        // platform said nothing. The detail names the kind so an operator
        // sees "could not connect" (DNS, refused, unreachable) at a glance.
        let network = |e: reqwest::Error, status: Option<u16>| FetchFailure::Network {
            url: spec.url.clone(),
            http_status: status,
            timeout: e.is_timeout(),
            detail: if e.is_connect() && !e.is_timeout() {
                format!("could not connect (DNS failure, refused or unreachable): {}", error_chain(&e))
            } else {
                error_chain(&e)
            },
        };
        let resp = req.send().await.map_err(|e| network(e, None))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let header = |name: reqwest::header::HeaderName| {
            headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let location = header(reqwest::header::LOCATION);
        let retry_after_secs = header(reqwest::header::RETRY_AFTER).and_then(|v| v.trim().parse().ok());
        let set_cookies = headers
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| {
                let pair = v.split(';').next()?;
                let (name, value) = pair.split_once('=')?;
                Some((name.trim().to_string(), value.trim().to_string()))
            })
            .collect();
        let final_url = resp.url().to_string();
        let body = resp.bytes().await.map_err(|e| network(e, Some(status)))?;
        Ok(RawResponse {
            status,
            content_type: content_type.clone(),
            location,
            retry_after_secs,
            set_cookies,
            capture: Capture {
                url: final_url,
                http_status: Some(status),
                content_type,
                fetched_at: (self.clock)(),
                body: body.to_vec(),
                source: spec.source.to_string(),
            },
        })
    }

    /// Whether `route`'s breaker lets a request through now (without
    /// taking the half-open trial); `Err(seconds until it may)` if not.
    fn may_send(&self, route: &Route) -> Result<(), u64> {
        let b = route.breaker.lock().unwrap_or_else(|p| p.into_inner());
        let Some(until) = b.open_until else { return Ok(()) };
        let now = Instant::now();
        if now < until || b.trial_in_flight { Err(until.saturating_duration_since(now).as_secs()) } else { Ok(()) }
    }

    fn admit(&self, route: &Route) -> Result<(), ()> {
        let mut b = route.breaker.lock().unwrap_or_else(|p| p.into_inner());
        let Some(until) = b.open_until else { return Ok(()) };
        if Instant::now() < until || b.trial_in_flight {
            return Err(());
        }
        // Half-open: exactly one trial request goes through.
        b.trial_in_flight = true;
        Ok(())
    }

    fn record<T>(&self, route: &Route, outcome: &Result<T, FetchFailure>) {
        // Asked before this route's lock is taken (never two at once).
        let others_answer = matches!(outcome, Err(FetchFailure::Network { .. })) && self.another_route_answers(route);
        let mut b = route.breaker.lock().unwrap_or_else(|p| p.into_inner());
        let was_open = b.open_until.is_some();
        let answered = match outcome {
            Ok(_) => true,
            Err(f) => f.class().is_platform_answer(),
        };
        if answered {
            if was_open {
                tracing::info!(platform = %self.platform, route = %route.name, "circuit breaker closed: the platform answers again");
            }
            b.consecutive = 0;
            b.unreachable = 0;
            b.open_until = None;
            b.opened_at = None;
            b.trial_in_flight = false;
            return;
        }
        let Err(failure) = outcome else { return };
        if !failure.is_refusal() {
            // A network or parse failure says nothing about whether the
            // platform refuses us; a failed trial just allows another.
            b.trial_in_flight = false;
            if let FetchFailure::Network { .. } = failure {
                b.unreachable += 1;
                // One route of several that cannot reach the platform while
                // another does (a dead proxy, a source address gone) is set
                // aside like a blocked one, so checks stop failing on it; a
                // platform down for every route is left to the retries.
                if others_answer && (was_open || b.unreachable >= self.policy.breaker_threshold) {
                    b.last_refusal = Some(format!("无法连接（代理或出口地址不可用）：{failure}"));
                    if self.open_breaker(&mut b, was_open) {
                        tracing::warn!(
                            platform = %self.platform,
                            route = %route.name,
                            routes = self.routes.len(),
                            failures = b.unreachable,
                            cooldown_secs = self.policy.breaker_cooldown_secs,
                            last = %failure,
                            "egress route unreachable while others answer (proxy or local address down?); pausing its requests (other routes go on)"
                        );
                    }
                }
            }
            return;
        }
        b.consecutive += 1;
        b.last_refusal = Some(failure.to_string());
        if (was_open || b.consecutive >= self.policy.breaker_threshold) && self.open_breaker(&mut b, was_open) {
            // Reported once per opening, not per refused request.
            tracing::warn!(
                platform = %self.platform,
                route = %route.name,
                routes = self.routes.len(),
                refusals = b.consecutive,
                cooldown_secs = self.policy.breaker_cooldown_secs,
                last = %failure,
                "circuit breaker open: the platform keeps refusing this route; pausing its requests (other routes go on)"
            );
        }
    }

    /// (Re)opens a route's breaker for the cooldown; a failed half-open
    /// trial re-arms it. Whether this is a new opening (to be reported).
    fn open_breaker(&self, b: &mut BreakerInner, was_open: bool) -> bool {
        b.open_until = Some(Instant::now() + Duration::from_secs(self.policy.breaker_cooldown_secs));
        b.trial_in_flight = false;
        if !was_open {
            b.opened_at = Some(Utc::now());
            b.times_opened += 1;
        }
        !was_open
    }

    /// Whether a route other than `route` last got an answer from the
    /// platform (its breaker closed, no transport failure since).
    fn another_route_answers(&self, route: &Route) -> bool {
        self.routes.iter().filter(|r| !std::ptr::eq(*r, route)).any(|r| {
            let b = r.breaker.lock().unwrap_or_else(|p| p.into_inner());
            b.open_until.is_none() && b.unreachable == 0 && r.sent.load(Ordering::Relaxed) > 0
        })
    }

    /// The platform's breaker as one: open only when every route is open
    /// (then a request is refused), half-open when none is closed but a
    /// trial may go, else closed. Openings are summed; the opening time is
    /// the latest of any route, the last refusal that of the last route
    /// that had one.
    pub fn breaker_status(&self) -> BreakerStatus {
        let routes: Vec<BreakerStatus> = self.routes.iter().map(|r| self.route_breaker(r)).collect();
        let state = if routes.iter().any(|b| b.state == "closed") {
            "closed"
        } else if routes.iter().any(|b| b.state == "half_open") {
            "half_open"
        } else {
            "open"
        };
        let closed = state == "closed";
        BreakerStatus {
            platform: self.platform,
            state,
            consecutive_refusals: routes.iter().map(|b| b.consecutive_refusals).min().unwrap_or(0),
            opened_at: if closed { None } else { routes.iter().filter_map(|b| b.opened_at).max() },
            retry_in_secs: if closed { None } else { routes.iter().filter_map(|b| b.retry_in_secs).min() },
            times_opened: routes.iter().map(|b| b.times_opened).sum(),
            last_refusal: routes.iter().rev().find_map(|b| b.last_refusal.clone()),
        }
    }

    /// Each route: its budget, requests sent and breaker.
    pub fn route_status(&self) -> Vec<RouteStatus> {
        self.routes
            .iter()
            .map(|r| RouteStatus {
                route: r.name.clone(),
                requests_per_minute: r.requests_per_minute,
                requests: r.sent.load(Ordering::Relaxed),
                breaker: self.route_breaker(r),
            })
            .collect()
    }

    fn route_breaker(&self, route: &Route) -> BreakerStatus {
        let b = route.breaker.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let state = match b.open_until {
            None => "closed",
            Some(until) if now < until || b.trial_in_flight => "open",
            Some(_) => "half_open",
        };
        BreakerStatus {
            platform: self.platform,
            state,
            consecutive_refusals: b.consecutive,
            opened_at: b.opened_at,
            retry_in_secs: b.open_until.map(|u| u.saturating_duration_since(now).as_secs()),
            times_opened: b.times_opened,
            last_refusal: b.last_refusal.clone(),
        }
    }
}

/// reqwest's top-level message ("error sending request") hides the cause.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
