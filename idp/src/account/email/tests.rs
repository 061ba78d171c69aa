use super::*;

#[test]
fn email_addresses() {
    let long_local = "a".repeat(64);
    let too_long_local = "a".repeat(65);
    let long_domain = format!(
        "{}.{}.{}.fr",
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(63)
    );
    let too_long = format!("{long_local}@{long_domain}");
    let cases: Vec<(String, Result<String, &str>)> = vec![
        (
            "jean.dupont@niort.fr".into(),
            Ok("jean.dupont@niort.fr".into()),
        ),
        (
            "  Jean.Dupont@Ville-Niort.FR ".into(),
            Ok("Jean.Dupont@ville-niort.fr".into()),
        ),
        (
            "accueil+mef@la-ferte-alais.fr".into(),
            Ok("accueil+mef@la-ferte-alais.fr".into()),
        ),
        ("a@b.co".into(), Ok("a@b.co".into())),
        (
            "agent@mairie.niort.fr".into(),
            Ok("agent@mairie.niort.fr".into()),
        ),
        ("élodie@niort.fr".into(), Ok("élodie@niort.fr".into())),
        ("x@caf79.fr".into(), Ok("x@caf79.fr".into())),
        (
            format!("{long_local}@niort.fr"),
            Ok(format!("{long_local}@niort.fr")),
        ),
        ("".into(), Err("email.empty")),
        ("jean.dupont.niort.fr".into(), Err("email.at")),
        ("jean@dupont@niort.fr".into(), Err("email.at")),
        ("@niort.fr".into(), Err("email.local_length")),
        (
            format!("{too_long_local}@niort.fr"),
            Err("email.local_length"),
        ),
        ("jean dupont@niort.fr".into(), Err("email.local_characters")),
        ("jean\u{7}@niort.fr".into(), Err("email.local_characters")),
        ("jean@localhost".into(), Err("email.domain_labels")),
        ("jean@niort..fr".into(), Err("email.domain_label")),
        ("jean@-niort.fr".into(), Err("email.domain_label")),
        ("jean@niort_79.fr".into(), Err("email.domain_label")),
        ("jean@niort.fr.".into(), Err("email.domain_label")),
        ("jean@nïort.fr".into(), Err("email.domain_label")),
        ("jean@niort.f".into(), Err("email.tld")),
        ("jean@10.0.0.1".into(), Err("email.tld")),
        (too_long, Err("email.length")),
    ];
    for (input, expected) in cases {
        let got = Email::parse(&input);
        match expected {
            Ok(value) => assert_eq!(got.map(String::from), Ok(value), "{input:?}"),
            Err(code) => assert_eq!(got.map_err(|e| e.code()), Err(code), "{input:?}"),
        }
    }
}

#[test]
fn domain_and_messages() {
    let email = Email::parse("Agent@Niort.FR").unwrap();
    assert_eq!(email.domain(), "niort.fr");
    assert_eq!(email.to_string(), "Agent@niort.fr");
    let err = Email::parse("jean@dupont@niort.fr").unwrap_err();
    assert_eq!(
        err.to_string(),
        "e-mail address must contain exactly one @ (got 2)"
    );
    assert_eq!(
        err.message_fr(),
        "l'adresse électronique doit contenir exactement un @ (elle en contient 2)"
    );
}

#[test]
fn serde_validates() {
    let email: Email = serde_json::from_str(r#""A@NIORT.FR""#).unwrap();
    assert_eq!(serde_json::to_string(&email).unwrap(), r#""A@niort.fr""#);
    assert!(serde_json::from_str::<Email>(r#""nobody""#).is_err());
    assert_eq!("a@niort.fr".parse::<Email>(), Email::parse("a@niort.fr"));
}
