//! Builders for rule tests.

use super::settings::{ProfileName, ResolvedRules};
use super::{AccountFacts, RuleContext, SearchEvidence};
use crate::accounts::{Account, AccountSpec};
use crate::calendar::HolidayCalendar;
use crate::store::{CaptureRef, ObservationRecord, PostRecord, ProfileSnapshot, StoredSearchHit};
use chrono::{DateTime, Utc};
use xunjian_adapters::model::{
    CommentState, Counts, MessageEntry, ObservationKind, OutcomeClass, Platform, Post, Profile,
    SearchHit,
};

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub struct Kit {
    pub now: DateTime<Utc>,
    pub calendar: HolidayCalendar,
    pub rules: ResolvedRules,
}

impl Kit {
    pub fn new(now: &str) -> Kit {
        Kit::with(now, ProfileName::National)
    }

    pub fn with(now: &str, profile: ProfileName) -> Kit {
        Kit {
            now: t(now),
            calendar: HolidayCalendar::builtin(),
            rules: ResolvedRules::for_profile(profile),
        }
    }

    pub fn ctx(&self) -> RuleContext<'_> {
        RuleContext {
            now: self.now,
            calendar: &self.calendar,
            rules: &self.rules,
        }
    }

    pub fn facts(&self) -> AccountFacts {
        account_facts(1, Platform::Weibo, "某某县人民政府发布")
    }

    pub fn obs(
        &self,
        f: &mut AccountFacts,
        id: i64,
        kind: ObservationKind,
        at: &str,
        outcome: OutcomeClass,
    ) {
        let at_ms = t(at).timestamp_millis();
        f.observations.push(ObservationRecord {
            id,
            account_id: Some(f.account.id),
            platform: f.account.spec.platform,
            kind,
            target: f.account.spec.platform_id.clone(),
            source: "test".into(),
            observed_at_ms: at_ms,
            // Instant reads: a read speaks for the moment it was asked.
            duration_ms: 0,
            outcome,
            http_status: Some(200),
            detail: None,
            reach: Default::default(),
            shape: None,
        });
        f.captures.insert(
            id,
            vec![CaptureRef {
                seq: 0,
                sha256: format!("{id:064x}"),
                url: format!("https://example.invalid/obs/{id}"),
                http_status: Some(200),
                fetched_at_ms: at_ms,
                source: "test".into(),
            }],
        );
    }

    pub fn timeline(&self, f: &mut AccountFacts, id: i64, at: &str, outcome: OutcomeClass) {
        self.obs(f, id, ObservationKind::Timeline, at, outcome);
    }
}

pub fn account_facts(id: i64, platform: Platform, name: &str) -> AccountFacts {
    let mut spec = AccountSpec::new(platform, format!("uid{id}"), name);
    spec.owner_unit = Some("某某县人民政府办公室".into());
    AccountFacts::new(Account {
        id,
        spec,
        created_at_ms: 0,
        updated_at_ms: 0,
    })
}

pub fn post(id: &str, published: &str) -> Post {
    Post {
        id: id.into(),
        alt_id: None,
        url: Some(format!("https://example.invalid/p/{id}")),
        published_at: t(published),
        published_at_exact: true,
        text: "今日要闻".into(),
        text_truncated: false,
        is_original: true,
        is_pinned: false,
        repost_of: None,
        comment_state: CommentState::Open,
        counts: Counts::default(),
    }
}

/// Adds a post last seen by observation `obs` (whose time is its sighting).
pub fn add_post(f: &mut AccountFacts, obs: i64, p: Post) {
    let seen = f
        .observations
        .iter()
        .find(|o| o.id == obs)
        .map(|o| o.observed_at_ms)
        .unwrap_or(0);
    let row_id = f.posts.len() as i64 + 1;
    f.posts.push(PostRecord {
        row_id,
        account_id: f.account.id,
        post: p,
        first_seen_at_ms: seen,
        last_seen_at_ms: seen,
        last_observation_id: Some(obs),
    });
}

pub fn profile(name: &str) -> Profile {
    Profile {
        platform_id: "uid1".into(),
        display_name: name.into(),
        description: None,
        verified: Some(true),
        verified_type: Some("1".into()),
        verified_entity: Some("某某县人民政府办公室官方微博".into()),
        followers: Some(1000),
        post_count: Some(100),
        private_message: MessageEntry::Open,
        comment_policy: CommentState::Unknown,
    }
}

pub fn add_profile(f: &mut AccountFacts, obs: i64, p: Profile) {
    let at = f
        .observations
        .iter()
        .find(|o| o.id == obs)
        .map(|o| o.observed_at_ms)
        .unwrap_or(0);
    f.profiles.push(ProfileSnapshot {
        account_id: f.account.id,
        observation_id: obs,
        observed_at_ms: at,
        profile: p,
    });
}

/// A registry account (status active) with an owner unit.
pub fn registered(
    id: i64,
    platform: Platform,
    platform_id: &str,
    name: &str,
    owner: &str,
) -> Account {
    let mut spec = AccountSpec::new(platform, platform_id, name);
    spec.owner_unit = Some(owner.into());
    Account {
        id,
        spec,
        created_at_ms: 0,
        updated_at_ms: 1_000,
    }
}

/// A search hit: not verified, no bio, 1234 followers.
pub fn hit(platform_id: &str, name: &str) -> SearchHit {
    SearchHit {
        platform_id: platform_id.into(),
        display_name: name.into(),
        profile_url: Some(format!("https://example.invalid/u/{platform_id}")),
        verified: Some(false),
        verified_type: Some("-1".into()),
        verified_entity: None,
        followers: Some(1234),
        description: None,
    }
}

/// A hit verified as an organisation (Weibo type 1) with this entity.
pub fn verified_hit(platform_id: &str, name: &str, entity: &str) -> SearchHit {
    SearchHit {
        verified: Some(true),
        verified_type: Some("1".into()),
        verified_entity: Some(entity.into()),
        ..hit(platform_id, name)
    }
}

/// A name search on `platform` at `at`, with one capture; hits only when
/// `outcome` is ok (the store refuses data on a failed observation).
pub fn search(
    id: i64,
    platform: Platform,
    query: &str,
    at: &str,
    outcome: OutcomeClass,
    hits: Vec<SearchHit>,
) -> SearchEvidence {
    let at_ms = t(at).timestamp_millis();
    SearchEvidence {
        observation: ObservationRecord {
            id,
            account_id: None,
            platform,
            kind: ObservationKind::Search,
            target: query.into(),
            source: "test".into(),
            observed_at_ms: at_ms,
            // Instant reads: a read speaks for the moment it was asked.
            duration_ms: 0,
            outcome,
            http_status: Some(200),
            detail: None,
            reach: Default::default(),
            shape: None,
        },
        hits: hits
            .into_iter()
            .enumerate()
            .map(|(rank, hit)| StoredSearchHit {
                observation_id: id,
                platform,
                query: query.into(),
                rank: rank as i64,
                hit,
            })
            .collect(),
        captures: vec![CaptureRef {
            seq: 0,
            sha256: format!("{id:064x}"),
            url: format!("https://example.invalid/search/{id}"),
            http_status: Some(200),
            fetched_at_ms: at_ms,
            source: "test".into(),
        }],
    }
}
