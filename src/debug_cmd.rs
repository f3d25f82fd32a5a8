//! `xunjian debug parse <target> <kind> FILE` and
//! `xunjian debug fetch <target> <arg>`: look at what an adapter
//! makes of a response, and capture new responses as fixtures when a
//! platform changes its pages.
//!
//! Exit codes: 0 = an observation, 1 = a classified failure (printed as
//! `{"outcome": "captcha", ...}`), 2 = usage error (unknown platform or
//! kind, unreadable file).

use crate::cli::table::outln;
use chrono::{DateTime, Utc};
use std::path::Path;
use xunjian_adapters::config::PlatformsConfig;
use xunjian_adapters::model::{Capture, Platform};
use xunjian_adapters::{DebugError, PlatformSecrets};

/// A target is a platform code, `feed` or `portal`.
fn target_arg(target: &str) -> Option<&str> {
    if Platform::from_code(target).is_some() || matches!(target, "feed" | "portal") {
        return Some(target);
    }
    let known: Vec<&str> = Platform::ALL.iter().map(|p| p.code()).collect();
    eprintln!("unknown target {target:?}; known: {}, feed, portal", known.join(", "));
    None
}

fn print_json(v: &serde_json::Value) -> anyhow::Result<()> {
    outln!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// Relative times ("3小时前") are resolved against the moment the response
/// was captured: the `fetched_at` of a `FILE.meta.json` written by
/// `debug fetch --save`, else now.
fn capture_time(file: &Path) -> DateTime<Utc> {
    let mut meta = file.as_os_str().to_owned();
    meta.push(".meta.json");
    std::fs::read(&meta)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.get("fetched_at")?.as_str()?.parse().ok())
        .unwrap_or_else(Utc::now)
}

/// `account` names the account whose notices a portal page is searched for.
/// `opts` carries the HTTP status and content type the response came with
/// and the account id it was fetched for, so it is judged as the daemon
/// would judge it.
pub fn parse_cmd(
    target: &str,
    kind: &str,
    file: &Path,
    account: Option<&str>,
    opts: &xunjian_adapters::ParseOptions,
) -> anyhow::Result<i32> {
    let Some(target) = target_arg(target) else { return Ok(2) };
    let body = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {}: {e}", file.display());
            return Ok(2);
        }
    };
    match xunjian_adapters::parse_target_file(target, kind, &body, capture_time(file), account, opts) {
        Ok(observation) => {
            print_json(&observation)?;
            Ok(0)
        }
        Err(DebugError::Usage(msg)) => {
            eprintln!("{msg}");
            Ok(2)
        }
        Err(failure) => {
            print_json(&failure.to_json())?;
            Ok(1)
        }
    }
}

fn capture_summary(c: &Capture) -> serde_json::Value {
    serde_json::json!({
        "source": c.source,
        "url": c.url,
        "http_status": c.http_status,
        "content_type": c.content_type,
        "fetched_at": c.fetched_at,
        "bytes": c.body.len(),
        "sha256": c.sha256_hex(),
    })
}

pub async fn fetch_cmd(
    platforms: &PlatformsConfig,
    secrets: &PlatformSecrets,
    target: &str,
    arg: &str,
    kind: &str,
    account: Option<&str>,
    save: Option<&Path>,
) -> anyhow::Result<i32> {
    let Some(target) = target_arg(target) else { return Ok(2) };
    let (code, output, captures) =
        match xunjian_adapters::debug_fetch_target(platforms, secrets, target, kind, arg, account).await {
            Ok(fetched) => {
                let output = serde_json::json!({
                    "outcome": "ok",
                    "source": fetched.source,
                    "observation": fetched.value,
                    "incomplete": fetched.incomplete,
                    "captures": fetched.captures.iter().map(capture_summary).collect::<Vec<_>>(),
                });
                (0, output, fetched.captures)
            }
            Err((DebugError::Usage(msg), _)) => {
                eprintln!("{msg}");
                return Ok(2);
            }
            Err((failure, captures)) => {
                let mut output = failure.to_json();
                output["captures"] = captures.iter().map(capture_summary).collect::<Vec<_>>().into();
                (1, output, captures)
            }
        };
    print_json(&output)?;
    if let Some(dir) = save {
        save_captures(dir, target, kind, arg, &captures)?;
    }
    Ok(code)
}

/// Writes each capture as `<platform>_<kind>_<account>_<time>_<n>_<source>.<ext>`
/// plus a `.meta.json` beside it (url, status, content type, fetched_at,
/// source, sha256), ready to become a fixture.
fn save_captures(dir: &Path, target: &str, kind: &str, account: &str, captures: &[Capture]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let slug = |s: &str| -> String {
        let out: String = s.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
        out.trim_matches('-').chars().take(40).collect()
    };
    for (i, c) in captures.iter().enumerate() {
        let ct = c.content_type.as_deref().unwrap_or("").to_ascii_lowercase();
        let ext = if ct.contains("json") {
            "json"
        } else if ct.contains("html") {
            "html"
        } else if ct.contains("javascript") {
            "js"
        } else if ct.starts_with("text/") {
            "txt"
        } else {
            "bin"
        };
        let name = format!(
            "{}_{}_{}_{}_{i:02}_{}.{ext}",
            target,
            slug(kind),
            slug(account),
            c.fetched_at.format("%Y%m%dT%H%M%SZ"),
            slug(&c.source),
        );
        let path = dir.join(&name);
        std::fs::write(&path, &c.body).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        let meta = dir.join(format!("{name}.meta.json"));
        std::fs::write(&meta, serde_json::to_vec_pretty(&capture_summary(c))?)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", meta.display()))?;
        eprintln!("saved {}", path.display());
    }
    if captures.is_empty() {
        eprintln!("nothing to save: no response was received");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_exit_codes() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("profile.json");
        std::fs::write(&good, br#"{"ok":1,"data":{"userInfo":{"id":1,"screen_name":"a"}}}"#).unwrap();
        assert_eq!(parse_cmd("weibo", "profile", &good, None, &Default::default()).unwrap(), 0);
        let captcha = dir.path().join("captcha.html");
        std::fs::write(&captcha, "<html><title>安全验证</title>验证码</html>").unwrap();
        assert_eq!(parse_cmd("weibo", "timeline", &captcha, None, &Default::default()).unwrap(), 1);
        assert_eq!(parse_cmd("weibo", "nosuchkind", &good, None, &Default::default()).unwrap(), 2);
        assert_eq!(parse_cmd("myspace", "profile", &good, None, &Default::default()).unwrap(), 2);
        assert_eq!(parse_cmd("weibo", "profile", &dir.path().join("missing.json"), None, &Default::default()).unwrap(), 2);
        let feed = dir.path().join("feed.xml");
        std::fs::write(
            &feed,
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>a</title><link>https://x/1</link><guid>1</guid><pubDate>Fri, 20 Nov 2026 09:00:00 +0800</pubDate></item></channel></rss>"#,
        )
        .unwrap();
        assert_eq!(parse_cmd("feed", "timeline", &feed, None, &Default::default()).unwrap(), 0);
    }

    #[test]
    fn saved_meta_time_is_used_for_relative_times() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.json");
        std::fs::write(&file, b"{}").unwrap();
        std::fs::write(dir.path().join("t.json.meta.json"), br#"{"fetched_at":"2024-05-20T04:00:00Z"}"#).unwrap();
        assert_eq!(capture_time(&file), "2024-05-20T04:00:00Z".parse::<DateTime<Utc>>().unwrap());
    }
}
