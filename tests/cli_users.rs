//! `xunjian users …` as the IT person uses it: the real binary, a temp dir,
//! then the store it wrote read back.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use xunjian::store::{Role, Store, StoreOptions};
use xunjian::web::password::verify_password;

fn xunjian(config: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("XUNJIAN_CONFIG")
        .env_remove("XUNJIAN_DATABASE_URL")
        .env_remove("STATE_DIRECTORY")
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run xunjian");
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

fn ok(config: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let o = xunjian(config, args, stdin);
    assert!(o.status.success(), "xunjian {args:?} failed:\nstdout: {}\nstderr: {}", text(&o.stdout), text(&o.stderr));
    text(&o.stdout)
}

/// Exit code 2 and the error text.
fn refused(config: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let o = xunjian(config, args, stdin);
    assert_eq!(o.status.code(), Some(2), "xunjian {args:?}:\nstdout: {}\nstderr: {}", text(&o.stdout), text(&o.stderr));
    text(&o.stderr)
}

#[tokio::test]
async fn users_are_added_with_one_time_passwords_reset_disabled_and_audited() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("xunjian.toml");
    std::fs::write(&config, "[general]\ndata_dir = \"data\"\n").unwrap();
    let c = config.as_path();

    let empty = ok(c, &["users", "list"], None);
    assert!(empty.contains("还没有控制台用户"), "{empty}");
    let added = ok(c, &["users", "add", "admin", "--role", "admin", "--name", "张建国"], None);
    assert!(added.contains("已新增用户 admin（张建国，管理员）"), "{added}");
    let otp = added.lines().find_map(|l| l.split_once("首次登录后须修改）：")).map(|(_, p)| p.trim().to_string()).expect(&added);
    assert_eq!(otp.chars().count(), 14, "{added}");

    let e = refused(c, &["users", "add", "admin", "--role", "staff"], None);
    assert!(e.contains("已存在"), "{e}");
    let e = refused(c, &["users", "add", "jinan", "--role", "unit"], None);
    assert!(e.contains("--unit"), "{e}");
    let e = refused(c, &["users", "add", "x", "--role", "boss"], None);
    assert!(e.contains("角色「boss」无法识别"), "{e}");
    let e = refused(c, &["users", "add", "<b>", "--role", "staff"], None);
    assert!(e.contains("用户名「<b>」不可用"), "{e}");
    let e = refused(c, &["users", "add", "wang", "--role", "staff", "--password-stdin"], Some("short\n"));
    assert!(e.contains("至少"), "{e}");
    let out = ok(c, &["users", "add", "wang", "--role", "staff", "--password-stdin"], Some("a-good-password-2026\n"));
    assert!(!out.contains("一次性密码"), "{out}");
    ok(c, &["users", "add", "jinan", "--role", "unit", "--unit", "金安区人民政府办公室", "--name", "李强"], None);

    let list = ok(c, &["users", "list"], None);
    assert!(list.contains("jinan") && list.contains("金安区人民政府办公室") && list.contains("待改密码"), "{list}");

    let reset = ok(c, &["users", "passwd", "wang"], None);
    let new_otp = reset.lines().find_map(|l| l.split_once("首次登录后须修改）：")).map(|(_, p)| p.trim().to_string()).expect(&reset);
    ok(c, &["users", "disable", "jinan"], None);
    assert!(ok(c, &["users", "list"], None).contains("已停用"));
    let e = refused(c, &["users", "passwd", "nobody"], None);
    assert!(e.contains("没有用户「nobody」"), "{e}");

    // What the store holds: argon2id hashes of exactly those passwords.
    let url = format!("sqlite://{}", tmp.path().join("data/xunjian.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    let (admin, hash) = store.find_user_by_name("admin").await.unwrap().unwrap();
    assert!(hash.starts_with("$argon2id$") && verify_password(&otp, &hash));
    assert!(admin.must_change_password && admin.role == Role::Admin);
    let (wang, hash) = store.find_user_by_name("wang").await.unwrap().unwrap();
    assert!(verify_password(&new_otp, &hash) && !verify_password("a-good-password-2026", &hash) && wang.must_change_password);
    let (jinan, _) = store.find_user_by_name("jinan").await.unwrap().unwrap();
    assert!(jinan.disabled && jinan.scope.units == ["金安区人民政府办公室"]);
    let audit = store.list_audit(50, 0).await.unwrap();
    let actions: Vec<&str> = audit.iter().rev().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["user.add", "user.add", "user.add", "user.password", "user.disable"]);
    assert!(audit.iter().all(|a| a.remote_addr == "cli" && a.username.starts_with("命令行:")), "{audit:?}");
    store.close().await;
}

/// `init DIR --import` leaves a console one can log in to: the first
/// administrator, with a one-time password printed once; a second `init`
/// (with --force) does not make another.
#[tokio::test]
async fn init_with_import_creates_the_first_administrator() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("xunjian-demo");
    let run_init = |force: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xunjian"));
        cmd.arg("init").arg(&dir).arg("--import");
        if force {
            cmd.arg("--force");
        }
        let o = cmd.env_remove("XUNJIAN_CONFIG").env_remove("XUNJIAN_DATABASE_URL").env_remove("STATE_DIRECTORY").output().unwrap();
        assert!(o.status.success(), "init failed: {}{}", text(&o.stdout), text(&o.stderr));
        text(&o.stdout)
    };
    let out = run_init(false);
    let pw = out
        .lines()
        .find_map(|l| l.split_once("一次性密码 "))
        .map(|(_, p)| p.trim().to_string())
        .unwrap_or_else(|| panic!("no one-time password in: {out}"));
    assert!(out.contains("用户名 admin") && out.contains("http://127.0.0.1:9187/"), "{out}");
    let url = format!("sqlite://{}?mode=rw", dir.join("data/xunjian.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    let (admin, hash) = store.find_user_by_name("admin").await.unwrap().expect("admin created");
    assert_eq!(admin.role, Role::Admin);
    assert!(admin.must_change_password && verify_password(&pw, &hash));
    store.close().await;
    let again = run_init(true);
    assert!(!again.contains("一次性密码"), "an administrator exists: none made again: {again}");
}

/// `xunjian run` until it prints `needle` on stdout, then SIGTERM; its stdout.
fn run_until(config: &Path, needle: &str) -> String {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .arg("--config")
        .arg(config)
        .arg("run")
        .env_remove("XUNJIAN_CONFIG")
        .env_remove("XUNJIAN_DATABASE_URL")
        .env_remove("STATE_DIRECTORY")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run xunjian");
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    for line in stdout.lines() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(needle) {
            break;
        }
    }
    let ok = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    assert!(ok.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "run ended with {status}; stdout: {seen}");
    seen
}

/// `run` on a store without users makes the first administrator and prints
/// its one-time password once (as `init --import`), and says where the
/// console is; a second start makes nobody.
#[tokio::test]
async fn run_prints_the_console_address_and_the_first_administrator_once() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("xunjian.toml");
    std::fs::write(&config, "[general]\ndata_dir = \"data\"\n[daemon]\nlisten = \"127.0.0.1:0\"\n").unwrap();
    // The password comes first, then the address: reading up to the
    // address has read whatever was printed about a password.
    let first = run_until(&config, "控制台 (console)");
    assert!(first.contains("控制台 (console)"), "{first}");
    let pw = first
        .lines()
        .find_map(|l| l.split_once("一次性密码 "))
        .map(|(_, p)| p.trim().to_string())
        .unwrap_or_else(|| panic!("no one-time password in: {first}"));
    let url = format!("sqlite://{}?mode=rw", tmp.path().join("data/xunjian.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    let (admin, hash) = store.find_user_by_name("admin").await.unwrap().expect("admin created");
    assert!(admin.role == Role::Admin && admin.must_change_password && verify_password(&pw, &hash));
    // Users exist (even with the administrator disabled): nobody is made.
    store.set_user_disabled(admin.id, true, 0).await.unwrap();
    store.close().await;
    let second = run_until(&config, "控制台 (console)");
    assert!(!second.contains("一次性密码"), "{second}");
}
