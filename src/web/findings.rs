//! 问题: the list, one finding's page, and the actions a role allows —
//! dismiss (office), declare rectification (the unit), mark a third-party
//! finding (office). Each goes through the store function the CLI uses and
//! is written to the audit log.

use super::audit::audit;
use super::auth::CurrentUser;
use super::error::{WebError, WebResult, see_other};
use super::forms::{DismissForm, FindingListQuery, MarkForm, RectifyForm, page_number};
use super::state::AppState;
use super::view;
use super::{Pager, safe_url};
use crate::notify::plan::event_zh;
use crate::rules::{FindingKind, Gravity, RuleId};
use crate::store::{FindingQuery, FindingState, NoticeState, StoredFinding, ThirdPartyMark};
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use minijinja::value::Serde;
use minijinja::{Value, context};

pub const PAGE_SIZE: i64 = 50;

/// A finding as a list row (the account's name is added by the caller).
pub(super) fn finding_row_plain(f: &StoredFinding) -> Value {
    context! {
        id => f.id,
        rule => f.rule.display_name(),
        veto => f.rule.gravity() == Gravity::Veto,
        state => f.state.display_zh(),
        state_code => f.state.code(),
        summary => f.summary_zh.clone(),
        since_ms => f.state_since_ms,
    }
}

fn kind_code(k: FindingKind) -> &'static str {
    k.code()
}

/// `GET /findings`.
pub async fn list(State(state): State<AppState>, user: CurrentUser, Query(q): Query<FindingListQuery>) -> WebResult<Response> {
    let page = page_number(&q.page);
    let kinds = [FindingKind::State, FindingKind::Event, FindingKind::ThirdParty];
    let query = FindingQuery {
        rule: RuleId::from_code(q.rule.trim()),
        state: FindingState::from_code(q.state.trim()),
        kind: kinds.into_iter().find(|k| kind_code(*k) == q.kind.trim()),
        unit: Some(q.unit.clone()),
        account_id: None,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
    };
    let (findings, total) = state.store.search_findings(&query, user.visibility()).await?;
    let ids: Vec<i64> = findings.iter().map(|f| f.account_id).collect();
    let accounts = state.store.accounts_by_ids(&ids).await?;
    let rows: Vec<Value> = findings
        .iter()
        .map(|f| {
            let a = accounts.get(&f.account_id);
            context! {
                account_id => f.account_id,
                account => a.map(|a| a.spec.display_name.clone()).unwrap_or_default(),
                platform => a.map(|a| a.spec.platform.display_name()).unwrap_or_default(),
                unit => a.and_then(|a| a.spec.owner_unit.clone()).unwrap_or_default(),
                ..finding_row_plain(f)
            }
        })
        .collect();
    let params = [("rule", q.rule.as_str()), ("state", q.state.as_str()), ("kind", q.kind.as_str()), ("unit", q.unit.as_str())];
    view::page(
        &user,
        "findings",
        "web/findings.html",
        context! {
            title => "问题",
            rows,
            total,
            pager => Serde(Pager::new("/findings", &params, page, PAGE_SIZE, total)),
            rule => q.rule, state => q.state, kind => q.kind, unit => q.unit,
            rules => RuleId::ALL.iter().map(|r| (r.code(), r.display_name())).collect::<Vec<_>>(),
            states => FindingState::ALL.iter().map(|s| (s.code(), s.display_zh())).collect::<Vec<_>>(),
            kinds => kinds.iter().map(|k| (k.code(), k.display_zh())).collect::<Vec<_>>(),
        },
    )
}

/// The finding, if this person may see its account; 404 otherwise.
pub(super) async fn visible_finding(state: &AppState, user: &CurrentUser, id: i64) -> WebResult<StoredFinding> {
    let f = state.store.get_finding(id).await?.ok_or(WebError::NotFound)?;
    user.check_account(state, f.account_id).await?;
    Ok(f)
}

fn notice_state_zh(s: NoticeState) -> &'static str {
    match s {
        NoticeState::Pending => "待发送",
        NoticeState::Batched => "已并入汇总",
        NoticeState::Sending => "发送中",
        NoticeState::Sent => "已发送",
        NoticeState::Failed => "发送失败",
        NoticeState::Cancelled => "已撤销",
    }
}

/// What this person may do with this finding now (the store refuses the
/// rest anyway; the page only hides what would be refused).
struct Actions {
    dismiss: bool,
    rectify: bool,
    mark: bool,
}

fn actions(user: &CurrentUser, f: &StoredFinding) -> Actions {
    Actions {
        dismiss: user.is_office() && !matches!(f.state, FindingState::Dismissed | FindingState::Closed),
        rectify: user.user.role == crate::store::Role::Unit && f.kind() == FindingKind::State && f.state == FindingState::Open,
        mark: user.is_office() && f.kind() == FindingKind::ThirdParty && f.state != FindingState::Closed,
    }
}

async fn render_finding(state: &AppState, user: &CurrentUser, f: StoredFinding, error: Option<String>) -> WebResult<Response> {
    let account = state.store.get_account(f.account_id).await?.ok_or(WebError::NotFound)?;
    let events: Vec<Value> = state
        .store
        .finding_events(f.id)
        .await?
        .into_iter()
        .map(|e| {
            context! {
                at_ms => e.at_ms,
                what => event_zh(e.kind),
                to => e.to_state.display_zh(),
                summary => e.summary_zh,
                actor => e.actor,
                note => e.note,
                link => e.link.as_deref().and_then(safe_url),
            }
        })
        .collect();
    let notices: Vec<Value> = state
        .store
        .notices_for_finding(f.id)
        .await?
        .into_iter()
        .map(|n| {
            context! {
                created_ms => n.created_at_ms,
                channel => n.channel.code(),
                recipients => n.recipients.join("，"),
                state => notice_state_zh(n.state),
                sent_ms => n.sent_at_ms,
                error => n.last_error,
            }
        })
        .collect();
    let evidence: Vec<Value> = f
        .evidence
        .iter()
        .map(|e| {
            context! {
                label => e.label.clone(),
                // The page a person opens (post, account page); the API
                // address of the capture only when there is none.
                url => e.page_url.as_deref().or(e.url.as_deref()).and_then(safe_url),
                url_text => e.page_url.clone().or_else(|| e.url.clone()),
                at_ms => e.at_ms,
                sha256 => e.sha256.clone(),
            }
        })
        .collect();
    let can = actions(user, &f);
    view::page(
        user,
        "findings",
        "web/finding.html",
        context! {
            title => format!("问题 #{}", f.id),
            error,
            f => context! {
                id => f.id,
                rule => f.rule.display_name(),
                veto => f.rule.gravity() == Gravity::Veto,
                kind => f.kind().display_zh(),
                state => f.state.display_zh(),
                state_code => f.state.code(),
                since_ms => f.state_since_ms,
                summary => f.summary_zh.clone(),
                citation => f.citation_display(),
                subject => f.subject.clone(),
                first_seen_ms => f.first_seen_at_ms,
                last_seen_ms => f.last_seen_at_ms,
                not_checked_reason => f.not_checked_reason.clone(),
                dismissed_reason => f.dismissed_reason.clone(),
                dismissed_by => f.dismissed_by.clone(),
                rectify_note => f.rectify_note.clone(),
                rectify_link => f.rectify_link.as_deref().and_then(safe_url),
                rectify_by => f.rectify_by.clone(),
                rectify_at_ms => f.rectify_at_ms,
                rectify_outcome => f.rectify_outcome_zh(),
                mark => f.mark.map(ThirdPartyMark::display_zh),
                mark_note => f.mark_note.clone(),
                marked_by => f.marked_by.clone(),
            },
            account => context! {
                id => account.id,
                name => account.spec.display_name.clone(),
                platform => account.spec.platform.display_name(),
                owner_unit => account.spec.owner_unit.clone(),
            },
            evidence,
            events,
            notices,
            can_dismiss => can.dismiss,
            can_rectify => can.rectify,
            can_mark => can.mark,
            marks => ThirdPartyMark::ALL.iter().map(|m| (m.code(), m.display_zh())).collect::<Vec<_>>(),
        },
    )
}

/// `GET /findings/{id}`.
pub async fn show(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    let f = visible_finding(&state, &user, id).await?;
    render_finding(&state, &user, f, None).await
}

/// Re-renders the finding with the reason the action was refused.
async fn refused(state: &AppState, user: &CurrentUser, id: i64, message: String) -> WebResult<Response> {
    let f = visible_finding(state, user, id).await?;
    let mut r = render_finding(state, user, f, Some(message)).await?;
    *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

/// An action on a finding that did not happen: refused for a reason the
/// person can act on (the page shows it, the API answers 422), or an error.
pub(super) enum ActionError {
    Refused(String),
    Web(WebError),
}

impl From<WebError> for ActionError {
    fn from(e: WebError) -> Self {
        ActionError::Web(e)
    }
}

impl From<crate::store::StoreError> for ActionError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::Refused(m) => ActionError::Refused(m),
            other => ActionError::Web(other.into()),
        }
    }
}

/// Dismisses (office; a reason is required), through the store function
/// the CLI uses, and audits it. Shared by the page and `/api/v1`.
pub(super) async fn apply_dismiss(state: &AppState, user: &CurrentUser, id: i64, form: &DismissForm) -> Result<(), ActionError> {
    visible_finding(state, user, id).await?;
    user.require_office()?;
    let reason = form.validate().map_err(ActionError::Refused)?;
    state.store.dismiss_finding(id, reason, &user.signature(), state.now_ms()).await?;
    audit(state, user, "finding.dismiss", &format!("finding:{id}"), reason).await?;
    Ok(())
}

/// Declares rectification (the unit operator): 整改说明 + optional link.
pub(super) async fn apply_rectify(state: &AppState, user: &CurrentUser, id: i64, form: &RectifyForm) -> Result<(), ActionError> {
    visible_finding(state, user, id).await?;
    user.require_unit()?;
    let (note, link) = form.validate().map_err(ActionError::Refused)?;
    state.store.rectify_finding(id, &user.signature(), note, link, state.now_ms()).await?;
    let detail = match link {
        Some(l) => format!("{note}（{l}）"),
        None => note.to_string(),
    };
    audit(state, user, "finding.rectify", &format!("finding:{id}"), &detail).await?;
    Ok(())
}

/// Marks a third-party finding (office): 已举报 / 已核实非假冒 / 已纳入台账.
pub(super) async fn apply_mark(state: &AppState, user: &CurrentUser, id: i64, form: &MarkForm) -> Result<(), ActionError> {
    visible_finding(state, user, id).await?;
    user.require_office()?;
    let mark = ThirdPartyMark::from_code(&form.mark).ok_or_else(|| ActionError::Refused("请选择处置结果".to_string()))?;
    let note = Some(form.note.trim()).filter(|n| !n.is_empty());
    state.store.mark_finding(id, mark, &user.signature(), note, state.now_ms()).await?;
    let detail = match note {
        Some(n) => format!("{}：{n}", mark.display_zh()),
        None => mark.display_zh().to_string(),
    };
    audit(state, user, "finding.mark", &format!("finding:{id}"), &detail).await?;
    Ok(())
}

/// The page's answer to an action: back to the finding, or the finding
/// again with the reason it was refused.
async fn after_action(state: &AppState, user: &CurrentUser, id: i64, done: Result<(), ActionError>) -> WebResult<Response> {
    match done {
        Ok(()) => Ok(see_other(&format!("/findings/{id}"))),
        Err(ActionError::Refused(m)) => refused(state, user, id, m).await,
        Err(ActionError::Web(e)) => Err(e),
    }
}

/// `POST /findings/{id}/dismiss` (office).
pub async fn dismiss(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Form(form): Form<DismissForm>) -> WebResult<Response> {
    let done = apply_dismiss(&state, &user, id, &form).await;
    after_action(&state, &user, id, done).await
}

/// `POST /findings/{id}/rectify` (the unit operator).
pub async fn rectify(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Form(form): Form<RectifyForm>) -> WebResult<Response> {
    let done = apply_rectify(&state, &user, id, &form).await;
    after_action(&state, &user, id, done).await
}

/// `POST /findings/{id}/mark` (office).
pub async fn mark(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Form(form): Form<MarkForm>) -> WebResult<Response> {
    let done = apply_mark(&state, &user, id, &form).await;
    after_action(&state, &user, id, done).await
}
