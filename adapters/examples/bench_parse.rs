//! Parse throughput of the real timeline capture (no criterion; std time).
//! `cargo run --release -p xunjian-adapters --example bench_parse`

use std::time::Instant;
use xunjian_adapters::weibo::parse::{classify_response, parse_timeline};
use xunjian_adapters::weibo::{ResponseMeta, TimelinePage};

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/weibo/m_getIndex_107603_timeline_pinned_retweet.json");
    let body = std::fs::read(path).unwrap();
    let now = chrono::Utc::now();
    let iterations = 2000;
    // Warm up the lazily compiled regexes.
    parse_timeline(&body, "bench", now).unwrap();
    let start = Instant::now();
    let mut posts = 0;
    for _ in 0..iterations {
        if let TimelinePage::Posts(t) = parse_timeline(&body, "bench", now).unwrap() {
            posts += t.posts.len();
        }
    }
    let elapsed = start.elapsed();
    let per = elapsed / iterations;
    let mb_s = (body.len() as f64 * iterations as f64) / elapsed.as_secs_f64() / 1e6;
    println!("timeline parse: {per:?} per page ({} bytes, 10 posts), {mb_s:.1} MB/s, {posts} posts", body.len());

    let start = Instant::now();
    for _ in 0..iterations {
        classify_response(&ResponseMeta::OK, &body, "bench").unwrap();
    }
    println!("classify only (decode + JSON): {:?} per page", start.elapsed() / iterations);
}
