//! Fault injection: per surface, a rate for each kind of fault. Which
//! request gets which fault is decided from `(seed, surface, the surface's
//! request sequence number)` alone, so a run with the same seed and the
//! same request order injects the same faults.
//!
//! Faults are never injected on `/_sim/*`.
//!
//! **Stale data** answers as of an earlier simulated instant, between half
//! of `stale_max_secs` and all of it before "now" (a CDN cache). A daemon
//! under test must allow for it: its deadline margin (how late a post may
//! be seen before a deadline is called missed) must exceed `stale_max_secs`
//! of simulated time, or stale answers will produce false findings.

use crate::util::mix64;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a request is about, for faults and statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Surface {
    Weibo,
    /// Sogou search and mp.weixin.qq.com article pages.
    Wechat,
    Feed,
    Portal,
    Bilibili,
}

impl Surface {
    pub const ALL: [Surface; 5] = [Surface::Weibo, Surface::Wechat, Surface::Feed, Surface::Portal, Surface::Bilibili];

    pub fn code(self) -> &'static str {
        match self {
            Surface::Weibo => "weibo",
            Surface::Wechat => "wechat",
            Surface::Feed => "feed",
            Surface::Portal => "portal",
            Surface::Bilibili => "bilibili",
        }
    }

    fn index(self) -> u64 {
        Surface::ALL.iter().position(|s| *s == self).unwrap_or(0) as u64
    }
}

/// The kinds of fault, in the order rates are accumulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// The platform's captcha / anti-spider / WAF challenge page, HTTP 200.
    Captcha,
    /// The platform's login wall (redirect or page).
    Login,
    Http403,
    Http418,
    Http429,
    Http432,
    /// Weibo's `{"ok":-100,"url":…}` (ignored on other surfaces).
    Minus100,
    /// A valid answer cut in the middle, Content-Length matching the cut.
    Truncated,
    /// HTTP 200 with a zero-length body.
    Empty,
    /// The answer as of an earlier simulated instant (see the module doc).
    Stale,
    /// Answered after `slow_ms` real milliseconds (within the timeout).
    Slow,
    /// The connection is held `timeout_hold_ms` (beyond the client's
    /// timeout), then closed without an answer.
    Timeout,
    /// The connection is closed right after the request is read.
    Reset,
}

impl FaultKind {
    pub const ALL: [FaultKind; 13] = [
        FaultKind::Captcha,
        FaultKind::Login,
        FaultKind::Http403,
        FaultKind::Http418,
        FaultKind::Http429,
        FaultKind::Http432,
        FaultKind::Minus100,
        FaultKind::Truncated,
        FaultKind::Empty,
        FaultKind::Stale,
        FaultKind::Slow,
        FaultKind::Timeout,
        FaultKind::Reset,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FaultKind::Captcha => "captcha",
            FaultKind::Login => "login",
            FaultKind::Http403 => "http403",
            FaultKind::Http418 => "http418",
            FaultKind::Http429 => "http429",
            FaultKind::Http432 => "http432",
            FaultKind::Minus100 => "minus100",
            FaultKind::Truncated => "truncated",
            FaultKind::Empty => "empty",
            FaultKind::Stale => "stale",
            FaultKind::Slow => "slow",
            FaultKind::Timeout => "timeout",
            FaultKind::Reset => "reset",
        }
    }
}

/// Rates (0..1) of each fault kind on one surface. When the rates add up
/// to more than 1, the kinds earlier in [`FaultKind::ALL`] win.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rates {
    pub captcha: f64,
    pub login: f64,
    pub http403: f64,
    pub http418: f64,
    pub http429: f64,
    pub http432: f64,
    pub minus100: f64,
    pub truncated: f64,
    pub empty: f64,
    pub stale: f64,
    pub slow: f64,
    pub timeout: f64,
    pub reset: f64,
}

impl Rates {
    pub fn get(&self, k: FaultKind) -> f64 {
        match k {
            FaultKind::Captcha => self.captcha,
            FaultKind::Login => self.login,
            FaultKind::Http403 => self.http403,
            FaultKind::Http418 => self.http418,
            FaultKind::Http429 => self.http429,
            FaultKind::Http432 => self.http432,
            FaultKind::Minus100 => self.minus100,
            FaultKind::Truncated => self.truncated,
            FaultKind::Empty => self.empty,
            FaultKind::Stale => self.stale,
            FaultKind::Slow => self.slow,
            FaultKind::Timeout => self.timeout,
            FaultKind::Reset => self.reset,
        }
    }

    pub fn set(&mut self, k: FaultKind, rate: f64) {
        let slot = match k {
            FaultKind::Captcha => &mut self.captcha,
            FaultKind::Login => &mut self.login,
            FaultKind::Http403 => &mut self.http403,
            FaultKind::Http418 => &mut self.http418,
            FaultKind::Http429 => &mut self.http429,
            FaultKind::Http432 => &mut self.http432,
            FaultKind::Minus100 => &mut self.minus100,
            FaultKind::Truncated => &mut self.truncated,
            FaultKind::Empty => &mut self.empty,
            FaultKind::Stale => &mut self.stale,
            FaultKind::Slow => &mut self.slow,
            FaultKind::Timeout => &mut self.timeout,
            FaultKind::Reset => &mut self.reset,
        };
        *slot = rate.clamp(0.0, 1.0);
    }

    /// Every kind at the same rate (`-100` only counts on Weibo).
    pub fn uniform(rate: f64) -> Rates {
        let mut r = Rates::default();
        for k in FaultKind::ALL {
            r.set(k, rate);
        }
        r
    }
}

/// The fault configuration of a server; replaceable while it runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    pub seed: u64,
    /// The oldest a stale answer may be, in simulated seconds. Default 300.
    pub stale_max_secs: u64,
    /// Real milliseconds a slow answer waits. Default 300: well inside the
    /// `timeout_secs` of [`crate::ConfigOptions`] (default 3).
    pub slow_ms: u64,
    /// Real milliseconds a `timeout` fault holds the connection before
    /// closing it unanswered. Default 4000: beyond the default 3 s timeout
    /// (raise it with the timeout).
    pub timeout_hold_ms: u64,
    pub weibo: Rates,
    pub wechat: Rates,
    pub feed: Rates,
    pub portal: Rates,
    pub bilibili: Rates,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            seed: 0,
            stale_max_secs: 300,
            slow_ms: 300,
            timeout_hold_ms: 4000,
            weibo: Rates::default(),
            wechat: Rates::default(),
            feed: Rates::default(),
            portal: Rates::default(),
            bilibili: Rates::default(),
        }
    }
}

/// One decision: which fault (if any) and a second uniform draw for the
/// fault's own parameter (how stale).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub fault: Option<FaultKind>,
    pub aux: f64,
}

fn unit(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

impl FaultConfig {
    /// No faults.
    pub fn none() -> FaultConfig {
        FaultConfig::default()
    }

    /// Only `kind` on `surface`, at `rate`.
    pub fn only(surface: Surface, kind: FaultKind, rate: f64) -> FaultConfig {
        let mut c = FaultConfig::default();
        c.rates_mut(surface).set(kind, rate);
        c
    }

    pub fn rates(&self, s: Surface) -> &Rates {
        match s {
            Surface::Weibo => &self.weibo,
            Surface::Wechat => &self.wechat,
            Surface::Feed => &self.feed,
            Surface::Portal => &self.portal,
            Surface::Bilibili => &self.bilibili,
        }
    }

    pub fn rates_mut(&mut self, s: Surface) -> &mut Rates {
        match s {
            Surface::Weibo => &mut self.weibo,
            Surface::Wechat => &mut self.wechat,
            Surface::Feed => &mut self.feed,
            Surface::Portal => &mut self.portal,
            Surface::Bilibili => &mut self.bilibili,
        }
    }

    /// The fault for request number `seq` (0-based, per surface).
    pub fn decide(&self, surface: Surface, seq: u64) -> Decision {
        let h = mix64(self.seed ^ mix64(surface.index() << 56 ^ seq));
        let u = unit(h);
        let aux = unit(mix64(h ^ 0x5EED));
        let rates = self.rates(surface);
        let mut acc = 0.0;
        for k in FaultKind::ALL {
            if k == FaultKind::Minus100 && surface != Surface::Weibo {
                continue;
            }
            let r = rates.get(k);
            if r <= 0.0 {
                continue;
            }
            acc += r;
            if u < acc || r >= 1.0 {
                return Decision { fault: Some(k), aux };
            }
        }
        Decision { fault: None, aux }
    }

    /// How far back a stale answer is (simulated), from the decision's
    /// second draw: between half of `stale_max_secs` and all of it.
    pub fn stale_offset(&self, aux: f64) -> chrono::TimeDelta {
        let max_ms = (self.stale_max_secs * 1000) as f64;
        chrono::TimeDelta::milliseconds((max_ms * (0.5 + 0.5 * aux)).round() as i64)
    }
}

/// Counts per surface and kind, for [`crate::Stats`].
pub type FaultCounts = BTreeMap<String, BTreeMap<String, u64>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_are_deterministic_and_follow_rates() {
        let mut c = FaultConfig { seed: 7, ..FaultConfig::default() };
        c.weibo.captcha = 0.25;
        c.weibo.empty = 0.25;
        let a: Vec<_> = (0..2000).map(|i| c.decide(Surface::Weibo, i).fault).collect();
        let b: Vec<_> = (0..2000).map(|i| c.decide(Surface::Weibo, i).fault).collect();
        assert_eq!(a, b);
        let captcha = a.iter().filter(|f| **f == Some(FaultKind::Captcha)).count();
        let empty = a.iter().filter(|f| **f == Some(FaultKind::Empty)).count();
        assert!((400..600).contains(&captcha) && (400..600).contains(&empty), "{captcha} {empty}");
        assert!((0..100).all(|i| c.decide(Surface::Wechat, i).fault.is_none()));
        let all = FaultConfig::only(Surface::Feed, FaultKind::Reset, 1.0);
        assert!((0..100).all(|i| all.decide(Surface::Feed, i).fault == Some(FaultKind::Reset)));
        // -100 is Weibo's only.
        let m = FaultConfig::only(Surface::Portal, FaultKind::Minus100, 1.0);
        assert!(m.decide(Surface::Portal, 0).fault.is_none());
        let off = m.stale_offset(0.0);
        assert_eq!(off, chrono::TimeDelta::seconds(150));
    }
}
