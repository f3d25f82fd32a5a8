//! The office console: server-rendered pages in Chinese over the store,
//! served by `xunjian run` on its listener beside `/healthz` and
//! `/metrics`.
//!
//! A view over the store API the CLI uses: no SQL here, no rule logic.
//! Every handler parses, checks the role, calls the store, renders (or
//! redirects after a change, which it writes to the audit log). A unit
//! operator's scope is applied by the store's queries ([`Visibility`]); an
//! account, finding or capture outside it is 404, whatever the URL.
//!
//! Layers, outermost first: request timeout, security headers, session +
//! CSRF ([`auth::session_layer`], which reads a changing request's body
//! within its route's limit), then each route's body limit: a form's, or
//! `[import] max_file_mb` for the registry upload alone.
//!
//! [`Visibility`]: crate::store::Visibility

mod accounts;
mod api;
mod assets;
mod audit;
mod auth;
mod dashboard;
mod error;
mod evidence;
mod findings;
mod forms;
mod login;
mod notices;
pub mod password;
mod registry;
mod reports;
mod serve;
mod state;
mod system;
mod throttle;
mod tokens;
mod view;

pub use auth::{LOGIN_CSRF_COOKIE, SESSION_COOKIE};
pub use login::{MAX_FAILURES, THROTTLE_WINDOW_MS};
pub use serve::serve;
pub use state::{AppState, BoxFuture, ConsoleConfig, PlainResponse, Probe, ProbeKind};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// A request (body included) gets this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Every URL of the console, in one place.
pub fn router(state: AppState) -> Router {
    // The one route that takes a file: its body may be as large as an
    // import may be (`[import] max_file_mb`); every other a form's. The
    // session layer reads bodies with the same limits (auth::session_layer).
    let upload = Router::new()
        .route(registry::UPLOAD_PATH, post(registry::upload))
        .layer(DefaultBodyLimit::max(state.upload_limit_bytes()));
    Router::new()
        // Probes (no login): the scraper's and systemd's.
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/static/{version}/{name}", get(assets::show))
        // 登录
        .route("/login", get(login::show).post(login::check))
        .route("/logout", post(login::logout))
        .route("/password", get(login::show_password).post(login::change_password))
        // 总览
        .route("/", get(dashboard::show))
        // 账号
        .route("/accounts", get(accounts::list))
        .route("/accounts/{id}", get(accounts::show))
        // 问题
        .route("/findings", get(findings::list))
        .route("/findings/{id}", get(findings::show))
        .route("/findings/{id}/dismiss", post(findings::dismiss))
        .route("/findings/{id}/rectify", post(findings::rectify))
        .route("/findings/{id}/mark", post(findings::mark))
        // 证据
        .route("/findings/{id}/evidence/{sha256}", get(evidence::show))
        .route("/findings/{id}/evidence/{sha256}/raw", get(evidence::raw))
        .route("/findings/{id}/evidence.zip", get(evidence::zip))
        // 台账 (the upload's route is above)
        .route("/registry", get(registry::show))
        .route("/registry/preview/{token}", get(registry::preview))
        .route("/registry/confirm/{token}", post(registry::confirm))
        .route("/registry/cancel/{token}", post(registry::cancel))
        .route("/registry/export/{format}", get(registry::export))
        // 通知
        .route("/notices", get(notices::list))
        .route("/notices/test", post(notices::test))
        .route("/notices/{id}/resend", post(notices::resend))
        // 通报
        .route("/reports", get(reports::list))
        .route("/reports/produce", post(reports::produce))
        .route("/reports/download/{name}", get(reports::download))
        // 系统
        .route("/system", get(system::show))
        .route("/system/users", get(system::users))
        .route("/system/users/add", post(system::add_user))
        .route("/system/users/{id}/reset", post(system::reset_password))
        .route("/system/users/{id}/disable", post(system::set_disabled))
        .route("/system/audit", get(system::audit_log))
        // API 令牌 (each person's own)
        .route("/tokens", get(tokens::list))
        .route("/tokens/add", post(tokens::add))
        .route("/tokens/{id}/revoke", post(tokens::revoke))
        // /api/v1: the same reads and actions as JSON, by Bearer token (api.rs)
        .route("/api/v1/accounts", get(api::accounts))
        .route("/api/v1/accounts/{id}", get(api::account))
        .route("/api/v1/findings", get(api::findings))
        .route("/api/v1/findings/{id}", get(api::finding))
        .route("/api/v1/findings/{id}/dismiss", post(api::dismiss))
        .route("/api/v1/findings/{id}/rectify", post(api::rectify))
        .route("/api/v1/findings/{id}/mark", post(api::mark))
        .route("/api/v1/findings/{id}/evidence.zip", get(api::evidence_zip_download))
        .route("/api/v1/findings/{id}/evidence/{sha256}", get(api::evidence))
        .route("/api/v1/findings/{id}/evidence/{sha256}/raw", get(api::evidence_raw))
        .route("/api/v1/reports", get(api::reports))
        .route("/api/{*rest}", get(api::not_found).post(api::not_found))
        .layer(RequestBodyLimitLayer::new(auth::MAX_FORM_BYTES))
        .merge(upload)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), auth::session_layer))
        .layer(middleware::from_fn(security_headers))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .with_state(state)
}

async fn not_found() -> error::WebError {
    error::WebError::NotFound
}

fn plain(r: PlainResponse) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = (status, r.body).into_response();
    out.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(r.content_type));
    out.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    out
}

async fn probe(state: &AppState, kind: ProbeKind) -> Response {
    match &state.probe {
        Some(p) => plain(p(kind).await),
        None => plain(PlainResponse::text(404, "no daemon in this process\n")),
    }
}

async fn healthz(State(state): State<AppState>) -> Response {
    probe(&state, ProbeKind::Health).await
}

async fn metrics(State(state): State<AppState>) -> Response {
    probe(&state, ProbeKind::Metrics).await
}

/// On every response: nothing from elsewhere, no framing, no sniffing, no
/// referrer (URLs carry account names).
async fn security_headers(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            ),
        );
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    r
}

/// An address from platform content, for a link: only http(s). Anything
/// else (`javascript:`, `data:`) is shown as text, never linked.
pub(crate) fn safe_url(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

/// A list's page links, keeping its filters.
#[derive(Debug, Serialize)]
pub(crate) struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub first_row: i64,
    pub last_row: i64,
}

impl Pager {
    pub fn new(path: &str, params: &[(&str, &str)], page: i64, size: i64, total: i64) -> Pager {
        let pages = ((total + size - 1) / size).max(1);
        let link = |p: i64| {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in params.iter().filter(|(_, v)| !v.trim().is_empty()) {
                q.append_pair(k, v.trim());
            }
            q.append_pair("page", &p.to_string());
            format!("{path}?{}", q.finish())
        };
        Pager {
            page,
            pages,
            total,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
            first_row: if total == 0 { 0 } else { (page - 1) * size + 1 },
            last_row: (page * size).min(total),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_addresses_become_links() {
        assert_eq!(safe_url("https://m.weibo.cn/u/1").as_deref(), Some("https://m.weibo.cn/u/1"));
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url("data:text/html,<script>"), None);
        assert_eq!(safe_url("not a url"), None);
    }

    #[test]
    fn pages_keep_their_filters() {
        let p = Pager::new("/accounts", &[("q", "发布"), ("unit", "")], 2, 50, 120);
        assert_eq!((p.pages, p.first_row, p.last_row), (3, 51, 100));
        assert_eq!(p.prev.as_deref(), Some("/accounts?q=%E5%8F%91%E5%B8%83&page=1"));
        assert_eq!(p.next.as_deref(), Some("/accounts?q=%E5%8F%91%E5%B8%83&page=3"));
        assert!(Pager::new("/x", &[], 1, 50, 0).next.is_none());
    }
}
