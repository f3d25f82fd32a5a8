//! Plain aligned tables for terminals, aware that a Chinese character takes
//! two columns.

use std::io::Write;
use unicode_width::UnicodeWidthStr;

/// Standard output for command results. When the reader has gone away
/// (`xunjian accounts show 10 | head`), the rest of the output is unwanted:
/// the process exits quietly with success instead of panicking in
/// `println!` or reporting "Broken pipe" as an error.
pub struct QuietStdout;

impl Write for QuietStdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        exit_if_reader_gone(std::io::stdout().write(buf))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        exit_if_reader_gone(std::io::stdout().flush())
    }
}

fn exit_if_reader_gone<T>(result: std::io::Result<T>) -> std::io::Result<T> {
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        other => other,
    }
}

/// What `out!`/`outln!` call. Other write errors (a full disk behind a
/// redirect) are reported and end the command: output must not be lost
/// without a word.
pub fn print_out(args: std::fmt::Arguments<'_>, newline: bool) {
    let mut out = QuietStdout;
    let written = out.write_fmt(args).and_then(|()| if newline { out.write_all(b"\n") } else { Ok(()) });
    if let Err(e) = written {
        eprintln!("错误 (error): 无法写出结果 (cannot write output): {e}");
        std::process::exit(1);
    }
}

/// `print!` through [`QuietStdout`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::table::print_out(format_args!($($arg)*), false) };
}

/// `println!` through [`QuietStdout`].
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::table::print_out(format_args!($($arg)*), true) };
}

pub(crate) use {out, outln};

pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.width());
        }
    }
    let mut out = String::new();
    let line = |cells: &mut dyn Iterator<Item = &str>, out: &mut String| {
        let mut parts = Vec::new();
        for (i, c) in cells.enumerate() {
            let pad = widths[i].saturating_sub(c.width());
            parts.push(format!("{c}{}", " ".repeat(pad)));
        }
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(&mut headers.iter().copied(), &mut out);
    line(&mut widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().iter().map(String::as_str), &mut out);
    for row in rows {
        line(&mut row.iter().map(String::as_str), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn aligns_wide_characters() {
        let t = super::render(&["名称", "id"], &[vec!["汉滨发布".into(), "1".into()], vec!["ab".into(), "22".into()]]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "名称      id");
        assert_eq!(lines[2], "汉滨发布  1");
        assert_eq!(lines[3], "ab        22");
    }
}
