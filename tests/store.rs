//! Every store function, on SQLite and (when configured) PostgreSQL.

mod common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use xunjian::accounts::{AccountSpec, LifecycleStatus};
use xunjian::adapters::model::{
    Capture, CommentState, Counts, MessageEntry, ObservationKind, OutcomeClass, Platform, Post, Profile, RepostOf,
    SearchHit,
};
use xunjian::store::{AccountFilter, ImportOptions, NewObservation, ObservedData, Store, StoreError, StoreOptions};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn spec(platform: Platform, id: &str, name: &str, region: &str) -> AccountSpec {
    let mut s = AccountSpec::new(platform, id, name);
    s.region = Some(region.to_string());
    s.owner_unit = Some(format!("{region}人民政府办公室"));
    s
}

fn capture(url: &str, body: &str, at: DateTime<Utc>) -> Capture {
    Capture {
        url: url.to_string(),
        http_status: Some(200),
        content_type: Some("application/json; charset=utf-8".into()),
        fetched_at: at,
        body: body.as_bytes().to_vec(),
        source: "m.weibo.cn getIndex".into(),
    }
}

fn post(id: &str, published: &str, pinned: bool) -> Post {
    Post {
        id: id.to_string(),
        alt_id: Some(format!("b{id}")),
        url: Some(format!("https://m.weibo.cn/status/{id}")),
        published_at: t(published),
        published_at_exact: true,
        text: format!("正文 {id}"),
        text_truncated: false,
        is_original: true,
        is_pinned: pinned,
        repost_of: None,
        comment_state: CommentState::Unknown,
        counts: Counts { reposts: Some(1), comments: Some(2), likes: Some(3) },
    }
}

fn observation<'a>(account: Option<i64>, kind: ObservationKind, at: DateTime<Utc>, caps: &'a [Capture]) -> NewObservation<'a> {
    NewObservation {
        account_id: account,
        platform: Platform::Weibo,
        kind,
        target: "1234567890".into(),
        source: "m.weibo.cn getIndex".into(),
        observed_at: at,
        duration_ms: 120,
        outcome: OutcomeClass::Ok,
        http_status: Some(200),
        detail: None,
        captures: caps,
    }
}

#[tokio::test]
async fn migrations_are_idempotent_and_reported() {
    for db in common::backends().await {
        db.store.migrate().await.unwrap();
        let status = db.store.migration_status().await.unwrap();
        assert!(!status.is_empty(), "{}", db.label);
        assert!(status.iter().all(|(_, applied)| *applied), "{}: {status:?}", db.label);
        db.finish().await;
    }
}

#[tokio::test]
async fn add_find_duplicate_and_status_history() {
    for db in common::backends().await {
        let s = &db.store;
        let mut a = spec(Platform::Weibo, "1001", "汉滨区人民政府发布", "汉滨区");
        a.opened_on = Some(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        a.tags = vec!["区县".into(), "重点".into()];
        a.is_source = true;
        let added = s.add_account(&a, 1_000, "cli").await.unwrap();
        assert_eq!(added.spec, a);

        let found = s.find_account(Platform::Weibo, "1001").await.unwrap().unwrap();
        assert_eq!(found.spec, a, "{}", db.label);
        assert_eq!(s.get_account(found.id).await.unwrap().unwrap().spec, a);
        assert!(s.find_account(Platform::Wechat, "1001").await.unwrap().is_none());

        let dup = s.add_account(&a, 2_000, "cli").await.unwrap_err();
        assert!(matches!(dup, StoreError::DuplicateAccount { .. }), "{}: {dup}", db.label);

        let change = s.set_account_status(found.id, LifecycleStatus::Closing, 3_000, "cli").await.unwrap().unwrap();
        assert_eq!(change.old.as_deref(), Some("active"));
        assert_eq!(change.new.as_deref(), Some("closing"));
        // Setting the same status again changes nothing.
        assert!(s.set_account_status(found.id, LifecycleStatus::Closing, 4_000, "cli").await.unwrap().is_none());
        assert_eq!(s.get_account(found.id).await.unwrap().unwrap().spec.status, LifecycleStatus::Closing);

        let history = s.account_history(found.id).await.unwrap();
        assert_eq!(history.len(), 2, "{}: {history:?}", db.label);
        assert_eq!(history[1].0, 3_000);
        assert_eq!(history[1].1.field, "status");

        let missing = s.set_account_status(999_999, LifecycleStatus::Closed, 5_000, "cli").await.unwrap_err();
        assert!(matches!(missing, StoreError::NoSuchAccount(_)));
        db.finish().await;
    }
}

#[tokio::test]
async fn import_reports_added_changed_unchanged_missing_and_retires_only_when_asked() {
    for db in common::backends().await {
        let s = &db.store;
        let first = vec![
            spec(Platform::Weibo, "1", "汉滨发布", "汉滨区"),
            spec(Platform::Wechat, "MzA1", "旬阳发布", "旬阳县"),
            spec(Platform::Douyin, "MS4w", "白河发布", "白河县"),
        ];
        let opts = ImportOptions { file_name: "a.xlsx".into(), file_sha256: "00".into(), ..Default::default() };
        let r = s.import_accounts(&first, &opts, 10).await.unwrap();
        assert_eq!((r.added.len(), r.changed.len(), r.unchanged, r.missing.len()), (3, 0, 0, 0), "{}", db.label);

        let mut second = first.clone();
        second[0].display_name = "汉滨区人民政府发布".into();
        second.pop(); // Douyin account missing from the re-import
        // Dry run: reported, nothing written.
        let dry = ImportOptions { dry_run: true, retire_missing: true, ..opts.clone() };
        let r = s.import_accounts(&second, &dry, 20).await.unwrap();
        assert_eq!((r.added.len(), r.changed.len(), r.unchanged, r.missing.len()), (0, 1, 1, 1));
        assert_eq!(s.find_account(Platform::Weibo, "1").await.unwrap().unwrap().spec.display_name, "汉滨发布");
        let douyin = s.find_account(Platform::Douyin, "MS4w").await.unwrap().unwrap();
        assert!(!s.is_retired(douyin.id).await.unwrap(), "dry run retired an account");

        // Real run without --retire-missing: missing reported, not retired.
        let r = s.import_accounts(&second, &opts, 30).await.unwrap();
        assert_eq!(r.changed[0].1[0].field, "display_name");
        assert_eq!(r.missing[0].spec.platform_id, "MS4w");
        assert!(!r.retired);
        assert!(!s.is_retired(douyin.id).await.unwrap());
        assert_eq!(s.list_accounts(&AccountFilter::default()).await.unwrap().len(), 3);

        // With --retire-missing: retired and hidden from the default list.
        let retire = ImportOptions { retire_missing: true, ..opts.clone() };
        let r = s.import_accounts(&second, &retire, 40).await.unwrap();
        assert!(r.retired);
        assert_eq!(r.unchanged, 2);
        assert!(s.is_retired(douyin.id).await.unwrap());
        assert_eq!(s.list_accounts(&AccountFilter::default()).await.unwrap().len(), 2);
        let all = AccountFilter { include_retired: true, ..Default::default() };
        assert_eq!(s.list_accounts(&all).await.unwrap().len(), 3);

        // Importing it again brings it back, as a change.
        // (`first` also has the old name of the Weibo account: two changes.)
        let r = s.import_accounts(&first, &opts, 50).await.unwrap();
        assert_eq!(r.changed.len(), 2);
        let back = r.changed.iter().find(|(a, _)| a.id == douyin.id).expect("douyin account changed");
        assert_eq!(back.1.iter().map(|c| c.field).collect::<Vec<_>>(), ["retired"]);
        assert!(!s.is_retired(douyin.id).await.unwrap());
        db.finish().await;
    }
}

/// The registry is cached in the store handle (every check reads it); a
/// write through any handle, this process's or another's, is seen at the
/// next read.
#[tokio::test]
async fn the_registry_cache_sees_every_write_from_any_handle() {
    for db in common::backends().await {
        let reader = &db.store;
        let writer = Store::open(&db.url, &StoreOptions::default()).await.unwrap();
        let names = |accounts: Vec<xunjian::accounts::Account>| {
            accounts.into_iter().map(|a| format!("{}:{:?}", a.spec.display_name, a.spec.status)).collect::<Vec<_>>()
        };
        let all = AccountFilter { include_retired: true, ..Default::default() };
        assert!(reader.list_accounts(&all).await.unwrap().is_empty());

        let first = vec![spec(Platform::Weibo, "1", "汉滨发布", "汉滨区"), spec(Platform::Wechat, "MzA1", "旬阳发布", "旬阳县")];
        let opts = ImportOptions { file_name: "a.csv".into(), ..Default::default() };
        writer.import_accounts(&first, &opts, 10).await.unwrap();
        assert_eq!(names(reader.list_accounts(&all).await.unwrap()), ["汉滨发布:Active", "旬阳发布:Active"], "{}", db.label);

        let mut renamed = first.clone();
        renamed[0].display_name = "汉滨区人民政府发布".into();
        writer.import_accounts(&renamed, &opts, 20).await.unwrap();
        let (registry, everyone) = reader.registry_and_everyone().await.unwrap();
        assert_eq!(names(registry), ["汉滨区人民政府发布:Active", "旬阳发布:Active"], "{}", db.label);
        assert_eq!(everyone.len(), 2);

        let wechat = writer.find_account(Platform::Wechat, "MzA1").await.unwrap().unwrap();
        writer.set_account_status(wechat.id, LifecycleStatus::Closing, 30, "cli").await.unwrap();
        assert_eq!(names(reader.list_accounts(&all).await.unwrap())[1], "旬阳发布:Closing", "{}", db.label);

        let retire = ImportOptions { retire_missing: true, ..opts.clone() };
        writer.import_accounts(&renamed[..1], &retire, 40).await.unwrap();
        let (registry, everyone) = reader.registry_and_everyone().await.unwrap();
        assert_eq!(names(registry), ["汉滨区人民政府发布:Active"], "{}: a retired account left the registry", db.label);
        assert_eq!(everyone.len(), 2);

        // Unchanged, the registry is shared, not read again, and what a
        // check derives from it is built once per version.
        let before = reader.registry().await.unwrap();
        assert!(std::sync::Arc::ptr_eq(&before, &reader.registry().await.unwrap()), "{}", db.label);
        let builds = std::sync::atomic::AtomicUsize::new(0);
        let count = |r: &xunjian::store::Registry| {
            builds.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            r.current().count()
        };
        assert_eq!((*before.derived(count), *before.derived(count)), (1, 1));
        assert_eq!(builds.load(std::sync::atomic::Ordering::SeqCst), 1, "{}", db.label);

        writer.add_account(&spec(Platform::Douyin, "MS4w", "白河发布", "白河县"), 50, "cli").await.unwrap();
        assert_eq!(reader.list_accounts(&AccountFilter::default()).await.unwrap().len(), 2, "{}", db.label);
        let after = reader.registry().await.unwrap();
        assert!(after.version() > before.version(), "{}: a write bumps the version", db.label);
        assert_eq!(*after.derived(count), 2, "{}: derived again for the new version", db.label);

        // Checks that find the cache stale at the same moment share one read
        // (each reading its own copy was the daemon's peak memory).
        writer.add_account(&spec(Platform::Douyin, "MS4x", "岚皋发布", "岚皋县"), 60, "cli").await.unwrap();
        let (r1, r2, r3, r4) = tokio::join!(reader.registry(), reader.registry(), reader.registry(), reader.registry());
        let (r1, r2, r3, r4) = (r1.unwrap(), r2.unwrap(), r3.unwrap(), r4.unwrap());
        assert!(r1.version() > after.version(), "{}", db.label);
        assert!(
            std::sync::Arc::ptr_eq(&r1, &r2) && std::sync::Arc::ptr_eq(&r1, &r3) && std::sync::Arc::ptr_eq(&r1, &r4),
            "{}: one read for concurrent callers",
            db.label
        );
        assert_eq!(r1.everyone().len(), 4, "{}", db.label);
        writer.close().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn import_is_all_or_nothing() {
    for db in common::backends().await {
        let s = &db.store;
        // The importer rejects duplicates before the store sees them; if one
        // slips through, the unique key fails the transaction and nothing of
        // the file is written.
        let bad = vec![
            spec(Platform::Weibo, "1", "一", "汉滨区"),
            spec(Platform::Weibo, "2", "二", "汉滨区"),
            spec(Platform::Weibo, "1", "一again", "汉滨区"),
        ];
        let opts = ImportOptions { file_name: "bad.csv".into(), ..Default::default() };
        assert!(s.import_accounts(&bad, &opts, 10).await.is_err(), "{}", db.label);
        let all = AccountFilter { include_retired: true, ..Default::default() };
        assert!(s.list_accounts(&all).await.unwrap().is_empty(), "{}: partial import", db.label);
        db.finish().await;
    }
}

#[tokio::test]
async fn list_filters() {
    for db in common::backends().await {
        let s = &db.store;
        let mut specs = vec![
            spec(Platform::Weibo, "1", "汉滨区人民政府发布", "汉滨区"),
            spec(Platform::Wechat, "2", "汉滨发布", "汉滨区"),
            spec(Platform::Weibo, "3", "旬阳发布", "旬阳县"),
        ];
        specs[2].status = LifecycleStatus::Opening;
        specs[2].supervising_unit = Some("安康市人民政府办公室".into());
        s.import_accounts(&specs, &ImportOptions::default(), 1).await.unwrap();
        let by = |f: AccountFilter| async move { s.list_accounts(&f).await.unwrap() };
        assert_eq!(by(AccountFilter { platform: Some(Platform::Weibo), ..Default::default() }).await.len(), 2);
        assert_eq!(by(AccountFilter { region: Some("汉滨区".into()), ..Default::default() }).await.len(), 2);
        assert_eq!(by(AccountFilter { status: Some(LifecycleStatus::Opening), ..Default::default() }).await.len(), 1);
        let unit = by(AccountFilter { unit: Some("安康市".into()), ..Default::default() }).await;
        assert_eq!(unit.len(), 1);
        assert_eq!(unit[0].spec.platform_id, "3");
        db.finish().await;
    }
}

async fn one_account(s: &Store) -> i64 {
    s.add_account(&spec(Platform::Weibo, "6279793937", "某县人民政府发布", "某县"), 1, "test").await.unwrap().id
}

#[tokio::test]
async fn observation_with_profile_and_deduplicated_evidence() {
    for db in common::backends().await {
        let s = &db.store;
        let acc = one_account(s).await;
        let at = t("2026-11-02T09:30:00+08:00");
        let body = r#"{"ok":1,"data":{"userInfo":{"screen_name":"某县人民政府发布"}}}"#;
        let caps = [capture("https://m.weibo.cn/api/container/getIndex?type=uid&value=6279793937", body, at)];
        let profile = Profile {
            platform_id: "6279793937".into(),
            display_name: "某县人民政府发布".into(),
            description: Some("某县人民政府官方微博".into()),
            verified: Some(true),
            verified_type: Some("1".into()),
            verified_entity: Some("某县人民政府办公室".into()),
            followers: Some(1_455_000),
            post_count: Some(1553),
            private_message: MessageEntry::Open,
            comment_policy: CommentState::Unknown,
        };
        let id1 = s
            .record_observation(&observation(Some(acc), ObservationKind::Profile, at, &caps), ObservedData::Profile(&profile))
            .await
            .unwrap();
        // The same bytes again, an hour later: a second observation, one evidence body.
        let later = at + chrono::Duration::hours(1);
        let caps2 = [capture(&caps[0].url, body, later)];
        let id2 = s
            .record_observation(&observation(Some(acc), ObservationKind::Profile, later, &caps2), ObservedData::Profile(&profile))
            .await
            .unwrap();
        assert_ne!(id1, id2);
        assert_eq!(s.evidence_count().await.unwrap(), 1, "{}", db.label);

        let snap = s.latest_profile(acc).await.unwrap().unwrap();
        assert_eq!(snap.profile, profile, "{}", db.label);
        assert_eq!(snap.observation_id, id2);
        assert_eq!(snap.observed_at_ms, later.timestamp_millis());

        let refs = s.observation_captures(id2).await.unwrap();
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].fetched_at_ms, later.timestamp_millis());
        assert_eq!(refs[0].sha256, caps[0].sha256_hex());
        assert_eq!(refs[0].source, "m.weibo.cn getIndex");
        let stored = s.evidence_body(&refs[0].sha256).await.unwrap().unwrap();
        assert_eq!(stored, body.as_bytes(), "{}: evidence round trip", db.label);
        assert!(s.evidence_body("nope").await.unwrap().is_none());

        let obs = s.get_observation(id1).await.unwrap().unwrap();
        assert_eq!(obs.outcome, OutcomeClass::Ok);
        assert_eq!(obs.observed_at_ms, at.timestamp_millis());
        assert_eq!(obs.http_status, Some(200));
        db.finish().await;
    }
}

#[tokio::test]
async fn failed_observation_keeps_evidence_and_cannot_carry_data() {
    for db in common::backends().await {
        let s = &db.store;
        let acc = one_account(s).await;
        let at = t("2026-11-02T10:00:00+08:00");
        let captcha = "<html><body>请输入验证码</body></html>";
        let caps = [capture("https://m.weibo.cn/api/container/getIndex?containerid=1076036279793937", captcha, at)];
        let mut obs = observation(Some(acc), ObservationKind::Timeline, at, &caps);
        obs.outcome = OutcomeClass::Captcha;
        obs.detail = Some("captcha page with HTTP 200".into());

        let empty: [Post; 0] = [];
        let refused = s.record_observation(&obs, ObservedData::Posts(&empty)).await.unwrap_err();
        assert!(matches!(refused, StoreError::BadValue { .. }), "{}: {refused}", db.label);

        let id = s.record_observation(&obs, ObservedData::Nothing).await.unwrap();
        let stored = s.observations_for_account(acc, 0, i64::MAX).await.unwrap();
        assert_eq!(stored.len(), 1, "{}: the refused attempt must not be half-written", db.label);
        assert_eq!(stored[0].id, id);
        assert_eq!(stored[0].outcome, OutcomeClass::Captcha);
        assert_eq!(stored[0].detail.as_deref(), Some("captcha page with HTTP 200"));
        let refs = s.observation_captures(id).await.unwrap();
        assert_eq!(s.evidence_body(&refs[0].sha256).await.unwrap().unwrap(), captcha.as_bytes());
        db.finish().await;
    }
}

#[tokio::test]
async fn posts_upsert_keeps_exact_times_and_pinned_history() {
    for db in common::backends().await {
        let s = &db.store;
        let acc = one_account(s).await;
        let t1 = t("2026-11-02T09:00:00+08:00");
        let t2 = t("2026-11-03T09:00:00+08:00");
        let t3 = t("2026-11-04T09:00:00+08:00");

        let mut notice = post("100", "2026-10-01T08:00:00+08:00", true);
        let mut recent = post("200", "2026-11-01T12:00:00+08:00", false);
        recent.published_at_exact = false; // listing said "昨天 12:00"
        let mut repost = post("300", "2026-11-02T08:30:00+08:00", false);
        repost.is_original = false;
        repost.repost_of = Some(RepostOf {
            post_id: "9000".into(),
            post_alt_id: Some("Kjc77D1jz".into()),
            author_id: Some("5000".into()),
            author_name: Some("安康发布".into()),
            published_at: Some(t("2026-11-02T08:00:00+08:00")),
            available: true,
        });
        let posts1 = vec![notice.clone(), recent.clone(), repost.clone()];
        s.record_observation(&observation(Some(acc), ObservationKind::Timeline, t1, &[]), ObservedData::Posts(&posts1))
            .await
            .unwrap();

        // Second sighting: exact time from the detail page (off by 7 minutes
        // from the relative estimate); the notice is still pinned.
        recent.published_at = t("2026-11-01T12:07:31+08:00");
        recent.published_at_exact = true;
        recent.comment_state = CommentState::Closed;
        let posts2 = vec![notice.clone(), recent.clone()];
        s.record_observation(&observation(Some(acc), ObservationKind::Timeline, t2, &[]), ObservedData::Posts(&posts2))
            .await
            .unwrap();

        // Third: an approximate time never overwrites the exact one; the
        // notice has been unpinned.
        let mut approx = recent.clone();
        approx.published_at = t("2026-11-01T12:00:00+08:00");
        approx.published_at_exact = false;
        notice.is_pinned = false;
        let posts3 = vec![notice.clone(), approx];
        s.record_observation(&observation(Some(acc), ObservationKind::Timeline, t3, &[]), ObservedData::Posts(&posts3))
            .await
            .unwrap();

        let latest = s.latest_posts(acc, 10, false).await.unwrap();
        let ids: Vec<_> = latest.iter().map(|p| p.post.id.as_str()).collect();
        // Notice is no longer pinned, so all three appear, newest first.
        assert_eq!(ids, ["300", "200", "100"], "{}", db.label);
        let r = latest.iter().find(|p| p.post.id == "200").unwrap();
        assert_eq!(r.post.published_at, t("2026-11-01T12:07:31+08:00"), "{}", db.label);
        assert!(r.post.published_at_exact);
        assert_eq!(r.post.comment_state, CommentState::Closed);
        assert_eq!(r.first_seen_at_ms, t1.timestamp_millis());
        assert_eq!(r.last_seen_at_ms, t3.timestamp_millis());

        let rp = latest.iter().find(|p| p.post.id == "300").unwrap();
        assert_eq!(rp.post.repost_of, repost.repost_of, "{}", db.label);
        assert!(!rp.post.is_original);

        let n = latest.iter().find(|p| p.post.id == "100").unwrap();
        let sightings = s.post_sightings(n.row_id).await.unwrap();
        let pinned: Vec<bool> = sightings.iter().map(|x| x.is_pinned).collect();
        assert_eq!(pinned, [true, true, false], "{}", db.label);

        let window = s
            .posts_between(acc, t("2026-11-01T00:00:00+08:00").timestamp_millis(), t("2026-11-02T00:00:00+08:00").timestamp_millis())
            .await
            .unwrap();
        assert_eq!(window.len(), 1);
        assert_eq!(window[0].post.id, "200");
        db.finish().await;
    }
}

#[tokio::test]
async fn latest_posts_leaves_pinned_out() {
    for db in common::backends().await {
        let s = &db.store;
        let acc = one_account(s).await;
        let at = t("2026-11-02T09:00:00+08:00");
        // A pinned post newer than the latest ordinary one must not count as
        // the account's latest update.
        let posts = vec![post("1", "2026-11-01T10:00:00+08:00", true), post("2", "2026-10-01T10:00:00+08:00", false)];
        s.record_observation(&observation(Some(acc), ObservationKind::Timeline, at, &[]), ObservedData::Posts(&posts))
            .await
            .unwrap();
        let without = s.latest_posts(acc, 1, false).await.unwrap();
        assert_eq!(without[0].post.id, "2", "{}", db.label);
        let with = s.latest_posts(acc, 1, true).await.unwrap();
        assert_eq!(with[0].post.id, "1");
        db.finish().await;
    }
}

#[tokio::test]
async fn search_hits_round_trip() {
    for db in common::backends().await {
        let s = &db.store;
        let at = Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0).unwrap();
        let hits = vec![
            SearchHit {
                platform_id: "1".into(),
                display_name: "汉滨区人民政府发布".into(),
                profile_url: Some("https://m.weibo.cn/u/1".into()),
                verified: Some(true),
                verified_type: Some("1".into()),
                verified_entity: Some("安康市汉滨区人民政府办公室".into()),
                followers: Some(20_000),
                description: None,
            },
            SearchHit {
                platform_id: "2".into(),
                display_name: "汉滨区政府发布".into(),
                profile_url: None,
                verified: Some(false),
                verified_type: Some("-1".into()),
                verified_entity: None,
                followers: None,
                description: Some("非官方".into()),
            },
        ];
        let mut obs = observation(None, ObservationKind::Search, at, &[]);
        obs.target = "汉滨区人民政府发布".into();
        let id = s
            .record_observation(&obs, ObservedData::Search { query: "汉滨区人民政府发布", hits: &hits })
            .await
            .unwrap();
        let stored = s.search_hits(id).await.unwrap();
        assert_eq!(stored.iter().map(|h| h.hit.clone()).collect::<Vec<_>>(), hits, "{}", db.label);
        assert_eq!(stored[1].rank, 1);
        assert_eq!(stored[0].query, "汉滨区人民政府发布");

        // Posts without an account are refused.
        let p = [post("1", "2026-11-01T10:00:00+08:00", false)];
        assert!(s.record_observation(&obs, ObservedData::Posts(&p)).await.is_err());
        db.finish().await;
    }
}
