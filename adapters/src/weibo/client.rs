//! The Weibo fetcher: visitor or operator session, polite requests through
//! [`PoliteClient`], timeline paging, detail fetches for inexact times.
//! All meaning comes from the pure parsers in [`super::parse`].

use super::parse::{
    self, LongText, ResponseMeta, TimelinePage, WeiboProfile, parse_visitor_response,
};
use crate::config::{Secret, WeiboConfig};
use crate::http::{BreakerStatus, PoliteClient, RawResponse, RequestSpec};
use crate::model::{Capture, Platform, Post, SearchHit, Timeline, same_account_id};
use crate::outcome::{Failed, FetchFailure, FetchResult, Fetched, SourceName};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

pub const SRC_PROFILE: SourceName = "m.weibo.cn getIndex profile";
pub const SRC_TIMELINE: SourceName = "m.weibo.cn getIndex timeline";
pub const SRC_STATUS_SHOW: SourceName = "m.weibo.cn statuses/show";
pub const SRC_LONGTEXT: SourceName = "m.weibo.cn statuses/extend";
pub const SRC_SEARCH: SourceName = "m.weibo.cn getIndex user search";
pub const SRC_VISITOR: SourceName = "passport genvisitor2";

/// The clock used to resolve relative times ("3小时前"). Injected so tests
/// and replays are exact.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// A profile and the timeline read right after it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountSnapshot {
    pub profile: WeiboProfile,
    pub timeline: Timeline,
}

/// Where the session cookie comes from and how it is doing, for the
/// daemon's status page. Never contains a cookie value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionStatus {
    /// `operator` (a configured logged-in cookie) or `visitor`.
    pub source: &'static str,
    pub visitor_obtained_at: Option<DateTime<Utc>>,
    pub visitor_renewals: u64,
    /// When the platform last rejected the operator's cookie: it has
    /// expired or been revoked and must be replaced.
    pub operator_cookie_rejected_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

#[derive(Default)]
struct SessionState {
    visitor_cookies: BTreeMap<String, String>,
    /// Bumped on every successful renewal; a request remembers the
    /// generation it used, so a renewal already done by another task is
    /// not repeated (single flight).
    generation: u64,
    obtained_at: Option<DateTime<Utc>>,
    last_attempt: Option<Instant>,
    renewals: u64,
    last_error: Option<String>,
    /// Why the last renewal failed, kept whole: while renewals cool down,
    /// a request that cannot be sent for want of a session reports this
    /// (offline is `network_error`, not a login problem).
    last_failure: Option<FetchFailure>,
    operator_rejected_at: Option<DateTime<Utc>>,
}

enum RenewError {
    /// Not renewed because the last attempt is within the cool-down; with
    /// the last attempt's failure, when it failed.
    CoolingDown { why: String, last_failure: Option<FetchFailure> },
    Failed(FetchFailure),
}

pub struct WeiboClient {
    cfg: WeiboConfig,
    base: String,
    http: PoliteClient,
    operator_cookie: Option<Secret>,
    renew_lock: tokio::sync::Mutex<()>,
    session: Mutex<SessionState>,
    clock: Clock,
}

impl std::fmt::Debug for WeiboClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeiboClient")
            .field("base", &self.base)
            .field("operator_cookie", &self.operator_cookie)
            .finish_non_exhaustive()
    }
}

fn meta(raw: &RawResponse) -> ResponseMeta<'_> {
    ResponseMeta {
        status: raw.status,
        content_type: raw.content_type.as_deref(),
        location: raw.location.as_deref(),
        retry_after_secs: raw.retry_after_secs,
    }
}

/// How many pages beyond `max_pages` a timeline read goes on while it has
/// shown only pinned posts. Bounded: a hostile or broken cursor must not
/// page forever; an account whose first pages are all pinned is rare.
pub const PINNED_ONLY_EXTRA_PAGES: u32 = 3;

/// Failures after which a fresh visitor session may help: `ok:-100`, a
/// login or visitor-system wall, HTTP 432, a JSON captcha carrying a `url`.
fn needs_new_session(f: &FetchFailure) -> bool {
    matches!(f, FetchFailure::LoginRequired { .. } | FetchFailure::Captcha { challenge_url: Some(_), .. })
        || f.http_status() == Some(432)
}

impl WeiboClient {
    /// `operator_cookie`: a logged-in `Cookie` header value from the
    /// operator (env or credential file). When given, it is used instead of
    /// visitor cookies and never renewed: its rejection is reported.
    pub fn new(cfg: &WeiboConfig, operator_cookie: Option<Secret>) -> Result<Self, String> {
        cfg.validate()?;
        let operator_cookie = operator_cookie.filter(|c| !c.expose().trim().is_empty());
        if let Some(c) = &operator_cookie
            && (c.expose().contains('\n') || c.expose().contains('\r') || !c.expose().is_ascii())
        {
            return Err("the Weibo operator cookie must be one ASCII line (a Cookie header value)".into());
        }
        Ok(WeiboClient {
            base: cfg.m_base_url.trim_end_matches('/').to_string(),
            http: PoliteClient::new(Platform::Weibo, &cfg.policy)?,
            cfg: cfg.clone(),
            operator_cookie,
            renew_lock: tokio::sync::Mutex::new(()),
            session: Mutex::new(SessionState::default()),
            clock: Arc::new(Utc::now),
        })
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.http.set_clock(clock.clone());
        self.clock = clock;
        self
    }

    pub fn breaker_status(&self) -> BreakerStatus {
        self.http.breaker_status()
    }

    /// The polite fetcher (its routes and budget).
    pub fn http(&self) -> &PoliteClient {
        &self.http
    }

    pub fn session_status(&self) -> SessionStatus {
        let st = self.session.lock().unwrap_or_else(|p| p.into_inner());
        SessionStatus {
            source: if self.operator_cookie.is_some() { "operator" } else { "visitor" },
            visitor_obtained_at: st.obtained_at,
            visitor_renewals: st.renewals,
            operator_cookie_rejected_at: st.operator_rejected_at,
            last_error: st.last_error.clone(),
        }
    }

    // -----------------------------------------------------------------
    // URLs
    // -----------------------------------------------------------------

    fn get_index(&self, pairs: &[(&str, &str)]) -> String {
        let mut url = url::Url::parse(&format!("{}/api/container/getIndex", self.base)).expect("validated base URL");
        url.query_pairs_mut().extend_pairs(pairs);
        url.to_string()
    }

    pub fn profile_url(&self, uid: &str) -> String {
        self.get_index(&[("type", "uid"), ("value", uid)])
    }

    pub fn timeline_url(&self, containerid: &str, since_id: Option<&str>) -> String {
        match since_id {
            Some(since) => self.get_index(&[("containerid", containerid), ("since_id", since)]),
            None => self.get_index(&[("containerid", containerid)]),
        }
    }

    pub fn status_show_url(&self, id: &str) -> String {
        let mut url = url::Url::parse(&format!("{}/statuses/show", self.base)).expect("validated base URL");
        url.query_pairs_mut().append_pair("id", id);
        url.to_string()
    }

    pub fn longtext_url(&self, id: &str) -> String {
        let mut url = url::Url::parse(&format!("{}/statuses/extend", self.base)).expect("validated base URL");
        url.query_pairs_mut().append_pair("id", id);
        url.to_string()
    }

    pub fn user_search_url(&self, name: &str) -> String {
        let containerid = format!("100103type=3&q={name}");
        self.get_index(&[("containerid", containerid.as_str()), ("page_type", "searchall")])
    }

    // -----------------------------------------------------------------
    // Session
    // -----------------------------------------------------------------

    fn cookie_header(&self) -> Option<String> {
        if let Some(c) = &self.operator_cookie {
            return Some(c.expose().to_string());
        }
        let st = self.session.lock().unwrap_or_else(|p| p.into_inner());
        (!st.visitor_cookies.is_empty())
            .then(|| st.visitor_cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
    }

    fn generation(&self) -> u64 {
        self.session.lock().unwrap_or_else(|p| p.into_inner()).generation
    }

    /// Cookies the API sets on us (e.g. `XSRF-TOKEN`) join the visitor
    /// session; an operator's cookie is sent exactly as given.
    fn absorb(&self, set_cookies: &[(String, String)]) {
        if self.operator_cookie.is_some() || set_cookies.is_empty() {
            return;
        }
        let mut st = self.session.lock().unwrap_or_else(|p| p.into_inner());
        for (k, v) in set_cookies {
            if v.is_empty() || v == "deleted" {
                st.visitor_cookies.remove(k);
            } else {
                st.visitor_cookies.insert(k.clone(), v.clone());
            }
        }
    }

    /// Gets a new visitor session unless another task already did since
    /// `seen_generation`, or the last attempt is within the cool-down.
    async fn renew(&self, seen_generation: u64, captures: &mut Vec<Capture>) -> Result<(), RenewError> {
        let _single_flight = self.renew_lock.lock().await;
        {
            let mut st = self.session.lock().unwrap_or_else(|p| p.into_inner());
            if st.generation != seen_generation {
                return Ok(());
            }
            let cooldown = Duration::from_secs(self.cfg.cookie_renewal_cooldown_secs);
            if let Some(last) = st.last_attempt
                && last.elapsed() < cooldown
            {
                return Err(RenewError::CoolingDown {
                    why: format!(
                        "visitor cookie not renewed: the last renewal was {} s ago (cool-down {} s){}",
                        last.elapsed().as_secs(),
                        cooldown.as_secs(),
                        st.last_error.as_ref().map(|e| format!("; it failed with: {e}")).unwrap_or_default()
                    ),
                    last_failure: st.last_failure.clone(),
                });
            }
            st.last_attempt = Some(Instant::now());
        }
        let visitor_url = self.cfg.visitor_url.clone();
        let referer = format!("{}/", self.base);
        let ex = self
            .http
            .fetch(
                || RequestSpec {
                    url: visitor_url.clone(),
                    form: Some(vec![
                        ("cb".into(), "visitor_gray_callback".into()),
                        ("tid".into(), String::new()),
                        ("from".into(), "weibo".into()),
                    ]),
                    headers: vec![("Referer", referer.clone())],
                    source: SRC_VISITOR,
                },
                |raw| parse_visitor_response(&meta(raw), &raw.set_cookies, raw.body(), raw.url()),
            )
            .await;
        let mut st = self.session.lock().unwrap_or_else(|p| p.into_inner());
        match ex.result {
            Ok(cookies) => {
                st.visitor_cookies = cookies;
                st.generation += 1;
                st.renewals += 1;
                st.obtained_at = Some(Utc::now());
                st.last_error = None;
                st.last_failure = None;
                tracing::info!(renewals = st.renewals, "weibo: obtained a visitor session");
                Ok(())
            }
            Err(failure) => {
                // The passport's answer explains why nothing could be checked.
                captures.extend(ex.captures);
                st.last_error = Some(failure.to_string());
                st.last_failure = Some(failure.clone());
                tracing::warn!(%failure, "weibo: visitor cookie renewal failed");
                Err(RenewError::Failed(failure))
            }
        }
    }

    fn api_request(&self, url: &str, source: SourceName, referer_uid: Option<&str>) -> RequestSpec {
        let referer = match referer_uid {
            Some(uid) => format!("{}/u/{uid}", self.base),
            None => format!("{}/", self.base),
        };
        let mut spec = RequestSpec::get(url, source)
            .header("Accept", "application/json, text/plain, */*")
            .header("MWeibo-Pwa", "1")
            .header("X-Requested-With", "XMLHttpRequest")
            .header("Referer", referer);
        if let Some(cookie) = self.cookie_header() {
            spec = spec.header("Cookie", cookie);
        }
        spec
    }

    /// One API call with session handling: bootstrap the visitor session
    /// when there is none, and on a session failure renew once (single
    /// flight, cool-down) and try again once.
    async fn call<T>(
        &self,
        source: SourceName,
        url: &str,
        referer_uid: Option<&str>,
        interpret: impl Fn(&RawResponse) -> Result<T, FetchFailure>,
    ) -> (Result<T, FetchFailure>, Vec<Capture>) {
        let mut captures = Vec::new();
        if self.operator_cookie.is_none() && self.generation() == 0 {
            match self.renew(0, &mut captures).await {
                Ok(()) => {}
                Err(RenewError::Failed(f)) => return (Err(f), captures),
                Err(RenewError::CoolingDown { why, last_failure }) => {
                    // No session and none to be had yet: the reason is why
                    // the last renewal failed. Unreachable passport (DNS,
                    // refused, timeout) is a network error like any other;
                    // calling it a login problem would send an operator
                    // chasing cookies while the machine is offline.
                    let f = last_failure.unwrap_or_else(|| FetchFailure::LoginRequired {
                        url: url.to_string(),
                        http_status: None,
                        detail: "no visitor session".into(),
                    });
                    return (Err(f.with_note(&format!("request to {url} not sent: no visitor session; {why}"))), captures);
                }
            }
        }
        let generation = self.generation();
        let ex = self.http.fetch(|| self.api_request(url, source, referer_uid), &interpret).await;
        self.absorb(&ex.set_cookies);
        captures.extend(ex.captures);
        let failure = match ex.result {
            Ok(v) => return (Ok(v), captures),
            Err(f) if needs_new_session(&f) => f,
            Err(f) => return (Err(f), captures),
        };
        if self.operator_cookie.is_some() {
            return (Err(self.operator_rejected(failure)), captures);
        }
        match self.renew(generation, &mut captures).await {
            Ok(()) => {
                let ex = self.http.fetch(|| self.api_request(url, source, referer_uid), &interpret).await;
                self.absorb(&ex.set_cookies);
                captures.extend(ex.captures);
                (ex.result, captures)
            }
            Err(RenewError::CoolingDown { why, .. }) => (Err(failure.with_note(&why)), captures),
            Err(RenewError::Failed(f)) => (Err(failure.with_note(&format!("visitor cookie renewal failed: {f}"))), captures),
        }
    }

    /// The operator's cookie was refused: say so plainly, once in the log
    /// and in every failure, because only a person can fix it.
    fn operator_rejected(&self, failure: FetchFailure) -> FetchFailure {
        let first = {
            let mut st = self.session.lock().unwrap_or_else(|p| p.into_inner());
            let first = st.operator_rejected_at.is_none();
            st.operator_rejected_at = Some(Utc::now());
            st.last_error = Some(failure.to_string());
            first
        };
        if first {
            tracing::error!(%failure, "weibo: the operator-supplied cookie was rejected; it has probably expired. Supply a fresh one (secret `weibo-cookie`)");
        }
        failure.with_note(
            "the operator-supplied Weibo cookie was rejected: it has probably expired or been revoked; replace the `weibo-cookie` secret",
        )
    }

    // -----------------------------------------------------------------
    // Observations
    // -----------------------------------------------------------------

    fn check_uid(uid: &str, url: &str, source: SourceName) -> Result<(), Failed> {
        if !uid.is_empty() && uid.len() <= 20 && uid.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(());
        }
        Err(Failed {
            failure: FetchFailure::parse(url, "uid", format!("{uid:?} is not a numeric Weibo uid")),
            captures: Vec::new(),
            source,
        })
    }

    /// `getIndex?type=uid&value={uid}`: profile, verification, existence.
    pub async fn profile(&self, uid: &str) -> FetchResult<WeiboProfile> {
        let url = self.profile_url(uid);
        Self::check_uid(uid, &url, SRC_PROFILE)?;
        // The page, not its meaning: "这里还没有内容" is an answer the
        // platform gave (no session renewal, no operator-cookie alarm); it
        // becomes "could not check" below.
        let (result, captures) = self
            .call(SRC_PROFILE, &url, Some(uid), |raw| {
                parse::parse_profile_page(&meta(raw), raw.body(), raw.url()).map(|page| (page, raw.status))
            })
            .await;
        let result = result.and_then(|(page, status)| {
            let m = ResponseMeta { status, content_type: None, location: None, retry_after_secs: None };
            page.into_result(&m, &url)
        });
        match result.and_then(|profile| Self::same_uid(uid, &profile.profile.platform_id, &url).map(|()| profile)) {
            Ok(value) => Ok(Fetched { value, captures, source: SRC_PROFILE, incomplete: Vec::new() }),
            Err(failure) => Err(Failed { failure, captures, source: SRC_PROFILE }),
        }
    }

    /// The uid an answer states must be the uid asked for: a cache or proxy
    /// serving another account's page is never an observation of this one.
    fn same_uid(asked: &str, stated: &str, url: &str) -> Result<(), FetchFailure> {
        if same_account_id(asked, stated) {
            Ok(())
        } else {
            Err(FetchFailure::wrong_account(url, asked, stated, "the answer states another Weibo uid"))
        }
    }

    /// The timeline from `containerid=107603{uid}`.
    pub async fn timeline(&self, uid: &str) -> FetchResult<Timeline> {
        self.timeline_in(uid, None, None).await
    }

    /// The profile, then the timeline from the profile's `weibo` tab. The
    /// usual poll: existence and verification come with the posts, and an
    /// empty timeline is decided with the profile already at hand.
    pub async fn account(&self, uid: &str) -> FetchResult<AccountSnapshot> {
        let profile = self.profile(uid).await?;
        let containerid = profile.value.timeline_containerid.clone();
        match self.timeline_in(uid, containerid.as_deref(), Some(&profile.value)).await {
            Ok(t) => {
                let mut captures = profile.captures;
                captures.extend(t.captures);
                let mut incomplete = profile.incomplete;
                incomplete.extend(t.incomplete);
                Ok(Fetched {
                    value: AccountSnapshot { profile: profile.value, timeline: t.value },
                    captures,
                    source: SRC_TIMELINE,
                    incomplete,
                })
            }
            Err(mut failed) => {
                let mut captures = profile.captures;
                captures.append(&mut failed.captures);
                failed.captures = captures;
                Err(failed)
            }
        }
    }

    async fn timeline_in(&self, uid: &str, containerid: Option<&str>, known: Option<&WeiboProfile>) -> FetchResult<Timeline> {
        let containerid = containerid.map(str::to_string).unwrap_or_else(|| format!("107603{uid}"));
        let first_url = self.timeline_url(&containerid, None);
        Self::check_uid(uid, &first_url, SRC_TIMELINE)?;
        let now = (self.clock)();
        let mut captures = Vec::new();
        let mut incomplete = Vec::new();
        let mut posts: Vec<Post> = Vec::new();
        let mut total = None;
        let mut owner: Option<String> = None;
        let mut cursor: Option<String> = None;
        let max_pages = self.cfg.max_pages;
        let mut page = 0u32;
        loop {
            // A look must reach the newest post. Page 1 may hold only
            // pinned posts (an old pinned post on an account that posts
            // daily), which proves nothing about recent activity: read on,
            // past `max_pages` if need be, up to a bound.
            let seen_unpinned = posts.iter().any(|p| !p.is_pinned);
            if page >= max_pages && (seen_unpinned || page >= max_pages + PINNED_ONLY_EXTRA_PAGES) {
                break;
            }
            let url = self.timeline_url(&containerid, cursor.as_deref());
            let (result, caps) = self
                .call(SRC_TIMELINE, &url, Some(uid), |raw| {
                    parse::parse_timeline_response(&meta(raw), raw.body(), raw.url(), now)
                })
                .await;
            captures.extend(caps);
            // Another account's page (or a page mixing accounts) anywhere
            // makes the whole look doubtful: no observation at all.
            let result = result.and_then(|answer| match &answer {
                TimelinePage::Posts(t) => match t.owner.as_deref() {
                    Some(stated) => Self::same_uid(uid, stated, &url).map(|()| answer),
                    None => Ok(answer),
                },
                TimelinePage::NoContent { .. } => Ok(answer),
            });
            match result {
                Err(failure @ FetchFailure::WrongAccount { .. }) => {
                    return Err(Failed { failure, captures, source: SRC_TIMELINE });
                }
                Err(failure) if page == 0 => return Err(Failed { failure, captures, source: SRC_TIMELINE }),
                Err(failure) => {
                    // The first page was understood; a later page failing
                    // leaves a shorter, still truthful, timeline (`more`
                    // stays true: the cursor still points past it).
                    incomplete.push(failure);
                    break;
                }
                Ok(TimelinePage::NoContent { msg }) if page == 0 => {
                    return self.resolve_no_content(uid, &url, msg, known, captures).await;
                }
                Ok(TimelinePage::NoContent { .. }) => {
                    cursor = None;
                    break;
                }
                Ok(TimelinePage::Posts(t)) => {
                    total = total.or(t.total);
                    owner = owner.or(t.owner);
                    for p in t.posts {
                        if !posts.iter().any(|q| q.id == p.id) {
                            posts.push(p);
                        }
                    }
                    cursor = t.next_cursor;
                    if cursor.is_none() {
                        break;
                    }
                }
            }
            page += 1;
        }
        let shown = i64::try_from(posts.len()).unwrap_or(i64::MAX);
        // More exists when the last page read points further, or the
        // account's own count exceeds what was read.
        let more = Some(cursor.is_some() || total.is_some_and(|t| t > shown));
        let mut timeline = Timeline::new(posts, cursor, total);
        timeline.owner = owner;
        timeline.more = more;
        self.fill_details(&mut timeline, now, &mut captures, &mut incomplete).await;
        Ok(Fetched { value: timeline, captures, source: SRC_TIMELINE, incomplete })
    }

    /// `这里还没有内容` on a timeline: a cancelled account and one with no
    /// posts look the same. The profile decides.
    async fn resolve_no_content(
        &self,
        uid: &str,
        timeline_url: &str,
        msg: Option<String>,
        known: Option<&WeiboProfile>,
        mut captures: Vec<Capture>,
    ) -> FetchResult<Timeline> {
        let fetched;
        let profile = match known {
            Some(p) => p,
            None => match self.profile(uid).await {
                Ok(p) => {
                    captures.extend(p.captures);
                    fetched = p.value;
                    &fetched
                }
                Err(mut failed) => {
                    // NotFound / Banned from the profile is the answer;
                    // anything else means we could not decide.
                    captures.append(&mut failed.captures);
                    return Err(Failed { failure: failed.failure, captures, source: SRC_PROFILE });
                }
            },
        };
        let said = msg.unwrap_or_else(|| "no posts on the first page".into());
        let failure = match profile.profile.post_count {
            Some(0) => {
                // The profile's own count says there is nothing: the
                // platform's structured word, not an assumed silence.
                let mut empty = Timeline::new(Vec::new(), None, Some(0));
                empty.owner = Some(profile.profile.platform_id.clone());
                empty.more = Some(false);
                return Ok(Fetched {
                    value: empty,
                    captures,
                    source: SRC_TIMELINE,
                    incomplete: Vec::new(),
                });
            }
            Some(n) => FetchFailure::LoginRequired {
                url: timeline_url.to_string(),
                http_status: None,
                detail: format!("timeline said {said:?} but the profile shows {n} posts: they are likely visible only when logged in"),
            },
            None => FetchFailure::parse(
                timeline_url,
                "data.userInfo.statuses_count",
                format!("timeline said {said:?} and the profile has no post count to decide with"),
            ),
        };
        Err(Failed { failure, captures, source: SRC_TIMELINE })
    }

    /// Fetches `statuses/show` for posts whose time is relative, whose
    /// repost source time is missing, or (when configured) whose text is cut
    /// short, within the configured budget. A failed detail leaves the post
    /// as it was (still marked inexact) and is reported in `incomplete`.
    async fn fill_details(
        &self,
        timeline: &mut Timeline,
        now: DateTime<Utc>,
        captures: &mut Vec<Capture>,
        incomplete: &mut Vec<FetchFailure>,
    ) {
        let mut budget = self.cfg.max_detail_fetches;
        for post in timeline.posts.iter_mut() {
            let needs_source = |p: &Post| {
                p.repost_of.as_ref().is_some_and(|r| r.available && r.published_at.is_none() && !r.post_id.is_empty())
            };
            let needs_self = !post.published_at_exact || (self.cfg.detail_for_long_text && post.text_truncated);
            if !needs_self && !needs_source(post) {
                continue;
            }
            if needs_self {
                if budget == 0 {
                    break;
                }
                budget -= 1;
                match self.post_detail(&post.id, now, captures).await {
                    Ok(detail) => merge_detail(post, detail),
                    Err(f) => {
                        let stop = f.is_refusal() || matches!(f, FetchFailure::CircuitOpen { .. });
                        incomplete.push(f);
                        if stop {
                            return;
                        }
                    }
                }
            }
            if needs_source(post) {
                if budget == 0 {
                    break;
                }
                budget -= 1;
                let source_id = post.repost_of.as_ref().map(|r| r.post_id.clone()).unwrap_or_default();
                match self.post_detail(&source_id, now, captures).await {
                    Ok(source) if source.published_at_exact => {
                        if let Some(r) = post.repost_of.as_mut() {
                            r.published_at = Some(source.published_at);
                        }
                    }
                    Ok(_) => {}
                    Err(f) => {
                        let stop = f.is_refusal() || matches!(f, FetchFailure::CircuitOpen { .. });
                        incomplete.push(f);
                        if stop {
                            return;
                        }
                    }
                }
            }
        }
    }

    async fn post_detail(&self, id: &str, now: DateTime<Utc>, captures: &mut Vec<Capture>) -> Result<Post, FetchFailure> {
        let url = self.status_show_url(id);
        let (result, caps) = self
            .call(SRC_STATUS_SHOW, &url, None, |raw| parse::parse_status_show_response(&meta(raw), raw.body(), raw.url(), now))
            .await;
        captures.extend(caps);
        result
    }

    /// `statuses/show?id=`: one post (id or bid).
    pub async fn post(&self, id: &str) -> FetchResult<Post> {
        let now = (self.clock)();
        let mut captures = Vec::new();
        match self.post_detail(id, now, &mut captures).await {
            Ok(value) => Ok(Fetched { value, captures, source: SRC_STATUS_SHOW, incomplete: Vec::new() }),
            Err(failure) => Err(Failed { failure, captures, source: SRC_STATUS_SHOW }),
        }
    }

    /// `statuses/extend?id=`: the full text of a long post.
    pub async fn long_text(&self, id: &str) -> FetchResult<LongText> {
        let url = self.longtext_url(id);
        let (result, captures) =
            self.call(SRC_LONGTEXT, &url, None, |raw| parse::parse_longtext_response(&meta(raw), raw.body(), raw.url())).await;
        match result {
            Ok(value) => Ok(Fetched { value, captures, source: SRC_LONGTEXT, incomplete: Vec::new() }),
            Err(failure) => Err(Failed { failure, captures, source: SRC_LONGTEXT }),
        }
    }

    /// Accounts whose name matches `name` (impostor search).
    pub async fn search_users(&self, name: &str) -> FetchResult<Vec<SearchHit>> {
        let url = self.user_search_url(name);
        let (result, captures) = self
            .call(SRC_SEARCH, &url, None, |raw| parse::parse_user_search_response(&meta(raw), raw.body(), raw.url()))
            .await;
        match result {
            Ok(value) => Ok(Fetched { value, captures, source: SRC_SEARCH, incomplete: Vec::new() }),
            Err(failure) => Err(Failed { failure, captures, source: SRC_SEARCH }),
        }
    }
}

/// Takes from a post's detail what the timeline lacked; keeps the
/// timeline's pinned flag (the detail has no card to say so).
fn merge_detail(post: &mut Post, detail: Post) {
    if detail.published_at_exact {
        post.published_at = detail.published_at;
        post.published_at_exact = true;
    }
    // Only a longer text is the full one; the same text again says nothing.
    if post.text_truncated && detail.text.chars().count() > post.text.chars().count() {
        post.text = detail.text;
        post.text_truncated = false;
    }
    match (&mut post.repost_of, detail.repost_of) {
        (Some(mine), Some(theirs)) if mine.published_at.is_none() && theirs.published_at.is_some() => *mine = theirs,
        (None, Some(theirs)) => {
            post.repost_of = Some(theirs);
            post.is_original = false;
        }
        _ => {}
    }
    if post.comment_state == crate::model::CommentState::Unknown {
        post.comment_state = detail.comment_state;
    }
    post.counts.reposts = detail.counts.reposts.or(post.counts.reposts);
    post.counts.comments = detail.counts.comments.or(post.counts.comments);
    post.counts.likes = detail.counts.likes.or(post.counts.likes);
    if post.alt_id.is_none() {
        post.alt_id = detail.alt_id;
    }
}
