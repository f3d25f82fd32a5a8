//! The outbox's store functions, on SQLite and (when configured)
//! PostgreSQL: leasing, marking, backoff and giving up, expired leases,
//! listing, resending, digest batching, reminder candidates — and two
//! senders never taking the same row.

mod common;
#[path = "smtp/kit.rs"]
mod kit;

use kit::*;
use serde_json::json;
use xunjian::rules::{RuleId, Verdict};
use xunjian::store::{Channel, NewNotice, NoticeKind, NoticeRecord, NoticeState, Store};

fn notice(mid: &str, due: i64, urgent: bool, kind: NoticeKind) -> NewNotice {
    NewNotice {
        kind,
        channel: Channel::Email,
        recipients: vec!["office@gov.example".into()],
        urgent,
        payload: json!({"audience": "office", "n": mid}),
        message_id: format!("<{mid}@test>"),
        due_at_ms: due,
        finding_id: None,
        event_id: None,
    }
}

async fn enqueue(store: &Store, mid: &str, due: i64, urgent: bool) -> i64 {
    store
        .enqueue_notice(&notice(mid, due, urgent, NoticeKind::Finding), 0)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn lease_mark_backoff_give_up_and_expired_leases() {
    for db in common::backends().await {
        let s = &db.store;
        let late = enqueue(s, "late", 1_000, false).await;
        let urgent = enqueue(s, "urgent", 2_000, true).await;
        let future = enqueue(s, "future", 50_000, false).await;
        // A duplicate Message-ID is not a second notice.
        assert_eq!(
            s.enqueue_notice(&notice("late", 1, false, NoticeKind::Finding), 0)
                .await
                .unwrap(),
            None
        );

        let got = s.lease_due_notices("a", 10_000, 20_000, 10).await.unwrap();
        let ids: Vec<i64> = got.iter().map(|n| n.id).collect();
        assert_eq!(
            ids,
            vec![urgent, late],
            "{}: urgent first, only due ones",
            db.label
        );
        assert!(got.iter().all(|n| n.state == NoticeState::Sending
            && n.attempts == 1
            && n.lease_owner.as_deref() == Some("a")));
        assert!(
            s.lease_due_notices("b", 10_001, 20_001, 10)
                .await
                .unwrap()
                .is_empty(),
            "{}: leased rows are taken",
            db.label
        );

        assert!(
            s.mark_notice_sent(urgent, "a", 10_500, "250 2.0.0 Ok")
                .await
                .unwrap()
        );
        assert!(
            !s.mark_notice_sent(urgent, "a", 10_600, "250")
                .await
                .unwrap(),
            "{}: only once",
            db.label
        );
        let sent = s.get_notice(urgent).await.unwrap().unwrap();
        assert_eq!(
            (sent.state, sent.sent_at_ms, sent.server_reply.as_deref()),
            (NoticeState::Sent, Some(10_500), Some("250 2.0.0 Ok"))
        );
        assert_eq!(sent.lease_owner, None);

        // A failure with a retry time: pending again, due then, error kept.
        assert!(
            !s.record_notice_failure(late, "b", 10_700, "x", Some(1))
                .await
                .unwrap(),
            "{}: not b's lease",
            db.label
        );
        assert!(
            s.record_notice_failure(
                late,
                "a",
                10_700,
                "无法连接 (connection refused)",
                Some(70_000)
            )
            .await
            .unwrap()
        );
        let n = s.get_notice(late).await.unwrap().unwrap();
        assert_eq!(
            (n.state, n.due_at_ms, n.attempts),
            (NoticeState::Pending, 70_000, 1)
        );
        assert_eq!(
            n.last_error.as_deref(),
            Some("无法连接 (connection refused)")
        );
        assert_eq!(n.last_attempt_at_ms, Some(10_700));
        let due: Vec<i64> = s
            .lease_due_notices("a", 69_999, 80_000, 10)
            .await
            .unwrap()
            .iter()
            .map(|n| n.id)
            .collect();
        assert_eq!(due, vec![future], "{}", db.label);
        // The crashed holder of `future`: its lease runs out at 80 000.
        let got = s.lease_due_notices("c", 80_001, 90_000, 10).await.unwrap();
        let mut ids: Vec<i64> = got.iter().map(|n| n.id).collect();
        ids.sort();
        assert_eq!(
            ids,
            vec![late, future],
            "{}: expired lease is due again",
            db.label
        );
        let f = got.iter().find(|n| n.id == future).unwrap();
        assert_eq!((f.attempts, f.lease_owner.as_deref()), (2, Some("c")));
        assert!(
            !s.mark_notice_sent(future, "a", 80_002, "250")
                .await
                .unwrap(),
            "{}: the lost lease",
            db.label
        );

        // Giving up: failed, kept, resendable with the same Message-ID.
        assert!(
            s.record_notice_failure(late, "c", 80_003, "550 refused", None)
                .await
                .unwrap()
        );
        let failed = s.get_notice(late).await.unwrap().unwrap();
        assert_eq!(failed.state, NoticeState::Failed);
        assert!(
            s.lease_due_notices("d", 85_000, 86_000, 10)
                .await
                .unwrap()
                .is_empty(),
            "{}: failed is not due",
            db.label
        );
        assert_eq!(
            s.resend_notice(late, 90_000).await.unwrap(),
            Some(NoticeState::Failed)
        );
        let again = s.get_notice(late).await.unwrap().unwrap();
        assert_eq!(
            (again.state, again.attempts, again.due_at_ms),
            (NoticeState::Pending, 0, 90_000)
        );
        assert_eq!(again.message_id, failed.message_id);
        assert_eq!(
            s.resend_notice(future, 90_000).await.unwrap(),
            Some(NoticeState::Sending),
            "{}: in flight: left alone",
            db.label
        );
        assert_eq!(
            s.get_notice(future).await.unwrap().unwrap().state,
            NoticeState::Sending
        );
        assert_eq!(s.resend_notice(999_999, 0).await.unwrap(), None);

        // A stopping daemon gives its leases back without counting the attempt.
        assert_eq!(s.release_notice_leases("c").await.unwrap(), 1);
        let f = s.get_notice(future).await.unwrap().unwrap();
        assert_eq!(
            (f.state, f.attempts, f.lease_owner),
            (NoticeState::Pending, 1, None)
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn list_filters_and_counts() {
    for db in common::backends().await {
        let s = &db.store;
        let a = enqueue(s, "a", 0, false).await;
        let b = enqueue(s, "b", 0, false).await;
        s.enqueue_notice(&notice("d", 0, false, NoticeKind::Digest), 0)
            .await
            .unwrap();
        s.lease_due_notices("x", 1, 100, 1).await.unwrap();
        s.mark_notice_sent(a, "x", 2, "250").await.unwrap();
        let all: Vec<i64> = s
            .list_notices(&[], None, None, 10)
            .await
            .unwrap()
            .iter()
            .map(|n| n.id)
            .collect();
        assert_eq!(all.len(), 3);
        assert!(
            all.windows(2).all(|w| w[0] > w[1]),
            "{}: newest first",
            db.label
        );
        let pending = s
            .list_notices(&[NoticeState::Pending], Some(NoticeKind::Finding), None, 10)
            .await
            .unwrap();
        assert_eq!(
            pending.iter().map(|n| n.id).collect::<Vec<_>>(),
            vec![b],
            "{}: {:?}",
            db.label,
            s.list_notices(&[], None, None, 10).await.unwrap()
        );
        let two = s
            .list_notices(&[NoticeState::Pending, NoticeState::Sent], None, None, 10)
            .await
            .unwrap();
        assert_eq!(two.len(), 3);
        assert_eq!(s.list_notices(&[], None, None, 1).await.unwrap().len(), 1);
        assert!(
            s.list_notices(&[], None, Some(12345), 10)
                .await
                .unwrap()
                .is_empty()
        );
        let counts = s.notice_counts().await.unwrap();
        assert!(
            counts.contains(&(NoticeState::Pending, 2)) && counts.contains(&(NoticeState::Sent, 1)),
            "{counts:?}"
        );
        db.finish().await;
    }
}

/// Two senders leasing at the same time over separate connections (as two
/// daemons on one database): every row is taken exactly once.
#[tokio::test]
async fn two_senders_never_take_the_same_row() {
    for db in common::backends().await {
        let s = &db.store;
        let mut all = Vec::new();
        for i in 0..60 {
            all.push(enqueue(s, &format!("n{i}"), 0, i % 3 == 0).await);
        }
        let one = s.clone();
        let two = s.clone();
        let task = |st: Store, owner: &'static str| {
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let got = st.lease_due_notices(owner, 10, 1_000_000, 7).await.unwrap();
                    if got.is_empty() {
                        break;
                    }
                    assert!(
                        got.len() <= 7,
                        "{owner} leased {} rows with a limit of 7",
                        got.len()
                    );
                    mine.extend(got.iter().map(|n| n.id));
                    tokio::task::yield_now().await;
                }
                mine
            })
        };
        let (a, b) = (task(one, "one"), task(two, "two"));
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        let mut taken: Vec<i64> = a.iter().chain(b.iter()).copied().collect();
        taken.sort();
        let mut dedup = taken.clone();
        dedup.dedup();
        assert_eq!(taken, dedup, "{}: a row taken twice", db.label);
        all.sort();
        assert_eq!(taken, all, "{}: every row taken", db.label);
        db.finish().await;
    }
}

#[tokio::test]
async fn batching_claims_each_row_once() {
    for db in common::backends().await {
        let s = &db.store;
        let a = enqueue(s, "a", 100, false).await;
        let b = enqueue(s, "b", 100, false).await;
        let u = enqueue(s, "u", 100, true).await;
        let r = s
            .enqueue_notice(&notice("r", 100, false, NoticeKind::Reminder), 0)
            .await
            .unwrap()
            .unwrap();
        let d = s
            .enqueue_notice(&notice("old-digest", 100, false, NoticeKind::Digest), 0)
            .await
            .unwrap()
            .unwrap();
        // A plan that carries a and r, and leaves b out.
        let plan = |claimed: &[NoticeRecord]| {
            let ids: Vec<i64> = claimed.iter().map(|n| n.id).collect();
            assert!(
                !ids.contains(&u) && !ids.contains(&d),
                "urgent and digests are never carried: {ids:?}"
            );
            vec![(
                notice("digest-1", 500, false, NoticeKind::Digest),
                vec![a, r],
            )]
        };
        let made = s.batch_notices(400, &plan).await.unwrap();
        assert_eq!(made.len(), 1, "{}", db.label);
        let carried: Vec<i64> = s
            .notices_in_batch(made[0])
            .await
            .unwrap()
            .iter()
            .map(|n| n.id)
            .collect();
        assert_eq!(carried, vec![a, r]);
        assert_eq!(
            s.get_notice(b).await.unwrap().unwrap().state,
            NoticeState::Pending,
            "{}: not carried: back",
            db.label
        );
        assert_eq!(
            s.get_notice(u).await.unwrap().unwrap().state,
            NoticeState::Pending
        );
        assert_eq!(
            s.get_notice(made[0]).await.unwrap().unwrap().kind,
            NoticeKind::Digest
        );
        // A second run finds only b.
        let seen = std::sync::Mutex::new(Vec::new());
        let plan2 = |claimed: &[NoticeRecord]| {
            seen.lock().unwrap().extend(claimed.iter().map(|n| n.id));
            Vec::new()
        };
        assert!(s.batch_notices(401, &plan2).await.unwrap().is_empty());
        assert_eq!(*seen.lock().unwrap(), vec![b], "{}", db.label);
        // A digest whose Message-ID exists is not written twice; its rows stay pending.
        let plan3 = |_: &[NoticeRecord]| {
            vec![(notice("digest-1", 500, false, NoticeKind::Digest), vec![b])]
        };
        assert!(s.batch_notices(402, &plan3).await.unwrap().is_empty());
        assert_eq!(
            s.get_notice(b).await.unwrap().unwrap().state,
            NoticeState::Pending
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn reminder_candidates_are_open_old_and_not_reminded() {
    for db in common::backends().await {
        let s = &db.store;
        let a = add_account(s, "1", "甲", None).await;
        let b = add_account(s, "2", "乙", None).await;
        let c = add_account(s, "3", "丙", None).await;
        let day = 86_400_000i64;
        let none = |_: &xunjian::store::FindingTransition| Vec::new();
        s.record_evaluation(
            &[finding(RuleId::Zombie, &a, Verdict::Violation, "a")],
            0,
            &none,
        )
        .await
        .unwrap();
        s.record_evaluation(
            &[finding(RuleId::Zombie, &b, Verdict::Warning, "b")],
            0,
            &none,
        )
        .await
        .unwrap();
        s.record_evaluation(
            &[finding(RuleId::Zombie, &c, Verdict::Violation, "c")],
            5 * day,
            &none,
        )
        .await
        .unwrap();
        let ids = |v: Vec<xunjian::store::StoredFinding>| {
            v.into_iter().map(|f| f.account_id).collect::<Vec<_>>()
        };
        assert_eq!(
            ids(s.findings_due_for_reminder(day, day).await.unwrap()),
            vec![a.id],
            "{}",
            db.label
        );
        assert_eq!(
            ids(s.findings_due_for_reminder(6 * day, 6 * day).await.unwrap()),
            vec![a.id, c.id]
        );
        let fa = s
            .list_findings(&Default::default())
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.account_id == a.id)
            .unwrap();
        let mut r = notice("rem-a", 0, false, NoticeKind::Reminder);
        r.finding_id = Some(fa.id);
        s.enqueue_notices(&[r], 7 * day).await.unwrap();
        assert_eq!(
            ids(s.findings_due_for_reminder(8 * day, 6 * day).await.unwrap()),
            vec![c.id],
            "{}: a was reminded",
            db.label
        );
        assert_eq!(
            ids(s.findings_due_for_reminder(8 * day, 7 * day).await.unwrap()),
            vec![a.id, c.id]
        );
        db.finish().await;
    }
}
