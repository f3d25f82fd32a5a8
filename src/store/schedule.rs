//! The daemon's schedule: due checks leased by daemons, scheduled job
//! occurrences claimed once across the cluster, and the gauges `/metrics`
//! shows.
//!
//! Leasing is one statement on both backends: `WITH picked AS MATERIALIZED
//! (SELECT … ORDER BY decide_by LIMIT n) UPDATE … FROM picked RETURNING …`.
//! PostgreSQL adds `FOR UPDATE SKIP LOCKED` to the picking select, so
//! concurrent daemons never wait on (or take) each other's rows. SQLite runs
//! one node; its single statement is a write that holds the database lock
//! for its duration.
//!
//! Every lease bumps `lease_token`; completing or failing a check names the
//! token it was given, so a daemon that stalled past its lease (and whose
//! row another daemon took over) cannot record the check a second time.

use super::{Backend, Result, Store, StoreError, get_i64, get_opt_i64, get_opt_string, get_string};
use sqlx::any::AnyRow;
use xunjian_adapters::model::Platform;

/// What a due check does.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckKind {
    /// The regular check of an account (profile + timeline), rescheduled
    /// after every run.
    Poll,
    /// An impostor search for the account's name; one-shot.
    Search,
    /// A check of a target account just after the repost deadline of a key
    /// item of a source account; one-shot.
    Repost { source_account_id: i64, post_id: String },
}

impl CheckKind {
    pub fn code(&self) -> String {
        match self {
            CheckKind::Poll => "poll".to_string(),
            CheckKind::Search => "search".to_string(),
            CheckKind::Repost { source_account_id, post_id } => format!("repost:{source_account_id}:{post_id}"),
        }
    }

    pub fn from_code(s: &str) -> Option<CheckKind> {
        match s {
            "poll" => Some(CheckKind::Poll),
            "search" => Some(CheckKind::Search),
            _ => {
                let rest = s.strip_prefix("repost:")?;
                let (source, post) = rest.split_once(':')?;
                Some(CheckKind::Repost { source_account_id: source.parse().ok()?, post_id: post.to_string() })
            }
        }
    }

    /// The label used in logs and metrics (no per-item detail).
    pub fn label(&self) -> &'static str {
        match self {
            CheckKind::Poll => "poll",
            CheckKind::Search => "search",
            CheckKind::Repost { .. } => "repost",
        }
    }

    /// Recurring kinds keep their row and get a new due time; one-shot kinds
    /// are deleted when done.
    pub fn is_recurring(&self) -> bool {
        matches!(self, CheckKind::Poll)
    }
}

/// A due check as stored (and, when returned by a lease, as leased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCheck {
    pub id: i64,
    pub account_id: i64,
    pub platform: Platform,
    pub kind: CheckKind,
    pub due_at_ms: i64,
    /// By when the rule this check serves must be decided: of the checks
    /// due, the one with the earliest is leased first.
    pub decide_by_ms: i64,
    pub reason: String,
    pub lease_owner: Option<String>,
    pub lease_until_ms: Option<i64>,
    pub lease_token: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub last_done_at_ms: Option<i64>,
    pub last_outcome: Option<String>,
}

/// One completed check (the completion log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRun {
    pub account_id: i64,
    pub kind: String,
    pub due_at_ms: i64,
    pub owner: String,
    pub started_at_ms: i64,
    pub finished_at_ms: i64,
    pub outcome: String,
}

/// One occurrence of a scheduled job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    pub job: String,
    pub occurrence_ms: i64,
    pub owner: String,
    pub started_at_ms: i64,
    pub lease_until_ms: i64,
    pub attempts: i64,
    pub finished_at_ms: Option<i64>,
    pub outcome: Option<String>,
}

/// What `/metrics` reads from the database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaemonGauges {
    /// (rule, state, count) of findings in state `warning` or `open`.
    pub open_findings: Vec<(String, String, i64)>,
    /// Notices not yet delivered (pending or being sent).
    pub outbox_depth: i64,
    pub outbox_oldest_created_ms: Option<i64>,
    /// (last outcome of the account's regular check, accounts); `None` = never checked.
    pub poll_outcomes: Vec<(Option<String>, i64)>,
    /// Accounts under supervision per platform (not retired).
    pub accounts_by_platform: Vec<(String, i64)>,
    /// Due checks whose time has come, leased or not.
    pub due_now: i64,
    pub leased: i64,
    /// Checks not yet done whose rule should have been decided by now
    /// (`decide_by_ms` passed): decisions that will be late.
    pub past_deadline: i64,
    /// The earliest deadline among checks not yet done (the least slack).
    pub next_deadline_ms: Option<i64>,
    /// The latest completed check.
    pub last_check_finished_ms: Option<i64>,
}

const DUE_COLUMNS: &str = "id, account_id, platform, kind, due_at_ms, decide_by_ms, reason, lease_owner, lease_until_ms, \
     lease_token, attempts, last_error, last_done_at_ms, last_outcome";

fn due_from_row(r: &AnyRow) -> Result<DueCheck> {
    let platform = get_string(r, "platform")?;
    let kind = get_string(r, "kind")?;
    Ok(DueCheck {
        id: get_i64(r, "id")?,
        account_id: get_i64(r, "account_id")?,
        platform: Platform::from_code(&platform)
            .ok_or(StoreError::BadValue { column: "due_checks.platform", value: platform })?,
        kind: CheckKind::from_code(&kind).ok_or(StoreError::BadValue { column: "due_checks.kind", value: kind })?,
        due_at_ms: get_i64(r, "due_at_ms")?,
        decide_by_ms: get_i64(r, "decide_by_ms")?,
        reason: get_string(r, "reason")?,
        lease_owner: get_opt_string(r, "lease_owner")?,
        lease_until_ms: get_opt_i64(r, "lease_until_ms")?,
        lease_token: get_i64(r, "lease_token")?,
        attempts: get_i64(r, "attempts")?,
        last_error: get_opt_string(r, "last_error")?,
        last_done_at_ms: get_opt_i64(r, "last_done_at_ms")?,
        last_outcome: get_opt_string(r, "last_outcome")?,
    })
}

const JOB_COLUMNS: &str = "job, occurrence_ms, owner, started_at_ms, lease_until_ms, attempts, finished_at_ms, outcome";

fn job_from_row(r: &AnyRow) -> Result<JobRun> {
    Ok(JobRun {
        job: get_string(r, "job")?,
        occurrence_ms: get_i64(r, "occurrence_ms")?,
        owner: get_string(r, "owner")?,
        started_at_ms: get_i64(r, "started_at_ms")?,
        lease_until_ms: get_i64(r, "lease_until_ms")?,
        attempts: get_i64(r, "attempts")?,
        finished_at_ms: get_opt_i64(r, "finished_at_ms")?,
        outcome: get_opt_string(r, "outcome")?,
    })
}

/// The slack of a routine look: decided within a day of falling due.
pub const ROUTINE_SLACK_MS: i64 = 86_400_000;

/// Moves a not-leased check earlier (due time and deadline, each only
/// earlier; the reason goes with the due time). Every right-hand side reads
/// the row as it was.
pub(super) const BRING_FORWARD: &str = "UPDATE due_checks SET \
     due_at_ms = CASE WHEN due_at_ms > $1 THEN $1 ELSE due_at_ms END, \
     decide_by_ms = CASE WHEN decide_by_ms > $2 THEN $2 ELSE decide_by_ms END, \
     reason = CASE WHEN due_at_ms > $1 THEN $3 ELSE reason END \
     WHERE account_id = $4 AND kind = $5 AND (due_at_ms > $1 OR decide_by_ms > $2) AND lease_owner IS NULL";

/// When a recurring check is next due, by when it must be decided, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextDue<'a> {
    pub due_at_ms: i64,
    pub decide_by_ms: i64,
    pub reason: &'a str,
}

/// Error texts are kept short in the table: they are for people scanning a
/// list, the full story is in the log.
fn short(s: &str) -> String {
    s.chars().take(500).collect()
}

impl Store {
    /// Gives every supervised account on `platforms` (not retired, not
    /// planned or closed: those are not polled) a regular check, due at
    /// `now_ms` when it has none, and removes the checks of accounts no
    /// longer polled and of platforms without an adapter. Returns (added,
    /// removed). Run at start, on reload, and from time to time so accounts
    /// imported meanwhile are picked up.
    pub async fn sync_poll_checks(&self, platforms: &[Platform], now_ms: i64) -> Result<(u64, u64)> {
        let mut added = 0;
        for p in platforms {
            added += sqlx::query(
                "INSERT INTO due_checks (account_id, platform, kind, due_at_ms, decide_by_ms, reason) \
                 SELECT id, platform, 'poll', $1, $2, 'new' FROM accounts \
                 WHERE retired_at_ms IS NULL AND status NOT IN ('planned', 'closed') AND platform = $3 \
                 ON CONFLICT (account_id, kind) DO NOTHING",
            )
            .bind(now_ms)
            // A new account's first look is routine: within the day.
            .bind(now_ms + ROUTINE_SLACK_MS)
            .bind(p.code())
            .execute(self.pool())
            .await?
            .rows_affected();
        }
        let mut removed = sqlx::query(
            "DELETE FROM due_checks WHERE account_id IN \
             (SELECT id FROM accounts WHERE retired_at_ms IS NOT NULL OR status IN ('planned', 'closed'))",
        )
        .execute(self.pool())
        .await?
        .rows_affected();
        let present = sqlx::query("SELECT DISTINCT platform FROM due_checks").fetch_all(self.pool()).await?;
        for row in &present {
            let code = get_string(row, "platform")?;
            if !platforms.iter().any(|p| p.code() == code) {
                removed += sqlx::query("DELETE FROM due_checks WHERE platform = $1")
                    .bind(&code)
                    .execute(self.pool())
                    .await?
                    .rows_affected();
            }
        }
        Ok((added, removed))
    }

    /// Adds a check due at `due_at_ms`, to be decided by `decide_by_ms`,
    /// unless the account already has one of that kind (then the earlier
    /// due time and the earlier deadline win). Returns whether a row was
    /// added.
    pub async fn schedule_check(
        &self,
        account_id: i64,
        platform: Platform,
        kind: &CheckKind,
        due_at_ms: i64,
        decide_by_ms: i64,
        reason: &str,
    ) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO due_checks (account_id, platform, kind, due_at_ms, decide_by_ms, reason) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, kind) DO NOTHING",
        )
        .bind(account_id)
        .bind(platform.code())
        .bind(kind.code())
        .bind(due_at_ms)
        .bind(decide_by_ms)
        .bind(reason)
        .execute(self.pool())
        .await?
        .rows_affected();
        if inserted == 0 {
            self.bring_forward(account_id, kind, due_at_ms, decide_by_ms, reason).await?;
        }
        Ok(inserted > 0)
    }

    /// Moves an account's not-leased check of `kind` to the earlier of its
    /// due time and `due_at_ms`, and of its deadline and `decide_by_ms`.
    pub async fn bring_forward(
        &self,
        account_id: i64,
        kind: &CheckKind,
        due_at_ms: i64,
        decide_by_ms: i64,
        reason: &str,
    ) -> Result<u64> {
        Ok(sqlx::query(BRING_FORWARD)
            .bind(due_at_ms)
            .bind(decide_by_ms)
            .bind(reason)
            .bind(account_id)
            .bind(kind.code())
            .execute(self.pool())
            .await?
            .rows_affected())
    }

    /// Brings every not-leased check of `kind` due later than `due_at_ms`
    /// forward to it (the full sweep). Returns how many moved.
    pub async fn advance_checks(&self, kind: &CheckKind, due_at_ms: i64, reason: &str) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE due_checks SET due_at_ms = $1, reason = $2 \
             WHERE kind = $3 AND due_at_ms > $1 AND lease_owner IS NULL",
        )
        .bind(due_at_ms)
        .bind(reason)
        .bind(kind.code())
        .execute(self.pool())
        .await?
        .rows_affected())
    }

    /// Gives every supervised account on `platforms` a check of `kind` due
    /// at `due_at_ms`, to be decided by `decide_by_ms` (the impostor search
    /// sweep). Returns how many were added.
    pub async fn schedule_for_all(
        &self,
        platforms: &[Platform],
        kind: &CheckKind,
        due_at_ms: i64,
        decide_by_ms: i64,
        reason: &str,
    ) -> Result<u64> {
        let mut added = 0;
        for p in platforms {
            added += sqlx::query(
                "INSERT INTO due_checks (account_id, platform, kind, due_at_ms, decide_by_ms, reason) \
                 SELECT id, platform, $1, $2, $5, $3 FROM accounts \
                 WHERE retired_at_ms IS NULL AND status NOT IN ('planned', 'closed') AND platform = $4 \
                 ON CONFLICT (account_id, kind) DO NOTHING",
            )
            .bind(kind.code())
            .bind(due_at_ms)
            .bind(reason)
            .bind(p.code())
            .bind(decide_by_ms)
            .execute(self.pool())
            .await?
            .rows_affected();
        }
        Ok(added)
    }

    /// Leases up to `limit` checks of `platform` that are due at `now_ms` and
    /// not leased (or whose lease expired: the holder died), the earliest
    /// deadline (`decide_by_ms`) first — deadline first, not arrival first:
    /// a backlog of routine looks never delays a repost decision — until `lease_until_ms`. An account with a check under a live
    /// lease is skipped: two daemons never check one account at once. (One
    /// call may return two checks of one account; run those one after the
    /// other.)
    pub async fn lease_due_checks(
        &self,
        owner: &str,
        platform: Platform,
        now_ms: i64,
        lease_until_ms: i64,
        limit: i64,
    ) -> Result<Vec<DueCheck>> {
        if limit <= 0 {
            return Ok(Vec::new());
        }
        // Only the locking clause differs between the backends.
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        // The rows are picked once, in a materialized CTE: with the picking
        // subquery inside `WHERE id IN (…)` PostgreSQL may run it again
        // while updating, and with SKIP LOCKED each run can skip to further
        // rows, leasing more than `limit` (the notices outbox met this).
        // The lease condition is repeated on the UPDATE, so a row changed by
        // another daemon after the scan is judged by its latest version.
        let sql = format!(
            "WITH picked AS MATERIALIZED (SELECT id AS pick_id FROM due_checks \
               WHERE platform = $1 AND due_at_ms <= $2 AND (lease_until_ms IS NULL OR lease_until_ms < $2) \
               AND account_id NOT IN (SELECT account_id FROM due_checks WHERE lease_until_ms >= $2) \
               ORDER BY decide_by_ms, id LIMIT $3{lock}) \
             UPDATE due_checks SET lease_owner = $4, lease_until_ms = $5, lease_token = lease_token + 1, \
               attempts = attempts + 1 \
             FROM picked WHERE due_checks.id = picked.pick_id \
               AND (due_checks.lease_until_ms IS NULL OR due_checks.lease_until_ms < $2) \
             RETURNING {DUE_COLUMNS}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(platform.code())
            .bind(now_ms)
            .bind(limit)
            .bind(owner)
            .bind(lease_until_ms)
            .fetch_all(self.pool())
            .await?;
        let mut out = rows.iter().map(due_from_row).collect::<Result<Vec<_>>>()?;
        // RETURNING keeps no order on SQLite.
        out.sort_by_key(|d| (d.decide_by_ms, d.id));
        Ok(out)
    }

    /// Extends the lease on one check being worked on to `lease_until_ms`.
    /// False when the lease is no longer ours (it expired and another
    /// daemon took the check over). Only checks actually in progress are
    /// extended: a task that died leaves its lease to expire.
    pub async fn heartbeat_check(&self, lease: &DueCheck, lease_until_ms: i64) -> Result<bool> {
        let Some(owner) = lease.lease_owner.as_deref() else { return Ok(false) };
        let n = sqlx::query(
            "UPDATE due_checks SET lease_until_ms = $1 WHERE id = $2 AND lease_owner = $3 AND lease_token = $4",
        )
        .bind(lease_until_ms)
        .bind(lease.id)
        .bind(owner)
        .bind(lease.lease_token)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    /// Extends the lease on one job occurrence being run. False when it is
    /// no longer `owner`'s or already finished.
    pub async fn heartbeat_job(&self, job: &str, occurrence_ms: i64, owner: &str, lease_until_ms: i64) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE job_runs SET lease_until_ms = $1 \
             WHERE job = $2 AND occurrence_ms = $3 AND owner = $4 AND finished_at_ms IS NULL",
        )
        .bind(lease_until_ms)
        .bind(job)
        .bind(occurrence_ms)
        .bind(owner)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    /// Records a leased check as done: a recurring check gets `next` (due
    /// time, reason), a one-shot check is removed, and the run is logged —
    /// all only if `lease` (owner and token) still holds. Returns false when
    /// the lease was lost (it expired and another daemon took the check):
    /// then nothing is written, and that daemon's run counts.
    pub async fn complete_check(
        &self,
        lease: &DueCheck,
        next: Option<NextDue<'_>>,
        started_at_ms: i64,
        now_ms: i64,
        outcome: &str,
    ) -> Result<bool> {
        let Some(owner) = lease.lease_owner.as_deref() else { return Ok(false) };
        let mut tx = self.pool().begin().await?;
        // A write first, so a SQLite transaction holds the lock from the start.
        let changed = match next {
            Some(next) => sqlx::query(
                "UPDATE due_checks SET lease_owner = NULL, lease_until_ms = NULL, attempts = 0, last_error = NULL, \
                 last_done_at_ms = $1, last_outcome = $2, due_at_ms = $3, reason = $4, decide_by_ms = $8 \
                 WHERE id = $5 AND lease_owner = $6 AND lease_token = $7",
            )
            .bind(now_ms)
            .bind(outcome)
            .bind(next.due_at_ms)
            .bind(next.reason)
            .bind(lease.id)
            .bind(owner)
            .bind(lease.lease_token)
            .bind(next.decide_by_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
            None => sqlx::query("DELETE FROM due_checks WHERE id = $1 AND lease_owner = $2 AND lease_token = $3")
                .bind(lease.id)
                .bind(owner)
                .bind(lease.lease_token)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
        };
        if changed == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO check_runs (account_id, kind, due_at_ms, owner, started_at_ms, finished_at_ms, outcome) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(lease.account_id)
        .bind(lease.kind.code())
        .bind(lease.due_at_ms)
        .bind(owner)
        .bind(started_at_ms)
        .bind(now_ms)
        .bind(outcome)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Gives a leased check back after an internal error, to be retried at
    /// `retry_at_ms`. Returns false when the lease was lost.
    pub async fn fail_check(&self, lease: &DueCheck, retry_at_ms: i64, error: &str) -> Result<bool> {
        let Some(owner) = lease.lease_owner.as_deref() else { return Ok(false) };
        let n = sqlx::query(
            "UPDATE due_checks SET lease_owner = NULL, lease_until_ms = NULL, due_at_ms = $1, last_error = $2 \
             WHERE id = $3 AND lease_owner = $4 AND lease_token = $5",
        )
        .bind(retry_at_ms)
        .bind(short(error))
        .bind(lease.id)
        .bind(owner)
        .bind(lease.lease_token)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    /// Gives back everything `owner` holds (at shutdown), so other daemons
    /// need not wait for the leases to expire. A released check's lease
    /// does not count as an attempt. Returns how many checks were released.
    pub async fn release_leases(&self, owner: &str) -> Result<u64> {
        let n = sqlx::query(
            "UPDATE due_checks SET lease_owner = NULL, lease_until_ms = NULL, \
             attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END WHERE lease_owner = $1",
        )
        .bind(owner)
        .execute(self.pool())
        .await?
        .rows_affected();
        sqlx::query("UPDATE job_runs SET lease_until_ms = 0 WHERE owner = $1 AND finished_at_ms IS NULL")
            .bind(owner)
            .execute(self.pool())
            .await?;
        Ok(n)
    }

    /// `(due_at_ms, decide_by_ms)` of `platform`'s checks to be decided by
    /// `until_ms`, most urgent first, at most `limit`: what the daemon
    /// weighs against its budget ("how many will be late").
    pub async fn pending_deadlines(&self, platform: Platform, until_ms: i64, limit: i64) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query(
            "SELECT due_at_ms, decide_by_ms FROM due_checks WHERE platform = $1 AND decide_by_ms <= $2 \
             ORDER BY decide_by_ms, id LIMIT $3",
        )
        .bind(platform.code())
        .bind(until_ms)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok((get_i64(r, "due_at_ms")?, get_i64(r, "decide_by_ms")?))).collect()
    }

    /// Due checks, optionally of one account, by due time.
    pub async fn due_checks(&self, account_id: Option<i64>) -> Result<Vec<DueCheck>> {
        let rows = match account_id {
            Some(id) => {
                let sql = format!("SELECT {DUE_COLUMNS} FROM due_checks WHERE account_id = $1 ORDER BY due_at_ms, id");
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(self.pool()).await?
            }
            None => {
                let sql = format!("SELECT {DUE_COLUMNS} FROM due_checks ORDER BY due_at_ms, id");
                sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(self.pool()).await?
            }
        };
        rows.iter().map(due_from_row).collect()
    }

    /// The completion log, optionally of one account, oldest first.
    pub async fn check_runs(&self, account_id: Option<i64>) -> Result<Vec<CheckRun>> {
        const COLS: &str = "account_id, kind, due_at_ms, owner, started_at_ms, finished_at_ms, outcome";
        let rows = match account_id {
            Some(id) => {
                let sql = format!("SELECT {COLS} FROM check_runs WHERE account_id = $1 ORDER BY finished_at_ms, id");
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(self.pool()).await?
            }
            None => {
                let sql = format!("SELECT {COLS} FROM check_runs ORDER BY finished_at_ms, id");
                sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(self.pool()).await?
            }
        };
        rows.iter()
            .map(|r| {
                Ok(CheckRun {
                    account_id: get_i64(r, "account_id")?,
                    kind: get_string(r, "kind")?,
                    due_at_ms: get_i64(r, "due_at_ms")?,
                    owner: get_string(r, "owner")?,
                    started_at_ms: get_i64(r, "started_at_ms")?,
                    finished_at_ms: get_i64(r, "finished_at_ms")?,
                    outcome: get_string(r, "outcome")?,
                })
            })
            .collect()
    }

    /// Claims one occurrence of a scheduled job for `owner`: true for the
    /// first daemon to ask, or for one taking over an unfinished occurrence
    /// whose holder's lease expired; false otherwise.
    pub async fn claim_job(
        &self,
        job: &str,
        occurrence_ms: i64,
        owner: &str,
        now_ms: i64,
        lease_until_ms: i64,
    ) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO job_runs (job, occurrence_ms, owner, started_at_ms, lease_until_ms) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (job, occurrence_ms) DO NOTHING RETURNING job",
        )
        .bind(job)
        .bind(occurrence_ms)
        .bind(owner)
        .bind(now_ms)
        .bind(lease_until_ms)
        .fetch_optional(self.pool())
        .await?;
        if inserted.is_some() {
            return Ok(true);
        }
        let taken = sqlx::query(
            "UPDATE job_runs SET owner = $1, started_at_ms = $2, lease_until_ms = $3, attempts = attempts + 1 \
             WHERE job = $4 AND occurrence_ms = $5 AND finished_at_ms IS NULL AND lease_until_ms < $2 \
             RETURNING job",
        )
        .bind(owner)
        .bind(now_ms)
        .bind(lease_until_ms)
        .bind(job)
        .bind(occurrence_ms)
        .fetch_optional(self.pool())
        .await?;
        Ok(taken.is_some())
    }

    /// Marks a claimed occurrence finished. False when `owner` no longer
    /// holds it.
    pub async fn finish_job(
        &self,
        job: &str,
        occurrence_ms: i64,
        owner: &str,
        now_ms: i64,
        outcome: &str,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE job_runs SET finished_at_ms = $1, outcome = $2 \
             WHERE job = $3 AND occurrence_ms = $4 AND owner = $5 AND finished_at_ms IS NULL",
        )
        .bind(now_ms)
        .bind(short(outcome))
        .bind(job)
        .bind(occurrence_ms)
        .bind(owner)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    pub async fn job_run(&self, job: &str, occurrence_ms: i64) -> Result<Option<JobRun>> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM job_runs WHERE job = $1 AND occurrence_ms = $2");
        let row =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(job).bind(occurrence_ms).fetch_optional(self.pool()).await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// The latest finished occurrence of `job` (e.g. the last full sweep).
    pub async fn last_finished_job(&self, job: &str) -> Result<Option<JobRun>> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM job_runs WHERE job = $1 AND finished_at_ms IS NOT NULL \
             ORDER BY occurrence_ms DESC LIMIT 1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(job).fetch_optional(self.pool()).await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// All occurrences of `job`, oldest first.
    pub async fn job_runs(&self, job: &str) -> Result<Vec<JobRun>> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM job_runs WHERE job = $1 ORDER BY occurrence_ms");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(job).fetch_all(self.pool()).await?;
        rows.iter().map(job_from_row).collect()
    }

    /// A cheap round trip, for `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").fetch_one(self.pool()).await?;
        Ok(())
    }

    /// The numbers `/metrics` shows that live in the database.
    pub async fn daemon_gauges(&self, now_ms: i64) -> Result<DaemonGauges> {
        let mut g = DaemonGauges::default();
        for r in sqlx::query(
            "SELECT rule, state, COUNT(*) AS n FROM findings WHERE state IN ('warning', 'open', 'rectifying') \
             GROUP BY rule, state ORDER BY rule, state",
        )
        .fetch_all(self.pool())
        .await?
        {
            g.open_findings.push((get_string(&r, "rule")?, get_string(&r, "state")?, get_i64(&r, "n")?));
        }
        let r = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(created_at_ms) AS oldest FROM notices WHERE state IN ('pending', 'sending')",
        )
        .fetch_one(self.pool())
        .await?;
        g.outbox_depth = get_i64(&r, "n")?;
        g.outbox_oldest_created_ms = get_opt_i64(&r, "oldest")?;
        for r in
            sqlx::query("SELECT last_outcome, COUNT(*) AS n FROM due_checks WHERE kind = 'poll' GROUP BY last_outcome")
                .fetch_all(self.pool())
                .await?
        {
            g.poll_outcomes.push((get_opt_string(&r, "last_outcome")?, get_i64(&r, "n")?));
        }
        g.poll_outcomes.sort();
        for r in sqlx::query(
            "SELECT platform, COUNT(*) AS n FROM accounts WHERE retired_at_ms IS NULL GROUP BY platform ORDER BY platform",
        )
        .fetch_all(self.pool())
        .await?
        {
            g.accounts_by_platform.push((get_string(&r, "platform")?, get_i64(&r, "n")?));
        }
        let r = sqlx::query(
            "SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN lease_until_ms >= $1 THEN 1 ELSE 0 END), 0) AS leased \
             FROM due_checks WHERE due_at_ms <= $1",
        )
        .bind(now_ms)
        .fetch_one(self.pool())
        .await?;
        g.due_now = get_i64(&r, "n")?;
        g.leased = get_i64(&r, "leased")?;
        let r = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN decide_by_ms < $1 THEN 1 ELSE 0 END), 0) AS late, MIN(decide_by_ms) AS next \
             FROM due_checks",
        )
        .bind(now_ms)
        .fetch_one(self.pool())
        .await?;
        g.past_deadline = get_i64(&r, "late")?;
        g.next_deadline_ms = get_opt_i64(&r, "next")?;
        let r = sqlx::query("SELECT MAX(finished_at_ms) AS m FROM check_runs").fetch_one(self.pool()).await?;
        g.last_check_finished_ms = get_opt_i64(&r, "m")?;
        Ok(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_codes_round_trip() {
        for k in [
            CheckKind::Poll,
            CheckKind::Search,
            CheckKind::Repost { source_account_id: 3, post_id: "4900000000000001".into() },
        ] {
            assert_eq!(CheckKind::from_code(&k.code()), Some(k.clone()));
        }
        assert_eq!(CheckKind::from_code("repost:x:1"), None);
        assert_eq!(CheckKind::from_code("sweep"), None);
        assert!(CheckKind::Poll.is_recurring() && !CheckKind::Search.is_recurring());
    }
}
