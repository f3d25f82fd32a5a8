//! Small shared helpers: times in the platforms' formats, escaping,
//! deterministic hashes.

use chrono::{DateTime, FixedOffset, Utc};

/// China Standard Time, the offset every platform writes.
pub fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// Weibo's `created_at`: `Tue Jun 08 09:35:04 +0800 2021`.
pub fn weibo_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&cst()).format("%a %b %d %H:%M:%S %z %Y").to_string()
}

/// RFC 2822 in +0800, as Chinese feed services write `pubDate`.
pub fn rfc2822_cst(t: DateTime<Utc>) -> String {
    t.with_timezone(&cst()).format("%a, %d %b %Y %H:%M:%S %z").to_string()
}

/// Text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// splitmix64: a small, good 64-bit mixer.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stable hash of a string (FNV-1a, then mixed).
pub fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix64(h)
}

/// `n` lower-case hex digits derived from `s` (fake signatures, `sn`).
pub fn hex_of(s: &str, n: usize) -> String {
    let mut out = String::new();
    let mut i = 0u64;
    while out.len() < n {
        out.push_str(&format!("{:016x}", mix64(hash_str(s) ^ i)));
        i += 1;
    }
    out.truncate(n);
    out
}

/// A Weibo-style base62 `bid` for a numeric id (not Weibo's own mapping,
/// which is unpublished; the adapters treat it as an opaque alternative id).
pub fn base62(mut n: u128) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    if n == 0 {
        return "0".into();
    }
    let mut out = Vec::new();
    while n > 0 {
        out.push(ALPHABET[(n % 62) as usize]);
        n /= 62;
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

/// The bid shown for a Weibo post id.
pub fn weibo_bid(id: &str) -> String {
    match id.parse::<u128>() {
        Ok(n) => base62(n),
        Err(_) => format!("S{}", hex_of(id, 8)),
    }
}

/// Decodes standard padded base64 (a WeChat `__biz`) to text, when it is.
pub fn decode_base64_text(s: &str) -> Option<String> {
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
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        if chunk.len() < 2 {
            return None;
        }
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= val(c)? << (18 - 6 * i);
        }
        out.push((acc >> 16) as u8);
        if chunk.len() > 2 {
            out.push((acc >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(acc as u8);
        }
    }
    String::from_utf8(out).ok()
}

/// Standard padded base64 of text (to build a `__biz` from a bizuin).
pub fn encode_base64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A compact follower count the way Weibo's profile shows it: plain below
/// 10 000, else `12.3万` (one decimal, trailing `.0` dropped).
pub fn weibo_count_display(n: u64) -> serde_json::Value {
    if n < 10_000 {
        return n.into();
    }
    let tenths = (n as f64 / 1000.0).round() as u64;
    let s = if tenths.is_multiple_of(10) { format!("{}万", tenths / 10) } else { format!("{}.{}万", tenths / 10, tenths % 10) };
    s.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let t = DateTime::parse_from_rfc3339("2021-06-08T01:35:04Z").unwrap().with_timezone(&Utc);
        assert_eq!(weibo_time(t), "Tue Jun 08 09:35:04 +0800 2021");
        assert_eq!(rfc2822_cst(t), "Tue, 08 Jun 2021 09:35:04 +0800");
        assert_eq!(encode_base64(b"3286016687"), "MzI4NjAxNjY4Nw==");
        assert_eq!(decode_base64_text("MzI4NjAxNjY4Nw==").as_deref(), Some("3286016687"));
        assert_eq!(weibo_count_display(1_455_000), serde_json::json!("145.5万"));
        assert_eq!(weibo_count_display(88), serde_json::json!(88));
    }
}

/// xorshift64*: a small deterministic generator, so a scenario built from
/// one seed is the same world on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// In `lo..hi` (`lo` when the range is empty).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo).max(1) as u64)) as i64
    }
}
