//! The registry commands as the operator runs them: the real binary. `init`
//! keeps staff data private; printing survives a reader that goes away;
//! `accounts import` says which sheet it read.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn xunjian() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_xunjian"));
    // The developer's environment must not leak into the test.
    for var in ["XUNJIAN_CONFIG", "XUNJIAN_DATABASE_URL", "STATE_DIRECTORY", "RUST_LOG"] {
        c.env_remove(var);
    }
    c
}

fn run(args: &[&str]) -> Output {
    xunjian().args(args).output().expect("run xunjian")
}

fn ok(args: &[&str]) -> String {
    let o = run(args);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert!(o.status.success(), "xunjian {args:?} failed:\nstdout: {}\nstderr: {}", text(&o.stdout), text(&o.stderr));
    text(&o.stdout)
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn init_writes_staff_data_readable_by_the_owner_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("office");
    ok(&["init", dir.to_str().unwrap(), "--import"]);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("xunjian.toml")), 0o600);
    assert_eq!(mode(&dir.join("accounts.xlsx")), 0o600);
    // The example configuration keeps its data beside it (data_dir = "data").
    let data = dir.join("data");
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("xunjian.db")), 0o600);
    // The database works (and was not left empty by the pre-created file).
    let config = dir.join("xunjian.toml");
    let listed = ok(&["--config", config.to_str().unwrap(), "accounts", "list"]);
    assert!(listed.contains("安康发布"), "{listed}");
    // Files written private draw no warning at load.
    let o = run(&["--config", config.to_str().unwrap(), "accounts", "list"]);
    assert!(!String::from_utf8_lossy(&o.stderr).contains("world-readable"));
}

#[test]
fn printing_into_a_closed_pipe_exits_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("office");
    ok(&["init", dir.to_str().unwrap(), "--import"]);
    let config = dir.join("xunjian.toml");
    for args in [
        vec!["accounts", "show", "1"],
        vec!["accounts", "list"],
        vec!["accounts", "list", "--format", "csv"],
        vec!["findings", "list"],
        vec!["findings", "list", "--json"],
        vec!["notices", "list"],
        vec!["db", "status"],
    ] {
        let mut child = xunjian()
            .arg("--config")
            .arg(&config)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // `| head -0`: the reader is gone before anything is written.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {stderr}", out.status);
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

#[test]
fn import_names_the_sheet_it_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("office");
    ok(&["init", dir.to_str().unwrap()]);
    let config = dir.join("xunjian.toml");
    let registry = dir.join("accounts.xlsx");
    let out = ok(&[
        "--config",
        config.to_str().unwrap(),
        "accounts",
        "import",
        "--dry-run",
        registry.to_str().unwrap(),
    ]);
    assert!(out.contains("工作表「台账」"), "{out}");
}

/// A refused import changes nothing (all-or-nothing), and the limits come
/// from `[import]` in the configuration.
#[test]
fn a_refused_import_changes_nothing_and_the_limits_are_configurable() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("office");
    ok(&["init", dir.to_str().unwrap(), "--import"]);
    let config = dir.join("xunjian.toml");
    let c = config.to_str().unwrap();
    let before = ok(&["--config", c, "accounts", "list", "--format", "csv"]);
    assert!(before.contains("安康发布"), "{before}");

    // One good row, one bad: nothing is imported, nothing retired.
    let csv = dir.join("new.csv");
    std::fs::write(&csv, "账号名称,平台,账号ID\r\n新账号,微博,1000000777\r\n坏账号,微博,../../tmp/x\r\n").unwrap();
    let o = run(&["--config", c, "accounts", "import", "--retire-missing", csv.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{stderr}");
    assert!(stderr.contains("第 3 行") && stderr.contains("整个文件未导入"), "{stderr}");
    assert_eq!(ok(&["--config", c, "accounts", "list", "--format", "csv"]), before);

    // [import] max_rows = 2: the same file (3 rows) is refused for its size.
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("max_rows = 20000"), "the example documents the limit");
    std::fs::write(&config, text.replace("max_rows = 20000", "max_rows = 2")).unwrap();
    let o = run(&["--config", c, "accounts", "import", csv.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{stderr}");
    assert!(stderr.contains("超过 2 行"), "{stderr}");
    assert_eq!(ok(&["--config", c, "accounts", "list", "--format", "csv"]), before);

    // Out of range: refused at load, naming the key.
    std::fs::write(&config, text.replace("max_rows = 20000", "max_rows = 0")).unwrap();
    let o = run(&["--config", c, "accounts", "list"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && stderr.contains("[import] max_rows = 0"), "{stderr}");
}

/// Not only `init`: a database any command creates (here `db migrate` with
/// a configuration written by hand) is readable by its owner only, whatever
/// the umask, and so are its -wal and -shm files.
#[cfg(unix)]
#[test]
fn a_database_made_by_any_command_is_private() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("xunjian.toml");
    std::fs::write(&config, "[general]\ndata_dir = \"data\"\n").unwrap();
    ok(&["--config", config.to_str().unwrap(), "db", "migrate"]);
    ok(&["--config", config.to_str().unwrap(), "accounts", "list"]);
    let data = tmp.path().join("data");
    assert_eq!(mode(&data.join("xunjian.db")), 0o600);
    for side in ["xunjian.db-wal", "xunjian.db-shm"] {
        if data.join(side).exists() {
            assert_eq!(mode(&data.join(side)), 0o600, "{side}");
        }
    }
    // The hand-written configuration is world-readable (umask 022): warned.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = run(&["--config", config.to_str().unwrap(), "accounts", "list"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("world-readable") && stderr.contains("chmod 600"), "{stderr}");
}
