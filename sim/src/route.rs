//! What every platform handler gets and gives.

use crate::http::Response;
use crate::model::World;
use chrono::{DateTime, Utc};

/// The world as of `now`, and the server's own base URL.
pub struct Ctx<'a> {
    pub world: &'a World,
    pub now: DateTime<Utc>,
    /// `http://127.0.0.1:PORT`.
    pub base: &'a str,
}

/// A handler's answer with what the request was (for statistics).
pub struct Routed {
    /// E.g. `weibo:timeline`, `wechat:sogou`, `portal:home`.
    pub kind: &'static str,
    /// `platform:id` (or the portal path) the request was about, if any.
    pub account: Option<String>,
    pub response: Response,
}

impl Routed {
    pub fn new(kind: &'static str, account: Option<String>, response: Response) -> Routed {
        Routed { kind, account, response }
    }
}
