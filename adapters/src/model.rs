//! The platform-neutral observation model.
//!
//! Every adapter turns a platform's public pages into these types; the store
//! keeps them and the rules read them. Nothing here knows a rule: a `Post`
//! says what the platform showed, not whether that is a violation.
//!
//! Times are exact UTC instants (`DateTime<Utc>`); they are shown in
//! Asia/Shanghai by whoever presents them. A time the platform gave only
//! approximately (relative "3小时前", or a month-day without a year) is marked
//! `published_at_exact = false` so no rule mistakes it for an exact one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The platforms an account can live on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Weibo,
    Wechat,
    Douyin,
    Toutiao,
    Bilibili,
    Kuaishou,
    Xiaohongshu,
}

impl Platform {
    pub const ALL: [Platform; 7] = [
        Platform::Weibo,
        Platform::Wechat,
        Platform::Douyin,
        Platform::Toutiao,
        Platform::Bilibili,
        Platform::Kuaishou,
        Platform::Xiaohongshu,
    ];

    /// Stable machine code, as stored in the database and used in config keys.
    pub fn code(self) -> &'static str {
        match self {
            Platform::Weibo => "weibo",
            Platform::Wechat => "wechat",
            Platform::Douyin => "douyin",
            Platform::Toutiao => "toutiao",
            Platform::Bilibili => "bilibili",
            Platform::Kuaishou => "kuaishou",
            Platform::Xiaohongshu => "xiaohongshu",
        }
    }

    /// The name offices write in notices and reports.
    pub fn display_name(self) -> &'static str {
        match self {
            Platform::Weibo => "新浪微博",
            Platform::Wechat => "微信公众号",
            Platform::Douyin => "抖音",
            Platform::Toutiao => "今日头条",
            Platform::Bilibili => "哔哩哔哩",
            Platform::Kuaishou => "快手",
            Platform::Xiaohongshu => "小红书",
        }
    }

    /// The account's page on the platform's public site, as a person opens
    /// it in a browser (not the API the adapter reads, nor a configured
    /// relay or simulator): what a notice or report links to as evidence.
    /// `None` for WeChat (an official account has no public web page) and
    /// for ids that cannot be one of this platform's.
    pub fn public_page(self, platform_id: &str) -> Option<String> {
        let id = platform_id.trim();
        let plain = !id.is_empty()
            && id.len() <= 128
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            && !id.contains("..");
        if !plain {
            return None;
        }
        Some(match self {
            Platform::Weibo => format!("https://weibo.com/u/{id}"),
            Platform::Wechat => return None,
            Platform::Douyin => format!("https://www.douyin.com/user/{id}"),
            Platform::Toutiao => format!("https://www.toutiao.com/c/user/token/{id}/"),
            Platform::Bilibili => format!("https://space.bilibili.com/{id}"),
            Platform::Kuaishou => format!("https://www.kuaishou.com/profile/{id}"),
            Platform::Xiaohongshu => format!("https://www.xiaohongshu.com/user/profile/{id}"),
        })
    }

    /// Parses the machine code only (`weibo`, `wechat`, ...). Human spellings
    /// such as 新浪微博 or B站 are the registry importer's business.
    pub fn from_code(s: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.code() == s)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Platform::from_code(s).ok_or_else(|| format!("unknown platform code `{s}`"))
    }
}

/// What kind of page a fetch asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationKind {
    Profile,
    Timeline,
    Post,
    Search,
    Page,
    /// A government portal homepage read for notices about an account
    /// (opening / closing announcements). Added after the first five: the
    /// stored codes of those never change.
    Portal,
}

impl ObservationKind {
    pub fn code(self) -> &'static str {
        match self {
            ObservationKind::Profile => "profile",
            ObservationKind::Timeline => "timeline",
            ObservationKind::Post => "post",
            ObservationKind::Search => "search",
            ObservationKind::Page => "page",
            ObservationKind::Portal => "portal",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Profile, Self::Timeline, Self::Post, Self::Search, Self::Page, Self::Portal]
            .into_iter()
            .find(|k| k.code() == s)
    }
}

/// The class of a fetch outcome. Only `Ok` carries data; every other class
/// means "could not check" — except `NotFound` and `Banned`, which are the
/// platform's own positive word about the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeClass {
    Ok,
    NotFound,
    Banned,
    Blocked,
    Captcha,
    LoginRequired,
    Throttled,
    ParseError,
    NetworkError,
    /// The answer was about another account than the one asked for (a
    /// proxy or CDN cache-key collision, a migrated account, a wrong
    /// registry id). Never an observation of the account asked for.
    WrongAccount,
    /// A relay or feed answered, but its own freshness says it stopped
    /// updating: its silence proves nothing about the account.
    StaleSource,
}

impl OutcomeClass {
    pub const ALL: [OutcomeClass; 11] = [
        OutcomeClass::Ok,
        OutcomeClass::NotFound,
        OutcomeClass::Banned,
        OutcomeClass::Blocked,
        OutcomeClass::Captcha,
        OutcomeClass::LoginRequired,
        OutcomeClass::Throttled,
        OutcomeClass::ParseError,
        OutcomeClass::NetworkError,
        OutcomeClass::WrongAccount,
        OutcomeClass::StaleSource,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OutcomeClass::Ok => "ok",
            OutcomeClass::NotFound => "not_found",
            OutcomeClass::Banned => "banned",
            OutcomeClass::Blocked => "blocked",
            OutcomeClass::Captcha => "captcha",
            OutcomeClass::LoginRequired => "login_required",
            OutcomeClass::Throttled => "throttled",
            OutcomeClass::ParseError => "parse_error",
            OutcomeClass::NetworkError => "network_error",
            OutcomeClass::WrongAccount => "wrong_account",
            OutcomeClass::StaleSource => "stale_source",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        OutcomeClass::ALL.into_iter().find(|c| c.code() == s)
    }

    /// True when the platform positively told us something about the account
    /// (it exists with data, it does not exist, it is banned). Everything
    /// else is "could not check" and must never become a violation.
    pub fn is_platform_answer(self) -> bool {
        matches!(self, OutcomeClass::Ok | OutcomeClass::NotFound | OutcomeClass::Banned)
    }
}

/// Whether comments on a post are open. `Unknown` when the platform's answer
/// carried no signal at all: never guess `Open`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CommentState {
    Open,
    Closed,
    /// Only some people may comment (e.g. followers only), or comments are
    /// held for approval.
    Restricted,
    #[default]
    Unknown,
}

impl CommentState {
    pub fn code(self) -> &'static str {
        match self {
            CommentState::Open => "open",
            CommentState::Closed => "closed",
            CommentState::Restricted => "restricted",
            CommentState::Unknown => "unknown",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Open, Self::Closed, Self::Restricted, Self::Unknown]
            .into_iter()
            .find(|c| c.code() == s)
    }
}

/// Whether the public can send the account a private message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MessageEntry {
    Open,
    Closed,
    #[default]
    Unknown,
}

impl MessageEntry {
    pub fn code(self) -> &'static str {
        match self {
            MessageEntry::Open => "open",
            MessageEntry::Closed => "closed",
            MessageEntry::Unknown => "unknown",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Open, Self::Closed, Self::Unknown].into_iter().find(|c| c.code() == s)
    }
}

/// Engagement counts as the platform showed them. `None` when absent;
/// "145.5万" style strings are converted by the adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Counts {
    pub reposts: Option<i64>,
    pub comments: Option<i64>,
    pub likes: Option<i64>,
}

/// The post that a repost points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepostOf {
    /// The platform's id of the original post (Weibo `id`, Bilibili `id_str`).
    pub post_id: String,
    /// Alternative public id (Weibo `bid`), when the platform has one.
    pub post_alt_id: Option<String>,
    pub author_id: Option<String>,
    pub author_name: Option<String>,
    /// Exact publish time of the original, when the platform gave it.
    pub published_at: Option<DateTime<Utc>>,
    /// False when the platform says the original was deleted or hidden; the
    /// repost is still a repost.
    pub available: bool,
}

/// One post as seen on the platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Post {
    /// The platform's stable id of the post.
    pub id: String,
    /// Alternative public id (Weibo `bid`).
    pub alt_id: Option<String>,
    pub url: Option<String>,
    pub published_at: DateTime<Utc>,
    /// False when the platform gave only a relative or partial time; such a
    /// post must be fetched in detail before a rule uses its time.
    pub published_at_exact: bool,
    pub text: String,
    /// The text is cut short on the listing (Weibo `isLongText`).
    pub text_truncated: bool,
    pub is_original: bool,
    pub is_pinned: bool,
    pub repost_of: Option<RepostOf>,
    pub comment_state: CommentState,
    pub counts: Counts,
}

/// An account's profile as seen on the platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub platform_id: String,
    pub display_name: String,
    pub description: Option<String>,
    /// `None` when the platform did not say.
    pub verified: Option<bool>,
    /// The platform's own verification type code, as text (Weibo
    /// `verified_type` 1 = government, Bilibili `official.role` 6, ...).
    pub verified_type: Option<String>,
    /// The verified entity or reason (Weibo `verified_reason`, WeChat 认证主体).
    pub verified_entity: Option<String>,
    pub followers: Option<i64>,
    pub post_count: Option<i64>,
    pub private_message: MessageEntry,
    /// Account-level comment policy when the platform exposes one.
    pub comment_policy: CommentState,
}

/// A page of an account's timeline.
///
/// Besides the posts it says how far the answer can be trusted to reach
/// (law 1: silence is proved, never assumed): whose timeline it states it
/// is (`owner`), whether the platform says more exists beyond what was
/// read (`more`), the account's own post count (`total`) and, for feeds
/// and relays, when the source itself last changed (`source_updated_at`).
/// [`Timeline::completeness`] turns these into what the answer proves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Timeline {
    pub posts: Vec<Post>,
    /// Opaque cursor for the next page, when there is one.
    pub next_cursor: Option<String>,
    /// The platform's total post count, when given.
    pub total: Option<i64>,
    /// The account id the answer itself states it is about (Weibo card
    /// `user.id`, Bilibili `host_mid`/author mid, WeChat `__biz`, Douyin
    /// `sec_uid`, Toutiao author id, a feed's channel link), when it states
    /// one. Clients compare it with the id asked for and refuse a
    /// mismatch as [`OutcomeClass::WrongAccount`].
    #[serde(default)]
    pub owner: Option<String>,
    /// Whether the source says more items exist beyond those read:
    /// `Some(true)` for a next cursor / `has_more` / a total above what was
    /// shown, `Some(false)` when it says this is everything, `None` when it
    /// cannot tell (a feed is a fixed window).
    #[serde(default)]
    pub more: Option<bool>,
    /// When the source itself says it last changed (RSS `lastBuildDate`,
    /// Atom `<updated>`, a relay's cache time). A relay that stopped
    /// updating keeps answering 200 with this in the past.
    #[serde(default)]
    pub source_updated_at: Option<DateTime<Utc>>,
}

/// What one timeline answer proves about the account's recent posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "completeness", rename_all = "snake_case")]
pub enum Completeness {
    /// It shows at least one non-pinned post, so (the platform listing
    /// newest first) it shows the account's newest post, and nothing was
    /// published between `oldest` (the oldest non-pinned post shown) and
    /// the look that it does not show.
    ReachesBack { newest: DateTime<Utc>, oldest: DateTime<Utc> },
    /// It shows no non-pinned post, the source says there is nothing more,
    /// and its own post count agrees (no more posts than it showed).
    Nothing,
    /// It proves nothing: no non-pinned post was shown and either more
    /// exists (an old pinned post alone on page 1), or nothing corroborates
    /// an empty list (an empty feed, an empty dynamics page).
    Unresolved,
}

impl Completeness {
    pub fn code(self) -> &'static str {
        match self {
            Completeness::ReachesBack { .. } => "reaches_back",
            Completeness::Nothing => "nothing",
            Completeness::Unresolved => "unresolved",
        }
    }
}

/// Whether the id an answer states is the id that was asked for. Ids are
/// compared as the platforms print them, ignoring surrounding whitespace
/// and ASCII case (WeChat `gh_` ids and `__biz` are case-insensitive in
/// practice; numeric ids are unaffected).
pub fn same_account_id(asked: &str, stated: &str) -> bool {
    asked.trim().eq_ignore_ascii_case(stated.trim())
}

/// One account found by a name search (used to find impostors).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub platform_id: String,
    pub display_name: String,
    pub profile_url: Option<String>,
    pub verified: Option<bool>,
    pub verified_type: Option<String>,
    pub verified_entity: Option<String>,
    pub followers: Option<i64>,
    pub description: Option<String>,
}

/// The raw response behind an observation, kept as evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capture {
    pub url: String,
    pub http_status: Option<u16>,
    pub content_type: Option<String>,
    pub fetched_at: DateTime<Utc>,
    #[serde(skip)]
    pub body: Vec<u8>,
    /// Which endpoint answered, e.g. `m.weibo.cn getIndex timeline`.
    #[serde(default)]
    pub source: String,
}

impl Capture {
    /// SHA-256 of the body, lower-case hex: the evidence key.
    pub fn sha256_hex(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(&self.body))
    }
}

impl Timeline {
    /// A timeline with the given posts, cursor and total; the rest unknown.
    pub fn new(posts: Vec<Post>, next_cursor: Option<String>, total: Option<i64>) -> Timeline {
        Timeline { posts, next_cursor, total, ..Timeline::default() }
    }

    /// What this answer proves (see [`Completeness`]).
    pub fn completeness(&self) -> Completeness {
        let unpinned = self.posts.iter().filter(|p| !p.is_pinned).map(|p| p.published_at);
        let (mut newest, mut oldest) = (None::<DateTime<Utc>>, None::<DateTime<Utc>>);
        for t in unpinned {
            newest = Some(newest.map_or(t, |n| n.max(t)));
            oldest = Some(oldest.map_or(t, |o| o.min(t)));
        }
        if let (Some(newest), Some(oldest)) = (newest, oldest) {
            return Completeness::ReachesBack { newest, oldest };
        }
        let shown = i64::try_from(self.posts.len()).unwrap_or(i64::MAX);
        let says_no_more = self.more == Some(false) || (self.more.is_none() && self.next_cursor.is_none() && self.total.is_some());
        match self.total {
            Some(total) if says_no_more && total <= shown => Completeness::Nothing,
            _ => Completeness::Unresolved,
        }
    }

    /// The id stated by the answer, when it differs from `asked`: the
    /// answer is about another account.
    pub fn wrong_owner(&self, asked: &str) -> Option<&str> {
        self.owner.as_deref().filter(|o| !same_account_id(asked, o))
    }

    /// The newest post that is not pinned: a pinned post sits on top of the
    /// timeline whatever its age, so it says nothing about recent activity.
    pub fn latest_unpinned(&self) -> Option<&Post> {
        self.posts.iter().filter(|p| !p.is_pinned).max_by_key(|p| p.published_at)
    }
}

impl Timeline {
    /// The newest exact publish time on this page, pinned posts included.
    pub fn newest_exact(&self) -> Option<DateTime<Utc>> {
        self.posts.iter().filter(|p| p.published_at_exact).map(|p| p.published_at).max()
    }

    /// The staleness guard (RSSHub #20276: Douyin answering 200 with old
    /// data): true when this well-formed timeline is older than the newest
    /// post already stored for the account, i.e. it does not show a post
    /// we have seen. Such an answer must be treated as "could not check",
    /// never as "no new posts". (A deleted newest post looks the same; not
    /// checking is the safe reading of both.)
    pub fn is_stale_against(&self, known_newest: DateTime<Utc>) -> bool {
        self.newest_exact().is_none_or(|newest| newest < known_newest)
    }
}

impl Post {
    /// How long after its source this repost was published, when both
    /// times are exact. `None` for an original post or an inexact time.
    pub fn repost_delay(&self) -> Option<chrono::TimeDelta> {
        let source_time = self.repost_of.as_ref()?.published_at?;
        self.published_at_exact.then(|| self.published_at - source_time)
    }
}

/// A portal homepage (or notice-list page) as the parser saw it: every link
/// that looks like content, in document order. Neutral: it says where a
/// link sat on the page, not whether that satisfies a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalPage {
    /// The page's own URL (links are resolved against it).
    pub url: String,
    /// The page's `<title>`, when it has one.
    pub title: Option<String>,
    pub items: Vec<PortalItem>,
    /// The page's overall shape, so a later read can be compared with
    /// this one (`portal::resembles`): a different page served at the
    /// same URL is not the homepage. Absent in reads stored before it
    /// existed (all zero then, which compares as unknown).
    #[serde(default)]
    pub shape: PortalShape,
}

/// What a portal page looks like as a whole, to tell the homepage from
/// another page answered in its place. Serialized as
/// `{"bytes":…,"links":…,"prominent":…,"blocks":[…]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalShape {
    /// Size of the response body as received, in bytes (0: unknown).
    #[serde(default)]
    pub bytes: usize,
    /// Number of content links (`items`).
    #[serde(default)]
    pub links: usize,
    /// Number of links in prominent blocks.
    #[serde(default)]
    pub prominent: usize,
    /// The distinct block labels of the links, sorted.
    #[serde(default)]
    pub blocks: Vec<String>,
}

/// One link on a portal page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalItem {
    /// The link's text, or its `title` attribute when that is longer (home
    /// pages cut long titles short and keep the full one in `title`).
    pub title: String,
    /// Absolute URL.
    pub url: String,
    /// In a headline, focus or notice block rather than in navigation,
    /// side lists or the footer (see `portal::parse` for the heuristic).
    pub prominent: bool,
    /// 0-based index among the items of the page, in document order.
    pub position: usize,
    /// The heading or id/class of the block the link sits in (e.g.
    /// `通知公告`, `id=tzgg`), as evidence for `prominent`.
    #[serde(default)]
    pub block: Option<String>,
    /// A date printed next to the link (`2024-05-20`, `05-20`), when any.
    #[serde(default)]
    pub date: Option<chrono::NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_pages_are_the_platforms_own_and_refuse_odd_ids() {
        assert_eq!(Platform::Weibo.public_page("1000000001").as_deref(), Some("https://weibo.com/u/1000000001"));
        assert_eq!(Platform::Bilibili.public_page(" 42 ").as_deref(), Some("https://space.bilibili.com/42"));
        assert_eq!(
            Platform::Douyin.public_page("MS4wLjABAAAA-x_y").as_deref(),
            Some("https://www.douyin.com/user/MS4wLjABAAAA-x_y")
        );
        // An official account has no public web page.
        assert_eq!(Platform::Wechat.public_page("gh_0123456789ab"), None);
        for odd in ["", "../../etc", "1 2", "a/b", "<x>", "javascript:alert(1)", "a\u{0}b", &"9".repeat(200)] {
            assert_eq!(Platform::Weibo.public_page(odd), None, "{odd:?}");
        }
    }
}
