//! What a username and an email address may be, and the keys they are compared by.
//!
//! Usernames are ASCII letters, digits, `_` and `-` (3 to 32, starting with a letter or a
//! digit): nothing that looks like SQL, markup or a path, and no Unicode look-alikes. Two
//! usernames that differ only in case or in characters that look alike (`0`/`o`, `1`/`l`/`i`,
//! `_`/`-`) are the same account: the unique key is that folded form, so `Admin`, `adm1n` and
//! `ADMlN` cannot coexist, and any of them finds the account at login.

use crate::error::ServiceError;

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const EMAIL_MAX: usize = 254;

/// Names nobody registers (the first admin may still be `admin`).
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "system",
    "support",
    "api",
    "me",
    "xcode",
    "moderator",
    "staff",
    "null",
    "undefined",
];

pub fn validate_username(username: &str) -> Result<(), ServiceError> {
    let length = username.chars().count();
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&length) {
        return Err(ServiceError::invalid(format!(
            "username: {USERNAME_MIN} to {USERNAME_MAX} characters"
        )));
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(ServiceError::invalid(
            "username: only ASCII letters, digits, '_' and '-'",
        ));
    }
    if !username.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(ServiceError::invalid(
            "username: must start with a letter or a digit",
        ));
    }
    let key = username_key(username);
    if RESERVED
        .iter()
        .any(|reserved| username_key(reserved) == key)
    {
        return Err(ServiceError::invalid("username: reserved"));
    }
    Ok(())
}

/// The folded form usernames are unique by.
pub fn username_key(username: &str) -> String {
    username
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            '0' => 'o',
            '1' | 'i' => 'l',
            '_' => '-',
            other => other,
        })
        .collect()
}

/// A plain address `local@domain.tld`: ASCII, at most 254 characters.
pub fn validate_email(email: &str) -> Result<(), ServiceError> {
    let invalid = || ServiceError::invalid("email: not a valid address");
    if email.len() > EMAIL_MAX || !email.is_ascii() {
        return Err(invalid());
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let local_ok = (1..=64).contains(&local.len())
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    if local_ok && domain_ok {
        Ok(())
    } else {
        Err(invalid())
    }
}

pub fn email_key(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        for good in ["ada", "Ada_Lovelace", "x-1", "abc", &"a".repeat(32)] {
            assert!(validate_username(good).is_ok(), "{good}");
        }
        for bad in [
            "ab",
            &"a".repeat(33),
            "_ada",
            "ada lovelace",
            "ada'; DROP TABLE users; --",
            "Robert'); --",
            "аdmin", // Cyrillic а
            "ada\u{200b}",
            "ädä",
            "../etc",
            "<script>",
            "Admin",
            "adm1n",
            "ROOT",
        ] {
            assert!(validate_username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn look_alike_usernames_share_a_key() {
        assert_eq!(username_key("Ada_L"), username_key("ada-l"));
        assert_eq!(username_key("b0b"), username_key("BOB"));
        assert_eq!(username_key("bill"), username_key("b1ll"));
        assert_eq!(username_key("bill"), username_key("BILL"));
        assert_ne!(username_key("bob"), username_key("rob"));
    }

    #[test]
    fn emails() {
        for good in [
            "a@b.co",
            "ada.lovelace+xcode@example.com",
            "x_y@mail.example.org",
        ] {
            assert!(validate_email(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "ada@exa mple.com",
            "a..b@example.com",
            ".a@example.com",
            "ada@-example.com",
            "ada@example.c0m",
            "ádá@example.com",
            "ada@example.com\n",
            &format!("{}@example.com", "a".repeat(65)),
            &format!("a@{}.com", "b".repeat(250)),
        ] {
            assert!(validate_email(bad).is_err(), "{bad:?}");
        }
        assert_eq!(email_key("Ada@Example.COM"), "ada@example.com");
    }
}
