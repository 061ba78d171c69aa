use std::collections::{BTreeMap, BTreeSet};

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;

#[test]
fn alphabet_is_56_unambiguous_characters() {
    assert_eq!(ALPHABET.len(), 56);
    let distinct: BTreeSet<u8> = ALPHABET.iter().copied().collect();
    assert_eq!(distinct.len(), 56);
    for ambiguous in b"0Oo1lI" {
        assert!(!ALPHABET.contains(ambiguous), "{}", char::from(*ambiguous));
    }
}

#[test]
fn lengths_and_classes() {
    let mut rng = StdRng::seed_from_u64(7);
    // (asked, produced)
    let cases = [(0, 12), (8, 12), (12, 12), (13, 13), (20, 20), (64, 64)];
    for (asked, produced) in cases {
        for _ in 0..200 {
            let password = generate(&mut rng, asked);
            assert_eq!(password.len(), produced);
            assert!(
                password.bytes().all(|b| ALPHABET.contains(&b)),
                "{password}"
            );
            assert!(
                password.chars().any(|c| c.is_ascii_uppercase()),
                "{password}"
            );
            assert!(
                password.chars().any(|c| c.is_ascii_lowercase()),
                "{password}"
            );
            assert!(password.chars().any(|c| c.is_ascii_digit()), "{password}");
        }
    }
}

#[test]
fn passwords_differ_and_use_the_whole_alphabet() {
    let mut rng = StdRng::seed_from_u64(42);
    let passwords: Vec<String> = (0..2000).map(|_| generate(&mut rng, 12)).collect();
    let distinct: BTreeSet<&String> = passwords.iter().collect();
    assert_eq!(distinct.len(), passwords.len());
    let mut counts: BTreeMap<char, usize> = BTreeMap::new();
    for c in passwords.iter().flat_map(|p| p.chars()) {
        *counts.entry(c).or_default() += 1;
    }
    assert_eq!(counts.len(), 56);
    // 24 000 characters over 56 symbols: about 430 each. Digits are slightly favoured by the
    // class requirement; no symbol should be far from the mean.
    for (c, n) in counts {
        assert!((300..=600).contains(&n), "{c} drawn {n} times");
    }
}

#[test]
fn os_rng_works() {
    let password = generate(&mut rand::rngs::OsRng, 16);
    assert_eq!(password.len(), 16);
}
