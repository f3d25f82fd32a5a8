//! The console after `xunjian demo`: served on loopback over the demo's
//! data until Ctrl-C, so a newcomer can look at what the quarter produced.

use super::table::outln;
use super::{CliError, CliResult};
use crate::clock::{ManualClock, SystemClock};
use crate::config::LoadedConfig;
use crate::store::Store;
use anyhow::anyhow;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// The console's usual address; another free port when it is taken (a
/// daemon may be running on this machine).
const ADDRESS: &str = "127.0.0.1:9187";

/// Serves the console over `store` until Ctrl-C. `now` is the demo's
/// simulated time when it stopped: the pages' "last 24 hours" and due
/// dates are read at that moment, as the daemon saw the quarter.
pub(super) async fn serve_until_interrupted(store: &Store, loaded: &LoadedConfig, now: DateTime<Utc>) -> CliResult {
    let listener = match tokio::net::TcpListener::bind(ADDRESS).await {
        Ok(l) => l,
        Err(_) => tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| CliError::failure(anyhow!("无法在本机开启控制台端口 (cannot listen on loopback): {e}")))?,
    };
    let addr = listener.local_addr()?;
    let login = super::users::create_first_admin(store).await?;
    let state = crate::web::AppState::new(
        store.clone(),
        Arc::new(ManualClock::new(now)),
        Arc::new(SystemClock),
        crate::web::ConsoleConfig::default(),
        None,
    )
    .with_config(Arc::new(loaded.clone()));
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let server = tokio::spawn(crate::web::serve(listener, state, stop_rx));
    outln!("");
    outln!("控制台 (console): http://{addr}/");
    match login {
        Some(pw) => outln!("  用户名 admin，一次性密码 {pw}（首次登录后须修改）(user admin, one-time password)"),
        None => outln!("  用已有的管理员账号登录 (log in as an existing administrator)"),
    }
    outln!("按 Ctrl-C 结束 (Ctrl-C to stop)");
    tokio::signal::ctrl_c().await?;
    let _ = stop.send(true);
    let _ = server.await;
    Ok(())
}
