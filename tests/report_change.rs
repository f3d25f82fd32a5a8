//! The report against the previous quarter (环比) and its links to the
//! console, over a real store (SQLite and PostgreSQL):
//!
//! - the previous quarter's pass rate is computed from its own stored
//!   observations and findings with this quarter's definitions, and shown
//!   as a sentence (HTML, the XLSX draft), a chart and a native XLSX chart;
//! - a previous quarter with no or too little data is said in words, with
//!   no number anywhere;
//! - `[daemon] public_url` links 附件2's finding numbers to the console's
//!   finding pages (HTML, DOCX hyperlinks, XLSX hyperlinks); unset, no link;
//! - an office's own overview.xml rewords 一、总体情况 in every format.

mod common;
mod report_common;

use report_common::*;

use calamine::{Data, Reader, Xlsx, open_workbook};
use std::io::Read;
use std::path::Path;
use xunjian::adapters::model::{CommentState, ObservationKind, OutcomeClass, Platform};
use xunjian::accounts::LifecycleStatus;
use xunjian::calendar::HolidayCalendar;
use xunjian::config::Config;
use xunjian::report::{self, Format, NoProgress, QuarterReport, QuarterRequest};
use xunjian::rules::settings::NATIONAL_INTERACTION;
use xunjian::rules::{RuleId, Verdict};
use xunjian::store::{ObservedData, Store};

fn q2_days() -> Vec<chrono::NaiveDate> {
    let mut d = day("2026-04-01");
    let mut v = Vec::new();
    while d <= day("2026-06-30") {
        v.push(d);
        d = d.succ_opt().unwrap();
    }
    v
}

/// A daily timeline read with one post, as the daemon records it.
async fn daily(s: &Store, account: i64, days: &[chrono::NaiveDate]) {
    for d in days {
        let posts = vec![post(&format!("{account}-{d}"), at(*d, 9, 0), CommentState::Open)];
        observe(s, account, Platform::Weibo, ObservationKind::Timeline, at(*d, 13, 0), OutcomeClass::Ok, ObservedData::Posts(&posts)).await;
    }
}

/// The veto items the report needs decided, on `when`.
async fn decided(s: &Store, account: i64, when: chrono::DateTime<chrono::Utc>) {
    zombie_checked(s, account, when).await;
    passed(s, RuleId::Interaction, account, "comments", when).await;
}

async fn build_with(s: &Store, cfg: &Config) -> QuarterReport {
    report::build_quarter_report(s, cfg, &QuarterRequest::new(q3()), &HolidayCalendar::builtin(), &NoProgress)
        .await
        .unwrap()
}

async fn write(r: &QuarterReport, cfg: &Config, formats: &[Format], dir: &Path) -> Vec<std::path::PathBuf> {
    report::write_report(r, &cfg.report, formats, dir, &NoProgress).await.unwrap()
}

fn zip_text(path: &Path, name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

fn zip_names(path: &Path) -> Vec<String> {
    let z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    z.file_names().map(|n| n.unwrap().into_owned()).collect()
}

fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        other => format!("{other:?}"),
    }
}

/// Two Weibo accounts, watched every day of 2026Q2 and 2026Q3. In Q2 one
/// had its comments closed (an interaction violation, rectified in Q2):
/// Q2's pass rate 50 %, Q3's 100 %.
#[tokio::test]
async fn the_change_is_computed_from_the_stored_previous_quarter() {
    for db in common::backends().await {
        let s = &db.store;
        let p = add(s, "P", Platform::Weibo, "汉滨发布", "汉滨区", LifecycleStatus::Active).await;
        let q = add(s, "Q", Platform::Weibo, "汉滨应急", "汉滨区", LifecycleStatus::Active).await;
        for id in [p, q] {
            daily(s, id, &q2_days()).await;
            daily(s, id, &q3_days()).await;
            decided(s, id, at(day("2026-04-02"), 13, 0)).await;
            decided(s, id, at(day("2026-07-02"), 13, 0)).await;
        }
        let closed = |v| {
            finding(RuleId::Interaction, p, "comments", v, NATIONAL_INTERACTION, "最近 5 条信息均关闭评论",
                ev("时间线抓取", &"1".repeat(64), at(day("2026-05-10"), 13, 0)))
        };
        record(s, closed(Verdict::Violation), at(day("2026-05-10"), 13, 0)).await;
        record(s, closed(Verdict::Pass), at(day("2026-06-01"), 13, 0)).await;

        let cfg = Config::default();
        let r = build_with(s, &cfg).await;
        assert_eq!((r.total.checked, r.total.passed), (2, 2), "{}", db.label);
        let c = r.change.as_ref().expect("computed by build_quarter_report");
        assert_eq!(c.previous, "2026Q2".parse().unwrap());
        assert!(c.total.comparable, "{}", db.label);
        assert_eq!(
            (c.total.previous.registered, c.total.previous.checked, c.total.previous.passed, c.total.previous.failed),
            (2, 2, 1, 1),
            "{}",
            db.label
        );
        assert_eq!(c.total.pass_rate_change_points(), Some(50.0));
        assert_eq!(c.not_comparable_zh(), None);
        assert_eq!(c.by_platform.len(), 1);
        assert_eq!(c.by_platform[0].1.pass_rate_change_points(), Some(50.0));

        let tmp = tempfile::tempdir().unwrap();
        let files = write(&r, &cfg, &[Format::Xlsx, Format::Html], tmp.path()).await;
        let html = std::fs::read_to_string(&files[1]).unwrap();
        let sentence = "与2026年第二季度相比，合格率由50.00%变为100.00%，上升50.00个百分点；其中新浪微博由50.00%变为100.00%（上升50.00个百分点）。";
        assert!(html.contains(sentence), "{}: {html}", db.label);
        assert!(html.contains("合格率环比（灰色为2026年第二季度）"), "the chart is in the notice");

        // XLSX: the draft text says the same; 附件1 has the table and a
        // native chart with both quarters.
        let summary = sheet(&files[0], xunjian::report::xlsx::SHEET_SUMMARY);
        assert!(summary.iter().flatten().any(|d| cell_text(d) == sentence), "{}", db.label);
        let stats = sheet(&files[0], xunjian::report::xlsx::SHEET_STATS);
        let head = stats.iter().position(|row| row.first().is_some_and(|d| cell_text(d).starts_with("（三）合格率环比"))).expect("the 环比 table");
        let total = &stats[head + 3];
        assert_eq!(cell_text(&total[0]), "合计");
        assert_eq!((&total[2], &total[4], &total[5]), (&Data::Float(0.5), &Data::Float(1.0), &Data::Float(50.0)));
        let charts: Vec<String> = zip_names(&files[0]).into_iter().filter(|n| n.starts_with("xl/charts/chart")).collect();
        let change_chart = charts
            .iter()
            .map(|n| zip_text(&files[0], n))
            .find(|x| x.contains("合格率环比"))
            .expect("a native chart of the change");
        assert!(change_chart.contains("上季度") && change_chart.contains("本季度"), "{change_chart}");
    }
}

/// The known quarter (tests/report_common) has findings but no
/// observations in 2026Q2: no pass rate to compare, said in words. With
/// one of three accounts watched in Q2, too little: said in words too; with
/// none at all, the words say there was no data.
#[tokio::test]
async fn a_previous_quarter_without_enough_data_is_said_in_words() {
    for db in common::backends().await {
        fill(&db.store).await;
        let cfg = Config::default();
        let r = build_with(&db.store, &cfg).await;
        let c = r.change.as_ref().unwrap();
        assert!(!c.total.comparable);
        // Only the two Q2 veto findings (C, E) "checked" an account in Q2:
        // 2 of 7, too few to compare.
        assert_eq!((c.total.previous.checked, c.total.previous.failed), (2, 2));
        assert_eq!(c.total.pass_rate_change_points(), None);
        let reason = c.not_comparable_zh().unwrap();
        assert!(reason.starts_with("2026年第二季度完成检查的账号2个，仅占账号总数的28.57%"), "{reason}");
        let tmp = tempfile::tempdir().unwrap();
        let files = write(&r, &cfg, &[Format::Xlsx, Format::Html], tmp.path()).await;
        let html = std::fs::read_to_string(&files[1]).unwrap();
        assert!(html.contains(&reason), "{}", db.label);
        assert!(!html.contains("合格率由") && !html.contains("合格率环比"), "no number, no chart");
        let stats = sheet(&files[0], xunjian::report::xlsx::SHEET_STATS);
        let head = stats.iter().position(|row| row.first().is_some_and(|d| cell_text(d).starts_with("（三）合格率环比"))).unwrap();
        for row in &stats[head + 2..] {
            if row.first().is_some_and(|d| cell_text(d) == "合计") {
                assert_eq!((cell_text(&row[2]), cell_text(&row[5])), ("—".into(), "—".into()));
                break;
            }
        }
        assert!(stats.iter().flatten().any(|d| cell_text(d) == reason), "the reason under the table");
    }

    let db = common::sqlite().await;
    let s = &db.store;
    let mut ids = Vec::new();
    for (key, name) in [("P", "汉滨发布"), ("Q", "汉滨应急"), ("R", "汉滨教育")] {
        let id = add(s, key, Platform::Weibo, name, "汉滨区", LifecycleStatus::Active).await;
        daily(s, id, &q3_days()).await;
        decided(s, id, at(day("2026-04-02"), 13, 0)).await;
        decided(s, id, at(day("2026-07-02"), 13, 0)).await;
        ids.push(id);
    }
    let r = build_with(s, &Config::default()).await;
    let reason = r.change.as_ref().unwrap().not_comparable_zh().unwrap();
    assert!(reason.starts_with("2026年第二季度没有完成检查的账号"), "{reason}");
    daily(s, ids[0], &q2_days()).await;
    let r = build_with(s, &Config::default()).await;
    let c = r.change.as_ref().unwrap();
    assert_eq!((c.total.previous.checked, c.total.previous.registered), (1, 3));
    assert!(!c.total.comparable);
    assert_eq!(
        c.not_comparable_zh().unwrap(),
        "2026年第二季度完成检查的账号1个，仅占账号总数的33.33%（不足50%），数据不足，本季度合格率不作环比。"
    );
}

/// `[daemon] public_url`: 附件2's finding numbers link to the console in
/// the HTML, the DOCX and the XLSX; without it there is no link.
#[tokio::test]
async fn annex_2_links_findings_to_the_console_when_its_address_is_set() {
    let db = common::sqlite().await;
    fill(&db.store).await;
    let tmp = tempfile::tempdir().unwrap();

    let plain = Config::default();
    let r = build_with(&db.store, &plain).await;
    let files = write(&r, &plain, &[Format::Docx, Format::Xlsx, Format::Html], &tmp.path().join("plain")).await;
    assert!(!std::fs::read_to_string(&files[2]).unwrap().contains("/findings/"));
    assert!(!zip_text(&files[0], "word/_rels/document.xml.rels").contains("hyperlink"));

    let mut cfg: Config = xunjian::config::parse("[daemon]\npublic_url = \"https://xunjian.example.gov.cn/\"\n").unwrap();
    cfg.report = plain.report.clone();
    let r = build_with(&db.store, &cfg).await;
    let first = &r.problems[0];
    let page = format!("https://xunjian.example.gov.cn/findings/{}", first.finding_id);
    let files = write(&r, &cfg, &[Format::Docx, Format::Xlsx, Format::Html], &tmp.path().join("linked")).await;
    let html = std::fs::read_to_string(&files[2]).unwrap();
    assert!(html.contains(&format!("<a href=\"{page}\">#{}</a>", first.finding_id)), "{html}");
    let rels = zip_text(&files[0], "word/_rels/document.xml.rels");
    assert!(rels.contains(&format!("Target=\"{page}\" TargetMode=\"External\"")), "{rels}");
    let doc = zip_text(&files[0], "word/document.xml");
    assert!(doc.contains("<w:hyperlink r:id=\"rIdLink1\">"), "the DOCX cell is a link");
    let sheet_rels: String = zip_names(&files[1])
        .into_iter()
        .filter(|n| n.starts_with("xl/worksheets/_rels/"))
        .map(|n| zip_text(&files[1], &n))
        .collect();
    assert!(sheet_rels.contains(&page), "the XLSX 附件2 cell is a link: {sheet_rels}");
}

/// An office rewords 一、总体情况 in its own overview.xml: the notice and the
/// XLSX draft text both say it its way.
#[tokio::test]
async fn an_office_rewords_the_overview_in_its_template() {
    let db = common::sqlite().await;
    fill(&db.store).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tpl");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("overview.xml"),
        "<h1>一、总体情况</h1>\n<p>本季度抽查{{ stats.total.checked }}个账号，合格率{{ stats.total.pass_rate }}；\
         {% if change.comparable %}{{ change.total.delta }}{% else %}上季度数据不足，不作比较{% endif %}。\
         覆盖不足{{ overview.low_coverage.count }}个：{{ overview.low_coverage.names }}。</p>\n",
    )
    .unwrap();
    let mut cfg = Config::default();
    cfg.report.template_dir = dir.to_string_lossy().into_owned();
    let r = build_with(&db.store, &cfg).await;
    let files = write(&r, &cfg, &[Format::Xlsx, Format::Html], &tmp.path().join("out")).await;
    let said = "本季度抽查6个账号，合格率66.67%；上季度数据不足，不作比较。覆盖不足1个：“汉阴文旅”（抖音）。";
    let html = std::fs::read_to_string(&files[1]).unwrap();
    assert!(html.contains(said), "{html}");
    assert!(!html.contains("本次检查时间范围为"), "the default wording is gone");
    let summary = sheet(&files[0], xunjian::report::xlsx::SHEET_SUMMARY);
    assert!(summary.iter().flatten().any(|d| cell_text(d).starts_with(said)), "the XLSX draft follows the template");
}
