//! Why a delivery failed, in words an operator can act on (Chinese first),
//! and whether trying again can help.

use crate::store::Channel;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureClass {
    /// Nothing listens at host:port (server down, wrong port, firewall).
    ConnectionRefused,
    /// The server did not answer in time, or the whole delivery (connect,
    /// greeting, EHLO, TLS, login, envelope, data) ran past its deadline.
    Timeout,
    /// The TLS handshake failed (certificate not trusted, wrong name,
    /// STARTTLS where the port speaks implicit TLS or the reverse).
    Tls,
    /// The server refused the login (wrong user or password / 授权码).
    Auth,
    /// The server refused a recipient address.
    RecipientRefused,
    /// The server refused the sender address.
    SenderRefused,
    /// Refused for another reason (5xx): sending again will not help.
    Rejected,
    /// Refused for now (4xx): try again later.
    TemporarilyRejected,
    /// Other network failure.
    Network,
    /// A notice without any recipient address.
    NoRecipients,
    /// A robot webhook did not accept the message.
    Webhook,
    /// The channel is not configured (robot disabled, secret missing).
    NotConfigured,
    /// Writing the `.eml` file failed.
    Io,
    /// A template failed to render.
    Template,
}

impl FailureClass {
    /// A stable name for logs and metric labels.
    pub fn code(self) -> &'static str {
        match self {
            FailureClass::ConnectionRefused => "connection_refused",
            FailureClass::Timeout => "timeout",
            FailureClass::Tls => "tls",
            FailureClass::Auth => "auth",
            FailureClass::RecipientRefused => "recipient_refused",
            FailureClass::SenderRefused => "sender_refused",
            FailureClass::Rejected => "rejected",
            FailureClass::TemporarilyRejected => "temporarily_rejected",
            FailureClass::Network => "network",
            FailureClass::NoRecipients => "no_recipients",
            FailureClass::Webhook => "webhook",
            FailureClass::NotConfigured => "not_configured",
            FailureClass::Io => "io",
            FailureClass::Template => "template",
        }
    }

    /// The words for a failure on `channel`: the connection failures name
    /// the server the operator has to look at (the mail server, or the
    /// robot's webhook server), so a robot's outage is not reported as a
    /// mail server's.
    pub fn zh_on(self, channel: Channel) -> &'static str {
        match (self, channel) {
            (FailureClass::ConnectionRefused, Channel::Email) => "无法连接邮件服务器",
            (FailureClass::ConnectionRefused, _) => "无法连接机器人服务器（webhook）",
            (FailureClass::Timeout, Channel::Email) => "邮件服务器未在时限内答复",
            (FailureClass::Timeout, _) => "机器人服务器（webhook）未在时限内答复",
            (c, _) => c.zh(),
        }
    }

    /// What the operator should check after a failure on `channel`.
    pub fn hint_on(self, channel: Channel) -> &'static str {
        match (self, channel) {
            (FailureClass::ConnectionRefused | FailureClass::Timeout | FailureClass::Network, Channel::Email) => {
                self.hint_zh()
            }
            (FailureClass::Timeout, _) => {
                "机器人服务器接受了连接却不答复或答复太慢：请检查网络和代理；时限为 [notify.smtp] timeout_secs（机器人同样适用）；稍后会自动重试"
            }
            (FailureClass::ConnectionRefused | FailureClass::Network, _) => {
                "请检查本机能否访问机器人地址（防火墙、代理、DNS）以及机器人地址密钥是否正确"
            }
            (c, _) => c.hint_zh(),
        }
    }

    /// The words for an email failure.
    pub fn zh(self) -> &'static str {
        match self {
            FailureClass::ConnectionRefused => "无法连接邮件服务器",
            FailureClass::Timeout => "邮件服务器未在时限内答复",
            FailureClass::Tls => "TLS 加密连接失败",
            FailureClass::Auth => "登录认证失败",
            FailureClass::RecipientRefused => "收件地址被拒绝",
            FailureClass::SenderRefused => "发件地址被拒绝",
            FailureClass::Rejected => "邮件被服务器拒绝",
            FailureClass::TemporarilyRejected => "服务器暂时拒绝",
            FailureClass::Network => "网络错误",
            FailureClass::NoRecipients => "没有收件人",
            FailureClass::Webhook => "机器人消息发送失败",
            FailureClass::NotConfigured => "发送渠道未配置",
            FailureClass::Io => "写入文件失败",
            FailureClass::Template => "模板错误",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            FailureClass::ConnectionRefused => "connection refused",
            FailureClass::Timeout => "timed out",
            FailureClass::Tls => "TLS failure",
            FailureClass::Auth => "authentication failed",
            FailureClass::RecipientRefused => "recipient refused",
            FailureClass::SenderRefused => "sender refused",
            FailureClass::Rejected => "rejected",
            FailureClass::TemporarilyRejected => "temporarily rejected",
            FailureClass::Network => "network error",
            FailureClass::NoRecipients => "no recipients",
            FailureClass::Webhook => "webhook failed",
            FailureClass::NotConfigured => "channel not configured",
            FailureClass::Io => "I/O error",
            FailureClass::Template => "template error",
        }
    }

    /// What the operator should check after an email failure.
    pub fn hint_zh(self) -> &'static str {
        match self {
            FailureClass::ConnectionRefused => {
                "请检查 [notify.smtp] host、port 以及服务器是否运行、防火墙是否放行"
            }
            FailureClass::Timeout => {
                "服务器接受了连接却不答复，或答复太慢：请检查服务器是否正常、网络、端口，以及 security（465 端口用 tls，587 端口用 starttls）；稍后会自动重试"
            }
            FailureClass::Tls => {
                "请检查 security 与端口是否匹配（465 用 tls，587 用 starttls），服务器证书是否可信（内网 CA 可用 ca_file）"
            }
            FailureClass::Auth => {
                "请检查 [notify.smtp] user 及密钥 smtp-password（QQ、163、阿里云邮箱须用客户端授权码）"
            }
            FailureClass::RecipientRefused => "请检查收件地址是否正确、是否存在",
            FailureClass::SenderRefused => "请检查 [notify.smtp] from 是否为登录账号允许使用的地址",
            FailureClass::Rejected | FailureClass::TemporarilyRejected => "请查看服务器的答复",
            FailureClass::Network => "请检查网络",
            FailureClass::NoRecipients => "请在 [notify] office_recipients 中填写监管办公室的邮箱",
            FailureClass::Webhook => "请检查机器人地址（密钥）、加签密钥及机器人安全设置",
            FailureClass::NotConfigured => "请检查 [notify] 中该渠道的配置和密钥",
            FailureClass::Io => "请检查发件箱目录的权限和磁盘空间",
            FailureClass::Template => "请检查模板文件",
        }
    }

    /// Whether sending the same message again cannot succeed without a
    /// change to the message itself (a refused address). A login failure is
    /// not permanent: the operator fixes the password and the notice must
    /// still go.
    pub fn is_permanent(self) -> bool {
        matches!(
            self,
            FailureClass::RecipientRefused
                | FailureClass::Rejected
                | FailureClass::NoRecipients
                | FailureClass::SenderRefused
        )
    }

    /// Whether the failure is the transport's (so the rest of a sending
    /// pass on the same channel would fail the same way).
    pub fn is_transport_down(self) -> bool {
        matches!(
            self,
            FailureClass::ConnectionRefused
                | FailureClass::Timeout
                | FailureClass::Tls
                | FailureClass::Auth
                | FailureClass::Network
                | FailureClass::NotConfigured
        )
    }
}

/// A failed delivery: the class, the channel it happened on and what the
/// server or system said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError {
    pub class: FailureClass,
    pub channel: Channel,
    pub detail: String,
}

impl DeliveryError {
    /// A failure of email delivery; [`DeliveryError::on`] for a robot.
    pub fn new(class: FailureClass, detail: impl Into<String>) -> DeliveryError {
        DeliveryError {
            class,
            channel: Channel::Email,
            detail: detail.into(),
        }
    }

    /// The same failure, on `channel`.
    pub fn on(mut self, channel: Channel) -> DeliveryError {
        self.channel = channel;
        self
    }

    /// The delivery of one message did not finish within `deadline`.
    pub fn deadline(channel: Channel, deadline: std::time::Duration) -> DeliveryError {
        DeliveryError::new(
            FailureClass::Timeout,
            format!(
                "{} 秒内未完成发送，已中止，稍后重试 (delivery not finished within {} s; aborted, will retry)",
                deadline.as_secs(),
                deadline.as_secs()
            ),
        )
        .on(channel)
    }

    /// What the operator should check.
    pub fn hint(&self) -> &'static str {
        self.class.hint_on(self.channel)
    }
}

impl fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.class.zh_on(self.channel),
            self.class.en(),
            self.detail
        )
    }
}

impl std::error::Error for DeliveryError {}

fn is_recipient_reply(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "5.1.1",
        "5.1.2",
        "5.1.3",
        "5.1.10",
        "recipient",
        "mailbox",
        "rcpt",
        "user unknown",
        "no such user",
        "收件人",
    ]
    .iter()
    .any(|k| t.contains(k))
}

fn is_sender_reply(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    ["5.1.7", "5.1.8", "sender", "mail from", "发件人"]
        .iter()
        .any(|k| t.contains(k))
}

/// Classifies a lettre SMTP error from its reply code, or from the
/// underlying I/O or TLS error.
pub fn classify_smtp(e: &lettre::transport::smtp::Error) -> DeliveryError {
    use std::error::Error as _;
    let detail = e.to_string();
    if let Some(code) = e.status() {
        let n: u16 = code.to_string().parse().unwrap_or(0);
        let class = match n {
            // 530 auth required, 534 mechanism too weak, 535 bad
            // credentials, 538 encryption required for auth, 454 temporary
            // auth failure.
            454 | 530 | 534 | 535 | 538 => FailureClass::Auth,
            550..=553 if is_sender_reply(&detail) && !is_recipient_reply(&detail) => {
                FailureClass::SenderRefused
            }
            550..=553 if is_recipient_reply(&detail) => FailureClass::RecipientRefused,
            400..=499 => FailureClass::TemporarilyRejected,
            _ => FailureClass::Rejected,
        };
        return DeliveryError::new(class, detail);
    }
    if e.is_tls() {
        return DeliveryError::new(FailureClass::Tls, detail);
    }
    if e.is_timeout() {
        return DeliveryError::new(FailureClass::Timeout, detail);
    }
    let mut source = e.source();
    while let Some(s) = source {
        if s.downcast_ref::<rustls::Error>().is_some() {
            return DeliveryError::new(FailureClass::Tls, detail);
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
            {
                return DeliveryError::new(FailureClass::Tls, detail);
            }
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    return DeliveryError::new(FailureClass::ConnectionRefused, detail);
                }
                std::io::ErrorKind::TimedOut => {
                    return DeliveryError::new(FailureClass::Timeout, detail);
                }
                _ => {}
            }
        }
        source = s.source();
    }
    let lower = detail.to_ascii_lowercase();
    if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        return DeliveryError::new(FailureClass::Tls, detail);
    }
    DeliveryError::new(FailureClass::Network, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_chinese_first() {
        let e = DeliveryError::new(
            FailureClass::Auth,
            "permanent error (535): 5.7.8 Authentication credentials invalid",
        );
        assert_eq!(
            e.to_string(),
            "登录认证失败 (authentication failed): permanent error (535): 5.7.8 Authentication credentials invalid"
        );
        assert!(
            !FailureClass::Auth.is_permanent(),
            "a fixed password must still send the notice"
        );
        assert!(FailureClass::RecipientRefused.is_permanent());
    }

    /// A robot's outage is not reported as the mail server's (issue 18).
    #[test]
    fn connection_failures_name_the_channel_s_server() {
        let mail = DeliveryError::new(FailureClass::ConnectionRefused, "refused");
        assert!(mail.to_string().starts_with("无法连接邮件服务器"), "{mail}");
        let robot = mail.clone().on(Channel::Wecom);
        assert!(robot.to_string().starts_with("无法连接机器人服务器"), "{robot}");
        assert!(!robot.to_string().contains("邮件"), "{robot}");
        assert!(!robot.hint().contains("smtp"), "{}", robot.hint());
        let late = DeliveryError::deadline(Channel::Dingtalk, std::time::Duration::from_secs(5));
        assert_eq!(late.class, FailureClass::Timeout);
        assert!(late.to_string().starts_with("机器人服务器（webhook）未在时限内答复"), "{late}");
        assert!(late.detail.contains("5 秒"), "{late}");
        assert!(FailureClass::Timeout.is_transport_down() && !FailureClass::Timeout.is_permanent());
    }

    #[test]
    fn reply_texts() {
        assert!(is_recipient_reply(
            "550 5.1.1 <x@y>: Recipient address rejected"
        ));
        assert!(is_sender_reply("553 Mail from must equal authorized user"));
        assert!(!is_recipient_reply("554 Transaction failed"));
    }
}
