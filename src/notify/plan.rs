//! Planning: which notices a finding transition (or a long-open finding)
//! causes, to whom, when, and with what payload. Pure functions: the store
//! calls [`plan_notices`] inside the transaction that records the
//! transition, so the notice exists exactly when its cause does.
//!
//! The payload holds facts (account snapshot, finding, citation, evidence,
//! deadlines), never wording beyond the rules' own sentences: the office's
//! templates turn it into a message at send time.

use super::config::NotifyConfig;
use crate::accounts::Account;
use crate::calendar::HolidayCalendar;
use crate::rules::{Evidence, FindingKind, RuleId, fmt_duration_zh};
use crate::store::{Channel, EventKind, FindingTransition, NewNotice, NoticeKind, StoredFinding};
use chrono::{DateTime, Days, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use serde::Serialize;
use serde_json::{Value, json};

/// Payload format version, so templates and future code can tell.
pub const PAYLOAD_VERSION: i64 = 1;

/// Who a notice is written for. Office notices name every account; unit
/// notices go to one unit's contact; robots post to a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Office,
    Unit,
    Wecom,
    Dingtalk,
}

impl Audience {
    pub fn code(self) -> &'static str {
        match self {
            Audience::Office => "office",
            Audience::Unit => "unit",
            Audience::Wecom => "wecom",
            Audience::Dingtalk => "dingtalk",
        }
    }
    pub fn channel(self) -> Channel {
        match self {
            Audience::Office | Audience::Unit => Channel::Email,
            Audience::Wecom => Channel::Wecom,
            Audience::Dingtalk => Channel::Dingtalk,
        }
    }
}

fn utc_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn local_at(d: NaiveDate, t: chrono::NaiveTime) -> DateTime<Utc> {
    // Asia/Shanghai has had no DST since 1991: every local time exists once.
    Shanghai
        .from_local_datetime(&d.and_time(t))
        .earliest()
        .expect("Shanghai has no DST gaps")
        .with_timezone(&Utc)
}

impl NotifyConfig {
    /// The first digest time strictly after `now`, or `None` without a
    /// digest. The daemon schedules [`super::run_digest`] with it.
    pub fn next_digest_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let t = self.digest_time.0?;
        let today = now.with_timezone(&Shanghai).date_naive();
        let at = local_at(today, t);
        Some(if at > now {
            at
        } else {
            local_at(today + Days::new(1), t)
        })
    }

    /// `t`, or the end of the quiet hours when `t` falls inside them.
    pub fn after_quiet_hours(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        let Some((start, end)) = self.quiet_hours.0 else {
            return t;
        };
        let local = t.with_timezone(&Shanghai);
        let (day, time) = (local.date_naive(), local.time());
        if start < end {
            if time >= start && time < end {
                local_at(day, end)
            } else {
                t
            }
        } else if time >= start {
            // The window crosses midnight: from `start` today to `end` tomorrow.
            local_at(day + Days::new(1), end)
        } else if time < end {
            local_at(day, end)
        } else {
            t
        }
    }

    /// When a notice written at `at` falls due: urgent ones (or all, without
    /// a digest) at once; the rest after the next digest plus the grace
    /// period, so the digest carries them and a missed digest still lets
    /// them out. Quiet hours apply to both.
    pub fn due_at(&self, at: DateTime<Utc>, urgent: bool) -> DateTime<Utc> {
        let base = match (urgent, self.next_digest_at(at)) {
            (false, Some(d)) => d + TimeDelta::minutes(i64::from(self.digest_grace_minutes)),
            _ => at,
        };
        self.after_quiet_hours(base)
    }

    /// `<PREFIX@domain>`.
    pub fn message_id(&self, local: &str) -> String {
        format!("<{local}@{}>", self.message_id_domain.as_str())
    }
}

/// 预警 / 违规 / 已整改: the word in the subject.
pub fn label_zh(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Warned => "预警",
        EventKind::Opened | EventKind::Escalated | EventKind::Reopened => "违规",
        EventKind::Resolved => "已整改",
        EventKind::Cleared => "预警解除",
        EventKind::Dismissed => "已忽略",
        EventKind::Recorded => "违规已记录",
        EventKind::RectifyDeclared => "已申报整改",
        EventKind::RectifyConfirmed => "整改已确认",
        EventKind::RectifyRejected => "整改未通过",
        EventKind::Marked => "已处置",
    }
}

/// What happened, for the body.
pub fn event_zh(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Warned => "新预警",
        EventKind::Opened => "新发现违规",
        EventKind::Escalated => "预警升级为违规",
        EventKind::Reopened => "整改后再次违规",
        EventKind::Resolved => "违规已整改",
        EventKind::Cleared => "预警已解除",
        EventKind::Dismissed => "已忽略",
        EventKind::Recorded => "违规已记录在案",
        EventKind::RectifyDeclared => "主办单位已申报整改",
        EventKind::RectifyConfirmed => "整改已确认",
        EventKind::RectifyRejected => "整改未通过：复查仍存在问题",
        EventKind::Marked => "公开办已处置",
    }
}

/// What the reader is asked to do, by the finding's kind and the reader.
/// `None` for a state finding: its notice asks for rectification by the
/// deadline, as it always did.
pub fn action_zh(kind: FindingKind, audience: Audience) -> Option<&'static str> {
    match (kind, audience) {
        (FindingKind::State, _) => None,
        (FindingKind::Event, _) => {
            Some("该问题已经发生、无法补救，已记录在案并计入季度考核，无需整改；请今后严格按规定时限办理")
        }
        (FindingKind::ThirdParty, Audience::Unit) => {
            Some("仅供知悉：该账号不在本单位台账中，无需本单位整改；如系本单位账号，请告知政务公开办")
        }
        (FindingKind::ThirdParty, _) => Some("请核实后向平台举报，并在系统中标记处置结果"),
    }
}

/// The word in the subject and the sentence in the body for a transition,
/// by the finding's kind: an event finding's violation is recorded, not
/// opened for rectification.
fn event_words(kind: EventKind, finding_kind: FindingKind) -> (&'static str, &'static str) {
    match (kind, finding_kind) {
        (EventKind::Opened | EventKind::Escalated, FindingKind::Event) => ("违规记录", "违规已记录在案"),
        (EventKind::Opened | EventKind::Escalated, FindingKind::ThirdParty) => ("待处置", "发现第三方账号问题，待公开办核实处置"),
        (EventKind::Resolved, FindingKind::ThirdParty) => ("已消除", "平台已不再显示该问题"),
        _ => (label_zh(kind), event_zh(kind)),
    }
}

fn measured_i64(m: &serde_json::Map<String, Value>, k: &str) -> Option<i64> {
    m.get(k).and_then(Value::as_i64)
}

/// The short statement after the account's name in the subject, e.g.
/// `已12天未更新`. Built from the rule's measured values; the full sentence
/// (`summary_zh`) is in the body.
pub fn headline_zh(rule: RuleId, resolved: bool, m: &serde_json::Map<String, Value>) -> String {
    if resolved {
        // A third-party account is not rectified by anyone we write to: the
        // platform no longer shows the problem.
        if rule.kind() == FindingKind::ThirdParty {
            return format!("“{}”问题已消除", rule.display_name());
        }
        return format!("“{}”问题已整改", rule.display_name());
    }
    match rule {
        RuleId::Zombie => match measured_i64(m, "silent_secs") {
            Some(s) => format!("已{}天未更新", s / 86_400),
            None => "长期未更新".to_string(),
        },
        RuleId::WeeklyOriginal => match measured_i64(m, "week_start_ms") {
            Some(ws) => {
                let start = utc_ms(ws).with_timezone(&Shanghai).date_naive();
                let end = start + Days::new(6);
                format!(
                    "{}至{}无原创信息",
                    start.format("%-m月%-d日"),
                    end.format("%-m月%-d日")
                )
            }
            None => "一周内无原创信息".to_string(),
        },
        RuleId::RepostDelay => {
            if m.get("missing").and_then(Value::as_bool).unwrap_or(false) {
                "重要信息逾期未转发".to_string()
            } else if let Some(d) = measured_i64(m, "delay_secs") {
                format!(
                    "转发重要信息用时{}，超过时限",
                    fmt_duration_zh(TimeDelta::seconds(d)).replace(' ', "")
                )
            } else {
                "重要信息转发不及时".to_string()
            }
        }
        RuleId::ClosingNotice => "关停公告未按规定置顶".to_string(),
        RuleId::Vanished => "平台显示账号不存在或已被封禁".to_string(),
        RuleId::Interaction => "未开放评论或私信互动功能".to_string(),
        RuleId::Verification => "未实名认证或认证主体与主办单位不符".to_string(),
        RuleId::Naming => "账号名称不规范".to_string(),
        #[allow(unreachable_patterns)]
        other => other.display_name().to_string(),
    }
}

/// The finding part of a payload, from a transition or a stored finding.
struct FindingFacts<'a> {
    id: i64,
    fingerprint: String,
    rule: RuleId,
    subject: &'a str,
    verdict: &'a str,
    summary_zh: &'a str,
    citation_document: &'a str,
    citation_number: Option<&'a str>,
    citation_article: &'a str,
    citation_basis: crate::rules::CitationBasis,
    evidence: &'a [Evidence],
    measured: &'a serde_json::Map<String, Value>,
    first_seen_at_ms: i64,
    state_since_ms: i64,
}

/// The rectification deadline stated in a notice: `workdays` working days
/// after the day the problem was found, to the end of that day. `by_ms` and
/// `by_date` are absent when the holiday calendar has no data for the year
/// (the notice then states the number of working days only: a deadline on
/// plain weekends could name a holiday).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RectifyDeadline {
    pub workdays: u32,
    pub by_ms: Option<i64>,
    pub by_date: Option<NaiveDate>,
}

pub fn rectify_deadline(
    cfg: &NotifyConfig,
    calendar: &HolidayCalendar,
    from: DateTime<Utc>,
) -> Option<RectifyDeadline> {
    if cfg.rectify_workdays == 0 {
        return None;
    }
    let day = from.with_timezone(&Shanghai).date_naive();
    let by_date = calendar.nth_workday_after(day, cfg.rectify_workdays).ok();
    let by_ms = by_date.map(|d| {
        // The end of that day: 24:00 is the next day's midnight, shown as
        // 23:59 by the templates' date filter.
        (local_at(d + Days::new(1), chrono::NaiveTime::MIN) - TimeDelta::minutes(1)).timestamp_millis()
    });
    Some(RectifyDeadline { workdays: cfg.rectify_workdays, by_ms, by_date })
}

fn finding_json(f: &FindingFacts<'_>, resolved: bool, rectify: Option<&RectifyDeadline>) -> Value {
    json!({
        "id": f.id,
        "fingerprint": f.fingerprint,
        "rule": f.rule.code(),
        "rule_name": f.rule.display_name(),
        "veto": f.rule.gravity() == crate::rules::Gravity::Veto,
        "kind": f.rule.kind().code(),
        "kind_zh": f.rule.kind().display_zh(),
        "subject": f.subject,
        "verdict": f.verdict,
        "summary_zh": f.summary_zh,
        "headline_zh": headline_zh(f.rule, resolved, f.measured),
        "citation": {
            "document": f.citation_document,
            "number": f.citation_number,
            "article": f.citation_article,
            "basis": f.citation_basis.code(),
            "display": crate::rules::citation_display(
                f.citation_document,
                f.citation_number,
                f.citation_article,
                f.citation_basis,
            ),
        },
        "evidence": f.evidence,
        "measured": f.measured,
        // The rule's own deadline (a warning's limit, a repost's time limit).
        "deadline_ms": measured_i64(f.measured, "deadline_ms"),
        "rectify_by_ms": rectify.and_then(|r| r.by_ms),
        "rectify_by_date": rectify.and_then(|r| r.by_date).map(|d| d.format("%Y年%-m月%-d日").to_string()),
        "rectify_workdays": rectify.map(|r| r.workdays),
        "first_seen_at_ms": f.first_seen_at_ms,
        "state_since_ms": f.state_since_ms,
    })
}

fn account_json(a: &Account) -> Value {
    let s = &a.spec;
    json!({
        "id": a.id,
        "platform": s.platform.code(),
        "platform_name": s.platform.display_name(),
        "platform_id": s.platform_id,
        "display_name": s.display_name,
        // The registry's link, or the platform's public page for the id.
        "profile_url": s.profile_url.clone().or_else(|| s.platform.public_page(&s.platform_id)),
        "owner_unit": s.owner_unit,
        "supervising_unit": s.supervising_unit,
        "region": s.region,
        "contact_name": s.contact_name,
        "contact_email": s.contact_email,
        "status": s.status.code(),
        "status_zh": s.status.display_name(),
    })
}

/// The audiences a notice about `rule` on `account` goes to, with their
/// recipients. The office always (even with no address configured: the
/// `.eml` outbox then still shows what would have gone); the unit when
/// enabled and its contact address is valid and not already an office one;
/// each enabled robot.
fn audiences(
    cfg: &NotifyConfig,
    account: &Account,
    rule: RuleId,
    measured: &serde_json::Map<String, Value>,
) -> Vec<(Audience, Vec<String>)> {
    let office = cfg.office_addresses(rule.code(), measured);
    let mut out = vec![(Audience::Office, office.clone())];
    if cfg.unit_contacts
        && let Some(email) = account.spec.contact_email.as_deref().map(str::trim)
        && email.parse::<lettre::Address>().is_ok()
        && !office.iter().any(|o| o.eq_ignore_ascii_case(email))
    {
        out.push((Audience::Unit, vec![email.to_string()]));
    }
    if cfg.wecom.enabled {
        out.push((Audience::Wecom, vec!["wecom".to_string()]));
    }
    if cfg.dingtalk.enabled {
        out.push((Audience::Dingtalk, vec!["dingtalk".to_string()]));
    }
    out
}

/// The notices a finding transition causes. Only transitions that are news
/// ([`EventKind::is_notifiable`]). Runs inside the store's transaction, so
/// it is a pure function of its inputs; the store fills `finding_id` and
/// `event_id`.
pub fn plan_notices(
    cfg: &NotifyConfig,
    office_name: &str,
    calendar: &HolidayCalendar,
    account: &Account,
    t: &FindingTransition,
) -> Vec<NewNotice> {
    if !t.kind.is_notifiable() {
        return Vec::new();
    }
    let f = &t.finding;
    let finding_kind = f.rule.kind();
    let at = utc_ms(t.at_ms);
    let problem = matches!(
        t.kind,
        EventKind::Opened | EventKind::Escalated | EventKind::Reopened | EventKind::RectifyRejected
    );
    // Urgent for the office (and its group chats) only: a unit gets one
    // message a day, its digest, whatever happened.
    let urgent_rule = problem && cfg.is_urgent_rule(f.rule.code(), &f.measured);
    let resolved = matches!(t.kind, EventKind::Resolved | EventKind::RectifyConfirmed);
    // Only a state finding can be rectified: an event cannot be undone, and
    // a third-party account is not the unit's to change.
    let rectify = (problem && finding_kind == FindingKind::State)
        .then(|| rectify_deadline(cfg, calendar, at))
        .flatten();
    let (label, kind_zh) = event_words(t.kind, finding_kind);
    let facts = FindingFacts {
        id: t.finding_id,
        fingerprint: f.fingerprint(),
        rule: f.rule,
        subject: &f.subject,
        verdict: f.verdict.code(),
        summary_zh: &f.summary_zh,
        citation_document: f.citation.document,
        citation_number: f.citation.number,
        citation_article: f.citation.article,
        citation_basis: f.citation.basis,
        evidence: &f.evidence,
        measured: &f.measured,
        first_seen_at_ms: t.first_seen_at_ms,
        state_since_ms: t.at_ms,
    };
    let finding = finding_json(&facts, resolved, rectify.as_ref());
    let not_checked_reason = match &f.verdict {
        crate::rules::Verdict::NotChecked { reason } => Some(reason.clone()),
        _ => None,
    };
    audiences(cfg, account, f.rule, &f.measured)
        .into_iter()
        .map(|(audience, recipients)| {
            let urgent = urgent_rule && audience != Audience::Unit;
            let due = cfg.due_at(at, urgent).timestamp_millis();
            let mut finding = finding.clone();
            finding["action_zh"] = json!(action_zh(finding_kind, audience));
            let payload = json!({
                "v": PAYLOAD_VERSION,
                "type": "finding",
                "audience": audience,
                "office_name": office_name,
                "urgent": urgent,
                "event": {
                    "id": t.event_id,
                    "kind": t.kind.code(),
                    "kind_zh": kind_zh,
                    "label_zh": label,
                    "from": t.from.map(|s| s.code()),
                    "from_zh": t.from.map(|s| s.display_zh()),
                    "to": t.to.code(),
                    "to_zh": t.to.display_zh(),
                    "at_ms": t.at_ms,
                    "not_checked_reason": not_checked_reason,
                },
                "finding": finding,
                "account": account_json(account),
                // Every notice about one finding names the same thread, so a
                // mail client shows opened → reminders → resolved together.
                "thread_id": cfg.message_id(&format!("finding-{}", t.finding_id)),
            });
            NewNotice {
                kind: NoticeKind::Finding,
                channel: audience.channel(),
                recipients,
                urgent,
                payload,
                message_id: cfg.message_id(&format!(
                    "finding-event-{}-{}",
                    t.event_id,
                    audience.code()
                )),
                due_at_ms: due,
                finding_id: Some(t.finding_id),
                event_id: Some(t.event_id),
            }
        })
        .collect()
}

/// Reminder notices for a violation still open at `now` and past its
/// rectification deadline: to the unit, or to the office when the unit has
/// no address.
/// Their Message-IDs carry the day, so planning twice on one day writes
/// them once. Not urgent: the digest carries them.
pub fn plan_reminder_notices(
    cfg: &NotifyConfig,
    office_name: &str,
    calendar: &HolidayCalendar,
    account: &Account,
    f: &StoredFinding,
    now: DateTime<Utc>,
) -> Vec<NewNotice> {
    let facts = FindingFacts {
        id: f.id,
        fingerprint: f.fingerprint.clone(),
        rule: f.rule,
        subject: &f.subject,
        verdict: &f.last_verdict,
        summary_zh: &f.summary_zh,
        citation_document: &f.citation_document,
        citation_number: f.citation_number.as_deref(),
        citation_article: &f.citation_article,
        citation_basis: f.citation_basis,
        evidence: &f.evidence,
        measured: &f.measured,
        first_seen_at_ms: f.first_seen_at_ms,
        state_since_ms: f.state_since_ms,
    };
    let rectify = rectify_deadline(cfg, calendar, utc_ms(f.state_since_ms));
    let finding_kind = f.rule.kind();
    if finding_kind != FindingKind::State {
        // An event is recorded once: there is nothing to remind anyone of.
        // A third-party account is the office's to report, not a unit's to
        // rectify; the daily digest lists it among the open findings until
        // the office marks it.
        return Vec::new();
    }
    // Not overdue yet: the unit still has time, nothing to remind of. With
    // no deadline stated (or none computable), overdue after reminder_days.
    let overdue_at_ms = rectify
        .as_ref()
        .and_then(|r| r.by_ms)
        .unwrap_or(f.state_since_ms + i64::from(cfg.reminder_days) * 86_400_000);
    if overdue_at_ms > now.timestamp_millis() {
        return Vec::new();
    }
    let finding = finding_json(&facts, false, rectify.as_ref());
    let open_days = (now.timestamp_millis() - f.state_since_ms).max(0) / 86_400_000;
    let day = now.with_timezone(&Shanghai).format("%Y%m%d").to_string();
    let due = cfg.due_at(now, false).timestamp_millis();
    // The unit is the one to chase; the office's digest lists every open
    // finding already. Only a unit nobody can write to leaves the office
    // to do the chasing.
    let all = audiences(cfg, account, f.rule, &f.measured);
    let reminded: Vec<(Audience, Vec<String>)> = match all.iter().find(|(a, _)| *a == Audience::Unit) {
        Some(unit) => vec![unit.clone()],
        None => all.into_iter().filter(|(a, _)| *a == Audience::Office).collect(),
    };
    reminded
        .into_iter()
        .map(|(audience, recipients)| {
            let payload = json!({
                "v": PAYLOAD_VERSION,
                "type": "reminder",
                "audience": audience,
                "office_name": office_name,
                "urgent": false,
                "open_days": open_days,
                "last_evaluated_at_ms": f.last_evaluated_at_ms,
                "last_verdict": f.last_verdict,
                "not_checked_reason": f.not_checked_reason,
                "at_ms": now.timestamp_millis(),
                "finding": finding,
                "account": account_json(account),
                "thread_id": cfg.message_id(&format!("finding-{}", f.id)),
            });
            NewNotice {
                kind: NoticeKind::Reminder,
                channel: audience.channel(),
                recipients,
                urgent: false,
                payload,
                message_id: cfg.message_id(&format!("reminder-{}-{day}-{}", f.id, audience.code())),
                due_at_ms: due,
                finding_id: Some(f.id),
                event_id: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::AccountSpec;
    use crate::rules::{Finding, Verdict};
    use crate::store::FindingState;
    use xunjian_adapters::model::Platform;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn account(email: Option<&str>) -> Account {
        let mut spec = AccountSpec::new(Platform::Weibo, "123", "某县人民政府发布");
        spec.contact_email = email.map(str::to_string);
        spec.owner_unit = Some("某县人民政府办公室".into());
        Account {
            id: 7,
            spec,
            created_at_ms: 0,
            updated_at_ms: 0,
        }
    }

    fn transition(
        rule: RuleId,
        kind: EventKind,
        at: &str,
        measured: serde_json::Map<String, Value>,
    ) -> FindingTransition {
        let finding = Finding {
            rule,
            account_id: 7,
            subject: "account".into(),
            verdict: Verdict::Violation,
            citation: crate::rules::settings::BAOJI_16,
            summary_zh: "某县人民政府发布已 12 天未更新".into(),
            evidence: vec![Evidence {
                page_url: None,
                label: "时间线".into(),
                url: Some("https://m.weibo.cn/u/123".into()),
                sha256: Some("ab".repeat(32)),
                at_ms: 1,
            }],
            measured,
        };
        FindingTransition {
            event_id: 17,
            finding_id: 3,
            kind,
            from: None,
            to: FindingState::Open,
            at_ms: t(at).timestamp_millis(),
            first_seen_at_ms: t(at).timestamp_millis(),
            finding,
        }
    }

    fn cal() -> HolidayCalendar {
        HolidayCalendar::builtin()
    }

    fn cfg(s: &str) -> NotifyConfig {
        toml::from_str(s).unwrap()
    }

    #[test]
    fn office_always_unit_when_enabled_robots_when_on() {
        let c = cfg("office_recipients = [\"office@gov.cn\"]\n[wecom]\nenabled = true");
        let tr = transition(
            RuleId::Zombie,
            EventKind::Opened,
            "2026-11-21T10:00:00+08:00",
            Default::default(),
        );
        let n = plan_notices(
            &c,
            "市政务公开办", &cal(),
            &account(Some("unit@county.gov.cn")),
            &tr,
        );
        let got: Vec<(Channel, Vec<String>)> = n
            .iter()
            .map(|n| (n.channel, n.recipients.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Channel::Email, vec!["office@gov.cn".to_string()]),
                (Channel::Email, vec!["unit@county.gov.cn".to_string()]),
                (Channel::Wecom, vec!["wecom".to_string()]),
            ]
        );
        assert_eq!(n[0].message_id, "<finding-event-17-office@xunjian.local>");
        assert_eq!(n[1].message_id, "<finding-event-17-unit@xunjian.local>");
        // Stable: the same transition plans the same ids.
        assert_eq!(
            plan_notices(
                &c,
                "市政务公开办", &cal(),
                &account(Some("unit@county.gov.cn")),
                &tr
            ),
            n
        );
        // Unit contacts off, an invalid address, or one the office has: no unit notice.
        let off = cfg("office_recipients = [\"office@gov.cn\"]\nunit_contacts = false");
        assert_eq!(
            plan_notices(&off, "x", &cal(), &account(Some("unit@county.gov.cn")), &tr).len(),
            1
        );
        assert_eq!(
            plan_notices(&c, "x", &cal(), &account(Some("not an address")), &tr).len(),
            2
        );
        assert_eq!(
            plan_notices(&c, "x", &cal(), &account(Some("OFFICE@gov.cn")), &tr).len(),
            2
        );
    }

    #[test]
    fn only_news_is_notified() {
        let c = NotifyConfig::default();
        for kind in EventKind::ALL {
            let n = plan_notices(
                &c,
                "x", &cal(),
                &account(None),
                &transition(
                    RuleId::Zombie,
                    kind,
                    "2026-11-21T10:00:00+08:00",
                    Default::default(),
                ),
            );
            assert_eq!(!n.is_empty(), kind.is_notifiable(), "{kind:?}");
        }
    }

    #[test]
    fn veto_items_and_impostors_reach_the_office_at_once_units_wait_for_their_digest() {
        let c = NotifyConfig::default();
        let at = "2026-11-21T10:00:00+08:00";
        let now_ms = t(at).timestamp_millis();
        // Next digest 08:30 tomorrow, plus two hours' grace.
        let digest_ms = t("2026-11-22T10:30:00+08:00").timestamp_millis();
        let plan = |c: &NotifyConfig, rule, kind, measured| {
            plan_notices(c, "x", &cal(), &account(Some("unit@county.gov.cn")), &transition(rule, kind, at, measured))
        };
        // The veto items and impostors: the office now, the unit with its digest.
        for rule in [RuleId::Zombie, RuleId::Interaction, RuleId::Vanished, RuleId::Impostor] {
            let n = plan(&c, rule, EventKind::Opened, Default::default());
            assert_eq!(n.len(), 2, "{rule:?}");
            assert!(n[0].urgent && n[0].due_at_ms == now_ms, "{rule:?} office: {:?}", n[0]);
            assert_eq!(n[0].payload["audience"], "office");
            assert!(!n[1].urgent && n[1].due_at_ms == digest_ms, "{rule:?} unit: {:?}", n[1]);
            assert_eq!(n[1].payload["audience"], "unit");
        }
        // Everything else waits for the digest, a missed repost included.
        let mut missing = serde_json::Map::new();
        missing.insert("missing".into(), true.into());
        for (rule, m) in [
            (RuleId::RepostDelay, missing.clone()),
            (RuleId::RepostDelay, Default::default()),
            (RuleId::Verification, Default::default()),
            (RuleId::ClosingNotice, Default::default()),
        ] {
            assert!(
                plan(&c, rule, EventKind::Opened, m).iter().all(|n| !n.urgent && n.due_at_ms == digest_ms),
                "{rule:?}"
            );
        }
        // A warning or a resolution of a veto item is never urgent.
        for kind in [EventKind::Warned, EventKind::Resolved, EventKind::RectifyConfirmed] {
            assert!(plan(&c, RuleId::Zombie, kind, Default::default()).iter().all(|n| !n.urgent), "{kind:?}");
        }
        // The office can make a missed repost urgent; still not for the unit.
        let r = cfg("urgent_rules = [\"repost_missing\"]");
        let n = plan(&r, RuleId::RepostDelay, EventKind::Opened, missing);
        assert!(n[0].urgent && !n[1].urgent);
        assert!(!plan(&r, RuleId::Zombie, EventKind::Opened, Default::default())[0].urgent);
        // Without a digest everything goes at once.
        let nd = cfg("digest_time = \"\"");
        assert!(
            plan(&nd, RuleId::Verification, EventKind::Opened, Default::default())
                .iter()
                .all(|n| n.due_at_ms == now_ms)
        );
    }

    #[test]
    fn rectification_deadline_counts_working_days_with_make_up_days() {
        let c = NotifyConfig::default();
        let plan = |at: &str| {
            plan_notices(&c, "x", &cal(), &account(None), &transition(RuleId::Verification, EventKind::Opened, at, Default::default()))
        };
        // Found on Friday 2026-09-25 (中秋节): the five working days are
        // 09-28, 09-29, 09-30, 10-08 and 10-09 — the weekend, 中秋 and
        // 国庆 (10-01…10-07) skipped; a plain count of weekdays would end
        // on 10-02, a holiday.
        let f = &plan("2026-09-25T15:00:00+08:00")[0].payload["finding"];
        assert_eq!(f["rectify_workdays"], 5);
        assert_eq!(f["rectify_by_date"], "2026年10月9日");
        assert_eq!(f["rectify_by_ms"], t("2026-10-09T23:59:00+08:00").timestamp_millis());
        // An ordinary week: Monday → the next Monday.
        let f = &plan("2026-11-16T09:00:00+08:00")[0].payload["finding"];
        assert_eq!(f["rectify_by_date"], "2026年11月23日");
        // No calendar for the year: the number of working days, no date.
        let f = &plan("2031-03-03T09:00:00+08:00")[0].payload["finding"];
        assert_eq!(f["rectify_workdays"], 5);
        assert!(f["rectify_by_date"].is_null() && f["rectify_by_ms"].is_null());
        // 0: no deadline stated.
        let none = cfg("rectify_workdays = 0");
        let n = plan_notices(&none, "x", &cal(), &account(None), &transition(RuleId::Verification, EventKind::Opened, "2026-11-16T09:00:00+08:00", Default::default()));
        assert!(n[0].payload["finding"]["rectify_workdays"].is_null());
        // The earlier key name still reads.
        assert_eq!(cfg("rectify_days = 3").rectify_workdays, 3);
    }

    #[test]
    fn quiet_hours_push_the_due_time() {
        let c = cfg("quiet_hours = \"22:00-07:00\"\ndigest_time = \"\"");
        assert_eq!(
            c.after_quiet_hours(t("2026-11-21T23:30:00+08:00")),
            t("2026-11-22T07:00:00+08:00")
        );
        assert_eq!(
            c.after_quiet_hours(t("2026-11-22T03:00:00+08:00")),
            t("2026-11-22T07:00:00+08:00")
        );
        assert_eq!(
            c.after_quiet_hours(t("2026-11-22T07:00:00+08:00")),
            t("2026-11-22T07:00:00+08:00")
        );
        assert_eq!(
            c.after_quiet_hours(t("2026-11-22T21:59:00+08:00")),
            t("2026-11-22T21:59:00+08:00")
        );
        let day = cfg("quiet_hours = \"12:00-14:00\"");
        assert_eq!(
            day.after_quiet_hours(t("2026-11-22T12:30:00+08:00")),
            t("2026-11-22T14:00:00+08:00")
        );
        assert_eq!(
            day.after_quiet_hours(t("2026-11-22T23:00:00+08:00")),
            t("2026-11-22T23:00:00+08:00")
        );
        // Urgent notices wait for the quiet hours too.
        let n = plan_notices(
            &c,
            "x", &cal(),
            &account(None),
            &transition(
                RuleId::Vanished,
                EventKind::Opened,
                "2026-11-21T23:30:00+08:00",
                Default::default(),
            ),
        );
        assert!(n[0].urgent);
        assert_eq!(
            n[0].due_at_ms,
            t("2026-11-22T07:00:00+08:00").timestamp_millis()
        );
    }

    #[test]
    fn next_digest_is_strictly_after_now() {
        let c = NotifyConfig::default();
        assert_eq!(
            c.next_digest_at(t("2026-11-21T08:00:00+08:00")),
            Some(t("2026-11-21T08:30:00+08:00"))
        );
        assert_eq!(
            c.next_digest_at(t("2026-11-21T08:30:00+08:00")),
            Some(t("2026-11-22T08:30:00+08:00"))
        );
        assert_eq!(
            cfg("digest_time = \"\"").next_digest_at(t("2026-11-21T08:00:00+08:00")),
            None
        );
    }

    #[test]
    fn payload_has_what_the_templates_need() {
        let mut m = serde_json::Map::new();
        m.insert("silent_secs".into(), (12 * 86_400 + 3600).into());
        m.insert("deadline_ms".into(), 1_800_000_000_000i64.into());
        let n = plan_notices(
            &NotifyConfig::default(),
            "市政务公开办", &cal(),
            &account(None),
            &transition(
                RuleId::Zombie,
                EventKind::Warned,
                "2026-11-21T10:00:00+08:00",
                m,
            ),
        );
        let p = &n[0].payload;
        assert_eq!(p["finding"]["headline_zh"], "已12天未更新");
        assert_eq!(p["event"]["label_zh"], "预警");
        assert_eq!(
            p["finding"]["citation"]["display"],
            "《宝鸡市政府系统政务新媒体管理办法》第十六条"
        );
        assert_eq!(
            p["finding"]["evidence"][0]["url"],
            "https://m.weibo.cn/u/123"
        );
        assert_eq!(p["finding"]["deadline_ms"], 1_800_000_000_000i64);
        assert_eq!(p["account"]["platform_name"], "新浪微博");
        assert_eq!(p["thread_id"], "<finding-3@xunjian.local>");
        // A warning has no rectification deadline; a violation does.
        assert!(p["finding"]["rectify_by_ms"].is_null());
        let v = plan_notices(
            &NotifyConfig::default(),
            "x", &cal(),
            &account(None),
            &transition(
                RuleId::Zombie,
                EventKind::Opened,
                "2026-11-21T10:00:00+08:00",
                Default::default(),
            ),
        );
        // Saturday 11-21: five working days are 11-23 … 11-27.
        assert_eq!(
            v[0].payload["finding"]["rectify_by_ms"],
            t("2026-11-27T23:59:00+08:00").timestamp_millis()
        );
        assert_eq!(v[0].payload["finding"]["rectify_by_date"], "2026年11月27日");
    }

    #[test]
    fn only_state_findings_are_reminded() {
        let now = t("2026-12-01T10:00:00+08:00");
        for (rule, want) in [(RuleId::Zombie, true), (RuleId::RepostDelay, false), (RuleId::Impostor, false)] {
            let tr = transition(rule, EventKind::Opened, "2026-11-21T10:00:00+08:00", Default::default());
            let f = StoredFinding {
                id: 3,
                fingerprint: tr.finding.fingerprint(),
                rule,
                account_id: 7,
                subject: "account".into(),
                state: FindingState::Open,
                state_since_ms: tr.at_ms,
                last_verdict: "violation".into(),
                not_checked_reason: None,
                summary_zh: tr.finding.summary_zh.clone(),
                citation_document: "d".into(),
                citation_number: None,
                citation_article: "a".into(),
                citation_basis: crate::rules::CitationBasis::InForce,
                evidence: tr.finding.evidence.clone(),
                measured: Default::default(),
                first_seen_at_ms: tr.at_ms,
                last_seen_at_ms: tr.at_ms,
                last_evaluated_at_ms: tr.at_ms,
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
            let c = cfg("office_recipients = [\"office@gov.cn\"]\n[wecom]\nenabled = true");
            let n = plan_reminder_notices(&c, "x", &cal(), &account(Some("unit@county.gov.cn")), &f, now);
            assert_eq!(!n.is_empty(), want, "{rule:?}");
            if !want {
                continue;
            }
            // The unit is chased, not the office (its digest lists every
            // open finding) nor its group chat.
            assert_eq!(n.len(), 1);
            assert_eq!(n[0].recipients, vec!["unit@county.gov.cn".to_string()]);
            // A unit without an address: the office chases.
            let n = plan_reminder_notices(&c, "x", &cal(), &account(None), &f, now);
            assert_eq!(n.iter().map(|n| n.recipients.clone()).collect::<Vec<_>>(), vec![vec!["office@gov.cn".to_string()]]);
            // Found Saturday 11-21, due Friday 11-27 (five working days):
            // on Thursday nothing is overdue yet.
            let early = t("2026-11-26T10:00:00+08:00");
            assert!(plan_reminder_notices(&c, "x", &cal(), &account(Some("unit@county.gov.cn")), &f, early).is_empty());
            let after = t("2026-11-28T08:00:00+08:00");
            assert_eq!(plan_reminder_notices(&c, "x", &cal(), &account(Some("unit@county.gov.cn")), &f, after).len(), 1);
        }
    }

    #[test]
    fn event_and_third_party_notices_ask_for_no_rectification() {
        let at = "2026-11-21T10:00:00+08:00";
        let c = NotifyConfig::default();
        let ev = plan_notices(&c, "x", &cal(), &account(Some("unit@county.gov.cn")), &transition(RuleId::RepostDelay, EventKind::Opened, at, Default::default()));
        assert!(ev.iter().all(|n| n.payload["finding"]["rectify_by_ms"].is_null() && n.payload["event"]["label_zh"] == "违规记录"));
        let tp = plan_notices(&c, "x", &cal(), &account(Some("unit@county.gov.cn")), &transition(RuleId::Impostor, EventKind::Opened, at, Default::default()));
        assert_eq!(tp.len(), 2);
        assert!(tp[0].payload["finding"]["action_zh"].as_str().unwrap().contains("核实后向平台举报"));
        assert!(tp[1].payload["finding"]["action_zh"].as_str().unwrap().starts_with("仅供知悉"));
        assert!(tp.iter().all(|n| n.payload["finding"]["rectify_by_ms"].is_null()));
        // A rejected declaration is a problem again: a new deadline, to both.
        let rj = plan_notices(&c, "x", &cal(), &account(Some("unit@county.gov.cn")), &transition(RuleId::Zombie, EventKind::RectifyRejected, at, Default::default()));
        assert_eq!(rj.len(), 2);
        assert!(rj.iter().all(|n| n.payload["finding"]["rectify_by_ms"].is_i64() && n.payload["event"]["label_zh"] == "整改未通过"));
    }

    #[test]
    fn headlines() {
        let mut m = serde_json::Map::new();
        m.insert(
            "week_start_ms".into(),
            t("2026-11-09T00:00:00+08:00").timestamp_millis().into(),
        );
        assert_eq!(
            headline_zh(RuleId::WeeklyOriginal, false, &m),
            "11月9日至11月15日无原创信息"
        );
        let mut d = serde_json::Map::new();
        d.insert("delay_secs".into(), 5400.into());
        assert_eq!(
            headline_zh(RuleId::RepostDelay, false, &d),
            "转发重要信息用时1小时30分钟，超过时限"
        );
        assert_eq!(
            headline_zh(RuleId::Zombie, true, &d),
            "“内容不更新”问题已整改"
        );
    }
}
