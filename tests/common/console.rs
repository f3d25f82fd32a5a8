//! A console to test: a store with two units' accounts (one named with
//! HTML), a zombie finding each (with stored evidence), and one user per
//! role. Included with `#[path]` by the console tests.
#![allow(dead_code)]

use chrono::{DateTime, TimeDelta, Utc};
use std::sync::Arc;
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::{Capture, CommentState, Counts, ObservationKind, OutcomeClass, Platform, Post};
use xunjian::calendar::HolidayCalendar;
use xunjian::check::{CheckScope, check_and_record};
use xunjian::clock::ManualClock;
use xunjian::config::{Config, ConfigSource, LoadedConfig};
use xunjian::rules::{ProfileName, ResolvedRules, RuleId};
use xunjian::store::{FindingTransition, NewNotice, NewObservation, NewUser, ObservedData, Role, Store, UserScope};
use xunjian::web::{AppState, ConsoleConfig, password};

pub const UNIT_A: &str = "金安区人民政府办公室";
pub const UNIT_B: &str = "裕安区人民政府办公室";
pub const HOSTILE: &str = "<img src=x onerror=alert(1)>";
/// Every test user's password.
pub const PASSWORD: &str = "correct-horse-2026";

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub struct Fixture {
    pub account_a: i64,
    pub account_b: i64,
    pub account_hostile: i64,
    pub finding_a: i64,
    pub finding_b: i64,
    pub finding_hostile: i64,
    /// A capture cited by finding_a.
    pub evidence_a: String,
    pub evidence_b: String,
    pub clock: ManualClock,
    pub wall: ManualClock,
    /// The console's data directory (uploads, reports), removed with the fixture.
    pub data_dir: Arc<tempfile::TempDir>,
}

async fn add(s: &Store, uid: &str, name: &str, unit: &str) -> i64 {
    let mut spec = AccountSpec::new(Platform::Weibo, uid, name);
    spec.owner_unit = Some(unit.to_string());
    spec.region = Some(if unit == UNIT_A { "金安区" } else { "裕安区" }.into());
    spec.profile_url = Some(format!("https://m.weibo.cn/u/{uid}"));
    s.add_account(&spec, t("2026-10-01T00:00:00Z").timestamp_millis(), "test").await.unwrap().id
}

async fn timeline(s: &Store, account: i64, at: DateTime<Utc>, posts: &[Post]) {
    let body = format!(
        "{{\"ok\":1,\"data\":{{\"cards\":[{{\"mblog\":{{\"text\":\"<script>alert('capture')</script>\",\"n\":{}}}}}]}},\"account\":{account}}}",
        posts.len()
    );
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
        outcome: OutcomeClass::Ok,
        http_status: Some(200),
        detail: None,
        captures: &caps,
    };
    s.record_observation(&obs, ObservedData::Posts(posts)).await.unwrap();
}

fn post(id: &str, published: DateTime<Utc>, text: &str) -> Post {
    Post {
        id: id.to_string(),
        alt_id: None,
        url: Some(format!("https://m.weibo.cn/status/{id}")),
        published_at: published,
        published_at_exact: true,
        text: text.to_string(),
        text_truncated: false,
        is_original: true,
        is_pinned: false,
        repost_of: None,
        comment_state: CommentState::Open,
        counts: Counts::default(),
    }
}

/// The display name of each test user.
pub fn display_name(username: &str) -> String {
    match username {
        "admin" => "张建国".to_string(),
        "staff" => "王丽".to_string(),
        "jinan" => "李强".to_string(),
        "yuan" => "赵敏".to_string(),
        "leader" => "刘主任".to_string(),
        other => format!("{other}的姓名"),
    }
}

pub async fn add_user(s: &Store, username: &str, role: Role, units: &[&str], must_change: bool) -> i64 {
    let user = NewUser {
        username: username.to_string(),
        display_name: display_name(username),
        role,
        scope: UserScope { units: units.iter().map(|u| u.to_string()).collect(), account_ids: Vec::new() },
        password_hash: password::hash_password(PASSWORD),
        must_change_password: must_change,
    };
    s.create_user(&user, t("2026-10-01T00:00:00Z").timestamp_millis()).await.unwrap().id
}

/// Accounts, findings and users (`admin`, `staff`, `jinan` for unit A,
/// `yuan` for unit B, `leader` read-only) in `s`.
pub async fn populate(s: &Store) -> Fixture {
    let a = add(s, "7100000001", "金安发布", UNIT_A).await;
    let hostile = add(s, "7100000002", HOSTILE, UNIT_A).await;
    let b = add(s, "7200000001", "裕安发布", UNIT_B).await;
    // Silent since 10 October: a zombie finding each on 1 November.
    let old = [post("p1", t("2026-10-10T09:00:00+08:00"), "<b>旧文</b><script>alert('post')</script>")];
    for id in [a, hostile, b] {
        timeline(s, id, t("2026-11-01T09:00:00+08:00"), &old).await;
    }
    let rules = ResolvedRules::for_profile(ProfileName::Luan);
    let cal = HolidayCalendar::builtin();
    let planner = |_: &FindingTransition| -> Vec<NewNotice> { Vec::new() };
    let scope = CheckScope { account_ids: None, rules: Some(vec![RuleId::Zombie]) };
    let now = t("2026-11-01T10:00:00+08:00");
    let tr = check_and_record(s, &rules, &cal, now, &scope, &planner).await.unwrap().transitions;
    let finding = |acc: i64| tr.iter().find(|t| t.finding.account_id == acc).map(|t| t.finding_id).expect("zombie finding");
    let (fa, fb, fh) = (finding(a), finding(b), finding(hostile));
    let sha = |id: i64| async move {
        let f = s.get_finding(id).await.unwrap().unwrap();
        f.evidence.iter().find_map(|e| e.sha256.clone()).expect("finding cites a capture")
    };
    let (ea, eb) = (sha(fa).await, sha(fb).await);
    add_user(s, "admin", Role::Admin, &[], false).await;
    add_user(s, "staff", Role::Staff, &[], false).await;
    add_user(s, "jinan", Role::Unit, &[UNIT_A], false).await;
    add_user(s, "yuan", Role::Unit, &[UNIT_B], false).await;
    add_user(s, "leader", Role::ReadOnly, &[], false).await;
    let clock = ManualClock::new(now + TimeDelta::hours(2));
    let wall = ManualClock::new(t("2026-12-02T09:00:00+08:00"));
    Fixture {
        account_a: a,
        account_b: b,
        account_hostile: hostile,
        finding_a: fa,
        finding_b: fb,
        finding_hostile: fh,
        evidence_a: ea,
        evidence_b: eb,
        clock,
        wall,
        data_dir: Arc::new(tempfile::tempdir().unwrap()),
    }
}

/// The configuration the console is given: defaults, with the fixture's
/// data directory.
pub fn loaded(f: &Fixture) -> LoadedConfig {
    let mut config = Config::default();
    config.general.data_dir = f.data_dir.path().display().to_string();
    LoadedConfig { config, source: ConfigSource::Defaults }
}

pub fn state(s: &Store, f: &Fixture) -> AppState {
    AppState::new(s.clone(), Arc::new(f.clock.clone()), Arc::new(f.wall.clone()), ConsoleConfig::default(), None)
        .with_config(Arc::new(loaded(f)))
}

/// A check of `account`'s timeline at `at` that ended in `outcome` with
/// `detail` and no data (a failure: "could not check", or a platform
/// answer such as not found), as the poller records one.
pub async fn check_outcome(s: &Store, account: i64, at: DateTime<Utc>, outcome: OutcomeClass, detail: Option<&str>) {
    let obs = NewObservation {
        account_id: Some(account),
        platform: Platform::Weibo,
        kind: ObservationKind::Timeline,
        target: account.to_string(),
        source: "m.weibo.cn getIndex timeline".into(),
        observed_at: at,
        duration_ms: 100,
        outcome,
        http_status: Some(if outcome == OutcomeClass::Throttled { 418 } else { 200 }),
        detail: detail.map(str::to_string),
        captures: &[],
    };
    s.record_observation(&obs, ObservedData::Nothing).await.unwrap();
}

/// A successful timeline check of `account` at `at` (no posts).
pub async fn check_ok(s: &Store, account: i64, at: DateTime<Utc>) {
    timeline(s, account, at, &[]).await;
}
