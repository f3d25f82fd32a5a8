//! 登录, 退出, 修改密码.

use super::audit::audit;
use super::auth::{ClientAddr, CurrentUser, LOGIN_CSRF_COOKIE, SESSION_COOKIE, cookie, set_cookie};
use super::error::{WebError, WebResult, see_other};
use super::forms::{LoginForm, PasswordForm};
use super::password::{self, constant_time_eq, new_token, token_digest};
use super::state::AppState;
use super::view;
use crate::store::{NewAuditEntry, Session};
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

/// Failed logins per user name and address within [`THROTTLE_WINDOW_MS`]
/// before the next attempt is refused without looking at the password.
pub const MAX_FAILURES: i64 = 5;
pub const THROTTLE_WINDOW_MS: i64 = 15 * 60_000;

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

/// Only a path of this site: never an address elsewhere (open redirect).
fn local_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.starts_with("/login") {
        next.to_string()
    } else {
        "/".to_string()
    }
}

fn login_page(state: &AppState, status: StatusCode, username: &str, next: &str, error: Option<String>) -> Response {
    let token = new_token();
    let body = view::render_plain(
        "web/login.html",
        context! { title => "登录", username, next, error, login_csrf => token.clone() },
    );
    let body = match body {
        Ok(b) => b,
        Err(e) => return WebError::from(e).into_response(),
    };
    let mut r = (status, Html(body)).into_response();
    // The form's token, also in a cookie only this site sends: a login
    // posted from another site lacks one of the two.
    let c = set_cookie(LOGIN_CSRF_COOKIE, &token, Some(3600), state.config.secure_cookies);
    if let Ok(v) = HeaderValue::from_str(&c) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    view::no_store(r)
}

/// `GET /login`.
pub async fn show(State(state): State<AppState>, Query(q): Query<LoginQuery>) -> Response {
    login_page(&state, StatusCode::OK, "", &local_next(&q.next), None)
}

/// `POST /login`.
pub async fn check(
    State(state): State<AppState>,
    Extension(ClientAddr(addr)): Extension<ClientAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> WebResult<Response> {
    let next = local_next(&form.next);
    let username = form.username.trim();
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !constant_time_eq(expected, &form.csrf) {
        let msg = "登录页面已过期，请重新输入用户名和密码".to_string();
        return Ok(login_page(&state, StatusCode::FORBIDDEN, username, &next, Some(msg)));
    }
    let now = state.wall_ms();
    let (failures, last) = state.store.login_failures_since(username, &addr, now - THROTTLE_WINDOW_MS).await?;
    if failures >= MAX_FAILURES {
        let wait_min = ((last.unwrap_or(now) + THROTTLE_WINDOW_MS - now) / 60_000).max(1);
        let msg = format!("登录失败次数过多，请 {wait_min} 分钟后再试；忘记密码请联系系统管理员");
        return Ok(login_page(&state, StatusCode::TOO_MANY_REQUESTS, username, &next, Some(msg)));
    }
    let found = state.store.find_user_by_name(username).await?;
    let user = match found {
        Some((user, hash)) if !user.disabled && password::verify_password(&form.password, &hash) => user,
        Some((_, hash)) => {
            // A disabled user's password is still checked: same time, same answer.
            let _ = password::verify_password(&form.password, &hash);
            state.store.record_login_failure(username, &addr, now).await?;
            return Ok(login_page(&state, StatusCode::OK, username, &next, Some("用户名或密码不正确，或账号已停用".into())));
        }
        None => {
            password::verify_dummy(&form.password);
            state.store.record_login_failure(username, &addr, now).await?;
            return Ok(login_page(&state, StatusCode::OK, username, &next, Some("用户名或密码不正确，或账号已停用".into())));
        }
    };
    state.store.clear_login_failures(username, &addr).await?;
    // Sessions abandoned without logging out end here (a used one is
    // ended when it is next presented).
    state.store.delete_idle_sessions(now - state.idle_ms()).await?;
    let token = new_token();
    let session = Session {
        token_sha256: token_digest(&token),
        user_id: user.id,
        csrf_token: new_token(),
        remote_addr: addr.clone(),
        created_at_ms: now,
        last_seen_at_ms: now,
    };
    state.store.create_session(&session).await?;
    let entry = NewAuditEntry { user_id: Some(user.id), username: &user.username, remote_addr: &addr, action: "login", ..Default::default() };
    state.store.record_audit(&entry, now).await?;
    let to = if user.must_change_password { "/password".to_string() } else { next };
    let mut r = see_other(&to);
    let secure = state.config.secure_cookies;
    for c in [set_cookie(SESSION_COOKIE, &token, None, secure), set_cookie(LOGIN_CSRF_COOKIE, "", Some(0), secure)] {
        r.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&c).map_err(|e| WebError::Internal(e.to_string()))?);
    }
    Ok(r)
}

/// `POST /logout`.
pub async fn logout(State(state): State<AppState>, user: CurrentUser) -> WebResult<Response> {
    state.store.delete_session(&user.session_digest).await?;
    audit(&state, &user, "logout", "", "").await?;
    let mut r = see_other("/login");
    let c = set_cookie(SESSION_COOKIE, "", Some(0), state.config.secure_cookies);
    r.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&c).map_err(|e| WebError::Internal(e.to_string()))?);
    Ok(r)
}

/// `GET /password`.
pub async fn show_password(user: CurrentUser) -> WebResult<Response> {
    view::page(&user, "", "web/password.html", context! { title => "修改密码", error => None::<String>, forced => user.user.must_change_password, min => password::MIN_PASSWORD_CHARS })
}

/// `POST /password`: a new session comes with the new password (the store
/// ends every session of the user, this one included).
pub async fn change_password(State(state): State<AppState>, user: CurrentUser, Form(form): Form<PasswordForm>) -> WebResult<Response> {
    let error = |m: String| {
        view::page(&user, "", "web/password.html", context! { title => "修改密码", error => Some(m), forced => user.user.must_change_password, min => password::MIN_PASSWORD_CHARS })
    };
    let Some((_, hash)) = state.store.find_user_by_name(&user.user.username).await? else { return Err(WebError::NotFound) };
    if !password::verify_password(&form.current, &hash) {
        return error("当前密码不正确".to_string());
    }
    if form.new != form.confirm {
        return error("两次输入的新密码不一致".to_string());
    }
    if let Some(problem) = password::password_problem(&form.new, &user.user.username) {
        return error(problem);
    }
    if form.new == form.current {
        return error("新密码不能与当前密码相同".to_string());
    }
    let now = state.wall_ms();
    state.store.set_password_hash(user.user.id, &password::hash_password(&form.new), false, now).await?;
    audit(&state, &user, "user.password", &format!("user:{}", user.user.username), "本人修改密码").await?;
    let token = new_token();
    let session = Session {
        token_sha256: token_digest(&token),
        user_id: user.user.id,
        csrf_token: new_token(),
        remote_addr: user.addr.clone(),
        created_at_ms: now,
        last_seen_at_ms: now,
    };
    state.store.create_session(&session).await?;
    let mut r = see_other("/");
    let c = set_cookie(SESSION_COOKIE, &token, None, state.config.secure_cookies);
    r.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&c).map_err(|e| WebError::Internal(e.to_string()))?);
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::local_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(local_next("/findings?state=open"), "/findings?state=open");
        for bad in ["//evil.example/", "https://evil.example/", "/\\evil.example", "", "/login?next=/x"] {
            assert_eq!(local_next(bad), "/", "{bad}");
        }
    }
}
