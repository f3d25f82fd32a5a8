//! `xunjian run` on a fast simulated clock against the loopback Weibo, for
//! two deadlines that a daily look used to miss by a day (issue 19):
//!
//! * a key item the source's look first reads after its repost deadline
//!   (here: a two-hour source interval) still gets its target checks, at
//!   once, and the missed-repost finding says when the item was first read;
//! * an account the platform says is gone is looked at again within the
//!   retry interval, not a day later, until the vanished rule can decide.

#[path = "common/daemon.rs"]
mod daemon_common;

use chrono::{DateTime, TimeDelta, Utc};
use daemon_common::{DaemonProc, SimAccount, SimClock, SimPost, WeiboSim, weibo_config};
use std::path::Path;
use std::time::Duration;
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::{OutcomeClass, Platform};
use xunjian::store::{EventKind, FindingFilter, FindingState, Store, StoreOptions};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn post(id: &str, at: DateTime<Utc>, text: &str) -> SimPost {
    SimPost {
        id: id.into(),
        at,
        text: text.into(),
        repost_of: None,
    }
}

/// An account whose one post is from the day before `start`.
fn local_account(uid: &str, name: &str, post_id: &str, start: DateTime<Utc>) -> SimAccount {
    SimAccount {
        uid: uid.into(),
        name: name.into(),
        posts: vec![post(post_id, start - TimeDelta::hours(20), "本地信息")],
    }
}

fn sqlite_url(dir: &Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        dir.join("data/xunjian.db").display()
    )
}

async fn register(url: &str, accounts: &[SimAccount], source: Option<usize>) -> Vec<i64> {
    let store = Store::open(url, &StoreOptions::default()).await.unwrap();
    let mut ids = Vec::new();
    for (i, a) in accounts.iter().enumerate() {
        let mut spec = AccountSpec::new(Platform::Weibo, a.uid.clone(), a.name.clone());
        spec.is_source = Some(i) == source;
        ids.push(store.add_account(&spec, 0, "test").await.unwrap().id);
    }
    store.close().await;
    ids
}

fn write_config(dir: &Path, base: &str, daemon: &str) -> std::path::PathBuf {
    let path = dir.join("xunjian.toml");
    let text = format!(
        "[general]\ndata_dir = \"data\"\noffice_name = \"测试市政务公开办\"\n\
         [rules]\nprofile = \"luan\"\n\
         {}\n\
         [daemon]\nlisten = \"\"\ntick_ms = 20\nlease_secs = 5\noutbox_interval_secs = 1\n\
         shutdown_grace_secs = 10\ncatch_up_hours = 0\ndeadline_margin_minutes = 10\n{daemon}\
         [daemon.schedule]\nsweep = \"\"\nimpostor_search = \"\"\ndigest = \"\"\nprune = \"\"\n",
        weibo_config(base)
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Sleeps until the simulated clock reads `end` (it stands still until its
/// anchor, so one `real_until` taken before may fall short).
fn run_until(clock: &SimClock, end: DateTime<Utc>) {
    while clock.now() < end {
        std::thread::sleep(clock.real_until(end).max(Duration::from_millis(20)));
    }
}

fn minutes(ms: i64) -> f64 {
    ms as f64 / 60_000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_item_first_read_after_its_deadline_gets_its_target_checks_at_once() {
    let start = t("2026-11-03T08:00:00+08:00");
    let clock = SimClock::new(start, 1200.0, Duration::from_secs(2));
    // The key item appears ten minutes after the source's first look; with
    // a two-hour source interval the next look (10:00) is past its deadline
    // (09:10) and the margin (09:20).
    let p_at = start + TimeDelta::minutes(10);
    let s = SimAccount {
        uid: "7100000001".into(),
        name: "六安市人民政府发布".into(),
        posts: vec![
            post("5100000000000001", start - TimeDelta::days(20), "旧信息"),
            post("5100000000000002", p_at, "重要信息"),
        ],
    };
    let in_time = SimPost {
        id: "5100000000000201".into(),
        at: p_at + TimeDelta::minutes(30),
        text: "转发微博".into(),
        repost_of: Some((
            "5100000000000002".into(),
            s.uid.clone(),
            s.name.clone(),
            p_at,
        )),
    };
    let t1 = local_account("7100000002", "金安区人民政府发布", "5100000000000100", start);
    let t2 = SimAccount {
        uid: "7100000003".into(),
        name: "裕安区人民政府发布".into(),
        posts: vec![
            post("5100000000000200", start - TimeDelta::hours(20), "本地信息"),
            in_time,
        ],
    };
    let accounts = vec![s, t1, t2];
    let server = WeiboSim::start(clock, accounts.clone());
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let ids = register(&url, &accounts, Some(0)).await;
    let config = write_config(
        dir.path(),
        &server.base(),
        "source_interval_minutes = 120\n",
    );
    let mut d = DaemonProc::spawn("late-seen", &config, &clock.env());
    d.wait_for_log("ready", Duration::from_secs(60));
    run_until(&clock, start + TimeDelta::minutes(150));
    d.signal("TERM");
    assert_eq!(
        d.wait_exit(Duration::from_secs(30)).code(),
        Some(0),
        "{}",
        d.log_text()
    );
    let log = d.log_text();
    assert!(
        log.contains("key item first seen after its repost deadline"),
        "{log}"
    );

    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    let runs = store.check_runs(None).await.unwrap();
    // The source look that first read the item.
    let kind = format!("repost:{}:5100000000000002", ids[0]);
    let seen_by = runs
        .iter()
        .filter(|r| {
            r.account_id == ids[0] && r.kind == "poll" && r.started_at_ms > p_at.timestamp_millis()
        })
        .map(|r| r.finished_at_ms)
        .min()
        .unwrap_or_else(|| {
            panic!(
                "a source look after the item: {:?}\n{log}",
                runs.iter()
                    .filter(|r| r.account_id == ids[0])
                    .collect::<Vec<_>>()
            )
        });
    let deadline = p_at + TimeDelta::hours(1);
    assert!(
        seen_by > (deadline + TimeDelta::minutes(10)).timestamp_millis(),
        "the item was read in time: {runs:?}"
    );
    for (i, id) in ids.iter().enumerate().skip(1) {
        let mine: Vec<_> = runs
            .iter()
            .filter(|r| r.account_id == *id && r.kind == kind)
            .collect();
        assert_eq!(mine.len(), 1, "target {i}: {runs:?}");
        let waited = mine[0].started_at_ms - seen_by;
        eprintln!(
            "target {i}: checked {:.1} simulated minutes after the item was first read",
            minutes(waited)
        );
        // "At once": within a few simulated minutes (a 20 ms tick is 0.4 min).
        assert!(
            waited <= 5 * 60_000,
            "target {i} waited {:.1} min: {:?}",
            minutes(waited),
            mine[0]
        );
    }
    let missed = |id: i64| {
        let store = &store;
        async move {
            store
                .list_findings(&FindingFilter {
                    account_id: Some(id),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_iter()
                .filter(|f| f.rule.code() == "repost_delay" && f.state == FindingState::Recorded)
                .collect::<Vec<_>>()
        }
    };
    let t1_missed = missed(ids[1]).await;
    assert_eq!(t1_missed.len(), 1, "{t1_missed:?}");
    assert!(
        t1_missed[0].summary_zh.contains("才首次读到该重要信息"),
        "{}",
        t1_missed[0].summary_zh
    );
    assert!(missed(ids[2]).await.is_empty(), "T2 reposted in time");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vanished_account_is_looked_at_again_within_the_hour() {
    let start = t("2026-11-03T08:00:00+08:00");
    let clock = SimClock::new(start, 3600.0, Duration::from_secs(2));
    let a = local_account("7200000001", "霍邱县人民政府发布", "5200000000000100", start);
    let b = local_account("7200000002", "舒城县人民政府发布", "5200000000000200", start);
    let accounts = vec![a, b];
    let server = WeiboSim::start(clock, accounts.clone());
    server.delete_at("7200000002", start + TimeDelta::hours(1));
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let ids = register(&url, &accounts, None).await;
    // Routine looks every three hours, retries after an hour (the default).
    let config = write_config(
        dir.path(),
        &server.base(),
        "quiet_interval_hours = 3\nretry_minutes = 60\n",
    );
    let mut d = DaemonProc::spawn("vanished", &config, &clock.env());
    d.wait_for_log("ready", Duration::from_secs(60));
    let end = start + TimeDelta::hours(30);
    run_until(&clock, end);
    d.signal("TERM");
    assert_eq!(
        d.wait_exit(Duration::from_secs(30)).code(),
        Some(0),
        "{}",
        d.log_text()
    );

    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    let runs = store.check_runs(None).await.unwrap();
    let gone: Vec<_> = runs
        .iter()
        .filter(|r| r.account_id == ids[1] && r.outcome == OutcomeClass::NotFound.code())
        .collect();
    let first = gone
        .iter()
        .map(|r| r.finished_at_ms)
        .min()
        .expect("the deletion was seen");
    assert!(
        first <= (start + TimeDelta::hours(4) + TimeDelta::minutes(15)).timestamp_millis(),
        "first seen gone: {gone:?}"
    );
    // The second look: within the retry interval (plus a tick), not a day.
    let second = gone
        .iter()
        .map(|r| r.started_at_ms)
        .filter(|at| *at > first)
        .min()
        .expect("a second look");
    eprintln!(
        "second look {:.0} simulated minutes after the first 'not found'",
        minutes(second - first)
    );
    assert!(
        second - first <= 75 * 60_000,
        "second look after {:.0} min",
        minutes(second - first)
    );

    let findings = store
        .list_findings(&FindingFilter {
            account_id: Some(ids[1]),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|f| f.rule.code() == "vanished")
        .collect::<Vec<_>>();
    assert_eq!(findings.len(), 1, "{findings:?}");
    let events = store.finding_events(findings[0].id).await.unwrap();
    let at = |k: EventKind| events.iter().filter(|e| e.kind == k).map(|e| e.at_ms).min();
    // A warning at the first answer; the violation once two endpoints agree
    // a day apart (the rule's own guard), decided at the first hourly look
    // after that day, not at the next routine look.
    let warned = at(EventKind::Warned).expect("a warning");
    assert!(
        warned - first <= 5 * 60_000,
        "warned {:.0} min after the first answer",
        minutes(warned - first)
    );
    let opened = [at(EventKind::Opened), at(EventKind::Escalated)]
        .into_iter()
        .flatten()
        .min()
        .expect("a violation");
    let after_day = opened - first - 24 * 3_600_000;
    eprintln!(
        "vanished decided {:.0} simulated minutes after the rule's day had passed",
        minutes(after_day)
    );
    assert!(
        (0..=75 * 60_000).contains(&after_day),
        "decided {:.0} min after the day",
        minutes(after_day)
    );
    // The other account was never called gone.
    assert!(
        !runs
            .iter()
            .any(|r| r.account_id == ids[0] && r.outcome == OutcomeClass::NotFound.code())
    );
    store.close().await;
}
