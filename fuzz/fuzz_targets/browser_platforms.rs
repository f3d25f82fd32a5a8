#![no_main]
//! Douyin, Toutiao and Kuaishou (read through a browser): the API
//! parsers, the server-rendered blobs, and whole page loads whose
//! document, DOM and XHR answers are all the input.
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use xunjian_adapters::browser::platform::PageParser;
use xunjian_adapters::browser::{CAPTURE_DOCUMENT, CAPTURE_DOM, CAPTURE_XHR, classify_unreadable_page, extract};
use xunjian_adapters::douyin::DouyinParser;
use xunjian_adapters::kuaishou::KuaishouParser;
use xunjian_adapters::model::Capture;
use xunjian_adapters::toutiao::ToutiaoParser;
use xunjian_adapters::{douyin, kuaishou, toutiao};

fn capture(source: &str, url: &str, body: &[u8]) -> Capture {
    Capture {
        url: url.into(),
        http_status: Some(200),
        content_type: Some("text/html".into()),
        fetched_at: Utc.with_ymd_and_hms(2024, 5, 20, 4, 0, 0).unwrap(),
        body: body.to_vec(),
        source: source.into(),
    }
}

fn captures<P: PageParser>(body: &[u8]) -> Vec<Capture> {
    let mut c = vec![capture(CAPTURE_DOCUMENT, "https://example.com/u/1", body), capture(CAPTURE_DOM, "https://example.com/u/1", body)];
    for p in P::XHR_PATTERNS {
        c.push(capture(CAPTURE_XHR, &format!("https://example.com{p}?a=1"), body));
    }
    c
}

fuzz_target!(|data: &[u8]| {
    let u = "https://example.com/u/1";
    let s = String::from_utf8_lossy(data);
    let _ = douyin::parse::parse_profile_api(data, u);
    let _ = douyin::parse::parse_posts_api(data, u);
    let _ = douyin::parse::parse_render_data(&s, u);
    let _ = douyin::parse::parse_page_captures(&captures::<DouyinParser>(data), u);
    let _ = toutiao::parse::parse_feed(data, u);
    let _ = toutiao::parse::parse_page_captures(&captures::<ToutiaoParser>(data), u);
    let _ = kuaishou::parse::parse_answer(data, u);
    let _ = kuaishou::parse::parse_apollo_state(&s);
    let _ = kuaishou::parse::parse_page_captures(&captures::<KuaishouParser>(data), u);
    let page = capture(CAPTURE_DOCUMENT, u, data);
    let _ = classify_unreadable_page(&page, Some(&page), u, "page");
    let _ = extract::render_data(&s);
    let _ = extract::next_data(&s);
    let _ = extract::window_json(&s, "__APOLLO_STATE__");
    let _ = extract::visible_text_len(&s);
});
