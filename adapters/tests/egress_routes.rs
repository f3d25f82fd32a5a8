//! Egress routes (出口线路) and transport failures: a route whose proxy is
//! dead cannot reach the platform while another route can; it is set aside
//! like a blocked route, so checks stop failing on it. When no route gets
//! through (the platform itself is down) nothing is set aside: that is the
//! platform's outage, left to the retries and "could not check".

mod common;

use common::{Reply, TestServer};
use xunjian_adapters::FetchFailure;
use xunjian_adapters::config::{EgressRoute, HttpPolicy};
use xunjian_adapters::http::{PoliteClient, RequestSpec};
use xunjian_adapters::model::{OutcomeClass, Platform};

fn dead_address() -> std::net::SocketAddr {
    // A port nobody listens on.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    drop(l);
    a
}

fn policy(routes: Vec<EgressRoute>) -> HttpPolicy {
    HttpPolicy {
        requests_per_minute: 6000,
        burst: 100,
        jitter_ms: 0,
        timeout_secs: 5,
        max_retries: 2,
        backoff_base_ms: 1,
        backoff_max_ms: 10,
        breaker_threshold: 3,
        breaker_cooldown_secs: 3600,
        routes,
        ..HttpPolicy::default()
    }
}

fn route(name: &str, proxy: String) -> EgressRoute {
    EgressRoute {
        name: name.into(),
        proxy,
        ..EgressRoute::default()
    }
}

async fn get(client: &PoliteClient, url: &str) -> Result<u16, FetchFailure> {
    client
        .fetch(|| RequestSpec::get(url, "test"), |raw| Ok(raw.status))
        .await
        .result
}

fn sent(client: &PoliteClient, name: &str) -> (u64, &'static str, Option<String>) {
    let r = client
        .route_status()
        .into_iter()
        .find(|r| r.route == name)
        .unwrap();
    (r.requests, r.breaker.state, r.breaker.last_refusal)
}

#[tokio::test]
async fn a_route_through_a_dead_proxy_is_set_aside_while_the_other_answers() {
    let server = TestServer::start(|_| Reply::json(br#"{"ok":1}"#.to_vec())).await;
    let url = format!("{}/x", server.base());
    let dead = format!("http://{}", dead_address());
    let client = PoliteClient::new(
        Platform::Weibo,
        &policy(vec![route("直连", String::new()), route("坏代理", dead)]),
    )
    .unwrap();
    for _ in 0..20 {
        // A request that tried the dead route is retried on the other.
        assert_eq!(get(&client, &url).await.unwrap(), 200);
    }
    let (tried, state, why) = sent(&client, "坏代理");
    assert_eq!(state, "open", "set aside after {tried} failed attempts");
    assert!(
        (3..=4).contains(&tried),
        "the dead route was tried {tried} times before it was set aside"
    );
    assert!(
        why.as_deref().is_some_and(|w| w.contains("无法连接")),
        "{why:?}"
    );
    assert_eq!(sent(&client, "直连").1, "closed");
    // The platform as a whole is reachable: its breaker is closed.
    assert_eq!(client.breaker_status().state, "closed");
    // From now on every request goes the working way, each in one attempt.
    for _ in 0..20 {
        assert_eq!(get(&client, &url).await.unwrap(), 200);
    }
    assert_eq!(
        sent(&client, "坏代理").0,
        tried,
        "requests still sent through the dead proxy"
    );
    assert_eq!(server.requests().len(), 40);
}

#[tokio::test]
async fn when_no_route_gets_through_none_is_set_aside() {
    let url = format!("http://{}/x", dead_address());
    let client = PoliteClient::new(
        Platform::Weibo,
        &policy(vec![
            route("出口1", String::new()),
            route("出口2", String::new()),
        ]),
    )
    .unwrap();
    for _ in 0..5 {
        let f = get(&client, &url).await.unwrap_err();
        assert_eq!(f.class(), OutcomeClass::NetworkError, "{f}");
    }
    for name in ["出口1", "出口2"] {
        let (tried, state, _) = sent(&client, name);
        assert!(tried >= 5, "{name}: {tried}");
        assert_eq!(
            state, "closed",
            "{name}: the platform's outage is not a route's fault"
        );
    }
}
