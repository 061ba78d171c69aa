//! A software WebAuthn authenticator for the tests, built here from the specification (W3C
//! WebAuthn Level 2 §6.1, §6.5, §8.7 "none" attestation; CTAP2 CBOR) with p256, independently
//! of webauthn-rs: it answers the options the server puts in its pages the way a browser and an
//! authenticator would, as the JSON the page's script posts.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer;
use p256::elliptic_curve::sec1::ToSec1Point;
use rand::RngCore;
use rand::rngs::OsRng;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Authenticator-data flags.
const UP: u8 = 0x01;
const UV: u8 = 0x04;
const BE: u8 = 0x08;
const BS: u8 = 0x10;
const AT: u8 = 0x40;

fn head(major: u8, n: usize) -> Vec<u8> {
    let m = major << 5;
    match n {
        0..=23 => vec![m | n as u8],
        24..=255 => vec![m | 24, n as u8],
        _ => vec![m | 25, (n >> 8) as u8, n as u8],
    }
}

fn cbor_bytes(b: &[u8]) -> Vec<u8> {
    let mut v = head(2, b.len());
    v.extend_from_slice(b);
    v
}

fn cbor_text(s: &str) -> Vec<u8> {
    let mut v = head(3, s.len());
    v.extend_from_slice(s.as_bytes());
    v
}

/// A small signed integer (-24..=23).
fn cbor_int(i: i8) -> Vec<u8> {
    if i >= 0 {
        head(0, i as usize)
    } else {
        head(1, (-1 - i) as usize)
    }
}

fn b64u(b: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

/// One credential of the authenticator.
pub(crate) struct SoftKey {
    secret: p256::SecretKey,
    /// The credential id.
    pub(crate) id: Vec<u8>,
    /// The signature counter (0 forever for a synced passkey, as platforms do).
    pub(crate) counter: u32,
    synced: bool,
}

impl SoftKey {
    /// A new credential: device-bound (`synced` false, counter counting) or synced (backup
    /// eligible and backed up, counter 0).
    pub(crate) fn new(synced: bool) -> Self {
        let secret = loop {
            let mut bytes = [0u8; 32];
            OsRng.fill_bytes(&mut bytes);
            if let Ok(s) = p256::SecretKey::from_slice(&bytes) {
                break s;
            }
        };
        let mut id = vec![0u8; 32];
        OsRng.fill_bytes(&mut id);
        Self {
            secret,
            id,
            counter: 0,
            synced,
        }
    }

    fn flags(&self) -> u8 {
        let mut f = UP | UV;
        if self.synced {
            f |= BE | BS;
        }
        f
    }

    fn cose_key(&self) -> Vec<u8> {
        let point = self.secret.public_key().to_sec1_point(false);
        let (x, y) = (point.x().unwrap(), point.y().unwrap());
        let mut v = head(5, 5);
        v.extend(cbor_int(1)); // kty
        v.extend(cbor_int(2)); // EC2
        v.extend(cbor_int(3)); // alg
        v.extend(cbor_int(-7)); // ES256
        v.extend(cbor_int(-1)); // crv
        v.extend(cbor_int(1)); // P-256
        v.extend(cbor_int(-2)); // x
        v.extend(cbor_bytes(x));
        v.extend(cbor_int(-3)); // y
        v.extend(cbor_bytes(y));
        v
    }

    fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "type": kind,
            "challenge": challenge,
            "origin": origin,
            "crossOrigin": false,
        }))
        .unwrap()
    }

    /// The answer of `navigator.credentials.create(options)` from a page at `origin`.
    pub(crate) fn create(&self, options: &Value, origin: &str) -> String {
        let pk = &options["publicKey"];
        let rp_id = pk["rp"]["id"].as_str().unwrap();
        let challenge = pk["challenge"].as_str().unwrap();
        let client_data = Self::client_data("webauthn.create", challenge, origin);
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(self.flags() | AT);
        auth_data.extend(self.counter.to_be_bytes());
        auth_data.extend([0u8; 16]); // AAGUID: none
        auth_data.extend((self.id.len() as u16).to_be_bytes());
        auth_data.extend(&self.id);
        auth_data.extend(self.cose_key());
        let mut att = head(5, 3);
        att.extend(cbor_text("fmt"));
        att.extend(cbor_text("none"));
        att.extend(cbor_text("attStmt"));
        att.extend(head(5, 0));
        att.extend(cbor_text("authData"));
        att.extend(cbor_bytes(&auth_data));
        json!({
            "id": b64u(&self.id),
            "rawId": b64u(&self.id),
            "type": "public-key",
            "response": {
                "attestationObject": b64u(&att),
                "clientDataJSON": b64u(&client_data),
                "transports": ["usb"],
            },
            "extensions": {},
        })
        .to_string()
    }

    /// The answer of `navigator.credentials.get(options)` from a page at `origin`, signed with
    /// this credential whether or not the options allow it; the counter moves on first
    /// (device-bound keys).
    pub(crate) fn get(&mut self, options: &Value, origin: &str) -> String {
        if !self.synced {
            self.counter += 1;
        }
        let challenge = options["publicKey"]["challenge"].as_str().unwrap();
        let rp_id = options["publicKey"]["rpId"].as_str().unwrap();
        self.assertion(rp_id, challenge, origin, self.counter)
    }

    /// An assertion over `challenge` with an explicit counter.
    pub(crate) fn assertion(
        &self,
        rp_id: &str,
        challenge: &str,
        origin: &str,
        counter: u32,
    ) -> String {
        let client_data = Self::client_data("webauthn.get", challenge, origin);
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(self.flags());
        auth_data.extend(counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client_data));
        let key = p256::ecdsa::SigningKey::from(&self.secret);
        let sig: p256::ecdsa::Signature = key.sign(&signed);
        json!({
            "id": b64u(&self.id),
            "rawId": b64u(&self.id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64u(&auth_data),
                "clientDataJSON": b64u(&client_data),
                "signature": b64u(sig.to_der().as_bytes()),
                "userHandle": null,
            },
            "extensions": {},
        })
        .to_string()
    }
}

/// The options a page carries in its `data-options` attribute (HTML-unescaped, parsed).
pub(crate) fn options_in(html: &str) -> Value {
    let marker = "data-options=\"";
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no passkey options in {html}"))
        + marker.len();
    let end = html[at..].find('"').unwrap() + at;
    let raw = html[at..end]
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    serde_json::from_str(&raw).unwrap_or_else(|e| panic!("options {raw}: {e}"))
}
