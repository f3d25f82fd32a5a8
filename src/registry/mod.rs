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
use chrono::NaiveDate;
use std::fmt;
use std::path::{Path, PathBuf};

pub use platform::{check_platform_id, parse_platform_name, platform_id_from_link};
pub use values::{normalise_emails, parse_status_word};
pub use write::{escape_formula, example_accounts, write_csv, write_example_xlsx, write_xlsx};

/// One account read from the file, with the row the office sees it on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRow {
    /// 1-based row number as Excel/WPS shows it. For CSV too: a cell with a
    /// line break inside quotes is one row, as when Excel opens the file.
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
    #[error("无法打开表格文件「{}」（workbook unreadable）：{message}", file.display())]
    Workbook { file: PathBuf, message: String },
    #[error("表格文件「{}」已加密（encrypted）：请先在 Excel 或 WPS 中取消密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码后保存），再导入", file.display())]
    Encrypted { file: PathBuf },
    #[error("文件「{}」中没有名为「{sheet}」的工作表（sheet not found）；现有工作表：{}", file.display(), available.join("、"))]
    SheetNotFound { file: PathBuf, sheet: String, available: Vec<String> },
    #[error("文件「{}」中有多个工作表都像台账（several registry sheets）：{}；请用 --sheet 工作表名称 指定要导入哪一个", file.display(), sheets.iter().map(|s| format!("「{s}」")).collect::<String>())]
    SeveralRegistrySheets { file: PathBuf, sheets: Vec<String> },
    #[error("文件「{}」有 {}，超过导入上限 {}（file too large）；台账通常不到 1 MB，请确认选对了文件，或拆分后分批导入", file.display(), megabytes(*size), megabytes(*limit))]
    FileTooLarge { file: PathBuf, size: u64, limit: u64 },
    #[error("表格文件「{}」解压后有 {}，超过上限 {}（unpacked size too large）；请确认选对了文件，或删除多余的工作表、图片后另存再导入", file.display(), megabytes(*size), megabytes(*limit))]
    UnpackedTooLarge { file: PathBuf, size: u64, limit: u64 },
    #[error("文件「{}」{}超过 {limit} 行（too many rows），超过导入上限；请确认选对了文件，或拆分后分批导入", file.display(), sheet_words(sheet))]
    TooManyRows { file: PathBuf, sheet: Option<String>, limit: usize },
    #[error("文件「{}」{}第 {row} 行超过 {limit} 列（too many columns），超过导入上限；请删除表格右侧多余的内容", file.display(), sheet_words(sheet))]
    TooManyColumns { file: PathBuf, sheet: Option<String>, row: usize, limit: usize },
    #[error("文件「{}」的编码无法识别（encoding unknown）：既不是 UTF-8 也不是 GBK/GB18030；请在 Excel 或 WPS 中另存为“CSV UTF-8”或 .xlsx", file.display())]
    Encoding { file: PathBuf },
    #[error("{}", invalid_text(.0))]
    Invalid(Vec<RowError>),
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

fn sheet_words(sheet: &Option<String>) -> String {
    sheet.as_ref().map(|s| format!("工作表「{s}」")).unwrap_or_default()
}

fn invalid_text(errors: &[RowError]) -> String {
    let mut out = format!("发现 {} 处错误，整个文件未导入（nothing imported）：", errors.len());
    for e in errors {
        out.push('\n');
        out.push_str(&e.to_string());
    }
    out
}

/// Bounds on what an import reads, so that a wrong or hostile file is
/// refused with a message instead of taking the machine's memory. A city's
/// registry is a few thousand rows and well under a megabyte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Size of the file on disk.
    pub max_file_bytes: u64,
    /// What an .xlsx declares it unpacks to (all parts of the zip together).
    pub max_unpacked_bytes: u64,
    /// Rows of the sheet or CSV file, counted as Excel numbers them.
    pub max_rows: usize,
    /// Columns of any row.
    pub max_columns: usize,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        max_file_bytes: 20 * 1024 * 1024,
        max_unpacked_bytes: 100 * 1024 * 1024,
        max_rows: 20_000,
        max_columns: 200,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// How to read a registry file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The worksheet to read (`--sheet`); ignored for CSV.
    pub sheet: Option<String>,
    /// Today in the office's time zone, from the caller's clock: opening
    /// and closing dates more than a year after it are refused as typos.
    pub today: NaiveDate,
    pub limits: Limits,
}

impl ReadOptions {
    pub fn new(today: NaiveDate) -> Self {
        ReadOptions { sheet: None, today, limits: Limits::DEFAULT }
    }
}

/// Today in Asia/Shanghai by the machine's clock, for the convenience
/// readers below; callers with an injected clock use [`read_registry_with`].
fn system_today() -> NaiveDate {
    use crate::clock::Clock;
    crate::clock::SystemClock.now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
}

/// Reads a registry file, choosing the reader by extension (.xlsx, .xlsm,
/// .xls, .csv; case-insensitive). For workbooks, reads the one visible
/// worksheet with a registry header (so a leading 填表说明 sheet is skipped).
/// Dates are checked against the machine's clock.
pub fn read_registry(path: &Path) -> Result<ParsedRegistry, RegistryError> {
    read_registry_sheet(path, None)
}

/// Like [`read_registry`], reading the named worksheet when `sheet` is given
/// (ignored for CSV, which has none).
pub fn read_registry_sheet(path: &Path, sheet: Option<&str>) -> Result<ParsedRegistry, RegistryError> {
    let options = ReadOptions { sheet: sheet.map(str::to_string), ..ReadOptions::new(system_today()) };
    read_registry_with(path, &options)
}

/// Reads a registry file with explicit options (sheet, today, limits).
pub fn read_registry_with(path: &Path, options: &ReadOptions) -> Result<ParsedRegistry, RegistryError> {
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let context = parse::ParseContext { today: options.today };
    match extension.as_deref() {
        Some("csv" | "txt" | "tsv") => {
            let grid = read::read_csv_grid(path, &options.limits)?;
            parse::parse_grid(path, None, grid, &context)
        }
        Some(ext @ ("xlsx" | "xlsm" | "xls")) => {
            let kind = if ext == "xls" { read::WorkbookKind::Xls } else { read::WorkbookKind::Xlsx };
            let chosen = read::read_workbook(path, options.sheet.as_deref(), kind, &options.limits)?;
            let mut parsed = parse::parse_grid(path, Some(chosen.name), chosen.grid, &context)?;
            let mut warnings = chosen.warnings;
            warnings.append(&mut parsed.warnings);
            parsed.warnings = warnings;
            Ok(parsed)
        }
        _ => Err(RegistryError::UnsupportedFormat { file: path.to_path_buf() }),
    }
}
