//! Closing notice and vanished accounts.
//!
//! * Closing notice — 001 第十条 "拟关停的政务新媒体应将关停公告置顶，公告信息至少
//!   保留30天"; 000 第十一条5 (notice before closing); 004 二(三) (closing
//!   reported 7 working days ahead). An account in status `closing` must
//!   show a pinned notice (a post whose text has a closing keyword) that was
//!   published at least `days` days before its `closing_on` date.
//! * Vanished — the platform says `not_found`/`banned` while the registry
//!   says active/opening: "closed or vanished without notice and filing".
//!   Failed fetches (captcha, blocked, ...) never count; a success resets.

use super::coverage::{outcome_zh, posts_seen_by, require_recent};
use super::{AccountFacts, Finding, RuleContext, RuleId, Verdict, fmt_local, from_ms, local_midnight};
use crate::store::{ObservationRecord, PostRecord};
use chrono::Days;
use xunjian_adapters::model::{ObservationKind, OutcomeClass};

fn is_notice(p: &PostRecord, keywords: &[String]) -> bool {
    keywords.iter().any(|k| p.post.text.contains(k.as_str()))
}

/// The closing-notice check for an account in status `closing`.
pub fn check_closing_notice(facts: &AccountFacts, ctx: &RuleContext<'_>) -> Vec<Finding> {
    let rule = &ctx.rules.closing_notice;
    let f = Finding::new(
        RuleId::ClosingNotice,
        facts.account.id,
        "account",
        rule.citation,
    );
    let name = facts.name_zh();
    let closing_on = facts.account.spec.closing_on;
    // The notice must be up from this moment on.
    let due = closing_on.map(|d| local_midnight(d - Days::new(u64::from(rule.days))));
    let f = match (closing_on, due) {
        (Some(c), Some(d)) => f
            .measure("closing_on", c.to_string())
            .measure("due_ms", d.timestamp_millis()),
        _ => f,
    };
    if let Some(d) = due {
        // Not yet due: say nothing, or warn shortly before.
        let warn_from = d - chrono::TimeDelta::days(i64::from(rule.warning_lead_days));
        if ctx.now < warn_from {
            return Vec::new();
        }
    }
    let last = match require_recent(facts, ObservationKind::Timeline, ctx) {
        Ok(o) => o,
        Err(reason) => return vec![f.not_checked(reason)],
    };
    let f = f.with_evidence([facts.observation_evidence(last, "最近一次成功抓取的时间线")]);
    let seen = posts_seen_by(facts, last);
    let notices: Vec<&PostRecord> = seen
        .iter()
        .copied()
        .filter(|p| is_notice(p, &rule.keywords))
        .collect();
    let pinned = notices
        .iter()
        .copied()
        .filter(|p| p.post.is_pinned)
        .min_by_key(|p| p.post.published_at);
    let days = rule.days;
    let due_text = match (closing_on, due) {
        (Some(c), Some(d)) => format!(
            "应于 {} 前置顶关停公告并保留至 {} 关停（至少 {days} 天）",
            fmt_local(d),
            c
        ),
        _ => format!("应置顶关停公告并至少保留 {days} 天"),
    };
    match pinned {
        Some(p) => {
            let f = f
                .with_evidence([facts.post_evidence(p, "置顶关停公告")])
                .measure("notice_post_id", p.post.id.clone());
            let Some(d) = due else {
                let s = format!(
                    "{name}已置顶关停公告（{} 发布）；台账未填写关停日期，无法核对公告期",
                    fmt_local(p.post.published_at)
                );
                return vec![f.verdict(Verdict::Pass, s)];
            };
            // An approximate time is trusted only through its first sighting,
            // which it certainly precedes.
            let latest_possible = if p.post.published_at_exact {
                p.post.published_at
            } else {
                from_ms(p.first_seen_at_ms)
            };
            if latest_possible <= d {
                let s = format!(
                    "{name}已于 {} 置顶关停公告，公告期满足至少 {days} 天",
                    fmt_local(latest_possible)
                );
                vec![f.verdict(Verdict::Pass, s)]
            } else if !p.post.published_at_exact {
                vec![f.not_checked(format!(
                    "关停公告的发布时间不精确（首次见到于 {}），无法核对公告期",
                    fmt_local(latest_possible)
                ))]
            } else {
                let notice_days = (local_midnight(closing_on.expect("due implies date"))
                    - p.post.published_at)
                    .num_hours() as f64
                    / 24.0;
                let s = format!(
                    "{name}的关停公告于 {} 才发布，距关停日 {} 不足 {days} 天（约 {:.1} 天），{due_text}",
                    fmt_local(p.post.published_at),
                    closing_on.expect("due implies date"),
                    notice_days
                );
                vec![
                    f.measure(
                        "notice_secs",
                        (local_midnight(closing_on.expect("date")) - p.post.published_at)
                            .num_seconds(),
                    )
                    .verdict(Verdict::Violation, s),
                ]
            }
        }
        None => {
            let unpinned = notices
                .first()
                .map(|p| {
                    format!(
                        "（发现未置顶的公告，{} 发布）",
                        fmt_local(p.post.published_at)
                    )
                })
                .unwrap_or_default();
            let f = match notices.first() {
                Some(p) => f.with_evidence([facts.post_evidence(p, "未置顶的关停公告")]),
                None => f,
            };
            match due {
                Some(d) if ctx.now < d => {
                    let s = format!("{name}拟关停，尚未发现置顶关停公告{unpinned}，{due_text}");
                    vec![f.verdict(Verdict::Warning, s)]
                }
                _ => {
                    let s = format!("{name}拟关停，但未置顶关停公告{unpinned}，{due_text}");
                    vec![f.verdict(Verdict::Violation, s)]
                }
            }
        }
    }
}

/// Vanished: the platform's own `not_found`/`banned` for an account the
/// registry says is active. `confirmations` consecutive answers (failed
/// fetches in between are skipped, a success resets) make a violation;
/// fewer make a warning.
pub fn check_vanished(facts: &AccountFacts, ctx: &RuleContext<'_>) -> Vec<Finding> {
    let rule = &ctx.rules.vanished;
    let f = Finding::new(RuleId::Vanished, facts.account.id, "account", rule.citation);
    let now_ms = ctx.now.timestamp_millis();
    let mut answers: Vec<&ObservationRecord> = facts
        .observations
        .iter()
        .filter(|o| {
            // A missing *post* or search result says nothing about the account.
            o.outcome.is_platform_answer()
                && o.observed_at_ms <= now_ms
                && matches!(o.kind, ObservationKind::Profile | ObservationKind::Timeline)
        })
        .collect();
    answers.sort_by_key(|o| (o.observed_at_ms, o.id));
    let Some(latest) = answers.last() else {
        let reason = require_recent(facts, ObservationKind::Profile, ctx)
            .and_then(|_| require_recent(facts, ObservationKind::Timeline, ctx))
            .err()
            .unwrap_or_else(|| "无可用数据源".into());
        return vec![f.not_checked(reason)];
    };
    let name = facts.name_zh();
    if latest.outcome == OutcomeClass::Ok {
        let s = format!(
            "{name}在平台上正常存在（{} 抓取成功）",
            fmt_local(from_ms(latest.observed_at_ms))
        );
        return vec![f.verdict(Verdict::Pass, s)];
    }
    let streak: Vec<&ObservationRecord> = answers
        .iter()
        .rev()
        .take_while(|o| o.outcome != OutcomeClass::Ok)
        .copied()
        .collect();
    let first = streak.last().expect("non-empty");
    let last_ok = answers.iter().rev().find(|o| o.outcome == OutcomeClass::Ok);
    let f = f
        .with_evidence(
            streak
                .iter()
                .rev()
                .map(|o| facts.observation_evidence(o, outcome_zh(o.outcome))),
        )
        .measure("answers", streak.len())
        .measure("first_gone_ms", first.observed_at_ms)
        .measure(
            "last_ok_ms",
            last_ok
                .map(|o| serde_json::Value::from(o.observed_at_ms))
                .unwrap_or_default(),
        );
    let status = facts.account.spec.status.display_name();
    let since = format!(
        "自 {} 起平台 {} 次报告{}（{}）",
        fmt_local(from_ms(first.observed_at_ms)),
        streak.len(),
        outcome_zh(latest.outcome).trim_start_matches("平台报告"),
        latest.outcome.code()
    );
    // "Gone" is the platform's structured word, confirmed: enough answers,
    // from at least two independent endpoints (profile and timeline, or two
    // APIs), spanning at least a day. One endpoint's hiccup, a cache that
    // serves "not found" for an hour, or one bad afternoon is not a closure.
    let mut endpoints: Vec<(ObservationKind, &str)> = streak.iter().map(|o| (o.kind, o.source.as_str())).collect();
    endpoints.sort_by_key(|(k, s)| (k.code(), *s));
    endpoints.dedup();
    let span_ms = latest.observed_at_ms - first.observed_at_ms;
    let f = f.measure("endpoints", endpoints.len()).measure("span_secs", span_ms / 1000);
    let mut missing = Vec::new();
    if (streak.len() as u32) < rule.confirmations {
        missing.push(format!("需连续 {} 次", rule.confirmations));
    }
    if endpoints.len() < VANISHED_MIN_ENDPOINTS {
        missing.push(format!("需 {VANISHED_MIN_ENDPOINTS} 个独立接口（如主页资料与时间线）一致"));
    }
    if span_ms < VANISHED_MIN_SPAN_MS {
        missing.push("首末两次须相隔至少 24 小时".to_string());
    }
    if missing.is_empty() {
        let s = format!("{name}在台账中为“{status}”，但{since}，疑似未经公告和备案关停或消失");
        vec![f.verdict(Verdict::Violation, s)]
    } else {
        let s = format!("{name}{since}，待再次确认（{}）", missing.join("，"));
        vec![f.verdict(Verdict::Warning, s)]
    }
}

/// Independent endpoints (kind + source) that must agree before an account
/// is taken as gone.
const VANISHED_MIN_ENDPOINTS: usize = 2;
/// How far apart the first and the last "gone" answer must be.
const VANISHED_MIN_SPAN_MS: i64 = 24 * 3_600_000;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use crate::accounts::LifecycleStatus;
    use crate::rules::evaluate_account;
    use crate::rules::settings::ProfileName;
    use crate::rules::testkit::*;

    const NOW: &str = "2026-11-21T10:00:00+08:00";

    fn closing(k: &Kit, closing_on: Option<&str>, notice: Option<(&str, bool)>) -> Vec<Finding> {
        let mut f = k.facts();
        f.account.spec.status = LifecycleStatus::Closing;
        f.account.spec.closing_on =
            closing_on.map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap());
        k.timeline(&mut f, 1, NOW, OutcomeClass::Ok);
        add_post(&mut f, 1, post("p1", "2026-11-20T10:00:00+08:00"));
        if let Some((at, pinned)) = notice {
            let mut p = post("n1", at);
            p.text = "关于本账号停止更新的公告".into();
            p.is_pinned = pinned;
            add_post(&mut f, 1, p);
        }
        evaluate_account(&f, &k.ctx())
    }

    #[test]
    fn notice_must_be_pinned_thirty_days_before_closing() {
        let k = Kit::with(NOW, ProfileName::Baoji);
        // Closing 2026-12-21: notice due by 2026-11-21 00:00.
        let v = closing(
            &k,
            Some("2026-12-21"),
            Some(("2026-11-20T23:59:00+08:00", true)),
        );
        assert_eq!(v.len(), 1, "a closing account gets only this rule: {v:?}");
        assert_eq!(v[0].verdict, Verdict::Pass, "{}", v[0].summary_zh);
        assert_eq!(
            v[0].citation.to_string(),
            "《宝鸡市政府系统政务新媒体管理办法》第十条"
        );
        let v = closing(
            &k,
            Some("2026-12-21"),
            Some(("2026-11-21T00:01:00+08:00", true)),
        );
        assert_eq!(v[0].verdict, Verdict::Violation, "{}", v[0].summary_zh);
        assert!(
            v[0].summary_zh.contains("不足 30 天"),
            "{}",
            v[0].summary_zh
        );
        // Present but not pinned.
        let v = closing(
            &k,
            Some("2026-12-21"),
            Some(("2026-11-01T10:00:00+08:00", false)),
        );
        assert_eq!(v[0].verdict, Verdict::Violation);
        assert!(
            v[0].summary_zh.contains("未置顶的公告"),
            "{}",
            v[0].summary_zh
        );
        // No notice at all, already due.
        assert_eq!(
            closing(&k, Some("2026-12-21"), None)[0].verdict,
            Verdict::Violation
        );
    }

    #[test]
    fn before_the_notice_is_due() {
        let k = Kit::with(NOW, ProfileName::Baoji);
        // Due 2026-11-25: within the 7-day lead → warning.
        assert_eq!(
            closing(&k, Some("2026-12-25"), None)[0].verdict,
            Verdict::Warning
        );
        // Due 2026-11-29 00:00, warn from 11-22 00:00: silence.
        assert!(closing(&k, Some("2026-12-29"), None).is_empty());
        // Due 2026-11-28 00:00, warn from 11-21 00:00: warning.
        assert_eq!(
            closing(&k, Some("2026-12-28"), None)[0].verdict,
            Verdict::Warning
        );
    }

    #[test]
    fn no_closing_date_checks_presence_only() {
        let k = Kit::with(NOW, ProfileName::Longxian);
        let v = closing(&k, None, Some(("2026-11-19T10:00:00+08:00", true)));
        assert_eq!(v[0].verdict, Verdict::Pass);
        assert_eq!(v[0].citation.article, "第十一条第5项");
        assert_eq!(closing(&k, None, None)[0].verdict, Verdict::Violation);
    }

    #[test]
    fn closing_account_that_cannot_be_observed_is_not_checked() {
        let k = Kit::with(NOW, ProfileName::Baoji);
        let mut f = k.facts();
        f.account.spec.status = LifecycleStatus::Closing;
        k.timeline(&mut f, 1, NOW, OutcomeClass::LoginRequired);
        let v = evaluate_account(&f, &k.ctx());
        assert!(
            matches!(&v[0].verdict, Verdict::NotChecked { reason } if reason.contains("要求登录")),
            "{v:?}"
        );
    }

    /// One answer every 13 hours, alternating profile and timeline reads.
    fn vanished(outcomes: &[OutcomeClass]) -> Finding {
        vanished_at(outcomes, 13, &[ObservationKind::Profile, ObservationKind::Timeline])
    }

    fn vanished_at(outcomes: &[OutcomeClass], every_hours: i64, kinds: &[ObservationKind]) -> Finding {
        let k = Kit::with(NOW, ProfileName::Baoji);
        let mut f = k.facts();
        let n = outcomes.len() as i64;
        for (i, o) in outcomes.iter().enumerate() {
            let at = (k.now - chrono::TimeDelta::hours(every_hours * (n - i as i64))).to_rfc3339();
            k.obs(&mut f, i as i64 + 1, kinds[i % kinds.len()], &at, *o);
        }
        let mut v = check_vanished(&f, &k.ctx());
        v.remove(0)
    }

    #[test]
    fn vanished_needs_two_endpoints_a_day_apart() {
        use OutcomeClass::*;
        // Two profile answers a day apart: one endpoint only.
        let f = vanished_at(&[Ok, NotFound, NotFound], 25, &[ObservationKind::Profile]);
        assert_eq!(f.verdict, Verdict::Warning, "{}", f.summary_zh);
        assert!(f.summary_zh.contains("独立接口"), "{}", f.summary_zh);
        // Profile and timeline agree, but within two hours.
        let f = vanished_at(&[Ok, NotFound, NotFound], 1, &[ObservationKind::Profile, ObservationKind::Timeline]);
        assert_eq!(f.verdict, Verdict::Warning, "{}", f.summary_zh);
        assert!(f.summary_zh.contains("24 小时"), "{}", f.summary_zh);
        // Both, a day apart: gone.
        let f = vanished_at(&[Ok, NotFound, NotFound], 25, &[ObservationKind::Profile, ObservationKind::Timeline]);
        assert_eq!(f.verdict, Verdict::Violation, "{}", f.summary_zh);
        assert_eq!(f.measured["endpoints"], 2);
    }

    #[test]
    fn vanished_needs_confirmed_platform_answers() {
        use OutcomeClass::*;
        assert_eq!(vanished(&[Ok]).verdict, Verdict::Pass);
        assert_eq!(vanished(&[Ok, NotFound]).verdict, Verdict::Warning);
        // Timeline says not found, profile says banned 39 hours later.
        let f = vanished(&[Ok, NotFound, Captcha, Captcha, Banned]);
        assert_eq!(
            f.verdict,
            Verdict::Violation,
            "failures in between are skipped"
        );
        assert!(
            f.summary_zh.contains("在台账中为“正常”"),
            "{}",
            f.summary_zh
        );
        assert_eq!(f.measured["answers"], 2);
        assert_eq!(
            vanished(&[NotFound, NotFound, Ok]).verdict,
            Verdict::Pass,
            "a success resets"
        );
        // Only failures: never vanished.
        assert!(matches!(
            vanished(&[
                Blocked,
                Captcha,
                Throttled,
                ParseError,
                NetworkError,
                LoginRequired
            ])
            .verdict,
            Verdict::NotChecked { .. }
        ));
    }
}
