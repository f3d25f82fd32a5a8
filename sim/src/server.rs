//! The loopback server: one thread per connection, one request per
//! connection (`Connection: close`), faults decided per surface.

use crate::clock::SimClock;
use crate::fault_pages;
use crate::faults::{FaultConfig, FaultKind, Surface};
use crate::http::{Request, Response, read_request, write_response};
use crate::model::World;
use crate::route::{Ctx, Routed};
use crate::{bilibili, feed, portal, wechat, weibo};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the server saw and did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Requests outside `/_sim/`.
    pub requests: u64,
    /// By surface (`weibo`, `wechat`, `feed`, `portal`, `bilibili`, `other`).
    pub by_surface: BTreeMap<String, u64>,
    /// By kind of request (`weibo:profile`, `wechat:sogou`, `portal:home`, …).
    pub by_kind: BTreeMap<String, u64>,
    /// By account (`weibo:UID`, `wechat:gh_…`, a portal's path), then kind.
    pub by_account: BTreeMap<String, BTreeMap<String, u64>>,
    /// Injected faults by surface, then kind.
    pub faults: BTreeMap<String, BTreeMap<String, u64>>,
    pub faults_total: u64,
}

impl Stats {
    pub fn kind(&self, kind: &str) -> u64 {
        self.by_kind.get(kind).copied().unwrap_or(0)
    }
    pub fn fault(&self, surface: Surface, kind: FaultKind) -> u64 {
        self.faults.get(surface.code()).and_then(|m| m.get(kind.code())).copied().unwrap_or(0)
    }
    pub fn account(&self, account: &str) -> u64 {
        self.by_account.get(account).map(|m| m.values().sum()).unwrap_or(0)
    }
}

struct Shared {
    world: RwLock<Arc<World>>,
    faults: RwLock<Arc<FaultConfig>>,
    clock: SimClock,
    stats: Mutex<Stats>,
    seq: Mutex<BTreeMap<Surface, u64>>,
    base: String,
}

/// A running simulator. Dropping it stops accepting connections.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `127.0.0.1:0` and serves `world` on `clock`.
    pub fn start(world: World, clock: SimClock, faults: FaultConfig) -> std::io::Result<Server> {
        Server::start_on("127.0.0.1:0", world, clock, faults)
    }

    /// Binds `addr` (e.g. `127.0.0.1:8700`).
    pub fn start_on(addr: &str, world: World, clock: SimClock, faults: FaultConfig) -> std::io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            world: RwLock::new(Arc::new(world)),
            faults: RwLock::new(Arc::new(faults)),
            clock,
            stats: Mutex::new(Stats::default()),
            seq: Mutex::new(BTreeMap::new()),
            base: format!("http://{addr}"),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let (sh, st) = (shared.clone(), stop.clone());
        let thread = std::thread::Builder::new().name("xunjian-sim-accept".into()).spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(sock) = conn else { continue };
                let sh = sh.clone();
                let _ = std::thread::Builder::new().name("xunjian-sim-conn".into()).spawn(move || serve(sock, &sh));
            }
        })?;
        Ok(Server { addr, shared, stop, thread: Some(thread) })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        self.shared.base.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn clock(&self) -> SimClock {
        self.shared.clock
    }

    pub fn stats(&self) -> Stats {
        self.shared.stats.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replaces the fault configuration (request sequence numbers go on).
    pub fn set_faults(&self, faults: FaultConfig) {
        *self.shared.faults.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(faults);
    }

    pub fn set_world(&self, world: World) {
        *self.shared.world.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(world);
    }

    pub fn world(&self) -> Arc<World> {
        self.shared.world.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Which surface a path belongs to (portal paths are the world's own).
pub fn surface_of(path: &str, ctx: &Ctx) -> Option<Surface> {
    if portal::owns(ctx, path) {
        return Some(Surface::Portal);
    }
    match path {
        "/visitor/genvisitor2" | "/api/container/getIndex" | "/statuses/show" | "/statuses/extend" => {
            Some(Surface::Weibo)
        }
        "/weixin" | "/s" => Some(Surface::Wechat),
        p if p.starts_with("/s/") => Some(Surface::Wechat),
        p if p.starts_with("/feed/") => Some(Surface::Feed),
        p if p.starts_with("/x/") || p.starts_with("/live_user/") => Some(Surface::Bilibili),
        _ => None,
    }
}

/// The answer of `surface` to `req` as of `ctx.now`, without faults.
pub fn dispatch(surface: Surface, req: &Request, ctx: &Ctx) -> Routed {
    match surface {
        Surface::Weibo => weibo::handle(req, ctx),
        Surface::Wechat => wechat::handle(req, ctx),
        Surface::Feed => feed::handle(req, ctx),
        Surface::Portal => portal::handle(req, ctx),
        Surface::Bilibili => bilibili::handle(req, ctx),
    }
}

fn sim_endpoint(req: &Request, sh: &Shared) -> Response {
    match req.path.as_str() {
        "/_sim/stats" => {
            let stats = sh.stats.lock().unwrap_or_else(|p| p.into_inner()).clone();
            Response::json(serde_json::to_string_pretty(&stats).expect("stats serialize"))
        }
        "/_sim/now" => Response::json(serde_json::json!({"now": sh.clock.now().to_rfc3339()}).to_string()),
        _ => Response::not_found(),
    }
}

fn record(sh: &Shared, surface: Option<Surface>, routed: Option<&Routed>, fault: Option<FaultKind>) {
    let mut st = sh.stats.lock().unwrap_or_else(|p| p.into_inner());
    st.requests += 1;
    *st.by_surface.entry(surface.map_or("other", Surface::code).to_string()).or_default() += 1;
    let kind = routed.map_or("other", |r| r.kind);
    *st.by_kind.entry(kind.to_string()).or_default() += 1;
    if let Some(acct) = routed.and_then(|r| r.account.clone()) {
        *st.by_account.entry(acct).or_default().entry(kind.to_string()).or_default() += 1;
    }
    if let (Some(s), Some(f)) = (surface, fault) {
        *st.faults.entry(s.code().to_string()).or_default().entry(f.code().to_string()).or_default() += 1;
        st.faults_total += 1;
    }
}

fn serve(mut sock: TcpStream, sh: &Shared) {
    let Some(req) = read_request(&mut sock) else { return };
    if req.path.starts_with("/_sim/") {
        let _ = write_response(&mut sock, &sim_endpoint(&req, sh));
        return;
    }
    let world = sh.world.read().unwrap_or_else(|p| p.into_inner()).clone();
    let faults = sh.faults.read().unwrap_or_else(|p| p.into_inner()).clone();
    let now = sh.clock.now();
    let ctx = Ctx { world: &world, now, base: &sh.base };
    let Some(surface) = surface_of(&req.path, &ctx) else {
        record(sh, None, None, None);
        let _ = write_response(&mut sock, &Response::not_found());
        return;
    };
    let seq = {
        let mut seqs = sh.seq.lock().unwrap_or_else(|p| p.into_inner());
        let n = seqs.entry(surface).or_insert(0);
        *n += 1;
        *n - 1
    };
    let decision = faults.decide(surface, seq);
    let routed = match decision.fault {
        Some(FaultKind::Stale) => {
            let then = Ctx { world: &world, now: now - faults.stale_offset(decision.aux), base: &sh.base };
            dispatch(surface, &req, &then)
        }
        _ => dispatch(surface, &req, &ctx),
    };
    record(sh, Some(surface), Some(&routed), decision.fault);
    let mut response = routed.response;
    match decision.fault {
        None | Some(FaultKind::Stale) => {}
        Some(FaultKind::Slow) => std::thread::sleep(Duration::from_millis(faults.slow_ms)),
        Some(FaultKind::Timeout) => {
            std::thread::sleep(Duration::from_millis(faults.timeout_hold_ms));
            let _ = sock.shutdown(Shutdown::Both);
            return;
        }
        Some(FaultKind::Reset) => {
            let _ = sock.shutdown(Shutdown::Both);
            return;
        }
        Some(FaultKind::Truncated) => {
            let cut = response.body.len() / 2;
            response.body.truncate(cut);
        }
        Some(FaultKind::Empty) => {
            response.status = 200;
            response.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("location"));
            response.body.clear();
        }
        Some(kind) => response = fault_pages::page(surface, kind, &req, &sh.base, seq),
    }
    let _ = write_response(&mut sock, &response);
}
