//! The feed and portal fetch paths against a local HTTP server: redirects,
//! faults over HTTP (classified, kept as evidence, retried only when
//! transient), following matched notices, notice-list pages, record mode.

mod common;
mod support;

use common::{Reply, TestServer};
use support::{feed, platforms, portal};
use xunjian_adapters::feed::{FeedAdapter, FeedClient};
use xunjian_adapters::model::{OutcomeClass, Platform};
use xunjian_adapters::portal::{NoticeKind, PortalClient};
use xunjian_adapters::{Adapter, PlatformSecrets, debug_fetch_target};

#[tokio::test]
async fn feed_follows_redirects_and_keeps_every_response() {
    let server = TestServer::start(|req| match req.path.as_str() {
        "/wechat/hanbinfabu" => Reply::new(301, "text/html", "").header("Location", "/wechat/hanbinfabu.xml"),
        "/wechat/hanbinfabu.xml" => {
            Reply::new(200, "application/rss+xml; charset=utf-8", feed("synth/rsshub_wechat_rss2.xml"))
        }
        _ => Reply::new(404, "text/plain", "no"),
    })
    .await;
    let cfg = platforms(&server.base());
    let c = FeedClient::new(&cfg.feed, Platform::Wechat).unwrap();
    let f = c.fetch(&format!("{}/wechat/hanbinfabu", server.base())).await.unwrap();
    assert_eq!(f.value.items.len(), 3);
    assert_eq!(f.source, "feed");
    assert_eq!(f.captures.iter().map(|c| c.http_status).collect::<Vec<_>>(), [Some(301), Some(200)]);
    assert!(server.requests()[0].header("Accept").unwrap().contains("application/rss+xml"));
    // An account without a URL is a configuration gap.
    let gap = c.timeline("gh_unknown").await.unwrap_err();
    assert_eq!(gap.class(), OutcomeClass::ParseError);
    assert!(gap.failure.to_string().contains("no feed URL configured"), "{}", gap.failure);
}

#[tokio::test]
async fn feed_faults_over_http() {
    let rss = feed("synth/rsshub_wechat_rss2.xml");
    let cases: Vec<(&str, Reply, OutcomeClass, usize)> = vec![
        (
            "RSSHub error page with 200",
            Reply::new(200, "text/html", feed("synth/rsshub_error_page_upstream_403.html")),
            OutcomeClass::Blocked,
            1,
        ),
        (
            "login page with 200",
            Reply::new(200, "text/html", feed("synth/feed_service_login_page_200.html")),
            OutcomeClass::LoginRequired,
            1,
        ),
        ("empty body", Reply::new(200, "application/xml", ""), OutcomeClass::NetworkError, 3),
        (
            "truncated XML",
            Reply::new(200, "application/xml", rss[..rss.len() / 2].to_vec()),
            OutcomeClass::NetworkError,
            3,
        ),
        ("HTTP 429", Reply::new(429, "text/plain", "").header("Retry-After", "600"), OutcomeClass::Throttled, 1),
        ("HTTP 403", Reply::new(403, "text/html", portal("synth/http_403_forbidden.html")), OutcomeClass::Blocked, 1),
        ("HTTP 404", Reply::new(404, "text/html", "<h1>Not Found</h1>"), OutcomeClass::ParseError, 1),
    ];
    for (name, reply, expect, attempts) in cases {
        let body = reply.body.clone();
        let status = reply.status;
        let server = TestServer::start(move |_| reply.clone()).await;
        let cfg = platforms(&server.base());
        let c = FeedClient::new(&cfg.feed, Platform::Douyin).unwrap();
        let failed = c.fetch(&format!("{}/feed", server.base())).await.unwrap_err();
        assert_eq!(failed.class(), expect, "{name}: {}", failed.failure);
        assert!(!failed.class().is_platform_answer(), "{name}");
        assert_eq!(server.hits("/feed"), attempts, "{name}: attempts");
        assert!(failed.captures.iter().all(|c| c.body == body && c.http_status == Some(status)), "{name}");
        assert_eq!(failed.captures.len(), attempts, "{name}");
    }
}

#[tokio::test]
async fn feed_adapter_timeline_from_a_template() {
    let server = TestServer::start(|req| match req.path.as_str() {
        "/toutiao/user/token/MS4wLjABAAAA" => {
            Reply::new(200, "application/feed+json", feed("synth/rsshub_toutiao_jsonfeed.json"))
        }
        _ => Reply::new(404, "text/plain", "no"),
    })
    .await;
    let mut cfg = platforms(&server.base());
    cfg.feed.templates.insert("toutiao".into(), format!("{}/toutiao/user/token/{{platform_id}}", server.base()));
    let a = FeedAdapter::new(&cfg.feed, Platform::Toutiao).unwrap();
    let t = a.timeline("MS4wLjABAAAA").unwrap().await.unwrap();
    assert_eq!(t.value.posts.len(), 3);
    assert_eq!(a.health().breaker.platform, Platform::Toutiao);
}

fn portal_routes() -> impl Fn(&common::Seen) -> Reply + Send + Sync + 'static {
    |req| match req.path.as_str() {
        "/" => Reply::new(302, "text/html", "").header("Location", "/index.html"),
        // GBK declared only in <meta>: served without a charset.
        "/index.html" => Reply::new(200, "text/html", portal("synth/home_gbk_with_notice.html")),
        "/utf8.html" => Reply::new(200, "text/html; charset=utf-8", portal("synth/home_utf8_without_notice.html")),
        "/zwgk/tzgg/" => {
            Reply::new(200, "text/html; charset=utf-8", portal("synth/home_utf8_notice_in_side_column.html"))
        }
        "/zwgk/tzgg/202405/t20240520_100020.html" => Reply::new(200, "text/html", portal("synth/notice_page_gbk.html")),
        "/zwgk/tzgg/202405/t20240510_100022.html" => {
            Reply::new(403, "text/html", portal("synth/http_403_forbidden.html"))
        }
        "/waf.html" => Reply::new(412, "text/html", portal("synth/waf_ruishu_challenge_412.html")),
        "/waf200.html" => Reply::new(200, "text/html; charset=utf-8", portal("synth/waf_chuangyu_block_200.html")),
        _ => Reply::new(404, "text/html", "<title>404</title>"),
    }
}

#[tokio::test]
async fn portal_check_finds_the_prominent_notice_and_reads_its_date() {
    let server = TestServer::start(portal_routes()).await;
    let home = format!("{}/", server.base());
    let mut cfg = platforms(&server.base());
    cfg.portal.notice_lists.insert(home.clone(), vec![format!("{}/zwgk/tzgg/", server.base())]);
    let c = PortalClient::new(&cfg.portal, Platform::Wechat).unwrap();
    let check = c.check(&home, "汉滨发布").await.unwrap();
    assert_eq!(check.source, "portal homepage");
    let v = &check.value;
    assert_eq!(v.home.url, format!("{}/index.html", server.base()), "the redirect was followed");
    assert_eq!(v.mentions.len(), 1);
    assert_eq!(v.mentions[0].kind, NoticeKind::Opening);
    assert!(v.mentions[0].item.prominent);
    // The list page mentions it too (the same notice).
    assert_eq!(v.lists.len(), 1);
    assert_eq!(v.list_mentions.len(), 1);
    // Opened once, its own date read.
    assert_eq!(v.notices.len(), 1);
    assert_eq!(v.notices[0].published_on, chrono::NaiveDate::from_ymd_opt(2024, 5, 20));
    assert_eq!(server.hits("/zwgk/tzgg/202405/t20240520_100020.html"), 1);
    let sources: Vec<&str> = check.captures.iter().map(|c| c.source.as_str()).collect();
    assert_eq!(sources, ["portal homepage", "portal homepage", "portal notice list", "portal notice page"]);
    assert!(check.incomplete.is_empty());

    // The closing notice of another account: its page refuses us; the
    // homepage answer stands and the refusal is reported.
    let check = c.check(&home, "安康发布").await.unwrap();
    assert_eq!(check.value.mentions[0].kind, NoticeKind::Closing);
    assert!(check.value.notices.is_empty());
    assert_eq!(check.incomplete.len(), 1);
    assert_eq!(check.incomplete[0].class(), OutcomeClass::Blocked);

    // No notice on the page: an answer with no mentions.
    let none = c.check(&format!("{}/utf8.html", server.base()), "汉滨发布").await.unwrap();
    assert!(none.value.mentions.is_empty() && none.value.notices.is_empty());
}

#[tokio::test]
async fn portal_refusals_are_classified() {
    let server = TestServer::start(portal_routes()).await;
    let cfg = platforms(&server.base());
    let c = PortalClient::new(&cfg.portal, Platform::Wechat).unwrap();
    let waf = c.check(&format!("{}/waf.html", server.base()), "汉滨发布").await.unwrap_err();
    assert_eq!(waf.class(), OutcomeClass::Blocked);
    assert_eq!(waf.captures[0].http_status, Some(412));
    let waf = c.page(&format!("{}/waf200.html", server.base())).await.unwrap_err();
    assert_eq!(waf.class(), OutcomeClass::Blocked);
    let missing = c.page(&format!("{}/nothing.html", server.base())).await.unwrap_err();
    assert_eq!(missing.class(), OutcomeClass::ParseError, "a 404 is a wrong URL, not a missing notice");
    let bad = c.page("ftp://x/").await.unwrap_err();
    assert_eq!(bad.class(), OutcomeClass::ParseError);
}

#[tokio::test]
async fn record_mode_for_feed_and_portal() {
    let server = TestServer::start(|req| match req.path.as_str() {
        "/feed" => Reply::new(200, "application/xml", feed("synth/rsshub_wechat_rss2.xml")),
        "/index.html" => Reply::new(200, "text/html", portal("synth/home_gbk_with_notice.html")),
        "/zwgk/tzgg/202405/t20240520_100020.html" => Reply::new(200, "text/html", portal("synth/notice_page_gbk.html")),
        _ => Reply::new(404, "text/html", "<title>404</title>"),
    })
    .await;
    let cfg = platforms(&server.base());
    let s = PlatformSecrets::default();
    let f = debug_fetch_target(&cfg, &s, "feed", "timeline", &format!("{}/feed", server.base()), None).await.unwrap();
    assert_eq!(f.value["posts"].as_array().unwrap().len(), 3);
    assert_eq!(f.captures[0].body, feed("synth/rsshub_wechat_rss2.xml"));
    let p = debug_fetch_target(&cfg, &s, "portal", "home", &format!("{}/index.html", server.base()), Some("汉滨发布"))
        .await
        .unwrap();
    assert_eq!(p.value["mentions"][0]["kind"], "opening");
    assert_eq!(p.value["notices"][0]["published_on"], "2024-05-20");
    assert_eq!(p.captures.len(), 2);
    let (e, captures) = debug_fetch_target(&cfg, &s, "feed", "timeline", &format!("{}/missing", server.base()), None)
        .await
        .unwrap_err();
    assert_eq!(e.to_json()["outcome"], "parse_error");
    assert_eq!(captures.len(), 1);
}

/// A capture's time is the injected clock's (the daemon's: a simulated run's
/// evidence carries simulated times), for good reads and failed ones, on
/// feeds and portals alike.
#[tokio::test]
async fn captures_are_stamped_with_the_injected_clock() {
    use chrono::TimeZone;
    let server = TestServer::start(|req| match req.path.as_str() {
        "/feed" => Reply::new(200, "application/rss+xml; charset=utf-8", feed("synth/rsshub_wechat_rss2.xml")),
        _ => Reply::new(403, "text/html", portal("synth/http_403_forbidden.html")),
    })
    .await;
    let cfg = platforms(&server.base());
    let at = chrono::Utc.with_ymd_and_hms(2020, 1, 2, 3, 4, 5).unwrap();
    let clock: xunjian_adapters::weibo::Clock = std::sync::Arc::new(move || at);
    let c = FeedClient::new(&cfg.feed, Platform::Wechat).unwrap().with_clock(clock.clone());
    let good = c.fetch(&format!("{}/feed", server.base())).await.unwrap();
    assert!(!good.captures.is_empty());
    assert!(good.captures.iter().all(|c| c.fetched_at == at), "{:?}", good.captures[0].fetched_at);
    let failed = c.fetch(&format!("{}/blocked", server.base())).await.unwrap_err();
    assert!(!failed.captures.is_empty());
    assert!(failed.captures.iter().all(|c| c.fetched_at == at));
    let p = PortalClient::new(&cfg.portal, Platform::Weibo).unwrap().with_clock(clock);
    let failed = p.page(&format!("{}/portal", server.base())).await.unwrap_err();
    assert!(!failed.captures.is_empty());
    assert!(failed.captures.iter().all(|c| c.fetched_at == at));
    // Without a clock, the machine's.
    let real = FeedClient::new(&cfg.feed, Platform::Wechat).unwrap();
    let good = real.fetch(&format!("{}/feed", server.base())).await.unwrap();
    assert!(good.captures.iter().all(|c| (chrono::Utc::now() - c.fetched_at).num_seconds().abs() < 60));
}
