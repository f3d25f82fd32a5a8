//! WeChat official accounts (微信公众号).
//!
//! WeChat has no public timeline. An account's articles are listed by
//! whichever source the office can run, tried in the configured order
//! (`[platforms.wechat] sources`), and the observation records which one
//! answered:
//!
//! 1. Sogou WeChat search (`sogou`): the latest article and the 认证 entity;
//! 2. a feed from the office's RSSHub / we-mp-rss / wewe-rss (`feed`);
//! 3. a logged-in official-account backend session (`backend`).
//!
//! A single article is read from its public page (`article`).
//!
//! - `article`: article and status pages (deleted, violation, unavailable).
//! - `sogou`: Sogou account search and its anti-spider page.
//! - `backend`: `appmsgpublish` and `searchbiz` answers.
//! - `about`: the "关于公众号" verification page.
//! - `client`: the fetcher and the source order.

pub mod about;
pub mod article;
pub mod backend;
pub mod client;
pub mod sogou;

pub use article::{ArticlePage, GoneReason, WechatArticle};
pub use client::WechatClient;
pub use sogou::SogouAccount;

use crate::capability::{Capabilities, Capability as C, Support as S};
use crate::model::Platform;
use crate::outcome::FetchFailure;

/// What the public WeChat pages (and the optional sources) let us read.
pub const CAPABILITIES: Capabilities = Capabilities::new(
    Platform::Wechat,
    &[
        // Sogou: name, 功能介绍, 认证 entity.
        (C::Profile, S::Yes),
        // The latest article (Sogou), or the full list (feed, backend).
        (C::Timeline, S::Yes),
        // Article pages are public.
        (C::SinglePost, S::Yes),
        // Not shown by any listing source.
        (C::PinnedFlag, S::No),
        // The reprint variables of an article page are unverified and no
        // listing source carries them: an absent link says nothing.
        (C::RepostSource, S::No),
        // `comment_enabled` / `show_comment` are empty in static HTML:
        // comment state cannot be read reliably, so it is never guessed.
        (C::CommentState, S::No),
        (C::PrivateMessageEntry, S::No),
        // Sogou prints 认证 for verified accounts only; absence is unknown.
        (C::Verification, S::WhenShown),
        (C::VerifiedEntity, S::WhenShown),
        (C::UserSearch, S::Yes),
        // No public page gives WeChat's word that an account is gone: a
        // Sogou miss is not one, and account texts on article URLs are
        // observations of an article.
        (C::AccountExistence, S::No),
    ],
);

/// How much of a page is searched for WeChat's own refusal texts. WeChat
/// serves its WAF page with the full weui template inline (37.5 KB), and a
/// CDN or proxy may pad it further, so no "small page" limit applies; the
/// cap only bounds the scan (each marker is one linear substring search).
const REFUSAL_SCAN_BYTES: usize = 1 << 20;

/// WeChat's refusals of the client, in WeChat's own words, on a page of
/// any size that is not an article:
///
/// - `环境异常` / `完成验证后即可继续访问`: the WAF wants a human
///   verification → `Captcha`;
/// - `请在微信客户端打开链接`: the page is only served to the WeChat app
///   (a client session) → `LoginRequired`.
///
/// Neither says anything about the account or the article.
pub fn wechat_refusal(text: &str, status: u16, url: &str) -> Option<FetchFailure> {
    let mut end = text.len().min(REFUSAL_SCAN_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    let title = crate::feed::response::title_suffix(head);
    if head.contains("环境异常") || head.contains("完成验证后即可继续访问") {
        return Some(FetchFailure::Captcha {
            url: url.to_string(),
            http_status: Some(status),
            challenge_url: None,
            detail: format!("WeChat's \"环境异常\" verification page{title}"),
        });
    }
    if head.contains("请在微信客户端打开链接") {
        return Some(FetchFailure::LoginRequired {
            url: url.to_string(),
            http_status: Some(status),
            detail: format!("WeChat serves this page only inside the WeChat client (\"请在微信客户端打开链接\"){title}"),
        });
    }
    None
}

/// A 微信号 or `gh_` original id, as opposed to a `__biz` (base64 of the
/// numeric bizuin). Sogou and `searchbiz` can find the former; a `__biz`
/// needs the account's name.
pub fn looks_like_wechat_id(id: &str) -> bool {
    let id = id.trim();
    !id.is_empty() && !looks_like_biz(id) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A `__biz`: base64 (standard alphabet, padded) of a decimal bizuin.
pub fn looks_like_biz(id: &str) -> bool {
    let id = id.trim();
    if id.len() < 8 || !id.len().is_multiple_of(4) {
        return false;
    }
    decode_base64(id).is_some_and(|b| !b.is_empty() && b.iter().all(u8::is_ascii_digit))
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes = s.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= val(c)? << (18 - 6 * i);
        }
        let n = chunk.len();
        if n < 2 {
            return None;
        }
        out.push((acc >> 16) as u8);
        if n > 2 {
            out.push((acc >> 8) as u8);
        }
        if n > 3 {
            out.push(acc as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn biz_and_wechat_ids_are_told_apart() {
        // Real __biz values from the captures (bizuin 3286016687 and 2398317165).
        assert!(looks_like_biz("MzI4NjAxNjY4Nw=="));
        assert!(looks_like_biz("MjM5ODMxNzE2NQ=="));
        assert_eq!(decode_base64("MzI4NjAxNjY4Nw==").unwrap(), b"3286016687");
        for id in ["sdgkzn", "gh_591a43050b5f", "ruanyf-blog", "shengongshewx"] {
            assert!(looks_like_wechat_id(id), "{id}");
            assert!(!looks_like_biz(id), "{id}");
        }
        assert!(!looks_like_wechat_id("MzI4NjAxNjY4Nw=="));
        assert!(!looks_like_wechat_id("汉滨发布"));
    }
}
