//! The command line: a thin layer over the library. Each command loads the
//! configuration, opens what it needs and prints for people (Chinese first).
//!
//! Exit codes: 0 ok, 1 failure, 2 usage error or invalid input.

mod accounts;
mod calendar;
mod console;
mod db;
mod demo;
mod docs;
mod findings;
mod init;
pub(crate) mod logging;
pub(crate) mod notices;
mod report;
mod run;
pub(crate) mod table;
mod users;

use table::{out, outln};
use crate::config::LoadedConfig;
use crate::store::{Store, StoreOptions};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// Now, on the simulated clock when `XUNJIAN_CLOCK_*` are set (the
/// simulator, the demo and the end-to-end tests run the daemon in simulated
/// time; a person's action — a dismissal, a declared rectification — must be
/// on the same clock as the checks that answer it), else the machine's.
pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    crate::daemon::clock::ClockSetup::from_env().map(|c| c.clock.now()).unwrap_or_else(|_| chrono::Utc::now())
}

/// An error with the exit code it deserves.
#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub error: anyhow::Error,
}

impl CliError {
    /// Bad input or usage: exit code 2.
    pub fn invalid(e: impl Into<anyhow::Error>) -> Self {
        CliError { code: 2, error: e.into() }
    }
    /// Anything else that went wrong: exit code 1.
    pub fn failure(e: impl Into<anyhow::Error>) -> Self {
        CliError { code: 1, error: e.into() }
    }
}

impl<E: Into<anyhow::Error>> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError::failure(e)
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;

#[derive(Debug, Parser)]
#[command(
    name = "xunjian",
    version,
    about = "巡检：政务新媒体常态化监测 —— continuous checks of government new-media accounts",
    long_about = "巡检（xunjian）持续检查政务新媒体账号是否按规定更新、转载、开放互动、认证规范，\
发现“僵尸账号”和假冒账号，向监管办公室和责任单位发送提醒，并生成季度检查情况通报。\n\n\
Configuration: --config FILE, $XUNJIAN_CONFIG, ./xunjian.toml, /etc/xunjian/xunjian.toml (first found).\n\
Start with: xunjian init DIR"
)]
pub struct Cli {
    /// 配置文件 (configuration file)
    #[arg(long, short = 'c', global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// 日志级别，覆盖配置 (log filter, e.g. debug; overrides the config)
    #[arg(long, global = true, value_name = "FILTER")]
    pub log_level: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 运行巡检守护进程：按计划抓取、评估、发送通知 (run the daemon: poll, evaluate, notify)
    Run(run::RunArgs),
    /// 初始化：写出带注释的示例配置 xunjian.toml 和示例台账 accounts.xlsx
    /// (write an example configuration and registry into DIR)
    Init(init::InitArgs),
    /// 演示：不需要外网，约一分钟模拟一个县区一个季度的巡检并生成通报
    /// (demo: a simulated quarter of one county, offline, in about a minute)
    #[command(long_about = demo::LONG_ABOUT)]
    Demo(demo::DemoArgs),
    /// 账号台账：导入、列表、查看、导出、新增、改状态 (the account registry)
    #[command(subcommand)]
    Accounts(accounts::AccountsCommand),
    /// 立即按规则评估并显示问题 (evaluate the rules now and print findings)
    Check(findings::CheckArgs),
    /// 问题：列表、查看、忽略 (findings: list, show, dismiss)
    #[command(subcommand)]
    Findings(findings::FindingsCommand),
    /// 通知：列表、查看、重发、测试邮件 (the notice outbox)
    #[command(subcommand)]
    Notices(notices::NoticesCommand),
    /// 报告：季度检查情况通报（XLSX/HTML/PDF）(reports: the quarterly assessment)
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// 运行状态：各平台最近一次应答、熔断器、未检查的账号、发件箱
    /// (health for a person: per platform, last answer, breaker, accounts not checked; the outbox).
    /// 退出码 0 正常，1 降级 (exit 0 ok, 1 degraded)
    Status {
        /// 输出 JSON（与 /healthz 相同的字段）(print JSON, the fields of /healthz)
        #[arg(long)]
        json: bool,
    },
    /// 控制台用户：新增、重设密码、停用、列表 (console users: add, passwd, disable, list)
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// 数据库：迁移、状态、备份、恢复、检查、清理 (database: schema, backup, restore, check, prune)
    #[command(subcommand)]
    Db(DbCommand),
    /// 配置：检查并显示生效的配置 (check and show the effective configuration)
    #[command(subcommand)]
    Config(ConfigCommand),
    /// 节假日：查看已有年份、导入新一年的放假安排 (holiday calendar: status, import)
    #[command(subcommand)]
    Calendar(calendar::CalendarCommand),
    /// 调试：解析抓取样本、实时抓取 (parse captures, fetch live)
    #[command(subcommand)]
    Debug(DebugCommand),
    /// 输出 shell 补全脚本 (print the completion script for SHELL; for packaging)
    #[command(hide = true)]
    Completions { shell: clap_complete::Shell },
    /// 写出手册页到 DIR (write the man pages into DIR; for packaging)
    #[command(hide = true)]
    Manpage { dir: PathBuf },
}

pub use db::DbCommand;

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// 检查配置文件并显示生效的配置（不显示密钥）(validate and print; secrets are never shown)
    Check,
}

#[derive(Debug, Subcommand)]
pub enum DebugCommand {
    /// 解析一个抓取样本文件，输出规范化结果或失败分类 (parse a saved response, print JSON)
    Parse {
        /// 平台 (weibo, wechat, ...)，或 feed（订阅源）、portal（门户网站首页）
        platform: String,
        /// 页面类型 (profile, timeline, post, longtext, search)
        kind: String,
        /// 样本文件 (the saved response body)
        file: PathBuf,
        /// 门户页面：要查找其开通/关停公告的账号名称 (portal: the account whose notices to look for)
        #[arg(long)]
        account: Option<String>,
        /// 该响应的 HTTP 状态码，默认 200 (the HTTP status the response came with, e.g. 432)
        #[arg(long)]
        status: Option<u16>,
        /// 该响应的 Content-Type (the response's content type)
        #[arg(long)]
        content_type: Option<String>,
        /// 抓取时所查询的账号 ID；响应属于其他账号时判为 wrong_account (the id the response was fetched for)
        #[arg(long)]
        expect_id: Option<String>,
    },
    /// 实时抓取一个账号（需要网络），可保存为新样本 (fetch live; --save keeps the raw responses)
    Fetch {
        platform: String,
        /// 账号 ID 或搜索词 (account id, or query for `--kind search`)
        account: String,
        /// 页面类型 (profile, timeline, search)
        #[arg(long, default_value = "timeline")]
        kind: String,
        /// 保存原始响应的目录 (directory to save raw responses as fixtures)
        #[arg(long, value_name = "DIR")]
        save: Option<PathBuf>,
        /// 门户页面：要查找其公告的账号名称；公众号：账号名称 (portal/wechat: the account's name)
        #[arg(long = "account-name")]
        account_name: Option<String>,
    },
}

/// Runs the parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> i32 {
    if let Command::Debug(cmd) = &cli.command {
        // Debug commands print their own JSON and choose their exit code
        // (0 observation, 1 classified failure, 2 usage).
        return match debug(&cli, cmd).await {
            Ok(code) => code,
            Err(e) => {
                eprintln!("{}错误 (error): {:#}", logging::stderr_prefix(&tracing::Level::ERROR), e.error);
                e.code
            }
        };
    }
    match dispatch(cli).await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{}错误 (error): {:#}", logging::stderr_prefix(&tracing::Level::ERROR), e.error);
            e.code
        }
    }
}

async fn dispatch(cli: Cli) -> CliResult {
    if let Command::Init(args) = &cli.command {
        // init must work before any configuration exists.
        return init::run(args).await;
    }
    // Generated from the command line alone, for the package build.
    if let Command::Completions { shell } = &cli.command {
        return docs::completions(*shell);
    }
    if let Command::Manpage { dir } = &cli.command {
        return docs::manpages(dir);
    }
    if let Command::Demo(args) = &cli.command {
        // The demo writes its own configuration.
        return demo::run(args, cli.log_level.as_deref()).await;
    }
    let loaded = LoadedConfig::load(cli.config.as_deref()).map_err(CliError::invalid)?;
    init_logging(&loaded, cli.log_level.as_deref());
    match cli.command {
        Command::Init(_) => unreachable!("handled above"),
        Command::Accounts(cmd) => accounts::run(&loaded, cmd).await,
        Command::Run(args) => run::run(&loaded, args).await,
        Command::Check(args) => findings::check(&loaded, args).await,
        Command::Findings(cmd) => findings::run(&loaded, cmd).await,
        Command::Notices(cmd) => notices::run(&loaded, cmd).await,
        Command::Report(cmd) => report::run(&loaded, cmd).await,
        Command::Db(cmd) => db::run(&loaded, cmd).await,
        Command::Users(cmd) => users::run(&loaded, cmd).await,
        Command::Config(ConfigCommand::Check) => config_check(&loaded),
        Command::Calendar(cmd) => calendar::run(&loaded, cmd).await,
        Command::Status { json } => status(&loaded, json).await,
        Command::Debug(_) => unreachable!("handled in run"),
        Command::Demo(_) | Command::Completions { .. } | Command::Manpage { .. } => unreachable!("handled above"),
    }
}

async fn debug(cli: &Cli, cmd: &DebugCommand) -> CliResult<i32> {
    match cmd {
        // Parsing a file needs no configuration at all.
        DebugCommand::Parse { platform, kind, file, account, status, content_type, expect_id } => {
            let opts = xunjian_adapters::ParseOptions {
                status: *status,
                content_type: content_type.clone(),
                expect_id: expect_id.clone(),
            };
            Ok(crate::debug_cmd::parse_cmd(platform, kind, file, account.as_deref(), &opts)?)
        }
        DebugCommand::Fetch { platform, account, kind, save, account_name } => {
            let loaded = LoadedConfig::load(cli.config.as_deref()).map_err(CliError::invalid)?;
            init_logging(&loaded, cli.log_level.as_deref());
            let secrets = crate::secrets::platform_secrets()?;
            Ok(crate::debug_cmd::fetch_cmd(
                &loaded.config.platforms,
                &secrets,
                platform,
                account,
                kind,
                account_name.as_deref(),
                save.as_deref(),
            )
            .await?)
        }
    }
}

fn store_options(loaded: &LoadedConfig) -> StoreOptions {
    StoreOptions {
        max_connections: loaded.config.database.max_connections,
        busy_timeout: Duration::from_millis(loaded.config.database.busy_timeout_ms),
    }
}

/// The database URL with the password secret filled in for PostgreSQL.
fn database_url_with_secret(loaded: &LoadedConfig) -> CliResult<String> {
    let url = loaded.database_url();
    if crate::store::Backend::from_url(&url).map_err(CliError::invalid)? != crate::store::Backend::Postgres {
        return Ok(url);
    }
    let Some((password, _)) = crate::secrets::lookup("database-password")? else { return Ok(url) };
    let mut parsed = url::Url::parse(&url).map_err(|e| CliError::invalid(anyhow::anyhow!("数据库地址无效 {e}")))?;
    if parsed.password().is_none() {
        parsed
            .set_password(Some(password.expose()))
            .map_err(|_| CliError::invalid(anyhow::anyhow!("数据库地址无法设置密码")))?;
    }
    Ok(parsed.to_string())
}

pub(crate) async fn open_store(loaded: &LoadedConfig) -> CliResult<Store> {
    let url = database_url_with_secret(loaded)?;
    Ok(Store::open(&url, &store_options(loaded)).await?)
}

/// `xunjian status`: the facts from the database, judged as `/healthz`
/// judges them; the breaker states come from the running daemon's
/// `/healthz` when it answers (they live only in its memory).
async fn status(loaded: &LoadedConfig, as_json: bool) -> CliResult {
    use crate::daemon::health;
    // Loading the calendar makes its gaps part of the report, as in the daemon.
    loaded.calendar().map_err(CliError::invalid)?;
    let store = open_store(loaded).await?;
    let d = &loaded.config.daemon;
    let th = health::Thresholds::from_config(d);
    let now_ms = now().timestamp_millis();
    let facts = store.health_facts(now_ms, now_ms - th.check_window_ms).await?;
    let reasons = health::assess(&facts, &th, now_ms);
    let healthz = daemon_healthz(d.listen.trim()).await;
    let breakers = daemon_breakers(healthz.as_ref());
    let gauges = store.daemon_gauges(now_ms).await?;
    if as_json {
        let mut body = health::to_json(&facts, &reasons, &breakers.clone().unwrap_or_default(), now_ms);
        body["status"] = serde_json::json!(if reasons.is_empty() { "ok" } else { "degraded" });
        body["daemon_reachable"] = serde_json::json!(breakers.is_some());
        body["past_deadline"] = serde_json::json!(gauges.past_deadline);
        body["next_deadline_ms"] = serde_json::json!(gauges.next_deadline_ms);
        if let Some(h) = &healthz {
            body["budgets"] = h["budgets"].clone();
            body["routes"] = h["routes"].clone();
        }
        outln!("{}", serde_json::to_string_pretty(&body)?);
    } else {
        out!("{}", health::render_zh(&facts, &reasons, breakers.as_ref(), &th, now_ms));
        out!("{}", deadlines_zh(&gauges, healthz.as_ref(), now_ms));
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(CliError::failure(anyhow::anyhow!("运行状态为降级 (degraded): {} 项", reasons.len())))
    }
}

/// The running daemon's `/healthz` at `listen`; `None` when no daemon
/// answers there within two seconds.
async fn daemon_healthz(listen: &str) -> Option<serde_json::Value> {
    if listen.is_empty() {
        return None;
    }
    let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).no_proxy().build().ok()?;
    client.get(format!("http://{listen}/healthz")).send().await.ok()?.json().await.ok()
}

/// Each platform's breaker state from the daemon's `/healthz`.
fn daemon_breakers(body: Option<&serde_json::Value>) -> Option<std::collections::BTreeMap<String, String>> {
    let platforms = body?.get("platforms")?.as_array()?;
    Some(
        platforms
            .iter()
            .filter_map(|p| Some((p["platform"].as_str()?.to_string(), p["breaker"].as_str()?.to_string())))
            .collect(),
    )
}

/// `xunjian status`'s lines on deadlines and budgets: the slack of the
/// next decision, what is past its deadline, and per platform (from the
/// running daemon, which alone knows its routes and measured costs) how
/// many of the next 6 hours' checks its budget cannot decide in time and
/// whether a repost round fits its margin.
fn deadlines_zh(gauges: &crate::store::DaemonGauges, healthz: Option<&serde_json::Value>, now_ms: i64) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("检查期限 (deadlines):\n");
    match gauges.next_deadline_ms {
        Some(next) => {
            let slack_min = (next - now_ms) as f64 / 60_000.0;
            let _ = writeln!(out, "  最近一个须作出判定的期限：{:+.0} 分钟（负数为已超期）", slack_min);
        }
        None => out.push_str("  暂无待判定的检查\n"),
    }
    let _ = writeln!(out, "  已超过判定期限的检查：{} 个", gauges.past_deadline);
    let Some(budgets) = healthz.and_then(|b| b.get("budgets")).and_then(|b| b.as_array()) else {
        out.push_str("  （守护进程未运行或无应答：各平台预算和出口线路只有运行中的守护进程知道）\n");
        return out;
    };
    for b in budgets {
        let platform = b["platform"].as_str().unwrap_or("?");
        let name = xunjian_adapters::model::Platform::from_code(platform)
            .map_or(platform.to_string(), |p| p.display_name().to_string());
        let routes = healthz
            .and_then(|h| h.get("routes"))
            .and_then(|r| r.as_array())
            .map_or(0, |r| r.iter().filter(|r| r["platform"] == platform).count());
        let _ = write!(
            out,
            "  {name}：预算 {} 次/分钟（{routes} 条出口线路），每次检查约 {} 次请求",
            b["requests_per_minute"], b["requests_per_check"]
        );
        match b["late_at_budget"].as_u64() {
            Some(0) => out.push_str("；未来 6 小时的检查都能按期判定"),
            Some(n) => {
                let _ = write!(out, "；按当前预算，未来 6 小时有 {n} 个检查将晚于期限判定");
            }
            None => {}
        }
        out.push('\n');
        if let (Some(source), Some(targets), Some(round), Some(margin)) = (
            b["repost_source"].as_str(),
            b["repost_targets"].as_u64(),
            b["repost_round_minutes"].as_f64(),
            b["repost_margin_minutes"].as_i64(),
        ) {
            let fits = b["repost_round_fits"].as_bool().unwrap_or(true);
            let _ = writeln!(
                out,
                "    转载检查：源账号「{source}」的 {targets} 个目标账号一轮约需 {round:.1} 分钟，余量 {margin} 分钟{}",
                if fits { "，来得及" } else { "——来不及：请增加出口线路或提高请求预算，否则部分转载判定会延后" }
            );
        }
    }
    out
}

fn config_check(loaded: &LoadedConfig) -> CliResult {
    outln!("配置来源 (source): {}", loaded.source);
    outln!("数据目录 (data dir): {}", loaded.data_dir().display());
    outln!("数据库 (database): {}", crate::store::redact_url(&loaded.database_url()));
    outln!("日志 (log): {} {:?}", loaded.config.log.level, loaded.config.log.format);
    outln!("规则档案 (rule profile): {}", loaded.config.rules.profile.code());
    print_rule_citations(&loaded.config.rules)?;
    match loaded.calendar() {
        Ok(c) => outln!("节假日数据 (holiday years): {:?}", c.known_years()),
        Err(e) => return Err(CliError::invalid(e)),
    }
    // wecom-webhook / dingtalk-webhook are whole robot URLs: they carry the robot's key.
    for name in [
        "database-password",
        "smtp-password",
        "weibo-cookie",
        "wechat-mp-cookie",
        "wechat-mp-token",
        "wecom-webhook",
        "dingtalk-webhook",
        "dingtalk-secret",
    ] {
        match crate::secrets::lookup(name) {
            Ok(Some((_, origin))) => outln!("密钥 {name}: 已配置 (from {origin})"),
            Ok(None) => outln!(
                "密钥 {name}: 未配置 (set {} or {}_FILE or $CREDENTIALS_DIRECTORY/{name})",
                crate::secrets::env_var_name(name),
                crate::secrets::env_var_name(name)
            ),
            Err(e) => return Err(CliError::invalid(e)),
        }
    }
    outln!("配置有效 (configuration OK)");
    Ok(())
}

/// Per rule: on or off, and the document and article its findings will cite;
/// then which switched-on rules cite another office's document only as a
/// reference (参照), so the office can give its own citation.
fn print_rule_citations(settings: &crate::rules::RuleSettings) -> CliResult {
    use crate::rules::CitationBasis;
    let resolved = settings.resolve().map_err(CliError::invalid)?;
    outln!("规则与依据 (rules and citations):");
    let mut borrowed = Vec::new();
    for (rule, on, citation) in resolved.citations() {
        let state = if on { "启用" } else { "未启用" };
        outln!("  {:<17} {}（{state}）：{citation}", rule.code(), rule.display_name());
        if on && citation.basis == CitationBasis::Reference {
            borrowed.push(rule);
        }
    }
    for rule in borrowed {
        outln!(
            "警告 (warning): 规则 {}（{}）所依据的文件不是本办适用的文件，通知中写作“参照……的要求”；\
             如有本办依据，请在 [rules.{}] 中设置 citation = \"……《文件名》第×条\"",
            rule.code(),
            rule.display_name(),
            rule.code()
        );
    }
    Ok(())
}

fn init_logging(loaded: &LoadedConfig, override_level: Option<&str>) {
    logging::init(loaded, override_level);
}
