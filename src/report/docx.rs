//! DOCX: the notice as an editable Word document in GB/T 9704 form, written
//! as WordprocessingML by hand and zipped with the `zip` crate the XLSX
//! writer already brings (no document crate: a few hundred lines of XML
//! cost nothing to build on the 2-core machines, and every property is in
//! plain sight).
//!
//! Form (GB/T 9704-2012): A4; margins top 37 mm, bottom 35 mm, left 28 mm,
//! right 26 mm; body 仿宋_GB2312 三号 (16 pt) on a fixed 28 pt line; title
//! 方正小标宋简体 二号; 一级标题 黑体, 二级标题 楷体; page numbers "— 1 —"
//! in 宋体 四号 at the foot, on the outer side (odd pages right, even pages
//! left, one character in); each 附件 on a new page with "附件N" at the top
//! left, long lists on landscape pages; table header rows repeat on every
//! page. The font names are what an office's Word or WPS has; each is
//! listed in the font table with a fallback a machine without it uses
//! (仿宋, 宋体, 楷体).

use super::ReportError;
use super::config::ReportConfig;
use super::markup::{Align, Block, Inline, ParaKind, Table};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// A chart rendered to PNG, with its size in CSS pixels.
#[derive(Debug, Clone)]
pub struct Png {
    pub bytes: Vec<u8>,
    pub width_px: f64,
    pub height_px: f64,
}

/// Charts by name: rendered, or why not (the document says so instead).
pub type ChartImages = BTreeMap<String, Result<Png, String>>;

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

// Word checks the order of the properties against the schema (a pPr is
// pStyle, keepNext, pageBreakBefore, widowControl, pBdr, spacing, ind, jc,
// outlineLvl, sectPr; an rPr is rFonts, b, color, spacing, sz, szCs) and
// calls a file with another order unreadable, even where LibreOffice reads
// it; the strings below keep that order.

// Twips (1/20 pt; 1 mm = 56.69 twips).
const A4_W: u32 = 11906;
const A4_H: u32 = 16838;
const MM: f64 = 56.6929;
/// One character of 三号 (16 pt).
const CHAR: u32 = 320;

fn tw(mm: f64) -> u32 {
    (mm * MM).round() as u32
}

/// Text for XML: the five escapes, and no characters XML 1.0 forbids
/// (platform text can carry control characters; Word refuses a file with
/// them).
pub fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

struct Page {
    landscape: bool,
}

impl Page {
    /// Text width in twips.
    fn text_width(&self) -> u32 {
        if self.landscape {
            A4_H - tw(37.0) - tw(35.0)
        } else {
            A4_W - tw(28.0) - tw(26.0)
        }
    }

    /// The section's properties: size, GB/T 9704 margins (landscape pages
    /// turn them with the sheet), the odd and even footers.
    fn sect_pr(&self) -> String {
        let (w, h, orient, top, right, bottom, left) = if self.landscape {
            (A4_H, A4_W, " w:orient=\"landscape\"", tw(28.0), tw(35.0), tw(26.0), tw(37.0))
        } else {
            (A4_W, A4_H, "", tw(37.0), tw(26.0), tw(35.0), tw(28.0))
        };
        format!(
            "<w:sectPr><w:footerReference w:type=\"default\" r:id=\"rIdFtrOdd\"/><w:footerReference w:type=\"even\" r:id=\"rIdFtrEven\"/><w:pgSz w:w=\"{w}\" w:h=\"{h}\"{orient}/><w:pgMar w:top=\"{top}\" w:right=\"{right}\" w:bottom=\"{bottom}\" w:left=\"{left}\" w:header=\"851\" w:footer=\"{footer}\" w:gutter=\"0\"/></w:sectPr>",
            // The number's line sits 7 mm below the type area.
            footer = if self.landscape { tw(12.0) } else { tw(21.0) },
        )
    }
}

struct Fonts {
    title: String,
    body: String,
    heading: String,
    kai: String,
}

fn rfonts(east_asia: &str) -> String {
    let f = xml_text(east_asia);
    format!("<w:rFonts w:ascii=\"{f}\" w:hAnsi=\"{f}\" w:eastAsia=\"{f}\" w:cs=\"{f}\"/>")
}

struct Doc<'a> {
    body: String,
    fonts: Fonts,
    charts: &'a ChartImages,
    /// Images to package: (relationship id, file name, bytes).
    media: Vec<(String, String, Vec<u8>)>,
    /// External hyperlinks to relate: (relationship id, address).
    links: Vec<(String, String)>,
    drawing_id: u32,
    page: Page,
}

fn style_of(kind: ParaKind) -> &'static str {
    match kind {
        ParaKind::Body => "XjBody",
        ParaKind::Plain => "XjPlain",
        ParaKind::Heading1 => "Heading1",
        ParaKind::Heading2 => "Heading2",
        ParaKind::RedHead => "XjRedHead",
        ParaKind::DocNo => "XjDocNo",
        ParaKind::Title => "Title",
        ParaKind::Addressees => "XjPlain",
        ParaKind::Sign => "XjSign",
        ParaKind::AnnexTitle => "XjAnnexTitle",
        ParaKind::Caption => "XjCaption",
        ParaKind::Note => "XjNote",
        ParaKind::Annexes => "XjAnnexes",
    }
}

impl Doc<'_> {
    fn runs(&mut self, content: &[Inline], rpr: &str) -> String {
        let mut s = String::new();
        for i in content {
            match i {
                Inline::Text(t) => {
                    let _ = write!(
                        s,
                        "<w:r>{}<w:t xml:space=\"preserve\">{}</w:t></w:r>",
                        if rpr.is_empty() { String::new() } else { format!("<w:rPr>{rpr}</w:rPr>") },
                        xml_text(t)
                    );
                }
                Inline::Kai(t) => {
                    let _ = write!(
                        s,
                        "<w:r><w:rPr>{}{rpr}</w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r>",
                        rfonts(&self.fonts.kai),
                        xml_text(t)
                    );
                }
                Inline::Break => s.push_str("<w:r><w:br/></w:r>"),
                Inline::Link { href, text } => {
                    // The address is a relationship of the document part
                    // (TargetMode External), the run the usual link look.
                    let rid = format!("rIdLink{}", self.links.len() + 1);
                    self.links.push((rid.clone(), href.clone()));
                    let _ = write!(
                        s,
                        "<w:hyperlink r:id=\"{rid}\"><w:r><w:rPr>{rpr}<w:color w:val=\"0563C1\"/><w:u w:val=\"single\"/></w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r></w:hyperlink>",
                        xml_text(text)
                    );
                }
            }
        }
        s
    }

    fn para(&mut self, style: &str, extra_ppr: &str, content: &[Inline]) {
        let runs = self.runs(content, "");
        let _ = write!(
            self.body,
            "<w:p><w:pPr><w:pStyle w:val=\"{style}\"/>{extra_ppr}</w:pPr>{runs}</w:p>"
        );
    }

    fn chart(&mut self, name: &str) {
        let title = match name {
            "pass-rate" => "各平台合格率",
            "regions" => "各地区合格率",
            "monthly" => "月度信息发布量",
            _ => "问题类别",
        };
        match self.charts.get(name) {
            Some(Ok(png)) => {
                self.drawing_id += 1;
                let id = self.drawing_id;
                let rid = format!("rIdImg{id}");
                // At most 150 mm wide (the type area is 156 mm).
                let emu_per_px = 9525.0;
                let max_cx = 150.0 * 36000.0;
                let mut cx = png.width_px * emu_per_px;
                let mut cy = png.height_px * emu_per_px;
                if cx > max_cx {
                    cy *= max_cx / cx;
                    cx = max_cx;
                }
                let (cx, cy) = (cx.round() as u64, cy.round() as u64);
                let file = format!("chart-{name}.png");
                let _ = write!(
                    self.body,
                    "<w:p><w:pPr><w:pStyle w:val=\"XjChart\"/></w:pPr><w:r><w:drawing><wp:inline distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\"><wp:extent cx=\"{cx}\" cy=\"{cy}\"/><wp:docPr id=\"{id}\" name=\"图{id}\" descr=\"{t}\"/><wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect=\"1\"/></wp:cNvGraphicFramePr><a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"><pic:pic><pic:nvPicPr><pic:cNvPr id=\"{id}\" name=\"{file}\"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed=\"{rid}\"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"{cx}\" cy=\"{cy}\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>",
                    t = xml_text(title),
                );
                self.media.push((rid, file, png.bytes.clone()));
            }
            Some(Err(why)) => {
                let text = format!("（图表“{title}”未生成：{why}）");
                self.para("XjNote", "", &[Inline::Text(text)]);
            }
            None => {}
        }
    }

    fn table(&mut self, t: &Table) {
        let total: u64 = t.widths.iter().map(|&w| u64::from(w)).sum::<u64>().max(1);
        let width = u64::from(self.page.text_width());
        let cols: Vec<u64> = t.widths.iter().map(|&w| u64::from(w) * width / total).collect();
        let cell_style = if t.small { "XjTableSmall" } else { "XjTableText" };
        let b = |side: &str| format!("<w:{side} w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>");
        let _ = write!(
            self.body,
            "<w:tbl><w:tblPr><w:tblW w:w=\"{width}\" w:type=\"dxa\"/><w:jc w:val=\"center\"/><w:tblBorders>{}{}{}{}{}{}</w:tblBorders><w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:left w:w=\"57\" w:type=\"dxa\"/><w:right w:w=\"57\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr><w:tblGrid>",
            b("top"),
            b("left"),
            b("bottom"),
            b("right"),
            b("insideH"),
            b("insideV"),
        );
        for c in &cols {
            let _ = write!(self.body, "<w:gridCol w:w=\"{c}\"/>");
        }
        self.body.push_str("</w:tblGrid>");
        for row in &t.rows {
            // A row never splits across pages; a header row repeats on each.
            self.body.push_str("<w:tr><w:trPr><w:cantSplit/>");
            if row.head {
                self.body.push_str("<w:tblHeader/>");
            }
            self.body.push_str("</w:trPr>");
            for (i, cell) in row.cells.iter().enumerate() {
                let w = cols.get(i).copied().unwrap_or(0);
                let shade = if row.head {
                    "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"F2F2F2\"/>"
                } else {
                    ""
                };
                let jc = match cell.align {
                    Align::Left => "left",
                    Align::Center => "center",
                    Align::Right => "right",
                };
                let rpr = if row.head { rfonts(&self.fonts.heading) } else { String::new() };
                let runs = self.runs(&cell.content, &rpr);
                let _ = write!(
                    self.body,
                    "<w:tc><w:tcPr><w:tcW w:w=\"{w}\" w:type=\"dxa\"/>{shade}<w:vAlign w:val=\"center\"/></w:tcPr><w:p><w:pPr><w:pStyle w:val=\"{cell_style}\"/><w:jc w:val=\"{jc}\"/></w:pPr>{runs}</w:p></w:tc>"
                );
            }
            self.body.push_str("</w:tr>");
        }
        self.body.push_str("</w:tbl>");
        // Word needs a paragraph between two tables, and air after one.
        self.body.push_str("<w:p><w:pPr><w:pStyle w:val=\"XjGap\"/></w:pPr></w:p>");
    }

    fn block(&mut self, b: &Block) {
        match b {
            Block::Para { kind: ParaKind::Sign, content } => {
                // GB/T 9704 7.3.5.2: the date four characters in from the
                // right, the issuer's name centred over the date.
                for (i, (line, right)) in sign_lines(content).into_iter().enumerate() {
                    // The style's space before belongs to the first line.
                    let ppr = format!(
                        "{}<w:ind w:right=\"{}\"/>",
                        if i == 0 { "" } else { "<w:spacing w:before=\"0\"/>" },
                        (right * f64::from(CHAR)).round() as u32
                    );
                    self.para("XjSign", &ppr, &[Inline::Text(line)]);
                }
            }
            Block::Para { kind, content } => self.para(style_of(*kind), "", content),
            Block::RedLine => self.body.push_str("<w:p><w:pPr><w:pStyle w:val=\"XjRedLine\"/></w:pPr></w:p>"),
            Block::Chart(name) => self.chart(name),
            Block::Table(t) => self.table(t),
            Block::Annex { no, landscape, blocks } => {
                let mut ppr = String::new();
                if *landscape != self.page.landscape {
                    // A new section (its page turned) begins on a new page.
                    let sect = self.page.sect_pr();
                    let _ = write!(self.body, "<w:p><w:pPr><w:pStyle w:val=\"XjGap\"/>{sect}</w:pPr></w:p>");
                    self.page = Page { landscape: *landscape };
                } else {
                    ppr.push_str("<w:pageBreakBefore/>");
                }
                let label = format!("附件{no}");
                self.para("XjAnnexNo", &ppr, &[Inline::Text(label)]);
                for inner in blocks {
                    self.block(inner);
                }
            }
        }
    }
}

/// Width in characters of 三号 text: CJK one, ASCII half.
pub fn em_width(s: &str) -> f64 {
    s.chars().map(|c| if c.is_ascii() { 0.5 } else { 1.0 }).sum()
}

/// The lines of a 落款 with their right indents in characters: the last
/// line (the date) four characters in, each line above centred over it
/// (four in when it is wider than the date).
pub fn sign_lines(content: &[Inline]) -> Vec<(String, f64)> {
    let text = super::markup::plain(content);
    let lines: Vec<&str> = text.split('\n').map(str::trim).filter(|l| !l.is_empty()).collect();
    let date_w = lines.last().map(|l| em_width(l)).unwrap_or(0.0);
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let right = if i + 1 == lines.len() {
                4.0
            } else {
                4.0 + ((date_w - em_width(l)) / 2.0).max(0.0)
            };
            (l.to_string(), right)
        })
        .collect()
}

fn styles_xml(f: &Fonts) -> String {
    let body = rfonts(&f.body);
    let title = rfonts(&f.title);
    let head = rfonts(&f.heading);
    let kai = rfonts(&f.kai);
    let song = rfonts("宋体");
    let exact = "<w:spacing w:before=\"0\" w:after=\"0\" w:line=\"560\" w:lineRule=\"exact\"/>";
    let auto = |after: u32| format!("<w:spacing w:before=\"0\" w:after=\"{after}\" w:line=\"240\" w:lineRule=\"auto\"/>");
    let indent = format!("<w:ind w:firstLineChars=\"200\" w:firstLine=\"{}\"/>", 2 * CHAR);
    let p = |id: &str, name: &str, ppr: &str, rpr: &str, extra: &str| {
        format!(
            "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"{id}\"><w:name w:val=\"{name}\"/><w:basedOn w:val=\"Normal\"/>{extra}<w:qFormat/><w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>"
        )
    };
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:styles xmlns:w=\"{W_NS}\"><w:docDefaults><w:rPrDefault><w:rPr>{body}<w:kern w:val=\"2\"/><w:sz w:val=\"32\"/><w:szCs w:val=\"32\"/><w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\" w:bidi=\"ar-SA\"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:widowControl w:val=\"0\"/>{exact}<w:jc w:val=\"both\"/></w:pPr></w:pPrDefault></w:docDefaults>"
    );
    s.push_str("<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/></w:style>");
    s.push_str("<w:style w:type=\"character\" w:default=\"1\" w:styleId=\"DefaultParagraphFont\"><w:name w:val=\"Default Paragraph Font\"/><w:uiPriority w:val=\"1\"/><w:semiHidden/></w:style>");
    s.push_str("<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/><w:semiHidden/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>");
    s.push_str(&p("XjBody", "正文（公文）", &indent, "", ""));
    s.push_str(&p("XjPlain", "正文顶格", "", "", ""));
    // Word's built-in heading names: the navigation pane lists them.
    s.push_str(&format!(
        "<w:style w:type=\"paragraph\" w:styleId=\"Heading1\"><w:name w:val=\"heading 1\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"XjBody\"/><w:qFormat/><w:pPr><w:keepNext/>{indent}<w:outlineLvl w:val=\"0\"/></w:pPr><w:rPr>{head}<w:b w:val=\"0\"/><w:sz w:val=\"32\"/></w:rPr></w:style>"
    ));
    s.push_str(&format!(
        "<w:style w:type=\"paragraph\" w:styleId=\"Heading2\"><w:name w:val=\"heading 2\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"XjBody\"/><w:qFormat/><w:pPr><w:keepNext/>{indent}<w:outlineLvl w:val=\"1\"/></w:pPr><w:rPr>{kai}<w:b w:val=\"0\"/><w:sz w:val=\"32\"/></w:rPr></w:style>"
    ));
    s.push_str(&format!(
        "<w:style w:type=\"paragraph\" w:styleId=\"Title\"><w:name w:val=\"Title\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"XjBody\"/><w:qFormat/><w:pPr><w:spacing w:before=\"0\" w:after=\"560\" w:line=\"700\" w:lineRule=\"exact\"/><w:jc w:val=\"center\"/><w:outlineLvl w:val=\"0\"/></w:pPr><w:rPr>{title}<w:b w:val=\"0\"/><w:sz w:val=\"44\"/><w:szCs w:val=\"44\"/></w:rPr></w:style>"
    ));
    s.push_str(&p("XjRedHead", "发文机关标志", &format!("{}<w:jc w:val=\"center\"/>", auto(240)), &format!("{title}<w:color w:val=\"E60012\"/><w:spacing w:val=\"20\"/><w:sz w:val=\"60\"/><w:szCs w:val=\"60\"/>"), ""));
    s.push_str(&p("XjDocNo", "发文字号", "<w:jc w:val=\"center\"/>", "", ""));
    s.push_str(&p(
        "XjRedLine",
        "版头分隔线",
        &format!("<w:pBdr><w:bottom w:val=\"single\" w:sz=\"12\" w:space=\"1\" w:color=\"E60012\"/></w:pBdr>{}", "<w:spacing w:before=\"0\" w:after=\"560\" w:line=\"120\" w:lineRule=\"exact\"/>"),
        "",
        "",
    ));
    s.push_str(&p("XjSign", "落款", &format!("<w:spacing w:before=\"560\" w:after=\"0\" w:line=\"560\" w:lineRule=\"exact\"/><w:ind w:right=\"{}\"/><w:jc w:val=\"right\"/>", 4 * CHAR), "", ""));
    // Left-aligned: a justified line that ends in a line break is spread
    // across the whole width (附 件 ： 1 ．…).
    s.push_str(&p("XjAnnexes", "附件说明", &format!("<w:spacing w:before=\"560\" w:after=\"0\" w:line=\"560\" w:lineRule=\"exact\"/><w:ind w:left=\"{}\" w:hanging=\"{}\"/><w:jc w:val=\"left\"/>", 5 * CHAR, 3 * CHAR), "", ""));
    s.push_str(&p("XjAnnexNo", "附件标识", "<w:jc w:val=\"left\"/>", &head, ""));
    s.push_str(&p("XjAnnexTitle", "附件标题", "<w:spacing w:before=\"280\" w:after=\"280\" w:line=\"600\" w:lineRule=\"exact\"/><w:jc w:val=\"center\"/>", &format!("{title}<w:sz w:val=\"36\"/><w:szCs w:val=\"36\"/>"), ""));
    s.push_str(&p("XjCaption", "表题", &format!("<w:keepNext/>{}<w:jc w:val=\"center\"/>", auto(120)), &format!("{head}<w:sz w:val=\"28\"/><w:szCs w:val=\"28\"/>"), ""));
    s.push_str(&p("XjNote", "说明", "<w:spacing w:before=\"120\" w:after=\"0\" w:line=\"300\" w:lineRule=\"auto\"/><w:jc w:val=\"both\"/>", "<w:sz w:val=\"21\"/><w:szCs w:val=\"21\"/>", ""));
    s.push_str(&p("XjTableText", "表格文字", &format!("{}<w:jc w:val=\"left\"/>", auto(0)), "<w:sz w:val=\"21\"/><w:szCs w:val=\"21\"/>", ""));
    s.push_str(&p("XjTableSmall", "表格文字（小）", &format!("{}<w:jc w:val=\"left\"/>", auto(0)), "<w:sz w:val=\"18\"/><w:szCs w:val=\"18\"/>", ""));
    // Images need an automatic line height: a fixed 28 pt line crops them.
    s.push_str(&p("XjChart", "图表", &format!("<w:keepNext w:val=\"0\"/>{}<w:jc w:val=\"center\"/>", auto(120)), "", ""));
    s.push_str(&p("XjGap", "间隔", &auto(0), "<w:sz w:val=\"16\"/>", ""));
    s.push_str(&p("XjFooter", "页码", &auto(0), &format!("{song}<w:sz w:val=\"28\"/><w:szCs w:val=\"28\"/>"), ""));
    s.push_str("</w:styles>");
    s
}

/// "— 1 —": 宋体 四号, one character in from the outer edge.
fn footer_xml(odd: bool) -> String {
    let (jc, ind) = if odd {
        ("right", format!("<w:ind w:right=\"{}\"/>", 280))
    } else {
        ("left", format!("<w:ind w:left=\"{}\"/>", 280))
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:ftr xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\"><w:p><w:pPr><w:pStyle w:val=\"XjFooter\"/>{ind}<w:jc w:val=\"{jc}\"/></w:pPr><w:r><w:t xml:space=\"preserve\">— </w:t></w:r><w:fldSimple w:instr=\" PAGE \\* MERGEFORMAT \"><w:r><w:t>1</w:t></w:r></w:fldSimple><w:r><w:t xml:space=\"preserve\"> —</w:t></w:r></w:p></w:ftr>"
    )
}

/// The font table: each name with the family a machine without it uses.
fn font_table_xml(f: &Fonts) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:fonts xmlns:w=\"{W_NS}\">"
    );
    let entries = [
        (&f.body, "仿宋", "roman"),
        (&f.title, "宋体", "roman"),
        (&f.heading, "黑体", "modern"),
        (&f.kai, "楷体", "script"),
    ];
    let mut seen: Vec<&String> = Vec::new();
    for (name, alt, family) in entries {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        let alt = if alt == name.as_str() { String::new() } else { format!("<w:altName w:val=\"{}\"/>", xml_text(alt)) };
        let _ = write!(
            s,
            "<w:font w:name=\"{}\">{alt}<w:charset w:val=\"86\"/><w:family w:val=\"{family}\"/><w:pitch w:val=\"variable\"/></w:font>",
            xml_text(name)
        );
    }
    s.push_str("<w:font w:name=\"宋体\"><w:altName w:val=\"SimSun\"/><w:charset w:val=\"86\"/><w:family w:val=\"auto\"/><w:pitch w:val=\"variable\"/></w:font>");
    s.push_str("</w:fonts>");
    s
}

/// An external hyperlink: (relationship id, address).
type Link = (String, String);

/// The whole document.xml plus the images and hyperlinks it references.
fn document(
    blocks: &[Block],
    cfg: &ReportConfig,
    charts: &ChartImages,
) -> (String, Vec<(String, String, Vec<u8>)>, Vec<Link>) {
    let mut d = Doc {
        body: String::with_capacity(256 * 1024),
        fonts: fonts(cfg),
        charts,
        media: Vec::new(),
        links: Vec::new(),
        drawing_id: 0,
        page: Page { landscape: false },
    };
    for b in blocks {
        d.block(b);
    }
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\" xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:pic=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"><w:body>{}{}</w:body></w:document>",
        d.body,
        d.page.sect_pr()
    );
    (xml, d.media, d.links)
}

fn fonts(cfg: &ReportConfig) -> Fonts {
    Fonts {
        title: cfg.docx_title_font.clone(),
        body: cfg.docx_body_font.clone(),
        heading: cfg.docx_heading_font.clone(),
        kai: cfg.docx_kai_font.clone(),
    }
}

/// The DOCX package as bytes.
pub fn build(
    blocks: &[Block],
    title: &str,
    author: &str,
    cfg: &ReportConfig,
    charts: &ChartImages,
) -> Result<Vec<u8>, String> {
    let (doc, media, links) = document(blocks, cfg, charts);
    let fonts = fonts(cfg);
    let mut rels = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rIdStyles\" Type=\"{R_NS}/styles\" Target=\"styles.xml\"/><Relationship Id=\"rIdSettings\" Type=\"{R_NS}/settings\" Target=\"settings.xml\"/><Relationship Id=\"rIdFonts\" Type=\"{R_NS}/fontTable\" Target=\"fontTable.xml\"/><Relationship Id=\"rIdFtrOdd\" Type=\"{R_NS}/footer\" Target=\"footer1.xml\"/><Relationship Id=\"rIdFtrEven\" Type=\"{R_NS}/footer\" Target=\"footer2.xml\"/>"
    );
    for (rid, file, _) in &media {
        let _ = write!(rels, "<Relationship Id=\"{rid}\" Type=\"{R_NS}/image\" Target=\"media/{file}\"/>");
    }
    for (rid, href) in &links {
        let _ = write!(
            rels,
            "<Relationship Id=\"{rid}\" Type=\"{R_NS}/hyperlink\" Target=\"{}\" TargetMode=\"External\"/>",
            xml_text(href)
        );
    }
    rels.push_str("</Relationships>");
    let ct = "application/vnd.openxmlformats-officedocument.wordprocessingml";
    let content_types = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Default Extension=\"png\" ContentType=\"image/png\"/><Override PartName=\"/word/document.xml\" ContentType=\"{ct}.document.main+xml\"/><Override PartName=\"/word/styles.xml\" ContentType=\"{ct}.styles+xml\"/><Override PartName=\"/word/settings.xml\" ContentType=\"{ct}.settings+xml\"/><Override PartName=\"/word/fontTable.xml\" ContentType=\"{ct}.fontTable+xml\"/><Override PartName=\"/word/footer1.xml\" ContentType=\"{ct}.footer+xml\"/><Override PartName=\"/word/footer2.xml\" ContentType=\"{ct}.footer+xml\"/><Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/></Types>"
    );
    let root_rels = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/></Relationships>";
    let core = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:title>{}</dc:title><dc:creator>{}</dc:creator></cp:coreProperties>",
        xml_text(title),
        xml_text(author)
    );
    // Odd and even pages carry their own footer (the number on the outer side).
    let settings = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:settings xmlns:w=\"{W_NS}\"><w:defaultTabStop w:val=\"420\"/><w:evenAndOddHeaders/><w:characterSpacingControl w:val=\"compressPunctuation\"/><w:compat><w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat></w:settings>"
    );
    let mut parts: Vec<(String, Vec<u8>)> = vec![
        ("[Content_Types].xml".into(), content_types.into_bytes()),
        ("_rels/.rels".into(), root_rels.as_bytes().to_vec()),
        ("docProps/core.xml".into(), core.into_bytes()),
        ("word/document.xml".into(), doc.into_bytes()),
        ("word/_rels/document.xml.rels".into(), rels.into_bytes()),
        ("word/styles.xml".into(), styles_xml(&fonts).into_bytes()),
        ("word/settings.xml".into(), settings.into_bytes()),
        ("word/fontTable.xml".into(), font_table_xml(&fonts).into_bytes()),
        ("word/footer1.xml".into(), footer_xml(true).into_bytes()),
        ("word/footer2.xml".into(), footer_xml(false).into_bytes()),
    ];
    for (_, file, bytes) in media {
        parts.push((format!("word/media/{file}"), bytes));
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        zip.start_file(name, opts).map_err(|e| e.to_string())?;
        zip.write_all(&bytes).map_err(|e| e.to_string())?;
    }
    let cursor = zip.finish().map_err(|e| e.to_string())?;
    Ok(cursor.into_inner())
}

/// Writes the DOCX to `path`.
pub fn write(
    blocks: &[Block],
    title: &str,
    author: &str,
    cfg: &ReportConfig,
    charts: &ChartImages,
    path: &Path,
) -> Result<(), ReportError> {
    let bytes = build(blocks, title, author, cfg, charts).map_err(|message| ReportError::Docx {
        path: path.to_path_buf(),
        message,
    })?;
    std::fs::write(path, bytes).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::markup::parse;

    #[test]
    fn hostile_text_stays_text_and_control_characters_go() {
        assert_eq!(xml_text("<w:t>&\"\u{1}x\u{FFFF}"), "&lt;w:t&gt;&amp;&quot;x");
        let blocks = parse("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>").unwrap();
        let (doc, _, _) = document(&blocks, &ReportConfig::default(), &ChartImages::new());
        assert!(doc.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{doc}");
        assert!(!doc.contains("<script>"));
    }

    /// The children of each `<w:{block}>` in `xml` follow `order`.
    fn check_order(xml: &str, block: &str, order: &[&str]) {
        let open = format!("<w:{block}>");
        let close = format!("</w:{block}>");
        let mut rest = xml;
        let mut seen = 0;
        while let Some(i) = rest.find(&open) {
            let body = &rest[i + open.len()..];
            let end = body.find(&close).expect("closed");
            let inner = &body[..end];
            let mut last = 0;
            for (k, name) in order.iter().enumerate() {
                let tag = format!("<w:{name}");
                if let Some(at) = inner.find(&tag)
                    && inner[at + tag.len()..].starts_with([' ', '/', '>'])
                {
                    assert!(at >= last, "<w:{name}> out of order in {open}{inner}{close}");
                    last = at;
                    let _ = k;
                }
            }
            seen += 1;
            rest = &body[end..];
        }
        assert!(seen > 0, "no {open}");
    }

    #[test]
    fn properties_come_in_schema_order() {
        let blocks = parse(
            "<redhead>红头</redhead><docno>号</docno><redline/><title>题</title><p>正文</p><annex no=\"1\"><table widths=\"1\"><tr head=\"1\"><td align=\"center\">x</td></tr></table></annex>",
        )
        .unwrap();
        let cfg = ReportConfig::default();
        let (doc, _, _) = document(&blocks, &cfg, &ChartImages::new());
        let ppr = [
            "pStyle", "keepNext", "keepLines", "pageBreakBefore", "widowControl", "pBdr", "spacing",
            "ind", "jc", "outlineLvl", "sectPr",
        ];
        let rpr = ["rFonts", "b", "color", "spacing", "kern", "sz", "szCs", "lang"];
        let styles = styles_xml(&fonts(&cfg));
        for xml in [&doc, &styles, &footer_xml(true), &footer_xml(false)] {
            check_order(xml, "pPr", &ppr);
        }
        check_order(&styles, "rPr", &rpr);
        check_order(&doc, "tcPr", &["tcW", "shd", "vAlign"]);
        check_order(&doc, "tblPr", &["tblW", "jc", "tblBorders", "tblLayout", "tblCellMar"]);
    }

    #[test]
    fn the_issuer_is_centred_over_the_date() {
        let lines = sign_lines(&[
            Inline::Text("市政务公开办".into()),
            Inline::Break,
            Inline::Text("2026年10月8日".into()),
        ]);
        // The date: 4 digits, 2, 1 as half characters, 年月日 whole: 6.5.
        assert_eq!(lines[1], ("2026年10月8日".to_string(), 4.0));
        assert_eq!(lines[0], ("市政务公开办".to_string(), 4.25));
        let wide = sign_lines(&[Inline::Text("安康市人民政府办公室".into()), Inline::Break, Inline::Text("2026年10月8日".into())]);
        assert_eq!(wide[0].1, 4.0, "wider than the date: four in as well");
        let blocks = parse("<sign>市政务公开办<br/>2026年10月8日</sign>").unwrap();
        let (doc, _, _) = document(&blocks, &ReportConfig::default(), &ChartImages::new());
        assert!(doc.contains("<w:ind w:right=\"1360\"/></w:pPr><w:r><w:t xml:space=\"preserve\">市政务公开办"), "{doc}");
        assert!(doc.contains("<w:spacing w:before=\"0\"/><w:ind w:right=\"1280\"/>"), "{doc}");
    }

    #[test]
    fn annexes_start_pages_and_turn_sections() {
        let blocks = parse(
            "<p>正文</p><annex no=\"1\"><p>a</p></annex><annex no=\"2\" orient=\"landscape\"><table widths=\"1,1\"><tr head=\"1\"><td>x</td><td>y</td></tr></table></annex>",
        )
        .unwrap();
        let (doc, _, _) = document(&blocks, &ReportConfig::default(), &ChartImages::new());
        // 附件1 breaks the page; 附件2 turns it: the portrait section ends
        // before it and the last section is landscape.
        assert_eq!(doc.matches("<w:pageBreakBefore/>").count(), 1);
        assert_eq!(doc.matches("<w:sectPr>").count(), 2);
        assert!(doc.ends_with("w:orient=\"landscape\"/><w:pgMar w:top=\"1587\" w:right=\"1984\" w:bottom=\"1474\" w:left=\"2098\" w:header=\"851\" w:footer=\"680\" w:gutter=\"0\"/></w:sectPr></w:body></w:document>"), "{}", &doc[doc.len() - 400..]);
        assert!(doc.contains("<w:tblHeader/>"));
        // GB/T 9704 margins on the portrait pages: 37/26/35/28 mm.
        assert!(doc.contains("<w:pgMar w:top=\"2098\" w:right=\"1474\" w:bottom=\"1984\" w:left=\"1587\""));
    }
}
