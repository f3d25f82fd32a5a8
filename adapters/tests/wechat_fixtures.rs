//! Every WeChat capture (real: 2025 article excerpts, status pages, the
//! aboutbiz page, the 2017 Sogou pages) and every synthesized shape,
//! parsed or classified, with their values asserted.

mod support;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use support::{joined_article, wechat};
use xunjian_adapters::model::{CommentState, OutcomeClass, Platform};
use xunjian_adapters::wechat::about::parse_about;
use xunjian_adapters::wechat::article::{
    ArticlePage, GoneReason, article_dom, classify_article_response, parse_article,
};
use xunjian_adapters::wechat::backend::{parse_appmsgpublish, parse_searchbiz, pick_biz};
use xunjian_adapters::wechat::sogou::{parse_sogou_search, pick_account};
use xunjian_adapters::weibo::ResponseMeta;
use xunjian_adapters::{DebugError, FetchFailure, ParseOptions, parse_file, parse_target_file};

fn sh(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Shanghai.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap().with_timezone(&Utc)
}

const URL: &str = "https://mp.weixin.qq.com/s/tr38EieqyftubIx2FMWUWw";

#[test]
fn article_2025_publish_time_ids_and_original_flag() {
    let a = parse_article(&joined_article(), URL).unwrap();
    // var ct = "1762475508": 2025-11-07 08:31:48 in Shanghai (the page's
    // cgiDataNew shows '2025-11-07 08:31').
    assert_eq!(a.post.published_at, sh(2025, 11, 7, 8, 31, 48));
    assert_eq!(a.post.published_at.timestamp(), 1_762_475_508);
    assert!(a.post.published_at_exact);
    assert_eq!(a.user_name.as_deref(), Some("gh_2f5c59ad6e1e"));
    assert_eq!(a.account_name.as_deref(), Some("阮一峰的网络日志"));
    assert_eq!(a.alias.as_deref(), Some("ruanyf-blog"));
    assert_eq!(a.title, "科技爱好者周刊#372：软件界面如何设计");
    assert_eq!(a.author.as_deref(), Some("阮一峰"));
    // __biz from `var appuin = "" || "MzI4NjAxNjY4Nw=="`, mid from appmsgid.
    assert_eq!(a.biz.as_deref(), Some("MzI4NjAxNjY4Nw=="));
    assert_eq!(a.mid.as_deref(), Some("2650242275"));
    // `itemidx` is empty and `var idx`/`var sn` are in a script block the
    // excerpt does not include: not guessed.
    assert_eq!((a.idx.as_deref(), a.sn.as_deref()), (None, None));
    assert_eq!(a.post.id, "tr38EieqyftubIx2FMWUWw");
    assert_eq!(a.post.url.as_deref(), Some(URL));
    assert_eq!(a.copyright_stat, Some(1));
    assert!(a.original_declared);
    assert!(a.reprint.is_none());
    assert!(a.post.is_original && a.post.repost_of.is_none());
    assert_eq!(a.source_url.as_deref(), Some("https://www.ruanyifeng.com/blog/2025/11/weekly-issue-372.html"));
    assert_eq!(a.item_show_type, Some(0));
    assert_eq!(a.modified_at.map(|t| t.timestamp()), Some(1_762_477_973));
    // Comments cannot be read from the public page: never guessed.
    assert_eq!(a.post.comment_state, CommentState::Unknown);
    assert!(!a.post.is_pinned);
    // The body is not in the excerpts: title + description, marked cut.
    assert!(
        a.post.text.starts_with("科技爱好者周刊#372：软件界面如何设计\n这里记录每周值得分享的科技内容"),
        "{}",
        a.post.text
    );
    assert!(a.post.text_truncated);
}

#[test]
fn the_script_block_alone_carries_everything_but_the_dom() {
    let a = parse_article(&wechat("article_2025_excerpt_meta_script_block.html"), URL).unwrap();
    assert_eq!(a.post.published_at.timestamp(), 1_762_475_508);
    assert_eq!(a.user_name.as_deref(), Some("gh_2f5c59ad6e1e"));
    assert!(a.original_declared);
}

#[test]
fn the_header_alone_has_no_time_and_is_not_given_one() {
    let body = wechat("article_2025_excerpt_header.html");
    match parse_article(&body, URL).unwrap_err() {
        FetchFailure::ParseError { field, .. } => assert_eq!(field, "var ct"),
        other => panic!("{other:?}"),
    }
    let dom = article_dom(std::str::from_utf8(&body).unwrap());
    assert_eq!(dom.title.as_deref(), Some("科技爱好者周刊#372：软件界面如何设计"));
    assert_eq!(dom.account_name.as_deref(), Some("阮一峰的网络日志"));
    assert_eq!(dom.author.as_deref(), Some("阮一峰"));
    assert!(dom.original_tag);
    // em#publish_time is empty in static HTML.
    assert_eq!(dom.publish_time_text.as_deref(), Some(""));
}

#[test]
fn deleted_article_is_the_platforms_word_about_the_article() {
    let body = wechat("article_deleted_by_author.html");
    match classify_article_response(&ResponseMeta::OK, &body, URL).unwrap() {
        ArticlePage::Gone { reason, message } => {
            assert_eq!(reason, GoneReason::DeletedByAuthor);
            assert_eq!(message, "该内容已被发布者删除");
        }
        other => panic!("{other:?}"),
    }
    let f = parse_article(&body, URL).unwrap_err();
    assert_eq!(f.class(), OutcomeClass::NotFound);
    assert!(f.to_string().contains("not on the account's profile"), "{f}");
}

#[test]
fn violation_page_is_banned_for_the_article() {
    let body = wechat("article_removed_violation.html");
    match classify_article_response(&ResponseMeta::OK, &body, URL).unwrap() {
        ArticlePage::Gone { reason, message } => {
            assert_eq!(reason, GoneReason::RemovedForViolation);
            assert!(message.starts_with("此内容因违规无法查看"), "{message}");
            assert!(message.contains("由用户投诉并经平台审核，涉嫌过度营销、骚扰用户"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(parse_article(&body, URL).unwrap_err().class(), OutcomeClass::Banned);
}

#[test]
fn temporarily_unavailable_is_could_not_check() {
    let body = wechat("article_temporarily_unavailable.html");
    assert_eq!(
        classify_article_response(&ResponseMeta::OK, &body, URL).unwrap(),
        ArticlePage::Unavailable { message: "该内容暂时无法查看".into() }
    );
    let f = parse_article(&body, URL).unwrap_err();
    assert_eq!(f.class(), OutcomeClass::Blocked);
    assert!(!f.class().is_platform_answer());
}

#[test]
fn wechat_waf_page_is_a_captcha() {
    let f = parse_article(&wechat("synth/article_waf_environment_abnormal.html"), URL).unwrap_err();
    assert_eq!(f.class(), OutcomeClass::Captcha, "{f}");
}

#[test]
fn reprint_variables_become_the_repost_source() {
    let a = parse_article(&wechat("synth/article_reprint_vars_filled.html"), "https://mp.weixin.qq.com/s/x").unwrap();
    assert_eq!(a.post.id, "2247490001_2");
    assert_eq!(
        (a.biz.as_deref(), a.sn.as_deref()),
        (Some("MzAwMDAwMDAwMQ=="), Some("0123456789abcdef0123456789abcdef"))
    );
    assert!(!a.original_declared);
    let r = a.reprint.as_ref().unwrap();
    assert_eq!(r.source_username.as_deref(), Some("gh_00000000c3d4"));
    assert_eq!(r.reprint_type.as_deref(), Some("1"));
    assert!(!a.post.is_original);
    let src = a.post.repost_of.as_ref().unwrap();
    assert_eq!(src.post_id, "2652000001_1");
    assert_eq!(src.published_at, None);
    assert_eq!(a.post.published_at, sh(2024, 5, 20, 9, 30, 0));
    // The body is present here: full text, not cut.
    assert!(a.post.text.contains("现将有关事项通知如下"));
    assert!(!a.post.text_truncated);
    // The &amp; of the link is undone.
    assert_eq!(
        a.post.url.as_deref(),
        Some(
            "https://mp.weixin.qq.com/s?__biz=MzAwMDAwMDAwMQ==&mid=2247490001&idx=2&sn=0123456789abcdef0123456789abcdef#rd"
        )
    );
}

#[test]
fn aboutbiz_verification_of_a_public_organisation() {
    let a = parse_about(&wechat("mp_aboutbiz_account_info_gov_org.html"), "u").unwrap();
    assert_eq!(a.wechat_id.as_deref(), Some("shengongshewx"));
    assert_eq!(a.verification_type.as_deref(), Some("其他组织"));
    assert_eq!(a.entity.as_deref(), Some("上海市总工会"));
    assert_eq!(a.entity_label.as_deref(), Some("认证主体"));
    assert_eq!(a.verified, Some(true));
    assert_eq!(a.description.as_deref(), Some("做一个有存在意义的账号~这里是上海市总工会，欢迎回家！"));
    assert_eq!(a.ip_location, None, "filled by JavaScript");
    assert!(
        a.third_party_services.starts_with(&["秀米".to_string(), "壹伴".to_string()]),
        "{:?}",
        a.third_party_services
    );
    // Not an about page: no guessing.
    assert!(matches!(
        parse_about(&wechat("article_deleted_by_author.html"), "u"),
        Err(FetchFailure::ParseError { .. })
    ));
}

#[test]
fn sogou_2017_account_search() {
    let hits = parse_sogou_search(&wechat("sogou_weixin_search_type1_accounts_2017.html"), "u").unwrap();
    assert_eq!(hits.len(), 10);
    let first = &hits[0];
    assert_eq!(first.name, "山东高考指南");
    assert_eq!(first.wechat_id.as_deref(), Some("sdgkzn"));
    assert_eq!(first.sogou_id.as_deref(), Some("oIWsFt6fv4FH0OBNCyoonNoAp2OM"));
    assert_eq!(first.verified_entity.as_deref(), Some("《山东商报》社"));
    assert_eq!(first.verified_type.as_deref(), Some("2"));
    assert!(first.description.as_deref().unwrap().starts_with("这里是山东最权威最专业的高考交流平台"));
    let art = first.latest_article.as_ref().unwrap();
    assert_eq!(art.title, "【院校传真】编程猫创始人李天驰入选福布斯精英榜!竟然是山大2009...");
    assert_eq!(art.published_at.timestamp(), 1_500_773_936);
    let post = first.latest_post().unwrap();
    assert!(post.published_at_exact && post.text_truncated);
    assert_eq!(post.text, "【院校传真】编程猫创始人李天驰入选福布斯精英榜!竟然是山大2009");
    // 云天高考 has no 最近文章 block: none, never a made-up one.
    assert_eq!(hits[4].name, "云天高考");
    assert!(hits[4].latest_article.is_none());
    assert_eq!(hits[7].wechat_id.as_deref(), Some("gh_591a43050b5f"));
    let ids: Vec<&str> = hits.iter().map(|h| h.wechat_id.as_deref().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "sdgkzn",
            "sinagkjzq",
            "hngaokao",
            "sctvgaokao360",
            "yuntiangaokao",
            "qq_gaokao",
            "gkkx678",
            "gh_591a43050b5f",
            "tjsjgk",
            "koogaokao"
        ]
    );
    assert!(hits.iter().all(|h| h.verified_entity.is_some()));
    assert_eq!(pick_account(&hits, "hngaokao", None).unwrap().name, "河南高考指南");
    assert_eq!(
        pick_account(&hits, "MzAwMDAwMDAwMQ==", Some("河南高考指南")).unwrap().wechat_id.as_deref(),
        Some("hngaokao")
    );
    assert!(pick_account(&hits, "nosuchid", Some("河南高考指南")).is_err(), "a 微信号 never falls back to the name");
}

#[test]
fn sogou_antispider_page_is_a_captcha_never_no_articles() {
    let f = parse_sogou_search(&wechat("sogou_weixin_antispider_page_2017.html"), "u").unwrap_err();
    match &f {
        FetchFailure::Captcha { detail, .. } => assert!(detail.contains("SNUID"), "{detail}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn sogou_synthesized_gov_results_no_result_and_impostors() {
    let hits = parse_sogou_search(&wechat("synth/sogou_weixin_search_gov_accounts.html"), "u").unwrap();
    assert_eq!(hits.len(), 3);
    // Two accounts named 汉滨发布: the name alone cannot tell them apart.
    let err = pick_account(&hits, "MzAwMDAwMDAwMQ==", Some("汉滨发布")).unwrap_err();
    assert!(err.contains("hanbinfabu") && err.contains("hb_news_2024"), "{err}");
    let real = pick_account(&hits, "hanbinfabu", Some("汉滨发布")).unwrap();
    assert_eq!(real.verified_entity.as_deref(), Some("安康市汉滨区人民政府办公室"));
    assert_eq!(real.latest_post().unwrap().published_at, sh(2024, 5, 20, 9, 30, 0));
    let profile = real.to_profile("hanbinfabu");
    assert_eq!(profile.verified, Some(true));
    // The look-alike shows no 认证: unknown, not "unverified".
    assert_eq!(hits[1].to_search_hit().verified, None);
    assert!(hits[2].latest_article.is_none());
    assert_eq!(parse_sogou_search(&wechat("synth/sogou_weixin_search_no_result.html"), "u").unwrap(), vec![]);
}

#[test]
fn backend_list_search_and_errors() {
    let t = parse_appmsgpublish(&wechat("synth/mp_appmsgpublish_ok.json"), "u").unwrap();
    let ids: Vec<&str> = t.posts.iter().map(|p| p.id.as_str()).collect();
    // The deleted article (2247489990_1) is left out.
    assert_eq!(ids, ["2247490001_1", "2247490001_2", "2247489980_1"]);
    assert_eq!(t.posts[0].published_at, sh(2024, 5, 20, 9, 30, 0));
    assert!(t.posts.iter().all(|p| p.published_at_exact && p.comment_state == CommentState::Unknown));
    assert_eq!(t.posts[2].published_at, sh(2024, 5, 14, 9, 30, 0));
    assert_eq!(t.total, Some(3));
    assert_eq!(
        parse_appmsgpublish(&wechat("synth/mp_appmsgpublish_session_expired_200003.json"), "u").unwrap_err().class(),
        OutcomeClass::LoginRequired
    );
    assert_eq!(
        parse_appmsgpublish(&wechat("synth/mp_appmsgpublish_freq_control_200013.json"), "u").unwrap_err().class(),
        OutcomeClass::Throttled
    );
    let hits = parse_searchbiz(&wechat("synth/mp_searchbiz_ok.json"), "u").unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(pick_biz(&hits, "hanbinfabu", None).unwrap().fakeid, "MzAwMDAwMDAwMQ==");
    // A __biz is the fakeid: the hit with it, though two share the name.
    assert_eq!(pick_biz(&hits, "MzAwMDAwMDAwMQ==", Some("汉滨发布")).unwrap().alias.as_deref(), Some("hanbinfabu"));
    assert!(pick_biz(&hits, "MzAwMDAwMDAwOQ==", Some("汉滨发布")).is_err(), "no such fakeid: the name is not guessed");
    assert!(pick_biz(&hits, "gh_0a1b2c3d4e5f", Some("汉滨发布")).is_err(), "two share the name");
}

#[test]
fn debug_parse_prints_time_gh_id_and_original_flag() {
    let now = sh(2026, 1, 1, 0, 0, 0);
    let v = parse_file(Platform::Wechat, "article", &joined_article(), now, &ParseOptions::default()).unwrap();
    assert_eq!(v["published_at_shanghai"], "2025-11-07T08:31:48+08:00");
    assert_eq!(v["gh_id"], "gh_2f5c59ad6e1e");
    assert_eq!(v["original"], true);
    let failure =
        parse_target_file("wechat", "article", &wechat("article_deleted_by_author.html"), now, None, &ParseOptions::default()).unwrap_err();
    assert_eq!(failure.to_json()["outcome"], "not_found");
    let failure =
        parse_target_file("wechat", "sogou", &wechat("sogou_weixin_antispider_page_2017.html"), now, None, &ParseOptions::default()).unwrap_err();
    assert_eq!(failure.to_json()["outcome"], "captcha");
    let failure =
        parse_target_file("wechat", "article", &wechat("article_temporarily_unavailable.html"), now, None, &ParseOptions::default()).unwrap_err();
    assert_eq!(failure.to_json()["outcome"], "blocked");
    let failure =
        parse_target_file("wechat", "article", &wechat("article_removed_violation.html"), now, None, &ParseOptions::default()).unwrap_err();
    assert_eq!(failure.to_json()["outcome"], "banned");
    let about =
        parse_target_file("wechat", "about", &wechat("mp_aboutbiz_account_info_gov_org.html"), now, None, &ParseOptions::default()).unwrap();
    assert_eq!(about["entity"], "上海市总工会");
    assert!(matches!(parse_target_file("wechat", "comments", b"", now, None, &ParseOptions::default()), Err(DebugError::Usage(_))));
    assert!(matches!(parse_target_file("myspace", "x", b"", now, None, &ParseOptions::default()), Err(DebugError::Usage(_))));
}
