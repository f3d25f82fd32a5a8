//! Keeping a database for years: backup, restore, check, retention.
//!
//! Evidence (every raw response, gzip-compressed) lives in the database
//! (`evidence_bodies.body_gzip`), so a copy of the SQLite file is the whole record:
//! registry, observations, evidence, findings and the outbox. PostgreSQL is
//! backed up with `pg_dump` (README); only retention works on both.

use super::{Backend, Result, SQLITE_MIGRATIONS, Store, StoreError, get_i64};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Row, SqliteConnection};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Rows per prune statement: SQLite's write lock is held for one batch of
/// this many small updates (milliseconds), never for the whole prune.
pub const PRUNE_BATCH: i64 = 500;

/// How long evidence bodies are kept (see `[retention]` in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// A body no finding cites is dropped once nothing fetched it since.
    pub raw_capture_cutoff_ms: i64,
    /// A body a finding cites is dropped once no finding cited it since.
    pub finding_evidence_cutoff_ms: i64,
}

/// What a prune did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// Bodies that are (or would be) dropped.
    pub bodies: i64,
    /// Their compressed size, measured before pruning.
    pub gzip_bytes: i64,
    /// Their uncompressed size.
    pub raw_bytes: i64,
    /// Bodies kept because a finding cites them and they are older than the
    /// raw-capture cutoff (what retention keeps for findings).
    pub kept_for_findings: i64,
}

/// Sizes and health of a database.
#[derive(Debug, Clone, Default)]
pub struct DbReport {
    /// `PRAGMA integrity_check` answered `ok` (always true on PostgreSQL,
    /// which has no such check: its own server checks pages).
    pub integrity_ok: bool,
    /// What `integrity_check` said when it was not `ok` (first lines).
    pub integrity_problems: Vec<String>,
    /// Applied migration versions this binary does not know: a backup from
    /// a newer program.
    pub unknown_migrations: Vec<i64>,
    /// Known migrations whose recorded checksum differs from this binary's.
    pub changed_migrations: Vec<i64>,
    /// Known migrations not yet applied (applied at the next start).
    pub pending_migrations: Vec<i64>,
    pub file_bytes: i64,
    pub free_bytes: i64,
    /// SQLite `auto_vacuum`: 0 none, 1 full, 2 incremental.
    pub auto_vacuum: i64,
    pub accounts: i64,
    pub observations: i64,
    pub evidence: i64,
    pub evidence_pruned: i64,
    pub evidence_gzip_bytes: i64,
    pub findings: i64,
    pub finding_events: i64,
}

impl DbReport {
    /// Fit to be restored and run by this binary.
    pub fn usable(&self) -> bool {
        self.integrity_ok && self.unknown_migrations.is_empty() && self.changed_migrations.is_empty()
    }
}

/// What compacting freed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CompactReport {
    pub bytes_before: i64,
    pub bytes_after: i64,
    /// The database was switched to `auto_vacuum = INCREMENTAL` (one full
    /// VACUUM, once in its life).
    pub converted: bool,
    /// The database is (now) in incremental mode; false means it still
    /// needs `xunjian db prune` once to convert it.
    pub incremental: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum MaintenanceError {
    #[error(
        "备份、恢复只适用于 SQLite 数据库；PostgreSQL 请用 pg_dump / pg_restore（见 README 运维说明）\
         (backup/restore are for SQLite; use pg_dump for PostgreSQL)"
    )]
    NotSqlite,
    #[error("目标文件已存在，不会覆盖：{0}（请换一个文件名）(target exists)")]
    TargetExists(PathBuf),
    #[error("找不到备份文件：{0} (no such backup file)")]
    NoBackup(PathBuf),
    #[error(
        "数据库 {0} 正在被使用（巡检服务可能仍在运行）。请先停止服务：sudo systemctl stop xunjian，再执行恢复 \
         (the database is in use: stop the service first)"
    )]
    InUse(PathBuf),
    #[error(
        "数据库 {0} 已存在。确认要用备份替换它时加 --force（原数据库会改名保留，不会删除）\
         (the database exists: add --force to replace it; the old one is kept under a new name)"
    )]
    WouldReplace(PathBuf),
    #[error("备份文件不可用，未做任何改动 (the backup is not usable, nothing was changed)：{0}")]
    Unusable(String),
    #[error("文件操作失败 {path}：{source} (file error)")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for MaintenanceError {
    fn from(e: sqlx::Error) -> Self {
        MaintenanceError::Store(StoreError::Database(e))
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> MaintenanceError + '_ {
    move |source| MaintenanceError::Io { path: path.to_path_buf(), source }
}

/// The file of a `sqlite:` URL (`None` for other backends and `:memory:`).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    if Backend::from_url(url).ok()? != Backend::Sqlite {
        return None;
    }
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// One connection on a SQLite file by path (no URL escaping to get wrong).
async fn open_file(path: &Path, read_only: bool) -> Result<SqliteConnection, sqlx::Error> {
    SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(5))
        .disable_statement_logging()
        .connect()
        .await
}

/// True when another connection (a running daemon, a `findings list`) has
/// the database open. In WAL mode every open connection holds a shared lock,
/// so an exclusive lock is refused exactly while someone has it open.
pub async fn sqlite_in_use(path: &Path) -> Result<bool, MaintenanceError> {
    if !path.exists() {
        return Ok(false);
    }
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .busy_timeout(Duration::from_millis(200))
        .disable_statement_logging()
        .connect()
        .await?;
    sqlx::raw_sql("PRAGMA locking_mode = EXCLUSIVE").execute(&mut conn).await?;
    let probe = sqlx::raw_sql("BEGIN EXCLUSIVE; COMMIT;").execute(&mut conn).await;
    conn.close().await?;
    match probe {
        Ok(_) => Ok(false),
        Err(sqlx::Error::Database(e)) if e.message().contains("locked") || e.message().contains("busy") => Ok(true),
        Err(e) => Err(e.into()),
    }
}

/// Integrity, migrations and sizes of a SQLite file, read-only.
pub async fn check_sqlite_file(path: &Path) -> Result<DbReport, MaintenanceError> {
    if !path.is_file() {
        return Err(MaintenanceError::NoBackup(path.to_path_buf()));
    }
    let mut conn = open_file(path, true).await.map_err(|e| MaintenanceError::Unusable(e.to_string()))?;
    // Whatever SQLite cannot read in the file (a damaged page fails the
    // integrity check itself, or a later query) makes the file unusable.
    let report = sqlite_report(&mut conn)
        .await
        .map_err(|e| MaintenanceError::Unusable(format!("文件已损坏或无法读取（{e}）")));
    let _ = conn.close().await;
    report
}

async fn sqlite_report(conn: &mut SqliteConnection) -> Result<DbReport, MaintenanceError> {
    let mut r = DbReport::default();
    // integrity_check answers one row `ok`, or up to 100 rows of problems.
    let rows = sqlx::query("PRAGMA integrity_check").fetch_all(&mut *conn).await?;
    let lines: Vec<String> = rows.iter().filter_map(|row| row.try_get::<String, _>(0).ok()).collect();
    r.integrity_ok = lines.len() == 1 && lines[0] == "ok";
    if !r.integrity_ok {
        r.integrity_problems = lines.into_iter().take(10).collect();
    }
    let page_size: i64 = sqlx::query_scalar("PRAGMA page_size").fetch_one(&mut *conn).await?;
    let page_count: i64 = sqlx::query_scalar("PRAGMA page_count").fetch_one(&mut *conn).await?;
    let freelist: i64 = sqlx::query_scalar("PRAGMA freelist_count").fetch_one(&mut *conn).await?;
    r.auto_vacuum = sqlx::query_scalar("PRAGMA auto_vacuum").fetch_one(&mut *conn).await?;
    r.file_bytes = page_size * page_count;
    r.free_bytes = page_size * freelist;

    let has_table = |name: &'static str| {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?")
            .bind(name)
    };
    if has_table("_sqlx_migrations").fetch_one(&mut *conn).await? == 1 {
        let applied: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success = 1 ORDER BY version")
                .fetch_all(&mut *conn)
                .await?;
        compare_migrations(&mut r, &applied);
    } else {
        r.pending_migrations = SQLITE_MIGRATIONS.iter().map(|m| m.version).collect();
    }
    if has_table("findings").fetch_one(&mut *conn).await? == 1 {
        let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
        r.accounts = count("SELECT COUNT(*) FROM accounts").fetch_one(&mut *conn).await?;
        r.observations = count("SELECT COUNT(*) FROM observations").fetch_one(&mut *conn).await?;
        r.evidence = count("SELECT COUNT(*) FROM evidence").fetch_one(&mut *conn).await?;
        if !r.pending_migrations.contains(&7) {
            r.evidence_gzip_bytes = count("SELECT COALESCE(SUM(LENGTH(body_gzip)), 0) FROM evidence_bodies")
                .fetch_one(&mut *conn)
                .await?;
        }
        r.findings = count("SELECT COUNT(*) FROM findings").fetch_one(&mut *conn).await?;
        r.finding_events = count("SELECT COUNT(*) FROM finding_events").fetch_one(&mut *conn).await?;
        if !r.pending_migrations.contains(&7) {
            r.evidence_pruned = count("SELECT COUNT(*) FROM evidence WHERE pruned_at_ms IS NOT NULL")
                .fetch_one(&mut *conn)
                .await?;
        }
    }
    Ok(r)
}

fn compare_migrations(r: &mut DbReport, applied: &[(i64, Vec<u8>)]) {
    for (version, checksum) in applied {
        match SQLITE_MIGRATIONS.iter().find(|m| m.version == *version) {
            None => r.unknown_migrations.push(*version),
            Some(m) if m.checksum.as_ref() != checksum.as_slice() => r.changed_migrations.push(*version),
            Some(_) => {}
        }
    }
    r.pending_migrations = SQLITE_MIGRATIONS
        .iter()
        .map(|m| m.version)
        .filter(|v| !applied.iter().any(|(a, _)| a == v))
        .collect();
}

/// Why a report makes a file unusable, in words for the operator.
pub fn unusable_reason(r: &DbReport) -> Option<String> {
    if !r.integrity_ok {
        return Some(format!("完整性检查未通过 (integrity_check failed)：{}", r.integrity_problems.join("；")));
    }
    if !r.unknown_migrations.is_empty() {
        return Some(format!(
            "它来自更新版本的巡检（包含本程序不认识的迁移 {:?}），请用相同或更新版本的程序恢复 \
             (made by a newer xunjian)",
            r.unknown_migrations
        ));
    }
    if !r.changed_migrations.is_empty() {
        return Some(format!(
            "迁移 {:?} 的校验和与本程序不同（数据库来自另一个构建）(migration checksums differ)",
            r.changed_migrations
        ));
    }
    None
}

/// Flushes a file (or directory) to disk so a rename after it is durable.
fn sync_path(path: &Path) -> Result<(), MaintenanceError> {
    std::fs::File::open(path).and_then(|f| f.sync_all()).map_err(io(path))
}

fn sync_parent(path: &Path) -> Result<(), MaintenanceError> {
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => sync_path(dir),
        None => sync_path(Path::new(".")),
    }
}

/// `FILE.partial` beside FILE: written first, renamed when complete, so a
/// crash mid-way never leaves a half file under the final name.
fn partial_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".partial");
    PathBuf::from(s)
}

impl Store {
    /// A consistent copy of the live SQLite database at `dest` (which must
    /// not exist), checked before it gets its name. `VACUUM INTO` reads one
    /// snapshot (a WAL read transaction), so the daemon goes on writing
    /// meanwhile and the copy is the database as of one instant; it is also
    /// compact (no free pages). Evidence is in the database, so this one
    /// file is the whole record.
    pub async fn backup_to(&self, dest: &Path) -> Result<DbReport, MaintenanceError> {
        if self.backend() != Backend::Sqlite {
            return Err(MaintenanceError::NotSqlite);
        }
        if dest.exists() {
            return Err(MaintenanceError::TargetExists(dest.to_path_buf()));
        }
        let partial = partial_path(dest);
        // A partial file is what an interrupted backup left: ours to replace.
        let _ = std::fs::remove_file(&partial);
        let Some(dest_str) = partial.to_str() else {
            return Err(MaintenanceError::Unusable(format!("文件名不是有效的 UTF-8：{}", partial.display())));
        };
        sqlx::query("VACUUM INTO $1").bind(dest_str).execute(self.pool()).await?;
        let report = check_sqlite_file(&partial).await?;
        if let Some(why) = unusable_reason(&report) {
            let _ = std::fs::remove_file(&partial);
            return Err(MaintenanceError::Unusable(why));
        }
        sync_path(&partial)?;
        std::fs::rename(&partial, dest).map_err(io(dest))?;
        sync_parent(dest)?;
        Ok(report)
    }

    /// Integrity, migrations and sizes of the database this store is on.
    pub async fn check(&self) -> Result<DbReport> {
        match self.backend() {
            Backend::Sqlite => {
                let mut conn = self.pool().acquire().await?;
                let rows = sqlx::query("PRAGMA integrity_check").fetch_all(&mut *conn).await?;
                let lines: Vec<String> = rows.iter().filter_map(|row| row.try_get::<String, _>(0).ok()).collect();
                drop(conn);
                let mut r = self.counts().await?;
                r.integrity_ok = lines.len() == 1 && lines[0] == "ok";
                if !r.integrity_ok {
                    r.integrity_problems = lines.into_iter().take(10).collect();
                }
                let (file, free, auto) = self.sqlite_sizes().await?;
                (r.file_bytes, r.free_bytes, r.auto_vacuum) = (file, free, auto);
                Ok(r)
            }
            Backend::Postgres => {
                let mut r = self.counts().await?;
                r.integrity_ok = true;
                let row = sqlx::query("SELECT CAST(pg_database_size(current_database()) AS BIGINT) AS n")
                    .fetch_one(self.pool())
                    .await?;
                r.file_bytes = get_i64(&row, "n")?;
                Ok(r)
            }
        }
    }

    async fn counts(&self) -> Result<DbReport> {
        let mut r = DbReport::default();
        for (m, applied) in self.migration_status().await? {
            if !applied {
                r.pending_migrations.push(m.version);
            }
        }
        let count = |sql: &'static str| async move {
            let row = sqlx::query(sql).fetch_one(self.pool()).await?;
            get_i64(&row, "n")
        };
        r.accounts = count("SELECT COUNT(*) AS n FROM accounts").await?;
        r.observations = count("SELECT COUNT(*) AS n FROM observations").await?;
        r.evidence = count("SELECT COUNT(*) AS n FROM evidence").await?;
        r.evidence_pruned = count("SELECT COUNT(*) AS n FROM evidence WHERE pruned_at_ms IS NOT NULL").await?;
        r.evidence_gzip_bytes =
            count("SELECT CAST(COALESCE(SUM(LENGTH(body_gzip)), 0) AS BIGINT) AS n FROM evidence_bodies").await?;
        r.findings = count("SELECT COUNT(*) AS n FROM findings").await?;
        r.finding_events = count("SELECT COUNT(*) AS n FROM finding_events").await?;
        Ok(r)
    }

    /// (file bytes, free bytes, auto_vacuum) of a SQLite database.
    async fn sqlite_sizes(&self) -> Result<(i64, i64, i64)> {
        let mut conn = self.pool().acquire().await?;
        let mut one = async |sql: &'static str| -> Result<i64> {
            let row = sqlx::query(sql).fetch_one(&mut *conn).await?;
            Ok(sqlx::Row::try_get::<i64, _>(&row, 0)?)
        };
        let page_size = one("PRAGMA page_size").await?;
        let pages = one("PRAGMA page_count").await?;
        let free = one("PRAGMA freelist_count").await?;
        let auto = one("PRAGMA auto_vacuum").await?;
        Ok((page_size * pages, page_size * free, auto))
    }

    /// Drops the raw bodies retention no longer keeps, in batches of
    /// `batch` rows, each one short statement (SQLite holds its write lock
    /// for one batch, never for the whole prune). A body goes when nothing
    /// fetched it since `raw_capture_cutoff_ms` and no finding cited it
    /// since `finding_evidence_cutoff_ms`. The evidence row stays (URL,
    /// time, size, SHA-256), as do the observations and captures pointing
    /// to it; `pruned_at_ms` records when. With `dry_run`, only counts.
    /// The conditions are checked inside each UPDATE, so a capture fetched
    /// again or a finding citing it between batches keeps its body.
    pub async fn prune_evidence(
        &self,
        policy: RetentionPolicy,
        now_ms: i64,
        batch: i64,
        dry_run: bool,
    ) -> Result<PruneReport> {
        // Age is the observation's time (the injected clock every rule and
        // this cutoff use), not the capture's own fetched_at, which adapters
        // take from the machine's clock.
        const RECENT: &str = "SELECT 1 FROM observation_captures oc JOIN observations o ON o.id = oc.observation_id \
             WHERE oc.sha256 = e.sha256 AND o.observed_at_ms >= $1";
        const CITED: &str = "SELECT 1 FROM finding_evidence fe WHERE fe.sha256 = e.sha256 AND fe.last_cited_at_ms >= $2";
        let prunable = format!("e.pruned_at_ms IS NULL AND NOT EXISTS ({RECENT}) AND NOT EXISTS ({CITED})");
        let sql = format!(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(LENGTH(b.body_gzip)), 0) AS BIGINT) AS gz, \
             CAST(COALESCE(SUM(e.size_bytes), 0) AS BIGINT) AS raw \
             FROM evidence e LEFT JOIN evidence_bodies b ON b.sha256 = e.sha256 WHERE {prunable}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(policy.raw_capture_cutoff_ms)
            .bind(policy.finding_evidence_cutoff_ms)
            .fetch_one(self.pool())
            .await?;
        let mut report = PruneReport {
            bodies: get_i64(&row, "n")?,
            gzip_bytes: get_i64(&row, "gz")?,
            raw_bytes: get_i64(&row, "raw")?,
            kept_for_findings: 0,
        };
        let sql = format!(
            "SELECT COUNT(*) AS n FROM evidence e WHERE e.pruned_at_ms IS NULL AND NOT EXISTS ({RECENT}) \
             AND EXISTS ({CITED})"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(policy.raw_capture_cutoff_ms)
        .bind(policy.finding_evidence_cutoff_ms)
        .fetch_one(self.pool())
        .await?;
        report.kept_for_findings = get_i64(&row, "n")?;
        if dry_run {
            return Ok(report);
        }
        // Each batch marks up to `batch` rows pruned (the conditions checked
        // inside the statement) and deletes the bodies of the rows marked
        // now, in one short transaction. A body fetched again in between is
        // unmarked by `put_evidence` and so not deleted.
        let mark = format!(
            "UPDATE evidence SET pruned_at_ms = $3 WHERE sha256 IN \
             (SELECT e.sha256 FROM evidence e WHERE {prunable} LIMIT $4)"
        );
        let mut pruned = 0;
        loop {
            let mut tx = self.pool().begin().await?;
            let done = sqlx::query(sqlx::AssertSqlSafe(mark.as_str()))
                .bind(policy.raw_capture_cutoff_ms)
                .bind(policy.finding_evidence_cutoff_ms)
                .bind(now_ms)
                .bind(batch.max(1))
                .execute(&mut *tx)
                .await?
                .rows_affected() as i64;
            sqlx::query(
                "DELETE FROM evidence_bodies WHERE sha256 IN (SELECT sha256 FROM evidence WHERE pruned_at_ms = $1)",
            )
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            pruned += done;
            if done == 0 {
                break;
            }
            // Let the daemon's writers in between batches.
            tokio::task::yield_now().await;
        }
        // What was dropped, counted as it happened (a body fetched again
        // between the count and the batches is kept and not counted).
        report.bodies = pruned;
        Ok(report)
    }

    /// Gives SQLite's free pages back to the file system. The database must
    /// be in `auto_vacuum = INCREMENTAL` mode; a database created before
    /// that was set is switched with one full VACUUM when `convert` is
    /// given (it rewrites the whole file and blocks writers while it runs,
    /// so the daemon never does it by itself: `xunjian db prune` does).
    /// New databases are created in that mode (`Store::connect`).
    /// PostgreSQL reuses the space of pruned bodies itself (autovacuum).
    pub async fn compact(&self, convert: bool) -> Result<CompactReport> {
        if self.backend() != Backend::Sqlite {
            return Ok(CompactReport::default());
        }
        let (before, _, auto) = self.sqlite_sizes().await?;
        let mut report =
            CompactReport { bytes_before: before, bytes_after: before, converted: false, incremental: auto == 2 };
        let mut conn = self.pool().acquire().await?;
        if auto != 2 {
            if !convert {
                return Ok(report);
            }
            // The mode takes effect with the VACUUM on the same connection.
            sqlx::raw_sql("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;").execute(&mut *conn).await?;
            report.converted = true;
            report.incremental = true;
        } else {
            // Each step frees pages; fetch_all runs it to the end.
            sqlx::query("PRAGMA incremental_vacuum").fetch_all(&mut *conn).await?;
        }
        // In WAL mode the file shrinks when the log is checkpointed.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").fetch_all(&mut *conn).await?;
        drop(conn);
        report.bytes_after = self.sqlite_sizes().await?.0;
        Ok(report)
    }
}

/// Installs a backup as the database at `target`: the backup is checked
/// (integrity, migrations this binary knows), the database must not be in
/// use, and an existing database is replaced only with `force` — then it is
/// renamed `…before-restore-<when>` (with its -wal and -shm files, which
/// belong to it and must never be read with the restored file), not
/// deleted. The copy is written beside the target and renamed into place, so
/// a crash leaves either the old database or the new one.
pub async fn restore_sqlite(
    backup: &Path,
    target: &Path,
    force: bool,
    stamp: &str,
) -> Result<(DbReport, Option<PathBuf>), MaintenanceError> {
    let report = check_sqlite_file(backup).await?;
    if let Some(why) = unusable_reason(&report) {
        return Err(MaintenanceError::Unusable(why));
    }
    let side = |suffix: &str| {
        let mut s = target.as_os_str().to_owned();
        s.push(suffix);
        PathBuf::from(s)
    };
    let exists = target.exists() || side("-wal").exists();
    if exists && sqlite_in_use(target).await? {
        return Err(MaintenanceError::InUse(target.to_path_buf()));
    }
    if exists && !force {
        return Err(MaintenanceError::WouldReplace(target.to_path_buf()));
    }
    if let Some(dir) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let partial = partial_path(target);
    std::fs::copy(backup, &partial).map_err(io(&partial))?;
    sync_path(&partial)?;
    let mut kept = None;
    if exists {
        let aside = side(&format!(".before-restore-{stamp}"));
        for suffix in ["-wal", "-shm"] {
            let from = side(suffix);
            if from.exists() {
                let mut to = aside.as_os_str().to_owned();
                to.push(suffix);
                std::fs::rename(&from, PathBuf::from(to)).map_err(io(&from))?;
            }
        }
        if target.exists() {
            std::fs::rename(target, &aside).map_err(io(target))?;
        }
        kept = Some(aside);
    }
    std::fs::rename(&partial, target).map_err(io(target))?;
    sync_parent(target)?;
    Ok((report, kept))
}
