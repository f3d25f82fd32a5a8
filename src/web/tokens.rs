//! API 令牌: a person's own tokens for `/api/v1` — make one (shown once),
//! see which exist and when each was last used, revoke one. A token acts
//! as its maker, with the same role and scope; every role may have them
//! (a leader's reads only, a unit operator's its own unit only).

use super::audit::audit;
use super::auth::CurrentUser;
use super::error::{WebResult, see_other};
use super::password::{api_token_name, new_api_token};
use super::state::AppState;
use super::view;
use crate::store::{NewApiToken, StoreError};
use axum::extract::{Form, Path, State};
use axum::response::Response;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

/// A person's live tokens are bounded (each is a way in).
pub const MAX_LIVE_TOKENS: usize = 20;

async fn render(state: &AppState, user: &CurrentUser, made: Option<(String, String)>, error: Option<String>) -> WebResult<Response> {
    let tokens = state.store.list_api_tokens(Some(user.user.id)).await?;
    let mut r = view::page(
        user,
        "tokens",
        "web/tokens.html",
        context! {
            title => "API 令牌",
            tokens => Serde(tokens),
            made => made.map(|(name, token)| context! { name, token }),
            error => error.clone(),
        },
    )?;
    if error.is_some() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

/// `GET /tokens`.
pub async fn list(State(state): State<AppState>, user: CurrentUser) -> WebResult<Response> {
    render(&state, &user, None, None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct NewTokenForm {
    #[serde(default)]
    name: String,
}

/// `POST /tokens/add`: the new token is on the answering page, once.
pub async fn add(State(state): State<AppState>, user: CurrentUser, Form(form): Form<NewTokenForm>) -> WebResult<Response> {
    let name = match api_token_name(&form.name) {
        Ok(n) => n,
        Err(m) => return render(&state, &user, None, Some(m)).await,
    };
    let live = state.store.list_api_tokens(Some(user.user.id)).await?.iter().filter(|t| t.revoked_at_ms.is_none()).count();
    if live >= MAX_LIVE_TOKENS {
        let m = format!("每人最多 {MAX_LIVE_TOKENS} 个有效令牌，请先撤销不再使用的令牌");
        return render(&state, &user, None, Some(m)).await;
    }
    let (token, digest, prefix) = new_api_token();
    let made = state
        .store
        .create_api_token(&NewApiToken { user_id: user.user.id, name, token_sha256: &digest, prefix: &prefix }, state.wall_ms())
        .await?;
    audit(&state, &user, "token.add", &format!("token:{}", made.id), name).await?;
    render(&state, &user, Some((made.name, token)), None).await
}

/// `POST /tokens/{id}/revoke`: only one's own.
pub async fn revoke(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    match state.store.revoke_api_token(id, Some(user.user.id), state.wall_ms()).await {
        Ok(t) => {
            audit(&state, &user, "token.revoke", &format!("token:{id}"), &t.name).await?;
            Ok(see_other("/tokens"))
        }
        Err(StoreError::Refused(m)) => render(&state, &user, None, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}
