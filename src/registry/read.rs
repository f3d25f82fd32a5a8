//! Files → grids of cells: CSV in the encodings Chinese Windows produces, and
//! Excel workbooks through calamine.

use super::parse::{self, Cell, Grid, GridRow, Merge};
use super::{Limits, RegistryError, RowError};
use calamine::{Data, Range, Reader, SheetType, SheetVisible, Xls, Xlsx, open_workbook};
use chrono::NaiveDate;
use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE};
use std::path::Path;

/// Decodes CSV bytes: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's
/// "Unicode text"), else GB18030, which also covers GBK and GB2312 — what
/// Excel and WPS write on Chinese Windows when asked for plain "CSV".
pub(crate) fn decode_text(bytes: &[u8]) -> Option<String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8(rest.to_vec()).ok();
    }
    let strict = |enc: &'static Encoding, b: &[u8]| {
        enc.decode_without_bom_handling_and_without_replacement(b).map(|c| c.into_owned())
    };
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return strict(UTF_16LE, rest);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return strict(UTF_16BE, rest);
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some(s.to_string());
    }
    strict(GB18030, bytes)
}

/// Comma, unless the top of the file is tab-separated (Excel's "Unicode
/// text" export, or a paste from a sheet).
fn detect_delimiter(text: &str) -> u8 {
    let head: Vec<&str> = text.lines().take(10).collect();
    let tabs: usize = head.iter().map(|l| l.matches('\t').count()).sum();
    let commas: usize = head.iter().map(|l| l.matches(',').count()).sum();
    if tabs > commas { b'\t' } else { b',' }
}

/// Where each row begins, as Excel and WPS count rows when they open the
/// file: a line break ends a row unless it is inside a quoted cell, and a
/// blank line is a row too. CRLF (what Excel and WPS write), LF and a lone
/// CR each end one row.
///
/// Returns the byte offsets of row starts in `text`, or, when a quoted cell
/// is never closed, the 1-based row where its opening quote is: everything
/// after it would otherwise silently become one cell.
fn scan_row_starts(text: &str, delimiter: u8) -> Result<Vec<usize>, usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    let mut at_field_start = true;
    let mut in_quotes = false;
    let mut quote_row = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_quotes {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1; // "" is a quote inside the cell
                } else {
                    in_quotes = false;
                }
            }
        } else if b == b'"' && at_field_start {
            in_quotes = true;
            quote_row = starts.len();
            at_field_start = false;
        } else if b == delimiter {
            at_field_start = true;
        } else if b == b'\r' || b == b'\n' {
            if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            starts.push(i + 1);
            at_field_start = true;
        } else {
            at_field_start = false;
        }
        i += 1;
    }
    if in_quotes { Err(quote_row) } else { Ok(starts) }
}

/// The 1-based row a record starting at byte `at` is on. The CSV reader may
/// report a record as starting on the line break before it (the LF of a CRLF
/// pair), so line breaks are skipped first: a record never begins with one.
fn row_at(text: &str, starts: &[usize], at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = at.min(bytes.len());
    while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
        at += 1;
    }
    starts.partition_point(|&s| s <= at).max(1)
}

/// Undoes the protection [`super::write::escape_formula`] adds on export: a
/// `'` before `= + - @`, tab or CR is the spreadsheet's "this is text" mark,
/// not part of the value.
fn strip_formula_escape(s: &str) -> &str {
    const STARTS_A_FORMULA: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];
    match s.strip_prefix('\'') {
        Some(rest)
            if rest.starts_with(STARTS_A_FORMULA)
                // "''=x": a value that was "'=x" itself.
                || rest.strip_prefix('\'').is_some_and(|r| r.starts_with(STARTS_A_FORMULA)) =>
        {
            rest
        }
        _ => s,
    }
}

pub(crate) fn read_csv_grid(path: &Path, limits: &Limits) -> Result<Grid, RegistryError> {
    check_file_size(path, limits)?;
    let bytes = std::fs::read(path).map_err(|source| RegistryError::Io { file: path.to_path_buf(), source })?;
    let text = decode_text(&bytes).ok_or_else(|| RegistryError::Encoding { file: path.to_path_buf() })?;
    drop(bytes);
    let delimiter = detect_delimiter(&text);
    let csv_error = |row: Option<usize>, message: String| {
        RegistryError::Invalid(vec![RowError {
            file: path.to_path_buf(),
            sheet: None,
            row,
            column: None,
            value: None,
            message,
        }])
    };
    let starts = scan_row_starts(&text, delimiter).map_err(|row| {
        csv_error(
            Some(row),
            "CSV 引号不成对（unclosed quote）：这一行有单元格以英文双引号 \" 开头，但文件里再没有与之配对的引号，\
             其后的所有内容都会被当成这一个单元格；请删除多余的引号，或在 Excel/WPS 中打开核对后重新另存为 CSV"
                .to_string(),
        )
    })?;
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let start = reader.position().byte() as usize;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let at = e.position().map(|p| p.byte() as usize).unwrap_or(start);
                return Err(csv_error(Some(row_at(&text, &starts, at)), "CSV 格式错误，无法读取这一行".to_string()));
            }
        }
        let at = record.position().map(|p| p.byte() as usize).unwrap_or(start);
        let number = row_at(&text, &starts, at);
        if number > limits.max_rows {
            return Err(RegistryError::TooManyRows { file: path.to_path_buf(), sheet: None, limit: limits.max_rows });
        }
        if record.len() > limits.max_columns {
            return Err(RegistryError::TooManyColumns {
                file: path.to_path_buf(),
                sheet: None,
                row: number,
                limit: limits.max_columns,
            });
        }
        let cells = record
            .iter()
            .map(|s| if s.trim().is_empty() { Cell::Empty } else { Cell::Text(strip_formula_escape(s).to_string()) })
            .collect();
        rows.push(GridRow { number, cells });
    }
    Ok(Grid { rows, merges: Vec::new() })
}

/// Refuses a file larger than the limit before reading it: a registry is a
/// few hundred kilobytes, and reading a wrong 200 MB file would take gigabytes.
pub(crate) fn check_file_size(path: &Path, limits: &Limits) -> Result<(), RegistryError> {
    let size = std::fs::metadata(path).map_err(|source| RegistryError::Io { file: path.to_path_buf(), source })?.len();
    if size > limits.max_file_bytes {
        return Err(RegistryError::FileTooLarge { file: path.to_path_buf(), size, limit: limits.max_file_bytes });
    }
    Ok(())
}

/// The total uncompressed size an .xlsx (a zip archive) declares in its
/// central directory, read before calamine inflates anything: a 24 MB file
/// can unpack to almost a gigabyte. `None` when the file is not a zip archive
/// at all (calamine then reports what it is).
pub(crate) fn zip_declared_unpacked_size(bytes: &[u8]) -> Option<u64> {
    let u16_at = |i: usize| bytes.get(i..i + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as u64);
    let u32_at = |i: usize| bytes.get(i..i + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64);
    let u64_at = |i: usize| bytes.get(i..i + 8).map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")));
    // End of central directory: 22 bytes plus a comment of up to 64 KiB.
    let lowest = bytes.len().saturating_sub(22 + 0xFFFF);
    let eocd = (lowest..=bytes.len().checked_sub(22)?).rev().find(|&i| u32_at(i) == Some(0x0605_4b50))?;
    let mut entries = u16_at(eocd + 10)?;
    let mut offset = u32_at(eocd + 16)?;
    if entries == 0xFFFF || offset == 0xFFFF_FFFF {
        // Zip64: the locator just before the record points at the real one.
        let locator = eocd.checked_sub(20)?;
        if u32_at(locator) != Some(0x0706_4b50) {
            return None;
        }
        let record = usize::try_from(u64_at(locator + 8)?).ok()?;
        if u32_at(record) != Some(0x0606_4b50) {
            return None;
        }
        entries = u64_at(record + 32)?;
        offset = u64_at(record + 48)?;
    }
    let mut at = usize::try_from(offset).ok()?;
    let mut total: u64 = 0;
    for _ in 0..entries {
        if u32_at(at) != Some(0x0201_4b50) {
            return None;
        }
        let mut size = u32_at(at + 24)?;
        let name_len = u16_at(at + 28)? as usize;
        let extra_len = u16_at(at + 30)? as usize;
        let comment_len = u16_at(at + 32)? as usize;
        if size == 0xFFFF_FFFF {
            // The real size is the first field of the zip64 extra block.
            let mut e = at + 46 + name_len;
            let end = e + extra_len;
            while e + 4 <= end {
                let (id, len) = (u16_at(e)?, u16_at(e + 2)? as usize);
                if id == 0x0001 {
                    size = u64_at(e + 4)?;
                    break;
                }
                e += 4 + len;
            }
        }
        total = total.saturating_add(size);
        at += 46 + name_len + extra_len + comment_len;
    }
    Some(total)
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum WorkbookKind {
    Xlsx,
    Xls,
}

/// The sheet chosen from a workbook and what the office should be told
/// about the choice.
pub(crate) struct ChosenSheet {
    pub(crate) name: String,
    pub(crate) grid: Grid,
    pub(crate) warnings: Vec<String>,
}

pub(crate) fn read_workbook(
    path: &Path,
    wanted: Option<&str>,
    kind: WorkbookKind,
    limits: &Limits,
) -> Result<ChosenSheet, RegistryError> {
    check_file_size(path, limits)?;
    match kind {
        WorkbookKind::Xlsx => {
            let bytes = std::fs::read(path).map_err(|source| RegistryError::Io { file: path.to_path_buf(), source })?;
            if let Some(size) = zip_declared_unpacked_size(&bytes)
                && size > limits.max_unpacked_bytes
            {
                return Err(RegistryError::UnpackedTooLarge {
                    file: path.to_path_buf(),
                    size,
                    limit: limits.max_unpacked_bytes,
                });
            }
            let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| xlsx_error(path, e))?;
            let meta = wb.sheets_metadata().to_vec();
            choose_sheet(path, &meta, wanted, |name| {
                let grid = xlsx_grid(path, &mut wb, name, limits)?;
                let merges = wb.merge_cells_by_sheet_name(name).map_err(|e| xlsx_error(path, e))?;
                Ok(with_merges(grid, &merges))
            })
        }
        WorkbookKind::Xls => {
            let mut wb: Xls<_> = open_workbook(path).map_err(|e: calamine::XlsError| xls_error(path, e))?;
            let meta = wb.sheets_metadata().to_vec();
            choose_sheet(path, &meta, wanted, |name| {
                let range = wb.worksheet_range(name).map_err(|e| xls_error(path, e))?;
                check_range_size(path, name, &range, limits)?;
                let merges = wb.merge_cells_by_sheet_name(name).map_err(|e| xls_error(path, e))?;
                Ok(grid_from_range(&range, &merges))
            })
        }
    }
}

/// Without `--sheet`, the registry is the one visible worksheet with a
/// registry header: offices put a 填表说明 sheet first, and keep last year's
/// registry as a hidden sheet (reading that one and retiring the real
/// accounts is the worst thing an import can do). Several visible candidates
/// are refused rather than guessed between.
fn choose_sheet(
    path: &Path,
    meta: &[calamine::Sheet],
    wanted: Option<&str>,
    mut load: impl FnMut(&str) -> Result<Grid, RegistryError>,
) -> Result<ChosenSheet, RegistryError> {
    let worksheets: Vec<&calamine::Sheet> = meta.iter().filter(|s| s.typ == SheetType::WorkSheet).collect();
    let hidden = |s: &calamine::Sheet| s.visible != SheetVisible::Visible;
    if let Some(w) = wanted {
        let Some(found) = worksheets.iter().find(|s| s.name == w || s.name.trim() == w.trim()) else {
            return Err(RegistryError::SheetNotFound {
                file: path.to_path_buf(),
                sheet: w.to_string(),
                available: worksheets
                    .iter()
                    .map(|s| if hidden(s) { format!("{}（隐藏）", s.name) } else { s.name.clone() })
                    .collect(),
            });
        };
        let mut warnings = Vec::new();
        if hidden(found) {
            warnings.push(format!("工作表「{}」在文件中是隐藏的（hidden sheet），已按 --sheet 指定读取", found.name));
        }
        return Ok(ChosenSheet { name: found.name.clone(), grid: load(&found.name)?, warnings });
    }
    let warnings: Vec<String> = worksheets
        .iter()
        .filter(|s| hidden(s))
        .map(|s| format!("已跳过隐藏的工作表「{}」（hidden sheet skipped）；如确要导入它，请用 --sheet 指定", s.name))
        .collect();
    let mut first_without_header = None;
    let mut registries = Vec::new();
    for s in worksheets.iter().filter(|s| !hidden(s)) {
        let grid = load(&s.name)?;
        if parse::find_grid_header(&grid).is_some() {
            registries.push((s.name.clone(), grid));
        } else if first_without_header.is_none() {
            first_without_header = Some((s.name.clone(), grid));
        }
    }
    if registries.len() > 1 {
        return Err(RegistryError::SeveralRegistrySheets {
            file: path.to_path_buf(),
            sheets: registries.into_iter().map(|(n, _)| n).collect(),
        });
    }
    // With no registry header anywhere, report on the first visible sheet so
    // the message names a real sheet.
    match registries.pop().or(first_without_header) {
        Some((name, grid)) => Ok(ChosenSheet { name, grid, warnings }),
        None => Err(RegistryError::Workbook {
            file: path.to_path_buf(),
            message: "工作簿中没有可见的工作表（no visible sheet）".into(),
        }),
    }
}

/// An .xlsx sheet read cell by cell, so that a stray value far down or far
/// right is refused by the limits instead of making a dense grid of
/// billions of cells. A formula whose value Excel never saved (files written
/// by programs, not by Excel) is kept as such so it is not taken for empty.
fn xlsx_grid<RS: std::io::Read + std::io::Seek>(
    path: &Path,
    wb: &mut Xlsx<RS>,
    name: &str,
    limits: &Limits,
) -> Result<Grid, RegistryError> {
    let mut reader = wb.worksheet_cells_reader(name).map_err(|e| xlsx_error(path, e))?;
    let mut rows: std::collections::BTreeMap<u32, Vec<Cell>> = Default::default();
    while let Some(cell) = reader.next_cell_with_formula().map_err(|e| xlsx_error(path, e))? {
        let (r, c) = cell.pos;
        let value = match (Data::from(cell.value), cell.formula) {
            (Data::Empty, Some(f)) if !f.trim().is_empty() => Cell::FormulaWithoutValue(f),
            (Data::String(s), Some(f)) if s.is_empty() && !f.trim().is_empty() => Cell::FormulaWithoutValue(f),
            (d, _) => cell_from_data(&d),
        };
        if value == Cell::Empty {
            continue;
        }
        if r as usize + 1 > limits.max_rows {
            return Err(RegistryError::TooManyRows {
                file: path.to_path_buf(),
                sheet: Some(name.to_string()),
                limit: limits.max_rows,
            });
        }
        if c as usize + 1 > limits.max_columns {
            return Err(RegistryError::TooManyColumns {
                file: path.to_path_buf(),
                sheet: Some(name.to_string()),
                row: r as usize + 1,
                limit: limits.max_columns,
            });
        }
        let row = rows.entry(r).or_default();
        if row.len() <= c as usize {
            row.resize(c as usize + 1, Cell::Empty);
        }
        row[c as usize] = value;
    }
    // Dense from the first used row, so that row numbers and merged regions
    // line up as in calamine's ranges.
    let (Some(&first), Some(&last)) = (rows.keys().next(), rows.keys().next_back()) else {
        return Ok(Grid { rows: Vec::new(), merges: Vec::new() });
    };
    let grid_rows = (first..=last)
        .map(|r| GridRow { number: r as usize + 1, cells: rows.remove(&r).unwrap_or_default() })
        .collect();
    Ok(Grid { rows: grid_rows, merges: Vec::new() })
}

fn with_merges(mut grid: Grid, merges: &[calamine::Dimensions]) -> Grid {
    grid.merges = merges_of(merges);
    grid
}

fn check_range_size(path: &Path, name: &str, range: &Range<Data>, limits: &Limits) -> Result<(), RegistryError> {
    let sheet = Some(name.to_string());
    if let Some(end) = range.end() {
        if end.0 as usize + 1 > limits.max_rows {
            return Err(RegistryError::TooManyRows { file: path.to_path_buf(), sheet, limit: limits.max_rows });
        }
        if end.1 as usize + 1 > limits.max_columns {
            return Err(RegistryError::TooManyColumns {
                file: path.to_path_buf(),
                sheet,
                row: end.0 as usize + 1,
                limit: limits.max_columns,
            });
        }
    }
    Ok(())
}

/// What went wrong opening a workbook, in the office's words; calamine's
/// English goes to the log for the operator.
fn xlsx_error(path: &Path, e: calamine::XlsxError) -> RegistryError {
    match e {
        calamine::XlsxError::Password => RegistryError::Encrypted { file: path.to_path_buf() },
        other => corrupt(path, &other),
    }
}

fn xls_error(path: &Path, e: calamine::XlsError) -> RegistryError {
    match e {
        calamine::XlsError::Password => RegistryError::Encrypted { file: path.to_path_buf() },
        calamine::XlsError::Io(source) if source.kind() == std::io::ErrorKind::NotFound => {
            RegistryError::Io { file: path.to_path_buf(), source }
        }
        other => corrupt(path, &other),
    }
}

fn corrupt(path: &Path, detail: &dyn std::fmt::Display) -> RegistryError {
    tracing::info!(file = %path.display(), detail = %detail, "workbook unreadable");
    RegistryError::Workbook {
        file: path.to_path_buf(),
        message: "文件已损坏，或扩展名与内容不符（如 .xls 或 .csv 改成了 .xlsx）；请在 Excel 或 WPS 中打开后另存为 .xlsx 再导入"
            .into(),
    }
}

/// Dense rows from the sheet's first used row; columns from A, so that a
/// column index is the same in every row and in the merged regions.
fn grid_from_range(range: &Range<Data>, merges: &[calamine::Dimensions]) -> Grid {
    let mut rows = Vec::new();
    if let (Some(start), Some(end)) = (range.start(), range.end()) {
        for r in start.0..=end.0 {
            let cells =
                (0..=end.1).map(|c| range.get_value((r, c)).map(cell_from_data).unwrap_or(Cell::Empty)).collect();
            rows.push(GridRow { number: r as usize + 1, cells });
        }
    }
    Grid { rows, merges: merges_of(merges) }
}

fn merges_of(merges: &[calamine::Dimensions]) -> Vec<Merge> {
    merges
        .iter()
        .map(|d| Merge {
            first_row: d.start.0 as usize + 1,
            last_row: d.end.0 as usize + 1,
            first_col: d.start.1 as usize,
        })
        .collect()
}

fn cell_from_data(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) if s.trim().is_empty() => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) if dt.is_datetime() => {
            // calamine's chrono conversion needs its `chrono` feature; the
            // components are available without it.
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            match NaiveDate::from_ymd_opt(y.into(), m.into(), d.into()) {
                Some(date) => Cell::Date(date),
                None => Cell::Number(dt.as_f64()),
            }
        }
        Data::DateTime(dt) => Cell::Number(dt.as_f64()),
        Data::DateTimeIso(s) => s
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(Cell::Date)
            .unwrap_or_else(|| Cell::Text(s.clone())),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(format!("{e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_encodings_offices_produce() {
        let text = "账号名称,平台\n安康发布,微博\n";
        let (gbk, _, _) = GB18030.encode(text);
        assert_eq!(decode_text(&gbk).as_deref(), Some(text));
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(decode_text(&bom).as_deref(), Some(text));
        assert_eq!(decode_text(text.as_bytes()).as_deref(), Some(text));
        let mut utf16 = b"\xFF\xFE".to_vec();
        utf16.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert_eq!(decode_text(&utf16).as_deref(), Some(text));
        // 0xFF is never a GB18030 lead byte (nor valid UTF-8).
        assert_eq!(decode_text(b"a,\xFF\n"), None);
    }

    #[test]
    fn delimiter_is_tab_only_for_tab_separated_text() {
        assert_eq!(detect_delimiter("账号名称\t平台\n安康发布\t微博"), b'\t');
        assert_eq!(detect_delimiter("账号名称,平台,备注\n安康发布,微博,a\tb"), b',');
    }
}
