//! Sending e-mails: through SMTP (lettre), or — on the embedded default with
//! no SMTP configured — into a local outbox folder that demo mode shows in
//! the browser. Messages are text with an HTML alternative.

use crate::config::Config;
use anyhow::Context;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// One e-mail to one recipient, as stored in the job queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Courriel {
    pub to: String,
    pub subject: String,
    pub text: String,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

/// A slow relay must not hold a job worker forever.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

impl Mailer {
    pub fn new(config: &Config) -> anyhow::Result<Mailer> {
        let from: Mailbox =
            config.mail_from.parse().with_context(|| format!("invalid sender address {:?}", config.mail_from))?;
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .context("invalid SMTP URL")?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
            None => Transport::Outbox(config.outbox_dir()),
        };
        Ok(Mailer { transport, from })
    }

    /// The message for the job `job`: its Message-ID is derived from the
    /// job, so the same job always makes the same message.
    pub fn build(&self, courriel: &Courriel, job: i64) -> anyhow::Result<Message> {
        let to: Mailbox = courriel.to.parse().with_context(|| format!("invalid recipient {:?}", courriel.to))?;
        let message_id = format!("<courriel-{job}@{}>", self.from.email.domain());
        Ok(Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&courriel.subject)
            .message_id(Some(message_id))
            .multipart(MultiPart::alternative_plain_html(
                courriel.text.clone(),
                text_to_html(&courriel.subject, &courriel.text),
            ))?)
    }

    /// Sends the e-mail of the job `job`. Sending the same job twice (a
    /// worker killed between the relay's acceptance and the job's
    /// completion) gives the same Message-ID over SMTP, and rewrites the same
    /// file in the outbox.
    pub async fn send(&self, courriel: &Courriel, job: i64) -> anyhow::Result<()> {
        let message = self.build(courriel, job)?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.context("SMTP delivery failed")?;
            }
            Transport::Outbox(dir) => {
                tokio::fs::create_dir_all(dir).await?;
                // Written aside then renamed: a crash mid-write never leaves a
                // truncated e-mail for the reader to trip on.
                let name = outbox_name(job);
                let partial = dir.join(format!(".{name}.partial"));
                tokio::fs::write(&partial, message.formatted()).await?;
                tokio::fs::rename(&partial, dir.join(name)).await?;
            }
        }
        Ok(())
    }
}

/// Zero-padded, so that names sort in the order the jobs were queued.
fn outbox_name(job: i64) -> String {
    format!("courriel-{job:012}.eml")
}

/// The HTML alternative: the same text, escaped, with paragraphs and links.
fn text_to_html(subject: &str, text: &str) -> String {
    let mut body = String::new();
    for paragraph in text.split("\n\n") {
        let lines: Vec<String> = paragraph
            .lines()
            .map(|line| {
                line.split(' ')
                    .map(|word| {
                        let escaped = escape_html(word);
                        if word.starts_with("https://") || word.starts_with("http://") {
                            format!("<a href=\"{escaped}\">{escaped}</a>")
                        } else {
                            escaped
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        body.push_str(&format!("<p>{}</p>\n", lines.join("<br>\n")));
    }
    format!(
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{}</title></head><body style=\"font-family: Arial, sans-serif\">\n{body}</body></html>",
        escape_html(subject)
    )
}

pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// E-mails written to the local outbox, newest first (demo mode).
pub fn list_outbox(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.ends_with(".eml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names.reverse();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_alternative_escapes_text_and_links_urls() {
        let html = text_to_html("Sujet <b>", "Bonjour <script>\n\nVoir https://exemple.fr/a?b=1&c=2 merci");
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("<a href=\"https://exemple.fr/a?b=1&amp;c=2\">"));
        assert!(html.contains("<title>Sujet &lt;b&gt;</title>"));
    }

    #[tokio::test]
    async fn without_smtp_mails_land_in_the_outbox_with_utf8_subjects() {
        let dir = std::env::temp_dir().join(format!("guichet-outbox-{}", crate::security::random_token()));
        let mut config = Config::local(&dir);
        config.smtp_url = None;
        let mailer = Mailer::new(&config).unwrap();
        let courriel = Courriel {
            to: "marie@exemple.fr".into(),
            subject: "Votre dossier n° 42 a été accepté".into(),
            text: "Bonjour".into(),
        };
        mailer.send(&courriel, 7).await.unwrap();
        // The same job sent again (after a crash) rewrites its one file.
        mailer.send(&courriel, 7).await.unwrap();
        let names = list_outbox(&config.outbox_dir());
        assert_eq!(names, vec!["courriel-000000000007.eml".to_string()]);
        let raw = std::fs::read_to_string(config.outbox_dir().join(&names[0])).unwrap();
        assert!(raw.contains("To: marie@exemple.fr"));
        assert!(raw.contains("Message-ID: <courriel-7@guichet.localhost>"), "{raw}");
        // Encoded on the wire (RFC 2047), decoded intact by a mail reader.
        assert!(!raw.contains("accepté"), "the subject must not travel as raw UTF-8");
        let parsed = mailparse::parse_mail(raw.as_bytes()).unwrap();
        use mailparse::MailHeaderMap;
        assert_eq!(
            parsed.get_headers().get_first_value("Subject").as_deref(),
            Some("Votre dossier n° 42 a été accepté")
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
