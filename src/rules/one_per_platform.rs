//! One account per unit and platform, and unregistered accounts.
//!
//! * 001 第六条 (after 国办发〔2018〕123号): “原则上一个单位在同一平台只开设一个
//!   政务新媒体账号”. [`check_one_per_platform`] reads the registry alone.
//! * 001 第八条 (004 二(三), 000 第二条): every account must be filed. A search
//!   hit verified to one of our units but missing from the registry is
//!   [`check_unregistered`]'s finding.
//!
//! **Approved exceptions.** “原则上” admits exceptions. An account whose
//! registry tags (标签 column) include exactly [`EXCEPTION_TAG`] (`允许多账号`)
//! has been approved as an additional account: it does not count towards its
//! unit's one account on the platform. A tag, not free-text notes: a note
//! saying “不允许多账号” must not read as approval.
//!
//! **Why unregistered is a warning, not a violation.** The registry is the
//! office's own list and may lag behind the units; the filing duty is towards
//! the national filing system (001 第八条) or the office (004 二(三)), which we
//! cannot see; and a verification text containing the unit's name (某县公安局
//! in 某县公安局交警大队) may belong to a sub-unit. What we know for sure is
//! "the office's list lacks an account the platform attributes to this unit",
//! which asks the office to check and file — not a proven breach.

use super::impostor::{
    Sighting, Standing, candidate_evidence, candidate_zh, in_operation, measure_candidate, name_zh,
    standing, unregistered_sightings, usable_searches,
};
use super::names::normalize_name;
use super::{Evidence, Finding, RuleContext, RuleId, Verdict};
use crate::accounts::{Account, LifecycleStatus};
use crate::rules::SearchEvidence;
use std::collections::HashMap;

/// The registry tag that marks an approved additional account.
pub const EXCEPTION_TAG: &str = "允许多账号";

fn is_exception(a: &Account) -> bool {
    a.spec.tags.iter().any(|t| t.trim() == EXCEPTION_TAG)
}

/// Accounts that exist on the platform and count: active or newly opened.
/// A planned account is not open yet; a closing one is on its way out (a unit
/// moving to a new account keeps the old one up with its closing notice for
/// 30 days, 001 第十条 — that is not a second account); a closed one is gone.
fn counts(a: &Account) -> bool {
    matches!(
        a.spec.status,
        LifecycleStatus::Active | LifecycleStatus::Opening
    )
}

fn owner(a: &Account) -> Option<&str> {
    a.spec
        .owner_unit
        .as_deref()
        .map(str::trim)
        .filter(|o| !normalize_name(o).is_empty())
}

fn registry_evidence(a: &Account) -> Evidence {
    Evidence {
        page_url: a.spec.profile_url.clone().or_else(|| a.spec.platform.public_page(&a.spec.platform_id)),
        label: format!(
            "台账登记：“{}”（ID {}）",
            a.spec.display_name, a.spec.platform_id
        ),
        url: a.spec.profile_url.clone(),
        sha256: None,
        at_ms: a.updated_at_ms,
    }
}

/// Rule 9a: two or more active accounts of one owner unit on one platform.
///
/// `registry`: the supervised accounts — **retired accounts left out**
/// (an [`Account`] does not say whether it was retired; the caller's list
/// does). One finding per active or opening account, subject
/// `one_per_platform:{platform}`: a violation on each account of a unit that
/// has more than one on the platform, a pass otherwise, "not checked" when
/// the registry names no owner unit. Nothing when the rule is off.
pub fn check_one_per_platform(registry: &[Account], ctx: &RuleContext<'_>) -> Vec<Finding> {
    check_one_per_platform_of(registry, None, ctx)
}

/// [`check_one_per_platform`] with findings only for the accounts in
/// `only` (all when `None`); the groups are still formed over the whole
/// registry.
pub fn check_one_per_platform_of(registry: &[Account], only: Option<&[i64]>, ctx: &RuleContext<'_>) -> Vec<Finding> {
    if !ctx.rules.one_per_platform.enabled {
        return Vec::new();
    }
    let groups = OwnerGroups::new(registry.iter());
    let judged: Vec<&Account> = registry.iter().filter(|a| only.is_none_or(|ids| ids.contains(&a.id))).collect();
    check_one_per_platform_grouped(&judged, &groups, ctx)
}

/// The registry's accounts grouped by platform and normalised owner unit:
/// what [`check_one_per_platform_grouped`] compares an account with. The
/// daemon checks one account at a time; forming the groups over 10,000
/// accounts for each check was most of this rule's cost, so the caller
/// keeps one per registry version.
#[derive(Debug, Default)]
pub struct OwnerGroups {
    /// (platform, normalised owner) → ids of the accounts counted, by id.
    groups: HashMap<(&'static str, String), Vec<i64>>,
    /// The members of groups of two or more (their evidence names them all).
    shared: HashMap<i64, Account>,
}

impl OwnerGroups {
    /// `registry`: the supervised accounts, retired ones left out.
    pub fn new<'a>(registry: impl Iterator<Item = &'a Account>) -> OwnerGroups {
        let mut groups: HashMap<(&'static str, String), Vec<&Account>> = HashMap::new();
        for a in registry.filter(|a| counts(a) && !is_exception(a)) {
            // Normalised once per account (`owner` would normalise it again).
            let Some(key) = a.spec.owner_unit.as_deref().map(normalize_name).filter(|k| !k.is_empty()) else {
                continue;
            };
            groups.entry((a.spec.platform.code(), key)).or_default().push(a);
        }
        let mut out = OwnerGroups::default();
        for (key, mut members) in groups {
            members.sort_by_key(|a| a.id);
            if members.len() > 1 {
                out.shared.extend(members.iter().map(|a| (a.id, (*a).clone())));
            }
            out.groups.insert(key, members.iter().map(|a| a.id).collect());
        }
        out
    }

    /// The group of `platform` and owner `o` (normalised here), by id.
    fn group(&self, platform: &'static str, o: &str) -> Vec<&Account> {
        let ids = self.groups.get(&(platform, normalize_name(o))).map(Vec::as_slice).unwrap_or_default();
        ids.iter().filter_map(|id| self.shared.get(id)).collect()
    }

    fn len(&self, platform: &'static str, o: &str) -> usize {
        self.groups.get(&(platform, normalize_name(o))).map_or(0, Vec::len)
    }
}

/// Rule 9a for the accounts `judged` (active or opening ones get a
/// finding), against the registry's `groups`.
pub fn check_one_per_platform_grouped(judged: &[&Account], groups: &OwnerGroups, ctx: &RuleContext<'_>) -> Vec<Finding> {
    let rule = &ctx.rules.one_per_platform;
    if !rule.enabled {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut accounts: Vec<&Account> = judged.iter().copied().filter(|a| counts(a)).collect();
    accounts.sort_by_key(|a| a.id);
    for a in accounts {
        let platform = a.spec.platform;
        let subject = format!("one_per_platform:{}", platform.code());
        let f = Finding::new(RuleId::OnePerPlatform, a.id, subject, rule.citation)
            .with_evidence([registry_evidence(a)]);
        let Some(o) = owner(a) else {
            out.push(f.not_checked("台账未填写主办单位，无法判断是否在同一平台重复开设"));
            continue;
        };
        let f = f.measure("owner_unit", o);
        if is_exception(a) {
            out.push(f.measure("approved_exception", true).verdict(
                Verdict::Pass,
                format!(
                    "{}为经批准的例外账号（台账标签“{EXCEPTION_TAG}”）",
                    name_zh(a)
                ),
            ));
            continue;
        }
        if groups.len(platform.code(), o) < 2 {
            out.push(f.measure("accounts_on_platform", 1).verdict(
                Verdict::Pass,
                format!(
                    "主办单位“{o}”在{}只登记了{}一个账号",
                    platform.display_name(),
                    name_zh(a)
                ),
            ));
            continue;
        }
        let group = groups.group(platform.code(), o);
        let others: Vec<&&Account> = group.iter().filter(|x| x.id != a.id).collect();
        let listed: Vec<String> = group
            .iter()
            .map(|x| format!("“{}”（ID {}）", x.spec.display_name, x.spec.platform_id))
            .collect();
        let accounts_json: Vec<serde_json::Value> = group
            .iter()
            .map(|x| {
                serde_json::json!({
                    "account_id": x.id,
                    "platform_id": x.spec.platform_id,
                    "display_name": x.spec.display_name,
                    "status": x.spec.status.code(),
                })
            })
            .collect();
        out.push(
            f.with_evidence(others.iter().map(|x| registry_evidence(x)))
                .measure("accounts_on_platform", group.len() as i64)
                .measure("accounts", accounts_json)
                .verdict(
                    Verdict::Violation,
                    format!(
                        "主办单位“{o}”在{}开设了 {} 个账号：{}；原则上一个单位在同一平台只开设一个政务新媒体账号",
                        platform.display_name(),
                        group.len(),
                        listed.join("、")
                    ),
                ),
        );
    }
    out
}

/// Rule 9b: accounts the platform attributes to `account`'s owner unit that
/// the registry does not have (未备案).
///
/// `searches`: `account`'s name searches (as for
/// [`check_impostors`](super::check_impostors)); `registry`: every
/// registered account, retired and closed included. A warning per such hit
/// (subject `unregistered:{platform}:{platform_id}`), noting when the unit
/// already has a registered account on that platform; a pass (subject
/// `unregistered`) when the searches found none; "not checked" without a
/// successful search or an owner unit in the registry. Nothing when the rule
/// is off or the account is planned or closed.
pub fn check_unregistered(
    account: &Account,
    searches: &[SearchEvidence],
    registry: &[Account],
    ctx: &RuleContext<'_>,
) -> Vec<Finding> {
    let rule = &ctx.rules.unregistered;
    if !rule.enabled || !in_operation(account) {
        return Vec::new();
    }
    let id = account.id;
    let platform = account.spec.platform;
    let overall = Finding::new(RuleId::Unregistered, id, "unregistered", rule.citation);
    let Some(o) = owner(account) else {
        return vec![overall.not_checked("台账未填写主办单位，无法识别本单位的未登记账号")];
    };
    let ok = match usable_searches(account, searches, ctx) {
        Ok(ok) => ok,
        Err(reason) => return vec![overall.not_checked(reason)],
    };
    // The unit's registered accounts on this platform that still exist
    // (each owner normalised once: this runs at every check).
    let unit = normalize_name(o);
    let mut registered: Vec<&Account> = registry
        .iter()
        .chain(std::iter::once(account))
        .filter(|a| {
            a.spec.platform == platform
                && counts(a)
                && a.spec.owner_unit.as_deref().is_some_and(|x| normalize_name(x) == unit)
        })
        .collect();
    registered.sort_by_key(|a| a.id);
    registered.dedup_by_key(|a| a.id);
    let mut out = Vec::new();
    for s in unregistered_sightings(account, &ok, registry) {
        let Standing::OwnerUnit { entity } = standing(platform, s.hit, Some(o), registry) else {
            continue;
        };
        out.push(unregistered_finding(
            account,
            o,
            &entity,
            &s,
            &registered,
            ctx,
        ));
    }
    if out.is_empty() {
        let last = ok.last().expect("usable_searches returns at least one");
        out.push(
            overall
                .with_evidence(last.evidence())
                .measure("searches", ok.len() as i64)
                .measure("owner_unit", o)
                .verdict(
                    Verdict::Pass,
                    format!(
                        "{} 次名称搜索未发现认证为“{o}”但未登记的{}账号",
                        ok.len(),
                        platform.display_name()
                    ),
                ),
        );
    }
    out
}

fn unregistered_finding(
    account: &Account,
    owner: &str,
    entity: &str,
    s: &Sighting<'_>,
    registered: &[&Account],
    ctx: &RuleContext<'_>,
) -> Finding {
    let rule = &ctx.rules.unregistered;
    let platform = account.spec.platform;
    let subject = format!("unregistered:{}:{}", platform.code(), s.hit.platform_id);
    let mut summary = format!(
        "在{}发现未登记的账号{}：认证信息“{entity}”标明主办单位“{owner}”，但台账中没有该账号，请核实是否已备案并补录台账",
        platform.display_name(),
        candidate_zh(s.hit)
    );
    if !registered.is_empty() {
        let names: Vec<String> = registered
            .iter()
            .map(|a| format!("“{}”", a.spec.display_name))
            .collect();
        summary.push_str(&format!(
            "；该单位在{}已登记{}，原则上一个单位在同一平台只开设一个政务新媒体账号",
            platform.display_name(),
            names.join("、")
        ));
    }
    let f = Finding::new(RuleId::Unregistered, account.id, subject, rule.citation)
        .with_evidence(candidate_evidence(s, "未登记账号主页"))
        .measure("owner_unit", owner)
        .measure("verified_entity", entity)
        .measure(
            "registered_on_platform",
            registered.iter().map(|a| a.id).collect::<Vec<i64>>(),
        );
    measure_candidate(f, s).verdict(Verdict::Warning, summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::settings::{ProfileName, RuleSettings};
    use crate::rules::testkit::*;
    use xunjian_adapters::model::{OutcomeClass, Platform};

    const NOW: &str = "2026-11-21T10:00:00+08:00";
    const AT: &str = "2026-11-20T09:00:00+08:00";
    const OWNER: &str = "某某县人民政府办公室";

    fn by_account(v: &[Finding], id: i64) -> &Finding {
        v.iter().find(|f| f.account_id == id).unwrap()
    }

    #[test]
    fn two_active_accounts_of_one_unit_on_one_platform() {
        let k = Kit::with(NOW, ProfileName::Baoji);
        let mut reg = vec![
            registered(1, Platform::Weibo, "u1", "某某县人民政府发布", OWNER),
            // Written differently, the same unit.
            registered(
                2,
                Platform::Weibo,
                "u2",
                "某某县政务",
                " 某某县人民政府办公室 ",
            ),
            registered(3, Platform::Wechat, "gh3", "某某县人民政府发布", OWNER),
            registered(4, Platform::Weibo, "u4", "某某县公安", "某某县公安局"),
        ];
        reg[0].spec.profile_url = Some("https://weibo.com/u/u1".into());
        let v = check_one_per_platform(&reg, &k.ctx());
        assert_eq!(v.len(), 4);
        for id in [1, 2] {
            let f = by_account(&v, id);
            assert_eq!(f.verdict, Verdict::Violation, "{id}");
            assert_eq!(f.subject, "one_per_platform:weibo");
            assert_eq!(
                f.citation.to_string(),
                "《宝鸡市政府系统政务新媒体管理办法》第六条"
            );
            assert_eq!(f.measured["accounts_on_platform"], 2);
            assert!(
                f.summary_zh.contains("在新浪微博开设了 2 个账号：“某某县人民政府发布”（ID u1）、“某某县政务”（ID u2）"),
                "{}",
                f.summary_zh
            );
            // Its own registry row, then the other account's.
            assert_eq!(f.evidence.len(), 2);
        }
        assert_eq!(
            by_account(&v, 2).evidence[1].url.as_deref(),
            Some("https://weibo.com/u/u1")
        );
        assert_eq!(
            by_account(&v, 3).verdict,
            Verdict::Pass,
            "WeChat is another platform"
        );
        assert_eq!(by_account(&v, 4).verdict, Verdict::Pass, "another unit");
        // One account's check sees the same verdict, with its group formed
        // over the whole registry, and only its own finding.
        let only = check_one_per_platform_of(&reg, Some(&[2]), &k.ctx());
        assert_eq!(only.len(), 1);
        assert_eq!(only[0], *by_account(&v, 2));
    }

    #[test]
    fn exceptions_closing_planned_and_unknown_owners() {
        let k = Kit::with(NOW, ProfileName::Baoji);
        let base = || {
            vec![
                registered(1, Platform::Weibo, "u1", "某某县人民政府发布", OWNER),
                registered(2, Platform::Weibo, "u2", "某某县政务", OWNER),
            ]
        };
        // Approved: the tagged account does not count.
        let mut reg = base();
        reg[1].spec.tags = vec!["源账号".into(), " 允许多账号 ".into()];
        let v = check_one_per_platform(&reg, &k.ctx());
        assert_eq!(by_account(&v, 1).verdict, Verdict::Pass);
        assert_eq!(by_account(&v, 2).verdict, Verdict::Pass);
        assert_eq!(by_account(&v, 2).measured["approved_exception"], true);
        // A note is not a tag.
        let mut reg = base();
        reg[1].spec.notes = Some("不允许多账号".into());
        assert_eq!(
            by_account(&check_one_per_platform(&reg, &k.ctx()), 1).verdict,
            Verdict::Violation
        );
        // Moving to a new account: the old one closing (notice up), or the
        // new one only planned, is not a second account.
        for status in [
            LifecycleStatus::Closing,
            LifecycleStatus::Planned,
            LifecycleStatus::Closed,
        ] {
            let mut reg = base();
            reg[1].spec.status = status;
            let v = check_one_per_platform(&reg, &k.ctx());
            assert_eq!(v.len(), 1, "{status:?}: only the active one is judged");
            assert_eq!(v[0].verdict, Verdict::Pass, "{status:?}");
        }
        // Newly opened counts.
        let mut reg = base();
        reg[1].spec.status = LifecycleStatus::Opening;
        assert_eq!(
            by_account(&check_one_per_platform(&reg, &k.ctx()), 1).verdict,
            Verdict::Violation
        );
        // No owner unit: cannot tell.
        let mut reg = base();
        reg[0].spec.owner_unit = None;
        reg[1].spec.owner_unit = Some("—".into());
        let v = check_one_per_platform(&reg, &k.ctx());
        assert!(
            v.iter()
                .all(|f| matches!(f.verdict, Verdict::NotChecked { .. }))
        );
    }

    #[test]
    fn citations_by_profile() {
        let reg = vec![
            registered(1, Platform::Weibo, "u1", "a", OWNER),
            registered(2, Platform::Weibo, "u2", "b", OWNER),
        ];
        let k = Kit::with(NOW, ProfileName::National);
        assert!(
            check_one_per_platform(&reg, &k.ctx()).is_empty(),
            "off by default"
        );
        let s: RuleSettings = toml::from_str("[one_per_platform]\nenabled = true\n").unwrap();
        let k = Kit {
            rules: s.resolve().unwrap(),
            ..k
        };
        let v = check_one_per_platform(&reg, &k.ctx());
        assert_eq!(
            v[0].citation.to_string(),
            "《国务院办公厅关于推进政务新媒体健康有序发展的意见》（国办发〔2018〕123号）“一个单位原则上在同一平台只开设一个政务新媒体账号”"
        );
    }

    fn account() -> Account {
        let mut a = registered(1, Platform::Weibo, "u1", "某某县人民政府发布", OWNER);
        a.spec.region = Some("某某县".into());
        a
    }

    fn searches(hits: Vec<xunjian_adapters::model::SearchHit>) -> Vec<SearchEvidence> {
        vec![search(
            7,
            Platform::Weibo,
            "某某县人民政府发布",
            AT,
            OutcomeClass::Ok,
            hits,
        )]
    }

    #[test]
    fn an_account_verified_to_our_unit_but_not_registered_is_a_warning() {
        let k = Kit::with(NOW, ProfileName::Baoji);
        let hits = vec![
            verified_hit("u1", "某某县人民政府发布", "某某县人民政府办公室"),
            verified_hit("u9", "某某县人民政府", "某某县人民政府办公室官方微博"),
            verified_hit("u8", "某某县公安", "某某县公安局"),
            hit("u7", "某某县人民政府发布官方"),
        ];
        let reg = vec![account()];
        let v = check_unregistered(&account(), &searches(hits), &reg, &k.ctx());
        assert_eq!(v.len(), 1, "{v:#?}");
        let f = &v[0];
        assert_eq!(f.verdict, Verdict::Warning);
        assert_eq!(f.rule, RuleId::Unregistered);
        assert_eq!(f.subject, "unregistered:weibo:u9");
        assert_eq!(
            f.citation.to_string(),
            "《宝鸡市政府系统政务新媒体管理办法》第八条"
        );
        assert!(
            f.summary_zh.contains("认证信息“某某县人民政府办公室官方微博”标明主办单位“某某县人民政府办公室”，但台账中没有该账号"),
            "{}",
            f.summary_zh
        );
        assert!(
            f.summary_zh
                .contains("该单位在新浪微博已登记“某某县人民政府发布”"),
            "{}",
            f.summary_zh
        );
        assert_eq!(f.measured["registered_on_platform"], serde_json::json!([1]));
        assert_eq!(
            f.evidence[0].url.as_deref(),
            Some("https://example.invalid/search/7")
        );
        assert_eq!(
            f.evidence[1].url.as_deref(),
            Some("https://example.invalid/u/u9")
        );
        // The same hit is not also called an impostor.
        let imp = crate::rules::check_impostors(
            &account(),
            &searches(vec![verified_hit(
                "u9",
                "某某县人民政府",
                "某某县人民政府办公室",
            )]),
            &reg,
            &k.ctx(),
        );
        assert_eq!(imp[0].verdict, Verdict::Pass, "{imp:#?}");
    }

    #[test]
    fn registered_or_unverified_hits_and_missing_data() {
        let k = Kit::with(NOW, ProfileName::Baoji);
        // Registered, even retired or closed: nothing to file.
        let mut closed = registered(2, Platform::Weibo, "u9", "某某县政务", OWNER);
        closed.spec.status = LifecycleStatus::Closed;
        let hits = vec![verified_hit("u9", "某某县政务", OWNER)];
        let v = check_unregistered(&account(), &searches(hits), &[account(), closed], &k.ctx());
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].subject, "unregistered");
        assert_eq!(v[0].verdict, Verdict::Pass);
        // Unverified with the unit in its bio-like text: not the platform's word.
        let mut h = hit("u9", "某某县政务");
        h.verified_entity = Some(OWNER.into());
        assert_eq!(
            check_unregistered(&account(), &searches(vec![h]), &[account()], &k.ctx())[0].verdict,
            Verdict::Pass
        );
        // Only failed searches, or no owner unit: not checked.
        let failed = vec![search(
            7,
            Platform::Weibo,
            "x",
            AT,
            OutcomeClass::LoginRequired,
            vec![],
        )];
        assert!(matches!(
            &check_unregistered(&account(), &failed, &[account()], &k.ctx())[0].verdict,
            Verdict::NotChecked { reason } if reason.contains("平台要求登录")
        ));
        let mut a = account();
        a.spec.owner_unit = None;
        assert!(matches!(
            &check_unregistered(&a, &searches(vec![]), &[], &k.ctx())[0].verdict,
            Verdict::NotChecked { reason } if reason.contains("主办单位")
        ));
        // Off, planned, closed: nothing.
        assert!(
            check_unregistered(
                &account(),
                &searches(vec![]),
                &[],
                &Kit::with(NOW, ProfileName::National).ctx()
            )
            .is_empty()
        );
        let mut a = account();
        a.spec.status = LifecycleStatus::Planned;
        assert!(check_unregistered(&a, &searches(vec![]), &[], &k.ctx()).is_empty());
    }

    #[test]
    fn unregistered_citations_follow_each_documents_filing_rule() {
        let hits = || searches(vec![verified_hit("u9", "x", OWNER)]);
        for (profile, cite) in [
            (
                ProfileName::Luan,
                "《六安市人民政府办公室关于进一步做好政务“两微一端”建设工作的通知》二（三）",
            ),
            (
                ProfileName::Longxian,
                "《陇县政务微博管理办法》（陇政办函〔2018〕78号）第二条",
            ),
        ] {
            let k = Kit::with(NOW, profile);
            let v = check_unregistered(&account(), &hits(), &[], &k.ctx());
            assert_eq!(v[0].verdict, Verdict::Warning, "{profile:?}");
            assert_eq!(v[0].citation.to_string(), cite);
            // The account itself is the unit's registered one on the platform.
            assert!(
                v[0].summary_zh.contains("已登记“某某县人民政府发布”"),
                "{}",
                v[0].summary_zh
            );
        }
    }
}
