//! The console's store API on SQLite and (when configured) PostgreSQL:
//! users and their scopes, sessions (hashed tokens, idle end, disabled
//! users), failed logins, the audit log, and the scoped, paginated reads.

mod common;
#[path = "common/console.rs"]
mod console;

use console::{UNIT_A, UNIT_B};
use xunjian::accounts::LifecycleStatus;
use xunjian::rules::{FindingKind, RuleId};
use xunjian::store::{
    AccountQuery, FindingQuery, FindingState, NewAuditEntry, NewUser, Role, Session, StoreError, UserScope, Visibility,
};

#[tokio::test]
async fn users_scopes_and_passwords() {
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let users = s.list_users().await.unwrap();
        assert_eq!(users.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), ["admin", "jinan", "leader", "staff", "yuan"]);
        let jinan = users.iter().find(|u| u.username == "jinan").unwrap();
        assert_eq!((jinan.role, &jinan.scope.units[..]), (Role::Unit, &[UNIT_A.to_string()][..]));
        // A taken name is refused in Chinese.
        let dup = NewUser {
            username: "jinan".into(),
            display_name: "x".into(),
            role: Role::Staff,
            scope: UserScope::default(),
            password_hash: "h".into(),
            must_change_password: false,
        };
        assert!(matches!(s.create_user(&dup, 1).await, Err(StoreError::Refused(m)) if m.contains("已存在")), "{}", db.label);
        // A scope by single account.
        let one = NewUser {
            username: "single".into(),
            display_name: "单账号".into(),
            role: Role::Unit,
            scope: UserScope { units: vec![], account_ids: vec![f.account_b] },
            password_hash: "h".into(),
            must_change_password: true,
        };
        let single = s.create_user(&one, 1).await.unwrap();
        assert_eq!(single.scope.account_ids, [f.account_b]);
        assert!(single.must_change_password);
        let (found, hash) = s.find_user_by_name("single").await.unwrap().unwrap();
        assert_eq!((found.id, hash.as_str()), (single.id, "h"));
        assert!(s.find_user_by_name("nobody").await.unwrap().is_none());
        // A new password ends sessions.
        let sess = Session {
            token_sha256: "t1".into(),
            user_id: single.id,
            csrf_token: "c1".into(),
            remote_addr: "127.0.0.1".into(),
            created_at_ms: 1000,
            last_seen_at_ms: 1000,
        };
        s.create_session(&sess).await.unwrap();
        s.set_password_hash(single.id, "h2", false, 2000).await.unwrap();
        assert!(s.session_user("t1", 1001, 60_000).await.unwrap().is_none(), "{}", db.label);
        let (u, hash) = s.find_user_by_name("single").await.unwrap().unwrap();
        assert_eq!((hash.as_str(), u.must_change_password), ("h2", false));
        assert!(matches!(s.set_password_hash(999_999, "h", false, 1).await, Err(StoreError::Refused(_))));
        db.finish().await;
    }
}

#[tokio::test]
async fn sessions_end_when_idle_or_disabled_and_failures_are_counted() {
    for db in common::backends().await {
        let s = &db.store;
        console::populate(s).await;
        let (staff, _) = s.find_user_by_name("staff").await.unwrap().unwrap();
        let sess = |t: &str, at: i64| Session {
            token_sha256: t.into(),
            user_id: staff.id,
            csrf_token: format!("csrf-{t}"),
            remote_addr: "10.0.0.1".into(),
            created_at_ms: at,
            last_seen_at_ms: at,
        };
        s.create_session(&sess("a", 0)).await.unwrap();
        let idle = 30 * 60_000;
        let (got, user) = s.session_user("a", 10 * 60_000, idle).await.unwrap().unwrap();
        assert_eq!((got.csrf_token.as_str(), user.username.as_str()), ("csrf-a", "staff"));
        // Touched at 10 minutes: alive at 39, gone at 41 (idle since 10).
        assert!(s.session_user("a", 39 * 60_000, idle).await.unwrap().is_some(), "{}", db.label);
        assert!(s.session_user("a", 39 * 60_000 + idle, idle).await.unwrap().is_none());
        assert!(s.session_user("a", 0, idle).await.unwrap().is_none(), "deleted, not just refused");
        // Disabling ends sessions; enabling does not bring them back.
        s.create_session(&sess("b", 0)).await.unwrap();
        s.set_user_disabled(staff.id, true, 1).await.unwrap();
        assert!(s.session_user("b", 1, idle).await.unwrap().is_none());
        s.set_user_disabled(staff.id, false, 2).await.unwrap();
        assert!(s.session_user("b", 2, idle).await.unwrap().is_none());
        assert!(!s.find_user_by_name("staff").await.unwrap().unwrap().0.disabled);
        // Idle sessions are swept.
        s.create_session(&sess("c", 100)).await.unwrap();
        s.create_session(&sess("d", 5000)).await.unwrap();
        assert_eq!(s.delete_idle_sessions(1000).await.unwrap(), 1);

        // Failed logins: per name and address, within the window.
        for at in [100, 200, 300] {
            s.record_login_failure("staff", "10.0.0.1", at).await.unwrap();
        }
        s.record_login_failure("staff", "10.0.0.2", 250).await.unwrap();
        assert_eq!(s.login_failures_since("staff", "10.0.0.1", 150).await.unwrap(), (2, Some(300)), "{}", db.label);
        assert_eq!(s.login_failures_since("staff", "10.0.0.2", 150).await.unwrap(), (1, Some(250)));
        s.clear_login_failures("staff", "10.0.0.1").await.unwrap();
        assert_eq!(s.login_failures_since("staff", "10.0.0.1", 0).await.unwrap(), (0, None));
        db.finish().await;
    }
}

#[tokio::test]
async fn the_audit_log_keeps_who_what_when_and_from_where() {
    for db in common::backends().await {
        let s = &db.store;
        for (i, action) in ["login", "finding.dismiss", "user.add"].iter().enumerate() {
            let e = NewAuditEntry {
                user_id: (i != 2).then_some(7),
                username: if i == 2 { "命令行:root" } else { "staff" },
                remote_addr: if i == 2 { "cli" } else { "192.0.2.7" },
                action,
                target: "finding:3",
                detail: "理由：<script>",
            };
            s.record_audit(&e, 1000 + i as i64).await.unwrap();
        }
        let all = s.list_audit(10, 0).await.unwrap();
        assert_eq!(all.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(), ["user.add", "finding.dismiss", "login"], "{}", db.label);
        assert_eq!((all[0].user_id, all[0].remote_addr.as_str(), all[0].at_ms), (None, "cli", 1002));
        assert_eq!((all[1].user_id, all[1].detail.as_str()), (Some(7), "理由：<script>"));
        assert_eq!(s.list_audit(1, 1).await.unwrap()[0].action, "finding.dismiss");
        db.finish().await;
    }
}

#[tokio::test]
async fn console_reads_are_scoped_filtered_and_paginated_in_sql() {
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let (jinan, _) = s.find_user_by_name("jinan").await.unwrap().unwrap();
        let unit = Visibility::ScopeOf(jinan.id);
        let q = AccountQuery { limit: 50, ..Default::default() };
        let (all, n) = s.search_accounts(&q, Visibility::All).await.unwrap();
        assert_eq!((all.len(), n), (3, 3), "{}", db.label);
        let (mine, n) = s.search_accounts(&q, unit).await.unwrap();
        assert_eq!(n, 2);
        assert!(mine.iter().all(|a| a.spec.owner_unit.as_deref() == Some(UNIT_A)));
        // Filters: name (LIKE wildcards are literal), unit, platform, status; pages.
        let by_name = AccountQuery { name: Some("裕安".into()), limit: 50, ..Default::default() };
        assert_eq!(s.search_accounts(&by_name, Visibility::All).await.unwrap().1, 1);
        assert_eq!(s.search_accounts(&by_name, unit).await.unwrap().1, 0, "{}", db.label);
        let wild = AccountQuery { name: Some("%".into()), limit: 50, ..Default::default() };
        assert_eq!(s.search_accounts(&wild, Visibility::All).await.unwrap().1, 0);
        let by_unit = AccountQuery { unit: Some("裕安区".into()), limit: 50, ..Default::default() };
        assert_eq!(s.search_accounts(&by_unit, Visibility::All).await.unwrap().1, 1);
        let closed = AccountQuery { status: Some(LifecycleStatus::Closed), limit: 50, ..Default::default() };
        assert_eq!(s.search_accounts(&closed, Visibility::All).await.unwrap().1, 0);
        let page2 = AccountQuery { limit: 2, offset: 2, ..Default::default() };
        let (rows, n) = s.search_accounts(&page2, Visibility::All).await.unwrap();
        assert_eq!((rows.len(), n), (1, 3));
        assert!(s.account_visible(f.account_a, unit).await.unwrap());
        assert!(!s.account_visible(f.account_b, unit).await.unwrap());
        assert!(!s.account_visible(999_999, Visibility::All).await.unwrap());

        let fq = FindingQuery { limit: 50, ..Default::default() };
        assert_eq!(s.search_findings(&fq, Visibility::All).await.unwrap().1, 3);
        let (mine, n) = s.search_findings(&fq, unit).await.unwrap();
        assert_eq!(n, 2);
        assert!(mine.iter().all(|x| x.account_id != f.account_b), "{}", db.label);
        let open_zombies = FindingQuery { rule: Some(RuleId::Zombie), state: Some(FindingState::Open), kind: Some(FindingKind::State), limit: 50, ..Default::default() };
        assert_eq!(s.search_findings(&open_zombies, Visibility::All).await.unwrap().1, 3);
        let events = FindingQuery { kind: Some(FindingKind::Event), limit: 50, ..Default::default() };
        assert_eq!(s.search_findings(&events, Visibility::All).await.unwrap().1, 0);
        let of_b = FindingQuery { unit: Some(UNIT_B.into()), limit: 50, ..Default::default() };
        assert_eq!(s.search_findings(&of_b, Visibility::All).await.unwrap().0[0].id, f.finding_b);
        assert_eq!(s.search_findings(&of_b, unit).await.unwrap().1, 0);

        // The overview's counts, scoped too.
        let now = console::t("2026-11-01T12:00:00+08:00").timestamp_millis();
        let all = s.dashboard_counts(Visibility::All, now - 24 * 3_600_000).await.unwrap();
        assert_eq!(all.accounts.iter().map(|x| x.2).sum::<i64>(), 3);
        assert_eq!(all.findings, [(RuleId::Zombie, FindingState::Open, 3)]);
        assert_eq!(all.observations.iter().map(|x| x.2).sum::<i64>(), 3);
        let mine = s.dashboard_counts(unit, now - 24 * 3_600_000).await.unwrap();
        assert_eq!(mine.findings, [(RuleId::Zombie, FindingState::Open, 2)], "{}", db.label);
        assert_eq!(mine.observations.iter().map(|x| x.2).sum::<i64>(), 2);

        // Evidence descriptions.
        let info = s.evidence_info(&f.evidence_a).await.unwrap().unwrap();
        assert!(info.url.contains("getIndex") && info.content_type.as_deref() == Some("application/json"));
        assert!(s.evidence_info("00").await.unwrap().is_none());
        let profiles = s.profile_history(f.account_a, 10).await.unwrap();
        assert!(profiles.is_empty(), "the fixture reads timelines only");
        db.finish().await;
    }
}

#[tokio::test]
async fn the_outbox_imports_and_audit_log_page_in_sql() {
    use xunjian::store::{Channel, ImportOptions, NewNotice, NoticeKind, NoticeState};
    for db in common::backends().await {
        let s = &db.store;
        console::populate(s).await;
        for i in 0..7i64 {
            let n = NewNotice {
                kind: NoticeKind::Finding,
                channel: if i % 3 == 0 { Channel::Wecom } else { Channel::Email },
                recipients: vec![format!("u{i}@example.gov.cn")],
                urgent: false,
                payload: serde_json::json!({}),
                message_id: format!("<page-{i}@xunjian.local>"),
                due_at_ms: 1_000 + i,
                finding_id: None,
                event_id: None,
            };
            s.enqueue_notice(&n, 1_000).await.unwrap();
        }
        let (page, total) = s.search_notices(None, None, 3, 0).await.unwrap();
        assert_eq!((page.len(), total), (3, 7), "{}", db.label);
        assert!(page.windows(2).all(|w| w[0].id > w[1].id), "newest first");
        let (rest, _) = s.search_notices(None, None, 3, 6).await.unwrap();
        assert_eq!(rest.len(), 1);
        let (wecom, total) = s.search_notices(None, Some(Channel::Wecom), 50, 0).await.unwrap();
        assert_eq!((wecom.len(), total), (3, 3));
        assert!(wecom.iter().all(|n| n.channel == Channel::Wecom));
        assert_eq!(s.search_notices(Some(NoticeState::Sent), None, 50, 0).await.unwrap().1, 0);
        assert_eq!(s.search_notices(Some(NoticeState::Pending), Some(Channel::Email), 50, 0).await.unwrap().1, 4);

        // Imports: a dry run leaves no trace; a real one is listed, newest first.
        let spec = xunjian::accounts::AccountSpec::new(xunjian::adapters::model::Platform::Weibo, "7900000001", "测试发布");
        let dry = ImportOptions { dry_run: true, file_name: "a.csv".into(), file_sha256: "aa".into(), ..Default::default() };
        s.import_accounts(std::slice::from_ref(&spec), &dry, 5_000).await.unwrap();
        assert_eq!(s.list_registry_imports(10, 0).await.unwrap().1, 0, "{}", db.label);
        for (name, at) in [("a.csv", 5_000), ("b.csv", 6_000)] {
            let o = ImportOptions { file_name: name.into(), file_sha256: "bb".into(), ..Default::default() };
            s.import_accounts(std::slice::from_ref(&spec), &o, at).await.unwrap();
        }
        let (imports, total) = s.list_registry_imports(1, 0).await.unwrap();
        assert_eq!((total, imports[0].file_name.as_str(), imports[0].unchanged), (2, "b.csv", 1));
        let (older, _) = s.list_registry_imports(1, 1).await.unwrap();
        assert_eq!((older[0].file_name.as_str(), older[0].added), ("a.csv", 1));

        let before = s.count_audit().await.unwrap();
        s.record_audit(&NewAuditEntry { username: "staff", action: "x", ..Default::default() }, 1).await.unwrap();
        assert_eq!(s.count_audit().await.unwrap(), before + 1);
        db.finish().await;
    }
}

/// The account page's coverage strip: checks per civil day in
/// Asia/Shanghai, split into "checked" (the platform answered) and "could
/// not check" by outcome, counted in SQL over one account and window.
#[tokio::test]
async fn an_accounts_checks_are_counted_by_beijing_day_and_reason() {
    use console::t;
    use xunjian::adapters::model::OutcomeClass;
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let (a, b) = (f.account_a, f.account_b);
        // 23:59 and 00:01 Beijing time are on different days, though both
        // are on 2 December in UTC (15:59 and 16:01).
        console::check_ok(s, a, t("2026-12-02T23:59:00+08:00")).await;
        console::check_outcome(s, a, t("2026-12-03T00:01:00+08:00"), OutcomeClass::Captcha, Some("第一次验证码")).await;
        console::check_outcome(s, a, t("2026-12-03T08:00:00+08:00"), OutcomeClass::Captcha, Some("<b>请输入验证码</b>")).await;
        console::check_outcome(s, a, t("2026-12-03T09:00:00+08:00"), OutcomeClass::Throttled, None).await;
        console::check_ok(s, a, t("2026-12-03T12:00:00+08:00")).await;
        // A platform answer that is not data still counts as checked.
        console::check_outcome(s, a, t("2026-12-03T13:00:00+08:00"), OutcomeClass::NotFound, Some("用户不存在")).await;
        // A day with failures only; the last instant of the window.
        console::check_outcome(s, a, t("2026-12-04T23:59:59.999+08:00"), OutcomeClass::NetworkError, Some("连接超时")).await;
        // Outside the window on either side, and another account: not counted.
        console::check_ok(s, a, t("2026-12-01T23:59:59.999+08:00")).await;
        console::check_ok(s, a, t("2026-12-05T00:00:00+08:00")).await;
        console::check_outcome(s, b, t("2026-12-03T10:00:00+08:00"), OutcomeClass::Blocked, None).await;

        let first = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let days = s.account_check_days(a, first, 3).await.unwrap();
        let label = db.label;
        assert_eq!(days.iter().map(|d| d.day.to_string()).collect::<Vec<_>>(), ["2026-12-02", "2026-12-03", "2026-12-04"], "{label}");
        let d2 = &days[0];
        assert_eq!((d2.total(), d2.checked, d2.not_checked.clone(), d2.last_detail.clone()), (1, 1, vec![], None), "{label}: {d2:?}");
        let d3 = &days[1];
        assert_eq!((d3.total(), d3.checked, d3.not_checked_total()), (5, 2, 3), "{label}: {d3:?}");
        assert_eq!(d3.not_checked, [(OutcomeClass::Captcha, 2), (OutcomeClass::Throttled, 1)], "{label}: most first");
        // The newest failure's detail (the throttled one had none), as stored.
        assert_eq!(d3.last_detail.as_deref(), Some("<b>请输入验证码</b>"), "{label}");
        let d4 = &days[2];
        assert_eq!((d4.checked, d4.not_checked.clone(), d4.last_detail.as_deref()), (0, vec![(OutcomeClass::NetworkError, 1)], Some("连接超时")), "{label}");

        // A day without checks is there, with zeros; the other account has its own.
        let one = s.account_check_days(a, chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(), 1).await.unwrap();
        assert_eq!((one.len(), one[0].total()), (1, 0), "{label}");
        let other = s.account_check_days(b, first, 3).await.unwrap();
        assert_eq!(other.iter().map(|d| d.total()).collect::<Vec<_>>(), [0, 1, 0], "{label}");
        assert_eq!(other[1].not_checked, [(OutcomeClass::Blocked, 1)]);
        // The fixture's check on 1 November (09:00 Beijing) is on its day.
        let nov1 = s.account_check_days(a, chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(), 3).await.unwrap();
        assert_eq!(nov1.iter().map(|d| d.checked).collect::<Vec<_>>(), [0, 1, 0], "{label}");
        db.finish().await;
    }
}
