; 信访工作台 — the Windows installer (NSIS 3, Unicode). Wraps the one-folder build that PyInstaller makes on Windows
; (installer/petition-desk.spec -> dist\PetitionDesk\). Per-user: no administrator rights, installed under
; %LOCALAPPDATA%\Programs\PetitionDesk, start-menu and desktop shortcuts, an entry in 应用和功能 to uninstall.
; Uninstalling removes the program only: the station's data (%LOCALAPPDATA%\PetitionDesk) stays.
;
;   makensis /DVERSION=0.1.0 /DDIST=..\..\dist\PetitionDesk installer\windows\petition-desk.nsi
; Output: dist\信访工作台-<version>-安装程序.exe (OUTFILE overrides).

Unicode true
Target amd64-unicode  ; the program is 64-bit; a 64-bit installer also sees the real %LOCALAPPDATA% and registry view
ManifestDPIAware true
!ifdef QUICK  ; a quick compile for checking the script (installer/build.sh)
  SetCompressor zlib
!else
  SetCompressor /SOLID lzma
!endif

!ifndef VERSION
  !define VERSION "0.1.0"
!endif
!ifndef DIST
  !define DIST "..\..\dist\PetitionDesk"
!endif
!ifndef OUTFILE
  !define OUTFILE "..\..\dist\信访工作台-${VERSION}-安装程序.exe"
!endif
!define APP_NAME "信访工作台"
!define APP_EXE "PetitionDesk.exe"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\PetitionDesk"
!define DATA_DIR "$LOCALAPPDATA\PetitionDesk"

Name "${APP_NAME}"
Caption "${APP_NAME} ${VERSION} 安装"
OutFile "${OUTFILE}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\PetitionDesk"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "${APP_NAME} ${VERSION}"

!include "MUI2.nsh"
!define MUI_ICON "..\..\resources\icons\petition-desk.ico"
!define MUI_UNICON "..\..\resources\icons\petition-desk.ico"
!define MUI_ABORTWARNING
!define MUI_WELCOMEPAGE_TITLE "欢迎安装${APP_NAME}"
!define MUI_WELCOMEPAGE_TEXT "${APP_NAME}供乡镇、县、市信访干部离线使用：登记、办理、督办、打印与U盘同步。$\r$\n$\r$\n本程序只为当前 Windows 用户安装，不需要管理员权限，也不使用网络。$\r$\n$\r$\n点击“下一步”继续。"
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "现在打开${APP_NAME}"
!define MUI_UNCONFIRMPAGE_TEXT_TOP "将从本电脑删除${APP_NAME}程序。本站数据（${DATA_DIR}）不会删除，重新安装后可继续使用。"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"

VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "FileDescription" "${APP_NAME} 安装程序"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "LegalCopyright" "信访工作台"

Section "${APP_NAME}" SecMain
  SectionIn RO
  SetShellVarContext current
  ; An older version's files go first, so nothing of it stays beside the new one (the data folder is elsewhere).
  RMDir /r "$INSTDIR\_internal"
  SetOutPath "$INSTDIR"
  File /r "${DIST}\*.*"
  WriteUninstaller "$INSTDIR\卸载${APP_NAME}.exe"
  CreateDirectory "$SMPROGRAMS\${APP_NAME}"
  CreateShortCut "$SMPROGRAMS\${APP_NAME}\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0
  CreateShortCut "$SMPROGRAMS\${APP_NAME}\卸载${APP_NAME}.lnk" "$INSTDIR\卸载${APP_NAME}.exe"
  CreateShortCut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${APP_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\卸载${APP_NAME}.exe"'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  SetShellVarContext current
  Delete "$DESKTOP\${APP_NAME}.lnk"
  RMDir /r "$SMPROGRAMS\${APP_NAME}"
  ; The program's folder only. ${DATA_DIR} (the station, its evidence and keys) is never touched here.
  RMDir /r "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  IfSilent +2
    MessageBox MB_OK|MB_ICONINFORMATION "${APP_NAME}已卸载。$\r$\n$\r$\n本站数据仍保存在：${DATA_DIR}$\r$\n重新安装后可继续使用；如确需删除，请先备份后手动删除该文件夹。"
SectionEnd
