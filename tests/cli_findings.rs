//! `xunjian check` and `xunjian findings …` through the real binary, on a
//! store the test fills with observations.

use chrono::{DateTime, Utc};
use std::path::Path;
use std::process::{Command, Output};
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::{Capture, CommentState, Counts, ObservationKind, OutcomeClass, Platform, Post};
use xunjian::store::{NewObservation, ObservedData, Store, StoreOptions};

fn xunjian(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .arg("--config")
        .arg(config)
        .args(args)
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

fn ok(config: &Path, args: &[&str]) -> String {
    let o = xunjian(config, args);
    assert!(o.status.success(), "xunjian {args:?} failed:\nstdout: {}\nstderr: {}", text(&o.stdout), text(&o.stderr));
    text(&o.stdout)
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn timeline(s: &Store, account: i64, at: &str, outcome: OutcomeClass, published: Option<&str>) {
    let at = t(at);
    let caps = [Capture {
        url: format!("https://m.weibo.cn/api/container/getIndex?containerid=107603{account}"),
        http_status: Some(200),
        content_type: Some("application/json".into()),
        fetched_at: at,
        body: format!("{{\"ok\":1,\"t\":\"{at}\"}}").into_bytes(),
        source: "m.weibo.cn getIndex timeline".into(),
    }];
    let posts: Vec<Post> = published
        .map(|p| Post {
            id: format!("p{account}"),
            alt_id: None,
            url: Some(format!("https://m.weibo.cn/status/p{account}")),
            published_at: t(p),
            published_at_exact: true,
            text: "正文".into(),
            text_truncated: false,
            is_original: true,
            is_pinned: false,
            repost_of: None,
            comment_state: CommentState::Open,
            counts: Counts::default(),
        })
        .into_iter()
        .collect();
    let obs = NewObservation {
        account_id: Some(account),
        platform: Platform::Weibo,
        kind: ObservationKind::Timeline,
        target: account.to_string(),
        source: "m.weibo.cn getIndex timeline".into(),
        observed_at: at,
        duration_ms: 100,
        outcome,
        http_status: Some(200),
        detail: None,
        captures: &caps,
    };
    let data = if outcome == OutcomeClass::Ok { ObservedData::Posts(&posts) } else { ObservedData::Nothing };
    s.record_observation(&obs, data).await.unwrap();
}

#[tokio::test]
async fn check_prints_cited_findings_records_them_and_findings_can_be_dismissed() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("xunjian.toml");
    std::fs::write(&config, "[general]\ndata_dir = \"data\"\n[rules]\nprofile = \"baoji\"\n").unwrap();
    let url = format!("sqlite://{}?mode=rwc", tmp.path().join("data/xunjian.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    let created = t("2026-10-01T00:00:00Z").timestamp_millis();
    let mut silent = AccountSpec::new(Platform::Weibo, "5001", "汉滨发布");
    silent.owner_unit = Some("汉滨区人民政府办公室".into());
    let silent = store.add_account(&silent, created, "test").await.unwrap().id;
    let blocked = store.add_account(&AccountSpec::new(Platform::Weibo, "5002", "汉滨应急"), created, "test").await.unwrap().id;
    let fresh = store.add_account(&AccountSpec::new(Platform::Weibo, "5003", "汉滨教育"), created, "test").await.unwrap().id;
    timeline(&store, silent, "2026-11-21T09:00:00+08:00", OutcomeClass::Ok, Some("2026-11-01T09:00:00+08:00")).await;
    timeline(&store, blocked, "2026-11-21T09:00:00+08:00", OutcomeClass::Captcha, None).await;
    timeline(&store, fresh, "2026-11-21T09:00:00+08:00", OutcomeClass::Ok, Some("2026-11-20T09:00:00+08:00")).await;
    store.close().await;

    let c = config.as_path();
    let at = "2026-11-21T10:00:00+08:00";
    // --dry-run prints but records nothing.
    let dry = ok(c, &["check", "--rule", "zombie", "--at", at, "--dry-run"]);
    assert!(dry.contains("[违规] 汉滨发布（新浪微博）"), "{dry}");
    assert!(dry.contains("《宝鸡市政府系统政务新媒体管理办法》第十六条"), "{dry}");
    assert!(dry.contains("[未能检查] 汉滨应急"), "{dry}");
    assert!(!dry.contains("汉滨教育"), "passes are hidden without --all: {dry}");
    assert!(dry.contains("sha256:"), "evidence carries the capture hash: {dry}");
    assert!(ok(c, &["findings", "list"]).contains("没有符合条件的问题"));

    let out = ok(c, &["check", "--rule", "zombie", "--at", at]);
    assert!(out.contains("记录 (recorded): 1 个状态变化"), "{out}");
    let all = ok(c, &["check", "--rule", "zombie", "--at", at, "--all", "--dry-run"]);
    assert!(all.contains("[合格] 汉滨教育"), "{all}");

    let list = ok(c, &["findings", "list"]);
    assert!(list.contains("汉滨发布（新浪微博）") && list.contains("违规") && list.contains("内容不更新"), "{list}");
    assert!(!list.contains("汉滨应急"), "not checked is not a finding: {list}");
    let json: serde_json::Value = serde_json::from_str(&ok(c, &["findings", "list", "--json"])).unwrap();
    let id = json[0]["id"].as_i64().unwrap();
    assert_eq!(json[0]["rule"], "zombie");
    assert_eq!(json.as_array().unwrap().len(), 1);

    let show = ok(c, &["findings", "show", &id.to_string()]);
    assert!(show.contains("依据        《宝鸡市政府系统政务新媒体管理办法》第十六条"), "{show}");
    assert!(show.contains("新 → 违规"), "{show}");

    let refused = xunjian(c, &["findings", "dismiss", &id.to_string(), "--reason", "  ", "--by", "李四"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    let missing = xunjian(c, &["findings", "dismiss", "999", "--reason", "x", "--by", "李四"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("找不到问题 #999"), "{}", text(&missing.stderr));
    // A dismissal names the person who decided (not the login).
    let anonymous = xunjian(c, &["findings", "dismiss", &id.to_string(), "--reason", "x"]);
    assert_eq!(anonymous.status.code(), Some(2), "--by is required");
    let blank = xunjian(c, &["findings", "dismiss", &id.to_string(), "--reason", "x", "--by", " "]);
    assert_eq!(blank.status.code(), Some(2));
    assert!(text(&blank.stderr).contains("操作人姓名"), "{}", text(&blank.stderr));
    // A state finding is not the office's to mark.
    let mark = xunjian(c, &["findings", "mark", &id.to_string(), "reported", "--by", "王五"]);
    assert_eq!(mark.status.code(), Some(2));
    assert!(text(&mark.stderr).contains("不是第三方账号问题"), "{}", text(&mark.stderr));
    let unknown = xunjian(c, &["findings", "mark", &id.to_string(), "gone", "--by", "王五"]);
    assert!(text(&unknown.stderr).contains("未知处置结果"), "{}", text(&unknown.stderr));
    // The unit declares it fixed; show says so and that a check will decide.
    let declared = ok(c, &["findings", "rectify", &id.to_string(), "--by", "赵六", "--note", "已恢复更新", "--link", "https://m.weibo.cn/u/5001"]);
    assert!(declared.contains("已记录整改说明"), "{declared}");
    let show = ok(c, &["findings", "show", &id.to_string()]);
    assert!(show.contains("类型        状态类"), "{show}");
    assert!(show.contains("状态        整改中"), "{show}");
    assert!(show.contains("整改说明    已恢复更新（赵六，") && show.contains("https://m.weibo.cn/u/5001"), "{show}");
    assert!(show.contains("整改结果    待下次检查确认"), "{show}");
    assert!(show.contains("违规 → 整改中  主办单位已申报整改：已恢复更新 https://m.weibo.cn/u/5001（赵六）"), "{show}");
    assert!(ok(c, &["findings", "list"]).contains("整改中"), "rectifying is listed by default");
    let bad_rule = xunjian(c, &["check", "--rule", "zombi"]);
    assert_eq!(bad_rule.status.code(), Some(2));
    assert!(text(&bad_rule.stderr).contains("zombie"), "lists the known rules");

    ok(c, &["findings", "dismiss", &id.to_string(), "--reason", "已注销待备案", "--by", "李四"]);
    assert!(ok(c, &["findings", "list"]).contains("没有符合条件的问题"));
    let dismissed = ok(c, &["findings", "list", "--state", "dismissed"]);
    assert!(dismissed.contains("已忽略"), "{dismissed}");
    let show = ok(c, &["findings", "show", &id.to_string()]);
    assert!(show.contains("忽略理由    已注销待备案（李四）"), "{show}");
    // Once is enough: a second dismissal is refused and says by whom.
    let again = xunjian(c, &["findings", "dismiss", &id.to_string(), "--reason", "重复", "--by", "王五"]);
    assert_eq!(again.status.code(), Some(2));
    let err = text(&again.stderr);
    assert!(err.contains("不能重复忽略") && err.contains("李四") && err.contains("已注销待备案"), "{err}");
    assert!(!err.contains("Refused"), "no debug forms: {err}");
}
