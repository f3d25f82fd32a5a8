//! With no SMTP server configured, notices become `.eml` files in the
//! outbox directory; digests, reminders and quiet hours, end to end, on
//! SQLite and PostgreSQL.

mod common;
#[path = "smtp/kit.rs"]
mod kit;

use chrono::TimeDelta;
use kit::*;
use std::path::{Path, PathBuf};
use xunjian::notify::{plan_reminders, run_digest};
use xunjian::rules::{RuleId, Verdict};
use xunjian::store::{NoticeKind, NoticeState};

fn eml_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

const NOW: &str = "2026-11-21T10:00:00+08:00";

#[tokio::test]
async fn without_smtp_notices_become_eml_files() {
    install_crypto();
    for db in common::backends().await {
        let data = tempfile::tempdir().unwrap();
        // Without a digest, a warning goes at once.
        let cfg = config(&format!(
            "office_recipients = [\"{OFFICE_ADDR}\"]\nunit_contacts = false\ndigest_time = \"\""
        ));
        let s = sender(&cfg, data.path(), &[]);
        let a = add_account(&db.store, "1234567890", "某县人民政府发布", None).await;
        let mut f = finding(
            RuleId::Zombie,
            &a,
            Verdict::Warning,
            "“某县人民政府发布”（新浪微博）已 12 天未更新",
        );
        f.measured
            .insert("silent_secs".into(), (12 * 86_400 + 100).into());
        record(&db.store, &cfg, &[&a], &[f], t(NOW)).await;
        let stats = s.send_due(&db.store, t(NOW), "d").await.unwrap();
        assert_eq!(stats.sent, 1, "{}", db.label);
        let outbox = data.path().join("outbox");
        let files = eml_files(&outbox);
        assert_eq!(files.len(), 1, "{}: {files:?}", db.label);
        let name = files[0].file_name().unwrap().to_string_lossy().to_string();
        assert!(
            name.starts_with("00000001-finding-event-")
                && name.ends_with("-office_xunjian.local.eml"),
            "{name}"
        );
        let raw = std::fs::read(&files[0]).unwrap();
        let p = parse(&raw);
        assert_eq!(
            p.subject(),
            Some("【政务新媒体巡检】预警：“某县人民政府发布”（新浪微博）已12天未更新")
        );
        assert_eq!(to_addresses(&p), vec![OFFICE_ADDR.to_string()]);
        assert!(p.body_text(0).unwrap().contains(CITATION_TEXT));
        assert!(p.body_html(0).unwrap().contains(CITATION_TEXT));
        let n = db
            .store
            .list_notices(&[], None, None, 1)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(n.state, NoticeState::Sent);
        assert!(
            n.server_reply.as_deref().unwrap().contains(&name),
            "{:?}",
            n.server_reply
        );

        // Resent: the same file again (same name, same Message-ID), no
        // second file; no temporary file left behind.
        assert_eq!(
            db.store
                .resend_notice(n.id, t(NOW).timestamp_millis())
                .await
                .unwrap(),
            Some(NoticeState::Sent)
        );
        assert_eq!(
            s.send_due(&db.store, t(NOW) + TimeDelta::minutes(1), "d")
                .await
                .unwrap()
                .sent,
            1
        );
        let again = eml_files(&outbox);
        assert_eq!(again, files, "{}", db.label);
        assert_eq!(
            parse(&std::fs::read(&again[0]).unwrap()).message_id(),
            p.message_id()
        );
        db.finish().await;
    }
}

/// Zero set-up: no address configured at all still shows, in the outbox,
/// what would have gone — addressed so that it can never be delivered.
#[tokio::test]
async fn with_no_address_configured_the_outbox_still_shows_the_notice() {
    install_crypto();
    let db = common::sqlite().await;
    let data = tempfile::tempdir().unwrap();
    let cfg = config("");
    let s = sender(&cfg, data.path(), &[]);
    let a = add_account(&db.store, "1", "甲县发布", None).await;
    record(
        &db.store,
        &cfg,
        &[&a],
        &[finding(RuleId::Vanished, &a, Verdict::Violation, "消失")],
        t(NOW),
    )
    .await;
    assert_eq!(s.send_due(&db.store, t(NOW), "d").await.unwrap().sent, 1);
    let files = eml_files(&data.path().join("outbox"));
    assert_eq!(files.len(), 1);
    let raw = std::fs::read(&files[0]).unwrap();
    assert_eq!(
        to_addresses(&parse(&raw)),
        vec!["unconfigured@invalid".to_string()]
    );
    db.finish().await;
}

/// Non-urgent notices wait for the daily digest, which carries them all in
/// one message per recipient set; urgent ones go at once.
#[tokio::test]
async fn the_digest_bundles_what_is_not_urgent() {
    install_crypto();
    for db in common::backends().await {
        let data = tempfile::tempdir().unwrap();
        let cfg = config(&format!(
            "office_recipients = [\"{OFFICE_ADDR}\"]\nunit_contacts = true"
        ));
        let s = sender(&cfg, data.path(), &[]);
        let a = add_account(&db.store, "1", "甲县发布", Some("jia@county.example")).await;
        let b = add_account(&db.store, "2", "乙县发布", None).await;
        let c = add_account(&db.store, "3", "丙县发布", None).await;
        // A's violation is not a veto item (urgent for the office) but a
        // deduction: it waits for the digest, as does everything for a unit.
        let fs = [
            finding(
                RuleId::Verification,
                &a,
                Verdict::Violation,
                "甲县发布未实名认证",
            ),
            finding(
                RuleId::Zombie,
                &b,
                Verdict::Warning,
                "乙县发布已 12 天未更新",
            ),
            finding(
                RuleId::Vanished,
                &c,
                Verdict::Violation,
                "丙县发布平台答复不存在",
            ),
        ];
        record(&db.store, &cfg, &[&a, &b, &c], &fs, t(NOW)).await;
        let outbox = data.path().join("outbox");
        let stats = s.send_due(&db.store, t(NOW), "d").await.unwrap();
        assert_eq!(stats.sent, 1, "{}: only the urgent one goes now", db.label);

        let digest_at = t("2026-11-22T08:30:00+08:00");
        let id = run_digest(&db.store, &cfg, OFFICE, digest_at)
            .await
            .unwrap()
            .expect("a digest");
        let office_digest = db.store.get_notice(id).await.unwrap().unwrap();
        assert_eq!(office_digest.kind, NoticeKind::Digest);
        assert_eq!(office_digest.recipients, vec![OFFICE_ADDR.to_string()]);
        let carried = db.store.notices_in_batch(id).await.unwrap();
        assert_eq!(carried.len(), 2, "{}: A's and B's office notices", db.label);
        assert!(
            carried
                .iter()
                .all(|n| n.state == NoticeState::Batched && n.batch_id == Some(id))
        );
        // The unit's notice went into a digest of its own.
        let digests = db
            .store
            .list_notices(&[], Some(NoticeKind::Digest), None, 10)
            .await
            .unwrap();
        assert_eq!(digests.len(), 2, "{}", db.label);
        assert!(
            digests
                .iter()
                .any(|d| d.recipients == vec!["jia@county.example".to_string()])
        );
        assert_eq!(
            run_digest(&db.store, &cfg, OFFICE, digest_at + TimeDelta::minutes(1))
                .await
                .unwrap(),
            None
        );

        let stats = s.send_due(&db.store, digest_at, "d").await.unwrap();
        assert_eq!(stats.sent, 2, "{}: the two digests", db.label);
        // The bundled notices are never sent on their own.
        assert_eq!(
            s.send_due(&db.store, digest_at + TimeDelta::days(2), "d")
                .await
                .unwrap()
                .leased,
            0
        );
        let files = eml_files(&outbox);
        assert_eq!(files.len(), 3, "{}: {files:?}", db.label);
        let office_file = files
            .iter()
            .find(|f| f.to_string_lossy().contains(&format!("{:08}-digest", id)))
            .unwrap();
        let raw = std::fs::read(office_file).unwrap();
        let p = parse(&raw);
        assert_eq!(
            p.subject(),
            Some("【政务新媒体巡检】每日汇总（2026-11-22）：新增违规 1 项，预警 1 项，已整改 0 项"),
            "{}",
            db.label
        );
        let text = p.body_text(0).unwrap();
        for want in [
            "甲县发布未实名认证",
            "乙县发布已 12 天未更新",
            CITATION_TEXT,
            "目前仍未整改的全部违规（2 项）",
            "丙县发布",
        ] {
            assert!(
                text.contains(want),
                "{}: {want} missing from\n{text}",
                db.label
            );
        }
        assert!(p.body_html(0).unwrap().contains("甲县发布未实名认证"));
        let unit = digests
            .iter()
            .find(|d| d.recipients == vec!["jia@county.example".to_string()])
            .unwrap();
        let unit_file = files
            .iter()
            .find(|f| {
                f.to_string_lossy()
                    .contains(&format!("{:08}-digest", unit.id))
            })
            .unwrap();
        let unit_text = parse(&std::fs::read(unit_file).unwrap())
            .body_text(0)
            .unwrap()
            .to_string();
        assert!(unit_text.contains("甲县发布未实名认证"));
        assert!(
            !unit_text.contains("乙县发布") && !unit_text.contains("丙县发布"),
            "a unit sees only its own:\n{unit_text}"
        );
        db.finish().await;
    }
}

/// When the digest job does not run, the notices still go out, on their
/// own, after the digest time plus the grace period.
#[tokio::test]
async fn a_missed_digest_still_lets_notices_out() {
    install_crypto();
    let db = common::sqlite().await;
    let data = tempfile::tempdir().unwrap();
    let cfg = config(&format!(
        "office_recipients = [\"{OFFICE_ADDR}\"]\ndigest_grace_minutes = 60"
    ));
    let s = sender(&cfg, data.path(), &[]);
    let a = add_account(&db.store, "1", "甲县发布", None).await;
    record(
        &db.store,
        &cfg,
        &[&a],
        &[finding(RuleId::Verification, &a, Verdict::Violation, "未认证")],
        t(NOW),
    )
    .await;
    assert_eq!(
        s.send_due(&db.store, t("2026-11-22T09:29:00+08:00"), "d")
            .await
            .unwrap()
            .leased,
        0
    );
    assert_eq!(
        s.send_due(&db.store, t("2026-11-22T09:30:00+08:00"), "d")
            .await
            .unwrap()
            .sent,
        1
    );
    db.finish().await;
}

/// Quiet hours hold even urgent notices until they end.
#[tokio::test]
async fn quiet_hours_hold_notices_until_they_end() {
    install_crypto();
    let db = common::sqlite().await;
    let data = tempfile::tempdir().unwrap();
    let cfg = config(&format!(
        "office_recipients = [\"{OFFICE_ADDR}\"]\nquiet_hours = \"22:00-07:00\""
    ));
    let s = sender(&cfg, data.path(), &[]);
    let a = add_account(&db.store, "1", "甲县发布", None).await;
    let night = t("2026-11-21T23:10:00+08:00");
    record(
        &db.store,
        &cfg,
        &[&a],
        &[finding(RuleId::Vanished, &a, Verdict::Violation, "消失")],
        night,
    )
    .await;
    assert_eq!(s.send_due(&db.store, night, "d").await.unwrap().leased, 0);
    assert_eq!(
        s.send_due(&db.store, t("2026-11-22T06:59:00+08:00"), "d")
            .await
            .unwrap()
            .leased,
        0
    );
    assert_eq!(
        s.send_due(&db.store, t("2026-11-22T07:00:00+08:00"), "d")
            .await
            .unwrap()
            .sent,
        1
    );
    db.finish().await;
}

/// Violations open for N days get a reminder, then one every N days, and
/// none once resolved; the digest carries them.
#[tokio::test]
async fn reminders_for_long_open_violations() {
    install_crypto();
    for db in common::backends().await {
        let data = tempfile::tempdir().unwrap();
        let cfg = config(&format!(
            "office_recipients = [\"{OFFICE_ADDR}\"]\nunit_contacts = false\nreminder_days = 7"
        ));
        let a = add_account(&db.store, "1", "甲县发布", None).await;
        let b = add_account(&db.store, "2", "乙县发布", None).await;
        let opened = t("2026-11-01T10:00:00+08:00");
        record(
            &db.store,
            &cfg,
            &[&a],
            &[finding(
                RuleId::Zombie,
                &a,
                Verdict::Violation,
                "甲县发布未更新",
            )],
            opened,
        )
        .await;
        // A warning is never reminded of.
        record(
            &db.store,
            &cfg,
            &[&b],
            &[finding(
                RuleId::Zombie,
                &b,
                Verdict::Warning,
                "乙县发布将超期",
            )],
            opened,
        )
        .await;
        let day = |d: i64, m: i64| opened + TimeDelta::days(d) + TimeDelta::minutes(m);
        assert_eq!(
            plan_reminders(&db.store, &cfg, OFFICE, &xunjian::calendar::HolidayCalendar::builtin(), day(3, 0))
                .await
                .unwrap(),
            0,
            "{}",
            db.label
        );
        assert_eq!(
            plan_reminders(&db.store, &cfg, OFFICE, &xunjian::calendar::HolidayCalendar::builtin(), day(7, 1))
                .await
                .unwrap(),
            1,
            "{}",
            db.label
        );
        assert_eq!(
            plan_reminders(&db.store, &cfg, OFFICE, &xunjian::calendar::HolidayCalendar::builtin(), day(7, 2))
                .await
                .unwrap(),
            0,
            "{}: once",
            db.label
        );
        assert_eq!(
            plan_reminders(&db.store, &cfg, OFFICE, &xunjian::calendar::HolidayCalendar::builtin(), day(10, 0))
                .await
                .unwrap(),
            0,
            "{}",
            db.label
        );
        let r = db
            .store
            .list_notices(&[], Some(NoticeKind::Reminder), None, 10)
            .await
            .unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].payload["open_days"], 7);
        assert!(!r[0].urgent);

        // The digest carries the reminder.
        let id = run_digest(&db.store, &cfg, OFFICE, day(8, 0))
            .await
            .unwrap();
        let carried = db.store.notices_in_batch(id.unwrap()).await.unwrap();
        assert!(
            carried.iter().any(|n| n.kind == NoticeKind::Reminder),
            "{}",
            db.label
        );
        let s = sender(&cfg, data.path(), &[]);
        s.send_due(&db.store, day(8, 0), "d").await.unwrap();
        let digest = eml_files(&data.path().join("outbox"))
            .into_iter()
            .find(|f| f.to_string_lossy().contains("digest"))
            .unwrap();
        let subject = parse(&std::fs::read(&digest).unwrap())
            .subject()
            .unwrap()
            .to_string();
        assert!(subject.contains("逾期未整改 1 项"), "{subject}");

        assert_eq!(
            plan_reminders(&db.store, &cfg, OFFICE, &xunjian::calendar::HolidayCalendar::builtin(), day(14, 2))
                .await
                .unwrap(),
            1,
            "{}: again",
            db.label
        );
        // Resolved: no more reminders.
        record(
            &db.store,
            &cfg,
            &[&a],
            &[finding(RuleId::Zombie, &a, Verdict::Pass, "已更新")],
            day(15, 0),
        )
        .await;
        assert_eq!(
            plan_reminders(&db.store, &cfg, OFFICE, &xunjian::calendar::HolidayCalendar::builtin(), day(30, 0))
                .await
                .unwrap(),
            0,
            "{}",
            db.label
        );
        db.finish().await;
    }
}
