#![no_main]
use libfuzzer_sys::fuzz_target;
use xunjian_adapters::wechat::{about, article, backend, sogou};
use xunjian_adapters::weibo::ResponseMeta;

fuzz_target!(|data: &[u8]| {
    let u = "https://mp.weixin.qq.com/s/x";
    let _ = article::parse_article(data, u);
    let _ = article::classify_article_response(&ResponseMeta::OK, data, u);
    let s = String::from_utf8_lossy(data);
    let _ = article::script_vars(&s);
    let _ = article::article_dom(&s);
    let _ = sogou::parse_sogou_search(data, u);
    let _ = about::parse_about(data, u);
    let _ = backend::parse_appmsgpublish(data, u);
    let _ = backend::parse_searchbiz(data, u);
});
