//! What a page can end in besides itself, each with its status and a page
//! in Chinese. Internal errors are logged, never shown.

use super::view;
use crate::store::StoreError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub enum WebError {
    /// Also what a unit operator gets for another unit's row: whether it
    /// exists is none of its business.
    NotFound,
    /// The role may not do this.
    Forbidden,
    /// Refused (403), with why and what to do.
    ForbiddenBecause(String),
    /// A POST without the session's CSRF token.
    Csrf,
    BadRequest(String),
    /// A body over its limit (413), with what the limit is.
    TooLarge(String),
    /// Not logged in (or the session ended): to the login page, then back.
    Login { next: String },
    /// 303 See Other to a local path.
    Redirect(String),
    Internal(String),
}

pub type WebResult<T> = Result<T, WebError>;

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            // The store's refusals are written for people.
            StoreError::Refused(m) => WebError::BadRequest(m),
            StoreError::EvidencePruned { .. } => WebError::BadRequest(e.to_string()),
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<minijinja::Error> for WebError {
    fn from(e: minijinja::Error) -> Self {
        WebError::Internal(format!("template: {e:#}"))
    }
}

/// A 303 to `to`, which must be a local path.
pub fn see_other(to: &str) -> Response {
    let to = if to.starts_with('/') && !to.starts_with("//") && !to.starts_with("/\\") { to } else { "/" };
    let mut r = StatusCode::SEE_OTHER.into_response();
    r.headers_mut().insert(header::LOCATION, HeaderValue::from_str(to).unwrap_or(HeaderValue::from_static("/")));
    r
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            WebError::Login { next } => {
                let q: String = url::form_urlencoded::Serializer::new(String::new()).append_pair("next", &next).finish();
                return see_other(&format!("/login?{q}"));
            }
            WebError::Redirect(to) => return see_other(&to),
            WebError::NotFound => (StatusCode::NOT_FOUND, "页面不存在", "没有找到这个页面，或者您没有查看它的权限。".to_string()),
            WebError::Forbidden => (StatusCode::FORBIDDEN, "无权操作", "您的账号没有进行这项操作的权限。".to_string()),
            WebError::ForbiddenBecause(m) => (StatusCode::FORBIDDEN, "无法登录", m),
            WebError::Csrf => (
                StatusCode::FORBIDDEN,
                "页面已过期",
                "这个表单已经过期（或不是从本系统的页面提交的）。请返回上一页，刷新后重新提交。".to_string(),
            ),
            WebError::BadRequest(m) => (StatusCode::BAD_REQUEST, "无法完成操作", m),
            WebError::TooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, "文件太大", m),
            WebError::Internal(e) => {
                tracing::error!(error = %e, "console: internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "系统出错", "系统暂时无法完成这个请求，请稍后再试；如果一直出现，请联系系统管理员查看日志。".to_string())
            }
        };
        let body = view::render_plain("web/error.html", minijinja::context! { title, message => message.clone(), status => status.as_u16() })
            .unwrap_or_else(|_| format!("{} {title}: {message}", status.as_u16()));
        let mut r = (status, axum::response::Html(body)).into_response();
        r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    }
}
