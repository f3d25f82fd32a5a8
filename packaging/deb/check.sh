#!/bin/sh
# Unpacks a built xunjian .deb into a clean directory tree (no dpkg
# database touched, nothing installed on this machine) and checks what a
# server would get: every file in its place with its mode, the conffile,
# the unit pointing at the packaged binary and user, the maintainer
# scripts' syntax, and the packaged binary running.
#
#   packaging/deb/check.sh target/deb/xunjian_0.1.0_amd64.deb [TREE]
#
# TREE (default: a temporary directory) keeps the unpacked tree, e.g. for
# the sandbox test ($XUNJIAN_PACKAGED_UNIT=TREE/usr/lib/systemd/system/xunjian.service).
set -eu
deb=$1
tree=${2:-$(mktemp -d)}
[ -z "$(ls -A "$tree" 2>/dev/null)" ] || { echo "check.sh: $tree is not empty" >&2; exit 2; }
mkdir -p "$tree/DEBIAN"
dpkg-deb -x "$deb" "$tree"
dpkg-deb -e "$deb" "$tree/DEBIAN"

fail=0
problem() { echo "check.sh: $*" >&2; fail=1; }
expect_file() { # path mode
  if [ ! -f "$tree$1" ]; then problem "missing $1"; return; fi
  mode=$(stat -c %a "$tree$1")
  [ "$mode" = "$2" ] || problem "$1 has mode $mode, expected $2"
}

expect_file /usr/bin/xunjian 755
expect_file /usr/lib/systemd/system/xunjian.service 644
expect_file /usr/lib/sysusers.d/xunjian.conf 644
expect_file /etc/xunjian/xunjian.toml 640
expect_file /usr/share/xunjian/holidays/2026.json 644
expect_file /usr/share/bash-completion/completions/xunjian 644
expect_file /usr/share/zsh/vendor-completions/_xunjian 644
expect_file /usr/share/fish/vendor_completions.d/xunjian.fish 644
expect_file /usr/share/man/man1/xunjian.1.gz 644
expect_file /usr/share/man/man1/xunjian-calendar-import.1.gz 644
expect_file /usr/share/doc/xunjian/README.md 644
expect_file /usr/share/doc/xunjian/copyright 644
[ -d "$tree/var/lib/xunjian" ] || problem "missing /var/lib/xunjian"
for s in preinst postinst prerm postrm; do
  expect_file /DEBIAN/$s 755
  sh -n "$tree/DEBIAN/$s" || problem "DEBIAN/$s: syntax error"
done

control="$tree/DEBIAN/control"
grep -qx 'Package: xunjian' "$control" || problem "control: Package"
grep -q '^Recommends:.*chromium' "$control" || problem "control: Recommends chromium"
grep -q '^Recommends:.*fonts-noto-cjk' "$control" || problem "control: Recommends the CJK fonts"
grep -q '^Depends: libc6' "$control" || problem "control: Depends libc6"
grep -qx /etc/xunjian/xunjian.toml "$tree/DEBIAN/conffiles" || problem "conffiles: /etc/xunjian/xunjian.toml"

unit="$tree/usr/lib/systemd/system/xunjian.service"
grep -qx 'ExecStart=/usr/bin/xunjian --config /etc/xunjian/xunjian.toml run' "$unit" || problem "unit: ExecStart"
grep -qx 'User=xunjian' "$unit" || problem "unit: User=xunjian"
! grep -q '^DynamicUser=' "$unit" || problem "unit: still DynamicUser="
! grep -q '/usr/local' "$unit" || problem "unit: names /usr/local"
grep -q '^data_dir = "/var/lib/xunjian"$' "$tree/etc/xunjian/xunjian.toml" || problem "config: data_dir"
grep -q 'calendar' "$tree/usr/share/bash-completion/completions/xunjian" || problem "bash completion lacks subcommands"
zcat "$tree/usr/share/man/man1/xunjian.1.gz" | grep -q '^\.TH' || problem "man page is not roff"

# The packaged binary runs, reads the packaged configuration (its data
# directory moved into the tree) and knows the holiday years.
bin="$tree/usr/bin/xunjian"
"$bin" --version >/dev/null || problem "xunjian --version fails"
sed "s#^data_dir = .*#data_dir = \"$tree/var/lib/xunjian\"#" "$tree/etc/xunjian/xunjian.toml" > "$tree/check.toml"
chmod 0600 "$tree/check.toml"
"$bin" -c "$tree/check.toml" config check >/dev/null 2>&1 || problem "xunjian config check fails on the packaged configuration"
XUNJIAN_CLOCK_START=2026-06-01T00:00:00Z "$bin" -c "$tree/check.toml" calendar status | grep -q '2026 年' \
  || problem "xunjian calendar status does not list 2026"
rm -f "$tree/check.toml"

[ "$fail" = 0 ] || exit 1
echo "check.sh: $deb OK ($(du -sh "$deb" | cut -f1), $(find "$tree" -type f | wc -l) files)"
