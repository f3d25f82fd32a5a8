//! The findings lifecycle: each evaluation's findings are folded into one row
//! per fingerprint; every change of state is an event, and the notices that
//! an event causes are written in the same transaction. A crash therefore
//! either loses the whole evaluation (it runs again) or keeps the event and
//! its notices together — never one without the other.

use super::notices::{NewNotice, insert_notice};
use super::{Result, StoreError, get_i64, get_opt_i64, get_opt_string, get_string};
use crate::rules::{Evidence, Finding, FindingKind, RuleId, Verdict};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use std::collections::BTreeMap;

/// A declared rectification's re-check is decided within the hour: the
/// unit is waiting for the answer.
const RECHECK_SLACK_MS: i64 = 3_600_000;

/// Where a finding stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingState {
    /// Compliant, but close to the limit (early warning).
    Warning,
    /// A violation, not yet rectified.
    Open,
    /// Was a warning or violation; the latest successful check passed.
    Resolved,
    /// An operator said it is not a problem (e.g. an impostor candidate that
    /// is a unit's own staff account). Stays quiet until a check passes.
    Dismissed,
    /// An event finding (a late repost, a notice taken down early): it
    /// happened and cannot be undone, so it is recorded once and final —
    /// never chased as 未整改, never "resolved" by a later pass.
    Recorded,
    /// A state finding the unit declared fixed (整改说明); the next
    /// successful check confirms it (→ resolved) or rejects it (→ open).
    Rectifying,
    /// A third-party finding the office marked (已举报 / 已核实非假冒 /
    /// 已纳入台账): final, nothing more is sent about it.
    Closed,
}

impl FindingState {
    pub const ALL: [FindingState; 7] = [
        FindingState::Warning,
        FindingState::Open,
        FindingState::Resolved,
        FindingState::Dismissed,
        FindingState::Recorded,
        FindingState::Rectifying,
        FindingState::Closed,
    ];
    pub fn code(self) -> &'static str {
        match self {
            FindingState::Warning => "warning",
            FindingState::Open => "open",
            FindingState::Resolved => "resolved",
            FindingState::Dismissed => "dismissed",
            FindingState::Recorded => "recorded",
            FindingState::Rectifying => "rectifying",
            FindingState::Closed => "closed",
        }
    }
    pub fn from_code(s: &str) -> Option<FindingState> {
        FindingState::ALL.into_iter().find(|k| k.code() == s)
    }
    /// 预警 / 违规 / 已整改 / 已忽略 / 已记录 / 整改中 / 已处置
    pub fn display_zh(self) -> &'static str {
        match self {
            FindingState::Warning => "预警",
            FindingState::Open => "违规",
            FindingState::Resolved => "已整改",
            FindingState::Dismissed => "已忽略",
            FindingState::Recorded => "已记录",
            FindingState::Rectifying => "整改中",
            FindingState::Closed => "已处置",
        }
    }
}

/// What happened to a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// New early warning.
    Warned,
    /// New violation.
    Opened,
    /// A warning became a violation.
    Escalated,
    /// A resolved finding is violated again.
    Reopened,
    /// A violation ended (the account was rectified).
    Resolved,
    /// A warning (or a dismissed finding) ended; nothing to rectify.
    Cleared,
    /// An operator dismissed it.
    Dismissed,
    /// An open event finding became a record (only the 0009 upgrade writes
    /// it: new event findings are recorded when they open).
    Recorded,
    /// The unit declared a state finding fixed (整改说明).
    RectifyDeclared,
    /// The next successful check after a declaration passed (整改已确认).
    RectifyConfirmed,
    /// The next successful check after a declaration still saw the problem
    /// (整改未通过): back to open, and the unit is told.
    RectifyRejected,
    /// The office marked a third-party finding (已举报 / 已核实非假冒 / 已纳入台账).
    Marked,
}

impl EventKind {
    pub const ALL: [EventKind; 12] = [
        EventKind::Warned,
        EventKind::Opened,
        EventKind::Escalated,
        EventKind::Reopened,
        EventKind::Resolved,
        EventKind::Cleared,
        EventKind::Dismissed,
        EventKind::Recorded,
        EventKind::RectifyDeclared,
        EventKind::RectifyConfirmed,
        EventKind::RectifyRejected,
        EventKind::Marked,
    ];
    pub fn code(self) -> &'static str {
        match self {
            EventKind::Warned => "warned",
            EventKind::Opened => "opened",
            EventKind::Escalated => "escalated",
            EventKind::Reopened => "reopened",
            EventKind::Resolved => "resolved",
            EventKind::Cleared => "cleared",
            EventKind::Dismissed => "dismissed",
            EventKind::Recorded => "recorded",
            EventKind::RectifyDeclared => "rectify_declared",
            EventKind::RectifyConfirmed => "rectify_confirmed",
            EventKind::RectifyRejected => "rectify_rejected",
            EventKind::Marked => "marked",
        }
    }
    pub fn from_code(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.code() == s)
    }
    /// Whether the office should hear of it: new problems, worse problems,
    /// and the end of a violation — including the check's answer to a
    /// declared rectification. Quiet ends of warnings and operator actions
    /// are not news.
    pub fn is_notifiable(self) -> bool {
        matches!(
            self,
            EventKind::Warned
                | EventKind::Opened
                | EventKind::Escalated
                | EventKind::Reopened
                | EventKind::Resolved
                | EventKind::RectifyConfirmed
                | EventKind::RectifyRejected
        )
    }
}

/// How the office ended a third-party finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThirdPartyMark {
    /// 已举报: reported to the platform.
    Reported,
    /// 已核实非假冒: checked, not an impostor.
    NotImpostor,
    /// 已纳入台账: the account was added to the registry.
    Registered,
}

impl ThirdPartyMark {
    pub const ALL: [ThirdPartyMark; 3] = [ThirdPartyMark::Reported, ThirdPartyMark::NotImpostor, ThirdPartyMark::Registered];
    pub fn code(self) -> &'static str {
        match self {
            ThirdPartyMark::Reported => "reported",
            ThirdPartyMark::NotImpostor => "not_impostor",
            ThirdPartyMark::Registered => "registered",
        }
    }
    /// Accepts the stored code and the command line's spelling (`not-impostor`).
    pub fn from_code(s: &str) -> Option<ThirdPartyMark> {
        let s = s.trim().replace('-', "_");
        ThirdPartyMark::ALL.into_iter().find(|m| m.code() == s)
    }
    pub fn display_zh(self) -> &'static str {
        match self {
            ThirdPartyMark::Reported => "已举报",
            ThirdPartyMark::NotImpostor => "已核实非假冒",
            ThirdPartyMark::Registered => "已纳入台账",
        }
    }
}

/// A change of state produced by [`Store::record_evaluation`], handed to the
/// notice planner inside the transaction.
#[derive(Debug, Clone)]
pub struct FindingTransition {
    pub event_id: i64,
    pub finding_id: i64,
    pub kind: EventKind,
    pub from: Option<FindingState>,
    pub to: FindingState,
    pub at_ms: i64,
    pub first_seen_at_ms: i64,
    /// The evaluation that caused it.
    pub finding: Finding,
}

/// A finding as stored (latest state).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredFinding {
    pub id: i64,
    pub fingerprint: String,
    pub rule: RuleId,
    pub account_id: i64,
    pub subject: String,
    pub state: FindingState,
    pub state_since_ms: i64,
    /// pass | warning | violation | not_checked
    pub last_verdict: String,
    pub not_checked_reason: Option<String>,
    pub summary_zh: String,
    pub citation_document: String,
    pub citation_number: Option<String>,
    pub citation_article: String,
    pub citation_basis: crate::rules::CitationBasis,
    pub evidence: Vec<Evidence>,
    pub measured: serde_json::Map<String, serde_json::Value>,
    pub first_seen_at_ms: i64,
    pub last_seen_at_ms: i64,
    pub last_evaluated_at_ms: i64,
    pub resolved_at_ms: Option<i64>,
    pub dismissed_reason: Option<String>,
    pub dismissed_by: Option<String>,
    /// The unit's latest declaration that it fixed the problem.
    pub rectify_note: Option<String>,
    pub rectify_link: Option<String>,
    pub rectify_by: Option<String>,
    pub rectify_at_ms: Option<i64>,
    /// `confirmed` | `rejected`, once a successful check answered it.
    pub rectify_outcome: Option<String>,
    pub rectify_outcome_at_ms: Option<i64>,
    /// The office's mark on a third-party finding.
    pub mark: Option<ThirdPartyMark>,
    pub mark_note: Option<String>,
    pub marked_by: Option<String>,
    pub marked_at_ms: Option<i64>,
}

impl StoredFinding {
    pub fn kind(&self) -> FindingKind {
        self.rule.kind()
    }

    /// 已确认 / 未通过 / 待下次检查确认, for a declared rectification.
    pub fn rectify_outcome_zh(&self) -> Option<&'static str> {
        self.rectify_at_ms?;
        Some(match self.rectify_outcome.as_deref() {
            Some("confirmed") => "整改已确认",
            Some("rejected") => "整改未通过",
            _ => "待下次检查确认",
        })
    }

    /// 《文件》（文号）条款, 参照《文件》条款的要求, or the office's text.
    pub fn citation_display(&self) -> String {
        crate::rules::citation_display(
            &self.citation_document,
            self.citation_number.as_deref(),
            &self.citation_article,
            self.citation_basis,
        )
    }
}

/// One stored change of state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingEvent {
    pub id: i64,
    pub finding_id: i64,
    pub at_ms: i64,
    pub kind: EventKind,
    pub from_state: Option<FindingState>,
    pub to_state: FindingState,
    pub verdict: String,
    pub summary_zh: String,
    pub evidence: Vec<Evidence>,
    pub measured: serde_json::Map<String, serde_json::Value>,
    pub actor: Option<String>,
    pub note: Option<String>,
    pub link: Option<String>,
}

/// Which findings to list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    /// Empty = every state.
    pub states: Vec<FindingState>,
    pub rule: Option<RuleId>,
    pub account_id: Option<i64>,
}

/// One account's coverage of one rule on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverageDay {
    pub account_id: i64,
    pub rule: RuleId,
    /// YYYY-MM-DD in Asia/Shanghai.
    pub day: String,
    pub checked: i64,
    pub not_checked: i64,
    pub last_reason: Option<String>,
    pub last_at_ms: i64,
}

/// The planner turns a transition into the notices it causes (recipients,
/// urgency, due time). It runs inside the transaction, so it must be pure.
pub type NoticePlanner<'a> = dyn Fn(&FindingTransition) -> Vec<NewNotice> + Send + Sync + 'a;

pub(super) const FINDING_COLUMNS: &str = "id, fingerprint, rule, account_id, subject, state, state_since_ms, last_verdict, \
     not_checked_reason, summary_zh, citation_document, citation_number, citation_article, citation_basis, \
     evidence_json, measured_json, first_seen_at_ms, last_seen_at_ms, last_evaluated_at_ms, resolved_at_ms, \
     dismissed_reason, dismissed_by, rectify_note, rectify_link, rectify_by, rectify_at_ms, rectify_outcome, rectify_outcome_at_ms, \
     mark, mark_note, marked_by, marked_at_ms";

const EVENT_COLUMNS: &str = "id, finding_id, at_ms, kind, from_state, to_state, verdict, summary_zh, evidence_json, \
     measured_json, actor, note, link";

/// Notes that a finding cites these captures, in the transaction that
/// writes the finding: retention keeps a cited body for
/// `finding_evidence_years` after its last citation (see `prune_evidence`).
/// Called wherever `evidence_json` is written; a dismissal copies evidence
/// already cited.
async fn cite_evidence(tx: &mut sqlx::Transaction<'_, sqlx::Any>, evidence: &[Evidence], now_ms: i64) -> Result<()> {
    for sha in evidence.iter().filter_map(|e| e.sha256.as_deref()) {
        sqlx::query(
            "INSERT INTO finding_evidence (sha256, last_cited_at_ms) VALUES ($1, $2) ON CONFLICT (sha256) \
             DO UPDATE SET last_cited_at_ms = CASE WHEN excluded.last_cited_at_ms > finding_evidence.last_cited_at_ms \
             THEN excluded.last_cited_at_ms ELSE finding_evidence.last_cited_at_ms END",
        )
        .bind(sha)
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn bad(column: &'static str, value: String) -> StoreError {
    StoreError::BadValue { column, value }
}

pub(super) fn finding_from_row(r: &AnyRow) -> Result<StoredFinding> {
    let rule = get_string(r, "rule")?;
    let state = get_string(r, "state")?;
    let evidence = get_string(r, "evidence_json")?;
    let measured = get_string(r, "measured_json")?;
    Ok(StoredFinding {
        id: get_i64(r, "id")?,
        fingerprint: get_string(r, "fingerprint")?,
        rule: RuleId::from_code(&rule).ok_or_else(|| bad("findings.rule", rule.clone()))?,
        account_id: get_i64(r, "account_id")?,
        subject: get_string(r, "subject")?,
        state: FindingState::from_code(&state).ok_or_else(|| bad("findings.state", state.clone()))?,
        state_since_ms: get_i64(r, "state_since_ms")?,
        last_verdict: get_string(r, "last_verdict")?,
        not_checked_reason: get_opt_string(r, "not_checked_reason")?,
        summary_zh: get_string(r, "summary_zh")?,
        citation_document: get_string(r, "citation_document")?,
        citation_number: get_opt_string(r, "citation_number")?,
        citation_article: get_string(r, "citation_article")?,
        citation_basis: crate::rules::CitationBasis::from_code(&get_string(r, "citation_basis")?),
        evidence: serde_json::from_str(&evidence).map_err(|_| bad("findings.evidence_json", evidence.clone()))?,
        measured: serde_json::from_str(&measured).map_err(|_| bad("findings.measured_json", measured.clone()))?,
        first_seen_at_ms: get_i64(r, "first_seen_at_ms")?,
        last_seen_at_ms: get_i64(r, "last_seen_at_ms")?,
        last_evaluated_at_ms: get_i64(r, "last_evaluated_at_ms")?,
        resolved_at_ms: get_opt_i64(r, "resolved_at_ms")?,
        dismissed_reason: get_opt_string(r, "dismissed_reason")?,
        dismissed_by: get_opt_string(r, "dismissed_by")?,
        rectify_note: get_opt_string(r, "rectify_note")?,
        rectify_link: get_opt_string(r, "rectify_link")?,
        rectify_by: get_opt_string(r, "rectify_by")?,
        rectify_at_ms: get_opt_i64(r, "rectify_at_ms")?,
        rectify_outcome: get_opt_string(r, "rectify_outcome")?,
        rectify_outcome_at_ms: get_opt_i64(r, "rectify_outcome_at_ms")?,
        mark: match get_opt_string(r, "mark")? {
            None => None,
            Some(m) => Some(ThirdPartyMark::from_code(&m).ok_or_else(|| bad("findings.mark", m.clone()))?),
        },
        mark_note: get_opt_string(r, "mark_note")?,
        marked_by: get_opt_string(r, "marked_by")?,
        marked_at_ms: get_opt_i64(r, "marked_at_ms")?,
    })
}

fn event_from_row(r: &AnyRow) -> Result<FindingEvent> {
    let kind = get_string(r, "kind")?;
    let from = get_opt_string(r, "from_state")?;
    let to = get_string(r, "to_state")?;
    let evidence = get_string(r, "evidence_json")?;
    let measured = get_string(r, "measured_json")?;
    Ok(FindingEvent {
        id: get_i64(r, "id")?,
        finding_id: get_i64(r, "finding_id")?,
        at_ms: get_i64(r, "at_ms")?,
        kind: EventKind::from_code(&kind).ok_or_else(|| bad("finding_events.kind", kind.clone()))?,
        from_state: match from {
            None => None,
            Some(s) => Some(FindingState::from_code(&s).ok_or_else(|| bad("finding_events.from_state", s.clone()))?),
        },
        to_state: FindingState::from_code(&to).ok_or_else(|| bad("finding_events.to_state", to.clone()))?,
        verdict: get_string(r, "verdict")?,
        summary_zh: get_string(r, "summary_zh")?,
        evidence: serde_json::from_str(&evidence).map_err(|_| bad("finding_events.evidence_json", evidence.clone()))?,
        measured: serde_json::from_str(&measured).map_err(|_| bad("finding_events.measured_json", measured.clone()))?,
        actor: get_opt_string(r, "actor")?,
        note: get_opt_string(r, "note")?,
        link: get_opt_string(r, "link")?,
    })
}

/// The lifecycle as a pure function: the finding's kind, the state before,
/// the verdict now → the event (if any) and the state after. `None` before
/// means no row yet.
pub fn next_state(kind: FindingKind, before: Option<FindingState>, verdict: &Verdict) -> Option<(EventKind, FindingState)> {
    use EventKind as E;
    use FindingState as S;
    // An event finding's violation is a record, not something to chase.
    let violated = if kind == FindingKind::Event { S::Recorded } else { S::Open };
    match (before, verdict) {
        // Could not check: nothing changes, ever (law 1).
        (_, Verdict::NotChecked { .. }) => None,
        // Final: an event happened once; a marked third-party finding is the
        // office's decision, whatever the platform shows later.
        (Some(S::Recorded | S::Closed), _) => None,

        (None, Verdict::Violation) => Some((E::Opened, violated)),
        (None, Verdict::Warning) => Some((E::Warned, S::Warning)),
        (None, Verdict::Pass) => None,

        (Some(S::Warning), Verdict::Violation) => Some((E::Escalated, violated)),
        (Some(S::Warning), Verdict::Warning) => None,
        (Some(S::Warning), Verdict::Pass) => Some((E::Cleared, S::Resolved)),

        (Some(S::Open), Verdict::Violation) => None,
        // Rectified, though near the limit again: the violation ended.
        (Some(S::Open), Verdict::Warning) => Some((E::Resolved, S::Warning)),
        (Some(S::Open), Verdict::Pass) => Some((E::Resolved, S::Resolved)),

        // The first successful check after the unit's declaration decides.
        (Some(S::Rectifying), Verdict::Violation) => Some((E::RectifyRejected, S::Open)),
        (Some(S::Rectifying), Verdict::Warning) => Some((E::RectifyConfirmed, S::Warning)),
        (Some(S::Rectifying), Verdict::Pass) => Some((E::RectifyConfirmed, S::Resolved)),

        (Some(S::Resolved), Verdict::Violation) if kind == FindingKind::Event => Some((E::Opened, violated)),
        (Some(S::Resolved), Verdict::Violation) => Some((E::Reopened, S::Open)),
        (Some(S::Resolved), Verdict::Warning) => Some((E::Warned, S::Warning)),
        (Some(S::Resolved), Verdict::Pass) => None,

        // Dismissed stays quiet while the problem persists; a pass ends the
        // dismissal so that a later, new violation is reported again.
        (Some(S::Dismissed), Verdict::Pass) => Some((E::Cleared, S::Resolved)),
        (Some(S::Dismissed), Verdict::Violation | Verdict::Warning) => None,
    }
}

/// When the data a verdict rests on was read: the rule's own
/// `checked_at_ms`, else its latest evidence.
fn seen_at_ms(f: &Finding) -> Option<i64> {
    f.measured
        .get("checked_at_ms")
        .and_then(serde_json::Value::as_i64)
        .or_else(|| f.evidence.iter().map(|e| e.at_ms).max())
}

fn day_of(ms: i64) -> String {
    use chrono::TimeZone;
    chrono::Utc
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Reads a finding inside a person's action. The no-op write comes first so
/// that the transaction holds the write lock (SQLite) or the row lock
/// (PostgreSQL) before it reads: a check folding in at the same moment
/// waits instead of changing the state under the decision.
async fn finding_in_tx(tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: i64) -> Result<StoredFinding> {
    sqlx::query("UPDATE findings SET state = state WHERE id = $1").bind(id).execute(&mut **tx).await?;
    let sql = format!("SELECT {FINDING_COLUMNS} FROM findings WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut **tx).await?;
    match row {
        Some(r) => finding_from_row(&r),
        None => Err(StoreError::NoSuchFinding(id.to_string())),
    }
}

/// The event of a person's action (dismissal, declaration, mark): who,
/// when, what, with the finding's latest summary and evidence. No notice:
/// people's actions are not news to the people who took them.
#[allow(clippy::too_many_arguments)]
async fn insert_action_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    f: &StoredFinding,
    kind: EventKind,
    to: FindingState,
    actor: &str,
    note: Option<&str>,
    link: Option<&str>,
    now_ms: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO finding_events (finding_id, at_ms, kind, from_state, to_state, verdict, summary_zh, \
         evidence_json, measured_json, actor, note, link) \
         SELECT id, $1, $2, $3, $4, last_verdict, summary_zh, evidence_json, measured_json, $5, $6, $7 \
         FROM findings WHERE id = $8",
    )
    .bind(now_ms)
    .bind(kind.code())
    .bind(f.state.code())
    .bind(to.code())
    .bind(actor)
    .bind(note)
    .bind(link)
    .bind(f.id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn cancel_pending_notices(tx: &mut sqlx::Transaction<'_, sqlx::Any>, finding_id: i64) -> Result<()> {
    sqlx::query("UPDATE notices SET state = 'cancelled' WHERE finding_id = $1 AND state = 'pending'")
        .bind(finding_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl super::Store {
    /// Folds one evaluation's findings into the lifecycle, records rule
    /// coverage, and writes the notices `planner` asks for — all in one
    /// transaction. Returns the transitions that happened.
    ///
    /// Findings whose fingerprint has no row and whose verdict is a pass or
    /// "not checked" leave no row (coverage still counts them).
    pub async fn record_evaluation(
        &self,
        findings: &[Finding],
        now_ms: i64,
        planner: &NoticePlanner<'_>,
    ) -> Result<Vec<FindingTransition>> {
        let mut tx = self.pool().begin().await?;
        // Coverage first: it is a write, so on SQLite this transaction takes
        // the write lock before it reads anything (no stale-snapshot upgrade).
        let day = day_of(now_ms);
        let mut coverage: BTreeMap<(i64, RuleId), (bool, Option<String>)> = BTreeMap::new();
        for f in findings {
            let e = coverage.entry((f.account_id, f.rule)).or_insert((false, None));
            match &f.verdict {
                Verdict::NotChecked { reason } => {
                    if e.1.is_none() {
                        e.1 = Some(reason.clone());
                    }
                }
                _ => e.0 = true,
            }
        }
        for ((account_id, rule), (checked, reason)) in &coverage {
            // A rule counts as checked for the account when any of its
            // subjects was checked.
            let (c, n) = if *checked { (1i64, 0i64) } else { (0, 1) };
            let reason = if *checked { None } else { reason.clone() };
            sqlx::query(
                "INSERT INTO rule_coverage (account_id, rule, day, checked, not_checked, last_reason, last_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account_id, rule, day) DO UPDATE SET \
                 checked = rule_coverage.checked + $4, not_checked = rule_coverage.not_checked + $5, \
                 last_reason = $6, last_at_ms = $7",
            )
            .bind(account_id)
            .bind(rule.code())
            .bind(&day)
            .bind(c)
            .bind(n)
            .bind(reason)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }

        let mut transitions = Vec::new();
        for f in findings {
            let fp = f.fingerprint();
            let sql = format!("SELECT {FINDING_COLUMNS} FROM findings WHERE fingerprint = $1");
            let existing = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&fp).fetch_optional(&mut *tx).await?;
            let existing = existing.as_ref().map(finding_from_row).transpose()?;
            let before = existing.as_ref().map(|e| e.state);
            let mut step = next_state(f.rule.kind(), before, &f.verdict);
            // A declaration is answered only by a look taken after it: a
            // rule may still judge from an older successful read (the last
            // one before a run of captchas), which says nothing about what
            // the unit did since.
            if let (Some(e), Some((EventKind::RectifyConfirmed | EventKind::RectifyRejected, _))) = (&existing, step)
                && e.rectify_at_ms.is_some_and(|declared| seen_at_ms(f).is_some_and(|seen| seen < declared))
            {
                step = None;
            }
            // A recorded event keeps the evidence it was recorded with, and a
            // closed third-party finding what the office decided on.
            let frozen = existing.as_ref().is_some_and(|e| matches!(e.state, FindingState::Recorded | FindingState::Closed));
            let problem = matches!(f.verdict, Verdict::Warning | Verdict::Violation) && !frozen;
            let not_checked_reason = match &f.verdict {
                Verdict::NotChecked { reason } => Some(reason.clone()),
                _ => None,
            };
            let evidence = serde_json::to_string(&f.evidence).expect("evidence serializes");
            let measured = serde_json::to_string(&f.measured).expect("map serializes");

            let (finding_id, first_seen) = match &existing {
                None => {
                    let Some((_, to)) = step else { continue };
                    let row = sqlx::query(
                        "INSERT INTO findings (fingerprint, rule, account_id, subject, state, state_since_ms, \
                         last_verdict, not_checked_reason, summary_zh, citation_document, citation_number, \
                         citation_article, evidence_json, measured_json, first_seen_at_ms, last_seen_at_ms, \
                         last_evaluated_at_ms, citation_basis) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $10, \
                         $11, $12, $13, $6, $6, $6, $14) RETURNING id",
                    )
                    .bind(&fp)
                    .bind(f.rule.code())
                    .bind(f.account_id)
                    .bind(&f.subject)
                    .bind(to.code())
                    .bind(now_ms)
                    .bind(f.verdict.code())
                    .bind(&f.summary_zh)
                    .bind(f.citation.document)
                    .bind(f.citation.number)
                    .bind(f.citation.article)
                    .bind(&evidence)
                    .bind(&measured)
                    .bind(f.citation.basis.code())
                    .fetch_one(&mut *tx)
                    .await?;
                    cite_evidence(&mut tx, &f.evidence, now_ms).await?;
                    (get_i64(&row, "id")?, now_ms)
                }
                Some(e) => {
                    let new_state = step.map(|(_, s)| s).unwrap_or(e.state);
                    let state_since = if step.is_some() { now_ms } else { e.state_since_ms };
                    let resolved_at = match step {
                        Some((_, FindingState::Resolved)) => Some(now_ms),
                        Some(_) => None,
                        None => e.resolved_at_ms,
                    };
                    // Leaving "dismissed" forgets the dismissal.
                    let keep_dismissal = new_state == FindingState::Dismissed;
                    let rectify_outcome = match step {
                        Some((EventKind::RectifyConfirmed, _)) => Some("confirmed"),
                        Some((EventKind::RectifyRejected, _)) => Some("rejected"),
                        _ => None,
                    };
                    // The row shows the latest problem (summary, evidence),
                    // or the pass that ended it.
                    let show_now = problem || step.is_some();
                    sqlx::query(
                        "UPDATE findings SET state = $1, state_since_ms = $2, last_verdict = $3, \
                         not_checked_reason = $4, last_evaluated_at_ms = $5, resolved_at_ms = $6, \
                         summary_zh = CASE WHEN $7 = 1 THEN $8 ELSE summary_zh END, \
                         evidence_json = CASE WHEN $7 = 1 THEN $9 ELSE evidence_json END, \
                         measured_json = CASE WHEN $7 = 1 THEN $10 ELSE measured_json END, \
                         last_seen_at_ms = CASE WHEN $11 = 1 THEN $5 ELSE last_seen_at_ms END, \
                         citation_document = $12, citation_number = $13, citation_article = $14, \
                         dismissed_reason = CASE WHEN $15 = 1 THEN dismissed_reason ELSE NULL END, \
                         dismissed_by = CASE WHEN $15 = 1 THEN dismissed_by ELSE NULL END, \
                         rectify_outcome = COALESCE($17, rectify_outcome), \
                         rectify_outcome_at_ms = CASE WHEN $17 IS NULL THEN rectify_outcome_at_ms ELSE $5 END, \
                         citation_basis = $18 WHERE id = $16",
                    )
                    .bind(new_state.code())
                    .bind(state_since)
                    .bind(f.verdict.code())
                    .bind(&not_checked_reason)
                    .bind(now_ms)
                    .bind(resolved_at)
                    .bind(i64::from(show_now))
                    .bind(&f.summary_zh)
                    .bind(&evidence)
                    .bind(&measured)
                    .bind(i64::from(problem))
                    .bind(f.citation.document)
                    .bind(f.citation.number)
                    .bind(f.citation.article)
                    .bind(i64::from(keep_dismissal))
                    .bind(e.id)
                    .bind(rectify_outcome)
                    .bind(f.citation.basis.code())
                    .execute(&mut *tx)
                    .await?;
                    if show_now {
                        cite_evidence(&mut tx, &f.evidence, now_ms).await?;
                    }
                    (e.id, e.first_seen_at_ms)
                }
            };

            let Some((kind, to)) = step else { continue };
            let row = sqlx::query(
                "INSERT INTO finding_events (finding_id, at_ms, kind, from_state, to_state, verdict, summary_zh, \
                 evidence_json, measured_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(finding_id)
            .bind(now_ms)
            .bind(kind.code())
            .bind(before.map(FindingState::code))
            .bind(to.code())
            .bind(f.verdict.code())
            .bind(&f.summary_zh)
            .bind(&evidence)
            .bind(&measured)
            .fetch_one(&mut *tx)
            .await?;
            let event_id = get_i64(&row, "id")?;
            let t = FindingTransition {
                event_id,
                finding_id,
                kind,
                from: before,
                to,
                at_ms: now_ms,
                first_seen_at_ms: first_seen,
                finding: f.clone(),
            };
            for mut n in planner(&t) {
                n.finding_id = Some(finding_id);
                n.event_id = Some(event_id);
                insert_notice(&mut tx, &n, now_ms).await?;
            }
            transitions.push(t);
        }
        tx.commit().await?;
        Ok(transitions)
    }

    /// Marks a finding as not a problem, with the reason and the named
    /// person who decided. A finding already dismissed is refused (the
    /// first dismissal, its person and reason stand).
    pub async fn dismiss_finding(&self, id: i64, reason: &str, actor: &str, now_ms: i64) -> Result<StoredFinding> {
        let mut tx = self.pool().begin().await?;
        let f = finding_in_tx(&mut tx, id).await?;
        if f.state == FindingState::Dismissed {
            return Err(StoreError::Refused(format!(
                "问题 #{id} 已于 {} 由 {} 忽略（理由：{}），不能重复忽略",
                crate::rules::fmt_local_ms(f.state_since_ms),
                f.dismissed_by.as_deref().unwrap_or("—"),
                f.dismissed_reason.as_deref().unwrap_or("—")
            )));
        }
        let updated = sqlx::query(
            "UPDATE findings SET state = 'dismissed', state_since_ms = $1, dismissed_reason = $2, dismissed_by = $3 \
             WHERE id = $4 AND state = $5",
        )
        .bind(now_ms)
        .bind(reason)
        .bind(actor)
        .bind(id)
        .bind(f.state.code())
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Refused(format!("问题 #{id} 的状态刚刚发生变化，请重新查看后再操作")));
        }
        insert_action_event(&mut tx, &f, EventKind::Dismissed, FindingState::Dismissed, actor, Some(reason), None, now_ms)
            .await?;
        // Notices not yet sent about a dismissed finding are withdrawn.
        cancel_pending_notices(&mut tx, id).await?;
        let f = finding_in_tx(&mut tx, id).await?;
        tx.commit().await?;
        Ok(f)
    }

    /// The unit declares a state finding fixed (整改说明, with an optional
    /// link). The finding waits in `rectifying` for the next successful
    /// check, which confirms or rejects the declaration
    /// ([`next_state`]). Only an open state finding can be declared fixed.
    pub async fn rectify_finding(
        &self,
        id: i64,
        actor: &str,
        note: &str,
        link: Option<&str>,
        now_ms: i64,
    ) -> Result<StoredFinding> {
        let mut tx = self.pool().begin().await?;
        let f = finding_in_tx(&mut tx, id).await?;
        match f.kind() {
            FindingKind::State => {}
            FindingKind::Event => {
                return Err(StoreError::Refused(format!(
                    "问题 #{id}（{}）是已经发生的事件，已记录在案，无法也无需申报整改",
                    f.rule.display_name()
                )));
            }
            FindingKind::ThirdParty => {
                return Err(StoreError::Refused(format!(
                    "问题 #{id}（{}）涉及第三方账号，不由主办单位整改；请公开办核实后用 findings mark 标记处置结果",
                    f.rule.display_name()
                )));
            }
        }
        if f.state != FindingState::Open {
            let why = match f.state {
                FindingState::Rectifying => format!(
                    "已于 {} 由 {} 申报整改，等待下次检查确认",
                    f.rectify_at_ms.map(crate::rules::fmt_local_ms).unwrap_or_default(),
                    f.rectify_by.as_deref().unwrap_or("—")
                ),
                FindingState::Warning => "目前只是预警，尚未违规，无需申报整改".to_string(),
                FindingState::Resolved => "已整改，无需申报".to_string(),
                FindingState::Dismissed => "已被忽略，无需申报整改".to_string(),
                other => format!("状态为“{}”，不能申报整改", other.display_zh()),
            };
            return Err(StoreError::Refused(format!("问题 #{id} {why}")));
        }
        let updated = sqlx::query(
            "UPDATE findings SET state = 'rectifying', state_since_ms = $1, rectify_note = $2, rectify_link = $3, \
             rectify_by = $4, rectify_at_ms = $1, rectify_outcome = NULL, rectify_outcome_at_ms = NULL \
             WHERE id = $5 AND state = 'open'",
        )
        .bind(now_ms)
        .bind(note)
        .bind(link)
        .bind(actor)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Refused(format!("问题 #{id} 的状态刚刚发生变化，请重新查看后再操作")));
        }
        insert_action_event(&mut tx, &f, EventKind::RectifyDeclared, FindingState::Rectifying, actor, Some(note), link, now_ms)
            .await?;
        // Reminders written before the declaration would ask for what the
        // unit says it has done; the check's answer is the next notice.
        sqlx::query("UPDATE notices SET state = 'cancelled' WHERE finding_id = $1 AND state = 'pending' AND kind = 'reminder'")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        // The unit wants to know whether its fix counts, and its account's
        // next routine look may be a day away: the account is checked now.
        // (A check already under way keeps its lease; an observation older
        // than the declaration never decides it: see `record_evaluation`.)
        sqlx::query(super::schedule::BRING_FORWARD)
            .bind(now_ms)
            .bind(now_ms + RECHECK_SLACK_MS)
            .bind("整改复查")
            .bind(f.account_id)
            .bind(super::CheckKind::Poll.code())
            .execute(&mut *tx)
            .await?;
        let f = finding_in_tx(&mut tx, id).await?;
        tx.commit().await?;
        Ok(f)
    }

    /// The office ends a third-party finding (impostor, unregistered) with
    /// its mark. Final: no later check reopens it and nothing more is sent.
    pub async fn mark_finding(
        &self,
        id: i64,
        mark: ThirdPartyMark,
        actor: &str,
        note: Option<&str>,
        now_ms: i64,
    ) -> Result<StoredFinding> {
        let mut tx = self.pool().begin().await?;
        let f = finding_in_tx(&mut tx, id).await?;
        if f.kind() != FindingKind::ThirdParty {
            return Err(StoreError::Refused(format!(
                "问题 #{id}（{}）不是第三方账号问题，不能标记为“{}”；只有疑似假冒账号、未备案政务账号可以标记",
                f.rule.display_name(),
                mark.display_zh()
            )));
        }
        if f.state == FindingState::Closed {
            return Err(StoreError::Refused(format!(
                "问题 #{id} 已于 {} 由 {} 标记为“{}”，不能重复标记",
                f.marked_at_ms.map(crate::rules::fmt_local_ms).unwrap_or_default(),
                f.marked_by.as_deref().unwrap_or("—"),
                f.mark.map(ThirdPartyMark::display_zh).unwrap_or("—")
            )));
        }
        let updated = sqlx::query(
            "UPDATE findings SET state = 'closed', state_since_ms = $1, mark = $2, mark_note = $3, marked_by = $4, \
             marked_at_ms = $1 WHERE id = $5 AND state = $6",
        )
        .bind(now_ms)
        .bind(mark.code())
        .bind(note)
        .bind(actor)
        .bind(id)
        .bind(f.state.code())
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Refused(format!("问题 #{id} 的状态刚刚发生变化，请重新查看后再操作")));
        }
        let what = match note {
            Some(n) => format!("{}：{n}", mark.display_zh()),
            None => mark.display_zh().to_string(),
        };
        insert_action_event(&mut tx, &f, EventKind::Marked, FindingState::Closed, actor, Some(&what), None, now_ms).await?;
        cancel_pending_notices(&mut tx, id).await?;
        let f = finding_in_tx(&mut tx, id).await?;
        tx.commit().await?;
        Ok(f)
    }

    pub async fn get_finding(&self, id: i64) -> Result<Option<StoredFinding>> {
        let sql = format!("SELECT {FINDING_COLUMNS} FROM findings WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(finding_from_row).transpose()
    }

    pub async fn find_finding(&self, fingerprint: &str) -> Result<Option<StoredFinding>> {
        let sql = format!("SELECT {FINDING_COLUMNS} FROM findings WHERE fingerprint = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(fingerprint).fetch_optional(self.pool()).await?;
        row.as_ref().map(finding_from_row).transpose()
    }

    /// Findings matching the filter, newest state change first.
    pub async fn list_findings(&self, filter: &FindingFilter) -> Result<Vec<StoredFinding>> {
        // Filtered in SQL: the daemon asks about one account per check.
        let mut conds: Vec<String> = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if filter.account_id.is_some() {
            conds.push(format!("account_id = {}", next()));
        }
        if filter.rule.is_some() {
            conds.push(format!("rule = {}", next()));
        }
        if !filter.states.is_empty() {
            let marks: Vec<String> = filter.states.iter().map(|_| next()).collect();
            conds.push(format!("state IN ({})", marks.join(", ")));
        }
        let sql = format!(
            "SELECT {FINDING_COLUMNS} FROM findings {} ORDER BY state_since_ms DESC, id DESC",
            if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) }
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(a) = filter.account_id {
            q = q.bind(a);
        }
        if let Some(r) = filter.rule {
            q = q.bind(r.code());
        }
        for st in &filter.states {
            q = q.bind(st.code());
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(finding_from_row).collect()
    }

    /// A finding's history, oldest first.
    pub async fn finding_events(&self, finding_id: i64) -> Result<Vec<FindingEvent>> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM finding_events WHERE finding_id = $1 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(finding_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Events in `[from_ms, to_ms)`, oldest first (digests, reports).
    pub async fn finding_events_between(&self, from_ms: i64, to_ms: i64) -> Result<Vec<FindingEvent>> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM finding_events WHERE at_ms >= $1 AND at_ms < $2 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Coverage rows of one account (or all when `None`) for days in
    /// `[from_day, to_day]` (YYYY-MM-DD).
    pub async fn rule_coverage(&self, account_id: Option<i64>, from_day: &str, to_day: &str) -> Result<Vec<CoverageDay>> {
        let rows = sqlx::query(
            "SELECT account_id, rule, day, checked, not_checked, last_reason, last_at_ms FROM rule_coverage \
             WHERE day >= $1 AND day <= $2 ORDER BY account_id, rule, day",
        )
        .bind(from_day)
        .bind(to_day)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let id = get_i64(r, "account_id")?;
            if account_id.is_some_and(|a| a != id) {
                continue;
            }
            let rule = get_string(r, "rule")?;
            out.push(CoverageDay {
                account_id: id,
                rule: RuleId::from_code(&rule).ok_or_else(|| bad("rule_coverage.rule", rule.clone()))?,
                day: get_string(r, "day")?,
                checked: get_i64(r, "checked")?,
                not_checked: get_i64(r, "not_checked")?,
                last_reason: get_opt_string(r, "last_reason")?,
                last_at_ms: get_i64(r, "last_at_ms")?,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [FindingKind; 3] = [FindingKind::State, FindingKind::Event, FindingKind::ThirdParty];

    #[test]
    fn not_checked_never_moves_a_finding() {
        let nc = Verdict::NotChecked { reason: "blocked".into() };
        for k in KINDS {
            for s in FindingState::ALL.map(Some).into_iter().chain([None]) {
                assert_eq!(next_state(k, s, &nc), None, "{k:?} {s:?}");
            }
        }
    }

    #[test]
    fn the_lifecycle_table() {
        use EventKind as E;
        use FindingState as S;
        let st = |b, v: &Verdict| next_state(FindingKind::State, b, v);
        assert_eq!(st(None, &Verdict::Warning), Some((E::Warned, S::Warning)));
        assert_eq!(st(Some(S::Warning), &Verdict::Violation), Some((E::Escalated, S::Open)));
        assert_eq!(st(Some(S::Open), &Verdict::Violation), None);
        assert_eq!(st(Some(S::Open), &Verdict::Pass), Some((E::Resolved, S::Resolved)));
        assert_eq!(st(Some(S::Resolved), &Verdict::Violation), Some((E::Reopened, S::Open)));
        assert_eq!(st(Some(S::Warning), &Verdict::Pass), Some((E::Cleared, S::Resolved)));
        assert_eq!(st(Some(S::Dismissed), &Verdict::Violation), None);
        assert_eq!(st(Some(S::Dismissed), &Verdict::Pass), Some((E::Cleared, S::Resolved)));
        assert_eq!(st(None, &Verdict::Pass), None);
        assert!(!E::Cleared.is_notifiable() && E::Resolved.is_notifiable() && !E::Dismissed.is_notifiable());
    }

    #[test]
    fn a_declared_rectification_waits_for_the_next_successful_check() {
        use EventKind as E;
        use FindingState as S;
        let st = |v: &Verdict| next_state(FindingKind::State, Some(S::Rectifying), v);
        assert_eq!(st(&Verdict::Violation), Some((E::RectifyRejected, S::Open)));
        assert_eq!(st(&Verdict::Pass), Some((E::RectifyConfirmed, S::Resolved)));
        assert_eq!(st(&Verdict::Warning), Some((E::RectifyConfirmed, S::Warning)));
        assert!(E::RectifyRejected.is_notifiable() && E::RectifyConfirmed.is_notifiable());
        assert!(!E::RectifyDeclared.is_notifiable() && !E::Marked.is_notifiable());
    }

    #[test]
    fn an_event_is_recorded_once_and_final() {
        use EventKind as E;
        use FindingState as S;
        let ev = |b, v: &Verdict| next_state(FindingKind::Event, b, v);
        assert_eq!(ev(None, &Verdict::Violation), Some((E::Opened, S::Recorded)));
        assert_eq!(ev(Some(S::Warning), &Verdict::Violation), Some((E::Escalated, S::Recorded)));
        // A warning (deadline near) that ends in time clears quietly.
        assert_eq!(ev(Some(S::Warning), &Verdict::Pass), Some((E::Cleared, S::Resolved)));
        for v in [Verdict::Pass, Verdict::Warning, Verdict::Violation] {
            assert_eq!(ev(Some(S::Recorded), &v), None, "{v:?}");
        }
    }

    #[test]
    fn a_marked_third_party_finding_is_final() {
        use FindingState as S;
        for v in [Verdict::Pass, Verdict::Warning, Verdict::Violation] {
            assert_eq!(next_state(FindingKind::ThirdParty, Some(S::Closed), &v), None, "{v:?}");
        }
        // Until marked, the platform showing the account gone ends it.
        assert_eq!(
            next_state(FindingKind::ThirdParty, Some(S::Open), &Verdict::Pass),
            Some((EventKind::Resolved, S::Resolved))
        );
    }

    #[test]
    fn codes_round_trip() {
        for s in FindingState::ALL {
            assert_eq!(FindingState::from_code(s.code()), Some(s));
        }
        for k in EventKind::ALL {
            assert_eq!(EventKind::from_code(k.code()), Some(k));
        }
        assert_eq!(ThirdPartyMark::from_code("not-impostor"), Some(ThirdPartyMark::NotImpostor));
        assert_eq!(ThirdPartyMark::from_code("nope"), None);
    }
}
