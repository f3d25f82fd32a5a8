//! What polling costs: the daemon (in this process) against the platform
//! simulator on a fast simulated clock, N Weibo accounts (one city source
//! posting a key item twice a day, the others posting daily and reposting),
//! for some simulated days.
//!
//! ```text
//! cargo run --release --example bench_sim -- [--accounts 1000] [--days 3] [--speed 2000] [--rpm 60000]
//! ```
//!
//! Prints, from the simulator's own request counts:
//! * requests per account per simulated day (median, p95, max) that the
//!   deadline-derived schedule needed, against naive polling every 5
//!   minutes (288 polls a day at the measured requests per poll);
//! * the achieved request rate as a share of the configured budget
//!   (`--rpm`, requests per simulated minute for the platform, configured
//!   as `rpm × speed` real requests per minute; the production default is 12);
//! * CPU per request (this process: daemon and simulator together, so an
//!   upper bound for the daemon), and peak and idle resident memory;
//! * how late checks started (from `check_runs`), to show whether the
//!   budget kept up.

use chrono::{DateTime, TimeDelta, Utc};
use std::sync::Arc;
use std::time::{Duration, Instant};
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::Platform;
use xunjian::daemon::clock::{ClockSetup, ScaledClock};
use xunjian::daemon::runner::Control;
use xunjian::daemon::{Daemon, RunOptions};
use xunjian::store::{ImportOptions, Store, StoreOptions};
use xunjian_sim::{Account, ConfigOptions, FaultConfig, Post, PostRef, Server, SimClock, SimPlatform, Verification, World};

struct Args {
    accounts: usize,
    days: f64,
    speed: f64,
    rpm: u32,
}

fn args() -> Args {
    let mut a = Args { accounts: 1000, days: 3.0, speed: 2000.0, rpm: 60_000 };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < v.len() {
        let val = v.get(i + 1).cloned().unwrap_or_default();
        match v[i].as_str() {
            "--accounts" => a.accounts = val.parse().expect("--accounts N"),
            "--days" => a.days = val.parse().expect("--days N (may be fractional)"),
            "--speed" => a.speed = val.parse().expect("--speed X"),
            "--rpm" => a.rpm = val.parse().expect("--rpm N"),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    a
}

fn cst(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// One source and `n - 1` accounts that post daily and repost every key
/// item within 5–45 minutes.
fn world(n: usize, from: DateTime<Utc>, to: DateTime<Utc>) -> World {
    let mut next_post = 5_200_000_000_000_000u64;
    let mut post_id = || {
        next_post += 3;
        next_post.to_string()
    };
    let verified = |owner: &str| Some(Verification { reason: format!("{owner}官方微博"), institutional: true });
    let blank = |id: String, name: String| Account {
        platform: SimPlatform::Weibo,
        biz: String::new(),
        verification: verified(&name),
        description: format!("{name}官方微博"),
        followers: 10_000,
        appears_at: None,
        gone: None,
        search_terms: Vec::new(),
        feed: false,
        posts: Vec::new(),
        lies: Vec::new(),
        id,
        name,
    };
    let mut source = blank("7100000000".into(), "宝鸡发布".into());
    let mut t = from - TimeDelta::days(10) + TimeDelta::hours(9);
    while t < to {
        source.posts.push(Post {
            id: post_id(),
            at: t,
            text: "重要信息".into(),
            original: true,
            repost_of: None,
            pinned: None,
            comments_closed: false,
            deleted_at: None,
        });
        t += TimeDelta::hours(12);
    }
    let items: Vec<(String, DateTime<Utc>)> = source.posts.iter().map(|p| (p.id.clone(), p.at)).collect();
    let mut accounts = vec![source];
    for k in 1..n {
        let mut a = blank(format!("{}", 7_100_000_000u64 + k as u64 * 7), format!("测试单位{k:05}"));
        let mut t = from - TimeDelta::days(10) + TimeDelta::minutes((k * 37 % 600) as i64 + 480);
        while t < to {
            a.posts.push(Post {
                id: post_id(),
                at: t,
                text: "本地信息".into(),
                original: true,
                repost_of: None,
                pinned: None,
                comments_closed: false,
                deleted_at: None,
            });
            t += TimeDelta::hours(24);
        }
        for (i, (id, at)) in items.iter().enumerate() {
            a.posts.push(Post {
                id: post_id(),
                at: *at + TimeDelta::minutes(5 + ((k + i) * 13 % 40) as i64),
                text: "转发微博".into(),
                original: false,
                repost_of: Some(PostRef { platform: SimPlatform::Weibo, account_id: "7100000000".into(), post_id: id.clone() }),
                pinned: None,
                comments_closed: false,
                deleted_at: None,
            });
        }
        accounts.push(a);
    }
    World { accounts, portals: Vec::new() }
}

fn proc_status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field).map(|v| v.trim().trim_end_matches(" kB").trim().parse().unwrap_or(0)))
        .unwrap_or(0)
}

fn cpu_secs() -> f64 {
    // utime + stime of this process, from /proc/self/stat (clock ticks).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0) + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn pct(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    rustls::crypto::ring::default_provider().install_default().ok();
    let start = cst("2026-07-01T00:00:00+08:00");
    let end = start + TimeDelta::minutes((a.days * 1440.0) as i64);
    let dir = tempfile::tempdir().unwrap();
    let w = world(a.accounts, start, end);
    let clock = SimClock::new(start - TimeDelta::minutes(5), a.speed, Duration::from_secs(2));
    let server = Server::start(w.clone(), clock, FaultConfig::none()).unwrap();
    // Politeness budgets are real-time rates (tokio timers); the budget the
    // run represents is `--rpm` per *simulated* minute, so the configured
    // rate is scaled by the clock's speed.
    let opts = ConfigOptions {
        requests_per_minute: ((a.rpm as f64) * a.speed).min(u32::MAX as f64) as u32,
        burst: 2,
        overrides: [("weibo.max_detail_fetches".to_string(), toml::Value::Integer(0))].into_iter().collect(),
        ..ConfigOptions::default()
    };
    let config = format!(
        "[general]\ndata_dir = \"data\"\n[rules]\nprofile = \"luan\"\n[report]\nformats = [\"xlsx\"]\n\
         [database]\nmax_connections = 4\n{}\n\
         [daemon]\nlisten = \"\"\ntick_ms = 100\nlease_secs = 60\ncatch_up_hours = 0\ndefault_concurrency = 8\n\
         [daemon.schedule]\ndigest = \"\"\nprune = \"\"\nquarterly_report = \"\"\nimpostor_search = \"\"\n",
        xunjian_sim::xunjian_platforms_config(&server.base(), &opts)
    );
    let path = dir.path().join("xunjian.toml");
    std::fs::write(&path, config).unwrap();
    let loaded = xunjian::config::LoadedConfig::from_file(&path).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("data/xunjian.db").display());
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let store = Store::open(&url, &StoreOptions { max_connections: 4, ..StoreOptions::default() }).await.unwrap();
    let specs: Vec<AccountSpec> = w
        .accounts
        .iter()
        .enumerate()
        .map(|(i, acc)| {
            let mut s = AccountSpec::new(Platform::Weibo, acc.id.clone(), acc.name.clone());
            s.is_source = i == 0;
            s.owner_unit = Some(acc.name.clone());
            s
        })
        .collect();
    let import = ImportOptions { retire_missing: false, dry_run: false, file_name: "bench".into(), file_sha256: String::new() };
    store.import_accounts(&specs, &import, (start - TimeDelta::days(1)).timestamp_millis()).await.unwrap();

    let setup = ClockSetup {
        clock: Arc::new(ScaledClock::new(
            clock.start,
            std::time::UNIX_EPOCH + Duration::from_millis(clock.anchor_ms),
            clock.speed,
        )),
        speed: clock.speed,
        description: "bench".into(),
    };
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let daemon = tokio::spawn(Daemon::run(loaded, store.clone(), RunOptions { clock: setup }, rx));
    let cpu0 = cpu_secs();
    let real0 = Instant::now();
    while clock.now() < end {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let cpu = cpu_secs() - cpu0;
    let real = real0.elapsed();
    let peak = proc_status_kb("VmHWM:");
    tx.send(Control::Shutdown).await.ok();
    let _ = daemon.await;
    // Idle: the daemon stopped, the store and simulator still open.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_rss = proc_status_kb("VmRSS:");

    let st = server.stats();
    let days = a.days;
    let mut per: Vec<u64> = w
        .accounts
        .iter()
        .skip(1)
        .map(|acc| st.account(&format!("weibo:{}", acc.id)))
        .collect();
    per.sort_unstable();
    let polls = st.kind("weibo:timeline").max(1);
    let per_poll = (st.kind("weibo:timeline") + st.kind("weibo:profile") + st.kind("weibo:status")) as f64 / polls as f64;
    let naive = 288.0 * per_poll;
    let median = pct(&per, 0.5) as f64 / days;
    let p95 = pct(&per, 0.95) as f64 / days;
    let sim_minutes = days * 1440.0;
    let rate = st.requests as f64 / sim_minutes;
    let lag = store_lag(&url).await;
    println!("accounts {}, simulated days {}, speed {}x, budget {} requests/min, real {:.1?}", a.accounts, a.days, a.speed, a.rpm, real);
    println!("requests by kind: {:?}", st.by_kind);
    println!(
        "requests per account per day: median {median:.2}, p95 {p95:.2}, max {:.2}; source {:.1}",
        pct(&per, 1.0) as f64 / days,
        st.account("weibo:7100000000") as f64 / days
    );
    println!("naive 5-minute polling: {naive:.0} requests per account per day ({per_poll:.2} per poll): {:.0}x more", naive / median.max(0.01));
    println!(
        "achieved rate {rate:.2} requests per simulated minute = {:.1}% of the budget",
        100.0 * rate / a.rpm as f64
    );
    println!(
        "CPU {cpu:.1} s for {} requests: {:.2} ms per request (daemon and simulator together)",
        st.requests,
        1000.0 * cpu / st.requests.max(1) as f64
    );
    println!("memory: peak {} MiB, idle {} MiB (resident)", peak / 1024, idle_rss / 1024);
    println!("check start lag behind due time (simulated minutes): {lag}");
}

async fn store_lag(url: &str) -> String {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let rows = sqlx::query("SELECT started_at_ms - due_at_ms AS lag FROM check_runs ORDER BY lag").fetch_all(&pool).await.unwrap();
    let lags: Vec<i64> = rows.iter().map(|r| r.get::<i64, _>("lag")).collect();
    pool.close().await;
    if lags.is_empty() {
        return "no checks".into();
    }
    let p = |q: f64| lags[((lags.len() - 1) as f64 * q).round() as usize] as f64 / 60_000.0;
    format!("{} checks; median {:.1}, p95 {:.1}, max {:.1}", lags.len(), p(0.5), p(0.95), p(1.0))
}
