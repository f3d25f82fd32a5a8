//! Passwords (argon2id) and random tokens (the operating system's CSPRNG).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// The shortest password the console and `users` accept.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // Without an entropy source nothing here can be secure: stop.
    getrandom::fill(&mut b).expect("the operating system's random source failed");
    b
}

/// A new session or CSRF token: 32 random bytes, hex.
pub fn new_token() -> String {
    hex::encode(random_bytes::<32>())
}

/// A new API token (`xjt_` and 32 random bytes, hex), what the store keeps
/// of it (SHA-256), and its first characters for lists. The token is shown
/// to its holder once.
pub fn new_api_token() -> (String, String, String) {
    let token = format!("xjt_{}", hex::encode(random_bytes::<32>()));
    let digest = token_digest(&token);
    let prefix = token[..12].to_string();
    (token, digest, prefix)
}

/// An API token's name (which system uses it), trimmed, or why not.
pub fn api_token_name(name: &str) -> Result<&str, String> {
    let n = name.trim();
    match n.chars().count() {
        0 => Err("请给令牌起个名字，写明哪个系统使用它（例如：办公平台对接）".to_string()),
        1..=60 => Ok(n),
        _ => Err("令牌名称太长，请控制在 60 字以内".to_string()),
    }
}

/// What the store keeps of a session token.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// An argon2id PHC string (argon2's defaults: 19 MiB, 2 passes, 1 lane).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("16 bytes is a valid salt");
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 with default parameters").to_string()
}

/// Whether `password` matches `phc`. A malformed stored hash matches nothing.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Spends the time a real verification costs, for a user name that does
/// not exist: the answer's timing does not tell which names do.
pub fn verify_dummy(password: &str) {
    static DUMMY: LazyLock<String> = LazyLock::new(|| hash_password("not a password of anyone"));
    let _ = verify_password(password, &DUMMY);
}

/// A one-time password for a new user or a reset: 14 characters from an
/// alphabet without look-alikes (no 0/O, 1/l/I), about 70 bits.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::new();
    while out.len() < 14 {
        for b in random_bytes::<32>() {
            // Rejection sampling: no bias towards the first characters.
            let limit = 256 - 256 % ALPHABET.len();
            if (b as usize) < limit && out.len() < 14 {
                out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            }
        }
    }
    out
}

/// Why a new password is not accepted, in Chinese; `None` when it is.
pub fn password_problem(password: &str, username: &str) -> Option<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Some(format!("密码至少需要 {MIN_PASSWORD_CHARS} 个字符"));
    }
    if password.trim() != password {
        return Some("密码首尾不能有空格".to_string());
    }
    if password.to_lowercase().contains(&username.to_lowercase()) && !username.is_empty() {
        return Some("密码不能包含用户名".to_string());
    }
    None
}

/// Equality that takes the same time wherever the strings differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify_only_their_password() {
        let h = hash_password("正确的密码 horse battery");
        assert!(h.starts_with("$argon2id$v=19$"), "{h}");
        assert!(verify_password("正确的密码 horse battery", &h));
        assert!(!verify_password("正确的密码 horse batterY", &h));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(h, hash_password("正确的密码 horse battery"), "salted");
    }

    #[test]
    fn tokens_and_one_time_passwords_are_random_and_readable() {
        assert_ne!(new_token(), new_token());
        assert_eq!(new_token().len(), 64);
        let p = one_time_password();
        assert_eq!(p.chars().count(), 14);
        assert!(p.chars().all(|c| c.is_ascii_alphanumeric() && !"0O1lI".contains(c)), "{p}");
        assert!(password_problem(&p, "zhangsan").is_none());
        assert!(password_problem("short", "x").unwrap().contains("至少"));
        assert!(password_problem("zhangsan-2026!", "zhangsan").unwrap().contains("用户名"));
        assert!(constant_time_eq("abc", "abc") && !constant_time_eq("abc", "abd") && !constant_time_eq("abc", "ab"));
    }
}
