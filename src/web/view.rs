//! Templates (embedded, HTML-escaped, strict about undefined names) and
//! the data every page's layout needs.

use super::auth::CurrentUser;
use super::error::{WebError, WebResult};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use minijinja::{Environment, UndefinedBehavior, Value, context};
use std::sync::LazyLock;

const TEMPLATES: &[(&str, &str)] = &[
    ("web/layout.html", include_str!("../../templates/web/layout.html")),
    ("web/_pagination.html", include_str!("../../templates/web/_pagination.html")),
    ("web/error.html", include_str!("../../templates/web/error.html")),
    ("web/login.html", include_str!("../../templates/web/login.html")),
    ("web/password.html", include_str!("../../templates/web/password.html")),
    ("web/dashboard.html", include_str!("../../templates/web/dashboard.html")),
    ("web/accounts.html", include_str!("../../templates/web/accounts.html")),
    ("web/account.html", include_str!("../../templates/web/account.html")),
    ("web/findings.html", include_str!("../../templates/web/findings.html")),
    ("web/finding.html", include_str!("../../templates/web/finding.html")),
    ("web/evidence.html", include_str!("../../templates/web/evidence.html")),
    ("web/registry.html", include_str!("../../templates/web/registry.html")),
    ("web/registry_preview.html", include_str!("../../templates/web/registry_preview.html")),
    ("web/notices.html", include_str!("../../templates/web/notices.html")),
    ("web/reports.html", include_str!("../../templates/web/reports.html")),
    ("web/_system_tabs.html", include_str!("../../templates/web/_system_tabs.html")),
    ("web/system.html", include_str!("../../templates/web/system.html")),
    ("web/system_users.html", include_str!("../../templates/web/system_users.html")),
    ("web/system_audit.html", include_str!("../../templates/web/system_audit.html")),
    ("web/tokens.html", include_str!("../../templates/web/tokens.html")),
];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // A name the handler did not pass is a bug, not an empty string.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Every template is .html: minijinja escapes every value unless the
    // handler marked it safe (none does with platform content).
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder().trim_blocks(true).lstrip_blocks(true).build().expect("default delimiters"),
    );
    // Escape the five characters that matter in text and quoted
    // attributes (every attribute here is quoted); minijinja's default also
    // escapes `/`, which only makes links unreadable in the source.
    env.set_formatter(|out, state, value| {
        if matches!(state.auto_escape(), minijinja::AutoEscape::Html)
            && !value.is_safe()
            && let Some(s) = value.as_str()
        {
            let mut esc = String::with_capacity(s.len());
            for c in s.chars() {
                match c {
                    '&' => esc.push_str("&amp;"),
                    '<' => esc.push_str("&lt;"),
                    '>' => esc.push_str("&gt;"),
                    '"' => esc.push_str("&quot;"),
                    '\'' => esc.push_str("&#39;"),
                    c => esc.push(c),
                }
            }
            return std::fmt::Write::write_str(out, &esc).map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "write failed"));
        }
        minijinja::escape_formatter(out, state, value)
    });
    env.add_filter("local_time", local_time);
    env.add_filter("local_date", local_date);
    env.add_filter("thousands", thousands);
    for (name, source) in TEMPLATES {
        env.add_template(name, source).unwrap_or_else(|e| panic!("built-in template {name}: {e:#}"));
    }
    env
});

/// `2026-11-21 10:00` (Asia/Shanghai) from epoch ms; `—` for none.
fn local_time(v: Value) -> String {
    match i64::try_from(v).ok().and_then(|ms| Utc.timestamp_millis_opt(ms).single()) {
        Some(t) => t.with_timezone(&Shanghai).format("%Y-%m-%d %H:%M").to_string(),
        None => "—".to_string(),
    }
}

fn local_date(v: Value) -> String {
    match i64::try_from(v).ok().and_then(|ms| Utc.timestamp_millis_opt(ms).single()) {
        Some(t) => t.with_timezone(&Shanghai).format("%Y-%m-%d").to_string(),
        None => "—".to_string(),
    }
}

/// 12,345 for counts (followers).
fn thousands(v: Value) -> String {
    match i64::try_from(v) {
        Ok(n) => {
            let digits = n.unsigned_abs().to_string();
            let mut out = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(c);
            }
            if n < 0 { format!("-{out}") } else { out }
        }
        Err(_) => "—".to_string(),
    }
}

/// Renders without the layout's user data (error and login pages).
pub fn render_plain(name: &str, ctx: Value) -> Result<String, minijinja::Error> {
    let base = context! { user => Value::from(()), csrf => "", nav => "", css => super::assets::css_path(), ..ctx };
    ENV.get_template(name)?.render(base)
}

/// A page for a logged-in person: the layout gets the user, the CSRF
/// token and the active menu item; `ctx` is the page's own data.
pub fn page(user: &CurrentUser, nav: &str, name: &str, ctx: Value) -> WebResult<Response> {
    let u = &user.user;
    let base = context! {
        user => context! {
            username => u.username.clone(),
            display_name => u.display_name.clone(),
            role => u.role.code(),
            role_zh => u.role.display_zh(),
            can_act => user.can_act(),
            is_office => user.is_office(),
            is_admin => u.role == crate::store::Role::Admin,
            sees_all => u.role.sees_everything(),
        },
        csrf => user.csrf.clone(),
        nav,
        css => super::assets::css_path(),
        ..ctx
    };
    let html = ENV.get_template(name).map_err(WebError::from)?.render(base)?;
    Ok(no_store(Html(html).into_response()))
}

/// Pages show what one person may see: no shared caches, no back-button
/// copies after logout.
pub fn no_store(mut r: Response) -> Response {
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_hostile_text_is_escaped() {
        assert_eq!(ENV.templates().count(), TEMPLATES.len());
        let html = render_plain("web/error.html", context! { title => "t", message => "<img src=x onerror=alert(1)>", status => 404 })
            .unwrap();
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "{html}");
        assert!(!html.contains("<img src=x"), "{html}");
        assert_eq!(thousands(Value::from(1234567)), "1,234,567");
        assert_eq!(local_time(Value::from(1_763_690_400_000i64)), "2025-11-21 10:00");
    }
}
