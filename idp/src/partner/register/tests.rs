use super::*;
use crate::testing::{self, T0, actor, fixture_named};

async fn fund(db: &Db) -> Fund {
    fixture_named(db, "caf-79", "79A00001", "C-1").await.fund
}

#[tokio::test]
async fn create_then_duplicate_number_is_refused() {
    let db = testing::sqlite().await;
    let f = fund(&db).await;
    let new = NewPartner::parse(
        "79b12345",
        Some("217 901 917 00013"),
        " Mairie ",
        "COMMUNE",
        Some("contact@niort.fr"),
    )
    .unwrap();
    let p = create(&db, T0, &actor(), &f, new.clone()).await.unwrap();
    assert_eq!(p.third_party_number.as_str(), "79B12345");
    assert_eq!(p.name, "Mairie");
    assert_eq!(p.kind, PartnerKind::Commune);
    assert_eq!(p.status, PartnerStatus::Active);
    let err = create(&db, T0, &actor(), &f, new).await.unwrap_err();
    assert!(matches!(err, PartnerError::Duplicate(_)), "{err}");
    assert_eq!(err.code(), "partner.duplicate");
}

#[test]
fn malformed_fields_are_refused_with_their_code() {
    let cases = [
        ("7", None, "N", "commune", None, "third_party_number"),
        (
            "79B1",
            Some("21790191700014"),
            "N",
            "commune",
            None,
            "siret",
        ),
        ("79B1", None, "", "commune", None, "partner.name_invalid"),
        ("79B1", None, "N", "mairie", None, "partner.kind_invalid"),
        ("79B1", None, "N", "commune", Some("not-an-email"), "email"),
    ];
    for (tp, siret, name, kind, email, code) in cases {
        let err = NewPartner::parse(tp, siret, name, kind, email).unwrap_err();
        assert!(
            err.code().starts_with(code),
            "{tp} {siret:?} {name} {kind}: {} ({err})",
            err.code()
        );
        assert_eq!(err.kind(), ErrorKind::Invalid);
    }
}

#[tokio::test]
async fn csv_import_creates_updates_and_leaves_unchanged() {
    let db = testing::sqlite().await;
    let f = fund(&db).await;
    let first = "\u{feff}numéro de tiers;siret;nom;type;courriel\n\
                 79A69243;21790191700013;Mairie de Niort;commune;\n\
                 79C00002;;Crèche Les Lutins;childcare_structure;creche@example.fr\n";
    let r = import_csv(&db, T0, &actor(), &f, first.as_bytes())
        .await
        .unwrap();
    assert_eq!((r.created, r.updated, r.unchanged), (2, 0, 0));
    let second = "third_party_number,name,kind\n79A69243,Mairie de Niort,commune\n79C00002,Crèche Les Lutins (renommée),childcare_structure\n79D00003,CCAS,other\n";
    let r = import_csv(&db, T0, &actor(), &f, second.as_bytes())
        .await
        .unwrap();
    // 79A69243 loses its SIRET (the register is the source), 79C00002 is renamed, and its
    // e-mail disappears since the column is absent: both are updates.
    assert_eq!((r.created, r.updated, r.unchanged), (1, 2, 0));
    let again = import_csv(&db, T0, &actor(), &f, second.as_bytes())
        .await
        .unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3));
    assert_eq!(list(&db, &f).await.unwrap().len(), 4); // with the fixture's partner
}

#[tokio::test]
async fn an_invalid_line_imports_nothing_and_names_every_line() {
    let db = testing::sqlite().await;
    let f = fund(&db).await;
    let csv = "third_party_number;siret;name;kind\n\
               79E00001;;Valide;commune\n\
               X;;Numéro trop court;commune\n\
               79E00003;12345678901234;SIRET faux;commune\n\
               79E00001;;Doublon;commune\n";
    let err = import_csv(&db, T0, &actor(), &f, csv.as_bytes())
        .await
        .unwrap_err();
    let PartnerError::InvalidLines(lines) = &err else {
        panic!("{err}")
    };
    let numbers: Vec<usize> = lines.iter().map(|l| l.line).collect();
    assert_eq!(numbers, vec![3, 4, 5]);
    assert!(err.message_fr().contains("ligne 3"));
    assert_eq!(list(&db, &f).await.unwrap().len(), 1, "nothing imported");
}

#[tokio::test]
async fn a_header_without_required_columns_is_refused() {
    let db = testing::sqlite().await;
    let f = fund(&db).await;
    let err = import_csv(&db, T0, &actor(), &f, "siret;nom\n1;2\n".as_bytes())
        .await
        .unwrap_err();
    assert!(
        matches!(err, PartnerError::Csv(ref m) if m.contains("third_party_number")),
        "{err}"
    );
}

#[tokio::test]
async fn partners_are_scoped_to_their_fund() {
    let db = testing::sqlite().await;
    let a = fixture_named(&db, "caf-79", "79A00001", "C-1").await;
    let b = fixture_named(&db, "msa-poitou", "79A69243", "C-2").await;
    // The same third-party number may exist in two funds' registers.
    let err = find(&db, &a.fund, &b.partner.third_party_number)
        .await
        .unwrap_err();
    assert!(matches!(err, PartnerError::NotFound(_)));
    assert_eq!(list(&db, &b.fund).await.unwrap(), vec![b.partner.clone()]);
}

#[tokio::test]
async fn units_belong_to_their_partner() {
    let db = testing::sqlite().await;
    let fx = fixture_named(&db, "msa-armorique", "22P00417", "PSU-1").await;
    let u = create_unit(
        &db,
        T0,
        &actor(),
        &fx.partner,
        "creche-morlaix",
        "Crèche Les Goélands",
        None,
    )
    .await
    .unwrap();
    assert_eq!(u.partner_id, fx.partner.id);
    let dup = create_unit(
        &db,
        T0,
        &actor(),
        &fx.partner,
        "creche-morlaix",
        "Autre",
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(dup, PartnerError::DuplicateUnit(_)));
    let bad = create_unit(&db, T0, &actor(), &fx.partner, "a b", "Nom", None)
        .await
        .unwrap_err();
    assert!(matches!(bad, PartnerError::InvalidUnit));
    assert_eq!(units(&db, &fx.partner).await.unwrap(), vec![u]);
}
