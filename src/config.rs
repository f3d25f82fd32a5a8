//! Configuration: one TOML file, every key with a documented default.
//!
//! The file is found at `--config`, `$XUNJIAN_CONFIG`, `./xunjian.toml`,
//! `/etc/xunjian/xunjian.toml`, in that order; when none exists the defaults
//! apply, so no file at all is a valid start. Unknown keys are an error that
//! names the key and the file: a misspelt threshold must not silently fall
//! back to its default.
//!
//! Secrets (SMTP password, platform cookies, database password) never live
//! in the file: see [`crate::secrets`].

use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where the configuration came from, for messages and relative paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    File(PathBuf),
    Defaults,
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSource::File(p) => write!(f, "{}", p.display()),
            ConfigSource::Defaults => f.write_str("(no configuration file; defaults)"),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub general: GeneralConfig,
    pub database: DatabaseConfig,
    pub log: LogConfig,
    pub calendar: CalendarConfig,
    pub rules: crate::rules::settings::RuleSettings,
    pub platforms: xunjian_adapters::config::PlatformsConfig,
    pub notify: crate::notify::NotifyConfig,
    pub daemon: crate::daemon::DaemonConfig,
    pub report: crate::report::ReportConfig,
    pub retention: RetentionConfig,
    pub import: ImportConfig,
}

/// Bounds on a registry file `accounts import` reads (issue 18): a wrong or
/// hostile file is refused with a message before it takes the machine's
/// memory. A city's registry is a few thousand rows and well under 1 MB.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImportConfig {
    /// Size of the file on disk, in MB.
    pub max_file_mb: u64,
    /// What an .xlsx unpacks to (all parts of the zip together), in MB.
    pub max_unpacked_mb: u64,
    /// Rows of the sheet or CSV file, counted as Excel numbers them.
    pub max_rows: u32,
    /// Columns of any row.
    pub max_columns: u32,
}

impl Default for ImportConfig {
    fn default() -> Self {
        let d = crate::registry::Limits::DEFAULT;
        ImportConfig {
            max_file_mb: d.max_file_bytes / MB,
            max_unpacked_mb: d.max_unpacked_bytes / MB,
            max_rows: d.max_rows as u32,
            max_columns: d.max_columns as u32,
        }
    }
}

const MB: u64 = 1024 * 1024;

impl ImportConfig {
    pub fn limits(&self) -> crate::registry::Limits {
        crate::registry::Limits {
            max_file_bytes: self.max_file_mb.saturating_mul(MB),
            max_unpacked_bytes: self.max_unpacked_mb.saturating_mul(MB),
            max_rows: self.max_rows as usize,
            max_columns: self.max_columns as usize,
        }
    }
}

/// How long raw captures are kept (the daemon's `prune` job, `db prune`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// A raw response no finding cites loses its body this many days after
    /// it was last fetched; the observation, its URL, time and SHA-256 stay.
    pub raw_capture_days: u32,
    /// A raw response a finding cites is kept this many years after the
    /// finding last cited it (an annual assessment and its appeal).
    pub finding_evidence_years: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig { raw_capture_days: 90, finding_evidence_years: 3 }
    }
}

impl RetentionConfig {
    /// The cutoffs as of `now`: calendar years, so "3 years" is the same day
    /// three years back.
    pub fn policy(&self, now: chrono::DateTime<chrono::Utc>) -> crate::store::RetentionPolicy {
        let raw = now - chrono::Duration::days(i64::from(self.raw_capture_days));
        let cited = now.checked_sub_months(chrono::Months::new(12 * self.finding_evidence_years)).unwrap_or(now);
        crate::store::RetentionPolicy {
            raw_capture_cutoff_ms: raw.timestamp_millis(),
            finding_evidence_cutoff_ms: cited.timestamp_millis(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GeneralConfig {
    /// Directory for the SQLite database, evidence exports and the outbox.
    /// Empty: `$STATE_DIRECTORY` under systemd, else `./xunjian-data`.
    /// A relative path is relative to the configuration file's directory.
    pub data_dir: String,
    /// The supervising office's name, used in notices and reports.
    pub office_name: String,
}

impl Default for GeneralConfig {
    fn default() -> Self {
        GeneralConfig { data_dir: String::new(), office_name: "市政务公开办".to_string() }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// Empty: a SQLite file `xunjian.db` in the data directory. A
    /// `postgres://user@host/db` URL selects PostgreSQL; its password comes
    /// from the `database-password` secret, never from this file.
    pub url: String,
    /// Connections in the pool.
    pub max_connections: u32,
    /// How long a SQLite writer waits for the lock before failing.
    pub busy_timeout_ms: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig { url: String::new(), max_connections: 5, busy_timeout_ms: 5000 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter, e.g. "info" or "xunjian=debug,info". `$RUST_LOG` wins.
    pub level: String,
    /// "text" or "json".
    pub format: LogFormat,
    /// The time zone of the text format's timestamps: "utc" or "beijing".
    pub time: LogTime,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { level: "info".to_string(), format: LogFormat::Text, time: LogTime::Utc }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogTime {
    /// `2026-12-03T11:53:37.123456Z`
    Utc,
    /// Asia/Shanghai: `2026-12-03T19:53:37.123+08:00`
    Beijing,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CalendarConfig {
    /// Directory of extra holiday files (`2027.json`, holiday-cn format)
    /// that add or replace years of the built-in calendar; `xunjian calendar
    /// import` writes there. Empty: `<data dir>/holidays`. Relative to the
    /// configuration file's directory.
    pub holidays_dir: String,
}

/// A configuration that could not be used, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("配置文件 {path} 无法读取 (cannot read config file): {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("配置文件 {path} 有误 (invalid config file):\n{message}")]
    Invalid { path: PathBuf, message: String },
    #[error("指定的配置文件不存在 (config file not found): {0}")]
    Missing(PathBuf),
}

/// A loaded configuration and where it came from.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    pub source: ConfigSource,
}

/// Things about a configuration the operator should fix but that do not stop
/// the program: files others can read, a status page open to the network.
/// Written to standard error at load (the journal under systemd), before
/// logging is set up from the very configuration being loaded.
pub fn load_warnings(path: Option<&Path>, config: &Config, env: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let mut warnings = Vec::new();
    if let Some(path) = path
        && let Some(w) = world_readable_warning(path, "配置文件 (config file)")
    {
        warnings.push(w);
    }
    // Secret files named by XUNJIAN_<NAME>_FILE (see crate::secrets).
    for name in ["smtp-password", "database-password", "weibo-cookie", "wechat-mp-cookie", "wechat-mp-token"] {
        let var = format!("{}_FILE", crate::secrets::env_var_name(name));
        if let Some(file) = env(&var).filter(|v| !v.is_empty())
            && let Some(w) = world_readable_warning(Path::new(&file), &format!("密钥文件 (secret file, {var})"))
        {
            warnings.push(w);
        }
    }
    if let Ok(addr) = config.daemon.listen.trim().parse::<std::net::SocketAddr>()
        && !addr.ip().is_loopback()
    {
        warnings.push(format!(
            "[daemon] listen = \"{addr}\" 不是本机回环地址 (not loopback)：状态和指标页面会对网络上的其他机器开放；\
             如无必要请改为 127.0.0.1:{}，需要远程查看时请放在带认证的反向代理之后",
            addr.port()
        ));
    }
    warnings
}

/// A warning when `path` can be read by every user on the machine. The
/// configuration names staff and mail servers; secret files hold passwords
/// and cookies.
#[cfg(unix)]
pub fn world_readable_warning(path: &Path, what: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o004 != 0).then(|| {
        format!(
            "{what} {} 对本机所有用户可读（权限 {:o}）(world-readable)；请执行 chmod 600 {}",
            path.display(),
            mode & 0o777,
            path.display()
        )
    })
}

#[cfg(not(unix))]
pub fn world_readable_warning(_path: &Path, _what: &str) -> Option<String> {
    None
}

/// The standard search order. `explicit` is `--config`; `env` is
/// `$XUNJIAN_CONFIG`. An explicit path that does not exist is an error (the
/// user named it); the implicit locations are simply skipped.
pub fn locate(explicit: Option<&Path>, env: Option<&Path>) -> Result<Option<PathBuf>, ConfigError> {
    if let Some(named) = explicit.or(env) {
        return if named.exists() {
            Ok(Some(named.to_path_buf()))
        } else {
            Err(ConfigError::Missing(named.to_path_buf()))
        };
    }
    for candidate in [Path::new("xunjian.toml"), Path::new("/etc/xunjian/xunjian.toml")] {
        if candidate.exists() {
            return Ok(Some(candidate.to_path_buf()));
        }
    }
    Ok(None)
}

impl LoadedConfig {
    pub fn load(explicit: Option<&Path>) -> Result<LoadedConfig, ConfigError> {
        let env = std::env::var_os("XUNJIAN_CONFIG").filter(|v| !v.is_empty()).map(PathBuf::from);
        match locate(explicit, env.as_deref())? {
            Some(path) => LoadedConfig::from_file(&path),
            None => Ok(LoadedConfig { config: Config::default(), source: ConfigSource::Defaults }),
        }
    }

    pub fn from_file(path: &Path) -> Result<LoadedConfig, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        let mut config = parse(&text).map_err(|message| ConfigError::Invalid { path: path.to_path_buf(), message })?;
        // A relative report template directory is the file's neighbour,
        // wherever the daemon or the command runs from.
        let tpl = config.report.template_dir.trim();
        if !tpl.is_empty() && Path::new(tpl).is_relative() {
            let base = absolute(path).parent().map(Path::to_path_buf).unwrap_or_default();
            config.report.template_dir = base.join(tpl).display().to_string();
        }
        for w in load_warnings(Some(path), &config, |k| std::env::var(k).ok()) {
            eprintln!("{}警告 (warning): {w}", crate::cli::logging::stderr_prefix(&tracing::Level::WARN));
        }
        Ok(LoadedConfig { config, source: ConfigSource::File(absolute(path)) })
    }

    /// The directory relative paths in the file are resolved against.
    fn base_dir(&self) -> PathBuf {
        match &self.source {
            ConfigSource::File(p) => p.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(".")),
            ConfigSource::Defaults => PathBuf::from("."),
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        let configured = self.config.general.data_dir.trim();
        if configured.is_empty() {
            if let Some(state) = std::env::var_os("STATE_DIRECTORY").filter(|v| !v.is_empty()) {
                // systemd may pass several colon-separated directories; the first is ours.
                let first = state.to_string_lossy().split(':').next().unwrap_or_default().to_string();
                return PathBuf::from(first);
            }
            return self.base_dir().join("xunjian-data");
        }
        let p = PathBuf::from(configured);
        if p.is_absolute() { p } else { self.base_dir().join(p) }
    }

    /// Where extra holiday years are read from and `xunjian calendar
    /// import` writes: `[calendar] holidays_dir`, else `<data dir>/holidays`.
    pub fn holidays_dir(&self) -> PathBuf {
        let dir = self.config.calendar.holidays_dir.trim();
        if dir.is_empty() {
            return self.data_dir().join("holidays");
        }
        let p = PathBuf::from(dir);
        if p.is_absolute() { p } else { self.base_dir().join(p) }
    }

    /// The working-day calendar: built-in years plus the holidays
    /// directory (a configured one must exist; the default one may not yet).
    /// Recorded as this process's calendar for `/healthz` and the digest.
    pub fn calendar(&self) -> Result<crate::calendar::HolidayCalendar, crate::calendar::CalendarError> {
        let dir = self.holidays_dir();
        let calendar = if self.config.calendar.holidays_dir.trim().is_empty() && !dir.exists() {
            crate::calendar::HolidayCalendar::builtin()
        } else {
            crate::calendar::HolidayCalendar::with_dir(&dir)?
        };
        crate::calendar::set_active(&calendar);
        Ok(calendar)
    }

    /// The database URL without its password (safe to print).
    pub fn database_url(&self) -> String {
        if let Ok(url) = std::env::var("XUNJIAN_DATABASE_URL")
            && !url.trim().is_empty()
        {
            return url;
        }
        let url = self.config.database.url.trim();
        if url.is_empty() {
            let path = self.data_dir().join("xunjian.db");
            format!("sqlite://{}?mode=rwc", path.display())
        } else {
            url.to_string()
        }
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Parses configuration text. The error message carries toml's line and
/// column and, for an unknown key, the key's name.
pub fn parse(text: &str) -> Result<Config, String> {
    let mut config = toml::from_str::<Config>(text).map_err(|e| e.to_string())?;
    // The notices link findings to the console (its address is a key of
    // [daemon], where the console is served).
    config.notify.console_url = config.daemon.public_url.trim().to_string();
    // Values serde cannot check (a zero rate limit, a base URL that is not one).
    config.platforms.validate()?;
    config.rules.resolve().map_err(|e| format!("[rules]: {e}"))?;
    config.notify.validate()?;
    config.daemon.validate()?;
    check_ranges(&config)?;
    Ok(config)
}

/// Numbers serde accepts but the program cannot use: `min_coverage = 60`
/// (a percentage where a share is meant), `rectification_workdays = 0`.
/// Each message names the section, the key and what is allowed.
fn check_ranges(c: &Config) -> Result<(), String> {
    let whole = |section: &str, key: &str, value: u64, min: u64, max: u64, unit: &str| {
        if (min..=max).contains(&value) {
            Ok(())
        } else {
            Err(format!("[{section}] {key} = {value} 超出范围 (out of range)：应在 {min} 到 {max} {unit}之间"))
        }
    };
    whole("database", "max_connections", c.database.max_connections.into(), 1, 100, "个连接")?;
    whole("database", "busy_timeout_ms", c.database.busy_timeout_ms, 1, 600_000, "毫秒")?;
    whole("report", "rectification_workdays", c.report.rectification_workdays.into(), 1, 60, "个工作日")?;
    whole("report", "pdf_timeout_secs", c.report.pdf_timeout_secs, 1, 3600, "秒")?;
    // At least a week: the rules look back up to ~30 days, a shorter window
    // would only save little. At most ten years.
    whole("retention", "raw_capture_days", c.retention.raw_capture_days.into(), 7, 3650, "天")?;
    whole("retention", "finding_evidence_years", c.retention.finding_evidence_years.into(), 1, 30, "年")?;
    // [import]: Excel's own limits are 1,048,576 rows and 16,384 columns.
    whole("import", "max_file_mb", c.import.max_file_mb, 1, 1024, "MB ")?;
    whole("import", "max_unpacked_mb", c.import.max_unpacked_mb, 1, 4096, "MB ")?;
    whole("import", "max_rows", c.import.max_rows.into(), 1, 1_048_576, "行")?;
    whole("import", "max_columns", c.import.max_columns.into(), 1, 16_384, "列")?;
    // [notify]: the limits say what a value is for (a reminder after more
    // than a year, a wait of a week between attempts are typos).
    let n = &c.notify;
    whole("notify", "digest_grace_minutes", n.digest_grace_minutes.into(), 0, 1440, "分钟")?;
    whole("notify", "reminder_days", n.reminder_days.into(), 0, 365, "天")?;
    whole("notify", "rectify_workdays", n.rectify_workdays.into(), 0, 60, "个工作日")?;
    whole("notify", "max_attempts", n.max_attempts.into(), 1, 10_000, "次")?;
    whole("notify", "backoff_initial_secs", n.backoff_initial_secs, 1, 86_400, "秒")?;
    whole("notify", "backoff_max_secs", n.backoff_max_secs, n.backoff_initial_secs.max(1), 7 * 86_400, "秒（不小于 backoff_initial_secs）")?;
    whole("notify", "lease_secs", n.lease_secs, 1, 86_400, "秒")?;
    whole("notify", "batch_size", n.batch_size.into(), 1, 10_000, "条")?;
    // [daemon]
    let d = &c.daemon;
    whole("daemon", "tick_ms", d.tick_ms, 10, 60_000, "毫秒")?;
    whole("daemon", "lease_secs", d.lease_secs, 1, 86_400, "秒")?;
    whole("daemon", "shutdown_grace_secs", d.shutdown_grace_secs, 0, 3600, "秒")?;
    whole("daemon", "outbox_interval_secs", d.outbox_interval_secs, 1, 86_400, "秒")?;
    whole("daemon", "default_concurrency", d.default_concurrency.into(), 1, 64, "个")?;
    for (platform, n) in &d.concurrency {
        whole("daemon.concurrency", platform.code(), (*n).into(), 1, 64, "个")?;
    }
    whole("daemon", "source_interval_minutes", d.source_interval_minutes.into(), 1, 1440, "分钟")?;
    whole("daemon", "quiet_interval_hours", d.quiet_interval_hours.into(), 1, 720, "小时")?;
    whole("daemon", "min_interval_minutes", d.min_interval_minutes.into(), 1, 43_200, "分钟")?;
    whole("daemon", "deadline_margin_minutes", d.deadline_margin_minutes.into(), 0, 1440, "分钟")?;
    whole("daemon", "retry_minutes", d.retry_minutes.into(), 1, 1440, "分钟")?;
    whole("daemon", "catch_up_hours", d.catch_up_hours.into(), 0, 720, "小时")?;
    // [rules]: zero is refused when the rules resolve; these are the tops.
    let r = &c.rules;
    let opt = |section: &str, key: &str, value: Option<u32>, min: u64, max: u64, unit: &str| {
        value.map_or(Ok(()), |v| whole(section, key, v.into(), min, max, unit))
    };
    opt("rules", "coverage_hours", r.coverage_hours, 1, 720, "小时")?;
    opt("rules", "search_window_days", r.search_window_days, 1, 90, "天")?;
    opt("rules.zombie", "days", r.zombie.days, 1, 365, "天")?;
    opt("rules.zombie", "warning_lead_days", r.zombie.warning_lead_days, 0, 364, "天")?;
    opt("rules.repost_delay", "limit_minutes", r.repost_delay.limit_minutes, 1, 43_200, "分钟")?;
    opt("rules.repost_delay", "wechat_workdays", r.repost_delay.wechat_workdays, 1, 30, "个工作日")?;
    opt("rules.closing_notice", "days", r.closing_notice.days, 0, 365, "天")?;
    opt("rules.closing_notice", "warning_lead_days", r.closing_notice.warning_lead_days, 0, 365, "天")?;
    opt("rules.vanished", "confirmations", r.vanished.confirmations, 1, 20, "次")?;
    opt("rules.interaction", "latest_k", r.interaction.latest_k, 1, 50, "条")?;
    opt("rules.interaction", "closed_of_latest", r.interaction.closed_of_latest, 1, 50, "条")?;
    opt("rules.opening_notice", "days", r.opening_notice.days, 1, 365, "天")?;
    opt("rules.opening_notice", "grace_days", r.opening_notice.grace_days, 0, 365, "天")?;
    let coverage = c.report.min_coverage;
    if !(0.0..=1.0).contains(&coverage) {
        let hint = if (1.0..=100.0).contains(&coverage) {
            format!("；若指 {coverage}%，请写 {}", coverage / 100.0)
        } else {
            String::new()
        };
        return Err(format!(
            "[report] min_coverage = {coverage} 超出范围 (out of range)：应为 0 到 1 之间的比例（0.6 表示 60%）{hint}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_all_defaults() {
        let c = parse("").unwrap();
        assert_eq!(c.database.max_connections, 5);
        assert_eq!(c.log.format, LogFormat::Text);
        assert!(c.general.data_dir.is_empty());
    }

    #[test]
    fn unknown_key_is_named() {
        let err = parse("[database]\nmax_conections = 3\n").unwrap_err();
        assert!(err.contains("max_conections"), "{err}");
        let err = parse("[databse]\n").unwrap_err();
        assert!(err.contains("databse"), "{err}");
    }

    #[test]
    fn platform_values_are_validated() {
        let err = parse("[platforms.weibo.policy]\nrequests_per_minute = 0\n").unwrap_err();
        assert!(err.contains("requests_per_minute"), "{err}");
        let err = parse("[platforms.weibo]\nm_base_url = \"not a url\"\n").unwrap_err();
        assert!(err.contains("m_base_url"), "{err}");
    }

    #[test]
    fn rule_profile_and_overrides_are_checked() {
        let c = parse("[rules]\nprofile = \"luan\"\n[rules.zombie]\ndays = 20\n").unwrap();
        assert_eq!(c.rules.zombie.days, Some(20));
        assert!(parse("[rules]\nprofile = \"shanghai\"\n").unwrap_err().contains("shanghai"));
        assert!(parse("[rules.naming]\npattern = \"(\"\n").is_err());
        assert!(parse("[rules.zombie]\nday = 3\n").unwrap_err().contains("day"));
    }

    #[test]
    fn retention_defaults_and_ranges() {
        let c = parse("").unwrap();
        assert_eq!((c.retention.raw_capture_days, c.retention.finding_evidence_years), (90, 3));
        let err = parse("[retention]\nraw_capture_days = 0\n").unwrap_err();
        assert!(err.contains("[retention] raw_capture_days") && err.contains("超出范围"), "{err}");
        let err = parse("[retention]\nfinding_evidence_years = 31\n").unwrap_err();
        assert!(err.contains("finding_evidence_years"), "{err}");
        let c = parse("[retention]\nraw_capture_days = 30\nfinding_evidence_years = 5\n").unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-10-01T00:00:00Z").unwrap().to_utc();
        let p = c.retention.policy(now);
        assert_eq!(p.raw_capture_cutoff_ms, (now - chrono::Duration::days(30)).timestamp_millis());
        let five_years_back = chrono::DateTime::parse_from_rfc3339("2021-10-01T00:00:00Z").unwrap();
        assert_eq!(p.finding_evidence_cutoff_ms, five_years_back.timestamp_millis());
    }

    #[test]
    fn file_error_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.toml");
        std::fs::write(&path, "[log]\nformat = \"xml\"\n").unwrap();
        let err = LoadedConfig::from_file(&path).unwrap_err().to_string();
        assert!(err.contains("x.toml"), "{err}");
        assert!(err.contains("xml"), "{err}");
    }

    #[test]
    fn relative_data_dir_follows_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("xunjian.toml");
        std::fs::write(&path, "[general]\ndata_dir = \"data\"\n").unwrap();
        let loaded = LoadedConfig::from_file(&path).unwrap();
        assert_eq!(loaded.data_dir(), absolute(dir.path()).join("data"));
        assert!(loaded.database_url().starts_with("sqlite://"));
        assert!(loaded.database_url().ends_with("data/xunjian.db?mode=rwc"));
    }

    #[test]
    fn out_of_range_numbers_name_section_and_key() {
        let err = parse("[report]\nmin_coverage = 60\n").unwrap_err();
        assert!(err.contains("[report] min_coverage = 60") && err.contains("0.6"), "{err}");
        let err = parse("[report]\nmin_coverage = -1\n").unwrap_err();
        assert!(err.contains("min_coverage = -1"), "{err}");
        assert!(parse("[report]\nmin_coverage = 1\n").is_ok());
        assert!(parse("[report]\nmin_coverage = 0\n").is_ok());
        let err = parse("[report]\nrectification_workdays = 0\n").unwrap_err();
        assert!(err.contains("[report] rectification_workdays = 0"), "{err}");
        let err = parse("[database]\nmax_connections = 0\n").unwrap_err();
        assert!(err.contains("max_connections"), "{err}");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("range.toml");
        std::fs::write(&path, "[report]\nmin_coverage = 60\n").unwrap();
        let err = LoadedConfig::from_file(&path).unwrap_err().to_string();
        assert!(err.contains("range.toml") && err.contains("min_coverage"), "{err}");
    }

    /// Every numeric setting has a range, and a value outside it names its
    /// section and key; the defaults (and the example file) are inside.
    #[test]
    fn numeric_settings_beyond_their_range_name_the_key() {
        for (text, key) in [
            ("[import]
max_rows = 0
", "[import] max_rows = 0"),
            ("[import]
max_file_mb = 5000
", "[import] max_file_mb = 5000"),
            ("[notify]
reminder_days = 1000
", "[notify] reminder_days = 1000"),
            ("[notify]
backoff_initial_secs = 600
backoff_max_secs = 60
", "[notify] backoff_max_secs = 60"),
            ("[notify]
batch_size = 1000000
", "[notify] batch_size = 1000000"),
            ("[daemon]
tick_ms = 1
", "[daemon] tick_ms = 1"),
            ("[daemon]
catch_up_hours = 100000
", "[daemon] catch_up_hours = 100000"),
            ("[daemon.concurrency]
weibo = 500
", "[daemon.concurrency] weibo = 500"),
            ("[rules.zombie]
days = 4000
", "[rules.zombie] days = 4000"),
            ("[rules.repost_delay]
wechat_workdays = 90
", "[rules.repost_delay] wechat_workdays = 90"),
            ("[rules]
coverage_hours = 100000
", "[rules] coverage_hours = 100000"),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(key) && err.contains("超出范围"), "{text}: {err}");
        }
        let c = parse("").unwrap();
        assert_eq!(c.import.limits(), crate::registry::Limits::DEFAULT);
        assert!(parse(include_str!("cli/xunjian.example.toml")).is_ok(), "the example file is in range");
        let c = parse("[import]
max_rows = 50
max_file_mb = 2
").unwrap();
        assert_eq!((c.import.limits().max_rows, c.import.limits().max_file_bytes), (50, 2 * 1024 * 1024));
    }

    #[cfg(unix)]
    #[test]
    fn world_readable_files_and_open_listen_addresses_are_warned_about() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let config_path = dir.path().join("xunjian.toml");
        let secret = dir.path().join("smtp-password");
        std::fs::write(&config_path, "").unwrap();
        std::fs::write(&secret, "pw").unwrap();
        let env = |k: &str| (k == "XUNJIAN_SMTP_PASSWORD_FILE").then(|| secret.display().to_string());
        let open = parse("[daemon]\nlisten = \"0.0.0.0:9187\"\n").unwrap();
        let local = parse("").unwrap();

        for p in [&config_path, &secret] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let warnings = load_warnings(Some(&config_path), &open, env);
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings[0].contains("xunjian.toml") && warnings[0].contains("644"), "{warnings:?}");
        assert!(warnings[1].contains("XUNJIAN_SMTP_PASSWORD_FILE"), "{warnings:?}");
        assert!(warnings[2].contains("0.0.0.0:9187"), "{warnings:?}");

        for p in [&config_path, &secret] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert!(load_warnings(Some(&config_path), &local, env).is_empty());
    }

    #[test]
    fn explicit_missing_path_is_an_error_not_a_fallback() {
        let err = locate(Some(Path::new("/nonexistent/xunjian.toml")), None).unwrap_err();
        assert!(matches!(err, ConfigError::Missing(_)));
    }
}
