//! The schedule's lease table and job occurrences, on SQLite and (when
//! configured) PostgreSQL: exclusive leases, expiry takeover, fencing of a
//! late completion, heartbeats, and each job occurrence run once.

mod common;

use xunjian::accounts::{AccountSpec, LifecycleStatus};
use xunjian::adapters::model::Platform;
use xunjian::store::{CheckKind, NextDue, Store};

const T0: i64 = 1_790_000_000_000;
const MIN: i64 = 60_000;

/// A routine next look at `at`, decided within a day.
fn next(at: i64) -> Option<NextDue<'static>> {
    Some(NextDue { due_at_ms: at, decide_by_ms: at + 1440 * MIN, reason: "quiet" })
}

async fn accounts(store: &Store, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let spec = AccountSpec::new(Platform::Weibo, format!("70000000{i:02}"), format!("测试账号{i}"));
        ids.push(store.add_account(&spec, T0, "test").await.unwrap().id);
    }
    ids
}

#[tokio::test]
async fn sync_gives_each_polled_account_one_regular_check() {
    for db in common::backends().await {
        let s = &db.store;
        let ids = accounts(s, 3).await;
        let mut planned = AccountSpec::new(Platform::Weibo, "7100000001", "拟开通账号");
        planned.status = LifecycleStatus::Planned;
        s.add_account(&planned, T0, "test").await.unwrap();
        s.add_account(&AccountSpec::new(Platform::Wechat, "gh_x", "微信账号"), T0, "test").await.unwrap();
        assert_eq!(s.sync_poll_checks(&[Platform::Weibo], T0).await.unwrap(), (3, 0), "{}", db.label);
        // Idempotent.
        assert_eq!(s.sync_poll_checks(&[Platform::Weibo], T0 + MIN).await.unwrap(), (0, 0), "{}", db.label);
        let due = s.due_checks(None).await.unwrap();
        assert_eq!(due.iter().map(|d| d.account_id).collect::<Vec<_>>(), ids, "{}", db.label);
        assert!(due.iter().all(|d| d.kind == CheckKind::Poll && d.due_at_ms == T0 && d.reason == "new"));
        // A platform turned off loses its checks; a closed account too.
        s.set_account_status(ids[0], LifecycleStatus::Closed, T0, "test").await.unwrap();
        assert_eq!(s.sync_poll_checks(&[Platform::Weibo], T0).await.unwrap(), (0, 1), "{}", db.label);
        assert_eq!(s.sync_poll_checks(&[], T0).await.unwrap(), (0, 2), "{}", db.label);
        db.finish().await;
    }
}

#[tokio::test]
async fn a_lease_is_exclusive_until_it_expires_and_a_late_completion_is_refused() {
    for db in common::backends().await {
        let s = &db.store;
        let ids = accounts(s, 2).await;
        s.sync_poll_checks(&[Platform::Weibo], T0).await.unwrap();
        // Not yet due.
        assert!(s.lease_due_checks("a", Platform::Weibo, T0 - 1, T0 + MIN, 10).await.unwrap().is_empty());
        let a = s.lease_due_checks("a", Platform::Weibo, T0, T0 + MIN, 1).await.unwrap();
        assert_eq!(a.len(), 1, "{}", db.label);
        assert_eq!((a[0].account_id, a[0].attempts, a[0].lease_owner.as_deref()), (ids[0], 1, Some("a")));
        // B gets the other one only; nothing is leased twice.
        let b = s.lease_due_checks("b", Platform::Weibo, T0, T0 + MIN, 10).await.unwrap();
        assert_eq!(b.iter().map(|d| d.account_id).collect::<Vec<_>>(), vec![ids[1]], "{}", db.label);
        assert!(s.lease_due_checks("c", Platform::Weibo, T0 + MIN, T0 + 2 * MIN, 10).await.unwrap().is_empty());
        // A stalls past its lease; C takes the check over.
        let c = s.lease_due_checks("c", Platform::Weibo, T0 + MIN + 1, T0 + 3 * MIN, 10).await.unwrap();
        assert_eq!(c.iter().map(|d| d.account_id).collect::<Vec<_>>(), vec![ids[0], ids[1]], "{}", db.label);
        assert_eq!(c[0].attempts, 2);
        assert!(c[0].lease_token > a[0].lease_token);
        // A's late completion is refused and leaves no trace; C's counts.
        assert!(!s.complete_check(&a[0], next(T0 + 60 * MIN), T0, T0 + 2 * MIN, "ok").await.unwrap());
        assert!(!s.fail_check(&a[0], T0, "late").await.unwrap());
        assert!(s.complete_check(&c[0], next(T0 + 60 * MIN), T0, T0 + 2 * MIN, "ok").await.unwrap());
        let runs = s.check_runs(None).await.unwrap();
        assert_eq!(runs.len(), 1, "{}", db.label);
        assert_eq!((runs[0].owner.as_str(), runs[0].due_at_ms, runs[0].outcome.as_str()), ("c", T0, "ok"));
        let row = &s.due_checks(Some(ids[0])).await.unwrap()[0];
        assert_eq!((row.due_at_ms, row.attempts, row.lease_owner.clone()), (T0 + 60 * MIN, 0, None), "{}", db.label);
        assert_eq!(row.last_outcome.as_deref(), Some("ok"));
        // A failed check is given back with its error, to be retried later.
        assert!(s.fail_check(&c[1], T0 + 30 * MIN, "database hiccup").await.unwrap());
        let row = &s.due_checks(Some(ids[1])).await.unwrap()[0];
        assert_eq!(
            (row.due_at_ms, row.last_error.as_deref(), row.attempts),
            (T0 + 30 * MIN, Some("database hiccup"), 2)
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn heartbeats_keep_a_lease_and_release_gives_everything_back() {
    for db in common::backends().await {
        let s = &db.store;
        accounts(s, 2).await;
        s.sync_poll_checks(&[Platform::Weibo], T0).await.unwrap();
        let a = s.lease_due_checks("a", Platform::Weibo, T0, T0 + MIN, 10).await.unwrap();
        assert_eq!(a.len(), 2);
        for l in &a {
            assert!(s.heartbeat_check(l, T0 + 5 * MIN).await.unwrap(), "{}", db.label);
        }
        // Past the first lease end, but the heartbeat extended it.
        assert!(s.lease_due_checks("b", Platform::Weibo, T0 + 2 * MIN, T0 + 9 * MIN, 10).await.unwrap().is_empty());
        assert_eq!(s.release_leases("a").await.unwrap(), 2, "{}", db.label);
        let b = s.lease_due_checks("b", Platform::Weibo, T0 + 2 * MIN, T0 + 9 * MIN, 10).await.unwrap();
        assert_eq!(b.len(), 2, "{}", db.label);
        // A release is not an attempt.
        assert!(b.iter().all(|d| d.attempts == 1), "{b:?}");
        // A heartbeat of a daemon that lost its leases extends nothing.
        assert!(!s.heartbeat_check(&a[0], T0 + 50 * MIN).await.unwrap());
        assert_eq!(s.due_checks(None).await.unwrap()[0].lease_until_ms, Some(T0 + 9 * MIN));
        db.finish().await;
    }
}

#[tokio::test]
async fn one_shot_checks_go_when_done_and_two_checks_of_one_account_are_not_leased_apart() {
    for db in common::backends().await {
        let s = &db.store;
        let ids = accounts(s, 2).await;
        s.sync_poll_checks(&[Platform::Weibo], T0).await.unwrap();
        let repost = CheckKind::Repost { source_account_id: ids[1], post_id: "4900000000000001".into() };
        assert!(s.schedule_check(ids[0], Platform::Weibo, &repost, T0 + 70 * MIN, T0 + 80 * MIN, "repost deadline").await.unwrap());
        // The same item again: no second row; an earlier time wins.
        assert!(!s.schedule_check(ids[0], Platform::Weibo, &repost, T0 + 80 * MIN, T0 + 90 * MIN, "again").await.unwrap());
        assert!(!s.schedule_check(ids[0], Platform::Weibo, &repost, T0 + 65 * MIN, T0 + 75 * MIN, "earlier").await.unwrap());
        let rows = s.due_checks(Some(ids[0])).await.unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[1].kind.clone(), rows[1].due_at_ms, rows[1].decide_by_ms), (repost.clone(), T0 + 65 * MIN, T0 + 75 * MIN));
        // While A holds the poll of account 0, B cannot lease its repost check.
        let a = s.lease_due_checks("a", Platform::Weibo, T0, T0 + 200 * MIN, 1).await.unwrap();
        assert_eq!(a[0].account_id, ids[0]);
        let b = s.lease_due_checks("b", Platform::Weibo, T0 + 66 * MIN, T0 + 200 * MIN, 10).await.unwrap();
        assert_eq!(b.iter().map(|d| d.account_id).collect::<Vec<_>>(), vec![ids[1]], "{}", db.label);
        assert!(s.complete_check(&a[0], next(T0 + 1440 * MIN), T0, T0 + MIN, "ok").await.unwrap());
        let b2 = s.lease_due_checks("b", Platform::Weibo, T0 + 66 * MIN, T0 + 200 * MIN, 10).await.unwrap();
        assert_eq!(b2.len(), 1);
        assert_eq!(b2[0].kind, repost);
        assert!(s.complete_check(&b2[0], None, T0 + 66 * MIN, T0 + 67 * MIN, "ok").await.unwrap());
        assert_eq!(s.due_checks(Some(ids[0])).await.unwrap().len(), 1, "one-shot row removed");
        // The sweep brings every regular check forward, except leased ones.
        assert_eq!(s.advance_checks(&CheckKind::Poll, T0 + 100 * MIN, "sweep").await.unwrap(), 1, "{}", db.label);
        assert_eq!(s.schedule_for_all(&[Platform::Weibo], &CheckKind::Search, T0, T0 + 1440 * MIN, "impostor").await.unwrap(), 2);
        db.finish().await;
    }
}

#[tokio::test]
async fn each_job_occurrence_runs_once_and_an_abandoned_one_is_taken_over() {
    for db in common::backends().await {
        let s = &db.store;
        assert!(s.claim_job("digest", T0, "a", T0, T0 + MIN).await.unwrap(), "{}", db.label);
        assert!(!s.claim_job("digest", T0, "b", T0 + 1, T0 + MIN).await.unwrap(), "{}", db.label);
        // Another occurrence is another row.
        assert!(s.claim_job("digest", T0 + 1440 * MIN, "b", T0 + 1440 * MIN, T0 + 1441 * MIN).await.unwrap());
        // A dies without finishing; after its lease B may take over.
        assert!(s.claim_job("digest", T0, "b", T0 + 2 * MIN, T0 + 3 * MIN).await.unwrap(), "{}", db.label);
        assert!(!s.finish_job("digest", T0, "a", T0 + 3 * MIN, "ok").await.unwrap(), "A lost it");
        assert!(s.finish_job("digest", T0, "b", T0 + 3 * MIN, "ok").await.unwrap());
        // Finished occurrences are never run again.
        assert!(!s.claim_job("digest", T0, "c", T0 + 100 * MIN, T0 + 101 * MIN).await.unwrap());
        let run = s.job_run("digest", T0).await.unwrap().unwrap();
        assert_eq!((run.owner.as_str(), run.attempts, run.outcome.as_deref()), ("b", 2, Some("ok")));
        assert_eq!(s.last_finished_job("digest").await.unwrap().unwrap().occurrence_ms, T0);
        // A heartbeat keeps a running job from being taken over.
        assert!(s.claim_job("report", T0, "a", T0, T0 + MIN).await.unwrap());
        assert!(s.heartbeat_job("report", T0, "a", T0 + 10 * MIN).await.unwrap());
        assert!(!s.claim_job("report", T0, "b", T0 + 5 * MIN, T0 + 6 * MIN).await.unwrap());
        assert!(!s.heartbeat_job("report", T0, "b", T0 + 10 * MIN).await.unwrap());
        // release_leases frees an unfinished job for the others at once.
        assert!(s.claim_job("sweep", T0, "a", T0, T0 + 60 * MIN).await.unwrap());
        s.release_leases("a").await.unwrap();
        assert!(s.claim_job("sweep", T0, "b", T0 + 1, T0 + 60 * MIN).await.unwrap(), "{}", db.label);
        db.finish().await;
    }
}

/// Many daemons leasing at once: every check is leased exactly once, and
/// no call gets more than it asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_leasing_never_hands_a_check_out_twice() {
    for db in common::backends().await {
        let s = db.store.clone();
        let ids = accounts(&s, 40).await;
        s.sync_poll_checks(&[Platform::Weibo], T0).await.unwrap();
        let mut handles = Vec::new();
        for w in 0..6 {
            let s = s.clone();
            handles.push(tokio::spawn(async move {
                let owner = format!("w{w}");
                let mut got = Vec::new();
                for _ in 0..20 {
                    let leased = s.lease_due_checks(&owner, Platform::Weibo, T0, T0 + 60 * MIN, 3).await.unwrap();
                    assert!(leased.len() <= 3, "never more than asked: {}", leased.len());
                    for l in leased {
                        assert!(s.complete_check(&l, next(T0 + 1440 * MIN), T0, T0, "ok").await.unwrap());
                        got.push(l.account_id);
                    }
                }
                got
            }));
        }
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.await.unwrap());
        }
        all.sort_unstable();
        assert_eq!(all, ids, "{}", db.label);
        assert_eq!(s.check_runs(None).await.unwrap().len(), 40, "{}", db.label);
        db.finish().await;
    }
}

/// Deadline first (issue 19): of the checks due, the one whose rule must be
/// decided soonest is leased first, however many routine looks fell due
/// before it.
#[tokio::test]
async fn the_check_with_the_least_slack_is_leased_first() {
    for db in common::backends().await {
        let s = &db.store;
        let ids = accounts(s, 5).await;
        // Four routine looks overdue since the morning sweep (decided within
        // a day), and a repost check that fell due just now and must be
        // decided in 20 minutes.
        s.sync_poll_checks(&[Platform::Weibo], T0).await.unwrap();
        let repost = CheckKind::Repost { source_account_id: ids[0], post_id: "4900000000000002".into() };
        s.schedule_check(ids[4], Platform::Weibo, &repost, T0 + 120 * MIN, T0 + 140 * MIN, "repost deadline")
            .await
            .unwrap();
        let first = s.lease_due_checks("a", Platform::Weibo, T0 + 120 * MIN, T0 + 130 * MIN, 1).await.unwrap();
        assert_eq!(first.iter().map(|d| d.kind.clone()).collect::<Vec<_>>(), [repost.clone()], "{}", db.label);
        // Then the routine ones, oldest deadline first.
        let rest = s.lease_due_checks("a", Platform::Weibo, T0 + 120 * MIN, T0 + 130 * MIN, 10).await.unwrap();
        assert_eq!(rest.iter().map(|d| d.account_id).collect::<Vec<_>>(), ids[..4], "{}", db.label);
        // A completed routine look that is next due at a zombie limit keeps
        // that limit's tighter deadline.
        let zombie = NextDue { due_at_ms: T0 + 600 * MIN, decide_by_ms: T0 + 610 * MIN, reason: "zombie limit" };
        assert!(s.complete_check(&rest[1], Some(zombie), T0, T0 + 121 * MIN, "ok").await.unwrap());
        let row = &s.due_checks(Some(ids[1])).await.unwrap()[0];
        assert_eq!((row.due_at_ms, row.decide_by_ms, row.reason.as_str()), (T0 + 600 * MIN, T0 + 610 * MIN, "zombie limit"));
        // Bringing a check forward takes the earlier due time and the
        // earlier deadline, each on its own.
        s.release_leases("a").await.unwrap();
        s.bring_forward(ids[1], &CheckKind::Poll, T0 + 700 * MIN, T0 + 605 * MIN, "later but tighter").await.unwrap();
        let row = &s.due_checks(Some(ids[1])).await.unwrap()[0];
        assert_eq!((row.due_at_ms, row.decide_by_ms, row.reason.as_str()), (T0 + 600 * MIN, T0 + 605 * MIN, "zombie limit"));
        db.finish().await;
    }
}
