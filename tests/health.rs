//! Health that tells the truth (issue 18): the store's health facts on
//! SQLite and (when configured) PostgreSQL, judged as `/healthz` judges
//! them; and `xunjian status` printing the same for a person, in Chinese.

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use std::process::Command;
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::{ObservationKind, OutcomeClass, Platform};
use xunjian::daemon::DaemonConfig;
use xunjian::daemon::health::{Thresholds, assess};
use xunjian::store::{Channel, NewNotice, NewObservation, NoticeKind, ObservedData, Store, StoreOptions};

async fn observe(s: &Store, account: i64, platform: Platform, outcome: OutcomeClass, at: DateTime<Utc>) {
    let obs = NewObservation {
        account_id: Some(account),
        platform,
        kind: ObservationKind::Timeline,
        target: account.to_string(),
        source: "test".into(),
        observed_at: at,
        duration_ms: 10,
        outcome,
        http_status: Some(200),
        detail: None,
        captures: &[],
    };
    s.record_observation(&obs, ObservedData::Nothing).await.unwrap();
}

/// Runs the regular check of every due account of `platform` with `outcome`
/// finishing at `at`.
async fn complete_checks(s: &Store, platform: Platform, outcome: &str, at: DateTime<Utc>, limit: i64) {
    let ms = at.timestamp_millis();
    for lease in s.lease_due_checks("test", platform, ms, ms + 60_000, limit).await.unwrap() {
        assert!(s.complete_check(&lease, Some(xunjian::store::NextDue { due_at_ms: ms + 86_400_000, decide_by_ms: ms + 2 * 86_400_000, reason: "quiet" }), ms, ms, outcome).await.unwrap());
    }
}

fn notice(id: &str, due: DateTime<Utc>) -> NewNotice {
    NewNotice {
        kind: NoticeKind::Operator,
        channel: Channel::Email,
        recipients: vec!["office@gov.example".into()],
        urgent: true,
        payload: serde_json::json!({"v": 1, "type": "operator", "title": "t", "body": "b", "url": null}),
        message_id: format!("<{id}@xunjian.local>"),
        due_at_ms: due.timestamp_millis(),
        finding_id: None,
        event_id: None,
    }
}

/// Weibo: answered 8 h before `now`, since then captchas; one of its two
/// accounts' latest check failed, the other never ran. Bilibili: one account,
/// checked and answered just now. One email notice due 2 h ago failed on a
/// stalled server; one notice waits for the digest tomorrow (not stuck).
async fn scene(s: &Store, now: DateTime<Utc>) {
    let h = TimeDelta::hours;
    let w1 = s.add_account(&AccountSpec::new(Platform::Weibo, "1000000001", "甲县发布"), 0, "test").await.unwrap();
    let _w2 = s.add_account(&AccountSpec::new(Platform::Weibo, "1000000002", "乙县发布"), 0, "test").await.unwrap();
    let b = s.add_account(&AccountSpec::new(Platform::Bilibili, "3000001", "丙县发布"), 0, "test").await.unwrap();
    s.sync_poll_checks(&[Platform::Weibo, Platform::Bilibili], (now - h(10)).timestamp_millis()).await.unwrap();
    observe(s, w1.id, Platform::Weibo, OutcomeClass::Ok, now - h(8)).await;
    observe(s, w1.id, Platform::Weibo, OutcomeClass::Captcha, now - h(1)).await;
    complete_checks(s, Platform::Weibo, "captcha", now - h(1), 1).await;
    observe(s, b.id, Platform::Bilibili, OutcomeClass::Ok, now - TimeDelta::minutes(5)).await;
    complete_checks(s, Platform::Bilibili, "ok", now - TimeDelta::minutes(5), 10).await;

    let created = (now - h(2)).timestamp_millis();
    s.enqueue_notice(&notice("stuck", now - h(2)), created).await.unwrap();
    s.enqueue_notice(&notice("digest-tomorrow", now + h(20)), created).await.unwrap();
    let leased = s.lease_due_notices("d", now.timestamp_millis(), now.timestamp_millis() + 60_000, 10).await.unwrap();
    assert_eq!(leased.len(), 1);
    let err = "邮件服务器未在时限内答复 (timed out): 2 秒内未完成发送，已中止，稍后重试";
    assert!(
        s.record_notice_failure(leased[0].id, "d", (now - h(1)).timestamp_millis(), err, Some(now.timestamp_millis() + 60_000))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn health_facts_on_every_backend() {
    for db in common::backends().await {
        let s = &db.store;
        let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-21T10:00:00+08:00").unwrap().into();
        // An empty database: nothing to judge.
        let th = Thresholds::from_config(&DaemonConfig::default());
        let empty = s.health_facts(now.timestamp_millis(), 0).await.unwrap();
        assert!(empty.platforms.is_empty() && empty.outbox.waiting == 0, "{}: {empty:?}", db.label);
        assert!(assess(&empty, &th, now.timestamp_millis()).is_empty());

        scene(s, now).await;
        let window_start = (now - TimeDelta::hours(48)).timestamp_millis();
        let f = s.health_facts(now.timestamp_millis(), window_start).await.unwrap();
        assert_eq!(f.platforms.len(), 2, "{}: {f:?}", db.label);
        let bili = &f.platforms[0];
        assert_eq!(bili.platform, "bilibili");
        assert_eq!((bili.accounts, bili.never_checked, bili.last_check_failed, bili.not_checked_in_window), (1, 0, 0, 0));
        assert_eq!(bili.last_answer_ms, Some((now - TimeDelta::minutes(5)).timestamp_millis()));
        let weibo = &f.platforms[1];
        assert_eq!(weibo.platform, "weibo");
        assert_eq!(
            (weibo.accounts, weibo.never_checked, weibo.last_check_failed, weibo.not_checked_in_window),
            (2, 1, 1, 1),
            "{}",
            db.label
        );
        assert_eq!(weibo.last_answer_ms, Some((now - TimeDelta::hours(8)).timestamp_millis()), "captchas are no answer");
        assert_eq!(weibo.first_observed_ms, Some((now - TimeDelta::hours(8)).timestamp_millis()));
        assert_eq!(f.outbox.waiting, 1, "the digest's notice is not waiting on delivery: {:?}", f.outbox);
        assert_eq!(f.outbox.oldest_waiting_created_ms, Some((now - TimeDelta::hours(2)).timestamp_millis()));
        assert_eq!(f.outbox.given_up, 0);
        let last = f.outbox.last_failure.clone().unwrap();
        assert_eq!((last.channel.as_str(), last.at_ms), ("email", (now - TimeDelta::hours(1)).timestamp_millis()));
        assert!(last.error.starts_with("邮件服务器未在时限内答复"));

        let reasons = assess(&f, &th, now.timestamp_millis());
        let codes: Vec<_> = reasons.iter().map(|r| (r.code, r.platform.clone())).collect();
        assert_eq!(codes, vec![("platform_silent", Some("weibo".to_string())), ("outbox_stuck", None)], "{reasons:?}");
        // Bilibili answers and is not a reason; within the thresholds nothing is.
        let lenient = Thresholds { platform_silent_ms: 9 * 3_600_000, outbox_stuck_ms: 3 * 3_600_000, ..th };
        assert!(assess(&f, &lenient, now.timestamp_millis()).is_empty());
        db.finish().await;
    }
}

/// `xunjian status` prints, in Chinese, what `/healthz` would say; exit 1
/// when degraded, and the breaker is "unknown" with no daemon to ask.
#[tokio::test]
async fn status_prints_per_platform_health_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = dir.path().join("xunjian.toml");
    std::fs::write(&config, format!("[general]\ndata_dir = \"data\"\n[daemon]\nlisten = \"127.0.0.1:{free}\"\n")).unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("data/xunjian.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    // The command reads the real clock: the scene is set around it.
    scene(&store, Utc::now()).await;
    store.close().await;

    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_xunjian"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env_remove("XUNJIAN_CONFIG")
            .env_remove("XUNJIAN_DATABASE_URL")
            .env_remove("RUST_LOG")
            .output()
            .unwrap()
    };
    let o = run(&["status"]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1), "degraded is exit 1:\n{out}\n{err}");
    for want in [
        "总体：降级 (degraded)",
        "[platform_silent] 新浪微博已 8 小时",
        "2 个账号中 2 个最近一次未能检查",
        "[outbox_stuck] 发件箱有 1 条到期提醒未能发出，最早的已等待 2 小时",
        "邮件服务器未在时限内答复",
        "熔断器 未知（守护进程未运行或无法访问 /healthz）",
        "账号 2 个，最近一次未能检查 1 个，从未检查 1 个，2 天 0 小时 内未检查 1 个",
        "哔哩哔哩：最近一次应答",
        "到期待发 1 条",
        "最近一次发送失败",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    assert!(err.contains("降级"), "{err}");

    let o = run(&["status", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["status"], "degraded");
    assert_eq!(v["daemon_reachable"], false);
    assert_eq!(v["reasons"][0]["code"], "platform_silent");
    assert_eq!(v["platforms"][1]["never_checked"], 1);
}
