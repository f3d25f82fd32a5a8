//! What each platform can tell us, so a rule can ask "could this platform
//! tell us X?" and get "no" instead of a guess.

use crate::model::Platform;
use serde::Serialize;

/// One thing a rule may want to know about an account or a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    Profile,
    Timeline,
    SinglePost,
    PinnedFlag,
    /// A repost's link to its source post, with the source's exact time.
    RepostSource,
    CommentState,
    PrivateMessageEntry,
    Verification,
    VerifiedEntity,
    UserSearch,
    AccountExistence,
}

impl Capability {
    pub const ALL: [Capability; 11] = [
        Capability::Profile,
        Capability::Timeline,
        Capability::SinglePost,
        Capability::PinnedFlag,
        Capability::RepostSource,
        Capability::CommentState,
        Capability::PrivateMessageEntry,
        Capability::Verification,
        Capability::VerifiedEntity,
        Capability::UserSearch,
        Capability::AccountExistence,
    ];
}

/// How far a platform's adapter supports a capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    /// The public pages carry it and the adapter reads it.
    Yes,
    /// Read when the platform's answer carries the signal; otherwise the
    /// value is `Unknown`, never a default.
    WhenShown,
    /// Only with an operator-supplied logged-in cookie.
    NeedsCookie,
    /// Only through a real browser (signatures computed in JavaScript).
    NeedsBrowser,
    /// This adapter cannot tell.
    No,
}

/// A platform's declared capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    pub platform: Platform,
    entries: &'static [(Capability, Support)],
}

impl Capabilities {
    pub const fn new(platform: Platform, entries: &'static [(Capability, Support)]) -> Self {
        Capabilities { platform, entries }
    }

    /// The declared support; `No` for anything not declared.
    pub fn support(&self, capability: Capability) -> Support {
        self.entries.iter().find(|(c, _)| *c == capability).map(|(_, s)| *s).unwrap_or(Support::No)
    }

    /// True when a plain (visitor) fetch can answer. `WhenShown` counts: the
    /// answer may still be `Unknown`, which the rule must treat as such.
    pub fn supports(&self, capability: Capability) -> bool {
        matches!(self.support(capability), Support::Yes | Support::WhenShown)
    }

    pub fn iter(&self) -> impl Iterator<Item = (Capability, Support)> + '_ {
        Capability::ALL.into_iter().map(|c| (c, self.support(c)))
    }
}

/// The capabilities of every platform's native adapter. Platforms without
/// one declare nothing, so every question about them answers `No`. A
/// platform covered only by a feed answers through its adapter's
/// [`crate::Adapter::capabilities`] ([`crate::feed::FEED_CAPABILITIES`]:
/// a timeline and nothing else), because whether a feed exists is a
/// matter of configuration.
///
/// Douyin, Toutiao and Kuaishou are read through a headless browser
/// (`[platforms.browser]`, off by default): this table says `NeedsBrowser`
/// for what that browser would give, so without it every question about
/// them answers "no". Their adapter, which exists only when the browser
/// is configured, answers with [`browser_capabilities`].
pub fn capabilities(platform: Platform) -> Capabilities {
    match platform {
        Platform::Weibo => crate::weibo::CAPABILITIES,
        Platform::Wechat => crate::wechat::CAPABILITIES,
        Platform::Bilibili => crate::bilibili::CAPABILITIES,
        Platform::Douyin => crate::douyin::WITHOUT_BROWSER,
        Platform::Toutiao => crate::toutiao::WITHOUT_BROWSER,
        Platform::Kuaishou => crate::kuaishou::WITHOUT_BROWSER,
        other => Capabilities::new(other, &[]),
    }
}

/// What the browser-read adapters give once Chromium is configured.
pub fn browser_capabilities(platform: Platform) -> Capabilities {
    match platform {
        Platform::Douyin => crate::douyin::CAPABILITIES,
        Platform::Toutiao => crate::toutiao::CAPABILITIES,
        Platform::Kuaishou => crate::kuaishou::CAPABILITIES,
        other => capabilities(other),
    }
}

/// The same table with every readable entry turned into `NeedsBrowser`:
/// what a browser-read platform declares while no browser is configured.
pub const fn needs_browser<const N: usize>(table: [(Capability, Support); N]) -> [(Capability, Support); N] {
    let mut out = table;
    let mut i = 0;
    while i < N {
        out[i].1 = match table[i].1 {
            Support::Yes | Support::WhenShown => Support::NeedsBrowser,
            other => other,
        };
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_without_adapter_says_no_to_everything() {
        let caps = capabilities(Platform::Xiaohongshu);
        for c in Capability::ALL {
            assert_eq!(caps.support(c), Support::No, "{c:?}");
            assert!(!caps.supports(c));
        }
    }

    #[test]
    fn weibo_declares_every_capability_it_reads() {
        let caps = capabilities(Platform::Weibo);
        assert_eq!(caps.platform, Platform::Weibo);
        assert_eq!(caps.support(Capability::PinnedFlag), Support::Yes);
        // Comment state is read only when the JSON carries a signal.
        assert_eq!(caps.support(Capability::CommentState), Support::WhenShown);
        assert!(caps.supports(Capability::CommentState));
        assert!(caps.iter().all(|(_, s)| s != Support::No));
    }

    #[test]
    fn wechat_declares_what_it_cannot_see() {
        let caps = capabilities(Platform::Wechat);
        // Comment state is not observable on the public page: never guessed.
        assert_eq!(caps.support(Capability::CommentState), Support::No);
        // No listing source shows reposts, so a missing repost is never inferred.
        assert_eq!(caps.support(Capability::RepostSource), Support::No);
        assert_eq!(caps.support(Capability::AccountExistence), Support::No);
        assert_eq!(caps.support(Capability::PinnedFlag), Support::No);
        assert!(caps.supports(Capability::Timeline) && caps.supports(Capability::SinglePost));
        assert_eq!(caps.support(Capability::VerifiedEntity), Support::WhenShown);
    }

    #[test]
    fn a_feed_gives_a_timeline_and_nothing_else() {
        let caps = Capabilities::new(Platform::Douyin, crate::feed::FEED_CAPABILITIES);
        for c in Capability::ALL {
            assert_eq!(caps.supports(c), c == Capability::Timeline, "{c:?}");
        }
    }

    #[test]
    fn browser_platforms_need_a_browser_until_one_is_configured() {
        for p in [Platform::Douyin, Platform::Toutiao, Platform::Kuaishou] {
            let without = capabilities(p);
            let with = browser_capabilities(p);
            assert!(with.supports(Capability::Timeline) && with.supports(Capability::Profile), "{p}");
            for c in Capability::ALL {
                assert!(!without.supports(c), "{p} {c:?} must not be usable without a browser");
                if with.supports(c) {
                    assert_eq!(without.support(c), Support::NeedsBrowser, "{p} {c:?}");
                }
            }
        }
        // No platform there shows a repost link: reposts are matched by title.
        assert_eq!(capabilities(Platform::Douyin).support(Capability::RepostSource), Support::No);
    }

    #[test]
    fn bilibili_reads_pins_reposts_and_existence() {
        let caps = capabilities(Platform::Bilibili);
        for c in
            [Capability::PinnedFlag, Capability::RepostSource, Capability::AccountExistence, Capability::VerifiedEntity]
        {
            assert_eq!(caps.support(c), Support::Yes, "{c:?}");
        }
        assert_eq!(caps.support(Capability::CommentState), Support::WhenShown);
        assert_eq!(caps.support(Capability::PrivateMessageEntry), Support::No);
    }
}
