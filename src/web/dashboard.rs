//! 总览: accounts by platform and status, findings to deal with by rule
//! (veto items first), and the last 24 hours' coverage by reason.

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
        },
    )
}
