//! Reads for the office console: paginated, filtered in SQL, and scoped to
//! what the person may see. A unit operator's [`Visibility`] is applied in
//! every statement here, so a page cannot show another unit's row by
//! forgetting a check.

use super::accounts::{ACCOUNT_COLUMNS, account_from_row};
use super::findings::{FINDING_COLUMNS, finding_from_row};
use super::notices::{NOTICE_COLUMNS, notice_from_row};
use super::observations::{PROFILE_COLUMNS, profile_from_row};
use super::{Channel, FindingState, NoticeRecord, NoticeState, ProfileSnapshot, Result, Store, StoredFinding, get_i64, get_opt_i64, get_opt_string, get_string};
use crate::accounts::{Account, LifecycleStatus};
use crate::rules::{FindingKind, RuleId};
use std::collections::HashMap;
use xunjian_adapters::model::{OutcomeClass, Platform};

/// Whose rows a reader may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// The office (administrator, staff, read-only): every account.
    All,
    /// A unit operator: the accounts in this user's scope (`user_scopes`).
    ScopeOf(i64),
}

/// An SQL value to bind, in placeholder order.
enum Arg {
    Text(String),
    Int(i64),
}

/// A WHERE clause under construction with its arguments.
struct Clause {
    parts: Vec<String>,
    args: Vec<Arg>,
}

impl Clause {
    fn new() -> Clause {
        Clause { parts: Vec::new(), args: Vec::new() }
    }
    /// The next placeholder, `$N`, for `arg`.
    fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }
    fn push(&mut self, part: String) {
        self.parts.push(part);
    }
    fn sql(&self) -> String {
        if self.parts.is_empty() { String::new() } else { format!(" WHERE {}", self.parts.join(" AND ")) }
    }
    /// Restricts account rows (column names unprefixed) to `vis`.
    fn visible_accounts(&mut self, vis: Visibility, id_column: &str) {
        if let Visibility::ScopeOf(user) = vis {
            let p = self.arg(Arg::Int(user));
            self.push(format!(
                "{id_column} IN (SELECT a.id FROM accounts a WHERE a.owner_unit IN \
                 (SELECT s.unit FROM user_scopes s WHERE s.user_id = {p} AND s.unit IS NOT NULL) \
                 OR a.id IN (SELECT s.account_id FROM user_scopes s WHERE s.user_id = {p} AND s.account_id IS NOT NULL))"
            ));
        }
    }
    fn bind<'q>(
        &'q self,
        mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.as_str()),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }
}

/// `%text%` for LIKE, with the pattern characters of `text` escaped (`\`).
fn like_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The console's account list filter. Empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct AccountQuery {
    /// Part of the account's name or platform id.
    pub name: Option<String>,
    /// Part of the owner (主办) or supervising (主管) unit.
    pub unit: Option<String>,
    pub platform: Option<Platform>,
    pub status: Option<LifecycleStatus>,
    pub include_retired: bool,
    pub limit: i64,
    pub offset: i64,
}

/// The console's finding list filter. Empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct FindingQuery {
    pub rule: Option<RuleId>,
    pub state: Option<FindingState>,
    pub kind: Option<FindingKind>,
    /// Part of the account's owner or supervising unit.
    pub unit: Option<String>,
    pub account_id: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// Counts for the console's overview, within a reader's visibility.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DashboardCounts {
    /// Current (not retired) accounts per platform and status.
    pub accounts: Vec<(Platform, LifecycleStatus, i64)>,
    /// Findings still to be dealt with (warning, open, rectifying) per rule and state.
    pub findings: Vec<(RuleId, FindingState, i64)>,
    /// Observations of accounts since the window's start, per platform and outcome.
    pub observations: Vec<(Platform, OutcomeClass, i64)>,
}

/// A stored raw response's description (not its body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceInfo {
    pub sha256: String,
    pub url: String,
    pub content_type: Option<String>,
    pub http_status: Option<i64>,
    pub fetched_at_ms: i64,
    pub size_bytes: i64,
    /// When retention dropped the body (its description stays).
    pub pruned_at_ms: Option<i64>,
}

/// One registry import that was applied (`registry_imports`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryImport {
    pub id: i64,
    pub file_name: String,
    pub file_sha256: String,
    pub imported_at_ms: i64,
    pub added: i64,
    pub changed: i64,
    pub unchanged: i64,
    pub missing: i64,
    pub retired: i64,
}

fn bad(column: &'static str, value: String) -> super::StoreError {
    super::StoreError::BadValue { column, value }
}

impl Store {
    /// One page of accounts matching the query, in registry order
    /// (platform, region, name), and how many match in all.
    pub async fn search_accounts(&self, q: &AccountQuery, vis: Visibility) -> Result<(Vec<Account>, i64)> {
        let mut c = Clause::new();
        c.visible_accounts(vis, "id");
        if !q.include_retired {
            c.push("retired_at_ms IS NULL".to_string());
        }
        if let Some(name) = q.name.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let p = c.arg(Arg::Text(like_pattern(name)));
            c.push(format!("(display_name LIKE {p} ESCAPE '\\' OR platform_id LIKE {p} ESCAPE '\\')"));
        }
        if let Some(unit) = q.unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let p = c.arg(Arg::Text(like_pattern(unit)));
            c.push(format!("(owner_unit LIKE {p} ESCAPE '\\' OR supervising_unit LIKE {p} ESCAPE '\\')"));
        }
        if let Some(platform) = q.platform {
            let p = c.arg(Arg::Text(platform.code().to_string()));
            c.push(format!("platform = {p}"));
        }
        if let Some(status) = q.status {
            let p = c.arg(Arg::Text(status.code().to_string()));
            c.push(format!("status = {p}"));
        }
        let where_sql = c.sql();
        let count_sql = format!("SELECT COUNT(*) AS n FROM accounts{where_sql}");
        let total = get_i64(&c.bind(sqlx::query(sqlx::AssertSqlSafe(count_sql))).fetch_one(self.pool()).await?, "n")?;
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts{where_sql} ORDER BY platform, region, display_name, id \
             LIMIT {} OFFSET {}",
            q.limit.clamp(1, 500),
            q.offset.max(0)
        );
        let rows = c.bind(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.pool()).await?;
        let accounts = rows.iter().map(|r| account_from_row(r).map(|(a, _)| a)).collect::<Result<Vec<_>>>()?;
        Ok((accounts, total))
    }

    /// Whether a reader may see this account (false for an unknown id).
    pub async fn account_visible(&self, account_id: i64, vis: Visibility) -> Result<bool> {
        let mut c = Clause::new();
        let p = c.arg(Arg::Int(account_id));
        c.push(format!("id = {p}"));
        c.visible_accounts(vis, "id");
        let sql = format!("SELECT COUNT(*) AS n FROM accounts{}", c.sql());
        Ok(get_i64(&c.bind(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_one(self.pool()).await?, "n")? > 0)
    }

    /// Accounts by id (any that exist), for labelling lists.
    pub async fn accounts_by_ids(&self, ids: &[i64]) -> Result<HashMap<i64, Account>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id IN ({})", marks.join(", "));
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(self.pool()).await? {
                let (a, _) = account_from_row(&r)?;
                out.insert(a.id, a);
            }
        }
        Ok(out)
    }

    /// One page of findings matching the query, newest change first, and
    /// how many match in all.
    pub async fn search_findings(&self, q: &FindingQuery, vis: Visibility) -> Result<(Vec<StoredFinding>, i64)> {
        let mut c = Clause::new();
        c.visible_accounts(vis, "account_id");
        if let Some(rule) = q.rule {
            let p = c.arg(Arg::Text(rule.code().to_string()));
            c.push(format!("rule = {p}"));
        }
        if let Some(state) = q.state {
            let p = c.arg(Arg::Text(state.code().to_string()));
            c.push(format!("state = {p}"));
        }
        if let Some(kind) = q.kind {
            // The kind is the rule's (RuleId::kind), not a column.
            let rules: Vec<String> = RuleId::ALL
                .into_iter()
                .filter(|r| r.kind() == kind)
                .map(|r| c.arg(Arg::Text(r.code().to_string())))
                .collect();
            c.push(if rules.is_empty() { "1 = 0".to_string() } else { format!("rule IN ({})", rules.join(", ")) });
        }
        if let Some(unit) = q.unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let p = c.arg(Arg::Text(like_pattern(unit)));
            c.push(format!(
                "account_id IN (SELECT id FROM accounts WHERE owner_unit LIKE {p} ESCAPE '\\' \
                 OR supervising_unit LIKE {p} ESCAPE '\\')"
            ));
        }
        if let Some(account) = q.account_id {
            let p = c.arg(Arg::Int(account));
            c.push(format!("account_id = {p}"));
        }
        let where_sql = c.sql();
        let count_sql = format!("SELECT COUNT(*) AS n FROM findings{where_sql}");
        let total = get_i64(&c.bind(sqlx::query(sqlx::AssertSqlSafe(count_sql))).fetch_one(self.pool()).await?, "n")?;
        let sql = format!(
            "SELECT {FINDING_COLUMNS} FROM findings{where_sql} ORDER BY state_since_ms DESC, id DESC LIMIT {} OFFSET {}",
            q.limit.clamp(1, 500),
            q.offset.max(0)
        );
        let rows = c.bind(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.pool()).await?;
        Ok((rows.iter().map(finding_from_row).collect::<Result<Vec<_>>>()?, total))
    }

    /// The overview's counts; observations since `since_ms`.
    pub async fn dashboard_counts(&self, vis: Visibility, since_ms: i64) -> Result<DashboardCounts> {
        let mut out = DashboardCounts::default();

        let mut c = Clause::new();
        c.visible_accounts(vis, "id");
        c.push("retired_at_ms IS NULL".to_string());
        let sql = format!("SELECT platform, status, COUNT(*) AS n FROM accounts{} GROUP BY platform, status", c.sql());
        for r in c.bind(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.pool()).await? {
            let (p, s) = (get_string(&r, "platform")?, get_string(&r, "status")?);
            out.accounts.push((
                Platform::from_code(&p).ok_or_else(|| bad("accounts.platform", p.clone()))?,
                LifecycleStatus::from_code(&s).ok_or_else(|| bad("accounts.status", s.clone()))?,
                get_i64(&r, "n")?,
            ));
        }

        let mut c = Clause::new();
        c.visible_accounts(vis, "account_id");
        c.push("state IN ('warning', 'open', 'rectifying')".to_string());
        let sql = format!("SELECT rule, state, COUNT(*) AS n FROM findings{} GROUP BY rule, state", c.sql());
        for r in c.bind(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.pool()).await? {
            let (rule, state) = (get_string(&r, "rule")?, get_string(&r, "state")?);
            out.findings.push((
                RuleId::from_code(&rule).ok_or_else(|| bad("findings.rule", rule.clone()))?,
                FindingState::from_code(&state).ok_or_else(|| bad("findings.state", state.clone()))?,
                get_i64(&r, "n")?,
            ));
        }

        let mut c = Clause::new();
        let p = c.arg(Arg::Int(since_ms));
        c.push(format!("observed_at_ms >= {p}"));
        c.push("account_id IS NOT NULL".to_string());
        c.visible_accounts(vis, "account_id");
        let sql = format!("SELECT platform, outcome, COUNT(*) AS n FROM observations{} GROUP BY platform, outcome", c.sql());
        for r in c.bind(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.pool()).await? {
            let (p, o) = (get_string(&r, "platform")?, get_string(&r, "outcome")?);
            out.observations.push((
                Platform::from_code(&p).ok_or_else(|| bad("observations.platform", p.clone()))?,
                OutcomeClass::from_code(&o).ok_or_else(|| bad("observations.outcome", o.clone()))?,
                get_i64(&r, "n")?,
            ));
        }
        Ok(out)
    }

    /// An account's profile snapshots, newest first, at most `limit`.
    pub async fn profile_history(&self, account_id: i64, limit: i64) -> Result<Vec<ProfileSnapshot>> {
        let sql = format!(
            "SELECT {PROFILE_COLUMNS}, a.platform_id AS platform_id FROM profile_snapshots p \
             JOIN accounts a ON a.id = p.account_id WHERE p.account_id = $1 \
             ORDER BY p.observed_at_ms DESC, p.id DESC LIMIT {}",
            limit.clamp(1, 1000)
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account_id).fetch_all(self.pool()).await?;
        rows.iter().map(|r| profile_from_row(r, get_string(r, "platform_id")?)).collect()
    }

    /// The registry imports applied so far, newest first, one page, and how
    /// many there are (a dry run writes none: its transaction is rolled back).
    pub async fn list_registry_imports(&self, limit: i64, offset: i64) -> Result<(Vec<RegistryImport>, i64)> {
        let total = get_i64(&sqlx::query("SELECT COUNT(*) AS n FROM registry_imports").fetch_one(self.pool()).await?, "n")?;
        let rows = sqlx::query(
            "SELECT id, file_name, file_sha256, imported_at_ms, added, changed, unchanged, missing, retired \
             FROM registry_imports ORDER BY imported_at_ms DESC, id DESC LIMIT $1 OFFSET $2",
        )
        .bind(limit.clamp(1, 500))
        .bind(offset.max(0))
        .fetch_all(self.pool())
        .await?;
        let imports = rows
            .iter()
            .map(|r| {
                Ok(RegistryImport {
                    id: get_i64(r, "id")?,
                    file_name: get_string(r, "file_name")?,
                    file_sha256: get_string(r, "file_sha256")?,
                    imported_at_ms: get_i64(r, "imported_at_ms")?,
                    added: get_i64(r, "added")?,
                    changed: get_i64(r, "changed")?,
                    unchanged: get_i64(r, "unchanged")?,
                    missing: get_i64(r, "missing")?,
                    retired: get_i64(r, "retired")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((imports, total))
    }

    /// One page of the outbox, newest first, filtered by state and channel
    /// (`None` = any), and how many match in all.
    pub async fn search_notices(
        &self,
        state: Option<NoticeState>,
        channel: Option<Channel>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<NoticeRecord>, i64)> {
        let mut c = Clause::new();
        if let Some(st) = state {
            let p = c.arg(Arg::Text(st.code().to_string()));
            c.push(format!("state = {p}"));
        }
        if let Some(ch) = channel {
            let p = c.arg(Arg::Text(ch.code().to_string()));
            c.push(format!("channel = {p}"));
        }
        let where_sql = c.sql();
        let count_sql = format!("SELECT COUNT(*) AS n FROM notices{where_sql}");
        let total = get_i64(&c.bind(sqlx::query(sqlx::AssertSqlSafe(count_sql))).fetch_one(self.pool()).await?, "n")?;
        let sql = format!(
            "SELECT {NOTICE_COLUMNS} FROM notices{where_sql} ORDER BY id DESC LIMIT {} OFFSET {}",
            limit.clamp(1, 500),
            offset.max(0)
        );
        let rows = c.bind(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.pool()).await?;
        Ok((rows.iter().map(notice_from_row).collect::<Result<Vec<_>>>()?, total))
    }

    /// How many audit-log entries there are (for its pages).
    pub async fn count_audit(&self) -> Result<i64> {
        get_i64(&sqlx::query("SELECT COUNT(*) AS n FROM audit_log").fetch_one(self.pool()).await?, "n")
    }

    /// The description of a stored raw response.
    pub async fn evidence_info(&self, sha256: &str) -> Result<Option<EvidenceInfo>> {
        let row = sqlx::query(
            "SELECT sha256, url, content_type, http_status, fetched_at_ms, size_bytes, pruned_at_ms FROM evidence \
             WHERE sha256 = $1",
        )
        .bind(sha256)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(EvidenceInfo {
                sha256: get_string(&r, "sha256")?,
                url: get_string(&r, "url")?,
                content_type: get_opt_string(&r, "content_type")?,
                http_status: get_opt_i64(&r, "http_status")?,
                fetched_at_ms: get_i64(&r, "fetched_at_ms")?,
                size_bytes: get_i64(&r, "size_bytes")?,
                pruned_at_ms: get_opt_i64(&r, "pruned_at_ms")?,
            })
        })
        .transpose()
    }
}

/// One civil day (Asia/Shanghai) of an account's checks: what the
/// platform answered and what could not be checked, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckDay {
    pub day: chrono::NaiveDate,
    /// Observations the platform answered ([`OutcomeClass::is_platform_answer`]:
    /// data, "does not exist", "banned"): the account was checked.
    pub checked: i64,
    /// The others ("could not check", never a violation) per outcome
    /// class, most frequent first.
    pub not_checked: Vec<(OutcomeClass, i64)>,
    /// The newest "could not check" observation's detail that day, as
    /// stored (it may quote the platform: hostile text).
    pub last_detail: Option<String>,
}

impl CheckDay {
    /// Observations that day.
    pub fn total(&self) -> i64 {
        self.checked + self.not_checked_total()
    }
    pub fn not_checked_total(&self) -> i64 {
        self.not_checked.iter().map(|(_, n)| n).sum()
    }
}

/// The civil day (Asia/Shanghai) number since 1970-01-01 in SQL, as in
/// `store/report.rs`: integer division on both backends, no DST in China.
const OBS_DAY: &str = "((observed_at_ms + 28800000) / 86400000)";
const MS_PER_DAY: i64 = 86_400_000;
const SHANGHAI_OFFSET_MS: i64 = 28_800_000;

fn epoch_day(d: chrono::NaiveDate) -> i64 {
    (d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days()
}

impl Store {
    /// An account's checks on `days` civil days (Asia/Shanghai) from
    /// `first_day`, one entry per day (days without an observation have
    /// zero counts), counted in SQL by day and outcome over the account's
    /// own rows (`observations_account_outcome_time`). Scoping is the
    /// caller's: check [`Store::account_visible`] first.
    pub async fn account_check_days(&self, account_id: i64, first_day: chrono::NaiveDate, days: u32) -> Result<Vec<CheckDay>> {
        let first = epoch_day(first_day);
        let from_ms = first * MS_PER_DAY - SHANGHAI_OFFSET_MS;
        let to_ms = from_ms + i64::from(days) * MS_PER_DAY;
        let mut out: Vec<CheckDay> = (0..i64::from(days))
            .map(|i| CheckDay { day: first_day + chrono::Days::new(i as u64), checked: 0, not_checked: Vec::new(), last_detail: None })
            .collect();
        let n_days = out.len();
        let slot = |day: i64| usize::try_from(day - first).ok().filter(|i| *i < n_days);
        let sql = format!(
            "SELECT {OBS_DAY} AS day, outcome, COUNT(*) AS n FROM observations \
             WHERE account_id = $1 AND observed_at_ms >= $2 AND observed_at_ms < $3 GROUP BY {OBS_DAY}, outcome"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account_id).bind(from_ms).bind(to_ms).fetch_all(self.pool()).await?;
        let mut counted: Vec<(usize, OutcomeClass, i64)> = Vec::with_capacity(rows.len());
        for r in &rows {
            let o = get_string(r, "outcome")?;
            let outcome = OutcomeClass::from_code(&o).ok_or_else(|| bad("observations.outcome", o.clone()))?;
            if let Some(i) = slot(get_i64(r, "day")?) {
                counted.push((i, outcome, get_i64(r, "n")?));
            }
        }
        for (i, outcome, n) in counted {
            let d = &mut out[i];
            if outcome.is_platform_answer() {
                d.checked += n;
            } else {
                d.not_checked.push((outcome, n));
            }
        }
        for d in &mut out {
            d.not_checked.sort_by_key(|(o, n)| (-n, o.code()));
        }
        // The newest failure's detail per day: the failures of the window,
        // newest first (bounded: a day's first row is the one kept).
        let answers: Vec<String> =
            OutcomeClass::ALL.into_iter().filter(|o| o.is_platform_answer()).map(|o| format!("'{}'", o.code())).collect();
        let sql = format!(
            "SELECT {OBS_DAY} AS day, detail FROM observations WHERE account_id = $1 AND observed_at_ms >= $2 \
             AND observed_at_ms < $3 AND outcome NOT IN ({}) AND detail IS NOT NULL \
             ORDER BY observed_at_ms DESC, id DESC LIMIT 5000",
            answers.join(", ")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account_id).bind(from_ms).bind(to_ms).fetch_all(self.pool()).await?;
        for r in &rows {
            if let Some(i) = slot(get_i64(r, "day")?)
                && out[i].last_detail.is_none()
            {
                out[i].last_detail = get_opt_string(r, "detail")?.filter(|s| !s.trim().is_empty());
            }
        }
        Ok(out)
    }
}

/// A finding's early warning (state `warning`): the moment the rule said
/// it becomes a violation, as the rule measured it (`deadline_ms` for
/// 内容不更新, `due_ms` for a closing notice), if it did.
pub fn warning_deadline_ms(f: &StoredFinding) -> Option<i64> {
    ["deadline_ms", "due_ms"].iter().find_map(|k| f.measured.get(*k).and_then(|v| v.as_i64()))
}

/// The overview's "due soon": early warnings, nearest deadline first.
#[derive(Debug, Clone, Default)]
pub struct DueSoon {
    /// Findings in state `warning`, nearest deadline first (those without one last), at most the limit.
    pub warnings: Vec<(StoredFinding, Option<i64>)>,
    /// How many warnings there are in all.
    pub warnings_total: i64,
    /// Accounts being closed (status `closing`), by their closing date, at most the limit.
    pub closing: Vec<Account>,
    pub closing_total: i64,
}

/// New and resolved findings per bucket of a period (the overview's trend).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendBucket {
    pub start_ms: i64,
    /// Findings first seen in the bucket.
    pub new: i64,
    /// Findings resolved (the problem went away) in the bucket.
    pub resolved: i64,
}

/// Warnings read for ordering by deadline: a bound, so the overview stays
/// one bounded read however many there are (the total is counted apart).
const WARNINGS_READ: i64 = 2_000;

impl Store {
    /// What is due soon, within a reader's visibility.
    pub async fn due_soon(&self, vis: Visibility, limit: i64) -> Result<DueSoon> {
        let mut out = DueSoon::default();
        let mut c = Clause::new();
        c.visible_accounts(vis, "account_id");
        c.push("state = 'warning'".to_string());
        let where_sql = c.sql();
        let count_sql = format!("SELECT COUNT(*) AS n FROM findings{where_sql}");
        out.warnings_total = get_i64(&c.bind(sqlx::query(sqlx::AssertSqlSafe(count_sql))).fetch_one(self.pool()).await?, "n")?;
        let sql = format!("SELECT {FINDING_COLUMNS} FROM findings{where_sql} ORDER BY state_since_ms, id LIMIT {WARNINGS_READ}");
        let rows = c.bind(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.pool()).await?;
        let mut warnings: Vec<(StoredFinding, Option<i64>)> = rows
            .iter()
            .map(|r| finding_from_row(r).map(|f| {
                let d = warning_deadline_ms(&f);
                (f, d)
            }))
            .collect::<Result<_>>()?;
        warnings.sort_by_key(|(f, d)| (d.is_none(), d.unwrap_or(i64::MAX), f.id));
        warnings.truncate(limit.max(0) as usize);
        out.warnings = warnings;

        let mut c = Clause::new();
        c.visible_accounts(vis, "id");
        c.push("retired_at_ms IS NULL".to_string());
        c.push("status = 'closing'".to_string());
        let where_sql = c.sql();
        let count_sql = format!("SELECT COUNT(*) AS n FROM accounts{where_sql}");
        out.closing_total = get_i64(&c.bind(sqlx::query(sqlx::AssertSqlSafe(count_sql))).fetch_one(self.pool()).await?, "n")?;
        // ISO dates sort as text; an account without a date last.
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts{where_sql} ORDER BY CASE WHEN closing_on IS NULL THEN 1 ELSE 0 END, closing_on, id LIMIT {}",
            limit.clamp(1, 500)
        );
        let rows = c.bind(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.pool()).await?;
        out.closing = rows.iter().map(|r| account_from_row(r).map(|(a, _)| a)).collect::<Result<Vec<_>>>()?;
        Ok(out)
    }

    /// New and resolved findings per bucket: `buckets` buckets of
    /// `bucket_ms` from `from_ms`, counted in SQL, within a reader's visibility.
    pub async fn finding_trend(&self, vis: Visibility, from_ms: i64, bucket_ms: i64, buckets: usize) -> Result<Vec<TrendBucket>> {
        let bucket_ms = bucket_ms.max(1);
        let to_ms = from_ms.saturating_add(bucket_ms.saturating_mul(buckets as i64));
        let mut out: Vec<TrendBucket> =
            (0..buckets).map(|i| TrendBucket { start_ms: from_ms + bucket_ms * i as i64, new: 0, resolved: 0 }).collect();
        for (column, is_new) in [("first_seen_at_ms", true), ("resolved_at_ms", false)] {
            let mut c = Clause::new();
            c.visible_accounts(vis, "account_id");
            let from = c.arg(Arg::Int(from_ms));
            let to = c.arg(Arg::Int(to_ms));
            c.push(format!("{column} >= {from} AND {column} < {to}"));
            // The bucket's width is a number this function computed, not input.
            let sql = format!(
                "SELECT ({column} - {from_ms}) / {bucket_ms} AS bucket, COUNT(*) AS n FROM findings{} GROUP BY ({column} - {from_ms}) / {bucket_ms}",
                c.sql()
            );
            for r in c.bind(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(self.pool()).await? {
                let (b, n) = (get_i64(&r, "bucket")?, get_i64(&r, "n")?);
                if let Some(slot) = usize::try_from(b).ok().and_then(|b| out.get_mut(b)) {
                    if is_new {
                        slot.new += n;
                    } else {
                        slot.resolved += n;
                    }
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_patterns_escape_their_wildcards() {
        assert_eq!(like_pattern("发布"), "%发布%");
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
