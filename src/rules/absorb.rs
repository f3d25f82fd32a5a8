//! A silent account that also misses reposts is one problem, not many
//! (issue 16): the key items an account failed to repost while it was
//! already silent past the zombie limit are counted in its zombie finding
//! ("期间未转载重点信息 N 条") instead of each becoming its own repost finding. One silent
//! account once produced eleven repost findings and their notices, all
//! saying what the zombie finding already says: nobody is posting.
//!
//! Pure, over one pass's findings; the caller runs it after the zombie and
//! repost rules and before the findings are recorded.

use super::settings::ZombieRule;
use super::{AccountFacts, Finding, RuleId, Verdict};
use crate::store::PostRecord;
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn is_missing(f: &Finding) -> bool {
    f.measured.get("missing").and_then(Value::as_bool).unwrap_or(false)
}

/// The latest moment a post can have been published (the zombie rule's
/// reading: an approximate time counts from when the post was first seen).
fn latest_possible_ms(p: &PostRecord) -> i64 {
    if p.post.published_at_exact { p.post.published_at.timestamp_millis() } else { p.first_seen_at_ms }
}

/// Whether the account was already a zombie when the item fell due: a post
/// known from before the zombie limit, and none since. Judged on the item's
/// deadline, not on today's silence, so the answer never changes: an
/// account that wakes up later does not get its silent spell's items back
/// as findings of their own, and an item missed before the silence crossed
/// the limit stays its own finding.
fn silent_at(facts: &AccountFacts, deadline_ms: i64, limit_ms: i64) -> bool {
    let known_before = facts.posts.iter().any(|p| latest_possible_ms(p) <= deadline_ms - limit_ms);
    let posted_since = facts.posts.iter().any(|p| {
        let at = latest_possible_ms(p);
        at > deadline_ms - limit_ms && at <= deadline_ms
    });
    known_before && !posted_since
}

/// Folds the missed-repost findings of accounts that were zombies at the
/// item's deadline into the account's zombie finding. Late reposts stay
/// their own findings (the account did post), and so do accounts that were
/// not silent. The count goes into this pass's zombie violation; when the
/// account has woken up since, the zombie finding's history already holds
/// the count it reached.
pub fn fold_missed_reposts_into_zombie(findings: &mut Vec<Finding>, targets: &[AccountFacts], zombie: &ZombieRule) {
    if !zombie.enabled {
        return;
    }
    let limit_ms = i64::from(zombie.days) * 86_400_000;
    let mut missed: BTreeMap<i64, Vec<Finding>> = BTreeMap::new();
    findings.retain(|f| {
        let deadline = f.measured.get("deadline_ms").and_then(Value::as_i64);
        let absorbed = f.rule == RuleId::RepostDelay
            && f.verdict == Verdict::Violation
            && is_missing(f)
            && deadline.is_some_and(|d| {
                targets.iter().find(|t| t.account.id == f.account_id).is_some_and(|t| silent_at(t, d, limit_ms))
            });
        if absorbed {
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
    use crate::accounts::{Account, AccountSpec};
    use crate::rules::Citation;
    use chrono::{DateTime, TimeDelta, Utc};
    use xunjian_adapters::model::{CommentState, Counts, Platform, Post};

    const C: Citation = Citation { document: "d", number: None, article: "a", basis: crate::rules::CitationBasis::InForce };
    const DAY: i64 = 86_400_000;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-20T10:00:00+08:00").unwrap().with_timezone(&Utc)
    }

    fn f(rule: RuleId, account: i64, subject: &str, verdict: Verdict, missing: bool) -> Finding {
        let mut f = Finding::new(rule, account, subject, C);
        f.verdict = verdict;
        f.summary_zh = "某账号已 20 天未更新".into();
        if missing {
            f.measured.insert("missing".into(), true.into());
        }
        f.measured.insert("deadline_ms".into(), (t0().timestamp_millis() - DAY).into());
        f
    }

    fn facts(id: i64, last_post_days_ago: i64) -> AccountFacts {
        let mut a = AccountFacts::new(Account { id, spec: AccountSpec::new(Platform::Weibo, id.to_string(), "x"), created_at_ms: 0, updated_at_ms: 0 });
        let at = t0() - TimeDelta::days(last_post_days_ago);
        a.posts.push(PostRecord {
            row_id: 1,
            account_id: id,
            post: Post {
                id: "p".into(),
                alt_id: None,
                url: None,
                published_at: at,
                published_at_exact: true,
                text: "x".into(),
                text_truncated: false,
                is_original: true,
                is_pinned: false,
                repost_of: None,
                comment_state: CommentState::Open,
                counts: Counts::default(),
            },
            first_seen_at_ms: at.timestamp_millis(),
            last_seen_at_ms: at.timestamp_millis(),
            last_observation_id: None,
        });
        a
    }

    fn zombie() -> ZombieRule {
        crate::rules::ResolvedRules::for_profile(crate::rules::ProfileName::Baoji).zombie
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
            // Another account, posting: its own finding.
            f(RuleId::RepostDelay, 2, "weibo:a", Verdict::Violation, true),
        ];
        fold_missed_reposts_into_zombie(&mut v, &[facts(1, 30), facts(2, 0)], &zombie());
        let subjects: Vec<(i64, &str)> = v.iter().map(|f| (f.account_id, f.subject.as_str())).collect();
        assert_eq!(subjects, [(1, "account"), (1, "weibo:d"), (2, "weibo:a")]);
        assert_eq!(v[0].measured["missed_reposts"], 3);
        assert!(v[0].summary_zh.ends_with("期间未转载重点信息 3 条"), "{}", v[0].summary_zh);
    }

    #[test]
    fn silence_is_judged_at_the_deadline() {
        // Silent 10 days at the deadline (limit 14): its own finding, even
        // if the account is a zombie today.
        let mut v = vec![
            f(RuleId::Zombie, 1, "account", Verdict::Violation, false),
            f(RuleId::RepostDelay, 1, "weibo:a", Verdict::Violation, true),
        ];
        fold_missed_reposts_into_zombie(&mut v, &[facts(1, 11)], &zombie());
        assert_eq!(v.len(), 2);
        assert!(!v[0].measured.contains_key("missed_reposts"));
        // Silent 20 days at the deadline, awake today: still absorbed.
        let mut v = vec![
            f(RuleId::Zombie, 1, "account", Verdict::Pass, false),
            f(RuleId::RepostDelay, 1, "weibo:a", Verdict::Violation, true),
        ];
        let mut woke = facts(1, 21);
        woke.posts.push(facts(1, 0).posts.remove(0));
        fold_missed_reposts_into_zombie(&mut v, &[woke], &zombie());
        assert_eq!(v.iter().map(|f| f.rule).collect::<Vec<_>>(), [RuleId::Zombie]);
    }
}
