//! WBI request signing (Bilibili web API, since March 2023).
//!
//! Deterministic and documented (`bilibili-API-collect`
//! `docs/misc/sign/wbi.md`): two keys published by the `nav` endpoint are
//! permuted into a 32-character `mixin_key`; a request's parameters plus
//! `wts` (unix seconds) are sorted, stripped of `!'()*`, percent-encoded
//! with upper-case hex, and the MD5 of that query followed by the mixin key
//! is `w_rid`. The keys rotate daily, so callers cache them per day.

use md5::{Digest, Md5};

/// The permutation that turns `img_key + sub_key` into the mixin key.
pub const MIXIN_KEY_ENC_TAB: [u8; 64] = [
    46, 47, 18, 2, 53, 8, 23, 32, 15, 50, 10, 31, 58, 3, 45, 35, 27, 43, 5, 49, 33, 9, 42, 19, 29, 28, 14, 39, 12, 38,
    41, 13, 37, 48, 7, 16, 24, 55, 40, 61, 26, 17, 0, 1, 60, 51, 30, 4, 22, 25, 54, 21, 56, 59, 6, 63, 57, 62, 11, 36,
    20, 34, 44, 52,
];

/// The two keys from `nav` (`data.wbi_img.img_url` / `sub_url` file stems).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WbiKeys {
    pub img_key: String,
    pub sub_key: String,
}

impl WbiKeys {
    /// Keys from the two URLs: the file name without its extension.
    pub fn from_urls(img_url: &str, sub_url: &str) -> Option<WbiKeys> {
        Some(WbiKeys { img_key: key_from_url(img_url)?, sub_key: key_from_url(sub_url)? })
    }

    /// `None` when the keys are too short to index with the table (the
    /// documented keys are 32 hex characters each).
    pub fn mixin_key(&self) -> Option<String> {
        mixin_key(&self.img_key, &self.sub_key)
    }
}

/// `https://i0.hdslb.com/bfs/wbi/7cd0….png` → `7cd0…`.
pub fn key_from_url(url: &str) -> Option<String> {
    let name = url.rsplit('/').next()?;
    let stem = name.split('.').next()?;
    (stem.len() >= 16 && stem.bytes().all(|b| b.is_ascii_alphanumeric())).then(|| stem.to_string())
}

pub fn mixin_key(img_key: &str, sub_key: &str) -> Option<String> {
    let raw: Vec<u8> = img_key.bytes().chain(sub_key.bytes()).collect();
    if raw.len() < 64 || !raw.is_ascii() {
        return None;
    }
    let permuted: String = MIXIN_KEY_ENC_TAB.iter().map(|&i| raw[i as usize] as char).collect();
    Some(permuted[..32].to_string())
}

/// `encodeURIComponent` with upper-case hex: unreserved characters stay,
/// everything else (a space too: `%20`, never `+`) is escaped.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The signed query string: the parameters plus `wts`, sorted by key,
/// values without `!'()*`, then `w_rid`. The server checks the signature
/// over the same sorted, filtered form, so that is what is sent.
pub fn sign_query(params: &[(&str, &str)], mixin_key: &str, wts: i64) -> String {
    let wts = wts.to_string();
    let mut all: Vec<(&str, String)> = params
        .iter()
        .map(|(k, v)| (*k, v.chars().filter(|c| !matches!(c, '!' | '\'' | '(' | ')' | '*')).collect()))
        .collect();
    all.push(("wts", wts));
    all.sort_by(|a, b| a.0.cmp(b.0));
    let query = all
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect::<Vec<_>>()
        .join("&");
    let w_rid = hex::encode(Md5::digest(format!("{query}{mixin_key}").as_bytes()));
    format!("{query}&w_rid={w_rid}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of `docs/misc/sign/wbi.md`.
    #[test]
    fn documented_test_vector() {
        let keys = WbiKeys::from_urls(
            "https://i0.hdslb.com/bfs/wbi/7cd084941338484aae1ad9425b84077c.png",
            "https://i0.hdslb.com/bfs/wbi/4932caff0ff746eab6f01bf08b70ac45.png",
        )
        .unwrap();
        assert_eq!(keys.img_key, "7cd084941338484aae1ad9425b84077c");
        let mixin = keys.mixin_key().unwrap();
        assert_eq!(mixin, "ea1db124af3c7062474693fa704f4ff8");
        let q = sign_query(&[("foo", "114"), ("bar", "514"), ("zab", "1919810")], &mixin, 1702204169);
        assert_eq!(q, "bar=514&foo=114&wts=1702204169&zab=1919810&w_rid=8f6f2b5b3d485fe1886cec6a0be8c5d4");
    }

    #[test]
    fn encoding_is_upper_case_with_percent_20_and_filters_reserved_marks() {
        // The documentation's encoding example.
        let q = sign_query(&[("foo", "one one four"), ("bar", "五一四"), ("baz", "1919810")], "k", 1);
        assert!(q.starts_with("bar=%E4%BA%94%E4%B8%80%E5%9B%9B&baz=1919810&foo=one%20one%20four&wts=1&w_rid="), "{q}");
        let q = sign_query(&[("keyword", "a!b'c(d)e*f")], "k", 1);
        assert!(q.starts_with("keyword=abcdef&wts=1&"), "{q}");
        assert_eq!(mixin_key("short", "keys"), None);
        assert_eq!(key_from_url("https://x/bfs/wbi/.png"), None);
    }
}
