#![no_main]
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use xunjian_adapters::feed::{parse, response};
use xunjian_adapters::weibo::ResponseMeta;

fuzz_target!(|data: &[u8]| {
    let now = Utc.with_ymd_and_hms(2024, 5, 20, 4, 0, 0).unwrap();
    let u = "https://rsshub.example/x";
    let _ = parse::parse_feed(data, u);
    let _ = parse::parse_timeline(data, u, now);
    let s = String::from_utf8_lossy(data);
    let _ = parse::parse_feed_time(&s);
    for status in [200, 403, 404, 503] {
        let meta = ResponseMeta { status, ..ResponseMeta::OK };
        let _ = parse::parse_feed_response(&meta, data, u);
        let _ = response::classify_status(&meta, &s, u, "feed");
    }
});
