#!/usr/bin/env bash
# Installs, on Debian/Ubuntu, the system libraries Qt needs (offscreen for tests; xcb for a real window) and the
# tools the tests read outputs with. Does nothing for packages already present or on other systems.
set -euo pipefail
want="${1:-test}"
pkgs=(libgl1 libegl1 libxkbcommon0 libglib2.0-0 libfontconfig1 libdbus-1-3)
case "$want" in
  run) pkgs+=(libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0
              libxcb-render-util0 libxcb-image0 libxcb-xinerama0 libxcb-xkb1 libx11-xcb1) ;;
  venv) pkgs=(python3-venv) ;;
  installer) pkgs=(binutils fakeroot nsis) ;;  # objdump finds the glibc the build needs; makensis checks the NSIS script
  deb-check) pkgs=(debootstrap util-linux) ;;
  nsis-check) pkgs=(nsis wine64 wine) ;;
  test) pkgs+=(poppler-utils zbar-tools libreoffice-calc libreoffice-writer unzip) ;;  # calc: tests re-save workbooks; writer: papers (.docx); unzip: a backup any zip reader accepts
esac
command -v dpkg-query >/dev/null 2>&1 || exit 0
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "安装系统依赖：${missing[*]}"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
