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
use xunjian::store::{FindingState, Role};

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
