//! `xunjian notices …`: the outbox — list, show, resend, send now, and a
//! test message that reports the mail server's answer.

use super::table::{out, outln};
use super::accounts::shanghai;
use super::{CliError, CliResult, open_store, table};
use crate::config::LoadedConfig;
use crate::notify::{FailureClass, Sender};
use crate::store::{NoticeKind, NoticeRecord, NoticeState};
use anyhow::anyhow;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum NoticesCommand {
    /// 列出通知，最新的在前 (list notices, newest first)
    List {
        /// 状态：pending, batched, sending, sent, failed, cancelled（可重复）
        #[arg(long = "state", value_name = "STATE")]
        states: Vec<String>,
        /// 类型：finding, digest, reminder, operator, report, test
        #[arg(long)]
        kind: Option<String>,
        /// 只列出这个问题的通知 (notices of one finding)
        #[arg(long, value_name = "ID")]
        finding: Option<i64>,
        /// 最多显示多少条 (at most this many)
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
    /// 查看一个通知：收件人、状态、尝试记录、服务器答复和发送的内容 (show one notice as it is sent)
    Show {
        /// 通知编号 (notice id)
        id: i64,
        /// 同时显示 HTML 正文 (also print the HTML body)
        #[arg(long)]
        html: bool,
    },
    /// 重新发送一个通知（Message-ID 不变，邮件客户端不会显示两次）(queue again, same Message-ID)
    Resend {
        /// 通知编号 (notice id)
        id: i64,
    },
    /// 立即发送到期的通知 (deliver due notices now)
    Send {
        /// 先把待汇总的通知合并为每日汇总 (bundle the daily digest first)
        #[arg(long)]
        digest: bool,
    },
    /// 发送一封测试邮件并报告服务器的答复 (send a test mail and report the server's answer)
    Test {
        /// 收件地址 (recipient address)
        #[arg(long, value_name = "ADDR")]
        to: String,
        /// 同时向已启用的企业微信、钉钉机器人发送测试消息 (also post to enabled robots)
        #[arg(long)]
        robots: bool,
    },
}

fn parse_state(s: &str) -> CliResult<NoticeState> {
    NoticeState::from_code(s.trim()).ok_or_else(|| {
        let known: Vec<&str> = NoticeState::ALL.iter().map(|k| k.code()).collect();
        CliError::invalid(anyhow!(
            "未知状态「{s}」(unknown state); 可用 (known): {}",
            known.join(", ")
        ))
    })
}

fn parse_kind(s: &str) -> CliResult<NoticeKind> {
    NoticeKind::from_code(s.trim()).ok_or_else(|| {
        let known: Vec<&str> = NoticeKind::ALL.iter().map(|k| k.code()).collect();
        CliError::invalid(anyhow!(
            "未知类型「{s}」(unknown kind); 可用 (known): {}",
            known.join(", ")
        ))
    })
}

pub(crate) fn state_zh(s: NoticeState) -> &'static str {
    match s {
        NoticeState::Pending => "待发送",
        NoticeState::Batched => "已并入汇总",
        NoticeState::Sending => "发送中",
        NoticeState::Sent => "已发送",
        NoticeState::Failed => "发送失败",
        NoticeState::Cancelled => "已撤销",
    }
}

fn sender(loaded: &LoadedConfig) -> CliResult<Sender> {
    Sender::new(
        &loaded.config.notify,
        &loaded.data_dir(),
        &loaded.config.general.office_name,
    )
    .map_err(CliError::invalid)
}

/// Names this process in leases, so `notices list` shows who holds one.
fn owner() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    format!("cli-{host}-{}", std::process::id())
}

pub async fn run(loaded: &LoadedConfig, cmd: NoticesCommand) -> CliResult {
    if let NoticesCommand::Test { to, robots } = &cmd {
        // A test needs no database: it is about the mail server.
        return test(loaded, to, *robots).await;
    }
    let store = open_store(loaded).await?;
    let result = match cmd {
        NoticesCommand::List {
            states,
            kind,
            finding,
            limit,
            json,
        } => {
            let states = states
                .iter()
                .map(|s| parse_state(s))
                .collect::<CliResult<Vec<_>>>()?;
            let kind = kind.as_deref().map(parse_kind).transpose()?;
            let found = store.list_notices(&states, kind, finding, limit).await?;
            if json {
                let v: Vec<serde_json::Value> = found.iter().map(notice_json).collect();
                outln!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                print_list(&found);
                let counts = store.notice_counts().await?;
                let parts: Vec<String> = counts
                    .iter()
                    .map(|(s, n)| format!("{} {n}", state_zh(*s)))
                    .collect();
                outln!(
                    "全部 (all): {}",
                    if parts.is_empty() {
                        "无".to_string()
                    } else {
                        parts.join("，")
                    }
                );
            }
            Ok(())
        }
        NoticesCommand::Show { id, html } => show(loaded, &store, id, html).await,
        NoticesCommand::Resend { id } => match store
            .resend_notice(id, super::now().timestamp_millis())
            .await?
        {
            None => Err(CliError::invalid(anyhow!(
                "找不到通知 #{id} (no such notice)"
            ))),
            Some(NoticeState::Sending) => Err(CliError::failure(anyhow!(
                "通知 #{id} 正在发送中，请稍后再试 (being sent right now; try again later)"
            ))),
            Some(before) => {
                outln!(
                    "通知 #{id} 已重新排队（原状态：{}），Message-ID 不变；守护进程或 `xunjian notices send` 将发送它 \
                     (queued again; same Message-ID)",
                    state_zh(before)
                );
                Ok(())
            }
        },
        NoticesCommand::Send { digest } => {
            let s = sender(loaded)?;
            let now = super::now();
            let notify = &loaded.config.notify;
            let office = &loaded.config.general.office_name;
            if digest {
                let calendar = loaded.calendar().map_err(CliError::invalid)?;
                let reminders = crate::notify::plan_reminders(&store, notify, office, &calendar, now).await?;
                match crate::notify::run_digest(&store, notify, office, now).await? {
                    Some(id) => {
                        outln!("已生成每日汇总 #{id}（新增提醒 {reminders} 条）(digest written)")
                    }
                    None => {
                        outln!("没有需要汇总的通知（新增提醒 {reminders} 条）(nothing to bundle)")
                    }
                }
            }
            let stats = s.send_due(&store, now, &owner()).await?;
            outln!("发送方式 (transport): {}", s.describe());
            outln!(
                "本次 (this pass): 取出 {}，已发送 {}，稍后重试 {}，放弃 {}",
                stats.leased, stats.sent, stats.retrying, stats.failed
            );
            if stats.retrying + stats.failed > 0 {
                outln!(
                    "查看失败原因 (see why): xunjian notices list --state pending --state failed"
                );
            }
            Ok(())
        }
        NoticesCommand::Test { .. } => unreachable!("handled above"),
    };
    store.close().await;
    result
}

fn notice_json(n: &NoticeRecord) -> serde_json::Value {
    serde_json::json!({
        "id": n.id,
        "kind": n.kind,
        "channel": n.channel,
        "state": n.state,
        "urgent": n.urgent,
        "recipients": n.recipients,
        "message_id": n.message_id,
        "finding_id": n.finding_id,
        "event_id": n.event_id,
        "created_at_ms": n.created_at_ms,
        "due_at_ms": n.due_at_ms,
        "attempts": n.attempts,
        "last_attempt_at_ms": n.last_attempt_at_ms,
        "last_error": n.last_error,
        "sent_at_ms": n.sent_at_ms,
        "server_reply": n.server_reply,
        "lease_owner": n.lease_owner,
        "lease_until_ms": n.lease_until_ms,
        "batch_id": n.batch_id,
        "payload": n.payload,
    })
}

/// A one-line description: the account and headline for finding notices.
pub(crate) fn about(n: &NoticeRecord) -> String {
    let p = &n.payload;
    match n.kind {
        NoticeKind::Finding | NoticeKind::Reminder => format!(
            "{}“{}”{}",
            p["event"]["label_zh"]
                .as_str()
                .map(|l| format!("[{l}]"))
                .unwrap_or_else(|| "[提醒]".into()),
            p["account"]["display_name"].as_str().unwrap_or("?"),
            p["finding"]["headline_zh"].as_str().unwrap_or("")
        ),
        NoticeKind::Digest => format!(
            "每日汇总 {}：违规 {} 预警 {} 已整改 {} 提醒 {}",
            p["date"].as_str().unwrap_or(""),
            p["counts"]["violations"],
            p["counts"]["warnings"],
            p["counts"]["resolved"],
            p["counts"]["reminders"]
        ),
        _ => p["title"].as_str().unwrap_or(n.kind.code()).to_string(),
    }
}

fn print_list(found: &[NoticeRecord]) {
    if found.is_empty() {
        outln!("没有符合条件的通知 (no notices)");
        return;
    }
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|n| {
            let when = match n.state {
                NoticeState::Sent => n.sent_at_ms.map(shanghai).unwrap_or_default(),
                _ => shanghai(n.due_at_ms),
            };
            let mut status = state_zh(n.state).to_string();
            if n.state != NoticeState::Sent
                && let Some(e) = &n.last_error
            {
                status.push_str(&format!("（{}）", e.chars().take(40).collect::<String>()));
            }
            vec![
                n.id.to_string(),
                format!("{}{}", n.kind.code(), if n.urgent { "!" } else { "" }),
                n.channel.code().to_string(),
                status,
                n.attempts.to_string(),
                when,
                n.recipients.join(", "),
                about(n),
            ]
        })
        .collect();
    out!(
        "{}",
        table::render(
            &[
                "编号",
                "类型",
                "渠道",
                "状态",
                "尝试",
                "发送/到期",
                "收件人",
                "内容"
            ],
            &rows
        )
    );
    outln!("共 {} 条 (shown)；“!” 表示紧急（立即发送）", found.len());
}

async fn show(
    loaded: &LoadedConfig,
    store: &crate::store::Store,
    id: i64,
    html: bool,
) -> CliResult {
    let Some(n) = store.get_notice(id).await? else {
        return Err(CliError::invalid(anyhow!(
            "找不到通知 #{id} (no such notice)"
        )));
    };
    outln!(
        "通知 #{}  {}  {}{}",
        n.id,
        n.kind.code(),
        n.channel.code(),
        if n.urgent { "（紧急）" } else { "" }
    );
    outln!("  Message-ID  {}", n.message_id);
    outln!(
        "  收件人      {}",
        if n.recipients.is_empty() {
            "（未配置）".to_string()
        } else {
            n.recipients.join(", ")
        }
    );
    outln!("  状态        {}", state_zh(n.state));
    outln!(
        "  创建/到期   {} / {}",
        shanghai(n.created_at_ms),
        shanghai(n.due_at_ms)
    );
    outln!(
        "  尝试次数    {}{}",
        n.attempts,
        n.last_attempt_at_ms
            .map(|t| format!("（最近 {}）", shanghai(t)))
            .unwrap_or_default()
    );
    if let Some(e) = &n.last_error {
        outln!("  最近错误    {e}");
    }
    if let Some(t) = n.sent_at_ms {
        outln!("  发送时间    {}", shanghai(t));
    }
    if let Some(r) = &n.server_reply {
        outln!("  服务器答复  {r}");
    }
    if let Some(o) = &n.lease_owner {
        outln!(
            "  租约        {o} 至 {}",
            n.lease_until_ms.map(shanghai).unwrap_or_default()
        );
    }
    if let Some(f) = n.finding_id {
        outln!("  问题        #{f}（xunjian findings show {f}）");
    }
    if let Some(b) = n.batch_id {
        outln!("  并入汇总    #{b}");
    }
    if n.kind == NoticeKind::Digest {
        let carried = store.notices_in_batch(n.id).await?;
        let ids: Vec<String> = carried.iter().map(|c| format!("#{}", c.id)).collect();
        outln!("  汇总了      {}", ids.join(" "));
    }
    let s = sender(loaded)?;
    let r = s.render(&n).map_err(CliError::failure)?;
    outln!("\n主题 (subject): {}\n", r.subject);
    if n.channel == crate::store::Channel::Email {
        outln!("{}", r.text);
        if html {
            outln!("\n---- HTML ----\n{}", r.html);
        }
    } else {
        outln!("{}", r.markdown);
    }
    Ok(())
}

async fn test(loaded: &LoadedConfig, to: &str, robots: bool) -> CliResult {
    let s = sender(loaded)?;
    let now = super::now();
    outln!("发送方式 (transport): {}", s.describe());
    let mut failed = false;
    match s.send_test(to, now).await {
        Ok(r) => {
            outln!("测试邮件已发送 (test mail accepted)");
            outln!("  收件人 (to):          {to}");
            outln!("  Message-ID:           {}", r.message_id);
            outln!("  服务器答复 (reply):   {}", r.reply);
        }
        Err(e) => {
            failed = true;
            outln!(
                "测试邮件发送失败 (test mail failed): {} ({})",
                e.class.zh_on(e.channel),
                e.class.en()
            );
            outln!("  详情 (detail):        {}", e.detail);
            outln!("  建议 (hint):          {}", e.hint());
            if e.class == FailureClass::Auth {
                outln!(
                    "  密钥 (secret):        {}",
                    secret_origin(&loaded.config.notify.smtp.password_secret)
                );
            }
        }
    }
    if robots {
        for (channel, result) in s.test_robots(now).await {
            match result {
                Ok(reply) => outln!(
                    "机器人 {} 测试消息已发送 (robot accepted): {reply}",
                    channel.code()
                ),
                Err(e) => {
                    failed = true;
                    outln!(
                        "机器人 {} 测试消息失败 (robot failed): {e}\n  建议 (hint): {}",
                        channel.code(),
                        e.hint()
                    );
                }
            }
        }
    }
    if failed {
        Err(CliError::failure(anyhow!("测试未通过 (test failed)")))
    } else {
        Ok(())
    }
}

fn secret_origin(name: &str) -> String {
    match crate::secrets::lookup(name) {
        Ok(Some((_, origin))) => format!("{name} 来自 {origin}"),
        Ok(None) => format!("{name} 未配置"),
        Err(e) => e.to_string(),
    }
}
