//! One struct per form, with its shape checks (messages in Chinese). The
//! `csrf` field every form carries is checked by the session layer.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub next: String,
    #[serde(default)]
    pub csrf: String,
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    pub current: String,
    pub new: String,
    pub confirm: String,
}

#[derive(Debug, Deserialize)]
pub struct DismissForm {
    #[serde(default)]
    pub reason: String,
}

impl DismissForm {
    pub fn validate(&self) -> Result<&str, String> {
        let r = self.reason.trim();
        if r.chars().count() < 4 {
            return Err("请写明忽略的理由（至少 4 个字），它会记入问题的处理记录".to_string());
        }
        if r.chars().count() > 500 {
            return Err("理由太长，请控制在 500 字以内".to_string());
        }
        Ok(r)
    }
}

#[derive(Debug, Deserialize)]
pub struct RectifyForm {
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub link: String,
}

impl RectifyForm {
    /// The 整改说明 and the optional link.
    pub fn validate(&self) -> Result<(&str, Option<&str>), String> {
        let note = self.note.trim();
        if note.chars().count() < 4 {
            return Err("请填写整改说明（至少 4 个字）：做了什么、何时完成".to_string());
        }
        if note.chars().count() > 1000 {
            return Err("整改说明太长，请控制在 1000 字以内".to_string());
        }
        let link = self.link.trim();
        if link.is_empty() {
            return Ok((note, None));
        }
        match url::Url::parse(link) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && link.len() <= 2000 => Ok((note, Some(link))),
            _ => Err("佐证链接应是以 http:// 或 https:// 开头的网址，也可以不填".to_string()),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct MarkForm {
    #[serde(default)]
    pub mark: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    /// A unit operator's 主办单位, one per line, exactly as in the registry.
    #[serde(default)]
    pub units: String,
}

/// A new user's fields, checked.
pub struct ValidNewUser {
    pub username: String,
    pub display_name: String,
    pub role: crate::store::Role,
    pub scope: crate::store::UserScope,
}

impl NewUserForm {
    /// The same rules as `xunjian users add`.
    pub fn validate(&self) -> Result<ValidNewUser, String> {
        use crate::store::{Role, UserScope};
        let username = self.username.trim();
        let ok = (1..=64).contains(&username.len())
            && username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !ok {
            return Err(format!("用户名「{username}」不可用：只能使用字母、数字和 . _ -，最长 64 个字符"));
        }
        let role = Role::from_code(self.role.trim()).ok_or("请选择角色")?;
        let display_name = self.display_name.trim();
        if display_name.chars().count() > 50 || display_name.chars().any(char::is_control) {
            return Err("姓名最长 50 个字，不能有换行".to_string());
        }
        let units: Vec<String> = self.units.lines().map(|u| u.trim().to_string()).filter(|u| !u.is_empty()).collect();
        if role == Role::Unit && units.is_empty() {
            return Err("单位运维人员须填写可见的主办单位（与台账“主办单位”完全一致，每行一个），否则什么也看不到".to_string());
        }
        if role != Role::Unit && !units.is_empty() {
            return Err("只有单位运维人员才需要填写主办单位；其他角色可以查看全部账号".to_string());
        }
        Ok(ValidNewUser {
            username: username.to_string(),
            display_name: if display_name.is_empty() { username.to_string() } else { display_name.to_string() },
            role,
            scope: UserScope { units, account_ids: Vec::new() },
        })
    }
}

/// Query strings of the lists: every field optional, empty = no filter.
/// The page number of a list (1 when absent or not a number).
pub fn page_number(page: &str) -> i64 {
    page.trim().parse::<i64>().ok().filter(|p| *p >= 1).unwrap_or(1).min(100_000)
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub page: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct FindingListQuery {
    #[serde(default)]
    pub rule: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub page: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_need_words_and_links_must_be_web_addresses() {
        assert!(DismissForm { reason: " 误报 ".into() }.validate().is_err());
        assert_eq!(DismissForm { reason: " 本单位工作人员账号 ".into() }.validate().unwrap(), "本单位工作人员账号");
        let ok = RectifyForm { note: "已恢复每日更新".into(), link: "https://m.weibo.cn/u/1".into() };
        assert_eq!(ok.validate().unwrap(), ("已恢复每日更新", Some("https://m.weibo.cn/u/1")));
        let js = RectifyForm { note: "已恢复每日更新".into(), link: "javascript:alert(1)".into() };
        assert!(js.validate().unwrap_err().contains("http"));
        let none = RectifyForm { note: "已恢复每日更新".into(), link: " ".into() };
        assert_eq!(none.validate().unwrap().1, None);
    }
}
