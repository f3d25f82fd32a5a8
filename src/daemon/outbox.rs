//! The daemon's side of notices: delivery from the outbox, the daily
//! digest, reminders. All calls into `crate::notify` are here, so the runner
//! does not depend on how notices are built.

use crate::notify::{NotifyConfig, Sender};
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::path::Path;

/// What one delivery round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: u64,
    /// Failed this time, to be retried after a backoff.
    pub retrying: u64,
    /// Given up (refused, or out of attempts).
    pub failed: u64,
    /// (channel, failure class) of each failed attempt, for `/metrics`.
    pub failures: Vec<(&'static str, &'static str)>,
}

/// Delivers due notices from the outbox.
pub struct Outbox {
    sender: Sender,
}

impl Outbox {
    pub fn new(cfg: &NotifyConfig, data_dir: &Path, office_name: &str) -> Result<Outbox, String> {
        let sender = Sender::new(cfg, data_dir, office_name).map_err(|e| e.to_string())?;
        tracing::info!(transport = %sender.describe(), "notices are delivered by");
        Ok(Outbox { sender })
    }

    /// One pass over the due notices, leased for `owner` so that several
    /// daemons never deliver one notice twice.
    pub async fn send_due(&self, store: &Store, now: DateTime<Utc>, owner: &str) -> Result<Delivered, String> {
        let s = self.sender.send_due(store, now, owner).await.map_err(|e| e.to_string())?;
        Ok(Delivered {
            sent: s.sent as u64,
            retrying: s.retrying as u64,
            failed: s.failed as u64,
            failures: s.failures.iter().map(|(c, f)| (c.code(), f.code())).collect(),
        })
    }
}

/// The daily digest; returns the job's outcome text.
pub async fn run_digest(
    store: &Store,
    cfg: &NotifyConfig,
    office_name: &str,
    now: DateTime<Utc>,
) -> Result<String, String> {
    // The digest job runs once a day whether or not a digest is configured:
    // the log's daily reminder of a gap in the holiday calendar.
    for w in crate::calendar::active_coverage_warnings(now) {
        tracing::warn!(code = w.code, year = w.year, "{}", w.message);
    }
    match crate::notify::run_digest(store, cfg, office_name, now).await {
        Ok(Some(id)) => Ok(format!("digest notice {id} written")),
        Ok(None) => Ok("nothing to bundle (or no digest configured)".to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// Reminders about findings still open; returns the job's outcome text.
pub async fn plan_reminders(
    store: &Store,
    cfg: &NotifyConfig,
    office_name: &str,
    calendar: &crate::calendar::HolidayCalendar,
    now: DateTime<Utc>,
) -> Result<String, String> {
    match crate::notify::plan_reminders(store, cfg, office_name, calendar, now).await {
        Ok(n) => Ok(format!("{n} reminders written")),
        Err(e) => Err(e.to_string()),
    }
}
