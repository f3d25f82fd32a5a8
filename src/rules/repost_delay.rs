//! Repost delay of key items (004 四(四)): "省政府政务微博微信及市政府“两微一端”
//! 发布的……重要政策信息……各地各部门政务微博和客户端力争1小时内转载，微信
//! “订阅号”不得滞后1个工作日".
//!
//! Every (source item, target account) pair on the same platform gets one
//! finding, subject `platform:post_id` of the source item:
//! * reposted in time → Pass with the exact delay;
//! * reposted late → Violation with the exact delay;
//! * not reposted and the deadline has passed → Violation, but only when a
//!   successful timeline observation of the target after the deadline saw
//!   posts reaching back to the source's publish time (else NotChecked);
//! * deadline not yet passed and no repost → no finding (pending).
//!
//! Matching is by the platform's repost link (Weibo retweeted id / bid,
//! Bilibili orig id, a WeChat article's reprint `source_mid`/`source_idx`
//! when the article page was read) wherever a post carries one. Where the
//! platform shows no repost link (WeChat lists and feeds, Douyin …) a post
//! without a link is matched by its title: the source's title words, and
//! every number and date the source's title states (see [`numbers_agree`]).
//! A post that links to another post is never taken for a repost of this
//! one by its title, and a linked repost is preferred to a title match.
//! (The 阅读原文 / source URL of a WeChat article is read by the article
//! parser but not carried in the neutral `Post`, so it is not used here.)

use super::coverage::{read_as_of_ms, require_recent, timeline_reaches_back};
use super::{
    AccountFacts, Evidence, Finding, RuleContext, RuleId, Verdict, fmt_duration_zh, fmt_local,
    from_ms,
};
use crate::accounts::{Account, LifecycleStatus};
use crate::store::{CaptureRef, PostRecord};
use chrono::{DateTime, Days, TimeDelta, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use xunjian_adapters::model::{ObservationKind, OutcomeClass, Platform};

/// A key item of a source account that targets must repost.
#[derive(Debug, Clone)]
pub struct SourceItem {
    pub account: Account,
    pub post: PostRecord,
    /// The capture that showed the item, for evidence.
    pub capture: Option<CaptureRef>,
}

impl SourceItem {
    fn subject(&self) -> String {
        format!(
            "{}:{}",
            self.account.spec.platform.code(),
            self.post.post.id
        )
    }

    fn evidence(&self) -> Evidence {
        Evidence {
            page_url: self.post.post.url.clone(),
            label: "源账号重要信息".into(),
            url: self
                .post
                .post
                .url
                .clone()
                .or_else(|| self.capture.as_ref().map(|c| c.url.clone())),
            sha256: self.capture.as_ref().map(|c| c.sha256.clone()),
            at_ms: self.post.post.published_at.timestamp_millis(),
        }
    }
}

/// The repost deadline of an item and how to say it. On Weibo and the
/// like it is the last permitted instant (59 and 60 minutes are in time, 61
/// is late); on WeChat it is the midnight that ends the last permitted
/// working day, itself already late. See [`in_time`].
pub fn repost_deadline(
    platform: Platform,
    published_at: DateTime<Utc>,
    ctx: &RuleContext<'_>,
) -> Result<(DateTime<Utc>, String), String> {
    let r = &ctx.rules.repost_delay;
    if platform == Platform::Wechat {
        let day = published_at.with_timezone(&Shanghai).date_naive();
        let last = ctx
            .calendar
            .nth_workday_after(day, r.wechat_workdays)
            .map_err(|e| e.to_string())?;
        let end = Shanghai
            .from_local_datetime(
                &(last + Days::new(1))
                    .and_hms_opt(0, 0, 0)
                    .expect("midnight"),
            )
            .earliest()
            .expect("Shanghai has no DST gaps")
            .with_timezone(&Utc);
        Ok((
            end,
            format!(
                "{} 24:00（{} 个工作日）",
                last.format("%Y-%m-%d"),
                r.wechat_workdays
            ),
        ))
    } else {
        let limit = TimeDelta::minutes(i64::from(r.limit_minutes));
        Ok((
            published_at + limit,
            format!(
                "{}（{}）",
                fmt_local(published_at + limit),
                fmt_duration_zh(limit)
            ),
        ))
    }
}

/// Whether a repost at `at` meets `deadline` from [`repost_deadline`].
pub fn in_time(platform: Platform, at: DateTime<Utc>, deadline: DateTime<Utc>) -> bool {
    if platform == Platform::Wechat {
        at < deadline
    } else {
        at <= deadline
    }
}

fn links_to(p: &PostRecord, src: &PostRecord) -> bool {
    let Some(r) = &p.post.repost_of else {
        return false;
    };
    let (id, alt) = (&src.post.id, src.post.alt_id.as_ref());
    r.post_id == *id
        || alt.is_some_and(|a| r.post_id == *a)
        || (alt.is_some() && r.post_alt_id.as_ref() == alt)
}

/// Whether a post names the post it reposts: then it is a repost of that
/// one, not of another whose title it happens to resemble.
fn carries_link(p: &PostRecord) -> bool {
    p.post
        .repost_of
        .as_ref()
        .is_some_and(|r| !r.post_id.is_empty() || r.post_alt_id.is_some())
}

/// Evaluates every key item against every target account on its platform.
/// Targets that are the item's own account, or not active/opening, are skipped.
pub fn evaluate_reposts(
    items: &[SourceItem],
    targets: &[AccountFacts],
    ctx: &RuleContext<'_>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for item in items {
        for target in targets {
            let spec = &target.account.spec;
            if spec.platform != item.account.spec.platform
                || target.account.id == item.account.id
                || !matches!(
                    spec.status,
                    LifecycleStatus::Active | LifecycleStatus::Opening
                )
            {
                continue;
            }
            out.extend(evaluate_pair(item, target, ctx));
        }
    }
    out
}

fn evaluate_pair(
    item: &SourceItem,
    target: &AccountFacts,
    ctx: &RuleContext<'_>,
) -> Option<Finding> {
    let rule = &ctx.rules.repost_delay;
    let src = &item.post;
    let f = Finding::new(
        RuleId::RepostDelay,
        target.account.id,
        item.subject(),
        rule.citation,
    )
    .with_evidence([item.evidence()])
    .measure("source_account_id", item.account.id)
    .measure("source_post_id", src.post.id.clone())
    .measure(
        "source_published_ms",
        src.post.published_at.timestamp_millis(),
    );
    let who = target.name_zh();
    let what = format!(
        "“{}”{} 发布的重要信息",
        item.account.spec.display_name,
        fmt_local(src.post.published_at)
    );
    if !src.post.published_at_exact {
        return Some(f.not_checked(format!("{what}的发布时间不精确，无法计算转发时限")));
    }
    let (deadline, deadline_text) =
        match repost_deadline(item.account.spec.platform, src.post.published_at, ctx) {
            Ok(d) => d,
            Err(e) => return Some(f.not_checked(e)),
        };
    let f = f.measure("deadline_ms", deadline.timestamp_millis());

    // Where the platform shows no repost link (WeChat articles, feeds), a
    // repost is recognised by its title instead: reposted articles keep the
    // source's title, give or take a 转载/转发 prefix.
    let platform = target.account.spec.platform;
    let link_less = xunjian_adapters::capabilities(platform).support(xunjian_adapters::Capability::RepostSource)
        == xunjian_adapters::Support::No;
    let by_text = |p: &PostRecord| {
        link_less
            && !carries_link(p)
            && p.post.published_at >= src.post.published_at
            && title_similarity(&src.post.text, &p.post.text) >= TITLE_MATCH_THRESHOLD
            && numbers_agree(&src.post.text, &p.post.text)
    };
    // A link is the platform's own word; a title only resembles.
    let linked = target
        .posts
        .iter()
        .filter(|p| links_to(p, src))
        .min_by_key(|p| p.post.published_at);
    let repost = match linked {
        Some(p) => Some((p, "link")),
        None => target
            .posts
            .iter()
            .filter(|p| by_text(p))
            .min_by_key(|p| p.post.published_at)
            .map(|p| (p, "title")),
    };
    if let Some((rp, matched_by)) = repost {
        let f = f
            .with_evidence([target.post_evidence(rp, "转发")])
            .measure("repost_post_id", rp.post.id.clone())
            .measure("matched_by", matched_by);
        if !rp.post.published_at_exact {
            let seen = from_ms(rp.first_seen_at_ms);
            if in_time(item.account.spec.platform, seen, deadline) {
                let s = format!(
                    "{who}已转发{what}（{} 前已见到转发），在时限 {deadline_text} 内",
                    fmt_local(seen)
                );
                return Some(
                    f.measure(
                        "delay_at_most_secs",
                        (seen - src.post.published_at).num_seconds(),
                    )
                    .verdict(Verdict::Pass, s),
                );
            }
            return Some(f.not_checked(format!("{who}转发{what}的时间不精确，无法判断是否超时")));
        }
        let delay = rp.post.published_at - src.post.published_at;
        let f = f.measure("delay_secs", delay.num_seconds()).measure(
            "repost_published_ms",
            rp.post.published_at.timestamp_millis(),
        );
        return Some(
            if in_time(item.account.spec.platform, rp.post.published_at, deadline) {
                let s = format!(
                    "{who}于 {} 转发{what}，用时 {}，在时限 {deadline_text} 内",
                    fmt_local(rp.post.published_at),
                    fmt_duration_zh(delay)
                );
                f.verdict(Verdict::Pass, s)
            } else {
                let s = format!(
                    "{who}于 {} 转发{what}，用时 {}，晚于时限 {deadline_text}，不符合“{}”的规定",
                    fmt_local(rp.post.published_at),
                    fmt_duration_zh(delay),
                    rule_words(item.account.spec.platform, ctx)
                );
                f.verdict(Verdict::Violation, s)
            },
        );
    }
    if ctx.now <= deadline {
        return None; // pending
    }
    // Without a repost link, "missing" rests on title matching; say so.
    let how = if link_less { "（按标题比对）" } else { "" };

    match timeline_reaches_back(target, src.post.published_at, ctx) {
        Some(obs) if read_as_of_ms(obs) >= deadline.timestamp_millis() => {
            let at = from_ms(read_as_of_ms(obs));
            let mut s = format!(
                "{who}截至 {} 未转发{what}{how}，已超过时限 {deadline_text} {}",
                fmt_local(at),
                fmt_duration_zh(at - deadline)
            );
            // A key item first read after its deadline (a source outage, a
            // captcha streak, a long source interval) was checked late: the
            // reader sees why the check came when it did.
            let first_seen = src.first_seen_at_ms;
            if first_seen > deadline.timestamp_millis() {
                s.push_str(&format!("（本系统于 {} 才首次读到该重要信息，随即检查）", fmt_local(from_ms(first_seen))));
            }
            Some(
                f.with_evidence([target.observation_evidence(obs, "时限后的时间线抓取")])
                    .measure("missing", true)
                    .measure("matched_by", if link_less { "title" } else { "link" })
                    .measure("checked_at_ms", read_as_of_ms(obs))
                    .measure("source_first_seen_ms", src.first_seen_at_ms)
                    .measure("overdue_secs", (at - deadline).num_seconds())
                    .verdict(Verdict::Violation, s),
            )
        }
        _ => {
            let ok_after_deadline = target.observations.iter().any(|o| {
                o.kind == ObservationKind::Timeline
                    && o.outcome == OutcomeClass::Ok
                    && read_as_of_ms(o) >= deadline.timestamp_millis()
                    && o.observed_at_ms <= ctx.now.timestamp_millis()
            });
            let reason = if ok_after_deadline {
                format!(
                    "时限后的时间线抓取未能覆盖自 {} 以来的全部信息",
                    fmt_local(src.post.published_at)
                )
            } else {
                let mut r = format!("时限 {deadline_text} 之后尚无成功的时间线抓取");
                if let Err(why) = require_recent(target, ObservationKind::Timeline, ctx) {
                    r.push('；');
                    r.push_str(&why);
                }
                r
            };
            Some(f.not_checked(reason))
        }
    }
}

/// How much of the source's title must reappear in a post for it to count
/// as a repost where the platform shows no repost link.
pub const TITLE_MATCH_THRESHOLD: f64 = 0.8;

/// The share of the source title's character bigrams found in the
/// candidate's title (first line), after dropping spaces, punctuation and
/// the usual 转载/转发/来源 decorations. Containment rather than symmetric
/// similarity: a repost may add a prefix or an editor's line.
pub fn title_similarity(source: &str, candidate: &str) -> f64 {
    fn key(s: &str) -> Vec<char> {
        let first = s.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let mut t = first.to_string();
        for deco in ["转载", "转发", "转自", "来源", "原创"] {
            t = t.replace(deco, "");
        }
        t.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
    }
    fn bigrams(c: &[char]) -> std::collections::HashSet<(char, char)> {
        c.windows(2).map(|w| (w[0], w[1])).collect()
    }
    let (a, b) = (key(source), key(candidate));
    if a.len() < 2 {
        // A one-character title matches only itself.
        return if !a.is_empty() && a == b { 1.0 } else { 0.0 };
    }
    let (ga, gb) = (bigrams(&a), bigrams(&b));
    ga.intersection(&gb).count() as f64 / ga.len() as f64
}

/// One number a title states, with the unit written right after it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct TitleNumber {
    /// Decimal, without leading zeros: 09 and 9 are the same day, 第五 and
    /// 第5 the same issue.
    value: String,
    /// 年 月 日 期 批 届 次 轮 (号 after a month is 日), `None` for a bare
    /// number (2026-11-03, an issue number without a unit).
    unit: Option<char>,
}

/// Units that make a number a date or an ordinal worth comparing.
const NUMBER_UNITS: &str = "年月日号期批届次轮";
const CN_DIGITS: &str = "零〇一二三四五六七八九十百千两";

/// The value of a Chinese numeral (十一 = 11, 二十 = 20, 一〇 = 10, 两 = 2);
/// `None` when it is not one.
fn cn_value(s: &[char]) -> Option<u64> {
    let digit = |c: char| "零一二三四五六七八九".find(c).map(|i| (i / 3) as u64).or(match c {
        '〇' => Some(0),
        '两' => Some(2),
        _ => None,
    });
    // Positional (二〇二六, 一〇): digits only.
    if s.len() > 1 && s.iter().all(|c| digit(*c).is_some()) {
        return s.iter().try_fold(0u64, |acc, c| acc.checked_mul(10)?.checked_add(digit(*c)?));
    }
    let (mut total, mut current) = (0u64, 0u64);
    for &c in s {
        match c {
            '十' | '百' | '千' => {
                let m = match c {
                    '十' => 10,
                    '百' => 100,
                    _ => 1000,
                };
                total += if current == 0 { 1 } else { current } * m;
                current = 0;
            }
            c => current = digit(c)?,
        }
    }
    Some(total + current)
}

/// The numbers a title states, from its first line: runs of digits (the 9
/// and 2 of "9月2日", a year, an issue number), and Chinese numerals that are
/// an ordinal (第二批) or carry a date or ordinal unit (十一月三日). Each with
/// the unit after it, so that the 3 of 11月3日 is a day and not the 3 of
/// 第3批. A repost keeps them; a sibling item — the second batch, the same
/// bulletin of another day — differs in exactly these while its words match.
fn title_numbers(text: &str) -> Vec<TitleNumber> {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    // Full-width digits as ASCII: the same number however it was typed.
    let line: Vec<char> = first
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect();
    let mut out: Vec<TitleNumber> = Vec::new();
    let mut i = 0;
    while i < line.len() {
        let ordinal = i > 0 && line[i - 1] == '第';
        let start = i;
        let value = if line[i].is_ascii_digit() {
            while i < line.len() && line[i].is_ascii_digit() {
                i += 1;
            }
            let run: String = line[start..i].iter().collect();
            let trimmed = run.trim_start_matches('0');
            Some(if trimmed.is_empty() { "0".to_string() } else { trimmed.to_string() })
        } else if CN_DIGITS.contains(line[i]) {
            while i < line.len() && CN_DIGITS.contains(line[i]) {
                i += 1;
            }
            let unit_follows = line.get(i).is_some_and(|c| NUMBER_UNITS.contains(*c));
            // Words such as 一网通办 or 十四五 are no numbers to compare.
            (ordinal || unit_follows)
                .then(|| cn_value(&line[start..i]))
                .flatten()
                .map(|v| v.to_string())
        } else {
            i += 1;
            None
        };
        let Some(value) = value else { continue };
        let unit = line.get(i).copied().filter(|c| NUMBER_UNITS.contains(*c)).map(|c| {
            let after_month = out.last().is_some_and(|n| n.unit == Some('月'));
            if c == '号' && after_month { '日' } else { c }
        });
        out.push(TitleNumber { value, unit });
    }
    out
}

/// Whether every number the source's title states reappears in the
/// candidate's with the same unit (see [`title_numbers`]): the same year,
/// month, day, issue and batch. A bare number matches the same number with
/// any unit (2026-11-03 and 2026年11月3日). The candidate may add its own
/// (an editor's date line).
pub fn numbers_agree(source: &str, candidate: &str) -> bool {
    let theirs = title_numbers(candidate);
    title_numbers(source).iter().all(|n| {
        theirs.iter().any(|c| {
            c.value == n.value && (c.unit == n.unit || c.unit.is_none() || n.unit.is_none())
        })
    })
}

fn rule_words(p: Platform, ctx: &RuleContext<'_>) -> String {
    let r = &ctx.rules.repost_delay;
    if p == Platform::Wechat {
        format!("微信订阅号转载不得滞后{}个工作日", r.wechat_workdays)
    } else {
        format!(
            "{}内转载",
            fmt_duration_zh(TimeDelta::minutes(i64::from(r.limit_minutes))).replace(' ', "")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::settings::ProfileName;
    use crate::rules::testkit::*;
    use xunjian_adapters::model::RepostOf;

    struct World {
        k: Kit,
        item: SourceItem,
        target: AccountFacts,
    }

    fn world(platform: Platform, now: &str, src_at: &str) -> World {
        let k = Kit::with(now, ProfileName::Luan);
        let src = account_facts(100, platform, "六安市人民政府发布");
        let mut p = post("S1", src_at);
        p.alt_id = Some("Nabc".into());
        let item = SourceItem {
            account: src.account.clone(),
            post: PostRecord {
                row_id: 1,
                account_id: 100,
                post: p,
                first_seen_at_ms: 0,
                last_seen_at_ms: 0,
                last_observation_id: None,
            },
            capture: None,
        };
        let target = account_facts(1, platform, "霍邱县人民政府发布");
        World { k, item, target }
    }

    fn repost(id: &str, at: &str, of: &str) -> xunjian_adapters::model::Post {
        let mut p = post(id, at);
        p.is_original = false;
        p.repost_of = Some(RepostOf {
            post_id: of.into(),
            post_alt_id: None,
            author_id: Some("uid100".into()),
            author_name: None,
            published_at: None,
            available: true,
        });
        p
    }

    fn run(w: &World) -> Vec<Finding> {
        evaluate_reposts(
            std::slice::from_ref(&w.item),
            std::slice::from_ref(&w.target),
            &w.k.ctx(),
        )
    }

    fn weibo_with_repost_after(minutes: i64) -> Finding {
        let mut w = world(
            Platform::Weibo,
            "2026-11-21T12:00:00+08:00",
            "2026-11-21T09:00:00+08:00",
        );
        w.k.timeline(
            &mut w.target,
            1,
            "2026-11-21T11:00:00+08:00",
            OutcomeClass::Ok,
        );
        let at = (t("2026-11-21T09:00:00+08:00") + TimeDelta::minutes(minutes)).to_rfc3339();
        add_post(&mut w.target, 1, repost("R1", &at, "S1"));
        let mut v = run(&w);
        assert_eq!(v.len(), 1);
        v.remove(0)
    }

    #[test]
    fn one_hour_on_weibo_at_and_around_the_limit() {
        let f = weibo_with_repost_after(59);
        assert_eq!(f.verdict, Verdict::Pass);
        assert_eq!(f.measured["delay_secs"], 59 * 60);
        assert_eq!(weibo_with_repost_after(60).verdict, Verdict::Pass);
        let f = weibo_with_repost_after(61);
        assert_eq!(f.verdict, Verdict::Violation);
        assert_eq!(f.measured["delay_secs"], 61 * 60);
        assert_eq!(f.subject, "weibo:S1");
        assert_eq!(f.fingerprint(), "repost_delay:1:weibo:S1");
        assert_eq!(f.citation.article, "四（四）");
        assert!(
            f.summary_zh.contains("用时 1 小时 1 分钟") && f.summary_zh.contains("1小时内转载"),
            "{}",
            f.summary_zh
        );
        assert_eq!(f.evidence.len(), 2);
    }

    #[test]
    fn a_missed_repost_says_when_the_key_item_was_first_read_if_late() {
        let mut w = world(Platform::Weibo, "2026-11-21T12:00:00+08:00", "2026-11-21T09:00:00+08:00");
        w.k.timeline(&mut w.target, 1, "2026-11-21T11:00:00+08:00", OutcomeClass::Ok);
        add_post(&mut w.target, 1, post("L1", "2026-11-21T08:00:00+08:00"));
        let f = run(&w).remove(0);
        assert_eq!((f.verdict.clone(), f.measured["missing"].clone()), (Verdict::Violation, true.into()), "{}", f.summary_zh);
        assert!(!f.summary_zh.contains("首次读到"), "{}", f.summary_zh);
        // Read first at 10:30, after the 10:00 deadline.
        w.item.post.first_seen_at_ms = t("2026-11-21T10:30:00+08:00").timestamp_millis();
        let f = run(&w).remove(0);
        assert_eq!(f.verdict, Verdict::Violation);
        assert!(f.summary_zh.contains("10:30 才首次读到该重要信息"), "{}", f.summary_zh);
        assert_eq!(f.measured["source_first_seen_ms"], w.item.post.first_seen_at_ms);
    }

    #[test]
    fn matched_by_alt_id_and_other_platforms_ignored() {
        let mut w = world(
            Platform::Weibo,
            "2026-11-21T12:00:00+08:00",
            "2026-11-21T09:00:00+08:00",
        );
        w.k.timeline(
            &mut w.target,
            1,
            "2026-11-21T11:00:00+08:00",
            OutcomeClass::Ok,
        );
        add_post(
            &mut w.target,
            1,
            repost("R1", "2026-11-21T09:30:00+08:00", "Nabc"),
        );
        assert_eq!(run(&w)[0].verdict, Verdict::Pass);
        w.target.account.spec.platform = Platform::Douyin;
        assert!(run(&w).is_empty());
        w.target.account.spec.platform = Platform::Weibo;
        w.target.account.id = 100; // the source itself
        assert!(run(&w).is_empty());
    }

    fn wechat(src_at: &str, repost_at: &str) -> Verdict {
        let mut w = world(Platform::Wechat, "2026-10-20T12:00:00+08:00", src_at);
        w.k.timeline(
            &mut w.target,
            1,
            "2026-10-20T11:00:00+08:00",
            OutcomeClass::Ok,
        );
        add_post(&mut w.target, 1, repost("R1", repost_at, "S1"));
        run(&w).remove(0).verdict
    }

    #[test]
    fn wechat_one_working_day_across_national_day() {
        let (d, label) = {
            let w = world(
                Platform::Wechat,
                "2026-10-20T12:00:00+08:00",
                "2026-09-30T18:00:00+08:00",
            );
            repost_deadline(Platform::Wechat, w.item.post.post.published_at, &w.k.ctx()).unwrap()
        };
        assert_eq!(d, t("2026-10-09T00:00:00+08:00"));
        assert!(label.starts_with("2026-10-08 24:00"), "{label}");
        assert_eq!(
            wechat("2026-09-30T18:00:00+08:00", "2026-10-08T23:59:59+08:00"),
            Verdict::Pass
        );
        assert_eq!(
            wechat("2026-09-30T18:00:00+08:00", "2026-10-09T00:00:00+08:00"),
            Verdict::Violation
        );
    }

    #[test]
    fn wechat_friday_item_is_due_on_the_make_up_saturday() {
        // Friday 2026-10-09 → Saturday 10-10 is a 调休 workday.
        assert_eq!(
            wechat("2026-10-09T10:00:00+08:00", "2026-10-10T23:59:00+08:00"),
            Verdict::Pass
        );
        assert_eq!(
            wechat("2026-10-09T10:00:00+08:00", "2026-10-11T00:01:00+08:00"),
            Verdict::Violation
        );
        // An ordinary Friday: due Monday.
        assert_eq!(
            wechat("2026-10-16T10:00:00+08:00", "2026-10-19T23:00:00+08:00"),
            Verdict::Pass
        );
    }

    #[test]
    fn unknown_year_is_not_checked() {
        let w = world(
            Platform::Wechat,
            "2027-01-10T12:00:00+08:00",
            "2026-12-28T10:00:00+08:00",
        );
        let v = run(&w);
        match &v[0].verdict {
            Verdict::NotChecked { reason } => assert!(reason.contains("2027"), "{reason}"),
            x => panic!("{x:?}"),
        }
    }

    fn wechat_world() -> World {
        let mut w = world(Platform::Wechat, "2026-11-25T12:00:00+08:00", "2026-11-20T09:00:00+08:00");
        w.item.post.post.text = "六安市召开全市安全生产工作会议\n会议要求……".into();
        w.k.timeline(&mut w.target, 1, "2026-11-25T11:00:00+08:00", OutcomeClass::Ok);
        add_post(&mut w.target, 1, post("old", "2026-11-19T08:00:00+08:00"));
        w
    }

    #[test]
    fn wechat_reposts_are_matched_by_title() {
        // Same title with a 转载 prefix, next working day: in time.
        let mut w = wechat_world();
        let mut p = post("A1", "2026-11-23T10:00:00+08:00");
        p.text = "【转载】六安市召开全市安全生产工作会议".into();
        add_post(&mut w.target, 1, p);
        let v = run(&w);
        assert_eq!(v[0].verdict, Verdict::Pass, "{}", v[0].summary_zh);
        assert_eq!(v[0].measured["repost_post_id"], "A1");
        // Friday 09:00 → due by the end of Monday 11-23; Tuesday is late.
        w.target.posts.last_mut().unwrap().post.published_at = t("2026-11-24T10:00:00+08:00");
        assert_eq!(run(&w)[0].verdict, Verdict::Violation);
        // An unrelated article is not a repost; nor is one published before the source.
        w.target.posts.last_mut().unwrap().post.text = "霍邱县开展冬季森林防火宣传".into();
        w.target.posts.last_mut().unwrap().post.published_at = t("2026-11-23T10:00:00+08:00");
        let v = run(&w);
        assert_eq!(v[0].verdict, Verdict::Violation);
        assert!(v[0].summary_zh.contains("未转发") && v[0].summary_zh.contains("按标题比对"), "{}", v[0].summary_zh);
        assert_eq!(v[0].measured["matched_by"], "title");
    }

    #[test]
    fn a_sibling_title_with_other_numbers_is_not_the_repost() {
        // Bigram containment alone accepts these (0.89 and above).
        let first = "督察整改情况公示（第一批）";
        let second = "督察整改情况公示（第二批）";
        assert!(title_similarity(first, second) >= TITLE_MATCH_THRESHOLD);
        assert!(!numbers_agree(first, second));
        assert!(numbers_agree(first, "转载｜督察整改情况公示（第一批）"));
        let sep2 = "宝鸡市城乡居民医保缴费指南（9月2日）";
        let sep14 = "转载｜宝鸡市城乡居民医保缴费指南（9月14日）";
        assert!(title_similarity(sep2, sep14) >= TITLE_MATCH_THRESHOLD);
        assert!(!numbers_agree(sep2, sep14));
        assert!(numbers_agree(sep2, "转载｜宝鸡市城乡居民医保缴费指南（９月０２日）"));
        // An added date line of the editor's does not matter; a title
        // without numbers matches on its words alone.
        assert!(numbers_agree("六安市召开全市安全生产工作会议", "转载 | 六安市召开全市安全生产工作会议 2026"));
    }

    #[test]
    fn dates_and_issues_in_titles_must_agree() {
        // Two of the same day's numbers reappear in another day's title.
        assert!(!numbers_agree(
            "11月3日全市重点项目集中开工",
            "转载｜11月4日全市重点项目集中开工（第3批）"
        ));
        // Dates written in Chinese numerals are dates too.
        assert!(!numbers_agree("十一月三日全市重点项目集中开工", "转载｜十一月四日全市重点项目集中开工"));
        assert!(numbers_agree("十一月三日全市重点项目集中开工", "转载｜11月3号全市重点项目集中开工"));
        // Issues: 第五期 is 第5期; another year's 第5期 is another issue.
        assert!(numbers_agree("政务简报2026年第五期", "转载｜政务简报2026年第5期"));
        assert!(!numbers_agree("政务简报2026年第5期", "转载｜政务简报2025年第5期"));
        assert!(numbers_agree("二〇二六年第5期政务简报", "转载｜2026年第5期政务简报"));
        // A date written with dashes is the same date.
        assert!(numbers_agree("2026-11-03 全市重点项目集中开工", "转载｜2026年11月3日全市重点项目集中开工"));
        // Words with numerals are no numbers.
        assert!(numbers_agree("推进一网通办", "转载｜推进一网通办"));
        assert_eq!(cn_value(&['二', '十', '三']), Some(23));
        assert_eq!(cn_value(&['十', '一']), Some(11));
    }

    #[test]
    fn a_repost_link_is_preferred_to_a_title() {
        // On WeChat an article page read may carry the reprint link; a post
        // linking to another article is not this one's repost by its title.
        let mut w = wechat_world();
        let mut elsewhere = repost("A0", "2026-11-20T10:00:00+08:00", "999_1");
        elsewhere.text = "转载｜六安市召开全市安全生产工作会议".into();
        add_post(&mut w.target, 1, elsewhere);
        let v = run(&w);
        assert_eq!(v[0].verdict, Verdict::Violation, "{}", v[0].summary_zh);
        assert_eq!(v[0].measured["missing"], true);
        // A later linked repost wins over an earlier title match.
        let mut by_title = post("A1", "2026-11-20T11:00:00+08:00");
        by_title.text = "转载｜六安市召开全市安全生产工作会议".into();
        add_post(&mut w.target, 1, by_title);
        add_post(&mut w.target, 1, repost("A2", "2026-11-23T10:00:00+08:00", "S1"));
        let v = run(&w);
        assert_eq!(v[0].measured["repost_post_id"], "A2", "{}", v[0].summary_zh);
        assert_eq!(v[0].measured["matched_by"], "link");
        // Without the link, the title match is taken.
        w.target.posts.retain(|p| p.post.id != "A2");
        let v = run(&w);
        assert_eq!(v[0].measured["repost_post_id"], "A1");
        assert_eq!(v[0].measured["matched_by"], "title");
    }

    #[test]
    fn title_similarity_is_containment_of_bigrams() {
        let src = "六安市召开全市安全生产工作会议";
        assert_eq!(title_similarity(src, src), 1.0);
        assert_eq!(title_similarity(src, "转载 | 六安市召开全市安全生产工作会议"), 1.0);
        assert!(title_similarity(src, "六安召开全市安全生产会议") < TITLE_MATCH_THRESHOLD);
        assert!(title_similarity(src, "霍邱县开展冬季森林防火宣传") < 0.1);
        assert_eq!(title_similarity("", "x"), 0.0);
    }

    #[test]
    fn wechat_without_a_look_after_the_deadline_is_not_checked() {
        let mut w = wechat_world();
        w.target.observations.clear();
        let v = run(&w);
        assert!(matches!(&v[0].verdict, Verdict::NotChecked { .. }), "{v:?}");
    }

    #[test]
    fn missing_after_deadline_needs_coverage() {
        let src_at = "2026-11-21T09:00:00+08:00";
        // Before the deadline nothing is said.
        let mut w = world(Platform::Weibo, "2026-11-21T09:59:00+08:00", src_at);
        w.k.timeline(
            &mut w.target,
            1,
            "2026-11-21T09:50:00+08:00",
            OutcomeClass::Ok,
        );
        add_post(&mut w.target, 1, post("old", "2026-11-20T08:00:00+08:00"));
        assert!(run(&w).is_empty());

        // After the deadline, but the only success was before it: cannot say.
        w.k.now = t("2026-11-21T12:00:00+08:00");
        w.k.timeline(
            &mut w.target,
            2,
            "2026-11-21T11:00:00+08:00",
            OutcomeClass::Blocked,
        );
        let v = run(&w);
        assert!(
            matches!(&v[0].verdict, Verdict::NotChecked { reason } if reason.contains("之后尚无成功的时间线抓取")),
            "{v:?}"
        );
        // ... and when the window has lapsed, the blocking is named.
        w.k.rules.coverage_hours = 1;
        let v = run(&w);
        assert!(
            matches!(&v[0].verdict, Verdict::NotChecked { reason } if reason.contains("起被平台拦截")),
            "{v:?}"
        );
        w.k.rules.coverage_hours = 48;

        // A successful look after the deadline reaching back before the item: missing.
        w.k.timeline(
            &mut w.target,
            3,
            "2026-11-21T11:30:00+08:00",
            OutcomeClass::Ok,
        );
        w.target.posts[0].last_observation_id = Some(3);
        let v = run(&w);
        assert_eq!(v[0].verdict, Verdict::Violation, "{}", v[0].summary_zh);
        assert_eq!(v[0].measured["overdue_secs"], 90 * 60);
        assert_eq!(v[0].measured["missing"], true);

        // The same page, answered at 11:30 to a request sent at 09:55 (a
        // slow answer): it shows the timeline before the deadline, and says
        // nothing of a repost made while it travelled.
        let obs = w.target.observations.iter_mut().find(|o| o.id == 3).unwrap();
        obs.duration_ms = 95 * 60_000;
        let v = run(&w);
        assert!(
            matches!(&v[0].verdict, Verdict::NotChecked { reason } if reason.contains("之后尚无成功的时间线抓取")),
            "{v:?}"
        );
        w.target.observations.iter_mut().find(|o| o.id == 3).unwrap().duration_ms = 0;

        // A page that does not reach back to the item's time: cannot say.
        w.target.posts[0].post.published_at = t("2026-11-21T10:30:00+08:00");
        assert!(matches!(run(&w)[0].verdict, Verdict::NotChecked { .. }));
    }

    #[test]
    fn inexact_times() {
        let mut w = world(
            Platform::Weibo,
            "2026-11-21T12:00:00+08:00",
            "2026-11-21T09:00:00+08:00",
        );
        w.k.timeline(
            &mut w.target,
            1,
            "2026-11-21T09:40:00+08:00",
            OutcomeClass::Ok,
        );
        let mut rp = repost("R1", "2026-11-21T09:00:00+08:00", "S1");
        rp.published_at_exact = false;
        add_post(&mut w.target, 1, rp);
        // Seen 40 minutes after the item: certainly in time.
        assert_eq!(run(&w)[0].verdict, Verdict::Pass);
        // Seen only after the deadline: cannot say.
        w.target.posts[0].first_seen_at_ms = t("2026-11-21T10:01:00+08:00").timestamp_millis();
        assert!(matches!(run(&w)[0].verdict, Verdict::NotChecked { .. }));
        w.item.post.post.published_at_exact = false;
        assert!(matches!(run(&w)[0].verdict, Verdict::NotChecked { .. }));
    }
}
