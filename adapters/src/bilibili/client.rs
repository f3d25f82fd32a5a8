//! The Bilibili fetcher: `buvid3` from `finger/spi`, WBI keys from `nav`
//! (cached per Shanghai day, refreshed once when a signature is refused),
//! signed requests through [`PoliteClient`], the live `Master/info`
//! fallback for profiles. All meaning comes from [`super::parse`].

use super::parse::{self, BilibiliProfile};
use super::wbi::{WbiKeys, sign_query};
use crate::config::BilibiliConfig;
use crate::http::{BreakerStatus, PoliteClient, RawResponse, RequestSpec};
use crate::model::{Capture, OutcomeClass, Platform, Post, SearchHit, Timeline, same_account_id};
use crate::outcome::{Failed, FetchFailure, FetchResult, Fetched, SourceName};
use crate::weibo::{Clock, ResponseMeta};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub const SRC_NAV: SourceName = "api.bilibili.com nav (WBI keys)";
pub const SRC_SPI: SourceName = "api.bilibili.com finger/spi (buvid3)";
pub const SRC_ACC_INFO: SourceName = "api.bilibili.com x/space/wbi/acc/info";
pub const SRC_MASTER_INFO: SourceName = "api.live.bilibili.com Master/info";
pub const SRC_DYNAMICS: SourceName = "api.bilibili.com web-dynamic feed/space";
pub const SRC_SEARCH: SourceName = "api.bilibili.com wbi/search/type bili_user";

/// The Referer Bilibili's own pages send; its API rejects search requests
/// without one under `.bilibili.com`.
const REFERER: &str = "https://www.bilibili.com/";

#[derive(Default)]
struct Session {
    cookies: BTreeMap<String, String>,
    /// The keys and the Shanghai day they were fetched on.
    keys: Option<(WbiKeys, NaiveDate)>,
    /// Bumped whenever the session is renewed, so concurrent requests that
    /// saw the same refusal renew it once (single flight).
    generation: u64,
    last_error: Option<String>,
}

pub struct BilibiliClient {
    cfg: BilibiliConfig,
    api: String,
    live: String,
    http: PoliteClient,
    session: Mutex<Session>,
    renew_lock: tokio::sync::Mutex<()>,
    clock: Clock,
}

impl std::fmt::Debug for BilibiliClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BilibiliClient").field("api", &self.api).field("live", &self.live).finish_non_exhaustive()
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

/// Refusals after which a fresh buvid3 and fresh WBI keys may help: the
/// voucher answer (signature refused) and `-352`.
/// The live `Master/info` answer with an empty `info` (uid 0, no name):
/// the live endpoint's own way of saying it knows no such user.
fn is_empty_master_info(f: &FetchFailure) -> bool {
    matches!(f, FetchFailure::ParseError { field, .. } if field == parse::EMPTY_MASTER_INFO_FIELD)
}

fn needs_new_session(f: &FetchFailure) -> bool {
    matches!(f, FetchFailure::Blocked { detail, .. } if detail.contains("v_voucher"))
        || matches!(f, FetchFailure::Throttled { detail, .. } if detail.contains("-352"))
}

impl BilibiliClient {
    pub fn new(cfg: &BilibiliConfig) -> Result<Self, String> {
        cfg.validate()?;
        Ok(BilibiliClient {
            api: cfg.api_base_url.trim_end_matches('/').to_string(),
            live: cfg.live_base_url.trim_end_matches('/').to_string(),
            http: PoliteClient::new(Platform::Bilibili, &cfg.policy)?,
            cfg: cfg.clone(),
            session: Mutex::new(Session::default()),
            renew_lock: tokio::sync::Mutex::new(()),
            clock: Arc::new(Utc::now),
        })
    }

    /// The clock gives `wts` and the day the WBI keys belong to.
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

    /// The last session problem (buvid3 or WBI keys), for the status page.
    pub fn session_error(&self) -> Option<String> {
        self.lock().last_error.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn today(&self) -> NaiveDate {
        (self.clock)().with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
    }

    fn cookie_header(&self) -> Option<String> {
        let st = self.lock();
        (!st.cookies.is_empty())
            .then(|| st.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
    }

    fn request(&self, url: &str, source: SourceName) -> RequestSpec {
        let mut spec = RequestSpec::get(url, source)
            .header("Accept", "application/json, text/plain, */*")
            .header("Referer", REFERER);
        if let Some(c) = self.cookie_header() {
            spec = spec.header("Cookie", c);
        }
        spec
    }

    fn absorb(&self, set_cookies: &[(String, String)]) {
        let mut st = self.lock();
        for (k, v) in set_cookies {
            if k.starts_with("buvid") || k == "b_nut" || k == "bili_ticket" {
                if v.is_empty() {
                    st.cookies.remove(k);
                } else {
                    st.cookies.insert(k.clone(), v.clone());
                }
            }
        }
    }

    async fn get<T>(
        &self,
        url: &str,
        source: SourceName,
        captures: &mut Vec<Capture>,
        interpret: impl Fn(&RawResponse) -> Result<T, FetchFailure>,
    ) -> Result<T, FetchFailure> {
        let ex = self.http.fetch(|| self.request(url, source), interpret).await;
        self.absorb(&ex.set_cookies);
        captures.extend(ex.captures);
        ex.result
    }

    /// Makes sure there is a buvid3 cookie and today's WBI keys. With
    /// `force`, renews both unless another task already did since
    /// `seen_generation`. A failed buvid3 is noted and tolerated (the
    /// request may still pass); without keys nothing can be signed.
    async fn ensure_session(
        &self,
        force: bool,
        seen_generation: u64,
        captures: &mut Vec<Capture>,
    ) -> Result<(), FetchFailure> {
        let today = self.today();
        let ready =
            |st: &Session| st.cookies.contains_key("buvid3") && st.keys.as_ref().is_some_and(|(_, d)| *d == today);
        {
            let st = self.lock();
            if !force && ready(&st) {
                return Ok(());
            }
        }
        let _single_flight = self.renew_lock.lock().await;
        {
            let st = self.lock();
            if (force && st.generation != seen_generation) || (!force && ready(&st)) {
                return Ok(());
            }
        }
        let need_buvid = force || !self.lock().cookies.contains_key("buvid3");
        if need_buvid {
            let url = format!("{}/x/frontend/finger/spi", self.api);
            match self.get(&url, SRC_SPI, captures, |raw| parse::parse_spi(&meta(raw), raw.body(), raw.url())).await {
                Ok(cookies) => {
                    let mut st = self.lock();
                    st.cookies.extend(cookies);
                }
                Err(f) => {
                    tracing::warn!(failure = %f, "bilibili: no buvid3 cookie; requests may meet risk control");
                    self.lock().last_error = Some(format!("buvid3: {f}"));
                }
            }
        }
        let url = format!("{}/x/web-interface/nav", self.api);
        let keys = self.get(&url, SRC_NAV, captures, |raw| parse::parse_nav(&meta(raw), raw.body(), raw.url())).await;
        let mut st = self.lock();
        match keys {
            Ok(k) => {
                st.keys = Some((k, today));
                st.generation += 1;
                if !need_buvid || st.cookies.contains_key("buvid3") {
                    st.last_error = None;
                }
                Ok(())
            }
            Err(f) => {
                st.last_error = Some(format!("WBI keys: {f}"));
                Err(f.with_note("the WBI keys (nav) could not be read, so the request could not be signed"))
            }
        }
    }

    fn signed_url(&self, path: &str, params: &[(&str, &str)]) -> Option<String> {
        let mixin = self.lock().keys.as_ref()?.0.mixin_key()?;
        let wts = (self.clock)().timestamp();
        Some(format!("{}{path}?{}", self.api, sign_query(params, &mixin, wts)))
    }

    /// A signed GET: session first, then the request; when the platform
    /// refuses the signature or the session (voucher, -352), one renewal
    /// and one more try.
    async fn signed<T>(
        &self,
        path: &str,
        params: &[(&str, &str)],
        source: SourceName,
        captures: &mut Vec<Capture>,
        interpret: impl Fn(&RawResponse) -> Result<T, FetchFailure>,
    ) -> Result<T, FetchFailure> {
        self.ensure_session(false, 0, captures).await?;
        let generation = self.lock().generation;
        let Some(url) = self.signed_url(path, params) else {
            return Err(FetchFailure::parse(&format!("{}{path}", self.api), "wbi_img", "the WBI keys are unusable"));
        };
        let failure = match self.get(&url, source, captures, &interpret).await {
            Err(f) if needs_new_session(&f) => f,
            other => return other,
        };
        if let Err(renewal) = self.ensure_session(true, generation, captures).await {
            return Err(failure.with_note(&format!("session renewal failed: {renewal}")));
        }
        let url = self.signed_url(path, params).unwrap_or(url);
        self.get(&url, source, captures, &interpret).await
    }

    fn check_mid(mid: &str, source: SourceName) -> Result<(), Failed> {
        if !mid.is_empty() && mid.len() <= 20 && mid.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(());
        }
        Err(Failed {
            failure: FetchFailure::parse(
                &format!("bilibili:{mid}"),
                "mid",
                format!("{mid:?} is not a numeric Bilibili mid"),
            ),
            captures: Vec::new(),
            source,
        })
    }

    pub fn master_info_url(&self, mid: &str) -> String {
        format!("{}/live_user/v1/Master/info?uid={mid}", self.live)
    }

    /// The profile from the signed `acc/info`; when that is refused or not
    /// understood, from the unsigned live `Master/info` (the refusal is
    /// kept in `incomplete`). A `-404` is confirmed against `Master/info`
    /// too, so a moved endpoint (which also answers -404) cannot make every
    /// account "not found".
    pub async fn profile(&self, mid: &str) -> FetchResult<BilibiliProfile> {
        Self::check_mid(mid, SRC_ACC_INFO)?;
        let mut captures = Vec::new();
        let acc = self
            .signed("/x/space/wbi/acc/info", &[("mid", mid)], SRC_ACC_INFO, &mut captures, |raw| {
                parse::parse_acc_info_for(&meta(raw), raw.body(), raw.url(), mid)
            })
            .await;
        let failure = match acc {
            Ok(value) => {
                return Ok(Fetched { value, captures, source: SRC_ACC_INFO, incomplete: Vec::new() });
            }
            Err(f @ FetchFailure::Banned { .. }) => {
                return Err(Failed { failure: f, captures, source: SRC_ACC_INFO });
            }
            Err(f) if !self.cfg.live_fallback || matches!(f, FetchFailure::CircuitOpen { .. }) => {
                return Err(Failed { failure: f, captures, source: SRC_ACC_INFO });
            }
            Err(f) => f,
        };
        let url = self.master_info_url(mid);
        let live = self
            .get(&url, SRC_MASTER_INFO, &mut captures, |raw| {
                parse::parse_master_info_response(&meta(raw), raw.body(), raw.url())
            })
            .await;
        // The live answer must be about the account asked for before it
        // confirms or replaces anything.
        let live = live.and_then(|p| match p.profile.platform_id.as_str() {
            uid if same_account_id(mid, uid) => Ok(p),
            uid => Err(FetchFailure::wrong_account(&url, mid, uid, "the live master info answered with another uid")),
        });
        match (failure, live) {
            (f @ FetchFailure::NotFound { .. }, Ok(p)) => {
                let why = format!(
                    "acc/info said {f}, but the live master info shows {:?}: not believed",
                    p.profile.display_name
                );
                Err(Failed { failure: FetchFailure::parse(f.url(), "code", why), captures, source: SRC_ACC_INFO })
            }
            // The live endpoint agrees only when it answers in its own
            // shape with nobody in it (`info.uid` 0, no name); a refusal,
            // a network error or another account's info confirms nothing.
            (f @ FetchFailure::NotFound { .. }, Err(live_failure)) if is_empty_master_info(&live_failure) => {
                Err(Failed { failure: f, captures, source: SRC_ACC_INFO })
            }
            (f @ FetchFailure::NotFound { .. }, Err(live_failure)) => Err(Failed {
                failure: live_failure.with_note(&format!("acc/info said {f}, which the live master info could not confirm")),
                captures,
                source: SRC_ACC_INFO,
            }),
            (f, Ok(value)) => Ok(Fetched { value, captures, source: SRC_MASTER_INFO, incomplete: vec![f] }),
            (f, Err(live_failure)) => Err(Failed {
                failure: f.with_note(&format!("live master info fallback: {live_failure}")),
                captures,
                source: SRC_ACC_INFO,
            }),
        }
    }

    /// The live `Master/info` alone (what the fallback would say).
    pub async fn live_profile(&self, mid: &str) -> FetchResult<BilibiliProfile> {
        Self::check_mid(mid, SRC_MASTER_INFO)?;
        let mut captures = Vec::new();
        let url = self.master_info_url(mid);
        match self
            .get(&url, SRC_MASTER_INFO, &mut captures, |raw| {
                parse::parse_master_info_response(&meta(raw), raw.body(), raw.url())
            })
            .await
        {
            Ok(value) if !same_account_id(mid, &value.profile.platform_id) => Err(Failed {
                failure: FetchFailure::wrong_account(
                    &url,
                    mid,
                    &value.profile.platform_id,
                    "the live master info answered with another uid",
                ),
                captures,
                source: SRC_MASTER_INFO,
            }),
            Ok(value) => Ok(Fetched { value, captures, source: SRC_MASTER_INFO, incomplete: Vec::new() }),
            Err(failure) => Err(Failed { failure, captures, source: SRC_MASTER_INFO }),
        }
    }

    /// The account's dynamics, up to `max_pages` pages. Every page must be
    /// about `mid` (its stated owner, see
    /// [`parse::parse_dynamics_response`]); a page about another account
    /// makes the whole read `wrong_account`. `more` is what the last page
    /// read said, and `Some(true)` when a later page could not be read.
    pub async fn timeline(&self, mid: &str) -> FetchResult<Timeline> {
        Self::check_mid(mid, SRC_DYNAMICS)?;
        let mut captures = Vec::new();
        let mut incomplete = Vec::new();
        let mut posts: Vec<Post> = Vec::new();
        let mut offset = String::new();
        let mut next = None;
        let mut more = None;
        let mut owner = None;
        for page in 0..self.cfg.max_pages {
            let params = [
                ("host_mid", mid),
                ("offset", offset.as_str()),
                ("timezone_offset", "-480"),
                ("features", "itemOpusStyle"),
            ];
            let result = self
                .signed("/x/polymer/web-dynamic/v1/feed/space", &params, SRC_DYNAMICS, &mut captures, |raw| {
                    let t = parse::parse_dynamics_response(&meta(raw), raw.body(), raw.url())?;
                    match t.wrong_owner(mid) {
                        Some(found) => Err(FetchFailure::wrong_account(
                            raw.url(),
                            mid,
                            found,
                            "the dynamics page is another account's (its items' author mid)",
                        )),
                        None => Ok(t),
                    }
                })
                .await;
            match result {
                Err(failure) if page == 0 || failure.class() == OutcomeClass::WrongAccount => {
                    return Err(Failed { failure, captures, source: SRC_DYNAMICS });
                }
                Err(failure) => {
                    // Earlier pages were understood: a shorter, still
                    // truthful timeline that says more exists.
                    incomplete.push(failure);
                    more = Some(true);
                    break;
                }
                Ok(t) => {
                    owner = owner.or(t.owner);
                    more = t.more;
                    for p in t.posts {
                        if !posts.iter().any(|q| q.id == p.id) {
                            posts.push(p);
                        }
                    }
                    next = t.next_cursor;
                    match &next {
                        Some(o) => offset = o.clone(),
                        None => break,
                    }
                }
            }
        }
        let mut value = Timeline::new(posts, next, None);
        value.owner = owner;
        value.more = more;
        Ok(Fetched { value, captures, source: SRC_DYNAMICS, incomplete })
    }

    /// Users whose name matches (first page of the signed user search).
    pub async fn search_users(&self, name: &str) -> FetchResult<Vec<SearchHit>> {
        let mut captures = Vec::new();
        let params = [("search_type", "bili_user"), ("keyword", name), ("page", "1")];
        match self
            .signed("/x/web-interface/wbi/search/type", &params, SRC_SEARCH, &mut captures, |raw| {
                parse::parse_user_search_response(&meta(raw), raw.body(), raw.url())
            })
            .await
        {
            Ok(value) => Ok(Fetched { value, captures, source: SRC_SEARCH, incomplete: Vec::new() }),
            Err(failure) => Err(Failed { failure, captures, source: SRC_SEARCH }),
        }
    }

    /// When the session was last renewed is not tracked in time; this says
    /// whether today's keys are at hand (for tests and the status page).
    pub fn has_keys_for(&self, at: DateTime<Utc>) -> bool {
        let day = at.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
        self.lock().keys.as_ref().is_some_and(|(_, d)| *d == day)
    }
}
