use std::collections::BTreeSet;

use super::*;

#[test]
fn login_ids() {
    let long = "a".repeat(64);
    let too_long = "a".repeat(65);
    let cases: Vec<(&str, Result<&str, &str>)> = vec![
        ("79a69243.jdupont", Ok("79a69243.jdupont")),
        ("79A69243.JDupont", Ok("79a69243.jdupont")),
        ("  jdupont ", Ok("jdupont")),
        ("abc", Ok("abc")),
        ("j_dupont-2", Ok("j_dupont-2")),
        ("007", Ok("007")),
        (&long, Ok(&long)),
        ("Jean.Dupont@Niort.FR", Ok("jean.dupont@niort.fr")), // 004 art. 3-2: e-mail as identifier
        ("", Err("login_id.empty")),
        ("ab", Err("login_id.length")),
        (&too_long, Err("login_id.length")),
        ("jean dupont", Err("login_id.characters")),
        ("jérôme", Err("login_id.characters")),
        ("j+dupont", Err("login_id.characters")),
        (".jdupont", Err("login_id.start")),
        ("-jdupont", Err("login_id.start")),
        ("jean@niort", Err("email.domain_labels")),
        ("a@b@niort.fr", Err("email.at")),
    ];
    for (input, expected) in cases {
        let got = LoginId::parse(input);
        match expected {
            Ok(value) => assert_eq!(got.as_ref().map(|l| l.as_str()), Ok(value), "{input:?}"),
            Err(code) => assert_eq!(got.map_err(|e| e.code()), Err(code), "{input:?}"),
        }
    }
}

#[test]
fn email_identifier_errors_explain_themselves() {
    let err = LoginId::parse("jean@niort").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("login identifier looks like an e-mail address")
    );
    assert!(err.message_fr().contains("au moins deux parties"));
    assert!(LoginId::parse("jean@niort.fr").unwrap().is_email());
    assert!(!LoginId::parse("jdupont").unwrap().is_email());
}

#[test]
fn generation() {
    let partner = ThirdPartyNumber::parse("79A69243").unwrap();
    let long_partner = ThirdPartyNumber::parse("ABCDEFGHIJKLMNO1").unwrap();
    let long_family = "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaft";
    let cases: &[(&ThirdPartyNumber, &str, &str, &[&str], &str)] = &[
        (&partner, "Jean", "Dupont", &[], "79a69243.jdupont"),
        (&partner, "Élodie", "Lefèvre", &[], "79a69243.elefevre"),
        (
            &partner,
            "Jean-Pierre",
            "Le Bœuf-Ça",
            &[],
            "79a69243.jleboeufca",
        ),
        (&partner, "  jean", "O'Neil", &[], "79a69243.joneil"),
        (&partner, "Ærwan", "Straße", &[], "79a69243.astrasse"),
        (&partner, "", "Dupont", &[], "79a69243.dupont"),
        (&partner, "张", "伟", &[], "79a69243.agent"),
        (
            &partner,
            "Jean",
            "Dupont",
            &["79a69243.jdupont"],
            "79a69243.jdupont2",
        ),
        (
            &partner,
            "Jeanne",
            "Dupont",
            &["79a69243.jdupont", "79a69243.jdupont2", "79a69243.jdupont3"],
            "79a69243.jdupont4",
        ),
        (
            &long_partner,
            "Hubert",
            long_family,
            &[],
            "abcdefghijklmno1.hwolfeschlegelsteinhausenbergerdorffvoralternwa",
        ),
        (
            &long_partner,
            "Hubert",
            long_family,
            &["abcdefghijklmno1.hwolfeschlegelsteinhausenbergerdorffvoralternwa"],
            "abcdefghijklmno1.hwolfeschlegelsteinhausenbergerdorffvoralternw2",
        ),
    ];
    for (partner, given, family, existing, expected) in cases {
        let existing: BTreeSet<&str> = existing.iter().copied().collect();
        let login = generate(partner, given, family, |c| existing.contains(c));
        assert_eq!(login.as_str(), *expected, "{given} {family}");
        assert!(login.as_str().len() <= 64);
        // What generate returns must parse back to itself.
        assert_eq!(LoginId::parse(login.as_str()), Ok(login));
    }
}

#[test]
fn serde_validates() {
    let login: LoginId = serde_json::from_str(r#""79A69243.JDUPONT""#).unwrap();
    assert_eq!(
        serde_json::to_string(&login).unwrap(),
        r#""79a69243.jdupont""#
    );
    assert!(serde_json::from_str::<LoginId>(r#""x""#).is_err());
    assert_eq!(
        "abc".parse::<LoginId>().map(|l| l.to_string()),
        Ok("abc".to_owned())
    );
}
