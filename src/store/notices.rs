//! The notice outbox: rows written in the transaction that causes them
//! (see `findings.rs`), delivered later by the sender.

use super::{Result, StoreError, get_i64, get_opt_i64, get_opt_string, get_string};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

/// Why a notice exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A finding changed state (warned, opened, reopened, resolved).
    Finding,
    /// The daily digest bundling non-urgent finding notices.
    Digest,
    /// A finding still open after N days.
    Reminder,
    /// For the operator (a platform blocks us, a calendar year is missing).
    Operator,
    /// The quarterly report.
    Report,
    /// `xunjian notices test`.
    Test,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 6] = [
        NoticeKind::Finding,
        NoticeKind::Digest,
        NoticeKind::Reminder,
        NoticeKind::Operator,
        NoticeKind::Report,
        NoticeKind::Test,
    ];
    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::Finding => "finding",
            NoticeKind::Digest => "digest",
            NoticeKind::Reminder => "reminder",
            NoticeKind::Operator => "operator",
            NoticeKind::Report => "report",
            NoticeKind::Test => "test",
        }
    }
    pub fn from_code(s: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// How a notice travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Wecom,
    Dingtalk,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Wecom, Channel::Dingtalk];
    pub fn code(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Wecom => "wecom",
            Channel::Dingtalk => "dingtalk",
        }
    }
    pub fn from_code(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// Where a notice is in its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    /// Waiting to be sent at `due_at_ms`.
    Pending,
    /// Carried by a digest (`batch_id`); not sent on its own.
    Batched,
    /// Leased by a sender (`lease_owner` until `lease_until_ms`).
    Sending,
    /// Accepted by the server.
    Sent,
    /// Given up after the configured attempts (kept, resendable).
    Failed,
    /// Withdrawn before sending (e.g. the finding resolved before the digest).
    Cancelled,
}

impl NoticeState {
    pub const ALL: [NoticeState; 6] = [
        NoticeState::Pending,
        NoticeState::Batched,
        NoticeState::Sending,
        NoticeState::Sent,
        NoticeState::Failed,
        NoticeState::Cancelled,
    ];
    pub fn code(self) -> &'static str {
        match self {
            NoticeState::Pending => "pending",
            NoticeState::Batched => "batched",
            NoticeState::Sending => "sending",
            NoticeState::Sent => "sent",
            NoticeState::Failed => "failed",
            NoticeState::Cancelled => "cancelled",
        }
    }
    pub fn from_code(s: &str) -> Option<NoticeState> {
        NoticeState::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// A notice to be written to the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotice {
    pub kind: NoticeKind,
    pub channel: Channel,
    /// Addresses (email) or the webhook's configured name.
    pub recipients: Vec<String>,
    pub urgent: bool,
    /// Everything the renderer needs, as JSON.
    pub payload: serde_json::Value,
    /// Globally unique and stable, e.g. `<finding-event-17-0@xunjian.local>`.
    pub message_id: String,
    pub due_at_ms: i64,
    pub finding_id: Option<i64>,
    pub event_id: Option<i64>,
}

/// A notice as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeRecord {
    pub id: i64,
    pub finding_id: Option<i64>,
    pub event_id: Option<i64>,
    pub kind: NoticeKind,
    pub channel: Channel,
    pub recipients: Vec<String>,
    pub urgent: bool,
    pub payload: serde_json::Value,
    pub message_id: String,
    pub state: NoticeState,
    pub created_at_ms: i64,
    pub due_at_ms: i64,
    pub attempts: i64,
    pub last_attempt_at_ms: Option<i64>,
    pub last_error: Option<String>,
    pub sent_at_ms: Option<i64>,
    pub server_reply: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_until_ms: Option<i64>,
    pub batch_id: Option<i64>,
}

pub(crate) const NOTICE_COLUMNS: &str = "id, finding_id, event_id, kind, channel, recipients, urgent, payload_json, \
     message_id, state, created_at_ms, due_at_ms, attempts, last_attempt_at_ms, last_error, sent_at_ms, server_reply, \
     lease_owner, lease_until_ms, batch_id";

pub(crate) fn notice_from_row(r: &AnyRow) -> Result<NoticeRecord> {
    let kind = get_string(r, "kind")?;
    let channel = get_string(r, "channel")?;
    let state = get_string(r, "state")?;
    let recipients = get_string(r, "recipients")?;
    let payload = get_string(r, "payload_json")?;
    Ok(NoticeRecord {
        id: get_i64(r, "id")?,
        finding_id: get_opt_i64(r, "finding_id")?,
        event_id: get_opt_i64(r, "event_id")?,
        kind: NoticeKind::from_code(&kind).ok_or(StoreError::BadValue {
            column: "notices.kind",
            value: kind,
        })?,
        channel: Channel::from_code(&channel).ok_or(StoreError::BadValue {
            column: "notices.channel",
            value: channel,
        })?,
        recipients: serde_json::from_str(&recipients).map_err(|_| StoreError::BadValue {
            column: "notices.recipients",
            value: recipients,
        })?,
        urgent: get_i64(r, "urgent")? != 0,
        payload: serde_json::from_str(&payload).map_err(|_| StoreError::BadValue {
            column: "notices.payload_json",
            value: payload,
        })?,
        message_id: get_string(r, "message_id")?,
        state: NoticeState::from_code(&state).ok_or(StoreError::BadValue {
            column: "notices.state",
            value: state,
        })?,
        created_at_ms: get_i64(r, "created_at_ms")?,
        due_at_ms: get_i64(r, "due_at_ms")?,
        attempts: get_i64(r, "attempts")?,
        last_attempt_at_ms: get_opt_i64(r, "last_attempt_at_ms")?,
        last_error: get_opt_string(r, "last_error")?,
        sent_at_ms: get_opt_i64(r, "sent_at_ms")?,
        server_reply: get_opt_string(r, "server_reply")?,
        lease_owner: get_opt_string(r, "lease_owner")?,
        lease_until_ms: get_opt_i64(r, "lease_until_ms")?,
        batch_id: get_opt_i64(r, "batch_id")?,
    })
}

/// Inserts a notice inside a transaction (the one recording its cause).
/// A second insert with the same `message_id` is a no-op: the cause was
/// already recorded, and the notice must not exist twice.
pub(crate) async fn insert_notice(
    conn: &mut sqlx::AnyConnection,
    n: &NewNotice,
    now_ms: i64,
) -> Result<Option<i64>> {
    let recipients = serde_json::to_string(&n.recipients).expect("strings serialize");
    let row = sqlx::query(
        "INSERT INTO notices (finding_id, event_id, kind, channel, recipients, urgent, payload_json, message_id, \
         state, created_at_ms, due_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10) \
         ON CONFLICT (message_id) DO NOTHING RETURNING id",
    )
    .bind(n.finding_id)
    .bind(n.event_id)
    .bind(n.kind.code())
    .bind(n.channel.code())
    .bind(recipients)
    .bind(i64::from(n.urgent))
    .bind(n.payload.to_string())
    .bind(&n.message_id)
    .bind(now_ms)
    .bind(n.due_at_ms)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| get_i64(&r, "id")).transpose()
}

impl super::Store {
    /// Writes one notice on its own (digests, reminders, operator notices,
    /// tests). Returns `None` when a notice with that Message-ID exists.
    pub async fn enqueue_notice(&self, n: &NewNotice, now_ms: i64) -> Result<Option<i64>> {
        let mut conn = self.pool().acquire().await?;
        insert_notice(&mut conn, n, now_ms).await
    }

    /// Writes several notices in one transaction (all of one cause, e.g. a
    /// reminder's audiences: all or none). Returns the ids of the rows
    /// written; notices whose Message-ID exists are skipped.
    pub async fn enqueue_notices(&self, notices: &[NewNotice], now_ms: i64) -> Result<Vec<i64>> {
        let mut tx = self.pool().begin().await?;
        let mut ids = Vec::new();
        for n in notices {
            if let Some(id) = insert_notice(&mut tx, n, now_ms).await? {
                ids.push(id);
            }
        }
        tx.commit().await?;
        Ok(ids)
    }

    pub async fn get_notice(&self, id: i64) -> Result<Option<NoticeRecord>> {
        let sql = format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(notice_from_row).transpose()
    }

    /// Notices of one finding, oldest first.
    pub async fn notices_for_finding(&self, finding_id: i64) -> Result<Vec<NoticeRecord>> {
        let sql = format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE finding_id = $1 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(finding_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(notice_from_row).collect()
    }
}

/// Plans digests for the rows [`Store::batch_notices`](super::Store::batch_notices)
/// claimed: each digest to write, with the ids of the rows it carries.
pub type DigestPlanner<'a> =
    dyn Fn(&[NoticeRecord]) -> Vec<(NewNotice, Vec<i64>)> + Send + Sync + 'a;

/// The rows a sender may take: due and waiting, or leased by a sender whose
/// lease ran out (it crashed or hung — its notice is retried, with the same
/// Message-ID, by whoever comes next). `$N` is "now".
fn due_condition(now: &str) -> String {
    format!(
        "((state = 'pending' AND due_at_ms <= {now}) OR (state = 'sending' AND lease_until_ms < {now}))"
    )
}

/// A digest carries these: rows written by a transition or a reminder that
/// are not urgent. Urgent ones go on their own.
const BATCHABLE: &str = "state = 'pending' AND urgent = 0 AND kind IN ('finding', 'reminder')";

impl super::Store {
    /// Takes up to `limit` due notices for `owner` until `lease_until_ms`:
    /// state `sending`, one more attempt counted. On PostgreSQL the rows are
    /// picked with `FOR UPDATE SKIP LOCKED`, so daemons sharing the database
    /// never take the same row; SQLite has a single writer, so the same
    /// statement is atomic there. Urgent rows first, then oldest due.
    pub async fn lease_due_notices(
        &self,
        owner: &str,
        now_ms: i64,
        lease_until_ms: i64,
        limit: i64,
    ) -> Result<Vec<NoticeRecord>> {
        let lock = match self.backend() {
            super::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            super::Backend::Sqlite => "",
        };
        let due = due_condition("$1");
        // The rows are picked once, in a materialized CTE: with the picking
        // subquery inside `WHERE id IN (…)` PostgreSQL may re-run it while
        // updating, and with SKIP LOCKED each re-run can skip to further
        // rows — leasing more than `limit` (seen in the tests). The
        // condition is repeated on the UPDATE: a row changed by a concurrent
        // sender after the scan is re-checked against its latest version.
        let sql = format!(
            "WITH picked AS MATERIALIZED (SELECT id AS pick_id FROM notices WHERE {due} \
             ORDER BY urgent DESC, due_at_ms, id LIMIT $2{lock}) \
             UPDATE notices SET state = 'sending', lease_owner = $3, lease_until_ms = $4, \
             attempts = attempts + 1, last_attempt_at_ms = $1 \
             FROM picked WHERE notices.id = picked.pick_id AND {due} RETURNING {NOTICE_COLUMNS}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now_ms)
            .bind(limit.max(0))
            .bind(owner)
            .bind(lease_until_ms)
            .fetch_all(self.pool())
            .await?;
        let mut out = rows
            .iter()
            .map(notice_from_row)
            .collect::<Result<Vec<_>>>()?;
        // RETURNING gives no order guarantee.
        out.sort_by_key(|n| (!n.urgent, n.due_at_ms, n.id));
        Ok(out)
    }

    /// The server accepted the notice. Only the lease holder may say so;
    /// `false` means the lease was lost (expired and taken by another
    /// sender), which the caller logs: the other sender delivers it again
    /// under the same Message-ID.
    pub async fn mark_notice_sent(
        &self,
        id: i64,
        owner: &str,
        now_ms: i64,
        server_reply: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE notices SET state = 'sent', sent_at_ms = $1, server_reply = $2, lease_owner = NULL, \
             lease_until_ms = NULL WHERE id = $3 AND state = 'sending' AND lease_owner = $4",
        )
        .bind(now_ms)
        .bind(server_reply)
        .bind(id)
        .bind(owner)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A delivery attempt failed: back to `pending` at `retry_at_ms`
    /// (the sender computes the backoff), or `failed` when `None` (given up;
    /// the row stays, listed and resendable). Returns `false` when the lease
    /// was lost.
    pub async fn record_notice_failure(
        &self,
        id: i64,
        owner: &str,
        now_ms: i64,
        error: &str,
        retry_at_ms: Option<i64>,
    ) -> Result<bool> {
        let (state, due) = match retry_at_ms {
            Some(t) => ("pending", Some(t)),
            None => ("failed", None),
        };
        let done = sqlx::query(
            "UPDATE notices SET state = $1, due_at_ms = COALESCE($2, due_at_ms), last_error = $3, \
             last_attempt_at_ms = $4, lease_owner = NULL, lease_until_ms = NULL \
             WHERE id = $5 AND state = 'sending' AND lease_owner = $6",
        )
        .bind(state)
        .bind(due)
        .bind(error)
        .bind(now_ms)
        .bind(id)
        .bind(owner)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Puts back a leased notice that was not tried in this pass (its
    /// channel had just failed on another notice): due again at `retry_at_ms`,
    /// and the attempt the lease counted is taken back, so a long outage
    /// does not use up `max_attempts` on notices never sent to the server.
    pub async fn defer_untried_notice(&self, id: i64, owner: &str, note: &str, retry_at_ms: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE notices SET state = 'pending', due_at_ms = $1, last_error = $2, \
             attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, lease_owner = NULL, lease_until_ms = NULL \
             WHERE id = $3 AND state = 'sending' AND lease_owner = $4",
        )
        .bind(retry_at_ms)
        .bind(note)
        .bind(id)
        .bind(owner)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives back what `owner` holds (a daemon stopping mid-pass): the rows
    /// are due again at once and the unfinished attempt is not counted.
    pub async fn release_notice_leases(&self, owner: &str) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE notices SET state = 'pending', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, \
             lease_owner = NULL, lease_until_ms = NULL WHERE state = 'sending' AND lease_owner = $1",
        )
        .bind(owner)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// Notices, newest first. An empty `states` means every state.
    pub async fn list_notices(
        &self,
        states: &[NoticeState],
        kind: Option<NoticeKind>,
        finding_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<NoticeRecord>> {
        // Placeholders are numbered in order of first use, as the Any driver
        // binds them positionally on both backends.
        let mut clauses = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if !states.is_empty() {
            let ps: Vec<String> = states.iter().map(|_| next()).collect();
            clauses.push(format!("state IN ({})", ps.join(", ")));
        }
        if kind.is_some() {
            clauses.push(format!("kind = {}", next()));
        }
        if finding_id.is_some() {
            clauses.push(format!("finding_id = {}", next()));
        }
        let limit_p = next();
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let sql = format!(
            "SELECT {NOTICE_COLUMNS} FROM notices {filter} ORDER BY id DESC LIMIT {limit_p}"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for s in states {
            q = q.bind(s.code());
        }
        if let Some(k) = kind {
            q = q.bind(k.code());
        }
        if let Some(f) = finding_id {
            q = q.bind(f);
        }
        let rows = q.bind(limit.max(0)).fetch_all(self.pool()).await?;
        rows.iter().map(notice_from_row).collect()
    }

    /// How many notices are in each state (for status lines and health).
    pub async fn notice_counts(&self) -> Result<Vec<(NoticeState, i64)>> {
        let rows =
            sqlx::query("SELECT state, COUNT(*) AS n FROM notices GROUP BY state ORDER BY state")
                .fetch_all(self.pool())
                .await?;
        rows.iter()
            .map(|r| {
                let s = get_string(r, "state")?;
                let state = NoticeState::from_code(&s).ok_or(StoreError::BadValue {
                    column: "notices.state",
                    value: s,
                })?;
                Ok((state, get_i64(r, "n")?))
            })
            .collect()
    }

    /// Puts a notice back in the queue, due at `now_ms`, with the same row
    /// and so the same Message-ID (a mail client that already has it shows
    /// it once). Returns the state it had, or `None` when there is no such
    /// notice. A notice being sent right now (`sending`) is left alone and
    /// its state returned.
    pub async fn resend_notice(&self, id: i64, now_ms: i64) -> Result<Option<NoticeState>> {
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query("SELECT state FROM notices WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let s = get_string(&row, "state")?;
        let before = NoticeState::from_code(&s).ok_or(StoreError::BadValue {
            column: "notices.state",
            value: s,
        })?;
        if before != NoticeState::Sending {
            sqlx::query(
                "UPDATE notices SET state = 'pending', due_at_ms = $1, attempts = 0, sent_at_ms = NULL, \
                 lease_owner = NULL, lease_until_ms = NULL, batch_id = NULL WHERE id = $2 AND state <> 'sending'",
            )
            .bind(now_ms)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(before))
    }

    /// Bundles every pending, non-urgent finding or reminder notice into
    /// digests, in one transaction. `plan` sees the claimed rows and returns
    /// the digests to write, each with the ids of the rows it carries; those
    /// become `batched` with `batch_id` set. Rows no digest carries go back to
    /// `pending`. A digest whose Message-ID already exists is not written
    /// again and its rows stay pending. Returns the new digests' ids in the
    /// order planned.
    ///
    /// On PostgreSQL the rows are claimed with `FOR UPDATE SKIP LOCKED`: two
    /// daemons bundling at once each carry different rows, never the same.
    pub async fn batch_notices(&self, now_ms: i64, plan: &DigestPlanner<'_>) -> Result<Vec<i64>> {
        let lock = match self.backend() {
            super::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            super::Backend::Sqlite => "",
        };
        let mut tx = self.pool().begin().await?;
        // Claim first (a write: on SQLite this takes the write lock before
        // anything is read, so nothing changes under the plan).
        let sql = format!(
            "WITH picked AS MATERIALIZED (SELECT id AS pick_id FROM notices WHERE {BATCHABLE} \
             AND created_at_ms <= $1 ORDER BY id{lock}) \
             UPDATE notices SET state = 'batched' FROM picked WHERE notices.id = picked.pick_id \
             AND {BATCHABLE} RETURNING {NOTICE_COLUMNS}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now_ms)
            .fetch_all(&mut *tx)
            .await?;
        let mut claimed = rows
            .iter()
            .map(notice_from_row)
            .collect::<Result<Vec<_>>>()?;
        if claimed.is_empty() {
            tx.commit().await?;
            return Ok(Vec::new());
        }
        claimed.sort_by_key(|n| n.id);
        let mut carried = std::collections::BTreeSet::new();
        let mut ids = Vec::new();
        for (digest, members) in plan(&claimed) {
            let members: Vec<i64> = members
                .into_iter()
                .filter(|m| claimed.iter().any(|c| c.id == *m) && !carried.contains(m))
                .collect();
            if members.is_empty() {
                continue;
            }
            let Some(id) = insert_notice(&mut tx, &digest, now_ms).await? else {
                continue;
            };
            for m in &members {
                sqlx::query("UPDATE notices SET batch_id = $1 WHERE id = $2")
                    .bind(id)
                    .bind(m)
                    .execute(&mut *tx)
                    .await?;
                carried.insert(*m);
            }
            ids.push(id);
        }
        for c in claimed.iter().filter(|c| !carried.contains(&c.id)) {
            sqlx::query("UPDATE notices SET state = 'pending' WHERE id = $1")
                .bind(c.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// The notices a digest carried, oldest first.
    pub async fn notices_in_batch(&self, batch_id: i64) -> Result<Vec<NoticeRecord>> {
        let sql = format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE batch_id = $1 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(batch_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(notice_from_row).collect()
    }

    /// Open findings (violations) in that state since `open_since_before_ms`
    /// or earlier, with no reminder notice written after
    /// `no_reminder_since_ms`: the ones a reminder is due for. Oldest first.
    pub async fn findings_due_for_reminder(
        &self,
        open_since_before_ms: i64,
        no_reminder_since_ms: i64,
    ) -> Result<Vec<super::StoredFinding>> {
        let rows = sqlx::query(
            "SELECT f.id FROM findings f WHERE f.state = 'open' AND f.state_since_ms <= $1 AND NOT EXISTS \
             (SELECT 1 FROM notices n WHERE n.finding_id = f.id AND n.kind = 'reminder' AND n.created_at_ms > $2) \
             ORDER BY f.state_since_ms, f.id",
        )
        .bind(open_since_before_ms)
        .bind(no_reminder_since_ms)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            if let Some(f) = self.get_finding(get_i64(r, "id")?).await? {
                out.push(f);
            }
        }
        Ok(out)
    }
}
