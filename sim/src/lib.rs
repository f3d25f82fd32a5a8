//! xunjian-sim: a loopback simulator of the platforms xunjian reads.
//!
//! It serves Weibo, WeChat (article pages, Sogou search, feeds), Bilibili,
//! RSS feeds and superior-portal homepages in the shapes of the real
//! captures in `adapters/tests/fixtures`, for scripted accounts whose
//! behaviour follows a simulated clock shared with the daemon, with faults
//! injected at configurable rates. It serves end-to-end tests, benchmarks
//! and `xunjian demo`; it knows nothing of xunjian's rules.
//!
//! Routes (all on one loopback base URL):
//!
//! | route | surface |
//! |---|---|
//! | `POST /visitor/genvisitor2` | Weibo visitor cookie |
//! | `GET /api/container/getIndex?type=uid&value=UID` | Weibo profile |
//! | `GET /api/container/getIndex?containerid=107603UID[&since_id=]` | Weibo timeline |
//! | `GET /api/container/getIndex?containerid=100103type=3&q=NAME` | Weibo user search |
//! | `GET /statuses/show?id=` | Weibo post detail |
//! | `GET /weixin?type=1&query=Q` | Sogou WeChat account search |
//! | `GET /s?__biz=&mid=&idx=1&sn=` | WeChat article page |
//! | `GET /feed/<platform>/<id>` | RSS 2.0 (accounts with `feed: true`) |
//! | `GET <portal.path>`, `GET <notice.path>` | portal homepage, notice page |
//! | `GET /x/frontend/finger/spi`, `/x/web-interface/nav` | Bilibili buvid3, WBI keys |
//! | `GET /x/space/wbi/acc/info?mid=` | Bilibili profile |
//! | `GET /x/polymer/web-dynamic/v1/feed/space?host_mid=&offset=` | Bilibili dynamics |
//! | `GET /x/web-interface/wbi/search/type?search_type=bili_user&keyword=` | Bilibili user search |
//! | `GET /live_user/v1/Master/info?uid=` | Bilibili live profile fallback |
//! | `GET /_sim/stats`, `/_sim/now` | statistics, simulated now (never faulted) |
//!
//! Anything else is a 404.

pub mod bilibili;
pub mod clock;
pub mod config;
pub mod demo;
pub mod fault_pages;
pub mod faults;
pub mod feed;
pub mod fixtures;
pub mod http;
pub mod model;
pub mod portal;
pub mod quarter;
pub mod route;
pub mod server;
pub mod util;
pub mod wechat;
pub mod weibo;

pub use clock::SimClock;
pub use config::{ConfigOptions, platforms_table, xunjian_platforms_config};
pub use faults::{FaultConfig, FaultKind, Rates, Surface};
pub use model::{Account, Gone, GoneKind, Lie, LieKind, Portal, PortalNotice, Post, PostRef, SimPlatform, Verification, World};
pub use server::{Server, Stats};
