//! `xunjian notices …`: the outbox.

use super::CliResult;
use crate::config::LoadedConfig;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum NoticesCommand {
    /// 列出通知 (list notices)
    List,
}

pub async fn run(_loaded: &LoadedConfig, _cmd: NoticesCommand) -> CliResult {
    Err(super::CliError::failure(anyhow::anyhow!("not yet implemented")))
}
