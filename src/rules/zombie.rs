//! Not updated (僵尸/睡眠账号) and the weekly original post.
//!
//! * Zombie: 001 第十六条 (>14 days), 004 六(三) (>15 days), 000 第十四条6
//!   (daily), national "监测时间点前2周内无更新". Silence is measured from the
//!   newest post to the newest successful timeline observation — the last
//!   moment we actually know about — never to a moment we did not look.
//! * Weekly original: 001 第十六条 "每周至少发布1条原创信息", judged on the
//!   last complete natural week (Monday–Sunday, Asia/Shanghai). A post is
//!   original only when its source can tell (see [`originality`]); a week
//!   whose posts come only from sources that cannot is "could not check".

use super::coverage::{read_as_of_ms, require_recent, require_silence_proof, timeline_reaches_back};
use super::{
    AccountFacts, Finding, RuleContext, RuleId, Verdict, fmt_duration_zh, fmt_local, from_ms, local_midnight,
};
use crate::store::{ObservationRecord, PostRecord};
use chrono::{DateTime, Datelike, Days, TimeDelta, Utc};
use chrono_tz::Asia::Shanghai;
use xunjian_adapters::model::{ObservationKind, OutcomeClass};

/// The latest moment a post can have been published.
///
/// An exact time is itself. An approximate one (published_at_exact = false:
/// "3小时前", a month-day without year) may be wrong in either direction, so
/// the rule uses the moment the post was first seen: it was certainly
/// published by then. That can only make the account look *more* recent, so
/// an approximate time never produces a violation it would not deserve.
fn latest_possible(p: &PostRecord) -> DateTime<Utc> {
    if p.post.published_at_exact {
        p.post.published_at
    } else {
        from_ms(p.first_seen_at_ms)
    }
}

/// A silence for sentences that compare it with a limit of `limit_days`:
/// as [`fmt_duration_zh`], except that at the limit's day count the hours
/// are always shown, and the minutes (or seconds) when there are no hours.
/// "已 14 天未更新……超过 14 天" for 14 days and 12 minutes reads as no
/// breach; "14 天 0 小时 12 分钟" shows it.
fn fmt_silence_zh(silent: TimeDelta, limit_days: u32) -> String {
    let secs = silent.num_seconds();
    let (days, hours, mins) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60);
    if days != i64::from(limit_days) {
        return fmt_duration_zh(silent);
    }
    if hours > 0 {
        format!("{days} 天 {hours} 小时")
    } else if mins > 0 {
        format!("{days} 天 0 小时 {mins} 分钟")
    } else if secs % 60 > 0 {
        format!("{days} 天 0 小时 0 分钟 {} 秒", secs % 60)
    } else {
        format!("{days} 天")
    }
}

/// Zombie: silent for more than `days` days.
///
/// Pinned posts count by their own publish time, never by their place on
/// top of the timeline: an old pinned post does not make an account look
/// active, and a new post that happens to be pinned is still an update. So
/// when every known post is pinned, the silence runs from the newest of them.
/// An account with no post at all has been silent at least since it was
/// opened (registry `opened_on`) and since the first successful timeline
/// observation that saw it — whichever is earlier.
pub fn check_zombie(facts: &AccountFacts, ctx: &RuleContext<'_>) -> Vec<Finding> {
    let rule = &ctx.rules.zombie;
    let f = Finding::new(RuleId::Zombie, facts.account.id, "account", rule.citation);
    let limit = TimeDelta::days(i64::from(rule.days));
    // Silence is counted only up to the newest read that proves it: an old
    // pinned post alone, an empty list, a relay that stopped updating or a
    // read missing a post the platform's count shows prove nothing.
    let last = match require_silence_proof(facts, ctx, limit.num_milliseconds()) {
        Ok(o) => o,
        Err(reason) => return vec![f.not_checked(reason)],
    };
    // A relay's answer speaks only up to its own last update.
    let checked_at = from_ms(read_as_of_ms(last));
    let f = f
        .with_evidence([facts.observation_evidence(last, "最近一次成功抓取的时间线")])
        .measure("checked_at_ms", checked_at.timestamp_millis());
    let name = facts.name_zh();

    let newest = facts
        .posts
        .iter()
        .filter(|p| latest_possible(p) <= ctx.now)
        .max_by_key(|p| latest_possible(p));
    let (since, since_text, f) = match newest {
        Some(p) => {
            let at = latest_possible(p);
            let what = if p.post.is_pinned {
                "最近一条信息（置顶）"
            } else {
                "最近一条信息"
            };
            let exact = if p.post.published_at_exact {
                ""
            } else {
                "（平台仅给出约略时间，按首次抓取时间计）"
            };
            let text = format!("{what}发布于 {}{exact}", fmt_local(at));
            let f = f
                .with_evidence([facts.post_evidence(p, what)])
                .measure("latest_post_id", p.post.id.clone())
                .measure("latest_post_ms", at.timestamp_millis())
                .measure("latest_post_exact", p.post.published_at_exact);
            (at, text, f)
        }
        None => {
            let opened = facts.account.spec.opened_on.map(local_midnight);
            let first_ok = facts
                .observations
                .iter()
                .filter(|o| {
                    o.kind == ObservationKind::Timeline
                        && o.outcome == OutcomeClass::Ok
                        && o.observed_at_ms <= ctx.now.timestamp_millis()
                })
                .map(|o| from_ms(o.observed_at_ms))
                .min()
                .unwrap_or(checked_at);
            let since = opened.map_or(first_ok, |o| o.min(first_ok));
            let text = format!("未发现任何信息，自 {} 起无更新", fmt_local(since));
            (
                since,
                text,
                f.measure("latest_post_ms", serde_json::Value::Null),
            )
        }
    };
    let silent = (checked_at - since).max(TimeDelta::zero());
    let f = f
        .measure("silent_secs", silent.num_seconds())
        .measure("limit_secs", limit.num_seconds());
    let lead = TimeDelta::days(i64::from(rule.warning_lead_days));
    if silent > limit {
        let s = format!(
            "{name}已 {}未更新（{since_text}，截至 {} 抓取），超过 {} 天的规定",
            fmt_silence_zh(silent, rule.days),
            fmt_local(checked_at),
            rule.days
        );
        vec![f.verdict(Verdict::Violation, s)]
    } else if rule.warning_lead_days > 0 && silent > limit - lead {
        let s = format!(
            "{name}已 {}未更新（{since_text}），若 {} 前仍不更新将超过 {} 天的规定",
            fmt_silence_zh(silent, rule.days),
            fmt_local(since + limit),
            rule.days
        );
        vec![
            f.verdict(Verdict::Warning, s)
                .measure("deadline_ms", (since + limit).timestamp_millis()),
        ]
    } else {
        let s = format!("{name}{since_text}，未超过 {} 天", rule.days);
        vec![f.verdict(Verdict::Pass, s)]
    }
}

/// Words that show a post was taken from elsewhere, on any platform and
/// whatever the platform's own flag says (a feed marks every item original).
/// Read in the head of the text only (see [`shows_repost_marker`]).
pub const REPOST_MARKERS: [&str; 5] = ["转载", "来源：", "来源:", "原标题", "转自"];

/// How much of a post's text is read for a repost marker: a repost says so
/// where it starts (“转载｜”, “原标题：”, a 来源 line under the title); the
/// end of an original article carries its own boilerplate (“转载请注明出处”).
const MARKER_HEAD_CHARS: usize = 80;

/// Whether the head of `text` says the post was taken from elsewhere. Not
/// when the word is the original's own notice about reposting (禁止转载,
/// 转载请注明…), nor when the named source is the account itself
/// (来源：宝鸡市交通运输局 on that bureau's own article). A false "repost"
/// could make a week of originals a violation, so doubt reads as original
/// here and the rule's other evidence decides.
pub(crate) fn shows_repost_marker(text: &str, own_names: &[&str]) -> bool {
    let head: String = text.chars().take(MARKER_HEAD_CHARS).collect();
    let own = |source: &str| {
        let source: String = source
            .chars()
            .take_while(|c| !matches!(c, '\n' | ' ' | '　' | '|' | '｜' | '，' | '。' | '）' | ')' | '】'))
            .collect();
        !source.is_empty()
            && own_names
                .iter()
                .filter(|n| n.chars().count() >= 2)
                .any(|n| n.contains(source.as_str()) || source.contains(n))
    };
    REPOST_MARKERS.iter().any(|m| {
        head.match_indices(m).any(|(at, _)| {
            let before: String = head[..at].chars().rev().take(2).collect::<Vec<_>>().into_iter().rev().collect();
            let after = &head[at + m.len()..];
            match *m {
                "转载" => {
                    let notice = ["禁止", "谢绝", "请勿", "未经", "授权", "欢迎", "严禁", "不得", "不可", "如需"].iter().any(|w| before.ends_with(w))
                        || after.starts_with(['请', '须', '需', '时', '务', '应']);
                    !notice
                }
                "来源：" | "来源:" => !own(after.trim_start()),
                _ => true,
            }
        })
    })
}

/// The names an account's own articles give as their 来源.
fn own_names(facts: &AccountFacts) -> Vec<&str> {
    let spec = &facts.account.spec;
    let mut names = vec![spec.display_name.as_str()];
    names.extend(spec.owner_unit.as_deref());
    names
}

/// What is known about whether a post is the account's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Originality {
    Original,
    Repost,
    /// The source cannot tell, and the text shows no repost marker.
    Unknown { via_feed: bool },
}

/// Whether `p` is original, as far as anything shows it.
///
/// A repost link, a platform flag saying "not original" or a repost marker
/// in the text ([`REPOST_MARKERS`]) make it a repost. Otherwise it is
/// original only when it was read where reposts are recognisable: from the
/// platform itself (not a feed: RSS items and RSSHub relays of WeChat carry
/// no repost information and are all marked original) on a platform whose
/// adapter reads repost links (`Capability::RepostSource`: Weibo,
/// Bilibili). The read is the post's last sighting; when that observation
/// is not among the facts, every successful timeline read of the account
/// loaded must be a platform read.
pub(crate) fn originality(facts: &AccountFacts, p: &PostRecord) -> Originality {
    if p.post.repost_of.is_some()
        || !p.post.is_original
        || shows_repost_marker(&p.post.text, &own_names(facts))
    {
        return Originality::Repost;
    }
    let is_feed = |o: &ObservationRecord| o.source == xunjian_adapters::feed::SRC_FEED;
    let via_feed = match p
        .last_observation_id
        .and_then(|id| facts.observations.iter().find(|o| o.id == id))
    {
        Some(o) => is_feed(o),
        None => {
            let mut reads = facts
                .observations
                .iter()
                .filter(|o| o.kind == ObservationKind::Timeline && o.outcome == OutcomeClass::Ok)
                .peekable();
            reads.peek().is_none() || reads.any(is_feed)
        }
    };
    let platform_tells = xunjian_adapters::capabilities(facts.account.spec.platform)
        .supports(xunjian_adapters::Capability::RepostSource);
    if platform_tells && !via_feed {
        Originality::Original
    } else {
        Originality::Unknown { via_feed }
    }
}

/// Weekly original: at least one original post in the last complete natural
/// week. A week is a violation only when a successful timeline observation
/// after the week's end saw posts reaching back before its start (so paging
/// cannot have hidden one); an original found in the week passes whatever
/// the coverage.
pub fn check_weekly_original(facts: &AccountFacts, ctx: &RuleContext<'_>) -> Vec<Finding> {
    let rule = &ctx.rules.weekly_original;
    let today = ctx.now.with_timezone(&Shanghai).date_naive();
    let this_monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    let monday = this_monday - Days::new(7);
    let sunday = this_monday - Days::new(1);
    if facts.account.spec.opened_on.is_some_and(|d| d > monday) {
        return Vec::new(); // opened during or after that week: not a whole week to judge
    }
    let (ws, we) = (local_midnight(monday), local_midnight(this_monday));
    let iso = monday.iso_week();
    let subject = format!("week:{}-W{:02}", iso.year(), iso.week());
    let label = format!(
        "{} 至 {} 这一周",
        monday.format("%Y-%m-%d"),
        sunday.format("%Y-%m-%d")
    );
    let f = Finding::new(
        RuleId::WeeklyOriginal,
        facts.account.id,
        subject,
        rule.citation,
    )
    .measure("week_start_ms", ws.timestamp_millis())
    .measure("week_end_ms", we.timestamp_millis());
    let name = facts.name_zh();

    let in_week: Vec<(&PostRecord, Originality)> = facts
        .posts
        .iter()
        .filter(|p| p.post.published_at >= ws && p.post.published_at < we)
        .map(|p| (p, originality(facts, p)))
        .collect();
    let originals: Vec<&PostRecord> = in_week
        .iter()
        .filter(|(_, o)| *o == Originality::Original)
        .map(|(p, _)| *p)
        .collect();
    let unknown: Vec<bool> = in_week
        .iter()
        .filter_map(|(_, o)| match o {
            Originality::Unknown { via_feed } => Some(*via_feed),
            _ => None,
        })
        .collect();
    if let Some(p) = originals.iter().min_by_key(|p| p.post.published_at) {
        let s = format!("{name}在{label}发布原创信息 {} 条", originals.len());
        return vec![
            f.with_evidence([facts.post_evidence(p, "该周原创信息")])
                .measure("originals", originals.len())
                .verdict(Verdict::Pass, s),
        ];
    }
    // Posts the source cannot classify may be originals: no violation
    // rests on them.
    if !unknown.is_empty() {
        let why = if unknown.iter().any(|f| *f) {
            "经 RSS/转发源订阅读取，订阅源不区分原创与转载".to_string()
        } else {
            format!("{}不标明信息是否为转载", facts.account.spec.platform.display_name())
        };
        return vec![f
            .measure("posts_in_week", in_week.len())
            .measure("originality_unknown", unknown.len())
            .not_checked(format!(
                "{label}的 {} 条信息无法判断是否原创（{why}），且其中没有可确认的原创信息",
                unknown.len()
            ))];
    }
    match timeline_reaches_back(facts, ws, ctx) {
        Some(obs) if read_as_of_ms(obs) >= we.timestamp_millis() => {
            let s = format!("{name}在{label}未发布原创信息，不符合“每周至少发布1条原创信息”的规定");
            vec![
                f.with_evidence([facts.observation_evidence(obs, "该周结束后的时间线抓取")])
                    .measure("originals", 0)
                    .verdict(Verdict::Violation, s),
            ]
        }
        _ => {
            let reason = match require_recent(facts, ObservationKind::Timeline, ctx) {
                Err(r) => r,
                Ok(_) => format!("最近一次时间线抓取未能覆盖{label}的全部信息"),
            };
            vec![f.not_checked(reason)]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use crate::rules::settings::ProfileName;
    use crate::rules::testkit::*;
    use crate::store::{ReadCompleteness, ReadReach};
    use xunjian_adapters::model::Platform;

    const NOW: &str = "2026-11-21T10:00:00+08:00";

    fn one(v: Vec<Finding>) -> Finding {
        assert_eq!(v.len(), 1, "{v:?}");
        v.into_iter().next().unwrap()
    }

    /// Sets what the read `id` proves, as the store keeps it.
    fn reach(f: &mut AccountFacts, id: i64, completeness: ReadCompleteness, count: Option<i64>) {
        let o = f.observations.iter_mut().find(|o| o.id == id).unwrap();
        o.reach = ReadReach { completeness: Some(completeness), post_count: count, ..ReadReach::default() };
    }

    fn not_checked_reason(r: &Finding) -> &str {
        match &r.verdict {
            Verdict::NotChecked { reason } => reason,
            other => panic!("expected not checked, got {other:?}: {}", r.summary_zh),
        }
    }

    #[test]
    fn a_pinned_post_alone_with_more_pages_proves_no_silence() {
        // Page 1 shows only a pinned post from March and the platform says
        // there is more: the newest post may be on page 2.
        let k = Kit::new(NOW);
        let mut f = k.facts();
        k.timeline(&mut f, 1, "2026-11-21T09:00:00+08:00", OutcomeClass::Ok);
        let mut pinned = post("pin", "2026-03-01T10:00:00+08:00");
        pinned.is_pinned = true;
        add_post(&mut f, 1, pinned);
        reach(&mut f, 1, ReadCompleteness::Unresolved, Some(320));
        let r = one(check_zombie(&f, &k.ctx()));
        assert!(not_checked_reason(&r).contains("unresolved"), "{r:?}");
    }

    #[test]
    fn an_unchanged_post_count_corroborates_an_unresolved_read() {
        let k = Kit::new(NOW);
        let mut f = k.facts();
        // A full read on 11-05 showed the newest post (11-04) with 320 posts.
        k.timeline(&mut f, 1, "2026-11-05T09:00:00+08:00", OutcomeClass::Ok);
        add_post(&mut f, 1, post("p1", "2026-11-04T10:00:00+08:00"));
        reach(&mut f, 1, ReadCompleteness::ReachesBack, Some(320));
        // Today's read shows only the pinned post, the count is still 320.
        k.timeline(&mut f, 2, "2026-11-21T09:00:00+08:00", OutcomeClass::Ok);
        reach(&mut f, 2, ReadCompleteness::Unresolved, Some(320));
        let r = one(check_zombie(&f, &k.ctx()));
        assert_eq!(r.verdict, Verdict::Violation, "{}", r.summary_zh);
        assert_eq!(r.measured["checked_at_ms"], t("2026-11-21T09:00:00+08:00").timestamp_millis());
        // A changed count is no corroboration: could not check.
        reach(&mut f, 2, ReadCompleteness::Unresolved, Some(321));
        let r = one(check_zombie(&f, &k.ctx()));
        assert!(not_checked_reason(&r).contains("unresolved"), "{r:?}");
    }

    #[test]
    fn a_grown_post_count_without_a_new_post_is_incomplete() {
        let k = Kit::new(NOW);
        let mut f = k.facts();
        k.timeline(&mut f, 1, "2026-11-05T09:00:00+08:00", OutcomeClass::Ok);
        add_post(&mut f, 1, post("p1", "2026-11-04T10:00:00+08:00"));
        reach(&mut f, 1, ReadCompleteness::ReachesBack, Some(320));
        // Today the same newest post is shown but the platform counts 322:
        // two posts exist that this read did not show.
        k.timeline(&mut f, 2, "2026-11-21T09:00:00+08:00", OutcomeClass::Ok);
        add_post(&mut f, 2, post("p1", "2026-11-04T10:00:00+08:00"));
        reach(&mut f, 2, ReadCompleteness::ReachesBack, Some(322));
        let r = one(check_zombie(&f, &k.ctx()));
        assert!(not_checked_reason(&r).contains("incomplete"), "{r:?}");
        // The count from the profile read of the same look counts too.
        reach(&mut f, 2, ReadCompleteness::ReachesBack, None);
        k.obs(&mut f, 3, ObservationKind::Profile, "2026-11-21T08:59:00+08:00", OutcomeClass::Ok);
        let mut p = profile("某某县人民政府发布");
        p.post_count = Some(322);
        add_profile(&mut f, 3, p);
        let r = one(check_zombie(&f, &k.ctx()));
        assert!(not_checked_reason(&r).contains("incomplete"), "{r:?}");
    }

    #[test]
    fn a_relay_that_stopped_updating_proves_nothing() {
        let k = Kit::new(NOW);
        let mut f = k.facts();
        k.timeline(&mut f, 1, "2026-11-21T09:00:00+08:00", OutcomeClass::Ok);
        add_post(&mut f, 1, post("p1", "2026-10-20T10:00:00+08:00"));
        reach(&mut f, 1, ReadCompleteness::ReachesBack, None);
        // The relay itself says it last changed on 10-21: 31 days ago.
        f.observations[0].reach.source_updated_at_ms = Some(t("2026-10-21T08:00:00+08:00").timestamp_millis());
        let r = one(check_zombie(&f, &k.ctx()));
        assert!(not_checked_reason(&r).contains("stale_source"), "{r:?}");
        // A relay refreshed yesterday proves the silence.
        f.observations[0].reach.source_updated_at_ms = Some(t("2026-11-20T08:00:00+08:00").timestamp_millis());
        assert_eq!(one(check_zombie(&f, &k.ctx())).verdict, Verdict::Violation);
    }

    #[test]
    fn a_relay_behind_by_less_than_the_limit_speaks_only_up_to_its_update() {
        let k = Kit::new(NOW);
        let mut f = k.facts();
        k.timeline(&mut f, 1, "2026-11-21T09:00:00+08:00", OutcomeClass::Ok);
        add_post(&mut f, 1, post("p1", "2026-11-08T10:00:00+08:00"));
        reach(&mut f, 1, ReadCompleteness::ReachesBack, None);
        // Read today, 13 days after the newest post: a warning if the read
        // spoke for today. The relay says it last changed on 11-10, so it
        // proves two days of silence and nothing after.
        f.observations[0].reach.source_updated_at_ms = Some(t("2026-11-10T08:00:00+08:00").timestamp_millis());
        let r = one(check_zombie(&f, &k.ctx()));
        assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
        assert_eq!(r.measured["checked_at_ms"], t("2026-11-10T08:00:00+08:00").timestamp_millis());
        // Without the relay's word the same read is a warning.
        f.observations[0].reach.source_updated_at_ms = None;
        assert_eq!(one(check_zombie(&f, &k.ctx())).verdict, Verdict::Warning);
    }

    #[test]
    fn an_empty_list_counts_only_when_the_platform_count_agrees() {
        let k = Kit::new(NOW);
        let mut f = k.facts();
        f.account.spec.opened_on = Some(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap());
        k.timeline(&mut f, 1, "2026-11-21T09:00:00+08:00", OutcomeClass::Ok);
        reach(&mut f, 1, ReadCompleteness::Unresolved, None);
        let r = one(check_zombie(&f, &k.ctx()));
        assert!(not_checked_reason(&r).contains("unresolved"), "{r:?}");
        reach(&mut f, 1, ReadCompleteness::Nothing, Some(0));
        let r = one(check_zombie(&f, &k.ctx()));
        assert_eq!(r.verdict, Verdict::Violation, "{}", r.summary_zh);
    }

    /// An account last seen just now whose newest post is `age` old.
    fn silent_for(k: &Kit, age: TimeDelta) -> Finding {
        let mut f = k.facts();
        k.timeline(&mut f, 1, NOW, OutcomeClass::Ok);
        let at = (k.now - age).to_rfc3339();
        add_post(&mut f, 1, post("p1", &at));
        add_post(&mut f, 1, post("p0", "2026-09-01T10:00:00+08:00"));
        one(check_zombie(&f, &k.ctx()))
    }

    #[test]
    fn fourteen_days_at_and_around_the_limit() {
        let k = Kit::with(NOW, ProfileName::Baoji);
        let f = silent_for(&k, TimeDelta::days(14) - TimeDelta::hours(1));
        assert_eq!(f.verdict, Verdict::Warning, "{}", f.summary_zh);
        let f = silent_for(&k, TimeDelta::days(14));
        assert_eq!(
            f.verdict,
            Verdict::Warning,
            "exactly 14 days is not *more than* 14"
        );
        let f = silent_for(&k, TimeDelta::days(14) + TimeDelta::hours(1));
        assert_eq!(f.verdict, Verdict::Violation);
        assert_eq!(f.measured["silent_secs"], (14 * 86400 + 3600) as i64);
        assert_eq!(
            f.citation.to_string(),
            "《宝鸡市政府系统政务新媒体管理办法》第十六条"
        );
        assert_eq!(
            f.summary_zh,
            "“某某县人民政府发布”（新浪微博）已 14 天 1 小时未更新（最近一条信息发布于 2026-11-07 09:00，截至 2026-11-21 10:00 抓取），超过 14 天的规定"
        );
        assert_eq!(f.evidence.len(), 2);
        assert_eq!(
            f.evidence[0].sha256.as_deref(),
            Some(format!("{:064x}", 1).as_str())
        );
    }

    #[test]
    fn a_breach_by_minutes_shows_the_minutes() {
        // The reported wrong decision: 14 d 0 h 12 min read "已 14 天未更新
        // ……超过 14 天的规定", as if there were no breach.
        let k = Kit::with(NOW, ProfileName::Baoji);
        let f = silent_for(&k, TimeDelta::days(14) + TimeDelta::minutes(12));
        assert_eq!(f.verdict, Verdict::Violation);
        assert!(f.summary_zh.contains("已 14 天 0 小时 12 分钟未更新"), "{}", f.summary_zh);
        let f = silent_for(&k, TimeDelta::days(14) + TimeDelta::seconds(30));
        assert!(f.summary_zh.contains("已 14 天 0 小时 0 分钟 30 秒未更新"), "{}", f.summary_zh);
        // Away from the limit's day count the usual wording stays.
        let f = silent_for(&k, TimeDelta::days(16) + TimeDelta::minutes(12));
        assert!(f.summary_zh.contains("已 16 天未更新"), "{}", f.summary_zh);
        assert_eq!(fmt_silence_zh(TimeDelta::days(14), 14), "14 天");
        assert_eq!(fmt_silence_zh(TimeDelta::days(12) + TimeDelta::minutes(5), 14), "12 天");
    }

    #[test]
    fn warning_lead_boundary_and_luan_fifteen_days() {
        let k = Kit::with(NOW, ProfileName::Baoji);
        assert_eq!(silent_for(&k, TimeDelta::days(11)).verdict, Verdict::Pass);
        assert_eq!(
            silent_for(&k, TimeDelta::days(11) + TimeDelta::minutes(1)).verdict,
            Verdict::Warning
        );
        let k = Kit::with(NOW, ProfileName::Luan);
        assert_eq!(
            silent_for(&k, TimeDelta::days(14) + TimeDelta::hours(23)).verdict,
            Verdict::Warning
        );
        let f = silent_for(&k, TimeDelta::days(15) + TimeDelta::hours(1));
        assert_eq!(f.verdict, Verdict::Violation);
        assert_eq!(f.citation.article, "六（三）");
        let mut k = Kit::with(NOW, ProfileName::Baoji);
        k.rules.zombie.warning_lead_days = 0;
        assert_eq!(
            silent_for(&k, TimeDelta::days(13) + TimeDelta::hours(23)).verdict,
            Verdict::Pass
        );
    }

    #[test]
    fn old_pinned_post_does_not_hide_silence_but_a_new_pinned_one_counts() {
        let k = Kit::new(NOW);
        let mut f = k.facts();
        k.timeline(&mut f, 1, NOW, OutcomeClass::Ok);
        let mut pinned = post("pin", "2026-01-01T10:00:00+08:00");
        pinned.is_pinned = true;
        add_post(&mut f, 1, pinned);
        add_post(&mut f, 1, post("p1", "2026-11-01T10:00:00+08:00"));
        let r = one(check_zombie(&f, &k.ctx()));
        assert_eq!(r.verdict, Verdict::Violation);
        assert_eq!(r.measured["latest_post_id"], "p1");

        let mut fresh_pinned = post("pin2", "2026-11-20T10:00:00+08:00");
        fresh_pinned.is_pinned = true;
        add_post(&mut f, 1, fresh_pinned);
        let r = one(check_zombie(&f, &k.ctx()));
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary_zh);
        assert!(r.summary_zh.contains("置顶"));
    }

    #[test]
    fn only_an_old_pinned_post() {
        let k = Kit::new(NOW);
        let mut f = k.facts();
        k.timeline(&mut f, 1, NOW, OutcomeClass::Ok);
        let mut pinned = post("pin", "2026-03-01T10:00:00+08:00");
        pinned.is_pinned = true;
        add_post(&mut f, 1, pinned);
        assert_eq!(one(check_zombie(&f, &k.ctx())).verdict, Verdict::Violation);
    }

    #[test]
    fn silence_is_measured_to_the_last_successful_look() {
        let k = Kit::new(NOW);
        let mut f = k.facts();
        // Last success 47 h ago; post 13 d ago at that time → 13 d silent as far as we know.
        k.timeline(&mut f, 1, "2026-11-19T11:00:00+08:00", OutcomeClass::Ok);
        k.timeline(
            &mut f,
            2,
            "2026-11-21T09:00:00+08:00",
            OutcomeClass::Captcha,
        );
        add_post(&mut f, 1, post("p1", "2026-11-06T10:00:00+08:00"));
        let r = one(check_zombie(&f, &k.ctx()));
        assert_eq!(r.verdict, Verdict::Warning, "{}", r.summary_zh);
        assert_eq!(r.measured["silent_secs"], 13 * 86400 + 3600);
    }

    #[test]
    fn blocked_account_is_not_checked_never_a_zombie() {
        let k = Kit::new(NOW);
        let mut f = k.facts();
        k.timeline(&mut f, 1, "2026-10-30T08:00:00+08:00", OutcomeClass::Ok);
        add_post(&mut f, 1, post("p1", "2026-09-01T10:00:00+08:00"));
        k.timeline(
            &mut f,
            2,
            "2026-11-02T09:00:00+08:00",
            OutcomeClass::Blocked,
        );
        k.timeline(
            &mut f,
            3,
            "2026-11-21T09:00:00+08:00",
            OutcomeClass::Blocked,
        );
        let r = one(check_zombie(&f, &k.ctx()));
        match &r.verdict {
            Verdict::NotChecked { reason } => assert!(
                reason.starts_with("自 2026-11-02 09:00 起被平台拦截"),
                "{reason}"
            ),
            v => panic!("{v:?}"),
        }
        // Never observed at all.
        let f = k.facts();
        assert!(matches!(
            one(check_zombie(&f, &k.ctx())).verdict,
            Verdict::NotChecked { .. }
        ));
    }

    #[test]
    fn approximate_time_uses_first_sighting() {
        let k = Kit::new(NOW);
        let mut f = k.facts();
        k.timeline(&mut f, 1, "2026-11-10T10:00:00+08:00", OutcomeClass::Ok);
        k.timeline(&mut f, 2, NOW, OutcomeClass::Ok);
        // Claimed 20 days old but only approximately, first seen 11 days ago.
        let mut p = post("p1", "2026-11-01T10:00:00+08:00");
        p.published_at_exact = false;
        add_post(&mut f, 1, p);
        let r = one(check_zombie(&f, &k.ctx()));
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary_zh);
        assert_eq!(r.measured["silent_secs"], 11 * 86400);
        assert_eq!(r.measured["latest_post_exact"], false);
    }

    #[test]
    fn no_posts_counts_from_opening_or_first_look() {
        let k = Kit::new(NOW);
        let mut f = k.facts();
        k.timeline(&mut f, 1, NOW, OutcomeClass::Ok);
        // Opened 9 d 10 h before the look: fine.
        f.account.spec.opened_on = Some(NaiveDate::from_ymd_opt(2026, 11, 12).unwrap());
        assert_eq!(one(check_zombie(&f, &k.ctx())).verdict, Verdict::Pass);
        f.account.spec.opened_on = Some(NaiveDate::from_ymd_opt(2026, 11, 6).unwrap());
        let r = one(check_zombie(&f, &k.ctx()));
        assert_eq!(r.verdict, Verdict::Violation, "{}", r.summary_zh);
        f.account.spec.opened_on = None;
        k.timeline(&mut f, 0, "2026-11-01T10:00:00+08:00", OutcomeClass::Ok);
        assert_eq!(one(check_zombie(&f, &k.ctx())).verdict, Verdict::Violation);
    }

    // ---- weekly original: now is Saturday 2026-11-21; last week is 11-09..11-15.

    fn weekly(f: &AccountFacts, k: &Kit) -> Finding {
        one(check_weekly_original(f, &k.ctx()))
    }

    #[test]
    fn weekly_original_found_at_the_week_edges() {
        let k = Kit::with(NOW, ProfileName::Baoji);
        for (at, expect) in [
            ("2026-11-09T00:00:00+08:00", Verdict::Pass),
            ("2026-11-15T23:59:59+08:00", Verdict::Pass),
            ("2026-11-08T23:59:59+08:00", Verdict::Violation),
            ("2026-11-16T00:00:00+08:00", Verdict::Violation),
        ] {
            let mut f = k.facts();
            k.timeline(&mut f, 1, NOW, OutcomeClass::Ok);
            add_post(&mut f, 1, post("old", "2026-11-01T10:00:00+08:00"));
            add_post(&mut f, 1, post("p", at));
            let r = weekly(&f, &k);
            assert_eq!(r.verdict, expect, "{at}: {}", r.summary_zh);
            assert_eq!(r.subject, "week:2026-W46");
        }
    }

    #[test]
    fn weekly_reposts_do_not_count_and_coverage_is_required() {
        let k = Kit::with(NOW, ProfileName::Baoji);
        let mut f = k.facts();
        k.timeline(&mut f, 1, NOW, OutcomeClass::Ok);
        let mut rp = post("rp", "2026-11-10T10:00:00+08:00");
        rp.is_original = false;
        add_post(&mut f, 1, rp);
        // The page does not reach back to Monday 11-09: cannot say.
        assert!(matches!(weekly(&f, &k).verdict, Verdict::NotChecked { .. }));
        add_post(&mut f, 1, post("old", "2026-11-08T10:00:00+08:00"));
        let r = weekly(&f, &k);
        assert_eq!(r.verdict, Verdict::Violation);
        assert!(
            r.summary_zh.contains("2026-11-09 至 2026-11-15"),
            "{}",
            r.summary_zh
        );
        assert_eq!(r.citation.article, "第十六条");
    }

    /// A week of posts on `platform`, read through `source`.
    fn week_of(platform: Platform, source: &str, texts: &[&str]) -> Finding {
        let k = Kit::with(NOW, ProfileName::Baoji);
        let mut f = k.facts();
        f.account.spec.platform = platform;
        k.timeline(&mut f, 1, NOW, OutcomeClass::Ok);
        f.observations[0].source = source.into();
        add_post(&mut f, 1, post("old", "2026-11-08T10:00:00+08:00"));
        for (i, text) in texts.iter().enumerate() {
            let mut p = post(&format!("p{i}"), &format!("2026-11-{:02}T10:00:00+08:00", 10 + i));
            p.text = (*text).into();
            add_post(&mut f, 1, p);
        }
        weekly(&f, &k)
    }

    #[test]
    fn a_feed_cannot_see_originals() {
        use xunjian_adapters::feed::SRC_FEED;
        // The reported wrong decision: a WeChat feed marks every item
        // original, so a week of 转载 articles passed.
        let r = week_of(Platform::Wechat, SRC_FEED, &["转载｜国务院常务会议召开\n……", "转载｜全省防汛工作会议"]);
        assert_eq!(r.verdict, Verdict::Violation, "{}", r.summary_zh);
        // Unmarked feed items may or may not be originals: could not check.
        let r = week_of(Platform::Wechat, SRC_FEED, &["我县召开防汛工作会议"]);
        assert!(not_checked_reason(&r).contains("订阅源不区分原创与转载"), "{r:?}");
        assert!(not_checked_reason(&r).contains("2026-11-09 至 2026-11-15"), "{r:?}");
        // The same on Weibo through a relay, and on WeChat through any
        // source (its adapter declares reposts unrecognisable).
        assert!(matches!(week_of(Platform::Weibo, SRC_FEED, &["我县召开防汛工作会议"]).verdict, Verdict::NotChecked { .. }));
        let r = week_of(Platform::Wechat, "sogou weixin search", &["我县召开防汛工作会议"]);
        assert!(not_checked_reason(&r).contains("微信"), "{r:?}");
        // Weibo's own timeline tells reposts apart: its original passes.
        assert_eq!(week_of(Platform::Weibo, "m.weibo.cn getIndex timeline", &["我县召开防汛工作会议"]).verdict, Verdict::Pass);
    }

    #[test]
    fn repost_markers_are_read_where_a_repost_says_so() {
        let own = ["宝鸡市交通运输局", "宝鸡交通"];
        for text in [
            "转载｜全省防汛工作会议",
            "【转载】全省防汛工作会议",
            "全省防汛工作会议\n来源：新华社",
            "原标题：全省防汛工作会议",
            "转自人民日报",
        ] {
            assert!(shows_repost_marker(text, &own), "{text}");
        }
        for text in [
            "我局召开安全生产会议\n来源：宝鸡市交通运输局",
            "我局召开安全生产会议（来源：宝鸡交通）",
            "原创内容，禁止转载",
            "我局召开安全生产会议。转载请注明出处",
            "未经授权不得转载",
            // Far down an original article: the head decides.
            &format!("我局召开安全生产会议{}来源：新华社", "。".repeat(90)),
        ] {
            assert!(!shows_repost_marker(text, &own), "{text}");
        }
    }

    #[test]
    fn repost_markers_are_not_original_on_any_platform() {
        for text in ["转载：全省防汛工作会议", "全省防汛工作会议\n来源：新华社", "原标题：全省防汛工作会议", "转自人民日报"] {
            let r = week_of(Platform::Weibo, "m.weibo.cn getIndex timeline", &[text]);
            assert_eq!(r.verdict, Verdict::Violation, "{text}: {}", r.summary_zh);
        }
        // One marked repost beside an unmarked original: the original counts.
        let r = week_of(Platform::Weibo, "m.weibo.cn getIndex timeline", &["转载：全省防汛工作会议", "我县召开防汛工作会议"]);
        assert_eq!(r.verdict, Verdict::Pass);
        assert_eq!(r.measured["originals"], 1);
    }

    #[test]
    fn weekly_needs_a_look_after_the_week_and_skips_new_accounts() {
        let k = Kit::with(NOW, ProfileName::Baoji);
        let mut f = k.facts();
        k.timeline(&mut f, 1, "2026-11-15T20:00:00+08:00", OutcomeClass::Ok);
        add_post(&mut f, 1, post("old", "2026-11-01T10:00:00+08:00"));
        k.timeline(
            &mut f,
            2,
            "2026-11-20T20:00:00+08:00",
            OutcomeClass::Throttled,
        );
        assert!(matches!(weekly(&f, &k).verdict, Verdict::NotChecked { .. }));
        f.account.spec.opened_on = Some(NaiveDate::from_ymd_opt(2026, 11, 10).unwrap());
        assert!(check_weekly_original(&f, &k.ctx()).is_empty());
    }
}
