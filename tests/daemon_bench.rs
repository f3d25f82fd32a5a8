//! A measurement, not a test (ignored by default): one full sweep of N
//! accounts by `xunjian run` against the loopback Weibo, with the
//! politeness budget lifted so the daemon's own cost shows (fetch, record
//! with evidence, evaluate the rules, plan the next check).
//!
//! ```sh
//! XUNJIAN_TEST_POSTGRES_URL=… cargo test --release --test daemon_bench -- --ignored --nocapture
//! ```
//!
//! In production the platform budget dominates: at the default 12 requests
//! a minute per platform and 2 requests per check, one platform gets 6
//! checks a minute, 8 640 a day.

#[path = "common/daemon.rs"]
mod daemon_common;

use chrono::{TimeDelta, Utc};
use daemon_common::{DaemonProc, SimAccount, SimClock, SimPost, WeiboSim, postgres_database, weibo_config};
use std::time::{Duration, Instant};
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::Platform;
use xunjian::store::{Store, StoreOptions};

async fn sweep(n: usize, concurrency: u32, postgres: Option<String>) {
    sweep_nodes(n, concurrency, postgres, 1).await;
}

/// One sweep of `n` accounts by `nodes` daemon processes sharing the store.
async fn sweep_nodes(n: usize, concurrency: u32, postgres: Option<String>, nodes: usize) {
    let start = Utc::now();
    let clock = SimClock::new(start, 1.0, Duration::ZERO);
    let accounts: Vec<SimAccount> = (0..n)
        .map(|i| SimAccount {
            uid: format!("72{i:08}"),
            name: format!("第{i}号人民政府发布"),
            posts: (0..3)
                .map(|k| SimPost {
                    id: format!("8{i:08}{k}"),
                    at: start - TimeDelta::days(k + 1),
                    text: "信息".into(),
                    repost_of: None,
                })
                .collect(),
        })
        .collect();
    let server = WeiboSim::start(clock, accounts.clone());
    let dir = tempfile::tempdir().unwrap();
    let backend = if postgres.is_some() { "postgres" } else { "sqlite" };
    let url = postgres
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.path().join("data/xunjian.db").display()));
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    for a in &accounts {
        store.add_account(&AccountSpec::new(Platform::Weibo, a.uid.clone(), a.name.clone()), 0, "bench").await.unwrap();
    }
    let config = dir.path().join("xunjian.toml");
    let database = postgres.map(|u| format!("[database]\nurl = \"{u}\"\n")).unwrap_or_default();
    std::fs::write(
        &config,
        format!(
            "[general]\ndata_dir = \"data\"\n{database}[rules]\nprofile = \"baoji\"\n{}\n\
             [daemon]\nlisten = \"127.0.0.1:0\"\ntick_ms = 200\ncatch_up_hours = 0\n[daemon.concurrency]\nweibo = {concurrency}\n",
            weibo_config(&server.base())
        ),
    )
    .unwrap();
    let mut daemons: Vec<DaemonProc> = (0..nodes).map(|i| DaemonProc::spawn(&format!("bench{i}"), &config, &[])).collect();
    for d in &mut daemons {
        d.wait_for_log("ready", Duration::from_secs(60));
    }
    let t0 = Instant::now();
    while store.check_runs(None).await.unwrap().len() < n {
        assert!(t0.elapsed() < Duration::from_secs(900), "sweep did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let secs = t0.elapsed().as_secs_f64();
    for d in &mut daemons {
        d.signal("TERM");
        d.wait_exit(Duration::from_secs(60));
    }
    store.close().await;
    eprintln!(
        "sweep of {n} accounts, {nodes} daemon(s), concurrency {concurrency}, {backend}: {} loopback requests, {secs:.1} s, {:.0} checks/s",
        server.total(),
        n as f64 / secs
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run with --ignored --nocapture, preferably --release"]
async fn sweep_500_accounts() {
    sweep(500, 2, None).await;
    sweep(500, 8, None).await;
    if let Some((url, guard)) = postgres_database().await {
        sweep(500, 8, Some(url)).await;
        guard.drop_database().await;
    }
}

/// Whole checks (fetch from the loopback Weibo, record with evidence,
/// evaluate, plan) by 1, 2 and 4 daemon processes on one PostgreSQL: where
/// the cluster's limit is. The lease path alone: `examples/bench_cluster.rs`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run with --ignored --nocapture, preferably --release"]
async fn sweep_cluster() {
    for nodes in [1, 2, 4] {
        let Some((url, guard)) = postgres_database().await else {
            eprintln!("no PostgreSQL (XUNJIAN_TEST_POSTGRES_URL): nothing to measure");
            return;
        };
        sweep_nodes(1000, 4, Some(url), nodes).await;
        guard.drop_database().await;
    }
}
