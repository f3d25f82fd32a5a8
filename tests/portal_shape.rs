//! A portal answer must look like the homepage read last time (law 1): a
//! page of another title served at the homepage's URL with status 200 is
//! "could not check", never a homepage without the notice — until the same
//! new page has been read three times over a day or more, which is a
//! redesign.

use chrono::{DateTime, TimeDelta, Utc};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use xunjian::clock::ManualClock;
use xunjian::poll::read_portal;
use xunjian::store::{Store, StoreOptions};
use xunjian_adapters::{HttpPolicy, PortalConfig};
use xunjian_adapters::model::{OutcomeClass, Platform};
use xunjian_adapters::portal::PortalClient;

/// Serves whatever `page` holds, to every request, with status 200.
fn serve(page: Arc<Mutex<Vec<u8>>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let body = page.lock().unwrap().clone();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&body);
        }
    });
    format!("http://{addr}/")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/adapters/tests/fixtures/portal/synth/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[tokio::test]
async fn a_page_unlike_the_last_homepage_is_could_not_check_until_it_stays() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("x.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    let home = fixture("home_gbk_with_notice.html");
    // Another page of the site: a column page, its own title, no notice.
    let column = String::from_utf8(fixture("home_utf8_without_notice.html"))
        .unwrap()
        .replace("<title>安康市人民政府</title>", "<title>政务公开专栏</title>")
        .into_bytes();
    let page = Arc::new(Mutex::new(home.clone()));
    let site = serve(page.clone());
    let cfg = PortalConfig {
        policy: HttpPolicy { requests_per_minute: 60_000, burst: 1000, jitter_ms: 0, ..HttpPolicy::default() },
        max_notice_fetches: 0,
        ..PortalConfig::default()
    };
    let client = PortalClient::new(&cfg, Platform::Weibo).unwrap();
    let t0: DateTime<Utc> = "2026-08-03T02:00:00Z".parse().unwrap();
    let clock = ManualClock::new(t0);
    let read = |hours: i64, body: &Vec<u8>| {
        *page.lock().unwrap() = body.clone();
        clock.set(t0 + TimeDelta::hours(hours));
        async { read_portal(&store, &client, &site, Platform::Weibo, &clock).await.unwrap() }
    };

    assert_eq!(read(0, &home).await.outcome, Some(OutcomeClass::Ok));
    let r = read(1, &column).await;
    assert_eq!(r.outcome, Some(OutcomeClass::ParseError));
    let o = store.get_observation(r.observation_ids[0]).await.unwrap().unwrap();
    let detail = o.detail.unwrap_or_default();
    assert!(detail.contains("not the homepage read last time") && detail.contains("政务公开专栏"), "{detail}");
    assert!(o.shape.is_some(), "the page served in the homepage's place keeps its shape");
    // The homepage again: compared with the last good read, not with the
    // page in between.
    assert_eq!(read(2, &home).await.outcome, Some(OutcomeClass::Ok));
    // The new page stays: could not check for its first three reads
    // (twelve hours apart), then taken as the homepage redesigned.
    for h in [3, 15, 27] {
        assert_eq!(read(h, &column).await.outcome, Some(OutcomeClass::ParseError), "read at +{h} h");
    }
    assert_eq!(read(39, &column).await.outcome, Some(OutcomeClass::Ok), "three reads over 24 h: a redesign");
    // Three reads within less than a day are not enough.
    assert_eq!(read(40, &home).await.outcome, Some(OutcomeClass::ParseError));
    assert_eq!(read(41, &home).await.outcome, Some(OutcomeClass::ParseError));
    assert_eq!(read(42, &home).await.outcome, Some(OutcomeClass::ParseError));
    assert_eq!(read(43, &home).await.outcome, Some(OutcomeClass::ParseError), "three earlier reads, but over 3 h");
    store.close().await;
}
