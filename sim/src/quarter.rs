//! The labelled quarter: a scripted world of more than 200 registered
//! accounts over 2026年第三季度 (plus the National Day holiday and its 调休
//! Saturday, to 2026-10-14 noon), in which every rule is broken and kept just
//! around its threshold, with the findings a correct checker must report
//! written down beside it.
//!
//! The thresholds are those of the baoji profile (《宝鸡市政府系统政务新媒体
//! 管理办法》) with the repost rule of 六安 switched on (60 minutes; WeChat one
//! working day), which is how the test configures xunjian:
//!
//! | rule | threshold | cases around it |
//! |---|---|---|
//! | zombie | silent > 14 days (warning > 11) | 10.5, 13, 15 days and silent to the end |
//! | weekly_original | one original per natural week | only reposts for a week; the week's one original on Sunday 23:50 vs Monday 00:10 |
//! | repost_delay | 60 minutes; WeChat one working day | 59, 60, 61 minutes, never; WeChat across 中秋, 国庆 and the 调休 Saturday 10-10 |
//! | closing_notice | pinned ≥ 30 days before closing | 40, 31, 29 days; pinned then unpinned; none |
//! | vanished | two answers "gone" | user not found; banned |
//! | interaction | comments closed on 3 of the latest 5 (1–2: warning) | 5 of 5 vs 2 of 5 closed |
//! | verification | verified, naming the owner unit | unverified; verified to a company |
//! | naming | name as registered | renamed on the platform |
//! | impostor | score ≥ 0.9 | traditional script, decorations, region shorthand; unrelated look-alikes |
//! | one_per_platform | one per unit and platform | two accounts; two with 允许多账号 |
//! | unregistered | verified to our unit, not filed | a traffic-police account of 岐山县公安局 |
//! | opening_notice | portal prominent 30 days, superior post | kept; removed on day 18; not prominent; none |
//! | law 1 (no label) | lies are "could not check" | another account's data, page 1 only pinned, a stale relay, an empty feed, the portal in maintenance, each for 1–3 weeks |
//!
//! Every other account behaves: posts an original every day or two, reposts
//! every key item of the source accounts on its platform within 5–45
//! minutes (WeChat: the same evening), is verified under its owner unit,
//! keeps comments open. The labels for the cases are derived from the
//! script by [`Quarter::labels`], which reads the world with the
//! regulations' plain meaning — not with xunjian's code.

use crate::model::*;
use crate::util::Rng;
use chrono::{DateTime, Datelike, Days, NaiveDate, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Asia::Shanghai;
use serde::Serialize;
use std::collections::BTreeSet;

/// `y-m-d h:mi` in Asia/Shanghai.
pub fn cst(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Shanghai.with_ymd_and_hms(y, m, d, h, mi, 0).single().expect("valid local time").with_timezone(&Utc)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn local_midnight(d: NaiveDate) -> DateTime<Utc> {
    cst(d.year(), d.month(), d.day(), 0, 0)
}

fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Shanghai).date_naive()
}

/// One row of the registry (台账) the office would keep.
#[derive(Debug, Clone, Serialize)]
pub struct RegistryRow {
    pub name: String,
    pub platform: SimPlatform,
    pub id: String,
    pub owner_unit: String,
    pub supervising_unit: String,
    pub region: String,
    pub contact: String,
    pub email: String,
    /// 正常 / 新开通 / 拟关停
    pub status: &'static str,
    pub opened_on: Option<NaiveDate>,
    pub closing_on: Option<NaiveDate>,
    /// Path of the superior portal on the simulator (`/portal/baoji/`).
    pub portal_path: Option<String>,
    pub is_source: bool,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Violation,
}

/// A finding a correct checker reports: the worst it gets to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Label {
    /// xunjian's rule code (`zombie`, `repost_delay`, ...).
    pub rule: &'static str,
    pub platform: SimPlatform,
    pub account_id: String,
    /// The finding's subject (`account`, `week:2026-W30`, `weibo:<post id>`, ...).
    pub subject: String,
    pub severity: Severity,
    /// When the finding first holds (its warning or violation).
    pub from: DateTime<Utc>,
    /// When its violation first holds (None for a warning).
    pub violation_from: Option<DateTime<Utc>>,
    /// Why, in words.
    pub why: String,
}

impl Label {
    /// `rule|platform:id|subject`, to compare with the store's findings.
    pub fn key(&self) -> String {
        format!("{}|{}:{}|{}", self.rule, self.platform.code(), self.account_id, self.subject)
    }
}

/// The scripted quarter.
#[derive(Debug, Clone)]
pub struct Quarter {
    pub world: World,
    pub registry: Vec<RegistryRow>,
    /// Labels written by hand for what only the script knows (searches,
    /// registry-only rules, portals); the rest come from [`Quarter::labels`].
    pub hand_labels: Vec<Label>,
    /// The daemon's first moment (2026-07-01 00:00).
    pub start: DateTime<Utc>,
    /// Its last (2026-10-14 12:00): a day and a half after the last week
    /// boundary (10-12 00:00), so no threshold falls in the undecided last
    /// day that the labels leave alone.
    pub end: DateTime<Utc>,
    /// The report's quarter: [start, quarter_end).
    pub quarter_end: DateTime<Utc>,
    /// Accounts whose cases are what they are (for the record in test output).
    pub cases: Vec<(String, String)>,
}

/// Key items of the Weibo source, and of the WeChat source, and the
/// rule parameters the scenario is written for.
pub const REPOST_LIMIT_MINUTES: i64 = 60;
pub const ZOMBIE_DAYS: i64 = 14;
pub const ZOMBIE_WARNING_DAYS: i64 = 11;
pub const CLOSING_DAYS: i64 = 30;
pub const CLOSING_WARNING_LEAD_DAYS: i64 = 7;
pub const INTERACTION_LATEST_K: usize = 5;
/// Comments closed on this many of the latest K: a violation; on fewer
/// but at least one: a warning.
pub const INTERACTION_CLOSED_OF_LATEST: usize = 3;
/// The baoji profile, plus the repost rule — the configuration the labels assume.
pub const RULES_TOML: &str = "[rules]\nprofile = \"baoji\"\n[rules.repost_delay]\nenabled = true\nlimit_minutes = 60\nwechat_workdays = 1\n";

/// The 2026 working-day calendar as the State Council published it, for the
/// WeChat repost deadlines (国办发明电〔2025〕7号: 中秋 09-25..27, 国庆
/// 10-01..07, make-up workdays Sunday 09-20 and Saturday 10-10).
pub fn is_workday(d: NaiveDate) -> bool {
    let off = [(9, 25), (9, 26), (9, 27), (10, 1), (10, 2), (10, 3), (10, 4), (10, 5), (10, 6), (10, 7)];
    let on = [(9, 20), (10, 10)];
    if d.year() == 2026 && on.contains(&(d.month(), d.day())) {
        return true;
    }
    if d.year() == 2026 && off.contains(&(d.month(), d.day())) {
        return false;
    }
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The WeChat repost deadline: midnight ending the first working day after
/// the publish date.
pub fn wechat_deadline(published: DateTime<Utc>) -> DateTime<Utc> {
    let mut d = local_date(published);
    loop {
        d = d + Days::new(1);
        if is_workday(d) {
            return local_midnight(d + Days::new(1));
        }
    }
}

const REGIONS: [&str; 12] =
    ["渭滨区", "金台区", "陈仓区", "凤翔区", "岐山县", "扶风县", "眉县", "陇县", "千阳县", "麟游县", "凤县", "太白县"];
const COUNTY_DEPTS: [&str; 10] = [
    "公安局",
    "教育局",
    "卫生健康局",
    "市场监督管理局",
    "生态环境分局",
    "文化和旅游局",
    "交通运输局",
    "应急管理局",
    "人力资源和社会保障局",
    "民政局",
];

/// How a case account behaves differently from a normal one.
#[derive(Debug, Clone, Default)]
struct Script {
    /// No posts at all in these spans.
    silences: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// Reposts only (no originals) in these spans.
    reposts_only: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// (source post id, delay): repost this key item after exactly this delay.
    repost_delays: Vec<(String, TimeDelta)>,
    /// Never repost these key items.
    repost_never: Vec<String>,
    /// From this moment, close comments on posts (every post, or all but
    /// every fifth).
    comments_closed_from: Option<(DateTime<Utc>, bool)>,
    /// Extra posts (original).
    extra: Vec<(DateTime<Utc>, String, Option<(DateTime<Utc>, Option<DateTime<Utc>>)>)>,
    /// Originals only at these times in the span (the rest of the span silent
    /// except reposts).
    no_originals: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Builds the labelled quarter. `with_bilibili` adds the Bilibili accounts.
pub fn labelled_quarter(with_bilibili: bool) -> Quarter {
    Builder::new().build(with_bilibili)
}

struct Builder {
    rng: Rng,
    next_post: u64,
    next_uid: u64,
    next_wx: u64,
    next_bili: u64,
    history_from: DateTime<Utc>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    world: World,
    registry: Vec<RegistryRow>,
    hand: Vec<Label>,
    cases: Vec<(String, String)>,
    /// Key items: (platform, source account id, post id, time, text).
    key_items: Vec<(SimPlatform, String, String, DateTime<Utc>, String)>,
}

impl Builder {
    fn new() -> Self {
        Builder {
            rng: Rng(0x5eed_2026_0701),
            next_post: 5_100_000_000_000_000,
            next_uid: 7_300_000_001,
            next_wx: 1,
            next_bili: 3_546_000_001,
            history_from: cst(2026, 6, 1, 0, 0),
            start: cst(2026, 7, 1, 0, 0),
            end: cst(2026, 10, 14, 12, 0),
            world: World::default(),
            registry: Vec::new(),
            hand: Vec::new(),
            cases: Vec::new(),
            key_items: Vec::new(),
        }
    }

    fn post_id(&mut self) -> String {
        self.next_post += 1 + self.rng.range(0, 7) as u64;
        self.next_post.to_string()
    }

    fn new_id(&mut self, platform: SimPlatform) -> (String, String) {
        match platform {
            SimPlatform::Weibo => {
                self.next_uid += 1 + self.rng.range(0, 50) as u64;
                (self.next_uid.to_string(), String::new())
            }
            SimPlatform::Wechat => {
                self.next_wx += 1;
                let n = 3_090_000_000u64 + self.next_wx * 7919;
                let biz = base64_digits(n);
                (format!("gh_{:012x}", 0x5a1_0000_0000u64 + self.next_wx * 104_729), biz)
            }
            SimPlatform::Bilibili => {
                self.next_bili += 1 + self.rng.range(0, 900) as u64;
                (self.next_bili.to_string(), String::new())
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn account(
        &mut self,
        platform: SimPlatform,
        name: &str,
        owner: &str,
        verification: Option<Verification>,
    ) -> usize {
        let (id, biz) = self.new_id(platform);
        let followers = 2_000 + self.rng.range(0, 400_000) as u64;
        self.world.accounts.push(Account {
            platform,
            id,
            biz,
            name: name.to_string(),
            verification,
            description: format!("{owner}官方账号，发布政务信息，回应社会关切。"),
            followers,
            appears_at: None,
            gone: None,
            search_terms: Vec::new(),
            feed: platform == SimPlatform::Wechat,
            posts: Vec::new(),
            lies: Vec::new(),
        });
        self.world.accounts.len() - 1
    }

    fn verified(platform: SimPlatform, owner: &str) -> Option<Verification> {
        Some(Verification {
            reason: match platform {
                SimPlatform::Weibo => format!("{owner}官方微博"),
                SimPlatform::Wechat => owner.to_string(),
                SimPlatform::Bilibili => format!("{owner}官方账号"),
            },
            institutional: true,
        })
    }

    /// A registered account with a normal row.
    fn registered(&mut self, platform: SimPlatform, name: &str, owner: &str, region: &str) -> usize {
        let v = Self::verified(platform, owner);
        let i = self.account(platform, name, owner, v);
        let id = self.world.accounts[i].id.clone();
        let n = self.registry.len() + 1;
        self.registry.push(RegistryRow {
            name: name.to_string(),
            platform,
            id,
            owner_unit: owner.to_string(),
            supervising_unit: if region.starts_with("宝鸡") {
                "宝鸡市人民政府办公室".into()
            } else {
                format!("{region}人民政府办公室")
            },
            region: region.to_string(),
            contact: format!("联系人{n:03}"),
            email: format!("unit{n:03}@units.example.gov.cn"),
            status: "正常",
            opened_on: Some(date(2019, 3, 1)),
            closing_on: None,
            portal_path: None,
            is_source: false,
            tags: Vec::new(),
        });
        i
    }

    fn row_mut(&mut self, i: usize) -> &mut RegistryRow {
        let a = &self.world.accounts[i];
        let (p, id) = (a.platform, a.id.clone());
        self.registry.iter_mut().find(|r| r.platform == p && r.id == id).expect("registered")
    }

    fn case(&mut self, i: usize, what: &str) {
        let a = &self.world.accounts[i];
        self.cases.push((format!("{}:{} {}", a.platform.code(), a.id, a.name), what.to_string()));
    }

    /// The source accounts' key items: a post every other day at a
    /// working-hours time, from the history's start to the end.
    fn source_posts(&mut self, i: usize, every_days: i64, offset_h: i64, titles: &[&str]) {
        let platform = self.world.accounts[i].platform;
        let mut t = self.history_from + TimeDelta::hours(9 + offset_h);
        let mut n = 0;
        while t < self.end {
            let at = t + TimeDelta::minutes(self.rng.range(0, 240));
            let text = format!("{}（{}）", titles[n % titles.len()], local_date(at).format("%-m月%-d日"));
            self.push_source_item(i, at, &text);
            n += 1;
            t += TimeDelta::days(every_days);
        }
        let _ = platform;
    }

    fn push_source_item(&mut self, i: usize, at: DateTime<Utc>, text: &str) -> String {
        let id = self.post_id();
        let a = &mut self.world.accounts[i];
        a.posts.push(Post {
            id: id.clone(),
            at,
            text: text.to_string(),
            original: true,
            repost_of: None,
            pinned: None,
            comments_closed: false,
            deleted_at: None,
        });
        self.key_items.push((a.platform, a.id.clone(), id.clone(), at, text.to_string()));
        id
    }

    /// A normal account's posts under `script`: originals every 20–40 hours
    /// in daytime, and a repost of every key item on its platform.
    fn fill(&mut self, i: usize, script: &Script, reposts: bool) {
        let platform = self.world.accounts[i].platform;
        let name = self.world.accounts[i].name.clone();
        let silent = |t: DateTime<Utc>| script.silences.iter().any(|(a, b)| *a <= t && t < *b);
        let no_original = |t: DateTime<Utc>| {
            script.reposts_only.iter().chain(script.no_originals.iter()).any(|(a, b)| *a <= t && t < *b)
        };
        let mut posts = Vec::new();
        let mut t = self.history_from + TimeDelta::hours(self.rng.range(8, 30));
        let mut n = 0;
        while t < self.end {
            let h = t.with_timezone(&Shanghai).hour_of_day();
            let at = if !(8..21).contains(&h) { t + TimeDelta::hours(10) } else { t };
            if !silent(at) && !no_original(at) && at < self.end {
                n += 1;
                posts.push((at, format!("{name}：今日政务动态第{n}期，便民服务信息发布。"), None));
            }
            t = at + TimeDelta::hours(self.rng.range(20, 40));
        }
        for (at, text, pin) in &script.extra {
            posts.push((*at, text.clone(), *pin));
        }
        for (at, text, pinned) in posts {
            let id = self.post_id();
            self.world.accounts[i].posts.push(Post {
                id,
                at,
                text,
                original: true,
                repost_of: None,
                pinned,
                comments_closed: false,
                deleted_at: None,
            });
        }
        if reposts {
            let items: Vec<_> = self.key_items.iter().filter(|k| k.0 == platform).cloned().collect();
            for (p, src_id, post_id, at, text) in items {
                if script.repost_never.contains(&post_id) {
                    continue;
                }
                let when = match script.repost_delays.iter().find(|(id, _)| *id == post_id) {
                    Some((_, d)) => at + *d,
                    None => match platform {
                        SimPlatform::Wechat => {
                            // The same evening, or the next morning for late items.
                            let d = local_date(at);
                            let evening = cst(d.year(), d.month(), d.day(), 20, self.rng.range(0, 50) as u32);
                            if evening > at + TimeDelta::minutes(30) { evening } else { at + TimeDelta::minutes(90) }
                        }
                        _ => at + TimeDelta::minutes(self.rng.range(5, 45)),
                    },
                };
                if silent(when) || when >= self.end {
                    continue;
                }
                let id = self.post_id();
                let (text, repost_of, original) = match platform {
                    SimPlatform::Wechat => (format!("转载｜{text}"), None, false),
                    _ => (
                        "转发微博".to_string(),
                        Some(PostRef { platform: p, account_id: src_id.clone(), post_id: post_id.clone() }),
                        false,
                    ),
                };
                self.world.accounts[i].posts.push(Post {
                    id,
                    at: when,
                    text,
                    original,
                    repost_of,
                    pinned: None,
                    comments_closed: false,
                    deleted_at: None,
                });
            }
        }
        if let Some((from, all)) = script.comments_closed_from {
            let mut ps: Vec<&mut Post> = self.world.accounts[i].posts.iter_mut().filter(|p| p.at >= from).collect();
            ps.sort_by_key(|p| p.at);
            for (k, p) in ps.into_iter().enumerate() {
                // Not all: 2 of every 5, below the 3 of the latest 5.
                p.comments_closed = all || k % 5 < 2;
            }
        }
        self.world.accounts[i].posts.sort_by_key(|p| p.at);
    }

    /// The key item of `platform` nearest after `t`.
    fn key_item_after(&self, platform: SimPlatform, t: DateTime<Utc>) -> (String, DateTime<Utc>) {
        self.key_items
            .iter()
            .filter(|k| k.0 == platform && k.3 >= t)
            .min_by_key(|k| k.3)
            .map(|k| (k.2.clone(), k.3))
            .expect("a key item after t")
    }

    fn build(mut self, with_bilibili: bool) -> Quarter {
        use SimPlatform::*;
        // ---- sources ---------------------------------------------------
        let wb_src = self.registered(Weibo, "宝鸡发布", "宝鸡市人民政府办公室", "宝鸡市");
        self.row_mut(wb_src).is_source = true;
        let wx_src = self.registered(Wechat, "宝鸡发布", "宝鸡市人民政府办公室", "宝鸡市");
        self.row_mut(wx_src).is_source = true;
        let titles = [
            "宝鸡市人民政府关于进一步优化营商环境的若干措施",
            "市政府常务会议研究部署防汛救灾工作",
            "宝鸡市2026年民生实事项目进展情况",
            "关于做好高温天气安全生产工作的通知",
            "宝鸡市出台支持民营经济发展二十条",
            "全市秋粮生产和秋播工作会议召开",
        ];
        self.source_posts(wb_src, 3, 0, &titles);
        let wx_titles = [
            "宝鸡市政府信息公开工作年度要点解读",
            "一图读懂宝鸡市稳就业政策",
            "宝鸡市城乡居民医保缴费指南",
            "关于开展安全生产大检查的通知",
        ];
        self.source_posts(wx_src, 3, 1, &wx_titles);
        // The WeChat items around the holidays, at fixed times.
        let wx_midautumn = self.push_source_item(wx_src, cst(2026, 9, 24, 15, 0), "中秋国庆假期安全出行提示");
        let wx_national = self.push_source_item(wx_src, cst(2026, 9, 30, 17, 0), "国庆假期全市景区开放信息");
        let wx_tiaoxiu = self.push_source_item(wx_src, cst(2026, 10, 9, 10, 0), "宝鸡市十月份重点工作安排");

        // ---- opening accounts: their superior posts come first (key items) ----
        let portal_path = "/portal/baoji/".to_string();
        let openings = [
            ("凤县图书馆", "凤县图书馆", "凤县", date(2026, 7, 15), Some((true, Some(cst(2026, 8, 25, 12, 0)))), true),
            ("扶风县政务服务", "扶风县政务服务中心", "扶风县", date(2026, 8, 3), Some((true, Some(cst(2026, 8, 20, 12, 0)))), true),
            ("太白县科协", "太白县科学技术协会", "太白县", date(2026, 8, 10), Some((false, None)), true),
            ("麟游县乡村振兴", "麟游县乡村振兴局", "麟游县", date(2026, 9, 1), None, false),
        ];
        let mut portal = Portal { path: portal_path.clone(), name: "宝鸡市人民政府".into(), notices: Vec::new(), maintenance: Vec::new() };
        let mut opening_idx = Vec::new();
        for (k, (name, owner, region, opened, notice, superior)) in openings.iter().enumerate() {
            let title = format!("关于“{name}”政务微博正式开通的公告");
            let day_before = local_midnight(*opened) - TimeDelta::hours(9);
            if let Some((prominent, removed)) = notice {
                portal.notices.push(PortalNotice {
                    title: title.clone(),
                    path: format!("{portal_path}tzgg/2026{:02}{:02}_{k}.html", opened.month(), opened.day()),
                    posted_at: day_before,
                    removed_at: *removed,
                    prominent: *prominent,
                });
            }
            if *superior {
                self.push_source_item(wb_src, day_before + TimeDelta::hours(1), &title);
            }
            opening_idx.push((name, owner, region, opened, notice, superior));
        }
        self.world.portals.push(portal);

        // ---- normal accounts ---------------------------------------------
        let mut normal = Vec::new();
        for region in REGIONS {
            let short = region.trim_end_matches(['区', '县']);
            let short = if short.chars().count() < 2 { region } else { short };
            normal.push(self.registered(Weibo, &format!("{region}人民政府发布"), &format!("{region}人民政府办公室"), region));
            for dept in COUNTY_DEPTS {
                let unit = format!("{region}{dept}");
                normal.push(self.registered(Weibo, &unit, &unit, region));
            }
            normal.push(self.registered(Wechat, &format!("{short}发布"), &format!("{region}人民政府办公室"), region));
            normal.push(self.registered(Weibo, &format!("{short}融媒"), &format!("{region}融媒体中心"), region));
            if matches!(region, "渭滨区" | "金台区" | "陈仓区" | "凤翔区" | "岐山县" | "眉县") {
                let unit = format!("{region}教育局");
                normal.push(self.registered(Wechat, &format!("{short}教育"), &unit, region));
            }
        }
        for dept in ["宝鸡市公安局", "宝鸡市教育局", "宝鸡市卫生健康委员会", "宝鸡市生态环境局", "宝鸡市交通运输局", "宝鸡市文化和旅游局"] {
            normal.push(self.registered(Wechat, dept, dept, "宝鸡市"));
        }
        for i in normal.clone() {
            self.fill(i, &Script::default(), true);
        }
        if with_bilibili {
            for (name, owner, region) in [
                ("宝鸡文旅", "宝鸡市文化和旅游局", "宝鸡市"),
                ("宝鸡共青团", "共青团宝鸡市委员会", "宝鸡市"),
                ("陈仓融媒", "陈仓区融媒体中心", "陈仓区"),
                ("眉县融媒", "眉县融媒体中心", "眉县"),
                ("凤翔融媒", "凤翔区融媒体中心", "凤翔区"),
            ] {
                let i = self.registered(Bilibili, name, owner, region);
                self.fill(i, &Script::default(), false);
            }
        }
        // The sources' own originals are their key items; no reposts.

        // ---- zombie ----------------------------------------------------
        let zombie_cases: [(&str, &str, DateTime<Utc>, TimeDelta); 4] = [
            ("宝鸡市统计局", "silent 10.5 days: neither warning nor violation", cst(2026, 8, 4, 21, 30), TimeDelta::hours(252)),
            ("宝鸡市审计局", "silent 13 days: warning only", cst(2026, 8, 4, 21, 30), TimeDelta::days(13)),
            ("宝鸡市司法局", "silent 15 days: violation, then resolved", cst(2026, 8, 4, 21, 30), TimeDelta::days(15)),
            ("宝鸡市水利局", "silent from 09-18 to the end: violation", cst(2026, 9, 18, 21, 30), TimeDelta::days(60)),
        ];
        for (unit, what, from, len) in zombie_cases {
            let i = self.registered(Weibo, unit, unit, "宝鸡市");
            let mut s = Script::default();
            s.silences.push((from, from + len));
            // The silence starts and ends with a post exactly at its edges.
            s.extra.push((from, format!("{unit}：近期工作安排。"), None));
            if from + len < self.end {
                s.extra.push((from + len, format!("{unit}：恢复更新。"), None));
            }
            self.fill(i, &s, true);
            self.case(i, what);
        }
        if with_bilibili {
            let i = self.registered(Bilibili, "麟游融媒", "麟游县融媒体中心", "麟游县");
            let mut s = Script::default();
            let from = cst(2026, 8, 20, 21, 30);
            s.silences.push((from, from + TimeDelta::days(15)));
            s.extra.push((from, "麟游融媒：近期工作安排。".into(), None));
            s.extra.push((from + TimeDelta::days(15), "麟游融媒：恢复更新。".into(), None));
            self.fill(i, &s, false);
            self.case(i, "Bilibili silent 15 days: violation");
        }

        // ---- weekly original ---------------------------------------------
        {
            // Week 2026-W33 (08-10..16): reposts only.
            let i = self.registered(Weibo, "宝鸡市林业局", "宝鸡市林业局", "宝鸡市");
            let mut s = Script::default();
            s.reposts_only.push((cst(2026, 8, 10, 0, 0), cst(2026, 8, 17, 0, 0)));
            self.fill(i, &s, true);
            self.case(i, "2026-W33 reposts only: weekly violation");
            // Week W35 (08-24..30): its one original on Sunday 23:50: passes.
            let i = self.registered(Weibo, "宝鸡市商务局", "宝鸡市商务局", "宝鸡市");
            let mut s = Script::default();
            s.no_originals.push((cst(2026, 8, 24, 0, 0), cst(2026, 9, 1, 0, 0)));
            s.extra.push((cst(2026, 8, 30, 23, 50), "宝鸡市商务局：周末消费券发放提示。".into(), None));
            self.fill(i, &s, true);
            self.case(i, "2026-W35 one original Sunday 23:50: passes");
            // Same, the original at Monday 00:10 of the next week: W35 fails.
            let i = self.registered(Weibo, "宝鸡市科学技术局", "宝鸡市科学技术局", "宝鸡市");
            let mut s = Script::default();
            s.no_originals.push((cst(2026, 8, 24, 0, 0), cst(2026, 9, 1, 0, 0)));
            s.extra.push((cst(2026, 8, 31, 0, 10), "宝鸡市科学技术局：科技周活动预告。".into(), None));
            self.fill(i, &s, true);
            self.case(i, "2026-W35 original only on Monday 00:10 after: weekly violation");
        }

        // ---- repost delay (Weibo) ------------------------------------------
        {
            let (item, _) = self.key_item_after(Weibo, cst(2026, 8, 12, 0, 0));
            for (unit, delay, what) in [
                ("宝鸡市退役军人事务局", Some(59), "repost after 59 minutes: in time"),
                ("宝鸡市医疗保障局", Some(60), "repost after exactly 60 minutes: in time"),
                ("宝鸡市体育局", Some(61), "repost after 61 minutes: late"),
                ("宝鸡市自然资源和规划局", None, "never reposts one key item: violation"),
            ] {
                let i = self.registered(Weibo, unit, unit, "宝鸡市");
                let mut s = Script::default();
                match delay {
                    Some(m) => s.repost_delays.push((item.clone(), TimeDelta::minutes(m))),
                    None => s.repost_never.push(item.clone()),
                }
                self.fill(i, &s, true);
                self.case(i, what);
            }
        }
        // ---- repost delay (WeChat, across holidays) ------------------------
        {
            let cases: [(&str, &str, DateTime<Utc>, &str); 6] = [
                ("金台教育", &wx_midautumn, cst(2026, 9, 27, 21, 0), "中秋: source Thu 09-24, repost Sun 09-27 (holiday): in time"),
                ("渭滨教育", &wx_midautumn, cst(2026, 9, 28, 22, 0), "中秋: repost Mon 09-28 22:00 (next working day): in time"),
                ("陈仓教育", &wx_midautumn, cst(2026, 9, 29, 9, 0), "中秋: repost Tue 09-29 09:00: late"),
                ("凤翔教育", &wx_national, cst(2026, 10, 8, 20, 0), "国庆: source 09-30, repost 10-08 (next working day): in time"),
                ("岐山教育", &wx_national, cst(2026, 10, 9, 8, 0), "国庆: repost 10-09 08:00: late"),
                ("眉县教育", &wx_tiaoxiu, cst(2026, 10, 11, 10, 0), "调休: source Fri 10-09, repost Sun 10-11 (Sat 10-10 was a working day): late"),
            ];
            for (name, item, at, what) in cases {
                let i = self.world.accounts.iter().position(|a| a.platform == Wechat && a.name == name).expect("account");
                let item_at = self.key_items.iter().find(|k| k.2 == *item).map(|k| k.3).expect("item");
                // Replace this account's repost of the item.
                let text = self.key_items.iter().find(|k| k.2 == *item).map(|k| k.4.clone()).expect("item");
                let posts = &mut self.world.accounts[i].posts;
                posts.retain(|p| !(p.text == format!("转载｜{text}")));
                let id = self.post_id();
                self.world.accounts[i].posts.push(Post {
                    id,
                    at,
                    text: format!("转载｜{text}"),
                    original: false,
                    repost_of: None,
                    pinned: None,
                    comments_closed: false,
                    deleted_at: None,
                });
                self.world.accounts[i].posts.sort_by_key(|p| p.at);
                let _ = item_at;
                self.case(i, what);
            }
            // The 调休 Saturday in time: 陇县发布 reposts on Saturday 10-10.
            let i = self.world.accounts.iter().position(|a| a.platform == Wechat && a.name == "陇县发布").expect("account");
            let text = self.key_items.iter().find(|k| k.2 == wx_tiaoxiu).map(|k| k.4.clone()).expect("item");
            self.world.accounts[i].posts.retain(|p| p.text != format!("转载｜{text}"));
            let id = self.post_id();
            self.world.accounts[i].posts.push(Post {
                id,
                at: cst(2026, 10, 10, 20, 0),
                text: format!("转载｜{text}"),
                original: false,
                repost_of: None,
                pinned: None,
                comments_closed: false,
                deleted_at: None,
            });
            self.world.accounts[i].posts.sort_by_key(|p| p.at);
            self.case(i, "调休: repost on Saturday 10-10 (a make-up working day): in time");
        }

        // ---- closing notices (closing on 10-10: due 09-10) ------------------
        let closing_on = date(2026, 10, 10);
        let closing_at = local_midnight(closing_on);
        let closing_cases: [(&str, Option<(TimeDelta, Option<TimeDelta>)>, &str); 5] = [
            ("宝鸡市财政局", Some((TimeDelta::days(40), None)), "notice pinned 40 days before closing: passes"),
            ("宝鸡市发展和改革委员会", Some((TimeDelta::days(31), None)), "notice 31 days before: warning only (absent in the 7 days before due)"),
            ("宝鸡市信访局", Some((TimeDelta::days(29), None)), "notice 29 days before: violation"),
            ("宝鸡市档案馆", Some((TimeDelta::days(40), Some(TimeDelta::days(29)))), "pinned 29 days then unpinned before closing: violation"),
            ("宝鸡市地方志办公室", None, "no notice: violation"),
        ];
        for (unit, notice, what) in closing_cases {
            let i = self.registered(Weibo, unit, unit, "宝鸡市");
            {
                let r = self.row_mut(i);
                r.status = "拟关停";
                r.closing_on = Some(closing_on);
            }
            let mut s = Script::default();
            if let Some((before, pinned_for)) = notice {
                let at = closing_at - before + TimeDelta::hours(10);
                let until = pinned_for.map(|d| at + d);
                s.extra.push((at, format!("{unit}政务微博停止更新公告：本账号将于2026年10月10日关停。"), Some((at, until))));
            }
            self.fill(i, &s, false);
            self.case(i, what);
        }

        // ---- vanished ----------------------------------------------------
        for (unit, kind, at, what) in [
            ("宝鸡市气象局", GoneKind::NotFound, cst(2026, 8, 20, 11, 0), "user not found from 08-20: violation"),
            ("宝鸡市供销合作社", GoneKind::Banned, cst(2026, 9, 5, 11, 0), "banned from 09-05: violation"),
        ] {
            let i = self.registered(Weibo, unit, unit, "宝鸡市");
            self.world.accounts[i].gone = Some(Gone { at, kind });
            self.fill(i, &Script::default(), true);
            self.case(i, what);
        }

        // ---- interaction ---------------------------------------------------
        for (unit, all, what) in [
            ("宝鸡市住房和城乡建设局", true, "comments closed on every post from 08-10: violation"),
            ("宝鸡市交通运输局", false, "comments closed on 2 of every 5 posts: warning, never a violation"),
        ] {
            let i = self.registered(Weibo, unit, unit, "宝鸡市");
            let s = Script { comments_closed_from: Some((cst(2026, 8, 10, 0, 0), all)), ..Default::default() };
            self.fill(i, &s, true);
            self.case(i, what);
        }

        // ---- verification and naming ----------------------------------------
        {
            let i = self.registered(Weibo, "宝鸡市农业农村局", "宝鸡市农业农村局", "宝鸡市");
            self.world.accounts[i].verification = None;
            self.fill(i, &Script::default(), true);
            self.case(i, "not verified: violation");
            let i = self.registered(Weibo, "宝鸡市民政局", "宝鸡市民政局", "宝鸡市");
            self.world.accounts[i].verification =
                Some(Verification { reason: "宝鸡某某文化传媒有限公司".into(), institutional: true });
            self.fill(i, &Script::default(), true);
            self.case(i, "verified to a company, not the owner unit: violation");
            let i = self.registered(Weibo, "宝鸡市人力资源和社会保障局", "宝鸡市人力资源和社会保障局", "宝鸡市");
            self.world.accounts[i].name = "宝鸡人社".into();
            self.fill(i, &Script::default(), true);
            self.case(i, "shown as 宝鸡人社, registered as 宝鸡市人力资源和社会保障局: naming violation");
        }

        // ---- one account per platform ----------------------------------------
        {
            let a = self.registered(Weibo, "宝鸡市市场监管", "宝鸡市市场监督管理局", "宝鸡市");
            let b = self.registered(Weibo, "宝鸡市场监管在线", "宝鸡市市场监督管理局", "宝鸡市");
            self.fill(a, &Script::default(), true);
            self.fill(b, &Script::default(), true);
            self.case(a, "two Weibo accounts of one unit: violation on both");
            self.case(b, "two Weibo accounts of one unit: violation on both");
            let c = self.registered(Weibo, "宝鸡市应急管理局", "宝鸡市应急管理局", "宝鸡市");
            let d = self.registered(Weibo, "宝鸡应急科普", "宝鸡市应急管理局", "宝鸡市");
            self.row_mut(d).tags.push("允许多账号".into());
            self.fill(c, &Script::default(), true);
            self.fill(d, &Script::default(), true);
            self.case(d, "second account tagged 允许多账号: passes");
        }

        // ---- impostors and unregistered accounts (not in the registry) ---------
        let wb_src_id = self.world.accounts[wb_src].id.clone();
        let chencang = self
            .world
            .accounts
            .iter()
            .position(|a| a.platform == Weibo && a.name == "陈仓区人民政府发布")
            .expect("account");
        let qishan_police = self
            .world
            .accounts
            .iter()
            .position(|a| a.platform == Weibo && a.name == "岐山县公安局")
            .expect("account");
        let imitations: [(&str, Option<Verification>, &str, usize, DateTime<Utc>, Option<&str>); 6] = [
            ("寶雞發佈", None, "宝鸡发布", wb_src, cst(2026, 7, 20, 15, 0), Some("traditional script of 宝鸡发布, unverified: impostor")),
            ("宝鸡发布官方", None, "宝鸡发布", wb_src, cst(2026, 8, 18, 15, 0), Some("宝鸡发布 with 官方 added, unverified: impostor")),
            ("陈仓区人民政府發布", None, "陈仓区人民政府发布", chencang, cst(2026, 9, 1, 15, 0), Some("陈仓区人民政府发布 in mixed script, unverified: impostor")),
            (
                "宝鸡美食攻略",
                Some(Verification { reason: "美食博主".into(), institutional: false }),
                "宝鸡发布",
                wb_src,
                cst(2026, 7, 10, 15, 0),
                None,
            ),
            (
                "宝鸡日报",
                Some(Verification { reason: "宝鸡日报社官方微博".into(), institutional: true }),
                "宝鸡发布",
                wb_src,
                cst(2026, 7, 5, 15, 0),
                None,
            ),
            (
                "岐山公安交警",
                Some(Verification { reason: "岐山县公安局交通警察大队".into(), institutional: true }),
                "岐山县公安局",
                qishan_police,
                cst(2026, 8, 5, 15, 0),
                None,
            ),
        ];
        for (name, verification, term, target, appears, impostor) in imitations {
            let i = self.account(Weibo, name, "", verification);
            let description = if impostor.is_some() {
                self.world.accounts[target].description.clone()
            } else {
                format!("{name}，分享身边事。")
            };
            {
                let a = &mut self.world.accounts[i];
                a.appears_at = Some(appears);
                a.search_terms.push(term.to_string());
                a.description = description;
            }
            // Impostors post too (they are real accounts on the platform).
            let mut s = Script::default();
            s.silences.push((self.history_from, appears));
            self.fill(i, &s, false);
            let (cid, tid) = (self.world.accounts[i].id.clone(), self.world.accounts[target].id.clone());
            let first_search = next_monday_3am(appears);
            if let Some(why) = impostor {
                self.hand.push(Label {
                    rule: "impostor",
                    platform: Weibo,
                    account_id: tid,
                    subject: format!("impostor:weibo:{cid}"),
                    severity: Severity::Violation,
                    from: first_search,
                    violation_from: Some(first_search),
                    why: why.into(),
                });
                self.case(i, why);
            } else if name == "岐山公安交警" {
                self.hand.push(Label {
                    rule: "unregistered",
                    platform: Weibo,
                    account_id: tid,
                    subject: format!("unregistered:weibo:{cid}"),
                    severity: Severity::Warning,
                    from: first_search,
                    violation_from: None,
                    why: "verified to 岐山县公安局's traffic police, not in the registry: warning".into(),
                });
                self.case(i, "verified to 岐山县公安局交通警察大队, not registered: unregistered warning");
            } else {
                self.case(i, "look-alike in the search results that is no impostor: nothing");
            }
        }
        let _ = wb_src_id;

        // ---- opening accounts ----------------------------------------------
        for (name, owner, region, opened, notice, superior) in opening_idx {
            let i = self.registered(Weibo, name, owner, region);
            {
                let r = self.row_mut(i);
                r.status = "新开通";
                r.opened_on = Some(*opened);
                r.portal_path = Some(portal_path.clone());
            }
            self.fill(i, &Script::default(), true);
            let id = self.world.accounts[i].id.clone();
            let start = local_midnight(*opened);
            let grace = start + TimeDelta::days(3);
            match notice {
                Some((true, Some(removed))) if *removed < start + TimeDelta::days(30) => {
                    self.hand.push(Label {
                        rule: "opening_notice",
                        platform: Weibo,
                        account_id: id.clone(),
                        subject: "portal".into(),
                        severity: Severity::Violation,
                        from: *removed,
                        violation_from: Some(*removed),
                        why: "portal notice removed on day 18".into(),
                    });
                    self.case(i, "portal notice removed on day 18: violation");
                }
                Some((true, _)) => self.case(i, "portal notice prominent for 30+ days, superior post: passes"),
                Some((false, _)) => {
                    self.hand.push(Label {
                        rule: "opening_notice",
                        platform: Weibo,
                        account_id: id.clone(),
                        subject: "portal".into(),
                        severity: Severity::Warning,
                        from: start,
                        violation_from: None,
                        why: "portal notice not prominent".into(),
                    });
                    self.case(i, "portal notice not in a prominent place: warning");
                }
                None => {
                    self.hand.push(Label {
                        rule: "opening_notice",
                        platform: Weibo,
                        account_id: id.clone(),
                        subject: "portal".into(),
                        severity: Severity::Violation,
                        from: start,
                        violation_from: Some(grace),
                        why: "no portal notice".into(),
                    });
                    self.case(i, "no portal notice, no superior post: violations");
                }
            }
            if !superior {
                self.hand.push(Label {
                    rule: "opening_notice",
                    platform: Weibo,
                    account_id: id.clone(),
                    subject: "superior_post".into(),
                    severity: Severity::Violation,
                    from: start,
                    violation_from: Some(grace),
                    why: "no superior new-media post".into(),
                });
            }
        }

        // ---- answers that look good and lie (law 1) --------------------------
        // Accounts that behave, whose answers lie for weeks. A checker that
        // believed them would report a zombie, a missed weekly original, a
        // wrong name or an opening notice taken down; the labels are none.
        {
            // A dormant account that is nobody's business: its data is what
            // a wrong-account answer carries (last post in June).
            let dormant = self.account(Weibo, "秦岭山居笔记", "", None);
            let mut s = Script::default();
            s.silences.push((cst(2026, 6, 12, 0, 0), self.end));
            self.fill(dormant, &s, false);
            self.case(dormant, "unregistered, silent since June: whose data a wrong-account answer carries");

            let i = self.registered(Weibo, "宝鸡市人民防空办公室", "宝鸡市人民防空办公室", "宝鸡市");
            self.fill(i, &Script::default(), true);
            let other = self.world.accounts[dormant].id.clone();
            self.world.accounts[i].lies.push(Lie {
                kind: LieKind::WrongAccount { other },
                from: cst(2026, 8, 3, 0, 0),
                until: cst(2026, 8, 24, 0, 0),
            });
            self.case(i, "08-03..08-24 profile and timeline answer with another (silent) account's data: could not check, nothing");

            let i = self.registered(Weibo, "宝鸡市人民政府研究室", "宝鸡市人民政府研究室", "宝鸡市");
            let mut s = Script::default();
            let pinned_at = cst(2026, 6, 5, 10, 0);
            s.extra.push((pinned_at, "宝鸡市人民政府研究室：本账号简介与联系方式。".into(), Some((pinned_at, None))));
            self.fill(i, &s, true);
            self.world.accounts[i].lies.push(Lie {
                kind: LieKind::PinnedOnlyFirstPage,
                from: cst(2026, 8, 10, 0, 0),
                until: cst(2026, 8, 31, 0, 0),
            });
            self.case(i, "08-10..08-31 timeline page 1 holds only a June pinned post, later pages empty: could not check, nothing");

            let i = self.registered(Wechat, "宝鸡机关事务", "宝鸡市机关事务管理局", "宝鸡市");
            self.fill(i, &Script::default(), true);
            self.world.accounts[i].lies.push(Lie {
                kind: LieKind::StaleRelay,
                from: cst(2026, 8, 17, 9, 0),
                until: cst(2026, 9, 7, 9, 0),
            });
            self.case(i, "08-17..09-07 the feed relay answers as of 08-17 (lastBuildDate too): could not check, nothing");

            let i = self.registered(Wechat, "宝鸡粮食储备", "宝鸡市粮食和物资储备局", "宝鸡市");
            self.fill(i, &Script::default(), true);
            self.world.accounts[i].lies.push(Lie {
                kind: LieKind::EmptyFeed,
                from: cst(2026, 9, 1, 0, 0),
                until: cst(2026, 9, 21, 0, 0),
            });
            self.case(i, "09-01..09-21 the feed relay answers with no items: could not check, nothing");

            // The portal under maintenance while 凤县图书馆's notice (posted
            // 07-14, kept to 08-25) is in its 30 days.
            if let Some(p) = self.world.portals.iter_mut().find(|p| p.path == portal_path) {
                p.maintenance.push((cst(2026, 7, 22, 0, 0), cst(2026, 7, 29, 0, 0)));
            }
        }

        // ---- one per platform labels (registry only) --------------------------
        for name in ["宝鸡市市场监管", "宝鸡市场监管在线"] {
            let a = self.world.accounts.iter().find(|a| a.platform == Weibo && a.name == name).expect("account");
            self.hand.push(Label {
                rule: "one_per_platform",
                platform: Weibo,
                account_id: a.id.clone(),
                subject: "one_per_platform:weibo".into(),
                severity: Severity::Violation,
                from: self.start,
                violation_from: Some(self.start),
                why: "two Weibo accounts of 宝鸡市市场监督管理局".into(),
            });
        }

        Quarter {
            world: self.world,
            registry: self.registry,
            hand_labels: self.hand,
            start: self.start,
            end: self.end,
            quarter_end: cst(2026, 10, 1, 0, 0),
            cases: self.cases,
        }
    }
}

trait HourOfDay {
    fn hour_of_day(&self) -> u32;
}

impl<T: chrono::Timelike> HourOfDay for T {
    fn hour_of_day(&self) -> u32 {
        self.hour()
    }
}

/// The impostor search runs Mondays at 03:00: the first after `t`.
fn next_monday_3am(t: DateTime<Utc>) -> DateTime<Utc> {
    let mut d = local_date(t);
    loop {
        d = d + Days::new(1);
        if d.weekday() == Weekday::Mon {
            return cst(d.year(), d.month(), d.day(), 3, 0);
        }
    }
}

/// A WeChat `__biz`: base64 of the account's decimal number.
fn base64_digits(n: u64) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = n.to_string().into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(T[((v >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

impl Quarter {
    pub fn registered(&self, platform: SimPlatform, id: &str) -> Option<&RegistryRow> {
        self.registry.iter().find(|r| r.platform == platform && r.id == id)
    }

    /// The registry as the office's CSV (UTF-8, Chinese headers), portal
    /// addresses on the simulator at `base`.
    pub fn registry_csv(&self, base: &str) -> String {
        let mut out = String::from(
            "序号,账号名称,平台,账号ID,主办单位,主管单位,所属地区,联系人,电子邮箱,状态,开通日期,关停日期,上级门户网址,是否源账号,标签\n",
        );
        for (n, r) in self.registry.iter().enumerate() {
            let platform = match r.platform {
                SimPlatform::Weibo => "微博",
                SimPlatform::Wechat => "微信公众号",
                SimPlatform::Bilibili => "哔哩哔哩",
            };
            let cells = [
                (n + 1).to_string(),
                r.name.clone(),
                platform.into(),
                r.id.clone(),
                r.owner_unit.clone(),
                r.supervising_unit.clone(),
                r.region.clone(),
                r.contact.clone(),
                r.email.clone(),
                r.status.into(),
                r.opened_on.map(|d| d.to_string()).unwrap_or_default(),
                r.closing_on.map(|d| d.to_string()).unwrap_or_default(),
                r.portal_path.as_ref().map(|p| format!("{}{p}", base.trim_end_matches('/'))).unwrap_or_default(),
                if r.is_source { "是" } else { "否" }.into(),
                r.tags.join(";"),
            ];
            out.push_str(&cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
            out.push('\n');
        }
        out
    }

    /// Every finding a correct checker reports over `[start, end)`: the
    /// hand-written ones and those derived from the posts.
    /// The same world with only the registry rows `keep` accepts, and the
    /// hand labels about them: a shorter run of some of the cases (the rest
    /// of the world still answers, unregistered).
    pub fn restricted(&self, keep: impl Fn(&RegistryRow) -> bool) -> Quarter {
        let registry: Vec<RegistryRow> = self.registry.iter().filter(|r| keep(r)).cloned().collect();
        let hand_labels = self
            .hand_labels
            .iter()
            .filter(|l| registry.iter().any(|r| r.platform == l.platform && r.id == l.account_id))
            .cloned()
            .collect();
        Quarter { registry, hand_labels, ..self.clone() }
    }

    pub fn labels(&self) -> Vec<Label> {
        let mut out: Vec<Label> = self.hand_labels.clone();
        for row in &self.registry {
            let a = self.world.account(row.platform, &row.id).expect("registered account exists");
            out.extend(self.zombie_labels(row, a));
            out.extend(self.weekly_labels(row, a));
            out.extend(self.repost_labels(row, a));
            out.extend(self.closing_labels(row, a));
            out.extend(self.vanished_labels(row, a));
            out.extend(self.interaction_labels(row, a));
            out.extend(self.profile_labels(row, a));
        }
        out.sort();
        out
    }

    /// The last moment the daemon may still decide (the labels leave the
    /// final day alone: a check due then may not have run yet).
    fn decided_by(&self) -> DateTime<Utc> {
        self.end - TimeDelta::days(1)
    }

    /// Until when the account answers (gone accounts stop being checkable).
    fn checkable_until(&self, a: &Account) -> DateTime<Utc> {
        a.gone.map(|g| g.at).unwrap_or(self.end).min(self.decided_by())
    }

    fn label(&self, rule: &'static str, a: &Account, subject: String, sev: Severity, from: DateTime<Utc>, vfrom: Option<DateTime<Utc>>, why: String) -> Label {
        Label { rule, platform: a.platform, account_id: a.id.clone(), subject, severity: sev, from, violation_from: vfrom, why }
    }

    /// Silence is the time since the newest post; over 11 days a warning,
    /// over 14 a violation (001 第十六条).
    fn zombie_labels(&self, _row: &RegistryRow, a: &Account) -> Option<Label> {
        let until = self.checkable_until(a);
        let mut times: Vec<DateTime<Utc>> = a.posts.iter().map(|p| p.at).filter(|t| *t < until).collect();
        times.sort();
        let mut worst: Option<(TimeDelta, DateTime<Utc>)> = None;
        for w in times.windows(2) {
            let (from, to) = (w[0], w[1]);
            if to > self.start {
                let gap = to - from;
                if worst.is_none_or(|(g, _)| gap > g) {
                    worst = Some((gap, from));
                }
            }
        }
        if let Some(last) = times.last() {
            let gap = until - *last;
            if worst.is_none_or(|(g, _)| gap > g) {
                worst = Some((gap, *last));
            }
        }
        let (gap, from) = worst?;
        let limit = TimeDelta::days(ZOMBIE_DAYS);
        let warn = TimeDelta::days(ZOMBIE_WARNING_DAYS);
        // A day of margin either side: the daemon decides at its checks.
        let why = format!("silent {:.1} days from {}", gap.num_minutes() as f64 / 1440.0, from);
        if gap > limit + TimeDelta::hours(12) {
            Some(self.label("zombie", a, "account".into(), Severity::Violation, from + warn, Some(from + limit), why))
        } else if gap > warn + TimeDelta::hours(12) && gap < limit - TimeDelta::hours(12) {
            Some(self.label("zombie", a, "account".into(), Severity::Warning, from + warn, None, why))
        } else {
            assert!(gap <= warn - TimeDelta::hours(12), "{} {}: a silence of {gap} is too near a threshold to label", a.name, a.id);
            None
        }
    }

    /// A natural week (Monday–Sunday) without an original post (001 第十六条),
    /// judged during the next week. A WeChat repost carries no link but its
    /// title says 转载｜, which xunjian counts as not original; a WeChat week
    /// with an unmarked article is "could not check" there (a feed cannot
    /// tell originals), so it has no label either way.
    fn weekly_labels(&self, row: &RegistryRow, a: &Account) -> Vec<Label> {
        let mut out = Vec::new();
        let until = self.checkable_until(a);
        // The first week judged: the last complete week before the start.
        let mut monday = local_date(self.start);
        while monday.weekday() != Weekday::Mon {
            monday = monday - Days::new(1);
        }
        monday = monday - Days::new(7);
        loop {
            let ws = local_midnight(monday);
            let we = ws + TimeDelta::days(7);
            // Judged during the following week: needs a check in it.
            if we + TimeDelta::hours(12) > until {
                break;
            }
            let opened_before = row.opened_on.is_none_or(|d| d <= monday);
            let original = a.posts.iter().any(|p| p.at >= ws && p.at < we && p.original && p.repost_of.is_none());
            if opened_before && !original {
                let iso = monday.iso_week();
                out.push(self.label(
                    "weekly_original",
                    a,
                    format!("week:{}-W{:02}", iso.year(), iso.week()),
                    Severity::Violation,
                    we,
                    Some(we),
                    format!("no original in the week of {monday}"),
                ));
            }
            monday = monday + Days::new(7);
        }
        out
    }

    /// Every key item of a source on the same platform, reposted within 60
    /// minutes (WeChat: by the end of the next working day) — 004 四(四).
    fn repost_labels(&self, row: &RegistryRow, a: &Account) -> Vec<Label> {
        let mut out = Vec::new();
        if row.is_source || !matches!(row.status, "正常" | "新开通") {
            return out;
        }
        let until = self.checkable_until(a);
        for src in self.registry.iter().filter(|r| r.is_source && r.platform == a.platform) {
            let s = self.world.account(src.platform, &src.id).expect("source");
            for item in s.posts.iter().filter(|p| p.pinned.is_none()) {
                let deadline = match a.platform {
                    SimPlatform::Wechat => wechat_deadline(item.at),
                    _ => item.at + TimeDelta::minutes(REPOST_LIMIT_MINUTES),
                };
                // Items the daemon sees: published in its window or in the
                // 14 days before (the rule's look-back).
                if item.at < self.start - TimeDelta::days(13) || deadline + TimeDelta::hours(2) > until {
                    continue;
                }
                let repost = a.posts.iter().filter(|p| p.at >= item.at).find(|p| match a.platform {
                    SimPlatform::Wechat => p.text.contains(item.text.as_str()),
                    _ => p.repost_of.as_ref().is_some_and(|r| r.post_id == item.id),
                });
                let late = match repost {
                    Some(p) => match a.platform {
                        SimPlatform::Wechat => p.at >= deadline,
                        _ => p.at > deadline,
                    },
                    None => true,
                };
                // Issue 16: an item missed while the account was already
                // silent past the zombie limit (a post from before the
                // limit, none since) is counted in the zombie finding, not
                // labelled on its own.
                let zombie_since = deadline - TimeDelta::days(ZOMBIE_DAYS);
                let silent = a.posts.iter().any(|p| p.at <= zombie_since)
                    && !a.posts.iter().any(|p| p.at > zombie_since && p.at <= deadline);
                if late && repost.is_none() && silent {
                    continue;
                }
                if late {
                    let why = match repost {
                        Some(p) => format!("reposted {} minutes after {}", (p.at - item.at).num_minutes(), item.at),
                        None => format!("never reposted the item of {}", item.at),
                    };
                    out.push(self.label(
                        "repost_delay",
                        a,
                        // xunjian reads a WeChat article's id as `{mid}_{idx}`.
                        match a.platform {
                            SimPlatform::Wechat => format!("wechat:{}_1", item.id),
                            p => format!("{}:{}", p.code(), item.id),
                        },
                        Severity::Violation,
                        deadline,
                        Some(deadline),
                        why,
                    ));
                }
            }
        }
        out
    }

    /// A closing account shows a pinned notice published 30 days before
    /// closing (001 第十条); absent in the 7 days before that, a warning.
    fn closing_labels(&self, row: &RegistryRow, a: &Account) -> Option<Label> {
        let closing_on = row.closing_on.filter(|_| row.status == "拟关停")?;
        let due = local_midnight(closing_on) - TimeDelta::days(CLOSING_DAYS);
        let warn_from = due - TimeDelta::days(CLOSING_WARNING_LEAD_DAYS);
        let until = self.checkable_until(a);
        let notice = a.posts.iter().find(|p| p.pinned.is_some() && p.text.contains("停止更新"));
        // Pinned and published by `due` at time t?
        let ok_at = |t: DateTime<Utc>| notice.is_some_and(|p| p.pinned_at(t) && p.at <= due);
        let present_at = |t: DateTime<Utc>| notice.is_some_and(|p| p.pinned_at(t));
        let mut t = warn_from;
        let (mut warn, mut violation) = (None, None);
        while t < until {
            if t >= due && !ok_at(t) && violation.is_none() {
                violation = Some(t);
            }
            if t < due && !present_at(t) && warn.is_none() {
                warn = Some(t);
            }
            t += TimeDelta::hours(1);
        }
        match (warn, violation) {
            (_, Some(v)) => Some(self.label("closing_notice", a, "account".into(), Severity::Violation, warn.unwrap_or(v), Some(v), "closing notice not pinned 30 days ahead".into())),
            (Some(w), None) => Some(self.label("closing_notice", a, "account".into(), Severity::Warning, w, None, "closing notice not yet pinned in the week before due".into())),
            _ => None,
        }
    }

    fn vanished_labels(&self, row: &RegistryRow, a: &Account) -> Option<Label> {
        let g = a.gone?;
        if !matches!(row.status, "正常" | "新开通") || g.at + TimeDelta::days(2) > self.decided_by() {
            return None;
        }
        Some(self.label("vanished", a, "account".into(), Severity::Violation, g.at, Some(g.at), format!("{:?} from {}", g.kind, g.at)))
    }

    /// Comments closed on 3 of the latest five non-pinned posts (001
    /// 第二十一条): a violation; on 1 or 2 of them: a warning.
    fn interaction_labels(&self, _row: &RegistryRow, a: &Account) -> Option<Label> {
        let until = self.checkable_until(a);
        let mut posts: Vec<&Post> = a.posts.iter().filter(|p| p.pinned.is_none() && p.at < until).collect();
        posts.sort_by_key(|p| p.at);
        let first_with = |closed: usize| {
            posts
                .windows(INTERACTION_LATEST_K)
                .find(|w| w.iter().filter(|p| p.comments_closed).count() >= closed)
                .map(|w| w[INTERACTION_LATEST_K - 1].at)
        };
        let warned = first_with(1)?;
        let violated = first_with(INTERACTION_CLOSED_OF_LATEST);
        let (sev, why) = match violated {
            Some(_) => (Severity::Violation, "comments closed on 3 of the latest five"),
            None => (Severity::Warning, "comments closed on 1 or 2 of the latest five"),
        };
        Some(self.label("interaction", a, "comments".into(), sev, warned, violated, why.into()))
    }

    /// Verified under the owner unit, named as registered (001 第十一条).
    /// Only Weibo and Bilibili show the verification to a visitor.
    fn profile_labels(&self, row: &RegistryRow, a: &Account) -> Vec<Label> {
        let mut out = Vec::new();
        if a.platform == SimPlatform::Wechat || a.gone.is_some_and(|g| g.at < self.start) {
            return out;
        }
        match &a.verification {
            None => out.push(self.label("verification", a, "verified".into(), Severity::Violation, self.start, Some(self.start), "not verified".into())),
            Some(v) if !v.reason.contains(row.owner_unit.as_str()) => out.push(self.label(
                "verification",
                a,
                "verified_entity".into(),
                Severity::Violation,
                self.start,
                Some(self.start),
                format!("verified as {}", v.reason),
            )),
            Some(_) => {}
        }
        if a.name != row.name {
            out.push(self.label("naming", a, "display_name".into(), Severity::Violation, self.start, Some(self.start), format!("shown as {}", a.name)));
        }
        out
    }

    /// The accounts the report must count as 不合格 for the quarter: those
    /// with a violation of a veto rule (no update in two weeks, interaction
    /// closed) holding at some moment of the quarter.
    pub fn label_set(labels: &[Label]) -> BTreeSet<String> {
        labels.iter().map(|l| l.key()).collect()
    }
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quarter_has_200_accounts_and_labels_for_every_rule() {
        let q = labelled_quarter(true);
        assert!(q.registry.len() >= 200, "{} registered", q.registry.len());
        let labels = q.labels();
        for l in &labels {
            let a = q.world.account(l.platform, &l.account_id).unwrap();
            eprintln!("{:?} {} {} {} {:?} — {}", l.severity, l.rule, a.name, l.subject, l.from, l.why);
        }
        let rules: BTreeSet<&str> = labels.iter().map(|l| l.rule).collect();
        for r in [
            "zombie",
            "weekly_original",
            "repost_delay",
            "closing_notice",
            "vanished",
            "interaction",
            "verification",
            "naming",
            "impostor",
            "one_per_platform",
            "unregistered",
            "opening_notice",
        ] {
            assert!(rules.contains(r), "no label for {r}");
        }
        // Threshold pairs: the 13-day silence warns, the 15-day one violates,
        // the 10.5-day one says nothing.
        let of = |name: &str, rule: &str| {
            let a = q.world.accounts.iter().find(|a| a.name == name && a.platform == SimPlatform::Weibo).unwrap();
            labels.iter().filter(|l| l.account_id == a.id && l.rule == rule).map(|l| l.severity).collect::<Vec<_>>()
        };
        assert_eq!(of("宝鸡市审计局", "zombie"), [Severity::Warning]);
        assert_eq!(of("宝鸡市司法局", "zombie"), [Severity::Violation]);
        assert!(of("宝鸡市统计局", "zombie").is_empty());
        assert!(of("宝鸡市退役军人事务局", "repost_delay").is_empty());
        assert!(of("宝鸡市医疗保障局", "repost_delay").is_empty());
        assert_eq!(of("宝鸡市体育局", "repost_delay"), [Severity::Violation]);
        assert_eq!(of("宝鸡市自然资源和规划局", "repost_delay"), [Severity::Violation]);
        assert_eq!(of("宝鸡市信访局", "closing_notice"), [Severity::Violation]);
        assert_eq!(of("宝鸡市发展和改革委员会", "closing_notice"), [Severity::Warning]);
        assert!(of("宝鸡市财政局", "closing_notice").is_empty());
        assert!(of("宝鸡市商务局", "weekly_original").is_empty());
        assert_eq!(of("宝鸡市科学技术局", "weekly_original"), [Severity::Violation]);
        assert_eq!(of("宝鸡市交通运输局", "interaction"), [Severity::Warning]);
        // Normal accounts have no labels.
        let normal = q.world.accounts.iter().find(|a| a.name == "扶风县教育局").unwrap();
        assert!(labels.iter().all(|l| l.account_id != normal.id), "{:?}", labels.iter().filter(|l| l.account_id == normal.id).collect::<Vec<_>>());
    }

    #[test]
    fn one_account_per_unit_and_platform_except_the_scripted_pairs() {
        let q = labelled_quarter(true);
        let mut seen = std::collections::BTreeMap::new();
        for r in &q.registry {
            *seen.entry((r.platform, r.owner_unit.clone())).or_insert(0) += 1;
        }
        let doubled: Vec<_> = seen.into_iter().filter(|(_, n)| *n > 1).map(|((_, o), _)| o).collect();
        assert_eq!(doubled, ["宝鸡市市场监督管理局", "宝鸡市应急管理局"]);
        let ids: BTreeSet<_> = q.world.accounts.iter().map(|a| (a.platform, a.id.clone())).collect();
        assert_eq!(ids.len(), q.world.accounts.len(), "ids are unique");
    }

    #[test]
    fn wechat_deadlines_follow_the_2026_calendar() {
        assert_eq!(wechat_deadline(cst(2026, 9, 24, 15, 0)), cst(2026, 9, 29, 0, 0));
        assert_eq!(wechat_deadline(cst(2026, 9, 30, 17, 0)), cst(2026, 10, 9, 0, 0));
        assert_eq!(wechat_deadline(cst(2026, 10, 9, 10, 0)), cst(2026, 10, 11, 0, 0));
        assert_eq!(wechat_deadline(cst(2026, 9, 19, 10, 0)), cst(2026, 9, 21, 0, 0), "Sunday 09-20 is a working day");
    }
}
