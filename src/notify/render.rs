//! Rendering: a notice's payload through the office's templates into a
//! subject, a plain-text body, an HTML body and a Markdown text (robots).
//!
//! The built-in templates are the files in `templates/notices/`, compiled
//! in; a file of the same name in `[notify] templates_dir` replaces one,
//! read when the sender starts (no rebuild). Every template is compiled at
//! start, so a broken override is an error naming the file before anything
//! is sent, not a failed notice at night.

use super::NotifyError;
use crate::store::{NoticeKind, NoticeRecord};
use chrono::{TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use minijinja::value::{Serde, Value};
use minijinja::{Environment, UndefinedBehavior};
use serde_json::json;
use std::path::{Path, PathBuf};

/// The built-in templates, by file name.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "_finding.txt",
        include_str!("../../templates/notices/_finding.txt"),
    ),
    (
        "_finding.html",
        include_str!("../../templates/notices/_finding.html"),
    ),
    (
        "_finding.md",
        include_str!("../../templates/notices/_finding.md"),
    ),
    (
        "finding.subject.txt",
        include_str!("../../templates/notices/finding.subject.txt"),
    ),
    (
        "finding.txt",
        include_str!("../../templates/notices/finding.txt"),
    ),
    (
        "finding.html",
        include_str!("../../templates/notices/finding.html"),
    ),
    (
        "finding.md",
        include_str!("../../templates/notices/finding.md"),
    ),
    (
        "reminder.subject.txt",
        include_str!("../../templates/notices/reminder.subject.txt"),
    ),
    (
        "reminder.txt",
        include_str!("../../templates/notices/reminder.txt"),
    ),
    (
        "reminder.html",
        include_str!("../../templates/notices/reminder.html"),
    ),
    (
        "reminder.md",
        include_str!("../../templates/notices/reminder.md"),
    ),
    (
        "digest.subject.txt",
        include_str!("../../templates/notices/digest.subject.txt"),
    ),
    (
        "digest.txt",
        include_str!("../../templates/notices/digest.txt"),
    ),
    (
        "digest.html",
        include_str!("../../templates/notices/digest.html"),
    ),
    (
        "digest.md",
        include_str!("../../templates/notices/digest.md"),
    ),
    (
        "test.subject.txt",
        include_str!("../../templates/notices/test.subject.txt"),
    ),
    ("test.txt", include_str!("../../templates/notices/test.txt")),
    (
        "test.html",
        include_str!("../../templates/notices/test.html"),
    ),
    ("test.md", include_str!("../../templates/notices/test.md")),
    (
        "operator.subject.txt",
        include_str!("../../templates/notices/operator.subject.txt"),
    ),
    (
        "operator.txt",
        include_str!("../../templates/notices/operator.txt"),
    ),
    (
        "operator.html",
        include_str!("../../templates/notices/operator.html"),
    ),
    (
        "operator.md",
        include_str!("../../templates/notices/operator.md"),
    ),
];

/// A rendered notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One line (newlines folded), for the Subject header or a robot title.
    pub subject: String,
    pub text: String,
    pub html: String,
    /// For WeCom / DingTalk robots.
    pub markdown: String,
}

/// The office's name and signature, given to every template as `office`.
#[derive(Debug, Clone)]
pub struct OfficeInfo {
    pub name: String,
    pub signature: String,
    /// The console's address (`[daemon] public_url`), empty when unset:
    /// a notice about a finding then links to its page in the console.
    pub console_url: String,
}

/// Compiled templates: built-in ones, with the overrides found in a
/// directory.
pub struct Renderer {
    env: Environment<'static>,
    overridden: Vec<PathBuf>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("overridden", &self.overridden)
            .finish()
    }
}

fn ms_value(v: &Value) -> Option<i64> {
    i64::try_from(v.clone()).ok()
}

/// `2026-11-21 10:00` in Asia/Shanghai; `—` for none.
fn local_time(v: Value) -> String {
    match ms_value(&v).and_then(|ms| Utc.timestamp_millis_opt(ms).single()) {
        Some(t) => t
            .with_timezone(&Shanghai)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        None => "—".to_string(),
    }
}

fn local_date(v: Value) -> String {
    match ms_value(&v).and_then(|ms| Utc.timestamp_millis_opt(ms).single()) {
        Some(t) => t.with_timezone(&Shanghai).format("%Y-%m-%d").to_string(),
        None => "—".to_string(),
    }
}

/// Seconds as `15 天 2 小时`.
fn duration(v: Value) -> String {
    match ms_value(&v) {
        Some(s) => crate::rules::fmt_duration_zh(chrono::TimeDelta::seconds(s)),
        None => "—".to_string(),
    }
}

/// The first 16 characters of a hash (robots have little room).
fn short(v: Value) -> String {
    let s = v
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string());
    s.chars().take(16).collect()
}

/// A link a person can follow: an `http(s)` URL without spaces or control
/// characters, else empty. Post and profile addresses come from platform
/// answers; `javascript:` or `data:` there must not become a link in a
/// mail (escaping alone keeps them a working href).
fn web_link(v: Value) -> String {
    let Some(s) = v.as_str() else { return String::new() };
    let t = s.trim();
    let lower = t.get(..8).unwrap_or(t).to_ascii_lowercase();
    let scheme_ok = lower.starts_with("https://") || lower.starts_with("http://");
    if scheme_ok && t.len() <= 2048 && !t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        t.to_string()
    } else {
        String::new()
    }
}

impl Renderer {
    /// The built-in templates, each replaced by `dir/NAME` when that file
    /// exists.
    pub fn new(dir: Option<&Path>) -> Result<Renderer, NotifyError> {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                // An included block ends with its newline, as written.
                .keep_trailing_newline(true)
                .build()
                .expect("default delimiters"),
        );
        // Payloads always carry their keys (null when unknown); an undefined
        // name is a template mistake, and printing it as empty is kinder to
        // an office editing a template than failing the notice.
        env.set_undefined_behavior(UndefinedBehavior::Lenient);
        // minijinja's HTML escaping also escapes `/` (OWASP advice for
        // attribute contexts we do not have); links and dates read better in
        // the HTML source of a mail without it. Strings get the five
        // characters that matter in text and quoted attributes escaped;
        // everything else goes the default way.
        env.set_formatter(|out, state, value| {
            if matches!(state.auto_escape(), minijinja::AutoEscape::Html)
                && !value.is_safe()
                && let Some(s) = value.as_str()
            {
                let mut esc = String::with_capacity(s.len());
                for c in s.chars() {
                    match c {
                        '&' => esc.push_str("&amp;"),
                        '<' => esc.push_str("&lt;"),
                        '>' => esc.push_str("&gt;"),
                        '"' => esc.push_str("&quot;"),
                        '\'' => esc.push_str("&#39;"),
                        c => esc.push(c),
                    }
                }
                return std::fmt::Write::write_str(out, &esc).map_err(|_| {
                    minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "write failed")
                });
            }
            minijinja::escape_formatter(out, state, value)
        });
        env.add_filter("local_time", local_time);
        env.add_filter("local_date", local_date);
        env.add_filter("duration", duration);
        env.add_filter("short", short);
        env.add_filter("web_link", web_link);
        let mut overridden = Vec::new();
        for (name, builtin) in BUILTIN {
            let path = dir.map(|d| d.join(name));
            let source = match &path {
                Some(p) if p.is_file() => {
                    let s = std::fs::read_to_string(p).map_err(|e| NotifyError::Template {
                        name: p.display().to_string(),
                        message: e.to_string(),
                    })?;
                    overridden.push(p.clone());
                    s
                }
                _ => builtin.to_string(),
            };
            let shown = path
                .filter(|p| p.is_file())
                .map(|p| p.display().to_string())
                .unwrap_or(name.to_string());
            env.add_template_owned(name.to_string(), source)
                .map_err(|e| NotifyError::Template {
                    name: shown,
                    message: format!("{e:#}"),
                })?;
        }
        let r = Renderer { env, overridden };
        r.check_includes()?;
        Ok(r)
    }

    /// The override files in use.
    pub fn overridden(&self) -> &[PathBuf] {
        &self.overridden
    }

    /// Renders every template once with a sample, so a broken include or
    /// filter name shows at start.
    fn check_includes(&self) -> Result<(), NotifyError> {
        let sample = super::sample_payloads();
        let office = OfficeInfo {
            name: "市政务公开办".into(),
            signature: "市政务公开办".into(),
            console_url: String::new(),
        };
        for (kind, payload) in sample {
            let n = NoticeRecord {
                id: 0,
                finding_id: None,
                event_id: None,
                kind,
                channel: crate::store::Channel::Email,
                recipients: Vec::new(),
                urgent: false,
                payload,
                message_id: "<sample@xunjian.local>".into(),
                state: crate::store::NoticeState::Pending,
                created_at_ms: 0,
                due_at_ms: 0,
                attempts: 0,
                last_attempt_at_ms: None,
                last_error: None,
                sent_at_ms: None,
                server_reply: None,
                lease_owner: None,
                lease_until_ms: None,
                batch_id: None,
            };
            self.render(&n, &office)?;
        }
        Ok(())
    }

    fn one(&self, name: &str, ctx: &Value) -> Result<String, NotifyError> {
        let t = self
            .env
            .get_template(name)
            .map_err(|e| NotifyError::Template {
                name: name.to_string(),
                message: format!("{e:#}"),
            })?;
        t.render(ctx.clone()).map_err(|e| NotifyError::Template {
            name: name.to_string(),
            message: format!("{e:#}"),
        })
    }

    /// Renders a notice: the templates named after its kind, with the
    /// payload's keys, `office` and `notice` (id, message_id, kind).
    pub fn render(&self, n: &NoticeRecord, office: &OfficeInfo) -> Result<Rendered, NotifyError> {
        let prefix = match n.kind {
            NoticeKind::Finding => "finding",
            NoticeKind::Digest => "digest",
            NoticeKind::Reminder => "reminder",
            NoticeKind::Test => "test",
            NoticeKind::Operator | NoticeKind::Report => "operator",
        };
        let mut ctx = match &n.payload {
            serde_json::Value::Object(m) => m.clone(),
            other => {
                let mut m = serde_json::Map::new();
                m.insert("payload".into(), other.clone());
                m
            }
        };
        // `office.console_url`: the templates link a finding to
        // `{console_url}/findings/{id}` (the console's route) when set.
        let console_url = office.console_url.trim().trim_end_matches('/');
        ctx.insert(
            "office".into(),
            json!({ "name": office.name, "signature": office.signature, "console_url": console_url }),
        );
        ctx.insert(
            "notice".into(),
            json!({ "id": n.id, "message_id": n.message_id, "kind": n.kind.code(), "created_at_ms": n.created_at_ms }),
        );
        let value = Value::from(Serde(&ctx));
        let subject = self.one(&format!("{prefix}.subject.txt"), &value)?;
        let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
        ctx.insert("subject".into(), serde_json::Value::String(subject.clone()));
        let value = Value::from(Serde(&ctx));
        Ok(Rendered {
            text: self.one(&format!("{prefix}.txt"), &value)?,
            html: self.one(&format!("{prefix}.html"), &value)?,
            markdown: self.one(&format!("{prefix}.md"), &value)?,
            subject,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: NoticeKind, payload: serde_json::Value) -> NoticeRecord {
        NoticeRecord {
            id: 42,
            finding_id: Some(3),
            event_id: Some(17),
            kind,
            channel: crate::store::Channel::Email,
            recipients: vec!["office@gov.cn".into()],
            urgent: false,
            payload,
            message_id: "<finding-event-17-office@xunjian.local>".into(),
            state: crate::store::NoticeState::Pending,
            created_at_ms: 0,
            due_at_ms: 0,
            attempts: 0,
            last_attempt_at_ms: None,
            last_error: None,
            sent_at_ms: None,
            server_reply: None,
            lease_owner: None,
            lease_until_ms: None,
            batch_id: None,
        }
    }

    fn office() -> OfficeInfo {
        OfficeInfo {
            name: "市政务公开办".into(),
            signature: "某市人民政府办公室 政务公开办".into(),
            console_url: String::new(),
        }
    }

    /// With `[daemon] public_url`, every body links the finding to its
    /// console page; without it, no console line at all.
    #[test]
    fn a_finding_links_to_the_console_when_its_address_is_known() {
        let r = Renderer::new(None).unwrap();
        let (_, payload) = super::super::sample_payloads().remove(0);
        let id = payload["finding"]["id"].as_i64().unwrap();
        let plain = r.render(&record(NoticeKind::Finding, payload.clone()), &office()).unwrap();
        for body in [&plain.text, &plain.html, &plain.markdown] {
            assert!(!body.contains("/findings/") && !body.contains("控制台"), "{body}");
        }
        let mut with_console = office();
        with_console.console_url = "https://xunjian.example.gov.cn/".into();
        let out = r.render(&record(NoticeKind::Finding, payload), &with_console).unwrap();
        let page = format!("https://xunjian.example.gov.cn/findings/{id}");
        assert!(out.text.contains(&format!("控制台：{page}")), "{}", out.text);
        assert!(out.html.contains(&format!("<a href=\"{page}\">")), "{}", out.html);
        assert!(out.markdown.contains(&format!("]({page})")), "{}", out.markdown);
    }

    #[test]
    fn finding_subject_and_bodies() {
        let r = Renderer::new(None).unwrap();
        let (_, payload) = super::super::sample_payloads().remove(0);
        let out = r
            .render(&record(NoticeKind::Finding, payload), &office())
            .unwrap();
        assert_eq!(
            out.subject,
            "【政务新媒体巡检】预警：“某县人民政府发布”（新浪微博）已12天未更新"
        );
        for body in [&out.text, &out.html] {
            assert!(
                body.contains("《宝鸡市政府系统政务新媒体管理办法》第十六条"),
                "{body}"
            );
            // The page a person opens, not the API the capture came from.
            assert!(body.contains("https://weibo.com/u/1234567890"), "{body}");
            assert!(!body.contains("m.weibo.cn/api"), "{body}");
            assert!(body.contains(&"ab".repeat(32)), "{body}");
            assert!(body.contains("2026-11-21 10:00"), "{body}");
            assert!(body.contains("某市人民政府办公室 政务公开办"), "{body}");
        }
        assert!(
            out.text.contains("规定时限：2026-11-23 10:00"),
            "{}",
            out.text
        );
        assert!(out.html.starts_with("<!DOCTYPE html>"));
        assert!(
            out.markdown.contains("**某县人民政府发布**"),
            "{}",
            out.markdown
        );
    }

    #[test]
    fn html_escapes_what_the_platform_wrote() {
        let r = Renderer::new(None).unwrap();
        let (_, mut payload) = super::super::sample_payloads().remove(0);
        payload["account"]["display_name"] = "<script>x</script>".into();
        let out = r
            .render(&record(NoticeKind::Finding, payload), &office())
            .unwrap();
        assert!(!out.html.contains("<script>"), "{}", out.html);
        assert!(out.html.contains("&lt;script&gt;"));
        assert!(out.text.contains("<script>x</script>"));
    }

    #[test]
    fn the_action_line_is_shown_and_escaped() {
        let r = Renderer::new(None).unwrap();
        let (_, mut payload) = super::super::sample_payloads().remove(0);
        let plain = r.render(&record(NoticeKind::Finding, payload.clone()), &office()).unwrap();
        assert!(!plain.text.contains("处理："), "a state finding has no action line: {}", plain.text);
        // As a violation, a state finding asks for rectification.
        let mut opened = payload.clone();
        opened["event"]["kind"] = "opened".into();
        let state = r.render(&record(NoticeKind::Finding, opened), &office()).unwrap();
        assert!(state.text.contains("督促主办单位整改。"), "{}", state.text);
        // A third party's account is not the unit's to rectify: the opening
        // sentence points to the action line instead of asking for 整改.
        payload["finding"]["kind"] = "third_party".into();
        payload["event"]["kind"] = "opened".into();
        payload["finding"]["action_zh"] = "请核实后向平台举报<b>".into();
        let out = r.render(&record(NoticeKind::Finding, payload), &office()).unwrap();
        assert!(out.text.contains("处理：请核实后向平台举报<b>"), "{}", out.text);
        assert!(out.markdown.contains("处理：请核实后向平台举报"), "{}", out.markdown);
        assert!(out.html.contains("请核实后向平台举报&lt;b&gt;"), "{}", out.html);
        for body in [&out.text, &out.html] {
            assert!(!body.contains("整改。") && body.contains("请按下文“处理”一项办理"), "{body}");
        }
    }

    #[test]
    fn every_kind_renders() {
        let r = Renderer::new(None).unwrap();
        for (kind, payload) in super::super::sample_payloads() {
            let out = r.render(&record(kind, payload), &office()).unwrap();
            assert!(
                out.subject.starts_with("【政务新媒体巡检】"),
                "{kind:?}: {}",
                out.subject
            );
            assert!(!out.subject.contains('\n'));
            assert!(
                !out.text.trim().is_empty()
                    && !out.html.trim().is_empty()
                    && !out.markdown.trim().is_empty()
            );
        }
    }

    #[test]
    fn an_override_replaces_one_file_and_a_broken_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("finding.subject.txt"),
            "自定义：{{ account.display_name }}",
        )
        .unwrap();
        let r = Renderer::new(Some(dir.path())).unwrap();
        assert_eq!(r.overridden().len(), 1);
        let (_, payload) = super::super::sample_payloads().remove(0);
        let out = r
            .render(&record(NoticeKind::Finding, payload), &office())
            .unwrap();
        assert_eq!(out.subject, "自定义：某县人民政府发布");
        std::fs::write(dir.path().join("finding.txt"), "{% if %}").unwrap();
        let err = Renderer::new(Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("finding.txt"), "{err}");
    }

    #[test]
    fn digest_text_numbers_its_sections_without_gaps_and_has_no_program_forms() {
        let samples = crate::notify::sample_payloads();
        let digest = samples.iter().find(|(k, _)| *k == NoticeKind::Digest).unwrap().1.clone();
        let r = Renderer::new(None).unwrap();
        let office = OfficeInfo { name: "市政务公开办".into(), signature: "市政务公开办".into(), console_url: String::new() };
        let out = r.render(&record(NoticeKind::Digest, digest), &office).unwrap();
        let text = out.text;
        let heads: Vec<&str> = text
            .lines()
            .filter(|l| ["一、", "二、", "三、", "四、", "五、", "六、"].iter().any(|n| l.starts_with(n)))
            .collect();
        assert_eq!(heads.len(), 4, "{text}");
        for (h, n) in heads.iter().zip(["一、预警", "二、逾期仍未整改", "三、目前仍未整改", "四、未能检查"]) {
            assert!(h.starts_with(n), "{h} should start with {n}:\n{text}");
        }
        // The could-not-check detail is the operator's: one sentence here.
        assert!(!text.contains("平台要求验证码"), "{text}");
        assert!(text.contains("昨日有 1 个账号的部分检查项未能完成"), "{text}");
        // The office's to-do: next year's holiday calendar (late November).
        assert!(text.contains("请办理：缺少 2027 年节假日安排数据"), "{text}");
        assert!(out.html.contains("请办理：</b>缺少 2027 年节假日安排数据"), "{}", out.html);
        assert!(out.markdown.contains("**请办理**：缺少 2027 年节假日安排数据"), "{}", out.markdown);
        for bad in ["Some(", "None", "violation", "warning", "→ open", "rectify_by"] {
            assert!(!text.contains(bad), "{bad} in {text}");
        }
    }


    #[test]
    fn only_web_addresses_become_links() {
        let (_, mut payload) = crate::notify::sample_payloads().remove(0);
        payload["finding"]["evidence"] = serde_json::json!([
            {"label": "最近一条信息", "page_url": "javascript:alert(1)", "url": "https://m.weibo.cn/api/x", "sha256": null, "at_ms": 0},
            {"label": "主页", "page_url": "https://weibo.com/u/1\"><script>", "url": null, "sha256": null, "at_ms": 0},
            {"label": "帖子", "page_url": "https://weibo.com/1/AbC", "url": "https://m.weibo.cn/api/container", "sha256": null, "at_ms": 0},
        ]);
        payload["account"]["profile_url"] = serde_json::json!("data:text/html,<b>x</b>");
        let out = Renderer::new(None).unwrap().render(&record(NoticeKind::Finding, payload), &office()).unwrap();
        assert!(!out.html.contains("javascript:") && !out.text.contains("javascript:"), "{}", out.html);
        assert!(!out.html.contains("<script>") && !out.html.contains("href=\"data:"), "{}", out.html);
        assert!(out.html.contains(r#"<a href="https://weibo.com/1/AbC">"#), "{}", out.html);
        // The API address the capture came from is not what a person is sent to.
        assert!(!out.text.contains("m.weibo.cn/api"), "{}", out.text);
        assert!(out.markdown.contains("[链接](https://weibo.com/1/AbC)"), "{}", out.markdown);
    }

}
