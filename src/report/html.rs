//! The printable notice (HTML, A4, inline SVG charts) in the form offices
//! publish: title, lead (根据……的要求……现将有关情况通报如下), 一、总体情况,
//! 二、存在问题, 三、工作要求, 落款, 附件1 检查情况统计表, 附件2 存在问题的
//! 政务新媒体名单 (standards.md §2.1). Chromium prints it to PDF.
//!
//! The document's parts, their sentences included, come from the templates
//! ([`super::templates`]) as blocks, which [`render`] sets in HTML.

use super::config::ReportConfig;
use super::data::QuarterReport;
use super::markup::{Align, Block, Inline, ParaKind};
use super::quarter::fmt_date_zh;
use super::svg::{self, Bar, esc};
use crate::rules::Gravity;
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

/// The charts as inline SVG, by the names templates use
/// (`<chart name="…"/>`): 各平台合格率, 各地区合格率, 月度信息发布量,
/// 问题类别. A chart without data is absent.
pub fn charts(r: &QuarterReport, cfg: &ReportConfig) -> Vec<(&'static str, String)> {
    let font = &cfg.font_family;
    let mut out = Vec::new();
    if !r.by_platform.is_empty() {
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
        out.push(("pass-rate", svg::hbars("各平台合格率", &bars, 1.0, font)));
    }
    // By region only when there is more than one: a single bar says
    // nothing the text does not.
    if r.by_region.len() > 1 {
        let bars: Vec<Bar> = r
            .by_region
            .iter()
            .map(|(name, t)| Bar {
                label: name.clone(),
                value: t.pass_rate().unwrap_or(0.0),
                text: format!("{}（{}/{}）", pct(t.pass_rate()), t.passed, t.checked),
                color: svg::BLUE,
            })
            .collect();
        out.push(("regions", svg::hbars("各地区合格率", &bars, 1.0, font)));
    }
    // 环比: both quarters' pass rate side by side, for the total and each
    // platform the previous quarter can be compared on.
    if let Some(c) = r.change.as_ref().filter(|c| c.total.comparable) {
        let mut bars = Vec::new();
        let rows = c.by_platform.iter().map(|(_, l)| l).filter(|l| l.comparable).chain(std::iter::once(&c.total));
        for l in rows {
            for (when, t, color) in [("上季度", &l.previous, svg::GREY), ("本季度", &l.current, svg::BLUE)] {
                bars.push(Bar {
                    label: format!("{}（{when}）", l.name),
                    value: t.pass_rate().unwrap_or(0.0),
                    text: format!("{}（{}/{}）", pct(t.pass_rate()), t.passed, t.checked),
                    color,
                });
            }
        }
        let title = format!("合格率环比（灰色为{}）", c.previous.label_zh());
        out.push(("change", svg::hbars(&title, &bars, 1.0, font)));
    }
    if !r.monthly_posts.is_empty() {
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
        out.push(("monthly", svg::columns("月度信息发布量", &bars, font)));
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
        out.push(("categories", svg::hbars("问题类别（红色为单项否决）", &bars, max, font)));
    }
    out
}

/// The width and height an SVG declares (`width="640" height="260"`).
pub fn svg_size(svg: &str) -> Option<(f64, f64)> {
    let head = &svg[..svg.find('>')?];
    let num = |key: &str| -> Option<f64> {
        let i = head.find(key)? + key.len();
        let rest = &head[i..];
        rest[..rest.find('"')?].parse().ok()
    };
    Some((num(" width=\"")?, num(" height=\"")?))
}

fn css(cfg: &ReportConfig) -> String {
    let body = esc(&cfg.font_family);
    let head = esc(&cfg.title_font_family);
    format!(
        r#"@page {{ size: A4; margin: 3.7cm 2.6cm 3.5cm 2.8cm; }}
@page wide {{ size: A4 landscape; margin: 2.8cm 3.5cm 2.6cm 3.7cm; }}
/* GB/T 9704 page numbers: "— 1 —" in 四号 under the type area, on the
   outer side (odd pages right, even pages left), one character in. */
@page :right {{ @bottom-right {{ content: "— " counter(page) " —"; font-family: "AR PL UMing CN", "Noto Serif CJK SC", serif; font-size: 14pt; vertical-align: top; padding-top: 7mm; padding-right: 1em; }} }}
@page :left {{ @bottom-left {{ content: "— " counter(page) " —"; font-family: "AR PL UMing CN", "Noto Serif CJK SC", serif; font-size: 14pt; vertical-align: top; padding-top: 7mm; padding-left: 1em; }} }}
html {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; font-synthesis: none; }}
* {{ font-weight: normal; }}
body {{ font-family: "{body}", "AR PL UMing CN", "Noto Serif CJK SC", serif; font-size: 16pt; line-height: 28pt; color: #000; margin: 0; }}
.hei, h1, h2, caption, th, .annex-no {{ font-family: "{head}", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; }}
.redhead {{ font-family: "{head}", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; color: #e60012; font-size: 30pt; line-height: 1.3; text-align: center; letter-spacing: 0.1em; margin: 0 0 0.4em; }}
p.docno {{ text-align: center; text-indent: 0; margin: 0; }}
hr.redline {{ border: 0; border-top: 1.5pt solid #e60012; margin: 4mm 0 28pt; }}
/* The title breaks only where the program split it (between words):
   each line is kept whole. */
h1.title {{ font-size: 22pt; text-align: center; line-height: 35pt; margin: 0 0 28pt; }}
h1.title span {{ white-space: nowrap; }}
p.addressees {{ text-indent: 0; }}
h2 {{ font-size: 16pt; line-height: 28pt; margin: 0; text-indent: 2em; }}
h3 {{ font-size: 16pt; line-height: 28pt; margin: 0; text-indent: 2em; }}
.kai, h3 {{ font-family: "楷体_GB2312", "KaiTi", "AR PL UKai CN", "{body}", serif; }}
p {{ text-indent: 2em; margin: 0; text-align: justify; }}
p.plain {{ text-indent: 0; }}
p.annexes {{ text-indent: -3em; padding-left: 5em; margin-top: 28pt; text-align: left; }}
p.sign {{ text-align: right; text-indent: 0; margin-top: 28pt; padding-right: 4em; white-space: nowrap; }}
figure {{ margin: 0.6em 0; text-align: center; break-inside: avoid; }}
figure svg {{ max-width: 100%; height: auto; }}
section.annex {{ break-before: page; }}
section.wide {{ page: wide; }}
p.annex-no {{ text-indent: 0; }}
h2.annex-title {{ text-align: center; text-indent: 0; font-size: 18pt; line-height: 30pt; margin: 0.3em 0 0.6em; }}
p.caption {{ text-align: center; text-indent: 0; font-size: 14pt; }}
table {{ border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 10.5pt; line-height: 1.4; margin-bottom: 1em; }}
table.small {{ font-size: 9pt; }}
th, td {{ border: 0.5pt solid #000; padding: 3pt 4pt; vertical-align: middle; overflow-wrap: anywhere; }}
th {{ background: #f2f2f2; }}
td.c, th {{ text-align: center; }}
td.r {{ text-align: right; }}
tr {{ break-inside: avoid; }}
thead {{ display: table-header-group; }}
p.note {{ font-size: 10.5pt; text-indent: 0; line-height: 1.5; color: #333; margin-top: 0.5em; }}
"#
    )
}

fn inline_html(content: &[Inline]) -> String {
    let mut s = String::new();
    for i in content {
        match i {
            Inline::Text(t) => s.push_str(&esc(t)),
            Inline::Kai(t) => {
                let _ = write!(s, "<span class=\"kai\">{}</span>", esc(t));
            }
            Inline::Break => s.push_str("<br>"),
            Inline::Link { href, text } => {
                let _ = write!(s, "<a href=\"{}\">{}</a>", esc(href), esc(text));
            }
        }
    }
    s
}

fn block_html(s: &mut String, b: &Block, charts: &[(&'static str, String)]) {
    match b {
        Block::Para { kind, content } => {
            let inner = inline_html(content);
            let _ = match kind {
                ParaKind::Body => writeln!(s, "<p>{inner}</p>"),
                ParaKind::Plain => writeln!(s, "<p class=\"plain\">{inner}</p>"),
                ParaKind::Heading1 => writeln!(s, "<h2>{inner}</h2>"),
                ParaKind::Heading2 => writeln!(s, "<h3>{inner}</h3>"),
                ParaKind::RedHead => writeln!(s, "<div class=\"redhead\">{inner}</div>"),
                ParaKind::DocNo => writeln!(s, "<p class=\"docno\">{inner}</p>"),
                ParaKind::Title => {
                    // Each line of the title in its own unbreakable span.
                    let lines: Vec<String> = super::markup::plain(content)
                        .split('\n')
                        .map(|l| format!("<span>{}</span>", esc(l)))
                        .collect();
                    writeln!(s, "<h1 class=\"title\">{}</h1>", lines.join("<br>"))
                }
                ParaKind::Addressees => writeln!(s, "<p class=\"addressees\">{inner}</p>"),
                ParaKind::Sign => {
                    // GB/T 9704: the date four characters in from the right,
                    // the issuer's name centred over it.
                    let mut out = Ok(());
                    for (i, (line, right)) in super::docx::sign_lines(content).into_iter().enumerate() {
                        out = writeln!(
                            s,
                            "<p class=\"sign\" style=\"padding-right:{right}em{}\">{}</p>",
                            if i == 0 { "" } else { ";margin-top:0" },
                            esc(&line)
                        );
                    }
                    out
                }
                ParaKind::AnnexTitle => writeln!(s, "<h2 class=\"annex-title\">{inner}</h2>"),
                ParaKind::Caption => writeln!(s, "<p class=\"caption hei\">{inner}</p>"),
                ParaKind::Note => writeln!(s, "<p class=\"note\">{inner}</p>"),
                ParaKind::Annexes => writeln!(s, "<p class=\"annexes\">{inner}</p>"),
            };
        }
        Block::RedLine => s.push_str("<hr class=\"redline\">\n"),
        Block::Chart(name) => {
            if let Some((_, svg)) = charts.iter().find(|(n, _)| n == name) {
                let _ = writeln!(s, "<figure class=\"chart\" id=\"chart-{name}\">{svg}</figure>");
            }
        }
        Block::Table(t) => {
            let total: u32 = t.widths.iter().sum::<u32>().max(1);
            let _ = write!(s, "<table{}><colgroup>", if t.small { " class=\"small\"" } else { "" });
            for w in &t.widths {
                let _ = write!(s, "<col style=\"width:{:.2}%\">", f64::from(*w) * 100.0 / f64::from(total));
            }
            s.push_str("</colgroup>");
            let heads = t.rows.iter().take_while(|r| r.head).count();
            for (i, row) in t.rows.iter().enumerate() {
                if i == 0 && heads > 0 {
                    s.push_str("<thead>");
                }
                if i == heads {
                    s.push_str("<tbody>");
                }
                s.push_str("<tr>");
                for c in &row.cells {
                    let tag = if row.head { "th" } else { "td" };
                    let class = match (row.head, c.align) {
                        (true, _) | (false, Align::Left) => "",
                        (false, Align::Center) => " class=\"c\"",
                        (false, Align::Right) => " class=\"r\"",
                    };
                    let _ = write!(s, "<{tag}{class}>{}</{tag}>", inline_html(&c.content));
                }
                s.push_str("</tr>\n");
                if i + 1 == heads {
                    s.push_str("</thead>");
                }
            }
            if heads < t.rows.len() {
                s.push_str("</tbody>");
            }
            s.push_str("</table>\n");
        }
        Block::Annex { no, landscape, blocks } => {
            let _ = writeln!(
                s,
                "<section class=\"annex{}\" id=\"annex-{}\"><p class=\"annex-no\">附件{}</p>",
                if *landscape { " wide" } else { "" },
                esc(no),
                esc(no)
            );
            for inner in blocks {
                block_html(s, inner, charts);
            }
            s.push_str("</section>\n");
        }
    }
}

/// Renders the whole document from the templates' blocks.
pub fn render(
    blocks: &[Block],
    r: &QuarterReport,
    cfg: &ReportConfig,
    charts: &[(&'static str, String)],
) -> String {
    let title = title(r, cfg);
    let mut s = String::with_capacity(64 * 1024 + r.problems.len() * 1024);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{}</title><style>{}</style></head><body>\n",
        esc(&title),
        css(cfg)
    );
    for b in blocks {
        block_html(&mut s, b, charts);
    }
    s.push_str("</body></html>\n");
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
            crate::report::templates::names(&["a".into(), "b".into(), "c".into()], 2),
            "a、b等3个账号"
        );
    }
}
