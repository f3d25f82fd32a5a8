//! `xunjian init [DIR]`: a commented configuration and an example registry,
//! so a new office can start from something that works.

use super::table::outln;
use super::{CliError, CliResult};
use crate::config::LoadedConfig;
use anyhow::anyhow;
use clap::Args;
use std::path::{Path, PathBuf};

/// The example configuration `init` writes: every key, its default, and why.
pub const EXAMPLE_CONFIG: &str = include_str!("xunjian.example.toml");

#[derive(Debug, Args)]
pub struct InitArgs {
    /// 目录，默认当前目录 (directory; default the current one)
    pub dir: Option<PathBuf>,
    /// 覆盖已存在的文件 (overwrite existing files)
    #[arg(long)]
    pub force: bool,
    /// 同时创建数据库并导入示例台账 (also create the database and import the example registry)
    #[arg(long)]
    pub import: bool,
}

pub async fn run(args: &InitArgs) -> CliResult {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    create_private_dir(&dir).map_err(|e| CliError::failure(anyhow!("无法创建目录 {}：{e}", dir.display())))?;
    let config_path = dir.join("xunjian.toml");
    let registry_path = dir.join("accounts.xlsx");
    for p in [&config_path, &registry_path] {
        if p.exists() && !args.force {
            return Err(CliError::invalid(anyhow!("{} 已存在；如需覆盖请加 --force (exists; use --force)", p.display())));
        }
    }
    write_private(&config_path, EXAMPLE_CONFIG.as_bytes())?;
    crate::registry::write_example_xlsx(&registry_path)?;
    // The registry names staff, with phones and e-mail addresses.
    make_private(&registry_path)?;
    outln!("已写入 (written):");
    outln!("  {}  —— 配置文件，每项均有注释和默认值", config_path.display());
    outln!("  {}  —— 示例台账，可按此格式填写本地账号", registry_path.display());
    if args.import {
        import_example(&config_path, &registry_path).await?;
    } else {
        let c = shell_path(&config_path);
        outln!("下一步 (next):");
        outln!("  xunjian --config {c} accounts import {}", shell_path(&registry_path));
        outln!("  xunjian --config {c} accounts list");
    }
    Ok(())
}

async fn import_example(config_path: &Path, registry_path: &Path) -> CliResult {
    let loaded = LoadedConfig::from_file(config_path).map_err(CliError::invalid)?;
    let parsed = crate::registry::read_registry(registry_path).map_err(CliError::invalid)?;
    // The database holds the registry (staff names, phones, e-mail): create
    // its directory and file private before SQLite creates them 0644. SQLite
    // gives its -wal and -shm files the database file's permissions.
    if loaded.config.database.url.trim().is_empty() && std::env::var_os("XUNJIAN_DATABASE_URL").is_none() {
        let data_dir = loaded.data_dir();
        create_private_dir(&data_dir)
            .map_err(|e| CliError::failure(anyhow!("无法创建数据目录 {}：{e}", data_dir.display())))?;
        let db = data_dir.join("xunjian.db");
        if !db.exists() {
            write_private(&db, b"")?;
        }
    }
    let store = super::open_store(&loaded).await?;
    let specs: Vec<_> = parsed.specs().cloned().collect();
    let options = crate::store::ImportOptions { file_name: "accounts.xlsx".into(), ..Default::default() };
    let report = store.import_accounts(&specs, &options, super::accounts::now_ms()).await?;
    outln!(
        "已创建数据库 {} 并导入示例台账：新增 {}，变更 {}，未变 {}",
        crate::store::redact_url(&loaded.database_url()),
        report.added.len(),
        report.changed.len(),
        report.unchanged
    );
    outln!("查看 (list): xunjian --config {} accounts list", shell_path(config_path));
    if let Some(pw) = super::users::create_first_admin(&store).await? {
        outln!("已创建控制台管理员 (console administrator)：用户名 admin，一次性密码 {pw}");
        outln!("  只显示这一次；首次登录后须修改 (shown once; change it at the first login)");
    }
    let listen = loaded.config.daemon.listen.trim();
    if !listen.is_empty() {
        outln!("启动 (start): xunjian --config {} run，然后用浏览器打开 http://{listen}/", shell_path(config_path));
    }
    store.close().await;
    Ok(())
}

/// Creates `dir` (and missing parents) readable by its owner only; an
/// existing directory is left as it is (it may be the user's own).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Writes a file readable and writable by its owner only (0600), also when
/// it already existed with wider permissions (`--force`).
fn write_private(path: &Path, bytes: &[u8]) -> CliResult {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| CliError::failure(anyhow!("无法写入 {}：{e}", path.display())))?;
    std::io::Write::write_all(&mut file, bytes)
        .map_err(|e| CliError::failure(anyhow!("无法写入 {}：{e}", path.display())))?;
    make_private(path)
}

fn make_private(path: &Path) -> CliResult {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| CliError::failure(anyhow!("无法设置 {} 的权限：{e}", path.display())))?;
    }
    Ok(())
}

fn shell_path(p: &Path) -> String {
    let s = p.display().to_string();
    if s.contains(' ') { format!("'{s}'") } else { s }
}

#[cfg(test)]
mod tests {
    use super::EXAMPLE_CONFIG;
    use crate::config::{Config, parse};

    /// The example must parse and state the real defaults: only data_dir
    /// differs (it points beside the file so `init DIR` is self-contained).
    #[test]
    fn example_config_documents_the_defaults() {
        let mut example = parse(EXAMPLE_CONFIG).expect("example config parses");
        assert_eq!(example.general.data_dir, "data");
        example.general.data_dir = String::new();
        assert_eq!(format!("{example:?}"), format!("{:?}", Config::default()));
    }
}
