//! `xunjian check --at PAST` reads the profile as it was at that instant,
//! on SQLite and (when configured) PostgreSQL.

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::{CommentState, MessageEntry, ObservationKind, OutcomeClass, Platform, Profile};
use xunjian::check::load_facts;
use xunjian::store::{NewObservation, ObservedData, Store};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn profile(verified: bool) -> Profile {
    Profile {
        platform_id: "6279793937".into(),
        display_name: "某县人民政府发布".into(),
        description: None,
        verified: Some(verified),
        verified_type: Some("1".into()),
        verified_entity: Some("某县人民政府办公室".into()),
        followers: Some(1000),
        post_count: Some(10),
        private_message: MessageEntry::Open,
        comment_policy: CommentState::Unknown,
    }
}

async fn record(s: &Store, account: i64, at: DateTime<Utc>, p: &Profile) -> i64 {
    let obs = NewObservation {
        account_id: Some(account),
        platform: Platform::Weibo,
        kind: ObservationKind::Profile,
        target: "6279793937".into(),
        source: "m.weibo.cn getIndex profile".into(),
        observed_at: at,
        duration_ms: 100,
        outcome: OutcomeClass::Ok,
        http_status: Some(200),
        detail: None,
        captures: &[],
    };
    s.record_observation(&obs, ObservedData::Profile(p)).await.unwrap()
}

#[tokio::test]
async fn a_past_check_reads_the_profile_of_that_time() {
    for db in common::backends().await {
        let s = &db.store;
        let mut spec = AccountSpec::new(Platform::Weibo, "6279793937", "某县人民政府发布");
        spec.owner_unit = Some("某县人民政府办公室".into());
        let account = s.add_account(&spec, 1, "test").await.unwrap();
        // Verified on 11-01, unverified from 11-10 on.
        let before = t("2026-11-01T09:00:00+08:00");
        let after = t("2026-11-10T09:00:00+08:00");
        let old = record(s, account.id, before, &profile(true)).await;
        let new = record(s, account.id, after, &profile(false)).await;

        let id = account.id;
        let snap = |at: DateTime<Utc>| async move { s.profile_as_of(id, at.timestamp_millis()).await.unwrap() };
        assert_eq!(snap(before - TimeDelta::seconds(1)).await, None, "{}: nothing before the first", db.label);
        assert_eq!(snap(before).await.unwrap().observation_id, old, "{}: at the instant itself", db.label);
        assert_eq!(snap(after - TimeDelta::seconds(1)).await.unwrap().observation_id, old, "{}", db.label);
        assert_eq!(snap(after).await.unwrap().observation_id, new, "{}", db.label);
        assert_eq!(s.latest_profile(account.id).await.unwrap().unwrap().observation_id, new, "{}", db.label);

        // What `check --at` loads for the rules.
        let facts = load_facts(s, &account, t("2026-11-05T12:00:00+08:00")).await.unwrap();
        assert_eq!(facts.profiles.len(), 1, "{}", db.label);
        assert_eq!(facts.profiles[0].observation_id, old, "{}: the profile as of 11-05", db.label);
        assert_eq!(facts.profiles[0].profile.verified, Some(true), "{}", db.label);
        let facts = load_facts(s, &account, t("2026-11-12T12:00:00+08:00")).await.unwrap();
        assert_eq!(facts.profiles[0].observation_id, new, "{}", db.label);
        db.finish().await;
    }
}
