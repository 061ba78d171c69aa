//! The signature floor of `idp bench oidc`: the CPU time of one signature and one verification
//! of an access token with each algorithm Habilis signs with, on this machine, through the
//! very code the server uses (`oidc::jws`). A token response signs twice (ID token and access
//! token); introspection and userinfo verify once. Measured on one thread's CPU clock, so that
//! whatever else runs on the machine does not inflate it.

use std::time::Duration;

use anyhow::anyhow;
use serde::Serialize;
use serde_json::json;

use crate::account::password::thread_cpu;
use crate::oidc::jws::{self, Signer, Verifier};
use crate::oidc::keys::{self, SigningAlg};

/// What one algorithm costs.
#[derive(Debug, Clone, Serialize)]
pub(super) struct SignatureCost {
    /// `ES256`, `RS256` or `EdDSA`.
    pub(super) alg: &'static str,
    /// CPU microseconds per signature.
    pub(super) sign_us: f64,
    /// CPU microseconds per verification.
    pub(super) verify_us: f64,
}

/// An access token's header and claims as the server writes them (RFC 9068).
fn token_parts(alg: SigningAlg) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let header = serde_json::to_vec(&json!({
        "typ": "at+jwt", "alg": alg.as_str(), "kid": "es256-20261130-9f2c01ab3d4e5f60",
    }))?;
    let claims = serde_json::to_vec(&json!({
        "iss": "https://habilis.caf-79.example",
        "sub": "3b0c6f3e-58a4-4c1b-9d2e-7f1a2b3c4d5e",
        "aud": ["hab_3f9a0c1b2d3e4f5a6b7c8d9e0f1a2b3c"],
        "exp": 1_796_000_300, "iat": 1_796_000_000, "auth_time": 1_795_999_000,
        "jti": "9f2c01ab3d4e5f609f2c01ab3d4e5f60",
        "client_id": "hab_3f9a0c1b2d3e4f5a6b7c8d9e0f1a2b3c",
        "scope": "openid profile email habilitations",
        "sid": "5f1e2d3c4b5a69788796a5b4c3d2e1f0", "acr": "eidas1",
    }))?;
    Ok((header, claims))
}

/// CPU microseconds per call of `op`, run until at least `min_cpu` of the thread's CPU time
/// has passed: the thread clock of `/proc` moves by scheduler ticks, so a short run would
/// mostly measure the tick.
fn per_call(min_cpu: Duration, mut op: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let before = thread_cpu();
    let mut calls = 0u32;
    loop {
        for _ in 0..16 {
            op()?;
        }
        calls += 16;
        let spent = thread_cpu() - before;
        if spent >= min_cpu {
            return Ok(spent.as_secs_f64() * 1e6 / f64::from(calls));
        }
    }
}

/// Signs and verifies with `alg` on the calling thread, each for `min_cpu`.
fn measure(alg: SigningAlg, min_cpu: Duration) -> anyhow::Result<SignatureCost> {
    let key = keys::generate(alg, "bench").map_err(|e| anyhow!("{e}"))?;
    let signer = Signer::from_der(&key.jwk, key.private_der()).map_err(|e| anyhow!("{e}"))?;
    let verifier = Verifier::from_jwk(&key.jwk).map_err(|e| anyhow!("{e}"))?;
    let (header, claims) = token_parts(alg)?;
    let token = jws::sign(&signer, &header, &claims).map_err(|e| anyhow!("{e}"))?;
    let sign_us = per_call(min_cpu, || {
        jws::sign(&signer, &header, &claims)
            .map(drop)
            .map_err(|e| anyhow!("{e}"))
    })?;
    let verify_us = per_call(min_cpu, || {
        jws::verify(&verifier, &token)
            .map(drop)
            .map_err(|_| anyhow!("{} refused its own signature", alg.as_str()))
    })?;
    Ok(SignatureCost {
        alg: alg.as_str(),
        sign_us,
        verify_us,
    })
}

/// The cost of each algorithm, each operation run for `min_cpu` of CPU time, on a thread of
/// its own.
pub(super) fn signature_costs(min_cpu: Duration) -> anyhow::Result<Vec<SignatureCost>> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                SigningAlg::ALL
                    .into_iter()
                    .map(|alg| measure(alg, min_cpu))
                    .collect()
            })
            .join()
            .map_err(|_| anyhow!("the signature measurement panicked"))?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_is_measured() {
        let costs = signature_costs(Duration::from_millis(10)).unwrap();
        let names: Vec<_> = costs.iter().map(|c| c.alg).collect();
        assert_eq!(names, ["ES256", "RS256", "EdDSA"]);
        assert!(costs.iter().all(|c| c.sign_us > 0.0 && c.verify_us > 0.0));
    }
}
