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

/// The families fontconfig does not know (an empty `fc-list :family=…`).
/// Chromium would print with another font without a word; the office
/// should hear that its 仿宋 or 小标宋 is not installed. Without fc-list
/// nothing can be said, and nothing is reported.
pub fn missing_fonts(families: &[&str]) -> Vec<String> {
    families
        .iter()
        .filter(|f| {
            let pattern = format!(":family={}", f.replace('\\', "\\\\").replace(':', "\\:").replace('-', "\\-"));
            matches!(
                std::process::Command::new("fc-list").arg(pattern).arg("family").output(),
                Ok(o) if o.status.success() && o.stdout.iter().all(u8::is_ascii_whitespace)
            )
        })
        .map(|f| f.to_string())
        .collect()
}

/// V8 without its JIT: works under `MemoryDenyWriteExecute=yes`.
pub const JITLESS: &str = "--js-flags=--jitless";

/// Runs Chromium with `args` (HOME in `scratch`, output to a log there),
/// killed after `limit`; the exit status, or the error with the log's tail.
async fn run_chromium(
    program: &Path,
    args: Vec<String>,
    scratch: &Path,
    limit: Duration,
) -> Result<(std::process::ExitStatus, String), ReportError> {
    let log_path = scratch.join("chromium.log");
    let log = std::fs::File::create(&log_path).map_err(|source| ReportError::Io {
        path: log_path.clone(),
        source,
    })?;
    let log2 = log.try_clone().map_err(|source| ReportError::Io {
        path: log_path.clone(),
        source,
    })?;
    let mut cmd = std::process::Command::new(program);
    cmd.args(args)
        .env("HOME", scratch)
        .stdin(std::process::Stdio::null())
        .stdout(log)
        .stderr(log2);
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
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let tail: Vec<&str> = log.lines().rev().take(8).collect();
    Ok((status, tail.into_iter().rev().collect::<Vec<_>>().join(" | ")))
}

fn write_scratch(scratch: &Scratch, name: &str, text: &str) -> Result<PathBuf, ReportError> {
    let path = scratch.0.join(name);
    std::fs::write(&path, text).map_err(|source| ReportError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// Prints `html` to `out` with the Chromium at `program`.
pub async fn print(
    program: &Path,
    html: &str,
    out: &Path,
    cfg: &ReportConfig,
) -> Result<(), ReportError> {
    let scratch = Scratch::new()?;
    let html_path = write_scratch(&scratch, "report.html", html)?;
    let pdf_tmp = scratch.0.join("report.pdf");
    let profile = scratch.0.join("profile");
    let url = url::Url::from_file_path(&html_path)
        .map_err(|_| ReportError::Pdf(format!("bad path {}", html_path.display())))?;
    let limit = Duration::from_secs(cfg.pdf_timeout_secs.max(1));
    let (status, tail) = run_chromium(
        program,
        chromium_args(url.as_str(), &pdf_tmp, &profile),
        &scratch.0,
        limit,
    )
    .await?;
    let ok = std::fs::read(&pdf_tmp)
        .map(|b| b.starts_with(b"%PDF"))
        .unwrap_or(false);
    if !status.success() || !ok {
        return Err(ReportError::Pdf(format!(
            "{} exited with {}; {}",
            program.display(),
            status,
            tail
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

/// The pixel density of chart images: twice the CSS size, sharp in print
/// at the 150 mm a chart takes in the DOCX.
pub const SCREENSHOT_SCALE: u32 = 2;

/// The command line for a screenshot of `file_url` at `width`×`height`
/// CSS pixels into `png_path`: the printing flags without the PDF ones.
pub fn screenshot_args(
    file_url: &str,
    png_path: &Path,
    profile_dir: &Path,
    width: u32,
    height: u32,
) -> Vec<String> {
    let mut a: Vec<String> = chromium_args(file_url, Path::new("-"), profile_dir)
        .into_iter()
        .filter(|x| !x.starts_with("--print-to-pdf") && x != "--no-pdf-header-footer" && x != file_url)
        .collect();
    a.push("--hide-scrollbars".into());
    a.push(format!("--force-device-scale-factor={SCREENSHOT_SCALE}"));
    a.push(format!("--window-size={width},{height}"));
    a.push(format!("--screenshot={}", png_path.display()));
    a.push(file_url.to_string());
    a
}

/// A screenshot (PNG) of `body` at `width`×`height` CSS pixels, white
/// background, no margins.
pub async fn screenshot(
    program: &Path,
    body: &str,
    width: u32,
    height: u32,
    cfg: &ReportConfig,
) -> Result<Vec<u8>, ReportError> {
    let scratch = Scratch::new()?;
    let page = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>html,body{{margin:0;padding:0;background:#fff;overflow:hidden}}svg{{display:block}}div.band{{overflow:hidden}}</style></head><body>{body}</body></html>"
    );
    let html_path = write_scratch(&scratch, "charts.html", &page)?;
    let png = scratch.0.join("charts.png");
    let profile = scratch.0.join("profile");
    let url = url::Url::from_file_path(&html_path)
        .map_err(|_| ReportError::Pdf(format!("bad path {}", html_path.display())))?;
    let limit = Duration::from_secs(cfg.pdf_timeout_secs.max(1));
    let (status, tail) = run_chromium(
        program,
        screenshot_args(url.as_str(), &png, &profile, width, height),
        &scratch.0,
        limit,
    )
    .await?;
    let bytes = std::fs::read(&png).unwrap_or_default();
    if !status.success() || !bytes.starts_with(b"\x89PNG") {
        return Err(ReportError::Pdf(format!(
            "{} exited with {}; {}",
            program.display(),
            status,
            tail
        )));
    }
    Ok(bytes)
}

/// An SVG chart as PNG (for the DOCX), by a Chromium screenshot of a page
/// holding only the chart.
pub async fn svg_to_png(
    program: &Path,
    svg: &str,
    width: f64,
    height: f64,
    cfg: &ReportConfig,
) -> Result<Vec<u8>, ReportError> {
    screenshot(program, svg, width.ceil() as u32, height.ceil() as u32, cfg).await
}

/// SVG charts (svg, width, height in CSS pixels) as PNGs from one
/// screenshot of them stacked, each in a band of its height rounded up,
/// cut apart by [`super::png::split`]: one Chromium start for all.
pub async fn svgs_to_pngs(
    program: &Path,
    charts: &[(&str, f64, f64)],
    cfg: &ReportConfig,
) -> Result<Vec<Vec<u8>>, ReportError> {
    let mut body = String::new();
    let mut bands = Vec::new();
    let (mut width, mut height) = (1u32, 0u32);
    for (svg, w, h) in charts {
        let (w, h) = (w.ceil() as u32, h.ceil() as u32);
        body.push_str(&format!("<div class=\"band\" style=\"width:{w}px;height:{h}px\">{svg}</div>"));
        bands.push((w * SCREENSHOT_SCALE, h * SCREENSHOT_SCALE));
        width = width.max(w);
        height += h;
    }
    let png = screenshot(program, &body, width, height.max(1), cfg).await?;
    super::png::split(&png, &bands).map_err(ReportError::Pdf)
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
    fn a_font_fontconfig_lacks_is_named() {
        if std::process::Command::new("fc-list").output().is_err() {
            return;
        }
        let missing = missing_fonts(&["No Such Font 仿宋_X", "DejaVu Sans"]);
        assert!(missing.contains(&"No Such Font 仿宋_X".to_string()), "{missing:?}");
        // DejaVu comes with fontconfig on Debian; where it is absent it is
        // rightly named too.
        let has_dejavu = std::process::Command::new("fc-list")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("DejaVu Sans"));
        assert_eq!(missing.contains(&"DejaVu Sans".to_string()), !has_dejavu);
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
