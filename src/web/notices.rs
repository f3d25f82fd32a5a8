//! 通知: the outbox with each notice's delivery state and last error;
//! resend (office) and a test message (administrator), through the same
//! store and sender calls as `xunjian notices resend|test`.

use super::audit::audit;
use super::auth::CurrentUser;
use super::error::{WebError, WebResult, see_other};
use super::forms::page_number;
use super::state::AppState;
use super::{Pager, view};
use crate::cli::notices::{about, state_zh};
use crate::notify::Sender;
use crate::store::{Channel, NoticeKind, NoticeState};
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{TimeZone, Utc};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Deserialize;

pub const PAGE_SIZE: i64 = 50;

fn kind_zh(k: NoticeKind) -> &'static str {
    match k {
        NoticeKind::Finding => "问题通知",
        NoticeKind::Digest => "每日汇总",
        NoticeKind::Reminder => "到期提醒",
        NoticeKind::Operator => "运行告警",
        NoticeKind::Report => "通报",
        NoticeKind::Test => "测试",
    }
}

fn channel_zh(c: Channel) -> &'static str {
    match c {
        Channel::Email => "邮件",
        Channel::Wecom => "企业微信",
        Channel::Dingtalk => "钉钉",
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NoticeListQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    page: String,
    /// A notice just put back in the queue (its number, for the message).
    #[serde(default)]
    resent: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct TestForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    robots: String,
}

/// What a test send answered, for the page.
struct TestResult {
    ok: bool,
    lines: Vec<String>,
}

/// `GET /notices`.
pub async fn list(State(state): State<AppState>, user: CurrentUser, Query(q): Query<NoticeListQuery>) -> WebResult<Response> {
    user.require_sees_all()?;
    render(&state, &user, &q, None).await
}

async fn render(state: &AppState, user: &CurrentUser, q: &NoticeListQuery, test: Option<TestResult>) -> WebResult<Response> {
    let page = page_number(&q.page);
    let st = NoticeState::from_code(q.state.trim());
    let ch = Channel::from_code(q.channel.trim());
    let (notices, total) = state.store.search_notices(st, ch, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    let rows: Vec<Value> = notices
        .iter()
        .map(|n| {
            context! {
                id => n.id,
                kind => kind_zh(n.kind),
                urgent => n.urgent,
                channel => channel_zh(n.channel),
                state => state_zh(n.state),
                state_code => n.state.code(),
                attempts => n.attempts,
                created_ms => n.created_at_ms,
                due_ms => n.due_at_ms,
                sent_ms => n.sent_at_ms,
                last_attempt_ms => n.last_attempt_at_ms,
                error => n.last_error.clone(),
                reply => n.server_reply.clone(),
                recipients => n.recipients.join("，"),
                about => about(n),
                finding_id => n.finding_id,
                can_resend => user.is_office() && n.state != NoticeState::Sending,
            }
        })
        .collect();
    let counts: Vec<(String, i64)> =
        state.store.notice_counts().await?.into_iter().map(|(s, n)| (state_zh(s).to_string(), n)).collect();
    let params = [("state", q.state.as_str()), ("channel", q.channel.as_str())];
    let transport = match state.loaded.as_deref() {
        Some(l) => Sender::new(&l.config.notify, &l.data_dir(), &l.config.general.office_name).map(|s| s.describe()).map_err(|e| e.to_string()),
        None => Err("未读取配置".to_string()),
    };
    let status = match &test {
        Some(t) if !t.ok => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let mut r = view::page(
        user,
        "notices",
        "web/notices.html",
        context! {
            title => "通知",
            rows,
            counts,
            pager => Serde(Pager::new("/notices", &params, page, PAGE_SIZE, total)),
            state => q.state.clone(), channel => q.channel.clone(),
            states => NoticeState::ALL.iter().map(|s| (s.code(), state_zh(*s))).collect::<Vec<_>>(),
            channels => Channel::ALL.iter().map(|c| (c.code(), channel_zh(*c))).collect::<Vec<_>>(),
            resent => q.resent.trim().parse::<i64>().ok(),
            transport => transport.as_ref().ok().cloned(),
            transport_error => transport.err(),
            can_test => user.user.role == crate::store::Role::Admin && state.loaded.is_some(),
            test_ok => test.as_ref().map(|t| t.ok),
            test_lines => test.map(|t| t.lines).unwrap_or_default(),
        },
    )?;
    *r.status_mut() = status;
    Ok(r)
}

/// `POST /notices/{id}/resend` (office): queued again with the same
/// Message-ID (a mail client that has it shows it once).
pub async fn resend(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> WebResult<Response> {
    user.require_office()?;
    match state.store.resend_notice(id, state.now_ms()).await? {
        None => Err(WebError::NotFound),
        Some(NoticeState::Sending) => {
            Err(WebError::BadRequest(format!("通知 #{id} 正在发送中，请稍后再试。")))
        }
        Some(before) => {
            audit(&state, &user, "notice.resend", &format!("notice:{id}"), &format!("原状态：{}", state_zh(before))).await?;
            Ok(see_other(&format!("/notices?resent={id}")))
        }
    }
}

/// `POST /notices/test` (administrator): one test mail to an address, and
/// to the enabled robots if asked; the server's answer is shown.
pub async fn test(State(state): State<AppState>, user: CurrentUser, Form(form): Form<TestForm>) -> WebResult<Response> {
    user.require_admin()?;
    let loaded = state.loaded()?;
    let to = form.to.trim().to_string();
    let q = NoticeListQuery::default();
    if to.is_empty() {
        let t = TestResult { ok: false, lines: vec!["请填写收件地址（电子邮箱）".to_string()] };
        return render(&state, &user, &q, Some(t)).await;
    }
    let sender = match Sender::new(&loaded.config.notify, &loaded.data_dir(), &loaded.config.general.office_name) {
        Ok(s) => s,
        Err(e) => {
            let t = TestResult { ok: false, lines: vec![format!("通知设置有误，无法发送：{e}")] };
            return render(&state, &user, &q, Some(t)).await;
        }
    };
    // Real time: a test mail's Date header is now, whatever the daemon's clock.
    let now = Utc.timestamp_millis_opt(state.wall_ms()).single().unwrap_or_else(Utc::now);
    let mut lines = vec![format!("发送方式：{}", sender.describe())];
    let mut ok = true;
    match sender.send_test(&to, now).await {
        Ok(r) => {
            lines.push(format!("测试邮件已发送到 {to}"));
            lines.push(format!("Message-ID：{}", r.message_id));
            lines.push(format!("服务器答复：{}", r.reply));
        }
        Err(e) => {
            ok = false;
            lines.push(format!("测试邮件发送失败：{}", e.class.zh_on(e.channel)));
            lines.push(format!("详情：{}", e.detail));
            lines.push(format!("建议：{}", e.hint()));
        }
    }
    if form.robots == "1" {
        for (channel, result) in sender.test_robots(now).await {
            match result {
                Ok(reply) => lines.push(format!("{}机器人：测试消息已发送（{reply}）", channel_zh(channel))),
                Err(e) => {
                    ok = false;
                    lines.push(format!("{}机器人：测试消息失败：{e}；建议：{}", channel_zh(channel), e.hint()));
                }
            }
        }
    }
    audit(&state, &user, "notice.test", &format!("email:{to}"), if ok { "成功" } else { "失败" }).await?;
    render(&state, &user, &q, Some(TestResult { ok, lines })).await
}
