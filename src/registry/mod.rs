//! Registry (台账) import and export: spreadsheets in, `AccountSpec`s out.
//!
//! Offices keep their account register in Excel or WPS. The reader takes
//! `.xlsx`/`.xlsm`/`.xls` and `.csv` (UTF-8, UTF-8 with BOM, GBK/GB18030,
//! UTF-16 "Unicode text") as offices write them: Chinese headers with their
//! usual variants, a title row above the header, merged cells, Excel dates,
//! numbers where text was meant. It returns either every valid row or every
//! error — never a part of the file — so the store can apply an import in one
//! transaction. The writer produces files with the same headers, so an export
//! reads back unchanged.

mod headers;
mod parse;
mod platform;
mod read;
mod values;
mod write;

use crate::accounts::AccountSpec;
use std::fmt;
use std::path::{Path, PathBuf};

pub use platform::{parse_platform_name, platform_id_from_link};
pub use values::parse_status_word;
pub use write::{example_accounts, write_csv, write_example_xlsx, write_xlsx};

/// One account read from the file, with the row the office sees it on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRow {
    /// 1-based row number as Excel/WPS shows it (for CSV: the line the
    /// record starts on).
    pub row: usize,
    pub spec: AccountSpec,
}

/// A whole registry file that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRegistry {
    pub file: PathBuf,
    /// The worksheet read; `None` for CSV.
    pub sheet: Option<String>,
    /// 1-based row number of the header row.
    pub header_row: usize,
    pub rows: Vec<RegistryRow>,
    /// Things the office should know but that do not stop the import
    /// (ignored columns, numbers Excel may have rounded, ...). Chinese.
    pub warnings: Vec<String>,
}

impl ParsedRegistry {
    pub fn specs(&self) -> impl Iterator<Item = &AccountSpec> {
        self.rows.iter().map(|r| &r.spec)
    }
}

/// One problem in a registry file, located as precisely as it can be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub file: PathBuf,
    pub sheet: Option<String>,
    /// 1-based row number; `None` for problems with the file as a whole.
    pub row: Option<usize>,
    /// The column header as written in the file (or the canonical header
    /// when the column is missing).
    pub column: Option<String>,
    /// The cell's value as written.
    pub value: Option<String>,
    /// What is wrong, in Chinese.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(sheet) = &self.sheet {
            write!(f, " 工作表「{sheet}」")?;
        }
        if let Some(row) = self.row {
            write!(f, " 第 {row} 行")?;
        }
        if let Some(column) = &self.column {
            write!(f, "「{column}」列")?;
        }
        if let Some(value) = &self.value {
            write!(f, "，值「{}」", shorten(value, 60))?;
        }
        write!(f, "：{}", self.message)
    }
}

/// Keeps error lines readable when a cell holds a paragraph.
fn shorten(s: &str, max_chars: usize) -> String {
    let one_line = s.replace(['\r', '\n'], " ");
    if one_line.chars().count() <= max_chars {
        one_line
    } else {
        one_line.chars().take(max_chars).chain(['…']).collect()
    }
}

/// Why a registry could not be read. `Invalid` carries every problem found.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("无法读取文件「{}」（read failed）：{source}", file.display())]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("不支持的文件类型「{}」（unsupported format）：请另存为 .xlsx、.xls 或 .csv 后再导入", file.display())]
    UnsupportedFormat { file: PathBuf },
    #[error("无法打开表格文件「{}」（workbook unreadable）：{message}。文件可能已损坏、加密，或扩展名与内容不符", file.display())]
    Workbook { file: PathBuf, message: String },
    #[error("文件「{}」中没有名为「{sheet}」的工作表（sheet not found）；现有工作表：{}", file.display(), available.join("、"))]
    SheetNotFound { file: PathBuf, sheet: String, available: Vec<String> },
    #[error("文件「{}」的编码无法识别（encoding unknown）：既不是 UTF-8 也不是 GBK/GB18030；请在 Excel 或 WPS 中另存为“CSV UTF-8”或 .xlsx", file.display())]
    Encoding { file: PathBuf },
    #[error("{}", invalid_text(.0))]
    Invalid(Vec<RowError>),
}

fn invalid_text(errors: &[RowError]) -> String {
    let mut out = format!("发现 {} 处错误，整个文件未导入（nothing imported）：", errors.len());
    for e in errors {
        out.push('\n');
        out.push_str(&e.to_string());
    }
    out
}

/// Reads a registry file, choosing the reader by extension (.xlsx, .xlsm,
/// .xls, .csv; case-insensitive). For workbooks, reads the first worksheet
/// that has a registry header (so a leading 填表说明 sheet is skipped).
pub fn read_registry(path: &Path) -> Result<ParsedRegistry, RegistryError> {
    read_registry_sheet(path, None)
}

/// Like [`read_registry`], reading the named worksheet when `sheet` is given
/// (ignored for CSV, which has none).
pub fn read_registry_sheet(path: &Path, sheet: Option<&str>) -> Result<ParsedRegistry, RegistryError> {
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("csv" | "txt" | "tsv") => {
            let grid = read::read_csv_grid(path)?;
            parse::parse_grid(path, None, grid)
        }
        Some("xlsx" | "xlsm") => read::read_workbook(path, sheet, read::WorkbookKind::Xlsx),
        Some("xls") => read::read_workbook(path, sheet, read::WorkbookKind::Xls),
        _ => Err(RegistryError::UnsupportedFormat { file: path.to_path_buf() }),
    }
}
