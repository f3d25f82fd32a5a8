//! The office console at 10,000 accounts: page and query times.
//!
//! ```sh
//! cargo run --release --example bench_console -- --accounts 10000
//! cargo run --release --example bench_console -- --accounts 10000 --postgres postgres://postgres:postgres@127.0.0.1:5432/test
//! ```
//!
//! Fills a fresh store through the public store API (the registry by one
//! import; 5% zombie violations spread over the quarter, a third of them
//! resolved; 3% zombie early warnings with deadlines; 3% interaction
//! findings; a staff user and a unit operator with one unit), then drives
//! the console's router in-process (no socket: the handler, the templates
//! and the store, not the network) logged in as each, and prints the median
//! and the slowest of `--runs` requests per page. Numbers go to BENCHMARKS.md.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::Platform;
use xunjian::clock::ManualClock;
use xunjian::rules::settings::{NATIONAL_INTERACTION, NATIONAL_NOT_UPDATED};
use xunjian::rules::{Evidence, Finding, RuleId, Verdict};
use xunjian::store::{FindingTransition, ImportOptions, NewNotice, NewUser, Role, Store, StoreOptions, UserScope};
use xunjian::web::{AppState, ConsoleConfig, password};

const PLATFORMS: [Platform; 4] = [Platform::Weibo, Platform::Wechat, Platform::Douyin, Platform::Toutiao];
const REGIONS: [&str; 10] = ["汉滨区", "汉阴县", "石泉县", "宁陕县", "紫阳县", "岚皋县", "平利县", "镇坪县", "旬阳市", "白河县"];
const PASSWORD: &str = "bench-password-2026";

fn local(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Shanghai.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().with_timezone(&Utc)
}

fn no_notices(_: &FindingTransition) -> Vec<NewNotice> {
    Vec::new()
}

/// The unit the unit operator sees (40 accounts, as every unit here).
fn unit_of(i: usize) -> String {
    format!("{}单位{}", REGIONS[i % REGIONS.len()], i / 40)
}

async fn fill(s: &Store, accounts: usize) -> anyhow::Result<()> {
    let specs: Vec<AccountSpec> = (0..accounts)
        .map(|i| {
            let mut spec = AccountSpec::new(PLATFORMS[i % PLATFORMS.len()], format!("u{i}"), format!("账号{i:05}"));
            spec.region = Some(REGIONS[i % REGIONS.len()].into());
            spec.owner_unit = Some(unit_of(i));
            spec
        })
        .collect();
    let opts = ImportOptions { file_name: "bench.xlsx".into(), ..Default::default() };
    s.import_accounts(&specs, &opts, local(2026, 6, 1, 9).timestamp_millis()).await?;
    let ids: Vec<i64> = s.list_accounts(&Default::default()).await?.iter().map(|a| a.id).collect();
    let quarter_start = local(2026, 10, 1, 0);
    let mk = |rule, account_id: i64, subject: &str, verdict, citation, at: DateTime<Utc>, deadline: Option<i64>| {
        let mut measured = serde_json::Map::new();
        if let Some(d) = deadline {
            measured.insert("deadline_ms".into(), d.into());
        }
        Finding {
            rule,
            account_id,
            subject: subject.into(),
            verdict,
            citation,
            summary_zh: format!("账号 {account_id} 的问题"),
            evidence: vec![Evidence {
                page_url: None,
                label: "时间线抓取".into(),
                url: Some(format!("https://m.weibo.cn/u/{account_id}")),
                sha256: Some("0".repeat(64)),
                at_ms: at.timestamp_millis(),
            }],
            measured,
        }
    };
    for (k, id) in ids.iter().copied().enumerate() {
        // Spread over the quarter's first seven weeks.
        let at = quarter_start + chrono::TimeDelta::hours(9 + (k % 49) as i64 * 24);
        if k % 20 == 3 {
            s.record_evaluation(&[mk(RuleId::Zombie, id, "account", Verdict::Violation, NATIONAL_NOT_UPDATED, at, None)], at.timestamp_millis(), &no_notices).await?;
            if k % 60 == 3 {
                let later = at + chrono::TimeDelta::days(9);
                s.record_evaluation(&[mk(RuleId::Zombie, id, "account", Verdict::Pass, NATIONAL_NOT_UPDATED, later, None)], later.timestamp_millis(), &no_notices).await?;
            }
        } else if k % 33 == 4 {
            let deadline = local(2026, 11, 20, 9) + chrono::TimeDelta::hours((k % 240) as i64);
            s.record_evaluation(&[mk(RuleId::Zombie, id, "account", Verdict::Warning, NATIONAL_NOT_UPDATED, at, Some(deadline.timestamp_millis()))], at.timestamp_millis(), &no_notices).await?;
        }
        if k % 33 == 5 {
            s.record_evaluation(&[mk(RuleId::Interaction, id, "comments", Verdict::Violation, NATIONAL_INTERACTION, at, None)], at.timestamp_millis(), &no_notices).await?;
        }
    }
    for (name, role, units) in [("staff", Role::Staff, vec![]), ("unit", Role::Unit, vec![unit_of(41)])] {
        let u = NewUser {
            username: name.into(),
            display_name: name.into(),
            role,
            scope: UserScope { units, account_ids: vec![] },
            password_hash: password::hash_password(PASSWORD),
            must_change_password: false,
        };
        s.create_user(&u, 0).await?;
    }
    Ok(())
}

async fn request(app: &axum::Router, path: &str, cookie: &str) -> (StatusCode, usize) {
    let req = Request::get(path).header(header::COOKIE, cookie).body(Body::empty()).unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 64 << 20).await.unwrap();
    (status, bytes.len())
}

async fn login(app: &axum::Router, username: &str) -> String {
    let res = app.clone().oneshot(Request::get("/login").body(Body::empty()).unwrap()).await.unwrap();
    let login_cookie = res.headers()[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
    let html = String::from_utf8(axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap();
    let key = "name=\"csrf\" value=\"";
    let at = html.find(key).unwrap() + key.len();
    let csrf = &html[at..at + html[at..].find('"').unwrap()];
    let form = format!("username={username}&password={PASSWORD}&csrf={csrf}&next=%2F");
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, login_cookie)
        .body(Body::from(form))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "login as {username}");
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.starts_with(xunjian::web::SESSION_COOKIE))
        .unwrap()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut accounts = 10_000usize;
    let mut runs = 20usize;
    let mut postgres: Option<String> = None;
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--accounts" => accounts = v().parse()?,
            "--runs" => runs = v().parse()?,
            "--postgres" => postgres = Some(v()),
            other => panic!("unknown argument {other}"),
        }
    }
    let tmp = tempfile::tempdir()?;
    let mut pg_db = None;
    let url = match &postgres {
        Some(admin) => {
            use sqlx::Executor;
            sqlx::any::install_default_drivers();
            let name = format!("xunjian_bench_console_{}", std::process::id());
            let pool = sqlx::AnyPool::connect(admin).await?;
            pool.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await?;
            pool.close().await;
            let mut u = url::Url::parse(admin)?;
            u.set_path(&format!("/{name}"));
            pg_db = Some(name);
            u.to_string()
        }
        None => format!("sqlite://{}?mode=rwc", tmp.path().join("bench.db").display()),
    };
    let store = Store::open(&url, &StoreOptions::default()).await?;
    println!("backend: {:?}, {accounts} accounts, {runs} runs per page", store.backend());
    let t = Instant::now();
    fill(&store, accounts).await?;
    println!("fill: {:.1} s", t.elapsed().as_secs_f64());

    let now = local(2026, 11, 18, 10);
    let clock = Arc::new(ManualClock::new(now));
    let state = AppState::new(store.clone(), clock.clone(), clock, ConsoleConfig::default(), None);
    let app = xunjian::web::router(state);
    let staff = login(&app, "staff").await;
    let unit = login(&app, "unit").await;
    let some_account = store.list_accounts(&Default::default()).await?[accounts / 2].id;
    let some_finding = store.list_findings(&Default::default()).await?.last().map(|f| f.id).unwrap_or(1);
    let last_page = accounts.div_ceil(50);
    let pages: Vec<(&str, String, &String)> = vec![
        ("总览 (staff)", "/".into(), &staff),
        ("总览 (unit)", "/".into(), &unit),
        ("账号 page 1", "/accounts".into(), &staff),
        ("账号 last page", format!("/accounts?page={last_page}"), &staff),
        ("账号 name search", "/accounts?q=%E8%B4%A6%E5%8F%B709999".into(), &staff),
        ("账号 unit filter", "/accounts?unit=%E6%B1%89%E9%98%B4%E5%8E%BF".into(), &staff),
        ("账号 (unit)", "/accounts".into(), &unit),
        ("one account", format!("/accounts/{some_account}"), &staff),
        ("问题 page 1", "/findings".into(), &staff),
        ("问题 rule+state", "/findings?rule=zombie&state=open".into(), &staff),
        ("问题 (unit)", "/findings".into(), &unit),
        ("one finding", format!("/findings/{some_finding}"), &staff),
    ];
    println!("{:<22} {:>9} {:>9} {:>9}", "page", "median", "slowest", "bytes");
    for (label, path, cookie) in &pages {
        let mut times = Vec::with_capacity(runs);
        let mut size = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let (status, bytes) = request(&app, path, cookie).await;
            times.push(t.elapsed());
            assert_eq!(status, StatusCode::OK, "{label}: {path}");
            size = bytes;
        }
        times.sort();
        println!("{label:<22} {:>7.1}ms {:>7.1}ms {:>9}", ms(times[times.len() / 2]), ms(*times.last().unwrap()), size);
    }
    store.close().await;
    if let (Some(admin), Some(name)) = (&postgres, pg_db) {
        use sqlx::Executor;
        let pool = sqlx::AnyPool::connect(admin).await?;
        pool.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)"))).await?;
        pool.close().await;
    }
    Ok(())
}
