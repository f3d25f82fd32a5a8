//! HTTP-level classification shared by the fetchers of documents that are
//! not a platform's JSON API: feeds, portal pages, WeChat and Sogou pages.
//!
//! The same facts mean the same thing everywhere: a 429 is `Throttled`, a
//! 403 or a WAF page is `Blocked`, a captcha page is `Captcha` even when it
//! comes with HTTP 200, an empty or cut-short body is a network failure.
//! None of them is ever the platform's word about an account.

use crate::outcome::FetchFailure;
use crate::text::html_title;
use encoding_rs::Encoding;
use std::borrow::Cow;

/// The transport facts a classifier needs besides the body (the same type
/// the Weibo parsers take).
pub use crate::weibo::ResponseMeta;

/// Human-challenge pages: captcha images, sliders, "verify you are human".
pub(crate) const CAPTCHA_MARKERS: &[&str] = &[
    "captcha",
    "验证码",
    "geetest",
    "安全验证",
    "人机验证",
    "滑块",
    "请完成验证",
    "seccode",
    "antispider",
    // WeChat's WAF page ("当前环境异常，完成验证后即可继续访问").
    "环境异常",
    // Cloudflare-style interstitials.
    "cf-chl",
    "just a moment...",
];

/// Login walls. Only read on pages that are not content (see
/// [`looks_like_refusal_page`]): a portal homepage has a 用户登录 link too.
pub(crate) const LOGIN_MARKERS: &[&str] =
    &["请先登录", "请登录后", "登录后查看", "登录超时", "login timeout", "please log in", "请重新登录"];

pub(crate) const THROTTLE_MARKERS: &[&str] =
    &["频繁", "系统繁忙", "稍后再试", "too many requests", "rate limit", "访问量过大"];

/// Refusals by the site or the WAF in front of it. Government sites sit
/// behind a handful of Chinese WAF products; each has a recognisable page.
pub(crate) const WAF_MARKERS: &[&str] = &[
    "403 forbidden",
    "access denied",
    "访问受限",
    "拒绝访问",
    "禁止访问",
    "访问被拦截",
    "已被拦截",
    "被网站管理员设置为拦截",
    "非法请求",
    "不合法参数",
    "有可能对网站造成安全威胁",
    "您的访问被阻断",
    "网站防火墙",
    "web应用防火墙",
    "创宇盾",
    "知道创宇",
    "safedog",
    "安全狗",
    "yunsuo",
    "云锁",
    "网站卫士",
    "attention required",
    // 瑞数 (Rivers) dynamic JS challenge: `$_ts=window['$_ts']`.
    "$_ts",
];

pub(crate) fn contains_any(haystack: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| haystack.contains(n))
}

pub(crate) fn title_suffix(text: &str) -> String {
    html_title(text).map(|t| format!(" (page title {t:?})")).unwrap_or_default()
}

/// Classifies the HTTP status. `Ok(())` for 2xx; a redirect, refusal or
/// error otherwise. `what` names the document for messages ("feed",
/// "portal page").
///
/// A 404 or 410 is never "gone": for a feed or portal URL it means the URL
/// is wrong or moved, which only a person can tell.
pub fn classify_status(meta: &ResponseMeta, text: &str, url: &str, what: &str) -> Result<(), FetchFailure> {
    let u = || url.to_string();
    let status = meta.status;
    let http_status = Some(status);
    let lower = || text.to_lowercase();
    match status {
        200..=299 => Ok(()),
        429 => Err(FetchFailure::Throttled {
            url: u(),
            http_status,
            retry_after_secs: meta.retry_after_secs,
            detail: "HTTP 429 Too Many Requests".into(),
        }),
        403 | 412 | 418 | 432 => {
            let lower = lower();
            if contains_any(&lower, CAPTCHA_MARKERS) {
                return Err(FetchFailure::Captcha {
                    url: u(),
                    http_status,
                    challenge_url: None,
                    detail: format!("HTTP {status} with a verification page{}", title_suffix(text)),
                });
            }
            // 412 is what the 瑞数 WAF answers before its JS challenge ran.
            let why = match status {
                412 if lower.contains("$_ts") => {
                    "HTTP 412 with a JavaScript challenge (瑞数-style WAF): needs a browser"
                }
                412 => "HTTP 412 Precondition Failed: a WAF refusal",
                418 => "HTTP 418: anti-bot refusal",
                432 => "HTTP 432: anti-crawler refusal",
                _ => "HTTP 403 Forbidden",
            };
            Err(FetchFailure::Blocked { url: u(), http_status, detail: format!("{why}{}", title_suffix(text)) })
        }
        401 | 407 => Err(FetchFailure::LoginRequired { url: u(), http_status, detail: format!("HTTP {status}") }),
        300..=399 => Err(classify_redirect(meta, url, what)),
        500..=599 => {
            if meta.retry_after_secs.is_some() || status == 503 && contains_any(&lower(), THROTTLE_MARKERS) {
                return Err(FetchFailure::Throttled {
                    url: u(),
                    http_status,
                    retry_after_secs: meta.retry_after_secs,
                    detail: format!("HTTP {status} asking to retry later"),
                });
            }
            Err(FetchFailure::Network {
                url: u(),
                http_status,
                timeout: false,
                detail: format!("HTTP {status} server error{}", title_suffix(text)),
            })
        }
        _ => Err(FetchFailure::parse(
            url,
            "http_status",
            format!("unexpected HTTP {status} for the {what}{}: the URL may be wrong or moved", title_suffix(text)),
        )),
    }
}

/// A redirect that is the answer itself: to a captcha, an anti-spider page
/// or a login page. Any other redirect is "unexpected" here; fetchers that
/// follow ordinary redirects ask [`redirect_target`] first.
pub fn classify_redirect(meta: &ResponseMeta, url: &str, what: &str) -> FetchFailure {
    let status = meta.status;
    let to = meta.location.unwrap_or("");
    let lower = to.to_lowercase();
    if contains_any(&lower, &["captcha", "antispider", "verify", "seccode", "wappoc_appmsgcaptcha"]) {
        return FetchFailure::Captcha {
            url: url.to_string(),
            http_status: Some(status),
            challenge_url: Some(to.to_string()),
            detail: format!("redirected to a verification page ({to})"),
        };
    }
    if contains_any(&lower, &["login", "signin", "passport"]) {
        return FetchFailure::LoginRequired {
            url: url.to_string(),
            http_status: Some(status),
            detail: format!("redirected to a login page ({to})"),
        };
    }
    FetchFailure::parse(url, "Location", format!("unexpected HTTP {status} redirect of the {what} to {to:?}"))
}

/// Where an ordinary redirect points (absolute), or `None` when the
/// response is not a redirect or the redirect is itself a refusal
/// (captcha, login).
pub fn redirect_target(meta: &ResponseMeta, url: &str) -> Option<String> {
    if !(300..=399).contains(&meta.status) {
        return None;
    }
    let to = meta.location?;
    if !matches!(classify_redirect(meta, url, "page"), FetchFailure::ParseError { .. }) {
        return None;
    }
    url::Url::parse(url).ok()?.join(to).ok().map(|u| u.to_string())
}

/// An empty (or whitespace-only) 200: a proxy or transport hiccup, worth a
/// retry, never "nothing published".
pub fn empty_body(meta: &ResponseMeta, text: &str, url: &str) -> Option<FetchFailure> {
    text.trim().is_empty().then(|| FetchFailure::Network {
        url: url.to_string(),
        http_status: Some(meta.status),
        timeout: false,
        detail: "empty body".into(),
    })
}

/// The refusal a page shows, if its text carries one: captcha, login wall,
/// "too frequent", WAF. `None` when no marker is present.
pub fn refusal_in_page(text: &str, status: u16, url: &str) -> Option<FetchFailure> {
    let lower = text.to_lowercase();
    let http_status = Some(status);
    let title = title_suffix(text);
    let u = url.to_string();
    if contains_any(&lower, CAPTCHA_MARKERS) {
        return Some(FetchFailure::Captcha {
            url: u,
            http_status,
            challenge_url: None,
            detail: format!("verification page{title}"),
        });
    }
    if contains_any(&lower, LOGIN_MARKERS) {
        return Some(FetchFailure::LoginRequired { url: u, http_status, detail: format!("login page{title}") });
    }
    if contains_any(&lower, THROTTLE_MARKERS) {
        return Some(FetchFailure::Throttled {
            url: u,
            http_status,
            retry_after_secs: None,
            detail: format!("\"busy / too frequent\" page{title}"),
        });
    }
    if contains_any(&lower, WAF_MARKERS) {
        return Some(FetchFailure::Blocked {
            url: u,
            http_status,
            detail: format!("access-denied or WAF page{title}"),
        });
    }
    None
}

/// Whether an HTML page is small enough to be an interstitial rather than
/// content: refusal markers are only trusted there (and in the title),
/// because a real homepage mentions 登录 or 验证码 in its own links.
pub fn looks_like_refusal_page(text: &str) -> bool {
    let links = text.matches("<a ").count() + text.matches("<A ").count();
    links < 30 && text.len() < 40_000
}

/// Decodes an XML document: a byte-order mark; the Content-Type charset;
/// the XML declaration's `encoding` (GBK feeds declare it only there);
/// UTF-8 when valid; GB18030 otherwise (Chinese feeds without a
/// declaration are far more often GBK than anything else).
pub fn decode_xml<'a>(body: &'a [u8], content_type: Option<&str>) -> (Cow<'a, str>, &'static Encoding) {
    crate::text::decode_with(body, content_type, |b| xml_decl_encoding(&b[..b.len().min(256)]))
}

fn xml_decl_encoding(head: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(head);
    let decl = head.trim_start().strip_prefix("<?xml")?;
    let decl = &decl[..decl.find("?>")?];
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_declaration_decides_when_the_header_does_not() {
        let (bytes, _, _) =
            encoding_rs::GBK.encode("<?xml version=\"1.0\" encoding=\"GBK\"?><rss><t>汉滨发布</t></rss>");
        let (text, enc) = decode_xml(&bytes, Some("text/xml"));
        assert_eq!(enc, encoding_rs::GBK);
        assert!(text.contains("汉滨发布"));
        // Undeclared non-UTF-8 falls back to GB18030.
        let (text, _) = decode_xml(&bytes[bytes.iter().position(|b| *b == b'>').unwrap() + 1..], None);
        assert!(text.contains("汉滨发布"));
        assert_eq!(decode_xml("<a>中</a>".as_bytes(), Some("application/xml; charset=utf-8")).0, "<a>中</a>");
    }

    #[test]
    fn statuses_and_redirects() {
        let m = |status, location| ResponseMeta { status, content_type: None, location, retry_after_secs: None };
        assert!(classify_status(&m(200, None), "", "u", "feed").is_ok());
        let r = classify_status(&m(412, None), "<script>$_ts=window['$_ts'];</script>", "u", "page").unwrap_err();
        assert!(matches!(r, FetchFailure::Blocked { .. }) && r.to_string().contains("瑞数"), "{r}");
        assert!(matches!(
            classify_status(&m(302, Some("/antispider/?from=%2Fweixin")), "", "u", "page"),
            Err(FetchFailure::Captcha { .. })
        ));
        assert!(matches!(classify_status(&m(404, None), "", "u", "feed"), Err(FetchFailure::ParseError { .. })));
        assert_eq!(
            redirect_target(&m(301, Some("/index.html")), "http://www.example.gov.cn/").as_deref(),
            Some("http://www.example.gov.cn/index.html")
        );
        assert_eq!(redirect_target(&m(302, Some("https://x/login?r=1")), "http://a/"), None);
    }
}
