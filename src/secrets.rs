//! Secrets: never in the configuration file, never in a log line.
//!
//! A secret named e.g. `smtp-password` is looked up, in order, in
//! 1. the environment variable `XUNJIAN_SMTP_PASSWORD`;
//! 2. the file named by `XUNJIAN_SMTP_PASSWORD_FILE`;
//! 3. `$CREDENTIALS_DIRECTORY/smtp-password` (systemd `LoadCredential=`).
//!
//! Trailing newlines of files are removed (editors add them).
//!
//! Known secrets: `database-password`, `smtp-password` (or the provider's
//! 授权码), `weibo-cookie`, `wechat-mp-cookie` and `wechat-mp-token` (an
//! official-account backend session), and for the group robots
//! `wecom-webhook`, `dingtalk-webhook` (whole webhook URLs: they carry the
//! robot's key) and `dingtalk-secret` (the robot's signing secret).

use std::fmt;
use std::path::PathBuf;

/// A secret value whose `Debug` never shows it (shared with the adapters,
/// which receive operator cookies as secrets).
pub use xunjian_adapters::Secret;

/// Where a secret was found, for `xunjian config check` style messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretOrigin {
    Env(String),
    File(PathBuf),
    Credential(PathBuf),
}

impl fmt::Display for SecretOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretOrigin::Env(v) => write!(f, "environment variable {v}"),
            SecretOrigin::File(p) => write!(f, "file {}", p.display()),
            SecretOrigin::Credential(p) => write!(f, "systemd credential {}", p.display()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("密钥文件 {path} 无法读取 (cannot read secret file for `{name}`): {source}")]
pub struct SecretError {
    pub name: String,
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// The environment variable for a secret name: `smtp-password` → `XUNJIAN_SMTP_PASSWORD`.
pub fn env_var_name(name: &str) -> String {
    format!("XUNJIAN_{}", name.replace(['-', '.'], "_").to_ascii_uppercase())
}

/// Looks a secret up in the process environment.
pub fn lookup(name: &str) -> Result<Option<(Secret, SecretOrigin)>, SecretError> {
    lookup_in(name, |k| std::env::var(k).ok())
}

/// The platform secrets the adapters take: operator cookies and sessions.
pub fn platform_secrets() -> Result<xunjian_adapters::PlatformSecrets, SecretError> {
    let get = |name: &str| -> Result<Option<Secret>, SecretError> { Ok(lookup(name)?.map(|(s, _)| s)) };
    Ok(xunjian_adapters::PlatformSecrets {
        weibo_cookie: get("weibo-cookie")?,
        wechat_mp_cookie: get("wechat-mp-cookie")?,
        wechat_mp_token: get("wechat-mp-token")?,
    })
}

/// Looks a secret up with an injected environment (for tests).
pub fn lookup_in(
    name: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<(Secret, SecretOrigin)>, SecretError> {
    let var = env_var_name(name);
    if let Some(v) = env(&var).filter(|v| !v.is_empty()) {
        return Ok(Some((Secret::new(v), SecretOrigin::Env(var))));
    }
    let file_var = format!("{var}_FILE");
    if let Some(p) = env(&file_var).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(p);
        return read_file(name, &path).map(|s| Some((s, SecretOrigin::File(path))));
    }
    if let Some(dir) = env("CREDENTIALS_DIRECTORY").filter(|v| !v.is_empty()) {
        let path = PathBuf::from(dir).join(name);
        if path.exists() {
            return read_file(name, &path).map(|s| Some((s, SecretOrigin::Credential(path))));
        }
    }
    Ok(None)
}

fn read_file(name: &str, path: &std::path::Path) -> Result<Secret, SecretError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| SecretError { name: name.to_string(), path: path.to_path_buf(), source })?;
    Ok(Secret::new(text.trim_end_matches(['\n', '\r'])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn order_env_then_file_then_credentials() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("smtp-password"), "from-cred\n").unwrap();
        let file = dir.path().join("pw.txt");
        std::fs::write(&file, "from-file\r\n").unwrap();
        let mut env: HashMap<String, String> = HashMap::new();
        env.insert("CREDENTIALS_DIRECTORY".into(), dir.path().display().to_string());
        let get = |e: &HashMap<String, String>| {
            let e = e.clone();
            lookup_in("smtp-password", move |k| e.get(k).cloned()).unwrap().unwrap()
        };
        assert_eq!(get(&env).0.expose(), "from-cred");
        env.insert("XUNJIAN_SMTP_PASSWORD_FILE".into(), file.display().to_string());
        assert_eq!(get(&env).0.expose(), "from-file");
        env.insert("XUNJIAN_SMTP_PASSWORD".into(), "from-env".into());
        let (s, origin) = get(&env);
        assert_eq!(s.expose(), "from-env");
        assert_eq!(origin, SecretOrigin::Env("XUNJIAN_SMTP_PASSWORD".into()));
    }

    #[test]
    fn never_printed() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn unreadable_file_is_an_error_naming_it() {
        let err = lookup_in("weibo-cookie", |k| {
            (k == "XUNJIAN_WEIBO_COOKIE_FILE").then(|| "/nonexistent/cookie".to_string())
        })
        .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/cookie"));
    }
}
