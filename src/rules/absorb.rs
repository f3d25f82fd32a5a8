//! A silent account that also misses reposts is one problem, not many
//! (issue 16): while an account's zombie check is a violation, the key items
//! it failed to repost are counted in the zombie finding ("期间未转载重点信息
//! N 条") instead of each becoming its own repost finding. One silent
//! account once produced eleven repost findings and their notices, all
//! saying what the zombie finding already says: nobody is posting.
//!
//! Pure, over one pass's findings; the caller runs it after the zombie and
//! repost rules and before the findings are recorded.

use super::{Finding, RuleId, Verdict};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

fn is_missing(f: &Finding) -> bool {
    f.measured.get("missing").and_then(Value::as_bool).unwrap_or(false)
}

/// Folds the missed-repost findings of accounts with a zombie violation into
/// that violation. Late reposts stay their own findings (the account did
/// post), and so do accounts that are not silent. A missing item's warning
/// (deadline near) is dropped for a silent account too: it would otherwise
/// sit as a warning that never becomes the finding it announces.
pub fn fold_missed_reposts_into_zombie(findings: &mut Vec<Finding>) {
    let silent: BTreeSet<i64> = findings
        .iter()
        .filter(|f| f.rule == RuleId::Zombie && f.verdict == Verdict::Violation)
        .map(|f| f.account_id)
        .collect();
    if silent.is_empty() {
        return;
    }
    let mut missed: BTreeMap<i64, Vec<Finding>> = BTreeMap::new();
    findings.retain(|f| {
        let absorbed = f.rule == RuleId::RepostDelay
            && silent.contains(&f.account_id)
            && matches!(f.verdict, Verdict::Violation | Verdict::Warning)
            && (is_missing(f) || f.verdict == Verdict::Warning && !f.measured.contains_key("repost_post_id"));
        if absorbed && f.verdict == Verdict::Violation {
            missed.entry(f.account_id).or_default().push(f.clone());
        }
        !absorbed
    });
    for z in findings.iter_mut().filter(|f| f.rule == RuleId::Zombie && f.verdict == Verdict::Violation) {
        let Some(items) = missed.get_mut(&z.account_id) else { continue };
        items.sort_by_key(|f| (f.measured.get("deadline_ms").and_then(Value::as_i64), f.subject.clone()));
        z.summary_zh.push_str(&format!("；期间未转载重点信息 {} 条", items.len()));
        z.measured.insert("missed_reposts".into(), json!(items.len()));
        z.measured.insert(
            "missed_repost_items".into(),
            Value::Array(
                items
                    .iter()
                    .map(|f| {
                        json!({
                            "subject": f.subject,
                            "source_post_id": f.measured.get("source_post_id"),
                            "deadline_ms": f.measured.get("deadline_ms"),
                        })
                    })
                    .collect(),
            ),
        );
        // The source item each one was: the evidence that it was due.
        for f in items.iter() {
            if let Some(e) = f.evidence.first() {
                z.evidence.push(e.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Citation;

    const C: Citation = Citation { document: "d", number: None, article: "a" };

    fn f(rule: RuleId, account: i64, subject: &str, verdict: Verdict, missing: bool) -> Finding {
        let mut f = Finding::new(rule, account, subject, C);
        f.verdict = verdict;
        f.summary_zh = "某账号已 16 天未更新".into();
        if missing {
            f.measured.insert("missing".into(), true.into());
        }
        f
    }

    #[test]
    fn a_silent_account_gets_one_zombie_finding_counting_its_missed_reposts() {
        let mut v = vec![
            f(RuleId::Zombie, 1, "account", Verdict::Violation, false),
            f(RuleId::RepostDelay, 1, "weibo:a", Verdict::Violation, true),
            f(RuleId::RepostDelay, 1, "weibo:b", Verdict::Violation, true),
            f(RuleId::RepostDelay, 1, "weibo:c", Verdict::Violation, true),
            // Late, not missing: the account posted; its own finding.
            f(RuleId::RepostDelay, 1, "weibo:d", Verdict::Violation, false),
            // Another account, not silent: its own finding.
            f(RuleId::RepostDelay, 2, "weibo:a", Verdict::Violation, true),
        ];
        fold_missed_reposts_into_zombie(&mut v);
        let subjects: Vec<(i64, &str)> = v.iter().map(|f| (f.account_id, f.subject.as_str())).collect();
        assert_eq!(subjects, [(1, "account"), (1, "weibo:d"), (2, "weibo:a")]);
        assert_eq!(v[0].measured["missed_reposts"], 3);
        assert!(v[0].summary_zh.ends_with("期间未转载重点信息 3 条"), "{}", v[0].summary_zh);
    }

    #[test]
    fn a_zombie_warning_absorbs_nothing() {
        let mut v = vec![
            f(RuleId::Zombie, 1, "account", Verdict::Warning, false),
            f(RuleId::RepostDelay, 1, "weibo:a", Verdict::Violation, true),
        ];
        fold_missed_reposts_into_zombie(&mut v);
        assert_eq!(v.len(), 2);
        assert!(!v[0].measured.contains_key("missed_reposts"));
    }
}
