//! Impostor accounts — 001 第二十七条: “对发现的假冒政务新媒体，应要求第三方平台
//! 立即关停，并通报有关部门依法依规处置”.
//!
//! The daemon searches each platform for each registered name and its
//! variants ([`search_queries`](super::names::search_queries)); this rule
//! reads what those searches found. A *candidate* is a hit on the account's
//! platform that is not in the registry (matched by platform id, retired and
//! closed accounts included: a unit's old account is not an impostor). Its
//! score is
//!
//! * the name similarity to the registered name
//!   ([`compare_names`](super::names::compare_names): 1.0 same name, 0.97
//!   region written differently, 0.95 homophone or added decorations, string
//!   similarity capped at 0.9), plus
//! * +0.10 when the candidate is not verified or verified as a person
//!   (fakes lack the blue V — standards.md §3.6), −0.10 when the platform
//!   verified it as an organisation that is none of the registry's: the
//!   platform has checked that some real body runs it, so it is more likely
//!   somebody's own account than a fake (梅县发布 vs 眉县发布: another
//!   county's government account, not an impostor), plus
//! * +0.10 when its bio copies the registered account's (as the same
//!   searches show it),
//!
//! capped at 1 and rounded to 3 decimals. A name that only *sounds* the
//! same (homophone, with or without decorations) is capped just below the
//! threshold whatever the other evidence: Chinese place names are full of
//! homophones (梅县/眉县), and an urgent violation against another region's
//! real account is worse than a missed look-alike. At or above the
//! configured threshold (default 0.9) the candidate is reported: a same,
//! region-variant or decorated name is, unless an organisation's
//! verification lowers it below; a merely similar name (one character off:
//! 0.8) only with the evidence of missing verification or a copied bio.
//!
//! An impostor is a third party's account: the finding asks the office to
//! verify it and report it to the platform (`action` =
//! `report_to_platform`), not the unit to rectify anything.
//!
//! A hit whose verification names the owner unit, or any unit of the
//! registry, is not an impostor but that unit's own account — possibly an
//! unregistered one ([`check_unregistered`](super::one_per_platform::check_unregistered)).
//!
//! Only successful searches count: a captcha or a block finds nothing and
//! proves nothing. Subjects: `impostor:{platform}:{platform_id}` for each
//! reported candidate; `impostor` for "searched, none found" (pass) or
//! "could not search" (not checked).

use super::coverage::outcome_zh;
use super::names::{MatchBasis, NameMatch, compare_names, normalize_name, text_similarity};
use super::verification_type::personal_verification;
use super::{Evidence, Finding, RuleContext, RuleId, Verdict, fmt_local_ms};
use crate::accounts::{Account, LifecycleStatus};
use crate::store::{CaptureRef, ObservationRecord, StoredSearchHit};
use std::collections::BTreeMap;
use xunjian_adapters::model::{ObservationKind, OutcomeClass, Platform, SearchHit};

/// One successful search observation made for `account` (searching its name variants).
///
/// The loader may also pass failed ones: they are counted for the "not
/// checked" reason and never read for hits.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchEvidence {
    pub observation: ObservationRecord,
    pub hits: Vec<StoredSearchHit>,
    pub captures: Vec<CaptureRef>,
}

impl SearchEvidence {
    /// Every raw response of the search (URL, SHA-256, fetch time); the
    /// observation itself when it kept none.
    pub(crate) fn evidence(&self) -> Vec<Evidence> {
        let label = format!("名称搜索结果（检索词“{}”）", self.observation.target);
        if self.captures.is_empty() {
            return vec![Evidence {
                page_url: None,
                label,
                url: None,
                sha256: None,
                at_ms: self.observation.observed_at_ms,
            }];
        }
        self.captures
            .iter()
            .map(|c| Evidence {
                page_url: None,
                label: label.clone(),
                url: Some(c.url.clone()),
                sha256: Some(c.sha256.clone()),
                at_ms: c.fetched_at_ms,
            })
            .collect()
    }
}

/// Score added for a candidate that is not verified, or verified as a person.
pub const BONUS_UNVERIFIED: f64 = 0.10;
/// Score taken off a candidate the platform verified as an organisation that
/// is none of ours: a real body's account, most likely its own.
pub const PENALTY_OTHER_ORGANIZATION: f64 = 0.10;
/// How far below the threshold a homophone-only name match is capped.
pub const HOMOPHONE_MARGIN: f64 = 0.01;
/// The measured `action` of an impostor finding: what the office does.
pub const ACTION_REPORT_TO_PLATFORM: &str = "report_to_platform";
/// Score added when the candidate's bio copies the registered account's.
pub const BONUS_BIO: f64 = 0.10;
/// Bio similarity from which a bio counts as copied.
pub const BIO_REUSE: f64 = 0.8;

/// The sentence "with the name" for an account: `“名称”（平台）`.
pub(crate) fn name_zh(a: &Account) -> String {
    format!(
        "“{}”（{}）",
        a.spec.display_name,
        a.spec.platform.display_name()
    )
}

/// Whether a rule speaks for this account at all: not before it opens, not
/// after it closed (as [`evaluate_account`](super::evaluate_account)).
pub(crate) fn in_operation(a: &Account) -> bool {
    !matches!(
        a.spec.status,
        LifecycleStatus::Planned | LifecycleStatus::Closed
    )
}

/// The successful searches on the account's platform within the search
/// window, oldest first — or, when there are none, why.
pub(crate) fn usable_searches<'a>(
    account: &Account,
    searches: &'a [SearchEvidence],
    ctx: &RuleContext<'_>,
) -> Result<Vec<&'a SearchEvidence>, String> {
    let platform = account.spec.platform;
    let now_ms = ctx.now.timestamp_millis();
    let days = ctx.rules.search_window_days;
    let from_ms = now_ms - i64::from(days) * 86_400_000;
    let mut mine: Vec<&SearchEvidence> = searches
        .iter()
        .filter(|s| {
            s.observation.kind == ObservationKind::Search
                && s.observation.platform == platform
                && s.observation.observed_at_ms <= now_ms
        })
        .collect();
    mine.sort_by_key(|s| (s.observation.observed_at_ms, s.observation.id));
    let (recent, older): (Vec<&SearchEvidence>, Vec<&SearchEvidence>) = mine
        .into_iter()
        .partition(|s| s.observation.observed_at_ms >= from_ms);
    let ok: Vec<&SearchEvidence> = recent
        .iter()
        .copied()
        .filter(|s| s.observation.outcome == OutcomeClass::Ok)
        .collect();
    if !ok.is_empty() {
        return Ok(ok);
    }
    let last_ok = older
        .iter()
        .rev()
        .find(|s| s.observation.outcome == OutcomeClass::Ok)
        .map(|s| {
            format!(
                "；最近一次成功的名称搜索为 {}",
                fmt_local_ms(s.observation.observed_at_ms)
            )
        })
        .unwrap_or_default();
    if recent.is_empty() {
        return Err(format!(
            "近 {days} 天内没有在{}搜索该账号名称的记录（平台搜索未配置或尚未运行）{last_ok}",
            platform.display_name()
        ));
    }
    // Failures by class, most frequent first.
    let mut by_class: BTreeMap<&'static str, (usize, OutcomeClass)> = BTreeMap::new();
    for s in &recent {
        by_class
            .entry(s.observation.outcome.code())
            .or_insert((0, s.observation.outcome))
            .0 += 1;
    }
    let mut classes: Vec<(usize, OutcomeClass)> = by_class.into_values().collect();
    classes.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.code().cmp(b.1.code())));
    let what: Vec<String> = classes
        .iter()
        .map(|(n, c)| format!("{}（{}）{n} 次", outcome_zh(*c), c.code()))
        .collect();
    let last = recent.last().expect("not empty");
    let tried = match recent.len() {
        1 => "名称搜索未成功".to_string(),
        n => format!(" {n} 次名称搜索均未成功"),
    };
    Err(format!(
        "近 {days} 天内在{}的{tried}：{}，最近一次 {}{last_ok}",
        platform.display_name(),
        what.join("、"),
        fmt_local_ms(last.observation.observed_at_ms)
    ))
}

/// A hit not in the registry, as the searches saw it.
#[derive(Debug, Clone)]
pub(crate) struct Sighting<'a> {
    /// As the latest search that found it showed it.
    pub hit: &'a SearchHit,
    /// That latest search.
    pub search: &'a SearchEvidence,
    /// Every query that found it, in order.
    pub queries: Vec<String>,
    /// How many searches found it.
    pub times: usize,
}

/// Hits on the account's platform that are not in the registry, one per
/// platform id, ordered by platform id. `ok` must be oldest first so the
/// latest sighting wins.
pub(crate) fn unregistered_sightings<'a>(
    account: &Account,
    ok: &[&'a SearchEvidence],
    registry: &[Account],
) -> Vec<Sighting<'a>> {
    let platform = account.spec.platform;
    let mut by_id: BTreeMap<&str, Sighting<'a>> = BTreeMap::new();
    for s in ok {
        let all: Vec<SearchHit> = s.hits.iter().filter(|h| h.platform == platform).map(|h| h.hit.clone()).collect();
        let registered = |hit: &SearchHit| {
            is_account(account, hit, &all)
                || registry.iter().any(|a| a.spec.platform == platform && is_account(a, hit, &all))
        };
        for h in s.hits.iter().filter(|h| h.platform == platform) {
            let id = h.hit.platform_id.as_str();
            if id.is_empty() || registered(&h.hit) {
                continue;
            }
            let entry = by_id.entry(id).or_insert_with(|| Sighting {
                hit: &h.hit,
                search: s,
                queries: Vec::new(),
                times: 0,
            });
            entry.hit = &h.hit;
            entry.search = s;
            entry.times += 1;
            if !entry.queries.contains(&h.query) {
                entry.queries.push(h.query.clone());
            }
        }
    }
    by_id.into_values().collect()
}

/// Whether `hit`, one of `all` (the hits of one search on the account's
/// platform), is the registered account `a` itself. Elsewhere the ids
/// compare; Sogou shows a WeChat account's 微信号, not the `gh_` id or
/// `__biz` an office may have registered, so on WeChat the hit is matched
/// as the WeChat adapter picks the account it reads (by 微信号, else by a
/// name no other result shares) — or the account would be reported as an
/// impostor of itself.
fn is_account(a: &Account, hit: &SearchHit, all: &[SearchHit]) -> bool {
    if hit.platform_id == a.spec.platform_id {
        return true;
    }
    a.spec.platform == Platform::Wechat
        && xunjian_adapters::wechat::sogou::is_registered_hit(hit, all, &a.spec.platform_id, Some(&a.spec.display_name))
}

/// The registered account's bio as the latest search showing it had it.
fn registered_bio<'a>(account: &Account, ok: &[&'a SearchEvidence]) -> Option<&'a str> {
    ok.iter().rev().find_map(|s| {
        let all: Vec<SearchHit> =
            s.hits.iter().filter(|h| h.platform == account.spec.platform).map(|h| h.hit.clone()).collect();
        s.hits
            .iter()
            .find(|h| h.platform == account.spec.platform && is_account(account, &h.hit, &all))
            .and_then(|h| h.hit.description.as_deref())
            .filter(|d| !d.trim().is_empty())
    })
}

/// Who a hit's verification says it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Standing {
    /// The verification names the account's owner unit.
    OwnerUnit { entity: String },
    /// It names another unit of the registry.
    RegistryUnit { entity: String, unit: String },
    /// The platform says: not verified.
    Unverified,
    /// Verified as a person (Weibo orange V, Bilibili UP主 ...).
    Personal { entity: Option<String> },
    /// Verified as an organisation that is none of ours.
    Organization { entity: Option<String> },
    /// The platform did not say.
    Unknown,
}

impl Standing {
    pub fn code(&self) -> &'static str {
        match self {
            Standing::OwnerUnit { .. } => "owner_unit",
            Standing::RegistryUnit { .. } => "registry_unit",
            Standing::Unverified => "unverified",
            Standing::Personal { .. } => "personal",
            Standing::Organization { .. } => "organization",
            Standing::Unknown => "unknown",
        }
    }

    /// What it adds to (or, negative, takes off) an impostor's score.
    fn adjustment(&self) -> f64 {
        match self {
            Standing::Unverified | Standing::Personal { .. } => BONUS_UNVERIFIED,
            Standing::Organization { .. } => -PENALTY_OTHER_ORGANIZATION,
            Standing::Unknown | Standing::OwnerUnit { .. } | Standing::RegistryUnit { .. } => 0.0,
        }
    }

    fn zh(&self) -> String {
        match self {
            Standing::OwnerUnit { entity } => format!("认证主体“{entity}”为本单位"),
            Standing::RegistryUnit { entity, .. } => format!("认证主体“{entity}”为台账中的单位"),
            Standing::Unverified => "未认证".to_string(),
            Standing::Personal { entity: Some(e) } => format!("为个人认证（“{e}”）"),
            Standing::Personal { entity: None } => "为个人认证".to_string(),
            Standing::Organization { entity: Some(e) } => {
                format!("认证主体“{e}”并非本单位")
            }
            Standing::Organization { entity: None } => "认证为其他机构".to_string(),
            Standing::Unknown => "平台未显示认证情况".to_string(),
        }
    }
}

/// Whether a verification text names a unit: it contains the unit's name,
/// compared normalised (as the verification rule does). Names under two
/// characters name nothing.
pub(crate) fn names_unit(entity: &str, unit: &str) -> bool {
    let u = normalize_name(unit);
    u.chars().count() >= 2 && normalize_name(entity).contains(&u)
}

pub(crate) fn standing(
    platform: Platform,
    hit: &SearchHit,
    owner_unit: Option<&str>,
    registry: &[Account],
) -> Standing {
    let entity = hit
        .verified_entity
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    // An entity shown without a verified flag (some search pages show only
    // 认证：…) is still the platform's statement; a hit marked unverified
    // names nobody, whatever text it carries.
    if hit.verified != Some(false)
        && let Some(e) = entity
    {
        if owner_unit.is_some_and(|o| names_unit(e, o)) {
            return Standing::OwnerUnit {
                entity: e.to_string(),
            };
        }
        // The longest registry unit the text names: 某县公安局交通警察大队 over 某县公安局.
        // (As `names_unit`, with the text normalised once for the registry.)
        let named = normalize_name(e);
        let unit = registry
            .iter()
            .filter_map(|a| a.spec.owner_unit.as_deref())
            .filter_map(|u| {
                let n = normalize_name(u);
                let len = n.chars().count();
                (len >= 2 && named.contains(&n)).then_some((len, u))
            })
            .max_by_key(|(len, _)| *len)
            .map(|(_, u)| u);
        if let Some(u) = unit {
            return Standing::RegistryUnit {
                entity: e.to_string(),
                unit: u.to_string(),
            };
        }
    }
    match hit.verified {
        Some(false) => Standing::Unverified,
        Some(true) if personal_verification(platform, hit.verified_type.as_deref()) => {
            Standing::Personal {
                entity: entity.map(String::from),
            }
        }
        Some(true) => Standing::Organization {
            entity: entity.map(String::from),
        },
        None => Standing::Unknown,
    }
}

/// A candidate's score and its parts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Score {
    pub name: NameMatch,
    /// Negative for an organisation's verification.
    pub verification_bonus: f64,
    /// Similarity of the bios, when both are known.
    pub bio_similarity: Option<f64>,
    pub bio_bonus: f64,
    /// Rounded to 3 decimals, in [0, 1].
    pub total: f64,
    /// The total was capped below the threshold: the names only sound alike.
    pub homophone_capped: bool,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

pub(crate) fn score(
    account: &Account,
    hit: &SearchHit,
    standing: &Standing,
    registered_bio: Option<&str>,
    ctx: &RuleContext<'_>,
) -> Score {
    let name = compare_names(
        &account.spec.display_name,
        &hit.display_name,
        account.spec.region.as_deref(),
        &ctx.rules.impostor.decorations,
    );
    let bio_similarity = match (registered_bio, hit.description.as_deref()) {
        (Some(a), Some(b)) => text_similarity(a, b),
        _ => None,
    };
    let bio_bonus = if bio_similarity.is_some_and(|s| s >= BIO_REUSE) {
        BONUS_BIO
    } else {
        0.0
    };
    let verification_bonus = standing.adjustment();
    // Rounded so that a score meets a threshold written with a few
    // decimals the way a person adds it up (0.8 + 0.1 = 0.9).
    let total = round3((name.score + verification_bonus + bio_bonus).clamp(0.0, 1.0));
    let homophone = matches!(
        name.basis,
        MatchBasis::Homophone | MatchBasis::DecoratedHomophone
    );
    let cap = round3((ctx.rules.impostor.threshold - HOMOPHONE_MARGIN).max(0.0));
    let homophone_capped = homophone && total > cap;
    Score {
        name,
        verification_bonus,
        bio_similarity: bio_similarity.map(round3),
        bio_bonus,
        total: if homophone_capped { cap } else { total },
        homophone_capped,
    }
}

/// Facts about a candidate for `measured`.
pub(crate) fn measure_candidate(f: Finding, s: &Sighting<'_>) -> Finding {
    let h = s.hit;
    f.measure("candidate_id", h.platform_id.as_str())
        .measure("candidate_name", h.display_name.as_str())
        .measure("candidate_profile_url", h.profile_url.clone())
        .measure("candidate_followers", h.followers)
        .measure("candidate_verified", h.verified)
        .measure("candidate_verified_type", h.verified_type.clone())
        .measure("candidate_verified_entity", h.verified_entity.clone())
        .measure("candidate_description", h.description.clone())
        .measure("queries", s.queries.clone())
        .measure("searches_seen", s.times as i64)
        .measure("last_seen_ms", s.search.observation.observed_at_ms)
}

/// Evidence for a candidate: the search that last found it, and its page.
pub(crate) fn candidate_evidence(s: &Sighting<'_>, label: &str) -> Vec<Evidence> {
    let mut ev = s.search.evidence();
    ev.push(Evidence {
        page_url: s.hit.profile_url.clone(),
        label: label.to_string(),
        url: s.hit.profile_url.clone(),
        sha256: None,
        at_ms: s.search.observation.observed_at_ms,
    });
    ev
}

/// `“名称”（ID 123，粉丝 4,567）`.
pub(crate) fn candidate_zh(h: &SearchHit) -> String {
    match h.followers {
        Some(n) => format!(
            "“{}”（ID {}，粉丝 {}）",
            h.display_name,
            h.platform_id,
            group_digits(n)
        ),
        None => format!("“{}”（ID {}）", h.display_name, h.platform_id),
    }
}

fn group_digits(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Rule 7: impostors of `account` among the hits of its name searches.
///
/// `searches`: the account's name searches (failed ones may be included);
/// `registry`: every account the office has registered, **retired and
/// closed ones included** — a hit that is any registered account is no
/// impostor. Returns nothing when the rule is switched off or the account is
/// planned or closed.
pub fn check_impostors(
    account: &Account,
    searches: &[SearchEvidence],
    registry: &[Account],
    ctx: &RuleContext<'_>,
) -> Vec<Finding> {
    let rule = &ctx.rules.impostor;
    if !rule.enabled || !in_operation(account) {
        return Vec::new();
    }
    let id = account.id;
    let platform = account.spec.platform;
    let overall = Finding::new(RuleId::Impostor, id, "impostor", rule.citation)
        .measure("threshold", rule.threshold);
    let ok = match usable_searches(account, searches, ctx) {
        Ok(ok) => ok,
        Err(reason) => return vec![overall.not_checked(reason)],
    };
    let bio = registered_bio(account, &ok);
    let owner = account.spec.owner_unit.as_deref();
    let mut out = Vec::new();
    for s in unregistered_sightings(account, &ok, registry) {
        let st = standing(platform, s.hit, owner, registry);
        if matches!(
            st,
            Standing::OwnerUnit { .. } | Standing::RegistryUnit { .. }
        ) {
            continue;
        }
        let sc = score(account, s.hit, &st, bio, ctx);
        if sc.total < rule.threshold {
            continue;
        }
        let subject = format!("impostor:{}:{}", platform.code(), s.hit.platform_id);
        let bio_zh = if sc.bio_bonus > 0.0 {
            "，简介与本账号雷同"
        } else {
            ""
        };
        // A third party's account: the office checks it and reports it to
        // the platform; the impersonated unit has nothing to rectify.
        let summary = format!(
            "疑似假冒{}：账号{}{}，与登记名称{}（相似度 {:.2}）{bio_zh}，综合得分 {:.2}，达到阈值 {:.2}。\
             该账号为第三方账号，请核实后向平台举报（非本单位整改事项）",
            name_zh(account),
            candidate_zh(s.hit),
            st.zh(),
            sc.name.basis.display_name(),
            sc.name.score,
            sc.total,
            rule.threshold
        );
        let f = Finding::new(RuleId::Impostor, id, subject, rule.citation)
            .with_evidence(candidate_evidence(&s, "疑似假冒账号主页"))
            .measure("score", sc.total)
            .measure("threshold", rule.threshold)
            .measure("name_similarity", sc.name.score)
            .measure("name_basis", sc.name.basis.code())
            .measure("verification", st.code())
            .measure("verification_bonus", sc.verification_bonus)
            .measure("bio_similarity", sc.bio_similarity)
            .measure("bio_bonus", sc.bio_bonus)
            .measure("registered_name", account.spec.display_name.as_str())
            .measure("action", ACTION_REPORT_TO_PLATFORM);
        out.push(measure_candidate(f, &s).verdict(Verdict::Violation, summary));
    }
    if out.is_empty() {
        let mut queries: Vec<&str> = Vec::new();
        for s in &ok {
            if !queries.contains(&s.observation.target.as_str()) {
                queries.push(&s.observation.target);
            }
        }
        let last = ok.last().expect("usable_searches returns at least one");
        let summary = format!(
            "{} 次名称搜索（{}）未发现疑似假冒{}的账号",
            ok.len(),
            queries
                .iter()
                .map(|q| format!("“{q}”"))
                .collect::<Vec<_>>()
                .join("、"),
            name_zh(account)
        );
        out.push(
            overall
                .with_evidence(last.evidence())
                .measure("searches", ok.len() as i64)
                .measure("queries", queries)
                .verdict(Verdict::Pass, summary),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::settings::{ProfileName, RuleSettings};
    use crate::rules::testkit::*;
    use xunjian_adapters::model::{OutcomeClass, Platform};

    const NOW: &str = "2026-11-21T10:00:00+08:00";
    const AT: &str = "2026-11-20T09:00:00+08:00";

    fn xian() -> Account {
        let mut a = registered(
            1,
            Platform::Weibo,
            "100",
            "西安发布",
            "西安市人民政府新闻办公室",
        );
        a.spec.region = Some("西安市".into());
        a
    }

    fn kit() -> Kit {
        Kit::with(NOW, ProfileName::Baoji)
    }

    fn run(k: &Kit, searches: &[SearchEvidence], registry: &[Account]) -> Vec<Finding> {
        check_impostors(&xian(), searches, registry, &k.ctx())
    }

    fn one(hits: Vec<SearchHit>) -> Vec<SearchEvidence> {
        vec![search(
            7,
            Platform::Weibo,
            "西安发布",
            AT,
            OutcomeClass::Ok,
            hits,
        )]
    }

    fn with_threshold(k: &Kit, t: f64) -> Kit {
        let s = RuleSettings {
            profile: ProfileName::Baoji,
            impostor: crate::rules::settings::ImpostorSettings {
                threshold: Some(t),
                ..Default::default()
            },
            ..Default::default()
        };
        Kit {
            now: k.now,
            calendar: k.calendar.clone(),
            rules: s.resolve().unwrap(),
        }
    }

    #[test]
    fn an_unverified_same_name_account_is_a_violation_with_evidence() {
        let k = kit();
        let v = run(
            &k,
            &one(vec![hit("100", "西安发布"), hit("999", "西安發布")]),
            &[xian()],
        );
        assert_eq!(v.len(), 1, "{v:#?}");
        let f = &v[0];
        assert_eq!(f.verdict, Verdict::Violation);
        assert_eq!(f.rule, RuleId::Impostor);
        assert_eq!(f.account_id, 1, "the impersonated account");
        assert_eq!(f.subject, "impostor:weibo:999");
        assert_eq!(
            f.citation.to_string(),
            "《宝鸡市政府系统政务新媒体管理办法》第二十七条"
        );
        assert!(
            f.summary_zh.starts_with(
                "疑似假冒“西安发布”（新浪微博）：账号“西安發布”（ID 999，粉丝 1,234）未认证"
            ),
            "{}",
            f.summary_zh
        );
        assert!(f.summary_zh.contains("综合得分 1.00"), "{}", f.summary_zh);
        // The search's capture, then the candidate's page.
        assert_eq!(f.evidence.len(), 2);
        assert_eq!(
            f.evidence[0].url.as_deref(),
            Some("https://example.invalid/search/7")
        );
        assert_eq!(
            f.evidence[0].sha256.as_deref(),
            Some(format!("{:064x}", 7).as_str())
        );
        assert_eq!(f.evidence[0].at_ms, t(AT).timestamp_millis());
        assert_eq!(
            f.evidence[1].url.as_deref(),
            Some("https://example.invalid/u/999")
        );
        let m = &f.measured;
        assert_eq!(m["score"], 1.0);
        assert_eq!(m["name_similarity"], 1.0);
        assert_eq!(m["name_basis"], "same");
        assert_eq!(m["verification"], "unverified");
        assert_eq!(m["candidate_id"], "999");
        assert_eq!(m["candidate_followers"], 1234);
        assert_eq!(m["queries"], serde_json::json!(["西安发布"]));
    }

    #[test]
    fn a_wechat_account_registered_by_gh_id_is_not_its_own_impostor() {
        // Sogou shows the 微信号 (xaxwfb), never the gh_ id the office
        // registered; the hit is the account by its name, which no other
        // result shares. The look-alike beside it still is a candidate.
        let k = kit();
        let mut me = registered(1, Platform::Wechat, "gh_0123456789ab", "西安发布", "西安市人民政府新闻办公室");
        me.spec.region = Some("西安市".into());
        let hits = vec![hit("xaxwfb", "西安发布"), hit("xa_fabu", "西安發布")];
        let searches = vec![search(7, Platform::Wechat, "西安发布", AT, OutcomeClass::Ok, hits)];
        let v = check_impostors(&me, &searches, std::slice::from_ref(&me), &k.ctx());
        let candidates: Vec<&str> = v.iter().filter(|f| f.subject.starts_with("impostor:")).map(|f| f.subject.as_str()).collect();
        assert_eq!(candidates, vec!["impostor:wechat:xa_fabu"], "{v:#?}");
        // Two results with the registered name: neither is taken for the
        // account, so both stay candidates (the office decides).
        let hits = vec![hit("xaxwfb", "西安发布"), hit("xaxwfb2", "西安发布")];
        let searches = vec![search(8, Platform::Wechat, "西安发布", AT, OutcomeClass::Ok, hits)];
        let v = check_impostors(&me, &searches, std::slice::from_ref(&me), &k.ctx());
        assert_eq!(v.iter().filter(|f| f.subject.starts_with("impostor:")).count(), 2, "{v:#?}");
    }

    #[test]
    fn registered_accounts_are_never_candidates() {
        let k = kit();
        // 200 is a retired or closed account of the registry: still ours.
        let mut old = registered(
            2,
            Platform::Weibo,
            "200",
            "西安发布",
            "西安市人民政府新闻办公室",
        );
        old.spec.status = LifecycleStatus::Closed;
        // The same id on another platform is another account.
        let other_platform = registered(
            3,
            Platform::Douyin,
            "300",
            "西安发布",
            "西安市人民政府新闻办公室",
        );
        let v = run(
            &k,
            &one(vec![
                hit("100", "西安发布"),
                hit("200", "西安发布"),
                hit("300", "西安发布"),
            ]),
            &[xian(), old, other_platform],
        );
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].subject, "impostor:weibo:300");
    }

    #[test]
    fn a_hit_verified_to_one_of_our_units_is_not_an_impostor() {
        let k = kit();
        let mut police = registered(5, Platform::Wechat, "gh_5", "西安公安", "西安市公安局");
        police.spec.region = Some("西安市".into());
        let hits = vec![
            verified_hit("401", "西安发布", "西安市人民政府新闻办公室官方微博"),
            verified_hit("402", "西安发布官方", "西安市公安局新闻中心"),
        ];
        let v = run(&k, &one(hits), &[xian(), police]);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].verdict, Verdict::Pass);
        assert_eq!(v[0].subject, "impostor");
        assert!(
            v[0].summary_zh
                .contains("1 次名称搜索（“西安发布”）未发现疑似假冒"),
            "{}",
            v[0].summary_zh
        );
        assert_eq!(
            v[0].evidence[0].url.as_deref(),
            Some("https://example.invalid/search/7")
        );
    }

    #[test]
    fn verification_and_bio_move_a_similar_name_across_the_threshold() {
        let k = kit();
        // 西安发布厅: one character added, name similarity 0.8.
        let score_of = |k: &Kit, h: SearchHit, searches_bio: Option<&str>| {
            let mut own = hit("100", "西安发布");
            own.description = searches_bio.map(String::from);
            let v = run(k, &one(vec![own, h]), &[xian()]);
            v.iter()
                .find(|f| f.subject == "impostor:weibo:9")
                .map(|f| f.measured["score"].as_f64().unwrap())
        };
        // Unverified: 0.8 + 0.1 = 0.9, at the default threshold 0.9.
        assert_eq!(score_of(&k, hit("9", "西安发布厅"), None), Some(0.9));
        // Verified as a person (Weibo orange V): the same.
        let mut personal = hit("9", "西安发布厅");
        personal.verified = Some(true);
        personal.verified_type = Some("0".into());
        personal.verified_entity = Some("美食博主".into());
        assert_eq!(score_of(&k, personal, None), Some(0.9));
        // A company's verification lowers it: 0.8 − 0.1 = 0.7, below.
        let company = verified_hit("9", "西安发布厅", "西安某某文化传媒有限公司");
        assert_eq!(score_of(&k, company.clone(), None), None);
        assert_eq!(
            score_of(&with_threshold(&k, 0.7), company.clone(), None),
            Some(0.7)
        );
        assert_eq!(score_of(&with_threshold(&k, 0.71), company, None), None);
        // Verification unknown: 0.8 alone is not enough ...
        let mut unknown = hit("9", "西安发布厅");
        unknown.verified = None;
        assert_eq!(score_of(&k, unknown.clone(), None), None);
        // ... unless the bio copies the registered account's (as the same
        // searches show it): 0.8 + 0.1.
        let bio = "西安市人民政府新闻办公室官方微博，发布权威信息";
        unknown.description = Some(format!("{bio}。"));
        assert_eq!(score_of(&k, unknown.clone(), Some(bio)), Some(0.9));
        unknown.description = Some("本地吃喝玩乐资讯".into());
        assert_eq!(score_of(&k, unknown, Some(bio)), None);
        // Unverified but three characters added (0.571 + 0.1): out.
        assert_eq!(score_of(&k, hit("9", "西安政府发布厅"), None), None);
    }

    #[test]
    fn structural_imitations_are_reported_unless_an_organisation_verified_them() {
        let k = kit();
        for (name, basis, score) in [
            ("西安发布推荐官", "decorated", 1.0),
            ("【西安发布】官方", "decorated", 1.0),
            ("西安市发布", "region_variant", 1.0),
        ] {
            let v = run(&k, &one(vec![hit("9", name)]), &[xian()]);
            assert_eq!(v[0].verdict, Verdict::Violation, "{name}");
            assert_eq!(v[0].measured["name_basis"], basis, "{name}");
            assert_eq!(v[0].measured["score"], score, "{name}");
            // Verified to some organisation: a real body's account, so the
            // score drops (0.95 − 0.1, 0.97 − 0.1) below the default 0.9.
            let h = verified_hit("9", name, "某某网络科技有限公司");
            let v = run(&k, &one(vec![h.clone()]), &[xian()]);
            assert_eq!(v[0].verdict, Verdict::Pass, "{name}: {}", v[0].summary_zh);
            let v = run(&with_threshold(&k, 0.85), &one(vec![h]), &[xian()]);
            assert_eq!(v[0].verdict, Verdict::Violation, "{name}");
            assert_eq!(v[0].measured["verification"], "organization", "{name}");
            assert_eq!(v[0].measured["verification_bonus"], -0.1, "{name}");
        }
        let v = run(
            &k,
            &one(vec![hit("9", "西安公安"), hit("8", "西安之声")]),
            &[xian()],
        );
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].verdict, Verdict::Pass, "neighbours are not impostors");
    }

    #[test]
    fn another_countys_verified_homophone_account_is_no_impostor() {
        // The reported wrong decision: 梅县发布 (ours) and 眉县发布, the blue-V
        // government account of another county, read alike (méi xiàn). It
        // scored 1.00 (homophone 0.95 + 0.05 for "another organisation").
        let k = kit();
        let mut meixian = registered(1, Platform::Weibo, "100", "梅县发布", "梅州市梅县区人民政府新闻办公室");
        meixian.spec.region = Some("梅县".into());
        let mut other = verified_hit("9", "眉县发布", "陕西省眉县人民政府新闻办公室");
        other.verified_type = Some("1".into());
        let searches = one(vec![hit("100", "梅县发布"), other.clone()]);
        let v = check_impostors(&meixian, &searches, std::slice::from_ref(&meixian), &k.ctx());
        assert_eq!(v.len(), 1, "{v:#?}");
        assert_eq!(v[0].verdict, Verdict::Pass, "{}", v[0].summary_zh);
        // Not even at a low threshold, nor unverified with a copied bio: a
        // name that only sounds the same is capped below the threshold.
        let mut bare = hit("9", "眉县发布");
        bare.description = Some("梅县区人民政府新闻办公室官方微博".into());
        for threshold in [0.9, 0.5] {
            let k = with_threshold(&k, threshold);
            for h in [other.clone(), bare.clone()] {
                let v = check_impostors(&meixian, &one(vec![h]), std::slice::from_ref(&meixian), &k.ctx());
                assert!(
                    v.iter().all(|f| f.verdict == Verdict::Pass),
                    "threshold {threshold}: {v:#?}"
                );
            }
            let st = standing(Platform::Weibo, &bare, meixian.spec.owner_unit.as_deref(), &[]);
            let sc = score(&meixian, &bare, &st, Some("梅县区人民政府新闻办公室官方微博"), &k.ctx());
            assert!(sc.homophone_capped, "{sc:?}");
            assert_eq!(sc.total, round3(threshold - HOMOPHONE_MARGIN), "{sc:?}");
        }
        // The homophone of the region-less name is capped the same way.
        let v = run(&k, &one(vec![hit("9", "溪安发布")]), &[xian()]);
        assert_eq!(v[0].verdict, Verdict::Pass, "{v:#?}");
    }

    #[test]
    fn an_impostor_finding_asks_the_office_to_report_it_to_the_platform() {
        let k = kit();
        let v = run(&k, &one(vec![hit("100", "西安发布"), hit("999", "西安發布")]), &[xian()]);
        assert_eq!(v[0].verdict, Verdict::Violation);
        assert_eq!(v[0].measured["action"], "report_to_platform");
        assert!(v[0].summary_zh.contains("核实后向平台举报"), "{}", v[0].summary_zh);
        assert!(!v[0].summary_zh.contains("整改。"), "{}", v[0].summary_zh);
    }

    #[test]
    fn failed_searches_are_never_evidence() {
        let k = kit();
        // Even if a failed observation somehow carried hits, they are not read.
        let failed = vec![
            search(
                1,
                Platform::Weibo,
                "西安发布",
                "2026-11-19T09:00:00+08:00",
                OutcomeClass::Captcha,
                vec![hit("9", "西安发布")],
            ),
            search(
                2,
                Platform::Weibo,
                "西安发布",
                "2026-11-20T09:00:00+08:00",
                OutcomeClass::Captcha,
                vec![],
            ),
            search(
                3,
                Platform::Weibo,
                "西安市发布",
                "2026-11-20T10:00:00+08:00",
                OutcomeClass::Blocked,
                vec![],
            ),
        ];
        let v = run(&k, &failed, &[xian()]);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].subject, "impostor");
        let Verdict::NotChecked { reason } = &v[0].verdict else {
            panic!("{:?}", v[0].verdict)
        };
        assert!(reason.contains("3 次名称搜索均未成功"), "{reason}");
        assert!(
            reason.contains("遇到验证码（captcha）2 次、被平台拦截（blocked）1 次"),
            "{reason}"
        );
        assert!(reason.contains("最近一次 2026-11-20 10:00"), "{reason}");
        assert!(v[0].evidence.is_empty(), "a failure is evidence of nothing");
    }

    #[test]
    fn no_search_in_the_window_is_not_checked() {
        let k = kit();
        let v = run(&k, &[], &[xian()]);
        assert!(
            matches!(&v[0].verdict, Verdict::NotChecked { reason } if reason.contains("近 7 天内没有在新浪微博搜索"))
        );
        // 8 days old: outside the default 7-day window, named in the reason.
        let old = one(vec![hit("9", "西安发布")]);
        let old = vec![SearchEvidence {
            observation: ObservationRecord {
                observed_at_ms: t("2026-11-13T09:00:00+08:00").timestamp_millis(),
                ..old[0].observation.clone()
            },
            ..old[0].clone()
        }];
        let v = run(&k, &old, &[xian()]);
        assert!(
            matches!(&v[0].verdict, Verdict::NotChecked { reason } if reason.contains("最近一次成功的名称搜索为 2026-11-13 09:00")),
            "{:?}",
            v[0].verdict
        );
        // A search on another platform says nothing about Weibo.
        let elsewhere = vec![search(
            9,
            Platform::Douyin,
            "西安发布",
            AT,
            OutcomeClass::Ok,
            vec![hit("9", "西安发布")],
        )];
        assert!(matches!(
            run(&k, &elsewhere, &[xian()])[0].verdict,
            Verdict::NotChecked { .. }
        ));
        // A search from the future (clock skew) is not used either.
        let future = vec![search(
            9,
            Platform::Weibo,
            "西安发布",
            "2026-11-21T11:00:00+08:00",
            OutcomeClass::Ok,
            vec![hit("9", "西安发布")],
        )];
        assert!(matches!(
            run(&k, &future, &[xian()])[0].verdict,
            Verdict::NotChecked { .. }
        ));
    }

    #[test]
    fn one_finding_per_candidate_from_its_latest_sighting() {
        let k = kit();
        let mut later = hit("9", "西安发布官方");
        later.followers = Some(5000);
        let searches = vec![
            search(
                2,
                Platform::Weibo,
                "西安市发布",
                "2026-11-20T10:00:00+08:00",
                OutcomeClass::Ok,
                vec![later],
            ),
            search(
                1,
                Platform::Weibo,
                "西安发布",
                "2026-11-19T10:00:00+08:00",
                OutcomeClass::Ok,
                vec![hit("9", "西安发布官方")],
            ),
            search(
                3,
                Platform::Weibo,
                "西安发布",
                "2026-11-20T11:00:00+08:00",
                OutcomeClass::Throttled,
                vec![],
            ),
        ];
        let v = run(&k, &searches, &[xian()]);
        assert_eq!(v.len(), 1);
        let m = &v[0].measured;
        assert_eq!(m["candidate_followers"], 5000);
        assert_eq!(m["searches_seen"], 2);
        assert_eq!(m["queries"], serde_json::json!(["西安发布", "西安市发布"]));
        assert_eq!(
            v[0].evidence[0].url.as_deref(),
            Some("https://example.invalid/search/2")
        );
    }

    #[test]
    fn off_planned_and_closed_give_nothing() {
        let searches = one(vec![hit("9", "西安发布")]);
        let k = Kit::with(NOW, ProfileName::National);
        assert!(
            run(&k, &searches, &[]).is_empty(),
            "off in the national profile"
        );
        let k = kit();
        for status in [LifecycleStatus::Planned, LifecycleStatus::Closed] {
            let mut a = xian();
            a.spec.status = status;
            assert!(check_impostors(&a, &searches, &[], &k.ctx()).is_empty());
        }
        let mut a = xian();
        a.spec.status = LifecycleStatus::Closing;
        assert_eq!(
            check_impostors(&a, &searches, &[], &k.ctx())[0].verdict,
            Verdict::Violation
        );
    }

    #[test]
    fn verification_standing_per_platform() {
        let reg = [
            registered(2, Platform::Weibo, "2", "x", "西安市公安局"),
            registered(3, Platform::Weibo, "3", "y", "西安市公安局交通警察支队"),
        ];
        let st =
            |p: Platform, h: &SearchHit| standing(p, h, Some("西安市人民政府新闻办公室"), &reg);
        let mut h = hit("9", "x");
        assert_eq!(st(Platform::Weibo, &h), Standing::Unverified);
        h.verified_entity = Some("西安市人民政府新闻办公室".into());
        assert_eq!(
            st(Platform::Weibo, &h),
            Standing::Unverified,
            "an unverified hit names nobody"
        );
        h.verified = None;
        assert!(matches!(
            st(Platform::Weibo, &h),
            Standing::OwnerUnit { .. }
        ));
        h.verified_entity = None;
        assert_eq!(st(Platform::Weibo, &h), Standing::Unknown);
        let h = verified_hit("9", "x", "西安市公安局交通警察支队官方微博");
        assert_eq!(
            st(Platform::Weibo, &h),
            Standing::RegistryUnit {
                entity: "西安市公安局交通警察支队官方微博".into(),
                unit: "西安市公安局交通警察支队".into()
            }
        );
        let mut h = verified_hit("9", "x", "UP主");
        h.verified_type = Some("1".into());
        assert!(
            matches!(st(Platform::Bilibili, &h), Standing::Personal { .. }),
            "Bilibili role 1 is a person"
        );
        assert!(
            matches!(st(Platform::Weibo, &h), Standing::Organization { .. }),
            "Weibo type 1 is government"
        );
        assert!(
            matches!(st(Platform::Douyin, &h), Standing::Organization { .. }),
            "unknown codes: organisation"
        );
        assert!(
            !names_unit("某单位", "局"),
            "a one-character unit names nothing"
        );
    }
}
