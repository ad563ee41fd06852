//! A real SMTP server on loopback for the tests: aiosmtpd (Python, installed
//! by scripts/setup.sh into a venv) storing every message it receives in a
//! Maildir. Going through a real server, not an in-process fake, proves what
//! the application really puts on the wire (envelope, headers, encodings).
//!
//! ```ignore
//! let smtp = SmtpSink::start().await;
//! // configure the server with 127.0.0.1:smtp.port(), trigger a mail...
//! let mail = smtp.wait_for("usager@example.org", Duration::from_secs(10)).await?;
//! let link = mail.first_link("http://127.0.0.1").expect("a link in the mail");
//! ```

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mailparse::{MailHeaderMap, ParsedMail};

use crate::util;

/// How long `start` waits for aiosmtpd to listen: a cold Python start-up on a
/// busy 2-core machine takes about a second.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running aiosmtpd on 127.0.0.1, killed when dropped.
pub struct SmtpSink {
    child: Child,
    port: u16,
    maildir: PathBuf,
    // Owns the Maildir and the server's log; removed after the child is killed
    // (fields drop after `Drop::drop`).
    _dir: tempfile::TempDir,
}

/// One message received by the sink, decoded.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The `To` header, RFC 2047-decoded.
    pub to: String,
    /// The envelope recipients (`RCPT TO`), comma-separated, as recorded by
    /// aiosmtpd in `X-RcptTo`; they include Bcc recipients.
    pub envelope_to: String,
    /// The `Cc` header, RFC 2047-decoded (empty if absent).
    pub cc: String,
    /// The `From` header, RFC 2047-decoded.
    pub from: String,
    /// The `Subject` header, RFC 2047-decoded to UTF-8.
    pub subject: String,
    /// The first `text/plain` part that is not an attachment, with its
    /// transfer encoding and charset decoded (empty if there is none).
    pub text_body: String,
    /// The first `text/html` part that is not an attachment, decoded.
    pub html_body: Option<String>,
    /// The message as stored by the server, for assertions on raw headers.
    pub raw: Vec<u8>,
}

impl SmtpSink {
    /// Starts a sink on a free port; panics with an explanation if it cannot
    /// (a test that needs mail must fail, not skip, when the sink is missing).
    pub async fn start() -> SmtpSink {
        match Self::try_start().await {
            Ok(sink) => sink,
            Err(e) => panic!("cannot start the SMTP sink: {e}"),
        }
    }

    /// Starts a sink on a free port.
    pub async fn try_start() -> Result<SmtpSink, String> {
        let python = python()?;
        // The port is free when chosen but another process may take it before
        // aiosmtpd binds it: retry a few times with a new port.
        let mut last_error = String::new();
        for _ in 0..3 {
            match Self::spawn(&python).await {
                Ok(sink) => return Ok(sink),
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }

    async fn spawn(python: &Path) -> Result<SmtpSink, String> {
        let dir = tempfile::Builder::new()
            .prefix("guichet-smtp-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        // aiosmtpd's Mailbox uses Python's mailbox.Maildir, which fails on an
        // existing but empty directory: create the full Maildir layout.
        let maildir = dir.path().join("maildir");
        for sub in ["tmp", "new", "cur"] {
            fs::create_dir_all(maildir.join(sub)).map_err(|e| format!("cannot create {}: {e}", maildir.display()))?;
        }
        let log_path = dir.path().join("aiosmtpd.log");
        let log = fs::File::create(&log_path).map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let log_err = log.try_clone().map_err(|e| format!("cannot duplicate a file handle: {e}"))?;

        let port = util::free_port()?;
        let mut child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot run {} -m aiosmtpd: {e}", python.display()))?;

        let ready = util::wait_for_port(port, &mut child, &log_path, "aiosmtpd", START_TIMEOUT).await;
        if let Err(e) = ready {
            util::kill_and_reap(&mut child);
            return Err(e);
        }
        Ok(SmtpSink { child, port, maildir, _dir: dir })
    }

    /// The port the sink listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The Maildir the messages are written to (`new/` holds them).
    pub fn maildir(&self) -> &Path {
        &self.maildir
    }

    /// Every message received so far, in arrival order.
    pub fn messages(&self) -> Result<Vec<ReceivedMail>, String> {
        let new = self.maildir.join("new");
        let entries = fs::read_dir(&new).map_err(|e| format!("cannot read {}: {e}", new.display()))?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read {}: {e}", new.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            // Python's mailbox writes to tmp/ and renames into new/, so every
            // file here is complete. Dot files are not messages.
            if !name.starts_with('.') {
                files.push((arrival_key(&name), entry.path()));
            }
        }
        files.sort();
        files
            .iter()
            .map(|(_, path)| {
                let raw = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                ReceivedMail::parse(raw).map_err(|e| format!("{}: {e}", path.display()))
            })
            .collect()
    }

    /// The messages addressed to `to` (a substring of To, Cc or the
    /// envelope recipients, compared case-insensitively), in arrival order.
    pub fn messages_to(&self, to: &str) -> Result<Vec<ReceivedMail>, String> {
        Ok(self.messages()?.into_iter().filter(|m| m.is_addressed_to(to)).collect())
    }

    /// Waits for the first message addressed to `to`.
    pub async fn wait_for(&self, to: &str, timeout: Duration) -> Result<ReceivedMail, String> {
        self.wait_for_nth(to, 1, timeout).await
    }

    /// Waits until `n` messages (counting from 1) addressed to `to` have
    /// arrived and returns the `n`th.
    pub async fn wait_for_nth(&self, to: &str, n: usize, timeout: Duration) -> Result<ReceivedMail, String> {
        assert!(n >= 1, "wait_for_nth counts from 1");
        let deadline = Instant::now() + timeout;
        loop {
            let mut matching = self.messages_to(to)?;
            if matching.len() >= n {
                return Ok(matching.swap_remove(n - 1));
            }
            if Instant::now() >= deadline {
                let all = self.messages()?;
                let seen: Vec<String> = all
                    .iter()
                    .map(|m| format!("to {:?} (envelope {:?}): {:?}", m.to, m.envelope_to, m.subject))
                    .collect();
                return Err(format!(
                    "no message #{n} to {to:?} within {timeout:?}: {} matching, {} received in all{}{}",
                    matching.len(),
                    all.len(),
                    if seen.is_empty() { "" } else { ":\n  " },
                    seen.join("\n  ")
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// aiosmtpd's own output (errors while receiving are logged there).
    pub fn server_log(&self) -> String {
        util::read_log(&self.maildir.with_file_name("aiosmtpd.log"))
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        util::kill_and_reap(&mut self.child);
    }
}

/// Sort key giving the arrival order of a Maildir file written by Python's
/// mailbox: names are `<secs>.M<usecs>P<pid>Q<counter>.<host>`, and the Q
/// counter increases by one per message in the (single) server process.
fn arrival_key(name: &str) -> (u64, String) {
    let counter = name
        .split('.')
        .nth(1)
        .and_then(|unique| unique.rsplit_once('Q'))
        .and_then(|(_, q)| q.parse().ok())
        .unwrap_or(u64::MAX);
    (counter, name.to_owned())
}

impl ReceivedMail {
    /// Parses a stored message.
    pub fn parse(raw: Vec<u8>) -> Result<ReceivedMail, String> {
        let parsed = mailparse::parse_mail(&raw).map_err(|e| format!("unparsable mail: {e}"))?;
        let headers = parsed.get_headers();
        let header = |name: &str| headers.get_first_value(name).unwrap_or_default();
        let text_body = find_part(&parsed, "text/plain")
            .map(|p| p.get_body())
            .transpose()
            .map_err(|e| format!("cannot decode the text/plain part: {e}"))?
            .unwrap_or_default();
        let html_body = find_part(&parsed, "text/html")
            .map(|p| p.get_body())
            .transpose()
            .map_err(|e| format!("cannot decode the text/html part: {e}"))?;
        let (to, envelope_to, cc) = (header("To"), header("X-RcptTo"), header("Cc"));
        let (from, subject) = (header("From"), header("Subject"));
        Ok(ReceivedMail { to, envelope_to, cc, from, subject, text_body, html_body, raw })
    }

    /// Whether `to` appears (case-insensitively) in To, Cc or the envelope.
    pub fn is_addressed_to(&self, to: &str) -> bool {
        let to = to.to_lowercase();
        [&self.to, &self.envelope_to, &self.cc].iter().any(|field| field.to_lowercase().contains(&to))
    }

    /// The first URL in the text body that starts with `prefix` (for example
    /// the server's base URL), without trailing punctuation.
    pub fn first_link(&self, prefix: &str) -> Option<String> {
        self.links(prefix).into_iter().next()
    }

    /// Every URL in the text body that starts with `prefix`, in order.
    pub fn links(&self, prefix: &str) -> Vec<String> {
        let mut links = Vec::new();
        if prefix.is_empty() {
            return links;
        }
        let mut rest = self.text_body.as_str();
        while let Some(start) = rest.find(prefix) {
            let candidate = &rest[start..];
            // A URL ends at whitespace or at characters that cannot appear
            // unencoded in one and usually delimit it in text (<...>, "...").
            let end = candidate
                .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '`'))
                .unwrap_or(candidate.len());
            // Sentence punctuation right after a URL is not part of it.
            let url = candidate[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']']);
            if url.len() > prefix.len() || url == prefix {
                links.push(url.to_owned());
            }
            // `candidate` starts with the non-empty prefix: this progresses.
            rest = &candidate[end.max(prefix.len())..];
        }
        links
    }
}

/// The first part of this MIME type, depth first, that is not an attachment.
fn find_part<'a>(mail: &'a ParsedMail<'a>, mimetype: &str) -> Option<&'a ParsedMail<'a>> {
    if mail.subparts.is_empty() {
        let is_attachment = mail.get_content_disposition().disposition == mailparse::DispositionType::Attachment;
        return (mail.ctype.mimetype.eq_ignore_ascii_case(mimetype) && !is_attachment).then_some(mail);
    }
    mail.subparts.iter().find_map(|p| find_part(p, mimetype))
}

/// The Python that has aiosmtpd: `GUICHET_PYTHON`, else the venv that
/// scripts/setup.sh makes under `$GUICHET_CACHE` (`~/.cache/guichet`).
fn python() -> Result<PathBuf, String> {
    let python = util::env_path("GUICHET_PYTHON", util::guichet_cache().join("venv").join("bin").join("python"));
    if python.exists() {
        Ok(python)
    } else {
        Err(format!(
            "{} not found: run scripts/setup.sh (it makes the venv with aiosmtpd), or set GUICHET_PYTHON",
            python.display()
        ))
    }
}
