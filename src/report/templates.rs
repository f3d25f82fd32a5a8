//! The report's templates: one minijinja template per part of the notice
//! (文头, 导语, 一、二、三, 落款, each 附件), shipped under
//! `templates/report/` and embedded in the binary; a file of the same name
//! in `[report] template_dir` replaces the default. The templates write the
//! markup of [`super::markup`]; the DOCX and the HTML (and so the PDF) are
//! built from its blocks. Fields are documented in templates/report/README.md.
//!
//! Every value is auto-escaped: account names and descriptions come from
//! platforms and are hostile (`<script>`, `</p>`, `&`), and an escaped
//! value can only ever be text in the markup.

use super::ReportError;
use super::config::ReportConfig;
use super::data::{Assessment, ChangeRow, ProblemLine, QuarterReport, Rectification, Tally};
use super::html::{pct, period_zh, work_requirements, zh_number};
use super::markup::{self, Block};
use super::quarter::{fmt_date_zh, fmt_ms};
use crate::rules::{FindingKind, Gravity, RuleId};
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The parts in document order: (file name, default text).
pub const PARTS: [(&str, &str); 9] = [
    ("header.xml", include_str!("../../templates/report/header.xml")),
    ("lead.xml", include_str!("../../templates/report/lead.xml")),
    ("overview.xml", include_str!("../../templates/report/overview.xml")),
    ("problems.xml", include_str!("../../templates/report/problems.xml")),
    ("requirements.xml", include_str!("../../templates/report/requirements.xml")),
    ("closing.xml", include_str!("../../templates/report/closing.xml")),
    ("annex1.xml", include_str!("../../templates/report/annex1.xml")),
    ("annex2.xml", include_str!("../../templates/report/annex2.xml")),
    ("annex3.xml", include_str!("../../templates/report/annex3.xml")),
];

/// One row of a statistics table (附件1), numbers already formatted.
#[derive(Debug, Serialize)]
pub struct StatRow {
    pub name: String,
    pub registered: u64,
    pub checked: u64,
    pub check_ratio: String,
    pub passed: u64,
    pub failed: u64,
    pub low_coverage: u64,
    pub pass_rate: String,
}

impl StatRow {
    fn new(name: &str, t: &Tally) -> StatRow {
        StatRow {
            name: name.to_string(),
            registered: t.registered,
            checked: t.checked,
            check_ratio: pct(t.check_ratio()),
            passed: t.passed,
            failed: t.failed,
            low_coverage: t.low_coverage,
            pass_rate: pct(t.pass_rate()),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Stats {
    pub platforms: Vec<StatRow>,
    pub regions: Vec<StatRow>,
    pub total: StatRow,
}

/// One row of 附件2/附件3: one account and one problem category, however
/// many findings (a late repost per source item) make it up.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ListRow {
    pub seq: usize,
    pub region_unit: String,
    pub account: String,
    pub platform: String,
    pub category: String,
    pub veto: bool,
    pub description: String,
    /// Problems of this category on this account (findings).
    pub items: usize,
    /// Open periods in the quarter, over all its findings.
    pub occurrences: usize,
    /// 2026-08-10
    pub first: String,
    pub last: String,
    pub status: String,
    /// `#12、#15` (finding numbers; at most five, then 等N条).
    pub refs: String,
    /// The same numbers one by one, each with the console's page of the
    /// finding when `[daemon] public_url` is set.
    pub ref_links: Vec<RefLink>,
    /// `等7条` after the first five, else empty.
    pub refs_more: String,
}

/// A finding number and its page in the console.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RefLink {
    /// `#12`
    pub no: String,
    /// `https://…/findings/12`, or empty.
    pub url: String,
}

/// A third party's account is not the unit's to rectify (see
/// [`ProblemLine::rectification_zh`]); grouping keys on these words.
fn status_key(p: &ProblemLine) -> &'static str {
    let third_party = p.rule.kind() == FindingKind::ThirdParty;
    match p.rectification {
        Rectification::Rectified { .. } if third_party => "已消除",
        Rectification::NotRectified if third_party => "待公开办核实处置",
        Rectification::Rectified { .. } => "已整改",
        Rectification::NotRectified => "未整改",
        Rectification::InProgress => "整改中（待复查确认）",
        Rectification::Recorded { .. } => "已记录在案",
        Rectification::Handled { .. } => "已处置",
    }
}

/// 附件2 rows: problem lines grouped by account and rule, in the order of
/// each group's first line.
pub fn list_rows(lines: &[ProblemLine], link: impl Fn(i64) -> Option<String>) -> Vec<ListRow> {
    let mut groups: Vec<Vec<&ProblemLine>> = Vec::new();
    for p in lines {
        match groups
            .iter_mut()
            .find(|g| g[0].account_id == p.account_id && g[0].rule == p.rule && g[0].account_name == p.account_name)
        {
            Some(g) => g.push(p),
            None => groups.push(vec![p]),
        }
    }
    groups
        .into_iter()
        .enumerate()
        .map(|(i, g)| {
            let p = g[0];
            let mut category = p.rule.display_name().to_string();
            let veto = p.gravity == Gravity::Veto;
            if veto {
                category.push_str("（单项否决）");
            }
            let mut description = p.description.clone();
            if g.len() > 1 {
                description = format!("共{}项，如：{}", g.len(), description);
            }
            // An impostor says nothing about the coverage of the account it imitates.
            if p.assessment == Assessment::LowCoverage && p.rule.kind() != FindingKind::ThirdParty {
                description.push_str("（该账号本季度覆盖不足，未作合格判定）");
            }
            let first = g.iter().map(|p| p.found_at_ms).min().unwrap_or(0);
            let last = g.iter().map(|p| p.last_found_at_ms).max().unwrap_or(0);
            let mut keys: Vec<(&str, usize)> = Vec::new();
            for p in &g {
                match keys.iter_mut().find(|(k, _)| *k == status_key(p)) {
                    Some(k) => k.1 += 1,
                    None => keys.push((status_key(p), 1)),
                }
            }
            let mut status = if g.len() == 1 {
                // One finding: the full wording with the date, without the
                // repeat note added below.
                let mut one = p.clone();
                one.repeated = false;
                one.rectification_zh()
            } else if keys.len() == 1 {
                keys[0].0.to_string()
            } else {
                keys.iter()
                    .map(|(k, n)| format!("{k}{n}项"))
                    .collect::<Vec<_>>()
                    .join("，")
            };
            if g.iter().any(|p| p.repeated) {
                status.push_str("；连续两个季度存在问题");
            }
            let ref_links: Vec<RefLink> = g
                .iter()
                .take(5)
                .map(|p| RefLink {
                    no: format!("#{}", p.finding_id),
                    url: link(p.finding_id).unwrap_or_default(),
                })
                .collect();
            let refs_more = if g.len() > 5 { format!("等{}条", g.len()) } else { String::new() };
            let refs = format!(
                "{}{refs_more}",
                ref_links.iter().map(|l| l.no.as_str()).collect::<Vec<_>>().join("、")
            );
            ListRow {
                seq: i + 1,
                region_unit: p.region_unit.clone(),
                account: p.account_name.clone(),
                platform: p.platform.display_name().to_string(),
                category,
                veto,
                description,
                items: g.len(),
                occurrences: g.iter().map(|p| p.occurrences).sum(),
                first: fmt_ms(first)[..10].to_string(),
                last: fmt_ms(last)[..10].to_string(),
                status,
                refs,
                ref_links,
                refs_more,
            }
        })
        .collect()
}

/// A paragraph of 三、工作要求: `（一）认真整改存在问题。` and the rest.
#[derive(Debug, Serialize)]
pub struct Requirement {
    /// The 二级标题 when the paragraph starts with （一） … 。, else empty.
    pub heading: String,
    pub text: String,
}

fn requirement(p: &str) -> Requirement {
    if p.starts_with('（')
        && let Some(end) = p.find('。')
        && p[..end].contains('）')
        && p[..end].chars().count() <= 30
    {
        let cut = end + '。'.len_utf8();
        return Requirement {
            heading: p[..cut].to_string(),
            text: p[cut..].to_string(),
        };
    }
    Requirement {
        heading: String::new(),
        text: p.to_string(),
    }
}

#[derive(Debug, Serialize)]
pub struct Charts {
    pub pass_rate: bool,
    pub regions: bool,
    pub monthly: bool,
    pub categories: bool,
    /// 环比: only when the previous quarter can be compared.
    pub change: bool,
}

/// A list of accounts for a sentence: how many, and their names joined
/// with 、 (cut with 等N个账号 after a number of names).
#[derive(Debug, Serialize)]
pub struct Named {
    pub count: usize,
    pub names: String,
}

impl Named {
    fn new(list: &[String], max: usize) -> Named {
        Named {
            count: list.len(),
            names: names(list, max),
        }
    }
}

/// Names joined with 、, cut after `max` with 等N个账号.
pub(crate) fn names(list: &[String], max: usize) -> String {
    if list.len() <= max {
        list.join("、")
    } else {
        format!("{}等{}个账号", list[..max].join("、"), list.len())
    }
}

#[derive(Debug, Serialize)]
pub struct MonthPosts {
    /// `7`
    pub month: String,
    pub posts: i64,
}

/// The previous quarter's problems and what became of them.
#[derive(Debug, Serialize)]
pub struct PreviousProblems {
    /// 2026年第二季度
    pub quarter: String,
    pub problem_accounts: u64,
    pub rectified_accounts: u64,
    /// Accounts with a problem of the same rule in both quarters.
    pub persisting: Named,
}

/// The facts 一、总体情况 words (the sentences are in overview.xml).
#[derive(Debug, Serialize)]
pub struct Overview {
    /// Platforms with a checked account: `name`, `pass_rate`, … (as `stats.platforms`).
    pub platform_rates: Vec<StatRow>,
    /// Regions all of whose checked accounts passed (more than one region).
    pub best_regions: Vec<String>,
    /// 合格（互动功能需人工核查）.
    pub manual_check: Named,
    /// 覆盖不足.
    pub low_coverage: Named,
    pub posts: i64,
    pub originals: i64,
    pub months: Vec<MonthPosts>,
    /// The previous quarter's problem accounts; empty when it had none.
    pub previous: Option<PreviousProblems>,
}

/// One problem category of 二、存在问题.
#[derive(Debug, Serialize)]
pub struct CategoryLine {
    /// 一, 二, … in order (veto items first).
    pub no: String,
    pub name: String,
    pub veto: bool,
    pub accounts: Named,
    /// `25.00%` of the accounts with a problem.
    pub share: String,
}

/// The facts 二、存在问题 words (the sentences are in problems.xml).
#[derive(Debug, Serialize)]
pub struct Problems {
    /// Accounts with any problem.
    pub accounts: u64,
    /// Of them, 不合格 (a veto item).
    pub failed: u64,
    pub categories: Vec<CategoryLine>,
    /// 附件3: suspected impostors and unregistered accounts found.
    pub impostors: usize,
    pub unregistered: usize,
}

/// One line of 环比, formatted.
#[derive(Debug, Serialize)]
pub struct ChangeLine {
    pub name: String,
    /// `95.00%` or `—`
    pub before: String,
    pub now: String,
    /// 上升1.50个百分点 / 下降0.20个百分点 / 持平
    pub delta: String,
    pub comparable: bool,
}

impl ChangeLine {
    fn new(c: &ChangeRow) -> ChangeLine {
        ChangeLine {
            name: c.name.clone(),
            before: if c.comparable { pct(c.previous.pass_rate()) } else { "—".into() },
            now: pct(c.current.pass_rate()),
            delta: match c.pass_rate_change_points() {
                None => "—".into(),
                Some(d) if d.abs() < 0.005 => "持平".into(),
                Some(d) if d > 0.0 => format!("上升{d:.2}个百分点"),
                Some(d) => format!("下降{:.2}个百分点", -d),
            },
            comparable: c.comparable,
        }
    }
}

/// 环比 with the previous quarter.
#[derive(Debug, Serialize)]
pub struct Change {
    /// 2026年第二季度
    pub previous: String,
    /// Whether the totals can be compared; when not, `reason` says why.
    pub comparable: bool,
    pub reason: String,
    pub total: ChangeLine,
    /// The platforms that can be compared.
    pub platforms: Vec<ChangeLine>,
}

fn change(r: &QuarterReport) -> Option<Change> {
    let c = r.change.as_ref()?;
    Some(Change {
        previous: c.previous.label_zh(),
        comparable: c.total.comparable,
        reason: c.not_comparable_zh().unwrap_or_default(),
        total: ChangeLine::new(&c.total),
        platforms: c.by_platform.iter().filter(|(_, l)| l.comparable).map(|(_, l)| ChangeLine::new(l)).collect(),
    })
}

fn overview(r: &QuarterReport) -> Overview {
    let manual: Vec<String> = r.accounts.iter().filter(|a| a.needs_manual_check()).map(|a| a.named()).collect();
    Overview {
        platform_rates: r
            .by_platform
            .iter()
            .filter(|(_, t)| t.checked > 0)
            .map(|(p, t)| StatRow::new(p.display_name(), t))
            .collect(),
        best_regions: r.best_regions.clone(),
        manual_check: Named::new(&manual, 30),
        low_coverage: Named::new(&r.named_with(Assessment::LowCoverage), 30),
        posts: r.accounts.iter().map(|a| a.posts).sum(),
        originals: r.accounts.iter().map(|a| a.originals).sum(),
        months: r
            .monthly_posts
            .iter()
            .map(|(m, n)| MonthPosts {
                month: m[5..].trim_start_matches('0').to_string(),
                posts: *n,
            })
            .collect(),
        previous: match r.previous.quarter {
            Some(q) if r.previous.problem_accounts > 0 => Some(PreviousProblems {
                quarter: q.label_zh(),
                problem_accounts: r.previous.problem_accounts,
                rectified_accounts: r.previous.rectified_accounts,
                persisting: Named::new(&r.previous.persisting, 30),
            }),
            _ => None,
        },
    }
}

fn problems(r: &QuarterReport) -> Problems {
    let mut categories = Vec::new();
    for g in [Gravity::Veto, Gravity::Deduction] {
        for c in r.categories.iter().filter(|c| c.gravity == g) {
            categories.push(CategoryLine {
                no: zh_number(categories.len() + 1),
                name: c.name.to_string(),
                veto: g == Gravity::Veto,
                accounts: Named::new(&c.accounts, 20),
                share: pct(Some(c.share)),
            });
        }
    }
    let count = |rule: RuleId| r.third_party.iter().filter(|p| p.rule == rule).count();
    Problems {
        accounts: if r.problems.is_empty() { 0 } else { r.problem_accounts },
        failed: r.total.failed,
        categories,
        impostors: count(RuleId::Impostor),
        unregistered: count(RuleId::Unregistered),
    }
}

/// Everything a template sees (templates/report/README.md lists it).
#[derive(Debug, Serialize)]
pub struct Context {
    pub office: String,
    pub issuer: String,
    pub redhead: String,
    pub doc_number: String,
    pub addressees: String,
    pub title: String,
    pub title_lines: Vec<String>,
    pub basis: String,
    pub quarter: String,
    pub scope: String,
    pub period: String,
    pub partial: bool,
    pub as_of: String,
    pub issued_on: String,
    pub deadline: String,
    pub overview: Overview,
    pub problems: Problems,
    /// 环比; `None` when the report was computed without the previous quarter.
    pub change: Option<Change>,
    pub requirements: Vec<Requirement>,
    pub annexes: Vec<String>,
    pub stats: Stats,
    pub annex2: Vec<ListRow>,
    pub annex3: Vec<ListRow>,
    pub charts: Charts,
    pub rule_profile: String,
    pub min_coverage: String,
}

/// Width of a title line in characters a 二号 line holds on the A4 type
/// area (156 mm / 22 pt ≈ 20; one less for air).
pub const TITLE_LINE_CHARS: usize = 19;

/// Where a title may break: after these words, and before these. A
/// break elsewhere can cut a word (the PDF once set 政务新媒/体).
const BREAK_AFTER: [&str; 6] = ["关于", "季度", "年度", "的", "、", "和"];
const BREAK_BEFORE: [&str; 4] = ["政务新媒体", "检查情况", "抽查情况", "的通报"];

/// The title in lines of at most `max` characters, broken only between
/// words (GB/T 9704: 标题排列应当使用梯形或菱形, 回行时要做到词意完整),
/// as evenly as the break points allow. A title without a usable break
/// point longer than a line is cut at `max` as a last resort.
pub fn title_lines(title: &str, max: usize) -> Vec<String> {
    let chars: Vec<char> = title.chars().collect();
    let n = chars.len();
    if n <= max {
        return vec![title.to_string()];
    }
    // Candidate break positions (a break at i: line ends before chars[i]).
    let mut ok = vec![false; n + 1];
    let s: String = chars.iter().collect();
    let byte_to_char = |b: usize| s[..b].chars().count();
    for w in BREAK_AFTER {
        for (b, _) in s.match_indices(w) {
            ok[byte_to_char(b) + w.chars().count()] = true;
        }
    }
    for w in BREAK_BEFORE {
        for (b, _) in s.match_indices(w) {
            ok[byte_to_char(b)] = true;
        }
    }
    // Inside a word of BREAK_BEFORE no break (…的通报 keeps 的 with 通报).
    for w in BREAK_BEFORE {
        for (b, _) in s.match_indices(w) {
            let c = byte_to_char(b);
            for i in c + 1..c + w.chars().count() {
                ok[i] = false;
            }
        }
    }
    ok[0] = false;
    ok[n] = true;
    // Fewest lines, then the smallest longest line (balanced), by DP.
    let lines_needed = n.div_ceil(max);
    for k in lines_needed..=n {
        // best[j][i]: min over splits of chars[..i] into j lines of the longest line.
        let inf = usize::MAX;
        let mut best = vec![vec![inf; n + 1]; k + 1];
        let mut from = vec![vec![0usize; n + 1]; k + 1];
        best[0][0] = 0;
        for j in 1..=k {
            for i in 1..=n {
                if !ok[i] {
                    continue;
                }
                for p in (0..i).rev() {
                    if i - p > max {
                        break;
                    }
                    if best[j - 1][p] == inf || (p > 0 && !ok[p]) {
                        continue;
                    }
                    let v = best[j - 1][p].max(i - p);
                    if v < best[j][i] {
                        best[j][i] = v;
                        from[j][i] = p;
                    }
                }
            }
        }
        if best[k][n] != inf {
            let mut cuts = vec![n];
            let mut i = n;
            for j in (1..=k).rev() {
                i = from[j][i];
                cuts.push(i);
            }
            cuts.reverse();
            return cuts
                .windows(2)
                .map(|w| chars[w[0]..w[1]].iter().collect())
                .collect();
        }
        if k > lines_needed + 2 {
            break;
        }
    }
    chars.chunks(max).map(|c| c.iter().collect()).collect()
}

/// The values the templates see.
pub fn context(r: &QuarterReport, cfg: &ReportConfig) -> Context {
    let title = super::html::title(r, cfg);
    let issuer = if cfg.issuer.trim().is_empty() {
        r.office_name.clone()
    } else {
        cfg.issuer.trim().to_string()
    };
    let annex3 = list_rows(&r.third_party, |id| r.finding_url(id));
    let mut annexes = vec!["检查情况统计表".to_string(), "存在问题的政务新媒体名单".to_string()];
    if !annex3.is_empty() {
        annexes.push("发现的疑似假冒和未备案账号".to_string());
    }
    Context {
        office: r.office_name.clone(),
        issuer,
        redhead: cfg.redhead.trim().to_string(),
        doc_number: cfg.doc_number.trim().to_string(),
        addressees: cfg.addressees.trim().to_string(),
        title_lines: title_lines(&title, TITLE_LINE_CHARS),
        title,
        basis: cfg.basis.clone(),
        quarter: r.quarter.label_zh(),
        scope: r.region.clone().unwrap_or_default(),
        period: period_zh(r),
        partial: r.partial,
        as_of: fmt_ms(r.as_of_ms),
        issued_on: fmt_date_zh(r.issued_on),
        deadline: fmt_date_zh(r.rectification_deadline),
        overview: overview(r),
        problems: problems(r),
        change: change(r),
        requirements: work_requirements(r, cfg).iter().map(|p| requirement(p)).collect(),
        annexes,
        stats: Stats {
            platforms: r
                .by_platform
                .iter()
                .map(|(p, t)| StatRow::new(p.display_name(), t))
                .collect(),
            regions: r.by_region.iter().map(|(n, t)| StatRow::new(n, t)).collect(),
            total: StatRow::new("合计", &r.total),
        },
        annex2: list_rows(&r.problems, |id| r.finding_url(id)),
        annex3,
        charts: Charts {
            pass_rate: !r.by_platform.is_empty(),
            regions: r.by_region.len() > 1,
            monthly: !r.monthly_posts.is_empty(),
            categories: !r.categories.is_empty(),
            change: r.change.as_ref().is_some_and(|c| c.total.comparable),
        },
        rule_profile: r.rule_profile.clone(),
        min_coverage: format!("{:.0}%", r.min_coverage * 100.0),
    }
}

/// The compiled templates.
pub struct Templates {
    env: Environment<'static>,
    /// Where each part came from (a file, or `内置模板 NAME`), for errors.
    origin: Vec<String>,
}

fn template_error(file: &str, e: &minijinja::Error) -> ReportError {
    let line = e.line().map(|l| format!("第{l}行：")).unwrap_or_default();
    let detail = e.detail().map(str::to_string).unwrap_or_else(|| e.kind().to_string());
    ReportError::Template {
        file: file.to_string(),
        message: format!("{line}{detail}"),
    }
}

/// The directory of `[report] template_dir`, relative to the
/// configuration file's directory when relative.
pub fn resolve_dir(cfg: &ReportConfig, base: Option<&Path>) -> Option<PathBuf> {
    let d = cfg.template_dir.trim();
    if d.is_empty() {
        return None;
    }
    let p = PathBuf::from(d);
    Some(match base {
        Some(b) if p.is_relative() => b.join(p),
        _ => p,
    })
}

impl Templates {
    /// The defaults, each replaced by the file of the same name in `dir`.
    /// A missing directory is an error (a typo would otherwise silently
    /// give the default 红头).
    pub fn load(dir: Option<&Path>) -> Result<Templates, ReportError> {
        if let Some(d) = dir
            && !d.is_dir()
        {
            return Err(ReportError::Template {
                file: d.display().to_string(),
                message: "[report] template_dir 指定的模板目录不存在 (template directory not found)".into(),
            });
        }
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .expect("default delimiters"),
        );
        // Printing a name the context does not have is a mistake worth a
        // line number; `{% if name %}` on it stays allowed.
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        // Every template, whatever its name, escapes: the markup is XML-like.
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        let mut origin = Vec::new();
        for (name, builtin) in PARTS {
            let over = dir.map(|d| d.join(name)).filter(|p| p.is_file());
            let (source, shown) = match &over {
                Some(p) => (
                    std::fs::read_to_string(p).map_err(|e| ReportError::Template {
                        file: p.display().to_string(),
                        message: format!("无法读取 (cannot read): {e}"),
                    })?,
                    p.display().to_string(),
                ),
                None => (builtin.to_string(), format!("内置模板 {name}")),
            };
            env.add_template_owned(name.to_string(), source)
                .map_err(|e| template_error(&shown, &e))?;
            origin.push(shown);
        }
        Ok(Templates { env, origin })
    }

    /// Renders every part and parses the markup.
    pub fn render(&self, ctx: &Context) -> Result<Vec<Block>, ReportError> {
        let value = minijinja::Value::from(minijinja::value::Serde(ctx));
        let mut blocks = Vec::new();
        for ((name, _), shown) in PARTS.iter().zip(&self.origin) {
            let t = self.env.get_template(name).map_err(|e| template_error(shown, &e))?;
            let text = t.render(&value).map_err(|e| template_error(shown, &e))?;
            let parsed = markup::parse(&text).map_err(|e| ReportError::Template {
                file: shown.clone(),
                message: format!("生成的内容（非模板源文件）{e}"),
            })?;
            blocks.extend(parsed);
        }
        Ok(blocks)
    }
}

impl Templates {
    /// The paragraphs of one part as plain text (the draft text of
    /// 一、总体情况 and 二、存在问题 on the XLSX summary sheet is the office's
    /// wording, not a second copy in code).
    pub fn paragraphs(&self, part: &str, ctx: &Context) -> Result<Vec<String>, ReportError> {
        let i = PARTS.iter().position(|(n, _)| *n == part).expect("a part of PARTS");
        let shown = &self.origin[i];
        let value = minijinja::Value::from(minijinja::value::Serde(ctx));
        let t = self.env.get_template(part).map_err(|e| template_error(shown, &e))?;
        let text = t.render(&value).map_err(|e| template_error(shown, &e))?;
        let parsed = markup::parse(&text).map_err(|e| ReportError::Template {
            file: shown.clone(),
            message: format!("生成的内容（非模板源文件）{e}"),
        })?;
        Ok(parsed
            .iter()
            .filter_map(|b| match b {
                Block::Para { kind, content } if *kind == markup::ParaKind::Body => {
                    Some(markup::plain(content))
                }
                _ => None,
            })
            .collect())
    }
}

/// The draft text of 一、总体情况 and 二、存在问题 from the templates of `cfg`.
pub fn draft_text(
    r: &QuarterReport,
    cfg: &ReportConfig,
    base: Option<&Path>,
) -> Result<(Vec<String>, Vec<String>), ReportError> {
    let t = Templates::load(resolve_dir(cfg, base).as_deref())?;
    let ctx = context(r, cfg);
    Ok((t.paragraphs("overview.xml", &ctx)?, t.paragraphs("problems.xml", &ctx)?))
}

/// The report as blocks, with the templates of `cfg` (directory resolved
/// against `base`).
pub fn blocks(
    r: &QuarterReport,
    cfg: &ReportConfig,
    base: Option<&Path>,
) -> Result<Vec<Block>, ReportError> {
    let t = Templates::load(resolve_dir(cfg, base).as_deref())?;
    t.render(&context(r, cfg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_break_between_words() {
        let t = "市政务公开办关于2026年第三季度政务新媒体检查情况的通报";
        let lines = title_lines(t, 19);
        assert_eq!(lines.concat(), t);
        assert!(lines.iter().all(|l| l.chars().count() <= 19), "{lines:?}");
        for l in &lines {
            assert!(!l.starts_with("体") && !l.ends_with("媒"), "{lines:?}");
        }
        assert_eq!(lines, vec!["市政务公开办关于2026年第三季度", "政务新媒体检查情况的通报"]);
        let long = "安康市人民政府办公室关于2026年第三季度汉滨区、汉阴县和石泉县政务新媒体检查情况的通报";
        let lines = title_lines(long, 19);
        assert_eq!(lines.concat(), long);
        assert!(lines.iter().all(|l| l.chars().count() <= 19), "{lines:?}");
        assert!(!lines.iter().any(|l| l.ends_with("政务新媒")), "{lines:?}");
        assert_eq!(title_lines("短标题", 19), vec!["短标题"]);
    }

    fn line(id: i64, account: i64, rule: crate::rules::RuleId, day: u32, r: Rectification) -> ProblemLine {
        let ms = crate::report::quarter::local_midnight(
            chrono::NaiveDate::from_ymd_opt(2026, 7, day).unwrap(),
        )
        .timestamp_millis()
            + 3_600_000 * 10;
        ProblemLine {
            seq: 0,
            finding_id: id,
            account_id: account,
            region_unit: "汉滨区".into(),
            account_name: format!("账号{account}"),
            platform: crate::adapters::model::Platform::Weibo,
            rule,
            gravity: rule.gravity(),
            description: format!("问题{id}"),
            citation: String::new(),
            found_at_ms: ms,
            last_found_at_ms: ms,
            rectification: r,
            occurrences: 1,
            repeated: id == 3,
            assessment: Assessment::Passed,
            evidence: Vec::new(),
        }
    }

    #[test]
    fn one_row_per_account_and_category() {
        use crate::rules::RuleId;
        let done = Rectification::Rectified { at_ms: 0 };
        let lines = [
            line(1, 7, RuleId::RepostDelay, 3, Rectification::NotRectified),
            line(2, 8, RuleId::Naming, 4, Rectification::NotRectified),
            line(3, 7, RuleId::RepostDelay, 9, done),
            line(4, 7, RuleId::RepostDelay, 5, Rectification::NotRectified),
        ];
        let rows = list_rows(&lines, |_| None);
        assert_eq!(rows.len(), 2);
        let a = &rows[0];
        assert_eq!((a.seq, a.account.as_str(), a.items, a.occurrences), (1, "账号7", 3, 3));
        assert_eq!((a.first.as_str(), a.last.as_str()), ("2026-07-03", "2026-07-09"));
        assert_eq!(a.description, "共3项，如：问题1");
        assert_eq!(a.status, "未整改2项，已整改1项；连续两个季度存在问题");
        assert_eq!(a.refs, "#1、#3、#4");
        let b = &rows[1];
        assert_eq!((b.seq, b.items, b.refs.as_str()), (2, 1, "#2"));
        assert_eq!(b.status, "未整改");
        let many: Vec<ProblemLine> = (1..=7)
            .map(|i| line(i + 10, 9, RuleId::RepostDelay, 1, Rectification::NotRectified))
            .collect();
        let rows = list_rows(&many, |id| Some(format!("https://xunjian.example.gov.cn/findings/{id}")));
        assert_eq!(rows[0].refs, "#11、#12、#13、#14、#15等7条");
        assert_eq!(rows[0].ref_links.len(), 5);
        assert_eq!(rows[0].ref_links[0].url, "https://xunjian.example.gov.cn/findings/11");
        assert_eq!(rows[0].refs_more, "等7条");
    }

    /// The variables templates/report/README.md documents are exactly the
    /// context's (a renamed field would otherwise leave the office's
    /// templates printing errors the README does not explain).
    #[test]
    fn the_readme_documents_every_variable() {
        let cfg = crate::config::Config::default();
        let rules = cfg.rules.resolve().unwrap();
        let calendar = crate::calendar::HolidayCalendar::builtin();
        let opt = crate::report::data::AssembleOptions {
            office_name: "市政务公开办",
            min_coverage: 0.6,
            rectification_workdays: 10,
            rules: &rules,
            calendar: &calendar,
        };
        let req = crate::report::QuarterRequest::new("2026Q3".parse().unwrap());
        let r = crate::report::data::assemble(&Default::default(), &req, &opt).unwrap();
        let json = serde_json::to_value(context(&r, &cfg.report)).unwrap();
        let readme = include_str!("../../templates/report/README.md");
        let section = &readme[readme.find("## 变量").unwrap()..];
        let mut documented = std::collections::BTreeSet::new();
        for line in section.lines().filter(|l| l.starts_with("| `")) {
            let first = line.split('|').nth(1).unwrap();
            for name in first.split('`').skip(1).step_by(2) {
                documented.insert(name.split('.').next().unwrap().to_string());
            }
        }
        let actual: std::collections::BTreeSet<String> =
            json.as_object().unwrap().keys().cloned().collect();
        assert_eq!(documented, actual);
        // The row fields of 附件2 are named in the README too.
        for field in ["seq", "region_unit", "account", "platform", "category", "veto", "description", "items", "occurrences", "first", "last", "status", "refs", "ref_links", "refs_more"] {
            assert!(section.contains(&format!("`{field}`")), "{field}");
        }
        // And the defaults render with that context.
        Templates::load(None).unwrap().render(&context(&r, &cfg.report)).unwrap();
        // A name the context lacks: printing it is an error naming the line
        // (as the README says); testing it with `if` is allowed.
        let dir = std::env::temp_dir().join(format!("xunjian-tpl-undef-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("lead.xml"), "{% if wenhao %}<p>x</p>{% endif %}\n<p>{{ wenhao }}</p>\n").unwrap();
        let e = Templates::load(Some(&dir)).unwrap().render(&context(&r, &cfg.report)).unwrap_err().to_string();
        assert!(e.contains("lead.xml") && e.contains("第2行"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn requirements_split_their_heading() {
        let r = requirement("（一）认真整改存在问题。请各有关单位……");
        assert_eq!(r.heading, "（一）认真整改存在问题。");
        assert_eq!(r.text, "请各有关单位……");
        let r = requirement("各单位要高度重视。");
        assert_eq!(r.heading, "");
    }

    #[test]
    fn defaults_compile_and_a_syntax_error_names_file_and_line() {
        Templates::load(None).unwrap();
        let dir = std::env::temp_dir().join(format!("xunjian-tpl-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("lead.xml"), "<p>根据</p>\n<p>{% if x %}没有结束</p>\n").unwrap();
        let e = Templates::load(Some(&dir)).err().unwrap().to_string();
        assert!(e.contains("lead.xml") && e.contains("第2行"), "{e}");
        let missing = dir.join("nope");
        let e = Templates::load(Some(&missing)).err().unwrap().to_string();
        assert!(e.contains("模板目录不存在") && e.contains("nope"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
