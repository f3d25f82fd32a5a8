//! Email: building the message (UTF-8, RFC 2047 headers, HTML with a
//! plain-text alternative) and the two transports, SMTP through lettre or
//! `.eml` files in an outbox directory.

use super::NotifyError;
use super::config::{SmtpConfig, SmtpSecurity};
use super::delivery::{DeliveryError, FailureClass, classify_smtp};
use super::render::Rendered;
use crate::store::NoticeRecord;
use chrono::{DateTime, Utc};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Placeholder for a notice planned while no office address was
/// configured: only ever written to an `.eml` file (SMTP refuses to send
/// it), and `.invalid` can never be delivered anywhere.
const UNCONFIGURED_NAME: &str = "未配置收件人（请填写 [notify] office_recipients）";
const UNCONFIGURED_ADDR: &str = "unconfigured@invalid";

/// Builds the message for a notice. With `placeholder_if_empty`, a notice
/// without recipients is addressed to [`UNCONFIGURED_ADDR`] (for `.eml` files);
/// otherwise it is an error.
pub fn build_message(
    n: &NoticeRecord,
    r: &Rendered,
    from: &Mailbox,
    now: DateTime<Utc>,
    placeholder_if_empty: bool,
) -> Result<Message, DeliveryError> {
    let mut b = Message::builder()
        .from(from.clone())
        .subject(r.subject.clone())
        // The Date header is the delivery attempt's injected time.
        .date(std::time::UNIX_EPOCH + Duration::from_millis(now.timestamp_millis().max(0) as u64))
        .message_id(Some(n.message_id.clone()))
        // RFC 3834: vacation responders must not answer robots.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".into(),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Xunjian-Notice"),
            n.id.to_string(),
        ));
    if let Some(thread) = n.payload.get("thread_id").and_then(|v| v.as_str())
        && thread != n.message_id
    {
        b = b.references(thread.to_string());
    }
    let mut any = false;
    for rcpt in &n.recipients {
        let mb: Mailbox = rcpt.parse().map_err(|e| {
            DeliveryError::new(
                FailureClass::RecipientRefused,
                format!("「{rcpt}」不是有效的邮件地址: {e}"),
            )
        })?;
        b = b.to(mb);
        any = true;
    }
    if !any {
        if !placeholder_if_empty {
            return Err(DeliveryError::new(
                FailureClass::NoRecipients,
                "notice has no recipient",
            ));
        }
        let addr = UNCONFIGURED_ADDR
            .parse()
            .expect("placeholder address parses");
        b = b.to(Mailbox::new(Some(UNCONFIGURED_NAME.to_string()), addr));
    }
    b.multipart(MultiPart::alternative_plain_html(
        r.text.clone(),
        r.html.clone(),
    ))
    .map_err(|e| {
        DeliveryError::new(
            FailureClass::Rejected,
            format!("message cannot be built: {e}"),
        )
    })
}

/// `00000042-finding-event-17-office_xunjian.local.eml`: the notice id
/// sorts the outbox; the Message-ID says what it is. A redelivery after a
/// crash writes the same name, so a notice is one file however often it is
/// tried.
pub fn eml_file_name(n: &NoticeRecord) -> String {
    let mid: String = n
        .message_id
        .trim_matches(|c| c == '<' || c == '>')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect();
    format!("{:08}-{mid}.eml", n.id)
}

/// Writes `bytes` to `dir/name` atomically: a temporary file in the same
/// directory, flushed to disk, then renamed over the target, then the
/// directory flushed. A reader (or a crash) sees the whole file or none.
pub fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let target = dir.join(name);
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &target)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(target)
}

/// An SMTP server as configured, ready to send.
#[derive(Clone)]
pub struct SmtpTarget {
    pub transport: AsyncSmtpTransport<Tokio1Executor>,
    /// `smtp.example.org:465 (tls, user office@example.org)`: for messages.
    pub description: String,
}

impl std::fmt::Debug for SmtpTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.description)
    }
}

/// Builds the SMTP transport. The password is only needed with a `user`.
pub fn smtp_target(cfg: &SmtpConfig, password: Option<&str>) -> Result<SmtpTarget, NotifyError> {
    let host = cfg.host.trim();
    let port = cfg.effective_port();
    let tls_params = || -> Result<TlsParameters, NotifyError> {
        let mut b = TlsParameters::builder(host.to_string());
        if !cfg.ca_file.trim().is_empty() {
            let pem = std::fs::read(cfg.ca_file.trim()).map_err(|e| {
                NotifyError::Config(format!("[notify.smtp] ca_file {}: {e}", cfg.ca_file))
            })?;
            let cert = Certificate::from_pem(&pem).map_err(|e| {
                NotifyError::Config(format!("[notify.smtp] ca_file {}: {e}", cfg.ca_file))
            })?;
            b = b.add_root_certificate(cert);
        }
        b.build_rustls()
            .map_err(|e| NotifyError::Config(format!("[notify.smtp] TLS: {e}")))
    };
    let tls = match cfg.security {
        SmtpSecurity::Starttls => Tls::Required(tls_params()?),
        SmtpSecurity::Tls => Tls::Wrapper(tls_params()?),
        SmtpSecurity::None => Tls::None,
    };
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(cfg.timeout_secs.max(1))));
    if !cfg.hello_name.trim().is_empty() {
        b = b.hello_name(ClientId::Domain(cfg.hello_name.trim().to_string()));
    }
    let user = cfg.user.trim();
    if !user.is_empty() {
        let Some(pw) = password else {
            return Err(NotifyError::Config(format!(
                "[notify.smtp] user 已设置但未找到密钥 {name} (password secret `{name}` not found: set {} or {}_FILE or $CREDENTIALS_DIRECTORY/{name})",
                crate::secrets::env_var_name(&cfg.password_secret),
                crate::secrets::env_var_name(&cfg.password_secret),
                name = cfg.password_secret
            )));
        };
        b = b.credentials(Credentials::new(user.to_string(), pw.to_string()));
    }
    let security = match cfg.security {
        SmtpSecurity::Starttls => "starttls",
        SmtpSecurity::Tls => "tls",
        SmtpSecurity::None => "none",
    };
    let who = if user.is_empty() {
        String::new()
    } else {
        format!(", user {user}")
    };
    Ok(SmtpTarget {
        transport: b.build(),
        description: format!("{host}:{port} ({security}{who})"),
    })
}

impl SmtpTarget {
    /// Sends one message; returns the server's reply (`250 …`).
    pub async fn send(&self, m: Message) -> Result<String, DeliveryError> {
        match self.transport.send(m).await {
            Ok(resp) => Ok(format!(
                "{} {}",
                resp.code(),
                resp.message().collect::<Vec<_>>().join(" ")
            )
            .trim()
            .to_string()),
            Err(e) => Err(classify_smtp(&e)),
        }
    }
}
