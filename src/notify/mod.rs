//! Notices: planning (which transitions cause which messages, to whom, when),
//! rendering (templates the office can edit), and delivery from the outbox
//! (SMTP through lettre, `.eml` files, WeCom / DingTalk webhooks).
//!
//! The outbox is the `notices` table. A finding transition writes its
//! notices in the same transaction ([`plan_notices`] is the store's
//! planner), so a notice exists exactly when its cause does. [`Sender`]
//! leases due rows, renders, delivers and marks each one sent only after
//! the server accepted it; a sender that dies mid-way loses its lease and
//! the next one delivers the same row with the same Message-ID. Delivery is
//! therefore at least once, and exactly once unless a process dies between
//! the server's "250" and the database update — in which case the
//! repetition carries the same Message-ID, which mail clients show once.
//!
//! Time comes only from the `now` arguments.

pub mod config;
pub mod coverage;
pub mod delivery;
pub mod email;
pub mod plan;
pub mod render;
pub mod webhook;

pub use config::{DingtalkConfig, NotifyConfig, SmtpConfig, SmtpSecurity, WecomConfig};
pub use delivery::{DeliveryError, FailureClass};
pub use plan::{Audience, plan_notices, plan_reminder_notices};
pub use render::{OfficeInfo, Rendered, Renderer};

use crate::store::{
    Channel, FindingState, NewNotice, NoticeKind, NoticeRecord, NoticeState, Store, StoreError,
};
use chrono::{DateTime, Days, Utc};
use chrono_tz::Asia::Shanghai;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("通知配置有误 (notify configuration): {0}")]
    Config(String),
    #[error("通知模板 {name} 有误 (template error): {message}")]
    Template { name: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
}

/// What one sending pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendStats {
    /// Notices taken from the outbox.
    pub leased: usize,
    /// Accepted by the server and marked sent.
    pub sent: usize,
    /// Failed this time; due again after the backoff.
    pub retrying: usize,
    /// Given up (refused, or out of attempts): state `failed`.
    pub failed: usize,
    /// Delivered, but the lease had been taken over meanwhile (the pass took
    /// longer than `lease_secs`): the other sender delivers it again.
    pub lost_leases: usize,
    /// Each attempt that failed, by channel and class (for metrics).
    pub failures: Vec<(Channel, FailureClass)>,
}

impl SendStats {
    fn add(&mut self, o: SendStats) {
        self.leased += o.leased;
        self.sent += o.sent;
        self.retrying += o.retrying;
        self.failed += o.failed;
        self.lost_leases += o.lost_leases;
        self.failures.extend(o.failures);
    }
}

/// Where email goes.
#[derive(Debug, Clone)]
enum EmailTransport {
    Smtp(email::SmtpTarget),
    Files(PathBuf),
}

/// Delivers due notices from the outbox. Build one per configuration
/// (it holds the SMTP connection pool and the compiled templates).
#[derive(Debug)]
pub struct Sender {
    cfg: NotifyConfig,
    office: OfficeInfo,
    renderer: Renderer,
    email: EmailTransport,
    from: lettre::message::Mailbox,
    wecom: Option<webhook::Robot>,
    dingtalk: Option<webhook::Robot>,
    http: reqwest::Client,
}

/// The answer to `xunjian notices test`.
#[derive(Debug, Clone)]
pub struct TestReport {
    /// `smtp.example.org:465 (tls, user …)` or the `.eml` file written.
    pub transport: String,
    pub message_id: String,
    /// The server's reply (`250 …`) or the file's path.
    pub reply: String,
}

fn resolve(data_dir: &Path, configured: &str, default: &str) -> PathBuf {
    let c = configured.trim();
    let p = PathBuf::from(if c.is_empty() { default } else { c });
    if p.is_absolute() { p } else { data_dir.join(p) }
}

impl Sender {
    /// A sender with secrets from the process environment (see
    /// [`crate::secrets`]).
    pub fn new(
        cfg: &NotifyConfig,
        data_dir: &Path,
        office_name: &str,
    ) -> Result<Sender, NotifyError> {
        Sender::with_env(cfg, data_dir, office_name, &|k| std::env::var(k).ok())
    }

    /// A sender with secrets looked up in an injected environment (tests;
    /// embedders with their own secret store).
    pub fn with_env(
        cfg: &NotifyConfig,
        data_dir: &Path,
        office_name: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Sender, NotifyError> {
        cfg.validate().map_err(NotifyError::Config)?;
        // lettre and reqwest both use rustls; main.rs installs ring for the
        // process, and this does the same for tests and other embedders
        // (a second install is refused harmlessly).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let secret = |name: &str| -> Result<Option<String>, NotifyError> {
            Ok(crate::secrets::lookup_in(name, env)?.map(|(s, _)| s.expose().to_string()))
        };
        let templates = (!cfg.templates_dir.trim().is_empty())
            .then(|| resolve(data_dir, &cfg.templates_dir, ""));
        if let Some(t) = &templates
            && !t.is_dir()
        {
            return Err(NotifyError::Config(format!(
                "[notify] templates_dir {} 不是目录 (not a directory)",
                t.display()
            )));
        }
        let renderer = Renderer::new(templates.as_deref())?;
        let email = if cfg.smtp.host.trim().is_empty() {
            EmailTransport::Files(resolve(data_dir, &cfg.outbox_dir, "outbox"))
        } else {
            let pw = if cfg.smtp.user.trim().is_empty() {
                None
            } else {
                secret(&cfg.smtp.password_secret)?
            };
            EmailTransport::Smtp(email::smtp_target(&cfg.smtp, pw.as_deref())?)
        };
        let from_addr = match &cfg.smtp.from.0 {
            Some(a) => a.as_str().to_string(),
            None if cfg.smtp.user.trim().parse::<lettre::Address>().is_ok() => {
                cfg.smtp.user.trim().to_string()
            }
            None => format!("xunjian@{}", cfg.message_id_domain.as_str()),
        };
        let from_name = if cfg.smtp.from_name.trim().is_empty() {
            office_name
        } else {
            cfg.smtp.from_name.trim()
        };
        let from = lettre::message::Mailbox::new(
            Some(from_name.to_string()),
            from_addr.parse().map_err(|e| {
                NotifyError::Config(format!("[notify.smtp] from「{from_addr}」: {e}"))
            })?,
        );
        let robot = |enabled: bool, channel: Channel, url_secret: &str, sign: Option<&str>| {
            if !enabled {
                return Ok(None);
            }
            let Some(url) = secret(url_secret)? else {
                return Err(NotifyError::Config(format!(
                    "[notify.{ch}] enabled 但未找到密钥 {url_secret} (webhook URL secret not found: set {})",
                    crate::secrets::env_var_name(url_secret),
                    ch = channel.code()
                )));
            };
            let sign = match sign {
                Some(s) if !s.trim().is_empty() => secret(s)?,
                _ => None,
            };
            webhook::Robot::new(channel, &url, sign)
                .map(Some)
                .map_err(|e| NotifyError::Config(format!("[notify.{}] {e}", channel.code())))
        };
        let wecom = robot(
            cfg.wecom.enabled,
            Channel::Wecom,
            &cfg.wecom.url_secret,
            None,
        )?;
        let dingtalk = robot(
            cfg.dingtalk.enabled,
            Channel::Dingtalk,
            &cfg.dingtalk.url_secret,
            Some(&cfg.dingtalk.sign_secret),
        )?;
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(cfg.smtp.timeout_secs.max(1)))
            .user_agent(concat!("xunjian/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| NotifyError::Config(format!("HTTP client: {e}")))?;
        Ok(Sender {
            cfg: cfg.clone(),
            office: OfficeInfo {
                name: office_name.to_string(),
                signature: cfg.signature_or(office_name).to_string(),
                console_url: cfg.console_url.clone(),
            },
            renderer,
            email,
            from,
            wecom,
            dingtalk,
            http,
        })
    }

    /// Where email goes, for people: the SMTP server or the outbox folder.
    pub fn describe(&self) -> String {
        match &self.email {
            EmailTransport::Smtp(t) => format!("SMTP {}", t.description),
            EmailTransport::Files(d) => format!("eml 文件 (files) {}", d.display()),
        }
    }

    /// The outbox folder when email is written as files.
    pub fn outbox_dir(&self) -> Option<&Path> {
        match &self.email {
            EmailTransport::Files(d) => Some(d),
            EmailTransport::Smtp(_) => None,
        }
    }

    /// Renders a stored notice as it would be sent.
    pub fn render(&self, n: &NoticeRecord) -> Result<Rendered, NotifyError> {
        self.renderer.render(n, &self.office)
    }

    /// The wait after `attempts` failed attempts: `backoff_initial_secs`
    /// doubled per further attempt, at most `backoff_max_secs`.
    pub fn backoff(&self, attempts: i64) -> chrono::TimeDelta {
        let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let secs = self
            .cfg
            .backoff_initial_secs
            .saturating_mul(1u64 << exp)
            .min(self.cfg.backoff_max_secs);
        chrono::TimeDelta::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1000))
    }

    /// The longest one delivery attempt may take, all steps together
    /// (`[notify.smtp] timeout_secs`). A server that accepts the connection
    /// and then says nothing costs one notice this long, never more.
    pub fn deadline(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.cfg.smtp.timeout_secs.max(1))
    }

    /// One pass: lease due notices for `owner`, render, deliver, mark
    /// sent/failed. Crash-safe: a notice is marked sent only after the
    /// server accepted it; a leased row whose lease expires is retried with
    /// the same Message-ID.
    ///
    /// Each channel (email, WeCom, DingTalk) is worked through on its own,
    /// concurrently with the others: a mail server that stalls delays only
    /// the email notices, and those by at most one [`Sender::deadline`] per
    /// pass (after a transport failure the rest of the channel's notices
    /// are put back untried).
    pub async fn send_due(
        &self,
        store: &Store,
        now: DateTime<Utc>,
        owner: &str,
    ) -> Result<SendStats, NotifyError> {
        let now_ms = now.timestamp_millis();
        let lease_ms =
            i64::try_from(self.cfg.lease_secs.saturating_mul(1000)).unwrap_or(i64::MAX / 2);
        let leased = store
            .lease_due_notices(
                owner,
                now_ms,
                now_ms + lease_ms,
                i64::from(self.cfg.batch_size),
            )
            .await?;
        let of = |c: Channel| -> Vec<&NoticeRecord> {
            leased.iter().filter(|n| n.channel == c).collect()
        };
        let (email, wecom, dingtalk) = (of(Channel::Email), of(Channel::Wecom), of(Channel::Dingtalk));
        let started = tokio::time::Instant::now();
        let (a, b, c) = tokio::join!(
            self.send_channel(store, now, owner, &email, started),
            self.send_channel(store, now, owner, &wecom, started),
            self.send_channel(store, now, owner, &dingtalk, started),
        );
        let mut stats = SendStats {
            leased: leased.len(),
            ..SendStats::default()
        };
        for part in [a?, b?, c?] {
            stats.add(part);
        }
        Ok(stats)
    }

    /// Delivers the leased notices of one channel, one after the other.
    async fn send_channel(
        &self,
        store: &Store,
        now: DateTime<Utc>,
        owner: &str,
        notices: &[&NoticeRecord],
        started: tokio::time::Instant,
    ) -> Result<SendStats, NotifyError> {
        let now_ms = now.timestamp_millis();
        let lease = std::time::Duration::from_secs(self.cfg.lease_secs);
        let mut stats = SendStats::default();
        // A channel whose server is down (or refuses our login, or does not
        // answer in time) fails every notice the same way: the rest of this
        // pass is not tried on it.
        let mut down: Option<DeliveryError> = None;
        for n in notices {
            // A notice begun now might still be in flight when the lease
            // runs out, and another sender would then deliver it a second
            // time: it waits for the next pass instead.
            if started.elapsed() + self.deadline() > lease {
                if store
                    .defer_untried_notice(n.id, owner, "本轮时间已用完，下一轮发送 (pass out of time; next pass)", now_ms)
                    .await?
                {
                    stats.retrying += 1;
                } else {
                    stats.lost_leases += 1;
                }
                continue;
            }
            let (result, tried) = match &down {
                Some(e) => (
                    Err(DeliveryError {
                        detail: format!("本轮未尝试，同一渠道刚刚失败 (not tried: {})", e.detail),
                        ..e.clone()
                    }),
                    false,
                ),
                None => (self.deliver(n, now).await, true),
            };
            match result {
                Ok(reply) => {
                    if store.mark_notice_sent(n.id, owner, now_ms, &reply).await? {
                        stats.sent += 1;
                        tracing::info!(notice = n.id, channel = n.channel.code(), message_id = %n.message_id, reply = %reply, "notice sent");
                    } else {
                        stats.lost_leases += 1;
                        tracing::warn!(
                            notice = n.id,
                            "notice delivered after its lease was taken over; it will be delivered again under the same Message-ID"
                        );
                    }
                }
                Err(e) => {
                    if tried {
                        stats.failures.push((n.channel, e.class));
                        if e.class.is_transport_down() && down.is_none() {
                            tracing::warn!(
                                channel = n.channel.code(),
                                class = e.class.code(),
                                error = %e,
                                "channel failed; its other notices wait for the next pass"
                            );
                            down = Some(e.clone());
                        }
                    }
                    let give_up = tried
                        && (e.class.is_permanent()
                            || n.attempts >= i64::from(self.cfg.max_attempts));
                    let retry =
                        (!give_up).then(|| now_ms + self.backoff(n.attempts).num_milliseconds());
                    let kept = if tried {
                        store.record_notice_failure(n.id, owner, now_ms, &e.to_string(), retry).await?
                    } else {
                        // Not sent to the server: no attempt is counted.
                        let at = now_ms + self.backoff(n.attempts.saturating_sub(1).max(1)).num_milliseconds();
                        store.defer_untried_notice(n.id, owner, &e.to_string(), at).await?
                    };
                    if kept {
                        if give_up {
                            stats.failed += 1;
                        } else {
                            stats.retrying += 1;
                        }
                    } else {
                        stats.lost_leases += 1;
                    }
                    tracing::warn!(
                        notice = n.id,
                        channel = n.channel.code(),
                        class = e.class.code(),
                        attempts = n.attempts,
                        tried,
                        gave_up = give_up,
                        error = %e,
                        "notice not delivered"
                    );
                }
            }
        }
        Ok(stats)
    }

    /// Renders and delivers one notice within [`Sender::deadline`]; the
    /// server's reply on success. Running out of time drops the connection
    /// wherever it was (before the greeting, after EHLO, in DATA) and is a
    /// [`FailureClass::Timeout`], retried later like any other.
    async fn deliver(&self, n: &NoticeRecord, now: DateTime<Utc>) -> Result<String, DeliveryError> {
        let deadline = self.deadline();
        tokio::time::timeout(deadline, self.deliver_unbounded(n, now))
            .await
            .unwrap_or_else(|_| Err(DeliveryError::deadline(n.channel, deadline)))
    }

    async fn deliver_unbounded(&self, n: &NoticeRecord, now: DateTime<Utc>) -> Result<String, DeliveryError> {
        let r = self
            .renderer
            .render(n, &self.office)
            .map_err(|e| DeliveryError::new(FailureClass::Template, e.to_string()).on(n.channel))?;
        match n.channel {
            Channel::Email => self.deliver_email(n, &r, now).await,
            Channel::Wecom | Channel::Dingtalk => {
                let robot = if n.channel == Channel::Wecom {
                    &self.wecom
                } else {
                    &self.dingtalk
                };
                let Some(robot) = robot else {
                    return Err(DeliveryError::new(
                        FailureClass::NotConfigured,
                        format!("[notify.{}] 未启用 (not enabled)", n.channel.code()),
                    )
                    .on(n.channel));
                };
                robot.post(&self.http, &r.subject, &r.markdown, now).await
            }
        }
    }

    async fn deliver_email(
        &self,
        n: &NoticeRecord,
        r: &Rendered,
        now: DateTime<Utc>,
    ) -> Result<String, DeliveryError> {
        match &self.email {
            EmailTransport::Smtp(t) => {
                t.send(email::build_message(n, r, &self.from, now, false)?)
                    .await
            }
            EmailTransport::Files(dir) => {
                let m = email::build_message(n, r, &self.from, now, true)?;
                let path = email::write_atomically(dir, &email::eml_file_name(n), &m.formatted())
                    .map_err(|e| {
                    DeliveryError::new(FailureClass::Io, format!("{}: {e}", dir.display()))
                })?;
                Ok(format!("written {}", path.display()))
            }
        }
    }

    /// Sends one test message to `to` right away (not through the outbox)
    /// and returns the server's answer, or why it failed.
    pub async fn send_test(
        &self,
        to: &str,
        now: DateTime<Utc>,
    ) -> Result<TestReport, DeliveryError> {
        to.parse::<lettre::Address>().map_err(|e| {
            DeliveryError::new(
                FailureClass::RecipientRefused,
                format!("「{to}」不是有效的邮件地址: {e}"),
            )
        })?;
        let now_ms = now.timestamp_millis();
        let n = NoticeRecord {
            id: 0,
            finding_id: None,
            event_id: None,
            kind: NoticeKind::Test,
            channel: Channel::Email,
            recipients: vec![to.to_string()],
            urgent: true,
            payload: json!({ "v": plan::PAYLOAD_VERSION, "type": "test", "to": to, "at_ms": now_ms, "transport": self.describe() }),
            message_id: self.cfg.message_id(&format!("test-{now_ms}")),
            state: NoticeState::Pending,
            created_at_ms: now_ms,
            due_at_ms: now_ms,
            attempts: 0,
            last_attempt_at_ms: None,
            last_error: None,
            sent_at_ms: None,
            server_reply: None,
            lease_owner: None,
            lease_until_ms: None,
            batch_id: None,
        };
        let reply = self.deliver(&n, now).await?;
        Ok(TestReport {
            transport: self.describe(),
            message_id: n.message_id,
            reply,
        })
    }

    /// Posts a test message to each enabled robot.
    pub async fn test_robots(
        &self,
        now: DateTime<Utc>,
    ) -> Vec<(Channel, Result<String, DeliveryError>)> {
        let mut out = Vec::new();
        for robot in [&self.wecom, &self.dingtalk].into_iter().flatten() {
            let md = format!(
                "### 【政务新媒体巡检】测试消息\n这是巡检系统发出的测试消息（{}），收到说明机器人设置正确。",
                crate::rules::fmt_local(now)
            );
            let deadline = self.deadline();
            let post = robot.post(&self.http, "【政务新媒体巡检】测试消息", &md, now);
            let result = tokio::time::timeout(deadline, post)
                .await
                .unwrap_or_else(|_| Err(DeliveryError::deadline(robot.channel, deadline)));
            out.push((robot.channel, result));
        }
        out
    }
}

fn is_problem_event(kind: &str) -> bool {
    matches!(kind, "opened" | "escalated" | "reopened" | "rectify_rejected")
}

/// The office-wide part of the digest: every violation still open, and
/// what could not be checked in the last day and why.
async fn office_status(
    store: &Store,
    now: DateTime<Utc>,
) -> Result<(Vec<Value>, Vec<Value>), NotifyError> {
    let accounts: HashMap<i64, String> = store
        .list_accounts(&crate::store::AccountFilter {
            include_retired: true,
            ..Default::default()
        })
        .await?
        .into_iter()
        .map(|a| {
            (
                a.id,
                format!(
                    "“{}”（{}）",
                    a.spec.display_name,
                    a.spec.platform.display_name()
                ),
            )
        })
        .collect();
    let name = |id: i64| {
        accounts
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("#{id}"))
    };
    let open = store
        .list_findings(&crate::store::FindingFilter {
            states: vec![FindingState::Open],
            ..Default::default()
        })
        .await?
        .into_iter()
        .map(|f| {
            json!({
                "finding_id": f.id,
                "account": name(f.account_id),
                "rule_name": f.rule.display_name(),
                "since_ms": f.state_since_ms,
                "summary_zh": f.summary_zh,
            })
        })
        .collect();
    let today = now.with_timezone(&Shanghai).date_naive();
    let yesterday = today - Days::new(1);
    let fmt = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    // Latest day per (account, rule) on which nothing could be checked.
    let mut nc: BTreeMap<(i64, String), Value> = BTreeMap::new();
    for c in store
        .rule_coverage(None, &fmt(yesterday), &fmt(today))
        .await?
    {
        let key = (c.account_id, c.rule.code().to_string());
        if c.checked == 0 && c.not_checked > 0 {
            nc.insert(
                key,
                json!({
                    "account": name(c.account_id),
                    "rule_name": c.rule.display_name(),
                    "reason": c.last_reason,
                    "day": c.day,
                }),
            );
        } else {
            nc.remove(&key);
        }
    }
    Ok((open, nc.into_values().collect()))
}

/// Section numbers of a digest, in order.
const CHINESE_NUMBERS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// The payload of one digest carrying `members`.
fn digest_payload(
    audience: &str,
    members: &[&NoticeRecord],
    office_name: &str,
    now: DateTime<Utc>,
    office_status: Option<&(Vec<Value>, Vec<Value>)>,
    calendar_warnings: &[crate::calendar::CoverageWarning],
) -> Value {
    let mut sections: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for m in members {
        let mut item = m.payload.clone();
        if let Value::Object(o) = &mut item {
            o.insert("notice_id".into(), json!(m.id));
        }
        let section = match m.kind {
            NoticeKind::Reminder => "reminders",
            _ => match m.payload["event"]["kind"].as_str().unwrap_or_default() {
                k if is_problem_event(k) => "violations",
                "warned" => "warnings",
                "resolved" | "rectify_confirmed" => "resolved",
                _ => "violations",
            },
        };
        sections.entry(section).or_default().push(item);
    }
    let take = |k: &str| sections.get(k).cloned().unwrap_or_default();
    let (open, not_checked) = office_status.cloned().unwrap_or_default();
    // Sections are numbered as they appear: 一、二、… without gaps.
    let present = [
        ("violations", !take("violations").is_empty()),
        ("warnings", !take("warnings").is_empty()),
        ("resolved", !take("resolved").is_empty()),
        ("reminders", !take("reminders").is_empty()),
        ("open", !open.is_empty()),
        ("not_checked", !not_checked.is_empty()),
    ];
    let mut section_numbers = serde_json::Map::new();
    for (key, _) in present.iter().filter(|(_, shown)| *shown) {
        let n = section_numbers.len();
        section_numbers.insert((*key).into(), json!(CHINESE_NUMBERS.get(n).copied().unwrap_or("")));
    }
    // Accounts with something not checked yesterday: one sentence in the
    // digest; the operator's weekly report has the detail.
    let not_checked_accounts = not_checked
        .iter()
        .filter_map(|n| n["account"].as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let unit_name = members
        .first()
        .and_then(|m| m.payload["account"]["owner_unit"].as_str())
        .map(str::to_string);
    json!({
        "v": plan::PAYLOAD_VERSION,
        "type": "digest",
        "audience": audience,
        "office_name": office_name,
        "date": now.with_timezone(&Shanghai).format("%Y-%m-%d").to_string(),
        "at_ms": now.timestamp_millis(),
        "unit_name": unit_name,
        "counts": {
            "violations": take("violations").len(),
            "warnings": take("warnings").len(),
            "resolved": take("resolved").len(),
            "reminders": take("reminders").len(),
        },
        "violations": take("violations"),
        "warnings": take("warnings"),
        "resolved": take("resolved"),
        "reminders": take("reminders"),
        "open": open,
        "not_checked": not_checked,
        "not_checked_accounts": not_checked_accounts,
        "section_numbers": section_numbers,
        // The office's to-do (next year's holidays): not for units.
        "calendar_warnings": if office_status.is_some() {
            calendar_warnings.iter().map(|w| w.message.clone()).collect::<Vec<_>>()
        } else {
            Vec::new()
        },
    })
}

/// Groups claimed notices by who they go to and plans one digest per group.
fn plan_digests(
    cfg: &NotifyConfig,
    office_name: &str,
    now: DateTime<Utc>,
    claimed: &[NoticeRecord],
    status: &(Vec<Value>, Vec<Value>),
    calendar_warnings: &[crate::calendar::CoverageWarning],
) -> Vec<(NewNotice, Vec<i64>)> {
    let rank = |a: &str| match a {
        "office" => 0,
        "unit" => 1,
        "wecom" => 2,
        "dingtalk" => 3,
        _ => 4,
    };
    let mut groups: BTreeMap<(i32, String, Vec<String>), Vec<&NoticeRecord>> = BTreeMap::new();
    for n in claimed {
        let audience = n.payload["audience"]
            .as_str()
            .unwrap_or("office")
            .to_string();
        let mut rcpts: Vec<String> = n
            .recipients
            .iter()
            .map(|r| r.to_ascii_lowercase())
            .collect();
        rcpts.sort();
        groups
            .entry((
                rank(&audience),
                format!("{}:{audience}", n.channel.code()),
                rcpts,
            ))
            .or_default()
            .push(n);
    }
    let stamp = now
        .with_timezone(&Shanghai)
        .format("%Y%m%d%H%M")
        .to_string();
    groups
        .into_values()
        .map(|members| {
            let first = members[0];
            let audience = first.payload["audience"].as_str().unwrap_or("office");
            // Units see only their own accounts; the office-wide lists are
            // for the office and its group chats.
            let office_wide = (audience != "unit").then_some(status);
            let payload = digest_payload(audience, &members, office_name, now, office_wide, calendar_warnings);
            let notice = NewNotice {
                kind: NoticeKind::Digest,
                channel: first.channel,
                recipients: first.recipients.clone(),
                urgent: false,
                payload,
                // The first member's id is unique to this digest: rows are
                // carried once.
                message_id: cfg.message_id(&format!("digest-{stamp}-{}-{audience}", first.id)),
                due_at_ms: cfg.after_quiet_hours(now).timestamp_millis(),
                finding_id: None,
                event_id: None,
            };
            (notice, members.iter().map(|m| m.id).collect())
        })
        .collect()
}

/// Bundles every pending non-urgent finding (and reminder) notice into one
/// digest notice per recipient set; the bundled ones become `batched`.
/// Returns the first digest's id (the office's when there is one), `None`
/// when there was nothing to bundle or no digest is configured.
pub async fn run_digest(
    store: &Store,
    cfg: &NotifyConfig,
    office_name: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, NotifyError> {
    if cfg.digest_time.0.is_none() {
        return Ok(None);
    }
    let status = office_status(store, now).await?;
    let calendar_warnings = crate::calendar::active_coverage_warnings(now);
    let plan = |claimed: &[NoticeRecord]| plan_digests(cfg, office_name, now, claimed, &status, &calendar_warnings);
    let ids = store.batch_notices(now.timestamp_millis(), &plan).await?;
    if let Some(id) = coverage::plan_weekly_coverage(store, cfg, office_name, now).await? {
        tracing::info!(notice = id, "weekly coverage report written for the operator");
    }
    Ok(ids.first().copied())
}

/// Writes reminders for violations past their rectification deadline (or,
/// with none stated, open longer than `reminder_days`) with no reminder in
/// the last `reminder_days`. Returns the number of notices written.
pub async fn plan_reminders(
    store: &Store,
    cfg: &NotifyConfig,
    office_name: &str,
    calendar: &crate::calendar::HolidayCalendar,
    now: DateTime<Utc>,
) -> Result<usize, NotifyError> {
    if cfg.reminder_days == 0 {
        return Ok(0);
    }
    let cutoff = now.timestamp_millis() - i64::from(cfg.reminder_days) * 86_400_000;
    // Every open violation is a candidate; the planner keeps those overdue.
    let mut written = 0;
    for f in store.findings_due_for_reminder(now.timestamp_millis(), cutoff).await? {
        let Some(account) = store.get_account(f.account_id).await? else {
            continue;
        };
        let notices = plan_reminder_notices(cfg, office_name, calendar, &account, &f, now);
        written += store
            .enqueue_notices(&notices, now.timestamp_millis())
            .await?
            .len();
    }
    Ok(written)
}

/// One payload of each kind, for checking templates at start and in tests.
pub(crate) fn sample_payloads() -> Vec<(NoticeKind, Value)> {
    use crate::accounts::{Account, AccountSpec};
    use crate::rules::{Evidence, Finding, RuleId, Verdict};
    use crate::store::{EventKind, FindingTransition};
    let at = DateTime::parse_from_rfc3339("2026-11-21T10:00:00+08:00")
        .expect("sample time")
        .with_timezone(&Utc);
    let mut spec = AccountSpec::new(
        xunjian_adapters::model::Platform::Weibo,
        "1234567890",
        "某县人民政府发布",
    );
    spec.owner_unit = Some("某县人民政府办公室".into());
    spec.region = Some("某县".into());
    spec.profile_url = Some("https://weibo.com/u/1234567890".into());
    let account = Account {
        id: 1,
        spec,
        created_at_ms: 0,
        updated_at_ms: 0,
    };
    let mut measured = serde_json::Map::new();
    measured.insert("silent_secs".into(), json!(12 * 86_400 + 7200));
    measured.insert("limit_secs".into(), json!(14 * 86_400));
    measured.insert(
        "deadline_ms".into(),
        json!((at + chrono::TimeDelta::days(2)).timestamp_millis()),
    );
    let finding = Finding {
        rule: RuleId::Zombie,
        account_id: 1,
        subject: "account".into(),
        verdict: Verdict::Warning,
        citation: crate::rules::settings::BAOJI_16,
        summary_zh: "“某县人民政府发布”（新浪微博）已 12 天 2 小时未更新（最近一条 2026-11-09 08:00），若 2026-11-23 10:00 前仍不更新将超过 14 天的规定".into(),
        evidence: vec![Evidence {
            page_url: Some("https://weibo.com/u/1234567890".into()),
            label: "时间线抓取".into(),
            url: Some("https://m.weibo.cn/api/container/getIndex?containerid=1076031234567890".into()),
            sha256: Some("ab".repeat(32)),
            at_ms: at.timestamp_millis(),
        }],
        measured,
    };
    let t = FindingTransition {
        event_id: 1,
        finding_id: 1,
        kind: EventKind::Warned,
        from: None,
        to: FindingState::Warning,
        at_ms: at.timestamp_millis(),
        first_seen_at_ms: at.timestamp_millis(),
        finding,
    };
    let cfg = NotifyConfig::default();
    let finding_payload = plan_notices(&cfg, "市政务公开办", &crate::calendar::HolidayCalendar::builtin(), &account, &t)
        .remove(0)
        .payload;
    let stored = crate::store::StoredFinding {
        id: 1,
        fingerprint: t.finding.fingerprint(),
        rule: RuleId::Zombie,
        account_id: 1,
        subject: "account".into(),
        state: FindingState::Open,
        state_since_ms: at.timestamp_millis(),
        last_verdict: "violation".into(),
        not_checked_reason: None,
        summary_zh: t.finding.summary_zh.clone(),
        citation_document: "宝鸡市政府系统政务新媒体管理办法".into(),
        citation_number: None,
        citation_article: "第十六条".into(),
        citation_basis: crate::rules::CitationBasis::InForce,
        evidence: t.finding.evidence.clone(),
        measured: t.finding.measured.clone(),
        first_seen_at_ms: at.timestamp_millis(),
        last_seen_at_ms: at.timestamp_millis(),
        last_evaluated_at_ms: at.timestamp_millis(),
        resolved_at_ms: None,
        dismissed_reason: None,
        dismissed_by: None,
        rectify_note: None,
        rectify_link: None,
        rectify_by: None,
        rectify_at_ms: None,
        rectify_outcome: None,
        rectify_outcome_at_ms: None,
        mark: None,
        mark_note: None,
        marked_by: None,
        marked_at_ms: None,
    };
    let later = at + chrono::TimeDelta::days(8);
    let reminder_payload = plan_reminder_notices(&cfg, "市政务公开办", &crate::calendar::HolidayCalendar::builtin(), &account, &stored, later)
        .remove(0)
        .payload;
    let member = |id: i64, kind: NoticeKind, payload: &Value| NoticeRecord {
        id,
        finding_id: Some(1),
        event_id: None,
        kind,
        channel: Channel::Email,
        recipients: Vec::new(),
        urgent: false,
        payload: payload.clone(),
        message_id: format!("<m{id}@xunjian.local>"),
        state: NoticeState::Batched,
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
    let m1 = member(1, NoticeKind::Finding, &finding_payload);
    let m2 = member(2, NoticeKind::Reminder, &reminder_payload);
    let status = (
        vec![
            json!({"finding_id": 1, "account": "“某县人民政府发布”（新浪微博）", "rule_name": "内容不更新", "since_ms": at.timestamp_millis(), "summary_zh": "…"}),
        ],
        vec![
            json!({"account": "“某县发布”（微信公众号）", "rule_name": "内容不更新", "reason": "平台要求验证码", "day": "2026-11-21"}),
        ],
    );
    // Late November without next year's holiday data: the office's to-do.
    let calendar_warnings = crate::calendar::coverage_warnings(
        &crate::calendar::HolidayCalendar::builtin().known_years(),
        later.with_timezone(&Shanghai).date_naive(),
    );
    let digest = digest_payload("office", &[&m1, &m2], "市政务公开办", later, Some(&status), &calendar_warnings);
    vec![
        (NoticeKind::Finding, finding_payload),
        (NoticeKind::Reminder, reminder_payload),
        (NoticeKind::Digest, digest),
        (
            NoticeKind::Test,
            json!({"v": 1, "type": "test", "to": "office@example.org", "at_ms": at.timestamp_millis(), "transport": "SMTP smtp.example.org:465 (tls)"}),
        ),
        (
            NoticeKind::Operator,
            json!({"v": 1, "type": "operator", "title": "新浪微博连续拦截抓取", "body": "已暂停访问 30 分钟。", "url": null}),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let s = Sender::with_env(&NotifyConfig::default(), dir.path(), "办", &|_| None).unwrap();
        let secs: Vec<i64> = (1..=8).map(|a| s.backoff(a).num_seconds()).collect();
        assert_eq!(secs, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(s.outbox_dir(), Some(dir.path().join("outbox").as_path()));
    }

    #[test]
    fn a_robot_without_its_secret_is_a_clear_error() {
        let cfg: NotifyConfig = toml::from_str("[wecom]\nenabled = true").unwrap();
        let err = Sender::with_env(&cfg, Path::new("/tmp"), "办", &|_| None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("wecom-webhook") && err.contains("XUNJIAN_WECOM_WEBHOOK"),
            "{err}"
        );
        let cfg: NotifyConfig = toml::from_str(
            "office_recipients = [\"a@b.cn\"]\n[smtp]\nhost = \"127.0.0.1\"\nuser = \"u\"",
        )
        .unwrap();
        let err = Sender::with_env(&cfg, Path::new("/tmp"), "办", &|_| None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("smtp-password"), "{err}");
    }

    #[test]
    fn digest_sections_follow_the_event() {
        let samples = sample_payloads();
        let digest = &samples
            .iter()
            .find(|(k, _)| *k == NoticeKind::Digest)
            .unwrap()
            .1;
        assert_eq!(digest["counts"]["warnings"], 1);
        assert_eq!(digest["counts"]["reminders"], 1);
        assert_eq!(digest["counts"]["violations"], 0);
        assert_eq!(digest["open"].as_array().unwrap().len(), 1);
        // Numbered as shown: no 一、新增违规 (none), so 预警 is 一.
        assert_eq!(
            digest["section_numbers"],
            json!({"warnings": "一", "reminders": "二", "open": "三", "not_checked": "四"})
        );
        assert_eq!(digest["not_checked_accounts"], 1);
        let calendar = digest["calendar_warnings"].as_array().unwrap();
        assert_eq!(calendar.len(), 1, "{digest}");
        assert!(calendar[0].as_str().unwrap().contains("缺少 2027 年节假日安排数据"), "{digest}");
    }

    #[test]
    fn units_do_not_get_the_offices_calendar_to_do() {
        let warnings = crate::calendar::coverage_warnings(&[2026], chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap());
        assert_eq!(warnings.len(), 1);
        let now = chrono::Utc::now();
        let unit = digest_payload("unit", &[], "办", now, None, &warnings);
        assert_eq!(unit["calendar_warnings"], json!([]));
        let office = digest_payload("office", &[], "办", now, Some(&(Vec::new(), Vec::new())), &warnings);
        assert_eq!(office["calendar_warnings"], json!([warnings[0].message]));
    }
}
