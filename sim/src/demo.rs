//! The demo world of `xunjian demo`: one county (渭滨区) over 2026年第三季度,
//! small enough to live through in about a minute.
//!
//! Sixteen registered accounts: the city's source account 宝鸡发布 (Weibo,
//! 是否源账号) posts a key item every other day; the county's accounts post
//! their own news every day or two and repost each key item within 5–20
//! minutes. Six things go wrong, each where xunjian can see it before the
//! quarter closes:
//!
//! | account | what happens | rule |
//! |---|---|---|
//! | 渭滨区文化和旅游局 | silent from 09-08 to the end (over 14 days) | zombie (and, silent, no weekly original and no reposts) |
//! | 渭滨区交通运输局 | reposts one key item after 61 minutes | repost_delay |
//! | 渭滨区住房和城乡建设局 | comments closed on every post from 07-20 | interaction |
//! | 渭滨区农业农村局 | not verified on Weibo | verification |
//! | 寶雞發佈 (not registered) | appears 07-15, found by searching 宝鸡发布 | impostor |
//! | 渭滨区民政局 | 拟关停 on 10-15, no pinned notice 30 days ahead | closing_notice |
//!
//! The world is returned as a [`Quarter`], so the labels a correct checker
//! must report come from [`Quarter::labels`] as for the labelled quarter,
//! and the registry is written by [`Quarter::registry_csv`].

use crate::model::*;
use crate::quarter::{Label, Quarter, RegistryRow, Severity, cst};
use crate::util::{Rng, encode_base64};
use chrono::{DateTime, Days, NaiveDate, TimeDelta, Timelike, Utc};
use chrono_tz::Asia::Shanghai;

/// The county of the demo.
pub const COUNTY: &str = "渭滨区";

/// When the report of 2026Q3 is written (the daemon's default
/// `quarterly_report` schedule, `0 9 1 1,4,7,10 *`).
pub fn report_at() -> DateTime<Utc> {
    cst(2026, 10, 1, 9, 0)
}

/// The scripted problems: (account name, platform, rule code, what
/// happens in Chinese). The account is the registered one the finding is
/// about (for the impostor: the account it imitates).
pub const PROBLEMS: [(&str, SimPlatform, &str, &str); 6] = [
    ("渭滨区文化和旅游局", SimPlatform::Weibo, "zombie", "9月8日起停止更新，超过14天（僵尸账号）"),
    ("渭滨区交通运输局", SimPlatform::Weibo, "repost_delay", "一条重要信息61分钟后才转发（时限60分钟）"),
    ("渭滨区住房和城乡建设局", SimPlatform::Weibo, "interaction", "7月20日起关闭全部评论"),
    ("渭滨区农业农村局", SimPlatform::Weibo, "verification", "微博未实名认证"),
    ("宝鸡发布", SimPlatform::Weibo, "impostor", "7月15日出现假冒账号“寶雞發佈”（繁体字、未认证）"),
    ("渭滨区民政局", SimPlatform::Weibo, "closing_notice", "拟于10月15日关停，未提前30天置顶停更公告"),
];

/// How an account departs from a normal one.
#[derive(Default)]
struct Script {
    /// No posts (originals or reposts) from this moment on.
    silent_from: Option<DateTime<Utc>>,
    /// Repost this key item after exactly this delay.
    late_repost: Option<(String, TimeDelta)>,
    /// Comments closed on every post from this moment.
    comments_closed_from: Option<DateTime<Utc>>,
    /// Repost the source's key items at all.
    reposts: bool,
}

struct Builder {
    rng: Rng,
    next_post: u64,
    next_uid: u64,
    next_wx: u64,
    next_bili: u64,
    history_from: DateTime<Utc>,
    end: DateTime<Utc>,
    world: World,
    registry: Vec<RegistryRow>,
    cases: Vec<(String, String)>,
    /// Key items of the Weibo source: (post id, time).
    key_items: Vec<(String, DateTime<Utc>)>,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

impl Builder {
    fn new() -> Self {
        Builder {
            rng: Rng(0xde30_2026_0701),
            next_post: 5_120_000_000_000_000,
            next_uid: 7_310_000_001,
            next_wx: 0,
            next_bili: 3_547_000_001,
            history_from: cst(2026, 6, 1, 0, 0),
            end: cst(2026, 10, 8, 0, 0),
            world: World::default(),
            registry: Vec::new(),
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
                let bizuin = 3_091_000_000u64 + self.next_wx * 7919;
                (format!("gh_{:012x}", 0x5b2_0000_0000u64 + self.next_wx * 104_729), encode_base64(bizuin.to_string().as_bytes()))
            }
            SimPlatform::Bilibili => {
                self.next_bili += 1 + self.rng.range(0, 900) as u64;
                (self.next_bili.to_string(), String::new())
            }
        }
    }

    fn account(&mut self, platform: SimPlatform, name: &str, owner: &str) -> usize {
        let (id, biz) = self.new_id(platform);
        let followers = 3_000 + self.rng.range(0, 200_000) as u64;
        let verification = Some(Verification {
            reason: match platform {
                SimPlatform::Weibo => format!("{owner}官方微博"),
                SimPlatform::Wechat => owner.to_string(),
                SimPlatform::Bilibili => format!("{owner}官方账号"),
            },
            institutional: true,
        });
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

    fn registered(&mut self, platform: SimPlatform, name: &str, owner: &str, region: &str) -> usize {
        let i = self.account(platform, name, owner);
        let n = self.registry.len() + 1;
        self.registry.push(RegistryRow {
            name: name.to_string(),
            platform,
            id: self.world.accounts[i].id.clone(),
            owner_unit: owner.to_string(),
            supervising_unit: format!("{region}人民政府办公室"),
            region: region.to_string(),
            contact: format!("联系人{n:02}"),
            email: format!("unit{n:02}@weibin.example.gov.cn"),
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
        let (p, id) = (self.world.accounts[i].platform, self.world.accounts[i].id.clone());
        self.registry.iter_mut().find(|r| r.platform == p && r.id == id).expect("registered")
    }

    fn case(&mut self, i: usize, what: &str) {
        let a = &self.world.accounts[i];
        self.cases.push((format!("{}:{} {}", a.platform.code(), a.id, a.name), what.to_string()));
    }

    fn push_post(&mut self, i: usize, at: DateTime<Utc>, text: String, repost_of: Option<PostRef>) -> String {
        let id = self.post_id();
        self.world.accounts[i].posts.push(Post {
            id: id.clone(),
            at,
            text,
            original: repost_of.is_none(),
            repost_of,
            pinned: None,
            comments_closed: false,
            deleted_at: None,
        });
        id
    }

    /// The source's key items: every other day in working hours.
    fn source_posts(&mut self, i: usize) {
        let titles = [
            "宝鸡市人民政府关于进一步优化营商环境的若干措施",
            "市政府常务会议研究部署防汛救灾工作",
            "宝鸡市2026年民生实事项目进展情况",
            "关于做好高温天气安全生产工作的通知",
            "宝鸡市出台支持民营经济发展二十条",
            "全市秋粮生产和秋播工作会议召开",
        ];
        let mut t = self.history_from + TimeDelta::hours(9);
        let mut n = 0;
        while t < self.end {
            let at = t + TimeDelta::minutes(self.rng.range(0, 240));
            let day = at.with_timezone(&Shanghai).format("%-m月%-d日");
            let id = self.push_post(i, at, format!("{}（{day}）", titles[n % titles.len()]), None);
            self.key_items.push((id, at));
            n += 1;
            t += TimeDelta::days(2);
        }
    }

    /// Originals every 20–40 hours in the daytime, reposts of the key items
    /// within 5–20 minutes, under `script`.
    fn fill(&mut self, i: usize, script: &Script) {
        let name = self.world.accounts[i].name.clone();
        let end = self.end;
        let live = |t: DateTime<Utc>| t < end && script.silent_from.is_none_or(|s| t < s);
        let mut originals = Vec::new();
        let mut t = self.history_from + TimeDelta::hours(self.rng.range(8, 30));
        while t < self.end {
            let h = t.with_timezone(&Shanghai).hour();
            let at = if (8..21).contains(&h) { t } else { t + TimeDelta::hours(10) };
            if live(at) {
                originals.push(at);
            }
            t = at + TimeDelta::hours(self.rng.range(20, 40));
        }
        for (n, at) in originals.into_iter().enumerate() {
            self.push_post(i, at, format!("{name}：今日政务动态第{}期，便民服务信息发布。", n + 1), None);
        }
        if script.reposts {
            let src = self.registry.iter().find(|r| r.is_source).map(|r| r.id.clone()).expect("a source");
            for (item, at) in self.key_items.clone() {
                let delay = match &script.late_repost {
                    Some((late, d)) if *late == item => *d,
                    _ => TimeDelta::minutes(self.rng.range(5, 20)),
                };
                let when = at + delay;
                if live(when) {
                    let of = PostRef { platform: SimPlatform::Weibo, account_id: src.clone(), post_id: item };
                    self.push_post(i, when, "转发微博".into(), Some(of));
                }
            }
        }
        if let Some(from) = script.comments_closed_from {
            for p in self.world.accounts[i].posts.iter_mut().filter(|p| p.at >= from) {
                p.comments_closed = true;
            }
        }
        self.world.accounts[i].posts.sort_by_key(|p| p.at);
    }

    fn build(mut self) -> Quarter {
        use SimPlatform::*;
        let start = cst(2026, 7, 1, 0, 0);
        let quarter_end = cst(2026, 10, 1, 0, 0);
        let mut hand = Vec::new();
        let gov = format!("{COUNTY}人民政府办公室");

        // The city's source account.
        let src = self.registered(Weibo, "宝鸡发布", "宝鸡市人民政府办公室", "宝鸡市");
        self.row_mut(src).is_source = true;
        self.source_posts(src);

        // Accounts that behave.
        let weibo = Script { reposts: true, ..Script::default() };
        let mut normal = vec![self.registered(Weibo, &format!("{COUNTY}人民政府发布"), &gov, COUNTY)];
        for dept in ["教育局", "卫生健康局", "市场监督管理局", "公安局", "应急管理局", "人力资源和社会保障局"] {
            let unit = format!("{COUNTY}{dept}");
            normal.push(self.registered(Weibo, &unit, &unit, COUNTY));
        }
        normal.push(self.registered(Weibo, "渭滨融媒", &format!("{COUNTY}融媒体中心"), COUNTY));
        for &i in &normal {
            self.fill(i, &weibo);
        }
        // WeChat and Bilibili: no source of theirs, so their own posts only.
        let wx = self.registered(Wechat, "渭滨发布", &gov, COUNTY);
        self.fill(wx, &Script::default());
        let bili = self.registered(Bilibili, "渭滨融媒", &format!("{COUNTY}融媒体中心"), COUNTY);
        self.fill(bili, &Script::default());

        // ---- the scripted problems ---------------------------------------
        let unit = format!("{COUNTY}文化和旅游局");
        let i = self.registered(Weibo, &unit, &unit, COUNTY);
        let silent_from = cst(2026, 9, 8, 21, 30);
        self.fill(i, &Script { silent_from: Some(silent_from), ..weibo_script() });
        // Its last post exactly at the start of the silence.
        self.push_post(i, silent_from, format!("{unit}：近期工作安排。"), None);
        self.world.accounts[i].posts.sort_by_key(|p| p.at);
        self.case(i, PROBLEMS[0].3);

        let unit = format!("{COUNTY}交通运输局");
        let i = self.registered(Weibo, &unit, &unit, COUNTY);
        let item = self
            .key_items
            .iter()
            .find(|(_, at)| *at >= cst(2026, 7, 8, 0, 0))
            .map(|(id, _)| id.clone())
            .expect("a key item in July");
        self.fill(i, &Script { late_repost: Some((item, TimeDelta::minutes(61))), ..weibo_script() });
        self.case(i, PROBLEMS[1].3);

        let unit = format!("{COUNTY}住房和城乡建设局");
        let i = self.registered(Weibo, &unit, &unit, COUNTY);
        self.fill(i, &Script { comments_closed_from: Some(cst(2026, 7, 20, 0, 0)), ..weibo_script() });
        self.case(i, PROBLEMS[2].3);

        let unit = format!("{COUNTY}农业农村局");
        let i = self.registered(Weibo, &unit, &unit, COUNTY);
        self.world.accounts[i].verification = None;
        self.fill(i, &weibo_script());
        self.case(i, PROBLEMS[3].3);

        // The impostor: not in the registry; Weibo's user search lists it
        // for 宝鸡发布 from the day it appears.
        let appears = cst(2026, 7, 15, 15, 0);
        let imp = self.account(Weibo, "寶雞發佈", "");
        {
            let description = self.world.accounts[src].description.clone();
            let a = &mut self.world.accounts[imp];
            a.verification = None;
            a.appears_at = Some(appears);
            a.search_terms.push("宝鸡发布".into());
            a.description = description;
            a.followers = 1_200;
        }
        self.fill(imp, &Script::default());
        self.world.accounts[imp].posts.retain(|p| p.at >= appears);
        let first_search = next_monday_3am(appears);
        hand.push(Label {
            rule: "impostor",
            platform: Weibo,
            account_id: self.world.accounts[src].id.clone(),
            subject: format!("impostor:weibo:{}", self.world.accounts[imp].id),
            severity: Severity::Violation,
            from: first_search,
            violation_from: Some(first_search),
            why: "traditional script of 宝鸡发布, unverified: impostor".into(),
        });
        self.case(imp, PROBLEMS[4].3);

        let unit = format!("{COUNTY}民政局");
        let i = self.registered(Weibo, &unit, &unit, COUNTY);
        {
            let r = self.row_mut(i);
            r.status = "拟关停";
            r.closing_on = Some(date(2026, 10, 15));
        }
        // A closing account owes no reposts; it goes on posting, but pins
        // no notice.
        self.fill(i, &Script::default());
        self.case(i, PROBLEMS[5].3);

        Quarter {
            world: self.world,
            registry: self.registry,
            hand_labels: hand,
            start,
            end: self.end,
            quarter_end,
            cases: self.cases,
        }
    }
}

fn weibo_script() -> Script {
    Script { reposts: true, ..Script::default() }
}

/// The impostor search runs Mondays at 03:00: the first after `t`.
fn next_monday_3am(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::Datelike;
    let mut d = t.with_timezone(&Shanghai).date_naive();
    loop {
        d = d + Days::new(1);
        if d.weekday() == chrono::Weekday::Mon {
            return cst(d.year(), d.month(), d.day(), 3, 0);
        }
    }
}

/// The demo's world and registry: 16 accounts of 渭滨区 and 宝鸡发布 over
/// 2026-07-01 .. 2026-10-08 (`end`, beyond the demo's stop), the report's quarter ending at
/// `quarter_end` (2026-10-01). `cases` says, in Chinese, what goes wrong
/// and where.
pub fn demo_quarter() -> Quarter {
    Builder::new().build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn the_demo_world_is_well_formed() {
        let q = demo_quarter();
        assert!((12..=20).contains(&q.registry.len()), "{} registered", q.registry.len());
        // Accounts unique on their platform; every registered one exists.
        let ids: BTreeSet<_> = q.world.accounts.iter().map(|a| (a.platform, a.id.clone())).collect();
        assert_eq!(ids.len(), q.world.accounts.len(), "account ids are unique");
        let rows: BTreeSet<_> = q.registry.iter().map(|r| (r.platform, r.id.clone())).collect();
        assert_eq!(rows.len(), q.registry.len(), "registry rows are unique");
        for r in &q.registry {
            assert!(q.world.account(r.platform, &r.id).is_some(), "{} is registered but not on the platform", r.name);
        }
        let names: BTreeSet<_> = q.registry.iter().map(|r| (r.platform, r.name.clone())).collect();
        assert_eq!(names.len(), q.registry.len(), "registered names are unique per platform");
        // Post ids unique per platform, reposts point at key items.
        let mut posts = BTreeSet::new();
        for a in &q.world.accounts {
            for p in &a.posts {
                assert!(posts.insert((a.platform, p.id.clone())), "post {} twice", p.id);
                if let Some(r) = &p.repost_of {
                    assert!(q.world.post(r).is_some(), "{} reposts a post that does not exist", a.name);
                }
            }
        }
        // One source, on Weibo, posting key items all through the quarter.
        let sources: Vec<_> = q.registry.iter().filter(|r| r.is_source).collect();
        assert_eq!(sources.len(), 1);
        assert_eq!((sources[0].name.as_str(), sources[0].platform), ("宝鸡发布", SimPlatform::Weibo));
        let src = q.world.account(SimPlatform::Weibo, &sources[0].id).unwrap();
        let in_quarter = src.posts.iter().filter(|p| p.at >= q.start && p.at < q.quarter_end).count();
        assert!(in_quarter >= 40, "{in_quarter} key items in the quarter");
        // The CSV has a header and a line per account.
        assert_eq!(q.registry_csv("http://127.0.0.1:1").lines().count(), q.registry.len() + 1);
        // The impostor is not registered and is found by searching the source's name.
        let imp = q.world.accounts.iter().find(|a| a.name == "寶雞發佈").unwrap();
        assert!(q.registered(imp.platform, &imp.id).is_none());
        assert!(!imp.matches_search("宝鸡发布", cst(2026, 7, 10, 0, 0)));
        assert!(imp.matches_search("宝鸡发布", cst(2026, 7, 20, 0, 0)));
    }

    #[test]
    fn each_scripted_problem_is_there_and_nothing_else_goes_wrong() {
        let q = demo_quarter();
        let labels = q.labels();
        for l in &labels {
            let a = q.world.account(l.platform, &l.account_id).unwrap();
            eprintln!("{:?} {} {} {} {} — {}", l.severity, l.rule, a.name, l.subject, l.from, l.why);
        }
        assert_eq!(q.cases.len(), PROBLEMS.len());
        let of = |name: &str, rule: &str| -> Vec<&Label> {
            let a = q.registry.iter().find(|r| r.name == name && r.platform == SimPlatform::Weibo).unwrap();
            labels.iter().filter(|l| l.account_id == a.id && l.rule == rule).collect()
        };
        for (name, _, rule, what) in PROBLEMS {
            let found = of(name, rule);
            assert!(!found.is_empty(), "{name}: no {rule} label ({what})");
            // Each is a violation the daemon can see before the quarter closes.
            assert!(
                found.iter().any(|l| l.severity == Severity::Violation && l.violation_from.is_some_and(|v| v < q.quarter_end)),
                "{name}: {rule} is no violation in the quarter: {found:?}"
            );
        }
        assert_eq!(of("渭滨区交通运输局", "repost_delay").len(), 1, "one late repost");
        assert!(of("渭滨区交通运输局", "repost_delay")[0].why.contains("61 minutes"));
        // Accounts without a scripted problem have no labels at all.
        let problem_names: BTreeSet<&str> = PROBLEMS.iter().map(|p| p.0).collect();
        for r in q.registry.iter().filter(|r| !problem_names.contains(r.name.as_str())) {
            let theirs: Vec<_> = labels.iter().filter(|l| l.platform == r.platform && l.account_id == r.id).collect();
            assert!(theirs.is_empty(), "{} ({}) has labels: {theirs:?}", r.name, r.platform.code());
        }
        // The source's only label is the impostor's.
        let src = q.registry.iter().find(|r| r.is_source).unwrap();
        assert!(labels.iter().filter(|l| l.account_id == src.id).all(|l| l.rule == "impostor"));
        let every: BTreeSet<&str> = labels.iter().map(|l| l.rule).collect();
        assert_eq!(
            every,
            ["closing_notice", "impostor", "interaction", "repost_delay", "verification", "weekly_original", "zombie"]
                .into_iter()
                .collect()
        );
    }
}
