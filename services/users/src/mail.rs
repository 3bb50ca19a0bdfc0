//! Email: through SMTP (lettre) when `mail.smtp_url` is set; otherwise into the outbox table,
//! which admins read (`ListOutbox`, `GET /api/v1/admin/outbox`), and a log line, so every
//! account flow can be finished on a machine without a mail server. A message SMTP refuses is
//! kept in the outbox too: nothing is lost.

use std::sync::Arc;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use secrecy::ExposeSecret as _;
use xcode_store::UserStore;

use crate::settings::MailSettings;

#[derive(Clone)]
pub struct Mailer {
    store: Arc<dyn UserStore>,
    smtp: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    pub public_url: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("smtp", &self.smtp.is_some())
            .field("public_url", &self.public_url)
            .finish()
    }
}

impl Mailer {
    pub fn new(settings: &MailSettings, store: Arc<dyn UserStore>) -> anyhow::Result<Self> {
        let smtp = match settings.smtp_url.as_ref() {
            Some(url) if !url.expose_secret().is_empty() => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|e| anyhow::anyhow!("mail.smtp_url: {e}"))?
                    // Within the gateway's 10 s: a hung server must not fail the request.
                    .timeout(Some(std::time::Duration::from_secs(5)))
                    .build();
                let from: Mailbox = settings
                    .from
                    .parse()
                    .map_err(|e| anyhow::anyhow!("mail.from {:?}: {e}", settings.from))?;
                Some((transport, from))
            }
            _ => None,
        };
        Ok(Self {
            store,
            smtp,
            public_url: settings.public_url.trim_end_matches('/').to_owned(),
        })
    }

    pub async fn send(
        &self,
        to: &str,
        subject: &str,
        body: &str,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        if let Some((transport, from)) = &self.smtp {
            match self.send_smtp(transport, from, to, subject, body).await {
                Ok(()) => {
                    tracing::info!(to, subject, "email sent");
                    return Ok(());
                }
                Err(error) => {
                    tracing::error!(
                        to,
                        subject,
                        error = format!("{error:#}"),
                        "SMTP failed: kept in the outbox"
                    );
                }
            }
        }
        self.store.insert_outbox(now_ms, to, subject, body).await?;
        tracing::info!(
            to,
            subject,
            "email kept in the outbox (no SMTP server configured)"
        );
        Ok(())
    }

    async fn send_smtp(
        &self,
        transport: &AsyncSmtpTransport<Tokio1Executor>,
        from: &Mailbox,
        to: &str,
        subject: &str,
        body: &str,
    ) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(from.clone())
            .to(to.parse()?)
            .subject(subject)
            .body(body.to_owned())?;
        transport.send(message).await?;
        Ok(())
    }
}
