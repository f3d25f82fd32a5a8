//! Observations, their evidence, and what they saw (posts, profiles, search hits).
//!
//! An observation is every fetch attempt, successful or not. Only a
//! successful one (`OutcomeClass::Ok`) may carry data: the store refuses a
//! failed observation with posts or a profile attached, so a captcha page can
//! never turn into an "empty timeline" downstream.

use super::{
    Result, Store, StoreError, flag, get_flag, get_i64, get_opt_flag, get_opt_i64, get_opt_string, get_string,
};
use chrono::{DateTime, TimeZone, Utc};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use std::collections::HashMap;
use std::io::{Read, Write};
use xunjian_adapters::model::{
    Capture, CommentState, Completeness, Counts, MessageEntry, ObservationKind, OutcomeClass, Platform, Post,
    PortalItem, PortalPage, Profile, RepostOf, SearchHit, Timeline,
};

/// The shape of a portal page kept with its read (title, links, blocks), so
/// the next read can be compared with the homepage as it was.
fn portal_shape_json(page: &PortalPage) -> Option<String> {
    let mut v = serde_json::to_value(&page.shape).ok()?;
    v["title"] = serde_json::json!(page.title);
    Some(v.to_string())
}

/// A fetch attempt to record.
#[derive(Debug, Clone)]
pub struct NewObservation<'a> {
    /// The registered account this fetch was about; `None` for searches.
    pub account_id: Option<i64>,
    pub platform: Platform,
    pub kind: ObservationKind,
    /// What was asked for: a uid, a query, a URL.
    pub target: String,
    /// Which source answered (e.g. "m.weibo.cn getIndex", "sogou", "feed").
    pub source: String,
    pub observed_at: DateTime<Utc>,
    pub duration_ms: i64,
    pub outcome: OutcomeClass,
    pub http_status: Option<u16>,
    /// For failures: the classified reason (the field that failed to parse,
    /// the captcha URL, ...).
    pub detail: Option<String>,
    /// Every raw response behind the attempt, in fetch order.
    pub captures: &'a [Capture],
}

/// What a successful observation saw.
#[derive(Debug, Clone, Copy)]
pub enum ObservedData<'a> {
    Nothing,
    Profile(&'a Profile),
    Posts(&'a [Post]),
    Search { query: &'a str, hits: &'a [SearchHit] },
    /// A portal homepage's links (observation kind `portal`, no account).
    Portal(&'a PortalPage),
    /// A timeline read: its posts and what it proves (how far back it
    /// reaches, the platform's own post count, the source's freshness).
    Timeline(&'a Timeline),
    /// A failed portal read (`parse_error`): a page served in the
    /// homepage's place. Only its shape is kept, so the next reads can tell
    /// a redesign (the same new page, again and again) from a passing
    /// error; nothing it showed is an observation.
    NotTheHomepage(&'a PortalPage),
}

/// How complete a timeline read was (see [`Timeline::completeness`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadCompleteness {
    /// It showed the account's newest non-pinned post.
    ReachesBack,
    /// Nothing beyond pinned posts, and the platform's count agrees.
    Nothing,
    /// It proves nothing about silence.
    Unresolved,
}

impl ReadCompleteness {
    pub fn code(self) -> &'static str {
        match self {
            ReadCompleteness::ReachesBack => "reaches_back",
            ReadCompleteness::Nothing => "nothing",
            ReadCompleteness::Unresolved => "unresolved",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::ReachesBack, Self::Nothing, Self::Unresolved].into_iter().find(|c| c.code() == s)
    }
}

/// What a successful timeline read proves, as stored with it. All `None`
/// for other kinds, failures, and reads stored before migration 0006.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadReach {
    pub completeness: Option<ReadCompleteness>,
    /// The oldest non-pinned post the read showed.
    pub reach_from_ms: Option<i64>,
    /// The account's post count the platform stated with the read.
    pub post_count: Option<i64>,
    /// When the feed or relay says it last changed.
    pub source_updated_at_ms: Option<i64>,
}

impl ReadReach {
    pub fn of(t: &Timeline) -> ReadReach {
        let (completeness, reach_from_ms) = match t.completeness() {
            Completeness::ReachesBack { oldest, .. } => (ReadCompleteness::ReachesBack, Some(ms(oldest))),
            Completeness::Nothing => (ReadCompleteness::Nothing, None),
            Completeness::Unresolved => (ReadCompleteness::Unresolved, None),
        };
        ReadReach {
            completeness: Some(completeness),
            reach_from_ms,
            post_count: t.total,
            source_updated_at_ms: t.source_updated_at.map(ms),
        }
    }
}

/// A stored observation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservationRecord {
    pub id: i64,
    pub account_id: Option<i64>,
    pub platform: Platform,
    pub kind: ObservationKind,
    pub target: String,
    pub source: String,
    pub observed_at_ms: i64,
    pub duration_ms: i64,
    pub outcome: OutcomeClass,
    pub http_status: Option<u16>,
    pub detail: Option<String>,
    /// What a timeline read proves (migration 0006).
    pub reach: ReadReach,
    /// A portal read's page shape (JSON), to compare the next read with.
    pub shape: Option<String>,
}

impl ObservationRecord {
    /// The page a portal read showed, as far as its stored shape tells
    /// (title and shape; no items). `None` for other reads, for reads that
    /// did not parse, and for a shape this version cannot read.
    pub fn portal_page(&self) -> Option<PortalPage> {
        let v: serde_json::Value = serde_json::from_str(self.shape.as_deref()?).ok()?;
        Some(PortalPage {
            url: self.target.clone(),
            title: v.get("title").and_then(serde_json::Value::as_str).map(str::to_string),
            items: Vec::new(),
            shape: serde_json::from_value(v).ok()?,
        })
    }
}

/// A raw response as linked to an observation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureRef {
    pub seq: i64,
    pub sha256: String,
    pub url: String,
    pub http_status: Option<u16>,
    pub fetched_at_ms: i64,
    pub source: String,
}

/// A stored post and when it was seen.
#[derive(Debug, Clone, PartialEq)]
pub struct PostRecord {
    pub row_id: i64,
    pub account_id: i64,
    pub post: Post,
    pub first_seen_at_ms: i64,
    pub last_seen_at_ms: i64,
    pub last_observation_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProfileSnapshot {
    pub account_id: i64,
    pub observation_id: i64,
    pub observed_at_ms: i64,
    pub profile: Profile,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredSearchHit {
    pub observation_id: i64,
    pub platform: Platform,
    pub query: String,
    pub rank: i64,
    pub hit: SearchHit,
}

/// One sighting of a post: was it pinned, were comments open, at that time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostSighting {
    pub observation_id: i64,
    pub observed_at_ms: i64,
    pub is_pinned: bool,
    pub comment_state: CommentState,
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(column: &'static str, v: i64) -> Result<DateTime<Utc>> {
    Utc.timestamp_millis_opt(v).single().ok_or(StoreError::BadValue { column, value: v.to_string() })
}

fn gzip(body: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::with_capacity(body.len() / 4 + 64), Compression::default());
    // Writing into a Vec cannot fail.
    enc.write_all(body).expect("gzip into memory");
    enc.finish().expect("gzip into memory")
}

fn parse_code<T>(column: &'static str, v: String, f: impl Fn(&str) -> Option<T>) -> Result<T> {
    f(&v).ok_or(StoreError::BadValue { column, value: v })
}

/// Stores a body once per SHA-256. A body retention dropped comes back
/// when the same bytes are fetched again (they are evidence again).
async fn put_evidence(tx: &mut Transaction<'_, Any>, c: &Capture) -> Result<String> {
    let sha = c.sha256_hex();
    sqlx::query(
        "INSERT INTO evidence (sha256, url, content_type, http_status, fetched_at_ms, size_bytes) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO UPDATE SET pruned_at_ms = NULL \
         WHERE evidence.pruned_at_ms IS NOT NULL",
    )
    .bind(&sha)
    .bind(&c.url)
    .bind(&c.content_type)
    .bind(c.http_status.map(i64::from))
    .bind(ms(c.fetched_at))
    .bind(c.body.len() as i64)
    .execute(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO evidence_bodies (sha256, body_gzip) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING")
        .bind(&sha)
        .bind(gzip(&c.body))
        .execute(&mut **tx)
        .await?;
    Ok(sha)
}

async fn upsert_post(
    tx: &mut Transaction<'_, Any>,
    account_id: i64,
    observation_id: i64,
    seen_at_ms: i64,
    p: &Post,
) -> Result<i64> {
    let r = p.repost_of.as_ref();
    // A later sighting refreshes the changeable state (pinned, comments,
    // counts, text) but never replaces an exact time with an approximate one.
    let row = sqlx::query(
        "INSERT INTO posts (account_id, platform_post_id, alt_id, url, published_at_ms, published_at_exact, \
         first_seen_at_ms, last_seen_at_ms, text, is_original, is_pinned, repost_of_post_id, repost_of_alt_id, \
         repost_of_author_id, repost_of_author_name, repost_of_published_at_ms, repost_of_available, comment_state, \
         reposts_count, comments_count, likes_count, last_observation_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) \
         ON CONFLICT (account_id, platform_post_id) DO UPDATE SET \
           alt_id = COALESCE(excluded.alt_id, posts.alt_id), \
           url = COALESCE(excluded.url, posts.url), \
           published_at_ms = CASE WHEN excluded.published_at_exact >= posts.published_at_exact \
                                  THEN excluded.published_at_ms ELSE posts.published_at_ms END, \
           published_at_exact = CASE WHEN excluded.published_at_exact >= posts.published_at_exact \
                                     THEN excluded.published_at_exact ELSE posts.published_at_exact END, \
           last_seen_at_ms = excluded.last_seen_at_ms, \
           text = excluded.text, \
           is_pinned = excluded.is_pinned, \
           repost_of_published_at_ms = COALESCE(excluded.repost_of_published_at_ms, posts.repost_of_published_at_ms), \
           repost_of_available = excluded.repost_of_available, \
           comment_state = excluded.comment_state, \
           reposts_count = COALESCE(excluded.reposts_count, posts.reposts_count), \
           comments_count = COALESCE(excluded.comments_count, posts.comments_count), \
           likes_count = COALESCE(excluded.likes_count, posts.likes_count), \
           last_observation_id = excluded.last_observation_id \
         RETURNING id",
    )
    .bind(account_id)
    .bind(&p.id)
    .bind(&p.alt_id)
    .bind(&p.url)
    .bind(ms(p.published_at))
    .bind(flag(p.published_at_exact))
    .bind(seen_at_ms)
    .bind(seen_at_ms)
    .bind(&p.text)
    .bind(flag(p.is_original))
    .bind(flag(p.is_pinned))
    .bind(r.map(|r| r.post_id.clone()))
    .bind(r.and_then(|r| r.post_alt_id.clone()))
    .bind(r.and_then(|r| r.author_id.clone()))
    .bind(r.and_then(|r| r.author_name.clone()))
    .bind(r.and_then(|r| r.published_at).map(ms))
    .bind(r.map(|r| flag(r.available)))
    .bind(p.comment_state.code())
    .bind(p.counts.reposts)
    .bind(p.counts.comments)
    .bind(p.counts.likes)
    .bind(observation_id)
    .fetch_one(&mut **tx)
    .await?;
    let post_row = get_i64(&row, "id")?;
    sqlx::query(
        "INSERT INTO post_sightings (observation_id, post_id, is_pinned, comment_state) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (observation_id, post_id) DO NOTHING",
    )
    .bind(observation_id)
    .bind(post_row)
    .bind(flag(p.is_pinned))
    .bind(p.comment_state.code())
    .execute(&mut **tx)
    .await?;
    Ok(post_row)
}

const OBSERVATION_COLUMNS: &str =
    "id, account_id, platform, kind, target, source, observed_at_ms, duration_ms, outcome, http_status, detail, \
     completeness, reach_from_ms, post_count, source_updated_at_ms, shape";

fn observation_from_row(r: &AnyRow) -> Result<ObservationRecord> {
    Ok(ObservationRecord {
        id: get_i64(r, "id")?,
        account_id: get_opt_i64(r, "account_id")?,
        platform: parse_code("observations.platform", get_string(r, "platform")?, Platform::from_code)?,
        kind: parse_code("observations.kind", get_string(r, "kind")?, ObservationKind::from_code)?,
        target: get_string(r, "target")?,
        source: get_string(r, "source")?,
        observed_at_ms: get_i64(r, "observed_at_ms")?,
        duration_ms: get_i64(r, "duration_ms")?,
        outcome: parse_code("observations.outcome", get_string(r, "outcome")?, OutcomeClass::from_code)?,
        http_status: get_opt_i64(r, "http_status")?.map(|v| v as u16),
        detail: get_opt_string(r, "detail")?,
        reach: ReadReach {
            completeness: match get_opt_string(r, "completeness")? {
                Some(c) => Some(parse_code("observations.completeness", c, |s| ReadCompleteness::from_code(s))?),
                None => None,
            },
            reach_from_ms: get_opt_i64(r, "reach_from_ms")?,
            post_count: get_opt_i64(r, "post_count")?,
            source_updated_at_ms: get_opt_i64(r, "source_updated_at_ms")?,
        },
        shape: get_opt_string(r, "shape")?,
    })
}

const POST_COLUMNS: &str = "id, account_id, platform_post_id, alt_id, url, published_at_ms, published_at_exact, \
     first_seen_at_ms, last_seen_at_ms, text, is_original, is_pinned, repost_of_post_id, repost_of_alt_id, \
     repost_of_author_id, repost_of_author_name, repost_of_published_at_ms, repost_of_available, comment_state, \
     reposts_count, comments_count, likes_count, last_observation_id";

fn post_from_row(r: &AnyRow) -> Result<PostRecord> {
    let repost_of = match get_opt_string(r, "repost_of_post_id")? {
        None => None,
        Some(post_id) => Some(RepostOf {
            post_id,
            post_alt_id: get_opt_string(r, "repost_of_alt_id")?,
            author_id: get_opt_string(r, "repost_of_author_id")?,
            author_name: get_opt_string(r, "repost_of_author_name")?,
            published_at: get_opt_i64(r, "repost_of_published_at_ms")?
                .map(|v| from_ms("posts.repost_of_published_at_ms", v))
                .transpose()?,
            available: get_opt_flag(r, "repost_of_available")?.unwrap_or(true),
        }),
    };
    Ok(PostRecord {
        row_id: get_i64(r, "id")?,
        account_id: get_i64(r, "account_id")?,
        post: Post {
            id: get_string(r, "platform_post_id")?,
            alt_id: get_opt_string(r, "alt_id")?,
            url: get_opt_string(r, "url")?,
            published_at: from_ms("posts.published_at_ms", get_i64(r, "published_at_ms")?)?,
            published_at_exact: get_flag(r, "published_at_exact")?,
            text: get_string(r, "text")?,
            // The stored text is what we saw; whether it was cut short on the
            // listing is a property of one response, not of the post.
            text_truncated: false,
            is_original: get_flag(r, "is_original")?,
            is_pinned: get_flag(r, "is_pinned")?,
            repost_of,
            comment_state: parse_code("posts.comment_state", get_string(r, "comment_state")?, CommentState::from_code)?,
            counts: Counts {
                reposts: get_opt_i64(r, "reposts_count")?,
                comments: get_opt_i64(r, "comments_count")?,
                likes: get_opt_i64(r, "likes_count")?,
            },
        },
        first_seen_at_ms: get_i64(r, "first_seen_at_ms")?,
        last_seen_at_ms: get_i64(r, "last_seen_at_ms")?,
        last_observation_id: get_opt_i64(r, "last_observation_id")?,
    })
}

pub(super) const PROFILE_COLUMNS: &str = "p.account_id, p.observation_id, p.observed_at_ms, p.display_name, p.description, \
     p.verified, p.verified_type, p.verified_entity, p.followers, p.post_count, p.private_message, p.comment_policy";

pub(super) fn profile_from_row(r: &AnyRow, platform_id: String) -> Result<ProfileSnapshot> {
    Ok(ProfileSnapshot {
        account_id: get_i64(r, "account_id")?,
        observation_id: get_i64(r, "observation_id")?,
        observed_at_ms: get_i64(r, "observed_at_ms")?,
        profile: Profile {
            platform_id,
            display_name: get_string(r, "display_name")?,
            description: get_opt_string(r, "description")?,
            verified: get_opt_flag(r, "verified")?,
            verified_type: get_opt_string(r, "verified_type")?,
            verified_entity: get_opt_string(r, "verified_entity")?,
            followers: get_opt_i64(r, "followers")?,
            post_count: get_opt_i64(r, "post_count")?,
            private_message: parse_code(
                "profile_snapshots.private_message",
                get_string(r, "private_message")?,
                MessageEntry::from_code,
            )?,
            comment_policy: parse_code(
                "profile_snapshots.comment_policy",
                get_string(r, "comment_policy")?,
                CommentState::from_code,
            )?,
        },
    })
}

impl Store {
    /// Records one fetch attempt with its evidence and what it saw, in one
    /// transaction. Returns the observation id.
    pub async fn record_observation(&self, obs: &NewObservation<'_>, data: ObservedData<'_>) -> Result<i64> {
        let shape_only = matches!(data, ObservedData::NotTheHomepage(_));
        if shape_only && (obs.outcome != OutcomeClass::ParseError || obs.kind != ObservationKind::Portal) {
            return Err(StoreError::BadValue {
                column: "observations.shape",
                value: format!("{} {} observation carrying a replaced page's shape", obs.outcome.code(), obs.kind.code()),
            });
        }
        if obs.outcome != OutcomeClass::Ok && !matches!(data, ObservedData::Nothing) && !shape_only {
            // Law 1 in the schema's terms: a failed fetch saw nothing.
            return Err(StoreError::BadValue {
                column: "observations.outcome",
                value: format!("{} observation carrying data", obs.outcome.code()),
            });
        }
        let needs_account =
            matches!(data, ObservedData::Profile(_) | ObservedData::Posts(_) | ObservedData::Timeline(_));
        if matches!(data, ObservedData::Portal(_)) && obs.kind != ObservationKind::Portal {
            return Err(StoreError::BadValue { column: "observations.kind", value: "portal items on a non-portal observation".into() });
        }
        if needs_account && obs.account_id.is_none() {
            return Err(StoreError::BadValue {
                column: "observations.account_id",
                value: "profile or posts without an account".into(),
            });
        }
        let observed_at_ms = ms(obs.observed_at);
        let reach = match data {
            ObservedData::Timeline(t) => ReadReach::of(t),
            _ => ReadReach::default(),
        };
        let shape = match data {
            ObservedData::Portal(page) | ObservedData::NotTheHomepage(page) => portal_shape_json(page),
            _ => None,
        };
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query(
            "INSERT INTO observations (account_id, platform, kind, target, source, observed_at_ms, duration_ms, \
             outcome, http_status, detail, completeness, reach_from_ms, post_count, source_updated_at_ms, shape) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
        )
        .bind(obs.account_id)
        .bind(obs.platform.code())
        .bind(obs.kind.code())
        .bind(&obs.target)
        .bind(&obs.source)
        .bind(observed_at_ms)
        .bind(obs.duration_ms)
        .bind(obs.outcome.code())
        .bind(obs.http_status.map(i64::from))
        .bind(&obs.detail)
        .bind(reach.completeness.map(ReadCompleteness::code))
        .bind(reach.reach_from_ms)
        .bind(reach.post_count)
        .bind(reach.source_updated_at_ms)
        .bind(shape)
        .fetch_one(&mut *tx)
        .await?;
        let id = get_i64(&row, "id")?;

        for (seq, capture) in obs.captures.iter().enumerate() {
            let sha = put_evidence(&mut tx, capture).await?;
            sqlx::query(
                "INSERT INTO observation_captures (observation_id, seq, sha256, url, http_status, fetched_at_ms, \
                 source) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(seq as i64)
            .bind(&sha)
            .bind(&capture.url)
            .bind(capture.http_status.map(i64::from))
            .bind(ms(capture.fetched_at))
            .bind(&capture.source)
            .execute(&mut *tx)
            .await?;
        }

        match data {
            ObservedData::Nothing | ObservedData::NotTheHomepage(_) => {}
            ObservedData::Profile(p) => {
                sqlx::query(
                    "INSERT INTO profile_snapshots (account_id, observation_id, observed_at_ms, display_name, \
                     description, verified, verified_type, verified_entity, followers, post_count, private_message, \
                     comment_policy) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(obs.account_id)
                .bind(id)
                .bind(observed_at_ms)
                .bind(&p.display_name)
                .bind(&p.description)
                .bind(p.verified.map(flag))
                .bind(&p.verified_type)
                .bind(&p.verified_entity)
                .bind(p.followers)
                .bind(p.post_count)
                .bind(p.private_message.code())
                .bind(p.comment_policy.code())
                .execute(&mut *tx)
                .await?;
            }
            ObservedData::Posts(_) | ObservedData::Timeline(_) => {
                let posts = match data {
                    ObservedData::Timeline(t) => t.posts.as_slice(),
                    ObservedData::Posts(posts) => posts,
                    _ => &[],
                };
                let account_id = obs.account_id.expect("checked above");
                for p in posts {
                    upsert_post(&mut tx, account_id, id, observed_at_ms, p).await?;
                }
            }
            ObservedData::Search { query, hits } => {
                for (rank, h) in hits.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO search_hits (observation_id, platform, query, rank, platform_id, display_name, \
                         profile_url, verified, verified_type, verified_entity, followers, description) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(id)
                    .bind(obs.platform.code())
                    .bind(query)
                    .bind(rank as i64)
                    .bind(&h.platform_id)
                    .bind(&h.display_name)
                    .bind(&h.profile_url)
                    .bind(h.verified.map(flag))
                    .bind(&h.verified_type)
                    .bind(&h.verified_entity)
                    .bind(h.followers)
                    .bind(&h.description)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            ObservedData::Portal(page) => {
                for item in &page.items {
                    sqlx::query(
                        "INSERT INTO portal_items (observation_id, position, title, url, prominent, block, item_date) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (observation_id, position) DO NOTHING",
                    )
                    .bind(id)
                    .bind(item.position as i64)
                    .bind(&item.title)
                    .bind(&item.url)
                    .bind(flag(item.prominent))
                    .bind(&item.block)
                    .bind(item.date.map(|d| d.to_string()))
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Reads of a portal page (`target` = its URL) in `[from_ms, to_ms)`,
    /// oldest first, each with its items (none for a failed read).
    /// Name searches on `platform` for any of `queries` in `[from, to)`,
    /// oldest first. Searches belong to no account (several registered
    /// accounts may share a name); the impostor rules read them by query.
    pub async fn searches_for(
        &self,
        platform: Platform,
        queries: &[String],
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<ObservationRecord>> {
        let mut out = Vec::new();
        for q in queries {
            let sql = format!(
                "SELECT {OBSERVATION_COLUMNS} FROM observations WHERE kind = 'search' AND target = $1 \
                 AND platform = $2 AND observed_at_ms >= $3 AND observed_at_ms < $4 ORDER BY observed_at_ms, id"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(q.as_str())
                .bind(platform.code())
                .bind(from_ms)
                .bind(to_ms)
                .fetch_all(self.pool())
                .await?;
            for r in &rows {
                out.push(observation_from_row(r)?);
            }
        }
        out.sort_by_key(|o| (o.observed_at_ms, o.id));
        Ok(out)
    }

    /// The `limit` newest reads of the portal page `url` before
    /// `before_ms`, newest first (their shapes: [`ObservationRecord::portal_page`]).
    pub async fn recent_portal_reads(&self, url: &str, before_ms: i64, limit: i64) -> Result<Vec<ObservationRecord>> {
        let sql = format!(
            "SELECT {OBSERVATION_COLUMNS} FROM observations WHERE kind = 'portal' AND target = $1 \
             AND observed_at_ms < $2 ORDER BY observed_at_ms DESC, id DESC LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(url).bind(before_ms).bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(observation_from_row).collect()
    }

    pub async fn portal_reads(&self, url: &str, from_ms: i64, to_ms: i64) -> Result<Vec<(ObservationRecord, Vec<PortalItem>)>> {
        let sql = format!(
            "SELECT {OBSERVATION_COLUMNS} FROM observations WHERE kind = 'portal' AND target = $1 \
             AND observed_at_ms >= $2 AND observed_at_ms < $3 ORDER BY observed_at_ms, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(url).bind(from_ms).bind(to_ms).fetch_all(self.pool()).await?;
        let mut out = Vec::new();
        for r in &rows {
            let obs = observation_from_row(r)?;
            let items = sqlx::query(
                "SELECT position, title, url, prominent, block, item_date FROM portal_items WHERE observation_id = $1 \
                 ORDER BY position",
            )
            .bind(obs.id)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(PortalItem {
                    position: get_i64(r, "position")? as usize,
                    title: get_string(r, "title")?,
                    url: get_string(r, "url")?,
                    prominent: get_flag(r, "prominent")?,
                    block: get_opt_string(r, "block")?,
                    date: get_opt_string(r, "item_date")?.and_then(|d| d.parse().ok()),
                })
            })
            .collect::<Result<Vec<_>>>()?;
            out.push((obs, items));
        }
        Ok(out)
    }

    /// Observations of an account in `[from_ms, to_ms)`, oldest first.
    pub async fn observations_for_account(
        &self,
        account_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<ObservationRecord>> {
        let sql = format!(
            "SELECT {OBSERVATION_COLUMNS} FROM observations WHERE account_id = $1 AND observed_at_ms >= $2 \
             AND observed_at_ms < $3 ORDER BY observed_at_ms, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_id)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(observation_from_row).collect()
    }

    pub async fn get_observation(&self, id: i64) -> Result<Option<ObservationRecord>> {
        let sql = format!("SELECT {OBSERVATION_COLUMNS} FROM observations WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(observation_from_row).transpose()
    }

    /// The raw responses behind an observation, in fetch order.
    pub async fn observation_captures(&self, observation_id: i64) -> Result<Vec<CaptureRef>> {
        let rows = sqlx::query(
            "SELECT seq, sha256, url, http_status, fetched_at_ms, source FROM observation_captures \
             WHERE observation_id = $1 ORDER BY seq",
        )
        .bind(observation_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CaptureRef {
                    seq: get_i64(r, "seq")?,
                    sha256: get_string(r, "sha256")?,
                    url: get_string(r, "url")?,
                    http_status: get_opt_i64(r, "http_status")?.map(|v| v as u16),
                    fetched_at_ms: get_i64(r, "fetched_at_ms")?,
                    source: get_string(r, "source")?,
                })
            })
            .collect()
    }

    /// The captures of many observations at once, by observation id (ids
    /// without captures are absent). Loading facts asks for hundreds; one
    /// statement per observation was most of a check's time.
    pub async fn captures_of(&self, observation_ids: &[i64]) -> Result<HashMap<i64, Vec<CaptureRef>>> {
        let mut out: HashMap<i64, Vec<CaptureRef>> = HashMap::new();
        // Bounded statements: SQLite allows 32766 variables, PostgreSQL 65535.
        for chunk in observation_ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT observation_id, seq, sha256, url, http_status, fetched_at_ms, source FROM observation_captures \
                 WHERE observation_id IN ({}) ORDER BY observation_id, seq",
                marks.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(self.pool()).await? {
                out.entry(get_i64(&r, "observation_id")?).or_default().push(CaptureRef {
                    seq: get_i64(&r, "seq")?,
                    sha256: get_string(&r, "sha256")?,
                    url: get_string(&r, "url")?,
                    http_status: get_opt_i64(&r, "http_status")?.map(|v| v as u16),
                    fetched_at_ms: get_i64(&r, "fetched_at_ms")?,
                    source: get_string(&r, "source")?,
                });
            }
        }
        Ok(out)
    }

    /// The earliest (or, with `newest`, the latest) successful observation
    /// of `kind` in `[from, to)`.
    pub async fn first_ok_observation(
        &self,
        account_id: i64,
        kind: ObservationKind,
        from_ms: i64,
        to_ms: i64,
        newest: bool,
    ) -> Result<Option<ObservationRecord>> {
        let order = if newest { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT {OBSERVATION_COLUMNS} FROM observations WHERE account_id = $1 AND kind = $2 AND outcome = $3 \
             AND observed_at_ms >= $4 AND observed_at_ms < $5 ORDER BY observed_at_ms {order}, id {order} LIMIT 1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_id)
            .bind(kind.code())
            .bind(OutcomeClass::Ok.code())
            .bind(from_ms)
            .bind(to_ms)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(observation_from_row).transpose()
    }

    /// The raw body stored under a SHA-256, decompressed. A body retention
    /// dropped is an error naming when (its hash, URL and time remain).
    pub async fn evidence_body(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        let row = sqlx::query(
            "SELECT b.body_gzip, e.pruned_at_ms FROM evidence e LEFT JOIN evidence_bodies b ON b.sha256 = e.sha256 \
             WHERE e.sha256 = $1",
        )
        .bind(sha256)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        if let Some(at_ms) = get_opt_i64(&row, "pruned_at_ms")? {
            return Err(StoreError::EvidencePruned { sha256: sha256.to_string(), at_ms });
        }
        let packed: Option<Vec<u8>> = sqlx::Row::try_get(&row, "body_gzip")?;
        let Some(packed) = packed else {
            return Err(StoreError::BadValue { column: "evidence_bodies.body_gzip", value: format!("{sha256} missing") });
        };
        let mut body = Vec::new();
        GzDecoder::new(&packed[..])
            .read_to_end(&mut body)
            .map_err(|source| StoreError::Evidence { sha256: sha256.to_string(), source })?;
        Ok(Some(body))
    }

    /// Number of distinct evidence bodies stored.
    pub async fn evidence_count(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM evidence").fetch_one(self.pool()).await?;
        get_i64(&row, "n")
    }

    /// Posts of an account published in `[from_ms, to_ms)`, newest first.
    pub async fn posts_between(&self, account_id: i64, from_ms: i64, to_ms: i64) -> Result<Vec<PostRecord>> {
        let sql = format!(
            "SELECT {POST_COLUMNS} FROM posts WHERE account_id = $1 AND published_at_ms >= $2 \
             AND published_at_ms < $3 ORDER BY published_at_ms DESC, id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_id)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(post_from_row).collect()
    }

    /// The most recent posts of an account by publish time, newest first.
    /// Pinned posts are left out unless asked for: a pinned post is old
    /// news at the top of the page, not the latest update.
    pub async fn latest_posts(&self, account_id: i64, limit: i64, include_pinned: bool) -> Result<Vec<PostRecord>> {
        let sql = format!(
            "SELECT {POST_COLUMNS} FROM posts WHERE account_id = $1 AND (is_pinned = 0 OR $2 = 1) \
             ORDER BY published_at_ms DESC, id DESC LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_id)
            .bind(flag(include_pinned))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(post_from_row).collect()
    }

    /// Every sighting of a stored post, oldest first.
    pub async fn post_sightings(&self, post_row_id: i64) -> Result<Vec<PostSighting>> {
        let rows = sqlx::query(
            "SELECT s.observation_id, o.observed_at_ms, s.is_pinned, s.comment_state FROM post_sightings s \
             JOIN observations o ON o.id = s.observation_id WHERE s.post_id = $1 ORDER BY o.observed_at_ms, o.id",
        )
        .bind(post_row_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PostSighting {
                    observation_id: get_i64(r, "observation_id")?,
                    observed_at_ms: get_i64(r, "observed_at_ms")?,
                    is_pinned: get_flag(r, "is_pinned")?,
                    comment_state: parse_code(
                        "post_sightings.comment_state",
                        get_string(r, "comment_state")?,
                        CommentState::from_code,
                    )?,
                })
            })
            .collect()
    }

    /// The newest profile snapshot of an account.
    pub async fn latest_profile(&self, account_id: i64) -> Result<Option<ProfileSnapshot>> {
        let sql = format!(
            "SELECT {PROFILE_COLUMNS}, a.platform_id AS platform_id FROM profile_snapshots p \
             JOIN accounts a ON a.id = p.account_id WHERE p.account_id = $1 \
             ORDER BY p.observed_at_ms DESC, p.id DESC LIMIT 1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account_id).fetch_optional(self.pool()).await?;
        row.as_ref().map(|r| profile_from_row(r, get_string(r, "platform_id")?)).transpose()
    }

    /// The newest profile snapshot observed at or before `at_ms`: what the
    /// profile was as of that instant (`xunjian check --at` a past moment
    /// must not read a snapshot taken after it).
    pub async fn profile_as_of(&self, account_id: i64, at_ms: i64) -> Result<Option<ProfileSnapshot>> {
        let sql = format!(
            "SELECT {PROFILE_COLUMNS}, a.platform_id AS platform_id FROM profile_snapshots p \
             JOIN accounts a ON a.id = p.account_id WHERE p.account_id = $1 AND p.observed_at_ms <= $2 \
             ORDER BY p.observed_at_ms DESC, p.id DESC LIMIT 1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_id)
            .bind(at_ms)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(|r| profile_from_row(r, get_string(r, "platform_id")?)).transpose()
    }

    /// The hits a search observation found, in rank order.
    pub async fn search_hits(&self, observation_id: i64) -> Result<Vec<StoredSearchHit>> {
        let rows = sqlx::query(
            "SELECT observation_id, platform, query, rank, platform_id, display_name, profile_url, verified, \
             verified_type, verified_entity, followers, description FROM search_hits WHERE observation_id = $1 \
             ORDER BY rank",
        )
        .bind(observation_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredSearchHit {
                    observation_id: get_i64(r, "observation_id")?,
                    platform: parse_code("search_hits.platform", get_string(r, "platform")?, Platform::from_code)?,
                    query: get_string(r, "query")?,
                    rank: get_i64(r, "rank")?,
                    hit: SearchHit {
                        platform_id: get_string(r, "platform_id")?,
                        display_name: get_string(r, "display_name")?,
                        profile_url: get_opt_string(r, "profile_url")?,
                        verified: get_opt_flag(r, "verified")?,
                        verified_type: get_opt_string(r, "verified_type")?,
                        verified_entity: get_opt_string(r, "verified_entity")?,
                        followers: get_opt_i64(r, "followers")?,
                        description: get_opt_string(r, "description")?,
                    },
                })
            })
            .collect()
    }
}
