//! 通报: the reports produced so far (the files in the reports folder,
//! `report::default_out_dir`, where `xunjian report quarterly` and the
//! daemon write them), producing one for a quarter in the background with
//! its progress, and downloading each file.
//!
//! A download names a file; the server serves it only if that exact name
//! is in its own listing of the folder, so no path from a URL ever reaches
//! the file system.

use super::audit::audit;
use super::auth::CurrentUser;
use super::error::{WebError, WebResult, see_other};
use super::forms::page_number;
use super::state::AppState;
use super::{Pager, view};
use crate::report::{self, Format, Progress, Quarter, QuarterRequest};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{TimeZone, Utc};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

const PAGE_SIZE: i64 = 50;
/// Quarters offered in the form: this one and the seven before it.
const QUARTERS_OFFERED: usize = 8;

/// A report being produced, or the last one produced, by this process.
#[derive(Debug, Clone)]
pub struct ReportJob {
    pub quarter: String,
    pub region: Option<String>,
    pub by: String,
    pub started_ms: i64,
    pub steps: u64,
    pub done: u64,
    pub message: String,
    /// `None` while running; the files' names, or why it failed.
    pub outcome: Option<Result<Vec<String>, String>>,
}

/// The console's report job: one at a time per process (a report reads
/// the whole quarter; two at once only slow each other down).
pub type ReportJobs = Arc<Mutex<Option<ReportJob>>>;

/// Progress into the shared job, for the page to show.
struct JobProgress(ReportJobs);

impl JobProgress {
    fn update(&self, f: impl FnOnce(&mut ReportJob)) {
        if let Some(job) = self.0.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            f(job);
        }
    }
}

impl Progress for JobProgress {
    fn begin(&self, steps: u64) {
        self.update(|j| j.steps = steps);
    }
    fn step(&self, message: &str) {
        self.update(|j| {
            j.done += 1;
            j.message = message.to_string();
        });
    }
}

/// A file in the reports folder.
pub(super) struct ReportFile {
    pub name: String,
    pub size: u64,
    pub modified_ms: i64,
}

const EXTENSIONS: [(&str, &str, &str); 3] = [
    ("xlsx", "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("html", "网页", "text/html; charset=utf-8"),
    ("pdf", "PDF", "application/pdf"),
];

fn kind_of(name: &str) -> Option<(&'static str, &'static str, &'static str)> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    EXTENSIONS.iter().copied().find(|(e, _, _)| *e == ext)
}

pub(super) fn reports_dir(state: &AppState) -> WebResult<PathBuf> {
    Ok(report::default_out_dir(state.loaded()?))
}

/// The report files in the folder (regular files with a report's
/// extension; nothing below it), newest first.
pub(super) async fn list_files(dir: PathBuf) -> Vec<ReportFile> {
    let Ok(mut rd) = tokio::fs::read_dir(&dir).await else { return Vec::new() };
    let mut out = Vec::new();
    while let Ok(Some(e)) = rd.next_entry().await {
        let Ok(meta) = e.metadata().await else { continue };
        let name = e.file_name().to_string_lossy().into_owned();
        if !meta.is_file() || kind_of(&name).is_none() || name.starts_with('.') {
            continue;
        }
        let modified_ms = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        out.push(ReportFile { name, size: meta.len(), modified_ms });
    }
    out.sort_by(|a, b| b.modified_ms.cmp(&a.modified_ms).then_with(|| a.name.cmp(&b.name)));
    out
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportsQuery {
    #[serde(default)]
    page: String,
}

fn job_context(job: &ReportJob) -> Value {
    let (ok, files, error) = match &job.outcome {
        None => (None, Vec::new(), None),
        Some(Ok(files)) => (Some(true), files.clone(), None),
        Some(Err(e)) => (Some(false), Vec::new(), Some(e.clone())),
    };
    context! {
        quarter => job.quarter.clone(),
        region => job.region.clone(),
        by => job.by.clone(),
        started_ms => job.started_ms,
        running => job.outcome.is_none(),
        percent => if job.steps == 0 { 0 } else { (job.done * 100 / job.steps).min(100) },
        message => job.message.clone(),
        ok, files, error,
    }
}

/// `GET /reports`.
pub async fn list(State(state): State<AppState>, user: CurrentUser, Query(q): Query<ReportsQuery>) -> WebResult<Response> {
    user.require_sees_all()?;
    render(&state, &user, page_number(&q.page), None).await
}

async fn render(state: &AppState, user: &CurrentUser, page: i64, error: Option<String>) -> WebResult<Response> {
    let loaded = state.loaded()?;
    // The job first: once it says finished, its files are all in the listing.
    let job = state.reports.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let dir = reports_dir(state)?;
    let files = list_files(dir.clone()).await;
    let total = files.len() as i64;
    let rows: Vec<Value> = files
        .iter()
        .skip(((page - 1) * PAGE_SIZE) as usize)
        .take(PAGE_SIZE as usize)
        .map(|f| {
            let (_, kind, _) = kind_of(&f.name).unwrap_or(("", "", ""));
            let href = format!("/reports/download/{}", url::form_urlencoded::byte_serialize(f.name.as_bytes()).collect::<String>());
            context! { name => f.name.clone(), kind, size => f.size, modified_ms => f.modified_ms, href }
        })
        .collect();
    let running = job.as_ref().is_some_and(|j| j.outcome.is_none());
    let now = Utc.timestamp_millis_opt(state.now_ms()).single().unwrap_or_default();
    let mut quarters = Vec::new();
    let mut q = Quarter::of_instant(now);
    for _ in 0..QUARTERS_OFFERED {
        quarters.push((q.to_string(), q.label_zh()));
        q = q.previous();
    }
    let configured: Vec<&str> =
        report::configured_formats(&loaded.config.report).unwrap_or_default().iter().map(|f| f.ext()).collect();
    let status = if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    let mut r = view::page(
        user,
        "reports",
        "web/reports.html",
        context! {
            title => "通报",
            error,
            rows,
            pager => Serde(Pager::new("/reports", &[], page, PAGE_SIZE, total)),
            dir => dir.display().to_string(),
            job => job.as_ref().map(job_context),
            // The page reloads itself while a report is being produced (no script).
            refresh => if running { Some(2) } else { None },
            can_produce => user.is_office() && !running,
            quarters,
            formats => configured,
        },
    )?;
    *r.status_mut() = status;
    Ok(r)
}

#[derive(Debug, Default, Deserialize)]
pub struct ProduceForm {
    #[serde(default)]
    quarter: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    xlsx: String,
    #[serde(default)]
    html: String,
    #[serde(default)]
    pdf: String,
}

/// `POST /reports/produce` (office): starts the quarter's report in the
/// background and goes back to the list, which shows its progress.
pub async fn produce(State(state): State<AppState>, user: CurrentUser, Form(form): Form<ProduceForm>) -> WebResult<Response> {
    user.require_office()?;
    let loaded = state.loaded_arc()?;
    let quarter: Quarter = match form.quarter.trim().parse() {
        Ok(q) => q,
        Err(e) => return render(&state, &user, 1, Some(format!("请选择季度（{e}）"))).await,
    };
    let now_ms = state.now_ms();
    if quarter.start_ms() > now_ms {
        return render(&state, &user, 1, Some(format!("{} 尚未开始", quarter.label_zh()))).await;
    }
    let formats: Vec<Format> = [(&form.xlsx, Format::Xlsx), (&form.html, Format::Html), (&form.pdf, Format::Pdf)]
        .into_iter()
        .filter(|(v, _)| v.as_str() == "1")
        .map(|(_, f)| f)
        .collect();
    if formats.is_empty() {
        return render(&state, &user, 1, Some("请至少选择一种格式（Excel、网页或 PDF）".to_string())).await;
    }
    if formats.contains(&Format::Pdf)
        && let Err(e) = report::pdf::find_chromium(&loaded.config.report.chromium)
    {
        return render(&state, &user, 1, Some(e.to_string())).await;
    }
    let calendar = match loaded.calendar() {
        Ok(c) => c,
        Err(e) => return render(&state, &user, 1, Some(e.to_string())).await,
    };
    let region = Some(form.region.trim().to_string()).filter(|r| !r.is_empty());
    let job = ReportJob {
        quarter: quarter.label_zh(),
        region: region.clone(),
        by: user.signature(),
        started_ms: state.wall_ms(),
        steps: report::data::READ_STEPS + 1 + formats.len() as u64,
        done: 0,
        message: "开始".to_string(),
        outcome: None,
    };
    let busy = {
        let mut slot = state.reports.lock().unwrap_or_else(|e| e.into_inner());
        let busy = slot.as_ref().is_some_and(|j| j.outcome.is_none());
        if !busy {
            *slot = Some(job);
        }
        busy
    };
    if busy {
        return render(&state, &user, 1, Some("已有一份通报正在生成，请等它完成后再试".to_string())).await;
    }
    let detail = format!("{}{}", quarter.label_zh(), region.as_deref().map(|r| format!("（{r}）")).unwrap_or_default());
    audit(&state, &user, "report.produce", &format!("report:{quarter}"), &detail).await?;
    let req = QuarterRequest { quarter, region, as_of_ms: Some(now_ms.min(quarter.end_ms())), issued_on: None };
    let (store, jobs, out_dir) = (state.store.clone(), state.reports.clone(), report::default_out_dir(&loaded));
    let watcher = jobs.clone();
    let work = tokio::spawn(async move {
        let progress = JobProgress(jobs.clone());
        // The same steps as `xunjian report quarterly`.
        let result = async {
            let rep = report::build_quarter_report(&store, &loaded.config, &req, &calendar, &progress).await.map_err(|e| e.to_string())?;
            if let Some(r) = &req.region
                && rep.total.registered == 0
            {
                return Err(format!("地区“{r}”没有纳入检查的账号"));
            }
            let written = report::write_report(&rep, &loaded.config.report, &formats, &out_dir, &progress).await.map_err(|e| e.to_string())?;
            Ok(written.iter().filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())).collect::<Vec<_>>())
        }
        .await;
        if let Err(e) = &result {
            tracing::warn!(error = %e, "console: producing a report failed");
        }
        progress.update(|j| j.outcome = Some(result));
    });
    // A job that panicked would say "running" for ever and block the next.
    tokio::spawn(async move {
        if let Err(e) = work.await {
            tracing::error!(error = %e, "console: the report job ended abnormally");
            JobProgress(watcher).update(|j| j.outcome = Some(Err("生成通报时程序出错，请查看日志".to_string())));
        }
    });
    Ok(see_other("/reports"))
}

/// `GET /reports/download/{name}`: a file of the listing, as it is.
pub async fn download(State(state): State<AppState>, user: CurrentUser, Path(name): Path<String>) -> WebResult<Response> {
    user.require_sees_all()?;
    let dir = reports_dir(&state)?;
    // Only a name the server itself listed: never a path taken from the URL.
    let listed = list_files(dir.clone()).await.into_iter().find(|f| f.name == name).ok_or(WebError::NotFound)?;
    let (_, _, content_type) = kind_of(&listed.name).ok_or(WebError::NotFound)?;
    let bytes = tokio::fs::read(dir.join(&listed.name)).await.map_err(|_| WebError::NotFound)?;
    let ascii: String = listed.name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let encoded = url::form_urlencoded::byte_serialize(listed.name.as_bytes()).collect::<String>().replace('+', "%20");
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    // A report's HTML, if a browser opens it anyway, runs nothing.
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"));
    Ok(view::no_store(r))
}
