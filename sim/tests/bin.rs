//! `xunjian-sim serve` prints its base URL and the config tables, then serves.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

#[test]
fn serve_prints_the_base_and_the_config_and_serves_the_world() {
    let dir = std::env::temp_dir().join(format!("xunjian-sim-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let world = dir.join("world.json");
    std::fs::write(&world, serde_json::to_string(&common::world()).unwrap()).unwrap();
    let faults = dir.join("faults.json");
    std::fs::write(&faults, r#"{"seed": 3, "portal": {"http403": 1.0}}"#).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_xunjian-sim"))
        .args(["serve", "--world", world.to_str().unwrap(), "--addr", "127.0.0.1:0", "--faults", faults.to_str().unwrap()])
        .args(["--clock-start", "2026-07-01T12:00:00+08:00", "--speed", "0", "--anchor-ms", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut base = String::new();
    out.read_line(&mut base).unwrap();
    let base = base.trim().to_string();
    let mut config = String::new();
    for _ in 0..6 {
        out.read_line(&mut config).unwrap();
    }
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert!(config.contains("[platforms"), "{config}");
    let get = |path: &str| {
        let u = url::Url::parse(&base).unwrap();
        let mut s = std::net::TcpStream::connect((u.host_str().unwrap(), u.port().unwrap())).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut r = String::new();
        s.read_to_string(&mut r).unwrap();
        r
    };
    assert!(get("/_sim/now").contains("2026-07-01T04:00:00"));
    assert!(get(common::PORTAL).starts_with("HTTP/1.1 403"));
    assert!(get(&format!("/feed/wechat/{}", common::WX_MAIN)).contains("<rss"));
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_dir_all(&dir).ok();
}
