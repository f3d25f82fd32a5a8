//! Helpers for the daemon tests: a loopback Weibo that serves fixture-shaped
//! answers following a simulated clock, the `xunjian run` process with its
//! log captured, plain HTTP GETs, and a fresh PostgreSQL database.
//!
//! Include with `#[path = "common/daemon.rs"] mod daemon_common;`.
#![allow(dead_code)]

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The simulated clock shared by the daemons and the server: START at the
/// real instant ANCHOR, SPEED times real time (as `XUNJIAN_CLOCK_*`).
#[derive(Debug, Clone, Copy)]
pub struct SimClock {
    pub start: DateTime<Utc>,
    pub anchor_ms: u64,
    pub speed: f64,
}

impl SimClock {
    /// Starts `lead` from now (real), so every process sees the same start.
    pub fn new(start: DateTime<Utc>, speed: f64, lead: Duration) -> Self {
        let anchor_ms = (SystemTime::now() + lead).duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        SimClock { start, anchor_ms, speed }
    }

    pub fn now(&self) -> DateTime<Utc> {
        let real_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64 - self.anchor_ms as i64;
        self.start + TimeDelta::milliseconds((real_ms.max(0) as f64 * self.speed) as i64)
    }

    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("XUNJIAN_CLOCK_START".into(), self.start.to_rfc3339()),
            ("XUNJIAN_CLOCK_SPEED".into(), self.speed.to_string()),
            ("XUNJIAN_CLOCK_ANCHOR_MS".into(), self.anchor_ms.to_string()),
        ]
    }

    /// Real time until the simulated clock reads `t`.
    pub fn real_until(&self, t: DateTime<Utc>) -> Duration {
        let sim = (t - self.now()).num_milliseconds().max(0) as f64;
        Duration::from_millis((sim / self.speed) as u64)
    }
}

/// One post on the simulated Weibo.
#[derive(Debug, Clone)]
pub struct SimPost {
    pub id: String,
    pub at: DateTime<Utc>,
    pub text: String,
    /// A repost of (post id, author uid, author name, time).
    pub repost_of: Option<(String, String, String, DateTime<Utc>)>,
}

/// One account on the simulated Weibo.
#[derive(Debug, Clone)]
pub struct SimAccount {
    pub uid: String,
    pub name: String,
    pub posts: Vec<SimPost>,
}

fn fixture(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("adapters/tests/fixtures/weibo").join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn weibo_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap()).format("%a %b %d %H:%M:%S %z %Y").to_string()
}

fn user_json(uid: &str, name: &str) -> serde_json::Value {
    serde_json::json!({
        "id": uid.parse::<i64>().unwrap(), "screen_name": name, "verified": true, "verified_type": 1,
        "verified_reason": format!("{name}官方微博"), "followers_count": "1.2万", "statuses_count": 100,
        "description": name,
    })
}

/// The loopback Weibo. Profiles follow the recorded fixture
/// `synth/profile_gov_account.json` with the account's id and name; a
/// timeline shows the account's posts published by the simulated "now";
/// searches answer with `synth/search_users_result.json`; the visitor
/// endpoint with `synth/genvisitor2_response.js`.
pub struct WeiboSim {
    pub addr: SocketAddr,
    blocked: Arc<std::sync::atomic::AtomicBool>,
    hits: Arc<Mutex<BTreeMap<String, usize>>>,
    /// Requests by the client's address (one per egress route on loopback).
    peers: Arc<Mutex<BTreeMap<std::net::IpAddr, usize>>>,
    /// Accounts deleted on the platform, from a simulated time on.
    gone: Arc<Mutex<BTreeMap<String, DateTime<Utc>>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl WeiboSim {
    pub fn start(clock: SimClock, accounts: Vec<SimAccount>) -> WeiboSim {
        Self::start_with_delay(clock, accounts, Duration::ZERO)
    }

    /// As [`WeiboSim::start`], each answer held back `delay` (real time), as
    /// a distant server would: checks then hold their leases that long.
    pub fn start_with_delay(clock: SimClock, accounts: Vec<SimAccount>, delay: Duration) -> WeiboSim {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let hits = Arc::new(Mutex::new(BTreeMap::new()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let blocked = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let accounts = Arc::new(accounts);
        let peers = Arc::new(Mutex::new(BTreeMap::new()));
        let gone = Arc::new(Mutex::new(BTreeMap::new()));
        let (h, s, b, pe, g) = (hits.clone(), stop.clone(), blocked.clone(), peers.clone(), gone.clone());
        std::thread::spawn(move || {
            while !s.load(std::sync::atomic::Ordering::Relaxed) {
                match listener.accept() {
                    Ok((sock, peer)) => {
                        *pe.lock().unwrap().entry(peer.ip()).or_default() += 1;
                        let (h, accounts, b, g) = (h.clone(), accounts.clone(), b.clone(), g.clone());
                        std::thread::spawn(move || {
                            std::thread::sleep(delay);
                            let blocked = b.load(std::sync::atomic::Ordering::Relaxed);
                            let gone = g.lock().unwrap().clone();
                            let _ = serve_one(sock, &clock, &accounts, &h, blocked, &gone);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        WeiboSim { addr, blocked, hits, peers, gone, stop }
    }

    /// From the simulated time `at` on, the account `uid` is deleted: its
    /// profile and timeline answer with Weibo's structured "user does not
    /// exist" (`errno 20003`, `synth/ok0_user_does_not_exist_errno.json`).
    pub fn delete_at(&self, uid: &str, at: DateTime<Utc>) {
        self.gone.lock().unwrap().insert(uid.to_string(), at);
    }

    /// From now on every request is refused with HTTP 403 and an nginx
    /// page (`synth/http_403_forbidden.html`), as a platform blocking us.
    pub fn block(&self) {
        self.blocked.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests served, by kind (`visitor`, `profile:UID`, `timeline:UID`, `search`, `other`).
    pub fn hits(&self) -> BTreeMap<String, usize> {
        self.hits.lock().unwrap().clone()
    }

    /// Connections by client address.
    pub fn peers(&self) -> BTreeMap<std::net::IpAddr, usize> {
        self.peers.lock().unwrap().clone()
    }

    pub fn total(&self) -> usize {
        self.hits().values().sum()
    }
}

impl Drop for WeiboSim {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

fn serve_one(
    mut sock: std::net::TcpStream,
    clock: &SimClock,
    accounts: &[SimAccount],
    hits: &Mutex<BTreeMap<String, usize>>,
    blocked: bool,
    gone: &BTreeMap<String, DateTime<Utc>>,
) -> std::io::Result<()> {
    sock.set_nonblocking(false)?;
    sock.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = sock.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let len: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
        .unwrap_or(0);
    let mut body_len = buf.len() - head_end - 4;
    while body_len < len {
        let n = sock.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        body_len += n;
    }
    let target = head.lines().next().unwrap_or_default().split_whitespace().nth(1).unwrap_or("/").to_string();
    let url = url::Url::parse(&format!("http://x{target}")).unwrap();
    let param = |k: &str| url.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
    let now = clock.now();
    let is_gone = |uid: &str| gone.get(uid).is_some_and(|at| *at <= now);
    let uid_asked = param("value")
        .filter(|_| param("type").as_deref() == Some("uid"))
        .or_else(|| param("containerid").and_then(|c| c.strip_prefix("107603").map(str::to_string)));
    let (key, status, ctype, body, extra): (String, u16, &str, Vec<u8>, Vec<String>) = match url.path() {
        _ if blocked => ("blocked".into(), 403, "text/html", fixture("synth/http_403_forbidden.html"), vec![]),
        "/api/container/getIndex" if uid_asked.as_deref().is_some_and(is_gone) => (
            format!("gone:{}", uid_asked.unwrap_or_default()),
            200,
            "application/json",
            fixture("synth/ok0_user_does_not_exist_errno.json"),
            vec![],
        ),
        "/visitor/genvisitor2" => (
            "visitor".into(),
            200,
            "application/javascript",
            fixture("synth/genvisitor2_response.js"),
            vec![
                "Set-Cookie: SUB=visitor-sim; path=/; domain=.weibo.com; httponly".into(),
                "Set-Cookie: SUBP=0033WrSXqPxfM72-synthetic; path=/; domain=.weibo.com".into(),
            ],
        ),
        "/api/container/getIndex" => {
            if let (Some("uid"), Some(uid)) = (param("type").as_deref(), param("value")) {
                match accounts.iter().find(|a| a.uid == uid) {
                    Some(a) => {
                        let mut v: serde_json::Value =
                            serde_json::from_slice(&fixture("synth/profile_gov_account.json")).unwrap();
                        v["data"]["userInfo"] = user_json(&a.uid, &a.name);
                        v["data"]["userInfo"]["statuses_count"] = a.posts.iter().filter(|p| p.at <= now).count().into();
                        v["data"]["tabsInfo"]["tabs"][0]["containerid"] = format!("107603{}", a.uid).into();
                        (format!("profile:{uid}"), 200, "application/json", v.to_string().into_bytes(), vec![])
                    }
                    None => (
                        format!("profile:{uid}"),
                        200,
                        "application/json",
                        fixture("m_getIndex_error_no_content.json"),
                        vec![],
                    ),
                }
            } else if let Some(cid) = param("containerid") {
                if cid.starts_with("100103") {
                    ("search".into(), 200, "application/json", fixture("synth/search_users_result.json"), vec![])
                } else {
                    let uid = cid.trim_start_matches("107603").to_string();
                    let a = accounts.iter().find(|a| a.uid == uid);
                    let cards: Vec<serde_json::Value> = a
                        .map(|a| {
                            let mut posts: Vec<&SimPost> = a.posts.iter().filter(|p| p.at <= now).collect();
                            posts.sort_by_key(|p| std::cmp::Reverse(p.at));
                            posts
                                .into_iter()
                                .map(|p| {
                                    let mut m = serde_json::json!({
                                        "created_at": weibo_time(p.at), "id": p.id, "mid": p.id,
                                        "bid": format!("B{}", p.id), "text": p.text, "user": user_json(&a.uid, &a.name),
                                        "reposts_count": 0, "comments_count": 0, "attitudes_count": 1,
                                        "isLongText": false, "mblogtype": 0,
                                    });
                                    if let Some((sid, suid, sname, sat)) = &p.repost_of {
                                        m["retweeted_status"] = serde_json::json!({
                                            "created_at": weibo_time(*sat), "id": sid, "mid": sid, "bid": format!("B{sid}"),
                                            "text": "源信息", "user": user_json(suid, sname),
                                        });
                                    }
                                    serde_json::json!({"card_type": 9, "mblog": m})
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let body = if cards.is_empty() {
                        fixture("m_getIndex_error_no_content.json")
                    } else {
                        serde_json::json!({"ok": 1, "data": {"cardlistInfo": {"containerid": cid, "total": cards.len()}, "cards": cards}})
                            .to_string()
                            .into_bytes()
                    };
                    (format!("timeline:{uid}"), 200, "application/json", body, vec![])
                }
            } else {
                ("other".into(), 404, "text/html", b"<title>404</title>".to_vec(), vec![])
            }
        }
        _ => ("other".into(), 404, "text/html", b"<title>404</title>".to_vec(), vec![]),
    };
    *hits.lock().unwrap().entry(key).or_default() += 1;
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for h in extra {
        head.push_str(&h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    sock.write_all(head.as_bytes())?;
    sock.write_all(&body)?;
    Ok(())
}

/// The `[platforms.weibo]` tables pointing at `base`, polite enough to be
/// honest and fast enough for a test.
pub fn weibo_config(base: &str) -> String {
    weibo_config_with(base, 1000)
}

/// [`weibo_config`] with the circuit breaker opening after `breaker_threshold` refusals.
pub fn weibo_config_with(base: &str, breaker_threshold: u32) -> String {
    format!(
        "[platforms.weibo]\nm_base_url = \"{base}\"\nvisitor_url = \"{base}/visitor/genvisitor2\"\n\
         max_detail_fetches = 0\ncookie_renewal_cooldown_secs = 0\n\
         [platforms.weibo.policy]\nrequests_per_minute = 60000\nburst = 1000\njitter_ms = 0\ntimeout_secs = 5\n\
         max_retries = 1\nbackoff_base_ms = 5\nbackoff_max_ms = 100\nbreaker_threshold = {breaker_threshold}\n\
         breaker_cooldown_secs = 3600\n"
    )
}

/// A running `xunjian run` with its log (stderr and stdout) collected.
pub struct DaemonProc {
    pub child: Child,
    pub log: Arc<Mutex<Vec<String>>>,
    pub name: String,
}

impl DaemonProc {
    pub fn spawn(name: &str, config: &Path, env: &[(String, String)]) -> DaemonProc {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xunjian"));
        cmd.arg("--config").arg(config).arg("run");
        cmd.env_remove("RUST_LOG").env_remove("XUNJIAN_DATABASE_URL").env_remove("NOTIFY_SOCKET");
        // Plain text logs, whatever the terminal.
        cmd.env("NO_COLOR", "1");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(Stdio::null());
        let mut child = cmd.spawn().expect("start xunjian run");
        let log = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            Box::new(child.stderr.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
        ] {
            let log = log.clone();
            let name = name.to_string();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let line = strip_ansi(&line);
                    if std::env::var_os("XUNJIAN_TEST_SHOW_LOGS").is_some() {
                        eprintln!("[{name}] {line}");
                    }
                    log.lock().unwrap().push(line);
                }
            });
        }
        DaemonProc { child, log, name: name.to_string() }
    }

    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Waits until a log line contains `needle`; returns that line.
    pub fn wait_for_log(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(l) = self.log.lock().unwrap().iter().find(|l| l.contains(needle)) {
                return l.clone();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited ({status}) before logging {needle:?}:\n{}", self.name, self.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "{} did not log {needle:?} in {timeout:?}:\n{}",
                self.name,
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The address of `/healthz` from the start-up log line.
    pub fn http_addr(&mut self) -> SocketAddr {
        // The log line, not some other line that mentions it.
        let line = self.wait_for_log("HTTP endpoint listening: ", Duration::from_secs(60));
        let addr = line
            .split("addr=")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or_else(|| panic!("no addr in {line:?}"));
        addr.trim_matches('"').parse().unwrap_or_else(|e| panic!("{addr}: {e}"))
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill").arg(format!("-{sig}")).arg(self.child.id().to_string()).status().unwrap();
        assert!(ok.success(), "kill -{sig} failed");
    }

    /// Waits for the process to exit within `timeout` (then kills it and fails).
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the log threads drain.
                std::thread::sleep(Duration::from_millis(50));
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("{} did not exit within {timeout:?}:\n{}", self.name, self.log_text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for DaemonProc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The text without terminal colour sequences (ESC [ ... letter).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// GET over plain HTTP/1.1: (status, body).
pub fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// A fresh PostgreSQL database for a multi-process test: its URL and a
/// guard that drops it. `None` when `XUNJIAN_TEST_POSTGRES_URL` is unset.
pub async fn postgres_database() -> Option<(String, PgGuard)> {
    use sqlx::Executor;
    let admin_url = std::env::var("XUNJIAN_TEST_POSTGRES_URL").ok().filter(|s| !s.is_empty())?;
    sqlx::any::install_default_drivers();
    let name = format!(
        "xunjian_t_{}_{}",
        std::process::id(),
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() % 1_000_000_000_000
    );
    let admin = sqlx::AnyPool::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("XUNJIAN_TEST_POSTGRES_URL is set but unreachable: {e}"));
    admin.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.expect("create test database");
    admin.close().await;
    let mut url = url::Url::parse(&admin_url).unwrap();
    url.set_path(&format!("/{name}"));
    Some((url.to_string(), PgGuard { admin_url, name }))
}

pub struct PgGuard {
    admin_url: String,
    name: String,
}

impl PgGuard {
    pub async fn drop_database(self) {
        use sqlx::Executor;
        if let Ok(admin) = sqlx::AnyPool::connect(&self.admin_url).await {
            let _ =
                admin.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))).await;
            admin.close().await;
        }
    }
}
