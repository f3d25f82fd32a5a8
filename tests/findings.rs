//! The findings lifecycle over a real store (SQLite and PostgreSQL): rules
//! evaluated from stored observations, transitions recorded with their
//! notices in one transaction, coverage kept, dismissals honoured.

mod common;

use chrono::{DateTime, Utc};
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::{
    Capture, CommentState, Counts, MessageEntry, ObservationKind, OutcomeClass, Platform, Post, Profile,
};
use xunjian::calendar::HolidayCalendar;
use xunjian::check::{CheckScope, check_and_record, evaluate};
use xunjian::rules::{ProfileName, ResolvedRules, RuleId, Verdict};
use xunjian::store::{
    Channel, EventKind, FindingFilter, FindingState, FindingTransition, NewNotice, NoticeKind, NoticeState,
    NewObservation, ObservedData, Store,
};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn post(id: &str, published: &str) -> Post {
    Post {
        id: id.to_string(),
        alt_id: None,
        url: Some(format!("https://m.weibo.cn/status/{id}")),
        published_at: t(published),
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

async fn timeline(s: &Store, account: i64, at: &str, outcome: OutcomeClass, posts: &[Post]) -> i64 {
    let at = t(at);
    let body = format!("{{\"ok\":1,\"at\":\"{at}\",\"n\":{}}}", posts.len());
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
    s.record_observation(&obs, data).await.unwrap()
}

/// One notice per notifiable transition, to the office, with a Message-ID
/// derived from the event (as the real planner does).
fn planner(t: &FindingTransition) -> Vec<NewNotice> {
    if !t.kind.is_notifiable() {
        return Vec::new();
    }
    vec![NewNotice {
        kind: NoticeKind::Finding,
        channel: Channel::Email,
        recipients: vec!["office@example.gov.cn".into()],
        urgent: false,
        payload: serde_json::json!({ "summary": t.finding.summary_zh, "kind": t.kind.code() }),
        message_id: format!("<finding-event-{}@test.invalid>", t.event_id),
        due_at_ms: t.at_ms,
        finding_id: None,
        event_id: None,
    }]
}

async fn add(s: &Store, id: &str, name: &str) -> i64 {
    let mut spec = AccountSpec::new(Platform::Weibo, id, name);
    spec.owner_unit = Some("汉滨区人民政府办公室".into());
    spec.region = Some("汉滨区".into());
    s.add_account(&spec, t("2026-10-01T00:00:00Z").timestamp_millis(), "test").await.unwrap().id
}

#[tokio::test]
async fn zombie_warning_escalates_survives_a_blocked_spell_and_resolves() {
    for db in common::backends().await {
        let s = &db.store;
        let cal = HolidayCalendar::builtin();
        let rules = ResolvedRules::for_profile(ProfileName::Baoji);
        let scope = CheckScope { account_ids: None, rules: Some(vec![RuleId::Zombie]) };
        let a = add(s, "1001", "汉滨发布").await;
        let b = add(s, "1002", "汉滨应急").await;
        let old = [post("p1", "2026-10-31T09:00:00+08:00")];
        timeline(s, a, "2026-11-01T10:00:00+08:00", OutcomeClass::Ok, &old).await;
        // b is blocked from the start: it must never become a finding.
        timeline(s, b, "2026-11-01T10:00:00+08:00", OutcomeClass::Captcha, &[]).await;

        // Day 12 of silence: the 3-day early warning of the 14-day limit.
        timeline(s, a, "2026-11-12T09:00:00+08:00", OutcomeClass::Ok, &old).await;
        timeline(s, b, "2026-11-12T09:00:00+08:00", OutcomeClass::Blocked, &[]).await;
        let now = t("2026-11-12T10:00:00+08:00");
        let out = check_and_record(s, &rules, &cal, now, &scope, &planner).await.unwrap();
        assert_eq!(out.transitions.len(), 1, "{}: {:?}", db.label, out.transitions);
        assert_eq!(out.transitions[0].kind, EventKind::Warned);
        assert!(out.findings.iter().any(|f| f.account_id == b && matches!(f.verdict, Verdict::NotChecked { .. })));

        // The same evaluation again changes nothing and notifies nobody.
        let again = check_and_record(s, &rules, &cal, now, &scope, &planner).await.unwrap();
        assert!(again.transitions.is_empty(), "{}", db.label);

        // Day 15: a violation.
        timeline(s, a, "2026-11-15T09:00:00+08:00", OutcomeClass::Ok, &old).await;
        let now = t("2026-11-15T10:00:00+08:00");
        let out = check_and_record(s, &rules, &cal, now, &scope, &planner).await.unwrap();
        assert_eq!(out.transitions.iter().map(|t| t.kind).collect::<Vec<_>>(), [EventKind::Escalated]);
        let fp = format!("zombie:{a}:account");
        let f = s.find_finding(&fp).await.unwrap().expect("finding row");
        assert_eq!(f.state, FindingState::Open);
        assert!(f.citation_display().contains("宝鸡市"), "{}", f.citation_display());
        assert!(f.evidence.iter().any(|e| e.sha256.as_deref().is_some_and(|h| h.len() == 64)), "{:?}", f.evidence);
        assert_eq!(f.first_seen_at_ms, t("2026-11-12T10:00:00+08:00").timestamp_millis());

        // Days 16–18: blocked. The finding stays open (we cannot know), the
        // reason is kept, and nothing is notified.
        for d in 16..=18 {
            timeline(s, a, &format!("2026-11-{d}T09:00:00+08:00"), OutcomeClass::Captcha, &[]).await;
        }
        let now = t("2026-11-18T10:00:00+08:00");
        let out = check_and_record(s, &rules, &cal, now, &scope, &planner).await.unwrap();
        assert!(out.transitions.is_empty(), "{}: {:?}", db.label, out.transitions);
        let f = s.find_finding(&fp).await.unwrap().unwrap();
        assert_eq!(f.state, FindingState::Open);
        assert_eq!(f.last_verdict, "not_checked");
        assert!(f.not_checked_reason.is_some());

        // Day 19: a new post is seen → resolved.
        let new = [post("p2", "2026-11-19T08:00:00+08:00"), post("p1", "2026-10-31T09:00:00+08:00")];
        timeline(s, a, "2026-11-19T09:00:00+08:00", OutcomeClass::Ok, &new).await;
        let now = t("2026-11-19T10:00:00+08:00");
        let out = check_and_record(s, &rules, &cal, now, &scope, &planner).await.unwrap();
        assert_eq!(out.transitions.iter().map(|t| t.kind).collect::<Vec<_>>(), [EventKind::Resolved]);

        let events = s.finding_events(f.id).await.unwrap();
        let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EventKind::Warned, EventKind::Escalated, EventKind::Resolved], "{}", db.label);
        // Exactly one notice per event, written with it.
        let notices = s.notices_for_finding(f.id).await.unwrap();
        assert_eq!(notices.len(), 3);
        for (n, e) in notices.iter().zip(&events) {
            assert_eq!(n.event_id, Some(e.id));
            assert_eq!(n.state, NoticeState::Pending);
            assert_eq!(n.message_id, format!("<finding-event-{}@test.invalid>", e.id));
        }
        // The blocked account left no finding, only "not checked" coverage.
        assert!(s.list_findings(&FindingFilter { account_id: Some(b), ..Default::default() }).await.unwrap().is_empty());
        let cov = s.rule_coverage(Some(b), "2026-11-01", "2026-11-30").await.unwrap();
        assert!(!cov.is_empty() && cov.iter().all(|c| c.checked == 0 && c.not_checked > 0), "{cov:?}");
        let cov = s.rule_coverage(Some(a), "2026-11-18", "2026-11-18").await.unwrap();
        assert_eq!((cov[0].checked, cov[0].not_checked), (0, 1));
        db.finish().await;
    }
}

#[tokio::test]
async fn dismissal_withdraws_pending_notices_and_stays_quiet_until_a_pass() {
    for db in common::backends().await {
        let s = &db.store;
        let cal = HolidayCalendar::builtin();
        let rules = ResolvedRules::for_profile(ProfileName::Baoji);
        let scope = CheckScope { account_ids: None, rules: Some(vec![RuleId::Zombie]) };
        let a = add(s, "2001", "汉滨发布").await;
        let old = [post("p1", "2026-10-01T09:00:00+08:00")];
        timeline(s, a, "2026-11-01T09:00:00+08:00", OutcomeClass::Ok, &old).await;
        let now = t("2026-11-01T10:00:00+08:00");
        let out = check_and_record(s, &rules, &cal, now, &scope, &planner).await.unwrap();
        assert_eq!(out.transitions[0].kind, EventKind::Opened);
        let id = out.transitions[0].finding_id;

        let f = s.dismiss_finding(id, "账号已按程序注销，台账待更新", "张三", now.timestamp_millis()).await.unwrap();
        assert_eq!(f.state, FindingState::Dismissed);
        assert_eq!(f.dismissed_by.as_deref(), Some("张三"));
        let n = s.notices_for_finding(id).await.unwrap();
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].state, NoticeState::Cancelled, "a dismissed finding's unsent notice is withdrawn");
        // Dismissing twice is refused (issue 16): the first person and reason stand.
        let err = s.dismiss_finding(id, "again", "李四", now.timestamp_millis() + 1).await.unwrap_err();
        assert!(err.to_string().contains("不能重复忽略"), "{err}");
        assert_eq!(s.get_finding(id).await.unwrap().unwrap().dismissed_by.as_deref(), Some("张三"));

        timeline(s, a, "2026-11-02T09:00:00+08:00", OutcomeClass::Ok, &old).await;
        let out = check_and_record(s, &rules, &cal, t("2026-11-02T10:00:00+08:00"), &scope, &planner).await.unwrap();
        assert!(out.transitions.is_empty(), "still violated, but dismissed: quiet");

        let new = [post("p2", "2026-11-03T08:00:00+08:00")];
        timeline(s, a, "2026-11-03T09:00:00+08:00", OutcomeClass::Ok, &new).await;
        let out = check_and_record(s, &rules, &cal, t("2026-11-03T10:00:00+08:00"), &scope, &planner).await.unwrap();
        assert_eq!(out.transitions.iter().map(|t| t.kind).collect::<Vec<_>>(), [EventKind::Cleared]);
        let f = s.get_finding(id).await.unwrap().unwrap();
        assert_eq!(f.state, FindingState::Resolved);
        assert_eq!(f.dismissed_reason, None, "leaving dismissed forgets the dismissal");
        let kinds: Vec<EventKind> = s.finding_events(id).await.unwrap().iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EventKind::Opened, EventKind::Dismissed, EventKind::Cleared]);
        assert_eq!(s.notices_for_finding(id).await.unwrap().len(), 1, "cleared is not news");

        // Silent again long enough: a new violation is reported again.
        timeline(s, a, "2026-11-20T09:00:00+08:00", OutcomeClass::Ok, &new).await;
        let out = check_and_record(s, &rules, &cal, t("2026-11-20T10:00:00+08:00"), &scope, &planner).await.unwrap();
        assert_eq!(out.transitions.iter().map(|t| t.kind).collect::<Vec<_>>(), [EventKind::Reopened]);
        db.finish().await;
    }
}

/// Every rule over an account the platform has blocked for weeks, with
/// damning old data: no violation, no finding row, no notice.
#[tokio::test]
async fn failed_observations_never_become_findings_under_any_rule() {
    for db in common::backends().await {
        let s = &db.store;
        let cal = HolidayCalendar::builtin();
        let a = add(s, "3001", "汉滨发布").await;
        let mut p = post("p1", "2026-09-01T09:00:00+08:00");
        p.comment_state = CommentState::Closed;
        timeline(s, a, "2026-10-01T09:00:00+08:00", OutcomeClass::Ok, &[p]).await;
        let caps: [Capture; 0] = [];
        let profile = Profile {
            platform_id: "3001".into(),
            display_name: "别的名字".into(),
            description: None,
            verified: Some(false),
            verified_type: None,
            verified_entity: None,
            followers: Some(10),
            post_count: Some(1),
            private_message: MessageEntry::Closed,
            comment_policy: CommentState::Closed,
        };
        let obs = NewObservation {
            account_id: Some(a),
            platform: Platform::Weibo,
            kind: ObservationKind::Profile,
            target: "3001".into(),
            source: "test".into(),
            observed_at: t("2026-10-01T09:00:00+08:00"),
            duration_ms: 1,
            outcome: OutcomeClass::Ok,
            http_status: Some(200),
            detail: None,
            captures: &caps,
        };
        s.record_observation(&obs, ObservedData::Profile(&profile)).await.unwrap();
        for (d, o) in [(10, OutcomeClass::Blocked), (15, OutcomeClass::LoginRequired), (20, OutcomeClass::Throttled)] {
            timeline(s, a, &format!("2026-11-{d}T09:00:00+08:00"), o, &[]).await;
        }
        for prof in [ProfileName::National, ProfileName::Baoji, ProfileName::Luan, ProfileName::Longxian] {
            let rules = ResolvedRules::for_profile(prof);
            let now = t("2026-11-21T10:00:00+08:00");
            let found = evaluate(s, &rules, &cal, now, &CheckScope::default()).await.unwrap();
            for f in &found {
                // Naming and verification read the registry / the latest
                // successful profile; vanished reads the platform's last word.
                if matches!(f.rule, RuleId::Naming | RuleId::Vanished) {
                    continue;
                }
                assert!(
                    !matches!(f.verdict, Verdict::Violation | Verdict::Warning),
                    "{prof:?} {}: {:?} {}",
                    f.fingerprint(),
                    f.verdict,
                    f.summary_zh
                );
            }
        }
        db.finish().await;
    }
}

/// A search that finds a look-alike of a registered account: an impostor
/// finding with the search capture as evidence; the office's own other
/// account is not one; an operator can dismiss the candidate for good.
#[tokio::test]
async fn impostor_found_by_search_and_dismissed() {
    use xunjian::adapters::model::SearchHit;
    for db in common::backends().await {
        let s = &db.store;
        let cal = HolidayCalendar::builtin();
        let rules = ResolvedRules::for_profile(ProfileName::Baoji);
        let scope = CheckScope { account_ids: None, rules: Some(vec![RuleId::Impostor]) };
        let a = add(s, "4001", "汉滨发布").await;
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
        let hits = [hit("4001", "汉滨发布"), hit("9999", "汉濱發布"), hit("8888", "汉滨区农业农村局")];
        let at = t("2026-11-20T09:00:00+08:00");
        let caps = [Capture {
            url: "https://m.weibo.cn/api/container/getIndex?containerid=100103type%3D3%26q%3D汉滨发布".into(),
            http_status: Some(200),
            content_type: Some("application/json".into()),
            fetched_at: at,
            body: b"{\"ok\":1}".to_vec(),
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
        let now = t("2026-11-20T10:00:00+08:00");
        let out = check_and_record(s, &rules, &cal, now, &scope, &planner).await.unwrap();
        let opened: Vec<_> = out.transitions.iter().filter(|t| t.kind == EventKind::Opened).collect();
        assert_eq!(opened.len(), 1, "{}: {:#?}", db.label, out.findings);
        let f = &opened[0].finding;
        assert_eq!(f.subject, "impostor:weibo:9999");
        assert!(f.summary_zh.contains("汉濱發布"), "{}", f.summary_zh);
        assert!(f.evidence.iter().any(|e| e.sha256.is_some()), "{:?}", f.evidence);
        assert_eq!(f.citation.article, "第二十七条");

        s.dismiss_finding(opened[0].finding_id, "本单位工作人员个人账号", "王五", now.timestamp_millis()).await.unwrap();
        let again = check_and_record(s, &rules, &cal, now + chrono::TimeDelta::hours(1), &scope, &planner).await.unwrap();
        assert!(again.transitions.is_empty(), "a dismissed candidate stays quiet: {:?}", again.transitions);
        db.finish().await;
    }
}

/// A portal homepage read stored without an account, read back by the
/// opening-notice rule for the account whose superior portal it is.
#[tokio::test]
async fn opening_notice_from_stored_portal_reads() {
    use xunjian::adapters::model::{PortalItem, PortalPage};
    for db in common::backends().await {
        let s = &db.store;
        let cal = HolidayCalendar::builtin();
        let rules = ResolvedRules::for_profile(ProfileName::Baoji);
        let scope = CheckScope { account_ids: None, rules: Some(vec![RuleId::OpeningNotice]) };
        let portal = "https://www.baoji.gov.cn/";
        let mut spec = AccountSpec::new(Platform::Weibo, "6001", "渭滨发布");
        spec.opened_on = Some(chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
        spec.superior_portal_url = Some(portal.into());
        let a = s.add_account(&spec, t("2026-10-01T00:00:00Z").timestamp_millis(), "test").await.unwrap().id;
        let read = |at: &str, titles: &[&str]| {
            let page = PortalPage {
                url: portal.into(),
                title: Some("宝鸡市人民政府".into()),
                shape: Default::default(),
                items: titles
                    .iter()
                    .enumerate()
                    .map(|(i, title)| PortalItem {
                        title: title.to_string(),
                        url: format!("{portal}art/{i}.html"),
                        prominent: true,
                        position: i,
                        block: Some("通知公告".into()),
                        date: None,
                    })
                    .collect(),
            };
            (t(at), page)
        };
        for (at, page) in [
            read("2026-11-02T09:00:00+08:00", &["关于“渭滨发布”政务微博正式开通的公告", "其他"]),
            read("2026-11-20T09:00:00+08:00", &["其他"]),
        ] {
            let caps = [Capture {
                url: portal.into(),
                http_status: Some(200),
                content_type: Some("text/html".into()),
                fetched_at: at,
                body: format!("<html>{at}</html>").into_bytes(),
                source: "portal homepage".into(),
            }];
            let obs = NewObservation {
                account_id: None,
                platform: Platform::Weibo,
                kind: ObservationKind::Portal,
                target: portal.into(),
                source: "portal homepage".into(),
                observed_at: at,
                duration_ms: 50,
                outcome: OutcomeClass::Ok,
                http_status: Some(200),
                detail: None,
                captures: &caps,
            };
            s.record_observation(&obs, ObservedData::Portal(&page)).await.unwrap();
        }
        let reads = s.portal_reads(portal, 0, i64::MAX).await.unwrap();
        assert_eq!(reads.len(), 2);
        assert_eq!(reads[0].1.len(), 2);
        assert_eq!(reads[0].1[0].block.as_deref(), Some("通知公告"));

        let now = t("2026-11-20T10:00:00+08:00");
        let out = check_and_record(s, &rules, &cal, now, &scope, &planner).await.unwrap();
        let portal_finding = out.findings.iter().find(|f| f.subject == "portal").expect("portal subject");
        assert_eq!(portal_finding.account_id, a);
        assert_eq!(portal_finding.verdict, Verdict::Violation, "{}", portal_finding.summary_zh);
        assert!(portal_finding.summary_zh.contains("撤下"), "{}", portal_finding.summary_zh);
        // No source account in the registry: the superior-post subject cannot be checked.
        let sup = out.findings.iter().find(|f| f.subject == "superior_post").unwrap();
        assert!(matches!(sup.verdict, Verdict::NotChecked { .. }));
        db.finish().await;
    }
}
