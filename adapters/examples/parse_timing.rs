//! Rough parse timings on the real Bilibili captures and the synthesized
//! Douyin page: `cargo run --release -p xunjian-adapters --example parse_timing`.
//! A measurement for people, not a test.

use std::time::Instant;

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let cases: [(&str, &str); 3] = [
        ("bilibili/x_polymer_web-dynamic_feed_space_pinned_forward.json", "bilibili dynamics (185 KB)"),
        ("bilibili/x_polymer_web-dynamic_feed_space_opus_2025.json", "bilibili dynamics 2025 (28 KB)"),
        ("douyin/synth/user_page_render_data.html", "douyin RENDER_DATA page"),
    ];
    for (file, name) in cases {
        let body = std::fs::read(dir.join(file)).unwrap();
        let n = 200;
        let start = Instant::now();
        for _ in 0..n {
            if file.starts_with("bilibili") {
                xunjian_adapters::bilibili::parse::parse_dynamics(&body, "u").unwrap();
            } else {
                let c = xunjian_adapters::model::Capture {
                    url: "u".into(),
                    http_status: Some(200),
                    content_type: None,
                    fetched_at: chrono::Utc::now(),
                    body: body.clone(),
                    source: xunjian_adapters::browser::CAPTURE_DOCUMENT.into(),
                };
                xunjian_adapters::douyin::parse::parse_page_captures(&[c], "u").unwrap();
            }
        }
        println!("{name}: {:.3} ms per parse", start.elapsed().as_secs_f64() * 1000.0 / n as f64);
    }
}
