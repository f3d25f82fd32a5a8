//! Test databases: a fresh SQLite file always, and a fresh PostgreSQL
//! database when `XUNJIAN_TEST_POSTGRES_URL` is set (`.ci/run` sets it).
//! A set but unreachable PostgreSQL fails the test: it is never skipped
//! silently.
#![allow(dead_code)]

use sqlx::Executor;
use xunjian::store::{Store, StoreOptions};

pub struct TestDb {
    pub store: Store,
    pub label: &'static str,
    /// Where the store lives, for a second handle on the same database.
    pub url: String,
    pg_cleanup: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// Drops the PostgreSQL database (SQLite files go with the temp dir).
    pub async fn finish(self) {
        self.store.close().await;
        if let Some((admin_url, name)) = self.pg_cleanup {
            let admin = sqlx::AnyPool::connect(&admin_url).await.expect("reconnect to drop test database");
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            admin.execute(sqlx::AssertSqlSafe(sql)).await.expect("drop test database");
            admin.close().await;
        }
    }
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await.expect("open sqlite store");
    TestDb { store, label: "sqlite", url, pg_cleanup: None, _dir: Some(dir) }
}

pub async fn postgres() -> Option<TestDb> {
    let admin_url = std::env::var("XUNJIAN_TEST_POSTGRES_URL").ok().filter(|s| !s.is_empty())?;
    sqlx::any::install_default_drivers();
    let name = format!(
        "xunjian_t_{}_{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() % 1_000_000_000_000
    );
    let admin = sqlx::AnyPool::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("XUNJIAN_TEST_POSTGRES_URL is set but unreachable: {e}"));
    drop_stale_databases(&admin).await;
    admin.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.expect("create test database");
    admin.close().await;
    let mut url = url::Url::parse(&admin_url).expect("postgres url");
    url.set_path(&format!("/{name}"));
    let store = Store::open(url.as_str(), &StoreOptions::default()).await.expect("open postgres store");
    Some(TestDb { store, label: "postgres", url: url.to_string(), pg_cleanup: Some((admin_url, name)), _dir: None })
}

/// A test that panicked never reached `finish`: drop databases left by test
/// processes that are gone, so repeated runs do not pile them up.
async fn drop_stale_databases(admin: &sqlx::AnyPool) {
    use sqlx::Row;
    let Ok(rows) =
        sqlx::query("SELECT datname FROM pg_database WHERE datname LIKE 'xunjian_t_%'").fetch_all(admin).await
    else {
        return;
    };
    for row in rows {
        let Ok(name) = row.try_get::<String, _>(0) else { continue };
        let pid = name.trim_start_matches("xunjian_t_").split('_').next().unwrap_or_default();
        if !pid.is_empty() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = admin.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).await;
        }
    }
}

/// SQLite, plus PostgreSQL when configured.
pub async fn backends() -> Vec<TestDb> {
    let mut v = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        v.push(pg);
    }
    v
}
