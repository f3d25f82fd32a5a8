//! The printable notice (HTML, A4, inline SVG charts) in the form offices
//! publish: title, lead (根据……的要求……现将有关情况通报如下), 一、总体情况,
//! 二、存在问题, 三、工作要求, 落款, 附件1 检查情况统计表, 附件2 存在问题的
//! 政务新媒体名单 (standards.md §2.1). Chromium prints it to PDF.

use super::config::ReportConfig;
use super::data::{Assessment, QuarterReport, Tally};
use super::quarter::{fmt_date_zh, fmt_ms};
use super::svg::{self, Bar, esc};
use crate::rules::{Gravity, RuleId};
use chrono::Datelike;
use std::fmt::Write;

/// `95.57%`, or `—` when there is nothing to divide.
pub fn pct(v: Option<f64>) -> String {
    match v {
        Some(x) => format!("{:.2}%", x * 100.0),
        None => "—".into(),
    }
}

/// 一, 二, …, 二十 (and digits beyond).
pub fn zh_number(n: usize) -> String {
    const D: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => D[n].to_string(),
        10 => "十".into(),
        11..=19 => format!("十{}", D[n - 10]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", D[n / 10]),
        21..=99 => format!("{}十{}", D[n / 10], D[n % 10]),
        _ => n.to_string(),
    }
}

/// 2026年7月1日至9月30日
pub fn period_zh(r: &QuarterReport) -> String {
    let (a, b) = (r.period_from, r.period_to);
    if a.year() == b.year() {
        format!("{}至{}月{}日", fmt_date_zh(a), b.month(), b.day())
    } else {
        format!("{}至{}", fmt_date_zh(a), fmt_date_zh(b))
    }
}

/// Fills the title template.
pub fn title(r: &QuarterReport, cfg: &ReportConfig) -> String {
    cfg.title
        .replace("{office}", &r.office_name)
        .replace("{year}", &r.quarter.year.to_string())
        .replace("{quarter}", r.quarter.ordinal_zh())
        .replace("{scope}", r.region.as_deref().unwrap_or(""))
}

/// Fills the work-requirements template: paragraphs.
pub fn work_requirements(r: &QuarterReport, cfg: &ReportConfig) -> Vec<String> {
    let text = cfg
        .work_requirements
        .replace("{deadline}", &fmt_date_zh(r.rectification_deadline))
        .replace("{office}", &r.office_name)
        .replace("{days}", &cfg.rectification_workdays.to_string());
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

/// Names joined with 、, cut after `max` with 等N个账号.
fn names(list: &[String], max: usize) -> String {
    if list.len() <= max {
        list.join("、")
    } else {
        format!("{}等{}个账号", list[..max].join("、"), list.len())
    }
}

/// The paragraphs of 一、总体情况 (plain text).
pub fn overview_paragraphs(r: &QuarterReport) -> Vec<String> {
    let t = &r.total;
    let mut out = Vec::new();
    let platforms: Vec<String> = r
        .by_platform
        .iter()
        .map(|(p, t)| format!("{}{}个", p.display_name(), t.registered))
        .collect();
    let mut s = format!("本次检查时间范围为{}", period_zh(r));
    if r.partial {
        let _ = write!(s, "（数据截至{}）", fmt_ms(r.as_of_ms));
    }
    let _ = write!(
        s,
        "，检查对象为台账登记的{}政务新媒体账号{}个（{}）。其中完成检查{}个，检查比例{}；合格{}个，不合格{}个，合格率{}。",
        r.region.as_deref().unwrap_or(""),
        t.registered,
        if platforms.is_empty() {
            "无".into()
        } else {
            platforms.join("、")
        },
        t.checked,
        pct(t.check_ratio()),
        t.passed,
        t.failed,
        pct(t.pass_rate()),
    );
    out.push(s);
    if !r.by_platform.is_empty() {
        let parts: Vec<String> = r
            .by_platform
            .iter()
            .filter(|(_, t)| t.checked > 0)
            .map(|(p, t)| format!("{}{}", p.display_name(), pct(t.pass_rate())))
            .collect();
        if !parts.is_empty() {
            out.push(format!(
                "分平台看，合格率为：{}（详见附件1）。",
                parts.join("，")
            ));
        }
    }
    if !r.best_regions.is_empty() {
        out.push(format!("{}检查的账号全部合格。", r.best_regions.join("、")));
    }
    if t.passed_manual > 0 {
        let manual: Vec<String> =
            r.accounts.iter().filter(|a| a.needs_manual_check()).map(|a| a.named()).collect();
        out.push(format!(
            "合格账号中有{}个的评论、留言等互动功能本季度无法通过公开页面核验（如微信公众号的留言和私信），记为“合格（互动功能需人工核查）”，请所属单位自查后报送：{}。",
            t.passed_manual,
            names(&manual, 30)
        ));
    }
    if t.low_coverage > 0 {
        let low = r.named_with(Assessment::LowCoverage);
        out.push(format!(
            "另有{}个账号本季度有效监测天数不足应监测天数的{:.0}%或内容更新情况未能判定（因平台验证码、访问拦截、登录限制或尚无抓取记录等原因），记为“覆盖不足”，未作合格判定，未计入合格率：{}。",
            t.low_coverage,
            r.min_coverage * 100.0,
            names(&low, 30)
        ));
    }
    let posts: i64 = r.accounts.iter().map(|a| a.posts).sum();
    let originals: i64 = r.accounts.iter().map(|a| a.originals).sum();
    let months: Vec<String> = r
        .monthly_posts
        .iter()
        .map(|(m, n)| format!("{}月{}条", m[5..].trim_start_matches('0'), n))
        .collect();
    out.push(format!(
        "本季度各账号共发布信息{posts}条，其中原创{originals}条（{}）。",
        months.join("，")
    ));
    if let Some(pq) = r.previous.quarter
        && r.previous.problem_accounts > 0
    {
        let mut s = format!(
            "{}通报存在问题的{}个账号中，{}个已完成整改",
            pq.label_zh(),
            r.previous.problem_accounts,
            r.previous.rectified_accounts
        );
        if r.previous.persisting.is_empty() {
            s.push('。');
        } else {
            let _ = write!(
                s,
                "，{}个账号本季度仍存在同类问题（连续两个季度）：{}。",
                r.previous.persisting.len(),
                names(&r.previous.persisting, 30)
            );
        }
        out.push(s);
    }
    out
}

/// A list of problem lines: 附件2, or 附件3 for third parties' accounts.
fn problem_table(s: &mut String, lines: &[super::data::ProblemLine]) {
    if lines.is_empty() {
        s.push_str("<p>无。</p>\n");
        return;
    }
    s.push_str("<table class=\"list\"><colgroup><col style=\"width:4%\"><col style=\"width:10%\"><col style=\"width:9%\"><col style=\"width:6%\"><col style=\"width:9%\"><col style=\"width:19%\"><col style=\"width:14%\"><col style=\"width:7%\"><col style=\"width:8%\"><col style=\"width:14%\"></colgroup><thead><tr><th>序号</th><th>地区/单位</th><th>账号名称</th><th>平台</th><th>问题类别</th><th>问题描述</th><th>依据</th><th>发现时间</th><th>整改情况</th><th>证据</th></tr></thead><tbody>\n");
    for p in lines {
        let mut category = p.rule.display_name().to_string();
        if p.gravity == Gravity::Veto {
            category.push_str("（单项否决）");
        }
        let mut desc = esc(&p.description);
        if p.occurrences > 1 {
            let _ = write!(desc, "（本季度出现{}次）", p.occurrences);
        }
        // An impostor says nothing about the coverage of the account it imitates.
        if p.assessment == Assessment::LowCoverage && p.rule.kind() != crate::rules::FindingKind::ThirdParty {
            desc.push_str("（该账号本季度覆盖不足，未作合格判定）");
        }
        let ev: Vec<String> = p.evidence_lines().iter().map(|l| esc(l)).collect();
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"ev\">{}<br>问题编号 {}</td></tr>",
            p.seq,
            esc(&p.region_unit),
            esc(&p.account_name),
            esc(p.platform.display_name()),
            esc(&category),
            desc,
            esc(&p.citation),
            esc(&p.found_zh()),
            esc(&p.rectification_zh()),
            ev.join("<br>"),
            p.finding_id
        );
    }
    s.push_str("</tbody></table>\n");
}

/// Impostors and unregistered accounts: found, not the units' problems.
fn third_party_paragraph(r: &QuarterReport) -> Option<String> {
    if r.third_party.is_empty() {
        return None;
    }
    let count = |rule: RuleId| r.third_party.iter().filter(|p| p.rule == rule).count();
    let mut kinds = Vec::new();
    if count(RuleId::Impostor) > 0 {
        kinds.push(format!("疑似假冒政务新媒体的账号{}个", count(RuleId::Impostor)));
    }
    if count(RuleId::Unregistered) > 0 {
        kinds.push(format!("认证为本地单位但未纳入台账的账号{}个", count(RuleId::Unregistered)));
    }
    Some(format!(
        "此外，监测中发现{}（名单详见附件3）。这些账号不属于被仿冒单位的问题，不计入上述统计，由市政务公开办核实后向平台举报或纳入台账管理。",
        kinds.join("，")
    ))
}

/// The paragraphs of 二、存在问题 (plain text).
pub fn problem_paragraphs(r: &QuarterReport) -> Vec<String> {
    let mut out = Vec::new();
    if r.problems.is_empty() {
        out.push("本季度检查未发现存在问题的账号。".to_string());
        out.extend(third_party_paragraph(r));
        return out;
    }
    out.push(format!(
        "本季度共发现{}个账号存在问题，其中出现单项否决情形（判定为不合格）的{}个。具体如下（名单详见附件2）：",
        r.problem_accounts, r.total.failed
    ));
    let mut n = 0;
    for g in [Gravity::Veto, Gravity::Deduction] {
        for c in r.categories.iter().filter(|c| c.gravity == g) {
            n += 1;
            out.push(format!(
                "{}是{}（{}）。共{}个账号，占存在问题账号的{}：{}。",
                zh_number(n),
                c.name,
                if g == Gravity::Veto {
                    "单项否决"
                } else {
                    "扣分项"
                },
                c.accounts.len(),
                pct(Some(c.share)),
                names(&c.accounts, 20)
            ));
        }
    }
    out.extend(third_party_paragraph(r));
    out
}

fn tally_row(s: &mut String, name: &str, t: &Tally) {
    let _ = write!(
        s,
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        esc(name),
        t.registered,
        t.checked,
        pct(t.check_ratio()),
        t.passed,
        t.failed,
        t.low_coverage,
        pct(t.pass_rate())
    );
}

fn tally_table(
    s: &mut String,
    caption: &str,
    first: &str,
    rows: &[(String, &Tally)],
    total: &Tally,
) {
    let _ = write!(
        s,
        "<table class=\"stats\"><caption>{}</caption><thead><tr><th>{}</th><th>账号总数</th><th>检查数</th><th>检查比例</th><th>合格数</th><th>不合格数</th><th>覆盖不足</th><th>合格率</th></tr></thead><tbody>",
        esc(caption),
        esc(first)
    );
    for (name, t) in rows {
        tally_row(s, name, t);
    }
    s.push_str("</tbody><tfoot>");
    tally_row(s, "合计", total);
    s.push_str("</tfoot></table>");
}

fn css(cfg: &ReportConfig) -> String {
    let body = esc(&cfg.font_family);
    let head = esc(&cfg.title_font_family);
    format!(
        r#"@page {{ size: A4; margin: 3.7cm 2.6cm 3.5cm 2.8cm; }}
@page wide {{ size: A4 landscape; margin: 2cm 1.8cm; }}
html {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; font-synthesis: none; }}
* {{ font-weight: normal; }}
body {{ font-family: "{body}", "AR PL UMing CN", "Noto Serif CJK SC", serif; font-size: 14pt; line-height: 1.75; color: #000; margin: 0; }}
h1.title {{ font-family: "{head}", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; font-size: 20pt; text-align: center; line-height: 1.5; margin: 0 0 1.2em; }}
h2 {{ font-family: "{head}", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; font-size: 15pt; margin: 0.8em 0 0.3em; text-indent: 2em; }}
p {{ text-indent: 2em; margin: 0 0 0.3em; text-align: justify; }}
p.lead {{ margin-bottom: 0.5em; }}
p.annexes {{ text-indent: 0; padding-left: 2em; margin-top: 1em; }}
p.sign {{ text-align: right; text-indent: 0; margin-top: 2em; padding-right: 2em; }}
figure {{ margin: 0.6em 0; text-align: center; break-inside: avoid; }}
figure svg {{ max-width: 100%; height: auto; }}
section.annex {{ break-before: page; }}
section.wide {{ page: wide; }}
.annex-no {{ font-family: "{head}", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; font-size: 14pt; text-indent: 0; }}
.annex-title {{ text-align: center; text-indent: 0; font-size: 16pt; margin: 0.3em 0 0.6em; }}
table {{ border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 10pt; line-height: 1.4; margin-bottom: 1em; }}
caption {{ font-family: "{head}", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; padding: 0.3em; }}
th, td {{ border: 0.5pt solid #000; padding: 3pt 4pt; vertical-align: top; }}
th {{ background: #f2f2f2; font-family: "{head}", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; }}
table.stats td {{ text-align: center; }}
table.list {{ font-size: 8.5pt; }}
td.ev {{ word-break: break-all; font-size: 7pt; }}
tr {{ break-inside: avoid; }}
thead {{ display: table-header-group; }}
p.note {{ font-size: 10pt; text-indent: 0; line-height: 1.5; color: #333; }}
"#
    )
}

/// Renders the whole document.
pub fn render(r: &QuarterReport, cfg: &ReportConfig) -> String {
    let title = title(r, cfg);
    let font = &cfg.font_family;
    let mut s = String::with_capacity(64 * 1024 + r.problems.len() * 1024);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{}</title><style>{}</style></head><body>\n",
        esc(&title),
        css(cfg)
    );
    let _ = writeln!(s, "<h1 class=\"title\">{}</h1>", esc(&title));
    let _ = writeln!(
        s,
        "<p class=\"lead\">根据{}的要求，{}对{}{}政务新媒体开展了检查，现将有关情况通报如下：</p>",
        esc(&cfg.basis),
        esc(&r.office_name),
        esc(&r.quarter.label_zh()),
        esc(r.region.as_deref().unwrap_or(""))
    );

    s.push_str("<h2>一、总体情况</h2>\n");
    for p in overview_paragraphs(r) {
        let _ = writeln!(s, "<p>{}</p>", esc(&p));
    }
    let bars: Vec<Bar> = r
        .by_platform
        .iter()
        .map(|(p, t)| Bar {
            label: p.display_name().to_string(),
            value: t.pass_rate().unwrap_or(0.0),
            text: format!("{}（{}/{}）", pct(t.pass_rate()), t.passed, t.checked),
            color: svg::BLUE,
        })
        .collect();
    let _ = writeln!(
        s,
        "<figure class=\"chart\" id=\"chart-pass-rate\">{}</figure>",
        svg::hbars("各平台合格率", &bars, 1.0, font)
    );
    let bars: Vec<Bar> = r
        .monthly_posts
        .iter()
        .map(|(m, n)| Bar {
            label: format!("{}年{}月", &m[..4], m[5..].trim_start_matches('0')),
            value: *n as f64,
            text: format!("{n} 条"),
            color: svg::BLUE,
        })
        .collect();
    let _ = writeln!(
        s,
        "<figure class=\"chart\" id=\"chart-monthly\">{}</figure>",
        svg::columns("月度信息发布量", &bars, font)
    );

    s.push_str("<h2>二、存在问题</h2>\n");
    for p in problem_paragraphs(r) {
        let _ = writeln!(s, "<p>{}</p>", esc(&p));
    }
    if !r.categories.is_empty() {
        let bars: Vec<Bar> = r
            .categories
            .iter()
            .map(|c| Bar {
                label: c.name.to_string(),
                value: c.accounts.len() as f64,
                text: format!("{} 个（{}）", c.accounts.len(), pct(Some(c.share))),
                color: if c.gravity == Gravity::Veto {
                    svg::RED
                } else {
                    svg::ORANGE
                },
            })
            .collect();
        let max = bars.iter().map(|b| b.value).fold(1.0, f64::max);
        let _ = writeln!(
            s,
            "<figure class=\"chart\" id=\"chart-categories\">{}</figure>",
            svg::hbars("问题类别（红色为单项否决）", &bars, max, font)
        );
    }

    s.push_str("<h2>三、工作要求</h2>\n");
    for p in work_requirements(r, cfg) {
        let _ = writeln!(s, "<p>{}</p>", esc(&p));
    }
    s.push_str("<p class=\"annexes\">附件：1. 检查情况统计表<br>2. 存在问题的政务新媒体名单</p>\n");
    let _ = writeln!(
        s,
        "<p class=\"sign\">{}<br>{}</p>",
        esc(&r.office_name),
        esc(&fmt_date_zh(r.issued_on))
    );

    // 附件1
    s.push_str("<section class=\"annex\" id=\"annex-1\"><p class=\"annex-no\">附件1</p><h2 class=\"annex-title\">检查情况统计表</h2>\n");
    let rows: Vec<(String, &Tally)> = r
        .by_platform
        .iter()
        .map(|(p, t)| (p.display_name().to_string(), t))
        .collect();
    tally_table(&mut s, "（一）分平台", "平台", &rows, &r.total);
    let rows: Vec<(String, &Tally)> = r.by_region.iter().map(|(n, t)| (n.clone(), t)).collect();
    tally_table(&mut s, "（二）分地区", "地区", &rows, &r.total);
    s.push_str("</section>\n");

    // 附件2
    s.push_str("<section class=\"annex wide\" id=\"annex-2\"><p class=\"annex-no\">附件2</p><h2 class=\"annex-title\">存在问题的政务新媒体名单</h2>\n");
    problem_table(&mut s, &r.problems);
    // The closing note stays inside the last annex (its page layout).
    if !r.third_party.is_empty() {
        s.push_str("</section>\n<section class=\"annex wide\" id=\"annex-3\"><p class=\"annex-no\">附件3</p><h2 class=\"annex-title\">发现的疑似假冒和未备案账号</h2>\n");
        problem_table(&mut s, &r.third_party);
    }
    let _ = writeln!(
        s,
        "<p class=\"note\">说明：本通报由巡检系统根据常态化监测数据生成（规则档案 {}）。“检查”指本季度有效监测天数达到应监测天数的{:.0}%以上，或发现有证据的单项否决问题；“合格”指已检查且本季度未出现单项否决情形；“覆盖不足”指因平台验证码、访问拦截、登录限制等原因有效监测天数不足，未作合格判定。抓取失败不作为违规。每条问题均注明依据条款，证据为抓取时保存的原始页面（SHA-256 校验值），可在系统中按问题编号查阅。各账号的发布量、活跃天数、最长未更新时长、转载时效、互动量、粉丝变化和监测覆盖率见 XLSX“账号指标”表。</p>",
        esc(&r.rule_profile),
        r.min_coverage * 100.0,
    );
    s.push_str("</section>\n</body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numbers_and_rates() {
        assert_eq!(zh_number(1), "一");
        assert_eq!(zh_number(10), "十");
        assert_eq!(zh_number(12), "十二");
        assert_eq!(zh_number(20), "二十");
        assert_eq!(zh_number(23), "二十三");
        assert_eq!(pct(Some(0.9087)), "90.87%");
        assert_eq!(pct(None), "—");
        assert_eq!(
            names(&["a".into(), "b".into(), "c".into()], 2),
            "a、b等3个账号"
        );
    }
}
