use super::*;

fn ids(list: &[i64]) -> BTreeSet<i64> {
    list.iter().copied().collect()
}

#[test]
fn grants() {
    // (limit, holders, new holders, Ok or Err((used, requested)))
    type Case = (
        u32,
        &'static [i64],
        &'static [i64],
        Result<(), (usize, usize)>,
    );
    let cases: &[Case] = &[
        (10, &[], &[1], Ok(())),
        (1, &[], &[1], Ok(())),
        (0, &[], &[1], Err((0, 1))),
        (0, &[], &[], Ok(())),
        (2, &[1], &[2], Ok(())),
        (2, &[1, 2], &[3], Err((2, 1))),
        // An account already holding the role does not count twice.
        (2, &[1, 2], &[1], Ok(())),
        (2, &[1, 2], &[1, 2], Ok(())),
        (3, &[1, 2], &[1, 3], Ok(())),
        (3, &[1, 2], &[3, 4], Err((2, 2))),
        // A group of five with two members already holding the role.
        (5, &[1, 2, 3], &[1, 2, 4, 5, 6], Err((3, 3))),
        (6, &[1, 2, 3], &[1, 2, 4, 5, 6], Ok(())),
        (
            10,
            &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            &[11, 12],
            Err((10, 2)),
        ),
    ];
    for (limit, holders, new_holders, expected) in cases {
        let use_ = QuotaUse {
            role: "T2".to_owned(),
            limit: *limit,
            holders: ids(holders),
        };
        let got = check_grant(&use_, &ids(new_holders)).map_err(|e| (e.used, e.requested));
        assert_eq!(
            got, *expected,
            "limit {limit}, holders {holders:?} + {new_holders:?}"
        );
    }
}

#[test]
fn exceeded_message() {
    let use_ = QuotaUse {
        role: "T2".to_owned(),
        limit: 10,
        holders: (1..=10).collect(),
    };
    let err = check_grant(&use_, &ids(&[11, 12])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "quota for role T2 reached: 10 of 10 used, 2 more requested"
    );
    assert_eq!(err.code(), "quota.exceeded");
    assert!(
        err.message_fr()
            .starts_with("quota du rôle T2 atteint : 10")
    );
}

#[test]
fn lowering() {
    // (holders, new limit, allowed)
    let cases = [
        (0, 0, true),
        (3, 5, true),
        (5, 5, true),
        (6, 5, false),
        (1, 0, false),
        (0, u32::MAX, true),
    ];
    for (holders, new_limit, allowed) in cases {
        let got = check_lowering(holders, new_limit);
        assert_eq!(got.is_ok(), allowed, "{holders} holders, limit {new_limit}");
        if let Err(err) = got {
            assert_eq!(
                err,
                QuotaBelowUse {
                    new_limit,
                    used: holders
                }
            );
            assert_eq!(err.code(), "quota.below_use");
        }
    }
    assert_eq!(
        check_lowering(6, 5).unwrap_err().to_string(),
        "quota cannot be lowered to 5: 6 accounts hold the role; withdraw habilitations first"
    );
}
