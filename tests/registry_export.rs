//! Registry export: what we write reads back as the same accounts, in xlsx,
//! in CSV, and in the CSV an office gets when Excel re-saves it as GBK.

use chrono::NaiveDate;
use xunjian::accounts::{AccountSpec, LifecycleStatus};
use xunjian::adapters::model::Platform;
use xunjian::registry::{example_accounts, read_registry, write_csv, write_example_xlsx, write_xlsx};

/// The example registry plus the awkward cases: an account with nothing but
/// its key, a note spanning lines with commas and quotes, a 16-digit id that
/// must stay text, several e-mail addresses, every status.
fn accounts_to_export() -> Vec<AccountSpec> {
    let mut accounts = example_accounts();
    accounts.push(AccountSpec::new(Platform::Kuaishou, "3xexample00001", "岚皋县融媒体中心"));
    let mut awkward = AccountSpec::new(Platform::Bilibili, "3546000000000001", "石泉县人民政府发布");
    awkward.notes = Some("第一行，含逗号, \"引号\"\n第二行".into());
    awkward.contact_email = Some("a@sq.example.gov.cn; b@sq.example.gov.cn".into());
    awkward.contact_phone = Some("+86 915 6300000".into());
    awkward.status = LifecycleStatus::Closed;
    awkward.opened_on = NaiveDate::from_ymd_opt(2016, 2, 29);
    awkward.closing_on = NaiveDate::from_ymd_opt(2025, 12, 31);
    awkward.tags = vec!["县区".into(), "待整改".into(), "合并".into()];
    accounts.push(awkward);
    accounts
}

fn specs(path: &std::path::Path) -> Vec<AccountSpec> {
    let parsed = read_registry(path).unwrap_or_else(|e| panic!("{e}"));
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    parsed.rows.into_iter().map(|r| r.spec).collect()
}

#[test]
fn xlsx_export_reads_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.xlsx");
    let accounts = accounts_to_export();
    write_xlsx(&path, &accounts).unwrap();
    assert_eq!(specs(&path), accounts);
}

#[test]
fn csv_export_has_bom_and_reads_back_unchanged_also_after_gbk_resave() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.csv");
    let accounts = accounts_to_export();
    write_csv(&path, &accounts).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "Excel needs the BOM to read UTF-8");
    assert_eq!(specs(&path), accounts);

    // What an office gets when Excel on Chinese Windows saves it as "CSV".
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    assert_ne!(&gbk[..], text.as_bytes(), "the GBK file must differ from the UTF-8 one");
    let gbk_path = dir.path().join("resaved.csv");
    std::fs::write(&gbk_path, &gbk).unwrap();
    assert_eq!(specs(&gbk_path), accounts);
}

#[test]
fn example_registry_has_a_merged_title_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts.xlsx");
    write_example_xlsx(&path).unwrap();
    let parsed = read_registry(&path).unwrap();
    assert_eq!(parsed.header_row, 2, "title row above the header");
    assert_eq!(parsed.sheet.as_deref(), Some("台账"));
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let got: Vec<AccountSpec> = parsed.rows.iter().map(|r| r.spec.clone()).collect();
    assert_eq!(got, example_accounts());
    assert_eq!(parsed.rows.first().map(|r| r.row), Some(3));
}
