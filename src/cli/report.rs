//! `xunjian report …`: the quarterly assessment report.

use super::table::outln;
use super::{CliError, CliResult};
use crate::config::LoadedConfig;
use crate::report::{self, Format, Progress, Quarter, QuarterRequest};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// 季度检查情况通报：DOCX（可编辑的公文）、XLSX（含附件1、附件2、账号指标）、HTML、PDF
    /// (the quarterly report)
    Quarterly(QuarterlyArgs),
}

#[derive(Debug, Args)]
pub struct QuarterlyArgs {
    /// 季度，如 2026Q3、2026-Q3、2026年第三季度 (the quarter)
    pub quarter: String,
    /// 输出格式，逗号分隔：docx,xlsx,html,pdf（默认取 [report] formats；
    /// 未设置时为全部四种，本机没有 Chromium 时不生成 PDF）
    #[arg(long, value_name = "LIST")]
    pub format: Option<String>,
    /// 输出目录（默认 [report] out_dir，未设置时为数据目录下的 reports）
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// 只统计该地区（台账“所属地区”）的账号 (only this region)
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// 落款日期 YYYY-MM-DD（默认：季度结束后的第一个工作日；季度未结束时为当天）
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// 数据截止时间，RFC 3339 或 YYYY-MM-DD（默认：季度结束；季度未结束时为现在）
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
}

/// An indicatif bar on stderr (hidden when stderr is not a terminal).
struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn begin(&self, steps: u64) {
        self.0.set_length(steps);
    }
    fn step(&self, message: &str) {
        self.0.inc(1);
        self.0.set_message(message.to_string());
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

fn parse_instant(s: &str) -> CliResult<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        CliError::invalid(anyhow::anyhow!(
            "时间写法有误 (invalid time) `{s}`: 如 2026-09-30 或 2026-09-30T18:00:00+08:00"
        ))
    })?;
    // The end of that day (Asia/Shanghai): data of the whole day is used.
    Ok(report::quarter::local_midnight(d + chrono::Days::new(1)))
}

pub async fn run(loaded: &LoadedConfig, cmd: ReportCommand) -> CliResult {
    match cmd {
        ReportCommand::Quarterly(args) => quarterly(loaded, args).await,
    }
}

async fn quarterly(loaded: &LoadedConfig, args: QuarterlyArgs) -> CliResult {
    let cfg = &loaded.config;
    cfg.report
        .validate()
        .map_err(|e| CliError::invalid(anyhow::anyhow!(e)))?;
    let quarter: Quarter = args.quarter.parse().map_err(CliError::invalid)?;
    let formats = match &args.format {
        Some(list) => Format::parse_list(list).map_err(CliError::invalid)?,
        // The default list drops the PDF, with a warning, without Chromium.
        None => report::configured_formats(&cfg.report).map_err(CliError::invalid)?,
    };
    // A template mistake or a missing template directory is the office's
    // input to fix: say so before reading the store.
    if formats.iter().any(|f| *f != Format::Xlsx) {
        report::templates::Templates::load(
            report::templates::resolve_dir(&cfg.report, None).as_deref(),
        )
        .map_err(CliError::invalid)?;
    }
    let now = Utc::now();
    if quarter.start() > now {
        return Err(CliError::invalid(anyhow::anyhow!(
            "{} 尚未开始 (the quarter has not begun)",
            quarter.label_zh()
        )));
    }
    let as_of = match &args.as_of {
        Some(s) => parse_instant(s)?,
        None => now.min(quarter.end()),
    };
    let issued_on = args
        .date
        .as_deref()
        .map(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                CliError::invalid(anyhow::anyhow!(
                    "日期写法有误 (invalid date) `{d}`: 如 2026-10-09"
                ))
            })
        })
        .transpose()?;
    let req = QuarterRequest {
        quarter,
        region: args.region.clone(),
        as_of_ms: Some(as_of.timestamp_millis()),
        issued_on,
    };
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| report::default_out_dir(loaded));
    if formats.contains(&Format::Pdf) {
        report::pdf::find_chromium(&cfg.report.chromium).map_err(CliError::failure)?;
    }
    let calendar = loaded.calendar().map_err(CliError::invalid)?;
    let store = super::open_store(loaded).await?;

    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    let progress = Bar(bar);
    progress.begin(report::data::READ_STEPS + 1 + formats.len() as u64);
    let built = report::build_quarter_report(&store, cfg, &req, &calendar, &progress).await;
    let rep = match built {
        Ok(r) => r,
        Err(e) => {
            progress.finish();
            return Err(CliError::failure(e));
        }
    };
    if let Some(r) = &args.region
        && rep.total.registered == 0
    {
        progress.finish();
        return Err(CliError::invalid(anyhow::anyhow!(
            "地区“{r}”没有纳入检查的账号 (no accounts in this region)"
        )));
    }
    let written = report::write_report(&rep, &cfg.report, &formats, &out_dir, &progress).await;
    progress.finish();
    // A template's markup is checked when rendered: still the office's
    // input to fix (exit 2), like a syntax error found at load.
    let written = written.map_err(|e| match e {
        report::ReportError::Template { .. } => CliError::invalid(e),
        e => CliError::failure(e),
    })?;
    let t = &rep.total;
    outln!(
        "{}{}：账号 {} 个，检查 {} 个，合格 {} 个（其中互动功能需人工核查 {} 个），不合格 {} 个，覆盖不足 {} 个，合格率 {}；问题 {} 条（{} 个账号）",
        rep.quarter.label_zh(),
        rep.region
            .as_deref()
            .map(|r| format!("（{r}）"))
            .unwrap_or_default(),
        t.registered,
        t.checked,
        t.passed,
        t.passed_manual,
        t.failed,
        t.low_coverage,
        report::html::pct(t.pass_rate()),
        rep.problems.len(),
        rep.problem_accounts
    );
    if rep.partial {
        outln!(
            "注意：{} 尚未结束，数据截至 {}",
            rep.quarter.label_zh(),
            report::quarter::fmt_ms(rep.as_of_ms)
        );
    }
    outln!("已写出 (written):");
    for p in &written {
        outln!("  {}", p.display());
    }
    store.close().await;
    Ok(())
}
