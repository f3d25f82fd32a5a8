#![no_main]
use libfuzzer_sys::fuzz_target;
use xunjian_adapters::text;

fuzz_target!(|data: &[u8]| {
    let _ = text::decode_body(data, None);
    let _ = text::decode_body(data, Some("text/html; charset=gbk"));
    let s = String::from_utf8_lossy(data);
    let _ = text::html_title(&s);
    let _ = text::html_to_text(&s);
});
