//! Simulated WeChat people: one stable person id (`alice`) per human, an openid per app, a unionid
//! per open-platform account, and a profile, all derived deterministically from the ids so runs
//! are reproducible and the gateway can be checked against fixed expectations.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The persons the login pages offer by default (any other id can be typed in).
pub const DEFAULT_PERSONS: &[&str] = &["alice", "bob", "carol", "dave", "erin"];

const NICKNAMES: &[&str] = &["小明", "阿花", "Leo", "晴天", "老王", "Mia", "橙子", "Kai"];
const CITIES: &[(&str, &str)] = &[
    ("Guangdong", "Shenzhen"),
    ("Beijing", "Beijing"),
    ("Shanghai", "Shanghai"),
    ("Zhejiang", "Hangzhou"),
    ("Sichuan", "Chengdu"),
];

fn digest(parts: &[&str]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hasher.finalize().into()
}

const ID_CHARSET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `prefix` followed by `len` URL-safe characters derived from `parts`.
fn derived_id(prefix: &str, parts: &[&str], len: usize) -> String {
    let bytes = digest(parts);
    let body: String = bytes
        .iter()
        .cycle()
        .take(len)
        .map(|b| ID_CHARSET[usize::from(*b) % ID_CHARSET.len()] as char)
        .collect();
    format!("{prefix}{body}")
}

/// The person's openid in app `app_id` (28 characters starting with `o`, like live openids).
pub fn openid(app_id: &str, person: &str) -> String {
    derived_id("o", &["openid", app_id, person], 27)
}

/// The person's unionid under open-platform account `open_platform` (28 characters).
pub fn unionid(open_platform: &str, person: &str) -> String {
    derived_id("o", &["unionid", open_platform, person], 27)
}

/// The openid a corp sees for a non-member WeChat user (WeCom OAuth non-member path).
pub fn corp_openid(corp_id: &str, person: &str) -> String {
    derived_id("o", &["corp-openid", corp_id, person], 27)
}

/// The external_userid a corp sees for a non-member (`wm…`).
pub fn external_userid(corp_id: &str, person: &str) -> String {
    derived_id("wm", &["external", corp_id, person], 30)
}

/// A simulated phone number for the person (for `getPhoneNumber` open data).
pub fn phone_number(person: &str) -> String {
    let bytes = digest(&["phone", person]);
    let digits: String = bytes
        .iter()
        .take(8)
        .map(|b| char::from(b'0' + b % 10))
        .collect();
    format!("138{digits}")
}

/// The person's profile: nickname, sex (number: 1 male, 2 female), place and avatar URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Nickname.
    pub nickname: String,
    /// 1 male, 2 female.
    pub sex: u8,
    /// Province.
    pub province: String,
    /// City.
    pub city: String,
    /// Country.
    pub country: String,
    /// Avatar URL.
    pub headimgurl: String,
}

/// The profile of `person`, derived from the id.
pub fn profile(person: &str) -> Profile {
    let bytes = digest(&["profile", person]);
    let (province, city) = CITIES[usize::from(bytes[2]) % CITIES.len()];
    Profile {
        nickname: format!(
            "{}-{person}",
            NICKNAMES[usize::from(bytes[0]) % NICKNAMES.len()]
        ),
        sex: 1 + bytes[1] % 2,
        province: province.to_owned(),
        city: city.to_owned(),
        country: "China".to_owned(),
        headimgurl: format!(
            "https://thirdwx.qlogo.cn/mmopen/vi_32/{}/132",
            derived_id("", &["avatar", person], 40)
        ),
    }
}

/// `sns/userinfo`'s body for `person` seen from an app (`unionid` only with an open platform).
pub fn sns_userinfo(app_id: &str, open_platform: Option<&str>, person: &str) -> Value {
    let p = profile(person);
    let mut body = json!({
        "openid": openid(app_id, person),
        "nickname": p.nickname,
        "sex": p.sex,
        "province": p.province,
        "city": p.city,
        "country": p.country,
        "headimgurl": p.headimgurl,
        "privilege": [],
    });
    if let Some(platform) = open_platform {
        body["unionid"] = json!(unionid(platform, person));
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_per_app_and_platform() {
        assert_eq!(openid("wxa", "alice"), openid("wxa", "alice"));
        assert_ne!(openid("wxa", "alice"), openid("wxb", "alice"));
        assert_ne!(openid("wxa", "alice"), openid("wxa", "bob"));
        assert_eq!(openid("wxa", "alice").len(), 28);
        assert!(openid("wxa", "alice").starts_with('o'));
        assert_ne!(unionid("p1", "alice"), unionid("p2", "alice"));
        assert!(external_userid("ww", "alice").starts_with("wm"));
        assert_eq!(phone_number("alice").len(), 11);
        let p = profile("alice");
        assert!(p.sex == 1 || p.sex == 2);
        assert_eq!(p, profile("alice"));
        let body = sns_userinfo("wxa", None, "alice");
        assert!(body.get("unionid").is_none());
        assert!(body["sex"].is_u64());
    }
}
