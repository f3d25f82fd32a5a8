//! `xunjian run`: the daemon. Signals: SIGTERM/SIGINT stop it (exit 0),
//! SIGHUP reloads the configuration and the registry.

use super::{CliError, CliResult, open_store};
use crate::config::LoadedConfig;
use crate::daemon::clock::ClockSetup;
use crate::daemon::runner::Control;
use crate::daemon::{Daemon, RunOptions};
use clap::Args;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

#[derive(Debug, Args)]
pub struct RunArgs {}

pub async fn run(loaded: &LoadedConfig, _args: RunArgs) -> CliResult {
    // For tests and the simulator only (see crate::daemon::clock).
    let clock = ClockSetup::from_env().map_err(|e| CliError::invalid(anyhow::anyhow!(e)))?;
    loaded.config.daemon.validate().map_err(|e| CliError::invalid(anyhow::anyhow!(e)))?;
    let store = open_store(loaded).await?;

    let (tx, rx) = mpsc::channel(8);
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        loop {
            let control = tokio::select! {
                _ = term.recv() => { tracing::info!("SIGTERM received"); Control::Shutdown }
                _ = int.recv() => { tracing::info!("SIGINT received"); Control::Shutdown }
                _ = hup.recv() => { tracing::info!("SIGHUP received: reloading"); Control::Reload }
            };
            if tx.send(control).await.is_err() {
                return;
            }
        }
    });
    let opts = RunOptions { clock };
    Daemon::run(loaded.clone(), store.clone(), opts, rx).await.map_err(|e| match e {
        crate::daemon::DaemonError::Config(_) => CliError::invalid(e),
        other => CliError::failure(other),
    })?;
    store.close().await;
    Ok(())
}
