//! Sogou WeChat account search (`weixin.sogou.com/weixin?type=1&query=…`):
//! each hit's name, 微信号, 功能介绍, `认证：` entity and 最近文章 (the latest
//! article's title, link and unix time in `timeConvert('…')`).
//!
//! Sogou guards the search with an anti-spider page (the `SNUID` cookie
//! check and a captcha image). That page, with whatever status, is
//! `Captcha`: never "no results", never "no articles".

use crate::feed::response::{ResponseMeta, classify_status, empty_body, refusal_in_page, title_suffix};
use crate::model::{CommentState, Counts, Post, Profile, SearchHit};
use crate::outcome::FetchFailure;
use crate::text::decode_body;
use chrono::{DateTime, TimeZone, Utc};
use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use serde::Serialize;
use std::sync::LazyLock;

/// One account in Sogou's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SogouAccount {
    pub name: String,
    /// 微信号 (may be a `gh_…` original id when the account set none).
    pub wechat_id: Option<String>,
    /// Sogou's per-account key (the `d` attribute of the result).
    pub sogou_id: Option<String>,
    /// A temporary link to the profile (signed, expires).
    pub profile_url: Option<String>,
    /// 功能介绍.
    pub description: Option<String>,
    /// The text after `认证：`: the verified entity.
    pub verified_entity: Option<String>,
    /// The code passed to the page's `authname(…)` next to 认证 (`2` on
    /// every capture; its meaning is not verified).
    pub verified_type: Option<String>,
    pub latest_article: Option<SogouArticle>,
}

/// The 最近文章 of a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SogouArticle {
    /// As shown; Sogou cuts long titles with `...`.
    pub title: String,
    /// A temporary signed link.
    pub url: Option<String>,
    /// From `timeConvert('…')`: unix seconds, exact.
    pub published_at: DateTime<Utc>,
}

impl SogouAccount {
    pub fn to_search_hit(&self) -> SearchHit {
        SearchHit {
            platform_id: self.wechat_id.clone().or_else(|| self.sogou_id.clone()).unwrap_or_default(),
            display_name: self.name.clone(),
            profile_url: self.profile_url.clone(),
            // Sogou prints 认证 for verified accounts; its absence is not
            // a statement that the account is unverified.
            verified: self.verified_entity.as_ref().map(|_| true),
            verified_type: self.verified_type.clone(),
            verified_entity: self.verified_entity.clone(),
            followers: None,
            description: self.description.clone(),
        }
    }

    /// The profile as Sogou shows it, under the registry's own id.
    pub fn to_profile(&self, platform_id: &str) -> Profile {
        Profile {
            platform_id: platform_id.to_string(),
            display_name: self.name.clone(),
            description: self.description.clone(),
            verified: self.verified_entity.as_ref().map(|_| true),
            verified_type: self.verified_type.clone(),
            verified_entity: self.verified_entity.clone(),
            followers: None,
            post_count: None,
            private_message: crate::model::MessageEntry::Unknown,
            comment_policy: CommentState::Unknown,
        }
    }

    /// The latest article as a post. Sogou gives no article id, so the id
    /// is built from the time and title (stable across polls, but not the
    /// `{mid}_{idx}` of the other sources).
    pub fn latest_post(&self) -> Option<Post> {
        let a = self.latest_article.as_ref()?;
        use sha2::{Digest, Sha256};
        let digest = hex::encode(Sha256::digest(a.title.as_bytes()));
        Some(Post {
            id: format!("sogou:{}:{}", a.published_at.timestamp(), &digest[..12]),
            alt_id: None,
            url: a.url.clone(),
            published_at: a.published_at,
            published_at_exact: true,
            text: a.title.trim_end_matches("...").trim_end_matches('…').to_string(),
            text_truncated: a.title.ends_with("...") || a.title.ends_with('…'),
            // Sogou shows no reprint signal; WeChat declares RepostSource
            // as not observable, so rules do not read this.
            is_original: true,
            is_pinned: false,
            repost_of: None,
            comment_state: CommentState::Unknown,
            counts: Counts::default(),
        })
    }
}

/// Parses a saved Sogou account-search page as if served with HTTP 200.
pub fn parse_sogou_search(body: &[u8], url: &str) -> Result<Vec<SogouAccount>, FetchFailure> {
    parse_sogou_search_response(&ResponseMeta::OK, body, url)
}

/// Results (possibly none, when Sogou says so with its no-result block), or
/// the anti-spider page as `Captcha`, or another classified failure.
pub fn parse_sogou_search_response(
    meta: &ResponseMeta,
    body: &[u8],
    url: &str,
) -> Result<Vec<SogouAccount>, FetchFailure> {
    let (text, _) = decode_body(body, meta.content_type);
    classify_status(meta, &text, url, "Sogou search page")?;
    if let Some(f) = empty_body(meta, &text, url) {
        return Err(f);
    }
    if is_antispider(&text) {
        return Err(FetchFailure::Captcha {
            url: url.to_string(),
            http_status: Some(meta.status),
            challenge_url: None,
            detail: format!("Sogou anti-spider page (SNUID check, captcha image){}", title_suffix(&text)),
        });
    }
    if text.contains("noresult_frontbl_container") {
        // Sogou withholds results for this query ("根据相关法律法规…").
        return Err(FetchFailure::Blocked {
            url: url.to_string(),
            http_status: Some(meta.status),
            detail: "Sogou withholds the results of this query (noresult_frontbl_container)".into(),
        });
    }
    if !text.contains("news-list2") {
        if text.contains("noresult_part1_container") {
            return Ok(Vec::new());
        }
        if let Some(f) = refusal_in_page(&text, meta.status, url) {
            return Err(f);
        }
        return Err(FetchFailure::parse(
            url,
            "ul.news-list2",
            format!("no account list and no no-result block{}: the page was not understood", title_suffix(&text)),
        ));
    }
    let doc = Html::parse_document(&text);
    static ITEMS: LazyLock<Selector> = LazyLock::new(|| Selector::parse("ul.news-list2 > li").unwrap());
    let mut out = Vec::new();
    for (i, li) in doc.select(&ITEMS).enumerate() {
        out.push(parse_item(li).map_err(|field| {
            FetchFailure::parse(url, format!("ul.news-list2 > li[{i}] {field}"), "missing from a search result")
        })?);
    }
    Ok(out)
}

fn is_antispider(text: &str) -> bool {
    ["seccodeInput", "seccodeImage", "antispider", "您的访问出错了", "访问过于频繁"].iter().any(|m| text.contains(m))
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn text_of(e: ElementRef<'_>) -> String {
    collapse(&e.text().collect::<String>())
}

fn parse_item(li: ElementRef<'_>) -> Result<SogouAccount, &'static str> {
    static NAME: LazyLock<Selector> = LazyLock::new(|| Selector::parse(r#"a[uigs^="account_name_"]"#).unwrap());
    static WXID: LazyLock<Selector> = LazyLock::new(|| Selector::parse(r#"label[name="em_weixinhao"]"#).unwrap());
    static DL: LazyLock<Selector> = LazyLock::new(|| Selector::parse("dl").unwrap());
    static DT: LazyLock<Selector> = LazyLock::new(|| Selector::parse("dt").unwrap());
    static DD: LazyLock<Selector> = LazyLock::new(|| Selector::parse("dd").unwrap());
    static ARTICLE: LazyLock<Selector> = LazyLock::new(|| Selector::parse(r#"a[uigs^="account_article_"]"#).unwrap());
    static SCRIPT: LazyLock<Selector> = LazyLock::new(|| Selector::parse("script").unwrap());
    static TIME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"timeConvert\(\s*'(\d+)'\s*\)"#).unwrap());
    static AUTHNAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"authname\(\s*'([^']*)'\s*\)"#).unwrap());

    let name_el = li.select(&NAME).next().ok_or("a[uigs=account_name_N]")?;
    let name = text_of(name_el);
    if name.is_empty() {
        return Err("account name");
    }
    let mut acct = SogouAccount {
        name,
        wechat_id: li.select(&WXID).next().map(text_of).filter(|s| !s.is_empty()),
        sogou_id: li.value().attr("d").map(str::to_string),
        profile_url: name_el.value().attr("href").map(str::to_string),
        description: None,
        verified_entity: None,
        verified_type: None,
        latest_article: None,
    };
    for dl in li.select(&DL) {
        let Some(dt) = dl.select(&DT).next() else { continue };
        let label = text_of(dt);
        let Some(dd) = dl.select(&DD).next() else { continue };
        if label.contains("功能介绍") {
            acct.description = Some(text_of(dd)).filter(|s| !s.is_empty());
        } else if label.contains("认证") {
            acct.verified_entity = Some(text_of(dd)).filter(|s| !s.is_empty());
            let script: String = dt.select(&SCRIPT).map(|s| s.text().collect::<String>()).collect();
            acct.verified_type = AUTHNAME.captures(&script).map(|c| c[1].to_string());
        } else if label.contains("最近文章") {
            let Some(a) = dd.select(&ARTICLE).next() else { continue };
            let script: String = dd.select(&SCRIPT).map(|s| s.text().collect::<String>()).collect();
            let Some(published_at) = TIME
                .captures(&script)
                .and_then(|c| c[1].parse::<i64>().ok())
                .and_then(|n| Utc.timestamp_opt(n, 0).single())
            else {
                return Err("最近文章 timeConvert(…)");
            };
            acct.latest_article =
                Some(SogouArticle { title: text_of(a), url: a.value().attr("href").map(str::to_string), published_at });
        }
    }
    Ok(acct)
}

/// Which result is the registered account, by every identifier the
/// registry holds, in this order:
///
/// 1. **By id.** The registry id is a 微信号 or a `gh_` original id, and a
///    result shows it in its 微信号 place (case-insensitive; Sogou shows
///    the `gh_` id there for accounts that set no 微信号). That result,
///    whatever its name (accounts get renamed).
/// 2. **By name**, when no result shows the id (or the id is a `__biz`,
///    which Sogou never shows): the only result whose name is exactly the
///    registry's name (whitespace ignored), provided its 微信号 does not
///    contradict the registry id:
///    - a registry 微信号 is contradicted by any other 微信号 shown (a
///      same-named account with another 微信号 is someone else, possibly
///      an impostor);
///    - a registry `gh_` id is contradicted only by another `gh_` id shown
///      (an account that shows its `gh_` id has no 微信号, so that `gh_` id
///      is its original id); a 微信号 shown is not a contradiction, since
///      Sogou shows the 微信号 instead of the `gh_` id when one is set;
///    - a registry `__biz` is contradicted by nothing Sogou shows.
///
/// Two results bearing the name, none, or a contradiction: no pick (a
/// parse failure, "could not check"), never a guess.
pub fn pick_account<'a>(
    hits: &'a [SogouAccount],
    platform_id: &str,
    name: Option<&str>,
) -> Result<&'a SogouAccount, String> {
    let shown: Vec<(Option<&str>, &str)> = hits.iter().map(|h| (h.wechat_id.as_deref(), h.name.as_str())).collect();
    pick_index(&shown, platform_id, name).map(|i| &hits[i])
}

/// Whether `hit`, one of the results of a search, is the registered
/// account itself by the rules of [`pick_account`] (the impostor search
/// must not report an account registered by `__biz` or `gh_` id as an
/// impostor of itself because Sogou shows its 微信号). `hits` are all the
/// results of that search, so that a name shared by two results is not
/// taken for the account.
pub fn is_registered_hit(hit: &SearchHit, hits: &[SearchHit], platform_id: &str, name: Option<&str>) -> bool {
    let shown: Vec<(Option<&str>, &str)> =
        hits.iter().map(|h| (Some(h.platform_id.as_str()).filter(|s| !s.is_empty()), h.display_name.as_str())).collect();
    pick_index(&shown, platform_id, name).is_ok_and(|i| {
        hits[i].platform_id == hit.platform_id && normalize_name(&hits[i].display_name) == normalize_name(&hit.display_name)
    })
}

/// [`pick_account`] over (微信号 shown, name) pairs (also used for the
/// backend's `searchbiz` hits, whose `alias` is the 微信号).
pub(super) fn pick_index(shown: &[(Option<&str>, &str)], platform_id: &str, name: Option<&str>) -> Result<usize, String> {
    let platform_id = platform_id.trim();
    // `get`, not a byte slice: a hit's 微信号 text is Sogou's and may
    // start with a multi-byte character.
    let is_gh = |id: &str| id.len() > 3 && id.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("gh_"));
    let by_id = super::looks_like_wechat_id(platform_id);
    if by_id
        && let Some(i) = shown.iter().position(|(w, _)| w.is_some_and(|w| w.trim().eq_ignore_ascii_case(platform_id)))
    {
        return Ok(i);
    }
    let Some(name) = name.map(normalize_name).filter(|n| !n.is_empty()) else {
        return Err(if by_id {
            format!("no result with 微信号 {platform_id:?} among {} Sogou results, and no account name to search by", shown.len())
        } else {
            format!("{platform_id:?} is not a 微信号 and no account name was given to search by")
        });
    };
    let contradicts = |w: Option<&str>| -> bool {
        let Some(w) = w.map(str::trim).filter(|w| !w.is_empty()) else { return false };
        if !by_id || w.eq_ignore_ascii_case(platform_id) {
            false
        } else if is_gh(platform_id) {
            is_gh(w)
        } else {
            true
        }
    };
    let same: Vec<usize> = (0..shown.len()).filter(|&i| normalize_name(shown[i].1) == name).collect();
    let wxids = |idx: &[usize]| idx.iter().map(|&i| shown[i].0.unwrap_or("?")).collect::<Vec<_>>().join(", ");
    match same.as_slice() {
        [one] if contradicts(shown[*one].0) => Err(format!(
            "the only result named {name:?} has 微信号 {:?}, not the registered {platform_id:?}: another account (or the registry id is out of date)",
            shown[*one].0.unwrap_or("")
        )),
        [one] => Ok(*one),
        [] => Err(format!("no result with the registered id or named {name:?} among {} Sogou results", shown.len())),
        many => Err(format!(
            "{} Sogou results are named {name:?} (微信号 {}): record the account's 微信号 in the registry to tell them apart",
            many.len(),
            wxids(many)
        )),
    }
}

fn normalize_name(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}
