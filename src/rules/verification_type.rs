//! What a platform's verification type code says about who is verified.
//!
//! One definition for every rule that reads it: the impostor score (a
//! personally verified look-alike is no organisation's account) and the
//! verification rule (a person's verification is not the unit's, whatever
//! its reason text names).

use xunjian_adapters::model::Platform;

/// Verification types that mean a person, per platform (platforms.md):
/// Weibo `verified_type` 0 (orange/yellow V), 10 (微博女郎), 200 / 220 (达人);
/// Bilibili `official.role` 1, 2, 7, 9 (UP主, 大V, 高能主播, 社会知名人士).
/// Other platforms' codes are not known: they are never taken for a person
/// (so nothing is called personal on a guess).
pub(crate) fn personal_verification(platform: Platform, verified_type: Option<&str>) -> bool {
    let Some(t) = verified_type.map(str::trim) else {
        return false;
    };
    match platform {
        Platform::Weibo => matches!(t, "0" | "10" | "200" | "220"),
        Platform::Bilibili => matches!(t, "1" | "2" | "7" | "9"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_codes_per_platform() {
        assert!(personal_verification(Platform::Weibo, Some("0")));
        assert!(personal_verification(Platform::Weibo, Some(" 220 ")));
        assert!(!personal_verification(Platform::Weibo, Some("1")), "Weibo 1 is government");
        assert!(personal_verification(Platform::Bilibili, Some("1")), "Bilibili 1 is an UP主");
        assert!(!personal_verification(Platform::Douyin, Some("0")), "unknown codes are no person");
        assert!(!personal_verification(Platform::Weibo, None));
    }
}
