use super::*;

#[test]
fn dn_parse_and_display() {
    // (input, expected Display, expected (type, value) of the first RDN)
    let cases: &[(&str, &str, (&str, &str))] = &[
        (
            "uid=jdupont,ou=79A69243,dc=x",
            "uid=jdupont,ou=79A69243,dc=x",
            ("uid", "jdupont"),
        ),
        (
            "UID = jdupont , ou=a",
            "UID=jdupont,ou=a",
            ("UID", "jdupont"),
        ),
        (
            r"cn=Dupont\, Jean,dc=x",
            r"cn=Dupont\, Jean,dc=x",
            ("cn", "Dupont, Jean"),
        ),
        (r"cn=a\2Cb,dc=x", r"cn=a\,b,dc=x", ("cn", "a,b")),
        (r"cn=\C3\89quipe,dc=x", "cn=Équipe,dc=x", ("cn", "Équipe")),
        (r"cn=\ lead,dc=x", r"cn=\ lead,dc=x", ("cn", " lead")),
        (r"cn=trail\ ,dc=x", r"cn=trail\ ,dc=x", ("cn", "trail ")),
        (r"cn=\#hash,dc=x", r"cn=\#hash,dc=x", ("cn", "#hash")),
        (
            r#"cn=\"q\"\+\<\>\;\=\\,dc=x"#,
            r#"cn=\"q\"\+\<\>\;\=\\,dc=x"#,
            ("cn", r#""q"+<>;=\"#),
        ),
        ("cn=a=b,dc=x", r"cn=a\=b,dc=x", ("cn", "a=b")),
        ("2.5.4.3=x,dc=y", "2.5.4.3=x,dc=y", ("2.5.4.3", "x")),
    ];
    for (input, display, (attr, value)) in cases {
        let dn = Dn::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(dn.to_string(), *display, "display of {input}");
        let [ava] = dn.rdn() else {
            panic!("{input}: expected one AVA")
        };
        assert_eq!(
            (ava.attr().as_str(), ava.value()),
            (*attr, *value),
            "rdn of {input}"
        );
        assert_eq!(
            Dn::parse(&dn.to_string()).unwrap(),
            dn,
            "round trip of {input}"
        );
    }
}

#[test]
fn dn_parse_rejects() {
    let cases = [
        "uid",
        "uid=a,,dc=x",
        "uid=a,",
        r"cn=a\zz,dc=x",
        r"cn=a\",
        "=a",
        "c n=a",
        r"cn=\FF\FE",
    ];
    for input in cases {
        assert!(Dn::parse(input).is_err(), "{input} should be rejected");
    }
}

#[test]
fn dn_equality_follows_the_server() {
    // (a, b, equal)
    let cases = [
        (
            "uid=JDupont,OU=Caf79,dc=X",
            "uid=jdupont,ou=caf79,dc=x",
            true,
        ),
        ("cn=Équipe  A,dc=x", "cn=équipe a,dc=x", true),
        (r"cn=a\2cb,dc=x", r"cn=a\,b,dc=x", true),
        ("cn=a+sn=b,dc=x", "sn=b+cn=a,dc=x", true),
        ("cn=a,dc=x", "cn=b,dc=x", false),
        ("cn=a,dc=x", "cn=a,dc=y", false),
        ("cn=a,dc=x", "dc=x", false),
    ];
    for (a, b, equal) in cases {
        let (a, b) = (Dn::parse(a).unwrap(), Dn::parse(b).unwrap());
        assert_eq!(a == b, equal, "{a} vs {b}");
        assert_eq!(a.normalized() == b.normalized(), equal);
    }
}

#[test]
fn dn_hierarchy() {
    let base = Dn::parse("ou=extranautes,dc=x").unwrap();
    let cn = AttrName::parse("cn").unwrap();
    let odd = base.child(&cn, "a,b+c");
    assert_eq!(odd.to_string(), r"cn=a\,b\+c,ou=extranautes,dc=x");
    assert_eq!(odd.parent().unwrap(), base);
    for value in ["a,b+c", " Lead", "Équipe  A", "x"] {
        let child = base.child(&cn, value);
        let (key, display) = base.child_strings(&cn, value);
        assert_eq!(
            (key.as_str(), display),
            (child.normalized(), child.to_string()),
            "{value:?}"
        );
    }
    assert_eq!(odd.depth(), 3);
    // (dn, ancestor, within)
    let cases = [
        ("cn=a\\,b,ou=extranautes,dc=x", "ou=extranautes,dc=x", true),
        ("ou=extranautes,dc=x", "ou=extranautes,dc=x", true),
        ("OU=Extranautes,DC=X", "ou=extranautes,dc=x", true),
        ("dc=x", "ou=extranautes,dc=x", false),
        ("cn=a,ou=other,dc=x", "ou=extranautes,dc=x", false),
        ("cn=a,ou=xextranautes,dc=x", "ou=extranautes,dc=x", false),
        ("cn=ou\\=extranautes\\,dc\\=x", "ou=extranautes,dc=x", false),
    ];
    for (dn, ancestor, within) in cases {
        let (dn, ancestor) = (Dn::parse(dn).unwrap(), Dn::parse(ancestor).unwrap());
        assert_eq!(dn.is_within(&ancestor), within, "{dn} within {ancestor}");
    }
    assert_eq!(Dn::root().depth(), 0);
    assert!(Dn::root().parent().is_none());
}

#[test]
fn attr_names() {
    let cases = [
        ("cn", true),
        ("departmentNumber", true),
        ("x-a1", true),
        ("2.5.4.3", true),
        ("", false),
        ("1cn", false),
        ("c n", false),
        ("2..5", false),
    ];
    for (name, ok) in cases {
        assert_eq!(AttrName::parse(name).is_ok(), ok, "{name:?}");
    }
    assert_eq!(
        AttrName::parse("GIVENNAME").unwrap(),
        AttrName::parse("givenName").unwrap()
    );
    assert!(AttrName::parse("Mail").unwrap().is("mail"));
}

#[test]
fn escape_value_table() {
    let cases = [
        ("plain", "plain"),
        (" lead", r"\ lead"),
        ("trail ", r"trail\ "),
        ("#x", r"\#x"),
        ("x#", "x#"),
        ("a,b+c\"d\\e<f>g;h=i", r#"a\,b\+c\"d\\e\<f\>g\;h\=i"#),
        ("Étienne", "Étienne"),
        (" ", r"\ "),
    ];
    for (value, escaped) in cases {
        assert_eq!(escape_value(value), escaped, "{value:?}");
    }
}

#[test]
fn entry_helpers() {
    let dn = Dn::parse("uid=a,dc=x").unwrap();
    let mut entry = LdapEntry::new(dn, &["top", "inetOrgPerson"]);
    let mail = AttrName::parse("mail").unwrap();
    entry.push(&mail, "a@x.fr");
    entry.push(&mail, "");
    assert_eq!(entry.values("MAIL").collect::<Vec<_>>(), ["a@x.fr"]);
    assert!(entry.has_class("INETORGPERSON"));
    assert!(!entry.has_class("groupOfNames"));
}
