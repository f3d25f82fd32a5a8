//! End-to-end: Debian's Chromium, driven over the DevTools pipe, loads
//! profile pages served on loopback; their own scripts make the XHRs; the
//! captures are read by the platform parsers.
//!
//! These need Chromium (`apt-get install chromium`; `$XUNJIAN_CHROMIUM`
//! overrides the path). Without it they skip, saying so on stderr, unless
//! `XUNJIAN_REQUIRE_BROWSER=1`, when they fail: CI sets that so a missing
//! browser can never pass silently.

mod common;

use common::{Reply, Seen, TestServer};
use std::path::PathBuf;
use std::sync::Arc;
use xunjian_adapters::browser::{BrowserFetcher, CAPTURE_DOCUMENT, CAPTURE_DOM, CAPTURE_XHR, PageRequest};
use xunjian_adapters::config::{BrowserConfig, BrowserSite, HttpPolicy};
use xunjian_adapters::model::{CommentState, OutcomeClass};
use xunjian_adapters::{Adapter, douyin, kuaishou, toutiao};

const SEC: &str = "MS4wLjABAAAAsyntheticGovAccount000000000000000000000000000";

fn fixture(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The Chromium to use, or `None` (skip) when there is none and it is not
/// required.
fn chromium() -> Option<String> {
    let path = std::env::var("XUNJIAN_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string());
    if std::path::Path::new(&path).is_file() {
        return Some(path);
    }
    if std::env::var("XUNJIAN_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("XUNJIAN_REQUIRE_BROWSER=1 but there is no Chromium at {path} (apt-get install chromium)");
    }
    eprintln!(
        "SKIPPED: no Chromium at {path}; install Debian's chromium or set XUNJIAN_REQUIRE_BROWSER=1 to make this a failure"
    );
    None
}

fn browser_cfg(path: &str) -> BrowserConfig {
    BrowserConfig {
        enabled: true,
        chromium_path: path.to_string(),
        launch_timeout_secs: 30,
        page_timeout_secs: 40,
        settle_ms: 700,
        ..BrowserConfig::default()
    }
}

fn site(base: &str, path: &str) -> BrowserSite {
    BrowserSite {
        base_url: base.to_string(),
        profile_path: path.to_string(),
        reuse_secs: 300,
        policy: HttpPolicy {
            requests_per_minute: 600,
            burst: 10,
            jitter_ms: 0,
            max_retries: 0,
            ..HttpPolicy::default()
        },
    }
}

fn routes(req: &Seen) -> Reply {
    let html = |f: &str| Reply::new(200, "text/html; charset=utf-8", fixture(f));
    match req.path.as_str() {
        p if p == format!("/user/{SEC}") => html("douyin/synth/user_page_xhr.html"),
        // The rendered page asked by the account's numeric uid (the page
        // states both its sec_uid and uid).
        "/user/90000000001" => html("douyin/synth/user_page_render_data.html"),
        "/user/captcha" => html("douyin/synth/captcha_middle_page.html"),
        "/aweme/v1/web/user/profile/other/" => Reply::json(fixture("douyin/synth/user_profile_other_gov.json")),
        "/aweme/v1/web/aweme/post/" => Reply::json(fixture("douyin/synth/aweme_post_pinned.json")),
        p if p.starts_with("/c/user/token/") => html("toutiao/synth/profile_page_xhr.html"),
        "/api/pc/list/feed" => Reply::json(fixture("toutiao/synth/pc_list_feed_profile_all.json")),
        "/profile/3xsyntheticgov" => html("kuaishou/synth/profile_page_xhr.html"),
        "/graphql" => {
            let body = String::from_utf8_lossy(&req.body);
            if body.contains("\"visionProfilePhotoList\"") {
                Reply::json(fixture("kuaishou/synth/graphql_vision_profile_photo_list.json"))
            } else {
                Reply::json(fixture("kuaishou/synth/graphql_vision_profile.json"))
            }
        }
        "/favicon.ico" => Reply::new(404, "text/plain", ""),
        _ => Reply::new(404, "text/html", "<title>404</title>"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn douyin_profile_page_is_read_through_chromium() {
    let Some(path) = chromium() else { return };
    let server = TestServer::start(routes).await;
    let fetcher = Arc::new(BrowserFetcher::new(&browser_cfg(&path)).unwrap());
    let client = douyin::DouyinClient::new(fetcher, site(&server.base(), "/user/{platform_id}")).unwrap();
    let reading = client.read(SEC).await.unwrap_or_else(|f| panic!("{f}"));
    let sources: Vec<&str> = reading.captures.iter().map(|c| c.source.as_str()).collect();
    assert_eq!(sources.first(), Some(&CAPTURE_DOCUMENT), "{sources:?}");
    assert_eq!(sources.iter().filter(|s| **s == CAPTURE_XHR).count(), 2, "{sources:?}");
    assert!(sources.contains(&CAPTURE_DOM));
    let profile = reading.value.profile.clone().unwrap();
    assert_eq!(profile.profile.display_name, "示例县发布");
    assert_eq!(profile.profile.verified_entity.as_deref(), Some("示例县人民政府新闻办公室"));
    let t = reading.value.timeline.clone().unwrap();
    assert_eq!(t.posts.len(), 4);
    assert!(t.posts[0].is_pinned);
    assert_eq!(t.posts[2].comment_state, CommentState::Closed);
    // The rendered DOM shows the page's own script ran.
    let dom = reading.captures.iter().find(|c| c.source == CAPTURE_DOM).unwrap();
    assert!(String::from_utf8_lossy(&dom.body).contains("已加载"));
    // The adapter's profile-then-timeline reuses the one page load.
    let pages_before = server.hits(&format!("/user/{SEC}"));
    Adapter::profile(&client, SEC).unwrap().await.unwrap();
    Adapter::timeline(&client, SEC).unwrap().await.unwrap();
    assert_eq!(server.hits(&format!("/user/{SEC}")), pages_before);
    assert!(client.capabilities().supports(xunjian_adapters::Capability::PinnedFlag));
}

/// Writes an executable that sets `prctl(PR_SET_MDWE,
/// PR_MDWE_REFUSE_EXEC_GAIN)` — what the shipped unit's
/// `MemoryDenyWriteExecute=yes` enforces, inherited by every process
/// Chromium starts — and then becomes `chromium`. `None` (skip, said on
/// stderr) when the kernel has no MDWE (before Linux 6.3).
fn mdwe_wrapper(dir: &std::path::Path, chromium: &str) -> Option<PathBuf> {
    let script = format!(
        "#!/usr/bin/env python3\n\
         import ctypes, os, sys\n\
         libc = ctypes.CDLL(None, use_errno=True)\n\
         # PR_SET_MDWE = 65, PR_MDWE_REFUSE_EXEC_GAIN = 1\n\
         if libc.prctl(65, 1, 0, 0, 0) != 0:\n\
         \x20   sys.stderr.write('PR_SET_MDWE: errno %d\\n' % ctypes.get_errno())\n\
         \x20   sys.exit(97)\n\
         os.execv({chromium:?}, [{chromium:?}] + sys.argv[1:])\n"
    );
    let path = dir.join("chromium-mdwe");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Another test's thread may fork (to start Chromium) while the file is
    // still open for writing here: the child holds the descriptor until it
    // execs, and running the file meanwhile fails with ETXTBSY. Wait it out.
    let mut tries = 0;
    let probe = loop {
        match std::process::Command::new(&path).arg("--version").output() {
            Err(e) if e.raw_os_error() == Some(26) && tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => break other.expect("run python3"),
        }
    };
    match probe.status.code() {
        Some(0) => Some(path),
        Some(97) => {
            eprintln!("SKIPPED: this kernel has no PR_SET_MDWE: {}", String::from_utf8_lossy(&probe.stderr).trim());
            None
        }
        _ => panic!("the MDWE wrapper failed: {}", String::from_utf8_lossy(&probe.stderr)),
    }
}

/// Issue 18: under the unit's memory protection V8's JIT cannot reserve its
/// code range and every page load hung until its timeout. Launched with
/// `--js-flags=--jitless`, the page's own scripts run in V8's interpreter
/// and make their XHRs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_is_read_under_memory_deny_write_execute() {
    let Some(path) = chromium() else { return };
    let dir = std::env::temp_dir().join(format!("xunjian-mdwe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let Some(wrapper) = mdwe_wrapper(&dir, &path) else { return };
    let server = TestServer::start(routes).await;
    let fetcher = Arc::new(BrowserFetcher::new(&browser_cfg(wrapper.to_str().unwrap())).unwrap());
    let client = douyin::DouyinClient::new(fetcher, site(&server.base(), "/user/{platform_id}")).unwrap();
    let reading = client.read(SEC).await.unwrap_or_else(|f| panic!("under MDWE: {f}"));
    let sources: Vec<&str> = reading.captures.iter().map(|c| c.source.as_str()).collect();
    assert_eq!(sources.iter().filter(|s| **s == CAPTURE_XHR).count(), 2, "the page's scripts ran: {sources:?}");
    assert_eq!(reading.value.timeline.clone().unwrap().posts.len(), 4);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_rendered_data_and_a_captcha_page_with_200() {
    let Some(path) = chromium() else { return };
    let server = TestServer::start(routes).await;
    let fetcher = Arc::new(BrowserFetcher::new(&browser_cfg(&path)).unwrap());
    let client = douyin::DouyinClient::new(fetcher, site(&server.base(), "/user/{platform_id}")).unwrap();
    let r = client.read("90000000001").await.unwrap_or_else(|f| panic!("{f}"));
    assert_eq!(r.value.timeline.clone().unwrap().posts.len(), 4);
    let f = client.read("captcha").await.unwrap_err();
    assert_eq!(f.class(), OutcomeClass::Captcha, "{f}");
    assert!(!f.captures.is_empty(), "the captcha page is evidence too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn toutiao_and_kuaishou_pages_through_chromium() {
    let Some(path) = chromium() else { return };
    let server = TestServer::start(routes).await;
    let fetcher = Arc::new(BrowserFetcher::new(&browser_cfg(&path)).unwrap());
    let tt =
        toutiao::ToutiaoClient::new(fetcher.clone(), site(&server.base(), "/c/user/token/{platform_id}/")).unwrap();
    let token = "MS4wLjABAAAAsyntheticToutiaoGov000000000000000000000000000";
    let r = tt.read(token).await.unwrap_or_else(|f| panic!("{f}"));
    // The id the answer states (the numeric user_id), not the registry token.
    assert_eq!(r.value.profile.clone().unwrap().profile.platform_id, "60000000001");
    assert_eq!(r.value.timeline.clone().unwrap().posts.len(), 3);
    let ks = kuaishou::KuaishouClient::new(fetcher, site(&server.base(), "/profile/{platform_id}")).unwrap();
    let r = ks.read("3xsyntheticgov").await.unwrap_or_else(|f| panic!("{f}"));
    let p = r.value.profile.clone().unwrap();
    assert_eq!((p.profile.verified, p.profile.followers), (Some(true), Some(52_000)));
    assert_eq!(r.value.timeline.clone().unwrap().posts.len(), 3);
    assert_eq!(server.requests().iter().filter(|q| q.path == "/graphql" && q.method == "POST").count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_cannot_load_is_a_network_failure() {
    let Some(path) = chromium() else { return };
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/user/x", closed.local_addr().unwrap());
    drop(closed);
    let fetcher = BrowserFetcher::new(&browser_cfg(&path)).unwrap();
    let (f, _) = fetcher.load(&PageRequest { url: &url, xhr_patterns: &[] }).await.unwrap_err();
    assert_eq!(f.class(), OutcomeClass::NetworkError, "{f}");
    assert!(f.to_string().contains("ERR_CONNECTION_REFUSED"), "{f}");
}

#[test]
fn a_configured_browser_that_is_not_there_is_a_setup_error() {
    let cfg =
        BrowserConfig { enabled: true, chromium_path: "/nonexistent/chromium".into(), ..BrowserConfig::default() };
    let err = BrowserFetcher::new(&cfg).unwrap_err();
    assert!(err.contains("/nonexistent/chromium") && err.contains("enabled = false"), "{err}");
}
