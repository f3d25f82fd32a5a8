//! Weibo's `created_at` forms. The full form carries an offset and is exact;
//! the short forms some views emit are resolved against an injected `now`
//! in Asia/Shanghai and marked inexact.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use regex::Regex;
use std::sync::LazyLock;

/// A resolved publish time and whether it is exact to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeiboTime {
    pub at: DateTime<Utc>,
    pub exact: bool,
}

/// Parses every `created_at` form seen in public captures and crawler code:
/// `Tue Jun 08 09:35:04 +0800 2021` (exact), `刚刚`, `N秒前`, `N分钟前`,
/// `N小时前`, `今天 HH:MM`, `昨天 HH:MM`, `MM-DD`, `YYYY-MM-DD`,
/// `YYYY-MM-DD HH:MM[:SS]`. `None` for anything else: an unknown form is
/// format drift, not a time.
pub fn parse_created_at(s: &str, now: DateTime<Utc>) -> Option<WeiboTime> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_str(s, "%a %b %d %H:%M:%S %z %Y") {
        return Some(WeiboTime { at: dt.with_timezone(&Utc), exact: true });
    }
    let inexact = |at: DateTime<Utc>| Some(WeiboTime { at, exact: false });
    if s == "刚刚" {
        return inexact(now);
    }
    static AGO: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d{1,6})\s*(秒|分钟|小时)前$").unwrap());
    if let Some(c) = AGO.captures(s) {
        let n: i64 = c[1].parse().ok()?;
        let ago = match &c[2] {
            "秒" => Duration::seconds(n),
            "分钟" => Duration::minutes(n),
            _ => Duration::hours(n),
        };
        return inexact(now - ago);
    }
    let today = now.with_timezone(&Shanghai).date_naive();
    static DAY_TIME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(今天|昨天|前天)\s*(\d{1,2}):(\d{2})$").unwrap());
    if let Some(c) = DAY_TIME.captures(s) {
        let days_back = match &c[1] {
            "今天" => 0,
            "昨天" => 1,
            _ => 2,
        };
        let time = NaiveTime::from_hms_opt(c[2].parse().ok()?, c[3].parse().ok()?, 0)?;
        return inexact(shanghai(today - Duration::days(days_back), time)?);
    }
    static FULL_DATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$").unwrap()
    });
    if let Some(c) = FULL_DATE.captures(s) {
        let date = NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)?;
        let (time, exact) = match (c.get(4), c.get(5), c.get(6)) {
            (Some(h), Some(m), sec) => {
                let secs = sec.map(|x| x.as_str().parse().ok()).unwrap_or(Some(0))?;
                (NaiveTime::from_hms_opt(h.as_str().parse().ok()?, m.as_str().parse().ok()?, secs)?, sec.is_some())
            }
            _ => (NaiveTime::MIN, false),
        };
        return Some(WeiboTime { at: shanghai(date, time)?, exact });
    }
    static MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d{1,2})-(\d{1,2})$").unwrap());
    if let Some(c) = MONTH_DAY.captures(s) {
        let (m, d): (u32, u32) = (c[1].parse().ok()?, c[2].parse().ok()?);
        // No year: this year, unless that is still in the future.
        let this_year = NaiveDate::from_ymd_opt(today.year(), m, d);
        let date = match this_year {
            Some(date) if date <= today => date,
            _ => NaiveDate::from_ymd_opt(today.year() - 1, m, d)?,
        };
        return inexact(shanghai(date, NaiveTime::MIN)?);
    }
    None
}

fn shanghai(date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    Shanghai.from_local_datetime(&NaiveDateTime::new(date, time)).single().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Shanghai.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn full_form_is_exact() {
        let now = sh(2030, 1, 1, 0, 0, 0);
        let t = parse_created_at("Tue Jun 08 09:35:04 +0800 2021", now).unwrap();
        assert_eq!(t, WeiboTime { at: sh(2021, 6, 8, 9, 35, 4), exact: true });
        assert_eq!(t.at.to_rfc3339(), "2021-06-08T01:35:04+00:00");
    }

    #[test]
    fn relative_forms_resolve_against_now_and_are_inexact() {
        // 00:30 in Shanghai is still the previous day in UTC: the day
        // arithmetic must happen in Shanghai.
        let now = sh(2024, 3, 1, 0, 30, 0);
        let cases = [
            ("刚刚", now),
            ("45秒前", now - Duration::seconds(45)),
            ("5分钟前", sh(2024, 3, 1, 0, 25, 0)),
            ("3小时前", sh(2024, 2, 29, 21, 30, 0)),
            ("今天 00:10", sh(2024, 3, 1, 0, 10, 0)),
            ("昨天 23:59", sh(2024, 2, 29, 23, 59, 0)),
            ("前天 08:00", sh(2024, 2, 28, 8, 0, 0)),
            ("02-29", sh(2024, 2, 29, 0, 0, 0)),
            ("06-27", sh(2023, 6, 27, 0, 0, 0)),
            ("2018-06-27", sh(2018, 6, 27, 0, 0, 0)),
            ("2018-06-27 14:05", sh(2018, 6, 27, 14, 5, 0)),
        ];
        for (input, expected) in cases {
            let t = parse_created_at(input, now).unwrap_or_else(|| panic!("{input} not parsed"));
            assert_eq!(t.at, expected, "{input}");
            assert!(!t.exact, "{input} must be inexact");
        }
        let t = parse_created_at("2018-06-27 14:05:09", now).unwrap();
        assert_eq!((t.at, t.exact), (sh(2018, 6, 27, 14, 5, 9), true));
    }

    #[test]
    fn unknown_forms_are_not_times() {
        let now = sh(2024, 3, 1, 0, 0, 0);
        for bad in ["", "yesterday", "13-45", "2021-02-30", "昨天", "5天前", "Tue Jun 08 2021"] {
            assert_eq!(parse_created_at(bad, now), None, "{bad}");
        }
    }
}
