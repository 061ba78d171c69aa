//! Outgoing e-mail: temporary passwords and password-reset links (issue #4 points 2 and 7;
//! seed 004 art. 3-2: "un courriel comportant le mot de passe est envoyé").
//!
//! Two transports: `spool` (the embedded default) writes each message as an `.eml` file, mode
//! 0600, to `[mail] spool_dir`, for a local MTA or an operator to pick up; `smtp` sends it to
//! `[mail] smtp_url` with lettre. Bodies carry secrets (links, temporary passwords): they only
//! travel as [`Secret`], and nothing here logs a body or a recipient's secret.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use time::OffsetDateTime;

use crate::config::{MailConfig, MailTransportKind};
use crate::error::{ErrorKind, UserError};
use crate::secret::Secret;

#[cfg(test)]
pub(crate) mod tests;

/// Why a message could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// An address (sender or recipient) is not a valid mailbox.
    #[error("invalid e-mail address: {0}")]
    Address(String),
    /// The SMTP URL is malformed (the URL, which may carry a password, is not shown).
    #[error("mail.smtp_url is not a valid SMTP URL")]
    Url,
    /// The message could not be built.
    #[error("the message could not be built: {0}")]
    Build(String),
    /// The spool folder could not be written.
    #[error("cannot write to the mail spool {path}: {source}")]
    Spool {
        /// The folder.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The SMTP server refused the message or could not be reached.
    #[error("the SMTP server did not take the message: {0}")]
    Smtp(String),
}

impl UserError for MailError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Address(_) => ErrorKind::Invalid,
            Self::Smtp(_) | Self::Spool { .. } => ErrorKind::Unavailable,
            Self::Url | Self::Build(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Address(_) => "mail.address_invalid",
            Self::Smtp(_) | Self::Spool { .. } => "mail.unavailable",
            Self::Url | Self::Build(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::Address(a) => format!("Adresse électronique invalide : {a}."),
            Self::Smtp(_) | Self::Spool { .. } => {
                "Le courriel n'a pas pu être envoyé ; réessayez plus tard.".into()
            }
            Self::Url | Self::Build(_) => "Erreur interne.".into(),
        }
    }
}

/// A message to send: plain text, its body a secret.
#[derive(Debug, Clone)]
pub struct Mail {
    /// Recipient address.
    pub to: String,
    /// Subject (no secret in it).
    pub subject: String,
    /// Plain-text body (holds links or passwords).
    pub body: Secret,
}

#[derive(Clone)]
enum Transport {
    Spool(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// The mail transport of a node.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let transport = match &self.transport {
            Transport::Spool(p) => format!("spool:{}", p.display()),
            Transport::Smtp(_) => "smtp".to_owned(),
        };
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .field("transport", &transport)
            .finish()
    }
}

impl Mailer {
    /// The transport configured in `[mail]`.
    pub fn from_config(config: &MailConfig) -> Result<Self, MailError> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|_| MailError::Address(config.from.clone()))?;
        let transport = match config.transport {
            MailTransportKind::Spool => Transport::Spool(PathBuf::from(&config.spool_dir)),
            MailTransportKind::Smtp => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(config.smtp_url.expose())
                    .map_err(|_| MailError::Url)?
                    .timeout(Some(Duration::from_secs(config.smtp_timeout_secs.max(1))))
                    .build(),
            ),
        };
        Ok(Self { from, transport })
    }

    /// A spool transport writing to `dir` (tests, tools).
    pub fn spool(dir: &Path, from: &str) -> Result<Self, MailError> {
        Ok(Self {
            from: from
                .parse()
                .map_err(|_| MailError::Address(from.to_owned()))?,
            transport: Transport::Spool(dir.to_path_buf()),
        })
    }

    /// Sends one message, dated `now`.
    pub async fn send(&self, now: OffsetDateTime, mail: &Mail) -> Result<(), MailError> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| MailError::Address(mail.to.clone()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .date(std::time::SystemTime::from(now))
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.expose().to_owned())
            .map_err(|e| MailError::Build(e.to_string()))?;
        match &self.transport {
            Transport::Spool(dir) => {
                let dir = dir.clone();
                let bytes = message.formatted();
                let stamp = now.unix_timestamp();
                tokio::task::spawn_blocking(move || write_spool(&dir, stamp, &bytes))
                    .await
                    .map_err(|e| MailError::Smtp(e.to_string()))?
            }
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Smtp(smtp_error(&e))),
        }
    }
}

/// What an SMTP failure says, without the message (which holds secrets).
fn smtp_error(e: &lettre::transport::smtp::Error) -> String {
    if e.is_permanent() {
        "permanent refusal".to_owned()
    } else if e.is_transient() {
        "temporary refusal".to_owned()
    } else if e.is_timeout() {
        "time-out".to_owned()
    } else {
        "connection failed".to_owned()
    }
}

/// Writes a message to the spool atomically: a private temporary file, then renamed to
/// `<unix time>-<random>.eml`, so a reader never sees half a message.
fn write_spool(dir: &Path, stamp: i64, bytes: &[u8]) -> Result<(), MailError> {
    let fail = |source| MailError::Spool {
        path: dir.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let name = format!("{stamp}-{}", crate::secret::random_hex(8));
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&tmp, dir.join(format!("{name}.eml"))));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    renamed.map_err(fail)
}
