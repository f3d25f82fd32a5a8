//! WeCom (企业微信) and DingTalk (钉钉) group robots: one Markdown message
//! per notice, posted to the robot's webhook URL (a secret: it carries the
//! robot's key). DingTalk robots with 加签 need every request signed:
//! `timestamp` (ms) and `sign` = Base64(HMAC-SHA256(secret,
//! "{timestamp}\n{secret}")), URL-encoded, as query parameters.

use super::delivery::{DeliveryError, FailureClass};
use crate::store::Channel;
use base64::Engine;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// HMAC-SHA256 (RFC 2104) over sha2, which the crate already has; a
/// second hashing crate for twenty lines is not worth it. Checked against
/// RFC 4231's test vectors below.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// DingTalk's signature for `timestamp_ms` (not yet URL-encoded).
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let mac = hmac_sha256(
        secret.as_bytes(),
        format!("{timestamp_ms}\n{secret}").as_bytes(),
    );
    base64::engine::general_purpose::STANDARD.encode(mac)
}

/// A configured robot.
#[derive(Clone)]
pub struct Robot {
    pub channel: Channel,
    url: url::Url,
    sign_secret: Option<String>,
}

impl std::fmt::Debug for Robot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL carries the robot's key: show only where it points.
        f.debug_struct("Robot")
            .field("channel", &self.channel)
            .field("host", &self.url.host_str())
            .field("signed", &self.sign_secret.is_some())
            .finish()
    }
}

/// WeCom accepts at most 4096 bytes of Markdown; DingTalk about 20000.
fn truncate_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max.saturating_sub("\n……".len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n……", &s[..end])
}

impl Robot {
    pub fn new(channel: Channel, url: &str, sign_secret: Option<String>) -> Result<Robot, String> {
        let url =
            url::Url::parse(url.trim()).map_err(|e| format!("webhook URL is not a URL: {e}"))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(format!("webhook URL must be http(s), not {}", url.scheme()));
        }
        Ok(Robot {
            channel,
            url,
            sign_secret: sign_secret.filter(|s| !s.is_empty()),
        })
    }

    /// Where to post at `now` (signed for DingTalk when a secret is set).
    pub fn request_url(&self, now: DateTime<Utc>) -> url::Url {
        let mut url = self.url.clone();
        if let (Channel::Dingtalk, Some(secret)) = (self.channel, &self.sign_secret) {
            let ts = now.timestamp_millis();
            url.query_pairs_mut()
                .append_pair("timestamp", &ts.to_string())
                .append_pair("sign", &dingtalk_sign(secret, ts));
        }
        url
    }

    pub fn body(&self, title: &str, markdown: &str) -> serde_json::Value {
        match self.channel {
            Channel::Dingtalk => serde_json::json!({
                "msgtype": "markdown",
                "markdown": { "title": title, "text": truncate_bytes(markdown, 18_000) },
            }),
            _ => serde_json::json!({
                "msgtype": "markdown",
                "markdown": { "content": truncate_bytes(markdown, 4_000) },
            }),
        }
    }

    /// Posts one message. Both robots answer HTTP 200 with
    /// `{"errcode":0,"errmsg":"ok"}` on success and a non-zero `errcode`
    /// otherwise (bad key, bad signature, rate limit): only `errcode` 0 is
    /// a delivery.
    pub async fn post(
        &self,
        http: &reqwest::Client,
        title: &str,
        markdown: &str,
        now: DateTime<Utc>,
    ) -> Result<String, DeliveryError> {
        let url = self.request_url(now);
        let resp = http
            .post(url)
            .json(&self.body(title, markdown))
            .send()
            .await
            .map_err(|e| {
                let class = if e.is_timeout() {
                    FailureClass::Timeout
                } else if e.is_connect() {
                    FailureClass::ConnectionRefused
                } else {
                    FailureClass::Webhook
                };
                DeliveryError::new(class, redact_error(&e)).on(self.channel)
            })?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|e| {
                let class = if e.is_timeout() {
                    FailureClass::Timeout
                } else {
                    FailureClass::Webhook
                };
                DeliveryError::new(class, redact_error(&e)).on(self.channel)
            })?;
        let errcode = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("errcode").and_then(serde_json::Value::as_i64));
        match (status.is_success(), errcode) {
            (true, Some(0)) => Ok(format!("HTTP {} {}", status.as_u16(), text.trim())),
            _ => Err(DeliveryError::new(
                FailureClass::Webhook,
                format!(
                    "HTTP {}: {}",
                    status.as_u16(),
                    text.chars().take(300).collect::<String>()
                ),
            )
            .on(self.channel)),
        }
    }
}

/// reqwest's message includes the URL, and so the robot's key: keep only
/// scheme and host.
fn redact_error(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(u) = e.url() {
        s = s.replace(
            u.as_str(),
            &format!("{}://{}/…", u.scheme(), u.host_str().unwrap_or("")),
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// RFC 4231 test cases 1, 2 and 6 (a key longer than the block).
    #[test]
    fn hmac_matches_rfc_4231() {
        assert_eq!(
            hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn dingtalk_url_is_signed_with_the_injected_time() {
        let r = Robot::new(
            Channel::Dingtalk,
            "https://oapi.dingtalk.com/robot/send?access_token=T",
            Some("SECx".into()),
        )
        .unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-21T10:00:00+08:00")
            .unwrap()
            .with_timezone(&Utc);
        let url = r.request_url(now);
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["access_token"], "T");
        assert_eq!(q["timestamp"], now.timestamp_millis().to_string());
        assert_eq!(q["sign"], dingtalk_sign("SECx", now.timestamp_millis()));
        // Base64 of a 32-byte MAC, with '+', '/' and '=' percent-encoded in the URL.
        assert_eq!(q["sign"].len(), 44);
        assert!(!url.as_str().contains('+'));
        // Unsigned without a secret; WeCom is never signed.
        assert!(
            Robot::new(Channel::Dingtalk, "https://x/robot?access_token=T", None)
                .unwrap()
                .request_url(now)
                .query()
                .unwrap()
                == "access_token=T"
        );
        assert!(!format!("{r:?}").contains("access_token"));
    }

    #[test]
    fn markdown_is_cut_at_a_char_boundary() {
        let s = "政".repeat(2000);
        let t = truncate_bytes(&s, 4000);
        assert!(t.len() <= 4000 && t.ends_with("……"));
    }
}
