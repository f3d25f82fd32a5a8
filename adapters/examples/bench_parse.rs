//! Parse throughput per platform on the captured fixtures (issue 10).
//!
//! `cargo run --release -p xunjian-adapters --example bench_parse [-- --shared DIR] [--min-ms N] [--rounds N]`
//!
//! Every platform parser's pure functions (the ones `tests/*_fixtures.rs`
//! call) run on the fixtures each is meant for: a profile parser on profile
//! answers, a timeline parser on timelines, and each parser on the error
//! pages it classifies (a captcha page classified as a captcha is a parse).
//! Before timing, every input's outcome is checked against what the tests
//! expect; a parser that fails on a fixture it should parse is reported as a
//! MISMATCH (and the example exits with status 1).
//!
//! Real captures are read from the shared fixtures directory (`--shared DIR`,
//! else `$XUNJIAN_SHARED_FIXTURES`, else `../shared/fixtures` next to the
//! workspace root) and compared byte for byte with the crate's copies in
//! `tests/fixtures/<platform>/`. When that directory is absent it is skipped
//! with a message and the crate's copies are used. Synthesized fixtures
//! (`tests/fixtures/<platform>/synth/`) are reported separately.
//!
//! Timing (std `Instant`, no criterion): per (platform, kind, real or
//! synthetic) group, a warm-up, then samples of `k` passes over every input
//! of the group until at least `--min-ms` (default 200) ms were measured.
//! "median / parse" is the median pass time divided by the number of inputs;
//! parses/s and MB/s (10^6 bytes) follow from the same median. This is
//! repeated for `--rounds` (default 3) rounds over all groups, and each group
//! keeps its fastest round: on a machine shared with builds, a round in which
//! another process held the core says nothing about the parser. Single
//! threaded. A measurement for people, not a test.

use chrono::{DateTime, TimeZone, Utc};
use std::collections::BTreeSet;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::{Duration, Instant};
use xunjian_adapters::browser::platform::PageReading;
use xunjian_adapters::browser::{CAPTURE_DOCUMENT, CAPTURE_DOM, CAPTURE_XHR};
use xunjian_adapters::model::{Capture, OutcomeClass, Timeline};
use xunjian_adapters::weibo::{ResponseMeta, TimelinePage};
use xunjian_adapters::{FetchFailure, bilibili, douyin, feed, kuaishou, portal, toutiao, wechat, weibo};

/// Far from every capture, as in the tests: relative times stay relative.
static NOW: LazyLock<DateTime<Utc>> = LazyLock::new(|| Utc.with_ymd_and_hms(2026, 11, 21, 4, 0, 0).unwrap());

const PLATFORMS: [&str; 8] = ["weibo", "wechat", "bilibili", "feed", "portal", "douyin", "toutiao", "kuaishou"];

// ---------------------------------------------------------------------
// Outcomes
// ---------------------------------------------------------------------

/// What one parse gave, cheap to build inside the timed loop.
enum Out {
    /// Data, with the number of items (posts, hits, links; 1 for a profile).
    Data(usize),
    /// Weibo's "这里还没有内容" on a timeline: the platform's answer.
    NoContent,
    Fail(OutcomeClass),
    /// A browser page reading: profile and timeline (posts) separately.
    Page(Result<(), OutcomeClass>, Result<usize, OutcomeClass>),
}

impl Out {
    fn code(&self) -> String {
        match self {
            Out::Data(_) => "ok".into(),
            Out::NoContent => "no_content".into(),
            Out::Fail(c) => c.code().into(),
            Out::Page(Ok(()), Ok(_)) => "ok".into(),
            Out::Page(p, t) => format!(
                "profile {} / timeline {}",
                p.as_ref().map(|_| "ok").unwrap_or_else(|c| c.code()),
                t.as_ref().map(|_| "ok").unwrap_or_else(|c| c.code())
            ),
        }
    }

    fn detail(&self) -> String {
        match self {
            Out::Data(n) => format!("ok ({n})"),
            Out::Page(_, Ok(n)) => format!("{} ({n} posts)", self.code()),
            _ => self.code(),
        }
    }
}

fn data<T>(r: Result<T, FetchFailure>, items: impl Fn(&T) -> usize) -> Out {
    match r {
        Ok(v) => Out::Data(items(&v)),
        Err(f) => Out::Fail(f.class()),
    }
}

fn posts(t: &Timeline) -> usize {
    t.posts.len()
}

fn one<T>(_: &T) -> usize {
    1
}

fn weibo_timeline(r: Result<TimelinePage, FetchFailure>) -> Out {
    match r {
        Ok(TimelinePage::Posts(t)) => Out::Data(t.posts.len()),
        Ok(TimelinePage::NoContent { .. }) => Out::NoContent,
        Err(f) => Out::Fail(f.class()),
    }
}

fn page<P>(r: Result<PageReading<P>, FetchFailure>) -> Out {
    match r {
        Ok(r) => Out::Page(
            r.profile.map(|_| ()).map_err(|f| f.class()),
            r.timeline.map(|t| t.posts.len()).map_err(|f| f.class()),
        ),
        Err(f) => Out::Fail(f.class()),
    }
}

// ---------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------

type Runner = Box<dyn Fn() -> Out>;
type Maker = Box<dyn Fn(Vec<Vec<u8>>) -> (usize, Runner)>;

struct Case {
    platform: &'static str,
    kind: &'static str,
    /// Fixture paths under `tests/fixtures/` (real ones also under the
    /// shared directory); several for one input (joined excerpts, a page
    /// with its XHR answers).
    files: Vec<&'static str>,
    /// The parser function, for the per-file table.
    parser: &'static str,
    /// Expected `Out::code()` (what the tests assert).
    expect: &'static str,
    make: Maker,
}

impl Case {
    fn real(&self) -> bool {
        self.files.iter().all(|f| !f.contains("/synth/"))
    }
}

/// One body, parsed as if served with HTTP 200 and no headers.
fn plain(p: fn(&[u8]) -> Out) -> Maker {
    Box::new(move |mut bodies| {
        let b = bodies.remove(0);
        (b.len(), Box::new(move || p(black_box(&b))))
    })
}

/// One body served with this status and content type.
fn served(status: u16, content_type: Option<&'static str>, p: fn(&ResponseMeta, &[u8]) -> Out) -> Maker {
    Box::new(move |mut bodies| {
        let b = bodies.remove(0);
        let meta = ResponseMeta { status, content_type, location: None, retry_after_secs: None };
        (b.len(), Box::new(move || p(&meta, black_box(&b))))
    })
}

/// Browser captures: the first body is the document (or, with `dom`, the
/// rendered DOM), the others XHR answers from `xhr_urls`.
fn captures(
    final_url: &'static str,
    dom: bool,
    xhr_urls: &'static [&'static str],
    p: fn(&[Capture], &str) -> Out,
) -> Maker {
    Box::new(move |bodies| {
        let bytes = bodies.iter().map(Vec::len).sum();
        let caps: Vec<Capture> = bodies
            .into_iter()
            .enumerate()
            .map(|(i, body)| Capture {
                url: if i == 0 { final_url.to_string() } else { xhr_urls[i - 1].to_string() },
                http_status: Some(200),
                content_type: None,
                fetched_at: *NOW,
                body,
                source: match (i, dom) {
                    (0, false) => CAPTURE_DOCUMENT,
                    (0, true) => CAPTURE_DOM,
                    _ => CAPTURE_XHR,
                }
                .to_string(),
            })
            .collect();
        (bytes, Box::new(move || p(black_box(&caps), final_url)))
    })
}

const WEIBO_API: &str = "https://m.weibo.cn/api/container/getIndex";
const ARTICLE: &str = "https://mp.weixin.qq.com/s/tr38EieqyftubIx2FMWUWw";
const PORTAL_HOME: &str = "http://www.ankang.example.gov.cn/index.html";
const DY_PAGE: &str = "https://www.douyin.com/user/MS4wLjABAAAAsyntheticGovAccount000000000000000000000000000";
const TT_PAGE: &str =
    "https://www.toutiao.com/c/user/token/MS4wLjABAAAAsyntheticToutiaoGov000000000000000000000000000/";
const KS_PAGE: &str = "https://www.kuaishou.com/profile/3xsyntheticgov";

/// Adds one case per (file, expected outcome), all read by the same parser.
fn add(
    v: &mut Vec<Case>,
    (platform, kind, parser): (&'static str, &'static str, &'static str),
    make: impl Fn() -> Maker,
    files: &[(&'static str, &'static str)],
) {
    for &(file, expect) in files {
        v.push(Case { platform, kind, files: vec![file], parser, expect, make: make() });
    }
}

fn cases() -> Vec<Case> {
    use bilibili::parse as bl;
    use weibo::parse as wb;
    let html = Some("text/html; charset=utf-8");
    let json = Some("application/json; charset=utf-8");
    let mut v = Vec::new();

    // --- Weibo (m.weibo.cn JSON API) ---
    let tl = |b: &[u8]| weibo_timeline(wb::parse_timeline(b, WEIBO_API, *NOW));
    add(
        &mut v,
        ("weibo", "timeline", "parse_timeline"),
        || plain(tl),
        &[
            ("weibo/m_getIndex_107603_timeline_pinned_retweet.json", "ok"),
            ("weibo/m_getIndex_error_no_content.json", "no_content"),
            ("weibo/synth/timeline_relative_page1.json", "ok"),
            ("weibo/synth/timeline_relative_page2.json", "ok"),
        ],
    );
    let prof = |b: &[u8]| data(wb::parse_profile(b, WEIBO_API), one);
    add(
        &mut v,
        ("weibo", "profile", "parse_profile"),
        || plain(prof),
        &[
            ("weibo/m_getIndex_type_uid_profile_verified.json", "ok"),
            ("weibo/m_getIndex_error_no_content.json", "not_found"),
            ("weibo/synth/profile_gov_account.json", "ok"),
            ("weibo/synth/profile_zero_posts.json", "ok"),
            ("weibo/synth/ok0_account_banned.json", "banned"),
        ],
    );
    let longtext = |b: &[u8]| data(wb::parse_longtext(b, WEIBO_API), one);
    add(
        &mut v,
        ("weibo", "longtext", "parse_longtext"),
        || plain(longtext),
        &[("weibo/m_statuses_extend_longtext.json", "ok")],
    );
    let show = |b: &[u8]| data(wb::parse_status_show(b, WEIBO_API, *NOW), one);
    add(
        &mut v,
        ("weibo", "post (statuses/show)", "parse_status_show"),
        || plain(show),
        &[("weibo/synth/status_show_relative_post.json", "ok"), ("weibo/synth/status_show_repost_source.json", "ok")],
    );
    let search = |b: &[u8]| data(wb::parse_user_search(b, WEIBO_API), Vec::len);
    add(
        &mut v,
        ("weibo", "user search", "parse_user_search"),
        || plain(search),
        &[("weibo/synth/search_users_result.json", "ok")],
    );
    let visitor = |m: &ResponseMeta, b: &[u8]| {
        data(wb::parse_visitor_response(m, &[], b, "https://passport.weibo.com/visitor/genvisitor2"), |c| c.len())
    };
    add(
        &mut v,
        ("weibo", "visitor cookie", "parse_visitor_response"),
        || served(200, Some("application/javascript"), visitor),
        &[("weibo/synth/genvisitor2_response.js", "ok")],
    );
    // Error pages, as the timeline parser classifies them (the tests check
    // that every API parser gives the same class).
    let tlr = |m: &ResponseMeta, b: &[u8]| weibo_timeline(wb::parse_timeline_response(m, b, WEIBO_API, *NOW));
    let errors = ("weibo", "error pages", "parse_timeline_response");
    add(
        &mut v,
        errors,
        || served(200, html, tlr),
        &[
            ("weibo/synth/captcha_page_200.html", "captcha"),
            ("weibo/synth/visitor_system_page_200.html", "login_required"),
        ],
    );
    add(
        &mut v,
        errors,
        || served(200, json, tlr),
        &[
            ("weibo/synth/ok_minus_100.json", "login_required"),
            ("weibo/synth/captcha_json_with_url.json", "captcha"),
            ("weibo/synth/ok0_too_frequent.json", "throttled"),
            ("weibo/synth/other_shape_open_api_error.json", "parse_error"),
            ("weibo/synth/other_shape_array.json", "parse_error"),
        ],
    );
    add(&mut v, errors, || served(403, html, tlr), &[("weibo/synth/http_403_forbidden.html", "blocked")]);
    add(&mut v, errors, || served(432, html, tlr), &[("weibo/synth/http_432_body.html", "blocked")]);
    // GBK declared only in <meta>, served without a charset.
    add(&mut v, errors, || served(200, Some("text/html"), tlr), &[("weibo/synth/gbk_busy_page.html", "throttled")]);

    // --- WeChat ---
    let art = |b: &[u8]| data(wechat::article::parse_article(b, ARTICLE), one);
    v.push(Case {
        platform: "wechat",
        kind: "article",
        files: vec!["wechat/article_2025_excerpt_header.html", "wechat/article_2025_excerpt_meta_script_block.html"],
        parser: "parse_article",
        expect: "ok",
        // Joined into one page as tests/support/mod.rs `joined_article()` does.
        make: Box::new(move |bodies| {
            let mut page =
                b"<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><div id=\"js_article\">".to_vec();
            page.extend(&bodies[0]);
            page.extend(b"</div></div>");
            page.extend(&bodies[1]);
            page.extend(b"</body></html>");
            (page.len(), Box::new(move || art(black_box(&page))))
        }),
    });
    add(
        &mut v,
        ("wechat", "article", "parse_article"),
        || plain(art),
        &[
            ("wechat/article_2025_excerpt_meta_script_block.html", "ok"),
            ("wechat/article_deleted_by_author.html", "not_found"),
            ("wechat/article_removed_violation.html", "banned"),
            ("wechat/synth/article_reprint_vars_filled.html", "ok"),
        ],
    );
    add(
        &mut v,
        ("wechat", "error pages", "parse_article"),
        || plain(art),
        &[
            ("wechat/article_temporarily_unavailable.html", "blocked"),
            ("wechat/synth/article_waf_environment_abnormal.html", "captcha"),
        ],
    );
    let about = |b: &[u8]| data(wechat::about::parse_about(b, "https://mp.weixin.qq.com/mp/aboutbiz"), one);
    add(
        &mut v,
        ("wechat", "about (aboutbiz)", "parse_about"),
        || plain(about),
        &[("wechat/mp_aboutbiz_account_info_gov_org.html", "ok")],
    );
    let sogou = |b: &[u8]| data(wechat::sogou::parse_sogou_search(b, "https://weixin.sogou.com/weixin"), Vec::len);
    add(
        &mut v,
        ("wechat", "sogou search", "parse_sogou_search"),
        || plain(sogou),
        &[
            ("wechat/sogou_weixin_search_type1_accounts_2017.html", "ok"),
            ("wechat/synth/sogou_weixin_search_gov_accounts.html", "ok"),
            ("wechat/synth/sogou_weixin_search_no_result.html", "ok"),
        ],
    );
    add(
        &mut v,
        ("wechat", "error pages", "parse_sogou_search"),
        || plain(sogou),
        &[("wechat/sogou_weixin_antispider_page_2017.html", "captcha")],
    );
    let backend = |b: &[u8]| {
        data(wechat::backend::parse_appmsgpublish(b, "https://mp.weixin.qq.com/cgi-bin/appmsgpublish"), posts)
    };
    add(
        &mut v,
        ("wechat", "backend appmsgpublish", "parse_appmsgpublish"),
        || plain(backend),
        &[("wechat/synth/mp_appmsgpublish_ok.json", "ok")],
    );
    add(
        &mut v,
        ("wechat", "error pages", "parse_appmsgpublish"),
        || plain(backend),
        &[
            ("wechat/synth/mp_appmsgpublish_session_expired_200003.json", "login_required"),
            ("wechat/synth/mp_appmsgpublish_freq_control_200013.json", "throttled"),
        ],
    );
    let searchbiz =
        |b: &[u8]| data(wechat::backend::parse_searchbiz(b, "https://mp.weixin.qq.com/cgi-bin/searchbiz"), Vec::len);
    add(
        &mut v,
        ("wechat", "backend searchbiz", "parse_searchbiz"),
        || plain(searchbiz),
        &[("wechat/synth/mp_searchbiz_ok.json", "ok")],
    );

    // --- Bilibili ---
    let dynamics =
        |b: &[u8]| data(bl::parse_dynamics(b, "https://api.bilibili.com/x/polymer/web-dynamic/v1/feed/space"), posts);
    add(
        &mut v,
        ("bilibili", "dynamics", "parse_dynamics"),
        || plain(dynamics),
        &[
            ("bilibili/x_polymer_web-dynamic_feed_space_pinned_forward.json", "ok"),
            ("bilibili/x_polymer_web-dynamic_feed_space_opus_2025.json", "ok"),
            ("bilibili/synth/dynamics_forbidden_last_page.json", "ok"),
            ("bilibili/synth/dynamics_empty_last_page.json", "ok"),
        ],
    );
    let live = |b: &[u8]| data(bl::parse_master_info(b, "https://api.live.bilibili.com/live_user/v1/Master/info"), one);
    add(
        &mut v,
        ("bilibili", "live master info", "parse_master_info"),
        || plain(live),
        &[("bilibili/live_user_v1_Master_info_official_verify.json", "ok")],
    );
    // An empty live info is never read as "not found".
    add(
        &mut v,
        ("bilibili", "error pages", "parse_master_info"),
        || plain(live),
        &[("bilibili/synth/master_info_empty.json", "parse_error")],
    );
    let acc = |b: &[u8]| data(bl::parse_acc_info(b, "https://api.bilibili.com/x/space/wbi/acc/info"), one);
    add(
        &mut v,
        ("bilibili", "profile (acc/info)", "parse_acc_info"),
        || plain(acc),
        &[
            ("bilibili/synth/acc_info_gov.json", "ok"),
            ("bilibili/synth/acc_info_silence.json", "banned"),
            ("bilibili/synth/acc_info_not_found.json", "not_found"),
        ],
    );
    let search =
        |b: &[u8]| data(bl::parse_user_search(b, "https://api.bilibili.com/x/web-interface/wbi/search/type"), Vec::len);
    add(
        &mut v,
        ("bilibili", "user search", "parse_user_search"),
        || plain(search),
        &[("bilibili/synth/search_bili_user.json", "ok"), ("bilibili/synth/search_no_result.json", "ok")],
    );
    let nav =
        |m: &ResponseMeta, b: &[u8]| data(bl::parse_nav(m, b, "https://api.bilibili.com/x/web-interface/nav"), one);
    add(
        &mut v,
        ("bilibili", "session (nav, spi)", "parse_nav"),
        || served(200, None, nav),
        &[("bilibili/synth/nav_logged_out_wbi_keys.json", "ok")],
    );
    let spi = |m: &ResponseMeta, b: &[u8]| {
        data(bl::parse_spi(m, b, "https://api.bilibili.com/x/frontend/finger/spi"), Vec::len)
    };
    add(
        &mut v,
        ("bilibili", "session (nav, spi)", "parse_spi"),
        || served(200, None, spi),
        &[("bilibili/synth/finger_spi.json", "ok")],
    );
    add(
        &mut v,
        ("bilibili", "error pages", "parse_dynamics"),
        || plain(dynamics),
        &[
            ("bilibili/synth/risk_control_352.json", "throttled"),
            ("bilibili/synth/intercepted_412.json", "blocked"),
            ("bilibili/synth/voucher.json", "blocked"),
            ("bilibili/synth/html_error_page_200.html", "throttled"),
        ],
    );

    // --- Generic feeds (RSS 2.0, Atom, JSON Feed) ---
    let feed_tl = |m: &ResponseMeta, b: &[u8]| {
        let feed = feed::parse::parse_feed_response(m, b, "https://rsshub.example/x");
        data(feed.map(|f| feed::parse::feed_timeline(&f, *NOW)), posts)
    };
    let timeline = ("feed", "timeline", "parse_feed_response + feed_timeline");
    add(
        &mut v,
        timeline,
        || served(200, Some("application/xml; charset=utf-8"), feed_tl),
        &[("feed/synth/rsshub_wechat_rss2.xml", "ok"), ("feed/synth/rsshub_douyin_atom.xml", "ok")],
    );
    add(
        &mut v,
        timeline,
        || served(200, Some("application/feed+json; charset=utf-8"), feed_tl),
        &[("feed/synth/rsshub_toutiao_jsonfeed.json", "ok")],
    );
    // GBK declared only in the XML declaration, served without a charset.
    add(
        &mut v,
        timeline,
        || served(200, Some("text/xml"), feed_tl),
        &[("feed/synth/rss2_gbk_declared_in_xml.xml", "ok")],
    );
    add(
        &mut v,
        ("feed", "error pages", "parse_feed_response"),
        || served(200, None, feed_tl),
        &[
            ("feed/synth/rsshub_error_page_upstream_403.html", "blocked"),
            ("feed/synth/rsshub_error_page_timeout.html", "network_error"),
            ("feed/synth/feed_service_login_page_200.html", "login_required"),
            ("feed/synth/xml_not_a_feed.xml", "parse_error"),
        ],
    );

    // --- Government portals (served as text/html without a charset) ---
    let home =
        |m: &ResponseMeta, b: &[u8]| data(portal::parse::parse_portal_response(m, b, PORTAL_HOME), |p| p.items.len());
    let page_html = Some("text/html");
    add(
        &mut v,
        ("portal", "homepage", "parse_portal_response"),
        || served(200, page_html, home),
        &[
            ("portal/synth/home_gbk_with_notice.html", "ok"),
            ("portal/synth/home_utf8_without_notice.html", "ok"),
            ("portal/synth/home_utf8_notice_in_side_column.html", "ok"),
        ],
    );
    let notice = |m: &ResponseMeta, b: &[u8]| {
        data(portal::parse::parse_notice_response(m, b, "http://www.ankang.example.gov.cn/n.html"), one)
    };
    add(
        &mut v,
        ("portal", "notice page", "parse_notice_response"),
        || served(200, page_html, notice),
        &[("portal/synth/notice_page_gbk.html", "ok")],
    );
    let errors = ("portal", "error pages", "parse_portal_response");
    add(&mut v, errors, || served(200, page_html, home), &[("portal/synth/waf_chuangyu_block_200.html", "blocked")]);
    add(&mut v, errors, || served(412, page_html, home), &[("portal/synth/waf_ruishu_challenge_412.html", "blocked")]);
    add(&mut v, errors, || served(403, page_html, home), &[("portal/synth/http_403_forbidden.html", "blocked")]);

    // --- Douyin (browser-read) ---
    let dy_prof = |b: &[u8]| {
        data(douyin::parse::parse_profile_api(b, "https://www.douyin.com/aweme/v1/web/user/profile/other/"), one)
    };
    add(
        &mut v,
        ("douyin", "profile API", "parse_profile_api"),
        || plain(dy_prof),
        &[
            ("douyin/synth/user_profile_other_gov.json", "ok"),
            ("douyin/synth/user_profile_other_banned.json", "banned"),
        ],
    );
    let dy_posts =
        |b: &[u8]| data(douyin::parse::parse_posts_api(b, "https://www.douyin.com/aweme/v1/web/aweme/post/"), posts);
    add(
        &mut v,
        ("douyin", "posts API", "parse_posts_api"),
        || plain(dy_posts),
        &[("douyin/synth/aweme_post_pinned.json", "ok"), ("douyin/synth/aweme_post_empty.json", "ok")],
    );
    add(
        &mut v,
        ("douyin", "error pages", "parse_posts_api"),
        || plain(dy_posts),
        &[("douyin/synth/aweme_post_truncated.json", "network_error")],
    );
    let dy_page = |c: &[Capture], u: &str| page(douyin::parse::parse_page_captures(c, u));
    add(
        &mut v,
        ("douyin", "page", "parse_page_captures"),
        || captures(DY_PAGE, false, &[], dy_page),
        &[("douyin/synth/user_page_render_data.html", "ok")],
    );
    v.push(Case {
        platform: "douyin",
        kind: "page",
        files: vec![
            "douyin/synth/user_page_xhr.html",
            "douyin/synth/user_profile_other_gov.json",
            "douyin/synth/aweme_post_pinned.json",
        ],
        parser: "parse_page_captures",
        expect: "ok",
        make: captures(
            DY_PAGE,
            false,
            &[
                "https://www.douyin.com/aweme/v1/web/user/profile/other/?sec_user_id=x",
                "https://www.douyin.com/aweme/v1/web/aweme/post/?sec_user_id=x",
            ],
            dy_page,
        ),
    });
    add(
        &mut v,
        ("douyin", "error pages", "parse_page_captures"),
        || captures(DY_PAGE, false, &[], dy_page),
        &[
            ("douyin/synth/captcha_middle_page.html", "captcha"),
            ("douyin/synth/login_wall_page.html", "login_required"),
            ("douyin/synth/user_page_empty_render_data.html", "blocked"),
            ("douyin/synth/user_page_is_spider.html", "blocked"),
        ],
    );

    // --- Toutiao (browser-read) ---
    let tt_feed = |b: &[u8]| {
        data(toutiao::parse::parse_feed(b, "https://www.toutiao.com/api/pc/list/feed"), |f| f.timeline.posts.len())
    };
    add(
        &mut v,
        ("toutiao", "feed API", "parse_feed"),
        || plain(tt_feed),
        &[("toutiao/synth/pc_list_feed_profile_all.json", "ok")],
    );
    // Empty data: "暂未发表作品" and an unsigned answer look alike.
    add(
        &mut v,
        ("toutiao", "error pages", "parse_feed"),
        || plain(tt_feed),
        &[
            ("toutiao/synth/pc_list_feed_empty.json", "parse_error"),
            ("toutiao/synth/pc_list_feed_error.json", "parse_error"),
        ],
    );
    let tt_page = |c: &[Capture], u: &str| page(toutiao::parse::parse_page_captures(c, u));
    v.push(Case {
        platform: "toutiao",
        kind: "page",
        files: vec!["toutiao/synth/profile_page_xhr.html", "toutiao/synth/pc_list_feed_profile_all.json"],
        parser: "parse_page_captures",
        expect: "ok",
        make: captures(TT_PAGE, false, &["https://www.toutiao.com/api/pc/list/feed?category=profile_all"], tt_page),
    });
    add(
        &mut v,
        ("toutiao", "error pages", "parse_page_captures"),
        || captures(TT_PAGE, false, &[], tt_page),
        &[("toutiao/synth/waf_captcha_page.html", "captcha")],
    );

    // --- Kuaishou (browser-read) ---
    let ks_answer = |b: &[u8]| {
        data(kuaishou::parse::parse_answer(b, "https://www.kuaishou.com/graphql"), |d| {
            d.posts.len() + usize::from(d.profile.is_some())
        })
    };
    add(
        &mut v,
        ("kuaishou", "GraphQL answer", "parse_answer"),
        || plain(ks_answer),
        &[
            ("kuaishou/synth/graphql_vision_profile_photo_list.json", "ok"),
            ("kuaishou/synth/graphql_vision_profile.json", "ok"),
        ],
    );
    add(
        &mut v,
        ("kuaishou", "error pages", "parse_answer"),
        || plain(ks_answer),
        &[
            ("kuaishou/synth/rest_profile_feed_unsigned_50.json", "blocked"),
            ("kuaishou/synth/rest_profile_feed_rate_limited_2.json", "throttled"),
            ("kuaishou/synth/graphql_errors.json", "captcha"),
        ],
    );
    let ks_page = |c: &[Capture], u: &str| page(kuaishou::parse::parse_page_captures(c, u));
    // The server-rendered Apollo state, as the rendered DOM.
    add(
        &mut v,
        ("kuaishou", "page", "parse_page_captures"),
        || captures(KS_PAGE, true, &[], ks_page),
        &[("kuaishou/synth/profile_page_apollo_state.html", "ok")],
    );
    v.push(Case {
        platform: "kuaishou",
        kind: "page",
        files: vec![
            "kuaishou/synth/profile_page_xhr.html",
            "kuaishou/synth/graphql_vision_profile.json",
            "kuaishou/synth/graphql_vision_profile_photo_list.json",
        ],
        parser: "parse_page_captures",
        expect: "ok",
        make: captures(
            KS_PAGE,
            false,
            &["https://www.kuaishou.com/graphql", "https://www.kuaishou.com/graphql"],
            ks_page,
        ),
    });
    v
}

// ---------------------------------------------------------------------
// Fixture files
// ---------------------------------------------------------------------

struct Dirs {
    /// `tests/fixtures` of this crate.
    crate_dir: PathBuf,
    /// The shared fixtures directory, when present.
    shared: Option<PathBuf>,
}

impl Dirs {
    fn path(&self, rel: &str) -> PathBuf {
        match &self.shared {
            Some(s) if !rel.contains("/synth/") => s.join(rel),
            _ => self.crate_dir.join(rel),
        }
    }
}

fn walk(dir: &Path, base: &Path, out: &mut BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, base, out);
        } else if p.file_name().is_some_and(|n| n != "README.md")
            && let Ok(rel) = p.strip_prefix(base)
        {
            out.insert(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

// ---------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------

struct Input {
    case: Case,
    bytes: usize,
    run: Runner,
    /// `Out::code()` and `Out::detail()` of the checked parse.
    code: String,
    outcome: String,
    /// Median time per parse, from the group's fastest round.
    median: Duration,
}

struct Group {
    platform: &'static str,
    kind: &'static str,
    real: bool,
    inputs: Vec<usize>,
    /// Iterations per input in the fastest round.
    iterations: u64,
    /// Median time of one pass over every input, fastest round.
    median_pass: Duration,
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2 }
}

/// Times one group: warm-up, then samples of `k` passes over every input
/// until `min` was measured. Returns the iterations per input, the median
/// pass and each input's median time per parse.
fn measure(inputs: &[&Input], min: Duration) -> (u64, Duration, Vec<Duration>) {
    let pass = |inputs: &[&Input]| {
        for i in inputs {
            black_box((i.run)());
        }
    };
    // Warm-up: lazily compiled regexes and selectors, caches, allocator.
    let warm = Instant::now();
    let mut warm_passes = 0;
    while warm_passes < 3 || (warm.elapsed() < min / 10 && warm_passes < 10_000) {
        pass(inputs);
        warm_passes += 1;
    }
    let one = warm.elapsed() / warm_passes;
    // k passes per sample, so a sample lasts about 1 ms.
    let k = (Duration::from_millis(1).as_nanos() / one.as_nanos().max(1)).clamp(1, 100_000) as u32;
    let mut per_input: Vec<Vec<Duration>> = vec![Vec::new(); inputs.len()];
    let mut passes = Vec::new();
    let mut measured = Duration::ZERO;
    while measured < min || passes.len() < 11 {
        let mut sum = Duration::ZERO;
        for (j, input) in inputs.iter().enumerate() {
            let start = Instant::now();
            for _ in 0..k {
                black_box((input.run)());
            }
            let e = start.elapsed();
            per_input[j].push(e / k);
            sum += e;
        }
        measured += sum;
        passes.push(sum / k);
    }
    let medians = per_input.iter_mut().map(|v| median(v)).collect();
    (passes.len() as u64 * k as u64, median(&mut passes), medians)
}

// ---------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn dur(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 10.0 {
        format!("{us:.2} µs")
    } else if us < 1000.0 {
        format!("{us:.1} µs")
    } else {
        format!("{:.2} ms", us / 1000.0)
    }
}

/// Three significant figures, with thousands separators.
fn rate(x: f64) -> String {
    if x >= 100.0 {
        let digits = x.log10().floor() as i32 + 1;
        let scale = 10f64.powi((digits - 3).max(0));
        thousands(((x / scale).round() * scale) as u64)
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn size(bytes: usize) -> String {
    thousands(bytes as u64)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

// ---------------------------------------------------------------------

fn main() {
    let mut shared_arg: Option<PathBuf> = None;
    let mut min_ms: u64 = 200;
    let mut rounds: u32 = 3;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--shared" => shared_arg = args.next().map(PathBuf::from),
            "--min-ms" => min_ms = args.next().and_then(|s| s.parse().ok()).unwrap_or(min_ms),
            "--rounds" => rounds = args.next().and_then(|s| s.parse().ok()).unwrap_or(rounds).max(1),
            "-h" | "--help" => {
                println!("bench_parse [--shared DIR] [--min-ms N] [--rounds N]   (env XUNJIAN_SHARED_FIXTURES = DIR)");
                return;
            }
            other => {
                eprintln!("unknown argument {other:?}; try --help");
                std::process::exit(2);
            }
        }
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared_dir = shared_arg
        .or_else(|| std::env::var_os("XUNJIAN_SHARED_FIXTURES").map(PathBuf::from))
        .unwrap_or_else(|| manifest.join("../../shared/fixtures"));
    let shared_dir = std::fs::canonicalize(&shared_dir).unwrap_or(shared_dir);
    let dirs =
        Dirs { crate_dir: manifest.join("tests/fixtures"), shared: shared_dir.is_dir().then(|| shared_dir.clone()) };

    println!("# Parse throughput per platform\n");
    println!(
        "Machine: {} cores ({}), {} build. At least {min_ms} ms measured per group and round; \
         fastest of {rounds} rounds.\n",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        cpu_model(),
        if cfg!(debug_assertions) { "DEBUG (numbers meaningless: use --release)" } else { "release" }
    );
    let mut notes: Vec<String> = Vec::new();
    match &dirs.shared {
        Some(s) => notes.push(format!("Real captures read from the shared fixtures directory {}.", s.display())),
        None => notes.push(format!(
            "Shared fixtures directory {} not found (pass --shared DIR or set XUNJIAN_SHARED_FIXTURES): skipped; \
             real captures read from the crate's copies in tests/fixtures/.",
            shared_dir.display()
        )),
    }

    // Load every input and check its outcome.
    let mut inputs: Vec<Input> = Vec::new();
    let mut used: BTreeSet<&str> = BTreeSet::new();
    let mut mismatches = 0;
    let mut copies_differ = Vec::new();
    'cases: for case in cases() {
        let mut bodies = Vec::new();
        for rel in &case.files {
            let path = dirs.path(rel);
            match std::fs::read(&path) {
                Ok(b) => {
                    if dirs.shared.is_some()
                        && !rel.contains("/synth/")
                        && std::fs::read(dirs.crate_dir.join(rel)).ok().as_ref() != Some(&b)
                    {
                        copies_differ.push(rel.to_string());
                    }
                    bodies.push(b);
                }
                Err(e) => {
                    notes.push(format!("Skipped {} ({}): {e}", rel, path.display()));
                    continue 'cases;
                }
            }
        }
        used.extend(case.files.iter().copied());
        let (bytes, run) = (case.make)(bodies);
        let out = run();
        let (code, outcome) = (out.code(), out.detail());
        if code != case.expect {
            mismatches += 1;
            notes.push(format!(
                "MISMATCH: {} on {} gave `{}`, the tests expect `{}`.",
                case.parser,
                case.files.join(" + "),
                code,
                case.expect
            ));
        }
        inputs.push(Input { case, bytes, run, code, outcome, median: Duration::ZERO });
    }
    for rel in copies_differ.iter().collect::<BTreeSet<_>>() {
        notes.push(format!("The crate's copy of {rel} differs from the shared original."));
    }

    // Groups: platform, kind (first-seen order), real before synthetic.
    let mut groups: Vec<Group> = Vec::new();
    for platform in PLATFORMS {
        for real in [true, false] {
            let mut kinds: Vec<&'static str> = Vec::new();
            for i in inputs.iter().filter(|i| i.case.platform == platform && i.case.real() == real) {
                if !kinds.contains(&i.case.kind) {
                    kinds.push(i.case.kind);
                }
            }
            for kind in kinds {
                let members: Vec<usize> = (0..inputs.len())
                    .filter(|&j| {
                        inputs[j].case.platform == platform
                            && inputs[j].case.real() == real
                            && inputs[j].case.kind == kind
                    })
                    .collect();
                groups.push(Group { platform, kind, real, inputs: members, iterations: 0, median_pass: Duration::MAX });
            }
        }
    }

    // Rounds over all groups; each group keeps its fastest round, so work
    // other processes do on the same cores during one round does not count.
    let min = Duration::from_millis(min_ms);
    for _ in 0..rounds {
        for g in &mut groups {
            let members: Vec<&Input> = g.inputs.iter().map(|&j| &inputs[j]).collect();
            let (iterations, median_pass, medians) = measure(&members, min);
            if median_pass < g.median_pass {
                g.iterations = iterations;
                g.median_pass = median_pass;
                for (&j, m) in g.inputs.iter().zip(medians) {
                    inputs[j].median = m;
                }
            }
        }
    }

    println!(
        "| platform | kind | fixtures | files | bytes | iterations | median / parse | parses/s | MB/s | outcomes |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|---|");
    for g in &groups {
        let n = g.inputs.len();
        let bytes: usize = g.inputs.iter().map(|&j| inputs[j].bytes).sum();
        let secs = g.median_pass.as_secs_f64();
        let mut outcomes: Vec<(String, usize)> = Vec::new();
        for &j in &g.inputs {
            let code = inputs[j].code.clone();
            match outcomes.iter_mut().find(|(c, _)| *c == code) {
                Some((_, k)) => *k += 1,
                None => outcomes.push((code, 1)),
            }
        }
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            g.platform,
            g.kind,
            if g.real { "real" } else { "synthetic" },
            n,
            size(bytes),
            thousands(g.iterations),
            dur(g.median_pass / n as u32),
            rate(n as f64 / secs),
            rate(bytes as f64 / secs / 1e6),
            outcomes.iter().map(|(c, k)| format!("{k} {c}")).collect::<Vec<_>>().join(", ")
        );
    }

    println!("\nPer input (medians from the same round as its group; an input of several files is one parse):\n");
    println!("| platform | fixtures | file(s) | parser | bytes | median / parse | MB/s | outcome |");
    println!("|---|---|---|---|---:|---:|---:|---|");
    for g in &groups {
        for &j in &g.inputs {
            let i = &inputs[j];
            let m = i.median;
            println!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                i.case.platform,
                if g.real { "real" } else { "synthetic" },
                i.case.files.iter().map(|f| f.rsplit('/').next().unwrap_or(f)).collect::<Vec<_>>().join(" + "),
                i.case.parser,
                size(i.bytes),
                dur(m),
                rate(i.bytes as f64 / m.as_secs_f64() / 1e6),
                i.outcome
            );
        }
    }

    // Coverage: which platforms have real captures, which files were not used.
    let only_synth: Vec<&str> = PLATFORMS
        .iter()
        .filter(|p| groups.iter().any(|g| g.platform == **p) && !groups.iter().any(|g| g.platform == **p && g.real))
        .copied()
        .collect();
    notes.push(format!("Platforms with synthetic fixtures only: {}.", only_synth.join(", ")));
    let mut all = BTreeSet::new();
    walk(&dirs.crate_dir, &dirs.crate_dir, &mut all);
    if let Some(s) = &dirs.shared {
        walk(s, s, &mut all);
    }
    let unused: Vec<String> = all.into_iter().filter(|f| !used.contains(f.as_str())).collect();
    if !unused.is_empty() {
        notes.push(format!("Fixture files not benchmarked (no parser mapped here): {}.", unused.join(", ")));
    }
    println!();
    for n in &notes {
        println!("- {n}");
    }
    if mismatches > 0 {
        std::process::exit(1);
    }
}
