//! The systemd unit verifies (`systemd-analyze verify`) and keeps its
//! sandbox (`systemd-analyze security --offline`, exposure ≤ 2.0), when
//! systemd-analyze is installed; without it the test says so and passes.
//!
//! `verify` checks that ExecStart= is executable, so the unit is verified
//! as installed except for the binary's path, which points at the one
//! cargo built.

use std::path::Path;
use std::process::Command;

fn analyze_available() -> bool {
    match Command::new("systemd-analyze").arg("--version").output() {
        Ok(o) if o.status.success() => true,
        _ => {
            eprintln!("SKIPPED: systemd-analyze is not installed; the unit was not verified");
            false
        }
    }
}

/// The unit as shipped, with ExecStart= naming the binary cargo built.
fn unit_for_test(dir: &Path) -> std::path::PathBuf {
    let unit = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd/xunjian.service")).unwrap();
    assert!(unit.contains("ExecStart=/usr/local/bin/xunjian "), "the unit runs /usr/local/bin/xunjian");
    let path = dir.join("xunjian.service");
    std::fs::write(&path, unit.replace("/usr/local/bin/xunjian", env!("CARGO_BIN_EXE_xunjian"))).unwrap();
    path
}

#[test]
fn the_unit_verifies() {
    if !analyze_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let unit = unit_for_test(dir.path());
    let out = Command::new("systemd-analyze").arg("verify").arg(&unit).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.trim().is_empty(), "systemd-analyze verify:\n{text}");
}

#[test]
fn the_unit_keeps_its_sandbox() {
    if !analyze_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let unit = unit_for_test(dir.path());
    let out = Command::new("systemd-analyze").args(["security", "--offline=true"]).arg(&unit).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let Some(level) = text
        .lines()
        .find_map(|l| l.split("Overall exposure level for xunjian.service:").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
    else {
        // Older systemd-analyze cannot analyse a unit file offline.
        eprintln!("SKIPPED: systemd-analyze security --offline gave no exposure level:\n{text}");
        return;
    };
    eprintln!("systemd-analyze security: exposure {level}");
    assert!(level <= 2.0, "exposure {level} > 2.0:\n{text}");
}
