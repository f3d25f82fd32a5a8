//! Fetch outcomes: an observation, or a classified reason why there is none.
//!
//! The classes are the core of every adapter. Only `NotFound` and `Banned`
//! are the platform's own word about an account; every other failure means
//! "could not check" and must never turn into a finding.

use crate::model::{Capture, OutcomeClass};
use serde::Serialize;
use std::fmt;

/// Why a fetch produced no observation.
///
/// Serialised with an `outcome` tag equal to [`OutcomeClass::code`] of the
/// variant's class, so `debug parse` output and the stored class agree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum FetchFailure {
    /// The platform positively said the account (or post) does not exist.
    #[error("not found: {detail} ({url})")]
    NotFound { url: String, detail: String },
    /// The platform positively said the account is banned or frozen.
    #[error("banned: {detail} ({url})")]
    Banned { url: String, detail: String },
    /// The platform refuses to serve us (HTTP 403/418/432, an anti-bot page).
    #[error("blocked (HTTP {http_status:?}): {detail} ({url})")]
    Blocked { url: String, http_status: Option<u16>, detail: String },
    /// The platform wants a human to solve a challenge.
    #[error("captcha (HTTP {http_status:?}): {detail} ({url})")]
    Captcha { url: String, http_status: Option<u16>, challenge_url: Option<String>, detail: String },
    /// The page is only shown to a logged-in user, or our (visitor or
    /// operator) session was rejected.
    #[error("login required (HTTP {http_status:?}): {detail} ({url})")]
    LoginRequired { url: String, http_status: Option<u16>, detail: String },
    /// The platform asked us to slow down.
    #[error("throttled (HTTP {http_status:?}, retry after {retry_after_secs:?} s): {detail} ({url})")]
    Throttled { url: String, http_status: Option<u16>, retry_after_secs: Option<u64>, detail: String },
    /// The answer was not understood: format drift, an unknown message, an
    /// unexpected page. `field` names what was missing or malformed.
    #[error("parse error at `{field}`: {detail} ({url})")]
    ParseError { url: String, field: String, detail: String },
    /// Connection failure, timeout, server error, a cut-short body.
    #[serde(rename = "network_error")]
    #[error("network error (HTTP {http_status:?}{}): {detail} ({url})", if *timeout { ", timeout" } else { "" })]
    Network { url: String, http_status: Option<u16>, timeout: bool, detail: String },
    /// The answer states it is about another account than the one asked
    /// for: `expected` is the id asked for, `found` the id the answer gives.
    #[serde(rename = "wrong_account")]
    #[error("wrong account: asked for {expected}, the answer is about {found}: {detail} ({url})")]
    WrongAccount { url: String, expected: String, found: String, detail: String },
    /// A relay or feed that answers but says it stopped updating at
    /// `updated` (its own `lastBuildDate`, `<updated>` or cache time).
    #[serde(rename = "stale_source")]
    #[error("stale source (last updated {updated}): {detail} ({url})")]
    StaleSource { url: String, updated: String, detail: String },
    /// Our own circuit breaker refused to send the request because the
    /// platform kept blocking us. Stored as `blocked`: nothing was checked.
    #[serde(rename = "blocked")]
    #[error("circuit open for {platform}: not sending requests for {retry_in_secs} s more ({url})")]
    CircuitOpen { url: String, platform: String, retry_in_secs: u64 },
}

impl FetchFailure {
    pub fn class(&self) -> OutcomeClass {
        match self {
            FetchFailure::NotFound { .. } => OutcomeClass::NotFound,
            FetchFailure::Banned { .. } => OutcomeClass::Banned,
            FetchFailure::Blocked { .. } | FetchFailure::CircuitOpen { .. } => OutcomeClass::Blocked,
            FetchFailure::Captcha { .. } => OutcomeClass::Captcha,
            FetchFailure::LoginRequired { .. } => OutcomeClass::LoginRequired,
            FetchFailure::Throttled { .. } => OutcomeClass::Throttled,
            FetchFailure::ParseError { .. } => OutcomeClass::ParseError,
            FetchFailure::Network { .. } => OutcomeClass::NetworkError,
            FetchFailure::WrongAccount { .. } => OutcomeClass::WrongAccount,
            FetchFailure::StaleSource { .. } => OutcomeClass::StaleSource,
        }
    }

    pub fn url(&self) -> &str {
        match self {
            FetchFailure::NotFound { url, .. }
            | FetchFailure::Banned { url, .. }
            | FetchFailure::Blocked { url, .. }
            | FetchFailure::Captcha { url, .. }
            | FetchFailure::LoginRequired { url, .. }
            | FetchFailure::Throttled { url, .. }
            | FetchFailure::ParseError { url, .. }
            | FetchFailure::Network { url, .. }
            | FetchFailure::WrongAccount { url, .. }
            | FetchFailure::StaleSource { url, .. }
            | FetchFailure::CircuitOpen { url, .. } => url,
        }
    }

    pub fn http_status(&self) -> Option<u16> {
        match self {
            FetchFailure::Blocked { http_status, .. }
            | FetchFailure::Captcha { http_status, .. }
            | FetchFailure::LoginRequired { http_status, .. }
            | FetchFailure::Throttled { http_status, .. }
            | FetchFailure::Network { http_status, .. } => *http_status,
            _ => None,
        }
    }

    /// Worth retrying after a pause: the same request may well succeed.
    /// Never true for a platform answer or a page we did not understand,
    /// which would only come back the same.
    pub fn is_transient(&self) -> bool {
        matches!(self, FetchFailure::Throttled { .. } | FetchFailure::Network { .. })
    }

    /// The platform is refusing us (as opposed to failing or answering):
    /// what the circuit breaker counts.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            FetchFailure::Blocked { .. }
                | FetchFailure::Captcha { .. }
                | FetchFailure::LoginRequired { .. }
                | FetchFailure::Throttled { .. }
        )
    }

    /// The same failure with a note appended to its detail (e.g. why the
    /// session could not be renewed).
    pub fn with_note(mut self, note: &str) -> Self {
        match &mut self {
            FetchFailure::NotFound { detail, .. }
            | FetchFailure::Banned { detail, .. }
            | FetchFailure::Blocked { detail, .. }
            | FetchFailure::Captcha { detail, .. }
            | FetchFailure::LoginRequired { detail, .. }
            | FetchFailure::Throttled { detail, .. }
            | FetchFailure::ParseError { detail, .. }
            | FetchFailure::Network { detail, .. }
            | FetchFailure::WrongAccount { detail, .. }
            | FetchFailure::StaleSource { detail, .. } => {
                detail.push_str("; ");
                detail.push_str(note);
            }
            FetchFailure::CircuitOpen { .. } => {}
        }
        self
    }

    /// The answer is about `found`, not the `expected` account asked for.
    pub fn wrong_account(url: &str, expected: &str, found: &str, detail: impl Into<String>) -> Self {
        FetchFailure::WrongAccount {
            url: url.to_string(),
            expected: expected.to_string(),
            found: found.to_string(),
            detail: detail.into(),
        }
    }

    pub fn parse(url: &str, field: impl Into<String>, detail: impl Into<String>) -> Self {
        FetchFailure::ParseError { url: url.to_string(), field: field.into(), detail: detail.into() }
    }
}

/// The name of the endpoint that answered, e.g. `"m.weibo.cn getIndex profile"`,
/// kept with each capture so evidence says where it came from.
pub type SourceName = &'static str;

/// An observation plus the evidence behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fetched<T> {
    pub value: T,
    /// Every response received while producing `value`, in order, including
    /// those of failed attempts and of follow-up detail fetches.
    pub captures: Vec<Capture>,
    /// The endpoint that gave the main answer.
    pub source: SourceName,
    /// Follow-up fetches that failed without spoiling the main answer (e.g.
    /// a post detail that was throttled: the post keeps its inexact time).
    pub incomplete: Vec<FetchFailure>,
}

impl<T> Fetched<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Fetched<U> {
        Fetched { value: f(self.value), captures: self.captures, source: self.source, incomplete: self.incomplete }
    }
}

/// A classified failure plus the evidence behind it: a captcha page is
/// evidence too.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failed {
    pub failure: FetchFailure,
    pub captures: Vec<Capture>,
    pub source: SourceName,
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.failure, self.source)
    }
}

// Not derived: thiserror would take the `source` field for an error cause.
impl std::error::Error for Failed {}

impl Failed {
    pub fn class(&self) -> OutcomeClass {
        self.failure.class()
    }
}

pub type FetchResult<T> = Result<Fetched<T>, Failed>;
