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
