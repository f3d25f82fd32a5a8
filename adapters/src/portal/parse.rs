//! Pure parsers for government portal pages: the homepage's links with
//! their place on the page, mentions of an account's opening or closing,
//! and a notice page's own date.
//!
//! **"Prominent"** (显著位置, 宝鸡办法 第七条) is read from the page
//! structure, nearest block first:
//!
//! 1. A link inside `<footer>`, `<nav>`, `<header>`, or a block whose id or
//!    class names a footer, navigation, menu, friendly-links or copyright
//!    area (`footer`, `foot`, `bottom`, `nav`, `menu`, `yqlj`, `links`,
//!    `copyright`, …) is **not** prominent, whatever else is around it.
//! 2. Otherwise the nearest enclosing block (up to 8 levels) that has a
//!    label decides. A label is the block's id/class words, or the text of
//!    its own heading (`h1`–`h4`, or a child whose class is `title`, `tit`,
//!    `hd`, `bt`, `head`). The link is prominent when that label names a
//!    headline, focus, scrolling or notice block: id/class words such as
//!    `headline`, `toutiao`, `focus`, `banner`, `slide`, `swiper`,
//!    `notice`, `tzgg`, `gsgg`, `gonggao`, `yw`, `ywdt`, `zyxw`,
//!    `marquee`, `scroll`; heading text containing 头条, 要闻, 焦点, 通知,
//!    公告, 公示, 重要, 最新, 热点, 今日.
//! 3. A link inside `<marquee>` (the scrolling notice ticker many
//!    government sites have) is prominent.
//! 4. Anything else (side columns, department news, topic lists) is not.
//!
//! The heuristic errs towards "not prominent": a notice the parser cannot
//! place is reported with `prominent: false` and its block label, so a
//! person can look at the evidence; it never turns a doubtful placement
//! into a pass.

use crate::feed::response::{
    ResponseMeta, classify_status, empty_body, looks_like_refusal_page, refusal_in_page, title_suffix,
};
use crate::model::{PortalItem, PortalPage, PortalShape};
use crate::outcome::FetchFailure;
use crate::text::{decode_body, html_title};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::LazyLock;

/// What kind of announcement a link about an account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// 开通 / 开设 / 上线 / 正式运行 / 启用 / 入驻.
    Opening,
    /// 停止更新 / 停更 / 关停 / 注销 / 关闭 / 停止运营 / 下线.
    Closing,
    /// Names the account without either.
    Other,
}

/// A link on a portal page that names the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortalMention {
    pub kind: NoticeKind,
    /// The keyword that decided `kind`, when any.
    pub keyword: Option<String>,
    pub item: PortalItem,
    /// The page cut the title short (`…`) and only the start of the
    /// account's name was visible.
    pub name_truncated: bool,
}

/// A notice page's own date, read after following a matched link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticePage {
    pub url: String,
    pub title: Option<String>,
    /// The publication date the page states.
    pub published_on: Option<NaiveDate>,
    /// With the time of day when stated (Asia/Shanghai).
    pub published_at: Option<DateTime<Utc>>,
    /// Where the date was read: `meta PubDate`, `text 发布时间`, ...
    pub date_source: Option<String>,
}

const OPENING: &[&str] = &["正式开通", "开通", "开设", "上线", "正式运行", "试运行", "启用", "入驻"];
const CLOSING: &[&str] =
    &["停止更新", "停止运营", "停止运行", "暂停更新", "停更", "关停", "注销", "关闭", "下线", "撤销", "停止"];

/// Id/class words of blocks that are never prominent.
const NOT_PROMINENT_WORDS: &[&str] = &[
    "footer",
    "foot",
    "bottom",
    "nav",
    "navbar",
    "menu",
    "daohang",
    "dh",
    "yqlj",
    "links",
    "friendlink",
    "flink",
    "copyright",
    "banquan",
    "sitemap",
    "topbar",
    "toolbar",
];
/// Id/class words of headline, focus and notice blocks.
const PROMINENT_WORDS: &[&str] = &[
    "headline",
    "headlines",
    "toutiao",
    "tt",
    "focus",
    "jdt",
    "jdxw",
    "banner",
    "slide",
    "slider",
    "swiper",
    "carousel",
    "lunbo",
    "notice",
    "notices",
    "tzgg",
    "gsgg",
    "gg",
    "gonggao",
    "tongzhi",
    "yw",
    "ywdt",
    "zyxw",
    "important",
    "marquee",
    "scroll",
    "gundong",
];
/// Heading words of headline, focus and notice blocks.
const PROMINENT_HEADINGS: &[&str] = &["头条", "要闻", "焦点", "通知", "公告", "公示", "重要", "最新", "热点", "今日"];

/// Bounds of one portal read. A page beyond them is "could not check" (a
/// `ParseError` naming the bound), never a homepage without the notice.
/// Real homepages are a few hundred KB, nest a few dozen levels and carry
/// a few hundred links; the bounds keep the HTML tree builder (whose
/// scope checks walk the stack of open elements) and the link walk linear.
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;
/// Estimated depth of open elements ([`nesting_too_deep`]).
pub const MAX_NESTING: usize = 512;
/// Content links on one page.
pub const MAX_ITEMS: usize = 5_000;
/// A page with this many content links or more is a real page of the
/// site: "维护"/"不存在" in its text is then news, not the page's state.
const NOT_HOME_MAX_LINKS: usize = 100;

/// Parses a saved portal page as if served with HTTP 200.
pub fn parse_portal(body: &[u8], url: &str) -> Result<PortalPage, FetchFailure> {
    parse_portal_response(&ResponseMeta::OK, body, url)
}

/// The page's links, or a classified failure: HTTP refusals, WAF and
/// challenge pages (which are small and link-poor, and are recognised
/// only then: a real homepage has 登录 and 验证码 links of its own), empty
/// bodies, pages beyond the bounds, maintenance and "page not found" pages
/// served with 200, pages without links.
pub fn parse_portal_response(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<PortalPage, FetchFailure> {
    if let Some(f) = too_large(body, url) {
        return Err(f);
    }
    let (text, _) = decode_body(body, meta.content_type);
    classify_status(meta, &text, url, "portal page")?;
    if let Some(f) = empty_body(meta, &text, url) {
        return Err(f);
    }
    if looks_like_refusal_page(&text)
        && let Some(f) = refusal_in_page(&text, meta.status, url)
    {
        return Err(f);
    }
    if let Some(f) = truncated(&text, url) {
        return Err(f);
    }
    if let Some(f) = nesting_too_deep(&text, url) {
        return Err(f);
    }
    let doc = Html::parse_document(&text);
    let mut page = extract_links(&doc, &text, url)?;
    if let Some(f) = not_the_page_asked_for(&doc, &page, url) {
        return Err(f);
    }
    if page.items.is_empty() {
        return Err(FetchFailure::parse(
            url,
            "a[href]",
            format!(
                "a page without any content link{}: not a portal page (or one built by JavaScript)",
                title_suffix(&text)
            ),
        ));
    }
    page.shape = shape_of(&page, body.len());
    Ok(page)
}

fn shape_of(page: &PortalPage, bytes: usize) -> PortalShape {
    let mut blocks: Vec<String> = page.items.iter().filter_map(|i| i.block.clone()).collect();
    blocks.sort_unstable();
    blocks.dedup();
    PortalShape {
        bytes,
        links: page.items.len(),
        prominent: page.items.iter().filter(|i| i.prominent).count(),
        blocks,
    }
}

fn too_large(body: &[u8], url: &str) -> Option<FetchFailure> {
    (body.len() > MAX_PAGE_BYTES).then(|| {
        FetchFailure::parse(
            url,
            "page_size",
            format!("a page of {} bytes, over the {MAX_PAGE_BYTES}-byte bound of a portal page", body.len()),
        )
    })
}

/// Titles of a "page not found" answer (often served with 200 and the
/// site's navigation around it).
const NOT_FOUND_TITLE: &[&str] =
    &["页面不存在", "页面未找到", "网页不存在", "找不到", "not found", "页面出错", "出错啦", "错误页"];
/// Titles of a maintenance or upgrade page.
const MAINTENANCE_TITLE: &[&str] =
    &["维护中", "网站维护", "系统维护", "系统升级", "升级中", "网站升级", "升级维护", "暂停访问", "maintenance"];
/// The same in the text outside links, trusted only on link-poor pages.
const NOT_FOUND_TEXT: &[&str] = &[
    "页面不存在",
    "页面未找到",
    "网页不存在",
    "找不到您",
    "找不到该页面",
    "找不到页面",
    "页面已删除",
    "页面已被删除",
    "该页面不存在",
    "页面走丢",
    "您访问的页面",
    "您所访问的页面",
    "not found",
];
const MAINTENANCE_TEXT: &[&str] = &[
    "网站维护中",
    "系统维护中",
    "正在维护",
    "维护升级",
    "升级维护",
    "系统升级中",
    "网站升级中",
    "正在升级",
    "停机维护",
    "暂停服务",
    "暂停访问",
    "系统升级",
];

/// A maintenance page or a "page not found" page answered with 200 in
/// place of the homepage (often inside the site's template, navigation
/// links and all). Read as a homepage it would have no notice, and the
/// opening-notice rule would report the notice removed: could not check.
/// The title decides alone; the text outside links decides only on a
/// link-poor page, because a real homepage may carry news such as
/// 关于政务服务系统升级的公告.
fn not_the_page_asked_for(doc: &Html, page: &PortalPage, url: &str) -> Option<FetchFailure> {
    let title = page.title.as_deref().unwrap_or("").to_lowercase();
    let title_404 = title.match_indices("404").any(|(i, _)| {
        let before = title[..i].chars().next_back();
        let after = title[i + 3..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    });
    let what = if title_404 || NOT_FOUND_TITLE.iter().any(|k| title.contains(k)) {
        Some(("not_found_page", "title", "a \"page not found\" page"))
    } else if MAINTENANCE_TITLE.iter().any(|k| title.contains(k)) {
        Some(("maintenance_page", "title", "a maintenance page"))
    } else if page.items.len() < NOT_HOME_MAX_LINKS {
        let text = text_outside_links(doc).to_lowercase();
        if NOT_FOUND_TEXT.iter().any(|k| text.contains(k)) {
            Some(("not_found_page", "text", "a \"page not found\" page"))
        } else if MAINTENANCE_TEXT.iter().any(|k| text.contains(k)) {
            Some(("maintenance_page", "text", "a maintenance page"))
        } else {
            None
        }
    } else {
        None
    };
    let (field, by, what) = what?;
    Some(FetchFailure::parse(
        url,
        field,
        format!(
            "{what} (by its {by}, {} links) answered in place of the page asked for{}: could not check",
            page.items.len(),
            page.title.as_deref().map(|t| format!(" (page title {t:?})")).unwrap_or_default()
        ),
    ))
}

/// The page's text outside links, scripts and styles, whitespace
/// collapsed. One pass over the tree.
fn text_outside_links(doc: &Html) -> String {
    let mut out = String::new();
    let mut stack = vec![*doc.root_element()];
    while let Some(node) = stack.pop() {
        match node.value() {
            scraper::Node::Text(t) => {
                out.extend(t.split_whitespace().flat_map(|w| [w, " "]));
            }
            scraper::Node::Element(e) if matches!(e.name(), "a" | "script" | "style" | "title" | "noscript") => {}
            _ => stack.extend(node.children().rev()),
        }
    }
    out
}

/// Whether the page's elements nest deeper than [`MAX_NESTING`]
/// ([`crate::text::nesting_exceeds`]): the tree builder's cost per tag
/// grows with the depth, so a page of 100,000 nested `<div>` would take
/// minutes. Could not check.
fn nesting_too_deep(html: &str, url: &str) -> Option<FetchFailure> {
    let at = crate::text::nesting_exceeds(html, MAX_NESTING)?;
    Some(FetchFailure::parse(
        url,
        "nesting_depth",
        format!(
            "elements nest more than {MAX_NESTING} deep (at byte {at} of {}): not a portal page as this parser reads one",
            html.len()
        ),
    ))
}

/// A page that opens `<html>`/`<body>` but never closes them was cut off
/// (a dropped connection behind a proxy, a body shorter than the server
/// meant): the notices below the cut are simply not there, so reading it
/// as the homepage would report them "removed". Could not check.
fn truncated(text: &str, url: &str) -> Option<FetchFailure> {
    let lower = text.to_ascii_lowercase();
    let opens = lower.contains("<html") || lower.contains("<body");
    let closes = lower.contains("</html>") || lower.contains("</body>");
    (opens && !closes).then(|| {
        FetchFailure::parse(
            url,
            "</html>",
            format!("the page ends after {} bytes without closing </body> or </html>: truncated", text.len()),
        )
    })
}

fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(|w| w.to_ascii_lowercase())
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A block's verdict: `Some(false)` never prominent, `Some(true)`
/// prominent, `None` no label here.
#[derive(Clone)]
struct Label {
    verdict: Option<bool>,
    text: Option<String>,
}

fn label_of(el: ElementRef<'_>) -> Label {
    let v = el.value();
    let tag = v.name();
    if matches!(tag, "footer" | "nav" | "header") {
        return Label { verdict: Some(false), text: Some(format!("<{tag}>")) };
    }
    if tag == "marquee" {
        return Label { verdict: Some(true), text: Some("<marquee>".into()) };
    }
    let id = v.id().unwrap_or("");
    let classes: Vec<&str> = v.classes().collect();
    let id_words: Vec<String> = words(id).chain(classes.iter().flat_map(|c| words(c))).collect();
    let describe = || {
        if !id.is_empty() { format!("id={id}") } else { format!("class={}", classes.join(" ")) }
    };
    if id_words.iter().any(|w| NOT_PROMINENT_WORDS.contains(&w.as_str())) {
        return Label { verdict: Some(false), text: Some(describe()) };
    }
    // The block's own heading: a heading element or a title-classed child.
    let heading = el
        .child_elements()
        .flat_map(|c| {
            let is_title = c
                .value()
                .classes()
                .flat_map(words)
                .any(|w| matches!(w.as_str(), "title" | "tit" | "hd" | "bt" | "head" | "tab"));
            let own = if is_title || matches!(c.value().name(), "h1" | "h2" | "h3" | "h4") { Some(c) } else { None };
            // The first heading among the child's first nodes: bounded,
            // because every ancestor of every link asks for its label.
            let nested = c
                .descendants()
                .take(HEADING_SCAN_NODES)
                .filter_map(ElementRef::wrap)
                .find(|h| matches!(h.value().name(), "h1" | "h2" | "h3" | "h4"));
            own.into_iter().chain(nested)
        })
        .filter_map(|h| bounded_text(*h, HEADING_TEXT_BYTES))
        .map(|t| collapse(&t))
        .find(|t| !t.is_empty() && t.chars().count() <= 40);
    if let Some(h) = &heading
        && PROMINENT_HEADINGS.iter().any(|k| h.contains(k))
    {
        return Label { verdict: Some(true), text: Some(h.clone()) };
    }
    if id_words.iter().any(|w| PROMINENT_WORDS.contains(&w.as_str())) {
        return Label { verdict: Some(true), text: Some(describe()) };
    }
    if let Some(h) = heading {
        return Label { verdict: Some(false), text: Some(h) };
    }
    Label { verdict: None, text: None }
}

/// Nodes of a block's child searched for a heading.
const HEADING_SCAN_NODES: usize = 64;
/// Text read from a heading (longer ones are not labels: at most 40
/// characters count).
const HEADING_TEXT_BYTES: usize = 1024;
/// Text read from a link (titles are a few dozen characters).
const LINK_TEXT_BYTES: usize = 4096;

/// The text of a node's subtree, pieces separated by a space, or `None`
/// when it is longer than `max_bytes` (read no further than that).
fn bounded_text(node: ego_node::NodeRef<'_>, max_bytes: usize) -> Option<String> {
    let mut out = String::new();
    for n in node.descendants() {
        if let scraper::Node::Text(t) = n.value() {
            if out.len() + t.len() > max_bytes {
                return None;
            }
            out.push_str(t);
            out.push(' ');
        }
    }
    Some(out)
}

/// [`bounded_text`] cut at `max_bytes` (on a character boundary) rather
/// than refused.
fn capped_text(node: ego_node::NodeRef<'_>, max_bytes: usize) -> String {
    let mut out = String::new();
    for n in node.descendants() {
        if let scraper::Node::Text(t) = n.value() {
            let room = max_bytes.saturating_sub(out.len());
            if t.len() > room {
                let mut cut = room;
                while !t.is_char_boundary(cut) {
                    cut -= 1;
                }
                out.push_str(&t[..cut]);
                break;
            }
            out.push_str(t);
        }
    }
    out
}

/// `ego_tree`'s node reference, named through `scraper` (which owns the tree).
mod ego_node {
    pub type NodeRef<'a> = <scraper::ElementRef<'a> as std::ops::Deref>::Target;
}

fn extract_links(doc: &Html, html: &str, url: &str) -> Result<PortalPage, FetchFailure> {
    static A: LazyLock<Selector> = LazyLock::new(|| Selector::parse("a[href]").unwrap());
    static BASE: LazyLock<Selector> = LazyLock::new(|| Selector::parse("base[href]").unwrap());
    let page_url = url::Url::parse(url).ok();
    let base = doc
        .select(&BASE)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|h| page_url.as_ref().and_then(|p| p.join(h).ok()))
        .or(page_url);
    // Keyed by node id; memoized because every link walks its ancestors.
    let mut labels = HashMap::new();
    let mut items = Vec::new();
    for a in doc.select(&A) {
        let href = a.value().attr("href").unwrap_or("").trim();
        let lower = href.get(..16).unwrap_or(href).to_ascii_lowercase();
        if href.is_empty()
            || href == "#"
            || lower.starts_with("javascript:")
            || lower.starts_with("mailto:")
            || lower.starts_with("tel:")
        {
            continue;
        }
        let text = collapse(&capped_text(*a, LINK_TEXT_BYTES));
        let title_attr = a.value().attr("title").map(collapse).unwrap_or_default();
        // Homepages cut long titles (`关于开通“××”…`) and keep the full one
        // in `title`: take it when longer, or when the text is its cut form.
        let cut = text.trim_end_matches(['.', '…']);
        let title = if title_attr.chars().count() > text.chars().count()
            || (cut.len() < text.len() && !cut.is_empty() && title_attr.starts_with(cut))
        {
            title_attr
        } else {
            text
        };
        if title.chars().count() < 2 {
            continue;
        }
        if items.len() >= MAX_ITEMS {
            return Err(FetchFailure::parse(
                url,
                "items",
                format!("more than {MAX_ITEMS} content links: not a portal page as this parser reads one"),
            ));
        }
        let abs = match &base {
            Some(b) => b.join(href).map(|u| u.to_string()).unwrap_or_else(|_| href.to_string()),
            None => href.to_string(),
        };
        // Nearest label decides, but a footer/nav anywhere above wins.
        let mut nearest: Option<Label> = None;
        let mut never = None;
        for (depth, node) in a.ancestors().enumerate() {
            let Some(el) = ElementRef::wrap(node) else { continue };
            if matches!(el.value().name(), "body" | "html") {
                break;
            }
            let label = labels.entry(el.id()).or_insert_with(|| label_of(el)).clone();
            if label.verdict == Some(false)
                && label.text.as_deref().is_some_and(|t| t.starts_with('<') || is_structural(t))
            {
                never = Some(label.clone());
            }
            if nearest.is_none() && label.verdict.is_some() && depth < 8 {
                nearest = Some(label);
            }
        }
        let decided = never.or(nearest);
        let prominent = decided.as_ref().and_then(|l| l.verdict).unwrap_or(false);
        let block = decided.and_then(|l| l.text);
        items.push(PortalItem { title, url: abs, prominent, position: items.len(), block, date: date_near(a) });
    }
    Ok(PortalPage { url: url.to_string(), title: html_title(html), items, shape: PortalShape::default() })
}

/// A footer/nav label by id/class (not a mere heading such as 部门动态).
fn is_structural(label: &str) -> bool {
    (label.starts_with("id=") || label.starts_with("class="))
        && words(label.split_once('=').map(|x| x.1).unwrap_or("")).any(|w| NOT_PROMINENT_WORDS.contains(&w.as_str()))
}

static FULL_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})").unwrap());

/// Siblings read on each side of a link for its date.
const ROW_SIBLINGS: usize = 8;
/// Text read from each of them.
const ROW_SIBLING_BYTES: usize = 256;

/// A full date printed in the link's row (beside it in its parent
/// element), outside the link text itself: the siblings after the link up
/// to the next link, else those before it when no link precedes it. A
/// bounded number of siblings and bytes, so a parent with 20,000 links
/// costs 20,000 short reads, not 20,000 reads of the whole list.
fn date_near(a: ElementRef<'_>) -> Option<NaiveDate> {
    let is_link = |n: &ego_node::NodeRef<'_>| n.value().as_element().is_some_and(|e| e.name() == "a");
    let date_in = |n: ego_node::NodeRef<'_>| {
        let t = capped_text(n, ROW_SIBLING_BYTES);
        let c = FULL_DATE.captures(&t)?;
        NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)
    };
    let row = |sibs: &mut dyn Iterator<Item = ego_node::NodeRef<'_>>| -> Option<NaiveDate> {
        let mut text = String::new();
        for n in sibs.take(ROW_SIBLINGS) {
            if is_link(&n) {
                break;
            }
            // A date split across siblings (`<span>2024-</span><span>05-20</span>`)
            // is read from their joined text.
            if let Some(d) = date_in(n) {
                return Some(d);
            }
            text.push_str(&capped_text(n, ROW_SIBLING_BYTES));
        }
        let c = FULL_DATE.captures(&text)?;
        NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)
    };
    row(&mut a.next_siblings()).or_else(|| {
        // A date before the link is its own only when no other link comes
        // before it in the row: in a flat list the date after the
        // previous link is that link's.
        let before: Vec<_> = a.prev_siblings().take(ROW_SIBLINGS).collect();
        if before.iter().any(is_link) {
            return None;
        }
        row(&mut before.into_iter().rev())
    })
}

fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(c, '"' | '\'' | '“' | '”' | '‘' | '’' | '「' | '」' | '『' | '』' | '《' | '》' | '\u{a0}')
        })
        .collect()
}

/// Links naming the account `name` (quotes and spaces ignored), with the
/// kind of notice their title announces. A title the page cut short
/// (`…`, `...`) matches when it ends with at least the first four
/// characters of the name.
pub fn find_mentions(page: &PortalPage, name: &str) -> Vec<PortalMention> {
    let name_n = normalize(name);
    if name_n.is_empty() {
        return Vec::new();
    }
    let name_chars: Vec<char> = name_n.chars().collect();
    let mut out = Vec::new();
    for item in &page.items {
        let t = normalize(&item.title);
        let (matched, truncated) = if t.contains(&name_n) {
            (true, false)
        } else if let Some(cut) = t.strip_suffix("...").or_else(|| t.strip_suffix('…')).or_else(|| t.strip_suffix(".."))
        {
            let cut = cut.trim_end_matches('…');
            let prefix_len =
                (4..name_chars.len()).rev().find(|&n| cut.ends_with(&name_chars[..n].iter().collect::<String>()));
            (prefix_len.is_some(), true)
        } else {
            (false, false)
        };
        if !matched {
            continue;
        }
        // Closing words first: 关于"××"停止更新的公告 must not read as
        // an opening because the account was once 开通.
        let closing = CLOSING.iter().find(|k| t.contains(*k));
        let opening = OPENING.iter().find(|k| t.contains(*k));
        let (kind, keyword) = match (closing, opening) {
            (Some(k), _) => (NoticeKind::Closing, Some(k.to_string())),
            (None, Some(k)) => (NoticeKind::Opening, Some(k.to_string())),
            (None, None) => (NoticeKind::Other, None),
        };
        out.push(PortalMention { kind, keyword, item: item.clone(), name_truncated: truncated });
    }
    out
}

/// Parses a saved notice page as if served with HTTP 200.
pub fn parse_notice(body: &[u8], url: &str) -> Result<NoticePage, FetchFailure> {
    parse_notice_response(&ResponseMeta::OK, body, url)
}

/// A notice page's title and stated date: the `<meta name="PubDate">`
/// family that government CMSs write, else a `发布时间：` / `发布日期：` /
/// `日期：` line in the text. No date found is `published_on: None`, not a
/// failure (the link itself is the evidence).
pub fn parse_notice_response(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<NoticePage, FetchFailure> {
    static META: LazyLock<Selector> = LazyLock::new(|| Selector::parse("meta[name][content]").unwrap());
    static TEXT_DATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(发布时间|发布日期|发文日期|成文日期|时间|日期)\s*[:：]?\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?").unwrap()
    });
    if let Some(f) = too_large(body, url) {
        return Err(f);
    }
    let (text, _) = decode_body(body, meta.content_type);
    classify_status(meta, &text, url, "notice page")?;
    if let Some(f) = empty_body(meta, &text, url) {
        return Err(f);
    }
    if looks_like_refusal_page(&text)
        && let Some(f) = refusal_in_page(&text, meta.status, url)
    {
        return Err(f);
    }
    if let Some(f) = nesting_too_deep(&text, url) {
        return Err(f);
    }
    let doc = Html::parse_document(&text);
    let mut found: Option<(NaiveDate, Option<NaiveTime>, String)> = None;
    for m in doc.select(&META) {
        let name = m.value().attr("name").unwrap_or("").to_ascii_lowercase();
        if !matches!(
            name.as_str(),
            "pubdate" | "publishdate" | "firstpublishedtime" | "articlepublishdate" | "publishtime"
        ) {
            continue;
        }
        let content = m.value().attr("content").unwrap_or("");
        if let Some((d, t)) = date_time_in(content) {
            found = Some((d, t, format!("meta {}", m.value().attr("name").unwrap_or(""))));
            break;
        }
    }
    if found.is_none() {
        let body_text: String = doc.root_element().text().collect::<Vec<_>>().join(" ");
        if let Some(c) = TEXT_DATE.captures(&body_text) {
            let date = NaiveDate::from_ymd_opt(
                c[2].parse().unwrap_or(0),
                c[3].parse().unwrap_or(0),
                c[4].parse().unwrap_or(0),
            );
            let time = match (c.get(5), c.get(6)) {
                (Some(h), Some(mi)) => NaiveTime::from_hms_opt(
                    h.as_str().parse().unwrap_or(99),
                    mi.as_str().parse().unwrap_or(99),
                    c.get(7).and_then(|s| s.as_str().parse().ok()).unwrap_or(0),
                ),
                _ => None,
            };
            if let Some(d) = date {
                found = Some((d, time, format!("text {}", &c[1])));
            }
        }
    }
    let published_at = found
        .as_ref()
        .and_then(|(d, t, _)| t.map(|t| NaiveDateTime::new(*d, t)))
        .and_then(|n| Shanghai.from_local_datetime(&n).single())
        .map(|t| t.with_timezone(&Utc));
    Ok(NoticePage {
        url: url.to_string(),
        title: html_title(&text),
        published_on: found.as_ref().map(|(d, _, _)| *d),
        published_at,
        date_source: found.map(|(_, _, s)| s),
    })
}

fn date_time_in(s: &str) -> Option<(NaiveDate, Option<NaiveTime>)> {
    static DT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT]*(\d{1,2}):(\d{2})(?::(\d{2}))?)?",
        )
        .unwrap()
    });
    let c = DT.captures(s)?;
    let d = NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)?;
    let t = match (c.get(4), c.get(5)) {
        (Some(h), Some(m)) => NaiveTime::from_hms_opt(
            h.as_str().parse().ok()?,
            m.as_str().parse().ok()?,
            c.get(6).and_then(|x| x.as_str().parse().ok()).unwrap_or(0),
        ),
        _ => None,
    };
    Some((d, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(html: &str) -> PortalPage {
        parse_portal(html.as_bytes(), "http://www.example.gov.cn/index.html").unwrap()
    }

    #[test]
    fn prominence_follows_blocks() {
        let p = page(
            r#"<html><body>
            <div class="nav"><a href="/a">首页导航</a></div>
            <div class="tzgg"><div class="title">通知公告</div><ul>
              <li><a href="/n1.html" title="关于开通“汉滨发布”微信公众号的公告">关于开通“汉滨发布”…</a><span>2024-05-20</span></li></ul></div>
            <div class="bmdt"><h3>部门动态</h3><a href="/d1">部门新闻一则</a></div>
            <div id="footer"><div class="tzgg"><a href="/x">版权所有</a></div></div>
            <marquee><a href="/m">滚动通知内容</a></marquee>
            </body></html>"#,
        );
        let by = |t: &str| p.items.iter().find(|i| i.title.starts_with(t)).unwrap();
        assert!(!by("首页导航").prominent);
        let n = by("关于开通");
        assert!(n.prominent, "{n:?}");
        assert_eq!(n.title, "关于开通“汉滨发布”微信公众号的公告");
        assert_eq!(n.url, "http://www.example.gov.cn/n1.html");
        assert_eq!(n.date, NaiveDate::from_ymd_opt(2024, 5, 20));
        assert_eq!(n.block.as_deref(), Some("通知公告"));
        assert!(!by("部门新闻").prominent);
        // A footer wins over a notice class inside it.
        assert!(!by("版权所有").prominent);
        assert!(by("滚动通知").prominent);
        assert_eq!(p.items.iter().map(|i| i.position).collect::<Vec<_>>(), (0..p.items.len()).collect::<Vec<_>>());
    }

    #[test]
    fn a_page_cut_off_before_its_end_is_not_a_homepage() {
        use crate::model::OutcomeClass;
        let whole = r#"<html><body><div class="tzgg"><h2>通知公告</h2>
            <a href="/0">市政府常务会议召开</a>
            <a href="/1">关于开通“汉滨发布”政务微博的公告</a></div></body></html>"#;
        assert_eq!(page(whole).items.len(), 2);
        // The same page cut after its first link, as a dropped connection leaves it.
        let cut = &whole[..whole.find("<a href=\"/1\"").unwrap()];
        let err = parse_portal(cut.as_bytes(), "http://www.example.gov.cn/").unwrap_err();
        assert_eq!(err.class(), OutcomeClass::ParseError, "{err:?}");
        assert!(err.to_string().contains("truncated"), "{err}");
        // A fragment without <html>/<body> is not judged by its ending.
        assert_eq!(page(r#"<div class="tzgg"><a href="/1">通知</a></div>"#).items.len(), 1);
    }

    fn field_of(e: &FetchFailure) -> &str {
        match e {
            FetchFailure::ParseError { field, .. } => field,
            other => panic!("not a parse error: {other:?}"),
        }
    }

    #[test]
    fn news_about_an_upgrade_on_a_real_homepage_is_news() {
        let links: String = (0..120).map(|i| format!("<li><a href=\"/n{i}\">市政府新闻第{i}条</a></li>")).collect();
        let html = format!(
            "<html><head><title>安康市人民政府</title></head><body><div class=\"tzgg\"><h2>通知公告</h2>\
             <p>关于政务服务系统升级的公告：系统升级中，页面不存在时请稍候</p><ul>{links}</ul></div></body></html>"
        );
        assert_eq!(page(&html).items.len(), 120);
        // The same text on a link-poor page is the page's own state.
        let small = "<html><body><p>网站维护中</p><a href=\"/\">返回首页</a></body></html>";
        let e = parse_portal(small.as_bytes(), "http://x/").unwrap_err();
        assert_eq!(field_of(&e), "maintenance_page");
        for title in ["404 Not Found", "页面不存在-安康市人民政府", "错误404"] {
            let html = format!("<html><head><title>{title}</title></head><body><a href=\"/\">返回首页</a></body></html>");
            assert_eq!(field_of(&parse_portal(html.as_bytes(), "http://x/").unwrap_err()), "not_found_page", "{title}");
        }
        // A number containing 404 is not a 404.
        let html = "<html><head><title>第14045期</title></head><body><a href=\"/\">返回首页</a></body></html>";
        assert!(parse_portal(html.as_bytes(), "http://x/").is_ok());
    }

    #[test]
    fn bounds_make_a_page_could_not_check() {
        let deep = format!("<html><body>{}<a href=\"/x\">链接文字</a>{}</body></html>", "<div>".repeat(600), "</div>".repeat(600));
        assert_eq!(field_of(&parse_portal(deep.as_bytes(), "http://x/").unwrap_err()), "nesting_depth");
        assert_eq!(field_of(&parse_notice(deep.as_bytes(), "http://x/").unwrap_err()), "nesting_depth");
        // Closed siblings, unclosed <li>/<p> and void elements do not add up.
        let wide = format!(
            "<html><body><ul>{}</ul>{}{}</body></html>",
            "<li><a href=\"/x\">链接文字</a><br><img src=x>".repeat(2000),
            "<div><p>段落</div>".repeat(2000),
            "<p>段落".repeat(2000)
        );
        assert_eq!(page(&wide).items.len(), 2000);
        let many = format!("<html><body>{}</body></html>", "<a href=\"/x\">链接文字</a>".repeat(MAX_ITEMS + 1));
        assert_eq!(field_of(&parse_portal(many.as_bytes(), "http://x/").unwrap_err()), "items");
        let big = vec![b' '; MAX_PAGE_BYTES + 1];
        assert_eq!(field_of(&parse_portal(&big, "http://x/").unwrap_err()), "page_size");
        // Tags inside scripts and comments are not elements.
        let script = format!(
            "<html><body><script>{}</script><!--{}--><a href=\"/x\">链接文字</a></body></html>",
            "<div>".repeat(600),
            "<div>".repeat(600)
        );
        assert_eq!(page(&script).items.len(), 1);
    }

    #[test]
    fn row_dates_stay_with_their_own_link() {
        let p = page(
            r#"<html><body><ul class="list"><a href="/1">第一条新闻</a><span>2024-05-20</span>
            <a href="/2">第二条新闻</a><a href="/3">第三条新闻</a><span>2024-05-18</span></ul>
            <li><span>2024-05-01</span><a href="/4">日期在前的新闻</a></li></body></html>"#,
        );
        let dates: Vec<_> = p.items.iter().map(|i| i.date).collect();
        let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day);
        assert_eq!(dates, [d(5, 20), None, d(5, 18), d(5, 1)]);
    }

    #[test]
    fn mentions_by_kind_and_truncation() {
        let p = page(
            r#"<html><body><div class="tzgg"><h2>通知公告</h2>
            <a href="/1">关于开通“汉滨发布”政务微博的公告</a>
            <a href="/2">关于"汉滨发布"微信公众号停止更新的公告</a>
            <a href="/3">关于开通“汉滨区人民政府发…</a>
            <a href="/4">汉滨发布获评优秀政务新媒体</a>
            <a href="/5">关于开通“汉阴发布”的公告</a></div></body></html>"#,
        );
        let m = find_mentions(&p, "汉滨发布");
        let kinds: Vec<_> = m.iter().map(|m| (m.item.url.rsplit('/').next().unwrap().to_string(), m.kind)).collect();
        assert_eq!(
            kinds,
            [("1".into(), NoticeKind::Opening), ("2".into(), NoticeKind::Closing), ("4".into(), NoticeKind::Other)]
        );
        let m = find_mentions(&p, "汉滨区人民政府发布");
        assert_eq!(m.len(), 1);
        assert!(m[0].name_truncated);
        assert_eq!(m[0].kind, NoticeKind::Opening);
    }

    #[test]
    fn notice_dates() {
        let n = parse_notice(
            r#"<html><head><meta name="PubDate" content="2024-05-20 10:30"><title>关于开通的公告</title></head><body>正文</body></html>"#.as_bytes(),
            "u",
        )
        .unwrap();
        assert_eq!(n.published_on, NaiveDate::from_ymd_opt(2024, 5, 20));
        assert_eq!(
            n.published_at,
            Some(Shanghai.with_ymd_and_hms(2024, 5, 20, 10, 30, 0).unwrap().with_timezone(&Utc))
        );
        assert_eq!(n.date_source.as_deref(), Some("meta PubDate"));
        let n = parse_notice("<html><body><p>发布时间：2024年5月21日</p></body></html>".as_bytes(), "u").unwrap();
        assert_eq!(n.published_on, NaiveDate::from_ymd_opt(2024, 5, 21));
        assert_eq!(n.published_at, None);
        let n = parse_notice("<html><body><p>没有日期</p></body></html>".as_bytes(), "u").unwrap();
        assert_eq!(n.published_on, None);
    }
}
