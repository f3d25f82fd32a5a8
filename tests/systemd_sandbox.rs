//! The unit's sandbox keys against what the binary needs (issue 18).
//!
//! `tests/daemon_systemd.rs` has systemd-analyze check that the unit parses
//! and how exposed it is; neither knows what xunjian does at run time. Here
//! each sandbox key of `systemd/*.service` (and, in CI, of the unit inside
//! the Debian package: `$XUNJIAN_PACKAGED_UNIT`) is held against the
//! binary's own facts — the paths it writes with the shipped configuration,
//! the Chromium switches it passes, the port it binds — so that adding a key
//! which would break the daemon fails here, not on an office's server.
//! The second test shows each check failing on a unit that breaks it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The `[Service]` section of a unit: every assignment in order.
struct Unit {
    label: String,
    assignments: Vec<(String, String)>,
}

impl Unit {
    fn parse(label: &str, text: &str) -> Unit {
        let mut section = String::new();
        let mut assignments = Vec::new();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if line.starts_with('[') {
                section = line.to_string();
                continue;
            }
            if section == "[Service]"
                && let Some((k, v)) = line.split_once('=')
            {
                assignments.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        Unit { label: label.to_string(), assignments }
    }

    /// The values of a list key, as systemd reads them: an empty
    /// assignment clears what came before.
    fn list(&self, key: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (k, v) in &self.assignments {
            if k == key {
                if v.is_empty() {
                    out.clear();
                } else {
                    out.extend(v.split_whitespace().map(str::to_string));
                }
            }
        }
        out
    }

    fn last(&self, key: &str) -> Option<&str> {
        self.assignments.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn yes(&self, key: &str) -> bool {
        matches!(self.last(key), Some("yes" | "true" | "on" | "1"))
    }
}

/// Byte sizes as systemd writes them (`512M`, `2G`, `infinity`).
fn bytes(v: &str) -> Option<u64> {
    if v == "infinity" {
        return Some(u64::MAX);
    }
    let (num, mul) = match v.chars().last()? {
        'K' => (&v[..v.len() - 1], 1u64 << 10),
        'M' => (&v[..v.len() - 1], 1 << 20),
        'G' => (&v[..v.len() - 1], 1 << 30),
        'T' => (&v[..v.len() - 1], 1 << 40),
        _ => (v, 1),
    };
    num.parse::<u64>().ok().map(|n| n.saturating_mul(mul))
}

fn under(path: &Path, root: &Path) -> bool {
    path.starts_with(root)
}

/// What the binary does at run time that a sandbox key can forbid.
struct Needs {
    /// Directories the daemon writes, with the configuration the package
    /// ships (`data_dir` = the unit's state directory), and why.
    writes: Vec<(PathBuf, &'static str)>,
    /// Files it reads or runs outside its own directories.
    reads: Vec<(PathBuf, &'static str)>,
    /// Chromium switches, for the PDF and for the browser fetcher.
    pdf_args: Vec<String>,
    fetch_args: Vec<String>,
    fetch_no_sandbox: bool,
    /// The TCP port of `[daemon] listen`.
    listen_port: u16,
}

fn needs(state_dir: &Path) -> Needs {
    let example = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cli/xunjian.example.toml"))
        .unwrap()
        .replace("data_dir = \"data\"", &format!("data_dir = \"{}\"", state_dir.display()));
    assert!(example.contains(&format!("data_dir = \"{}\"", state_dir.display())), "the example sets data_dir");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("xunjian.toml");
    std::fs::write(&config, example).unwrap();
    let loaded = xunjian::config::LoadedConfig::from_file(&config).unwrap();
    let data_dir = loaded.data_dir();
    // The SQLite file, when the configuration uses one.
    let database = loaded
        .database_url()
        .strip_prefix("sqlite://")
        .map(|p| PathBuf::from(p.split('?').next().unwrap_or_default()));
    let sender = xunjian::notify::Sender::with_env(&loaded.config.notify, &data_dir, "办", &|_| None).unwrap();
    let outbox = sender.outbox_dir().expect("the example writes .eml files (no SMTP host)").to_path_buf();
    let profile = std::env::temp_dir().join("xunjian-profile");
    let pdf_args = xunjian::report::pdf::chromium_args("file:///x.html", Path::new("/x.pdf"), &profile);
    let listen = &loaded.config.daemon.listen;
    let mut writes = vec![(data_dir.clone(), "the data directory")];
    if let Some(db) = database.and_then(|d| d.parent().map(Path::to_path_buf)) {
        writes.push((db, "the SQLite database (and its -wal, -shm files)"));
    }
    writes.extend([
            (xunjian::report::default_out_dir(&loaded), "the quarterly reports the daemon writes at quarter close"),
            (outbox, "the .eml outbox"),
            (loaded.holidays_dir(), "the holiday files `xunjian calendar import` writes"),
            (PathBuf::from("/tmp"), "Chromium's fresh profile per page and the report's scratch files (temp dir)"),
    ]);
    Needs {
        writes,
        reads: vec![
            (PathBuf::from("/etc/xunjian/xunjian.toml"), "the configuration"),
            (PathBuf::from("/usr/bin/chromium"), "Chromium, for the PDF and the browser fetcher"),
            (PathBuf::from("/usr/lib/chromium"), "Chromium's own files"),
            (PathBuf::from("/usr/share/fonts"), "the CJK fonts of the PDF"),
            (PathBuf::from("/etc/fonts"), "fontconfig"),
        ],
        pdf_args,
        fetch_args: xunjian::adapters::browser::cdp::BASE_ARGS.iter().map(|s| s.to_string()).collect(),
        fetch_no_sandbox: xunjian::adapters::config::BrowserConfig::default().no_sandbox,
        listen_port: listen.rsplit(':').next().unwrap().parse().unwrap(),
    }
}

/// Every way `unit` breaks the binary; empty when it does not.
fn problems(unit: &Unit) -> Vec<String> {
    let mut out = Vec::new();
    let mut bad = |what: String| out.push(format!("{}: {what}", unit.label));

    // --- Files -------------------------------------------------------------
    let state_dirs: Vec<PathBuf> = unit.list("StateDirectory").iter().map(|d| Path::new("/var/lib").join(d)).collect();
    let Some(state_dir) = state_dirs.first().cloned() else {
        bad("no StateDirectory=: the daemon has nowhere to keep its database".into());
        return out;
    };
    let n = needs(&state_dir);
    let mut writable: Vec<PathBuf> = state_dirs.clone();
    for (key, base) in [("CacheDirectory", "/var/cache"), ("LogsDirectory", "/var/log"), ("RuntimeDirectory", "/run")] {
        writable.extend(unit.list(key).iter().map(|d| Path::new(base).join(d)));
    }
    writable.extend(unit.list("ReadWritePaths").iter().map(|p| PathBuf::from(p.trim_start_matches(['-', '+']))));
    if unit.yes("PrivateTmp") || unit.yes("DynamicUser") {
        writable.extend([PathBuf::from("/tmp"), PathBuf::from("/var/tmp")]);
    }
    let read_only_everywhere = matches!(unit.last("ProtectSystem"), Some("strict"));
    let read_only: Vec<PathBuf> = unit
        .list("ReadOnlyPaths")
        .iter()
        .chain(unit.list("InaccessiblePaths").iter())
        .map(|p| PathBuf::from(p.trim_start_matches(['-', '+'])))
        .collect();
    let inaccessible: Vec<PathBuf> =
        unit.list("InaccessiblePaths").iter().map(|p| PathBuf::from(p.trim_start_matches(['-', '+']))).collect();
    for (path, why) in &n.writes {
        let allowed = writable.iter().any(|w| under(path, w));
        if read_only_everywhere && !allowed {
            bad(format!("{} ({why}) is read-only under ProtectSystem=strict: add it to StateDirectory=/ReadWritePaths=", path.display()));
        }
        if let Some(ro) = read_only.iter().find(|r| under(path, r) || under(r, path)) {
            bad(format!("{} ({why}) is made read-only or inaccessible by {}", path.display(), ro.display()));
        }
        if path.starts_with("/tmp") && read_only_everywhere && !unit.yes("PrivateTmp") && !unit.yes("DynamicUser") {
            bad(format!("{} ({why}) needs PrivateTmp=yes under ProtectSystem=strict", path.display()));
        }
    }
    if matches!(unit.last("ProtectHome"), Some("yes" | "read-only" | "tmpfs"))
        && let Some((p, why)) = n.writes.iter().find(|(p, _)| p.starts_with("/home") || p.starts_with("/root"))
    {
        bad(format!("{} ({why}) is hidden by ProtectHome=", p.display()));
    }
    for (path, why) in &n.reads {
        if let Some(i) = inaccessible.iter().find(|i| under(path, i)) {
            bad(format!("{} ({why}) is made inaccessible by InaccessiblePaths={}", path.display(), i.display()));
        }
    }
    let no_exec = unit.list("NoExecPaths");
    if !no_exec.is_empty() {
        let exec = unit.list("ExecPaths");
        for chromium in ["/usr/bin/chromium", "/usr/lib/chromium"] {
            let denied = no_exec.iter().any(|p| under(Path::new(chromium), Path::new(p)));
            let allowed = exec.iter().any(|p| under(Path::new(chromium), Path::new(p)));
            if denied && !allowed {
                bad(format!("NoExecPaths= forbids running {chromium} (the PDF and the browser fetcher): add it to ExecPaths="));
            }
        }
    }

    // --- Memory and Chromium's own sandbox -----------------------------------
    if unit.yes("MemoryDenyWriteExecute") {
        for (what, args) in [("the PDF", &n.pdf_args), ("the browser fetcher", &n.fetch_args)] {
            if !args.iter().any(|a| a == "--js-flags=--jitless") {
                bad(format!("MemoryDenyWriteExecute=yes, but Chromium for {what} is started without --js-flags=--jitless: V8's JIT then hangs every page"));
            }
        }
    }
    // Chromium's sandbox needs a setuid helper or new user namespaces.
    for key in ["NoNewPrivileges", "RestrictNamespaces", "PrivateUsers"] {
        if unit.yes(key) || (key == "RestrictNamespaces" && unit.last(key).is_some_and(|v| v != "no" && v != "false")) {
            if !n.pdf_args.iter().any(|a| a == "--no-sandbox") {
                bad(format!("{key}= keeps Chromium's own sandbox from starting, but the PDF's Chromium is started without --no-sandbox"));
            }
            if !n.fetch_no_sandbox {
                bad(format!("{key}= keeps Chromium's own sandbox from starting, but [browser] no_sandbox defaults to false"));
            }
        }
    }
    for key in ["LimitAS", "LimitDATA"] {
        if let Some(v) = unit.last(key)
            && v != "infinity"
        {
            bad(format!("{key}={v}: V8 reserves gigabytes of address space, Chromium does not start under an address-space limit"));
        }
    }
    for key in ["MemoryMax", "MemoryHigh"] {
        if let Some(v) = unit.last(key)
            && !v.ends_with('%')
            && bytes(v).is_some_and(|b| b < 1 << 30)
        {
            bad(format!("{key}={v}: one Chromium takes about 300 MB, a PDF more; at least 1G"));
        }
    }
    if let Some(v) = unit.last("TasksMax")
        && v != "infinity"
        && !v.ends_with('%')
        && v.parse::<u64>().is_ok_and(|t| t < 512)
    {
        bad(format!("TasksMax={v}: the runtime's threads and one Chromium's processes and threads need at least 512"));
    }
    if let Some(v) = unit.last("LimitNPROC")
        && v.parse::<u64>().is_ok_and(|t| t < 512)
    {
        bad(format!("LimitNPROC={v}: Chromium starts a dozen processes with many threads; at least 512"));
    }
    if let Some(v) = unit.last("LimitNOFILE")
        && v.split(':').next_back().and_then(|x| x.parse::<u64>().ok()).is_some_and(|t| t < 1024)
    {
        bad(format!("LimitNOFILE={v}: the database pool, the HTTP clients and Chromium need at least 1024"));
    }

    // --- Network -------------------------------------------------------------
    let families = unit.list("RestrictAddressFamilies");
    if !families.is_empty() {
        let deny = families.first().is_some_and(|f| f.starts_with('~'));
        let listed: BTreeSet<String> = families.iter().map(|f| f.trim_start_matches('~').to_string()).collect();
        for (family, why) in [
            ("AF_UNIX", "the PostgreSQL socket, sd_notify, the journal and Chromium's IPC"),
            ("AF_INET", "the platforms, SMTP, webhooks, PostgreSQL over TCP and /healthz"),
            ("AF_INET6", "the platforms over IPv6"),
        ] {
            if listed.contains(family) == deny || families.iter().any(|f| f == "none") {
                bad(format!("RestrictAddressFamilies= forbids {family} ({why})"));
            }
        }
    }
    if unit.yes("PrivateNetwork") {
        bad("PrivateNetwork=yes: the daemon fetches the platforms' public pages".into());
    }
    if unit.list("IPAddressDeny").iter().any(|a| matches!(a.as_str(), "any" | "0.0.0.0/0" | "::/0")) {
        bad("IPAddressDeny=any: the daemon fetches the platforms' public pages".into());
    }
    if unit.list("SocketBindDeny").iter().any(|a| a == "any") {
        let allowed = unit.list("SocketBindAllow").iter().any(|a| {
            let spec = a.trim_start_matches("tcp:").trim_start_matches("ipv4:").trim_start_matches("ipv6:");
            spec == n.listen_port.to_string() || spec.split_once('-').is_some_and(|(lo, hi)| {
                lo.parse::<u16>().is_ok_and(|lo| lo <= n.listen_port) && hi.parse::<u16>().is_ok_and(|hi| n.listen_port <= hi)
            })
        });
        if !allowed {
            bad(format!("SocketBindDeny=any without SocketBindAllow=tcp:{}: /healthz and /metrics cannot bind ([daemon] listen)", n.listen_port));
        }
    }

    // --- System calls --------------------------------------------------------
    // (deny list?, groups) per assignment; an empty one clears the filter.
    let mut filters: Vec<(bool, Vec<String>)> = Vec::new();
    for (_, v) in unit.assignments.iter().filter(|(k, _)| k == "SystemCallFilter") {
        match v.strip_prefix('~') {
            _ if v.is_empty() => filters.clear(),
            Some(rest) => filters.push((true, rest.split_whitespace().map(str::to_string).collect())),
            None => filters.push((false, v.split_whitespace().map(str::to_string).collect())),
        }
    }
    if !filters.is_empty() {
        if unit.last("SystemCallErrorNumber").is_none() {
            bad("SystemCallFilter= without SystemCallErrorNumber=: a refused call (Chromium's setpriority, …) kills the process with SIGSYS instead of failing with an error".into());
        }
        // The groups the daemon and Chromium use: threads and processes,
        // sockets, files, epoll, pipes (the DevTools pipe), signals, timers,
        // fsync (SQLite).
        let needed = ["@process", "@network-io", "@file-system", "@io-event", "@ipc", "@signal", "@timer", "@basic-io", "@sync", "@default"];
        for (deny, groups) in &filters {
            if *deny {
                for g in groups.iter().filter(|g| needed.contains(&g.as_str())) {
                    bad(format!("SystemCallFilter=~{g}: xunjian and Chromium need these calls"));
                }
            }
        }
        let allow: Vec<&String> = filters.iter().filter(|(d, _)| !d).flat_map(|(_, g)| g).collect();
        if !allow.is_empty() && !allow.iter().any(|g| g.as_str() == "@system-service") {
            bad("SystemCallFilter= allows less than @system-service, which the daemon and Chromium need".into());
        }
    }
    if let Some(arch) = unit.last("SystemCallArchitectures")
        && !arch.split_whitespace().any(|a| a == "native")
    {
        bad(format!("SystemCallArchitectures={arch} without native: the binary itself is refused"));
    }
    out
}

fn repo_units() -> Vec<Unit> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd");
    let mut units: Vec<Unit> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "service"))
        .map(|p| Unit::parse(&p.display().to_string(), &std::fs::read_to_string(&p).unwrap()))
        .collect();
    assert!(!units.is_empty(), "no unit in {}", dir.display());
    // CI builds the Debian package first and names the unit it contains.
    if let Some(packaged) = std::env::var_os("XUNJIAN_PACKAGED_UNIT") {
        let p = PathBuf::from(packaged);
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        units.push(Unit::parse(&p.display().to_string(), &text));
    }
    units
}

#[test]
fn the_shipped_units_sandbox_lets_the_binary_work() {
    for unit in repo_units() {
        let found = problems(&unit);
        assert!(found.is_empty(), "the sandbox breaks the daemon:\n{}", found.join("\n"));
        // The facts the checks rely on are real, not vacuous.
        assert!(unit.yes("MemoryDenyWriteExecute"), "{}: the unit is meant to deny W^X memory", unit.label);
        assert_eq!(unit.last("ProtectSystem"), Some("strict"), "{}", unit.label);
        eprintln!("{}: {} sandbox assignments checked", unit.label, unit.assignments.len());
    }
}

/// Each check catches the key that breaks the binary: a line added to (or
/// removed from) the shipped unit.
#[test]
fn each_breaking_key_is_caught() {
    let base = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd/xunjian.service")).unwrap();
    let add = |line: &str| format!("{base}\n[Service]\n{line}\n");
    let cases: Vec<(String, &str)> = vec![
        // An empty assignment resets a list; later ones add to it.
        (add("RestrictAddressFamilies=\nRestrictAddressFamilies=AF_INET AF_INET6"), "forbids AF_UNIX"),
        (add("RestrictAddressFamilies=\nRestrictAddressFamilies=~AF_INET6"), "forbids AF_INET6"),
        (add("PrivateNetwork=yes"), "PrivateNetwork"),
        (add("IPAddressDeny=any"), "IPAddressDeny"),
        (add("SocketBindAllow=\nSocketBindAllow=tcp:8080"), "SocketBindAllow=tcp:9187"),
        (add("SystemCallFilter=~@process"), "~@process"),
        (add("SystemCallFilter=~@ipc"), "~@ipc"),
        (add("SystemCallFilter=\nSystemCallFilter=@basic-io @file-system"), "less than @system-service"),
        (base.replace("SystemCallErrorNumber=EPERM", ""), "SIGSYS"),
        (add("SystemCallArchitectures=x86"), "without native"),
        // DynamicUser=yes implies a private /tmp; the package's static user does not.
        (base.replace("PrivateTmp=yes", "PrivateTmp=no").replace("DynamicUser=yes", "User=xunjian"), "PrivateTmp=yes"),
        (base.replace("StateDirectory=xunjian", "StateDirectory=xunjian\nReadOnlyPaths=/var/lib/xunjian/reports"), "/var/lib/xunjian/reports"),
        (base.replace("StateDirectory=xunjian", "StateDirectory="), "no StateDirectory"),
        (add("InaccessiblePaths=/usr/share/fonts"), "CJK fonts"),
        (add("NoExecPaths=/usr"), "ExecPaths"),
        (add("TasksMax=64"), "TasksMax=64"),
        (add("MemoryMax=256M"), "MemoryMax=256M"),
        (add("LimitAS=4G"), "LimitAS"),
        (add("LimitNOFILE=256"), "LimitNOFILE"),
        (add("LimitNPROC=100"), "LimitNPROC"),
    ];
    for (text, expected) in cases {
        let found = problems(&Unit::parse("mutated", &text));
        assert!(found.iter().any(|p| p.contains(expected)), "expected a problem naming {expected:?}, got {found:#?}");
    }
    // Harmless additions stay harmless.
    for ok in ["MemoryMax=4G", "TasksMax=4096", "LimitNOFILE=65536", "CPUQuota=50%", "ReadWritePaths=/srv/xunjian-reports"] {
        assert!(problems(&Unit::parse("ok", &add(ok))).is_empty(), "{ok}: {:?}", problems(&Unit::parse("ok", &add(ok))));
    }
}
