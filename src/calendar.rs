//! The official working-day calendar: weekends, statutory holidays and the
//! make-up workdays (调休) of the State Council's yearly notice.
//!
//! Working-day deadlines (a WeChat repost within one working day, filing
//! within three working days) depend on it. A year the calendar has no data
//! for is an error, never "just weekends": the notice for next year comes out
//! in November or December, and a silent guess would move deadlines.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The built-in years, compiled in from `data/holidays/`.
const BUILTIN: [(i32, &str); 4] = [
    (2023, include_str!("../data/holidays/2023.json")),
    (2024, include_str!("../data/holidays/2024.json")),
    (2025, include_str!("../data/holidays/2025.json")),
    (2026, include_str!("../data/holidays/2026.json")),
];

/// What kind of day a date is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    Workday,
    Weekend,
    /// A statutory day off (or a weekday moved into a holiday block).
    Holiday { name: String },
    /// A weekend day that is a working day by the notice (调休上班).
    MakeUpWorkday { name: String },
}

impl DayKind {
    pub fn is_workday(&self) -> bool {
        matches!(self, DayKind::Workday | DayKind::MakeUpWorkday { .. })
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CalendarError {
    #[error("缺少 {year} 年节假日安排数据（no holiday data for {year}）：请把国务院办公厅《关于{year}年部分节假日安排的通知》整理为 {year}.json 放入 holidays_dir")]
    UnknownYear { year: i32 },
    #[error("节假日文件 {path} 有误 (invalid holiday file): {message}")]
    BadFile { path: PathBuf, message: String },
}

#[derive(Debug, Deserialize)]
struct HolidayFile {
    year: i32,
    #[serde(default)]
    papers: Vec<String>,
    days: Vec<HolidayDay>,
}

#[derive(Debug, Deserialize)]
struct HolidayDay {
    name: String,
    date: NaiveDate,
    #[serde(rename = "isOffDay")]
    is_off_day: bool,
}

#[derive(Debug, Clone)]
struct YearData {
    papers: Vec<String>,
    days: BTreeMap<NaiveDate, (String, bool)>,
    /// The file the year was read from (`builtin:2026.json` for compiled-in data).
    source: PathBuf,
}

/// The working-day calendar, built from the notices' data.
#[derive(Debug, Clone, Default)]
pub struct HolidayCalendar {
    years: BTreeMap<i32, YearData>,
}

/// From this day of December on, a date may belong to the next year's
/// New Year holiday block or its make-up workdays (2022-12-31 was in the
/// 2023 notice; 2018-12-29 was a make-up workday of the 2019 one), so it is
/// only known once next year's notice is.
const DECEMBER_SPILLOVER_FROM: u32 = 25;

impl HolidayCalendar {
    /// The years compiled into the binary.
    pub fn builtin() -> HolidayCalendar {
        let mut c = HolidayCalendar::default();
        for (year, text) in BUILTIN {
            c.add_json(text, Path::new(&format!("builtin:{year}.json"))).expect("built-in holiday data is valid");
        }
        c
    }

    /// The built-in years plus every `YYYY.json` in `dir`, which replace the
    /// built-in data of their year.
    pub fn with_dir(dir: &Path) -> Result<HolidayCalendar, CalendarError> {
        let mut c = HolidayCalendar::builtin();
        let entries = std::fs::read_dir(dir)
            .map_err(|e| CalendarError::BadFile { path: dir.to_path_buf(), message: e.to_string() })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| CalendarError::BadFile { path: path.clone(), message: e.to_string() })?;
            c.add_json(&text, &path)?;
        }
        Ok(c)
    }

    /// Adds one year in holiday-cn's JSON format. An empty `days` list is
    /// holiday-cn's placeholder for a notice not yet published: the year
    /// stays unknown.
    pub fn add_json(&mut self, text: &str, path: &Path) -> Result<(), CalendarError> {
        let file: HolidayFile = serde_json::from_str(text)
            .map_err(|e| CalendarError::BadFile { path: path.to_path_buf(), message: e.to_string() })?;
        if file.days.is_empty() {
            self.years.remove(&file.year);
            return Ok(());
        }
        let mut days = BTreeMap::new();
        for d in file.days {
            // A file may list late-December dates of the previous year (the
            // New Year block), never dates further away.
            if !(file.year - 1..=file.year).contains(&d.date.year()) {
                return Err(CalendarError::BadFile {
                    path: path.to_path_buf(),
                    message: format!("date {} is outside year {}", d.date, file.year),
                });
            }
            if !d.is_off_day && !matches!(d.date.weekday(), Weekday::Sat | Weekday::Sun) {
                return Err(CalendarError::BadFile {
                    path: path.to_path_buf(),
                    message: format!("make-up workday {} is not a weekend day", d.date),
                });
            }
            days.insert(d.date, (d.name, d.is_off_day));
        }
        self.years.insert(file.year, YearData { papers: file.papers, days, source: path.to_path_buf() });
        Ok(())
    }

    /// The years with data, ascending.
    pub fn known_years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// The file a year's data was read from; `builtin:YYYY.json` for the
    /// compiled-in years.
    pub fn source(&self, year: i32) -> Option<&Path> {
        self.years.get(&year).map(|y| y.source.as_path())
    }

    /// The notices a year's data came from.
    pub fn papers(&self, year: i32) -> &[String] {
        self.years.get(&year).map(|y| y.papers.as_slice()).unwrap_or(&[])
    }

    pub fn day_kind(&self, date: NaiveDate) -> Result<DayKind, CalendarError> {
        let year = date.year();
        let this = self.years.get(&year).ok_or(CalendarError::UnknownYear { year })?;
        let mut entry = this.days.get(&date);
        if date.month() == 12 && date.day() >= DECEMBER_SPILLOVER_FROM {
            let next = self.years.get(&(year + 1)).ok_or(CalendarError::UnknownYear { year: year + 1 })?;
            entry = next.days.get(&date).or(entry);
        }
        Ok(match entry {
            Some((name, true)) => DayKind::Holiday { name: name.clone() },
            Some((name, false)) => DayKind::MakeUpWorkday { name: name.clone() },
            None if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) => DayKind::Weekend,
            None => DayKind::Workday,
        })
    }

    pub fn is_workday(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.day_kind(date)?.is_workday())
    }

    /// The `n`-th working day strictly after `date` (n ≥ 1).
    pub fn nth_workday_after(&self, date: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut d = date;
        let mut left = n.max(1);
        loop {
            d = d.checked_add_days(Days::new(1)).ok_or(CalendarError::UnknownYear { year: i32::MAX })?;
            if self.is_workday(d)? {
                left -= 1;
                if left == 0 {
                    return Ok(d);
                }
            }
        }
    }

    /// Working days in `[from, to)`.
    pub fn workdays_between(&self, from: NaiveDate, to: NaiveDate) -> Result<u32, CalendarError> {
        let mut n = 0;
        let mut d = from;
        while d < to {
            if self.is_workday(d)? {
                n += 1;
            }
            d = d.checked_add_days(Days::new(1)).ok_or(CalendarError::UnknownYear { year: i32::MAX })?;
        }
        Ok(n)
    }
}

/// One year of holiday data checked for `xunjian calendar import`, as the
/// holiday-cn JSON the daemon reads.
#[derive(Debug, Clone)]
pub struct ImportedYear {
    pub year: i32,
    pub json: String,
    /// Statutory days off (放假) in the file.
    pub days_off: usize,
    /// Weekend days that are working days (调休上班).
    pub make_up_workdays: usize,
}

/// Why a file cannot be imported: the file, the line or entry and the field.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("节假日文件 {file} 无法导入：{message}")]
pub struct ImportError {
    pub file: String,
    pub message: String,
}

/// One day as read from an import file, with where it was read.
struct ImportDay {
    at: String,
    date: NaiveDate,
    name: String,
    off: bool,
}

fn weekday_zh(d: NaiveDate) -> &'static str {
    ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"][d.weekday().num_days_from_monday() as usize]
}

/// Reads a file for import: holiday-cn JSON (as `data/holidays/`), or a
/// table of one day per line — `日期 休|班 名称`, separated by tabs, commas
/// or spaces; blank lines, `#` comments and a header line `日期,…` are
/// skipped. Checked strictly (every date once, in the year or the December
/// before it, `班` only on a Saturday or Sunday, at least one day off);
/// nothing is written here.
pub fn parse_import(text: &str, file: &Path) -> Result<ImportedYear, ImportError> {
    let fail = |message: String| ImportError { file: file.display().to_string(), message };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (year, papers, days) = if text.trim_start().starts_with('{') {
        parse_import_json(text).map_err(fail)?
    } else {
        parse_import_table(text).map_err(fail)?
    };
    validate_import(year, &days).map_err(fail)?;
    let mut sorted: Vec<&ImportDay> = days.iter().collect();
    sorted.sort_by_key(|d| d.date);
    let json = serde_json::to_string_pretty(&serde_json::json!({
        "year": year,
        "papers": papers,
        "imported_from": file.file_name().map(|n| n.to_string_lossy().to_string()),
        "days": sorted.iter().map(|d| serde_json::json!({
            "name": d.name, "date": d.date.to_string(), "isOffDay": d.off,
        })).collect::<Vec<_>>(),
    }))
    .map_err(|e| fail(e.to_string()))?;
    // The daemon's own reader must accept what is written.
    HolidayCalendar::default().add_json(&json, file).map_err(|e| fail(e.to_string()))?;
    Ok(ImportedYear {
        year,
        json,
        days_off: days.iter().filter(|d| d.off).count(),
        make_up_workdays: days.iter().filter(|d| !d.off).count(),
    })
}

type ParsedImport = (i32, Vec<String>, Vec<ImportDay>);

fn parse_import_json(text: &str) -> Result<ParsedImport, String> {
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("第 {} 行第 {} 列：JSON 格式有误（{e}）", e.line(), e.column()))?;
    let year = v
        .get("year")
        .and_then(serde_json::Value::as_i64)
        .and_then(|y| i32::try_from(y).ok())
        .ok_or("缺少字段 year（年份，如 2027），或它不是整数".to_string())?;
    let papers = match v.get("papers") {
        None => Vec::new(),
        Some(p) => p
            .as_array()
            .and_then(|a| a.iter().map(|x| x.as_str().map(str::to_string)).collect::<Option<Vec<_>>>())
            .ok_or("字段 papers 应为文本列表（通知的网址）".to_string())?,
    };
    let list = v.get("days").and_then(serde_json::Value::as_array).ok_or("缺少字段 days（日期列表）".to_string())?;
    let mut days = Vec::new();
    for (i, d) in list.iter().enumerate() {
        let at = format!("days 第 {} 项", i + 1);
        let field = |k: &str| d.get(k).ok_or(format!("{at}：缺少字段 {k}"));
        let date_text = field("date")?.as_str().ok_or(format!("{at}：字段 date 应为文本，如 \"{year}-01-01\""))?;
        let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d")
            .map_err(|_| format!("{at}：字段 date “{date_text}” 不是日期，应写成 {year}-01-01"))?;
        let name = field("name")?.as_str().ok_or(format!("{at}：字段 name 应为文本（节日名称）"))?.trim().to_string();
        let off = field("isOffDay")?.as_bool().ok_or(format!("{at}：字段 isOffDay 应为 true（放假）或 false（调休上班）"))?;
        days.push(ImportDay { at, date, name, off });
    }
    if days.is_empty() {
        return Err(format!(
            "days 为空：这是 {year} 年通知发布前的占位文件，不能导入；请等国务院办公厅的通知发布后再导入"
        ));
    }
    Ok((year, papers, days))
}

fn parse_import_table(text: &str) -> Result<ParsedImport, String> {
    let mut days = Vec::new();
    let mut header_seen = false;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> =
            line.split(|c: char| c == '\t' || c == ',' || c == '，' || c.is_whitespace()).filter(|f| !f.is_empty()).collect();
        if !header_seen && days.is_empty() && matches!(fields.first(), Some(&("日期" | "date"))) {
            header_seen = true;
            continue;
        }
        if fields.len() != 3 {
            return Err(format!(
                "第 {n} 行：应有 3 列（日期、休或班、名称），如 “2027-01-01 休 元旦”，实际 {} 列",
                fields.len()
            ));
        }
        let date = NaiveDate::parse_from_str(fields[0], "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(fields[0], "%Y/%m/%d"))
            .map_err(|_| format!("第 {n} 行第 1 列（日期）：“{}” 不是日期，应写成 2027-01-01", fields[0]))?;
        let off = match fields[1] {
            "休" | "放假" => true,
            "班" | "上班" => false,
            other => return Err(format!("第 {n} 行第 2 列（类型）：“{other}” 应为 休（放假）或 班（调休上班）")),
        };
        days.push(ImportDay { at: format!("第 {n} 行"), date, name: fields[2].to_string(), off });
    }
    let year = days.iter().map(|d| d.date.year()).max().ok_or("文件中没有任何日期".to_string())?;
    Ok((year, Vec::new(), days))
}

fn validate_import(year: i32, days: &[ImportDay]) -> Result<(), String> {
    if !(2000..=2100).contains(&year) {
        return Err(format!("年份 {year} 不在 2000–2100 之间"));
    }
    let mut seen: BTreeMap<NaiveDate, &str> = BTreeMap::new();
    for d in days {
        let at = &d.at;
        let in_year = d.date.year() == year || (d.date.year() == year - 1 && d.date.month() == 12);
        if !in_year {
            return Err(format!("{at}：日期 {} 不属于 {year} 年（只允许 {year} 年和 {} 年 12 月的日期）", d.date, year - 1));
        }
        if d.name.is_empty() || d.name.chars().any(char::is_control) || d.name.chars().count() > 20 {
            return Err(format!("{at}：名称应为节日名称，如 春节（不超过 20 个字）"));
        }
        if !d.off && !matches!(d.date.weekday(), Weekday::Sat | Weekday::Sun) {
            return Err(format!("{at}：调休上班日 {} 是{}，不是周末；请核对通知", d.date, weekday_zh(d.date)));
        }
        if let Some(first) = seen.insert(d.date, at) {
            return Err(format!("{at}：日期 {} 与{first}重复", d.date));
        }
    }
    if !days.iter().any(|d| d.off && d.date.year() == year) {
        return Err(format!("没有 {year} 年的放假日：请核对文件是否完整"));
    }
    Ok(())
}

/// Writes an imported year as `<dir>/<year>.json`, all or nothing (a
/// temporary file renamed into place), readable by the daemon's user.
/// Refuses to replace an existing file unless `replace`.
pub fn install_import(dir: &Path, imported: &ImportedYear, replace: bool) -> Result<PathBuf, String> {
    use std::io::Write;
    std::fs::create_dir_all(dir).map_err(|e| format!("无法创建节假日目录 {}：{e}", dir.display()))?;
    let target = dir.join(format!("{}.json", imported.year));
    if target.exists() && !replace {
        return Err(format!(
            "{} 已存在；确认要替换为新文件，请加 --replace",
            target.display()
        ));
    }
    let tmp = dir.join(format!(".{}.json.importing", imported.year));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(imported.json.as_bytes())?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        // Public data, read by the daemon's own user whoever imports it.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644))?;
        }
        std::fs::rename(&tmp, &target)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("无法写入 {}：{e}", target.display())
    })?;
    Ok(target)
}

/// A gap in the calendar that the office must fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageWarning {
    /// `calendar_year_missing` or `calendar_next_year_missing`, for machines.
    pub code: &'static str,
    pub year: i32,
    /// For people.
    pub message: String,
}

/// The State Council publishes next year's schedule around November; from
/// 1 November on, a missing next year is worth a warning.
const NEXT_YEAR_WARNING_FROM_MONTH: u32 = 11;

/// What is missing for `today` (Asia/Shanghai): this year's data (working-day
/// deadlines fail now), and from 1 November next year's.
pub fn coverage_warnings(known_years: &[i32], today: NaiveDate) -> Vec<CoverageWarning> {
    let year = today.year();
    let mut out = Vec::new();
    if !known_years.contains(&year) {
        out.push(CoverageWarning {
            code: "calendar_year_missing",
            year,
            message: format!(
                "缺少本年（{year} 年）节假日安排数据：按工作日计算的期限现在无法计算（不会按普通周末推算）；\
                 请用 xunjian calendar import 导入国务院办公厅发布的 {year} 年放假安排"
            ),
        });
    }
    if today.month() >= NEXT_YEAR_WARNING_FROM_MONTH && !known_years.contains(&(year + 1)) {
        let next = year + 1;
        out.push(CoverageWarning {
            code: "calendar_next_year_missing",
            year: next,
            message: format!(
                "缺少 {next} 年节假日安排数据：国务院办公厅发布 {next} 年放假安排（通常在 11 月）后，\
                 请用 xunjian calendar import 导入；在此之前 {year}-12-{DECEMBER_SPILLOVER_FROM} 起按工作日计算的期限无法计算"
            ),
        });
    }
    out
}

/// The years of the calendar this process loaded last from its
/// configuration (at start and at each reload). `/healthz` and the daily
/// digest job read it: they run far from where the calendar is loaded, and
/// must report the calendar the daemon actually uses.
static ACTIVE_YEARS: std::sync::RwLock<Option<Vec<i32>>> = std::sync::RwLock::new(None);

/// Records `calendar` as the one this process uses.
pub fn set_active(calendar: &HolidayCalendar) {
    *ACTIVE_YEARS.write().unwrap_or_else(|p| p.into_inner()) = Some(calendar.known_years());
}

/// [`coverage_warnings`] for the calendar this process uses, at `now`;
/// empty when none was loaded.
pub fn active_coverage_warnings(now: chrono::DateTime<chrono::Utc>) -> Vec<CoverageWarning> {
    let years = ACTIVE_YEARS.read().unwrap_or_else(|p| p.into_inner()).clone();
    match years {
        Some(years) => coverage_warnings(&years, now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive()),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn national_day_2026_and_its_make_up_saturday() {
        let c = HolidayCalendar::builtin();
        // Thursday 2026-10-01 is a holiday even though cron's `1-5` matches it.
        assert_eq!(c.day_kind(d("2026-10-01")).unwrap(), DayKind::Holiday { name: "国庆节".into() });
        // Saturday 2026-10-10 is a make-up workday.
        assert!(c.is_workday(d("2026-10-10")).unwrap());
        assert_eq!(c.day_kind(d("2026-10-11")).unwrap(), DayKind::Weekend);
        assert_eq!(c.day_kind(d("2026-10-09")).unwrap(), DayKind::Workday);
        // A WeChat item on the eve of the holiday: the next working day is 10-08.
        assert_eq!(c.nth_workday_after(d("2026-09-30"), 1).unwrap(), d("2026-10-08"));
        assert_eq!(c.nth_workday_after(d("2026-10-09"), 1).unwrap(), d("2026-10-10"));
    }

    #[test]
    fn new_year_2023_block_starts_in_december_2022() {
        let c = HolidayCalendar::builtin();
        // 2022 is unknown, but its last days belong to the 2023 notice...
        assert_eq!(c.day_kind(d("2022-12-31")), Err(CalendarError::UnknownYear { year: 2022 }));
        // ...and the last week of December 2026 needs the 2027 notice.
        assert_eq!(c.day_kind(d("2026-12-28")), Err(CalendarError::UnknownYear { year: 2027 }));
        assert!(c.is_workday(d("2026-12-24")).unwrap());
    }

    #[test]
    fn unknown_and_placeholder_years_are_errors_not_weekends() {
        let mut c = HolidayCalendar::builtin();
        assert_eq!(c.is_workday(d("2027-03-01")), Err(CalendarError::UnknownYear { year: 2027 }));
        c.add_json(r#"{"year":2027,"papers":[],"days":[]}"#, Path::new("2027.json")).unwrap();
        assert_eq!(c.is_workday(d("2027-03-01")), Err(CalendarError::UnknownYear { year: 2027 }));
        c.add_json(
            r#"{"year":2027,"papers":["x"],"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}"#,
            Path::new("2027.json"),
        )
        .unwrap();
        assert!(!c.is_workday(d("2027-01-01")).unwrap());
        assert!(c.is_workday(d("2027-03-01")).unwrap());
        // Now the end of 2026 is known too.
        assert!(c.is_workday(d("2026-12-28")).unwrap());
    }

    #[test]
    fn bad_files_are_named() {
        let mut c = HolidayCalendar::default();
        let err = c
            .add_json(r#"{"year":2027,"days":[{"name":"x","date":"2027-01-05","isOffDay":false}]}"#, Path::new("/h/2027.json"))
            .unwrap_err();
        assert!(err.to_string().contains("/h/2027.json") && err.to_string().contains("2027-01-05"), "{err}");
        let err = c.add_json("{", Path::new("/h/2028.json")).unwrap_err();
        assert!(err.to_string().contains("2028.json"));
    }

    #[test]
    fn directory_overrides_builtin() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("2027.json"),
            r#"{"year":2027,"papers":[],"days":[{"name":"春节","date":"2027-02-06","isOffDay":true}]}"#,
        )
        .unwrap();
        let c = HolidayCalendar::with_dir(dir.path()).unwrap();
        assert_eq!(c.known_years(), vec![2023, 2024, 2025, 2026, 2027]);
        assert!(!c.is_workday(d("2027-02-06")).unwrap());
    }

    #[test]
    fn workdays_between_counts_make_up_days() {
        let c = HolidayCalendar::builtin();
        // 2026-02-14 (Sat, make-up) .. 2026-03-01: 14th, 16–23 off, 24–27 work, 28 (Sat, make-up).
        assert_eq!(c.workdays_between(d("2026-02-14"), d("2026-03-01")).unwrap(), 1 + 4 + 1);
    }

    /// Cross-check against an independent source: the `chinese_holiday`
    /// crate's data (valid up to 2026-12-25).
    #[test]
    fn agrees_with_chinese_holiday_crate_2023_to_2026() {
        let c = HolidayCalendar::builtin();
        let mut day = d("2023-01-01");
        let mut checked = 0;
        while day <= d("2026-12-24") {
            let ours = c.is_workday(day).unwrap();
            let theirs = chinese_holiday::chinese_holiday((day.year() as u16, day.month() as u8, day.day() as u8)).is_workday();
            assert_eq!(ours, theirs, "{day}");
            checked += 1;
            day = day.succ_opt().unwrap();
        }
        assert_eq!(checked, 1454);
    }

    /// A made-up schedule for a test year (not the real 2027 notice, which
    /// is not on this machine): New Year, a Spring Festival block with a
    /// make-up Saturday, and one day of the December before.
    const TEST_TABLE: &str = "\u{feff}# 测试用，非真实通知\r\n日期,类型,名称\r\n2026-12-31 休 元旦\r\n2027-01-01\t休\t元旦\r\n2027-02-06，休，春节\r\n2027-02-08 休 春节\r\n2027-02-13 班 春节\r\n\r\n";

    #[test]
    fn a_table_of_dates_imports_as_holiday_cn_json() {
        let y = parse_import(TEST_TABLE, Path::new("/tmp/安排.csv")).unwrap();
        assert_eq!((y.year, y.days_off, y.make_up_workdays), (2027, 4, 1));
        let mut c = HolidayCalendar::builtin();
        c.add_json(&y.json, Path::new("2027.json")).unwrap();
        assert_eq!(c.day_kind(d("2027-02-08")).unwrap(), DayKind::Holiday { name: "春节".into() });
        assert_eq!(c.day_kind(d("2027-02-13")).unwrap(), DayKind::MakeUpWorkday { name: "春节".into() });
        assert_eq!(c.day_kind(d("2026-12-31")).unwrap(), DayKind::Holiday { name: "元旦".into() });
        assert_eq!(c.day_kind(d("2027-03-01")).unwrap(), DayKind::Workday);
        // The same data as JSON gives the same file.
        let again = parse_import(&y.json, Path::new("/tmp/安排.csv")).unwrap();
        assert_eq!(again.json, y.json);
    }

    #[test]
    fn import_errors_name_the_line_and_field() {
        let err = |text: &str| parse_import(text, Path::new("/in/2027.txt")).unwrap_err().to_string();
        let e = err("2027-01-01 休 元旦\n2027-13-01 休 元旦\n");
        assert!(e.contains("/in/2027.txt") && e.contains("第 2 行第 1 列（日期）") && e.contains("2027-13-01"), "{e}");
        let e = err("2027-01-01 休 元旦\n2027-01-02 假 元旦\n");
        assert!(e.contains("第 2 行第 2 列（类型）") && e.contains("“假”"), "{e}");
        let e = err("2027-01-01 休\n");
        assert!(e.contains("第 1 行") && e.contains("3 列"), "{e}");
        let e = err("2027-01-01 休 元旦\n,,，\n");
        assert!(e.contains("第 2 行") && e.contains("实际 0 列"), "{e}");
        // 2027-02-10 is a Wednesday: a make-up workday must be a weekend day.
        let e = err("2027-01-01 休 元旦\n2027-02-10 班 春节\n");
        assert!(e.contains("第 2 行") && e.contains("星期三"), "{e}");
        let e = err("2027-01-01 休 元旦\n2027-01-01 休 元旦\n");
        assert!(e.contains("第 2 行") && e.contains("第 1 行重复"), "{e}");
        let e = err("2026-06-01 休 儿童节\n2027-01-01 休 元旦\n");
        assert!(e.contains("2026-06-01") && e.contains("不属于 2027 年"), "{e}");
        let e = err("2027-02-13 班 春节\n");
        assert!(e.contains("没有 2027 年的放假日"), "{e}");
        let e = err("");
        assert!(e.contains("没有任何日期"), "{e}");
        // JSON: the placeholder, a wrong type, a syntax error with its position.
        let e = err(r#"{"year":2027,"papers":[],"days":[]}"#);
        assert!(e.contains("占位文件"), "{e}");
        let e = err(r#"{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":"yes"}]}"#);
        assert!(e.contains("days 第 1 项") && e.contains("isOffDay"), "{e}");
        let e = err("{\"year\":2027,\n\"days\":[,]}");
        assert!(e.contains("第 2 行第") && e.contains("JSON"), "{e}");
        let e = err(r#"{"days":[]}"#);
        assert!(e.contains("year"), "{e}");
    }

    #[test]
    fn install_is_all_or_nothing_and_never_silently_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let y = parse_import(TEST_TABLE, Path::new("t.csv")).unwrap();
        let path = install_import(&dir.path().join("holidays"), &y, false).unwrap();
        assert_eq!(path, dir.path().join("holidays/2027.json"));
        let c = HolidayCalendar::with_dir(&dir.path().join("holidays")).unwrap();
        assert_eq!(c.known_years(), vec![2023, 2024, 2025, 2026, 2027]);
        assert_eq!(c.source(2027), Some(path.as_path()));
        assert_eq!(c.source(2026), Some(Path::new("builtin:2026.json")));
        let e = install_import(&dir.path().join("holidays"), &y, false).unwrap_err();
        assert!(e.contains("--replace"), "{e}");
        install_import(&dir.path().join("holidays"), &y, true).unwrap();
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path().join("holidays")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("2027.json")]);
    }

    #[test]
    fn next_year_is_wanted_from_the_first_of_november() {
        let known = [2025, 2026];
        assert!(coverage_warnings(&known, d("2026-10-31")).is_empty());
        let w = coverage_warnings(&known, d("2026-11-01"));
        assert_eq!(w.len(), 1);
        assert_eq!((w[0].code, w[0].year), ("calendar_next_year_missing", 2027));
        assert!(w[0].message.contains("xunjian calendar import") && w[0].message.contains("2026-12-25"), "{}", w[0].message);
        assert!(coverage_warnings(&[2026, 2027], d("2026-12-31")).is_empty());
        // In the new year without its data: this year is missing, and it is no longer "next".
        let w = coverage_warnings(&known, d("2027-01-04"));
        assert_eq!(w.iter().map(|w| w.code).collect::<Vec<_>>(), vec!["calendar_year_missing"]);
    }
}
