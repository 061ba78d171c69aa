use time::macros::datetime;

use super::*;
use crate::config::Config;
use crate::convention::lifecycle::ConventionAction;
use crate::testing;

#[tokio::test]
async fn seeding_again_after_changes_changes_nothing_and_never_fails() {
    let db = testing::sqlite().await;
    let settings = Config::defaults().unwrap().accounts;
    let t0 = datetime!(2026-11-30 09:00 UTC);
    let first = seed(&db, t0, &settings).await.unwrap();
    assert_eq!(first.accounts.len(), 17);
    assert!(first.accounts.iter().all(|a| a.password == DEMO_PASSWORD));

    // Someone suspends one convention and terminates another between two runs.
    let actor = Actor::cli();
    for (fund, number, action) in [
        ("caf-79", "79-2017-19", ConventionAction::Suspend),
        ("msa-poitou", "2021-143", ConventionAction::Terminate),
    ] {
        let f = fund::find(&db, &FundCode::parse(fund).unwrap())
            .await
            .unwrap();
        let n = ConventionNumber::parse(number).unwrap();
        convention::apply(&db, t0, &actor, &f, &n, action, Some("test"))
            .await
            .unwrap();
    }
    let second = seed(&db, t0, &settings).await.unwrap();
    assert_eq!(second.created, 0, "nothing re-created, nothing re-granted");
    assert_eq!(second.accounts.len(), 17);
    assert_eq!(crate::audit::verify(&db).await.unwrap().first_break, None);
}
