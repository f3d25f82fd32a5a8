//! Parse timings of the WeChat, feed and portal parsers on the test
//! fixtures (no criterion; std time). The real 2025 article page is 3.5 MB,
//! of which the fixtures keep excerpts; the "3.5 MB article" line pads the
//! joined excerpts with a body of that size to show the cost of a full page.
//! `cargo run --release -p xunjian-adapters --example bench_parse_wechat`

use std::time::Instant;
use xunjian_adapters::feed::parse::parse_timeline;
use xunjian_adapters::portal::parse::{find_mentions, parse_portal};
use xunjian_adapters::wechat::article::parse_article;
use xunjian_adapters::wechat::sogou::parse_sogou_search;

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn time<T>(label: &str, bytes: usize, iterations: u32, mut f: impl FnMut() -> T) {
    f();
    let start = Instant::now();
    for _ in 0..iterations {
        std::hint::black_box(f());
    }
    let per = start.elapsed() / iterations;
    let mb_s = bytes as f64 / per.as_secs_f64() / 1e6;
    println!("{label:<34} {per:>12.2?} per page ({bytes} bytes, {mb_s:.1} MB/s)");
}

fn main() {
    let mut article = b"<html><body><div id=\"js_article\">".to_vec();
    article.extend(fixture("wechat/article_2025_excerpt_header.html"));
    article.extend(b"</div></div>");
    article.extend(fixture("wechat/article_2025_excerpt_meta_script_block.html"));
    article.extend(b"</body></html>");
    let url = "https://mp.weixin.qq.com/s/tr38EieqyftubIx2FMWUWw";
    time("wechat article (excerpts)", article.len(), 500, || parse_article(&article, url).unwrap());

    let mut big = b"<html><body><div id=\"js_article\">".to_vec();
    big.extend(fixture("wechat/article_2025_excerpt_header.html"));
    big.extend(b"<div id=\"js_content\">");
    while big.len() < 3_500_000 {
        big.extend("<section><p><span style=\"font-size: 15px;\">这里是正文的一段，用来把页面撑到真实文章的大小。</span></p></section>\n".as_bytes());
    }
    big.extend(b"</div></div>");
    big.extend(fixture("wechat/article_2025_excerpt_meta_script_block.html"));
    big.extend(b"</body></html>");
    time("wechat article (3.5 MB padded)", big.len(), 10, || parse_article(&big, url).unwrap());

    let deleted = fixture("wechat/article_deleted_by_author.html");
    time("wechat deleted page", deleted.len(), 500, || parse_article(&deleted, url).unwrap_err());

    let sogou = fixture("wechat/sogou_weixin_search_type1_accounts_2017.html");
    time("sogou search (10 accounts)", sogou.len(), 500, || parse_sogou_search(&sogou, "u").unwrap());

    let rss = fixture("feed/synth/rsshub_wechat_rss2.xml");
    let now = chrono::Utc::now();
    time("RSS 2.0 feed (3 items)", rss.len(), 5000, || parse_timeline(&rss, "u", now).unwrap());

    let home = fixture("portal/synth/home_gbk_with_notice.html");
    time("portal homepage (GBK) + mentions", home.len(), 2000, || {
        let page = parse_portal(&home, "http://www.ankang.example.gov.cn/").unwrap();
        find_mentions(&page, "汉滨发布")
    });
    // A large homepage: the same blocks repeated to ~300 KB (hundreds of links).
    let text = String::from_utf8(fixture("portal/synth/home_utf8_without_notice.html")).unwrap();
    let (head, rest) = text.split_at(text.find("<div class=\"main\">").unwrap());
    let (main, tail) = rest.split_at(rest.find("<div class=\"yqlj\">").unwrap());
    let mut large = head.to_string();
    while large.len() < 300_000 {
        large.push_str(main);
    }
    large.push_str(tail);
    time("portal homepage (300 KB)", large.len(), 50, || parse_portal(large.as_bytes(), "http://a/").unwrap());
}
