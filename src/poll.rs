//! Polling one account through its platform's adapter: every fetch becomes
//! an observation with all its raw responses as evidence.
//!
//! A successful fetch stores what it saw (profile, posts, search hits). A
//! failed one is stored as its outcome class with its captures and no data
//! (law 1: a captcha page must never read as an empty timeline; the store
//! refuses data on a failed outcome anyway). A platform without an adapter
//! produces no observation at all: the rules then say "not checked".

use crate::accounts::Account;
use crate::clock::Clock;
use crate::store::{NewObservation, ObservationRecord, ObservedData, Store, StoreError};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::{Duration, Instant};
use xunjian_adapters::model::{ObservationKind, OutcomeClass, Platform, PortalPage, Post};
use xunjian_adapters::portal::PortalClient;
use xunjian_adapters::{AccountRef, Adapter, Failed, FetchFailure, FetchResult, PlatformSecrets, PlatformsConfig};

/// One fetch, for the metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchStat {
    pub platform: Platform,
    pub kind: ObservationKind,
    pub outcome: OutcomeClass,
    pub duration: Duration,
    /// Raw responses received (requests that got an answer).
    pub responses: usize,
}

/// What a poll did.
#[derive(Debug, Clone, Default)]
pub struct PollReport {
    /// `None` when nothing was fetched (the adapter observes none of it).
    pub outcome: Option<OutcomeClass>,
    pub observation_ids: Vec<i64>,
    pub fetches: Vec<FetchStat>,
    /// The posts of a successful timeline read (for key items of sources).
    pub posts: Vec<Post>,
}

impl PollReport {
    /// The outcome to remember for the account: the first fetch that could
    /// not check, else the platform's answer.
    fn fold(&mut self, outcome: OutcomeClass) {
        self.outcome = Some(match self.outcome {
            None => outcome,
            Some(OutcomeClass::Ok) => outcome,
            Some(earlier) => earlier,
        });
    }
}

/// Runs one adapter fetch so that a panic inside it (a parser bug on
/// hostile bytes) becomes a `parse_error` for this fetch, recorded like any
/// other failure, instead of killing the worker and leaving the check to be
/// retried — and to panic — forever. The responses of a panicked fetch are
/// lost with its stack; the failure names where it happened.
async fn guarded<T>(what: &str, fut: xunjian_adapters::BoxFuture<'_, FetchResult<T>>) -> FetchResult<T> {
    struct CatchPanic<'a, T>(xunjian_adapters::BoxFuture<'a, FetchResult<T>>);
    impl<T> std::future::Future for CatchPanic<'_, T> {
        type Output = Result<FetchResult<T>, String>;
        fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
            let inner = self.0.as_mut();
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || inner.poll(cx))) {
                Ok(std::task::Poll::Ready(r)) => std::task::Poll::Ready(Ok(r)),
                Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
                Err(panic) => {
                    let msg = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".into());
                    std::task::Poll::Ready(Err(msg))
                }
            }
        }
    }
    match CatchPanic(fut).await {
        Ok(r) => r,
        Err(msg) => {
            tracing::error!(what, panic = %msg, "adapter panicked; recorded as parse_error");
            Err(xunjian_adapters::Failed {
                failure: FetchFailure::ParseError {
                    url: what.to_string(),
                    field: "panic".into(),
                    detail: format!("解析程序异常（已隔离，本次记为无法检查）: {msg}"),
                },
                captures: Vec::new(),
                source: "adapter",
            })
        }
    }
}

/// The adapters of the enabled platforms on the daemon's clock: it stamps
/// every capture (evidence times) and resolves relative times ("3小时前"), so
/// a simulated clock stays consistent end to end.
pub fn build_adapters(
    cfg: &PlatformsConfig,
    secrets: &PlatformSecrets,
    clock: Arc<dyn Clock>,
) -> Result<Vec<Arc<dyn Adapter>>, String> {
    xunjian_adapters::build_adapters_with_clock(cfg, secrets, Arc::new(move || clock.now()))
}

struct Attempt<'a> {
    store: &'a Store,
    platform: Platform,
    clock: &'a dyn Clock,
}

/// When a fetch began, on the machine's clock (for latency metrics) and on
/// the daemon's (for what the answer can speak for).
#[derive(Debug, Clone, Copy)]
struct Started {
    real: Instant,
    at: DateTime<Utc>,
}

impl Started {
    fn now(clock: &dyn Clock) -> Started {
        Started { real: Instant::now(), at: clock.now() }
    }
}

impl Attempt<'_> {
    /// Records one fetch (success with its data, or failure with its
    /// evidence) and returns the observation id.
    async fn record<T>(
        &self,
        kind: ObservationKind,
        target: &str,
        account_id: Option<i64>,
        result: &FetchResult<T>,
        started: Started,
        data: ObservedData<'_>,
    ) -> Result<(i64, FetchStat), StoreError> {
        let duration = started.real.elapsed();
        let observed_at: DateTime<Utc> = self.clock.now();
        // On the daemon's clock: the read speaks for what the platform
        // showed between `observed_at - duration_ms` and `observed_at`, and
        // an absence (no post, no repost) only up to the start
        // (`rules::coverage::read_as_of_ms`). Under a simulated clock a slow
        // answer spans simulated minutes.
        let duration_ms = (observed_at - started.at).num_milliseconds().max(0);
        let platform = self.platform;
        let (id, outcome, responses) = match result {
            Ok(fetched) => {
                // Follow-ups that failed (a detail fetch throttled) leave the
                // answer true but less complete: say so.
                let detail = (!fetched.incomplete.is_empty()).then(|| {
                    let parts: Vec<String> = fetched.incomplete.iter().map(FetchFailure::to_string).collect();
                    format!("incomplete: {}", parts.join("; "))
                });
                let obs = NewObservation {
                    account_id,
                    platform,
                    kind,
                    target: target.to_string(),
                    source: fetched.source.to_string(),
                    observed_at,
                    duration_ms,
                    outcome: OutcomeClass::Ok,
                    http_status: fetched.captures.last().and_then(|c| c.http_status),
                    detail,
                    captures: &fetched.captures,
                };
                let id = self.store.record_observation(&obs, data).await?;
                (id, OutcomeClass::Ok, fetched.captures.len())
            }
            Err(failed) => {
                let obs = NewObservation {
                    account_id,
                    platform,
                    kind,
                    target: target.to_string(),
                    source: failed.source.to_string(),
                    observed_at,
                    duration_ms,
                    outcome: failed.class(),
                    http_status: failed.failure.http_status(),
                    detail: Some(failed.failure.to_string()),
                    captures: &failed.captures,
                };
                // A failed fetch saw nothing; a page served in the
                // homepage's place keeps only its shape.
                let data = match data {
                    ObservedData::NotTheHomepage(page) => ObservedData::NotTheHomepage(page),
                    _ => ObservedData::Nothing,
                };
                let id = self.store.record_observation(&obs, data).await?;
                (id, failed.class(), failed.captures.len())
            }
        };
        Ok((id, FetchStat { platform, kind, outcome, duration, responses }))
    }
}

/// The regular check of an account: its profile (existence, verification,
/// interaction settings), then its timeline. After the platform refused us
/// (captcha, blocked, login wall, throttled) the timeline is not asked for:
/// it could only be refused too, and asking again is impolite. After the
/// profile said the account is gone, it is: that word needs a second
/// endpoint's agreement.
pub async fn poll_account(
    store: &Store,
    adapter: &dyn Adapter,
    account: &Account,
    clock: &dyn Clock,
) -> Result<PollReport, StoreError> {
    let at = Attempt { store, platform: account.spec.platform, clock };
    let uid = account.spec.platform_id.as_str();
    // Every identifier the registry holds: sources that search by name
    // (WeChat's Sogou and backend) cannot find an account by `__biz` alone.
    let account_ref = AccountRef::named(uid, account.spec.display_name.as_str());
    let mut report = PollReport::default();
    if let Some(fut) = adapter.profile_of(&account_ref) {
        let started = Started::now(clock);
        let result = guarded("profile", fut).await;
        let data = result.as_ref().map_or(ObservedData::Nothing, |f| ObservedData::Profile(&f.value));
        let (id, stat) =
            at.record(ObservationKind::Profile, uid, Some(account.id), &result, started, data).await?;
        report.observation_ids.push(id);
        report.fold(stat.outcome);
        report.fetches.push(stat);
        if let Err(failed) = &result {
            // A profile that says "gone" is still followed by the timeline:
            // a second, independent endpoint must agree before an account
            // counts as vanished (rules::closing_notice::check_vanished).
            let stop = failed.failure.is_refusal() || matches!(failed.failure, FetchFailure::CircuitOpen { .. });
            if stop {
                return Ok(report);
            }
        }
    }
    if let Some(fut) = adapter.timeline_of(&account_ref) {
        let started = Started::now(clock);
        let result = guarded("timeline", fut).await;
        let data = result.as_ref().map_or(ObservedData::Nothing, |f| ObservedData::Timeline(&f.value));
        let (id, stat) =
            at.record(ObservationKind::Timeline, uid, Some(account.id), &result, started, data).await?;
        report.observation_ids.push(id);
        report.fold(stat.outcome);
        report.fetches.push(stat);
        if let Ok(fetched) = result {
            report.posts = fetched.value.posts;
        }
    }
    Ok(report)
}

/// The names to search for impostors of `account`.
pub fn search_queries(account: &Account) -> Vec<String> {
    crate::rules::names::search_queries(
        &account.spec.display_name,
        account.spec.region.as_deref(),
        &crate::rules::names::default_decorations(),
    )
}

/// The impostor search for one account: each of its search terms, one
/// observation each (searches belong to no account: `account_id` is empty
/// and the query is the target). Stops at the first refusal.
pub async fn search_account(
    store: &Store,
    adapter: &dyn Adapter,
    account: &Account,
    clock: &dyn Clock,
) -> Result<PollReport, StoreError> {
    let at = Attempt { store, platform: account.spec.platform, clock };
    let mut report = PollReport::default();
    for query in search_queries(account) {
        let Some(fut) = adapter.search_users(&query) else { break };
        let started = Started::now(clock);
        let result = guarded("search", fut).await;
        let data =
            result.as_ref().map_or(ObservedData::Nothing, |f| ObservedData::Search { query: &query, hits: &f.value });
        let (id, stat) = at.record(ObservationKind::Search, &query, None, &result, started, data).await?;
        report.observation_ids.push(id);
        report.fold(stat.outcome);
        report.fetches.push(stat);
        if let Err(failed) = &result
            && (failed.failure.is_refusal() || matches!(failed.failure, FetchFailure::CircuitOpen { .. }))
        {
            break;
        }
    }
    Ok(report)
}

/// Reads in a row, over at least [`REDESIGN_MIN_SPAN_MS`], that must
/// show the same new page before it is taken as the homepage redesigned.
const REDESIGN_MIN_READS: usize = 3;
const REDESIGN_MIN_SPAN_MS: i64 = 24 * 3_600_000;

/// Why `page` is not the homepage read last time at `url`, if it is not
/// (see `xunjian_adapters::portal::resembles`): another title, a third of
/// the size, its blocks gone. A CDN or a misconfigured site serves such a
/// page at the homepage's URL with status 200; read as the homepage it
/// would show an opening notice removed. A site does get redesigned: when
/// the last [`REDESIGN_MIN_READS`] reads, over a day or more, all showed
/// this same new page, it is the homepage now.
async fn not_the_homepage(store: &Store, url: &str, page: &PortalPage, now_ms: i64) -> Result<Option<String>, StoreError> {
    let recent = store.recent_portal_reads(url, now_ms, 50).await?;
    let Some(baseline) = recent.iter().find(|o| o.outcome == OutcomeClass::Ok).and_then(|o| o.portal_page()) else {
        return Ok(None);
    };
    let Err(why) = xunjian_adapters::portal::resembles(&baseline, page) else {
        return Ok(None);
    };
    let since_good: Vec<&ObservationRecord> = recent.iter().take_while(|o| o.outcome != OutcomeClass::Ok).collect();
    let same_new_page: Vec<&ObservationRecord> = since_good
        .iter()
        .take_while(|o| o.portal_page().is_some_and(|p| xunjian_adapters::portal::resembles(&p, page).is_ok()))
        .copied()
        .collect();
    if same_new_page.len() >= REDESIGN_MIN_READS
        && same_new_page.last().is_some_and(|first| now_ms - first.observed_at_ms >= REDESIGN_MIN_SPAN_MS)
    {
        tracing::info!(url, reads = same_new_page.len(), "portal page changed for good (redesign): taken as the homepage");
        return Ok(None);
    }
    Ok(Some(format!("not the homepage read last time: {why}: could not check")))
}

/// One read of a superior government portal's homepage (for the opening
/// notice rule), stored as a `portal` observation of the page (`target` =
/// its URL, no account). `platform` labels it with the platform of the
/// account it is read for.
pub async fn read_portal(
    store: &Store,
    client: &PortalClient,
    url: &str,
    platform: Platform,
    clock: &dyn Clock,
) -> Result<PollReport, StoreError> {
    let at = Attempt { store, platform, clock };
    let mut report = PollReport::default();
    let started = Started::now(clock);
    let result = guarded("portal", Box::pin(client.page(url))).await;
    let now_ms = clock.now().timestamp_millis();
    let (result, shown) = match result {
        Ok(fetched) => match not_the_homepage(store, url, &fetched.value, now_ms).await? {
            None => (Ok(fetched), None),
            Some(why) => {
                let failed = Failed {
                    failure: FetchFailure::parse(url, "page_shape", why),
                    captures: fetched.captures,
                    source: fetched.source,
                };
                (Err(failed), Some(fetched.value))
            }
        },
        Err(failed) => (Err(failed), None),
    };
    // The page served in the homepage's place keeps its shape (the next
    // reads are compared with it to recognise a redesign); its capture is
    // the evidence of what was served.
    let data = match (&result, &shown) {
        (Ok(f), _) => ObservedData::Portal(&f.value),
        (Err(_), Some(page)) => ObservedData::NotTheHomepage(page),
        (Err(_), None) => ObservedData::Nothing,
    };
    let (id, stat) = at.record(ObservationKind::Portal, url, None, &result, started, data).await?;
    report.observation_ids.push(id);
    report.fold(stat.outcome);
    report.fetches.push(stat);
    Ok(report)
}
