//! Three `xunjian run` processes sharing one PostgreSQL database, one of
//! them killed with SIGKILL mid-run: every due check is done exactly once
//! (per lease: the completion log has no duplicate), nothing due is left
//! behind (the dead daemon's leases expire and the others take over), each
//! job occurrence runs once, and no notice is delivered twice.
//!
//! Needs `XUNJIAN_TEST_POSTGRES_URL` (as `.ci/run` sets it); without it the
//! test says so and passes vacuously.

#[path = "common/daemon.rs"]
mod daemon_common;

use chrono::{DateTime, TimeDelta, Utc};
use daemon_common::{DaemonProc, SimAccount, SimClock, SimPost, WeiboSim, http_get, weibo_config};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::Platform;
use xunjian::store::{Store, StoreOptions};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn post(id: String, at: DateTime<Utc>) -> SimPost {
    SimPost { id, at, text: "信息".into(), repost_of: None }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_daemons_one_killed_every_check_once_no_notice_twice() {
    let Some((db_url, guard)) = daemon_common::postgres_database().await else {
        eprintln!(
            "SKIPPED three_daemons_one_killed_every_check_once_no_notice_twice: XUNJIAN_TEST_POSTGRES_URL is not set"
        );
        return;
    };
    let start = t("2026-11-02T08:00:00+08:00");
    let clock = SimClock::new(start, 1200.0, Duration::from_secs(3));
    let p_at = start + TimeDelta::minutes(30);
    // A source with a key item at 08:30; 11 targets, the even ones repost it
    // in time; one silent account whose zombie limit falls at 09:30.
    let source = SimAccount {
        uid: "7100000000".into(),
        name: "六安市人民政府发布".into(),
        posts: vec![
            post("6000000000000001".into(), start - TimeDelta::days(20)),
            post("6000000000000002".into(), p_at),
        ],
    };
    let mut accounts = vec![source.clone()];
    for i in 1..=11 {
        let mut posts = vec![post(format!("61000000000{i:05}"), start - TimeDelta::days(1))];
        if i % 2 == 0 {
            posts.push(SimPost {
                id: format!("62000000000{i:05}"),
                at: p_at + TimeDelta::minutes(20),
                text: "转发微博".into(),
                repost_of: Some(("6000000000000002".into(), source.uid.clone(), source.name.clone(), p_at)),
            });
        }
        accounts
            .push(SimAccount { uid: format!("71000000{i:02}"), name: format!("第{i}区人民政府发布"), posts });
    }
    let z_last = start - TimeDelta::days(15) + TimeDelta::minutes(90);
    accounts.push(SimAccount {
        uid: "7100000099".into(),
        name: "沉默县人民政府发布".into(),
        posts: vec![post("6300000000000001".into(), z_last)],
    });
    // Each answer takes 30 ms (36 simulated seconds): checks hold their
    // leases long enough to be caught holding one.
    let server = WeiboSim::start_with_delay(clock, accounts.clone(), Duration::from_millis(30));

    let store = Store::open(&db_url, &StoreOptions::default()).await.unwrap();
    let mut ids = BTreeMap::new();
    for (i, a) in accounts.iter().enumerate() {
        let mut spec = AccountSpec::new(Platform::Weibo, a.uid.clone(), a.name.clone());
        spec.is_source = i == 0;
        spec.contact_email = Some(format!("unit{i}@example.org"));
        ids.insert(a.uid.clone(), store.add_account(&spec, 0, "test").await.unwrap().id);
    }

    let dir = tempfile::tempdir().unwrap();
    // Each daemon writes the notices it delivers as .eml files into its own
    // outbox folder: a notice delivered twice shows up in two files.
    let mut daemons = Vec::new();
    for n in 1..=3 {
        let node_dir = dir.path().join(format!("n{n}"));
        std::fs::create_dir_all(&node_dir).unwrap();
        let config = node_dir.join("xunjian.toml");
        std::fs::write(
            &config,
            format!(
                "[general]\ndata_dir = \"data\"\n[database]\nurl = \"{db_url}\"\n[rules]\nprofile = \"luan\"\n\
                 [notify]\noffice_recipients = [\"office@example.org\"]\ndigest_time = \"\"\nlease_secs = 6000\n\
                 {}\n\
                 [daemon]\nnode_id = \"n{n}\"\nlisten = \"127.0.0.1:0\"\ntick_ms = 50\nlease_secs = 2\n\
                 outbox_interval_secs = 1\nshutdown_grace_secs = 10\ncatch_up_hours = 0\n\
                 [daemon.schedule]\nimpostor_search = \"0 9 * * *\"\n",
                weibo_config(&server.base())
            ),
        )
        .unwrap();
        daemons.push(DaemonProc::spawn(&format!("n{n}"), &config, &clock.env()));
    }
    let mut addrs = Vec::new();
    for d in daemons.iter_mut() {
        addrs.push(d.http_addr());
        d.wait_for_log("ready", Duration::from_secs(60));
    }

    // Mid-run (from 08:40, after the key item was seen), n2 dies without a
    // word while it holds a lease on a check.
    std::thread::sleep(clock.real_until(start + TimeDelta::minutes(40)));
    use sqlx::Row;
    let pool = sqlx::AnyPool::connect(&db_url).await.unwrap();
    let held = loop {
        let row = sqlx::query("SELECT account_id, kind, due_at_ms FROM due_checks WHERE lease_owner = 'n2'")
            .fetch_optional(&pool)
            .await
            .unwrap();
        if let Some(r) = row {
            daemons[1].child.kill().unwrap();
            let key: (i64, String, i64) =
                (r.try_get("account_id").unwrap(), r.try_get("kind").unwrap(), r.try_get("due_at_ms").unwrap());
            break key;
        }
        assert!(clock.now() < start + TimeDelta::minutes(120), "n2 never held a lease");
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    let killed = daemons[1].wait_exit(Duration::from_secs(10));
    assert!(!killed.success());
    let killed_at = clock.now();
    eprintln!("killed n2 at {killed_at} holding {held:?}");

    let end = start + TimeDelta::minutes(180);
    std::thread::sleep(clock.real_until(end));
    for i in [0, 2] {
        let (status, body) = http_get(addrs[i], "/healthz");
        assert_eq!(status, 200, "{body}");
    }
    for i in [0, 2] {
        daemons[i].signal("TERM");
    }
    for i in [0, 2] {
        let status = daemons[i].wait_exit(Duration::from_secs(30));
        assert_eq!(status.code(), Some(0), "{}", daemons[i].log_text());
    }
    let final_sim = clock.now();

    // 1. Every completed check once: no (account, kind, due) twice.
    let runs = store.check_runs(None).await.unwrap();
    let mut seen = BTreeSet::new();
    for r in &runs {
        assert!(seen.insert((r.account_id, r.kind.clone(), r.due_at_ms)), "done twice: {r:?}");
        assert!(r.started_at_ms >= r.due_at_ms, "started early: {r:?}");
    }
    let by_owner = runs.iter().fold(BTreeMap::<&str, usize>::new(), |mut m, r| {
        *m.entry(r.owner.as_str()).or_default() += 1;
        m
    });
    eprintln!("checks by daemon: {by_owner:?}; loopback requests: {}", server.total());
    assert!(by_owner.contains_key("n1") && by_owner.contains_key("n3"), "{by_owner:?}");
    // The dead daemon completed nothing after its death.
    assert!(runs.iter().filter(|r| r.owner == "n2").all(|r| r.finished_at_ms <= killed_at.timestamp_millis()));

    // The check n2 held when it died was done once, by a survivor (unless
    // n2 finished it in the instant before the kill).
    let held_runs: Vec<_> = runs.iter().filter(|r| (r.account_id, r.kind.clone(), r.due_at_ms) == held).collect();
    assert_eq!(held_runs.len(), 1, "{held:?}: {held_runs:?}");
    eprintln!("the check n2 held was done by {}", held_runs[0].owner);

    // 2. Every due check done: each target's repost check (from the
    // deadline 10:30 on, within the 10-minute margin), the silent
    // account's zombie-limit check, and
    // nothing overdue left in the schedule.
    let source_id = ids["7100000000"];
    let kind = format!("repost:{source_id}:6000000000000002");
    let window = (p_at + TimeDelta::minutes(60)).timestamp_millis()..(p_at + TimeDelta::minutes(70)).timestamp_millis();
    for a in accounts.iter().skip(1) {
        let id = ids[&a.uid];
        let n = runs.iter().filter(|r| r.account_id == id && r.kind == kind && window.contains(&r.due_at_ms)).count();
        assert_eq!(n, 1, "repost check of {} done {n} times", a.uid);
    }
    let z = ids["7100000099"];
    let limit_check = (z_last + TimeDelta::days(15) + TimeDelta::minutes(10)).timestamp_millis();
    assert!(runs.iter().any(|r| r.account_id == z && r.due_at_ms == limit_check), "zombie limit check missing");
    for row in store.due_checks(None).await.unwrap() {
        assert!(row.lease_owner.is_none(), "lease left behind: {row:?}");
        assert!(
            row.due_at_ms > (final_sim - TimeDelta::minutes(30)).timestamp_millis(),
            "overdue check left behind: {row:?}"
        );
    }
    // The source kept being checked every few minutes although n2 died
    // holding leases (taken over after lease_secs).
    let s_polls: Vec<_> = runs.iter().filter(|r| r.account_id == source_id && r.kind == "poll").collect();
    for w in s_polls.windows(2) {
        assert!(w[1].started_at_ms - w[0].finished_at_ms <= 60 * 60_000, "source unchecked for an hour: {w:?}");
    }

    // 3. Each job occurrence once: the 09:00 impostor search, and each
    // account searched once.
    let job = store.job_runs("impostor_search").await.unwrap();
    assert_eq!(job.len(), 1, "{job:?}");
    assert!(job[0].finished_at_ms.is_some());
    let searches = runs.iter().filter(|r| r.kind == "search").count();
    assert_eq!(searches, accounts.len());

    // 4. Notices: every sent notice delivered once, none twice. The repost
    // violations of the odd targets and the zombie account make some.
    let dupes = sqlx::query("SELECT message_id FROM notices GROUP BY message_id HAVING COUNT(*) > 1")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(dupes.is_empty());
    let sent: Vec<String> = sqlx::query("SELECT message_id FROM notices WHERE state = 'sent'")
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String, _>("message_id").unwrap())
        .collect();
    let total: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM notices").fetch_one(&pool).await.unwrap().try_get("n").unwrap();
    pool.close().await;
    let mut delivered = BTreeMap::<String, usize>::new();
    let files = (1..=3).flat_map(|n| {
        std::fs::read_dir(dir.path().join(format!("n{n}/data/outbox")))
            .map(|d| d.flatten().collect::<Vec<_>>())
            .unwrap_or_default()
    });
    for e in files {
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        if let Some(mid) = text.lines().find_map(|l| l.strip_prefix("Message-ID: ")) {
            *delivered.entry(mid.trim().to_string()).or_default() += 1;
        }
    }
    eprintln!("notices: {total} written, {} sent, {} delivered files", sent.len(), delivered.values().sum::<usize>());
    assert!(!sent.is_empty(), "the findings of the run produce notices");
    assert!(delivered.values().all(|n| *n == 1), "a notice delivered twice: {delivered:?}");
    for mid in &sent {
        assert_eq!(delivered.get(mid), Some(&1), "sent notice {mid} has no single delivered file");
    }
    store.close().await;
    guard.drop_database().await;
}
