//! The WeChat fetcher: article pages, Sogou search, the feed and backend
//! sources, each host with its own polite budget and circuit breaker (Sogou
//! refusing us must not stop article checks). All meaning comes from the
//! pure parsers.

use super::article::{self, ArticlePage, WechatArticle};
use super::backend::{self, BizHit};
use super::sogou::{self, SogouAccount};
use crate::config::{FeedConfig, Secret, WechatConfig, WechatSource};
use crate::feed::{FeedClient, get_following, meta};
use crate::http::{BreakerStatus, PoliteClient, RequestSpec};
use crate::model::{Capture, Platform, Profile, SearchHit, Timeline};
use crate::outcome::{Failed, FetchFailure, FetchResult, Fetched, SourceName};
use crate::weibo::Clock;
use crate::{AccountRef, SourceHealth};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub const SRC_ARTICLE: SourceName = "mp.weixin.qq.com article";
pub const SRC_SOGOU: SourceName = "sogou weixin search";
pub const SRC_FEED: SourceName = crate::feed::SRC_FEED;
pub const SRC_BACKEND_LIST: SourceName = "mp backend appmsgpublish";
pub const SRC_BACKEND_SEARCH: SourceName = "mp backend searchbiz";

/// A Sogou answer and when it came.
type RecentSearch = (std::time::Instant, Fetched<Vec<SogouAccount>>);

/// A logged-in backend session (from the `wechat-mp-cookie` and
/// `wechat-mp-token` secrets).
struct BackendSession {
    cookie: Secret,
    token: Secret,
}

#[derive(Default)]
struct SourceState {
    last_error: Option<String>,
    session_rejected_at: Option<DateTime<Utc>>,
}

pub struct WechatClient {
    cfg: WechatConfig,
    mp_base: String,
    sogou_base: String,
    article_http: PoliteClient,
    sogou_http: PoliteClient,
    backend_http: PoliteClient,
    feed: Option<FeedClient>,
    backend: Option<BackendSession>,
    /// Cookies Sogou sets (SUID, SNUID): sent back, as a browser would.
    sogou_cookies: Mutex<BTreeMap<String, String>>,
    /// Recent Sogou answers by query: a poll asks for the profile and then
    /// the timeline, and one search page carries both.
    sogou_recent: Mutex<BTreeMap<String, RecentSearch>>,
    state: Mutex<BTreeMap<&'static str, SourceState>>,
    clock: Clock,
}

impl std::fmt::Debug for WechatClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatClient")
            .field("mp_base", &self.mp_base)
            .field("sogou_base", &self.sogou_base)
            .field("sources", &self.cfg.sources)
            .field("backend_session", &self.backend.is_some())
            .finish_non_exhaustive()
    }
}

fn failed(failure: FetchFailure, captures: Vec<Capture>, source: SourceName) -> Failed {
    Failed { failure, captures, source }
}

fn check_header_secret(name: &str, s: &Secret) -> Result<(), String> {
    let v = s.expose();
    if v.contains('\n') || v.contains('\r') || !v.is_ascii() {
        return Err(format!("the {name} secret must be one ASCII line"));
    }
    Ok(())
}

impl WechatClient {
    /// `backend_cookie` / `backend_token`: an official-account backend
    /// session; the backend source is used only when both are given.
    pub fn new(
        cfg: &WechatConfig,
        feed: &FeedConfig,
        backend_cookie: Option<Secret>,
        backend_token: Option<Secret>,
    ) -> Result<Self, String> {
        cfg.validate()?;
        let nonempty = |s: Option<Secret>| s.filter(|s| !s.expose().trim().is_empty());
        let backend = match (nonempty(backend_cookie), nonempty(backend_token)) {
            (Some(cookie), Some(token)) => {
                check_header_secret("wechat-mp-cookie", &cookie)?;
                if !token.expose().chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err("the wechat-mp-token secret must be the numeric token of the backend URL".into());
                }
                Some(BackendSession { cookie, token })
            }
            (None, None) => None,
            _ => return Err("a WeChat backend session needs both wechat-mp-cookie and wechat-mp-token".into()),
        };
        // The backend is never retried within a poll: its token travels in
        // the URL, and a frequency-control answer is best met by waiting
        // for the next poll rather than asking again.
        let backend_policy = crate::config::HttpPolicy { max_retries: 0, ..cfg.backend_policy.clone() };
        Ok(WechatClient {
            mp_base: cfg.mp_base_url.trim_end_matches('/').to_string(),
            sogou_base: cfg.sogou_base_url.trim_end_matches('/').to_string(),
            article_http: PoliteClient::new(Platform::Wechat, &cfg.policy)?,
            sogou_http: PoliteClient::new(Platform::Wechat, &cfg.sogou_policy)?,
            backend_http: PoliteClient::new(Platform::Wechat, &backend_policy)?,
            feed: if feed.enabled { Some(FeedClient::new(feed, Platform::Wechat)?) } else { None },
            backend,
            cfg: cfg.clone(),
            sogou_cookies: Mutex::new(BTreeMap::new()),
            sogou_recent: Mutex::new(BTreeMap::new()),
            state: Mutex::new(BTreeMap::new()),
            clock: Arc::new(Utc::now),
        })
    }

    /// The clock for feed items without a time.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.feed = self.feed.map(|f| f.with_clock(clock.clone()));
        for http in [&mut self.article_http, &mut self.sogou_http, &mut self.backend_http] {
            http.set_clock(clock.clone());
        }
        self.clock = clock;
        self
    }

    pub fn breaker_status(&self) -> BreakerStatus {
        self.article_http.breaker_status()
    }

    /// The fetcher of article pages and the public feed pages (its routes
    /// and budget); Sogou and the backend have their own (`sources`).
    pub fn polling_http(&self) -> &PoliteClient {
        &self.article_http
    }

    /// Each listing source's breaker and last problem, for the daemon.
    pub fn source_status(&self) -> Vec<SourceHealth> {
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let note = |s: &'static str| st.get(s).and_then(|x| x.last_error.clone());
        let mut out = vec![SourceHealth {
            source: SRC_SOGOU,
            breaker: self.sogou_http.breaker_status(),
            last_error: note(SRC_SOGOU),
        }];
        if let Some(f) = &self.feed {
            out.push(SourceHealth { source: SRC_FEED, breaker: f.breaker_status(), last_error: note(SRC_FEED) });
        }
        if self.backend.is_some() {
            let mut last = note(SRC_BACKEND_LIST);
            if let Some(at) = st.get(SRC_BACKEND_LIST).and_then(|s| s.session_rejected_at) {
                last = Some(format!("session rejected at {at}: replace wechat-mp-cookie and wechat-mp-token"));
            }
            out.push(SourceHealth {
                source: SRC_BACKEND_LIST,
                breaker: self.backend_http.breaker_status(),
                last_error: last,
            });
        }
        out
    }

    fn note(&self, source: &'static str, result: Result<(), &FetchFailure>) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let entry = st.entry(source).or_default();
        match result {
            Ok(()) => entry.last_error = None,
            Err(f) => {
                if source == SRC_BACKEND_LIST && matches!(f, FetchFailure::LoginRequired { .. }) {
                    if entry.session_rejected_at.is_none() {
                        tracing::error!(failure = %f, "wechat: the backend session was rejected; log in again and replace the wechat-mp-cookie and wechat-mp-token secrets");
                    }
                    entry.session_rejected_at = Some(Utc::now());
                }
                entry.last_error = Some(f.to_string());
            }
        }
    }

    // -----------------------------------------------------------------
    // Articles
    // -----------------------------------------------------------------

    /// The article URL for `id`: a full mp.weixin.qq.com URL (re-rooted on
    /// the configured base), a short-link token (`s/…` or bare), or a
    /// `__biz=…&mid=…&idx=…&sn=…` query.
    pub fn article_url(&self, id: &str) -> Result<String, FetchFailure> {
        let id = id.trim();
        if id.starts_with("http://") || id.starts_with("https://") {
            let u = url::Url::parse(id).map_err(|e| FetchFailure::parse(id, "url", e.to_string()))?;
            if !u.host_str().is_some_and(|h| h == "mp.weixin.qq.com" || h.ends_with(".weixin.qq.com")) {
                return Err(FetchFailure::parse(id, "url", "not a mp.weixin.qq.com article URL"));
            }
            let mut out = format!("{}{}", self.mp_base, u.path());
            if let Some(q) = u.query() {
                out.push('?');
                out.push_str(q);
            }
            return Ok(out);
        }
        if id.contains("__biz=") {
            return Ok(format!("{}/s?{}", self.mp_base, id.trim_start_matches('?')));
        }
        let token = id.strip_prefix("s/").unwrap_or(id);
        if !token.is_empty() && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Ok(format!("{}/s/{token}", self.mp_base));
        }
        Err(FetchFailure::parse(id, "post_id", "not a WeChat article URL, short-link token or __biz query"))
    }

    /// One article page: the article, or its status page classified (a
    /// deleted or removed article is `NotFound` / `Banned` *for the
    /// article*; see `article`).
    pub async fn article(&self, id: &str) -> FetchResult<WechatArticle> {
        let url = self.article_url(id).map_err(|f| failed(f, Vec::new(), SRC_ARTICLE))?;
        // A status page is the platform answering, not refusing us: the
        // interpreter returns it as a value so the breaker does not count it.
        let (result, captures) =
            get_following(&self.article_http, &url, SRC_ARTICLE, &[("Accept", "text/html".into())], |raw| {
                article::classify_article_response(&meta(raw), raw.body(), raw.url())
            })
            .await;
        match result.and_then(|page: ArticlePage| page.into_result(&url)) {
            Ok(value) => Ok(Fetched { value, captures, source: SRC_ARTICLE, incomplete: Vec::new() }),
            Err(failure) => Err(failed(failure, captures, SRC_ARTICLE)),
        }
    }

    // -----------------------------------------------------------------
    // Sogou
    // -----------------------------------------------------------------

    pub fn sogou_url(&self, query: &str) -> String {
        let mut u = url::Url::parse(&format!("{}/weixin", self.sogou_base)).expect("validated base URL");
        u.query_pairs_mut().append_pair("type", "1").append_pair("query", query).append_pair("ie", "utf8");
        u.to_string()
    }

    /// Sogou account search for `query` (a name or a 微信号). A successful
    /// answer is reused for `sogou_reuse_secs`, with its capture as evidence,
    /// so a profile and a timeline poll of one account cost one request.
    pub async fn sogou_search(&self, query: &str) -> FetchResult<Vec<SogouAccount>> {
        {
            let mut recent = self.sogou_recent.lock().unwrap_or_else(|p| p.into_inner());
            let reuse = std::time::Duration::from_secs(self.cfg.sogou_reuse_secs);
            recent.retain(|_, (at, _)| at.elapsed() < reuse);
            if let Some((_, fetched)) = recent.get(query) {
                return Ok(fetched.clone());
            }
        }
        let url = self.sogou_url(query);
        let referer = format!("{}/", self.sogou_base);
        let ex = self
            .sogou_http
            .fetch(
                || {
                    let mut spec = RequestSpec::get(url.clone(), SRC_SOGOU)
                        .header("Accept", "text/html")
                        .header("Referer", referer.clone());
                    let jar = self.sogou_cookies.lock().unwrap_or_else(|p| p.into_inner());
                    if !jar.is_empty() {
                        spec = spec.header(
                            "Cookie",
                            jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "),
                        );
                    }
                    spec
                },
                |raw| sogou::parse_sogou_search_response(&meta(raw), raw.body(), raw.url()),
            )
            .await;
        {
            let mut jar = self.sogou_cookies.lock().unwrap_or_else(|p| p.into_inner());
            for (k, v) in &ex.set_cookies {
                if v.is_empty() || v == "deleted" {
                    jar.remove(k);
                } else {
                    jar.insert(k.clone(), v.clone());
                }
            }
        }
        self.note(SRC_SOGOU, ex.result.as_ref().map(|_| ()));
        match ex.result {
            Ok(value) => {
                let fetched = Fetched { value, captures: ex.captures, source: SRC_SOGOU, incomplete: Vec::new() };
                let mut recent = self.sogou_recent.lock().unwrap_or_else(|p| p.into_inner());
                recent.insert(query.to_string(), (std::time::Instant::now(), fetched.clone()));
                Ok(fetched)
            }
            Err(failure) => Err(failed(failure, ex.captures, SRC_SOGOU)),
        }
    }

    /// Accounts named like `name` (impostor search), from Sogou.
    pub async fn search_users(&self, name: &str) -> FetchResult<Vec<SearchHit>> {
        self.sogou_search(name).await.map(|f| f.map(|hits| hits.iter().map(SogouAccount::to_search_hit).collect()))
    }

    fn sogou_query(account: &AccountRef) -> Option<String> {
        if super::looks_like_wechat_id(&account.platform_id) {
            Some(account.platform_id.clone())
        } else {
            account.name.clone().filter(|n| !n.trim().is_empty())
        }
    }

    /// The registered account's Sogou result (see
    /// [`sogou::pick_account`] for the matching order).
    ///
    /// A `gh_` id is searched first; Sogou shows it only for accounts that
    /// set no 微信号, so when that search shows no result with it, the
    /// registry's name is searched too (both answers are kept as
    /// evidence). A 微信号 never falls back: a same-named result with
    /// another 微信号 is someone else.
    async fn sogou_account(&self, account: &AccountRef) -> Option<FetchResult<SogouAccount>> {
        let query = Self::sogou_query(account)?;
        let first = self.sogou_pick(&query, account).await;
        let name = account.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let is_gh = account.platform_id.trim().get(..3).is_some_and(|p| p.eq_ignore_ascii_case("gh_"));
        match (first, name) {
            (Err(e), Some(name)) if is_gh && name != query && matches!(e.failure, FetchFailure::ParseError { .. }) => {
                let mut captures = e.captures;
                Some(match self.sogou_pick(name, account).await {
                    Ok(mut f) => {
                        // The miss by gh_ id is not a failure of this
                        // answer: its page stays with the evidence.
                        captures.append(&mut f.captures);
                        f.captures = captures;
                        Ok(f)
                    }
                    Err(mut e2) => {
                        captures.append(&mut e2.captures);
                        e2.captures = captures;
                        e2.failure = e2.failure.with_note(&format!("the search by gh_ id first: {}", e.failure));
                        Err(e2)
                    }
                })
            }
            (first, _) => Some(first),
        }
    }

    async fn sogou_pick(&self, query: &str, account: &AccountRef) -> FetchResult<SogouAccount> {
        let fetched = self.sogou_search(query).await?;
        let url = self.sogou_url(query);
        match sogou::pick_account(&fetched.value, &account.platform_id, account.name.as_deref()) {
            Ok(hit) => {
                let hit = hit.clone();
                Ok(fetched.map(|_| hit))
            }
            // A search miss is not WeChat's word that the account is gone.
            Err(why) => Err(failed(FetchFailure::parse(&url, "account", why), fetched.captures, SRC_SOGOU)),
        }
    }

    /// Profile and verification from Sogou (`认证：`).
    pub async fn profile_of(&self, account: &AccountRef) -> FetchResult<Profile> {
        match self.sogou_account(account).await {
            Some(r) => r.map(|f| f.map(|hit| hit.to_profile(&account.platform_id))),
            None => Err(failed(
                FetchFailure::parse(
                    &format!("wechat:{}", account.platform_id),
                    "account",
                    "Sogou needs the account's 微信号 or its name; the registry gives a __biz only",
                ),
                Vec::new(),
                SRC_SOGOU,
            )),
        }
    }

    async fn sogou_timeline(&self, account: &AccountRef) -> Option<FetchResult<Timeline>> {
        let r = self.sogou_account(account).await?;
        Some(match r {
            Ok(f) => match f.value.latest_post() {
                Some(post) => Ok(f.map(|_| Timeline::new(vec![post], None, None))),
                None => {
                    let url = self.sogou_url(&Self::sogou_query(account).unwrap_or_default());
                    // Sogou left out 最近文章: that is not "no articles".
                    Err(failed(
                        FetchFailure::parse(
                            &url,
                            "最近文章",
                            "Sogou shows the account but no latest article; nothing can be said about its posts",
                        ),
                        f.captures,
                        SRC_SOGOU,
                    ))
                }
            },
            Err(e) => Err(e),
        })
    }

    // -----------------------------------------------------------------
    // Backend
    // -----------------------------------------------------------------

    fn backend_url(&self, path: &str, pairs: &[(&str, &str)], token: &str) -> String {
        let mut u = url::Url::parse(&format!("{}{path}", self.mp_base)).expect("validated base URL");
        u.query_pairs_mut()
            .extend_pairs(pairs)
            .append_pair("token", token)
            .append_pair("lang", "zh_CN")
            .append_pair("f", "json")
            .append_pair("ajax", "1");
        u.to_string()
    }

    /// One backend GET. The token is in the URL, so every URL kept as
    /// evidence or put in a failure is redacted.
    async fn backend_get<T>(
        &self,
        path: &str,
        pairs: &[(&str, &str)],
        source: SourceName,
        interpret: impl Fn(&crate::http::RawResponse, &str) -> Result<T, FetchFailure>,
    ) -> Result<Fetched<T>, Failed> {
        let session = self.backend.as_ref().expect("checked by the caller");
        let token = session.token.expose();
        let url = self.backend_url(path, pairs, token);
        let shown = redact(&url, token);
        let referer =
            format!("{}/cgi-bin/appmsg?t=media/appmsg_edit_v2&action=edit&isNew=1&type=77&lang=zh_CN", self.mp_base);
        let ex = self
            .backend_http
            .fetch(
                || {
                    RequestSpec::get(url.clone(), source)
                        .header("Accept", "application/json")
                        .header("Referer", referer.clone())
                        .header("X-Requested-With", "XMLHttpRequest")
                        .header("Cookie", session.cookie.expose().to_string())
                },
                |raw| interpret(raw, &shown),
            )
            .await;
        let captures: Vec<Capture> = ex
            .captures
            .into_iter()
            .map(|mut c| {
                c.url = redact(&c.url, token);
                c
            })
            .collect();
        let result = ex.result.map_err(|f| redact_failure(f, token));
        self.note(SRC_BACKEND_LIST, result.as_ref().map(|_| ()));
        match result {
            Ok(value) => Ok(Fetched { value, captures, source, incomplete: Vec::new() }),
            Err(failure) => Err(failed(failure, captures, source)),
        }
    }

    /// `searchbiz`: accounts by name or 微信号 (needs a backend session).
    pub async fn backend_search(&self, query: &str) -> FetchResult<Vec<BizHit>> {
        if self.backend.is_none() {
            return Err(failed(no_session(query), Vec::new(), SRC_BACKEND_SEARCH));
        }
        let pairs = [("action", "search_biz"), ("begin", "0"), ("count", "5"), ("query", query)];
        self.backend_get("/cgi-bin/searchbiz", &pairs, SRC_BACKEND_SEARCH, |raw, shown| {
            backend::parse_searchbiz_response(&meta(raw), raw.body(), shown)
        })
        .await
    }

    /// `appmsgpublish`: the latest published articles of `fakeid` (`__biz`).
    pub async fn backend_list(&self, fakeid: &str) -> FetchResult<Timeline> {
        if self.backend.is_none() {
            return Err(failed(no_session(fakeid), Vec::new(), SRC_BACKEND_LIST));
        }
        let count = self.cfg.backend_page_size.to_string();
        let pairs = [
            ("sub", "list"),
            ("search_field", "null"),
            ("begin", "0"),
            ("count", count.as_str()),
            ("query", ""),
            ("fakeid", fakeid),
            ("type", "101_1"),
            ("free_publish_type", "1"),
            ("sub_action", "list_ex"),
        ];
        let fetched = self
            .backend_get("/cgi-bin/appmsgpublish", &pairs, SRC_BACKEND_LIST, |raw, shown| {
                backend::parse_appmsgpublish_response(&meta(raw), raw.body(), shown)
            })
            .await?;
        // The list must be the asked account's: an article of another
        // __biz (a session mix-up, a proxy's cache) makes the whole answer
        // no observation of this account.
        if let Some((post_id, found)) = backend::foreign_biz(&fetched.value.posts, fakeid) {
            let url = format!("{}/cgi-bin/appmsgpublish?fakeid={fakeid}", self.mp_base);
            let failure = FetchFailure::wrong_account(
                &url,
                fakeid,
                &found,
                format!("appmsgpublish for __biz {fakeid} lists article {post_id} of __biz {found}"),
            );
            self.note(SRC_BACKEND_LIST, Err(&failure));
            return Err(failed(failure, fetched.captures, SRC_BACKEND_LIST));
        }
        Ok(fetched)
    }

    async fn backend_timeline(&self, account: &AccountRef) -> Option<FetchResult<Timeline>> {
        self.backend.as_ref()?;
        if super::looks_like_biz(&account.platform_id) {
            return Some(self.backend_list(&account.platform_id).await);
        }
        let query = Self::sogou_query(account)?;
        let found = match self.backend_search(&query).await {
            Ok(f) => f,
            Err(e) => return Some(Err(e)),
        };
        let fakeid = match backend::pick_biz(&found.value, &account.platform_id, account.name.as_deref()) {
            Ok(hit) => hit.fakeid.clone(),
            Err(why) => {
                let url = format!("{}/cgi-bin/searchbiz", self.mp_base);
                return Some(Err(failed(
                    FetchFailure::parse(&url, "account", why),
                    found.captures,
                    SRC_BACKEND_SEARCH,
                )));
            }
        };
        Some(match self.backend_list(&fakeid).await {
            Ok(mut f) => {
                let mut captures = found.captures;
                captures.append(&mut f.captures);
                f.captures = captures;
                Ok(f)
            }
            Err(mut e) => {
                let mut captures = found.captures;
                captures.append(&mut e.captures);
                e.captures = captures;
                Err(e)
            }
        })
    }

    // -----------------------------------------------------------------
    // The account's articles, from the configured sources in order
    // -----------------------------------------------------------------

    /// The account's latest articles from the first source that answers.
    /// Sources not available for this account are skipped; failures of
    /// earlier sources go into `incomplete` of the answer (or the notes of
    /// the final failure), and all their captures are kept.
    pub async fn timeline_of(&self, account: &AccountRef) -> FetchResult<Timeline> {
        let mut captures: Vec<Capture> = Vec::new();
        let mut earlier: Vec<(SourceName, FetchFailure)> = Vec::new();
        let mut skipped: Vec<String> = Vec::new();
        for source in &self.cfg.sources {
            let attempt = match source {
                WechatSource::Sogou => self.sogou_timeline(account).await,
                WechatSource::Feed => match &self.feed {
                    Some(feed) if feed.url_for(&account.platform_id).is_some() => {
                        let r = feed.timeline(&account.platform_id).await;
                        self.note(SRC_FEED, r.as_ref().map(|_| ()).map_err(|e| &e.failure));
                        Some(r.map(|f| f.map(with_article_ids)))
                    }
                    _ => None,
                },
                WechatSource::Backend => self.backend_timeline(account).await,
            };
            let Some(result) = attempt else {
                skipped.push(format!("{}: {}", source.code(), self.unavailable_reason(*source, account)));
                continue;
            };
            match result {
                Ok(mut fetched) => {
                    captures.append(&mut fetched.captures);
                    fetched.captures = captures;
                    let mut incomplete: Vec<FetchFailure> = earlier
                        .into_iter()
                        .map(|(s, f)| f.with_note(&format!("source {s} failed; a later source answered")))
                        .collect();
                    incomplete.append(&mut fetched.incomplete);
                    fetched.incomplete = incomplete;
                    return Ok(fetched);
                }
                Err(mut e) => {
                    captures.append(&mut e.captures);
                    earlier.push((e.source, e.failure));
                }
            }
        }
        let Some((source, last)) = earlier.pop() else {
            return Err(failed(
                FetchFailure::parse(
                    &format!("wechat:{}", account.platform_id),
                    "platforms.wechat.sources",
                    format!("no listing source is available for this account ({})", skipped.join("; ")),
                ),
                captures,
                SRC_SOGOU,
            ));
        };
        // The last source tried gives the class; the others are noted.
        let mut failure = last;
        for (s, f) in &earlier {
            failure = failure.with_note(&format!("earlier source {s}: {f}"));
        }
        for s in &skipped {
            failure = failure.with_note(&format!("skipped {s}"));
        }
        Err(failed(failure, captures, source))
    }

    fn unavailable_reason(&self, source: WechatSource, account: &AccountRef) -> &'static str {
        match source {
            WechatSource::Sogou => "needs the 微信号 or the account name",
            WechatSource::Feed if self.feed.is_none() => "[platforms.feed] is disabled",
            WechatSource::Feed => "no feed URL configured for this account",
            WechatSource::Backend if self.backend.is_none() => "no backend session (wechat-mp-cookie, wechat-mp-token)",
            WechatSource::Backend if !super::looks_like_biz(&account.platform_id) => {
                "needs a __biz, a 微信号 or the account name"
            }
            WechatSource::Backend => "not available",
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}

/// Feed items of WeChat articles take the `{mid}_{idx}` id the article
/// page and the backend use, so the same article is one post whichever
/// source saw it; the feed's own id (guid) is kept as `alt_id`.
fn with_article_ids(mut t: Timeline) -> Timeline {
    for p in &mut t.posts {
        if let Some(id) = p.url.as_deref().and_then(article::link_post_id) {
            p.alt_id = Some(std::mem::replace(&mut p.id, id));
        }
    }
    t
}

fn no_session(target: &str) -> FetchFailure {
    FetchFailure::LoginRequired {
        url: format!("wechat-backend:{target}"),
        http_status: None,
        detail: "no backend session configured (secrets wechat-mp-cookie and wechat-mp-token)".into(),
    }
}

fn redact(s: &str, token: &str) -> String {
    if token.is_empty() {
        s.to_string()
    } else {
        s.replace(&format!("token={token}"), "token=***").replace(token, "***")
    }
}

/// The same failure with the token removed from its URL and detail (a
/// network error's detail may quote the URL).
fn redact_failure(f: FetchFailure, token: &str) -> FetchFailure {
    use FetchFailure as F;
    let r = |s: String| redact(&s, token);
    match f {
        F::NotFound { url, detail } => F::NotFound { url: r(url), detail: r(detail) },
        F::Banned { url, detail } => F::Banned { url: r(url), detail: r(detail) },
        F::Blocked { url, http_status, detail } => F::Blocked { url: r(url), http_status, detail: r(detail) },
        F::Captcha { url, http_status, challenge_url, detail } => {
            F::Captcha { url: r(url), http_status, challenge_url: challenge_url.map(r), detail: r(detail) }
        }
        F::LoginRequired { url, http_status, detail } => {
            F::LoginRequired { url: r(url), http_status, detail: r(detail) }
        }
        F::Throttled { url, http_status, retry_after_secs, detail } => {
            F::Throttled { url: r(url), http_status, retry_after_secs, detail: r(detail) }
        }
        F::ParseError { url, field, detail } => F::ParseError { url: r(url), field, detail: r(detail) },
        F::Network { url, http_status, timeout, detail } => {
            F::Network { url: r(url), http_status, timeout, detail: r(detail) }
        }
        F::WrongAccount { url, expected, found, detail } => {
            F::WrongAccount { url: r(url), expected, found, detail: r(detail) }
        }
        F::StaleSource { url, updated, detail } => F::StaleSource { url: r(url), updated, detail: r(detail) },
        F::CircuitOpen { url, platform, retry_in_secs } => F::CircuitOpen { url: r(url), platform, retry_in_secs },
    }
}
