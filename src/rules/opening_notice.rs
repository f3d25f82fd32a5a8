//! Opening notice (《宝鸡市政府系统政务新媒体管理办法》第七条): a newly
//! opened account is announced on the superior government portal and the
//! superior's new-media account; the portal notice hangs in a prominent place
//! on the homepage for at least 30 days.
//!
//! Two subjects per account in its opening window:
//! - `portal`: the superior portal homepage (registry `superior_portal_url`)
//!   shows a notice naming the account — prominently, from the start of the
//!   window until its end;
//! - `superior_post`: a source account (the superior's new media) posted
//!   about the opening.
//!
//! Only successful observations count; a page that could not be read says
//! nothing (law 1). "Prominent" is the portal parser's reading of the page
//! structure (headline / notice blocks versus navigation and footers), so a
//! notice found but not prominent is a warning for a person to look at, not
//! a violation.

use super::{AccountFacts, Citation, Evidence, Finding, RuleContext, RuleId, Verdict, fmt_local, fmt_local_ms, from_ms};
use crate::accounts::LifecycleStatus;
use crate::store::{CaptureRef, ObservationRecord, PostRecord};
use chrono::{DateTime, TimeDelta, Utc};
use xunjian_adapters::model::{OutcomeClass, PortalItem};

/// The rule's settings (see `[rules.opening_notice]`).
#[derive(Debug, Clone)]
pub struct OpeningRule {
    pub enabled: bool,
    /// How long the portal notice must hang (第七条: 不得少于30天).
    pub days: u32,
    /// Days after opening before a missing notice is a violation (before
    /// that, a warning): the office needs a moment to publish it.
    pub grace_days: u32,
    /// Words that make a title an opening notice.
    pub keywords: Vec<String>,
    pub citation: Citation,
}

impl OpeningRule {
    pub fn default_keywords() -> Vec<String> {
        ["开通", "上线", "正式运行", "启用", "入驻", "开设"].into_iter().map(String::from).collect()
    }
}

/// One successful or failed read of a portal page.
#[derive(Debug, Clone)]
pub struct PortalSighting {
    pub observation: ObservationRecord,
    /// Empty for a failed read.
    pub items: Vec<PortalItem>,
    pub capture: Option<CaptureRef>,
}

/// Posts of one source account (the superior's new media).
#[derive(Debug, Clone)]
pub struct SuperiorPosts<'a> {
    pub name: &'a str,
    pub posts: &'a [PostRecord],
    /// The oldest successful timeline observation of that account: posts
    /// from before it may simply not have been seen.
    pub watched_since_ms: Option<i64>,
    /// The newest successful timeline observation of that account: posts
    /// after it have not been seen yet.
    pub watched_until_ms: Option<i64>,
}

/// The opening window `[start, start + days)`, or `None` when the account
/// is not (or no longer) in it.
fn window(facts: &AccountFacts, rule: &OpeningRule, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let spec = &facts.account.spec;
    if !matches!(spec.status, LifecycleStatus::Opening | LifecycleStatus::Active) {
        return None;
    }
    let start = match spec.opened_on {
        Some(d) => super::local_midnight(d),
        // "Opening" without a date: from when the office registered it.
        None if spec.status == LifecycleStatus::Opening => from_ms(facts.account.created_at_ms),
        None => return None,
    };
    let end = start + TimeDelta::days(i64::from(rule.days));
    (start <= now && now < end).then_some((start, end))
}

fn names_account(title: &str, facts: &AccountFacts, rule: &OpeningRule) -> bool {
    let spec = &facts.account.spec;
    let opening = rule.keywords.iter().any(|k| title.contains(k.as_str()));
    let named = title.contains(spec.display_name.as_str())
        || spec.owner_unit.as_deref().is_some_and(|u| !u.is_empty() && title.contains(u) && title.contains(spec.platform.display_name()));
    opening && named
}

fn sighting_evidence(s: &PortalSighting, label: &str) -> Evidence {
    // A portal's front page is a page a person opens as it is.
    let url = s.capture.as_ref().map(|c| c.url.clone()).unwrap_or_else(|| s.observation.target.clone());
    Evidence {
        page_url: Some(url.clone()),
        label: label.to_string(),
        url: Some(url),
        sha256: s.capture.as_ref().map(|c| c.sha256.clone()),
        at_ms: s.observation.observed_at_ms,
    }
}

/// The portal subject. `portal` holds the reads of the account's superior
/// portal homepage (any order).
pub fn check_portal_notice(
    facts: &AccountFacts,
    portal: &[PortalSighting],
    rule: &OpeningRule,
    ctx: &RuleContext<'_>,
) -> Option<Finding> {
    let (start, end) = window(facts, rule, ctx.now)?;
    let f = Finding::new(RuleId::OpeningNotice, facts.account.id, "portal", rule.citation)
        .measure("window_start_ms", start.timestamp_millis())
        .measure("window_end_ms", end.timestamp_millis());
    let who = facts.name_zh();
    let Some(url) = facts.account.spec.superior_portal_url.as_deref().filter(|u| !u.trim().is_empty()) else {
        return Some(f.not_checked("台账未填写上级政府门户网站地址，无法检查开通公告"));
    };
    let now_ms = ctx.now.timestamp_millis();
    let mut reads: Vec<&PortalSighting> = portal
        .iter()
        .filter(|s| s.observation.observed_at_ms >= start.timestamp_millis() && s.observation.observed_at_ms <= now_ms)
        .collect();
    reads.sort_by_key(|s| (s.observation.observed_at_ms, s.observation.id));
    let ok: Vec<&&PortalSighting> = reads.iter().filter(|s| s.observation.outcome == OutcomeClass::Ok).collect();
    let coverage = TimeDelta::hours(i64::from(ctx.rules.coverage_hours));
    let Some(latest) = ok.last().filter(|s| from_ms(s.observation.observed_at_ms) >= ctx.now - coverage) else {
        let why = match reads.last() {
            Some(s) => format!(
                "上级门户网站 {url} 最近一次读取（{}）{}",
                fmt_local_ms(s.observation.observed_at_ms),
                super::coverage::outcome_zh(s.observation.outcome)
            ),
            None => format!("开通以来尚未成功读取上级门户网站 {url}"),
        };
        return Some(f.not_checked(why));
    };
    let found = |s: &PortalSighting| -> Option<PortalItem> {
        let mut hits: Vec<&PortalItem> = s.items.iter().filter(|i| names_account(&i.title, facts, rule)).collect();
        hits.sort_by_key(|i| (!i.prominent, i.position));
        hits.first().map(|i| (*i).clone())
    };
    let day = ((ctx.now - start).num_hours() / 24) + 1;
    let f = f.with_evidence([sighting_evidence(latest, "上级门户首页读取")]).measure("day", day);
    if let Some(item) = found(latest) {
        let f = f
            .with_evidence([Evidence {
                page_url: Some(item.url.clone()),
                label: "开通公告".into(),
                url: Some(item.url.clone()),
                sha256: None,
                at_ms: latest.observation.observed_at_ms,
            }])
            .measure("notice_title", item.title.clone())
            .measure("prominent", item.prominent);
        return Some(if item.prominent {
            f.verdict(
                Verdict::Pass,
                format!("{who}的开通公告“{}”在上级门户首页显著位置（开通第 {day} 天）", item.title),
            )
        } else {
            f.verdict(
                Verdict::Warning,
                format!(
                    "{who}的开通公告“{}”在上级门户首页，但不在显著位置（{}），请核实",
                    item.title,
                    item.block.as_deref().unwrap_or("页面位置")
                ),
            )
        });
    }
    // Absent now. Was it there before?
    if let Some(seen) = ok.iter().rev().find(|s| found(s).is_some()) {
        let seen_at = seen.observation.observed_at_ms;
        let s = format!(
            "{who}的开通公告在开通第 {day} 天已不在上级门户首页（{} 仍可见，{} 已不见），未满 {} 天即撤下",
            fmt_local_ms(seen_at),
            fmt_local(from_ms(latest.observation.observed_at_ms)),
            rule.days
        );
        return Some(
            f.with_evidence([sighting_evidence(seen, "此前可见开通公告的读取")])
                .measure("removed", true)
                .measure("last_seen_ms", seen_at)
                .verdict(Verdict::Violation, s),
        );
    }
    let grace_end = start + TimeDelta::days(i64::from(rule.grace_days));
    if ctx.now < grace_end {
        return Some(f.verdict(
            Verdict::Warning,
            format!("{who}开通已 {day} 天，上级门户首页尚未见到开通公告（{} 前须发布）", fmt_local(grace_end)),
        ));
    }
    Some(f.verdict(
        Verdict::Violation,
        format!("{who}开通已 {day} 天，上级门户网站首页未见开通公告（应在首页显著位置悬挂不少于 {} 天）", rule.days),
    ))
}

/// The superior-new-media subject: some source account posted about the
/// opening since it began.
pub fn check_superior_post(
    facts: &AccountFacts,
    superiors: &[SuperiorPosts<'_>],
    rule: &OpeningRule,
    ctx: &RuleContext<'_>,
) -> Option<Finding> {
    let (start, end) = window(facts, rule, ctx.now)?;
    let f = Finding::new(RuleId::OpeningNotice, facts.account.id, "superior_post", rule.citation)
        .measure("window_start_ms", start.timestamp_millis())
        .measure("window_end_ms", end.timestamp_millis());
    let who = facts.name_zh();
    if superiors.is_empty() {
        return Some(f.not_checked("台账中没有标记为源账号的上级政务新媒体，无法检查开通公告是否转发"));
    }
    // A little before the official date: announcements may precede it.
    let from = start - TimeDelta::days(3);
    for s in superiors {
        if let Some(p) = s
            .posts
            .iter()
            .filter(|p| p.post.published_at >= from && p.post.published_at <= ctx.now)
            .find(|p| names_account(&p.post.text, facts, rule))
        {
            return Some(
                f.with_evidence([Evidence {
                    page_url: p.post.url.clone(),
                    label: format!("“{}”发布的开通公告", s.name),
                    url: p.post.url.clone(),
                    sha256: None,
                    at_ms: p.post.published_at.timestamp_millis(),
                }])
                .verdict(
                    Verdict::Pass,
                    format!("“{}”已于 {} 发布{who}的开通公告", s.name, fmt_local(p.post.published_at)),
                ),
            );
        }
    }
    let grace_end = start + TimeDelta::days(i64::from(rule.grace_days));
    if ctx.now < grace_end {
        // "Not yet posted" is only true of superiors read since the
        // opening: an announcement of the day before may simply not have
        // been fetched yet.
        if !superiors.iter().all(|s| s.watched_until_ms.is_some_and(|w| w >= start.timestamp_millis())) {
            return Some(f.not_checked(format!(
                "开通以来尚未重新抓取上级政务新媒体，暂不判断是否已发布开通公告（{} 前须发布）",
                fmt_local(grace_end)
            )));
        }
        return Some(f.verdict(
            Verdict::Warning,
            format!("上级政务新媒体尚未发布{who}的开通公告（{} 前须发布）", fmt_local(grace_end)),
        ));
    }
    // A miss is only a miss where we watched the superiors since the start.
    let watched = superiors.iter().all(|s| s.watched_since_ms.is_some_and(|w| w <= from.timestamp_millis()));
    // ...and up to the deadline: a superior last read before it may have
    // posted since.
    let current = superiors.iter().all(|s| s.watched_until_ms.is_some_and(|w| w >= grace_end.timestamp_millis()));
    if watched && !current {
        let last = superiors.iter().filter_map(|s| s.watched_until_ms).min();
        return Some(f.not_checked(format!(
            "上级政务新媒体最近一次成功抓取（{}）早于开通公告期限 {}，无法判断是否已发布",
            last.map(fmt_local_ms).unwrap_or_else(|| "无".into()),
            fmt_local(grace_end)
        )));
    }
    if !watched {
        return Some(f.not_checked(format!(
            "上级政务新媒体自 {} 起的信息未完整抓取，无法判断是否发布开通公告",
            fmt_local(from)
        )));
    }
    let names: Vec<&str> = superiors.iter().map(|s| s.name).collect();
    Some(f.verdict(
        Verdict::Violation,
        format!("{who}开通已超过 {} 天，上级政务新媒体（{}）未见开通公告", rule.grace_days, names.join("、")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::settings::BAOJI_7;
    use crate::rules::testkit::*;
    use chrono::NaiveDate;
    use xunjian_adapters::model::{ObservationKind, Platform};

    const URL: &str = "https://www.baoji.gov.cn/";

    fn rule() -> OpeningRule {
        OpeningRule { enabled: true, days: 30, grace_days: 3, keywords: OpeningRule::default_keywords(), citation: BAOJI_7 }
    }

    fn facts(opened: &str) -> AccountFacts {
        let mut f = account_facts(1, Platform::Weibo, "渭滨发布");
        f.account.spec.opened_on = Some(opened.parse::<NaiveDate>().unwrap());
        f.account.spec.superior_portal_url = Some(URL.into());
        f
    }

    fn read(id: i64, at: &str, outcome: OutcomeClass, items: &[(&str, bool)]) -> PortalSighting {
        PortalSighting {
            observation: ObservationRecord {
                id,
                account_id: None,
                platform: Platform::Weibo,
                kind: ObservationKind::Portal,
                target: URL.into(),
                source: "portal".into(),
                observed_at_ms: t(at).timestamp_millis(),
                duration_ms: 10,
                outcome,
                http_status: Some(200),
                detail: None,
                reach: Default::default(),
                shape: None,
            },
            items: items
                .iter()
                .enumerate()
                .map(|(i, (title, prominent))| PortalItem {
                    title: title.to_string(),
                    url: format!("{URL}art/{i}.html"),
                    prominent: *prominent,
                    position: i,
                    block: Some(if *prominent { "通知公告" } else { "友情链接" }.into()),
                    date: None,
                })
                .collect(),
            capture: Some(CaptureRef {
                seq: 0,
                sha256: "ab".repeat(32),
                url: URL.into(),
                http_status: Some(200),
                fetched_at_ms: t(at).timestamp_millis(),
                source: "portal".into(),
            }),
        }
    }

    const NOTICE: &str = "关于“渭滨发布”政务微博正式开通的公告";

    #[test]
    fn prominent_notice_passes_and_removal_before_day_30_is_a_violation() {
        let k = Kit::new("2026-11-10T10:00:00+08:00");
        let f = facts("2026-11-01");
        let mut reads = vec![read(1, "2026-11-02T09:00:00+08:00", OutcomeClass::Ok, &[(NOTICE, true)])];
        reads.push(read(2, "2026-11-10T09:00:00+08:00", OutcomeClass::Ok, &[(NOTICE, true), ("其他新闻", true)]));
        let v = check_portal_notice(&f, &reads, &rule(), &k.ctx()).unwrap();
        assert_eq!(v.verdict, Verdict::Pass, "{}", v.summary_zh);
        assert_eq!(v.measured["day"], 10);

        // Day 29: gone from the homepage.
        let k = Kit::new("2026-11-29T10:00:00+08:00");
        reads.push(read(3, "2026-11-29T09:00:00+08:00", OutcomeClass::Ok, &[("其他新闻", true)]));
        let v = check_portal_notice(&f, &reads, &rule(), &k.ctx()).unwrap();
        assert_eq!(v.verdict, Verdict::Violation, "{}", v.summary_zh);
        assert!(v.summary_zh.contains("未满 30 天即撤下"), "{}", v.summary_zh);
        assert_eq!(v.measured["removed"], true);
        assert_eq!(v.citation.article, "第七条");

        // Day 31: out of the window, nothing to say.
        let k = Kit::new("2026-12-01T10:00:00+08:00");
        reads.push(read(4, "2026-12-01T09:00:00+08:00", OutcomeClass::Ok, &[]));
        assert!(check_portal_notice(&f, &reads, &rule(), &k.ctx()).is_none());
    }

    #[test]
    fn missing_notice_warns_in_the_grace_days_then_violates() {
        let f = facts("2026-11-01");
        let reads = [read(1, "2026-11-02T09:00:00+08:00", OutcomeClass::Ok, &[("其他新闻", true)])];
        let k = Kit::new("2026-11-02T10:00:00+08:00");
        assert_eq!(check_portal_notice(&f, &reads, &rule(), &k.ctx()).unwrap().verdict, Verdict::Warning);
        let reads = [read(1, "2026-11-05T09:00:00+08:00", OutcomeClass::Ok, &[("其他新闻", true)])];
        let k = Kit::new("2026-11-05T10:00:00+08:00");
        let v = check_portal_notice(&f, &reads, &rule(), &k.ctx()).unwrap();
        assert_eq!(v.verdict, Verdict::Violation);
        assert!(v.evidence.iter().any(|e| e.sha256.is_some()));
    }

    #[test]
    fn not_prominent_is_a_warning_and_failed_reads_say_nothing() {
        let f = facts("2026-11-01");
        let k = Kit::new("2026-11-10T10:00:00+08:00");
        let reads = [read(1, "2026-11-10T09:00:00+08:00", OutcomeClass::Ok, &[(NOTICE, false)])];
        let v = check_portal_notice(&f, &reads, &rule(), &k.ctx()).unwrap();
        assert_eq!(v.verdict, Verdict::Warning);
        assert!(v.summary_zh.contains("不在显著位置"));

        // Seen on day 2, then only WAF pages: never "removed".
        let reads = [
            read(1, "2026-11-02T09:00:00+08:00", OutcomeClass::Ok, &[(NOTICE, true)]),
            read(2, "2026-11-10T09:00:00+08:00", OutcomeClass::Captcha, &[]),
        ];
        let v = check_portal_notice(&f, &reads, &rule(), &k.ctx()).unwrap();
        assert!(matches!(&v.verdict, Verdict::NotChecked { reason } if reason.contains("验证码")), "{v:?}");

        let mut g = facts("2026-11-01");
        g.account.spec.superior_portal_url = None;
        assert!(matches!(check_portal_notice(&g, &reads, &rule(), &k.ctx()).unwrap().verdict, Verdict::NotChecked { .. }));
        g.account.spec.opened_on = None;
        assert!(check_portal_notice(&g, &reads, &rule(), &k.ctx()).is_none(), "an old active account is out of scope");
    }

    #[test]
    fn superior_post_found_missing_or_unwatched() {
        let f = facts("2026-11-01");
        let mut p = post("S1", "2026-11-01T15:00:00+08:00");
        p.text = "“渭滨发布”今日正式上线，欢迎关注！".into();
        let posts = [PostRecord {
            row_id: 1,
            account_id: 100,
            post: p,
            first_seen_at_ms: 0,
            last_seen_at_ms: 0,
            last_observation_id: None,
        }];
        let since = t("2026-10-01T00:00:00+08:00").timestamp_millis();
        let now = t("2026-11-10T09:00:00+08:00").timestamp_millis();
        let sup = [SuperiorPosts { name: "宝鸡发布", posts: &posts, watched_since_ms: Some(since), watched_until_ms: Some(now) }];
        let k = Kit::new("2026-11-10T10:00:00+08:00");
        assert_eq!(check_superior_post(&f, &sup, &rule(), &k.ctx()).unwrap().verdict, Verdict::Pass);

        let none: [PostRecord; 0] = [];
        let sup = [SuperiorPosts { name: "宝鸡发布", posts: &none, watched_since_ms: Some(since), watched_until_ms: Some(now) }];
        let v = check_superior_post(&f, &sup, &rule(), &k.ctx()).unwrap();
        assert_eq!(v.verdict, Verdict::Violation, "{}", v.summary_zh);
        // Not read since before the deadline (11-04 00:00): it may have posted since.
        let stale = t("2026-11-03T09:00:00+08:00").timestamp_millis();
        let sup = [SuperiorPosts { name: "宝鸡发布", posts: &none, watched_since_ms: Some(since), watched_until_ms: Some(stale) }];
        let v = check_superior_post(&f, &sup, &rule(), &k.ctx()).unwrap();
        assert!(matches!(v.verdict, Verdict::NotChecked { .. }), "{v:?}");
        let late = t("2026-11-05T00:00:00+08:00").timestamp_millis();
        let sup = [SuperiorPosts { name: "宝鸡发布", posts: &none, watched_since_ms: Some(late), watched_until_ms: Some(now) }];
        assert!(matches!(check_superior_post(&f, &sup, &rule(), &k.ctx()).unwrap().verdict, Verdict::NotChecked { .. }));
        assert!(matches!(check_superior_post(&f, &[], &rule(), &k.ctx()).unwrap().verdict, Verdict::NotChecked { .. }));
    }
}
