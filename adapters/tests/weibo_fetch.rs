//! The real fetch path against a local HTTP server serving recorded and
//! synthesized responses: cookie bootstrap and renewal, paging, detail
//! fetches for relative times, retries, rate limit, circuit breaker.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use common::{Reply, Seen, TestServer, fixture, test_config, visitor_reply};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use xunjian_adapters::model::{CommentState, OutcomeClass};
use xunjian_adapters::weibo::WeiboClient;
use xunjian_adapters::{Adapter, FetchFailure, Secret};

const API: &str = "/api/container/getIndex";
const VISITOR: &str = "/visitor/genvisitor2";
const SHOW: &str = "/statuses/show";

fn sh(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Shanghai.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap().with_timezone(&Utc)
}

/// The synthesized timeline's "now": 2024-05-20 12:00 in Shanghai.
fn synth_now() -> DateTime<Utc> {
    sh(2024, 5, 20, 12, 0, 0)
}

/// A server that hands out numbered visitor sessions and routes the
/// synthesized two-page timeline, its post details and the profiles.
fn synth_routes(sessions: Arc<AtomicUsize>) -> impl Fn(&Seen) -> Reply + Send + Sync + 'static {
    move |req| match req.path.as_str() {
        VISITOR => visitor_reply(sessions.fetch_add(1, Ordering::SeqCst) + 1),
        API => match (req.param("containerid"), req.param("since_id"), req.param("value")) {
            (Some("1076037000000001"), None, _) => Reply::json(fixture("synth/timeline_relative_page1.json")),
            (Some("1076037000000001"), Some("4900000000000003"), _) => Reply::json(fixture("synth/timeline_relative_page2.json")),
            (None, _, Some("7000000001")) => Reply::json(fixture("synth/profile_gov_account.json")),
            _ => Reply::new(404, "text/html", "<title>404</title>"),
        },
        SHOW => match req.param("id") {
            Some("4900000000000002") => Reply::json(fixture("synth/status_show_relative_post.json")),
            Some("4900000000000010") => Reply::json(fixture("synth/status_show_repost_source.json")),
            _ => Reply::json(r#"{"ok":0,"msg":"抱歉，此微博已被作者删除"}"#),
        },
        _ => Reply::new(404, "text/html", "<title>404</title>"),
    }
}

fn client(cfg: &xunjian_adapters::WeiboConfig, cookie: Option<&str>) -> WeiboClient {
    WeiboClient::new(cfg, cookie.map(Secret::new)).unwrap().with_clock(Arc::new(synth_now))
}

#[tokio::test]
async fn visitor_cookie_is_bootstrapped_then_sent_with_honest_headers() {
    let server = TestServer::start(synth_routes(Arc::new(AtomicUsize::new(0)))).await;
    let c = client(&test_config(&server.base()), None);
    let profile = c.profile("7000000001").await.unwrap();
    assert_eq!(profile.value.profile.verified_type.as_deref(), Some("1"));
    assert_eq!(profile.source, "m.weibo.cn getIndex profile");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let visitor = &reqs[0];
    assert_eq!((visitor.method.as_str(), visitor.path.as_str()), ("POST", VISITOR));
    let form = String::from_utf8(visitor.body.clone()).unwrap();
    assert!(form.contains("cb=visitor_gray_callback") && form.contains("from=weibo"), "{form}");
    let api = &reqs[1];
    let cookie = api.header("Cookie").unwrap();
    // From Set-Cookie, and the JSONP's own data.sub does not override it.
    assert!(cookie.contains("SUB=visitor-1"), "{cookie}");
    assert!(cookie.contains("SUBP=0033WrSXqPxfM72-synthetic"), "{cookie}");
    assert_eq!(api.header("MWeibo-Pwa"), Some("1"));
    assert_eq!(api.header("X-Requested-With"), Some("XMLHttpRequest"));
    assert_eq!(api.header("Referer"), Some(format!("{}/u/7000000001", server.base()).as_str()));
    assert!(api.header("User-Agent").unwrap().contains("xunjian/"));
    assert_eq!(c.session_status().visitor_renewals, 1);
    // Evidence: the profile capture, named by its source.
    assert_eq!(profile.captures.len(), 1);
    assert_eq!(profile.captures[0].source, "m.weibo.cn getIndex profile");
    assert_eq!(profile.captures[0].body, fixture("synth/profile_gov_account.json"));
}

#[tokio::test]
async fn jsonp_only_visitor_answer_is_enough() {
    let server = TestServer::start(|req| match req.path.as_str() {
        VISITOR => Reply::new(200, "application/javascript", fixture("synth/genvisitor2_response.js")),
        _ => Reply::json(fixture("synth/profile_gov_account.json")),
    })
    .await;
    let c = client(&test_config(&server.base()), None);
    c.profile("7000000001").await.unwrap();
    let cookie = server.requests()[1].header("Cookie").unwrap().to_string();
    assert!(cookie.contains("SUB=_2AkMSYNTHETICvisitorSUBvalue"), "{cookie}");
}

#[tokio::test]
async fn minus_100_renews_once_for_many_concurrent_requests() {
    let sessions = Arc::new(AtomicUsize::new(0));
    let s2 = sessions.clone();
    // Session 1 is "expired" (-100); session 2 works.
    let server = TestServer::start(move |req| match req.path.as_str() {
        VISITOR => visitor_reply(s2.fetch_add(1, Ordering::SeqCst) + 1),
        _ if req.header("Cookie").is_some_and(|c| c.contains("SUB=visitor-2")) => {
            Reply::json(fixture("synth/profile_gov_account.json"))
        }
        _ => Reply::json(fixture("synth/ok_minus_100.json")),
    })
    .await;
    let c = Arc::new(client(&test_config(&server.base()), None));
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.profile("7000000001").await })
        })
        .collect();
    for t in tasks {
        let fetched = t.await.unwrap().unwrap();
        assert_eq!(fetched.value.profile.platform_id, "7000000001");
    }
    // One bootstrap and one renewal, however many requests saw -100.
    assert_eq!(server.hits(VISITOR), 2);
    assert_eq!(sessions.load(Ordering::SeqCst), 2);
    assert_eq!(c.session_status().visitor_renewals, 2);
}

#[tokio::test]
async fn renewal_cool_down_stops_a_storm() {
    let server = TestServer::start(|req| match req.path.as_str() {
        VISITOR => visitor_reply(1),
        _ => Reply::json(fixture("synth/ok_minus_100.json")),
    })
    .await;
    let mut cfg = test_config(&server.base());
    cfg.cookie_renewal_cooldown_secs = 3600;
    let c = client(&cfg, None);
    for _ in 0..5 {
        let failed = c.profile("7000000001").await.unwrap_err();
        assert_eq!(failed.class(), OutcomeClass::LoginRequired);
        assert!(failed.failure.to_string().contains("cool-down"), "{}", failed.failure);
    }
    assert_eq!(server.hits(VISITOR), 1, "only the bootstrap may reach the passport");
    assert_eq!(server.hits(API), 5);
}

#[tokio::test]
async fn operator_cookie_is_used_verbatim_and_its_expiry_reported() {
    let server = TestServer::start(|req| match req.path.as_str() {
        VISITOR => visitor_reply(1),
        _ if req.header("Cookie") == Some("SUB=operator-logged-in; SUBP=x") => {
            Reply::json(fixture("synth/profile_gov_account.json"))
        }
        _ => Reply::json(fixture("synth/ok_minus_100.json")),
    })
    .await;
    let cfg = test_config(&server.base());
    let good = client(&cfg, Some("SUB=operator-logged-in; SUBP=x"));
    good.profile("7000000001").await.unwrap();
    assert_eq!(good.session_status().source, "operator");

    let expired = client(&cfg, Some("SUB=operator-expired"));
    let failed = expired.profile("7000000001").await.unwrap_err();
    assert_eq!(failed.class(), OutcomeClass::LoginRequired);
    assert!(failed.failure.to_string().contains("operator-supplied Weibo cookie was rejected"), "{}", failed.failure);
    assert!(expired.session_status().operator_cookie_rejected_at.is_some());
    // Never a visitor session instead, and the secret is not in Debug.
    assert_eq!(server.hits(VISITOR), 0);
    assert!(!format!("{expired:?}").contains("operator-expired"));
}

#[tokio::test]
async fn timeline_pages_by_since_id_and_fetches_details_for_relative_times() {
    let server = TestServer::start(synth_routes(Arc::new(AtomicUsize::new(0)))).await;
    let mut cfg = test_config(&server.base());
    cfg.max_pages = 3;
    let c = client(&cfg, None);
    let fetched = c.timeline("7000000001").await.unwrap();
    let t = &fetched.value;
    assert!(fetched.incomplete.is_empty(), "{:?}", fetched.incomplete);

    // Paging: page 2 asked with page 1's since_id; page 2 has none, so stop.
    let pages: Vec<Option<String>> =
        server.requests().iter().filter(|r| r.path == API).map(|r| r.param("since_id").map(str::to_string)).collect();
    assert_eq!(pages, [None, Some("4900000000000003".to_string())]);
    assert_eq!(t.next_cursor, None);
    assert_eq!(t.total, Some(5120));
    let ids: Vec<&str> = t.posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["4900000000000001", "4900000000000002", "4900000000000003", "4900000000000004", "4900000000000005"]);

    // Details: one for the relative post, one for the repost's source.
    let shows: Vec<String> =
        server.requests().iter().filter(|r| r.path == SHOW).map(|r| r.param("id").unwrap().to_string()).collect();
    assert_eq!(shows, ["4900000000000002", "4900000000000010"]);
    let relative = &t.posts[1];
    assert_eq!(relative.published_at, sh(2024, 5, 20, 8, 47, 13));
    assert!(relative.published_at_exact);
    // The detail was fetched for the time; its full text comes along.
    assert!(!relative.text_truncated);
    assert!(relative.text.contains("6月为安全生产月"), "{}", relative.text);

    let repost = &t.posts[2];
    let src = repost.repost_of.as_ref().unwrap();
    assert_eq!(src.post_id, "4900000000000010");
    assert_eq!(src.author_name.as_deref(), Some("某省发布"));
    assert_eq!(src.published_at, Some(sh(2024, 5, 19, 17, 30, 42)));
    assert_eq!(repost.repost_delay().unwrap().num_seconds(), 16 * 3600 + 44 * 60 + 18);

    assert!(t.posts[0].is_pinned);
    assert_eq!(t.latest_unpinned().unwrap().id, "4900000000000003");
    assert_eq!(t.posts[3].comment_state, CommentState::Open);
    let deleted = t.posts[4].repost_of.as_ref().unwrap();
    assert_eq!((deleted.post_id.as_str(), deleted.available, deleted.author_id.as_deref()), ("4900000000000011", false, None));
    // Evidence for every response: 2 pages + 2 details.
    let sources: Vec<&str> = fetched.captures.iter().map(|c| c.source.as_str()).collect();
    assert_eq!(
        sources,
        ["m.weibo.cn getIndex timeline", "m.weibo.cn getIndex timeline", "m.weibo.cn statuses/show", "m.weibo.cn statuses/show"]
    );
}

/// Serves the real timeline capture; `statuses/show` answers with the
/// same card's mblog, and for the post whose `statuses/extend` capture we
/// have, with that full text in place of the cut-short one.
fn real_timeline_routes() -> impl Fn(&Seen) -> Reply + Send + Sync + 'static {
    let timeline: serde_json::Value = serde_json::from_slice(&fixture("m_getIndex_107603_timeline_pinned_retweet.json")).unwrap();
    let long: serde_json::Value = serde_json::from_slice(&fixture("m_statuses_extend_longtext.json")).unwrap();
    move |req| match req.path.as_str() {
        VISITOR => visitor_reply(1),
        SHOW => {
            let id = req.param("id").unwrap_or_default();
            let cards = timeline["data"]["cards"].as_array().unwrap();
            let Some(card) = cards.iter().find(|c| c["mblog"]["id"] == id) else {
                return Reply::json(r#"{"ok":0,"msg":"抱歉，此微博已被作者删除"}"#);
            };
            let mut mblog = card["mblog"].clone();
            if id == "4645748019299849" {
                mblog["text"] = long["data"]["longTextContent"].clone();
            }
            Reply::json(serde_json::to_vec(&serde_json::json!({"ok": 1, "data": mblog})).unwrap())
        }
        _ => Reply::json(fixture("m_getIndex_107603_timeline_pinned_retweet.json")),
    }
}

#[tokio::test]
async fn long_texts_are_fetched_only_when_configured_and_within_budget() {
    let server = TestServer::start(real_timeline_routes()).await;
    let c = client(&test_config(&server.base()), None);
    let t = c.timeline("6279793937").await.unwrap().value;
    // All times exact, long texts not asked for: no detail request.
    assert_eq!(server.hits(SHOW), 0);
    assert!(t.posts[0].text_truncated);
    assert_eq!(server.hits(API), 1, "max_pages = 1");
    assert_eq!(t.next_cursor.as_deref(), Some("4646131823281332"));

    let server = TestServer::start(real_timeline_routes()).await;
    let mut cfg = test_config(&server.base());
    cfg.detail_for_long_text = true;
    cfg.max_detail_fetches = 2;
    let t = client(&cfg, None).timeline("6279793937").await.unwrap().value;
    let shows: Vec<String> =
        server.requests().iter().filter(|r| r.path == SHOW).map(|r| r.param("id").unwrap().to_string()).collect();
    // The first two long posts (cards 0 and 1), then the budget is spent.
    assert_eq!(shows, ["4645748019299849", "4649031014551911"]);
    assert!(!t.posts[0].text_truncated);
    assert!(t.posts[0].text.contains("关注并转发本条微博"), "{}", t.posts[0].text);
    // Card 1's detail gave the same text again: still marked cut short.
    assert!(t.posts[1].text_truncated);
    assert!(t.posts[0].is_pinned, "the detail has no card; the timeline's pinned flag stays");
}

#[tokio::test]
async fn a_refused_detail_leaves_the_post_inexact_and_stops_further_details() {
    let server = TestServer::start(|req| match req.path.as_str() {
        VISITOR => visitor_reply(1),
        SHOW => Reply::new(200, "text/html", fixture("synth/captcha_page_200.html")),
        _ => Reply::json(fixture("synth/timeline_relative_page1.json")),
    })
    .await;
    let c = client(&test_config(&server.base()), None);
    let fetched = c.timeline("7000000001").await.unwrap();
    let p = &fetched.value.posts[1];
    assert!(!p.published_at_exact);
    assert_eq!(p.published_at, sh(2024, 5, 20, 9, 0, 0), "3小时前 at 12:00");
    assert_eq!(fetched.value.posts[2].repost_of.as_ref().unwrap().published_at, None);
    assert_eq!(fetched.incomplete.len(), 1);
    assert_eq!(fetched.incomplete[0].class(), OutcomeClass::Captcha);
    assert_eq!(server.hits(SHOW), 1, "no more details after a captcha");
    // The captcha page is evidence too.
    assert!(fetched.captures.iter().any(|c| c.body == fixture("synth/captcha_page_200.html")));
}

#[tokio::test]
async fn empty_timeline_is_decided_by_the_profile() {
    let no_content = fixture("m_getIndex_error_no_content.json");
    let server = TestServer::start(move |req| match (req.path.as_str(), req.param("value")) {
        (VISITOR, _) => visitor_reply(1),
        (API, Some("7000000009")) => Reply::json(fixture("synth/profile_zero_posts.json")),
        (API, Some("7000000001")) => Reply::json(fixture("synth/profile_gov_account.json")),
        (API, Some("7000000404")) => Reply::json(fixture("synth/ok0_user_does_not_exist_errno.json")),
        // A profile m.weibo.cn does not show (hidden or missing), and every timeline.
        _ => Reply::json(no_content.clone()),
    })
    .await;
    let c = client(&test_config(&server.base()), None);

    let zero = c.timeline("7000000009").await.unwrap();
    assert!(zero.value.posts.is_empty());
    assert_eq!(zero.value.total, Some(0));
    assert_eq!(zero.captures.len(), 2, "timeline and profile kept");

    let gone = c.timeline("7000000404").await.unwrap_err();
    assert_eq!(gone.class(), OutcomeClass::NotFound, "{}", gone.failure);

    // "这里还没有内容" from the profile too: hidden or missing, not decided.
    let unknown = c.timeline("7000000405").await.unwrap_err();
    assert_eq!(unknown.class(), OutcomeClass::LoginRequired, "{}", unknown.failure);

    // The profile shows 5120 posts: an empty page is not an empty timeline.
    let hidden = c.timeline("7000000001").await.unwrap_err();
    assert_eq!(hidden.class(), OutcomeClass::LoginRequired, "{}", hidden.failure);
}

#[tokio::test]
async fn account_reads_the_profile_then_the_tab_timeline() {
    let server = TestServer::start(synth_routes(Arc::new(AtomicUsize::new(0)))).await;
    let c = client(&test_config(&server.base()), None);
    let a = c.account("7000000001").await.unwrap();
    assert_eq!(a.value.profile.profile.verified_entity.as_deref(), Some("某市人民政府新闻办公室官方微博"));
    assert_eq!(a.value.profile.profile.followers, Some(123_000));
    assert_eq!(a.value.timeline.posts.len(), 3);
    assert_eq!(a.captures[0].source, "m.weibo.cn getIndex profile");
}

#[tokio::test]
async fn user_search_sends_the_type_3_containerid() {
    let server = TestServer::start(|req| match req.path.as_str() {
        VISITOR => visitor_reply(1),
        _ => Reply::json(fixture("synth/search_users_result.json")),
    })
    .await;
    let c = client(&test_config(&server.base()), None);
    let hits = c.search_users("某市发布").await.unwrap().value;
    let req = server.requests().into_iter().find(|r| r.path == API).unwrap();
    assert_eq!(req.param("containerid"), Some("100103type=3&q=某市发布"));
    assert_eq!(req.param("page_type"), Some("searchall"));
    let names: Vec<(&str, Option<&str>, Option<i64>)> =
        hits.iter().map(|h| (h.display_name.as_str(), h.verified_type.as_deref(), h.followers)).collect();
    assert_eq!(names, [("某市发布", Some("1"), Some(123_000)), ("某市发布厅", Some("-1"), Some(88)), ("某市发布官方", Some("0"), Some(1024))]);
    assert_eq!(hits[0].verified_entity.as_deref(), Some("某市人民政府新闻办公室官方微博"));
}

#[tokio::test]
async fn transient_failures_are_retried_and_answers_are_not() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = calls.clone();
    let server = TestServer::start(move |req| match (req.path.as_str(), req.param("value")) {
        (VISITOR, _) => visitor_reply(1),
        (_, Some("7000000001")) => match c2.fetch_add(1, Ordering::SeqCst) {
            0 => Reply::new(503, "text/html", "<title>503</title>"),
            1 => Reply::new(429, "text/plain", "").header("Retry-After", "0"),
            _ => Reply::json(fixture("synth/profile_gov_account.json")),
        },
        (_, Some("7000000404")) => Reply::json(fixture("synth/ok0_user_does_not_exist_errno.json")),
        _ => Reply::json(fixture("synth/other_shape_open_api_error.json")),
    })
    .await;
    let c = client(&test_config(&server.base()), None);
    let ok = c.profile("7000000001").await.unwrap();
    assert_eq!(ok.captures.iter().map(|c| c.http_status.unwrap()).collect::<Vec<_>>(), [503, 429, 200]);

    let before = server.hits(API);
    assert_eq!(c.profile("7000000404").await.unwrap_err().class(), OutcomeClass::NotFound);
    assert_eq!(c.profile("7000000555").await.unwrap_err().class(), OutcomeClass::ParseError);
    assert_eq!(server.hits(API) - before, 2, "NotFound and ParseError are never retried");
}

#[tokio::test]
async fn circuit_breaker_opens_after_repeated_blocks_and_stops_requests() {
    let server = TestServer::start(|req| match req.path.as_str() {
        VISITOR => visitor_reply(1),
        _ => Reply::new(403, "text/html", fixture("synth/http_403_forbidden.html")),
    })
    .await;
    let mut cfg = test_config(&server.base());
    cfg.policy.breaker_threshold = 3;
    let c = client(&cfg, None);
    for _ in 0..3 {
        assert_eq!(c.profile("7000000001").await.unwrap_err().class(), OutcomeClass::Blocked);
    }
    assert_eq!(c.breaker_status().state, "open");
    assert_eq!(c.breaker_status().times_opened, 1);
    let refused = c.profile("7000000001").await.unwrap_err();
    assert!(matches!(refused.failure, FetchFailure::CircuitOpen { .. }), "{}", refused.failure);
    assert_eq!(refused.class(), OutcomeClass::Blocked);
    assert!(refused.captures.is_empty());
    assert_eq!(server.hits(API), 3, "nothing sent while open");
    assert_eq!(c.health().breaker.state, "open");
}

#[tokio::test]
async fn circuit_breaker_lets_one_trial_through_after_cool_down() {
    let blocked = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let b2 = blocked.clone();
    let server = TestServer::start(move |req| match req.path.as_str() {
        VISITOR => visitor_reply(1),
        _ if b2.load(Ordering::SeqCst) => Reply::new(418, "text/plain", ""),
        _ => Reply::json(fixture("synth/profile_gov_account.json")),
    })
    .await;
    let mut cfg = test_config(&server.base());
    cfg.policy.breaker_threshold = 2;
    cfg.policy.breaker_cooldown_secs = 1;
    let c = client(&cfg, None);
    for _ in 0..2 {
        c.profile("7000000001").await.unwrap_err();
    }
    assert_eq!(c.breaker_status().state, "open");
    blocked.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(c.breaker_status().state, "half_open");
    c.profile("7000000001").await.unwrap();
    assert_eq!(c.breaker_status().state, "closed");
    assert_eq!(c.breaker_status().consecutive_refusals, 0);
}

#[tokio::test]
async fn requests_are_spaced_by_the_rate_limit() {
    let server = TestServer::start(|req| match req.path.as_str() {
        VISITOR => visitor_reply(1),
        _ => Reply::json(fixture("synth/profile_gov_account.json")),
    })
    .await;
    let mut cfg = test_config(&server.base());
    // 600/min with no burst: one request every 100 ms, visitor included.
    cfg.policy.requests_per_minute = 600;
    cfg.policy.burst = 1;
    let c = client(&cfg, None);
    for _ in 0..4 {
        c.profile("7000000001").await.unwrap();
    }
    let times: Vec<_> = server.requests().iter().map(|r| r.at).collect();
    assert_eq!(times.len(), 5);
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        // A lower bound only (with a little slack for clock granularity):
        // the limiter must never let two requests through back to back.
        assert!(gap >= Duration::from_millis(90), "gap {gap:?}");
    }
}
