//! A small world shared by the tests, its server, and xunjian's real
//! adapters configured against it.
#![allow(dead_code)]

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use xunjian_adapters::PlatformsConfig;
use xunjian_sim::util::encode_base64;
use xunjian_sim::*;

/// The frozen simulated "now" of the tests: 2026-07-01 12:00 +08:00.
pub fn t0() -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(8 * 3600).unwrap().with_ymd_and_hms(2026, 7, 1, 12, 0, 0).unwrap().with_timezone(&Utc)
}

/// A clock that always reads `t0()` (speed 0).
pub fn frozen() -> SimClock {
    SimClock { start: t0(), anchor_ms: 0, speed: 0.0 }
}

pub fn h(n: i64) -> TimeDelta {
    TimeDelta::hours(n)
}

pub fn post(id: &str, at: DateTime<Utc>, text: &str) -> Post {
    Post {
        id: id.into(),
        at,
        text: text.into(),
        original: true,
        repost_of: None,
        pinned: None,
        comments_closed: false,
        deleted_at: None,
    }
}

pub fn account(platform: SimPlatform, id: &str, name: &str, verified: Option<(&str, bool)>, posts: Vec<Post>) -> Account {
    Account {
        platform,
        id: id.into(),
        biz: String::new(),
        name: name.into(),
        verification: verified.map(|(r, i)| Verification { reason: r.into(), institutional: i }),
        description: format!("{name}的官方账号"),
        followers: 8800,
        appears_at: None,
        gone: None,
        search_terms: Vec::new(),
        feed: false,
        posts,
        lies: Vec::new(),
    }
}

pub const WB_MAIN: &str = "7100000001";
pub const WB_SOURCE: &str = "7100000002";
pub const WB_GONE: &str = "7100000003";
pub const WB_BANNED: &str = "7100000004";
pub const WB_IMPOSTOR: &str = "7100000077";
pub const WB_MANY: &str = "7100000005";
pub const WB_LATE: &str = "7100000006";
pub const WX_MAIN: &str = "gh_b1a2c3d4e5f6";
pub const WX_IMPOSTOR: &str = "gh_0badc0ffee00";
pub const WX_BANNED: &str = "gh_0000dead0001";
pub const BL_MAIN: &str = "3546000000000101";
pub const BL_SOURCE: &str = "3546000000000102";
pub const BL_GONE: &str = "3546000000000103";
pub const BL_BANNED: &str = "3546000000000104";
pub const PORTAL: &str = "/portal/baoji/";

pub fn world() -> World {
    let t = t0();
    let gone = |kind| Some(Gone { at: t - h(24), kind });

    // Weibo.
    let mut pinned = post("5100000000000001", t - h(24 * 30), "置顶：宝鸡市12345政务服务便民热线全天候受理");
    pinned.pinned = Some((t - h(24 * 29), None));
    let mut closed = post("5100000000000002", t - h(2), "关于防汛工作的通知（评论已关闭）");
    closed.comments_closed = true;
    let mut repost = post("5100000000000003", t - h(1), "转发微博");
    repost.original = false;
    repost.repost_of = Some(PostRef { platform: SimPlatform::Weibo, account_id: WB_SOURCE.into(), post_id: "5100000000000009".into() });
    let future = post("5100000000000004", t + h(1), "还没发布的微博");
    let mut deleted = post("5100000000000005", t - h(3), "已删除的微博");
    deleted.deleted_at = Some(t - h(2));
    let mut unpinned = post("5100000000000006", t - h(24 * 40), "曾经置顶的微博");
    unpinned.pinned = Some((t - h(24 * 40), Some(t - h(24 * 30))));
    let fresh = post("5100000000000007", t - TimeDelta::seconds(60), "一分钟前的微博");
    let main = account(
        SimPlatform::Weibo,
        WB_MAIN,
        "宝鸡发布",
        Some(("宝鸡市人民政府新闻办公室官方微博", true)),
        vec![pinned, closed, repost, future, deleted, unpinned, fresh],
    );
    let source = account(
        SimPlatform::Weibo,
        WB_SOURCE,
        "陕西发布",
        Some(("陕西省人民政府新闻办公室官方微博", true)),
        vec![post("5100000000000009", t - h(5), "省政府召开新闻发布会")],
    );
    let mut gone_acct = account(SimPlatform::Weibo, WB_GONE, "某镇发布", None, vec![post("5100000000000010", t - h(48), "旧微博")]);
    gone_acct.gone = gone(GoneKind::NotFound);
    let mut banned = account(SimPlatform::Weibo, WB_BANNED, "某县发布", None, vec![post("5100000000000011", t - h(48), "旧微博")]);
    banned.gone = gone(GoneKind::Banned);
    let impostor = account(SimPlatform::Weibo, WB_IMPOSTOR, "宝鸡发布厅", None, vec![]);
    let many = account(
        SimPlatform::Weibo,
        WB_MANY,
        "宝鸡交警",
        Some(("宝鸡市公安局交通警察支队", true)),
        (0..23).map(|i| post(&format!("52000000000000{i:02}"), t - h(100 - i), &format!("第{i}条微博"))).collect(),
    );
    let mut late = account(SimPlatform::Weibo, WB_LATE, "宝鸡文旅", Some(("宝鸡市文化和旅游局", false)), vec![]);
    late.appears_at = Some(t + h(24));

    // WeChat.
    let mut m1 = post("2247480001", t - h(24), "宝鸡市开展食品安全专项检查");
    m1.original = true;
    let mut m2 = post("2247480002", t - h(2), "转发：陕西省市场监管局关于做好夏季食品安全工作的通知");
    m2.original = false;
    let mut m3 = post("2247480003", t - h(30), "已删除的文章");
    m3.deleted_at = Some(t - h(10));
    let m4 = post("2247480004", t - TimeDelta::seconds(60), "一分钟前的文章：宝鸡市场监管发布夏季消费提示");
    let mut wx = account(SimPlatform::Wechat, WX_MAIN, "宝鸡市场监管", Some(("宝鸡市市场监督管理局", true)), vec![m1, m2, m3, m4]);
    wx.biz = encode_base64(b"3900000001");
    wx.feed = true;
    let mut wx_imp = account(SimPlatform::Wechat, WX_IMPOSTOR, "宝鸡市场监管服务号", None, vec![post("2247490001", t - h(5), "优惠活动")]);
    wx_imp.biz = encode_base64(b"3900000077");
    let mut wx_banned = account(SimPlatform::Wechat, WX_BANNED, "某县市场监管", None, vec![post("2247470001", t - h(48), "旧文章")]);
    wx_banned.biz = encode_base64(b"3900000009");
    wx_banned.gone = gone(GoneKind::Banned);
    wx_banned.feed = true;

    // Bilibili.
    let mut b_pinned = post("930000000000000001", t - h(24 * 20), "本账号开设公告");
    b_pinned.pinned = Some((t - h(24 * 20), None));
    let mut b_closed = post("930000000000000002", t - h(6), "评论已关闭的动态");
    b_closed.comments_closed = true;
    let mut b_fwd = post("930000000000000003", t - h(3), "转发动态");
    b_fwd.original = false;
    b_fwd.repost_of = Some(PostRef { platform: SimPlatform::Bilibili, account_id: BL_SOURCE.into(), post_id: "930000000000000009".into() });
    let b_fresh = post("930000000000000004", t - TimeDelta::seconds(60), "一分钟前的动态");
    let bl = account(SimPlatform::Bilibili, BL_MAIN, "宝鸡发布", Some(("宝鸡市人民政府新闻办公室", true)), vec![b_pinned, b_closed, b_fwd, b_fresh]);
    let bl_src = account(
        SimPlatform::Bilibili,
        BL_SOURCE,
        "陕西发布",
        Some(("陕西省人民政府新闻办公室", true)),
        vec![post("930000000000000009", t - h(4), "防汛预警")],
    );
    let mut bl_gone = account(SimPlatform::Bilibili, BL_GONE, "某镇发布", None, vec![]);
    bl_gone.gone = gone(GoneKind::NotFound);
    let mut bl_banned = account(SimPlatform::Bilibili, BL_BANNED, "某县发布", None, vec![]);
    bl_banned.gone = gone(GoneKind::Banned);

    // Portal.
    let notice = |title: &str, path: &str, posted: DateTime<Utc>, removed: Option<DateTime<Utc>>, prominent: bool| PortalNotice {
        title: title.into(),
        path: format!("{PORTAL}tzgg/{path}"),
        posted_at: posted,
        removed_at: removed,
        prominent,
    };
    let portal = Portal {
        path: PORTAL.into(),
        name: "宝鸡市人民政府".into(),
        notices: vec![
            notice("关于开通“宝鸡发布”政务微博的公告", "t1.html", t - h(24 * 3) - TimeDelta::minutes(150), None, true),
            notice("关于“宝鸡市场监管”微信公众号停止更新的公告", "t2.html", t - h(24), None, false),
            notice("关于开通“宝鸡文旅”抖音号的公告", "t3.html", t - h(24 * 40), Some(t - h(1)), true),
            notice("关于开通“宝鸡交警”微博的公告", "t4.html", t + h(24), None, true),
            notice("关于开通“宝鸡发布”哔哩哔哩账号的公告", "t5.html", t - TimeDelta::seconds(60), None, true),
        ],
        maintenance: Vec::new(),
    };

    World {
        accounts: vec![
            main, source, gone_acct, banned, impostor, many, late, wx, wx_imp, wx_banned, bl, bl_src, bl_gone, bl_banned,
        ],
        portals: vec![portal],
    }
}

/// xunjian's `[platforms]` configuration as generated for `base`.
pub fn platforms(base: &str, o: &ConfigOptions) -> PlatformsConfig {
    #[derive(serde::Deserialize)]
    struct Root {
        platforms: PlatformsConfig,
    }
    let text = xunjian_platforms_config(base, o);
    let root: Root = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    root.platforms.validate().unwrap();
    root.platforms
}

pub fn start(faults: FaultConfig) -> Server {
    Server::start(world(), frozen(), faults).expect("bind")
}

/// The account as the world says it is, for expectations.
pub fn acct<'a>(w: &'a World, p: SimPlatform, id: &str) -> &'a Account {
    w.account(p, id).expect("in the world")
}

/// The posts a timeline shows at `now`: pinned first, then newest first.
pub fn expected_order(a: &Account, now: DateTime<Utc>) -> Vec<String> {
    let posts = a.visible_posts(now);
    let (pinned, rest): (Vec<&&Post>, Vec<&&Post>) = posts.iter().partition(|p| p.pinned_at(now));
    pinned.into_iter().chain(rest).map(|p| p.id.clone()).collect()
}
