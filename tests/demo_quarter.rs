//! `xunjian demo` as a newcomer runs it: a quarter of one county, six
//! scripted problems. What the office and its units receive must be a
//! volume people read (issue 16: 227 notices once): every scripted problem
//! notified, under 60 messages to the office and the units for the quarter,
//! a unit never more than one a day, and every message in Chinese an office
//! can forward — no program forms, no document the office does not enforce.

#[allow(dead_code)]
#[path = "common/sim_run.rs"]
mod sim_run;

use sim_run::{cited_outside, debug_forms, message_texts};
use std::collections::{BTreeMap, BTreeSet};

/// The number after `label` in `line` (`监管办公室 16 封` → 16).
fn number_after(line: &str, label: &str) -> usize {
    let rest = &line[line.find(label).unwrap_or_else(|| panic!("{label} in {line}")) + label.len()..];
    rest.trim_start().chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
}

#[test]
fn program_forms_are_seen_and_urls_are_not() {
    assert_eq!(
        debug_forms("状态open → closing（violation），Some(120000)，at 1790000000000；"),
        ["open", "closing", "violation", "Some(", "1790000000000"]
    );
    assert!(debug_forms("证据：https://weibo.com/u/1?state=open&x=true <a href=\"x\">时间线</a> 账号ID 1000000001，zwgk@x.gov.cn").is_empty());
}

#[test]
fn the_demo_quarter_sends_what_people_read() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    // A slower clock than the demo's default: a debug build on two shared
    // cores keeps up at this speed (the checks' lag is printed).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xunjian"))
        .args(["demo", "--dir", demo.to_str().unwrap(), "--speed", "60000"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed:\n{stdout}\n{stderr}");
    eprintln!("{}", stdout.lines().filter(|l| !l.starts_with("模拟时间")).collect::<Vec<_>>().join("\n"));

    // Every scripted problem found, nothing beyond the script.
    assert!(stdout.contains("剧本中的 6 个问题发现 6 个"), "{stdout}");
    assert!(stdout.contains("遗漏 0，剧本之外 0"), "{stdout}");

    // The volume, as printed.
    let counts = stdout.lines().find(|l| l.contains("监管办公室") && l.contains("责任单位")).expect("the count line");
    let office = number_after(counts, "监管办公室");
    let unit = number_after(counts, "责任单位");
    let most = number_after(counts, "同一单位一天最多");
    assert!(office + unit < 60, "{office} + {unit} messages to the office and the units in one quarter: {counts}");
    assert!(office > 0 && unit > 0, "{counts}");
    assert_eq!(most, 1, "a unit got more than one message on one day: {counts}");

    // What was written, read back as a mail client would.
    let outbox = demo.join("data/outbox");
    let mut foreign = BTreeSet::new();
    let mut forms = BTreeSet::new();
    let mut by_rcpt: BTreeMap<String, usize> = BTreeMap::new();
    let mut files = 0;
    let mut all_text = String::new();
    for e in std::fs::read_dir(&outbox).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "eml") {
            continue;
        }
        files += 1;
        let raw = std::fs::read(&path).unwrap();
        let m = mail_parser::MessageParser::default().parse(&raw[..]).unwrap();
        let to = m.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_string();
        *by_rcpt.entry(to).or_default() += 1;
        for t in message_texts(&raw) {
            all_text.push_str(&t);
            // 渭滨区 is in 宝鸡: 宝鸡's 办法 and the national documents bind it.
            foreign.extend(cited_outside(xunjian::rules::ProfileName::Baoji, &t));
            forms.extend(debug_forms(&t).into_iter().map(|f| format!("{}: {f}", path.file_name().unwrap().to_string_lossy())));
        }
    }
    assert_eq!(files, office + unit + number_after(counts, "运维人员"), "{counts}");
    assert!(foreign.is_empty(), "documents not in force for the office: {foreign:?}");
    assert!(forms.is_empty(), "program forms in Chinese mail: {forms:?}");
    // Each of the six scripted problems was told, by account name.
    for account in ["渭滨区农业农村局", "渭滨区住房和城乡建设局", "渭滨区文化和旅游局", "渭滨区民政局", "渭滨区交通运输局", "寶雞發佈"] {
        assert!(all_text.contains(account), "nobody was told about {account}");
    }
    // The operator's mail goes to the operator only.
    assert!(by_rcpt.keys().any(|k| k.starts_with("zwgk@")), "{by_rcpt:?}");
}
