//! Cell values as offices write them: status words, yes/no, dates, e-mail
//! addresses, tag lists.

use crate::accounts::LifecycleStatus;
use chrono::NaiveDate;
use regex::Regex;
use std::sync::LazyLock;

use super::platform::fold_word;

const STATUS_WORDS: &[(LifecycleStatus, &[&str])] = &[
    // 拟开通 is Planned, not Opening: it is LifecycleStatus::Planned's own
    // display name, so an export reads back as the same status.
    (LifecycleStatus::Planned, &["拟开通", "待开通", "计划开通", "筹建", "筹建中", "申请中", "planned"]),
    (LifecycleStatus::Opening, &["新开通", "新开设", "新开", "开通中", "试运行", "opening"]),
    (
        LifecycleStatus::Active,
        &["正常", "运营中", "正常运营", "运行中", "正常运行", "在用", "启用", "已开通", "开通", "active"],
    ),
    (LifecycleStatus::Closing, &["拟关停", "待关停", "关停中", "拟注销", "停更", "停止更新", "暂停更新", "closing"]),
    (LifecycleStatus::Closed, &["已关停", "已注销", "关停", "注销", "已关闭", "关闭", "已停用", "停用", "closed"]),
];

/// Parses a status word as offices write it (正常, 运营中, 新开通, 拟关停,
/// 停更, 已注销, ...) or the English code (`active`, ...).
pub fn parse_status_word(s: &str) -> Option<LifecycleStatus> {
    let folded = fold_word(s);
    STATUS_WORDS.iter().find(|(_, words)| words.contains(&folded.as_str())).map(|(st, _)| *st)
}

pub(crate) fn known_status_words() -> String {
    LifecycleStatus::ALL
        .iter()
        .map(|s| s.display_name())
        .chain(["运营中", "停更", "已注销"])
        .collect::<Vec<_>>()
        .join("、")
}

/// 是/否 in its usual spellings. `None` for anything else.
pub(crate) fn parse_yes_no(s: &str) -> Option<bool> {
    match fold_word(s).as_str() {
        "是" | "是的" | "yes" | "y" | "true" | "1" | "√" | "✓" | "✔" => Some(true),
        "否" | "不是" | "no" | "n" | "false" | "0" | "×" | "✗" => Some(false),
        _ => None,
    }
}

static DATE_YMD: LazyLock<Regex> = LazyLock::new(|| {
    // 2026-03-01, 2026/3/1, 2026.3.1, 2026年3月1日, each optionally followed by
    // a time part that the registry does not need.
    Regex::new(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT].*)?$").unwrap()
});
static DATE_COMPACT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d{4})(\d{2})(\d{2})(?:[\sT].*)?$").unwrap());

/// Parses a date as offices type it. The error is the Chinese reason.
pub(crate) fn parse_date_text(s: &str) -> Result<NaiveDate, String> {
    let t = s.trim().trim_matches('\u{3000}');
    let caps = DATE_YMD.captures(t).or_else(|| DATE_COMPACT.captures(t));
    let Some(caps) = caps else {
        return Err("日期无法识别（请写成 2026-03-01、2026/3/1 或 2026年3月1日）".into());
    };
    let num = |i: usize| caps[i].parse::<u32>().unwrap_or(0);
    NaiveDate::from_ymd_opt(num(1) as i32, num(2), num(3)).ok_or_else(|| "日期不存在（请核对年、月、日）".to_string())
}

/// Splits a cell with one or more e-mail addresses and checks each. Returns
/// the addresses joined by "; " (one canonical form, so that re-imports of the
/// same text compare equal), or the Chinese reason naming the bad address.
pub fn normalise_emails(s: &str) -> Result<String, String> {
    let parts: Vec<&str> = s
        .split([';', '；', ',', '，', '、', '\n'])
        .map(|p| p.trim().trim_matches('\u{3000}'))
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return Err("邮箱地址为空".into());
    }
    for p in &parts {
        check_email(p).map_err(|why| if parts.len() > 1 { format!("「{p}」{why}") } else { why })?;
    }
    Ok(parts.join("; "))
}

fn check_email(s: &str) -> Result<(), String> {
    if s.contains(['<', '>', '《', '》']) {
        return Err("请只填写邮箱地址本身（如 zs@example.gov.cn），不要带姓名和尖括号：通知直接发往这一格的地址，\
                    “张三<zs@…>”这样的写法会被当成地址的一部分，邮件发不出去"
            .into());
    }
    if s.chars().any(char::is_whitespace) {
        return Err("邮箱地址中不能有空格（多个地址请用分号隔开）".into());
    }
    if s.contains('＠') {
        return Err("邮箱地址用了全角“＠”，应为半角“@”".into());
    }
    let mut halves = s.split('@');
    let (Some(local), Some(domain), None) = (halves.next(), halves.next(), halves.next()) else {
        return Err("邮箱地址应有且只有一个“@”".into());
    };
    if local.is_empty() {
        return Err("邮箱地址“@”前面缺少用户名".into());
    }
    // RFC 5322's unquoted local part; quoted forms are never what an office means.
    if let Some(c) = local.chars().find(|c| !(c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(*c))) {
        return Err(format!("邮箱地址“@”前面有不允许的字符「{c}」"));
    }
    if let Some(c) = domain.chars().find(|c| c.is_ascii() && !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))) {
        return Err(format!("邮箱地址“@”后面的域名有不允许的字符「{c}」"));
    }
    let labels_ok = domain.split('.').all(|l| !l.is_empty());
    if !domain.contains('.') || !labels_ok || domain.contains('。') {
        return Err("邮箱地址“@”后面的域名不完整（如 example.gov.cn）".into());
    }
    Ok(())
}

/// Tags separated by any of ，,、;； (and line breaks), trimmed, duplicates
/// dropped, order kept.
pub(crate) fn split_tags(s: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for t in s.split([',', '，', '、', ';', '；', '\n']) {
        let t = t.trim().trim_matches('\u{3000}');
        if !t.is_empty() && !tags.iter().any(|x| x == t) {
            tags.push(t.to_string());
        }
    }
    tags
}

/// Text of a number the way a person typed it: integers without ".0" and
/// never in scientific notation (Rust's `Display` for f64 never uses it).
pub(crate) fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.is_finite() { format!("{f:.0}") } else { format!("{f}") }
}

static SCIENTIFIC: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d(\.\d+)?[eE]\+?\d+$").unwrap());

/// `6.27979E+09`: what Excel writes into a CSV for a long number it shows in
/// scientific notation. The digits are gone; only the office can restore them.
pub(crate) fn is_scientific_notation(s: &str) -> bool {
    SCIENTIFIC.is_match(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words_map_to_lifecycle() {
        let cases = [
            ("正常", LifecycleStatus::Active),
            ("运营中", LifecycleStatus::Active),
            ("active", LifecycleStatus::Active),
            (" Active ", LifecycleStatus::Active),
            ("新开通", LifecycleStatus::Opening),
            ("opening", LifecycleStatus::Opening),
            ("拟开通", LifecycleStatus::Planned),
            ("planned", LifecycleStatus::Planned),
            ("拟关停", LifecycleStatus::Closing),
            ("停更", LifecycleStatus::Closing),
            ("closing", LifecycleStatus::Closing),
            ("已关停", LifecycleStatus::Closed),
            ("已注销", LifecycleStatus::Closed),
            ("CLOSED", LifecycleStatus::Closed),
        ];
        for (word, want) in cases {
            assert_eq!(parse_status_word(word), Some(want), "{word}");
        }
        assert_eq!(parse_status_word("半死不活"), None);
        assert_eq!(parse_status_word(""), None);
    }

    #[test]
    fn every_status_display_name_parses_back() {
        for st in LifecycleStatus::ALL {
            assert_eq!(parse_status_word(st.display_name()), Some(st));
            assert_eq!(parse_status_word(st.code()), Some(st));
        }
    }

    #[test]
    fn dates_in_office_spellings() {
        let want = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        for s in [
            "2026-03-01",
            "2026/3/1",
            "2026.3.1",
            "2026年3月1日",
            "2026 年 3 月 1 日",
            "20260301",
            "2026-03-01 00:00:00",
            "2026/3/1 9:30",
        ] {
            assert_eq!(parse_date_text(s), Ok(want), "{s}");
        }
        for s in ["2026-02-30", "20261301"] {
            assert!(parse_date_text(s).unwrap_err().contains("日期不存在"), "{s}");
        }
        for s in ["3月1日", "明年", "01/03/2026", "2026-3"] {
            assert!(parse_date_text(s).unwrap_err().contains("日期无法识别"), "{s}");
        }
    }

    #[test]
    fn emails_one_or_several() {
        assert_eq!(normalise_emails(" wsb@ankang.example.gov.cn "), Ok("wsb@ankang.example.gov.cn".into()));
        assert_eq!(normalise_emails("a@x.cn；b@y.cn,c@z.cn"), Ok("a@x.cn; b@y.cn; c@z.cn".into()));
        for bad in ["wsb.ankang.gov.cn", "a@@x.cn", "a@x", "a b@x.cn", "a＠x.cn", "@x.cn", "a@x..cn", "a@x。cn"] {
            assert!(normalise_emails(bad).is_err(), "{bad}");
        }
        assert!(normalise_emails("a@x.cn; bad").unwrap_err().contains("「bad」"));
        let named = normalise_emails("张三<zs@ankang.example.gov.cn>").unwrap_err();
        assert!(named.contains("不要带姓名和尖括号"), "{named}");
        assert!(normalise_emails("zs\"x@ankang.example.gov.cn").unwrap_err().contains("「\"」"));
    }

    #[test]
    fn tags_split_on_chinese_and_ascii_separators() {
        assert_eq!(split_tags("县区，政务发布、公安;公安；  "), vec!["县区", "政务发布", "公安"]);
        assert!(split_tags(" ， ").is_empty());
    }

    #[test]
    fn yes_no_words() {
        for s in ["是", "Yes", "1", "TRUE", "√"] {
            assert_eq!(parse_yes_no(s), Some(true), "{s}");
        }
        for s in ["否", "no", "0", "false"] {
            assert_eq!(parse_yes_no(s), Some(false), "{s}");
        }
        assert_eq!(parse_yes_no("也许"), None);
    }

    #[test]
    fn numbers_print_as_typed() {
        assert_eq!(number_text(6279793937.0), "6279793937");
        assert_eq!(number_text(1.5), "1.5");
        assert_eq!(number_text(1e20), "100000000000000000000");
        assert!(is_scientific_notation("6.27979E+09"));
        assert!(!is_scientific_notation("6279793937"));
    }
}
