//! Feeds (RSS 2.0, Atom, JSON Feed, GBK) and portal pages (GBK and UTF-8,
//! with and without the notice), parsed with their values asserted.

mod support;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use support::{feed, portal};
use xunjian_adapters::feed::parse::{FeedFormat, parse_feed, parse_feed_response, parse_timeline};
use xunjian_adapters::model::CommentState;
use xunjian_adapters::portal::parse::{NoticeKind, find_mentions, parse_notice, parse_portal, parse_portal_response};
use xunjian_adapters::weibo::ResponseMeta;
use xunjian_adapters::{DebugError, ParseOptions, parse_target_file};

fn sh(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Shanghai.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap().with_timezone(&Utc)
}

fn now() -> DateTime<Utc> {
    sh(2024, 5, 20, 12, 0, 0)
}

#[test]
fn rsshub_rss2_wechat_route() {
    let f = parse_feed(&feed("synth/rsshub_wechat_rss2.xml"), "u").unwrap();
    assert_eq!(f.format, FeedFormat::Rss2);
    assert_eq!(f.title.as_deref(), Some("汉滨发布"));
    assert_eq!(f.generator.as_deref(), Some("RSSHub"));
    assert_eq!(f.link.as_deref(), Some("https://mp.weixin.qq.com/"));
    assert_eq!(f.items.len(), 3);
    let t = parse_timeline(&feed("synth/rsshub_wechat_rss2.xml"), "u", now()).unwrap();
    let p = &t.posts[0];
    // The guid, with its &amp; undone.
    assert_eq!(
        p.id,
        "https://mp.weixin.qq.com/s?__biz=MzAwMDAwMDAwMQ==&mid=2247490001&idx=1&sn=0123456789abcdef0123456789abcdef"
    );
    assert_eq!(p.url.as_deref(), Some(p.id.as_str()));
    assert_eq!(p.published_at, sh(2024, 5, 20, 9, 30, 0));
    assert!(p.published_at_exact);
    assert_eq!(p.text, "汉滨区召开2024年防汛工作部署会\n5月20日上午，区政府召开防汛工作部署会。");
    assert!(!p.is_pinned && p.comment_state == CommentState::Unknown && p.repost_of.is_none());
    // CDATA title and body.
    assert_eq!(t.posts[1].text, "转发：陕西省防汛抗旱指挥部关于做好主汛期准备的通知\n转自陕西发布。");
    assert_eq!(t.posts[2].published_at, sh(2024, 5, 14, 21, 30, 0));
    assert_eq!(t.next_cursor, None);
}

#[test]
fn rsshub_atom_douyin_route() {
    let f = parse_feed(&feed("synth/rsshub_douyin_atom.xml"), "u").unwrap();
    assert_eq!(f.format, FeedFormat::Atom);
    assert_eq!(f.title.as_deref(), Some("汉滨发布 的抖音"));
    assert_eq!(
        f.link.as_deref(),
        Some("https://www.douyin.com/user/MS4wLjABAAAAsyntheticSecUid000000000000000000000000000")
    );
    assert_eq!(f.items[0].author.as_deref(), Some("汉滨发布"));
    let t = parse_timeline(&feed("synth/rsshub_douyin_atom.xml"), "u", now()).unwrap();
    assert_eq!(t.posts.len(), 2);
    assert_eq!(t.posts[0].id, "https://www.douyin.com/video/7370000000000000001");
    assert_eq!(t.posts[0].url.as_deref(), Some("https://www.douyin.com/video/7370000000000000001"));
    assert_eq!(t.posts[0].published_at, sh(2024, 5, 19, 18, 15, 0));
    assert!(t.posts[0].published_at_exact);
    // The body repeats the title: the body alone.
    assert_eq!(t.posts[0].text, "汉江汛期巡查直击 #汉滨");
    assert_eq!(t.posts[1].published_at, sh(2024, 4, 30, 8, 5, 0));
}

#[test]
fn rsshub_json_feed_with_utc_strings_and_an_undated_item() {
    let f = parse_feed(&feed("synth/rsshub_toutiao_jsonfeed.json"), "u").unwrap();
    assert_eq!(f.format, FeedFormat::JsonFeed);
    let t = parse_timeline(&feed("synth/rsshub_toutiao_jsonfeed.json"), "u", now()).unwrap();
    assert_eq!(t.posts.len(), 3);
    // RSSHub writes `toUTCString()` into date_published.
    assert_eq!((t.posts[0].published_at, t.posts[0].published_at_exact), (sh(2024, 5, 20, 10, 0, 0), true));
    assert_eq!((t.posts[1].published_at, t.posts[1].published_at_exact), (sh(2024, 5, 18, 16, 0, 0), true));
    // No date: the fetch time, never claimed exact.
    assert_eq!((t.posts[2].published_at, t.posts[2].published_at_exact), (now(), false));
    assert_eq!(t.posts[2].id, "https://www.toutiao.com/w/1790000000000000013/");
}

#[test]
fn gbk_feed_declared_only_in_the_xml_declaration() {
    let body = feed("synth/rss2_gbk_declared_in_xml.xml");
    assert!(std::str::from_utf8(&body).is_err(), "the fixture is GBK");
    // Served as text/xml without a charset, as such sites do.
    let meta = ResponseMeta { status: 200, content_type: Some("text/xml"), location: None, retry_after_secs: None };
    let f = parse_feed_response(&meta, &body, "u").unwrap();
    assert_eq!(f.title.as_deref(), Some("汉滨区人民政府 通知公告"));
    let t = xunjian_adapters::feed::parse::feed_timeline(&f, now());
    assert_eq!(
        t.posts[0].text,
        "关于开通“汉滨发布”微信公众号的公告\n经区政府同意，“汉滨发布”微信公众号于2024年5月20日正式开通运行。"
    );
    assert_eq!((t.posts[0].published_at, t.posts[0].published_at_exact), (sh(2024, 5, 20, 9, 30, 0), true));
    // dc:date without a zone: read as Shanghai, marked inexact.
    assert_eq!((t.posts[1].published_at, t.posts[1].published_at_exact), (sh(2024, 5, 18, 8, 0, 0), false));
    // No guid: the link is the id.
    assert_eq!(t.posts[1].id, "http://www.hanbin.example.gov.cn/Content-2024051801.html");
}

#[test]
fn debug_parse_feed() {
    let v = parse_target_file("feed", "timeline", &feed("synth/rsshub_wechat_rss2.xml"), now(), None, &ParseOptions::default()).unwrap();
    assert_eq!(v["posts"].as_array().unwrap().len(), 3);
    assert_eq!(v["posts"][0]["published_at_shanghai"], "2024-05-20T09:30:00+08:00");
    let v = parse_target_file("feed", "feed", &feed("synth/rsshub_douyin_atom.xml"), now(), None, &ParseOptions::default()).unwrap();
    assert_eq!(v["format"], "atom");
    let e = parse_target_file("feed", "timeline", &feed("synth/rsshub_error_page_upstream_403.html"), now(), None, &ParseOptions::default())
        .unwrap_err();
    assert_eq!(e.to_json()["outcome"], "blocked");
    assert!(matches!(parse_target_file("feed", "xml", b"", now(), None, &ParseOptions::default()), Err(DebugError::Usage(_))));
}

const HOME: &str = "http://www.ankang.example.gov.cn/index.html";

#[test]
fn gbk_homepage_with_the_notice_in_the_notice_block() {
    let body = portal("synth/home_gbk_with_notice.html");
    assert!(std::str::from_utf8(&body).is_err(), "the fixture is GBK");
    // Declared only in <meta>, served as text/html without a charset.
    let meta = ResponseMeta { status: 200, content_type: Some("text/html"), location: None, retry_after_secs: None };
    let page = parse_portal_response(&meta, &body, HOME).unwrap();
    assert_eq!(page.title.as_deref(), Some("安康市人民政府"));
    let prominent: Vec<&str> = page.items.iter().filter(|i| i.prominent).map(|i| i.title.as_str()).collect();
    assert_eq!(
        prominent,
        [
            "市政府召开常务会议 研究部署防汛减灾等工作",
            "汉江安康段开展联合巡查",
            "更多>>",
            "全市优化营商环境工作推进会召开",
            "安康市2024年春季植树造林工作综述",
            "更多",
            "关于开通“汉滨发布”微信公众号的公告",
            "安康市人民政府关于2024年端午节放假安排的通知",
            "关于“安康发布”政务微博停止更新的公告",
        ]
    );
    let by = |t: &str| page.items.iter().find(|i| i.title == t).unwrap_or_else(|| panic!("{t}"));
    for not in
        ["首页", "政务公开", "用户登录", "旬阳市召开乡村振兴工作推进会", "优化营商环境", "中国政府网", "网站地图"]
    {
        assert!(!by(not).prominent, "{not}");
    }
    let m = find_mentions(&page, "汉滨发布");
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].kind, NoticeKind::Opening);
    assert_eq!(m[0].keyword.as_deref(), Some("开通"));
    assert!(m[0].item.prominent);
    // The title attribute (full) wins over the cut link text.
    assert_eq!(m[0].item.title, "关于开通“汉滨发布”微信公众号的公告");
    assert_eq!(m[0].item.url, "http://www.ankang.example.gov.cn/zwgk/tzgg/202405/t20240520_100020.html");
    assert_eq!(m[0].item.date, NaiveDate::from_ymd_opt(2024, 5, 20));
    assert_eq!(m[0].item.block.as_deref(), Some("通知公告 更多"));
    let closing = find_mentions(&page, "安康发布");
    assert_eq!(closing.len(), 1);
    assert_eq!(closing[0].kind, NoticeKind::Closing);
}

#[test]
fn utf8_homepage_without_the_notice() {
    let page = parse_portal(&portal("synth/home_utf8_without_notice.html"), HOME).unwrap();
    assert!(page.items.len() > 20);
    assert!(find_mentions(&page, "汉滨发布").is_empty());
    assert!(page.items.iter().enumerate().all(|(i, it)| it.position == i));
}

#[test]
fn a_notice_in_a_side_column_is_found_but_not_prominent() {
    let page = parse_portal(&portal("synth/home_utf8_notice_in_side_column.html"), HOME).unwrap();
    let m = find_mentions(&page, "汉滨发布");
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].kind, NoticeKind::Opening);
    assert!(!m[0].item.prominent);
    assert_eq!(m[0].item.block.as_deref(), Some("专题专栏"));
}

#[test]
fn gbk_notice_page_date() {
    let n = parse_notice(&portal("synth/notice_page_gbk.html"), "http://www.ankang.example.gov.cn/n.html").unwrap();
    assert_eq!(n.title.as_deref(), Some("关于开通“汉滨发布”微信公众号的公告_通知公告_安康市人民政府"));
    assert_eq!(n.published_on, NaiveDate::from_ymd_opt(2024, 5, 20));
    assert_eq!(n.published_at, Some(sh(2024, 5, 20, 9, 30, 0)));
    assert_eq!(n.date_source.as_deref(), Some("meta PubDate"));
}

#[test]
fn debug_parse_portal_with_account() {
    let now = now();
    let v =
        parse_target_file("portal", "home", &portal("synth/home_gbk_with_notice.html"), now, Some("汉滨发布"), &ParseOptions::default()).unwrap();
    assert_eq!(v["account"], "汉滨发布");
    assert_eq!(v["mentions"][0]["kind"], "opening");
    assert_eq!(v["mentions"][0]["item"]["prominent"], true);
    let v = parse_target_file("portal", "home", &portal("synth/home_utf8_without_notice.html"), now, Some("汉滨发布"), &ParseOptions::default())
        .unwrap();
    assert_eq!(v["mentions"].as_array().unwrap().len(), 0);
    let e = parse_target_file("portal", "home", &portal("synth/waf_chuangyu_block_200.html"), now, Some("汉滨发布"), &ParseOptions::default())
        .unwrap_err();
    assert_eq!(e.to_json()["outcome"], "blocked");
    let v = parse_target_file("portal", "notice", &portal("synth/notice_page_gbk.html"), now, None, &ParseOptions::default()).unwrap();
    assert_eq!(v["published_on"], "2024-05-20");
}

fn parse_error_field(e: &xunjian_adapters::FetchFailure) -> String {
    match e {
        xunjian_adapters::FetchFailure::ParseError { field, .. } => field.clone(),
        other => panic!("expected a parse error (could not check), got {other:?}"),
    }
}

#[test]
fn gbk_not_found_page_with_navigation_is_not_the_homepage() {
    let body = portal("synth/not_found_gbk_with_nav_200.html");
    assert!(std::str::from_utf8(&body).is_err(), "the fixture is GBK");
    let e = parse_portal(&body, HOME).unwrap_err();
    assert_eq!(parse_error_field(&e), "not_found_page", "{e:?}");
    assert_eq!(e.class(), xunjian_adapters::model::OutcomeClass::ParseError);
}

#[test]
fn maintenance_pages_with_navigation_are_not_the_homepage() {
    let e = parse_portal(&portal("synth/maintenance_utf8_with_nav_200.html"), HOME).unwrap_err();
    assert_eq!(parse_error_field(&e), "maintenance_page", "{e:?}");
    let body = portal("synth/maintenance_title_gbk_200.html");
    assert!(std::str::from_utf8(&body).is_err(), "the fixture is GBK");
    let e = parse_portal(&body, HOME).unwrap_err();
    assert_eq!(parse_error_field(&e), "maintenance_page", "{e:?}");
    assert!(e.to_string().contains("系统升级维护公告"), "{e}");
}

#[test]
fn homepage_reads_carry_their_shape_and_resemble_each_other() {
    let with = parse_portal(&portal("synth/home_gbk_with_notice.html"), HOME).unwrap();
    assert_eq!(with.shape.bytes, portal("synth/home_gbk_with_notice.html").len());
    assert_eq!(with.shape.links, with.items.len());
    assert_eq!(with.shape.prominent, 9);
    assert!(with.shape.blocks.windows(2).all(|w| w[0] < w[1]), "sorted, distinct: {:?}", with.shape.blocks);
    assert!(with.shape.blocks.iter().any(|b| b == "通知公告 更多"), "{:?}", with.shape.blocks);
    assert_eq!(xunjian_adapters::portal::resembles(&with, &with), Ok(()));
    let without = parse_portal(&portal("synth/home_utf8_without_notice.html"), HOME).unwrap();
    // Same site, same layout: the homepage without the notice is still the homepage.
    assert_eq!(xunjian_adapters::portal::resembles(&with, &without), Ok(()), "{:?} {:?}", with.shape, without.shape);
}
