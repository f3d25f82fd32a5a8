//! The simulated world: accounts on platforms, their posts over simulated
//! time, and superior portals with their notices. A scenario builds a
//! [`World`]; the server answers every request from it as of the simulated
//! "now" (a post exists from its `at`, an account from its `appears_at`
//! until it is `gone`, a pinned flag holds inside its window).
//!
//! The world says nothing about the registry or about rules: scenarios
//! write the registry (台账) and the expected findings beside it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The platforms the simulator speaks. Feeds are served for every account
/// whose `feed` flag is set, whatever its platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SimPlatform {
    Weibo,
    Wechat,
    Bilibili,
}

impl SimPlatform {
    /// The platform code in xunjian's registry and configuration.
    pub fn code(self) -> &'static str {
        match self {
            SimPlatform::Weibo => "weibo",
            SimPlatform::Wechat => "wechat",
            SimPlatform::Bilibili => "bilibili",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct World {
    pub accounts: Vec<Account>,
    pub portals: Vec<Portal>,
}

/// How a platform shows an account's real-name verification (认证).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// The verified entity or reason as the platform words it, e.g.
    /// "宝鸡市渭滨区人民政府官方微博" (Weibo `verified_reason`) or the
    /// WeChat 认证主体 "宝鸡市渭滨区人民政府办公室".
    pub reason: String,
    /// Government / institution verification (Weibo `verified_type` 1);
    /// false for a personal (yellow-V) verification.
    pub institutional: bool,
}

/// How an account leaves the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoneKind {
    /// The platform answers "user does not exist" (Weibo `-100`-free
    /// "用户不存在", Bilibili -404, WeChat article "已被删除").
    NotFound,
    /// The platform answers that the account is banned (封禁 / 违规).
    Banned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gone {
    pub at: DateTime<Utc>,
    pub kind: GoneKind,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub platform: SimPlatform,
    /// The platform's id: Weibo uid (digits), WeChat `gh_…` original id,
    /// Bilibili mid (digits).
    pub id: String,
    /// WeChat only: the `__biz` of the account's articles (base64 of a
    /// number, as on mp.weixin.qq.com). Empty elsewhere.
    pub biz: String,
    /// The display name the platform shows.
    pub name: String,
    pub verification: Option<Verification>,
    pub description: String,
    pub followers: u64,
    /// On the platform (and findable) from this moment; `None`: always.
    pub appears_at: Option<DateTime<Utc>>,
    /// Removed or banned from this moment.
    pub gone: Option<Gone>,
    /// Extra terms for which the platform's user search lists this account
    /// (besides its own name): an impostor is listed for the name it
    /// imitates, as a real search engine's fuzzy match would.
    pub search_terms: Vec<String>,
    /// Also served as an RSS feed at `/feed/<platform>/<id>` (how offices
    /// read WeChat through RSSHub / we-mp-rss).
    pub feed: bool,
    /// Newest last or in any order; the server sorts.
    pub posts: Vec<Post>,
    /// Spans in which the platform (or the relay in front of it) answers
    /// about this account with something that looks good and is not the
    /// truth. The posts stay what they are; only the answers lie.
    #[serde(default)]
    pub lies: Vec<Lie>,
}

/// An answer that looks good and is wrong, served from `from` until
/// `until` (exclusive): the cases of Law 1 that a status code does not
/// give away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lie {
    pub kind: LieKind,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LieKind {
    /// Profile, timeline and feed answers for this account are those of
    /// account `other` of the same platform, whole and consistent (a CDN
    /// cache-key collision, a proxy, a migrated account): its uid, its
    /// name, its posts.
    WrongAccount { other: String },
    /// Weibo: page 1 of the timeline holds only the pinned post(s) while
    /// `total` and `since_id` say there is more, and every later page
    /// answers "这里还没有内容" (what m.weibo.cn does to visitors it stops
    /// paging for).
    PinnedOnlyFirstPage,
    /// The feed relay (RSSHub, WeWe-RSS) stopped updating at `from`: it
    /// keeps answering 200 with the feed as it was then, its
    /// `lastBuildDate` included.
    StaleRelay,
    /// The feed relay answers a well-formed feed with no items.
    EmptyFeed,
}

/// A post, article or dynamic.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Post {
    /// Unique on its platform (digits for Weibo and Bilibili; for WeChat
    /// the article's `mid`, digits).
    pub id: String,
    pub at: DateTime<Utc>,
    /// Weibo text / WeChat article title / Bilibili dynamic text.
    pub text: String,
    /// WeChat's 原创 mark; Weibo and Bilibili: a post without `repost_of`
    /// is original.
    pub original: bool,
    /// A repost (Weibo retweet, Bilibili forward) of another account's
    /// post. WeChat has no repost link: a WeChat repost is an article whose
    /// title contains the source's text, with `original: false`.
    pub repost_of: Option<PostRef>,
    /// Pinned (置顶) from the first instant until the second (`None`:
    /// still pinned).
    pub pinned: Option<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    /// Comments closed on this post.
    pub comments_closed: bool,
    /// Deleted by its author from this moment.
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostRef {
    pub platform: SimPlatform,
    pub account_id: String,
    pub post_id: String,
}

/// A superior government portal (上级门户网站) homepage at `path` on the
/// simulator, e.g. `/portal/baoji/`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Portal {
    pub path: String,
    /// The site's name, e.g. "宝鸡市人民政府".
    pub name: String,
    pub notices: Vec<PortalNotice>,
    /// Spans `[from, until)` in which the homepage answers HTTP 200 with
    /// the site's "网站维护中" page instead of itself.
    #[serde(default)]
    pub maintenance: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

/// A notice linked from the homepage while it is up.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PortalNotice {
    pub title: String,
    /// The notice page's path on the simulator, e.g. `/portal/baoji/tzgg/20260702_1.html`.
    pub path: String,
    /// Published (the date the notice page shows) and linked from the homepage.
    pub posted_at: DateTime<Utc>,
    /// Taken off the homepage (the notice page itself stays).
    pub removed_at: Option<DateTime<Utc>>,
    /// In the homepage's prominent block (通知公告 / 要闻, above the fold)
    /// rather than deep in a list.
    pub prominent: bool,
}

impl Post {
    /// Visible at `now`: published and not deleted.
    pub fn visible(&self, now: DateTime<Utc>) -> bool {
        self.at <= now && self.deleted_at.is_none_or(|d| now < d)
    }

    pub fn pinned_at(&self, now: DateTime<Utc>) -> bool {
        self.pinned.is_some_and(|(from, until)| from <= now && until.is_none_or(|u| now < u))
    }
}

impl Account {
    /// On the platform at `now` (appeared, not gone).
    pub fn present(&self, now: DateTime<Utc>) -> bool {
        self.appears_at.is_none_or(|a| a <= now) && self.gone.is_none_or(|g| now < g.at)
    }

    /// Gone at `now`, and how.
    pub fn gone_at(&self, now: DateTime<Utc>) -> Option<GoneKind> {
        self.gone.filter(|g| g.at <= now).map(|g| g.kind)
    }

    /// The lie told about this account at `now`, if any.
    pub fn lie_at(&self, now: DateTime<Utc>) -> Option<&LieKind> {
        self.lies.iter().find(|l| l.from <= now && now < l.until).map(|l| &l.kind)
    }

    /// When the lie told at `now` started (a stale relay answers as of then).
    pub fn lie_since(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.lies.iter().find(|l| l.from <= now && now < l.until).map(|l| l.from)
    }

    /// Visible posts at `now`, newest first.
    pub fn visible_posts(&self, now: DateTime<Utc>) -> Vec<&Post> {
        let mut v: Vec<&Post> = self.posts.iter().filter(|p| p.visible(now)).collect();
        v.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.id.cmp(&a.id)));
        v
    }

    /// Listed by the platform's user search for `query` at `now`: the
    /// query and the name (or one of the search terms) contain one another.
    pub fn matches_search(&self, query: &str, now: DateTime<Utc>) -> bool {
        let q = query.trim();
        if q.is_empty() || !self.present(now) {
            return false;
        }
        std::iter::once(&self.name)
            .chain(self.search_terms.iter())
            .any(|t| t.contains(q) || q.contains(t.as_str()))
    }
}

impl World {
    pub fn account(&self, platform: SimPlatform, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.platform == platform && a.id == id)
    }

    pub fn post(&self, r: &PostRef) -> Option<(&Account, &Post)> {
        let a = self.account(r.platform, &r.account_id)?;
        a.posts.iter().find(|p| p.id == r.post_id).map(|p| (a, p))
    }
}
