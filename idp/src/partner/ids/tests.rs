use super::*;

#[test]
fn third_party_numbers() {
    let cases: &[(&str, Result<&str, &str>)] = &[
        ("79A69243", Ok("79A69243")),
        ("79a69243", Ok("79A69243")),
        ("  79A69243\t", Ok("79A69243")),
        ("1234", Ok("1234")),
        ("A1B2", Ok("A1B2")),
        ("ABCDEFGHIJKLMNO1", Ok("ABCDEFGHIJKLMNO1")),
        ("123", Err("third_party_number.length")),
        ("", Err("third_party_number.length")),
        ("ABCDEFGHIJKLMNOP1", Err("third_party_number.length")),
        ("ABCDEF", Err("third_party_number.no_digit")),
        ("79-A69243", Err("third_party_number.characters")),
        ("79A 69243", Err("third_party_number.characters")),
        ("79É69243", Err("third_party_number.characters")),
    ];
    for (input, expected) in cases {
        let got = ThirdPartyNumber::parse(input);
        match expected {
            Ok(value) => assert_eq!(got.as_ref().map(|n| n.as_str()), Ok(*value), "{input:?}"),
            Err(code) => assert_eq!(got.map_err(|e| e.code()), Err(*code), "{input:?}"),
        }
    }
}

#[test]
fn sirets() {
    let cases: &[(&str, Result<&str, &str>)] = &[
        ("21790191700013", Ok("21790191700013")), // Mairie de Niort (002)
        ("217 901 917 00013", Ok("21790191700013")),
        (" 21790191700013 ", Ok("21790191700013")),
        ("217\u{a0}901\u{a0}917\u{a0}00013", Ok("21790191700013")),
        ("73282932000074", Ok("73282932000074")),
        ("44306184100047", Ok("44306184100047")),
        ("35600000000048", Ok("35600000000048")), // La Poste head office: Luhn holds
        ("35600000049837", Ok("35600000049837")), // La Poste: digit sum 45, Luhn fails
        ("35600000049838", Err("siret.checksum")), // La Poste: neither rule
        ("21790191700012", Err("siret.checksum")), // digit sum multiple of 5, not La Poste
        ("12345678901234", Err("siret.checksum")),
        ("2179019170001", Err("siret.length")),
        ("217901917000130", Err("siret.length")),
        ("", Err("siret.length")),
        ("2179019170001A", Err("siret.characters")),
        ("217-901-917-00013", Err("siret.characters")),
    ];
    for (input, expected) in cases {
        let got = Siret::parse(input);
        match expected {
            Ok(value) => assert_eq!(got.as_ref().map(|n| n.as_str()), Ok(*value), "{input:?}"),
            Err(code) => assert_eq!(got.map_err(|e| e.code()), Err(*code), "{input:?}"),
        }
    }
}

#[test]
fn siren_is_the_first_nine_digits() {
    let siret = Siret::parse("217 901 917 00013").unwrap();
    assert_eq!(siret.siren(), "217901917");
}

#[test]
fn messages_name_the_kind_and_the_fault() {
    let cases: &[(IdError, &str, &str)] = &[
        (
            Siret::parse("2179019170001").unwrap_err(),
            "SIRET must be 14 digits (got 13)",
            "le SIRET doit comporter 14 chiffres (il en a 13)",
        ),
        (
            ThirdPartyNumber::parse("ABCDEF").unwrap_err(),
            "third-party number must contain at least one digit",
            "le numéro de tiers doit contenir au moins un chiffre",
        ),
    ];
    for (err, en, fr) in cases {
        assert_eq!(err.to_string(), *en);
        assert_eq!(err.message_fr(), *fr);
    }
}

#[test]
fn serde_and_from_str() {
    let n: ThirdPartyNumber = serde_json::from_str(r#"" 79a69243 ""#).unwrap();
    assert_eq!(serde_json::to_string(&n).unwrap(), r#""79A69243""#);
    assert!(serde_json::from_str::<Siret>(r#""21790191700012""#).is_err());
    let s: Siret = "21790191700013".parse().unwrap();
    assert_eq!(s.to_string(), "21790191700013");
    assert_eq!(serde_json::to_string(&s).unwrap(), r#""21790191700013""#);
}
