//! Byte decoding and HTML-to-text helpers shared by the parsers.

use encoding_rs::{Encoding, UTF_8};
use std::borrow::Cow;
use regex::Regex;
use std::sync::LazyLock;

/// Decodes a response body to text.
///
/// Order: a byte-order mark; the `charset` of the Content-Type header; a
/// `<meta charset>` in the first 2 KiB (Chinese error pages often declare
/// GBK only there); UTF-8 when the bytes are valid UTF-8; GB18030 otherwise,
/// because a Chinese page without a declaration is far more often GBK than
/// anything else. Malformed sequences become U+FFFD rather than an error:
/// the classifier still needs to read the rest of the page.
pub fn decode_body<'a>(body: &'a [u8], content_type: Option<&str>) -> (Cow<'a, str>, &'static Encoding) {
    decode_with(body, content_type, |b| sniff_meta_charset(&b[..b.len().min(2048)]))
}

/// [`decode_body`] with the in-document declaration found by `sniff`
/// (a `<meta charset>` for HTML, the `<?xml encoding?>` for feeds).
pub(crate) fn decode_with<'a>(
    body: &'a [u8],
    content_type: Option<&str>,
    sniff: impl FnOnce(&[u8]) -> Option<String>,
) -> (Cow<'a, str>, &'static Encoding) {
    if let Some((enc, bom_len)) = Encoding::for_bom(body) {
        let (text, _) = enc.decode_without_bom_handling(&body[bom_len..]);
        return (text, enc);
    }
    let declared = content_type
        .and_then(charset_param)
        .or_else(|| sniff(body))
        .and_then(|label| Encoding::for_label(label.as_bytes()));
    let enc = match declared {
        Some(enc) => enc,
        None if std::str::from_utf8(body).is_ok() => UTF_8,
        None => encoding_rs::GB18030,
    };
    let (text, _, _) = enc.decode(body);
    (text, enc)
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("charset").then(|| v.trim().trim_matches('"').to_string())
    })
}

fn sniff_meta_charset(head: &[u8]) -> Option<String> {
    static META: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
        regex::bytes::Regex::new(r#"(?i)<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)"#).unwrap()
    });
    let caps = META.captures(head)?;
    Some(String::from_utf8_lossy(&caps[1]).into_owned())
}

/// The `<title>` of an HTML page, trimmed, if any.
pub fn html_title(html: &str) -> Option<String> {
    static TITLE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?is)<title[^>]*>(.*?)</title>").unwrap());
    let t = TITLE.captures(html)?.get(1)?.as_str().trim();
    (!t.is_empty()).then(|| decode_entities(t))
}

/// Weibo post HTML to plain text: `<br>` becomes a newline, emoticon
/// images become their `alt` text (`[doge]`), other tags vanish, entities
/// are decoded. Rules match keywords on this text, so it must not contain
/// markup.
pub fn html_to_text(html: &str) -> String {
    static BR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)<br\s*/?>").unwrap());
    static IMG_ALT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"(?i)<img[^>]*\salt\s*=\s*["']([^"']*)["'][^>]*>"#).unwrap());
    static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").unwrap());
    if !html.contains('<') && !html.contains('&') {
        return html.to_string();
    }
    let s = BR.replace_all(html, "\n");
    let s = IMG_ALT.replace_all(&s, "$1");
    let s = TAG.replace_all(&s, "");
    decode_entities(&s)
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    static ENTITY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);").unwrap());
    ENTITY
        .replace_all(s, |c: &regex::Captures| {
            let e = &c[1];
            let decoded = if let Some(hex) = e.strip_prefix("#x").or_else(|| e.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else if let Some(dec) = e.strip_prefix('#') {
                dec.parse().ok().and_then(char::from_u32)
            } else {
                match e {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some('\u{a0}'),
                    _ => None,
                }
            };
            decoded.map(String::from).unwrap_or_else(|| c[0].to_string())
        })
        .into_owned()
}

/// Where (the byte offset of the tag) the page's elements first nest
/// deeper than `max`, estimated in one pass over the tags the way the HTML tree builder
/// would keep them open: void elements never open, `<li>`/`<p>`/`<td>`…
/// close their open predecessor, an end tag closes up to its nearest
/// match among the top 64 open elements, comments and raw text
/// (`<script>`, `<style>`, `<textarea>`, `<title>`) hold no tags. The
/// tree builder's cost per tag grows with this depth (html5ever's scope
/// checks walk the stack of open elements), so a parser that builds a DOM
/// must refuse a page nested too deep before parsing it. Linear in the
/// input.
pub fn nesting_exceeds(html: &str, max: usize) -> Option<usize> {
    const VOID: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
        "wbr", "basefont", "bgsound", "frame", "keygen", "image", "isindex",
    ];
    const IMPLIED_END: &[&str] =
        &["li", "dt", "dd", "p", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot", "rb", "rt", "rp"];
    const RAW_TEXT: &[&str] =
        &["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext"];
    let b = html.as_bytes();
    let mut stack: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(off) = b[i..].iter().position(|&c| c == b'<') {
        let at = i + off;
        let rest = &b[at + 1..];
        if rest.starts_with(b"!--") {
            match find_bytes(&rest[3..], b"-->") {
                Some(e) => i = at + 4 + e + 3,
                None => break,
            }
            continue;
        }
        let (is_end, name_from) = if rest.first() == Some(&b'/') { (true, 1) } else { (false, 0) };
        let name_len = rest[name_from..]
            .iter()
            .position(|c| !(c.is_ascii_alphanumeric() || *c == b'-'))
            .unwrap_or(rest.len() - name_from);
        if name_len == 0 || !rest[name_from].is_ascii_alphabetic() {
            i = at + 1;
            continue;
        }
        let name = String::from_utf8_lossy(&rest[name_from..name_from + name_len]).to_ascii_lowercase();
        let Some(close) = rest.iter().position(|&c| c == b'>') else { break };
        let after = at + 1 + close + 1;
        if is_end {
            let top = stack.len().saturating_sub(64);
            if let Some(p) = stack[top..].iter().rposition(|n| *n == name) {
                stack.truncate(top + p);
            }
            i = after;
            continue;
        }
        if RAW_TEXT.contains(&name.as_str()) {
            if name == "plaintext" {
                break;
            }
            match find_end_tag(&b[after..], name.as_bytes()) {
                Some(e) => i = after + e,
                None => break,
            }
            continue;
        }
        i = after;
        if VOID.contains(&name.as_str()) {
            continue;
        }
        if IMPLIED_END.contains(&name.as_str()) {
            let top = stack.len().saturating_sub(8);
            if let Some(p) = stack[top..].iter().rposition(|n| *n == name) {
                stack.truncate(top + p);
            }
        }
        stack.push(name);
        if stack.len() > max {
            return Some(at);
        }
    }
    None
}

/// Where `needle` starts in `hay` (needles here are a few bytes long).
fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Where the end tag `</name` starts in `hay`, ASCII case ignored.
fn find_end_tag(hay: &[u8], name: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(off) = find_bytes(&hay[i..], b"</") {
        let at = i + off;
        let rest = &hay[at + 2..];
        if rest.len() >= name.len() && rest[..name.len()].eq_ignore_ascii_case(name) {
            return Some(at);
        }
        i = at + 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_declared_only_in_meta_is_decoded() {
        let (bytes, _, _) = encoding_rs::GBK.encode("<html><head><meta charset=\"gbk\"><title>出错了</title>");
        let (text, enc) = decode_body(&bytes, Some("text/html"));
        assert_eq!(enc, encoding_rs::GBK);
        assert_eq!(html_title(&text).as_deref(), Some("出错了"));
    }

    #[test]
    fn header_charset_wins_and_undeclared_non_utf8_falls_back_to_gb18030() {
        let (bytes, _, _) = encoding_rs::GBK.encode("系统繁忙");
        assert_eq!(decode_body(&bytes, Some("text/plain; charset=GBK")).0, "系统繁忙");
        assert_eq!(decode_body(&bytes, None).0, "系统繁忙");
        assert_eq!(decode_body("正常".as_bytes(), None).0, "正常");
        let bom = [&[0xEF, 0xBB, 0xBF][..], "{\"ok\":1}".as_bytes()].concat();
        assert_eq!(decode_body(&bom, None).0, "{\"ok\":1}");
    }

    #[test]
    fn post_html_becomes_plain_text() {
        let html = r#"<a href="/n/x">@微博抽奖平台</a> 抽奖<br />第二行<span class='url-icon'><img alt="[doge]" src="x.png" /></span> &amp; &#20013;&lt;"#;
        assert_eq!(html_to_text(html), "@微博抽奖平台 抽奖\n第二行[doge] & 中<");
    }
}
