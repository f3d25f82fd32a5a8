//! The captures the simulator's answers are built from, embedded so the
//! binary is self-contained. Real captures come from
//! `adapters/tests/fixtures/<platform>/`; files under `synth/` are the
//! project's hand-written imitations (used where no capture exists). See
//! each folder's README for provenance and licences.

macro_rules! fixture {
    ($name:ident, $path:literal) => {
        pub const $name: &str = include_str!(concat!("../../adapters/tests/fixtures/", $path));
    };
}
macro_rules! fixture_bytes {
    ($name:ident, $path:literal) => {
        pub const $name: &[u8] = include_bytes!(concat!("../../adapters/tests/fixtures/", $path));
    };
}

// Weibo: real (nonebot-bison, 2021/2022).
fixture!(WEIBO_TIMELINE, "weibo/m_getIndex_107603_timeline_pinned_retweet.json");
fixture!(WEIBO_PROFILE, "weibo/m_getIndex_type_uid_profile_verified.json");
fixture!(WEIBO_NO_CONTENT, "weibo/m_getIndex_error_no_content.json");
// Weibo: synthesized shapes.
fixture!(WEIBO_SEARCH, "weibo/synth/search_users_result.json");
fixture!(WEIBO_BANNED, "weibo/synth/ok0_account_banned.json");
// Weibo's structured "user does not exist" (errno 20003): the only word the
// adapter takes for an account that is gone.
fixture!(WEIBO_USER_MISSING, "weibo/synth/ok0_user_does_not_exist_errno.json");
fixture!(WEIBO_MINUS_100, "weibo/synth/ok_minus_100.json");
fixture!(WEIBO_CAPTCHA_PAGE, "weibo/synth/captcha_page_200.html");
fixture!(WEIBO_VISITOR_PAGE, "weibo/synth/visitor_system_page_200.html");
fixture!(WEIBO_GENVISITOR, "weibo/synth/genvisitor2_response.js");
fixture!(NGINX_403, "weibo/synth/http_403_forbidden.html");
fixture!(WEIBO_432, "weibo/synth/http_432_body.html");

// WeChat: real (wechat-article-exporter 2025, WechatSogou 2017).
fixture!(WECHAT_ARTICLE_HEADER, "wechat/article_2025_excerpt_header.html");
fixture!(WECHAT_ARTICLE_SCRIPT, "wechat/article_2025_excerpt_meta_script_block.html");
fixture!(WECHAT_ARTICLE_DELETED, "wechat/article_deleted_by_author.html");
fixture!(SOGOU_SEARCH, "wechat/sogou_weixin_search_type1_accounts_2017.html");
fixture!(SOGOU_ANTISPIDER, "wechat/sogou_weixin_antispider_page_2017.html");
// WeChat: synthesized.
fixture!(SOGOU_NO_RESULT, "wechat/synth/sogou_weixin_search_no_result.html");
fixture!(WECHAT_WAF, "wechat/synth/article_waf_environment_abnormal.html");

// Feeds: synthesized (RSSHub shapes).
fixture!(FEED_RSSHUB_ERROR, "feed/synth/rsshub_error_page_upstream_403.html");
fixture!(FEED_LOGIN_PAGE, "feed/synth/feed_service_login_page_200.html");

// Portals: synthesized (no capture exists yet); GBK bytes.
fixture_bytes!(PORTAL_HOME_GBK, "portal/synth/home_gbk_with_notice.html");
fixture_bytes!(PORTAL_NOTICE_GBK, "portal/synth/notice_page_gbk.html");
fixture_bytes!(PORTAL_MAINTENANCE_GBK, "portal/synth/maintenance_title_gbk_200.html");
fixture!(PORTAL_WAF_CHUANGYU, "portal/synth/waf_chuangyu_block_200.html");

// Bilibili: real (nonebot-bison 2024/2025).
fixture!(BILI_DYNAMICS, "bilibili/x_polymer_web-dynamic_feed_space_pinned_forward.json");
fixture!(BILI_MASTER_INFO, "bilibili/live_user_v1_Master_info_official_verify.json");
// Bilibili: synthesized.
fixture!(BILI_NAV, "bilibili/synth/nav_logged_out_wbi_keys.json");
fixture!(BILI_SPI, "bilibili/synth/finger_spi.json");
fixture!(BILI_ACC_INFO, "bilibili/synth/acc_info_gov.json");
fixture!(BILI_ACC_NOT_FOUND, "bilibili/synth/acc_info_not_found.json");
fixture!(BILI_ACC_SILENCE, "bilibili/synth/acc_info_silence.json");
fixture!(BILI_MASTER_EMPTY, "bilibili/synth/master_info_empty.json");
fixture!(BILI_SEARCH, "bilibili/synth/search_bili_user.json");
fixture!(BILI_SEARCH_EMPTY, "bilibili/synth/search_no_result.json");
fixture!(BILI_RISK_352, "bilibili/synth/risk_control_352.json");
fixture!(BILI_INTERCEPTED_412, "bilibili/synth/intercepted_412.json");

/// The GBK portal templates as text (they declare gb2312 in `<meta>`).
pub fn gbk_text(bytes: &[u8]) -> String {
    encoding_rs::GBK.decode(bytes).0.into_owned()
}
