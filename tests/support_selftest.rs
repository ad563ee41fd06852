//! Proves that each service of the test-support library really works on this
//! machine: a real SMTP exchange with the sink, a real PostgreSQL database,
//! a real headless browser. If one of these fails, fix the environment
//! (scripts/setup.sh) before looking at the application's tests.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use guichet_tests::browser::{Browser, artifact_path};
use guichet_tests::postgres::{TestDatabase, psql};
use guichet_tests::smtp::SmtpSink;

const WAIT: Duration = Duration::from_secs(10);

/// A minimal SMTP client (RFC 5321): enough to deliver one message, and
/// independent of the application's own mail code that the sink is meant to
/// check. Blocking std I/O on a blocking thread keeps it free of extra tokio
/// features.
async fn send_mail(port: u16, from: &str, rcpts: &[&str], message: &str) {
    let from = from.to_owned();
    let rcpts: Vec<String> = rcpts.iter().map(|r| (*r).to_owned()).collect();
    let message = message.to_owned();
    tokio::task::spawn_blocking(move || send_mail_blocking(port, &from, &rcpts, &message))
        .await
        .expect("the SMTP client thread");
}

fn send_mail_blocking(port: u16, from: &str, rcpts: &[String], message: &str) {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the SMTP sink");
    stream.set_read_timeout(Some(WAIT)).expect("set a read timeout");
    let mut write = stream.try_clone().expect("clone the stream");
    let mut read = BufReader::new(stream);

    // Reads one (possibly multi-line) reply and checks its code.
    let expect_reply = |read: &mut BufReader<TcpStream>, code: &str| loop {
        let mut line = String::new();
        read.read_line(&mut line).expect("read an SMTP reply");
        assert!(line.starts_with(code), "expected SMTP {code}, got {line:?}");
        // "250-..." continues a multi-line reply, "250 ..." ends it.
        if line.as_bytes().get(3) != Some(&b'-') {
            break;
        }
    };
    let command = |read: &mut BufReader<TcpStream>, write: &mut TcpStream, line: &str, code| {
        write.write_all(format!("{line}\r\n").as_bytes()).expect("write an SMTP command");
        expect_reply(read, code);
    };

    expect_reply(&mut read, "220");
    command(&mut read, &mut write, "EHLO selftest.localhost", "250");
    command(&mut read, &mut write, &format!("MAIL FROM:<{from}>"), "250");
    for rcpt in rcpts {
        command(&mut read, &mut write, &format!("RCPT TO:<{rcpt}>"), "250");
    }
    command(&mut read, &mut write, "DATA", "354");
    // Normalise line ends to CRLF and dot-stuff lines starting with '.'.
    let mut data = String::new();
    for line in message.lines() {
        if line.starts_with('.') {
            data.push('.');
        }
        data.push_str(line);
        data.push_str("\r\n");
    }
    data.push_str(".\r\n");
    write.write_all(data.as_bytes()).expect("write the message");
    expect_reply(&mut read, "250");
    command(&mut read, &mut write, "QUIT", "221");
}

/// RFC 2047 "Q" encoding of a UTF-8 header value.
fn q_encode(text: &str) -> String {
    let mut out = String::from("=?UTF-8?Q?");
    for byte in text.bytes() {
        match byte {
            b' ' => out.push('_'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' => out.push(byte as char),
            _ => out.push_str(&format!("={byte:02X}")),
        }
    }
    out.push_str("?=");
    out
}

#[tokio::test]
async fn smtp_sink_receives_and_decodes_real_mail() {
    let smtp = SmtpSink::start().await;
    let subject = "Votre dossier n° 42 a été accepté";

    // 1. A plain UTF-8 (8bit) text message with an RFC 2047 subject.
    let plain = format!(
        "From: Guichet <ne-pas-repondre@guichet.localhost>\n\
         To: Usager <usager@example.org>\n\
         Subject: {}\n\
         MIME-Version: 1.0\n\
         Content-Type: text/plain; charset=utf-8\n\
         Content-Transfer-Encoding: 8bit\n\
         \n\
         Bonjour Éloïse,\n\
         .Une ligne qui commence par un point.\n\
         Suivez le lien : http://127.0.0.1:8080/dossiers/42?jeton=abc.\n",
        q_encode(subject)
    );
    send_mail(smtp.port(), "ne-pas-repondre@guichet.localhost", &["usager@example.org"], &plain).await;

    let mail = smtp.wait_for("usager@example.org", WAIT).await.expect("the plain message arrives");
    assert_eq!(mail.subject, subject);
    assert!(mail.from.contains("ne-pas-repondre@guichet.localhost"));
    assert!(mail.text_body.contains("Bonjour Éloïse,"), "{}", mail.text_body);
    assert!(
        mail.text_body.contains("\n.Une ligne qui commence par un point."),
        "dot-stuffing undone: {}",
        mail.text_body
    );
    assert_eq!(mail.html_body, None);
    assert_eq!(
        mail.first_link("http://127.0.0.1:8080/").as_deref(),
        Some("http://127.0.0.1:8080/dossiers/42?jeton=abc")
    );

    // 2. multipart/alternative: quoted-printable text and base64 HTML, plus
    // a Bcc-like recipient only present in the envelope.
    let multipart = "From: ne-pas-repondre@guichet.localhost\n\
         To: usager@example.org\n\
         Subject: =?UTF-8?B?RGV1eGnDqG1lIG1lc3NhZ2U=?=\n\
         MIME-Version: 1.0\n\
         Content-Type: multipart/alternative; boundary=\"b1\"\n\
         \n\
         --b1\n\
         Content-Type: text/plain; charset=utf-8\n\
         Content-Transfer-Encoding: quoted-printable\n\
         \n\
         Deuxi=C3=A8me message, un lien tr=C3=A8s long : http://127.0.0.1:8080/=\n\
         connexion/jeton-secret\n\
         --b1\n\
         Content-Type: text/html; charset=utf-8\n\
         Content-Transfer-Encoding: base64\n\
         \n\
         PHA+RGV1eGnDqG1lIG1lc3NhZ2U8L3A+\n\
         --b1--\n";
    send_mail(
        smtp.port(),
        "ne-pas-repondre@guichet.localhost",
        &["usager@example.org", "instructeur@example.org"],
        multipart,
    )
    .await;

    let second = smtp.wait_for_nth("usager@example.org", 2, WAIT).await.expect("the multipart message arrives");
    assert_eq!(second.subject, "Deuxième message");
    assert!(second.text_body.starts_with("Deuxième message"));
    assert_eq!(
        second.first_link("http://127.0.0.1:8080/").as_deref(),
        Some("http://127.0.0.1:8080/connexion/jeton-secret")
    );
    assert_eq!(second.html_body.as_deref().map(str::trim), Some("<p>Deuxième message</p>"));

    let bcc = smtp.messages_to("instructeur@example.org").expect("read the mailbox");
    assert_eq!(bcc.len(), 1, "the envelope-only recipient gets one message");
    assert_eq!(smtp.messages().expect("read the mailbox").len(), 2);

    // Nothing for someone else: a bounded wait that fails with a report.
    let none = smtp.wait_for("personne@example.org", Duration::from_millis(200)).await;
    assert!(none.is_err());
}

#[tokio::test]
async fn postgres_test_database_is_created_and_dropped() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    assert_eq!(db.psql("SELECT 1").await.expect("query the new database"), "1");
    assert_eq!(db.psql("SELECT current_database()").await.expect("query"), db.name);

    let admin = db.admin_url.clone();
    let name = db.name.clone();
    let exists = format!("SELECT count(*) FROM pg_database WHERE datname = '{name}'");
    assert_eq!(psql(&admin, &exists).await.expect("list databases"), "1");

    // Dropped even while a connection is open (WITH (FORCE)).
    let mut open = tokio::process::Command::new("psql")
        .args(["-X", "-w", "-q", "-d", &db.url, "-c", "SELECT pg_sleep(30)"])
        .kill_on_drop(true)
        .spawn()
        .expect("run psql");
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(db);
    assert_eq!(psql(&admin, &exists).await.expect("list databases"), "0");
    let _ = open.kill().await;
}

#[tokio::test]
async fn browser_renders_a_page_and_takes_a_screenshot() {
    let browser = Browser::start().await;
    // %-encoded: "<title>Guichet é</title><h1>Bonjour, navigateur</h1>".
    let page = "data:text/html;charset=utf-8,\
                %3Ctitle%3EGuichet%20%C3%A9%3C%2Ftitle%3E\
                %3Ch1%3EBonjour%2C%20navigateur%3C%2Fh1%3E";
    browser.client.goto(page).await.expect("open the page");
    assert_eq!(browser.client.title().await.expect("read the title"), "Guichet é");
    let heading = browser
        .client
        .find(fantoccini::Locator::Css("h1"))
        .await
        .expect("find the heading")
        .text()
        .await
        .expect("read the heading");
    assert_eq!(heading, "Bonjour, navigateur");

    let path = artifact_path("support_selftest/browser.png");
    browser.screenshot(&path).await;
    let png = std::fs::read(&path).expect("read the screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 1000, "not a PNG");
    browser.close().await;
}
