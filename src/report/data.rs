//! The quarterly report as data: [`QuarterReport`], computed from the store
//! for one quarter (optionally one region). The writers (XLSX, HTML, PDF)
//! only format what is here.
//!
//! # Definitions
//!
//! * **Registered (账号总数)**: accounts in the registry during the quarter —
//!   created before the report's cut-off (`as_of`), not retired before the
//!   quarter began, and not 拟开通 (planned) or 已关停 (closed) now. With a
//!   region filter, only accounts whose 所属地区 is that region.
//! * **Supervised days**: the civil days (Asia/Shanghai) of the quarter up to
//!   the cut-off on which the account was in the registry.
//! * **Coverage (覆盖率)**: the share of supervised days on which the
//!   platform answered about the account at least once (an observation with
//!   outcome `ok`, `not_found` or `banned`). Captchas, blocks, login walls,
//!   throttling, parse and network errors are not answers.
//! * **不合格 (failed)**: a veto item (单项否决; [`RuleId::gravity`] =
//!   [`Gravity::Veto`]: 内容不更新, 未提供有效互动功能, 未经公告备案关停或消失)
//!   was violated during the quarter — a finding of that rule was in state
//!   `open` at some instant of the quarter (an open period that started
//!   before and lasted into the quarter counts; one the office dismissed as
//!   not a problem does not). This follows 国办秘函〔2019〕19号: “如出现单项否决指标
//!   中的任意一种情形，即判定为不合格” (standards.md §1.1); a veto item is defined at
//!   a monitoring point (“监测时间点前2周内无更新”), so one evidenced violation
//!   fails the account whatever the quarter's coverage.
//! * **检查 (checked)**: failed, or coverage ≥ `[report] min_coverage`.
//! * **合格 (passed)**: checked and not failed.
//! * **覆盖不足 (low coverage, 未能检查)**: neither — too few days observed to
//!   say the account was fine all quarter. Never counted as passing or
//!   failing; its evidenced lesser problems are still listed.
//! * **合格率** = passed / checked; **检查比例** = checked / registered (the
//!   published notices' 抽查比例 and 合格率, standards.md §2).
//! * **Problem (附件2)**: a finding of any rule that was `open` during the
//!   quarter (warnings are not problems). One line per finding, with the
//!   opening event's description and evidence, the rule's citation, when it
//!   was found, and whether it had been rectified (`resolved`) by the
//!   cut-off. A problem of the same rule on the same account that was also
//!   a problem in the previous quarter is marked 连续两个季度 (Baoji 2020 Q4
//!   lists such accounts again).
//! * **Problem categories (二、存在问题)**: one per rule; count = accounts with
//!   such a problem; share = count / accounts with any problem (Baoji's
//!   “占比”).

use super::ReportError;
use super::quarter::{Quarter, fmt_ms, local_day};
use crate::accounts::{Account, LifecycleStatus};
use crate::calendar::HolidayCalendar;
use crate::rules::repost_delay::{in_time, repost_deadline};
use crate::rules::{Evidence, Gravity, ResolvedRules, RuleContext, RuleId};
use crate::store::{
    AccountFilter, AccountSpan, FirstRepost, FollowerSpan, ObservationAggregate, PostAggregate,
    ReportEvent, SourcePost, Store, StoredFinding,
};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use xunjian_adapters::model::Platform;

/// What the report is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarterRequest {
    pub quarter: Quarter,
    /// Only accounts whose 所属地区 is this.
    pub region: Option<String>,
    /// The cut-off instant (epoch ms): data at or after it is not used.
    /// `None` = the quarter's end. A quarter still running is reported up
    /// to the cut-off the caller passes (the clock is never read here).
    pub as_of_ms: Option<i64>,
    /// The report's date (落款). `None`: see [`QuarterRequest::issued_on`].
    pub issued_on: Option<NaiveDate>,
}

impl QuarterRequest {
    pub fn new(quarter: Quarter) -> QuarterRequest {
        QuarterRequest {
            quarter,
            region: None,
            as_of_ms: None,
            issued_on: None,
        }
    }

    /// The cut-off, clamped into the quarter.
    pub fn cutoff_ms(&self) -> i64 {
        let end = self.quarter.end_ms();
        self.as_of_ms
            .map_or(end, |t| t.clamp(self.quarter.start_ms(), end))
    }

    /// The report's date: as given, else the first working day after the
    /// quarter for a closed quarter, else the cut-off's day.
    pub fn issued_on(&self, calendar: &HolidayCalendar) -> Result<NaiveDate, ReportError> {
        if let Some(d) = self.issued_on {
            return Ok(d);
        }
        if self.cutoff_ms() >= self.quarter.end_ms() {
            Ok(calendar.nth_workday_after(self.quarter.last_day(), 1)?)
        } else {
            Ok(local_day(self.cutoff_ms()))
        }
    }
}

/// 合格 / 不合格 / 覆盖不足
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Assessment {
    Passed,
    Failed,
    LowCoverage,
}

impl Assessment {
    pub fn display_zh(self) -> &'static str {
        match self {
            Assessment::Passed => "合格",
            Assessment::Failed => "不合格",
            Assessment::LowCoverage => "覆盖不足",
        }
    }
}

/// Counts for one group (all, one platform, one region).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub registered: u64,
    pub checked: u64,
    pub passed: u64,
    pub failed: u64,
    pub low_coverage: u64,
    /// Of `passed`: accounts whose interaction (a veto item) no public page
    /// showed this quarter (WeChat comments and messages): 合格（互动功能需人工核查）.
    pub passed_manual: u64,
}

impl Tally {
    fn add(&mut self, a: &AccountMetrics) {
        self.registered += 1;
        match a.assessment {
            Assessment::Passed => {
                self.checked += 1;
                self.passed += 1;
                if a.needs_manual_check() {
                    self.passed_manual += 1;
                }
            }
            Assessment::Failed => {
                self.checked += 1;
                self.failed += 1
            }
            Assessment::LowCoverage => self.low_coverage += 1,
        }
    }

    /// 检查比例 = checked / registered.
    pub fn check_ratio(&self) -> Option<f64> {
        (self.registered > 0).then(|| self.checked as f64 / self.registered as f64)
    }

    /// 合格率 = passed / checked.
    pub fn pass_rate(&self) -> Option<f64> {
        (self.checked > 0).then(|| self.passed as f64 / self.checked as f64)
    }
}

/// Repost timeliness of one account's reposts of source-account items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RepostStats {
    /// Items of source accounts on the account's platform whose deadline
    /// fell before the cut-off, published while the account was registered.
    pub expected: u64,
    pub on_time: u64,
    pub late: u64,
    /// Not reposted, established by a successful timeline read after the
    /// deadline (a `repost_delay` violation marked `missing`).
    pub missing: u64,
    /// Median delay of the reposts with exact times.
    pub median_delay_secs: Option<i64>,
}

impl RepostStats {
    /// Expected items neither reposted nor established as missing (not
    /// verifiable: no successful read after the deadline, inexact times).
    pub fn unverified(&self) -> u64 {
        self.expected
            .saturating_sub(self.on_time + self.late + self.missing)
    }
}

/// One account's quarter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountMetrics {
    pub account_id: i64,
    pub name: String,
    pub platform: Platform,
    pub platform_id: String,
    pub region: Option<String>,
    pub owner_unit: Option<String>,
    pub status: LifecycleStatus,
    pub assessment: Assessment,
    pub supervised_days: i64,
    pub answered_days: i64,
    /// answered_days / supervised_days (0 when not supervised at all).
    pub coverage: f64,
    pub attempts: i64,
    /// Why observations failed, most frequent first, in Chinese
    /// (`验证码 12 次`), or `本季度无抓取记录`.
    pub failure_summary: Option<String>,
    pub posts: i64,
    pub originals: i64,
    pub active_days: i64,
    /// Longest stretch without a post inside the quarter (to the cut-off),
    /// counting the quarter's start and the cut-off as boundaries.
    pub longest_silence_secs: i64,
    pub per_month: [i64; 3],
    pub reposts: RepostStats,
    /// Posts whose comments were closed or restricted / posts whose comment
    /// state is known. `None` when none is known.
    pub comments_closed_share: Option<f64>,
    pub interactions_reposts: i64,
    pub interactions_comments: i64,
    pub interactions_likes: i64,
    pub followers_start: Option<i64>,
    pub followers_end: Option<i64>,
    pub veto_problems: u64,
    pub other_problems: u64,
    /// Veto items switched on for the account that no check decided this
    /// quarter and that a person must check (interaction where the platform
    /// shows no comment state, as WeChat). A veto item without a decision
    /// cannot be called 合格 silently.
    pub undecided_veto: Vec<RuleId>,
}

impl AccountMetrics {
    /// 合格 whose interaction nobody could see.
    pub fn needs_manual_check(&self) -> bool {
        self.assessment == Assessment::Passed && self.undecided_veto.contains(&RuleId::Interaction)
    }

    /// 合格 / 合格（互动功能需人工核查） / 不合格 / 覆盖不足
    pub fn assessment_zh(&self) -> &'static str {
        if self.needs_manual_check() {
            "合格（互动功能需人工核查）"
        } else {
            self.assessment.display_zh()
        }
    }

    pub fn followers_change(&self) -> Option<i64> {
        Some(self.followers_end? - self.followers_start?)
    }

    /// 地区 / 主办单位
    pub fn region_unit(&self) -> String {
        match (self.region.as_deref(), self.owner_unit.as_deref()) {
            (Some(r), Some(u)) => format!("{r} / {u}"),
            (Some(x), None) | (None, Some(x)) => x.to_string(),
            (None, None) => "—".into(),
        }
    }

    /// “名称”（平台）
    pub fn named(&self) -> String {
        format!("“{}”（{}）", self.name, self.platform.display_name())
    }
}

/// Whether a problem had been rectified by the cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Rectification {
    Rectified { at_ms: i64 },
    NotRectified,
    /// The unit declared it fixed; the next successful check had not yet
    /// answered by the cut-off.
    InProgress,
    /// An event finding: it happened, is counted once, and there is
    /// nothing to rectify.
    Recorded { at_ms: i64 },
    /// A third-party finding the office marked (reported, verified, registered).
    Handled { at_ms: i64 },
}

/// One line of 附件2.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProblemLine {
    pub seq: usize,
    pub finding_id: i64,
    pub account_id: i64,
    pub region_unit: String,
    pub account_name: String,
    pub platform: Platform,
    pub rule: RuleId,
    pub gravity: Gravity,
    pub description: String,
    /// 《文件》（文号）条款
    pub citation: String,
    /// Start of the first open period that overlaps the quarter.
    pub found_at_ms: i64,
    /// Start of the latest one (the same when it occurred once).
    pub last_found_at_ms: i64,
    pub rectification: Rectification,
    /// Open periods overlapping the quarter (reopened problems count again).
    pub occurrences: usize,
    /// The same rule's problem on this account was also open in the
    /// previous quarter.
    pub repeated: bool,
    /// The account's assessment (a low-coverage account's problems are
    /// listed without scoring it).
    pub assessment: Assessment,
    pub evidence: Vec<Evidence>,
}

impl ProblemLine {
    /// 整改情况 as the notices word it.
    pub fn rectification_zh(&self) -> String {
        // A third party's account (an impostor, an unregistered account) is
        // not the unit's to rectify: the office verifies it and acts.
        let third_party = self.rule.kind() == crate::rules::FindingKind::ThirdParty;
        let mut s = match self.rectification {
            Rectification::Rectified { at_ms } if third_party => format!("已消除（{}）", &fmt_ms(at_ms)[..10]),
            Rectification::NotRectified if third_party => "待公开办核实处置".to_string(),
            Rectification::Rectified { at_ms } => format!("已整改（{}）", &fmt_ms(at_ms)[..10]),
            Rectification::NotRectified => "未整改".to_string(),
            Rectification::InProgress => "整改中（待复查确认）".to_string(),
            Rectification::Recorded { .. } => "已记录在案（已发生，不适用整改）".to_string(),
            Rectification::Handled { at_ms } => format!("已处置（{}）", &fmt_ms(at_ms)[..10]),
        };
        if self.repeated {
            s.push_str("；连续两个季度存在问题");
        }
        s
    }

    /// 发现时间: the first occurrence, and the latest when there were more.
    pub fn found_zh(&self) -> String {
        if self.last_found_at_ms > self.found_at_ms {
            format!("{}；最近 {}", fmt_ms(self.found_at_ms), fmt_ms(self.last_found_at_ms))
        } else {
            fmt_ms(self.found_at_ms)
        }
    }

    /// One line per evidence item: `标签 时间 URL SHA-256:…`.
    pub fn evidence_lines(&self) -> Vec<String> {
        self.evidence
            .iter()
            .map(|e| {
                let mut s = format!("{} {}", e.label, fmt_ms(e.at_ms));
                // The page a reader can open; the fetched address only when
                // there is none.
                if let Some(u) = e.page_url.as_ref().or(e.url.as_ref()) {
                    s.push(' ');
                    s.push_str(u);
                }
                if let Some(h) = &e.sha256 {
                    s.push_str(" SHA-256:");
                    s.push_str(h);
                }
                s
            })
            .collect()
    }
}

/// One problem category of 二、存在问题.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryStat {
    pub rule: RuleId,
    pub name: &'static str,
    pub gravity: Gravity,
    /// Accounts with this problem, as “名称”（平台）, in report order.
    pub accounts: Vec<String>,
    /// accounts / all problem accounts.
    pub share: f64,
}

/// Rectification versus the previous quarter.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PreviousComparison {
    pub quarter: Option<Quarter>,
    /// Accounts (in scope) with a problem in the previous quarter.
    pub problem_accounts: u64,
    /// Of those, accounts none of whose previous problems persists.
    pub rectified_accounts: u64,
    /// Accounts with a problem of the same rule in both quarters.
    pub persisting: Vec<String>,
}

/// A previous quarter checked less than this share of its accounts is not
/// compared: a pass rate over a few accounts (monitoring began late in the
/// quarter, a quarter of captchas) says nothing about the change.
pub const MIN_COMPARABLE_CHECK_RATIO: f64 = 0.5;

/// The pass rate of one group (all, a platform, a region) in both quarters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeRow {
    pub name: String,
    pub previous: Tally,
    pub current: Tally,
    /// Whether the previous quarter checked enough of the group's accounts
    /// ([`MIN_COMPARABLE_CHECK_RATIO`]) and this quarter checked any.
    pub comparable: bool,
}

impl ChangeRow {
    fn new(name: String, previous: Tally, current: Tally) -> ChangeRow {
        let comparable = current.checked > 0
            && previous
                .check_ratio()
                .is_some_and(|r| r + 1e-9 >= MIN_COMPARABLE_CHECK_RATIO);
        ChangeRow {
            name,
            previous,
            current,
            comparable,
        }
    }

    /// This quarter's pass rate minus the previous quarter's, in
    /// percentage points; `None` when the rows are not comparable.
    pub fn pass_rate_change_points(&self) -> Option<f64> {
        if !self.comparable {
            return None;
        }
        Some((self.current.pass_rate()? - self.previous.pass_rate()?) * 100.0)
    }
}

/// Quarter-on-quarter change (环比): the previous quarter's tallies
/// computed from the store with this quarter's definitions (scope, coverage,
/// veto items), beside this quarter's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarterChange {
    pub previous: Quarter,
    /// 合计, then each platform of this quarter.
    pub total: ChangeRow,
    pub by_platform: Vec<(Platform, ChangeRow)>,
}

impl QuarterChange {
    /// Compares two reports of the same scope.
    pub fn between(previous: &QuarterReport, current: &QuarterReport) -> QuarterChange {
        let prev_platform: HashMap<Platform, &Tally> =
            previous.by_platform.iter().map(|(p, t)| (*p, t)).collect();
        QuarterChange {
            previous: previous.quarter,
            total: ChangeRow::new("合计".into(), previous.total.clone(), current.total.clone()),
            by_platform: current
                .by_platform
                .iter()
                .map(|(p, t)| {
                    let before = prev_platform.get(p).map(|t| (*t).clone()).unwrap_or_default();
                    (*p, ChangeRow::new(p.display_name().to_string(), before, t.clone()))
                })
                .collect(),
        }
    }

    /// Why there is no change to show, in words, or `None` when there is.
    pub fn not_comparable_zh(&self) -> Option<String> {
        let t = &self.total;
        if t.comparable {
            return None;
        }
        let q = self.previous.label_zh();
        Some(if t.previous.checked == 0 {
            format!("{q}没有完成检查的账号（系统中没有该季度的监测数据，或有效监测天数均不足），本季度合格率不作环比。")
        } else if t.current.checked == 0 {
            "本季度没有完成检查的账号，合格率不作环比。".to_string()
        } else {
            format!(
                "{q}完成检查的账号{}个，仅占账号总数的{:.2}%（不足{:.0}%），数据不足，本季度合格率不作环比。",
                t.previous.checked,
                t.previous.check_ratio().unwrap_or(0.0) * 100.0,
                MIN_COMPARABLE_CHECK_RATIO * 100.0
            )
        })
    }
}

/// The whole quarterly report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarterReport {
    pub quarter: Quarter,
    pub region: Option<String>,
    pub office_name: String,
    pub rule_profile: String,
    pub period_from: NaiveDate,
    /// Last day covered (inclusive).
    pub period_to: NaiveDate,
    pub as_of_ms: i64,
    /// Whether the cut-off is before the quarter's end.
    pub partial: bool,
    pub issued_on: NaiveDate,
    pub rectification_deadline: NaiveDate,
    pub min_coverage: f64,
    pub total: Tally,
    pub by_platform: Vec<(Platform, Tally)>,
    /// Region name (or 未填写地区) and its tally, by name.
    pub by_region: Vec<(String, Tally)>,
    /// Regions all of whose checked accounts passed (at least one checked),
    /// most checked first; empty with a single region.
    pub best_regions: Vec<String>,
    pub categories: Vec<CategoryStat>,
    /// Accounts with any problem (veto or not).
    pub problem_accounts: u64,
    pub problems: Vec<ProblemLine>,
    /// Impostors and unregistered accounts found (附件3): third parties'
    /// accounts for the office to verify and report.
    pub third_party: Vec<ProblemLine>,
    pub accounts: Vec<AccountMetrics>,
    /// Posts per month of the quarter, all accounts in scope: ("2026-07", n).
    pub monthly_posts: Vec<(String, i64)>,
    pub previous: PreviousComparison,
    /// 环比 with the previous quarter; `None` when [`assemble`] alone
    /// computed the report (without the previous quarter's observations).
    pub change: Option<QuarterChange>,
    /// The console's address (`[daemon] public_url`) when set: 附件2 links
    /// each problem's finding numbers to their pages.
    pub console_url: Option<String>,
}

impl QuarterReport {
    /// The console's page of a finding, when the console's address is known.
    pub fn finding_url(&self, id: i64) -> Option<String> {
        crate::daemon::finding_url(self.console_url.as_deref().unwrap_or(""), id)
    }
}

impl QuarterReport {
    /// Accounts with the given assessment, as “名称”（平台）.
    pub fn named_with(&self, a: Assessment) -> Vec<String> {
        self.accounts
            .iter()
            .filter(|m| m.assessment == a)
            .map(AccountMetrics::named)
            .collect()
    }
}

/// Everything read from the store for one report.
#[derive(Debug, Clone, Default)]
pub struct ReportInputs {
    /// The whole registry, retired accounts included.
    pub accounts: Vec<Account>,
    pub spans: Vec<AccountSpan>,
    pub posts: Vec<PostAggregate>,
    pub observations: Vec<ObservationAggregate>,
    pub followers: Vec<FollowerSpan>,
    pub source_posts: Vec<SourcePost>,
    /// Earliest repost per (source post, other account), sorted by target
    /// account then source post.
    pub reposts: Vec<FirstRepost>,
    pub findings: Vec<StoredFinding>,
    /// Every event of every finding (no time limit: a later dismissal
    /// withdraws an earlier open period).
    pub events: Vec<ReportEvent>,
    /// The (account, rule) pairs decided on some day of the quarter.
    pub decided: Vec<(i64, RuleId)>,
    /// `observations` and `decided` of the previous quarter (for 环比).
    pub previous_observations: Vec<ObservationAggregate>,
    pub previous_decided: Vec<(i64, RuleId)>,
}

/// Callbacks for long runs.
pub trait Progress: Send + Sync {
    /// A new stage begins; `steps` more calls to `step` follow in all.
    fn begin(&self, _steps: u64) {}
    fn step(&self, _message: &str) {}
    fn finish(&self) {}
}

/// No progress display.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;
impl Progress for NoProgress {}

/// Source posts per repost query.
const REPOST_CHUNK: usize = 64;

/// Number of `step` calls [`read_inputs`] makes.
pub const READ_STEPS: u64 = 9;

/// Reads what the report needs for `[quarter start, cut-off)`.
pub async fn read_inputs(
    store: &Store,
    req: &QuarterRequest,
    progress: &dyn Progress,
) -> Result<ReportInputs, ReportError> {
    let (from, to) = (req.quarter.start_ms(), req.cutoff_ms());
    let mut boundaries = req.quarter.month_boundaries_ms();
    for b in &mut boundaries {
        *b = (*b).min(to);
    }
    progress.step("读取台账 (registry)");
    let accounts = store
        .list_accounts(&AccountFilter {
            include_retired: true,
            ..Default::default()
        })
        .await?;
    let spans = store.account_spans().await?;
    progress.step("统计发布信息 (posts)");
    let posts = store.post_aggregates(from, to, boundaries).await?;
    progress.step("统计抓取覆盖 (observations)");
    let observations = store.observation_aggregates(from, to).await?;
    progress.step("读取粉丝数 (profiles)");
    let followers = store.follower_spans(from, to).await?;
    progress.step("核对转载 (reposts)");
    let source_posts = store.source_posts(from, to).await?;
    // In chunks of source posts: one query's rows stay small whatever the
    // number of accounts reposting.
    let mut reposts = Vec::new();
    for chunk in source_posts.chunks(REPOST_CHUNK) {
        let (first, last) = (chunk[0].row_id, chunk[chunk.len() - 1].row_id);
        reposts.extend(store.first_reposts(from, to, first, last).await?);
    }
    reposts.sort_unstable_by_key(|r| (r.target_account_id, r.source_row_id));
    progress.step("读取问题记录 (findings)");
    let findings = store.list_findings(&Default::default()).await?;
    progress.step("读取问题变化 (finding events)");
    let events = store.finding_events_until(i64::MAX).await?;
    progress.step("核对判定覆盖 (rule coverage)");
    let day = |ms: i64| ms_to_utc(ms).with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d").to_string();
    let decided = store.rules_decided(&day(from), &day(to - 1)).await?;
    progress.step("上季度对比 (previous quarter)");
    let prev = req.quarter.previous();
    let previous_observations = store.observation_aggregates(prev.start_ms(), prev.end_ms()).await?;
    let previous_decided = store.rules_decided(&day(prev.start_ms()), &day(prev.end_ms() - 1)).await?;
    Ok(ReportInputs {
        accounts,
        spans,
        posts,
        observations,
        followers,
        source_posts,
        reposts,
        findings,
        events,
        decided,
        previous_observations,
        previous_decided,
    })
}

/// A source account's key item and its repost deadline (when known).
#[derive(Debug, Clone)]
struct SourceItemInfo<'a> {
    row_id: i64,
    account_id: i64,
    post_id: &'a str,
    platform: Platform,
    published_ms: i64,
    exact: bool,
    deadline: Option<i64>,
}

/// An open period of a finding.
#[derive(Debug, Clone)]
struct OpenPeriod<'a> {
    start: &'a ReportEvent,
    /// The event that ended it (resolved, dismissed, ...), if any. An event
    /// finding's period is a point: it starts and ends with its record.
    end: Option<&'a ReportEvent>,
    /// The events inside the period (open ↔ rectifying), oldest first.
    during: Vec<&'a ReportEvent>,
}

impl OpenPeriod<'_> {
    fn dismissed(&self) -> bool {
        self.end.is_some_and(|e| e.kind == "dismissed")
    }
    /// Open at some instant of `[from, to)` (events at or after `to` are
    /// not yet known at the cut-off).
    fn overlaps(&self, from: i64, to: i64) -> bool {
        // A point (a recorded event) at `from` lies inside `[from, to)`.
        let point = self.end.is_some_and(|e| std::ptr::eq(e, self.start));
        self.start.at_ms < to && self.end.is_none_or(|e| e.at_ms > from || (point && e.at_ms >= from))
    }
    /// Whether the unit's declaration was waiting for a check at `to`.
    fn rectifying_at(&self, to: i64) -> bool {
        self.during.iter().rev().find(|e| e.at_ms < to).is_some_and(|e| e.to_state == "rectifying")
    }
}

/// Replays one finding's events (oldest first) into its open periods.
fn open_periods<'a>(events: &[&'a ReportEvent]) -> Vec<OpenPeriod<'a>> {
    let mut out: Vec<OpenPeriod<'a>> = Vec::new();
    let mut current: Option<usize> = None;
    for e in events.iter().copied() {
        // A declared rectification is still a problem until a check confirms it.
        let open = matches!(e.to_state.as_str(), "open" | "rectifying");
        match (current, open) {
            (None, true) => {
                out.push(OpenPeriod {
                    start: e,
                    end: None,
                    during: vec![e],
                });
                current = Some(out.len() - 1);
            }
            (None, false) if e.to_state == "recorded" => {
                out.push(OpenPeriod {
                    start: e,
                    end: Some(e),
                    during: vec![e],
                });
            }
            (Some(i), true) => out[i].during.push(e),
            (Some(i), false) => {
                out[i].end = Some(e);
                current = None;
            }
            _ => {}
        }
    }
    out
}

/// The counted (not dismissed) open periods of each finding overlapping
/// `[from, to)`; the end only counts if it happened before `to`.
fn counted<'a>(periods: &'a [OpenPeriod<'a>], from: i64, to: i64) -> Vec<&'a OpenPeriod<'a>> {
    periods
        .iter()
        .filter(|p| !p.dismissed() && p.overlaps(from, to))
        .collect()
}

fn outcome_zh(code: &str) -> &str {
    match code {
        "blocked" => "访问被拦截",
        "captcha" => "验证码",
        "login_required" => "需要登录",
        "throttled" => "限流",
        "parse_error" => "页面无法解析",
        "network_error" => "网络错误",
        other => other,
    }
}

fn median(v: &mut [i64]) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    })
}

fn ms_to_utc(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Settings the assembly needs besides the inputs.
#[derive(Debug, Clone)]
pub struct AssembleOptions<'a> {
    pub office_name: &'a str,
    pub min_coverage: f64,
    pub rectification_workdays: u32,
    pub rules: &'a ResolvedRules,
    pub calendar: &'a HolidayCalendar,
}

/// Computes the report from what was read. Pure: the same inputs give the
/// same report.
pub fn assemble(
    inputs: &ReportInputs,
    req: &QuarterRequest,
    opt: &AssembleOptions<'_>,
) -> Result<QuarterReport, ReportError> {
    let q = req.quarter;
    let (from, to) = (q.start_ms(), req.cutoff_ms());
    let first_day = q.first_day();
    // The last day with data (the cut-off is exclusive).
    let last_day = local_day(to - 1);
    let spans: HashMap<i64, AccountSpan> =
        inputs.spans.iter().map(|s| (s.account_id, *s)).collect();

    // ---- scope ----
    let mut scope: Vec<&Account> = inputs
        .accounts
        .iter()
        .filter(|a| {
            let Some(span) = spans.get(&a.id) else {
                return false;
            };
            span.created_at_ms < to
                && span.retired_at_ms.is_none_or(|r| r >= from)
                && !matches!(
                    a.spec.status,
                    LifecycleStatus::Planned | LifecycleStatus::Closed
                )
                && req
                    .region
                    .as_deref()
                    .is_none_or(|r| a.spec.region.as_deref() == Some(r))
        })
        .collect();
    scope.sort_by(|a, b| {
        (
            a.spec.region.is_none(),
            &a.spec.region,
            a.spec.platform,
            &a.spec.display_name,
            a.id,
        )
            .cmp(&(
                b.spec.region.is_none(),
                &b.spec.region,
                b.spec.platform,
                &b.spec.display_name,
                b.id,
            ))
    });
    let in_scope: HashMap<i64, &Account> = scope.iter().map(|a| (a.id, *a)).collect();
    let supervised = |id: i64| -> (NaiveDate, i64) {
        let span = spans[&id];
        let start = first_day.max(local_day(span.created_at_ms));
        let end_excl = match span.retired_at_ms {
            Some(r) => (last_day + chrono::Days::new(1)).min(local_day(r)),
            None => last_day + chrono::Days::new(1),
        };
        (start, (end_excl - start).num_days().max(0))
    };

    // ---- findings: open periods in this and the previous quarter ----
    let mut events_by_finding: HashMap<i64, Vec<&ReportEvent>> = HashMap::new();
    for e in &inputs.events {
        events_by_finding.entry(e.finding_id).or_default().push(e);
    }
    let prev = q.previous();
    let (pfrom, pto) = (prev.start_ms(), prev.end_ms());
    struct Hit<'a> {
        finding: &'a StoredFinding,
        periods: Vec<OpenPeriod<'a>>,
    }
    let mut hits: Vec<Hit<'_>> = Vec::new();
    let mut previous_pairs: BTreeSet<(i64, RuleId)> = BTreeSet::new();
    let empty: Vec<&ReportEvent> = Vec::new();
    for f in &inputs.findings {
        if !in_scope.contains_key(&f.account_id) {
            continue;
        }
        let evs = events_by_finding.get(&f.id).unwrap_or(&empty);
        let periods = open_periods(evs);
        if !counted(&periods, pfrom, pto).is_empty() {
            previous_pairs.insert((f.account_id, f.rule));
        }
        if !counted(&periods, from, to).is_empty() {
            hits.push(Hit {
                finding: f,
                periods,
            });
        }
    }
    let mut veto_accounts: BTreeSet<i64> = BTreeSet::new();
    let mut problems_per_account: HashMap<i64, (u64, u64)> = HashMap::new();
    // Third parties' accounts are not the imitated account's problems.
    for h in hits.iter().filter(|h| h.finding.rule.kind() != crate::rules::FindingKind::ThirdParty) {
        let e = problems_per_account
            .entry(h.finding.account_id)
            .or_default();
        if h.finding.rule.gravity() == Gravity::Veto {
            veto_accounts.insert(h.finding.account_id);
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }

    // ---- repost timeliness ----
    let ctx = RuleContext {
        now: ms_to_utc(to),
        calendar: opt.calendar,
        rules: opt.rules,
    };
    // Source items, with their repost deadline when it is known.
    let mut items: Vec<SourceItemInfo<'_>> = Vec::with_capacity(inputs.source_posts.len());
    for s in &inputs.source_posts {
        let Some(platform) = Platform::from_code(&s.platform) else {
            continue;
        };
        let deadline = if s.published_at_exact {
            repost_deadline(platform, ms_to_utc(s.published_at_ms), &ctx)
                .ok()
                .map(|(d, _)| d.timestamp_millis())
        } else {
            None
        };
        items.push(SourceItemInfo {
            row_id: s.row_id,
            account_id: s.account_id,
            post_id: s.post_id.as_str(),
            platform,
            published_ms: s.published_at_ms,
            exact: s.published_at_exact,
            deadline,
        });
    }
    // Missing reposts established by the repost rule: findings whose open
    // period overlaps the quarter and whose opening measured `missing`.
    let mut missing_subjects: BTreeSet<(i64, String)> = BTreeSet::new();
    for h in &hits {
        if h.finding.rule != RuleId::RepostDelay {
            continue;
        }
        let any_missing = counted(&h.periods, from, to).iter().any(|p| {
            serde_json::from_str::<serde_json::Value>(&p.start.measured_json)
                .ok()
                .and_then(|m| m.get("missing").and_then(|v| v.as_bool()))
                .unwrap_or(false)
        }) || h
            .finding
            .measured
            .get("missing")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if any_missing {
            missing_subjects.insert((h.finding.account_id, h.finding.subject.clone()));
        }
    }
    let mut sources_by_platform: BTreeMap<Platform, Vec<&SourceItemInfo<'_>>> = BTreeMap::new();
    for it in &items {
        sources_by_platform.entry(it.platform).or_default().push(it);
    }
    let reposts: std::borrow::Cow<'_, [FirstRepost]> = if inputs
        .reposts
        .is_sorted_by_key(|r| (r.target_account_id, r.source_row_id))
    {
        std::borrow::Cow::Borrowed(&inputs.reposts)
    } else {
        let mut v = inputs.reposts.clone();
        v.sort_unstable_by_key(|r| (r.target_account_id, r.source_row_id));
        std::borrow::Cow::Owned(v)
    };
    let repost_stats = |a: &Account| -> RepostStats {
        let mut st = RepostStats::default();
        if !matches!(
            a.spec.status,
            LifecycleStatus::Active | LifecycleStatus::Opening
        ) {
            return st;
        }
        let Some(list) = sources_by_platform.get(&a.spec.platform) else {
            return st;
        };
        let created = spans[&a.id].created_at_ms;
        // This account's reposts (the list is sorted by target); links from
        // accounts on another platform never meet an item of theirs here.
        let lo = reposts.partition_point(|r| r.target_account_id < a.id);
        let hi = reposts.partition_point(|r| r.target_account_id <= a.id);
        let mine: HashMap<i64, &FirstRepost> = reposts[lo..hi]
            .iter()
            .map(|r| (r.source_row_id, r))
            .collect();
        let mut delays = Vec::new();
        for it in list {
            if it.account_id == a.id || it.published_ms < created {
                continue;
            }
            let platform = it.platform;
            let repost = mine.get(&it.row_id);
            match (it.deadline, repost) {
                // A repost with exact times on both sides: on time or late.
                (Some(d), Some(r)) if it.exact && r.published_at_exact => {
                    st.expected += 1;
                    if in_time(platform, ms_to_utc(r.published_at_ms), ms_to_utc(d)) {
                        st.on_time += 1;
                    } else {
                        st.late += 1;
                    }
                    delays.push((r.published_at_ms - it.published_ms) / 1000);
                }
                (Some(d), Some(r)) => {
                    // Inexact repost time: on time when already seen before
                    // the deadline, else not verifiable.
                    if in_time(platform, ms_to_utc(r.first_seen_at_ms), ms_to_utc(d)) {
                        st.expected += 1;
                        st.on_time += 1;
                    } else if d < to {
                        st.expected += 1;
                    }
                }
                (Some(d), None) => {
                    if d < to {
                        st.expected += 1;
                        let subject = format!("{}:{}", platform.code(), it.post_id);
                        if missing_subjects.contains(&(a.id, subject)) {
                            st.missing += 1;
                        }
                    }
                }
                (None, _) => {}
            }
        }
        st.median_delay_secs = median(&mut delays);
        st
    };

    let decided: HashSet<(i64, RuleId)> = inputs.decided.iter().copied().collect();

    // ---- per-account metrics ----
    let posts: HashMap<i64, &PostAggregate> =
        inputs.posts.iter().map(|p| (p.account_id, p)).collect();
    let obs: HashMap<i64, &ObservationAggregate> = inputs
        .observations
        .iter()
        .map(|o| (o.account_id, o))
        .collect();
    let followers: HashMap<i64, &FollowerSpan> =
        inputs.followers.iter().map(|f| (f.account_id, f)).collect();
    let mut accounts = Vec::with_capacity(scope.len());
    let mut monthly = [0i64; 3];
    for a in &scope {
        let (_, supervised_days) = supervised(a.id);
        let o = obs.get(&a.id);
        let answered_days = o.map_or(0, |o| o.answered_days).min(supervised_days);
        let coverage = if supervised_days > 0 {
            answered_days as f64 / supervised_days as f64
        } else {
            0.0
        };
        // Veto items the account is held to (a closing account only to its
        // closing notice) that no check decided in the quarter.
        let held = matches!(a.spec.status, LifecycleStatus::Active | LifecycleStatus::Opening);
        let undecided_veto: Vec<RuleId> = [
            (RuleId::Zombie, opt.rules.zombie.enabled),
            (RuleId::Vanished, opt.rules.vanished.enabled),
            (RuleId::Interaction, opt.rules.interaction.enabled),
        ]
        .into_iter()
        .filter(|(rule, on)| held && *on && !decided.contains(&(a.id, *rule)))
        .map(|(rule, _)| rule)
        .collect();
        // Silence and existence are what the quarter's observations are
        // for: never decided, the account is not assessed. Interaction may
        // have no public view at all: 合格, marked for a person to check.
        let decided_enough = !undecided_veto.iter().any(|r| *r != RuleId::Interaction);
        let assessment = if veto_accounts.contains(&a.id) {
            Assessment::Failed
        } else if supervised_days > 0 && coverage + 1e-9 >= opt.min_coverage && decided_enough {
            Assessment::Passed
        } else {
            Assessment::LowCoverage
        };
        let failure_summary = match o {
            None => Some("本季度无抓取记录".to_string()),
            Some(o) if o.failures.is_empty() => None,
            Some(o) => Some(
                o.failures
                    .iter()
                    .map(|(c, n)| format!("{} {n} 次", outcome_zh(c)))
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
        };
        let p = posts.get(&a.id);
        let span_start = from.max(spans[&a.id].created_at_ms);
        let longest_silence_ms = match p {
            None => to - span_start,
            Some(p) => {
                let inner = p.max_gap_ms.unwrap_or(0);
                inner.max(p.first_ms - span_start).max(to - p.last_ms)
            }
        }
        .max(0);
        if let Some(p) = p {
            for (m, n) in monthly.iter_mut().zip(p.per_month) {
                *m += n;
            }
        }
        let fl = followers.get(&a.id);
        let (veto_problems, other_problems) =
            problems_per_account.get(&a.id).copied().unwrap_or_default();
        accounts.push(AccountMetrics {
            account_id: a.id,
            name: a.spec.display_name.clone(),
            platform: a.spec.platform,
            platform_id: a.spec.platform_id.clone(),
            region: a.spec.region.clone(),
            owner_unit: a.spec.owner_unit.clone(),
            status: a.spec.status,
            assessment,
            supervised_days,
            answered_days,
            coverage,
            attempts: o.map_or(0, |o| o.attempts),
            failure_summary,
            posts: p.map_or(0, |p| p.posts),
            originals: p.map_or(0, |p| p.originals),
            active_days: p.map_or(0, |p| p.active_days),
            longest_silence_secs: longest_silence_ms / 1000,
            per_month: p.map_or([0; 3], |p| p.per_month),
            reposts: repost_stats(a),
            comments_closed_share: p
                .filter(|p| p.comments_known > 0)
                .map(|p| p.comments_closed as f64 / p.comments_known as f64),
            interactions_reposts: p.map_or(0, |p| p.reposts),
            interactions_comments: p.map_or(0, |p| p.comments),
            interactions_likes: p.map_or(0, |p| p.likes),
            followers_start: fl.map(|f| f.first),
            followers_end: fl.map(|f| f.last),
            veto_problems,
            other_problems,
            undecided_veto,
        });
    }
    let metrics: HashMap<i64, &AccountMetrics> =
        accounts.iter().map(|m| (m.account_id, m)).collect();

    // ---- tallies ----
    let mut total = Tally::default();
    let mut by_platform: BTreeMap<Platform, Tally> = BTreeMap::new();
    let mut by_region: BTreeMap<(bool, String), Tally> = BTreeMap::new();
    for m in &accounts {
        total.add(m);
        by_platform.entry(m.platform).or_default().add(m);
        let key = match &m.region {
            Some(r) => (false, r.clone()),
            None => (true, "未填写地区".to_string()),
        };
        by_region.entry(key).or_default().add(m);
    }
    let by_region: Vec<(String, Tally)> = by_region.into_iter().map(|((_, r), t)| (r, t)).collect();
    let mut best: Vec<&(String, Tally)> = by_region
        .iter()
        .filter(|(_, t)| t.checked > 0 && t.failed == 0)
        .collect();
    best.sort_by(|a, b| b.1.checked.cmp(&a.1.checked).then_with(|| a.0.cmp(&b.0)));
    let best_regions = if by_region.len() > 1 {
        best.into_iter().map(|(r, _)| r.clone()).collect()
    } else {
        Vec::new()
    };

    // ---- problem lines, in the order of the scope (region, platform, name) ----
    let order: HashMap<i64, usize> = scope.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
    hits.sort_by(|a, b| {
        let (fa, fb) = (a.finding, b.finding);
        (
            order[&fa.account_id],
            fa.rule.gravity() != Gravity::Veto,
            fa.rule,
            fa.first_seen_at_ms,
            fa.id,
        )
            .cmp(&(
                order[&fb.account_id],
                fb.rule.gravity() != Gravity::Veto,
                fb.rule,
                fb.first_seen_at_ms,
                fb.id,
            ))
    });
    // One line per account and problem category: a silent account that
    // missed eleven key items is one repost line with its count, not eleven.
    let mut problems = Vec::with_capacity(hits.len());
    for group in hits.chunk_by(|a, b| {
        (a.finding.account_id, a.finding.rule) == (b.finding.account_id, b.finding.rule)
    }) {
        let mut periods: Vec<(&StoredFinding, &OpenPeriod<'_>)> = group
            .iter()
            .flat_map(|h| counted(&h.periods, from, to).into_iter().map(move |p| (h.finding, p)))
            .collect();
        periods.sort_by_key(|(f, p)| (p.start.at_ms, f.id));
        let (f, latest) = *periods.last().expect("a hit has a counted period");
        let m = metrics[&f.account_id];
        let evidence: Vec<Evidence> = serde_json::from_str(&latest.start.evidence_json)
            .unwrap_or_else(|_| f.evidence.clone());
        // Each subject's standing at the cut-off, from its last period; the
        // line is only as far along as its least advanced subject.
        let standing = |p: &OpenPeriod<'_>| match p.end {
            Some(e) if e.at_ms < to && e.to_state == "recorded" => Rectification::Recorded { at_ms: e.at_ms },
            Some(e) if e.at_ms < to && e.to_state == "closed" => Rectification::Handled { at_ms: e.at_ms },
            Some(e) if e.at_ms < to => Rectification::Rectified { at_ms: e.at_ms },
            _ if p.rectifying_at(to) => Rectification::InProgress,
            _ => Rectification::NotRectified,
        };
        let standings: Vec<Rectification> = group
            .iter()
            .filter_map(|h| counted(&h.periods, from, to).last().map(|p| standing(p)))
            .collect();
        let last_end = |pick: fn(&Rectification) -> Option<i64>| standings.iter().filter_map(pick).max();
        let rectification = if standings.contains(&Rectification::NotRectified) {
            Rectification::NotRectified
        } else if standings.contains(&Rectification::InProgress) {
            Rectification::InProgress
        } else if standings.iter().all(|r| matches!(r, Rectification::Recorded { .. })) {
            Rectification::Recorded {
                at_ms: last_end(|r| match r {
                    Rectification::Recorded { at_ms } => Some(*at_ms),
                    _ => None,
                })
                .unwrap_or(latest.start.at_ms),
            }
        } else if standings.iter().all(|r| matches!(r, Rectification::Handled { .. })) {
            Rectification::Handled {
                at_ms: last_end(|r| match r {
                    Rectification::Handled { at_ms } => Some(*at_ms),
                    _ => None,
                })
                .unwrap_or(latest.start.at_ms),
            }
        } else {
            Rectification::Rectified {
                at_ms: last_end(|r| match r {
                    Rectification::Rectified { at_ms }
                    | Rectification::Recorded { at_ms }
                    | Rectification::Handled { at_ms } => Some(*at_ms),
                    _ => None,
                })
                .unwrap_or(latest.start.at_ms),
            }
        };
        problems.push(ProblemLine {
            seq: problems.len() + 1,
            finding_id: f.id,
            account_id: f.account_id,
            region_unit: m.region_unit(),
            account_name: m.name.clone(),
            platform: m.platform,
            rule: f.rule,
            gravity: f.rule.gravity(),
            description: latest.start.summary_zh.clone(),
            citation: f.citation_display(),
            found_at_ms: periods[0].1.start.at_ms,
            last_found_at_ms: latest.start.at_ms,
            rectification,
            occurrences: periods.len(),
            repeated: previous_pairs.contains(&(f.account_id, f.rule)),
            assessment: m.assessment,
            evidence,
        });
    }

    // An impostor or an unregistered account is a third party's account:
    // listed on its own (附件3) for the office to verify and report, never as
    // the problem of the unit it imitates.
    let (third_party, problems): (Vec<ProblemLine>, Vec<ProblemLine>) =
        problems.into_iter().partition(|p| p.rule.kind() == crate::rules::FindingKind::ThirdParty);
    let renumber = |mut v: Vec<ProblemLine>| {
        for (i, p) in v.iter_mut().enumerate() {
            p.seq = i + 1;
        }
        v
    };
    let (third_party, problems) = (renumber(third_party), renumber(problems));

    // ---- categories ----
    let problem_account_ids: BTreeSet<i64> = problems.iter().map(|p| p.account_id).collect();
    let problem_accounts = problem_account_ids.len() as u64;
    let mut per_rule: BTreeMap<(bool, RuleId), Vec<i64>> = BTreeMap::new();
    for p in &problems {
        let v = per_rule
            .entry((p.gravity != Gravity::Veto, p.rule))
            .or_default();
        if !v.contains(&p.account_id) {
            v.push(p.account_id);
        }
    }
    let categories = per_rule
        .into_iter()
        .map(|((_, rule), ids)| CategoryStat {
            rule,
            name: rule.display_name(),
            gravity: rule.gravity(),
            share: ids.len() as f64 / problem_accounts.max(1) as f64,
            accounts: ids.iter().map(|id| metrics[id].named()).collect(),
        })
        .collect();

    // ---- the previous quarter ----
    let prev_accounts: BTreeSet<i64> = previous_pairs.iter().map(|(a, _)| *a).collect();
    let mut persisting_ids: BTreeSet<i64> = BTreeSet::new();
    for p in &problems {
        if p.repeated {
            persisting_ids.insert(p.account_id);
        }
    }
    let mut persisting: Vec<(usize, String)> = persisting_ids
        .iter()
        .map(|id| (order[id], metrics[id].named()))
        .collect();
    persisting.sort();
    let previous = PreviousComparison {
        quarter: Some(prev),
        problem_accounts: prev_accounts.len() as u64,
        rectified_accounts: prev_accounts
            .iter()
            .filter(|a| !persisting_ids.contains(a))
            .count() as u64,
        persisting: persisting.into_iter().map(|(_, n)| n).collect(),
    };

    let issued_on = req.issued_on(opt.calendar)?;
    let rectification_deadline = opt
        .calendar
        .nth_workday_after(issued_on, opt.rectification_workdays.max(1))?;
    let monthly_posts = q
        .months()
        .iter()
        .zip(monthly)
        .map(|((y, m), n)| (format!("{y}-{m:02}"), n))
        .collect();
    Ok(QuarterReport {
        quarter: q,
        region: req.region.clone(),
        office_name: opt.office_name.to_string(),
        rule_profile: opt.rules.profile.code().to_string(),
        period_from: first_day,
        period_to: last_day,
        as_of_ms: to,
        partial: to < q.end_ms(),
        issued_on,
        rectification_deadline,
        min_coverage: opt.min_coverage,
        total,
        by_platform: by_platform.into_iter().collect(),
        by_region,
        best_regions,
        categories,
        problem_accounts,
        problems,
        third_party,
        accounts,
        monthly_posts,
        previous,
        change: None,
        console_url: None,
    })
}

/// [`assemble`], and the previous quarter assembled from the same registry
/// and findings with its own observations and rule decisions
/// (`previous_observations`, `previous_decided`), compared in
/// [`QuarterReport::change`].
pub fn assemble_with_change(
    mut inputs: ReportInputs,
    req: &QuarterRequest,
    opt: &AssembleOptions<'_>,
) -> Result<QuarterReport, ReportError> {
    let mut report = assemble(&inputs, req, opt)?;
    // The assessment of the previous quarter needs the registry, the
    // findings, the coverage and the rule decisions; posts, followers and
    // reposts only make metrics that are not compared.
    inputs.observations = std::mem::take(&mut inputs.previous_observations);
    inputs.decided = std::mem::take(&mut inputs.previous_decided);
    inputs.posts.clear();
    inputs.followers.clear();
    inputs.source_posts.clear();
    inputs.reposts.clear();
    let prev_req = QuarterRequest {
        quarter: req.quarter.previous(),
        region: req.region.clone(),
        as_of_ms: None,
        // Not printed; given so the calendar is asked about the same days.
        issued_on: Some(report.issued_on),
    };
    let previous = assemble(&inputs, &prev_req, opt)?;
    report.change = Some(QuarterChange::between(&previous, &report));
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: i64, at: i64, kind: &str, to: &str) -> ReportEvent {
        ReportEvent {
            id,
            finding_id: 1,
            at_ms: at,
            kind: kind.into(),
            to_state: to.into(),
            summary_zh: String::new(),
            evidence_json: "[]".into(),
            measured_json: "{}".into(),
        }
    }

    /// An impostor is the office's to verify and report, never "未整改" of
    /// the unit it imitates; the platform removing it ends it (已消除).
    #[test]
    fn third_party_lines_are_not_the_units_to_rectify() {
        let at = Utc.with_ymd_and_hms(2026, 8, 3, 2, 0, 0).unwrap().timestamp_millis();
        let mut line = ProblemLine {
            seq: 1,
            finding_id: 6,
            account_id: 1,
            region_unit: "宝鸡市".into(),
            account_name: "宝鸡发布".into(),
            platform: Platform::Weibo,
            rule: RuleId::Impostor,
            gravity: Gravity::Deduction,
            description: String::new(),
            citation: String::new(),
            found_at_ms: at,
            last_found_at_ms: at,
            rectification: Rectification::NotRectified,
            occurrences: 1,
            repeated: false,
            assessment: Assessment::Passed,
            evidence: Vec::new(),
        };
        assert_eq!(line.rectification_zh(), "待公开办核实处置");
        line.rectification = Rectification::Rectified { at_ms: at };
        assert_eq!(line.rectification_zh(), "已消除（2026-08-03）");
        line.rule = RuleId::Zombie;
        assert_eq!(line.rectification_zh(), "已整改（2026-08-03）");
        line.rectification = Rectification::NotRectified;
        assert_eq!(line.rectification_zh(), "未整改");
    }

    #[test]
    fn open_periods_replay_the_lifecycle() {
        let evs = [
            ev(1, 10, "warned", "warning"),
            ev(2, 20, "escalated", "open"),
            ev(3, 30, "resolved", "resolved"),
            ev(4, 40, "reopened", "open"),
            ev(5, 50, "dismissed", "dismissed"),
            ev(6, 60, "cleared", "resolved"),
            ev(7, 70, "reopened", "open"),
        ];
        let refs: Vec<&ReportEvent> = evs.iter().collect();
        let p = open_periods(&refs);
        assert_eq!(p.len(), 3);
        assert_eq!(
            (p[0].start.at_ms, p[0].end.map(|e| e.at_ms)),
            (20, Some(30))
        );
        assert!(p[1].dismissed());
        assert_eq!((p[2].start.at_ms, p[2].end.map(|e| e.at_ms)), (70, None));
        // [0, 25): only the first; [31, 39): none (between periods); [35,
        // 45): the second is dismissed and does not count.
        assert_eq!(counted(&p, 0, 25).len(), 1);
        assert_eq!(counted(&p, 31, 39).len(), 0);
        assert_eq!(counted(&p, 35, 45).len(), 0);
        assert_eq!(counted(&p, 65, 80).len(), 1);
        // Ending exactly at the window's start is not an overlap.
        assert_eq!(counted(&p, 30, 35).len(), 0);
    }

    #[test]
    fn a_recorded_event_is_one_point_and_a_declaration_is_still_open() {
        let evs = [ev(1, 10, "opened", "recorded"), ev(2, 20, "cleared", "resolved")];
        let refs: Vec<&ReportEvent> = evs.iter().collect();
        let p = open_periods(&refs);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].end.map(|e| e.at_ms), Some(10));
        assert_eq!(counted(&p, 10, 11).len(), 1, "a record at the window's start counts");
        assert_eq!(counted(&p, 11, 30).len(), 0, "and only once");
        let evs = [
            ev(1, 10, "opened", "open"),
            ev(2, 20, "rectify_declared", "rectifying"),
            ev(3, 30, "rectify_rejected", "open"),
            ev(4, 40, "rectify_declared", "rectifying"),
            ev(5, 50, "rectify_confirmed", "resolved"),
        ];
        let refs: Vec<&ReportEvent> = evs.iter().collect();
        let p = open_periods(&refs);
        assert_eq!(p.len(), 1, "a rejected declaration does not start a new period");
        assert_eq!(p[0].end.map(|e| e.at_ms), Some(50));
        assert!(p[0].rectifying_at(25) && !p[0].rectifying_at(35) && p[0].rectifying_at(45));
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5, 1, 3]), Some(3));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
    }
}
