//! Sessions and CSRF (one middleware for every request), and the
//! `CurrentUser` extractor with the role checks handlers call.
//!
//! The cookie carries a random token; the store keeps only its SHA-256.
//! Every request that changes something (anything but GET/HEAD) must carry
//! the session's CSRF token, as the hidden `csrf` field every form has or
//! the `X-CSRF-Token` header; `/login` has its own (double-submit) token
//! because there is no session yet.

use super::error::{WebError, WebResult};
use super::password::{constant_time_eq, token_digest};
use super::state::AppState;
use crate::store::{Role, Session, User, Visibility};
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "xunjian_session";
pub const LOGIN_CSRF_COOKIE: &str = "xunjian_login";
/// Forms are small; the body is read whole to find the token.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// The session a request came with, put in its extensions by [`session_layer`].
#[derive(Clone)]
struct Authed {
    user: User,
    session: Session,
    /// Opened by the trusted proxy's single sign-on header: the person has
    /// no password here to change.
    sso: bool,
}

/// The client's address as the listener saw it (empty in tests without a socket).
#[derive(Clone, Debug, Default)]
pub struct ClientAddr(pub String);

/// A cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// `Set-Cookie` for a cookie the page scripts never see and other sites
/// never send.
pub fn set_cookie(name: &str, value: &str, max_age_secs: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// Loads the session, checks CSRF on every change, records the address.
pub async fn session_layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let addr = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_default();
    req.extensions_mut().insert(ClientAddr(addr));
    if req.uri().path().starts_with(super::api::PREFIX) {
        // The API is authenticated by its Bearer token alone
        // (`api::ApiCaller`): no cookie is read there, so a page of another
        // site cannot act through a logged-in browser, and there is no CSRF
        // token to check.
        return next.run(req).await;
    }
    let mut authed = None;
    if let Some(token) = cookie(req.headers(), SESSION_COOKIE) {
        match state.store.session_user(&token_digest(token), state.wall_ms(), state.idle_ms()).await {
            Ok(found) => authed = found.map(|(session, user)| Authed { user, session, sso: false }),
            Err(e) => return WebError::from(e).into_response(),
        }
    }
    // Single sign-on: the trusted proxy names the person; a session of
    // anyone else (the proxy's user changed) is not used.
    let mut new_cookie = None;
    let peer = req.extensions().get::<ClientAddr>().map(|a| a.0.clone()).unwrap_or_default();
    if let Some(name) = state.config.sso_user(&peer, req.headers()) {
        if let Some(a) = authed.as_mut().filter(|a| a.user.username == name) {
            a.sso = true;
        } else {
            match sso_session(&state, &name, &peer).await {
                Ok((a, token)) => {
                    authed = Some(a);
                    new_cookie = Some(set_cookie(SESSION_COOKIE, &token, None, state.config.secure_cookies));
                }
                Err(e) => return e.into_response(),
            }
        }
    }
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD);
    if changes && req.uri().path() != "/login" {
        let Some(a) = &authed else {
            // The session ended (idle, logout elsewhere): log in again.
            return WebError::Login { next: "/".to_string() }.into_response();
        };
        let (parts, body) = req.into_parts();
        let upload = parts.uri.path() == super::registry::UPLOAD_PATH;
        // Only the office uploads: nobody else makes the server read a
        // file-sized body first (the handler checks the role again).
        if upload && !matches!(a.user.role, Role::Admin | Role::Staff) {
            return WebError::Forbidden.into_response();
        }
        let limit = if upload { state.upload_limit_bytes() } else { MAX_FORM_BYTES };
        let Ok(bytes) = to_bytes(body, limit).await else {
            return too_large(&state, upload).into_response();
        };
        let mut given = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| url::form_urlencoded::parse(&bytes).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned()));
        if given.is_none() && is_multipart(&parts.headers) {
            given = multipart_csrf(&parts, bytes.clone()).await;
        }
        if !given.is_some_and(|g| constant_time_eq(&g, &a.session.csrf_token)) {
            tracing::warn!(user = %a.user.username, path = %parts.uri.path(), "console: POST without a valid CSRF token refused");
            return WebError::Csrf.into_response();
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    if let Some(a) = authed {
        req.extensions_mut().insert(a);
    }
    let mut r = next.run(req).await;
    if let Some(c) = new_cookie.and_then(|c| axum::http::HeaderValue::from_str(&c).ok()) {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r
}

/// A new session for the person the single sign-on header names: an
/// existing, enabled user, or a refusal saying to ask for an account.
async fn sso_session(state: &AppState, name: &str, addr: &str) -> WebResult<(Authed, String)> {
    let user = state.store.find_user_by_name(name).await?.map(|(u, _)| u).filter(|u| !u.disabled);
    let Some(user) = user else {
        tracing::warn!(user = %name, "console: single sign-on for a user the console does not have (or disabled)");
        return Err(WebError::ForbiddenBecause(format!(
            "统一身份认证的用户「{name}」在巡检控制台中没有账号或已停用。请联系管理员开通（用户名须与统一身份认证一致）。"
        )));
    };
    let now = state.wall_ms();
    let token = super::password::new_token();
    let session = Session {
        token_sha256: token_digest(&token),
        user_id: user.id,
        csrf_token: super::password::new_token(),
        remote_addr: addr.to_string(),
        created_at_ms: now,
        last_seen_at_ms: now,
    };
    state.store.create_session(&session).await?;
    let entry = crate::store::NewAuditEntry {
        user_id: Some(user.id),
        username: &user.username,
        remote_addr: addr,
        action: "login",
        detail: "统一身份认证（可信反向代理）",
        ..Default::default()
    };
    state.store.record_audit(&entry, now).await?;
    Ok((Authed { user, session, sso: true }, token))
}

/// What a request over its body limit gets: for an upload, the limit the
/// office set (`[import] max_file_mb`), so the clerk knows what to do.
fn too_large(state: &AppState, upload: bool) -> WebError {
    if upload {
        let mb = state.loaded.as_ref().map(|l| l.config.import.max_file_mb).unwrap_or(20);
        WebError::TooLarge(format!(
            "上传的文件超过 {mb} MB 的导入上限（配置项 [import] max_file_mb）。台账通常不到 1 MB，请确认选对了文件，或拆分后分批导入。"
        ))
    } else {
        WebError::TooLarge("提交的内容太大。".to_string())
    }
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// The `csrf` field of a multipart form (an upload), read from a copy of
/// the body the handler gets whole afterwards. Forms put it first, so the
/// file after it is not parsed here.
async fn multipart_csrf(parts: &Parts, bytes: axum::body::Bytes) -> Option<String> {
    use axum::extract::FromRequest;
    let mut copy = Request::new(Body::from(bytes));
    *copy.headers_mut() = parts.headers.clone();
    let mut form = axum::extract::Multipart::from_request(copy, &()).await.ok()?;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("csrf") {
            return field.text().await.ok();
        }
    }
    None
}

/// The logged-in person. Handlers take it as an argument; without a
/// session the request goes to the login page and comes back after.
pub struct CurrentUser {
    pub user: User,
    pub csrf: String,
    pub session_digest: String,
    pub addr: String,
    /// The API token the request came with (`/api/v1`), named in the audit log.
    pub api_token: Option<(i64, String)>,
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let addr = parts.extensions.get::<ClientAddr>().cloned().unwrap_or_default().0;
        let Some(a) = parts.extensions.get::<Authed>() else {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/").to_string();
            return Err(WebError::Login { next });
        };
        if a.user.must_change_password && !a.sso && parts.uri.path() != "/password" && parts.uri.path() != "/logout" {
            return Err(WebError::Redirect("/password".to_string()));
        }
        Ok(CurrentUser {
            user: a.user.clone(),
            csrf: a.session.csrf_token.clone(),
            session_digest: a.session.token_sha256.clone(),
            addr,
            api_token: None,
        })
    }
}

impl CurrentUser {
    /// Which accounts the store may return for this person.
    pub fn visibility(&self) -> Visibility {
        if self.user.role.sees_everything() { Visibility::All } else { Visibility::ScopeOf(self.user.id) }
    }
    /// The office (administrator or staff): dismiss, mark, and later import and report.
    pub fn is_office(&self) -> bool {
        matches!(self.user.role, Role::Admin | Role::Staff)
    }
    /// Whether this person may change anything at all (not read-only).
    pub fn can_act(&self) -> bool {
        self.user.role != Role::ReadOnly
    }
    pub fn require_office(&self) -> WebResult<()> {
        if self.is_office() { Ok(()) } else { Err(WebError::Forbidden) }
    }
    /// The registry, reports and the outbox: the office and read-only
    /// leaders; a unit operator has no business there.
    pub fn require_sees_all(&self) -> WebResult<()> {
        if self.user.role.sees_everything() { Ok(()) } else { Err(WebError::Forbidden) }
    }
    pub fn require_admin(&self) -> WebResult<()> {
        if self.user.role == Role::Admin { Ok(()) } else { Err(WebError::Forbidden) }
    }
    pub fn require_unit(&self) -> WebResult<()> {
        if self.user.role == Role::Unit { Ok(()) } else { Err(WebError::Forbidden) }
    }
    /// The name actions are signed with: 张三（zhangsan）.
    pub fn signature(&self) -> String {
        if self.user.display_name.is_empty() || self.user.display_name == self.user.username {
            self.user.username.clone()
        } else {
            format!("{}（{}）", self.user.display_name, self.user.username)
        }
    }
    /// Refuses (404) an account this person may not see.
    pub async fn check_account(&self, state: &AppState, account_id: i64) -> WebResult<()> {
        if state.store.account_visible(account_id, self.visibility()).await? { Ok(()) } else { Err(WebError::NotFound) }
    }
}
