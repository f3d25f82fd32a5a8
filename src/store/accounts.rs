//! Accounts: the registry (台账) rows, their audit trail and imports.

use super::{Result, Store, StoreError, flag, get_flag, get_i64, get_opt_i64, get_opt_string, get_string};
use crate::accounts::{Account, AccountSpec, LifecycleStatus};
use chrono::NaiveDate;
use std::collections::HashMap;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use xunjian_adapters::model::Platform;

pub(super) const ACCOUNT_COLUMNS: &str = "id, platform, platform_id, profile_url, display_name, owner_unit, \
     supervising_unit, region, contact_name, contact_email, contact_phone, status, opened_on, closing_on, \
     superior_portal_url, is_source, tags, notes, created_at_ms, updated_at_ms, retired_at_ms";

/// Filters for `accounts list`. Empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    pub platform: Option<Platform>,
    /// Exact region (所属地区).
    pub region: Option<String>,
    /// Substring of the owner unit or the supervising unit.
    pub unit: Option<String>,
    pub status: Option<LifecycleStatus>,
    pub include_retired: bool,
}

impl AccountFilter {
    fn matches(&self, a: &Account, retired: bool) -> bool {
        let s = &a.spec;
        (self.include_retired || !retired)
            && self.platform.is_none_or(|p| s.platform == p)
            && self.region.as_deref().is_none_or(|r| s.region.as_deref() == Some(r))
            && self.status.is_none_or(|st| s.status == st)
            && self.unit.as_deref().is_none_or(|u| {
                s.owner_unit.as_deref().is_some_and(|x| x.contains(u))
                    || s.supervising_unit.as_deref().is_some_and(|x| x.contains(u))
            })
    }
}

/// Registry order: platform, region, name, id.
fn registry_order(a: &Account, b: &Account) -> std::cmp::Ordering {
    (a.spec.platform, &a.spec.region, &a.spec.display_name, a.id).cmp(&(
        b.spec.platform,
        &b.spec.region,
        &b.spec.display_name,
        b.id,
    ))
}

/// One field that an import or a command changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// Column name (`display_name`, `status`, ...).
    pub field: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl FieldChange {
    /// The column as the office's spreadsheet calls it.
    pub fn label(&self) -> &'static str {
        field_label(self.field)
    }
}

pub fn field_label(field: &str) -> &'static str {
    match field {
        "profile_url" => "主页链接",
        "display_name" => "账号名称",
        "owner_unit" => "主办单位",
        "supervising_unit" => "主管单位",
        "region" => "所属地区",
        "contact_name" => "责任人",
        "contact_email" => "电子邮箱",
        "contact_phone" => "联系电话",
        "status" => "状态",
        "opened_on" => "开通日期",
        "closing_on" => "关停日期",
        "superior_portal_url" => "上级门户网址",
        "is_source" => "是否源账号",
        "tags" => "标签",
        "notes" => "备注",
        "retired" => "退出监管",
        "created" => "新增账号",
        _ => "其他",
    }
}

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Retire accounts that are in the store but not in the file.
    pub retire_missing: bool,
    /// Compute and report, write nothing.
    pub dry_run: bool,
    /// For the audit trail: the file's name and SHA-256.
    pub file_name: String,
    pub file_sha256: String,
}

/// What an import did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub added: Vec<AccountSpec>,
    pub changed: Vec<(Account, Vec<FieldChange>)>,
    pub unchanged: usize,
    /// Accounts in the store but not in the file (not retired ones).
    pub missing: Vec<Account>,
    /// Whether `missing` were retired.
    pub retired: bool,
    pub dry_run: bool,
}

/// The comparable fields of a spec, as text (the audit trail's form).
fn spec_fields(s: &AccountSpec) -> [(&'static str, Option<String>); 15] {
    [
        ("profile_url", s.profile_url.clone()),
        ("display_name", Some(s.display_name.clone())),
        ("owner_unit", s.owner_unit.clone()),
        ("supervising_unit", s.supervising_unit.clone()),
        ("region", s.region.clone()),
        ("contact_name", s.contact_name.clone()),
        ("contact_email", s.contact_email.clone()),
        ("contact_phone", s.contact_phone.clone()),
        ("status", Some(s.status.code().to_string())),
        ("opened_on", s.opened_on.map(|d| d.to_string())),
        ("closing_on", s.closing_on.map(|d| d.to_string())),
        ("superior_portal_url", s.superior_portal_url.clone()),
        ("is_source", Some(if s.is_source { "1" } else { "0" }.to_string())),
        ("tags", Some(s.tags.join(","))),
        ("notes", s.notes.clone()),
    ]
}

fn diff(old: &AccountSpec, new: &AccountSpec) -> Vec<FieldChange> {
    spec_fields(old)
        .into_iter()
        .zip(spec_fields(new))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((field, old), (_, new))| FieldChange { field, old, new })
        .collect()
}

fn parse_date(column: &'static str, v: Option<String>) -> Result<Option<NaiveDate>> {
    v.map(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| StoreError::BadValue { column, value: s }))
        .transpose()
}

pub(super) fn account_from_row(row: &AnyRow) -> Result<(Account, bool)> {
    let platform_code = get_string(row, "platform")?;
    let platform = Platform::from_code(&platform_code)
        .ok_or(StoreError::BadValue { column: "accounts.platform", value: platform_code })?;
    let status_code = get_string(row, "status")?;
    let status = LifecycleStatus::from_code(&status_code)
        .ok_or(StoreError::BadValue { column: "accounts.status", value: status_code })?;
    let tags = get_string(row, "tags")?;
    let spec = AccountSpec {
        platform,
        platform_id: get_string(row, "platform_id")?,
        profile_url: get_opt_string(row, "profile_url")?,
        display_name: get_string(row, "display_name")?,
        owner_unit: get_opt_string(row, "owner_unit")?,
        supervising_unit: get_opt_string(row, "supervising_unit")?,
        region: get_opt_string(row, "region")?,
        contact_name: get_opt_string(row, "contact_name")?,
        contact_email: get_opt_string(row, "contact_email")?,
        contact_phone: get_opt_string(row, "contact_phone")?,
        status,
        opened_on: parse_date("accounts.opened_on", get_opt_string(row, "opened_on")?)?,
        closing_on: parse_date("accounts.closing_on", get_opt_string(row, "closing_on")?)?,
        superior_portal_url: get_opt_string(row, "superior_portal_url")?,
        is_source: get_flag(row, "is_source")?,
        tags: if tags.is_empty() { Vec::new() } else { tags.split(',').map(str::to_string).collect() },
        notes: get_opt_string(row, "notes")?,
    };
    let retired = get_opt_i64(row, "retired_at_ms")?.is_some();
    Ok((
        Account {
            id: get_i64(row, "id")?,
            spec,
            created_at_ms: get_i64(row, "created_at_ms")?,
            updated_at_ms: get_i64(row, "updated_at_ms")?,
        },
        retired,
    ))
}

async fn all_accounts(tx: &mut Transaction<'_, Any>) -> Result<Vec<(Account, bool)>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut **tx).await?;
    rows.iter().map(account_from_row).collect()
}

async fn insert_account(tx: &mut Transaction<'_, Any>, s: &AccountSpec, now_ms: i64) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO accounts (platform, platform_id, profile_url, display_name, owner_unit, supervising_unit, \
         region, contact_name, contact_email, contact_phone, status, opened_on, closing_on, superior_portal_url, \
         is_source, tags, notes, created_at_ms, updated_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id",
    )
    .bind(s.platform.code())
    .bind(&s.platform_id)
    .bind(&s.profile_url)
    .bind(&s.display_name)
    .bind(&s.owner_unit)
    .bind(&s.supervising_unit)
    .bind(&s.region)
    .bind(&s.contact_name)
    .bind(&s.contact_email)
    .bind(&s.contact_phone)
    .bind(s.status.code())
    .bind(s.opened_on.map(|d| d.to_string()))
    .bind(s.closing_on.map(|d| d.to_string()))
    .bind(&s.superior_portal_url)
    .bind(flag(s.is_source))
    .bind(s.tags.join(","))
    .bind(&s.notes)
    .bind(now_ms)
    .bind(now_ms)
    .fetch_one(&mut **tx)
    .await?;
    get_i64(&row, "id")
}

async fn update_account(tx: &mut Transaction<'_, Any>, id: i64, s: &AccountSpec, now_ms: i64) -> Result<()> {
    sqlx::query(
        "UPDATE accounts SET profile_url = $1, display_name = $2, owner_unit = $3, supervising_unit = $4, \
         region = $5, contact_name = $6, contact_email = $7, contact_phone = $8, status = $9, opened_on = $10, \
         closing_on = $11, superior_portal_url = $12, is_source = $13, tags = $14, notes = $15, \
         updated_at_ms = $16, retired_at_ms = NULL WHERE id = $17",
    )
    .bind(&s.profile_url)
    .bind(&s.display_name)
    .bind(&s.owner_unit)
    .bind(&s.supervising_unit)
    .bind(&s.region)
    .bind(&s.contact_name)
    .bind(&s.contact_email)
    .bind(&s.contact_phone)
    .bind(s.status.code())
    .bind(s.opened_on.map(|d| d.to_string()))
    .bind(s.closing_on.map(|d| d.to_string()))
    .bind(&s.superior_portal_url)
    .bind(flag(s.is_source))
    .bind(s.tags.join(","))
    .bind(&s.notes)
    .bind(now_ms)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn record_changes(
    tx: &mut Transaction<'_, Any>,
    account_id: i64,
    changes: &[FieldChange],
    now_ms: i64,
    source: &str,
) -> Result<()> {
    for c in changes {
        sqlx::query(
            "INSERT INTO account_changes (account_id, changed_at_ms, field, old_value, new_value, source) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(account_id)
        .bind(now_ms)
        .bind(c.field)
        .bind(&c.old)
        .bind(&c.new)
        .bind(source)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The registry as of one version of the `accounts` table: every account
/// ever registered (retired ones flagged) in registry order, with an index
/// by id. One is shared by every check until an account is written; a check
/// borrows from it and copies nothing (copying 10,000 accounts twice per
/// check was two thirds of the daemon's CPU at that size).
#[derive(Debug, Default)]
pub struct Registry {
    version: i64,
    everyone: Vec<Account>,
    retired: Vec<bool>,
    by_id: HashMap<i64, usize>,
    /// Values computed from this version (e.g. the rules' name indexes),
    /// by type, built once and dropped with it.
    derived: std::sync::Mutex<HashMap<std::any::TypeId, std::sync::Arc<dyn std::any::Any + Send + Sync>>>,
}

impl Registry {
    fn new(version: i64, mut rows: Vec<(Account, bool)>) -> Registry {
        rows.sort_by(|a, b| registry_order(&a.0, &b.0));
        let (everyone, retired): (Vec<Account>, Vec<bool>) = rows.into_iter().unzip();
        let by_id = everyone.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
        Registry { version, everyone, retired, by_id, derived: Default::default() }
    }

    /// The version of the `accounts` table this was read at.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// Every account ever registered, retired ones included, in registry
    /// order (impostor candidates are compared with all of them: a unit's
    /// retired account is not an impostor).
    pub fn everyone(&self) -> &[Account] {
        &self.everyone
    }

    /// The supervised registry: accounts not retired, in registry order (as
    /// `list_accounts` with the default filter).
    pub fn current(&self) -> impl Iterator<Item = &Account> + Clone {
        self.everyone.iter().zip(&self.retired).filter(|(_, r)| !**r).map(|(a, _)| a)
    }

    /// Accounts matching `filter`, in registry order.
    pub fn matching<'a>(&'a self, filter: &'a AccountFilter) -> impl Iterator<Item = &'a Account> {
        self.everyone.iter().zip(&self.retired).filter(|(a, r)| filter.matches(a, **r)).map(|(a, _)| a)
    }

    /// Any account by id, retired ones included.
    pub fn get(&self, id: i64) -> Option<&Account> {
        self.by_id.get(&id).map(|i| &self.everyone[*i])
    }

    /// Whether the account with this id is retired (None: no such account).
    pub fn is_retired(&self, id: i64) -> Option<bool> {
        self.by_id.get(&id).map(|i| self.retired[*i])
    }

    /// `build(self)`, computed once per registry version and type: what
    /// every check would otherwise derive from the whole registry again.
    pub fn derived<T: Send + Sync + 'static>(&self, build: impl FnOnce(&Registry) -> T) -> std::sync::Arc<T> {
        let key = std::any::TypeId::of::<T>();
        if let Some(v) = self.derived.lock().unwrap_or_else(|e| e.into_inner()).get(&key).cloned()
            && let Ok(v) = v.downcast::<T>()
        {
            return v;
        }
        // Built outside the lock: two checks may build it at once, and the
        // last one kept is as good as the first.
        let v = std::sync::Arc::new(build(self));
        self.derived.lock().unwrap_or_else(|e| e.into_inner()).insert(key, v.clone());
        v
    }
}

impl Store {
    /// The registry, from the store's cache while no account was written.
    ///
    /// The cache is keyed by `registry_version`, a number the database's
    /// triggers bump on every write to `accounts` (migration 0013), read
    /// before the rows: a write committed in between costs one more reload,
    /// and edits by another process or another daemon are seen at the next
    /// call. Reading it is one primary-key lookup.
    pub async fn registry(&self) -> Result<std::sync::Arc<Registry>> {
        let version = get_i64(
            &sqlx::query("SELECT version FROM registry_version WHERE id = 1").fetch_one(self.pool()).await?,
            "version",
        )?;
        let cached = |store: &Store| {
            store.registry_cache.lock().unwrap_or_else(|e| e.into_inner()).as_ref().filter(|c| c.version >= version).cloned()
        };
        if let Some(c) = cached(self) {
            return Ok(c);
        }
        // One read at a time; whoever waited takes what the reader before
        // it cached if that is at least as new as the version it read.
        let _reading = self.registry_reload.lock().await;
        if let Some(c) = cached(self) {
            return Ok(c);
        }
        // Row by row: a driver row is several times the size of the account
        // it holds, so collecting all of them first tripled the peak.
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts");
        let mut rows = Vec::new();
        {
            let mut stream = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(self.pool());
            while let Some(row) = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
                rows.push(account_from_row(&row?)?);
            }
        }
        let registry = std::sync::Arc::new(Registry::new(version, rows));
        *self.registry_cache.lock().unwrap_or_else(|e| e.into_inner()) = Some(registry.clone());
        Ok(registry)
    }

    /// The registry (as `list_accounts` with the default filter) and every
    /// account ever registered, retired ones included, as copies (for
    /// callers that keep them; a check borrows from [`Store::registry`]).
    pub async fn registry_and_everyone(&self) -> Result<(Vec<Account>, Vec<Account>)> {
        let all = self.registry().await?;
        Ok((all.current().cloned().collect(), all.everyone().to_vec()))
    }

    /// Accounts matching the filter, ordered by platform, region and name.
    pub async fn list_accounts(&self, filter: &AccountFilter) -> Result<Vec<Account>> {
        // The registry is hundreds of rows; filtering here keeps one plain
        // statement that behaves the same on both backends.
        Ok(self.registry().await?.matching(filter).cloned().collect())
    }

    pub async fn get_account(&self, id: i64) -> Result<Option<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(|r| account_from_row(r).map(|(a, _)| a)).transpose()
    }

    pub async fn find_account(&self, platform: Platform, platform_id: &str) -> Result<Option<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE platform = $1 AND platform_id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(platform.code())
            .bind(platform_id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(|r| account_from_row(r).map(|(a, _)| a)).transpose()
    }

    /// Whether the account was retired from supervision.
    pub async fn is_retired(&self, id: i64) -> Result<bool> {
        let row = sqlx::query("SELECT retired_at_ms FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::NoSuchAccount(id.to_string()))?;
        Ok(get_opt_i64(&row, "retired_at_ms")?.is_some())
    }

    /// Adds one account; an existing (platform, id) is an error.
    pub async fn add_account(&self, spec: &AccountSpec, now_ms: i64, source: &str) -> Result<Account> {
        let mut tx = self.pool().begin().await?;
        let exists = sqlx::query("SELECT id FROM accounts WHERE platform = $1 AND platform_id = $2")
            .bind(spec.platform.code())
            .bind(&spec.platform_id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(StoreError::DuplicateAccount {
                platform: spec.platform.code().to_string(),
                platform_id: spec.platform_id.clone(),
            });
        }
        let id = insert_account(&mut tx, spec, now_ms).await?;
        let created = FieldChange { field: "created", old: None, new: Some(spec.display_name.clone()) };
        record_changes(&mut tx, id, &[created], now_ms, source).await?;
        tx.commit().await?;
        Ok(Account { id, spec: spec.clone(), created_at_ms: now_ms, updated_at_ms: now_ms })
    }

    /// Changes an account's lifecycle status, keeping the audit trail.
    /// Returns the change, or `None` when the status was already `status`.
    pub async fn set_account_status(
        &self,
        id: i64,
        status: LifecycleStatus,
        now_ms: i64,
        source: &str,
    ) -> Result<Option<FieldChange>> {
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query("SELECT status FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NoSuchAccount(id.to_string()))?;
        let old = get_string(&row, "status")?;
        if old == status.code() {
            return Ok(None);
        }
        sqlx::query("UPDATE accounts SET status = $1, updated_at_ms = $2 WHERE id = $3")
            .bind(status.code())
            .bind(now_ms)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let change = FieldChange { field: "status", old: Some(old), new: Some(status.code().to_string()) };
        record_changes(&mut tx, id, std::slice::from_ref(&change), now_ms, source).await?;
        tx.commit().await?;
        Ok(Some(change))
    }

    /// The audit trail of one account, oldest first: (time ms, change, source).
    pub async fn account_history(&self, id: i64) -> Result<Vec<(i64, FieldChange, String)>> {
        let rows = sqlx::query(
            "SELECT changed_at_ms, field, old_value, new_value, source FROM account_changes \
             WHERE account_id = $1 ORDER BY changed_at_ms, id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let field = get_string(r, "field")?;
                let field = FIELD_NAMES.iter().copied().find(|f| *f == field).unwrap_or("other");
                Ok((
                    get_i64(r, "changed_at_ms")?,
                    FieldChange { field, old: get_opt_string(r, "old_value")?, new: get_opt_string(r, "new_value")? },
                    get_string(r, "source")?,
                ))
            })
            .collect()
    }

    /// Imports a whole registry in one transaction: adds new accounts,
    /// updates changed ones by (platform, id), reports missing ones and
    /// retires them only when asked. With `dry_run` nothing is written.
    pub async fn import_accounts(
        &self,
        specs: &[AccountSpec],
        options: &ImportOptions,
        now_ms: i64,
    ) -> Result<ImportReport> {
        let mut tx = self.pool().begin().await?;
        let existing = all_accounts(&mut tx).await?;
        let source = format!("import:{}", options.file_name);
        let mut report = ImportReport { dry_run: options.dry_run, ..Default::default() };
        let mut seen = std::collections::HashSet::new();

        for spec in specs {
            seen.insert((spec.platform, spec.platform_id.clone()));
            let current = existing
                .iter()
                .find(|(a, _)| a.spec.platform == spec.platform && a.spec.platform_id == spec.platform_id);
            match current {
                None => {
                    let id = insert_account(&mut tx, spec, now_ms).await?;
                    let created = FieldChange { field: "created", old: None, new: Some(spec.display_name.clone()) };
                    record_changes(&mut tx, id, &[created], now_ms, &source).await?;
                    report.added.push(spec.clone());
                }
                Some((account, retired)) => {
                    let mut changes = diff(&account.spec, spec);
                    if *retired {
                        changes.push(FieldChange { field: "retired", old: Some("1".into()), new: Some("0".into()) });
                    }
                    if changes.is_empty() {
                        report.unchanged += 1;
                    } else {
                        update_account(&mut tx, account.id, spec, now_ms).await?;
                        record_changes(&mut tx, account.id, &changes, now_ms, &source).await?;
                        report.changed.push((account.clone(), changes));
                    }
                }
            }
        }

        report.missing = existing
            .into_iter()
            .filter(|(a, retired)| !retired && !seen.contains(&(a.spec.platform, a.spec.platform_id.clone())))
            .map(|(a, _)| a)
            .collect();
        if options.retire_missing {
            for a in &report.missing {
                sqlx::query("UPDATE accounts SET retired_at_ms = $1, updated_at_ms = $2 WHERE id = $3")
                    .bind(now_ms)
                    .bind(now_ms)
                    .bind(a.id)
                    .execute(&mut *tx)
                    .await?;
                let change = FieldChange { field: "retired", old: Some("0".into()), new: Some("1".into()) };
                record_changes(&mut tx, a.id, &[change], now_ms, &source).await?;
            }
            report.retired = !report.missing.is_empty();
        }

        sqlx::query(
            "INSERT INTO registry_imports (file_name, file_sha256, imported_at_ms, added, changed, unchanged, \
             missing, retired) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&options.file_name)
        .bind(&options.file_sha256)
        .bind(now_ms)
        .bind(report.added.len() as i64)
        .bind(report.changed.len() as i64)
        .bind(report.unchanged as i64)
        .bind(report.missing.len() as i64)
        .bind(if report.retired { report.missing.len() as i64 } else { 0 })
        .execute(&mut *tx)
        .await?;

        if options.dry_run {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(report)
    }
}

const FIELD_NAMES: [&str; 17] = [
    "created",
    "profile_url",
    "display_name",
    "owner_unit",
    "supervising_unit",
    "region",
    "contact_name",
    "contact_email",
    "contact_phone",
    "status",
    "opened_on",
    "closing_on",
    "superior_portal_url",
    "is_source",
    "tags",
    "notes",
    "retired",
];
