use std::time::Duration;

use super::Backoff;

#[test]
fn delays_grow_are_capped_and_jittered() {
    let backoff = Backoff {
        base: Duration::from_secs(1),
        max: Duration::from_secs(60),
    };
    // (attempt, jitter, expected)
    let cases = [
        (0, 1.0, Duration::from_secs(1)),
        (0, 0.0, Duration::from_millis(500)),
        (1, 1.0, Duration::from_secs(2)),
        (3, 0.5, Duration::from_secs(6)),
        (5, 1.0, Duration::from_secs(32)),
        (6, 1.0, Duration::from_secs(60)),
        (6, 0.0, Duration::from_secs(30)),
        (40, 1.0, Duration::from_secs(60)),
        (u32::MAX, 1.0, Duration::from_secs(60)),
        (2, 7.0, Duration::from_secs(4)),
        (2, -1.0, Duration::from_secs(2)),
        (2, f64::NAN, Duration::from_secs(2)),
    ];
    for (attempt, jitter, expected) in cases {
        assert_eq!(
            backoff.delay(attempt, jitter),
            expected,
            "attempt {attempt}, jitter {jitter}"
        );
    }
}
