//! What a Bilibili answer proves: whose it is (`owner`, `data.mid`,
//! `info.uid`), whether more exists (`more`), and that an answer about
//! another account is `wrong_account` at the parser and the client.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::{Reply, TestServer};
use std::path::PathBuf;
use std::sync::Arc;
use xunjian_adapters::bilibili::BilibiliClient;
use xunjian_adapters::bilibili::parse;
use xunjian_adapters::config::{BilibiliConfig, HttpPolicy};
use xunjian_adapters::model::{Completeness, OutcomeClass};
use xunjian_adapters::weibo::ResponseMeta;
use xunjian_adapters::{DebugError, FetchFailure, ParseOptions, parse_target_file};

fn fixture(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bilibili").join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 20, 4, 0, 0).unwrap()
}

fn client(base: &str) -> BilibiliClient {
    let cfg = BilibiliConfig {
        enabled: true,
        api_base_url: base.to_string(),
        live_base_url: format!("{base}/live"),
        max_pages: 2,
        live_fallback: true,
        policy: HttpPolicy {
            requests_per_minute: 60_000,
            burst: 1000,
            jitter_ms: 0,
            timeout_secs: 5,
            max_retries: 0,
            backoff_base_ms: 5,
            backoff_max_ms: 100,
            breaker_threshold: 1000,
            ..HttpPolicy::default()
        },
    };
    BilibiliClient::new(&cfg).unwrap().with_clock(Arc::new(now))
}

/// Serves the session endpoints and, for the rest, what `route` says.
async fn server(route: impl Fn(&str) -> Option<Reply> + Send + Sync + 'static) -> TestServer {
    TestServer::start(move |req| match req.path.as_str() {
        "/x/frontend/finger/spi" => Reply::json(fixture("synth/finger_spi.json")),
        "/x/web-interface/nav" => Reply::json(fixture("synth/nav_logged_out_wbi_keys.json")),
        p => route(p).unwrap_or_else(|| Reply::new(404, "text/html", "<title>404</title>")),
    })
    .await
}

const GOV: &str = "3546000000000001";
const OTHER: &str = "3546000000000777";

#[test]
fn dynamics_state_their_owner_and_whether_more_exists() {
    // Real 2024 capture: 12 of 13 items by 161775300, one forward by
    // another author; the page says has_more.
    let t = parse::parse_dynamics(&fixture("x_polymer_web-dynamic_feed_space_pinned_forward.json"), "u").unwrap();
    assert_eq!(t.owner.as_deref(), Some("161775300"));
    assert_eq!(t.more, Some(true));
    assert_eq!(t.wrong_owner("161775300"), None);
    assert_eq!(t.wrong_owner("6050499"), Some("161775300"));
    let t = parse::parse_dynamics(&fixture("x_polymer_web-dynamic_feed_space_opus_2025.json"), "u").unwrap();
    assert_eq!(t.owner.as_deref(), Some("35040323"));
    let t = parse::parse_dynamics(&fixture("synth/dynamics_forbidden_last_page.json"), "u").unwrap();
    assert_eq!((t.owner.as_deref(), t.more), (Some(GOV), Some(false)));
    let t = parse::parse_dynamics(&fixture("synth/dynamics_other_account_page.json"), "u").unwrap();
    assert_eq!(t.wrong_owner(GOV), Some(OTHER));
    // `host_mid` in the answer, when present, is the owner it states.
    let body = br#"{"code":0,"data":{"host_mid":"42","has_more":false,"offset":"","items":[]}}"#;
    assert_eq!(parse::parse_dynamics(body, "u").unwrap().owner.as_deref(), Some("42"));
}

#[test]
fn an_empty_dynamics_page_proves_nothing() {
    for (body, more) in [
        (&br#"{"code":0,"data":{"has_more":true,"offset":"5","items":[]}}"#[..], Some(true)),
        (br#"{"code":0,"data":{"offset":"","items":[]}}"#, None),
        // Even a coherent last page: nothing in it states a post count.
        (br#"{"code":0,"data":{"has_more":false,"offset":"","items":[]}}"#, Some(false)),
    ] {
        let t = parse::parse_dynamics(body, "u").unwrap();
        assert!(t.posts.is_empty());
        assert_eq!(t.more, more);
        assert_eq!(t.owner, None, "nobody is stated by an empty page");
        assert_eq!(t.completeness(), Completeness::Unresolved, "{}", String::from_utf8_lossy(body));
    }
    // Only deleted placeholders: as empty.
    let body = br#"{"code":0,"data":{"has_more":true,"offset":"9","items":[{"type":"DYNAMIC_TYPE_NONE","id_str":null,"modules":{}}]}}"#;
    assert_eq!(parse::parse_dynamics(body, "u").unwrap().completeness(), Completeness::Unresolved);
}

#[test]
fn acc_info_about_another_mid_is_wrong_account_even_when_banned() {
    let m = ResponseMeta::OK;
    let p = parse::parse_acc_info_for(&m, &fixture("synth/acc_info_gov.json"), "u", GOV).unwrap();
    assert_eq!(p.profile.platform_id, GOV);
    let f = parse::parse_acc_info_for(&m, &fixture("synth/acc_info_other_account.json"), "u", GOV).unwrap_err();
    match &f {
        FetchFailure::WrongAccount { expected, found, .. } => assert_eq!((expected.as_str(), found.as_str()), (GOV, OTHER)),
        other => panic!("{other:?}"),
    }
    // Another account's silence is not this account's ban.
    let f = parse::parse_acc_info_for(&m, &fixture("synth/acc_info_silence.json"), "u", GOV).unwrap_err();
    assert_eq!(f.class(), OutcomeClass::WrongAccount);
    let f = parse::parse_acc_info_for(&m, &fixture("synth/acc_info_silence.json"), "u", "3546000000000002").unwrap_err();
    assert_eq!(f.class(), OutcomeClass::Banned);
}

#[test]
fn debug_parse_expect_id_judges_the_stated_owner() {
    let opts = |id: &str| ParseOptions { expect_id: Some(id.to_string()), ..ParseOptions::default() };
    let body = fixture("synth/dynamics_other_account_page.json");
    let r = parse_target_file("bilibili", "dynamics", &body, now(), None, &opts(GOV));
    assert!(matches!(r, Err(DebugError::Failure(ref f)) if f.class() == OutcomeClass::WrongAccount), "{r:?}");
    let v = parse_target_file("bilibili", "dynamics", &body, now(), None, &opts(OTHER)).unwrap();
    assert_eq!(v["owner"], OTHER);
    assert_eq!(v["more"], false);
    let r = parse_target_file("bilibili", "live", &fixture("live_user_v1_Master_info_official_verify.json"), now(), None, &opts(GOV));
    assert!(matches!(r, Err(DebugError::Failure(ref f)) if f.class() == OutcomeClass::WrongAccount), "{r:?}");
}

#[tokio::test]
async fn client_refuses_a_timeline_about_another_account() {
    let s = server(|p| {
        (p == "/x/polymer/web-dynamic/v1/feed/space").then(|| Reply::json(fixture("synth/dynamics_other_account_page.json")))
    })
    .await;
    let f = client(&s.base()).timeline(GOV).await.unwrap_err();
    match &f.failure {
        FetchFailure::WrongAccount { expected, found, .. } => assert_eq!((expected.as_str(), found.as_str()), (GOV, OTHER)),
        other => panic!("{other:?}"),
    }
    assert!(!f.captures.is_empty(), "the foreign answer is kept as evidence");
    // The same answer asked for its own owner is a timeline.
    let t = client(&s.base()).timeline(OTHER).await.unwrap();
    assert_eq!(t.value.owner.as_deref(), Some(OTHER));
    assert_eq!(t.value.more, Some(false));
}

#[tokio::test]
async fn client_reports_more_when_it_stops_at_max_pages() {
    // Every page says has_more with an offset: two pages read, more left.
    let s = server(|p| {
        (p == "/x/polymer/web-dynamic/v1/feed/space")
            .then(|| Reply::json(fixture("x_polymer_web-dynamic_feed_space_pinned_forward.json")))
    })
    .await;
    let t = client(&s.base()).timeline("161775300").await.unwrap();
    assert_eq!(t.value.more, Some(true));
    assert!(t.value.next_cursor.is_some());
    assert_eq!(s.hits("/x/polymer/web-dynamic/v1/feed/space"), 2);
}

#[tokio::test]
async fn client_profile_wrong_account_from_acc_info_and_live() {
    // acc/info answers another mid; the live fallback answers the right one.
    let s = server(|p| match p {
        "/x/space/wbi/acc/info" => Some(Reply::json(fixture("synth/acc_info_other_account.json"))),
        "/live/live_user/v1/Master/info" => Some(Reply::json(fixture("live_user_v1_Master_info_official_verify.json"))),
        _ => None,
    })
    .await;
    let p = client(&s.base()).profile("161775300").await.unwrap();
    assert_eq!(p.value.profile.platform_id, "161775300");
    assert_eq!(p.incomplete[0].class(), OutcomeClass::WrongAccount);
    // Asked for GOV, both answer about others: wrong_account, never a profile.
    let f = client(&s.base()).profile(GOV).await.unwrap_err();
    assert_eq!(f.class(), OutcomeClass::WrongAccount, "{f}");
    let f = client(&s.base()).live_profile(GOV).await.unwrap_err();
    assert_eq!(f.class(), OutcomeClass::WrongAccount, "{f}");
}

#[tokio::test]
async fn not_found_needs_the_live_endpoint_to_know_nobody() {
    // -404 from acc/info while the live endpoint answers about another
    // uid: not confirmed, so not "gone".
    let s = server(|p| match p {
        "/x/space/wbi/acc/info" => Some(Reply::json(fixture("synth/acc_info_not_found.json"))),
        "/live/live_user/v1/Master/info" => Some(Reply::json(fixture("live_user_v1_Master_info_official_verify.json"))),
        _ => None,
    })
    .await;
    let f = client(&s.base()).profile(GOV).await.unwrap_err();
    assert_eq!(f.class(), OutcomeClass::WrongAccount, "{f}");
    // -404 while the live endpoint refuses: not confirmed either.
    let s = server(|p| match p {
        "/x/space/wbi/acc/info" => Some(Reply::json(fixture("synth/acc_info_not_found.json"))),
        "/live/live_user/v1/Master/info" => Some(Reply::new(412, "application/json", fixture("synth/intercepted_412.json"))),
        _ => None,
    })
    .await;
    let f = client(&s.base()).profile(GOV).await.unwrap_err();
    assert_eq!(f.class(), OutcomeClass::Blocked, "{f}");
    assert!(f.failure.to_string().contains("could not confirm"), "{f}");
}
