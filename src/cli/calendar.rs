//! `xunjian calendar …`: which years of the official holiday calendar the
//! daemon has, and importing next year's when the State Council publishes it.

use super::table::outln;
use super::{CliError, CliResult};
use crate::calendar::{CoverageWarning, coverage_warnings, install_import, parse_import};
use crate::config::LoadedConfig;
use anyhow::anyhow;
use chrono::Datelike;
use clap::Subcommand;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A holiday file is a few kilobytes; anything far larger is not one.
const MAX_IMPORT_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// 显示已有哪些年份的节假日数据、各自来源，以及是否缺少明年的数据；缺少时退出码 1
    /// (years present, where each comes from, what is missing; exit 1 when something is)
    Status,
    /// 导入一年的节假日安排：holiday-cn 格式的 JSON，或每行“日期 休/班 名称”的表格（CSV/TXT）
    /// (import one year: holiday-cn JSON, or a table of `date 休|班 name` lines)
    #[command(long_about = IMPORT_LONG_ABOUT)]
    Import {
        /// 节假日文件 (the file)
        file: PathBuf,
        /// 该年已导入过时替换它 (replace a year imported before)
        #[arg(long)]
        replace: bool,
    },
}

const IMPORT_LONG_ABOUT: &str = "导入一年的节假日安排（国务院办公厅《关于××年部分节假日安排的通知》）。\n\n\
文件可以是 holiday-cn 格式的 JSON（与内置数据相同），也可以是表格，每行一天：\n\
  日期,类型,名称\n  2027-01-01,休,元旦\n  2027-02-13,班,春节\n\
“休”为放假，“班”为周末调休上班；普通周末不用列出。列之间用逗号、制表符或空格分隔，\
以 # 开头的行是注释。整个文件检查无误才写入（写入数据目录下的 holidays，或 [calendar] holidays_dir），\
有错误时什么也不写，并指出行号和列。导入后运行中的服务需 systemctl reload xunjian 才会使用。";

pub async fn run(loaded: &LoadedConfig, cmd: CalendarCommand) -> CliResult {
    match cmd {
        CalendarCommand::Status => status(loaded),
        CalendarCommand::Import { file, replace } => import(loaded, &file, replace),
    }
}

fn status(loaded: &LoadedConfig) -> CliResult {
    let calendar = loaded.calendar().map_err(CliError::invalid)?;
    let dir = loaded.holidays_dir();
    outln!("节假日数据目录 (holidays dir): {}{}", dir.display(), if dir.exists() { "" } else { "（尚未创建）" });
    for year in calendar.known_years() {
        let source = calendar.source(year).map(Path::display).map(|d| d.to_string()).unwrap_or_default();
        let origin = if source.starts_with("builtin:") { "内置 (built in)".to_string() } else { format!("导入 (imported) {source}") };
        let papers = calendar.papers(year).join(" ");
        let papers = if papers.is_empty() { String::new() } else { format!("；依据 {papers}") };
        outln!("  {year} 年：{origin}{papers}");
    }
    let today = super::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let warnings = coverage_warnings(&calendar.known_years(), today);
    if warnings.is_empty() {
        outln!("今天 {today}：本年{}的数据齐全", if today.month() >= 11 { "和明年" } else { "" });
        return Ok(());
    }
    for CoverageWarning { message, .. } in &warnings {
        outln!("警告 (warning): {message}");
    }
    Err(CliError::failure(anyhow!("节假日数据不全 (holiday data missing): {} 项", warnings.len())))
}

/// UTF-8 (with or without BOM) or GBK/GB18030, as Excel and WPS save tables.
fn read_text(file: &Path) -> CliResult<String> {
    let meta = std::fs::metadata(file).map_err(|e| CliError::invalid(anyhow!("无法读取 {}：{e}", file.display())))?;
    if meta.len() > MAX_IMPORT_BYTES {
        return Err(CliError::invalid(anyhow!(
            "{} 有 {} 字节，不像节假日文件（上限 {MAX_IMPORT_BYTES} 字节）",
            file.display(),
            meta.len()
        )));
    }
    let bytes = std::fs::read(file).map_err(|e| CliError::invalid(anyhow!("无法读取 {}：{e}", file.display())))?;
    if let Ok(text) = String::from_utf8(bytes.clone()) {
        return Ok(text);
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(&bytes)
        .map(|t| t.into_owned())
        .ok_or_else(|| {
            CliError::invalid(anyhow!(
                "{} 的编码无法识别：既不是 UTF-8 也不是 GBK/GB18030；请另存为“CSV UTF-8”",
                file.display()
            ))
        })
}

fn import(loaded: &LoadedConfig, file: &Path, replace: bool) -> CliResult {
    let text = read_text(file)?;
    let imported = parse_import(&text, file).map_err(CliError::invalid)?;
    let dir = loaded.holidays_dir();
    let path = install_import(&dir, &imported, replace).map_err(|e| CliError::invalid(anyhow!(e)))?;
    // Read back as the daemon will.
    let calendar = loaded.calendar().map_err(CliError::failure)?;
    outln!(
        "已导入 {} 年节假日安排 (imported): 放假 {} 天，调休上班 {} 天 → {}",
        imported.year,
        imported.days_off,
        imported.make_up_workdays,
        path.display()
    );
    // Per holiday, for checking against the notice.
    let mut by_name: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    let value: serde_json::Value = serde_json::from_str(&imported.json)?;
    for d in value["days"].as_array().into_iter().flatten() {
        let entry = by_name.entry(d["name"].as_str().unwrap_or_default().to_string()).or_default();
        let date = d["date"].as_str().unwrap_or_default().to_string();
        if d["isOffDay"].as_bool() == Some(true) { entry.0.push(date) } else { entry.1.push(date) }
    }
    for (name, (off, work)) in by_name {
        let work = if work.is_empty() { String::new() } else { format!("；调休上班 {}", work.join("、")) };
        outln!("  {name}：放假 {}{work}", off.join("、"));
    }
    outln!("现有年份 (years): {:?}", calendar.known_years());
    outln!("请与通知逐日核对。运行中的服务执行 systemctl reload xunjian 后生效；多台服务器时每台都要导入（见 README）。");
    Ok(())
}
