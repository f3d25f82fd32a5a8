//! The `[report]` section of xunjian.toml: the wording and thresholds of
//! the quarterly report (季度检查情况通报). Every key has a default.

use serde::Deserialize;

/// `[report]`
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ReportConfig {
    /// The title. Placeholders: `{office}` (general.office_name), `{year}`,
    /// `{quarter}` (一/二/三/四), `{scope}` (the region, or 全市 without one).
    pub title: String,
    /// The document the check follows, as the lead names it (根据……的要求).
    pub basis: String,
    /// 三、工作要求: paragraphs separated by blank lines. Placeholders:
    /// `{deadline}` (the rectification deadline, 2026年10月23日), `{office}`,
    /// `{days}` (rectification_workdays).
    pub work_requirements: String,
    /// Rectification deadline: this many working days (holiday calendar,
    /// with 调休) after the report's date.
    pub rectification_workdays: u32,
    /// An account observed (any platform answer) on fewer than this share of
    /// the quarter's days it was under supervision is reported as 覆盖不足
    /// (not checked) unless an evidenced veto violation fails it. 0–1.
    pub min_coverage: f64,
    /// Formats written when none is given on the command line (and by the
    /// daemon at quarter close): any of "docx", "xlsx", "html", "pdf".
    /// With the default list, a machine without Chromium writes the others
    /// and says the PDF was skipped; a list written here is required.
    pub formats: Vec<String>,
    /// Where reports are written. Empty: `reports` in the data directory.
    /// Relative to the configuration file's directory.
    pub out_dir: String,
    /// The Chromium executable that prints the HTML to PDF (a name looked up
    /// in PATH, or a path). Debian: package `chromium`.
    pub chromium: String,
    /// How long Chromium may take to print, in seconds.
    pub pdf_timeout_secs: u64,
    /// Body font family (fontconfig name). Default: AR PL UMing CN (a 宋体
    /// style, Debian fonts-arphic-uming). Offices with a licensed
    /// 仿宋_GB2312 install it (e.g. into /usr/local/share/fonts) and name it
    /// here. Use TrueType-outline fonts: Chromium embeds them as real
    /// subset CID fonts, while CFF-outline fonts (Noto CJK .ttc) end up as
    /// Type 3 glyph procedures. Noto Serif CJK SC is the fallback.
    pub font_family: String,
    /// Title and heading font family. Default: WenQuanYi Micro Hei (黑体
    /// style, Debian fonts-wqy-microhei); e.g. a licensed 方正小标宋简体.
    pub title_font_family: String,
    /// A directory of the office's own report templates: a file there
    /// replaces the built-in template of the same name (templates/report/,
    /// fields in its README.md). Relative to the configuration file's
    /// directory. Empty: the built-in templates.
    pub template_dir: String,
    /// 发文机关标志（红头）, e.g. 安康市人民政府办公室. Empty: no 红头.
    pub redhead: String,
    /// 发文字号, e.g. 宝政公开办发〔2026〕×号. Empty: none.
    pub doc_number: String,
    /// 主送机关, e.g. 各县区人民政府办公室，市政府各部门：. Empty: none.
    pub addressees: String,
    /// 发文机关署名 (落款). Empty: general.office_name.
    pub issuer: String,
    /// DOCX fonts: the names an office's Word or WPS knows (GB/T 9704).
    /// The machine that writes the DOCX needs none of them; Word shows a
    /// missing one in the fallback the font table names (宋体, 仿宋, 楷体).
    pub docx_title_font: String,
    pub docx_body_font: String,
    pub docx_heading_font: String,
    pub docx_kai_font: String,
}

impl Default for ReportConfig {
    fn default() -> Self {
        ReportConfig {
            title: DEFAULT_TITLE.to_string(),
            basis: DEFAULT_BASIS.to_string(),
            work_requirements: DEFAULT_WORK_REQUIREMENTS.to_string(),
            rectification_workdays: 10,
            min_coverage: 0.6,
            formats: DEFAULT_FORMATS.iter().map(|f| f.to_string()).collect(),
            out_dir: String::new(),
            chromium: "chromium".into(),
            pdf_timeout_secs: 120,
            font_family: "AR PL UMing CN".into(),
            title_font_family: "WenQuanYi Micro Hei".into(),
            template_dir: String::new(),
            redhead: String::new(),
            doc_number: String::new(),
            addressees: String::new(),
            issuer: String::new(),
            docx_title_font: "方正小标宋简体".into(),
            docx_body_font: "仿宋_GB2312".into(),
            docx_heading_font: "黑体".into(),
            docx_kai_font: "楷体_GB2312".into(),
        }
    }
}

pub const DEFAULT_FORMATS: [&str; 4] = ["docx", "xlsx", "html", "pdf"];

pub const DEFAULT_TITLE: &str =
    "{office}关于{year}年第{quarter}季度{scope}政务新媒体检查情况的通报";

pub const DEFAULT_BASIS: &str = "《国务院办公厅秘书局关于印发政府网站与政务新媒体检查指标、监管工作年度考核指标的通知》（国办秘函〔2019〕19号）";

pub const DEFAULT_WORK_REQUIREMENTS: &str = "（一）认真整改存在问题。请各有关单位对照附件2所列问题逐项整改，整改情况于{deadline}前书面报送{office}。

（二）严格落实内容更新和互动要求。各单位要加强日常内容保障，避免出现监测时间点前2周内无更新、未提供有效互动功能等单项否决问题；对连续两个季度存在问题的账号，主管单位要督促主办单位限期整改，确属无力维护的要按程序关停注销。

（三）规范账号开设、变更和关停。账号开设、变更、关停要及时报备，拟关停的账号要发布停更公告，注销后及时完成关停备案。";

impl ReportConfig {
    /// Checks the values a TOML file cannot constrain by type.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.min_coverage) {
            return Err(format!(
                "[report] min_coverage 须在 0 到 1 之间 (must be in [0, 1]): {}",
                self.min_coverage
            ));
        }
        for f in &self.formats {
            super::Format::parse(f).map_err(|e| format!("[report] formats: {e}"))?;
        }
        for (key, font) in [
            ("docx_title_font", &self.docx_title_font),
            ("docx_body_font", &self.docx_body_font),
            ("docx_heading_font", &self.docx_heading_font),
            ("docx_kai_font", &self.docx_kai_font),
        ] {
            if font.trim().is_empty() {
                return Err(format!("[report] {key} 不能为空 (must not be empty)"));
            }
        }
        if self.chromium.trim().is_empty() {
            return Err("[report] chromium 不能为空 (must not be empty)".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_unknown_keys_fail() {
        ReportConfig::default().validate().unwrap();
        let c: ReportConfig =
            toml::from_str("min_coverage = 0.8\nrectification_workdays = 5\n").unwrap();
        assert_eq!(c.min_coverage, 0.8);
        assert_eq!(c.rectification_workdays, 5);
        assert_eq!(c.font_family, "AR PL UMing CN");
        assert!(toml::from_str::<ReportConfig>("min_coverag = 0.8\n").is_err());
        let bad = ReportConfig {
            min_coverage: 1.5,
            ..Default::default()
        };
        assert!(bad.validate().is_err());
        let bad = ReportConfig {
            formats: vec!["doc".into()],
            ..Default::default()
        };
        assert!(bad.validate().unwrap_err().contains("doc"));
    }
}
