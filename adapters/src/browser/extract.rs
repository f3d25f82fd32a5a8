//! Finding the JSON a page carries: `<script id="RENDER_DATA">` (ByteDance
//! sites: URI-encoded JSON), `<script id="__NEXT_DATA__">` and
//! `window.__APOLLO_STATE__ = {...};` style assignments (Kuaishou).

use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

/// The text inside `<script id="{id}" ...>…</script>`, if present.
pub fn script_by_id<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    static SCRIPT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"(?is)<script\b([^>]*)>(.*?)</script>"#).unwrap());
    static ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"(?i)\bid\s*=\s*["']?([^"'\s>]+)"#).unwrap());
    SCRIPT.captures_iter(html).find_map(|c| {
        let attrs = c.get(1)?.as_str();
        (ID.captures(attrs)?.get(1)?.as_str() == id).then(|| c.get(2).map(|m| m.as_str()))?
    })
}

/// Why a blob could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobError {
    /// Not on the page at all.
    Missing,
    /// On the page, but empty.
    Empty,
    /// Present but not JSON (cut short, changed format).
    Invalid(String),
}

/// Douyin/Toutiao `RENDER_DATA`: a script whose text is
/// `encodeURIComponent(JSON.stringify(state))`.
pub fn render_data(html: &str) -> Result<Value, BlobError> {
    let raw = script_by_id(html, "RENDER_DATA").ok_or(BlobError::Missing)?.trim();
    if raw.is_empty() {
        return Err(BlobError::Empty);
    }
    let decoded = if raw.starts_with('{') { raw.to_string() } else { percent_decode(raw) };
    parse_blob(&decoded)
}

/// `__NEXT_DATA__` (plain JSON in a script).
pub fn next_data(html: &str) -> Result<Value, BlobError> {
    let raw = script_by_id(html, "__NEXT_DATA__").ok_or(BlobError::Missing)?.trim();
    if raw.is_empty() {
        return Err(BlobError::Empty);
    }
    parse_blob(raw)
}

/// `window.NAME = {...}` (or `window["NAME"]=`): the first JSON value after
/// the assignment; whatever follows it (`;`, more script) is ignored.
pub fn window_json(html: &str, name: &str) -> Result<Value, BlobError> {
    let at = [format!("window.{name}"), format!("window[\"{name}\"]"), format!("window['{name}']")]
        .iter()
        .find_map(|n| html.find(n.as_str()).map(|i| i + n.len()))
        .ok_or(BlobError::Missing)?;
    let rest = html[at..].trim_start();
    let rest = rest.strip_prefix('=').ok_or(BlobError::Missing)?.trim_start();
    if rest.starts_with("undefined") || rest.starts_with("null") || rest.starts_with(';') {
        return Err(BlobError::Empty);
    }
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
    match stream.next() {
        Some(Ok(v)) => Ok(v),
        Some(Err(e)) => Err(BlobError::Invalid(e.to_string())),
        None => Err(BlobError::Empty),
    }
}

fn parse_blob(text: &str) -> Result<Value, BlobError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Null) => Err(BlobError::Empty),
        Ok(v) => Ok(v),
        Err(e) => Err(BlobError::Invalid(e.to_string())),
    }
}

/// `decodeURIComponent`: `%XX` sequences to bytes, then UTF-8 (lossy:
/// a bad sequence must not hide the rest of the data).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex_val(bytes[i + 1]), hex_val(bytes[i + 2]))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Characters of text a person would see: the head, scripts, styles,
/// comments and tags removed. Zero for an empty shell page.
///
/// One pass over the page (law 6: linear in its input). A lazy regex
/// (`<script\b.*?</script>|…`) rescanned to the end of the page from every
/// unclosed `<script` or `<!--`: quadratic on hostile pages. Here the next
/// occurrence of each closing marker is found once and remembered, so a
/// page of unclosed openers costs one scan per marker.
pub fn visible_text_len(html: &str) -> usize {
    /// The next occurrence of `needle` at or after a position, cached:
    /// positions asked for only grow, so each marker is scanned once.
    struct Next {
        needle: &'static [u8],
        cached: Option<Option<usize>>,
    }
    impl Next {
        fn at_or_after(&mut self, hay: &[u8], from: usize) -> Option<usize> {
            match self.cached {
                Some(None) => return None,
                Some(Some(p)) if p >= from => return Some(p),
                _ => {}
            }
            let found = hay
                .get(from..)
                .and_then(|rest| rest.windows(self.needle.len()).position(|w| w == self.needle))
                .map(|p| p + from);
            self.cached = Some(found);
            found
        }
    }
    const BLOCKS: [(&[u8], &[u8]); 3] = [(b"<head", b"</head>"), (b"<script", b"</script>"), (b"<style", b"</style>")];
    let bytes = html.as_bytes();
    let lower = bytes.to_ascii_lowercase();
    let mut closers: Vec<Next> = BLOCKS.iter().map(|(_, close)| Next { needle: close, cached: None }).collect();
    let mut comment_end = Next { needle: b"-->", cached: None };
    let mut tag_end = Next { needle: b">", cached: None };
    let mut count = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' {
            let rest = &lower[i..];
            let mut skip_to = None;
            for (k, (open, close)) in BLOCKS.iter().enumerate() {
                let word_ends = !rest.get(open.len()).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
                if rest.starts_with(open) && word_ends {
                    skip_to = closers[k].at_or_after(&lower, i + open.len()).map(|p| p + close.len());
                    if skip_to.is_some() {
                        break;
                    }
                }
            }
            if skip_to.is_none() && rest.starts_with(b"<!--") {
                skip_to = comment_end.at_or_after(&lower, i + 4).map(|p| p + 3);
            }
            if skip_to.is_none() {
                skip_to = tag_end.at_or_after(&lower, i + 1).map(|p| p + 1);
            }
            if let Some(next) = skip_to {
                i = next;
                continue;
            }
        }
        let c = html[i..].chars().next().expect("i is on a character boundary");
        if !c.is_whitespace() {
            count += 1;
        }
        i += c.len_utf8();
    }
    count
}

/// A field by its snake_case name, or the camelCase one server-rendered
/// state uses for the same field (`create_time` / `createTime`).
pub fn field<'a>(obj: &'a Value, snake: &str) -> Option<&'a Value> {
    obj.get(snake).or_else(|| obj.get(camel(snake).as_str())).filter(|v| !v.is_null())
}

pub fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_found_and_decoded() {
        let html = r#"<html><script id="RENDER_DATA" type="application/json">%7B%22a%22%3A%22%E4%B8%AD%22%7D</script>
            <script>window.__APOLLO_STATE__={"b":[1,2]};window.x=1</script>
            <script id="__NEXT_DATA__" type="application/json">{"props":{}}</script></html>"#;
        assert_eq!(render_data(html).unwrap()["a"], "中");
        assert_eq!(window_json(html, "__APOLLO_STATE__").unwrap()["b"][1], 2);
        assert!(next_data(html).unwrap()["props"].is_object());
        assert_eq!(render_data("<html></html>"), Err(BlobError::Missing));
        assert_eq!(render_data(r#"<script id="RENDER_DATA"></script>"#), Err(BlobError::Empty));
        assert!(matches!(
            render_data(r#"<script id="RENDER_DATA">%7B%22a%22%3A</script>"#),
            Err(BlobError::Invalid(_))
        ));
        assert_eq!(
            window_json("<script>window.__APOLLO_STATE__ = undefined;</script>", "__APOLLO_STATE__"),
            Err(BlobError::Empty)
        );
    }

    #[test]
    fn snake_or_camel() {
        assert_eq!(camel("enterprise_verify_reason"), "enterpriseVerifyReason");
        let v = serde_json::json!({"createTime": 5, "is_top": 1});
        assert_eq!(field(&v, "create_time"), Some(&serde_json::json!(5)));
        assert_eq!(field(&v, "is_top"), Some(&serde_json::json!(1)));
        assert_eq!(visible_text_len("<html><script>var a=1</script><body> </body></html>"), 0);
        // Head, styles, comments and tags go; text stays, multi-byte too.
        let page = "<HTML><head><title>t</title></head><Style>p{}</style><!-- x --><p class=a>政务 公开</p>";
        assert_eq!(visible_text_len(page), 4);
        // Unclosed openers: the rest of the page is read as the tag it opens.
        assert_eq!(visible_text_len("<p>ab</p><script src=x>cd"), 4);
        assert_eq!(visible_text_len("ab<!-- cd> ef"), 4);
        assert_eq!(visible_text_len("ab <scripted>cd</scripted>"), 4);
        assert_eq!(visible_text_len("a < b"), 3);
        assert_eq!(percent_decode("%E4%B8%AD%zz%4"), "中%zz%4");
    }
}
