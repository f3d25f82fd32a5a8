#![no_main]
use libfuzzer_sys::fuzz_target;
use xunjian_adapters::portal::parse::{find_mentions, parse_notice, parse_portal};

fuzz_target!(|data: &[u8]| {
    if let Ok(page) = parse_portal(data, "https://www.example.gov.cn/") {
        let _ = find_mentions(&page, "汉滨发布");
        let _ = xunjian_adapters::portal::resembles(&page, &page);
    }
    let _ = parse_notice(data, "https://www.example.gov.cn/n.html");
});
