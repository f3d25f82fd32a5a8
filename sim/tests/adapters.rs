//! xunjian's real adapters, pointed at the simulator over loopback, read
//! exactly what the world says.

mod common;

use common::*;
use xunjian_adapters::model::{CommentState, OutcomeClass, Platform, Timeline};
use xunjian_adapters::{AccountRef, FetchResult, PlatformSecrets, bilibili, build_adapters, feed, portal, wechat, weibo};
use xunjian_sim::wechat::article_link;
use xunjian_sim::*;

fn class<T>(r: &FetchResult<T>) -> OutcomeClass {
    match r {
        Ok(_) => OutcomeClass::Ok,
        Err(f) => f.class(),
    }
}

fn ids(t: &Timeline) -> Vec<String> {
    t.posts.iter().map(|p| p.id.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weibo_profile_timeline_search_and_gone_accounts() {
    let sim = start(FaultConfig::none());
    let cfg = platforms(&sim.base(), &ConfigOptions::default());
    let client = weibo::WeiboClient::new(&cfg.weibo, None).unwrap();
    let w = world();
    let now = t0();
    let main = acct(&w, SimPlatform::Weibo, WB_MAIN);

    let p = client.profile(WB_MAIN).await.unwrap().value;
    assert_eq!(p.profile.platform_id, WB_MAIN);
    assert_eq!(p.profile.display_name, main.name);
    assert_eq!(p.profile.verified, Some(true));
    assert_eq!(p.profile.verified_type.as_deref(), Some("1"));
    assert_eq!(p.profile.verified_entity.as_deref(), Some(main.verification.as_ref().unwrap().reason.as_str()));
    assert_eq!(p.profile.followers, Some(main.followers as i64));
    assert_eq!(p.profile.post_count, Some(main.visible_posts(now).len() as i64));
    assert_eq!(p.timeline_containerid.as_deref(), Some(format!("107603{WB_MAIN}").as_str()));

    let t = client.timeline(WB_MAIN).await.unwrap();
    assert!(t.incomplete.is_empty(), "{:?}", t.incomplete);
    let t = t.value;
    assert_eq!(ids(&t), expected_order(main, now));
    for got in &t.posts {
        let want = main.posts.iter().find(|p| p.id == got.id).unwrap();
        assert_eq!(got.published_at, want.at, "{}", got.id);
        assert!(got.published_at_exact);
        assert_eq!(got.text, want.text);
        assert_eq!(got.is_pinned, want.pinned_at(now), "{}", got.id);
        assert_eq!(got.is_original, want.repost_of.is_none());
        let state = if want.comments_closed { CommentState::Closed } else { CommentState::Open };
        assert_eq!(got.comment_state, state, "{}", got.id);
        match &want.repost_of {
            Some(r) => {
                let (src_acct, src) = w.post(r).unwrap();
                let got_r = got.repost_of.as_ref().unwrap();
                assert_eq!(got_r.post_id, r.post_id);
                assert_eq!(got_r.author_id.as_deref(), Some(r.account_id.as_str()));
                assert_eq!(got_r.author_name.as_deref(), Some(src_acct.name.as_str()));
                assert_eq!(got_r.published_at, Some(src.at));
                assert!(got_r.available);
            }
            None => assert!(got.repost_of.is_none()),
        }
    }
    assert_eq!(t.latest_unpinned().map(|p| p.id.as_str()), Some("5100000000000007"));

    // Paging by since_id over three pages.
    let mut o = ConfigOptions::default();
    o.overrides.insert("weibo.max_pages".into(), toml::Value::Integer(5));
    let paging = weibo::WeiboClient::new(&platforms(&sim.base(), &o).weibo, None).unwrap();
    let t = paging.timeline(WB_MANY).await.unwrap().value;
    assert_eq!(ids(&t), expected_order(acct(&w, SimPlatform::Weibo, WB_MANY), now));
    assert_eq!(t.posts.len(), 23);

    // Gone: only the platform's word.
    assert_eq!(class(&client.profile(WB_GONE).await), OutcomeClass::NotFound);
    assert_eq!(class(&client.timeline(WB_GONE).await), OutcomeClass::NotFound);
    assert_eq!(class(&client.profile(WB_BANNED).await), OutcomeClass::Banned);
    assert_eq!(class(&client.timeline(WB_BANNED).await), OutcomeClass::Banned);
    // A uid the platform does not show: "这里还没有内容" without errno 20003
    // is also what m.weibo.cn says of accounts hidden from visitors, so it
    // is "could not check", never "gone".
    assert_eq!(class(&client.profile("7100000099").await), OutcomeClass::LoginRequired);
    // Not registered yet: the same words, the same "could not check".
    assert_eq!(class(&client.profile(WB_LATE).await), OutcomeClass::LoginRequired);
    // The account whose only posts are in the future: zero posts, decided by the profile.
    let source_alone = client.timeline(WB_SOURCE).await.unwrap().value;
    assert_eq!(ids(&source_alone), vec!["5100000000000009".to_string()]);

    // Search: the account and the impostor, with their verification.
    let hits = client.search_users("宝鸡发布").await.unwrap().value;
    let found: Vec<&str> = hits.iter().map(|h| h.platform_id.as_str()).collect();
    let expected: Vec<&str> = w
        .accounts
        .iter()
        .filter(|a| a.platform == SimPlatform::Weibo && a.matches_search("宝鸡发布", now))
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(found, expected);
    assert!(found.contains(&WB_IMPOSTOR) && found.contains(&WB_MAIN));
    let imp = hits.iter().find(|h| h.platform_id == WB_IMPOSTOR).unwrap();
    assert_eq!((imp.display_name.as_str(), imp.verified), ("宝鸡发布厅", Some(false)));
    assert!(client.search_users("不存在的账号名称").await.unwrap().value.is_empty());

    let stats = sim.stats();
    assert!(stats.kind("weibo:visitor") >= 1 && stats.kind("weibo:timeline") >= 5, "{stats:?}");
    assert_eq!(stats.by_account[&format!("weibo:{WB_MANY}")]["weibo:timeline"], 3);
    assert_eq!(stats.faults_total, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wechat_sogou_feed_and_articles() {
    let sim = start(FaultConfig::none());
    let cfg = platforms(&sim.base(), &ConfigOptions::default());
    let client = wechat::WechatClient::new(&cfg.wechat, &cfg.feed, None, None).unwrap();
    let w = world();
    let now = t0();
    let wx = acct(&w, SimPlatform::Wechat, WX_MAIN);
    let me = AccountRef::named(WX_MAIN, wx.name.clone());

    // Sogou: profile with the 认证 entity, latest article with its exact time.
    let p = client.profile_of(&me).await.unwrap().value;
    assert_eq!(p.display_name, wx.name);
    assert_eq!(p.verified, Some(true));
    assert_eq!(p.verified_entity.as_deref(), Some("宝鸡市市场监督管理局"));
    assert_eq!(p.description.as_deref(), Some(wx.description.as_str()));
    let t = client.timeline_of(&me).await.unwrap();
    assert_eq!(t.source, "sogou weixin search");
    let latest = wx.visible_posts(now)[0];
    assert_eq!(t.value.posts.len(), 1);
    assert_eq!(t.value.posts[0].published_at, latest.at);
    assert!(latest.text.starts_with(&t.value.posts[0].text));
    assert_eq!(t.value.posts[0].text_truncated, latest.text.chars().count() > 34);

    // Search lists the impostor without 认证.
    let hits = client.search_users("宝鸡市场监管").await.unwrap().value;
    let by_id = |id: &str| hits.iter().find(|h| h.platform_id == id).cloned();
    assert_eq!(by_id(WX_MAIN).unwrap().verified, Some(true));
    let imp = by_id(WX_IMPOSTOR).unwrap();
    assert_eq!((imp.display_name.as_str(), imp.verified), ("宝鸡市场监管服务号", None));
    assert!(client.search_users("没有这个公众号").await.unwrap().value.is_empty());
    // A banned account is not listed: a search miss is no platform word.
    let banned = acct(&w, SimPlatform::Wechat, WX_BANNED);
    let r = client.profile_of(&AccountRef::named(WX_BANNED, banned.name.clone())).await;
    assert_eq!(class(&r), OutcomeClass::ParseError);

    // The feed source: every visible article, `{mid}_1`, exact times.
    let o = ConfigOptions { wechat_sources: vec!["feed".into()], ..ConfigOptions::default() };
    let cfg_feed = platforms(&sim.base(), &o);
    let feed_client = wechat::WechatClient::new(&cfg_feed.wechat, &cfg_feed.feed, None, None).unwrap();
    let t = feed_client.timeline_of(&me).await.unwrap();
    assert_eq!(t.source, "feed");
    let want: Vec<String> = wx.visible_posts(now).iter().map(|p| format!("{}_1", p.id)).collect();
    assert_eq!(ids(&t.value), want);
    for (got, p) in t.value.posts.iter().zip(wx.visible_posts(now)) {
        assert_eq!((got.published_at, got.published_at_exact, got.text.as_str()), (p.at, true, p.text.as_str()));
    }
    assert_eq!(class(&feed_client.timeline_of(&AccountRef::named(WX_BANNED, banned.name.clone())).await), OutcomeClass::NetworkError);

    // Article pages: time, ids, 原创, the account; deleted and banned pages.
    for p in wx.posts.iter().filter(|p| p.visible(now)) {
        let a = client.article(&article_link(&wx.biz, &p.id)).await.unwrap().value;
        assert_eq!(a.post.id, format!("{}_1", p.id));
        assert_eq!(a.post.published_at, p.at);
        assert_eq!(a.title, p.text);
        assert_eq!(a.original_declared, p.original, "{}", p.id);
        assert_eq!(a.biz.as_deref(), Some(wx.biz.as_str()));
        assert_eq!(a.user_name.as_deref(), Some(WX_MAIN));
        assert_eq!(a.account_name.as_deref(), Some(wx.name.as_str()));
    }
    let deleted = client.article(&article_link(&wx.biz, "2247480003")).await;
    assert_eq!(class(&deleted), OutcomeClass::NotFound);
    let gone = client.article(&article_link(&banned.biz, "2247470001")).await;
    assert_eq!(class(&gone), OutcomeClass::Banned);

    // A generic feed of a Weibo account keeps the post ids.
    let fc = feed::FeedClient::new(&cfg.feed, Platform::Weibo).unwrap();
    let mut w2 = world();
    w2.accounts.iter_mut().find(|a| a.id == WB_MAIN).unwrap().feed = true;
    sim.set_world(w2.clone());
    let t = fc.timeline(WB_MAIN).await.unwrap().value;
    let main = acct(&w2, SimPlatform::Weibo, WB_MAIN);
    assert_eq!(ids(&t), main.visible_posts(now).iter().map(|p| p.id.clone()).collect::<Vec<_>>());

    let stats = sim.stats();
    assert!(stats.kind("wechat:sogou") >= 3 && stats.kind("wechat:article") >= 5 && stats.kind("feed") >= 3, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_notices_prominence_and_dates() {
    let sim = start(FaultConfig::none());
    let cfg = platforms(&sim.base(), &ConfigOptions::default());
    let client = portal::PortalClient::new(&cfg.portal, Platform::Weibo).unwrap();
    let w = world();
    let now = t0();
    let home = format!("{}{PORTAL}", sim.base());
    let site = &w.portals[0];

    let page = client.page(&home).await.unwrap().value;
    assert_eq!(page.title.as_deref(), Some(site.name.as_str()));
    for n in &site.notices {
        let url = format!("{}{}", sim.base(), n.path);
        let items: Vec<_> = page.items.iter().filter(|i| i.url == url).collect();
        let up = n.posted_at <= now && n.removed_at.is_none_or(|r| now < r);
        assert_eq!(items.len(), usize::from(up), "{}", n.title);
        if let Some(i) = items.first() {
            assert_eq!(i.title, n.title);
            assert_eq!(i.prominent, n.prominent, "{}", n.title);
            assert_eq!(i.date, Some(n.posted_at.with_timezone(&util::cst()).date_naive()));
        }
    }

    // The opening notice of 宝鸡发布: prominent, an opening, its page's own time.
    let check = client.check(&home, "宝鸡发布").await.unwrap().value;
    let opening = check.mentions.iter().find(|m| m.item.url.ends_with("t1.html")).unwrap();
    assert_eq!(opening.kind, portal::NoticeKind::Opening);
    assert!(opening.item.prominent);
    let n1 = &site.notices[0];
    let page1 = check.notices.iter().find(|n| n.url.ends_with("t1.html")).unwrap();
    assert_eq!(page1.published_at, Some(n1.posted_at));
    assert_eq!(page1.date_source.as_deref(), Some("meta PubDate"));

    // The closing notice of 宝鸡市场监管 sits in the side column.
    let check = client.check(&home, "宝鸡市场监管").await.unwrap().value;
    assert_eq!(check.mentions.len(), 1);
    assert_eq!(check.mentions[0].kind, portal::NoticeKind::Closing);
    assert!(!check.mentions[0].item.prominent);

    // A notice taken off the homepage keeps its page; a future one has none.
    let removed = client.notice(&format!("{}{}", sim.base(), site.notices[2].path)).await.unwrap().value;
    assert_eq!(removed.published_on, Some(site.notices[2].posted_at.with_timezone(&util::cst()).date_naive()));
    let future = client.notice(&format!("{}{}", sim.base(), site.notices[3].path)).await;
    assert_eq!(class(&future), OutcomeClass::ParseError);
    let stats = sim.stats();
    assert_eq!(stats.kind("portal:home"), 3);
    assert!(stats.kind("portal:notice") >= 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bilibili_profile_dynamics_search_and_gone_accounts() {
    let sim = start(FaultConfig::none());
    let cfg = platforms(&sim.base(), &ConfigOptions::default());
    let client = bilibili::BilibiliClient::new(&cfg.bilibili).unwrap();
    let w = world();
    let now = t0();
    let bl = acct(&w, SimPlatform::Bilibili, BL_MAIN);

    let p = client.profile(BL_MAIN).await.unwrap();
    assert_eq!(p.source, "api.bilibili.com x/space/wbi/acc/info");
    let p = p.value;
    assert_eq!((p.profile.display_name.as_str(), p.profile.verified, p.official_role), (bl.name.as_str(), Some(true), Some(6)));
    assert_eq!(p.profile.verified_entity.as_deref(), Some("宝鸡市人民政府新闻办公室"));

    let t = client.timeline(BL_MAIN).await.unwrap().value;
    assert_eq!(ids(&t), expected_order(bl, now));
    for got in &t.posts {
        let want = bl.posts.iter().find(|p| p.id == got.id).unwrap();
        assert_eq!((got.published_at, got.is_pinned, got.text.as_str()), (want.at, want.pinned_at(now), want.text.as_str()));
        let state = if want.comments_closed { CommentState::Closed } else { CommentState::Open };
        assert_eq!(got.comment_state, state);
        match &want.repost_of {
            Some(r) => {
                let (sa, sp) = w.post(r).unwrap();
                let gr = got.repost_of.as_ref().unwrap();
                assert_eq!((gr.post_id.as_str(), gr.author_id.as_deref(), gr.published_at), (r.post_id.as_str(), Some(sa.id.as_str()), Some(sp.at)));
            }
            None => assert!(got.repost_of.is_none()),
        }
    }

    assert_eq!(class(&client.profile(BL_GONE).await), OutcomeClass::NotFound);
    assert_eq!(class(&client.profile(BL_BANNED).await), OutcomeClass::Banned);
    // The dynamics endpoint's -404 is not read as the account's absence.
    assert_eq!(class(&client.timeline(BL_GONE).await), OutcomeClass::ParseError);

    let hits = client.search_users("宝鸡发布").await.unwrap().value;
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].platform_id.as_str(), hits[0].display_name.as_str(), hits[0].verified), (BL_MAIN, "宝鸡发布", Some(true)));
    assert!(client.search_users("无此人").await.unwrap().value.is_empty());
    let stats = sim.stats();
    assert!(stats.kind("bilibili:nav") >= 1 && stats.kind("bilibili:dynamics") == 2, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_adapters_reads_the_generated_config() {
    let sim = start(FaultConfig::none());
    let cfg = platforms(&sim.base(), &ConfigOptions::default());
    let adapters = build_adapters(&cfg, &PlatformSecrets::default()).unwrap();
    let platforms: Vec<Platform> = adapters.iter().map(|a| a.platform()).collect();
    assert_eq!(platforms, [Platform::Weibo, Platform::Wechat, Platform::Bilibili]);
    let weibo = &adapters[0];
    let p = weibo.profile(WB_MAIN).unwrap().await.unwrap().value;
    assert_eq!(p.display_name, "宝鸡发布");
    // The stats endpoint answers JSON and is never faulted.
    sim.set_faults(FaultConfig { weibo: Rates::uniform(1.0), ..FaultConfig::none() });
    let body = reqwest_get(&format!("{}/_sim/stats", sim.base())).await;
    let stats: Stats = serde_json::from_str(&body).unwrap();
    assert!(stats.kind("weibo:profile") >= 1);
}

/// A plain GET over a raw socket (the dev-dependencies have no HTTP client
/// of their own besides the adapters').
async fn reqwest_get(url: &str) -> String {
    let url = url.to_string();
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let u = url::Url::parse(&url).unwrap();
        let mut s = std::net::TcpStream::connect((u.host_str().unwrap(), u.port().unwrap())).unwrap();
        write!(s, "GET {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", u.path()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out.split_once("\r\n\r\n").unwrap().1.to_string()
    })
    .await
    .unwrap()
}
