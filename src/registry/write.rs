//! Registry export (xlsx, CSV with BOM) with the headers the importer reads,
//! and the example registry `xunjian init` writes.

use super::headers::Field;
use crate::accounts::{AccountSpec, LifecycleStatus};
use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use std::path::Path;
use xunjian_adapters::model::Platform;

/// What one registry cell holds on export.
enum Out {
    Blank,
    Text(String),
    Seq(usize),
    Date(NaiveDate),
}

fn text(s: &Option<String>) -> Out {
    s.as_ref().map_or(Out::Blank, |s| Out::Text(s.clone()))
}

fn value(field: Field, seq: usize, a: &AccountSpec) -> Out {
    match field {
        Field::Seq => Out::Seq(seq),
        Field::Name => Out::Text(a.display_name.clone()),
        Field::Platform => Out::Text(a.platform.display_name().into()),
        Field::PlatformId => Out::Text(a.platform_id.clone()),
        Field::Link => text(&a.profile_url),
        Field::OwnerUnit => text(&a.owner_unit),
        Field::SupervisingUnit => text(&a.supervising_unit),
        Field::Region => text(&a.region),
        Field::Contact => text(&a.contact_name),
        Field::Phone => text(&a.contact_phone),
        Field::Email => text(&a.contact_email),
        Field::Status => Out::Text(a.status.display_name().into()),
        Field::OpenedOn => a.opened_on.map_or(Out::Blank, Out::Date),
        Field::ClosingOn => a.closing_on.map_or(Out::Blank, Out::Date),
        Field::PortalUrl => text(&a.superior_portal_url),
        Field::IsSource => Out::Text(if a.is_source { "是" } else { "否" }.into()),
        Field::Tags if a.tags.is_empty() => Out::Blank,
        Field::Tags => Out::Text(a.tags.join("、")),
        Field::Notes => text(&a.notes),
    }
}

fn column_width(field: Field) -> f64 {
    match field {
        Field::Seq => 6.0,
        Field::Platform | Field::Status | Field::IsSource | Field::Contact => 10.0,
        Field::OpenedOn | Field::ClosingOn | Field::Region => 12.0,
        Field::Phone | Field::Tags => 16.0,
        Field::Name | Field::PlatformId | Field::Email => 24.0,
        Field::OwnerUnit | Field::SupervisingUnit | Field::Notes => 28.0,
        Field::Link | Field::PortalUrl => 40.0,
    }
}

/// Writes the header and rows starting at `first_row`; returns the last row.
fn write_table(sheet: &mut Worksheet, first_row: u32, accounts: &[AccountSpec]) -> anyhow::Result<u32> {
    let header_format = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_border(FormatBorder::Thin)
        .set_background_color("#DDEBF7");
    // Text format keeps ids and phone numbers as typed when the office edits
    // them (otherwise Excel turns long ids into 6.28E+09 and drops digits).
    let text_format = Format::new().set_num_format("@");
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    for (col, field) in Field::EXPORT_ORDER.iter().enumerate() {
        let col = col as u16;
        sheet.set_column_width(col, column_width(*field))?;
        if matches!(field, Field::PlatformId | Field::Phone) {
            sheet.set_column_format(col, &text_format)?;
        }
        let header = match field {
            Field::PlatformId => "账号ID",
            other => other.canonical_header(),
        };
        sheet.write_string_with_format(first_row, col, header, &header_format)?;
    }
    let mut row = first_row;
    for (i, account) in accounts.iter().enumerate() {
        row += 1;
        for (col, field) in Field::EXPORT_ORDER.iter().enumerate() {
            let col = col as u16;
            match value(*field, i + 1, account) {
                Out::Blank => {}
                Out::Seq(n) => {
                    sheet.write_number(row, col, n as f64)?;
                }
                Out::Text(s) => {
                    sheet.write_string(row, col, &s)?;
                }
                Out::Date(d) => match excel_date(d) {
                    Some(dt) => {
                        sheet.write_datetime_with_format(row, col, &dt, &date_format)?;
                    }
                    // Before 1900 Excel has no dates; keep the text.
                    None => {
                        sheet.write_string(row, col, d.format("%Y-%m-%d").to_string())?;
                    }
                },
            }
        }
    }
    sheet.set_freeze_panes(first_row + 1, 2)?;
    sheet.autofilter(first_row, 0, row, Field::EXPORT_ORDER.len() as u16 - 1)?;
    Ok(row)
}

fn excel_date(d: NaiveDate) -> Option<ExcelDateTime> {
    let year = u16::try_from(d.year()).ok()?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8).ok()
}

/// Writes the registry as an Excel workbook with the importer's headers, so
/// that export → edit → import round-trips.
pub fn write_xlsx(path: &Path, accounts: &[AccountSpec]) -> anyhow::Result<()> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("台账")?;
    write_table(sheet, 0, accounts)?;
    workbook.save(path).with_context(|| format!("无法写入文件「{}」", path.display()))
}

/// Writes the registry as CSV in UTF-8 with a BOM: without the BOM, Excel on
/// Chinese Windows reads the file as GBK and shows mojibake.
pub fn write_csv(path: &Path, accounts: &[AccountSpec]) -> anyhow::Result<()> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut bytes);
        let headers: Vec<&str> = Field::EXPORT_ORDER
            .iter()
            .map(|f| if *f == Field::PlatformId { "账号ID" } else { f.canonical_header() })
            .collect();
        writer.write_record(&headers)?;
        for (i, account) in accounts.iter().enumerate() {
            let record: Vec<String> = Field::EXPORT_ORDER
                .iter()
                .map(|f| match value(*f, i + 1, account) {
                    Out::Blank => String::new(),
                    Out::Seq(n) => n.to_string(),
                    Out::Text(s) => escape_formula(&s),
                    Out::Date(d) => d.format("%Y-%m-%d").to_string(),
                })
                .collect();
            writer.write_record(&record)?;
        }
        writer.flush()?;
    }
    std::fs::write(path, bytes).with_context(|| format!("无法写入文件「{}」", path.display()))
}

/// A CSV cell that Excel or WPS would run as a formula (`=HYPERLINK(…)`,
/// `@SUM(…)`, `+…`, `-…`, or one hidden behind a tab or CR) gets a leading
/// `'`, which spreadsheets show as "this is text" (OWASP's CSV injection
/// advice). The importer removes it again, so export → import is lossless.
pub fn escape_formula(s: &str) -> String {
    const STARTS_A_FORMULA: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];
    // A value that itself begins with the mark before such a character
    // ("'=x") gets a second mark, so that reading it back removes only ours.
    let marked = s.strip_prefix('\'').is_some_and(|rest| rest.starts_with(STARTS_A_FORMULA));
    if s.starts_with(STARTS_A_FORMULA) || marked { format!("'{s}") } else { s.to_string() }
}

const EXAMPLE_TITLE: &str = "安康市政务新媒体台账（示例）";

/// The example registry: Ankang's city release account and a few county and
/// department accounts, covering each status an office meets. Ids are
/// obviously made up (1000000001, ...), contact domains are example.gov.cn.
pub fn example_accounts() -> Vec<AccountSpec> {
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    let city_unit = Some("安康市人民政府新闻办公室".to_string());
    let city_supervisor = Some("安康市人民政府办公室".to_string());
    let city_region = Some("安康市".to_string());

    let mut fabu_weibo = AccountSpec::new(Platform::Weibo, "1000000001", "安康发布");
    fabu_weibo.profile_url = Some("https://weibo.com/u/1000000001".into());
    fabu_weibo.owner_unit = city_unit.clone();
    fabu_weibo.supervising_unit = city_supervisor.clone();
    fabu_weibo.region = city_region.clone();
    fabu_weibo.contact_name = Some("王敏".into());
    fabu_weibo.contact_phone = Some("0915-3000001".into());
    fabu_weibo.contact_email = Some("xwb@ankang.example.gov.cn".into());
    fabu_weibo.opened_on = date(2013, 4, 1);
    fabu_weibo.is_source = true;
    fabu_weibo.tags = vec!["市级".into(), "发布厅".into()];
    fabu_weibo.notes = Some("全市政务微博发布厅主账号，各县区各部门须及时转发重要信息".into());

    let mut fabu_wechat = AccountSpec::new(Platform::Wechat, "MzAwMDAwMDAwMQ==", "安康发布");
    fabu_wechat.profile_url =
        Some("https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzAwMDAwMDAwMQ==#wechat_redirect".into());
    fabu_wechat.owner_unit = city_unit.clone();
    fabu_wechat.supervising_unit = city_supervisor.clone();
    fabu_wechat.region = city_region.clone();
    fabu_wechat.contact_name = Some("王敏".into());
    fabu_wechat.contact_phone = Some("0915-3000001".into());
    fabu_wechat.contact_email = Some("xwb@ankang.example.gov.cn".into());
    fabu_wechat.opened_on = date(2014, 6, 18);
    fabu_wechat.is_source = true;
    fabu_wechat.tags = vec!["市级".into()];

    let county = |id: &str, name: &str, county: &str, contact: &str, phone: &str, mail: &str| {
        let mut a = AccountSpec::new(Platform::Weibo, id, name);
        a.profile_url = Some(format!("https://weibo.com/u/{id}"));
        a.owner_unit = Some(format!("{county}人民政府办公室"));
        a.supervising_unit = Some(format!("{county}人民政府"));
        a.region = Some(county.into());
        a.contact_name = Some(contact.into());
        a.contact_phone = Some(phone.into());
        a.contact_email = Some(format!("{mail}@ankang.example.gov.cn"));
        a.tags = vec!["县区".into()];
        a
    };
    let mut hanbin = county("1000000002", "汉滨区人民政府发布", "汉滨区", "陈静", "0915-3000002", "hbq");
    hanbin.opened_on = date(2013, 3, 20);
    let mut xunyang = county("1000000003", "旬阳县人民政府发布", "旬阳县", "刘洋", "0915-3000003", "xyx");
    xunyang.opened_on = date(2013, 3, 25);

    let mut police_weibo = AccountSpec::new(Platform::Weibo, "1000000004", "安康市公安局");
    police_weibo.profile_url = Some("https://weibo.com/u/1000000004".into());
    police_weibo.owner_unit = Some("安康市公安局".into());
    police_weibo.supervising_unit = Some("安康市人民政府".into());
    police_weibo.region = city_region.clone();
    police_weibo.contact_name = Some("赵磊".into());
    police_weibo.contact_phone = Some("0915-3000004".into());
    police_weibo.contact_email = Some("gaj@ankang.example.gov.cn".into());
    police_weibo.opened_on = date(2013, 3, 28);
    police_weibo.tags = vec!["部门".into(), "公安".into()];

    let mut police_douyin = AccountSpec::new(Platform::Douyin, "MS4wLjABAAAAexample_ankang_gaj", "安康市公安局");
    police_douyin.profile_url = Some("https://www.douyin.com/user/MS4wLjABAAAAexample_ankang_gaj".into());
    police_douyin.owner_unit = Some("安康市公安局".into());
    police_douyin.supervising_unit = Some("安康市人民政府".into());
    police_douyin.region = city_region.clone();
    police_douyin.contact_name = Some("赵磊".into());
    police_douyin.contact_phone = Some("0915-3000004".into());
    police_douyin.contact_email = Some("gaj@ankang.example.gov.cn".into());
    police_douyin.status = LifecycleStatus::Opening;
    police_douyin.opened_on = date(2026, 3, 1);
    police_douyin.superior_portal_url = Some("https://www.ankang.example.gov.cn/zwgk/tzgg/".into());
    police_douyin.tags = vec!["部门".into(), "公安".into()];
    police_douyin.notes = Some("开通公告须在上级门户网站发布".into());

    let mut ziyang = AccountSpec::new(Platform::Toutiao, "MS4wLjABAAAAexample_ziyang", "紫阳县人民政府发布");
    ziyang.profile_url = Some("https://www.toutiao.com/c/user/token/MS4wLjABAAAAexample_ziyang/".into());
    ziyang.owner_unit = Some("紫阳县人民政府办公室".into());
    ziyang.supervising_unit = Some("紫阳县人民政府".into());
    ziyang.region = Some("紫阳县".into());
    ziyang.contact_name = Some("孙丽".into());
    ziyang.contact_phone = Some("0915-3000006".into());
    ziyang.contact_email = Some("zyx@ankang.example.gov.cn".into());
    ziyang.status = LifecycleStatus::Closing;
    ziyang.opened_on = date(2018, 5, 10);
    ziyang.closing_on = date(2026, 6, 30);
    ziyang.tags = vec!["县区".into()];
    ziyang.notes = Some("内容并入县政府微博，关停前须置顶关停公告".into());

    let mut weather = AccountSpec::new(Platform::Bilibili, "100000005", "安康气象");
    weather.profile_url = Some("https://space.bilibili.com/100000005".into());
    weather.owner_unit = Some("安康市气象局".into());
    weather.supervising_unit = Some("安康市人民政府".into());
    weather.region = city_region;
    weather.contact_name = Some("周涛".into());
    weather.contact_phone = Some("0915-3000007".into());
    weather.contact_email = Some("qxj@ankang.example.gov.cn".into());
    weather.status = LifecycleStatus::Planned;
    weather.tags = vec!["部门".into()];

    vec![fabu_weibo, fabu_wechat, hanbin, xunyang, police_weibo, police_douyin, ziyang, weather]
}

/// Writes the example registry with a merged title row above the header, the
/// way offices lay theirs out.
pub fn write_example_xlsx(path: &Path) -> anyhow::Result<()> {
    let accounts = example_accounts();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("台账")?;
    let title_format = Format::new().set_bold().set_font_size(16).set_align(FormatAlign::Center);
    let last_col = Field::EXPORT_ORDER.len() as u16 - 1;
    sheet.merge_range(0, 0, 0, last_col, EXAMPLE_TITLE, &title_format)?;
    sheet.set_row_height(0, 28)?;
    write_table(sheet, 1, &accounts)?;
    workbook.save(path).with_context(|| format!("无法写入文件「{}」", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn formula_starts_are_escaped_and_nothing_else() {
        for s in ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"] {
            assert_eq!(escape_formula(s), format!("'{s}"));
        }
        for s in ["安康发布", "1-1", "a=b", "'quoted", ""] {
            assert_eq!(escape_formula(s), s);
        }
    }

    #[test]
    fn example_accounts_are_varied_and_unique() {
        let accounts = example_accounts();
        assert!((6..=10).contains(&accounts.len()));
        let keys: HashSet<_> = accounts.iter().map(|a| (a.platform, a.platform_id.clone())).collect();
        assert_eq!(keys.len(), accounts.len(), "example keys must be unique");
        let statuses: HashSet<_> = accounts.iter().map(|a| a.status).collect();
        for st in [LifecycleStatus::Active, LifecycleStatus::Opening, LifecycleStatus::Closing] {
            assert!(statuses.contains(&st), "{st:?}");
        }
        assert!(accounts.iter().any(|a| a.is_source && a.display_name == "安康发布"));
        // Each example link leads back to its own key, so the example imports.
        for a in &accounts {
            let link = a.profile_url.as_deref().unwrap();
            assert_eq!(super::super::platform_id_from_link(link), Ok((a.platform, a.platform_id.clone())), "{link}");
        }
    }
}
