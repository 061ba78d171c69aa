use super::*;
use crate::model::{AttrName, Dn};

#[test]
fn base64_vectors() {
    // RFC 4648 §10 test vectors.
    let cases = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];
    for (input, expected) in cases {
        assert_eq!(base64(input.as_bytes()), expected);
    }
}

#[test]
fn unsafe_values_are_base64() {
    let dn = Dn::parse(r"cn=\ Équipe,dc=x").unwrap();
    let mut entry = LdapEntry::new(dn, &["top", "groupOfNames"]);
    let cn = AttrName::parse("cn").unwrap();
    entry.push(&cn, " Équipe");
    entry.push(&AttrName::parse("description").unwrap(), "plain text");
    entry.push(&AttrName::parse("member").unwrap(), ":colon");
    let mut out = String::new();
    write_ldif(&[entry], &mut out);
    let expected = format!(
        "dn:: {}\nobjectClass: groupOfNames\nobjectClass: top\ncn:: {}\ndescription: plain text\nmember:: {}\n\n",
        base64(r"cn=\ Équipe,dc=x".as_bytes()),
        base64(" Équipe".as_bytes()),
        base64(b":colon"),
    );
    assert_eq!(out, expected);
}
