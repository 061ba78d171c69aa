use super::*;

#[test]
fn parses_base64_of_32_bytes_only() {
    let good = STANDARD.encode([7u8; 32]);
    let url_safe = URL_SAFE_NO_PAD.encode([0xfbu8; 32]);
    let cases: [(&str, bool); 6] = [
        (&good, true),
        (&url_safe, true),
        ("", false),
        ("not base64!", false),
        (&STANDARD.encode([1u8; 31]), false),
        (&STANDARD.encode([1u8; 33]), false),
    ];
    for (input, ok) in cases {
        assert_eq!(KeyEncryptionKey::parse(input).is_ok(), ok, "{input:?}");
    }
}

#[test]
fn round_trip_and_associated_data() {
    let kek = KeyEncryptionKey::generate();
    let stored = kek.encrypt("kid-1", b"private key der");
    assert!(stored.starts_with("v1."));
    assert!(!stored.contains("private"));
    assert_eq!(kek.decrypt("kid-1", &stored).unwrap(), b"private key der");
    // Same plaintext, fresh nonce: different ciphertext.
    assert_ne!(kek.encrypt("kid-1", b"private key der"), stored);
    // Moved to another row: refused.
    assert!(matches!(
        kek.decrypt("kid-2", &stored),
        Err(KekError::Decrypt { .. })
    ));
}

#[test]
fn wrong_key_or_tampered_ciphertext_fails_cleanly() {
    let kek = KeyEncryptionKey::generate();
    let other = KeyEncryptionKey::generate();
    let stored = kek.encrypt("k", b"secret");
    let mut tampered = stored.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for bad in [
        other.decrypt("k", &stored),
        kek.decrypt("k", &tampered),
        kek.decrypt("k", "v1.AAAA"),
        kek.decrypt("k", "v0.garbage"),
        kek.decrypt("k", ""),
    ] {
        assert!(matches!(bad, Err(KekError::Decrypt { .. })));
    }
}

#[test]
fn debug_is_redacted() {
    let kek = KeyEncryptionKey::parse(&STANDARD.encode([9u8; 32])).unwrap();
    assert_eq!(format!("{kek:?}"), crate::secret::REDACTED);
}

#[test]
fn key_file_is_created_once_with_mode_0600_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join(KEK_FILE_NAME);
    let first = KeyEncryptionKey::read_or_create(&path).unwrap();
    let second = KeyEncryptionKey::read_or_create(&path).unwrap();
    assert_eq!(first.0, second.0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // No temporary file is left behind.
    assert_eq!(
        std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
        1
    );
    std::fs::write(&path, "garbage").unwrap();
    assert!(matches!(
        KeyEncryptionKey::read_or_create(&path),
        Err(KekError::Invalid)
    ));
}
