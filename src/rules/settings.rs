//! Rule profiles and the `[rules]` section of xunjian.toml.
//!
//! An office picks a profile that follows its document and may override any
//! number or switch any rule off:
//!
//! ```toml
//! [rules]
//! profile = "baoji"          # national (default) | baoji | luan | longxian
//! coverage_hours = 48
//! [rules.zombie]
//! days = 15
//! warning_lead_days = 3
//! [rules.repost_delay]
//! enabled = true
//! [rules.interaction]
//! latest_k = 5               # the latest K non-pinned posts are read
//! closed_of_latest = 3       # this many of them closed = violation; 1 or more = warning
//! [rules.impostor]
//! threshold = 0.85
//! ```
//!
//! [`RuleSettings`] is what the file says (every field optional);
//! [`RuleSettings::resolve`] turns it into [`ResolvedRules`]: concrete
//! numbers and the citation each rule carries under the chosen profile.

use super::{Citation, CitationBasis, RuleId};
use super::names::default_decorations;
use regex::Regex;
use serde::{Deserialize, Serialize};
use xunjian_adapters::model::Platform;

// ---- the documents ---------------------------------------------------------

const NATIONAL: &str = "政府网站与政务新媒体检查指标";
const NATIONAL_NO: Option<&str> = Some("国办秘函〔2019〕19号");
/// The notice that issued the indicators (the report's default 依据 names it).
const NATIONAL_NOTICE: &str =
    "国务院办公厅秘书局关于印发政府网站与政务新媒体检查指标、监管工作年度考核指标的通知";
const BAOJI: &str = "宝鸡市政府系统政务新媒体管理办法";
const LUAN: &str = "六安市人民政府办公室关于进一步做好政务“两微一端”建设工作的通知";
const LONGXIAN: &str = "陇县政务微博管理办法";
const LONGXIAN_NO: Option<&str> = Some("陇政办函〔2018〕78号");

const fn cite(
    document: &'static str,
    number: Option<&'static str>,
    article: &'static str,
) -> Citation {
    Citation {
        document,
        number,
        article,
        basis: CitationBasis::InForce,
    }
}

pub const NATIONAL_NOT_UPDATED: Citation = cite(
    NATIONAL,
    NATIONAL_NO,
    "单项否决指标“内容不更新”（监测时间点前2周内无更新）",
);
pub const NATIONAL_INTERACTION: Citation = cite(
    NATIONAL,
    NATIONAL_NO,
    "单项否决指标“互动回应差”（未提供有效互动功能）",
);
pub const BAOJI_16: Citation = cite(BAOJI, None, "第十六条");
pub const BAOJI_10: Citation = cite(BAOJI, None, "第十条");
pub const BAOJI_7: Citation = cite(BAOJI, None, "第七条");
pub const BAOJI_11: Citation = cite(BAOJI, None, "第十一条");
pub const BAOJI_21: Citation = cite(BAOJI, None, "第二十一条");
pub const LUAN_2_2: Citation = cite(LUAN, None, "二（二）");
pub const LUAN_2_3: Citation = cite(LUAN, None, "二（三）");
pub const LUAN_4_4: Citation = cite(LUAN, None, "四（四）");
pub const LUAN_6_3: Citation = cite(LUAN, None, "六（三）");
pub const LONGXIAN_11_5: Citation = cite(LONGXIAN, LONGXIAN_NO, "第十一条第5项");
pub const LONGXIAN_14_6: Citation = cite(LONGXIAN, LONGXIAN_NO, "第十四条第6项");

/// 001 第六条: “原则上一个单位在同一平台只开设一个政务新媒体账号”.
pub const BAOJI_6: Citation = cite(BAOJI, None, "第六条");
/// 001 第八条: accounts must be filed (备案) in the national filing system.
pub const BAOJI_8: Citation = cite(BAOJI, None, "第八条");
/// 001 第二十七条: “对发现的假冒政务新媒体，应要求第三方平台立即关停”.
pub const BAOJI_27: Citation = cite(BAOJI, None, "第二十七条");
/// 000 第二条: a unit's account is one “向县信息办备案” (filed with the county).
pub const LONGXIAN_2: Citation = cite(LONGXIAN, LONGXIAN_NO, "第二条");
/// The State Council's opinion behind every local document. Its articles are
/// not numbered in the copies we hold, so the citation quotes the sentence.
const NATIONAL_OPINION: &str = "国务院办公厅关于推进政务新媒体健康有序发展的意见";
const NATIONAL_OPINION_NO: Option<&str> = Some("国办发〔2018〕123号");
pub const NATIONAL_ONE_ACCOUNT: Citation = cite(
    NATIONAL_OPINION,
    NATIONAL_OPINION_NO,
    "“一个单位原则上在同一平台只开设一个政务新媒体账号”",
);

/// The shipped profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ProfileName {
    /// 国办秘函〔2019〕19号 veto items: no update in the 2 weeks before the
    /// check; no effective interaction. Other rules off (no national text
    /// fixes them; switch them on to use the local document's citation).
    #[default]
    National,
    /// 《宝鸡市政府系统政务新媒体管理办法》(2023): 14 days, weekly original,
    /// closing notice 30 days, verification and naming, interaction, one
    /// account per unit and platform, filing, impostors.
    Baoji,
    /// 六安 "两微一端" notice (2016): 15 days, reposts within 1 hour / 1
    /// working day, naming pattern ××县人民政府发布, closing filing.
    Luan,
    /// 《陇县政务微博管理办法》(2018): daily updates, closing notice.
    Longxian,
}

impl ProfileName {
    pub fn code(self) -> &'static str {
        match self {
            ProfileName::National => "national",
            ProfileName::Baoji => "baoji",
            ProfileName::Luan => "luan",
            ProfileName::Longxian => "longxian",
        }
    }
    pub fn from_code(s: &str) -> Option<ProfileName> {
        [
            ProfileName::National,
            ProfileName::Baoji,
            ProfileName::Luan,
            ProfileName::Longxian,
        ]
        .into_iter()
        .find(|p| p.code() == s)
    }
}

impl ProfileName {
    /// The documents in force for an office of this profile: its own
    /// document, the documents of the governments above it, and the national
    /// ones that bind every office. A citation of any other document is only
    /// a reference (参照), never presented as binding.
    pub fn documents_in_force(self) -> &'static [&'static str] {
        match self {
            ProfileName::National => &[NATIONAL, NATIONAL_NOTICE, NATIONAL_OPINION],
            ProfileName::Baoji => &[BAOJI, NATIONAL, NATIONAL_NOTICE, NATIONAL_OPINION],
            // 陇县 is a county of 宝鸡: the city's 办法 binds it too.
            ProfileName::Longxian => &[LONGXIAN, BAOJI, NATIONAL, NATIONAL_NOTICE, NATIONAL_OPINION],
            ProfileName::Luan => &[LUAN, NATIONAL, NATIONAL_NOTICE, NATIONAL_OPINION],
        }
    }

    /// Whether a citation may be presented as binding this office.
    pub fn binds(self, c: &Citation) -> bool {
        match c.basis {
            CitationBasis::Office => true,
            CitationBasis::Reference => false,
            CitationBasis::InForce => self.documents_in_force().contains(&c.document),
        }
    }
}

/// Office citations live as long as the process, like the shipped ones, so
/// that a [`Citation`] stays `Copy` for the rules. Interned: reading the
/// configuration again does not grow memory.
fn intern(text: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static TEXTS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut set = TEXTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(t) = set.get(text) {
        return t;
    }
    let leaked: &'static str = Box::leak(text.to_string().into_boxed_str());
    set.insert(leaked);
    leaked
}

/// `[rules.<rule>] citation = "市政务公开办《政务新媒体考核细则》第五条"`: the
/// office's own text, which must name a document in 《》.
fn office_citation(rule: &'static str, text: &str) -> Result<Citation, SettingsError> {
    let t = text.trim();
    let named = t
        .find('《')
        .and_then(|a| t[a..].find('》').map(|b| b > '《'.len_utf8()))
        .unwrap_or(false);
    if !named || t.chars().count() > 200 || t.chars().any(char::is_control) {
        return Err(SettingsError::BadCitation {
            rule,
            text: text.to_string(),
        });
    }
    Ok(Citation {
        document: intern(t),
        number: None,
        article: "",
        basis: CitationBasis::Office,
    })
}

// ---- what the config file says --------------------------------------------

/// The `[rules]` section. Every field is optional; absent means "as the
/// profile says". Unknown keys are errors.
// Not `Eq`: the impostor threshold is a fraction.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuleSettings {
    /// Which document's thresholds and citations to use (default national).
    pub profile: ProfileName,
    /// A rule needs a successful observation (timeline for post rules,
    /// profile for profile rules) no older than this many hours, or it
    /// returns "not checked". Default 48.
    pub coverage_hours: Option<u32>,
    /// Name searches (impostors, unregistered accounts) older than this many
    /// days are not used. Default 7.
    pub search_window_days: Option<u32>,
    pub zombie: ZombieSettings,
    pub weekly_original: ToggleSettings,
    pub repost_delay: RepostSettings,
    pub closing_notice: ClosingSettings,
    pub vanished: VanishedSettings,
    pub interaction: InteractionSettings,
    pub verification: ToggleSettings,
    pub naming: NamingSettings,
    pub impostor: ImpostorSettings,
    pub one_per_platform: ToggleSettings,
    pub unregistered: ToggleSettings,
    pub opening_notice: OpeningSettings,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OpeningSettings {
    pub enabled: Option<bool>,
    /// The office's own citation for this rule, e.g. "市政务公开办《政务新媒体
    /// 考核细则》第五条"; replaces the profile's (which is only a reference
    /// where the office's documents do not fix the rule).
    pub citation: Option<String>,
    /// The portal notice must hang at least this many days (30).
    pub days: Option<u32>,
    /// Days after opening before a missing notice is a violation (3).
    pub grace_days: Option<u32>,
    /// Words that make a title an opening notice (default 开通, 上线,
    /// 正式运行, 启用, 入驻, 开设).
    pub keywords: Option<Vec<String>>,
}

/// A rule with no numbers, only on/off.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ToggleSettings {
    pub enabled: Option<bool>,
    /// The office's own citation for this rule, e.g. "市政务公开办《政务新媒体
    /// 考核细则》第五条"; replaces the profile's (which is only a reference
    /// where the office's documents do not fix the rule).
    pub citation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ZombieSettings {
    pub enabled: Option<bool>,
    /// The office's own citation for this rule, e.g. "市政务公开办《政务新媒体
    /// 考核细则》第五条"; replaces the profile's (which is only a reference
    /// where the office's documents do not fix the rule).
    pub citation: Option<String>,
    /// Violation when silent for more than this many days (national 14,
    /// baoji 14, luan 15, longxian 1).
    pub days: Option<u32>,
    /// Early warning this many days before the limit (default 3; 0 = none).
    pub warning_lead_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RepostSettings {
    pub enabled: Option<bool>,
    /// The office's own citation for this rule, e.g. "市政务公开办《政务新媒体
    /// 考核细则》第五条"; replaces the profile's (which is only a reference
    /// where the office's documents do not fix the rule).
    pub citation: Option<String>,
    /// Weibo, apps and other platforms: repost within this many minutes (60).
    pub limit_minutes: Option<u32>,
    /// WeChat: repost by the end of this many working days after the
    /// source's publish date (1).
    pub wechat_workdays: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClosingSettings {
    pub enabled: Option<bool>,
    /// The office's own citation for this rule, e.g. "市政务公开办《政务新媒体
    /// 考核细则》第五条"; replaces the profile's (which is only a reference
    /// where the office's documents do not fix the rule).
    pub citation: Option<String>,
    /// The pinned notice must be up at least this many days before the
    /// closing date (30).
    pub days: Option<u32>,
    /// Warn this many days before the notice is due (default 7; 0 = none).
    pub warning_lead_days: Option<u32>,
    /// Words that make a post a closing notice (default 停更, 停止更新,
    /// 关停, 注销, 暂停更新, 不再更新).
    pub keywords: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VanishedSettings {
    pub enabled: Option<bool>,
    /// The office's own citation for this rule, e.g. "市政务公开办《政务新媒体
    /// 考核细则》第五条"; replaces the profile's (which is only a reference
    /// where the office's documents do not fix the rule).
    pub citation: Option<String>,
    /// Consecutive not_found/banned answers (with no success in between)
    /// before it is a violation; fewer give a warning (default 2).
    pub confirmations: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InteractionSettings {
    pub enabled: Option<bool>,
    /// The office's own citation for this rule, e.g. "市政务公开办《政务新媒体
    /// 考核细则》第五条"; replaces the profile's (which is only a reference
    /// where the office's documents do not fix the rule).
    pub citation: Option<String>,
    /// How many of the latest non-pinned posts are read (default 5).
    pub latest_k: Option<u32>,
    /// Violation when comments are closed or restricted on at least this
    /// many of the latest K (default 3, at most `latest_k`); fewer but at
    /// least one is a warning.
    pub closed_of_latest: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NamingSettings {
    pub enabled: Option<bool>,
    /// The office's own citation for this rule, e.g. "市政务公开办《政务新媒体
    /// 考核细则》第五条"; replaces the profile's (which is only a reference
    /// where the office's documents do not fix the rule).
    pub citation: Option<String>,
    /// A regular expression every registered display name must match, e.g.
    /// `^.+[县区]人民政府发布$`. Empty string = no pattern check.
    pub pattern: Option<String>,
    /// Check that the name on the platform equals the registry's (default true).
    pub match_registry: Option<bool>,
    /// Platforms the pattern applies to (platform codes; default: all, or
    /// weibo + wechat under luan, whose 二(二) names 政务微博微信).
    pub pattern_platforms: Option<Vec<Platform>>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImpostorSettings {
    pub enabled: Option<bool>,
    /// The office's own citation for this rule, e.g. "市政务公开办《政务新媒体
    /// 考核细则》第五条"; replaces the profile's (which is only a reference
    /// where the office's documents do not fix the rule).
    pub citation: Option<String>,
    /// A candidate whose score (name similarity plus verification and bio
    /// evidence, 0–1) is at or above this is reported. 0 < threshold ≤ 1;
    /// default 0.9.
    pub threshold: Option<f64>,
    /// Words that decorate a name without changing whose it is (default
    /// 官方, 官微, 发布, 在线, 之声, 推荐官, 直播间, 政务, 微博, 频道, 账号).
    /// An empty list compares names as they are.
    pub decorations: Option<Vec<String>>,
}

// ---- resolved --------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct ZombieRule {
    pub enabled: bool,
    pub days: u32,
    pub warning_lead_days: u32,
    pub citation: Citation,
}

#[derive(Debug, Clone)]
pub struct SimpleRule {
    pub enabled: bool,
    pub citation: Citation,
}

#[derive(Debug, Clone)]
pub struct RepostRule {
    pub enabled: bool,
    pub limit_minutes: u32,
    pub wechat_workdays: u32,
    pub citation: Citation,
}

#[derive(Debug, Clone)]
pub struct ClosingRule {
    pub enabled: bool,
    pub days: u32,
    pub warning_lead_days: u32,
    pub keywords: Vec<String>,
    pub citation: Citation,
}

#[derive(Debug, Clone)]
pub struct VanishedRule {
    pub enabled: bool,
    pub confirmations: u32,
    pub citation: Citation,
}

#[derive(Debug, Clone)]
pub struct InteractionRule {
    pub enabled: bool,
    pub latest_k: u32,
    /// 1..=latest_k: closed on this many of the latest K is a violation.
    pub closed_of_latest: u32,
    pub citation: Citation,
}

#[derive(Debug, Clone)]
pub struct NamingRule {
    pub enabled: bool,
    pub pattern: Option<Regex>,
    pub match_registry: bool,
    /// Empty = all platforms.
    pub pattern_platforms: Vec<Platform>,
    /// For the registry-name comparison.
    pub citation: Citation,
    /// For the pattern.
    pub pattern_citation: Citation,
}

#[derive(Debug, Clone)]
pub struct ImpostorRule {
    pub enabled: bool,
    pub threshold: f64,
    pub decorations: Vec<String>,
    pub citation: Citation,
}

/// Concrete thresholds and citations, ready for the rules.
#[derive(Debug, Clone)]
pub struct ResolvedRules {
    pub profile: ProfileName,
    pub coverage_hours: u32,
    pub search_window_days: u32,
    pub zombie: ZombieRule,
    pub weekly_original: SimpleRule,
    pub repost_delay: RepostRule,
    pub closing_notice: ClosingRule,
    pub vanished: VanishedRule,
    pub interaction: InteractionRule,
    pub verification: SimpleRule,
    pub naming: NamingRule,
    pub impostor: ImpostorRule,
    pub one_per_platform: SimpleRule,
    pub unregistered: SimpleRule,
    pub opening_notice: super::opening_notice::OpeningRule,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    #[error("[rules] {field} 必须大于 0 (must be > 0)")]
    Zero { field: &'static str },
    #[error("[rules.naming] pattern 不是有效的正则表达式 (invalid regex) `{pattern}`: {message}")]
    BadPattern { pattern: String, message: String },
    #[error("[rules.zombie] warning_lead_days ({lead}) 须小于 days ({days})")]
    LeadTooLong { lead: u32, days: u32 },
    #[error("[rules.impostor] threshold 须大于 0 且不大于 1 (must be in (0, 1]): {value}")]
    BadThreshold { value: String },
    #[error(
        "[rules.{rule}] citation 须写明文件名（用《》）和条款，不超过 200 字，例如 \"市政务公开办《政务新媒体考核细则》第五条\"：{text:?}"
    )]
    BadCitation { rule: &'static str, text: String },
    #[error("[rules.interaction] closed_of_latest ({closed}) 不能大于 latest_k ({k}) (must not exceed latest_k)")]
    ClosedOfLatest { closed: u32, k: u32 },
}

fn default_keywords() -> Vec<String> {
    ["停更", "停止更新", "关停", "注销", "暂停更新", "不再更新"]
        .into_iter()
        .map(String::from)
        .collect()
}

impl ResolvedRules {
    /// A profile with no overrides.
    pub fn for_profile(profile: ProfileName) -> ResolvedRules {
        use ProfileName::*;
        let on = |ps: &[ProfileName]| ps.contains(&profile);
        let mut r = ResolvedRules {
            profile,
            coverage_hours: 48,
            search_window_days: 7,
            zombie: ZombieRule {
                enabled: true,
                // 陇县 第十四条6: 坚持每天内容及时更新 → silent more than a day.
                days: match profile {
                    Luan => 15,
                    Longxian => 1,
                    National | Baoji => 14,
                },
                warning_lead_days: if profile == Longxian { 0 } else { 3 },
                citation: match profile {
                    National => NATIONAL_NOT_UPDATED,
                    Baoji => BAOJI_16,
                    Luan => LUAN_6_3,
                    Longxian => LONGXIAN_14_6,
                },
            },
            weekly_original: SimpleRule {
                enabled: on(&[Baoji]),
                citation: BAOJI_16,
            },
            repost_delay: RepostRule {
                enabled: on(&[Luan]),
                limit_minutes: 60,
                wechat_workdays: 1,
                citation: LUAN_4_4,
            },
            // 001 第十条 fixes "置顶、至少保留30天". 004 二(三) (filing 7
            // working days ahead) and 000 第十一条5 (a public notice) fix no
            // period; their profiles use the same 30 days, overridable.
            closing_notice: ClosingRule {
                enabled: on(&[Baoji, Luan, Longxian]),
                days: 30,
                warning_lead_days: 7,
                keywords: default_keywords(),
                citation: match profile {
                    Luan => LUAN_2_3,
                    Longxian => LONGXIAN_11_5,
                    National | Baoji => BAOJI_10,
                },
            },
            vanished: VanishedRule {
                enabled: on(&[Baoji, Luan, Longxian]),
                confirmations: 2,
                citation: match profile {
                    Luan => LUAN_2_3,
                    Longxian => LONGXIAN_11_5,
                    National | Baoji => BAOJI_10,
                },
            },
            interaction: InteractionRule {
                enabled: on(&[National, Baoji]),
                latest_k: 5,
                // Three closed of five: a pattern, not a single sensitive post
                // (all five closed let an account that closes comments on
                // most of its posts pass).
                closed_of_latest: 3,
                // 001 第二十一条 where it is in force; elsewhere the national
                // veto item, which binds every office.
                citation: match profile {
                    Baoji | Longxian => BAOJI_21,
                    National | Luan => NATIONAL_INTERACTION,
                },
            },
            verification: SimpleRule {
                enabled: on(&[Baoji]),
                citation: BAOJI_11,
            },
            naming: NamingRule {
                enabled: on(&[Baoji, Luan]),
                pattern: (profile == Luan)
                    .then(|| Regex::new(LUAN_PATTERN).expect("built-in pattern is valid")),
                match_registry: true,
                pattern_platforms: if profile == Luan {
                    vec![Platform::Weibo, Platform::Wechat]
                } else {
                    Vec::new()
                },
                citation: if profile == Luan { LUAN_2_2 } else { BAOJI_11 },
                pattern_citation: LUAN_2_2,
            },
            // Only 001 第二十七条 speaks of impostors: the national indicators
            // have no such item and 123号 no such sentence in the copies we
            // hold, so every profile cites 001 when the rule is switched on.
            impostor: ImpostorRule {
                enabled: on(&[Baoji]),
                threshold: 0.9,
                decorations: default_decorations(),
                citation: BAOJI_27,
            },
            // 001 第六条 repeats 国办发〔2018〕123号, which every office is bound
            // by: profiles without a local article cite the State Council.
            one_per_platform: SimpleRule {
                enabled: on(&[Baoji]),
                citation: if profile == Baoji {
                    BAOJI_6
                } else {
                    NATIONAL_ONE_ACCOUNT
                },
            },
            // Each local document requires filing with its office: 001 第八条
            // (national filing system), 004 二(三) (report within 3 working
            // days), 000 第二条 (unit accounts are those filed with the county).
            // The national indicators have no filing item; 001 第八条 names
            // the national filing system, so the national profile cites it.
            unregistered: SimpleRule {
                enabled: on(&[Baoji, Luan, Longxian]),
                citation: match profile {
                    Luan => LUAN_2_3,
                    Longxian => LONGXIAN_2,
                    National | Baoji => BAOJI_8,
                },
            },
            // Only 001 第七条 asks for a portal notice (004 二(三) asks for a
            // report to the office, which we cannot see): baoji only.
            opening_notice: super::opening_notice::OpeningRule {
                enabled: on(&[Baoji]),
                days: 30,
                grace_days: 3,
                keywords: super::opening_notice::OpeningRule::default_keywords(),
                citation: BAOJI_7,
            },
        };
        r.mark_references();
        r
    }
}

/// 004 二(二): “××县人民政府发布” or “六安市××委(办、局)发布” (and the city's
/// own 六安市人民政府发布).
pub const LUAN_PATTERN: &str = r"^(六安市人民政府发布|.+[县区]人民政府发布|六安市.+[委办局]发布)$";

impl RuleSettings {
    /// The profile's defaults, as a settings value with no overrides.
    pub fn for_profile(profile: ProfileName) -> RuleSettings {
        RuleSettings {
            profile,
            ..RuleSettings::default()
        }
    }

    /// Applies the overrides to the profile.
    pub fn resolve(&self) -> Result<ResolvedRules, SettingsError> {
        let mut r = ResolvedRules::for_profile(self.profile);
        if let Some(h) = self.coverage_hours {
            r.coverage_hours = nonzero(h, "coverage_hours")?;
        }
        if let Some(d) = self.search_window_days {
            r.search_window_days = nonzero(d, "search_window_days")?;
        }
        set(&mut r.zombie.enabled, self.zombie.enabled);
        if let Some(d) = self.zombie.days {
            r.zombie.days = nonzero(d, "zombie.days")?;
        }
        set(
            &mut r.zombie.warning_lead_days,
            self.zombie.warning_lead_days,
        );
        if r.zombie.warning_lead_days >= r.zombie.days && r.zombie.warning_lead_days > 0 {
            return Err(SettingsError::LeadTooLong {
                lead: r.zombie.warning_lead_days,
                days: r.zombie.days,
            });
        }
        set(&mut r.weekly_original.enabled, self.weekly_original.enabled);
        set(&mut r.repost_delay.enabled, self.repost_delay.enabled);
        if let Some(m) = self.repost_delay.limit_minutes {
            r.repost_delay.limit_minutes = nonzero(m, "repost_delay.limit_minutes")?;
        }
        if let Some(w) = self.repost_delay.wechat_workdays {
            r.repost_delay.wechat_workdays = nonzero(w, "repost_delay.wechat_workdays")?;
        }
        set(&mut r.closing_notice.enabled, self.closing_notice.enabled);
        set(&mut r.closing_notice.days, self.closing_notice.days);
        set(
            &mut r.closing_notice.warning_lead_days,
            self.closing_notice.warning_lead_days,
        );
        if let Some(k) = &self.closing_notice.keywords {
            r.closing_notice.keywords =
                k.iter().filter(|s| !s.trim().is_empty()).cloned().collect();
            if r.closing_notice.keywords.is_empty() {
                return Err(SettingsError::Zero {
                    field: "closing_notice.keywords",
                });
            }
        }
        set(&mut r.vanished.enabled, self.vanished.enabled);
        if let Some(c) = self.vanished.confirmations {
            r.vanished.confirmations = nonzero(c, "vanished.confirmations")?;
        }
        set(&mut r.interaction.enabled, self.interaction.enabled);
        if let Some(k) = self.interaction.latest_k {
            r.interaction.latest_k = nonzero(k, "interaction.latest_k")?;
        }
        match self.interaction.closed_of_latest {
            Some(c) => r.interaction.closed_of_latest = nonzero(c, "interaction.closed_of_latest")?,
            // A small latest_k alone (written before closed_of_latest
            // existed, when it meant "all K closed") still means all K.
            None => r.interaction.closed_of_latest = r.interaction.closed_of_latest.min(r.interaction.latest_k),
        }
        if r.interaction.closed_of_latest > r.interaction.latest_k {
            return Err(SettingsError::ClosedOfLatest {
                closed: r.interaction.closed_of_latest,
                k: r.interaction.latest_k,
            });
        }
        set(&mut r.verification.enabled, self.verification.enabled);
        set(&mut r.naming.enabled, self.naming.enabled);
        set(&mut r.naming.match_registry, self.naming.match_registry);
        set(
            &mut r.naming.pattern_platforms,
            self.naming.pattern_platforms.clone(),
        );
        if let Some(p) = &self.naming.pattern {
            r.naming.pattern = if p.trim().is_empty() {
                None
            } else {
                Some(Regex::new(p).map_err(|e| SettingsError::BadPattern {
                    pattern: p.clone(),
                    message: e.to_string(),
                })?)
            };
        }
        set(&mut r.opening_notice.enabled, self.opening_notice.enabled);
        if let Some(d) = self.opening_notice.days {
            r.opening_notice.days = nonzero(d, "opening_notice.days")?;
        }
        set(&mut r.opening_notice.grace_days, self.opening_notice.grace_days);
        if let Some(k) = &self.opening_notice.keywords {
            r.opening_notice.keywords = k.iter().filter(|s| !s.trim().is_empty()).cloned().collect();
            if r.opening_notice.keywords.is_empty() {
                return Err(SettingsError::Zero { field: "opening_notice.keywords" });
            }
        }
        set(&mut r.impostor.enabled, self.impostor.enabled);
        if let Some(t) = self.impostor.threshold {
            // NaN fails both comparisons and is refused with the rest.
            if !(t > 0.0 && t <= 1.0) {
                return Err(SettingsError::BadThreshold {
                    value: t.to_string(),
                });
            }
            r.impostor.threshold = t;
        }
        if let Some(d) = &self.impostor.decorations {
            r.impostor.decorations = d
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
        set(
            &mut r.one_per_platform.enabled,
            self.one_per_platform.enabled,
        );
        set(&mut r.unregistered.enabled, self.unregistered.enabled);
        let office = [
            (RuleId::Zombie, &self.zombie.citation),
            (RuleId::WeeklyOriginal, &self.weekly_original.citation),
            (RuleId::RepostDelay, &self.repost_delay.citation),
            (RuleId::ClosingNotice, &self.closing_notice.citation),
            (RuleId::Vanished, &self.vanished.citation),
            (RuleId::Interaction, &self.interaction.citation),
            (RuleId::Verification, &self.verification.citation),
            (RuleId::Naming, &self.naming.citation),
            (RuleId::Impostor, &self.impostor.citation),
            (RuleId::OnePerPlatform, &self.one_per_platform.citation),
            (RuleId::Unregistered, &self.unregistered.citation),
            (RuleId::OpeningNotice, &self.opening_notice.citation),
        ];
        for (rule, text) in office {
            if let Some(text) = text {
                let c = office_citation(rule.code(), text)?;
                for slot in r.citations_mut(rule) {
                    *slot = c;
                }
            }
        }
        Ok(r)
    }
}

impl ResolvedRules {
    /// The citations a rule may carry (naming has two: the registry name and
    /// the pattern).
    fn citations_mut(&mut self, rule: RuleId) -> Vec<&mut Citation> {
        match rule {
            RuleId::Zombie => vec![&mut self.zombie.citation],
            RuleId::WeeklyOriginal => vec![&mut self.weekly_original.citation],
            RuleId::RepostDelay => vec![&mut self.repost_delay.citation],
            RuleId::ClosingNotice => vec![&mut self.closing_notice.citation],
            RuleId::Vanished => vec![&mut self.vanished.citation],
            RuleId::Interaction => vec![&mut self.interaction.citation],
            RuleId::Verification => vec![&mut self.verification.citation],
            RuleId::Naming => vec![&mut self.naming.citation, &mut self.naming.pattern_citation],
            RuleId::Impostor => vec![&mut self.impostor.citation],
            RuleId::OnePerPlatform => vec![&mut self.one_per_platform.citation],
            RuleId::Unregistered => vec![&mut self.unregistered.citation],
            RuleId::OpeningNotice => vec![&mut self.opening_notice.citation],
        }
    }

    /// Every rule with whether it is on and what it cites, for
    /// `xunjian config check` and the tests that hold citations to the
    /// profile's documents.
    pub fn citations(&self) -> Vec<(RuleId, bool, Citation)> {
        let on = |r: RuleId| match r {
            RuleId::Zombie => self.zombie.enabled,
            RuleId::WeeklyOriginal => self.weekly_original.enabled,
            RuleId::RepostDelay => self.repost_delay.enabled,
            RuleId::ClosingNotice => self.closing_notice.enabled,
            RuleId::Vanished => self.vanished.enabled,
            RuleId::Interaction => self.interaction.enabled,
            RuleId::Verification => self.verification.enabled,
            RuleId::Naming => self.naming.enabled,
            RuleId::Impostor => self.impostor.enabled,
            RuleId::OnePerPlatform => self.one_per_platform.enabled,
            RuleId::Unregistered => self.unregistered.enabled,
            RuleId::OpeningNotice => self.opening_notice.enabled,
        };
        let mut copy = self.clone();
        let mut out = Vec::new();
        for rule in RuleId::ALL {
            let mut seen: Vec<Citation> = Vec::new();
            for c in copy.citations_mut(rule) {
                // The naming pattern's citation matters only with a pattern.
                if rule == RuleId::Naming && self.naming.pattern.is_none() && !seen.is_empty() {
                    continue;
                }
                if !seen.contains(c) {
                    seen.push(*c);
                }
            }
            out.extend(seen.into_iter().map(|c| (rule, on(rule), c)));
        }
        out
    }

    /// A shipped citation of a document not in force for the profile
    /// becomes a reference: the office borrows the requirement, and says so.
    fn mark_references(&mut self) {
        let profile = self.profile;
        for rule in RuleId::ALL {
            for c in self.citations_mut(rule) {
                if c.basis == CitationBasis::InForce
                    && !profile.documents_in_force().contains(&c.document)
                {
                    c.basis = CitationBasis::Reference;
                }
            }
        }
    }
}

fn set<T: Clone>(slot: &mut T, v: Option<T>) {
    if let Some(v) = v {
        *slot = v;
    }
}

fn nonzero(v: u32, field: &'static str) -> Result<u32, SettingsError> {
    if v == 0 {
        Err(SettingsError::Zero { field })
    } else {
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<RuleSettings, toml::de::Error> {
        toml::from_str(s)
    }

    #[test]
    fn default_is_national_two_weeks_and_interaction_only() {
        let r = RuleSettings::default().resolve().unwrap();
        assert_eq!(r.profile, ProfileName::National);
        assert_eq!((r.zombie.days, r.zombie.warning_lead_days), (14, 3));
        assert!(
            r.zombie
                .citation
                .to_string()
                .contains("国办秘函〔2019〕19号")
        );
        assert!(
            r.interaction.enabled
                && r.interaction
                    .citation
                    .to_string()
                    .contains("未提供有效互动功能")
        );
        assert!(!r.weekly_original.enabled && !r.repost_delay.enabled && !r.closing_notice.enabled);
        assert!(!r.verification.enabled && !r.naming.enabled && !r.vanished.enabled);
    }

    #[test]
    fn profiles_follow_their_documents() {
        let b = ResolvedRules::for_profile(ProfileName::Baoji);
        assert_eq!(b.zombie.days, 14);
        assert_eq!(
            b.zombie.citation.to_string(),
            "《宝鸡市政府系统政务新媒体管理办法》第十六条"
        );
        assert!(b.weekly_original.enabled && b.closing_notice.enabled && b.verification.enabled);
        assert_eq!(b.closing_notice.citation.article, "第十条");
        assert_eq!(b.interaction.citation.article, "第二十一条");
        assert!(!b.repost_delay.enabled);

        let l = ResolvedRules::for_profile(ProfileName::Luan);
        assert_eq!(l.zombie.days, 15);
        assert_eq!(l.zombie.citation.article, "六（三）");
        assert!(l.repost_delay.enabled);
        assert_eq!(
            (l.repost_delay.limit_minutes, l.repost_delay.wechat_workdays),
            (60, 1)
        );
        assert_eq!(l.repost_delay.citation.article, "四（四）");
        let p = l.naming.pattern.as_ref().unwrap();
        assert!(
            p.is_match("霍邱县人民政府发布")
                && p.is_match("六安市教育局发布")
                && p.is_match("六安市人民政府发布")
        );
        assert!(!p.is_match("霍邱发布") && !p.is_match("霍邱县人民政府"));
        assert!(!l.weekly_original.enabled);

        let x = ResolvedRules::for_profile(ProfileName::Longxian);
        assert_eq!((x.zombie.days, x.zombie.warning_lead_days), (1, 0));
        assert_eq!(
            x.zombie.citation.to_string(),
            "《陇县政务微博管理办法》（陇政办函〔2018〕78号）第十四条第6项"
        );
        assert_eq!(x.closing_notice.citation.article, "第十一条第5项");
    }

    #[test]
    fn overrides_apply_and_switch_rules() {
        let s = parse(
            r#"
            profile = "baoji"
            coverage_hours = 24
            [zombie]
            days = 15
            warning_lead_days = 0
            [weekly_original]
            enabled = false
            [repost_delay]
            enabled = true
            limit_minutes = 90
            [naming]
            pattern = "^.+发布$"
            pattern_platforms = ["weibo"]
            "#,
        )
        .unwrap();
        let r = s.resolve().unwrap();
        assert_eq!(r.coverage_hours, 24);
        assert_eq!((r.zombie.days, r.zombie.warning_lead_days), (15, 0));
        assert!(!r.weekly_original.enabled);
        assert!(r.repost_delay.enabled && r.repost_delay.limit_minutes == 90);
        // Enabled outside its home profile, the rule cites the document that has it.
        assert_eq!(r.repost_delay.citation.article, "四（四）");
        assert!(r.naming.pattern.as_ref().unwrap().is_match("陇县发布"));
        assert_eq!(r.naming.pattern_platforms, vec![Platform::Weibo]);
        // Untouched values stay the profile's.
        assert_eq!(r.closing_notice.days, 30);
    }

    #[test]
    fn bad_settings_are_refused() {
        assert!(parse("profile = \"shanghai\"").is_err());
        assert!(
            parse("[zombie]\nday = 3").is_err(),
            "unknown keys are errors"
        );
        assert!(parse("zombie_days = 3").is_err());
        let s = parse("[zombie]\ndays = 0").unwrap();
        assert_eq!(
            s.resolve().unwrap_err(),
            SettingsError::Zero {
                field: "zombie.days"
            }
        );
        let s = parse("[zombie]\ndays = 3\nwarning_lead_days = 3").unwrap();
        assert!(matches!(
            s.resolve(),
            Err(SettingsError::LeadTooLong { .. })
        ));
        let s = parse("[naming]\npattern = \"(\"").unwrap();
        assert!(matches!(s.resolve(), Err(SettingsError::BadPattern { .. })));
        let s = parse("[naming]\npattern = \"\"\n").unwrap();
        assert!(
            RuleSettings {
                profile: ProfileName::Luan,
                ..s
            }
            .resolve()
            .unwrap()
            .naming
            .pattern
            .is_none()
        );
    }

    #[test]
    fn impostor_one_per_platform_and_unregistered_by_profile() {
        let n = ResolvedRules::for_profile(ProfileName::National);
        assert!(!n.impostor.enabled && !n.one_per_platform.enabled && !n.unregistered.enabled);
        assert_eq!(n.search_window_days, 7);
        assert_eq!(n.impostor.threshold, 0.9);
        assert_eq!(n.impostor.decorations.len(), 11);
        // No national text fixes impostors: 宝鸡's article, by reference only.
        assert_eq!(
            n.impostor.citation.to_string(),
            "参照《宝鸡市政府系统政务新媒体管理办法》第二十七条的要求"
        );
        assert!(
            n.one_per_platform
                .citation
                .to_string()
                .contains("国办发〔2018〕123号")
        );
        assert_eq!(n.unregistered.citation.article, "第八条");

        let b = ResolvedRules::for_profile(ProfileName::Baoji);
        assert!(b.impostor.enabled && b.one_per_platform.enabled && b.unregistered.enabled);
        assert_eq!(
            b.one_per_platform.citation.to_string(),
            "《宝鸡市政府系统政务新媒体管理办法》第六条"
        );

        let l = ResolvedRules::for_profile(ProfileName::Luan);
        assert!(!l.impostor.enabled && !l.one_per_platform.enabled && l.unregistered.enabled);
        assert_eq!(l.unregistered.citation.article, "二（三）");
        let x = ResolvedRules::for_profile(ProfileName::Longxian);
        assert!(x.unregistered.enabled);
        assert_eq!(x.unregistered.citation.article, "第二条");
    }

    #[test]
    fn impostor_settings_override_and_validate() {
        let r = parse(
            r#"
            search_window_days = 3
            [impostor]
            enabled = true
            threshold = 1.0
            decorations = ["官方", " ", "直播间"]
            [one_per_platform]
            enabled = true
            [unregistered]
            enabled = false
            "#,
        )
        .unwrap()
        .resolve()
        .unwrap();
        assert_eq!(r.search_window_days, 3);
        assert!(r.impostor.enabled && r.one_per_platform.enabled && !r.unregistered.enabled);
        assert_eq!(r.impostor.threshold, 1.0);
        assert_eq!(r.impostor.decorations, ["官方", "直播间"]);
        let r = parse("[impostor]\ndecorations = []\nthreshold = 0.001\n")
            .unwrap()
            .resolve()
            .unwrap();
        assert!(
            r.impostor.decorations.is_empty(),
            "no decorations is a choice"
        );
        assert_eq!(r.impostor.threshold, 0.001);

        for bad in ["0", "0.0", "-0.5", "1.01", "nan", "inf"] {
            let s = parse(&format!("[impostor]\nthreshold = {bad}\n")).unwrap();
            let e = s.resolve().unwrap_err();
            assert!(
                matches!(e, SettingsError::BadThreshold { .. }),
                "{bad}: {e:?}"
            );
            assert!(e.to_string().contains("(0, 1]"), "{e}");
        }
        assert_eq!(
            parse("search_window_days = 0")
                .unwrap()
                .resolve()
                .unwrap_err(),
            SettingsError::Zero {
                field: "search_window_days"
            }
        );
        assert!(
            parse("[impostor]\nthreshhold = 0.5").is_err(),
            "unknown keys are errors"
        );
        assert!(parse("[unregistered]\nthreshold = 0.5").is_err());
    }

    /// `xunjian init` writes the example file; every rules setting added
    /// here must be documented there.
    #[test]
    fn the_example_config_documents_these_settings() {
        let example = include_str!("../cli/xunjian.example.toml");
        for needle in [
            "search_window_days = 7",
            "[rules.impostor]",
            "threshold",
            "decorations",
            "[rules.one_per_platform]",
            "允许多账号",
            "[rules.unregistered]",
            "closed_of_latest",
        ] {
            assert!(example.contains(needle), "example config lacks {needle}");
        }
        let defaults = default_decorations().join(" ");
        assert!(
            example.contains(&defaults),
            "decorations default differs: {defaults}"
        );
    }

    /// An office cannot enforce another city's notice as its own: what a
    /// profile switches on cites its documents in force; a rule switched on
    /// beyond them cites the other document as a reference only, until the
    /// office gives its own citation.
    #[test]
    fn citations_bind_only_where_the_document_is_in_force() {
        for profile in [
            ProfileName::National,
            ProfileName::Baoji,
            ProfileName::Luan,
            ProfileName::Longxian,
        ] {
            let r = ResolvedRules::for_profile(profile);
            for (rule, on, c) in r.citations() {
                let in_force = profile.documents_in_force().contains(&c.document);
                assert_eq!(profile.binds(&c), in_force, "{profile:?} {rule}: {c}");
                assert_eq!(c.basis == CitationBasis::Reference, !in_force, "{profile:?} {rule}: {c}");
                if on {
                    assert!(in_force, "{profile:?} switches on {rule} citing {c}");
                }
            }
        }
        let r = ResolvedRules::for_profile(ProfileName::Luan);
        assert_eq!(r.interaction.citation, NATIONAL_INTERACTION);
        assert_eq!(r.weekly_original.citation.basis, CitationBasis::Reference);

        // Baoji with the one-hour repost limit: 六安's notice, by reference.
        let s: RuleSettings =
            parse("profile = \"baoji\"\n[repost_delay]\nenabled = true\n").unwrap();
        let r = s.resolve().unwrap();
        assert_eq!(r.repost_delay.citation.basis, CitationBasis::Reference);
        assert_eq!(
            r.repost_delay.citation.to_string(),
            "参照《六安市人民政府办公室关于进一步做好政务“两微一端”建设工作的通知》四（四）的要求"
        );
        assert!(!ProfileName::Baoji.binds(&r.repost_delay.citation));
        // The same document binds 六安.
        let l = ResolvedRules::for_profile(ProfileName::Luan);
        assert_eq!(l.repost_delay.citation.basis, CitationBasis::InForce);
        assert!(!l.repost_delay.citation.to_string().contains("参照"));

        // The office's own citation replaces it, verbatim, and binds.
        let s: RuleSettings = parse(
            "profile = \"baoji\"\n[repost_delay]\nenabled = true\ncitation = \" 市政务公开办《政务新媒体考核细则》第五条 \"\n[naming]\ncitation = \"《宝鸡市考核办法》第三条\"\n",
        )
        .unwrap();
        let r = s.resolve().unwrap();
        assert_eq!(r.repost_delay.citation.basis, CitationBasis::Office);
        assert_eq!(
            r.repost_delay.citation.to_string(),
            "市政务公开办《政务新媒体考核细则》第五条"
        );
        assert!(ProfileName::Baoji.binds(&r.repost_delay.citation));
        assert_eq!(r.naming.citation.to_string(), "《宝鸡市考核办法》第三条");
        assert_eq!(r.naming.pattern_citation, r.naming.citation);
        // Read twice, the same text is the same interned string.
        let again = s.resolve().unwrap();
        assert!(std::ptr::eq(
            again.repost_delay.citation.document,
            r.repost_delay.citation.document
        ));

        for bad in ["第五条", "《》第五条", "《考核细则第五条", "《细则》\n第五条"] {
            let text = format!("[zombie]\ncitation = {bad:?}\n");
            let err = parse(&text).unwrap().resolve().unwrap_err();
            assert!(
                matches!(err, SettingsError::BadCitation { rule: "zombie", .. }),
                "{bad}: {err:?}"
            );
            assert!(err.to_string().contains("《》"), "{err}");
        }
    }

    #[test]
    fn interaction_closed_of_latest_defaults_overrides_and_bounds() {
        let r = ResolvedRules::for_profile(ProfileName::National);
        assert_eq!((r.interaction.latest_k, r.interaction.closed_of_latest), (5, 3));
        let s = parse("[interaction]\nlatest_k = 10\nclosed_of_latest = 6\n").unwrap();
        let r = s.resolve().unwrap();
        assert_eq!((r.interaction.latest_k, r.interaction.closed_of_latest), (10, 6));
        let s = parse("[interaction]\nclosed_of_latest = 6\n").unwrap();
        assert_eq!(s.resolve().unwrap_err(), SettingsError::ClosedOfLatest { closed: 6, k: 5 });
        let s = parse("[interaction]\nlatest_k = 2\n").unwrap();
        assert_eq!(s.resolve().unwrap().interaction.closed_of_latest, 2, "all of a small K");
        let s = parse("[interaction]\nclosed_of_latest = 0\n").unwrap();
        assert!(matches!(s.resolve().unwrap_err(), SettingsError::Zero { .. }));
    }

    #[test]
    fn settings_round_trip_through_toml() {
        let s = RuleSettings::for_profile(ProfileName::Luan);
        let text = toml::to_string(&s).unwrap();
        assert_eq!(parse(&text).unwrap(), s);
        let s = RuleSettings {
            search_window_days: Some(5),
            impostor: ImpostorSettings {
                enabled: Some(true),
                threshold: Some(0.85),
                decorations: Some(vec!["官方".into()]),
                ..ImpostorSettings::default()
            },
            ..RuleSettings::for_profile(ProfileName::Baoji)
        };
        let text = toml::to_string(&s).unwrap();
        assert_eq!(parse(&text).unwrap(), s);
    }
}
