//! The `sub` a client sees (OIDC Core §8): the account's random, stable subject, or a pairwise
//! value per sector so that clients of different organisations cannot join their users.

use sha2::{Digest, Sha256};

use super::client::{Client, SubjectType};

/// The `sub` of an account for a client.
pub fn for_client(client: &Client, account_subject: &str) -> String {
    match &client.subject_type {
        SubjectType::Public => account_subject.to_owned(),
        SubjectType::Pairwise(sector) => pairwise(sector, account_subject),
    }
}

/// OIDC Core §8.1: a hash of the sector and the local identifier. The local subject is itself
/// random and never shown to pairwise clients, so it plays the role of the salt.
pub fn pairwise(sector: &str, account_subject: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"habilis-pairwise-v1\0");
    h.update(sector.as_bytes());
    h.update(b"\0");
    h.update(account_subject.as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_subjects_differ_by_sector_and_are_stable() {
        let a = pairwise("cdap.caf.fr", "0123abcd");
        assert_eq!(a, pairwise("cdap.caf.fr", "0123abcd"));
        assert_ne!(a, pairwise("monenfant.fr", "0123abcd"));
        assert_ne!(a, pairwise("cdap.caf.fr", "0123abce"));
        assert_eq!(a.len(), 64);
        assert!(!a.contains("0123abcd"));
    }
}
