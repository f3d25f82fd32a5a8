//! Starts `tests/smtp/server.py` (aiosmtpd) for a test: test certificates
//! made with `openssl` (a CA and a leaf it signs: rustls refuses a
//! self-signed certificate that is its own CA), three loopback listeners,
//! a Maildir to read what arrived. The server dies with the test: it exits
//! when its stdin closes, and `Drop` kills it by its PID.
//!
//! When python3, aiosmtpd or openssl is missing the test fails if `CI` or
//! `XUNJIAN_REQUIRE_SMTP` is set (`.ci/run` sets it), and otherwise is
//! skipped with a loud message.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub const USER: &str = "xunjian";
pub const PASSWORD: &str = "s3cret-授权码";
/// Recipients in this domain are refused with 550 5.1.1.
pub const REFUSED_DOMAIN: &str = "refused.invalid";

pub struct SmtpServer {
    child: Child,
    pub plain: u16,
    pub starttls: u16,
    pub smtps: u16,
    pub maildir: PathBuf,
    /// The test CA (PEM), to trust in the client.
    pub ca_pem: PathBuf,
    dir: tempfile::TempDir,
}

fn required() -> bool {
    ["CI", "XUNJIAN_REQUIRE_SMTP"].iter().any(|v| {
        std::env::var(v)
            .map(|s| !s.is_empty() && s != "0")
            .unwrap_or(false)
    })
}

fn missing() -> Option<String> {
    let py = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output();
    match py {
        Err(e) => return Some(format!("python3 not found ({e})")),
        Ok(o) if !o.status.success() => {
            return Some(format!(
                "python3 cannot import aiosmtpd: {} (install: python3 -m pip install aiosmtpd==1.4.6)",
                String::from_utf8_lossy(&o.stderr).trim()
            ));
        }
        Ok(_) => {}
    }
    match Command::new("openssl").arg("version").output() {
        Ok(o) if o.status.success() => None,
        _ => Some("openssl not found (needed to make test certificates)".to_string()),
    }
}

/// `None` when the test should be skipped (tools missing, not required).
/// Panics when the tools are missing and `CI` / `XUNJIAN_REQUIRE_SMTP` is
/// set: a CI run that silently skips its SMTP tests proves nothing.
pub fn tools_or_skip(test: &str) -> Option<()> {
    match missing() {
        None => Some(()),
        Some(why) if required() => panic!("{test}: the SMTP test server cannot run: {why}"),
        Some(why) => {
            eprintln!("\n!!!!!!!! SKIPPED {test}: the SMTP test server cannot run: {why}");
            eprintln!("!!!!!!!! (set CI or XUNJIAN_REQUIRE_SMTP to make this a failure)\n");
            None
        }
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a leaf for localhost / 127.0.0.1 signed by it (P-256: fast).
fn make_certs(dir: &Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=xunjian test CA",
    ]);
    openssl(dir, &ca);
    let mut leaf = vec!["req"];
    leaf.extend(ec);
    leaf.extend([
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=localhost",
    ]);
    openssl(dir, &leaf);
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
        ],
    );
    let chain = [
        std::fs::read(dir.join("leaf.pem")).unwrap(),
        std::fs::read(dir.join("ca.pem")).unwrap(),
    ]
    .concat();
    std::fs::write(dir.join("chain.pem"), chain).unwrap();
}

/// A loopback port nothing listens on (bound and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn(dir: &Path, ports: [u16; 3]) -> (Child, [u16; 3]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/server.py");
    let mut child = Command::new("python3")
        .arg(&script)
        .arg("--maildir")
        .arg(dir.join("maildir"))
        .arg("--cert")
        .arg(dir.join("chain.pem"))
        .arg("--key")
        .arg(dir.join("leaf.key"))
        .args([
            "--user",
            USER,
            "--password",
            PASSWORD,
            "--refuse-domain",
            REFUSED_DOMAIN,
        ])
        .arg("--ports")
        .arg(format!("{},{},{}", ports[0], ports[1], ports[2]))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tests/smtp/server.py");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("read the server's ports");
    let v: serde_json::Value = serde_json::from_str(line.trim())
        .unwrap_or_else(|e| panic!("tests/smtp/server.py did not print its ports ({e}): {line:?}"));
    let port = |k: &str| {
        v[k].as_u64()
            .unwrap_or_else(|| panic!("no {k} port in {line}")) as u16
    };
    (child, [port("plain"), port("starttls"), port("smtps")])
}

impl SmtpServer {
    /// Starts the server on free ports; `None` when skipped.
    pub fn start(test: &str) -> Option<SmtpServer> {
        tools_or_skip(test)?;
        let dir = tempfile::tempdir().unwrap();
        make_certs(dir.path());
        let (child, [plain, starttls, smtps]) = spawn(dir.path(), [0, 0, 0]);
        Some(SmtpServer {
            child,
            plain,
            starttls,
            smtps,
            maildir: dir.path().join("maildir"),
            ca_pem: dir.path().join("ca.pem"),
            dir,
        })
    }

    /// Starts it again on the same ports, certificates and Maildir (a
    /// server coming back after an outage).
    pub fn restart(&mut self) {
        self.stop();
        let (child, _) = spawn(self.dir.path(), self.ports());
        self.child = child;
    }

    pub fn ports(&self) -> [u16; 3] {
        [self.plain, self.starttls, self.smtps]
    }

    /// Stops the server (the ports are free again; the Maildir stays).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Every message received so far, oldest first: (envelope headers the
    /// server added, the message exactly as the client sent it).
    pub fn messages(&self) -> Vec<Received> {
        let new = self.maildir.join("new");
        let mut names: Vec<PathBuf> = match std::fs::read_dir(&new) {
            Ok(rd) => rd.map(|e| e.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        };
        names.sort();
        names
            .into_iter()
            .map(|p| Received::parse(&std::fs::read(p).unwrap()))
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One captured message.
#[derive(Debug, Clone)]
pub struct Received {
    pub listener: String,
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub auth_login: String,
    /// The message as the client sent it.
    pub raw: Vec<u8>,
}

impl Received {
    fn parse(bytes: &[u8]) -> Received {
        let mut rest = bytes;
        let mut fields = std::collections::HashMap::new();
        // The server put exactly five `X-…: …\r\n` lines in front.
        for _ in 0..5 {
            let end = rest
                .windows(2)
                .position(|w| w == b"\r\n")
                .expect("envelope header line");
            let line = String::from_utf8_lossy(&rest[..end]).to_string();
            let (k, v) = line.split_once(": ").unwrap_or((line.as_str(), ""));
            fields.insert(k.to_string(), v.to_string());
            rest = &rest[end + 2..];
        }
        Received {
            listener: fields["X-Listener"].clone(),
            mail_from: fields["X-MailFrom"].clone(),
            rcpt_to: fields["X-RcptTo"]
                .split(", ")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            auth_login: fields["X-Auth-Login"].clone(),
            raw: rest.to_vec(),
        }
    }
}
