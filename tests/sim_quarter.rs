//! The labelled quarter, end to end: `xunjian run` as a process against the
//! platform simulator (`sim/`) with faults switched on, on a simulated clock
//! the simulator shares, over 2026-07-01 .. 2026-10-14 (第三季度, 中秋, 国庆 and
//! the 调休 Saturday, to 10-14 noon), notices to a real SMTP server (aiosmtpd).
//!
//! Asserts, against the labels written beside the scenario
//! (`xunjian_sim::quarter`):
//! * precision = recall = 100%: the findings that reached a warning or a
//!   violation are exactly the labelled ones, with the labelled severity;
//! * no finding from a fault (every fault kind was injected, and a finding
//!   not in the labels fails the test);
//! * no finding from a lie: answers about another account, a first page of
//!   pinned posts only, a stale relay, an empty feed and a portal in
//!   maintenance are each served for weeks and each stored as "could not
//!   check";
//! * every notice the store wrote is sent, and reached the SMTP server
//!   exactly once (by Message-ID); every labelled finding was notified;
//! * the quarterly report's 不合格 accounts and problem lines equal the
//!   labels' veto violations and violations in the quarter.
//!
//! Speed: `XUNJIAN_QUARTER_SPEED` simulated seconds per real second
//! (default below); the daemon's lag is printed so a slow machine shows.

#[path = "common/daemon.rs"]
mod daemon_common;
#[path = "smtp/harness.rs"]
mod harness;
#[path = "common/sim_run.rs"]
mod sim_run;

use chrono::{DateTime, TimeDelta, Utc};
use daemon_common::DaemonProc;
use harness::SmtpServer;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};
use xunjian::report::{Assessment, QuarterRequest};
use sim_run::{captures_off_the_clock, cited_outside, debug_forms, found, lies_seen_as_could_not_check, message_texts, write_config, xunjian};
use xunjian::store::{AccountFilter, NoticeState, Store, StoreOptions};
use xunjian_sim::quarter::{Label, Quarter, labelled_quarter};
use xunjian_sim::{FaultConfig, FaultKind, Server, SimClock, Surface};

/// Simulated seconds per real second. At 8000× the run passed with the
/// daemon's checks starting 7–14 simulated hours late on average (the daily
/// poll of all 207 accounts is a burst) and the tightest label (a silence
/// that is a violation for one day only) decided 1.4 hours into its day;
/// 7000× buys margin on a loaded machine for 2.5 more minutes.
const DEFAULT_SPEED: f64 = 7_000.0;

/// Every fault kind on every surface, at rates a bad day on the internet
/// would show.
fn faults() -> FaultConfig {
    let mut f = FaultConfig::none();
    f.seed = 20260701;
    for s in Surface::ALL {
        let r = f.rates_mut(s);
        for k in FaultKind::ALL {
            let rate = match k {
                // A held connection costs the daemon a real-time timeout.
                FaultKind::Timeout | FaultKind::Slow => 0.002,
                _ => 0.01,
            };
            r.set(k, rate);
        }
    }
    f
}

fn message_id(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("message-id").then(|| v.trim().trim_matches(['<', '>']).to_string())
        })
        .unwrap_or_else(|| panic!("no Message-ID in:\n{head}"))
}

fn describe(q: &Quarter, l: &Label) -> String {
    let name = q.world.account(l.platform, &l.account_id).map(|a| a.name.as_str()).unwrap_or("?");
    format!("{} [{name}] {:?} — {}", l.key(), l.severity, l.why)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labelled_quarter_precision_and_recall_are_100_percent() {
    let Some(smtp) = SmtpServer::start("labelled_quarter_precision_and_recall_are_100_percent") else {
        return;
    };
    rustls::crypto::ring::default_provider().install_default().ok();
    let q = labelled_quarter(true);
    let labels = q.labels();
    let speed: f64 = std::env::var("XUNJIAN_QUARTER_SPEED").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_SPEED);
    let end: DateTime<Utc> = std::env::var("XUNJIAN_QUARTER_END")
        .ok()
        .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(q.end);
    let dir = tempfile::tempdir().unwrap();
    // The simulated clock starts a few real seconds from now, so the import
    // and the daemon's start-up happen at its start.
    let clock = SimClock::new(q.start - TimeDelta::minutes(10), speed, Duration::from_secs(4));
    let server = Server::start(q.world.clone(), clock, faults()).unwrap();
    let config = write_config(dir.path(), &server.base(), smtp.plain);
    std::fs::write(dir.path().join("registry.csv"), q.registry_csv(&server.base())).unwrap();
    let env = clock.env();
    let imported = xunjian(&config, &["accounts", "import", dir.path().join("registry.csv").to_str().unwrap()], &env);
    // Only the summary: the per-account list would push a failure's message
    // out of CI's excerpt.
    eprintln!("{}", imported.lines().take(2).collect::<Vec<_>>().join("\n"));

    let real_start = Instant::now();
    let mut d = DaemonProc::spawn("daemon", &config, &env);
    d.wait_for_log("ready", Duration::from_secs(60));
    // Watch the simulated days go by.
    let mut day = q.start;
    while clock.now() < end {
        std::thread::sleep(Duration::from_millis(500));
        if let Ok(Some(status)) = d.child.try_wait() {
            panic!("the daemon exited ({status}):\n{}", d.log_text());
        }
        if clock.now() >= day + TimeDelta::days(7) {
            day = clock.now();
            let st = server.stats();
            eprintln!(
                "simulated {} — {} requests, {} faults, real {:.0?}",
                day.with_timezone(&chrono_tz::Asia::Shanghai).format("%m-%d %H:%M"),
                st.requests,
                st.faults_total,
                real_start.elapsed()
            );
        }
    }
    d.signal("TERM");
    let status = d.wait_exit(Duration::from_secs(60));
    assert!(status.success(), "{status}:\n{}", d.log_text());
    let real = real_start.elapsed();
    if let Ok(keep) = std::env::var("XUNJIAN_QUARTER_KEEP") {
        // For a person looking into a failure: the whole data directory.
        let _ = std::process::Command::new("cp").arg("-r").arg(dir.path()).arg(&keep).status();
    }

    let url = format!("sqlite://{}?mode=rw", dir.path().join("data/xunjian.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();

    // ---- precision and recall ------------------------------------------
    // Labels that first hold in the last day may not be decided yet (a
    // shorter run, XUNJIAN_QUARTER_END, keeps the labels it had time for).
    // Those it did decide are not counted against precision either.
    let undecided: BTreeSet<String> =
        labels.iter().filter(|l| l.from + TimeDelta::days(1) > end).map(|l| l.key()).collect();
    let labels: Vec<&Label> = labels.iter().filter(|l| l.from + TimeDelta::days(1) <= end).collect();
    let want: BTreeMap<String, &Label> = labels.iter().map(|l| (l.key(), *l)).collect();
    let got = found(&store).await;
    let missed: Vec<String> = want.iter().filter(|(k, _)| !got.contains_key(*k)).map(|(_, l)| describe(&q, l)).collect();
    let extra: Vec<String> = got
        .iter()
        .filter(|(k, _)| !want.contains_key(*k) && !undecided.contains(*k))
        .map(|(k, (s, _, summary))| format!("{k} {s:?} — {summary}"))
        .collect();
    let wrong: Vec<String> = want
        .iter()
        .filter_map(|(k, l)| got.get(k).filter(|(s, _, _)| *s != l.severity).map(|(s, _, summary)| format!("{} but got {s:?}: {summary}", describe(&q, l))))
        .collect();
    let st = server.stats();
    eprintln!(
        "quarter: {} registered accounts, {} labels, {} findings; {} requests, {} faults injected; real time {real:.0?} at {speed}x",
        q.registry.len(),
        want.len(),
        got.len(),
        st.requests,
        st.faults_total
    );
    eprintln!("requests by kind: {:?}", st.by_kind);
    eprintln!("faults: {:?}", st.faults);
    let true_pos = want.keys().filter(|k| got.contains_key(*k)).count();
    eprintln!(
        "precision {:.4}, recall {:.4}",
        true_pos as f64 / got.keys().filter(|k| !undecided.contains(*k)).count().max(1) as f64,
        true_pos as f64 / want.len().max(1) as f64
    );
    assert!(
        missed.is_empty() && extra.is_empty() && wrong.is_empty(),
        "missed (recall):\n  {}\nnot labelled (precision):\n  {}\nwrong severity:\n  {}",
        missed.join("\n  "),
        extra.join("\n  "),
        wrong.join("\n  ")
    );
    // Every lie was served, and stored as "could not check" (the labels
    // above hold no finding for these accounts: none was made).
    let unseen = lies_seen_as_could_not_check(&store, &q, &server.base(), end).await;
    assert!(unseen.is_empty(), "lies not recorded as could-not-check:\n  {}", unseen.join("\n  "));
    // Every fault kind was injected somewhere, and none made a finding.
    for k in FaultKind::ALL {
        let n: u64 = Surface::ALL.iter().map(|s| st.fault(*s, k)).sum();
        assert!(n > 0, "fault {k:?} was never injected");
    }

    let (checked, off) = captures_off_the_clock(&store, q.start - TimeDelta::days(1), end + TimeDelta::days(1)).await;
    assert!(off.is_empty(), "{} of {checked} captures not on the simulated clock, e.g. {:?}", off.len(), off.first());

    // ---- notices: all sent, each exactly once ------------------------------
    let notices = store.list_notices(&[], None, None, 1_000_000).await.unwrap();
    let unsent: Vec<_> = notices.iter().filter(|n| n.state != NoticeState::Sent).collect();
    assert!(unsent.is_empty(), "{} notices not sent, e.g. {:?}", unsent.len(), unsent.first());
    let mut received: BTreeMap<String, usize> = BTreeMap::new();
    // 宝鸡's office enforces its own 办法 and the national documents; the
    // one-hour repost limit it switched on is 六安's, cited only as 参照.
    let profile = xunjian::rules::ProfileName::Baoji;
    let mut foreign: BTreeSet<String> = BTreeSet::new();
    let mut program_forms: BTreeSet<String> = BTreeSet::new();
    for m in smtp.messages() {
        *received.entry(message_id(&m.raw)).or_default() += 1;
        for t in message_texts(&m.raw) {
            foreign.extend(cited_outside(profile, &t));
            program_forms.extend(debug_forms(&t));
        }
    }
    assert!(program_forms.is_empty(), "program forms in Chinese notices: {program_forms:?}");
    assert!(foreign.is_empty(), "notices cite documents not in force for the office: {foreign:?}");
    let emails: BTreeSet<String> = notices
        .iter()
        .filter(|n| n.channel.code() == "email")
        .map(|n| n.message_id.trim_matches(['<', '>']).to_string())
        .collect();
    let twice: Vec<_> = received.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    let received_ids: BTreeSet<String> = received.keys().cloned().collect();
    assert_eq!(received_ids, emails, "the SMTP server received exactly the notices the store sent");
    let notified: BTreeSet<i64> = notices.iter().filter_map(|n| n.finding_id).collect();
    let unnotified: Vec<String> =
        want.keys().filter(|k| got.get(*k).is_some_and(|(_, id, _)| !notified.contains(id))).cloned().collect();
    assert!(unnotified.is_empty(), "labelled findings without a notice: {unnotified:?}");
    eprintln!("notices: {} written, {} emails received, each once", notices.len(), received.values().sum::<usize>());

    // ---- the quarterly report ----------------------------------------------
    if end >= q.quarter_end {
        let cfg = xunjian::config::LoadedConfig::from_file(&config).unwrap();
        let req = QuarterRequest::new("2026Q3".parse().unwrap());
        let calendar = xunjian::calendar::HolidayCalendar::builtin();
        let report = xunjian::report::build_quarter_report(&store, &cfg.config, &req, &calendar, &xunjian::report::data::NoProgress)
            .await
            .unwrap();
        let veto = ["zombie", "interaction", "vanished"];
        let failed_want: BTreeSet<String> = labels
            .iter()
            .filter(|l| veto.contains(&l.rule) && l.violation_from.is_some_and(|v| v < q.quarter_end))
            .map(|l| format!("{}:{}", l.platform.code(), l.account_id))
            .collect();
        let ids: BTreeMap<i64, String> = store
            .list_accounts(&AccountFilter::default())
            .await
            .unwrap()
            .iter()
            .map(|a| (a.id, format!("{}:{}", a.spec.platform.code(), a.spec.platform_id)))
            .collect();
        let failed_got: BTreeSet<String> =
            report.accounts.iter().filter(|m| m.assessment == Assessment::Failed).map(|m| ids[&m.account_id].clone()).collect();
        assert_eq!(failed_got, failed_want, "不合格 accounts");
        assert_eq!(report.total.registered as usize, q.registry.len());
        assert_eq!(report.total.low_coverage, 0, "coverage: {:?}", report.total);
        assert_eq!(report.total.failed as usize, failed_want.len());
        assert_eq!(report.total.passed as usize, q.registry.len() - failed_want.len());
        // Impostors and unregistered accounts are third parties' accounts:
        // listed on their own (附件3), never as the imitated account's problem.
        let third_party = |rule: &str| matches!(rule, "impostor" | "unregistered");
        let (third_want, problems_want): (BTreeSet<String>, BTreeSet<String>) = labels
            .iter()
            .filter(|l| l.violation_from.is_some_and(|v| v < q.quarter_end))
            .map(|l| format!("{}|{}:{}", l.rule, l.platform.code(), l.account_id))
            .partition(|k| third_party(k.split('|').next().unwrap_or_default()));
        let problems_got: BTreeSet<String> =
            report.problems.iter().map(|p| format!("{}|{}", p.rule.code(), ids[&p.account_id])).collect();
        assert_eq!(problems_got, problems_want, "problem lines (附件2)");
        let third_got: BTreeSet<String> =
            report.third_party.iter().map(|p| format!("{}|{}", p.rule.code(), ids[&p.account_id])).collect();
        assert_eq!(third_got, third_want, "third parties' accounts (附件3)");
        assert!(!third_want.is_empty(), "the quarter has impostors");
        // The daemon wrote the report itself at the quarter's close.
        let reports: Vec<_> = std::fs::read_dir(dir.path().join("data/reports"))
            .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        assert!(reports.iter().any(|n| n.starts_with("2026Q3") && n.ends_with(".xlsx")), "{reports:?}");
        for name in reports.iter().filter(|n| n.ends_with(".html")) {
            let html = std::fs::read_to_string(dir.path().join("data/reports").join(name)).unwrap();
            let foreign = cited_outside(profile, &html);
            assert!(foreign.is_empty(), "{name} cites documents not in force for the office: {foreign:?}");
        }
        assert!(reports.iter().any(|n| n.ends_with(".html")), "{reports:?}");
        eprintln!("report: {:?}; files {reports:?}", report.total);
    }
    store.close().await;
}
