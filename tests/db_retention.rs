//! Evidence retention (issue 18): bodies no finding cites go after
//! `raw_capture_days`, bodies findings cite stay for `finding_evidence_years`
//! after the last citation, the records stay, and SQLite gives the space
//! back. On SQLite and (when configured) PostgreSQL. Time is injected.

mod common;

use chrono::{DateTime, Duration, Utc};
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::{Capture, ObservationKind, OutcomeClass, Platform};
use xunjian::config::RetentionConfig;
use xunjian::rules::{Citation, Evidence, Finding, RuleId, Verdict};
use xunjian::store::{
    FindingTransition, NewNotice, NewObservation, ObservedData, PRUNE_BATCH, Store, StoreError, StoreOptions,
};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-10-01T01:00:00Z").unwrap().to_utc()
}

fn no_notices(_: &FindingTransition) -> Vec<NewNotice> {
    Vec::new()
}

/// Bytes that do not compress away (so freed space is visible in the file).
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed ^ 0x2545_f491_4f6c_dd1d;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x & 0xff) as u8
        })
        .collect()
}

/// Records one observation of `account` at `at` with `body`; returns its SHA-256.
async fn observe(s: &Store, account: i64, at: DateTime<Utc>, body: Vec<u8>) -> String {
    observe_fetched(s, account, at, at, body).await
}

/// As `observe`, with the capture stamped `fetched` (adapters stamp
/// captures with the machine's clock; a simulated run's observations carry
/// the simulated time).
async fn observe_fetched(s: &Store, account: i64, at: DateTime<Utc>, fetched: DateTime<Utc>, body: Vec<u8>) -> String {
    let caps = [Capture {
        url: format!("https://m.weibo.cn/api/container/getIndex?uid={account}&t={}", at.timestamp()),
        http_status: Some(200),
        content_type: Some("application/json".into()),
        fetched_at: fetched,
        body,
        source: "test".into(),
    }];
    let obs = NewObservation {
        account_id: Some(account),
        platform: Platform::Weibo,
        kind: ObservationKind::Timeline,
        target: account.to_string(),
        source: "test".into(),
        observed_at: at,
        duration_ms: 50,
        outcome: OutcomeClass::Ok,
        http_status: Some(200),
        detail: None,
        captures: &caps,
    };
    s.record_observation(&obs, ObservedData::Nothing).await.unwrap();
    caps[0].sha256_hex()
}

async fn cite(s: &Store, account: i64, subject: &str, sha: &str, at: DateTime<Utc>) {
    let f = Finding {
        rule: RuleId::Zombie,
        account_id: account,
        subject: subject.into(),
        verdict: Verdict::Violation,
        citation: Citation { document: "测试办法", number: None, article: "第一条", basis: Default::default() },
        summary_zh: "测试".into(),
        evidence: vec![Evidence { label: "时间线抓取".into(), page_url: None, url: None, sha256: Some(sha.into()), at_ms: at.timestamp_millis() }],
        measured: serde_json::Map::new(),
    };
    s.record_evaluation(&[f], at.timestamp_millis(), &no_notices).await.unwrap();
}

fn pruned(r: Result<Option<Vec<u8>>, StoreError>) -> bool {
    matches!(r, Err(StoreError::EvidencePruned { .. }))
}

#[tokio::test]
async fn prune_keeps_what_findings_cite_and_what_is_recent() {
    let policy = RetentionConfig::default().policy(now()); // 90 days, 3 years
    for db in common::backends().await {
        let s = &db.store;
        let label = db.label;
        let a = s.add_account(&AccountSpec::new(Platform::Weibo, "1000000001", "测试发布"), 0, "test").await.unwrap().id;
        let old = now() - Duration::days(200);
        let unref = observe(s, a, old, b"old, cited by nobody".to_vec()).await;
        let cited = observe(s, a, old + Duration::hours(1), b"old, cited by a finding".to_vec()).await;
        cite(s, a, "cited", &cited, now() - Duration::days(150)).await;
        let refetched = observe(s, a, old + Duration::hours(2), b"old, fetched again lately".to_vec()).await;
        assert_eq!(observe(s, a, now() - Duration::days(10), b"old, fetched again lately".to_vec()).await, refetched);
        let recent = observe(s, a, now() - Duration::days(10), b"recent".to_vec()).await;
        let ancient_at = now() - Duration::days(4 * 366);
        let ancient = observe(s, a, ancient_at, b"cited four years ago only".to_vec()).await;
        cite(s, a, "ancient", &ancient, ancient_at).await;
        // Observed 200 days ago by the (injected) clock, stamped today by
        // the machine: the observation's time counts.
        let stamped_late = observe_fetched(s, a, old + Duration::hours(3), now(), b"simulated".to_vec()).await;
        let observations_before = s.observations_for_account(a, 0, i64::MAX).await.unwrap();

        // Dry run: counts, changes nothing.
        let dry = s.prune_evidence(policy, now().timestamp_millis(), PRUNE_BATCH, true).await.unwrap();
        assert_eq!((dry.bodies, dry.kept_for_findings), (3, 1), "{label}: {dry:?}");
        assert!(dry.gzip_bytes > 0 && dry.raw_bytes == 20 + 25 + 9, "{label}: {dry:?}");
        assert!(s.evidence_body(&unref).await.unwrap().is_some(), "{label}: dry run pruned");

        // Batches of one: the loop must go round until nothing is left.
        let r = s.prune_evidence(policy, now().timestamp_millis(), 1, false).await.unwrap();
        assert_eq!(r.bodies, 3, "{label}: {r:?}");
        assert!(pruned(s.evidence_body(&unref).await), "{label}: unreferenced old body kept");
        assert!(pruned(s.evidence_body(&stamped_late).await), "{label}: capture time used instead of observation time");
        assert!(pruned(s.evidence_body(&ancient).await), "{label}: body cited only 4 years ago kept");
        assert_eq!(s.evidence_body(&cited).await.unwrap().unwrap(), b"old, cited by a finding", "{label}");
        assert_eq!(s.evidence_body(&refetched).await.unwrap().unwrap(), b"old, fetched again lately", "{label}");
        assert_eq!(s.evidence_body(&recent).await.unwrap().unwrap(), b"recent", "{label}");

        // The record of every look stays: observations, captures and hashes.
        assert_eq!(s.observations_for_account(a, 0, i64::MAX).await.unwrap(), observations_before, "{label}");
        assert_eq!(s.evidence_count().await.unwrap(), 6, "{label}");
        let first = &observations_before[1]; // the ancient one is first by time
        assert_eq!(s.observation_captures(first.id).await.unwrap()[0].sha256, unref, "{label}");
        // The finding still names its evidence, and it resolves.
        let f = s.find_finding(&format!("zombie:{a}:cited")).await.unwrap().unwrap();
        let sha = f.evidence[0].sha256.as_deref().unwrap();
        assert!(s.evidence_body(sha).await.unwrap().is_some(), "{label}");
        // The message says what happened, in Chinese.
        let msg = s.evidence_body(&unref).await.unwrap_err().to_string();
        assert!(msg.contains("已按保留期限删除"), "{msg}");

        // Idempotent.
        let again = s.prune_evidence(policy, now().timestamp_millis(), PRUNE_BATCH, false).await.unwrap();
        assert_eq!(again.bodies, 0, "{label}: {again:?}");

        // The same bytes fetched again are evidence again.
        observe(s, a, now(), b"old, cited by nobody".to_vec()).await;
        assert_eq!(s.evidence_body(&unref).await.unwrap().unwrap(), b"old, cited by nobody", "{label}");
        let r = s.prune_evidence(policy, now().timestamp_millis(), PRUNE_BATCH, false).await.unwrap();
        assert_eq!(r.bodies, 0, "{label}: a body fetched today was pruned");

        // A later prune (a year on) takes the body the finding cited 150 days
        // ago? No: findings' evidence is kept 3 years after the last citation.
        let later = RetentionConfig::default().policy(now() + Duration::days(365));
        s.prune_evidence(later, (now() + Duration::days(365)).timestamp_millis(), PRUNE_BATCH, false).await.unwrap();
        assert!(s.evidence_body(&cited).await.unwrap().is_some(), "{label}: cited evidence pruned within 3 years");
        let much_later = RetentionConfig::default().policy(now() + Duration::days(3 * 366));
        s.prune_evidence(much_later, now().timestamp_millis(), PRUNE_BATCH, false).await.unwrap();
        assert!(pruned(s.evidence_body(&cited).await), "{label}: cited evidence kept past 3 years");
        db.finish().await;
    }
}

#[tokio::test]
async fn sqlite_gives_pruned_space_back() {
    let db = common::sqlite().await;
    let s = &db.store;
    // A new database is created in incremental auto-vacuum mode.
    assert_eq!(s.check().await.unwrap().auto_vacuum, 2);
    let a = s.add_account(&AccountSpec::new(Platform::Weibo, "1000000001", "测试发布"), 0, "test").await.unwrap().id;
    for i in 0..40 {
        observe(s, a, now() - Duration::days(200) + Duration::hours(i), noise(i as u64, 64 * 1024)).await;
    }
    observe(s, a, now(), noise(999, 64 * 1024)).await;
    let before = s.check().await.unwrap();
    let r = s.prune_evidence(RetentionConfig::default().policy(now()), now().timestamp_millis(), 7, false).await.unwrap();
    assert_eq!(r.bodies, 40);
    let c = s.compact(false).await.unwrap();
    assert!(c.incremental && !c.converted);
    let after = s.check().await.unwrap();
    assert!(after.integrity_ok);
    // 40 × 64 KB of incompressible bodies went; the file shrank by most of it.
    assert!(
        before.file_bytes - after.file_bytes > 35 * 64 * 1024,
        "file {} -> {} bytes",
        before.file_bytes,
        after.file_bytes
    );
    assert_eq!(c.bytes_after, after.file_bytes);
    db.finish().await;
}

#[tokio::test]
async fn an_older_sqlite_database_is_converted_once_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        // A database made before auto_vacuum was set: a table exists first.
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display())).await.unwrap();
        sqlx::raw_sql("CREATE TABLE early (x INTEGER)").execute(&mut c).await.unwrap();
        c.close().await.unwrap();
    }
    let s = Store::open(&format!("sqlite://{}?mode=rw", path.display()), &StoreOptions::default()).await.unwrap();
    assert_eq!(s.check().await.unwrap().auto_vacuum, 0);
    // The daemon's job never runs the full VACUUM; it says it did not.
    let c = s.compact(false).await.unwrap();
    assert!(!c.incremental && !c.converted);
    assert_eq!(s.check().await.unwrap().auto_vacuum, 0);
    // `db prune` converts.
    let c = s.compact(true).await.unwrap();
    assert!(c.incremental && c.converted);
    let r = s.check().await.unwrap();
    assert_eq!(r.auto_vacuum, 2);
    assert!(r.integrity_ok);
    s.close().await;
}
