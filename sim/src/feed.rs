//! RSS 2.0 feeds at `/feed/<platform>/<id>` for accounts with `feed: true`,
//! in the shape RSSHub gives (`rsshub_wechat_rss2.xml` in the adapters'
//! feed fixtures, synthesized after RSSHub's output): channel title, link,
//! `atom:link` self, generator, items newest first with `title` (the post
//! text), `description`, `link`, `guid`, `pubDate` (RFC 2822, +0800).
//!
//! Item links are the platforms' canonical URLs (WeChat:
//! `https://mp.weixin.qq.com/s?__biz=…&mid=…&idx=1&sn=…`, which the WeChat
//! adapter re-roots on its configured `mp_base_url`, so the same path is
//! served here; Weibo `https://m.weibo.cn/detail/{id}`; Bilibili
//! `https://t.bilibili.com/{id}`). WeChat items use the link as `guid`, as
//! RSSHub does (xunjian takes `{mid}_{idx}` from it); the others give the
//! post id as a non-permalink `guid`.
//!
//! An account that does not exist, is gone, or has no feed gets RSSHub's
//! error page ("Looks like something went wrong") with HTTP 503: a feed
//! service cannot say whether an account exists.

use crate::fixtures as fx;
use crate::http::{Request, Response};
use crate::model::{Account, LieKind, SimPlatform};
use crate::route::{Ctx, Routed};
use crate::util::{html_escape, rfc2822_cst};
use crate::wechat::article_link;

fn platform_of(code: &str) -> Option<SimPlatform> {
    [SimPlatform::Weibo, SimPlatform::Wechat, SimPlatform::Bilibili].into_iter().find(|p| p.code() == code)
}

/// RSSHub's error page with `message`.
pub fn rsshub_error(message: &str, route: &str) -> String {
    let mut page = fx::FEED_RSSHUB_ERROR.to_string();
    if let (Some(a), Some(b)) = (page.find("FetchError:"), page.find("</code></p>")) {
        page.replace_range(a..b, &html_escape(message));
    }
    page.replace("/douyin/user/MS4wLjABAAAAsyntheticSecUid000000000000000000000000000", &html_escape(route))
        .replace("/douyin/user/:uid/:embed?", "/:platform/:id")
}

pub fn handle(req: &Request, ctx: &Ctx) -> Routed {
    let rest = req.path.trim_start_matches("/feed/");
    let (code, id) = rest.split_once('/').unwrap_or((rest, ""));
    let account = platform_of(code).and_then(|p| ctx.world.account(p, id));
    let key = account.map(|a| format!("{}:{}", a.platform.code(), a.id));
    let response = match account {
        Some(a) if a.feed && a.present(ctx.now) => Response::new(200, "application/rss+xml; charset=utf-8", relayed(a, ctx)),
        _ => Response::new(
            503,
            "text/html; charset=utf-8",
            rsshub_error(&format!("NotFoundError: {code} {id}: the upstream shows no such account"), &req.path),
        ),
    };
    Routed::new("feed", key, response)
}

/// The feed as the relay serves it at `ctx.now`, lies included.
fn relayed(a: &Account, ctx: &Ctx) -> String {
    match a.lie_at(ctx.now) {
        Some(LieKind::StaleRelay) => {
            // The relay's answer as it was when it stopped updating.
            let then = a.lie_since(ctx.now).unwrap_or(ctx.now);
            rss(a, &Ctx { world: ctx.world, now: then, base: ctx.base }, true)
        }
        Some(LieKind::EmptyFeed) => rss(a, ctx, false),
        Some(LieKind::WrongAccount { other }) => match ctx.world.account(a.platform, other) {
            Some(o) if o.feed && o.present(ctx.now) && o.lie_at(ctx.now).is_none() => rss(o, ctx, true),
            _ => rss(a, ctx, true),
        },
        _ => rss(a, ctx, true),
    }
}

fn item_link(a: &Account, id: &str) -> String {
    match a.platform {
        SimPlatform::Wechat => article_link(&a.biz, id),
        SimPlatform::Weibo => format!("https://m.weibo.cn/detail/{id}"),
        SimPlatform::Bilibili => format!("https://t.bilibili.com/{id}"),
    }
}

fn rss(a: &Account, ctx: &Ctx, with_items: bool) -> String {
    let channel_link = match a.platform {
        SimPlatform::Wechat => "https://mp.weixin.qq.com/".to_string(),
        SimPlatform::Weibo => format!("https://weibo.com/{}", a.id),
        SimPlatform::Bilibili => format!("https://space.bilibili.com/{}/dynamic", a.id),
    };
    let name = html_escape(&a.name);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss xmlns:atom=\"http://www.w3.org/2005/Atom\" version=\"2.0\"><channel>\
         <title>{name}</title><link>{}</link><atom:link href=\"{}/feed/{}/{}\" rel=\"self\" type=\"application/rss+xml\"></atom:link>\
         <description>{name} - Powered by RSSHub</description><generator>RSSHub</generator><webMaster>contact@rsshub.app (RSSHub)</webMaster>\
         <language>zh-cn</language><lastBuildDate>{}</lastBuildDate><ttl>5</ttl>",
        html_escape(&channel_link),
        ctx.base,
        a.platform.code(),
        html_escape(&a.id),
        ctx.now.format("%a, %d %b %Y %H:%M:%S GMT"),
    );
    let posts = if with_items { a.visible_posts(ctx.now) } else { Vec::new() };
    for p in posts {
        let link = html_escape(&item_link(a, &p.id));
        let guid = match a.platform {
            SimPlatform::Wechat => format!("<guid isPermaLink=\"false\">{link}</guid>"),
            _ => format!("<guid isPermaLink=\"false\">{}</guid>", html_escape(&p.id)),
        };
        let text = html_escape(&p.text);
        out.push_str(&format!(
            "<item><title>{text}</title><description>{}</description><link>{link}</link>{guid}<pubDate>{}</pubDate><author>{name}</author></item>",
            html_escape(&format!("<p>{text}</p>")),
            rfc2822_cst(p.at),
        ));
    }
    out.push_str("</channel></rss>");
    out
}
