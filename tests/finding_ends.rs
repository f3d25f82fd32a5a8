//! Every finding ends (issue 16), over a real store (SQLite and PostgreSQL),
//! with the real notice planner: an event finding is recorded once and
//! never chased; a state finding the unit declares fixed is confirmed or
//! rejected by the next successful check; a third-party finding ends with
//! the office's mark; a dismissal is signed and happens once; a silent
//! account's missed reposts belong to its zombie finding.

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use xunjian::accounts::{Account, AccountSpec};
use xunjian::adapters::model::{
    Capture, CommentState, Counts, ObservationKind, OutcomeClass, Platform, Post, RepostOf, SearchHit,
};
use xunjian::calendar::HolidayCalendar;
use xunjian::check::{CheckScope, check_and_record};
use xunjian::notify::{NotifyConfig, plan_notices, plan_reminders};
use xunjian::rules::{ProfileName, ResolvedRules, RuleId};
use xunjian::store::{
    AccountFilter, CheckKind, EventKind, FindingFilter, FindingState, FindingTransition, NewNotice, NewObservation, NoticeState,
    ObservedData, Store, StoreError, ThirdPartyMark,
};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn post(id: &str, published: DateTime<Utc>) -> Post {
    Post {
        id: id.to_string(),
        alt_id: None,
        url: Some(format!("https://m.weibo.cn/status/{id}")),
        published_at: published,
        published_at_exact: true,
        text: format!("正文 {id}"),
        text_truncated: false,
        is_original: true,
        is_pinned: false,
        repost_of: None,
        comment_state: CommentState::Open,
        counts: Counts::default(),
    }
}

fn repost(id: &str, published: DateTime<Utc>, of: &Post, source_uid: &str) -> Post {
    let mut p = post(id, published);
    p.is_original = false;
    p.repost_of = Some(RepostOf {
        post_id: of.id.clone(),
        post_alt_id: None,
        author_id: Some(source_uid.into()),
        author_name: Some("六安市人民政府发布".into()),
        published_at: Some(of.published_at),
        available: true,
    });
    p
}

async fn timeline(s: &Store, account: i64, at: DateTime<Utc>, outcome: OutcomeClass, posts: &[Post]) {
    let body = format!("{{\"ok\":1,\"account\":{account},\"at\":\"{at}\",\"n\":{}}}", posts.len());
    let caps = [Capture {
        url: format!("https://m.weibo.cn/api/container/getIndex?containerid=107603{account}"),
        http_status: Some(200),
        content_type: Some("application/json".into()),
        fetched_at: at,
        body: body.into_bytes(),
        source: "m.weibo.cn getIndex timeline".into(),
    }];
    let obs = NewObservation {
        account_id: Some(account),
        platform: Platform::Weibo,
        kind: ObservationKind::Timeline,
        target: account.to_string(),
        source: "m.weibo.cn getIndex timeline".into(),
        observed_at: at,
        duration_ms: 100,
        outcome,
        http_status: Some(200),
        detail: None,
        captures: &caps,
    };
    let data = if outcome == OutcomeClass::Ok { ObservedData::Posts(posts) } else { ObservedData::Nothing };
    s.record_observation(&obs, data).await.unwrap();
}

async fn add(s: &Store, uid: &str, name: &str, source: bool) -> i64 {
    let mut spec = AccountSpec::new(Platform::Weibo, uid, name);
    spec.owner_unit = Some(format!("{name}主办单位"));
    spec.region = Some("金安区".into());
    spec.contact_email = Some(format!("unit{uid}@example.gov.cn"));
    spec.is_source = source;
    s.add_account(&spec, t("2026-10-01T00:00:00Z").timestamp_millis(), "test").await.unwrap().id
}

async fn accounts(s: &Store) -> Vec<Account> {
    s.list_accounts(&AccountFilter { include_retired: true, ..Default::default() }).await.unwrap()
}

/// Checks and records with the real planner (office and unit by e-mail).
async fn check(s: &Store, rules: &ResolvedRules, now: DateTime<Utc>, only: RuleId) -> Vec<FindingTransition> {
    let cal = HolidayCalendar::builtin();
    let all = accounts(s).await;
    let cfg = NotifyConfig::default();
    let planner = move |tr: &FindingTransition| -> Vec<NewNotice> {
        match all.iter().find(|a| a.id == tr.finding.account_id) {
            Some(a) => plan_notices(&cfg, "测试市政务公开办", &xunjian::calendar::HolidayCalendar::builtin(), a, tr),
            None => Vec::new(),
        }
    };
    let scope = CheckScope { account_ids: None, rules: Some(vec![only]) };
    check_and_record(s, rules, &cal, now, &scope, &planner).await.unwrap().transitions
}

#[tokio::test]
async fn a_late_repost_is_recorded_once_notified_once_and_never_reminded() {
    for db in common::backends().await {
        let s = &db.store;
        let rules = ResolvedRules::for_profile(ProfileName::Luan);
        let src = add(s, "7000000001", "六安市人民政府发布", true).await;
        let late = add(s, "7000000002", "金安区人民政府发布", false).await;
        let never = add(s, "7000000003", "裕安区人民政府发布", false).await;
        // Monday 2026-11-02, 09:00: the key item.
        let p_at = t("2026-11-02T09:00:00+08:00");
        let item = post("5000000000000002", p_at);
        timeline(s, src, p_at + TimeDelta::minutes(5), OutcomeClass::Ok, &[item.clone()]).await;
        let own = post("5000000000000100", p_at - TimeDelta::hours(20));
        // Reposted 61 minutes after: one minute late.
        let rp = repost("5000000000000101", p_at + TimeDelta::minutes(61), &item, "7000000001");
        let at = p_at + TimeDelta::minutes(90);
        timeline(s, late, at, OutcomeClass::Ok, &[rp.clone(), own.clone()]).await;
        timeline(s, never, at, OutcomeClass::Ok, &[own.clone()]).await;

        let tr = check(s, &rules, at, RuleId::RepostDelay).await;
        let opened: Vec<_> = tr.iter().filter(|t| t.kind == EventKind::Opened).collect();
        assert_eq!(opened.len(), 2, "{}: {tr:?}", db.label);
        assert!(opened.iter().all(|t| t.to == FindingState::Recorded), "{tr:?}");
        let mine = s
            .list_findings(&FindingFilter { account_id: Some(late), rule: Some(RuleId::RepostDelay), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(mine.len(), 1, "{}: one finding for one late repost", db.label);
        let f = &mine[0];
        assert_eq!(f.state, FindingState::Recorded);
        let notices = s.notices_for_finding(f.id).await.unwrap();
        // Office and unit, once each; no rectification deadline; the event wording.
        assert_eq!(notices.len(), 2, "{}: {notices:?}", db.label);
        for n in &notices {
            assert!(n.payload["finding"]["rectify_by_ms"].is_null(), "{}", n.payload);
            assert_eq!(n.payload["event"]["label_zh"], "违规记录");
            assert!(n.payload["finding"]["action_zh"].as_str().unwrap().contains("无需整改"), "{}", n.payload);
        }

        // Ten days later, with reminders due every 7 days: nothing is written.
        let cfg = NotifyConfig::default();
        let later = at + TimeDelta::days(10);
        assert_eq!(plan_reminders(s, &cfg, "测试市政务公开办", &xunjian::calendar::HolidayCalendar::builtin(), later).await.unwrap(), 0, "{}", db.label);
        // Later passes (the rule still sees the late repost; the missing
        // one is reposted, late) change neither finding.
        let rp2 = repost("5000000000000301", p_at + TimeDelta::hours(5), &item, "7000000001");
        timeline(s, late, later, OutcomeClass::Ok, &[rp.clone(), own.clone()]).await;
        timeline(s, never, later, OutcomeClass::Ok, &[rp2, own.clone()]).await;
        timeline(s, src, later, OutcomeClass::Ok, &[item.clone()]).await;
        let tr = check(s, &rules, later, RuleId::RepostDelay).await;
        assert!(tr.is_empty(), "{}: {tr:?}", db.label);
        let again = s.get_finding(f.id).await.unwrap().unwrap();
        assert_eq!((again.state, &again.summary_zh, &again.evidence), (FindingState::Recorded, &f.summary_zh, &f.evidence));
        assert_eq!(s.notices_for_finding(f.id).await.unwrap().len(), 2, "{}", db.label);
        // It cannot be declared rectified.
        let err = s.rectify_finding(f.id, "李四", "已转发", None, later.timestamp_millis()).await.unwrap_err();
        assert!(matches!(&err, StoreError::Refused(m) if m.contains("无法也无需申报整改")), "{err}");
        db.finish().await;
    }
}

#[tokio::test]
async fn a_declared_rectification_is_rejected_then_confirmed_by_the_checks() {
    for db in common::backends().await {
        let s = &db.store;
        let rules = ResolvedRules::for_profile(ProfileName::Luan);
        let a = add(s, "7100000001", "金安发布", false).await;
        let old = [post("p1", t("2026-10-10T09:00:00+08:00"))];
        timeline(s, a, t("2026-11-01T09:00:00+08:00"), OutcomeClass::Ok, &old).await;
        let tr = check(s, &rules, t("2026-11-01T10:00:00+08:00"), RuleId::Zombie).await;
        assert_eq!(tr.iter().map(|t| (t.kind, t.to)).collect::<Vec<_>>(), [(EventKind::Opened, FindingState::Open)]);
        let id = tr[0].finding_id;

        // Its routine look is a day away; a declaration brings it to now.
        let next_day = t("2026-11-03T06:00:00+08:00").timestamp_millis();
        s.schedule_check(a, Platform::Weibo, &CheckKind::Poll, next_day, next_day + 86_400_000, "routine").await.unwrap();
        let declared = t("2026-11-02T09:00:00+08:00").timestamp_millis();
        let f = s.rectify_finding(id, "李四", "已恢复更新", Some("https://m.weibo.cn/u/7100000001"), declared).await.unwrap();
        assert_eq!(f.state, FindingState::Rectifying);
        assert_eq!((f.rectify_by.as_deref(), f.rectify_outcome_zh()), (Some("李四"), Some("待下次检查确认")));
        // Decided within the hour: the unit waits for the answer.
        let due: Vec<(CheckKind, i64, i64)> =
            s.due_checks(Some(a)).await.unwrap().into_iter().map(|c| (c.kind, c.due_at_ms, c.decide_by_ms)).collect();
        assert_eq!(due, [(CheckKind::Poll, declared, declared + 3_600_000)], "{}", db.label);
        // Declared twice: refused while the first waits.
        let err = s.rectify_finding(id, "李四", "再次", None, declared + 1).await.unwrap_err();
        assert!(matches!(&err, StoreError::Refused(m) if m.contains("等待下次检查确认")), "{err}");

        // A check that could not look says nothing.
        timeline(s, a, t("2026-11-02T12:00:00+08:00"), OutcomeClass::Captcha, &[]).await;
        assert!(check(s, &rules, t("2026-11-02T12:30:00+08:00"), RuleId::Zombie).await.is_empty());
        assert_eq!(s.get_finding(id).await.unwrap().unwrap().state, FindingState::Rectifying, "{}", db.label);

        // The next successful check still sees the silence: rejected, open
        // again, and the unit is told with the evidence.
        timeline(s, a, t("2026-11-03T09:00:00+08:00"), OutcomeClass::Ok, &old).await;
        let tr = check(s, &rules, t("2026-11-03T10:00:00+08:00"), RuleId::Zombie).await;
        assert_eq!(
            tr.iter().map(|t| (t.kind, t.to)).collect::<Vec<_>>(),
            [(EventKind::RectifyRejected, FindingState::Open)],
            "{}",
            db.label
        );
        let f = s.get_finding(id).await.unwrap().unwrap();
        assert_eq!((f.state, f.rectify_outcome.as_deref()), (FindingState::Open, Some("rejected")));
        let to_unit: Vec<_> = s
            .notices_for_finding(id)
            .await
            .unwrap()
            .into_iter()
            .filter(|n| n.event_id == Some(tr[0].event_id) && n.recipients == ["unit7100000001@example.gov.cn"])
            .collect();
        assert_eq!(to_unit.len(), 1, "{}", db.label);
        assert_eq!(to_unit[0].payload["event"]["kind_zh"], "整改未通过：复查仍存在问题");
        assert!(!to_unit[0].payload["finding"]["evidence"].as_array().unwrap().is_empty());
        assert!(to_unit[0].payload["finding"]["rectify_by_ms"].is_i64(), "a new deadline");

        // Declared again; the next check sees a new post: confirmed.
        s.rectify_finding(id, "李四", "已发布本周信息", None, t("2026-11-04T09:00:00+08:00").timestamp_millis())
            .await
            .unwrap();
        let new = [post("p2", t("2026-11-04T10:00:00+08:00")), old[0].clone()];
        timeline(s, a, t("2026-11-04T11:00:00+08:00"), OutcomeClass::Ok, &new).await;
        let tr = check(s, &rules, t("2026-11-04T11:30:00+08:00"), RuleId::Zombie).await;
        assert_eq!(
            tr.iter().map(|t| (t.kind, t.to)).collect::<Vec<_>>(),
            [(EventKind::RectifyConfirmed, FindingState::Resolved)]
        );
        let f = s.get_finding(id).await.unwrap().unwrap();
        assert_eq!(f.rectify_outcome_zh(), Some("整改已确认"));
        let events = s.finding_events(id).await.unwrap();
        let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                EventKind::Opened,
                EventKind::RectifyDeclared,
                EventKind::RectifyRejected,
                EventKind::RectifyDeclared,
                EventKind::RectifyConfirmed
            ],
            "{}",
            db.label
        );
        // Who, what and the link are on the declaration's event.
        assert_eq!(events[1].actor.as_deref(), Some("李四"));
        assert_eq!(events[1].note.as_deref(), Some("已恢复更新"));
        assert_eq!(events[1].link.as_deref(), Some("https://m.weibo.cn/u/7100000001"));
        db.finish().await;
    }
}

#[tokio::test]
async fn an_impostor_marked_reported_ends_and_dismissals_happen_once() {
    for db in common::backends().await {
        let s = &db.store;
        let rules = ResolvedRules::for_profile(ProfileName::Baoji);
        let a = add(s, "4001", "汉滨发布", false).await;
        let hit = |id: &str, name: &str| SearchHit {
            platform_id: id.into(),
            display_name: name.into(),
            profile_url: Some(format!("https://m.weibo.cn/u/{id}")),
            verified: Some(false),
            verified_type: None,
            verified_entity: None,
            followers: Some(12),
            description: None,
        };
        let search = |at: DateTime<Utc>| {
            let hits = [hit("4001", "汉滨发布"), hit("9999", "汉濱發布")];
            async move {
                let caps = [Capture {
                    url: format!("https://m.weibo.cn/search?q=汉滨发布&t={}", at.timestamp()),
                    http_status: Some(200),
                    content_type: Some("application/json".into()),
                    fetched_at: at,
                    body: format!("{{\"ok\":1,\"at\":{}}}", at.timestamp()).into_bytes(),
                    source: "m.weibo.cn search users".into(),
                }];
                let obs = NewObservation {
                    account_id: Some(a),
                    platform: Platform::Weibo,
                    kind: ObservationKind::Search,
                    target: "汉滨发布".into(),
                    source: "m.weibo.cn search users".into(),
                    observed_at: at,
                    duration_ms: 80,
                    outcome: OutcomeClass::Ok,
                    http_status: Some(200),
                    detail: None,
                    captures: &caps,
                };
                s.record_observation(&obs, ObservedData::Search { query: "汉滨发布", hits: &hits }).await.unwrap();
            }
        };
        let now = t("2026-11-20T10:00:00+08:00");
        search(now - TimeDelta::hours(1)).await;
        let tr = check(s, &rules, now, RuleId::Impostor).await;
        let opened: Vec<_> = tr.iter().filter(|t| t.kind == EventKind::Opened).collect();
        assert_eq!(opened.len(), 1, "{}: {tr:?}", db.label);
        let id = opened[0].finding_id;
        // The office is asked to report it; the unit is only told.
        let notices = s.notices_for_finding(id).await.unwrap();
        assert_eq!(notices.len(), 2);
        for n in &notices {
            assert!(n.payload["finding"]["rectify_by_ms"].is_null(), "never asks to rectify: {}", n.payload);
            let action = n.payload["finding"]["action_zh"].as_str().unwrap();
            match n.payload["audience"].as_str().unwrap() {
                "unit" => assert!(action.starts_with("仅供知悉"), "{action}"),
                _ => assert!(action.contains("核实后向平台举报"), "{action}"),
            }
        }
        // Neither the unit's rectification nor a state finding's mark.
        let err = s.rectify_finding(id, "李四", "不是我们的", None, now.timestamp_millis()).await.unwrap_err();
        assert!(matches!(&err, StoreError::Refused(m) if m.contains("第三方账号")), "{err}");

        let f = s.mark_finding(id, ThirdPartyMark::Reported, "王五", Some("已向微博举报"), now.timestamp_millis()).await.unwrap();
        assert_eq!((f.state, f.mark, f.marked_by.as_deref()), (FindingState::Closed, Some(ThirdPartyMark::Reported), Some("王五")));
        assert!(
            s.notices_for_finding(id).await.unwrap().iter().all(|n| n.state == NoticeState::Cancelled),
            "unsent notices about it are withdrawn"
        );
        let err = s.mark_finding(id, ThirdPartyMark::NotImpostor, "王五", None, now.timestamp_millis()).await.unwrap_err();
        assert!(matches!(&err, StoreError::Refused(m) if m.contains("不能重复标记")), "{err}");
        // Still on the platform the next day: nothing changes, nothing is sent.
        search(now + TimeDelta::days(1)).await;
        assert!(check(s, &rules, now + TimeDelta::days(1), RuleId::Impostor).await.is_empty(), "{}", db.label);
        let plan = plan_reminders(s, &NotifyConfig::default(), "x", &xunjian::calendar::HolidayCalendar::builtin(), now + TimeDelta::days(30)).await.unwrap();
        assert_eq!(plan, 0);
        assert_eq!(s.notices_for_finding(id).await.unwrap().len(), 2);
        let ev = s.finding_events(id).await.unwrap();
        assert_eq!(ev.last().map(|e| (e.kind, e.actor.as_deref(), e.note.as_deref())), Some((EventKind::Marked, Some("王五"), Some("已举报：已向微博举报"))));

        // A state finding cannot be marked; a dismissal is signed and once.
        let old = [post("p1", t("2026-10-01T09:00:00+08:00"))];
        timeline(s, a, now, OutcomeClass::Ok, &old).await;
        let z = check(s, &rules, now + TimeDelta::minutes(1), RuleId::Zombie).await;
        let zid = z[0].finding_id;
        let err = s.mark_finding(zid, ThirdPartyMark::Registered, "王五", None, now.timestamp_millis()).await.unwrap_err();
        assert!(matches!(&err, StoreError::Refused(m) if m.contains("不是第三方账号问题")), "{err}");
        s.dismiss_finding(zid, "账号已停用待注销", "张三", now.timestamp_millis()).await.unwrap();
        let err = s.dismiss_finding(zid, "again", "赵六", now.timestamp_millis() + 1).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::Refused(m) if m.contains("不能重复忽略") && m.contains("张三") && m.contains("账号已停用待注销")),
            "{err}"
        );
        let f = s.get_finding(zid).await.unwrap().unwrap();
        assert_eq!(f.dismissed_by.as_deref(), Some("张三"), "the first dismissal stands");
        let dismissals = s.finding_events(zid).await.unwrap().iter().filter(|e| e.kind == EventKind::Dismissed).count();
        assert_eq!(dismissals, 1);
        db.finish().await;
    }
}

#[tokio::test]
async fn a_silent_account_missing_three_reposts_has_one_zombie_finding() {
    for db in common::backends().await {
        let s = &db.store;
        let rules = ResolvedRules::for_profile(ProfileName::Luan);
        let src = add(s, "7200000001", "六安市人民政府发布", true).await;
        let quiet = add(s, "7200000002", "霍山县人民政府发布", false).await;
        let busy = add(s, "7200000003", "舒城县人民政府发布", false).await;
        let now = t("2026-11-20T10:00:00+08:00");
        let items: Vec<Post> = ["2026-11-18T09:00:00+08:00", "2026-11-19T09:00:00+08:00", "2026-11-20T08:00:00+08:00"]
            .iter()
            .enumerate()
            .map(|(i, at)| post(&format!("500000000000001{i}"), t(at)))
            .collect();
        timeline(s, src, now - TimeDelta::minutes(30), OutcomeClass::Ok, &items).await;
        // Silent for 20 days (the Luan limit is 15).
        timeline(s, quiet, now - TimeDelta::minutes(5), OutcomeClass::Ok, &[post("q1", now - TimeDelta::days(20))]).await;
        // Posting every day, but no reposts either.
        let busy_posts = [post("b1", now - TimeDelta::hours(3)), post("b0", now - TimeDelta::days(4))];
        timeline(s, busy, now - TimeDelta::minutes(5), OutcomeClass::Ok, &busy_posts).await;

        let cal = HolidayCalendar::builtin();
        let scope = CheckScope { account_ids: None, rules: Some(vec![RuleId::Zombie, RuleId::RepostDelay]) };
        let planner = |_: &FindingTransition| Vec::new();
        check_and_record(s, &rules, &cal, now, &scope, &planner).await.unwrap();
        let of = |id: i64| {
            let s = s.clone();
            async move { s.list_findings(&FindingFilter { account_id: Some(id), ..Default::default() }).await.unwrap() }
        };
        let quiet_f = of(quiet).await;
        assert_eq!(quiet_f.iter().map(|f| f.rule).collect::<Vec<_>>(), [RuleId::Zombie], "{}: {quiet_f:#?}", db.label);
        assert_eq!(quiet_f[0].measured["missed_reposts"], 3);
        assert!(quiet_f[0].summary_zh.contains("期间未转载重点信息 3 条"), "{}", quiet_f[0].summary_zh);
        // The account that posts gets its repost findings as before.
        let busy_f = of(busy).await;
        assert_eq!(busy_f.iter().filter(|f| f.rule == RuleId::RepostDelay).count(), 3, "{}: {busy_f:#?}", db.label);
        db.finish().await;
    }
}
