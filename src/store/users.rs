//! Console users, their scopes, sessions and failed logins.
//!
//! Passwords are hashed by the caller (`crate::web::password`, argon2id);
//! the store keeps the PHC string. Session tokens are likewise hashed by
//! the caller: only the SHA-256 of a cookie's token is stored.

use super::{Result, Store, StoreError, flag, get_flag, get_i64, get_opt_i64, get_opt_string, get_string};
use serde::Serialize;
use sqlx::any::AnyRow;

/// What a console user may see and do. Stored in `users.role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 市政务公开办 administrator: everything, plus users.
    Admin,
    /// Office staff: all accounts and findings; dismiss, mark.
    Staff,
    /// A unit's operator: its own accounts only; declares rectification.
    Unit,
    /// Leaders: everything visible, nothing changeable.
    ReadOnly,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Staff, Role::Unit, Role::ReadOnly];
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Unit => "unit",
            Role::ReadOnly => "readonly",
        }
    }
    pub fn from_code(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s.trim())
    }
    pub fn display_zh(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Staff => "公开办工作人员",
            Role::Unit => "单位运维人员",
            Role::ReadOnly => "只读（领导）",
        }
    }
    /// Whether the role sees every account (all but unit operators).
    pub fn sees_everything(self) -> bool {
        self != Role::Unit
    }
}

/// A unit operator's accounts: whole units by 主办单位 (exact), and single
/// accounts by id. Empty for the other roles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UserScope {
    pub units: Vec<String>,
    pub account_ids: Vec<i64>,
}

impl UserScope {
    pub fn is_empty(&self) -> bool {
        self.units.is_empty() && self.account_ids.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: UserScope,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: UserScope,
    /// argon2id PHC string.
    pub password_hash: String,
    pub must_change_password: bool,
}

/// A console session as stored (the token itself is not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_sha256: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub remote_addr: String,
    pub created_at_ms: i64,
    pub last_seen_at_ms: i64,
}

const USER_COLUMNS: &str =
    "id, username, display_name, role, must_change_password, disabled, created_at_ms, updated_at_ms";

fn user_from_row(r: &AnyRow) -> Result<User> {
    let role = get_string(r, "role")?;
    Ok(User {
        id: get_i64(r, "id")?,
        username: get_string(r, "username")?,
        display_name: get_string(r, "display_name")?,
        role: Role::from_code(&role).ok_or(StoreError::BadValue { column: "users.role", value: role })?,
        scope: UserScope::default(),
        must_change_password: get_flag(r, "must_change_password")?,
        disabled: get_flag(r, "disabled")?,
        created_at_ms: get_i64(r, "created_at_ms")?,
        updated_at_ms: get_i64(r, "updated_at_ms")?,
    })
}

/// Sessions are touched at most this often (a page load is a write
/// otherwise): the idle timeout is minutes, so a minute's slack is nothing.
const TOUCH_EVERY_MS: i64 = 60_000;

impl Store {
    /// Creates a user. A taken user name is refused (in Chinese).
    pub async fn create_user(&self, user: &NewUser, now_ms: i64) -> Result<User> {
        let mut tx = self.pool().begin().await?;
        let taken = sqlx::query("SELECT id FROM users WHERE username = $1")
            .bind(&user.username)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Refused(format!("用户名“{}”已存在", user.username)));
        }
        let row = sqlx::query(
            "INSERT INTO users (username, display_name, role, password_hash, must_change_password, disabled, \
             created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, 0, $6, $6) RETURNING id",
        )
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(user.role.code())
        .bind(&user.password_hash)
        .bind(flag(user.must_change_password))
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        let id = get_i64(&row, "id")?;
        for unit in &user.scope.units {
            sqlx::query("INSERT INTO user_scopes (user_id, unit) VALUES ($1, $2)")
                .bind(id)
                .bind(unit)
                .execute(&mut *tx)
                .await?;
        }
        for account in &user.scope.account_ids {
            sqlx::query("INSERT INTO user_scopes (user_id, account_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*account)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.get_user(id).await?.ok_or_else(|| StoreError::Refused(format!("用户 #{id} 刚刚被删除")))
    }

    async fn user_scope(&self, user_id: i64) -> Result<UserScope> {
        let rows = sqlx::query("SELECT unit, account_id FROM user_scopes WHERE user_id = $1 ORDER BY id")
            .bind(user_id)
            .fetch_all(self.pool())
            .await?;
        let mut scope = UserScope::default();
        for r in &rows {
            if let Some(unit) = get_opt_string(r, "unit")? {
                scope.units.push(unit);
            }
            if let Some(account) = get_opt_i64(r, "account_id")? {
                scope.account_ids.push(account);
            }
        }
        Ok(scope)
    }

    pub async fn get_user(&self, id: i64) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(self.pool()).await? else {
            return Ok(None);
        };
        let mut user = user_from_row(&row)?;
        user.scope = self.user_scope(user.id).await?;
        Ok(Some(user))
    }

    /// The user and its password hash, for logging in.
    pub async fn find_user_by_name(&self, username: &str) -> Result<Option<(User, String)>> {
        let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1");
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(username).fetch_optional(self.pool()).await? else {
            return Ok(None);
        };
        let mut user = user_from_row(&row)?;
        user.scope = self.user_scope(user.id).await?;
        Ok(Some((user, get_string(&row, "password_hash")?)))
    }

    /// Every user, by user name.
    pub async fn list_users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(self.pool()).await?;
        let mut users = rows.iter().map(user_from_row).collect::<Result<Vec<_>>>()?;
        for u in &mut users {
            u.scope = self.user_scope(u.id).await?;
        }
        Ok(users)
    }

    /// Sets a new password hash and ends the user's sessions (a password
    /// changed because it leaked must lock the holder out).
    pub async fn set_password_hash(&self, user_id: i64, hash: &str, must_change: bool, now_ms: i64) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = $2, updated_at_ms = $3 WHERE id = $4",
        )
        .bind(hash)
        .bind(flag(must_change))
        .bind(now_ms)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Refused(format!("没有编号为 {user_id} 的用户")));
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables (or enables again) a user; disabling ends its sessions.
    pub async fn set_user_disabled(&self, user_id: i64, disabled: bool, now_ms: i64) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query("UPDATE users SET disabled = $1, updated_at_ms = $2 WHERE id = $3")
            .bind(flag(disabled))
            .bind(now_ms)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Refused(format!("没有编号为 {user_id} 的用户")));
        }
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    // ---- failed logins (throttling) ----

    pub async fn record_login_failure(&self, username: &str, remote_addr: &str, at_ms: i64) -> Result<()> {
        sqlx::query("INSERT INTO login_failures (username, remote_addr, at_ms) VALUES ($1, $2, $3)")
            .bind(username)
            .bind(remote_addr)
            .bind(at_ms)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Failed logins for this name from this address since `since_ms`, and
    /// the latest of them. Older rows are deleted on the way (they no
    /// longer count for anyone).
    pub async fn login_failures_since(&self, username: &str, remote_addr: &str, since_ms: i64) -> Result<(i64, Option<i64>)> {
        sqlx::query("DELETE FROM login_failures WHERE at_ms < $1").bind(since_ms).execute(self.pool()).await?;
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MAX(at_ms) AS last FROM login_failures WHERE username = $1 AND remote_addr = $2",
        )
        .bind(username)
        .bind(remote_addr)
        .fetch_one(self.pool())
        .await?;
        Ok((get_i64(&row, "n")?, get_opt_i64(&row, "last")?))
    }

    /// Failed logins for this name from this address since `since_ms` and
    /// the latest of them, read only (for checks on every request, where
    /// [`Store::login_failures_since`]'s clean-up would be a write each time).
    pub async fn count_login_failures(&self, username: &str, remote_addr: &str, since_ms: i64) -> Result<(i64, Option<i64>)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MAX(at_ms) AS last FROM login_failures WHERE username = $1 AND remote_addr = $2 AND at_ms >= $3",
        )
        .bind(username)
        .bind(remote_addr)
        .bind(since_ms)
        .fetch_one(self.pool())
        .await?;
        Ok((get_i64(&row, "n")?, get_opt_i64(&row, "last")?))
    }

    pub async fn clear_login_failures(&self, username: &str, remote_addr: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE username = $1 AND remote_addr = $2")
            .bind(username)
            .bind(remote_addr)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    // ---- sessions ----

    pub async fn create_session(&self, session: &Session) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_sha256, user_id, csrf_token, remote_addr, created_at_ms, last_seen_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&session.token_sha256)
        .bind(session.user_id)
        .bind(&session.csrf_token)
        .bind(&session.remote_addr)
        .bind(session.created_at_ms)
        .bind(session.last_seen_at_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The live session under this token hash and its user, touched. A
    /// session idle for `idle_ms` or longer, or whose user is disabled, is
    /// deleted and `None` returned.
    pub async fn session_user(&self, token_sha256: &str, now_ms: i64, idle_ms: i64) -> Result<Option<(Session, User)>> {
        let row = sqlx::query(
            "SELECT token_sha256, user_id, csrf_token, remote_addr, created_at_ms, last_seen_at_ms FROM sessions \
             WHERE token_sha256 = $1",
        )
        .bind(token_sha256)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let session = Session {
            token_sha256: get_string(&row, "token_sha256")?,
            user_id: get_i64(&row, "user_id")?,
            csrf_token: get_string(&row, "csrf_token")?,
            remote_addr: get_string(&row, "remote_addr")?,
            created_at_ms: get_i64(&row, "created_at_ms")?,
            last_seen_at_ms: get_i64(&row, "last_seen_at_ms")?,
        };
        let user = self.get_user(session.user_id).await?;
        let Some(user) = user.filter(|u| !u.disabled && now_ms - session.last_seen_at_ms < idle_ms) else {
            self.delete_session(token_sha256).await?;
            return Ok(None);
        };
        if now_ms - session.last_seen_at_ms >= TOUCH_EVERY_MS {
            sqlx::query("UPDATE sessions SET last_seen_at_ms = $1 WHERE token_sha256 = $2")
                .bind(now_ms)
                .bind(token_sha256)
                .execute(self.pool())
                .await?;
        }
        Ok(Some((session, user)))
    }

    pub async fn delete_session(&self, token_sha256: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_sha256 = $1").bind(token_sha256).execute(self.pool()).await?;
        Ok(())
    }

    /// Deletes sessions idle since before `before_ms`; returns how many.
    pub async fn delete_idle_sessions(&self, before_ms: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE last_seen_at_ms < $1").bind(before_ms).execute(self.pool()).await?;
        Ok(done.rows_affected())
    }
}
