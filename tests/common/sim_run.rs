//! What the simulated-quarter tests share: the daemon's configuration
//! against the simulator, the CLI, the findings as the labels see them, and
//! the check that every lie the world told was stored as "could not check".

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::Path;
use xunjian::store::{AccountFilter, EventKind, FindingFilter, ObservationRecord, ReadCompleteness, Store};
use xunjian_adapters::model::{ObservationKind, OutcomeClass};
use xunjian_sim::quarter::{Quarter, RULES_TOML, Severity};
use xunjian_sim::{ConfigOptions, LieKind};

pub fn write_config(dir: &Path, base: &str, smtp_port: u16) -> std::path::PathBuf {
    // WeChat from the accounts' feeds first (an office's RSSHub), Sogou
    // (latest article only) when a feed fails.
    let opts = ConfigOptions { wechat_sources: vec!["feed".into(), "sogou".into()], ..ConfigOptions::default() };
    let platforms = xunjian_sim::xunjian_platforms_config(base, &opts);
    let text = format!(
        "[general]\ndata_dir = \"data\"\noffice_name = \"宝鸡市政务公开办\"\n\
         {RULES_TOML}\
         [report]\nformats = [\"xlsx\", \"html\"]\n\
         [notify]\noffice_recipients = [\"zwgk@baoji.example.gov.cn\"]\nunit_contacts = true\n\
         digest_time = \"\"\nmax_attempts = 1000\nbackoff_initial_secs = 1\nbackoff_max_secs = 2\n\
         [notify.smtp]\nhost = \"127.0.0.1\"\nport = {smtp_port}\nsecurity = \"none\"\n\
         from = \"xunjian@baoji.example.gov.cn\"\ntimeout_secs = 10\n\
         {platforms}\n\
         [daemon]\nlisten = \"127.0.0.1:0\"\ntick_ms = 100\nlease_secs = 30\noutbox_interval_secs = 1\n\
         shutdown_grace_secs = 10\ncatch_up_hours = 0\nsource_interval_minutes = 120\n\
         default_concurrency = 6\n\
         [daemon.schedule]\ndigest = \"\"\nprune = \"\"\n"
    );
    let path = dir.join("xunjian.toml");
    std::fs::write(&path, text).unwrap();
    // As an operator keeps it (the CLI warns about a world-readable one).
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

pub fn xunjian(config: &Path, args: &[&str], env: &[(String, String)]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .arg("--config")
        .arg(config)
        .args(args)
        .envs(env.iter().cloned())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "xunjian {args:?} failed:\n{text}");
    text
}

/// What the store says: `rule|platform:id|subject` → the worst severity
/// any event reached.
pub async fn found(store: &Store) -> BTreeMap<String, (Severity, i64, String)> {
    let accounts = store.list_accounts(&AccountFilter { include_retired: true, ..Default::default() }).await.unwrap();
    let key_of: BTreeMap<i64, String> =
        accounts.iter().map(|a| (a.id, format!("{}:{}", a.spec.platform.code(), a.spec.platform_id))).collect();
    let mut out = BTreeMap::new();
    for f in store.list_findings(&FindingFilter::default()).await.unwrap() {
        let events = store.finding_events(f.id).await.unwrap();
        let violation = events.iter().any(|e| matches!(e.kind, EventKind::Opened | EventKind::Escalated | EventKind::Reopened));
        let warning = events.iter().any(|e| e.kind == EventKind::Warned);
        let sev = if violation {
            Severity::Violation
        } else if warning {
            Severity::Warning
        } else {
            continue;
        };
        let key = format!("{}|{}|{}", f.rule.code(), key_of[&f.account_id], f.subject);
        out.insert(key, (sev, f.id, f.summary_zh.clone()));
    }
    out
}

/// For every lie the world told before `end`: whether the store holds the
/// observation that recognised it, and no good-looking read inside it.
/// Returns what is missing.
pub async fn lies_seen_as_could_not_check(store: &Store, q: &Quarter, base: &str, end: DateTime<Utc>) -> Vec<String> {
    let accounts = store.list_accounts(&AccountFilter { include_retired: true, ..Default::default() }).await.unwrap();
    let mut missing = Vec::new();
    let mut lies = 0;
    for a in q.world.accounts.iter().filter(|a| !a.lies.is_empty()) {
        let row = accounts
            .iter()
            .find(|r| r.spec.platform.code() == a.platform.code() && r.spec.platform_id == a.id)
            .unwrap_or_else(|| panic!("{} is not registered", a.name));
        for lie in a.lies.iter().filter(|l| l.from < end) {
            lies += 1;
            let (from, until) = (lie.from.timestamp_millis(), lie.until.min(end).timestamp_millis());
            let obs = store.observations_for_account(row.id, from, until).await.unwrap();
            let timeline_ok = |o: &&ObservationRecord| o.kind == ObservationKind::Timeline && o.outcome == OutcomeClass::Ok;
            let (seen, wrong): (bool, Vec<&ObservationRecord>) = match &lie.kind {
                LieKind::WrongAccount { .. } => (
                    obs.iter().any(|o| o.outcome == OutcomeClass::WrongAccount),
                    // Inside the span (an hour from its edges: stale faults
                    // answer up to 5 minutes late) no read may look good.
                    obs.iter()
                        .filter(|o| o.outcome == OutcomeClass::Ok && o.observed_at_ms > from + 3_600_000 && o.observed_at_ms < until - 3_600_000)
                        .filter(|o| matches!(o.kind, ObservationKind::Timeline | ObservationKind::Profile))
                        .collect(),
                ),
                LieKind::PinnedOnlyFirstPage => (
                    obs.iter().filter(timeline_ok).any(|o| o.reach.completeness == Some(ReadCompleteness::Unresolved)),
                    Vec::new(),
                ),
                LieKind::StaleRelay => (
                    obs.iter().filter(timeline_ok).any(|o| o.reach.source_updated_at_ms.is_some_and(|u| u <= from)),
                    Vec::new(),
                ),
                LieKind::EmptyFeed => (
                    obs.iter()
                        .filter(timeline_ok)
                        .any(|o| o.reach.completeness == Some(ReadCompleteness::Unresolved) && o.reach.reach_from_ms.is_none()),
                    Vec::new(),
                ),
            };
            if !seen {
                missing.push(format!("{} {:?}: no observation recognised it among {} reads", a.name, lie.kind, obs.len()));
            }
            for o in wrong {
                missing.push(format!("{} {:?}: read {} at {} taken as good", a.name, lie.kind, o.id, o.observed_at_ms));
            }
        }
    }
    for p in &q.world.portals {
        let url = format!("{base}{}", p.path);
        for (from, until) in p.maintenance.iter().filter(|(f, _)| *f < end) {
            lies += 1;
            let reads = store.portal_reads(&url, from.timestamp_millis(), until.min(&end).timestamp_millis()).await.unwrap();
            if reads.is_empty() {
                missing.push(format!("{url} in maintenance: never read"));
            }
            for (o, _) in reads.iter().filter(|(o, _)| o.outcome == OutcomeClass::Ok) {
                missing.push(format!("{url} in maintenance: read {} at {} taken as the homepage", o.id, o.observed_at_ms));
            }
        }
    }
    eprintln!("lies: {lies} served, {} not recognised", missing.len());
    missing
}


/// The documents (《…》) a text presents as binding that are not in force for
/// the office's profile. Another office's document may appear only as a
/// reference, worded 参照《…》.
pub fn cited_outside(profile: xunjian::rules::ProfileName, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('《') {
        let before = &rest[..open];
        let after = &rest[open + '《'.len_utf8()..];
        let Some(close) = after.find('》') else { break };
        let title = &after[..close];
        if !before.ends_with("参照") && !profile.documents_in_force().contains(&title) {
            out.push(title.to_string());
        }
        rest = &after[close..];
    }
    out
}

/// Program forms that must not reach a Chinese reader: Rust debug output,
/// internal state and verdict codes, booleans, epoch milliseconds. URLs,
/// Message-IDs and HTML tags are left out of the search (their ASCII is
/// expected).
pub fn debug_forms(text: &str) -> Vec<String> {
    use std::sync::LazyLock;
    static SKIP: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r#"https?://[^\s<>"'）)]+|<[^<>]*>|&[a-z]+;|[\w.+-]+@[\w.-]+"#).unwrap());
    static BAD: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            // ASCII word boundaries: Chinese next to a code ("状态open")
            // must not hide it.
            r"Some\(|(?-u:\b)(?:None|violation|warning|not_checked|pass|active|closing|closed|planned|open|opened|resolved|dismissed|rectifying|recorded|escalated|reopened|warned|state|event|third_party|true|false|null|undefined|NaN)(?-u:\b)|(?:^|[^\d])1[78]\d{11}(?:[^\d]|$)",
        )
        .unwrap()
    });
    let plain = SKIP.replace_all(text, " ");
    BAD.find_iter(&plain).map(|m| m.as_str().trim_matches(|c: char| !c.is_alphanumeric() && c != '(').to_string()).collect()
}

/// Every text part of a message: subject, plain and HTML bodies, decoded.
pub fn message_texts(raw: &[u8]) -> Vec<String> {
    let m = mail_parser::MessageParser::default().parse(raw).expect("a message");
    let mut texts = vec![m.subject().unwrap_or_default().to_string()];
    for i in 0.. {
        let Some(t) = m.body_text(i) else { break };
        texts.push(t.into_owned());
    }
    for i in 0.. {
        let Some(t) = m.body_html(i) else { break };
        texts.push(t.into_owned());
    }
    texts
}

/// Captures whose time is not on the simulated clock: the adapters stamp
/// evidence with the daemon's clock (a simulated run's evidence carries
/// simulated times), never the machine's.
pub async fn captures_off_the_clock(store: &Store, from: DateTime<Utc>, to: DateTime<Utc>) -> (usize, Vec<String>) {
    let accounts = store.list_accounts(&AccountFilter { include_retired: true, ..Default::default() }).await.unwrap();
    let (from_ms, to_ms) = (from.timestamp_millis(), to.timestamp_millis());
    let mut checked = 0;
    let mut off = Vec::new();
    for a in &accounts {
        let obs = store.observations_for_account(a.id, i64::MIN, i64::MAX).await.unwrap();
        let ids: Vec<i64> = obs.iter().map(|o| o.id).collect();
        for (id, caps) in store.captures_of(&ids).await.unwrap() {
            for c in caps {
                checked += 1;
                if c.fetched_at_ms < from_ms || c.fetched_at_ms > to_ms {
                    off.push(format!("{} observation {id}: {} at {}", a.spec.display_name, c.url, c.fetched_at_ms));
                }
            }
        }
    }
    (checked, off)
}
