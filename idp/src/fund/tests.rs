use super::*;
use crate::testing::{self, T0, actor};

#[test]
fn fund_codes() {
    let cases = [
        ("caf-79", Some("caf-79")),
        (" MSA-Poitou ", Some("msa-poitou")),
        ("c", None),
        ("-caf", None),
        ("caf-", None),
        ("caf 79", None),
        ("caf_79", None),
        (&"x".repeat(33), None),
    ];
    for (input, expected) in cases {
        assert_eq!(
            FundCode::parse(input)
                .ok()
                .map(|c| c.to_string())
                .as_deref(),
            expected,
            "{input:?}"
        );
    }
}

#[tokio::test]
async fn create_find_and_refuse_duplicates() {
    let db = testing::sqlite().await;
    let new = NewFund {
        code: FundCode::parse("caf-91").unwrap(),
        name: "Caf de l'Essonne".into(),
        kind: FundKind::Caf,
        departements: BTreeSet::from([DepartementCode::parse("91").unwrap()]),
        login_policy: LoginPolicy::Email,
    };
    let f = create(&db, T0, &actor(), new.clone()).await.unwrap();
    assert_eq!(find(&db, &f.code).await.unwrap(), f);
    let dup = create(&db, T0, &actor(), new.clone()).await.unwrap_err();
    assert!(matches!(dup, FundError::Duplicate(_)));
    let none = create(
        &db,
        T0,
        &actor(),
        NewFund {
            departements: BTreeSet::new(),
            ..new.clone()
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(none, FundError::NoDepartement));
    let blank = create(
        &db,
        T0,
        &actor(),
        NewFund {
            name: "  ".into(),
            ..new
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(blank, FundError::InvalidName));
    let missing = find(&db, &FundCode::parse("caf-01").unwrap())
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}
