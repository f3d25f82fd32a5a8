//! Logs for journald (issue 18): when stderr is the stream systemd names in
//! `$JOURNAL_STREAM` (device:inode), every line starts with its sd-daemon
//! priority (`<4>` warning, `<6>` info, …), which journald turns into the
//! entry's priority so `journalctl -p warning` filters; otherwise lines are
//! unchanged. `[log] time = "beijing"` writes Asia/Shanghai timestamps.
//!
//! No journald runs here: stderr is a file and `$JOURNAL_STREAM` names that
//! file's device and inode exactly as systemd names its socket's.

use chrono::{DateTime, FixedOffset, Utc};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the daemon (clock at 08:29:30 on 2 November, one simulated minute
/// per real second: the digest job's calendar warning comes within a few
/// seconds) with stderr into `log`, until stderr contains `until`.
fn run_daemon(dir: &Path, time: &str, journal_stream: impl Fn(&std::fs::Metadata) -> String, until: &str) -> String {
    let cfg = dir.join("xunjian.toml");
    std::fs::write(
        &cfg,
        format!(
            "[general]\ndata_dir = \"data\"\n[log]\nlevel = \"debug,sqlx=warn,hyper=warn\"\ntime = \"{time}\"\n\
             [daemon]\nlisten = \"127.0.0.1:0\"\ntick_ms = 50\ncatch_up_hours = 0\nshutdown_grace_secs = 5\n"
        ),
    )
    .unwrap();
    let log = dir.join("stderr.log");
    let file = std::fs::File::create(&log).unwrap();
    let meta = file.metadata().unwrap();
    let anchor = Utc::now().timestamp_millis() + 500;
    let mut child = Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .arg("-c")
        .arg(&cfg)
        .arg("run")
        .env_remove("RUST_LOG")
        .env_remove("NOTIFY_SOCKET")
        .env("JOURNAL_STREAM", journal_stream(&meta))
        .env("XUNJIAN_CLOCK_START", "2026-11-02T08:29:30+08:00")
        .env("XUNJIAN_CLOCK_SPEED", "60")
        .env("XUNJIAN_CLOCK_ANCHOR_MS", anchor.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let text = loop {
        let text = std::fs::read_to_string(&log).unwrap();
        if text.contains(until) {
            break text;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the daemon exited ({status}):\n{text}");
        }
        assert!(Instant::now() < deadline, "no {until:?} in 60 s:\n{text}");
        std::thread::sleep(Duration::from_millis(50));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    // Only whole lines: the last one may still have been being written.
    text.rsplit_once('\n').map(|(whole, _)| whole.to_string()).unwrap_or_default()
}

fn priority(line: &str) -> Option<u8> {
    let rest = line.strip_prefix('<')?;
    let (n, _) = rest.split_once('>')?;
    n.parse().ok()
}

#[test]
fn journal_lines_carry_their_priority_and_beijing_time() {
    let dir = tempfile::tempdir().unwrap();
    let text = run_daemon(dir.path(), "beijing", |m| format!("{}:{}", m.dev(), m.ino()), "缺少 2027 年节假日安排数据");
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    assert!(lines.len() >= 3, "{text}");
    for line in &lines {
        let p = priority(line).unwrap_or_else(|| panic!("no priority prefix: {line:?}\n{text}"));
        // The level follows the timestamp; a continuation line of a long
        // message has none, and its event's priority.
        let level = line.split_whitespace().nth(1).unwrap_or_default();
        let expected = match level {
            "ERROR" => Some(3),
            "WARN" => Some(4),
            "INFO" => Some(6),
            "DEBUG" | "TRACE" => Some(7),
            _ => None,
        };
        if let Some(expected) = expected {
            assert_eq!(p, expected, "{line}");
        }
    }
    // Written before the log starts (the configuration is world-readable here), still a warning.
    assert!(lines.iter().any(|l| l.starts_with("<4>警告 (warning): 配置文件")), "{text}");
    let warn = lines.iter().find(|l| l.contains("缺少 2027 年")).unwrap();
    assert!(warn.starts_with("<4>"), "{warn}");
    assert!(lines.iter().any(|l| l.starts_with("<6>") && l.contains("HTTP endpoint listening")), "{text}");
    // <3> and <7> (error, debug) are in the unit test of the writer (src/cli/logging.rs).

    // Beijing time: `2026-12-03T19:53:37.123+08:00`, the machine's now.
    let stamp = warn.trim_start_matches("<4>").split_whitespace().next().unwrap();
    assert!(stamp.ends_with("+08:00"), "{stamp}");
    let at: DateTime<FixedOffset> = DateTime::parse_from_rfc3339(stamp).unwrap_or_else(|e| panic!("{stamp}: {e}"));
    assert!((Utc::now() - at.to_utc()).num_seconds().abs() < 300, "{stamp} is not now");
}

#[test]
fn without_the_journal_lines_are_plain_and_utc() {
    let dir = tempfile::tempdir().unwrap();
    // $JOURNAL_STREAM inherited, but stderr is another file: no prefix.
    let text = run_daemon(dir.path(), "utc", |m| format!("{}:{}", m.dev(), m.ino() + 1), "HTTP endpoint listening");
    let line = text.lines().find(|l| l.contains("HTTP endpoint listening")).unwrap();
    assert!(!line.starts_with('<'), "{line}");
    let stamp = line.split_whitespace().next().unwrap();
    assert!(stamp.ends_with('Z') && DateTime::parse_from_rfc3339(stamp).is_ok(), "{stamp}");
    assert!(text.lines().all(|l| priority(l).is_none()), "{text}");
}
