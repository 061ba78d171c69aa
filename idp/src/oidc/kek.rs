//! The key-encryption key (KEK): the AES-256-GCM key under which every private signing key is
//! stored. Invariants: a private key is never written in clear; each encryption uses a fresh
//! random 96-bit nonce; the key id (`kid`) is the associated data, so a ciphertext moved to
//! another row does not decrypt. The KEK itself never reaches a log (`Debug` is redacted).

use std::fmt;
use std::io::Write;
use std::path::Path;

use aes_gcm::aead::Nonce;
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::RngCore;
use rand::rngs::OsRng;

use crate::config::Config;

/// File name of the generated KEK, beside the SQLite database.
pub const KEK_FILE_NAME: &str = "key-encryption.key";

/// Prefix of the stored ciphertext format: `v1.` + base64url(nonce ‖ ciphertext ‖ tag).
const FORMAT_V1: &str = "v1.";
const NONCE_LEN: usize = 12;

/// Why the KEK could not be obtained or used.
#[derive(Debug, thiserror::Error)]
pub enum KekError {
    /// The configured value is not the base64 of 32 bytes.
    #[error("the key-encryption key must be the base64 of exactly 32 bytes")]
    Invalid,
    /// The KEK file could not be read or created.
    #[error("cannot read or create the key-encryption key file {path}: {source}")]
    File {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A stored private key does not decrypt: wrong KEK, or the row was altered or moved.
    #[error(
        "the private key of signing key {kid} cannot be decrypted: wrong key-encryption key, or \
         an altered row (see docs/oidc.md, \"Lost key-encryption key\")"
    )]
    Decrypt {
        /// The key id.
        kid: String,
    },
}

/// A 256-bit key-encryption key.
#[derive(Clone)]
pub struct KeyEncryptionKey([u8; 32]);

impl fmt::Debug for KeyEncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(crate::secret::REDACTED)
    }
}

impl KeyEncryptionKey {
    /// Parses the base64 (standard or URL-safe, padded or not) of exactly 32 bytes.
    pub fn parse(s: &str) -> Result<Self, KekError> {
        let s = s.trim();
        let bytes = STANDARD
            .decode(s)
            .or_else(|_| URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')))
            .map_err(|_| KekError::Invalid)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| KekError::Invalid)?;
        Ok(Self(key))
    }

    /// A new random key from the operating system's generator.
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        Self(key)
    }

    /// The key as standard base64, for writing it to its file.
    fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// The KEK of this node: `oidc.key_encryption_key` when set; otherwise, with a SQLite
    /// file, the content of `key-encryption.key` in the database's folder, created (mode 0600)
    /// when missing; with an in-memory SQLite database, a random key that lives as long as the
    /// database. With PostgreSQL an empty value was already refused by `Config::load`.
    pub fn resolve(config: &Config) -> Result<Self, KekError> {
        let configured = &config.oidc.key_encryption_key;
        if !configured.is_empty() {
            return Self::parse(configured.expose());
        }
        match config.database.sqlite_file() {
            Some(db_file) => {
                let folder = db_file
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or_else(|| Path::new("."));
                Self::read_or_create(&folder.join(KEK_FILE_NAME))
            }
            None => Ok(Self::generate()),
        }
    }

    /// Reads the KEK file, or creates it with a new key. Creation is atomic and never replaces
    /// an existing file: the key is written to a private temporary file, then hard-linked to
    /// its name, so two processes starting at once end up with the same key.
    pub fn read_or_create(path: &Path) -> Result<Self, KekError> {
        let file_err = |source| KekError::File {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(content) => return Self::parse(&content),
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(file_err(e)),
            Err(_) => {}
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(file_err)?;
        }
        let key = Self::generate();
        let tmp = path.with_extension(format!("tmp-{}", crate::secret::random_hex(6)));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let written = options.open(&tmp).and_then(|mut f| {
            f.write_all(format!("{}\n", key.to_base64()).as_bytes())?;
            f.sync_all()
        });
        let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(key),
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let content = std::fs::read_to_string(path).map_err(file_err)?;
                Self::parse(&content)
            }
            Err(e) => Err(file_err(e)),
        }
    }

    /// Encrypts a private key; `kid` is bound as associated data.
    pub fn encrypt(&self, kid: &str, plaintext: &[u8]) -> String {
        let cipher = Aes256Gcm::new(&self.0.into());
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext,
            aad: kid.as_bytes(),
        };
        // AES-GCM encryption only fails for messages over 64 GiB.
        let ciphertext = cipher
            .encrypt(&Nonce::<Aes256Gcm>::from(nonce), payload)
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        format!("{FORMAT_V1}{}", URL_SAFE_NO_PAD.encode(out))
    }

    /// Decrypts what [`Self::encrypt`] produced for the same `kid`.
    pub fn decrypt(&self, kid: &str, stored: &str) -> Result<Vec<u8>, KekError> {
        let fail = || KekError::Decrypt {
            kid: kid.to_owned(),
        };
        let encoded = stored.strip_prefix(FORMAT_V1).ok_or_else(fail)?;
        let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| fail())?;
        if bytes.len() < NONCE_LEN {
            return Err(fail());
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| fail())?;
        let cipher = Aes256Gcm::new(&self.0.into());
        cipher
            .decrypt(
                &Nonce::<Aes256Gcm>::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: kid.as_bytes(),
                },
            )
            .map_err(|_| fail())
    }
}

#[cfg(test)]
mod tests;
