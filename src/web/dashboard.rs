//! 总览: accounts by platform and status, findings to deal with by rule
//! (veto items first), what is due soon (early warnings, accounts being
//! closed), the quarter's trend of findings as a chart drawn on the server
//! (SVG, no script), and the last 24 hours' coverage by reason.

use super::auth::CurrentUser;
use super::error::WebResult;
use super::state::AppState;
use super::view;
use crate::accounts::LifecycleStatus;
use crate::rules::Gravity;
use crate::rules::coverage::outcome_zh;
use crate::store::FindingState;
use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;
use std::collections::BTreeMap;
use xunjian_adapters::model::Platform;

#[derive(Serialize)]
struct PlatformRow {
    code: &'static str,
    name: &'static str,
    /// Per status, in `LifecycleStatus::ALL` order.
    counts: Vec<i64>,
    total: i64,
}

#[derive(Serialize)]
struct RuleRow {
    code: &'static str,
    name: &'static str,
    veto: bool,
    open: i64,
    rectifying: i64,
    warning: i64,
}

#[derive(Serialize)]
struct CoverageRow {
    name: &'static str,
    checked: i64,
    not_checked: i64,
    /// 被平台拦截 3 次, …
    reasons: Vec<String>,
}

/// Early warnings and closing accounts shown on the overview (the lists link to all).
const DUE_SOON_ROWS: i64 = 10;
const WEEK_MS: i64 = 7 * 86_400_000;

#[derive(Serialize)]
struct DueRow {
    id: i64,
    rule: &'static str,
    account_id: i64,
    account: String,
    summary: String,
    deadline_ms: Option<i64>,
    /// Whole days from now to the deadline (0: today or past).
    days_left: Option<i64>,
}

#[derive(Serialize)]
struct ClosingRow {
    id: i64,
    name: String,
    platform: &'static str,
    owner_unit: String,
    closing_on: Option<String>,
}

/// One week of the trend chart, laid out (the SVG's numbers).
#[derive(Serialize)]
struct TrendBar {
    label: String,
    new: i64,
    resolved: i64,
    x: i64,
    new_y: i64,
    new_h: i64,
    resolved_y: i64,
    resolved_h: i64,
}

/// The chart's drawing area (SVG user units).
const CHART_LEFT: i64 = 40;
const CHART_TOP: i64 = 10;
const CHART_HEIGHT: i64 = 160;
const BAR_SLOT: i64 = 44;
const BAR_WIDTH: i64 = 16;

/// A round axis maximum at or above `n` (1, 2, 5 × 10^k).
fn axis_max(n: i64) -> i64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if m * step >= n.max(1) {
                return m * step;
            }
        }
        step *= 10;
    }
}

fn trend_bars(buckets: &[crate::store::TrendBucket]) -> (Vec<TrendBar>, i64) {
    let max = axis_max(buckets.iter().map(|b| b.new.max(b.resolved)).max().unwrap_or(0));
    let h = |n: i64| n * CHART_HEIGHT / max;
    let bars = buckets
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let x = CHART_LEFT + 6 + i as i64 * BAR_SLOT;
            let label = chrono::TimeZone::timestamp_millis_opt(&chrono::Utc, b.start_ms)
                .single()
                .map(|t| t.with_timezone(&chrono_tz::Asia::Shanghai).format("%-m/%-d").to_string())
                .unwrap_or_default();
            TrendBar {
                label,
                new: b.new,
                resolved: b.resolved,
                x,
                new_y: CHART_TOP + CHART_HEIGHT - h(b.new),
                new_h: h(b.new),
                resolved_y: CHART_TOP + CHART_HEIGHT - h(b.resolved),
                resolved_h: h(b.resolved),
            }
        })
        .collect();
    (bars, max)
}

/// `GET /`.
pub async fn show(State(state): State<AppState>, user: CurrentUser) -> WebResult<Response> {
    let now = state.now_ms();
    let counts = state.store.dashboard_counts(user.visibility(), now - 24 * 3_600_000).await?;

    let mut platforms: BTreeMap<Platform, PlatformRow> = BTreeMap::new();
    for (p, status, n) in &counts.accounts {
        let row = platforms.entry(*p).or_insert_with(|| PlatformRow {
            code: p.code(),
            name: p.display_name(),
            counts: vec![0; LifecycleStatus::ALL.len()],
            total: 0,
        });
        if let Some(i) = LifecycleStatus::ALL.iter().position(|s| s == status) {
            row.counts[i] += n;
        }
        row.total += n;
    }
    let statuses: Vec<(&str, &str)> = LifecycleStatus::ALL.iter().map(|s| (s.code(), s.display_name())).collect();
    let account_total: i64 = platforms.values().map(|r| r.total).sum();

    let mut rules: BTreeMap<_, RuleRow> = BTreeMap::new();
    for (rule, state_, n) in &counts.findings {
        let veto = rule.gravity() == Gravity::Veto;
        let row = rules.entry((!veto, rule.code())).or_insert_with(|| RuleRow {
            code: rule.code(),
            name: rule.display_name(),
            veto,
            open: 0,
            rectifying: 0,
            warning: 0,
        });
        match state_ {
            FindingState::Open => row.open += n,
            FindingState::Rectifying => row.rectifying += n,
            FindingState::Warning => row.warning += n,
            _ => {}
        }
    }

    let mut coverage: BTreeMap<Platform, (CoverageRow, BTreeMap<&'static str, i64>)> = BTreeMap::new();
    for (p, outcome, n) in &counts.observations {
        let (row, reasons) = coverage.entry(*p).or_insert_with(|| {
            (CoverageRow { name: p.display_name(), checked: 0, not_checked: 0, reasons: Vec::new() }, BTreeMap::new())
        });
        // What the platform answered (even "not found") is a check; the
        // rest is "could not check", never a violation.
        if outcome.is_platform_answer() {
            row.checked += n;
        } else {
            row.not_checked += n;
            *reasons.entry(outcome_zh(*outcome)).or_default() += n;
        }
    }
    let coverage: Vec<CoverageRow> = coverage
        .into_values()
        .map(|(mut row, reasons)| {
            row.reasons = reasons.into_iter().map(|(r, n)| format!("{r} {n} 次")).collect();
            row
        })
        .collect();

    let due = state.store.due_soon(user.visibility(), DUE_SOON_ROWS).await?;
    let ids: Vec<i64> = due.warnings.iter().map(|(f, _)| f.account_id).collect();
    let names = state.store.accounts_by_ids(&ids).await?;
    let due_rows: Vec<DueRow> = due
        .warnings
        .iter()
        .map(|(f, deadline)| DueRow {
            id: f.id,
            rule: f.rule.display_name(),
            account_id: f.account_id,
            account: names.get(&f.account_id).map(|a| a.spec.display_name.clone()).unwrap_or_default(),
            summary: f.summary_zh.clone(),
            deadline_ms: *deadline,
            days_left: deadline.map(|d| ((d - now) / 86_400_000).max(0)),
        })
        .collect();
    let closing_rows: Vec<ClosingRow> = due
        .closing
        .iter()
        .map(|a| ClosingRow {
            id: a.id,
            name: a.spec.display_name.clone(),
            platform: a.spec.platform.display_name(),
            owner_unit: a.spec.owner_unit.clone().unwrap_or_default(),
            closing_on: a.spec.closing_on.map(|d| d.to_string()),
        })
        .collect();

    // The quarter so far, week by week from its first day.
    let now_utc = chrono::TimeZone::timestamp_millis_opt(&chrono::Utc, now).single().unwrap_or_default();
    let quarter = crate::report::Quarter::of_instant(now_utc);
    let weeks = ((now.min(quarter.end_ms() - 1) - quarter.start_ms()) / WEEK_MS + 1).max(1) as usize;
    let trend = state.store.finding_trend(user.visibility(), quarter.start_ms(), WEEK_MS, weeks).await?;
    let (bars, trend_max) = trend_bars(&trend);
    let trend_new: i64 = trend.iter().map(|b| b.new).sum();
    let trend_resolved: i64 = trend.iter().map(|b| b.resolved).sum();

    view::page(
        &user,
        "dashboard",
        "web/dashboard.html",
        context! {
            title => "总览",
            statuses,
            platforms => Serde(platforms.into_values().collect::<Vec<_>>()),
            account_total,
            rules => Serde(rules.into_values().collect::<Vec<_>>()),
            coverage => Serde(coverage),
            now_ms => now,
            due => Serde(due_rows),
            due_total => due.warnings_total,
            closing => Serde(closing_rows),
            closing_total => due.closing_total,
            quarter => quarter.label_zh(),
            bars => Serde(bars),
            trend_new,
            trend_resolved,
            chart => context! {
                max => trend_max,
                // The middle line's value: 2.5 on an axis to 5.
                mid => if trend_max % 2 == 0 { (trend_max / 2).to_string() } else { format!("{}.5", trend_max / 2) },
                left => CHART_LEFT,
                top => CHART_TOP,
                bottom => CHART_TOP + CHART_HEIGHT,
                mid_y => CHART_TOP + CHART_HEIGHT / 2,
                width => CHART_LEFT + 12 + weeks as i64 * BAR_SLOT,
                height => CHART_TOP + CHART_HEIGHT + 30,
                bar => BAR_WIDTH,
            },
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::TrendBucket;

    #[test]
    fn the_chart_axis_is_round_and_bars_scale_to_it() {
        assert_eq!([axis_max(0), axis_max(1), axis_max(3), axis_max(7), axis_max(11), axis_max(200)], [1, 1, 5, 10, 20, 200]);
        let b = |new, resolved| TrendBucket { start_ms: 1_759_248_000_000, new, resolved };
        let (bars, max) = trend_bars(&[b(10, 0), b(5, 20)]);
        assert_eq!(max, 20);
        assert_eq!((bars[0].new_h, bars[0].new_y), (CHART_HEIGHT / 2, CHART_TOP + CHART_HEIGHT / 2));
        assert_eq!((bars[1].resolved_h, bars[1].resolved_y), (CHART_HEIGHT, CHART_TOP));
        assert_eq!(bars[0].resolved_h, 0);
        assert_eq!(bars[1].x - bars[0].x, BAR_SLOT);
        assert_eq!(bars[0].label, "10/1", "weeks start on Asia/Shanghai days");
    }
}
