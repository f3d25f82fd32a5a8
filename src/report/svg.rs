//! Small hand-written SVG charts for the printable report: horizontal bars
//! (pass rate per platform, problem categories) and columns (monthly post
//! volume). Plain SVG 1.1 with text in the report's CJK font, so Chromium
//! prints it as vector graphics with the text embedded.

use std::fmt::Write;

/// One bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// What is written at the end of the bar (e.g. `95.57%`, `3 个`).
    pub text: String,
    pub color: &'static str,
}

pub const BLUE: &str = "#2f5597";
pub const RED: &str = "#c00000";
pub const ORANGE: &str = "#d9822b";
pub const GREY: &str = "#7f7f7f";

/// Escapes text for XML/HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Display width in em of a label (CJK characters are one em, others half).
fn em_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum()
}

/// Horizontal bars scaled to `max` (e.g. 1.0 for rates).
pub fn hbars(title: &str, bars: &[Bar], max: f64, font: &str) -> String {
    let font_px = 13.0;
    let label_w = bars.iter().map(|b| em_width(&b.label)).fold(4.0, f64::max) * font_px + 12.0;
    let text_w = bars.iter().map(|b| em_width(&b.text)).fold(3.0, f64::max) * font_px + 10.0;
    let width = 640.0;
    let plot_w = (width - label_w - text_w - 10.0).max(120.0);
    let row_h = 26.0;
    let top = 34.0;
    let height = top + row_h * bars.len().max(1) as f64 + 12.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{f}" font-size="{font_px}" role="img" aria-label="{t}">"#,
        f = esc(font),
        t = esc(title)
    );
    let _ = write!(
        s,
        r#"<text x="{x}" y="20" text-anchor="middle" font-size="15">{t}</text>"#,
        x = width / 2.0,
        t = esc(title)
    );
    if bars.is_empty() {
        let _ = write!(
            s,
            r#"<text x="{x}" y="{y}" text-anchor="middle" fill="{GREY}">（无）</text>"#,
            x = width / 2.0,
            y = top + 16.0
        );
    }
    // Axis line.
    let _ = write!(
        s,
        r##"<line x1="{label_w}" y1="{top}" x2="{label_w}" y2="{y2}" stroke="#999" stroke-width="1"/>"##,
        y2 = height - 12.0
    );
    for (i, b) in bars.iter().enumerate() {
        let y = top + row_h * i as f64;
        let frac = if max > 0.0 {
            (b.value / max).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let w = plot_w * frac;
        let _ = write!(
            s,
            r#"<text x="{lx}" y="{ty}" text-anchor="end">{l}</text><rect x="{label_w}" y="{ry}" width="{w:.1}" height="{bh}" fill="{c}"/><text x="{tx:.1}" y="{ty}">{t}</text>"#,
            lx = label_w - 6.0,
            ty = y + row_h / 2.0 + 4.5,
            l = esc(&b.label),
            ry = y + 4.0,
            bh = row_h - 8.0,
            c = b.color,
            tx = label_w + w + 5.0,
            t = esc(&b.text)
        );
    }
    s.push_str("</svg>");
    s
}

/// Vertical columns with the value above each.
pub fn columns(title: &str, bars: &[Bar], font: &str) -> String {
    let width = 640.0;
    let height = 260.0;
    let (top, bottom, left, right) = (40.0, 36.0, 20.0, 20.0);
    let plot_h = height - top - bottom;
    let n = bars.len().max(1) as f64;
    let slot = (width - left - right) / n;
    let bar_w = (slot * 0.5).min(90.0);
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{f}" font-size="13" role="img" aria-label="{t}">"#,
        f = esc(font),
        t = esc(title)
    );
    let _ = write!(
        s,
        r#"<text x="{x}" y="20" text-anchor="middle" font-size="15">{t}</text>"#,
        x = width / 2.0,
        t = esc(title)
    );
    let base = height - bottom;
    let _ = write!(
        s,
        r##"<line x1="{left}" y1="{base}" x2="{x2}" y2="{base}" stroke="#999" stroke-width="1"/>"##,
        x2 = width - right
    );
    for (i, b) in bars.iter().enumerate() {
        let cx = left + slot * (i as f64 + 0.5);
        let h = if max > 0.0 {
            plot_h * (b.value / max).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let _ = write!(
            s,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{bar_w:.1}" height="{h:.1}" fill="{c}"/><text x="{cx:.1}" y="{ty:.1}" text-anchor="middle">{t}</text><text x="{cx:.1}" y="{ly:.1}" text-anchor="middle">{l}</text>"#,
            x = cx - bar_w / 2.0,
            y = base - h,
            c = b.color,
            ty = base - h - 6.0,
            t = esc(&b.text),
            ly = base + 20.0,
            l = esc(&b.label)
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_well_formed_and_escaped() {
        let bars = [
            Bar {
                label: "新浪微博".into(),
                value: 0.5,
                text: "50.00%".into(),
                color: BLUE,
            },
            Bar {
                label: "a<b".into(),
                value: 1.0,
                text: "100.00%".into(),
                color: RED,
            },
        ];
        let s = hbars("合格率", &bars, 1.0, "Noto Serif CJK SC");
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        assert!(s.contains("a&lt;b") && !s.contains("a<b"));
        assert_eq!(s.matches("<rect").count(), 2);
        let c = columns("月度发布量", &bars, "x");
        assert_eq!(c.matches("<rect").count(), 2);
        assert!(hbars("空", &[], 1.0, "x").contains("（无）"));
    }
}
