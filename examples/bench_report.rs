//! Benchmark: quarterly report generation over a filled store.
//!
//! ```sh
//! cargo run --release --example bench_report -- --accounts 1000 --days 90 --posts-per-day 10
//! cargo run --release --example bench_report -- --accounts 1000 --days 90 --posts-per-day 10 \
//!     --postgres postgres://postgres:postgres@127.0.0.1:5432/test
//! ```
//!
//! Fills a fresh store (SQLite in a temp dir, or a new PostgreSQL database
//! under the given server) with `--accounts` accounts on four platforms in
//! ten regions over `--days` days of 2026Q3: one timeline observation per
//! account and day carrying that day's `--posts-per-day` posts (every tenth
//! account blocked by captchas on two days of three), a weekly profile
//! snapshot, three source accounts whose daily key items half of the Weibo
//! accounts repost, and findings (zombie, interaction, verification)
//! recorded through the lifecycle. Then it times `build_quarter_report`
//! and each writer, and prints the peak resident memory (VmHWM, reset with
//! /proc/self/clear_refs after the fill so it measures the report alone).
//! It prints the time of each stage (one query each, see src/store/report.rs).
//! `--keep` keeps the filled store (and prints its URL); `--db URL` reuses
//! it instead of filling; `--formats docx,xlsx,html,pdf` (default xlsx,html) and
//! `--out DIR` choose what is written and where.

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use std::time::Instant;
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::{
    Capture, CommentState, Counts, MessageEntry, ObservationKind, OutcomeClass, Platform, Post,
    Profile, RepostOf,
};
use xunjian::calendar::HolidayCalendar;
use xunjian::config::Config;
use xunjian::report::{self, Format, NoProgress, Progress, QuarterRequest};
use xunjian::rules::settings::{BAOJI_10, BAOJI_11, NATIONAL_INTERACTION, NATIONAL_NOT_UPDATED};
use xunjian::rules::{Evidence, Finding, RuleId, Verdict};
use xunjian::store::{
    FindingTransition, NewNotice, NewObservation, ObservedData, Store, StoreOptions,
};

struct Args {
    accounts: usize,
    days: u64,
    posts_per_day: usize,
    postgres: Option<String>,
    db: Option<String>,
    out: Option<std::path::PathBuf>,
    formats: String,
    keep: bool,
}

/// Prints the time each stage of the report took.
struct StageTimes(std::sync::Mutex<(Instant, String)>);

impl Progress for StageTimes {
    fn step(&self, message: &str) {
        let mut g = self.0.lock().unwrap();
        let now = Instant::now();
        if !g.1.is_empty() {
            println!("    {:<40} {:>7.2} s", g.1, (now - g.0).as_secs_f64());
        }
        *g = (now, message.to_string());
    }
    fn finish(&self) {
        self.step("");
    }
}

fn args() -> Args {
    let mut a = Args {
        accounts: 200,
        days: 90,
        posts_per_day: 10,
        postgres: None,
        db: None,
        out: None,
        formats: "xlsx,html".into(),
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--accounts" => a.accounts = v().parse().expect("--accounts N"),
            "--days" => a.days = v().parse().expect("--days N"),
            "--posts-per-day" => a.posts_per_day = v().parse().expect("--posts-per-day N"),
            "--postgres" => a.postgres = Some(v()),
            "--db" => a.db = Some(v()),
            "--out" => a.out = Some(v().into()),
            "--formats" => a.formats = v(),
            "--keep" => a.keep = true,
            other => panic!("unknown argument {other}"),
        }
    }
    assert!(
        (1..=92).contains(&a.days),
        "--days must be within the quarter (1..=92)"
    );
    a
}

/// Peak resident set size in MiB since the last reset.
fn vm_hwm_mib() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn reset_hwm() {
    // "5" resets the peak RSS (Linux >= 4.0).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn at(d: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    Shanghai
        .from_local_datetime(&d.and_hms_opt(h, m, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

const PLATFORMS: [Platform; 4] = [
    Platform::Weibo,
    Platform::Wechat,
    Platform::Douyin,
    Platform::Toutiao,
];
const REGIONS: [&str; 10] = [
    "汉滨区",
    "汉阴县",
    "石泉县",
    "宁陕县",
    "紫阳县",
    "岚皋县",
    "平利县",
    "镇坪县",
    "旬阳市",
    "白河县",
];
const SOURCES: usize = 3;

fn no_notices(_: &FindingTransition) -> Vec<NewNotice> {
    Vec::new()
}

async fn fill(s: &Store, a: &Args) -> anyhow::Result<()> {
    let created = at(NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(), 9, 0).timestamp_millis();
    let mut ids = Vec::with_capacity(a.accounts + SOURCES);
    for i in 0..SOURCES {
        let mut spec = AccountSpec::new(Platform::Weibo, format!("src{i}"), format!("安康发布{i}"));
        spec.region = Some("安康市".into());
        spec.is_source = true;
        ids.push((
            s.add_account(&spec, created, "bench").await?.id,
            Platform::Weibo,
        ));
    }
    for i in 0..a.accounts {
        let p = PLATFORMS[i % PLATFORMS.len()];
        let mut spec = AccountSpec::new(p, format!("u{i}"), format!("账号{i:05}"));
        spec.region = Some(REGIONS[i % REGIONS.len()].into());
        spec.owner_unit = Some(format!("{}单位{}", REGIONS[i % REGIONS.len()], i / 40));
        ids.push((s.add_account(&spec, created, "bench").await?.id, p));
    }
    let first = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
    let started = Instant::now();
    for (k, (id, p)) in ids.iter().copied().enumerate() {
        let is_source = k < SOURCES;
        let blocked = !is_source && k % 10 == 0;
        let reposter = !is_source && p == Platform::Weibo && k % 2 == 1;
        for dn in 0..a.days {
            let d = first + Days::new(dn);
            let obs_at = at(d, 23, 0);
            let outcome = if blocked && dn % 3 != 0 {
                OutcomeClass::Captcha
            } else {
                OutcomeClass::Ok
            };
            let mut posts = Vec::new();
            if outcome == OutcomeClass::Ok {
                let n = if is_source { 1 } else { a.posts_per_day };
                for j in 0..n {
                    let t = at(d, 7 + (j as u32 % 14), (j as u32 * 7) % 60);
                    posts.push(Post {
                        id: format!("{id}-{dn}-{j}"),
                        alt_id: None,
                        url: Some(format!("https://m.weibo.cn/status/{id}-{dn}-{j}")),
                        published_at: t,
                        published_at_exact: true,
                        text: format!("第{dn}天第{j}条信息"),
                        text_truncated: false,
                        is_original: j % 3 != 0,
                        is_pinned: false,
                        repost_of: None,
                        comment_state: if k % 7 == 0 {
                            CommentState::Closed
                        } else {
                            CommentState::Open
                        },
                        counts: Counts {
                            reposts: Some(j as i64),
                            comments: Some(2),
                            likes: Some(10),
                        },
                    });
                }
                if reposter {
                    for (si, (src, _)) in ids.iter().take(SOURCES).enumerate() {
                        // On time for most, two hours late for every fifth.
                        let late = (k + si) % 5 == 0;
                        posts.push(Post {
                            id: format!("{id}-{dn}-r{si}"),
                            alt_id: None,
                            url: None,
                            published_at: at(d, if late { 12 } else { 10 }, 30),
                            published_at_exact: true,
                            text: "转发".into(),
                            text_truncated: false,
                            is_original: false,
                            is_pinned: false,
                            repost_of: Some(RepostOf {
                                post_id: format!("{src}-{dn}-0"),
                                post_alt_id: None,
                                author_id: None,
                                author_name: None,
                                published_at: None,
                                available: true,
                            }),
                            comment_state: CommentState::Open,
                            counts: Counts::default(),
                        });
                    }
                }
            }
            // Source items at 10:00.
            if is_source {
                for p in &mut posts {
                    p.published_at = at(d, 10, 0);
                }
            }
            let caps = [Capture {
                url: format!("https://m.weibo.cn/api/container/getIndex?uid={id}&d={dn}"),
                http_status: Some(200),
                content_type: Some("application/json".into()),
                fetched_at: obs_at,
                body: format!("{{\"id\":{id},\"d\":{dn},\"n\":{}}}", posts.len()).into_bytes(),
                source: "bench".into(),
            }];
            let obs = NewObservation {
                account_id: Some(id),
                platform: p,
                kind: ObservationKind::Timeline,
                target: id.to_string(),
                source: "bench".into(),
                observed_at: obs_at,
                duration_ms: 100,
                outcome,
                http_status: Some(200),
                detail: None,
                captures: &caps,
            };
            let data = if outcome == OutcomeClass::Ok {
                ObservedData::Posts(&posts)
            } else {
                ObservedData::Nothing
            };
            s.record_observation(&obs, data).await?;
            if dn % 7 == 0 && outcome == OutcomeClass::Ok {
                let prof = Profile {
                    platform_id: id.to_string(),
                    display_name: format!("账号{id}"),
                    description: None,
                    verified: Some(true),
                    verified_type: None,
                    verified_entity: None,
                    followers: Some(1000 + dn as i64 * (k as i64 % 13)),
                    post_count: None,
                    private_message: MessageEntry::Open,
                    comment_policy: CommentState::Open,
                };
                let obs = NewObservation {
                    kind: ObservationKind::Profile,
                    captures: &[],
                    ..obs
                };
                s.record_observation(&obs, ObservedData::Profile(&prof))
                    .await?;
            }
        }
        // Findings: 5% zombie (resolved later for half), 3% interaction, 2% verification.
        let ev = Evidence {
            page_url: None,
            label: "时间线抓取".into(),
            url: Some(format!("https://m.weibo.cn/u/{id}")),
            sha256: Some("0".repeat(64)),
            at_ms: at(first, 23, 0).timestamp_millis(),
        };
        let mk = |rule, subject: &str, v, citation| Finding {
            rule,
            account_id: id,
            subject: subject.into(),
            verdict: v,
            citation,
            summary_zh: format!("账号{id} 存在问题"),
            evidence: vec![ev.clone()],
            measured: Default::default(),
        };
        let t = |dn: u64| at(first + Days::new(dn.min(a.days - 1)), 23, 30).timestamp_millis();
        // The day's check decided the veto items (every account answers on
        // day 0): a veto item no check decided in the quarter keeps the
        // account out of 合格 (覆盖不足), as the daemon's evaluations
        // record. Before any violation, so no finding changes.
        s.record_evaluation(
            &[
                mk(RuleId::Zombie, "account", Verdict::Pass, NATIONAL_NOT_UPDATED),
                mk(RuleId::Vanished, "account", Verdict::Pass, BAOJI_10),
                mk(RuleId::Interaction, "comments", Verdict::Pass, NATIONAL_INTERACTION),
            ],
            t(0),
            &no_notices,
        )
        .await?;
        if !is_source && k % 20 == 3 {
            s.record_evaluation(
                &[mk(
                    RuleId::Zombie,
                    "account",
                    Verdict::Violation,
                    NATIONAL_NOT_UPDATED,
                )],
                t(20),
                &no_notices,
            )
            .await?;
            if k % 40 == 3 {
                s.record_evaluation(
                    &[mk(
                        RuleId::Zombie,
                        "account",
                        Verdict::Pass,
                        NATIONAL_NOT_UPDATED,
                    )],
                    t(30),
                    &no_notices,
                )
                .await?;
            }
        }
        if !is_source && k % 33 == 5 {
            s.record_evaluation(
                &[mk(
                    RuleId::Interaction,
                    "comments",
                    Verdict::Violation,
                    NATIONAL_INTERACTION,
                )],
                t(10),
                &no_notices,
            )
            .await?;
        }
        if !is_source && k % 50 == 7 {
            s.record_evaluation(
                &[mk(
                    RuleId::Verification,
                    "verification",
                    Verdict::Violation,
                    BAOJI_11,
                )],
                t(5),
                &no_notices,
            )
            .await?;
        }
        if (k + 1) % 100 == 0 {
            eprintln!(
                "  filled {} / {} accounts ({:.0} s)",
                k + 1,
                ids.len(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args();
    let tmp = std::env::temp_dir().join(format!("xunjian-bench-report-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let mut pg_admin: Option<(String, String)> = None;
    let (url, reuse) = match (&a.db, &a.postgres) {
        (Some(u), _) => (u.clone(), true),
        (None, Some(admin)) => {
            use sqlx::Executor;
            sqlx::any::install_default_drivers();
            let name = format!("xunjian_bench_{}", std::process::id());
            let pool = sqlx::AnyPool::connect(admin).await?;
            pool.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .await?;
            pool.close().await;
            let mut u = url::Url::parse(admin)?;
            u.set_path(&format!("/{name}"));
            pg_admin = Some((admin.clone(), name));
            (u.to_string(), false)
        }
        (None, None) => (
            format!("sqlite://{}?mode=rwc", tmp.join("bench.db").display()),
            false,
        ),
    };
    let store = Store::open(&url, &StoreOptions::default()).await?;
    println!("backend: {:?}", store.backend());
    if !reuse {
        let t = Instant::now();
        fill(&store, &a).await?;
        println!(
            "fill: {} accounts x {} days x {} posts/day in {:.1} s",
            a.accounts,
            a.days,
            a.posts_per_day,
            t.elapsed().as_secs_f64()
        );
    }

    reset_hwm();
    let before = vm_hwm_mib();
    let cfg = Config::default();
    let cal = HolidayCalendar::builtin();
    let quarter = "2026Q3".parse()?;
    let t = Instant::now();
    let req = QuarterRequest::new(quarter);
    let stages = StageTimes(std::sync::Mutex::new((Instant::now(), String::new())));
    let r = report::build_quarter_report(&store, &cfg, &req, &cal, &stages).await?;
    stages.finish();
    let build_s = t.elapsed().as_secs_f64();
    println!(
        "report data: {:.2} s — {} accounts, {} checked, {} failed, {} low coverage, {} problem lines, {} posts",
        build_s,
        r.total.registered,
        r.total.checked,
        r.total.failed,
        r.total.low_coverage,
        r.problems.len(),
        r.accounts.iter().map(|m| m.posts).sum::<i64>()
    );
    let out = a.out.clone().unwrap_or_else(|| tmp.join("out"));
    let formats = Format::parse_list(&a.formats)?;
    let mut total = build_s;
    for f in formats {
        let t = Instant::now();
        let files = report::write_report(&r, &cfg.report, &[f], &out, &NoProgress).await?;
        let secs = t.elapsed().as_secs_f64();
        total += secs;
        let size = std::fs::metadata(&files[0]).map(|m| m.len()).unwrap_or(0);
        println!("write {}: {:.2} s ({} KiB)", f.ext(), secs, size / 1024);
    }
    println!(
        "total report time: {total:.2} s; peak RSS during the report (VmHWM): {:.0} MiB (process before: {before:.0} MiB)",
        vm_hwm_mib()
    );
    store.close().await;
    if let Some((admin, name)) = pg_admin.filter(|_| !a.keep) {
        use sqlx::Executor;
        let pool = sqlx::AnyPool::connect(&admin).await?;
        pool.execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .await?;
        pool.close().await;
    }
    if a.keep {
        println!("store kept: {url}");
    } else if a.out.is_none() && a.db.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    } else {
        println!("files in {}", out.display());
    }
    Ok(())
}
