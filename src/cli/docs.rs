//! Hidden commands the Debian package's build runs: shell completions and
//! man pages, generated from the same command-line definition as `--help`,
//! so they cannot drift from it.

use super::{Cli, CliError, CliResult};
use anyhow::anyhow;
use clap::CommandFactory;
use std::path::Path;

/// `xunjian completions SHELL`: the completion script on stdout.
pub fn completions(shell: clap_complete::Shell) -> CliResult {
    let mut cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut cmd, "xunjian", &mut out);
    Ok(())
}

/// `xunjian manpage DIR`: `xunjian.1` and one page per subcommand
/// (`xunjian-calendar-import.1`, …) into DIR.
pub fn manpages(dir: &Path) -> CliResult {
    std::fs::create_dir_all(dir).map_err(|e| CliError::failure(anyhow!("无法创建目录 {}：{e}", dir.display())))?;
    clap_mangen::generate_to(Cli::command(), dir)
        .map_err(|e| CliError::failure(anyhow!("无法写入手册页到 {}：{e}", dir.display())))?;
    Ok(())
}
