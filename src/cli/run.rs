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
    console_greeting(loaded, &store).await;

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

/// On a store without any user, the first administrator with its one-time
/// password (as `init --import` does), then where the console is, so the
/// person who started the service can log in.
async fn console_greeting(loaded: &LoadedConfig, store: &crate::store::Store) {
    use super::table::outln;
    let listen = loaded.config.daemon.listen.trim();
    if listen.is_empty() {
        return;
    }
    match super::users::create_first_admin(store).await {
        Ok(Some(pw)) => {
            outln!("已创建控制台管理员 (console administrator)：用户名 admin，一次性密码 {pw}");
            outln!("  只显示这一次；首次登录后须修改。忘记时：xunjian users passwd admin (shown once; change it at the first login)");
        }
        Ok(None) => {}
        // Another daemon of a cluster made it a moment ago; the service runs on.
        Err(e) => tracing::warn!(error = %e.error, "console: the first administrator was not created"),
    }
    if listen.ends_with(":0") {
        outln!("控制台 (console)：端口由系统分配，实际地址见随后的日志 (port 0: the bound address follows in the log)");
    } else {
        outln!("控制台 (console): http://{listen}/");
    }
}
