//! `xunjian run`: the daemon.

use super::CliResult;
use crate::config::LoadedConfig;
use clap::Args;

#[derive(Debug, Args)]
pub struct RunArgs {}

pub async fn run(_loaded: &LoadedConfig, _args: RunArgs) -> CliResult {
    Err(super::CliError::failure(anyhow::anyhow!("not yet implemented")))
}
