//! Every real Weibo capture, parsed, with its real values asserted.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use common::fixture;
use xunjian_adapters::model::{CommentState, MessageEntry, Platform};
use xunjian_adapters::weibo::parse::{parse_longtext, parse_profile, parse_status_show, parse_timeline, parse_user_search};
use xunjian_adapters::weibo::TimelinePage;
use xunjian_adapters::{DebugError, FetchFailure, ParseOptions, parse_file};

const TIMELINE: &str = "m_getIndex_107603_timeline_pinned_retweet.json";
const PROFILE: &str = "m_getIndex_type_uid_profile_verified.json";
const NO_CONTENT: &str = "m_getIndex_error_no_content.json";
const LONGTEXT: &str = "m_statuses_extend_longtext.json";

fn sh(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Shanghai.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap().with_timezone(&Utc)
}

/// Far from the capture, so a relative-time slip would show.
fn now() -> DateTime<Utc> {
    sh(2026, 11, 21, 12, 0, 0)
}

fn timeline() -> xunjian_adapters::model::Timeline {
    match parse_timeline(&fixture(TIMELINE), "fixture", now()).unwrap() {
        TimelinePage::Posts(t) => t,
        other => panic!("{other:?}"),
    }
}

#[test]
fn timeline_ids_times_and_paging() {
    let t = timeline();
    assert_eq!(t.posts.len(), 10);
    assert_eq!(t.next_cursor.as_deref(), Some("4646131823281332"));
    assert_eq!(t.total, Some(1221));
    let ids: Vec<&str> = t.posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "4645748019299849",
            "4649031014551911",
            "4648806186747944",
            "4648004356937383",
            "4647212359090479",
            "4647211990255467",
            "4646917039199914",
            "4646569834450357",
            "4646502071534367",
            "4646192191903210"
        ]
    );
    // Every time in this capture is the full form: all exact.
    assert!(t.posts.iter().all(|p| p.published_at_exact));
    assert_eq!(t.posts[1].published_at, sh(2021, 6, 17, 11, 0, 31));
    assert_eq!(t.posts[9].published_at, sh(2021, 6, 9, 15, 0, 3));
    assert_eq!(t.posts[9].published_at.to_rfc3339(), "2021-06-09T07:00:03+00:00");
    assert_eq!(t.posts[1].alt_id.as_deref(), Some("Kkzwhj69V"));
    assert_eq!(t.posts[1].url.as_deref(), Some("https://weibo.com/6279793937/Kkzwhj69V"));
}

#[test]
fn timeline_pinned_post_is_card_0_only() {
    let t = timeline();
    let pinned: Vec<usize> = t.posts.iter().enumerate().filter(|(_, p)| p.is_pinned).map(|(i, _)| i).collect();
    assert_eq!(pinned, [0]);
    let p = &t.posts[0];
    assert_eq!(p.id, "4645748019299849");
    assert_eq!(p.alt_id.as_deref(), Some("Kjc77D1jz"));
    assert_eq!(p.published_at, sh(2021, 6, 8, 9, 35, 4));
    assert!(p.text_truncated, "isLongText");
    assert!(p.text.contains("2021明日方舟音律联觉Ambience Synesthesia专场演出官方录播"));
    assert!(!p.text.contains('<'), "markup left in text: {}", p.text);
    assert_eq!((p.counts.reposts, p.counts.comments, p.counts.likes), (Some(9079), Some(2126), Some(37053)));
    // The latest post ignores the pinned one: card 1 (17 June) is newest.
    assert_eq!(t.latest_unpinned().map(|p| p.id.as_str()), Some("4649031014551911"));
}

#[test]
fn latest_post_ignores_a_pinned_post_even_when_it_is_newest() {
    // Move the pinned card's time after every other post: it must still
    // not count as the latest post.
    let mut v: serde_json::Value = serde_json::from_slice(&fixture(TIMELINE)).unwrap();
    v["data"]["cards"][0]["mblog"]["created_at"] = "Sun Jun 20 08:00:00 +0800 2021".into();
    let body = serde_json::to_vec(&v).unwrap();
    let TimelinePage::Posts(t) = parse_timeline(&body, "fixture", now()).unwrap() else { panic!() };
    assert_eq!(t.posts[0].published_at, sh(2021, 6, 20, 8, 0, 0));
    assert_eq!(t.latest_unpinned().map(|p| p.id.as_str()), Some("4649031014551911"));
}

#[test]
fn timeline_repost_card_2_carries_its_source_and_delay() {
    let t = timeline();
    let reposts: Vec<usize> = t.posts.iter().enumerate().filter(|(_, p)| !p.is_original).map(|(i, _)| i).collect();
    assert_eq!(reposts, [2]);
    let p = &t.posts[2];
    assert_eq!(p.id, "4648806186747944");
    assert_eq!(p.alt_id.as_deref(), Some("KktFEsjrO"));
    assert_eq!(p.published_at, sh(2021, 6, 16, 20, 7, 7));
    assert!(p.text.starts_with("恭喜@黄防护服黄 等10名用户获得【音律联觉主题黑胶礼盒各一套】"), "{}", p.text);
    let src = p.repost_of.as_ref().unwrap();
    assert_eq!(src.post_id, "4645748019299849");
    assert_eq!(src.post_alt_id.as_deref(), Some("Kjc77D1jz"));
    assert_eq!(src.author_id.as_deref(), Some("6279793937"));
    assert_eq!(src.author_name.as_deref(), Some("明日方舟Arknights"));
    assert_eq!(src.published_at, Some(sh(2021, 6, 8, 9, 35, 4)));
    assert!(src.available);
    // 8 days 10:32:03 between the source and the repost.
    assert_eq!(p.repost_delay().unwrap().num_seconds(), 8 * 86_400 + 10 * 3600 + 32 * 60 + 3);
}

#[test]
fn timeline_comment_state_is_unknown_without_signals() {
    // The 2021 capture has only `enable_comment_guide`, which is no
    // statement about who may comment.
    assert!(timeline().posts.iter().all(|p| p.comment_state == CommentState::Unknown));
}

#[test]
fn profile_verification_followers_and_tabs() {
    let p = parse_profile(&fixture(PROFILE), "fixture").unwrap();
    assert_eq!(p.profile.platform_id, "6279793937");
    assert_eq!(p.profile.display_name, "明日方舟Arknights");
    assert_eq!(p.profile.verified, Some(true));
    assert_eq!(p.profile.verified_type.as_deref(), Some("2"));
    assert_eq!(p.verified_type_ext, Some(50));
    assert_eq!(p.profile.verified_entity.as_deref(), Some("上海鹰角网络科技有限公司"));
    // "145.5万" as the platform shows it.
    assert_eq!(p.profile.followers, Some(1_455_000));
    assert_eq!(p.profile.post_count, Some(1553));
    assert_eq!(p.profile.description.as_deref(), Some("《明日方舟》官方微博，欢迎咨询客服QQ服务号：800830064"));
    assert_eq!(p.timeline_containerid.as_deref(), Some("1076036279793937"));
    // The follow button's user has allow_msg: 1.
    assert_eq!(p.profile.private_message, MessageEntry::Open);
    assert_eq!(p.profile.comment_policy, CommentState::Unknown);
}

#[test]
fn no_content_proves_nothing_on_the_profile_or_a_timeline() {
    let body = fixture(NO_CONTENT);
    // m.weibo.cn answers this for uids that do not exist and for existing
    // accounts it hides from visitors (weibo-crawler#125): could not check.
    assert!(matches!(parse_profile(&body, "u"), Err(FetchFailure::LoginRequired { .. })));
    assert_eq!(parse_timeline(&body, "u", now()).unwrap(), TimelinePage::NoContent { msg: Some("这里还没有内容".into()) });
    assert_eq!(parse_user_search(&body, "u").unwrap(), vec![]);
    assert!(matches!(parse_file(Platform::Weibo, "timeline", &body, now(), &ParseOptions::default()), Err(DebugError::Unresolved(_))));
}

#[test]
fn longtext_full_text_and_counts() {
    let l = parse_longtext(&fixture(LONGTEXT), "fixture").unwrap();
    assert!(l.text.contains("2021明日方舟音律联觉Ambience Synesthesia专场演出官方录播将于6月12日10:30正式上线"));
    assert!(l.text.contains("关注并转发本条微博，我们将通过@微博抽奖平台 抽取十位博士"), "{}", l.text);
    assert!(!l.text.contains('<'));
    assert_eq!((l.counts.reposts, l.counts.comments, l.counts.likes), (Some(7110), Some(2202), Some(39034)));
    // It is longer than the timeline's cut-short text of the same post.
    assert!(l.text.chars().count() > timeline().posts[0].text.chars().count());
}

#[test]
fn status_show_of_a_timeline_mblog() {
    // statuses/show answers {"ok":1,"data":<status>}; build one from the
    // real repost card so the same real fields go through that parser.
    let v: serde_json::Value = serde_json::from_slice(&fixture(TIMELINE)).unwrap();
    let body = serde_json::to_vec(&serde_json::json!({"ok": 1, "data": v["data"]["cards"][2]["mblog"]})).unwrap();
    let p = parse_status_show(&body, "fixture", now()).unwrap();
    assert_eq!(p.id, "4648806186747944");
    assert_eq!(p.repost_of.unwrap().published_at, Some(sh(2021, 6, 8, 9, 35, 4)));
    assert!(!p.is_pinned);
}

#[test]
fn parse_file_prints_pinned_repost_source_time_and_exact_times() {
    let out = parse_file(Platform::Weibo, "timeline", &fixture(TIMELINE), now(), &ParseOptions::default()).unwrap();
    let posts = out["posts"].as_array().unwrap();
    assert_eq!(posts[0]["is_pinned"], true);
    assert_eq!(posts[0]["published_at"], "2021-06-08T01:35:04Z");
    assert_eq!(posts[0]["published_at_shanghai"], "2021-06-08T09:35:04+08:00");
    assert_eq!(posts[2]["repost_of"]["post_id"], "4645748019299849");
    assert_eq!(posts[2]["repost_of"]["published_at_shanghai"], "2021-06-08T09:35:04+08:00");
    assert_eq!(posts[2]["repost_delay_secs"], 729_123);
    assert_eq!(out["latest_unpinned_post_id"], "4649031014551911");
    let profile = parse_file(Platform::Weibo, "profile", &fixture(PROFILE), now(), &ParseOptions::default()).unwrap();
    assert_eq!(profile["verified_entity"], "上海鹰角网络科技有限公司");
    assert_eq!(profile["followers"], 1_455_000);
    assert!(matches!(parse_file(Platform::Weibo, "comments", b"{}", now(), &ParseOptions::default()), Err(DebugError::Usage(_))));
    assert!(matches!(parse_file(Platform::Douyin, "timeline", b"{}", now(), &ParseOptions::default()), Err(DebugError::Usage(_))));
}
