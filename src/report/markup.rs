//! The small markup the report templates write (templates/report/README.md)
//! and its parser. One document model feeds every writer: the DOCX
//! ([`super::docx`]) and the HTML ([`super::html`], which Chromium prints to
//! PDF) are built from the same [`Block`]s, so an office's template change
//! shows in all three formats.
//!
//! Why not HTML itself: Word has no HTML layout engine to borrow, and a
//! handful of tags with fixed meanings (红头, 文号, 标题, 一级/二级标题,
//! 落款, 附件) is what GB/T 9704 form needs; anything else in a template
//! is a mistake an office should hear about, with the template's name.
//!
//! Hand-written rather than an XML crate: the grammar is tiny (tags,
//! attributes in double quotes, five named entities and numeric ones,
//! comments), and errors can name the line the office wrote.

use std::fmt;

/// Inline content: text and line breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    /// A run in the 二级标题 font (楷体): `（一）认真整改存在问题。` opening a
    /// paragraph of 工作要求.
    Kai(String),
    Break,
    /// `<a href="https://…">#12</a>`: a link (http or https only) to a page
    /// outside the document, such as a finding in the console.
    Link { href: String, text: String },
}

/// Plain text of inline content (breaks as newlines).
pub fn plain(content: &[Inline]) -> String {
    let mut s = String::new();
    for i in content {
        match i {
            Inline::Text(t) | Inline::Kai(t) => s.push_str(t),
            Inline::Link { text, .. } => s.push_str(text),
            Inline::Break => s.push('\n'),
        }
    }
    s
}

/// How a paragraph is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParaKind {
    /// 正文: 仿宋 三号, first line indented two characters.
    Body,
    /// No first-line indent (附件说明 and the like).
    Plain,
    /// 一级标题 (一、): 黑体.
    Heading1,
    /// 二级标题 (（一）): 楷体.
    Heading2,
    /// 红头: 发文机关标志, red, centred.
    RedHead,
    /// 发文字号, centred.
    DocNo,
    /// 标题: 小标宋-style, centred; lines split by `<br/>`.
    Title,
    /// 主送机关: flush left.
    Addressees,
    /// 落款: right-aligned lines.
    Sign,
    /// An annex's title, centred.
    AnnexTitle,
    /// A table's caption, centred, heading font.
    Caption,
    /// Small print (说明).
    Note,
    /// 附件说明: "附件：1．…", later lines aligned under the first name.
    Annexes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub align: Align,
    pub content: Vec<Inline>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// A header row: repeated at the top of every page the table spans.
    pub head: bool,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Relative column widths (any unit; normalised by the writers).
    pub widths: Vec<u32>,
    /// Small print for long lists.
    pub small: bool,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Para { kind: ParaKind, content: Vec<Inline> },
    /// The red line under the 红头.
    RedLine,
    /// A chart by name (`pass-rate`, `regions`, `change`, `monthly`, `categories`).
    Chart(String),
    Table(Table),
    /// An annex: starts on a new page with "附件N" at the top left.
    Annex {
        no: String,
        landscape: bool,
        blocks: Vec<Block>,
    },
}

/// The chart names a template may use.
pub const CHARTS: [&str; 5] = ["pass-rate", "regions", "change", "monthly", "categories"];

/// A markup mistake, with the line (1-based) of the rendered text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkupError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for MarkupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "第{}行：{}", self.line, self.message)
    }
}

#[derive(Debug)]
enum Token {
    Open {
        name: String,
        attrs: Vec<(String, String)>,
        empty: bool,
        line: usize,
    },
    Close {
        name: String,
        line: usize,
    },
    Text(String),
}

fn decode_entities(s: &str, line: usize) -> Result<String, MarkupError> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after.find(';').filter(|&e| e <= 10).ok_or_else(|| MarkupError {
            line,
            message: "“&” 须写作 &amp;amp;（或由模板变量自动转义）".into(),
        })?;
        let name = &after[..end];
        let c = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let n = if let Some(h) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                    u32::from_str_radix(h, 16).ok()
                } else if let Some(d) = name.strip_prefix('#') {
                    d.parse().ok()
                } else {
                    None
                };
                n.and_then(char::from_u32).ok_or_else(|| MarkupError {
                    line,
                    message: format!("不认识的字符引用 &{name};"),
                })?
            }
        };
        out.push(c);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn tokenize(src: &str) -> Result<Vec<Token>, MarkupError> {
    let mut out = Vec::new();
    let mut rest = src;
    let mut line = 1;
    while !rest.is_empty() {
        if let Some(body) = rest.strip_prefix("<!--") {
            let end = body.find("-->").ok_or_else(|| MarkupError {
                line,
                message: "注释 <!-- 没有结束的 -->".into(),
            })?;
            line += body[..end].matches('\n').count();
            rest = &body[end + 3..];
            continue;
        }
        if rest.starts_with('<') {
            let end = rest.find('>').ok_or_else(|| MarkupError {
                line,
                message: "标记 < 没有结束的 >".into(),
            })?;
            let tag = &rest[1..end];
            let tag_line = line;
            line += tag.matches('\n').count();
            rest = &rest[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                out.push(Token::Close {
                    name: name.trim().to_string(),
                    line: tag_line,
                });
                continue;
            }
            let (tag, empty) = match tag.strip_suffix('/') {
                Some(t) => (t, true),
                None => (tag, false),
            };
            let tag = tag.trim();
            let name_end = tag.find(|c: char| !is_name_char(c)).unwrap_or(tag.len());
            let name = &tag[..name_end];
            if name.is_empty() {
                return Err(MarkupError {
                    line: tag_line,
                    message: format!("无法识别的标记 <{tag}>"),
                });
            }
            let mut attrs = Vec::new();
            let mut a = tag[name_end..].trim_start();
            while !a.is_empty() {
                let eq = a.find('=').ok_or_else(|| MarkupError {
                    line: tag_line,
                    message: format!("<{name}> 的属性须写作 名称=\"值\""),
                })?;
                let key = a[..eq].trim();
                let v = a[eq + 1..].trim_start();
                let v = v.strip_prefix('"').ok_or_else(|| MarkupError {
                    line: tag_line,
                    message: format!("<{name}> 的属性 {key} 的值须用英文双引号括起"),
                })?;
                let close = v.find('"').ok_or_else(|| MarkupError {
                    line: tag_line,
                    message: format!("<{name}> 的属性 {key} 缺少结束的双引号"),
                })?;
                if key.is_empty() || !key.chars().all(is_name_char) {
                    return Err(MarkupError {
                        line: tag_line,
                        message: format!("<{name}> 的属性名 “{key}” 有误"),
                    });
                }
                attrs.push((key.to_string(), decode_entities(&v[..close], tag_line)?));
                a = v[close + 1..].trim_start();
            }
            out.push(Token::Open {
                name: name.to_string(),
                attrs,
                empty,
                line: tag_line,
            });
            continue;
        }
        let end = rest.find('<').unwrap_or(rest.len());
        let text = &rest[..end];
        out.push(Token::Text(decode_entities(text, line)?));
        line += text.matches('\n').count();
        rest = &rest[end..];
    }
    Ok(out)
}

/// Whitespace in markup text: runs with a newline are layout of the
/// template (dropped); other runs become one space. Chinese text has no
/// spaces between words, and a template's line breaks must not put some
/// into a sentence.
fn squeeze(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut ws = String::new();
    for c in s.chars() {
        if c.is_whitespace() {
            ws.push(c);
            continue;
        }
        if !ws.is_empty() {
            if !ws.contains('\n') && !out.is_empty() {
                out.push(' ');
            }
            ws.clear();
        }
        out.push(c);
    }
    if !ws.is_empty() && !ws.contains('\n') && !out.is_empty() {
        out.push(' ');
    }
    out
}

struct Parser {
    tokens: std::iter::Peekable<std::vec::IntoIter<Token>>,
    last_line: usize,
}

fn para_kind(name: &str) -> Option<ParaKind> {
    Some(match name {
        "p" => ParaKind::Body,
        "plain" => ParaKind::Plain,
        "h1" => ParaKind::Heading1,
        "h2" => ParaKind::Heading2,
        "redhead" => ParaKind::RedHead,
        "docno" => ParaKind::DocNo,
        "title" => ParaKind::Title,
        "addressees" => ParaKind::Addressees,
        "sign" => ParaKind::Sign,
        "annextitle" => ParaKind::AnnexTitle,
        "caption" => ParaKind::Caption,
        "note" => ParaKind::Note,
        "annexes" => ParaKind::Annexes,
        _ => return None,
    })
}

fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn check_attrs(
    name: &str,
    attrs: &[(String, String)],
    allowed: &[&str],
    line: usize,
) -> Result<(), MarkupError> {
    for (k, _) in attrs {
        if !allowed.contains(&k.as_str()) {
            return Err(MarkupError {
                line,
                message: format!("<{name}> 没有属性 {k}"),
            });
        }
    }
    Ok(())
}

impl Parser {
    fn err(&self, line: usize, message: String) -> MarkupError {
        MarkupError { line, message }
    }

    /// Inline content up to `</end>`.
    fn inline(&mut self, end: &str, line: usize) -> Result<Vec<Inline>, MarkupError> {
        let mut out: Vec<Inline> = Vec::new();
        loop {
            match self.tokens.next() {
                None => return Err(self.err(line, format!("<{end}> 没有结束标记 </{end}>"))),
                Some(Token::Text(t)) => {
                    let t = squeeze(&t);
                    if !t.is_empty() {
                        match out.last_mut() {
                            Some(Inline::Text(prev)) => prev.push_str(&t),
                            _ => out.push(Inline::Text(t)),
                        }
                    }
                }
                Some(Token::Open { name, empty, line: l, .. }) if name == "br" => {
                    if !empty {
                        return Err(self.err(l, "换行须写作 <br/>".into()));
                    }
                    out.push(Inline::Break);
                }
                Some(Token::Open { name, empty: false, line: l, .. }) if name == "kai" => {
                    let inner = self.inline("kai", l)?;
                    let mut text = String::new();
                    for i in inner {
                        match i {
                            Inline::Text(t) => text.push_str(&t),
                            _ => return Err(self.err(l, "<kai> 里只能有文字".into())),
                        }
                    }
                    if !text.is_empty() {
                        out.push(Inline::Kai(text));
                    }
                }
                Some(Token::Open { name, attrs, empty: false, line: l }) if name == "a" => {
                    check_attrs("a", &attrs, &["href"], l)?;
                    let href = attr(&attrs, "href").unwrap_or_default().trim().to_string();
                    if !(href.starts_with("https://") || href.starts_with("http://")) {
                        return Err(self.err(l, format!("<a href=\"{href}\"> 的地址须以 http:// 或 https:// 开头")));
                    }
                    let inner = self.inline("a", l)?;
                    let mut text = String::new();
                    for i in inner {
                        match i {
                            Inline::Text(t) => text.push_str(&t),
                            _ => return Err(self.err(l, "<a> 里只能有文字".into())),
                        }
                    }
                    if text.is_empty() {
                        text = href.clone();
                    }
                    out.push(Inline::Link { href, text });
                }
                Some(Token::Open { name, line: l, .. }) => {
                    return Err(self.err(
                        l,
                        format!("<{end}> 里只能有文字、<kai>、<a> 和 <br/>，不能有 <{name}>"),
                    ));
                }
                Some(Token::Close { name, line: l }) => {
                    if name != end {
                        return Err(self.err(l, format!("</{name}> 与 <{end}> 不配对")));
                    }
                    self.last_line = l;
                    // Trim a trailing space a template line may leave.
                    if let Some(Inline::Text(t)) = out.last_mut() {
                        let trimmed = t.trim_end().len();
                        t.truncate(trimmed);
                    }
                    if let Some(Inline::Text(t)) = out.first_mut() {
                        *t = t.trim_start().to_string();
                    }
                    out.retain(|i| !matches!(i, Inline::Text(t) if t.is_empty()));
                    return Ok(out);
                }
            }
        }
    }

    fn table(&mut self, attrs: &[(String, String)], line: usize) -> Result<Table, MarkupError> {
        check_attrs("table", attrs, &["widths", "class"], line)?;
        let widths: Vec<u32> = match attr(attrs, "widths") {
            Some(w) => w
                .split(',')
                .map(|x| x.trim().parse::<u32>().ok().filter(|&n| n > 0))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    self.err(line, format!("<table widths=\"{w}\"> 须为逗号分隔的正整数"))
                })?,
            None => Vec::new(),
        };
        let small = attr(attrs, "class") == Some("small");
        let mut rows = Vec::new();
        loop {
            match self.tokens.next() {
                None => return Err(self.err(line, "<table> 没有结束标记 </table>".into())),
                Some(Token::Text(t)) if t.trim().is_empty() => {}
                Some(Token::Text(t)) => {
                    return Err(self.err(
                        self.last_line,
                        format!("<table> 里的文字须放在 <td> 中：“{}”", t.trim()),
                    ));
                }
                Some(Token::Close { name, line: l }) => {
                    if name != "table" {
                        return Err(self.err(l, format!("</{name}> 与 <table> 不配对")));
                    }
                    break;
                }
                Some(Token::Open { name, attrs, empty, line: l }) => {
                    if name != "tr" || empty {
                        return Err(self.err(l, format!("<table> 里只能有 <tr>，不能有 <{name}>")));
                    }
                    check_attrs("tr", &attrs, &["head"], l)?;
                    let head = attr(&attrs, "head").is_some_and(|v| v == "1" || v == "true");
                    rows.push(Row { head, cells: self.cells(l)? });
                }
            }
        }
        let cols = widths.len();
        for r in &rows {
            if cols > 0 && r.cells.len() != cols {
                return Err(self.err(
                    line,
                    format!("表格有 {cols} 列（widths），但有一行 {} 个 <td>", r.cells.len()),
                ));
            }
        }
        let widths = if widths.is_empty() {
            vec![1; rows.first().map(|r| r.cells.len()).unwrap_or(1)]
        } else {
            widths
        };
        Ok(Table { widths, small, rows })
    }

    fn cells(&mut self, line: usize) -> Result<Vec<Cell>, MarkupError> {
        let mut cells = Vec::new();
        loop {
            match self.tokens.next() {
                None => return Err(self.err(line, "<tr> 没有结束标记 </tr>".into())),
                Some(Token::Text(t)) if t.trim().is_empty() => {}
                Some(Token::Text(t)) => {
                    return Err(self.err(line, format!("<tr> 里的文字须放在 <td> 中：“{}”", t.trim())));
                }
                Some(Token::Close { name, line: l }) => {
                    if name != "tr" {
                        return Err(self.err(l, format!("</{name}> 与 <tr> 不配对")));
                    }
                    return Ok(cells);
                }
                Some(Token::Open { name, attrs, empty, line: l }) => {
                    if name != "td" {
                        return Err(self.err(l, format!("<tr> 里只能有 <td>，不能有 <{name}>")));
                    }
                    check_attrs("td", &attrs, &["align"], l)?;
                    let align = match attr(&attrs, "align") {
                        None | Some("left") => Align::Left,
                        Some("center") => Align::Center,
                        Some("right") => Align::Right,
                        Some(o) => {
                            return Err(self.err(l, format!("<td align=\"{o}\">：可选 left、center、right")));
                        }
                    };
                    let content = if empty { Vec::new() } else { self.inline("td", l)? };
                    cells.push(Cell { align, content });
                }
            }
        }
    }

    /// Blocks up to `</end>` (or the end of input when `end` is None).
    fn blocks(&mut self, end: Option<&str>, line: usize) -> Result<Vec<Block>, MarkupError> {
        let mut out = Vec::new();
        loop {
            let Some(tok) = self.tokens.next() else {
                return match end {
                    None => Ok(out),
                    Some(e) => Err(self.err(line, format!("<{e}> 没有结束标记 </{e}>"))),
                };
            };
            match tok {
                Token::Text(t) if t.trim().is_empty() => {}
                Token::Text(t) => {
                    return Err(self.err(
                        self.last_line,
                        format!(
                            "文字须放在段落标记中（如 <p>……</p>）：“{}”",
                            t.trim().chars().take(30).collect::<String>()
                        ),
                    ));
                }
                Token::Close { name, line: l } => {
                    if Some(name.as_str()) == end {
                        return Ok(out);
                    }
                    return Err(self.err(l, format!("多余的结束标记 </{name}>")));
                }
                Token::Open { name, attrs, empty, line: l } => {
                    self.last_line = l;
                    if let Some(kind) = para_kind(&name) {
                        check_attrs(&name, &attrs, &[], l)?;
                        let content = if empty { Vec::new() } else { self.inline(&name, l)? };
                        out.push(Block::Para { kind, content });
                        continue;
                    }
                    match name.as_str() {
                        "redline" => {
                            check_attrs(&name, &attrs, &[], l)?;
                            if !empty {
                                return Err(self.err(l, "红线须写作 <redline/>".into()));
                            }
                            out.push(Block::RedLine);
                        }
                        "chart" => {
                            check_attrs(&name, &attrs, &["name"], l)?;
                            let n = attr(&attrs, "name").unwrap_or("");
                            if !CHARTS.contains(&n) {
                                return Err(self.err(
                                    l,
                                    format!("图表 <chart name=\"{n}\"/>：可选 {}", CHARTS.join("、")),
                                ));
                            }
                            if !empty {
                                return Err(self.err(l, "图表须写作 <chart name=\"…\"/>".into()));
                            }
                            out.push(Block::Chart(n.to_string()));
                        }
                        "table" if !empty => out.push(Block::Table(self.table(&attrs, l)?)),
                        "annex" if !empty => {
                            if end.is_some() {
                                return Err(self.err(l, "<annex> 不能嵌套".into()));
                            }
                            check_attrs(&name, &attrs, &["no", "orient"], l)?;
                            let no = attr(&attrs, "no").unwrap_or("").to_string();
                            let landscape = match attr(&attrs, "orient") {
                                None | Some("portrait") => false,
                                Some("landscape") => true,
                                Some(o) => {
                                    return Err(self.err(l, format!("<annex orient=\"{o}\">：可选 portrait、landscape")));
                                }
                            };
                            let blocks = self.blocks(Some("annex"), l)?;
                            out.push(Block::Annex { no, landscape, blocks });
                        }
                        _ => {
                            return Err(self.err(l, format!("不认识的标记 <{name}>（可用标记见 templates/report/README.md）")));
                        }
                    }
                }
            }
        }
    }
}

/// Parses a template's output into blocks.
pub fn parse(src: &str) -> Result<Vec<Block>, MarkupError> {
    let tokens = tokenize(src)?;
    let mut p = Parser {
        tokens: tokens.into_iter().peekable(),
        last_line: 1,
    };
    p.blocks(None, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_text_and_entities() {
        let b = parse(
            "<title>关于&lt;script&gt;的<br/>通报</title>\n<p>第一句，\n  第二句 &amp; A B</p>\n<table widths=\"1,2\"><tr head=\"1\"><td>a</td><td align=\"center\">b</td></tr></table>",
        )
        .unwrap();
        assert_eq!(
            b[0],
            Block::Para {
                kind: ParaKind::Title,
                content: vec![
                    Inline::Text("关于<script>的".into()),
                    Inline::Break,
                    Inline::Text("通报".into())
                ]
            }
        );
        assert_eq!(
            b[1],
            Block::Para {
                kind: ParaKind::Body,
                content: vec![Inline::Text("第一句，第二句 & A B".into())]
            }
        );
        let Block::Table(t) = &b[2] else { panic!() };
        assert_eq!(t.widths, vec![1, 2]);
        assert!(t.rows[0].head);
        assert_eq!(t.rows[0].cells[1].align, Align::Center);
    }

    #[test]
    fn mistakes_name_the_line() {
        let e = parse("<p>a</p>\n\n<foo>b</foo>").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("<foo>"), "{e}");
        let e = parse("<p>a\n<h1>b</h1></p>").unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("<p>a</p>\nloose").unwrap_err();
        assert!(e.to_string().contains("loose"), "{e}");
        assert!(parse("<chart name=\"pie\"/>").is_err());
        assert!(parse("<annex no=\"1\"><p>x</p>").is_err());
        assert!(parse("<p>a & b</p>").is_err());
    }
}
