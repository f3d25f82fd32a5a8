//! A parser panic inside one fetch is caught, recorded as that fetch's
//! `parse_error`, and the worker goes on (law 6: a panic in one check must
//! never kill the worker or leave the check to fail the same way forever).

use chrono::{DateTime, Utc};
use xunjian::accounts::AccountSpec;
use xunjian::clock::ManualClock;
use xunjian::poll::poll_account;
use xunjian::store::{Store, StoreOptions};
use xunjian_adapters::model::{MessageEntry, OutcomeClass, Platform, Profile, Timeline};
use xunjian_adapters::{Adapter, AdapterHealth, BoxFuture, BreakerStatus, FetchResult, Fetched};

/// Answers the profile, then panics in the timeline parser as a slice
/// with begin > end would.
struct PanickingTimeline;

impl Adapter for PanickingTimeline {
    fn platform(&self) -> Platform {
        Platform::Weibo
    }
    fn profile<'a>(&'a self, account: &'a str) -> Option<BoxFuture<'a, FetchResult<Profile>>> {
        Some(Box::pin(async move {
            Ok(Fetched {
                value: Profile {
                    platform_id: account.to_string(),
                    display_name: "汉滨发布".into(),
                    description: None,
                    verified: None,
                    verified_type: None,
                    verified_entity: None,
                    followers: None,
                    post_count: None,
                    private_message: MessageEntry::Unknown,
                    comment_policy: Default::default(),
                },
                captures: Vec::new(),
                source: "test profile",
                incomplete: Vec::new(),
            })
        }))
    }
    fn timeline<'a>(&'a self, _account: &'a str) -> Option<BoxFuture<'a, FetchResult<Timeline>>> {
        Some(Box::pin(async move {
            tokio::task::yield_now().await; // panic after a first Pending, as a real fetch would
            let body = "<code class=x";
            let (begin, end) = (body.len(), body.find('>').unwrap_or(5));
            let _ = &body[begin..end];
            unreachable!("the slice above panics")
        }))
    }
    fn health(&self) -> AdapterHealth {
        AdapterHealth {
            breaker: BreakerStatus {
                platform: Platform::Weibo,
                state: "closed",
                consecutive_refusals: 0,
                opened_at: None,
                retry_in_secs: None,
                times_opened: 0,
                last_refusal: None,
            },
            session: None,
            sources: Vec::new(),
            routes: Vec::new(),
            requests_per_minute: 12,
        }
    }
}

#[tokio::test]
async fn a_parser_panic_is_recorded_as_parse_error_and_the_poll_returns() {
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", tmp.path().join("x.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    let now: DateTime<Utc> = "2026-11-21T01:00:00Z".parse().unwrap();
    let account = store.add_account(&AccountSpec::new(Platform::Weibo, "5001", "汉滨发布"), 0, "test").await.unwrap();
    let clock = ManualClock::new(now);

    let report = poll_account(&store, &PanickingTimeline, &account, &clock).await.unwrap();
    assert_eq!(report.outcome, Some(OutcomeClass::ParseError));
    let obs = store.observations_for_account(account.id, 0, i64::MAX).await.unwrap();
    let outcomes: Vec<_> = obs.iter().map(|o| (o.kind.code(), o.outcome)).collect();
    assert_eq!(outcomes, [("profile", OutcomeClass::Ok), ("timeline", OutcomeClass::ParseError)]);
    let detail = obs[1].detail.as_deref().unwrap();
    assert!(detail.contains("解析程序异常") && detail.contains("begin > end"), "{detail}");
    // The worker is alive: the next poll runs (and is caught) the same way.
    let again = poll_account(&store, &PanickingTimeline, &account, &clock).await.unwrap();
    assert_eq!(again.outcome, Some(OutcomeClass::ParseError));
}
