//! The operator's weekly coverage report: what could not be checked in the
//! past seven days, per platform and per rule, and why.
//!
//! "Could not check" is never a violation and never a unit's business (it
//! cannot fix a captcha wall); it is the operator's (a cookie expired, a
//! search source not configured, a platform throttling us). Daily lists of
//! it buried the office's digest (33 lines on the demo's first day), so the
//! daily digest carries one sentence and the operator gets this, once a
//! week, with the digest.

use super::config::NotifyConfig;
use crate::rules::RuleId;
use crate::rules::coverage::outcome_zh;
use crate::store::{AccountFilter, CoverageDay, NewNotice, NoticeKind, ObservationAggregate, Store, StoreError};
use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use xunjian_adapters::model::{OutcomeClass, Platform};

/// Days a week covers.
const WEEK: u64 = 7;

/// One platform's week.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlatformWeek {
    pub accounts: usize,
    /// Days with a platform answer, summed over accounts.
    pub answered_days: i64,
    pub attempts: i64,
    /// Failed attempts by outcome, in the report's words.
    pub failures: BTreeMap<&'static str, i64>,
    /// Accounts the platform never answered for all week.
    pub silent_accounts: Vec<String>,
}

/// One rule nobody could decide for some accounts all week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleWeek {
    pub rule: RuleId,
    pub accounts: usize,
    /// The most frequent reason given.
    pub reason: String,
}

/// The week, as the report states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageWeek {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub platforms: BTreeMap<Platform, PlatformWeek>,
    pub rules: Vec<RuleWeek>,
}

/// Below this share of account-days with a platform answer, a platform is
/// worth the operator's attention.
pub const ANSWERED_SHARE_WANTED: f64 = 0.9;

impl CoverageWeek {
    /// Whether the operator has anything to do: an account no platform
    /// answered for all week, or a platform answering on fewer than 90 % of
    /// account-days. A quiet week sends nothing (`/healthz` and `xunjian
    /// status` still tell). Rules nobody could decide are listed when the
    /// report goes, but do not send it on their own: most are what a
    /// platform never shows (WeChat's comment state), the same every week.
    pub fn needs_attention(&self) -> bool {
        self.platforms.values().any(|p| {
                !p.silent_accounts.is_empty()
                    || (p.accounts > 0
                        && (p.answered_days as f64) < ANSWERED_SHARE_WANTED * (p.accounts as i64 * WEEK as i64) as f64)
            })
    }
}

/// Summarises a week from the store's aggregates. Pure, for tests.
pub fn summarise(
    first_day: NaiveDate,
    accounts: &[(i64, Platform, String)],
    observations: &[ObservationAggregate],
    coverage: &[CoverageDay],
) -> CoverageWeek {
    let by_id: HashMap<i64, &ObservationAggregate> = observations.iter().map(|o| (o.account_id, o)).collect();
    let mut platforms: BTreeMap<Platform, PlatformWeek> = BTreeMap::new();
    for (id, platform, name) in accounts {
        let p = platforms.entry(*platform).or_default();
        p.accounts += 1;
        match by_id.get(id) {
            Some(o) => {
                p.answered_days += o.answered_days;
                p.attempts += o.attempts;
                for (code, n) in &o.failures {
                    let zh = OutcomeClass::from_code(code).map(outcome_zh).unwrap_or("其他原因");
                    *p.failures.entry(zh).or_default() += n;
                }
                if o.answered_days == 0 {
                    p.silent_accounts.push(name.clone());
                }
            }
            None => p.silent_accounts.push(name.clone()),
        }
    }
    // A rule is "not decided all week" for an account when every day of
    // the week that has a record says not checked.
    let known: HashMap<i64, ()> = accounts.iter().map(|(id, _, _)| (*id, ())).collect();
    let mut per: BTreeMap<(RuleId, i64), (i64, i64, Option<String>)> = BTreeMap::new();
    for c in coverage.iter().filter(|c| known.contains_key(&c.account_id)) {
        let e = per.entry((c.rule, c.account_id)).or_default();
        e.0 += c.checked;
        e.1 += c.not_checked;
        if c.last_reason.is_some() {
            e.2.clone_from(&c.last_reason);
        }
    }
    let mut rules: BTreeMap<RuleId, (usize, BTreeMap<String, usize>)> = BTreeMap::new();
    for ((rule, _), (checked, not_checked, reason)) in per {
        if checked == 0 && not_checked > 0 {
            let e = rules.entry(rule).or_default();
            e.0 += 1;
            *e.1.entry(reason.unwrap_or_else(|| "原因未记录".to_string())).or_default() += 1;
        }
    }
    let rules = rules
        .into_iter()
        .map(|(rule, (accounts, reasons))| RuleWeek {
            rule,
            accounts,
            // Most frequent; ties by text, so the report is stable.
            reason: reasons
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                .map(|(r, _)| r)
                .unwrap_or_default(),
        })
        .collect();
    CoverageWeek { first_day, last_day: first_day + Days::new(WEEK - 1), platforms, rules }
}

/// The report's text (plain; the operator templates escape it for HTML).
pub fn body_zh(w: &CoverageWeek) -> String {
    let days = WEEK as i64;
    let mut out = format!(
        "{} 至 {}（7 天）各平台的检查覆盖情况如下。未能检查不计为违规，也不通知责任单位；持续未能检查的，请检查网络、密钥（Cookie）和平台访问频率设置。\n",
        w.first_day.format("%Y-%m-%d"),
        w.last_day.format("%Y-%m-%d")
    );
    let mut n = 0;
    for (platform, p) in &w.platforms {
        n += 1;
        let pct = if p.accounts == 0 {
            0.0
        } else {
            100.0 * p.answered_days as f64 / (p.accounts as i64 * days) as f64
        };
        out.push_str(&format!(
            "\n{n}. {}：{} 个账号，平台应答天数占 {:.0}%（{} / {}），抓取 {} 次",
            platform.display_name(),
            p.accounts,
            pct,
            p.answered_days,
            p.accounts as i64 * days,
            p.attempts
        ));
        let failed: i64 = p.failures.values().sum();
        if failed > 0 {
            let why: Vec<String> = p.failures.iter().map(|(k, v)| format!("{k} {v} 次")).collect();
            out.push_str(&format!("，未能检查 {failed} 次（{}）", why.join("，")));
        }
        out.push('。');
        if !p.silent_accounts.is_empty() {
            let shown: Vec<&str> = p.silent_accounts.iter().take(10).map(String::as_str).collect();
            let more = p.silent_accounts.len().saturating_sub(shown.len());
            out.push_str(&format!(
                "整周没有平台应答的账号 {} 个：{}{}。",
                p.silent_accounts.len(),
                shown.join("、"),
                if more > 0 { format!(" 等（另有 {more} 个）") } else { String::new() }
            ));
        }
    }
    if !w.rules.is_empty() {
        out.push_str("\n\n整周无法判定的检查项：");
        for r in &w.rules {
            out.push_str(&format!("\n  - {}：{} 个账号，{}", r.rule.display_name(), r.accounts, r.reason));
        }
    }
    out.push('\n');
    out
}

/// Writes the operator's coverage report for the seven days before
/// `now`'s day when `now` falls on `[notify] coverage_report_weekday`.
/// Its Message-ID names the week, so a second digest run that day (or on
/// another node) writes nothing. Returns the notice id when one was written.
pub async fn plan_weekly_coverage(
    store: &Store,
    cfg: &NotifyConfig,
    office_name: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let today = now.with_timezone(&Shanghai).date_naive();
    if cfg.coverage_report_weekday == 0 || today.weekday().number_from_monday() != u32::from(cfg.coverage_report_weekday)
    {
        return Ok(None);
    }
    let recipients = cfg.operator_addresses();
    if recipients.is_empty() {
        return Ok(None);
    }
    let first_day = today - Days::new(WEEK);
    let start_ms = midnight_ms(first_day);
    let end_ms = midnight_ms(today);
    let accounts: Vec<(i64, Platform, String)> = store
        .list_accounts(&AccountFilter::default())
        .await?
        .into_iter()
        .map(|a| (a.id, a.spec.platform, a.spec.display_name))
        .collect();
    let observations = store.observation_aggregates(start_ms, end_ms).await?;
    let fmt = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let coverage = store.rule_coverage(None, &fmt(first_day), &fmt(today - Days::new(1))).await?;
    let week = summarise(first_day, &accounts, &observations, &coverage);
    if !week.needs_attention() {
        return Ok(None);
    }
    let iso = first_day.iso_week();
    let notice = NewNotice {
        kind: NoticeKind::Operator,
        channel: crate::store::Channel::Email,
        recipients,
        urgent: false,
        payload: json!({
            "v": super::plan::PAYLOAD_VERSION,
            "type": "operator",
            "title": format!(
                "{office_name}政务新媒体巡检：上周检查覆盖情况（{}—{}）",
                week.first_day.format("%-m月%-d日"),
                week.last_day.format("%-m月%-d日")
            ),
            "body": body_zh(&week),
            "url": null,
        }),
        message_id: cfg.message_id(&format!("coverage-{}W{:02}", iso.year(), iso.week())),
        due_at_ms: cfg.after_quiet_hours(now).timestamp_millis(),
        finding_id: None,
        event_id: None,
    };
    store.enqueue_notice(&notice, now.timestamp_millis()).await
}

fn midnight_ms(d: NaiveDate) -> i64 {
    Shanghai
        .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
        .single()
        .map(|t| t.timestamp_millis())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn cov(account_id: i64, rule: RuleId, day: &str, checked: i64, not_checked: i64, reason: &str) -> CoverageDay {
        CoverageDay {
            account_id,
            rule,
            day: day.into(),
            checked,
            not_checked,
            last_reason: Some(reason.into()),
            last_at_ms: 0,
        }
    }

    #[test]
    fn a_week_per_platform_and_rule() {
        let accounts = vec![
            (1, Platform::Weibo, "渭滨发布".to_string()),
            (2, Platform::Weibo, "渭滨<b>公安</b>".to_string()),
            (3, Platform::Wechat, "渭滨教育".to_string()),
        ];
        let obs = vec![
            ObservationAggregate {
                account_id: 1,
                answered_days: 7,
                attempts: 30,
                failures: vec![("captcha".into(), 2), ("throttled".into(), 1)],
            },
            ObservationAggregate { account_id: 2, answered_days: 0, attempts: 9, failures: vec![("blocked".into(), 9)] },
            ObservationAggregate { account_id: 3, answered_days: 6, attempts: 7, failures: vec![] },
        ];
        let coverage = vec![
            // Impostor search never ran for 1 and 3; 2 was checked once.
            cov(1, RuleId::Impostor, "2026-11-23", 0, 3, "平台搜索未配置或尚未运行"),
            cov(1, RuleId::Impostor, "2026-11-24", 0, 3, "平台搜索未配置或尚未运行"),
            cov(2, RuleId::Impostor, "2026-11-23", 1, 3, "平台搜索未配置或尚未运行"),
            cov(3, RuleId::Impostor, "2026-11-25", 0, 1, "平台搜索未配置或尚未运行"),
            cov(3, RuleId::Zombie, "2026-11-25", 2, 0, ""),
            // An account not in the registry any more is not counted.
            cov(99, RuleId::Zombie, "2026-11-25", 0, 5, "被平台拦截"),
        ];
        let w = summarise(d("2026-11-23"), &accounts, &obs, &coverage);
        assert_eq!(w.last_day, d("2026-11-29"));
        let weibo = &w.platforms[&Platform::Weibo];
        assert_eq!((weibo.accounts, weibo.answered_days, weibo.attempts), (2, 7, 39));
        assert_eq!(weibo.failures.get("遇到验证码"), Some(&2));
        assert_eq!(weibo.failures.get("被平台拦截"), Some(&9));
        assert_eq!(weibo.silent_accounts, vec!["渭滨<b>公安</b>".to_string()]);
        assert_eq!(
            w.rules,
            vec![RuleWeek { rule: RuleId::Impostor, accounts: 2, reason: "平台搜索未配置或尚未运行".into() }]
        );
        assert!(w.needs_attention());
        let body = body_zh(&w);
        assert!(body.contains("2026-11-23 至 2026-11-29"), "{body}");
        assert!(body.contains("1. 新浪微博：2 个账号，平台应答天数占 50%（7 / 14），抓取 39 次，未能检查 12 次"), "{body}");
        assert!(body.contains("整周没有平台应答的账号 1 个：渭滨<b>公安</b>。"), "{body}");
        assert!(body.contains("2. 微信公众号：1 个账号，平台应答天数占 86%（6 / 7），抓取 7 次。"), "{body}");
        assert!(body.contains("疑似假冒账号：2 个账号，平台搜索未配置或尚未运行"), "{body}");
        // No codes or debug forms in the text.
        for english in ["captcha", "blocked", "Some(", "impostor", "Weibo"] {
            assert!(!body.contains(english), "{english} in {body}");
        }
    }

    #[test]
    fn a_quiet_week_needs_nobody() {
        let accounts = vec![(1, Platform::Weibo, "a".to_string()), (2, Platform::Weibo, "b".to_string())];
        let obs = |days: i64| {
            vec![
                ObservationAggregate { account_id: 1, answered_days: 7, attempts: 20, failures: vec![("captcha".into(), 1)] },
                ObservationAggregate { account_id: 2, answered_days: days, attempts: 20, failures: vec![] },
            ]
        };
        let fine = vec![cov(1, RuleId::Zombie, "2026-11-23", 3, 1, "遇到验证码")];
        // 13 of 14 account-days answered (93 %), every rule decided: quiet.
        assert!(!summarise(d("2026-11-23"), &accounts, &obs(6), &fine).needs_attention());
        // 11 of 14 (79 %): the platform needs a look.
        assert!(summarise(d("2026-11-23"), &accounts, &obs(4), &fine).needs_attention());
        // A rule undecided all week (WeChat shows no comment state): listed,
        // but no reason to write on its own.
        let undecided = vec![cov(2, RuleId::Interaction, "2026-11-24", 0, 2, "平台未显示评论状态")];
        let w = summarise(d("2026-11-23"), &accounts, &obs(7), &undecided);
        assert!(!w.needs_attention() && w.rules.len() == 1);
        // An account never answered all week.
        let mut silent = obs(7);
        silent[1].answered_days = 0;
        assert!(summarise(d("2026-11-23"), &accounts, &silent, &fine).needs_attention());
    }

}
