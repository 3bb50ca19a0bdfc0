//! Random tokens and how they are stored: only hashes reach the database.
//!
//! Tokens (sessions, email verification, password reset, login challenges) are 256 random bits,
//! so a plain SHA-256 is enough to store them: nothing can be guessed from the hash. Recovery
//! codes are 80 random bits, hashed the same way.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    bytes
}

/// A new token: `prefix` (what it is for, so a leaked one is recognisable) and 256 random bits.
pub fn new_token(prefix: &str) -> String {
    let random = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>());
    format!("{prefix}_{random}")
}

/// What the database keeps of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

const CODE_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A recovery code: four groups of four characters without look-alikes (`abcd-efgh-...`).
pub fn new_recovery_code() -> String {
    let bytes = random_bytes::<16>();
    let mut code = String::with_capacity(19);
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            code.push('-');
        }
        code.push(char::from(
            CODE_ALPHABET[usize::from(*byte) % CODE_ALPHABET.len()],
        ));
    }
    code
}

/// Recovery codes match however they are typed: case, spaces and dashes do not count.
pub fn hash_recovery_code(code: &str) -> String {
    let normalized: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(Sha256::digest(normalized.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_distinct_and_hashed() {
        let a = new_token("xat");
        let b = new_token("xat");
        assert_ne!(a, b);
        assert!(a.starts_with("xat_") && a.len() == 4 + 43, "{a}");
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), hash_token(&b));
    }

    #[test]
    fn recovery_codes_ignore_case_and_dashes() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 19, "{code}");
        assert_eq!(code.matches('-').count(), 3);
        let typed = code.replace('-', " ").to_uppercase();
        assert_eq!(hash_recovery_code(&code), hash_recovery_code(&typed));
        assert_ne!(
            hash_recovery_code(&code),
            hash_recovery_code(&new_recovery_code())
        );
    }
}
