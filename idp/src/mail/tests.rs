#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use super::*;
use crate::config::Config;
use crate::testing::T0;

/// A tiny SMTP sink started by the test itself: answers the commands lettre sends (no TLS, no
/// authentication) and hands back what each DATA carried.
pub(crate) async fn smtp_sink() -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (r, mut w) = socket.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(d) = data.as_mut() {
                        if line == "." {
                            tx.send(data.take().unwrap_or_default()).unwrap();
                            w.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            d.push_str(&line);
                            d.push('\n');
                        }
                        continue;
                    }
                    let cmd = line.to_ascii_uppercase();
                    let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if cmd.starts_with("DATA") {
                        data = Some(String::new());
                        b"354 go ahead\r\n"
                    } else if cmd.starts_with("QUIT") {
                        w.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    w.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (url, rx)
}

fn mail(body: &str) -> Mail {
    Mail {
        to: "agent@niort.example".into(),
        subject: "Habilis : test".into(),
        body: Secret::new(body),
    }
}

#[tokio::test]
async fn spool_writes_one_private_eml_per_message() {
    let dir = tempfile::tempdir().unwrap();
    let mailer = Mailer::spool(dir.path(), "Habilis <no-reply@habilis.invalid>").unwrap();
    mailer.send(T0, &mail("lien secret: abc123")).await.unwrap();
    mailer.send(T0, &mail("second")).await.unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2);
    assert!(
        files
            .iter()
            .all(|f| f.extension().is_some_and(|e| e == "eml"))
    );
    let all: String = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert!(all.contains("lien secret: abc123"));
    assert!(all.contains("To: agent@niort.example"));
    assert!(all.contains("Date: Mon, 30 Nov 2026 09:00:00"), "{all}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Debug of the mailer and of a message shows no body.
    let shown = format!("{mailer:?} {:?}", mail("lien secret: abc123"));
    assert!(!shown.contains("abc123"), "{shown}");
}

#[tokio::test]
async fn smtp_delivers_to_a_real_listener() {
    let (url, mut rx) = smtp_sink().await;
    let mut config = Config::defaults().unwrap().mail;
    config.transport = crate::config::MailTransportKind::Smtp;
    config.smtp_url = Secret::new(url);
    let mailer = Mailer::from_config(&config).unwrap();
    mailer
        .send(T0, &mail("Bonjour, voici le lien."))
        .await
        .unwrap();
    let data = rx.recv().await.unwrap();
    assert!(
        data.contains("Subject: Habilis : test") || data.contains("Subject: =?utf-8?"),
        "{data}"
    );
    assert!(data.contains("Bonjour, voici le lien."), "{data}");
    assert!(
        data.contains("From: Habilis <no-reply@habilis.invalid>"),
        "{data}"
    );
}

#[tokio::test]
async fn an_unreachable_smtp_server_is_reported_without_the_body() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut config = Config::defaults().unwrap().mail;
    config.transport = crate::config::MailTransportKind::Smtp;
    config.smtp_url = Secret::new(format!("smtp://{addr}"));
    config.smtp_timeout_secs = 2;
    let mailer = Mailer::from_config(&config).unwrap();
    let err = mailer.send(T0, &mail("secret-body-xyz")).await.unwrap_err();
    assert_eq!(err.code(), "mail.unavailable");
    assert!(!err.to_string().contains("secret-body-xyz"));
}
