//! Rules: pure functions from what the store saw to findings.
//!
//! No SQL, no HTTP, no clock: the caller fills [`AccountFacts`] from the
//! store, passes `now` and the working-day calendar in a [`RuleContext`], and
//! gets back [`Finding`]s. Laws every rule follows:
//!
//! 1. A failed observation (captcha, blocked, login required, throttled,
//!    parse error, network error) is never a violation: a rule without
//!    enough successful observations returns [`Verdict::NotChecked`] with the
//!    reason. Only `not_found` / `banned` are the platform's word.
//! 2. Time is injected (`RuleContext::now`); times are shown in Asia/Shanghai.
//! 3. Every finding cites its rule ([`Citation`]) and carries [`Evidence`].
//!
//! A finding's identity across runs is [`Finding::fingerprint`] =
//! (rule code, account id, subject key).

pub mod absorb;
pub mod closing_notice;
pub mod coverage;
pub mod impostor;
pub mod interaction;
pub mod names;
pub mod one_per_platform;
pub mod opening_notice;
pub mod repost_delay;
pub mod settings;
pub mod verification;
pub(crate) mod verification_type;
pub mod zombie;

#[cfg(test)]
pub(crate) mod testkit;

use crate::accounts::{Account, LifecycleStatus};
use crate::calendar::HolidayCalendar;
use crate::store::{CaptureRef, ObservationRecord, PostRecord, ProfileSnapshot};
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

pub use impostor::{SearchEvidence, check_impostors};
pub use one_per_platform::{check_one_per_platform, check_unregistered};
pub use repost_delay::{SourceItem, evaluate_reposts};
pub use settings::{ProfileName, ResolvedRules, RuleSettings, SettingsError};

/// The rules, with stable machine codes (stored with findings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleId {
    /// No update for more than N days (僵尸/睡眠账号).
    Zombie,
    /// At least one original post per natural week.
    WeeklyOriginal,
    /// Key items of source accounts reposted in time.
    RepostDelay,
    /// A closing account shows a pinned closing notice long enough.
    ClosingNotice,
    /// The platform says the account is gone while the registry says active.
    Vanished,
    /// Comments / private messages not closed.
    Interaction,
    /// Real-name verification naming the owner unit.
    Verification,
    /// Display name as registered and following the naming pattern.
    Naming,
    /// An account not in the registry imitating a registered one (假冒).
    Impostor,
    /// One unit, one account per platform.
    OnePerPlatform,
    /// An account verified to one of our units but missing from the
    /// registry (未备案).
    Unregistered,
    /// A new account announced on the superior portal and new media.
    OpeningNotice,
}

impl RuleId {
    pub const ALL: [RuleId; 12] = [
        RuleId::Zombie,
        RuleId::WeeklyOriginal,
        RuleId::RepostDelay,
        RuleId::ClosingNotice,
        RuleId::Vanished,
        RuleId::Interaction,
        RuleId::Verification,
        RuleId::Naming,
        RuleId::Impostor,
        RuleId::OnePerPlatform,
        RuleId::Unregistered,
        RuleId::OpeningNotice,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RuleId::Zombie => "zombie",
            RuleId::WeeklyOriginal => "weekly_original",
            RuleId::RepostDelay => "repost_delay",
            RuleId::ClosingNotice => "closing_notice",
            RuleId::Vanished => "vanished",
            RuleId::Interaction => "interaction",
            RuleId::Verification => "verification",
            RuleId::Naming => "naming",
            RuleId::Impostor => "impostor",
            RuleId::OnePerPlatform => "one_per_platform",
            RuleId::Unregistered => "unregistered",
            RuleId::OpeningNotice => "opening_notice",
        }
    }

    pub fn from_code(s: &str) -> Option<RuleId> {
        RuleId::ALL.into_iter().find(|r| r.code() == s)
    }

    /// The problem category as reports name it.
    pub fn display_name(self) -> &'static str {
        match self {
            RuleId::Zombie => "内容不更新",
            RuleId::WeeklyOriginal => "每周原创不足",
            RuleId::RepostDelay => "重要信息转载不及时",
            RuleId::ClosingNotice => "关停未置顶公告",
            RuleId::Vanished => "未经公告备案关停或消失",
            RuleId::Interaction => "未提供有效互动功能",
            RuleId::Verification => "未实名认证或认证主体不符",
            RuleId::Naming => "名称不规范",
            RuleId::Impostor => "疑似假冒账号",
            RuleId::OnePerPlatform => "同一平台重复开设",
            RuleId::Unregistered => "未备案政务账号",
            RuleId::OpeningNotice => "未按规定发布开通公告",
        }
    }

    /// How heavy a violation of this rule is in a report: the national veto
    /// items (and their local equivalents) versus lesser deductions.
    pub fn gravity(self) -> Gravity {
        match self {
            RuleId::Zombie | RuleId::Interaction | RuleId::Vanished => Gravity::Veto,
            _ => Gravity::Deduction,
        }
    }
}

/// How a finding of a rule ends (issue 16, "every finding ends").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A condition of the account: open until a check sees it fixed, or the
    /// unit declares it fixed and the next successful check confirms it.
    State,
    /// Something that happened and cannot be undone (a late or missed
    /// repost, a notice taken down early): recorded once, never chased.
    Event,
    /// Someone else's account (impostor, unregistered): the unit cannot
    /// rectify it; the office ends it by reporting, verifying or
    /// registering, or the platform shows the account gone.
    ThirdParty,
}

impl FindingKind {
    pub fn code(self) -> &'static str {
        match self {
            FindingKind::State => "state",
            FindingKind::Event => "event",
            FindingKind::ThirdParty => "third_party",
        }
    }
    /// 状态类 / 事件类 / 第三方账号
    pub fn display_zh(self) -> &'static str {
        match self {
            FindingKind::State => "状态类（整改后消除）",
            FindingKind::Event => "事件类（已发生，记录在案）",
            FindingKind::ThirdParty => "第三方账号（由公开办处置）",
        }
    }
}

impl RuleId {
    /// How a finding of this rule ends; the findings lifecycle, the notice
    /// planner and the report all read it from here.
    pub fn kind(self) -> FindingKind {
        match self {
            // Late or missing reposts and an opening notice missing or taken
            // down early happened within a window that has passed: nothing
            // the unit does now can undo them.
            RuleId::RepostDelay | RuleId::OpeningNotice => FindingKind::Event,
            RuleId::Impostor | RuleId::Unregistered => FindingKind::ThirdParty,
            RuleId::Zombie
            | RuleId::WeeklyOriginal
            | RuleId::ClosingNotice
            | RuleId::Vanished
            | RuleId::Interaction
            | RuleId::Verification
            | RuleId::Naming
            | RuleId::OnePerPlatform => FindingKind::State,
        }
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gravity {
    /// 单项否决: one such violation fails the account.
    Veto,
    /// 扣分 / lesser finding.
    Deduction,
}

/// The document and article a finding rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Citation {
    /// Title without book-title marks, e.g. 宝鸡市政府系统政务新媒体管理办法.
    /// For [`CitationBasis::Office`], the office's whole text as written in
    /// the configuration (it names its own document).
    pub document: &'static str,
    /// Document number, e.g. 国办秘函〔2019〕19号, when it has one.
    pub number: Option<&'static str>,
    /// e.g. 第十六条, 四（四）. Empty for an office citation.
    pub article: &'static str,
    /// Whether the office is bound by the document or only borrows its
    /// requirement: an office cannot enforce another city's notice as its own.
    pub basis: CitationBasis,
}

/// Why a citation binds the office that sends the finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CitationBasis {
    /// A document in force for the office's profile.
    #[default]
    InForce,
    /// Another office's document, used for its requirement only because the
    /// office switched on a rule its own documents do not fix: worded
    /// 参照《…》… so nobody reads it as binding.
    Reference,
    /// The office's own text from `[rules.<rule>] citation = "…"`.
    Office,
}

impl CitationBasis {
    pub fn code(self) -> &'static str {
        match self {
            CitationBasis::InForce => "in_force",
            CitationBasis::Reference => "reference",
            CitationBasis::Office => "office",
        }
    }

    /// Unknown codes (a newer schema) read as in force: the citation text is
    /// still shown as stored.
    pub fn from_code(s: &str) -> CitationBasis {
        match s {
            "reference" => CitationBasis::Reference,
            "office" => CitationBasis::Office,
            _ => CitationBasis::InForce,
        }
    }
}

/// `《文件》（文号）条款`, `参照《文件》条款的要求`, or the office's own text.
/// One definition for rules, stored findings, notices and reports.
pub fn citation_display(
    document: &str,
    number: Option<&str>,
    article: &str,
    basis: CitationBasis,
) -> String {
    if basis == CitationBasis::Office {
        return document.to_string();
    }
    let mut s = String::new();
    if basis == CitationBasis::Reference {
        s.push_str("参照");
    }
    s.push('《');
    s.push_str(document);
    s.push('》');
    if let Some(n) = number.filter(|n| !n.is_empty()) {
        s.push('（');
        s.push_str(n);
        s.push('）');
    }
    s.push_str(article);
    if basis == CitationBasis::Reference {
        s.push_str("的要求");
    }
    s
}

impl fmt::Display for Citation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&citation_display(
            self.document,
            self.number,
            self.article,
            self.basis,
        ))
    }
}

/// What a rule concluded about one subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    /// Checked and compliant (lets the findings lifecycle close an open one).
    Pass,
    /// Still compliant, but the limit is near (early warning).
    Warning,
    Violation,
    /// Could not check; never a violation. The reason is for people.
    NotChecked {
        reason: String,
    },
}

impl Verdict {
    pub fn code(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warning => "warning",
            Verdict::Violation => "violation",
            Verdict::NotChecked { .. } => "not_checked",
        }
    }
}

/// A piece of evidence: where and when something was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// What this is, e.g. 最近一条信息, 时间线抓取.
    pub label: String,
    /// A page a person can open in a browser to see the same thing: the
    /// post, the account's public page, the portal page. `url` may be an
    /// API address only a program reads; notices and reports show this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_url: Option<String>,
    /// Where the capture was fetched (the archived bytes' address).
    pub url: Option<String>,
    /// SHA-256 of the stored raw response (the `evidence` table key).
    pub sha256: Option<String>,
    /// When it was captured / observed (epoch ms).
    pub at_ms: i64,
}

/// One rule's conclusion about one subject of one account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: RuleId,
    pub account_id: i64,
    /// What in the account the finding is about: `account`, `comments`,
    /// `2026-W46`, `weibo:5012345678` (a source post), ...
    pub subject: String,
    pub verdict: Verdict,
    pub citation: Citation,
    /// One sentence in Chinese for notices and reports.
    pub summary_zh: String,
    pub evidence: Vec<Evidence>,
    /// Measured values (e.g. `silent_secs`, `delay_secs`, `deadline_ms`).
    pub measured: serde_json::Map<String, serde_json::Value>,
}

impl Finding {
    /// Stable identity across runs: `rule:account_id:subject`.
    pub fn fingerprint(&self) -> String {
        format!("{}:{}:{}", self.rule.code(), self.account_id, self.subject)
    }

    pub fn is_violation(&self) -> bool {
        self.verdict == Verdict::Violation
    }

    fn new(
        rule: RuleId,
        account_id: i64,
        subject: impl Into<String>,
        citation: Citation,
    ) -> Finding {
        Finding {
            rule,
            account_id,
            subject: subject.into(),
            verdict: Verdict::Pass,
            citation,
            summary_zh: String::new(),
            evidence: Vec::new(),
            measured: serde_json::Map::new(),
        }
    }

    fn verdict(mut self, v: Verdict, summary: impl Into<String>) -> Finding {
        self.verdict = v;
        self.summary_zh = summary.into();
        self
    }

    fn not_checked(self, reason: impl Into<String>) -> Finding {
        let reason = reason.into();
        let summary = format!("未能检查：{reason}");
        self.verdict(Verdict::NotChecked { reason }, summary)
    }

    fn measure(mut self, key: &str, value: impl Into<serde_json::Value>) -> Finding {
        self.measured.insert(key.to_string(), value.into());
        self
    }

    fn with_evidence(mut self, e: impl IntoIterator<Item = Evidence>) -> Finding {
        self.evidence.extend(e);
        self
    }
}

/// Everything the store knows about one account that the rules read.
///
/// Fill it with: the account; its observations of the last weeks (all kinds,
/// successful or not; at least back to the newest successful timeline and
/// profile observations); its posts (at least the latest ~50 and every post
/// published in the window, pinned ones included); its profile snapshots
/// (at least the latest); and the captures of those observations.
#[derive(Debug, Clone)]
pub struct AccountFacts {
    pub account: Account,
    pub observations: Vec<ObservationRecord>,
    pub posts: Vec<PostRecord>,
    pub profiles: Vec<ProfileSnapshot>,
    /// Captures by observation id.
    pub captures: HashMap<i64, Vec<CaptureRef>>,
}

impl AccountFacts {
    pub fn new(account: Account) -> AccountFacts {
        AccountFacts {
            account,
            observations: Vec::new(),
            posts: Vec::new(),
            profiles: Vec::new(),
            captures: HashMap::new(),
        }
    }

    /// `"名称"（平台）` for sentences.
    fn name_zh(&self) -> String {
        format!(
            "“{}”（{}）",
            self.account.spec.display_name,
            self.account.spec.platform.display_name()
        )
    }

    /// Evidence for an observation: its first capture (URL + sha256), or the
    /// observation itself when it has none.
    /// The account's page a person can open: the registry's link, or the
    /// platform's public page for its id.
    fn account_page(&self) -> Option<String> {
        let s = &self.account.spec;
        s.profile_url.clone().or_else(|| s.platform.public_page(&s.platform_id))
    }

    /// Evidence for an observation: its first capture (URL + sha256), or the
    /// observation itself when it has none; the page to open is the
    /// account's.
    fn observation_evidence(&self, obs: &ObservationRecord, label: &str) -> Evidence {
        match self.captures.get(&obs.id).and_then(|c| c.first()) {
            Some(c) => Evidence {
                label: label.to_string(),
                page_url: self.account_page(),
                url: Some(c.url.clone()),
                sha256: Some(c.sha256.clone()),
                at_ms: c.fetched_at_ms,
            },
            None => Evidence {
                label: label.to_string(),
                page_url: self.account_page(),
                url: None,
                sha256: None,
                at_ms: obs.observed_at_ms,
            },
        }
    }

    /// Evidence for a post: its URL, and the capture of the observation that
    /// last saw it.
    fn post_evidence(&self, p: &PostRecord, label: &str) -> Evidence {
        let cap = p
            .last_observation_id
            .and_then(|id| self.captures.get(&id))
            .and_then(|c| c.first());
        Evidence {
            label: label.to_string(),
            page_url: p.post.url.clone().or_else(|| self.account_page()),
            url: cap.map(|c| c.url.clone()).or_else(|| p.post.url.clone()),
            sha256: cap.map(|c| c.sha256.clone()),
            at_ms: p.post.published_at.timestamp_millis(),
        }
    }
}

/// The inputs every rule shares.
#[derive(Debug, Clone, Copy)]
pub struct RuleContext<'a> {
    pub now: DateTime<Utc>,
    pub calendar: &'a HolidayCalendar,
    pub rules: &'a ResolvedRules,
}

/// Runs every enabled per-account rule. Accounts that are planned or closed
/// get nothing; a closing account gets only the closing-notice rule.
/// (Repost delay spans accounts: see [`evaluate_reposts`]. Impostors,
/// unregistered accounts and one account per platform need name searches or
/// the whole registry: see [`check_impostors`], [`check_unregistered`],
/// [`check_one_per_platform`].)
pub fn evaluate_account(facts: &AccountFacts, ctx: &RuleContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let r = ctx.rules;
    match facts.account.spec.status {
        LifecycleStatus::Planned | LifecycleStatus::Closed => {}
        LifecycleStatus::Closing => {
            if r.closing_notice.enabled {
                out.extend(closing_notice::check_closing_notice(facts, ctx));
            }
        }
        LifecycleStatus::Active | LifecycleStatus::Opening => {
            if r.vanished.enabled {
                out.extend(closing_notice::check_vanished(facts, ctx));
            }
            if r.zombie.enabled {
                out.extend(zombie::check_zombie(facts, ctx));
            }
            if r.weekly_original.enabled {
                out.extend(zombie::check_weekly_original(facts, ctx));
            }
            if r.interaction.enabled {
                out.extend(interaction::check_interaction(facts, ctx));
            }
            if r.verification.enabled {
                out.extend(verification::check_verification(facts, ctx));
            }
            if r.naming.enabled {
                out.extend(verification::check_naming(facts, ctx));
            }
        }
    }
    out
}

/// `2026-10-20 09:31` in Asia/Shanghai.
pub fn fmt_local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

pub(crate) fn fmt_local_ms(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(fmt_local)
        .unwrap_or_else(|| ms.to_string())
}

/// The start of a civil day in Asia/Shanghai, as an instant.
pub(crate) fn local_midnight(d: chrono::NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
        .earliest()
        .expect("Shanghai has no DST gaps")
        .with_timezone(&Utc)
}

pub(crate) fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// A duration for people: `15 天 2 小时`, `61 分钟`.
pub fn fmt_duration_zh(d: chrono::TimeDelta) -> String {
    let secs = d.num_seconds();
    let (days, hours, mins) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60);
    if days > 0 {
        if hours > 0 {
            format!("{days} 天 {hours} 小时")
        } else {
            format!("{days} 天")
        }
    } else if hours > 0 {
        if mins > 0 {
            format!("{hours} 小时 {mins} 分钟")
        } else {
            format!("{hours} 小时")
        }
    } else {
        format!("{mins} 分钟")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_citation_display() {
        for r in RuleId::ALL {
            assert_eq!(RuleId::from_code(r.code()), Some(r));
        }
        // Codes are stored with findings: they never change.
        let codes: Vec<&str> = RuleId::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(
            codes,
            [
                "zombie",
                "weekly_original",
                "repost_delay",
                "closing_notice",
                "vanished",
                "interaction",
                "verification",
                "naming",
                "impostor",
                "one_per_platform",
                "unregistered",
                "opening_notice"
            ]
        );
        assert_eq!(RuleId::Impostor.display_name(), "疑似假冒账号");
        assert_eq!(RuleId::OnePerPlatform.display_name(), "同一平台重复开设");
        assert_eq!(RuleId::Unregistered.display_name(), "未备案政务账号");
        for r in [
            RuleId::Impostor,
            RuleId::OnePerPlatform,
            RuleId::Unregistered,
        ] {
            assert_eq!(r.gravity(), Gravity::Deduction);
            assert_eq!(serde_json::to_value(r).unwrap(), r.code());
        }
        let c = Citation {
            document: "宝鸡市政府系统政务新媒体管理办法",
            number: None,
            article: "第十六条",
            basis: CitationBasis::InForce,
        };
        assert_eq!(
            c.to_string(),
            "《宝鸡市政府系统政务新媒体管理办法》第十六条"
        );
        let c = Citation {
            document: "政府网站与政务新媒体检查指标",
            number: Some("国办秘函〔2019〕19号"),
            article: "单项否决指标“内容不更新”",
            basis: CitationBasis::InForce,
        };
        assert_eq!(
            c.to_string(),
            "《政府网站与政务新媒体检查指标》（国办秘函〔2019〕19号）单项否决指标“内容不更新”"
        );
    }

    #[test]
    fn fingerprint_is_rule_account_subject() {
        let c = Citation {
            document: "d",
            number: None,
            article: "a",
            basis: CitationBasis::InForce,
        };
        let f = Finding::new(RuleId::RepostDelay, 7, "weibo:123", c);
        assert_eq!(f.fingerprint(), "repost_delay:7:weibo:123");
    }

    use crate::rules::testkit::*;
    use xunjian_adapters::model::{ObservationKind, OutcomeClass};

    const NOW: &str = "2026-11-21T10:00:00+08:00";

    /// An account the platform blocks for weeks, with old data from before:
    /// every rule of every profile says "not checked", none a violation.
    #[test]
    fn a_blocked_account_is_never_a_violation_under_any_profile() {
        for prof in [
            ProfileName::National,
            ProfileName::Baoji,
            ProfileName::Luan,
            ProfileName::Longxian,
        ] {
            let k = Kit::with(NOW, prof);
            let mut f = k.facts();
            k.timeline(&mut f, 1, "2026-10-01T10:00:00+08:00", OutcomeClass::Ok);
            let mut p = post("p1", "2026-09-01T10:00:00+08:00");
            p.comment_state = xunjian_adapters::model::CommentState::Closed;
            add_post(&mut f, 1, p);
            add_post(&mut f, 1, post("p0", "2026-08-01T10:00:00+08:00"));
            k.obs(
                &mut f,
                2,
                ObservationKind::Profile,
                "2026-10-01T10:00:00+08:00",
                OutcomeClass::Ok,
            );
            let mut pr = profile("别的名字");
            pr.private_message = xunjian_adapters::model::MessageEntry::Closed;
            pr.verified = Some(false);
            add_profile(&mut f, 2, pr);
            for (i, class) in [
                OutcomeClass::Blocked,
                OutcomeClass::Captcha,
                OutcomeClass::LoginRequired,
            ]
            .into_iter()
            .enumerate()
            {
                k.timeline(
                    &mut f,
                    10 + i as i64,
                    &format!("2026-11-{:02}T09:00:00+08:00", 2 + i * 9),
                    class,
                );
                k.obs(
                    &mut f,
                    20 + i as i64,
                    ObservationKind::Profile,
                    &format!("2026-11-{:02}T09:00:00+08:00", 2 + i * 9),
                    class,
                );
            }
            let v = evaluate_account(&f, &k.ctx());
            assert!(!v.is_empty());
            for finding in &v {
                // The naming pattern reads only the registry: it needs no observation.
                if finding.subject == "name_pattern" {
                    continue;
                }
                match finding.rule {
                    // A success is still the platform's latest word about existence.
                    RuleId::Vanished => assert_eq!(finding.verdict, Verdict::Pass),
                    _ => assert!(
                        matches!(finding.verdict, Verdict::NotChecked { .. }),
                        "{prof:?} {}: {:?}",
                        finding.fingerprint(),
                        finding.verdict
                    ),
                }
            }
        }
    }

    #[test]
    fn lifecycle_status_selects_rules_and_overrides_switch_them_off() {
        let k = Kit::with(NOW, ProfileName::Baoji);
        let mut f = k.facts();
        k.timeline(&mut f, 1, NOW, OutcomeClass::Ok);
        add_post(&mut f, 1, post("p1", "2026-11-01T10:00:00+08:00"));
        let rules: Vec<RuleId> = evaluate_account(&f, &k.ctx())
            .iter()
            .map(|x| x.rule)
            .collect();
        for r in [
            RuleId::Zombie,
            RuleId::WeeklyOriginal,
            RuleId::Vanished,
            RuleId::Interaction,
            RuleId::Verification,
            RuleId::Naming,
        ] {
            assert!(rules.contains(&r), "{r} missing from {rules:?}");
        }
        assert!(!rules.contains(&RuleId::ClosingNotice));
        let zombie = evaluate_account(&f, &k.ctx())
            .into_iter()
            .find(|x| x.rule == RuleId::Zombie)
            .unwrap();
        assert_eq!(zombie.verdict, Verdict::Violation);

        let s: RuleSettings =
            toml::from_str("profile = \"baoji\"\n[zombie]\nenabled = false\n").unwrap();
        let resolved = s.resolve().unwrap();
        let ctx = RuleContext {
            rules: &resolved,
            ..k.ctx()
        };
        assert!(
            evaluate_account(&f, &ctx)
                .iter()
                .all(|x| x.rule != RuleId::Zombie)
        );
        let s: RuleSettings = toml::from_str("profile = \"baoji\"\n[zombie]\ndays = 21\n").unwrap();
        let resolved = s.resolve().unwrap();
        let ctx = RuleContext {
            rules: &resolved,
            ..k.ctx()
        };
        let z = evaluate_account(&f, &ctx)
            .into_iter()
            .find(|x| x.rule == RuleId::Zombie)
            .unwrap();
        assert_eq!(
            z.verdict,
            Verdict::Warning,
            "20 days silent: within an overridden 21, inside the 3-day lead"
        );
        assert!(z.summary_zh.contains("超过 21 天"), "{}", z.summary_zh);

        for status in [LifecycleStatus::Planned, LifecycleStatus::Closed] {
            f.account.spec.status = status;
            assert!(evaluate_account(&f, &k.ctx()).is_empty());
        }
    }

    #[test]
    fn findings_serialize_for_storage() {
        let k = Kit::with(NOW, ProfileName::Baoji);
        let mut f = k.facts();
        k.timeline(&mut f, 1, NOW, OutcomeClass::Ok);
        add_post(&mut f, 1, post("p1", "2026-11-01T10:00:00+08:00"));
        let z = zombie::check_zombie(&f, &k.ctx()).remove(0);
        let j = serde_json::to_value(&z).unwrap();
        assert_eq!(j["rule"], "zombie");
        assert_eq!(j["verdict"]["kind"], "violation");
        assert_eq!(j["citation"]["article"], "第十六条");
        assert_eq!(j["measured"]["silent_secs"], 20 * 86400);
    }

    #[test]
    fn durations_in_chinese() {
        assert_eq!(
            fmt_duration_zh(chrono::TimeDelta::minutes(61)),
            "1 小时 1 分钟"
        );
        assert_eq!(fmt_duration_zh(chrono::TimeDelta::minutes(59)), "59 分钟");
        assert_eq!(
            fmt_duration_zh(chrono::TimeDelta::hours(15 * 24 + 2)),
            "15 天 2 小时"
        );
    }
}
