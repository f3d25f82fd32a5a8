//! Toutiao (今日头条) profile pages, read through the headless browser: the
//! profile feed API (`api/pc/list/feed?category=profile_all&token=`) needs
//! an `a_bogus` signature that the page computes, so we keep the feed
//! answers the page itself receives.
//!
//! - `parse`: pure parsers of the feed answer and of a whole page load.

pub mod parse;

pub use parse::{ToutiaoParser, ToutiaoProfile};

use crate::browser::platform::BrowserPlatformClient;
use crate::capability::{Capabilities, Capability as C, Support as S, needs_browser};
use crate::model::Platform;

/// The Toutiao adapter: a browser-read client with the Toutiao parser.
pub type ToutiaoClient = BrowserPlatformClient<ToutiaoParser>;

const TABLE: [(C, S); 11] = [
    // Name and verification come from the feed items' user blocks.
    (C::Profile, S::Yes),
    (C::Timeline, S::Yes),
    (C::SinglePost, S::No),
    // The web feed's pin flag is unknown (platforms.md §6); an app-style
    // `label: "置顶"` is read when present but not relied on.
    (C::PinnedFlag, S::No),
    (C::RepostSource, S::No),
    // `ban_comment` / `itemCell.actionCtrl.banComment`.
    (C::CommentState, S::WhenShown),
    (C::PrivateMessageEntry, S::No),
    // `user_verified`, `verified_content`.
    (C::Verification, S::WhenShown),
    (C::VerifiedEntity, S::WhenShown),
    (C::UserSearch, S::No),
    (C::AccountExistence, S::No),
];

pub const CAPABILITIES: Capabilities = Capabilities::new(Platform::Toutiao, &TABLE);
pub const WITHOUT_BROWSER: Capabilities = Capabilities::new(Platform::Toutiao, &needs_browser(TABLE));
