//! The workbook: 总体情况 (summary, problem categories, monthly volume,
//! the draft text), 附件1 检查情况统计表 (per platform, per region),
//! 附件2 存在问题的政务新媒体名单 (the problem list with citations and
//! evidence), 账号指标 (per-account metrics), with native Excel charts.

use super::ReportError;
use super::data::{Assessment, QuarterChange, QuarterReport, Tally};
use super::html::period_zh;
use super::quarter::fmt_ms;
use crate::rules::Gravity;
use rust_xlsxwriter::{
    Chart, ChartType, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};
use std::path::Path;

pub const SHEET_SUMMARY: &str = "总体情况";

/// The draft text on the summary sheet: the paragraphs of 一、总体情况 and
/// 二、存在问题 as the office's templates word them.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub overview: Vec<String>,
    pub problems: Vec<String>,
}
pub const SHEET_STATS: &str = "附件1 检查情况统计表";
pub const SHEET_PROBLEMS: &str = "附件2 存在问题的政务新媒体名单";
pub const SHEET_ACCOUNTS: &str = "账号指标";
/// Impostors and unregistered accounts: third parties' accounts, the
/// office's to verify and report, not the imitated unit's problem.
pub const SHEET_THIRD_PARTY: &str = "附件3 发现的疑似假冒和未备案账号";

pub const TALLY_HEADERS: [&str; 7] = [
    "账号总数",
    "检查数",
    "检查比例",
    "合格数",
    "不合格数",
    "覆盖不足",
    "合格率",
];
pub const PROBLEM_HEADERS: [&str; 12] = [
    "序号",
    "地区/单位",
    "账号名称",
    "平台",
    "问题类别",
    "问题描述",
    "依据",
    "首次发现",
    "最近发现",
    "整改情况",
    "证据",
    "问题编号",
];
pub const ACCOUNT_HEADERS: [&str; 33] = [
    "序号",
    "地区",
    "主办单位",
    "账号名称",
    "平台",
    "账号ID",
    "检查结果",
    "监测覆盖率",
    "有效监测天数",
    "应监测天数",
    "抓取次数",
    "未能抓取原因",
    "发布信息数",
    "原创信息数",
    "第1月发布",
    "第2月发布",
    "第3月发布",
    "活跃天数",
    "最长连续未更新(天)",
    "应转载",
    "按时转载",
    "超时转载",
    "未转载",
    "转载用时中位数(分钟)",
    "评论关闭占比",
    "转发数",
    "评论数",
    "点赞数",
    "期初粉丝数",
    "期末粉丝数",
    "粉丝变化",
    "单项否决问题数",
    "其他问题数",
];

struct Styles {
    title: Format,
    header: Format,
    cell: Format,
    wrap: Format,
    center: Format,
    pct: Format,
    num1: Format,
    bold: Format,
    text: Format,
    /// A date and time cell (a real Excel date, sortable and filterable).
    datetime: Format,
}

fn styles() -> Styles {
    let font = "宋体";
    let base = Format::new().set_font_name(font).set_font_size(10.5);
    let bordered = base.clone().set_border(FormatBorder::Thin);
    Styles {
        title: base
            .clone()
            .set_bold()
            .set_font_size(16)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter),
        header: bordered
            .clone()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_background_color(0xF2F2F2),
        cell: bordered.clone().set_align(FormatAlign::VerticalCenter),
        wrap: bordered.clone().set_text_wrap().set_align(FormatAlign::Top),
        center: bordered
            .clone()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter),
        pct: bordered
            .clone()
            .set_num_format("0.00%")
            .set_align(FormatAlign::Center),
        num1: bordered
            .set_num_format("0.0")
            .set_align(FormatAlign::Center),
        bold: base.clone().set_bold().set_font_size(12),
        text: base.clone().set_text_wrap().set_align(FormatAlign::Top),
        datetime: base
            .set_border(FormatBorder::Thin)
            .set_num_format("yyyy-mm-dd hh:mm")
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::Top),
    }
}

/// Sheets that print: A4, as wide as one page (as many pages down as it
/// takes), the header rows on every page, "— N —" at the foot.
fn print_setup(ws: &mut Worksheet, landscape: bool, header_rows: Option<(u32, u32)>) -> Result<(), XlsxError> {
    ws.set_paper_size(9);
    if landscape {
        ws.set_landscape();
    }
    ws.set_print_fit_to_pages(1, 0);
    ws.set_footer("&C— &P —");
    ws.set_margins(0.6, 0.6, 0.75, 0.75, 0.3, 0.3);
    if let Some((first, last)) = header_rows {
        ws.set_repeat_rows(first, last)?;
    }
    Ok(())
}

/// The width of text in Excel's column unit (the width of a "0" in the
/// default font): a Chinese character in 宋体 takes about two, Latin text
/// about one. The widest line counts.
fn text_width(s: &str) -> f64 {
    s.lines()
        .map(|l| l.chars().map(|c| if c.is_ascii() { 1.1 } else { 2.1 }).sum::<f64>())
        .fold(0.0, f64::max)
}

/// A column as wide as its widest value (plus a margin), within
/// `min..=max`: names and units read on one line, and a long one wraps
/// rather than taking the page.
fn fit_column<'a>(
    ws: &mut Worksheet,
    col: u16,
    values: impl IntoIterator<Item = &'a str>,
    min: f64,
    max: f64,
) -> Result<(), XlsxError> {
    let w = values.into_iter().map(text_width).fold(0.0, f64::max) + 2.0;
    ws.set_column_width(col, w.clamp(min, max))?;
    Ok(())
}

/// An instant as an Excel date-time in Asia/Shanghai (Excel has no zones).
fn excel_time(ms: i64) -> Option<rust_xlsxwriter::ExcelDateTime> {
    use chrono::{Datelike, TimeZone, Timelike};
    let t = chrono::Utc
        .timestamp_millis_opt(ms)
        .single()?
        .with_timezone(&chrono_tz::Asia::Shanghai);
    rust_xlsxwriter::ExcelDateTime::from_ymd(
        u16::try_from(t.year()).ok()?,
        t.month() as u8,
        t.day() as u8,
    )
    .ok()?
    .and_hms(t.hour() as u16, t.minute() as u8, t.second())
    .ok()
}

fn write_time(ws: &mut Worksheet, r: u32, c: u16, ms: i64, st: &Styles) -> Result<(), XlsxError> {
    match excel_time(ms) {
        Some(t) => ws.write_datetime_with_format(r, c, &t, &st.datetime)?,
        None => ws.write_string_with_format(r, c, fmt_ms(ms), &st.wrap)?,
    };
    Ok(())
}

fn opt_num(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    v: Option<f64>,
    f: &Format,
    st: &Styles,
) -> Result<(), XlsxError> {
    match v {
        Some(x) => ws.write_number_with_format(row, col, x, f)?,
        None => ws.write_string_with_format(row, col, "—", &st.center)?,
    };
    Ok(())
}

fn tally_row(
    ws: &mut Worksheet,
    row: u32,
    name: &str,
    t: &Tally,
    st: &Styles,
) -> Result<(), XlsxError> {
    ws.write_string_with_format(row, 0, name, &st.cell)?;
    ws.write_number_with_format(row, 1, t.registered as f64, &st.center)?;
    ws.write_number_with_format(row, 2, t.checked as f64, &st.center)?;
    opt_num(ws, row, 3, t.check_ratio(), &st.pct, st)?;
    ws.write_number_with_format(row, 4, t.passed as f64, &st.center)?;
    ws.write_number_with_format(row, 5, t.failed as f64, &st.center)?;
    ws.write_number_with_format(row, 6, t.low_coverage as f64, &st.center)?;
    opt_num(ws, row, 7, t.pass_rate(), &st.pct, st)?;
    Ok(())
}

/// Writes a tally table with its header at `row`; returns the row after
/// the 合计 line.
fn tally_table(
    ws: &mut Worksheet,
    row: u32,
    caption: &str,
    first: &str,
    rows: &[(String, &Tally)],
    total: &Tally,
    st: &Styles,
) -> Result<u32, XlsxError> {
    ws.write_string_with_format(row, 0, caption, &st.bold)?;
    ws.write_string_with_format(row + 1, 0, first, &st.header)?;
    for (i, h) in TALLY_HEADERS.iter().enumerate() {
        ws.write_string_with_format(row + 1, i as u16 + 1, *h, &st.header)?;
    }
    let mut r = row + 2;
    for (name, t) in rows {
        tally_row(ws, r, name, t, st)?;
        r += 1;
    }
    tally_row(ws, r, "合计", total, st)?;
    Ok(r + 1)
}

/// 环比 on 附件1 at `row`: the previous and this quarter's pass rate of the
/// total and each platform, the change in percentage points, and a native
/// column chart of both quarters. Where the previous quarter has too little
/// data the rates are "—" and the reason is written out, never a number.
fn change_table(
    ws: &mut Worksheet,
    row: u32,
    change: &QuarterChange,
    st: &Styles,
) -> Result<u32, XlsxError> {
    let prev = change.previous.label_zh();
    ws.write_string_with_format(row, 0, &format!("（三）合格率环比（与{prev}相比）"), &st.bold)?;
    let headers = ["名称", "上季度检查数", "上季度合格率", "本季度检查数", "本季度合格率", "变化（百分点）"];
    for (i, h) in headers.iter().enumerate() {
        ws.write_string_with_format(row + 1, i as u16, *h, &st.header)?;
    }
    let points = st.num1.clone().set_num_format("+0.00;-0.00;0.00");
    let mut r = row + 2;
    let first = r;
    let rows = change.by_platform.iter().map(|(_, c)| c).chain(std::iter::once(&change.total));
    for c in rows {
        ws.write_string_with_format(r, 0, &c.name, &st.cell)?;
        ws.write_number_with_format(r, 1, c.previous.checked as f64, &st.center)?;
        let before = if c.comparable { c.previous.pass_rate() } else { None };
        opt_num(ws, r, 2, before, &st.pct, st)?;
        ws.write_number_with_format(r, 3, c.current.checked as f64, &st.center)?;
        opt_num(ws, r, 4, c.current.pass_rate(), &st.pct, st)?;
        opt_num(ws, r, 5, c.pass_rate_change_points(), &points, st)?;
        r += 1;
    }
    let last = r - 1;
    if let Some(reason) = change.not_comparable_zh() {
        ws.merge_range(r, 0, r, 7, &reason, &st.text)?;
        return Ok(r + 1);
    }
    let mut chart = Chart::new(ChartType::Column);
    chart.title().set_name(&format!("合格率环比（{prev}与本季度）"));
    chart
        .add_series()
        .set_name("上季度")
        .set_categories((SHEET_STATS, first, 0, last, 0))
        .set_values((SHEET_STATS, first, 2, last, 2));
    chart
        .add_series()
        .set_name("本季度")
        .set_categories((SHEET_STATS, first, 0, last, 0))
        .set_values((SHEET_STATS, first, 4, last, 4));
    chart.y_axis().set_num_format("0%").set_min(0).set_max(1);
    ws.insert_chart(row, 9, &chart)?;
    Ok(r)
}

/// A list of problem lines (附件2, or 附件3 for third parties' accounts).
fn problem_sheet(
    wb: &mut Workbook,
    st: &Styles,
    name: &str,
    heading: &str,
    lines: &[super::data::ProblemLine],
    link: &dyn Fn(i64) -> Option<String>,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    print_setup(ws, true, Some((1, 1)))?;
    // Widths in characters of a Latin font; a Chinese character takes two.
    let widths = [
        6.0, 24.0, 20.0, 12.0, 18.0, 50.0, 36.0, 17.0, 17.0, 20.0, 60.0, 9.0,
    ];
    for (i, w) in widths.iter().enumerate() {
        ws.set_column_width(i as u16, *w)?;
    }
    fit_column(ws, 1, lines.iter().map(|p| p.region_unit.as_str()), 10.0, 30.0)?;
    fit_column(ws, 2, lines.iter().map(|p| p.account_name.as_str()), 10.0, 30.0)?;
    fit_column(ws, 3, lines.iter().map(|p| p.platform.display_name()), 8.0, 14.0)?;
    ws.merge_range(0, 0, 0, PROBLEM_HEADERS.len() as u16 - 1, heading, &st.title)?;
    for (i, h) in PROBLEM_HEADERS.iter().enumerate() {
        ws.write_string_with_format(1, i as u16, *h, &st.header)?;
    }
    ws.set_freeze_panes(2, 0)?;
    for (i, p) in lines.iter().enumerate() {
        let r = 2 + i as u32;
        let mut category = p.rule.display_name().to_string();
        if p.gravity == Gravity::Veto {
            category.push_str("（单项否决）");
        }
        let mut desc = p.description.clone();
        if p.occurrences > 1 {
            desc.push_str(&format!("（本季度出现{}次）", p.occurrences));
        }
        if p.assessment == Assessment::LowCoverage && p.rule.kind() != crate::rules::FindingKind::ThirdParty {
            desc.push_str("（该账号本季度覆盖不足，未作合格判定）");
        }
        ws.write_number_with_format(r, 0, p.seq as f64, &st.center)?;
        ws.write_string_with_format(r, 1, &p.region_unit, &st.wrap)?;
        ws.write_string_with_format(r, 2, &p.account_name, &st.wrap)?;
        ws.write_string_with_format(r, 3, p.platform.display_name(), &st.wrap)?;
        ws.write_string_with_format(r, 4, &category, &st.wrap)?;
        ws.write_string_with_format(r, 5, &desc, &st.wrap)?;
        ws.write_string_with_format(r, 6, &p.citation, &st.wrap)?;
        write_time(ws, r, 7, p.found_at_ms, st)?;
        write_time(ws, r, 8, p.last_found_at_ms, st)?;
        ws.write_string_with_format(r, 9, p.rectification_zh(), &st.wrap)?;
        ws.write_string_with_format(r, 10, p.evidence_lines().join("\n"), &st.wrap)?;
        match link(p.finding_id) {
            // The finding's page in the console (`[daemon] public_url`).
            Some(url) => {
                let url = rust_xlsxwriter::Url::new(url).set_text(p.finding_id.to_string());
                ws.write_url_with_format(r, 11, url, &st.center)?
            }
            None => ws.write_number_with_format(r, 11, p.finding_id as f64, &st.center)?,
        };
    }
    if !lines.is_empty() {
        ws.autofilter(1, 0, 1 + lines.len() as u32, PROBLEM_HEADERS.len() as u16 - 1)?;
    }
    Ok(())
}

fn build(report: &QuarterReport, draft: &Draft) -> Result<Workbook, XlsxError> {
    let st = styles();
    let mut wb = Workbook::new();
    let title = format!(
        "{}{}政务新媒体检查情况",
        report.quarter.label_zh(),
        report.region.as_deref().unwrap_or("")
    );

    // ---- 总体情况 ----
    let ws = wb.add_worksheet();
    ws.set_name(SHEET_SUMMARY)?;
    print_setup(ws, false, None)?;
    ws.set_column_width(0, 28)?;
    ws.set_column_width(1, 14)?;
    ws.set_column_width(2, 12)?;
    ws.set_column_width(3, 16)?;
    ws.set_column_width(4, 60)?;
    ws.merge_range(0, 0, 0, 4, &title, &st.title)?;
    let mut period = format!("检查时间范围：{}", period_zh(report));
    if report.partial {
        period.push_str(&format!("（数据截至{}）", fmt_ms(report.as_of_ms)));
    }
    period.push_str(&format!(
        "；规则档案：{}；覆盖不足阈值：{:.0}%；{}",
        report.rule_profile,
        report.min_coverage * 100.0,
        report.office_name
    ));
    ws.merge_range(1, 0, 1, 4, &period, &st.text)?;
    ws.write_string_with_format(3, 0, "指标", &st.header)?;
    ws.write_string_with_format(3, 1, "数值", &st.header)?;
    let t = &report.total;
    let posts: i64 = report.accounts.iter().map(|a| a.posts).sum();
    let originals: i64 = report.accounts.iter().map(|a| a.originals).sum();
    let rows: [(&str, Option<f64>, bool); 14] = [
        ("账号总数", Some(t.registered as f64), false),
        ("检查数", Some(t.checked as f64), false),
        ("检查比例", t.check_ratio(), true),
        ("合格数", Some(t.passed as f64), false),
        ("不合格数", Some(t.failed as f64), false),
        ("覆盖不足数", Some(t.low_coverage as f64), false),
        ("合格率", t.pass_rate(), true),
        (
            "存在问题账号数",
            Some(report.problem_accounts as f64),
            false,
        ),
        ("问题条数", Some(report.problems.len() as f64), false),
        (
            "上季度问题账号数",
            Some(report.previous.problem_accounts as f64),
            false,
        ),
        (
            "其中已整改账号数",
            Some(report.previous.rectified_accounts as f64),
            false,
        ),
        (
            "连续两个季度存在问题账号数",
            Some(report.previous.persisting.len() as f64),
            false,
        ),
        ("发布信息总数", Some(posts as f64), false),
        ("原创信息总数", Some(originals as f64), false),
    ];
    for (i, (label, v, is_pct)) in rows.iter().enumerate() {
        let r = 4 + i as u32;
        ws.write_string_with_format(r, 0, *label, &st.cell)?;
        opt_num(
            ws,
            r,
            1,
            *v,
            if *is_pct { &st.pct } else { &st.center },
            &st,
        )?;
    }
    // Problem categories.
    let mut r = 4 + rows.len() as u32 + 1;
    ws.write_string_with_format(r, 0, "问题分类", &st.bold)?;
    r += 1;
    for (i, h) in ["问题类别", "账号数", "性质", "占问题账号比例", "账号名单"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(r, i as u16, *h, &st.header)?;
    }
    r += 1;
    let cat_first = r;
    for c in &report.categories {
        ws.write_string_with_format(r, 0, c.name, &st.cell)?;
        ws.write_number_with_format(r, 1, c.accounts.len() as f64, &st.center)?;
        ws.write_string_with_format(
            r,
            2,
            if c.gravity == Gravity::Veto {
                "单项否决"
            } else {
                "扣分项"
            },
            &st.center,
        )?;
        ws.write_number_with_format(r, 3, c.share, &st.pct)?;
        ws.write_string_with_format(r, 4, c.accounts.join("、"), &st.wrap)?;
        r += 1;
    }
    if !report.categories.is_empty() {
        let mut chart = Chart::new(ChartType::Bar);
        chart.title().set_name("问题类别（账号数）");
        chart
            .add_series()
            .set_name("账号数")
            .set_categories((SHEET_SUMMARY, cat_first, 0, r - 1, 0))
            .set_values((SHEET_SUMMARY, cat_first, 1, r - 1, 1));
        chart.legend().set_hidden();
        ws.insert_chart(3, 6, &chart)?;
    }
    // Monthly volume.
    r += 1;
    ws.write_string_with_format(r, 0, "月度信息发布量", &st.bold)?;
    r += 1;
    ws.write_string_with_format(r, 0, "月份", &st.header)?;
    ws.write_string_with_format(r, 1, "发布量", &st.header)?;
    r += 1;
    let month_first = r;
    for (m, n) in &report.monthly_posts {
        ws.write_string_with_format(r, 0, m, &st.center)?;
        ws.write_number_with_format(r, 1, *n as f64, &st.center)?;
        r += 1;
    }
    let mut chart = Chart::new(ChartType::Column);
    chart.title().set_name("月度信息发布量");
    chart
        .add_series()
        .set_name("发布量")
        .set_categories((SHEET_SUMMARY, month_first, 0, r - 1, 0))
        .set_values((SHEET_SUMMARY, month_first, 1, r - 1, 1));
    chart.legend().set_hidden();
    ws.insert_chart(20, 6, &chart)?;
    // The draft text.
    r += 1;
    ws.write_string_with_format(r, 0, "一、总体情况（文字稿）", &st.bold)?;
    r += 1;
    for p in &draft.overview {
        ws.merge_range(r, 0, r, 4, p, &st.text)?;
        ws.set_row_height(r, 15.0 * (1.0 + (p.chars().count() as f64 / 60.0).ceil()))?;
        r += 1;
    }
    ws.write_string_with_format(r, 0, "二、存在问题（文字稿）", &st.bold)?;
    r += 1;
    for p in &draft.problems {
        ws.merge_range(r, 0, r, 4, p, &st.text)?;
        ws.set_row_height(r, 15.0 * (1.0 + (p.chars().count() as f64 / 60.0).ceil()))?;
        r += 1;
    }

    // ---- 附件1 ----
    let ws = wb.add_worksheet();
    ws.set_name(SHEET_STATS)?;
    print_setup(ws, true, None)?;
    ws.set_freeze_panes(1, 1)?;
    ws.set_column_width(0, 18)?;
    for c in 1..=7 {
        ws.set_column_width(c, 11)?;
    }
    ws.merge_range(0, 0, 0, 7, &format!("附件1 {title}统计表"), &st.title)?;
    let rows: Vec<(String, &Tally)> = report
        .by_platform
        .iter()
        .map(|(p, t)| (p.display_name().to_string(), t))
        .collect();
    let platform_first = 3;
    let next = tally_table(ws, 1, "（一）分平台", "平台", &rows, &report.total, &st)?;
    let platform_last = next - 2; // the last platform row (before 合计)
    let rows: Vec<(String, &Tally)> = report
        .by_region
        .iter()
        .map(|(n, t)| (n.clone(), t))
        .collect();
    let region_first = next + 3; // caption, header, then the regions
    let end = tally_table(
        ws,
        next + 1,
        "（二）分地区",
        "地区",
        &rows,
        &report.total,
        &st,
    )?;
    if report.by_region.len() > 1 {
        let mut chart = Chart::new(ChartType::Bar);
        chart.title().set_name("各地区合格率");
        chart
            .add_series()
            .set_name("合格率")
            .set_categories((SHEET_STATS, region_first, 0, end - 2, 0))
            .set_values((SHEET_STATS, region_first, 7, end - 2, 7));
        chart.x_axis().set_num_format("0%").set_min(0).set_max(1);
        chart.legend().set_hidden();
        ws.insert_chart(17, 9, &chart)?;
    }
    if !report.by_platform.is_empty() {
        let mut chart = Chart::new(ChartType::Column);
        chart.title().set_name("各平台合格率");
        chart
            .add_series()
            .set_name("合格率")
            .set_categories((SHEET_STATS, platform_first, 0, platform_last, 0))
            .set_values((SHEET_STATS, platform_first, 7, platform_last, 7));
        chart.y_axis().set_num_format("0%").set_min(0).set_max(1);
        chart.legend().set_hidden();
        ws.insert_chart(1, 9, &chart)?;
    }

    if let Some(change) = &report.change {
        change_table(ws, end + 1, change, &st)?;
    }

    // ---- 附件2, 附件3 ----
    problem_sheet(
        &mut wb,
        &st,
        SHEET_PROBLEMS,
        &format!("附件2 {title} 存在问题的政务新媒体名单"),
        &report.problems,
        &|id| report.finding_url(id),
    )?;
    if !report.third_party.is_empty() {
        problem_sheet(
            &mut wb,
            &st,
            SHEET_THIRD_PARTY,
            &format!("附件3 {title} 发现的疑似假冒和未备案账号"),
            &report.third_party,
            &|id| report.finding_url(id),
        )?;
    }

    // ---- 账号指标 ----
    let ws = wb.add_worksheet();
    ws.set_name(SHEET_ACCOUNTS)?;
    print_setup(ws, true, Some((0, 0)))?;
    for (i, h) in ACCOUNT_HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &st.header)?;
        ws.set_column_width(i as u16, 11.0)?;
    }
    let acc = &report.accounts;
    fit_column(ws, 1, acc.iter().map(|a| a.region.as_deref().unwrap_or("")), 8.0, 20.0)?;
    fit_column(ws, 2, acc.iter().map(|a| a.owner_unit.as_deref().unwrap_or("")), 10.0, 30.0)?;
    fit_column(ws, 3, acc.iter().map(|a| a.name.as_str()), 10.0, 30.0)?;
    fit_column(ws, 5, acc.iter().map(|a| a.platform_id.as_str()), 10.0, 24.0)?;
    fit_column(ws, 11, acc.iter().map(|a| a.failure_summary.as_deref().unwrap_or("")), 11.0, 40.0)?;
    ws.set_row_height(0, 30)?;
    ws.set_freeze_panes(1, 4)?;
    for (i, a) in report.accounts.iter().enumerate() {
        let r = 1 + i as u32;
        let num = |ws: &mut Worksheet, c: u16, v: f64| {
            ws.write_number_with_format(r, c, v, &st.center).map(|_| ())
        };
        num(ws, 0, (i + 1) as f64)?;
        ws.write_string_with_format(r, 1, a.region.as_deref().unwrap_or(""), &st.cell)?;
        ws.write_string_with_format(r, 2, a.owner_unit.as_deref().unwrap_or(""), &st.cell)?;
        ws.write_string_with_format(r, 3, &a.name, &st.cell)?;
        ws.write_string_with_format(r, 4, a.platform.display_name(), &st.cell)?;
        ws.write_string_with_format(r, 5, &a.platform_id, &st.cell)?;
        ws.write_string_with_format(r, 6, a.assessment_zh(), &st.center)?;
        ws.write_number_with_format(r, 7, a.coverage, &st.pct)?;
        num(ws, 8, a.answered_days as f64)?;
        num(ws, 9, a.supervised_days as f64)?;
        num(ws, 10, a.attempts as f64)?;
        ws.write_string_with_format(r, 11, a.failure_summary.as_deref().unwrap_or(""), &st.cell)?;
        num(ws, 12, a.posts as f64)?;
        num(ws, 13, a.originals as f64)?;
        for (k, n) in a.per_month.iter().enumerate() {
            num(ws, 14 + k as u16, *n as f64)?;
        }
        num(ws, 17, a.active_days as f64)?;
        ws.write_number_with_format(r, 18, a.longest_silence_secs as f64 / 86_400.0, &st.num1)?;
        num(ws, 19, a.reposts.expected as f64)?;
        num(ws, 20, a.reposts.on_time as f64)?;
        num(ws, 21, a.reposts.late as f64)?;
        num(ws, 22, a.reposts.missing as f64)?;
        opt_num(
            ws,
            r,
            23,
            a.reposts.median_delay_secs.map(|s| s as f64 / 60.0),
            &st.num1,
            &st,
        )?;
        opt_num(ws, r, 24, a.comments_closed_share, &st.pct, &st)?;
        num(ws, 25, a.interactions_reposts as f64)?;
        num(ws, 26, a.interactions_comments as f64)?;
        num(ws, 27, a.interactions_likes as f64)?;
        opt_num(
            ws,
            r,
            28,
            a.followers_start.map(|v| v as f64),
            &st.center,
            &st,
        )?;
        opt_num(
            ws,
            r,
            29,
            a.followers_end.map(|v| v as f64),
            &st.center,
            &st,
        )?;
        opt_num(
            ws,
            r,
            30,
            a.followers_change().map(|v| v as f64),
            &st.center,
            &st,
        )?;
        num(ws, 31, a.veto_problems as f64)?;
        num(ws, 32, a.other_problems as f64)?;
    }
    if !report.accounts.is_empty() {
        ws.autofilter(
            0,
            0,
            report.accounts.len() as u32,
            ACCOUNT_HEADERS.len() as u16 - 1,
        )?;
    }
    Ok(wb)
}

/// Writes the workbook to `path`.
pub fn write(report: &QuarterReport, draft: &Draft, path: &Path) -> Result<(), ReportError> {
    let err = |e: XlsxError| ReportError::Xlsx {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut wb = build(report, draft).map_err(err)?;
    wb.save(path).map_err(err)
}
