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
        kind: NoticeKind::from_code(&kind).ok_or(StoreError::BadValue { column: "notices.kind", value: kind })?,
        channel: Channel::from_code(&channel)
            .ok_or(StoreError::BadValue { column: "notices.channel", value: channel })?,
        recipients: serde_json::from_str(&recipients)
            .map_err(|_| StoreError::BadValue { column: "notices.recipients", value: recipients })?,
        urgent: get_i64(r, "urgent")? != 0,
        payload: serde_json::from_str(&payload)
            .map_err(|_| StoreError::BadValue { column: "notices.payload_json", value: payload })?,
        message_id: get_string(r, "message_id")?,
        state: NoticeState::from_code(&state).ok_or(StoreError::BadValue { column: "notices.state", value: state })?,
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

    pub async fn get_notice(&self, id: i64) -> Result<Option<NoticeRecord>> {
        let sql = format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(notice_from_row).transpose()
    }

    /// Notices of one finding, oldest first.
    pub async fn notices_for_finding(&self, finding_id: i64) -> Result<Vec<NoticeRecord>> {
        let sql = format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE finding_id = $1 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(finding_id).fetch_all(self.pool()).await?;
        rows.iter().map(notice_from_row).collect()
    }
}
