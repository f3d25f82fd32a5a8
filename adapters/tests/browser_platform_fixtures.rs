//! Douyin, Toutiao and Kuaishou parsers on synthesized answers modelled on
//! the documented field lists (no real capture with a usable licence
//! exists; see the fixture READMEs), and every fault class of a page:
//! captcha (验证码中间页) with 200, login wall, empty render data, isSpider,
//! unsigned / rate-limited answers, truncated JSON, HTML with 200.

use chrono::{TimeZone, Utc};
use std::path::PathBuf;
use xunjian_adapters::browser::{CAPTURE_DOCUMENT, CAPTURE_DOM, CAPTURE_XHR};
use xunjian_adapters::model::{Capture, CommentState, MessageEntry, OutcomeClass};
use xunjian_adapters::{DebugError, ParseOptions, douyin, kuaishou, parse_target_file, toutiao};

fn fixture(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn capture(source: &str, url: &str, body: Vec<u8>) -> Capture {
    Capture {
        url: url.into(),
        http_status: Some(200),
        content_type: None,
        fetched_at: Utc::now(),
        body,
        source: source.into(),
    }
}

const DY_PAGE: &str = "https://www.douyin.com/user/MS4wLjABAAAAsyntheticGovAccount000000000000000000000000000";

#[test]
fn douyin_api_answers() {
    let p = douyin::parse::parse_profile_api(&fixture("douyin/synth/user_profile_other_gov.json"), "u").unwrap();
    assert_eq!(p.profile.platform_id, "MS4wLjABAAAAsyntheticGovAccount000000000000000000000000000");
    assert_eq!(p.profile.display_name, "示例县发布");
    assert_eq!(p.profile.verified, Some(true));
    assert_eq!(p.profile.verified_entity.as_deref(), Some("示例县人民政府新闻办公室"));
    assert_eq!(p.enterprise_verify_reason.as_deref(), Some("示例县人民政府新闻办公室"));
    assert_eq!((p.custom_verify.as_deref(), p.is_gov_media_vip), (None, Some(true)));
    assert_eq!(p.profile.private_message, MessageEntry::Open);
    assert_eq!(p.profile.post_count, Some(4));
    assert_eq!(p.ip_location.as_deref(), Some("IP属地：陕西"));
    let t = douyin::parse::parse_posts_api(&fixture("douyin/synth/aweme_post_pinned.json"), "u").unwrap();
    assert_eq!(t.posts.len(), 4, "the deleted item is left out");
    assert!(t.posts[0].is_pinned && !t.posts[1].is_pinned);
    assert_eq!(t.posts[1].published_at, Utc.timestamp_opt(1716170400, 0).unwrap());
    assert_eq!(t.posts[2].comment_state, CommentState::Closed);
    assert_eq!(t.posts[3].comment_state, CommentState::Restricted);
    assert_eq!(t.posts[1].comment_state, CommentState::Open);
    assert_eq!(t.posts[1].url.as_deref(), Some("https://www.douyin.com/video/7370000000000000003"));
    assert_eq!(t.latest_unpinned().unwrap().id, "7370000000000000003");
    assert_eq!(t.next_cursor.as_deref(), Some("1715990400000"));
    let banned =
        douyin::parse::parse_profile_api(&fixture("douyin/synth/user_profile_other_banned.json"), "u").unwrap_err();
    assert_eq!(banned.class(), OutcomeClass::Banned);
    let cut = douyin::parse::parse_posts_api(&fixture("douyin/synth/aweme_post_truncated.json"), "u").unwrap_err();
    assert_eq!(cut.class(), OutcomeClass::NetworkError);
    assert_eq!(douyin::parse::parse_posts_api(b"", "u").unwrap_err().class(), OutcomeClass::Blocked);
    // Words, not a structured code: could not check (browser_truth.rs).
    assert_eq!(
        douyin::parse::parse_profile_api(r#"{"status_code":2053,"status_msg":"用户不存在"}"#.as_bytes(), "u")
            .unwrap_err()
            .class(),
        OutcomeClass::Blocked
    );
    assert_eq!(
        douyin::parse::parse_profile_api(br#"{"status_code":8,"status_msg":"?"}"#, "u").unwrap_err().class(),
        OutcomeClass::ParseError
    );
}

#[test]
fn douyin_page_with_render_data_only() {
    let page = capture(CAPTURE_DOCUMENT, DY_PAGE, fixture("douyin/synth/user_page_render_data.html"));
    let r = douyin::parse::parse_page_captures(&[page], DY_PAGE).unwrap();
    let p = r.profile.unwrap();
    assert_eq!(p.profile.display_name, "示例县发布");
    assert_eq!(p.profile.description.as_deref(), Some("示例县人民政府新闻办公室官方抖音号"));
    assert_eq!(p.profile.verified_entity.as_deref(), Some("示例县人民政府新闻办公室"));
    let t = r.timeline.unwrap();
    assert_eq!(t.posts.len(), 4);
    assert!(t.posts[0].is_pinned, "camelCase isTop");
    assert_eq!(t.posts[2].comment_state, CommentState::Closed, "camelCase commentPermissionInfo");
}

#[test]
fn douyin_page_prefers_xhr_answers_and_decides_empty_lists_with_the_profile() {
    let doc = capture(CAPTURE_DOCUMENT, DY_PAGE, fixture("douyin/synth/user_page_xhr.html"));
    let prof = capture(
        CAPTURE_XHR,
        "https://www.douyin.com/aweme/v1/web/user/profile/other/?sec_user_id=x",
        fixture("douyin/synth/user_profile_other_gov.json"),
    );
    let posts = capture(
        CAPTURE_XHR,
        "https://www.douyin.com/aweme/v1/web/aweme/post/?sec_user_id=x",
        fixture("douyin/synth/aweme_post_pinned.json"),
    );
    let r = douyin::parse::parse_page_captures(&[doc.clone(), prof.clone(), posts], DY_PAGE).unwrap();
    assert_eq!(r.timeline.unwrap().posts.len(), 4);
    // An empty list while the profile shows 4 posts: not served to us.
    let empty = capture(
        CAPTURE_XHR,
        "https://www.douyin.com/aweme/v1/web/aweme/post/?x",
        fixture("douyin/synth/aweme_post_empty.json"),
    );
    let r = douyin::parse::parse_page_captures(&[doc.clone(), prof, empty], DY_PAGE).unwrap();
    assert!(r.profile.is_ok());
    assert_eq!(r.timeline.unwrap_err().class(), OutcomeClass::Blocked);
    // A banned account: the platform's word decides the page.
    let banned = capture(
        CAPTURE_XHR,
        "https://www.douyin.com/aweme/v1/web/user/profile/other/?x",
        fixture("douyin/synth/user_profile_other_banned.json"),
    );
    assert_eq!(douyin::parse::parse_page_captures(&[doc, banned], DY_PAGE).unwrap_err().class(), OutcomeClass::Banned);
}

#[test]
fn douyin_unreadable_pages_are_classified() {
    let cases: &[(&str, OutcomeClass)] = &[
        ("douyin/synth/captcha_middle_page.html", OutcomeClass::Captcha),
        ("douyin/synth/login_wall_page.html", OutcomeClass::LoginRequired),
        ("douyin/synth/user_page_empty_render_data.html", OutcomeClass::Blocked),
        ("douyin/synth/user_page_is_spider.html", OutcomeClass::Blocked),
    ];
    for (file, class) in cases {
        let page = capture(CAPTURE_DOCUMENT, DY_PAGE, fixture(file));
        let f = douyin::parse::parse_page_captures(&[page], DY_PAGE).unwrap_err();
        assert_eq!(f.class(), *class, "{file}: {f}");
    }
    // An empty document (the WAF's answer) and a 403.
    let empty = capture(CAPTURE_DOCUMENT, DY_PAGE, Vec::new());
    assert_eq!(douyin::parse::parse_page_captures(&[empty], DY_PAGE).unwrap_err().class(), OutcomeClass::Blocked);
    let mut forbidden = capture(CAPTURE_DOCUMENT, DY_PAGE, b"<html><title>403 Forbidden</title></html>".to_vec());
    forbidden.http_status = Some(403);
    assert_eq!(douyin::parse::parse_page_captures(&[forbidden], DY_PAGE).unwrap_err().class(), OutcomeClass::Blocked);
    // Redirected to a verification URL.
    let page = capture(CAPTURE_DOCUMENT, DY_PAGE, b"<html><body>x</body></html>".to_vec());
    let f = douyin::parse::parse_page_captures(&[page], "https://www.douyin.com/verify/middle_page?x=1").unwrap_err();
    assert_eq!(f.class(), OutcomeClass::Captcha);
    // A page with real content but none of the data: not understood.
    let odd =
        capture(CAPTURE_DOCUMENT, DY_PAGE, "<html><body><p>抖音，记录美好生活</p></body></html>".as_bytes().to_vec());
    assert_eq!(douyin::parse::parse_page_captures(&[odd], DY_PAGE).unwrap_err().class(), OutcomeClass::ParseError);
}

#[test]
fn toutiao_feed_and_page() {
    let f = toutiao::parse::parse_feed(&fixture("toutiao/synth/pc_list_feed_profile_all.json"), "u").unwrap();
    assert_eq!(f.timeline.posts.len(), 3);
    assert_eq!(f.timeline.posts[0].published_at, Utc.timestamp_opt(1716170400, 0).unwrap());
    assert_eq!(f.timeline.posts[0].comment_state, CommentState::Open);
    assert_eq!(f.timeline.posts[1].comment_state, CommentState::Closed);
    assert_eq!(f.timeline.posts[1].text, "【便民提示】\n本周六政务大厅正常办公");
    assert_eq!(f.timeline.posts[1].url.as_deref(), Some("https://www.toutiao.com/w/7370000000000100002/"));
    assert_eq!(f.timeline.posts[2].comment_state, CommentState::Open, "itemCell.actionCtrl.banComment");
    assert_eq!(f.timeline.posts[2].counts.likes, Some(77));
    assert_eq!(f.timeline.next_cursor.as_deref(), Some("1715990400"));
    let a = f.author.unwrap();
    assert_eq!(
        (a.profile.verified, a.profile.verified_entity.as_deref()),
        (Some(true), Some("示例县人民政府新闻办公室官方账号"))
    );
    assert_eq!(a.profile.verified_type.as_deref(), Some("0"));
    // Empty data: "暂未发表作品" and an unsigned answer look alike.
    assert_eq!(
        toutiao::parse::parse_feed(&fixture("toutiao/synth/pc_list_feed_empty.json"), "u").unwrap_err().class(),
        OutcomeClass::ParseError
    );
    assert_eq!(
        toutiao::parse::parse_feed(&fixture("toutiao/synth/pc_list_feed_error.json"), "u").unwrap_err().class(),
        OutcomeClass::ParseError
    );
    assert_eq!(toutiao::parse::parse_feed(b"", "u").unwrap_err().class(), OutcomeClass::Blocked);
    let page_url = "https://www.toutiao.com/c/user/token/MS4wLjABAAAAsyntheticToutiaoGov000000000000000000000000000/";
    let doc = capture(CAPTURE_DOCUMENT, page_url, fixture("toutiao/synth/profile_page_xhr.html"));
    let xhr = capture(
        CAPTURE_XHR,
        "https://www.toutiao.com/api/pc/list/feed?category=profile_all",
        fixture("toutiao/synth/pc_list_feed_profile_all.json"),
    );
    let r = toutiao::parse::parse_page_captures(&[doc.clone(), xhr], page_url).unwrap();
    // The author keeps the id the answer states; the registry's token is
    // not written over it (see browser_truth.rs for the identity check).
    assert_eq!(r.profile.unwrap().profile.platform_id, "60000000001");
    assert_eq!(r.timeline.unwrap().posts.len(), 3);
    // No feed answer: the page is classified.
    assert_eq!(toutiao::parse::parse_page_captures(&[doc], page_url).unwrap_err().class(), OutcomeClass::ParseError);
    let captcha = capture(CAPTURE_DOCUMENT, page_url, fixture("toutiao/synth/waf_captcha_page.html"));
    assert_eq!(toutiao::parse::parse_page_captures(&[captcha], page_url).unwrap_err().class(), OutcomeClass::Captcha);
}

#[test]
fn kuaishou_answers_and_page() {
    let d =
        kuaishou::parse::parse_answer(&fixture("kuaishou/synth/graphql_vision_profile_photo_list.json"), "u").unwrap();
    assert_eq!(d.posts.len(), 3);
    assert_eq!(d.posts[0].published_at, Utc.timestamp_opt(1716170400, 0).unwrap(), "ms timestamps, newest first");
    assert!(d.posts.iter().find(|p| p.id == "3x0000000000000001").unwrap().is_pinned);
    assert_eq!(d.posts.iter().find(|p| p.id == "3x0000000000000002").unwrap().comment_state, CommentState::Closed);
    assert_eq!(d.posts[0].comment_state, CommentState::Open);
    let author = d.profile.unwrap();
    assert_eq!(
        (author.profile.verified, author.profile.verified_entity.as_deref()),
        (Some(true), Some("示例县人民政府新闻办公室官方账号"))
    );
    let p = kuaishou::parse::parse_answer(&fixture("kuaishou/synth/graphql_vision_profile.json"), "u")
        .unwrap()
        .profile
        .unwrap();
    assert_eq!((p.profile.platform_id.as_str(), p.profile.display_name.as_str()), ("3xsyntheticgov", "示例县发布"));
    assert_eq!((p.profile.followers, p.profile.post_count), (Some(52_000), Some(36)));
    for (file, class) in [
        ("kuaishou/synth/rest_profile_feed_unsigned_50.json", OutcomeClass::Blocked),
        ("kuaishou/synth/rest_profile_feed_rate_limited_2.json", OutcomeClass::Throttled),
        ("kuaishou/synth/graphql_errors.json", OutcomeClass::Captcha),
    ] {
        assert_eq!(kuaishou::parse::parse_answer(&fixture(file), "u").unwrap_err().class(), class, "{file}");
    }
    // The XHR answers together give profile, verification and timeline.
    let url = "https://www.kuaishou.com/profile/3xsyntheticgov";
    let doc = capture(CAPTURE_DOCUMENT, url, fixture("kuaishou/synth/profile_page_xhr.html"));
    let a =
        capture(CAPTURE_XHR, "https://www.kuaishou.com/graphql", fixture("kuaishou/synth/graphql_vision_profile.json"));
    let b = capture(
        CAPTURE_XHR,
        "https://www.kuaishou.com/graphql",
        fixture("kuaishou/synth/graphql_vision_profile_photo_list.json"),
    );
    // In either order: the page's two requests race, and the feed's
    // authors alone give a profile without counts.
    for answers in [[a.clone(), b.clone()], [b, a]] {
        let r = kuaishou::parse::parse_page_captures(&[&[doc.clone()][..], &answers[..]].concat(), url).unwrap();
        let p = r.profile.unwrap();
        assert_eq!((p.profile.verified, p.profile.followers), (Some(true), Some(52_000)));
        assert_eq!(p.profile.description.as_deref().map(|d| !d.is_empty()), Some(true));
        assert_eq!(r.timeline.unwrap().posts.len(), 3);
    }
    // The server-rendered Apollo state alone.
    let apollo = capture(CAPTURE_DOM, url, fixture("kuaishou/synth/profile_page_apollo_state.html"));
    let r = kuaishou::parse::parse_page_captures(&[apollo], url).unwrap();
    assert_eq!(r.profile.unwrap().profile.verified_entity.as_deref(), Some("示例县人民政府新闻办公室官方账号"));
    let t = r.timeline.unwrap();
    assert_eq!(t.posts.len(), 2);
    assert!(t.posts[1].is_pinned);
    // An unsigned XHR answer and nothing else: that refusal is the outcome.
    let unsigned = capture(
        CAPTURE_XHR,
        "https://www.kuaishou.com/rest/v/profile/feed",
        fixture("kuaishou/synth/rest_profile_feed_unsigned_50.json"),
    );
    assert_eq!(kuaishou::parse::parse_page_captures(&[doc, unsigned], url).unwrap_err().class(), OutcomeClass::Blocked);
}

#[test]
fn debug_parse_knows_the_new_kinds() {
    let now = Utc::now();
    let v =
        parse_target_file("douyin", "page", &fixture("douyin/synth/user_page_render_data.html"), now, None, &ParseOptions::default()).unwrap();
    assert_eq!(v["profile"]["display_name"], "示例县发布");
    assert_eq!(v["timeline"]["posts"][0]["is_pinned"], true);
    let v = parse_target_file("douyin", "page", &fixture("douyin/synth/captcha_middle_page.html"), now, None, &ParseOptions::default());
    assert!(matches!(v, Err(DebugError::Failure(ref f)) if f.class() == OutcomeClass::Captcha), "{v:?}");
    let v = parse_target_file("douyin", "posts", &fixture("douyin/synth/aweme_post_empty.json"), now, None, &ParseOptions::default());
    assert!(matches!(v, Err(DebugError::Unresolved(_))), "{v:?}");
    let v = parse_target_file("toutiao", "feed", &fixture("toutiao/synth/pc_list_feed_profile_all.json"), now, None, &ParseOptions::default())
        .unwrap();
    assert_eq!(v["author"]["verified"], true);
    let v = parse_target_file("kuaishou", "page", &fixture("kuaishou/synth/profile_page_apollo_state.html"), now, None, &ParseOptions::default())
        .unwrap();
    assert_eq!(v["profile"]["display_name"], "示例县发布");
    assert!(matches!(parse_target_file("xiaohongshu", "page", b"", now, None, &ParseOptions::default()), Err(DebugError::Usage(_))));
}
