//! Benchmark: the cost of one account's check as the registry grows.
//!
//! ```sh
//! cargo run --release --example bench_check -- --accounts 200,2000,10000 [--checks 300]
//! cargo run --release --example bench_check -- --accounts 2000 --postgres postgres://postgres:postgres@127.0.0.1:5432/test
//! ```
//!
//! For each registry size N: a fresh store (SQLite in a temp dir, or a new
//! PostgreSQL database under the given server) with N Weibo accounts of
//! N / 2 owner units (so the one-account-per-platform rule has groups to
//! form) and one source account; 50 of them have a timeline of a week of
//! posts. Then `--checks` times, one of those 50 accounts is evaluated and
//! recorded with every rule (`check_and_record` with the account as scope,
//! what the daemon does after each poll), and the median and p95 wall time
//! and the process CPU time per check are printed. No HTTP: this is the
//! part of a check that grows with the registry.

use chrono::{DateTime, TimeDelta, Utc};
use std::time::Instant;
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::{Capture, CommentState, Counts, ObservationKind, OutcomeClass, Platform, Post};
use xunjian::calendar::HolidayCalendar;
use xunjian::check::{CheckScope, check_and_record};
use xunjian::rules::{ProfileName, ResolvedRules};
use xunjian::store::{FindingTransition, ImportOptions, NewNotice, NewObservation, ObservedData, Store, StoreOptions};

fn cpu_seconds() -> f64 {
    // utime + stime of this process, in clock ticks (100 a second on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn post(id: String, at: DateTime<Utc>) -> Post {
    Post {
        id: id.clone(),
        alt_id: None,
        url: Some(format!("https://m.weibo.cn/status/{id}")),
        published_at: at,
        published_at_exact: true,
        text: format!("工作动态 {id}"),
        text_truncated: false,
        is_original: true,
        is_pinned: false,
        repost_of: None,
        comment_state: CommentState::Open,
        counts: Counts::default(),
    }
}

async fn fill(store: &Store, n: usize, now: DateTime<Utc>) -> Vec<i64> {
    let mut specs = Vec::with_capacity(n + 1);
    let mut source = AccountSpec::new(Platform::Weibo, "5000000000", "宝鸡发布");
    source.owner_unit = Some("宝鸡市人民政府新闻办公室".into());
    source.is_source = true;
    specs.push(source);
    for i in 0..n {
        let mut s = AccountSpec::new(Platform::Weibo, &format!("{}", 6_000_000_000u64 + i as u64), &format!("测试单位{i}发布"));
        s.owner_unit = Some(format!("宝鸡市测试单位{}", i / 2));
        s.region = Some(format!("测试区{}", i % 12));
        s.contact_email = Some(format!("unit{i}@example.gov.cn"));
        specs.push(s);
    }
    let opts = ImportOptions { file_name: "bench.csv".into(), ..Default::default() };
    store.import_accounts(&specs, &opts, (now - TimeDelta::days(30)).timestamp_millis()).await.unwrap();
    let accounts = store.list_accounts(&Default::default()).await.unwrap();
    let mut checked = Vec::new();
    for a in accounts.iter().filter(|a| !a.spec.is_source).take(50) {
        let at = now - TimeDelta::hours(1);
        let posts: Vec<Post> = (0..7).map(|d| post(format!("{}{d}", a.id), at - TimeDelta::days(d))).collect();
        let caps = [Capture {
            url: format!("https://m.weibo.cn/api/container/getIndex?containerid=107603{}", a.spec.platform_id),
            http_status: Some(200),
            content_type: Some("application/json".into()),
            fetched_at: at,
            body: format!("{{\"ok\":1,\"n\":{}}}", a.id).into_bytes(),
            source: "m.weibo.cn getIndex timeline".into(),
        }];
        let obs = NewObservation {
            account_id: Some(a.id),
            platform: Platform::Weibo,
            kind: ObservationKind::Timeline,
            target: a.spec.platform_id.clone(),
            source: "m.weibo.cn getIndex timeline".into(),
            observed_at: at,
            duration_ms: 100,
            outcome: OutcomeClass::Ok,
            http_status: Some(200),
            detail: None,
            captures: &caps,
        };
        store.record_observation(&obs, ObservedData::Posts(&posts)).await.unwrap();
        checked.push(a.id);
    }
    checked
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut sizes = vec![200usize, 2000];
    let mut checks = 300usize;
    let mut postgres: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--accounts" => sizes = args.next().unwrap().split(',').map(|s| s.trim().parse().unwrap()).collect(),
            "--checks" => checks = args.next().unwrap().parse().unwrap(),
            "--postgres" => postgres = args.next(),
            other => panic!("unknown argument {other}"),
        }
    }
    let now = DateTime::parse_from_rfc3339("2026-10-20T10:00:00+08:00").unwrap().with_timezone(&Utc);
    let rules = ResolvedRules::for_profile(ProfileName::Baoji);
    let calendar = HolidayCalendar::builtin();
    let planner = |_: &FindingTransition| -> Vec<NewNotice> { Vec::new() };
    println!("{:>8} {:>10} {:>10} {:>12}", "accounts", "median ms", "p95 ms", "CPU ms/check");
    for n in sizes {
        let dir = tempfile::tempdir().unwrap();
        let url = match &postgres {
            None => format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display()),
            Some(admin) => pg_database(admin, &format!("xunjian_bench_check_{}_{n}", std::process::id()), true).await,
        };
        let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
        let ids = fill(&store, n, now).await;
        // One warm-up check per account (first findings are written then).
        for id in &ids {
            let scope = CheckScope { account_ids: Some(vec![*id]), rules: None };
            check_and_record(&store, &rules, &calendar, now, &scope, &planner).await.unwrap();
        }
        let mut times = Vec::with_capacity(checks);
        let cpu0 = cpu_seconds();
        for i in 0..checks {
            let scope = CheckScope { account_ids: Some(vec![ids[i % ids.len()]]), rules: None };
            let t = Instant::now();
            check_and_record(&store, &rules, &calendar, now + TimeDelta::minutes(i as i64), &scope, &planner)
                .await
                .unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let cpu = (cpu_seconds() - cpu0) * 1000.0 / checks as f64;
        times.sort_by(|a, b| a.total_cmp(b));
        println!("{n:>8} {:>10.2} {:>10.2} {cpu:>12.2}", times[times.len() / 2], times[times.len() * 95 / 100]);
        store.close().await;
        if let Some(admin) = &postgres {
            pg_database(admin, &format!("xunjian_bench_check_{}_{n}", std::process::id()), false).await;
        }
    }
}

/// Creates (or drops) a scratch database on the server of `admin`; returns
/// its URL.
async fn pg_database(admin: &str, name: &str, create: bool) -> String {
    use sqlx::Executor;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(admin).await.unwrap();
    let sql = if create { format!("CREATE DATABASE {name}") } else { format!("DROP DATABASE IF EXISTS {name}") };
    pool.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
    pool.close().await;
    let mut u = url::Url::parse(admin).unwrap();
    u.set_path(&format!("/{name}"));
    u.to_string()
}
