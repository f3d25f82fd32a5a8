//! Coverage: has the account been observed well enough to judge?
//!
//! A rule asks for the newest *successful* observation of the kind it reads
//! (timeline for post rules, profile for profile rules) no older than
//! `coverage_hours`. Without one it returns "not checked" with a reason built
//! here, e.g. `自 2026-11-02 09:00 起被平台拦截（blocked），共 5 次；最近一次成功抓取为 2026-10-30 08:00`.

use super::{AccountFacts, RuleContext, fmt_local_ms};
use crate::store::{ObservationRecord, PostRecord};
use chrono::{DateTime, Utc};
use xunjian_adapters::model::{ObservationKind, OutcomeClass};

/// What a failure class means, in a report's words.
pub fn outcome_zh(c: OutcomeClass) -> &'static str {
    match c {
        OutcomeClass::Ok => "抓取成功",
        OutcomeClass::NotFound => "平台报告账号不存在",
        OutcomeClass::Banned => "平台报告账号被封禁",
        OutcomeClass::Blocked => "被平台拦截",
        OutcomeClass::Captcha => "遇到验证码",
        OutcomeClass::LoginRequired => "平台要求登录",
        OutcomeClass::Throttled => "被平台限流",
        OutcomeClass::ParseError => "页面解析失败",
        OutcomeClass::NetworkError => "网络错误",
    }
}

fn kind_zh(k: ObservationKind) -> &'static str {
    match k {
        ObservationKind::Profile => "主页资料",
        ObservationKind::Timeline => "时间线",
        ObservationKind::Post => "单条信息",
        ObservationKind::Search => "搜索",
        ObservationKind::Page => "网页",
        ObservationKind::Portal => "门户网站首页",
    }
}

/// Observations of `kind` up to `now`, oldest first.
fn of_kind(
    facts: &AccountFacts,
    kind: ObservationKind,
    now: DateTime<Utc>,
) -> Vec<&ObservationRecord> {
    let now_ms = now.timestamp_millis();
    let mut v: Vec<_> = facts
        .observations
        .iter()
        .filter(|o| o.kind == kind && o.observed_at_ms <= now_ms)
        .collect();
    v.sort_by_key(|o| (o.observed_at_ms, o.id));
    v
}

/// The newest successful observation of `kind` within the coverage window,
/// or the reason there is none.
pub fn require_recent<'f>(
    facts: &'f AccountFacts,
    kind: ObservationKind,
    ctx: &RuleContext<'_>,
) -> Result<&'f ObservationRecord, String> {
    let all = of_kind(facts, kind, ctx.now);
    let window_start_ms =
        ctx.now.timestamp_millis() - i64::from(ctx.rules.coverage_hours) * 3_600_000;
    let last_ok = all
        .iter()
        .rev()
        .find(|o| o.outcome == OutcomeClass::Ok)
        .copied();
    if let Some(ok) = last_ok
        && ok.observed_at_ms >= window_start_ms
    {
        return Ok(ok);
    }
    if all.is_empty() {
        return Err(format!(
            "无可用数据源：尚无{}抓取记录（no {} observation）",
            kind_zh(kind),
            kind.code()
        ));
    }
    let since: Vec<&ObservationRecord> = match last_ok {
        Some(ok) => all
            .iter()
            .filter(|o| o.observed_at_ms > ok.observed_at_ms)
            .copied()
            .collect(),
        None => all.clone(),
    };
    let last_ok_text = match last_ok {
        Some(ok) => format!("最近一次成功抓取为 {}", fmt_local_ms(ok.observed_at_ms)),
        None => "从未成功抓取".to_string(),
    };
    // The platform's own word that the account is gone outranks a stale success.
    if let Some(gone) = since
        .iter()
        .rev()
        .find(|o| matches!(o.outcome, OutcomeClass::NotFound | OutcomeClass::Banned))
    {
        return Err(format!(
            "{}（{}，{}），见“账号消失”检查；{}",
            outcome_zh(gone.outcome),
            gone.outcome.code(),
            fmt_local_ms(gone.observed_at_ms),
            last_ok_text
        ));
    }
    match since.last() {
        Some(latest) => {
            // The streak of the latest failure class.
            let class = latest.outcome;
            let start = since
                .iter()
                .rev()
                .take_while(|o| o.outcome == class)
                .last()
                .unwrap_or(latest);
            let others = since.len() - since.iter().filter(|o| o.outcome == class).count();
            let mut reason = format!(
                "自 {} 起{}（{}），共 {} 次{}抓取失败",
                fmt_local_ms(start.observed_at_ms),
                outcome_zh(class),
                class.code(),
                since.len(),
                kind_zh(kind)
            );
            if others > 0 {
                reason.push_str(&format!("（其中 {others} 次为其他原因）"));
            }
            if let Some(detail) = latest.detail.as_deref().filter(|d| !d.is_empty()) {
                reason.push_str(&format!("，最近一次：{detail}"));
            }
            reason.push('；');
            reason.push_str(&last_ok_text);
            Err(reason)
        }
        None => Err(format!(
            "{}，已超过 {} 小时没有新的成功抓取",
            last_ok_text, ctx.rules.coverage_hours
        )),
    }
}

/// Posts the given observation saw, as far as the store tells: those whose
/// `last_observation_id` is it. Exact for the newest observation of an
/// account (a later detail fetch may claim a few; that only shrinks the
/// set, which makes rules more cautious, never bolder).
pub fn posts_seen_by<'f>(facts: &'f AccountFacts, obs: &ObservationRecord) -> Vec<&'f PostRecord> {
    facts
        .posts
        .iter()
        .filter(|p| p.last_observation_id == Some(obs.id))
        .collect()
}

/// The newest successful timeline observation (any age), when it saw posts
/// reaching back to or before `since` (so nothing published in
/// `[since, observed_at]` can have been missed by paging).
pub fn timeline_reaches_back<'f>(
    facts: &'f AccountFacts,
    since: DateTime<Utc>,
    ctx: &RuleContext<'_>,
) -> Option<&'f ObservationRecord> {
    let all = of_kind(facts, ObservationKind::Timeline, ctx.now);
    let last_ok = all
        .iter()
        .rev()
        .find(|o| o.outcome == OutcomeClass::Ok)
        .copied()?;
    let oldest = posts_seen_by(facts, last_ok)
        .into_iter()
        .filter(|p| !p.post.is_pinned)
        .map(|p| p.post.published_at)
        .min()?;
    (oldest <= since).then_some(last_ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testkit::*;

    #[test]
    fn recent_success_covers() {
        let k = Kit::new("2026-11-21T10:00:00+08:00");
        let mut f = k.facts();
        k.timeline(&mut f, 1, "2026-11-20T10:00:01+08:00", OutcomeClass::Ok);
        assert_eq!(
            require_recent(&f, ObservationKind::Timeline, &k.ctx())
                .unwrap()
                .id,
            1
        );
    }

    #[test]
    fn success_just_outside_the_window_is_not_enough() {
        let k = Kit::new("2026-11-21T10:00:00+08:00");
        let mut f = k.facts();
        // 48 h and one second ago.
        k.timeline(&mut f, 1, "2026-11-19T09:59:59+08:00", OutcomeClass::Ok);
        let r = require_recent(&f, ObservationKind::Timeline, &k.ctx()).unwrap_err();
        assert!(r.contains("已超过 48 小时"), "{r}");
        k.timeline(&mut f, 2, "2026-11-19T10:00:00+08:00", OutcomeClass::Ok);
        assert!(require_recent(&f, ObservationKind::Timeline, &k.ctx()).is_ok());
    }

    #[test]
    fn blocked_streak_is_named_with_its_start() {
        let k = Kit::new("2026-11-21T10:00:00+08:00");
        let mut f = k.facts();
        k.timeline(&mut f, 1, "2026-10-30T08:00:00+08:00", OutcomeClass::Ok);
        k.timeline(
            &mut f,
            2,
            "2026-11-01T09:00:00+08:00",
            OutcomeClass::Captcha,
        );
        k.timeline(
            &mut f,
            3,
            "2026-11-02T09:00:00+08:00",
            OutcomeClass::Blocked,
        );
        k.timeline(
            &mut f,
            4,
            "2026-11-20T09:00:00+08:00",
            OutcomeClass::Blocked,
        );
        let r = require_recent(&f, ObservationKind::Timeline, &k.ctx()).unwrap_err();
        assert!(r.starts_with("自 2026-11-02 09:00 起被平台拦截（blocked），共 3 次时间线抓取失败（其中 1 次为其他原因）"), "{r}");
        assert!(r.ends_with("最近一次成功抓取为 2026-10-30 08:00"), "{r}");
    }

    #[test]
    fn no_observation_at_all_means_no_source() {
        let k = Kit::new("2026-11-21T10:00:00+08:00");
        let f = k.facts();
        let r = require_recent(&f, ObservationKind::Profile, &k.ctx()).unwrap_err();
        assert!(r.starts_with("无可用数据源"), "{r}");
    }

    #[test]
    fn observations_after_now_are_ignored() {
        let k = Kit::new("2026-11-21T10:00:00+08:00");
        let mut f = k.facts();
        k.timeline(&mut f, 1, "2026-11-21T10:00:01+08:00", OutcomeClass::Ok);
        assert!(require_recent(&f, ObservationKind::Timeline, &k.ctx()).is_err());
    }
}
