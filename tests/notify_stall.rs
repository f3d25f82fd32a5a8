//! Mail that cannot stall (issue 18): a server that accepts and then says
//! nothing — before its greeting, after EHLO, after DATA — costs a notice
//! one delivery deadline (`[notify.smtp] timeout_secs`), never more. The
//! notice stays queued with its attempt recorded and, once a real server
//! (aiosmtpd) answers on that port again, goes out exactly once. A stalled
//! mail server does not hold back a robot's notice, and a robot's failures
//! are not called the mail server's.
//!
//! The stalling servers are plain TCP listeners written here. The upper
//! bounds on elapsed time are correctness bounds (deadline + 5 s), not speed
//! measurements.

mod common;
#[path = "common/daemon.rs"]
mod daemon_common;
#[path = "smtp/harness.rs"]
mod harness;
#[path = "smtp/kit.rs"]
mod kit;

use chrono::TimeDelta;
use harness::SmtpServer;
use kit::*;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use xunjian::notify::{FailureClass, NotifyConfig};
use xunjian::rules::{RuleId, Verdict};
use xunjian::store::{Channel, NoticeState};

const NOW: &str = "2026-11-21T10:00:00+08:00";
/// The delivery deadline of these tests.
const DEADLINE_SECS: u64 = 2;
/// Generous: a correctness bound, not a benchmark.
const BOUND: Duration = Duration::from_secs(DEADLINE_SECS + 5);

/// Fails the test, instead of hanging it, when `f` is not bounded at all.
async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), f).await.expect("the delivery hung: no deadline")
}

/// Where a stalling SMTP server stops answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stall {
    /// Accepts the connection and never sends its 220 greeting.
    BeforeGreeting,
    /// Greets, then never answers EHLO.
    AfterEhlo,
    /// Greets, offers AUTH, and never answers the login.
    AfterAuth,
    /// Greets, and never answers MAIL FROM.
    AfterMail,
    /// Greets, accepts the sender, and never answers RCPT TO.
    AfterRcpt,
    /// Greets, accepts the envelope and the message, and never answers the
    /// final dot.
    AfterData,
}

/// What a stalling server saw.
#[derive(Debug, Default)]
struct Seen {
    /// Every line the client sent, in order.
    lines: Vec<String>,
    /// When a client's connection ended (it gave up).
    closed_at: Option<Instant>,
}

struct StallServer {
    seen: Arc<Mutex<Seen>>,
    task: tokio::task::JoinHandle<()>,
}

impl StallServer {
    async fn start(port: u16, stall: Stall) -> StallServer {
        StallServer::start_with(port, stall, None).await
    }

    /// Speaks TLS from the first byte (port-465 style) with the test
    /// server's certificate, so that a client that trusts the test CA gets
    /// as far as the login.
    async fn start_tls(port: u16, stall: Stall, server: &SmtpServer) -> StallServer {
        use tokio_rustls::rustls;
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let dir = server.ca_pem.parent().unwrap();
        let chain_pem = std::fs::read(dir.join("chain.pem")).unwrap();
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(&chain_pem).map(|c| c.unwrap()).collect();
        let key = PrivateKeyDer::from_pem_slice(&std::fs::read(dir.join("leaf.key")).unwrap()).unwrap();
        let config = rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(chain, key).unwrap();
        StallServer::start_with(port, stall, Some(tokio_rustls::TlsAcceptor::from(Arc::new(config)))).await
    }

    async fn start_with(port: u16, stall: Stall, tls: Option<tokio_rustls::TlsAcceptor>) -> StallServer {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap_or_else(|e| panic!("bind 127.0.0.1:{port}: {e}"));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let s = seen.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else { return };
                let (s, tls) = (s.clone(), tls.clone());
                tokio::spawn(async move {
                    match tls {
                        None => session(sock, stall, s).await,
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(sock).await {
                                session(stream, stall, s).await;
                            }
                        }
                    }
                });
            }
        });
        StallServer { seen, task }
    }

    fn lines(&self) -> Vec<String> {
        self.seen.lock().unwrap().lines.clone()
    }

    fn closed_at(&self) -> Option<Instant> {
        self.seen.lock().unwrap().closed_at
    }

    /// Stops listening (the port is free when this returns); connections
    /// already accepted end when their client hangs up.
    async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// Answers until `stall`, then reads whatever comes without a word until
/// the client hangs up.
async fn session<S>(sock: S, stall: Stall, seen: Arc<Mutex<Seen>>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let (r, mut w) = tokio::io::split(sock);
    let mut r = BufReader::new(r);
    let mut silent = stall == Stall::BeforeGreeting;
    if !silent {
        let _ = w.write_all(b"220 stall.test ESMTP\r\n").await;
    }
    let mut in_data = false;
    let mut line = String::new();
    loop {
        line.clear();
        match r.read_line(&mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let l = line.trim_end().to_string();
        seen.lock().unwrap().lines.push(l.clone());
        if silent {
            continue;
        }
        if in_data {
            if l == "." {
                // The message is here; the answer never comes.
                silent = true;
            }
            continue;
        }
        let verb = l.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
        let stalls_here = matches!(
            (stall, verb.as_str()),
            (Stall::AfterEhlo, "EHLO" | "HELO")
                | (Stall::AfterAuth, "AUTH")
                | (Stall::AfterMail, "MAIL")
                | (Stall::AfterRcpt, "RCPT")
        );
        if stalls_here {
            silent = true;
            continue;
        }
        let answer: &[u8] = match verb.as_str() {
            "EHLO" => b"250-stall.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n",
            "AUTH" => b"235 2.7.0 Authentication successful\r\n",
            "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
            "DATA" => {
                in_data = true;
                b"354 go ahead\r\n"
            }
            "QUIT" => b"221 bye\r\n",
            _ => b"502 not implemented\r\n",
        };
        let _ = w.write_all(answer).await;
    }
    seen.lock().unwrap().closed_at = Some(Instant::now());
}

/// Plain SMTP to a loopback port (as to a local relay), with the tests'
/// deadline.
fn stall_config(port: u16, extra: &str) -> NotifyConfig {
    config(&format!(
        "office_recipients = [\"{OFFICE_ADDR}\"]\nunit_contacts = false\n{extra}\n\
         [smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n\
         from = \"xunjian@gov.example\"\ntimeout_secs = {DEADLINE_SECS}\n"
    ))
}

/// SMTPS with a login (port-465 style) to the test server's TLS port,
/// trusting its CA, with the tests' deadline.
fn tls_stall_config(server: &SmtpServer) -> NotifyConfig {
    config(&format!(
        "office_recipients = [\"{OFFICE_ADDR}\"]\nunit_contacts = false\n\
         [smtp]\nhost = \"localhost\"\nport = {}\nsecurity = \"tls\"\nuser = \"{}\"\n\
         from = \"xunjian@gov.example\"\nca_file = \"{}\"\ntimeout_secs = {DEADLINE_SECS}\n",
        server.smtps,
        harness::USER,
        server.ca_pem.display()
    ))
}

/// One urgent email notice stuck on a server stalling at `stall`, then the
/// real server back on the same port: one timeout, kept, then exactly one
/// message.
async fn stalled_then_recovered(test: &str, stall: Stall) {
    let Some(mut server) = SmtpServer::start(test) else {
        return;
    };
    install_crypto();
    // The real server goes away and a stalling one takes its port. A
    // login needs TLS first (as on every real server): that stall is on the
    // implicit-TLS port with the test certificate, the others on plain SMTP.
    server.stop();
    let tls = stall == Stall::AfterAuth;
    let staller = if tls {
        StallServer::start_tls(server.smtps, stall, &server).await
    } else {
        StallServer::start(server.plain, stall).await
    };
    let db = common::sqlite().await;
    let data = tempfile::tempdir().unwrap();
    let cfg = if tls { tls_stall_config(&server) } else { stall_config(server.plain, "") };
    let s = sender(&cfg, data.path(), &[("smtp-password", harness::PASSWORD)]);
    let a = add_account(&db.store, "1234567890", "某县人民政府发布", None).await;
    let now = t(NOW);
    let tr = record(
        &db.store,
        &cfg,
        &[&a],
        &[finding(RuleId::Vanished, &a, Verdict::Violation, "平台答复账号不存在")],
        now,
    )
    .await;
    let notice = db.store.notices_for_finding(tr[0].finding_id).await.unwrap().remove(0);
    assert!(notice.urgent);

    let started = Instant::now();
    let stats = within(s.send_due(&db.store, now, "d")).await.unwrap();
    let took = started.elapsed();
    assert!(took < BOUND, "{stall:?}: the pass took {took:?}, deadline {DEADLINE_SECS} s");
    assert_eq!((stats.leased, stats.sent, stats.retrying, stats.failed), (1, 0, 1, 0), "{stats:?}");
    assert_eq!(stats.failures, vec![(Channel::Email, FailureClass::Timeout)], "{stall:?}");
    // The server really was stalled where this test says.
    let lines = staller.lines();
    match stall {
        Stall::BeforeGreeting => assert!(lines.is_empty(), "no greeting, nothing sent: {lines:?}"),
        Stall::AfterEhlo => {
            assert_eq!(lines.len(), 1, "{lines:?}");
            assert!(lines[0].starts_with("EHLO "), "{lines:?}");
        }
        Stall::AfterAuth => {
            assert_eq!(lines.len(), 2, "{lines:?}");
            assert!(lines[0].starts_with("EHLO ") && lines[1].starts_with("AUTH PLAIN "), "{lines:?}");
        }
        Stall::AfterMail => {
            assert!(lines.last().unwrap().starts_with("MAIL FROM:"), "{lines:?}");
            assert!(!lines.iter().any(|l| l.starts_with("RCPT")), "{lines:?}");
        }
        Stall::AfterRcpt => {
            assert!(lines.last().unwrap().starts_with("RCPT TO:"), "{lines:?}");
            assert!(!lines.iter().any(|l| l == "DATA"), "{lines:?}");
        }
        Stall::AfterData => {
            assert!(lines.iter().any(|l| l == "DATA"), "{lines:?}");
            assert_eq!(lines.last().map(String::as_str), Some("."), "{lines:?}");
            let mid = notice.message_id.trim_matches(['<', '>']);
            assert!(lines.iter().any(|l| l.contains(mid)), "the message itself was sent: {lines:?}");
        }
    }

    // Queued, its attempt recorded, due again after the backoff.
    let kept = db.store.get_notice(notice.id).await.unwrap().unwrap();
    assert_eq!(kept.state, NoticeState::Pending, "{kept:?}");
    assert_eq!(kept.attempts, 1);
    assert_eq!(kept.last_attempt_at_ms, Some(now.timestamp_millis()));
    assert!(kept.due_at_ms > now.timestamp_millis(), "{kept:?}");
    let err = kept.last_error.clone().unwrap();
    assert!(err.starts_with("邮件服务器未在时限内答复 (timed out)"), "{err}");
    assert!(kept.lease_owner.is_none());

    // `notices test` is bounded the same way (it hung past 150 s before).
    let started = Instant::now();
    let e = within(s.send_test("ops@gov.example", now)).await.unwrap_err();
    assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());
    assert_eq!(e.class, FailureClass::Timeout, "{e}");

    // The real server is back on the same port: the notice goes, once.
    staller.stop().await;
    server.restart();
    let stats = s.send_due(&db.store, now + TimeDelta::minutes(2), "d").await.unwrap();
    assert_eq!((stats.sent, stats.retrying, stats.failed), (1, 0, 0), "{stats:?}");
    let got = server.messages();
    assert_eq!(got.len(), 1, "exactly one message");
    if tls {
        assert_eq!((got[0].listener.as_str(), got[0].auth_login.as_str()), ("smtps", harness::USER));
    }
    assert_eq!(format!("<{}>", parse(&got[0].raw).message_id().unwrap()), notice.message_id);
    let sent = db.store.get_notice(notice.id).await.unwrap().unwrap();
    assert_eq!(sent.state, NoticeState::Sent);
    assert_eq!(sent.attempts, 2);
    let again = s.send_due(&db.store, now + TimeDelta::hours(3), "d").await.unwrap();
    assert_eq!(again.leased, 0);
    assert_eq!(server.messages().len(), 1);
    db.finish().await;
}

#[tokio::test]
async fn a_server_that_never_greets_costs_one_deadline() {
    stalled_then_recovered("a_server_that_never_greets_costs_one_deadline", Stall::BeforeGreeting).await;
}

#[tokio::test]
async fn a_server_that_stalls_after_ehlo_costs_one_deadline() {
    stalled_then_recovered("a_server_that_stalls_after_ehlo_costs_one_deadline", Stall::AfterEhlo).await;
}

#[tokio::test]
async fn a_server_that_stalls_after_auth_costs_one_deadline() {
    stalled_then_recovered("a_server_that_stalls_after_auth_costs_one_deadline", Stall::AfterAuth).await;
}

#[tokio::test]
async fn a_server_that_stalls_after_mail_from_costs_one_deadline() {
    stalled_then_recovered("a_server_that_stalls_after_mail_from_costs_one_deadline", Stall::AfterMail).await;
}

#[tokio::test]
async fn a_server_that_stalls_after_rcpt_to_costs_one_deadline() {
    stalled_then_recovered("a_server_that_stalls_after_rcpt_to_costs_one_deadline", Stall::AfterRcpt).await;
}

#[tokio::test]
async fn a_server_that_stalls_after_data_costs_one_deadline() {
    stalled_then_recovered("a_server_that_stalls_after_data_costs_one_deadline", Stall::AfterData).await;
}

/// Several email notices on a stalled server: the first costs the deadline,
/// the others are put back untried (no attempt counted) — the pass is not
/// `batch_size` deadlines long. When the real server is back on the port,
/// every one of them goes out, each exactly once.
#[tokio::test]
async fn one_stalled_message_does_not_cost_the_others_a_deadline_each() {
    install_crypto();
    // Without python3/aiosmtpd (and not required) only the stalled part runs.
    let mut server = SmtpServer::start("one_stalled_message_does_not_cost_the_others_a_deadline_each");
    let port = match &mut server {
        Some(server) => {
            server.stop();
            server.plain
        }
        None => harness::free_port(),
    };
    let staller = StallServer::start(port, Stall::BeforeGreeting).await;
    let db = common::sqlite().await;
    let data = tempfile::tempdir().unwrap();
    let cfg = stall_config(port, "");
    let s = sender(&cfg, data.path(), &[]);
    let mut accounts = Vec::new();
    for i in 0..4 {
        accounts.push(add_account(&db.store, &format!("{i}"), &format!("{i}县发布"), None).await);
    }
    let refs: Vec<_> = accounts.iter().collect();
    let fs: Vec<_> =
        accounts.iter().map(|a| finding(RuleId::Vanished, a, Verdict::Violation, "消失")).collect();
    record(&db.store, &cfg, &refs, &fs, t(NOW)).await;
    let started = Instant::now();
    let stats = within(s.send_due(&db.store, t(NOW), "d")).await.unwrap();
    assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());
    assert_eq!((stats.leased, stats.retrying, stats.sent), (4, 4, 0), "{stats:?}");
    assert_eq!(stats.failures.len(), 1, "one attempt reached the server: {stats:?}");
    let all = db.store.list_notices(&[], None, None, 10).await.unwrap();
    assert!(all.iter().all(|n| n.state == NoticeState::Pending), "{all:?}");
    let attempts: Vec<i64> = all.iter().map(|n| n.attempts).collect();
    assert_eq!(attempts.iter().sum::<i64>(), 1, "untried notices count no attempt: {attempts:?}");
    staller.stop().await;

    if let Some(mut server) = server {
        server.restart();
        let later = t(NOW) + TimeDelta::minutes(3);
        let stats = within(s.send_due(&db.store, later, "d")).await.unwrap();
        assert_eq!((stats.leased, stats.sent, stats.retrying, stats.failed), (4, 4, 0, 0), "{stats:?}");
        let again = s.send_due(&db.store, later + TimeDelta::hours(3), "d").await.unwrap();
        assert_eq!(again.leased, 0, "{again:?}");
        let mut got: Vec<String> = server
            .messages()
            .iter()
            .map(|m| format!("<{}>", parse(&m.raw).message_id().unwrap()))
            .collect();
        got.sort();
        let mut want: Vec<String> = all.iter().map(|n| n.message_id.clone()).collect();
        want.sort();
        assert_eq!(got, want, "each stalled notice exactly once");
        let sent = db.store.list_notices(&[NoticeState::Sent], None, None, 10).await.unwrap();
        assert_eq!(sent.len(), 4);
    }
    db.finish().await;
}

/// A loopback robot endpoint: answers `{"errcode":0}` and notes when each
/// request arrived; with `silent`, reads the request and never answers.
struct Robot {
    port: u16,
    arrived: Arc<Mutex<Vec<Instant>>>,
}

impl Robot {
    async fn start(silent: bool) -> Robot {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let arrived = Arc::new(Mutex::new(Vec::new()));
        let a = arrived.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else { return };
                let a = a.clone();
                tokio::spawn(async move {
                    // Headers, then Content-Length bytes of body.
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    loop {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
                        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                        let len: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + len {
                            break;
                        }
                    }
                    a.lock().unwrap().push(Instant::now());
                    if silent {
                        // Hold the connection without a word until the client gives up.
                        let _ = sock.read(&mut chunk).await;
                        return;
                    }
                    let body = r#"{"errcode":0,"errmsg":"ok"}"#;
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(resp.as_bytes()).await;
                });
            }
        });
        Robot { port, arrived }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/cgi-bin/webhook/send?key=K", self.port)
    }

    fn arrived(&self) -> Vec<Instant> {
        self.arrived.lock().unwrap().clone()
    }
}

/// The issue's "done when": with the mail server stalled, the urgent notice
/// to the WeCom robot goes out (and is marked sent) while the email is still
/// hanging, not after its deadline.
#[tokio::test]
async fn a_stalled_mail_server_does_not_hold_back_the_robot() {
    install_crypto();
    let port = harness::free_port();
    let staller = StallServer::start(port, Stall::BeforeGreeting).await;
    let robot = Robot::start(false).await;
    let db = common::sqlite().await;
    let data = tempfile::tempdir().unwrap();
    // A long deadline makes "while the email still hangs" unmistakable.
    let mut cfg = stall_config(port, "[wecom]\nenabled = true");
    cfg.smtp.timeout_secs = 20;
    let s = sender(&cfg, data.path(), &[("wecom-webhook", &robot.url())]);
    let a = add_account(&db.store, "1", "某县人民政府发布", None).await;
    record(
        &db.store,
        &cfg,
        &[&a],
        &[finding(RuleId::Vanished, &a, Verdict::Violation, "平台答复账号不存在")],
        t(NOW),
    )
    .await;
    let ids: Vec<(i64, Channel)> =
        db.store.list_notices(&[], None, None, 10).await.unwrap().iter().map(|n| (n.id, n.channel)).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    let wecom_id = ids.iter().find(|(_, c)| *c == Channel::Wecom).unwrap().0;
    let email_id = ids.iter().find(|(_, c)| *c == Channel::Email).unwrap().0;
    // The email goes first in the pass (lower id, same urgency): a serial
    // pass would make the robot wait for the mail server's deadline.
    assert!(email_id < wecom_id);

    let pass = {
        let (store, s) = (db.store.clone(), s);
        tokio::spawn(async move { s.send_due(&store, t(NOW), "d").await.unwrap() })
    };
    // Wait (bounded) until the robot's notice is recorded as sent.
    let waited = Instant::now();
    loop {
        let n = db.store.get_notice(wecom_id).await.unwrap().unwrap();
        if n.state == NoticeState::Sent {
            break;
        }
        assert!(waited.elapsed() < Duration::from_secs(60), "the robot's notice was never sent: {n:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // …while the mail server still holds the email connection.
    assert!(staller.closed_at().is_none(), "the robot waited for the stalled mail server");
    assert_eq!(robot.arrived().len(), 1);
    assert!(!pass.is_finished());

    let stats = within(pass).await.unwrap();
    assert_eq!((stats.sent, stats.retrying), (1, 1), "{stats:?}");
    let closed = staller.closed_at().expect("the sender gave up on the mail server");
    assert!(robot.arrived()[0] < closed);
    let email = db.store.get_notice(email_id).await.unwrap().unwrap();
    assert_eq!(email.state, NoticeState::Pending);
    assert!(email.last_error.unwrap().contains("未在时限内答复"));
    staller.stop().await;
    db.finish().await;
}

/// A robot endpoint that takes the request and never answers is a timeout
/// of the robot's server; one that refuses connections is named as the
/// robot's server too — never as the mail server (issue 18).
#[tokio::test]
async fn robot_failures_are_named_as_the_robot_s() {
    install_crypto();
    let silent = Robot::start(true).await;
    let db = common::sqlite().await;
    let data = tempfile::tempdir().unwrap();
    let cfg = config(&format!(
        "office_recipients = [\"{OFFICE_ADDR}\"]\nunit_contacts = false\n[smtp]\ntimeout_secs = {DEADLINE_SECS}\n\
         [wecom]\nenabled = true"
    ));
    let s = sender(&cfg, data.path(), &[("wecom-webhook", &silent.url())]);
    let a = add_account(&db.store, "1", "某县人民政府发布", None).await;
    record(
        &db.store,
        &cfg,
        &[&a],
        &[finding(RuleId::Vanished, &a, Verdict::Violation, "平台答复账号不存在")],
        t(NOW),
    )
    .await;
    let started = Instant::now();
    let stats = within(s.send_due(&db.store, t(NOW), "d")).await.unwrap();
    assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());
    // The email became an .eml file (no SMTP host); the robot timed out.
    assert_eq!((stats.sent, stats.retrying), (1, 1), "{stats:?}");
    assert_eq!(stats.failures, vec![(Channel::Wecom, FailureClass::Timeout)]);
    assert_eq!(silent.arrived().len(), 1, "the request reached the robot");
    let n = db
        .store
        .list_notices(&[NoticeState::Pending], None, None, 10)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(n.channel, Channel::Wecom);
    let e = n.last_error.unwrap();
    assert!(e.starts_with("机器人服务器（webhook）未在时限内答复"), "{e}");
    assert!(!e.contains("邮件"), "{e}");

    // Nothing listening at the robot's address.
    let gone = format!("http://127.0.0.1:{}/cgi-bin/webhook/send?key=K", harness::free_port());
    let s = sender(&cfg, data.path(), &[("wecom-webhook", &gone)]);
    let results = s.test_robots(t(NOW)).await;
    assert_eq!(results.len(), 1);
    let e = results[0].1.clone().unwrap_err();
    assert_eq!(e.class, FailureClass::ConnectionRefused, "{e}");
    assert!(e.to_string().starts_with("无法连接机器人服务器"), "{e}");
    assert!(!e.to_string().contains("邮件") && !e.hint().contains("smtp"), "{e} / {}", e.hint());
    db.finish().await;
}

/// The operator sees a stalled mail server where they look: `xunjian run`
/// logs each timed-out attempt (as the mail server's), `/metrics` counts it
/// as `class="timeout"`, and `/healthz` turns degraded with `outbox_stuck`
/// and the failure once the notice has waited `health_outbox_stuck_minutes`
/// — while the daemon keeps answering. A simulated clock (120×) makes the
/// five minutes pass in seconds; the delivery deadline is real time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_reports_a_stalled_mail_server_in_log_metrics_and_healthz() {
    use daemon_common::{DaemonProc, SimClock, http_get};
    use xunjian::store::{NewNotice, NoticeKind, Store, StoreOptions};
    let port = harness::free_port();
    let staller = StallServer::start(port, Stall::AfterEhlo).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let config = dir.path().join("xunjian.toml");
    std::fs::write(
        &config,
        format!(
            "[general]\ndata_dir = \"data\"\n\
             [daemon]\nlisten = \"127.0.0.1:0\"\ntick_ms = 50\nlease_secs = 5\noutbox_interval_secs = 1\n\
             shutdown_grace_secs = 5\ncatch_up_hours = 0\nhealth_outbox_stuck_minutes = 5\n\
             [notify]\noffice_recipients = [\"{OFFICE_ADDR}\"]\ndigest_time = \"\"\n\
             [notify.smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n\
             from = \"xunjian@gov.example\"\ntimeout_secs = 1\n"
        ),
    )
    .unwrap();
    let clock = SimClock::new(t(NOW), 120.0, Duration::from_millis(500));
    // One urgent operator notice, due at the simulated start.
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("data/xunjian.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    let at = t(NOW).timestamp_millis();
    store
        .enqueue_notice(
            &NewNotice {
                kind: NoticeKind::Operator,
                channel: Channel::Email,
                recipients: vec![OFFICE_ADDR.into()],
                urgent: true,
                payload: serde_json::json!({"v": 1, "type": "operator", "title": "测试", "body": "正文", "url": null}),
                message_id: "<stalled-operator@xunjian.local>".into(),
                due_at_ms: at,
                finding_id: None,
                event_id: None,
            },
            at,
        )
        .await
        .unwrap();
    store.close().await;

    let mut daemon = DaemonProc::spawn("stalled-smtp", &config, &clock.env());
    let addr = daemon.http_addr();
    let line = daemon.wait_for_log("notice not delivered", Duration::from_secs(60));
    assert!(line.contains("timeout") && line.contains("邮件服务器未在时限内答复"), "{line}");
    assert!(!staller.lines().is_empty(), "the daemon reached the stalling server");

    // Degraded once five simulated minutes have passed (2.5 s real), with
    // the reason and the last failure; bounded, not timed.
    let waited = Instant::now();
    let body = loop {
        let (status, body) = http_get(addr, "/healthz");
        if status == 503 && body.contains("outbox_stuck") {
            break body;
        }
        assert!(waited.elapsed() < Duration::from_secs(60), "never degraded: {status} {body}\n{}", daemon.log_text());
        std::thread::sleep(Duration::from_millis(200));
    };
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "degraded", "{body}");
    let reason = health["reasons"].as_array().unwrap().iter().find(|r| r["code"] == "outbox_stuck").unwrap();
    assert!(reason["message"].as_str().unwrap().contains("邮件服务器未在时限内答复"), "{reason}");
    assert_eq!(health["outbox"]["last_failure"]["channel"], "email", "{body}");

    let (status, metrics) = http_get(addr, "/metrics");
    assert_eq!(status, 200);
    let failures = metrics
        .lines()
        .find(|l| l.starts_with("xunjian_notice_delivery_failures_total{channel=\"email\",class=\"timeout\"}"))
        .unwrap_or_else(|| panic!("no timeout counter:\n{metrics}"));
    let n: u64 = failures.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(n >= 1, "{failures}");
    assert!(metrics.contains("xunjian_outbox_depth 1"), "{metrics}");

    daemon.signal("TERM");
    assert!(daemon.wait_exit(Duration::from_secs(60)).success(), "{}", daemon.log_text());
    staller.stop().await;
}
