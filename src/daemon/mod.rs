//! The daemon (`xunjian run`): schedules, adaptive polling, leases, health.
//!
//! * [`cron`]: cron expressions for the scheduled jobs (croner: POSIX
//!   weekdays, 1 = Monday; Asia/Shanghai) and the working-day filter.
//! * [`plan`]: when each account is next checked, derived from the rules'
//!   deadlines (pure functions of the facts and `now`).
//! * [`runner`]: the loop — lease due checks, poll, evaluate, run jobs,
//!   heartbeat, deliver the outbox, reload, shut down.
//! * [`metrics`], [`health`]: `/healthz` and `/metrics`, served with the
//!   office console (`crate::web`) on 127.0.0.1.
//! * [`clock`]: the injected clock, optionally simulated (fast) for tests
//!   and the simulator.

pub mod clock;
pub mod cron;
pub mod health;
pub mod metrics;
mod outbox;
pub mod plan;
pub mod runner;

pub use cron::{CronSpec, JobKind};
pub use runner::{Daemon, DaemonError, RunOptions};

use serde::Deserialize;
use std::collections::BTreeMap;
use xunjian_adapters::model::Platform;

/// `[daemon]` in the configuration. Durations named `_secs`/`_ms` of the
/// machinery (tick, leases, grace, outbox) are wall-clock; the polling
/// intervals and cron schedules are on the (possibly simulated) clock.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DaemonConfig {
    /// Address of `/healthz` and `/metrics`. Empty: no endpoint. Port 0:
    /// any free port (the bound address is logged).
    pub listen: String,
    /// This daemon's name in leases. Empty: `hostname:pid`.
    pub node_id: String,
    /// How often the scheduler looks for due work, in milliseconds.
    pub tick_ms: u64,
    /// How long a lease on a check or job lasts without a heartbeat; a
    /// daemon that dies loses its work to the others after this long.
    pub lease_secs: u64,
    /// At SIGTERM, how long in-flight checks may finish before their
    /// leases are given back.
    pub shutdown_grace_secs: u64,
    /// How often the outbox is delivered.
    pub outbox_interval_secs: u64,
    /// Checks run at once per platform, unless `concurrency` says otherwise.
    pub default_concurrency: u32,
    /// Per-platform concurrency, e.g. `{ weibo = 2 }`.
    pub concurrency: BTreeMap<Platform, u32>,
    /// Source accounts (是否源账号) are checked this often while the repost
    /// rule is on, so each key item is seen soon after it appears.
    pub source_interval_minutes: u32,
    /// The longest gap between two checks of any account.
    pub quiet_interval_hours: u32,
    /// The shortest gap between two regular checks of an account that is
    /// not a source (approaching a deadline does not poll faster than this).
    pub min_interval_minutes: u32,
    /// A check meant to decide a deadline runs this long after it.
    pub deadline_margin_minutes: u32,
    /// After a fetch that could not check (captcha, blocked, network), the
    /// account is tried again this soon.
    pub retry_minutes: u32,
    /// A job occurrence missed while no daemon ran is still run at start if
    /// it is at most this old.
    pub catch_up_hours: u32,
    /// Jobs that run only on working days (法定节假日 skipped, 调休 working
    /// Saturdays included): their cron should then say every day. The
    /// digest is not among them by default: a notice the digest does not
    /// carry goes out on its own after `[notify] digest_grace_minutes`.
    pub workday_only: Vec<JobKind>,
    /// `/healthz` and `xunjian status` report "degraded" when a polled
    /// platform has not answered for this many hours (1–720): with no
    /// network, nothing is checked although the daemon runs.
    pub health_platform_silent_hours: u32,
    /// … or when a notice due for delivery has waited this many minutes
    /// (5–10080): the mail server or a robot is down or stalls.
    pub health_outbox_stuck_minutes: u32,
    pub schedule: ScheduleConfig,
    /// `[daemon.console]`: the office console on `listen`.
    pub console: crate::web::ConsoleConfig,
    /// The console's address as the office's browsers reach it (behind a
    /// TLS front, e.g. `https://xunjian.example.gov.cn`). When set, 附件2 of
    /// the report and the notice mails link each finding to its page
    /// (`/findings/N`); empty: no links.
    pub public_url: String,
}

impl DaemonConfig {
    /// The console's page of finding `id`, when `public_url` is set.
    pub fn finding_url(&self, id: i64) -> Option<String> {
        finding_url(&self.public_url, id)
    }
}

/// `{base}/findings/{id}` (the console's route), `None` for an empty base.
pub fn finding_url(base: &str, id: i64) -> Option<String> {
    let base = base.trim().trim_end_matches('/');
    (!base.is_empty()).then(|| format!("{base}/findings/{id}"))
}

/// A `public_url` value: empty, or an absolute http(s) address without
/// query or fragment.
fn check_public_url(v: &str) -> Result<(), String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(());
    }
    let bad = |why: &str| {
        format!("[daemon] public_url = {v:?} {why}，应为控制台的访问地址，如 https://xunjian.example.gov.cn (must be an http(s) address)")
    };
    let u = url::Url::parse(v).map_err(|e| bad(&format!("不是有效的网址（{e}）")))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(bad("须以 http:// 或 https:// 开头"));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(bad("缺少主机名"));
    }
    if u.query().is_some() || u.fragment().is_some() || !u.username().is_empty() || u.password().is_some() {
        return Err(bad("不能带查询参数、锚点或用户名密码"));
    }
    Ok(())
}

impl Default for DaemonConfig {
    fn default() -> Self {
        DaemonConfig {
            listen: "127.0.0.1:9187".to_string(),
            node_id: String::new(),
            tick_ms: 1000,
            lease_secs: 120,
            shutdown_grace_secs: 20,
            outbox_interval_secs: 30,
            default_concurrency: 2,
            concurrency: BTreeMap::new(),
            source_interval_minutes: 5,
            quiet_interval_hours: 24,
            min_interval_minutes: 60,
            deadline_margin_minutes: 10,
            retry_minutes: 60,
            catch_up_hours: 6,
            workday_only: vec![JobKind::Reminders],
            health_platform_silent_hours: 6,
            health_outbox_stuck_minutes: 60,
            schedule: ScheduleConfig::default(),
            console: crate::web::ConsoleConfig::default(),
            public_url: String::new(),
        }
    }
}

/// `[daemon.schedule]`: one cron expression per job (5 fields, or 6 with
/// seconds first; weekday 1 = Monday, 0 or 7 = Sunday; Asia/Shanghai). An
/// empty string turns the job off.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleConfig {
    /// Every account's regular check is brought forward to this moment.
    pub sweep: CronSpec,
    /// Reads the superior portal homepage of each account in its opening
    /// window (opening-notice rule); daily keeps the rule's coverage.
    pub portal_check: CronSpec,
    /// Searches each account's name for impostors.
    pub impostor_search: CronSpec,
    /// The daily digest of non-urgent notices; keep it at `[notify]
    /// digest_time`.
    pub digest: CronSpec,
    /// Reminders about findings still open.
    pub reminders: CronSpec,
    /// Evidence pruning.
    pub prune: CronSpec,
    /// The quarterly report of the quarter that closed before the
    /// occurrence, in `[report] formats`, into `[report] out_dir`.
    pub quarterly_report: CronSpec,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        let spec = |s: &str| CronSpec::parse(s).expect("built-in schedule is valid");
        ScheduleConfig {
            sweep: spec("0 6 * * *"),
            portal_check: spec("0 10 * * *"),
            impostor_search: spec("0 3 * * 1"),
            digest: spec("30 8 * * *"),
            reminders: spec("0 9 * * *"),
            prune: spec("30 3 * * *"),
            quarterly_report: spec("0 9 1 1,4,7,10 *"),
        }
    }
}

impl ScheduleConfig {
    pub fn get(&self, job: JobKind) -> &CronSpec {
        match job {
            JobKind::Sweep => &self.sweep,
            JobKind::PortalCheck => &self.portal_check,
            JobKind::ImpostorSearch => &self.impostor_search,
            JobKind::Digest => &self.digest,
            JobKind::Reminders => &self.reminders,
            JobKind::Prune => &self.prune,
            JobKind::QuarterlyReport => &self.quarterly_report,
        }
    }
}

impl DaemonConfig {
    /// Checks what serde cannot (zero intervals, a listen address that is
    /// not one). Cron expressions were already checked while parsing.
    pub fn validate(&self) -> Result<(), String> {
        if !self.listen.trim().is_empty() {
            self.listen.trim().parse::<std::net::SocketAddr>().map_err(|e| {
                format!("[daemon] listen = {:?} is not an address such as 127.0.0.1:9187: {e}", self.listen)
            })?;
        }
        for (key, value) in [
            ("tick_ms", self.tick_ms),
            ("lease_secs", self.lease_secs),
            ("outbox_interval_secs", self.outbox_interval_secs),
            ("default_concurrency", u64::from(self.default_concurrency)),
            ("source_interval_minutes", u64::from(self.source_interval_minutes)),
            ("quiet_interval_hours", u64::from(self.quiet_interval_hours)),
            ("min_interval_minutes", u64::from(self.min_interval_minutes)),
            ("retry_minutes", u64::from(self.retry_minutes)),
        ] {
            if value == 0 {
                return Err(format!("[daemon] {key} must be at least 1"));
            }
        }
        for (key, value, min, max) in [
            ("health_platform_silent_hours", self.health_platform_silent_hours, 1, 720),
            ("health_outbox_stuck_minutes", self.health_outbox_stuck_minutes, 5, 10_080),
        ] {
            if !(min..=max).contains(&value) {
                return Err(format!("[daemon] {key} = {value} 超出范围，应为 {min} 到 {max} (must be {min}..={max})"));
            }
        }
        self.console.validate()?;
        check_public_url(&self.public_url)?;
        if let Some((p, _)) = self.concurrency.iter().find(|(_, n)| **n == 0) {
            return Err(format!("[daemon.concurrency] {p} must be at least 1"));
        }
        if u64::from(self.min_interval_minutes) > u64::from(self.quiet_interval_hours) * 60 {
            return Err("[daemon] min_interval_minutes must not exceed quiet_interval_hours".to_string());
        }
        Ok(())
    }

    pub fn concurrency_for(&self, p: Platform) -> u32 {
        self.concurrency.get(&p).copied().unwrap_or(self.default_concurrency).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DaemonConfig, String> {
        let c: DaemonConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        c.validate()?;
        Ok(c)
    }

    #[test]
    fn defaults_are_valid() {
        DaemonConfig::default().validate().unwrap();
        let c = parse("").unwrap();
        assert_eq!(c.listen, "127.0.0.1:9187");
        assert_eq!(c.schedule.digest.pattern(), Some("30 8 * * *"));
    }

    #[test]
    fn the_public_url_is_an_http_address_and_makes_finding_links() {
        assert_eq!(parse("").unwrap().finding_url(12), None);
        let c = parse("public_url = \"https://xunjian.example.gov.cn/console/\"").unwrap();
        assert_eq!(c.finding_url(12).as_deref(), Some("https://xunjian.example.gov.cn/console/findings/12"));
        for bad in ["ftp://x.example/", "xunjian.example.gov.cn", "https://x.example/?a=1", "javascript:alert(1)"] {
            let e = parse(&format!("public_url = {bad:?}")).unwrap_err();
            assert!(e.contains("[daemon] public_url") && e.contains(bad), "{bad}: {e}");
        }
    }

    #[test]
    fn bad_values_are_named() {
        let e = parse("[schedule]\ndigest = \"61 8 * * *\"\n").unwrap_err();
        assert!(e.contains("61 8 * * *"), "{e}");
        let e = parse("listen = \"localhost\"\n").unwrap_err();
        assert!(e.contains("listen"), "{e}");
        let e = parse("tick_ms = 0\n").unwrap_err();
        assert!(e.contains("tick_ms"), "{e}");
        let e = parse("[concurrency]\nweibo = 0\n").unwrap_err();
        assert!(e.contains("weibo"), "{e}");
        let e = parse("workday_only = [\"lunch\"]\n").unwrap_err();
        assert!(e.contains("lunch"), "{e}");
        let e = parse("health_platform_silent_hours = 0\n").unwrap_err();
        assert!(e.contains("health_platform_silent_hours") && e.contains("1 到 720"), "{e}");
        let e = parse("health_outbox_stuck_minutes = 100000\n").unwrap_err();
        assert!(e.contains("health_outbox_stuck_minutes"), "{e}");
        let e = parse("[schedul]\n").unwrap_err();
        assert!(e.contains("schedul"), "{e}");
    }

    #[test]
    fn empty_schedule_turns_a_job_off_and_concurrency_is_per_platform() {
        let c = parse("[schedule]\nprune = \"\"\n[concurrency]\nweibo = 3\n").unwrap();
        assert!(c.schedule.prune.pattern().is_none());
        assert_eq!(c.concurrency_for(Platform::Weibo), 3);
        assert_eq!(c.concurrency_for(Platform::Bilibili), 2);
    }
}
