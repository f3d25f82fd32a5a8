//! `[notify]`: who hears of what, when, and how it travels.
//!
//! Values serde alone cannot check (addresses, times of day, rule names) are
//! newtypes that validate while the file is parsed, so a misspelt address or
//! `quiet_hours = "22-7"` is an error naming the key at start, not a notice
//! lost at three in the morning.

use chrono::NaiveTime;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// `[notify]` in the configuration. Every key has a default; the example
/// configuration (`src/cli/xunjian.example.toml`) documents each one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    /// The supervising office's addresses: every notice goes to them.
    pub office_recipients: Vec<EmailAddress>,
    /// Also write to the unit's contact (the registry's 电子邮箱), in a
    /// notice of its own that names only its own accounts.
    pub unit_contacts: bool,
    /// Extra addresses for findings of one rule (key: rule code, or
    /// `repost_missing`), in addition to the office.
    pub rule_recipients: BTreeMap<RuleSelector, Vec<EmailAddress>>,
    /// Violations of these rules go to the office at once; everything else
    /// waits for the daily digest. Default: the national veto items
    /// (单项否决: zombie, interaction, vanished) and impostors. A unit's
    /// contact always gets the digest only: at most one message a day.
    pub urgent_rules: Vec<RuleSelector>,
    /// When the daily digest is sent (Asia/Shanghai, `HH:MM`); empty: no
    /// digest, every notice goes on its own.
    pub digest_time: DailyTime,
    /// A non-urgent notice the digest did not carry by `digest_time` plus
    /// this many minutes is sent on its own (the digest job did not run):
    /// late is better than lost.
    pub digest_grace_minutes: u32,
    /// Remind the unit of a violation still open past its rectification
    /// deadline (without one: open this many days), and again every this
    /// many days; 0: no reminders.
    pub reminder_days: u32,
    /// No mail in this window (Asia/Shanghai, `HH:MM-HH:MM`, may cross
    /// midnight); what falls due inside waits for its end. Empty: none.
    pub quiet_hours: QuietHours,
    /// Working days (the holiday calendar's, with 调休) the unit is given
    /// to rectify a violation, stated in the notice; 0: no deadline stated.
    /// `rectify_days`, the earlier name, is read as the same key.
    #[serde(alias = "rectify_days")]
    pub rectify_workdays: u32,
    /// Who hears of what the daemon itself cannot do: platforms refusing
    /// us, and the weekly coverage report (what could not be checked, per
    /// platform). Empty: the office's addresses.
    pub operator_recipients: Vec<EmailAddress>,
    /// The day of the week (1 = Monday … 7 = Sunday) the operator gets the
    /// coverage of the past seven days, with the digest; 0: never.
    pub coverage_report_weekday: u8,
    /// Where `.eml` files go when no SMTP host is configured. Empty:
    /// `<data_dir>/outbox`. Relative: to the data directory.
    pub outbox_dir: String,
    /// A directory of templates overriding the built-in ones file by file
    /// (same names as `templates/notices/`). Relative: to the data
    /// directory. Empty: built-in only.
    pub templates_dir: String,
    /// Delivery attempts before a notice is given up as failed (it stays in
    /// the outbox; `xunjian notices resend` sends it again).
    pub max_attempts: u32,
    /// Wait after the first failed attempt; doubled after each further one.
    pub backoff_initial_secs: u64,
    /// Longest wait between attempts.
    pub backoff_max_secs: u64,
    /// How long a sender holds a notice it is delivering; a sender that
    /// crashed loses it after this and another delivers it.
    pub lease_secs: u64,
    /// Notices taken per sending pass.
    pub batch_size: u32,
    /// The right-hand side of Message-IDs (`<finding-event-17-office@DOMAIN>`).
    pub message_id_domain: MessageIdDomain,
    /// Signature under every message. Empty: the office's name.
    pub signature: String,
    pub smtp: SmtpConfig,
    pub wecom: WecomConfig,
    pub dingtalk: DingtalkConfig,
    /// The console's address, `[daemon] public_url` (copied there by
    /// [`crate::config::parse`]; not a key of `[notify]`): a notice about a
    /// finding links to the finding's page. Empty: no link.
    #[serde(skip)]
    pub console_url: String,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            office_recipients: Vec::new(),
            unit_contacts: true,
            rule_recipients: BTreeMap::new(),
            urgent_rules: ["zombie", "interaction", "vanished", "impostor"]
                .into_iter()
                .map(|s| RuleSelector::try_from(s.to_string()).expect("known selector"))
                .collect(),
            digest_time: DailyTime(NaiveTime::from_hms_opt(8, 30, 0)),
            digest_grace_minutes: 120,
            reminder_days: 14,
            quiet_hours: QuietHours(None),
            rectify_workdays: 5,
            operator_recipients: Vec::new(),
            coverage_report_weekday: 1,
            outbox_dir: String::new(),
            templates_dir: String::new(),
            max_attempts: 20,
            backoff_initial_secs: 60,
            backoff_max_secs: 3600,
            lease_secs: 300,
            batch_size: 50,
            message_id_domain: MessageIdDomain("xunjian.local".to_string()),
            signature: String::new(),
            smtp: SmtpConfig::default(),
            wecom: WecomConfig::default(),
            dingtalk: DingtalkConfig::default(),
            console_url: String::new(),
        }
    }
}

/// `[notify.smtp]`. With an empty `host`, notices become `.eml` files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    pub host: String,
    /// 0: the usual port for `security` (587 starttls, 465 tls, 25 none).
    pub port: u16,
    pub security: SmtpSecurity,
    /// Login name; empty: no authentication.
    pub user: String,
    /// The secret holding the password (or the provider's 授权码).
    pub password_secret: String,
    /// Sender address; empty: `user` when it is an address.
    pub from: OptionalAddress,
    /// Sender display name; empty: the office's name.
    pub from_name: String,
    /// Name given in EHLO; empty: this machine's host name.
    pub hello_name: String,
    /// The longest one delivery may take, every step together (connect,
    /// greeting, EHLO, STARTTLS, AUTH, MAIL/RCPT/DATA, QUIT), and the same
    /// for a robot's webhook: a server that accepts and never answers fails
    /// the attempt as a timeout, retried later. Also each SMTP command's own
    /// timeout.
    pub timeout_secs: u64,
    /// A PEM file of extra CA certificates to trust (an intranet server's
    /// own CA), in addition to the system's.
    pub ca_file: String,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            host: String::new(),
            port: 0,
            security: SmtpSecurity::Starttls,
            user: String::new(),
            password_secret: "smtp-password".to_string(),
            from: OptionalAddress(None),
            from_name: String::new(),
            hello_name: String::new(),
            timeout_secs: 30,
            ca_file: String::new(),
        }
    }
}

impl SmtpConfig {
    pub fn effective_port(&self) -> u16 {
        if self.port != 0 {
            return self.port;
        }
        match self.security {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, required (port 587).
    Starttls,
    /// TLS from the first byte (port 465; Tencent, 163, Aliyun).
    Tls,
    /// No encryption: only to a relay on this machine (loopback).
    None,
}

/// `[notify.wecom]`: a WeCom (企业微信) group robot.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WecomConfig {
    pub enabled: bool,
    /// The secret holding the robot's full webhook URL (it carries the key).
    pub url_secret: String,
}

impl Default for WecomConfig {
    fn default() -> Self {
        WecomConfig {
            enabled: false,
            url_secret: "wecom-webhook".to_string(),
        }
    }
}

/// `[notify.dingtalk]`: a DingTalk (钉钉) group robot.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DingtalkConfig {
    pub enabled: bool,
    /// The secret holding the robot's full webhook URL (with access_token).
    pub url_secret: String,
    /// The secret holding the robot's signing secret (加签, `SEC…`); when
    /// that secret is not set, requests are not signed.
    pub sign_secret: String,
}

impl Default for DingtalkConfig {
    fn default() -> Self {
        DingtalkConfig {
            enabled: false,
            url_secret: "dingtalk-webhook".to_string(),
            sign_secret: "dingtalk-secret".to_string(),
        }
    }
}

/// An email address, checked when the configuration is read.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let t = s.trim();
        t.parse::<lettre::Address>()
            .map(|_| EmailAddress(t.to_string()))
            .map_err(|e| format!("「{s}」不是有效的邮件地址 (not an email address): {e}"))
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// An email address or nothing (`""`).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct OptionalAddress(pub Option<EmailAddress>);

impl TryFrom<String> for OptionalAddress {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.trim().is_empty() {
            Ok(OptionalAddress(None))
        } else {
            EmailAddress::try_from(s).map(|a| OptionalAddress(Some(a)))
        }
    }
}

impl fmt::Debug for OptionalAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// Which findings a rule-keyed setting applies to: a rule code
/// (`zombie`, `vanished`, …), `repost_missing` (a key item not reposted at
/// all by its deadline, as opposed to reposted late), or `impostor`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct RuleSelector(String);

impl RuleSelector {
    /// Selectors that are not rule codes of this build. `impostor` is the
    /// impostor-search rule's code, accepted ahead of that rule so that the
    /// default `urgent_rules` needs no change when it lands.
    const EXTRA: [&'static str; 2] = ["repost_missing", "impostor"];

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a finding of `rule` with these measured values is selected.
    pub fn matches(
        &self,
        rule: &str,
        measured: &serde_json::Map<String, serde_json::Value>,
    ) -> bool {
        match self.0.as_str() {
            "repost_missing" => {
                rule == "repost_delay"
                    && measured
                        .get("missing")
                        .and_then(|v| v.as_bool())
                        .unwrap_or(false)
            }
            s => s == rule,
        }
    }
}

impl TryFrom<String> for RuleSelector {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let t = s.trim();
        if crate::rules::RuleId::from_code(t).is_some() || RuleSelector::EXTRA.contains(&t) {
            return Ok(RuleSelector(t.to_string()));
        }
        let mut known: Vec<&str> = crate::rules::RuleId::ALL.iter().map(|r| r.code()).collect();
        known.extend(RuleSelector::EXTRA);
        Err(format!(
            "未知规则「{s}」(unknown rule); 可用 (known): {}",
            known.join(", ")
        ))
    }
}

impl fmt::Debug for RuleSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

fn parse_hhmm(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| format!("「{s}」不是 HH:MM 格式的时间 (not a time of day HH:MM)"))
}

/// A time of day in Asia/Shanghai (`"08:30"`), or none (`""`).
#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct DailyTime(pub Option<NaiveTime>);

impl TryFrom<String> for DailyTime {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.trim().is_empty() {
            Ok(DailyTime(None))
        } else {
            parse_hhmm(&s).map(|t| DailyTime(Some(t)))
        }
    }
}

impl fmt::Debug for DailyTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// A daily window in Asia/Shanghai (`"22:00-07:00"`), or none (`""`).
#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct QuietHours(pub Option<(NaiveTime, NaiveTime)>);

impl TryFrom<String> for QuietHours {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.trim().is_empty() {
            return Ok(QuietHours(None));
        }
        let Some((a, b)) = s.split_once('-') else {
            return Err(format!(
                "「{s}」应为 HH:MM-HH:MM，如 22:00-07:00 (expected HH:MM-HH:MM)"
            ));
        };
        let (a, b) = (parse_hhmm(a)?, parse_hhmm(b)?);
        if a == b {
            return Err(format!("「{s}」开始与结束相同 (start equals end)"));
        }
        Ok(QuietHours(Some((a, b))))
    }
}

impl fmt::Debug for QuietHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// The domain part of Message-IDs: letters, digits, dots and hyphens.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct MessageIdDomain(String);

impl MessageIdDomain {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MessageIdDomain {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let t = s.trim();
        if !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            Ok(MessageIdDomain(t.to_string()))
        } else {
            Err(format!(
                "「{s}」不是有效的域名 (message_id_domain: letters, digits, dots, hyphens)"
            ))
        }
    }
}

impl fmt::Debug for MessageIdDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl NotifyConfig {
    /// The signature under messages.
    pub fn signature_or<'a>(&'a self, office_name: &'a str) -> &'a str {
        if self.signature.trim().is_empty() {
            office_name
        } else {
            &self.signature
        }
    }

    /// Whether violations of `rule` with these measured values go at once.
    pub fn is_urgent_rule(
        &self,
        rule: &str,
        measured: &serde_json::Map<String, serde_json::Value>,
    ) -> bool {
        self.urgent_rules.iter().any(|s| s.matches(rule, measured))
    }

    /// The office's addresses plus the rule's extra ones, without repeats.
    /// Where operator notices go: `operator_recipients`, or the office.
    pub fn operator_addresses(&self) -> Vec<String> {
        let list = if self.operator_recipients.is_empty() {
            &self.office_recipients
        } else {
            &self.operator_recipients
        };
        list.iter().map(|a| a.as_str().to_string()).collect()
    }

    pub fn office_addresses(
        &self,
        rule: &str,
        measured: &serde_json::Map<String, serde_json::Value>,
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let extra = self
            .rule_recipients
            .iter()
            .filter(|(k, _)| k.matches(rule, measured))
            .flat_map(|(_, v)| v);
        for a in self.office_recipients.iter().chain(extra) {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(a.as_str())) {
                out.push(a.as_str().to_string());
            }
        }
        out
    }

    /// Settings that are valid one by one but not together. Called by
    /// [`super::Sender::new`]; `config check` can call it too.
    pub fn validate(&self) -> Result<(), String> {
        if !self.smtp.host.trim().is_empty() && self.office_recipients.is_empty() {
            return Err(
                "[notify] 已配置 smtp.host 但 office_recipients 为空：提醒将无人接收 \
                        (smtp.host is set but office_recipients is empty)"
                    .to_string(),
            );
        }
        if self.smtp.security == SmtpSecurity::None
            && !self.smtp.host.trim().is_empty()
            && !is_loopback_host(self.smtp.host.trim())
        {
            return Err(format!(
                "[notify.smtp] security = \"none\" 只能用于本机中继，「{}」不是本机地址 \
                 (plain SMTP only to a loopback relay; use starttls or tls)",
                self.smtp.host
            ));
        }
        if !(1..=600).contains(&self.smtp.timeout_secs) {
            return Err(format!(
                "[notify.smtp] timeout_secs = {} 超出范围，应为 1 到 600 秒 (must be 1..=600)",
                self.smtp.timeout_secs
            ));
        }
        if self.coverage_report_weekday > 7 {
            return Err(format!(
                "[notify] coverage_report_weekday = {} 超出范围，应为 1（周一）到 7（周日），0 表示不发送 \
                 (must be 0..=7)",
                self.coverage_report_weekday
            ));
        }
        if self.rectify_workdays > 60 {
            return Err(format!(
                "[notify] rectify_workdays = {} 过长，应不超过 60 个工作日 (must be at most 60)",
                self.rectify_workdays
            ));
        }
        if self.max_attempts == 0 {
            return Err("[notify] max_attempts 至少为 1 (must be at least 1)".to_string());
        }
        if self.lease_secs < self.smtp.timeout_secs.saturating_mul(2) {
            return Err(format!(
                "[notify] lease_secs ({}) 应至少是 smtp.timeout_secs ({}) 的两倍，否则发送未完成租约已过期，可能重复发送 \
                 (lease_secs must be at least twice smtp.timeout_secs)",
                self.lease_secs, self.smtp.timeout_secs
            ));
        }
        if self.batch_size == 0 {
            return Err("[notify] batch_size 至少为 1 (must be at least 1)".to_string());
        }
        Ok(())
    }
}

pub(crate) fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<NotifyConfig, String> {
        toml::from_str::<NotifyConfig>(s).map_err(|e| e.to_string())
    }

    #[test]
    fn empty_is_the_defaults() {
        let c = parse("").unwrap();
        assert_eq!(format!("{c:?}"), format!("{:?}", NotifyConfig::default()));
        assert!(c.validate().is_ok());
        assert_eq!(c.smtp.effective_port(), 587);
    }

    #[test]
    fn bad_values_are_named() {
        let e = parse("office_recipients = [\"not-an-address\"]").unwrap_err();
        assert!(
            e.contains("not-an-address") && e.contains("office_recipients"),
            "{e}"
        );
        let e = parse("urgent_rules = [\"zombi\"]").unwrap_err();
        assert!(e.contains("zombi"), "{e}");
        let e = parse("quiet_hours = \"22-7\"").unwrap_err();
        assert!(e.contains("22-7"), "{e}");
        assert!(parse("digest_time = \"25:00\"").is_err());
        assert!(parse("[smtp]\nsecurity = \"ssl\"").is_err());
        assert!(parse("[smtp]\nfrom = \"x\"").is_err());
        assert!(parse("message_id_domain = \"a b\"").is_err());
        assert!(parse("[rule_recipients]\nzombie2 = []").is_err());
        assert!(parse("colour = 1").unwrap_err().contains("colour"));
    }

    #[test]
    fn combinations_are_checked() {
        let c = parse("[smtp]\nhost = \"smtp.example.org\"").unwrap();
        assert!(c.validate().unwrap_err().contains("office_recipients"));
        let c = parse("office_recipients = [\"a@b.cn\"]\n[smtp]\nhost = \"smtp.example.org\"\nsecurity = \"none\"").unwrap();
        assert!(c.validate().unwrap_err().contains("none"));
        let c = parse(
            "office_recipients = [\"a@b.cn\"]\n[smtp]\nhost = \"127.0.0.1\"\nsecurity = \"none\"",
        )
        .unwrap();
        assert!(c.validate().is_ok());
        assert_eq!(c.smtp.effective_port(), 25);
    }

    #[test]
    fn selectors_and_recipients() {
        let c = parse(
            "office_recipients = [\"office@gov.cn\", \"b@gov.cn\"]\n\
             [rule_recipients]\nrepost_missing = [\"media@gov.cn\", \"OFFICE@gov.cn\"]\nzombie = [\"z@gov.cn\"]",
        )
        .unwrap();
        let mut missing = serde_json::Map::new();
        missing.insert("missing".into(), true.into());
        let late = serde_json::Map::new();
        assert_eq!(
            c.office_addresses("repost_delay", &missing),
            ["office@gov.cn", "b@gov.cn", "media@gov.cn"]
        );
        assert_eq!(
            c.office_addresses("repost_delay", &late),
            ["office@gov.cn", "b@gov.cn"]
        );
        // The defaults: the veto items and impostors.
        assert!(!c.is_urgent_rule("repost_delay", &missing));
        assert!(!c.is_urgent_rule("repost_delay", &late));
        assert!(c.is_urgent_rule("vanished", &late));
        assert!(c.is_urgent_rule("zombie", &late));
        assert!(c.is_urgent_rule("interaction", &late));
        assert!(c.is_urgent_rule("impostor", &late));
        assert!(!c.is_urgent_rule("verification", &late));
        let m = parse("urgent_rules = [\"repost_missing\"]").unwrap();
        assert!(m.is_urgent_rule("repost_delay", &missing));
        assert!(!m.is_urgent_rule("repost_delay", &late));
        assert_eq!(
            parse("quiet_hours = \"22:00-07:30\"")
                .unwrap()
                .quiet_hours
                .0
                .unwrap()
                .1
                .to_string(),
            "07:30:00"
        );
    }
}
