use super::*;
use crate::config::Config;

fn defaults() -> Policy {
    Policy::effective(&Config::defaults().unwrap().password_policy, None)
}

fn person(is_admin: bool) -> Person<'static> {
    Person {
        login: "79a69243.hlefevre",
        given_name: "Hélène",
        family_name: "Le Févre-Durand",
        email: Some("h.lefevre@niort.example"),
        is_admin,
    }
}

#[test]
fn every_rule_has_its_own_refusal() {
    let p = defaults();
    let cases: &[(&str, bool, Result<(), &str>)] = &[
        // Length: 12 for agents, 16 for administrators.
        ("Kx7#mq2!Rv9", false, Err("password.too_short")),
        ("Kx7#mq2!Rv9@", false, Ok(())),
        ("Kx7#mq2!Rv9@Lw", true, Err("password.too_short")),
        ("Kx7#mq2!Rv9@Lw-T", true, Ok(())),
        (&"Ab1-".repeat(65), false, Err("password.too_long")),
        // Composition: 3 of 4 classes below 20 characters, any composition from 20 on.
        ("kx7mq2rv9qlwtz", false, Err("password.composition")),
        ("KX7MQ2RV9QLWTZ", false, Err("password.composition")),
        ("kx7mq2rv9QLWTZ", false, Ok(())),
        ("zebre violet dansant", false, Ok(())),
        ("zebre violet dansan", false, Err("password.composition")),
        // Identity: login, names (accents and case ignored, parts of 3+ characters), e-mail.
        (
            "xx79A69243.HLEFEVRE!1",
            false,
            Err("password.contains_login"),
        ),
        ("Bonjour-Helene-2026", false, Err("password.contains_name")),
        ("Bonjour-DURAND-2026", false, Err("password.contains_name")),
        ("Bonjour-fevre-2026", false, Err("password.contains_name")),
        (
            "chez h.lefevre vingt-six",
            false,
            Err("password.contains_name"),
        ),
        // "Le" is too short to count as a name part.
        ("Le chat dort 2026!", false, Ok(())),
        // Common passwords, whatever the case.
        ("Password1234", false, Err("password.common")),
        ("MotDePasse123", false, Err("password.common")),
        ("Qwertyuiop123", false, Err("password.common")),
    ];
    for (pw, admin, want) in cases {
        let got = check(&p, &person(*admin), &Secret::new(*pw)).map_err(|e| e.code());
        assert_eq!(got, *want, "{pw:?} admin={admin}");
    }
}

#[test]
fn email_local_part_is_refused() {
    let p = defaults();
    let person = Person {
        login: "jdoe@niort.example",
        given_name: "Al",
        family_name: "Bo",
        email: Some("jdoe-work@niort.example"),
        is_admin: false,
    };
    let r = check(&p, &person, &Secret::new("Mon-JDOE-WORK-2026"));
    assert_eq!(r.map_err(|e| e.code()), Err("password.contains_email"));
}

#[test]
fn refusals_are_bilingual_and_name_their_rule() {
    let cases = [
        (
            PolicyError::TooShort {
                min: 16,
                admin: true,
            },
            "16",
            "16",
        ),
        (
            PolicyError::Composition {
                classes: 3,
                below: 20,
            },
            "20",
            "20",
        ),
        (PolicyError::Common, "courants", "common"),
        (PolicyError::ContainsLogin, "identifiant", "login"),
        (PolicyError::ContainsName, "nom", "name"),
        (PolicyError::ContainsEmail, "adresse", "e-mail"),
    ];
    for (e, fr, en) in cases {
        assert!(e.message_fr().contains(fr), "{}", e.message_fr());
        assert!(e.to_string().contains(en), "{e}");
        assert_eq!(e.kind(), ErrorKind::Invalid);
    }
}

#[test]
fn the_embedded_list_is_large_sorted_and_searchable() {
    assert!(
        common_password_count() >= 100_000,
        "{}",
        common_password_count()
    );
    let list = common_list();
    for i in [0usize, 1, 1000, 200_000] {
        assert!(
            list.entry(i).as_bytes() < list.entry(i + 1).as_bytes(),
            "{i}"
        );
    }
    for pw in [
        "123456",
        "password",
        "motdepasse",
        "soleil",
        "azerty",
        "iloveyou",
    ] {
        assert!(is_common(pw), "{pw}");
    }
    for pw in ["Kx7#mq2!Rv9@Lw-T", "zebre violet dansant", ""] {
        assert!(!is_common(pw), "{pw}");
    }
}

#[test]
fn fund_overrides_apply_and_are_bounded() {
    let base = Config::defaults().unwrap().password_policy;
    let f = FundPolicy {
        min_length_agent: Some(14),
        admin_max_age_days: Some(365),
        ..Default::default()
    };
    let p = Policy::effective(&base, Some(&f));
    assert_eq!((p.min_length_agent, p.min_length_admin), (14, 16));
    assert_eq!(p.admin_max_age_days, 365);
    // The administrators' minimum never drops below the agents'.
    let f = FundPolicy {
        min_length_agent: Some(20),
        ..Default::default()
    };
    assert_eq!(Policy::effective(&base, Some(&f)).min_length_admin, 20);
    for bad in [
        FundPolicy {
            min_length_agent: Some(6),
            ..Default::default()
        },
        FundPolicy {
            min_length_agent: Some(16),
            min_length_admin: Some(12),
            ..Default::default()
        },
    ] {
        assert_eq!(bad.validate(), Err(PolicyError::InvalidOverride));
    }
}

#[test]
fn fold_removes_case_and_accents() {
    assert_eq!(fold("Hélène ŒUVRE Ç"), "helene oeuvre c");
    assert_eq!(classes("aA1-"), 4);
    assert_eq!(classes("été"), 1);
}
