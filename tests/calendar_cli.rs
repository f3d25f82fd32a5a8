//! Next year's holiday calendar (issue 18): `xunjian calendar status` and
//! `import`, and the warning from 1 November in `xunjian status`, the
//! daemon's `/healthz` (not a 503), its log and the office's digest.
//!
//! The 2027 data here is made up for the test (the real notice is not on
//! this machine): New Year, a Spring Festival block, one make-up Saturday.

#[path = "common/daemon.rs"]
mod daemon_common;

use daemon_common::{DaemonProc, SimClock, http_get};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

const TEST_2027: &str = "# 测试数据，不是真实的通知\n日期,类型,名称\n2026-12-31,休,元旦\n2027-01-01,休,元旦\n\
2027-02-06,休,春节\n2027-02-07,休,春节\n2027-02-08,休,春节\n2027-02-13,班,春节\n";

fn config(dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("xunjian.toml");
    std::fs::write(
        &path,
        format!(
            "[general]\ndata_dir = \"data\"\noffice_name = \"测试市政务公开办\"\n\
             [daemon]\nlisten = \"127.0.0.1:0\"\ntick_ms = 50\nlease_secs = 5\noutbox_interval_secs = 1\n\
             shutdown_grace_secs = 5\ncatch_up_hours = 0\n{extra}"
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

/// `xunjian -c CONFIG ARGS…` with the clock at `at` (RFC 3339).
fn xunjian(config: &Path, at: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .arg("-c")
        .arg(config)
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("XUNJIAN_DATABASE_URL")
        .env("XUNJIAN_CLOCK_START", at)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn status_and_import_of_next_year() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let holidays = dir.path().join("data/holidays");

    // October: nothing to do yet.
    let o = xunjian(&cfg, "2026-10-31T12:00:00+08:00", &["calendar", "status"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.contains("2026 年：内置 (built in)") && out.contains("2023 年") && !out.contains("警告"), "{out}");
    assert!(out.contains(&holidays.display().to_string()) && out.contains("尚未创建"), "{out}");

    // From 1 November (Beijing time: 16:00 UTC on 31 October) next year is wanted.
    let o = xunjian(&cfg, "2026-10-31T16:00:00Z", &["calendar", "status"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(out.contains("警告 (warning): 缺少 2027 年节假日安排数据") && out.contains("xunjian calendar import"), "{out}");

    // A wrong file: the line and the column, and nothing written.
    let bad = dir.path().join("2027-bad.csv");
    std::fs::write(&bad, TEST_2027.replace("2027-02-13,班", "2027-02-10,班")).unwrap();
    let o = xunjian(&cfg, "2026-11-02T09:00:00+08:00", &["calendar", "import", bad.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    assert!(err.contains("2027-bad.csv") && err.contains("第 8 行") && err.contains("星期三"), "{err}");
    assert!(!holidays.join("2027.json").exists());

    // The same table saved by Excel in GBK imports.
    let good = dir.path().join("2027.csv");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(TEST_2027);
    assert!(!unmappable);
    std::fs::write(&good, &gbk).unwrap();
    let o = xunjian(&cfg, "2026-11-02T09:00:00+08:00", &["calendar", "import", good.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.contains("已导入 2027 年节假日安排 (imported): 放假 5 天，调休上班 1 天"), "{out}");
    assert!(out.contains("春节：放假 2027-02-06、2027-02-07、2027-02-08；调休上班 2027-02-13"), "{out}");
    assert!(holidays.join("2027.json").exists());

    // Imported twice: refused without --replace, taken with it.
    let o = xunjian(&cfg, "2026-11-02T09:00:00+08:00", &["calendar", "import", good.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--replace"), "{}", text(&o).1);
    let o = xunjian(&cfg, "2026-11-02T09:00:00+08:00", &["calendar", "import", "--replace", good.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));

    let o = xunjian(&cfg, "2026-11-02T09:00:00+08:00", &["calendar", "status"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.contains(&format!("2027 年：导入 (imported) {}", holidays.join("2027.json").display())), "{out}");

    // A year of working-day deadlines without data is still an error in 2028.
    let o = xunjian(&cfg, "2028-01-03T09:00:00+08:00", &["calendar", "status"]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(out.contains("缺少本年（2028 年）节假日安排数据"), "{out}");
}

#[test]
fn status_warns_without_being_degraded() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let o = xunjian(&cfg, "2026-11-20T10:00:00+08:00", &["status", "--json"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "a missing next year is no reason for degraded: {out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["warnings"][0]["code"], "calendar_next_year_missing", "{v}");
    assert_eq!(v["warnings"][0]["year"], 2027);
    let o = xunjian(&cfg, "2026-11-20T10:00:00+08:00", &["status"]);
    assert!(text(&o).0.contains("提醒 (warning) [calendar_next_year_missing]：缺少 2027 年"), "{:?}", text(&o));
    let o = xunjian(&cfg, "2026-10-20T10:00:00+08:00", &["status", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    assert_eq!(v["warnings"], serde_json::json!([]), "{v}");
}

/// The daemon: `/healthz` stays 200 with the warning; the daily digest job
/// logs it (at 08:30); after `calendar import` and a reload it is gone.
#[test]
fn the_daemon_warns_in_healthz_and_its_log_until_imported() {
    let dir = tempfile::tempdir().unwrap();
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-02T08:26:00+08:00").unwrap().to_utc();
    // One simulated minute per real second: the digest job in about 4 s.
    let clock = SimClock::new(start, 60.0, Duration::from_secs(1));
    let cfg = config(dir.path(), "");
    let mut d = DaemonProc::spawn("d", &cfg, &clock.env());
    let addr = d.http_addr();
    let (code, body) = http_get(addr, "/healthz");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!((code, v["status"].as_str()), (200, Some("ok")), "{body}");
    assert_eq!(v["warnings"][0]["code"], "calendar_next_year_missing", "{body}");

    let line = d.wait_for_log("缺少 2027 年节假日安排数据", Duration::from_secs(60));
    assert!(line.contains("WARN") && line.contains("calendar_next_year_missing"), "{line}");

    let table = dir.path().join("2027.csv");
    std::fs::write(&table, TEST_2027).unwrap();
    let o = xunjian(&cfg, "2026-11-02T09:00:00+08:00", &["calendar", "import", table.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    d.signal("HUP");
    d.wait_for_log("配置已重新加载", Duration::from_secs(30));
    let (code, body) = http_get(addr, "/healthz");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!((code, &v["warnings"]), (200, &serde_json::json!([])), "{body}");
    d.signal("TERM");
    assert!(d.wait_exit(Duration::from_secs(30)).success());
}
