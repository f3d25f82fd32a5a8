//! Benchmark: the lease path of several daemons sharing one PostgreSQL
//! database, without any fetching or rule work.
//!
//! ```sh
//! cargo run --release --example bench_cluster -- --postgres postgres://postgres:postgres@127.0.0.1:5432/test \
//!     [--accounts 10000] [--daemons 1,2,4] [--secs 10] [--batch 2]
//! ```
//!
//! A fresh database gets N Weibo accounts, each with its routine check due
//! now (a full backlog, as after a restart). Then for each daemon count D,
//! D stores (each its own connection pool, as D processes would have) run
//! the daemon's loop for `--secs` seconds: lease up to `--batch` due checks
//! (deadline first, `FOR UPDATE SKIP LOCKED`), renew each lease once (the
//! heartbeat), and complete it with its next due time a day later. It
//! prints lease cycles per second (one cycle = one check leased, renewed
//! and completed), their latency, and how many checks two daemons ever
//! held at once (must be 0). Whole checks (fetch + record + rules) with 1,
//! 2 and 4 daemon processes are measured by `tests/daemon_bench.rs`
//! (`sweep_cluster`, ignored by default); BENCHMARKS.md has both.

use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::Platform;
use xunjian::store::{CheckKind, ImportOptions, NextDue, Store, StoreOptions};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut accounts = 10_000usize;
    let mut daemons = vec![1usize, 2, 4];
    let mut secs = 10u64;
    let mut batch = 2i64;
    let mut postgres: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--accounts" => accounts = args.next().unwrap().parse().unwrap(),
            "--daemons" => daemons = args.next().unwrap().split(',').map(|s| s.trim().parse().unwrap()).collect(),
            "--secs" => secs = args.next().unwrap().parse().unwrap(),
            "--batch" => batch = args.next().unwrap().parse().unwrap(),
            "--postgres" => postgres = args.next(),
            other => panic!("unknown argument {other}"),
        }
    }
    let admin = postgres.expect("--postgres URL is required: the lease path under contention is PostgreSQL's");
    let name = format!("xunjian_bench_cluster_{}", std::process::id());
    let url = pg_database(&admin, &name, true).await;
    let now = DateTime::parse_from_rfc3339("2026-10-20T10:00:00+08:00").unwrap().with_timezone(&Utc);
    let now_ms = now.timestamp_millis();
    {
        let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
        let specs: Vec<AccountSpec> = (0..accounts)
            .map(|i| AccountSpec::new(Platform::Weibo, &format!("{}", 6_000_000_000u64 + i as u64), &format!("测试单位{i}发布")))
            .collect();
        let opts = ImportOptions { file_name: "bench.csv".into(), ..Default::default() };
        store.import_accounts(&specs, &opts, now_ms - 86_400_000).await.unwrap();
        store.sync_poll_checks(&[Platform::Weibo], now_ms).await.unwrap();
        store.close().await;
    }
    println!("{accounts} accounts, batch {batch}, {secs} s per run");
    println!("{:>7} {:>12} {:>14} {:>14} {:>10}", "daemons", "cycles/s", "median ms", "p95 ms", "overlaps");
    for d in daemons {
        // Everything due again for each run.
        {
            let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
            store.advance_checks(&CheckKind::Poll, now_ms, "bench").await.unwrap();
            store.close().await;
        }
        let held: Arc<Mutex<HashSet<i64>>> = Arc::new(Mutex::new(HashSet::new()));
        let overlaps = Arc::new(Mutex::new(0u64));
        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut tasks = Vec::new();
        for i in 0..d {
            let (url, held, overlaps) = (url.clone(), held.clone(), overlaps.clone());
            tasks.push(tokio::spawn(async move {
                let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
                let owner = format!("bench-{i}");
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let leases =
                        store.lease_due_checks(&owner, Platform::Weibo, now_ms, now_ms + 120_000, batch).await.unwrap();
                    if leases.is_empty() {
                        break;
                    }
                    {
                        let mut h = held.lock().unwrap();
                        for l in &leases {
                            if !h.insert(l.id) {
                                *overlaps.lock().unwrap() += 1;
                            }
                        }
                    }
                    for l in &leases {
                        store.heartbeat_check(l, now_ms + 240_000).await.unwrap();
                        held.lock().unwrap().remove(&l.id);
                        let next = NextDue { due_at_ms: now_ms + 86_400_000, decide_by_ms: now_ms + 2 * 86_400_000, reason: "bench" };
                        store.complete_check(l, Some(next), now_ms, now_ms + 1, "ok").await.unwrap();
                    }
                    let per = t.elapsed().as_secs_f64() * 1000.0 / leases.len() as f64;
                    latencies.extend(std::iter::repeat_n(per, leases.len()));
                }
                store.close().await;
                latencies
            }));
        }
        let started = Instant::now();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let elapsed = started.elapsed().as_secs_f64();
        all.sort_by(|a, b| a.total_cmp(b));
        let pick = |q: f64| all.get(((all.len() as f64 - 1.0) * q) as usize).copied().unwrap_or(0.0);
        println!(
            "{d:>7} {:>12.0} {:>14.2} {:>14.2} {:>10}",
            all.len() as f64 / elapsed,
            pick(0.5),
            pick(0.95),
            overlaps.lock().unwrap()
        );
    }
    pg_database(&admin, &name, false).await;
}

/// Creates (or drops) a scratch database on the server of `admin`; returns
/// its URL.
async fn pg_database(admin: &str, name: &str, create: bool) -> String {
    use sqlx::Executor;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(admin).await.unwrap();
    let sql = if create { format!("CREATE DATABASE {name}") } else { format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)") };
    pool.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
    pool.close().await;
    let mut u = url::Url::parse(admin).unwrap();
    u.set_path(&format!("/{name}"));
    u.to_string()
}
