//! Read-only aggregates for the quarterly report (src/report/): each
//! function is one statement over a time window, so every number in the
//! report is reproducible from the store with the query named in its doc.
//!
//! Days are civil days in Asia/Shanghai, computed in SQL as
//! `(ms + 28800000) / 86400000` (integer division on both backends; China
//! has had no daylight-saving time since 1991).

use super::{Result, Store, get_flag, get_i64, get_opt_i64, get_string};
use std::collections::HashMap;

/// Registry bookkeeping the `Account` type does not carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountSpan {
    pub account_id: i64,
    pub created_at_ms: i64,
    pub retired_at_ms: Option<i64>,
}

/// What one account published in a window (`posts.published_at_ms` in
/// `[from, to)`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostAggregate {
    pub account_id: i64,
    pub posts: i64,
    pub originals: i64,
    /// Distinct civil days with at least one post.
    pub active_days: i64,
    /// Posts whose comments were closed or restricted when last seen.
    pub comments_closed: i64,
    /// Posts whose comment state is known (not `unknown`).
    pub comments_known: i64,
    pub reposts: i64,
    pub comments: i64,
    pub likes: i64,
    /// Posts per month of the window, split at the two boundaries given.
    pub per_month: [i64; 3],
    pub first_ms: i64,
    pub last_ms: i64,
    /// Longest time between two consecutive posts inside the window.
    pub max_gap_ms: Option<i64>,
}

/// How often an account was observed in a window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObservationAggregate {
    pub account_id: i64,
    /// Distinct civil days with at least one platform answer (`ok`,
    /// `not_found`, `banned`): the days the account was actually seen.
    pub answered_days: i64,
    pub attempts: i64,
    /// Failed attempts by outcome code (`captcha`, `blocked`, ...).
    pub failures: Vec<(String, i64)>,
}

/// The first and last follower counts seen in a window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowerSpan {
    pub account_id: i64,
    pub first_ms: i64,
    pub first: i64,
    pub last_ms: i64,
    pub last: i64,
}

/// A non-pinned post of a source account (`accounts.is_source = 1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePost {
    /// `posts.id`
    pub row_id: i64,
    pub account_id: i64,
    pub platform: String,
    pub post_id: String,
    pub published_at_ms: i64,
    pub published_at_exact: bool,
}

/// The earliest repost of one source post by one other account (its posts
/// whose platform repost link points at the source post's id or
/// alternative id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstRepost {
    /// `posts.id` of the source post.
    pub source_row_id: i64,
    pub target_account_id: i64,
    pub published_at_ms: i64,
    /// False when any of the account's reposts of the item has an
    /// approximate time.
    pub published_at_exact: bool,
    pub first_seen_at_ms: i64,
}

/// A finding event, as the report replays it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportEvent {
    pub id: i64,
    pub finding_id: i64,
    pub at_ms: i64,
    pub kind: String,
    pub to_state: String,
    pub summary_zh: String,
    pub evidence_json: String,
    pub measured_json: String,
}

const DAY: &str = "(({col} + 28800000) / 86400000)";

fn day(col: &str) -> String {
    DAY.replace("{col}", col)
}

impl Store {
    /// `SELECT id, created_at_ms, retired_at_ms FROM accounts`
    pub async fn account_spans(&self) -> Result<Vec<AccountSpan>> {
        let rows = sqlx::query("SELECT id, created_at_ms, retired_at_ms FROM accounts ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AccountSpan {
                    account_id: get_i64(r, "id")?,
                    created_at_ms: get_i64(r, "created_at_ms")?,
                    retired_at_ms: get_opt_i64(r, "retired_at_ms")?,
                })
            })
            .collect()
    }

    /// Per-account post aggregates for posts published in `[from_ms,
    /// to_ms)`; `month_starts` are the starts of the window's 2nd and 3rd
    /// month. Accounts without posts are absent.
    pub async fn post_aggregates(
        &self,
        from_ms: i64,
        to_ms: i64,
        month_starts: [i64; 2],
    ) -> Result<Vec<PostAggregate>> {
        let sql = format!(
            "SELECT account_id, COUNT(*) AS posts, CAST(SUM(is_original) AS BIGINT) AS originals, \
             COUNT(DISTINCT {d}) AS active_days, \
             CAST(SUM(CASE WHEN comment_state IN ('closed', 'restricted') THEN 1 ELSE 0 END) AS BIGINT) AS closed, \
             CAST(SUM(CASE WHEN comment_state = 'unknown' THEN 0 ELSE 1 END) AS BIGINT) AS known, \
             CAST(COALESCE(SUM(reposts_count), 0) AS BIGINT) AS reposts, \
             CAST(COALESCE(SUM(comments_count), 0) AS BIGINT) AS comments, \
             CAST(COALESCE(SUM(likes_count), 0) AS BIGINT) AS likes, \
             CAST(SUM(CASE WHEN published_at_ms < $3 THEN 1 ELSE 0 END) AS BIGINT) AS m1, \
             CAST(SUM(CASE WHEN published_at_ms >= $3 AND published_at_ms < $4 THEN 1 ELSE 0 END) AS BIGINT) AS m2, \
             MIN(published_at_ms) AS first_ms, MAX(published_at_ms) AS last_ms \
             FROM posts WHERE published_at_ms >= $1 AND published_at_ms < $2 GROUP BY account_id",
            d = day("published_at_ms")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from_ms)
            .bind(to_ms)
            .bind(month_starts[0])
            .bind(month_starts[1])
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let posts = get_i64(r, "posts")?;
            let m1 = get_i64(r, "m1")?;
            let m2 = get_i64(r, "m2")?;
            out.push(PostAggregate {
                account_id: get_i64(r, "account_id")?,
                posts,
                originals: get_i64(r, "originals")?,
                active_days: get_i64(r, "active_days")?,
                comments_closed: get_i64(r, "closed")?,
                comments_known: get_i64(r, "known")?,
                reposts: get_i64(r, "reposts")?,
                comments: get_i64(r, "comments")?,
                likes: get_i64(r, "likes")?,
                per_month: [m1, m2, posts - m1 - m2],
                first_ms: get_i64(r, "first_ms")?,
                last_ms: get_i64(r, "last_ms")?,
                max_gap_ms: None,
            });
        }
        // The longest gap between consecutive posts (window function, on
        // both backends).
        let rows = sqlx::query(
            "SELECT account_id, MAX(gap) AS max_gap FROM (SELECT account_id, published_at_ms - \
             LAG(published_at_ms) OVER (PARTITION BY account_id ORDER BY published_at_ms) AS gap FROM posts \
             WHERE published_at_ms >= $1 AND published_at_ms < $2) g GROUP BY account_id",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        let mut gaps = HashMap::with_capacity(rows.len());
        for r in &rows {
            gaps.insert(get_i64(r, "account_id")?, get_opt_i64(r, "max_gap")?);
        }
        for a in &mut out {
            a.max_gap_ms = gaps.get(&a.account_id).copied().flatten();
        }
        Ok(out)
    }

    /// Per-account observation aggregates for attempts in `[from_ms, to_ms)`.
    pub async fn observation_aggregates(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<ObservationAggregate>> {
        // Account by account, in id order (`CROSS JOIN` fixes the join order
        // on SQLite, grouping by `a.id` the scan order), through the
        // covering index of migration 0015: no temporary B-tree over the
        // quarter's observations, which the planner built when it started
        // from the time index (issue 19: 38× from 1,000 to 10,000 accounts).
        let rows = sqlx::query(
            "SELECT a.id AS account_id, o.outcome, COUNT(*) AS n FROM accounts a CROSS JOIN observations o \
             WHERE o.account_id = a.id AND o.observed_at_ms >= $1 AND o.observed_at_ms < $2 \
             GROUP BY a.id, o.outcome",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        let mut by_account: HashMap<i64, ObservationAggregate> = HashMap::new();
        for r in &rows {
            let id = get_i64(r, "account_id")?;
            let outcome = get_string(r, "outcome")?;
            let n = get_i64(r, "n")?;
            let e = by_account
                .entry(id)
                .or_insert_with(|| ObservationAggregate {
                    account_id: id,
                    ..Default::default()
                });
            e.attempts += n;
            if !matches!(outcome.as_str(), "ok" | "not_found" | "banned") {
                e.failures.push((outcome, n));
            }
        }
        // Answered days across the three answering outcomes (a day with an
        // `ok` and a `not_found` counts once).
        let sql = format!(
            "SELECT a.id AS account_id, COUNT(DISTINCT {d}) AS days FROM accounts a CROSS JOIN observations o \
             WHERE o.account_id = a.id AND o.observed_at_ms >= $1 AND o.observed_at_ms < $2 \
             AND o.outcome IN ('ok', 'not_found', 'banned') GROUP BY a.id",
            d = day("o.observed_at_ms")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(self.pool())
            .await?;
        for r in &rows {
            let id = get_i64(r, "account_id")?;
            if let Some(e) = by_account.get_mut(&id) {
                e.answered_days = get_i64(r, "days")?;
            }
        }
        let mut out: Vec<ObservationAggregate> = by_account.into_values().collect();
        out.sort_by_key(|a| a.account_id);
        for a in &mut out {
            a.failures
                .sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        }
        Ok(out)
    }

    /// The first and last non-null follower counts per account among
    /// profile snapshots in `[from_ms, to_ms)`.
    pub async fn follower_spans(&self, from_ms: i64, to_ms: i64) -> Result<Vec<FollowerSpan>> {
        let rows = sqlx::query(
            "SELECT p.account_id, p.observed_at_ms, p.followers, m.a, m.b FROM profile_snapshots p JOIN \
             (SELECT account_id, MIN(observed_at_ms) AS a, MAX(observed_at_ms) AS b FROM profile_snapshots \
              WHERE followers IS NOT NULL AND observed_at_ms >= $1 AND observed_at_ms < $2 GROUP BY account_id) m \
             ON m.account_id = p.account_id AND (p.observed_at_ms = m.a OR p.observed_at_ms = m.b) \
             WHERE p.followers IS NOT NULL ORDER BY p.account_id, p.observed_at_ms, p.id",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<FollowerSpan> = Vec::new();
        for r in &rows {
            let id = get_i64(r, "account_id")?;
            let at = get_i64(r, "observed_at_ms")?;
            let followers = get_i64(r, "followers")?;
            match out.last_mut() {
                Some(s) if s.account_id == id => {
                    // Same instant twice: the later row (higher id) wins for
                    // the last value; the first keeps the earliest row.
                    s.last_ms = at;
                    s.last = followers;
                }
                _ => out.push(FollowerSpan {
                    account_id: id,
                    first_ms: at,
                    first: followers,
                    last_ms: at,
                    last: followers,
                }),
            }
        }
        Ok(out)
    }

    /// Non-pinned posts of source accounts published in `[from_ms, to_ms)`,
    /// by row id.
    pub async fn source_posts(&self, from_ms: i64, to_ms: i64) -> Result<Vec<SourcePost>> {
        let rows = sqlx::query(
            "SELECT s.id, s.account_id, a.platform, s.platform_post_id, s.published_at_ms, s.published_at_exact \
             FROM posts s JOIN accounts a ON a.id = s.account_id WHERE a.is_source = 1 AND s.is_pinned = 0 \
             AND s.published_at_ms >= $1 AND s.published_at_ms < $2 ORDER BY s.id",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SourcePost {
                    row_id: get_i64(r, "id")?,
                    account_id: get_i64(r, "account_id")?,
                    platform: get_string(r, "platform")?,
                    post_id: get_string(r, "platform_post_id")?,
                    published_at_ms: get_i64(r, "published_at_ms")?,
                    published_at_exact: get_flag(r, "published_at_exact")?,
                })
            })
            .collect()
    }

    /// The earliest repost by each other account of each source post (see
    /// [`Store::source_posts`]) published in `[from_ms, to_ms)` whose row id
    /// is in `[first_row, last_row]` (callers walk the source posts in
    /// chunks, which bounds memory). Targets on another platform are the
    /// caller's to drop (ids are per platform). Written as equality joins on
    /// `posts.repost_of_post_id` so both planners use its index even before
    /// statistics exist.
    pub async fn first_reposts(
        &self,
        from_ms: i64,
        to_ms: i64,
        first_row: i64,
        last_row: i64,
    ) -> Result<Vec<FirstRepost>> {
        let rows = sqlx::query(
            "WITH src AS ( \
               SELECT s.id, s.account_id, s.platform_post_id AS link \
               FROM posts s JOIN accounts a ON a.id = s.account_id WHERE a.is_source = 1 AND s.is_pinned = 0 \
               AND s.published_at_ms >= $1 AND s.published_at_ms < $2 AND s.id >= $3 AND s.id <= $4 \
               UNION ALL \
               SELECT s.id, s.account_id, s.alt_id \
               FROM posts s JOIN accounts a ON a.id = s.account_id WHERE a.is_source = 1 AND s.is_pinned = 0 \
               AND s.alt_id IS NOT NULL AND s.alt_id <> s.platform_post_id \
               AND s.published_at_ms >= $1 AND s.published_at_ms < $2 AND s.id >= $3 AND s.id <= $4) \
             SELECT src.id AS source_row_id, t.account_id AS target_account_id, \
             MIN(t.published_at_ms) AS published_at_ms, MIN(t.published_at_exact) AS exact, \
             MIN(t.first_seen_at_ms) AS first_seen_at_ms \
             FROM src JOIN posts t ON t.repost_of_post_id = src.link WHERE t.account_id <> src.account_id \
             GROUP BY src.id, t.account_id ORDER BY src.id, t.account_id",
        )
        .bind(from_ms)
        .bind(to_ms)
        .bind(first_row)
        .bind(last_row)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FirstRepost {
                    source_row_id: get_i64(r, "source_row_id")?,
                    target_account_id: get_i64(r, "target_account_id")?,
                    published_at_ms: get_i64(r, "published_at_ms")?,
                    published_at_exact: get_flag(r, "exact")?,
                    first_seen_at_ms: get_i64(r, "first_seen_at_ms")?,
                })
            })
            .collect()
    }

    /// The (account, rule) pairs a rule decided (checked: pass, warning or
    /// violation) on at least one day of `[from_day, to_day]` (YYYY-MM-DD,
    /// Asia/Shanghai): a veto item never decided in the quarter cannot make
    /// an account 合格.
    pub async fn rules_decided(&self, from_day: &str, to_day: &str) -> Result<Vec<(i64, crate::rules::RuleId)>> {
        let rows = sqlx::query(
            "SELECT DISTINCT account_id, rule FROM rule_coverage WHERE day >= $1 AND day <= $2 AND checked > 0",
        )
        .bind(from_day)
        .bind(to_day)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            // A rule this build does not know (a newer daemon) decides nothing here.
            if let Some(rule) = crate::rules::RuleId::from_code(&get_string(r, "rule")?) {
                out.push((get_i64(r, "account_id")?, rule));
            }
        }
        Ok(out)
    }

    /// Every finding event before `to_ms`, by finding then order of
    /// occurrence: the report replays each finding's states from them.
    pub async fn finding_events_until(&self, to_ms: i64) -> Result<Vec<ReportEvent>> {
        let rows = sqlx::query(
            "SELECT id, finding_id, at_ms, kind, to_state, summary_zh, evidence_json, measured_json \
             FROM finding_events WHERE at_ms < $1 ORDER BY finding_id, at_ms, id",
        )
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReportEvent {
                    id: get_i64(r, "id")?,
                    finding_id: get_i64(r, "finding_id")?,
                    at_ms: get_i64(r, "at_ms")?,
                    kind: get_string(r, "kind")?,
                    to_state: get_string(r, "to_state")?,
                    summary_zh: get_string(r, "summary_zh")?,
                    evidence_json: get_string(r, "evidence_json")?,
                    measured_json: get_string(r, "measured_json")?,
                })
            })
            .collect()
    }
}
