#!/bin/sh
# Builds the Debian package of xunjian from an already-built binary, with
# nothing but what every Debian machine has (dpkg-deb, gzip, sed), offline.
#
#   packaging/deb/build.sh                                  # target/release/xunjian → target/deb/
#   packaging/deb/build.sh --binary target/debug/xunjian --out DIR --compression gzip
#
# The binary is copied stripped of debug information. It is run once to
# write the shell completions and man pages (so it must run on this
# machine). The package: /usr/bin/xunjian, the systemd unit (as
# systemd/xunjian.service, for /usr/bin and the package's `xunjian` user),
# /etc/xunjian/xunjian.toml (a conffile), /var/lib/xunjian, the holiday
# data, completions, man pages and the README.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
binary="$repo/target/release/xunjian"
out="$repo/target/deb"
compression=xz

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --compression) compression=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

[ -x "$binary" ] || { echo "build.sh: no executable at $binary: build it first (cargo build --release --locked)" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "build.sh: dpkg-deb not found" >&2; exit 1; }

version=$(sed -n '/^\[package\]/,/^\[/s/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -n 1)
[ -n "$version" ] || { echo "build.sh: no version in Cargo.toml [package]" >&2; exit 1; }
arch=$(dpkg --print-architecture)
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
umask 022

# --- Files ---------------------------------------------------------------------
install -d "$stage/usr/bin"
if command -v objcopy >/dev/null; then
  objcopy --strip-debug "$binary" "$stage/usr/bin/xunjian"
else
  cp "$binary" "$stage/usr/bin/xunjian"
fi
chmod 0755 "$stage/usr/bin/xunjian"

# The unit as in systemd/, for the package: the binary in /usr/bin, the
# README in /usr/share/doc, and the package's static `xunjian` user instead
# of a dynamic one, so that `sudo -u xunjian xunjian …` (imports, backups,
# calendar import) writes files the daemon owns. DynamicUser=yes implied
# nothing the unit does not state itself (ProtectSystem=strict, PrivateTmp,
# RemoveIPC, NoNewPrivileges, RestrictSUIDSGID are all set explicitly).
install -d "$stage/usr/lib/systemd/system"
sed -e 's#/usr/local/bin/xunjian#/usr/bin/xunjian#g' \
    -e 's#file:/usr/local/share/doc/xunjian/README.md#file:/usr/share/doc/xunjian/README.md#' \
    -e 's#^DynamicUser=yes$#User=xunjian\nGroup=xunjian#' \
    -e 's#^\# A throw-away user; the state directory survives and keeps its owner.$#\# The package'"'"'s system user (postinst); the state directory keeps its owner.#' \
    "$repo/systemd/xunjian.service" > "$stage/usr/lib/systemd/system/xunjian.service"
grep -q '^User=xunjian$' "$stage/usr/lib/systemd/system/xunjian.service" \
  || { echo "build.sh: the unit has no DynamicUser=yes line to replace" >&2; exit 1; }
chmod 0644 "$stage/usr/lib/systemd/system/xunjian.service"

install -d "$stage/usr/lib/sysusers.d"
printf 'u xunjian - "xunjian (巡检) daemon" /var/lib/xunjian /usr/sbin/nologin\n' > "$stage/usr/lib/sysusers.d/xunjian.conf"

# The configuration: the example with the data in /var/lib/xunjian, so that
# commands run by hand (`sudo -u xunjian xunjian …`) and the service use the
# same database.
install -d "$stage/etc/xunjian"
sed 's#^data_dir = "data"$#data_dir = "/var/lib/xunjian"#' "$repo/src/cli/xunjian.example.toml" > "$stage/etc/xunjian/xunjian.toml"
grep -q '^data_dir = "/var/lib/xunjian"$' "$stage/etc/xunjian/xunjian.toml" \
  || { echo "build.sh: the example configuration has no data_dir = \"data\" line" >&2; exit 1; }
chmod 0640 "$stage/etc/xunjian/xunjian.toml"
install -d -m 0750 "$stage/var/lib/xunjian"

install -d "$stage/usr/share/xunjian/holidays"
install -m 0644 "$repo"/data/holidays/*.json "$repo/data/holidays/README.md" "$stage/usr/share/xunjian/holidays/"

install -d "$stage/usr/share/bash-completion/completions" "$stage/usr/share/zsh/vendor-completions" \
  "$stage/usr/share/fish/vendor_completions.d" "$stage/usr/share/man/man1"
"$binary" completions bash > "$stage/usr/share/bash-completion/completions/xunjian"
"$binary" completions zsh > "$stage/usr/share/zsh/vendor-completions/_xunjian"
"$binary" completions fish > "$stage/usr/share/fish/vendor_completions.d/xunjian.fish"
"$binary" manpage "$stage/usr/share/man/man1"
gzip -9n "$stage"/usr/share/man/man1/*.1

install -d "$stage/usr/share/doc/xunjian"
install -m 0644 "$repo/README.md" "$stage/usr/share/doc/xunjian/README.md"
install -m 0644 "$repo/systemd/README.md" "$stage/usr/share/doc/xunjian/README.systemd.md"
cat > "$stage/usr/share/doc/xunjian/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: xunjian
Files: *
License: MIT or Apache-2.0
Files: usr/share/xunjian/holidays/*
Comment: transcribed from the State Council notices named in each file, in the format of holiday-cn (MIT)
License: MIT
COPYRIGHT

# --- Control ---------------------------------------------------------------------
install -d "$stage/DEBIAN"
glibc=$(objdump -T "$stage/usr/bin/xunjian" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n 1 || true)
depends="libc6${glibc:+ (>= $glibc)}, adduser | systemd"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: xunjian
Version: $version
Architecture: $arch
Maintainer: xunjian maintainers <xunjian@localhost>
Installed-Size: $size
Depends: $depends
Recommends: chromium, fonts-noto-cjk, fonts-arphic-uming, fonts-wqy-microhei
Suggests: postgresql
Section: admin
Priority: optional
Description: 巡检：政务新媒体常态化监测 (government new-media compliance checks)
 xunjian checks government new-media accounts (Weibo, WeChat, Douyin, ...)
 against the regulations: updates, reposts, interaction, naming. It sends
 notices to the supervising office and the responsible units and writes the
 quarterly report (DOCX/XLSX/PDF/HTML). Runs as the systemd service xunjian.
 .
 Chromium and the CJK fonts are needed for the PDF report and for the
 Douyin/Toutiao/Kuaishou pages.
CONTROL
echo /etc/xunjian/xunjian.toml > "$stage/DEBIAN/conffiles"
for script in preinst postinst prerm postrm; do
  install -m 0755 "$here/$script" "$stage/DEBIAN/$script"
done

deb="$out/xunjian_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Z"$compression" --build "$stage" "$deb" >/dev/null
echo "$deb"
