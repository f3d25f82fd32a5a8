//! What the browser-read platforms' answers prove (Douyin, Toutiao,
//! Kuaishou): whose they are (another account's page is `wrong_account`,
//! decided before any ban it states), whether more exists, the account's
//! post count in the same page reading, words that are not codes, and
//! login walls that mention 验证码.

use chrono::Utc;
use std::path::PathBuf;
use xunjian_adapters::browser::{CAPTURE_DOCUMENT, CAPTURE_XHR};
use xunjian_adapters::model::{Capture, Completeness, OutcomeClass};
use xunjian_adapters::weibo::ResponseMeta;
use xunjian_adapters::{DebugError, FetchFailure, ParseOptions, douyin, kuaishou, parse_target_file, toutiao};

fn fixture(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn capture(source: &str, url: &str, body: impl Into<Vec<u8>>) -> Capture {
    Capture {
        url: url.into(),
        http_status: Some(200),
        content_type: None,
        fetched_at: Utc::now(),
        body: body.into(),
        source: source.into(),
    }
}

const DY_SEC: &str = "MS4wLjABAAAAsyntheticGovAccount000000000000000000000000000";
const DY_OTHER: &str = "MS4wLjABAAAAsyntheticOtherAccount00000000000000000000000000";
const DY_PROFILE_XHR: &str = "https://www.douyin.com/aweme/v1/web/user/profile/other/?sec_user_id=x";
const DY_POSTS_XHR: &str = "https://www.douyin.com/aweme/v1/web/aweme/post/?sec_user_id=x";

fn dy_page() -> String {
    format!("https://www.douyin.com/user/{DY_SEC}")
}

fn wrong(f: &FetchFailure) -> (&str, &str) {
    match f {
        FetchFailure::WrongAccount { expected, found, .. } => (expected.as_str(), found.as_str()),
        other => panic!("expected wrong_account, got {other:?}"),
    }
}

#[test]
fn douyin_answers_state_their_owner_more_and_total() {
    let t = douyin::parse::parse_posts_api(&fixture("douyin/synth/aweme_post_pinned.json"), "u").unwrap();
    assert_eq!((t.owner.as_deref(), t.more), (Some(DY_SEC), Some(true)));
    let p = douyin::parse::parse_profile_api(&fixture("douyin/synth/user_profile_other_gov.json"), "u").unwrap();
    assert_eq!(p.profile.platform_id, DY_SEC);
    // A page reading: the profile's aweme_count is the timeline's total.
    let doc = capture(CAPTURE_DOCUMENT, &dy_page(), fixture("douyin/synth/user_page_xhr.html"));
    let prof = capture(CAPTURE_XHR, DY_PROFILE_XHR, fixture("douyin/synth/user_profile_other_gov.json"));
    let posts = capture(CAPTURE_XHR, DY_POSTS_XHR, fixture("douyin/synth/aweme_post_pinned.json"));
    let r = douyin::parse::parse_page_captures_for(&[doc, prof, posts], &dy_page(), Some(DY_SEC)).unwrap();
    let t = r.timeline.unwrap();
    assert_eq!((t.total, t.more, t.owner.as_deref()), (Some(4), Some(true), Some(DY_SEC)));
    // The server-rendered page states the same, in camelCase.
    let page = capture(CAPTURE_DOCUMENT, &dy_page(), fixture("douyin/synth/user_page_render_data.html"));
    let r = douyin::parse::parse_page_captures_for(&[page.clone()], &dy_page(), Some(DY_SEC)).unwrap();
    let t = r.timeline.unwrap();
    assert_eq!((t.owner.as_deref(), t.more, t.total), (Some(DY_SEC), Some(true), Some(4)));
    // Asked by the uid the page also states: the same account.
    assert!(douyin::parse::parse_page_captures_for(&[page], &dy_page(), Some("90000000001")).is_ok());
}

#[test]
fn douyin_page_about_another_account_is_wrong_account_even_when_banned() {
    let doc = capture(CAPTURE_DOCUMENT, &dy_page(), fixture("douyin/synth/user_page_xhr.html"));
    let banned_other =
        capture(CAPTURE_XHR, DY_PROFILE_XHR, fixture("douyin/synth/user_profile_other_account_banned.json"));
    let f = douyin::parse::parse_page_captures_for(&[doc.clone(), banned_other.clone()], &dy_page(), Some(DY_SEC))
        .unwrap_err();
    assert_eq!(wrong(&f), (DY_SEC, DY_OTHER));
    // Asked for that other account, its ban is its own.
    let f = douyin::parse::parse_page_captures_for(&[doc.clone(), banned_other], &dy_page(), Some(DY_OTHER))
        .unwrap_err();
    assert_eq!(f.class(), OutcomeClass::Banned);
    // The right profile with another account's post list: the page is not
    // evidence about either.
    let prof = capture(CAPTURE_XHR, DY_PROFILE_XHR, fixture("douyin/synth/user_profile_other_gov.json"));
    let other_posts = capture(CAPTURE_XHR, DY_POSTS_XHR, fixture("douyin/synth/aweme_post_other_account.json"));
    let f = douyin::parse::parse_page_captures_for(&[doc, prof, other_posts], &dy_page(), Some(DY_SEC)).unwrap_err();
    assert_eq!(wrong(&f), (DY_SEC, DY_OTHER));
    // The same at the single-answer level.
    let f = douyin::parse::parse_posts_api_for(
        &ResponseMeta::OK,
        &fixture("douyin/synth/aweme_post_other_account.json"),
        "u",
        Some(DY_SEC),
    )
    .unwrap_err();
    assert_eq!(wrong(&f), (DY_SEC, DY_OTHER));
    // debug parse --expect-id judges the same way.
    let opts = ParseOptions { expect_id: Some(DY_SEC.into()), ..ParseOptions::default() };
    let r = parse_target_file("douyin", "posts", &fixture("douyin/synth/aweme_post_other_account.json"), Utc::now(), None, &opts);
    assert!(matches!(r, Err(DebugError::Failure(ref f)) if f.class() == OutcomeClass::WrongAccount), "{r:?}");
}

#[test]
fn douyin_empty_post_list_proves_nothing_unless_the_count_is_zero() {
    let doc = capture(CAPTURE_DOCUMENT, &dy_page(), fixture("douyin/synth/user_page_xhr.html"));
    let empty_last = r#"{"status_code":0,"aweme_list":[],"has_more":0,"max_cursor":0}"#;
    let empty_more = r#"{"status_code":0,"aweme_list":[],"has_more":1,"max_cursor":1715990400000}"#;
    // The parser alone: an empty list is Unresolved whatever has_more says.
    for body in [empty_last, empty_more] {
        let t = douyin::parse::parse_posts_api(body.as_bytes(), "u").unwrap();
        assert_eq!(t.completeness(), Completeness::Unresolved, "{body}");
    }
    // With a profile stating aweme_count 0 in the same reading: nothing.
    let zero = String::from_utf8(fixture("douyin/synth/user_profile_other_gov.json"))
        .unwrap()
        .replace("\"aweme_count\": 4", "\"aweme_count\": 0");
    assert!(zero.contains("\"aweme_count\": 0"), "the fixture states aweme_count 4");
    let prof0 = capture(CAPTURE_XHR, DY_PROFILE_XHR, zero);
    let r = douyin::parse::parse_page_captures_for(
        &[doc.clone(), prof0.clone(), capture(CAPTURE_XHR, DY_POSTS_XHR, empty_last)],
        &dy_page(),
        Some(DY_SEC),
    )
    .unwrap();
    assert_eq!(r.timeline.unwrap().completeness(), Completeness::Nothing);
    // ... unless the list itself says more exists.
    let r = douyin::parse::parse_page_captures_for(
        &[doc.clone(), prof0, capture(CAPTURE_XHR, DY_POSTS_XHR, empty_more)],
        &dy_page(),
        Some(DY_SEC),
    )
    .unwrap();
    assert_eq!(r.timeline.unwrap().completeness(), Completeness::Unresolved);
    // With aweme_count 4: not served to us.
    let prof = capture(CAPTURE_XHR, DY_PROFILE_XHR, fixture("douyin/synth/user_profile_other_gov.json"));
    let r = douyin::parse::parse_page_captures_for(
        &[doc, prof, capture(CAPTURE_XHR, DY_POSTS_XHR, empty_last)],
        &dy_page(),
        Some(DY_SEC),
    )
    .unwrap();
    assert_eq!(r.timeline.unwrap_err().class(), OutcomeClass::Blocked);
}

#[test]
fn douyin_words_are_not_codes() {
    for file in ["douyin/synth/status_security_policy.json", "douyin/synth/status_user_not_exist_or_network.json"] {
        for r in [
            douyin::parse::parse_profile_api(&fixture(file), "u").map(|_| ()),
            douyin::parse::parse_posts_api(&fixture(file), "u").map(|_| ()),
        ] {
            let f = r.unwrap_err();
            assert_eq!(f.class(), OutcomeClass::Blocked, "{file}: {f}");
            assert!(!f.class().is_platform_answer(), "{file}: could not check");
        }
        // Through a whole page: the page's outcome is could-not-check.
        let doc = capture(CAPTURE_DOCUMENT, &dy_page(), fixture("douyin/synth/user_page_xhr.html"));
        let prof = capture(CAPTURE_XHR, DY_PROFILE_XHR, fixture(file));
        let r = douyin::parse::parse_page_captures_for(&[doc, prof], &dy_page(), Some(DY_SEC));
        let class = match &r {
            Ok(reading) => reading.profile.as_ref().unwrap_err().class(),
            Err(f) => f.class(),
        };
        assert!(!matches!(class, OutcomeClass::NotFound | OutcomeClass::Banned), "{file}: {r:?}");
    }
    // 注销 / 封禁 in words with an unknown code: not understood, not gone.
    for msg in ["该账号已注销", "账号已被封禁"] {
        let body = format!(r#"{{"status_code":9,"status_msg":"{msg}"}}"#);
        let f = douyin::parse::parse_profile_api(body.as_bytes(), "u").unwrap_err();
        assert_eq!(f.class(), OutcomeClass::ParseError, "{msg}");
    }
}

#[test]
fn a_login_panel_offering_sms_code_login_is_a_login_wall() {
    let page = capture(CAPTURE_DOCUMENT, &dy_page(), fixture("douyin/synth/login_guide_sms_code_page.html"));
    let f = douyin::parse::parse_page_captures(&[page], &dy_page()).unwrap_err();
    assert_eq!(f.class(), OutcomeClass::LoginRequired, "{f}");
    // The verification interstitial stays a captcha.
    let page = capture(CAPTURE_DOCUMENT, &dy_page(), fixture("douyin/synth/captcha_middle_page.html"));
    assert_eq!(douyin::parse::parse_page_captures(&[page], &dy_page()).unwrap_err().class(), OutcomeClass::Captcha);
    // A captcha widget on a login panel is still a captcha.
    let both = String::from_utf8(fixture("douyin/synth/login_guide_sms_code_page.html"))
        .unwrap()
        .replace("</body>", "<div id=\"captcha_container\"></div></body>");
    let page = capture(CAPTURE_DOCUMENT, &dy_page(), both);
    assert_eq!(douyin::parse::parse_page_captures(&[page], &dy_page()).unwrap_err().class(), OutcomeClass::Captcha);
}

const TT_TOKEN: &str = "MS4wLjABAAAAsyntheticToutiaoGov000000000000000000000000000";

fn tt_page() -> String {
    format!("https://www.toutiao.com/c/user/token/{TT_TOKEN}/")
}

fn tt_feed_url(token: &str) -> String {
    format!("https://www.toutiao.com/api/pc/list/feed?category=profile_all&token={token}&max_behot_time=0")
}

#[test]
fn toutiao_feed_states_its_author_and_more() {
    let f = toutiao::parse::parse_feed(&fixture("toutiao/synth/pc_list_feed_profile_all.json"), "u").unwrap();
    assert_eq!((f.timeline.owner.as_deref(), f.timeline.more), (Some("60000000001"), Some(true)));
    let doc = capture(CAPTURE_DOCUMENT, &tt_page(), fixture("toutiao/synth/profile_page_xhr.html"));
    let xhr = capture(CAPTURE_XHR, &tt_feed_url(TT_TOKEN), fixture("toutiao/synth/pc_list_feed_profile_all.json"));
    let r = toutiao::parse::parse_page_captures_for(&[doc.clone(), xhr.clone()], &tt_page(), Some(TT_TOKEN)).unwrap();
    // The id the answer states, not the registry's token written over it.
    assert_eq!(r.profile.unwrap().profile.platform_id, "60000000001");
    // Asked by the numeric user_id: compared with the stated author.
    assert!(toutiao::parse::parse_page_captures_for(&[doc.clone(), xhr.clone()], &tt_page(), Some("60000000001")).is_ok());
    let f = toutiao::parse::parse_page_captures_for(&[doc, xhr], &tt_page(), Some("60000000777")).unwrap_err();
    assert_eq!(wrong(&f), ("60000000777", "60000000001"));
}

#[test]
fn toutiao_feed_of_another_account_is_wrong_account() {
    let doc = capture(CAPTURE_DOCUMENT, &tt_page(), fixture("toutiao/synth/profile_page_xhr.html"));
    // The page fetched another token's feed.
    let other_token = "MS4wLjABAAAAsyntheticToutiaoOther0000000000000000000000000";
    let xhr = capture(CAPTURE_XHR, &tt_feed_url(other_token), fixture("toutiao/synth/pc_list_feed_other_author.json"));
    let f = toutiao::parse::parse_page_captures_for(&[doc.clone(), xhr], &tt_page(), Some(TT_TOKEN)).unwrap_err();
    assert_eq!(wrong(&f), (TT_TOKEN, other_token));
    // Asked by user_id, a feed by another author.
    let xhr = capture(CAPTURE_XHR, &tt_feed_url(TT_TOKEN), fixture("toutiao/synth/pc_list_feed_other_author.json"));
    let f = toutiao::parse::parse_page_captures_for(&[doc, xhr], &tt_page(), Some("60000000001")).unwrap_err();
    assert_eq!(wrong(&f), ("60000000001", "60000000777"));
    let opts = ParseOptions { expect_id: Some("60000000001".into()), ..ParseOptions::default() };
    let r = parse_target_file("toutiao", "feed", &fixture("toutiao/synth/pc_list_feed_other_author.json"), Utc::now(), None, &opts);
    assert!(matches!(r, Err(DebugError::Failure(ref f)) if f.class() == OutcomeClass::WrongAccount), "{r:?}");
}

const KS_URL: &str = "https://www.kuaishou.com/profile/3xsyntheticgov";
const KS_GQL: &str = "https://www.kuaishou.com/graphql";

#[test]
fn kuaishou_states_owner_more_and_total() {
    let d = kuaishou::parse::parse_answer(&fixture("kuaishou/synth/graphql_vision_profile_photo_list.json"), "u").unwrap();
    let t = d.timeline();
    assert_eq!((t.owner.as_deref(), t.more), (Some("3xsyntheticgov"), Some(true)));
    let last = r#"{"data":{"visionProfilePhotoList":{"result":1,"pcursor":"no_more","feeds":[]}}}"#;
    assert_eq!(kuaishou::parse::parse_answer(last.as_bytes(), "u").unwrap().more, Some(false));
    let doc = capture(CAPTURE_DOCUMENT, KS_URL, fixture("kuaishou/synth/profile_page_xhr.html"));
    let a = capture(CAPTURE_XHR, KS_GQL, fixture("kuaishou/synth/graphql_vision_profile.json"));
    let b = capture(CAPTURE_XHR, KS_GQL, fixture("kuaishou/synth/graphql_vision_profile_photo_list.json"));
    let r = kuaishou::parse::parse_page_captures_for(&[doc.clone(), a.clone(), b], KS_URL, Some("3xsyntheticgov")).unwrap();
    let t = r.timeline.unwrap();
    assert_eq!((t.total, t.more), (Some(36), Some(true)));
    // An empty last feed with a profile of 0 works: nothing, proved.
    let zero = String::from_utf8(fixture("kuaishou/synth/graphql_vision_profile.json"))
        .unwrap()
        .replace("\"photo_public\": 36", "\"photo_public\": 0");
    assert!(zero.contains("\"photo_public\": 0"), "the fixture states photo_public 36");
    let a0 = capture(CAPTURE_XHR, KS_GQL, zero);
    let r = kuaishou::parse::parse_page_captures_for(&[doc, a0, capture(CAPTURE_XHR, KS_GQL, last)], KS_URL, Some("3xsyntheticgov"))
        .unwrap();
    assert_eq!(r.timeline.unwrap().completeness(), Completeness::Nothing);
}

#[test]
fn kuaishou_profile_of_another_account_is_wrong_account() {
    let doc = capture(CAPTURE_DOCUMENT, KS_URL, fixture("kuaishou/synth/profile_page_xhr.html"));
    let a = capture(CAPTURE_XHR, KS_GQL, fixture("kuaishou/synth/graphql_vision_profile_other_account.json"));
    let f = kuaishou::parse::parse_page_captures_for(&[doc.clone(), a], KS_URL, Some("3xsyntheticgov")).unwrap_err();
    assert_eq!(wrong(&f), ("3xsyntheticgov", "3xsyntheticother"));
    // A feed whose authors are another account.
    let b = capture(CAPTURE_XHR, KS_GQL, fixture("kuaishou/synth/graphql_vision_profile_photo_list.json"));
    let f = kuaishou::parse::parse_page_captures_for(&[doc, b], KS_URL, Some("3xsyntheticother")).unwrap_err();
    assert_eq!(wrong(&f), ("3xsyntheticother", "3xsyntheticgov"));
}

#[test]
fn kuaishou_2001_need_captcha_is_a_captcha() {
    let f = kuaishou::parse::parse_answer(&fixture("kuaishou/synth/rest_profile_feed_need_captcha_2001.json"), "u")
        .unwrap_err();
    assert_eq!(f.class(), OutcomeClass::Captcha, "{f}");
    // Under a GraphQL field too.
    let body = r#"{"data":{"visionProfilePhotoList":{"result":2001,"error_msg":"need captcha"}}}"#;
    assert_eq!(kuaishou::parse::parse_answer(body.as_bytes(), "u").unwrap_err().class(), OutcomeClass::Captcha);
    // Through a page: the refusal is the page's outcome.
    let doc = capture(CAPTURE_DOCUMENT, KS_URL, fixture("kuaishou/synth/profile_page_xhr.html"));
    let x = capture(
        CAPTURE_XHR,
        "https://www.kuaishou.com/rest/v/profile/feed",
        fixture("kuaishou/synth/rest_profile_feed_need_captcha_2001.json"),
    );
    let f = kuaishou::parse::parse_page_captures(&[doc, x], KS_URL).unwrap_err();
    assert_eq!(f.class(), OutcomeClass::Captcha);
}
