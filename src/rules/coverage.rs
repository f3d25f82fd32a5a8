//! Coverage: has the account been observed well enough to judge?
//!
//! A rule asks for the newest *successful* observation of the kind it reads
//! (timeline for post rules, profile for profile rules) no older than
//! `coverage_hours`. Without one it returns "not checked" with a reason built
//! here, e.g. `自 2026-11-02 09:00 起被平台拦截（blocked），共 5 次；最近一次成功抓取为 2026-10-30 08:00`.

use super::{AccountFacts, RuleContext, fmt_local_ms};
use crate::store::{ObservationRecord, PostRecord, ReadCompleteness};
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
        OutcomeClass::WrongAccount => "平台返回的是其他账号的数据",
        OutcomeClass::StaleSource => "数据源已停止更新",
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

/// The moment a successful read speaks for: when its request was sent (a
/// page answered after a slow minute shows what was there when it was
/// asked, not what was posted while it travelled), or, for a relay that
/// states its own last update (feed `lastBuildDate` / Atom `updated`), that
/// update if earlier. A relay answering today with its state of ten days
/// ago says nothing about the ten days between: silence and missed
/// deadlines are counted only up to this moment.
pub fn read_as_of_ms(obs: &ObservationRecord) -> i64 {
    let asked = obs.observed_at_ms - obs.duration_ms.max(0);
    obs.reach.source_updated_at_ms.map_or(asked, |u| u.min(asked))
}

/// How long before a timeline read a profile read may be and still count
/// as part of the same look (the poll reads the profile, then the timeline).
const SAME_LOOK_MS: i64 = 15 * 60_000;

/// The account's post count as stated at the moment of `obs`: the
/// timeline read's own count, else the profile read of the same look.
fn post_count_at(facts: &AccountFacts, obs: &ObservationRecord) -> Option<i64> {
    obs.reach.post_count.or_else(|| {
        facts
            .profiles
            .iter()
            .filter(|p| p.observed_at_ms <= obs.observed_at_ms && obs.observed_at_ms - p.observed_at_ms <= SAME_LOOK_MS)
            .max_by_key(|p| p.observed_at_ms)
            .and_then(|p| p.profile.post_count)
    })
}

/// The newest non-pinned post a read showed (from the posts it last saw).
fn newest_unpinned_seen(facts: &AccountFacts, obs: &ObservationRecord) -> Option<DateTime<Utc>> {
    posts_seen_by(facts, obs).into_iter().filter(|p| !p.post.is_pinned).map(|p| p.post.published_at).max()
}

/// Whether one successful timeline read proves the account's silence up to
/// its moment (law 1: silence is proved, never assumed), given the reads
/// before it that did (`earlier_proofs`, newest first). `stale_after_ms`
/// is how old a relay's own "last updated" may be before its answer
/// proves nothing (the zombie limit: a relay silent that long would hide
/// exactly what the rule looks for).
///
/// * A read that showed the newest non-pinned post proves it — unless the
///   source says it stopped updating, or the platform's post count grew
///   since the last proving read while no newer post was seen (a post
///   exists that this read did not show: incomplete).
/// * A read that showed nothing beyond pinned posts proves it when the
///   platform's own count agrees in the same answer, or when the count is
///   unchanged since the last proving read.
/// * Reads stored before the store kept completeness are judged as before.
pub fn read_proves_silence(
    facts: &AccountFacts,
    obs: &ObservationRecord,
    earlier_proofs: &[&ObservationRecord],
    stale_after_ms: i64,
) -> Result<(), String> {
    if let Some(updated) = obs.reach.source_updated_at_ms
        && obs.observed_at_ms - updated > stale_after_ms
    {
        return Err(format!(
            "数据源已停止更新（stale_source）：{} 抓取的订阅源自称最后更新于 {}",
            fmt_local_ms(obs.observed_at_ms),
            fmt_local_ms(updated)
        ));
    }
    let count = post_count_at(facts, obs);
    let previous = earlier_proofs.first().copied();
    let previous_count = previous.and_then(|p| post_count_at(facts, p));
    match obs.reach.completeness {
        None | Some(ReadCompleteness::Nothing) => Ok(()),
        Some(ReadCompleteness::ReachesBack) => {
            if let (Some(now_n), Some(then_n), Some(prev)) = (count, previous_count, previous)
                && now_n > then_n
                && newest_unpinned_seen(facts, obs) <= newest_unpinned_seen(facts, prev)
            {
                return Err(format!(
                    "时间线抓取不完整（incomplete）：平台显示的信息总数由 {then_n} 增至 {now_n}，但 {} 的抓取未见新信息",
                    fmt_local_ms(obs.observed_at_ms)
                ));
            }
            Ok(())
        }
        Some(ReadCompleteness::Unresolved) => match (count, previous_count) {
            (Some(now_n), Some(then_n)) if now_n == then_n => Ok(()),
            _ => Err(format!(
                "{} 的时间线抓取未能证明无更新（unresolved）：只见置顶信息或列表为空，且平台的信息总数不能佐证",
                fmt_local_ms(obs.observed_at_ms)
            )),
        },
    }
}

/// The newest successful timeline read within the coverage window that
/// proves the account's silence up to its moment (see
/// [`read_proves_silence`]), or why there is none.
pub fn require_silence_proof<'f>(
    facts: &'f AccountFacts,
    ctx: &RuleContext<'_>,
    stale_after_ms: i64,
) -> Result<&'f ObservationRecord, String> {
    let oks: Vec<&ObservationRecord> = of_kind(facts, ObservationKind::Timeline, ctx.now)
        .into_iter()
        .filter(|o| o.outcome == OutcomeClass::Ok)
        .collect();
    let mut proofs: Vec<&ObservationRecord> = Vec::new(); // newest first
    let mut newest_refusal: Option<(i64, String)> = None;
    for o in &oks {
        match read_proves_silence(facts, o, &proofs, stale_after_ms) {
            Ok(()) => {
                proofs.insert(0, o);
                newest_refusal = None;
            }
            Err(reason) => newest_refusal = Some((o.observed_at_ms, reason)),
        }
    }
    let window_start_ms = ctx.now.timestamp_millis() - i64::from(ctx.rules.coverage_hours) * 3_600_000;
    match (proofs.first(), newest_refusal) {
        (Some(p), None) if p.observed_at_ms >= window_start_ms => Ok(p),
        (_, Some((at, reason))) if at >= window_start_ms => {
            let last = proofs
                .first()
                .map(|p| format!("；最近一次能证明的抓取为 {}", fmt_local_ms(p.observed_at_ms)))
                .unwrap_or_default();
            Err(format!("{reason}{last}"))
        }
        _ => require_recent(facts, ObservationKind::Timeline, ctx).and_then(|o| {
            Err(format!("{} 之后没有能证明无更新的时间线抓取", fmt_local_ms(o.observed_at_ms)))
        }),
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
    let oldest = match last_ok.reach.completeness {
        // Nothing beyond pinned posts, and the platform's count agrees.
        Some(ReadCompleteness::Nothing) => return Some(last_ok),
        Some(ReadCompleteness::Unresolved) => return None,
        Some(ReadCompleteness::ReachesBack) | None => last_ok.reach.reach_from_ms.map(super::from_ms).or_else(|| {
            posts_seen_by(facts, last_ok).into_iter().filter(|p| !p.post.is_pinned).map(|p| p.post.published_at).min()
        })?,
    };
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
