//! Shared pieces of the notice tests: accounts in a test store, real
//! `Finding` values recorded through `Store::record_evaluation` with the
//! real planner, configurations, and parsing what arrived.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use std::path::Path;
use xunjian::accounts::{Account, AccountSpec};
use xunjian::adapters::model::Platform;
use xunjian::notify::{NotifyConfig, Sender};
use xunjian::rules::{Citation, Evidence, Finding, RuleId, Verdict};
use xunjian::store::{FindingTransition, Store};

pub const OFFICE: &str = "某市政务公开办";
pub const OFFICE_ADDR: &str = "office@gov.example";
pub const CITATION: Citation = Citation {
    document: "宝鸡市政府系统政务新媒体管理办法",
    number: None,
    article: "第十六条",
    basis: xunjian::rules::CitationBasis::InForce,
};
pub const CITATION_TEXT: &str = "《宝鸡市政府系统政务新媒体管理办法》第十六条";

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub async fn add_account(store: &Store, uid: &str, name: &str, email: Option<&str>) -> Account {
    let mut spec = AccountSpec::new(Platform::Weibo, uid, name);
    spec.owner_unit = Some(format!("{name}运营单位"));
    spec.region = Some("某县".into());
    spec.contact_email = email.map(str::to_string);
    spec.profile_url = Some(format!("https://weibo.com/u/{uid}"));
    store
        .add_account(&spec, t("2026-01-01T00:00:00Z").timestamp_millis(), "test")
        .await
        .unwrap()
}

pub fn sha(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

/// A finding of `rule` about `account`, with one piece of evidence.
pub fn finding(rule: RuleId, account: &Account, verdict: Verdict, summary: &str) -> Finding {
    let mut measured = serde_json::Map::new();
    match rule {
        RuleId::Zombie => {
            measured.insert("silent_secs".into(), (20 * 86_400).into());
        }
        RuleId::RepostDelay => {
            measured.insert("missing".into(), true.into());
        }
        _ => {}
    }
    Finding {
        rule,
        account_id: account.id,
        subject: "account".into(),
        verdict,
        citation: CITATION,
        summary_zh: summary.to_string(),
        evidence: vec![Evidence {
            page_url: Some(format!("https://weibo.com/u/{}", account.spec.platform_id)),
            label: "主页抓取".into(),
            url: Some(format!(
                "https://m.weibo.cn/api/container/getIndex?uid={}",
                account.spec.platform_id
            )),
            sha256: Some(sha(account.id as u8)),
            at_ms: t("2026-11-21T09:55:00+08:00").timestamp_millis(),
        }],
        measured,
    }
}

/// Records findings with the real planner (as `xunjian check` does).
pub async fn record(
    store: &Store,
    cfg: &NotifyConfig,
    accounts: &[&Account],
    findings: &[Finding],
    now: DateTime<Utc>,
) -> Vec<FindingTransition> {
    let by_id: std::collections::HashMap<i64, Account> =
        accounts.iter().map(|a| (a.id, (*a).clone())).collect();
    let planner = move |tr: &FindingTransition| match by_id.get(&tr.finding.account_id) {
        Some(a) => xunjian::notify::plan_notices(cfg, OFFICE, &xunjian::calendar::HolidayCalendar::builtin(), a, tr),
        None => Vec::new(),
    };
    store
        .record_evaluation(findings, now.timestamp_millis(), &planner)
        .await
        .unwrap()
}

pub fn config(toml_text: &str) -> NotifyConfig {
    toml::from_str(toml_text).unwrap_or_else(|e| panic!("test config: {e}\n{toml_text}"))
}

/// A sender whose secrets come from `secrets` (name → value), not from the
/// process environment.
pub fn sender(cfg: &NotifyConfig, data_dir: &Path, secrets: &[(&str, &str)]) -> Sender {
    try_sender(cfg, data_dir, secrets).unwrap_or_else(|e| panic!("sender: {e}"))
}

pub fn try_sender(
    cfg: &NotifyConfig,
    data_dir: &Path,
    secrets: &[(&str, &str)],
) -> Result<Sender, xunjian::notify::NotifyError> {
    let env: Vec<(String, String)> = secrets
        .iter()
        .map(|(k, v)| (xunjian::secrets::env_var_name(k), v.to_string()))
        .collect();
    Sender::with_env(cfg, data_dir, OFFICE, &move |k| {
        env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    })
}

pub fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a parsable message")
}

pub fn to_addresses(m: &mail_parser::Message<'_>) -> Vec<String> {
    m.to()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.address().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
