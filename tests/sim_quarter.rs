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
//!   labels' veto violations and violations in the quarter;
//! * every finding ends its own way (issue 16): an event (a late or missed
//!   repost, an opening notice) is recorded and never chased; a state
//!   finding a unit declares fixed is answered by the check that follows,
//!   rejected when the problem is still there and confirmed when it is not;
//!   an impostor the office marks reported is closed and nothing more is
//!   sent about it.
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
use xunjian::rules::FindingKind;
use xunjian::store::{AccountFilter, EventKind, FindingFilter, FindingState, NoticeKind, NoticeRecord, Store, StoreOptions, NoticeState};
use xunjian_sim::quarter::{Label, Quarter, labelled_quarter};
use xunjian_sim::model::{SimPlatform, Verification};
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
    let url = format!("sqlite://{}?mode=rw", dir.path().join("data/xunjian.db").display());
    let live = Store::open(&url, &StoreOptions::default()).await.unwrap();
    let mut people = People::new(&q, &live).await;
    // Watch the simulated days go by.
    let mut day = q.start;
    while clock.now() < end {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if let Ok(Some(status)) = d.child.try_wait() {
            panic!("the daemon exited ({status}):\n{}", d.log_text());
        }
        people.act(&live, &server, &config, &env, clock.now()).await;
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

    live.close().await;
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
    // How long after its condition first held each labelled finding was
    // decided (its first warning or violation), per rule: the daemon's lag
    // at this speed included, so printed, not asserted.
    let mut by_rule: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for (k, l) in &want {
        let Some((_, id, _)) = got.get(k) else { continue };
        let events = store.finding_events(*id).await.unwrap();
        if let Some(first) = events.iter().filter(|e| matches!(e.kind, EventKind::Warned | EventKind::Opened)).map(|e| e.at_ms).min() {
            // A registry-only condition holds from the first look, which may
            // come before the label's nominal start: counted as 0.
            by_rule.entry(l.rule).or_default().push(((first - l.from.timestamp_millis()) / 60_000).max(0));
        }
    }
    for (rule, mut mins) in by_rule {
        mins.sort();
        eprintln!(
            "time to decision, {rule}: {} findings, median {} min, max {} min",
            mins.len(),
            mins[mins.len() / 2],
            mins[mins.len() - 1]
        );
    }
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

    // ---- every finding ends its own way ------------------------------------
    let all = store.list_findings(&FindingFilter::default()).await.unwrap();
    for f in all.iter().filter(|f| f.kind() == FindingKind::Event && want.contains_key(&people.key(f))) {
        // An event that became a violation is on record, never "open".
        if matches!(f.state, FindingState::Open | FindingState::Rectifying) {
            panic!("event finding #{} {} is {:?}, not recorded: {}", f.id, people.key(f), f.state, f.summary_zh);
        }
    }
    let chased: Vec<String> = notices
        .iter()
        .filter(|n| n.kind == NoticeKind::Reminder)
        .filter_map(|n| all.iter().find(|f| Some(f.id) == n.finding_id))
        .filter(|f| f.kind() == FindingKind::Event)
        .map(|f| format!("#{} {}", f.id, people.key(f)))
        .collect();
    assert!(chased.is_empty(), "events are never chased with reminders: {chased:?}");
    people.assert_done(&store, &notices, end).await;

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

/// What people do during the quarter, through the CLI on the simulated
/// clock, as the office and its units would:
/// * 宝鸡市住房和城乡建设局 declares its comments open a day into the
///   violation, while they are still closed: the check the declaration
///   brings forward rejects it (整改未通过) and the unit is told;
/// * 宝鸡市农业农村局 gets its institutional verification and declares it:
///   the check confirms it (整改已确认) and the finding is resolved;
/// * the office marks the first impostor 已举报: closed, nothing more sent.
struct People {
    /// Store id → `platform:id`, for finding keys.
    key_of: BTreeMap<i64, String>,
    reject: Act,
    confirm: Act,
    /// (finding id, marked at) once marked.
    marked: Option<(i64, i64)>,
    /// The world account to verify (index into `world.accounts`).
    to_verify: usize,
    owner_of_to_verify: String,
}

#[derive(Default)]
struct Act {
    account_id: i64,
    rule: &'static str,
    /// Act from this moment on.
    after: Option<DateTime<Utc>>,
    /// (finding id, declared at) once done.
    done: Option<(i64, i64)>,
}

impl People {
    async fn new(q: &Quarter, store: &Store) -> People {
        let accounts = store.list_accounts(&AccountFilter::default()).await.unwrap();
        let key_of: BTreeMap<i64, String> =
            accounts.iter().map(|a| (a.id, format!("{}:{}", a.spec.platform.code(), a.spec.platform_id))).collect();
        let find = |name: &str| -> (usize, i64) {
            let i = q.world.accounts.iter().position(|a| a.platform == SimPlatform::Weibo && a.name == name).unwrap();
            let key = format!("weibo:{}", q.world.accounts[i].id);
            let id = key_of.iter().find(|(_, k)| **k == key).map(|(id, _)| *id).unwrap_or_else(|| panic!("{name} not registered"));
            (i, id)
        };
        let (i_closed, closed) = find("宝鸡市住房和城乡建设局");
        let label = q
            .labels()
            .into_iter()
            .find(|l| l.rule == "interaction" && l.account_id == q.world.accounts[i_closed].id)
            .expect("the interaction label");
        let (to_verify, unverified) = find("宝鸡市农业农村局");
        People {
            key_of,
            reject: Act {
                account_id: closed,
                rule: "interaction",
                after: label.violation_from.map(|v| v + TimeDelta::days(1)),
                done: None,
            },
            confirm: Act { account_id: unverified, rule: "verification", after: Some(cst(2026, 8, 12, 10)), done: None },
            marked: None,
            to_verify,
            owner_of_to_verify: "宝鸡市农业农村局".to_string(),
        }
    }

    fn key(&self, f: &xunjian::store::StoredFinding) -> String {
        format!("{}|{}|{}", f.rule.code(), self.key_of.get(&f.account_id).map(String::as_str).unwrap_or("?"), f.subject)
    }

    async fn open_finding(store: &Store, account_id: i64, rule: &str) -> Option<i64> {
        let filter = FindingFilter {
            states: vec![FindingState::Open],
            rule: xunjian::rules::RuleId::from_code(rule),
            account_id: Some(account_id),
        };
        store.list_findings(&filter).await.unwrap().first().map(|f| f.id)
    }

    async fn act(&mut self, store: &Store, server: &Server, config: &std::path::Path, env: &[(String, String)], now: DateTime<Utc>) {
        if self.reject.done.is_none()
            && self.reject.after.is_some_and(|t| now >= t)
            && let Some(id) = Self::open_finding(store, self.reject.account_id, self.reject.rule).await
        {
            let at = xunjian(config, &["findings", "rectify", &id.to_string(), "--by", "王建国", "--note", "已开放评论"], env);
            eprintln!("{} 住建局 declares #{id} fixed: {}", local(now), at.trim());
            self.reject.done = Some((id, now.timestamp_millis()));
        }
        if self.confirm.done.is_none()
            && self.confirm.after.is_some_and(|t| now >= t)
            && let Some(id) = Self::open_finding(store, self.confirm.account_id, self.confirm.rule).await
        {
            // The world changes only while no check of the account is due
            // for three hours, so the check that answers the declaration is
            // the one the declaration brought forward, and it comes after
            // the fix (a routine look between the fix and the declaration
            // would resolve the finding on its own).
            let soon = (now + TimeDelta::hours(3)).timestamp_millis();
            let due = store.due_checks(Some(self.confirm.account_id)).await.unwrap();
            if due.iter().all(|c| c.due_at_ms > soon && c.lease_owner.is_none()) {
                let mut world = (*server.world()).clone();
                world.accounts[self.to_verify].verification =
                    Some(Verification { reason: format!("{}官方微博", self.owner_of_to_verify), institutional: true });
                server.set_world(world);
                let at = xunjian(config, &["findings", "rectify", &id.to_string(), "--by", "刘敏", "--note", "已完成机构认证"], env);
                eprintln!("{} 农业农村局 verified, declares #{id} fixed: {}", local(now), at.trim());
                self.confirm.done = Some((id, now.timestamp_millis()));
            }
        }
        if self.marked.is_none() {
            let filter = FindingFilter {
                states: vec![FindingState::Open],
                rule: Some(xunjian::rules::RuleId::Impostor),
                account_id: None,
            };
            if let Some(f) = store.list_findings(&filter).await.unwrap().first()
                && now.timestamp_millis() >= f.first_seen_at_ms + 86_400_000
            {
                let at = xunjian(config, &["findings", "mark", &f.id.to_string(), "reported", "--by", "张丽", "--note", "已向平台举报"], env);
                eprintln!("{} office marks #{} reported: {}", local(now), f.id, at.trim());
                self.marked = Some((f.id, now.timestamp_millis()));
            }
        }
    }

    async fn assert_done(&self, store: &Store, notices: &[NoticeRecord], end: DateTime<Utc>) {
        // A shorter run (XUNJIAN_QUARTER_END) checks the people only when it
        // reached the days they act on (the last act is 08-13).
        if end < cst(2026, 8, 16, 0) {
            eprintln!("people: the run ended before they acted (reject {:?}, confirm {:?}, mark {:?})", self.reject.done, self.confirm.done, self.marked);
            return;
        }
        let (Some((rejected, declared_r)), Some((confirmed, declared_c)), Some((marked, marked_at))) =
            (self.reject.done, self.confirm.done, self.marked)
        else {
            panic!(
                "people did not get to act: reject {:?}, confirm {:?}, mark {:?}",
                self.reject.done, self.confirm.done, self.marked
            );
        };
        let answer = |kind: EventKind, id: i64, declared: i64| async move {
            let events = store.finding_events(id).await.unwrap();
            let e = events
                .iter()
                .find(|e| e.kind == kind && e.at_ms >= declared)
                .unwrap_or_else(|| panic!("#{id}: no {kind:?} after the declaration: {events:?}"))
                .clone();
            let told: Vec<&NoticeRecord> = notices.iter().filter(|n| n.event_id == Some(e.id)).collect();
            assert!(!told.is_empty(), "#{id}: {kind:?} was not notified");
            eprintln!(
                "#{id}: {kind:?} {:.1} simulated hours after the declaration, {} notice(s)",
                (e.at_ms - declared) as f64 / 3_600_000.0,
                told.len()
            );
            // The check the declaration brought forward answers it.
            assert!(e.at_ms - declared <= 86_400_000, "#{id}: answered {} ms after the declaration", e.at_ms - declared);
        };
        answer(EventKind::RectifyRejected, rejected, declared_r).await;
        let f = store.get_finding(rejected).await.unwrap().unwrap();
        assert_eq!(f.rectify_outcome.as_deref(), Some("rejected"), "#{rejected}");
        answer(EventKind::RectifyConfirmed, confirmed, declared_c).await;
        let f = store.get_finding(confirmed).await.unwrap().unwrap();
        assert_eq!((f.state, f.rectify_outcome.as_deref()), (FindingState::Resolved, Some("confirmed")), "#{confirmed}");
        let f = store.get_finding(marked).await.unwrap().unwrap();
        assert_eq!((f.state, f.marked_by.as_deref()), (FindingState::Closed, Some("张丽")), "#{marked}");
        let after: Vec<&NoticeRecord> =
            notices.iter().filter(|n| n.finding_id == Some(marked) && n.created_at_ms > marked_at).collect();
        assert!(after.is_empty(), "#{marked} was marked reported and still notified: {after:?}");
    }
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai).format("%m-%d %H:%M").to_string()
}

fn cst(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    xunjian_sim::quarter::cst(y, m, d, h, 0)
}
