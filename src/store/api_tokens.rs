//! Per-user tokens for the console's JSON API (`/api/v1`).
//!
//! A token acts as its user (role, unit scope; a disabled user's tokens
//! stop working). Like session tokens, the token itself is hashed by the
//! caller (`crate::web::password::token_digest`): the store keeps only its
//! SHA-256 and the first characters to tell tokens apart in a list.

use super::{Result, Store, StoreError, User, get_i64, get_opt_i64, get_string};
use serde::Serialize;
use sqlx::any::AnyRow;

/// A token as stored (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    /// What the person called it (which system uses it).
    pub name: String,
    /// The token's first characters, shown in lists.
    pub prefix: String,
    pub created_at_ms: i64,
    pub last_used_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
}

/// A token to store.
#[derive(Debug, Clone)]
pub struct NewApiToken<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub token_sha256: &'a str,
    pub prefix: &'a str,
}

const TOKEN_COLUMNS: &str = "id, user_id, name, prefix, created_at_ms, last_used_at_ms, revoked_at_ms";

/// `last_used_at_ms` is written at most this often (every API call would
/// otherwise be a write).
const TOUCH_EVERY_MS: i64 = 60_000;

fn token_from_row(r: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: get_i64(r, "id")?,
        user_id: get_i64(r, "user_id")?,
        name: get_string(r, "name")?,
        prefix: get_string(r, "prefix")?,
        created_at_ms: get_i64(r, "created_at_ms")?,
        last_used_at_ms: get_opt_i64(r, "last_used_at_ms")?,
        revoked_at_ms: get_opt_i64(r, "revoked_at_ms")?,
    })
}

impl Store {
    pub async fn create_api_token(&self, token: &NewApiToken<'_>, now_ms: i64) -> Result<ApiToken> {
        let sql = format!(
            "INSERT INTO api_tokens (user_id, name, token_sha256, prefix, created_at_ms) VALUES ($1, $2, $3, $4, $5) \
             RETURNING {TOKEN_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token.user_id)
            .bind(token.name)
            .bind(token.token_sha256)
            .bind(token.prefix)
            .bind(now_ms)
            .fetch_one(self.pool())
            .await?;
        token_from_row(&row)
    }

    /// A user's tokens (`None`: everyone's), newest first, revoked ones included.
    pub async fn list_api_tokens(&self, user_id: Option<i64>) -> Result<Vec<ApiToken>> {
        let which = if user_id.is_some() { "WHERE user_id = $1" } else { "" };
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens {which} ORDER BY created_at_ms DESC, id DESC");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(id) = user_id {
            q = q.bind(id);
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(token_from_row).collect()
    }

    pub async fn get_api_token(&self, id: i64) -> Result<Option<ApiToken>> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(token_from_row).transpose()
    }

    /// Revokes a token. `owner`: only if it is this user's (a person
    /// revoking on the console page); `None` for the command line. A token
    /// already revoked, or another's, is refused in Chinese.
    pub async fn revoke_api_token(&self, id: i64, owner: Option<i64>, now_ms: i64) -> Result<ApiToken> {
        let token = self.get_api_token(id).await?.filter(|t| owner.is_none_or(|o| o == t.user_id));
        let Some(token) = token else {
            return Err(StoreError::Refused(format!("没有编号为 {id} 的 API 令牌")));
        };
        if token.revoked_at_ms.is_some() {
            return Err(StoreError::Refused(format!("API 令牌 {id}（{}）已经撤销过了", token.name)));
        }
        sqlx::query("UPDATE api_tokens SET revoked_at_ms = $1 WHERE id = $2 AND revoked_at_ms IS NULL")
            .bind(now_ms)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(ApiToken { revoked_at_ms: Some(now_ms), ..token })
    }

    /// The live token under this hash and its user, touched. `None` for an
    /// unknown or revoked token, or one whose user is disabled.
    pub async fn api_token_user(&self, token_sha256: &str, now_ms: i64) -> Result<Option<(ApiToken, User)>> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_sha256 = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(token_sha256).fetch_optional(self.pool()).await?;
        let Some(token) = row.as_ref().map(token_from_row).transpose()? else { return Ok(None) };
        if token.revoked_at_ms.is_some() {
            return Ok(None);
        }
        let Some(user) = self.get_user(token.user_id).await?.filter(|u| !u.disabled) else { return Ok(None) };
        if token.last_used_at_ms.is_none_or(|at| now_ms - at >= TOUCH_EVERY_MS) {
            sqlx::query("UPDATE api_tokens SET last_used_at_ms = $1 WHERE id = $2")
                .bind(now_ms)
                .bind(token.id)
                .execute(self.pool())
                .await?;
        }
        Ok(Some((token, user)))
    }
}
