//! Kuaishou (快手) profile pages, read through the headless browser: the
//! profile feed (`/graphql` `visionProfilePhotoList`, since 2026 also
//! `/rest/v/profile/feed`) needs `__NS_hxfalcon`, a signature made in the
//! page, so we keep what the page itself receives, plus its server-rendered
//! `window.__APOLLO_STATE__`.
//!
//! - `parse`: pure parsers (a tree walk over the answers, which come in
//!   GraphQL, REST and Apollo-normalised shapes).

pub mod parse;

pub use parse::{KuaishouParser, KuaishouProfile};

use crate::browser::platform::BrowserPlatformClient;
use crate::capability::{Capabilities, Capability as C, Support as S, needs_browser};
use crate::model::Platform;

/// The Kuaishou adapter: a browser-read client with the Kuaishou parser.
pub type KuaishouClient = BrowserPlatformClient<KuaishouParser>;

const TABLE: [(C, S); 11] = [
    (C::Profile, S::Yes),
    (C::Timeline, S::Yes),
    (C::SinglePost, S::No),
    // `photo.profileUserTopPhoto`.
    (C::PinnedFlag, S::WhenShown),
    (C::RepostSource, S::No),
    // `canAddComment`.
    (C::CommentState, S::WhenShown),
    (C::PrivateMessageEntry, S::No),
    // `verified` / `verifiedDetail` where the answer carries them.
    (C::Verification, S::WhenShown),
    (C::VerifiedEntity, S::WhenShown),
    (C::UserSearch, S::No),
    // No answer found that is the platform's word about a gone account.
    (C::AccountExistence, S::No),
];

pub const CAPABILITIES: Capabilities = Capabilities::new(Platform::Kuaishou, &TABLE);
pub const WITHOUT_BROWSER: Capabilities = Capabilities::new(Platform::Kuaishou, &needs_browser(TABLE));
