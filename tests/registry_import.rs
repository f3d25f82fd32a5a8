//! Registry import: the same registry in every format offices produce reads
//! the same; a bad registry lists every problem and yields no rows.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Workbook};
use std::path::{Path, PathBuf};
use xunjian::accounts::{AccountSpec, LifecycleStatus};
use xunjian::adapters::model::Platform;
use xunjian::registry::{ParsedRegistry, RegistryError, RowError, read_registry, read_registry_sheet};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn with_bom(text: &str) -> Vec<u8> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "test text must be GBK-encodable");
    bytes.into_owned()
}

fn invalid(result: Result<ParsedRegistry, RegistryError>) -> Vec<RowError> {
    match result {
        Err(RegistryError::Invalid(errors)) => errors,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// (row, column, value) of each error, for comparing whole error lists.
fn locations(errors: &[RowError]) -> Vec<(Option<usize>, Option<&str>, Option<&str>)> {
    errors.iter().map(|e| (e.row, e.column.as_deref(), e.value.as_deref())).collect()
}

/// A registry as an office would keep it: title line, header variants, an
/// unknown column, a blank line with separators, a row with only 序号,
/// link-only rows, several date spellings, two e-mail addresses.
const REGISTRY_CSV: &str = "\
安康市政务新媒体台账,,,,,,,,,,,
序号,账号名称（必填）,平台,账号ID,主页链接,所属地区,状态,开通日期,电子邮箱,是否源账号,标签,粉丝数
1,安康发布,新浪微博,1000000001,,安康市,正常,2013/4/1,xwb@ankang.example.gov.cn,是,市级、发布厅,120000
2,安康发布,,,https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzAwMDAwMDAwMQ==#wechat_redirect,安康市,运营中,2014年6月18日,xwb@ankang.example.gov.cn；bgs@ankang.example.gov.cn,是,市级,
,,,,,,,,,,,
3,汉滨区人民政府发布,微博,,weibo.com/u/1000000002,汉滨区,,20130320,,否,县区,
4,,,,,,,,,,,
5,安康市公安局,抖音,,www.douyin.com/user/MS4wLjABAAAAexample_ankang_gaj?from_tab_name=main,安康市,新开通,2026-03-01 00:00:00,,,部门;公安,
6,紫阳县人民政府发布,头条号,MS4wLjABAAAAexample_ziyang,,紫阳县,拟关停,2018.5.10,,,,
";

fn expected_registry() -> Vec<(usize, AccountSpec)> {
    let mut fabu_weibo = AccountSpec::new(Platform::Weibo, "1000000001", "安康发布");
    fabu_weibo.region = Some("安康市".into());
    fabu_weibo.opened_on = Some(date(2013, 4, 1));
    fabu_weibo.contact_email = Some("xwb@ankang.example.gov.cn".into());
    fabu_weibo.is_source = true;
    fabu_weibo.tags = vec!["市级".into(), "发布厅".into()];

    let mut fabu_wechat = AccountSpec::new(Platform::Wechat, "MzAwMDAwMDAwMQ==", "安康发布");
    fabu_wechat.profile_url =
        Some("https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzAwMDAwMDAwMQ==#wechat_redirect".into());
    fabu_wechat.region = Some("安康市".into());
    fabu_wechat.opened_on = Some(date(2014, 6, 18));
    fabu_wechat.contact_email = Some("xwb@ankang.example.gov.cn; bgs@ankang.example.gov.cn".into());
    fabu_wechat.is_source = true;
    fabu_wechat.tags = vec!["市级".into()];

    let mut hanbin = AccountSpec::new(Platform::Weibo, "1000000002", "汉滨区人民政府发布");
    hanbin.profile_url = Some("https://weibo.com/u/1000000002".into());
    hanbin.region = Some("汉滨区".into());
    hanbin.opened_on = Some(date(2013, 3, 20));
    hanbin.tags = vec!["县区".into()];

    let mut police = AccountSpec::new(Platform::Douyin, "MS4wLjABAAAAexample_ankang_gaj", "安康市公安局");
    police.profile_url = Some("https://www.douyin.com/user/MS4wLjABAAAAexample_ankang_gaj?from_tab_name=main".into());
    police.region = Some("安康市".into());
    police.status = LifecycleStatus::Opening;
    police.opened_on = Some(date(2026, 3, 1));
    police.tags = vec!["部门".into(), "公安".into()];

    let mut ziyang = AccountSpec::new(Platform::Toutiao, "MS4wLjABAAAAexample_ziyang", "紫阳县人民政府发布");
    ziyang.region = Some("紫阳县".into());
    ziyang.status = LifecycleStatus::Closing;
    ziyang.opened_on = Some(date(2018, 5, 10));

    vec![(3, fabu_weibo), (4, fabu_wechat), (6, hanbin), (8, police), (9, ziyang)]
}

fn rows_of(parsed: &ParsedRegistry) -> Vec<(usize, AccountSpec)> {
    parsed.rows.iter().map(|r| (r.row, r.spec.clone())).collect()
}

#[test]
fn registry_reads_the_same_from_utf8_bom_and_gbk_csv() {
    let dir = tempfile::tempdir().unwrap();
    let plain = read_registry(&write(dir.path(), "plain.csv", REGISTRY_CSV.as_bytes())).unwrap();
    let bom = read_registry(&write(dir.path(), "bom.csv", &with_bom(REGISTRY_CSV))).unwrap();
    let gbk_path = write(dir.path(), "gbk.CSV", &gbk(REGISTRY_CSV));
    let from_gbk = read_registry(&gbk_path).unwrap();

    assert_eq!(rows_of(&plain), expected_registry());
    assert_eq!(rows_of(&bom), expected_registry());
    assert_eq!(rows_of(&from_gbk), expected_registry());
    assert_eq!(from_gbk.header_row, 2);
    assert_eq!(from_gbk.sheet, None);
    assert_eq!(from_gbk.file, gbk_path);
    // The unknown column is named, not silently dropped.
    assert_eq!(from_gbk.warnings.len(), 1, "{:?}", from_gbk.warnings);
    assert!(from_gbk.warnings[0].contains("「粉丝数」"), "{:?}", from_gbk.warnings);
}

#[test]
fn registry_reads_from_utf16_tab_separated_unicode_text() {
    let dir = tempfile::tempdir().unwrap();
    // Excel's "Unicode text" export: UTF-16LE with BOM, tab-separated.
    let tabbed = REGISTRY_CSV.replace(',', "\t");
    let mut bytes = b"\xFF\xFE".to_vec();
    bytes.extend(tabbed.encode_utf16().flat_map(u16::to_le_bytes));
    let parsed = read_registry(&write(dir.path(), "unicode.txt", &bytes)).unwrap();
    assert_eq!(rows_of(&parsed), expected_registry());
}

/// The same registry as an .xlsx with what Excel gives instead of text:
/// a merged title, uids as numbers, real date cells, a TRUE/FALSE cell,
/// blank rows with borders.
#[test]
fn registry_reads_the_same_from_xlsx_as_from_csv() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let date_format = Format::new().set_num_format("yyyy年m月d日");
    let border = Format::new().set_border(FormatBorder::Thin);
    let csv_lines: Vec<Vec<&str>> = REGISTRY_CSV.lines().map(|l| l.split(',').collect()).collect();
    sheet.merge_range(0, 0, 0, 11, csv_lines[0][0], &Format::new()).unwrap();
    for (r, line) in csv_lines.iter().enumerate().skip(1) {
        for (c, text) in line.iter().enumerate() {
            let (r, c16) = (r as u32, c as u16);
            if text.is_empty() {
                sheet.write_blank(r, c16, &border).unwrap();
                continue;
            }
            let header = csv_lines[1][c];
            if r >= 2 && (header == "序号" || (header == "账号ID" && text.bytes().all(|b| b.is_ascii_digit()))) {
                sheet.write_number(r, c16, text.parse::<f64>().unwrap()).unwrap();
            } else if r >= 2 && header == "开通日期" {
                let spec = expected_registry().into_iter().find(|(row, _)| *row == r as usize + 1).unwrap().1;
                let d = spec.opened_on.unwrap();
                let dt = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).unwrap();
                sheet.write_datetime_with_format(r, c16, &dt, &date_format).unwrap();
            } else if r >= 2 && header == "是否源账号" {
                sheet.write_boolean(r, c16, *text == "是").unwrap();
            } else {
                sheet.write_string(r, c16, *text).unwrap();
            }
        }
    }
    workbook.save(&path).unwrap();

    let parsed = read_registry(&path).unwrap();
    assert_eq!(rows_of(&parsed), expected_registry());
    assert_eq!(parsed.header_row, 2);
    assert_eq!(parsed.sheet.as_deref(), Some("Sheet1"));
}

#[test]
fn merged_region_cells_fill_down_only_where_merged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("merged.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.merge_range(0, 0, 0, 5, "各县区政务微博台账", &Format::new()).unwrap();
    for (c, h) in ["所属地区", "账号名称", "平台", "账号ID", "主管单位", "开通日期"].iter().enumerate()
    {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    // 汉阴县 written once over rows 3–5 (merged), 主管单位 over rows 3–4.
    sheet.merge_range(2, 0, 4, 0, "汉阴县", &Format::new()).unwrap();
    sheet.merge_range(2, 4, 3, 4, "汉阴县人民政府", &Format::new()).unwrap();
    let rows = [
        ("汉阴县人民政府发布", 1000000011.0),
        ("汉阴教育", 1000000012.0),
        ("汉阴公安", 1000000013.0),
        // Not merged: the blank region must stay blank, not be guessed.
        ("石泉县人民政府发布", 1000000014.0),
    ];
    for (i, (name, uid)) in rows.iter().enumerate() {
        let r = i as u32 + 2;
        sheet.write_string(r, 1, *name).unwrap();
        sheet.write_string(r, 2, "微博").unwrap();
        sheet.write_number(r, 3, *uid).unwrap();
    }
    sheet
        .write_datetime_with_format(
            2,
            5,
            ExcelDateTime::from_ymd(2013, 3, 20).unwrap(),
            &Format::new().set_num_format("yyyy-mm-dd"),
        )
        .unwrap();
    // A 17-digit uid typed as a number has been rounded by Excel already.
    sheet.write_string(6, 1, "长号测试").unwrap();
    sheet.write_string(6, 2, "B站").unwrap();
    sheet.write_number(6, 3, 12345678901234567.0).unwrap();
    workbook.save(&path).unwrap();

    let parsed = read_registry(&path).unwrap();
    type Row<'a> = (usize, &'a str, &'a str, Option<&'a str>, Option<&'a str>);
    let got: Vec<Row> = parsed
        .rows
        .iter()
        .map(|r| {
            (
                r.row,
                r.spec.display_name.as_str(),
                r.spec.platform_id.as_str(),
                r.spec.region.as_deref(),
                r.spec.supervising_unit.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "汉阴县人民政府发布", "1000000011", Some("汉阴县"), Some("汉阴县人民政府")),
            (4, "汉阴教育", "1000000012", Some("汉阴县"), Some("汉阴县人民政府")),
            (5, "汉阴公安", "1000000013", Some("汉阴县"), None),
            (6, "石泉县人民政府发布", "1000000014", None, None),
            (7, "长号测试", "12345678901234568", None, None),
        ]
    );
    assert_eq!(parsed.rows[0].spec.opened_on, Some(date(2013, 3, 20)));
    assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
    assert!(parsed.warnings[0].contains("第 7 行") && parsed.warnings[0].contains("15 位"), "{:?}", parsed.warnings);
}

#[test]
fn legacy_xls_with_merged_cells_and_dates_reads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/registry/registry_legacy.xls");
    let parsed = read_registry(&path).unwrap();
    assert_eq!(parsed.header_row, 2);
    assert_eq!(parsed.sheet.as_deref(), Some("台账"));
    type Row<'a> = (usize, Platform, &'a str, Option<&'a str>, Option<NaiveDate>, LifecycleStatus);
    let got: Vec<Row> = parsed
        .rows
        .iter()
        .map(|r| {
            (
                r.row,
                r.spec.platform,
                r.spec.platform_id.as_str(),
                r.spec.region.as_deref(),
                r.spec.opened_on,
                r.spec.status,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (3, Platform::Weibo, "1000000011", Some("汉阴县"), Some(date(2013, 3, 20)), LifecycleStatus::Active),
            (4, Platform::Wechat, "gh_0123456789ab", Some("汉阴县"), Some(date(2015, 6, 1)), LifecycleStatus::Active),
            (5, Platform::Weibo, "1000000012", Some("石泉县"), Some(date(2013, 3, 25)), LifecycleStatus::Closing),
        ]
    );
}

#[test]
fn several_bad_rows_list_every_error_and_import_nothing() {
    let text = "\
账号名称,平台,账号ID,主页链接,开通日期,电子邮箱
安康发布,微博,1000000001,,2013-04-01,xwb@ankang.example.gov.cn
某某发布,推特,12345,,,
汉滨区人民政府发布,,,weibo.com/hanbinfabu,,
旬阳县人民政府发布,微博,1000000003,,2026-13-45,
平利县人民政府发布,微博,1000000004,,,pingli.gov.cn
安康发布（重复）,新浪微博,1000000001,,,
,微博,1000000005,,,
镇坪县人民政府发布,抖音,,https://weibo.com/u/1000000006,三月一日,
白河县人民政府发布,微博,1000000007,,2013-03-28,bhx@ankang.example.gov.cn
";
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad.csv", &gbk(text));
    let errors = invalid(read_registry(&path));
    assert_eq!(
        locations(&errors),
        vec![
            (Some(3), Some("平台"), Some("推特")),
            (Some(4), Some("主页链接"), Some("weibo.com/hanbinfabu")),
            (Some(5), Some("开通日期"), Some("2026-13-45")),
            (Some(6), Some("电子邮箱"), Some("pingli.gov.cn")),
            (Some(7), Some("账号ID"), Some("1000000001")),
            (Some(8), Some("账号名称"), None),
            (Some(9), Some("平台"), Some("抖音")),
            (Some(9), Some("开通日期"), Some("三月一日")),
        ]
    );
    assert!(errors.iter().all(|e| e.file == path && e.sheet.is_none()));
    assert!(errors[0].message.contains("新浪微博、微信公众号、抖音"), "{}", errors[0].message);
    assert!(errors[1].message.contains("数字 UID"), "{}", errors[1].message);
    assert!(errors[2].message.contains("日期不存在"), "{}", errors[2].message);
    assert!(errors[4].message.contains("与第 2 行重复"), "{}", errors[4].message);
    assert!(errors[6].message.contains("新浪微博"), "{}", errors[6].message);
    assert!(errors[7].message.contains("日期无法识别"), "{}", errors[7].message);

    // The message the office reads: every error on its own line, with file,
    // row, column and value.
    let shown = RegistryError::Invalid(errors.clone()).to_string();
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 1 + errors.len(), "{shown}");
    assert!(lines[0].contains("8 处错误"), "{shown}");
    assert_eq!(
        lines[1],
        format!(
            "{} 第 3 行「平台」列，值「推特」：无法识别的平台（unknown platform；可用：新浪微博、微信公众号、抖音、今日头条、哔哩哔哩、快手、小红书）",
            path.display()
        )
    );
    assert_eq!(lines[6], format!("{} 第 8 行「账号名称」列：账号名称为空（必填）", path.display()));
}

#[test]
fn xlsx_errors_name_the_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("台账").unwrap();
    for (c, h) in ["账号名称", "平台", "账号ID", "状态", "开通日期"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["安康发布", "微博", "1000000001", "半停"].iter().enumerate() {
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    // A date typed where the cell lost its date format: Excel shows 46082.
    sheet.write_number(1, 4, 46082.0).unwrap();
    workbook.save(&path).unwrap();
    let errors = invalid(read_registry(&path));
    assert_eq!(
        locations(&errors),
        vec![(Some(2), Some("状态"), Some("半停")), (Some(2), Some("开通日期"), Some("46082"))]
    );
    assert!(errors[1].message.contains("日期序号"), "{}", errors[1].message);
    assert_eq!(errors[0].sheet.as_deref(), Some("台账"));
    assert!(
        errors[0].to_string().contains(" 工作表「台账」 第 2 行「状态」列，值「半停」：无法识别的状态"),
        "{}",
        errors[0]
    );
}

#[test]
fn missing_columns_and_headers_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let no_id =
        invalid(read_registry(&write(dir.path(), "a.csv", "账号名称,平台,状态\n安康发布,微博,正常\n".as_bytes())));
    assert_eq!(locations(&no_id), vec![(Some(1), None, None)]);
    assert!(no_id[0].message.contains("缺少必填列") && no_id[0].message.contains("账号ID"), "{}", no_id[0].message);

    let no_header = invalid(read_registry(&write(dir.path(), "b.csv", "名字,地方\n安康发布,安康\n".as_bytes())));
    assert_eq!(locations(&no_header), vec![(None, None, None)]);
    assert!(no_header[0].message.contains("找不到表头"), "{}", no_header[0].message);

    let no_rows = invalid(read_registry(&write(dir.path(), "c.csv", "账号名称,平台,账号ID\n,,\n".as_bytes())));
    assert!(no_rows[0].message.contains("没有账号数据"), "{}", no_rows[0].message);

    let twice = invalid(read_registry(&write(
        dir.path(),
        "d.csv",
        "账号名称,平台,账号ID,电话,手机\n安康发布,微博,1,2,3\n".as_bytes(),
    )));
    assert_eq!(locations(&twice), vec![(Some(1), Some("手机"), None)]);
    assert!(twice[0].message.contains("「电话」"), "{}", twice[0].message);
}

#[test]
fn unsupported_and_unreadable_files() {
    let dir = tempfile::tempdir().unwrap();
    let ods = write(dir.path(), "accounts.ods", b"whatever");
    assert!(matches!(read_registry(&ods), Err(RegistryError::UnsupportedFormat { .. })));
    let not_xlsx = write(dir.path(), "accounts.xlsx", b"this is not a zip file");
    assert!(matches!(read_registry(&not_xlsx), Err(RegistryError::Workbook { .. })));
    let missing = dir.path().join("missing.csv");
    assert!(matches!(read_registry(&missing), Err(RegistryError::Io { .. })));
    let binary = write(dir.path(), "binary.csv", b"\x00\xFF\xFF\x00");
    assert!(matches!(read_registry(&binary), Err(RegistryError::Encoding { .. })));
}

#[test]
fn several_registry_sheets_are_refused_unless_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sheets.xlsx");
    let mut workbook = Workbook::new();
    let notes = workbook.add_worksheet();
    notes.set_name("填表说明").unwrap();
    notes.write_string(0, 0, "请按表头填写，平台写“微博”“微信公众号”等").unwrap();
    for (name, uid) in [("县区", "1000000021"), ("部门", "1000000022")] {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name).unwrap();
        for (c, h) in ["账号名称", "平台", "账号ID"].iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        sheet.write_string(1, 0, format!("{name}账号")).unwrap();
        sheet.write_string(1, 1, "微博").unwrap();
        sheet.write_string(1, 2, uid).unwrap();
    }
    workbook.save(&path).unwrap();

    // Two visible sheets with a registry header: which one is the registry
    // is the office's call, not a guess (see tests/registry_guard.rs).
    assert!(matches!(read_registry(&path), Err(RegistryError::SeveralRegistrySheets { .. })));
    let named = read_registry_sheet(&path, Some("部门")).unwrap();
    assert_eq!(named.rows[0].spec.display_name, "部门账号");
    match read_registry_sheet(&path, Some("乡镇")) {
        Err(RegistryError::SheetNotFound { sheet, available, .. }) => {
            assert_eq!(sheet, "乡镇");
            assert_eq!(available, vec!["填表说明", "县区", "部门"]);
        }
        other => panic!("expected SheetNotFound, got {other:?}"),
    }
}

#[test]
fn platform_link_and_id_must_agree() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\
账号名称,平台,账号ID,主页链接
安康发布,微博,1000000001,https://weibo.com/u/1000000099
安康发布,微信公众号,ankangfabu,https://mp.weixin.qq.com/s?__biz=MzAwMDAwMDAwMQ==&mid=1
汉滨发布,微博,1000000002,https://weibo.com/hanbinfabu
汉滨发布,,,https://mp.weixin.qq.com/s/AbCdEf123
汉滨发布,微博,hanbin,
汉滨发布,微博,1.23457E+15,
";
    let errors = invalid(read_registry(&write(dir.path(), "x.csv", text.as_bytes())));
    assert_eq!(
        locations(&errors),
        vec![
            (Some(2), Some("账号ID"), Some("1000000001")),
            (Some(5), Some("主页链接"), Some("https://mp.weixin.qq.com/s/AbCdEf123")),
            (Some(6), Some("账号ID"), Some("hanbin")),
            (Some(7), Some("账号ID"), Some("1.23457E+15")),
        ]
    );
    assert!(errors[0].message.contains("1000000099"), "{}", errors[0].message);
    assert!(errors[1].message.contains("__biz"), "{}", errors[1].message);
    assert!(errors[3].message.contains("科学计数法"), "{}", errors[3].message);

    // Without the bad rows: the 微信号 in the ID column wins over the link's
    // __biz, and a custom-domain link beside explicit platform and id is kept
    // with a warning.
    let good: String = text.lines().take(1).chain(text.lines().skip(2).take(2)).map(|l| format!("{l}\n")).collect();
    let parsed = read_registry(&write(dir.path(), "y.csv", good.as_bytes())).unwrap();
    let keys: Vec<(Platform, &str)> = parsed.specs().map(|s| (s.platform, s.platform_id.as_str())).collect();
    assert_eq!(keys, vec![(Platform::Wechat, "ankangfabu"), (Platform::Weibo, "1000000002")]);
    assert_eq!(parsed.rows[1].spec.profile_url.as_deref(), Some("https://weibo.com/hanbinfabu"));
    assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
    assert!(parsed.warnings[0].contains("第 3 行"), "{:?}", parsed.warnings);
}

#[test]
fn status_and_other_columns_in_office_words() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\
账号名称,平台,UID,状态,关停日期,上级门户,是否源账号,责任人,电话,主办单位,主管单位,备注
甲,B站,11,停更,2026/6/30,www.ankang.example.gov.cn,否,张三,13800000000,某局,某市政府,备注一
乙,快手,3xabc,已注销,,,,,,,,
丙,小红书,5f0123456789abcdef012345,拟开通,,,1,,,,,
丁,微信,gh_0123456789ab,Active,,,yes,,,,,
戊,抖音,MS4wLjABAAAAwu,正常,无,/,—,暂无,-,,,无
";
    let parsed = read_registry(&write(dir.path(), "s.csv", text.as_bytes())).unwrap();
    let statuses: Vec<LifecycleStatus> = parsed.specs().map(|s| s.status).collect();
    assert_eq!(
        statuses,
        vec![
            LifecycleStatus::Closing,
            LifecycleStatus::Closed,
            LifecycleStatus::Planned,
            LifecycleStatus::Active,
            LifecycleStatus::Active
        ]
    );
    let first = &parsed.rows[0].spec;
    assert_eq!(first.platform, Platform::Bilibili);
    assert_eq!(first.closing_on, Some(date(2026, 6, 30)));
    assert_eq!(first.superior_portal_url.as_deref(), Some("https://www.ankang.example.gov.cn"));
    assert_eq!(first.contact_name.as_deref(), Some("张三"));
    assert_eq!(first.contact_phone.as_deref(), Some("13800000000"));
    assert_eq!(first.owner_unit.as_deref(), Some("某局"));
    assert_eq!(first.supervising_unit.as_deref(), Some("某市政府"));
    assert_eq!(first.notes.as_deref(), Some("备注一"));
    let sources: Vec<bool> = parsed.specs().map(|s| s.is_source).collect();
    assert_eq!(sources, vec![false, false, true, true, false]);
    let platforms: Vec<Platform> = parsed.specs().map(|s| s.platform).collect();
    assert_eq!(
        platforms,
        vec![Platform::Bilibili, Platform::Kuaishou, Platform::Xiaohongshu, Platform::Wechat, Platform::Douyin]
    );
    // 无, /, — are how offices leave a cell empty.
    let mut placeholders = AccountSpec::new(Platform::Douyin, "MS4wLjABAAAAwu", "戊");
    placeholders.status = LifecycleStatus::Active;
    assert_eq!(parsed.rows[4].spec, placeholders);
}
