//! One evaluation pass: read what the store knows, run the rules, fold the
//! findings into the lifecycle (and the outbox) — the glue between the store
//! and the pure rules. Used by `xunjian check` and by the daemon.

use crate::accounts::{Account, LifecycleStatus};
use crate::calendar::HolidayCalendar;
use crate::rules::impostor::SearchEvidence;
use crate::rules::opening_notice::{PortalSighting, SuperiorPosts};
use crate::rules::{self, AccountFacts, Finding, ResolvedRules, RuleContext, RuleId, SourceItem};
use crate::store::{FindingTransition, NoticePlanner, Store, StoreError};
use chrono::{DateTime, TimeDelta, Utc};
use xunjian_adapters::model::{ObservationKind, OutcomeClass};

/// How far back the loader reads observations and posts. Long enough for
/// the longest window any rule looks at (a 30-day closing notice plus the
/// days before it; a 15-day zombie limit plus its lead).
pub const FACTS_WINDOW: TimeDelta = TimeDelta::days(45);
/// Key items of source accounts older than this are no longer evaluated:
/// their deadline (one hour, or one working day across a long holiday) is
/// long past and their findings are settled.
pub const SOURCE_ITEM_WINDOW: TimeDelta = TimeDelta::days(14);
/// The latest posts read regardless of age (for "last update" when an
/// account has been silent for longer than the window).
const LATEST_POSTS: i64 = 50;

/// Which accounts and rules to evaluate.
#[derive(Debug, Clone, Default)]
pub struct CheckScope {
    /// `None` = every account in the registry (not retired).
    pub account_ids: Option<Vec<i64>>,
    /// `None` = every enabled rule.
    pub rules: Option<Vec<RuleId>>,
}

/// Reads everything the rules need about one account.
pub async fn load_facts(store: &Store, account: &Account, now: DateTime<Utc>) -> Result<AccountFacts, StoreError> {
    let from = (now - FACTS_WINDOW).timestamp_millis();
    let to = now.timestamp_millis() + 1;
    let mut facts = AccountFacts::new(account.clone());
    facts.observations = store.observations_for_account(account.id, from, to).await?;
    let mut posts = store.posts_between(account.id, from, to).await?;
    for p in store.latest_posts(account.id, LATEST_POSTS, true).await? {
        if !posts.iter().any(|q| q.row_id == p.row_id) {
            posts.push(p);
        }
    }
    posts.sort_by_key(|p| std::cmp::Reverse(p.post.published_at));
    facts.posts = posts;
    // As of `now`: a check of a past instant reads the profile as it was then.
    if let Some(p) = store.profile_as_of(account.id, now.timestamp_millis()).await? {
        facts.profiles.push(p);
    }
    let mut wanted: Vec<i64> = facts.observations.iter().map(|o| o.id).collect();
    wanted.extend(facts.posts.iter().filter_map(|p| p.last_observation_id));
    wanted.sort_unstable();
    wanted.dedup();
    facts.captures = store.captures_of(&wanted).await?;
    Ok(facts)
}

/// What the rules read about a source account when it is not itself being
/// checked: its posts (the key items, with the captures that showed them)
/// and, as its only observations, the earliest and the latest successful
/// timeline reads of the window (from when and until when its posts were
/// watched, see [`SuperiorPosts`]). A source is polled every few
/// minutes; loading its thousands of observations for every other
/// account's check was the daemon's largest cost.
async fn load_source_facts(store: &Store, account: &Account, now: DateTime<Utc>) -> Result<AccountFacts, StoreError> {
    let from = (now - FACTS_WINDOW).timestamp_millis();
    let to = now.timestamp_millis() + 1;
    let mut facts = AccountFacts::new(account.clone());
    let first = store.first_ok_observation(account.id, ObservationKind::Timeline, from, to, false).await?;
    let last = store.first_ok_observation(account.id, ObservationKind::Timeline, from, to, true).await?;
    facts.observations = first.into_iter().chain(last).collect();
    facts.observations.dedup_by_key(|o| o.id);
    let mut posts = store.posts_between(account.id, from, to).await?;
    posts.sort_by_key(|p| std::cmp::Reverse(p.post.published_at));
    facts.posts = posts;
    let mut wanted: Vec<i64> = facts.posts.iter().filter_map(|p| p.last_observation_id).collect();
    wanted.sort_unstable();
    wanted.dedup();
    facts.captures = store.captures_of(&wanted).await?;
    Ok(facts)
}

/// The key items of one source account: its non-pinned posts of the last
/// [`SOURCE_ITEM_WINDOW`].
///
/// One article read through two sources (a WeChat feed and Sogou) is
/// stored twice under two ids; it is one key item, not two: posts with the
/// same exact time and text count once (the one with the platform's own id,
/// not a `sogou:` stand-in, when there is a choice).
fn source_items(facts: &AccountFacts, now: DateTime<Utc>) -> Vec<SourceItem> {
    let since = now - SOURCE_ITEM_WINDOW;
    let mut posts: Vec<&crate::store::PostRecord> = facts
        .posts
        .iter()
        .filter(|p| !p.post.is_pinned && p.post.published_at >= since && p.post.published_at <= now)
        .collect();
    posts.sort_by_key(|p| (p.post.published_at, p.post.id.starts_with("sogou:"), p.row_id));
    posts.dedup_by(|later, kept| {
        later.post.published_at_exact
            && kept.post.published_at_exact
            && later.post.published_at == kept.post.published_at
            && same_title(&later.post.text, &kept.post.text)
    });
    posts
        .into_iter()
        .map(|p| SourceItem {
            account: facts.account.clone(),
            post: p.clone(),
            capture: p.last_observation_id.and_then(|id| facts.captures.get(&id)).and_then(|c| c.first()).cloned(),
        })
        .collect()
}

/// Equal, or one cut short with an ellipsis as Sogou shows long titles.
fn same_title(a: &str, b: &str) -> bool {
    let cut = |s: &str| s.trim().trim_end_matches("...").trim_end_matches('…').trim_end().to_string();
    let (a, b) = (cut(a), cut(b));
    !a.is_empty() && !b.is_empty() && (a.starts_with(&b) || b.starts_with(&a))
}

/// The account's search observations of the last `search_window_days`, with
/// their hits and captures (failed ones too: the rules name them in their
/// "not checked" reasons and never read them as evidence).
async fn searches(store: &Store, facts: &AccountFacts, rules: &ResolvedRules, now: DateTime<Utc>) -> Result<Vec<SearchEvidence>, StoreError> {
    let since = (now - TimeDelta::days(i64::from(rules.search_window_days))).timestamp_millis();
    // The daemon's searches are stored by query with no account (see
    // poll::search_account); the account's own observations hold any a
    // person made for it (`xunjian debug`, tests).
    let queries = crate::poll::search_queries(&facts.account);
    let mut found = store
        .searches_for(facts.account.spec.platform, &queries, since, now.timestamp_millis() + 1)
        .await?;
    for o in facts.observations.iter().filter(|o| o.kind == ObservationKind::Search && o.observed_at_ms >= since) {
        if !found.iter().any(|f| f.id == o.id) {
            found.push(o.clone());
        }
    }
    found.sort_by_key(|o| (o.observed_at_ms, o.id));
    let ids: Vec<i64> = found.iter().map(|o| o.id).collect();
    let mut captures = store.captures_of(&ids).await?;
    let mut out = Vec::new();
    for o in found {
        let hits = if o.outcome == OutcomeClass::Ok { store.search_hits(o.id).await? } else { Vec::new() };
        out.push(SearchEvidence { captures: captures.remove(&o.id).unwrap_or_default(), observation: o, hits });
    }
    Ok(out)
}

/// The reads of the account's superior portal homepage since the opening
/// window could have begun.
async fn portal_sightings(store: &Store, facts: &AccountFacts, now: DateTime<Utc>) -> Result<Vec<PortalSighting>, StoreError> {
    let Some(url) = facts.account.spec.superior_portal_url.as_deref().filter(|u| !u.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    let from = (now - FACTS_WINDOW).timestamp_millis();
    let mut out = Vec::new();
    for (observation, items) in store.portal_reads(url, from, now.timestamp_millis() + 1).await? {
        let capture = store.observation_captures(observation.id).await?.into_iter().next();
        out.push(PortalSighting { observation, items, capture });
    }
    Ok(out)
}

/// Runs the rules over the store's current knowledge. Pure with respect to
/// the store (reads only); see [`check_and_record`] to keep the results.
pub async fn evaluate(
    store: &Store,
    rules: &ResolvedRules,
    calendar: &HolidayCalendar,
    now: DateTime<Utc>,
    scope: &CheckScope,
) -> Result<Vec<Finding>, StoreError> {
    // Impostor candidates are compared with every account the office ever
    // registered, retired ones included (a retired account is not an impostor).
    let all = store.registry().await?;
    let everyone = all.everyone();
    let ctx = RuleContext { now, calendar, rules };
    let scope_ids: Option<std::collections::HashSet<i64>> = scope.account_ids.as_ref().map(|ids| ids.iter().copied().collect());
    let in_scope = |a: &Account| scope_ids.as_ref().is_none_or(|ids| ids.contains(&a.id));
    let wants = |r: RuleId| scope.rules.as_ref().is_none_or(|rs| rs.contains(&r));

    // Load first, evaluate second: the opening-notice rule reads the
    // source accounts' posts whatever their order in the registry.
    let mut loaded = Vec::new();
    for account in all.current() {
        if in_scope(account) {
            loaded.push((true, load_facts(store, account, now).await?));
        } else if account.spec.is_source {
            loaded.push((false, load_source_facts(store, account, now).await?));
        }
    }
    let superiors: Vec<SuperiorPosts<'_>> = loaded
        .iter()
        .filter(|(_, f)| f.account.spec.is_source)
        .map(|(_, f)| SuperiorPosts {
            name: &f.account.spec.display_name,
            posts: &f.posts,
            watched_since_ms: f
                .observations
                .iter()
                .filter(|o| o.kind == ObservationKind::Timeline && o.outcome == OutcomeClass::Ok)
                .map(|o| o.observed_at_ms)
                .min(),
            watched_until_ms: f
                .observations
                .iter()
                .filter(|o| o.kind == ObservationKind::Timeline && o.outcome == OutcomeClass::Ok)
                .map(|o| o.observed_at_ms)
                .max(),
        })
        .collect();

    let mut findings = Vec::new();
    let mut target_facts = Vec::new();
    let mut items = Vec::new();
    for (is_target, facts) in &loaded {
        let account = &facts.account;
        if *is_target {
            findings.extend(rules::evaluate_account(facts, &ctx));
            if (rules.impostor.enabled && wants(RuleId::Impostor))
                || (rules.unregistered.enabled && wants(RuleId::Unregistered))
            {
                let found = searches(store, facts, rules, now).await?;
                findings.extend(rules::impostor::check_impostors(account, &found, everyone, &ctx));
                findings.extend(rules::one_per_platform::check_unregistered(account, &found, everyone, &ctx));
            }
            if rules.opening_notice.enabled && wants(RuleId::OpeningNotice) {
                let portal = portal_sightings(store, facts, now).await?;
                let rule = &rules.opening_notice;
                findings.extend(rules::opening_notice::check_portal_notice(facts, &portal, rule, &ctx));
                let others: Vec<SuperiorPosts<'_>> =
                    superiors.iter().filter(|s| !std::ptr::eq(s.posts, facts.posts.as_slice())).cloned().collect();
                findings.extend(rules::opening_notice::check_superior_post(facts, &others, rule, &ctx));
            }
        }
        if account.spec.is_source {
            items.extend(source_items(facts, now));
        }
        if *is_target && matches!(account.spec.status, LifecycleStatus::Active | LifecycleStatus::Opening) {
            target_facts.push(facts.clone());
        }
    }
    if rules.repost_delay.enabled && wants(RuleId::RepostDelay) {
        findings.extend(rules::evaluate_reposts(&items, &target_facts, &ctx));
    }
    if rules.one_per_platform.enabled && wants(RuleId::OnePerPlatform) {
        // The owner groups are formed over the whole registry once per
        // registry version, not per check.
        let groups = all.derived(|r| rules::one_per_platform::OwnerGroups::new(r.current()));
        let registry: Vec<&Account> = match &scope.account_ids {
            Some(ids) => ids.iter().filter_map(|id| all.get(*id)).filter(|a| all.is_retired(a.id) == Some(false)).collect(),
            None => all.current().collect(),
        };
        findings.extend(rules::one_per_platform::check_one_per_platform_grouped(&registry, &groups, &ctx));
    }
    // A silent account's missed reposts belong to its zombie finding (issue 16).
    rules::absorb::fold_missed_reposts_into_zombie(&mut findings, &target_facts, &rules.zombie);
    findings.retain(|f| wants(f.rule));
    Ok(findings)
}

/// What one recorded evaluation did.
#[derive(Debug)]
pub struct CheckOutcome {
    pub findings: Vec<Finding>,
    pub transitions: Vec<FindingTransition>,
}

/// Evaluates and records: findings folded into the lifecycle, notices
/// planned by `planner` written in the same transaction, per account.
pub async fn check_and_record(
    store: &Store,
    rules: &ResolvedRules,
    calendar: &HolidayCalendar,
    now: DateTime<Utc>,
    scope: &CheckScope,
    planner: &NoticePlanner<'_>,
) -> Result<CheckOutcome, StoreError> {
    let findings = evaluate(store, rules, calendar, now, scope).await?;
    let mut by_account: std::collections::BTreeMap<i64, Vec<Finding>> = Default::default();
    for f in &findings {
        by_account.entry(f.account_id).or_default().push(f.clone());
    }
    let mut transitions = Vec::new();
    for (_, batch) in by_account {
        transitions.extend(store.record_evaluation(&batch, now.timestamp_millis(), planner).await?);
    }
    Ok(CheckOutcome { findings, transitions })
}
