//! A minimal Chrome DevTools Protocol client over `--remote-debugging-pipe`.
//!
//! Why the pipe and not a websocket: Chromium then speaks CDP on its file
//! descriptors 3 (commands in) and 4 (replies and events out), as
//! NUL-terminated JSON. No port is opened (nothing else on the machine can
//! drive our browser), there is no DevTools URL to scrape from stderr, and
//! no websocket or CDP crate is needed: the whole client is this file. The
//! two descriptors are set up by `/bin/sh` (`3<&0 4>&1`) so no `unsafe`
//! `pre_exec` is needed either.

use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::{mpsc, oneshot};

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;

/// A running Chromium with its own empty profile directory, removed when
/// the browser is dropped.
pub struct Chromium {
    child: Child,
    stdin: ChildStdin,
    pending: Pending,
    next_id: AtomicU64,
    pub events: mpsc::UnboundedReceiver<Value>,
    stderr_tail: Arc<Mutex<String>>,
    profile_dir: PathBuf,
}

/// Why talking to the browser failed.
#[derive(Debug, Clone)]
pub enum CdpError {
    Spawn(String),
    Timeout(String),
    Closed(String),
    Protocol(String),
}

impl std::fmt::Display for CdpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CdpError::Spawn(s) => write!(f, "cannot start Chromium: {s}"),
            CdpError::Timeout(s) => write!(f, "Chromium did not answer in time: {s}"),
            CdpError::Closed(s) => write!(f, "Chromium went away: {s}"),
            CdpError::Protocol(s) => write!(f, "DevTools error: {s}"),
        }
    }
}

/// Switches every launch gets. The background-networking ones keep
/// Chromium from phoning home (update checks, field trials, sync), which
/// on a closed network means hundreds of refused connections at start.
///
/// `--js-flags=--jitless`: V8 interprets JavaScript and never asks for
/// memory that is writable and executable, which the shipped unit's
/// `MemoryDenyWriteExecute=yes` refuses (with the JIT, V8 cannot reserve
/// its code range and every page load hangs until its timeout; issue 18).
pub const BASE_ARGS: &[&str] = &[
    "--headless",
    "--js-flags=--jitless",
    "--remote-debugging-pipe",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--hide-scrollbars",
    "--password-store=basic",
    "--use-mock-keychain",
];

static LAUNCHES: AtomicU64 = AtomicU64::new(0);

impl Chromium {
    /// Starts `binary` with [`BASE_ARGS`] plus `extra`, a fresh profile
    /// directory, and `about:blank`.
    pub fn launch(binary: &str, extra: &[String]) -> Result<Chromium, CdpError> {
        let n = LAUNCHES.fetch_add(1, Ordering::Relaxed);
        let profile_dir = std::env::temp_dir().join(format!(
            "xunjian-chromium-{}-{n}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&profile_dir).map_err(|e| {
            CdpError::Spawn(format!("cannot create the profile directory {}: {e}", profile_dir.display()))
        })?;
        let mut cmd = Command::new("/bin/sh");
        // fd 3 = our pipe into Chromium, fd 4 = Chromium's pipe out to us;
        // its own stdin/stdout are /dev/null. `exec` keeps one process.
        cmd.arg("-c")
            .arg("exec \"$0\" \"$@\" 3<&0 4>&1 0</dev/null 1>/dev/null")
            .arg(binary)
            .args(BASE_ARGS)
            .arg(format!("--user-data-dir={}", profile_dir.display()))
            .args(extra)
            .arg("about:blank")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&profile_dir);
                return Err(CdpError::Spawn(format!("{binary}: {e}")));
            }
        };
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let pending: Pending = Arc::new(Mutex::new(HashMap::new()));
        let (tx, events) = mpsc::unbounded_channel();
        let p2 = pending.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match reader.read_until(0, &mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                if buf.last() == Some(&0) {
                    buf.pop();
                }
                let Ok(msg) = serde_json::from_slice::<Value>(&buf) else {
                    continue;
                };
                match msg.get("id").and_then(Value::as_u64) {
                    Some(id) => {
                        let waiter = p2.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                        if let Some(w) = waiter {
                            let _ = w.send(msg);
                        }
                    }
                    None => {
                        if tx.send(msg).is_err() {
                            break;
                        }
                    }
                }
            }
            // Wake everyone still waiting: the browser is gone.
            p2.lock().unwrap_or_else(|p| p.into_inner()).clear();
        });
        let stderr_tail = Arc::new(Mutex::new(String::new()));
        let tail = stderr_tail.clone();
        tokio::spawn(async move {
            // Drained so Chromium never blocks on a full pipe; the tail
            // explains a failed start.
            let mut stderr = stderr;
            let mut chunk = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut chunk).await {
                if n == 0 {
                    break;
                }
                let mut t = tail.lock().unwrap_or_else(|p| p.into_inner());
                t.push_str(&String::from_utf8_lossy(&chunk[..n]));
                if t.len() > 4096 {
                    let cut = t.len() - 2048;
                    let cut = (cut..t.len()).find(|i| t.is_char_boundary(*i)).unwrap_or(t.len());
                    t.drain(..cut);
                }
            }
        });
        Ok(Chromium { child, stdin, pending, next_id: AtomicU64::new(1), events, stderr_tail, profile_dir })
    }

    /// The last lines Chromium wrote to stderr.
    pub fn stderr_tail(&self) -> String {
        let t = self.stderr_tail.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let lines: Vec<&str> = t.lines().filter(|l| !l.trim().is_empty()).collect();
        lines[lines.len().saturating_sub(3)..].join(" | ")
    }

    /// Sends a command (to a page session when `session` is given) and
    /// waits for its reply.
    pub async fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, CdpError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = s.into();
        }
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap_or_else(|p| p.into_inner()).insert(id, tx);
        let mut bytes = serde_json::to_vec(&msg).expect("JSON");
        bytes.push(0);
        if let Err(e) = self.stdin.write_all(&bytes).await {
            return Err(CdpError::Closed(format!("writing {method}: {e}; {}", self.stderr_tail())));
        }
        let reply = match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => {
                return Err(CdpError::Closed(format!("no reply to {method}; {}", self.stderr_tail())));
            }
            Err(_) => {
                self.pending.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                return Err(CdpError::Timeout(format!("{method} after {} ms", timeout.as_millis())));
            }
        };
        if let Some(err) = reply.get("error") {
            return Err(CdpError::Protocol(format!(
                "{method}: {}",
                err.get("message").and_then(Value::as_str).unwrap_or("?")
            )));
        }
        Ok(reply.get("result").cloned().unwrap_or(Value::Null))
    }

    /// Asks the browser to close, then makes sure it is gone.
    pub async fn shutdown(mut self) {
        let _ = tokio::time::timeout(
            Duration::from_secs(3),
            self.call(None, "Browser.close", json!({}), Duration::from_secs(3)),
        )
        .await;
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await.is_err() {
            let _ = self.child.start_kill();
            let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
        }
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        // kill_on_drop ends the browser; its profile goes with it.
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.profile_dir);
    }
}
