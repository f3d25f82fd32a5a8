//! What the three browser-read platforms share: one page load gives both
//! the profile and the timeline ([`PageReading`]); the load is paced and
//! guarded by a breaker per platform, retried once when transient, and
//! reused for a few minutes so a poll's profile-then-timeline costs one
//! page.

use super::{BrowserFetcher, PageLoad, PagePacer, PageRequest};
use crate::config::BrowserSite;
use crate::http::BreakerStatus;
use crate::model::{Platform, Profile, Timeline};
use crate::outcome::{Failed, FetchFailure, FetchResult, Fetched, SourceName};
use crate::weibo::Clock;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// What one profile page says: the profile and the timeline, each either
/// read or with the reason it could not be.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageReading<P> {
    pub profile: Result<P, FetchFailure>,
    pub timeline: Result<Timeline, FetchFailure>,
}

/// A platform's page parser.
pub trait PageParser: Send + Sync + 'static {
    type Profile: Clone + std::fmt::Debug + Serialize + Send + Sync + 'static;
    const PLATFORM: Platform;
    /// The name of the observation's source.
    const SOURCE: SourceName;
    /// XHR answers the page makes that carry the data.
    const XHR_PATTERNS: &'static [&'static str];
    /// Reads a loaded page of the account `asked` (the registry's id, as in
    /// the profile URL). `Err` = the page as a whole was not an answer
    /// (captcha, login wall, empty page), was about another account
    /// (`wrong_account`: the parser compares what the answers state with
    /// `asked` before believing anything they say, a ban included) or was
    /// the platform's word that the account is gone or banned.
    fn parse(load: &PageLoad, asked: &str, now: DateTime<Utc>) -> Result<PageReading<Self::Profile>, FetchFailure>;
    fn profile(p: &Self::Profile) -> &Profile;
}

type Cached<P> = (Instant, Result<Fetched<PageReading<P>>, Failed>);

/// A browser-read platform's client.
pub struct BrowserPlatformClient<P: PageParser> {
    fetcher: Arc<BrowserFetcher>,
    site: BrowserSite,
    pacer: PagePacer,
    cache: Mutex<HashMap<String, Cached<P::Profile>>>,
    clock: Clock,
}

impl<P: PageParser> std::fmt::Debug for BrowserPlatformClient<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserPlatformClient")
            .field("platform", &P::PLATFORM)
            .field("base", &self.site.base_url)
            .finish_non_exhaustive()
    }
}

impl<P: PageParser> BrowserPlatformClient<P> {
    pub fn new(fetcher: Arc<BrowserFetcher>, site: BrowserSite) -> Result<Self, String> {
        Ok(BrowserPlatformClient {
            pacer: PagePacer::new(P::PLATFORM, &site.policy)?,
            fetcher,
            site,
            cache: Mutex::new(HashMap::new()),
            clock: Arc::new(Utc::now),
        })
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn breaker_status(&self) -> BreakerStatus {
        self.pacer.status()
    }

    pub fn requests_per_minute(&self) -> u32 {
        self.pacer.requests_per_minute()
    }

    pub fn profile_url(&self, platform_id: &str) -> String {
        self.site.profile_url(platform_id)
    }

    /// Loads (or reuses) the account's profile page and reads it.
    pub async fn read(&self, platform_id: &str) -> Result<Fetched<PageReading<P::Profile>>, Failed> {
        let reuse = Duration::from_secs(self.site.reuse_secs);
        if reuse > Duration::ZERO
            && let Some((at, cached)) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(platform_id)
            && at.elapsed() < reuse
        {
            return cached.clone();
        }
        let result = self.load_and_parse(platform_id).await;
        if reuse > Duration::ZERO {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            cache.retain(|_, (at, _)| at.elapsed() < reuse);
            cache.insert(platform_id.to_string(), (Instant::now(), result.clone()));
        }
        result
    }

    async fn load_and_parse(&self, platform_id: &str) -> Result<Fetched<PageReading<P::Profile>>, Failed> {
        let url = self.profile_url(platform_id);
        let mut captures = Vec::new();
        let mut attempt = 0;
        loop {
            if let Err(f) = self.pacer.admit(&url).await {
                return Err(Failed { failure: f, captures, source: P::SOURCE });
            }
            let req = PageRequest { url: &url, xhr_patterns: P::XHR_PATTERNS };
            // The browser stamps what it captures with the real clock; moved
            // onto this client's clock (keeping their order and spacing) so
            // evidence times are the daemon's, as for the HTTP platforms.
            let skew = (self.clock)() - Utc::now();
            let outcome = match self.fetcher.load(&req).await {
                Ok(mut load) => {
                    restamp(&mut load.captures, skew);
                    let parsed = P::parse(&load, platform_id, (self.clock)());
                    captures.extend(load.captures);
                    parsed
                }
                Err((f, mut caps)) => {
                    restamp(&mut caps, skew);
                    captures.extend(caps);
                    Err(f)
                }
            };
            self.pacer.record(outcome.as_ref().map(|_| ()));
            match outcome {
                Ok(value) => {
                    return Ok(Fetched { value, captures, source: P::SOURCE, incomplete: Vec::new() });
                }
                Err(f) if f.is_transient() && attempt < self.pacer.max_retries() => {
                    tokio::time::sleep(self.pacer.backoff(attempt)).await;
                    attempt += 1;
                }
                Err(failure) => {
                    return Err(Failed { failure, captures, source: P::SOURCE });
                }
            }
        }
    }

    pub async fn profile(&self, platform_id: &str) -> FetchResult<P::Profile> {
        let fetched = self.read(platform_id).await?;
        let Fetched { value, captures, source, incomplete } = fetched;
        match value.profile {
            Ok(p) => Ok(Fetched { value: p, captures, source, incomplete }),
            Err(failure) => Err(Failed { failure, captures, source }),
        }
    }

    pub async fn timeline(&self, platform_id: &str) -> FetchResult<Timeline> {
        let fetched = self.read(platform_id).await?;
        let Fetched { value, captures, source, incomplete } = fetched;
        match value.timeline {
            Ok(t) => Ok(Fetched { value: t, captures, source, incomplete }),
            Err(failure) => Err(Failed { failure, captures, source }),
        }
    }
}

/// The adapter face of a browser-read platform.
impl<P: PageParser> crate::Adapter for BrowserPlatformClient<P> {
    fn platform(&self) -> Platform {
        P::PLATFORM
    }
    fn capabilities(&self) -> crate::Capabilities {
        crate::capability::browser_capabilities(P::PLATFORM)
    }
    fn profile<'a>(&'a self, account: &'a str) -> Option<crate::BoxFuture<'a, FetchResult<Profile>>> {
        Some(Box::pin(async move {
            BrowserPlatformClient::profile(self, account).await.map(|f| f.map(|p| P::profile(&p).clone()))
        }))
    }
    fn timeline<'a>(&'a self, account: &'a str) -> Option<crate::BoxFuture<'a, FetchResult<Timeline>>> {
        Some(Box::pin(BrowserPlatformClient::timeline(self, account)))
    }
    fn health(&self) -> crate::AdapterHealth {
        crate::AdapterHealth {
            breaker: self.breaker_status(),
            session: None,
            sources: Vec::new(),
            routes: Vec::new(),
            requests_per_minute: self.requests_per_minute(),
        }
    }
}

fn restamp(captures: &mut [crate::model::Capture], skew: chrono::TimeDelta) {
    for c in captures {
        c.fetched_at += skew;
    }
}
