//! The log on stderr: text or JSON, UTC or Beijing time, and under systemd
//! with journald's priority prefix so `journalctl -p warning` filters.

use crate::config::{LoadedConfig, LogFormat, LogTime};
use std::io::{self, Write};
use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

pub(crate) fn init(loaded: &LoadedConfig, override_level: Option<&str>) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = override_level
        .map(EnvFilter::new)
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new(&loaded.config.log.level));
    // Logs go to stderr so that command output on stdout stays clean for
    // pipes; under systemd both reach the journal.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(LogStderr { journal: stderr_is_journal() })
        .with_timer(LogTimer(loaded.config.log.time))
        // Colours only on a terminal: the journal and log files get plain text.
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match loaded.config.log.format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// The sd-daemon(3) priority of a level: `<3>` error, `<4>` warning,
/// `<6>` info, `<7>` debug and trace.
pub(crate) fn journal_priority(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        _ => 7,
    }
}

/// Whether stderr is the journal: systemd sets `$JOURNAL_STREAM` to the
/// `device:inode` of the stream it connected (systemd.exec(5)). The variable
/// alone is not enough — it is inherited by children whose stderr was
/// redirected, e.g. `xunjian … 2>file` in a shell of a service.
pub(crate) fn stderr_is_journal() -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let Some(value) = std::env::var_os("JOURNAL_STREAM") else { return false };
    let Some((dev, ino)) = value.to_str().and_then(|v| v.split_once(':')) else { return false };
    let (Ok(dev), Ok(ino)) = (dev.parse::<u64>(), ino.parse::<u64>()) else { return false };
    let Ok(fd) = io::stderr().as_fd().try_clone_to_owned() else { return false };
    let Ok(meta) = std::fs::File::from(fd).metadata() else { return false };
    meta.dev() == dev && meta.ino() == ino
}

/// The journal priority prefix (`<4>`) for a line written to stderr
/// without the log (warnings at configuration load, the final error), or
/// nothing when stderr is not the journal.
pub(crate) fn stderr_prefix(level: &Level) -> String {
    if stderr_is_journal() { format!("<{}>", journal_priority(level)) } else { String::new() }
}

/// Stderr, each line prefixed with its event's journal priority when
/// stderr is the journal (systemd's `SyslogLevelPrefix=`, on by default).
#[derive(Debug, Clone, Copy)]
struct LogStderr {
    journal: bool,
}

impl<'a> MakeWriter<'a> for LogStderr {
    type Writer = PriorityLines<io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        PriorityLines::new(io::stderr(), self.journal.then_some(6))
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Self::Writer {
        PriorityLines::new(io::stderr(), self.journal.then(|| journal_priority(meta.level())))
    }
}

/// Writes through to `inner`, starting every line with `<N>` when given a
/// priority: journald reads the prefix per line, and a message may span
/// several (a backtrace, an error chain).
pub(crate) struct PriorityLines<W: Write> {
    inner: W,
    priority: Option<u8>,
    at_line_start: bool,
}

impl<W: Write> PriorityLines<W> {
    pub(crate) fn new(inner: W, priority: Option<u8>) -> Self {
        PriorityLines { inner, priority, at_line_start: true }
    }
}

impl<W: Write> Write for PriorityLines<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let Some(p) = self.priority else { return self.inner.write(buf) };
        // One write per call: lines of concurrent events do not interleave.
        let mut out = Vec::with_capacity(buf.len() + 8);
        for &b in buf {
            if self.at_line_start {
                out.extend_from_slice(format!("<{p}>").as_bytes());
            }
            out.push(b);
            self.at_line_start = b == b'\n';
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The timestamp of each line. Wall time, not the daemon's clock: a log
/// says when something happened on this machine, also under a simulated
/// clock.
struct LogTimer(LogTime);

impl FormatTime for LogTimer {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        let now = chrono::Utc::now();
        match self.0 {
            LogTime::Utc => write!(w, "{}", now.format("%Y-%m-%dT%H:%M:%S%.6fZ")),
            LogTime::Beijing => {
                write!(w, "{}", now.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%dT%H:%M:%S%.3f%:z"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_an_event_carries_its_priority() {
        let mut out = Vec::new();
        {
            let mut w = PriorityLines::new(&mut out, Some(journal_priority(&Level::WARN)));
            w.write_all(b"first line\nsecond ").unwrap();
            w.write_all(b"half\nthird\n").unwrap();
        }
        assert_eq!(String::from_utf8(out).unwrap(), "<4>first line\n<4>second half\n<4>third\n");
        let mut plain = Vec::new();
        PriorityLines::new(&mut plain, None).write_all(b"a\nb\n").unwrap();
        assert_eq!(plain, b"a\nb\n");
        assert_eq!(
            [Level::ERROR, Level::WARN, Level::INFO, Level::DEBUG, Level::TRACE].map(|l| journal_priority(&l)),
            [3, 4, 6, 7, 7]
        );
    }
}
