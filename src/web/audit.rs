//! One helper: a person's change, written to the audit log after the store
//! accepted it (from a page or through an API token).

use super::auth::CurrentUser;
use super::error::WebResult;
use super::state::AppState;
use crate::store::NewAuditEntry;

pub async fn audit(state: &AppState, user: &CurrentUser, action: &str, target: &str, detail: &str) -> WebResult<()> {
    // Through the API: which token, so a leaked one's doings can be found.
    let detail = match &user.api_token {
        Some((id, name)) if detail.is_empty() => format!("经 API 令牌 #{id}（{name}）"),
        Some((id, name)) => format!("{detail}〔经 API 令牌 #{id}（{name}）〕"),
        None => detail.to_string(),
    };
    let detail = detail.as_str();
    let entry = NewAuditEntry {
        user_id: Some(user.user.id),
        username: &user.user.username,
        remote_addr: &user.addr,
        action,
        target,
        detail,
    };
    state.store.record_audit(&entry, state.wall_ms()).await?;
    Ok(())
}
