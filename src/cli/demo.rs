//! `xunjian demo`: a quarter of one county in about a minute, on a machine
//! without internet.
//!
//! It builds the scripted world of `xunjian_sim::demo` (渭滨区, 2026年第三
//! 季度, six problems), serves it from the platform simulator in this
//! process on 127.0.0.1 with a simulated clock and light faults, writes a
//! configuration and the registry into the demo directory, imports it, and
//! runs the daemon in this process on the same clock until the daemon has
//! written the quarterly report of 2026Q3 (its own schedule, 10-01 09:00).
//! Then it stops the daemon and prints what was found, where the notices
//! (`.eml` files) and the report are, and how to look further.

use super::table::{out, outln};
use super::{CliError, CliResult, init_logging, open_store};
use crate::config::LoadedConfig;
use crate::daemon::clock::{ClockSetup, ScaledClock};
use crate::daemon::runner::Control;
use crate::daemon::{Daemon, JobKind, RunOptions};
use crate::store::{AccountFilter, EventKind, FindingFilter, FindingState, ImportOptions, Store};
use anyhow::anyhow;
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Asia::Shanghai;
use clap::Args;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};
use tokio::sync::mpsc;
use xunjian_adapters::model::OutcomeClass;
use xunjian_sim::quarter::{Quarter, RULES_TOML, Severity};
use xunjian_sim::{ConfigOptions, FaultConfig, FaultKind, Server, SimClock, Surface};

/// Simulated seconds per real second: 2026-07-01 00:00 to the report at
/// 10-01 09:00 (92.4 days) in about a minute.
pub const DEFAULT_SPEED: f64 = 130_000.0;

/// The first line of the configuration the demo writes; a directory whose
/// `xunjian.toml` starts with it is the demo's own, and may be reset.
const MARKER: &str = "# xunjian demo";

pub const LONG_ABOUT: &str = "演示：不需要外网，约一分钟看完巡检一个季度的工作。\n\n\
在本机启动平台模拟器（模拟新浪微博、微信公众号、哔哩哔哩），模拟宝鸡市渭滨区 16 个政务新媒体账号\
2026年第三季度（7月1日至10月1日）的发布情况，其中有 6 个预先设计的问题：僵尸账号、转载超时、\
关闭评论、未认证、假冒账号、拟关停未置顶公告；模拟时钟约 13 万倍速运行，并按 2% 的比例模拟验证码和限流\
（这些抓取记为“未能检查”，不算违规）。\n\n\
在 --dir 目录中写出配置 xunjian.toml 和台账 registry.csv，导入台账，在本进程中运行巡检守护进程，\
直到它在 10月1日 09:00 按计划生成第三季度通报（DOCX、XLSX、HTML；装有 chromium 时另有 PDF）；\
提醒以 .eml 文件写入 DIR/data/outbox/。结束时列出发现的问题、提醒邮件和通报的位置，\
以及进一步查看的命令。目录已存在时，只会重置以前的演示目录。\n\n\
Demo, offline: serves a simulated quarter of one county (16 accounts, six scripted problems, light \
captcha/429 faults) from an in-process platform simulator on a fast clock, runs the daemon against it \
until it writes the 2026Q3 report, then prints the findings, the .eml notices and the report files.";

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// 演示目录：配置、台账、数据库、提醒邮件和通报都写在这里 (where everything is written)
    #[arg(long, value_name = "DIR", default_value = "./xunjian-demo-sim")]
    pub dir: PathBuf,
    /// 模拟时钟倍速：每真实秒走过的模拟秒数；电脑较慢、检查跟不上时调低 (simulated seconds per real second)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SPEED)]
    pub speed: f64,
    /// 模拟平台故障（验证码、限流 429）的比例，0 到 0.5 (share of requests answered with a captcha or 429)
    #[arg(long, value_name = "RATE", default_value_t = 0.02)]
    pub faults: f64,
}

fn cst_text(t: DateTime<Utc>) -> String {
    t.with_timezone(&Shanghai).format("%Y-%m-%d %H:%M").to_string()
}

/// Makes `dir` ready: created when missing; a previous demo is reset; any
/// other non-empty directory is refused.
fn prepare_dir(dir: &Path) -> CliResult {
    if dir.exists() {
        if !dir.is_dir() {
            return Err(CliError::invalid(anyhow!("{} 不是目录 (not a directory)", dir.display())));
        }
        let config = dir.join("xunjian.toml");
        let ours = std::fs::read_to_string(&config).is_ok_and(|t| t.starts_with(MARKER));
        if ours {
            for p in [dir.join("data")] {
                if p.exists() {
                    std::fs::remove_dir_all(&p)?;
                }
            }
            for f in ["xunjian.toml", "registry.csv"] {
                let _ = std::fs::remove_file(dir.join(f));
            }
        } else if std::fs::read_dir(dir)?.next().is_some() {
            return Err(CliError::invalid(anyhow!(
                "目录 {} 不是空的，也不是以前的演示目录；请换一个 --dir (the directory is not empty and not a previous demo)",
                dir.display()
            )));
        }
    }
    std::fs::create_dir_all(dir)?;
    Ok(())
}

fn faults(rate: f64) -> FaultConfig {
    let mut f = FaultConfig::none();
    f.seed = 20260701;
    for s in Surface::ALL {
        let r = f.rates_mut(s);
        r.set(FaultKind::Captcha, rate / 2.0);
        r.set(FaultKind::Http429, rate / 2.0);
    }
    f
}

fn write_config(dir: &Path, base: &str, speed: f64, pdf: bool) -> CliResult<PathBuf> {
    // WeChat articles from the feed first, as offices read them through
    // RSSHub / we-mp-rss (Sogou shows only the latest article).
    let options = ConfigOptions { wechat_sources: vec!["feed".into(), "sogou".into()], ..ConfigOptions::default() };
    let platforms = xunjian_sim::xunjian_platforms_config(base, &options);
    // The DOCX first: it is the document the office edits and signs.
    let formats = if pdf { "[\"docx\", \"xlsx\", \"html\", \"pdf\"]" } else { "[\"docx\", \"xlsx\", \"html\"]" };
    let text = format!(
        "{MARKER}: written by `xunjian demo` for the simulator at {base} (gone when the demo ends).\n\
         # 演示配置：平台地址指向演示时的本机模拟器，演示结束后模拟器已停止。\n\
         # Running the daemon with it again only records \"could not check\".\n\
         # Simulated clock: {speed}x.\n\n\
         [general]\ndata_dir = \"data\"\noffice_name = \"渭滨区政务公开办\"\n\n\
         # 只显示错误，以免打断进度行；--log-level info 可看守护进程日志。\n\
         [log]\nlevel = \"error\"\n\n\
         {RULES_TOML}\n\
         # 版头和主送机关：与 [general] office_name 同属渭滨区（示例文号，办公室签发前改为实际编号）。\n\
         [report]\nformats = {formats}\nredhead = \"渭滨区政务公开办公室文件\"\n\
         doc_number = \"渭政公开办发〔2026〕7号\"\n\
         addressees = \"各镇人民政府、街道办事处，区政府各工作部门：\"\n\n\
         # 未配置 [notify.smtp] host：提醒写成 .eml 文件，放在 data/outbox/。\n\
         [notify]\noffice_recipients = [\"zwgk@weibin.example.gov.cn\"]\nunit_contacts = true\n\
         operator_recipients = [\"xxzx@weibin.example.gov.cn\"]\n\n\
         {platforms}\n\
         [daemon]\nlisten = \"\"\ntick_ms = 10\nlease_secs = 30\noutbox_interval_secs = 1\n\
         shutdown_grace_secs = 10\ncatch_up_hours = 0\nsource_interval_minutes = 120\n\
         default_concurrency = 4\n\n\
         # 演示只有第三季度：只在 10月1日 09:00 生成通报（默认每季度首日）。\n\
         [daemon.schedule]\nprune = \"\"\nquarterly_report = \"0 9 1 10 *\"\n"
    );
    let path = dir.join("xunjian.toml");
    std::fs::write(&path, text)?;
    Ok(path)
}

async fn import(store: &Store, csv: &Path, now_ms: i64) -> CliResult<usize> {
    let parsed = crate::registry::read_registry_sheet(csv, None).map_err(CliError::failure)?;
    let bytes = std::fs::read(csv)?;
    let options = ImportOptions {
        retire_missing: false,
        dry_run: false,
        file_name: "registry.csv".into(),
        file_sha256: hex::encode(Sha256::digest(&bytes)),
    };
    let specs: Vec<_> = parsed.specs().cloned().collect();
    let report = store.import_accounts(&specs, &options, now_ms).await?;
    Ok(report.added.len() + report.changed.len() + report.unchanged)
}

/// Messages that went out (a digest is one; the notices it carries are
/// not), by who got them.
#[derive(Debug, Default, PartialEq, Eq)]
struct MessageCount {
    office: usize,
    office_urgent: usize,
    unit: usize,
    /// The most messages one unit address got for one day (by when they
    /// were written: at the demo's speed a real second of sending is a
    /// simulated day and a half).
    unit_most_in_a_day: usize,
    operator: usize,
}

impl MessageCount {
    /// Only what was written: a digest due after the quarter's end is still
    /// pending when the demo stops, and a cancelled notice never became mail
    /// (counting them made the breakdown disagree with the outbox).
    fn of(notices: &[crate::store::NoticeRecord]) -> MessageCount {
        use crate::store::{NoticeKind, NoticeState};
        let mut c = MessageCount::default();
        let mut per_unit_day: BTreeMap<(Vec<String>, String), usize> = BTreeMap::new();
        for n in notices.iter().filter(|n| n.state == NoticeState::Sent) {
            match (n.kind, n.payload["audience"].as_str()) {
                (NoticeKind::Operator | NoticeKind::Report, _) => c.operator += 1,
                (_, Some("unit")) => {
                    c.unit += 1;
                    let day = chrono::DateTime::<Utc>::from_timestamp_millis(n.created_at_ms)
                        .map(|t| t.with_timezone(&Shanghai).format("%Y-%m-%d").to_string())
                        .unwrap_or_default();
                    let k = per_unit_day.entry((n.recipients.clone(), day)).or_default();
                    *k += 1;
                    c.unit_most_in_a_day = c.unit_most_in_a_day.max(*k);
                }
                _ => {
                    c.office += 1;
                    c.office_urgent += usize::from(n.urgent);
                }
            }
        }
        c
    }
}

fn count_eml(outbox: &Path) -> usize {
    std::fs::read_dir(outbox)
        .map(|rd| {
            rd.filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().ends_with(".eml")).count()
        })
        .unwrap_or(0)
}

/// Findings that reached a warning or a violation, by label key
/// `rule|platform:id|subject`, with the worst severity.
async fn found(store: &Store) -> CliResult<BTreeMap<String, Severity>> {
    let accounts = store.list_accounts(&AccountFilter { include_retired: true, ..Default::default() }).await?;
    let key_of: BTreeMap<i64, String> =
        accounts.iter().map(|a| (a.id, format!("{}:{}", a.spec.platform.code(), a.spec.platform_id))).collect();
    let mut out = BTreeMap::new();
    for f in store.list_findings(&FindingFilter::default()).await? {
        let events = store.finding_events(f.id).await?;
        let sev = if events.iter().any(|e| matches!(e.kind, EventKind::Opened | EventKind::Escalated | EventKind::Reopened)) {
            Severity::Violation
        } else if events.iter().any(|e| e.kind == EventKind::Warned) {
            Severity::Warning
        } else {
            continue;
        };
        let Some(account) = key_of.get(&f.account_id) else { continue };
        out.insert(format!("{}|{account}|{}", f.rule.code(), f.subject), sev);
    }
    Ok(out)
}

struct Progress {
    tty: bool,
    last_line_day: Option<DateTime<Utc>>,
    width: usize,
}

impl Progress {
    fn show(&mut self, now: DateTime<Utc>, violations: usize, warnings: usize, eml: usize, faults: u64) {
        let line = format!(
            "模拟时间 {}  问题 open {violations}（预警 warning {warnings}）  提醒 .eml {eml}  模拟故障 faults {faults}",
            cst_text(now)
        );
        if self.tty {
            let w = unicode_width::UnicodeWidthStr::width(line.as_str());
            let pad = self.width.saturating_sub(w);
            self.width = w;
            out!("\r{line}{}", " ".repeat(pad));
            let _ = std::io::stdout().flush();
        } else if self.last_line_day.is_none_or(|d| now - d >= TimeDelta::days(7)) {
            self.last_line_day = Some(now);
            outln!("{line}");
        }
    }

    fn end(&self) {
        if self.tty {
            outln!("");
        }
    }
}

pub async fn run(args: &DemoArgs, log_level: Option<&str>) -> CliResult {
    if !(args.speed.is_finite() && args.speed > 0.0 && args.speed <= 1_000_000.0) {
        return Err(CliError::invalid(anyhow!("--speed 须在 0 与 1000000 之间 (must be in (0, 1e6])：{}", args.speed)));
    }
    if !(0.0..=0.5).contains(&args.faults) {
        return Err(CliError::invalid(anyhow!("--faults 须在 0 与 0.5 之间 (must be in [0, 0.5])：{}", args.faults)));
    }
    prepare_dir(&args.dir)?;
    let dir = std::path::absolute(&args.dir)?;
    let q = xunjian_sim::demo::demo_quarter();
    let report_at = xunjian_sim::demo::report_at();

    // The simulated clock starts a moment from now, at 07-01 00:00, so that
    // the import and the daemon's start-up happen before it runs.
    let lead = Duration::from_secs(2);
    let sim_clock = SimClock::new(q.start, args.speed, lead);
    let server = Server::start(q.world.clone(), sim_clock, faults(args.faults))
        .map_err(|e| CliError::failure(anyhow!("无法启动模拟器 (cannot start the simulator): {e}")))?;
    let pdf = crate::report::pdf::find_chromium(&crate::report::ReportConfig::default().chromium).is_ok();
    let config_path = write_config(&dir, &server.base(), args.speed, pdf)?;
    let csv_path = dir.join("registry.csv");
    std::fs::write(&csv_path, q.registry_csv(&server.base()))?;
    let loaded = LoadedConfig::from_file(&config_path).map_err(CliError::invalid)?;
    init_logging(&loaded, log_level);
    let store = open_store(&loaded).await?;
    let imported = import(&store, &csv_path, sim_clock.now().timestamp_millis()).await?;

    let real_quarter = sim_clock.real_until(report_at);
    outln!("巡检演示 (xunjian demo)");
    outln!(
        "  平台模拟器 (platform simulator): {}，模拟时钟 {} 倍速，约 {} 秒走完一个季度 (about {} s for the quarter)",
        server.base(),
        args.speed,
        real_quarter.as_secs(),
        real_quarter.as_secs()
    );
    outln!("  台账 (registry): {imported} 个账号，{}", csv_path.display());
    outln!("  配置 (configuration): {}", config_path.display());
    outln!("  模拟故障 (faults): {:.0}% 的请求返回验证码或 429，记为“未能检查”，不算违规", args.faults * 100.0);
    outln!("  剧本中的问题 (scripted problems) —— 看巡检能否发现：");
    for (name, _, rule, what) in xunjian_sim::demo::PROBLEMS {
        let rule = crate::rules::RuleId::from_code(rule).map(|r| r.display_name()).unwrap_or(rule);
        outln!("    · {name}：{what}（{rule}）");
    }
    outln!("");

    let setup = ClockSetup {
        clock: Arc::new(ScaledClock::new(
            sim_clock.start,
            UNIX_EPOCH + Duration::from_millis(sim_clock.anchor_ms),
            sim_clock.speed,
        )),
        speed: sim_clock.speed,
        description: format!("demo: simulated clock from {} at {}x", sim_clock.start.to_rfc3339(), sim_clock.speed),
    };
    let clock = setup.clock.clone();
    let (tx, rx) = mpsc::channel(4);
    let mut daemon = tokio::spawn(Daemon::run(loaded.clone(), store.clone(), RunOptions { clock: setup }, rx));

    let started = Instant::now();
    // Generous: twice the expected time and a minute more.
    let cap = real_quarter * 2 + Duration::from_secs(60);
    let outbox = loaded.data_dir().join("outbox");
    let mut progress = Progress { tty: std::io::stdout().is_terminal(), last_line_day: None, width: 0 };
    let job = JobKind::QuarterlyReport.code();
    let mut daemon_result = None;
    // Ok: how long (real) the report job took; Err: why there is no report.
    let outcome: Result<Duration, String> = loop {
        tokio::select! {
            r = &mut daemon => { daemon_result = Some(r); break Err("守护进程意外退出 (the daemon stopped)".into()); }
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
        }
        let now = clock.now();
        let open = store
            .list_findings(&FindingFilter { states: vec![FindingState::Open, FindingState::Warning], ..Default::default() })
            .await?;
        let warnings = open.iter().filter(|f| f.state == FindingState::Warning).count();
        progress.show(now, open.len() - warnings, warnings, count_eml(&outbox), server.stats().faults_total);
        if let Some(run) = store.job_run(job, report_at.timestamp_millis()).await?
            && run.finished_at_ms.is_some()
        {
            let text = run.outcome.unwrap_or_default();
            let took = sim_clock.real_span(TimeDelta::milliseconds(
                run.finished_at_ms.unwrap_or(run.started_at_ms) - run.started_at_ms,
            ));
            break if text.starts_with("error") { Err(text) } else { Ok(took) };
        }
        if started.elapsed() > cap {
            break Err(format!(
                "{} 秒内未生成季度通报 (no report within {} s)；可用 --speed 调低倍速",
                cap.as_secs(),
                cap.as_secs()
            ));
        }
    };
    progress.end();
    let stopped_at = clock.now();
    let real = started.elapsed();

    // Stop the daemon: in-flight checks finish, the outbox is delivered once more.
    let result = match daemon_result {
        Some(r) => r,
        None => {
            let _ = tx.send(Control::Shutdown).await;
            match tokio::time::timeout(Duration::from_secs(60), &mut daemon).await {
                Ok(r) => r,
                Err(_) => {
                    daemon.abort();
                    return Err(CliError::failure(anyhow!("守护进程未能在 60 秒内停止 (the daemon did not stop)")));
                }
            }
        }
    };
    match result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(CliError::failure(e)),
        Err(e) => return Err(CliError::failure(anyhow!("守护进程出错 (the daemon failed): {e}"))),
    }
    drop(server);

    let took = outcome.as_ref().ok().copied();
    summary(&store, &q, &loaded, &dir, &config_path, real, stopped_at, &outbox, args.speed, took).await?;
    // A person at a terminal gets the console on what the quarter produced;
    // scripts and tests (no terminal) end here as before.
    if outcome.is_ok() && std::io::stdin().is_terminal() {
        super::console::serve_until_interrupted(&store, &loaded, stopped_at).await?;
    }
    store.close().await;
    match outcome {
        Ok(_) => Ok(()),
        Err(e) => Err(CliError::failure(anyhow!("未能生成季度通报 (no quarterly report): {e}"))),
    }
}

#[allow(clippy::too_many_arguments)]
async fn summary(
    store: &Store,
    q: &Quarter,
    loaded: &LoadedConfig,
    dir: &Path,
    config_path: &Path,
    real: Duration,
    stopped_at: DateTime<Utc>,
    outbox: &Path,
    speed: f64,
    report_took: Option<Duration>,
) -> CliResult {
    let accounts = store.list_accounts(&AccountFilter { include_retired: true, ..Default::default() }).await?;
    let names: BTreeMap<i64, String> = accounts
        .iter()
        .map(|a| (a.id, format!("{}（{}）", a.spec.display_name, a.spec.platform.display_name())))
        .collect();
    let findings = store.list_findings(&FindingFilter::default()).await?;

    outln!("");
    outln!(
        "演示完成 (demo finished)：用时 {:.0} 秒 (real time)，模拟 {} 至 {}",
        real.as_secs_f64(),
        cst_text(q.start),
        cst_text(stopped_at)
    );
    outln!("");
    outln!("发现的问题 (findings by rule)：共 {} 项", findings.len());
    for rule in crate::rules::RuleId::ALL {
        let of: Vec<_> = findings.iter().filter(|f| f.rule == rule).collect();
        if of.is_empty() {
            continue;
        }
        let n = |s: FindingState| of.iter().filter(|f| f.state == s).count();
        let mut states = Vec::new();
        for s in FindingState::ALL {
            if n(s) > 0 {
                states.push(format!("{} {}", s.display_zh(), n(s)));
            }
        }
        outln!("  {}（{}）：{} 项 — {}", rule.display_name(), rule.code(), of.len(), states.join("，"));
        let mut shown = BTreeSet::new();
        for f in of.iter() {
            // One line per account: the first finding of each.
            if shown.len() >= 4 || !shown.insert(f.account_id) {
                continue;
            }
            let same = of.iter().filter(|g| g.account_id == f.account_id).count();
            let more = if same > 1 { format!("（共 {same} 项）") } else { String::new() };
            let name = names.get(&f.account_id).map(String::as_str).unwrap_or("?");
            outln!("      · {name}{more}：{}", f.summary_zh);
        }
    }

    // Did it find what the script put there, and nothing else?
    let got = found(store).await?;
    // Every label of the quarter but its last day must be found (a check
    // may run some simulated hours late at this speed); nothing outside
    // the labels may be.
    let all = q.labels();
    let known: BTreeSet<String> = all.iter().map(|l| l.key()).collect();
    let labels: Vec<_> = all.iter().filter(|l| l.from + TimeDelta::days(1) <= q.quarter_end).collect();
    let want: BTreeSet<String> = labels.iter().map(|l| l.key()).collect();
    let missed: Vec<_> = labels.iter().filter(|l| !got.contains_key(&l.key())).collect();
    let extra: Vec<_> = got.keys().filter(|k| !known.contains(*k)).collect();
    outln!("");
    let mut scripted_ok = 0;
    for (name, platform, rule, _) in xunjian_sim::demo::PROBLEMS {
        let Some(row) = q.registry.iter().find(|r| r.name == name && r.platform == platform) else { continue };
        let prefix = format!("{rule}|{}:{}|", platform.code(), row.id);
        if got.iter().any(|(k, s)| k.starts_with(&prefix) && *s == Severity::Violation) {
            scripted_ok += 1;
        }
    }
    outln!(
        "与剧本对照 (against the script)：剧本中的 {} 个问题发现 {scripted_ok} 个；按剧本到 9月30日应有 {} 项问题，发现 {} 项，遗漏 {}，剧本之外 {}",
        xunjian_sim::demo::PROBLEMS.len(),
        want.len(),
        want.len() - missed.len(),
        missed.len(),
        extra.len()
    );
    for l in &missed {
        outln!("    遗漏 (missed): {} — {}", l.key(), l.why);
    }
    for k in &extra {
        outln!("    剧本之外 (not in the script): {k}");
    }

    // Could not check: fetches the faults spoilt (never a violation).
    let runs = store.check_runs(None).await?;
    let failed = |o: &str| {
        OutcomeClass::from_code(o).is_some_and(|c| {
            !matches!(c, OutcomeClass::Ok | OutcomeClass::NotFound | OutcomeClass::Banned)
        })
    };
    let not_checked = runs.iter().filter(|r| failed(&r.outcome)).count();
    let mut lags: Vec<i64> = runs
        .iter()
        .filter(|r| r.started_at_ms >= r.due_at_ms && r.due_at_ms >= q.start.timestamp_millis())
        .map(|r| (r.started_at_ms - r.due_at_ms) / 60_000)
        .collect();
    lags.sort_unstable();
    let p = |x: f64| lags.get(((lags.len() as f64 - 1.0) * x).round().max(0.0) as usize).copied().unwrap_or(0);
    outln!(
        "检查 (checks)：{} 次，其中 {not_checked} 次因验证码/限流记为“未能检查”(could not check)",
        runs.len()
    );
    outln!(
        "  按模拟时间，检查比计划平均晚 {} 分钟，95% 晚不到 {} 分钟（倍速越高越明显；lag in simulated minutes）",
        p(0.5),
        p(0.95)
    );
    if p(0.95) > 48 * 60 {
        outln!(
            "  提示：本机跟不上这个倍速，可加 --speed {:.0} 重试 (the checks lagged; try a lower speed)",
            (speed / 2.0).max(1.0)
        );
    }

    let notices = store.list_notices(&[], None, None, 1_000_000).await?;
    let eml = count_eml(outbox);
    let messages = MessageCount::of(&notices);
    outln!("");
    outln!(
        "提醒 (notices)：{} 条记录合成 {eml} 封邮件，写成 .eml 文件 (no SMTP server configured)：\n  \
         监管办公室 {} 封（其中立即发送 {} 封），责任单位 {} 封（同一单位一天最多 {} 封），运维人员 {} 封",
        notices.len(),
        messages.office,
        messages.office_urgent,
        messages.unit,
        messages.unit_most_in_a_day,
        messages.operator
    );
    outln!("  {}/（可用邮件客户端打开 open with any mail client）", outbox.display());
    let waiting = notices
        .iter()
        .filter(|n| matches!(n.state, crate::store::NoticeState::Pending | crate::store::NoticeState::Sending))
        .count();
    if waiting > 0 {
        outln!("  另有 {waiting} 条提醒未到发送时间，演示结束时尚未发出 (not yet due when the demo stopped)");
    }

    let reports_dir = crate::report::default_out_dir(loaded);
    let mut reports: Vec<PathBuf> = std::fs::read_dir(&reports_dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("2026Q3")))
                .collect()
        })
        .unwrap_or_default();
    reports.sort();
    match report_took {
        Some(t) => outln!(
            "季度通报 (quarterly report)：守护进程按计划在模拟时间 2026-10-01 09:00 开始生成，用时 {:.1} 秒 (written by the daemon's schedule)：",
            t.as_secs_f64()
        ),
        None => outln!("季度通报 (quarterly report)："),
    }
    for r in &reports {
        outln!("  {}", r.display());
    }

    let x = format!("xunjian -c {}", config_path.display());
    outln!("");
    outln!("进一步查看 (look further)：");
    outln!("  {x} findings list                    # 未整改的问题 (open findings; --state all 看全部)");
    outln!("  {x} findings show ID                 # 一个问题的依据、证据和提醒 (evidence and history)");
    outln!("  {x} notices list                     # 提醒记录 (notices)");
    outln!("  {x} report quarterly 2026Q3          # 重新生成通报 (write the report again)");
    outln!("  （用 cargo 运行时把 xunjian 换成 cargo run --release --；演示目录 {}）", dir.display());
    Ok(())
}
