//! Account links → (platform, id), in the forms people paste them.

use xunjian::adapters::model::Platform;
use xunjian::registry::platform_id_from_link;

#[test]
fn each_platform_link_form_gives_its_id() {
    let cases: &[(&str, Platform, &str)] = &[
        ("https://weibo.com/u/6279793937", Platform::Weibo, "6279793937"),
        ("weibo.com/u/6279793937?refer_flag=1001030103_", Platform::Weibo, "6279793937"),
        ("http://www.weibo.com/u/6279793937/home", Platform::Weibo, "6279793937"),
        ("https://m.weibo.cn/u/6279793937?uid=6279793937&luicode=10000011", Platform::Weibo, "6279793937"),
        ("m.weibo.cn/profile/6279793937", Platform::Weibo, "6279793937"),
        ("https://weibo.com/6279793937", Platform::Weibo, "6279793937"),
        ("https://weibo.com/p/1005056279793937/home", Platform::Weibo, "6279793937"),
        (
            "https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzA3NjE2MDAyMA==&scene=124#wechat_redirect",
            Platform::Wechat,
            "MzA3NjE2MDAyMA==",
        ),
        ("mp.weixin.qq.com/s?__biz=MzA3NjE2MDAyMA%3D%3D&mid=2650&idx=1", Platform::Wechat, "MzA3NjE2MDAyMA=="),
        ("https://mp.weixin.qq.com/s?__biz=MzA+NjE2MDAyMA==&mid=1", Platform::Wechat, "MzA+NjE2MDAyMA=="),
        (
            "https://www.douyin.com/user/MS4wLjABAAAAv7iSuuXDJVDvJuxxk-sample_ID?from_tab_name=main",
            Platform::Douyin,
            "MS4wLjABAAAAv7iSuuXDJVDvJuxxk-sample_ID",
        ),
        ("douyin.com/user/MS4wLjABAAAAxyz", Platform::Douyin, "MS4wLjABAAAAxyz"),
        ("https://www.iesdouyin.com/share/user/MS4wLjABAAAAxyz?sec_uid=1", Platform::Douyin, "MS4wLjABAAAAxyz"),
        (
            "https://www.toutiao.com/c/user/token/MS4wLjABAAAAtoken/?source=profile",
            Platform::Toutiao,
            "MS4wLjABAAAAtoken",
        ),
        ("https://space.bilibili.com/1234567/dynamic", Platform::Bilibili, "1234567"),
        ("space.bilibili.com/1234567?spm_id_from=333", Platform::Bilibili, "1234567"),
        ("https://m.bilibili.com/space/1234567", Platform::Bilibili, "1234567"),
        ("https://www.kuaishou.com/profile/3xabcdef123456", Platform::Kuaishou, "3xabcdef123456"),
        ("live.kuaishou.com/profile/3xabcdef123456", Platform::Kuaishou, "3xabcdef123456"),
        (
            "https://www.xiaohongshu.com/user/profile/5F0123456789ABCDEF012345?xsec_token=x",
            Platform::Xiaohongshu,
            "5f0123456789abcdef012345",
        ),
    ];
    for (link, platform, id) in cases {
        assert_eq!(platform_id_from_link(link), Ok((*platform, id.to_string())), "{link}");
    }
}

#[test]
fn links_that_name_no_account_say_what_to_give_instead() {
    let cases: &[(&str, &str)] = &[
        ("https://weibo.com/ankangfabu", "数字 UID"),
        ("weibo.com/n/安康发布", "数字 UID"),
        ("https://mp.weixin.qq.com/s/AbCdEfGh", "__biz"),
        ("https://v.douyin.com/iRNBho6/", "短链接"),
        ("https://b23.tv/abc123", "短链接"),
        ("https://www.douyin.com/user/self", "我的主页"),
        ("https://www.toutiao.com/c/user/50502346173/", "token"),
        ("https://www.ankang.gov.cn/", "不是可识别的账号主页链接"),
        ("安康发布", "不是有效的网址"),
        ("ftp://weibo.com/u/1", "不是有效的网址"),
        ("", "链接为空"),
    ];
    for (link, hint) in cases {
        match platform_id_from_link(link) {
            Err(why) => assert!(why.contains(hint), "{link}: {why}"),
            Ok(got) => panic!("{link} should not parse, got {got:?}"),
        }
    }
}
