//! The registry's account record (台账 row), shared by the importer, the
//! store and the CLI.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use xunjian_adapters::model::Platform;

/// Lifecycle status of an account, as the office manages it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleStatus {
    /// Approved but not yet opened (拟开通).
    Planned,
    /// Newly opened, within its opening-notice period (新开通).
    Opening,
    #[default]
    Active,
    /// Announced to close; must show a pinned closing notice (拟关停/停更).
    Closing,
    /// Closed or cancelled (已关停/已注销). Not polled.
    Closed,
}

impl LifecycleStatus {
    pub const ALL: [LifecycleStatus; 5] = [
        LifecycleStatus::Planned,
        LifecycleStatus::Opening,
        LifecycleStatus::Active,
        LifecycleStatus::Closing,
        LifecycleStatus::Closed,
    ];
    pub fn code(self) -> &'static str {
        match self {
            LifecycleStatus::Planned => "planned",
            LifecycleStatus::Opening => "opening",
            LifecycleStatus::Active => "active",
            LifecycleStatus::Closing => "closing",
            LifecycleStatus::Closed => "closed",
        }
    }
    /// The word offices use, for lists and exports.
    pub fn display_name(self) -> &'static str {
        match self {
            LifecycleStatus::Planned => "拟开通",
            LifecycleStatus::Opening => "新开通",
            LifecycleStatus::Active => "正常",
            LifecycleStatus::Closing => "拟关停",
            LifecycleStatus::Closed => "已关停",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        LifecycleStatus::ALL.into_iter().find(|c| c.code() == s)
    }
}

impl fmt::Display for LifecycleStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Everything the office records about one account. The key is
/// (`platform`, `platform_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSpec {
    pub platform: Platform,
    /// The platform's stable id (Weibo uid, WeChat __biz or gh_ id, Bilibili
    /// mid, Douyin sec_uid, ...).
    pub platform_id: String,
    pub profile_url: Option<String>,
    /// 账号名称
    pub display_name: String,
    /// 主办单位: the unit that owns and runs the account.
    pub owner_unit: Option<String>,
    /// 主管单位: the unit that supervises it.
    pub supervising_unit: Option<String>,
    /// 所属地区 (county/district).
    pub region: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub status: LifecycleStatus,
    pub opened_on: Option<NaiveDate>,
    pub closing_on: Option<NaiveDate>,
    /// The superior government portal where its opening notice must appear.
    pub superior_portal_url: Option<String>,
    /// A source account (provincial/city) whose key posts others must repost.
    pub is_source: bool,
    pub tags: Vec<String>,
    pub notes: Option<String>,
}

impl AccountSpec {
    /// A spec with only the key and name set; the rest empty or default.
    pub fn new(platform: Platform, platform_id: impl Into<String>, display_name: impl Into<String>) -> Self {
        AccountSpec {
            platform,
            platform_id: platform_id.into(),
            profile_url: None,
            display_name: display_name.into(),
            owner_unit: None,
            supervising_unit: None,
            region: None,
            contact_name: None,
            contact_email: None,
            contact_phone: None,
            status: LifecycleStatus::Active,
            opened_on: None,
            closing_on: None,
            superior_portal_url: None,
            is_source: false,
            tags: Vec::new(),
            notes: None,
        }
    }
}

/// A stored account: its spec plus the store's bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: i64,
    #[serde(flatten)]
    pub spec: AccountSpec,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}
