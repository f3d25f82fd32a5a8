//! The "关于公众号" page (`mp.weixin.qq.com/mp/aboutbiz?__biz=…`): 微信号,
//! 认证类型, 认证主体 and the authorised third-party services, as
//! `.item-title` / `.item-desc` pairs.
//!
//! Fetching the page needs the `x-wechat-uin` / `x-wechat-key` headers of a
//! WeChat client, so the adapter does not fetch it; the parser reads a
//! page saved from a client (`debug parse wechat about FILE`).

use crate::feed::response::{
    ResponseMeta, classify_status, empty_body, looks_like_refusal_page, refusal_in_page, title_suffix,
};
use crate::outcome::FetchFailure;
use crate::text::decode_body;
use scraper::{Html, Selector};
use serde::Serialize;
use std::sync::LazyLock;

/// What the page shows about the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct AboutBiz {
    /// 公众号简介 / 服务号简介.
    pub description: Option<String>,
    /// 微信号.
    pub wechat_id: Option<String>,
    /// 认证类型 (e.g. 其他组织, 政府), or 账号类型 / 主体类型.
    pub verification_type: Option<String>,
    /// 认证主体, or 账号主体 for an account that is not verified.
    pub entity: Option<String>,
    /// The label the entity stood under: `认证主体` means verified.
    pub entity_label: Option<String>,
    /// `Some(true)` under 认证主体 / 认证类型; `None` otherwise (账号主体
    /// alone is not known to mean "unverified": no capture shows it).
    pub verified: Option<bool>,
    pub ip_location: Option<String>,
    /// 授权第三方服务.
    pub third_party_services: Vec<String>,
}

pub fn parse_about(body: &[u8], url: &str) -> Result<AboutBiz, FetchFailure> {
    parse_about_response(&ResponseMeta::OK, body, url)
}

pub fn parse_about_response(meta: &ResponseMeta, body: &[u8], url: &str) -> Result<AboutBiz, FetchFailure> {
    static ITEM: LazyLock<Selector> = LazyLock::new(|| Selector::parse(".item-info").unwrap());
    static TITLE: LazyLock<Selector> = LazyLock::new(|| Selector::parse(".item-title").unwrap());
    static DESC: LazyLock<Selector> = LazyLock::new(|| Selector::parse(".item-desc").unwrap());
    static THIRD: LazyLock<Selector> = LazyLock::new(|| Selector::parse("p.principal-data").unwrap());
    let (text, _) = decode_body(body, meta.content_type);
    classify_status(meta, &text, url, "关于公众号 page")?;
    if let Some(f) = empty_body(meta, &text, url) {
        return Err(f);
    }
    if !text.contains("item-title") {
        if let Some(f) = super::wechat_refusal(&text, meta.status, url) {
            return Err(f);
        }
        if looks_like_refusal_page(&text)
            && let Some(f) = refusal_in_page(&text, meta.status, url)
        {
            return Err(f);
        }
        return Err(FetchFailure::parse(url, ".item-info", format!("not a 关于公众号 page{}", title_suffix(&text))));
    }
    let collapse = |s: String| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let doc = Html::parse_document(&text);
    let mut about = AboutBiz::default();
    for item in doc.select(&ITEM) {
        let Some(title) = item.select(&TITLE).next().map(|t| collapse(t.text().collect())) else { continue };
        let Some(desc_el) = item.select(&DESC).next() else { continue };
        let desc = Some(collapse(desc_el.text().collect())).filter(|d| !d.is_empty());
        match title.as_str() {
            "公众号简介" | "服务号简介" | "简介" => about.description = desc,
            "微信号" => about.wechat_id = desc,
            "认证类型" => {
                about.verification_type = desc;
                about.verified = Some(true);
            }
            "账号类型" | "主体类型" => about.verification_type = about.verification_type.take().or(desc),
            "认证主体" | "账号主体" => {
                if title == "认证主体" {
                    about.verified = Some(true);
                }
                about.entity = desc;
                about.entity_label = Some(title.clone());
            }
            t if t.starts_with("IP属地") => about.ip_location = desc,
            "授权第三方服务" => {
                about.third_party_services =
                    desc_el.select(&THIRD).map(|p| collapse(p.text().collect())).filter(|s| !s.is_empty()).collect();
            }
            _ => {}
        }
    }
    if about.wechat_id.is_none() && about.entity.is_none() && about.description.is_none() {
        return Err(FetchFailure::parse(url, ".item-info", "a 关于公众号 page with none of 简介, 微信号, 主体"));
    }
    Ok(about)
}
