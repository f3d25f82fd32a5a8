//! Faults on every WeChat parser (article page, Sogou search, backend list)
//! and on the feed and portal parsers: each is classified, kept as "could
//! not check", and never parsed as data.

mod support;

use chrono::Utc;
use support::{feed, portal, wechat};
use xunjian_adapters::feed::parse::parse_feed_response;
use xunjian_adapters::model::OutcomeClass;
use xunjian_adapters::portal::parse::parse_portal_response;
use xunjian_adapters::wechat::article::classify_article_response;
use xunjian_adapters::wechat::backend::parse_appmsgpublish_response;
use xunjian_adapters::wechat::sogou::parse_sogou_search_response;
use xunjian_adapters::weibo::ResponseMeta;

struct Fault {
    name: &'static str,
    status: u16,
    content_type: Option<&'static str>,
    location: Option<&'static str>,
    retry_after: Option<u64>,
    body: Vec<u8>,
    expect: OutcomeClass,
}

fn fault(name: &'static str, status: u16, body: Vec<u8>, expect: OutcomeClass) -> Fault {
    Fault {
        name,
        status,
        content_type: Some("text/html; charset=utf-8"),
        location: None,
        retry_after: None,
        body,
        expect,
    }
}

fn meta(f: &Fault) -> ResponseMeta<'_> {
    ResponseMeta {
        status: f.status,
        content_type: f.content_type,
        location: f.location,
        retry_after_secs: f.retry_after,
    }
}

/// Faults every document parser must classify the same way.
fn common_faults() -> Vec<Fault> {
    vec![
        fault("captcha page with 200", 200, b"<html><head><title>\xe5\xae\x89\xe5\x85\xa8\xe9\xaa\x8c\xe8\xaf\x81</title></head><body><img id=\"seccodeImage\" src=\"/c\"><input id=\"seccodeInput\"> \xe8\xaf\xb7\xe8\xbe\x93\xe5\x85\xa5\xe9\xaa\x8c\xe8\xaf\x81\xe7\xa0\x81</body></html>".to_vec(), OutcomeClass::Captcha),
        fault("HTTP 403", 403, portal("synth/http_403_forbidden.html"), OutcomeClass::Blocked),
        fault("HTTP 412 JS challenge", 412, portal("synth/waf_ruishu_challenge_412.html"), OutcomeClass::Blocked),
        fault("HTTP 418", 418, Vec::new(), OutcomeClass::Blocked),
        Fault { retry_after: Some(60), ..fault("HTTP 429", 429, Vec::new(), OutcomeClass::Throttled) },
        fault("HTTP 500", 500, b"<html><title>500</title></html>".to_vec(), OutcomeClass::NetworkError),
        fault("empty body", 200, Vec::new(), OutcomeClass::NetworkError),
        fault("whitespace body", 200, b"  \r\n".to_vec(), OutcomeClass::NetworkError),
        Fault {
            location: Some("https://mp.weixin.qq.com/mp/wappoc_appmsgcaptcha?poc_token=x&target_url=y"),
            ..fault("redirect to a captcha", 302, Vec::new(), OutcomeClass::Captcha)
        },
        Fault {
            location: Some("/antispider/?from=%2Fweixin%3Ftype%3D1%26query%3Dx"),
            ..fault("redirect to Sogou's anti-spider page", 302, Vec::new(), OutcomeClass::Captcha)
        },
        fault("WAF page with 200", 200, portal("synth/waf_chuangyu_block_200.html"), OutcomeClass::Blocked),
    ]
}

#[test]
fn every_document_parser_classifies_common_faults_and_never_returns_data() {
    let now = Utc::now();
    for f in common_faults() {
        let url = "http://t/x";
        let m = meta(&f);
        let results = [
            ("article", classify_article_response(&m, &f.body, url).map(|_| ()).err()),
            ("sogou", parse_sogou_search_response(&m, &f.body, url).map(|_| ()).err()),
            ("feed", parse_feed_response(&m, &f.body, url).map(|_| ()).err()),
            ("portal", parse_portal_response(&m, &f.body, url).map(|_| ()).err()),
        ];
        for (parser, err) in results {
            let err = err.unwrap_or_else(|| panic!("{}: the {parser} parser accepted a fault", f.name));
            assert_eq!(err.class(), f.expect, "{} via {parser}: {err}", f.name);
            assert!(!err.class().is_platform_answer(), "{}: a fault must be 'could not check'", f.name);
            assert_eq!(err.url(), url);
        }
        // The backend: a redirect means the session is gone; the rest as above.
        let backend = parse_appmsgpublish_response(&m, &f.body, url).unwrap_err();
        let expect = if (300..400).contains(&f.status) { OutcomeClass::LoginRequired } else { f.expect };
        assert_eq!(backend.class(), expect, "{} via backend: {backend}", f.name);
        let _ = now;
    }
}

#[test]
fn wechat_specific_faults() {
    let ok = ResponseMeta::OK;
    // The real anti-spider page, served with 200 (its usual status).
    let antispider = wechat("sogou_weixin_antispider_page_2017.html");
    assert_eq!(parse_sogou_search_response(&ok, &antispider, "u").unwrap_err().class(), OutcomeClass::Captcha);
    // ... and as an article answer it is not an article either.
    assert_eq!(classify_article_response(&ok, &antispider, "u").unwrap_err().class(), OutcomeClass::Captcha);
    // A Sogou page of another shape is not "no results".
    let other = b"<html><head><title>\xe6\x90\x9c\xe7\x8b\x97</title></head><body><div id=\"main\">new layout</div></body></html>";
    assert_eq!(parse_sogou_search_response(&ok, other, "u").unwrap_err().class(), OutcomeClass::ParseError);
    // Truncated and invalid backend JSON.
    let real = wechat("synth/mp_appmsgpublish_ok.json");
    assert_eq!(
        parse_appmsgpublish_response(&ok, &real[..real.len() / 2], "u").unwrap_err().class(),
        OutcomeClass::NetworkError
    );
    assert_eq!(
        parse_appmsgpublish_response(&ok, b"{\"base_resp\":{\"ret\":0},}", "u").unwrap_err().class(),
        OutcomeClass::ParseError
    );
    // An unknown ret is not guessed at; a JSON of another shape neither.
    assert_eq!(
        parse_appmsgpublish_response(&ok, br#"{"base_resp":{"ret":200040,"err_msg":"x"}}"#, "u").unwrap_err().class(),
        OutcomeClass::ParseError
    );
    assert_eq!(parse_appmsgpublish_response(&ok, br#"{"ok":1}"#, "u").unwrap_err().class(), OutcomeClass::ParseError);
    // The backend's login page instead of JSON.
    let login = "<html><head><title>微信公众平台</title></head><body>请使用微信扫描二维码登录</body></html>";
    assert_eq!(
        parse_appmsgpublish_response(&ok, login.as_bytes(), "u").unwrap_err().class(),
        OutcomeClass::LoginRequired
    );
    // A random page on an article URL is not an article.
    assert_eq!(
        classify_article_response(&ok, b"<html><title>hello</title><body>hi</body></html>", "u").unwrap_err().class(),
        OutcomeClass::ParseError
    );
}

#[test]
fn feed_specific_faults() {
    let ok = ResponseMeta::OK;
    let classify = |body: &[u8]| parse_feed_response(&ok, body, "u").unwrap_err();
    // The feed service's own error page with 200: by what it says.
    let e = classify(&feed("synth/rsshub_error_page_upstream_403.html"));
    assert_eq!(e.class(), OutcomeClass::Blocked, "{e}");
    assert!(e.to_string().contains("403 Forbidden"), "{e}");
    assert_eq!(classify(&feed("synth/rsshub_error_page_timeout.html")).class(), OutcomeClass::NetworkError);
    assert_eq!(classify(&feed("synth/feed_service_login_page_200.html")).class(), OutcomeClass::LoginRequired);
    let rss = feed("synth/rsshub_wechat_rss2.xml");
    let cut = classify(&rss[..rss.len() * 2 / 3]);
    assert_eq!(cut.class(), OutcomeClass::NetworkError, "{cut}");
    assert!(cut.to_string().contains("truncated"), "{cut}");
    // Cut inside a tag.
    let at = std::str::from_utf8(&rss).unwrap().find("<pubDate>").unwrap() + 3;
    assert_eq!(classify(&rss[..at]).class(), OutcomeClass::NetworkError);
    let json = feed("synth/rsshub_toutiao_jsonfeed.json");
    assert_eq!(classify(&json[..json.len() / 2]).class(), OutcomeClass::NetworkError);
    assert_eq!(classify(&feed("synth/xml_not_a_feed.xml")).class(), OutcomeClass::ParseError);
    assert_eq!(classify(br#"{"ok":1,"data":[]}"#).class(), OutcomeClass::ParseError);
    assert_eq!(classify(b"<rss><channel><item></channel></rss>").class(), OutcomeClass::ParseError);
    let not_found =
        ResponseMeta { status: 404, content_type: Some("text/html"), location: None, retry_after_secs: None };
    assert_eq!(
        parse_feed_response(&not_found, b"<h1>Not Found</h1>", "u").unwrap_err().class(),
        OutcomeClass::ParseError
    );
}

#[test]
fn portal_specific_faults() {
    let ok = ResponseMeta::OK;
    // A page without any link (a JavaScript-built page) is not understood.
    let js_only = b"<html><head><title>x</title></head><body><div id=\"app\"></div><script src=\"/app.js\"></script></body></html>";
    assert_eq!(parse_portal_response(&ok, js_only, "http://a/").unwrap_err().class(), OutcomeClass::ParseError);
    // The 412 JS challenge is also served with 200 by some sites.
    assert_eq!(
        parse_portal_response(&ok, &portal("synth/waf_ruishu_challenge_412.html"), "http://a/").unwrap_err().class(),
        OutcomeClass::Blocked
    );
    // A real homepage mentions 登录 and 验证码 in its own links: still a page.
    let page = parse_portal_response(&ok, &portal("synth/home_utf8_without_notice.html"), "http://a/").unwrap();
    assert!(page.items.iter().any(|i| i.title == "用户登录"));
}
