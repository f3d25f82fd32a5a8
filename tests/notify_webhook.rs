//! WeCom and DingTalk robots against a loopback HTTP server standing in for
//! the platforms: Markdown bodies, DingTalk's signature with the injected
//! time, and a robot's refusal kept as a retry.

mod common;
#[path = "smtp/kit.rs"]
mod kit;

use chrono::TimeDelta;
use kit::*;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use xunjian::rules::{RuleId, Verdict};
use xunjian::store::{Channel, NoticeState};

#[derive(Debug, Clone)]
struct Request {
    target: String,
    body: serde_json::Value,
}

/// A tiny HTTP/1.1 server: records each request and answers with the
/// current `reply` body (HTTP 200, as both robots do even on errors).
struct Robots {
    port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
    reply: Arc<Mutex<String>>,
}

async fn serve(
    listener: tokio::net::TcpListener,
    requests: Arc<Mutex<Vec<Request>>>,
    reply: Arc<Mutex<String>>,
) {
    loop {
        let Ok((mut sock, _)) = listener.accept().await else {
            return;
        };
        let (requests, reply) = (requests.clone(), reply.clone());
        tokio::spawn(async move {
            let mut buf = Vec::new();
            loop {
                // Headers, then Content-Length bytes of body.
                let head_end = loop {
                    if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break p;
                    }
                    let mut chunk = [0u8; 4096];
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                while buf.len() < head_end + 4 + len {
                    let mut chunk = [0u8; 4096];
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let body = buf[head_end + 4..head_end + 4 + len].to_vec();
                buf.drain(..head_end + 4 + len);
                let target = head
                    .lines()
                    .next()
                    .unwrap()
                    .split(' ')
                    .nth(1)
                    .unwrap()
                    .to_string();
                requests.lock().unwrap().push(Request {
                    target,
                    body: serde_json::from_slice(&body).unwrap(),
                });
                let answer = reply.lock().unwrap().clone();
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{answer}",
                    answer.len()
                );
                if sock.write_all(resp.as_bytes()).await.is_err() {
                    return;
                }
            }
        });
    }
}

impl Robots {
    async fn start() -> Robots {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let reply = Arc::new(Mutex::new(r#"{"errcode":0,"errmsg":"ok"}"#.to_string()));
        tokio::spawn(serve(listener, requests.clone(), reply.clone()));
        Robots {
            port,
            requests,
            reply,
        }
    }
    fn take(&self) -> Vec<Request> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }
}

/// DingTalk's documented signature, computed independently of the crate
/// (Python's hmac) when python3 is there.
fn python_sign(secret: &str, ts: i64) -> Option<String> {
    let code = "import base64,hashlib,hmac,sys\ns,t=sys.argv[1],sys.argv[2]\n\
                print(base64.b64encode(hmac.new(s.encode(),(t+'\\n'+s).encode(),hashlib.sha256).digest()).decode())";
    let out = std::process::Command::new("python3")
        .args(["-c", code, secret, &ts.to_string()])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

const NOW: &str = "2026-11-21T10:00:00+08:00";

#[tokio::test]
async fn robots_get_markdown_and_dingtalk_requests_are_signed() {
    install_crypto();
    let robots = Robots::start().await;
    let db = common::sqlite().await;
    let data = tempfile::tempdir().unwrap();
    let cfg = config(&format!(
        "office_recipients = [\"{OFFICE_ADDR}\"]\nunit_contacts = false\n[wecom]\nenabled = true\n[dingtalk]\nenabled = true"
    ));
    let wecom_url = format!(
        "http://127.0.0.1:{}/cgi-bin/webhook/send?key=WECOMKEY",
        robots.port
    );
    let ding_url = format!(
        "http://127.0.0.1:{}/robot/send?access_token=DINGTOKEN",
        robots.port
    );
    let secret = "SEC0123456789abcdef+/=";
    let s = sender(
        &cfg,
        data.path(),
        &[
            ("wecom-webhook", &wecom_url),
            ("dingtalk-webhook", &ding_url),
            ("dingtalk-secret", secret),
        ],
    );
    let a = add_account(&db.store, "1", "某县人民政府发布", None).await;
    let now = t(NOW);
    record(
        &db.store,
        &cfg,
        &[&a],
        &[finding(
            RuleId::Vanished,
            &a,
            Verdict::Violation,
            "平台答复账号不存在",
        )],
        now,
    )
    .await;
    let stats = s.send_due(&db.store, now, "d").await.unwrap();
    assert_eq!(stats.sent, 3, "email + two robots: {stats:?}");
    let reqs = robots.take();
    assert_eq!(reqs.len(), 2);

    let wecom = reqs
        .iter()
        .find(|r| r.target.starts_with("/cgi-bin/webhook/send"))
        .unwrap();
    assert_eq!(
        wecom.target, "/cgi-bin/webhook/send?key=WECOMKEY",
        "WeCom is not signed"
    );
    assert_eq!(wecom.body["msgtype"], "markdown");
    let content = wecom.body["markdown"]["content"].as_str().unwrap();
    for want in [
        "某县人民政府发布",
        "平台答复账号不存在",
        CITATION_TEXT,
        "违规",
    ] {
        assert!(content.contains(want), "{want} missing from {content}");
    }

    let ding = reqs
        .iter()
        .find(|r| r.target.starts_with("/robot/send"))
        .unwrap();
    let url = url::Url::parse(&format!("http://x{}", ding.target)).unwrap();
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["access_token"], "DINGTOKEN");
    assert_eq!(
        q["timestamp"],
        now.timestamp_millis().to_string(),
        "the injected time, not the clock"
    );
    let expected = python_sign(secret, now.timestamp_millis())
        .unwrap_or_else(|| xunjian::notify::webhook::dingtalk_sign(secret, now.timestamp_millis()));
    assert_eq!(q["sign"], expected);
    assert_eq!(ding.body["msgtype"], "markdown");
    assert!(
        ding.body["markdown"]["title"]
            .as_str()
            .unwrap()
            .starts_with("【政务新媒体巡检】违规")
    );
    assert!(
        ding.body["markdown"]["text"]
            .as_str()
            .unwrap()
            .contains(CITATION_TEXT)
    );

    let sent = db
        .store
        .list_notices(&[NoticeState::Sent], None, None, 10)
        .await
        .unwrap();
    let robot = sent
        .iter()
        .find(|n| n.channel == Channel::Dingtalk)
        .unwrap();
    assert!(
        robot
            .server_reply
            .as_deref()
            .unwrap()
            .contains("\"errcode\":0")
    );
    // The robot's key never reaches the stored reply or errors.
    assert!(sent.iter().all(|n| {
        !n.server_reply
            .as_deref()
            .unwrap_or_default()
            .contains("DINGTOKEN")
    }));
    db.finish().await;
}

/// A robot that answers with a non-zero errcode (bad signature, rate
/// limit) has not delivered: the notice waits and is retried.
#[tokio::test]
async fn a_robot_refusal_is_retried() {
    install_crypto();
    let robots = Robots::start().await;
    *robots.reply.lock().unwrap() = r#"{"errcode":310000,"errmsg":"sign not match"}"#.to_string();
    let db = common::sqlite().await;
    let data = tempfile::tempdir().unwrap();
    let cfg = config("[dingtalk]\nenabled = true");
    let ding_url = format!("http://127.0.0.1:{}/robot/send?access_token=T", robots.port);
    let s = sender(
        &cfg,
        data.path(),
        &[("dingtalk-webhook", &ding_url), ("dingtalk-secret", "SECx")],
    );
    let a = add_account(&db.store, "1", "甲县发布", None).await;
    let now = t(NOW);
    record(
        &db.store,
        &cfg,
        &[&a],
        &[finding(RuleId::Vanished, &a, Verdict::Violation, "消失")],
        now,
    )
    .await;
    let stats = s.send_due(&db.store, now, "d").await.unwrap();
    assert_eq!(
        (stats.sent, stats.retrying),
        (1, 1),
        "the email (.eml) went, the robot did not: {stats:?}"
    );
    let n = db
        .store
        .list_notices(&[NoticeState::Pending], None, None, 10)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(n.channel, Channel::Dingtalk);
    assert!(
        n.last_error.as_deref().unwrap().contains("310000"),
        "{:?}",
        n.last_error
    );

    *robots.reply.lock().unwrap() = r#"{"errcode":0,"errmsg":"ok"}"#.to_string();
    let stats = s
        .send_due(&db.store, now + TimeDelta::minutes(2), "d")
        .await
        .unwrap();
    assert_eq!(stats.sent, 1);
    assert_eq!(robots.take().len(), 2, "one refused, one accepted");
    db.finish().await;
}
