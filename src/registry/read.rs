//! Files → grids of cells: CSV in the encodings Chinese Windows produces, and
//! Excel workbooks through calamine.

use super::RegistryError;
use super::parse::{self, Cell, Grid, GridRow, Merge};
use calamine::{Data, Range, Reader, Xls, Xlsx, open_workbook};
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

pub(crate) fn read_csv_grid(path: &Path) -> Result<Grid, RegistryError> {
    let bytes = std::fs::read(path).map_err(|source| RegistryError::Io { file: path.to_path_buf(), source })?;
    let text = decode_text(&bytes).ok_or_else(|| RegistryError::Encoding { file: path.to_path_buf() })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(detect_delimiter(&text))
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let row = e.position().map(|p| p.line() as usize);
            RegistryError::Invalid(vec![super::RowError {
                file: path.to_path_buf(),
                sheet: None,
                row,
                column: None,
                value: None,
                message: format!("CSV 格式错误（引号不成对？）：{e}"),
            }])
        })?;
        let number = record.position().map(|p| p.line() as usize).unwrap_or(rows.len() + 1);
        let cells =
            record.iter().map(|s| if s.trim().is_empty() { Cell::Empty } else { Cell::Text(s.to_string()) }).collect();
        rows.push(GridRow { number, cells });
    }
    Ok(Grid { rows, merges: Vec::new() })
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum WorkbookKind {
    Xlsx,
    Xls,
}

/// One sheet as calamine gives it, plus its merged regions.
struct Sheet {
    name: String,
    grid: Grid,
}

pub(crate) fn read_workbook(
    path: &Path,
    sheet: Option<&str>,
    kind: WorkbookKind,
) -> Result<super::ParsedRegistry, RegistryError> {
    let workbook_err = |message: String| RegistryError::Workbook { file: path.to_path_buf(), message };
    let sheets = match kind {
        WorkbookKind::Xlsx => {
            let mut wb: Xlsx<_> =
                open_workbook(path).map_err(|e: calamine::XlsxError| open_error(path, e.to_string()))?;
            let names = pick_sheets(path, wb.sheet_names(), sheet)?;
            let mut sheets = Vec::new();
            for name in names {
                let range = wb.worksheet_range(&name).map_err(|e| workbook_err(e.to_string()))?;
                let merges = wb.merge_cells_by_sheet_name(&name).map_err(|e| workbook_err(e.to_string()))?;
                sheets.push(Sheet { grid: grid_from_range(&range, &merges), name });
            }
            sheets
        }
        WorkbookKind::Xls => {
            let mut wb: Xls<_> =
                open_workbook(path).map_err(|e: calamine::XlsError| open_error(path, e.to_string()))?;
            let names = pick_sheets(path, wb.sheet_names(), sheet)?;
            let mut sheets = Vec::new();
            for name in names {
                let range = wb.worksheet_range(&name).map_err(|e| workbook_err(e.to_string()))?;
                let merges = wb.merge_cells_by_sheet_name(&name).map_err(|e| workbook_err(e.to_string()))?;
                sheets.push(Sheet { grid: grid_from_range(&range, &merges), name });
            }
            sheets
        }
    };
    // Without a named sheet, the registry is the first sheet with a header:
    // offices often put a 填表说明 sheet first. If none has one, report on
    // the first sheet so the message names a real sheet.
    let chosen = sheets.iter().position(|s| parse::find_grid_header(&s.grid).is_some()).unwrap_or(0);
    let Some(Sheet { name, grid }) = sheets.into_iter().nth(chosen) else {
        return Err(workbook_err("工作簿中没有工作表".into()));
    };
    parse::parse_grid(path, Some(name), grid)
}

fn open_error(path: &Path, message: String) -> RegistryError {
    match std::fs::metadata(path) {
        Err(source) => RegistryError::Io { file: path.to_path_buf(), source },
        Ok(_) => RegistryError::Workbook { file: path.to_path_buf(), message },
    }
}

fn pick_sheets(path: &Path, names: Vec<String>, wanted: Option<&str>) -> Result<Vec<String>, RegistryError> {
    match wanted {
        None => Ok(names),
        Some(w) => match names.iter().find(|n| n.as_str() == w || n.trim() == w.trim()) {
            Some(n) => Ok(vec![n.clone()]),
            None => {
                Err(RegistryError::SheetNotFound { file: path.to_path_buf(), sheet: w.to_string(), available: names })
            }
        },
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
    let merges = merges
        .iter()
        .map(|d| Merge {
            first_row: d.start.0 as usize + 1,
            last_row: d.end.0 as usize + 1,
            first_col: d.start.1 as usize,
        })
        .collect();
    Grid { rows, merges }
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
