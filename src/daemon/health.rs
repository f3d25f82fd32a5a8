//! Health that tells the truth (issue 18): a running daemon is not a
//! working one. From the store's facts, `/healthz` and `xunjian status`
//! judge the same way: degraded when a polled platform has not answered for
//! `[daemon] health_platform_silent_hours` (no network: nothing can be
//! checked) or a due notice has waited `health_outbox_stuck_minutes` (the
//! mail server or a robot is down or stalls). Pure functions of the facts
//! and `now`.

use super::DaemonConfig;
use crate::store::{HealthFacts, PlatformFacts};
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use xunjian_adapters::model::Platform;

/// When the judgement turns to degraded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub platform_silent_ms: i64,
    pub outbox_stuck_ms: i64,
    /// Accounts count as "not checked" when no check finished within this
    /// long: twice the longest gap between two regular checks.
    pub check_window_ms: i64,
}

impl Thresholds {
    pub fn from_config(d: &DaemonConfig) -> Thresholds {
        Thresholds {
            platform_silent_ms: i64::from(d.health_platform_silent_hours) * 3_600_000,
            outbox_stuck_ms: i64::from(d.health_outbox_stuck_minutes) * 60_000,
            check_window_ms: i64::from(d.quiet_interval_hours) * 2 * 3_600_000,
        }
    }
}

/// One reason for "degraded".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// `platform_silent` or `outbox_stuck`, for machines.
    pub code: &'static str,
    pub platform: Option<String>,
    /// For people.
    pub message: String,
}

/// `2026-11-21 10:00` in Asia/Shanghai.
pub fn local(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// `3 小时 20 分钟`, `45 分钟`, `2 天 1 小时`.
pub fn span_zh(ms: i64) -> String {
    let m = ms.max(0) / 60_000;
    let (d, h, min) = (m / 1440, (m % 1440) / 60, m % 60);
    match (d, h) {
        (0, 0) => format!("{min} 分钟"),
        (0, _) => format!("{h} 小时 {min} 分钟"),
        _ => format!("{d} 天 {h} 小时"),
    }
}

pub fn platform_name(code: &str) -> String {
    Platform::from_code(code).map(|p| p.display_name().to_string()).unwrap_or_else(|| code.to_string())
}

fn platform_reason(p: &PlatformFacts, th: &Thresholds, now_ms: i64) -> Option<Reason> {
    if p.accounts == 0 {
        return None;
    }
    let name = platform_name(&p.platform);
    let tail = format!("{} 个账号中 {} 个最近一次未能检查", p.accounts, p.last_check_failed + p.never_checked);
    let message = match (p.last_answer_ms, p.first_observed_ms) {
        (Some(last), _) if now_ms - last > th.platform_silent_ms => format!(
            "{name}已 {} 没有应答（最近一次应答 {}），{tail}；请检查网络、代理和该平台是否拦截",
            span_zh(now_ms - last),
            local(last)
        ),
        // Asked since long enough and never answered: a fresh install
        // without network.
        (None, Some(first)) if now_ms - first > th.platform_silent_ms => format!(
            "{name}自 {} 开始抓取以来从未应答，{tail}；请检查网络、代理和该平台是否拦截",
            local(first)
        ),
        _ => return None,
    };
    Some(Reason { code: "platform_silent", platform: Some(p.platform.clone()), message })
}

/// Why the daemon is degraded; empty when it is not.
pub fn assess(f: &HealthFacts, th: &Thresholds, now_ms: i64) -> Vec<Reason> {
    let mut reasons: Vec<Reason> = f.platforms.iter().filter_map(|p| platform_reason(p, th, now_ms)).collect();
    if let Some(oldest) = f.outbox.oldest_waiting_created_ms
        && now_ms - oldest > th.outbox_stuck_ms
    {
        let last = f
            .outbox
            .last_failure
            .as_ref()
            .map(|l| format!("；最近一次失败（{} {}）：{}", local(l.at_ms), l.channel, l.error))
            .unwrap_or_default();
        reasons.push(Reason {
            code: "outbox_stuck",
            platform: None,
            message: format!(
                "发件箱有 {} 条到期提醒未能发出，最早的已等待 {}{last}",
                f.outbox.waiting,
                span_zh(now_ms - oldest)
            ),
        });
    }
    reasons
}

/// What the office must do that does not stop the daemon working today:
/// next year's holiday calendar missing from 1 November. A warning, not a
/// reason for "degraded": every check and deadline still runs correctly
/// until 25 December, and a 503 for weeks would teach the operator to
/// ignore `/healthz` (or make a supervisor restart a healthy daemon).
/// A missing *current* year is listed too; the deadlines that need it are
/// reported as errors where they are computed.
pub fn warnings(now_ms: i64) -> Vec<crate::calendar::CoverageWarning> {
    Utc.timestamp_millis_opt(now_ms).single().map(crate::calendar::active_coverage_warnings).unwrap_or_default()
}

/// The JSON both `/healthz` and `xunjian status --json`… give: reasons,
/// warnings (see [`warnings`]), platforms (with the breaker state when the
/// daemon knows it), outbox.
pub fn to_json(f: &HealthFacts, reasons: &[Reason], breakers: &BTreeMap<String, String>, now_ms: i64) -> Value {
    let rfc = |ms: i64| Utc.timestamp_millis_opt(ms).single().map(|t| t.with_timezone(&chrono_tz::Asia::Shanghai).to_rfc3339());
    json!({
        "reasons": reasons.iter().map(|r| json!({"code": r.code, "platform": r.platform, "message": r.message})).collect::<Vec<_>>(),
        "warnings": warnings(now_ms).iter().map(|w| json!({"code": w.code, "year": w.year, "message": w.message})).collect::<Vec<_>>(),
        "platforms": f.platforms.iter().map(|p| json!({
            "platform": p.platform,
            "accounts": p.accounts,
            "never_checked": p.never_checked,
            "last_check_failed": p.last_check_failed,
            "not_checked_in_window": p.not_checked_in_window,
            "last_answer": p.last_answer_ms.and_then(rfc),
            "breaker": breakers.get(&p.platform),
        })).collect::<Vec<_>>(),
        "outbox": {
            "waiting": f.outbox.waiting,
            "oldest_waiting_age_secs": f.outbox.oldest_waiting_created_ms.map(|c| (now_ms - c).max(0) / 1000),
            "given_up": f.outbox.given_up,
            "last_failure": f.outbox.last_failure.as_ref().map(|l| json!({
                "notice": l.notice_id, "channel": l.channel, "at": rfc(l.at_ms), "error": l.error,
            })),
        },
    })
}

fn breaker_zh(state: Option<&str>) -> &'static str {
    match state {
        Some("closed") => "正常",
        Some("open") => "熔断中（暂停访问）",
        Some("half_open") | Some("half-open") => "试探恢复中",
        Some(_) => "未知",
        None => "未知（守护进程未运行或无法访问 /healthz）",
    }
}

/// `xunjian status` for a person.
pub fn render_zh(
    f: &HealthFacts,
    reasons: &[Reason],
    breakers: Option<&BTreeMap<String, String>>,
    th: &Thresholds,
    now_ms: i64,
) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "巡检运行状态（{}）", local(now_ms));
    if reasons.is_empty() {
        let _ = writeln!(out, "总体：正常 (ok)");
    } else {
        let _ = writeln!(out, "总体：降级 (degraded)");
        for r in reasons {
            let _ = writeln!(out, "  - [{}] {}", r.code, r.message);
        }
    }
    for w in warnings(now_ms) {
        let _ = writeln!(out, "提醒 (warning) [{}]：{}", w.code, w.message);
    }
    let _ = writeln!(out, "\n平台（未检查 = 最近一次未能检查或 {} 内未检查）：", span_zh(th.check_window_ms));
    if f.platforms.is_empty() {
        // The platforms come from the daemon's schedule: empty until
        // `xunjian run` has planned its first checks.
        let _ = writeln!(out, "  （尚无排定的检查：守护进程还未运行过，或台账中没有在用的账号）");
    }
    for p in &f.platforms {
        let last = p.last_answer_ms.map(local).unwrap_or_else(|| "从未应答".to_string());
        let breaker = match breakers {
            None => breaker_zh(None),
            Some(b) => b.get(&p.platform).map_or("未启用（守护进程没有该平台的适配器）", |s| breaker_zh(Some(s))),
        };
        let _ = writeln!(
            out,
            "  {}：最近一次应答 {last}；熔断器 {breaker}；账号 {} 个，最近一次未能检查 {} 个，从未检查 {} 个，{} 内未检查 {} 个",
            platform_name(&p.platform),
            p.accounts,
            p.last_check_failed,
            p.never_checked,
            span_zh(th.check_window_ms),
            p.not_checked_in_window
        );
    }
    let o = &f.outbox;
    let _ = writeln!(out, "\n发件箱：");
    match o.oldest_waiting_created_ms {
        Some(c) => {
            let _ = writeln!(out, "  到期待发 {} 条，最早的已等待 {}", o.waiting, span_zh(now_ms - c));
        }
        None => {
            let _ = writeln!(out, "  没有到期待发的提醒");
        }
    }
    if o.given_up > 0 {
        let _ = writeln!(out, "  已放弃 {} 条（xunjian notices list --state failed 查看，notices resend 重发）", o.given_up);
    }
    match &o.last_failure {
        Some(l) => {
            let _ = writeln!(out, "  最近一次发送失败：{}（提醒 {}，{}）{}", local(l.at_ms), l.notice_id, l.channel, l.error);
        }
        None => {
            let _ = writeln!(out, "  最近没有发送失败");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{DeliveryFailureFact, OutboxFacts};

    const H: i64 = 3_600_000;

    fn th() -> Thresholds {
        Thresholds::from_config(&DaemonConfig::default())
    }

    fn weibo(last_answer_ms: Option<i64>, first_observed_ms: Option<i64>) -> PlatformFacts {
        PlatformFacts {
            platform: "weibo".into(),
            accounts: 3,
            last_check_failed: 3,
            last_answer_ms,
            first_observed_ms,
            ..Default::default()
        }
    }

    #[test]
    fn silent_platforms_and_stuck_outboxes_are_reasons() {
        let now = 100 * H;
        let f = |p| HealthFacts { platforms: vec![p], outbox: OutboxFacts::default() };
        // Answered 5 h ago: within 6 h.
        assert!(assess(&f(weibo(Some(now - 5 * H), Some(0))), &th(), now).is_empty());
        let r = assess(&f(weibo(Some(now - 7 * H), Some(0))), &th(), now);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].code, r[0].platform.as_deref()), ("platform_silent", Some("weibo")));
        assert!(r[0].message.starts_with("新浪微博已 7 小时 0 分钟 没有应答"), "{}", r[0].message);
        assert!(r[0].message.contains("3 个账号中 3 个最近一次未能检查"), "{}", r[0].message);
        // Never answered: degraded once we have asked for longer than 6 h,
        // not before (a daemon just started).
        assert!(assess(&f(weibo(None, Some(now - H))), &th(), now).is_empty());
        let r = assess(&f(weibo(None, Some(now - 8 * H))), &th(), now);
        assert!(r[0].message.contains("从未应答"), "{}", r[0].message);
        assert!(assess(&f(weibo(None, None)), &th(), now).is_empty(), "nothing asked yet");

        let mut stuck = HealthFacts::default();
        stuck.outbox.waiting = 2;
        stuck.outbox.oldest_waiting_created_ms = Some(now - 30 * 60_000);
        assert!(assess(&stuck, &th(), now).is_empty(), "30 minutes is within the hour");
        stuck.outbox.oldest_waiting_created_ms = Some(now - 2 * H);
        stuck.outbox.last_failure = Some(DeliveryFailureFact {
            notice_id: 9,
            channel: "email".into(),
            at_ms: now - 60_000,
            error: "邮件服务器未在时限内答复 (timed out): …".into(),
        });
        let r = assess(&stuck, &th(), now);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].code, "outbox_stuck");
        assert!(r[0].message.contains("2 条到期提醒未能发出，最早的已等待 2 小时 0 分钟"), "{}", r[0].message);
        assert!(r[0].message.contains("邮件服务器未在时限内答复"), "{}", r[0].message);
        let j = to_json(&stuck, &r, &BTreeMap::new(), now);
        assert_eq!(j["reasons"][0]["code"], "outbox_stuck");
        assert_eq!(j["outbox"]["oldest_waiting_age_secs"], 7200);
    }

    #[test]
    fn spans_read_naturally() {
        assert_eq!(span_zh(45 * 60_000), "45 分钟");
        assert_eq!(span_zh(3 * H + 20 * 60_000), "3 小时 20 分钟");
        assert_eq!(span_zh(49 * H), "2 天 1 小时");
    }
}
