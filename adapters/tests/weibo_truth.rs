//! What a Weibo answer proves, and what it does not: whose data it states
//! (wrong account), how far back it reaches (pinned-only pages, `more`,
//! `total`), which words make an account "gone" (only errno 20003 and the
//! violation notice), captcha-bound `ok:-100`, and that an offline machine
//! reports a network error, not a login problem.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use common::{Reply, TestServer, fixture, test_config, visitor_reply};
use std::sync::Arc;
use xunjian_adapters::model::{Completeness, OutcomeClass, Platform, Timeline};
use xunjian_adapters::weibo::parse::{
    parse_profile_response, parse_status_show_response, parse_timeline, parse_timeline_response,
};
use xunjian_adapters::weibo::{ResponseMeta, TimelinePage, WeiboClient};
use xunjian_adapters::{DebugError, FetchFailure, ParseOptions, parse_file};

const API: &str = "/api/container/getIndex";
const VISITOR: &str = "/visitor/genvisitor2";
const REAL_TIMELINE: &str = "m_getIndex_107603_timeline_pinned_retweet.json";
const REAL_PROFILE: &str = "m_getIndex_type_uid_profile_verified.json";
const OTHER_TIMELINE: &str = "synth/timeline_other_uid_7000000002.json";
const OTHER_PROFILE: &str = "synth/profile_other_uid_7000000002.json";
const MIXED_TIMELINE: &str = "synth/timeline_mixed_owners.json";
const PINNED_PAGE1: &str = "synth/timeline_pinned_only_page1.json";
const PINNED_PAGE2: &str = "synth/timeline_pinned_only_page2.json";

fn sh(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Shanghai.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap().with_timezone(&Utc)
}

fn now() -> DateTime<Utc> {
    sh(2024, 5, 20, 12, 0, 0)
}

fn posts(body: &[u8], url: &str) -> Timeline {
    match parse_timeline(body, url, now()).unwrap() {
        TimelinePage::Posts(t) => t,
        other => panic!("{other:?}"),
    }
}

fn client(cfg: &xunjian_adapters::WeiboConfig) -> WeiboClient {
    WeiboClient::new(cfg, None).unwrap().with_clock(Arc::new(now))
}

fn wrong_account(f: &FetchFailure) -> (&str, &str) {
    match f {
        FetchFailure::WrongAccount { expected, found, .. } => (expected, found),
        other => panic!("expected wrong_account, got {other:?}"),
    }
}

// ---------------------------------------------------------------------
// Parsers: what the answer states
// ---------------------------------------------------------------------

#[test]
fn the_real_timeline_states_its_owner_total_and_that_more_exists() {
    let t = posts(&fixture(REAL_TIMELINE), "fixture");
    assert_eq!(t.owner.as_deref(), Some("6279793937"));
    assert_eq!(t.total, Some(1221));
    assert_eq!(t.more, Some(true), "since_id 4646131823281332 points further");
    match t.completeness() {
        Completeness::ReachesBack { newest, oldest } => {
            assert_eq!(newest, sh(2021, 6, 17, 11, 0, 31));
            assert_eq!(oldest, sh(2021, 6, 9, 15, 0, 3));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn profiles_state_the_uid_of_the_answer_not_of_the_request() {
    let m = ResponseMeta::OK;
    let asked_url = "https://m.weibo.cn/api/container/getIndex?type=uid&value=6279793937";
    let real = parse_profile_response(&m, &fixture(REAL_PROFILE), asked_url).unwrap();
    assert_eq!(real.profile.platform_id, "6279793937");
    let other = parse_profile_response(&m, &fixture(OTHER_PROFILE), asked_url).unwrap();
    assert_eq!(other.profile.platform_id, "7000000002");
    assert_eq!(other.timeline_containerid.as_deref(), Some("1076037000000002"));
}

#[test]
fn another_accounts_answer_is_wrong_account_in_debug_parse() {
    let opts = |id: &str| ParseOptions { expect_id: Some(id.into()), ..Default::default() };
    for (kind, file) in [("timeline", OTHER_TIMELINE), ("profile", OTHER_PROFILE)] {
        let body = fixture(file);
        for asked in ["123", "6279793937"] {
            match parse_file(Platform::Weibo, kind, &body, now(), &opts(asked)) {
                Err(DebugError::Failure(f)) => {
                    assert_eq!(f.class(), OutcomeClass::WrongAccount);
                    assert_eq!(wrong_account(&f), (asked, "7000000002"), "{kind}");
                }
                other => panic!("{kind} for {asked}: {other:?}"),
            }
        }
        // Asked for the account it states, it is an observation.
        let ok = parse_file(Platform::Weibo, kind, &body, now(), &opts("7000000002")).unwrap();
        let stated = ok.get("owner").or_else(|| ok.get("platform_id")).and_then(|v| v.as_str());
        assert_eq!(stated, Some("7000000002"), "{kind}");
    }
    // The real capture asked for its own uid passes.
    let real = parse_file(Platform::Weibo, "timeline", &fixture(REAL_TIMELINE), now(), &opts("6279793937")).unwrap();
    assert_eq!(real["owner"], "6279793937");
    assert_eq!(real["more"], true);
}

#[test]
fn status_432_is_blocked_whatever_the_body() {
    let opts = ParseOptions { status: Some(432), expect_id: Some("123".into()), ..Default::default() };
    match parse_file(Platform::Weibo, "timeline", &fixture(OTHER_TIMELINE), now(), &opts) {
        Err(DebugError::Failure(f)) => assert_eq!(f.class(), OutcomeClass::Blocked, "{f}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_page_whose_own_cards_name_two_accounts_is_nobodys_timeline() {
    let body = fixture(MIXED_TIMELINE);
    let url = "https://m.weibo.cn/api/container/getIndex?containerid=1076036279793937";
    let f = parse_timeline_response(&ResponseMeta::OK, &body, url, now()).unwrap_err();
    assert_eq!(wrong_account(&f), ("6279793937", "7000000002"));
    // Without a request to name the asked uid, the containerid's stands in.
    let f = parse_timeline_response(&ResponseMeta::OK, &body, "file:weibo/timeline", now()).unwrap_err();
    assert_eq!(wrong_account(&f), ("6279793937", "7000000002"));
    // A repost's source author is not an owner: only each card's own
    // `mblog.user` counts (the real page's card 2 is a repost).
    let t = posts(&fixture(REAL_TIMELINE), url);
    assert!(t.posts.iter().any(|p| p.repost_of.is_some()));
    assert_eq!(t.owner.as_deref(), Some("6279793937"));
}

#[test]
fn a_pinned_only_page_that_points_further_proves_nothing() {
    let t = posts(&fixture(PINNED_PAGE1), "fixture");
    assert_eq!(t.posts.len(), 1);
    assert!(t.posts[0].is_pinned);
    assert_eq!((t.owner.as_deref(), t.total, t.more), (Some("7000000003"), Some(800), Some(true)));
    assert_eq!(t.completeness(), Completeness::Unresolved);
}

#[test]
fn a_last_page_without_since_id_says_no_more_only_when_the_count_agrees() {
    // The synthesized page 2 has no since_id but total 5120: more exists.
    let t = posts(&fixture("synth/timeline_relative_page2.json"), "fixture");
    assert_eq!(t.next_cursor, None);
    assert_eq!(t.more, Some(true));
    // Page 1 of the pinned-only account without since_id and with a total
    // of 1 (built here from the fixture): the account's only post is that
    // pinned one, and the platform says so twice.
    let mut v: serde_json::Value = serde_json::from_slice(&fixture(PINNED_PAGE1)).unwrap();
    let info = v.pointer_mut("/data/cardlistInfo").unwrap().as_object_mut().unwrap();
    info.remove("since_id");
    info.insert("total".into(), 1.into());
    let t = posts(&serde_json::to_vec(&v).unwrap(), "fixture");
    assert_eq!((t.next_cursor.as_deref(), t.total, t.more), (None, Some(1), Some(false)));
    assert_eq!(t.completeness(), Completeness::Nothing);
}

#[test]
fn ok_minus_100_to_a_captcha_page_is_a_captcha() {
    let f = parse_timeline_response(&ResponseMeta::OK, &fixture("synth/ok_minus_100_captcha.json"), "u", now()).unwrap_err();
    match &f {
        FetchFailure::Captcha { challenge_url: Some(to), .. } => {
            assert!(to.starts_with("https://passport.weibo.com/") && to.contains("captcha?scene=limit"), "{to}")
        }
        other => panic!("{other:?}"),
    }
    // The login-bound ok:-100 stays a session problem.
    let f = parse_timeline_response(&ResponseMeta::OK, &fixture("synth/ok_minus_100.json"), "u", now()).unwrap_err();
    assert_eq!(f.class(), OutcomeClass::LoginRequired);
}

#[test]
fn words_about_our_own_login_are_login_required_not_banned() {
    let m = ResponseMeta::OK;
    for file in ["synth/ok0_own_account_abnormal.json", "synth/ok0_own_account_frozen.json"] {
        let body = fixture(file);
        assert_eq!(parse_profile_response(&m, &body, "u").unwrap_err().class(), OutcomeClass::LoginRequired, "{file}");
        assert_eq!(parse_timeline_response(&m, &body, "u", now()).unwrap_err().class(), OutcomeClass::LoginRequired, "{file}");
        assert_eq!(parse_status_show_response(&m, &body, "u", now()).unwrap_err().class(), OutcomeClass::LoginRequired, "{file}");
    }
    // Freeze words naming the viewed account are the platform's word on it.
    let viewed = r#"{"ok":0,"msg":"该账号已被冻结"}"#.as_bytes();
    assert_eq!(parse_profile_response(&m, viewed, "u").unwrap_err().class(), OutcomeClass::Banned);
}

#[test]
fn only_the_structured_code_makes_an_account_not_found() {
    let m = ResponseMeta::OK;
    let coded = fixture("synth/ok0_user_does_not_exist_errno.json");
    let f = parse_profile_response(&m, &coded, "u").unwrap_err();
    assert_eq!(f.class(), OutcomeClass::NotFound);
    assert!(f.to_string().contains("errno 20003"), "{f}");
    // The same words without the code, or as a number under error_code.
    let words = r#"{"ok":0,"msg":"用户不存在"}"#.as_bytes();
    assert_eq!(parse_profile_response(&m, words, "u").unwrap_err().class(), OutcomeClass::ParseError);
    let numeric = r#"{"ok":0,"error_code":20003,"msg":"User does not exists!"}"#.as_bytes();
    assert_eq!(parse_profile_response(&m, numeric, "u").unwrap_err().class(), OutcomeClass::NotFound);
    // "这里还没有内容": no decision anywhere.
    let no_content = fixture("m_getIndex_error_no_content.json");
    assert_eq!(parse_profile_response(&m, &no_content, "u").unwrap_err().class(), OutcomeClass::LoginRequired);
    assert!(matches!(parse_timeline(&no_content, "u", now()), Ok(TimelinePage::NoContent { .. })));
    let cancelled_words = r#"{"ok":0,"msg":"该用户已注销"}"#.as_bytes();
    assert_ne!(parse_timeline_response(&m, cancelled_words, "u", now()).unwrap_err().class(), OutcomeClass::NotFound);
}

// ---------------------------------------------------------------------
// The client: refusing what is not proof
// ---------------------------------------------------------------------

#[tokio::test]
async fn the_client_refuses_another_accounts_profile_and_timeline() {
    let server = TestServer::start(|req| match (req.path.as_str(), req.param("value")) {
        (VISITOR, _) => visitor_reply(1),
        (API, Some(_)) => Reply::json(fixture(OTHER_PROFILE)),
        _ => Reply::json(fixture(OTHER_TIMELINE)),
    })
    .await;
    let c = client(&test_config(&server.base()));
    let profile = c.profile("6279793937").await.unwrap_err();
    assert_eq!(wrong_account(&profile.failure), ("6279793937", "7000000002"));
    assert_eq!(profile.captures.iter().filter(|c| c.url.contains(API)).count(), 1, "the answer is kept as evidence");
    let timeline = c.timeline("6279793937").await.unwrap_err();
    assert_eq!(wrong_account(&timeline.failure), ("6279793937", "7000000002"));
    assert_eq!(timeline.class(), OutcomeClass::WrongAccount);
    let account = c.account("6279793937").await.unwrap_err();
    assert_eq!(account.class(), OutcomeClass::WrongAccount);
    // Asked for the account they state, the same answers are observations.
    let t = c.timeline("7000000002").await.unwrap();
    assert_eq!(t.value.owner.as_deref(), Some("7000000002"));
}

#[tokio::test]
async fn the_client_refuses_a_page_mixing_accounts() {
    let server = TestServer::start(|req| match req.path.as_str() {
        VISITOR => visitor_reply(1),
        _ => Reply::json(fixture(MIXED_TIMELINE)),
    })
    .await;
    let c = client(&test_config(&server.base()));
    let failed = c.timeline("6279793937").await.unwrap_err();
    assert_eq!(wrong_account(&failed.failure), ("6279793937", "7000000002"));
}

fn pinned_routes(page2: bool) -> impl Fn(&common::Seen) -> Reply + Send + Sync + 'static {
    move |req| match (req.path.as_str(), req.param("since_id")) {
        (VISITOR, _) => visitor_reply(1),
        (API, Some("4900000000000031")) if page2 => Reply::json(fixture(PINNED_PAGE2)),
        (API, Some(_)) if page2 => Reply::json(r#"{"ok":0,"msg":"这里还没有内容","data":{"cards":[]}}"#),
        // Every page is the pinned-only page 1 (its since_id never moves on).
        (API, _) => Reply::json(fixture(PINNED_PAGE1)),
        _ => Reply::new(404, "text/html", "<title>404</title>"),
    }
}

#[tokio::test]
async fn a_pinned_only_first_page_is_read_past_to_the_newest_post() {
    let server = TestServer::start(pinned_routes(true)).await;
    let cfg = test_config(&server.base());
    assert_eq!(cfg.max_pages, 1);
    let t = client(&cfg).timeline("7000000003").await.unwrap().value;
    assert_eq!(server.hits(API), 2, "page 2 read although max_pages is 1");
    assert_eq!(t.posts.len(), 4);
    assert_eq!((t.owner.as_deref(), t.total, t.more), (Some("7000000003"), Some(800), Some(true)));
    match t.completeness() {
        Completeness::ReachesBack { newest, oldest } => {
            assert_eq!(newest, sh(2024, 5, 19, 18, 30, 0));
            assert_eq!(oldest, sh(2024, 5, 16, 16, 0, 0));
        }
        other => panic!("{other:?}"),
    }
    // Once a non-pinned post is seen, max_pages rules again: page 2's own
    // since_id was not followed.
    assert!(server.requests().iter().all(|r| r.param("since_id") != Some("4900000000000021")));
}

#[tokio::test]
async fn pinned_only_pages_without_end_are_read_to_a_bound_and_stay_unresolved() {
    let server = TestServer::start(pinned_routes(false)).await;
    let t = client(&test_config(&server.base())).timeline("7000000003").await.unwrap().value;
    assert_eq!(server.hits(API), 1 + xunjian_adapters::weibo::client::PINNED_ONLY_EXTRA_PAGES as usize);
    assert_eq!(t.posts.len(), 1);
    assert_eq!(t.more, Some(true));
    assert_eq!(t.completeness(), Completeness::Unresolved);
}

#[tokio::test]
async fn an_empty_timeline_of_a_zero_post_profile_is_nothing_and_says_so() {
    let server = TestServer::start(|req| match (req.path.as_str(), req.param("value")) {
        (VISITOR, _) => visitor_reply(1),
        (API, Some(_)) => Reply::json(fixture("synth/profile_zero_posts.json")),
        _ => Reply::json(fixture("m_getIndex_error_no_content.json")),
    })
    .await;
    let t = client(&test_config(&server.base())).timeline("7000000009").await.unwrap().value;
    assert_eq!((t.owner.as_deref(), t.total, t.more), (Some("7000000009"), Some(0), Some(false)));
    assert_eq!(t.completeness(), Completeness::Nothing);
}

#[tokio::test]
async fn ok_minus_100_to_a_captcha_page_over_http_is_a_captcha() {
    let server = TestServer::start(|req| match req.path.as_str() {
        VISITOR => visitor_reply(1),
        _ => Reply::json(fixture("synth/ok_minus_100_captcha.json")),
    })
    .await;
    let failed = client(&test_config(&server.base())).timeline("7000000001").await.unwrap_err();
    assert_eq!(failed.class(), OutcomeClass::Captcha, "{}", failed.failure);
}

// ---------------------------------------------------------------------
// Offline: network_error, every time
// ---------------------------------------------------------------------

/// A config pointing at `base` with the production renewal cool-down, so
/// the second and later requests meet the cool-down path too.
fn offline_config(base: &str) -> xunjian_adapters::WeiboConfig {
    let mut cfg = test_config(base);
    cfg.cookie_renewal_cooldown_secs = 300;
    cfg.policy.max_retries = 0;
    cfg
}

async fn assert_offline(c: &WeiboClient, what: &str) {
    for round in 0..2 {
        let p = c.profile("6279793937").await.unwrap_err();
        assert_eq!(p.class(), OutcomeClass::NetworkError, "{what} profile round {round}: {}", p.failure);
        assert!(p.failure.to_string().contains("could not connect"), "{what}: {}", p.failure);
        let t = c.timeline("6279793937").await.unwrap_err();
        assert_eq!(t.class(), OutcomeClass::NetworkError, "{what} timeline round {round}: {}", t.failure);
        let a = c.account("6279793937").await.unwrap_err();
        assert_eq!(a.class(), OutcomeClass::NetworkError, "{what} account round {round}: {}", a.failure);
    }
}

#[tokio::test]
async fn a_closed_port_is_a_network_error_not_a_login_problem() {
    // Bind then drop a listener: nothing listens on that port any more.
    let addr = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let c = client(&offline_config(&format!("http://{addr}")));
    assert_offline(&c, "closed port").await;
    // The status page says why, without blaming a cookie.
    let status = c.session_status();
    assert!(status.last_error.as_deref().is_some_and(|e| e.contains("network error")), "{status:?}");
}

#[tokio::test]
async fn an_unresolvable_host_is_a_network_error_not_a_login_problem() {
    // `.invalid` never resolves (RFC 2606); no packet leaves the machine
    // for it beyond the local resolver.
    let c = client(&offline_config("http://nonexistent.invalid"));
    assert_offline(&c, "nonexistent.invalid").await;
}
