//! What WeChat answers prove: refusal pages of any size, the account the
//! backend's article list states (`__biz`), and which Sogou result is the
//! registered account by each identifier the registry holds.

mod common;
mod support;

use common::{Reply, TestServer};
use support::{platforms, wechat};
use xunjian_adapters::config::WechatSource;
use xunjian_adapters::model::{Completeness, OutcomeClass, Platform, SearchHit};
use xunjian_adapters::wechat::WechatClient;
use xunjian_adapters::wechat::about::parse_about_response;
use xunjian_adapters::wechat::article::classify_article_response;
use xunjian_adapters::wechat::backend::{foreign_biz, parse_appmsgpublish, stated_biz};
use xunjian_adapters::wechat::client::SRC_BACKEND_LIST;
use xunjian_adapters::wechat::sogou::{SogouAccount, is_registered_hit, parse_sogou_search, pick_account};
use xunjian_adapters::weibo::ResponseMeta;
use xunjian_adapters::{AccountRef, FetchFailure, ParseOptions, Secret, parse_file};

const BIZ: &str = "MzAwMDAwMDAwMQ==";
const OTHER_BIZ: &str = "MzAwMDAwMDAwOQ==";
const TOKEN: &str = "1234567890";
const COOKIE: &str = "slave_user=gh_synthetic; slave_sid=SYNTHETICSESSION";

#[test]
fn waf_page_in_the_full_template_is_a_captcha_whatever_its_size() {
    let body = wechat("synth/article_waf_environment_abnormal_full_template.html");
    // The point of the fixture: above the 40,000-byte "small page" limit
    // the generic refusal check uses.
    assert!(body.len() > 40_000, "{}", body.len());
    let f = classify_article_response(&ResponseMeta::OK, &body, "u").unwrap_err();
    assert_eq!(f.class(), OutcomeClass::Captcha, "{f}");
    assert!(f.to_string().contains("环境异常"), "{f}");
    // The same page where the 关于公众号 page was expected.
    assert_eq!(parse_about_response(&ResponseMeta::OK, &body, "u").unwrap_err().class(), OutcomeClass::Captcha);
    // Beyond the scan cap nothing is read: a marker after 1 MB of padding
    // is not trusted, the page stays "not understood".
    let mut far = vec![b' '; (1 << 20) + 10];
    far.splice(0..0, b"<html><body>".iter().copied());
    far.extend_from_slice("环境异常</body></html>".as_bytes());
    assert_eq!(classify_article_response(&ResponseMeta::OK, &far, "u").unwrap_err().class(), OutcomeClass::ParseError);
}

#[test]
fn open_in_the_wechat_client_is_a_login_wall() {
    let body = wechat("synth/article_open_in_wechat_client.html");
    let f = classify_article_response(&ResponseMeta::OK, &body, "u").unwrap_err();
    assert_eq!(f.class(), OutcomeClass::LoginRequired, "{f}");
    assert!(!f.class().is_platform_answer());
    assert_eq!(parse_about_response(&ResponseMeta::OK, &body, "u").unwrap_err().class(), OutcomeClass::LoginRequired);
    // A refusal text inside a real article is the article's text.
    let article = String::from_utf8(support::joined_article()).unwrap();
    let with_text = article.replacen("</h1>", "请在微信客户端打开链接 环境异常</h1>", 1);
    assert!(classify_article_response(&ResponseMeta::OK, with_text.as_bytes(), "u").is_ok());
}

#[test]
fn refusal_scan_survives_a_multibyte_character_at_the_cap() {
    // 汉 (3 bytes) straddling byte 1 MB: the cap moves to a char boundary.
    let mut page = String::from("<html><body>");
    while page.len() <= 1 << 20 {
        page.push('汉');
    }
    page.push_str("</body></html>");
    assert!(!page.is_char_boundary(1 << 20), "the cap must fall inside a character for this test");
    assert!(classify_article_response(&ResponseMeta::OK, page.as_bytes(), "u").is_err());
}

#[test]
fn backend_list_states_its_biz_and_how_far_it_reaches() {
    let t = parse_appmsgpublish(&wechat("synth/mp_appmsgpublish_ok.json"), "u").unwrap();
    assert_eq!(t.owner.as_deref(), Some(BIZ));
    // total_count 3, three publish entries listed: nothing more.
    assert_eq!(t.more, Some(false));
    assert!(matches!(t.completeness(), Completeness::ReachesBack { .. }));
    assert_eq!(foreign_biz(&t.posts, BIZ), None);

    let mixed = parse_appmsgpublish(&wechat("synth/mp_appmsgpublish_other_biz_article.json"), "u").unwrap();
    // Two accounts in one list: no single statement...
    assert_eq!(mixed.owner, None);
    assert_eq!(stated_biz(&mixed.posts), None);
    // ...and the article of the other one is found.
    assert_eq!(foreign_biz(&mixed.posts, BIZ), Some(("2247489980_1", OTHER_BIZ.to_string())));

    // An empty list with total_count 0 is the backend's word that nothing
    // was published; one that counts more than it lists proves nothing.
    let page = |total: i64| {
        format!(
            r#"{{"base_resp":{{"ret":0,"err_msg":"ok"}},"publish_page":"{{\"total_count\":{total},\"publish_count\":{total},\"masssend_count\":0,\"publish_list\":[]}}"}}"#
        )
    };
    let none = parse_appmsgpublish(page(0).as_bytes(), "u").unwrap();
    assert_eq!((none.more, none.completeness()), (Some(false), Completeness::Nothing));
    let beyond = parse_appmsgpublish(page(12).as_bytes(), "u").unwrap();
    assert_eq!((beyond.more, beyond.completeness()), (Some(true), Completeness::Unresolved));
}

#[tokio::test]
async fn backend_list_with_another_accounts_article_is_wrong_account() {
    let server = TestServer::start(|req| match req.path.as_str() {
        "/cgi-bin/appmsgpublish" if req.param("fakeid") == Some(BIZ) => {
            Reply::json(wechat("synth/mp_appmsgpublish_other_biz_article.json"))
        }
        "/cgi-bin/appmsgpublish" => Reply::json(wechat("synth/mp_appmsgpublish_ok.json")),
        _ => Reply::new(404, "text/html", "<title>404</title>"),
    })
    .await;
    let mut cfg = platforms(&server.base());
    cfg.wechat.sources = vec![WechatSource::Backend];
    let c = WechatClient::new(&cfg.wechat, &cfg.feed, Some(Secret::new(COOKIE)), Some(Secret::new(TOKEN))).unwrap();
    let failed = c.timeline_of(&AccountRef::new(BIZ)).await.unwrap_err();
    assert_eq!(failed.class(), OutcomeClass::WrongAccount, "{}", failed.failure);
    assert_eq!(failed.source, SRC_BACKEND_LIST);
    assert_eq!(failed.captures.len(), 1, "the answer is kept as evidence");
    assert!(!failed.failure.to_string().contains(TOKEN));
    match &failed.failure {
        FetchFailure::WrongAccount { expected, found, .. } => assert_eq!((expected.as_str(), found.as_str()), (BIZ, OTHER_BIZ)),
        other => panic!("{other:?}"),
    }
    // The other __biz asked for its own list (all of BIZ's articles):
    // every article is of another account than the one asked.
    let failed = c.timeline_of(&AccountRef::new(OTHER_BIZ)).await.unwrap_err();
    assert_eq!(failed.class(), OutcomeClass::WrongAccount);
}

fn hits() -> Vec<SogouAccount> {
    parse_sogou_search(&wechat("synth/sogou_weixin_search_gov_accounts.html"), "u").unwrap()
}

#[test]
fn sogou_pick_by_every_identifier_in_the_documented_order() {
    let hits = hits();
    let wxid = |h: &SogouAccount| h.wechat_id.clone().unwrap_or_default();
    // 1. By id: a 微信号, or a gh_ id shown in its place (汉滨区教育 set no 微信号).
    assert_eq!(wxid(pick_account(&hits, "hanbinfabu", None).unwrap()), "hanbinfabu");
    assert_eq!(wxid(pick_account(&hits, "HB_NEWS_2024", Some("whatever")).unwrap()), "hb_news_2024");
    assert_eq!(pick_account(&hits, "gh_0a1b2c3d4e5f", None).unwrap().name, "汉滨区教育发布");
    // 2. By a unique name: a __biz (Sogou never shows one)...
    assert_eq!(wxid(pick_account(&hits, BIZ, Some(" 汉滨区 教育发布")).unwrap()), "gh_0a1b2c3d4e5f");
    // ...a gh_ id while Sogou shows a 微信号 in its place: not a contradiction.
    let mut renamed = hits.clone();
    renamed[2].wechat_id = Some("hbjiaoyu".into());
    assert_eq!(pick_account(&renamed, "gh_0a1b2c3d4e5f", Some("汉滨区教育发布")).unwrap().name, "汉滨区教育发布");
    // Contradictions: another gh_ id, another 微信号.
    let err = pick_account(&hits, "gh_ffffffffffff", Some("汉滨区教育发布")).unwrap_err();
    assert!(err.contains("gh_0a1b2c3d4e5f"), "{err}");
    assert!(pick_account(&renamed, "jiaoyu_hb", Some("汉滨区教育发布")).is_err());
    // A shared name never picks.
    assert!(pick_account(&hits, BIZ, Some("汉滨发布")).is_err());
    assert!(pick_account(&hits, BIZ, None).is_err());
}

#[test]
fn the_registered_account_is_never_an_impostor_of_itself() {
    let search: Vec<SearchHit> = hits().iter().map(SogouAccount::to_search_hit).collect();
    // Registered by __biz and name: the result bearing that name alone is it.
    assert!(is_registered_hit(&search[2], &search, BIZ, Some("汉滨区教育发布")));
    assert!(!is_registered_hit(&search[0], &search, BIZ, Some("汉滨区教育发布")));
    // By 微信号: that result, and not its same-named look-alike.
    assert!(is_registered_hit(&search[0], &search, "hanbinfabu", Some("汉滨发布")));
    assert!(!is_registered_hit(&search[1], &search, "hanbinfabu", Some("汉滨发布")));
    // By __biz with a name two results share: neither is taken for it.
    assert!(!is_registered_hit(&search[0], &search, BIZ, Some("汉滨发布")));
    assert!(!is_registered_hit(&search[1], &search, BIZ, Some("汉滨发布")));
}

#[tokio::test]
async fn an_account_registered_by_biz_is_found_on_sogou_by_its_registry_name() {
    let server = TestServer::start(|req| match req.path.as_str() {
        "/sogou/weixin" => Reply::new(200, "text/html; charset=utf-8", wechat("synth/sogou_weixin_search_gov_accounts.html")),
        _ => Reply::new(404, "text/html", "<title>404</title>"),
    })
    .await;
    let mut cfg = platforms(&server.base());
    cfg.wechat.sources = vec![WechatSource::Sogou];
    let c = WechatClient::new(&cfg.wechat, &cfg.feed, None, None).unwrap();
    // What poll did before: the id alone. Sogou cannot search a __biz.
    assert_eq!(c.profile_of(&AccountRef::new(BIZ)).await.unwrap_err().class(), OutcomeClass::ParseError);
    assert_eq!(server.hits("/sogou/weixin"), 0);
    // What poll does now: the registry's name too.
    let named = AccountRef::named(BIZ, "汉滨区教育发布");
    let p = c.profile_of(&named).await.unwrap();
    assert_eq!((p.value.platform_id.as_str(), p.value.display_name.as_str()), (BIZ, "汉滨区教育发布"));
    assert_eq!(server.requests()[0].param("query"), Some("汉滨区教育发布"));
    // This account shows no 最近文章: could not check, never "no posts".
    let t = c.timeline_of(&named).await.unwrap_err();
    assert_eq!(t.class(), OutcomeClass::ParseError, "{}", t.failure);
    assert!(t.failure.to_string().contains("no latest article"), "{}", t.failure);
    assert_eq!(server.hits("/sogou/weixin"), 1, "one search serves the profile and the timeline");
}

#[test]
fn debug_parse_backend_compares_a_biz_only_with_a_biz() {
    let now = chrono::Utc::now();
    let opts = |id: &str| ParseOptions { expect_id: Some(id.into()), ..ParseOptions::default() };
    let body = wechat("synth/mp_appmsgpublish_ok.json");
    let v = parse_file(Platform::Wechat, "backend", &body, now, &opts(BIZ)).unwrap();
    assert_eq!(v["owner"], BIZ);
    assert_eq!(v["more"], false);
    let f = parse_file(Platform::Wechat, "backend", &body, now, &opts(OTHER_BIZ)).unwrap_err();
    assert_eq!(f.to_json()["outcome"], "wrong_account");
    // Registered by 微信号: a __biz neither proves nor refutes it.
    assert!(parse_file(Platform::Wechat, "backend", &body, now, &opts("hanbinfabu")).is_ok());
    let padded = wechat("synth/article_waf_environment_abnormal_full_template.html");
    let f = parse_file(Platform::Wechat, "article", &padded, now, &ParseOptions::default()).unwrap_err();
    assert_eq!(f.to_json()["outcome"], "captcha");
}

#[tokio::test]
async fn a_gh_id_sogou_does_not_show_falls_back_to_the_registry_name() {
    // The account set a 微信号, so Sogou shows that instead of its gh_ id.
    let with_wxid = String::from_utf8(wechat("synth/sogou_weixin_search_gov_accounts.html"))
        .unwrap()
        .replace("gh_0a1b2c3d4e5f", "hbjiaoyu");
    let server = TestServer::start(move |req| match (req.path.as_str(), req.param("query")) {
        ("/sogou/weixin", Some("汉滨区教育发布")) => Reply::new(200, "text/html; charset=utf-8", with_wxid.clone()),
        ("/sogou/weixin", _) => Reply::new(200, "text/html; charset=utf-8", wechat("synth/sogou_weixin_search_no_result.html")),
        _ => Reply::new(404, "text/html", "<title>404</title>"),
    })
    .await;
    let mut cfg = platforms(&server.base());
    cfg.wechat.sources = vec![WechatSource::Sogou];
    let c = WechatClient::new(&cfg.wechat, &cfg.feed, None, None).unwrap();
    let p = c.profile_of(&AccountRef::named("gh_0a1b2c3d4e5f", "汉滨区教育发布")).await.unwrap();
    assert_eq!(p.value.display_name, "汉滨区教育发布");
    assert_eq!(p.captures.len(), 2, "both searches are evidence");
    let queries: Vec<String> = server.requests().iter().filter_map(|r| r.param("query").map(str::to_string)).collect();
    assert_eq!(queries, ["gh_0a1b2c3d4e5f", "汉滨区教育发布"]);
    // A 微信号 never falls back to the name: one search, could not check.
    let f = c.profile_of(&AccountRef::named("hbjy_old", "汉滨区教育发布")).await.unwrap_err();
    assert_eq!(f.class(), OutcomeClass::ParseError);
    assert_eq!(server.hits("/sogou/weixin"), 3);
}
