//! 系统: the configuration in force (no secrets), each rule's citation as
//! `xunjian config check` prints it, the holiday calendar's years, the
//! daemon's health (its `/healthz`); for administrators the users (add,
//! disable, reset a password with a one-time password shown once) and the
//! audit log.

use super::audit::audit;
use super::auth::CurrentUser;
use super::error::{WebError, WebResult, see_other};
use super::forms::{NewUserForm, page_number};
use super::password;
use super::state::{AppState, ProbeKind};
use super::{Pager, view};
use crate::rules::CitationBasis;
use crate::store::{NewUser, Role, StoreError, User};
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Deserialize;

pub const AUDIT_PAGE_SIZE: i64 = 50;

/// Secrets by name: only whether each is set, never its value or origin.
const SECRETS: [&str; 8] = [
    "database-password",
    "smtp-password",
    "weibo-cookie",
    "wechat-mp-cookie",
    "wechat-mp-token",
    "wecom-webhook",
    "dingtalk-webhook",
    "dingtalk-secret",
];

fn breaker_zh(state: Option<&str>) -> &'static str {
    match state {
        Some("closed") => "正常",
        Some("open") => "熔断中（暂停访问）",
        Some("half_open" | "half-open") => "试探恢复中",
        _ => "—",
    }
}

/// The daemon's `/healthz`, for a person: overall state, reasons, per
/// platform, the outbox. `None` without a daemon in this process.
async fn health(state: &AppState) -> Option<Value> {
    let probe = state.probe.as_ref()?;
    let r = probe(ProbeKind::Health).await;
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_default();
    let status = body["status"].as_str().unwrap_or("unavailable");
    let platforms: Vec<Value> = body["platforms"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    let code = p["platform"].as_str().unwrap_or_default();
                    context! {
                        name => xunjian_adapters::model::Platform::from_code(code).map(|p| p.display_name()).unwrap_or(code),
                        accounts => p["accounts"].as_i64(),
                        never_checked => p["never_checked"].as_i64(),
                        last_check_failed => p["last_check_failed"].as_i64(),
                        not_checked_in_window => p["not_checked_in_window"].as_i64(),
                        last_answer => p["last_answer"].as_str().map(|s| s.chars().take(16).collect::<String>().replace('T', " ")),
                        breaker => breaker_zh(p["breaker"].as_str()),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Some(context! {
        ok => r.status == 200,
        status => match status { "ok" => "运行正常", "degraded" => "部分异常", _ => "不可用" },
        reasons => body["reasons"].as_array().map(|rs| rs.iter().filter_map(|r| r["message"].as_str().map(str::to_string)).collect::<Vec<_>>()).unwrap_or_default(),
        node => body["node"].as_str().map(str::to_string),
        last_check => body["last_check"].as_str().map(|s| s.chars().take(16).collect::<String>().replace('T', " ")),
        platforms,
        outbox_waiting => body["outbox"]["waiting"].as_i64(),
        outbox_given_up => body["outbox"]["given_up"].as_i64(),
    })
}

/// `GET /system`: configuration, citations, calendar, health.
pub async fn show(State(state): State<AppState>, user: CurrentUser) -> WebResult<Response> {
    user.require_sees_all()?;
    let loaded = state.loaded()?;
    let cfg = &loaded.config;
    let rules = cfg.rules.resolve().map_err(|e| WebError::BadRequest(format!("[rules] 设置有误：{e}")))?;
    let citations: Vec<Value> = rules
        .citations()
        .into_iter()
        .map(|(rule, on, c)| {
            context! {
                code => rule.code(),
                name => rule.display_name(),
                on,
                citation => c.to_string(),
                borrowed => on && c.basis == CitationBasis::Reference,
            }
        })
        .collect();
    let (years, calendar_error) = match loaded.calendar() {
        Ok(c) => (c.known_years(), None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let secrets: Vec<(&str, bool)> =
        SECRETS.iter().map(|n| (*n, matches!(crate::secrets::lookup(n), Ok(Some(_))))).collect();
    let settings = context! {
        office => cfg.general.office_name.clone(),
        source => match &loaded.source {
            crate::config::ConfigSource::File(p) => p.display().to_string(),
            crate::config::ConfigSource::Defaults => "（没有配置文件，使用默认设置）".to_string(),
        },
        data_dir => loaded.data_dir().display().to_string(),
        // Without its password (redact_url), as `config check` prints it.
        database => crate::store::redact_url(&loaded.database_url()),
        listen => cfg.daemon.listen.clone(),
        profile => cfg.rules.profile.code(),
        log_level => cfg.log.level.clone(),
        import_max_file_mb => cfg.import.max_file_mb,
        import_max_rows => cfg.import.max_rows,
        raw_capture_days => cfg.retention.raw_capture_days,
        finding_evidence_years => cfg.retention.finding_evidence_years,
        idle_minutes => state.config.idle_timeout_minutes,
        secure_cookies => state.config.secure_cookies,
        api_per_minute => state.config.api_requests_per_minute,
        report_out_dir => crate::report::default_out_dir(loaded).display().to_string(),
    };
    view::page(
        &user,
        "system",
        "web/system.html",
        context! {
            title => "系统",
            tab => "settings",
            settings,
            citations,
            years,
            calendar_error,
            secrets,
            health => health(&state).await,
        },
    )
}

fn user_row(u: &User, me: i64) -> Value {
    let scope = if u.role == Role::Unit {
        let mut parts = u.scope.units.clone();
        parts.extend(u.scope.account_ids.iter().map(|id| format!("账号#{id}")));
        if parts.is_empty() { "（无）".to_string() } else { parts.join("、") }
    } else {
        "全部".to_string()
    };
    context! {
        id => u.id,
        username => u.username.clone(),
        display_name => u.display_name.clone(),
        role => u.role.display_zh(),
        scope,
        disabled => u.disabled,
        must_change => u.must_change_password,
        me => u.id == me,
    }
}

/// What a users page shows after an action: a one-time password (once),
/// or why the action was refused.
#[derive(Default)]
struct UsersOutcome {
    one_time: Option<(String, String)>,
    error: Option<String>,
    form: Option<NewUserForm>,
}

async fn render_users(state: &AppState, user: &CurrentUser, outcome: UsersOutcome) -> WebResult<Response> {
    // An office has tens of users, not thousands: one list, no pages.
    let users: Vec<Value> = state.store.list_users().await?.iter().map(|u| user_row(u, user.user.id)).collect();
    let status = if outcome.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let form = outcome.form.unwrap_or_default();
    let mut r = view::page(
        user,
        "system",
        "web/system_users.html",
        context! {
            title => "用户",
            tab => "users",
            users,
            roles => Role::ALL.iter().map(|r| (r.code(), r.display_zh())).collect::<Vec<_>>(),
            one_time => outcome.one_time.map(|(u, p)| context! { username => u, password => p }),
            error => outcome.error,
            form => context! { username => form.username, display_name => form.display_name, role => form.role, units => form.units },
        },
    )?;
    *r.status_mut() = status;
    Ok(r)
}

/// `GET /system/users` (administrator).
pub async fn users(State(state): State<AppState>, user: CurrentUser) -> WebResult<Response> {
    user.require_admin()?;
    render_users(&state, &user, UsersOutcome::default()).await
}

/// `POST /system/users/add` (administrator): the new user's one-time
/// password is in this response only; it must be changed at first login.
pub async fn add_user(State(state): State<AppState>, user: CurrentUser, Form(form): Form<NewUserForm>) -> WebResult<Response> {
    user.require_admin()?;
    let valid = match form.validate() {
        Ok(v) => v,
        Err(m) => return render_users(&state, &user, UsersOutcome { error: Some(m), form: Some(form), ..Default::default() }).await,
    };
    let pw = password::one_time_password();
    let new = NewUser {
        username: valid.username.clone(),
        display_name: valid.display_name.clone(),
        role: valid.role,
        scope: valid.scope.clone(),
        password_hash: password::hash_password(&pw),
        must_change_password: true,
    };
    let created = match state.store.create_user(&new, state.wall_ms()).await {
        Ok(u) => u,
        Err(StoreError::Refused(m)) => {
            return render_users(&state, &user, UsersOutcome { error: Some(m), form: Some(form), ..Default::default() }).await;
        }
        Err(e) => return Err(e.into()),
    };
    let scope = if valid.scope.units.is_empty() { "全部".to_string() } else { valid.scope.units.join("、") };
    audit(&state, &user, "user.add", &format!("user:{}", created.username), &format!("{}；可见范围：{scope}", valid.role.display_zh())).await?;
    render_users(&state, &user, UsersOutcome { one_time: Some((created.username, pw)), ..Default::default() }).await
}

async fn target_user(state: &AppState, id: i64) -> WebResult<User> {
    state.store.get_user(id).await?.ok_or(WebError::NotFound)
}

/// `POST /system/users/{id}/reset` (administrator): a new one-time
/// password, shown once; the user's sessions end.
pub async fn reset_password(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    user.require_admin()?;
    let target = target_user(&state, id).await?;
    let pw = password::one_time_password();
    state.store.set_password_hash(target.id, &password::hash_password(&pw), true, state.wall_ms()).await?;
    audit(&state, &user, "user.password", &format!("user:{}", target.username), "控制台重设为一次性密码").await?;
    render_users(&state, &user, UsersOutcome { one_time: Some((target.username, pw)), ..Default::default() }).await
}

#[derive(Debug, Deserialize)]
pub struct DisableForm {
    /// `1` to disable, `0` to enable again.
    #[serde(default)]
    disabled: String,
}

/// `POST /system/users/{id}/disable` (administrator): disabled users'
/// sessions end at once; `disabled=0` enables again. Not oneself: the
/// last administrator could lock the office out.
pub async fn set_disabled(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Form(form): Form<DisableForm>) -> WebResult<Response> {
    user.require_admin()?;
    let target = target_user(&state, id).await?;
    let disable = form.disabled != "0";
    if disable && target.id == user.user.id {
        let error = Some("不能停用自己的账号".to_string());
        return render_users(&state, &user, UsersOutcome { error, ..Default::default() }).await;
    }
    match state.store.set_user_disabled(target.id, disable, state.wall_ms()).await {
        Ok(()) => {}
        Err(StoreError::Refused(m)) => return render_users(&state, &user, UsersOutcome { error: Some(m), ..Default::default() }).await,
        Err(e) => return Err(e.into()),
    }
    let action = if disable { "user.disable" } else { "user.enable" };
    audit(&state, &user, action, &format!("user:{}", target.username), "").await?;
    Ok(see_other("/system/users"))
}

/// What an audit-log action code means, for the office.
fn action_zh(action: &str) -> &'static str {
    match action {
        "login" => "登录",
        "logout" => "退出登录",
        "finding.dismiss" => "忽略问题",
        "finding.rectify" => "申报整改",
        "finding.mark" => "标记处置结果",
        "registry.import" => "导入台账",
        "notice.resend" => "重新发送通知",
        "notice.test" => "发送测试消息",
        "report.produce" => "生成通报",
        "user.add" => "新增用户",
        "user.password" => "修改或重设密码",
        "user.disable" => "停用用户",
        "user.enable" => "重新启用用户",
        _ => "其他",
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    page: String,
}

/// `GET /system/audit` (administrator): the audit log, newest first.
pub async fn audit_log(State(state): State<AppState>, user: CurrentUser, Query(q): Query<AuditQuery>) -> WebResult<Response> {
    user.require_admin()?;
    let page = page_number(&q.page);
    let total = state.store.count_audit().await?;
    let entries = state.store.list_audit(AUDIT_PAGE_SIZE, (page - 1) * AUDIT_PAGE_SIZE).await?;
    view::page(
        &user,
        "system",
        "web/system_audit.html",
        context! {
            title => "操作日志",
            tab => "audit",
            entries => entries.iter().map(|e| context! { action_zh => action_zh(&e.action), ..Value::from(Serde(e)) }).collect::<Vec<_>>(),
            pager => Serde(Pager::new("/system/audit", &[], page, AUDIT_PAGE_SIZE, total)),
        },
    )
}
