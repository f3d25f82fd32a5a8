//! PDF: the HTML notice printed by headless Chromium (Debian package
//! `chromium`), which embeds the fonts fontconfig finds for the configured
//! families as subset CID TrueType fonts: AR PL UMing CN (`fonts-arphic-uming`)
//! and WenQuanYi Micro Hei (`fonts-wqy-microhei`) by default, with Noto CJK SC
//! (`fonts-noto-cjk`; fontconfig picks the SC face of the .ttc by family
//! name) as the fallback. Chromium's PDF backend cannot embed CFF-outline
//! fonts such as Noto CJK as fonts: it draws them as Type 3 glyph
//! procedures, which print but carry no font name; hence TrueType defaults.
//!
//! Why Chromium rather than a typesetting crate: it keeps the default build
//! lean (typst adds ~8 minutes of release build and ~50 MB to the binary,
//! shared/reference/crates.md §8), the HTML is the same document people can
//! open and edit, and offices' licensed 仿宋/小标宋 fonts work once installed
//! for fontconfig. Only a machine that prints PDFs needs Chromium; XLSX and
//! HTML never do.

use super::ReportError;
use super::config::ReportConfig;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The Chromium executable: a path as given, or a name looked up in PATH.
pub fn find_chromium(program: &str) -> Result<PathBuf, ReportError> {
    let missing = || ReportError::ChromiumMissing {
        program: program.to_string(),
    };
    let program = program.trim();
    if program.contains('/') {
        let p = PathBuf::from(program);
        return if is_executable(&p) {
            Ok(p)
        } else {
            Err(missing())
        };
    }
    let path = std::env::var_os("PATH").ok_or_else(missing)?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| is_executable(p))
        .ok_or_else(missing)
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A private scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch, ReportError> {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "xunjian-pdf-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|source| ReportError::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The command line used to print (without the program), for `file_url` →
/// `pdf_path`, with a fresh profile in `profile_dir`. Flags: headless,
/// no sandbox (runs as root on servers), and no background networking,
/// component updates or sync, so a closed network costs nothing.
///
/// `--js-flags=--jitless`: V8 runs JavaScript in its interpreter and never
/// asks for memory that is both writable and executable. The shipped unit's
/// `MemoryDenyWriteExecute=yes` refuses such memory, and with the JIT
/// Chromium then hangs until the timeout instead of printing (issue 18);
/// the report's little script does not need the speed.
pub fn chromium_args(file_url: &str, pdf_path: &Path, profile_dir: &Path) -> Vec<String> {
    vec![
        "--headless".into(),
        JITLESS.into(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-extensions".into(),
        "--mute-audio".into(),
        "--no-pdf-header-footer".into(),
        format!("--user-data-dir={}", profile_dir.display()),
        format!("--print-to-pdf={}", pdf_path.display()),
        file_url.to_string(),
    ]
}

/// V8 without its JIT: works under `MemoryDenyWriteExecute=yes`.
pub const JITLESS: &str = "--js-flags=--jitless";

/// Prints `html` to `out` with the Chromium at `program`.
pub async fn print(
    program: &Path,
    html: &str,
    out: &Path,
    cfg: &ReportConfig,
) -> Result<(), ReportError> {
    let scratch = Scratch::new()?;
    let html_path = scratch.0.join("report.html");
    std::fs::write(&html_path, html).map_err(|source| ReportError::Io {
        path: html_path.clone(),
        source,
    })?;
    let pdf_tmp = scratch.0.join("report.pdf");
    let profile = scratch.0.join("profile");
    let url = url::Url::from_file_path(&html_path)
        .map_err(|_| ReportError::Pdf(format!("bad path {}", html_path.display())))?;
    let log_path = scratch.0.join("chromium.log");
    let log = std::fs::File::create(&log_path).map_err(|source| ReportError::Io {
        path: log_path.clone(),
        source,
    })?;
    let log2 = log.try_clone().map_err(|source| ReportError::Io {
        path: log_path.clone(),
        source,
    })?;
    let mut cmd = std::process::Command::new(program);
    cmd.args(chromium_args(url.as_str(), &pdf_tmp, &profile))
        .env("HOME", &scratch.0)
        .stdin(std::process::Stdio::null())
        .stdout(log)
        .stderr(log2);
    let limit = Duration::from_secs(cfg.pdf_timeout_secs.max(1));
    let program_name = program.display().to_string();
    // std's process API with a polling wait (tokio's `process` feature is
    // not enabled in this workspace), off the async threads.
    let status =
        tokio::task::spawn_blocking(move || -> Result<std::process::ExitStatus, ReportError> {
            let mut child = cmd.spawn().map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => ReportError::ChromiumMissing {
                    program: program_name.clone(),
                },
                _ => ReportError::Pdf(format!("{program_name}: {e}")),
            })?;
            let started = std::time::Instant::now();
            loop {
                if let Some(status) = child
                    .try_wait()
                    .map_err(|e| ReportError::Pdf(e.to_string()))?
                {
                    return Ok(status);
                }
                if started.elapsed() > limit {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(ReportError::Pdf(format!(
                        "超时 (timed out after {} s)",
                        limit.as_secs()
                    )));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
        .await
        .map_err(|e| ReportError::Pdf(e.to_string()))??;
    let ok = std::fs::read(&pdf_tmp)
        .map(|b| b.starts_with(b"%PDF"))
        .unwrap_or(false);
    if !status.success() || !ok {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(8).collect();
        return Err(ReportError::Pdf(format!(
            "{} exited with {}; {}",
            program.display(),
            status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        )));
    }
    if std::fs::rename(&pdf_tmp, out).is_err() {
        std::fs::copy(&pdf_tmp, out).map_err(|source| ReportError::Io {
            path: out.to_path_buf(),
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_chromium_names_the_package() {
        let e = find_chromium("/nonexistent/chromium").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("apt-get install chromium fonts-noto-cjk"),
            "{msg}"
        );
        assert!(matches!(
            find_chromium("xunjian-no-such-browser"),
            Err(ReportError::ChromiumMissing { .. })
        ));
        assert!(find_chromium("sh").is_ok(), "a name is looked up in PATH");
    }

    #[test]
    fn the_flags_keep_chromium_off_the_network() {
        let a = chromium_args(
            "file:///tmp/r.html",
            Path::new("/tmp/r.pdf"),
            Path::new("/tmp/p"),
        );
        for f in [
            "--headless",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--js-flags=--jitless",
        ] {
            assert!(a.iter().any(|x| x == f), "{f}");
        }
        assert_eq!(a.last().unwrap(), "file:///tmp/r.html");
    }
}
