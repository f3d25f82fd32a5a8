//! The console in a real browser: Debian's headless Chromium, driven over
//! the DevTools pipe by the project's own CDP client, against the console
//! served on loopback by the same accept loop `xunjian run` uses.
//!
//! Staff logs in, sees the overview, the hostile account name as inert
//! text, dismisses a finding with a reason; a unit operator logs in and
//! gets 404 for another unit's account. Screenshots of the main pages go to
//! `target/console-screenshots/` (or `$XUNJIAN_SCREENSHOT_DIR`) for a person
//! to look at.
//!
//! Without Chromium the test skips, saying so, unless
//! `XUNJIAN_REQUIRE_BROWSER=1` (CI), when it fails.

mod common;
#[path = "common/console.rs"]
mod console;

use base64::Engine;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;
use xunjian::adapters::browser::cdp::Chromium;
use xunjian::adapters::model::OutcomeClass;
use xunjian::clock::Clock;
use xunjian::store::FindingState;

const STEP: Duration = Duration::from_secs(20);

fn chromium() -> Option<String> {
    let path = std::env::var("XUNJIAN_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string());
    if std::path::Path::new(&path).is_file() {
        return Some(path);
    }
    if std::env::var("XUNJIAN_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("XUNJIAN_REQUIRE_BROWSER=1 but there is no Chromium at {path} (apt-get install chromium)");
    }
    eprintln!("SKIPPED: no Chromium at {path}; install Debian's chromium or set XUNJIAN_REQUIRE_BROWSER=1 to make this a failure");
    None
}

fn screenshot_dir() -> PathBuf {
    let dir = std::env::var_os("XUNJIAN_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("..").join("console-screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One page of the browser.
struct Tab {
    browser: Chromium,
    session: String,
    base: String,
}

impl Tab {
    async fn open(binary: &str, base: String) -> Tab {
        let mut args = vec!["--lang=zh-CN".to_string()];
        // Chromium refuses to run as root with its sandbox (CI containers);
        // the pages are our own, on loopback.
        let root = std::fs::read_to_string("/proc/self/status")
            .is_ok_and(|s| s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0")));
        if root {
            args.push("--no-sandbox".to_string());
        }
        let mut browser = Chromium::launch(binary, &args).unwrap_or_else(|e| panic!("{e}"));
        let target = browser.call(None, "Target.createTarget", json!({"url": "about:blank"}), STEP).await.unwrap();
        let id = target["targetId"].as_str().unwrap().to_string();
        let attached = browser.call(None, "Target.attachToTarget", json!({"targetId": id, "flatten": true}), STEP).await.unwrap();
        let session = attached["sessionId"].as_str().unwrap().to_string();
        let mut tab = Tab { browser, session, base };
        tab.cmd("Page.enable", json!({})).await;
        tab.cmd("Emulation.setDeviceMetricsOverride", json!({"width": 1280, "height": 860, "deviceScaleFactor": 1, "mobile": false}))
            .await;
        tab
    }

    async fn cmd(&mut self, method: &str, params: Value) -> Value {
        let s = self.session.clone();
        self.browser.call(Some(&s), method, params, STEP).await.unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    /// Evaluates in the page (DevTools is not bound by the page's CSP,
    /// which forbids every script).
    async fn eval(&mut self, js: &str) -> Value {
        let r = self.cmd("Runtime.evaluate", json!({"expression": js, "returnByValue": true})).await;
        assert!(r.get("exceptionDetails").is_none(), "{js}: {r}");
        r["result"]["value"].clone()
    }

    /// Evaluates a promise in the page and returns what it resolves to.
    async fn eval_async(&mut self, js: &str) -> Value {
        let r = self.cmd("Runtime.evaluate", json!({"expression": js, "returnByValue": true, "awaitPromise": true})).await;
        assert!(r.get("exceptionDetails").is_none(), "{js}: {r}");
        r["result"]["value"].clone()
    }

    async fn wait_for(&mut self, cond: &str) {
        for _ in 0..200 {
            if self.eval(&format!("document.readyState === 'complete' && ({cond})")).await == json!(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let text = self.eval("location.href + '\\n' + document.body.innerText").await;
        panic!("timed out waiting for {cond}; page: {text}");
    }

    /// Marks the current document, so the next one can be told apart.
    async fn mark_document(&mut self) {
        self.eval("window.__xjOld = true").await;
    }

    async fn wait_new_document(&mut self) {
        self.wait_for("window.__xjOld !== true").await;
    }

    /// Loads `path` (following redirects, as a person's browser does).
    async fn goto(&mut self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.mark_document().await;
        self.cmd("Page.navigate", json!({"url": url})).await;
        self.wait_new_document().await;
    }

    /// The HTTP status the current page came with.
    async fn status(&mut self) -> i64 {
        self.eval("performance.getEntriesByType('navigation')[0].responseStatus").await.as_i64().unwrap_or(0)
    }

    async fn text(&mut self) -> String {
        self.eval("document.body.innerText").await.as_str().unwrap_or_default().to_string()
    }

    async fn fill(&mut self, selector: &str, value: &str) {
        let js = format!("(() => {{ const e = document.querySelector({}); e.value = {}; return true; }})()", json!(selector), json!(value));
        assert_eq!(self.eval(&js).await, json!(true), "{selector}");
    }

    /// Clicks, as a person would (the form submits itself: no page script).
    async fn click(&mut self, selector: &str) {
        self.mark_document().await;
        let js = format!("(() => {{ const e = document.querySelector({}); if (!e) return false; e.click(); return true; }})()", json!(selector));
        assert_eq!(self.eval(&js).await, json!(true), "no {selector}");
        self.wait_new_document().await;
    }

    /// Waits up to `secs` for `cond`, across the page's own reloads.
    async fn wait_long(&mut self, cond: &str, secs: u64) {
        let until = std::time::Instant::now() + Duration::from_secs(secs);
        let js = format!("document.readyState === 'complete' && ({cond})");
        while std::time::Instant::now() < until {
            let s = self.session.clone();
            // A reload in between may lose the answer: just ask again.
            let r = self.browser.call(Some(&s), "Runtime.evaluate", json!({"expression": js, "returnByValue": true}), STEP).await;
            if r.is_ok_and(|v| v["result"]["value"] == json!(true)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let text = self.text().await;
        panic!("timed out waiting for {cond}; page: {text}");
    }

    /// Chooses a file in an `<input type=file>`, as a person does in the dialog.
    async fn choose_file(&mut self, selector: &str, path: &std::path::Path) {
        let doc = self.cmd("DOM.getDocument", json!({})).await;
        let root = doc["root"]["nodeId"].as_i64().unwrap();
        let node = self.cmd("DOM.querySelector", json!({"nodeId": root, "selector": selector})).await;
        let node = node["nodeId"].as_i64().unwrap();
        assert!(node != 0, "no {selector}");
        self.cmd("DOM.setFileInputFiles", json!({"nodeId": node, "files": [path.display().to_string()]})).await;
    }

    async fn screenshot(&mut self, name: &str) {
        let shot = self.cmd("Page.captureScreenshot", json!({"format": "png", "captureBeyondViewport": true})).await;
        let png = base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().unwrap()).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{name}");
        std::fs::write(screenshot_dir().join(format!("{name}.png")), &png).unwrap();
        // The README's pictures: `XUNJIAN_UPDATE_DOCS=1 cargo test --test
        // console_browser` writes the main pages to docs/console-*.png.
        if std::env::var_os("XUNJIAN_UPDATE_DOCS").is_some() && let Some(doc) = DOC_SHOTS.iter().find(|(n, _)| *n == name) {
            let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs").join(format!("console-{}.png", doc.1));
            std::fs::write(path, &png).unwrap();
        }
    }

    async fn login(&mut self, username: &str) {
        self.goto("/login").await;
        self.fill("#username", username).await;
        self.fill("#password", console::PASSWORD).await;
        self.click("button[type=submit]").await;
        self.wait_for("location.pathname === '/' && !!document.querySelector('.who')").await;
    }

    async fn logout(&mut self) {
        self.click(".who button[type=submit]").await;
        self.wait_for("location.pathname === '/login'").await;
    }
}

/// Screenshots the README shows: (screenshot, docs/console-NAME.png).
const DOC_SHOTS: &[(&str, &str)] = &[
    ("02-dashboard-staff", "dashboard"),
    ("04-account", "account"),
    ("05-findings", "findings"),
    ("06-finding", "finding"),
    ("14-registry-diff", "registry"),
    ("09-dashboard-unit", "dashboard-unit"),
    ("21-tokens", "tokens"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_and_a_unit_operator_use_the_console_in_chromium() {
    let Some(binary) = chromium() else { return };
    let db = common::sqlite().await;
    let s = &db.store;
    let f = console::populate(s).await;
    // A failed notice for the outbox page.
    let n = xunjian::store::NewNotice {
        kind: xunjian::store::NoticeKind::Finding,
        channel: xunjian::store::Channel::Email,
        recipients: vec!["jinan@example.gov.cn".to_string()],
        urgent: false,
        payload: json!({"event": {"label_zh": "新问题"}, "account": {"display_name": "金安发布"}, "finding": {"headline_zh": "超过 14 天未更新"}}),
        message_id: "<browser-1@xunjian.local>".to_string(),
        due_at_ms: f.clock.now().timestamp_millis() - 3_600_000,
        finding_id: Some(f.finding_a),
        event_id: None,
    };
    let at = f.clock.now().timestamp_millis() - 3_000_000;
    let id = s.enqueue_notice(&n, at).await.unwrap().unwrap();
    s.lease_due_notices("test", at, at + 60_000, 10).await.unwrap();
    s.record_notice_failure(id, "test", at, "SMTP 550 5.1.1 用户不存在 (mailbox unavailable)", None).await.unwrap();
    // A month of checks of account A for its coverage strip (the console's
    // today is 1 November): days all answered, days with some and with only
    // "could not check" (one quoting a hostile page), days without a check.
    let first = console::t("2026-10-03T00:00:00+08:00");
    for i in 0..30i64 {
        let day = first + chrono::TimeDelta::days(i);
        let at = |h: i64| day + chrono::TimeDelta::hours(h);
        match i {
            0..5 | 12..14 => {}
            29 => console::check_outcome(s, f.account_a, at(7), OutcomeClass::Captcha, Some("<img src=x onerror=alert(3)>请输入验证码")).await,
            _ if i % 7 == 3 => {
                console::check_outcome(s, f.account_a, at(9), OutcomeClass::LoginRequired, None).await;
                console::check_outcome(s, f.account_a, at(21), OutcomeClass::NetworkError, Some("连接超时 (timed out)")).await;
            }
            _ if i % 5 == 1 => {
                console::check_ok(s, f.account_a, at(9)).await;
                console::check_outcome(s, f.account_a, at(21), OutcomeClass::Throttled, Some("HTTP 418")).await;
            }
            _ => {
                console::check_ok(s, f.account_a, at(9)).await;
                console::check_ok(s, f.account_a, at(21)).await;
            }
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let server = tokio::spawn(xunjian::web::serve(listener, console::state(s, &f), stop_rx));

    let mut tab = Tab::open(&binary, base.clone()).await;
    tab.goto("/").await;
    assert!(tab.eval("location.pathname").await == json!("/login"), "not logged in: the login page");
    tab.screenshot("01-login").await;
    tab.login("staff").await;
    let text = tab.text().await;
    assert!(text.contains("待处理的问题") && text.contains("内容不更新") && text.contains("单项否决"), "{text}");
    // Due soon and the quarter's trend: three zombie findings first seen in
    // the week from 10/29, drawn as an SVG on the server (no script).
    assert!(text.contains("即将到期") && text.contains("本季度问题趋势") && text.contains("新发现 3 个"), "{text}");
    assert_eq!(tab.eval("document.querySelectorAll('svg.chart rect').length").await, json!(10), "5 weeks × 2 bars");
    let tallest = tab.eval("Math.max(...[...document.querySelectorAll('svg.chart rect')].map(r => r.getBBox().height))").await;
    // 3 on an axis to 5, in a 160-unit-high area.
    assert_eq!(tallest.as_f64().unwrap(), 96.0, "the week with findings is drawn to scale");
    tab.screenshot("02-dashboard-staff").await;

    // The hostile name: shown as text, no element made of it.
    tab.goto("/accounts").await;
    assert!(tab.text().await.contains(console::HOSTILE));
    assert_eq!(tab.eval("document.querySelectorAll('main img').length").await, json!(0));
    tab.screenshot("03-accounts").await;
    tab.goto(&format!("/accounts/{}", f.account_a)).await;
    // The coverage strip: 30 days, one cell each, every cell saying its day in words.
    assert_eq!(tab.eval("document.querySelectorAll('ol.strip li.day').length").await, json!(30));
    assert_eq!(tab.eval("[...document.querySelectorAll('ol.strip li.day')].filter(c => !c.title || c.title !== c.getAttribute('aria-label')).length").await, json!(0));
    let last = tab.eval("document.querySelector('ol.strip li.day:last-child').title").await;
    assert!(last.as_str().unwrap().starts_with("2026-11-01：检查 2 次，成功 1 次，未能检查 1 次（遇到验证码 1 次）；最近一次：<img src=x"), "{last}");
    assert_eq!(tab.eval("document.querySelectorAll('main img').length").await, json!(0), "the page's words are text");
    let colour = |sel: &str| format!("getComputedStyle(document.querySelector('ol.strip li.{sel}')).backgroundColor");
    assert_eq!(tab.eval(&colour("d-ok")).await, json!("rgb(47, 125, 50)"), "green: all checked");
    assert_eq!(tab.eval(&colour("d-none")).await, json!("rgb(227, 229, 232)"), "grey: no check");
    assert_eq!(tab.eval(&colour("d-partial")).await, json!("rgb(233, 185, 73)"), "amber: some could not check");
    // The strip is as wide as its 30 cells, not wider than the card.
    let width = tab.eval("document.querySelector('ol.strip').getBoundingClientRect().width <= document.querySelector('ol.strip').parentElement.getBoundingClientRect().width").await;
    assert_eq!(width, json!(true));
    tab.screenshot("04-account").await;
    tab.eval("document.querySelector('main details').open = true").await;
    tab.wait_for("document.querySelector('main details table').getBoundingClientRect().height > 500 && document.body.scrollHeight > 2000").await;
    tab.screenshot("04b-account-coverage-table").await;
    tab.goto("/findings").await;
    tab.screenshot("05-findings").await;

    // Dismiss the hostile account's finding with a reason.
    tab.goto(&format!("/findings/{}", f.finding_hostile)).await;
    assert_eq!(tab.eval("document.querySelectorAll('main img').length").await, json!(0));
    assert_eq!(tab.eval("document.querySelectorAll(\"a[href$='/evidence.zip']\").length").await, json!(1), "the evidence zip is offered");
    tab.screenshot("06-finding").await;
    tab.fill("#reason", "经核实为本单位测试账号，已申请注销").await;
    tab.click("form[action$='/dismiss'] button").await;
    tab.wait_for("document.body.innerText.includes('经核实为本单位测试账号')").await;
    assert!(tab.text().await.contains("已忽略"));
    tab.screenshot("07-finding-dismissed").await;
    assert_eq!(s.get_finding(f.finding_hostile).await.unwrap().unwrap().state, FindingState::Dismissed);

    // 台账: a file with errors changes nothing; a good one shows its diff, then is confirmed.
    let files = tempfile::tempdir().unwrap();
    let bad = files.path().join("错误台账.csv");
    std::fs::write(&bad, "账号名称,平台,账号ID,主办单位\n霍邱发布,推特,7300000001,霍邱县人民政府办公室\n,微博,7300000002,霍邱县人民政府办公室\n").unwrap();
    let good = files.path().join("台账2026.csv");
    std::fs::write(
        &good,
        "账号名称,平台,账号ID,主办单位,所属地区\n金安区发布,微博,7100000001,金安区人民政府办公室,金安区\n霍邱发布,微博,7300000001,霍邱县人民政府办公室,霍邱县\n<img src=x onerror=alert(2)>,微博,7100000002,金安区人民政府办公室,金安区\n裕安发布,微博,7200000001,裕安区人民政府办公室,裕安区\n",
    )
    .unwrap();
    let before: Vec<String> = s.list_accounts(&Default::default()).await.unwrap().into_iter().map(|a| a.spec.display_name).collect();
    tab.goto("/registry").await;
    tab.screenshot("12-registry").await;
    tab.choose_file("#file", &bad).await;
    tab.click("form[action='/registry/upload'] button[type=submit]").await;
    tab.wait_for("location.pathname.startsWith('/registry/preview/')").await;
    let text = tab.text().await;
    assert!(text.contains("整个文件未导入") && text.contains("第 2 行") && text.contains("推特"), "{text}");
    assert!(!text.contains("确认导入"), "{text}");
    tab.screenshot("13-registry-errors").await;
    let now: Vec<String> = s.list_accounts(&Default::default()).await.unwrap().into_iter().map(|a| a.spec.display_name).collect();
    assert_eq!(now, before, "an upload with errors changes nothing");
    tab.goto("/registry").await;
    tab.choose_file("#file", &good).await;
    tab.click("form[action='/registry/upload'] button[type=submit]").await;
    tab.wait_for("location.pathname.startsWith('/registry/preview/')").await;
    let text = tab.text().await;
    assert!(text.contains("确认后将发生的变化") && text.contains("霍邱发布") && text.contains("金安区发布"), "{text}");
    assert_eq!(tab.eval("document.querySelectorAll('main img').length").await, json!(0));
    tab.screenshot("14-registry-diff").await;
    tab.click("form[action^='/registry/confirm/'] button").await;
    tab.wait_for("location.pathname === '/registry' && document.body.innerText.includes('导入已完成')").await;
    tab.screenshot("15-registry-imported").await;
    let now: Vec<String> = s.list_accounts(&Default::default()).await.unwrap().into_iter().map(|a| a.spec.display_name).collect();
    assert!(now.contains(&"金安区发布".to_string()) && now.contains(&"霍邱发布".to_string()), "{now:?}");

    // 通知, 通报 (produced in the background, the page following it), 系统.
    tab.goto("/notices").await;
    assert!(tab.text().await.contains("发送失败"));
    tab.screenshot("16-notices").await;
    tab.goto("/reports").await;
    tab.eval("document.querySelector('input[name=pdf]').checked = false; document.querySelector('input[name=xlsx]').checked = true; document.querySelector('input[name=html]').checked = true").await;
    tab.click("form[action='/reports/produce'] button").await;
    tab.wait_long("document.body.innerText.includes('通报已生成')", 120).await;
    assert!(tab.text().await.contains("2026Q4-政务新媒体检查情况通报.xlsx"));
    tab.screenshot("17-reports").await;
    tab.goto("/system").await;
    assert!(tab.text().await.contains("规则与依据"));
    tab.screenshot("18-system").await;

    // API 令牌: made on the page, shown once, usable at once with the staff's reach.
    tab.goto("/tokens").await;
    tab.fill("#name", "办公平台对接").await;
    tab.click("form[action='/tokens/add'] button").await;
    tab.wait_for("!!document.querySelector('code.token')").await;
    let token = tab.eval("document.querySelector('code.token').innerText").await.as_str().unwrap().to_string();
    assert!(token.starts_with("xjt_"), "{token}");
    let total = tab
        .eval_async(&format!("fetch('/api/v1/accounts', {{headers: {{Authorization: 'Bearer {token}'}}}}).then(r => r.json()).then(j => j.total)"))
        .await;
    assert!(total.as_i64().unwrap() >= 3, "{total}");
    tab.screenshot("21-tokens").await;
    tab.goto("/tokens").await;
    assert!(!tab.text().await.contains(&token), "shown once");

    tab.goto(&format!("/findings/{}/evidence/{}", f.finding_a, f.evidence_a)).await;
    let text = tab.text().await;
    assert!(text.contains(&f.evidence_a) && text.contains("<script>alert('capture')</script>"), "{text}");
    assert_eq!(tab.eval("document.querySelectorAll('main script').length").await, json!(0));
    tab.screenshot("08-evidence").await;
    tab.logout().await;

    // The unit operator: its own unit only; another unit's account is 404.
    tab.login("jinan").await;
    tab.screenshot("09-dashboard-unit").await;
    tab.goto(&format!("/accounts/{}", f.account_b)).await;
    assert_eq!(tab.status().await, 404);
    let text = tab.text().await;
    assert!(text.contains("页面不存在") && !text.contains("裕安发布"), "{text}");
    tab.screenshot("10-unit-404").await;
    tab.goto(&format!("/findings/{}", f.finding_a)).await;
    assert!(tab.text().await.contains("申报整改"));
    tab.screenshot("11-finding-unit").await;
    for path in ["/registry", "/notices", "/reports", "/system"] {
        tab.goto(path).await;
        assert_eq!(tab.status().await, 403, "{path}");
    }
    tab.goto("/").await;
    tab.logout().await;

    // The administrator: users (a new one gets a one-time password), the audit log.
    tab.login("admin").await;
    tab.goto("/system/users").await;
    tab.fill("#username", "huoqiu").await;
    tab.fill("#display_name", "孙伟").await;
    tab.eval("document.querySelector('#role').value = 'unit'").await;
    tab.fill("#units", "霍邱县人民政府办公室").await;
    tab.click("form[action='/system/users/add'] button").await;
    assert!(tab.text().await.contains("一次性密码"));
    tab.screenshot("19-users").await;
    tab.goto("/system/audit").await;
    assert!(tab.text().await.contains("registry.import"));
    tab.screenshot("20-audit").await;
    tab.logout().await;

    tab.browser.shutdown().await;
    stop.send(true).unwrap();
    server.await.unwrap();
    db.finish().await;
    eprintln!("screenshots: {}", screenshot_dir().canonicalize().unwrap().display());
}
