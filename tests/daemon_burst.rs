//! One key item, 300 target accounts, the default politeness budget of 12
//! requests a minute per egress route (scaled by the clock's speed, as the
//! budget is paced on real time): with eight routes (eight loopback source
//! addresses) every target's repost is decided between the deadline and
//! the deadline plus the 10-minute margin, the source keeps being polled
//! during the round, and every route carries a share. With one route the
//! daemon says at once that the round cannot fit, in the log, `/metrics`,
//! `/healthz` and `xunjian status`.

#[path = "common/daemon.rs"]
mod daemon_common;

use chrono::{DateTime, TimeDelta, Utc};
use daemon_common::{DaemonProc, SimAccount, SimClock, SimPost, WeiboSim, http_get};
use std::path::Path;
use std::time::Duration;
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::Platform;
use xunjian::store::{FindingFilter, FindingState, Store, StoreOptions};

/// Simulated seconds per real second. The budget is paced on real time, so
/// "12 a minute" of simulated time is 12 × SPEED a real minute per route.
const SPEED: f64 = 30.0;
const TARGETS: usize = 300;
const MARGIN_MIN: i64 = 10;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn post(id: String, at: DateTime<Utc>, text: &str, repost_of: Option<(String, String, String, DateTime<Utc>)>) -> SimPost {
    SimPost { id, at, text: text.into(), repost_of }
}

/// The source (first) and its targets; every tenth target reposts the key
/// item within the hour, the others never do.
fn world(start: DateTime<Utc>, p_at: DateTime<Utc>) -> Vec<SimAccount> {
    let source = SimAccount {
        uid: "7300000000".into(),
        name: "六安市人民政府发布".into(),
        posts: vec![
            post("5300000000000001".into(), start - TimeDelta::days(1), "昨日信息", None),
            post("5300000000000002".into(), p_at, "重要信息", None),
        ],
    };
    let mut accounts = vec![source.clone()];
    for i in 1..=TARGETS {
        let uid = format!("73{i:08}");
        let mut posts = vec![post(format!("54{i:014}"), start - TimeDelta::hours(20), "本地信息", None)];
        if i % 10 == 0 {
            let of = ("5300000000000002".to_string(), source.uid.clone(), source.name.clone(), p_at);
            posts.push(post(format!("55{i:014}"), p_at + TimeDelta::minutes(20), "转发微博", Some(of)));
        }
        accounts.push(SimAccount { uid, name: format!("第{i}号单位发布"), posts });
    }
    accounts
}

async fn register(url: &str, accounts: &[SimAccount]) -> Vec<i64> {
    let store = Store::open(url, &StoreOptions::default()).await.unwrap();
    let mut ids = Vec::new();
    for (i, a) in accounts.iter().enumerate() {
        let mut spec = AccountSpec::new(Platform::Weibo, a.uid.clone(), a.name.clone());
        spec.is_source = i == 0;
        ids.push(store.add_account(&spec, 0, "test").await.unwrap().id);
    }
    store.close().await;
    ids
}

/// The daemon's configuration: Weibo at the default budget on `routes`
/// loopback source addresses (127.0.0.1, 127.0.0.2, …).
fn write_config(dir: &Path, base: &str, routes: usize, listen: &str) -> std::path::PathBuf {
    let per_route = (12.0 * SPEED) as u32;
    let mut route_tables = String::new();
    for r in 1..=routes {
        route_tables.push_str(&format!(
            "[[platforms.weibo.policy.routes]]\nname = \"出口{r}\"\nlocal_address = \"127.0.0.{r}\"\n"
        ));
    }
    let text = format!(
        "[general]\ndata_dir = \"data\"\noffice_name = \"测试市政务公开办\"\n\
         [rules]\nprofile = \"luan\"\n\
         [platforms.weibo]\nm_base_url = \"{base}\"\nvisitor_url = \"{base}/visitor/genvisitor2\"\n\
         max_detail_fetches = 0\ncookie_renewal_cooldown_secs = 0\n\
         [platforms.weibo.policy]\nrequests_per_minute = {per_route}\nburst = 2\njitter_ms = 0\ntimeout_secs = 5\n\
         max_retries = 1\nbackoff_base_ms = 5\nbackoff_max_ms = 100\n\
         {route_tables}\
         [daemon]\nlisten = \"{listen}\"\ntick_ms = 50\nlease_secs = 10\noutbox_interval_secs = 1\n\
         shutdown_grace_secs = 10\ncatch_up_hours = 0\ndeadline_margin_minutes = {MARGIN_MIN}\n\
         [daemon.concurrency]\nweibo = 4\n\
         [daemon.schedule]\nsweep = \"\"\nimpostor_search = \"\"\ndigest = \"\"\nprune = \"\"\n"
    );
    let path = dir.join("xunjian.toml");
    std::fs::write(&path, text).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_targets_are_decided_within_the_margin_on_eight_routes() {
    let start = t("2026-11-03T09:00:00+08:00");
    // The key item was posted 40 minutes before the daemon starts: its
    // deadline (one hour, the Luan profile) is 20 minutes in, after the
    // first look at every account (602 requests, 6.3 minutes at 96 a minute).
    let p_at = start - TimeDelta::minutes(40);
    let deadline = p_at + TimeDelta::hours(1);
    let clock = SimClock::new(start, SPEED, Duration::from_secs(2));
    let accounts = world(start, p_at);
    let server = WeiboSim::start(clock, accounts.clone());
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("data/xunjian.db").display());
    let ids = register(&url, &accounts).await;
    let config = write_config(dir.path(), &server.base(), 8, "127.0.0.1:0");
    let mut d = DaemonProc::spawn("burst", &config, &clock.env());
    let addr = d.http_addr();
    d.wait_for_log("ready", Duration::from_secs(60));

    // Two minutes past the margin, then stop.
    let end = deadline + TimeDelta::minutes(MARGIN_MIN + 2);
    std::thread::sleep(clock.real_until(end));
    let (_, metrics) = http_get(addr, "/metrics");
    let (_, health) = http_get(addr, "/healthz");
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(30)).code(), Some(0), "{}", d.log_text());
    let log = d.log_text();
    assert!(!log.contains("cannot all be decided within the margin"), "eight routes suffice:\n{log}");

    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    let runs = store.check_runs(None).await.unwrap();
    let kind = format!("repost:{}:5300000000000002", ids[0]);
    let ms = |t: DateTime<Utc>| t.timestamp_millis();
    let (from, by) = (ms(deadline), ms(deadline + TimeDelta::minutes(MARGIN_MIN)));
    let mut latest = from;
    for (i, id) in ids.iter().enumerate().skip(1) {
        let mine: Vec<_> = runs.iter().filter(|r| r.account_id == *id && r.kind == kind).collect();
        assert_eq!(mine.len(), 1, "target {i}: {mine:?}");
        let r = mine[0];
        assert!(r.started_at_ms >= from, "target {i} checked before the deadline: {r:?}");
        assert!(r.finished_at_ms <= by, "target {i} decided {} s after deadline + margin: {r:?}", (r.finished_at_ms - by) / 1000);
        latest = latest.max(r.finished_at_ms);
    }
    eprintln!(
        "300 targets decided by deadline + {:.1} simulated minutes; requests by route: {:?}",
        (latest - from) as f64 / 60_000.0,
        server.peers()
    );
    // Spread, not a burst: the due times climb through the window.
    let mut dues: Vec<i64> = runs.iter().filter(|r| r.kind == kind).map(|r| r.due_at_ms).collect();
    dues.sort();
    assert!(dues[dues.len() - 1] - dues[0] >= 5 * 60_000, "due times {:?}..{:?}", dues.first(), dues.last());
    // The source was looked at during the round, not queued behind it.
    let s_polls: Vec<_> = runs
        .iter()
        .filter(|r| r.account_id == ids[0] && r.kind == "poll" && r.started_at_ms >= from && r.started_at_ms <= by)
        .collect();
    assert!(s_polls.len() >= 2, "source polls during the round: {s_polls:?}");
    for p in &s_polls {
        assert!(p.started_at_ms - p.due_at_ms <= 2 * 60_000, "source poll waited behind the round: {p:?}");
    }
    // The decisions: a recorded missed repost for each target that never
    // reposted, none for those that did.
    for (i, id) in ids.iter().enumerate().skip(1) {
        let reposts: Vec<_> = store
            .list_findings(&FindingFilter { account_id: Some(*id), ..Default::default() })
            .await
            .unwrap()
            .into_iter()
            .filter(|f| f.rule.code() == "repost_delay" && f.state == FindingState::Recorded)
            .collect();
        assert_eq!(reposts.len(), usize::from(i % 10 != 0), "target {i}: {reposts:?}");
    }
    // Every route carried a share.
    let peers = server.peers();
    for r in 1..=8u8 {
        let n = peers.get(&std::net::IpAddr::from([127, 0, 0, r])).copied().unwrap_or(0);
        assert!(n >= 20, "route 127.0.0.{r} sent {n} requests: {peers:?}");
    }
    for line in ["xunjian_route_requests_total{platform=\"weibo\",route=\"出口8\"}", "xunjian_checks_late_at_budget{platform=\"weibo\"}"] {
        assert!(metrics.contains(line), "missing {line} in\n{metrics}");
    }
    let health: serde_json::Value = serde_json::from_str(&health).unwrap();
    let weibo_routes = health["routes"].as_array().unwrap().iter().filter(|r| r["platform"] == "weibo").count();
    assert_eq!(weibo_routes, 8, "{health}");
    assert_eq!(health["budgets"][0]["requests_per_minute"], 8 * (12.0 * SPEED) as u64, "{health}");
    assert_eq!(health["budgets"][0]["repost_round_fits"], true, "{health}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_route_too_few_is_said_before_any_key_item() {
    let start = t("2026-11-03T09:00:00+08:00");
    let clock = SimClock::new(start, SPEED, Duration::from_secs(2));
    // No key item in the window: the warning comes from the registry alone.
    let accounts = world(start, start - TimeDelta::days(3));
    let server = WeiboSim::start(clock, accounts.clone());
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("data/xunjian.db").display());
    register(&url, &accounts).await;
    // A fixed port, so `xunjian status` finds the daemon from the config.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = write_config(dir.path(), &server.base(), 1, &format!("127.0.0.1:{port}"));
    let mut d = DaemonProc::spawn("one-route", &config, &clock.env());
    let addr = d.http_addr();
    d.wait_for_log("cannot all be decided within the margin", Duration::from_secs(60));
    let (_, metrics) = http_get(addr, "/metrics");
    // 300 × 2 requests at 80 % of 12 a minute: 62.5 minutes.
    assert!(metrics.contains("xunjian_repost_round_minutes{platform=\"weibo\"} 62.5"), "{metrics}");
    assert!(metrics.contains("xunjian_repost_margin_minutes{platform=\"weibo\"} 10.0"), "{metrics}");
    // `xunjian status` asks the running daemon and says it for a person.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .arg("--config")
        .arg(&config)
        .arg("status")
        .env("NO_COLOR", "1")
        .env_remove("XUNJIAN_DATABASE_URL")
        .envs(clock.env())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains("来不及"), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("1 条出口线路"), "{text}");
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(30)).code(), Some(0), "{}", d.log_text());
}
