//! Douyin (抖音) profile pages, read through the headless browser
//! ([`crate::browser`]): the web API needs an `a_bogus` signature computed
//! by the page's own obfuscated script, so the page is loaded as a visitor
//! would load it and we keep what it received: the profile and post-list
//! XHR answers (`aweme/v1/web/user/profile/other/`, `aweme/v1/web/aweme/post/`)
//! and the server-rendered `RENDER_DATA`.
//!
//! - `parse`: pure parsers of those answers and of a whole page load.

pub mod parse;

pub use parse::{DouyinParser, DouyinProfile};

use crate::browser::platform::BrowserPlatformClient;
use crate::capability::{Capabilities, Capability as C, Support as S, needs_browser};
use crate::model::Platform;

/// The Douyin adapter: a browser-read client with the Douyin parser.
pub type DouyinClient = BrowserPlatformClient<DouyinParser>;

const TABLE: [(C, S); 11] = [
    (C::Profile, S::Yes),
    (C::Timeline, S::Yes),
    (C::SinglePost, S::No),
    // `is_top`.
    (C::PinnedFlag, S::Yes),
    // Douyin has no repost object: reposts are matched by title.
    (C::RepostSource, S::No),
    // `comment_permission_info.can_comment`, `item_comment_settings`.
    (C::CommentState, S::WhenShown),
    // `message_chat_entry: true` is read as open; `false` is not read as
    // closed (see `parse::message_entry`).
    (C::PrivateMessageEntry, S::WhenShown),
    // `custom_verify` / `enterprise_verify_reason`.
    (C::Verification, S::Yes),
    (C::VerifiedEntity, S::WhenShown),
    (C::UserSearch, S::No),
    // `is_ban`, `user_canceled`, "用户不存在".
    (C::AccountExistence, S::WhenShown),
];

/// With `[platforms.browser]` configured.
pub const CAPABILITIES: Capabilities = Capabilities::new(Platform::Douyin, &TABLE);
/// Without it: everything the browser would give says `NeedsBrowser`.
pub const WITHOUT_BROWSER: Capabilities = Capabilities::new(Platform::Douyin, &needs_browser(TABLE));
