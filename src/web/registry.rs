//! 台账: upload a registry file, see what it would change, confirm or
//! cancel; export; the history of imports.
//!
//! The same path as `xunjian accounts import`: the registry reader's
//! validation (every error, by row and column, or nothing) and the store's
//! import, first as a dry run for the diff, then for real on confirm. The
//! uploaded file waits under the data directory, named by a random token,
//! for an hour; the confirm reads and validates it again, so what is
//! written is what the file says at that moment, never a page's copy.

use super::audit::audit;
use super::auth::CurrentUser;
use super::error::{WebError, WebResult, see_other};
use super::forms::page_number;
use super::password::new_token;
use super::state::AppState;
use super::{Pager, view};
use crate::accounts::AccountSpec;
use crate::config::LoadedConfig;
use crate::registry::{self, ParsedRegistry, RegistryError};
use crate::store::{AccountFilter, ImportOptions, ImportReport};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{TimeZone, Utc};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path as FsPath, PathBuf};

/// The upload's URL: the one route with a body limit above a form's.
pub const UPLOAD_PATH: &str = "/registry/upload";
/// How long an uploaded file waits for its confirm.
pub const STAGED_FOR_MS: i64 = 3_600_000;
/// Rows of each part of a diff shown on the page (a first import of a
/// city's registry adds thousands; the counts are always complete).
const DIFF_ROWS_SHOWN: usize = 300;
const HISTORY_PAGE_SIZE: i64 = 20;
/// The extensions the registry reader takes.
const EXTENSIONS: [&str; 6] = ["xlsx", "xlsm", "xls", "csv", "txt", "tsv"];

/// What is known about an upload besides its bytes (`meta.json` beside it).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StagedMeta {
    /// The name the office's file had (shown, never used as a path).
    original_name: String,
    ext: String,
    /// Only the person who uploaded it may confirm it.
    user_id: i64,
    /// Wall-clock time: the hour's expiry is real time.
    uploaded_at_ms: i64,
    retire_missing: bool,
    sheet: Option<String>,
    sha256: String,
    size: u64,
}

struct Staged {
    token: String,
    dir: PathBuf,
    meta: StagedMeta,
}

impl Staged {
    fn file(&self) -> PathBuf {
        self.dir.join(format!("registry.{}", self.meta.ext))
    }
}

fn staging_root(loaded: &LoadedConfig) -> PathBuf {
    loaded.data_dir().join("uploads").join("registry")
}

/// A token as [`new_token`] makes them: 64 lowercase hex digits. Anything
/// else never reaches the file system (no `..`, no `/`).
fn valid_token(t: &str) -> bool {
    t.len() == 64 && t.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The last part of the browser's file name, without control characters,
/// at most 100 characters: for display and the audit log only.
fn clean_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last.chars().filter(|c| !c.is_control()).take(100).collect();
    if cleaned.trim().is_empty() { "台账".to_string() } else { cleaned.trim().to_string() }
}

/// Removes uploads older than an hour (anyone's): they can no longer be
/// confirmed, and a clerk who walked away should not leave files behind.
async fn sweep_expired(root: &FsPath, now_ms: i64) {
    let Ok(mut dir) = tokio::fs::read_dir(root).await else { return };
    while let Ok(Some(entry)) = dir.next_entry().await {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !valid_token(&name) {
            continue;
        }
        let expired = match read_meta(&entry.path()).await {
            Some(m) => now_ms - m.uploaded_at_ms > STAGED_FOR_MS,
            // A half-written upload (no meta yet) is left to the next sweep
            // unless it is old by the file system's clock.
            None => entry
                .metadata()
                .await
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_millis() > STAGED_FOR_MS as u128),
        };
        if expired && let Err(e) = tokio::fs::remove_dir_all(entry.path()).await {
            tracing::warn!(error = %e, dir = %entry.path().display(), "console: cannot remove an expired upload");
        }
    }
}

/// A registry names staff, with phones and e-mail addresses: uploads are
/// kept readable by the service user only (as `init` keeps the database).
async fn create_private_dir(dir: &FsPath) -> std::io::Result<()> {
    let mut b = tokio::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    b.mode(0o700);
    b.create(dir).await
}

async fn write_private(path: &FsPath, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut o = tokio::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    o.mode(0o600);
    let mut f = o.open(path).await?;
    f.write_all(bytes).await?;
    f.flush().await
}

async fn read_meta(dir: &FsPath) -> Option<StagedMeta> {
    let text = tokio::fs::read(dir.join("meta.json")).await.ok()?;
    serde_json::from_slice(&text).ok()
}

/// The upload named by `token`, if it is this person's and not expired.
/// Anything else is the same 404: someone else's token is not a hint.
async fn staged(state: &AppState, user: &CurrentUser, token: &str) -> WebResult<Staged> {
    if !valid_token(token) {
        return Err(WebError::NotFound);
    }
    let dir = staging_root(state.loaded()?).join(token);
    let meta = read_meta(&dir).await.ok_or(WebError::NotFound)?;
    if meta.user_id != user.user.id {
        return Err(WebError::NotFound);
    }
    if state.wall_ms() - meta.uploaded_at_ms > STAGED_FOR_MS {
        let _ = tokio::fs::remove_dir_all(&dir).await;
        return Err(WebError::BadRequest("这次上传已超过 1 小时，已作废；台账没有任何改变。请重新上传文件。".to_string()));
    }
    Ok(Staged { token: token.to_string(), dir, meta })
}

/// Today in the office's time zone on the daemon's clock (dates in the
/// file more than a year ahead of it are refused as typos).
fn today(state: &AppState) -> chrono::NaiveDate {
    Utc.timestamp_millis_opt(state.now_ms()).single().unwrap_or_default().with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
}

/// Reads and validates the staged file with the registry reader (on a
/// blocking thread: a large workbook takes a while to unpack).
async fn read_staged(state: &AppState, s: &Staged) -> WebResult<Result<ParsedRegistry, RegistryError>> {
    let loaded = state.loaded()?;
    let options = registry::ReadOptions {
        sheet: s.meta.sheet.clone(),
        limits: loaded.config.import.limits(),
        ..registry::ReadOptions::new(today(state))
    };
    let path = s.file();
    tokio::task::spawn_blocking(move || registry::read_registry_with(&path, &options))
        .await
        .map_err(|e| WebError::Internal(format!("registry reader: {e}")))
}

#[derive(Debug, Default, Deserialize)]
pub struct RegistryPageQuery {
    #[serde(default)]
    page: String,
    #[serde(default)]
    done: String,
}

/// `GET /registry`: the upload form (office), export, and the history.
pub async fn show(State(state): State<AppState>, user: CurrentUser, Query(q): Query<RegistryPageQuery>) -> WebResult<Response> {
    user.require_sees_all()?;
    render_page(&state, &user, page_number(&q.page), q.done == "1", None).await
}

async fn render_page(state: &AppState, user: &CurrentUser, page: i64, done: bool, error: Option<String>) -> WebResult<Response> {
    let (imports, total) = state.store.list_registry_imports(HISTORY_PAGE_SIZE, (page - 1) * HISTORY_PAGE_SIZE).await?;
    let history: Vec<Value> = imports
        .into_iter()
        .map(|i| {
            context! {
                at_ms => i.imported_at_ms,
                file => i.file_name,
                sha => i.file_sha256.chars().take(12).collect::<String>(),
                added => i.added, changed => i.changed, unchanged => i.unchanged, missing => i.missing, retired => i.retired,
            }
        })
        .collect();
    let max_file_mb = state.loaded.as_ref().map(|l| l.config.import.max_file_mb);
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let mut r = view::page(
        user,
        "registry",
        "web/registry.html",
        context! {
            title => "台账",
            error,
            done,
            can_upload => user.is_office() && state.loaded.is_some(),
            max_file_mb,
            upload_path => UPLOAD_PATH,
            history,
            pager => minijinja::value::Serde(Pager::new("/registry", &[], page, HISTORY_PAGE_SIZE, total)),
        },
    )?;
    *r.status_mut() = status;
    Ok(r)
}

/// The form's fields, read from the multipart body.
#[derive(Default)]
struct UploadForm {
    file_name: Option<String>,
    bytes: Vec<u8>,
    sheet: Option<String>,
    retire_missing: bool,
}

async fn read_upload(mut form: Multipart) -> Result<UploadForm, String> {
    let mut out = UploadForm::default();
    let unreadable = |e: axum::extract::multipart::MultipartError| format!("上传没有完成（{e}），请重新选择文件上传");
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or_default() {
            "file" => {
                out.file_name = field.file_name().map(str::to_string);
                out.bytes = field.bytes().await.map_err(unreadable)?.to_vec();
            }
            "sheet" => {
                let v = field.text().await.map_err(unreadable)?;
                out.sheet = Some(v.trim().to_string()).filter(|s| !s.is_empty());
            }
            "retire_missing" => out.retire_missing = field.text().await.map_err(unreadable)? == "1",
            // csrf (checked by the session layer) and anything else.
            _ => {}
        }
    }
    Ok(out)
}

/// `POST /registry/upload` (office): keeps the file, then shows its diff.
pub async fn upload(State(state): State<AppState>, user: CurrentUser, form: Multipart) -> WebResult<Response> {
    user.require_office()?;
    let loaded = state.loaded()?;
    let form = match read_upload(form).await {
        Ok(f) => f,
        Err(m) => return render_page(&state, &user, 1, false, Some(m)).await,
    };
    let Some(raw_name) = form.file_name.as_deref().filter(|_| !form.bytes.is_empty()) else {
        return render_page(&state, &user, 1, false, Some("请先选择要上传的台账文件（.xlsx、.xls 或 .csv）".to_string())).await;
    };
    let original_name = clean_file_name(raw_name);
    let ext = original_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if !EXTENSIONS.contains(&ext.as_str()) {
        let m = format!("不支持的文件类型「{original_name}」：请另存为 .xlsx、.xls 或 .csv 后再上传");
        return render_page(&state, &user, 1, false, Some(m)).await;
    }
    let root = staging_root(loaded);
    sweep_expired(&root, state.wall_ms()).await;
    let token = new_token();
    let dir = root.join(&token);
    let meta = StagedMeta {
        original_name,
        ext,
        user_id: user.user.id,
        uploaded_at_ms: state.wall_ms(),
        retire_missing: form.retire_missing,
        sheet: form.sheet,
        sha256: hex::encode(Sha256::digest(&form.bytes)),
        size: form.bytes.len() as u64,
    };
    let write = async {
        create_private_dir(&dir).await?;
        write_private(&dir.join(format!("registry.{}", meta.ext)), &form.bytes).await?;
        // The meta last: a directory without it is an upload not yet complete.
        write_private(&dir.join("meta.json"), &serde_json::to_vec(&meta).map_err(std::io::Error::other)?).await
    };
    if let Err(e) = write.await {
        let _ = tokio::fs::remove_dir_all(&dir).await;
        return Err(WebError::Internal(format!("cannot keep the upload in {}: {e}", dir.display())));
    }
    Ok(see_other(&format!("/registry/preview/{token}")))
}

/// A registry error for the page: the office's file name where the reader
/// put the server's path (which is nobody's business).
fn message_for(e: &RegistryError, s: &Staged) -> String {
    e.to_string().replace(&s.file().display().to_string(), &s.meta.original_name)
}

fn error_rows(e: &RegistryError) -> Vec<Value> {
    match e {
        RegistryError::Invalid(errors) => errors
            .iter()
            .map(|r| {
                context! {
                    sheet => r.sheet.clone(),
                    row => r.row,
                    column => r.column.clone(),
                    value => r.value.clone(),
                    message => r.message.clone(),
                }
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn spec_row(s: &AccountSpec) -> Value {
    context! {
        name => s.display_name.clone(),
        platform => s.platform.display_name(),
        platform_id => s.platform_id.clone(),
        owner_unit => s.owner_unit.clone(),
        region => s.region.clone(),
        status => s.status.display_name(),
    }
}

fn diff_context(r: &ImportReport) -> Value {
    let added: Vec<Value> = r.added.iter().take(DIFF_ROWS_SHOWN).map(spec_row).collect();
    let changed: Vec<Value> = r
        .changed
        .iter()
        .take(DIFF_ROWS_SHOWN)
        .map(|(a, changes)| {
            context! {
                id => a.id,
                name => a.spec.display_name.clone(),
                platform => a.spec.platform.display_name(),
                changes => changes.iter().map(|c| context! { field => c.label(), old => c.old.clone(), new => c.new.clone() }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let missing: Vec<Value> = r
        .missing
        .iter()
        .take(DIFF_ROWS_SHOWN)
        .map(|a| context! { id => a.id, ..spec_row(&a.spec) })
        .collect();
    context! {
        added, changed, missing,
        added_total => r.added.len(),
        changed_total => r.changed.len(),
        missing_total => r.missing.len(),
        unchanged => r.unchanged,
        shown => DIFF_ROWS_SHOWN,
    }
}

fn import_options(s: &Staged, dry_run: bool) -> ImportOptions {
    ImportOptions {
        retire_missing: s.meta.retire_missing,
        dry_run,
        file_name: s.meta.original_name.clone(),
        file_sha256: s.meta.sha256.clone(),
    }
}

/// The preview page: the file's errors, or what confirming would change.
async fn render_preview(state: &AppState, user: &CurrentUser, s: &Staged, status: StatusCode) -> WebResult<Response> {
    let file = context! {
        name => s.meta.original_name.clone(),
        size => s.meta.size,
        sha256 => s.meta.sha256.clone(),
        retire_missing => s.meta.retire_missing,
        sheet_asked => s.meta.sheet.clone(),
        uploaded_ms => s.meta.uploaded_at_ms,
    };
    let (parsed, error, errors, diff) = match read_staged(state, s).await? {
        Err(e) => (Value::from(()), Some(message_for(&e, s)), error_rows(&e), Value::from(())),
        Ok(parsed) => {
            let specs: Vec<AccountSpec> = parsed.specs().cloned().collect();
            let report = state.store.import_accounts(&specs, &import_options(s, true), state.now_ms()).await?;
            let p = context! {
                sheet => parsed.sheet.clone(),
                header_row => parsed.header_row,
                rows => parsed.rows.len(),
                warnings => parsed.warnings.clone(),
            };
            (p, None, Vec::new(), diff_context(&report))
        }
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { status };
    let mut r = view::page(
        user,
        "registry",
        "web/registry_preview.html",
        context! {
            title => "台账导入预览",
            token => s.token.clone(),
            file,
            parsed,
            // With row errors the message heads the table; alone it says it all.
            error,
            errors,
            diff,
        },
    )?;
    *r.status_mut() = status;
    Ok(r)
}

/// `GET /registry/preview/{token}` (office): validation and the dry-run diff.
pub async fn preview(State(state): State<AppState>, user: CurrentUser, Path(token): Path<String>) -> WebResult<Response> {
    user.require_office()?;
    let s = staged(&state, &user, &token).await?;
    render_preview(&state, &user, &s, StatusCode::OK).await
}

/// `POST /registry/confirm/{token}` (office): validates the file again and
/// imports it in one transaction; audited.
pub async fn confirm(State(state): State<AppState>, user: CurrentUser, Path(token): Path<String>) -> WebResult<Response> {
    user.require_office()?;
    let s = staged(&state, &user, &token).await?;
    let parsed = match read_staged(&state, &s).await? {
        Ok(p) => p,
        // The file cannot have changed, but the rules it is read with can
        // (a date now more than a year ahead, a new limit): show why.
        Err(_) => return render_preview(&state, &user, &s, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let specs: Vec<AccountSpec> = parsed.specs().cloned().collect();
    let report = state.store.import_accounts(&specs, &import_options(&s, false), state.now_ms()).await?;
    let retired = if report.retired { report.missing.len() } else { 0 };
    let detail = format!(
        "{}（SHA-256 {}）：{} 个账号，新增 {}，变更 {}，未变 {}，文件中缺少 {}，退出监管 {}",
        s.meta.original_name,
        s.meta.sha256,
        specs.len(),
        report.added.len(),
        report.changed.len(),
        report.unchanged,
        report.missing.len(),
        retired
    );
    audit(&state, &user, "registry.import", &format!("registry:{}", s.meta.sha256), &detail).await?;
    if let Err(e) = tokio::fs::remove_dir_all(&s.dir).await {
        tracing::warn!(error = %e, dir = %s.dir.display(), "console: cannot remove a confirmed upload");
    }
    Ok(see_other("/registry?done=1"))
}

/// `POST /registry/cancel/{token}` (office): the file is deleted, nothing
/// else happens.
pub async fn cancel(State(state): State<AppState>, user: CurrentUser, Path(token): Path<String>) -> WebResult<Response> {
    user.require_office()?;
    let s = staged(&state, &user, &token).await?;
    let _ = tokio::fs::remove_dir_all(&s.dir).await;
    Ok(see_other("/registry"))
}

/// `GET /registry/export/{format}` (`csv` or `xlsx`): the current registry
/// as `xunjian accounts export` writes it (same columns, reads back
/// unchanged; formulas in names defused).
pub async fn export(State(state): State<AppState>, user: CurrentUser, Path(format): Path<String>) -> WebResult<Response> {
    user.require_sees_all()?;
    let (content_type, ext) = match format.as_str() {
        "csv" => ("text/csv; charset=utf-8", "csv"),
        "xlsx" => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        _ => return Err(WebError::NotFound),
    };
    let loaded = state.loaded()?;
    let specs: Vec<AccountSpec> = state.store.list_accounts(&AccountFilter::default()).await?.into_iter().map(|a| a.spec).collect();
    // The writers take a path: a file of our own under the data directory,
    // read back and removed.
    let dir = loaded.data_dir().join("uploads").join("exports");
    let path = dir.join(format!("{}.{ext}", new_token()));
    let written = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b.create(&dir)?;
            match ext {
                "xlsx" => registry::write_xlsx(&path, &specs)?,
                _ => registry::write_csv(&path, &specs)?,
            }
            Ok(std::fs::read(&path)?)
        })
        .await
    };
    let _ = std::fs::remove_file(&path);
    let bytes = written.map_err(|e| WebError::Internal(e.to_string()))?.map_err(|e| WebError::Internal(format!("export: {e:#}")))?;
    let day = Utc.timestamp_millis_opt(state.now_ms()).single().unwrap_or_default().with_timezone(&chrono_tz::Asia::Shanghai);
    let name = format!("registry-{}.{ext}", day.format("%Y%m%d"));
    let zh = format!("台账-{}.{ext}", day.format("%Y%m%d"));
    let encoded: String = url::form_urlencoded::byte_serialize(zh.as_bytes()).collect::<String>().replace('+', "%20");
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"; filename*=UTF-8''{encoded}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(view::no_store(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_hex_and_nothing_else() {
        assert!(valid_token(&new_token()));
        assert!(!valid_token("../../etc/passwd"));
        assert!(!valid_token(&"A".repeat(64)));
        assert!(!valid_token(&format!("{}/", "a".repeat(63))));
    }

    #[test]
    fn a_browsers_file_name_is_only_shown() {
        assert_eq!(clean_file_name("C:\\Users\\办公室\\台账2026.xlsx"), "台账2026.xlsx");
        assert_eq!(clean_file_name("../../x.csv"), "x.csv");
        assert_eq!(clean_file_name("a\nb.csv"), "ab.csv");
        assert_eq!(clean_file_name("/"), "台账");
    }
}
