//! `xunjian db backup` of a live SQLite database under concurrent writes,
//! `db restore` into a fresh data directory, and the refusals that keep an
//! operator from losing data (issue 18).

use chrono::{DateTime, Duration, Utc};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::{Capture, ObservationKind, OutcomeClass, Platform};
use xunjian::rules::{Citation, Evidence, Finding, RuleId, Verdict};
use xunjian::store::{FindingFilter, FindingTransition, NewNotice, NewObservation, ObservedData, Store, StoreOptions};

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-08-03T02:00:00Z").unwrap().to_utc()
}

/// A data directory with a configuration that points at it.
struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::write(
            dir.path().join("xunjian.toml"),
            format!("[general]\ndata_dir = \"{}\"\n[daemon]\nlisten = \"\"\n", data.display()),
        )
        .unwrap();
        Site { dir }
    }
    fn db(&self) -> PathBuf {
        self.dir.path().join("data").join("xunjian.db")
    }
    fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.db().display())
    }
    fn xunjian(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_xunjian"))
            .arg("-c")
            .arg(self.dir.path().join("xunjian.toml"))
            .args(args)
            .env_remove("XUNJIAN_DATABASE_URL")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// A body that does not compress away, so the database has some size and
/// VACUUM INTO takes a while.
fn body(seed: i64, len: usize) -> Vec<u8> {
    let mut x = seed as u64 ^ 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x & 0xff) as u8
        })
        .collect()
}

fn no_notices(_: &FindingTransition) -> Vec<NewNotice> {
    Vec::new()
}

/// One observation with one capture, and every third time a new finding
/// that cites it (a new subject: the writer only adds, so a consistent
/// snapshot holds exactly the findings with ids up to its largest).
async fn write_one(store: &Store, accounts: &[i64], i: i64) {
    let account = accounts[(i as usize) % accounts.len()];
    let at = t0() + Duration::minutes(i);
    let caps = [Capture {
        url: format!("https://m.weibo.cn/api/container/getIndex?uid={account}&i={i}"),
        http_status: Some(200),
        content_type: Some("application/json".into()),
        fetched_at: at,
        body: body(i, 8 * 1024),
        source: "test".into(),
    }];
    let obs = NewObservation {
        account_id: Some(account),
        platform: Platform::Weibo,
        kind: ObservationKind::Timeline,
        target: account.to_string(),
        source: "test".into(),
        observed_at: at,
        duration_ms: 80,
        outcome: OutcomeClass::Ok,
        http_status: Some(200),
        detail: None,
        captures: &caps,
    };
    store.record_observation(&obs, ObservedData::Nothing).await.unwrap();
    if i % 3 == 0 {
        let f = Finding {
            rule: RuleId::Zombie,
            account_id: account,
            subject: format!("test-{i}"),
            verdict: if i % 2 == 0 { Verdict::Warning } else { Verdict::Violation },
            citation: Citation { document: "测试办法", number: None, article: "第一条", basis: Default::default() },
            summary_zh: format!("第 {i} 条测试问题"),
            evidence: vec![Evidence {
                page_url: None,
                label: "时间线抓取".into(),
                url: Some(caps[0].url.clone()),
                sha256: Some(caps[0].sha256_hex()),
                at_ms: at.timestamp_millis(),
            }],
            measured: serde_json::Map::new(),
        };
        store.record_evaluation(&[f], at.timestamp_millis(), &no_notices).await.unwrap();
    }
}

async fn seed(store: &Store) -> Vec<i64> {
    let mut ids = Vec::new();
    for n in 0..16 {
        let spec = AccountSpec::new(Platform::Weibo, format!("10000000{n:02}"), format!("测试区发布{n}"));
        ids.push(store.add_account(&spec, t0().timestamp_millis(), "test").await.unwrap().id);
    }
    ids
}

async fn open(path: &Path) -> Store {
    Store::open(&format!("sqlite://{}?mode=rw", path.display()), &StoreOptions::default()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_under_load_restores_the_same_findings() {
    let source = Site::new();
    let store = Store::open(&source.url(), &StoreOptions::default()).await.unwrap();
    let accounts = seed(&store).await;
    // About 6 MB of evidence before the backup starts.
    for i in 0..600 {
        write_one(&store, &accounts, i).await;
    }

    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicI64::new(600));
    let writer = {
        let (store, accounts, stop, written) = (store.clone(), accounts.clone(), stop.clone(), written.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let i = written.load(Ordering::SeqCst);
                write_one(&store, &accounts, i).await;
                written.store(i + 1, Ordering::SeqCst);
            }
        })
    };
    // Let the writer get going, then back up through the command line.
    while written.load(Ordering::SeqCst) < 620 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let backup = source.dir.path().join("备份 2026-08-03.db");
    let before = written.load(Ordering::SeqCst);
    let backup_arg = backup.to_str().unwrap().to_string();
    let site_dir = source.dir.path().to_path_buf();
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        let site = Site { dir: tempfile::TempDir::new_in(&site_dir).unwrap() };
        // Same configuration, run from the source site's file.
        std::fs::copy(site_dir.join("xunjian.toml"), site.dir.path().join("xunjian.toml")).unwrap();
        site.xunjian(&["db", "backup", &backup_arg])
    })
    .await
    .unwrap();
    let during = written.load(Ordering::SeqCst) - before;
    // Keep writing a little after the backup, then stop.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    assert_eq!(code, 0, "backup failed: {out}\n{err}");
    assert!(out.contains("备份完成") && out.contains("完整性 (integrity): 正常"), "{out}");
    assert!(during > 0, "the writer wrote nothing while the backup ran: not a test under load");
    assert!(!Path::new(&format!("{}.partial", backup.display())).exists());

    // A second backup to the same name is refused, and the first is intact.
    let (code, _, err) = source.xunjian(&["db", "backup", backup.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("已存在"), "{err}");

    // `db check --file` on the backup.
    let (code, out, err) = source.xunjian(&["db", "check", "--file", backup.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("检查通过"), "{out}");

    // Restore into a fresh data directory.
    let fresh = Site::new();
    let (code, out, err) = fresh.xunjian(&["db", "restore", backup.to_str().unwrap()]);
    assert_eq!(code, 0, "restore failed: {out}\n{err}");
    assert!(out.contains("已恢复"), "{out}");
    let restored = open(&fresh.db()).await;

    let all = FindingFilter { states: vec![], ..Default::default() };
    let src_findings = store.list_findings(&all).await.unwrap();
    let got = restored.list_findings(&all).await.unwrap();
    assert!(!got.is_empty());
    let max_id = got.iter().map(|f| f.id).max().unwrap();
    // A snapshot of one instant: every finding up to its last one, no gaps
    // and none half-written.
    let expected: Vec<_> = src_findings.iter().filter(|f| f.id <= max_id).cloned().collect();
    assert_eq!(got, expected, "restored findings differ from the source's");
    assert!(src_findings.len() > got.len(), "the writer added findings after the backup");
    for f in &got {
        assert_eq!(
            restored.finding_events(f.id).await.unwrap(),
            store.finding_events(f.id).await.unwrap(),
            "events of finding {}",
            f.id
        );
        // The evidence each finding cites came along and reads back.
        let sha = f.evidence[0].sha256.as_deref().unwrap();
        let a = restored.evidence_body(sha).await.unwrap().expect("evidence in the backup");
        assert_eq!(Some(a), store.evidence_body(sha).await.unwrap());
    }
    // Observations: the backup holds a prefix too, consistent with the findings.
    let src_obs = store.observations_for_account(accounts[0], 0, i64::MAX).await.unwrap();
    let got_obs = restored.observations_for_account(accounts[0], 0, i64::MAX).await.unwrap();
    assert!(!got_obs.is_empty() && got_obs.len() <= src_obs.len());
    assert_eq!(got_obs[..], src_obs[..got_obs.len()]);
    restored.close().await;
    store.close().await;
}

#[tokio::test]
async fn restore_refuses_what_would_lose_data() {
    let source = Site::new();
    let store = Store::open(&source.url(), &StoreOptions::default()).await.unwrap();
    let accounts = seed(&store).await;
    for i in 0..10 {
        write_one(&store, &accounts, i).await;
    }
    let backup = source.dir.path().join("b.db");
    store.backup_to(&backup).await.unwrap();

    // The database is open (a running daemon): refused, even with --force.
    let (code, _, err) = source.xunjian(&["db", "restore", backup.to_str().unwrap(), "--force"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("正在被使用") && err.contains("systemctl stop xunjian"), "{err}");
    store.close().await;

    // Closed, but it exists: --force is required.
    let (code, _, err) = source.xunjian(&["db", "restore", backup.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--force"), "{err}");

    // With --force the old database is renamed, not deleted.
    let (code, out, err) = source.xunjian(&["db", "restore", backup.to_str().unwrap(), "--force"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let kept: Vec<_> = std::fs::read_dir(source.db().parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("xunjian.db.before-restore-"))
        .collect();
    assert!(!kept.is_empty(), "the replaced database was not kept: {out}");

    // A damaged backup is refused and nothing changes.
    let mut bytes = std::fs::read(&backup).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 4096] {
        *b = !*b;
    }
    let damaged = source.dir.path().join("damaged.db");
    std::fs::write(&damaged, &bytes).unwrap();
    let fresh = Site::new();
    let (code, _, err) = fresh.xunjian(&["db", "restore", damaged.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("备份文件不可用"), "{err}");
    assert!(!fresh.db().exists(), "a refused restore wrote the database");

    // A backup from a newer program (a migration this binary does not know).
    let newer = source.dir.path().join("newer.db");
    std::fs::copy(&backup, &newer).unwrap();
    {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", newer.display())).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (9999, 'future', 1, X'00', 0)",
        )
        .execute(&mut c)
        .await
        .unwrap();
        c.close().await.unwrap();
    }
    let (code, _, err) = fresh.xunjian(&["db", "restore", newer.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("更新版本") && err.contains("9999"), "{err}");
    assert!(!fresh.db().exists());

    // No such file.
    let (code, _, err) = fresh.xunjian(&["db", "restore", "/nonexistent/x.db"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("找不到备份文件"), "{err}");
}
