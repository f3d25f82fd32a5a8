#![no_main]
use libfuzzer_sys::fuzz_target;
use xunjian_adapters::bilibili::parse;
use xunjian_adapters::weibo::ResponseMeta;

fuzz_target!(|data: &[u8]| {
    let u = "https://api.bilibili.com/x";
    let m = ResponseMeta::OK;
    let _ = parse::classify(&m, data, u);
    let _ = parse::parse_nav(&m, data, u);
    let _ = parse::parse_spi(&m, data, u);
    let _ = parse::parse_acc_info(data, u);
    let _ = parse::parse_master_info(data, u);
    let _ = parse::parse_dynamics(data, u);
    let _ = parse::parse_user_search(data, u);
});
