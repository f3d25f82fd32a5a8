//! `xunjian check` and `xunjian findings …`: evaluate the rules now, and
//! look after what they found.

use super::table::{out, outln};
use super::accounts::{resolve, shanghai};
use super::{CliError, CliResult, open_store, table};
use crate::check::{CheckScope, check_and_record, evaluate};
use crate::config::LoadedConfig;
use crate::rules::{Finding, RuleId, Verdict};
use crate::store::{EventKind, FindingFilter, FindingState, Store, StoreError, StoredFinding, ThirdPartyMark};
use anyhow::anyhow;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use std::collections::HashMap;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// 只检查这些账号：数据库 ID 或 平台:账号ID，可重复 (only these accounts; repeatable)
    #[arg(long = "account", value_name = "ACCOUNT")]
    accounts: Vec<String>,
    /// 只运行这些规则，可重复 (only these rules; repeatable): zombie, weekly_original, repost_delay, …
    #[arg(long = "rule", value_name = "RULE")]
    rules: Vec<String>,
    /// 以此时刻为“现在”评估（默认当前时间），如 2026-11-21T10:00:00+08:00 (evaluate as of this instant)
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// 只显示结果，不记录问题、不产生通知 (print only; record nothing, notify nobody)
    #[arg(long)]
    dry_run: bool,
    /// 也显示合格项 (also show passes)
    #[arg(long)]
    all: bool,
    /// 输出 JSON (print JSON)
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub enum FindingsCommand {
    /// 列出问题（默认：预警、违规和整改中）(list findings; default: warnings, open violations, rectifying)
    List {
        /// 状态：warning, open, rectifying, resolved, dismissed, recorded, closed, all（可重复）
        #[arg(long = "state", value_name = "STATE")]
        states: Vec<String>,
        /// 规则 (rule code)
        #[arg(long)]
        rule: Option<String>,
        /// 账号：数据库 ID 或 平台:账号ID
        #[arg(long)]
        account: Option<String>,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
    /// 查看一个问题：依据、证据、历史、通知 (show one finding with its evidence and history)
    Show {
        /// 问题编号 (finding id)
        id: i64,
    },
    /// 忽略一个问题（如误报），须说明理由 (dismiss a false positive, with a reason)
    Dismiss {
        /// 问题编号 (finding id)
        id: i64,
        /// 理由 (reason; required)
        #[arg(long)]
        reason: String,
        /// 决定忽略的人的姓名（必填）(the person who decided; required)
        #[arg(long)]
        by: String,
    },
    /// 主办单位申报已整改（状态类问题），下次检查确认或退回 (the unit declares a state finding fixed)
    Rectify {
        /// 问题编号 (finding id)
        id: i64,
        /// 申报人姓名（必填）(who declares; required)
        #[arg(long)]
        by: String,
        /// 整改说明（必填）(what was done; required)
        #[arg(long)]
        note: String,
        /// 整改情况链接（可选）(a link showing the fix)
        #[arg(long)]
        link: Option<String>,
    },
    /// 公开办处置第三方账号问题：reported（已举报）、not-impostor（已核实非假冒）、registered（已纳入台账）
    Mark {
        /// 问题编号 (finding id)
        id: i64,
        /// 处置结果：reported, not-impostor, registered
        mark: String,
        /// 处置人姓名（必填）(who; required)
        #[arg(long)]
        by: String,
        /// 说明（可选）
        #[arg(long)]
        note: Option<String>,
    },
}

/// A person's name for the record: not empty, not a login name left by
/// default. Actions on findings are signed by a named person.
fn person(by: &str) -> CliResult<String> {
    let by = by.trim();
    if by.is_empty() {
        return Err(CliError::invalid(anyhow!("请用 --by 填写操作人姓名")));
    }
    Ok(by.to_string())
}

/// A refusal from the store is the person's mistake (exit code 2), in its
/// own words; anything else is a failure.
fn refused(e: StoreError) -> CliError {
    match e {
        StoreError::Refused(_) | StoreError::NoSuchFinding(_) => CliError::invalid(anyhow!("{e}")),
        other => CliError::failure(other),
    }
}

fn parse_rule(s: &str) -> CliResult<RuleId> {
    RuleId::from_code(s.trim()).ok_or_else(|| {
        let known: Vec<&str> = RuleId::ALL.iter().map(|r| r.code()).collect();
        CliError::invalid(anyhow!("未知规则「{s}」(unknown rule); 可用 (known): {}", known.join(", ")))
    })
}

pub(crate) fn parse_at(at: Option<&str>) -> CliResult<DateTime<Utc>> {
    match at {
        None => Ok(super::now()),
        Some(s) => DateTime::parse_from_rfc3339(s.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| CliError::invalid(anyhow!("--at「{s}」不是 RFC 3339 时间，如 2026-11-21T10:00:00+08:00: {e}"))),
    }
}

pub async fn check(loaded: &LoadedConfig, args: CheckArgs) -> CliResult {
    let now = parse_at(args.at.as_deref())?;
    let rules_filter = if args.rules.is_empty() {
        None
    } else {
        Some(args.rules.iter().map(|r| parse_rule(r)).collect::<CliResult<Vec<_>>>()?)
    };
    let calendar = loaded.calendar().map_err(CliError::invalid)?;
    let rules = loaded.config.rules.resolve().map_err(CliError::invalid)?;
    let store = open_store(loaded).await?;
    let mut ids = Vec::new();
    for a in &args.accounts {
        ids.push(resolve(&store, a).await?.id);
    }
    let scope = CheckScope { account_ids: (!ids.is_empty()).then_some(ids), rules: rules_filter };
    let (findings, recorded) = if args.dry_run {
        (evaluate(&store, &rules, &calendar, now, &scope).await?, None)
    } else {
        let accounts: HashMap<i64, crate::accounts::Account> = store
            .list_accounts(&crate::store::AccountFilter { include_retired: true, ..Default::default() })
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let notify = &loaded.config.notify;
        let office = loaded.config.general.office_name.clone();
        let cal = &calendar;
        let planner = move |t: &crate::store::FindingTransition| match accounts.get(&t.finding.account_id) {
            Some(a) => crate::notify::plan_notices(notify, &office, cal, a, t),
            None => Vec::new(),
        };
        let out = check_and_record(&store, &rules, &calendar, now, &scope, &planner).await?;
        (out.findings, Some(out.transitions))
    };
    let names = account_names(&store).await?;
    if args.json {
        let shown: Vec<&Finding> = findings.iter().filter(|f| args.all || f.verdict != Verdict::Pass).collect();
        outln!("{}", serde_json::to_string_pretty(&shown)?);
    } else {
        print_check(&findings, &names, now, args.all);
        if let Some(t) = &recorded {
            outln!("记录 (recorded): {} 个状态变化 (state changes)", t.len());
            for t in t {
                outln!(
                    "  #{} {} → {}  {}",
                    t.finding_id,
                    t.from.map(|s| s.display_zh()).unwrap_or("新"),
                    t.to.display_zh(),
                    t.finding.fingerprint()
                );
            }
        } else {
            outln!("（--dry-run：未记录）");
        }
    }
    store.close().await;
    Ok(())
}

async fn account_names(store: &Store) -> CliResult<HashMap<i64, String>> {
    Ok(store
        .list_accounts(&crate::store::AccountFilter { include_retired: true, ..Default::default() })
        .await?
        .into_iter()
        .map(|a| (a.id, format!("{}（{}）", a.spec.display_name, a.spec.platform.display_name())))
        .collect())
}

fn verdict_zh(v: &Verdict) -> &'static str {
    match v {
        Verdict::Pass => "合格",
        Verdict::Warning => "预警",
        Verdict::Violation => "违规",
        Verdict::NotChecked { .. } => "未能检查",
    }
}

fn print_check(findings: &[Finding], names: &HashMap<i64, String>, now: DateTime<Utc>, all: bool) {
    outln!("检查时间 (as of): {}", crate::rules::fmt_local(now));
    let mut counts: HashMap<&'static str, usize> = HashMap::new();
    for f in findings {
        *counts.entry(verdict_zh(&f.verdict)).or_default() += 1;
    }
    let mut shown: Vec<&Finding> = findings.iter().filter(|f| all || f.verdict != Verdict::Pass).collect();
    // Violations first, then warnings, then what could not be checked.
    let rank = |v: &Verdict| match v {
        Verdict::Violation => 0,
        Verdict::Warning => 1,
        Verdict::NotChecked { .. } => 2,
        Verdict::Pass => 3,
    };
    shown.sort_by_key(|f| (rank(&f.verdict), f.account_id, f.rule, f.subject.clone()));
    for f in shown {
        let name = names.get(&f.account_id).cloned().unwrap_or_else(|| format!("#{}", f.account_id));
        outln!("\n[{}] {} — {}", verdict_zh(&f.verdict), name, f.rule.display_name());
        outln!("  {}", f.summary_zh);
        outln!("  依据: {}", f.citation);
        for e in &f.evidence {
            outln!(
                "  证据: {} {} {}{}",
                e.label,
                crate::rules::fmt_local(crate::rules::from_ms(e.at_ms)),
                e.url.as_deref().unwrap_or(""),
                e.sha256.as_deref().map(|h| format!(" sha256:{}", &h[..h.len().min(16)])).unwrap_or_default()
            );
        }
    }
    outln!(
        "\n合计 (total): 违规 {}  预警 {}  未能检查 {}  合格 {}",
        counts.get("违规").unwrap_or(&0),
        counts.get("预警").unwrap_or(&0),
        counts.get("未能检查").unwrap_or(&0),
        counts.get("合格").unwrap_or(&0)
    );
}

pub async fn run(loaded: &LoadedConfig, cmd: FindingsCommand) -> CliResult {
    let store = open_store(loaded).await?;
    let result = match cmd {
        FindingsCommand::List { states, rule, account, json } => {
            let mut filter = FindingFilter::default();
            for s in &states {
                if s == "all" {
                    filter.states = FindingState::ALL.to_vec();
                } else {
                    filter.states.push(FindingState::from_code(s.trim()).ok_or_else(|| {
                        CliError::invalid(anyhow!(
                            "未知状态「{s}」; 可用: warning, open, rectifying, resolved, dismissed, recorded, closed, all"
                        ))
                    })?);
                }
            }
            if filter.states.is_empty() {
                filter.states = vec![FindingState::Warning, FindingState::Open, FindingState::Rectifying];
            }
            filter.rule = rule.as_deref().map(parse_rule).transpose()?;
            if let Some(a) = &account {
                filter.account_id = Some(resolve(&store, a).await?.id);
            }
            let found = store.list_findings(&filter).await?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&found)?);
            } else {
                print_list(&found, &account_names(&store).await?);
            }
            Ok(())
        }
        FindingsCommand::Show { id } => show(&store, id).await,
        FindingsCommand::Dismiss { id, reason, by } => {
            if reason.trim().is_empty() {
                return Err(CliError::invalid(anyhow!("忽略问题须说明理由 (--reason must not be empty)")));
            }
            let by = person(&by)?;
            if store.get_finding(id).await?.is_none() {
                return Err(CliError::invalid(anyhow!("找不到问题 #{id} (no such finding)")));
            }
            match store.dismiss_finding(id, reason.trim(), &by, super::now().timestamp_millis()).await {
                Ok(f) => {
                    outln!("已忽略问题 #{} {}（{}）：{}", f.id, f.fingerprint, by, reason.trim());
                    Ok(())
                }
                Err(e) => Err(refused(e)),
            }
        }
        FindingsCommand::Rectify { id, by, note, link } => {
            let by = person(&by)?;
            if note.trim().is_empty() {
                return Err(CliError::invalid(anyhow!("请用 --note 填写整改说明")));
            }
            let link = link.as_deref().map(str::trim).filter(|l| !l.is_empty());
            match store.rectify_finding(id, &by, note.trim(), link, super::now().timestamp_millis()).await {
                Ok(f) => {
                    outln!(
                        "问题 #{} 已记录整改说明（{}）：{}；下次成功检查时确认或退回",
                        f.id,
                        by,
                        note.trim()
                    );
                    Ok(())
                }
                Err(e) => Err(refused(e)),
            }
        }
        FindingsCommand::Mark { id, mark, by, note } => {
            let by = person(&by)?;
            let Some(m) = ThirdPartyMark::from_code(&mark) else {
                return Err(CliError::invalid(anyhow!(
                    "未知处置结果「{mark}」；可用：reported（已举报）、not-impostor（已核实非假冒）、registered（已纳入台账）"
                )));
            };
            let note = note.as_deref().map(str::trim).filter(|n| !n.is_empty());
            match store.mark_finding(id, m, &by, note, super::now().timestamp_millis()).await {
                Ok(f) => {
                    outln!("问题 #{} 已标记为“{}”（{}），不再提醒", f.id, m.display_zh(), by);
                    Ok(())
                }
                Err(e) => Err(refused(e)),
            }
        }
    };
    store.close().await;
    result
}

fn print_list(found: &[StoredFinding], names: &HashMap<i64, String>) {
    if found.is_empty() {
        outln!("没有符合条件的问题 (no findings)");
        return;
    }
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|f| {
            vec![
                f.id.to_string(),
                f.state.display_zh().to_string(),
                f.rule.display_name().to_string(),
                names.get(&f.account_id).cloned().unwrap_or_else(|| format!("#{}", f.account_id)),
                shanghai(f.first_seen_at_ms),
                shanghai(f.state_since_ms),
                f.summary_zh.clone(),
            ]
        })
        .collect();
    out!("{}", table::render(&["编号", "状态", "问题", "账号", "首次发现", "状态起始", "说明"], &rows));
    outln!("共 {} 条 (total)", found.len());
}

async fn show(store: &Store, id: i64) -> CliResult {
    let Some(f) = store.get_finding(id).await? else {
        return Err(CliError::invalid(anyhow!("找不到问题 #{id} (no such finding)")));
    };
    let account = store.get_account(f.account_id).await?;
    outln!("问题 #{}  {}", f.id, f.fingerprint);
    if let Some(a) = &account {
        let s = &a.spec;
        outln!(
            "  账号        {}（{}，{}）",
            s.display_name,
            s.platform.display_name(),
            s.platform_id
        );
        outln!("  单位/地区   {} / {}", s.owner_unit.as_deref().unwrap_or("—"), s.region.as_deref().unwrap_or("—"));
    }
    outln!("  问题        {}", f.rule.display_name());
    outln!("  类型        {}", f.kind().display_zh());
    outln!("  状态        {}（自 {}）", f.state.display_zh(), shanghai(f.state_since_ms));
    outln!("  说明        {}", f.summary_zh);
    outln!("  依据        {}", f.citation_display());
    outln!("  首次/最近   {} / {}", shanghai(f.first_seen_at_ms), shanghai(f.last_seen_at_ms));
    outln!("  最近评估    {}（{}）", shanghai(f.last_evaluated_at_ms), f.last_verdict);
    if let Some(r) = &f.not_checked_reason {
        outln!("  未能检查    {r}");
    }
    if let Some(r) = &f.dismissed_reason {
        outln!("  忽略理由    {r}（{}）", f.dismissed_by.as_deref().unwrap_or("—"));
    }
    if let (Some(at), Some(outcome)) = (f.rectify_at_ms, f.rectify_outcome_zh()) {
        outln!(
            "  整改说明    {}（{}，{}）{}",
            f.rectify_note.as_deref().unwrap_or("—"),
            f.rectify_by.as_deref().unwrap_or("—"),
            shanghai(at),
            f.rectify_link.as_deref().map(|l| format!(" {l}")).unwrap_or_default()
        );
        match f.rectify_outcome_at_ms {
            Some(t) => outln!("  整改结果    {outcome}（{}）", shanghai(t)),
            None => outln!("  整改结果    {outcome}"),
        }
    }
    if let Some(m) = f.mark {
        outln!(
            "  处置        {}（{}，{}）{}",
            m.display_zh(),
            f.marked_by.as_deref().unwrap_or("—"),
            f.marked_at_ms.map(shanghai).unwrap_or_default(),
            f.mark_note.as_deref().map(|n| format!("：{n}")).unwrap_or_default()
        );
    }
    for e in &f.evidence {
        outln!(
            "  证据        {} {} {} {}",
            e.label,
            shanghai(e.at_ms),
            e.url.as_deref().unwrap_or("—"),
            e.sha256.as_deref().map(|h| format!("sha256:{h}")).unwrap_or_default()
        );
    }
    if !f.measured.is_empty() {
        outln!("  测量值      {}", serde_json::Value::Object(f.measured.clone()));
    }
    outln!("  历史 (history):");
    for ev in store.finding_events(f.id).await? {
        // A person's action shows who and what; a check's shows what it saw.
        let what = match ev.kind {
            EventKind::Dismissed | EventKind::RectifyDeclared | EventKind::Marked => format!(
                "{}：{}{}",
                crate::notify::plan::event_zh(ev.kind),
                ev.note.as_deref().unwrap_or("—"),
                ev.link.as_deref().map(|l| format!(" {l}")).unwrap_or_default()
            ),
            EventKind::RectifyConfirmed | EventKind::RectifyRejected => {
                format!("{}：{}", crate::notify::plan::event_zh(ev.kind), ev.summary_zh)
            }
            _ => format!("{}{}", ev.summary_zh, ev.note.as_deref().map(|n| format!("（{n}）")).unwrap_or_default()),
        };
        outln!(
            "    {}  {} → {}  {}{}",
            shanghai(ev.at_ms),
            ev.from_state.map(|s| s.display_zh()).unwrap_or("新"),
            ev.to_state.display_zh(),
            what,
            ev.actor.as_deref().map(|a| format!("（{a}）")).unwrap_or_default()
        );
    }
    let notices = store.notices_for_finding(f.id).await?;
    if !notices.is_empty() {
        outln!("  通知 (notices):");
        for n in notices {
            outln!(
                "    #{} {} {} {} → {}",
                n.id,
                n.channel.code(),
                n.state.code(),
                shanghai(n.created_at_ms),
                n.recipients.join(", ")
            );
        }
    }
    Ok(())
}
