#!/usr/bin/env bash
# The NSIS installer's own logic tried under Wine (64-bit), with a stand-in program: a silent per-user install
# into %LOCALAPPDATA%\Programs\PetitionDesk without administrator rights, the start-menu and desktop shortcuts,
# the 应用和功能 entry, then a silent uninstall that removes the program and its shortcuts and leaves the station's
# data (%LOCALAPPDATA%\PetitionDesk). Not the real Windows build (that needs Windows: .github/workflows/windows.yml).
# Needs makensis and wine64 (installer/debian-deps.sh nsis-check). Exit 0 when every check passed.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/nsis-check.XXXXXX)
trap 'wineserver -k >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" HOME=$work/home
mkdir -p "$work/stand-in" "$HOME"
printf 'MZ stand-in' > "$work/stand-in/PetitionDesk.exe"
makensis -V2 -DQUICK -DVERSION=0.0.0 -DDIST="$work/stand-in" -DOUTFILE="$work/petition-desk-check.exe" installer/windows/petition-desk.nsi
wineboot -i >/dev/null 2>&1
user=$(ls "$WINEPREFIX/drive_c/users" | grep -vx Public | head -1)
local_dir="$WINEPREFIX/drive_c/users/$user/AppData/Local"
menu="$WINEPREFIX/drive_c/users/$user/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/信访工作台"
desktop="$WINEPREFIX/drive_c/users/$user/Desktop"
fail() { echo "FAILED: $*"; exit 1; }
mkdir -p "$local_dir/PetitionDesk" && echo "the station" > "$local_dir/PetitionDesk/station.db"

wine "$work/petition-desk-check.exe" /S; wineserver -w
[ -f "$local_dir/Programs/PetitionDesk/PetitionDesk.exe" ] || fail "not installed per-user"
[ -f "$menu/信访工作台.lnk" ] || fail "no start-menu shortcut"
[ -f "$desktop/信访工作台.lnk" ] || fail "no desktop shortcut"
wine reg query 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\PetitionDesk' /v InstallLocation \
  | grep -q 'AppData\\Local\\Programs\\PetitionDesk' || fail "no uninstall entry for the user"

wine "$local_dir/Programs/PetitionDesk/卸载信访工作台.exe" /S; wineserver -w
for _ in $(seq 30); do [ -e "$local_dir/Programs/PetitionDesk" ] || break; sleep 1; done
[ ! -e "$local_dir/Programs/PetitionDesk" ] || fail "program left behind"
[ ! -e "$menu" ] && [ ! -e "$desktop/信访工作台.lnk" ] || fail "shortcuts left behind"
[ "$(cat "$local_dir/PetitionDesk/station.db")" = "the station" ] || fail "uninstalling touched the data"
echo "nsis-check passed: per-user install, shortcuts, uninstall entry; uninstall keeps the data"
