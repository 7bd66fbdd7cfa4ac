#!/usr/bin/env bash
# The .deb tried as a county's IT person and a handler would: on a clean Debian 12 root (debootstrap, made once and
# kept in $DEB_CHECK_CACHE, default /var/cache/petition-desk), install dist/petition-desk_*.deb with apt (its
# dependencies from the Debian archive, the one step with network), then as an ordinary user with NO network
# (unshare -n): make a demo station in the user's own data folder, open the window under Xvfb at 1366×768 and take
# a screenshot; then remove the package and check the program is gone and the user's data is not.
# Needs root and debootstrap (installer/debian-deps.sh deb-check). `make deb-check` builds first.
# Output: out/deb-check/ (window-debian12.png, the log). Exit 0 when every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "deb-check needs root (chroot, mount, unshare)"; exit 2; }
deb=$(ls -t dist/petition-desk_*.deb 2>/dev/null | head -1 || true)
[ -n "$deb" ] || { echo "no dist/petition-desk_*.deb: run installer/build.sh first"; exit 2; }
out=out/deb-check
mkdir -p "$out"
cache=${DEB_CHECK_CACHE:-/var/cache/petition-desk}
base=$cache/bookworm-root
if [ ! -x "$base/usr/bin/apt-get" ]; then
  echo "making a clean Debian 12 root in $base (once)…"
  mkdir -p "$cache"
  rm -rf "$base"
  debootstrap --variant=minbase bookworm "$base" >"$cache/debootstrap.log" 2>&1
fi

work=$(mktemp -d /var/tmp/deb-check.XXXXXX)
root=$work/root
cleanup() {
  for m in dev/pts dev proc; do mountpoint -q "$root/$m" && umount -l "$root/$m"; done
  rm -rf "$work"
}
trap cleanup EXIT
cp -a "$base" "$root"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/petition-desk.deb"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
fail() { echo "FAILED: $*"; exit 1; }

echo "== install (apt, with the Debian archive for the dependencies)"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  /tmp/petition-desk.deb xvfb xauth >"$out/apt.log" 2>&1 || { tail -20 "$out/apt.log"; fail "apt-get install"; }
in_root dpkg-query -W -f='${Package} ${Version} ${Status}\n' petition-desk
[ "$(in_root sh -c 'command -v petition-desk')" = /usr/bin/petition-desk ] || fail "petition-desk not on the PATH"
grep -qx 'Name=信访工作台' "$root/usr/share/applications/petition-desk.desktop" || fail "menu entry"
grep -qx 'Icon=petition-desk' "$root/usr/share/applications/petition-desk.desktop" || fail "menu icon"
[ -f "$root/usr/share/icons/hicolor/256x256/apps/petition-desk.png" ] || fail "icon file"
[ -x "$root/opt/petition-desk/PetitionDesk" ] || fail "program under /opt"
echo "glibc of the clean root: $(in_root ldd --version | head -1)"

echo "== as an ordinary user, with no network"
in_root useradd -m -s /bin/sh clerk
as_clerk() {
  unshare -n chroot --userspec=clerk:clerk "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/home/clerk \
    LANG=C.UTF-8 "$@"
}
as_clerk sh -c 'cat /sys/class/net/*/operstate 2>/dev/null | grep -qx up' && fail "a network device is up"
as_clerk petition-desk demo --cases 300 --seed 1 | tee "$out/demo.log"
# The demo station's account (printed by `demo`): commands and the window's --screenshot log in with it.
login=(env PETITION_DESK_USER=demo PETITION_DESK_PASSWORD=demo1234)
as_clerk "${login[@]}" petition-desk list --colour red | head -3
as_clerk "${login[@]}" petition-desk verify
as_clerk "${login[@]}" QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1366x768x24" \
  petition-desk --screenshot /tmp/window.png 2>&1 | tee "$out/window.log"
cp "$root/tmp/window.png" "$out/window-debian12.png"
data=/home/clerk/.local/share/PetitionDesk/station.db
[ -s "$root$data" ] || fail "the demo station is not in the user's data folder"

echo "== remove the package"
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq petition-desk >>"$out/apt.log" 2>&1
[ ! -e "$root/opt/petition-desk" ] || fail "/opt/petition-desk left behind"
[ ! -e "$root/usr/bin/petition-desk" ] || fail "/usr/bin/petition-desk left behind"
[ ! -e "$root/usr/share/applications/petition-desk.desktop" ] || fail "menu entry left behind"
[ -s "$root$data" ] || fail "removing the package removed the user's data"
echo "the user's data is still there: $data ($(du -h "$root$data" | cut -f1))"
echo "deb-check passed: $deb; screenshot $out/window-debian12.png"
