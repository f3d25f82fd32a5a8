//! Weibo (新浪微博) through the public m.weibo.cn JSON API.
//!
//! - `parse`: pure parsers and the response classifier.
//! - `time`: `created_at` forms, relative ones resolved against `now`.
//! - `client`: the fetcher (visitor/operator session, paging, details).

pub mod client;
pub mod parse;
pub mod time;

pub use client::{AccountSnapshot, Clock, SessionStatus, WeiboClient};
pub use parse::{LongText, ProfilePage, ResponseMeta, TimelinePage, WeiboProfile, classify_response};

use crate::capability::{Capabilities, Capability as C, Support as S};
use crate::model::Platform;

/// What m.weibo.cn shows a visitor.
pub const CAPABILITIES: Capabilities = Capabilities::new(
    Platform::Weibo,
    &[
        (C::Profile, S::Yes),
        (C::Timeline, S::Yes),
        (C::SinglePost, S::Yes),
        (C::PinnedFlag, S::Yes),
        (C::RepostSource, S::Yes),
        // Only when a status carries comment_manage_info or a restriction
        // phrase; the 2021 captures carry neither.
        (C::CommentState, S::WhenShown),
        // allow_all_act_msg / the follow button's allow_msg, when present.
        (C::PrivateMessageEntry, S::WhenShown),
        (C::Verification, S::Yes),
        (C::VerifiedEntity, S::Yes),
        (C::UserSearch, S::Yes),
        (C::AccountExistence, S::Yes),
    ],
);
