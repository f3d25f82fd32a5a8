//! The quarterly report over a real store (SQLite and PostgreSQL): a known
//! quarter (2026Q3) with accounts on four platforms in four regions, daily
//! observations and posts, a blocked account, source-account items and
//! reposts, and findings recorded through the lifecycle. The report must
//! give exactly the expected counts, rates and lists; the XLSX is read back
//! with calamine; the HTML has the notice's sections; the PDF (when
//! Chromium is installed, required with XUNJIAN_REQUIRE_PDF=1) embeds CJK
//! fonts and renders.

mod common;
mod report_common;

use report_common::*;

use calamine::{Data, Reader, Xlsx, open_workbook};
use std::collections::HashMap;
use std::path::Path;
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::{CommentState, ObservationKind, OutcomeClass, Platform};
use xunjian::calendar::HolidayCalendar;
use xunjian::config::Config;
use xunjian::report::{
    self, Assessment, Format, NoProgress, QuarterReport, QuarterRequest, Rectification,
};
use xunjian::rules::RuleId;
use xunjian::store::{ObservedData, Store};

// ---- the numbers ----------------------------------------------------------

fn check_numbers(r: &QuarterReport, ids: &Ids, label: &str) {
    let t = &r.total;
    assert_eq!(
        (t.registered, t.checked, t.passed, t.failed, t.low_coverage),
        (7, 6, 4, 2, 1),
        "{label}"
    );
    assert!((t.pass_rate().unwrap() - 4.0 / 6.0).abs() < 1e-12);
    assert!((t.check_ratio().unwrap() - 6.0 / 7.0).abs() < 1e-12);
    assert!(!r.partial);
    assert_eq!(
        (r.period_from.to_string(), r.period_to.to_string()),
        ("2026-07-01".into(), "2026-09-30".into())
    );

    let platform: HashMap<Platform, (u64, u64, u64, u64, u64)> = r
        .by_platform
        .iter()
        .map(|(p, t)| {
            (
                *p,
                (t.registered, t.checked, t.passed, t.failed, t.low_coverage),
            )
        })
        .collect();
    assert_eq!(platform[&Platform::Weibo], (4, 4, 3, 1, 0), "{label}");
    assert_eq!(platform[&Platform::Wechat], (1, 1, 0, 1, 0));
    assert_eq!(platform[&Platform::Douyin], (1, 0, 0, 0, 1));
    assert_eq!(platform[&Platform::Toutiao], (1, 1, 1, 0, 0));
    assert_eq!(r.by_platform.len(), 4);

    let regions: Vec<(&str, u64, u64, u64, u64)> = r
        .by_region
        .iter()
        .map(|(n, t)| (n.as_str(), t.registered, t.checked, t.passed, t.failed))
        .collect();
    assert_eq!(
        regions,
        [
            ("安康市", 1, 1, 1, 0),
            ("汉滨区", 2, 2, 1, 1),
            ("汉阴县", 2, 1, 0, 1),
            ("石泉县", 2, 2, 2, 0)
        ],
        "{label}"
    );
    assert_eq!(r.best_regions, ["石泉县", "安康市"]);

    // Assessments.
    let by_name: HashMap<&str, &report::AccountMetrics> =
        r.accounts.iter().map(|a| (a.name.as_str(), a)).collect();
    let expect = [
        ("汉滨发布", Assessment::Passed),
        ("汉滨应急", Assessment::Failed),
        ("汉阴发布", Assessment::Failed),
        ("汉阴文旅", Assessment::LowCoverage),
        ("石泉发布", Assessment::Passed),
        ("石泉应急", Assessment::Passed),
        ("安康发布", Assessment::Passed),
    ];
    assert_eq!(r.accounts.len(), expect.len());
    for (n, a) in expect {
        assert_eq!(by_name[n].assessment, a, "{label} {n}");
    }
    assert!(!by_name.contains_key("紫阳发布") && !by_name.contains_key("岚皋发布"));

    // Per-account metrics.
    let a = by_name["汉滨发布"];
    assert_eq!((a.posts, a.originals, a.active_days), (94, 92, 92));
    assert_eq!(a.per_month, [33, 31, 30]);
    assert_eq!((a.supervised_days, a.answered_days), (92, 92));
    assert_eq!(a.coverage, 1.0);
    assert_eq!(a.longest_silence_secs, 24 * 3600);
    assert_eq!(
        (
            a.interactions_reposts,
            a.interactions_comments,
            a.interactions_likes
        ),
        (94, 188, 282)
    );
    assert_eq!(a.comments_closed_share, Some(0.0));
    assert_eq!(
        (a.followers_start, a.followers_end, a.followers_change()),
        (Some(1000), Some(1091), Some(91))
    );
    let rp = &a.reposts;
    assert_eq!(
        (
            rp.expected,
            rp.on_time,
            rp.late,
            rp.missing,
            rp.unverified()
        ),
        (3, 1, 1, 1, 0),
        "{label}"
    );
    assert_eq!(rp.median_delay_secs, Some(4500));
    assert_eq!((a.veto_problems, a.other_problems), (0, 2));
    assert_eq!(a.failure_summary, None);

    let b = by_name["汉滨应急"];
    assert_eq!((b.posts, b.per_month), (67, [25, 12, 30]));
    // Silent from 07-25 10:00 to 08-20 10:00.
    assert_eq!(b.longest_silence_secs, 26 * 86400);
    assert_eq!(b.reposts.expected, 0, "no source account on WeChat");

    let c = by_name["汉阴发布"];
    assert_eq!(c.comments_closed_share, Some(1.0));
    assert_eq!(
        (c.reposts.expected, c.reposts.unverified()),
        (3, 3),
        "nothing reposted, nothing established missing"
    );
    assert_eq!(c.followers_start, None);

    let d = by_name["汉阴文旅"];
    assert_eq!(
        (d.supervised_days, d.answered_days, d.attempts),
        (92, 20, 92)
    );
    assert!((d.coverage - 20.0 / 92.0).abs() < 1e-12);
    assert_eq!(d.failure_summary.as_deref(), Some("验证码 72 次"));
    assert_eq!(
        d.comments_closed_share, None,
        "comment state unknown is not counted"
    );
    assert_eq!(d.per_month, [20, 0, 0]);

    let g = by_name["安康发布"];
    assert_eq!((g.posts, g.active_days, g.reposts.expected), (3, 3, 0));
    // From 07-30 10:00 to the quarter's end (10-01 00:00).
    assert_eq!(
        g.longest_silence_secs,
        (at(day("2026-10-01"), 0, 0) - at(day("2026-07-30"), 10, 0)).num_seconds()
    );

    assert_eq!(
        r.monthly_posts,
        [
            ("2026-07".to_string(), 174),
            ("2026-08".to_string(), 136),
            ("2026-09".to_string(), 150)
        ]
    );

    // 合格 needs every veto item decided: 石泉发布 (Toutiao) showed no comment
    // state all quarter, so a person must check its interaction.
    let e = by_name["石泉发布"];
    assert_eq!(e.assessment, Assessment::Passed);
    assert_eq!(e.undecided_veto, [RuleId::Interaction]);
    assert_eq!(e.assessment_zh(), "合格（互动功能需人工核查）");
    assert_eq!(by_name["汉滨发布"].assessment_zh(), "合格");
    assert_eq!(r.total.passed_manual, 1, "{label}");

    // Problems: one line per account and category, in region/platform/name order.
    let lines: Vec<(usize, &str, RuleId, String)> = r
        .problems
        .iter()
        .map(|p| (p.seq, p.account_name.as_str(), p.rule, p.rectification_zh()))
        .collect();
    assert_eq!(
        lines,
        [
            // Late or missing reposts are events (issue 16): recorded,
            // counted once, never "未整改".
            (1, "汉滨发布", RuleId::RepostDelay, "已记录在案（已发生，不适用整改）".to_string()),
            (
                2,
                "汉滨应急",
                RuleId::Zombie,
                "已整改（2026-08-20）".to_string()
            ),
            (
                3,
                "汉阴发布",
                RuleId::Interaction,
                "未整改；连续两个季度存在问题".to_string()
            ),
            (4, "汉阴文旅", RuleId::Verification, "未整改".to_string()),
            (5, "石泉发布", RuleId::Naming, "未整改".to_string()),
        ],
        "{label}"
    );
    // 汉滨发布's late repost and missing repost: one line, twice, first and latest.
    let reposts = &r.problems[0];
    assert_eq!(reposts.occurrences, 2, "{label}");
    assert!(reposts.found_at_ms < reposts.last_found_at_ms, "{label}");
    assert!(reposts.found_zh().contains("；最近 "), "{}", reposts.found_zh());
    let zombie = &r.problems[1];
    assert_eq!(
        zombie.rectification,
        Rectification::Rectified {
            at_ms: at(day("2026-08-20"), 13, 0).timestamp_millis()
        }
    );
    assert_eq!(
        zombie.found_at_ms,
        at(day("2026-08-10"), 13, 0).timestamp_millis()
    );
    assert!(
        zombie.citation.contains("国办秘函〔2019〕19号") && zombie.citation.contains("内容不更新"),
        "{}",
        zombie.citation
    );
    assert_eq!(
        zombie.evidence[0].sha256.as_deref(),
        Some(ids.shas["B"].as_str())
    );
    assert!(zombie.description.contains("超过 14 天未更新"));
    let c_line = &r.problems[2];
    assert!(c_line.repeated);
    assert_eq!(
        c_line.found_at_ms,
        at(day("2026-06-20"), 13, 0).timestamp_millis(),
        "open since Q2"
    );
    assert_eq!(r.problems[3].assessment, Assessment::LowCoverage);
    for p in &r.problems {
        assert!(
            !p.citation.is_empty() && !p.evidence.is_empty(),
            "every line cites and carries evidence"
        );
        assert!(
            p.evidence
                .iter()
                .all(|e| e.url.is_some() && e.sha256.is_some())
        );
    }
    assert_eq!(r.problems[0].account_id, ids.ids["A"]);

    // Categories: veto first; shares of the 5 problem accounts.
    assert_eq!(r.problem_accounts, 5);
    let cats: Vec<(RuleId, Vec<&str>, f64)> = r
        .categories
        .iter()
        .map(|c| {
            (
                c.rule,
                c.accounts.iter().map(String::as_str).collect(),
                c.share,
            )
        })
        .collect();
    assert_eq!(
        cats,
        [
            (RuleId::Zombie, vec!["“汉滨应急”（微信公众号）"], 0.2),
            (RuleId::Interaction, vec!["“汉阴发布”（新浪微博）"], 0.2),
            (RuleId::RepostDelay, vec!["“汉滨发布”（新浪微博）"], 0.2),
            (RuleId::Verification, vec!["“汉阴文旅”（抖音）"], 0.2),
            (RuleId::Naming, vec!["“石泉发布”（今日头条）"], 0.2),
        ]
    );

    // Against the previous quarter: C persists, E was rectified.
    assert_eq!(r.previous.quarter, Some("2026Q2".parse().unwrap()));
    assert_eq!(
        (r.previous.problem_accounts, r.previous.rectified_accounts),
        (2, 1)
    );
    assert_eq!(r.previous.persisting, ["“汉阴发布”（新浪微博）"]);

    // 2026-10-01..07 are the National Day holidays (2026 notice); 10-08 is
    // the first working day, and 10 working days later (10-10 is a make-up
    // working Saturday) is 10-21.
    assert_eq!(r.issued_on.to_string(), "2026-10-08");
    assert_eq!(r.rectification_deadline.to_string(), "2026-10-21");
}

#[tokio::test]
async fn a_known_quarter_gives_exactly_the_expected_report() {
    for db in common::backends().await {
        let ids = fill(&db.store).await;
        let r = build(&db.store, &QuarterRequest::new(q3())).await;
        check_numbers(&r, &ids, db.label);

        // One region only.
        let req = QuarterRequest {
            region: Some("汉阴县".into()),
            ..QuarterRequest::new(q3())
        };
        let r = build(&db.store, &req).await;
        let t = &r.total;
        assert_eq!(
            (t.registered, t.checked, t.passed, t.failed, t.low_coverage),
            (2, 1, 0, 1, 1),
            "{}",
            db.label
        );
        assert_eq!(r.problems.len(), 2);
        assert!(r.best_regions.is_empty());
        assert_eq!(r.previous.persisting, ["“汉阴发布”（新浪微博）"]);

        // A cut-off inside the quarter: B's zombie not yet rectified, the
        // late data not used.
        let cut = at(day("2026-08-15"), 0, 0).timestamp_millis();
        let req = QuarterRequest {
            as_of_ms: Some(cut),
            ..QuarterRequest::new(q3())
        };
        let r = build(&db.store, &req).await;
        assert!(r.partial);
        assert_eq!(r.period_to.to_string(), "2026-08-14");
        assert_eq!(r.issued_on.to_string(), "2026-08-15", "the cut-off's day");
        let z = r
            .problems
            .iter()
            .find(|p| p.rule == RuleId::Zombie)
            .unwrap();
        assert_eq!(z.rectification, Rectification::NotRectified, "{}", db.label);
        let a = r.accounts.iter().find(|a| a.name == "汉滨发布").unwrap();
        assert_eq!((a.supervised_days, a.posts), (45, 47));
        db.finish().await;
    }
}

// ---- the files --------------------------------------------------------------

fn cell_str(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

fn num(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

/// Rows of a sheet as cells (absolute positions from A1).
fn rows(path: &Path, sheet: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    let (h, w) = range
        .end()
        .map(|(r, c)| (r as usize + 1, c as usize + 1))
        .unwrap_or((0, 0));
    (0..h)
        .map(|r| {
            (0..w)
                .map(|c| {
                    range
                        .get_value((r as u32, c as u32))
                        .cloned()
                        .unwrap_or(Data::Empty)
                })
                .collect()
        })
        .collect()
}

fn find_row<'a>(rows: &'a [Vec<Data>], first: &str) -> &'a [Data] {
    rows.iter()
        .find(|r| r.first().map(cell_str).as_deref() == Some(first))
        .unwrap_or_else(|| panic!("no row {first}"))
}

fn check_xlsx(path: &Path, ids: &Ids) {
    let wb: Xlsx<_> = open_workbook(path).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "总体情况",
            "附件1 检查情况统计表",
            "附件2 存在问题的政务新媒体名单",
            "账号指标"
        ]
    );
    let summary = rows(path, "总体情况");
    assert!(cell_str(&summary[0][0]).contains("2026年第三季度"));
    assert_eq!(num(&find_row(&summary, "账号总数")[1]), 7.0);
    assert_eq!(num(&find_row(&summary, "检查数")[1]), 6.0);
    assert_eq!(num(&find_row(&summary, "不合格数")[1]), 2.0);
    assert_eq!(num(&find_row(&summary, "覆盖不足数")[1]), 1.0);
    assert!((num(&find_row(&summary, "合格率")[1]) - 4.0 / 6.0).abs() < 1e-9);
    assert_eq!(
        num(&find_row(&summary, "连续两个季度存在问题账号数")[1]),
        1.0
    );
    assert_eq!(num(&find_row(&summary, "内容不更新")[1]), 1.0);
    assert_eq!(cell_str(&find_row(&summary, "内容不更新")[2]), "单项否决");
    assert_eq!(num(&find_row(&summary, "2026-08")[1]), 136.0);

    let stats = rows(path, "附件1 检查情况统计表");
    let weibo: Vec<f64> = find_row(&stats, "新浪微博")[1..8].iter().map(num).collect();
    assert_eq!(weibo, [4.0, 4.0, 1.0, 3.0, 1.0, 0.0, 0.75]);
    let hanyin: Vec<f64> = find_row(&stats, "汉阴县")[1..8].iter().map(num).collect();
    assert_eq!(hanyin, [2.0, 1.0, 0.5, 0.0, 1.0, 1.0, 0.0]);
    assert_eq!(
        cell_str(&find_row(&stats, "抖音")[7]),
        "—",
        "no pass rate without a checked account"
    );

    let list = rows(path, "附件2 存在问题的政务新媒体名单");
    let header: Vec<String> = list[1].iter().map(cell_str).collect();
    assert_eq!(header, xunjian::report::xlsx::PROBLEM_HEADERS);
    assert_eq!(list.len(), 2 + 5);
    let line3: Vec<String> = list[3].iter().map(cell_str).collect();
    assert_eq!(line3[0], "2");
    assert_eq!(line3[1], "汉滨区 / 汉滨区汉滨应急单位");
    assert_eq!(
        (line3[2].as_str(), line3[3].as_str()),
        ("汉滨应急", "微信公众号")
    );
    assert_eq!(line3[4], "内容不更新（单项否决）");
    assert!(
        line3[6].starts_with("《政府网站与政务新媒体检查指标》（国办秘函〔2019〕19号）"),
        "{}",
        line3[6]
    );
    // 首次发现 and 最近发现 are Excel dates (local time), not text: the
    // serial of 2026-08-10 13:00 counts days from 1899-12-30.
    let serial = |d: &str, h: f64| {
        (chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
            - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap())
        .num_days() as f64
            + h / 24.0
    };
    for c in [7, 8] {
        match &list[3][c] {
            Data::DateTime(t) => assert!((t.as_f64() - serial("2026-08-10", 13.0)).abs() < 1e-6, "{t:?}"),
            other => panic!("发现时间 is not a date: {other:?}"),
        }
    }
    assert_eq!(line3[9], "已整改（2026-08-20）");
    assert!(
        line3[10].contains(&ids.shas["B"]) && line3[10].contains("https://example.invalid/evidence/"),
        "{}",
        line3[10]
    );
    let line4: Vec<String> = list[4].iter().map(cell_str).collect();
    assert_eq!(line4[9], "未整改；连续两个季度存在问题");

    let acc = rows(path, "账号指标");
    let header: Vec<String> = acc[0].iter().map(cell_str).collect();
    assert_eq!(header, xunjian::report::xlsx::ACCOUNT_HEADERS);
    let col = |h: &str| header.iter().position(|x| x == h).unwrap();
    let a = acc
        .iter()
        .find(|r| cell_str(&r[col("账号名称")]) == "汉滨发布")
        .unwrap();
    assert_eq!(cell_str(&a[col("检查结果")]), "合格");
    assert_eq!(num(&a[col("发布信息数")]), 94.0);
    assert_eq!(num(&a[col("按时转载")]), 1.0);
    assert_eq!(num(&a[col("超时转载")]), 1.0);
    assert_eq!(num(&a[col("未转载")]), 1.0);
    assert_eq!(num(&a[col("转载用时中位数(分钟)")]), 75.0);
    assert_eq!(num(&a[col("粉丝变化")]), 91.0);
    let d = acc
        .iter()
        .find(|r| cell_str(&r[col("账号名称")]) == "汉阴文旅")
        .unwrap();
    assert_eq!(cell_str(&d[col("检查结果")]), "覆盖不足");
    assert_eq!(cell_str(&d[col("未能抓取原因")]), "验证码 72 次");
    assert_eq!(acc.len(), 1 + 7);
}

/// Every sheet prints on A4, one page wide, with "— N —" at the foot; the
/// lists repeat their header rows on each page and keep them frozen.
fn check_xlsx_prints(path: &Path) {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut part = |name: &str| {
        let mut s = String::new();
        z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    };
    let workbook = part("xl/workbook.xml");
    for titles in [
        "\">'附件2 存在问题的政务新媒体名单'!$2:$2</definedName>",
        "\">账号指标!$1:$1</definedName>",
    ] {
        assert!(
            workbook.contains("<definedName name=\"_xlnm.Print_Titles\"") && workbook.contains(titles),
            "no repeated header rows {titles}: {workbook}"
        );
    }
    // 附件1's native charts: pass rate by platform and by region, the
    // latter over exactly the four region rows (not the 合计 row).
    let charts: Vec<String> = (1..=4)
        .filter_map(|n| {
            let mut s = String::new();
            z.by_name(&format!("xl/charts/chart{n}.xml")).ok()?.read_to_string(&mut s).ok()?;
            Some(s)
        })
        .collect();
    let regions = charts
        .iter()
        .find(|c| c.contains("各地区合格率"))
        .unwrap_or_else(|| panic!("no region chart in {} charts", charts.len()));
    assert!(
        regions.contains("'附件1 检查情况统计表'!$A$12:$A$15")
            && regions.contains("'附件1 检查情况统计表'!$H$12:$H$15"),
        "{regions}"
    );
    let mut part = |name: &str| {
        let mut s = String::new();
        z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    };
    // Column widths follow the text: 账号名称 on 账号指标 fits the longest
    // name (汉滨发布, four characters: about 2 × 4 + 2), not a fixed guess.
    let accounts = part("xl/worksheets/sheet4.xml");
    let width = |col: u16| -> f64 {
        let tag = format!("<col min=\"{col}\" max=\"{col}\" width=\"");
        let at = accounts.find(&tag).unwrap_or_else(|| panic!("no width for column {col}")) + tag.len();
        accounts[at..accounts[at..].find('"').unwrap() + at].parse().unwrap()
    };
    let name_w = width(4);
    assert!((10.0..=11.5).contains(&name_w), "账号名称 width {name_w}");
    let unit_w = width(3); // 主办单位: 汉滨区汉滨发布单位, nine characters
    assert!((19.0..=22.0).contains(&unit_w), "主办单位 width {unit_w}");
    for n in 1..=4 {
        let ws = part(&format!("xl/worksheets/sheet{n}.xml"));
        assert!(ws.contains("paperSize=\"9\""), "sheet{n} not A4");
        assert!(ws.contains("fitToHeight=\"0\"") && ws.contains("<pageSetUpPr fitToPage=\"1\"/>"), "sheet{n} not fit to width");
        assert!(ws.contains("<oddFooter>&amp;C— &amp;P —</oddFooter>"), "sheet{n} has no page numbers");
        if n >= 2 {
            assert!(ws.contains("state=\"frozen\""), "sheet{n} header not frozen");
        }
    }
}

fn check_html(html: &str) {
    for s in [
        "<html lang=\"zh-CN\">",
        "市政务公开办关于2026年第三季度政务新媒体检查情况的通报",
        "根据《国务院办公厅秘书局关于印发政府网站与政务新媒体检查指标、监管工作年度考核指标的通知》（国办秘函〔2019〕19号）的要求",
        "现将有关情况通报如下",
        "一、总体情况",
        "二、存在问题",
        "三、工作要求",
        "检查时间范围为2026年7月1日至9月30日",
        "合格率66.67%",
        "石泉县、安康市检查的账号全部合格",
        "覆盖不足",
        "“汉阴文旅”（抖音）",
        "一是内容不更新（单项否决）",
        "连续两个季度",
        "整改情况于2026年10月21日前书面报送市政务公开办",
        "2026年10月8日",
        "附件1",
        "检查情况统计表",
        "附件2",
        "存在问题的政务新媒体名单",
        "id=\"chart-pass-rate\"",
        "id=\"chart-regions\"",
        "id=\"chart-categories\"",
        "id=\"chart-monthly\"",
    ] {
        assert!(html.contains(s), "HTML lacks {s}");
    }
    assert_eq!(html.matches("<svg").count(), 4);
    // The three sections come in the notice's order.
    let pos = |s: &str| html.find(s).unwrap();
    assert!(pos("一、总体情况") < pos("二、存在问题") && pos("二、存在问题") < pos("三、工作要求"));
    assert!(
        pos("三、工作要求") < pos("id=\"annex-1\"")
            && pos("id=\"annex-1\"") < pos("id=\"annex-2\"")
    );
}

fn pdf_required() -> bool {
    std::env::var("XUNJIAN_REQUIRE_PDF").is_ok_and(|v| v == "1")
}

fn run(cmd: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"))
}

/// The PDF embeds the CJK fonts as real (subset CID TrueType) fonts —
/// no Type 3 glyph procedures, which is what Chromium makes of a glyph it
/// had to take from a CFF fallback font — renders without errors
/// (pdftoppm), and its text is the report's Chinese (pdftotext).
fn check_pdf(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let fonts = run("pdffonts", &[path.to_str().unwrap()]);
    assert!(fonts.status.success());
    let fonts = String::from_utf8_lossy(&fonts.stdout).into_owned();
    let lines: Vec<&str> = fonts
        .lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(!lines.is_empty(), "{fonts}");
    // The configured defaults: AR PL UMing CN (body), WenQuanYi Micro Hei (headings).
    assert!(
        lines.iter().any(|l| l.contains("UMingCN")),
        "body font not embedded:\n{fonts}"
    );
    assert!(
        lines.iter().any(|l| l.contains("WenQuanYiMicroHei")),
        "heading font not embedded:\n{fonts}"
    );
    for l in &lines {
        assert!(
            !l.contains("Type 3"),
            "a glyph fell back to a Type 3 font:\n{fonts}"
        );
        let cols: Vec<&str> = l.split_whitespace().collect();
        // … emb sub uni object ID: `emb` is the 5th column from the end.
        assert_eq!(cols[cols.len() - 5], "yes", "font not embedded: {l}");
        assert_eq!(
            cols[cols.len() - 3],
            "yes",
            "font without a ToUnicode map: {l}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("page");
    let out = run(
        "pdftoppm",
        &[
            "-r",
            "40",
            "-png",
            path.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "pdftoppm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "pdftoppm complained: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pages = std::fs::read_dir(dir.path()).unwrap().count();
    assert!(pages >= 3, "{pages} pages");
    let text = run("pdftotext", &[path.to_str().unwrap(), "-"]);
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    for s in [
        "一、总体情况",
        "二、存在问题",
        "三、工作要求",
        "检查情况统计表",
        "存在问题的政务新媒体名单",
        "汉阴文旅",
    ] {
        assert!(text.contains(s), "PDF text lacks {s}");
    }
    // No replacement characters or empty boxes where glyphs are missing.
    assert!(!text.contains('\u{FFFD}') && !text.contains('\u{25A1}'));
}

#[tokio::test]
async fn writes_xlsx_html_and_pdf() {
    let db = common::sqlite().await;
    let ids = fill(&db.store).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::default();
    let have_chromium = report::pdf::find_chromium(&cfg.report.chromium).is_ok();
    assert!(
        have_chromium || !pdf_required(),
        "XUNJIAN_REQUIRE_PDF=1 but Chromium is not installed"
    );
    let formats: &[Format] = if have_chromium {
        &[Format::Xlsx, Format::Html, Format::Pdf]
    } else {
        &[Format::Xlsx, Format::Html]
    };
    let written = report::write_quarterly(
        &db.store,
        &cfg,
        q3(),
        formats,
        dir.path(),
        &HolidayCalendar::builtin(),
        &NoProgress,
    )
    .await
    .unwrap();
    assert_eq!(written.len(), formats.len());
    // To look at the files: XUNJIAN_REPORT_KEEP=DIR keeps a copy.
    if let Some(keep) = std::env::var_os("XUNJIAN_REPORT_KEEP") {
        std::fs::create_dir_all(&keep).unwrap();
        for w in &written {
            std::fs::copy(w, Path::new(&keep).join(w.file_name().unwrap())).unwrap();
        }
    }
    let stem = dir.path().join("2026Q3-政务新媒体检查情况通报");
    assert_eq!(written[0], stem.with_extension("xlsx"));
    check_xlsx(&written[0], &ids);
    check_xlsx_prints(&written[0]);
    check_html(&std::fs::read_to_string(stem.with_extension("html")).unwrap());
    if have_chromium {
        check_pdf(&stem.with_extension("pdf"));
    } else {
        eprintln!(
            "Chromium not installed: PDF not tested (set XUNJIAN_REQUIRE_PDF=1 to require it)"
        );
    }

    // A PDF with a Chromium that does not exist fails with the package
    // name, and writes nothing.
    let mut cfg = Config::default();
    cfg.report.chromium = "/nonexistent/chromium".into();
    let other = tempfile::tempdir().unwrap();
    let err = report::write_quarterly(
        &db.store,
        &cfg,
        q3(),
        &[Format::Xlsx, Format::Pdf],
        other.path(),
        &HolidayCalendar::builtin(),
        &NoProgress,
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("apt-get install chromium fonts-noto-cjk"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(other.path()).unwrap().count(), 0);
    db.finish().await;
}

/// The command as an office runs it, on a SQLite store filled by the
/// library.
#[tokio::test]
async fn the_command_line_writes_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    let db_path = tmp.path().join("data").join("xunjian.db");
    std::fs::create_dir_all(db_path.parent().unwrap()).unwrap();
    let url = format!("sqlite://{}?mode=rwc", db_path.display());
    let store = Store::open(&url, &Default::default()).await.unwrap();
    fill(&store).await;
    store.close().await;
    let config = tmp.path().join("xunjian.toml");
    std::fs::write(
        &config,
        "[general]\ndata_dir = \"data\"\noffice_name = \"安康市政务公开办\"\n",
    )
    .unwrap();
    let out_dir = tmp.path().join("out");
    let xunjian = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_xunjian"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env_remove("XUNJIAN_CONFIG")
            .env_remove("XUNJIAN_DATABASE_URL")
            .env_remove("STATE_DIRECTORY")
            .output()
            .unwrap()
    };
    let o = xunjian(&[
        "report",
        "quarterly",
        "2026Q3",
        "--format",
        "xlsx,html",
        "--out",
        out_dir.to_str().unwrap(),
        "--region",
        "汉阴县",
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains("账号 2 个，检查 1 个，合格 0 个（其中互动功能需人工核查 0 个），不合格 1 个，覆盖不足 1 个"),
        "{stdout}"
    );
    let html = out_dir.join("2026Q3-汉阴县-政务新媒体检查情况通报.html");
    assert!(stdout.contains(html.to_str().unwrap()), "{stdout}");
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.contains("安康市政务公开办关于2026年第三季度汉阴县政务新媒体检查情况的通报"));
    assert!(
        out_dir
            .join("2026Q3-汉阴县-政务新媒体检查情况通报.xlsx")
            .exists()
    );

    // Usage errors exit 2.
    let o = xunjian(&["report", "quarterly", "2026Q5"]);
    assert_eq!(o.status.code(), Some(2));
    let o = xunjian(&["report", "quarterly", "2026Q3", "--format", "doc"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("doc"));
    // A Chromium that is not there: exit 1 naming the package.
    std::fs::write(
        &config,
        "[general]\ndata_dir = \"data\"\n[report]\nchromium = \"/nonexistent/chromium\"\n",
    )
    .unwrap();
    let o = xunjian(&[
        "report",
        "quarterly",
        "2026Q3",
        "--format",
        "pdf",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("chromium fonts-noto-cjk"));
}

/// Accounts that joined or left the registry during the quarter are judged
/// on the days they were registered; one retired before the quarter is not
/// in it. An account the platform never answered for is 覆盖不足 with the
/// reason, never failed.
#[tokio::test]
async fn supervision_follows_the_registry_through_the_quarter() {
    for db in common::backends().await {
        let s = &db.store;
        let spec = |id: &str, name: &str| {
            let mut sp = AccountSpec::new(Platform::Weibo, id, name);
            sp.region = Some("汉滨区".into());
            sp
        };
        let (x, y, z) = (
            spec("x", "早已退出"),
            spec("y", "一直在册"),
            spec("z", "季中退出"),
        );
        let opts = |name: &str| xunjian::store::ImportOptions {
            retire_missing: true,
            file_name: name.into(),
            ..Default::default()
        };
        s.import_accounts(
            &[x.clone(), y.clone(), z.clone()],
            &opts("a.xlsx"),
            at(day("2026-04-01"), 9, 0).timestamp_millis(),
        )
        .await
        .unwrap();
        // x leaves before the quarter, z on 08-01 (00:00 local).
        s.import_accounts(
            &[y.clone(), z.clone()],
            &opts("b.xlsx"),
            at(day("2026-06-01"), 9, 0).timestamp_millis(),
        )
        .await
        .unwrap();
        s.import_accounts(
            std::slice::from_ref(&y),
            &opts("c.xlsx"),
            at(day("2026-08-01"), 0, 0).timestamp_millis(),
        )
        .await
        .unwrap();
        // w joins on 09-01.
        let w = s
            .add_account(
                &spec("w", "季中新增"),
                at(day("2026-09-01"), 9, 0).timestamp_millis(),
                "test",
            )
            .await
            .unwrap()
            .id;
        let zid = s
            .find_account(Platform::Weibo, "z")
            .await
            .unwrap()
            .unwrap()
            .id;
        let yid = s
            .find_account(Platform::Weibo, "y")
            .await
            .unwrap()
            .unwrap()
            .id;
        for (i, d) in q3_days().into_iter().enumerate() {
            let t = at(d, 13, 0);
            if d == day("2026-07-02") {
                zombie_checked(s, zid, t).await;
            }
            if d == day("2026-09-02") {
                zombie_checked(s, w, t).await;
            }
            if d < day("2026-08-01") {
                let p = [post(&format!("z-{d}"), at(d, 9, 0), CommentState::Open)];
                observe(
                    s,
                    zid,
                    Platform::Weibo,
                    ObservationKind::Timeline,
                    t,
                    OutcomeClass::Ok,
                    ObservedData::Posts(&p),
                )
                .await;
            }
            if d >= day("2026-09-01") {
                let p = [post(&format!("w-{d}"), at(d, 9, 0), CommentState::Open)];
                observe(
                    s,
                    w,
                    Platform::Weibo,
                    ObservationKind::Timeline,
                    t,
                    OutcomeClass::Ok,
                    ObservedData::Posts(&p),
                )
                .await;
            }
            // y: the platform never answers.
            let outcome = if i % 2 == 0 {
                OutcomeClass::Blocked
            } else {
                OutcomeClass::LoginRequired
            };
            observe(
                s,
                yid,
                Platform::Weibo,
                ObservationKind::Timeline,
                t,
                outcome,
                ObservedData::Nothing,
            )
            .await;
        }
        let r = build(s, &QuarterRequest::new(q3())).await;
        let got: Vec<(&str, i64, i64, Assessment)> = r
            .accounts
            .iter()
            .map(|a| {
                (
                    a.name.as_str(),
                    a.supervised_days,
                    a.answered_days,
                    a.assessment,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("一直在册", 92, 0, Assessment::LowCoverage),
                ("季中新增", 30, 30, Assessment::Passed),
                ("季中退出", 31, 31, Assessment::Passed),
            ],
            "{}",
            db.label
        );
        let y = &r.accounts[0];
        assert_eq!(
            y.failure_summary.as_deref(),
            Some("访问被拦截 46 次、需要登录 46 次")
        );
        assert_eq!(
            y.longest_silence_secs,
            92 * 86400,
            "nothing seen: silent as far as we know"
        );
        assert!(r.problems.is_empty());
        assert_eq!(
            (
                r.total.registered,
                r.total.checked,
                r.total.passed,
                r.total.low_coverage
            ),
            (3, 2, 2, 1)
        );
        db.finish().await;
    }
}
