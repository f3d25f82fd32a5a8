//! The quarterly notice as an office receives it: the DOCX opened by
//! LibreOffice (headless, converted to PDF and read back with pdftotext and
//! pdfinfo), the office's own header template in DOCX, HTML and PDF, and
//! template mistakes reported with the file and line.
//!
//! LibreOffice (`soffice`), pdftotext/pdfinfo and Chromium are optional
//! locally; with XUNJIAN_REQUIRE_PDF=1 (CI) a missing one fails the test.

mod common;
mod report_common;

use report_common::*;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use xunjian::accounts::LifecycleStatus;
use xunjian::adapters::model::Platform;
use xunjian::calendar::HolidayCalendar;
use xunjian::config::{Config, LoadedConfig};
use xunjian::report::{self, Format, NoProgress};
use xunjian::rules::settings::LUAN_2_2;
use xunjian::rules::{RuleId, Verdict};
use xunjian::store::Store;

const HOSTILE: &str = "<script>alert(1)</script>宁陕发布";

fn required() -> bool {
    std::env::var("XUNJIAN_REQUIRE_PDF").is_ok_and(|v| v == "1")
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null 2>&1")])
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether LibreOffice and poppler are here; panics when required and not.
fn office_tools() -> bool {
    let ok = have("soffice") && have("pdftotext") && have("pdfinfo");
    assert!(
        ok || !required(),
        "XUNJIAN_REQUIRE_PDF=1 but soffice (libreoffice-writer-nogui) or poppler-utils is missing"
    );
    if !ok {
        eprintln!("soffice or poppler-utils missing: DOCX not opened in LibreOffice");
    }
    ok
}

/// The DOCX converted by LibreOffice, with a profile of its own (a shared
/// profile locks, and a first start writes one), killed after 180 s.
fn soffice_pdf(docx: &Path, out_dir: &Path) -> PathBuf {
    let profile = tempfile::tempdir().unwrap();
    let o = Command::new("timeout")
        .arg("180")
        .arg("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.path().display()
        ))
        .args(["--headless", "--norestore", "--convert-to", "pdf", "--outdir"])
        .arg(out_dir)
        .arg(docx)
        .env("HOME", profile.path())
        .output()
        .unwrap();
    let pdf = out_dir.join(docx.with_extension("pdf").file_name().unwrap());
    assert!(
        o.status.success() && pdf.exists(),
        "soffice failed: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    pdf
}

/// pdftotext in content order, pages ending with a form feed; without
/// spaces inside lines (LibreOffice sets a little space between Chinese and
/// Latin text, which pdftotext reads as a space).
fn pdf_text(pdf: &Path) -> String {
    let o = Command::new("pdftotext")
        .arg("-raw")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(o.status.success());
    String::from_utf8(o.stdout).unwrap().replace(' ', "")
}

fn pdf_pages(pdf: &Path) -> usize {
    let o = Command::new("pdfinfo").arg(pdf).output().unwrap();
    let info = String::from_utf8_lossy(&o.stdout).into_owned();
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count: {info}"))
}

/// Text without any whitespace: table cells wrap, words do not.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn zip_part(docx: &Path, name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(docx).unwrap()).unwrap();
    let mut f = z.by_name(name).unwrap_or_else(|_| panic!("{name} missing"));
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}

fn zip_names(docx: &Path) -> Vec<String> {
    let z = zip::ZipArchive::new(std::fs::File::open(docx).unwrap()).unwrap();
    z.file_names().map(|n| n.unwrap().to_string()).collect()
}

/// The fixture's quarter plus an account whose name and problem text are
/// markup (platform content is hostile).
async fn fill_hostile(s: &Store) {
    let ids = fill(s).await;
    let x = add(
        s,
        "X",
        Platform::Weibo,
        HOSTILE,
        "宁陕县",
        LifecycleStatus::Active,
    )
    .await;
    let when = at(day("2026-08-03"), 13, 0);
    record(
        s,
        finding(
            RuleId::Naming,
            x,
            "name_pattern",
            Verdict::Violation,
            LUAN_2_2,
            "名称含有 </p><p>&amp; 等字符",
            ev("账号资料", &ids.shas["A"], when),
        ),
        when,
    )
    .await;
}

fn keep(files: &[PathBuf]) {
    // To look at the files: XUNJIAN_REPORT_KEEP=DIR keeps a copy.
    if let Some(keep) = std::env::var_os("XUNJIAN_REPORT_KEEP") {
        std::fs::create_dir_all(&keep).unwrap();
        for w in files {
            std::fs::copy(w, Path::new(&keep).join(w.file_name().unwrap())).unwrap();
        }
    }
}

#[tokio::test]
async fn the_docx_opens_in_libreoffice_as_the_notice_with_its_lists() {
    let db = common::sqlite().await;
    fill_hostile(&db.store).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::default();
    let have_chromium = report::pdf::find_chromium(&cfg.report.chromium).is_ok();
    assert!(have_chromium || !required(), "XUNJIAN_REQUIRE_PDF=1 but Chromium is missing");
    let written = report::write_quarterly(
        &db.store,
        &cfg,
        "2026Q3".parse().unwrap(),
        &[Format::Docx, Format::Html],
        dir.path(),
        &HolidayCalendar::builtin(),
        &NoProgress,
    )
    .await
    .unwrap();
    keep(&written);
    let docx = dir.path().join("2026Q3-政务新媒体检查情况通报.docx");
    assert_eq!(written, vec![docx.clone(), docx.with_extension("html")]);
    // The same hostile name in the HTML: text, never markup.
    let html = std::fs::read_to_string(docx.with_extension("html")).unwrap();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;宁陕发布"));
    assert!(!html.contains("<script>") && !html.contains("</p><p>&amp;"));

    // The package: GB/T 9704 page, odd/even footers with the page field,
    // repeated table headers, the hostile name as text.
    let doc = zip_part(&docx, "word/document.xml");
    assert!(doc.contains("<w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"2098\" w:right=\"1474\" w:bottom=\"1984\" w:left=\"1587\""));
    assert!(doc.contains("w:orient=\"landscape\""), "附件2 on landscape pages");
    assert!(doc.matches("<w:tblHeader/>").count() >= 3, "附件1 (2 tables) and 附件2 repeat their header rows");
    assert!(doc.contains("&lt;script&gt;alert(1)&lt;/script&gt;宁陕发布"));
    assert!(!doc.contains("<script>") && !doc.contains("</p><p>"));
    assert!(zip_part(&docx, "word/settings.xml").contains("<w:evenAndOddHeaders/>"));
    let odd = zip_part(&docx, "word/footer1.xml");
    let even = zip_part(&docx, "word/footer2.xml");
    assert!(odd.contains("w:instr=\" PAGE") && odd.contains("<w:jc w:val=\"right\"/>"));
    assert!(even.contains("w:instr=\" PAGE") && even.contains("<w:jc w:val=\"left\"/>"));
    let styles = zip_part(&docx, "word/styles.xml");
    for font in ["方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"] {
        assert!(styles.contains(&format!("w:eastAsia=\"{font}\"")), "{font}");
    }
    let pngs: Vec<String> = zip_names(&docx).into_iter().filter(|n| n.ends_with(".png")).collect();
    if have_chromium {
        assert_eq!(pngs.len(), 4, "four charts as images: {pngs:?}");
    } else {
        assert!(pngs.is_empty());
        assert!(doc.contains("未生成"), "a missing chart is said so");
    }

    // Without Chromium the DOCX is still written: the charts are left out
    // with a note saying why.
    let mut no_browser = Config::default();
    no_browser.report.chromium = "/nonexistent/chromium".into();
    let other = tempfile::tempdir().unwrap();
    let w = report::write_quarterly(
        &db.store,
        &no_browser,
        "2026Q3".parse().unwrap(),
        &[Format::Docx],
        other.path(),
        &HolidayCalendar::builtin(),
        &NoProgress,
    )
    .await
    .unwrap();
    assert!(zip_names(&w[0]).iter().all(|n| !n.ends_with(".png")));
    let plain = zip_part(&w[0], "word/document.xml");
    assert!(plain.contains("（图表“各平台合格率”未生成：本机未安装 Chromium"), "{plain}");

    if !office_tools() {
        db.finish().await;
        return;
    }
    let pdf = soffice_pdf(&docx, dir.path());
    keep(std::slice::from_ref(&pdf));
    let text = pdf_text(&pdf);
    let flat = squash(&text);
    for s in [
        // The title, in its two lines, broken between words.
        "市政务公开办关于2026年第三季度\n政务新媒体检查情况的通报",
        "现将有关情况通报如下：",
        "一、总体情况",
        "二、存在问题",
        "三、工作要求",
        "（一）认真整改存在问题。",
        "检查情况统计表",
        "存在问题的政务新媒体名单",
    ] {
        assert!(text.contains(s), "LibreOffice PDF lacks {s:?}:\n{text}");
    }
    for s in [
        // 附件1: a platform row and the total.
        "新浪微博",
        "合计8",
        // 附件2: rows of accounts, the hostile name as plain text.
        "汉阴文旅",
        HOSTILE,
        "名称含有</p><p>&amp;等字符",
        // The repost problems of 汉滨发布: one row, two occurrences.
        "汉滨发布新浪微博重要信息转载不及时",
        // Page numbers "— N —".
        "—1—",
        "—2—",
    ] {
        assert!(flat.contains(s), "LibreOffice PDF lacks {s:?}:\n{text}");
    }
    // No hashes in the document: they are in the XLSX.
    assert!(!text.contains("SHA-256:"), "{text}");
    // Each 附件 begins a page with its label at the top.
    let pages: Vec<&str> = text.split('\u{c}').collect();
    let first_line = |p: &str| p.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("").to_string();
    let annex_pages: Vec<usize> = ["附件1", "附件2"]
        .iter()
        .map(|label| {
            pages
                .iter()
                .position(|p| first_line(p) == *label)
                .unwrap_or_else(|| panic!("no page starts with {label}:\n{text}"))
        })
        .collect();
    assert!(annex_pages[0] >= 1 && annex_pages[0] < annex_pages[1], "{annex_pages:?}");
    let n = pdf_pages(&pdf);
    assert!(n >= 4 && n <= 12, "{n} pages");
    db.finish().await;
}

const HEADER: &str = r#"{#- 本办的红头 -#}
<redhead>安康市政务公开办公室文件</redhead>
<docno>{{ doc_number }}</docno>
<redline/>
<title>{% for line in title_lines %}{% if not loop.first %}<br/>{% endif %}{{ line }}{% endfor %}</title>
<addressees>{{ addressees }}</addressees>
"#;

#[tokio::test]
async fn an_office_header_template_shows_its_doc_number_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let db_path = tmp.path().join("data").join("xunjian.db");
    std::fs::create_dir_all(db_path.parent().unwrap()).unwrap();
    let url = format!("sqlite://{}?mode=rwc", db_path.display());
    let store = Store::open(&url, &Default::default()).await.unwrap();
    fill(&store).await;
    std::fs::create_dir_all(tmp.path().join("report-templates")).unwrap();
    std::fs::write(tmp.path().join("report-templates/header.xml"), HEADER).unwrap();
    let config = tmp.path().join("xunjian.toml");
    std::fs::write(
        &config,
        "[general]\ndata_dir = \"data\"\noffice_name = \"安康市政务公开办\"\n\
         [report]\ntemplate_dir = \"report-templates\"\n\
         doc_number = \"宝政公开办发〔2026〕7号\"\n\
         addressees = \"各县区人民政府办公室，市政府各部门：\"\n",
    )
    .unwrap();
    // Loaded from the file: the relative directory is the file's neighbour.
    let loaded = LoadedConfig::from_file(&config).unwrap();
    let have_chromium = report::pdf::find_chromium(&loaded.config.report.chromium).is_ok();
    assert!(have_chromium || !required(), "XUNJIAN_REQUIRE_PDF=1 but Chromium is missing");
    let mut formats = vec![Format::Docx, Format::Html];
    if have_chromium {
        formats.push(Format::Pdf);
    }
    let out = tmp.path().join("out");
    let written = report::write_quarterly(
        &store,
        &loaded.config,
        "2026Q3".parse().unwrap(),
        &formats,
        &out,
        &HolidayCalendar::builtin(),
        &NoProgress,
    )
    .await
    .unwrap();
    keep(&written);
    let stem = out.join("2026Q3-政务新媒体检查情况通报");
    const NO: &str = "宝政公开办发〔2026〕7号";
    let docx = stem.with_extension("docx");
    let doc = zip_part(&docx, "word/document.xml");
    assert!(doc.contains(NO) && doc.contains("安康市政务公开办公室文件"));
    assert!(doc.contains("XjRedLine"));
    let html = std::fs::read_to_string(stem.with_extension("html")).unwrap();
    assert!(html.contains(&format!("<p class=\"docno\">{NO}</p>")), "HTML lacks the 文号");
    assert!(html.contains("各县区人民政府办公室，市政府各部门："));
    // The document order: 红头, 文号, red line, title, 主送.
    let pos = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s}"));
    assert!(pos("安康市政务公开办公室文件") < pos(NO) && pos(NO) < pos("<hr class=\"redline\">") && pos("<hr class=\"redline\">") < pos("<h1 class=\"title\">"));
    if have_chromium {
        let text = pdf_text(&stem.with_extension("pdf"));
        assert!(text.contains(NO), "Chromium PDF lacks the 文号:\n{text}");
        assert!(squash(&text).contains("—1—"), "Chromium PDF lacks page numbers:\n{text}");
        assert!(text.contains("市政务公开办关于2026年第三季度\n政务新媒体检查情况的通报"), "{text}");
        // Each 附件 begins a page with its label first (Chromium writes the
        // page number "— N —" before the page's text).
        let is_number = |l: &str| l.starts_with('—') && l.ends_with('—');
        for label in ["附件1", "附件2"] {
            assert!(
                text.split('\u{c}').any(|p| p
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty() && !is_number(l))
                    == Some(label)),
                "no Chromium PDF page starts with {label}:\n{text}"
            );
        }
    }
    if office_tools() {
        let pdf = soffice_pdf(&docx, tmp.path());
        let text = pdf_text(&pdf);
        assert!(text.contains(NO), "LibreOffice PDF lacks the 文号:\n{text}");
        assert!(text.contains("各县区人民政府办公室，市政府各部门："), "{text}");
    }

    // Mistakes in the office's files name the file and the line, in Chinese.
    std::fs::write(
        tmp.path().join("report-templates/header.xml"),
        "<title>{{ title }}</title>\n<p>{% if doc_number %}未结束</p>\n",
    )
    .unwrap();
    let loaded = LoadedConfig::from_file(&config).unwrap();
    let err = report::write_quarterly(
        &store,
        &loaded.config,
        "2026Q3".parse().unwrap(),
        &[Format::Docx],
        &tmp.path().join("bad"),
        &HolidayCalendar::builtin(),
        &NoProgress,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("报告模板有误") && err.contains("report-templates/header.xml") && err.contains("第2行"), "{err}");
    assert!(!tmp.path().join("bad").exists(), "nothing written");
    // Markup the parser does not know: the file and the line of the output.
    std::fs::write(
        tmp.path().join("report-templates/header.xml"),
        "<title>{{ title }}</title>\n\n<center>红头</center>\n",
    )
    .unwrap();
    let err = report::write_quarterly(
        &store,
        &loaded.config,
        "2026Q3".parse().unwrap(),
        &[Format::Html],
        &tmp.path().join("bad"),
        &HolidayCalendar::builtin(),
        &NoProgress,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("header.xml") && err.contains("第3行") && err.contains("<center>"), "{err}");

    store.close().await;
    let xunjian = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_xunjian"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env_remove("XUNJIAN_CONFIG")
            .env_remove("XUNJIAN_DATABASE_URL")
            .env_remove("STATE_DIRECTORY")
            .output()
            .unwrap()
    };
    // The command with a broken template: exit 2 (the office's input to
    // fix), the file and line, nothing written — for unknown markup found
    // when rendering and for a syntax error found when loading.
    let cli_out = tmp.path().join("cli");
    let cli_out_s = cli_out.to_str().unwrap();
    let o = xunjian(&["report", "quarterly", "2026Q3", "--out", cli_out_s]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("header.xml") && stderr.contains("第3行") && stderr.contains("<center>"), "{stderr}");
    std::fs::write(
        tmp.path().join("report-templates/header.xml"),
        "<title>{{ title }}</title>\n<p>{% if doc_number %}未结束</p>\n",
    )
    .unwrap();
    let o = xunjian(&["report", "quarterly", "2026Q3", "--out", cli_out_s]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("header.xml") && stderr.contains("第2行"), "{stderr}");
    assert!(!cli_out.exists());
    // Repaired, the command without --format writes every format whose
    // tools are here: DOCX, XLSX and HTML always, the PDF with Chromium.
    std::fs::write(tmp.path().join("report-templates/header.xml"), HEADER).unwrap();
    let o = xunjian(&["report", "quarterly", "2026Q3", "--out", cli_out_s]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut files: Vec<String> = std::fs::read_dir(&cli_out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut want = vec![
        "2026Q3-政务新媒体检查情况通报.docx",
        "2026Q3-政务新媒体检查情况通报.html",
        "2026Q3-政务新媒体检查情况通报.xlsx",
    ];
    if have_chromium {
        want.push("2026Q3-政务新媒体检查情况通报.pdf");
        want.sort();
    }
    assert_eq!(files, want);
    let doc = zip_part(&cli_out.join(want[0]), "word/document.xml");
    assert!(doc.contains(NO));

    // A template directory that does not exist: the command says so and
    // exits 2 before reading anything.
    std::fs::write(
        &config,
        "[general]\ndata_dir = \"data\"\n[report]\ntemplate_dir = \"no-such-dir\"\n",
    )
    .unwrap();
    let bad = tmp.path().join("bad");
    let o = xunjian(&["report", "quarterly", "2026Q3", "--format", "docx", "--out", bad.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("模板目录不存在") && stderr.contains("no-such-dir"), "{stderr}");
}
