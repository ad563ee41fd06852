//! Password hashing, random tokens and keyed signatures.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = hmac::Hmac<Sha256>;

/// Hashes a password with argon2id (default parameters: 19 MiB, t=2, p=1).
/// Runs on a blocking thread: it costs tens of milliseconds of CPU on purpose.
pub async fn hash_password(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// A valid argon2id hash of a random password, verified against when the
/// e-mail is unknown so that "no such account" and "wrong password" take the
/// same time (no account enumeration by timing).
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$eEcV0cYpd0xg6XJ0ZyXvsDWl9mVkB/V+BmS7xqTs4dU";

/// Verifies a password against a stored hash, or against a dummy hash when
/// there is none. Returns false on any malformed hash.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    let real = hash.is_some();
    let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_string());
    let ok = tokio::task::spawn_blocking(move || {
        Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok()
    })
    .await
    .unwrap_or(false);
    ok && real
}

/// 256 random bits, URL-safe: session cookies and e-mailed links.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database stores instead of a token.
pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// HMAC-SHA256 of `message` under the server secret, hex-encoded.
pub fn sign(secret: &[u8], message: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The value of a trusted-browser cookie: whose, until when (Unix
/// seconds), signed with the server secret so it cannot be made up or
/// moved to another compte.
pub fn trusted_browser_value(secret: &[u8], compte: i64, until: i64) -> String {
    format!("{compte}.{until}.{}", sign(secret, &format!("appareil:{compte}:{until}")))
}

/// Whether `value` is a trusted-browser cookie for `compte`, signed with
/// `secret` and still valid at `now` (Unix seconds).
pub fn trusted_browser_ok(secret: &[u8], value: &str, compte: i64, now: i64) -> bool {
    let mut parts = value.splitn(3, '.');
    let (Some(c), Some(until), Some(mac)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let (Ok(c), Ok(until)) = (c.parse::<i64>(), until.parse::<i64>()) else {
        return false;
    };
    c == compte && until > now && constant_time_eq(mac, &sign(secret, &format!("appareil:{c}:{until}")))
}

/// Compares secrets without leaking where they differ through timing.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trusted_browser_cookie_holds_only_for_its_compte_its_key_and_its_time() {
        let v = trusted_browser_value(b"cle", 7, 1_000);
        assert!(trusted_browser_ok(b"cle", &v, 7, 999));
        assert!(!trusted_browser_ok(b"cle", &v, 7, 1_000), "expired");
        assert!(!trusted_browser_ok(b"cle", &v, 8, 999), "another compte");
        assert!(!trusted_browser_ok(b"autre", &v, 7, 999), "another server key");
        let prolonge = v.replacen("1000", "9999", 1);
        assert!(!trusted_browser_ok(b"cle", &prolonge, 7, 999), "a date pushed back by hand");
        for bad in ["", "7", "7.1000", "x.1000.ab", "7.y.ab", "7.1000.", "..", "7.1000.zz.zz"] {
            assert!(!trusted_browser_ok(b"cle", bad, 7, 999), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("cheval-agrafe-batterie-42".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("cheval-agrafe-batterie-42".into(), Some(hash.clone())).await);
        assert!(!verify_password("cheval-agrafe-batterie-43".into(), Some(hash)).await);
        assert!(!verify_password("x".into(), None).await);
        assert!(!verify_password("x".into(), Some("not a hash".into())).await);
    }

    #[test]
    fn the_dummy_hash_is_a_real_argon2id_hash() {
        assert!(
            Argon2::default()
                .verify_password(b"nothing", DUMMY_HASH)
                .is_err_and(|e| e.to_string().contains("invalid password"))
                || argon2::password_hash::phc::PasswordHash::new(DUMMY_HASH).is_ok()
        );
    }

    #[test]
    fn tokens_are_random_and_signatures_keyed() {
        assert_ne!(random_token(), random_token());
        assert_eq!(random_token().len(), 43);
        assert_eq!(sign(b"k", "m"), sign(b"k", "m"));
        assert_ne!(sign(b"k", "m"), sign(b"k2", "m"));
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
        assert_eq!(sha256_hex("a").len(), 64);
    }
}
