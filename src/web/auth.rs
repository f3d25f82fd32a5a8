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
    let mut authed = None;
    if let Some(token) = cookie(req.headers(), SESSION_COOKIE) {
        match state.store.session_user(&token_digest(token), state.wall_ms(), state.idle_ms()).await {
            Ok(found) => authed = found.map(|(session, user)| Authed { user, session }),
            Err(e) => return WebError::from(e).into_response(),
        }
    }
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD);
    if changes && req.uri().path() != "/login" {
        let Some(a) = &authed else {
            // The session ended (idle, logout elsewhere): log in again.
            return WebError::Login { next: "/".to_string() }.into_response();
        };
        let (parts, body) = req.into_parts();
        let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
            return WebError::BadRequest("提交的内容太大".to_string()).into_response();
        };
        let given = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| url::form_urlencoded::parse(&bytes).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned()));
        if !given.is_some_and(|g| constant_time_eq(&g, &a.session.csrf_token)) {
            tracing::warn!(user = %a.user.username, path = %parts.uri.path(), "console: POST without a valid CSRF token refused");
            return WebError::Csrf.into_response();
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    if let Some(a) = authed {
        req.extensions_mut().insert(a);
    }
    next.run(req).await
}

/// The logged-in person. Handlers take it as an argument; without a
/// session the request goes to the login page and comes back after.
pub struct CurrentUser {
    pub user: User,
    pub csrf: String,
    pub session_digest: String,
    pub addr: String,
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let addr = parts.extensions.get::<ClientAddr>().cloned().unwrap_or_default().0;
        let Some(a) = parts.extensions.get::<Authed>() else {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/").to_string();
            return Err(WebError::Login { next });
        };
        if a.user.must_change_password && parts.uri.path() != "/password" && parts.uri.path() != "/logout" {
            return Err(WebError::Redirect("/password".to_string()));
        }
        Ok(CurrentUser {
            user: a.user.clone(),
            csrf: a.session.csrf_token.clone(),
            session_digest: a.session.token_sha256.clone(),
            addr,
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
