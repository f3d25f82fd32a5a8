//! WeChat as xunjian's WeChat adapter reads it: Sogou account search
//! (`/weixin?type=1&query=…`) and article pages on mp.weixin.qq.com
//! (`/s?__biz=…&mid=…&idx=1&sn=…`).
//!
//! Templates: the real Sogou result page of 2017
//! (`sogou_weixin_search_type1_accounts_2017.html`: its first `<li>` is the
//! model of every result) and its anti-spider page; the synthesized
//! no-result block; the real 2025 article excerpts (header DOM and the
//! `<script>` block with `var ct`, `create_time`, `appuin`, `user_name`,
//! `msg_title`, `msg_link`, `copyright_stat`, …) joined into one page; the
//! real `article_deleted_by_author.html` status page, whose message is
//! replaced by WeChat's account-level texts for cancelled
//! (`此帐号已自主注销，内容无法查看。`) and blocked
//! (`此帐号已被屏蔽, 内容无法查看`) accounts.
//!
//! An article's `sn` is derived from `__biz` and `mid` and is not checked.
//! The world's WeChat post id is the article's `mid`; each post is the
//! first article (`idx=1`) of its message, so xunjian reads its id as
//! `{mid}_1`.

use crate::fixtures as fx;
use crate::http::{Request, Response};
use crate::model::{Account, GoneKind, Post, SimPlatform};
use crate::route::{Ctx, Routed};
use crate::util::{decode_base64_text, hex_of, html_escape};
use regex::Regex;
use std::sync::LazyLock;

/// Titles longer than this are cut with `...` in Sogou's 最近文章.
const SOGOU_TITLE_CHARS: usize = 34;

/// The `sn` of an article.
pub fn article_sn(biz: &str, mid: &str) -> String {
    hex_of(&format!("{biz}/{mid}"), 32)
}

/// The canonical long link of an article on mp.weixin.qq.com (what the
/// page's `msg_link` and feeds carry; the WeChat adapter re-roots it on its
/// configured `mp_base_url`).
pub fn article_link(biz: &str, mid: &str) -> String {
    let enc: String = url::form_urlencoded::byte_serialize(biz.as_bytes()).collect();
    format!("https://mp.weixin.qq.com/s?__biz={enc}&mid={mid}&idx=1&sn={}", article_sn(biz, mid))
}

pub fn handle(req: &Request, ctx: &Ctx) -> Routed {
    if req.path == "/weixin" {
        let q = req.param("query").unwrap_or("");
        return Routed::new("wechat:sogou", None, sogou(q, ctx));
    }
    // `/s?__biz=…` (short `/s/token` links are not issued by the simulator).
    let biz = req.param("__biz").unwrap_or("");
    let mid = req.param("mid").unwrap_or("");
    let a = ctx.world.accounts.iter().find(|a| a.platform == SimPlatform::Wechat && !a.biz.is_empty() && a.biz == biz);
    let key = a.map(|a| format!("wechat:{}", a.id));
    Routed::new("wechat:article", key, article(a, mid, ctx))
}

// ---------------------------------------------------------------------
// Sogou
// ---------------------------------------------------------------------

struct SogouParts {
    head: String,
    li: String,
    tail: String,
}

static SOGOU: LazyLock<SogouParts> = LazyLock::new(|| {
    let t = fx::SOGOU_SEARCH;
    let open = "<ul class=\"news-list2\">";
    let ul = t.find(open).expect("fixture has the list") + open.len();
    let li_start = ul + t[ul..].find("<li").expect("an item");
    let li_end = li_start + t[li_start..].find("</li>").expect("item end") + "</li>".len();
    let ul_end = ul + t[ul..].find("</ul>").expect("list end");
    SogouParts { head: t[..ul].to_string(), li: t[li_start..li_end].to_string(), tail: t[ul_end..].to_string() }
});

fn re(s: &str) -> Regex {
    Regex::new(s).expect("static regex")
}

static RE_NAME: LazyLock<Regex> = LazyLock::new(|| re(r#"(?s)(uigs="account_name_0" href="[^"]*">).*?(</a>)"#));
static RE_WXID: LazyLock<Regex> = LazyLock::new(|| re(r#"(<label name="em_weixinhao">)[^<]*(</label>)"#));
static RE_INTRO: LazyLock<Regex> = LazyLock::new(|| re(r#"(?s)(<dt>功能介绍：</dt>\s*<dd>).*?(</dd>)"#));
static RE_AUTH: LazyLock<Regex> = LazyLock::new(|| re(r#"(?s)<dl>\s*<dt>\s*<script>document\.write\(authname\('2'\)\)</script>认证：</dt>\s*<dd>.*?</dd>\s*</dl>"#));
static RE_AUTH_DD: LazyLock<Regex> = LazyLock::new(|| re(r#"(?s)(认证：</dt>\s*<dd>).*?(</dd>)"#));
static RE_LATEST: LazyLock<Regex> = LazyLock::new(|| re(r#"(?s)<dl>\s*<dt>最近文章：</dt>.*?</dl>"#));
static RE_ARTICLE: LazyLock<Regex> = LazyLock::new(|| re(r#"(?s)(uigs="account_article_0" href=")[^"]*(">).*?(</a>)"#));
static RE_TIME: LazyLock<Regex> = LazyLock::new(|| re(r#"timeConvert\('\d+'\)"#));
static RE_SIG: LazyLock<Regex> = LazyLock::new(|| re(r#"signature=[^"'&]+"#));

fn sogou_id(a: &Account) -> String {
    format!("oIWsF{}", &hex_of(&a.id, 23))
}

fn sogou_item(i: usize, a: &Account, ctx: &Ctx) -> String {
    let tpl = &SOGOU.li;
    let ts = ctx.now.timestamp().to_string();
    let mut li = tpl.replace("oIWsFt6fv4FH0OBNCyoonNoAp2OM", &sogou_id(a)).replace("1500827209", &ts);
    li = RE_SIG.replace_all(&li, format!("signature={}", hex_of(&format!("{}{ts}", a.id), 64)).as_str()).into_owned();
    li = RE_NAME.replace(&li, format!("${{1}}{}${{2}}", html_escape(&a.name).replace('$', "$$")).as_str()).into_owned();
    li = RE_WXID.replace(&li, format!("${{1}}{}${{2}}", html_escape(&a.id).replace('$', "$$")).as_str()).into_owned();
    li = RE_INTRO.replace(&li, format!("${{1}}{}${{2}}", html_escape(&a.description).replace('$', "$$")).as_str()).into_owned();
    li = match &a.verification {
        Some(v) => RE_AUTH_DD.replace(&li, format!("${{1}}{}${{2}}", html_escape(&v.reason).replace('$', "$$")).as_str()).into_owned(),
        None => RE_AUTH.replace(&li, "").into_owned(),
    };
    let latest = a.visible_posts(ctx.now).into_iter().next();
    li = match latest {
        Some(p) => {
            let block = RE_LATEST.find(&li).map(|m| m.as_str().to_string()).unwrap_or_default();
            let mut title: String = p.text.chars().take(SOGOU_TITLE_CHARS).collect();
            if p.text.chars().count() > SOGOU_TITLE_CHARS {
                title.push_str("...");
            }
            let link = format!(
                "http://mp.weixin.qq.com/s?src=3&amp;timestamp={ts}&amp;ver=1&amp;signature={}",
                hex_of(&format!("{}/{}", a.biz, p.id), 64)
            );
            let mut new_block = RE_ARTICLE
                .replace(&block, format!("${{1}}{link}${{2}}{}${{3}}", html_escape(&title).replace('$', "$$")).as_str())
                .into_owned();
            new_block = RE_TIME.replace(&new_block, format!("timeConvert('{}')", p.at.timestamp()).as_str()).into_owned();
            li.replace(&block, &new_block)
        }
        None => RE_LATEST.replace(&li, "").into_owned(),
    };
    li.replace("box_0\"", &format!("box_{i}\""))
        .replace("account_image_0\"", &format!("account_image_{i}\""))
        .replace("account_name_0\"", &format!("account_name_{i}\""))
        .replace("account_article_0\"", &format!("account_article_{i}\""))
}

fn sogou(q: &str, ctx: &Ctx) -> Response {
    let q = q.trim();
    let mut hits: Vec<&Account> = ctx
        .world
        .accounts
        .iter()
        .filter(|a| {
            a.platform == SimPlatform::Wechat
                && a.present(ctx.now)
                && (a.id.eq_ignore_ascii_case(q) || a.matches_search(q, ctx.now))
        })
        .collect();
    // Exact matches (微信号 or name) first, as a search engine ranks them.
    hits.sort_by_key(|a| !(a.id.eq_ignore_ascii_case(q) || a.name == q));
    let shown = html_escape(q);
    if hits.is_empty() {
        return Response::html(fx::SOGOU_NO_RESULT.replace("汉滨不存在的号", &shown));
    }
    let mut page = SOGOU.head.replace("高考", &shown);
    for (i, a) in hits.iter().enumerate() {
        page.push_str("\n\n\t\t<!-- a -->\n\t\t");
        page.push_str(&sogou_item(i, a, ctx));
        page.push_str("\n\n\t\t<!-- z -->\n");
    }
    page.push_str(&SOGOU.tail.replace("高考", &shown));
    Response::html(page).with_header("Set-Cookie", "SNUID=SIMULATED0000000000000000000000; path=/; domain=.sogou.com")
}

// ---------------------------------------------------------------------
// Articles
// ---------------------------------------------------------------------

static RE_VAR: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r#"var create_time = "\d+" \* 1;"#, "var create_time = \"{ct}\" * 1;"),
        (r#"var ct = "\d+";"#, "var ct = \"{ct}\";"),
        (r#"var modify_time = "\d+" \* 1;"#, "var modify_time = \"{ct}\" * 1;"),
        (r#"var _copyright_stat = "\d+";"#, "var _copyright_stat = \"{cs}\";"),
        (r#"var copyright_stat = "\d+" \* 1;"#, "var copyright_stat = \"{cs}\" * 1;"),
        (r#"copyright_stat: "\d+","#, "copyright_stat: \"{cs}\","),
        (r#"var msg_title = '[^\n]*'\.html\(false\);"#, "var msg_title = '{title}'.html(false);"),
        (r#"var msg_desc = htmlDecode\("[^\n]*"\);"#, "var msg_desc = htmlDecode(\"{desc}\");"),
        (r#"var msg_link = "[^"]*";"#, "var msg_link = \"{link}\";"),
        (r#"var msg_source_url = '[^']*';"#, "var msg_source_url = '';"),
        (r#"window\.alias = "[^"]*""#, "window.alias = \"\""),
    ]
    .into_iter()
    .map(|(p, r)| (re(p), r))
    .collect()
});

/// Text for a JS string literal whose value is HTML-decoded by the page.
fn js_html(s: &str) -> String {
    html_escape(s).replace('\\', "\\\\").replace('\n', "<br/>")
}

fn article_page(a: &Account, p: &Post) -> String {
    let ct = p.at.timestamp().to_string();
    let bizuin = decode_base64_text(&a.biz).filter(|s| s.chars().all(|c| c.is_ascii_digit())).unwrap_or_else(|| "3000000000".into());
    let link = article_link(&a.biz, &p.id).replace('&', "&amp;") + "#rd";
    let mut script = fx::WECHAT_ARTICLE_SCRIPT
        .replace("MzI4NjAxNjY4Nw==", &a.biz)
        .replace("3286016687", &bizuin)
        .replace("2650242275", &p.id)
        .replace("gh_2f5c59ad6e1e", &a.id)
        .replace("tr38EieqyftubIx2FMWUWw", "")
        .replace("阮一峰的网络日志", &js_html(&a.name))
        .replace("var author = \"阮一峰\";", &format!("var author = \"{}\";", js_html(&a.name)));
    for (r, with) in RE_VAR.iter() {
        let with = with
            .replace("{ct}", &ct)
            .replace("{cs}", if p.original { "1" } else { "0" })
            .replace("{title}", &js_html(&p.text).replace('\'', "\\'"))
            .replace("{desc}", &js_html(&p.text).replace('"', "\\\""))
            .replace("{link}", &link);
        script = r.replace(&script, regex::NoExpand(&with)).into_owned();
    }
    let mut header = fx::WECHAT_ARTICLE_HEADER
        .replace("科技爱好者周刊#372：软件界面如何设计", &html_escape(&p.text))
        .replace("阮一峰的网络日志", &html_escape(&a.name))
        .replace(">阮一峰<", &format!(">{}<", html_escape(&a.name)));
    if !p.original {
        // No 原创 tag on an article not declared original.
        header = Regex::new(r#"<span id="copyright_logo"[^>]*>原创</span>"#).expect("static").replace(&header, "").into_owned();
    }
    let title = html_escape(&p.text);
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n\
         <meta property=\"og:title\" content=\"{title}\" />\n<meta property=\"og:url\" content=\"{}\" />\n<title>{title}</title>\n</head>\n\
         <body id=\"activity-detail\" class=\"zh_CN wx_wap_page\">\n<div id=\"js_article\" class=\"rich_media\">\n\
         <div class=\"rich_media_inner\">\n<div id=\"page-content\" class=\"rich_media_area_primary\">\n\
         {header} id=\"js_content\" style=\"visibility: hidden;\">\n<p>{title}</p>\n</div>\n</div>\n</div>\n</div>\n{script}\n</body>\n</html>\n",
        link
    )
}

/// The real "deleted by its publisher" page, or the same page with WeChat's
/// account-level message.
fn status_page(message: Option<&str>) -> Response {
    let page = match message {
        None => fx::WECHAT_ARTICLE_DELETED.to_string(),
        Some(m) => fx::WECHAT_ARTICLE_DELETED.replace("该内容已被发布者删除", m),
    };
    Response::html(page)
}

fn article(a: Option<&Account>, mid: &str, ctx: &Ctx) -> Response {
    let Some(a) = a else { return Response::not_found() };
    let Some(p) = a.posts.iter().find(|p| p.id == mid && p.at <= ctx.now) else {
        return Response::not_found();
    };
    match a.gone_at(ctx.now) {
        Some(GoneKind::NotFound) => return status_page(Some("此帐号已自主注销，内容无法查看。")),
        Some(GoneKind::Banned) => return status_page(Some("此帐号已被屏蔽, 内容无法查看")),
        None => {}
    }
    if !p.visible(ctx.now) {
        return status_page(None);
    }
    Response::html(article_page(a, p))
}
