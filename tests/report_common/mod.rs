//! The quarter every report test reads (2026Q3): accounts on four
//! platforms in four regions, daily observations and posts, a blocked
//! account, source-account items and reposts, and findings recorded through
//! the lifecycle. Shared by tests/report_quarterly.rs (the numbers) and
//! tests/report_docx.rs (the documents).
#![allow(dead_code)]

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use std::collections::HashMap;
use xunjian::accounts::{AccountSpec, LifecycleStatus};
use xunjian::adapters::model::{
    Capture, CommentState, Counts, MessageEntry, ObservationKind, OutcomeClass, Platform, Post,
    Profile, RepostOf,
};
use xunjian::calendar::HolidayCalendar;
use xunjian::config::Config;
use xunjian::report::{self, NoProgress, Quarter, QuarterReport, QuarterRequest};
use xunjian::rules::settings::{
    BAOJI_11, LUAN_2_2, LUAN_4_4, NATIONAL_INTERACTION, NATIONAL_NOT_UPDATED,
};
use xunjian::rules::{Citation, Evidence, Finding, RuleId, Verdict};
use xunjian::store::{FindingTransition, NewNotice, NewObservation, ObservedData, Store};

// ---- the fixture ------------------------------------------------------------

pub fn at(d: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    Shanghai
        .from_local_datetime(&d.and_hms_opt(h, m, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn q3_days() -> Vec<NaiveDate> {
    let mut v = Vec::new();
    let mut d = day("2026-07-01");
    while d <= day("2026-09-30") {
        v.push(d);
        d = d + Days::new(1);
    }
    v
}

pub fn post(id: &str, published: DateTime<Utc>, comments: CommentState) -> Post {
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
        comment_state: comments,
        counts: Counts {
            reposts: Some(1),
            comments: Some(2),
            likes: Some(3),
        },
    }
}

pub fn repost(id: &str, published: DateTime<Utc>, source_post: &str, source_uid: &str) -> Post {
    let mut p = post(id, published, CommentState::Open);
    p.is_original = false;
    p.repost_of = Some(RepostOf {
        post_id: source_post.to_string(),
        post_alt_id: None,
        author_id: Some(source_uid.to_string()),
        author_name: Some("安康发布".into()),
        published_at: None,
        available: true,
    });
    p
}

/// Records one observation; returns the SHA-256 of its capture.
pub async fn observe(
    s: &Store,
    account: i64,
    platform: Platform,
    kind: ObservationKind,
    when: DateTime<Utc>,
    outcome: OutcomeClass,
    data: ObservedData<'_>,
) -> String {
    let caps = [Capture {
        url: format!(
            "https://example.invalid/{}/{account}/{}",
            kind.code(),
            when.timestamp()
        ),
        http_status: Some(200),
        content_type: Some("application/json".into()),
        fetched_at: when,
        body: format!(
            "{{\"account\":{account},\"at\":{},\"outcome\":\"{}\"}}",
            when.timestamp(),
            outcome.code()
        )
        .into_bytes(),
        source: "test".into(),
    }];
    let sha = caps[0].sha256_hex();
    let obs = NewObservation {
        account_id: Some(account),
        platform,
        kind,
        target: account.to_string(),
        source: "test".into(),
        observed_at: when,
        duration_ms: 100,
        outcome,
        http_status: Some(200),
        detail: None,
        captures: &caps,
    };
    s.record_observation(&obs, data).await.unwrap();
    sha
}

pub fn no_notices(_: &FindingTransition) -> Vec<NewNotice> {
    Vec::new()
}

pub fn finding(
    rule: RuleId,
    account: i64,
    subject: &str,
    verdict: Verdict,
    citation: Citation,
    summary: &str,
    ev: Evidence,
) -> Finding {
    Finding {
        rule,
        account_id: account,
        subject: subject.to_string(),
        verdict,
        citation,
        summary_zh: summary.to_string(),
        evidence: vec![ev],
        measured: serde_json::Map::new(),
    }
}

pub fn ev(label: &str, sha: &str, when: DateTime<Utc>) -> Evidence {
    Evidence {
        page_url: None,
        label: label.into(),
        url: Some(format!(
            "https://example.invalid/evidence/{}",
            when.timestamp()
        )),
        sha256: Some(sha.to_string()),
        at_ms: when.timestamp_millis(),
    }
}

pub async fn record(s: &Store, f: Finding, when: DateTime<Utc>) {
    s.record_evaluation(&[f], when.timestamp_millis(), &no_notices)
        .await
        .unwrap();
}

/// The zombie rule checked the account (a pass), as the daemon does every
/// day: a veto item never decided in the quarter leaves the account
/// unassessed (覆盖不足).
pub async fn zombie_checked(s: &Store, account: i64, when: DateTime<Utc>) {
    passed(s, RuleId::Zombie, account, "account", when).await;
}

/// A rule's pass on the account's subject.
pub async fn passed(s: &Store, rule: RuleId, account: i64, subject: &str, when: DateTime<Utc>) {
    let f = finding(
        rule,
        account,
        subject,
        Verdict::Pass,
        xunjian::rules::settings::NATIONAL_NOT_UPDATED,
        "通过",
        ev("时间线抓取", &"0".repeat(64), when),
    );
    record(s, f, when).await;
}

pub struct Ids {
    pub ids: HashMap<&'static str, i64>,
    /// SHA-256 of evidence used by findings, by account key.
    pub shas: HashMap<&'static str, String>,
}

pub async fn add(
    s: &Store,
    key: &'static str,
    platform: Platform,
    name: &str,
    region: &str,
    status: LifecycleStatus,
) -> i64 {
    let mut spec = AccountSpec::new(platform, format!("uid-{key}"), name);
    spec.region = Some(region.into());
    spec.owner_unit = Some(format!("{region}{name}单位"));
    spec.status = status;
    spec.is_source = key == "G";
    s.add_account(
        &spec,
        at(day("2026-04-01"), 9, 0).timestamp_millis(),
        "test",
    )
    .await
    .unwrap()
    .id
}

/// Fills the quarter. Accounts:
/// A 汉滨发布 (weibo, 汉滨区): daily posts, reposts S1 on time and S2 late, S3 missing → 合格 with 2 repost problems.
/// B 汉滨应急 (wechat, 汉滨区): silent 2026-07-26..08-19, zombie open 08-10 → resolved 08-20 → 不合格, rectified.
/// C 汉阴发布 (weibo, 汉阴县): comments closed, interaction open since 2026-06-20 → 不合格, 连续两个季度.
/// D 汉阴文旅 (douyin, 汉阴县): captcha after 07-20 (20 of 92 days seen), verification problem → 覆盖不足, listed.
/// E 石泉发布 (toutiao, 石泉县): naming problem (deduction) → 合格; a zombie in Q2, resolved in Q2.
/// F 石泉应急 (weibo, 石泉县): a zombie warning and a dismissed interaction violation → 合格, not listed.
/// G 安康发布 (weibo, 安康市, source account): items S1, S2, S3 → 合格.
/// H 紫阳发布 (planned) and I 岚皋发布 (closed): not in scope.
pub async fn fill(s: &Store) -> Ids {
    let mut ids = HashMap::new();
    let accounts: [(&'static str, Platform, &str, &str, LifecycleStatus); 9] = [
        (
            "A",
            Platform::Weibo,
            "汉滨发布",
            "汉滨区",
            LifecycleStatus::Active,
        ),
        (
            "B",
            Platform::Wechat,
            "汉滨应急",
            "汉滨区",
            LifecycleStatus::Active,
        ),
        (
            "C",
            Platform::Weibo,
            "汉阴发布",
            "汉阴县",
            LifecycleStatus::Active,
        ),
        (
            "D",
            Platform::Douyin,
            "汉阴文旅",
            "汉阴县",
            LifecycleStatus::Active,
        ),
        (
            "E",
            Platform::Toutiao,
            "石泉发布",
            "石泉县",
            LifecycleStatus::Active,
        ),
        (
            "F",
            Platform::Weibo,
            "石泉应急",
            "石泉县",
            LifecycleStatus::Active,
        ),
        (
            "G",
            Platform::Weibo,
            "安康发布",
            "安康市",
            LifecycleStatus::Active,
        ),
        (
            "H",
            Platform::Weibo,
            "紫阳发布",
            "紫阳县",
            LifecycleStatus::Planned,
        ),
        (
            "I",
            Platform::Weibo,
            "岚皋发布",
            "岚皋县",
            LifecycleStatus::Closed,
        ),
    ];
    for (key, p, name, region, status) in accounts {
        ids.insert(key, add(s, key, p, name, region, status).await);
    }
    for key in ["A", "B", "C", "D", "E", "F", "G"] {
        zombie_checked(s, ids[key], at(day("2026-07-02"), 13, 0)).await;
    }
    // Weibo shows comment states: the interaction rule decided (C's is the
    // violation open since Q2). WeChat (B) and Toutiao (E) showed none.
    for key in ["A", "F", "G"] {
        passed(s, RuleId::Interaction, ids[key], "comments", at(day("2026-07-02"), 13, 0)).await;
    }
    let id = |k: &str| ids[k];
    let mut shas: HashMap<&'static str, String> = HashMap::new();
    let src = |n: u32, d: &str| (format!("S{n}"), at(day(d), 10, 0));
    let sources = [
        src(1, "2026-07-10"),
        src(2, "2026-07-20"),
        src(3, "2026-07-30"),
    ];

    for d in q3_days() {
        let obs_at = at(d, 13, 0);
        let tag = d.format("%m%d").to_string();
        // A: a daily post, plus the reposts.
        let mut a_posts = vec![post(&format!("A-{tag}"), at(d, 9, 0), CommentState::Open)];
        if d == day("2026-07-10") {
            a_posts.push(repost("A-R1", at(d, 10, 30), "S1", "uid-G"));
        }
        if d == day("2026-07-20") {
            a_posts.push(repost("A-R2", at(d, 12, 0), "S2", "uid-G"));
        }
        let sha = observe(
            s,
            id("A"),
            Platform::Weibo,
            ObservationKind::Timeline,
            obs_at,
            OutcomeClass::Ok,
            ObservedData::Posts(&a_posts),
        )
        .await;
        if d == day("2026-07-31") {
            shas.insert("A", sha);
        }
        // B: silent 07-26 .. 08-19.
        let silent = d >= day("2026-07-26") && d <= day("2026-08-19");
        let b_posts = if silent {
            vec![]
        } else {
            vec![post(&format!("B-{tag}"), at(d, 10, 0), CommentState::Open)]
        };
        let sha = observe(
            s,
            id("B"),
            Platform::Wechat,
            ObservationKind::Timeline,
            obs_at,
            OutcomeClass::Ok,
            ObservedData::Posts(&b_posts),
        )
        .await;
        if d == day("2026-08-10") {
            shas.insert("B", sha);
        }
        // C: comments closed.
        let c_posts = [post(
            &format!("C-{tag}"),
            at(d, 11, 0),
            CommentState::Closed,
        )];
        let sha = observe(
            s,
            id("C"),
            Platform::Weibo,
            ObservationKind::Timeline,
            obs_at,
            OutcomeClass::Ok,
            ObservedData::Posts(&c_posts),
        )
        .await;
        if d == day("2026-07-15") {
            shas.insert("C", sha);
        }
        // D: seen until 07-20, then captcha every day.
        if d <= day("2026-07-20") {
            let d_posts = [post(
                &format!("D-{tag}"),
                at(d, 9, 30),
                CommentState::Unknown,
            )];
            let sha = observe(
                s,
                id("D"),
                Platform::Douyin,
                ObservationKind::Timeline,
                obs_at,
                OutcomeClass::Ok,
                ObservedData::Posts(&d_posts),
            )
            .await;
            if d == day("2026-07-05") {
                shas.insert("D", sha);
            }
        } else {
            observe(
                s,
                id("D"),
                Platform::Douyin,
                ObservationKind::Timeline,
                obs_at,
                OutcomeClass::Captcha,
                ObservedData::Nothing,
            )
            .await;
        }
        // E, F: daily posts.
        for (k, p) in [("E", Platform::Toutiao), ("F", Platform::Weibo)] {
            let posts = [post(&format!("{k}-{tag}"), at(d, 9, 0), CommentState::Open)];
            let sha = observe(
                s,
                id(k),
                p,
                ObservationKind::Timeline,
                obs_at,
                OutcomeClass::Ok,
                ObservedData::Posts(&posts),
            )
            .await;
            if d == day("2026-07-03") {
                shas.insert(k, sha);
            }
        }
        // G: only its three key items.
        let g_posts: Vec<Post> = sources
            .iter()
            .filter(|(_, t)| t.with_timezone(&Shanghai).date_naive() == d)
            .map(|(pid, t)| post(pid, *t, CommentState::Open))
            .collect();
        observe(
            s,
            id("G"),
            Platform::Weibo,
            ObservationKind::Timeline,
            obs_at,
            OutcomeClass::Ok,
            ObservedData::Posts(&g_posts),
        )
        .await;
    }
    // A's followers at the start and end of the quarter, and one snapshot
    // in the previous quarter that must not count.
    for (d, n) in [
        ("2026-06-15", 900),
        ("2026-07-01", 1000),
        ("2026-08-15", 1040),
        ("2026-09-30", 1091),
    ] {
        let p = Profile {
            platform_id: "uid-A".into(),
            display_name: "汉滨发布".into(),
            description: None,
            verified: Some(true),
            verified_type: Some("1".into()),
            verified_entity: Some("汉滨区人民政府办公室".into()),
            followers: Some(n),
            post_count: None,
            private_message: MessageEntry::Open,
            comment_policy: CommentState::Open,
        };
        observe(
            s,
            id("A"),
            Platform::Weibo,
            ObservationKind::Profile,
            at(day(d), 8, 0),
            OutcomeClass::Ok,
            ObservedData::Profile(&p),
        )
        .await;
    }

    // ---- findings, through the lifecycle ----
    // B: zombie opened 08-10, resolved 08-20.
    let b = |v: Verdict, s: &str| {
        finding(
            RuleId::Zombie,
            id("B"),
            "account",
            v,
            NATIONAL_NOT_UPDATED,
            s,
            ev("最近一条信息", &shas["B"], at(day("2026-07-25"), 10, 0)),
        )
    };
    record(
        s,
        b(
            Verdict::Violation,
            "“汉滨应急”（微信公众号）自 2026-07-25 10:00 起超过 14 天未更新",
        ),
        at(day("2026-08-10"), 13, 0),
    )
    .await;
    record(s, b(Verdict::Pass, "已更新"), at(day("2026-08-20"), 13, 0)).await;
    // C: interaction open since Q2, seen again in Q3.
    let c = |v: Verdict| {
        finding(
            RuleId::Interaction,
            id("C"),
            "comments",
            v,
            NATIONAL_INTERACTION,
            "“汉阴发布”（新浪微博）最近 5 条信息均关闭评论",
            ev("时间线抓取", &shas["C"], at(day("2026-07-15"), 13, 0)),
        )
    };
    record(s, c(Verdict::Violation), at(day("2026-06-20"), 13, 0)).await;
    record(s, c(Verdict::Violation), at(day("2026-07-15"), 13, 0)).await;
    // D: verification (a deduction) while still observable.
    record(
        s,
        finding(
            RuleId::Verification,
            id("D"),
            "verification",
            Verdict::Violation,
            BAOJI_11,
            "“汉阴文旅”（抖音）未认证",
            ev("账号资料", &shas["D"], at(day("2026-07-05"), 13, 0)),
        ),
        at(day("2026-07-05"), 13, 0),
    )
    .await;
    // E: naming (deduction) in Q3; a zombie in Q2 that was rectified in Q2.
    record(
        s,
        finding(
            RuleId::Naming,
            id("E"),
            "name_pattern",
            Verdict::Violation,
            LUAN_2_2,
            "“石泉发布”（今日头条）名称不符合“××县人民政府发布”",
            ev("账号资料", &shas["E"], at(day("2026-07-03"), 13, 0)),
        ),
        at(day("2026-07-03"), 13, 0),
    )
    .await;
    let ez = |v: Verdict| {
        finding(
            RuleId::Zombie,
            id("E"),
            "account",
            v,
            NATIONAL_NOT_UPDATED,
            "“石泉发布”超过 14 天未更新",
            ev("最近一条信息", &shas["E"], at(day("2026-04-10"), 9, 0)),
        )
    };
    record(s, ez(Verdict::Violation), at(day("2026-05-01"), 13, 0)).await;
    record(s, ez(Verdict::Pass), at(day("2026-05-10"), 13, 0)).await;
    // F: a warning only, and an interaction violation the office dismissed.
    record(
        s,
        finding(
            RuleId::Zombie,
            id("F"),
            "account",
            Verdict::Warning,
            NATIONAL_NOT_UPDATED,
            "“石泉应急”接近 14 天未更新",
            ev("最近一条信息", &shas["F"], at(day("2026-09-01"), 9, 0)),
        ),
        at(day("2026-09-01"), 13, 0),
    )
    .await;
    record(
        s,
        finding(
            RuleId::Interaction,
            id("F"),
            "comments",
            Verdict::Violation,
            NATIONAL_INTERACTION,
            "“石泉应急”关闭评论",
            ev("时间线抓取", &shas["F"], at(day("2026-07-10"), 13, 0)),
        ),
        at(day("2026-07-10"), 13, 0),
    )
    .await;
    let f_interaction = s
        .find_finding(&format!("interaction:{}:comments", id("F")))
        .await
        .unwrap()
        .unwrap();
    s.dismiss_finding(
        f_interaction.id,
        "误报：评论区为精选模式",
        "operator",
        at(day("2026-07-11"), 9, 0).timestamp_millis(),
    )
    .await
    .unwrap();
    // A: S2 reposted late, S3 missing.
    let mut late = finding(
        RuleId::RepostDelay,
        id("A"),
        "weibo:S2",
        Verdict::Violation,
        LUAN_4_4,
        "“汉滨发布”（新浪微博）于 2026-07-20 12:00 转发“安康发布”2026-07-20 10:00 发布的重要信息，用时 2 小时，晚于时限",
        ev("转发", &shas["A"], at(day("2026-07-20"), 12, 0)),
    );
    late.measured.insert("delay_secs".into(), 7200.into());
    record(s, late, at(day("2026-07-20"), 13, 0)).await;
    let mut missing = finding(
        RuleId::RepostDelay,
        id("A"),
        "weibo:S3",
        Verdict::Violation,
        LUAN_4_4,
        "“汉滨发布”（新浪微博）截至 2026-07-31 13:00 未转发“安康发布”2026-07-30 10:00 发布的重要信息",
        ev(
            "时限后的时间线抓取",
            &shas["A"],
            at(day("2026-07-31"), 13, 0),
        ),
    );
    missing.measured.insert("missing".into(), true.into());
    record(s, missing, at(day("2026-07-31"), 13, 0)).await;
    Ids { ids, shas }
}

pub async fn build(s: &Store, req: &QuarterRequest) -> QuarterReport {
    let cfg = Config::default();
    report::build_quarter_report(s, &cfg, req, &HolidayCalendar::builtin(), &NoProgress)
        .await
        .unwrap()
}

pub fn q3() -> Quarter {
    "2026Q3".parse().unwrap()
}

