//! Verification and naming — 001 第十一条 "经批准开设的政务新媒体应进行实名认证，
//! 并在公开认证信息中标明主办单位名称，同一主办单位在不同平台上开设的政务新媒体原则上
//! 保持名称一致"; 004 二(二) naming rule "××县人民政府发布".
//!
//! Subjects: `verified`, `verified_entity` (Verification); `display_name`,
//! `name_pattern` (Naming). A field the platform does not show (`None`) is
//! "not checked", never a violation.

use super::interaction::recent_profile;
use super::verification_type::personal_verification;
use super::{AccountFacts, Finding, RuleContext, RuleId, Verdict};
use crate::store::ProfileSnapshot;

/// Names compared without spaces, punctuation and quotes, full-width forms
/// folded (（）→ ()), case-insensitive.
pub fn normalize_name(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .filter(|c| {
            !c.is_whitespace()
                && !c.is_ascii_punctuation()
                && !"“”‘’「」『』《》〈〉·•、。，".contains(*c)
        })
        .flat_map(char::to_lowercase)
        .collect()
}

fn snapshot_evidence(facts: &AccountFacts, snap: &ProfileSnapshot) -> Vec<super::Evidence> {
    facts
        .observations
        .iter()
        .find(|o| o.id == snap.observation_id)
        .map(|o| facts.observation_evidence(o, "主页资料"))
        .into_iter()
        .collect()
}

pub fn check_verification(facts: &AccountFacts, ctx: &RuleContext<'_>) -> Vec<Finding> {
    let rule = &ctx.rules.verification;
    let id = facts.account.id;
    let fv = Finding::new(RuleId::Verification, id, "verified", rule.citation);
    let fe = Finding::new(RuleId::Verification, id, "verified_entity", rule.citation);
    let snap = match recent_profile(facts, ctx) {
        Ok(s) => s,
        Err(reason) => return vec![fv.not_checked(reason.clone()), fe.not_checked(reason)],
    };
    let ev = snapshot_evidence(facts, snap);
    let (fv, fe) = (fv.with_evidence(ev.clone()), fe.with_evidence(ev));
    let name = facts.name_zh();
    let p = &snap.profile;
    // A person's verification (Weibo's yellow V: "××局宣传干事") is that
    // person's, not the unit's: its reason may well name the unit, so it is
    // settled here before the entity text is read.
    let personal = p.verified == Some(true)
        && personal_verification(facts.account.spec.platform, p.verified_type.as_deref());
    if personal {
        let reason = p
            .verified_entity
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| format!("（认证信息“{e}”）"))
            .unwrap_or_default();
        let fv = fv
            .measure("verified_type", p.verified_type.clone())
            .measure("personal", true)
            .verdict(
                Verdict::Violation,
                format!("{name}为个人认证{reason}，不是主办单位的机构实名认证"),
            );
        return vec![fv, fe.not_checked("账号为个人认证，无主办单位认证信息可核对")];
    }
    let fv = match p.verified {
        Some(true) => fv.verdict(Verdict::Pass, format!("{name}已认证")),
        Some(false) => fv.verdict(Verdict::Violation, format!("{name}未进行平台实名认证")),
        None => fv.not_checked("平台页面不显示认证状态"),
    };
    let fe = match (
        p.verified,
        facts.account.spec.owner_unit.as_deref(),
        p.verified_entity.as_deref(),
    ) {
        (Some(false), _, _) => fe.not_checked("账号未认证，无认证信息可核对"),
        (None, _, _) => fe.not_checked("平台页面不显示认证状态"),
        (Some(true), None, _) => fe.not_checked("台账未填写主办单位，无法核对认证信息"),
        (Some(true), Some(_), None) => fe.not_checked("平台页面不显示认证信息"),
        (Some(true), Some(owner), Some(entity)) => {
            let fe = fe
                .measure("verified_entity", entity)
                .measure("owner_unit", owner);
            if normalize_name(entity).contains(&normalize_name(owner)) {
                fe.verdict(
                    Verdict::Pass,
                    format!("{name}认证信息“{entity}”标明了主办单位"),
                )
            } else {
                fe.verdict(
                    Verdict::Violation,
                    format!("{name}的认证信息“{entity}”未标明主办单位“{owner}”"),
                )
            }
        }
    };
    vec![fv, fe]
}

pub fn check_naming(facts: &AccountFacts, ctx: &RuleContext<'_>) -> Vec<Finding> {
    let rule = &ctx.rules.naming;
    let id = facts.account.id;
    let spec = &facts.account.spec;
    let mut out = Vec::new();
    if rule.match_registry {
        let f = Finding::new(RuleId::Naming, id, "display_name", rule.citation);
        out.push(match recent_profile(facts, ctx) {
            Err(reason) => f.not_checked(reason),
            Ok(snap) => {
                let shown = &snap.profile.display_name;
                let f = f.with_evidence(snapshot_evidence(facts, snap)).measure("platform_name", shown.as_str()).measure("registry_name", spec.display_name.as_str());
                if normalize_name(shown) == normalize_name(&spec.display_name) {
                    f.verdict(Verdict::Pass, format!("“{shown}”（{}）名称与台账一致", spec.platform.display_name()))
                } else {
                    f.verdict(
                        Verdict::Violation,
                        format!(
                            "{}账号在平台上的名称为“{shown}”，与台账登记的“{}”不一致（擅自更名或未报备变更）",
                            spec.platform.display_name(),
                            spec.display_name
                        ),
                    )
                }
            }
        });
    }
    if let Some(re) = &rule.pattern
        && (rule.pattern_platforms.is_empty() || rule.pattern_platforms.contains(&spec.platform))
    {
        let f = Finding::new(RuleId::Naming, id, "name_pattern", rule.pattern_citation)
            .measure("pattern", re.as_str());
        let name = facts.name_zh();
        out.push(if re.is_match(&spec.display_name) {
            f.verdict(Verdict::Pass, format!("{name}名称符合命名规范"))
        } else {
            f.verdict(
                Verdict::Violation,
                format!(
                    "{name}名称不符合命名规范（应为“××县人民政府发布”等形式，规则 {}）",
                    re.as_str()
                ),
            )
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::settings::ProfileName;
    use crate::rules::testkit::*;
    use xunjian_adapters::model::{ObservationKind, OutcomeClass, Platform, Profile};

    const NOW: &str = "2026-11-21T10:00:00+08:00";

    fn facts_with(k: &Kit, p: Option<Profile>) -> AccountFacts {
        let mut f = k.facts();
        match p {
            Some(p) => {
                k.obs(&mut f, 1, ObservationKind::Profile, NOW, OutcomeClass::Ok);
                add_profile(&mut f, 1, p);
            }
            None => k.obs(
                &mut f,
                1,
                ObservationKind::Profile,
                NOW,
                OutcomeClass::Blocked,
            ),
        }
        f
    }

    #[test]
    fn verified_and_naming_the_owner_unit() {
        let k = Kit::with(NOW, ProfileName::Baoji);
        let v = check_verification(
            &facts_with(&k, Some(profile("某某县人民政府发布"))),
            &k.ctx(),
        );
        assert_eq!(
            (&v[0].verdict, &v[1].verdict),
            (&Verdict::Pass, &Verdict::Pass)
        );
        assert_eq!(
            v[1].citation.to_string(),
            "《宝鸡市政府系统政务新媒体管理办法》第十一条"
        );

        let mut p = profile("某某县人民政府发布");
        p.verified_entity = Some("某某县融媒体中心".into());
        let v = check_verification(&facts_with(&k, Some(p)), &k.ctx());
        assert_eq!(v[1].verdict, Verdict::Violation);
        assert!(
            v[1].summary_zh
                .contains("未标明主办单位“某某县人民政府办公室”"),
            "{}",
            v[1].summary_zh
        );

        let mut p = profile("x");
        p.verified = Some(false);
        let v = check_verification(&facts_with(&k, Some(p)), &k.ctx());
        assert_eq!(v[0].verdict, Verdict::Violation);
        assert!(matches!(v[1].verdict, Verdict::NotChecked { .. }));
    }

    #[test]
    fn a_personal_verification_naming_the_unit_is_not_the_units() {
        // Weibo yellow V (verified_type 0) of a staff member: the reason
        // names the unit, which made the entity check pass.
        let k = Kit::with(NOW, ProfileName::Baoji);
        let mut p = profile("某某县人民政府发布");
        p.verified_type = Some("0".into());
        p.verified_entity = Some("某某县人民政府办公室宣传干事".into());
        let v = check_verification(&facts_with(&k, Some(p.clone())), &k.ctx());
        assert_eq!(v[0].subject, "verified");
        assert_eq!(v[0].verdict, Verdict::Violation, "{}", v[0].summary_zh);
        assert!(v[0].summary_zh.contains("个人认证"), "{}", v[0].summary_zh);
        assert!(v[0].summary_zh.contains("某某县人民政府办公室宣传干事"), "{}", v[0].summary_zh);
        assert_eq!(v[0].measured["personal"], true);
        assert!(
            matches!(&v[1].verdict, Verdict::NotChecked { reason } if reason.contains("个人认证")),
            "{:?}",
            v[1].verdict
        );
        // The same text under an organisation's type (Weibo 1) passes.
        p.verified_type = Some("1".into());
        let v = check_verification(&facts_with(&k, Some(p)), &k.ctx());
        assert_eq!((&v[0].verdict, &v[1].verdict), (&Verdict::Pass, &Verdict::Pass));
    }

    #[test]
    fn unseen_verification_is_not_checked() {
        let k = Kit::with(NOW, ProfileName::Baoji);
        let mut p = profile("x");
        p.verified = None;
        let v = check_verification(&facts_with(&k, Some(p)), &k.ctx());
        assert!(
            v.iter()
                .all(|f| matches!(f.verdict, Verdict::NotChecked { .. }))
        );
        let v = check_verification(&facts_with(&k, None), &k.ctx());
        assert!(v.iter().all(|f| matches!(&f.verdict, Verdict::NotChecked { reason } if reason.contains("被平台拦截"))));
        let mut f = facts_with(&k, Some(profile("x")));
        f.account.spec.owner_unit = None;
        assert!(matches!(
            check_verification(&f, &k.ctx())[1].verdict,
            Verdict::NotChecked { .. }
        ));
    }

    #[test]
    fn display_name_against_registry() {
        let k = Kit::with(NOW, ProfileName::Baoji);
        let v = check_naming(
            &facts_with(&k, Some(profile(" 某某县人民政府发布 "))),
            &k.ctx(),
        );
        assert_eq!(v.len(), 1, "baoji has no pattern");
        assert_eq!(v[0].verdict, Verdict::Pass);
        let v = check_naming(&facts_with(&k, Some(profile("某某发布"))), &k.ctx());
        assert_eq!(v[0].verdict, Verdict::Violation);
        assert!(v[0].summary_zh.contains("“某某发布”"));
    }

    #[test]
    fn luan_naming_pattern_on_weibo_and_wechat_only() {
        let k = Kit::with(NOW, ProfileName::Luan);
        let v = check_naming(
            &facts_with(&k, Some(profile("某某县人民政府发布"))),
            &k.ctx(),
        );
        let pat = v.iter().find(|f| f.subject == "name_pattern").unwrap();
        assert_eq!(pat.verdict, Verdict::Pass);
        assert_eq!(pat.citation.article, "二（二）");
        let mut f = facts_with(&k, Some(profile("某某政务")));
        f.account.spec.display_name = "某某政务".into();
        let v = check_naming(&f, &k.ctx());
        assert_eq!(
            v.iter()
                .find(|f| f.subject == "name_pattern")
                .unwrap()
                .verdict,
            Verdict::Violation
        );
        f.account.spec.platform = Platform::Douyin;
        assert!(
            check_naming(&f, &k.ctx())
                .iter()
                .all(|f| f.subject != "name_pattern")
        );
    }

    #[test]
    fn normalization() {
        assert_eq!(
            normalize_name("某某（县）人民政府 发布"),
            normalize_name("某某(县)人民政府发布")
        );
        assert_ne!(normalize_name("某某县发布"), normalize_name("某某市发布"));
    }
}
