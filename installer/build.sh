#!/usr/bin/env bash
# Builds 信访工作台 for installing:
#   dist/PetitionDesk/                 the one-folder build (PyInstaller, installer/petition-desk.spec)
#   dist/petition-desk_<ver>_<arch>.deb  on Debian/Ubuntu: installs under /opt/petition-desk, `petition-desk` on
#                                      the PATH, a menu entry 信访工作台 with its icon; removing it keeps the data
# On Windows (Git Bash) it makes the one-folder build only; installer/windows/ wraps it (NSIS).
#   installer/build.sh [--folder-only]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=.venv/bin/python
[[ "${OS:-}" == "Windows_NT" ]] && PY=.venv/Scripts/python.exe
[ -x "$PY" ] || make .venv/.installed-stamp >/dev/null
"$PY" -m pip install -q "pyinstaller>=6.0"
"$PY" -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller installer/petition-desk.spec
echo "built: dist/PetitionDesk/"

[[ "${1:-}" == "--folder-only" || "${OS:-}" == "Windows_NT" ]] && exit 0
command -v dpkg-deb >/dev/null || { echo "no dpkg-deb here: the .deb is made on Debian/Ubuntu"; exit 0; }

version=$("$PY" -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])")
arch=$(dpkg --print-architecture)
# The oldest glibc the build runs on is the newest symbol version any of its files asks for.
glibc=$(find dist/PetitionDesk -type f \( -name '*.so*' -o -name PetitionDesk \) -exec objdump -T {} + 2>/dev/null \
        | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1 | cut -d_ -f2)
stage=build/deb/petition-desk
rm -rf build/deb && mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications"
cp -a dist/PetitionDesk "$stage/opt/petition-desk"
cat > "$stage/usr/bin/petition-desk" <<'SH'
#!/bin/sh
# 信访工作台: `petition-desk` opens the program; `petition-desk COMMAND ...` runs a command.
exec /opt/petition-desk/PetitionDesk "$@"
SH
chmod 755 "$stage/usr/bin/petition-desk"
cp installer/petition-desk.desktop "$stage/usr/share/applications/petition-desk.desktop"
for png in resources/icons/petition-desk-*.png; do
  size=${png##*-}; size=${size%.png}
  mkdir -p "$stage/usr/share/icons/hicolor/${size}x${size}/apps"
  cp "$png" "$stage/usr/share/icons/hicolor/${size}x${size}/apps/petition-desk.png"
done
mkdir -p "$stage/usr/share/doc/petition-desk"
cp resources/fonts/wqy-microhei-LICENSE.txt "$stage/usr/share/doc/petition-desk/"
size_kb=$(du -sk "$stage" | cut -f1)
# Qt's window system libraries come from the system (PyInstaller leaves the graphics stack out).
cat > "$stage/DEBIAN/control" <<CTRL
Package: petition-desk
Version: $version
Section: misc
Priority: optional
Architecture: $arch
Installed-Size: $size_kb
Depends: libc6 (>= $glibc), libgl1, libegl1, libfontconfig1, libfreetype6, libglib2.0-0, libdbus-1-3,
 libxkbcommon0, libxkbcommon-x11-0, libx11-6, libx11-xcb1, libxcb1, libxcb-cursor0, libxcb-icccm4,
 libxcb-keysyms1, libxcb-shape0, libxcb-randr0, libxcb-render-util0, libxcb-image0, libxcb-xinerama0,
 libxcb-xkb1, libxcb-sync1, libxcb-xfixes0, libxcb-shm0, libxrender1
Maintainer: 信访工作台 <petition-desk@localhost>
Description: 信访工作台 Petition Desk — offline petition handling for township offices
 Registers letters, visits, calls and online petitions, follows each case through its handling chain
 with attributed steps and evidence, shows statutory time limits as a three-colour light, prints case
 summary sheets and syncs with the county and city offices by signed files on a USB stick. Works
 without any network. Data lives in each user's own folder (~/.local/share/PetitionDesk) and is
 kept when the package is removed.
CTRL
# The menu and icon caches, when the system has them; nothing else is done on install or removal, and no
# user's data is ever touched.
for script in postinst postrm; do
  cat > "$stage/DEBIAN/$script" <<'SH'
#!/bin/sh
set -e
if command -v update-desktop-database >/dev/null 2>&1; then update-desktop-database -q /usr/share/applications || true; fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true; fi
exit 0
SH
  chmod 755 "$stage/DEBIAN/$script"
done
deb="dist/petition-desk_${version}_${arch}.deb"
fakeroot dpkg-deb --build -Zxz "$stage" "$deb" >/dev/null 2>&1 || dpkg-deb --root-owner-group --build -Zxz "$stage" "$deb"
echo "built: $deb (needs glibc >= $glibc)"

# The Windows installer script, compiled here against this (Linux) folder: a check of the script itself (pages,
# Chinese texts, shortcuts, uninstaller), not an installer to use — the real one wraps the Windows build
# (.github/workflows/windows.yml).
if command -v makensis >/dev/null; then
  makensis -V2 -DQUICK -DVERSION="$version" -DDIST="$ROOT/dist/PetitionDesk" -DOUTFILE="$ROOT/build/nsis-script-check.exe" \
    installer/windows/petition-desk.nsi
  echo "NSIS script compiles: build/nsis-script-check.exe (holds the Linux build; for checking the script only)"
fi
