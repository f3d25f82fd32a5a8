//! Read-only facts for `/healthz` and `xunjian status`: per platform, when
//! it last answered and how many of its accounts could not be checked; the
//! outbox's oldest waiting notice and its latest delivery failure. Judging
//! them (thresholds, words) is the daemon's business.

use super::{Result, get_i64, get_opt_i64, get_opt_string, get_string};
use xunjian_adapters::model::OutcomeClass;

/// One polled platform.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlatformFacts {
    /// Platform code (`weibo`).
    pub platform: String,
    /// Accounts with a regular check on this platform.
    pub accounts: i64,
    /// Of those, never checked yet.
    pub never_checked: i64,
    /// Of those, the latest check could not check the account (captcha,
    /// blocked, network …): the platform did not answer about it.
    pub last_check_failed: i64,
    /// Of those, no check finished at or after the window's start (never
    /// checked included).
    pub not_checked_in_window: i64,
    /// The latest observation in which the platform answered (ok, not found,
    /// banned): the last good answer.
    pub last_answer_ms: Option<i64>,
    /// The earliest observation of the platform, answered or not: since
    /// when we have been asking.
    pub first_observed_ms: Option<i64>,
}

/// The latest failed delivery of a notice still undelivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryFailureFact {
    pub notice_id: i64,
    /// Channel code (`email`, `wecom`, `dingtalk`).
    pub channel: String,
    pub at_ms: i64,
    pub error: String,
}

/// The outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxFacts {
    /// Undelivered notices whose time has come or that were already tried:
    /// a notice waiting for its planned time (digest, quiet hours) is not
    /// waiting on delivery.
    pub waiting: i64,
    pub oldest_waiting_created_ms: Option<i64>,
    /// Given up (state `failed`), kept for `notices resend`.
    pub given_up: i64,
    pub last_failure: Option<DeliveryFailureFact>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthFacts {
    /// Platforms with at least one regular check, by code.
    pub platforms: Vec<PlatformFacts>,
    pub outbox: OutboxFacts,
}

/// `'ok', 'not_found', 'banned'`: the outcome codes that are the platform's
/// own answer (fixed codes, not input).
fn answer_codes() -> String {
    OutcomeClass::ALL
        .into_iter()
        .filter(|c| c.is_platform_answer())
        .map(|c| format!("'{}'", c.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl super::Store {
    /// The facts at `now_ms`; accounts count as checked in the window when a
    /// check finished at or after `window_start_ms`.
    pub async fn health_facts(&self, now_ms: i64, window_start_ms: i64) -> Result<HealthFacts> {
        let answers = answer_codes();
        let mut facts = HealthFacts::default();
        let sql = format!(
            "SELECT platform, COUNT(*) AS n, \
             COALESCE(SUM(CASE WHEN last_outcome IS NULL THEN 1 ELSE 0 END), 0) AS never, \
             COALESCE(SUM(CASE WHEN last_outcome IS NOT NULL AND last_outcome NOT IN ({answers}) THEN 1 ELSE 0 END), 0) AS failed, \
             COALESCE(SUM(CASE WHEN last_done_at_ms IS NULL OR last_done_at_ms < $1 THEN 1 ELSE 0 END), 0) AS stale \
             FROM due_checks WHERE kind = 'poll' GROUP BY platform ORDER BY platform"
        );
        for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(window_start_ms).fetch_all(self.pool()).await? {
            facts.platforms.push(PlatformFacts {
                platform: get_string(&r, "platform")?,
                accounts: get_i64(&r, "n")?,
                never_checked: get_i64(&r, "never")?,
                last_check_failed: get_i64(&r, "failed")?,
                not_checked_in_window: get_i64(&r, "stale")?,
                ..PlatformFacts::default()
            });
        }
        // Newest first along the time index: cheap while the platform
        // answers; while it does not, the walk covers only the failures
        // since its last answer.
        let last_sql = format!(
            "SELECT observed_at_ms FROM observations WHERE platform = $1 AND outcome IN ({answers}) \
             ORDER BY observed_at_ms DESC LIMIT 1"
        );
        for p in &mut facts.platforms {
            let r = sqlx::query(sqlx::AssertSqlSafe(last_sql.clone()))
                .bind(&p.platform)
                .fetch_optional(self.pool())
                .await?;
            p.last_answer_ms = r.map(|r| get_i64(&r, "observed_at_ms")).transpose()?;
            let r = sqlx::query(
                "SELECT observed_at_ms FROM observations WHERE platform = $1 ORDER BY observed_at_ms LIMIT 1",
            )
            .bind(&p.platform)
            .fetch_optional(self.pool())
            .await?;
            p.first_observed_ms = r.map(|r| get_i64(&r, "observed_at_ms")).transpose()?;
        }
        let r = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(created_at_ms) AS oldest FROM notices \
             WHERE state IN ('pending', 'sending') AND (due_at_ms <= $1 OR attempts > 0)",
        )
        .bind(now_ms)
        .fetch_one(self.pool())
        .await?;
        facts.outbox.waiting = get_i64(&r, "n")?;
        facts.outbox.oldest_waiting_created_ms = get_opt_i64(&r, "oldest")?;
        let r = sqlx::query("SELECT COUNT(*) AS n FROM notices WHERE state = 'failed'").fetch_one(self.pool()).await?;
        facts.outbox.given_up = get_i64(&r, "n")?;
        let r = sqlx::query(
            "SELECT id, channel, last_attempt_at_ms, last_error FROM notices \
             WHERE state IN ('pending', 'sending', 'failed') AND last_error IS NOT NULL AND last_attempt_at_ms IS NOT NULL \
             ORDER BY last_attempt_at_ms DESC, id DESC LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?;
        if let Some(r) = r {
            facts.outbox.last_failure = Some(DeliveryFailureFact {
                notice_id: get_i64(&r, "id")?,
                channel: get_string(&r, "channel")?,
                at_ms: get_opt_i64(&r, "last_attempt_at_ms")?.unwrap_or_default(),
                error: get_opt_string(&r, "last_error")?.unwrap_or_default(),
            });
        }
        Ok(facts)
    }
}
