//! One helper: a person's change, written to the audit log after the store
//! accepted it.

use super::auth::CurrentUser;
use super::error::WebResult;
use super::state::AppState;
use crate::store::NewAuditEntry;

pub async fn audit(state: &AppState, user: &CurrentUser, action: &str, target: &str, detail: &str) -> WebResult<()> {
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
