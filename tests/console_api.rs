//! `/api/v1` with per-user tokens, on a real store (SQLite always,
//! PostgreSQL when configured), the router driven without a socket: a
//! token acts as its user with the pages' role and scope checks (404 across
//! units), actions go through the store and into the audit log with the
//! token named, revoked tokens and disabled users stop working, a cookie
//! opens nothing there. And a finding's evidence as one zip, hashes checked.

mod common;
#[path = "common/console.rs"]
mod console;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use console::PASSWORD;
use sha2::{Digest, Sha256};
use std::io::Read;
use tower::ServiceExt;
use xunjian::store::{FindingState, NewApiToken, Store};
use xunjian::web::password;

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    bytes: Vec<u8>,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.bytes)))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

async fn call(app: &Router, method: &str, path: &str, token: Option<&str>, cookie: Option<&str>, body: Option<serde_json::Value>) -> Reply {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let req = match body {
        Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())).unwrap(),
        None => req.body(Body::empty()).unwrap(),
    };
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 10 << 20).await.unwrap().to_vec();
    Reply { status, headers, bytes }
}

async fn get(app: &Router, path: &str, token: &str) -> Reply {
    call(app, "GET", path, Some(token), None, None).await
}

async fn post(app: &Router, path: &str, token: &str, body: serde_json::Value) -> Reply {
    call(app, "POST", path, Some(token), None, Some(body)).await
}

/// A token for `username`, made as `xunjian users token add` makes it.
async fn token_for(s: &Store, username: &str, name: &str) -> (i64, String) {
    let (user, _) = s.find_user_by_name(username).await.unwrap().unwrap();
    let (token, digest, prefix) = password::new_api_token();
    let t = s
        .create_api_token(&NewApiToken { user_id: user.id, name, token_sha256: &digest, prefix: &prefix }, 1_000)
        .await
        .unwrap();
    (t.id, token)
}

/// A logged-in browser's cookies and the CSRF token of its session.
async fn browser_login(app: &Router, username: &str) -> (String, String) {
    let page = call(app, "GET", "/login", None, None, None).await;
    let login_cookie = page.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().split(';').next().unwrap().to_string();
    let csrf = field(&page.text(), "csrf");
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("username", username), ("password", PASSWORD), ("csrf", &csrf), ("next", "/")])
        .finish();
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &login_cookie)
        .body(Body::from(form))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let session = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.starts_with(xunjian::web::SESSION_COOKIE))
        .expect("session cookie");
    let home = call(app, "GET", "/", None, Some(&session), None).await;
    (session, field(&home.text(), "csrf"))
}

/// The value of the first hidden field `name`.
fn field(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = html.find(&key).unwrap_or_else(|| panic!("no {name} field in {html}"));
    let rest = &html[at + key.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

async fn form_post(app: &Router, path: &str, cookie: &str, form: &[(&str, &str)]) -> Reply {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 10 << 20).await.unwrap().to_vec();
    Reply { status, headers, bytes }
}

#[tokio::test]
async fn a_token_acts_as_its_user_with_the_pages_scope_and_role_checks() {
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let app = xunjian::web::router(console::state(s, &f));
        let label = db.label;

        // No token, a made-up one: 401 in JSON, nothing shown.
        let r = call(&app, "GET", "/api/v1/accounts", None, None, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{label}");
        assert_eq!(r.json()["error"], "unauthorized");
        assert!(r.headers.get(header::WWW_AUTHENTICATE).is_some());
        let r = get(&app, "/api/v1/accounts", "xjt_0000000000000000000000000000000000000000000000000000000000000000").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        // A logged-in browser's cookie opens nothing under /api (no CSRF there to protect it).
        let (cookie, _) = browser_login(&app, "staff").await;
        let r = call(&app, "GET", "/api/v1/accounts", None, Some(&cookie), None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{label}: {}", r.text());
        let r = call(&app, "POST", &format!("/api/v1/findings/{}/dismiss", f.finding_b), None, Some(&cookie), Some(serde_json::json!({"reason": "用浏览器的登录试试"}))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);

        // A unit operator's token: its unit only, 404 for the other's by any path.
        let (_, unit) = token_for(s, "jinan", "区办公平台").await;
        let r = get(&app, "/api/v1/accounts", &unit).await;
        assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.text());
        let j = r.json();
        assert_eq!(j["total"], 2, "{j}");
        let names: Vec<&str> = j["items"].as_array().unwrap().iter().map(|a| a["display_name"].as_str().unwrap()).collect();
        assert!(names.contains(&"金安发布") && names.contains(&console::HOSTILE) && !names.contains(&"裕安发布"), "{names:?}");
        let r = get(&app, "/api/v1/findings", &unit).await;
        let ids: Vec<i64> = r.json()["items"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect();
        assert!(ids.contains(&f.finding_a) && !ids.contains(&f.finding_b), "{ids:?}");
        for path in [
            format!("/api/v1/accounts/{}", f.account_b),
            format!("/api/v1/findings/{}", f.finding_b),
            format!("/api/v1/findings/{}/evidence/{}", f.finding_b, f.evidence_b),
            format!("/api/v1/findings/{}/evidence/{}/raw", f.finding_b, f.evidence_b),
            format!("/api/v1/findings/{}/evidence/{}", f.finding_a, f.evidence_b),
            format!("/api/v1/findings/{}/evidence.zip", f.finding_b),
            "/api/v1/accounts/999999".to_string(),
            "/api/v1/nothing-here".to_string(),
        ] {
            let r = get(&app, &path, &unit).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{label}: {path}: {}", r.text());
            assert_eq!(r.json()["error"], "not_found");
            assert!(!r.text().contains("裕安发布"), "{path}");
        }
        assert_eq!(get(&app, "/api/v1/reports", &unit).await.status, StatusCode::FORBIDDEN);
        let r = post(&app, &format!("/api/v1/findings/{}/rectify", f.finding_b), &unit, serde_json::json!({"note": "已恢复更新"})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(s.get_finding(f.finding_b).await.unwrap().unwrap().state, FindingState::Open, "{label}");
        let r = post(&app, &format!("/api/v1/findings/{}/dismiss", f.finding_a), &unit, serde_json::json!({"reason": "我们觉得没问题"})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Its own: the finding and a capture's description, and the declaration.
        let r = get(&app, &format!("/api/v1/findings/{}", f.finding_a), &unit).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["finding"]["rule"], "zombie");
        assert!(r.json()["finding"]["citation"].as_str().unwrap().contains("《"), "{}", r.text());
        let r = get(&app, &format!("/api/v1/findings/{}/evidence/{}", f.finding_a, f.evidence_a), &unit).await;
        assert_eq!(r.json()["sha256"], f.evidence_a.as_str());
        let raw = get(&app, &format!("/api/v1/findings/{}/evidence/{}/raw", f.finding_a, f.evidence_a), &unit).await;
        assert_eq!(raw.bytes, s.evidence_body(&f.evidence_a).await.unwrap().unwrap());
        let r = post(&app, &format!("/api/v1/findings/{}/rectify", f.finding_a), &unit, serde_json::json!({"note": "短"})).await;
        assert_eq!((r.status, r.json()["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("refused")));
        assert!(r.json()["message"].as_str().unwrap().contains("整改说明"));
        let r = post(&app, &format!("/api/v1/findings/{}/rectify", f.finding_a), &unit, serde_json::json!({"note": "已于今日恢复更新", "link": "https://m.weibo.cn/status/9"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["finding"]["state"], "rectifying");
        let fa = s.get_finding(f.finding_a).await.unwrap().unwrap();
        assert_eq!((fa.state, fa.rectify_by.as_deref()), (FindingState::Rectifying, Some("李强（jinan）")));

        // Read-only: reads everything, changes nothing.
        let (_, leader) = token_for(s, "leader", "大屏").await;
        assert_eq!(get(&app, "/api/v1/findings", &leader).await.json()["total"], 3);
        assert_eq!(get(&app, "/api/v1/reports", &leader).await.status, StatusCode::OK);
        let r = post(&app, &format!("/api/v1/findings/{}/dismiss", f.finding_b), &leader, serde_json::json!({"reason": "领导认为不是问题"})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // The office: dismiss with a reason, the store's refusals as 422.
        let (staff_token_id, staff) = token_for(s, "staff", "办公平台对接").await;
        let dismiss = format!("/api/v1/findings/{}/dismiss", f.finding_b);
        let r = post(&app, &dismiss, &staff, serde_json::json!({"reason": " "})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = post(&app, &format!("/api/v1/findings/{}/mark", f.finding_b), &staff, serde_json::json!({"mark": "reported"})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.json()["message"].as_str().unwrap().contains("不是第三方账号问题"), "{}", r.text());
        let r = call(&app, "POST", &dismiss, Some(&staff), None, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "no JSON body");
        assert_eq!(s.get_finding(f.finding_b).await.unwrap().unwrap().state, FindingState::Open);
        let r = post(&app, &dismiss, &staff, serde_json::json!({"reason": "该账号已于10月注销，台账待更新"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let fb = s.get_finding(f.finding_b).await.unwrap().unwrap();
        assert_eq!((fb.state, fb.dismissed_by.as_deref()), (FindingState::Dismissed, Some("王丽（staff）")));
        let r = post(&app, &dismiss, &staff, serde_json::json!({"reason": "再忽略一次试试"})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Every action audited, with the token that did it.
        let audit = s.list_audit(50, 0).await.unwrap();
        let by_api: Vec<_> = audit.iter().filter(|a| a.detail.contains("经 API 令牌")).collect();
        assert_eq!(by_api.len(), 2, "{audit:?}");
        let d = by_api.iter().find(|a| a.action == "finding.dismiss").expect("dismissal audited");
        assert_eq!((d.username.as_str(), d.target.clone()), ("staff", format!("finding:{}", f.finding_b)));
        assert!(d.detail.starts_with("该账号已于10月注销，台账待更新") && d.detail.contains(&format!("#{staff_token_id}（办公平台对接）")), "{}", d.detail);
        assert_eq!(d.at_ms, xunjian::clock::Clock::now(&f.wall).timestamp_millis(), "the wall clock");
        assert!(by_api.iter().any(|a| a.action == "finding.rectify" && a.username == "jinan"));

        // Revoked: refused at once. A disabled user's token likewise.
        s.revoke_api_token(staff_token_id, None, 2_000).await.unwrap();
        assert_eq!(get(&app, "/api/v1/accounts", &staff).await.status, StatusCode::UNAUTHORIZED, "{label}");
        let (leader_user, _) = s.find_user_by_name("leader").await.unwrap().unwrap();
        s.set_user_disabled(leader_user.id, true, 3_000).await.unwrap();
        assert_eq!(get(&app, "/api/v1/accounts", &leader).await.status, StatusCode::UNAUTHORIZED);
        // The unit's token was used: its last use is recorded.
        let tokens = s.list_api_tokens(None).await.unwrap();
        assert!(tokens.iter().find(|t| t.name == "区办公平台").unwrap().last_used_at_ms.is_some());
        db.finish().await;
    }
}

#[tokio::test]
async fn a_person_makes_sees_once_and_revokes_tokens_on_the_page() {
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let app = xunjian::web::router(console::state(s, &f));
        let (cookie, csrf) = browser_login(&app, "yuan").await;
        // Without the CSRF token: refused, nothing made.
        let r = form_post(&app, "/tokens/add", &cookie, &[("name", "区平台")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = form_post(&app, "/tokens/add", &cookie, &[("name", " "), ("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("请给令牌起个名字"));
        assert!(s.list_api_tokens(None).await.unwrap().is_empty(), "{}", db.label);
        let r = form_post(&app, "/tokens/add", &cookie, &[("name", "<b>区平台</b>"), ("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let page = r.text();
        let at = page.find("xjt_").expect("the new token is shown");
        let token: String = page[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        assert_eq!(token.len(), 4 + 64);
        assert!(page.contains("&lt;b&gt;区平台&lt;/b&gt;") && !page.contains("<b>区平台"), "the name is escaped");
        // Stored hashed; the list shows its start only, never the token again.
        let stored = s.list_api_tokens(None).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert!(token.starts_with(&stored[0].prefix));
        let list = call(&app, "GET", "/tokens", None, Some(&cookie), None).await.text();
        assert!(list.contains(&stored[0].prefix) && !list.contains(&token), "shown once");
        // It works, as yuan (unit B).
        let r = get(&app, "/api/v1/accounts", &token).await;
        assert_eq!(r.json()["total"], 1, "{}", r.text());
        assert_eq!(get(&app, &format!("/api/v1/accounts/{}", f.account_a), &token).await.status, StatusCode::NOT_FOUND);
        // Another's token cannot be revoked from here; one's own can.
        let (other_id, other) = token_for(s, "staff", "办公平台").await;
        let r = form_post(&app, &format!("/tokens/{other_id}/revoke"), &cookie, &[("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(get(&app, "/api/v1/accounts", &other).await.status, StatusCode::OK);
        let r = form_post(&app, &format!("/tokens/{}/revoke", stored[0].id), &cookie, &[("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(get(&app, "/api/v1/accounts", &token).await.status, StatusCode::UNAUTHORIZED);
        let audit = s.list_audit(50, 0).await.unwrap();
        let actions: Vec<&str> = audit.iter().filter(|a| a.username == "yuan").map(|a| a.action.as_str()).collect();
        assert!(actions.contains(&"token.add") && actions.contains(&"token.revoke"), "{actions:?}");
        db.finish().await;
    }
}

/// The zip's entries by name.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut out = std::collections::BTreeMap::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        let mut b = Vec::new();
        e.read_to_end(&mut b).unwrap();
        out.insert(e.name().unwrap().to_string(), b);
    }
    out
}

#[tokio::test]
async fn a_findings_evidence_zip_holds_every_capture_with_its_hash_and_manifest() {
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let app = xunjian::web::router(console::state(s, &f));
        let (cookie, _) = browser_login(&app, "jinan").await;
        let r = call(&app, "GET", &format!("/findings/{}/evidence.zip", f.finding_a), None, Some(&cookie), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", db.label, r.text());
        assert_eq!(r.headers.get(header::CONTENT_TYPE).unwrap(), "application/zip");
        assert!(r.headers.get(header::CONTENT_DISPOSITION).unwrap().to_str().unwrap().contains(&format!("finding-{}-evidence.zip", f.finding_a)));
        let files = unzip(&r.bytes);
        let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
        let finding = s.get_finding(f.finding_a).await.unwrap().unwrap();
        assert_eq!(manifest["finding"], f.finding_a);
        assert_eq!(manifest["rule"], "zombie");
        assert_eq!(manifest["citation"], finding.citation_display());
        assert_eq!(manifest["account"], "金安发布");
        let captures = manifest["captures"].as_array().unwrap();
        let cited: std::collections::BTreeSet<String> = finding.evidence.iter().filter_map(|e| e.sha256.clone()).collect();
        assert!(!cited.is_empty());
        let in_zip: std::collections::BTreeSet<String> = captures.iter().map(|c| c["sha256"].as_str().unwrap().to_string()).collect();
        assert_eq!(in_zip, cited, "every capture the finding cited, once");
        for c in captures {
            let file = c["file"].as_str().expect("the body is in the zip");
            let bytes = &files[file];
            assert_eq!(hex::encode(Sha256::digest(bytes)), c["sha256"].as_str().unwrap(), "the manifest's hash is the file's");
            assert_eq!(bytes, &s.evidence_body(c["sha256"].as_str().unwrap()).await.unwrap().unwrap(), "the original bytes");
            assert!(c["url"].as_str().unwrap().starts_with("https://m.weibo.cn/api/"));
            assert_eq!(c["captured_at"], "2026-11-01T09:00:00+08:00", "capture time, Asia/Shanghai");
            assert!(!file.ends_with(".html"), "nothing a double-click renders");
        }
        let readme = String::from_utf8(files["说明.txt"].clone()).unwrap();
        assert!(readme.contains(&f.evidence_a) && readme.contains("SHA-256"), "{readme}");
        // Another unit's finding: 404, as every other path.
        let r = call(&app, "GET", &format!("/findings/{}/evidence.zip", f.finding_b), None, Some(&cookie), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // The same through the API.
        let (_, token) = token_for(s, "staff", "复核").await;
        let r = get(&app, &format!("/api/v1/findings/{}/evidence.zip", f.finding_b), &token).await;
        assert_eq!(r.status, StatusCode::OK);
        let files = unzip(&r.bytes);
        let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
        assert_eq!(manifest["captures"][0]["sha256"], f.evidence_b.as_str());
        assert_eq!(manifest["generated_by"], "王丽（staff）");
        db.finish().await;
    }
}

/// A page request as it arrives from `peer`, with the proxy's header.
async fn from_peer(app: &Router, peer: [u8; 4], sso: Option<&str>, cookie: Option<&str>) -> Reply {
    let mut req = Request::get("/").body(Body::empty()).unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((peer, 40_000))));
    if let Some(name) = sso {
        req.headers_mut().insert("x-remote-user", name.parse().unwrap());
    }
    if let Some(c) = cookie {
        req.headers_mut().insert(header::COOKIE, c.parse().unwrap());
    }
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 10 << 20).await.unwrap().to_vec();
    Reply { status, headers, bytes }
}

#[tokio::test]
async fn single_sign_on_is_believed_only_from_the_configured_proxy_and_only_for_existing_users() {
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        const PROXY: [u8; 4] = [10, 0, 0, 5];
        // Off by default: the header is nobody's word.
        let off = xunjian::web::router(console::state(s, &f));
        let r = from_peer(&off, PROXY, Some("staff"), None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", db.label);
        assert!(r.headers[header::LOCATION].to_str().unwrap().starts_with("/login"));

        let mut state = console::state(s, &f);
        state.config.sso_header = "X-Remote-User".to_string();
        state.config.sso_proxies = vec!["10.0.0.5".to_string()];
        state.config.validate().unwrap();
        let app = xunjian::web::router(state);
        // From the proxy: logged in as that user, with a session cookie.
        let r = from_peer(&app, PROXY, Some("staff"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", db.label, r.text());
        assert!(r.text().contains("王丽"), "{}", r.text());
        let cookie = r.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
        assert!(cookie.starts_with(xunjian::web::SESSION_COOKIE));
        // The session then works with the header as before; the proxy
        // naming someone else replaces it.
        assert!(from_peer(&app, PROXY, Some("staff"), Some(&cookie)).await.headers.get(header::SET_COOKIE).is_none());
        let r = from_peer(&app, PROXY, Some("leader"), Some(&cookie)).await;
        assert!(r.text().contains("刘主任") && !r.text().contains("王丽"), "{}", r.text());
        // From anywhere else the header is ignored.
        let r = from_peer(&app, [10, 0, 0, 9], Some("admin"), None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.headers.get(header::SET_COOKIE).is_none());
        // Only existing, enabled users; the refusal says what to do.
        let r = from_peer(&app, PROXY, Some("zhangsan"), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.text().contains("「zhangsan」在巡检控制台中没有账号"), "{}", r.text());
        let (yuan, _) = s.find_user_by_name("yuan").await.unwrap().unwrap();
        s.set_user_disabled(yuan.id, true, 1).await.unwrap();
        assert_eq!(from_peer(&app, PROXY, Some("yuan"), None).await.status, StatusCode::FORBIDDEN);
        // A unit operator by sign-on keeps its scope.
        let r = from_peer(&app, PROXY, Some("jinan"), None).await;
        assert!(r.text().contains("以下只包含本单位的账号和问题"), "{}", r.text());
        let audit = s.list_audit(50, 0).await.unwrap();
        assert!(audit.iter().any(|a| a.action == "login" && a.username == "staff" && a.detail.contains("统一身份认证") && a.remote_addr == "10.0.0.5"), "{audit:?}");
        db.finish().await;
    }
}

#[test]
fn single_sign_on_needs_its_proxies_named() {
    let mut c = xunjian::web::ConsoleConfig { sso_header: "X-Remote-User".to_string(), ..Default::default() };
    assert!(c.validate().unwrap_err().contains("sso_proxies"));
    c.sso_proxies = vec!["proxy.example".to_string()];
    assert!(c.validate().unwrap_err().contains("不是 IP 地址"));
    c.sso_proxies = vec!["127.0.0.1".to_string()];
    assert!(c.validate().is_ok());
    c.sso_header = "Cookie".to_string();
    assert!(c.validate().is_err());
}

/// A token's requests are limited per minute (a bucket that refills
/// evenly, read against the injected wall clock): over the limit 429 with
/// `Retry-After` and a Chinese message; other tokens are not affected.
#[tokio::test]
async fn a_tokens_requests_are_limited_per_minute_and_the_limit_refills() {
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let label = db.label;
        // The default configuration: 60 a minute.
        assert_eq!(xunjian::web::ConsoleConfig::default().api_requests_per_minute, 60);
        let app = xunjian::web::router(console::state(s, &f));
        let (_, staff) = token_for(s, "staff", "办公平台对接").await;
        let (_, leader) = token_for(s, "leader", "领导驾驶舱").await;
        for i in 0..60 {
            let r = get(&app, "/api/v1/accounts?per_page=1", &staff).await;
            assert_eq!(r.status, StatusCode::OK, "{label}: request {i}: {}", r.text());
        }
        let r = get(&app, "/api/v1/accounts", &staff).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{label}: the 61st in the same instant");
        assert_eq!(r.headers.get(header::RETRY_AFTER).unwrap().to_str().unwrap(), "1");
        let j = r.json();
        assert_eq!(j["error"], "too_many_requests");
        assert!(j["message"].as_str().unwrap().contains("每分钟最多 60 次"), "{j}");
        assert!(r.headers.get(header::CONTENT_TYPE).unwrap().to_str().unwrap().starts_with("application/json"));
        // Another token has its own bucket.
        assert_eq!(get(&app, "/api/v1/accounts", &leader).await.status, StatusCode::OK, "{label}");
        // One second later one more request, and not two.
        f.wall.advance(chrono::TimeDelta::milliseconds(999));
        assert_eq!(get(&app, "/api/v1/accounts", &staff).await.status, StatusCode::TOO_MANY_REQUESTS);
        f.wall.advance(chrono::TimeDelta::milliseconds(1));
        assert_eq!(get(&app, "/api/v1/accounts", &staff).await.status, StatusCode::OK, "{label}");
        assert_eq!(get(&app, "/api/v1/accounts", &staff).await.status, StatusCode::TOO_MANY_REQUESTS);
        // A minute later the bucket is full again: 60, then refused.
        f.wall.advance(chrono::TimeDelta::minutes(5));
        for i in 0..60 {
            assert_eq!(get(&app, "/api/v1/findings?per_page=1", &staff).await.status, StatusCode::OK, "{label}: {i}");
        }
        assert_eq!(get(&app, "/api/v1/findings", &staff).await.status, StatusCode::TOO_MANY_REQUESTS);

        // A configured rate: 6 a minute, one every 10 seconds.
        let mut state = console::state(s, &f);
        state.config.api_requests_per_minute = 6;
        let slow = xunjian::web::router(state);
        let (_, unit) = token_for(s, "jinan", "区办公平台").await;
        for _ in 0..6 {
            assert_eq!(get(&slow, "/api/v1/accounts", &unit).await.status, StatusCode::OK);
        }
        let r = get(&slow, "/api/v1/accounts", &unit).await;
        assert_eq!((r.status, r.headers.get(header::RETRY_AFTER).unwrap().to_str().unwrap()), (StatusCode::TOO_MANY_REQUESTS, "10"));
        f.wall.advance(chrono::TimeDelta::seconds(4));
        let r = get(&slow, "/api/v1/accounts", &unit).await;
        assert_eq!(r.headers.get(header::RETRY_AFTER).unwrap().to_str().unwrap(), "6", "{label}");
        f.wall.advance(chrono::TimeDelta::seconds(6));
        assert_eq!(get(&slow, "/api/v1/accounts", &unit).await.status, StatusCode::OK, "{label}");
        db.finish().await;
    }
}

/// Wrong tokens are counted per client address like failed logins: after
/// five in the window the address gets 429 (even with a good token) until
/// the window has passed.
#[tokio::test]
async fn wrong_tokens_from_one_address_are_throttled_like_logins() {
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let label = db.label;
        let app = xunjian::web::router(console::state(s, &f));
        let (_, good) = token_for(s, "staff", "办公平台对接").await;
        // No token at all is a client without one, not a guess: not counted.
        for _ in 0..8 {
            assert_eq!(call(&app, "GET", "/api/v1/accounts", None, None, None).await.status, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(get(&app, "/api/v1/accounts", &good).await.status, StatusCode::OK, "{label}");
        for i in 0..5 {
            let r = get(&app, "/api/v1/accounts", &format!("xjt_{i:064}")).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{label}: guess {i}");
        }
        let r = get(&app, "/api/v1/accounts", "xjt_guess").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{label}: {}", r.text());
        let retry: u64 = r.headers.get(header::RETRY_AFTER).unwrap().to_str().unwrap().parse().unwrap();
        assert_eq!(retry, 15 * 60, "{label}: the login window");
        assert!(r.json()["message"].as_str().unwrap().contains("无效 API 令牌过多"), "{}", r.text());
        // From that address even a good token waits (the guess is not looked at).
        assert_eq!(get(&app, "/api/v1/accounts", &good).await.status, StatusCode::TOO_MANY_REQUESTS);
        f.wall.advance(chrono::TimeDelta::minutes(10));
        let r = get(&app, "/api/v1/accounts", &good).await;
        assert_eq!(r.headers.get(header::RETRY_AFTER).unwrap().to_str().unwrap(), "300", "{label}");
        f.wall.advance(chrono::TimeDelta::minutes(5) + chrono::TimeDelta::seconds(1));
        assert_eq!(get(&app, "/api/v1/accounts", &good).await.status, StatusCode::OK, "{label}: the window has passed");
        db.finish().await;
    }
}

/// The account resource carries the account page's coverage strip.
#[tokio::test]
async fn the_account_resource_has_its_checks_day_by_day() {
    use xunjian::adapters::model::OutcomeClass;
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        f.clock.set(console::t("2026-12-04T10:00:00+08:00"));
        console::check_ok(s, f.account_a, console::t("2026-12-03T23:59:00+08:00")).await;
        console::check_outcome(s, f.account_a, console::t("2026-12-04T00:01:00+08:00"), OutcomeClass::LoginRequired, Some("<a>登录</a>")).await;
        let app = xunjian::web::router(console::state(s, &f));
        let (_, unit) = token_for(s, "jinan", "区办公平台").await;
        let r = get(&app, &format!("/api/v1/accounts/{}", f.account_a), &unit).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let j = r.json();
        let days = j["coverage"].as_array().unwrap();
        assert_eq!(days.len(), 30, "{j}");
        assert_eq!((days[0]["day"].as_str(), days[29]["day"].as_str()), (Some("2026-11-05"), Some("2026-12-04")));
        assert_eq!((&days[28]["checks"], &days[28]["checked"], &days[28]["not_checked"]), (&1.into(), &1.into(), &0.into()));
        let today = &days[29];
        assert_eq!((&today["checks"], &today["checked"], &today["not_checked"]), (&1.into(), &0.into(), &1.into()), "{today}");
        assert_eq!(today["reasons"][0]["outcome"], "login_required");
        assert_eq!(today["reasons"][0]["label"], "平台要求登录");
        assert_eq!(today["last_detail"], "<a>登录</a>", "JSON carries the text as stored");
        // The other unit's account: 404, as everywhere.
        assert_eq!(get(&app, &format!("/api/v1/accounts/{}", f.account_b), &unit).await.status, StatusCode::NOT_FOUND);
        db.finish().await;
    }
}
