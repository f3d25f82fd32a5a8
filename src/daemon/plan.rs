//! When to check an account next, derived from the rules' deadlines so the
//! cost per account stays low while every rule is decided in time:
//!
//! * a source account (是否源账号) is checked every few minutes while the
//!   repost rule is on, so a key item is seen soon after it appears;
//! * after a new key item, each target account is checked once between
//!   the item's repost deadline and the deadline plus a margin, the
//!   targets spread over that window at the platform's budget, instead of
//!   all day long;
//! * a silent account is checked just after its zombie warning threshold
//!   and its limit, and more often as the limit approaches (half the time
//!   left, never more often than `min_interval`), so a late post is seen
//!   before the limit passes;
//! * a week's original-post deadline (Sunday 24:00) gets a check just after;
//! * a fetch that could not check is retried after `retry`, and so is an
//!   account the platform just called gone (the vanished rule wants the
//!   platform's word twice);
//! * any other account is checked once per `quiet_interval`.
//!
//! Each check also carries the moment by which its rule must be decided
//! (`decide_by`): the daemon leases the due checks with the least slack
//! first, so a zombie limit or a source account's look is never queued
//! behind a backlog of routine looks.
//!
//! Pure functions of the facts, the rules and `now`.

use super::DaemonConfig;
use crate::accounts::LifecycleStatus;
use crate::rules::{ResolvedRules, RuleContext};
use chrono::{DateTime, Datelike, Days, TimeDelta, Utc};
use chrono_tz::Asia::Shanghai;
use xunjian_adapters::model::{OutcomeClass, Platform};

/// The polling intervals of `[daemon]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollingPolicy {
    pub source_interval: TimeDelta,
    pub quiet_interval: TimeDelta,
    pub min_interval: TimeDelta,
    pub margin: TimeDelta,
    pub retry: TimeDelta,
}

impl From<&DaemonConfig> for PollingPolicy {
    fn from(c: &DaemonConfig) -> Self {
        PollingPolicy {
            source_interval: TimeDelta::minutes(i64::from(c.source_interval_minutes)),
            quiet_interval: TimeDelta::hours(i64::from(c.quiet_interval_hours)),
            min_interval: TimeDelta::minutes(i64::from(c.min_interval_minutes)),
            margin: TimeDelta::minutes(i64::from(c.deadline_margin_minutes)),
            retry: TimeDelta::minutes(i64::from(c.retry_minutes)),
        }
    }
}

/// What the planner knows about an account after a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountState {
    pub is_source: bool,
    pub status: LifecycleStatus,
    /// When the account last posted, as the zombie rule counts it (the
    /// newest post of any kind; an inexact time counts from first sight).
    pub last_post_at: Option<DateTime<Utc>>,
    /// The outcome of the check just done.
    pub outcome: OutcomeClass,
    /// The platform answered that the account does not exist or is banned,
    /// and no vanished finding confirms it yet.
    pub gone_unconfirmed: bool,
}

/// The next check, by when what it serves must be decided, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextCheck {
    pub at: DateTime<Utc>,
    pub decide_by: DateTime<Utc>,
    pub reason: &'static str,
}

/// The next regular check of an account checked at `now`.
pub fn next_poll(state: &AccountState, rules: &ResolvedRules, policy: &PollingPolicy, now: DateTime<Utc>) -> NextCheck {
    // A routine look may wait a day behind more urgent ones.
    let quiet = now + policy.quiet_interval;
    let mut best = NextCheck { at: quiet, decide_by: quiet + policy.quiet_interval, reason: "quiet" };
    // `slack`: how long after `at` the check may start and still serve its
    // rule in time.
    // The earliest deadline of every candidate, not only of the one chosen:
    // the look chosen plans the later ones, so a routine look that waited
    // past a zombie limit would make the limit's own check late.
    let mut earliest_deadline = best.decide_by;
    let mut consider = |at: DateTime<Utc>, slack: TimeDelta, reason: &'static str| {
        // Never in the past or this very instant: the next tick would loop.
        let at = at.max(now + TimeDelta::minutes(1));
        earliest_deadline = earliest_deadline.min(at + slack);
        if at < best.at {
            best = NextCheck { at, decide_by: at + slack, reason };
        }
    };
    if !state.outcome.is_platform_answer() {
        consider(now + policy.retry, policy.retry, "retry after a fetch that could not check");
    }
    // "Vanished" needs the platform's word twice; a day between the two
    // left a deleted account unreported for up to two days.
    if state.gone_unconfirmed {
        consider(now + policy.retry, policy.retry, "confirm that the account is gone");
    }
    let per_account_rules = matches!(state.status, LifecycleStatus::Active | LifecycleStatus::Opening);
    if state.is_source && rules.repost_delay.enabled {
        // Every minute a source's look waits delays every repost check of
        // the key items it would see.
        consider(now + policy.source_interval, policy.margin, "source account");
    }
    if per_account_rules
        && rules.zombie.enabled
        && let Some(last) = state.last_post_at
    {
        let limit = last + TimeDelta::days(i64::from(rules.zombie.days));
        // A threshold is decided by the first check after it (plus the
        // margin), whatever checks came just before.
        if rules.zombie.warning_lead_days > 0 {
            let warn = limit - TimeDelta::days(i64::from(rules.zombie.warning_lead_days));
            if now < warn + policy.margin {
                consider(warn + policy.margin, policy.margin, "zombie warning threshold");
            }
        }
        if now < limit + policy.margin {
            consider(limit + policy.margin, policy.margin, "zombie limit");
        }
        if limit > now && limit - now <= policy.quiet_interval {
            // A post before the limit must be seen before the limit.
            let at = now + ((limit - now) / 2).max(policy.min_interval);
            consider(at, (limit - at).max(policy.margin), "approaching zombie limit");
        }
    }
    if per_account_rules && rules.weekly_original.enabled {
        consider(next_week_start(now) + policy.margin, policy.margin, "end of the natural week (weekly original)");
    }
    NextCheck { decide_by: best.decide_by.min(earliest_deadline).max(best.at), ..best }
}

/// Monday 00:00 in Shanghai after `now`: the end of the natural week.
fn next_week_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let today = now.with_timezone(&Shanghai).date_naive();
    let days_to_monday = 7 - u64::from(today.weekday().num_days_from_monday());
    crate::rules::local_midnight(today + Days::new(days_to_monday))
}

/// The repost deadline of a key item published at `published_at` on
/// `platform`: its target accounts' checks run from then until the
/// deadline plus the margin, by when each target's repost is decided.
pub fn repost_deadline(
    platform: Platform,
    published_at: DateTime<Utc>,
    ctx: &RuleContext<'_>,
) -> Result<DateTime<Utc>, String> {
    crate::rules::repost_delay::repost_deadline(platform, published_at, ctx).map(|(deadline, _)| deadline)
}

/// The share of a platform's budget that one key item's target checks may
/// take, so source polls and deadline checks of other rules still get
/// through during a round.
const TARGET_SHARE_OF_BUDGET: f64 = 0.8;

/// How the target checks of one key item share their window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetSpread {
    /// Between two targets' checks: what one check costs at the platform's
    /// budget (all routes), at [`TARGET_SHARE_OF_BUDGET`].
    pub spacing: TimeDelta,
    /// How long the whole round takes at that pace.
    pub round: TimeDelta,
    /// Whether the round ends within the margin. When it does not, the
    /// checks are spread over the margin anyway (they queue, and some
    /// decisions come late) and the operator is warned: more egress routes
    /// or a larger budget are needed.
    pub fits: bool,
}

/// Spreads `targets` checks of `requests_per_check` requests each over a
/// budget of `budget_per_minute` so each gets its slot inside `margin`
/// instead of all falling due at once (a burst that would hold the
/// source's own polls and every other deadline behind it). With no margin
/// there is no window to spread over: all are due at its start.
pub fn spread_targets(targets: usize, requests_per_check: f64, budget_per_minute: f64, margin: TimeDelta) -> TargetSpread {
    let per_check_ms = if budget_per_minute <= 0.0 {
        f64::INFINITY
    } else {
        requests_per_check.max(1.0) * 60_000.0 / (budget_per_minute * TARGET_SHARE_OF_BUDGET)
    };
    let round_ms = per_check_ms * targets as f64;
    let round = TimeDelta::milliseconds(round_ms.min(1e12).round() as i64);
    if margin <= TimeDelta::zero() {
        return TargetSpread { spacing: TimeDelta::zero(), round, fits: true };
    }
    let fits = round <= margin;
    let spacing = if fits {
        TimeDelta::milliseconds(per_check_ms as i64)
    } else {
        margin / i32::try_from(targets.max(1)).unwrap_or(i32::MAX)
    };
    TargetSpread { spacing, round, fits }
}

/// How many of the pending checks `(due_at_ms, decide_by_ms)` would be
/// decided after their deadline if the platform served one check every
/// `per_check_ms` from `now_ms`, most urgent first (as leases are taken).
pub fn late_at_budget(pending: &[(i64, i64)], now_ms: i64, per_check_ms: f64) -> usize {
    let mut by_deadline = pending.to_vec();
    by_deadline.sort_by_key(|&(due, decide_by)| (decide_by, due));
    let mut t = now_ms as f64;
    let mut late = 0;
    for (due, decide_by) in by_deadline {
        t = t.max(due as f64) + per_check_ms;
        if t > decide_by as f64 {
            late += 1;
        }
    }
    late
}

/// When to check the targets of a key item whose checks fall due at
/// `check_at`: then, when that is still ahead; now, when the item was first
/// seen by the check that just ran (its deadline passed before anyone saw
/// it: a source outage, a captcha streak, a restart); never again when it
/// was seen before (its checks were planned then).
pub fn repost_target_check(check_at: DateTime<Utc>, now: DateTime<Utc>, first_seen_now: bool) -> Option<DateTime<Utc>> {
    if check_at > now {
        Some(check_at)
    } else if first_seen_now {
        Some(now)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::HolidayCalendar;
    use crate::rules::ProfileName;
    use chrono::TimeZone;

    fn sh(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Shanghai.with_ymd_and_hms(y, m, d, h, mi, 0).unwrap().with_timezone(&Utc)
    }

    fn policy() -> PollingPolicy {
        PollingPolicy::from(&DaemonConfig::default())
    }

    fn state(last_post_at: Option<DateTime<Utc>>) -> AccountState {
        AccountState {
            is_source: false,
            status: LifecycleStatus::Active,
            last_post_at,
            outcome: OutcomeClass::Ok,
            gone_unconfirmed: false,
        }
    }

    #[test]
    fn a_quiet_account_is_checked_daily() {
        let rules = ResolvedRules::for_profile(ProfileName::National);
        let now = sh(2026, 11, 2, 10, 0);
        let next = next_poll(&state(Some(now - TimeDelta::hours(3))), &rules, &policy(), now);
        // A routine look: it may wait a day behind more urgent ones.
        let at = now + TimeDelta::hours(24);
        assert_eq!(next, NextCheck { at, decide_by: at + TimeDelta::hours(24), reason: "quiet" });
    }

    #[test]
    fn a_source_is_checked_every_few_minutes_only_while_reposts_are_checked() {
        let now = sh(2026, 11, 2, 10, 0);
        let source = AccountState { is_source: true, ..state(Some(now)) };
        let luan = ResolvedRules::for_profile(ProfileName::Luan);
        assert!(luan.repost_delay.enabled);
        let next = next_poll(&source, &luan, &policy(), now);
        assert_eq!(next.at, now + TimeDelta::minutes(5));
        // A source's look is urgent: every repost check waits on it.
        assert_eq!(next.decide_by - next.at, policy().margin);
        let national = ResolvedRules::for_profile(ProfileName::National);
        assert_eq!(next_poll(&source, &national, &policy(), now).reason, "quiet");
    }

    /// National: more than 14 days silent is a violation, warned 3 days
    /// ahead. The planner lands a check just after each threshold and polls
    /// faster as the limit approaches.
    #[test]
    fn a_silent_account_is_checked_at_its_thresholds_and_more_often_near_the_limit() {
        let rules = ResolvedRules::for_profile(ProfileName::National);
        let p = policy();
        let last = sh(2026, 11, 1, 9, 0);
        let limit = last + TimeDelta::days(14);
        let warn = limit - TimeDelta::days(3);
        // 11 days minus 2 hours after the last post: the warning threshold is next.
        let now = warn - TimeDelta::hours(2);
        assert_eq!(
            next_poll(&state(Some(last)), &rules, &p, now),
            NextCheck { at: warn + p.margin, decide_by: warn + p.margin * 2, reason: "zombie warning threshold" }
        );
        // Walk from the warning to the limit: the gaps shrink, and one check
        // lands just after the limit.
        let mut t = warn + p.margin;
        let mut gaps = Vec::new();
        while t < limit + p.margin {
            let next = next_poll(&state(Some(last)), &rules, &p, t);
            gaps.push(next.at - t);
            t = next.at;
        }
        assert_eq!(t, limit + p.margin, "{gaps:?}");
        assert!(gaps.windows(2).all(|w| w[1] <= w[0]), "gaps shrink: {gaps:?}");
        assert!(gaps.iter().all(|g| *g >= p.min_interval.min(p.margin) && *g <= p.quiet_interval), "{gaps:?}");
        // Every look on the way is decided no later than the limit's own
        // check must be: a routine look that waited would delay it.
        let mut t = warn + p.margin;
        while t < limit - p.margin {
            let next = next_poll(&state(Some(last)), &rules, &p, t);
            assert!(next.decide_by <= limit + p.margin * 2, "{next:?}");
            t = next.at;
        }
        // A check just before the limit does not lose the one just after.
        let just_before = next_poll(&state(Some(last)), &rules, &p, limit - TimeDelta::minutes(1));
        assert_eq!(just_before.at, limit + p.margin);
        // Past the limit: daily, to see when it is resolved.
        assert_eq!(next_poll(&state(Some(last)), &rules, &p, limit + TimeDelta::hours(1)).reason, "quiet");
    }

    #[test]
    fn a_failed_fetch_is_retried_soon_and_closing_accounts_get_no_zombie_checks() {
        let rules = ResolvedRules::for_profile(ProfileName::National);
        let now = sh(2026, 11, 2, 10, 0);
        let failed = AccountState { outcome: OutcomeClass::Captcha, ..state(Some(now)) };
        assert_eq!(next_poll(&failed, &rules, &policy(), now).at, now + TimeDelta::hours(1));
        // The platform's own "not found" is an answer, not a failure: once
        // the vanished finding stands, daily.
        let gone = AccountState { outcome: OutcomeClass::NotFound, ..state(Some(now)) };
        assert_eq!(next_poll(&gone, &rules, &policy(), now).reason, "quiet");
        // Its first "not found": again within the hour, for the second
        // answer the vanished rule needs.
        let first = AccountState { gone_unconfirmed: true, ..gone };
        let n = next_poll(&first, &rules, &policy(), now);
        assert_eq!((n.at, n.reason), (now + TimeDelta::hours(1), "confirm that the account is gone"));
        let closing = AccountState { status: LifecycleStatus::Closing, ..state(Some(now - TimeDelta::days(13))) };
        assert_eq!(next_poll(&closing, &rules, &policy(), now).reason, "quiet");
    }

    #[test]
    fn weekly_original_deadline_gets_a_check_after_sunday_midnight() {
        let rules = ResolvedRules::for_profile(ProfileName::Baoji);
        assert!(rules.weekly_original.enabled);
        // Sunday 2026-11-08 20:00 → Monday 2026-11-09 00:10.
        let now = sh(2026, 11, 8, 20, 0);
        let next = next_poll(&state(Some(now)), &rules, &policy(), now);
        assert_eq!(next.at, sh(2026, 11, 9, 0, 10));
        assert_eq!(next.reason, "end of the natural week (weekly original)");
    }

    #[test]
    fn repost_checks_start_at_the_deadline() {
        let rules = ResolvedRules::for_profile(ProfileName::Luan);
        let calendar = HolidayCalendar::builtin();
        let ctx = RuleContext { now: sh(2026, 9, 30, 16, 0), calendar: &calendar, rules: &rules };
        // Weibo: one hour.
        let at = repost_deadline(Platform::Weibo, sh(2026, 9, 30, 15, 0), &ctx).unwrap();
        assert_eq!(at, sh(2026, 9, 30, 16, 0));
        // WeChat: one working day, as the holiday calendar counts it: the
        // next working day after 2026-09-30 comes after the National Day
        // holiday, and the window opens at the midnight that ends it.
        let last = calendar.nth_workday_after(chrono::NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(), 1).unwrap();
        let at = repost_deadline(Platform::Wechat, sh(2026, 9, 30, 15, 0), &ctx).unwrap();
        assert_eq!(at, crate::rules::local_midnight(last + Days::new(1)));
        assert!(at > sh(2026, 10, 8, 0, 0), "{at}");
    }

    #[test]
    fn target_checks_are_spread_at_the_budget_and_warned_when_they_cannot_fit() {
        let margin = TimeDelta::minutes(10);
        // 300 targets × 2 requests at 12 a minute (one route): 62.5 minutes
        // at 80 % of the budget: does not fit; spread over the margin.
        let one = spread_targets(300, 2.0, 12.0, margin);
        assert!(!one.fits);
        assert_eq!(one.round, TimeDelta::milliseconds(3_750_000));
        assert_eq!(one.spacing, TimeDelta::seconds(2));
        // Eight routes: 96 a minute → 1.5625 s a check, 7.8 minutes: fits.
        let eight = spread_targets(300, 2.0, 96.0, margin);
        assert!(eight.fits, "{eight:?}");
        assert_eq!(eight.spacing, TimeDelta::milliseconds(1562));
        assert!(eight.spacing * 300 <= margin);
        // No margin: nothing to spread over.
        let none = spread_targets(300, 2.0, 12.0, TimeDelta::zero());
        assert_eq!(none.spacing, TimeDelta::zero());
        // A budget of nothing never fits.
        assert!(!spread_targets(3, 2.0, 0.0, margin).fits);
    }

    #[test]
    fn late_at_budget_counts_what_the_pace_cannot_reach() {
        // Three checks due now, each to be decided within 10 s, 6 s per
        // check: the first two make it (6 s, 12 s > 10 s: no), so only one.
        let now = 1_000_000;
        let pending = [(now, now + 10_000), (now, now + 10_000), (now, now + 10_000)];
        assert_eq!(late_at_budget(&pending, now, 6_000.0), 2);
        assert_eq!(late_at_budget(&pending, now, 3_000.0), 0);
        // A check due later starts then: not late because of the queue.
        assert_eq!(late_at_budget(&[(now + 60_000, now + 65_000)], now, 4_000.0), 0);
        assert_eq!(late_at_budget(&[], now, 4_000.0), 0);
    }

    #[test]
    fn a_key_item_seen_only_after_its_deadline_is_followed_up_once() {
        let now = sh(2026, 11, 2, 10, 0);
        let ahead = now + TimeDelta::minutes(40);
        assert_eq!(repost_target_check(ahead, now, true), Some(ahead));
        assert_eq!(repost_target_check(ahead, now, false), Some(ahead));
        // Deadline passed before the item was ever seen: at once.
        assert_eq!(repost_target_check(now - TimeDelta::hours(20), now, true), Some(now));
        // Seen by an earlier check: planned then, not again on every poll.
        assert_eq!(repost_target_check(now - TimeDelta::hours(20), now, false), None);
    }

}
