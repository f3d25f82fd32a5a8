//! The quarterly PDF under the shipped unit's memory protection (issue 18).
//! `MemoryDenyWriteExecute=yes` refuses memory that is writable and
//! executable; V8's JIT needs it, and Chromium then hangs until the PDF
//! timeout. The kernel's `prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN)`
//! enforces the same rule and is inherited by every process Chromium
//! starts, so the test runs the real print through a wrapper that sets it
//! and then becomes Chromium.
//!
//! Needs Chromium (required with `XUNJIAN_REQUIRE_PDF=1`), python3 (for the
//! prctl) and Linux 6.3 or later; a kernel without PR_SET_MDWE skips, saying
//! so. pdftotext (poppler-utils) reads the result.

use std::path::{Path, PathBuf};
use xunjian::report::{ReportConfig, pdf};

/// Writes an executable that sets PR_SET_MDWE on itself and then execs
/// `chromium` with its own arguments. `None` when this kernel has no MDWE.
fn mdwe_wrapper(dir: &Path, chromium: &Path) -> Option<PathBuf> {
    let script = format!(
        "#!/usr/bin/env python3\n\
         import ctypes, os, sys\n\
         libc = ctypes.CDLL(None, use_errno=True)\n\
         # PR_SET_MDWE = 65, PR_MDWE_REFUSE_EXEC_GAIN = 1\n\
         if libc.prctl(65, 1, 0, 0, 0) != 0:\n\
         \x20   sys.stderr.write('PR_SET_MDWE: errno %d\\n' % ctypes.get_errno())\n\
         \x20   sys.exit(97)\n\
         os.execv({c:?}, [{c:?}] + sys.argv[1:])\n",
        c = chromium.display().to_string()
    );
    let path = dir.join("chromium-mdwe");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let probe = std::process::Command::new(&path).arg("--version").output().expect("run python3");
    match probe.status.code() {
        Some(0) => Some(path),
        Some(97) => {
            eprintln!(
                "SKIPPED: this kernel has no PR_SET_MDWE (Linux 6.3+): {}",
                String::from_utf8_lossy(&probe.stderr).trim()
            );
            None
        }
        _ => panic!("the MDWE wrapper failed: {}", String::from_utf8_lossy(&probe.stderr)),
    }
}

#[tokio::test]
async fn the_pdf_prints_under_memory_deny_write_execute() {
    let chromium = match pdf::find_chromium("chromium") {
        Ok(c) => c,
        Err(e) if std::env::var("XUNJIAN_REQUIRE_PDF").is_ok_and(|v| v == "1") => {
            panic!("XUNJIAN_REQUIRE_PDF=1 but Chromium is missing: {e}")
        }
        Err(_) => {
            eprintln!("SKIPPED: Chromium not installed (set XUNJIAN_REQUIRE_PDF=1 to require it)");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let Some(wrapper) = mdwe_wrapper(dir.path(), &chromium) else { return };
    // The page's script must run (the report's charts and page numbers use
    // one): under --jitless V8 interprets it.
    let html = "<!doctype html><html><head><meta charset=\"utf-8\"></head><body>\
                <h1>政务新媒体检查情况通报</h1><p id=\"s\"></p>\
                <script>document.getElementById('s').textContent = '脚本' + '已运行';</script>\
                </body></html>";
    let out = dir.path().join("mdwe.pdf");
    // A correctness bound: without the fix Chromium never finishes.
    let cfg = ReportConfig { pdf_timeout_secs: 60, ..ReportConfig::default() };
    pdf::print(&wrapper, html, &out, &cfg).await.unwrap_or_else(|e| panic!("PDF under MDWE: {e}"));
    let text = std::process::Command::new("pdftotext").arg(&out).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("政务新媒体检查情况通报"), "{text}");
    assert!(text.contains("脚本已运行"), "the page's script did not run: {text}");
}
