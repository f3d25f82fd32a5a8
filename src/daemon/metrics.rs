//! `/metrics` in the Prometheus text format, hand-written: a few counters
//! and one histogram kept in memory, plus gauges read from the database at
//! scrape time (findings, outbox, coverage), so every daemon of a cluster
//! reports the same database numbers and its own fetch counters.

use crate::poll::FetchStat;
use crate::store::DaemonGauges;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use xunjian_adapters::model::OutcomeClass;

/// Upper bounds (seconds) of the fetch latency histogram: loopback answers
/// in milliseconds, a rate-limited platform in tens of seconds.
const BUCKETS: [f64; 10] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.counts[i] += 1;
            }
        }
        self.sum += secs;
        self.count += 1;
    }
}

#[derive(Debug, Default)]
struct Inner {
    /// (platform, kind, outcome) → fetches.
    fetches: BTreeMap<(String, String, String), u64>,
    /// platform → raw responses received.
    responses: BTreeMap<String, u64>,
    latency: BTreeMap<String, Histogram>,
    /// (kind, result) → checks.
    checks: BTreeMap<(String, String), u64>,
    /// (job, result) → occurrences run by this daemon.
    jobs: BTreeMap<(String, String), u64>,
    /// (result) → notices handled by this daemon's sender.
    notices: BTreeMap<String, u64>,
    /// (channel, failure class) → failed delivery attempts.
    notice_failures: BTreeMap<(String, String), u64>,
}

/// This daemon's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

/// Values known only to the running daemon, for one scrape.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Platforms the daemon polls (has an enabled adapter for).
    pub polled_platforms: Vec<String>,
    /// (platform, breaker open) per adapter.
    pub breakers: Vec<(String, bool)>,
    /// (platform, route) of every adapter's polling fetcher.
    pub routes: Vec<(String, xunjian_adapters::RouteStatus)>,
    /// (platform, estimated minutes one round of repost target checks of
    /// its largest source takes at the current budget, the margin).
    pub repost_rounds: Vec<(String, f64, f64)>,
    /// (platform, checks of the next 6 hours that the budget cannot
    /// decide by their deadlines at the current pace).
    pub late_at_budget: Vec<(String, usize)>,
    pub now_ms: i64,
    pub last_tick_age_secs: f64,
    pub scheduler_alive: bool,
}

fn esc(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn record_fetch(&self, s: &FetchStat) {
        let mut m = self.lock();
        let platform = s.platform.code().to_string();
        *m.fetches.entry((platform.clone(), s.kind.code().into(), s.outcome.code().into())).or_default() += 1;
        *m.responses.entry(platform.clone()).or_default() += s.responses as u64;
        m.latency.entry(platform).or_default().observe(s.duration.as_secs_f64());
    }

    pub fn record_check(&self, kind: &str, result: &str) {
        *self.lock().checks.entry((kind.into(), result.into())).or_default() += 1;
    }

    pub fn record_job(&self, job: &str, result: &str) {
        *self.lock().jobs.entry((job.into(), result.into())).or_default() += 1;
    }

    pub fn record_notices(&self, result: &str, n: u64) {
        if n > 0 {
            *self.lock().notices.entry(result.into()).or_default() += n;
        }
    }

    pub fn record_notice_failure(&self, channel: &str, class: &str) {
        *self.lock().notice_failures.entry((channel.into(), class.into())).or_default() += 1;
    }

    /// Fetches counted so far (for the status line and tests).
    pub fn fetch_total(&self) -> u64 {
        self.lock().fetches.values().sum()
    }

    /// Checks counted so far with `result`.
    pub fn checks_with(&self, result: &str) -> u64 {
        self.lock().checks.iter().filter(|((_, r), _)| r == result).map(|(_, n)| n).sum()
    }

    /// The exposition text.
    pub fn render(&self, snap: &Snapshot, gauges: Option<&DaemonGauges>) -> String {
        let m = self.lock();
        let mut out = String::new();
        fn head(out: &mut String, name: &str, kind: &str, help: &str) {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        }

        head(&mut out, "xunjian_fetches_total", "counter", "Fetches by platform, page kind and outcome class.");
        for ((p, k, o), n) in &m.fetches {
            let _ = writeln!(
                out,
                "xunjian_fetches_total{{platform=\"{}\",kind=\"{}\",outcome=\"{}\"}} {n}",
                esc(p),
                esc(k),
                esc(o)
            );
        }
        head(
            &mut out,
            "xunjian_responses_total",
            "counter",
            "Raw responses received (requests answered), by platform.",
        );
        for (p, n) in &m.responses {
            let _ = writeln!(out, "xunjian_responses_total{{platform=\"{}\"}} {n}", esc(p));
        }
        head(
            &mut out,
            "xunjian_fetch_duration_seconds",
            "histogram",
            "Time per fetch (including polite waits and retries).",
        );
        for (p, h) in &m.latency {
            for (i, le) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "xunjian_fetch_duration_seconds_bucket{{platform=\"{}\",le=\"{le}\"}} {}",
                    esc(p),
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "xunjian_fetch_duration_seconds_bucket{{platform=\"{}\",le=\"+Inf\"}} {}",
                esc(p),
                h.count
            );
            let _ = writeln!(out, "xunjian_fetch_duration_seconds_sum{{platform=\"{}\"}} {}", esc(p), h.sum);
            let _ = writeln!(out, "xunjian_fetch_duration_seconds_count{{platform=\"{}\"}} {}", esc(p), h.count);
        }
        head(&mut out, "xunjian_checks_total", "counter", "Due checks run by this daemon, by kind and result.");
        for ((k, r), n) in &m.checks {
            let _ = writeln!(out, "xunjian_checks_total{{kind=\"{}\",result=\"{}\"}} {n}", esc(k), esc(r));
        }
        head(
            &mut out,
            "xunjian_jobs_total",
            "counter",
            "Scheduled job occurrences run by this daemon, by job and result.",
        );
        for ((j, r), n) in &m.jobs {
            let _ = writeln!(out, "xunjian_jobs_total{{job=\"{}\",result=\"{}\"}} {n}", esc(j), esc(r));
        }
        head(&mut out, "xunjian_notices_total", "counter", "Notices this daemon delivered or failed to deliver.");
        for (r, n) in &m.notices {
            let _ = writeln!(out, "xunjian_notices_total{{result=\"{}\"}} {n}", esc(r));
        }
        head(
            &mut out,
            "xunjian_notice_delivery_failures_total",
            "counter",
            "Failed delivery attempts by this daemon, by channel and failure class (timeout: the server did not finish within [notify.smtp] timeout_secs).",
        );
        for ((c, class), n) in &m.notice_failures {
            let _ = writeln!(
                out,
                "xunjian_notice_delivery_failures_total{{channel=\"{}\",class=\"{}\"}} {n}",
                esc(c),
                esc(class)
            );
        }
        head(
            &mut out,
            "xunjian_circuit_open",
            "gauge",
            "1 while a platform's circuit breaker keeps us from sending requests.",
        );
        for (p, open) in &snap.breakers {
            let _ = writeln!(out, "xunjian_circuit_open{{platform=\"{}\"}} {}", esc(p), u8::from(*open));
        }
        head(
            &mut out,
            "xunjian_route_circuit_open",
            "gauge",
            "1 while an egress route's circuit breaker keeps it from sending (the other routes go on).",
        );
        for (p, r) in &snap.routes {
            let open = u8::from(r.breaker.state == "open");
            let _ = writeln!(out, "xunjian_route_circuit_open{{platform=\"{}\",route=\"{}\"}} {open}", esc(p), esc(&r.route));
        }
        head(&mut out, "xunjian_route_requests_total", "counter", "Requests sent by each egress route.");
        for (p, r) in &snap.routes {
            let _ = writeln!(
                out,
                "xunjian_route_requests_total{{platform=\"{}\",route=\"{}\"}} {}",
                esc(p),
                esc(&r.route),
                r.requests
            );
        }
        head(
            &mut out,
            "xunjian_route_budget_requests_per_minute",
            "gauge",
            "The politeness budget of each egress route.",
        );
        for (p, r) in &snap.routes {
            let _ = writeln!(
                out,
                "xunjian_route_budget_requests_per_minute{{platform=\"{}\",route=\"{}\"}} {}",
                esc(p),
                esc(&r.route),
                r.requests_per_minute
            );
        }
        head(
            &mut out,
            "xunjian_repost_round_minutes",
            "gauge",
            "Minutes one round of repost target checks of the platform's largest source takes at the current budget (compare with xunjian_repost_margin_minutes).",
        );
        for (p, minutes, _) in &snap.repost_rounds {
            let _ = writeln!(out, "xunjian_repost_round_minutes{{platform=\"{}\"}} {minutes:.1}", esc(p));
        }
        head(
            &mut out,
            "xunjian_checks_late_at_budget",
            "gauge",
            "Checks due to be decided within 6 hours that the platform's budget cannot reach by their deadlines, most urgent first.",
        );
        for (p, n) in &snap.late_at_budget {
            let _ = writeln!(out, "xunjian_checks_late_at_budget{{platform=\"{}\"}} {n}", esc(p));
        }
        head(&mut out, "xunjian_repost_margin_minutes", "gauge", "The window repost target checks must fit in.");
        for (p, _, margin) in &snap.repost_rounds {
            let _ = writeln!(out, "xunjian_repost_margin_minutes{{platform=\"{}\"}} {margin:.1}", esc(p));
        }
        head(&mut out, "xunjian_scheduler_alive", "gauge", "1 while the scheduler loop ticks.");
        let _ = writeln!(out, "xunjian_scheduler_alive {}", u8::from(snap.scheduler_alive));
        head(
            &mut out,
            "xunjian_scheduler_last_tick_age_seconds",
            "gauge",
            "Real seconds since the scheduler last ticked.",
        );
        let _ = writeln!(out, "xunjian_scheduler_last_tick_age_seconds {:.3}", snap.last_tick_age_secs);

        let Some(g) = gauges else {
            head(&mut out, "xunjian_store_up", "gauge", "1 when the database answered this scrape.");
            let _ = writeln!(out, "xunjian_store_up 0");
            return out;
        };
        head(&mut out, "xunjian_store_up", "gauge", "1 when the database answered this scrape.");
        let _ = writeln!(out, "xunjian_store_up 1");
        head(&mut out, "xunjian_open_findings", "gauge", "Findings in state warning, open or rectifying, by rule.");
        for (rule, state, n) in &g.open_findings {
            let _ = writeln!(out, "xunjian_open_findings{{rule=\"{}\",state=\"{}\"}} {n}", esc(rule), esc(state));
        }
        head(&mut out, "xunjian_outbox_depth", "gauge", "Notices waiting to be delivered.");
        let _ = writeln!(out, "xunjian_outbox_depth {}", g.outbox_depth);
        head(
            &mut out,
            "xunjian_outbox_oldest_age_seconds",
            "gauge",
            "Age of the oldest undelivered notice (0 when none).",
        );
        let age = g.outbox_oldest_created_ms.map_or(0.0, |c| ((snap.now_ms - c).max(0) as f64) / 1000.0);
        let _ = writeln!(out, "xunjian_outbox_oldest_age_seconds {age:.3}");
        head(
            &mut out,
            "xunjian_accounts_not_checked",
            "gauge",
            "Supervised accounts whose latest check could not check them, by reason (outcome class, never_checked, no_adapter).",
        );
        let mut reasons: BTreeMap<String, i64> = BTreeMap::new();
        for (platform, n) in &g.accounts_by_platform {
            if !snap.polled_platforms.contains(platform) {
                *reasons.entry("no_adapter".into()).or_default() += n;
            }
        }
        for (outcome, n) in &g.poll_outcomes {
            let reason = match outcome.as_deref() {
                None => "never_checked".to_string(),
                Some(code) => match OutcomeClass::from_code(code) {
                    // The platform's own answers: the account was checked.
                    Some(c) if c.is_platform_answer() => continue,
                    _ => code.to_string(),
                },
            };
            *reasons.entry(reason).or_default() += n;
        }
        for (reason, n) in &reasons {
            let _ = writeln!(out, "xunjian_accounts_not_checked{{reason=\"{}\"}} {n}", esc(reason));
        }
        head(&mut out, "xunjian_accounts", "gauge", "Supervised accounts by platform.");
        for (p, n) in &g.accounts_by_platform {
            let _ = writeln!(out, "xunjian_accounts{{platform=\"{}\"}} {n}", esc(p));
        }
        head(
            &mut out,
            "xunjian_due_checks",
            "gauge",
            "Checks whose time has come (due), and of those the leased ones.",
        );
        let _ = writeln!(out, "xunjian_due_checks{{state=\"due\"}} {}", g.due_now);
        let _ = writeln!(out, "xunjian_due_checks{{state=\"leased\"}} {}", g.leased);
        head(
            &mut out,
            "xunjian_checks_past_deadline",
            "gauge",
            "Checks not yet done whose rule should already have been decided: decisions that will be late.",
        );
        let _ = writeln!(out, "xunjian_checks_past_deadline {}", g.past_deadline);
        if let Some(next) = g.next_deadline_ms {
            head(
                &mut out,
                "xunjian_next_decision_deadline_timestamp_seconds",
                "gauge",
                "The earliest deadline of a check not yet done (daemon clock); its distance from now is the least slack.",
            );
            let _ = writeln!(out, "xunjian_next_decision_deadline_timestamp_seconds {:.3}", next as f64 / 1000.0);
        }
        if let Some(last) = g.last_check_finished_ms {
            head(
                &mut out,
                "xunjian_last_check_timestamp_seconds",
                "gauge",
                "When the latest check finished (daemon clock).",
            );
            let _ = writeln!(out, "xunjian_last_check_timestamp_seconds {:.3}", last as f64 / 1000.0);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use xunjian_adapters::model::{ObservationKind, Platform};

    #[test]
    fn renders_counters_histogram_and_gauges() {
        let m = Metrics::default();
        for (outcome, ms) in [(OutcomeClass::Ok, 30), (OutcomeClass::Ok, 700), (OutcomeClass::Captcha, 2)] {
            m.record_fetch(&FetchStat {
                platform: Platform::Weibo,
                kind: ObservationKind::Timeline,
                outcome,
                duration: Duration::from_millis(ms),
                responses: 1,
            });
        }
        m.record_check("poll", "done");
        m.record_notice_failure("email", "timeout");
        m.record_notice_failure("email", "timeout");
        let g = DaemonGauges {
            open_findings: vec![("zombie".into(), "open".into(), 2)],
            outbox_depth: 3,
            outbox_oldest_created_ms: Some(1_000),
            poll_outcomes: vec![
                (None, 1),
                (Some("captcha".into()), 2),
                (Some("ok".into()), 5),
                (Some("not_found".into()), 1),
            ],
            accounts_by_platform: vec![("wechat".into(), 4), ("weibo".into(), 9)],
            ..Default::default()
        };
        let snap = Snapshot {
            polled_platforms: vec!["weibo".into()],
            late_at_budget: vec![("weibo".into(), 3)],
            repost_rounds: vec![("weibo".into(), 62.5, 10.0)],
            now_ms: 61_000,
            scheduler_alive: true,
            ..Default::default()
        };
        let text = m.render(&snap, Some(&g));
        for line in [
            "xunjian_fetches_total{platform=\"weibo\",kind=\"timeline\",outcome=\"ok\"} 2",
            "xunjian_fetches_total{platform=\"weibo\",kind=\"timeline\",outcome=\"captcha\"} 1",
            "xunjian_fetch_duration_seconds_bucket{platform=\"weibo\",le=\"0.05\"} 2",
            "xunjian_fetch_duration_seconds_bucket{platform=\"weibo\",le=\"1\"} 3",
            "xunjian_fetch_duration_seconds_count{platform=\"weibo\"} 3",
            "xunjian_checks_total{kind=\"poll\",result=\"done\"} 1",
            "xunjian_notice_delivery_failures_total{channel=\"email\",class=\"timeout\"} 2",
            "xunjian_open_findings{rule=\"zombie\",state=\"open\"} 2",
            "xunjian_outbox_depth 3",
            "xunjian_outbox_oldest_age_seconds 60.000",
            "xunjian_accounts_not_checked{reason=\"captcha\"} 2",
            "xunjian_accounts_not_checked{reason=\"never_checked\"} 1",
            "xunjian_accounts_not_checked{reason=\"no_adapter\"} 4",
            "xunjian_scheduler_alive 1",
            "xunjian_store_up 1",
            "xunjian_checks_late_at_budget{platform=\"weibo\"} 3",
            "xunjian_repost_round_minutes{platform=\"weibo\"} 62.5",
            "xunjian_repost_margin_minutes{platform=\"weibo\"} 10.0",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
        // Platform answers (ok, not_found) are not "not checked".
        assert!(!text.contains("reason=\"ok\"") && !text.contains("reason=\"not_found\""), "{text}");
        assert!(m.render(&snap, None).contains("xunjian_store_up 0"));
    }
}
