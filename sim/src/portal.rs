//! Superior government portals: each [`Portal`]'s homepage at its `path`
//! and its notices' pages at theirs, in GBK (declared only in `<meta>`), as
//! the portal fixtures are.
//!
//! Templates (synthesized in the adapters' fixtures; no portal capture
//! exists yet): `home_gbk_with_notice.html` — the 通知公告 block
//! (`<div class="tzgg" id="tzgg">` with a `通知公告` title, which xunjian's
//! portal parser reads as prominent) lists the prominent notices up at
//! "now"; the side column 县区动态 (a heading the parser reads as not
//! prominent) lists the others; each link carries the full title in
//! `title=` (the text is cut with `...` past 20 characters) and the
//! publication date in a `<span>` beside it. `notice_page_gbk.html` — the
//! notice page with `<meta name="PubDate" content="YYYY-MM-DD HH:MM">` and
//! a `发布时间：` line. A notice page stays after its link left the
//! homepage; before `posted_at` it is a 404. Inside a
//! [`Portal::maintenance`] span the homepage is `maintenance_title_gbk_200.html`
//! (HTTP 200, the site's navigation, no notices).

use crate::fixtures as fx;
use crate::http::{Request, Response};
use crate::model::{Portal, PortalNotice};
use crate::route::{Ctx, Routed};
use crate::util::{cst, html_escape};
use regex::Regex;
use std::sync::LazyLock;

const SHOWN_CHARS: usize = 20;

static HOME: LazyLock<String> = LazyLock::new(|| fx::gbk_text(fx::PORTAL_HOME_GBK));
/// "系统升级维护公告" with the site's navigation, HTTP 200: what a portal
/// shows while it is being upgraded.
static MAINTENANCE: LazyLock<String> = LazyLock::new(|| fx::gbk_text(fx::PORTAL_MAINTENANCE_GBK));
static NOTICE: LazyLock<String> = LazyLock::new(|| fx::gbk_text(fx::PORTAL_NOTICE_GBK));
static RE_TZGG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?s)(<div class="tzgg" id="tzgg">.*?<ul>).*?(</ul>)"#).expect("static"));
static RE_SIDE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?s)(<div class="xqdt"><h3>县区动态</h3>\s*<ul>).*?(</ul>)"#).expect("static"));
static RE_CONTENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?s)<div class="content">.*?</div>"#).expect("static"));

/// Whether `path` is a portal homepage or notice page of the world.
pub fn owns(ctx: &Ctx, path: &str) -> bool {
    ctx.world.portals.iter().any(|p| p.path == path || p.notices.iter().any(|n| n.path == path))
}

pub fn handle(req: &Request, ctx: &Ctx) -> Routed {
    if let Some(portal) = ctx.world.portals.iter().find(|p| p.path == req.path) {
        let page = if portal.maintenance.iter().any(|(from, until)| *from <= ctx.now && ctx.now < *until) {
            MAINTENANCE.replace("安康市人民政府", &html_escape(&portal.name))
        } else {
            home(portal, ctx)
        };
        return Routed::new("portal:home", Some(portal.path.clone()), gbk(page));
    }
    for portal in &ctx.world.portals {
        if let Some(n) = portal.notices.iter().find(|n| n.path == req.path) {
            let resp = if n.posted_at <= ctx.now { gbk(notice(portal, n)) } else { Response::not_found() };
            return Routed::new("portal:notice", Some(portal.path.clone()), resp);
        }
    }
    Routed::new("portal:other", None, Response::not_found())
}

fn gbk(html: String) -> Response {
    let (bytes, _, _) = encoding_rs::GBK.encode(&html);
    Response::new(200, "text/html", bytes.into_owned())
}

fn item(n: &PortalNotice) -> String {
    let mut shown: String = n.title.chars().take(SHOWN_CHARS).collect();
    if n.title.chars().count() > SHOWN_CHARS {
        shown.push_str("...");
    }
    format!(
        "\n      <li><a href=\"{}\" title=\"{}\" target=\"_blank\">{}</a><span>{}</span></li>",
        html_escape(&n.path),
        html_escape(&n.title),
        html_escape(&shown),
        n.posted_at.with_timezone(&cst()).format("%Y-%m-%d")
    )
}

fn home(portal: &Portal, ctx: &Ctx) -> String {
    let up = |n: &&PortalNotice| n.posted_at <= ctx.now && n.removed_at.is_none_or(|r| ctx.now < r);
    let mut notices: Vec<&PortalNotice> = portal.notices.iter().filter(up).collect();
    notices.sort_by(|a, b| b.posted_at.cmp(&a.posted_at).then_with(|| a.path.cmp(&b.path)));
    let prominent: String = notices.iter().filter(|n| n.prominent).map(|n| item(n)).collect();
    let side: String = notices.iter().filter(|n| !n.prominent).map(|n| item(n)).collect();
    let page = HOME.replace("安康市人民政府", &html_escape(&portal.name));
    let page = RE_TZGG.replace(&page, |c: &regex::Captures| format!("{}{prominent}\n    {}", &c[1], &c[2]));
    let page = RE_SIDE.replace(&page, |c: &regex::Captures| format!("{}{side}\n      {}", &c[1], &c[2]));
    page.into_owned()
}

fn notice(portal: &Portal, n: &PortalNotice) -> String {
    let local = n.posted_at.with_timezone(&cst());
    let title = html_escape(&n.title);
    let name = html_escape(&portal.name);
    let page = NOTICE
        .replace("关于开通“汉滨发布”微信公众号的公告", &title)
        .replace("2024-05-20 09:30", &local.format("%Y-%m-%d %H:%M").to_string())
        .replace("安康市汉滨区人民政府办公室", &name)
        .replace("汉滨区人民政府办公室", &name)
        .replace("安康市人民政府", &name);
    let content = format!(
        "<div class=\"content\">\n<p>{title}</p>\n<p>特此公告。</p>\n<p style=\"text-align:right\">{name}<br />{}</p>\n</div>",
        local.format("%Y年%-m月%-d日")
    );
    RE_CONTENT.replace(&page, regex::NoExpand(&content)).into_owned()
}
