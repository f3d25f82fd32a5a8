//! The answers a fault replaces a response with, per surface: the
//! platform's own captcha / anti-spider / WAF page, its login wall, and
//! nginx-style refusals.
//!
//! | surface | captcha (HTTP 200) | login wall |
//! |---|---|---|
//! | weibo | `synth/captcha_page_200.html` (geetest 安全验证) | 302 to `passport.weibo.cn/signin/welcome` |
//! | wechat | Sogou: the real anti-spider page (2017); articles: `synth/article_waf_environment_abnormal.html` (环境异常) | Sogou: 302 to `account.sogou.com/connect/login`; articles: 302 to the mp `loginpage` |
//! | feed | RSSHub's error page naming the upstream's verification | `synth/feed_service_login_page_200.html` (we-mp-rss 登录超时) |
//! | portal | `synth/waf_chuangyu_block_200.html` (创宇盾) | 302 to the site's `/cas/login` |
//! | bilibili | `code -352` 风控校验失败, every other one `code -412` 请求被拦截 | `code -101` 账号未登录 |
//!
//! HTTP 403 is the nginx page `synth/http_403_forbidden.html`, 432 Weibo's
//! `synth/http_432_body.html`, 418 and 429 nginx pages of the same shape
//! (429 with `Retry-After: 1`).

use crate::faults::{FaultKind, Surface};
use crate::fixtures as fx;
use crate::http::{Request, Response};

fn nginx(status: u16, text: &str) -> String {
    format!(
        "<html>\r\n<head><title>{status} {text}</title></head>\r\n<body>\r\n<center><h1>{status} {text}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The replacement answer for a fault of `kind` (the kinds that replace
/// the answer; the others are applied by the server).
pub fn page(surface: Surface, kind: FaultKind, req: &Request, base: &str, seq: u64) -> Response {
    let here = format!("{base}{}", req.target);
    match kind {
        FaultKind::Http403 => Response::new(403, "text/html", fx::NGINX_403),
        FaultKind::Http418 => Response::new(418, "text/html", nginx(418, "I'm a teapot")),
        FaultKind::Http429 => {
            Response::new(429, "text/html", nginx(429, "Too Many Requests")).with_header("Retry-After", "1")
        }
        FaultKind::Http432 => Response::new(432, "text/html", fx::WEIBO_432),
        FaultKind::Minus100 => Response::json(fx::WEIBO_MINUS_100),
        FaultKind::Captcha => match surface {
            Surface::Weibo => Response::html(fx::WEIBO_CAPTCHA_PAGE),
            Surface::Wechat if req.path == "/weixin" => Response::html(fx::SOGOU_ANTISPIDER),
            Surface::Wechat => Response::html(fx::WECHAT_WAF),
            Surface::Feed => Response::html(crate::feed::rsshub_error(
                "FetchError: the upstream answered a verification page: 当前环境异常，完成验证后即可继续访问 (captcha)",
                &req.path,
            )),
            Surface::Portal => Response::html(fx::PORTAL_WAF_CHUANGYU),
            Surface::Bilibili if seq.is_multiple_of(2) => Response::json(fx::BILI_RISK_352),
            Surface::Bilibili => Response::json(fx::BILI_INTERCEPTED_412),
        },
        FaultKind::Login => match surface {
            Surface::Weibo => Response::redirect(
                302,
                &format!("https://passport.weibo.cn/signin/welcome?entry=mweibo&r={}", enc(&here)),
            ),
            Surface::Wechat if req.path == "/weixin" => Response::redirect(
                302,
                &format!("https://account.sogou.com/connect/login?provider=weixin&client_id=2017&ru={}", enc(&here)),
            ),
            Surface::Wechat => {
                Response::redirect(302, "https://mp.weixin.qq.com/cgi-bin/loginpage?t=wxm2-login&lang=zh_CN")
            }
            Surface::Feed => Response::html(fx::FEED_LOGIN_PAGE),
            Surface::Portal => Response::redirect(302, &format!("/cas/login?service={}", enc(&here))),
            Surface::Bilibili => Response::json(r#"{"code":-101,"message":"账号未登录","ttl":1}"#),
        },
        // Applied by the server, not a replacement page.
        FaultKind::Truncated
        | FaultKind::Empty
        | FaultKind::Stale
        | FaultKind::Slow
        | FaultKind::Timeout
        | FaultKind::Reset => Response::not_found(),
    }
}
