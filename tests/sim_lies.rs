//! Law 1 end to end, in minutes rather than the labelled quarter's twenty:
//! `xunjian run` against the simulator over 2026-07-20 .. 09-23, with only
//! the accounts whose answers lie registered (plus the Weibo source and the
//! opening account whose portal notice is up during the portal's
//! maintenance). For weeks each answers with another account's data, a
//! first page of pinned posts only, a stale relay, an empty feed, or a
//! "系统升级维护" page for its portal.
//!
//! Asserts: the findings that reached a warning or a violation are exactly
//! the labelled ones (the source's impostors; the lying accounts behave and
//! have none), and each lie was stored
//! as "could not check" (the observation that recognised it exists, and no
//! read inside a wrong-account span or a maintenance span looks good).
//!
//! Speed: `XUNJIAN_LIES_SPEED` simulated seconds per real second.

#[path = "common/daemon.rs"]
mod daemon_common;
#[path = "smtp/harness.rs"]
mod harness;
#[path = "common/sim_run.rs"]
mod sim_run;

use chrono::TimeDelta;
use daemon_common::DaemonProc;
use harness::SmtpServer;
use sim_run::{captures_off_the_clock, cited_outside, debug_forms, found, lies_seen_as_could_not_check, message_texts, write_config, xunjian};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use xunjian::store::{Store, StoreOptions};
use xunjian_sim::quarter::{Severity, cst, labelled_quarter};
use xunjian_sim::{FaultConfig, Server, SimClock, SimPlatform};

/// Six registered accounts leave the daemon idle most of the time. At
/// 60,000× the run passed in 100 s (the daemon's 100 ms tick is 100
/// simulated minutes, inside every deadline these accounts have: daily
/// polls, a 14-day zombie limit, weekly searches); 50,000× keeps a margin
/// for a loaded machine.
const DEFAULT_SPEED: f64 = 50_000.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lies_are_could_not_check_never_findings() {
    let Some(smtp) = SmtpServer::start("lies_are_could_not_check_never_findings") else {
        return;
    };
    rustls::crypto::ring::default_provider().install_default().ok();
    let full = labelled_quarter(false);
    let liars: Vec<(SimPlatform, String)> =
        full.world.accounts.iter().filter(|a| !a.lies.is_empty()).map(|a| (a.platform, a.id.clone())).collect();
    assert!(liars.len() >= 4, "the quarter's lying accounts: {liars:?}");
    let q = full.restricted(|r| {
        liars.contains(&(r.platform, r.id.clone()))
            || (r.is_source && r.platform == SimPlatform::Weibo)
            || r.name == "凤县图书馆"
    });
    // The lying accounts behave, so only the source's impostors are labelled.
    let labels = q.labels();
    assert!(labels.iter().all(|l| l.rule == "impostor"), "{labels:?}");
    assert!(q.world.portals.iter().any(|p| !p.maintenance.is_empty()));

    let (start, end) = (cst(2026, 7, 20, 0, 0), cst(2026, 9, 23, 0, 0));
    let speed: f64 = std::env::var("XUNJIAN_LIES_SPEED").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_SPEED);
    let dir = tempfile::tempdir().unwrap();
    let clock = SimClock::new(start - TimeDelta::minutes(30), speed, Duration::from_secs(4));
    let server = Server::start(q.world.clone(), clock, FaultConfig::none()).unwrap();
    let config = write_config(dir.path(), &server.base(), smtp.plain);
    std::fs::write(dir.path().join("registry.csv"), q.registry_csv(&server.base())).unwrap();
    let env = clock.env();
    let imported = xunjian(&config, &["accounts", "import", dir.path().join("registry.csv").to_str().unwrap()], &env);
    eprintln!("{}", imported.lines().take(2).collect::<Vec<_>>().join("\n"));

    let real_start = Instant::now();
    let mut d = DaemonProc::spawn("daemon", &config, &env);
    d.wait_for_log("ready", Duration::from_secs(60));
    while clock.now() < end {
        std::thread::sleep(Duration::from_millis(500));
        if let Ok(Some(status)) = d.child.try_wait() {
            panic!("the daemon exited ({status}):\n{}", d.log_text());
        }
    }
    d.signal("TERM");
    let status = d.wait_exit(Duration::from_secs(60));
    assert!(status.success(), "{status}:\n{}", d.log_text());
    eprintln!("{} registered accounts, {} requests, real {:.0?} at {speed}x", q.registry.len(), server.stats().requests, real_start.elapsed());

    let url = format!("sqlite://{}?mode=rw", dir.path().join("data/xunjian.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    let got: BTreeMap<String, Severity> = found(&store).await.into_iter().map(|(k, (s, _, _))| (k, s)).collect();
    let want: BTreeMap<String, Severity> =
        labels.iter().filter(|l| l.from + TimeDelta::days(1) <= end).map(|l| (l.key(), l.severity)).collect();
    assert_eq!(got, want, "findings (left) against the labels (right): a finding beyond the impostors came from a lie");
    let mut foreign = std::collections::BTreeSet::new();
    let mut program_forms = std::collections::BTreeSet::new();
    let messages = smtp.messages();
    for m in &messages {
        for t in message_texts(&m.raw) {
            foreign.extend(cited_outside(xunjian::rules::ProfileName::Baoji, &t));
            program_forms.extend(debug_forms(&t));
        }
    }
    assert!(program_forms.is_empty(), "program forms in Chinese notices: {program_forms:?}");
    assert!(!messages.is_empty(), "the impostors were notified");
    assert!(foreign.is_empty(), "notices cite documents not in force for 宝鸡's office: {foreign:?}");
    let (checked, off) = captures_off_the_clock(&store, start - TimeDelta::days(1), end + TimeDelta::days(1)).await;
    assert!(checked > 100, "{checked} captures");
    assert!(off.is_empty(), "{} of {checked} captures not on the simulated clock, e.g. {:?}", off.len(), off.first());
    let unseen = lies_seen_as_could_not_check(&store, &q, &server.base(), end).await;
    assert!(unseen.is_empty(), "lies not recorded as could-not-check:\n  {}", unseen.join("\n  "));
    store.close().await;
}
