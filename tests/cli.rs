//! The command line as a new user drives it: the real binary, a temp dir.

use std::path::Path;
use std::process::{Command, Output};

fn xunjian(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .args(args)
        // The developer's environment must not leak into the test.
        .env_remove("XUNJIAN_CONFIG")
        .env_remove("XUNJIAN_DATABASE_URL")
        .env_remove("STATE_DIRECTORY")
        .env_remove("RUST_LOG")
        .output()
        .expect("run xunjian")
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

fn ok(args: &[&str]) -> String {
    let o = xunjian(args);
    assert!(o.status.success(), "xunjian {args:?} failed:\nstdout: {}\nstderr: {}", text(&o.stdout), text(&o.stderr));
    text(&o.stdout)
}

/// The accounts as JSON, without the store's ids and timestamps.
fn accounts_json(config: &Path) -> Vec<serde_json::Value> {
    let out = ok(&["--config", config.to_str().unwrap(), "accounts", "list", "--format", "json"]);
    let mut v: Vec<serde_json::Value> = serde_json::from_str(&out).expect("list --format json");
    for a in &mut v {
        let o = a.as_object_mut().unwrap();
        o.remove("id");
        o.remove("created_at_ms");
        o.remove("updated_at_ms");
    }
    v.sort_by_key(|a| format!("{}{}", a["platform"], a["platform_id"]));
    v
}

fn fresh_config(dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join("xunjian.toml");
    std::fs::write(&p, "[general]\ndata_dir = \"data\"\n").unwrap();
    p
}

#[test]
fn new_user_init_import_list() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("x");
    let d = dir.to_str().unwrap();
    ok(&["init", d]);
    let config = dir.join("xunjian.toml");
    let c = config.to_str().unwrap();
    let registry = dir.join("accounts.xlsx");
    let imported = ok(&["--config", c, "accounts", "import", registry.to_str().unwrap()]);
    assert!(imported.contains("新增 added"), "{imported}");
    let list = ok(&["--config", c, "accounts", "list"]);
    assert!(list.contains("安康发布"), "{list}");
    assert!(dir.join("data/xunjian.db").exists());

    // Importing the same file again changes nothing.
    let again = ok(&["--config", c, "accounts", "import", registry.to_str().unwrap()]);
    assert!(again.contains("新增 added 0，变更 changed 0"), "{again}");

    // init refuses to overwrite.
    let o = xunjian(&["init", d]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
}

#[test]
fn init_import_flag_creates_the_database() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    ok(&["init", dir.to_str().unwrap(), "--import"]);
    let accounts = accounts_json(&dir.join("xunjian.toml"));
    assert!(accounts.len() >= 5, "{accounts:?}");
}

#[test]
fn gbk_csv_imports_identically_to_xlsx() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("x");
    ok(&["init", dir.to_str().unwrap(), "--import"]);
    let config = dir.join("xunjian.toml");
    let from_xlsx = accounts_json(&config);

    // Export as CSV (UTF-8 with BOM), re-encode as GBK the way Excel on
    // Chinese Windows saves "CSV (逗号分隔)".
    let csv_path = tmp.path().join("export.csv");
    ok(&["--config", config.to_str().unwrap(), "accounts", "export", csv_path.to_str().unwrap()]);
    let utf8 = std::fs::read(&csv_path).unwrap();
    assert_eq!(&utf8[..3], b"\xEF\xBB\xBF", "export must start with a BOM for Excel");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(std::str::from_utf8(&utf8[3..]).unwrap());
    assert!(!unmappable);
    let gbk_path = tmp.path().join("台账-gbk.csv");
    std::fs::write(&gbk_path, &gbk).unwrap();

    let other = fresh_config(&tmp.path().join("y"));
    ok(&["--config", other.to_str().unwrap(), "accounts", "import", gbk_path.to_str().unwrap()]);
    assert_eq!(accounts_json(&other), from_xlsx);
}

#[test]
fn bad_rows_are_all_listed_and_nothing_is_imported() {
    let tmp = tempfile::tempdir().unwrap();
    let config = fresh_config(&tmp.path().join("x"));
    let c = config.to_str().unwrap();
    let file = tmp.path().join("bad.csv");
    std::fs::write(
        &file,
        "账号名称,平台,账号ID,所属地区,电子邮箱,开通日期\n\
         汉滨区人民政府发布,新浪微博,1001,汉滨区,hb@example.gov.cn,2026-03-01\n\
         旬阳发布,推特,1002,旬阳县,,\n\
         白河发布,微博,1003,白河县,not-an-email,\n\
         平利发布,微博,1004,平利县,,2026-13-45\n\
         汉滨区人民政府发布,微博,1001,汉滨区,,\n",
    )
    .unwrap();
    let o = xunjian(&["--config", c, "accounts", "import", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "stdout {} stderr {}", text(&o.stdout), text(&o.stderr));
    let err = text(&o.stderr);
    for needle in ["第 3 行", "推特", "第 4 行", "not-an-email", "第 5 行", "2026-13-45", "第 6 行", "bad.csv"] {
        assert!(err.contains(needle), "missing `{needle}` in:\n{err}");
    }
    assert!(accounts_json(&config).is_empty(), "a bad file must import nothing");
}

#[test]
fn unknown_config_key_names_key_and_file() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("bad.toml");
    std::fs::write(&config, "[database]\nmax_conections = 3\n").unwrap();
    let o = xunjian(&["--config", config.to_str().unwrap(), "accounts", "list"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("max_conections") && err.contains("bad.toml"), "{err}");

    let o = xunjian(&["--config", "/nonexistent/xunjian.toml", "accounts", "list"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("/nonexistent/xunjian.toml"));
}

#[test]
fn add_show_set_status_and_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let config = fresh_config(&tmp.path().join("x"));
    let c = config.to_str().unwrap();
    let out = ok(&[
        "--config", c, "accounts", "add", "--url", "https://weibo.com/u/2803301701", "--name", "安康发布",
        "--region", "安康市", "--source",
    ]);
    assert!(out.contains("新浪微博"), "{out}");
    let out = ok(&["--config", c, "accounts", "set-status", "weibo:2803301701", "拟关停"]);
    assert!(out.contains("拟关停"), "{out}");
    let shown = ok(&["--config", c, "accounts", "show", "微博:2803301701"]);
    assert!(shown.contains("安康发布") && shown.contains("拟关停") && shown.contains("cli:set-status"), "{shown}");

    // Duplicate add, unknown status, unknown account: usage errors (2).
    let dup = xunjian(&["--config", c, "accounts", "add", "--platform", "weibo", "--id", "2803301701", "--name", "x"]);
    assert_eq!(dup.status.code(), Some(2), "{}", text(&dup.stderr));
    let bad = xunjian(&["--config", c, "accounts", "set-status", "weibo:2803301701", "休眠"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("休眠"));
    let missing = xunjian(&["--config", c, "accounts", "show", "weibo:1"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        vec!["--help"],
        vec!["init", "--help"],
        vec!["accounts", "--help"],
        vec!["accounts", "import", "--help"],
        vec!["accounts", "list", "--help"],
        vec!["accounts", "show", "--help"],
        vec!["accounts", "export", "--help"],
        vec!["accounts", "add", "--help"],
        vec!["accounts", "set-status", "--help"],
        vec!["db", "--help"],
        vec!["db", "migrate", "--help"],
        vec!["config", "check", "--help"],
        vec!["debug", "parse", "--help"],
        vec!["debug", "fetch", "--help"],
    ] {
        let out = ok(&args);
        assert!(out.contains("Usage"), "{args:?}: {out}");
    }
    // No subcommand is a usage error.
    assert_eq!(xunjian(&[]).status.code(), Some(2));
}

/// `config check` tells the office what each rule will cite, and warns
/// where a rule it switched on rests on another office's document.
#[test]
fn config_check_prints_each_rules_citation_and_warns_on_references() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("x");
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("xunjian.toml");
    std::fs::write(
        &config,
        "[general]\ndata_dir = \"data\"\n[rules]\nprofile = \"baoji\"\n[rules.repost_delay]\nenabled = true\n",
    )
    .unwrap();
    let c = config.to_str().unwrap();
    let out = ok(&["--config", c, "config", "check"]);
    assert!(out.contains("zombie") && out.contains("《宝鸡市政府系统政务新媒体管理办法》第十六条"), "{out}");
    assert!(out.contains("参照《六安市人民政府办公室关于进一步做好政务“两微一端”建设工作的通知》四（四）的要求"), "{out}");
    let warnings: Vec<&str> = out.lines().filter(|l| l.starts_with("警告")).collect();
    assert_eq!(warnings.len(), 1, "{out}");
    assert!(warnings[0].contains("[rules.repost_delay]"), "{out}");

    // With the office's own citation: printed as written, no warning.
    std::fs::write(
        &config,
        "[general]\ndata_dir = \"data\"\n[rules]\nprofile = \"baoji\"\n[rules.repost_delay]\nenabled = true\n\
         citation = \"市政务公开办《政务新媒体考核细则》第五条\"\n",
    )
    .unwrap();
    let out = ok(&["--config", c, "config", "check"]);
    assert!(out.contains("市政务公开办《政务新媒体考核细则》第五条"), "{out}");
    assert!(!out.contains("警告"), "{out}");

    // A citation that names no document is refused, in Chinese, with the key.
    std::fs::write(
        &config,
        "[general]\ndata_dir = \"data\"\n[rules]\nprofile = \"baoji\"\n[rules.zombie]\ncitation = \"第五条\"\n",
    )
    .unwrap();
    let o = xunjian(&["--config", c, "config", "check"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(err.contains("[rules.zombie] citation") && err.contains("《》"), "{err}");
}
