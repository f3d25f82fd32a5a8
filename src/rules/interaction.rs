//! Interaction closed — 001 第二十一条 "不得关闭私信、评论、留言等互动功能";
//! national veto "未提供有效互动功能".
//!
//! Two subjects: `comments` and `private_message` (no private-message
//! entry). Comments: an account-wide closed/restricted policy, or comments
//! closed or restricted on at least `closed_of_latest` (default 3) of the
//! latest `latest_k` (default 5) non-pinned posts, is a violation; closed on
//! fewer but at least one of them is a warning. Closing comments on most
//! posts while leaving one or two open is no effective interaction either.
//! `Unknown` — the platform does not let us see it — never counts as
//! closed: when the unknown posts could decide it, the rule could not check.

use super::coverage::{posts_seen_by, require_recent};
use super::{AccountFacts, Finding, RuleContext, RuleId, Verdict, fmt_local, from_ms};
use crate::store::{PostRecord, ProfileSnapshot};
use xunjian_adapters::model::{CommentState, MessageEntry, ObservationKind};

/// The profile snapshot of the newest successful profile observation within
/// the coverage window, or why there is none.
pub(crate) fn recent_profile<'f>(
    facts: &'f AccountFacts,
    ctx: &RuleContext<'_>,
) -> Result<&'f ProfileSnapshot, String> {
    let obs = require_recent(facts, ObservationKind::Profile, ctx)?;
    facts
        .profiles
        .iter()
        .find(|p| p.observation_id == obs.id)
        .ok_or_else(|| {
            format!(
                "{} 的主页抓取成功，但未提供主页资料快照",
                fmt_local(from_ms(obs.observed_at_ms))
            )
        })
}

fn state_zh(s: CommentState) -> &'static str {
    match s {
        CommentState::Open => "开放",
        CommentState::Closed => "关闭",
        CommentState::Restricted => "受限",
        CommentState::Unknown => "未知",
    }
}

pub fn check_interaction(facts: &AccountFacts, ctx: &RuleContext<'_>) -> Vec<Finding> {
    vec![
        check_comments(facts, ctx),
        check_private_message(facts, ctx),
    ]
}

fn check_comments(facts: &AccountFacts, ctx: &RuleContext<'_>) -> Finding {
    let rule = &ctx.rules.interaction;
    let f = Finding::new(
        RuleId::Interaction,
        facts.account.id,
        "comments",
        rule.citation,
    );
    let name = facts.name_zh();
    // An account-wide policy, when the platform shows one, settles it.
    if let Ok(snap) = recent_profile(facts, ctx)
        && matches!(
            snap.profile.comment_policy,
            CommentState::Closed | CommentState::Restricted
        )
    {
        let obs = facts
            .observations
            .iter()
            .find(|o| o.id == snap.observation_id);
        let s = format!(
            "{name}的评论功能已在账号层面{}，未提供有效互动功能",
            state_zh(snap.profile.comment_policy)
        );
        return f
            .with_evidence(obs.map(|o| facts.observation_evidence(o, "主页资料")))
            .measure("comment_policy", snap.profile.comment_policy.code())
            .verdict(Verdict::Violation, s);
    }
    let last = match require_recent(facts, ObservationKind::Timeline, ctx) {
        Ok(o) => o,
        Err(reason) => return f.not_checked(reason),
    };
    let k = rule.latest_k as usize;
    let n = rule.closed_of_latest as usize;
    let mut latest: Vec<&PostRecord> = posts_seen_by(facts, last)
        .into_iter()
        .filter(|p| !p.post.is_pinned)
        .collect();
    latest.sort_by_key(|p| std::cmp::Reverse(p.post.published_at));
    latest.truncate(k);
    let f = f.with_evidence([facts.observation_evidence(last, "最近一次成功抓取的时间线")]);
    let count = |s: CommentState| latest.iter().filter(|p| p.post.comment_state == s).count();
    let (open, unknown) = (count(CommentState::Open), count(CommentState::Unknown));
    let closed = latest.len() - open - unknown;
    let f = f
        .measure("latest_k", k)
        .measure("closed_of_latest", n)
        .measure("seen", latest.len())
        .measure("open", open)
        .measure("closed_or_restricted", closed)
        .measure("unknown", unknown);
    let closed_evidence = |f: Finding| {
        f.with_evidence(
            latest
                .iter()
                .filter(|p| matches!(p.post.comment_state, CommentState::Closed | CommentState::Restricted))
                .take(3)
                .map(|p| facts.post_evidence(p, "评论关闭的信息")),
        )
    };
    // The posts seen are the newest: `closed` of them closed is at least
    // that many among the latest K, however many were seen.
    if closed >= n {
        let s = format!(
            "{name}最近 {k} 条信息中有 {closed} 条关闭或受限评论（达到 {n} 条即认定），未提供有效互动功能"
        );
        return closed_evidence(f).verdict(Verdict::Violation, s);
    }
    if latest.len() < k {
        return f.not_checked(format!(
            "最近一次时间线抓取仅见到 {} 条非置顶信息，少于判断所需的 {k} 条",
            latest.len()
        ));
    }
    if closed + unknown >= n {
        return f.not_checked(format!(
            "最近 {k} 条信息中有 {unknown} 条平台未显示评论状态，{closed} 条关闭或受限，无法判断是否达到 {n} 条"
        ));
    }
    if closed > 0 {
        let s = format!(
            "{name}最近 {k} 条信息中有 {closed} 条关闭或受限评论，达到 {n} 条将认定为未提供有效互动功能"
        );
        return closed_evidence(f).verdict(Verdict::Warning, s);
    }
    let s = format!("{name}最近 {k} 条信息中有 {open} 条开放评论，无关闭评论");
    f.verdict(Verdict::Pass, s)
}

fn check_private_message(facts: &AccountFacts, ctx: &RuleContext<'_>) -> Finding {
    let rule = &ctx.rules.interaction;
    let f = Finding::new(
        RuleId::Interaction,
        facts.account.id,
        "private_message",
        rule.citation,
    );
    let snap = match recent_profile(facts, ctx) {
        Ok(s) => s,
        Err(reason) => return f.not_checked(reason),
    };
    let obs = facts
        .observations
        .iter()
        .find(|o| o.id == snap.observation_id);
    let f = f
        .with_evidence(obs.map(|o| facts.observation_evidence(o, "主页资料")))
        .measure("private_message", snap.profile.private_message.code());
    let name = facts.name_zh();
    match snap.profile.private_message {
        MessageEntry::Open => f.verdict(Verdict::Pass, format!("{name}提供私信入口")),
        MessageEntry::Closed => f.verdict(
            Verdict::Violation,
            format!("{name}未提供私信入口（私信已关闭），未提供有效互动功能"),
        ),
        MessageEntry::Unknown => f.not_checked("平台页面不显示私信入口状态，无法检查"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testkit::*;
    use xunjian_adapters::model::OutcomeClass;

    const NOW: &str = "2026-11-21T10:00:00+08:00";

    fn comments(states: &[CommentState], pinned_open: bool) -> Finding {
        let k = Kit::new(NOW);
        let mut f = k.facts();
        k.timeline(&mut f, 1, NOW, OutcomeClass::Ok);
        for (i, s) in states.iter().enumerate() {
            let mut p = post(
                &format!("p{i}"),
                &format!("2026-11-{:02}T10:00:00+08:00", 20 - i),
            );
            p.comment_state = *s;
            add_post(&mut f, 1, p);
        }
        if pinned_open {
            let mut p = post("pin", "2026-01-01T10:00:00+08:00");
            p.is_pinned = true;
            add_post(&mut f, 1, p);
        }
        check_comments(&f, &k.ctx())
    }

    #[test]
    fn comments_closed_on_all_latest_k() {
        use CommentState::*;
        let f = comments(&[Closed, Restricted, Closed, Closed, Closed], true);
        assert_eq!(
            f.verdict,
            Verdict::Violation,
            "an open pinned post does not count"
        );
        assert!(f.citation.to_string().contains("未提供有效互动功能"));
        // The 6th-latest post being open does not help.
        assert_eq!(
            comments(&[Closed, Closed, Closed, Closed, Closed, Open], false).verdict,
            Verdict::Violation
        );
        // K-1 posts, too few to judge an open account ...
        assert!(matches!(
            comments(&[Open, Open, Open, Open], false).verdict,
            Verdict::NotChecked { .. }
        ));
        // ... but enough when 3 of them are closed: the 5th cannot undo it.
        assert_eq!(
            comments(&[Closed, Closed, Closed, Open], false).verdict,
            Verdict::Violation
        );
    }

    #[test]
    fn three_of_the_latest_five_closed_is_a_violation_one_or_two_a_warning() {
        use CommentState::*;
        // The reported wrong decision: closed on the 3 newest posts passed
        // because the 4th and 5th were open.
        let f = comments(&[Closed, Closed, Closed, Open, Open], false);
        assert_eq!(f.verdict, Verdict::Violation, "{}", f.summary_zh);
        assert_eq!(f.measured["closed_or_restricted"], 3);
        assert_eq!(f.measured["closed_of_latest"], 3);
        assert!(f.summary_zh.contains("最近 5 条信息中有 3 条关闭或受限评论"), "{}", f.summary_zh);
        assert_eq!(f.evidence.len(), 4, "the timeline read and the 3 closed posts");
        assert_eq!(
            comments(&[Closed, Closed, Closed, Closed, Open], false).verdict,
            Verdict::Violation
        );
        for states in [[Open, Closed, Open, Open, Open], [Open, Restricted, Open, Closed, Open]] {
            let f = comments(&states, false);
            assert_eq!(f.verdict, Verdict::Warning, "{states:?}: {}", f.summary_zh);
            assert!(f.summary_zh.contains("达到 3 条将认定"), "{}", f.summary_zh);
        }
        assert_eq!(comments(&[Open; 5], false).verdict, Verdict::Pass);
    }

    #[test]
    fn closed_of_latest_is_configurable() {
        use CommentState::*;
        let mut k = Kit::new(NOW);
        k.rules.interaction.closed_of_latest = 5;
        let mut f = k.facts();
        k.timeline(&mut f, 1, NOW, OutcomeClass::Ok);
        for (i, s) in [Closed, Closed, Closed, Closed, Open].iter().enumerate() {
            let mut p = post(&format!("p{i}"), &format!("2026-11-{:02}T10:00:00+08:00", 20 - i));
            p.comment_state = *s;
            add_post(&mut f, 1, p);
        }
        assert_eq!(check_comments(&f, &k.ctx()).verdict, Verdict::Warning);
    }

    #[test]
    fn unknown_comment_state_is_never_counted_as_closed() {
        use CommentState::*;
        // 2 closed and 2 unknown: the unknowns could make it 3 or not.
        assert!(matches!(
            comments(&[Closed, Unknown, Unknown, Closed, Open], false).verdict,
            Verdict::NotChecked { .. }
        ));
        assert!(matches!(
            comments(&[Unknown; 5], false).verdict,
            Verdict::NotChecked { .. }
        ));
        // 3 known closed settle it whatever the unknown ones are.
        assert_eq!(
            comments(&[Closed, Closed, Unknown, Closed, Open], false).verdict,
            Verdict::Violation
        );
        // 1 closed, 1 unknown: at most 2 closed, a warning either way.
        assert_eq!(
            comments(&[Closed, Unknown, Open, Open, Open], false).verdict,
            Verdict::Warning
        );
    }

    fn pm(entry: MessageEntry, policy: CommentState, outcome: OutcomeClass) -> Vec<Finding> {
        let k = Kit::new(NOW);
        let mut f = k.facts();
        k.obs(
            &mut f,
            1,
            ObservationKind::Profile,
            "2026-11-21T09:00:00+08:00",
            outcome,
        );
        if outcome == OutcomeClass::Ok {
            let mut p = profile("某某县人民政府发布");
            p.private_message = entry;
            p.comment_policy = policy;
            add_profile(&mut f, 1, p);
        }
        check_interaction(&f, &k.ctx())
    }

    #[test]
    fn private_message_entry() {
        use CommentState::Unknown as U;
        assert_eq!(
            pm(MessageEntry::Open, U, OutcomeClass::Ok)[1].verdict,
            Verdict::Pass
        );
        let v = pm(MessageEntry::Closed, U, OutcomeClass::Ok);
        assert_eq!(v[1].verdict, Verdict::Violation);
        assert_eq!(v[1].subject, "private_message");
        assert!(matches!(
            pm(MessageEntry::Unknown, U, OutcomeClass::Ok)[1].verdict,
            Verdict::NotChecked { .. }
        ));
        assert!(matches!(
            pm(MessageEntry::Closed, U, OutcomeClass::Captcha)[1].verdict,
            Verdict::NotChecked { .. }
        ));
    }

    #[test]
    fn account_wide_comment_policy() {
        let v = pm(MessageEntry::Open, CommentState::Closed, OutcomeClass::Ok);
        assert_eq!(v[0].verdict, Verdict::Violation);
        assert_eq!(v[0].measured["comment_policy"], "closed");
        // Policy unknown and no timeline: not checked.
        assert!(matches!(
            pm(MessageEntry::Open, CommentState::Unknown, OutcomeClass::Ok)[0].verdict,
            Verdict::NotChecked { .. }
        ));
    }
}
