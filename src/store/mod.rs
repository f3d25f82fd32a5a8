//! The store: every line of SQL in xunjian lives under this module.
//!
//! One typed API over SQLite (the embedded default) and PostgreSQL (when
//! several daemons share the work), through sqlx's Any driver: the same
//! statements, `$N` placeholders in order of first use, BIGINT epoch
//! milliseconds for instants and INTEGER 0/1 flags, so both backends behave
//! the same and every function is tested on both.

mod accounts;
mod api_tokens;
mod audit;
mod console;
mod findings;
mod maintenance;
mod health;
mod notices;
mod observations;
mod report;
mod schedule;
mod users;

pub use api_tokens::{ApiToken, NewApiToken};
pub use audit::{AuditEntry, NewAuditEntry};
pub use console::{AccountQuery, CheckDay, DashboardCounts, DueSoon, EvidenceInfo, FindingQuery, RegistryImport, TrendBucket, Visibility, warning_deadline_ms};
pub use users::{NewUser, Role, Session, User, UserScope};
pub use accounts::{AccountFilter, FieldChange, ImportOptions, ImportReport, Registry};
pub use findings::{
    CoverageDay, EventKind, FindingEvent, FindingFilter, FindingState, FindingTransition, NoticePlanner, StoredFinding,
    ThirdPartyMark, next_state,
};
pub use maintenance::{
    CompactReport, DbReport, MaintenanceError, PRUNE_BATCH, PruneReport, RetentionPolicy, check_sqlite_file, restore_sqlite,
    sqlite_in_use, sqlite_path, unusable_reason,
};
pub use health::{DeliveryFailureFact, HealthFacts, OutboxFacts, PlatformFacts};
pub use notices::{Channel, NewNotice, NoticeKind, NoticeRecord, NoticeState};
pub use report::{AccountSpan, FirstRepost, FollowerSpan, ObservationAggregate, PostAggregate, ReportEvent, SourcePost};
pub use schedule::{CheckKind, CheckRun, DaemonGauges, DueCheck, JobRun, NextDue, ROUTINE_SLACK_MS};
pub use observations::{
    CaptureRef, NewObservation, ObservationRecord, ObservedData, PostRecord, ProfileSnapshot, ReadCompleteness,
    ReadReach, StoredSearchHit,
};

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        let scheme = url.split(':').next().unwrap_or_default().to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(StoreError::UnsupportedUrl(redact_url(url))),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("不支持的数据库地址 (unsupported database URL) `{0}`: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("无法连接数据库 {url} (cannot connect): {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("数据库迁移失败 (migration failed): {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("数据库错误 (database error): {0}")]
    Database(#[from] sqlx::Error),
    #[error("账号已存在 (account already exists): {platform} {platform_id}")]
    DuplicateAccount { platform: String, platform_id: String },
    #[error("找不到账号 (no such account): {0}")]
    NoSuchAccount(String),
    #[error("找不到问题记录 (no such finding): {0}")]
    NoSuchFinding(String),
    #[error("数据库中的值无法识别 (unrecognised value in column {column}): `{value}`")]
    BadValue { column: &'static str, value: String },
    #[error("证据数据无法解压 (evidence {sha256} cannot be decompressed): {source}")]
    Evidence { sha256: String, source: std::io::Error },
    #[error(
        "证据 {sha256} 的原始页面已按保留期限删除（{}），其网址、时间和哈希仍在 (evidence body pruned by retention)",
        crate::rules::fmt_local_ms(*at_ms)
    )]
    EvidencePruned { sha256: String, at_ms: i64 },
    /// A person's action on a finding that its kind or state does not allow
    /// (a second dismissal, rectifying an event, marking a state finding).
    /// The message says why, for the person.
    #[error("{0}")]
    Refused(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { max_connections: 5, busy_timeout: Duration::from_secs(5) }
    }
}

/// A handle on the database. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The registry as last read (see `Store::registry`); shared by the
    /// clones of one handle.
    registry_cache: std::sync::Arc<std::sync::Mutex<Option<std::sync::Arc<Registry>>>>,
    /// Held while the registry is read from the database: checks that find
    /// the cache stale at the same moment wait for one read instead of each
    /// holding a copy of every account at once (four concurrent reads of
    /// 10,000 accounts were the daemon's peak heap, which glibc then kept).
    registry_reload: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// A migration as recorded in the database.
#[derive(Debug, Clone)]
pub struct AppliedMigration {
    pub version: i64,
    pub description: String,
}

impl Store {
    /// Connects and brings the schema up to date.
    pub async fn open(url: &str, options: &StoreOptions) -> Result<Store> {
        let store = Store::connect(url, options).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating (for `db status`).
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        if backend == Backend::Sqlite {
            ensure_sqlite_parent_dir(url);
        }
        let busy_ms = options.busy_timeout.as_millis() as u64;
        let mut pool_options = AnyPoolOptions::new().max_connections(options.max_connections.max(1));
        if backend == Backend::Sqlite {
            pool_options = pool_options.after_connect(move |conn, _meta| {
                Box::pin(async move {
                    // foreign_keys is on by default in sqlx's SQLite driver;
                    // said again so the schema's cascades never depend on it.
                    // auto_vacuum = INCREMENTAL takes effect only on a database
                    // without tables, so new databases are created in it (and
                    // before journal_mode, which would mark the file used); on
                    // an older database it changes nothing until `db prune`
                    // converts it with one VACUUM (see Store::compact).
                    let pragmas = format!(
                        "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {busy_ms};"
                    );
                    sqlx::raw_sql(sqlx::AssertSqlSafe(pragmas)).execute(&mut *conn).await?;
                    Ok(())
                })
            });
        }
        let pool = pool_options
            .connect(url)
            .await
            .map_err(|source| StoreError::Connect { url: redact_url(url), source })?;
        if backend == Backend::Sqlite {
            // WAL is a property of the database file: readers never block the
            // daemon's writer. Set once per open.
            sqlx::query("PRAGMA journal_mode = WAL").fetch_all(&pool).await?;
        }
        Ok(Store { pool, backend, registry_cache: Default::default(), registry_reload: Default::default() })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies pending migrations. Safe to run from several daemons at once
    /// on PostgreSQL (sqlx takes an advisory lock).
    pub async fn migrate(&self) -> Result<()> {
        self.migrator().run(&self.pool).await?;
        Ok(())
    }

    /// Migrations known to this binary, and whether each is applied.
    pub async fn migration_status(&self) -> Result<Vec<(AppliedMigration, bool)>> {
        let applied: Vec<i64> = match sqlx::query("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_all(&self.pool)
            .await
        {
            Ok(rows) => rows.iter().map(|r| r.try_get::<i64, _>(0)).collect::<Result<_, _>>()?,
            // No table yet: nothing applied.
            Err(_) => Vec::new(),
        };
        Ok(self
            .migrator()
            .iter()
            .map(|m| {
                (
                    AppliedMigration { version: m.version, description: m.description.to_string() },
                    applied.contains(&m.version),
                )
            })
            .collect())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// The URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// Creates the directory of a SQLite file so a fresh data directory works.
fn ensure_sqlite_parent_dir(url: &str) {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return;
    }
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        let _ = std::fs::create_dir_all(parent);
    }
    // A database the URL allows to be created (`mode=rwc`) is created here
    // first, readable by its owner only: it holds staff names, phones and
    // e-mails, and SQLite would create it with the umask's 0644 (its -wal and
    // -shm files take the database file's mode). An empty file is an empty
    // SQLite database.
    #[cfg(unix)]
    if url.split('?').nth(1).is_some_and(|q| q.split('&').any(|kv| kv == "mode=rwc")) {
        use std::os::unix::fs::OpenOptionsExt;
        let _ = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path);
    }
}

// ---- small row helpers shared by the submodules ----

pub(crate) fn get_i64(row: &AnyRow, col: &str) -> Result<i64> {
    Ok(row.try_get::<i64, _>(col)?)
}

pub(crate) fn get_opt_i64(row: &AnyRow, col: &str) -> Result<Option<i64>> {
    Ok(row.try_get::<Option<i64>, _>(col)?)
}

pub(crate) fn get_string(row: &AnyRow, col: &str) -> Result<String> {
    Ok(row.try_get::<String, _>(col)?)
}

pub(crate) fn get_opt_string(row: &AnyRow, col: &str) -> Result<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(col)?)
}

pub(crate) fn get_flag(row: &AnyRow, col: &str) -> Result<bool> {
    Ok(get_i64(row, col)? != 0)
}

pub(crate) fn get_opt_flag(row: &AnyRow, col: &str) -> Result<Option<bool>> {
    Ok(get_opt_i64(row, col)?.map(|v| v != 0))
}

pub(crate) fn flag(b: bool) -> i64 {
    i64::from(b)
}

#[cfg(test)]
mod migration_tests {
    use super::*;

    /// A database written before 0009 (every finding ends) keeps its open
    /// event findings as recorded ones, with one `recorded` event each, and
    /// its state findings open: an upgrade must not leave a late repost
    /// chased as 逾期未整改 for ever, nor close a live problem.
    #[tokio::test]
    async fn migration_0009_records_open_event_findings_and_leaves_state_findings_open() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
        let store = Store::connect(&url, &StoreOptions::default()).await.unwrap();
        SQLITE_MIGRATIONS.run_to(8, &store.pool).await.unwrap();
        sqlx::raw_sql(
            "INSERT INTO accounts (id, platform, platform_id, display_name, created_at_ms, updated_at_ms) \
             VALUES (1, 'weibo', '1001', '甲县发布', 0, 0); \
             INSERT INTO findings (id, fingerprint, rule, account_id, subject, state, state_since_ms, last_verdict, \
               summary_zh, citation_document, citation_article, evidence_json, measured_json, first_seen_at_ms, \
               last_seen_at_ms, last_evaluated_at_ms) VALUES \
             (1, 'f1', 'repost_delay', 1, 'weibo:1', 'open', 1000, 'violation', '转发超时', 'd', 'a', '[]', '{}', 1000, 1000, 1000), \
             (2, 'f2', 'opening_notice', 1, 'account', 'open', 2000, 'violation', '未发布开通公告', 'd', 'a', '[]', '{}', 2000, 2000, 2000), \
             (3, 'f3', 'zombie', 1, 'account', 'open', 3000, 'violation', '未更新', 'd', 'a', '[]', '{}', 3000, 3000, 3000), \
             (4, 'f4', 'repost_delay', 1, 'weibo:2', 'resolved', 4000, 'pass', '已转发', 'd', 'a', '[]', '{}', 4000, 4000, 4000);",
        )
        .execute(&store.pool)
        .await
        .unwrap();
        store.migrate().await.unwrap();
        let state = |id: i64| {
            let store = &store;
            async move { store.get_finding(id).await.unwrap().unwrap().state }
        };
        assert_eq!(state(1).await, FindingState::Recorded);
        assert_eq!(state(2).await, FindingState::Recorded);
        assert_eq!(state(3).await, FindingState::Open, "a state finding stays open");
        assert_eq!(state(4).await, FindingState::Resolved, "only open ones move");
        for (id, at) in [(1, 1000), (2, 2000)] {
            let ev = store.finding_events(id).await.unwrap();
            assert_eq!(ev.len(), 1, "{ev:?}");
            assert_eq!((ev[0].kind, ev[0].at_ms), (EventKind::Recorded, at));
        }
        assert!(store.finding_events(3).await.unwrap().is_empty());
        // Applying again changes nothing.
        store.migrate().await.unwrap();
        assert_eq!(store.finding_events(1).await.unwrap().len(), 1);
    }
}
