//! Fault responses, each classified as the right "could not check" class
//! (or as the platform's own answer when it is one), never as an empty
//! timeline, by the pure parsers and through the real fetch path.

mod common;

use chrono::{TimeZone, Utc};
use common::{Reply, TestServer, fixture, test_config, visitor_reply};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use xunjian_adapters::model::OutcomeClass;
use xunjian_adapters::weibo::parse::{
    parse_profile_response, parse_status_show_response, parse_timeline_response, parse_user_search_response,
};
use xunjian_adapters::weibo::{ResponseMeta, WeiboClient};
use xunjian_adapters::FetchFailure;

struct Fault {
    name: &'static str,
    status: u16,
    content_type: Option<&'static str>,
    location: Option<&'static str>,
    retry_after: Option<u64>,
    body: Vec<u8>,
    expect: OutcomeClass,
}

fn fault(name: &'static str, status: u16, content_type: Option<&'static str>, body: Vec<u8>, expect: OutcomeClass) -> Fault {
    Fault { name, status, content_type, location: None, retry_after: None, body, expect }
}

const LOGIN_URL: &str = "https://passport.weibo.cn/signin/login?entry=mweibo&r=https%3A%2F%2Fm.weibo.cn%2F";

fn faults() -> Vec<Fault> {
    let real = fixture("m_getIndex_107603_timeline_pinned_retweet.json");
    let html = Some("text/html; charset=utf-8");
    let json = Some("application/json; charset=utf-8");
    vec![
        fault("captcha page with 200", 200, html, fixture("synth/captcha_page_200.html"), OutcomeClass::Captcha),
        fault("visitor system page with 200", 200, html, fixture("synth/visitor_system_page_200.html"), OutcomeClass::LoginRequired),
        Fault { location: Some(LOGIN_URL), ..fault("login redirect", 302, html, Vec::new(), OutcomeClass::LoginRequired) },
        fault("ok:-100", 200, json, fixture("synth/ok_minus_100.json"), OutcomeClass::LoginRequired),
        fault("captcha JSON with url", 200, json, fixture("synth/captcha_json_with_url.json"), OutcomeClass::Captcha),
        fault("HTTP 403", 403, html, fixture("synth/http_403_forbidden.html"), OutcomeClass::Blocked),
        fault("HTTP 418", 418, None, Vec::new(), OutcomeClass::Blocked),
        Fault { retry_after: Some(120), ..fault("HTTP 429", 429, None, Vec::new(), OutcomeClass::Throttled) },
        fault("HTTP 432", 432, html, fixture("synth/http_432_body.html"), OutcomeClass::Blocked),
        fault("truncated JSON", 200, json, real[..real.len() / 2].to_vec(), OutcomeClass::NetworkError),
        fault("empty body", 200, json, Vec::new(), OutcomeClass::NetworkError),
        fault("whitespace body", 200, json, b" \r\n ".to_vec(), OutcomeClass::NetworkError),
        fault("JSON of another shape", 200, json, fixture("synth/other_shape_open_api_error.json"), OutcomeClass::ParseError),
        fault("JSON array", 200, json, fixture("synth/other_shape_array.json"), OutcomeClass::ParseError),
        fault("invalid JSON", 200, json, b"{\"ok\":1,\"data\":{\"cards\":[}]}}".to_vec(), OutcomeClass::ParseError),
        // Declared GBK only in <meta>, served without a charset.
        fault("GBK busy page", 200, Some("text/html"), fixture("synth/gbk_busy_page.html"), OutcomeClass::Throttled),
        fault("ok:0 too frequent", 200, json, fixture("synth/ok0_too_frequent.json"), OutcomeClass::Throttled),
        fault("HTTP 500", 500, html, b"<html><title>500 Internal Server Error</title></html>".to_vec(), OutcomeClass::NetworkError),
        // An API path answering 404 means the endpoint moved, never that
        // the account is gone.
        fault("HTTP 404", 404, html, b"<html><title>404 Not Found</title></html>".to_vec(), OutcomeClass::ParseError),
        fault("plain text", 200, Some("text/plain"), b"hello".to_vec(), OutcomeClass::ParseError),
    ]
}

fn meta(f: &Fault) -> ResponseMeta<'_> {
    ResponseMeta { status: f.status, content_type: f.content_type, location: f.location, retry_after_secs: f.retry_after }
}

#[test]
fn every_parser_classifies_every_fault_the_same_way_and_never_as_data() {
    let now = Utc::now();
    for f in faults() {
        let url = "http://t/api";
        let results = [
            ("timeline", parse_timeline_response(&meta(&f), &f.body, url, now).map(|_| ()).err()),
            ("profile", parse_profile_response(&meta(&f), &f.body, url).map(|_| ()).err()),
            ("search", parse_user_search_response(&meta(&f), &f.body, url).map(|_| ()).err()),
            ("post", parse_status_show_response(&meta(&f), &f.body, url, now).map(|_| ()).err()),
        ];
        for (parser, err) in results {
            let err = err.unwrap_or_else(|| panic!("{}: {parser} parser accepted a fault", f.name));
            assert_eq!(err.class(), f.expect, "{} via {parser}: {err}", f.name);
            assert_eq!(err.url(), url);
            assert!(!err.class().is_platform_answer(), "{}: a fault must be 'could not check'", f.name);
        }
    }
}

#[test]
fn fault_details_name_what_was_seen() {
    let now = Utc::now();
    let by_name = |n: &str| faults().into_iter().find(|f| f.name == n).unwrap();
    let classify = |f: &Fault| parse_timeline_response(&meta(f), &f.body, "u", now).unwrap_err();

    let gbk = classify(&by_name("GBK busy page"));
    // Only a correct GBK decode yields the title's Chinese text.
    assert!(gbk.to_string().contains("新浪微博-系统繁忙"), "{gbk}");

    match classify(&by_name("HTTP 429")) {
        FetchFailure::Throttled { retry_after_secs, http_status, .. } => {
            assert_eq!((retry_after_secs, http_status), (Some(120), Some(429)));
        }
        other => panic!("{other:?}"),
    }
    match classify(&by_name("captcha JSON with url")) {
        FetchFailure::Captcha { challenge_url, .. } => {
            assert_eq!(challenge_url.as_deref(), Some("https://security.weibo.com/captcha/geetest?from=mweibo&r=https%3A%2F%2Fm.weibo.cn%2F"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(classify(&by_name("HTTP 432")).http_status(), Some(432));
    assert!(classify(&by_name("login redirect")).to_string().contains("passport.weibo.cn/signin"));
    match classify(&by_name("JSON of another shape")) {
        FetchFailure::ParseError { field, detail, .. } => {
            assert_eq!(field, "ok");
            assert!(detail.contains("error_code"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    assert!(classify(&by_name("truncated JSON")).to_string().contains("truncated"));
}

#[test]
fn banned_and_missing_accounts_are_the_platforms_answer() {
    let banned = fixture("synth/ok0_account_banned.json");
    let now = Utc::now();
    let m = ResponseMeta::OK;
    assert_eq!(parse_profile_response(&m, &banned, "u").unwrap_err().class(), OutcomeClass::Banned);
    assert_eq!(parse_timeline_response(&m, &banned, "u", now).unwrap_err().class(), OutcomeClass::Banned);
    // Only the structured code says "does not exist".
    let missing = fixture("synth/ok0_user_does_not_exist_errno.json");
    assert_eq!(parse_profile_response(&m, &missing, "u").unwrap_err().class(), OutcomeClass::NotFound);
    assert_eq!(parse_timeline_response(&m, &missing, "u", now).unwrap_err().class(), OutcomeClass::NotFound);
    // "这里还没有内容" is also what m.weibo.cn tells visitors about some
    // existing accounts: could not check.
    let no_content = fixture("m_getIndex_error_no_content.json");
    assert_eq!(parse_profile_response(&m, &no_content, "u").unwrap_err().class(), OutcomeClass::LoginRequired);
}

/// Serves `f` for every API request (visitor sessions always succeed).
async fn serve_fault(f: &Fault) -> TestServer {
    let reply = {
        let mut r = Reply { status: f.status, headers: Vec::new(), body: f.body.clone(), delay: None };
        if let Some(ct) = f.content_type {
            r = r.header("Content-Type", ct);
        }
        if let Some(loc) = f.location {
            r = r.header("Location", loc);
        }
        if let Some(ra) = f.retry_after {
            r = r.header("Retry-After", &ra.to_string());
        }
        r
    };
    let sessions = Arc::new(AtomicUsize::new(0));
    TestServer::start(move |req| {
        if req.path == "/visitor/genvisitor2" {
            visitor_reply(sessions.fetch_add(1, Ordering::SeqCst) + 1)
        } else {
            reply.clone()
        }
    })
    .await
}

#[tokio::test]
async fn every_fault_over_http_is_classified_and_kept_as_evidence() {
    for f in faults() {
        let server = serve_fault(&f).await;
        let client = WeiboClient::new(&test_config(&server.base()), None).unwrap();
        let failed = match client.timeline("7000000001").await {
            Ok(t) => panic!("{}: fetch returned data: {:?}", f.name, t.value),
            Err(failed) => failed,
        };
        assert_eq!(failed.class(), f.expect, "{}: {}", f.name, failed.failure);
        // The fault's own bytes are in the evidence, as served.
        let api_captures: Vec<_> = failed.captures.iter().filter(|c| c.url.contains("/api/container/getIndex")).collect();
        assert!(!api_captures.is_empty(), "{}: no capture kept", f.name);
        assert!(api_captures.iter().all(|c| c.body == f.body && c.http_status == Some(f.status)), "{}", f.name);
        // Transient faults were retried (1 + max_retries attempts); the
        // 429 asked for longer than we wait; the rest were not retried
        // (session failures get one retry after a renewal).
        let attempts = server.hits("/api/container/getIndex");
        let expected = match f.expect {
            OutcomeClass::NetworkError => 3,
            OutcomeClass::Throttled if f.retry_after.is_some() => 1,
            OutcomeClass::Throttled => 3,
            OutcomeClass::LoginRequired => 2,
            OutcomeClass::Captcha if f.name.contains("JSON") => 2,
            OutcomeClass::Blocked if f.status == 432 => 2,
            _ => 1,
        };
        assert_eq!(attempts, expected, "{}: attempts", f.name);
    }
}

#[tokio::test]
async fn a_timeout_is_a_network_failure() {
    let server = TestServer::start(|req| {
        if req.path == "/visitor/genvisitor2" {
            visitor_reply(1)
        } else {
            Reply::json(fixture("m_getIndex_107603_timeline_pinned_retweet.json")).delayed(Duration::from_secs(4))
        }
    })
    .await;
    let mut cfg = test_config(&server.base());
    cfg.policy.timeout_secs = 1;
    cfg.policy.max_retries = 0;
    let client = WeiboClient::new(&cfg, None).unwrap();
    let failed = client.timeline("6279793937").await.unwrap_err();
    match &failed.failure {
        FetchFailure::Network { timeout, .. } => assert!(*timeout, "{}", failed.failure),
        other => panic!("{other:?}"),
    }
    assert_eq!(failed.class(), OutcomeClass::NetworkError);
}

#[tokio::test]
async fn a_refused_connection_is_a_network_failure() {
    // Bind then drop a listener: nothing listens on that port any more.
    let addr = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let mut cfg = test_config(&format!("http://{addr}"));
    cfg.policy.max_retries = 0;
    let client = WeiboClient::new(&cfg, None).unwrap();
    let failed = client.profile("6279793937").await.unwrap_err();
    assert_eq!(failed.class(), OutcomeClass::NetworkError, "{}", failed.failure);
    assert!(failed.captures.is_empty());
}

#[test]
fn relative_times_need_an_injected_now() {
    // The same page parsed at two different `now`s gives two different
    // times, both marked inexact: nothing reads the wall clock.
    let body = fixture("synth/timeline_relative_page1.json");
    let a = Utc.with_ymd_and_hms(2024, 5, 20, 4, 0, 0).unwrap();
    let b = a + chrono::Duration::hours(5);
    let post = |now| match parse_timeline_response(&ResponseMeta::OK, &body, "u", now).unwrap() {
        xunjian_adapters::weibo::TimelinePage::Posts(t) => t.posts[1].clone(),
        other => panic!("{other:?}"),
    };
    let (pa, pb) = (post(a), post(b));
    assert_eq!(pa.published_at, a - chrono::Duration::hours(3));
    assert_eq!(pb.published_at - pa.published_at, chrono::Duration::hours(5));
    assert!(!pa.published_at_exact && !pb.published_at_exact);
}
