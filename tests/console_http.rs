//! The office console over HTTP, without a socket (the router driven by
//! `tower::ServiceExt::oneshot`) on a real store: login and sessions,
//! CSRF refusals, role scoping (404 across units), escaping of platform
//! content, the actions and their audit trail, evidence downloads, and the
//! security headers. SQLite always; PostgreSQL when configured.

mod common;
#[path = "common/console.rs"]
mod console;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::TimeDelta;
use console::{HOSTILE, PASSWORD};
use std::collections::BTreeMap;
use tower::ServiceExt;
use xunjian::clock::Clock;
use xunjian::store::{Channel, FindingState, NewNotice, NoticeKind, NoticeState, Role};

/// A browser in miniature: keeps cookies, follows nothing.
struct Client {
    app: Router,
    cookies: BTreeMap<String, String>,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
    /// The value of the first hidden `csrf` field.
    fn csrf(&self) -> String {
        let at = self.body.find("name=\"csrf\" value=\"").unwrap_or_else(|| panic!("no csrf field in {}", self.body));
        let rest = &self.body[at + "name=\"csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

impl Client {
    fn new(app: Router) -> Client {
        Client { app, cookies: BTreeMap::new() }
    }

    async fn send(&mut self, mut req: Request<Body>) -> Reply {
        let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if !jar.is_empty() {
            req.headers_mut().insert(header::COOKIE, jar.join("; ").parse().unwrap());
        }
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for c in headers.get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let (kv, _) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = kv.split_once('=').unwrap();
            if v.is_empty() || c.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        let bytes = axum::body::to_bytes(res.into_body(), 10 << 20).await.unwrap();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    async fn get(&mut self, path: &str) -> Reply {
        self.send(Request::get(path).body(Body::empty()).unwrap()).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// A multipart form as a browser sends an `<input type=file>` form:
    /// the text fields first, then the file.
    async fn upload(&mut self, path: &str, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Reply {
        let boundary = "----xunjian-test-boundary-7d1f";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
        }
        if let Some((name, bytes)) = file {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    async fn login(&mut self, username: &str, password: &str) -> Reply {
        let page = self.get("/login").await;
        assert_eq!(page.status, StatusCode::OK);
        let csrf = page.csrf();
        self.post("/login", &[("username", username), ("password", password), ("csrf", &csrf), ("next", "/")]).await
    }

    /// Logged in, or the test fails.
    async fn logged_in(app: Router, username: &str) -> Client {
        let mut c = Client::new(app);
        let r = c.login(username, PASSWORD).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/"), "{username}: {}", r.body);
        c
    }

    /// The CSRF token of the session (from any page's logout form).
    async fn csrf(&mut self) -> String {
        self.get("/").await.csrf()
    }
}

#[tokio::test]
async fn login_sessions_throttling_and_idle_timeout() {
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let app = xunjian::web::router(console::state(s, &f));

        // Not logged in: every page goes to the login page and comes back.
        let mut c = Client::new(app.clone());
        let r = c.get("/findings?state=open").await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/login?next=%2Ffindings%3Fstate%3Dopen"), "{}", db.label);

        // Wrong password and unknown user: the same answer.
        let wrong = c.login("staff", "not-the-password").await;
        let unknown = c.login("nobody", "not-the-password").await;
        assert_eq!(wrong.status, StatusCode::OK);
        assert!(wrong.body.contains("用户名或密码不正确") && unknown.body.contains("用户名或密码不正确"));
        assert!(!c.cookies.contains_key(xunjian::web::SESSION_COOKIE));

        // A login posted without the login page's token (another site's form).
        let mut stranger = Client::new(app.clone());
        let r = stranger.post("/login", &[("username", "staff"), ("password", PASSWORD), ("csrf", "x")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(!stranger.cookies.contains_key(xunjian::web::SESSION_COOKIE));

        // Right password: a session cookie scripts cannot read and other sites never send.
        let mut c = Client::new(app.clone());
        let page = c.get("/login").await;
        let csrf = page.csrf();
        let r = c.post("/login", &[("username", "staff"), ("password", PASSWORD), ("csrf", &csrf), ("next", "/findings")]).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/findings"), "{}", r.body);
        let set = r.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>();
        let session = set.iter().find(|c| c.starts_with("xunjian_session=")).expect("session cookie");
        assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict") && !session.contains("Secure"), "{session}");
        let home = c.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.body.contains("总览") && home.body.contains("王丽"), "{}", home.body);
        // An address elsewhere in `next` is not followed.
        let mut d = Client::new(app.clone());
        let csrf = d.get("/login").await.csrf();
        let r = d.post("/login", &[("username", "staff"), ("password", PASSWORD), ("csrf", &csrf), ("next", "//evil.example/")]).await;
        assert_eq!(r.location(), "/");

        // Idle for longer than the timeout (30 minutes): logged out.
        f.wall.advance(TimeDelta::minutes(29));
        assert_eq!(c.get("/").await.status, StatusCode::OK, "used within the timeout");
        f.wall.advance(TimeDelta::minutes(31));
        let r = c.get("/").await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/login?next=%2F"), "{}", db.label);

        // Logout ends the session on the server (a copied cookie is useless).
        let mut e = Client::logged_in(app.clone(), "staff").await;
        let copied = e.cookies.clone();
        let csrf = e.csrf().await;
        let r = e.post("/logout", &[("csrf", &csrf)]).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/login"));
        let mut thief = Client { app: app.clone(), cookies: copied };
        assert_eq!(thief.get("/").await.status, StatusCode::SEE_OTHER);

        // Throttling: after 5 failures for a name from an address, even the
        // right password is refused until the window passes.
        let mut g = Client::new(app.clone());
        for _ in 0..xunjian::web::MAX_FAILURES {
            assert_eq!(g.login("leader", "wrong-password-1").await.status, StatusCode::OK);
        }
        let r = g.login("leader", PASSWORD).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
        assert!(r.body.contains("登录失败次数过多"), "{}", r.body);
        // Another user from the same address is not affected.
        assert_eq!(Client::new(app.clone()).login("admin", PASSWORD).await.status, StatusCode::SEE_OTHER);
        f.wall.advance(TimeDelta::minutes(16));
        assert_eq!(g.login("leader", PASSWORD).await.status, StatusCode::SEE_OTHER, "{}", db.label);

        // A disabled user cannot log in, and its sessions end.
        let mut h = Client::logged_in(app.clone(), "admin").await;
        let (admin, _) = s.find_user_by_name("admin").await.unwrap().unwrap();
        s.set_user_disabled(admin.id, true, 0).await.unwrap();
        assert_eq!(h.get("/").await.status, StatusCode::SEE_OTHER);
        assert_eq!(Client::new(app.clone()).login("admin", PASSWORD).await.status, StatusCode::OK);

        // The audit log has the logins and the logout.
        let audit = s.list_audit(100, 0).await.unwrap();
        assert!(audit.iter().any(|a| a.action == "login" && a.username == "staff"), "{audit:?}");
        assert!(audit.iter().any(|a| a.action == "logout" && a.username == "staff"), "{audit:?}");
        db.finish().await;
    }
}

#[tokio::test]
async fn a_post_without_the_sessions_csrf_token_changes_nothing() {
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let app = xunjian::web::router(console::state(s, &f));
        let mut c = Client::logged_in(app.clone(), "staff").await;
        let path = format!("/findings/{}/dismiss", f.finding_a);
        for form in [vec![("reason", "本单位工作人员的测试账号")], vec![("reason", "本单位工作人员的测试账号"), ("csrf", "0000")]] {
            let r = c.post(&path, &form).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}: {}", db.label, r.body);
            assert!(r.body.contains("页面已过期"), "{}", r.body);
        }
        // Another session's token does not do either.
        let mut other = Client::logged_in(app.clone(), "admin").await;
        let foreign = other.csrf().await;
        assert_eq!(c.post(&path, &[("reason", "本单位工作人员的测试账号"), ("csrf", &foreign)]).await.status, StatusCode::FORBIDDEN);
        assert_eq!(s.get_finding(f.finding_a).await.unwrap().unwrap().state, FindingState::Open, "{}", db.label);
        // Logout needs it too.
        assert_eq!(c.post("/logout", &[]).await.status, StatusCode::FORBIDDEN);
        // With it: done.
        let csrf = c.csrf().await;
        let r = c.post(&path, &[("reason", "本单位工作人员的测试账号"), ("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(s.get_finding(f.finding_a).await.unwrap().unwrap().state, FindingState::Dismissed);
        db.finish().await;
    }
}

#[tokio::test]
async fn a_unit_operator_sees_only_its_own_unit_whatever_the_url() {
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let app = xunjian::web::router(console::state(s, &f));
        let mut unit = Client::logged_in(app.clone(), "jinan").await;

        let list = unit.get("/accounts").await;
        assert!(list.body.contains("金安发布") && !list.body.contains("裕安发布"), "{}: {}", db.label, list.body);
        assert!(list.body.contains("共 2 条"), "{}", list.body);
        let findings = unit.get("/findings").await;
        assert!(findings.body.contains(&format!("#{}", f.finding_a)) && !findings.body.contains(&format!("#{}<", f.finding_b)));
        assert!(!findings.body.contains("裕安发布"), "{}", findings.body);
        // Asking the filter for the other unit finds nothing.
        let r = unit.get("/accounts?unit=%E8%A3%95%E5%AE%89").await;
        assert!(r.body.contains("没有符合条件的记录"), "{}", r.body);

        // By URL: 404, exactly as for a row that does not exist.
        for path in [
            format!("/accounts/{}", f.account_b),
            format!("/findings/{}", f.finding_b),
            format!("/findings/{}/evidence/{}", f.finding_b, f.evidence_b),
            format!("/findings/{}/evidence/{}/raw", f.finding_b, f.evidence_b),
            // Its own finding does not open another's capture either.
            format!("/findings/{}/evidence/{}", f.finding_a, f.evidence_b),
            "/accounts/999999".to_string(),
        ] {
            let r = unit.get(&path).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{}: {path}", db.label);
            assert!(r.body.contains("页面不存在") && !r.body.contains("裕安发布"), "{path}: {}", r.body);
        }
        let csrf = unit.csrf().await;
        let r = unit.post(&format!("/findings/{}/rectify", f.finding_b), &[("note", "已恢复更新"), ("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(s.get_finding(f.finding_b).await.unwrap().unwrap().state, FindingState::Open);
        // Its own: visible, and it may declare rectification but not dismiss.
        assert_eq!(unit.get(&format!("/accounts/{}", f.account_a)).await.status, StatusCode::OK);
        let page = unit.get(&format!("/findings/{}", f.finding_a)).await;
        assert!(page.body.contains("申报整改") && !page.body.contains("确认忽略"), "{}", page.body);
        let r = unit.post(&format!("/findings/{}/dismiss", f.finding_a), &[("reason", "我们觉得没问题"), ("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = unit
            .post(
                &format!("/findings/{}/rectify", f.finding_a),
                &[("note", "已于今日恢复更新"), ("link", "https://m.weibo.cn/status/1"), ("csrf", &csrf)],
            )
            .await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, format!("/findings/{}", f.finding_a).as_str()), "{}", r.body);
        let fa = s.get_finding(f.finding_a).await.unwrap().unwrap();
        assert_eq!((fa.state, fa.rectify_by.as_deref()), (FindingState::Rectifying, Some("李强（jinan）")));
        let audit = s.list_audit(10, 0).await.unwrap();
        assert!(
            audit.iter().any(|a| a.action == "finding.rectify" && a.username == "jinan" && a.target == format!("finding:{}", f.finding_a)),
            "{audit:?}"
        );

        // The other unit's operator, and the office, see B.
        let mut other = Client::logged_in(app.clone(), "yuan").await;
        assert_eq!(other.get(&format!("/accounts/{}", f.account_b)).await.status, StatusCode::OK);
        assert_eq!(other.get(&format!("/accounts/{}", f.account_a)).await.status, StatusCode::NOT_FOUND);
        let mut staff = Client::logged_in(app.clone(), "staff").await;
        let list = staff.get("/accounts").await;
        assert!(list.body.contains("金安发布") && list.body.contains("裕安发布") && list.body.contains("共 3 条"));

        // Read-only: sees everything, changes nothing.
        let mut leader = Client::logged_in(app.clone(), "leader").await;
        let page = leader.get(&format!("/findings/{}", f.finding_b)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("确认忽略") && !page.body.contains("申报整改"), "{}", page.body);
        let csrf = leader.csrf().await;
        let r = leader.post(&format!("/findings/{}/dismiss", f.finding_b), &[("reason", "领导认为不是问题"), ("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(s.get_finding(f.finding_b).await.unwrap().unwrap().state, FindingState::Open, "{}", db.label);
        db.finish().await;
    }
}

#[tokio::test]
async fn platform_content_is_shown_as_text_everywhere() {
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let app = xunjian::web::router(console::state(s, &f));
        let mut c = Client::logged_in(app.clone(), "staff").await;
        let escaped = "&lt;img src=x onerror=alert(1)&gt;";
        for path in [
            "/accounts".to_string(),
            format!("/accounts/{}", f.account_hostile),
            "/findings".to_string(),
            format!("/findings/{}", f.finding_hostile),
        ] {
            let r = c.get(&path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            assert!(r.body.contains(escaped), "{}: {path} lacks the escaped name", db.label);
            assert!(!r.body.contains(HOSTILE), "{}: {path} has the raw name", db.label);
            assert!(!r.body.contains("<script"), "{path}: a script tag from content");
        }
        // Posts and captures too.
        let account = c.get(&format!("/accounts/{}", f.account_a)).await;
        assert!(account.body.contains("&lt;b&gt;旧文&lt;/b&gt;"), "{}", account.body);
        let ev = c.get(&format!("/findings/{}/evidence/{}", f.finding_a, f.evidence_a)).await;
        assert_eq!(ev.status, StatusCode::OK, "{}", ev.body);
        assert!(ev.body.contains(&f.evidence_a) && ev.body.contains("JSON（已格式化）"), "{}", ev.body);
        assert!(ev.body.contains("&lt;script&gt;alert(") && !ev.body.contains("<script>alert"), "{}", ev.body);
        // Search input comes back escaped in the form.
        let r = c.get("/accounts?q=%22%3E%3Cscript%3E").await;
        assert!(r.body.contains("value=\"&quot;&gt;&lt;script&gt;\""), "{}", r.body);
        db.finish().await;
    }
}

#[tokio::test]
async fn office_actions_go_through_the_store_and_into_the_audit_log() {
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let app = xunjian::web::router(console::state(s, &f));
        let mut c = Client::logged_in(app.clone(), "staff").await;
        let csrf = c.csrf().await;
        let path = format!("/findings/{}/dismiss", f.finding_b);
        // Without a reason: refused on the page, nothing changes.
        let r = c.post(&path, &[("reason", " "), ("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("请写明忽略的理由"), "{}", r.body);
        assert_eq!(s.get_finding(f.finding_b).await.unwrap().unwrap().state, FindingState::Open);
        // Marking a state finding as an impostor: the store's refusal, shown.
        let r = c.post(&format!("/findings/{}/mark", f.finding_b), &[("mark", "reported"), ("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("不是第三方账号问题"), "{}", r.body);
        // With a reason: dismissed, signed, audited.
        let r = c.post(&path, &[("reason", "该账号已于10月注销，台账待更新"), ("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let fb = s.get_finding(f.finding_b).await.unwrap().unwrap();
        assert_eq!(fb.state, FindingState::Dismissed);
        assert_eq!(fb.dismissed_by.as_deref(), Some("王丽（staff）"));
        assert_eq!(fb.state_since_ms, f.clock.now().timestamp_millis(), "the daemon's clock, not the wall's");
        let page = c.get(&format!("/findings/{}", f.finding_b)).await;
        assert!(page.body.contains("该账号已于10月注销") && page.body.contains("已忽略"), "{}", page.body);
        // Twice: the store's refusal.
        let r = c.post(&path, &[("reason", "再忽略一次试试"), ("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("不能重复忽略"), "{}", r.body);
        let audit = s.list_audit(50, 0).await.unwrap();
        let dismissals: Vec<_> = audit.iter().filter(|a| a.action == "finding.dismiss").collect();
        assert_eq!(dismissals.len(), 1, "{audit:?}");
        assert_eq!(
            (dismissals[0].username.as_str(), dismissals[0].target.as_str(), dismissals[0].detail.as_str()),
            ("staff", format!("finding:{}", f.finding_b).as_str(), "该账号已于10月注销，台账待更新")
        );
        assert_eq!(dismissals[0].at_ms, f.wall.now().timestamp_millis());
        db.finish().await;
    }
}

#[tokio::test]
async fn evidence_downloads_are_the_original_bytes_and_never_run() {
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let app = xunjian::web::router(console::state(s, &f));
        let mut c = Client::logged_in(app.clone(), "jinan").await;
        let r = c.get(&format!("/findings/{}/evidence/{}/raw", f.finding_a, f.evidence_a)).await;
        assert_eq!(r.status, StatusCode::OK);
        let original = s.evidence_body(&f.evidence_a).await.unwrap().unwrap();
        assert_eq!(r.body.as_bytes(), &original[..]);
        let h = |n: header::HeaderName| r.headers.get(n).unwrap().to_str().unwrap().to_string();
        assert_eq!(h(header::CONTENT_TYPE), "application/octet-stream");
        assert!(h(header::CONTENT_DISPOSITION).starts_with("attachment; filename=\"evidence-"), "{}", h(header::CONTENT_DISPOSITION));
        assert!(h(header::CONTENT_SECURITY_POLICY).starts_with("default-src 'none'; sandbox"));
        assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        db.finish().await;
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let db = common::sqlite().await;
    let s = &db.store;
    let f = console::populate(s).await;
    let app = xunjian::web::router(console::state(s, &f));
    let mut c = Client::logged_in(app.clone(), "admin").await;
    for path in ["/", "/login", "/accounts", "/findings", "/nope", "/healthz", "/static/x/console.css"] {
        let r = c.get(path).await;
        let csp = r.headers.get(header::CONTENT_SECURITY_POLICY).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'none'"), "{path}: {csp}");
        assert_eq!(r.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff", "{path}");
        assert_eq!(r.headers.get(header::REFERRER_POLICY).unwrap(), "no-referrer", "{path}");
    }
    assert_eq!(c.get("/nope").await.status, StatusCode::NOT_FOUND);
    // The stylesheet the layout links is served, cacheable.
    let home = c.get("/").await;
    let at = home.body.find("/static/").unwrap();
    let css_path = &home.body[at..at + home.body[at..].find('"').unwrap()];
    let css = c.get(css_path).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.headers.get(header::CACHE_CONTROL).unwrap().to_str().unwrap().contains("immutable"));
    assert!(home.body.contains("<html lang=\"zh-CN\">"));
    db.finish().await;
}

#[tokio::test]
async fn a_one_time_password_must_be_changed_first() {
    let db = common::sqlite().await;
    let s = &db.store;
    let f = console::populate(s).await;
    console::add_user(s, "newcomer", Role::Staff, &[], true).await;
    let app = xunjian::web::router(console::state(s, &f));
    let mut c = Client::new(app.clone());
    let r = c.login("newcomer", PASSWORD).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/password"));
    let r = c.get("/findings").await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/password"));
    let page = c.get("/password").await;
    assert!(page.body.contains("临时密码"), "{}", page.body);
    let csrf = page.csrf();
    let r = c.post("/password", &[("current", PASSWORD), ("new", "short"), ("confirm", "short"), ("csrf", &csrf)]).await;
    assert!(r.body.contains("至少"), "{}", r.body);
    let r = c
        .post("/password", &[("current", PASSWORD), ("new", "a-much-better-one-2026"), ("confirm", "a-much-better-one-2026"), ("csrf", &csrf)])
        .await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/"), "{}", r.body);
    assert_eq!(c.get("/findings").await.status, StatusCode::OK, "a new session came with the new password");
    assert_eq!(Client::new(app.clone()).login("newcomer", PASSWORD).await.status, StatusCode::OK, "old password refused");
    assert_eq!(Client::new(app).login("newcomer", "a-much-better-one-2026").await.status, StatusCode::SEE_OTHER);
    db.finish().await;
}

/// The registry as an office's CSV has it: 金安发布 renamed, a new account
/// named with HTML, the other two accounts left out.
const GOOD_REGISTRY: &str = "\
账号名称,平台,账号ID,主办单位,所属地区
金安区发布,微博,7100000001,金安区人民政府办公室,金安区
<b>霍邱</b>发布,微博,7300000001,霍邱县人民政府办公室,霍邱县
";

/// Two bad rows: an unknown platform, and no name.
const BAD_REGISTRY: &str = "\
账号名称,平台,账号ID,主办单位
金安区发布,微博,7100000001,金安区人民政府办公室
霍邱发布,推特,7300000001,霍邱县人民政府办公室
,微博,7300000002,霍邱县人民政府办公室
";

async fn account_names(s: &xunjian::store::Store) -> Vec<String> {
    let mut names: Vec<String> =
        s.list_accounts(&Default::default()).await.unwrap().into_iter().map(|a| a.spec.display_name).collect();
    names.sort();
    names
}

/// The preview page a finished upload was sent to.
fn preview_path(r: &Reply) -> String {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let to = r.location().to_string();
    assert!(to.starts_with("/registry/preview/"), "{to}");
    to
}

#[tokio::test]
async fn a_registry_upload_with_errors_changes_nothing_and_a_good_one_is_confirmed() {
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let app = xunjian::web::router(console::state(s, &f));
        let before = account_names(s).await;
        let mut c = Client::logged_in(app.clone(), "staff").await;
        let page = c.get("/registry").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("导入台账") && page.body.contains("enctype=\"multipart/form-data\""), "{}", page.body);
        let csrf = page.csrf();

        // Without the session's token: refused before the file is looked at.
        let r = c.upload("/registry/upload", &[], Some(("台账.csv", GOOD_REGISTRY.as_bytes()))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let r = c.upload("/registry/upload", &[("csrf", "0000")], Some(("台账.csv", GOOD_REGISTRY.as_bytes()))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        // No file, or one the reader does not take: said on the page.
        let r = c.upload("/registry/upload", &[("csrf", &csrf)], None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("请先选择要上传的台账文件"), "{}", r.body);
        let r = c.upload("/registry/upload", &[("csrf", &csrf)], Some(("台账.docx", b"PK"))).await;
        assert!(r.body.contains("不支持的文件类型「台账.docx」"), "{}", r.body);

        // Errors: every one by row and column, nothing imported, no confirm.
        let to = preview_path(&c.upload("/registry/upload", &[("csrf", &csrf)], Some(("错误台账.csv", BAD_REGISTRY.as_bytes()))).await);
        let r = c.get(&to).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("文件中有 2 处错误") && r.body.contains("整个文件未导入，台账没有任何改变"), "{}", r.body);
        assert!(r.body.contains("第 3 行") && r.body.contains("推特") && r.body.contains("第 4 行") && r.body.contains("账号名称"), "{}", r.body);
        assert!(!r.body.contains("确认导入") && !r.body.contains(&f.data_dir.path().display().to_string()), "{}", r.body);
        let token = to.rsplit('/').next().unwrap().to_string();
        let r = c.post(&format!("/registry/confirm/{token}"), &[("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a confirm re-validates: {}", r.body);
        assert_eq!(account_names(s).await, before, "{}", db.label);
        assert_eq!(s.list_registry_imports(10, 0).await.unwrap().1, 0);

        // A good file: the diff, and still nothing written.
        let to = preview_path(&c.upload("/registry/upload", &[("csrf", &csrf)], Some(("台账2026.csv", GOOD_REGISTRY.as_bytes()))).await);
        let token = to.rsplit('/').next().unwrap().to_string();
        // Kept for its owner only: a registry has staff phones and e-mail addresses.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let staged = f.data_dir.path().join("uploads/registry").join(&token);
            assert_eq!(std::fs::metadata(&staged).unwrap().permissions().mode() & 0o777, 0o700);
            assert_eq!(std::fs::metadata(staged.join("registry.csv")).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let r = c.get(&to).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("新增 <strong>1</strong>") && r.body.contains("变更 <strong>1</strong>"), "{}", r.body);
        assert!(r.body.contains("文件中没有 <strong>2</strong>（保留）"), "{}", r.body);
        assert!(r.body.contains("&lt;b&gt;霍邱&lt;/b&gt;发布") && !r.body.contains("<b>霍邱"), "{}", r.body);
        assert!(r.body.contains("金安发布") && r.body.contains("金安区发布") && r.body.contains("确认导入"), "{}", r.body);
        assert_eq!(account_names(s).await, before, "a preview is a dry run");

        // Someone else's upload is not theirs to confirm, whatever the role.
        let mut admin = Client::logged_in(app.clone(), "admin").await;
        assert_eq!(admin.get(&to).await.status, StatusCode::NOT_FOUND);
        let admin_csrf = admin.csrf().await;
        assert_eq!(admin.post(&format!("/registry/confirm/{token}"), &[("csrf", &admin_csrf)]).await.status, StatusCode::NOT_FOUND);
        // A unit operator: none of the registry, by any URL.
        let mut unit = Client::logged_in(app.clone(), "jinan").await;
        let unit_csrf = unit.csrf().await;
        assert!(!unit.get("/").await.body.contains("href=\"/registry\""));
        for path in ["/registry", "/registry/export/csv", &to] {
            assert_eq!(unit.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
        }
        assert_eq!(unit.post(&format!("/registry/confirm/{token}"), &[("csrf", &unit_csrf)]).await.status, StatusCode::FORBIDDEN);
        let r = unit.upload("/registry/upload", &[("csrf", &unit_csrf)], Some(("台账.csv", GOOD_REGISTRY.as_bytes()))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Read-only: the page and the export, no upload.
        let mut leader = Client::logged_in(app.clone(), "leader").await;
        let page = leader.get("/registry").await;
        assert!(page.status == StatusCode::OK && !page.body.contains("上传并预览"), "{}", page.body);
        let leader_csrf = page.csrf();
        let r = leader.upload("/registry/upload", &[("csrf", &leader_csrf)], Some(("台账.csv", GOOD_REGISTRY.as_bytes()))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(account_names(s).await, before);

        // Confirm: written, audited, in the history, the file gone.
        let r = c.post(&format!("/registry/confirm/{token}"), &[("csrf", &csrf)]).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/registry?done=1"), "{}", r.body);
        let after = account_names(s).await;
        assert!(after.contains(&"金安区发布".to_string()) && after.contains(&"<b>霍邱</b>发布".to_string()), "{after:?}");
        assert!(after.contains(&"裕安发布".to_string()), "missing accounts are kept unless asked: {after:?}");
        let audit = s.list_audit(20, 0).await.unwrap();
        let imports: Vec<_> = audit.iter().filter(|a| a.action == "registry.import").collect();
        assert_eq!(imports.len(), 1, "{audit:?}");
        assert_eq!(imports[0].username, "staff");
        assert!(imports[0].detail.contains("台账2026.csv") && imports[0].detail.contains("新增 1，变更 1"), "{}", imports[0].detail);
        let page = c.get("/registry?done=1").await;
        assert!(page.body.contains("导入已完成") && page.body.contains("台账2026.csv"), "{}", page.body);
        assert!(!f.data_dir.path().join("uploads/registry").join(&token).exists());
        assert_eq!(c.post(&format!("/registry/confirm/{token}"), &[("csrf", &csrf)]).await.status, StatusCode::NOT_FOUND, "once");

        // Cancel: the file goes, nothing else happens.
        let to = preview_path(&c.upload("/registry/upload", &[("csrf", &csrf), ("retire_missing", "1")], Some(("b.csv", GOOD_REGISTRY.as_bytes()))).await);
        let preview = c.get(&to).await;
        assert!(preview.body.contains("将退出监管"), "{}", preview.body);
        let token = to.rsplit('/').next().unwrap().to_string();
        assert_eq!(c.post(&format!("/registry/cancel/{token}"), &[("csrf", &csrf)]).await.location(), "/registry");
        assert!(!f.data_dir.path().join("uploads/registry").join(&token).exists());
        assert_eq!(account_names(s).await, after);
        assert_eq!(s.list_registry_imports(10, 0).await.unwrap().1, 1, "{}", db.label);

        // An upload left for more than an hour cannot be confirmed.
        let to = preview_path(&c.upload("/registry/upload", &[("csrf", &csrf)], Some(("c.csv", GOOD_REGISTRY.as_bytes()))).await);
        f.wall.advance(TimeDelta::minutes(61));
        // (The session went idle too: a new one; the upload is the user's, not the session's.)
        let mut c = Client::logged_in(app.clone(), "staff").await;
        let csrf = c.csrf().await;
        let r = c.post(&to.replace("/preview/", "/confirm/"), &[("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("已超过 1 小时"), "{}", r.body);

        // Export: the registry as `accounts export` writes it.
        let r = c.get("/registry/export/csv").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("金安区发布") && r.body.contains("账号ID"), "{}", r.body);
        let disposition = r.headers.get(header::CONTENT_DISPOSITION).unwrap().to_str().unwrap();
        assert!(disposition.starts_with("attachment; filename=\"registry-") && disposition.contains(".csv"), "{disposition}");
        let r = c.get("/registry/export/xlsx").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(c.get("/registry/export/pdf").await.status, StatusCode::NOT_FOUND);
        db.finish().await;
    }
}

#[tokio::test]
async fn an_upload_over_the_configured_limit_is_refused_with_the_limit() {
    let db = common::sqlite().await;
    let s = &db.store;
    let f = console::populate(s).await;
    let mut loaded = console::loaded(&f);
    loaded.config.import.max_file_mb = 1;
    let state = console::state(s, &f).with_config(std::sync::Arc::new(loaded));
    let app = xunjian::web::router(state);
    let mut c = Client::logged_in(app.clone(), "staff").await;
    let csrf = c.get("/registry").await.csrf();
    let big = vec![b'a'; 2 * 1024 * 1024];
    let r = c.upload("/registry/upload", &[("csrf", &csrf)], Some(("大文件.csv", &big))).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(r.body.contains("超过 1 MB 的导入上限"), "{}", r.body);
    // Only the upload's route takes more than a form: 100 KB elsewhere is refused.
    let filler = "x".repeat(100 * 1024);
    let r = c.post(&format!("/findings/{}/dismiss", f.finding_a), &[("csrf", &csrf), ("reason", &filler)]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Within the limit, the upload's own size is fine.
    let ok = c.upload("/registry/upload", &[("csrf", &csrf)], Some(("台账.csv", GOOD_REGISTRY.as_bytes()))).await;
    preview_path(&ok);
    // A workbook as `accounts export` writes it reads back with no change.
    let xlsx = f.data_dir.path().join("export.xlsx");
    let specs: Vec<_> = s.list_accounts(&Default::default()).await.unwrap().into_iter().map(|a| a.spec).collect();
    xunjian::registry::write_xlsx(&xlsx, &specs).unwrap();
    let to = preview_path(&c.upload("/registry/upload", &[("csrf", &csrf)], Some(("台账.xlsx", &std::fs::read(&xlsx).unwrap()))).await);
    let r = c.get(&to).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("工作表「") && r.body.contains("未变 <strong>3</strong>") && r.body.contains("新增 <strong>0</strong>"), "{}", r.body);
    db.finish().await;
}

/// A notice in the outbox about an account named with HTML.
fn notice(kind: NoticeKind, channel: Channel, n: i64) -> NewNotice {
    NewNotice {
        kind,
        channel,
        recipients: vec![format!("unit{n}@example.gov.cn")],
        urgent: false,
        payload: serde_json::json!({
            "event": {"label_zh": "新问题"},
            "account": {"display_name": HOSTILE},
            "finding": {"headline_zh": "超过 14 天未更新"},
            "title": "测试",
        }),
        message_id: format!("<test-{n}@xunjian.local>"),
        due_at_ms: 1_700_000_000_000 + n,
        finding_id: None,
        event_id: None,
    }
}

#[tokio::test]
async fn the_outbox_is_listed_filtered_resent_and_tested() {
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let app = xunjian::web::router(console::state(s, &f));
        let email = s.enqueue_notice(&notice(NoticeKind::Finding, Channel::Email, 1), 1_700_000_000_000).await.unwrap().unwrap();
        let robot = s.enqueue_notice(&notice(NoticeKind::Finding, Channel::Wecom, 2), 1_700_000_000_000).await.unwrap().unwrap();
        let failed = s.enqueue_notice(&notice(NoticeKind::Finding, Channel::Email, 3), 1_700_000_000_000).await.unwrap().unwrap();
        // Make the third one fail for good, as the sender records it.
        let leased = s.lease_due_notices("test", 1_700_000_100_000, 1_700_000_200_000, 10).await.unwrap();
        assert_eq!(leased.len(), 3, "{}", db.label);
        s.record_notice_failure(failed, "test", 1_700_000_100_000, "550 <b>mailbox</b> unavailable", None).await.unwrap();
        s.release_notice_leases("test").await.unwrap();

        let mut c = Client::logged_in(app.clone(), "staff").await;
        let page = c.get("/notices").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("共 3 条") && page.body.contains("发送失败"), "{}", page.body);
        assert!(page.body.contains("550 &lt;b&gt;mailbox&lt;/b&gt; unavailable"), "the last error, escaped: {}", page.body);
        assert!(page.body.contains("&lt;img src=x onerror=alert(1)&gt;") && !page.body.contains(HOSTILE), "{}", page.body);
        // Filtered in SQL, by state and by channel.
        let r = c.get("/notices?state=failed").await;
        assert!(r.body.contains("共 1 条") && r.body.contains(&format!("#{failed}<")), "{}", r.body);
        let r = c.get("/notices?channel=wecom").await;
        assert!(r.body.contains("共 1 条") && r.body.contains(&format!("#{robot}<")) && !r.body.contains(&format!("#{email}<")), "{}", r.body);
        assert!(!page.body.contains("发送测试"), "staff does not send tests: {}", page.body);

        // Resend: needs the token; back in the queue; audited.
        let path = format!("/notices/{failed}/resend");
        assert_eq!(c.post(&path, &[]).await.status, StatusCode::FORBIDDEN);
        let csrf = page.csrf();
        let r = c.post(&path, &[("csrf", &csrf)]).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, format!("/notices?resent={failed}").as_str()), "{}", r.body);
        assert_eq!(s.get_notice(failed).await.unwrap().unwrap().state, NoticeState::Pending, "{}", db.label);
        assert!(c.get(r.location()).await.body.contains(&format!("通知 #{failed} 已重新排队")));
        assert_eq!(c.post("/notices/999999/resend", &[("csrf", &csrf)]).await.status, StatusCode::NOT_FOUND);
        let audit = s.list_audit(20, 0).await.unwrap();
        assert!(audit.iter().any(|a| a.action == "notice.resend" && a.username == "staff" && a.target == format!("notice:{failed}")), "{audit:?}");
        // Staff may not send a test.
        assert_eq!(c.post("/notices/test", &[("csrf", &csrf), ("to", "a@example.gov.cn")]).await.status, StatusCode::FORBIDDEN);

        // Read-only sees, cannot resend; a unit operator has no outbox.
        let mut leader = Client::logged_in(app.clone(), "leader").await;
        let page = leader.get("/notices").await;
        assert!(page.status == StatusCode::OK && !page.body.contains("重新发送"), "{}", page.body);
        let lcsrf = page.csrf();
        assert_eq!(leader.post(&path, &[("csrf", &lcsrf)]).await.status, StatusCode::FORBIDDEN);
        let mut unit = Client::logged_in(app.clone(), "jinan").await;
        assert_eq!(unit.get("/notices").await.status, StatusCode::FORBIDDEN);
        let ucsrf = unit.csrf().await;
        assert_eq!(unit.post(&path, &[("csrf", &ucsrf)]).await.status, StatusCode::FORBIDDEN);

        // The administrator's test: with no SMTP host set, the mail is written as a file.
        let mut admin = Client::logged_in(app.clone(), "admin").await;
        let page = admin.get("/notices").await;
        assert!(page.body.contains("发送测试"), "{}", page.body);
        let acsrf = page.csrf();
        let r = admin.post("/notices/test", &[("csrf", &acsrf), ("to", "gongkaiban@example.gov.cn")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("测试邮件已发送到 gongkaiban@example.gov.cn"), "{}", r.body);
        let outbox = f.data_dir.path().join("outbox");
        assert_eq!(std::fs::read_dir(&outbox).unwrap().count(), 1, "one .eml in {}", outbox.display());
        let r = admin.post("/notices/test", &[("csrf", &acsrf), ("to", "not an address")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("测试邮件发送失败") && r.body.contains("不是有效的邮件地址"), "{}", r.body);
        let audit = s.list_audit(20, 0).await.unwrap();
        assert_eq!(audit.iter().filter(|a| a.action == "notice.test" && a.username == "admin").count(), 2, "{audit:?}");
        db.finish().await;
    }
}

/// The one-time password a users page shows.
fn one_time_password(r: &Reply) -> String {
    let at = r.body.find("<code class=\"password\">").unwrap_or_else(|| panic!("no one-time password in {}", r.body));
    let rest = &r.body[at + "<code class=\"password\">".len()..];
    rest[..rest.find('<').unwrap()].to_string()
}

#[tokio::test]
async fn the_system_page_shows_settings_and_administrators_manage_users() {
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let app = xunjian::web::router(console::state(s, &f));
        let mut staff = Client::logged_in(app.clone(), "staff").await;
        let page = staff.get("/system").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for text in ["规则与依据", "内容不更新", "节假日数据", "2026 年", "配置摘要", "smtp-password：未配置", "不在守护进程中运行", "每个令牌每分钟最多 60 次"] {
            assert!(page.body.contains(text), "{}: {text}: {}", db.label, page.body);
        }
        assert!(!page.body.contains("href=\"/system/users\""), "staff has no user administration");
        for path in ["/system/users", "/system/audit"] {
            assert_eq!(staff.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
        }
        let csrf = page.csrf();
        assert_eq!(staff.post("/system/users/add", &[("csrf", &csrf), ("username", "x1"), ("role", "admin")]).await.status, StatusCode::FORBIDDEN);
        let mut unit = Client::logged_in(app.clone(), "jinan").await;
        assert_eq!(unit.get("/system").await.status, StatusCode::FORBIDDEN);

        let mut admin = Client::logged_in(app.clone(), "admin").await;
        let page = admin.get("/system/users").await;
        assert!(page.body.contains("jinan") && page.body.contains(console::UNIT_A), "{}", page.body);
        let csrf = page.csrf();
        // Checked as `users add` checks: a unit operator needs its units.
        let r = admin.post("/system/users/add", &[("csrf", &csrf), ("username", "huoqiu"), ("role", "unit"), ("units", "")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("须填写可见的主办单位") && r.body.contains("value=\"huoqiu\""), "the form keeps what was typed: {}", r.body);
        let r = admin.post("/system/users/add", &[("csrf", &csrf), ("username", "staff"), ("role", "staff")]).await;
        assert!(r.body.contains("已存在"), "{}", r.body);
        // Added: a one-time password, shown once, which must be changed.
        let r = admin
            .post("/system/users/add", &[("csrf", &csrf), ("username", "huoqiu"), ("display_name", "<i>孙</i>"), ("role", "unit"), ("units", "霍邱县人民政府办公室\n")])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let pw = one_time_password(&r);
        assert!(r.body.contains("&lt;i&gt;孙&lt;/i&gt;") && r.body.contains("霍邱县人民政府办公室"), "{}", r.body);
        assert!(!admin.get("/system/users").await.body.contains(&pw), "shown once");
        let mut newcomer = Client::new(app.clone());
        let r = newcomer.login("huoqiu", &pw).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/password"), "{}", r.body);

        // Reset a password: the old one stops working, sessions end.
        let (leader, _) = s.find_user_by_name("leader").await.unwrap().unwrap();
        let mut leader_session = Client::logged_in(app.clone(), "leader").await;
        let r = admin.post(&format!("/system/users/{}/reset", leader.id), &[("csrf", &csrf)]).await;
        let pw = one_time_password(&r);
        assert_eq!(leader_session.get("/").await.status, StatusCode::SEE_OTHER, "the reset ended the session");
        assert_eq!(Client::new(app.clone()).login("leader", PASSWORD).await.status, StatusCode::OK, "old password refused");
        assert_eq!(Client::new(app.clone()).login("leader", &pw).await.location(), "/password");
        // Disable and enable; never oneself.
        let (yuan, _) = s.find_user_by_name("yuan").await.unwrap().unwrap();
        let r = admin.post(&format!("/system/users/{}/disable", yuan.id), &[("csrf", &csrf), ("disabled", "1")]).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/system/users"));
        assert_eq!(Client::new(app.clone()).login("yuan", PASSWORD).await.status, StatusCode::OK, "disabled");
        admin.post(&format!("/system/users/{}/disable", yuan.id), &[("csrf", &csrf), ("disabled", "0")]).await;
        assert_eq!(Client::new(app.clone()).login("yuan", PASSWORD).await.status, StatusCode::SEE_OTHER, "enabled again");
        let (me, _) = s.find_user_by_name("admin").await.unwrap().unwrap();
        let r = admin.post(&format!("/system/users/{}/disable", me.id), &[("csrf", &csrf), ("disabled", "1")]).await;
        assert!(r.body.contains("不能停用自己的账号"), "{}", r.body);
        assert_eq!(admin.post("/system/users/999999/reset", &[("csrf", &csrf)]).await.status, StatusCode::NOT_FOUND);

        // The audit log: every one of these, escaped, paginated.
        let log = admin.get("/system/audit").await;
        assert_eq!(log.status, StatusCode::OK);
        for action in ["user.add", "user.password", "user.disable", "user.enable", "login"] {
            assert!(log.body.contains(action), "{action}: {}", log.body);
        }
        let entries = s.list_audit(1000, 0).await.unwrap().len();
        assert!(log.body.contains(&format!("共 {entries} 条")), "{}", log.body);
        db.finish().await;
    }
}

#[tokio::test]
async fn reports_are_produced_in_the_background_and_only_listed_files_download() {
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let app = xunjian::web::router(console::state(s, &f));
        let mut c = Client::logged_in(app.clone(), "staff").await;
        let page = c.get("/reports").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("2026年第四季度") && page.body.contains("没有符合条件的记录"), "{}", page.body);
        let csrf = page.csrf();
        let r = c.post("/reports/produce", &[("csrf", &csrf), ("quarter", "2026Q4")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("请至少选择一种格式"), "{}", r.body);
        let r = c.post("/reports/produce", &[("csrf", &csrf), ("quarter", "2027Q2"), ("xlsx", "1")]).await;
        assert!(r.body.contains("尚未开始"), "{}", r.body);
        let r = c.post("/reports/produce", &[("csrf", &csrf), ("quarter", "2026Q4"), ("xlsx", "1"), ("html", "1")]).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/reports"), "{}", r.body);
        // It runs in the background; the page says how far it is, then what it wrote.
        let mut done = String::new();
        for _ in 0..600 {
            let p = c.get("/reports").await;
            if !p.body.contains("正在生成") {
                done = p.body;
                break;
            }
            assert!(p.body.contains("http-equiv=\"refresh\""), "a running job's page reloads itself");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(done.contains("通报已生成"), "{}: {done}", db.label);
        let xlsx = "2026Q4-政务新媒体检查情况通报.xlsx";
        assert!(done.contains(xlsx) && done.contains("2026Q4-政务新媒体检查情况通报.html"), "{done}");
        let audit = s.list_audit(20, 0).await.unwrap();
        assert!(audit.iter().any(|a| a.action == "report.produce" && a.username == "staff"), "{audit:?}");

        // Download: the listed file, as it is on disk.
        let href = format!("/reports/download/{}", url::form_urlencoded::byte_serialize(xlsx.as_bytes()).collect::<String>());
        assert!(done.contains(&href), "{done}");
        let mut leader = Client::logged_in(app.clone(), "leader").await;
        let r = leader.get(&href).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.starts_with("PK"), "a zip (xlsx)");
        assert!(r.headers.get(header::CONTENT_DISPOSITION).unwrap().to_str().unwrap().starts_with("attachment;"));
        let html = "2026Q4-政务新媒体检查情况通报.html";
        let r = leader.get(&format!("/reports/download/{}", url::form_urlencoded::byte_serialize(html.as_bytes()).collect::<String>())).await;
        let on_disk = std::fs::read_to_string(f.data_dir.path().join("reports").join(html)).unwrap();
        assert_eq!(r.body, on_disk, "the file as it is");
        assert!(r.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap().contains("sandbox"));
        // Only what the server lists: nothing else in (or above) the folder.
        std::fs::write(f.data_dir.path().join("secret.txt"), "x").unwrap();
        for path in ["/reports/download/..%2Fsecret.txt", "/reports/download/%2Fetc%2Fpasswd", "/reports/download/..%2F..%2Fxunjian.db", "/reports/download/nope.xlsx"] {
            assert_eq!(leader.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
        }
        // Read-only cannot produce; a unit operator sees no reports.
        let lcsrf = leader.csrf().await;
        assert_eq!(leader.post("/reports/produce", &[("csrf", &lcsrf), ("quarter", "2026Q4"), ("xlsx", "1")]).await.status, StatusCode::FORBIDDEN);
        let mut unit = Client::logged_in(app.clone(), "jinan").await;
        assert_eq!(unit.get("/reports").await.status, StatusCode::FORBIDDEN);
        assert_eq!(unit.get(&href).await.status, StatusCode::FORBIDDEN);
        db.finish().await;
    }
}

/// The account page's coverage strip: 30 day cells (Beijing days) with a
/// tooltip and an accessible text each, colours by what happened (never a
/// violation colour), the reasons and the platform's own words escaped;
/// another unit's account stays 404 for a unit operator.
#[tokio::test]
async fn the_account_page_shows_a_coverage_strip_with_escaped_reasons() {
    use console::t;
    use xunjian::adapters::model::OutcomeClass;
    for db in common::backends().await {
        let s = &db.store;
        let f = console::populate(s).await;
        let label = db.label;
        f.clock.set(t("2026-12-04T10:00:00+08:00"));
        let a = f.account_a;
        console::check_ok(s, a, t("2026-12-02T23:59:00+08:00")).await;
        console::check_outcome(s, a, t("2026-12-03T00:01:00+08:00"), OutcomeClass::Captcha, Some("<script>alert('detail')</script>")).await;
        console::check_ok(s, a, t("2026-12-03T12:00:00+08:00")).await;
        console::check_outcome(s, a, t("2026-12-04T08:00:00+08:00"), OutcomeClass::Throttled, None).await;
        console::check_outcome(s, f.account_b, t("2026-12-04T08:00:00+08:00"), OutcomeClass::Blocked, Some("裕安的拦截页")).await;
        let app = xunjian::web::router(console::state(s, &f));
        let mut unit = Client::logged_in(app.clone(), "jinan").await;
        let r = unit.get(&format!("/accounts/{a}")).await;
        assert_eq!(r.status, StatusCode::OK, "{label}");
        let body = &r.body;
        assert_eq!(body.matches("<li class=\"day d-").count(), 30, "{label}: {body}");
        assert_eq!(body.matches("class=\"day d-ok\"").count(), 1, "{label}");
        assert_eq!(body.matches("class=\"day d-partial\"").count(), 1);
        assert_eq!(body.matches("class=\"day d-failed\"").count(), 1);
        assert_eq!(body.matches("class=\"day d-none\"").count(), 27);
        // Each cell says its day in words, in the tooltip and for screen readers.
        let cell = |day: &str| -> String {
            let at = body.find(&format!("title=\"{day}")).unwrap_or_else(|| panic!("{label}: no cell for {day}: {body}"));
            body[at..at + body[at..].find('>').unwrap()].to_string()
        };
        let d2 = cell("2026-12-02");
        assert!(d2.contains("检查 1 次，成功 1 次，未能检查 0 次") && d2.contains("aria-label=\"2026-12-02"), "{d2}");
        let d3 = cell("2026-12-03");
        assert!(d3.contains("检查 2 次，成功 1 次，未能检查 1 次（遇到验证码 1 次）"), "{d3}");
        // The platform's text comes out as text, in the attributes and the table.
        assert!(d3.contains("最近一次：&lt;script&gt;alert(&#39;detail&#39;)&lt;/script&gt;"), "{d3}");
        assert!(!body.contains("<script>alert('detail')"), "{label}: raw platform text");
        assert!(body.contains("<small class=\"muted\">最近一次：&lt;script&gt;"), "{label}");
        let d4 = cell("2026-12-04");
        assert!(d4.contains("未能检查 1 次（被平台限流 1 次）"), "{d4}");
        assert!(cell("2026-11-05").contains("没有检查"), "the first of the 30 days");
        assert!(!body.contains("title=\"2026-11-04"), "{label}: 30 days only");
        assert!(body.contains("不算违规") && !body.contains("d-violation"), "{label}");
        assert!(!body.contains("裕安的拦截页"), "{label}: another account's checks");
        // Another unit's account: 404, its checks nowhere.
        let r = unit.get(&format!("/accounts/{}", f.account_b)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{label}");
        assert!(!r.body.contains("裕安的拦截页") && !r.body.contains("class=\"day"), "{label}");
        // The office sees it.
        let mut staff = Client::logged_in(app.clone(), "staff").await;
        let r = staff.get(&format!("/accounts/{}", f.account_b)).await;
        assert!(r.body.contains("被平台拦截 1 次") && r.body.contains("裕安的拦截页"), "{label}: {}", r.body);
        db.finish().await;
    }
}
