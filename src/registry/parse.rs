//! A grid of cells → validated `AccountSpec`s, or every error in it.

use super::headers::{self, Field, HeaderMap};
use super::platform::{
    check_platform_id, known_platform_names, parse_loose_url, parse_platform_name, platform_id_from_link,
};
use super::values::{
    is_scientific_notation, known_status_words, normalise_emails, number_text, parse_date_text, parse_status_word,
    parse_yes_no, split_tags,
};
use super::{ParsedRegistry, RegistryError, RegistryRow, RowError};
use crate::accounts::{AccountSpec, LifecycleStatus};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::path::Path;
use xunjian_adapters::model::Platform;

/// A cell as the file gave it. CSV cells are all `Text`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Number(f64),
    Bool(bool),
    Date(NaiveDate),
    /// A formula error such as `#N/A`.
    Error(String),
    /// A formula whose result the file does not contain (written by a
    /// program, never opened and saved in Excel/WPS): the formula text.
    FormulaWithoutValue(String),
}

impl Cell {
    /// The cell as the office reads it on screen, trimmed; `None` if empty.
    fn text(&self) -> Option<String> {
        let s = match self {
            Cell::Empty => return None,
            Cell::Text(s) => s.trim().trim_matches('\u{3000}').trim().to_string(),
            Cell::Int(i) => i.to_string(),
            Cell::Number(f) => number_text(*f),
            Cell::Bool(true) => "TRUE".into(),
            Cell::Bool(false) => "FALSE".into(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Error(e) => e.clone(),
            Cell::FormulaWithoutValue(f) => format!("={}", f.trim_start_matches('=')),
        };
        (!s.is_empty() && !is_placeholder(&s)).then_some(s)
    }
}

/// What offices write into a cell that has nothing to say (无, /, —). Taken
/// as empty, so "无" in 关停日期 is no date rather than a bad one.
fn is_placeholder(s: &str) -> bool {
    matches!(s, "无" | "暂无" | "/" | "／" | "-" | "－" | "—" | "——" | "--" | "n/a" | "N/A" | "NA" | "null" | "NULL")
}

#[derive(Debug, Clone)]
pub(crate) struct GridRow {
    /// 1-based row number as the office sees it.
    pub(crate) number: usize,
    /// Cells from column A (index 0).
    pub(crate) cells: Vec<Cell>,
}

/// A merged region's left column and its rows (1-based, inclusive). How
/// wide it is does not matter: only vertical spans are filled down.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Merge {
    pub(crate) first_row: usize,
    pub(crate) last_row: usize,
    pub(crate) first_col: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Grid {
    pub(crate) rows: Vec<GridRow>,
    pub(crate) merges: Vec<Merge>,
}

fn header_candidates(grid: &Grid) -> Vec<(usize, Vec<String>)> {
    grid.rows
        .iter()
        .enumerate()
        .take(headers::HEADER_SCAN_ROWS * 5)
        .map(|(i, r)| (i, r.cells.iter().map(|c| c.text().unwrap_or_default()).collect()))
        .collect()
}

pub(crate) fn find_grid_header(grid: &Grid) -> Option<HeaderMap> {
    headers::find_header(&header_candidates(grid))
}

/// Columns where offices merge one value over a block of rows (a county
/// written once for all its accounts). Only these are filled down, and only
/// where the file itself says the cells are merged.
const FILL_DOWN: [Field; 3] = [Field::Region, Field::SupervisingUnit, Field::OwnerUnit];

fn fill_down_merged(grid: &mut Grid, header: &HeaderMap) {
    let Some(first_number) = grid.rows.first().map(|r| r.number) else { return };
    let header_number = grid.rows[header.row_index].number;
    let fill_cols: Vec<usize> = FILL_DOWN.iter().filter_map(|f| header.column(*f)).map(|(c, _)| c).collect();
    for m in grid.merges.clone() {
        if m.first_row <= header_number || m.last_row == m.first_row || !fill_cols.contains(&m.first_col) {
            continue;
        }
        let row_count = grid.rows.len();
        let index = |number: usize| number.checked_sub(first_number).filter(|i| *i < row_count);
        let Some(top) = index(m.first_row).and_then(|i| grid.rows[i].cells.get(m.first_col).cloned()) else {
            continue;
        };
        for number in m.first_row + 1..=m.last_row {
            if let Some(i) = index(number) {
                let cells = &mut grid.rows[i].cells;
                if cells.len() <= m.first_col {
                    cells.resize(m.first_col + 1, Cell::Empty);
                }
                if cells[m.first_col] == Cell::Empty {
                    cells[m.first_col] = top.clone();
                }
            }
        }
    }
}

/// Collects errors for one file, all of them.
struct Errors<'a> {
    file: &'a Path,
    sheet: &'a Option<String>,
    list: Vec<RowError>,
}

impl Errors<'_> {
    fn push(&mut self, row: Option<usize>, column: Option<&str>, value: Option<&str>, message: impl Into<String>) {
        self.list.push(RowError {
            file: self.file.to_path_buf(),
            sheet: self.sheet.clone(),
            row,
            column: column.map(str::to_string),
            value: value.map(str::to_string),
            message: message.into(),
        });
    }
}

/// What parsing needs to know beyond the file.
pub(crate) struct ParseContext {
    /// Today, from the caller's clock.
    pub(crate) today: NaiveDate,
}

/// Excel's name for a 0-based column index: A … Z, AA ….
pub(crate) fn column_letter(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(char::from(b'A' + (index % 26) as u8));
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.iter().rev().collect()
}

pub(crate) fn parse_grid(
    path: &Path,
    sheet: Option<String>,
    mut grid: Grid,
    context: &ParseContext,
) -> Result<ParsedRegistry, RegistryError> {
    let mut errors = Errors { file: path, sheet: &sheet, list: Vec::new() };
    let Some(header) = find_grid_header(&grid) else {
        let known: Vec<&str> = Field::EXPORT_ORDER.iter().skip(1).map(|f| f.label()).collect();
        errors.push(
            None,
            None,
            None,
            format!(
                "在前 {} 个非空行中找不到表头（no header row）：表头须有「账号名称」列，以及「平台」列或「主页链接」列；可用的列名：{}",
                headers::HEADER_SCAN_ROWS,
                known.join("、")
            ),
        );
        return Err(RegistryError::Invalid(errors.list));
    };
    let header_number = grid.rows[header.row_index].number;

    for (field, first, second) in &header.duplicates {
        errors.push(
            Some(header_number),
            Some(second),
            None,
            format!("与「{first}」列都表示「{}」，请删除或改名其中一列", field.label()),
        );
    }
    // An unrecognised header close to a known one is most likely that
    // column misspelt: ask once, at the header, instead of reporting the
    // field missing on every row. Close to a column that is present, it is
    // only mentioned.
    let mut unknown_words = Vec::new();
    for (_, written) in &header.unknown {
        match headers::suggest_field(written) {
            Some(field) if header.column(field).is_none() => errors.push(
                Some(header_number),
                Some(written),
                None,
                format!(
                    "无法识别的列“{written}”，是否为“{label}”？请把表头改为“{label}”（unknown column）",
                    label = field.label()
                ),
            ),
            Some(field) => unknown_words.push(format!("「{written}」（与「{}」相近）", field.label())),
            None => unknown_words.push(format!("「{written}」")),
        }
    }
    let suggested_id = errors.list.iter().any(|e| e.message.contains("是否为“账号ID”"));
    if header.column(Field::PlatformId).is_none() && header.column(Field::Link).is_none() && !suggested_id {
        errors.push(
            Some(header_number),
            None,
            None,
            "缺少必填列（missing column）：需要「账号ID」列，或能从中识别账号的「主页链接」列",
        );
    }
    if !errors.list.is_empty() {
        return Err(RegistryError::Invalid(errors.list));
    }

    let mut warnings = Vec::new();
    if !unknown_words.is_empty() {
        warnings.push(format!(
            "第 {header_number} 行表头中以下列无法识别，已忽略（ignored columns）：{}",
            unknown_words.join("")
        ));
    }
    // Columns with a header, known or not; a value anywhere else would be
    // dropped without a word.
    let headed: Vec<bool> = grid.rows[header.row_index].cells.iter().map(|c| c.text().is_some()).collect();

    fill_down_merged(&mut grid, &header);

    let mut rows = Vec::new();
    for grid_row in grid.rows.iter().skip(header.row_index + 1) {
        for (col, cell) in grid_row.cells.iter().enumerate() {
            if !headed.get(col).copied().unwrap_or(false)
                && let Some(value) = cell.text()
            {
                errors.push(
                    Some(grid_row.number),
                    Some(&column_letter(col)),
                    Some(&value),
                    "这一列没有表头，内容无法导入（cell outside the header）；请补上表头，或删除该内容",
                );
            }
        }
        let reader = RowReader { header: &header, row: grid_row, context };
        if reader.is_blank() {
            continue;
        }
        if let Some(spec) = reader.parse(&mut errors, &mut warnings) {
            rows.push(RegistryRow { row: grid_row.number, spec });
        }
    }

    check_duplicates(&rows, &header, &mut errors);

    if rows.is_empty() && errors.list.is_empty() {
        errors.push(None, None, None, format!("第 {header_number} 行表头下面没有账号数据（no rows）"));
    }
    if !errors.list.is_empty() {
        // Rows are checked one after another, but duplicate checks come last;
        // sort so the office reads the errors top to bottom.
        errors.list.sort_by_key(|e| e.row);
        return Err(RegistryError::Invalid(errors.list));
    }
    Ok(ParsedRegistry { file: path.to_path_buf(), sheet, header_row: header_number, rows, warnings })
}

fn check_duplicates(rows: &[RegistryRow], header: &HeaderMap, errors: &mut Errors<'_>) {
    let mut first_seen: HashMap<(Platform, &str), usize> = HashMap::new();
    let id_column = header.column(Field::PlatformId).or_else(|| header.column(Field::Link)).map(|(_, h)| h);
    for r in rows {
        let key = (r.spec.platform, r.spec.platform_id.as_str());
        match first_seen.get(&key) {
            Some(first) => errors.push(
                Some(r.row),
                id_column,
                Some(&r.spec.platform_id),
                format!(
                    "与第 {first} 行重复（duplicate）：{}账号ID「{}」在文件中出现了不止一次",
                    r.spec.platform.display_name(),
                    r.spec.platform_id
                ),
            ),
            None => {
                first_seen.insert(key, r.row);
            }
        }
    }
}

struct RowReader<'a> {
    header: &'a HeaderMap,
    row: &'a GridRow,
    context: &'a ParseContext,
}

impl RowReader<'_> {
    fn cell(&self, field: Field) -> Option<(&Cell, &str)> {
        let (col, written) = self.header.column(field)?;
        Some((self.row.cells.get(col).unwrap_or(&Cell::Empty), written))
    }

    /// Blank rows, and rows with nothing but a 序号, are layout, not data.
    fn is_blank(&self) -> bool {
        self.header
            .columns
            .iter()
            .filter(|(_, f, _)| *f != Field::Seq)
            .all(|(col, _, _)| self.row.cells.get(*col).and_then(Cell::text).is_none())
    }

    /// The header to name in an error: as written, or canonical if the
    /// column is absent.
    fn column_name(&self, field: Field) -> String {
        self.header.column(field).map(|(_, h)| h.to_string()).unwrap_or_else(|| field.label().to_string())
    }

    /// Trimmed text of a field; a formula error in the cell is reported.
    fn text(&self, field: Field, errors: &mut Errors<'_>) -> Option<String> {
        let (cell, written) = self.cell(field)?;
        if let Cell::Error(e) = cell {
            errors.push(Some(self.row.number), Some(written), Some(e), "单元格是错误值（公式出错），请改为实际内容");
            return None;
        }
        if let Cell::FormulaWithoutValue(_) = cell {
            errors.push(
                Some(self.row.number),
                Some(written),
                cell.text().as_deref(),
                "单元格是公式，文件里没有保存它的计算结果（formula without a saved value）；\
                 请先在 Excel 或 WPS 中打开并保存该文件，或把公式改为实际内容",
            );
            return None;
        }
        cell.text()
    }

    fn parse(&self, errors: &mut Errors<'_>, warnings: &mut Vec<String>) -> Option<AccountSpec> {
        let n = self.row.number;
        let errors_before = errors.list.len();
        // Formula errors are reported by `text` itself; gather all texts first.
        let mut texts: HashMap<Field, String> = HashMap::new();
        // Fields whose cell was already reported (a formula error, a formula
        // without a value): not to be reported again as empty.
        let mut reported = Vec::new();
        for (_, field, _) in &self.header.columns {
            let before = errors.list.len();
            if let Some(t) = self.text(*field, errors) {
                texts.insert(*field, t);
            }
            if errors.list.len() > before {
                reported.push(*field);
            }
        }
        let get = |f: Field| texts.get(&f).map(String::as_str);
        let mut err = |field: Field, value: Option<&str>, message: String| {
            errors.push(Some(n), Some(&self.column_name(field)), value, message);
        };

        // Invisible control characters (a NUL from a broken export) are never
        // meant; line breaks are, except in the name.
        for (_, field, _) in &self.header.columns {
            if let Some(t) = get(*field)
                && t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            {
                err(*field, Some(t), "含有不可见的控制字符（如 NUL），请删除后重新填写（control character）".into());
            }
        }
        let name = get(Field::Name);
        match name {
            None if !reported.contains(&Field::Name) => err(Field::Name, None, "账号名称为空（必填）".into()),
            None => {}
            Some(n) if n.contains(['\n', '\r', '\t']) => err(
                Field::Name,
                Some(n),
                "账号名称中不能有换行（line break in name）：名称要与平台上显示的一致，请删除单元格内的换行".into(),
            ),
            Some(_) => {}
        }

        // Ok(None): not given; Err(()): given but wrong (already reported).
        let explicit_platform: Result<Option<Platform>, ()> = match get(Field::Platform) {
            None => Ok(None),
            Some(word) => parse_platform_name(word).map(Some).ok_or_else(|| {
                err(
                    Field::Platform,
                    Some(word),
                    format!("无法识别的平台（unknown platform；可用：{}）", known_platform_names()),
                )
            }),
        };
        let explicit_id = self.explicit_id(explicit_platform.ok().flatten(), &mut err, warnings);

        // The link is always a web address; it is also the source of the
        // platform and the id when those columns are empty.
        let mut profile_url = None;
        let mut from_link: Option<(Platform, String)> = None;
        let mut link_bad = false;
        if let Some(link) = get(Field::Link) {
            if parse_loose_url(link).is_none() {
                err(Field::Link, Some(link), "不是有效的网址（bad link）".into());
                link_bad = true;
            } else {
                profile_url = Some(with_scheme(link));
                match platform_id_from_link(link) {
                    Ok(derived) => from_link = Some(derived),
                    Err(why) if matches!(explicit_platform, Ok(Some(_))) && matches!(explicit_id, Ok(Some(_))) => {
                        warnings.push(format!(
                            "第 {n} 行「{}」列：{why}；已按「平台」「账号ID」列导入",
                            self.column_name(Field::Link)
                        ))
                    }
                    Err(why) => {
                        err(Field::Link, Some(link), format!("链接无法识别（bad link）：{why}"));
                        link_bad = true;
                    }
                }
            }
        }

        let platform = match (explicit_platform, &from_link) {
            (Err(()), _) => None,
            (Ok(Some(p)), Some((lp, _))) if p != *lp => {
                err(
                    Field::Platform,
                    get(Field::Platform),
                    format!("平台与主页链接不一致：链接属于{}", lp.display_name()),
                );
                None
            }
            (Ok(Some(p)), _) => Some(p),
            (Ok(None), Some((lp, _))) => Some(*lp),
            (Ok(None), None) => {
                if !link_bad && !reported.contains(&Field::Platform) {
                    err(Field::Platform, None, "缺少平台：请填写「平台」，或填写能识别平台的主页链接".into());
                }
                None
            }
        };

        let platform_id = match (explicit_id, &from_link, platform) {
            (Err(()), _, _) => None,
            (Ok(Some(id)), Some((lp, lid)), Some(p))
                if *lp == p && id != *lid && matches!(p, Platform::Weibo | Platform::Bilibili) =>
            {
                err(Field::PlatformId, Some(&id), format!("账号ID与主页链接中的ID「{lid}」不一致"));
                None
            }
            // Other platforms have several ids per account (微信号 vs __biz,
            // 抖音号 vs sec_uid); the one the office wrote in the ID column wins.
            (Ok(Some(id)), _, _) => Some(id),
            (Ok(None), Some((_, lid)), _) => Some(lid.clone()),
            (Ok(None), None, _) => {
                if !link_bad {
                    err(Field::PlatformId, None, "缺少账号ID：请填写「账号ID」，或填写能识别账号的主页链接".into());
                }
                None
            }
        };

        if let (Some(p), Some(id)) = (platform, &platform_id)
            && let Err(why) = check_platform_id(p, id)
        {
            let field = if get(Field::PlatformId).is_some() { Field::PlatformId } else { Field::Link };
            err(field, get(field), why);
        }

        let status = match get(Field::Status) {
            None => LifecycleStatus::Active,
            Some(word) => parse_status_word(word).unwrap_or_else(|| {
                err(
                    Field::Status,
                    Some(word),
                    format!("无法识别的状态（unknown status；可用：{}）", known_status_words()),
                );
                LifecycleStatus::Active
            }),
        };

        let opened_on = self.date(Field::OpenedOn, &mut err);
        // An account in operation (or closed) was opened on a past day; a
        // future day is a typo (2099 for 2019, 2062 for 2026). Only one still
        // planned or being opened may carry the day it is to open.
        if let Some(o) = opened_on
            && o > self.context.today
            && !matches!(status, LifecycleStatus::Planned | LifecycleStatus::Opening)
        {
            err(
                Field::OpenedOn,
                get(Field::OpenedOn),
                format!(
                    "开通日期晚于今天（{}），而状态是“{}”：已开通的账号不会在将来开通；请核对年份，\
                     或把状态改为“拟开通”（opening date in the future）",
                    self.context.today,
                    status.display_name()
                ),
            );
        }
        let closing_on = self.date(Field::ClosingOn, &mut err);
        if let (Some(o), Some(c)) = (opened_on, closing_on)
            && c < o
        {
            err(Field::ClosingOn, get(Field::ClosingOn), format!("关停日期早于开通日期（{o}）"));
        }

        let contact_email = get(Field::Email).and_then(|e| {
            normalise_emails(e)
                .map_err(|why| err(Field::Email, Some(e), format!("邮箱格式不对（bad email）：{why}")))
                .ok()
        });

        let superior_portal_url = get(Field::PortalUrl).and_then(|u| match parse_loose_url(u) {
            Some(_) => Some(with_scheme(u)),
            None => {
                err(Field::PortalUrl, Some(u), "不是有效的网址（bad link）".into());
                None
            }
        });

        let is_source = match self.cell(Field::IsSource).map(|(c, _)| c) {
            Some(Cell::Bool(b)) => *b,
            _ => match get(Field::IsSource) {
                None => false,
                Some(word) => parse_yes_no(word).unwrap_or_else(|| {
                    err(Field::IsSource, Some(word), "请填写“是”或“否”".into());
                    false
                }),
            },
        };

        if errors.list.len() > errors_before {
            return None;
        }
        let (Some(name), Some(platform), Some(platform_id)) = (name, platform, platform_id) else {
            return None;
        };
        let owned = |f: Field| get(f).map(str::to_string);
        Some(AccountSpec {
            platform,
            platform_id,
            profile_url,
            display_name: name.to_string(),
            owner_unit: owned(Field::OwnerUnit),
            supervising_unit: owned(Field::SupervisingUnit),
            region: owned(Field::Region),
            contact_name: owned(Field::Contact),
            contact_email,
            contact_phone: owned(Field::Phone),
            status,
            opened_on,
            closing_on,
            superior_portal_url,
            is_source,
            tags: get(Field::Tags).map(split_tags).unwrap_or_default(),
            notes: owned(Field::Notes),
        })
    }

    /// The 账号ID column. Ok(None): empty; Err(()): wrong, already reported.
    fn explicit_id(
        &self,
        platform: Option<Platform>,
        err: &mut impl FnMut(Field, Option<&str>, String),
        warnings: &mut Vec<String>,
    ) -> Result<Option<String>, ()> {
        let Some((cell, written)) = self.cell(Field::PlatformId) else { return Ok(None) };
        let Some(id) = cell.text() else { return Ok(None) };
        if matches!(cell, Cell::Error(_) | Cell::FormulaWithoutValue(_)) {
            return Err(()); // reported by `text`
        }
        match cell {
            Cell::Number(f) if f.fract() != 0.0 => {
                err(Field::PlatformId, Some(&id), "账号ID不应是小数".into());
                return Err(());
            }
            // Excel keeps 15 significant digits: a longer id typed as a
            // number has already been rounded in the file.
            Cell::Number(_) | Cell::Int(_) if id.trim_start_matches('-').len() >= 16 => warnings.push(format!(
                "第 {} 行「{written}」列：数字「{id}」有 {} 位，Excel 只保留 15 位有效数字，可能已被改动；请把该列设为文本格式后核对",
                self.row.number,
                id.len()
            )),
            _ => {}
        }
        if is_scientific_notation(&id) {
            err(
                Field::PlatformId,
                Some(&id),
                "账号ID是科学计数法，Excel 已把长数字截断，原数字无法恢复；请把该列设为文本格式后重新填写完整的ID"
                    .into(),
            );
            return Err(());
        }
        if id.chars().any(char::is_whitespace) {
            err(Field::PlatformId, Some(&id), "账号ID中不能有空格".into());
            return Err(());
        }
        if let Some(p @ (Platform::Weibo | Platform::Bilibili)) = platform
            && !id.bytes().all(|b| b.is_ascii_digit())
        {
            err(Field::PlatformId, Some(&id), format!("{}的账号ID应为纯数字（UID）", p.display_name()));
            return Err(());
        }
        Ok(Some(id))
    }

    fn date(&self, field: Field, err: &mut impl FnMut(Field, Option<&str>, String)) -> Option<NaiveDate> {
        let (cell, _) = self.cell(field)?;
        let text = cell.text()?;
        let parsed = match cell {
            Cell::Date(d) => Ok(*d),
            Cell::Error(_) | Cell::FormulaWithoutValue(_) => return None, // reported by `text`
            // A number is a date only as 20260301. A serial number without a
            // date format is not guessed at, but the office is told what it is.
            Cell::Number(f) if (20000.0..80000.0).contains(f) => {
                Err("日期无法识别：这像是 Excel 的日期序号，请把该单元格设为日期格式（如 2026-03-01）".to_string())
            }
            _ => parse_date_text(&text),
        };
        let date = parsed.map_err(|why| err(field, Some(&text), why)).ok()?;
        // A registry records what was opened and what is planned; a date
        // years ahead is a typo (2099 for 2019) that would schedule nothing
        // or the wrong thing.
        let latest = self.context.today.checked_add_months(chrono::Months::new(12)).unwrap_or(self.context.today);
        if date > latest {
            err(field, Some(&text), format!("日期晚于一年以后（{latest}），请核对年份（date too far ahead）"));
            return None;
        }
        Some(date)
    }
}

/// Links are stored with a scheme so that they can be opened as they are.
fn with_scheme(s: &str) -> String {
    if s.contains("://") { s.to_string() } else { format!("https://{s}") }
}
