#![no_main]
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use xunjian_adapters::weibo::{ResponseMeta, parse, time};

fuzz_target!(|data: &[u8]| {
    let now = Utc.with_ymd_and_hms(2024, 5, 20, 4, 0, 0).unwrap();
    let u = "https://m.weibo.cn/api/container/getIndex";
    let _ = parse::classify_response(&ResponseMeta::OK, data, u);
    let _ = parse::parse_profile(data, u);
    let _ = parse::parse_timeline(data, u, now);
    let _ = parse::parse_status_show(data, u, now);
    let _ = parse::parse_longtext(data, u);
    let _ = parse::parse_user_search(data, u);
    let _ = parse::parse_visitor_response(&ResponseMeta::OK, &[], data, u);
    let s = String::from_utf8_lossy(data);
    let _ = parse::parse_count_str(&s);
    let _ = time::parse_created_at(&s, now);
    if let Ok(serde_json::Value::Object(m)) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = parse::parse_mblog(&m, None, "data", u, now);
    }
});
