//! Bilibili parsers on the real captures (nonebot-bison, MIT) and on the
//! synthesized fault answers, with the values asserted.

use chrono::{TimeZone, Utc};
use std::path::PathBuf;
use xunjian_adapters::bilibili::parse::{self, BilibiliProfile};
use xunjian_adapters::bilibili::wbi;
use xunjian_adapters::model::{CommentState, Completeness, OutcomeClass};
use xunjian_adapters::weibo::ResponseMeta;
use xunjian_adapters::{DebugError, FetchFailure, ParseOptions, parse_target_file};

fn fixture(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bilibili").join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn ts(secs: i64) -> chrono::DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).unwrap()
}

#[test]
fn real_2024_feed_pinned_forwards_comment_state_and_paging() {
    let t = parse::parse_dynamics(&fixture("x_polymer_web-dynamic_feed_space_pinned_forward.json"), "u").unwrap();
    assert_eq!(t.posts.len(), 13);
    let pinned: Vec<_> = t.posts.iter().filter(|p| p.is_pinned).map(|p| p.id.as_str()).collect();
    assert_eq!(pinned, ["916751749918752793"]);
    assert_eq!(t.posts[0].published_at, ts(1712286300));
    assert!(t.posts.iter().all(|p| p.published_at_exact));
    // Item 7 forwards item 11: exact source time, delay 302407 s.
    let fwd = &t.posts[7];
    assert_eq!(fwd.id, "917092495452536836");
    assert!(!fwd.is_original);
    let src = fwd.repost_of.as_ref().unwrap();
    assert_eq!(src.post_id, "915793667264872453");
    assert_eq!(src.author_id.as_deref(), Some("161775300"));
    assert_eq!(src.author_name.as_deref(), Some("明日方舟"));
    assert_eq!(src.published_at, Some(ts(1712063229)));
    assert!(src.available);
    assert_eq!(fwd.repost_delay().unwrap().num_seconds(), 1712365636 - 1712063229);
    // Item 12 forwards a deleted original (DYNAMIC_TYPE_NONE, id_str null).
    let gone = t.posts[12].repost_of.as_ref().unwrap();
    assert_eq!((gone.post_id.as_str(), gone.available, gone.published_at), ("", false, None));
    // Every item says forbidden: false.
    assert!(t.posts.iter().all(|p| p.comment_state == CommentState::Open));
    assert_eq!(t.posts[0].counts.comments, Some(5954));
    // A video carries its bvid and title.
    let av = &t.posts[8];
    assert_eq!(av.alt_id.as_deref(), Some("BV1Jp421y72e"));
    assert!(av.text.contains("《明日方舟》SideStory「巴别塔」活动宣传PV"), "{}", av.text);
    assert_eq!(t.next_cursor.as_deref(), Some("915793667264872453"));
    // The newest unpinned post is not the pinned one.
    assert_eq!(t.latest_unpinned().unwrap().id, "965806534205374473");
}

#[test]
fn real_2025_opus_feed_pinned_tag_has_a_leading_space() {
    let t = parse::parse_dynamics(&fixture("x_polymer_web-dynamic_feed_space_opus_2025.json"), "u").unwrap();
    assert_eq!(t.posts.len(), 3);
    assert!(t.posts[0].is_pinned, "\" 置顶\" is trimmed");
    assert!(!t.posts[1].is_pinned && !t.posts[2].is_pinned);
    assert_eq!(t.posts[1].published_at, ts(1739280000));
    assert!(t.posts[0].text.starts_with("我的微博ID："), "opus summary is the text: {}", t.posts[0].text);
    assert_eq!(t.posts[2].text, "辣妹姐妹\n\n@wujurana");
    assert_eq!(t.next_cursor.as_deref(), Some("1032614078366875648"));
}

#[test]
fn real_live_master_info_gives_name_and_verification() {
    let p: BilibiliProfile =
        parse::parse_master_info(&fixture("live_user_v1_Master_info_official_verify.json"), "u").unwrap();
    assert_eq!(p.profile.platform_id, "161775300");
    assert_eq!(p.profile.display_name, "明日方舟");
    assert_eq!(p.profile.verified, Some(true));
    assert_eq!(p.official_type, Some(1));
    assert_eq!(p.profile.verified_entity.as_deref(), Some("明日方舟官方账号"));
    assert_eq!(p.profile.followers, Some(6734852));
    assert_eq!(p.official_role, None, "the live API has no role");
    assert_eq!(p.from, "live master info");
}

#[test]
fn synthesized_profiles_government_banned_missing() {
    let p = parse::parse_acc_info(&fixture("synth/acc_info_gov.json"), "u").unwrap();
    assert_eq!(p.profile.platform_id, "3546000000000001");
    assert_eq!(p.official_role, Some(6));
    assert_eq!(xunjian_adapters::bilibili::official_role_name(6), "government");
    assert_eq!(p.profile.verified_type.as_deref(), Some("6"));
    assert_eq!(p.profile.verified_entity.as_deref(), Some("示例县人民政府新闻办公室"));
    assert_eq!(p.profile.description.as_deref(), Some("示例县人民政府新闻办公室官方账号"));
    let banned = parse::parse_acc_info(&fixture("synth/acc_info_silence.json"), "u").unwrap_err();
    assert_eq!(banned.class(), OutcomeClass::Banned);
    let missing = parse::parse_acc_info(&fixture("synth/acc_info_not_found.json"), "u").unwrap_err();
    assert_eq!(missing.class(), OutcomeClass::NotFound);
    // An empty live info never says "not found".
    let empty = parse::parse_master_info(&fixture("synth/master_info_empty.json"), "u").unwrap_err();
    assert_eq!(empty.class(), OutcomeClass::ParseError);
}

#[test]
fn synthesized_feed_forbidden_comments_and_forward_delay() {
    let t = parse::parse_dynamics(&fixture("synth/dynamics_forbidden_last_page.json"), "u").unwrap();
    assert_eq!(t.next_cursor, None, "has_more false: no next page");
    assert!(t.posts[0].is_pinned);
    assert_eq!(t.posts[2].comment_state, CommentState::Closed);
    assert_eq!(t.posts[1].repost_delay().unwrap().num_seconds(), 3600);
    // A coherent empty last page is an empty timeline; an empty page that
    // claims more proves nothing (see bilibili_truth.rs).
    assert!(parse::parse_dynamics(&fixture("synth/dynamics_empty_last_page.json"), "u").unwrap().posts.is_empty());
    let odd = br#"{"code":0,"data":{"has_more":true,"offset":"5","items":[]}}"#;
    assert_eq!(parse::parse_dynamics(odd, "u").unwrap().completeness(), Completeness::Unresolved);
}

#[test]
fn every_fault_class_is_a_failure_never_an_empty_answer() {
    let cases: &[(&str, OutcomeClass)] = &[
        ("synth/risk_control_352.json", OutcomeClass::Throttled),
        ("synth/intercepted_412.json", OutcomeClass::Blocked),
        ("synth/voucher.json", OutcomeClass::Blocked),
        ("synth/html_error_page_200.html", OutcomeClass::Throttled),
    ];
    for (file, class) in cases {
        let body = fixture(file);
        for (what, r) in [
            ("dynamics", parse::parse_dynamics(&body, "u").map(|_| ())),
            ("acc/info", parse::parse_acc_info(&body, "u").map(|_| ())),
            ("search", parse::parse_user_search(&body, "u").map(|_| ())),
        ] {
            assert_eq!(r.unwrap_err().class(), *class, "{file} as {what}");
        }
    }
    // Truncated real capture: a network failure (worth a retry).
    let full = fixture("x_polymer_web-dynamic_feed_space_pinned_forward.json");
    let cut = &full[..full.len() / 2];
    assert_eq!(parse::parse_dynamics(cut, "u").unwrap_err().class(), OutcomeClass::NetworkError);
    // An HTML error page without any marker: not understood.
    let page = b"<html><head><title>502</title></head><body>nginx</body></html>";
    assert_eq!(parse::parse_dynamics(page, "u").unwrap_err().class(), OutcomeClass::ParseError);
    // HTTP 412 with the JSON body: blocked (Bilibili's risk control).
    let meta = ResponseMeta { status: 412, ..ResponseMeta::OK };
    let f = parse::parse_dynamics_response(&meta, &fixture("synth/intercepted_412.json"), "u").unwrap_err();
    assert!(matches!(f, FetchFailure::Blocked { http_status: Some(412), .. }), "{f:?}");
    // A -404 on the feed is not taken as the account's absence (only
    // acc/info decides that).
    assert_eq!(
        parse::parse_dynamics(&fixture("synth/acc_info_not_found.json"), "u").unwrap_err().class(),
        OutcomeClass::ParseError
    );
}

#[test]
fn user_search_strips_highlights_and_reads_verification() {
    let hits = parse::parse_user_search(&fixture("synth/search_bili_user.json"), "u").unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].display_name, "示例县人民政府发布");
    assert_eq!((hits[0].verified, hits[0].verified_entity.as_deref()), (Some(true), Some("示例县人民政府新闻办公室")));
    assert_eq!(hits[0].profile_url.as_deref(), Some("https://space.bilibili.com/3546000000000001"));
    assert_eq!((hits[1].verified, hits[1].verified_entity.as_deref()), (Some(false), None));
    assert!(parse::parse_user_search(&fixture("synth/search_no_result.json"), "u").unwrap().is_empty());
}

#[test]
fn nav_keys_give_the_documented_mixin_key() {
    let keys = parse::parse_nav(&ResponseMeta::OK, &fixture("synth/nav_logged_out_wbi_keys.json"), "u").unwrap();
    assert_eq!(keys.mixin_key().as_deref(), Some("ea1db124af3c7062474693fa704f4ff8"));
    // The documented vector through the public API.
    let q = wbi::sign_query(
        &[("foo", "114"), ("bar", "514"), ("zab", "1919810")],
        "ea1db124af3c7062474693fa704f4ff8",
        1702204169,
    );
    assert!(q.ends_with("w_rid=8f6f2b5b3d485fe1886cec6a0be8c5d4"), "{q}");
    let spi = parse::parse_spi(&ResponseMeta::OK, &fixture("synth/finger_spi.json"), "u").unwrap();
    assert_eq!(spi[0].0, "buvid3");
}

#[test]
fn debug_parse_shows_pinned_forward_source_times_and_comment_state() {
    let now = Utc::now();
    let v = parse_target_file(
        "bilibili",
        "dynamics",
        &fixture("x_polymer_web-dynamic_feed_space_pinned_forward.json"),
        now,
        None,
        &ParseOptions::default(),
    )
    .unwrap();
    let posts = v["posts"].as_array().unwrap();
    assert_eq!(posts[0]["is_pinned"], true);
    assert_eq!(posts[7]["repost_of"]["published_at_shanghai"], "2024-04-02T21:07:09+08:00");
    assert_eq!(posts[7]["repost_delay_secs"], 302407);
    assert_eq!(posts[3]["comment_state"], "open");
    assert_eq!(v["latest_unpinned_post_id"], "965806534205374473");
    match parse_target_file("bilibili", "profile", &fixture("synth/risk_control_352.json"), now, None, &ParseOptions::default()) {
        Err(DebugError::Failure(f)) => assert_eq!(f.class(), OutcomeClass::Throttled),
        other => panic!("{other:?}"),
    }
    assert!(matches!(parse_target_file("bilibili", "videos", b"{}", now, None, &ParseOptions::default()), Err(DebugError::Usage(_))));
}
