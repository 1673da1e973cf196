//! `sacdoc doctor --offline-script`: the offline path of the procedure as one cmd script for the
//! recovery VM that has the broken OS disk attached, with the article's mistakes corrected.
//!
//! Ready to paste into the recovery VM's command prompt (pasted lines run one after another even
//! when one fails, so the last line, `reg unload`, always runs: the hive is unloaded on every
//! path). Corrections carried: the hive file is `SYSTEM` (not `SYSTEM.hiv`); backups go to the
//! attached disk's own `temp` folder (the article creates `F:\temp` but writes to `c:\temp`); the
//! boot loader is named by bcdedit's `{default}` alias, which bcdedit resolves from the store
//! itself, so no identifier is typed; ControlSet002 is changed only when it exists; the read step
//! reads instead of writing; every `reg add` is a line of its own.

/// The options of the script.
#[derive(Debug, Clone)]
pub struct OfflineOptions {
    /// The letter of the attached OS disk, e.g. `F`.
    pub drive: char,
    /// 1 (BIOS: `<drive>:\boot\bcd`) or 2 (UEFI: the BCD is on the EFI system partition).
    pub generation: u8,
    /// The letter the EFI system partition gets on Generation 2.
    pub efi_drive: char,
    /// Enable only TLS 1.2 (instead of 1.0, 1.1 and 1.2 as the procedure does).
    pub tls12_only: bool,
    pub ems_port: u32,
    pub ems_baud: u32,
}

impl Default for OfflineOptions {
    fn default() -> Self {
        OfflineOptions {
            drive: 'F',
            generation: 1,
            efi_drive: 'S',
            tls12_only: false,
            ems_port: 1,
            ems_baud: 115_200,
        }
    }
}

/// A bad option value.
#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    #[error("drive {0:?} is not a drive letter: give a letter such as F")]
    Drive(String),
    #[error("generation {0} is not 1 or 2 (Azure VM generation: 1 = BIOS, 2 = UEFI)")]
    Generation(u8),
    #[error("the attached disk cannot be C:, the recovery VM's own system drive")]
    SystemDrive,
}

/// Parses `F`, `F:` or `f:\` into a drive letter.
pub fn parse_drive(s: &str) -> Result<char, OfflineError> {
    let t = s.trim().trim_end_matches('\\').trim_end_matches(':');
    let mut it = t.chars();
    match (it.next(), it.next()) {
        (Some(c), None) if c.is_ascii_alphabetic() => Ok(c.to_ascii_uppercase()),
        _ => Err(OfflineError::Drive(s.to_string())),
    }
}

const HIVE: &str = r"HKLM\BROKENSYSTEM";

/// The script, CRLF line endings, as one text.
pub fn script(o: &OfflineOptions) -> Result<String, OfflineError> {
    if o.generation != 1 && o.generation != 2 {
        return Err(OfflineError::Generation(o.generation));
    }
    if o.drive == 'C' {
        return Err(OfflineError::SystemDrive);
    }
    Ok(lines(o).join("\r\n") + "\r\n")
}

/// The script's lines.
pub fn lines(o: &OfflineOptions) -> Vec<String> {
    let d = o.drive;
    let tmp = format!(r"{d}:\temp\sacdoc");
    let bcd = if o.generation == 1 {
        format!(r"{d}:\boot\bcd")
    } else {
        format!(r"{}:\EFI\Microsoft\Boot\BCD", o.efi_drive)
    };
    let mk = format!(r"{d}:\ProgramData\Microsoft\Crypto\RSA\MachineKeys");
    let mut v = vec![
        format!("rem sacdoc offline script: RDP internal error; the broken OS disk is {d}: (Generation {})", o.generation),
        "rem Take a snapshot of the OS disk first. Paste into an elevated command prompt.".to_string(),
    ];
    if o.generation == 2 {
        v.push(format!(
            "rem Generation 2: give the disk's EFI system partition the letter {}: first (diskpart: \
             select disk N, select partition 1, assign letter={})",
            o.efi_drive, o.efi_drive
        ));
    }
    v.push(format!("md {tmp}"));
    v.push(format!("reg unload {HIVE} 2>nul"));
    v.push("rem Step 2: boot menu, EMS and the serial console (backup first).".into());
    v.push(format!("bcdedit /store {bcd} /export {tmp}\\bcd-before"));
    v.push(format!("bcdedit /store {bcd} /set {{bootmgr}} displaybootmenu yes"));
    v.push(format!("bcdedit /store {bcd} /set {{bootmgr}} timeout 5"));
    v.push(format!("bcdedit /store {bcd} /set {{bootmgr}} bootems yes"));
    v.push(format!("bcdedit /store {bcd} /ems {{default}} ON"));
    v.push(format!(
        "bcdedit /store {bcd} /emssettings EMSPORT:{} EMSBAUDRATE:{}",
        o.ems_port, o.ems_baud
    ));
    v.push("rem Step 3: MachineKeys permissions (backup first).".into());
    v.push(format!("icacls {mk} /save {tmp}\\machinekeys-before.acl /t /c"));
    v.push(format!("takeown /f {mk} /a /r /d y"));
    v.push(format!(
        "icacls {mk} /grant \"NT AUTHORITY\\System:(F)\" \"NT AUTHORITY\\NETWORK SERVICE:(R)\" \"BUILTIN\\Administrators:(F)\" /t /c"
    ));
    v.push(
        "rem Steps 2, 4, 5: crash dump, TLS and NLA in the disk's SYSTEM hive (backups first)."
            .into(),
    );
    v.push(format!(r"reg load {HIVE} {d}:\windows\system32\config\SYSTEM"));
    let versions: &[&str] =
        if o.tls12_only { &["TLS 1.2"] } else { &["TLS 1.0", "TLS 1.1", "TLS 1.2"] };
    for cs in ["ControlSet001", "ControlSet002"] {
        let guard = if cs == "ControlSet002" {
            format!(r"reg query {HIVE}\{cs} >nul 2>&1 && ")
        } else {
            String::new()
        };
        let base = format!(r"{HIVE}\{cs}\Control");
        let cc = format!(r"{base}\CrashControl");
        let sch = format!(r"{base}\SecurityProviders\SCHANNEL\Protocols");
        let rdp = format!(r"{base}\Terminal Server\WinStations\RDP-Tcp");
        for (key, name) in [(&cc, "crashcontrol"), (&sch, "schannel"), (&rdp, "rdp-tcp")] {
            v.push(format!("{guard}reg export \"{key}\" {tmp}\\{cs}-{name}-before.reg /y"));
        }
        v.push(format!("{guard}reg add \"{cc}\" /v CrashDumpEnabled /t REG_DWORD /d 1 /f"));
        v.push(format!(
            "{guard}reg add \"{cc}\" /v DumpFile /t REG_EXPAND_SZ /d %^SystemRoot%\\MEMORY.DMP /f"
        ));
        v.push(format!("{guard}reg add \"{cc}\" /v NMICrashDump /t REG_DWORD /d 1 /f"));
        for t in versions {
            v.push(format!(
                "{guard}reg add \"{sch}\\{t}\\Server\" /v Enabled /t REG_DWORD /d 1 /f"
            ));
            v.push(format!(
                "{guard}reg add \"{sch}\\{t}\\Server\" /v DisabledByDefault /t REG_DWORD /d 0 /f"
            ));
        }
        for n in ["SecurityLayer", "UserAuthentication", "fAllowSecProtocolNegotiation"] {
            v.push(format!("{guard}reg add \"{rdp}\" /v {n} /t REG_DWORD /d 1 /f"));
        }
    }
    v.push(
        "rem Read back what was set (step 4 reads here; the article's version wrote instead)."
            .into(),
    );
    v.push(format!(
        r#"reg query "{HIVE}\ControlSet001\Control\SecurityProviders\SCHANNEL\Protocols" /s"#
    ));
    v.push(format!(r#"reg query "{HIVE}\ControlSet001\Control\Terminal Server\WinStations\RDP-Tcp" /v SecurityLayer"#));
    v.push(format!("bcdedit /store {bcd} /enum {{default}}"));
    v.push("rem Always last: unload the hive, then detach the disk and rebuild the VM.".into());
    v.push(format!("reg unload {HIVE}"));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_shape() {
        let s = script(&OfflineOptions::default()).unwrap();
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.last(), Some(&r"reg unload HKLM\BROKENSYSTEM"));
        assert!(s.contains(r"reg load HKLM\BROKENSYSTEM F:\windows\system32\config\SYSTEM"));
        assert!(!s.contains("SYSTEM.hiv"));
        assert!(!s.to_ascii_lowercase().contains(r"c:\temp"));
        assert!(s.contains(r"bcdedit /store F:\boot\bcd /ems {default} ON"));
        let g2 = script(&OfflineOptions { generation: 2, ..Default::default() }).unwrap();
        assert!(g2.contains(r"S:\EFI\Microsoft\Boot\BCD"));
        assert!(script(&OfflineOptions { generation: 3, ..Default::default() }).is_err());
        assert_eq!(parse_drive("g:\\").unwrap(), 'G');
        assert!(parse_drive("FF").is_err());
    }
}
