//! `xunjian accounts …`: the registry (台账).

use super::table::{self, out, outln};
use super::{CliError, CliResult, open_store};
use crate::accounts::{Account, AccountSpec, LifecycleStatus};
use crate::config::LoadedConfig;
use crate::registry;
use crate::store::{AccountFilter, ImportOptions, ImportReport, Store};
use anyhow::anyhow;
use chrono::{NaiveDate, TimeZone, Utc};
use clap::{Args, Subcommand, ValueEnum};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::time::Duration;
use xunjian_adapters::model::Platform;

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// 从 Excel（.xlsx/.xls）或 CSV 导入台账；全部有效才写入 (import; all or nothing)
    Import {
        /// 台账文件 (registry file)
        file: PathBuf,
        /// 工作表名称；默认读取唯一一个带台账表头的可见工作表，有多个时须指定
        /// (worksheet; default: the one visible sheet with a registry header)
        #[arg(long)]
        sheet: Option<String>,
        /// 只显示将发生的变化，不写入 (show what would change, write nothing)
        #[arg(long)]
        dry_run: bool,
        /// 台账中有而文件中没有的账号退出监管 (retire accounts missing from the file)
        #[arg(long)]
        retire_missing: bool,
    },
    /// 列出账号 (list accounts)
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// 输出格式 (output format)
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// 查看一个账号：台账信息、变更记录、最近观测 (show one account)
    Show {
        /// 账号：数据库 ID，或 平台:账号ID，如 weibo:1234567890
        account: String,
    },
    /// 导出台账为 .xlsx 或 .csv（带 BOM，Excel 可直接打开）(export)
    Export {
        /// 输出文件，扩展名决定格式 (.xlsx or .csv)
        file: PathBuf,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// 新增一个账号 (add one account)
    Add(Box<AddArgs>),
    /// 修改账号状态 (change lifecycle status)
    SetStatus {
        /// 账号：数据库 ID，或 平台:账号ID
        account: String,
        /// 状态：正常/新开通/拟开通/拟关停/已关停 或 active/opening/planned/closing/closed
        status: String,
    },
}

#[derive(Debug, Args)]
pub struct FilterArgs {
    /// 平台 (e.g. 微博, weibo)
    #[arg(long)]
    platform: Option<String>,
    /// 所属地区 (region)
    #[arg(long)]
    region: Option<String>,
    /// 主办或主管单位（包含）(owner or supervising unit contains)
    #[arg(long)]
    unit: Option<String>,
    /// 状态 (status)
    #[arg(long)]
    status: Option<String>,
    /// 包括已退出监管的账号 (include retired accounts)
    #[arg(long)]
    all: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ListFormat {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// 平台 (微博/微信公众号/抖音/今日头条/哔哩哔哩/快手/小红书)；给了主页链接时可省略
    #[arg(long)]
    platform: Option<String>,
    /// 账号ID；给了主页链接时可省略
    #[arg(long)]
    id: Option<String>,
    /// 主页链接
    #[arg(long)]
    url: Option<String>,
    /// 账号名称
    #[arg(long)]
    name: String,
    /// 主办单位
    #[arg(long)]
    owner_unit: Option<String>,
    /// 主管单位
    #[arg(long)]
    supervising_unit: Option<String>,
    /// 所属地区
    #[arg(long)]
    region: Option<String>,
    /// 责任人
    #[arg(long)]
    contact_name: Option<String>,
    /// 电子邮箱
    #[arg(long)]
    email: Option<String>,
    /// 联系电话
    #[arg(long)]
    phone: Option<String>,
    /// 状态，默认 正常
    #[arg(long)]
    status: Option<String>,
    /// 开通日期 YYYY-MM-DD
    #[arg(long)]
    opened_on: Option<String>,
    /// 关停日期 YYYY-MM-DD
    #[arg(long)]
    closing_on: Option<String>,
    /// 上级门户网址
    #[arg(long)]
    portal: Option<String>,
    /// 是源账号（其重点信息须被转载）
    #[arg(long)]
    source: bool,
}

pub async fn run(loaded: &LoadedConfig, cmd: AccountsCommand) -> CliResult {
    match cmd {
        AccountsCommand::Import { file, sheet, dry_run, retire_missing } => {
            import(loaded, file, sheet, dry_run, retire_missing).await
        }
        AccountsCommand::List { filter, format } => {
            let filter = filter.to_filter()?;
            let store = open_store(loaded).await?;
            let accounts = store.list_accounts(&filter).await?;
            print_list(&accounts, format)
        }
        AccountsCommand::Show { account } => {
            let store = open_store(loaded).await?;
            let a = resolve(&store, &account).await?;
            show(&store, &a).await
        }
        AccountsCommand::Export { file, filter } => {
            let filter = filter.to_filter()?;
            let store = open_store(loaded).await?;
            let accounts = store.list_accounts(&filter).await?;
            let specs: Vec<AccountSpec> = accounts.into_iter().map(|a| a.spec).collect();
            let ext = file.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
            match ext.as_str() {
                "xlsx" => registry::write_xlsx(&file, &specs)?,
                "csv" => registry::write_csv(&file, &specs)?,
                _ => return Err(CliError::invalid(anyhow!("导出文件扩展名须为 .xlsx 或 .csv：{}", file.display()))),
            }
            outln!("已导出 {} 个账号到 {}", specs.len(), file.display());
            Ok(())
        }
        AccountsCommand::Add(args) => {
            let spec = (*args).into_spec()?;
            let store = open_store(loaded).await?;
            let a = store.add_account(&spec, now_ms(), "cli:add").await.map_err(|e| match e {
                crate::store::StoreError::DuplicateAccount { .. } => CliError::invalid(e),
                other => CliError::failure(other),
            })?;
            outln!("已新增账号 #{}：{}（{}）{}", a.id, a.spec.display_name, a.spec.platform.display_name(), a.spec.platform_id);
            Ok(())
        }
        AccountsCommand::SetStatus { account, status } => {
            let status = parse_status(&status)?;
            let store = open_store(loaded).await?;
            let a = resolve(&store, &account).await?;
            match store.set_account_status(a.id, status, now_ms(), "cli:set-status").await? {
                Some(_) => outln!(
                    "#{} {}：状态 {} → {}",
                    a.id,
                    a.spec.display_name,
                    a.spec.status.display_name(),
                    status.display_name()
                ),
                None => outln!("#{} {}：状态已是 {}，未改变", a.id, a.spec.display_name, status.display_name()),
            }
            Ok(())
        }
    }
}

/// Now in Unix milliseconds, on the injected clock ([`super::now`]).
pub(super) fn now_ms() -> i64 {
    super::now().timestamp_millis()
}

fn parse_platform(s: &str) -> CliResult<Platform> {
    registry::parse_platform_name(s).ok_or_else(|| {
        CliError::invalid(anyhow!(
            "无法识别的平台「{s}」（可用：{}）",
            Platform::ALL.iter().map(|p| p.display_name()).collect::<Vec<_>>().join("、")
        ))
    })
}

fn parse_status(s: &str) -> CliResult<LifecycleStatus> {
    registry::parse_status_word(s).ok_or_else(|| {
        CliError::invalid(anyhow!(
            "无法识别的状态「{s}」（可用：{}）",
            LifecycleStatus::ALL.iter().map(|p| p.display_name()).collect::<Vec<_>>().join("、")
        ))
    })
}

fn parse_date(field: &str, s: &str) -> CliResult<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| CliError::invalid(anyhow!("{field}「{s}」不是 YYYY-MM-DD 格式的日期")))
}

impl FilterArgs {
    fn to_filter(&self) -> CliResult<AccountFilter> {
        Ok(AccountFilter {
            platform: self.platform.as_deref().map(parse_platform).transpose()?,
            region: self.region.clone(),
            unit: self.unit.clone(),
            status: self.status.as_deref().map(parse_status).transpose()?,
            include_retired: self.all,
        })
    }
}

impl AddArgs {
    fn into_spec(self) -> CliResult<AccountSpec> {
        let from_link = self
            .url
            .as_deref()
            .map(registry::platform_id_from_link)
            .transpose()
            .map_err(|e| CliError::invalid(anyhow!("主页链接无法识别：{e}")))?;
        let platform = match (self.platform.as_deref().map(parse_platform).transpose()?, &from_link) {
            (Some(p), Some((lp, _))) if p != *lp => {
                return Err(CliError::invalid(anyhow!(
                    "平台「{}」与主页链接的平台「{}」不一致",
                    p.display_name(),
                    lp.display_name()
                )));
            }
            (Some(p), _) => p,
            (None, Some((lp, _))) => *lp,
            (None, None) => return Err(CliError::invalid(anyhow!("请给出 --platform 或 --url"))),
        };
        let platform_id = match (self.id, from_link) {
            (Some(id), _) if !id.trim().is_empty() => id.trim().to_string(),
            (_, Some((_, id))) => id,
            _ => return Err(CliError::invalid(anyhow!("请给出 --id 或 --url"))),
        };
        registry::check_platform_id(platform, &platform_id)
            .map_err(|why| CliError::invalid(anyhow!("账号ID「{platform_id}」{why}")))?;
        let email = self
            .email
            .as_deref()
            .map(registry::normalise_emails)
            .transpose()
            .map_err(|why| CliError::invalid(anyhow!("电子邮箱格式不对：{why}")))?;
        let name = self.name.trim();
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(CliError::invalid(anyhow!("账号名称不能为空，也不能有换行或控制字符")));
        }
        let mut spec = AccountSpec::new(platform, platform_id, name);
        spec.profile_url = self.url;
        spec.owner_unit = self.owner_unit;
        spec.supervising_unit = self.supervising_unit;
        spec.region = self.region;
        spec.contact_name = self.contact_name;
        spec.contact_email = email;
        spec.contact_phone = self.phone;
        spec.status = self.status.as_deref().map(parse_status).transpose()?.unwrap_or_default();
        spec.opened_on = self.opened_on.as_deref().map(|d| parse_date("开通日期", d)).transpose()?;
        spec.closing_on = self.closing_on.as_deref().map(|d| parse_date("关停日期", d)).transpose()?;
        spec.superior_portal_url = self.portal;
        spec.is_source = self.source;
        Ok(spec)
    }
}

/// "42" (database id) or "weibo:123" / "微博:123" (platform and its id).
pub(super) async fn resolve(store: &Store, reference: &str) -> CliResult<Account> {
    let found = if let Ok(id) = reference.trim().parse::<i64>() {
        store.get_account(id).await?
    } else if let Some((p, id)) = reference.split_once([':', '：']) {
        let platform = parse_platform(p)?;
        store.find_account(platform, id.trim()).await?
    } else {
        return Err(CliError::invalid(anyhow!("账号「{reference}」应为数据库 ID 或 平台:账号ID（如 weibo:1234567890）")));
    };
    found.ok_or_else(|| CliError::invalid(anyhow!("找不到账号「{reference}」")))
}

async fn import(
    loaded: &LoadedConfig,
    file: PathBuf,
    sheet: Option<String>,
    dry_run: bool,
    retire_missing: bool,
) -> CliResult {
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(format!("读取 {} …", file.display()));
    spinner.enable_steady_tick(Duration::from_millis(120));
    let today = Utc
        .timestamp_millis_opt(now_ms())
        .single()
        .unwrap_or_default()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let options =
        registry::ReadOptions { sheet, limits: loaded.config.import.limits(), ..registry::ReadOptions::new(today) };
    let parsed = registry::read_registry_with(&file, &options);
    spinner.finish_and_clear();
    let parsed = parsed.map_err(CliError::invalid)?;
    // Which sheet was read is the first thing to know: a hidden or wrong
    // sheet read silently is how real accounts got retired.
    match &parsed.sheet {
        Some(sheet) => outln!("读取 (read)：{} 工作表「{sheet}」，表头在第 {} 行", file.display(), parsed.header_row),
        None => outln!("读取 (read)：{}，表头在第 {} 行", file.display(), parsed.header_row),
    }
    for w in &parsed.warnings {
        eprintln!("提示 (warning): {w}");
    }
    let bytes = std::fs::read(&file)?;
    let options = ImportOptions {
        retire_missing,
        dry_run,
        file_name: file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        file_sha256: hex::encode(Sha256::digest(&bytes)),
    };
    let store = open_store(loaded).await?;
    let specs: Vec<AccountSpec> = parsed.specs().cloned().collect();
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(format!("写入 {} 个账号 …", specs.len()));
    spinner.enable_steady_tick(Duration::from_millis(120));
    let report = store.import_accounts(&specs, &options, now_ms()).await;
    spinner.finish_and_clear();
    print_import_report(&file, specs.len(), &report?);
    Ok(())
}

fn print_import_report(file: &std::path::Path, rows: usize, r: &ImportReport) {
    let mode = if r.dry_run { "（试运行，未写入 dry run: nothing written）" } else { "" };
    outln!("{}：共 {} 个账号{mode}", file.display(), rows);
    outln!(
        "  新增 added {}，变更 changed {}，未变 unchanged {}，文件中缺少 missing {}",
        r.added.len(),
        r.changed.len(),
        r.unchanged,
        r.missing.len()
    );
    for s in &r.added {
        outln!("  + {}（{}）{}", s.display_name, s.platform.display_name(), s.platform_id);
    }
    for (a, changes) in &r.changed {
        outln!("  ~ #{} {}（{}）", a.id, a.spec.display_name, a.spec.platform.display_name());
        for c in changes {
            outln!(
                "      {}：{} → {}",
                c.label(),
                c.old.as_deref().unwrap_or("（空）"),
                c.new.as_deref().unwrap_or("（空）")
            );
        }
    }
    for a in &r.missing {
        let what = if r.retired { "已退出监管 retired" } else { "未退出监管，如需退出请加 --retire-missing" };
        outln!("  - #{} {}（{}）{}：{what}", a.id, a.spec.display_name, a.spec.platform.display_name(), a.spec.platform_id);
    }
}

fn print_list(accounts: &[Account], format: ListFormat) -> CliResult {
    match format {
        ListFormat::Json => {
            outln!("{}", serde_json::to_string_pretty(accounts)?);
        }
        ListFormat::Csv => {
            let mut w = csv::Writer::from_writer(table::QuietStdout);
            w.write_record(["id", "platform", "platform_id", "display_name", "region", "owner_unit", "status"])?;
            for a in accounts {
                let s = &a.spec;
                // Opened in a spreadsheet, a name like "=HYPERLINK(…)" would run.
                let text = |v: Option<&str>| registry::escape_formula(v.unwrap_or(""));
                w.write_record([
                    a.id.to_string().as_str(),
                    s.platform.code(),
                    &s.platform_id,
                    &text(Some(&s.display_name)),
                    &text(s.region.as_deref()),
                    &text(s.owner_unit.as_deref()),
                    s.status.code(),
                ])?;
            }
            w.flush()?;
        }
        ListFormat::Table => {
            let rows: Vec<Vec<String>> = accounts
                .iter()
                .map(|a| {
                    let s = &a.spec;
                    vec![
                        a.id.to_string(),
                        s.platform.display_name().to_string(),
                        s.display_name.clone(),
                        s.platform_id.clone(),
                        s.region.clone().unwrap_or_default(),
                        s.owner_unit.clone().unwrap_or_default(),
                        s.status.display_name().to_string(),
                    ]
                })
                .collect();
            out!("{}", table::render(&["ID", "平台", "账号名称", "账号ID", "所属地区", "主办单位", "状态"], &rows));
            outln!("共 {} 个账号", accounts.len());
        }
    }
    Ok(())
}

pub(super) fn shanghai(ms: i64) -> String {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(t) => t.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M:%S").to_string(),
        None => ms.to_string(),
    }
}

async fn show(store: &Store, a: &Account) -> CliResult {
    let s = &a.spec;
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let retired = store.is_retired(a.id).await?;
    outln!("#{} {}", a.id, s.display_name);
    outln!("  平台        {}（{}）", s.platform.display_name(), s.platform.code());
    outln!("  账号ID      {}", s.platform_id);
    outln!("  主页链接    {}", opt(&s.profile_url));
    outln!("  主办单位    {}", opt(&s.owner_unit));
    outln!("  主管单位    {}", opt(&s.supervising_unit));
    outln!("  所属地区    {}", opt(&s.region));
    outln!("  责任人      {}  电话 {}  邮箱 {}", opt(&s.contact_name), opt(&s.contact_phone), opt(&s.contact_email));
    outln!("  状态        {}{}", s.status.display_name(), if retired { "（已退出监管）" } else { "" });
    outln!(
        "  开通/关停   {} / {}",
        s.opened_on.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
        s.closing_on.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
    );
    outln!("  上级门户    {}", opt(&s.superior_portal_url));
    outln!("  源账号      {}", if s.is_source { "是" } else { "否" });
    if !s.tags.is_empty() {
        outln!("  标签        {}", s.tags.join("、"));
    }
    if let Some(n) = &s.notes {
        outln!("  备注        {n}");
    }
    if let Some(p) = store.latest_profile(a.id).await? {
        let v = match p.profile.verified {
            Some(true) => format!("已认证：{}", p.profile.verified_entity.clone().unwrap_or_default()),
            Some(false) => "未认证".into(),
            None => "未知".into(),
        };
        outln!("  最近资料    {}（{}）{}，粉丝 {:?}", p.profile.display_name, shanghai(p.observed_at_ms), v, p.profile.followers);
    }
    let latest = store.latest_posts(a.id, 1, false).await?;
    if let Some(p) = latest.first() {
        outln!(
            "  最近发布    {}{}",
            shanghai(p.post.published_at.timestamp_millis()),
            if p.post.published_at_exact { "" } else { "（时间不精确）" }
        );
    }
    let recent = store.observations_for_account(a.id, now_ms() - 7 * 86_400_000, i64::MAX).await?;
    if !recent.is_empty() {
        outln!("  近 7 日观测 {} 次：", recent.len());
        for o in recent.iter().rev().take(5) {
            outln!("    {} {} {} {}", shanghai(o.observed_at_ms), o.kind.code(), o.outcome.code(), o.detail.as_deref().unwrap_or(""));
        }
    }
    outln!("  变更记录：");
    for (at, c, source) in store.account_history(a.id).await? {
        outln!(
            "    {} {} {}：{} → {}",
            shanghai(at),
            source,
            c.label(),
            c.old.as_deref().unwrap_or("（空）"),
            c.new.as_deref().unwrap_or("（空）")
        );
    }
    Ok(())
}
