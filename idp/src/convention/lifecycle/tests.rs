use time::macros::date;

use super::*;
use ConventionAction as A;
use ConventionStatus as S;

#[test]
fn every_transition() {
    // All 16 (status, action) pairs: Some(next) when allowed.
    let cases = [
        (S::Draft, A::Activate, Some(S::Active)),
        (S::Draft, A::Suspend, None),
        (S::Draft, A::Reactivate, None),
        (S::Draft, A::Terminate, Some(S::Terminated)),
        (S::Active, A::Activate, None),
        (S::Active, A::Suspend, Some(S::Suspended)),
        (S::Active, A::Reactivate, None),
        (S::Active, A::Terminate, Some(S::Terminated)),
        (S::Suspended, A::Activate, None),
        (S::Suspended, A::Suspend, None),
        (S::Suspended, A::Reactivate, Some(S::Active)),
        (S::Suspended, A::Terminate, Some(S::Terminated)),
        (S::Terminated, A::Activate, None),
        (S::Terminated, A::Suspend, None),
        (S::Terminated, A::Reactivate, None),
        (S::Terminated, A::Terminate, None),
    ];
    for (from, action, expected) in cases {
        let got = transition(from, action);
        match expected {
            Some(next) => assert_eq!(got, Ok(next), "{from} + {action}"),
            None => {
                let err = got.unwrap_err();
                assert_eq!(err.code(), "convention.transition");
                assert_eq!(err, LifecycleError::Transition { from, action });
                let message = err.to_string();
                assert!(message.contains(from.as_str()) && message.contains(action.as_str()));
            }
        }
    }
}

#[test]
fn transition_messages() {
    let err = transition(S::Terminated, A::Reactivate).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot reactivate a convention whose status is terminated"
    );
    assert_eq!(
        err.message_fr(),
        "impossible de réactiver une convention au statut « résiliée »"
    );
}

#[test]
fn names_parse_and_print() {
    let statuses = [
        ("draft", S::Draft),
        ("active", S::Active),
        (" Suspended ", S::Suspended),
        ("TERMINATED", S::Terminated),
    ];
    for (input, status) in statuses {
        assert_eq!(S::parse(input), Ok(status));
        assert_eq!(status.to_string().parse::<S>(), Ok(status));
    }
    let modes = [
        ("delegated", ManagementMode::Delegated),
        ("Centralised", ManagementMode::Centralised),
    ];
    for (input, mode) in modes {
        assert_eq!(ManagementMode::parse(input), Ok(mode));
        assert_eq!(mode.as_str(), input.to_ascii_lowercase());
    }
    let actions = [
        ("activate", A::Activate),
        ("suspend", A::Suspend),
        ("reactivate", A::Reactivate),
        ("terminate", A::Terminate),
    ];
    for (input, action) in actions {
        assert_eq!(A::parse(input), Ok(action));
        assert_eq!(action.as_str(), input);
    }
    let errors = [
        (S::parse("closed").map(|_| ()), "convention_status.unknown"),
        (
            ManagementMode::parse("centralized").map(|_| ()),
            "management_mode.unknown",
        ),
        (A::parse("resume").map(|_| ()), "convention_action.unknown"),
    ];
    for (got, code) in errors {
        assert_eq!(got.map_err(|e| e.code()), Err(code));
    }
    // 002 art. 9.1: delegated management is the default.
    assert_eq!(ManagementMode::default(), ManagementMode::Delegated);
}

#[test]
fn serde_as_strings() {
    assert_eq!(
        serde_json::to_string(&S::Suspended).unwrap(),
        r#""suspended""#
    );
    assert_eq!(serde_json::from_str::<S>(r#""Active""#).unwrap(), S::Active);
    assert!(serde_json::from_str::<S>(r#""open""#).is_err());
    assert_eq!(
        serde_json::to_string(&ManagementMode::Centralised).unwrap(),
        r#""centralised""#
    );
    assert_eq!(
        serde_json::from_str::<A>(r#""terminate""#).unwrap(),
        A::Terminate
    );
}

#[test]
fn month_arithmetic_clamps_at_month_ends() {
    let cases = [
        (date!(2021 - 01 - 31), 1, Some(date!(2021 - 02 - 28))),
        (date!(2024 - 01 - 31), 1, Some(date!(2024 - 02 - 29))),
        (date!(2024 - 01 - 31), 2, Some(date!(2024 - 03 - 31))),
        (date!(2024 - 02 - 29), 12, Some(date!(2025 - 02 - 28))),
        (date!(2024 - 02 - 29), 48, Some(date!(2028 - 02 - 29))),
        (date!(2021 - 08 - 31), 1, Some(date!(2021 - 09 - 30))),
        (date!(2021 - 11 - 15), 3, Some(date!(2022 - 02 - 15))),
        (date!(2021 - 05 - 31), -3, Some(date!(2021 - 02 - 28))),
        (date!(2022 - 01 - 15), -1, Some(date!(2021 - 12 - 15))),
        (date!(2021 - 03 - 31), -1, Some(date!(2021 - 02 - 28))),
        (date!(2021 - 03 - 31), 0, Some(date!(2021 - 03 - 31))),
        (date!(9999 - 12 - 01), 1, None),
    ];
    for (start, months, expected) in cases {
        assert_eq!(
            add_months(start, months),
            expected,
            "{start} + {months} months"
        );
    }
}

fn yearly(from: Date) -> Term {
    Term::yearly_tacit(from)
}

#[test]
fn current_period_and_renewal() {
    let from = date!(2017 - 03 - 15);
    let cases = [
        // (term, today, expected period)
        (yearly(from), date!(2017 - 03 - 14), None),
        (
            yearly(from),
            date!(2017 - 03 - 15),
            Some((from, date!(2018 - 03 - 15))),
        ),
        (
            yearly(from),
            date!(2018 - 03 - 14),
            Some((from, date!(2018 - 03 - 15))),
        ),
        (
            yearly(from),
            date!(2018 - 03 - 15),
            Some((date!(2018 - 03 - 15), date!(2019 - 03 - 15))),
        ),
        (
            yearly(from),
            date!(2026 - 11 - 30),
            Some((date!(2026 - 03 - 15), date!(2027 - 03 - 15))),
        ),
        (
            Term {
                tacit_renewal: false,
                ..yearly(from)
            },
            date!(2017 - 12 - 01),
            Some((from, date!(2018 - 03 - 15))),
        ),
        (
            Term {
                tacit_renewal: false,
                ..yearly(from)
            },
            date!(2018 - 03 - 15),
            None,
        ),
        (
            Term {
                term_months: 0,
                ..yearly(from)
            },
            date!(2017 - 04 - 01),
            None,
        ),
        // A period starting on 29 February keeps its anchor in leap years.
        (
            yearly(date!(2024 - 02 - 29)),
            date!(2025 - 03 - 01),
            Some((date!(2025 - 02 - 28), date!(2026 - 02 - 28))),
        ),
        (
            yearly(date!(2024 - 02 - 29)),
            date!(2028 - 02 - 29),
            Some((date!(2028 - 02 - 29), date!(2029 - 02 - 28))),
        ),
        (
            yearly(date!(2024 - 02 - 29)),
            date!(2028 - 02 - 28),
            Some((date!(2027 - 02 - 28), date!(2028 - 02 - 29))),
        ),
        // Monthly periods from 31 January do not drift to the 28th.
        (
            Term {
                term_months: 1,
                ..yearly(date!(2021 - 01 - 31))
            },
            date!(2021 - 03 - 30),
            Some((date!(2021 - 02 - 28), date!(2021 - 03 - 31))),
        ),
        (
            Term {
                term_months: 1,
                ..yearly(date!(2021 - 01 - 31))
            },
            date!(2021 - 03 - 31),
            Some((date!(2021 - 03 - 31), date!(2021 - 04 - 30))),
        ),
    ];
    for (term, today, expected) in cases {
        assert_eq!(term.current_period(today), expected, "{term:?} on {today}");
        let renewal = if term.tacit_renewal {
            expected.map(|(_, end)| end)
        } else {
            None
        };
        assert_eq!(term.next_renewal(today), renewal, "{term:?} on {today}");
    }
}

#[test]
fn notice_deadline_is_period_end_minus_notice() {
    let cases = [
        // (effective_from, today, deadline)
        (
            date!(2017 - 03 - 15),
            date!(2017 - 06 - 01),
            Some(date!(2017 - 12 - 15)),
        ),
        (date!(2017 - 03 - 15), date!(2017 - 03 - 14), None),
        // Period end 31 May: the deadline is 28 February (1 March + 3 months is 1 June).
        (
            date!(2020 - 05 - 31),
            date!(2020 - 09 - 01),
            Some(date!(2021 - 02 - 28)),
        ),
        (
            date!(2019 - 05 - 31),
            date!(2019 - 09 - 01),
            Some(date!(2020 - 02 - 29)),
        ),
        (
            date!(2021 - 01 - 01),
            date!(2021 - 12 - 31),
            Some(date!(2021 - 10 - 01)),
        ),
    ];
    for (from, today, expected) in cases {
        let term = yearly(from);
        let deadline = term.notice_deadline(today);
        assert_eq!(deadline, expected, "from {from}, today {today}");
        // A letter received on the deadline ends the convention at the period's end, one
        // received the next day does not.
        if let (Some(deadline), Some((_, end))) = (deadline, term.current_period(today)) {
            assert!(term.earliest_termination(deadline) <= end);
            let next_day = deadline.next_day().unwrap();
            assert!(term.earliest_termination(next_day) > end);
        }
    }
}

#[test]
fn earliest_termination_adds_the_notice() {
    let term = yearly(date!(2017 - 03 - 15));
    let cases = [
        (date!(2021 - 01 - 10), date!(2021 - 04 - 10)),
        (date!(2021 - 11 - 30), date!(2022 - 02 - 28)),
        (date!(2023 - 11 - 30), date!(2024 - 02 - 29)),
        (date!(2021 - 12 - 31), date!(2022 - 03 - 31)),
        (date!(9999 - 11 - 01), Date::MAX),
    ];
    for (received, expected) in cases {
        assert_eq!(
            term.earliest_termination(received),
            expected,
            "received {received}"
        );
    }
}

#[test]
fn schedule_shows_renewal_and_notice_on_a_day() {
    let t = yearly(date!(2017 - 03 - 15));
    // Before the notice deadline of the current period.
    let s = t.schedule(date!(2026 - 11 - 30));
    assert_eq!(s.period_start, Some(date!(2026 - 03 - 15)));
    assert_eq!(s.period_end, Some(date!(2027 - 03 - 15)));
    assert_eq!(s.next_renewal, Some(date!(2027 - 03 - 15)));
    assert_eq!(s.notice_deadline, Some(date!(2026 - 12 - 15)));
    assert!(!s.notice_deadline_passed);
    assert_eq!(
        (s.term_months, s.notice_months, s.tacit_renewal),
        (12, 3, true)
    );
    // After it: the letter would end the convention a period later.
    let s = t.schedule(date!(2027 - 01 - 10));
    assert_eq!(s.notice_deadline, Some(date!(2026 - 12 - 15)));
    assert!(s.notice_deadline_passed);
    // Before the convention starts: no period, nothing to renew.
    let s = t.schedule(date!(2017 - 01 - 01));
    assert_eq!(
        (s.period_start, s.next_renewal, s.notice_deadline),
        (None, None, None)
    );
    assert!(!s.notice_deadline_passed);
    let json = serde_json::to_value(t.schedule(date!(2026 - 11 - 30))).unwrap();
    assert_eq!(json["next_renewal"], "2027-03-15");
    assert_eq!(json["notice_deadline"], "2026-12-15");
}
