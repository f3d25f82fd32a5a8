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
    sweep_nodes(n, concurrency, postgres, 1, &[]).await;
}

/// Resident memory of a process, from `/proc/PID/status` (`VmRSS:` now,
/// `VmHWM:` the peak), in MiB.
fn memory_mib(pid: u32, key: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// One sweep of `n` accounts by `nodes` daemon processes sharing the store.
async fn sweep_nodes(n: usize, concurrency: u32, postgres: Option<String>, nodes: usize, env: &[(String, String)]) {
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
    let mut daemons: Vec<DaemonProc> = (0..nodes).map(|i| DaemonProc::spawn(&format!("bench{i}"), &config, env)).collect();
    for d in &mut daemons {
        d.wait_for_log("ready", Duration::from_secs(60));
    }
    let at_ready: Vec<f64> = daemons.iter().map(|d| memory_mib(d.child.id(), "VmRSS:")).collect();
    let t0 = Instant::now();
    while store.check_runs(None).await.unwrap().len() < n {
        assert!(t0.elapsed() < Duration::from_secs(900), "sweep did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let secs = t0.elapsed().as_secs_f64();
    // After the sweep nothing is due for a day: the daemon idles with the
    // registry loaded, as it does most of the time in production.
    let after = daemons.iter().map(|d| memory_mib(d.child.id(), "VmRSS:")).collect::<Vec<_>>();
    tokio::time::sleep(Duration::from_secs(30)).await;
    for (i, d) in daemons.iter().enumerate() {
        let pid = d.child.id();
        eprintln!(
            "memory, daemon {i} of {nodes} ({n} accounts, {env:?}): at ready {:.0} MiB, peak {:.0} MiB, right after the sweep {:.0} MiB, 30 s later {:.0} MiB",
            at_ready[i],
            memory_mib(pid, "VmHWM:"),
            after[i],
            memory_mib(pid, "VmRSS:")
        );
    }
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
        sweep_nodes(1000, 4, Some(url), nodes, &[]).await;
        guard.drop_database().await;
    }
}

/// Resident memory of one daemon with 10,000 accounts: at start, at the
/// peak of a full sweep and idle after it; with glibc's default malloc
/// arenas and with `MALLOC_ARENA_MAX=2`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run with --ignored --nocapture, preferably --release"]
async fn memory_10000_accounts() {
    // `XUNJIAN_BENCH_DAEMON_ENV="K=V K2=V2"` measures once with that
    // environment instead (malloc tunables, a heap profiler's preload).
    if let Ok(spec) = std::env::var("XUNJIAN_BENCH_DAEMON_ENV") {
        let env: Vec<(String, String)> = spec
            .split_whitespace()
            .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
            .collect();
        sweep_nodes(10_000, 4, None, 1, &env).await;
        return;
    }
    sweep_nodes(10_000, 4, None, 1, &[]).await;
    sweep_nodes(10_000, 4, None, 1, &[("MALLOC_ARENA_MAX".to_string(), "2".to_string())]).await;
}
