//! Registry import guards (issue 18): the sheet that is read, CSV row
//! numbers, size limits, ids and values that are not what they claim, and
//! CSV export that cannot run formulas.

use chrono::NaiveDate;
use rust_xlsxwriter::Workbook;
use std::path::{Path, PathBuf};
use xunjian::accounts::AccountSpec;
use xunjian::adapters::model::Platform;
use xunjian::registry::{
    Limits, ParsedRegistry, ReadOptions, RegistryError, RowError, read_registry_with, write_csv,
};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
}

fn read(path: &Path) -> Result<ParsedRegistry, RegistryError> {
    read_registry_with(path, &ReadOptions::new(today()))
}

fn read_sheet(path: &Path, sheet: &str) -> Result<ParsedRegistry, RegistryError> {
    read_registry_with(path, &ReadOptions { sheet: Some(sheet.into()), ..ReadOptions::new(today()) })
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn invalid(result: Result<ParsedRegistry, RegistryError>) -> Vec<RowError> {
    match result {
        Err(RegistryError::Invalid(errors)) => errors,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn locations(errors: &[RowError]) -> Vec<(Option<usize>, Option<&str>, Option<&str>)> {
    errors.iter().map(|e| (e.row, e.column.as_deref(), e.value.as_deref())).collect()
}

/// A sheet with a registry header and the given (name, weibo uid) rows.
fn registry_sheet(workbook: &mut Workbook, name: &str, rows: &[(&str, &str)], hidden: bool) {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name).unwrap();
    for (c, h) in ["账号名称", "平台", "账号ID"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (n, uid)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, *n).unwrap();
        sheet.write_string(r, 1, "微博").unwrap();
        sheet.write_string(r, 2, *uid).unwrap();
    }
    if hidden {
        sheet.set_hidden(true);
    } else {
        // Excel will not hide the active sheet; the visible registry is the
        // one a clerk sees on opening the file.
        sheet.set_active(true);
    }
}

#[test]
fn a_hidden_first_sheet_is_skipped_and_the_visible_registry_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hidden.xlsx");
    let mut workbook = Workbook::new();
    registry_sheet(&mut workbook, "旧台账2019", &[("已关停的旧账号", "1000000099")], true);
    registry_sheet(&mut workbook, "台账", &[("安康发布", "1000000001"), ("汉滨发布", "1000000002")], false);
    workbook.save(&path).unwrap();

    let parsed = read(&path).unwrap();
    assert_eq!(parsed.sheet.as_deref(), Some("台账"));
    let ids: Vec<&str> = parsed.specs().map(|s| s.platform_id.as_str()).collect();
    assert_eq!(ids, vec!["1000000001", "1000000002"]);
    assert!(parsed.warnings.iter().any(|w| w.contains("隐藏的工作表「旧台账2019」")), "{:?}", parsed.warnings);

    // Named explicitly, the hidden sheet is read, and said to be hidden.
    let old = read_sheet(&path, "旧台账2019").unwrap();
    assert_eq!(old.rows[0].spec.platform_id, "1000000099");
    assert!(old.warnings.iter().any(|w| w.contains("隐藏")), "{:?}", old.warnings);
}

#[test]
fn several_visible_registry_sheets_need_a_sheet_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.xlsx");
    let mut workbook = Workbook::new();
    let notes = workbook.add_worksheet();
    notes.set_name("填表说明").unwrap();
    notes.write_string(0, 0, "请按表头填写").unwrap();
    registry_sheet(&mut workbook, "县区", &[("县区账号", "1000000021")], false);
    registry_sheet(&mut workbook, "部门", &[("部门账号", "1000000022")], false);
    workbook.save(&path).unwrap();

    match read(&path) {
        Err(e @ RegistryError::SeveralRegistrySheets { .. }) => {
            let RegistryError::SeveralRegistrySheets { sheets, .. } = &e else { unreachable!() };
            assert_eq!(sheets, &vec!["县区".to_string(), "部门".to_string()]);
            assert!(e.to_string().contains("--sheet"), "{e}");
        }
        other => panic!("expected SeveralRegistrySheets, got {other:?}"),
    }
    assert_eq!(read_sheet(&path, "部门").unwrap().rows[0].spec.display_name, "部门账号");
}

/// The same registry with a multi-line quoted cell and a blank line, in the
/// line endings and encodings Excel and WPS write. Row 5 has a bad platform.
const ROWS_CSV: &str = "账号名称,平台,账号ID,备注\n\
安康发布,微博,1000000001,\n\
汉滨发布,微博,1000000002,\"第一行\n第二行\"\n\
\n\
某某发布,推特,1000000003,\n\
旬阳发布,微博,1000000004,\n";

#[test]
fn csv_rows_are_numbered_as_excel_shows_them_for_every_line_ending() {
    let dir = tempfile::tempdir().unwrap();
    for (ending, bom) in [("\n", false), ("\r\n", false), ("\n", true), ("\r\n", true)] {
        let text = ROWS_CSV.replace('\n', ending);
        let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
        bytes.extend_from_slice(text.as_bytes());
        let path = write(dir.path(), "rows.csv", &bytes);
        let errors = invalid(read(&path));
        assert_eq!(locations(&errors), vec![(Some(5), Some("平台"), Some("推特"))], "{ending:?} bom={bom}");

        let good = text.replace("推特", "微博");
        let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
        bytes.extend_from_slice(good.as_bytes());
        let parsed = read(&write(dir.path(), "rows.csv", &bytes)).unwrap();
        let rows: Vec<usize> = parsed.rows.iter().map(|r| r.row).collect();
        assert_eq!(rows, vec![2, 3, 5, 6], "{ending:?} bom={bom}");
        let notes = parsed.rows[1].spec.notes.as_deref().unwrap();
        assert_eq!(notes.lines().collect::<Vec<_>>(), vec!["第一行", "第二行"], "{ending:?}");
    }
}

#[test]
fn an_unclosed_quote_is_a_csv_error_at_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let text = "账号名称,平台,账号ID,电子邮箱\r\n安康发布,微博,1000000001,a@ankang.example.gov.cn\r\n\
                汉滨发布,微博,1000000002,\"hb@ankang.example.gov.cn\r\n旬阳发布,微博,1000000003,xy@ankang.example.gov.cn\r\n";
    let errors = invalid(read(&write(dir.path(), "quote.csv", text.as_bytes())));
    assert_eq!(locations(&errors), vec![(Some(3), None, None)]);
    assert!(errors[0].message.contains("引号不成对"), "{}", errors[0].message);
    assert!(!errors[0].message.contains("邮箱"), "{}", errors[0].message);
}

#[test]
fn files_beyond_the_limits_are_refused_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("账号名称,平台,账号ID\n");
    for i in 0..50 {
        text.push_str(&format!("账号{i},微博,{}\n", 1_000_000_000 + i));
    }
    let path = write(dir.path(), "many.csv", text.as_bytes());
    let limits = |l: Limits| ReadOptions { limits: l, ..ReadOptions::new(today()) };

    let small = Limits { max_file_bytes: 200, ..Limits::DEFAULT };
    let e = read_registry_with(&path, &limits(small)).unwrap_err();
    assert!(matches!(e, RegistryError::FileTooLarge { limit: 200, .. }), "{e:?}");
    assert!(e.to_string().contains("超过导入上限"), "{e}");

    let few_rows = Limits { max_rows: 20, ..Limits::DEFAULT };
    let e = read_registry_with(&path, &limits(few_rows)).unwrap_err();
    assert!(matches!(e, RegistryError::TooManyRows { limit: 20, .. }), "{e:?}");
    assert!(e.to_string().contains("超过 20 行"), "{e}");
    assert_eq!(read_registry_with(&path, &limits(Limits::DEFAULT)).unwrap().rows.len(), 50);

    // An .xlsx's declared unpacked size is checked before it is inflated.
    let xlsx = dir.path().join("big.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, h) in ["账号名称", "平台", "账号ID"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..2000u32 {
        sheet.write_number(r, 3, r as f64).unwrap();
    }
    workbook.save(&xlsx).unwrap();
    let packed = std::fs::metadata(&xlsx).unwrap().len();
    let unpacked_limit = Limits { max_unpacked_bytes: packed * 2, ..Limits::DEFAULT };
    let e = read_registry_with(&xlsx, &limits(unpacked_limit)).unwrap_err();
    match &e {
        RegistryError::UnpackedTooLarge { size, .. } => assert!(*size > packed * 2, "{size} vs {packed}"),
        other => panic!("expected UnpackedTooLarge, got {other:?}"),
    }
    assert!(e.to_string().contains("解压后"), "{e}");

    // One stray value a million rows down is refused, not turned into a
    // million-row grid.
    let far = dir.path().join("far.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, h) in ["账号名称", "平台", "账号ID"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1_000_000, 0, "x").unwrap();
    workbook.save(&far).unwrap();
    let e = read(&far).unwrap_err();
    assert!(matches!(e, RegistryError::TooManyRows { limit: 20_000, .. }), "{e:?}");
}

#[test]
fn ids_that_are_not_ids_of_their_platform_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = "账号名称,平台,账号ID\n\
                甲,微博,../../../../tmp/pwned\n\
                乙,抖音,../../../../tmp/pwned\n\
                丙,微信公众号,..\\..\\windows\\x\n\
                丁,快手,ab\u{0}cd\n\
                戊,今日头条,a/b\n\
                己,微信公众号,MzAwMDAwMDAwMQ==\n\
                庚,抖音,MS4wLjABAAAAexample_ankang_gaj\n";
    let errors = invalid(read(&write(dir.path(), "ids.csv", text.as_bytes())));
    let rows: Vec<Option<usize>> = errors.iter().map(|e| e.row).collect();
    assert_eq!(rows, vec![Some(2), Some(3), Some(4), Some(5), Some(5), Some(6)], "{errors:#?}");
    assert!(errors.iter().all(|e| e.column.as_deref() == Some("账号ID")), "{errors:#?}");
    assert!(errors[1].message.contains("不是抖音的账号ID"), "{}", errors[1].message);
    assert!(errors[2].message.contains("gh_"), "{}", errors[2].message);
    assert!(errors[3].message.contains("控制字符"), "{}", errors[3].message);
}

#[test]
fn emails_names_and_stray_cells_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let text = "账号名称,平台,账号ID,电子邮箱\n\
                安康发布,微博,1000000001,张三<zs@ankang.example.gov.cn>\n\
                \"汉滨\n发布\",微博,1000000002,\n\
                旬阳发布,微博,1000000003,,多出来的内容\n\
                ,,,,,只有多出来的\n";
    let errors = invalid(read(&write(dir.path(), "values.csv", text.as_bytes())));
    assert_eq!(
        locations(&errors),
        vec![
            (Some(2), Some("电子邮箱"), Some("张三<zs@ankang.example.gov.cn>")),
            (Some(3), Some("账号名称"), Some("汉滨\n发布")),
            (Some(4), Some("E"), Some("多出来的内容")),
            (Some(5), Some("F"), Some("只有多出来的")),
        ]
    );
    assert!(errors[0].message.contains("不要带姓名和尖括号"), "{}", errors[0].message);
    assert!(errors[1].message.contains("换行"), "{}", errors[1].message);
    assert!(errors[2].message.contains("没有表头"), "{}", errors[2].message);
    assert!(errors[2].to_string().contains("「E」列"), "{}", errors[2]);
}

#[test]
fn unrecognised_headers_are_reported_once_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    // Full-width letters are the same header.
    let wide = "账号名称,平台,账号ＩＤ\n安康发布,微博,1000000001\n";
    let parsed = read(&write(dir.path(), "wide.csv", wide.as_bytes())).unwrap();
    assert_eq!(parsed.rows[0].spec.platform_id, "1000000001");

    let slash = "账号名称,平台,账号ID/UID,主页链接\n安康发布,微博,1000000001,\n汉滨发布,微博,1000000002,\n";
    let errors = invalid(read(&write(dir.path(), "slash.csv", slash.as_bytes())));
    assert_eq!(locations(&errors), vec![(Some(1), Some("账号ID/UID"), None)]);
    assert!(errors[0].message.starts_with("无法识别的列“账号ID/UID”，是否为“账号ID”？"), "{}", errors[0].message);
}

#[test]
fn formulas_without_a_saved_value_are_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("formula.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    // What a program (not Excel) writes: the formula, no cached result.
    sheet.set_formula_result_default("");
    for (c, h) in ["账号名称", "平台", "账号ID"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_formula(1, 0, "=CONCATENATE(\"安康\",\"发布\")").unwrap();
    sheet.write_string(1, 1, "微博").unwrap();
    sheet.write_string(1, 2, "1000000001").unwrap();
    workbook.save(&path).unwrap();
    let errors = invalid(read(&path));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!((errors[0].row, errors[0].column.as_deref()), (Some(2), Some("账号名称")));
    assert!(errors[0].message.contains("没有保存它的计算结果"), "{}", errors[0].message);
    assert!(errors[0].value.as_deref().unwrap().contains("CONCATENATE"), "{:?}", errors[0].value);
}

#[test]
fn unreadable_workbooks_are_explained_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "broken.xlsx", b"PK\x03\x04 this zip is cut short");
    let e = read(&path).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("文件已损坏"), "{text}");
    // No library English in what the office reads (the file name aside).
    let message = text.replace(&path.display().to_string(), "");
    assert!(!message.contains("Zip") && !message.contains("invalid") && !message.contains("archive"), "{message}");
}

#[test]
fn dates_more_than_a_year_ahead_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = "账号名称,平台,账号ID,开通日期,关停日期\n\
                安康发布,微博,1000000001,2099-03-01,\n\
                汉滨发布,微博,1000000002,2026-11-30,2027-12-02\n\
                旬阳发布,微博,1000000003,2019-03-01,2027-12-03\n";
    let errors = invalid(read(&write(dir.path(), "dates.csv", text.as_bytes())));
    assert_eq!(
        locations(&errors),
        vec![(Some(2), Some("开通日期"), Some("2099-03-01")), (Some(4), Some("关停日期"), Some("2027-12-03"))]
    );
    assert!(errors[0].message.contains("2027-12-02"), "{}", errors[0].message);
}

#[test]
fn csv_export_cannot_run_formulas_and_reads_back_the_same_names() {
    let dir = tempfile::tempdir().unwrap();
    let names = ["=HYPERLINK(\"http://x.example/\",\"点我\")", "@SUM(A1:A9)", "+86热线", "-减号开头", "'引号开头", "'=已带引号的公式", "安康发布"];
    let accounts: Vec<AccountSpec> = names
        .iter()
        .enumerate()
        .map(|(i, n)| AccountSpec::new(Platform::Weibo, format!("{}", 1_000_000_001 + i), *n))
        .collect();
    let path = dir.path().join("export.csv");
    write_csv(&path, &accounts).unwrap();
    let raw = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
    for dangerous in ["=HYPERLINK", "@SUM", "+86", "-减号"] {
        assert!(!raw.contains(&format!(",{dangerous}")) && !raw.contains(&format!(",\"{dangerous}")), "{dangerous}: {raw}");
        assert!(raw.contains(&format!("'{dangerous}")), "{dangerous}: {raw}");
    }
    let back: Vec<String> = read(&path).unwrap().specs().map(|s| s.display_name.clone()).collect();
    assert_eq!(back, names);
}

/// An account already in operation cannot have opened on a future day (a
/// typo such as 2062 for 2026); one still planned may carry its planned day.
#[test]
fn a_future_opening_date_needs_a_planned_status() {
    let dir = tempfile::tempdir().unwrap();
    let text = "账号名称,平台,账号ID,状态,开通日期\n\
                安康发布,微博,1000000001,正常,2027-01-05\n\
                汉滨发布,微博,1000000002,拟开通,2027-01-05\n\
                旬阳发布,微博,1000000003,,2026-12-03\n\
                石泉发布,微博,1000000004,已关停,2026-12-02\n";
    let errors = invalid(read(&write(dir.path(), "opened.csv", text.as_bytes())));
    assert_eq!(
        locations(&errors),
        vec![(Some(2), Some("开通日期"), Some("2027-01-05")), (Some(4), Some("开通日期"), Some("2026-12-03"))]
    );
    assert!(errors[0].message.contains("开通日期晚于今天（2026-12-02）"), "{}", errors[0].message);
    assert!(errors[0].message.contains("拟开通"), "{}", errors[0].message);
    let fixed = text.replace("正常,2027-01-05", "拟开通,2027-01-05").replace(",,2026-12-03", ",新开通,2026-12-03");
    let parsed = read(&write(dir.path(), "opened.csv", fixed.as_bytes())).unwrap();
    assert_eq!(parsed.rows.len(), 4);
}

/// The smallest compound file (OLE) with an `EncryptedPackage` stream: what
/// Excel and WPS write for an .xlsx saved with a password to open.
fn encrypted_ooxml() -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    let mut header = vec![0u8; 512];
    header[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    let put16 = |b: &mut Vec<u8>, at: usize, v: u16| b[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 = |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put16(&mut header, 24, 0x003E); // minor version
    put16(&mut header, 26, 3); // major version 3: 512-byte sectors
    put16(&mut header, 28, 0xFFFE); // little-endian
    put16(&mut header, 30, 9); // sector shift
    put16(&mut header, 32, 6); // mini sector shift
    put32(&mut header, 44, 1); // one FAT sector
    put32(&mut header, 48, 1); // directory in sector 1
    put32(&mut header, 56, 4096); // mini stream cutoff
    put32(&mut header, 60, END); // no mini FAT
    put32(&mut header, 68, END); // no DIFAT sectors
    for i in 0..109 {
        put32(&mut header, 76 + 4 * i, if i == 0 { 0 } else { 0xFFFF_FFFF });
    }
    // Sector 0: the FAT (itself, then the directory's one-sector chain).
    let mut fat = vec![0xFFu8; 512];
    put32(&mut fat, 0, 0xFFFF_FFFD);
    put32(&mut fat, 4, END);
    // Sector 1: the root entry and the encrypted package (empty here).
    let mut dir = vec![0u8; 512];
    let entry = |d: &mut Vec<u8>, at: usize, name: &str, kind: u8| {
        let units: Vec<u16> = name.encode_utf16().collect();
        for (i, u) in units.iter().enumerate() {
            d[at + 2 * i..at + 2 * i + 2].copy_from_slice(&u.to_le_bytes());
        }
        d[at + 64..at + 66].copy_from_slice(&((units.len() as u16 + 1) * 2).to_le_bytes());
        d[at + 66] = kind;
        for off in [68, 72, 76] {
            d[at + off..at + off + 4].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
        }
        d[at + 116..at + 120].copy_from_slice(&END.to_le_bytes());
    };
    entry(&mut dir, 0, "Root Entry", 5);
    entry(&mut dir, 128, "EncryptedPackage", 2);
    dir[76..80].copy_from_slice(&1u32.to_le_bytes()); // root's child: entry 1
    [header, fat, dir].concat()
}

#[test]
fn an_encrypted_workbook_is_named_as_such_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "加密台账.xlsx", &encrypted_ooxml());
    let e = read(&path).unwrap_err();
    assert!(matches!(e, RegistryError::Encrypted { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("已加密") && text.contains("取消密码"), "{text}");
    let message = text.replace(&path.display().to_string(), "");
    assert!(!message.contains("password") && !message.contains("Workbook"), "{message}");
}
