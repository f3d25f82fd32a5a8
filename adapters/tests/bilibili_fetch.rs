//! The Bilibili fetch path against a loopback server: buvid3 and WBI key
//! bootstrap, signed requests (the signature checked server-side the way
//! Bilibili checks it), renewal after a voucher, the live fallback, -404
//! confirmation, paging, search, risk-control refusals.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::{Reply, Seen, TestServer};
use md5::{Digest, Md5};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use xunjian_adapters::bilibili::BilibiliClient;
use xunjian_adapters::config::{BilibiliConfig, HttpPolicy};
use xunjian_adapters::model::OutcomeClass;
use xunjian_adapters::{Adapter, FetchFailure};

const MIXIN: &str = "ea1db124af3c7062474693fa704f4ff8";

fn fixture(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bilibili").join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 20, 4, 0, 0).unwrap()
}

fn cfg(base: &str) -> BilibiliConfig {
    BilibiliConfig {
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
            max_retries: 1,
            backoff_base_ms: 5,
            backoff_max_ms: 100,
            breaker_threshold: 1000,
            ..HttpPolicy::default()
        },
    }
}

fn client(base: &str) -> BilibiliClient {
    BilibiliClient::new(&cfg(base)).unwrap().with_clock(Arc::new(now))
}

/// What Bilibili does with a signed request: recompute `w_rid` over the
/// other parameters (sorted, encoded) plus the mixin key.
fn signature_ok(req: &Seen) -> bool {
    let Some(w_rid) = req.param("w_rid") else {
        return false;
    };
    let mut rest: Vec<(String, String)> = req.query.iter().filter(|(k, _)| k != "w_rid").cloned().collect();
    rest.sort();
    let q = rest
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                xunjian_adapters::bilibili::wbi::encode_component(k),
                xunjian_adapters::bilibili::wbi::encode_component(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    hex::encode(Md5::digest(format!("{q}{MIXIN}").as_bytes())) == w_rid
        && req.param("wts") == Some(now().timestamp().to_string().as_str())
}

fn session_routes(req: &Seen) -> Option<Reply> {
    match req.path.as_str() {
        "/x/frontend/finger/spi" => Some(Reply::json(fixture("synth/finger_spi.json"))),
        "/x/web-interface/nav" => Some(Reply::json(fixture("synth/nav_logged_out_wbi_keys.json"))),
        _ => None,
    }
}

#[tokio::test]
async fn session_bootstrap_then_a_correctly_signed_profile_request() {
    let server = TestServer::start(|req| {
        session_routes(req).unwrap_or_else(|| match req.path.as_str() {
            "/x/space/wbi/acc/info" if signature_ok(req) => Reply::json(fixture("synth/acc_info_gov.json")),
            "/x/space/wbi/acc/info" => Reply::json(fixture("synth/voucher.json")),
            _ => Reply::new(404, "text/html", "<title>404</title>"),
        })
    })
    .await;
    let c = client(&server.base());
    let p = c.profile("3546000000000001").await.unwrap();
    assert_eq!(p.value.official_role, Some(6));
    assert_eq!(p.source, "api.bilibili.com x/space/wbi/acc/info");
    let reqs = server.requests();
    let paths: Vec<&str> = reqs.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/x/frontend/finger/spi", "/x/web-interface/nav", "/x/space/wbi/acc/info"]);
    let acc = &reqs[2];
    assert_eq!(acc.param("mid"), Some("3546000000000001"));
    assert!(acc.header("Cookie").unwrap().contains("buvid3=SYNTHETIC-BUVID3"), "{:?}", acc.header("Cookie"));
    assert_eq!(acc.header("Referer"), Some("https://www.bilibili.com/"));
    assert!(acc.header("User-Agent").unwrap().contains("xunjian/"));
    // Evidence: every answer, the session's included.
    assert_eq!(p.captures.len(), 3);
    assert!(c.has_keys_for(now()));
    // The session is reused: a second profile is one request.
    c.profile("3546000000000001").await.unwrap();
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn voucher_renews_the_session_once_then_falls_back_to_live_info() {
    let server = TestServer::start(|req| {
        session_routes(req).unwrap_or_else(|| match req.path.as_str() {
            "/x/space/wbi/acc/info" => Reply::json(fixture("synth/voucher.json")),
            "/live/live_user/v1/Master/info" => Reply::json(fixture("live_user_v1_Master_info_official_verify.json")),
            _ => Reply::new(404, "text/html", "<title>404</title>"),
        })
    })
    .await;
    let c = client(&server.base());
    let p = c.profile("161775300").await.unwrap();
    assert_eq!(p.value.profile.display_name, "明日方舟");
    assert_eq!(p.source, "api.live.bilibili.com Master/info");
    assert_eq!(p.incomplete.len(), 1);
    assert_eq!(p.incomplete[0].class(), OutcomeClass::Blocked);
    assert!(p.incomplete[0].to_string().contains("v_voucher"));
    // bootstrap (spi, nav), refused, one renewal (spi, nav), refused, live.
    assert_eq!(server.hits("/x/space/wbi/acc/info"), 2);
    assert_eq!(server.hits("/x/web-interface/nav"), 2);
    assert_eq!(server.hits("/live/live_user/v1/Master/info"), 1);
}

#[tokio::test]
async fn not_found_is_believed_only_when_the_live_endpoint_does_not_contradict_it() {
    let contradict = Arc::new(AtomicUsize::new(0));
    let c2 = contradict.clone();
    let server = TestServer::start(move |req| {
        session_routes(req).unwrap_or_else(|| match req.path.as_str() {
            "/x/space/wbi/acc/info" => Reply::json(fixture("synth/acc_info_not_found.json")),
            "/live/live_user/v1/Master/info" if c2.load(Ordering::SeqCst) == 1 => {
                Reply::json(fixture("live_user_v1_Master_info_official_verify.json"))
            }
            "/live/live_user/v1/Master/info" => Reply::json(fixture("synth/master_info_empty.json")),
            _ => Reply::new(404, "text/html", "<title>404</title>"),
        })
    })
    .await;
    let c = client(&server.base());
    let f = c.profile("161775300").await.unwrap_err();
    assert_eq!(f.class(), OutcomeClass::NotFound, "{f}");
    assert_eq!(f.captures.len(), 4, "spi, nav, acc/info, live");
    contradict.store(1, Ordering::SeqCst);
    let f = c.profile("161775300").await.unwrap_err();
    assert_eq!(f.class(), OutcomeClass::ParseError, "{f}");
    assert!(f.failure.to_string().contains("not believed"));
}

#[tokio::test]
async fn banned_is_the_answer_without_fallback() {
    let server = TestServer::start(|req| {
        session_routes(req).unwrap_or_else(|| match req.path.as_str() {
            "/x/space/wbi/acc/info" => Reply::json(fixture("synth/acc_info_silence.json")),
            _ => Reply::new(500, "text/html", "<title>should not be asked</title>"),
        })
    })
    .await;
    let f = client(&server.base()).profile("3546000000000002").await.unwrap_err();
    assert_eq!(f.class(), OutcomeClass::Banned);
    assert_eq!(server.hits("/live/live_user/v1/Master/info"), 0);
}

#[tokio::test]
async fn risk_control_352_renews_the_session_and_retries() {
    let feeds = Arc::new(AtomicUsize::new(0));
    let f2 = feeds.clone();
    let server = TestServer::start(move |req| {
        session_routes(req).unwrap_or_else(|| match req.path.as_str() {
            "/x/polymer/web-dynamic/v1/feed/space" => {
                // The first two answers (first try and its transient retry)
                // are -352; after the renewal the feed comes.
                if f2.fetch_add(1, Ordering::SeqCst) < 2 {
                    Reply::json(fixture("synth/risk_control_352.json"))
                } else if req.param("offset") == Some("") {
                    Reply::json(fixture("x_polymer_web-dynamic_feed_space_pinned_forward.json"))
                } else {
                    // The synthetic last page, as this account's own: a
                    // page by another author would be wrong_account.
                    let last = String::from_utf8(fixture("synth/dynamics_forbidden_last_page.json")).unwrap();
                    Reply::json(last.replace("3546000000000001", "161775300"))
                }
            }
            _ => Reply::new(404, "text/html", "<title>404</title>"),
        })
    })
    .await;
    let c = client(&server.base());
    let t = c.timeline("161775300").await.unwrap();
    // Two pages: 13 + 3 posts, paging by the first page's offset.
    assert_eq!(t.value.posts.len(), 16);
    assert_eq!(t.value.next_cursor, None);
    assert_eq!((t.value.owner.as_deref(), t.value.more), (Some("161775300"), Some(false)));
    let feed_reqs: Vec<Seen> = server.requests().into_iter().filter(|r| r.path.ends_with("feed/space")).collect();
    assert_eq!(feed_reqs.len(), 4);
    assert_eq!(feed_reqs[3].param("offset"), Some("915793667264872453"));
    assert_eq!(feed_reqs[3].param("host_mid"), Some("161775300"));
    assert_eq!(feed_reqs[3].param("timezone_offset"), Some("-480"));
    assert!(feed_reqs.iter().all(signature_ok));
    assert_eq!(server.hits("/x/frontend/finger/spi"), 2, "bootstrap and one renewal");
}

#[tokio::test]
async fn http_412_and_search_refusals_are_classified_not_empty() {
    let server = TestServer::start(|req| {
        session_routes(req).unwrap_or_else(|| match req.path.as_str() {
            "/x/web-interface/wbi/search/type" if req.param("keyword") == Some("示例县") => {
                Reply::json(fixture("synth/search_bili_user.json"))
            }
            "/x/web-interface/wbi/search/type" => Reply::json(fixture("synth/intercepted_412.json")),
            "/x/polymer/web-dynamic/v1/feed/space" => {
                Reply::new(412, "application/json", fixture("synth/intercepted_412.json"))
            }
            _ => Reply::new(404, "text/html", "<title>404</title>"),
        })
    })
    .await;
    let c = client(&server.base());
    let hits = Adapter::search_users(&c, "示例县").unwrap().await.unwrap();
    assert_eq!(hits.value.len(), 2);
    let search = server.requests().into_iter().find(|r| r.path.ends_with("search/type")).unwrap();
    assert_eq!(search.param("search_type"), Some("bili_user"));
    let f = c.search_users("其他").await.unwrap_err();
    assert_eq!(f.class(), OutcomeClass::Blocked);
    let f = c.timeline("161775300").await.unwrap_err();
    assert!(matches!(f.failure, FetchFailure::Blocked { http_status: Some(412), .. }), "{f}");
    // A refusal is not transient: asked once.
    assert_eq!(server.hits("/x/polymer/web-dynamic/v1/feed/space"), 1);
    // Not a number: refused before any request.
    assert_eq!(c.profile("abc").await.unwrap_err().class(), OutcomeClass::ParseError);
}
