//! Cron expressions for the scheduled jobs.
//!
//! croner, not the `cron` crate: `cron` numbers weekdays from Sunday (its
//! `1-5` is Sunday to Thursday) and needs 6+ fields, while every operator
//! reads `1-5` as Monday to Friday (POSIX/Vixie). Expressions have 5 fields
//! (minute first) or 6 (seconds first) and are evaluated in Asia/Shanghai.
//! Cron knows nothing of 调休: jobs that must follow the working-day
//! calendar are filtered by [`runs_on`].

use crate::calendar::HolidayCalendar;
use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use serde::Deserialize;
use std::fmt;

/// A validated cron expression, or none (the job is off).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct CronSpec(Option<(String, Cron)>);

impl fmt::Debug for CronSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some((p, _)) => write!(f, "CronSpec({p:?})"),
            None => f.write_str("CronSpec(off)"),
        }
    }
}

impl TryFrom<String> for CronSpec {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        CronSpec::parse(&s)
    }
}

impl CronSpec {
    /// Parses a 5- or 6-field expression; an empty string means off.
    pub fn parse(pattern: &str) -> Result<CronSpec, String> {
        let pattern = pattern.trim();
        if pattern.is_empty() {
            return Ok(CronSpec(None));
        }
        let fields = pattern.split_whitespace().count();
        // croner also takes a 7th (year) field and @keywords; one documented
        // form keeps configurations readable by anyone who knows crontab.
        if !(5..=6).contains(&fields) {
            return Err(format!(
                "cron expression {pattern:?} has {fields} fields; use 5 (minute hour day month weekday) \
                 or 6 (second first), e.g. \"30 8 * * 1-5\""
            ));
        }
        let parser = CronParser::builder().seconds(Seconds::Optional).year(Year::Disallowed).build();
        let cron = parser.parse(pattern).map_err(|e| format!("cron expression {pattern:?} is invalid: {e}"))?;
        Ok(CronSpec(Some((pattern.to_string(), cron))))
    }

    pub fn pattern(&self) -> Option<&str> {
        self.0.as_ref().map(|(p, _)| p.as_str())
    }

    /// The first occurrence strictly after `t`.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (_, cron) = self.0.as_ref()?;
        cron.find_next_occurrence(&t.with_timezone(&Shanghai), false).ok().map(|d| d.with_timezone(&Utc))
    }

    /// The latest occurrence at or before `t`.
    pub fn latest_at_or_before(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (_, cron) = self.0.as_ref()?;
        cron.find_previous_occurrence(&t.with_timezone(&Shanghai), true).ok().map(|d| d.with_timezone(&Utc))
    }
}

/// The scheduled jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    Sweep,
    PortalCheck,
    ImpostorSearch,
    Digest,
    Reminders,
    Prune,
    QuarterlyReport,
}

impl JobKind {
    pub const ALL: [JobKind; 7] = [
        JobKind::Sweep,
        JobKind::PortalCheck,
        JobKind::ImpostorSearch,
        JobKind::Digest,
        JobKind::Reminders,
        JobKind::Prune,
        JobKind::QuarterlyReport,
    ];

    /// Stable code, as stored in `job_runs.job`.
    pub fn code(self) -> &'static str {
        match self {
            JobKind::Sweep => "sweep",
            JobKind::PortalCheck => "portal_check",
            JobKind::ImpostorSearch => "impostor_search",
            JobKind::Digest => "digest",
            JobKind::Reminders => "reminders",
            JobKind::Prune => "prune",
            JobKind::QuarterlyReport => "quarterly_report",
        }
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Whether a job occurrence at `t` runs: always, unless the job is
/// working-day-only and `t`'s date in Shanghai is not a working day. A year
/// the calendar does not know is an error, never a guess.
pub fn runs_on(
    job: JobKind,
    workday_only: &[JobKind],
    calendar: &HolidayCalendar,
    t: DateTime<Utc>,
) -> Result<bool, crate::calendar::CalendarError> {
    if !workday_only.contains(&job) {
        return Ok(true);
    }
    calendar.is_workday(t.with_timezone(&Shanghai).date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, TimeZone, Weekday};

    fn sh(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Shanghai.with_ymd_and_hms(y, m, d, h, mi, 0).unwrap().with_timezone(&Utc)
    }

    fn weekdays_of(spec: &CronSpec, from: DateTime<Utc>, n: usize) -> Vec<Weekday> {
        let mut out = Vec::new();
        let mut t = from;
        for _ in 0..n {
            t = spec.next_after(t).unwrap();
            out.push(t.with_timezone(&Shanghai).weekday());
        }
        out
    }

    /// The point of using croner: `1-5` is Monday to Friday, in both the
    /// 5-field and the 6-field form.
    #[test]
    fn one_to_five_means_monday_to_friday() {
        use Weekday::*;
        // Sunday 2026-11-01 noon: the next ten weekday mornings.
        let from = sh(2026, 11, 1, 12, 0);
        for pattern in ["30 8 * * 1-5", "0 30 8 * * 1-5", "30 8 * * MON-FRI"] {
            let spec = CronSpec::parse(pattern).unwrap();
            assert_eq!(
                weekdays_of(&spec, from, 10),
                vec![Mon, Tue, Wed, Thu, Fri, Mon, Tue, Wed, Thu, Fri],
                "{pattern}"
            );
        }
        // 0 and 7 are both Sunday.
        for pattern in ["0 9 * * 0", "0 9 * * 7"] {
            let spec = CronSpec::parse(pattern).unwrap();
            assert_eq!(weekdays_of(&spec, from, 2), vec![Sun, Sun], "{pattern}");
        }
    }

    #[test]
    fn times_are_shanghai_wall_clock() {
        let spec = CronSpec::parse("30 8 * * 1-5").unwrap();
        // Friday 2026-11-06 09:00 Shanghai → Monday 08:30 Shanghai = 00:30 UTC.
        let next = spec.next_after(sh(2026, 11, 6, 9, 0)).unwrap();
        assert_eq!(next, Utc.with_ymd_and_hms(2026, 11, 9, 0, 30, 0).unwrap());
        assert_eq!(spec.latest_at_or_before(next), Some(next));
        assert_eq!(spec.latest_at_or_before(next - chrono::TimeDelta::seconds(1)), Some(sh(2026, 11, 6, 8, 30)));
    }

    #[test]
    fn quarterly_default_fires_after_each_quarter() {
        let spec = CronSpec::parse("0 9 1 1,4,7,10 *").unwrap();
        let mut t = sh(2026, 2, 15, 0, 0);
        let mut got = Vec::new();
        for _ in 0..4 {
            t = spec.next_after(t).unwrap();
            got.push(t);
        }
        assert_eq!(got, vec![sh(2026, 4, 1, 9, 0), sh(2026, 7, 1, 9, 0), sh(2026, 10, 1, 9, 0), sh(2027, 1, 1, 9, 0)]);
    }

    #[test]
    fn bad_expressions_are_refused_with_the_expression() {
        for bad in ["* * * *", "0 0 0 * * * 2026", "61 * * * *", "0 8 * * 1-9", "every day"] {
            let e = CronSpec::parse(bad).unwrap_err();
            assert!(e.contains(bad), "{bad}: {e}");
        }
        assert!(CronSpec::parse("  ").unwrap().pattern().is_none());
        assert!(CronSpec::parse("").unwrap().next_after(Utc::now()).is_none());
    }

    /// Cron's `1-5` matches National Day; a working-day-only job skips it
    /// and runs on the 调休 Saturday that cron's `1-5` would miss.
    #[test]
    fn workday_only_jobs_follow_the_holiday_calendar() {
        let cal = HolidayCalendar::builtin();
        let only = [JobKind::Digest];
        // Thursday 2026-10-01 (国庆) is in 1-5 but not a working day.
        assert!(!runs_on(JobKind::Digest, &only, &cal, sh(2026, 10, 1, 8, 30)).unwrap());
        // Saturday 2026-10-10 is a 调休 working day.
        assert!(runs_on(JobKind::Digest, &only, &cal, sh(2026, 10, 10, 8, 30)).unwrap());
        // Jobs not listed run every day of their schedule.
        assert!(runs_on(JobKind::Prune, &only, &cal, sh(2026, 10, 1, 3, 30)).unwrap());
        // A year without holiday data is an error, not a guess.
        assert!(runs_on(JobKind::Digest, &only, &cal, sh(2031, 3, 3, 8, 30)).is_err());
    }
}
