use super::*;

#[test]
fn exactly_101_departements_exist() {
    let all: Vec<DepartementCode> = DepartementCode::all().collect();
    assert_eq!(all.len(), 101);
    let distinct: BTreeSet<DepartementCode> = all.iter().copied().collect();
    assert_eq!(distinct.len(), 101);
    // Counting by brute force over every 2- and 3-digit string plus 2A/2B must agree.
    let mut candidates: Vec<String> = (0..100).map(|n| format!("{n:02}")).collect();
    candidates.extend((100..1000).map(|n| n.to_string()));
    candidates.extend(["2A".to_owned(), "2B".to_owned()]);
    let accepted = candidates
        .iter()
        .filter(|c| DepartementCode::parse(c).is_ok())
        .count();
    assert_eq!(accepted, 101);
}

#[test]
fn departement_codes() {
    let cases: &[(&str, Result<&str, &str>)] = &[
        ("79", Ok("79")),
        (" 86 ", Ok("86")),
        ("01", Ok("01")),
        ("19", Ok("19")),
        ("2A", Ok("2A")),
        ("2a", Ok("2A")),
        ("2b", Ok("2B")),
        ("21", Ok("21")),
        ("95", Ok("95")),
        ("971", Ok("971")),
        ("974", Ok("974")),
        ("976", Ok("976")),
        ("20", Err("departement.unknown")),
        ("975", Err("departement.unknown")),
        ("00", Err("departement.unknown")),
        ("96", Err("departement.unknown")),
        ("1", Err("departement.unknown")),
        ("977", Err("departement.unknown")),
        ("", Err("departement.unknown")),
        ("2C", Err("departement.unknown")),
        ("079", Err("departement.unknown")),
    ];
    for (input, expected) in cases {
        let got = DepartementCode::parse(input);
        match expected {
            Ok(code) => assert_eq!(got.map(|d| d.as_str()), Ok(*code), "input {input:?}"),
            Err(code) => assert_eq!(got.map_err(|e| e.code()), Err(*code), "input {input:?}"),
        }
    }
}

#[test]
fn unknown_departement_message_lists_existing_codes() {
    let err = DepartementCode::parse("20").unwrap_err();
    assert!(
        err.to_string()
            .contains("01–19, 2A, 2B, 21–95, 971–974 and 976")
    );
    assert!(err.message_fr().contains("2A, 2B"));
}

#[test]
fn commune_codes() {
    // (input, Ok((code, département)) or Err(error code))
    type Case = (
        &'static str,
        Result<(&'static str, &'static str), &'static str>,
    );
    let cases: &[Case] = &[
        ("79191", Ok(("79191", "79"))),     // Niort
        ("91232", Ok(("91232", "91"))),     // La Ferté-Alais
        ("2A004", Ok(("2A004", "2A"))),     // Ajaccio
        ("2a004", Ok(("2A004", "2A"))),     // Ajaccio, typed in lower case
        ("2B033", Ok(("2B033", "2B"))),     // Bastia
        ("97411", Ok(("97411", "974"))),    // Saint-Denis de La Réunion
        ("67482", Ok(("67482", "67"))),     // Strasbourg
        (" 01001 ", Ok(("01001", "01"))),   // L'Abergement-Clémenciat
        ("97601", Ok(("97601", "976"))),    // Acoua, Mayotte
        ("79000", Err("commune.postcode")), // Niort's postcode
        ("91590", Ok(("91590", "91"))),     // a valid INSEE shape, even if it is also a postcode
        ("97400", Err("commune.postcode")),
        ("20000", Err("commune.corsican_postcode")), // Ajaccio's postcode
        ("20200", Err("commune.corsican_postcode")),
        ("97511", Err("commune.departement")),
        ("98000", Err("commune.departement")), // Monaco
        ("00123", Err("commune.departement")),
        ("7919", Err("commune.length")),
        ("791910", Err("commune.length")),
        ("", Err("commune.length")),
        ("79A91", Err("commune.characters")),
        ("2C004", Err("commune.characters")),
        ("7919é", Err("commune.characters")),
    ];
    for (input, expected) in cases {
        let got = CommuneCode::parse(input);
        match expected {
            Ok((code, dep)) => {
                let commune = got.unwrap_or_else(|e| panic!("{input:?}: {e}"));
                assert_eq!(commune.as_str(), *code);
                assert_eq!(commune.departement().as_str(), *dep);
            }
            Err(code) => assert_eq!(got.map_err(|e| e.code()), Err(*code), "input {input:?}"),
        }
    }
}

#[test]
fn postcode_messages_point_to_the_insee_code() {
    for input in ["79000", "20000"] {
        let err = CommuneCode::parse(input).unwrap_err();
        assert!(
            err.to_string()
                .contains("this looks like a postcode; the INSEE code of Niort is 79191"),
            "{err}"
        );
        assert!(err.message_fr().contains("code postal"));
    }
}

fn territory(list: &str) -> Territory {
    Territory::parse_list(list).unwrap()
}

#[test]
fn parse_list_and_display() {
    let cases: &[(&str, Result<&str, &str>)] = &[
        ("79, 86, 91232", Ok("79, 86, 91232")),
        ("91232 79,86", Ok("79, 86, 91232")),
        ("  ", Ok("")),
        ("2a,2B", Ok("2A, 2B")),
        ("67482,67,67", Ok("67, 67482")),
        ("79;974", Ok("79, 974")),
        ("79, 20", Err("departement.unknown")),
        ("79, 79000", Err("commune.postcode")),
    ];
    for (input, expected) in cases {
        let got = Territory::parse_list(input);
        match expected {
            Ok(shown) => assert_eq!(got.map(|t| t.to_string()).as_deref(), Ok(*shown)),
            Err(code) => assert_eq!(got.map_err(|e| e.code()), Err(*code), "input {input:?}"),
        }
    }
    assert!(territory("").is_empty());
    assert!(!territory("79").is_empty());
}

#[test]
fn containment() {
    // (outer, inner, inner inside outer?, what of inner lies outside)
    let cases = [
        ("79", "79191", true, ""),
        ("79", "79", true, ""),
        ("79191", "79", false, "79"),
        ("79191", "79191", true, ""),
        ("79, 86", "86, 79191", true, ""),
        ("79", "86194", false, "86194"),
        ("91232", "91232, 91021", false, "91021"),
        ("", "", true, ""),
        ("79", "", true, ""),
        ("", "79", false, "79"),
        ("2A", "2A004, 2B033", false, "2B033"),
        ("974", "97411", true, ""),
    ];
    for (outer, inner, inside, outside) in cases {
        let (outer_t, inner_t) = (territory(outer), territory(inner));
        assert_eq!(outer_t.contains(&inner_t), inside, "{outer:?} ⊇ {inner:?}");
        assert_eq!(outer_t.outside_parts(&inner_t).to_string(), outside);
    }
}

#[test]
fn covers() {
    let t = territory("79, 91232");
    let niort = CommuneCode::parse("79191").unwrap();
    let la_ferte = CommuneCode::parse("91232").unwrap();
    let evry = CommuneCode::parse("91228").unwrap();
    assert!(t.covers_commune(&niort));
    assert!(t.covers_commune(&la_ferte));
    assert!(!t.covers_commune(&evry));
    assert!(t.covers_departement(&DepartementCode::parse("79").unwrap()));
    assert!(!t.covers_departement(&DepartementCode::parse("91").unwrap()));
}

#[test]
fn serde_round_trip() {
    let t = territory("79, 86, 91232");
    let json = serde_json::to_value(&t).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"departements": ["79", "86"], "communes": ["91232"]})
    );
    let back: Territory = serde_json::from_value(json).unwrap();
    assert_eq!(back, t);

    let lower: Territory =
        serde_json::from_str(r#"{"departements": ["2a"], "communes": ["2a004"]}"#).unwrap();
    assert_eq!(lower.to_string(), "2A, 2A004");
    let bad = serde_json::from_str::<Territory>(r#"{"departements": ["20"], "communes": []}"#);
    assert!(bad.is_err());
    let postcode = serde_json::from_str::<CommuneCode>(r#""79000""#);
    assert!(postcode.is_err());
    assert_eq!(
        serde_json::to_string(&DepartementCode::parse("2b").unwrap()).unwrap(),
        r#""2B""#
    );
}

#[test]
fn from_str_matches_parse() {
    assert_eq!(
        "2a".parse::<DepartementCode>(),
        DepartementCode::parse("2A")
    );
    assert_eq!("79191".parse::<CommuneCode>(), CommuneCode::parse("79191"));
    assert_eq!("79".parse::<Territory>(), Territory::parse_list("79"));
}
