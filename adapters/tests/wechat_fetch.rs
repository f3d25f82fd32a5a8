//! The WeChat fetch paths against a local HTTP server serving the real and
//! synthesized captures: article pages, Sogou (with its cookie jar and
//! anti-spider redirect), the feed and backend sources in the configured
//! order, token redaction, record mode.

mod common;
mod support;

use common::{Reply, Seen, TestServer};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use support::{feed, joined_article, platforms, wechat};
use xunjian_adapters::config::{PlatformsConfig, WechatSource};
use xunjian_adapters::model::{OutcomeClass, Platform};
use xunjian_adapters::wechat::WechatClient;
use xunjian_adapters::wechat::client::{SRC_ARTICLE, SRC_BACKEND_LIST, SRC_FEED, SRC_SOGOU};
use xunjian_adapters::{
    AccountRef, Adapter, Capability, FetchFailure, PlatformSecrets, Secret, Support, build_adapters, debug_fetch_target,
};

const TOKEN: &str = "1234567890";
const COOKIE: &str = "slave_user=gh_synthetic; slave_sid=SYNTHETICSESSION";
const BIZ: &str = "MzAwMDAwMDAwMQ==";

fn html(body: Vec<u8>) -> Reply {
    Reply::new(200, "text/html; charset=utf-8", body)
}

/// Routes: article pages by token, Sogou (anti-spider while `blocked`),
/// a WeChat feed, and the backend (expired unless the cookie is right).
fn routes(sogou_blocked: Arc<AtomicBool>) -> impl Fn(&Seen) -> Reply + Send + Sync + 'static {
    move |req| match req.path.as_str() {
        "/s/tr38EieqyftubIx2FMWUWw" => html(joined_article()),
        "/s/deleted" => html(wechat("article_deleted_by_author.html")),
        "/s/violation" => html(wechat("article_removed_violation.html")),
        "/s/unavailable" => html(wechat("article_temporarily_unavailable.html")),
        "/s/waf" => html(wechat("synth/article_waf_environment_abnormal.html")),
        "/sogou/weixin" if sogou_blocked.load(Ordering::SeqCst) => {
            Reply::new(302, "text/html", "").header("Location", "/antispider/?from=%2Fweixin%3Ftype%3D1")
        }
        "/sogou/weixin" => match req.param("query") {
            Some("nobody") => html(wechat("synth/sogou_weixin_search_no_result.html")),
            _ => html(wechat("synth/sogou_weixin_search_gov_accounts.html"))
                .header("Set-Cookie", "SNUID=SYNTHETICSNUID; path=/; domain=.sogou.com"),
        },
        "/feeds/wechat/hanbinfabu" => {
            Reply::new(200, "application/xml; charset=utf-8", feed("synth/rsshub_wechat_rss2.xml"))
        }
        "/feeds/wechat/broken" => Reply::new(503, "text/html", "<title>503</title>"),
        "/cgi-bin/searchbiz" if req.header("Cookie") == Some(COOKIE) => {
            Reply::json(wechat("synth/mp_searchbiz_ok.json"))
        }
        "/cgi-bin/appmsgpublish" if req.header("Cookie") == Some(COOKIE) => {
            Reply::json(wechat("synth/mp_appmsgpublish_ok.json"))
        }
        "/cgi-bin/searchbiz" | "/cgi-bin/appmsgpublish" => {
            Reply::json(wechat("synth/mp_appmsgpublish_session_expired_200003.json"))
        }
        _ => Reply::new(404, "text/html", "<title>404</title>"),
    }
}

fn client(cfg: &PlatformsConfig, cookie: Option<&str>) -> WechatClient {
    WechatClient::new(&cfg.wechat, &cfg.feed, cookie.map(Secret::new), cookie.map(|_| Secret::new(TOKEN))).unwrap()
}

#[tokio::test]
async fn articles_by_token_or_url_and_status_pages_do_not_trip_the_breaker() {
    let server = TestServer::start(routes(Arc::new(AtomicBool::new(false)))).await;
    let mut cfg = platforms(&server.base());
    cfg.wechat.policy.breaker_threshold = 2;
    let c = client(&cfg, None);
    let a = c.article("tr38EieqyftubIx2FMWUWw").await.unwrap();
    assert_eq!(a.value.user_name.as_deref(), Some("gh_2f5c59ad6e1e"));
    assert_eq!(a.source, SRC_ARTICLE);
    assert_eq!(a.captures.len(), 1);
    assert_eq!(a.captures[0].body, joined_article());
    assert_eq!(a.captures[0].source, SRC_ARTICLE);
    // A public URL is re-rooted on the configured base.
    let b = c.article("https://mp.weixin.qq.com/s/tr38EieqyftubIx2FMWUWw").await.unwrap();
    assert_eq!(b.value.post.published_at, a.value.post.published_at);
    assert!(matches!(
        c.article("https://evil.example/s/x").await.unwrap_err().failure,
        FetchFailure::ParseError { .. }
    ));
    // Status pages are WeChat answering: classified, kept, not counted as refusals.
    for _ in 0..3 {
        let gone = c.article("deleted").await.unwrap_err();
        assert_eq!(gone.class(), OutcomeClass::NotFound);
        assert_eq!(gone.captures[0].body, wechat("article_deleted_by_author.html"));
        assert_eq!(c.article("violation").await.unwrap_err().class(), OutcomeClass::Banned);
        assert_eq!(c.article("unavailable").await.unwrap_err().class(), OutcomeClass::Blocked);
    }
    assert_eq!(c.breaker_status().state, "closed");
    // The WAF is a refusal: two open the breaker, the third is not sent.
    for _ in 0..2 {
        assert_eq!(c.article("waf").await.unwrap_err().class(), OutcomeClass::Captcha);
    }
    let refused = c.article("waf").await.unwrap_err();
    assert!(matches!(refused.failure, FetchFailure::CircuitOpen { .. }), "{}", refused.failure);
    assert_eq!(server.hits("/s/waf"), 2);
}

#[tokio::test]
async fn sogou_latest_article_by_wechat_id_with_its_cookie_jar() {
    let server = TestServer::start(routes(Arc::new(AtomicBool::new(false)))).await;
    let c = client(&platforms(&server.base()), None);
    let t = c.timeline_of(&AccountRef::named("hanbinfabu", "汉滨发布")).await.unwrap();
    assert_eq!(t.source, SRC_SOGOU);
    assert_eq!(t.value.posts.len(), 1);
    assert_eq!(t.value.posts[0].text, "汉滨区召开2024年防汛工作部署会");
    assert_eq!(t.value.posts[0].published_at.timestamp(), 1_716_168_600);
    let p = c.profile_of(&AccountRef::new("hanbinfabu")).await.unwrap();
    assert_eq!(p.value.verified_entity.as_deref(), Some("安康市汉滨区人民政府办公室"));
    assert_eq!(p.value.platform_id, "hanbinfabu");
    // The profile reused the timeline's search page (one request, same evidence).
    assert_eq!(p.captures, t.captures);
    assert_eq!(server.hits("/sogou/weixin"), 1);
    let other = c.profile_of(&AccountRef::new("hb_news_2024")).await.unwrap();
    assert_eq!(other.value.verified, None);
    let reqs: Vec<Seen> = server.requests().into_iter().filter(|r| r.path == "/sogou/weixin").collect();
    assert_eq!(reqs.len(), 2);
    assert_eq!((reqs[0].param("type"), reqs[0].param("query")), (Some("1"), Some("hanbinfabu")));
    assert_eq!(reqs[0].header("Cookie"), None);
    // The cookie Sogou set is sent back.
    assert_eq!(reqs[1].header("Cookie"), Some("SNUID=SYNTHETICSNUID"));
    assert_eq!(reqs[1].header("Referer"), Some(format!("{}/sogou/", server.base()).as_str()));
    // Impostor search: every hit, the look-alike included.
    let hits = c.search_users("汉滨发布").await.unwrap();
    assert_eq!(hits.value.len(), 3);
    c.search_users("汉滨发布").await.unwrap();
    assert_eq!(server.hits("/sogou/weixin"), 3, "the second search reused the first");
    // A __biz with a name shared by two accounts cannot be decided.
    let amb = c.profile_of(&AccountRef::named(BIZ, "汉滨发布")).await.unwrap_err();
    assert_eq!(amb.class(), OutcomeClass::ParseError);
    // Sogou knows no such account: not "gone", and not "no posts".
    let miss = c.profile_of(&AccountRef::new("nobody")).await.unwrap_err();
    assert_eq!(miss.class(), OutcomeClass::ParseError);
    assert!(!miss.class().is_platform_answer());
}

#[tokio::test]
async fn anti_spider_falls_back_to_the_feed_and_the_observation_says_so() {
    let server = TestServer::start(routes(Arc::new(AtomicBool::new(true)))).await;
    let mut cfg = platforms(&server.base());
    cfg.feed.urls.insert("wechat:hanbinfabu".into(), format!("{}/feeds/wechat/hanbinfabu", server.base()));
    let c = client(&cfg, None);
    let t = c.timeline_of(&AccountRef::named("hanbinfabu", "汉滨发布")).await.unwrap();
    assert_eq!(t.source, SRC_FEED);
    assert_eq!(t.value.posts.len(), 3);
    // The same ids as the backend gives the same articles.
    assert_eq!(
        t.value.posts.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["2247490001_1", "2247490001_2", "2247489980_1"]
    );
    assert!(t.value.posts[0].alt_id.as_deref().unwrap().starts_with("https://mp.weixin.qq.com/s?__biz="));
    // Sogou's captcha is reported, and its capture kept, before the feed's.
    assert_eq!(t.incomplete.len(), 1);
    assert_eq!(t.incomplete[0].class(), OutcomeClass::Captcha);
    let sources: Vec<&str> = t.captures.iter().map(|c| c.source.as_str()).collect();
    assert_eq!(sources, [SRC_SOGOU, SRC_FEED]);
    assert_eq!(t.captures[0].http_status, Some(302));
    // The anti-spider redirect is not retried (not transient).
    assert_eq!(server.hits("/sogou/weixin"), 1);
    let health = c.source_status();
    assert!(health.iter().find(|s| s.source == SRC_SOGOU).unwrap().last_error.as_deref().unwrap().contains("captcha"));
}

#[tokio::test]
async fn every_source_failing_gives_the_last_class_with_the_others_noted_and_no_token_leaks() {
    let server = TestServer::start(routes(Arc::new(AtomicBool::new(true)))).await;
    let mut cfg = platforms(&server.base());
    cfg.feed.urls.insert(format!("wechat:{BIZ}"), format!("{}/feeds/wechat/broken", server.base()));
    let c = client(&cfg, Some("slave_user=gh_synthetic; slave_sid=EXPIRED"));
    let failed = c.timeline_of(&AccountRef::named(BIZ, "汉滨发布")).await.unwrap_err();
    // Sogou: captcha; feed: 503 (retried, then network); backend: 200003.
    assert_eq!(failed.class(), OutcomeClass::LoginRequired, "{}", failed.failure);
    assert_eq!(failed.source, SRC_BACKEND_LIST);
    let text = failed.failure.to_string();
    assert!(text.contains("earlier source sogou weixin search") && text.contains("earlier source feed"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
    let sources: Vec<&str> = failed.captures.iter().map(|c| c.source.as_str()).collect();
    assert_eq!(sources, [SRC_SOGOU, SRC_FEED, SRC_FEED, SRC_FEED, SRC_BACKEND_LIST]);
    let backend = failed.captures.last().unwrap();
    assert!(backend.url.contains("token=***") && !backend.url.contains(TOKEN), "{}", backend.url);
    let req = server.requests().into_iter().find(|r| r.path == "/cgi-bin/appmsgpublish").unwrap();
    assert_eq!(req.param("token"), Some(TOKEN));
    assert_eq!(req.param("fakeid"), Some(BIZ));
    // Expired session: reported for a person to fix; never retried.
    assert_eq!(server.hits("/cgi-bin/appmsgpublish"), 1);
    let health = c.health();
    let b = health.sources.iter().find(|s| s.source == SRC_BACKEND_LIST).unwrap();
    assert!(b.last_error.as_deref().unwrap().contains("replace wechat-mp-cookie"), "{:?}", b.last_error);
    assert!(!format!("{c:?}").contains("EXPIRED"));
}

#[tokio::test]
async fn backend_by_biz_or_by_wechat_id() {
    let server = TestServer::start(routes(Arc::new(AtomicBool::new(false)))).await;
    let mut cfg = platforms(&server.base());
    cfg.wechat.sources = vec![WechatSource::Backend];
    let c = client(&cfg, Some(COOKIE));
    let t = c.timeline_of(&AccountRef::new(BIZ)).await.unwrap();
    assert_eq!(t.source, SRC_BACKEND_LIST);
    assert_eq!(
        t.value.posts.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["2247490001_1", "2247490001_2", "2247489980_1"]
    );
    let req = &server.requests()[0];
    assert_eq!(
        (req.param("count"), req.param("sub_action"), req.param("type")),
        (Some("5"), Some("list_ex"), Some("101_1"))
    );
    assert_eq!(req.header("Cookie"), Some(COOKIE));
    // By 微信号: searchbiz finds the fakeid first.
    let t = c.timeline_of(&AccountRef::new("hanbinfabu")).await.unwrap();
    assert_eq!(t.captures.len(), 2);
    assert!(t.captures.iter().all(|c| !c.url.contains(TOKEN)));
    let last = server.requests().into_iter().rfind(|r| r.path == "/cgi-bin/appmsgpublish").unwrap();
    assert_eq!(last.param("fakeid"), Some(BIZ));
}

#[tokio::test]
async fn no_available_source_is_a_configuration_gap_not_no_posts() {
    let server = TestServer::start(routes(Arc::new(AtomicBool::new(false)))).await;
    let mut cfg = platforms(&server.base());
    cfg.wechat.sources = vec![WechatSource::Feed, WechatSource::Backend];
    let c = client(&cfg, None);
    let failed = c.timeline_of(&AccountRef::new(BIZ)).await.unwrap_err();
    match &failed.failure {
        FetchFailure::ParseError { field, detail, .. } => {
            assert_eq!(field, "platforms.wechat.sources");
            assert!(detail.contains("no feed URL") && detail.contains("no backend session"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    assert!(server.requests().is_empty());
    // Half a backend session is refused at start.
    assert!(WechatClient::new(&cfg.wechat, &cfg.feed, Some(Secret::new(COOKIE)), None).is_err());
}

#[tokio::test]
async fn build_adapters_adds_wechat_and_feed_adapters() {
    let server = TestServer::start(|req| match req.path.as_str() {
        "/douyin/user/MS4w%2Bx" | "/douyin/user/MS4w+x" => {
            Reply::new(200, "application/atom+xml", feed("synth/rsshub_douyin_atom.xml"))
        }
        _ => Reply::new(404, "text/plain", "no"),
    })
    .await;
    let mut cfg = platforms(&server.base());
    cfg.feed.templates.insert("douyin".into(), format!("{}/douyin/user/{{platform_id}}", server.base()));
    let adapters = build_adapters(&cfg, &PlatformSecrets::default()).unwrap();
    let platforms: Vec<Platform> = adapters.iter().map(|a| a.platform()).collect();
    assert_eq!(platforms, [Platform::Weibo, Platform::Wechat, Platform::Douyin]);
    let douyin = &adapters[2];
    assert_eq!(douyin.capabilities().support(Capability::Timeline), Support::Yes);
    assert_eq!(douyin.capabilities().support(Capability::PinnedFlag), Support::No);
    assert!(douyin.profile("MS4w+x").is_none());
    let t = douyin.timeline("MS4w+x").unwrap().await.unwrap();
    assert_eq!(t.value.posts.len(), 2);
    assert_eq!(t.source, "feed");
    let wechat = &adapters[1];
    assert_eq!(wechat.capabilities().support(Capability::CommentState), Support::No);
}

#[tokio::test]
async fn record_mode_returns_every_capture_of_answers_and_failures() {
    let server = TestServer::start(routes(Arc::new(AtomicBool::new(true)))).await;
    let cfg = platforms(&server.base());
    let secrets = PlatformSecrets::default();
    let ok = debug_fetch_target(&cfg, &secrets, "wechat", "article", "tr38EieqyftubIx2FMWUWw", None).await.unwrap();
    assert_eq!(ok.value["gh_id"], "gh_2f5c59ad6e1e");
    assert_eq!(ok.value["original"], true);
    assert_eq!(ok.captures.len(), 1);
    assert_eq!(ok.captures[0].body, joined_article());
    let (err, captures) =
        debug_fetch_target(&cfg, &secrets, "wechat", "account", "hanbinfabu", Some("汉滨发布")).await.unwrap_err();
    assert_eq!(err.to_json()["outcome"], "captcha");
    assert_eq!(captures.len(), 1);
    assert_eq!(captures[0].http_status, Some(302));
    let (usage, _) = debug_fetch_target(&cfg, &secrets, "wechat", "comments", "x", None).await.unwrap_err();
    assert!(matches!(usage, xunjian_adapters::DebugError::Usage(_)));
}
