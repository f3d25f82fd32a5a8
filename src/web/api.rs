//! `/api/v1`: the console's reads and actions as JSON, for the office's
//! other systems, with per-user tokens (`Authorization: Bearer xjt_…`).
//!
//! A token acts as its user: the same role checks and the same unit scope
//! as the pages, through the same functions (an account, finding or
//! capture outside a unit operator's scope is 404, as on the pages). Every
//! action goes through the store function the page uses and is written to
//! the audit log with the token's number and name. Tokens are made and
//! revoked on the 「API 令牌」 page or with `xunjian users token`.

use super::auth::{ClientAddr, CurrentUser};
use super::error::WebError;
use super::evidence::{cited, evidence_zip, raw_download, zip_download};
use super::findings::{ActionError, apply_dismiss, apply_mark, apply_rectify, visible_finding};
use super::forms::{DismissForm, MarkForm, RectifyForm};
use super::login::{MAX_FAILURES, THROTTLE_WINDOW_MS};
use super::password::token_digest;
use super::reports::{list_files, reports_dir};
use super::state::AppState;
use crate::accounts::{Account, LifecycleStatus};
use crate::rules::coverage::outcome_zh;
use crate::rules::{FindingKind, RuleId};
use crate::store::{AccountQuery, FindingQuery, FindingState, StoreError, StoredFinding};
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use xunjian_adapters::model::Platform;

/// Every API path starts with this (the session layer leaves them alone).
pub const PREFIX: &str = "/api/";
/// The failed-login name wrong API tokens are counted under (user names
/// are letters, digits and `._-`: no user has it).
const TOKEN_FAILURE_NAME: &str = "api token";
/// A list's default and largest page.
const PER_PAGE: i64 = 50;
const MAX_PER_PAGE: i64 = 200;

/// What an API call can end in besides its answer: a JSON body
/// `{"error": code, "message": 中文说明}` with the status.
pub enum ApiError {
    /// No token, an unknown or revoked one, or its user is disabled.
    Unauthorized,
    Web(WebError),
    /// The action was refused for a reason the caller can act on (422).
    Refused(String),
    /// Too many requests (429): try again in this many seconds.
    TooMany { retry_after_s: u64, message: String },
}

impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        ApiError::Web(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Web(e.into())
    }
}

impl From<ActionError> for ApiError {
    fn from(e: ActionError) -> Self {
        match e {
            ActionError::Refused(m) => ApiError::Refused(m),
            ActionError::Web(w) => ApiError::Web(w),
        }
    }
}

type ApiResult<T> = Result<T, ApiError>;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "需要有效的 API 令牌（请求头 Authorization: Bearer 令牌）；令牌可能已撤销，或其用户已停用".to_string(),
            ),
            ApiError::Refused(m) => (StatusCode::UNPROCESSABLE_ENTITY, "refused", m),
            ApiError::TooMany { retry_after_s, message } => {
                let mut r = json_response(StatusCode::TOO_MANY_REQUESTS, &json!({ "error": "too_many_requests", "message": message, "retry_after_s": retry_after_s }));
                r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
                return r;
            }
            ApiError::Web(e) => match e {
                WebError::NotFound => (StatusCode::NOT_FOUND, "not_found", "没有这条记录，或者您没有查看它的权限".to_string()),
                WebError::Forbidden => (StatusCode::FORBIDDEN, "forbidden", "这个令牌的用户没有进行这项操作的权限".to_string()),
                WebError::ForbiddenBecause(m) => (StatusCode::FORBIDDEN, "forbidden", m),
                WebError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m),
                WebError::TooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large", m),
                // Neither happens without a session; answered as what they mean here.
                WebError::Csrf | WebError::Login { .. } | WebError::Redirect(_) => {
                    (StatusCode::UNAUTHORIZED, "unauthorized", "需要有效的 API 令牌".to_string())
                }
                WebError::Internal(e) => {
                    tracing::error!(error = %e, "console API: internal error");
                    (StatusCode::INTERNAL_SERVER_ERROR, "internal", "系统暂时无法完成这个请求，请稍后再试".to_string())
                }
            },
        };
        let mut r = json_response(status, &json!({ "error": code, "message": message }));
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"xunjian\""));
        }
        r
    }
}

fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{\"error\":\"internal\"}".to_vec());
    let mut r = (status, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn ok<T: Serialize>(value: &T) -> ApiResult<Response> {
    Ok(json_response(StatusCode::OK, value))
}

/// The token's user, as a [`CurrentUser`] the pages' checks take.
pub struct ApiCaller(pub CurrentUser);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::Unauthorized)?;
        let addr = parts.extensions.get::<ClientAddr>().cloned().unwrap_or_default().0;
        let now = state.wall_ms();
        // Wrong tokens are counted per address as failed logins are (in the
        // store, so every daemon sees them), under a name no user can have.
        let (failures, last) = state.store.count_login_failures(TOKEN_FAILURE_NAME, &addr, now - THROTTLE_WINDOW_MS).await?;
        if failures >= MAX_FAILURES {
            let wait_ms = (last.unwrap_or(now) + THROTTLE_WINDOW_MS - now).max(1000);
            let retry_after_s = u64::try_from(wait_ms).unwrap_or(1000).div_ceil(1000);
            let message = format!(
                "从这个地址提交的无效 API 令牌过多，请 {} 分钟后再试；请检查令牌是否已撤销或抄写有误",
                retry_after_s.div_ceil(60)
            );
            return Err(ApiError::TooMany { retry_after_s, message });
        }
        let Some((token, user)) = state.store.api_token_user(&token_digest(token), now).await? else {
            // The old rows go here (a failure is rare; a check is every request).
            state.store.login_failures_since(TOKEN_FAILURE_NAME, &addr, now - THROTTLE_WINDOW_MS).await?;
            state.store.record_login_failure(TOKEN_FAILURE_NAME, &addr, now).await?;
            return Err(ApiError::Unauthorized);
        };
        let per_minute = state.config.api_requests_per_minute;
        if let Err(retry_after_s) = state.api_buckets.take(token.id, now, per_minute) {
            let message = format!("这个令牌的请求过于频繁（每分钟最多 {per_minute} 次），请 {retry_after_s} 秒后再试");
            return Err(ApiError::TooMany { retry_after_s, message });
        }
        Ok(ApiCaller(CurrentUser { user, csrf: String::new(), session_digest: String::new(), addr, api_token: Some((token.id, token.name)) }))
    }
}

/// `page` and `per_page` of a list.
fn paging(page: &str, per_page: &str) -> ApiResult<(i64, i64)> {
    let num = |s: &str, name: &str, default: i64, max: i64| -> ApiResult<i64> {
        if s.trim().is_empty() {
            return Ok(default);
        }
        match s.trim().parse::<i64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(WebError::BadRequest(format!("参数 {name} 应为 1 到 {max} 之间的整数，收到「{s}」")).into()),
        }
    };
    Ok((num(page, "page", 1, 1_000_000)?, num(per_page, "per_page", PER_PAGE, MAX_PER_PAGE)?))
}

/// A filter value that must be one of `codes` when given.
fn code<T>(value: &str, name: &str, parse: impl Fn(&str) -> Option<T>, codes: &[&str]) -> ApiResult<Option<T>> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    parse(v).map(Some).ok_or_else(|| WebError::BadRequest(format!("参数 {name} 的值「{v}」无法识别，应为：{}", codes.join("、"))).into())
}

#[derive(Serialize)]
struct Page<T> {
    total: i64,
    page: i64,
    per_page: i64,
    items: Vec<T>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AccountsParams {
    q: String,
    unit: String,
    platform: String,
    status: String,
    page: String,
    per_page: String,
}

/// `GET /api/v1/accounts`: `q` (name or platform id), `unit`, `platform`, `status`, `page`, `per_page`.
pub async fn accounts(State(state): State<AppState>, ApiCaller(user): ApiCaller, Query(p): Query<AccountsParams>) -> ApiResult<Response> {
    let (page, per_page) = paging(&p.page, &p.per_page)?;
    let platforms: Vec<&str> = Platform::ALL.iter().map(|p| p.code()).collect();
    let statuses: Vec<&str> = LifecycleStatus::ALL.iter().map(|s| s.code()).collect();
    let query = AccountQuery {
        name: Some(p.q),
        unit: Some(p.unit),
        platform: code(&p.platform, "platform", Platform::from_code, &platforms)?,
        status: code(&p.status, "status", LifecycleStatus::from_code, &statuses)?,
        include_retired: false,
        limit: per_page,
        offset: (page - 1) * per_page,
    };
    let (items, total) = state.store.search_accounts(&query, user.visibility()).await?;
    ok(&Page { total, page, per_page, items })
}

/// `GET /api/v1/accounts/{id}`: the account and its checks day by day (`coverage`).
pub async fn account(State(state): State<AppState>, ApiCaller(user): ApiCaller, Path(id): Path<i64>) -> ApiResult<Response> {
    user.check_account(&state, id).await?;
    let account: Account = state.store.get_account(id).await?.ok_or(WebError::NotFound)?;
    let retired = state.store.is_retired(id).await?;
    // The account page's strip: the last 30 civil days (Asia/Shanghai),
    // oldest first; "could not check" is never a violation.
    let coverage: Vec<_> = super::accounts::check_days(&state, id)
        .await?
        .iter()
        .map(|d| {
            json!({
                "day": d.day.to_string(),
                "checks": d.total(),
                "checked": d.checked,
                "not_checked": d.not_checked_total(),
                "reasons": d.not_checked.iter().map(|(o, n)| json!({ "outcome": o.code(), "label": outcome_zh(*o), "count": n })).collect::<Vec<_>>(),
                "last_detail": d.last_detail,
            })
        })
        .collect();
    ok(&json!({ "account": account, "retired": retired, "coverage": coverage }))
}

/// A finding as the API shows it: the stored record, and what the pages
/// show beside it.
#[derive(Serialize)]
struct FindingOut<'a> {
    #[serde(flatten)]
    finding: &'a StoredFinding,
    kind: &'static str,
    rule_name: &'static str,
    state_zh: &'static str,
    citation: String,
    account_name: Option<String>,
}

fn finding_out(f: &StoredFinding, account_name: Option<String>) -> FindingOut<'_> {
    FindingOut {
        finding: f,
        kind: f.kind().code(),
        rule_name: f.rule.display_name(),
        state_zh: f.state.display_zh(),
        citation: f.citation_display(),
        account_name,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FindingsParams {
    rule: String,
    state: String,
    kind: String,
    unit: String,
    account_id: String,
    page: String,
    per_page: String,
}

/// `GET /api/v1/findings`: `rule`, `state`, `kind`, `unit`, `account_id`, `page`, `per_page`.
pub async fn findings(State(state): State<AppState>, ApiCaller(user): ApiCaller, Query(p): Query<FindingsParams>) -> ApiResult<Response> {
    let (page, per_page) = paging(&p.page, &p.per_page)?;
    let kinds = [FindingKind::State, FindingKind::Event, FindingKind::ThirdParty];
    let account_id = match p.account_id.trim() {
        "" => None,
        s => Some(s.parse::<i64>().map_err(|_| WebError::BadRequest(format!("参数 account_id 应为账号编号（整数），收到「{s}」")))?),
    };
    let query = FindingQuery {
        rule: code(&p.rule, "rule", RuleId::from_code, &RuleId::ALL.iter().map(|r| r.code()).collect::<Vec<_>>())?,
        state: code(&p.state, "state", FindingState::from_code, &FindingState::ALL.iter().map(|s| s.code()).collect::<Vec<_>>())?,
        kind: code(&p.kind, "kind", |k| kinds.into_iter().find(|x| x.code() == k), &kinds.iter().map(|k| k.code()).collect::<Vec<_>>())?,
        unit: Some(p.unit),
        account_id,
        limit: per_page,
        offset: (page - 1) * per_page,
    };
    let (found, total) = state.store.search_findings(&query, user.visibility()).await?;
    let ids: Vec<i64> = found.iter().map(|f| f.account_id).collect();
    let names = state.store.accounts_by_ids(&ids).await?;
    let items: Vec<FindingOut> =
        found.iter().map(|f| finding_out(f, names.get(&f.account_id).map(|a| a.spec.display_name.clone()))).collect();
    ok(&Page { total, page, per_page, items })
}

/// `GET /api/v1/findings/{id}`: the finding, its history of events, and
/// where its evidence zip is.
pub async fn finding(State(state): State<AppState>, ApiCaller(user): ApiCaller, Path(id): Path<i64>) -> ApiResult<Response> {
    let f = visible_finding(&state, &user, id).await?;
    let account = state.store.get_account(f.account_id).await?;
    let events = state.store.finding_events(id).await?;
    ok(&json!({
        "finding": finding_out(&f, account.map(|a| a.spec.display_name)),
        "events": events,
        "evidence_zip": format!("/api/v1/findings/{id}/evidence.zip"),
    }))
}

/// `GET /api/v1/findings/{id}/evidence/{sha256}`: a cited capture's description.
pub async fn evidence(State(state): State<AppState>, ApiCaller(user): ApiCaller, Path((id, sha256)): Path<(i64, String)>) -> ApiResult<Response> {
    let info = cited(&state, &user, id, &sha256).await?;
    ok(&json!({
        "sha256": info.sha256,
        "url": info.url,
        "content_type": info.content_type,
        "http_status": info.http_status,
        "fetched_at_ms": info.fetched_at_ms,
        "size_bytes": info.size_bytes,
        "pruned_at_ms": info.pruned_at_ms,
        "raw": format!("/api/v1/findings/{id}/evidence/{}/raw", info.sha256),
    }))
}

/// `GET /api/v1/findings/{id}/evidence/{sha256}/raw`: the original bytes.
pub async fn evidence_raw(State(state): State<AppState>, ApiCaller(user): ApiCaller, Path((id, sha256)): Path<(i64, String)>) -> ApiResult<Response> {
    Ok(raw_download(&state, &user, id, &sha256).await?)
}

/// `GET /api/v1/findings/{id}/evidence.zip`.
pub async fn evidence_zip_download(State(state): State<AppState>, ApiCaller(user): ApiCaller, Path(id): Path<i64>) -> ApiResult<Response> {
    let (name, bytes) = evidence_zip(&state, &user, id).await?;
    Ok(zip_download(&name, bytes)?)
}

/// `GET /api/v1/reports`: the report files produced so far (the office and
/// read-only leaders), newest first, with their download addresses (the
/// console's, which need a login).
pub async fn reports(State(state): State<AppState>, ApiCaller(user): ApiCaller) -> ApiResult<Response> {
    user.require_sees_all()?;
    let files = list_files(reports_dir(&state)?).await;
    let items: Vec<_> = files
        .iter()
        .map(|f| {
            json!({
                "name": f.name,
                "size_bytes": f.size,
                "modified_at_ms": f.modified_ms,
                "download": format!("/reports/download/{}", url::form_urlencoded::byte_serialize(f.name.as_bytes()).collect::<String>()),
            })
        })
        .collect();
    ok(&json!({ "total": items.len(), "items": items }))
}

/// A JSON body, or 400 saying what is wrong with it.
fn body<T: for<'de> Deserialize<'de>>(bytes: &Bytes) -> ApiResult<T> {
    serde_json::from_slice(bytes).map_err(|e| WebError::BadRequest(format!("请求体应为 JSON 对象：{e}")).into())
}

/// What an action answers: the finding as it is now.
async fn after(state: &AppState, user: &CurrentUser, id: i64) -> ApiResult<Response> {
    let f = visible_finding(state, user, id).await?;
    ok(&json!({ "finding": finding_out(&f, None) }))
}

#[derive(Deserialize)]
struct DismissBody {
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/findings/{id}/dismiss` `{"reason": "…"}` (office).
pub async fn dismiss(State(state): State<AppState>, ApiCaller(user): ApiCaller, Path(id): Path<i64>, bytes: Bytes) -> ApiResult<Response> {
    let b: DismissBody = body(&bytes)?;
    apply_dismiss(&state, &user, id, &DismissForm { reason: b.reason }).await?;
    after(&state, &user, id).await
}

#[derive(Deserialize)]
struct RectifyBody {
    #[serde(default)]
    note: String,
    #[serde(default)]
    link: String,
}

/// `POST /api/v1/findings/{id}/rectify` `{"note": "…", "link": "https://…"}` (unit operator).
pub async fn rectify(State(state): State<AppState>, ApiCaller(user): ApiCaller, Path(id): Path<i64>, bytes: Bytes) -> ApiResult<Response> {
    let b: RectifyBody = body(&bytes)?;
    apply_rectify(&state, &user, id, &RectifyForm { note: b.note, link: b.link }).await?;
    after(&state, &user, id).await
}

#[derive(Deserialize)]
struct MarkBody {
    #[serde(default)]
    mark: String,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/findings/{id}/mark` `{"mark": "reported" | …, "note": "…"}` (office).
pub async fn mark(State(state): State<AppState>, ApiCaller(user): ApiCaller, Path(id): Path<i64>, bytes: Bytes) -> ApiResult<Response> {
    let b: MarkBody = body(&bytes)?;
    apply_mark(&state, &user, id, &MarkForm { mark: b.mark, note: b.note }).await?;
    after(&state, &user, id).await
}

/// Any other path under `/api/`.
pub async fn not_found() -> ApiError {
    ApiError::Web(WebError::NotFound)
}
