use super::*;

#[tokio::test]
async fn hash_then_verify() {
    let cases = [
        ("Tr0ub4dor&3xyz", "Tr0ub4dor&3xyz", true),
        ("Tr0ub4dor&3xyz", "tr0ub4dor&3xyz", false),
        ("é-accentué-123", "é-accentué-123", true),
        ("é-accentué-123", "", false),
    ];
    for (stored, typed, expected) in cases {
        let phc = hash(&Secret::new(stored)).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(!phc.contains(stored));
        assert_eq!(verify(&Secret::new(typed), &phc).await, expected, "{typed}");
    }
}

#[tokio::test]
async fn same_password_different_salts() {
    let a = hash(&Secret::new("same-password-1")).await.unwrap();
    let b = hash(&Secret::new("same-password-1")).await.unwrap();
    assert_ne!(a, b);
}

#[tokio::test]
async fn malformed_hash_never_matches() {
    for phc in ["", "not a hash", "$argon2id$v=19$m=19456,t=2,p=1$broken"] {
        assert!(!verify(&Secret::new("x"), phc).await, "{phc}");
    }
}
