//! `xunjian run` as a process, against a loopback Weibo, with a fast
//! simulated clock (XUNJIAN_CLOCK_*): checks happen when due (source every
//! few minutes, targets just after a repost deadline, a silent account just
//! after its zombie limit), `/healthz` and `/metrics` answer, SIGHUP with a
//! broken configuration keeps the daemon running, SIGTERM exits 0 promptly,
//! and systemd hears READY, WATCHDOG and STOPPING.

#[path = "common/daemon.rs"]
mod daemon_common;

use chrono::{DateTime, TimeDelta, Utc};
use daemon_common::{DaemonProc, SimAccount, SimClock, SimPost, WeiboSim, http_get, weibo_config, weibo_config_with};
use std::path::Path;
use std::time::{Duration, Instant};
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::{ObservationKind, Platform};
use xunjian::store::{FindingFilter, FindingState, Store, StoreOptions};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn post(id: &str, at: DateTime<Utc>, text: &str) -> SimPost {
    SimPost { id: id.into(), at, text: text.into(), repost_of: None }
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("data/xunjian.db").display())
}

/// Registers the accounts (first one the source) and returns their ids.
async fn register(url: &str, accounts: &[SimAccount], source: usize) -> Vec<i64> {
    let store = Store::open(url, &StoreOptions::default()).await.unwrap();
    let mut ids = Vec::new();
    for (i, a) in accounts.iter().enumerate() {
        let mut spec = AccountSpec::new(Platform::Weibo, a.uid.clone(), a.name.clone());
        spec.is_source = i == source;
        ids.push(store.add_account(&spec, 0, "test").await.unwrap().id);
    }
    store.close().await;
    ids
}

fn write_config(dir: &Path, base: &str, extra: &str) -> std::path::PathBuf {
    write_config_with(dir, &weibo_config(base), extra)
}

fn write_config_with(dir: &Path, platforms: &str, extra: &str) -> std::path::PathBuf {
    let path = dir.join("xunjian.toml");
    let text = format!(
        "[general]\ndata_dir = \"data\"\noffice_name = \"测试市政务公开办\"\n\
         [rules]\nprofile = \"luan\"\n\
         {}\n\
         [daemon]\nlisten = \"127.0.0.1:0\"\ntick_ms = 50\nlease_secs = 5\noutbox_interval_secs = 1\n\
         shutdown_grace_secs = 10\ncatch_up_hours = 0\n{extra}",
        platforms
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Source S posts a key item P at 09:00; T1 reposts it at 09:30, T2 never
/// does (nor Z, also a target); Z last posted 15 days before 10:00. Luan
/// profile: reposts within 60 minutes, zombie after 15 days.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_happen_when_due() {
    let start = t("2026-11-02T08:00:00+08:00");
    let clock = SimClock::new(start, 1200.0, Duration::from_secs(2));
    let p_at = start + TimeDelta::hours(1);
    let z_last = start - TimeDelta::days(15) + TimeDelta::hours(2);
    let s = SimAccount {
        uid: "7000000001".into(),
        name: "六安市人民政府发布".into(),
        posts: vec![
            post("5000000000000001", start - TimeDelta::days(20), "旧信息"),
            post("5000000000000002", p_at, "重要信息"),
        ],
    };
    let repost = SimPost {
        id: "5000000000000101".into(),
        at: p_at + TimeDelta::minutes(30),
        text: "转发微博".into(),
        repost_of: Some(("5000000000000002".into(), s.uid.clone(), s.name.clone(), p_at)),
    };
    let t1 = SimAccount {
        uid: "7000000002".into(),
        name: "金安区人民政府发布".into(),
        posts: vec![post("5000000000000100", start - TimeDelta::days(1), "本地信息"), repost],
    };
    let t2 = SimAccount {
        uid: "7000000003".into(),
        name: "裕安区人民政府发布".into(),
        posts: vec![post("5000000000000200", start - TimeDelta::days(1), "本地信息")],
    };
    let z = SimAccount {
        uid: "7000000004".into(),
        name: "霍山县人民政府发布".into(),
        posts: vec![post("5000000000000300", z_last, "很久以前")],
    };
    let accounts = vec![s, t1, t2, z];
    let server = WeiboSim::start(clock, accounts.clone());

    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let ids = register(&url, &accounts, 0).await;
    let (s_id, t1_id, t2_id, z_id) = (ids[0], ids[1], ids[2], ids[3]);
    // The impostor search at 09:00 (every account searched once).
    let config = write_config(dir.path(), &server.base(), "[daemon.schedule]\nimpostor_search = \"0 9 * * *\"\n");
    let mut d = DaemonProc::spawn("daemon", &config, &clock.env());
    let addr = d.http_addr();
    d.wait_for_log("ready", Duration::from_secs(30));
    let (status, body) = http_get(addr, "/healthz");
    assert_eq!(status, 200, "{body}");
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["scheduler_alive"], true);
    assert_eq!(health["store_reachable"], true);
    assert_eq!(health["status"], "ok", "{body}");
    assert_eq!(health["reasons"], serde_json::json!([]), "{body}");
    assert_eq!(health["platforms"][0]["platform"], "weibo", "{body}");
    assert_eq!(health["platforms"][0]["breaker"], "closed", "{body}");

    // Run the simulated morning: to 11:30.
    let end = start + TimeDelta::minutes(210);
    std::thread::sleep(clock.real_until(end));
    let (status, metrics) = http_get(addr, "/metrics");
    assert_eq!(status, 200);
    for needle in [
        "xunjian_fetches_total{platform=\"weibo\",kind=\"timeline\",outcome=\"ok\"}",
        "xunjian_fetch_duration_seconds_count{platform=\"weibo\"}",
        "xunjian_outbox_depth",
        "xunjian_scheduler_alive 1",
    ] {
        assert!(metrics.contains(needle), "missing {needle} in\n{metrics}");
    }
    // T2 and Z did not repost the key item; T1 did. A missed repost is an
    // event (issue 16): recorded, never counted among the open findings.
    assert!(!metrics.contains("xunjian_open_findings{rule=\"repost_delay\""), "{metrics}");
    let before_stop = Instant::now();
    d.signal("TERM");
    let status = d.wait_exit(Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{}", d.log_text());
    eprintln!("SIGTERM to exit: {:?}; loopback requests: {:?}", before_stop.elapsed(), server.hits());
    let log = d.log_text();
    assert!(log.contains("leases given back") && log.contains("stopped"), "{log}");

    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    let runs = store.check_runs(None).await.unwrap();
    let ms = |t: DateTime<Utc>| t.timestamp_millis();
    // Never early: every check started at or after its due time, and soon.
    for r in &runs {
        assert!(r.started_at_ms >= r.due_at_ms, "{r:?}");
        assert!(r.started_at_ms - r.due_at_ms <= 15 * 60_000, "late by more than 15 simulated minutes: {r:?}");
    }
    // The source: every 5 minutes, from 08:00 to the end.
    let s_polls: Vec<_> = runs.iter().filter(|r| r.account_id == s_id && r.kind == "poll").collect();
    assert!(s_polls.len() >= 25, "source polled {} times", s_polls.len());
    for w in s_polls.windows(2) {
        // The next check is planned 5 minutes after the check's own "now",
        // which lies between its start and its completion.
        let (earliest, latest) = (w[0].started_at_ms + 5 * 60_000, w[0].finished_at_ms + 5 * 60_000);
        assert!((earliest..=latest).contains(&w[1].due_at_ms), "5 minutes after the last check: {w:?}");
    }
    // Each target: once for the key item from its deadline on (09:00 + 60
    // min; the targets one after another at the budget, here a few
    // milliseconds apart) and otherwise daily (one poll at start).
    let kind = format!("repost:{s_id}:5000000000000002");
    for target in [t1_id, t2_id] {
        let mine: Vec<_> = runs.iter().filter(|r| r.account_id == target).collect();
        let reposts: Vec<_> = mine.iter().filter(|r| r.kind == kind).collect();
        assert_eq!(reposts.len(), 1, "{mine:?}");
        let deadline = ms(p_at + TimeDelta::minutes(60));
        assert!((deadline..deadline + 60_000).contains(&reposts[0].due_at_ms), "{reposts:?}");
        assert_eq!(mine.iter().filter(|r| r.kind == "poll").count(), 1, "{mine:?}");
    }
    let repost_findings = |id: i64| {
        let store = store.clone();
        async move {
            store
                .list_findings(&FindingFilter { account_id: Some(id), ..Default::default() })
                .await
                .unwrap()
                .into_iter()
                .filter(|f| f.rule.code() == "repost_delay")
                .collect::<Vec<_>>()
        }
    };
    let t2_findings = repost_findings(t2_id).await;
    assert_eq!(t2_findings.len(), 1, "{t2_findings:?}");
    assert_eq!(t2_findings[0].state, FindingState::Recorded);
    assert!(repost_findings(t1_id).await.iter().all(|f| f.state != FindingState::Recorded));
    // The silent account: checked just after its 15-day limit (10:00 + 10 min).
    let z_runs: Vec<_> = runs.iter().filter(|r| r.account_id == z_id).collect();
    let limit = z_last + TimeDelta::days(15);
    assert!(z_runs.iter().any(|r| r.due_at_ms == ms(limit + TimeDelta::minutes(10))), "{z_runs:?}");
    assert!(z_runs.len() >= 3, "polled more often while approaching the limit: {z_runs:?}");
    let zombie = store
        .list_findings(&FindingFilter { account_id: Some(z_id), ..Default::default() })
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.rule.code() == "zombie")
        .expect("zombie finding");
    assert_eq!(zombie.state, FindingState::Open, "{zombie:?}");
    // Z was past its zombie limit when the key item fell due: the missed
    // repost is counted in the zombie finding, not a finding of its own.
    assert!(repost_findings(z_id).await.is_empty(), "{:?}", repost_findings(z_id).await);
    assert_eq!(zombie.measured["missed_reposts"], 1, "{zombie:?}");
    // The 09:00 impostor search: each account once.
    let searches: Vec<_> = runs.iter().filter(|r| r.kind == "search").collect();
    assert_eq!(searches.len(), 4, "{searches:?}");
    assert!(searches.iter().all(|r| r.due_at_ms == ms(start + TimeDelta::hours(1))));
    let job = store.job_runs("impostor_search").await.unwrap();
    assert_eq!(job.len(), 1);
    // Observations carry the simulated time; searches are kept as such.
    let obs = store.observations_for_account(t2_id, ms(start), ms(end) + 3_600_000).await.unwrap();
    assert!(obs.iter().all(|o| o.observed_at_ms >= ms(start) && o.observed_at_ms <= ms(end) + 3_600_000));
    assert!(obs.iter().any(|o| o.kind == ObservationKind::Timeline));
    store.close().await;
}

#[tokio::test]
async fn sighup_with_a_broken_config_keeps_running_and_sigterm_exits_0() {
    let clock = SimClock::new(t("2026-11-02T08:00:00+08:00"), 60.0, Duration::from_millis(500));
    let a =
        SimAccount { uid: "7000000011".into(), name: "测试发布".into(), posts: vec![post("1", clock.start, "x")] };
    let server = WeiboSim::start(clock, vec![a.clone()]);
    let dir = tempfile::tempdir().unwrap();
    register(&sqlite_url(dir.path()), &[a], usize::MAX).await;
    let config = write_config(dir.path(), &server.base(), "");
    let good = std::fs::read_to_string(&config).unwrap();
    let mut d = DaemonProc::spawn("daemon", &config, &clock.env());
    let addr = d.http_addr();
    d.wait_for_log("ready", Duration::from_secs(30));

    std::fs::write(&config, format!("{good}\n[daemon.schedule]\ndigest = \"every morning\"\n")).unwrap();
    d.signal("HUP");
    let line = d.wait_for_log("rejected", Duration::from_secs(10));
    assert!(line.contains("every morning"), "the log line names the problem: {line}");
    assert_eq!(http_get(addr, "/healthz").0, 200);
    assert!(!d.log_text().contains("reloaded"));

    std::fs::write(&config, good.replace("测试市政务公开办", "另一个办公室")).unwrap();
    d.signal("HUP");
    d.wait_for_log("configuration and registry reloaded", Duration::from_secs(10));
    assert_eq!(http_get(addr, "/healthz").0, 200);
    assert_eq!(http_get(addr, "/nope").0, 404);

    let asked = Instant::now();
    d.signal("TERM");
    let status = d.wait_exit(Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{}", d.log_text());
    eprintln!("SIGTERM to exit: {:?}", asked.elapsed());
    assert!(server.total() > 0);
}

/// The systemd protocol without systemd: a datagram socket as NOTIFY_SOCKET.
#[tokio::test]
async fn systemd_hears_ready_watchdog_and_stopping() {
    use std::os::unix::net::UnixDatagram;
    let clock = SimClock::new(t("2026-11-02T08:00:00+08:00"), 1.0, Duration::ZERO);
    let server = WeiboSim::start(clock, vec![]);
    let dir = tempfile::tempdir().unwrap();
    register(&sqlite_url(dir.path()), &[], 0).await;
    let config = write_config(dir.path(), &server.base(), "");
    let sock_path = dir.path().join("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut env = clock.env();
    env.push(("NOTIFY_SOCKET".into(), sock_path.display().to_string()));
    env.push(("WATCHDOG_USEC".into(), "400000".into()));
    let mut d = DaemonProc::spawn("daemon", &config, &env);
    // DaemonProc removes NOTIFY_SOCKET from the inherited environment and
    // then sets ours.
    let mut seen = Vec::new();
    let mut buf = [0u8; 512];
    while !(seen.iter().any(|m: &String| m.contains("READY=1")) && seen.iter().any(|m| m.contains("WATCHDOG=1"))) {
        let n = sock.recv(&mut buf).unwrap_or_else(|e| panic!("no notification ({e}); got {seen:?}\n{}", d.log_text()));
        seen.push(String::from_utf8_lossy(&buf[..n]).to_string());
    }
    d.signal("TERM");
    while !seen.iter().any(|m| m.contains("STOPPING=1")) {
        let n = sock.recv(&mut buf).unwrap_or_else(|e| panic!("no STOPPING ({e}); got {seen:?}"));
        seen.push(String::from_utf8_lossy(&buf[..n]).to_string());
    }
    assert_eq!(d.wait_exit(Duration::from_secs(30)).code(), Some(0));
    assert!(seen.iter().any(|m| m.contains("STATUS=")), "{seen:?}");
}

/// A platform that refuses every request: the circuit breaker opens, the
/// operator hears of it once, the accounts show "not checked" — and no
/// finding comes of it (a failed observation is never a violation).
#[tokio::test]
async fn a_platform_that_blocks_us_trips_the_breaker_and_tells_the_operator_once() {
    let start = t("2026-11-02T08:00:00+08:00");
    let clock = SimClock::new(start, 1200.0, Duration::from_secs(1));
    let accounts: Vec<SimAccount> = (1..=3)
        .map(|i| SimAccount {
            uid: format!("70000001{i:02}"),
            name: format!("第{i}县人民政府发布"),
            posts: vec![post(&format!("7{i}"), start - TimeDelta::days(20), "x")],
        })
        .collect();
    let server = WeiboSim::start(clock, accounts.clone());
    server.block();
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    register(&url, &accounts, usize::MAX).await;
    let config = write_config_with(
        dir.path(),
        &weibo_config_with(&server.base(), 2),
        "[notify]\noffice_recipients = [\"office@example.org\"]\ndigest_time = \"\"\n",
    );
    let mut d = DaemonProc::spawn("daemon", &config, &clock.env());
    let addr = d.http_addr();
    d.wait_for_log("circuit breaker open", Duration::from_secs(30));
    // Three simulated hours: every account retried (hourly) behind the open breaker.
    std::thread::sleep(clock.real_until(start + TimeDelta::hours(3)));
    let (_, metrics) = http_get(addr, "/metrics");
    for needle in ["xunjian_circuit_open{platform=\"weibo\"} 1", "xunjian_accounts_not_checked{reason=\"blocked\"} 3"] {
        assert!(metrics.contains(needle), "missing {needle} in\n{metrics}");
    }
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(30)).code(), Some(0));

    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    use sqlx::Row;
    let operator: Vec<String> = sqlx::query("SELECT message_id FROM notices WHERE kind = 'operator'")
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String, _>("message_id").unwrap())
        .collect();
    assert_eq!(operator.len(), 1, "{operator:?}");
    assert!(operator[0].contains("operator-breaker-weibo-20261102"), "{operator:?}");
    // Only two requests reached the platform: the breaker held the rest back.
    assert_eq!(server.hits().get("blocked"), Some(&2), "{:?}", server.hits());
    let runs = store.check_runs(None).await.unwrap();
    assert!(runs.len() >= 9, "each account retried hourly: {}", runs.len());
    assert!(runs.iter().filter(|r| r.kind == "poll").all(|r| r.outcome == "blocked"), "{runs:?}");
    let problems = store
        .list_findings(&FindingFilter { states: vec![FindingState::Open, FindingState::Warning], ..Default::default() })
        .await
        .unwrap();
    assert!(problems.is_empty(), "a blocked fetch is never a violation: {problems:?}");
    pool.close().await;
    store.close().await;
}
