//! Bilibili (哔哩哔哩) through its public web API, natively: WBI signing
//! and the `buvid3` cookie are done in Rust, no browser needed.
//!
//! - `wbi`: the request signature (documented, deterministic).
//! - `parse`: pure parsers and the shared classifier (`-352`, `-412`,
//!   voucher, `-404`, `silence`).
//! - `client`: the fetcher (session, signing, paging, live fallback).

pub mod client;
pub mod parse;
pub mod wbi;

pub use client::BilibiliClient;
pub use parse::{BilibiliProfile, official_role_name};

use crate::capability::{Capabilities, Capability as C, Support as S};
use crate::model::Platform;

/// What the public web API shows a visitor with a buvid3 cookie.
pub const CAPABILITIES: Capabilities = Capabilities::new(
    Platform::Bilibili,
    &[
        (C::Profile, S::Yes),
        (C::Timeline, S::Yes),
        // The dynamic detail endpoint is not read (the feed has everything
        // a rule needs).
        (C::SinglePost, S::No),
        // `module_tag.text == "置顶"`.
        (C::PinnedFlag, S::Yes),
        // `DYNAMIC_TYPE_FORWARD` with `orig` and its exact `pub_ts`.
        (C::RepostSource, S::Yes),
        // `module_stat.comment.forbidden` when the item carries it.
        (C::CommentState, S::WhenShown),
        (C::PrivateMessageEntry, S::No),
        // `official.role` / `official.title` (acc/info), or the live
        // fallback's `official_verify`.
        (C::Verification, S::Yes),
        (C::VerifiedEntity, S::Yes),
        (C::UserSearch, S::Yes),
        // acc/info `-404` (confirmed against the live endpoint) and `silence`.
        (C::AccountExistence, S::Yes),
    ],
);
