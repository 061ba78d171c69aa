use super::*;

#[test]
fn debug_and_serialize_never_show_the_value() {
    let s = Secret::new("hunter2-very-secret");
    assert_eq!(format!("{s:?}"), REDACTED);
    assert_eq!(
        serde_json::to_string(&s).unwrap(),
        format!("\"{REDACTED}\"")
    );
    assert_eq!(s.expose(), "hunter2-very-secret");
}

#[test]
fn constant_time_equality() {
    let s = Secret::new("abc");
    assert!(s.ct_eq("abc"));
    assert!(!s.ct_eq("abd"));
    assert!(!s.ct_eq("ab"));
}

#[test]
fn deserializes_any_scalar() {
    let cases = [("\"x\"", "x"), ("123456", "123456"), ("true", "true")];
    for (json, expected) in cases {
        let s: Secret = serde_json::from_str(json).unwrap();
        assert_eq!(s.expose(), expected, "{json}");
    }
}

#[test]
fn random_tokens_are_distinct_and_sized() {
    let a = random_hex(32);
    let b = random_hex(32);
    assert_eq!(a.len(), 64);
    assert_ne!(a, b);
    assert_eq!(token_hash("abc").len(), 64);
}
