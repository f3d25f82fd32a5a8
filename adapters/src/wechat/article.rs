//! Article pages (`mp.weixin.qq.com/s/...`) and the status pages WeChat
//! serves in their place.
//!
//! The publish time comes from the inline `var ct` (unix seconds); the
//! visible `#publish_time` is empty in static HTML and is never used. An
//! article page without `var ct` (nor `create_time`, nor the 2025
//! `cgiDataNew` timestamps) is a parse error, never a guessed time.
//!
//! Status pages, and why each gets its class:
//!
//! | page | class | why |
//! |---|---|---|
//! | 该内容已被发布者删除 | `NotFound` | WeChat's positive word that *this article* no longer exists |
//! | 此内容因违规无法查看 | `Banned` | WeChat's positive word that *this article* was taken down by the platform |
//! | 该内容暂时无法查看 | `Blocked` | "temporarily": nothing about the article can be read; could not check |
//! | 此帐号已自主注销 / 已冻结 / 迁移 | `NotFound` / `Banned` | the platform's word, shown on an article URL |
//! | 环境异常 (WAF), any page size | `Captcha` | a refusal of us |
//! | 请在微信客户端打开链接 | `LoginRequired` | served only to the WeChat client |
//!
//! `NotFound` and `Banned` here are about the article (the observation kind
//! is `post`), not the account: the rules read account existence only from
//! profile and timeline observations, so a deleted or removed article can
//! never make an account "gone". [`ArticlePage`] keeps the distinction for
//! callers that want it.

use crate::feed::response::{
    ResponseMeta, classify_status, empty_body, looks_like_refusal_page, refusal_in_page, title_suffix,
};
use crate::model::{CommentState, Counts, Post, RepostOf};
use crate::outcome::FetchFailure;
use crate::text::{decode_body, html_to_text};
use chrono::{DateTime, TimeZone, Utc};
use regex::Regex;
use scraper::{Html, Selector};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::LazyLock;

/// A WeChat article as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WechatArticle {
    /// The platform-neutral post: id `{mid}_{idx}` when both are known,
    /// else the short-link token, else the URL; exact time from `var ct`.
    pub post: Post,
    pub title: String,
    /// The account's display name (`var nickname`, `#js_name`).
    pub account_name: Option<String>,
    /// The original id `gh_…` (`var user_name`): the stable account key.
    pub user_name: Option<String>,
    /// The WeChat ID (`window.alias`), when set.
    pub alias: Option<String>,
    /// `__biz` (base64 of the account's bizuin).
    pub biz: Option<String>,
    pub mid: Option<String>,
    pub idx: Option<String>,
    pub sn: Option<String>,
    pub author: Option<String>,
    /// `copyright_stat` as given (`1` in the capture of an article marked
    /// 原创; other values unverified).
    pub copyright_stat: Option<i64>,
    /// Declared original (原创): `copyright_stat` 1 or 11, or the visible
    /// 原创 tag. A missing declaration does not make an article a reprint.
    pub original_declared: bool,
    /// The reprint variables (`source_username`, `source_biz`, ...) when
    /// filled. Empty in an original article; their meaning for reprints
    /// is not verified on a capture yet.
    pub reprint: Option<Reprint>,
    /// The 阅读原文 link (`var msg_source_url`).
    pub source_url: Option<String>,
    /// 0 article, 5 video, 8 images, 10 text, ... (`item_show_type`).
    pub item_show_type: Option<i64>,
    /// `var modify_time`, set after an edit.
    pub modified_at: Option<DateTime<Utc>>,
}

/// The reprint (转载) variables of an article page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reprint {
    pub source_username: Option<String>,
    pub source_biz: Option<String>,
    pub source_mid: Option<String>,
    pub source_idx: Option<String>,
    pub reprint_type: Option<String>,
}

/// Why an article URL shows no article, in WeChat's own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GoneReason {
    /// 该内容已被发布者删除.
    DeletedByAuthor,
    /// 此内容因违规无法查看.
    RemovedForViolation,
    /// 此帐号已自主注销 (account-level text on an article URL).
    AccountCancelled,
    /// 此帐号…被冻结 / 封禁 (account-level).
    AccountFrozen,
    /// 帐号迁移: the articles moved to another account.
    AccountMigrated,
}

/// What an article URL answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "page", rename_all = "snake_case")]
pub enum ArticlePage {
    Article(Box<WechatArticle>),
    Gone {
        reason: GoneReason,
        message: String,
    },
    /// 该内容暂时无法查看.
    Unavailable {
        message: String,
    },
}

impl ArticlePage {
    /// The article, or the status page as a classified failure (see the
    /// module table).
    pub fn into_result(self, url: &str) -> Result<WechatArticle, FetchFailure> {
        let u = url.to_string();
        match self {
            ArticlePage::Article(a) => Ok(*a),
            ArticlePage::Gone { reason, message } => {
                let (is_banned, what) = match reason {
                    GoneReason::DeletedByAuthor => (false, "the article was deleted by its publisher"),
                    GoneReason::RemovedForViolation => (true, "the article was removed by WeChat for a violation"),
                    GoneReason::AccountCancelled => {
                        (false, "the account behind this article was cancelled by its owner")
                    }
                    GoneReason::AccountFrozen => (true, "the account behind this article is frozen"),
                    GoneReason::AccountMigrated => {
                        (false, "the account behind this article migrated to another account")
                    }
                };
                let detail = format!(
                    "WeChat article page: {what} ({message:?}); observed on an article URL, not on the account's profile"
                );
                Err(if is_banned {
                    FetchFailure::Banned { url: u, detail }
                } else {
                    FetchFailure::NotFound { url: u, detail }
                })
            }
            ArticlePage::Unavailable { message } => Err(FetchFailure::Blocked {
                url: u,
                http_status: None,
                detail: format!(
                    "WeChat says the content is temporarily unavailable ({message:?}): nothing about the article could be read"
                ),
            }),
        }
    }
}

/// The deepest element nesting an article page may have. Articles made
/// with the 135/秀米 editors nest sections in sections, but nowhere near
/// this; the real 3.5 MB capture stays far below it.
pub const MAX_NESTING: usize = 512;

/// Parses a saved article page as if served with HTTP 200.
pub fn parse_article(body: &[u8], url: &str) -> Result<WechatArticle, FetchFailure> {
    classify_article_response(&ResponseMeta::OK, body, url)?.into_result(url)
}

/// Classifies an article URL's answer: an article, a status page, or a
/// failure (HTTP refusals, the WAF page, an empty or unknown page).
pub fn classify_article_response(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<ArticlePage, FetchFailure> {
    let (text, _) = decode_body(body, meta.content_type);
    classify_status(meta, &text, url, "article page")?;
    if let Some(f) = empty_body(meta, &text, url) {
        return Err(f);
    }
    // Both the status-page and the article parsers build a DOM, whose cost
    // per tag grows with the nesting depth: refuse a page nested deeper than
    // any article before parsing it (100,000 nested <div> took minutes).
    if let Some(at) = crate::text::nesting_exceeds(&text, MAX_NESTING) {
        return Err(FetchFailure::parse(
            url,
            "nesting_depth",
            format!("elements nest more than {MAX_NESTING} deep (at byte {at} of {}): not an article page", text.len()),
        ));
    }
    let vars = script_vars(&text);
    let is_article = text.contains("id=\"js_article\"")
        || text.contains("id=\"activity-name\"")
        || vars.contains_key("ct")
        || vars.contains_key("create_time");
    if !is_article {
        if let Some(page) = status_page(&text) {
            return Ok(page);
        }
        if let Some(f) = super::wechat_refusal(&text, meta.status, url) {
            return Err(f);
        }
        if looks_like_refusal_page(&text)
            && let Some(f) = refusal_in_page(&text, meta.status, url)
        {
            return Err(f);
        }
        return Err(FetchFailure::parse(
            url,
            "#js_article",
            format!("neither an article nor a known status page{}", title_suffix(&text)),
        ));
    }
    build_article(&text, &vars, url).map(|a| ArticlePage::Article(Box::new(a)))
}

// ---------------------------------------------------------------------
// Status pages
// ---------------------------------------------------------------------

static MSG_TITLE: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse(".weui-msg__title, .mesg-block p, .global_error_msg").unwrap());
static MSG_DESC: LazyLock<Selector> = LazyLock::new(|| Selector::parse(".weui-msg__desc").unwrap());

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn status_page(text: &str) -> Option<ArticlePage> {
    let doc = Html::parse_document(text);
    let title = doc.select(&MSG_TITLE).map(|e| collapse(&e.text().collect::<String>())).find(|t| !t.is_empty());
    let desc = doc.select(&MSG_DESC).map(|e| collapse(&e.text().collect::<String>())).find(|t| !t.is_empty());
    let page_title = crate::text::html_title(text).unwrap_or_default();
    let said = title.clone().unwrap_or_else(|| page_title.clone());
    let message = match &desc {
        Some(d) => format!("{said} {d}"),
        None => said.clone(),
    };
    let has = |needle: &str| said.contains(needle) || page_title.contains(needle);
    let reason = if has("已被发布者删除") || said.to_lowercase().contains("deleted by the author") {
        GoneReason::DeletedByAuthor
    } else if has("因违规无法查看") || has("违规无法查看") {
        GoneReason::RemovedForViolation
    } else if has("自主注销") {
        GoneReason::AccountCancelled
    } else if has("迁移") {
        GoneReason::AccountMigrated
    } else if (has("帐号") || has("账号")) && (has("冻结") || has("封禁") || has("屏蔽") || has("回收")) {
        GoneReason::AccountFrozen
    } else if has("暂时无法查看") {
        return Some(ArticlePage::Unavailable { message });
    } else {
        return None;
    };
    Some(ArticlePage::Gone { reason, message })
}

// ---------------------------------------------------------------------
// Inline script variables
// ---------------------------------------------------------------------

/// `var name = <expr>;` and `window.name = <expr>;` lines inside `<script>`
/// blocks, name → the first non-empty string literal of the expression
/// (`"" || "MzI4NjAxNjY4Nw=="` → the second), JS escapes undone and HTML
/// entities decoded as often as the expression asks (`.html(false)`,
/// `htmlDecode(…)`). Only script blocks are read, so a code sample in the
/// article body cannot pose as a variable. The first definition wins.
pub fn script_vars(html: &str) -> HashMap<String, String> {
    // Plain scans rather than one capturing regex: pages run to megabytes
    // and the capture engine made this the slowest step.
    static OPEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)<script\b[^>]*>").unwrap());
    static CLOSE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)</script\s*>").unwrap());
    let mut out = HashMap::new();
    let mut at = 0;
    while let Some(open) = OPEN.find_at(html, at) {
        let body_start = open.end();
        let body_end = CLOSE.find_at(html, body_start).map(|m| m.start()).unwrap_or(html.len());
        for line in html[body_start..body_end].lines() {
            if let Some((name, expr)) = var_line(line)
                && !out.contains_key(name)
                && let Some(v) = expr_value(expr)
            {
                out.insert(name.to_string(), v);
            }
        }
        at = body_end;
    }
    out
}

/// `var name = expr;` or `window.name = expr;` → (name, expr).
fn var_line(line: &str) -> Option<(&str, &str)> {
    let t = line.trim_start();
    let rest = t.strip_prefix("var ").or_else(|| t.strip_prefix("window."))?.trim_start();
    let name_len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$')).unwrap_or(rest.len());
    if name_len == 0 || rest.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let (name, after) = rest.split_at(name_len);
    let expr = after.trim_start().strip_prefix('=')?;
    if expr.starts_with('=') {
        return None;
    }
    let expr = expr.trim();
    let expr = expr.strip_suffix(';').unwrap_or(expr).trim_end();
    (!expr.is_empty()).then_some((name, expr))
}

fn expr_value(expr: &str) -> Option<String> {
    let literals = js_string_literals(expr);
    let decode_times = expr.matches(".html(").count() + expr.matches("htmlDecode(").count();
    let value = match literals {
        Some(lits) => lits.into_iter().find(|s| !s.trim().is_empty())?,
        // No literal: a bare number (`var scene = 75;`).
        None => {
            let t = expr.trim();
            if t.chars().all(|c| c.is_ascii_digit()) && !t.is_empty() {
                t.to_string()
            } else {
                return None;
            }
        }
    };
    let mut v = value;
    for _ in 0..decode_times {
        v = html_to_text(&v);
    }
    // Links are written HTML-escaped (`…&amp;mid=…`) even without
    // `.html(false)`.
    if decode_times == 0 && v.starts_with("http") && v.contains("&amp;") {
        v = v.replace("&amp;", "&");
    }
    Some(v.trim().to_string())
}

/// The string literals of a JS expression, unescaped; `None` when it has
/// none.
fn js_string_literals(expr: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' && c != '\'' {
            continue;
        }
        let quote = c;
        let mut s = String::new();
        while let Some(ch) = chars.next() {
            match ch {
                '\\' => match chars.next() {
                    Some('n') => s.push('\n'),
                    Some('t') => s.push('\t'),
                    Some('x') => {
                        let hex: String = chars.by_ref().take(2).collect();
                        if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                            s.push(ch);
                        }
                    }
                    Some('u') => {
                        let hex: String = chars.by_ref().take(4).collect();
                        if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                            s.push(ch);
                        }
                    }
                    Some(other) => s.push(other),
                    None => break,
                },
                ch if ch == quote => break,
                ch => s.push(ch),
            }
        }
        out.push(s);
    }
    (!out.is_empty()).then_some(out)
}

fn unix_time(s: &str) -> Option<DateTime<Utc>> {
    let n: i64 = s.trim().parse().ok()?;
    // WeChat official accounts date from 2012; anything outside is not a
    // publish time (a millisecond value, a placeholder).
    if !(1_325_376_000..=4_102_444_800).contains(&n) {
        return None;
    }
    Utc.timestamp_opt(n, 0).single()
}

// ---------------------------------------------------------------------
// The article
// ---------------------------------------------------------------------

static H1: LazyLock<Selector> = LazyLock::new(|| Selector::parse("#activity-name").unwrap());
static JS_NAME: LazyLock<Selector> = LazyLock::new(|| Selector::parse("#js_name").unwrap());
static AUTHOR: LazyLock<Selector> = LazyLock::new(|| Selector::parse("#js_author_name").unwrap());
static ORIGINAL: LazyLock<Selector> = LazyLock::new(|| Selector::parse("#copyright_logo").unwrap());
static CONTENT: LazyLock<Selector> = LazyLock::new(|| Selector::parse("#js_content").unwrap());
static OG_TITLE: LazyLock<Selector> = LazyLock::new(|| Selector::parse(r#"meta[property="og:title"]"#).unwrap());

/// What the static header DOM shows (fixture `article_2025_excerpt_header.html`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ArticleDom {
    pub title: Option<String>,
    pub account_name: Option<String>,
    pub author: Option<String>,
    /// `#copyright_logo` says 原创.
    pub original_tag: bool,
    /// `em#publish_time` as served: empty until JavaScript runs, which is
    /// why the time is read from `var ct` instead.
    pub publish_time_text: Option<String>,
    /// The text of `#js_content`, when the page has the body.
    pub content_text: Option<String>,
}

/// What the static header DOM shows; nothing for a page nested deeper
/// than [`MAX_NESTING`] (see [`classify_article_response`]).
pub fn article_dom(html: &str) -> ArticleDom {
    static PUBLISH_TIME: LazyLock<Selector> = LazyLock::new(|| Selector::parse("#publish_time").unwrap());
    if crate::text::nesting_exceeds(html, MAX_NESTING).is_some() {
        return ArticleDom::default();
    }
    let doc = Html::parse_document(html);
    let text_of = |sel: &Selector| {
        doc.select(sel).next().map(|e| collapse(&e.text().collect::<String>())).filter(|t| !t.is_empty())
    };
    ArticleDom {
        title: text_of(&H1).or_else(|| {
            doc.select(&OG_TITLE)
                .next()
                .and_then(|e| e.value().attr("content"))
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
        }),
        account_name: text_of(&JS_NAME),
        author: text_of(&AUTHOR),
        original_tag: text_of(&ORIGINAL).is_some_and(|t| t.contains("原创")),
        publish_time_text: doc.select(&PUBLISH_TIME).next().map(|e| collapse(&e.text().collect::<String>())),
        content_text: doc
            .select(&CONTENT)
            .next()
            .map(|e| e.text().map(str::trim).filter(|t| !t.is_empty()).collect::<Vec<_>>().join("\n")),
    }
}

fn build_article(html: &str, vars: &HashMap<String, String>, url: &str) -> Result<WechatArticle, FetchFailure> {
    let get = |k: &str| vars.get(k).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let dom = article_dom(html);
    let published_at = get("ct")
        .as_deref()
        .and_then(unix_time)
        .or_else(|| get("create_time").as_deref().and_then(unix_time))
        .or_else(|| cgi_data_time(html))
        .ok_or_else(|| {
            FetchFailure::parse(
                url,
                "var ct",
                "an article page without a publish time (`var ct`, `create_time`, cgiDataNew): the visible #publish_time is filled by JavaScript and is never used",
            )
        })?;
    let title = get("msg_title")
        .or_else(|| dom.title.clone())
        .ok_or_else(|| FetchFailure::parse(url, "msg_title", "an article page without a title"))?;
    let link = get("msg_link");
    let link_params = link.as_deref().or(Some(url)).map(query_params).unwrap_or_default();
    let param = |k: &str| link_params.get(k).cloned().filter(|s| !s.is_empty());
    let biz = get("biz").or_else(|| get("appuin")).or_else(|| param("__biz"));
    let mid = get("mid").or_else(|| get("appmsgid")).or_else(|| param("mid"));
    let idx = get("idx").or_else(|| get("itemidx")).or_else(|| param("idx"));
    let sn = get("sn").or_else(|| param("sn"));
    let short_token = link.as_deref().or(Some(url)).and_then(short_link_token);
    let (id, alt_id) = match (&mid, &idx) {
        (Some(m), Some(i)) => (format!("{m}_{i}"), short_token.clone()),
        _ => (short_token.clone().unwrap_or_else(|| link.clone().unwrap_or_else(|| url.to_string())), None),
    };
    let copyright_stat = get("copyright_stat").or_else(|| get("_copyright_stat")).and_then(|s| s.parse().ok());
    let original_declared = matches!(copyright_stat, Some(1 | 11)) || dom.original_tag;
    let reprint = Reprint {
        source_username: get("source_username"),
        source_biz: get("source_biz").or_else(|| get("source_encode_biz")),
        source_mid: get("source_mid"),
        source_idx: get("source_idx"),
        reprint_type: get("reprint_type").filter(|t| t != "0"),
    };
    let reprint = (reprint.source_username.is_some() || reprint.source_biz.is_some() || reprint.source_mid.is_some())
        .then_some(reprint);
    let repost_of = reprint.as_ref().map(|r| RepostOf {
        post_id: match (&r.source_mid, &r.source_idx) {
            (Some(m), Some(i)) => format!("{m}_{i}"),
            (Some(m), None) => m.clone(),
            _ => String::new(),
        },
        post_alt_id: None,
        author_id: r.source_username.clone(),
        author_name: None,
        published_at: None,
        available: true,
    });
    let desc = get("msg_desc");
    let (text, text_truncated) = match dom.content_text.as_deref().filter(|t| !t.is_empty()) {
        Some(body) => (format!("{title}\n{body}"), false),
        None => (desc.as_ref().map(|d| format!("{title}\n{d}")).unwrap_or_else(|| title.clone()), true),
    };
    let canonical = match (&biz, &mid, &idx, &sn) {
        (Some(b), Some(m), Some(i), Some(s)) => {
            Some(format!("https://mp.weixin.qq.com/s?__biz={b}&mid={m}&idx={i}&sn={s}"))
        }
        _ => None,
    };
    let post = Post {
        id,
        alt_id,
        url: link.clone().or(canonical).or_else(|| Some(url.to_string())),
        published_at,
        published_at_exact: true,
        text,
        text_truncated,
        is_original: repost_of.is_none(),
        is_pinned: false,
        repost_of,
        // Not observable on the public page (comment_enabled is empty in
        // static HTML): never guessed.
        comment_state: CommentState::Unknown,
        counts: Counts::default(),
    };
    Ok(WechatArticle {
        post,
        title,
        account_name: get("nickname").or(dom.account_name),
        user_name: get("user_name"),
        alias: get("alias"),
        biz,
        mid,
        idx,
        sn,
        author: get("author").or(dom.author),
        copyright_stat,
        original_declared,
        reprint,
        source_url: get("msg_source_url"),
        item_show_type: get("item_show_type").and_then(|s| s.parse().ok()),
        modified_at: get("modify_time").as_deref().and_then(unix_time),
    })
}

/// `ori_send_time` / `create_timestamp` of the 2025 `window.cgiDataNew`
/// object (its `create_time` is formatted local time, not used).
fn cgi_data_time(html: &str) -> Option<DateTime<Utc>> {
    static CGI: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"\b(?:ori_send_time|create_timestamp)\s*:\s*['"]?(\d{10})['"]?"#).unwrap());
    let at = html.find("cgiDataNew")?;
    CGI.captures(&html[at..]).and_then(|c| unix_time(&c[1]))
}

fn query_params(url: &str) -> HashMap<String, String> {
    let base = url::Url::parse("https://mp.weixin.qq.com/").expect("static URL");
    base.join(url).map(|u| u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()).unwrap_or_default()
}

/// `{mid}_{idx}` of a long article link (`/s?__biz=…&mid=…&idx=…&sn=…`):
/// the id the article page and the backend give the same article.
pub fn link_post_id(url: &str) -> Option<String> {
    let params = query_params(url);
    let mid = params.get("mid").filter(|m| !m.is_empty() && m.chars().all(|c| c.is_ascii_digit()))?;
    let idx = params.get("idx").filter(|i| !i.is_empty() && i.chars().all(|c| c.is_ascii_digit()))?;
    Some(format!("{mid}_{idx}"))
}

/// `tr38EieqyftubIx2FMWUWw` of `https://mp.weixin.qq.com/s/tr38EieqyftubIx2FMWUWw`.
pub fn short_link_token(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let mut segs = parsed.path_segments()?;
    (segs.next()? == "s").then_some(())?;
    let token = segs.next()?.to_string();
    (!token.is_empty() && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_values_take_the_first_non_empty_literal() {
        let html = r#"<p>var ct = "1";</p><script nonce="1">
            var biz = "" || "MzI4NjAxNjY4Nw==";
            var ct = "1762475508";
            var msg_title = 'a &amp;amp; b'.html(false).html(false);
            var nickname = htmlDecode("x&quot;y");
            var comment_id = '42' || '0';
            var scene = 75;
            var esc = "\x26amp;\u4e2d\'";
            window.alias = "ruanyf-blog" || "";
            var ct = "9";
        </script>"#;
        let v = script_vars(html);
        assert_eq!(v["biz"], "MzI4NjAxNjY4Nw==");
        // The one in the article body (<p>) and the later redefinition are ignored.
        assert_eq!(v["ct"], "1762475508");
        assert_eq!(v["msg_title"], "a & b");
        assert_eq!(v["nickname"], "x\"y");
        assert_eq!(v["comment_id"], "42");
        assert_eq!(v["scene"], "75");
        assert_eq!(v["esc"], "&amp;中'");
        assert_eq!(v["alias"], "ruanyf-blog");
    }

    #[test]
    fn account_level_texts_are_classified() {
        let page = |t: &str| {
            format!("<html><body><div class=\"weui-msg\"><h2 class=\"weui-msg__title\">{t}</h2></div></body></html>")
        };
        let reason = |t: &str| match classify_article_response(&ResponseMeta::OK, page(t).as_bytes(), "u").unwrap() {
            ArticlePage::Gone { reason, .. } => reason,
            other => panic!("{other:?}"),
        };
        assert_eq!(reason("此帐号已自主注销，内容无法查看。"), GoneReason::AccountCancelled);
        assert_eq!(
            reason("此帐号已申请公众号帐号迁移流程，被冻结/回收，小主页暂无法访问。"),
            GoneReason::AccountMigrated
        );
        assert_eq!(reason("此帐号已被屏蔽, 内容无法查看"), GoneReason::AccountFrozen);
        // An unknown message is not guessed at.
        assert!(matches!(
            classify_article_response(&ResponseMeta::OK, page("出了点问题").as_bytes(), "u"),
            Err(FetchFailure::ParseError { .. })
        ));
    }

    #[test]
    fn short_tokens() {
        assert_eq!(
            short_link_token("https://mp.weixin.qq.com/s/tr38EieqyftubIx2FMWUWw").as_deref(),
            Some("tr38EieqyftubIx2FMWUWw")
        );
        assert_eq!(short_link_token("https://mp.weixin.qq.com/s?__biz=x&mid=1"), None);
    }
}
