//! What a feed proves and what it does not: RSSHub's error pages (never a
//! panic, the upstream's captcha or refusal classified even under 503),
//! empty feeds (unresolved, never "no posts"), the feed's own freshness,
//! and the account the feed names (another account's feed is
//! `wrong_account`).

mod common;
mod support;

use chrono::{TimeZone, Utc};
use common::{Reply, TestServer};
use support::{feed, platforms};
use xunjian_adapters::feed::parse::{feed_timeline, parse_feed_response};
use xunjian_adapters::feed::{FeedClient, StatedAccount, stated_account};
use xunjian_adapters::model::{Completeness, OutcomeClass, Platform};
use xunjian_adapters::weibo::ResponseMeta;
use xunjian_adapters::{FetchFailure, ParseOptions, parse_target_file};

fn meta(status: u16) -> ResponseMeta<'static> {
    ResponseMeta { status, content_type: Some("text/html; charset=utf-8"), location: None, retry_after_secs: None }
}

fn class_of(status: u16, body: &[u8]) -> OutcomeClass {
    parse_feed_response(&meta(status), body, "u").unwrap_err().class()
}

/// The bytes that made `debug parse feed` exit 101: the `<code` tag of the
/// error message is cut before its `>`, so the first `>` is the one of
/// `</code>` and the message would run from after `</code>` to before it.
const CODE_TAG_LEFT_OPEN: &[u8] = b"<!DOCTYPE html><html><body><h1>Looks like something went wrong</h1>\
<p class=\"message\">Error Message:<br><code class=\"details</code></p></body></html>";

#[test]
fn rsshub_error_page_with_its_code_tag_left_open_is_classified_not_a_panic() {
    // No message can be read: an error page of the feed service all the
    // same, never a feed and never a crash.
    for status in [200, 503] {
        let f = parse_feed_response(&meta(status), CODE_TAG_LEFT_OPEN, "u").unwrap_err();
        assert_eq!(f.class(), OutcomeClass::NetworkError, "{status}: {f}");
    }
    // Every prefix of a real-shaped error page, at 200 and 503: classified,
    // never a panic (a cut can fall anywhere, also inside `<code`).
    for page in [feed("synth/rsshub_error_page_upstream_403.html"), feed("synth/rsshub_error_page_douyin_captcha_503.html")] {
        for cut in 0..=page.len() {
            for status in [200, 503] {
                assert!(parse_feed_response(&meta(status), &page[..cut], "u").is_err(), "cut {cut}");
            }
        }
    }
}

#[test]
fn rsshub_relaying_the_platforms_captcha_is_a_captcha_even_with_503() {
    // Current error page (message in a <code>), as RSSHub serves it: 503.
    let current = feed("synth/rsshub_error_page_douyin_captcha_503.html");
    assert_eq!(class_of(503, &current), OutcomeClass::Captcha);
    assert_eq!(class_of(200, &current), OutcomeClass::Captcha);
    // The 2019–2023 page: "Error message: 验证码中间页" on its own line.
    let plain = feed("synth/rsshub_error_page_2023_plain_captcha.html");
    assert_eq!(class_of(503, &plain), OutcomeClass::Captcha);
    let f = parse_feed_response(&meta(503), &plain, "u").unwrap_err();
    assert!(f.to_string().contains("验证码中间页") && !f.to_string().contains("Helpful"), "{f}");
    // The upstream's 403 under RSSHub's 503 is the platform refusing.
    assert_eq!(class_of(503, &feed("synth/rsshub_error_page_upstream_403.html")), OutcomeClass::Blocked);
    // A timeout names nothing of the platform: a server error, as before.
    assert_eq!(class_of(503, &feed("synth/rsshub_error_page_timeout.html")), OutcomeClass::NetworkError);
    // "403" inside an id of the URL is not an upstream status.
    let id_with_403 = String::from_utf8(feed("synth/rsshub_error_page_upstream_403.html"))
        .unwrap()
        .replace("aweme/post/&quot;: 403 Forbidden", "aweme/post/?uid=1403403&quot;: 500 Internal Server Error");
    assert_eq!(class_of(503, id_with_403.as_bytes()), OutcomeClass::NetworkError);
    // A 503 that is not RSSHub's page stays a server error.
    assert_eq!(class_of(503, b"<html><head><title>503</title></head><body>nginx</body></html>"), OutcomeClass::NetworkError);
}

#[test]
fn an_empty_feed_proves_nothing_and_says_how_fresh_it_is() {
    let now = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
    let rss = parse_feed_response(&ResponseMeta::OK, &feed("synth/rsshub_weibo_rss2_no_items.xml"), "u").unwrap();
    let t = feed_timeline(&rss, now);
    assert!(t.posts.is_empty());
    assert_eq!((t.more, t.total, t.next_cursor.as_deref()), (None, None, None));
    assert_eq!(t.completeness(), Completeness::Unresolved);
    assert_eq!(t.source_updated_at, Some(Utc.with_ymd_and_hms(2024, 5, 20, 4, 0, 0).unwrap()));
    assert_eq!(t.owner.as_deref(), Some("5000000001"));

    let json =
        parse_feed_response(&ResponseMeta::OK, &feed("synth/rsshub_bilibili_jsonfeed_no_items.json"), "u").unwrap();
    let t = feed_timeline(&json, now);
    assert_eq!(t.completeness(), Completeness::Unresolved);
    // JSON Feed has no feed-level time: unknown, never "now".
    assert_eq!(t.source_updated_at, None);
    assert_eq!(t.owner.as_deref(), Some("3000000002"));

    // A feed with items is still a window: it reaches back, never says more.
    let wechat = parse_feed_response(&ResponseMeta::OK, &feed("synth/rsshub_wechat_rss2.xml"), "u").unwrap();
    let t = feed_timeline(&wechat, now);
    assert_eq!(t.more, None);
    assert!(matches!(t.completeness(), Completeness::ReachesBack { .. }));
}

#[test]
fn feed_freshness_is_read_from_the_feed_itself() {
    let at = |b: &[u8]| parse_feed_response(&ResponseMeta::OK, b, "u").unwrap().updated.map(|t| t.at);
    // RSSHub RSS: lastBuildDate (its render / cache time).
    assert_eq!(at(&feed("synth/rsshub_wechat_rss2.xml")), Some(Utc.with_ymd_and_hms(2024, 5, 20, 4, 0, 0).unwrap()));
    // RSSHub Atom and wewe-rss Atom: the feed's <updated>, not an entry's.
    assert_eq!(at(&feed("synth/rsshub_douyin_atom.xml")), Some(Utc.with_ymd_and_hms(2024, 5, 20, 4, 0, 0).unwrap()));
    assert_eq!(at(&feed("synth/wewe_rss_wechat_atom.xml")), Some(Utc.with_ymd_and_hms(2024, 5, 20, 1, 30, 0).unwrap()));
    // No lastBuildDate: the channel pubDate; an item's pubDate is not the channel's.
    let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
        <pubDate>Tue, 14 May 2024 00:00:00 GMT</pubDate>
        <item><title>x</title><pubDate>Mon, 20 May 2024 00:00:00 GMT</pubDate></item></channel></rss>"#;
    assert_eq!(at(rss), Some(Utc.with_ymd_and_hms(2024, 5, 14, 0, 0, 0).unwrap()));
    let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
        <item><title>x</title><pubDate>Mon, 20 May 2024 00:00:00 GMT</pubDate></item></channel></rss>"#;
    assert_eq!(at(rss), None);
}

#[test]
fn the_account_a_feed_names() {
    let parse = |b: &[u8]| parse_feed_response(&ResponseMeta::OK, b, "u").unwrap();
    let stated = |p: Platform, id: &str| Some(StatedAccount { platform: p, id: id.into() });
    // RSSHub WeChat: every article link carries the same __biz.
    assert_eq!(stated_account(&parse(&feed("synth/rsshub_wechat_rss2.xml"))), stated(Platform::Wechat, "MzAwMDAwMDAwMQ=="));
    // RSSHub Douyin: alternate link, self route and <id> agree.
    assert_eq!(
        stated_account(&parse(&feed("synth/rsshub_douyin_atom.xml"))),
        stated(Platform::Douyin, "MS4wLjABAAAAsyntheticSecUid000000000000000000000000000")
    );
    assert_eq!(stated_account(&parse(&feed("synth/rsshub_weibo_rss2_no_items.xml"))), stated(Platform::Weibo, "5000000001"));
    // wewe-rss names its own feed id (MP_WXS_…), which maps to no id the
    // registry holds, and short article links: no statement.
    assert_eq!(stated_account(&parse(&feed("synth/wewe_rss_wechat_atom.xml"))), None);
    // Two accounts named (channel link vs self route): no statement at all.
    let split = br#"<?xml version="1.0"?><rss xmlns:atom="http://www.w3.org/2005/Atom" version="2.0"><channel>
        <title>t</title><link>https://weibo.com/5000000001/</link>
        <atom:link href="http://127.0.0.1:1200/weibo/user/5000000002" rel="self"/></channel></rss>"#;
    assert_eq!(stated_account(&parse(split)), None);
    // Articles of two __biz: no statement.
    let mixed = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
        <item><title>a</title><link>https://mp.weixin.qq.com/s?__biz=MzAwMDAwMDAwMQ==&amp;mid=1&amp;idx=1</link></item>
        <item><title>b</title><link>https://mp.weixin.qq.com/s?__biz=MzAwMDAwMDAwOQ==&amp;mid=2&amp;idx=1</link></item>
        </channel></rss>"#;
    assert_eq!(stated_account(&parse(mixed)), None);
}

#[tokio::test]
async fn another_accounts_feed_is_wrong_account_with_its_evidence() {
    let server = TestServer::start(|req| match req.path.as_str() {
        // A proxy answering every Weibo route with one user's cached feed.
        p if p.starts_with("/weibo/user/") => {
            Reply::new(200, "application/rss+xml; charset=utf-8", feed("synth/rsshub_weibo_rss2_no_items.xml"))
        }
        p if p.starts_with("/wechat/") => {
            Reply::new(200, "application/rss+xml; charset=utf-8", feed("synth/rsshub_wechat_rss2.xml"))
        }
        _ => Reply::new(404, "text/plain", "no"),
    })
    .await;
    let mut cfg = platforms(&server.base());
    cfg.feed.templates.insert("weibo".into(), format!("{}/weibo/user/{{platform_id}}", server.base()));
    cfg.feed.templates.insert("wechat".into(), format!("{}/wechat/{{platform_id}}", server.base()));

    let weibo = FeedClient::new(&cfg.feed, Platform::Weibo).unwrap();
    let ok = weibo.timeline("5000000001").await.unwrap();
    assert_eq!(ok.value.owner.as_deref(), Some("5000000001"));
    let wrong = weibo.timeline("5000000009").await.unwrap_err();
    assert_eq!(wrong.class(), OutcomeClass::WrongAccount, "{}", wrong.failure);
    assert!(!wrong.class().is_platform_answer());
    match &wrong.failure {
        FetchFailure::WrongAccount { expected, found, .. } => {
            assert_eq!((expected.as_str(), found.as_str()), ("5000000009", "5000000001"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(wrong.captures.len(), 1, "the answer is kept as evidence");

    let wechat = FeedClient::new(&cfg.feed, Platform::Wechat).unwrap();
    let ok = wechat.timeline("MzAwMDAwMDAwMQ==").await.unwrap();
    assert_eq!(ok.value.owner.as_deref(), Some("MzAwMDAwMDAwMQ=="));
    assert_eq!(wechat.timeline("MzAwMDAwMDAwOQ==").await.unwrap_err().class(), OutcomeClass::WrongAccount);
    // Registered by 微信号: nothing public maps it to a __biz, so the
    // feed's __biz is recorded but neither proves nor refutes the account.
    let by_wxid = wechat.timeline("hanbinfabu").await.unwrap();
    assert_eq!(by_wxid.value.owner.as_deref(), Some("MzAwMDAwMDAwMQ=="));
    assert_eq!(by_wxid.value.posts.len(), 3);
}

#[test]
fn debug_parse_feed_compares_only_ids_of_one_kind() {
    let now = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
    let opts = |id: &str| ParseOptions { expect_id: Some(id.into()), ..ParseOptions::default() };
    let body = feed("synth/rsshub_weibo_rss2_no_items.xml");
    let v = parse_target_file("feed", "timeline", &body, now, None, &opts("5000000001")).unwrap();
    assert_eq!(v["completeness"]["completeness"], "unresolved");
    assert_eq!(v["source_updated_at"], "2024-05-20T04:00:00Z");
    let f = parse_target_file("feed", "timeline", &body, now, None, &opts("5000000009")).unwrap_err();
    assert_eq!(f.to_json()["outcome"], "wrong_account");
    let wechat = feed("synth/rsshub_wechat_rss2.xml");
    assert!(parse_target_file("feed", "timeline", &wechat, now, None, &opts("hanbinfabu")).is_ok());
    let f = parse_target_file("feed", "timeline", &wechat, now, None, &opts("MzAwMDAwMDAwOQ==")).unwrap_err();
    assert_eq!(f.to_json()["outcome"], "wrong_account");
    // The 503 captcha page through debug parse, as the daemon would see it.
    let opts503 = ParseOptions { status: Some(503), ..ParseOptions::default() };
    let f = parse_target_file("feed", "feed", &feed("synth/rsshub_error_page_douyin_captcha_503.html"), now, None, &opts503)
        .unwrap_err();
    assert_eq!(f.to_json()["outcome"], "captcha");
}
