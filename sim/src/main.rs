//! `xunjian-sim serve --world world.json [--addr 127.0.0.1:8700]
//! [--clock-start RFC3339 --speed X --anchor-ms N] [--faults faults.json]`:
//! serves the world until killed, after printing the base URL and the
//! `[platforms.*]` tables that point xunjian at it.

use chrono::{DateTime, Utc};
use std::time::{SystemTime, UNIX_EPOCH};
use xunjian_sim::{ConfigOptions, FaultConfig, Server, SimClock, World, xunjian_platforms_config};

const USAGE: &str = "usage: xunjian-sim serve --world world.json [--addr 127.0.0.1:8700] \
[--clock-start RFC3339 --speed X --anchor-ms N] [--faults faults.json]";

fn fail(msg: &str) -> ! {
    eprintln!("xunjian-sim: {msg}\n{USAGE}");
    std::process::exit(2);
}

fn read_json<T: serde::de::DeserializeOwned>(path: &str) -> T {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    serde_json::from_str(&text).unwrap_or_else(|e| fail(&format!("{path}: {e}")))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) != Some("serve") {
        fail("the only command is `serve`");
    }
    let mut opt = std::collections::BTreeMap::new();
    let mut it = args[1..].iter();
    while let Some(k) = it.next() {
        let Some(name) = k.strip_prefix("--") else { fail(&format!("unexpected argument {k:?}")) };
        let Some(v) = it.next() else { fail(&format!("--{name} needs a value")) };
        opt.insert(name.to_string(), v.clone());
    }
    for k in opt.keys() {
        if !["world", "addr", "clock-start", "speed", "anchor-ms", "faults"].contains(&k.as_str()) {
            fail(&format!("unknown option --{k}"));
        }
    }
    let world: World = read_json(opt.get("world").unwrap_or_else(|| fail("--world is required")));
    let faults: FaultConfig = opt.get("faults").map(|p| read_json(p)).unwrap_or_default();
    let real_now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    let start = match opt.get("clock-start") {
        Some(s) => DateTime::parse_from_rfc3339(s)
            .unwrap_or_else(|e| fail(&format!("--clock-start {s:?}: {e}")))
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let speed: f64 = opt.get("speed").map_or(1.0, |s| s.parse().unwrap_or_else(|_| fail("--speed must be a number")));
    let anchor_ms: u64 =
        opt.get("anchor-ms").map_or(real_now, |s| s.parse().unwrap_or_else(|_| fail("--anchor-ms must be an integer")));
    let clock = SimClock { start, anchor_ms, speed };
    let addr = opt.get("addr").map_or("127.0.0.1:8700", String::as_str);
    let server = Server::start_on(addr, world, clock, faults).unwrap_or_else(|e| fail(&format!("cannot bind {addr}: {e}")));
    println!("{}", server.base());
    println!();
    print!("{}", xunjian_platforms_config(&server.base(), &ConfigOptions::default()));
    println!();
    for (k, v) in clock.env() {
        println!("# {k}={v}");
    }
    loop {
        std::thread::park();
    }
}
