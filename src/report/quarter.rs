//! Calendar quarters in Asia/Shanghai: `2026Q3` = 2026-07-01 00:00 to
//! 2026-10-01 00:00 (+08:00), end exclusive.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use std::fmt;
use std::str::FromStr;

/// One calendar quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quarter {
    pub year: i32,
    /// 1–4.
    pub q: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("季度写法有误 (invalid quarter) `{0}`: 应写作 2026Q3、2026-Q3 或 2026年第三季度")]
pub struct BadQuarter(pub String);

const ZH_NUMERALS: [&str; 4] = ["一", "二", "三", "四"];

impl Quarter {
    pub fn new(year: i32, q: u8) -> Result<Quarter, BadQuarter> {
        if !(1..=4).contains(&q) || !(1970..=9999).contains(&year) {
            return Err(BadQuarter(format!("{year}Q{q}")));
        }
        Ok(Quarter { year, q })
    }

    /// The quarter a civil date (Asia/Shanghai) falls in.
    pub fn of_date(d: NaiveDate) -> Quarter {
        Quarter {
            year: d.year(),
            q: ((d.month() - 1) / 3 + 1) as u8,
        }
    }

    /// The quarter an instant falls in, in Asia/Shanghai.
    pub fn of_instant(t: DateTime<Utc>) -> Quarter {
        Quarter::of_date(t.with_timezone(&Shanghai).date_naive())
    }

    /// First day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.q) * 3 - 2, 1).expect("valid quarter")
    }

    /// Last day (inclusive).
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().expect("a day before")
    }

    pub fn next(self) -> Quarter {
        if self.q == 4 {
            Quarter {
                year: self.year + 1,
                q: 1,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q + 1,
            }
        }
    }

    pub fn previous(self) -> Quarter {
        if self.q == 1 {
            Quarter {
                year: self.year - 1,
                q: 4,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q - 1,
            }
        }
    }

    /// Start instant (00:00 Asia/Shanghai of the first day).
    pub fn start(self) -> DateTime<Utc> {
        local_midnight(self.first_day())
    }

    /// End instant, exclusive (00:00 Asia/Shanghai of the next quarter).
    pub fn end(self) -> DateTime<Utc> {
        self.next().start()
    }

    pub fn start_ms(self) -> i64 {
        self.start().timestamp_millis()
    }

    pub fn end_ms(self) -> i64 {
        self.end().timestamp_millis()
    }

    /// The three months, as (year, month).
    pub fn months(self) -> [(i32, u32); 3] {
        let m = u32::from(self.q) * 3 - 2;
        [(self.year, m), (self.year, m + 1), (self.year, m + 2)]
    }

    /// Start instants of the second and third month (the month boundaries
    /// inside the quarter).
    pub fn month_boundaries_ms(self) -> [i64; 2] {
        let [_, (y2, m2), (y3, m3)] = self.months();
        [
            local_midnight(NaiveDate::from_ymd_opt(y2, m2, 1).expect("month")).timestamp_millis(),
            local_midnight(NaiveDate::from_ymd_opt(y3, m3, 1).expect("month")).timestamp_millis(),
        ]
    }

    /// 第三季度
    pub fn ordinal_zh(self) -> &'static str {
        ZH_NUMERALS[usize::from(self.q - 1)]
    }

    /// 2026年第三季度
    pub fn label_zh(self) -> String {
        format!("{}年第{}季度", self.year, self.ordinal_zh())
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.q)
    }
}

impl serde::Serialize for Quarter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl FromStr for Quarter {
    type Err = BadQuarter;

    /// `2026Q3`, `2026q3`, `2026-Q3`, `2026-3`, `2026年第三季度`, `2026年第3季度`.
    fn from_str(s: &str) -> Result<Quarter, BadQuarter> {
        let bad = || BadQuarter(s.to_string());
        let t = s.trim();
        if let Some((y, rest)) = t.split_once('年') {
            let y: i32 = y.trim().parse().map_err(|_| bad())?;
            let n = rest.trim().strip_prefix('第').unwrap_or(rest.trim());
            let n = n.strip_suffix("季度").ok_or_else(bad)?;
            let q = match n {
                "一" | "1" => 1,
                "二" | "2" => 2,
                "三" | "3" => 3,
                "四" | "4" => 4,
                _ => return Err(bad()),
            };
            return Quarter::new(y, q).map_err(|_| bad());
        }
        let upper = t.to_ascii_uppercase();
        let (y, q) = if let Some((y, q)) = upper.split_once('Q') {
            (y.trim_end_matches('-'), q)
        } else if let Some((y, q)) = upper.split_once('-') {
            (y, q)
        } else {
            return Err(bad());
        };
        let y: i32 = y.parse().map_err(|_| bad())?;
        let q: u8 = q.parse().map_err(|_| bad())?;
        Quarter::new(y, q).map_err(|_| bad())
    }
}

/// 00:00 of a civil day in Asia/Shanghai.
pub fn local_midnight(d: NaiveDate) -> DateTime<Utc> {
    Shanghai
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
        .earliest()
        .expect("Shanghai has no DST gaps")
        .with_timezone(&Utc)
}

/// The civil day (Asia/Shanghai) of an instant in epoch milliseconds.
pub fn local_day(ms: i64) -> NaiveDate {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.with_timezone(&Shanghai).date_naive())
        .unwrap_or(NaiveDate::MIN)
}

/// `2026-10-20 09:31` in Asia/Shanghai.
pub fn fmt_ms(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| {
            t.with_timezone(&Shanghai)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| ms.to_string())
}

/// `2026年10月20日`
pub fn fmt_date_zh(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_spellings() {
        for s in [
            "2026Q3",
            "2026q3",
            "2026-Q3",
            "2026-3",
            "2026年第三季度",
            "2026年第3季度",
            " 2026Q3 ",
        ] {
            assert_eq!(
                s.parse::<Quarter>(),
                Ok(Quarter { year: 2026, q: 3 }),
                "{s}"
            );
        }
        for s in [
            "2026Q5",
            "2026Q0",
            "2026",
            "Q3",
            "2026年第五季度",
            "abcdQ1",
            "",
        ] {
            assert!(s.parse::<Quarter>().is_err(), "{s}");
        }
        assert_eq!(Quarter { year: 2026, q: 3 }.to_string(), "2026Q3");
    }

    #[test]
    fn bounds_are_shanghai_midnights() {
        let q: Quarter = "2026Q3".parse().unwrap();
        assert_eq!(q.start().to_rfc3339(), "2026-06-30T16:00:00+00:00");
        assert_eq!(q.end().to_rfc3339(), "2026-09-30T16:00:00+00:00");
        assert_eq!(q.first_day().to_string(), "2026-07-01");
        assert_eq!(q.last_day().to_string(), "2026-09-30");
        assert_eq!(q.months(), [(2026, 7), (2026, 8), (2026, 9)]);
        assert_eq!(q.label_zh(), "2026年第三季度");
        let [m2, m3] = q.month_boundaries_ms();
        assert_eq!(local_day(m2).to_string(), "2026-08-01");
        assert_eq!(local_day(m3 - 1).to_string(), "2026-08-31");
        let q4: Quarter = "2026Q4".parse().unwrap();
        assert_eq!(q4.next(), Quarter { year: 2027, q: 1 });
        assert_eq!(q4.last_day().to_string(), "2026-12-31");
        assert_eq!(Quarter { year: 2027, q: 1 }.previous(), q4);
        assert_eq!(Quarter::of_instant(q.end()), q4);
        assert_eq!(
            Quarter::of_instant(q.end() - chrono::TimeDelta::milliseconds(1)),
            q
        );
    }
}
