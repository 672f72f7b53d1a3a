; 窗口服务助手 — the Windows installer (Inno Setup 6.2+), made from the PyInstaller folder that
; `py packaging\build.py` builds on a Windows PC. See docs/packaging.md, "Windows installer".
;
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 packaging\windows\window-assistant.iss
;   → dist\window-assistant-0.1.0-setup.exe
; Signed when the hall defines a sign tool named "hallsign" in the Inno Setup IDE (Tools → Configure Sign Tools)
; or on the command line, e.g. /S"hallsign=signtool.exe sign /fd sha256 /tr <its timestamp server> /td sha256 $f",
; and passes /DSign: the installer, its uninstaller and both programs are signed.
;
; Like the .deb: every version goes into a folder of its own ({app}\<version>), the shortcuts point at the newest,
; and a sidebar still running from an older folder is left alone (its files are in use and are not replaced);
; folders of older versions are removed at the end of a later install once nothing runs from them. The records
; live in each user's %LOCALAPPDATA%\window-assistant and are never touched, not even by the uninstaller.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "窗口服务助手"
#define Bundle "..\..\dist\window-assistant"
#ifdef Sign
  #define SignFlag " signonce"
#else
  #define SignFlag ""
#endif

[Setup]
AppId={{6C7E2B0A-3F4D-4B8E-9A51-2D7C0E5B9F14}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppName}
DefaultDirName={autopf}\window-assistant
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
OutputDir=..\..\dist
OutputBaseFilename=window-assistant-{#AppVersion}-setup
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
PrivilegesRequired=admin
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayName={#AppName}
UninstallDisplayIcon={app}\{#AppVersion}\window-assistant.exe
; a new version goes into a new folder: nothing to close, and a clerk who is serving keeps her sidebar
CloseApplications=no
RestartApplications=no
#ifdef Sign
SignTool=hallsign
SignedUninstaller=yes
#endif

[Languages]
#ifexist "compiler:Languages\ChineseSimplified.isl"
Name: "zh"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#else
; Inno Setup's Simplified Chinese messages are a contributed translation: put ChineseSimplified.isl into its
; Languages folder to have the wizard in Chinese; without it the wizard speaks English.
Name: "en"; MessagesFile: "compiler:Default.isl"
#endif

[Tasks]
Name: "autostart"; Description: "每位用户登录 Windows 时自动启动侧边栏"; Flags: unchecked
Name: "desktopicon"; Description: "在桌面上放一个快捷方式"; Flags: unchecked

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}\{#AppVersion}"; Flags: ignoreversion recursesubdirs createallsubdirs{#SignFlag}
#ifexist "redist\VC_redist.x64.exe"
; the Microsoft Visual C++ 2015–2022 runtime that Python and Qt need (offline installer, from Microsoft)
Source: "redist\VC_redist.x64.exe"; DestDir: "{tmp}"; Flags: deleteafterinstall
#endif

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppVersion}\window-assistant.exe"; WorkingDir: "{app}\{#AppVersion}"
Name: "{group}\卸载{#AppName}"; Filename: "{uninstallexe}"
Name: "{commonstartup}\{#AppName}"; Filename: "{app}\{#AppVersion}\window-assistant.exe"; Tasks: autostart
Name: "{commondesktop}\{#AppName}"; Filename: "{app}\{#AppVersion}\window-assistant.exe"; Tasks: desktopicon

[Run]
#ifexist "redist\VC_redist.x64.exe"
Filename: "{tmp}\VC_redist.x64.exe"; Parameters: "/install /quiet /norestart"; StatusMsg: "正在安装 Visual C++ 运行库…"; Check: NeedsVCRuntime
#endif
Filename: "{app}\{#AppVersion}\window-assistant.exe"; Description: "启动{#AppName}"; Flags: nowait postinstall skipifsilent unchecked

[UninstallDelete]
; the version folders (including those an upgrade left because a sidebar was running); never %LOCALAPPDATA%
Type: filesandordirs; Name: "{app}"

[Code]
function NeedsVCRuntime: Boolean;
var
  Installed: Cardinal;
begin
  Result := not (RegQueryDWordValue(HKLM64, 'SOFTWARE\Microsoft\VisualStudio\14.0\VC\Runtimes\x64', 'Installed', Installed)
                 and (Installed = 1));
end;

{ Folders of older versions go once nothing runs from them: Windows refuses to delete a running program. }
procedure RemoveOldVersions;
var
  Found: TFindRec;
  Folder: String;
begin
  if FindFirst(ExpandConstant('{app}\*'), Found) then
  try
    repeat
      if (Found.Attributes and FILE_ATTRIBUTE_DIRECTORY <> 0) and (Found.Name <> '.') and (Found.Name <> '..')
         and (Found.Name <> '{#AppVersion}') then
      begin
        Folder := ExpandConstant('{app}\') + Found.Name;
        if DeleteFile(Folder + '\window-assistant.exe') then
          DelTree(Folder, True, True, True)
        else
          Log('still running, kept: ' + Folder);
      end;
    until not FindNext(Found);
  finally
    FindClose(Found);
  end;
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if CurStep = ssPostInstall then
    RemoveOldVersions;
end;
