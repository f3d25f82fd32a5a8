//! The quarterly assessment report (季度检查情况通报).
//!
//! [`data`] computes a [`QuarterReport`] from the store (definitions of
//! registered, checked, 合格, 不合格 and 覆盖不足 are there); the writers
//! format it: [`docx`] (the editable notice in GB/T 9704 form, the primary
//! output), [`xlsx`] (总体情况, 附件1, 附件2, 账号指标, with native charts),
//! [`html`] (the printable notice with inline SVG charts) and [`pdf`] (the
//! HTML printed by headless Chromium with CJK fonts embedded). The DOCX and
//! the HTML are built from the same parts: the office-editable templates of
//! [`templates`], written in the small markup of [`markup`].
//!
//! Time is injected: the quarter and the cut-off are arguments; nothing here
//! reads the clock.

pub mod config;
pub mod data;
pub mod docx;
pub mod html;
pub mod markup;
pub mod pdf;
pub mod png;
pub mod quarter;
pub mod svg;
pub mod templates;
pub mod xlsx;

pub use config::ReportConfig;
pub use data::{
    AccountMetrics, Assessment, CategoryStat, ChangeRow, NoProgress, PreviousComparison,
    ProblemLine, Progress, QuarterChange, QuarterReport, QuarterRequest, Rectification,
    ReportInputs, RepostStats, Tally,
};
pub use quarter::{BadQuarter, Quarter};

use crate::calendar::{CalendarError, HolidayCalendar};
use crate::config::Config;
use crate::rules::SettingsError;
use crate::store::{Store, StoreError};
use std::path::{Path, PathBuf};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Docx,
    Xlsx,
    Html,
    Pdf,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Docx, Format::Xlsx, Format::Html, Format::Pdf];

    pub fn ext(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Xlsx => "xlsx",
            Format::Html => "html",
            Format::Pdf => "pdf",
        }
    }

    pub fn parse(s: &str) -> Result<Format, ReportError> {
        let t = s.trim().to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.ext() == t)
            .ok_or_else(|| ReportError::BadFormat(s.to_string()))
    }

    /// `xlsx,pdf` → formats, deduplicated, in the order docx, xlsx, html, pdf.
    pub fn parse_list(s: &str) -> Result<Vec<Format>, ReportError> {
        let mut v = s
            .split(',')
            .filter(|x| !x.trim().is_empty())
            .map(Format::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if v.is_empty() {
            return Err(ReportError::BadFormat(s.to_string()));
        }
        v.sort();
        v.dedup();
        Ok(v)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    #[error(transparent)]
    Rules(#[from] SettingsError),
    #[error(transparent)]
    Quarter(#[from] BadQuarter),
    #[error("不支持的报告格式 (unknown report format) `{0}`: 可选 docx、xlsx、html、pdf")]
    BadFormat(String),
    #[error("配置有误 (invalid configuration): {0}")]
    Config(String),
    #[error("无法写入 {path} (cannot write): {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("报告模板有误 (report template error) {file}：{message}")]
    Template { file: String, message: String },
    #[error("DOCX 生成失败 (cannot write the document) {path}: {message}")]
    Docx { path: PathBuf, message: String },
    #[error("XLSX 生成失败 (cannot write the workbook) {path}: {message}")]
    Xlsx { path: PathBuf, message: String },
    #[error(
        "找不到 Chromium（`{program}`），无法生成 PDF (Chromium not found, cannot print the PDF)。\
         请安装 Debian 软件包：apt-get install chromium fonts-noto-cjk fonts-arphic-uming fonts-wqy-microhei，\
         或在 [report] chromium 中写明路径；XLSX 和 HTML 不需要它：--format xlsx,html"
    )]
    ChromiumMissing { program: String },
    #[error("Chromium 生成 PDF 失败 (printing to PDF failed): {0}")]
    Pdf(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Reads the store and computes the report.
pub async fn build_quarter_report(
    store: &Store,
    cfg: &Config,
    req: &QuarterRequest,
    calendar: &HolidayCalendar,
    progress: &dyn Progress,
) -> Result<QuarterReport, ReportError> {
    cfg.report.validate().map_err(ReportError::Config)?;
    let rules = cfg.rules.resolve()?;
    let inputs = data::read_inputs(store, req, progress).await?;
    progress.step("计算统计结果 (assembling)");
    let opt = data::AssembleOptions {
        office_name: &cfg.general.office_name,
        min_coverage: cfg.report.min_coverage,
        rectification_workdays: cfg.report.rectification_workdays,
        rules: &rules,
        calendar,
    };
    let mut report = data::assemble_with_change(inputs, req, &opt)?;
    let console = cfg.daemon.public_url.trim();
    report.console_url = (!console.is_empty()).then(|| console.to_string());
    Ok(report)
}

/// The file name (without extension) of a report:
/// `2026Q3-政务新媒体检查情况通报` or `2026Q3-汉滨区-政务新媒体检查情况通报`.
pub fn file_stem(report: &QuarterReport) -> String {
    let mut s = report.quarter.to_string();
    if let Some(r) = &report.region {
        s.push('-');
        s.extend(r.chars().map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        }));
    }
    s.push_str("-政务新媒体检查情况通报");
    s
}

/// Writes the quarter's report for the whole registry, as of the quarter's
/// end, in `formats` into `out_dir` (created if needed); returns the files
/// written. This is what the daemon runs at quarter close.
pub async fn write_quarterly(
    store: &Store,
    cfg: &Config,
    quarter: Quarter,
    formats: &[Format],
    out_dir: &Path,
    calendar: &HolidayCalendar,
    progress: &dyn Progress,
) -> Result<Vec<PathBuf>, ReportError> {
    write_quarterly_with(
        store,
        cfg,
        &QuarterRequest::new(quarter),
        formats,
        out_dir,
        calendar,
        progress,
    )
    .await
}

/// [`write_quarterly`] with a region, a cut-off and a report date.
pub async fn write_quarterly_with(
    store: &Store,
    cfg: &Config,
    req: &QuarterRequest,
    formats: &[Format],
    out_dir: &Path,
    calendar: &HolidayCalendar,
    progress: &dyn Progress,
) -> Result<Vec<PathBuf>, ReportError> {
    // Fail before any work when the PDF cannot be printed or a template
    // directory is missing.
    if formats.contains(&Format::Pdf) {
        pdf::find_chromium(&cfg.report.chromium)?;
    }
    // Every format uses the templates (the XLSX for its draft text).
    templates::Templates::load(templates::resolve_dir(&cfg.report, None).as_deref())?;
    progress.begin(data::READ_STEPS + 1 + formats.len() as u64);
    let report = build_quarter_report(store, cfg, req, calendar, progress).await?;
    let written = write_report(&report, &cfg.report, formats, out_dir, progress).await?;
    progress.finish();
    Ok(written)
}

/// The charts as PNG for the DOCX, by Chromium screenshots. A chart that
/// cannot be rendered (no Chromium, a failed run) is left out of the
/// document with a note saying why, and a warning: the charts illustrate
/// numbers the text and 附件1 already give, and the document an office
/// edits must not fail for them.
pub async fn chart_images(
    charts: &[(&'static str, String)],
    cfg: &ReportConfig,
) -> docx::ChartImages {
    let mut out = docx::ChartImages::new();
    let program = match pdf::find_chromium(&cfg.chromium) {
        Ok(p) => p,
        Err(_) => {
            tracing::warn!(
                chromium = %cfg.chromium,
                "未找到 Chromium，DOCX 中的图表未生成 (Chromium not found: the DOCX has no chart images)"
            );
            for (name, _) in charts {
                out.insert(
                    name.to_string(),
                    Err(format!("本机未安装 Chromium（[report] chromium = \"{}\"）", cfg.chromium)),
                );
            }
            return out;
        }
    };
    let sized: Vec<(&'static str, &str, f64, f64)> = charts
        .iter()
        .filter_map(|(name, svg)| html::svg_size(svg).map(|(w, h)| (*name, svg.as_str(), w, h)))
        .collect();
    if sized.is_empty() {
        return out;
    }
    // One Chromium start for every chart; one per chart when that fails.
    let stacked: Vec<(&str, f64, f64)> = sized.iter().map(|(_, s, w, h)| (*s, *w, *h)).collect();
    match pdf::svgs_to_pngs(&program, &stacked, cfg).await {
        Ok(pngs) => {
            for ((name, _, w, h), bytes) in sized.iter().zip(pngs) {
                out.insert(
                    name.to_string(),
                    Ok(docx::Png {
                        bytes,
                        width_px: *w,
                        height_px: *h,
                    }),
                );
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "图表合并截图失败，逐个截图 (stacked chart screenshot failed)");
            for (name, svg, w, h) in &sized {
                let result = pdf::svg_to_png(&program, svg, *w, *h, cfg)
                    .await
                    .map(|bytes| docx::Png {
                        bytes,
                        width_px: *w,
                        height_px: *h,
                    })
                    .map_err(|e| e.to_string());
                if let Err(e) = &result {
                    tracing::warn!(chart = name, error = %e, "图表转 PNG 失败 (chart not rendered)");
                }
                out.insert(name.to_string(), result);
            }
        }
    }
    for (name, svg) in charts {
        if html::svg_size(svg).is_none() {
            out.insert(name.to_string(), Err("图表尺寸未知".to_string()));
        }
    }
    out
}

/// Writes a computed report in `formats` into `out_dir` (created if
/// needed), as `<file_stem>.<ext>`; returns the files written. The
/// templates are read first: a template mistake fails before any file is
/// written.
pub async fn write_report(
    report: &QuarterReport,
    cfg: &ReportConfig,
    formats: &[Format],
    out_dir: &Path,
    progress: &dyn Progress,
) -> Result<Vec<PathBuf>, ReportError> {
    let mut formats = formats.to_vec();
    formats.sort();
    formats.dedup();
    if formats.is_empty() {
        return Err(ReportError::BadFormat(String::new()));
    }
    let chromium = if formats.contains(&Format::Pdf) {
        let program = pdf::find_chromium(&cfg.chromium)?;
        for (key, family) in pdf::missing_fonts(&[&cfg.font_family, &cfg.title_font_family])
            .into_iter()
            .map(|f| (if f == cfg.font_family { "font_family" } else { "title_font_family" }, f))
        {
            tracing::warn!(
                "PDF 字体未安装 (font not installed)：{family}（[report] {key}），PDF 将改用已安装的其他字体"
            );
        }
        Some(program)
    } else {
        None
    };
    let blocks = templates::blocks(report, cfg, None)?;
    let (overview, problems) = templates::draft_text(report, cfg, None)?;
    let draft = xlsx::Draft { overview, problems };
    std::fs::create_dir_all(out_dir).map_err(io_err(out_dir))?;
    let stem = file_stem(report);
    let charts = html::charts(report, cfg);
    let html_text = formats
        .iter()
        .any(|f| matches!(f, Format::Html | Format::Pdf))
        .then(|| html::render(&blocks, report, cfg, &charts));
    let mut written = Vec::new();
    for f in &formats {
        let path = out_dir.join(format!("{stem}.{}", f.ext()));
        match f {
            Format::Docx => {
                progress.step("写入 DOCX");
                let images = chart_images(&charts, cfg).await;
                let issuer = if cfg.issuer.trim().is_empty() {
                    report.office_name.as_str()
                } else {
                    cfg.issuer.trim()
                };
                docx::write(&blocks, &html::title(report, cfg), issuer, cfg, &images, &path)?;
            }
            Format::Xlsx => {
                progress.step("写入 XLSX");
                xlsx::write(report, &draft, &path)?;
            }
            Format::Html => {
                progress.step("写入 HTML");
                std::fs::write(&path, html_text.as_deref().expect("rendered"))
                    .map_err(io_err(&path))?;
            }
            Format::Pdf => {
                progress.step("打印 PDF (Chromium)");
                let program = chromium.as_ref().expect("found above");
                pdf::print(program, html_text.as_deref().expect("rendered"), &path, cfg).await?;
            }
        }
        written.push(path);
    }
    Ok(written)
}

/// Where reports go: `[report] out_dir` (relative to the configuration
/// file's directory), else `reports` in the data directory.
pub fn default_out_dir(loaded: &crate::config::LoadedConfig) -> PathBuf {
    let configured = loaded.config.report.out_dir.trim();
    if configured.is_empty() {
        return loaded.data_dir().join("reports");
    }
    let p = PathBuf::from(configured);
    if p.is_absolute() {
        return p;
    }
    match &loaded.source {
        crate::config::ConfigSource::File(f) => f.parent().map(|d| d.join(&p)).unwrap_or(p),
        crate::config::ConfigSource::Defaults => p,
    }
}

/// `[report] formats` as formats. Left at its default, the list drops the
/// PDF (with a warning) on a machine without Chromium: "by default where
/// the tools are present"; a list the office wrote is taken as written.
pub fn configured_formats(cfg: &ReportConfig) -> Result<Vec<Format>, ReportError> {
    let mut formats = Format::parse_list(&cfg.formats.join(","))?;
    let is_default = cfg.formats.iter().map(String::as_str).eq(config::DEFAULT_FORMATS);
    if is_default && pdf::find_chromium(&cfg.chromium).is_err() {
        tracing::warn!(
            chromium = %cfg.chromium,
            "未找到 Chromium，不生成 PDF（DOCX、XLSX、HTML 照常生成） (Chromium not found: PDF skipped)"
        );
        formats.retain(|f| *f != Format::Pdf);
    }
    Ok(formats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_formats_skip_only_a_pdf_nothing_can_print() {
        let mut cfg = ReportConfig::default();
        let all = Format::ALL.to_vec();
        cfg.chromium = "sh".into(); // any executable: "Chromium is here"
        assert_eq!(configured_formats(&cfg).unwrap(), all);
        cfg.chromium = "/nonexistent/chromium".into();
        assert_eq!(
            configured_formats(&cfg).unwrap(),
            vec![Format::Docx, Format::Xlsx, Format::Html]
        );
        // A list the office wrote is taken as written (and fails later,
        // naming the package, when it cannot be printed).
        cfg.formats = vec!["pdf".into(), "docx".into()];
        assert_eq!(configured_formats(&cfg).unwrap(), vec![Format::Docx, Format::Pdf]);
    }

    #[test]
    fn formats_parse() {
        assert_eq!(
            Format::parse_list("pdf,xlsx,XLSX,docx").unwrap(),
            vec![Format::Docx, Format::Xlsx, Format::Pdf]
        );
        assert!(Format::parse_list("").is_err());
        assert!(
            matches!(Format::parse_list("xlsx,doc"), Err(ReportError::BadFormat(f)) if f == "doc")
        );
    }
}
