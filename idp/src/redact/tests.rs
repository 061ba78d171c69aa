use serde_json::json;

use super::*;

#[test]
fn nirs_are_redacted_in_every_form() {
    let cases = [
        ("1 84 12 76 451 089 46", "[NIR]"),
        ("184127645108946", "[NIR]"),
        ("2 69 05 2A 004 012 33", "[NIR]"),
        ("269052A00401233", "[NIR]"),
        ("2 69 05 2b 004 012 33", "[NIR]"),
        ("NIR: 1 84 12 76 451 089 46.", "NIR: [NIR]."),
        ("nir=184127645108946&nom=DUPONT", "nir=[NIR]&nom=DUPONT"),
        (
            "recherche 1841276 451089 46 par l'agent",
            "recherche [NIR] par l'agent",
        ),
        ("(7 84 12 76 451 089 46)", "([NIR])"),
        (
            "8 84 12 99 451 089 46, 3 01 01 01 001 001 01",
            "[NIR], [NIR]",
        ),
        (
            "né en 1984 : 1 84 12 76 451 089 46 à Niort",
            "né en 1984 : [NIR] à Niort",
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(redact_text(input), expected, "{input:?}");
    }
}

#[test]
fn lookalikes_are_left_alone() {
    let cases = [
        "SIRET 21790191700013",
        "SIRET 217 901 917 00013",
        "téléphone 05 49 78 79 80",
        "téléphone +33 5 49 78 79 80",
        "0549787980",
        "le 2017-03-15 à 14:30:00",
        "le 15/03/2017",
        "convention 79-2017-19, avenant 2021-143",
        "commune 79191, département 2A",
        "montant 1 234 567,89 €",
        "5 84 12 76 451 089 46", // sex digit 5 does not exist
        "1841276451089467",      // 16 digits: not a NIR
        "A184127645108946",      // glued to a letter
        "1 84 12 76 451 089 4",  // key too short
        "550e8400-e29b-41d4-a716-446655440000",
        "habilitation_administrateur_principal_suppleant",
        "12345678901234567890123456789012345",
        "Jean Dupont, Mairie de Niort",
    ];
    for input in cases {
        assert!(
            matches!(redact_text(input), Cow::Borrowed(_)),
            "{input:?} was changed"
        );
    }
}

#[test]
fn tokens_are_redacted() {
    let cases = [
        (
            "Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9",
            "Bearer [REDACTED]",
        ),
        (
            "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "sha256 [REDACTED]",
        ),
        (
            "code=Xy7_kQ2-pL9mN4vR8sT1uW3zA6bC0dE5fG&state=abc",
            "code=[REDACTED]&state=abc",
        ),
        ("DEADBEEF0123456789DEADBEEF0123456789", "[REDACTED]"),
        (
            "a.b: eyJhbGciOiJFUzI1NiJ9eyJzdWIiOiIxMjM0NTY3ODkw.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
            "a.b: [REDACTED].[REDACTED]",
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(redact_text(input), expected, "{input:?}");
    }
}

#[test]
fn json_secret_keys_and_strings() {
    let mut value = json!({
        "login": "79a69243.jdupont",
        "password": "Tr0ub4dor&3",
        "new_Password": "x",
        "client_secret": {"nested": "anything"},
        "refresh_token": null,
        "totp_code": 123456,
        "Authorization": "Bearer abc",
        "set-cookie": ["a=b"],
        "recovery_codes": ["a", "b"],
        "nir": "pas un nir",
        "siret": "21790191700013",
        "siret_number": 21790191700013_u64,
        "note": "appel au sujet du 1 84 12 76 451 089 46",
        "searched": 184127645108946_u64,
        "items": [{"otp": "1"}, "2 69 05 2A 004 012 33", 3, true],
        "convention": "79-2017-19",
    });
    redact_json(&mut value);
    assert_eq!(
        value,
        json!({
            "login": "79a69243.jdupont",
            "password": "[REDACTED]",
            "new_Password": "[REDACTED]",
            "client_secret": "[REDACTED]",
            "refresh_token": "[REDACTED]",
            "totp_code": "[REDACTED]",
            "Authorization": "[REDACTED]",
            "set-cookie": "[REDACTED]",
            "recovery_codes": "[REDACTED]",
            "nir": "[REDACTED]",
            "siret": "21790191700013",
            "siret_number": 21790191700013_u64,
            "note": "appel au sujet du [NIR]",
            "searched": "[NIR]",
            "items": [{"otp": "[REDACTED]"}, "[NIR]", 3, true],
            "convention": "79-2017-19",
        })
    );
}
