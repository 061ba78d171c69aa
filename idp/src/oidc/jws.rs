//! The signature step of Habilis's own JWTs (RFC 7515 compact serialisation), with keys parsed
//! once per key set rather than at every token.
//!
//! Why not `jsonwebtoken` here: its RustCrypto backend re-parses the private key at every
//! signature — for ES256 a full scalar multiplication to rebuild the public key — and its P-256
//! arithmetic is several times slower than `ring`'s, which rustls already brings. Each token
//! response signs twice and each introspection or userinfo verifies once, so this was a tenth of
//! the provider's CPU under load (docs/oidc.md, "Benchmark"). `jsonwebtoken` still verifies the
//! assertions of `private_key_jwt` clients (`client_auth`), whose keys come from their JWKS.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{
    self, ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, ED25519, EcdsaKeyPair,
    Ed25519KeyPair, RsaKeyPair, RsaPublicKeyComponents, UnparsedPublicKey,
};

use super::keys::{KeyError, PublicJwk, SigningAlg};

/// A private key ready to sign with its algorithm.
pub(crate) enum Signer {
    /// ECDSA P-256 with SHA-256, signatures as `r ‖ s` (RFC 7518 §3.4).
    Es256(EcdsaKeyPair),
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3).
    Rs256(RsaKeyPair),
    /// Ed25519 (RFC 8037 §3.1).
    EdDsa(Ed25519KeyPair),
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(crate::secret::REDACTED)
    }
}

impl Signer {
    /// Parses the stored private key (`der`: PKCS#8 for ES256 and Ed25519, PKCS#1 for RS256, as
    /// [`super::keys::generate`] writes them) and checks it against its published JWK, so a key
    /// that would sign tokens nobody can verify is refused when the set loads.
    pub(crate) fn from_der(jwk: &PublicJwk, der: &[u8]) -> Result<Self, KeyError> {
        let bad = || KeyError::BadStoredKey(jwk.kid.clone());
        let signer = match jwk.alg {
            SigningAlg::Es256 => {
                use p256::pkcs8::DecodePrivateKey;
                let secret = p256::SecretKey::from_pkcs8_der(der).map_err(|_| bad())?;
                let public = Verifier::from_jwk(jwk)?;
                let Verifier::Es256(point) = &public else {
                    return Err(bad());
                };
                Self::Es256(
                    EcdsaKeyPair::from_private_key_and_public_key(
                        &ECDSA_P256_SHA256_FIXED_SIGNING,
                        secret.to_bytes().as_slice(),
                        point,
                        &SystemRandom::new(),
                    )
                    .map_err(|_| bad())?,
                )
            }
            SigningAlg::Rs256 => {
                let pair = RsaKeyPair::from_der(der).map_err(|_| bad())?;
                let own: RsaPublicKeyComponents<Vec<u8>> = pair.public().into();
                let Verifier::Rs256 { n, e } = Verifier::from_jwk(jwk)? else {
                    return Err(bad());
                };
                // The JWK's members are minimal big-endian integers, as ring's are.
                if own.n != n || own.e != e {
                    return Err(bad());
                }
                Self::Rs256(pair)
            }
            SigningAlg::EdDsa => {
                use ed25519_dalek::pkcs8::DecodePrivateKey;
                let secret = ed25519_dalek::SigningKey::from_pkcs8_der(der).map_err(|_| bad())?;
                let x = jwk_bytes(jwk, jwk.x.as_ref())?;
                Self::EdDsa(
                    Ed25519KeyPair::from_seed_and_public_key(secret.as_bytes(), &x)
                        .map_err(|_| bad())?,
                )
            }
        };
        Ok(signer)
    }

    /// The signature of `input` (the JWS signing input, `header.payload`).
    fn sign(&self, input: &[u8]) -> Result<Vec<u8>, ring::error::Unspecified> {
        match self {
            Self::Es256(pair) => Ok(pair.sign(&SystemRandom::new(), input)?.as_ref().to_vec()),
            Self::Rs256(pair) => {
                let mut out = vec![0; pair.public().modulus_len()];
                pair.sign(
                    &signature::RSA_PKCS1_SHA256,
                    &SystemRandom::new(),
                    input,
                    &mut out,
                )?;
                Ok(out)
            }
            Self::EdDsa(pair) => Ok(pair.sign(input).as_ref().to_vec()),
        }
    }
}

/// A published key ready to verify signatures.
#[derive(Debug, Clone)]
pub(crate) enum Verifier {
    /// The uncompressed SEC 1 point `04 ‖ x ‖ y`.
    Es256(Vec<u8>),
    /// Modulus and public exponent, big-endian.
    Rs256 { n: Vec<u8>, e: Vec<u8> },
    /// The 32-byte public key.
    EdDsa(Vec<u8>),
}

fn jwk_bytes(jwk: &PublicJwk, member: Option<&String>) -> Result<Vec<u8>, KeyError> {
    member
        .and_then(|m| URL_SAFE_NO_PAD.decode(m).ok())
        .ok_or_else(|| KeyError::BadStoredKey(jwk.kid.clone()))
}

impl Verifier {
    /// The verification key a published JWK describes.
    pub(crate) fn from_jwk(jwk: &PublicJwk) -> Result<Self, KeyError> {
        let bad = || KeyError::BadStoredKey(jwk.kid.clone());
        Ok(match jwk.alg {
            SigningAlg::Es256 => {
                let (x, y) = (
                    jwk_bytes(jwk, jwk.x.as_ref())?,
                    jwk_bytes(jwk, jwk.y.as_ref())?,
                );
                if x.len() != 32 || y.len() != 32 {
                    return Err(bad());
                }
                let mut point = Vec::with_capacity(65);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                Self::Es256(point)
            }
            SigningAlg::Rs256 => Self::Rs256 {
                n: jwk_bytes(jwk, jwk.n.as_ref())?,
                e: jwk_bytes(jwk, jwk.e.as_ref())?,
            },
            SigningAlg::EdDsa => {
                let x = jwk_bytes(jwk, jwk.x.as_ref())?;
                if x.len() != signature::ED25519_PUBLIC_KEY_LEN {
                    return Err(bad());
                }
                Self::EdDsa(x)
            }
        })
    }

    /// Whether `sig` is a valid signature of `input` by this key.
    fn verify(&self, input: &[u8], sig: &[u8]) -> bool {
        match self {
            Self::Es256(point) => UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                .verify(input, sig)
                .is_ok(),
            // RFC 7518 §3.3: RSA keys of at least 2048 bits.
            Self::Rs256 { n, e } => RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PKCS1_2048_8192_SHA256, input, sig)
                .is_ok(),
            Self::EdDsa(x) => UnparsedPublicKey::new(&ED25519, x)
                .verify(input, sig)
                .is_ok(),
        }
    }
}

/// The compact JWS of `header` and `payload` (both JSON), signed by `signer`.
pub(crate) fn sign(signer: &Signer, header: &[u8], payload: &[u8]) -> Result<String, String> {
    let mut out = String::with_capacity((header.len() + payload.len()) * 4 / 3 + 100);
    URL_SAFE_NO_PAD.encode_string(header, &mut out);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut out);
    let sig = signer
        .sign(out.as_bytes())
        .map_err(|_| "the signing library refused the key".to_owned())?;
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(sig, &mut out);
    Ok(out)
}

/// Why a compact JWS did not verify.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Not three base64url parts.
    Malformed,
    /// The signature is not the key's over the first two parts.
    BadSignature,
}

/// The decoded payload of `token` if `verifier` signed it.
pub(crate) fn verify(verifier: &Verifier, token: &str) -> Result<Vec<u8>, Refused> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refused::Malformed);
    };
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| Refused::Malformed)?;
    let input_len = header.len() + 1 + payload.len();
    let input = token.get(..input_len).ok_or(Refused::Malformed)?;
    if !verifier.verify(input.as_bytes(), &sig) {
        return Err(Refused::BadSignature);
    }
    URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| Refused::Malformed)
}
