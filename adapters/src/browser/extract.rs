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

/// Characters of text a person would see: scripts, styles and tags
/// removed. Zero for an empty shell page.
pub fn visible_text_len(html: &str) -> usize {
    static STRIP: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?is)<head\b.*?</head>|<script\b.*?</script>|<style\b.*?</style>|<!--.*?-->|<[^>]*>").unwrap()
    });
    STRIP.replace_all(html, " ").chars().filter(|c| !c.is_whitespace()).count()
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
        assert_eq!(percent_decode("%E4%B8%AD%zz%4"), "中%zz%4");
    }
}
