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
        self.years.insert(file.year, YearData { papers: file.papers, days });
        Ok(())
    }

    /// The years with data, ascending.
    pub fn known_years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
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
}
