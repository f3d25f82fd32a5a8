//! Notices through a real SMTP server (aiosmtpd, `tests/smtp/server.py`):
//! what arrives is parsed by a real mail parser. Outage, crash and wrong
//! password cases: nothing lost, nothing twice.

mod common;
#[path = "smtp/harness.rs"]
mod harness;
#[path = "smtp/kit.rs"]
mod kit;

use chrono::TimeDelta;
use harness::{PASSWORD, REFUSED_DOMAIN, SmtpServer, USER};
use kit::*;
use xunjian::notify::{FailureClass, NotifyConfig};
use xunjian::rules::{RuleId, Verdict};
use xunjian::store::{NoticeKind, NoticeState};

fn smtp_config(server: &SmtpServer, security: &str, port: u16, extra: &str) -> NotifyConfig {
    let auth = if security == "none" {
        String::new()
    } else {
        format!("user = \"{USER}\"\n")
    };
    // No digest: these tests are about delivery, and every notice goes at
    // once (units included) without one.
    config(&format!(
        "office_recipients = [\"{OFFICE_ADDR}\"]\nunit_contacts = false\ndigest_time = \"\"\n{extra}\n\
         [smtp]\nhost = \"localhost\"\nport = {port}\nsecurity = \"{security}\"\n{auth}\
         from = \"xunjian@gov.example\"\nca_file = \"{}\"\ntimeout_secs = 10\n",
        server.ca_pem.display()
    ))
}

const NOW: &str = "2026-11-21T10:00:00+08:00";

/// The "done when": one finding transition in a test store gives
/// exactly one correct message in the server's mailbox.
#[tokio::test]
async fn a_transition_yields_exactly_one_correct_message() {
    let Some(server) = SmtpServer::start("a_transition_yields_exactly_one_correct_message") else {
        return;
    };
    install_crypto();
    let db = common::sqlite().await;
    let data = tempfile::tempdir().unwrap();
    let cfg = smtp_config(&server, "starttls", server.starttls, "");
    let sender = sender(&cfg, data.path(), &[("smtp-password", PASSWORD)]);
    let a = add_account(
        &db.store,
        "1234567890",
        "某县人民政府发布",
        Some("unit@county.example"),
    )
    .await;
    let now = t(NOW);
    let f = finding(
        RuleId::Vanished,
        &a,
        Verdict::Violation,
        "“某县人民政府发布”（新浪微博）平台连续 2 次答复账号不存在",
    );
    let tr = record(&db.store, &cfg, &[&a], &[f], now).await;
    assert_eq!(tr.len(), 1);
    let notices = db
        .store
        .notices_for_finding(tr[0].finding_id)
        .await
        .unwrap();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].urgent, "a vanished account goes at once");

    let stats = sender.send_due(&db.store, now, "daemon-a").await.unwrap();
    assert_eq!(
        (stats.leased, stats.sent, stats.retrying, stats.failed),
        (1, 1, 0, 0),
        "{stats:?}"
    );
    let got = server.messages();
    assert_eq!(got.len(), 1, "exactly one message");
    let m = &got[0];
    assert_eq!(m.listener, "starttls");
    assert_eq!(m.auth_login, USER);
    assert_eq!(m.rcpt_to, vec![OFFICE_ADDR.to_string()]);
    assert_eq!(m.mail_from, "xunjian@gov.example");
    // Chinese headers travel RFC 2047-encoded, never as raw 8-bit.
    let head =
        String::from_utf8_lossy(&m.raw[..m.raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap()])
            .to_string();
    assert!(
        head.lines().any(|l| l.starts_with("Subject: =?utf-8?")),
        "{head}"
    );
    assert!(head.is_ascii(), "{head}");
    assert!(head.contains("Auto-Submitted: auto-generated"), "{head}");

    let p = parse(&m.raw);
    assert_eq!(
        p.subject(),
        Some("【政务新媒体巡检】违规：“某县人民政府发布”（新浪微博）平台显示账号不存在或已被封禁")
    );
    assert_eq!(to_addresses(&p), vec![OFFICE_ADDR.to_string()]);
    assert_eq!(p.from().unwrap().first().unwrap().name(), Some(OFFICE));
    let stored = db.store.get_notice(notices[0].id).await.unwrap().unwrap();
    assert_eq!(format!("<{}>", p.message_id().unwrap()), stored.message_id);
    assert_eq!(p.text_body_count(), 1);
    assert_eq!(p.html_body_count(), 1);
    let text = p.body_text(0).unwrap();
    let html = p.body_html(0).unwrap();
    for body in [&text, &html] {
        assert!(body.contains(CITATION_TEXT), "citation missing:\n{body}");
        assert!(body.contains("某县人民政府发布"), "{body}");
        assert!(body.contains("平台连续 2 次答复账号不存在"), "{body}");
        // The page a person opens, not the API address of the capture.
        assert!(body.contains("https://weibo.com/u/1234567890"), "{body}");
        assert!(!body.contains("m.weibo.cn/api"), "{body}");
        assert!(
            body.contains(&sha(a.id as u8)),
            "capture hash missing:\n{body}"
        );
        assert!(
            body.contains("2026-11-21 09:55"),
            "evidence time missing:\n{body}"
        );
        assert!(body.contains("某县人民政府发布运营单位"), "{body}");
    }
    assert!(html.contains("<table"), "{html}");

    // Marked sent with the server's reply; a second pass sends nothing.
    assert_eq!(stored.state, NoticeState::Sent);
    assert!(
        stored
            .server_reply
            .as_deref()
            .unwrap_or_default()
            .starts_with("250"),
        "{stored:?}"
    );
    let again = sender
        .send_due(&db.store, now + TimeDelta::minutes(5), "daemon-a")
        .await
        .unwrap();
    assert_eq!(again.leased, 0);
    assert_eq!(server.messages().len(), 1);
    // The same evaluation recorded again is no transition: no new notice.
    let f = finding(RuleId::Vanished, &a, Verdict::Violation, "同上");
    assert!(
        record(&db.store, &cfg, &[&a], &[f], now + TimeDelta::hours(1))
            .await
            .is_empty()
    );
    db.finish().await;
}

/// The unit's contact gets its own message; each notice arrives once.
#[tokio::test]
async fn the_unit_gets_its_own_message() {
    let Some(server) = SmtpServer::start("the_unit_gets_its_own_message") else {
        return;
    };
    install_crypto();
    let db = common::sqlite().await;
    let data = tempfile::tempdir().unwrap();
    let cfg = smtp_config(&server, "starttls", server.starttls, "");
    let cfg = NotifyConfig {
        unit_contacts: true,
        ..cfg
    };
    let sender = sender(&cfg, data.path(), &[("smtp-password", PASSWORD)]);
    let a = add_account(&db.store, "1", "甲县发布", Some("unit@county.example")).await;
    let f = finding(
        RuleId::RepostDelay,
        &a,
        Verdict::Violation,
        "甲县发布截至 10:00 未转发省政府发布的重要信息",
    );
    record(&db.store, &cfg, &[&a], &[f], t(NOW)).await;
    let stats = sender.send_due(&db.store, t(NOW), "d").await.unwrap();
    assert_eq!(stats.sent, 2);
    let got = server.messages();
    let mut rcpts: Vec<Vec<String>> = got.iter().map(|m| m.rcpt_to.clone()).collect();
    rcpts.sort();
    assert_eq!(
        rcpts,
        vec![
            vec!["office@gov.example".to_string()],
            vec!["unit@county.example".to_string()]
        ]
    );
    let unit = got
        .iter()
        .find(|m| m.rcpt_to[0] == "unit@county.example")
        .unwrap();
    let p = parse(&unit.raw);
    assert!(
        p.body_text(0).unwrap().starts_with("甲县发布运营单位："),
        "addressed to the unit"
    );
    assert_eq!(
        p.subject(),
        // A missed repost is an event (issue 16): recorded, not opened for rectification.
        Some("【政务新媒体巡检】违规记录：“甲县发布”（新浪微博）重要信息逾期未转发")
    );
    db.finish().await;
}

#[tokio::test]
async fn implicit_tls_and_plain_loopback() {
    let Some(server) = SmtpServer::start("implicit_tls_and_plain_loopback") else {
        return;
    };
    install_crypto();
    let db = common::sqlite().await;
    let data = tempfile::tempdir().unwrap();
    let a = add_account(&db.store, "1", "乙县发布", None).await;
    let b = add_account(&db.store, "2", "丙县发布", None).await;
    let tls = smtp_config(&server, "tls", server.smtps, "");
    let plain = smtp_config(&server, "none", server.plain, "");
    record(
        &db.store,
        &tls,
        &[&a],
        &[finding(RuleId::Vanished, &a, Verdict::Violation, "消失")],
        t(NOW),
    )
    .await;
    let s = sender(&tls, data.path(), &[("smtp-password", PASSWORD)]);
    assert_eq!(s.send_due(&db.store, t(NOW), "d").await.unwrap().sent, 1);
    record(
        &db.store,
        &plain,
        &[&b],
        &[finding(RuleId::Vanished, &b, Verdict::Violation, "消失")],
        t(NOW),
    )
    .await;
    let s = sender(&plain, data.path(), &[]);
    assert_eq!(s.send_due(&db.store, t(NOW), "d").await.unwrap().sent, 1);
    let got = server.messages();
    let listeners: Vec<&str> = got.iter().map(|m| m.listener.as_str()).collect();
    assert_eq!(listeners, ["smtps", "plain"]);
    assert_eq!(got[0].auth_login, USER);
    assert!(parse(&got[1].raw).subject().unwrap().contains("丙县发布"));
    db.finish().await;
}

/// Server down: notices wait with the error; server back: each one is
/// delivered exactly once.
#[tokio::test]
async fn server_down_then_back_each_delivered_once() {
    let Some(mut server) = SmtpServer::start("server_down_then_back_each_delivered_once") else {
        return;
    };
    install_crypto();
    for db in common::backends().await {
        let data = tempfile::tempdir().unwrap();
        let cfg = smtp_config(&server, "starttls", server.starttls, "");
        let sender = sender(&cfg, data.path(), &[("smtp-password", PASSWORD)]);
        let before = server.messages().len();
        let mut accounts = Vec::new();
        for i in 0..3 {
            accounts
                .push(add_account(&db.store, &format!("9{i}"), &format!("{i}号账号"), None).await);
        }
        let findings: Vec<_> = accounts
            .iter()
            .map(|a| {
                finding(
                    RuleId::Vanished,
                    a,
                    Verdict::Violation,
                    "平台答复账号不存在",
                )
            })
            .collect();
        let refs: Vec<_> = accounts.iter().collect();
        record(&db.store, &cfg, &refs, &findings, t(NOW)).await;

        server.stop();
        let now = t(NOW);
        let stats = sender.send_due(&db.store, now, "d").await.unwrap();
        assert_eq!(
            (stats.leased, stats.sent, stats.retrying, stats.failed),
            (3, 0, 3, 0),
            "{}: {stats:?}",
            db.label
        );
        let pending = db
            .store
            .list_notices(&[NoticeState::Pending], None, None, 10)
            .await
            .unwrap();
        assert_eq!(pending.len(), 3, "{}", db.label);
        for n in &pending {
            let e = n.last_error.as_deref().unwrap_or_default();
            assert!(
                e.contains("无法连接邮件服务器") && e.contains("connection refused"),
                "{}: {e}",
                db.label
            );
            assert!(n.due_at_ms > now.timestamp_millis(), "backed off");
        }
        // Not due yet: nothing is tried.
        assert_eq!(
            sender
                .send_due(&db.store, now + TimeDelta::seconds(30), "d")
                .await
                .unwrap()
                .leased,
            0
        );

        server.restart();
        let stats = sender
            .send_due(&db.store, now + TimeDelta::seconds(61), "d")
            .await
            .unwrap();
        assert_eq!(
            (stats.sent, stats.retrying),
            (3, 0),
            "{}: {stats:?}",
            db.label
        );
        assert_eq!(
            sender
                .send_due(&db.store, now + TimeDelta::hours(1), "d")
                .await
                .unwrap()
                .leased,
            0
        );
        let got = &server.messages()[before..];
        assert_eq!(got.len(), 3, "{}: each exactly once", db.label);
        let mut ids: Vec<String> = got
            .iter()
            .map(|m| parse(&m.raw).message_id().unwrap().to_string())
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 3, "{}", db.label);
        db.finish().await;
    }
}

/// A daemon killed between taking a notice and marking it sent: after the
/// lease expires another delivers it, once, with the same Message-ID.
#[tokio::test]
async fn crash_between_lease_and_sent_delivers_once_after_expiry() {
    let Some(server) = SmtpServer::start("crash_between_lease_and_sent_delivers_once_after_expiry")
    else {
        return;
    };
    install_crypto();
    for db in common::backends().await {
        let before = server.messages().len();
        let data = tempfile::tempdir().unwrap();
        let cfg = smtp_config(&server, "starttls", server.starttls, "lease_secs = 300");
        let a = add_account(&db.store, "7", "丁县发布", None).await;
        record(
            &db.store,
            &cfg,
            &[&a],
            &[finding(RuleId::Vanished, &a, Verdict::Violation, "消失")],
            t(NOW),
        )
        .await;
        let now = t(NOW);
        // The crashed daemon: leased, then gone.
        let leased = db
            .store
            .lease_due_notices(
                "crashed",
                now.timestamp_millis(),
                (now + TimeDelta::seconds(300)).timestamp_millis(),
                10,
            )
            .await
            .unwrap();
        assert_eq!(leased.len(), 1);
        let message_id = leased[0].message_id.clone();
        drop(leased);

        let sender = sender(&cfg, data.path(), &[("smtp-password", PASSWORD)]);
        let stats = sender
            .send_due(&db.store, now + TimeDelta::seconds(60), "survivor")
            .await
            .unwrap();
        assert_eq!(
            stats.leased, 0,
            "{}: still leased by the crashed daemon",
            db.label
        );
        assert_eq!(server.messages().len(), before);

        let stats = sender
            .send_due(&db.store, now + TimeDelta::seconds(301), "survivor")
            .await
            .unwrap();
        assert_eq!(stats.sent, 1, "{}: {stats:?}", db.label);
        assert_eq!(
            sender
                .send_due(&db.store, now + TimeDelta::seconds(700), "survivor")
                .await
                .unwrap()
                .leased,
            0
        );
        let got = &server.messages()[before..];
        assert_eq!(got.len(), 1, "{}", db.label);
        assert_eq!(
            format!("<{}>", parse(&got[0].raw).message_id().unwrap()),
            message_id
        );
        let n = db
            .store
            .list_notices(&[], None, None, 10)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(
            (n.state, n.attempts),
            (NoticeState::Sent, 2),
            "{}",
            db.label
        );
        // The crashed daemon comes back and says "sent": refused, its lease is gone.
        assert!(
            !db.store
                .mark_notice_sent(n.id, "crashed", now.timestamp_millis(), "250")
                .await
                .unwrap()
        );
        db.finish().await;
    }
}

/// A wrong password: a clear error, the notice kept; the right password
/// later sends it.
#[tokio::test]
async fn wrong_password_is_a_clear_error_and_the_notice_is_kept() {
    let Some(server) = SmtpServer::start("wrong_password_is_a_clear_error_and_the_notice_is_kept")
    else {
        return;
    };
    install_crypto();
    let db = common::sqlite().await;
    let data = tempfile::tempdir().unwrap();
    let cfg = smtp_config(&server, "starttls", server.starttls, "");
    let a = add_account(&db.store, "8", "戊县发布", None).await;
    record(
        &db.store,
        &cfg,
        &[&a],
        &[finding(RuleId::Vanished, &a, Verdict::Violation, "消失")],
        t(NOW),
    )
    .await;
    let wrong = sender(&cfg, data.path(), &[("smtp-password", "wrong")]);
    let stats = wrong.send_due(&db.store, t(NOW), "d").await.unwrap();
    assert_eq!((stats.sent, stats.retrying, stats.failed), (0, 1, 0));
    let n = db
        .store
        .list_notices(&[], None, None, 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(n.state, NoticeState::Pending, "kept for a retry");
    let e = n.last_error.clone().unwrap();
    assert!(
        e.starts_with("登录认证失败 (authentication failed)") && e.contains("535"),
        "{e}"
    );
    let test = wrong
        .send_test("someone@gov.example", t(NOW))
        .await
        .unwrap_err();
    assert_eq!(test.class, FailureClass::Auth);
    assert!(server.messages().is_empty());

    let right = sender(&cfg, data.path(), &[("smtp-password", PASSWORD)]);
    assert_eq!(
        right
            .send_due(&db.store, t(NOW) + TimeDelta::minutes(2), "d")
            .await
            .unwrap()
            .sent,
        1
    );
    assert_eq!(server.messages().len(), 1);
    assert_eq!(
        format!(
            "<{}>",
            parse(&server.messages()[0].raw).message_id().unwrap()
        ),
        n.message_id
    );
    db.finish().await;
}

/// `notices test` names what went wrong: a refused recipient, an untrusted
/// certificate, nothing listening.
#[tokio::test]
async fn test_mail_names_refused_recipient_tls_and_connection_failures() {
    let Some(server) =
        SmtpServer::start("test_mail_names_refused_recipient_tls_and_connection_failures")
    else {
        return;
    };
    install_crypto();
    let data = tempfile::tempdir().unwrap();
    let now = t(NOW);
    let cfg = smtp_config(&server, "starttls", server.starttls, "");
    let s = sender(&cfg, data.path(), &[("smtp-password", PASSWORD)]);
    let ok = s.send_test("ops@gov.example", now).await.unwrap();
    assert!(ok.reply.starts_with("250"), "{ok:?}");
    let p = parse(&server.messages()[0].raw)
        .subject()
        .unwrap()
        .to_string();
    assert_eq!(p, "【政务新媒体巡检】测试邮件（2026-11-21 10:00）");

    let refused = s
        .send_test(&format!("nobody@{REFUSED_DOMAIN}"), now)
        .await
        .unwrap_err();
    assert_eq!(refused.class, FailureClass::RecipientRefused, "{refused}");
    assert!(refused.detail.contains("550"), "{refused}");
    assert!(
        refused
            .to_string()
            .starts_with("收件地址被拒绝 (recipient refused)")
    );

    // The system's roots do not include the test CA.
    let mut untrusted = cfg.clone();
    untrusted.smtp.ca_file = String::new();
    let e = sender(&untrusted, data.path(), &[("smtp-password", PASSWORD)])
        .send_test("ops@gov.example", now)
        .await
        .unwrap_err();
    assert_eq!(e.class, FailureClass::Tls, "{e}");
    // Implicit TLS spoken to the STARTTLS port is a TLS failure too.
    let mut wrong_mode = cfg.clone();
    wrong_mode.smtp.security = xunjian::notify::SmtpSecurity::Tls;
    let e = sender(&wrong_mode, data.path(), &[("smtp-password", PASSWORD)])
        .send_test("ops@gov.example", now)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e.class,
            FailureClass::Tls | FailureClass::Network | FailureClass::Timeout
        ),
        "{e}"
    );

    let mut down = cfg.clone();
    down.smtp.port = harness::free_port();
    let e = sender(&down, data.path(), &[("smtp-password", PASSWORD)])
        .send_test("ops@gov.example", now)
        .await
        .unwrap_err();
    assert_eq!(e.class, FailureClass::ConnectionRefused, "{e}");
    assert_eq!(server.messages().len(), 1, "only the good test arrived");
}

/// A notice to an address the server refuses is given up at once (sending
/// it again cannot help) and kept as failed, resendable.
#[tokio::test]
async fn a_refused_recipient_fails_the_notice_without_retries() {
    let Some(server) = SmtpServer::start("a_refused_recipient_fails_the_notice_without_retries")
    else {
        return;
    };
    install_crypto();
    let db = common::sqlite().await;
    let data = tempfile::tempdir().unwrap();
    let cfg = smtp_config(&server, "starttls", server.starttls, "");
    let cfg = NotifyConfig {
        unit_contacts: true,
        ..cfg
    };
    let a = add_account(
        &db.store,
        "5",
        "己县发布",
        Some(&format!("gone@{REFUSED_DOMAIN}")),
    )
    .await;
    record(
        &db.store,
        &cfg,
        &[&a],
        &[finding(RuleId::Vanished, &a, Verdict::Violation, "消失")],
        t(NOW),
    )
    .await;
    let s = sender(&cfg, data.path(), &[("smtp-password", PASSWORD)]);
    let stats = s.send_due(&db.store, t(NOW), "d").await.unwrap();
    assert_eq!(
        (stats.sent, stats.failed, stats.retrying),
        (1, 1, 0),
        "{stats:?}"
    );
    let failed = db
        .store
        .list_notices(&[NoticeState::Failed], None, None, 10)
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].recipients, vec![format!("gone@{REFUSED_DOMAIN}")]);
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("收件地址被拒绝")
    );
    assert_eq!(server.messages().len(), 1, "the office's copy arrived");
    db.finish().await;
}

/// Not a test of speed (benchmarks measure speed): prints the time per
/// notice against aiosmtpd for the report. `cargo test -- --ignored`.
#[tokio::test]
#[ignore]
async fn measure_send_latency() {
    let Some(server) = SmtpServer::start("measure_send_latency") else {
        return;
    };
    install_crypto();
    let db = common::sqlite().await;
    let data = tempfile::tempdir().unwrap();
    for (mode, port) in [
        ("starttls", server.starttls),
        ("tls", server.smtps),
        ("none", server.plain),
    ] {
        let cfg = smtp_config(&server, mode, port, "batch_size = 200");
        let mut accounts = Vec::new();
        for i in 0..100 {
            accounts.push(
                add_account(
                    &db.store,
                    &format!("{mode}{i}"),
                    &format!("{mode}{i}"),
                    None,
                )
                .await,
            );
        }
        let refs: Vec<_> = accounts.iter().collect();
        let fs: Vec<_> = accounts
            .iter()
            .map(|a| finding(RuleId::Vanished, a, Verdict::Violation, "消失"))
            .collect();
        record(&db.store, &cfg, &refs, &fs, t(NOW)).await;
        let s = sender(&cfg, data.path(), &[("smtp-password", PASSWORD)]);
        let start = std::time::Instant::now();
        let stats = s.send_due(&db.store, t(NOW), "d").await.unwrap();
        let el = start.elapsed();
        eprintln!(
            "{mode}: {} notices in {:?} = {:.1} ms/notice",
            stats.sent,
            el,
            el.as_secs_f64() * 1000.0 / stats.sent as f64
        );
    }
    let _ = NoticeKind::Finding;
    db.finish().await;
}
