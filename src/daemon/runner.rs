//! The daemon loop.
//!
//! Every tick (wall clock, `[daemon] tick_ms`) the scheduler:
//! 1. starts the scheduled jobs whose occurrence has come — each occurrence
//!    is claimed in `job_runs`, so across a cluster one daemon runs it;
//! 2. leases due checks per platform, as many as the platform's free
//!    concurrency, and runs them: poll, evaluate the rules for the account,
//!    plan its next check (and, for a source, the repost checks of its new
//!    key items), then record completion under the lease;
//! 3. delivers the outbox every `outbox_interval_secs`.
//!
//! A heartbeat task extends this daemon's leases while the scheduler is
//! alive; the systemd watchdog is fed from the same liveness. SIGHUP
//! reloads the configuration (an invalid one is refused and the old one
//! kept); SIGTERM stops taking work, lets in-flight checks finish within a
//! grace period, gives back every lease, delivers the outbox once and
//! returns.

use super::clock::ClockSetup;
use super::cron::{JobKind, runs_on};
use crate::web::PlainResponse as Response;
use super::metrics::{Metrics, Snapshot};
use super::outbox::{self, Outbox};
use super::plan::{self, AccountState, PollingPolicy};
use crate::accounts::{Account, LifecycleStatus};
use crate::calendar::HolidayCalendar;
use crate::check::{CheckScope, SOURCE_ITEM_WINDOW, check_and_record};
use crate::clock::Clock;
use crate::config::{ConfigSource, LoadedConfig};
use crate::poll::{self, PollReport};
use crate::rules::{ResolvedRules, RuleContext};
use crate::store::{AccountFilter, CheckKind, DueCheck, Store, StoreError};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use xunjian_adapters::Adapter;
use xunjian_adapters::model::{OutcomeClass, Platform, Post};

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("配置无效 (invalid configuration): {0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("无法监听 {addr} (cannot listen): {source}")]
    Listen { addr: String, source: std::io::Error },
}

/// What the signal handlers ask of the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// SIGHUP: reload the configuration and the registry.
    Reload,
    /// SIGTERM / SIGINT: stop.
    Shutdown,
}

/// How `xunjian run` was started.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub clock: ClockSetup,
}

/// Everything that a reload replaces.
struct Runtime {
    loaded: LoadedConfig,
    rules: ResolvedRules,
    calendar: HolidayCalendar,
    adapters: BTreeMap<Platform, Arc<dyn Adapter>>,
    semaphores: BTreeMap<Platform, Arc<Semaphore>>,
    policy: PollingPolicy,
    outbox: Arc<Outbox>,
}

impl Runtime {
    fn build(loaded: LoadedConfig, clock: Arc<dyn Clock>) -> Result<Runtime, String> {
        let cfg = &loaded.config;
        cfg.daemon.validate()?;
        cfg.platforms.validate()?;
        let rules = cfg.rules.resolve().map_err(|e| e.to_string())?;
        let calendar = loaded.calendar().map_err(|e| e.to_string())?;
        let secrets = crate::secrets::platform_secrets().map_err(|e| e.to_string())?;
        let adapters: BTreeMap<Platform, Arc<dyn Adapter>> =
            poll::build_adapters(&cfg.platforms, &secrets, clock)?.into_iter().map(|a| (a.platform(), a)).collect();
        let semaphores =
            adapters.keys().map(|p| (*p, Arc::new(Semaphore::new(cfg.daemon.concurrency_for(*p) as usize)))).collect();
        let outbox = Arc::new(Outbox::new(&cfg.notify, &loaded.data_dir(), &cfg.general.office_name)?);
        Ok(Runtime { policy: PollingPolicy::from(&cfg.daemon), rules, calendar, adapters, semaphores, outbox, loaded })
    }

    fn platforms(&self) -> Vec<Platform> {
        self.adapters.keys().copied().collect()
    }

    fn lease(&self) -> Duration {
        Duration::from_secs(self.loaded.config.daemon.lease_secs)
    }
}

/// State shared by the loop, its tasks and the HTTP endpoint.
struct Shared {
    store: Store,
    clock: ClockSetup,
    owner: String,
    runtime: RwLock<Arc<Runtime>>,
    metrics: Metrics,
    started: Instant,
    /// Real milliseconds since `started` at the last tick.
    last_tick_ms: AtomicU64,
    tick: Duration,
    /// Platforms whose accounts have no adapter, already reported.
    reported_uncovered: Mutex<BTreeSet<String>>,
    /// The latest finished sweep (daemon clock), for `/healthz`.
    last_sweep_ms: Mutex<Option<i64>>,
    /// Per (platform, source): how often its circuit breaker had opened
    /// when last looked at, to tell the operator once per opening.
    breakers_seen: Mutex<BTreeMap<(Platform, String), u64>>,
    /// Requests one check of an account costs on each platform, as
    /// measured (a moving average of the responses per check); what the
    /// repost target checks are spaced by.
    requests_per_check: Mutex<BTreeMap<Platform, f64>>,
    /// Per platform: the repost round of its largest source at the current
    /// budget, for `/metrics` and the warning at registry changes.
    repost_rounds: Mutex<BTreeMap<Platform, RepostRound>>,
    /// Work in progress here, whose leases the heartbeat renews. A task
    /// that dies (panics, is aborted) leaves it, and its lease expires.
    inflight: Mutex<InFlight>,
    /// A finished check wakes the loop at once, so its slot is not idle
    /// until the next tick.
    wake: tokio::sync::Notify,
}

/// What `/healthz` and `/metrics` say of a platform's budget.
struct PlatformBudget {
    platform: Platform,
    requests_per_minute: u32,
    requests_per_check: f64,
    late_at_budget: Option<usize>,
    repost: Option<RepostRound>,
}

/// One round of repost target checks for a platform's largest source.
#[derive(Debug, Clone, PartialEq)]
struct RepostRound {
    source: String,
    targets: usize,
    spread: plan::TargetSpread,
    margin: TimeDelta,
}

/// How far ahead `/metrics` weighs due checks against the budget.
const LATE_HORIZON_MS: i64 = 6 * 3_600_000;

/// Before any check has been measured: a profile and a timeline.
const DEFAULT_REQUESTS_PER_CHECK: f64 = 2.0;

#[derive(Default)]
struct InFlight {
    checks: BTreeMap<i64, DueCheck>,
    jobs: BTreeSet<(JobKind, i64)>,
}

/// Removes its entries from [`Shared::inflight`] when dropped, also when
/// the task unwinds.
struct InFlightGuard<'a> {
    shared: &'a Shared,
    checks: Vec<i64>,
    job: Option<(JobKind, i64)>,
}

impl InFlightGuard<'_> {
    fn done(&mut self, check_id: i64) {
        self.checks.retain(|id| *id != check_id);
        self.shared.inflight().checks.remove(&check_id);
    }
}

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        let mut f = self.shared.inflight();
        for id in &self.checks {
            f.checks.remove(id);
        }
        if let Some(j) = &self.job {
            f.jobs.remove(j);
        }
    }
}

impl Shared {
    fn rt(&self) -> Arc<Runtime> {
        self.runtime.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.clock.now()
    }

    /// Requests one check costs on `platform` (measured, else a guess).
    fn requests_per_check(&self, platform: Platform) -> f64 {
        let m = self.requests_per_check.lock().unwrap_or_else(|p| p.into_inner());
        m.get(&platform).copied().unwrap_or(DEFAULT_REQUESTS_PER_CHECK)
    }

    fn record_requests_per_check(&self, platform: Platform, requests: usize) {
        if requests == 0 {
            return;
        }
        let mut m = self.requests_per_check.lock().unwrap_or_else(|p| p.into_inner());
        let avg = m.entry(platform).or_insert(requests as f64);
        *avg = 0.9 * *avg + 0.1 * requests as f64;
    }

    /// Per polled platform: its budget, what a check costs, how many of
    /// the next hours' checks the budget cannot decide in time, and the
    /// repost round of its largest source.
    async fn budget_view(&self, rt: &Runtime, now: DateTime<Utc>) -> Vec<PlatformBudget> {
        let rounds = self.repost_rounds.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let mut out = Vec::new();
        for (platform, adapter) in &rt.adapters {
            let budget = adapter.health().requests_per_minute;
            let clock_budget = budget_per_minute(self, rt, *platform);
            let requests_per_check = self.requests_per_check(*platform);
            let now_ms = now.timestamp_millis();
            let late_at_budget = if clock_budget <= 0.0 {
                None
            } else {
                let per_check_ms = requests_per_check * 60_000.0 / clock_budget;
                let pending = self.store.pending_deadlines(*platform, now_ms + LATE_HORIZON_MS, 20_000);
                match tokio::time::timeout(Duration::from_secs(5), pending).await {
                    Ok(Ok(pending)) => Some(plan::late_at_budget(&pending, now_ms, per_check_ms)),
                    _ => None,
                }
            };
            out.push(PlatformBudget {
                platform: *platform,
                requests_per_minute: budget,
                requests_per_check,
                late_at_budget,
                repost: rounds.get(platform).cloned(),
            });
        }
        out
    }

    fn inflight(&self) -> std::sync::MutexGuard<'_, InFlight> {
        self.inflight.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn track_checks(&self, leases: &[DueCheck]) -> InFlightGuard<'_> {
        let mut f = self.inflight();
        for l in leases {
            f.checks.insert(l.id, l.clone());
        }
        InFlightGuard { shared: self, checks: leases.iter().map(|l| l.id).collect(), job: None }
    }

    fn track_job(&self, job: JobKind, occurrence_ms: i64) -> InFlightGuard<'_> {
        self.inflight().jobs.insert((job, occurrence_ms));
        InFlightGuard { shared: self, checks: Vec::new(), job: Some((job, occurrence_ms)) }
    }

    fn mark_tick(&self) {
        self.last_tick_ms.store(self.started.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn tick_age(&self) -> Duration {
        let now = self.started.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.last_tick_ms.load(Ordering::Relaxed)))
    }

    /// The scheduler ticked recently: several missed ticks are tolerated
    /// (a slow database round trip), a stuck loop is not.
    fn alive(&self) -> bool {
        self.tick_age() <= self.tick * 5 + Duration::from_secs(15)
    }

    /// A lease taken now ends after `lease_secs` of real time, expressed on
    /// the daemon's clock (which may run fast in tests).
    fn lease_until(&self, rt: &Runtime, now: DateTime<Utc>) -> i64 {
        (now + self.clock.sim_span(rt.lease())).timestamp_millis()
    }

    /// `/healthz`: 200 `ok`; 503 `degraded` with its reasons when the
    /// daemon runs but does not work (a platform silent, the outbox stuck:
    /// see [`super::health`]); 503 `unavailable` when the scheduler is stuck
    /// or the database does not answer.
    async fn healthz(&self) -> Response {
        let rt = self.rt();
        let alive = self.alive();
        let now_ms = self.now().timestamp_millis();
        let th = super::health::Thresholds::from_config(&rt.loaded.config.daemon);
        let facts = tokio::time::timeout(Duration::from_secs(5), self.store.health_facts(now_ms, now_ms - th.check_window_ms))
            .await
            .ok()
            .and_then(Result::ok);
        let store_ok = facts.is_some();
        let last_check = if store_ok {
            self.store.daemon_gauges(now_ms).await.ok().and_then(|g| g.last_check_finished_ms)
        } else {
            None
        };
        let last_sweep = *self.last_sweep_ms.lock().unwrap_or_else(|p| p.into_inner());
        let breakers: BTreeMap<String, String> =
            rt.adapters.iter().map(|(p, a)| (p.code().to_string(), a.health().breaker.state.to_string())).collect();
        let facts = facts.unwrap_or_default();
        let mut reasons = if store_ok { super::health::assess(&facts, &th, now_ms) } else { Vec::new() };
        if !alive {
            reasons.push(super::health::Reason {
                code: "scheduler_stalled",
                platform: None,
                message: format!("调度循环已 {:.0} 秒没有运行", self.tick_age().as_secs_f64()),
            });
        }
        if !store_ok {
            reasons.push(super::health::Reason {
                code: "store_unreachable",
                platform: None,
                message: "数据库 5 秒内没有应答".to_string(),
            });
        }
        let status = match (alive && store_ok, reasons.is_empty()) {
            (false, _) => "unavailable",
            (true, true) => "ok",
            (true, false) => "degraded",
        };
        for r in &reasons {
            tracing::debug!(code = r.code, reason = %r.message, "health degraded");
        }
        let mut body = super::health::to_json(&facts, &reasons, &breakers, now_ms);
        let routes: Vec<Value> = rt
            .adapters
            .iter()
            .flat_map(|(p, a)| {
                a.health().routes.into_iter().map(move |r| {
                    serde_json::json!({
                        "platform": p.code(),
                        "route": r.route,
                        "breaker": r.breaker.state,
                        "requests_per_minute": r.requests_per_minute,
                        "requests": r.requests,
                        "last_refusal": r.breaker.last_refusal,
                    })
                })
            })
            .collect();
        body["routes"] = Value::Array(routes);
        let budgets: Vec<Value> = self
            .budget_view(&rt, self.now())
            .await
            .into_iter()
            .map(|b| {
                serde_json::json!({
                    "platform": b.platform.code(),
                    "requests_per_minute": b.requests_per_minute,
                    "requests_per_check": (b.requests_per_check * 10.0).round() / 10.0,
                    "late_at_budget": b.late_at_budget,
                    "repost_source": b.repost.as_ref().map(|r| r.source.clone()),
                    "repost_targets": b.repost.as_ref().map(|r| r.targets),
                    "repost_round_minutes": b.repost.as_ref().map(|r| (r.spread.round.num_seconds() as f64 / 6.0).round() / 10.0),
                    "repost_margin_minutes": b.repost.as_ref().map(|r| r.margin.num_minutes()),
                    "repost_round_fits": b.repost.as_ref().map(|r| r.spread.fits),
                })
            })
            .collect();
        body["budgets"] = Value::Array(budgets);
        for (k, v) in [
            ("status", serde_json::json!(status)),
            ("node", serde_json::json!(self.owner)),
            ("scheduler_alive", serde_json::json!(alive)),
            ("last_tick_age_secs", serde_json::json!(self.tick_age().as_secs_f64())),
            ("store_reachable", serde_json::json!(store_ok)),
            ("now", serde_json::json!(rfc3339(now_ms))),
            ("last_sweep", serde_json::json!(last_sweep.and_then(rfc3339))),
            ("last_check", serde_json::json!(last_check.and_then(rfc3339))),
        ] {
            body[k] = v;
        }
        Response::json(if status == "ok" { 200 } else { 503 }, &body)
    }

    async fn metrics_text(&self) -> Response {
        let rt = self.rt();
        let now = self.now();
        let gauges =
            tokio::time::timeout(Duration::from_secs(5), self.store.daemon_gauges(now.timestamp_millis())).await;
        let late_at_budget: Vec<(String, usize)> = self
            .budget_view(&rt, now)
            .await
            .into_iter()
            .filter_map(|b| Some((b.platform.code().to_string(), b.late_at_budget?)))
            .collect();
        let snap = Snapshot {
            late_at_budget,
            polled_platforms: rt.adapters.keys().map(|p| p.code().to_string()).collect(),
            breakers: rt
                .adapters
                .iter()
                .map(|(p, a)| (p.code().to_string(), a.health().breaker.state == "open"))
                .collect(),
            routes: rt
                .adapters
                .iter()
                .flat_map(|(p, a)| a.health().routes.into_iter().map(|r| (p.code().to_string(), r)))
                .collect(),
            repost_rounds: self
                .repost_rounds
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .map(|(p, r)| {
                    (
                        p.code().to_string(),
                        r.spread.round.num_milliseconds() as f64 / 60_000.0,
                        r.margin.num_milliseconds() as f64 / 60_000.0,
                    )
                })
                .collect(),
            now_ms: now.timestamp_millis(),
            last_tick_age_secs: self.tick_age().as_secs_f64(),
            scheduler_alive: self.alive(),
        };
        let gauges = match gauges {
            Ok(Ok(g)) => Some(g),
            _ => None,
        };
        Response {
            status: 200,
            content_type: "text/plain; version=0.0.4; charset=utf-8",
            body: self.metrics.render(&snap, gauges.as_ref()),
        }
    }
}

fn rfc3339(ms: i64) -> Option<String> {
    Utc.timestamp_millis_opt(ms).single().map(|t| t.with_timezone(&chrono_tz::Asia::Shanghai).to_rfc3339())
}

/// `hostname:pid`: unique among the daemons sharing one database.
fn default_owner() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_string());
    format!("{host}:{}", std::process::id())
}

fn notify(states: &[sd_notify::NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

/// The next occurrence of each scheduled job.
struct JobTimes(BTreeMap<JobKind, (String, DateTime<Utc>)>);

impl JobTimes {
    /// At start: each job's next occurrence, or — when a daemon was down at
    /// the latest one, it is at most `catch_up_hours` old and no daemon ran
    /// it — that latest one.
    async fn at_start(rt: &Runtime, store: &Store, now: DateTime<Utc>) -> Result<JobTimes, StoreError> {
        let d = &rt.loaded.config.daemon;
        let catch_up = chrono::TimeDelta::hours(i64::from(d.catch_up_hours));
        let mut out = BTreeMap::new();
        for job in JobKind::ALL {
            let spec = d.schedule.get(job);
            let Some(pattern) = spec.pattern() else { continue };
            let mut next = spec.next_after(now);
            if let Some(latest) = spec.latest_at_or_before(now)
                && now - latest <= catch_up
                && store.job_run(job.code(), latest.timestamp_millis()).await?.is_none()
            {
                tracing::info!(job = %job, occurrence = %latest.to_rfc3339(), "catching up a missed job occurrence");
                next = Some(latest);
            }
            if let Some(at) = next {
                out.insert(job, (pattern.to_string(), at));
            }
        }
        Ok(JobTimes(out))
    }

    /// After a reload: jobs whose expression changed start afresh from now.
    fn reloaded(&self, rt: &Runtime, now: DateTime<Utc>) -> JobTimes {
        let mut out = BTreeMap::new();
        for job in JobKind::ALL {
            let spec = rt.loaded.config.daemon.schedule.get(job);
            let Some(pattern) = spec.pattern() else { continue };
            let at = match self.0.get(&job) {
                Some((old, at)) if old == pattern => Some(*at),
                _ => spec.next_after(now),
            };
            if let Some(at) = at {
                out.insert(job, (pattern.to_string(), at));
            }
        }
        JobTimes(out)
    }

    /// Jobs due at `now`, each with its occurrence; their next occurrence is
    /// set after `now`, so a daemon that was suspended does not replay a
    /// backlog.
    fn take_due(&mut self, rt: &Runtime, now: DateTime<Utc>) -> Vec<(JobKind, DateTime<Utc>)> {
        let mut due = Vec::new();
        for (job, (_, at)) in self.0.iter_mut() {
            if *at <= now {
                due.push((*job, *at));
                match rt.loaded.config.daemon.schedule.get(*job).next_after(now) {
                    Some(next) => *at = next,
                    None => *at = DateTime::<Utc>::MAX_UTC,
                }
            }
        }
        due
    }
}

/// The daemon. See the module documentation.
pub struct Daemon;

impl Daemon {
    /// Runs until `control` says stop (or is closed). Start-up failures
    /// (configuration, database, the HTTP port) are errors; everything
    /// after start-up is logged and retried.
    pub async fn run(
        loaded: LoadedConfig,
        store: Store,
        opts: RunOptions,
        mut control: mpsc::Receiver<Control>,
    ) -> Result<(), DaemonError> {
        let rt = Arc::new(Runtime::build(loaded, opts.clock.clock.clone()).map_err(DaemonError::Config)?);
        let d = rt.loaded.config.daemon.clone();
        let owner = if d.node_id.trim().is_empty() { default_owner() } else { d.node_id.trim().to_string() };
        let shared = Arc::new(Shared {
            store: store.clone(),
            clock: opts.clock.clone(),
            owner: owner.clone(),
            runtime: RwLock::new(rt.clone()),
            metrics: Metrics::default(),
            started: Instant::now(),
            last_tick_ms: AtomicU64::new(0),
            tick: Duration::from_millis(d.tick_ms),
            reported_uncovered: Mutex::new(BTreeSet::new()),
            last_sweep_ms: Mutex::new(None),
            breakers_seen: Mutex::new(BTreeMap::new()),
            requests_per_check: Mutex::new(BTreeMap::new()),
            repost_rounds: Mutex::new(BTreeMap::new()),
            inflight: Mutex::new(InFlight::default()),
            wake: tokio::sync::Notify::new(),
        });
        let now = shared.now();
        tracing::info!(
            node = %owner,
            clock = %opts.clock.description,
            config = %rt.loaded.source,
            database = %crate::store::redact_url(&rt.loaded.database_url()),
            platforms = ?rt.platforms().iter().map(|p| p.code()).collect::<Vec<_>>(),
            "巡检守护进程启动 (xunjian daemon starting)"
        );
        *shared.last_sweep_ms.lock().unwrap_or_else(|p| p.into_inner()) =
            store.last_finished_job(JobKind::Sweep.code()).await?.and_then(|j| j.finished_at_ms);
        sync_registry(&shared, &rt, now).await?;

        let (stop_tx, stop_rx) = watch::channel(false);
        let mut background = JoinSet::new();
        if !d.listen.trim().is_empty() {
            let addr = d.listen.trim().to_string();
            let listener = tokio::net::TcpListener::bind(&addr)
                .await
                .map_err(|source| DaemonError::Listen { addr: addr.clone(), source })?;
            let bound = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
            tracing::info!(addr = %bound, "HTTP endpoint listening: 控制台 (console) http://{bound}/ , /healthz, /metrics");
            let s = shared.clone();
            let probe: crate::web::Probe = Arc::new(move |kind| {
                let s = s.clone();
                Box::pin(async move {
                    match kind {
                        crate::web::ProbeKind::Health => s.healthz().await,
                        crate::web::ProbeKind::Metrics => s.metrics_text().await,
                    }
                })
            });
            let console = crate::web::AppState::new(
                store.clone(),
                opts.clock.clock.clone(),
                Arc::new(crate::clock::SystemClock),
                d.console.clone(),
                Some(probe),
            )
            .with_config(Arc::new(rt.loaded.clone()));
            background.spawn(crate::web::serve(listener, console, stop_rx.clone()));
        }
        background.spawn(heartbeat_loop(shared.clone(), stop_rx.clone()));
        if let Some(every) = sd_notify::watchdog_enabled() {
            background.spawn(watchdog_loop(shared.clone(), every / 2, stop_rx.clone()));
        }

        let mut jobs = JobTimes::at_start(&rt, &store, now).await?;
        shared.mark_tick();
        notify(&[sd_notify::NotifyState::Ready, sd_notify::NotifyState::Status("running")]);
        tracing::info!(node = %owner, "ready");

        let mut tasks: JoinSet<()> = JoinSet::new();
        let mut ticker = tokio::time::interval(shared.tick);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let outbox_busy = Arc::new(AtomicBool::new(false));
        let mut last_outbox: Option<Instant> = None;
        let mut last_sync = Instant::now();
        let mut last_status = Instant::now();
        let mut store_failing = false;
        let mut health_seen: Vec<String> = Vec::new();
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = shared.wake.notified() => {}
                c = control.recv() => match c {
                    Some(Control::Reload) => {
                        if let Some(new_rt) = reload(&shared).await {
                            jobs = jobs.reloaded(&new_rt, shared.now());
                        }
                        continue;
                    }
                    Some(Control::Shutdown) | None => break,
                },
            }
            while let Some(done) = tasks.try_join_next() {
                if let Err(e) = done
                    && e.is_panic()
                {
                    tracing::error!(error = %e, "a check task panicked");
                }
            }
            shared.mark_tick();
            let rt = shared.rt();
            let now = shared.now();

            for (job, occurrence) in jobs.take_due(&rt, now) {
                let (s, r) = (shared.clone(), rt.clone());
                tasks.spawn(async move { run_job(&s, &r, job, occurrence).await });
            }

            match lease_and_spawn(&shared, &rt, now, &mut tasks).await {
                Ok(()) if store_failing => {
                    tracing::info!("database reachable again");
                    store_failing = false;
                }
                Ok(()) => {}
                Err(e) if !store_failing => {
                    tracing::error!(error = %e, "cannot lease due checks; retrying every tick");
                    store_failing = true;
                }
                Err(_) => {}
            }

            let outbox_every = Duration::from_secs(rt.loaded.config.daemon.outbox_interval_secs);
            if last_outbox.is_none_or(|t| t.elapsed() >= outbox_every) && !outbox_busy.swap(true, Ordering::AcqRel) {
                last_outbox = Some(Instant::now());
                let (s, r, busy) = (shared.clone(), rt.clone(), outbox_busy.clone());
                tasks.spawn(async move {
                    deliver(&s, &r).await;
                    busy.store(false, Ordering::Release);
                });
            }

            watch_breakers(&shared, &rt, now).await;

            if last_sync.elapsed() >= Duration::from_secs(60) {
                last_sync = Instant::now();
                if let Err(e) = sync_registry(&shared, &rt, now).await {
                    tracing::warn!(error = %e, "cannot sync the registry's accounts into the schedule");
                }
                log_health_changes(&shared, &rt, now, &mut health_seen).await;
            }
            if last_status.elapsed() >= Duration::from_secs(30) {
                last_status = Instant::now();
                let status = format!(
                    "running: {} checks done, {} fetches, clock {}",
                    shared.metrics.checks_with("done"),
                    shared.metrics.fetch_total(),
                    now.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M")
                );
                notify(&[sd_notify::NotifyState::Status(&status)]);
            }
        }

        // ---- shutdown ----
        notify(&[sd_notify::NotifyState::Stopping, sd_notify::NotifyState::Status("stopping")]);
        let rt = shared.rt();
        let grace = Duration::from_secs(rt.loaded.config.daemon.shutdown_grace_secs);
        tracing::info!(
            in_flight = tasks.len(),
            grace_secs = grace.as_secs(),
            "stopping: no new work; letting in-flight checks finish"
        );
        let drained = tokio::time::timeout(grace, async {
            while tasks.join_next().await.is_some() {
                shared.mark_tick();
            }
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                left = tasks.len(),
                "grace period over; abandoning in-flight checks (their leases are given back)"
            );
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
        let _ = stop_tx.send(true);
        background.abort_all();
        match store.release_leases(&shared.owner).await {
            Ok(n) => tracing::info!(released = n, "leases given back"),
            Err(e) => tracing::warn!(error = %e, "cannot give leases back; they expire by themselves"),
        }
        // One last delivery, so a notice planned just now does not wait for
        // the next start (or for another daemon).
        deliver(&shared, &rt).await;
        tracing::info!("stopped");
        Ok(())
    }
}

async fn heartbeat_loop(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        let rt = shared.rt();
        let every = (rt.lease() / 3).max(Duration::from_millis(100));
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        // A stuck scheduler must lose its leases to the other daemons.
        if !shared.alive() {
            continue;
        }
        let until = shared.lease_until(&rt, shared.now());
        let (checks, jobs): (Vec<DueCheck>, Vec<(JobKind, i64)>) = {
            let f = shared.inflight();
            (f.checks.values().cloned().collect(), f.jobs.iter().copied().collect())
        };
        for lease in checks {
            match shared.store.heartbeat_check(&lease, until).await {
                Ok(true) => {}
                // Finished between the snapshot above and this update.
                Ok(false) if !shared.inflight().checks.contains_key(&lease.id) => {}
                Ok(false) => tracing::warn!(
                    account = lease.account_id,
                    kind = %lease.kind.code(),
                    "lease lost while checking (it expired and another daemon took the check over)"
                ),
                Err(e) => tracing::warn!(error = %e, "lease heartbeat failed"),
            }
        }
        for (job, occurrence_ms) in jobs {
            if let Err(e) = shared.store.heartbeat_job(job.code(), occurrence_ms, &shared.owner, until).await {
                tracing::warn!(job = %job, error = %e, "job lease heartbeat failed");
            }
        }
    }
}

async fn watchdog_loop(shared: Arc<Shared>, every: Duration, mut stop: watch::Receiver<bool>) {
    let every = every.max(Duration::from_millis(100));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        // Fed only while the scheduler itself ticks: systemd restarts a
        // daemon whose loop hangs, not just one whose process died.
        if shared.alive() {
            notify(&[sd_notify::NotifyState::Watchdog]);
        } else {
            tracing::error!(
                age_secs = shared.tick_age().as_secs(),
                "scheduler not ticking; withholding the watchdog ping"
            );
        }
    }
}

/// Reloads configuration and registry. Returns the new runtime, or `None`
/// (old one kept) when the new configuration is invalid.
async fn reload(shared: &Arc<Shared>) -> Option<Arc<Runtime>> {
    notify(&[sd_notify::NotifyState::Reloading]);
    // The file the daemon started with, wherever it was found; without
    // one, the standard search again (a file may have appeared).
    let loaded = match &shared.rt().loaded.source {
        ConfigSource::File(path) => LoadedConfig::from_file(path),
        ConfigSource::Defaults => LoadedConfig::load(None),
    }
    .map_err(|e| e.to_string());
    let built = loaded.and_then(|l| Runtime::build(l, shared.clock.clock.clone()));
    let result = match built {
        Err(e) => {
            // One line, for the journal: toml's messages span several.
            let e = e.split('\n').map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" | ");
            tracing::error!(
                error = %e,
                "配置无效，已拒绝，继续使用原配置 (SIGHUP: the new configuration is invalid and was rejected; keeping the old one)"
            );
            None
        }
        Ok(new_rt) => {
            let old = shared.rt();
            if new_rt.loaded.database_url() != old.loaded.database_url() {
                tracing::warn!("the database URL changed; it takes effect at the next start");
            }
            let new_rt = Arc::new(new_rt);
            *shared.runtime.write().unwrap_or_else(|p| p.into_inner()) = new_rt.clone();
            shared.reported_uncovered.lock().unwrap_or_else(|p| p.into_inner()).clear();
            if let Err(e) = sync_registry(shared, &new_rt, shared.now()).await {
                tracing::warn!(error = %e, "cannot sync the registry after reload");
            }
            tracing::info!(
                config = %new_rt.loaded.source,
                platforms = ?new_rt.platforms().iter().map(|p| p.code()).collect::<Vec<_>>(),
                "配置已重新加载 (configuration and registry reloaded)"
            );
            Some(new_rt)
        }
    };
    notify(&[sd_notify::NotifyState::Ready]);
    result
}

/// Brings the schedule in line with the registry and says, once per
/// platform, which accounts nothing can check.
async fn sync_registry(shared: &Shared, rt: &Runtime, now: DateTime<Utc>) -> Result<(), StoreError> {
    let (added, removed) = shared.store.sync_poll_checks(&rt.platforms(), now.timestamp_millis()).await?;
    if added + removed > 0 {
        tracing::info!(added, removed, "schedule synced with the registry");
    }
    assess_repost_rounds(shared, rt).await?;
    let gauges = shared.store.daemon_gauges(now.timestamp_millis()).await?;
    let mut reported = shared.reported_uncovered.lock().unwrap_or_else(|p| p.into_inner());
    for (platform, n) in gauges.accounts_by_platform {
        let covered = Platform::from_code(&platform).is_some_and(|p| rt.adapters.contains_key(&p));
        if !covered && reported.insert(platform.clone()) {
            tracing::warn!(
                platform = %platform,
                accounts = n,
                "no adapter for this platform (or it is disabled): its accounts are not polled and show as not checked"
            );
        }
    }
    Ok(())
}

/// Leases due checks for every platform with free capacity and starts
/// them, one task per account.
async fn lease_and_spawn(
    shared: &Arc<Shared>,
    rt: &Arc<Runtime>,
    now: DateTime<Utc>,
    tasks: &mut JoinSet<()>,
) -> Result<(), StoreError> {
    for (platform, sem) in &rt.semaphores {
        let free = sem.available_permits();
        if free == 0 {
            continue;
        }
        let leases = shared
            .store
            .lease_due_checks(
                &shared.owner,
                *platform,
                now.timestamp_millis(),
                shared.lease_until(rt, now),
                free as i64,
            )
            .await?;
        let mut by_account: BTreeMap<i64, Vec<DueCheck>> = BTreeMap::new();
        for l in leases {
            by_account.entry(l.account_id).or_default().push(l);
        }
        for (_, group) in by_account {
            let permit = match sem.clone().try_acquire_owned() {
                Ok(p) => p,
                Err(_) => {
                    // Cannot happen (we leased no more than the free
                    // permits), but never run beyond the limit: give back.
                    for l in &group {
                        let _ = shared.store.fail_check(l, l.due_at_ms, "no capacity").await;
                    }
                    continue;
                }
            };
            let (s, r) = (shared.clone(), rt.clone());
            tasks.spawn(async move { run_checks(s, r, group, permit).await });
        }
    }
    Ok(())
}

async fn run_checks(shared: Arc<Shared>, rt: Arc<Runtime>, group: Vec<DueCheck>, _permit: OwnedSemaphorePermit) {
    let mut guard = shared.track_checks(&group);
    for lease in group {
        let started = shared.now();
        let label = lease.kind.label();
        let result = check_once(&shared, &rt, &lease, started).await;
        // No longer in flight before it is recorded: a heartbeat that then
        // finds the row changed knows the check finished, not that its lease
        // was lost (completing takes well under a lease).
        guard.done(lease.id);
        match result {
            Ok((next, outcome)) => {
                let now = shared.now();
                let next = next.map(|n| crate::store::NextDue {
                    due_at_ms: n.at.timestamp_millis(),
                    decide_by_ms: n.decide_by.timestamp_millis(),
                    reason: n.reason,
                });
                match shared
                    .store
                    .complete_check(&lease, next, started.timestamp_millis(), now.timestamp_millis(), &outcome)
                    .await
                {
                    Ok(true) => {
                        shared.metrics.record_check(label, "done");
                        tracing::debug!(account = lease.account_id, kind = %lease.kind.code(), %outcome, "check done");
                    }
                    Ok(false) => {
                        shared.metrics.record_check(label, "lease_lost");
                        tracing::warn!(
                            account = lease.account_id,
                            kind = %lease.kind.code(),
                            "lease lost before completion (another daemon took the check over); its run counts"
                        );
                    }
                    Err(e) => {
                        shared.metrics.record_check(label, "error");
                        tracing::error!(account = lease.account_id, error = %e, "cannot record a finished check");
                    }
                }
            }
            Err(e) => {
                shared.metrics.record_check(label, "error");
                tracing::error!(account = lease.account_id, kind = %lease.kind.code(), error = %e, "check failed; retrying later");
                let retry = shared.now() + rt.policy.retry;
                if let Err(e2) = shared.store.fail_check(&lease, retry.timestamp_millis(), &e.to_string()).await {
                    tracing::error!(error = %e2, "cannot give a failed check back; its lease will expire");
                }
            }
        }
    }
    drop(guard);
    drop(_permit);
    shared.wake.notify_one();
}

/// One check: fetch, evaluate, plan. Returns the next due time (for a
/// recurring check) and the outcome to record.
async fn check_once(
    shared: &Shared,
    rt: &Runtime,
    lease: &DueCheck,
    started: DateTime<Utc>,
) -> Result<(Option<plan::NextCheck>, String), StoreError> {
    let store = &shared.store;
    let Some(account) = store.get_account(lease.account_id).await? else {
        return Ok((None, "account_gone".into()));
    };
    if store.is_retired(account.id).await?
        || matches!(account.spec.status, LifecycleStatus::Planned | LifecycleStatus::Closed)
    {
        // No longer polled; the row goes (the next registry sync agrees).
        return Ok((None, "not_polled".into()));
    }
    let Some(adapter) = rt.adapters.get(&lease.platform) else {
        return Ok((None, "no_adapter".into()));
    };
    let clock = shared.clock.clock.as_ref();
    let report: PollReport = match lease.kind {
        CheckKind::Poll | CheckKind::Repost { .. } => {
            poll::poll_account(store, adapter.as_ref(), &account, clock).await?
        }
        CheckKind::Search => poll::search_account(store, adapter.as_ref(), &account, clock).await?,
    };
    for f in &report.fetches {
        shared.metrics.record_fetch(f);
    }
    shared.record_requests_per_check(lease.platform, report.fetches.iter().map(|f| f.responses).sum());
    let now = shared.now();
    evaluate(shared, rt, &[account.id], now).await?;
    if account.spec.is_source && rt.rules.repost_delay.enabled && report.outcome == Some(OutcomeClass::Ok) {
        schedule_repost_checks(shared, rt, &account, &report.posts, started, now).await?;
    }
    let outcome = report.outcome.map(|o| o.code().to_string()).unwrap_or_else(|| "nothing_fetched".into());
    if !lease.kind.is_recurring() {
        return Ok((None, outcome));
    }
    let outcome_class = report.outcome.unwrap_or(OutcomeClass::Ok);
    // The platform said the account is gone: until the vanished rule has
    // the second answer it needs, look again soon, not in a day.
    let gone_unconfirmed = matches!(outcome_class, OutcomeClass::NotFound | OutcomeClass::Banned)
        && store
            .list_findings(&crate::store::FindingFilter {
                states: vec![crate::store::FindingState::Open],
                rule: Some(crate::rules::RuleId::Vanished),
                account_id: Some(account.id),
            })
            .await?
            .is_empty();
    let state = AccountState {
        is_source: account.spec.is_source,
        status: account.spec.status,
        last_post_at: last_post_at(store, account.id).await?,
        outcome: outcome_class,
        gone_unconfirmed,
    };
    let next = plan::next_poll(&state, &rt.rules, &rt.policy, now);
    tracing::debug!(
        account = account.id,
        name = %account.spec.display_name,
        outcome = %outcome,
        took_ms = (now - started).num_milliseconds(),
        next = %next.at.to_rfc3339(),
        reason = next.reason,
        "polled"
    );
    Ok((Some(next), outcome))
}

/// When the account last posted, as the zombie rule counts it: an exact
/// time as given, an approximate one from when we first saw the post.
async fn last_post_at(store: &Store, account_id: i64) -> Result<Option<DateTime<Utc>>, StoreError> {
    let posts = store.latest_posts(account_id, 20, true).await?;
    Ok(posts
        .iter()
        .filter_map(|p| {
            if p.post.published_at_exact {
                Some(p.post.published_at)
            } else {
                Utc.timestamp_millis_opt(p.first_seen_at_ms).single()
            }
        })
        .max())
}

/// Runs the rules for `account_ids` and records findings and notices.
async fn evaluate(shared: &Shared, rt: &Runtime, account_ids: &[i64], now: DateTime<Utc>) -> Result<(), StoreError> {
    if account_ids.is_empty() {
        return Ok(());
    }
    // Borrowed from the store's registry: a check copies no account.
    let accounts = shared.store.registry().await?;
    let notify_cfg = &rt.loaded.config.notify;
    let office = rt.loaded.config.general.office_name.as_str();
    let planner = |t: &crate::store::FindingTransition| match accounts.get(t.finding.account_id) {
        Some(a) => crate::notify::plan_notices(notify_cfg, office, &rt.calendar, a, t),
        None => Vec::new(),
    };
    let scope = CheckScope { account_ids: Some(account_ids.to_vec()), rules: None };
    let out = check_and_record(&shared.store, &rt.rules, &rt.calendar, now, &scope, &planner).await?;
    for t in &out.transitions {
        tracing::info!(
            account = t.finding.account_id,
            rule = %t.finding.rule,
            subject = %t.finding.subject,
            event = ?t.kind,
            to = ?t.to,
            summary = %t.finding.summary_zh,
            "finding changed"
        );
    }
    Ok(())
}

/// After a source's successful check: each of its key items whose repost
/// deadline is still ahead gets a check of every target account on its
/// platform just after that deadline (once: the row's key is the item).
async fn schedule_repost_checks(
    shared: &Shared,
    rt: &Runtime,
    source: &Account,
    posts: &[Post],
    check_started: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let since = now - SOURCE_ITEM_WINDOW;
    let items: Vec<&Post> =
        posts.iter().filter(|p| !p.is_pinned && p.published_at >= since && p.published_at <= now).collect();
    if items.is_empty() {
        return Ok(());
    }
    let platform = source.spec.platform;
    let registry = shared.store.registry().await?;
    let filter = AccountFilter { platform: Some(platform), ..Default::default() };
    let targets: Vec<&Account> = registry
        .matching(&filter)
        .filter(|a| a.id != source.id && matches!(a.spec.status, LifecycleStatus::Active | LifecycleStatus::Opening))
        .collect();
    let ctx = RuleContext { now, calendar: &rt.calendar, rules: &rt.rules };
    // When each item was first seen: one seen for the first time by this
    // check after its deadline (a source outage, a captcha streak, a long
    // source interval, a restart) still gets its target checks, at once.
    let first_seen: HashMap<String, i64> = shared
        .store
        .latest_posts(source.id, 100, false)
        .await?
        .into_iter()
        .map(|p| (p.post.id, p.first_seen_at_ms))
        .collect();
    let spread = plan::spread_targets(
        targets.len(),
        shared.requests_per_check(platform),
        budget_per_minute(shared, rt, platform),
        rt.policy.margin,
    );
    for item in items {
        let deadline = match plan::repost_deadline(platform, item.published_at, &ctx) {
            Ok(at) => at,
            Err(e) => {
                tracing::warn!(post = %item.id, error = %e, "cannot compute a repost deadline (holiday calendar?)");
                continue;
            }
        };
        let first_seen_now = first_seen.get(&item.id).is_some_and(|ms| *ms >= check_started.timestamp_millis());
        let Some(start) = plan::repost_target_check(deadline, now, first_seen_now) else {
            // Seen before, when its checks were planned.
            continue;
        };
        if start == now {
            tracing::warn!(
                source = %source.spec.display_name,
                post = %item.id,
                published = %item.published_at.with_timezone(&chrono_tz::Asia::Shanghai).to_rfc3339(),
                "key item first seen after its repost deadline: its targets are checked now"
            );
        }
        let kind = CheckKind::Repost { source_account_id: source.id, post_id: item.id.clone() };
        // Every target is decided by the deadline plus the margin; their
        // checks take turns at the platform's budget from the deadline on,
        // so the round never holds the source's own polls behind it.
        let decide_by = (start + rt.policy.margin).timestamp_millis();
        let mut added = 0;
        for (i, t) in targets.iter().enumerate() {
            let due = start + spread.spacing * i32::try_from(i).unwrap_or(i32::MAX);
            if shared
                .store
                .schedule_check(t.id, platform, &kind, due.timestamp_millis(), decide_by, "repost deadline")
                .await?
            {
                added += 1;
            }
        }
        if added > 0 {
            tracing::info!(
                source = %source.spec.display_name,
                post = %item.id,
                targets = added,
                from = %start.with_timezone(&chrono_tz::Asia::Shanghai).to_rfc3339(),
                every_ms = spread.spacing.num_milliseconds(),
                "new key item: its targets are checked from its repost deadline on, one after another at the platform's budget"
            );
            if !spread.fits {
                warn_repost_round(source, platform, targets.len(), &spread, rt, budget_per_minute(shared, rt, platform));
            }
        }
    }
    Ok(())
}

/// Requests the daemon may send to `platform` per minute of its clock,
/// all egress routes together. The budget is paced on real time, so under
/// a simulated clock running `speed` times as fast a simulated minute has
/// `1 / speed` of it.
fn budget_per_minute(shared: &Shared, rt: &Runtime, platform: Platform) -> f64 {
    let per_real_minute = rt.adapters.get(&platform).map_or(0, |a| a.health().requests_per_minute);
    f64::from(per_real_minute) / shared.clock.speed.max(f64::MIN_POSITIVE)
}

fn warn_repost_round(
    source: &Account,
    platform: Platform,
    targets: usize,
    spread: &plan::TargetSpread,
    rt: &Runtime,
    budget: f64,
) {
    tracing::warn!(
        source = %source.spec.display_name,
        platform = %platform,
        targets,
        round_minutes = format!("{:.1}", spread.round.num_milliseconds() as f64 / 60_000.0),
        margin_minutes = rt.policy.margin.num_minutes(),
        budget_per_minute = format!("{budget:.1}"),
        "repost target checks cannot all be decided within the margin at this platform's budget: \
         add egress routes ([[platforms.<p>.policy.routes]]) or raise requests_per_minute; \
         until then some repost decisions come late"
    );
}

/// For each platform with sources: how long one round of target checks of
/// its largest source takes at the current budget. Kept for `/metrics`;
/// logged as a warning when it does not fit the margin, once per change.
async fn assess_repost_rounds(shared: &Shared, rt: &Runtime) -> Result<(), StoreError> {
    if !rt.rules.repost_delay.enabled {
        return Ok(());
    }
    let registry = shared.store.registry().await?;
    let mut rounds = BTreeMap::new();
    for platform in rt.adapters.keys() {
        let filter = AccountFilter { platform: Some(*platform), ..Default::default() };
        let polled: Vec<&Account> = registry
            .matching(&filter)
            .filter(|a| matches!(a.spec.status, LifecycleStatus::Active | LifecycleStatus::Opening))
            .collect();
        let Some(source) = polled.iter().find(|a| a.spec.is_source) else { continue };
        let targets = polled.len() - 1;
        let budget = budget_per_minute(shared, rt, *platform);
        let spread = plan::spread_targets(targets, shared.requests_per_check(*platform), budget, rt.policy.margin);
        let round = RepostRound { source: source.spec.display_name.clone(), targets, spread, margin: rt.policy.margin };
        let before = shared.repost_rounds.lock().unwrap_or_else(|p| p.into_inner()).get(platform).cloned();
        let changed = before.as_ref().is_none_or(|b| b.targets != round.targets || b.spread.fits != round.spread.fits);
        if changed && !spread.fits {
            warn_repost_round(source, *platform, targets, &spread, rt, budget);
        }
        rounds.insert(*platform, round);
    }
    *shared.repost_rounds.lock().unwrap_or_else(|p| p.into_inner()) = rounds;
    Ok(())
}

/// Runs one occurrence of a job if this daemon claims it.
async fn run_job(shared: &Shared, rt: &Runtime, job: JobKind, occurrence: DateTime<Utc>) {
    let now = shared.now();
    let occ_ms = occurrence.timestamp_millis();
    match shared
        .store
        .claim_job(job.code(), occ_ms, &shared.owner, now.timestamp_millis(), shared.lease_until(rt, now))
        .await
    {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::error!(job = %job, error = %e, "cannot claim a job occurrence");
            return;
        }
    }
    let _guard = shared.track_job(job, occ_ms);
    let d = &rt.loaded.config.daemon;
    let outcome: Result<String, String> = match runs_on(job, &d.workday_only, &rt.calendar, occurrence) {
        Ok(false) => Ok("skipped: not a working day".to_string()),
        other => {
            if let Err(e) = other {
                tracing::warn!(job = %job, error = %e, "the holiday calendar cannot say whether today is a working day; running the job anyway");
            }
            run_job_body(shared, rt, job, occurrence, now).await
        }
    };
    let (text, result) = match &outcome {
        Ok(t) => (t.clone(), if t.starts_with("skipped") { "skipped" } else { "ok" }),
        Err(e) => (format!("error: {e}"), "error"),
    };
    shared.metrics.record_job(job.code(), result);
    match &outcome {
        Ok(t) => tracing::info!(job = %job, occurrence = %occurrence.to_rfc3339(), outcome = %t, "job finished"),
        Err(e) => tracing::error!(job = %job, occurrence = %occurrence.to_rfc3339(), error = %e, "job failed"),
    }
    let finished = shared.now();
    if let Err(e) = shared.store.finish_job(job.code(), occ_ms, &shared.owner, finished.timestamp_millis(), &text).await
    {
        tracing::error!(job = %job, error = %e, "cannot record a finished job");
    }
    if job == JobKind::Sweep && result == "ok" {
        *shared.last_sweep_ms.lock().unwrap_or_else(|p| p.into_inner()) = Some(finished.timestamp_millis());
    }
}

/// `occurrence` is the cron time the job is for; checks it schedules are
/// due then (not at the tick that noticed it).
async fn run_job_body(
    shared: &Shared,
    rt: &Runtime,
    job: JobKind,
    occurrence: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<String, String> {
    let store = &shared.store;
    let cfg = &rt.loaded.config;
    let e = |e: StoreError| e.to_string();
    match job {
        JobKind::Sweep => {
            sync_registry(shared, rt, now).await.map_err(e)?;
            let moved =
                store.advance_checks(&CheckKind::Poll, occurrence.timestamp_millis(), "sweep").await.map_err(e)?;
            // Accounts nothing can poll are still evaluated, so their
            // coverage says "not checked" rather than nothing at all.
            let uncovered: Vec<i64> = store
                .list_accounts(&AccountFilter::default())
                .await
                .map_err(e)?
                .into_iter()
                .filter(|a| !rt.adapters.contains_key(&a.spec.platform))
                .filter(|a| !matches!(a.spec.status, LifecycleStatus::Planned | LifecycleStatus::Closed))
                .map(|a| a.id)
                .collect();
            evaluate(shared, rt, &uncovered, now).await.map_err(e)?;
            Ok(format!("{moved} checks brought forward; {} accounts without an adapter evaluated", uncovered.len()))
        }
        JobKind::PortalCheck => portal_check(shared, rt, now).await.map_err(e),
        JobKind::ImpostorSearch => {
            let searchable: Vec<Platform> = rt
                .adapters
                .iter()
                .filter(|(_, a)| a.capabilities().supports(xunjian_adapters::Capability::UserSearch))
                .map(|(p, _)| *p)
                .collect();
            let added = store
                .schedule_for_all(
                    &searchable,
                    &CheckKind::Search,
                    occurrence.timestamp_millis(),
                    occurrence.timestamp_millis() + crate::store::ROUTINE_SLACK_MS,
                    "impostor search",
                )
                .await
                .map_err(e)?;
            Ok(format!("{added} searches scheduled"))
        }
        JobKind::Digest => outbox::run_digest(store, &cfg.notify, &cfg.general.office_name, now).await,
        JobKind::Reminders => outbox::plan_reminders(store, &cfg.notify, &cfg.general.office_name, &rt.calendar, now).await,
        JobKind::Prune => {
            let policy = cfg.retention.policy(now);
            let pruned = store
                .prune_evidence(policy, now.timestamp_millis(), crate::store::PRUNE_BATCH, false)
                .await
                .map_err(e)?;
            // Never the one-time full VACUUM here: it would block the
            // daemon's own writers for as long as it takes.
            let compact = store.compact(false).await.map_err(e)?;
            if store.backend() == crate::store::Backend::Sqlite && !compact.incremental {
                tracing::warn!(
                    "数据库尚未启用增量整理，删除的证据空间不会还给磁盘：请运行一次 xunjian db prune \
                     (the database predates incremental vacuum; run `xunjian db prune` once)"
                );
            }
            Ok(format!(
                "{} evidence bodies pruned ({} bytes compressed), {} kept for findings; database {} -> {} bytes",
                pruned.bodies, pruned.gzip_bytes, pruned.kept_for_findings, compact.bytes_before, compact.bytes_after
            ))
        }
        JobKind::QuarterlyReport => {
            // The report of the quarter that closed before this occurrence
            // (the default schedule fires on each quarter's first day).
            let quarter = crate::report::Quarter::of_instant(occurrence).previous();
            let formats = crate::report::configured_formats(&cfg.report).map_err(|e| e.to_string())?;
            let out_dir = crate::report::default_out_dir(&rt.loaded);
            let files = crate::report::write_quarterly(
                store,
                cfg,
                quarter,
                &formats,
                &out_dir,
                &rt.calendar,
                &crate::report::NoProgress,
            )
            .await
            .map_err(|e| e.to_string())?;
            let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            Ok(format!("{quarter} report written: {}", names.join(", ")))
        }
    }
}

/// A platform that keeps refusing us trips its circuit breaker; its
/// accounts then show "not checked" (their fetches are recorded as
/// `blocked` without a request). Each opening is logged, and the operator
/// (`[notify] operator_recipients`, or the office's addresses) gets one notice per platform and source a day
/// across the cluster: the Message-ID names the day.
async fn watch_breakers(shared: &Shared, rt: &Runtime, now: DateTime<Utc>) {
    let mut opened = Vec::new();
    {
        let mut seen = shared.breakers_seen.lock().unwrap_or_else(|p| p.into_inner());
        for (platform, adapter) in &rt.adapters {
            let health = adapter.health();
            let mut breakers = vec![("main".to_string(), health.breaker)];
            breakers.extend(health.sources.into_iter().map(|s| (s.source.to_string(), s.breaker)));
            // With several egress routes, one blocked route is news too: it
            // is set aside while the others go on, and its budget is lost.
            if health.routes.len() > 1 {
                breakers.extend(health.routes.into_iter().map(|r| (format!("route {}", r.route), r.breaker)));
            }
            for (source, b) in breakers {
                let before = seen.insert((*platform, source.clone()), b.times_opened).unwrap_or(0);
                if b.times_opened > before && b.state == "open" {
                    opened.push((*platform, source, b));
                }
            }
        }
    }
    for (platform, source, b) in opened {
        let why = b.last_refusal.clone().unwrap_or_default();
        tracing::error!(
            platform = %platform,
            source = %source,
            refusals = b.consecutive_refusals,
            retry_in_secs = b.retry_in_secs.unwrap_or(0),
            last_refusal = %why,
            "circuit breaker open: the platform keeps refusing us; its accounts show as not checked until it recovers"
        );
        let cfg = &rt.loaded.config.notify;
        let recipients = cfg.operator_addresses();
        if recipients.is_empty() {
            continue;
        }
        let day = now.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y%m%d");
        // Message-IDs are ASCII: a route's name (often Chinese) goes in as hex.
        let label = if source == "main" {
            platform.code().to_string()
        } else {
            let ascii: String = source
                .bytes()
                .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("{b:02x}") })
                .collect();
            format!("{}-{ascii}", platform.code())
        };
        let notice = crate::store::NewNotice {
            kind: crate::store::NoticeKind::Operator,
            channel: crate::store::Channel::Email,
            recipients,
            urgent: true,
            payload: serde_json::json!({
                "v": 1,
                "type": "operator",
                "title": match source.strip_prefix("route ") {
                    Some(route) => format!("{}拒绝出口线路「{route}」的抓取，该线路已暂停", platform.display_name()),
                    None => format!("{}连续拒绝抓取，已暂停访问", platform.display_name()),
                },
                "body": match source.strip_prefix("route ") {
                    Some(route) => format!(
                        "{}连续 {} 次拒绝经出口线路「{route}」发出的请求（最近一次：{why}），该线路已暂停约 {} 秒，之后试探恢复。\n\
                         其他出口线路照常工作，但该平台的请求预算相应减少，转载等有时限的检查可能延后。\n\
                         如反复出现，请检查该线路的代理或出口地址是否被平台封禁。",
                        platform.display_name(),
                        b.consecutive_refusals,
                        b.retry_in_secs.unwrap_or(0),
                    ),
                    None => format!(
                        "{}（{source}）连续 {} 次拒绝巡检程序的请求（最近一次：{why}），已暂停访问约 {} 秒，之后试探恢复。\n\
                         暂停期间该平台账号的检查记为“未能检查”，不会据此认定违规。\n\
                         如反复出现，请检查 Cookie 等密钥是否过期，或在配置中降低该平台的请求频率。",
                        platform.display_name(),
                        b.consecutive_refusals,
                        b.retry_in_secs.unwrap_or(0),
                    ),
                },
                "url": null,
            }),
            message_id: cfg.message_id(&format!("operator-breaker-{label}-{day}")),
            due_at_ms: now.timestamp_millis(),
            finding_id: None,
            event_id: None,
        };
        match shared.store.enqueue_notice(&notice, now.timestamp_millis()).await {
            Ok(Some(id)) => {
                tracing::info!(notice = id, platform = %platform, "operator notified of the open circuit breaker")
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "cannot write the operator notice"),
        }
    }
}

/// Reads the superior portal homepage of every account in its opening
/// window, once per distinct page, then evaluates those accounts.
async fn portal_check(shared: &Shared, rt: &Runtime, now: DateTime<Utc>) -> Result<String, StoreError> {
    let rule = &rt.rules.opening_notice;
    if !rule.enabled {
        return Ok("skipped: the opening-notice rule is off".into());
    }
    let window = chrono::TimeDelta::days(i64::from(rule.days));
    let in_window = |a: &Account| {
        let start = match (a.spec.status, a.spec.opened_on) {
            (LifecycleStatus::Opening | LifecycleStatus::Active, Some(d)) => crate::rules::local_midnight(d),
            (LifecycleStatus::Opening, None) => Utc.timestamp_millis_opt(a.created_at_ms).single().unwrap_or(now),
            _ => return false,
        };
        start <= now && now < start + window
    };
    let accounts: Vec<Account> = shared
        .store
        .list_accounts(&AccountFilter::default())
        .await?
        .into_iter()
        .filter(|a| a.spec.superior_portal_url.as_deref().is_some_and(|u| !u.trim().is_empty()))
        .filter(in_window)
        .collect();
    if accounts.is_empty() {
        return Ok("no account in its opening window".into());
    }
    let label = accounts[0].spec.platform;
    let clock = shared.clock.clock.clone();
    let client = match xunjian_adapters::build_portal_client_with_clock(
        &rt.loaded.config.platforms,
        label,
        Arc::new(move || clock.now()),
    ) {
        Ok(Some(c)) => c,
        Ok(None) => return Ok("skipped: portal reading is disabled ([platforms.portal])".into()),
        Err(e) => return Ok(format!("skipped: portal client: {e}")),
    };
    let mut pages: BTreeMap<String, Platform> = BTreeMap::new();
    for a in &accounts {
        let url = a.spec.superior_portal_url.clone().unwrap_or_default().trim().to_string();
        pages.entry(url).or_insert(a.spec.platform);
    }
    let mut ok = 0;
    for (url, platform) in &pages {
        let report = poll::read_portal(&shared.store, &client, url, *platform, shared.clock.clock.as_ref()).await?;
        for f in &report.fetches {
            shared.metrics.record_fetch(f);
        }
        if report.outcome == Some(OutcomeClass::Ok) {
            ok += 1;
        }
    }
    let ids: Vec<i64> = accounts.iter().map(|a| a.id).collect();
    evaluate(shared, rt, &ids, shared.now()).await?;
    Ok(format!("{ok} of {} portal pages read for {} accounts", pages.len(), ids.len()))
}

/// Logs when the daemon becomes degraded (a platform silent, the outbox
/// stuck), once per change, and when it recovers: the journal tells what
/// `/healthz` says even when nobody polls it.
async fn log_health_changes(shared: &Shared, rt: &Runtime, now: DateTime<Utc>, seen: &mut Vec<String>) {
    let th = super::health::Thresholds::from_config(&rt.loaded.config.daemon);
    let now_ms = now.timestamp_millis();
    let Ok(facts) = shared.store.health_facts(now_ms, now_ms - th.check_window_ms).await else { return };
    let reasons = super::health::assess(&facts, &th, now_ms);
    let keys: Vec<String> =
        reasons.iter().map(|r| format!("{}:{}", r.code, r.platform.as_deref().unwrap_or_default())).collect();
    if keys == *seen {
        return;
    }
    for r in reasons.iter().filter(|r| !seen.contains(&format!("{}:{}", r.code, r.platform.as_deref().unwrap_or_default()))) {
        tracing::warn!(code = r.code, platform = r.platform.as_deref().unwrap_or(""), "降级 (degraded): {}", r.message);
    }
    if keys.is_empty() {
        tracing::info!("恢复正常 (health ok again)");
    }
    *seen = keys;
}

/// One delivery round from the outbox.
async fn deliver(shared: &Shared, rt: &Runtime) {
    match rt.outbox.send_due(&shared.store, shared.now(), &shared.owner).await {
        Ok(d) => {
            shared.metrics.record_notices("sent", d.sent);
            shared.metrics.record_notices("retrying", d.retrying);
            shared.metrics.record_notices("failed", d.failed);
            for (channel, class) in &d.failures {
                shared.metrics.record_notice_failure(channel, class);
            }
            if d.sent + d.retrying + d.failed > 0 {
                tracing::info!(sent = d.sent, retrying = d.retrying, failed = d.failed, "outbox delivered");
            }
        }
        Err(e) => tracing::error!(error = %e, "outbox delivery failed"),
    }
}
