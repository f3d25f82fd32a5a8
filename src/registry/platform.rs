//! Platform names as people write them, and account links → (platform, id).

use url::Url;
use xunjian_adapters::model::Platform;

/// Text as offices type it: trims ordinary and full-width spaces, turns
/// full-width ASCII (`Ｂ站`, `ＷｅｉＢｏ`) into half-width and lowercases ASCII, so
/// that lookups need only one spelling per word.
pub(crate) fn fold_word(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(|c| c.to_lowercase())
        .collect()
}

const PLATFORM_WORDS: &[(Platform, &[&str])] = &[
    (Platform::Weibo, &["微博", "新浪微博", "新浪", "政务微博", "weibo", "sinaweibo", "sina"]),
    (
        Platform::Wechat,
        &["微信", "微信公众号", "公众号", "微信公众平台", "微信服务号", "微信订阅号", "wechat", "weixin"],
    ),
    (Platform::Douyin, &["抖音", "抖音号", "douyin"]),
    (Platform::Toutiao, &["今日头条", "头条", "头条号", "toutiao"]),
    (Platform::Bilibili, &["哔哩哔哩", "b站", "bilibili", "bili", "哔哩哔哩弹幕网"]),
    (Platform::Kuaishou, &["快手", "快手号", "kuaishou"]),
    (Platform::Xiaohongshu, &["小红书", "小红书号", "xiaohongshu", "rednote"]),
];

/// Parses a platform name as offices write it (微博, 新浪微博, 微信公众号, B站,
/// `weibo`, ...). Returns `None` for anything else, including platforms the
/// daemon does not supervise (e.g. 视频号).
pub fn parse_platform_name(s: &str) -> Option<Platform> {
    let folded = fold_word(s);
    if folded.is_empty() {
        return None;
    }
    PLATFORM_WORDS
        .iter()
        .find(|(_, words)| words.contains(&folded.as_str()))
        .map(|(p, _)| *p)
        .or_else(|| Platform::from_code(&folded))
}

/// The list shown when a platform name is not recognised.
pub(crate) fn known_platform_names() -> String {
    Platform::ALL.iter().map(|p| p.display_name()).collect::<Vec<_>>().join("、")
}

/// Derives (platform, platform id) from an account's homepage link.
///
/// Accepts links without a scheme, with query strings and fragments, and
/// `www.`/`m.` hosts. The error text is Chinese and tells the office what to
/// give instead.
pub fn platform_id_from_link(link: &str) -> Result<(Platform, String), String> {
    let trimmed = link.trim().trim_matches('\u{3000}');
    if trimmed.is_empty() {
        return Err("链接为空".into());
    }
    let url = parse_loose_url(trimmed).ok_or_else(|| "不是有效的网址".to_string())?;
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    let segments: Vec<&str> =
        url.path_segments().map(|s| s.filter(|seg| !seg.is_empty()).collect()).unwrap_or_default();
    let seg = |i: usize| segments.get(i).copied();

    match host.as_str() {
        "weibo.com" | "weibo.cn" | "m.weibo.cn" | "m.weibo.com" | "passport.weibo.com" => {
            weibo_id(&segments).map(|id| (Platform::Weibo, id))
        }
        "mp.weixin.qq.com" => {
            let biz = url
                .query()
                .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("__biz=")))
                .map(percent_decode)
                .filter(|b| !b.is_empty());
            match biz {
                Some(b) if b.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_')) => {
                    Ok((Platform::Wechat, b))
                }
                Some(b) => Err(format!("链接中的 __biz「{b}」格式不对")),
                None => Err(
                    "微信链接中没有 __biz 参数，无法确定是哪个公众号（文章短链接 mp.weixin.qq.com/s/… 不含 __biz）；\
                             请复制带 __biz= 的文章或主页链接，或在「账号ID」列填写"
                        .into(),
                ),
            }
        }
        "douyin.com" | "m.douyin.com" | "iesdouyin.com" => {
            // douyin.com/user/<sec_uid>; iesdouyin.com/share/user/<sec_uid>.
            let id = match (seg(0), seg(1), seg(2)) {
                (Some("user"), Some(id), _) => Some(id),
                (Some("share"), Some("user"), Some(id)) => Some(id),
                _ => None,
            };
            match id {
                Some("self") => Err("这是“我的主页”链接（/user/self），请在浏览器打开该账号主页后复制地址".into()),
                Some(id) if is_token(id) => Ok((Platform::Douyin, id.to_string())),
                _ => Err("无法从抖音链接中找到账号（应为 douyin.com/user/MS4wLjAB…）".into()),
            }
        }
        "v.douyin.com" => Err(short_link("抖音")),
        "toutiao.com" | "m.toutiao.com" => match (seg(0), seg(1), seg(2), seg(3)) {
            (Some("c"), Some("user"), Some("token"), Some(token)) if is_token(token) => {
                Ok((Platform::Toutiao, token.to_string()))
            }
            _ => Err("无法从今日头条链接中找到账号（应为 toutiao.com/c/user/token/…/）".into()),
        },
        "space.bilibili.com" => match seg(0) {
            Some(mid) if is_digits(mid) => Ok((Platform::Bilibili, mid.to_string())),
            _ => Err("无法从哔哩哔哩链接中找到账号（应为 space.bilibili.com/数字）".into()),
        },
        "m.bilibili.com" | "bilibili.com" => match (seg(0), seg(1)) {
            (Some("space"), Some(mid)) if is_digits(mid) => Ok((Platform::Bilibili, mid.to_string())),
            _ => Err("无法从哔哩哔哩链接中找到账号（应为 space.bilibili.com/数字）".into()),
        },
        "b23.tv" => Err(short_link("哔哩哔哩")),
        "kuaishou.com" | "m.kuaishou.com" | "live.kuaishou.com" | "m.gifshow.com" => match (seg(0), seg(1)) {
            (Some("profile"), Some(id)) | (Some("u"), Some(id)) if is_token(id) => {
                Ok((Platform::Kuaishou, id.to_string()))
            }
            _ => Err("无法从快手链接中找到账号（应为 kuaishou.com/profile/…）".into()),
        },
        "v.kuaishou.com" => Err(short_link("快手")),
        "xiaohongshu.com" => match (seg(0), seg(1), seg(2)) {
            (Some("user"), Some("profile"), Some(id))
                if id.len() >= 16 && id.chars().all(|c| c.is_ascii_hexdigit()) =>
            {
                Ok((Platform::Xiaohongshu, id.to_ascii_lowercase()))
            }
            _ => Err("无法从小红书链接中找到账号（应为 xiaohongshu.com/user/profile/…）".into()),
        },
        "xhslink.com" => Err(short_link("小红书")),
        _ => Err(format!(
            "不是可识别的账号主页链接（支持：{}）",
            "weibo.com/u/…、mp.weixin.qq.com/…?__biz=…、douyin.com/user/…、toutiao.com/c/user/token/…、\
             space.bilibili.com/…、kuaishou.com/profile/…、xiaohongshu.com/user/profile/…"
        )),
    }
}

/// Checks that `id` has the syntax of an account id on `platform`, whether
/// typed in the 账号ID column or taken from a link. Ids end up in request
/// URLs and evidence file names, so anything else (`../../tmp/x`, a NUL, a
/// backslash, a space) is refused here rather than trusted later. The error
/// is Chinese and says what the platform's ids look like.
pub fn check_platform_id(platform: Platform, id: &str) -> Result<(), String> {
    let charset = |s: &str, extra: &[char]| s.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(&c));
    let len = id.len();
    let ok = len <= 128
        && match platform {
            Platform::Weibo | Platform::Bilibili => is_digits(id) && len <= 20,
            Platform::Wechat => is_wechat_biz(id) || is_wechat_original_id(id) || is_wechat_alias(id),
            Platform::Douyin => {
                let sec_uid = id.strip_prefix("MS4wLjABAAAA").is_some_and(|rest| !rest.is_empty() && charset(rest, &['_', '-']));
                sec_uid || ((2..=32).contains(&len) && charset(id, &['_', '.']))
            }
            Platform::Toutiao => is_digits(id) || charset(id, &['_', '-', '=', '.']),
            Platform::Kuaishou | Platform::Xiaohongshu => len <= 64 && charset(id, &['_', '-', '.']),
        }
        && !id.is_empty()
        && !id.contains("..");
    if ok {
        return Ok(());
    }
    let shape = match platform {
        Platform::Weibo => "微博账号ID应为数字 UID（如 1000000001）",
        Platform::Bilibili => "哔哩哔哩账号ID应为数字 mid（如 100000005）",
        Platform::Wechat => {
            "微信公众号账号ID应为 __biz（如 MzAwMDAwMDAwMQ==）、原始ID（gh_ 加 12 位十六进制）或微信号（字母开头，6–20 位字母、数字、-、_）"
        }
        Platform::Douyin => "抖音账号ID应为 sec_uid（MS4wLjABAAAA 开头）、数字 ID 或抖音号（字母、数字、_、.）",
        Platform::Toutiao => "今日头条账号ID应为数字 ID 或主页链接中的 token（字母、数字、_、-、=）",
        Platform::Kuaishou => "快手账号ID只能由字母、数字、_、-、. 组成",
        Platform::Xiaohongshu => "小红书账号ID只能由字母、数字、_、-、. 组成",
    };
    Err(format!("不是{}的账号ID（bad id）：{shape}", platform.display_name()))
}

/// `__biz`: base64 of the account's decimal number (`MzAwMDAwMDAwMQ==`),
/// padded to a multiple of four; links sometimes carry the URL-safe alphabet.
fn is_wechat_biz(id: &str) -> bool {
    let body = id.trim_end_matches('=');
    id.len() % 4 == 0
        && (8..=64).contains(&id.len())
        && id.len() - body.len() <= 2
        && body.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_'))
}

/// 原始ID: `gh_` and 12 hexadecimal digits.
fn is_wechat_original_id(id: &str) -> bool {
    id.strip_prefix("gh_").is_some_and(|hex| hex.len() == 12 && hex.chars().all(|c| c.is_ascii_hexdigit()))
}

/// 微信号 as WeChat allows it: a letter, then 5–19 letters, digits, - or _.
fn is_wechat_alias(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && (6..=20).contains(&id.len())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

fn weibo_id(segments: &[&str]) -> Result<String, String> {
    let bad_custom = || {
        "这是微博个性域名或昵称链接，无法确定账号；请填写数字 UID 链接（weibo.com/u/数字），或在「账号ID」列填写数字 UID".to_string()
    };
    match segments {
        ["u" | "profile", uid, ..] if is_digits(uid) => Ok((*uid).to_string()),
        // weibo.com/p/1005051234567890: "100505" + uid is the user's page id.
        ["p", page, ..] if is_digits(page) && page.len() > 6 && page.starts_with("100505") => Ok(page[6..].to_string()),
        [uid, ..] if is_digits(uid) => Ok((*uid).to_string()),
        ["n", ..] => Err(bad_custom()),
        [name, ..] if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') => Err(bad_custom()),
        _ => Err("无法从微博链接中找到账号（应为 weibo.com/u/数字）".into()),
    }
}

fn short_link(platform: &str) -> String {
    format!("这是{platform}分享短链接，无法离线确定账号；请在浏览器打开后复制账号主页的完整地址")
}

/// Parses a link as people paste it: with or without `https://`.
pub(crate) fn parse_loose_url(s: &str) -> Option<Url> {
    if s.chars().any(char::is_whitespace) {
        return None;
    }
    let with_scheme = if s.contains("://") { s.to_string() } else { format!("https://{s}") };
    let url = Url::parse(&with_scheme).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?;
    // A bare word like "安康发布" would otherwise parse as a host.
    if !host.contains('.') && host != "localhost" {
        return None;
    }
    Some(url)
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Opaque platform ids (sec_uid, tokens, 快手 ids): URL-safe base64-ish.
fn is_token(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '='))
}

/// Percent-decoding without turning `+` into a space: `__biz` is base64,
/// where `+` is a real character.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(b) = escaped {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_names_as_offices_write_them() {
        let cases = [
            ("微博", Platform::Weibo),
            (" 新浪微博\u{3000}", Platform::Weibo),
            ("Weibo", Platform::Weibo),
            ("微信公众号", Platform::Wechat),
            ("公众号", Platform::Wechat),
            ("WeChat", Platform::Wechat),
            ("抖音", Platform::Douyin),
            ("头条号", Platform::Toutiao),
            ("今日头条", Platform::Toutiao),
            ("B站", Platform::Bilibili),
            ("b站", Platform::Bilibili),
            ("Ｂ站", Platform::Bilibili),
            ("哔哩哔哩", Platform::Bilibili),
            ("快手", Platform::Kuaishou),
            ("小红书", Platform::Xiaohongshu),
            ("xiaohongshu", Platform::Xiaohongshu),
        ];
        for (word, want) in cases {
            assert_eq!(parse_platform_name(word), Some(want), "{word}");
        }
        for word in ["推特", "视频号", "", "微 博 号"] {
            assert_eq!(parse_platform_name(word), None, "{word}");
        }
    }

    #[test]
    fn platform_ids_have_their_platform_syntax() {
        let good = [
            (Platform::Weibo, "1000000001"),
            (Platform::Bilibili, "11"),
            (Platform::Wechat, "MzAwMDAwMDAwMQ=="),
            (Platform::Wechat, "MzA5NjQ5MTAzMg=="),
            (Platform::Wechat, "gh_0123456789ab"),
            (Platform::Wechat, "ankangfabu"),
            (Platform::Wechat, "ak-fabu_2026"),
            (Platform::Douyin, "MS4wLjABAAAAexample_ankang_gaj"),
            (Platform::Douyin, "MS4wLjABAAAAv7iSfFN6Ng-3W3rp-1U9eyPMeEO3L0MxIUv9W0bQ3Xs"),
            (Platform::Douyin, "ankang.gaj"),
            (Platform::Douyin, "2001234567"),
            (Platform::Toutiao, "MS4wLjABAAAAexample_ziyang"),
            (Platform::Toutiao, "6789012345"),
            (Platform::Kuaishou, "3xabc"),
            (Platform::Xiaohongshu, "5f0123456789abcdef012345"),
        ];
        for (p, id) in good {
            assert_eq!(check_platform_id(p, id), Ok(()), "{p:?} {id}");
        }
        let bad = [
            (Platform::Weibo, "../../../../tmp/pwned"),
            (Platform::Weibo, "12a"),
            (Platform::Weibo, "123456789012345678901"),
            (Platform::Wechat, "../../../../tmp/pwned"),
            (Platform::Wechat, "gh_1"),
            (Platform::Wechat, "安康发布"),
            (Platform::Wechat, "abc\\def\\ghij"),
            (Platform::Douyin, "abc\0def"),
            (Platform::Douyin, "C:\\Windows\\x"),
            (Platform::Toutiao, "a/b"),
            (Platform::Kuaishou, "..abc"),
            (Platform::Xiaohongshu, "a b"),
            (Platform::Bilibili, ""),
        ];
        for (p, id) in bad {
            let err = check_platform_id(p, id).unwrap_err();
            assert!(err.contains(p.display_name()), "{err}");
        }
    }

    /// Every id the link reader derives passes the id check, so a link that
    /// imported before still imports.
    #[test]
    fn ids_from_links_pass_the_id_check() {
        for link in [
            "weibo.com/u/1000000002",
            "https://weibo.com/p/1005051000000002",
            "https://mp.weixin.qq.com/s?__biz=MzAwMDAwMDAwMQ%3D%3D&mid=1",
            "https://www.douyin.com/user/MS4wLjABAAAAexample_ankang_gaj?from_tab_name=main",
            "https://www.toutiao.com/c/user/token/MS4wLjABAAAAexample_ziyang/",
            "https://space.bilibili.com/100000005",
            "https://www.kuaishou.com/profile/3xabcdefg",
            "https://www.xiaohongshu.com/user/profile/5f0123456789abcdef012345",
        ] {
            let (p, id) = platform_id_from_link(link).unwrap();
            assert_eq!(check_platform_id(p, &id), Ok(()), "{link}");
        }
    }

    #[test]
    fn percent_decode_keeps_plus() {
        assert_eq!(percent_decode("MzA+b%3D%3D"), "MzA+b==");
        assert_eq!(percent_decode("abc%"), "abc%");
        assert_eq!(percent_decode("a%zz"), "a%zz");
    }
}
