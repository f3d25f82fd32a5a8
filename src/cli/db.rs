//! `xunjian db …`: schema, backup, restore, check, prune.

use super::table::outln;
use super::{CliError, CliResult, open_store, store_options};
use crate::config::LoadedConfig;
use crate::store::{Backend, DbReport, MaintenanceError, Store};
use anyhow::anyhow;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// 执行数据库迁移 (apply pending migrations)
    Migrate,
    /// 显示迁移状态 (show which migrations are applied)
    Status,
    /// 备份：服务运行中也可以，得到某一时刻的一致副本（证据在数据库内，一个文件即全部）
    /// (a consistent copy of the live SQLite database; evidence included)
    Backup {
        /// 备份文件，不能已存在 (the backup file; must not exist)
        file: PathBuf,
    },
    /// 恢复：先停止服务；检查备份的完整性和迁移版本后替换数据库
    /// (stop the service first; checks the backup, then installs it)
    Restore {
        /// 备份文件 (the backup file)
        file: PathBuf,
        /// 数据库已存在时替换它（原数据库改名保留）(replace an existing database; the old one is kept)
        #[arg(long)]
        force: bool,
    },
    /// 检查：完整性、迁移、大小和记录数 (integrity, migrations, sizes, counts)
    Check {
        /// 检查这个文件（如备份），而不是配置中的数据库 (check this SQLite file instead)
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// 清理：按 [retention] 删除过期的原始页面并整理数据库 (prune evidence per [retention], compact)
    Prune {
        /// 只显示会删除多少，不做改动 (show what would be freed, change nothing)
        #[arg(long)]
        dry_run: bool,
        /// 以此时刻计算保留期限 (RFC 3339; default now)
        #[arg(long)]
        at: Option<String>,
    },
}

/// Bad input (exit 2) or a failure (exit 1), by what went wrong.
fn maintenance_error(e: MaintenanceError) -> CliError {
    match e {
        MaintenanceError::NotSqlite
        | MaintenanceError::TargetExists(_)
        | MaintenanceError::NoBackup(_)
        | MaintenanceError::WouldReplace(_) => CliError::invalid(e),
        _ => CliError::failure(e),
    }
}

pub async fn run(loaded: &LoadedConfig, cmd: DbCommand) -> CliResult {
    match cmd {
        DbCommand::Migrate => {
            let store = open_store(loaded).await?;
            let status = store.migration_status().await?;
            outln!("数据库已是最新 (schema up to date): {} 个迁移", status.len());
            Ok(())
        }
        DbCommand::Status => {
            let url = loaded.database_url();
            let store = Store::connect(&url, &store_options(loaded)).await?;
            outln!("数据库 (database): {}", crate::store::redact_url(&url));
            for (m, applied) in store.migration_status().await? {
                outln!(
                    "  {:04} {:<30} {}",
                    m.version,
                    m.description,
                    if applied { "已执行 applied" } else { "未执行 PENDING" }
                );
            }
            Ok(())
        }
        DbCommand::Backup { file } => {
            let store = open_store(loaded).await?;
            let report = store.backup_to(&file).await.map_err(maintenance_error)?;
            store.close().await;
            outln!("备份完成 (backup written): {}", file.display());
            print_report(&report);
            outln!("证据（原始页面）保存在数据库内，这一个文件就是全部数据 (evidence is inside this one file)");
            Ok(())
        }
        DbCommand::Restore { file, force } => {
            let url = loaded.database_url();
            let Some(target) = crate::store::sqlite_path(&url) else {
                return Err(maintenance_error(MaintenanceError::NotSqlite));
            };
            let stamp = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).format("%Y%m%d-%H%M%S").to_string();
            let (report, kept) =
                crate::store::restore_sqlite(&file, &target, force, &stamp).await.map_err(maintenance_error)?;
            outln!("已恢复 (restored): {} → {}", file.display(), target.display());
            print_report(&report);
            if let Some(old) = kept {
                outln!("原数据库已改名保留 (the previous database is kept as): {}", old.display());
            }
            if !report.pending_migrations.is_empty() {
                outln!(
                    "启动服务时将执行 {} 个迁移 (migrations applied at next start): {:?}",
                    report.pending_migrations.len(),
                    report.pending_migrations
                );
            }
            outln!("现在可以启动服务 (start the service now): sudo systemctl start xunjian");
            Ok(())
        }
        DbCommand::Check { file } => {
            let report = match file {
                Some(f) => crate::store::check_sqlite_file(&f).await.map_err(maintenance_error)?,
                None => {
                    let url = super::database_url_with_secret(loaded)?;
                    let store = Store::connect(&url, &store_options(loaded)).await?;
                    outln!("数据库 (database): {}", crate::store::redact_url(&url));
                    let r = store.check().await?;
                    store.close().await;
                    r
                }
            };
            print_report(&report);
            match crate::store::unusable_reason(&report) {
                None => {
                    outln!("检查通过 (OK)");
                    Ok(())
                }
                Some(why) => Err(CliError::failure(anyhow!("检查未通过 (check failed)：{why}"))),
            }
        }
        DbCommand::Prune { dry_run, at } => {
            let now = super::findings::parse_at(at.as_deref())?;
            let store = open_store(loaded).await?;
            let policy = loaded.config.retention.policy(now);
            let r = store.prune_evidence(policy, now.timestamp_millis(), crate::store::PRUNE_BATCH, dry_run).await?;
            let ret = &loaded.config.retention;
            outln!(
                "保留期限 (retention): 未被引用的原始页面 {} 天，问题引用的 {} 年",
                ret.raw_capture_days, ret.finding_evidence_years
            );
            let verb = if dry_run { "将删除 (would prune)" } else { "已删除 (pruned)" };
            outln!(
                "{verb} {} 个原始页面，压缩后 {}（原始 {}）；因被问题引用而保留 {} 个",
                r.bodies,
                human_bytes(r.gzip_bytes),
                human_bytes(r.raw_bytes),
                r.kept_for_findings
            );
            if dry_run {
                return Ok(());
            }
            if store.backend() == Backend::Sqlite {
                let c = store.compact(true).await?;
                if c.converted {
                    outln!("数据库已转换为增量整理模式（只需一次）(switched to incremental vacuum, once)");
                }
                outln!(
                    "数据库文件 (database file): {} → {}",
                    human_bytes(c.bytes_before),
                    human_bytes(c.bytes_after)
                );
            } else {
                outln!("PostgreSQL 由其自动清理 (autovacuum) 回收空间 (PostgreSQL reclaims the space itself)");
            }
            store.close().await;
            Ok(())
        }
    }
}

pub fn human_bytes(n: i64) -> String {
    let n = n as f64;
    if n >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2} GB", n / (1024.0 * 1024.0 * 1024.0))
    } else if n >= 1024.0 * 1024.0 {
        format!("{:.1} MB", n / (1024.0 * 1024.0))
    } else if n >= 1024.0 {
        format!("{:.1} KB", n / 1024.0)
    } else {
        format!("{n} B")
    }
}

fn print_report(r: &DbReport) {
    outln!(
        "  完整性 (integrity): {}",
        if r.integrity_ok { "正常 ok".to_string() } else { format!("有问题 {}", r.integrity_problems.join("；")) }
    );
    if !r.unknown_migrations.is_empty() {
        outln!("  本程序不认识的迁移 (unknown migrations): {:?}", r.unknown_migrations);
    }
    if !r.changed_migrations.is_empty() {
        outln!("  校验和不同的迁移 (changed migrations): {:?}", r.changed_migrations);
    }
    if !r.pending_migrations.is_empty() {
        outln!("  待执行的迁移 (pending migrations): {:?}", r.pending_migrations);
    }
    if r.file_bytes > 0 {
        outln!("  大小 (size): {}，其中空闲 (free) {}", human_bytes(r.file_bytes), human_bytes(r.free_bytes));
    }
    outln!(
        "  账号 {}，抓取记录 {}，证据 {}（已按期限删除内容 {}，压缩后共 {}），问题 {}，问题事件 {}",
        r.accounts,
        r.observations,
        r.evidence,
        r.evidence_pruned,
        human_bytes(r.evidence_gzip_bytes),
        r.findings,
        r.finding_events
    );
}
