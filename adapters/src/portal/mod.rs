//! Government portal pages (上级门户网站): the superior government's
//! homepage must carry an account's opening notice "in a prominent place
//! for at least 30 days" (宝鸡办法 第七条), and closing notices are
//! published there too.
//!
//! The fetcher reads a homepage (and configured notice-list pages),
//! decodes GBK/GB2312/UTF-8 by header and `<meta charset>`, lists its links
//! with their place on the page ([`crate::model::PortalPage`]), finds the
//! links naming an account, and opens matched notices to read their own
//! date. The page capture and the matched link are the evidence. It knows
//! no rule: whether a notice was up long enough is the rules' business.

pub mod parse;
pub mod resemble;

pub use parse::{NoticeKind, NoticePage, PortalMention, find_mentions};
pub use resemble::resembles;

use crate::config::PortalConfig;
use crate::feed::{get_following, meta};
use crate::http::{BreakerStatus, PoliteClient};
use crate::model::{Capture, Platform, PortalPage};
use crate::outcome::{Failed, FetchFailure, FetchResult, Fetched, SourceName};
use serde::Serialize;

pub const SRC_PORTAL_HOME: SourceName = "portal homepage";
pub const SRC_PORTAL_LIST: SourceName = "portal notice list";
pub const SRC_PORTAL_NOTICE: SourceName = "portal notice page";

/// One portal check for one account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PortalCheck {
    /// The account name searched for.
    pub account_name: String,
    pub home: PortalPage,
    /// Links on the homepage naming the account (the ones that can be
    /// "on the homepage in a prominent place").
    pub mentions: Vec<PortalMention>,
    /// Notice-list pages read after the homepage, and their mentions.
    pub lists: Vec<PortalPage>,
    pub list_mentions: Vec<PortalMention>,
    /// The matched notices opened to read their own date.
    pub notices: Vec<NoticePage>,
}

/// Fetches portal pages. Portals are not a platform; the breaker is
/// reported under the platform the checked account is on.
pub struct PortalClient {
    cfg: PortalConfig,
    http: PoliteClient,
}

impl std::fmt::Debug for PortalClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalClient").field("max_notice_fetches", &self.cfg.max_notice_fetches).finish_non_exhaustive()
    }
}

impl PortalClient {
    /// `platform` only labels the breaker status (portals have no
    /// platform of their own); one client serves all portals.
    pub fn new(cfg: &PortalConfig, platform: Platform) -> Result<Self, String> {
        cfg.validate()?;
        Ok(PortalClient { cfg: cfg.clone(), http: PoliteClient::new(platform, &cfg.policy)? })
    }

    /// The clock that stamps captures (the daemon's).
    pub fn with_clock(mut self, clock: crate::weibo::Clock) -> Self {
        self.http.set_clock(clock);
        self
    }

    pub fn breaker_status(&self) -> BreakerStatus {
        self.http.breaker_status()
    }

    fn check_url(url: &str, source: SourceName) -> Result<(), Failed> {
        match url::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
            _ => Err(Failed {
                failure: FetchFailure::parse(url, "url", "not an http(s) URL (check the registry's 上级门户网址)"),
                captures: Vec::new(),
                source,
            }),
        }
    }

    /// One page's links.
    pub async fn page(&self, url: &str) -> FetchResult<PortalPage> {
        self.page_as(url, SRC_PORTAL_HOME).await
    }

    async fn page_as(&self, url: &str, source: SourceName) -> FetchResult<PortalPage> {
        Self::check_url(url, source)?;
        let (result, captures) = get_following(&self.http, url, source, &[("Accept", "text/html".into())], |raw| {
            parse::parse_portal_response(&meta(raw), raw.body(), raw.url())
        })
        .await;
        match result {
            Ok(value) => Ok(Fetched { value, captures, source, incomplete: Vec::new() }),
            Err(failure) => Err(Failed { failure, captures, source }),
        }
    }

    /// A notice page's own date.
    pub async fn notice(&self, url: &str) -> FetchResult<NoticePage> {
        Self::check_url(url, SRC_PORTAL_NOTICE)?;
        let (result, captures) =
            get_following(&self.http, url, SRC_PORTAL_NOTICE, &[("Accept", "text/html".into())], |raw| {
                parse::parse_notice_response(&meta(raw), raw.body(), raw.url())
            })
            .await;
        match result {
            Ok(value) => Ok(Fetched { value, captures, source: SRC_PORTAL_NOTICE, incomplete: Vec::new() }),
            Err(failure) => Err(Failed { failure, captures, source: SRC_PORTAL_NOTICE }),
        }
    }

    /// The homepage `home`, its configured notice lists, and the notices
    /// naming `account_name`. Only the homepage decides the outcome: a
    /// list page or a notice that fails is reported in `incomplete`.
    pub async fn check(&self, home: &str, account_name: &str) -> FetchResult<PortalCheck> {
        let fetched = self.page_as(home, SRC_PORTAL_HOME).await?;
        let mut captures: Vec<Capture> = fetched.captures;
        let mut incomplete = Vec::new();
        let home_page = fetched.value;
        let mentions = find_mentions(&home_page, account_name);
        let mut lists = Vec::new();
        let mut list_mentions = Vec::new();
        for list_url in self.cfg.notice_lists.get(home).into_iter().flatten() {
            match self.page_as(list_url, SRC_PORTAL_LIST).await {
                Ok(mut f) => {
                    captures.append(&mut f.captures);
                    list_mentions.extend(find_mentions(&f.value, account_name));
                    lists.push(f.value);
                }
                Err(mut e) => {
                    captures.append(&mut e.captures);
                    incomplete.push(e.failure);
                }
            }
        }
        // Opening and closing notices first, each URL once.
        let mut to_open: Vec<&PortalMention> = mentions.iter().chain(list_mentions.iter()).collect();
        to_open.sort_by_key(|m| (m.kind == NoticeKind::Other, m.item.position));
        let mut seen = std::collections::BTreeSet::new();
        let mut notices = Vec::new();
        let mut opened = 0u32;
        for m in to_open {
            if opened >= self.cfg.max_notice_fetches {
                break;
            }
            if !seen.insert(m.item.url.clone()) {
                continue;
            }
            opened += 1;
            match self.notice(&m.item.url).await {
                Ok(mut f) => {
                    captures.append(&mut f.captures);
                    notices.push(f.value);
                }
                Err(mut e) => {
                    captures.append(&mut e.captures);
                    let stop = e.failure.is_refusal() || matches!(e.failure, FetchFailure::CircuitOpen { .. });
                    incomplete.push(e.failure);
                    if stop {
                        break;
                    }
                }
            }
        }
        Ok(Fetched {
            value: PortalCheck {
                account_name: account_name.to_string(),
                home: home_page,
                mentions,
                lists,
                list_mentions,
                notices,
            },
            captures,
            source: SRC_PORTAL_HOME,
            incomplete,
        })
    }
}
