#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

fn config(public: &str, rp_id: &str) -> Config {
    let mut c = Config::defaults().unwrap();
    c.server.public_url = public.parse().unwrap();
    c.passkeys.rp_id = rp_id.to_owned();
    c
}

#[test]
fn relying_party_follows_the_public_url() {
    assert!(
        RelyingParty::from_config(&config("https://habilis.caf.fr", ""))
            .unwrap()
            .is_some()
    );
    // A parent domain of the host is a valid relying-party id (WebAuthn §5.1.3).
    assert!(
        RelyingParty::from_config(&config("https://habilis.caf.fr", "caf.fr"))
            .unwrap()
            .is_some()
    );
    // Browsers refuse WebAuthn on an IP address: passkeys are simply not offered.
    assert!(
        RelyingParty::from_config(&config("http://127.0.0.1:8080", ""))
            .unwrap()
            .is_none()
    );
    let err = RelyingParty::from_config(&config("https://habilis.caf.fr", "msa.fr")).unwrap_err();
    assert!(err.contains("msa.fr"), "{err}");
    let mut off = config("https://habilis.caf.fr", "");
    off.passkeys.enabled = false;
    assert!(RelyingParty::from_config(&off).unwrap().is_none());
}

#[test]
fn labels_are_trimmed_and_bounded() {
    assert_eq!(label("  YubiKey bleue ").unwrap(), "YubiKey bleue");
    assert!(matches!(label("   "), Err(PasskeyError::Label)));
    assert!(matches!(label("a\u{7}b"), Err(PasskeyError::Label)));
    assert_eq!(
        label(&"é".repeat(MAX_LABEL)).unwrap().chars().count(),
        MAX_LABEL
    );
    assert!(matches!(
        label(&"é".repeat(MAX_LABEL + 1)),
        Err(PasskeyError::Label)
    ));
}

#[test]
fn backup_eligible_keys_are_software_keys() {
    assert_eq!(KeyKind::of_backup_eligible(true), KeyKind::Software);
    assert_eq!(KeyKind::of_backup_eligible(false), KeyKind::Hardware);
    assert_eq!(KeyKind::Software.factor(), Factor::SoftwareKey);
    assert_eq!(KeyKind::Hardware.factor(), Factor::HardwareKey);
}

#[test]
fn ceremony_keys_separate_purposes_and_bindings() {
    let i = Binding::Interaction("abc");
    let s = Binding::Session("abc");
    assert_ne!(i.key(REGISTER), i.key(AUTHENTICATE));
    assert_ne!(i.key(REGISTER), s.key(REGISTER));
    assert_eq!(i.key(REGISTER), Binding::Interaction("abc").key(REGISTER));
}

#[test]
fn errors_map_to_client_errors() {
    assert_eq!(PasskeyError::Refused.kind(), ErrorKind::Invalid);
    assert_eq!(PasskeyError::NoCeremony.kind(), ErrorKind::Invalid);
    assert_eq!(PasskeyError::AlreadyRegistered.kind(), ErrorKind::Conflict);
    assert_eq!(PasskeyError::NotFound.code(), "passkey.not_found");
    assert!(PasskeyError::Label.message_fr().contains("64"));
}
