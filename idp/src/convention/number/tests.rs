use super::*;

#[test]
fn convention_numbers() {
    let cases: &[(&str, Result<&str, &str>)] = &[
        ("79-2017-19", Ok("79-2017-19")), // 002
        ("2021-143", Ok("2021-143")),
        (" cnv/2021.07_a ", Ok("CNV/2021.07_A")),
        ("7", Ok("7")),
        ("A", Ok("A")),
        (
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ-12345",
            Ok("ABCDEFGHIJKLMNOPQRSTUVWXYZ-12345"),
        ),
        ("", Err("convention_number.empty")),
        ("   ", Err("convention_number.empty")),
        (
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ-123456",
            Err("convention_number.length"),
        ),
        ("79 2017 19", Err("convention_number.characters")),
        ("79-2017-19é", Err("convention_number.characters")),
        ("n°12", Err("convention_number.characters")),
        ("-79-2017", Err("convention_number.edge")),
        ("79-2017-", Err("convention_number.edge")),
        ("/", Err("convention_number.edge")),
    ];
    for (input, expected) in cases {
        let got = ConventionNumber::parse(input);
        match expected {
            Ok(value) => assert_eq!(got.as_ref().map(|n| n.as_str()), Ok(*value), "{input:?}"),
            Err(code) => assert_eq!(got.map_err(|e| e.code()), Err(*code), "{input:?}"),
        }
    }
}

#[test]
fn messages() {
    let err = ConventionNumber::parse("-79").unwrap_err();
    assert_eq!(
        err.to_string(),
        "convention number must start and end with a letter or a digit"
    );
    assert!(
        err.message_fr()
            .starts_with("le numéro de convention doit commencer")
    );
}

#[test]
fn serde_and_from_str() {
    let n: ConventionNumber = serde_json::from_str(r#""79-2017-19""#).unwrap();
    assert_eq!(n, "79-2017-19".parse().unwrap());
    assert_eq!(serde_json::to_string(&n).unwrap(), r#""79-2017-19""#);
    assert_eq!(n.to_string(), "79-2017-19");
    assert!(serde_json::from_str::<ConventionNumber>(r#""-x""#).is_err());
}
