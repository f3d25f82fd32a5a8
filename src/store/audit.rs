//! The audit log: every change a person made through the console or the
//! `users` command — who, when, from which address, what.

use super::{Result, Store, get_i64, get_opt_i64, get_string};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at_ms: i64,
    /// `None` for the command line (no console user).
    pub user_id: Option<i64>,
    pub username: String,
    /// The client's address, or `cli` for the command line.
    pub remote_addr: String,
    /// What was done, e.g. `finding.dismiss`, `user.add`, `login`.
    pub action: String,
    /// What it was done to, e.g. `finding:12`, `user:zhangsan`.
    pub target: String,
    /// The person's words (a reason, a note), as given.
    pub detail: String,
}

/// An entry to write (`id` is assigned by the store).
#[derive(Debug, Clone, Default)]
pub struct NewAuditEntry<'a> {
    pub user_id: Option<i64>,
    pub username: &'a str,
    pub remote_addr: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub detail: &'a str,
}

impl Store {
    pub async fn record_audit(&self, entry: &NewAuditEntry<'_>, at_ms: i64) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO audit_log (at_ms, user_id, username, remote_addr, action, target, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(at_ms)
        .bind(entry.user_id)
        .bind(entry.username)
        .bind(entry.remote_addr)
        .bind(entry.action)
        .bind(entry.target)
        .bind(entry.detail)
        .fetch_one(self.pool())
        .await?;
        get_i64(&row, "id")
    }

    /// The newest entries first, `limit` from `offset`.
    pub async fn list_audit(&self, limit: i64, offset: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at_ms, user_id, username, remote_addr, action, target, detail FROM audit_log \
             ORDER BY id DESC LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: get_i64(r, "id")?,
                    at_ms: get_i64(r, "at_ms")?,
                    user_id: get_opt_i64(r, "user_id")?,
                    username: get_string(r, "username")?,
                    remote_addr: get_string(r, "remote_addr")?,
                    action: get_string(r, "action")?,
                    target: get_string(r, "target")?,
                    detail: get_string(r, "detail")?,
                })
            })
            .collect()
    }
}
