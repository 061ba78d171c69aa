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

#[tokio::test]
async fn hasher_follows_its_parameters_and_detects_old_hashes() {
    let h = Hasher::new(8192, 1, 1, 0).unwrap();
    let phc = h.hash(&Secret::new("pw-1")).await.unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=8192,t=1,p=1$"), "{phc}");
    assert!(!h.needs_rehash(&phc));
    let default = Hasher::default_params().unwrap();
    assert!(default.needs_rehash(&phc));
    // Verification reads the parameters from the stored hash.
    assert!(default.verify(&Secret::new("pw-1"), &phc).await);
    assert!(default.needs_rehash("not a hash"));
    assert!(Hasher::new(1, 0, 1, 0).is_err());
}

#[tokio::test]
async fn the_memory_budget_is_the_memory_cost_times_the_threads() {
    let h = Hasher::default_params().unwrap();
    assert!(h.max_concurrent() >= 1);
    assert_eq!(h.memory_budget_kib(), 19_456 * h.max_concurrent() as u64);
    // Many concurrent hashes all complete, on the process's hashing threads only.
    let tasks: Vec<_> = (0..(h.max_concurrent() * 3))
        .map(|i| {
            let h = h.clone();
            tokio::spawn(async move { h.hash(&Secret::new(format!("pw-{i}"))).await })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap().is_ok());
    }
    // The threads are per process and other tests hash at the same time: whatever ran, there
    // are exactly `max_concurrent` of them (none is added for a busy moment), so at most that
    // many hashes, each in one buffer of `m` KiB, run at once.
    assert_eq!(
        crate::cli::bench_login::threads_named(THREAD_NAME).len(),
        h.max_concurrent()
    );
}

#[tokio::test]
async fn a_hash_that_nobody_waits_for_any_more_is_skipped() {
    let h = Hasher::new(8192, 1, 1, 0).unwrap();
    let threads = h.max_concurrent();
    // Occupy every thread, then queue hashes whose callers give up at once.
    let busy: Vec<_> = (0..threads)
        .map(|i| {
            let h = h.clone();
            tokio::spawn(async move { h.hash(&Secret::new(format!("busy-{i}"))).await })
        })
        .collect();
    tokio::task::yield_now().await;
    let before = SKIPPED.load(Ordering::Relaxed);
    for i in 0..(threads * 4) {
        let password = Secret::new(format!("dropped-{i}"));
        // Polled once (queued), then dropped.
        let _ = tokio::time::timeout(std::time::Duration::ZERO, h.hash(&password)).await;
    }
    for t in busy {
        assert!(t.await.unwrap().is_ok());
    }
    // A hash queued after them all runs once the abandoned ones are passed over.
    assert!(h.hash(&Secret::new("after")).await.is_ok());
    // Other tests share the threads; the skipped count is at least some of ours (a thread
    // may have taken one of them before its caller gave up).
    assert!(SKIPPED.load(Ordering::Relaxed) > before);
}

#[tokio::test]
async fn hashes_interoperate_with_the_standard_phc_implementation() {
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};
    // A hash stored before the reusable memory (made by the crate's own hasher) still verifies,
    // with its own parameters, and a new hash verifies with the crate's verifier.
    let params = Params::new(8192, 1, 1, None).unwrap();
    let standard = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = SaltString::generate(&mut OsRng);
    let old = standard
        .hash_password(b"ancien-mot-de-passe", &salt)
        .unwrap()
        .to_string();
    let h = Hasher::default_params().unwrap();
    assert!(h.verify(&Secret::new("ancien-mot-de-passe"), &old).await);
    assert!(!h.verify(&Secret::new("ancien-mot-de-passe!"), &old).await);
    let new = h.hash(&Secret::new("nouveau-mot-de-passe")).await.unwrap();
    let parsed = PasswordHash::new(&new).unwrap();
    assert!(
        Argon2::default()
            .verify_password(b"nouveau-mot-de-passe", &parsed)
            .is_ok()
    );
    // Argon2i and Argon2d hashes verify too (the algorithm is read from the string).
    for alg in [Algorithm::Argon2i, Algorithm::Argon2d] {
        let p = Params::new(8192, 1, 1, None).unwrap();
        let other = Argon2::new(alg, Version::V0x13, p)
            .hash_password(b"x-y-z", &salt)
            .unwrap()
            .to_string();
        assert!(h.verify(&Secret::new("x-y-z"), &other).await, "{other}");
    }
}

#[tokio::test]
async fn argon2_memory_is_reused_never_more_buffers_than_threads() {
    let h = Hasher::new(8192, 1, 1, 0).unwrap();
    let tasks: Vec<_> = (0..(h.max_concurrent() * 4))
        .map(|i| {
            let h = h.clone();
            tokio::spawn(async move {
                let pw = Secret::new(format!("pw-{i}"));
                let phc = h.hash(&pw).await.unwrap();
                assert!(h.verify(&pw, &phc).await);
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let buffers = MEMORY.lock().unwrap().len();
    assert!(buffers >= 1, "memory is kept for the next hash");
    assert!(buffers <= h.max_concurrent(), "{buffers} buffers");
}
