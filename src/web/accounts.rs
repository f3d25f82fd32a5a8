//! 账号: the list (filtered and paginated in SQL) and one account's page.

use super::auth::CurrentUser;
use super::error::{WebError, WebResult};
use super::forms::{AccountListQuery, page_number};
use super::state::AppState;
use super::view;
use super::{Pager, safe_url};
use crate::accounts::LifecycleStatus;
use crate::report::quarter::local_day;
use crate::rules::coverage::outcome_zh;
use crate::store::{AccountQuery, CheckDay, FindingQuery};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;
use serde::Serialize;
use xunjian_adapters::model::Platform;

pub const PAGE_SIZE: i64 = 50;
/// Days in the account page's coverage strip (and the API's `coverage`).
pub const STRIP_DAYS: u32 = 30;

/// One day of the coverage strip, as the page shows it.
#[derive(Serialize)]
pub(crate) struct StripCell {
    pub day: String,
    /// `none` (no check), `ok` (every check answered), `partial` (some
    /// could not check), `failed` (none could): a colour, never a verdict.
    pub class: &'static str,
    pub total: i64,
    pub checked: i64,
    pub not_checked: i64,
    /// `遇到验证码 3 次`, most frequent first.
    pub reasons: Vec<String>,
    /// The newest failure's detail, shortened (platform text: escaped by the template).
    pub detail: Option<String>,
    /// The whole day in one Chinese sentence (tooltip and screen readers).
    pub text: String,
}

/// The last [`STRIP_DAYS`] civil days (Asia/Shanghai) up to the day of `now_ms`.
pub(crate) async fn check_days(state: &AppState, account_id: i64) -> WebResult<Vec<CheckDay>> {
    let today = local_day(state.now_ms());
    let first = today - chrono::Days::new(u64::from(STRIP_DAYS - 1));
    Ok(state.store.account_check_days(account_id, first, STRIP_DAYS).await?)
}

pub(crate) fn strip_cell(d: &CheckDay) -> StripCell {
    let not_checked = d.not_checked_total();
    let class = match (d.checked, not_checked) {
        (0, 0) => "none",
        (_, 0) => "ok",
        (0, _) => "failed",
        _ => "partial",
    };
    let reasons: Vec<String> = d.not_checked.iter().map(|(o, n)| format!("{} {n} 次", outcome_zh(*o))).collect();
    let detail = d.last_detail.as_deref().map(|s| {
        let short: String = s.chars().take(120).collect();
        if s.chars().count() > 120 { format!("{short}……") } else { short }
    });
    let day = d.day.format("%Y-%m-%d").to_string();
    let mut text = if d.total() == 0 {
        format!("{day}：没有检查")
    } else {
        format!("{day}：检查 {} 次，成功 {} 次，未能检查 {not_checked} 次", d.total(), d.checked)
    };
    if !reasons.is_empty() {
        text.push_str(&format!("（{}）", reasons.join("、")));
    }
    if let Some(detail) = &detail {
        text.push_str(&format!("；最近一次：{detail}"));
    }
    StripCell { day, class, total: d.total(), checked: d.checked, not_checked, reasons, detail, text }
}

#[derive(Serialize)]
struct AccountRow {
    id: i64,
    name: String,
    platform: &'static str,
    platform_id: String,
    owner_unit: String,
    region: String,
    status: &'static str,
}

/// `GET /accounts`.
pub async fn list(State(state): State<AppState>, user: CurrentUser, Query(q): Query<AccountListQuery>) -> WebResult<Response> {
    let page = page_number(&q.page);
    let query = AccountQuery {
        name: Some(q.q.clone()),
        unit: Some(q.unit.clone()),
        platform: Platform::from_code(q.platform.trim()),
        status: LifecycleStatus::from_code(q.status.trim()),
        include_retired: false,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
    };
    let (accounts, total) = state.store.search_accounts(&query, user.visibility()).await?;
    let rows: Vec<AccountRow> = accounts
        .into_iter()
        .map(|a| AccountRow {
            id: a.id,
            name: a.spec.display_name,
            platform: a.spec.platform.display_name(),
            platform_id: a.spec.platform_id,
            owner_unit: a.spec.owner_unit.unwrap_or_default(),
            region: a.spec.region.unwrap_or_default(),
            status: a.spec.status.display_name(),
        })
        .collect();
    let params = [("q", q.q.as_str()), ("unit", q.unit.as_str()), ("platform", q.platform.as_str()), ("status", q.status.as_str())];
    view::page(
        &user,
        "accounts",
        "web/accounts.html",
        context! {
            title => "账号",
            rows => Serde(rows),
            total,
            pager => Serde(Pager::new("/accounts", &params, page, PAGE_SIZE, total)),
            q => q.q, unit => q.unit, platform => q.platform, status => q.status,
            platforms => Platform::ALL.iter().map(|p| (p.code(), p.display_name())).collect::<Vec<_>>(),
            statuses => LifecycleStatus::ALL.iter().map(|s| (s.code(), s.display_name())).collect::<Vec<_>>(),
        },
    )
}

/// `GET /accounts/{id}`: a unit operator gets 404 for another unit's account.
pub async fn show(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    user.check_account(&state, id).await?;
    let account = state.store.get_account(id).await?.ok_or(WebError::NotFound)?;
    let retired = state.store.is_retired(id).await?;
    let profiles: Vec<_> = state
        .store
        .profile_history(id, 20)
        .await?
        .into_iter()
        .map(|p| {
            context! {
                at_ms => p.observed_at_ms,
                name => p.profile.display_name,
                verified => match p.profile.verified { Some(true) => "已认证", Some(false) => "未认证", None => "平台未显示" },
                entity => p.profile.verified_entity.unwrap_or_default(),
                followers => p.profile.followers,
            }
        })
        .collect();
    let posts: Vec<_> = state
        .store
        .latest_posts(id, 20, true)
        .await?
        .into_iter()
        .map(|p| {
            let text: String = p.post.text.chars().take(140).collect();
            context! {
                at_ms => p.post.published_at.timestamp_millis(),
                text,
                more => p.post.text.chars().count() > 140,
                original => p.post.is_original,
                pinned => p.post.is_pinned,
                url => p.post.url.as_deref().and_then(safe_url),
            }
        })
        .collect();
    let fq = FindingQuery { account_id: Some(id), limit: 100, ..Default::default() };
    let (findings, _) = state.store.search_findings(&fq, user.visibility()).await?;
    let findings: Vec<_> = findings.iter().map(super::findings::finding_row_plain).collect();
    let history: Vec<_> = state
        .store
        .account_history(id)
        .await?
        .into_iter()
        .rev()
        .take(50)
        .map(|(at_ms, change, source)| {
            context! { at_ms, field => change.label(), old => change.old, new => change.new, source }
        })
        .collect();
    let strip: Vec<StripCell> = check_days(&state, id).await?.iter().map(strip_cell).collect();
    let strip_summary = context! {
        ok => strip.iter().filter(|c| c.class == "ok").count(),
        partial => strip.iter().filter(|c| c.class == "partial").count(),
        failed => strip.iter().filter(|c| c.class == "failed").count(),
        none => strip.iter().filter(|c| c.class == "none").count(),
    };
    let s = &account.spec;
    view::page(
        &user,
        "accounts",
        "web/account.html",
        context! {
            title => s.display_name.clone(),
            account => context! {
                id => account.id,
                name => s.display_name.clone(),
                platform => s.platform.display_name(),
                platform_id => s.platform_id.clone(),
                profile_url => s.profile_url.as_deref().and_then(safe_url),
                owner_unit => s.owner_unit.clone(),
                supervising_unit => s.supervising_unit.clone(),
                region => s.region.clone(),
                status => s.status.display_name(),
                retired,
                is_source => s.is_source,
                contact_name => s.contact_name.clone(),
                opened_on => s.opened_on.map(|d| d.to_string()),
            },
            strip => Serde(strip),
            strip_summary,
            strip_days => STRIP_DAYS,
            profiles,
            posts,
            findings,
            history,
        },
    )
}
