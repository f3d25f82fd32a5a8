//! `xunjian users …`: the people who log in to the office console.
//!
//! Passwords never go on the command line (other users of the machine can
//! read it in `ps`): `add` and `passwd` make a one-time password and print
//! it once, or read one from standard input with `--password-stdin`. A
//! one-time password must be changed at the first login.

use super::accounts::resolve;
use super::table::{self, outln};
use super::{CliError, CliResult, open_store};
use crate::config::LoadedConfig;
use crate::store::{NewApiToken, NewAuditEntry, NewUser, Role, Store, StoreError, User, UserScope};
use crate::web::password;
use anyhow::anyhow;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// 新增控制台用户；不给密码时生成一次性密码并显示一次 (add a user; prints a one-time password)
    Add {
        /// 登录用户名（字母、数字、. _ -）(login name)
        username: String,
        /// 角色：admin（管理员）、staff（公开办工作人员）、unit（单位运维人员）、readonly（只读，领导）
        #[arg(long)]
        role: String,
        /// 显示的姓名，默认同用户名 (display name)
        #[arg(long)]
        name: Option<String>,
        /// 单位运维人员可见的主办单位（与台账“主办单位”完全一致），可重复
        /// (unit role: an owner unit it may see; repeatable)
        #[arg(long = "unit", value_name = "UNIT")]
        units: Vec<String>,
        /// 单位运维人员可见的单个账号：数据库 ID 或 平台:账号ID，可重复
        /// (unit role: a single account it may see; repeatable)
        #[arg(long = "account", value_name = "ACCOUNT")]
        accounts: Vec<String>,
        /// 从标准输入读取密码（一行），而不是生成一次性密码 (read the password from stdin)
        #[arg(long)]
        password_stdin: bool,
    },
    /// 重设密码；不给密码时生成一次性密码（首次登录须修改），并结束该用户的所有登录
    /// (reset a password; ends the user's sessions)
    Passwd {
        username: String,
        /// 从标准输入读取新密码（一行）(read the new password from stdin)
        #[arg(long)]
        password_stdin: bool,
    },
    /// 停用用户（立即退出登录）；加 --enable 重新启用 (disable a user; --enable to enable again)
    Disable {
        username: String,
        #[arg(long)]
        enable: bool,
    },
    /// 列出用户 (list users)
    List,
    /// 用户的 API 令牌（/api/v1）：新建、列出、撤销 (a user's API tokens)
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// 为用户新建 API 令牌，令牌只显示这一次 (make a token; printed once)
    Add {
        username: String,
        /// 令牌名称：写明哪个系统使用它 (which system uses it)
        #[arg(long)]
        name: String,
    },
    /// 列出令牌（不给用户名则列出全部）(list tokens)
    List { username: Option<String> },
    /// 撤销令牌（编号见 list）(revoke a token by its number)
    Revoke { id: i64 },
}

/// Who did it, for the audit log: the command line and the system user.
fn cli_actor() -> String {
    format!("命令行:{}", std::env::var("USER").unwrap_or_else(|_| "?".to_string()))
}

async fn audit(store: &Store, action: &str, target: &str, detail: &str) -> CliResult {
    let actor = cli_actor();
    let entry = NewAuditEntry { user_id: None, username: &actor, remote_addr: "cli", action, target, detail };
    store.record_audit(&entry, super::now().timestamp_millis()).await?;
    Ok(())
}

fn parse_role(s: &str) -> CliResult<Role> {
    Role::from_code(&s.to_ascii_lowercase()).ok_or_else(|| {
        CliError::invalid(anyhow!("角色「{s}」无法识别，应为 admin、staff、unit 或 readonly"))
    })
}

fn check_username(name: &str) -> CliResult<&str> {
    let name = name.trim();
    let ok = (1..=64).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !ok {
        return Err(CliError::invalid(anyhow!("用户名「{name}」不可用：只能使用字母、数字和 . _ -，最长 64 个字符")));
    }
    Ok(name)
}

/// The password from stdin, checked; or a one-time password (`true`: must
/// be changed at the first login).
fn new_password(from_stdin: bool, username: &str) -> CliResult<(String, bool)> {
    if !from_stdin {
        return Ok((password::one_time_password(), true));
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let pw = line.trim_end_matches(['\r', '\n']).to_string();
    if let Some(problem) = password::password_problem(&pw, username) {
        return Err(CliError::invalid(anyhow!("密码不可用：{problem}")));
    }
    Ok((pw, false))
}

async fn user_named(store: &Store, username: &str) -> CliResult<User> {
    match store.find_user_by_name(username.trim()).await? {
        Some((u, _)) => Ok(u),
        None => Err(CliError::invalid(anyhow!("没有用户「{}」（xunjian users list 查看全部用户）", username.trim()))),
    }
}

fn refused(e: StoreError) -> CliError {
    match e {
        StoreError::Refused(_) => CliError::invalid(e),
        other => CliError::failure(other),
    }
}

fn scope_text(u: &User) -> String {
    if u.role != Role::Unit {
        return "全部".to_string();
    }
    let mut parts: Vec<String> = u.scope.units.clone();
    parts.extend(u.scope.account_ids.iter().map(|id| format!("账号#{id}")));
    if parts.is_empty() { "（无）".to_string() } else { parts.join("、") }
}

pub async fn run(loaded: &LoadedConfig, cmd: UsersCommand) -> CliResult {
    let store = open_store(loaded).await?;
    let now = super::now().timestamp_millis();
    match cmd {
        UsersCommand::Add { username, role, name, units, accounts, password_stdin } => {
            let username = check_username(&username)?.to_string();
            let role = parse_role(&role)?;
            let mut scope = UserScope { units: units.iter().map(|u| u.trim().to_string()).filter(|u| !u.is_empty()).collect(), account_ids: Vec::new() };
            for a in &accounts {
                scope.account_ids.push(resolve(&store, a).await?.id);
            }
            if role == Role::Unit && scope.is_empty() {
                return Err(CliError::invalid(anyhow!(
                    "单位运维人员须用 --unit 指定主办单位（与台账一致）或用 --account 指定账号，否则什么也看不到"
                )));
            }
            if role != Role::Unit && !scope.is_empty() {
                return Err(CliError::invalid(anyhow!("只有单位运维人员（--role unit）才需要 --unit / --account；其他角色可以查看全部账号")));
            }
            let (pw, one_time) = new_password(password_stdin, &username)?;
            let new = NewUser {
                username: username.clone(),
                display_name: name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).unwrap_or_else(|| username.clone()),
                role,
                scope,
                password_hash: password::hash_password(&pw),
                must_change_password: one_time,
            };
            let user = store.create_user(&new, now).await.map_err(refused)?;
            audit(&store, "user.add", &format!("user:{username}"), &format!("{}；可见范围：{}", role.display_zh(), scope_text(&user))).await?;
            outln!("已新增用户 {}（{}，{}），可见范围：{}", user.username, user.display_name, role.display_zh(), scope_text(&user));
            if one_time {
                outln!("一次性密码（只显示这一次，首次登录后须修改）：{pw}");
            }
            Ok(())
        }
        UsersCommand::Passwd { username, password_stdin } => {
            let user = user_named(&store, &username).await?;
            let (pw, one_time) = new_password(password_stdin, &user.username)?;
            store.set_password_hash(user.id, &password::hash_password(&pw), one_time, now).await.map_err(refused)?;
            audit(&store, "user.password", &format!("user:{}", user.username), "命令行重设密码").await?;
            outln!("已重设用户 {} 的密码，其所有登录已结束", user.username);
            if one_time {
                outln!("一次性密码（只显示这一次，首次登录后须修改）：{pw}");
            }
            Ok(())
        }
        UsersCommand::Disable { username, enable } => {
            let user = user_named(&store, &username).await?;
            store.set_user_disabled(user.id, !enable, now).await.map_err(refused)?;
            let action = if enable { "user.enable" } else { "user.disable" };
            audit(&store, action, &format!("user:{}", user.username), "").await?;
            if enable {
                outln!("已重新启用用户 {}", user.username);
            } else {
                outln!("已停用用户 {}，其所有登录已结束", user.username);
            }
            Ok(())
        }
        UsersCommand::Token(cmd) => token(&store, cmd, now).await,
        UsersCommand::List => {
            let users = store.list_users().await?;
            if users.is_empty() {
                outln!("还没有控制台用户。新增管理员：xunjian users add admin --role admin");
                return Ok(());
            }
            let rows: Vec<Vec<String>> = users
                .iter()
                .map(|u| {
                    vec![
                        u.username.clone(),
                        u.display_name.clone(),
                        u.role.display_zh().to_string(),
                        scope_text(u),
                        if u.disabled { "已停用".into() } else if u.must_change_password { "待改密码".into() } else { "正常".into() },
                    ]
                })
                .collect();
            outln!("{}", table::render(&["用户名", "姓名", "角色", "可见范围", "状态"], &rows));
            Ok(())
        }
    }
}

async fn token(store: &Store, cmd: TokenCommand, now: i64) -> CliResult {
    match cmd {
        TokenCommand::Add { username, name } => {
            let user = user_named(store, &username).await?;
            if user.disabled {
                return Err(CliError::invalid(anyhow!("用户「{}」已停用，它的令牌不会生效；请先 xunjian users disable {} --enable", user.username, user.username)));
            }
            let name = password::api_token_name(&name).map_err(|m| CliError::invalid(anyhow!(m)))?;
            let (token, digest, prefix) = password::new_api_token();
            let made = store
                .create_api_token(&NewApiToken { user_id: user.id, name, token_sha256: &digest, prefix: &prefix }, now)
                .await
                .map_err(refused)?;
            audit(store, "token.add", &format!("token:{}", made.id), &format!("用户 {}：{name}", user.username)).await?;
            outln!("已为用户 {}（{}）新建 API 令牌 #{}「{name}」，权限与该用户相同。", user.username, user.role.display_zh(), made.id);
            outln!("令牌（只显示这一次，请求头 Authorization: Bearer 令牌）：{token}");
            Ok(())
        }
        TokenCommand::List { username } => {
            let only = match username {
                Some(u) => Some(user_named(store, &u).await?),
                None => None,
            };
            let tokens = store.list_api_tokens(only.as_ref().map(|u| u.id)).await?;
            if tokens.is_empty() {
                outln!("没有 API 令牌。新建：xunjian users token add 用户名 --name 名称");
                return Ok(());
            }
            let names: std::collections::HashMap<i64, String> =
                store.list_users().await?.into_iter().map(|u| (u.id, u.username)).collect();
            let when = |ms: Option<i64>| ms.map(crate::rules::fmt_local_ms).unwrap_or_else(|| "—".to_string());
            let rows: Vec<Vec<String>> = tokens
                .iter()
                .map(|t| {
                    vec![
                        t.id.to_string(),
                        names.get(&t.user_id).cloned().unwrap_or_default(),
                        t.name.clone(),
                        format!("{}…", t.prefix),
                        when(Some(t.created_at_ms)),
                        when(t.last_used_at_ms),
                        if t.revoked_at_ms.is_some() { format!("已撤销 {}", when(t.revoked_at_ms)) } else { "有效".into() },
                    ]
                })
                .collect();
            outln!("{}", table::render(&["编号", "用户", "名称", "开头", "创建", "最近使用", "状态"], &rows));
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            let t = store.revoke_api_token(id, None, now).await.map_err(refused)?;
            audit(store, "token.revoke", &format!("token:{id}"), &t.name).await?;
            outln!("已撤销 API 令牌 #{id}「{}」", t.name);
            Ok(())
        }
    }
}

/// The first administrator, `admin` with a one-time password, when the
/// store has no user at all yet (`init --import`, `run`, `demo`): the
/// console is unusable without one. Returns the password to print once, or
/// `None` when any user exists (nothing is changed then: an office that
/// disabled or renamed its administrator decided so; `users add` makes one).
pub(crate) async fn create_first_admin(store: &Store) -> CliResult<Option<String>> {
    if !store.list_users().await?.is_empty() {
        return Ok(None);
    }
    let pw = password::one_time_password();
    let new = NewUser {
        username: "admin".to_string(),
        display_name: "系统管理员".to_string(),
        role: Role::Admin,
        scope: UserScope::default(),
        password_hash: password::hash_password(&pw),
        must_change_password: true,
    };
    // A (disabled or non-admin) user already named admin: say so rather than guess.
    store.create_user(&new, super::now().timestamp_millis()).await.map_err(refused)?;
    audit(store, "user.add", "user:admin", "第一个管理员（一次性密码）").await?;
    Ok(Some(pw))
}
