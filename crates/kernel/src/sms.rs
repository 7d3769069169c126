//! Sending SMS through a provider: the [`SmsProvider`] interface and its two implementations.
//!
//! - [`RecordingProvider`], the default: sends nothing. The outbox keeps every SMS with its text
//!   and state, so the administrator's outbox page shows what would have been sent.
//! - [`WebhookProvider`]: an HTTP POST of `{"phone": …, "text": …}` (JSON) to the SMS gateway's
//!   URL; any 2xx answer means accepted.
//!
//! A provider makes one attempt per call; retries with back-off are the outbox's business
//! ([`crate::notifications::deliver_due`]). Choose one at start-up with [`provider`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// The future a provider's `send` returns (boxed, so that providers can be chosen at run time
/// behind `Arc<dyn SmsProvider>`).
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SmsError>> + Send + 'a>>;

pub trait SmsProvider: Send + Sync {
    /// A short name recorded with each SMS it delivered, e.g. "recording" or "webhook".
    fn name(&self) -> &'static str;

    /// Sends `text` to `phone` (11-digit mainland mobile number); one attempt.
    fn send<'a>(&'a self, phone: &'a str, text: &'a str) -> SendFuture<'a>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// May work later (gateway unreachable, timeout, 5xx, 408, 429): retried with back-off.
    #[error("{0}")]
    Temporary(String),
    /// Will not work however often it is tried (the gateway refused the request): not retried.
    #[error("{0}")]
    Permanent(String),
}

/// The default: records instead of sending. Every SMS counts as delivered; the outbox shows its
/// text and recipient to the administrator.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordingProvider;

pub const RECORDING: &str = "recording";
pub const WEBHOOK: &str = "webhook";

impl SmsProvider for RecordingProvider {
    fn name(&self) -> &'static str {
        RECORDING
    }

    fn send<'a>(&'a self, phone: &'a str, text: &'a str) -> SendFuture<'a> {
        tracing::info!(
            phone = %mask_phone(phone),
            chars = text.chars().count(),
            "SMS recorded, not sent: no SMS gateway is configured"
        );
        Box::pin(async { Ok(()) })
    }
}

/// Posts each SMS as JSON `{"phone", "text"}` to a gateway URL.
#[derive(Debug, Clone)]
pub struct WebhookProvider {
    url: reqwest::Url,
    client: reqwest::Client,
}

/// How long one webhook call may take. Well below the outbox's claim lease, so that a slow
/// gateway never lets a second delivery run take the same message.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

impl WebhookProvider {
    /// A provider posting to `url` (`http://…`). This build carries no TLS, so an `https://`
    /// gateway is reached through a local forwarding proxy.
    pub fn new(url: &str) -> anyhow::Result<WebhookProvider> {
        let parsed = reqwest::Url::parse(url.trim())
            .map_err(|e| anyhow::anyhow!("SMS webhook URL {url:?} is not a URL: {e}"))?;
        if parsed.scheme() != "http" {
            anyhow::bail!(
                "SMS webhook URL {url:?}: only http:// is supported (this build has no TLS; \
                 put a local forwarding proxy in front of an https:// gateway)"
            );
        }
        let client = reqwest::Client::builder()
            .timeout(WEBHOOK_TIMEOUT)
            .build()
            .map_err(|e| anyhow::anyhow!("building the SMS webhook client: {e}"))?;
        Ok(WebhookProvider {
            url: parsed,
            client,
        })
    }
}

impl SmsProvider for WebhookProvider {
    fn name(&self) -> &'static str {
        WEBHOOK
    }

    fn send<'a>(&'a self, phone: &'a str, text: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            let body = serde_json::json!({ "phone": phone, "text": text });
            let response = self
                .client
                .post(self.url.clone())
                .json(&body)
                .send()
                .await
                .map_err(|e| SmsError::Temporary(format!("短信网关无法访问:{e}")))?;
            let status = response.status();
            if status.is_success() {
                return Ok(());
            }
            let detail: String = response
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect();
            let message = format!("短信网关返回 {status}:{detail}");
            let retry = status.is_server_error()
                || status == reqwest::StatusCode::REQUEST_TIMEOUT
                || status == reqwest::StatusCode::TOO_MANY_REQUESTS;
            Err(if retry {
                SmsError::Temporary(message)
            } else {
                SmsError::Permanent(message)
            })
        })
    }
}

/// The provider for the `serve` command: the webhook when a URL is configured
/// (`--sms-webhook URL`), the recording provider otherwise.
pub fn provider(webhook_url: Option<&str>) -> anyhow::Result<Arc<dyn SmsProvider>> {
    Ok(match webhook_url.map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) => Arc::new(WebhookProvider::new(url)?),
        None => Arc::new(RecordingProvider),
    })
}

/// "138****8000": enough to tell numbers apart in logs without writing them down.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_masked_in_logs() {
        assert_eq!(mask_phone("13800138000"), "138****8000");
        assert_eq!(mask_phone("12345"), "*****");
    }

    #[test]
    fn webhooks_need_an_http_url() {
        assert!(WebhookProvider::new("http://127.0.0.1:9/sms").is_ok());
        assert!(WebhookProvider::new("https://sms.example/send").is_err());
        assert!(WebhookProvider::new("not a url").is_err());
        assert_eq!(provider(None).unwrap().name(), RECORDING);
        assert_eq!(provider(Some(" ")).unwrap().name(), RECORDING);
        assert_eq!(
            provider(Some("http://127.0.0.1:9/sms")).unwrap().name(),
            WEBHOOK
        );
    }
}
