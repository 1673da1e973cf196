//! The command lines the checks share. One place, so that two checks asking for the same facts ask
//! with the same bytes and the engine runs the command once.

use sacdoc_console::runner::powershell;

/// The RDP listener's configuration key.
pub const RDP_TCP: &str =
    r"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server\WinStations\RDP-Tcp";
/// Its PowerShell provider path.
pub const RDP_TCP_PS: &str =
    r"HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server\WinStations\RDP-Tcp";
/// SCHANNEL protocol settings.
pub const SCHANNEL_PROTOCOLS: &str =
    r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols";
/// The folder of the machine's RSA keys, the RDP certificate's private key among them.
pub const MACHINEKEYS: &str = r"C:\ProgramData\Microsoft\Crypto\RSA\MachineKeys";
/// The Group Policy client service key.
pub const GPSVC: &str = r"HKLM\SYSTEM\CurrentControlSet\Services\gpsvc";
/// Where Terminal Services policies land.
pub const TS_POLICY: &str = r"HKLM\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services";
/// The internal (never translated) name of the inbound RDP firewall rule.
pub const FW_RULE: &str = "RemoteDesktop-UserMode-In-TCP";
/// The RDP certificate store.
pub const RDP_STORE: &str = r"Cert:\LocalMachine\Remote Desktop";
/// The folder on the VM where backups are written.
pub const BACKUP_DIR: &str = r"C:\temp\sacdoc";

/// The RDP-Tcp values every RDP check reads, filtered on the VM so only those lines cross the
/// line (the key holds about forty values).
pub fn rdp_tcp_values() -> String {
    format!(
        "reg query \"{RDP_TCP}\" | findstr /i \"PortNumber SecurityLayer UserAuthentication \
         fAllowSecProtocolNegotiation SSLCertificateSHA1Hash\""
    )
}

/// The listeners on `port` (and any other row with `:port ` in it; the check filters).
pub fn netstat_port(port: u16) -> String {
    format!("netstat -ano | findstr /c:\":{port} \"")
}

/// The image and services of one process.
pub fn tasklist_pid(pid: u32) -> String {
    format!("tasklist /svc /fo csv /nh /fi \"PID eq {pid}\"")
}

/// The state of one service.
pub fn sc_query(name: &str) -> String {
    format!("sc query {name}")
}

/// The start type of one service (the `Start` value: shorter than `sc qc`).
pub fn service_start(name: &str) -> String {
    format!("reg query HKLM\\SYSTEM\\CurrentControlSet\\Services\\{name} /v Start")
}

/// The VM's clock (ISO 8601) and the certificates in the RDP store as JSON (dates in a form no
/// locale changes), in one PowerShell start.
pub fn rdp_certs() -> String {
    powershell(&format!(
        "Get-Date -Format o; Get-ChildItem '{RDP_STORE}' | Select-Object Thumbprint,NotAfter,HasPrivateKey | ConvertTo-Json"
    ))
}

/// The certificates of the machine's personal store (where a CA-issued RDP certificate lives).
pub fn my_certs() -> String {
    powershell(
        "Get-ChildItem 'Cert:\\LocalMachine\\My' | Select-Object Thumbprint,NotAfter,HasPrivateKey | ConvertTo-Json",
    )
}

/// The file-name stem of the RDP self-signed certificate's key in MachineKeys: the hash of its
/// container name `TSSecKeySet1`, followed by `_<machine guid>` (published as the prefix of the
/// RDP certificate's key file: https://qiita.com/mtmana/items/424579c1b9738c7a18c1).
pub const RDP_KEY_STEM: &str = "f686aace6942fb7f7ceb231212eef4a4";

/// What certutil finds of a Remote Desktop certificate's private key, filtered on the VM to the
/// one line that tells: `  Unique container name: <file>` when the key opens, `Missing stored
/// keyset` when it does not (about 100 bytes back instead of a 700-byte listing).
pub fn rdp_cert_key(thumbprint: &str) -> String {
    format!(
        "certutil -store \"Remote Desktop\" {thumbprint} | findstr /c:\"Missing stored\" /c:\"Unique container\""
    )
}

/// The RDP self-signed certificate's key file in MachineKeys, if it is there (asked only when
/// certutil cannot open the key: tells a missing key from an unreadable one).
pub fn rdp_key_file() -> String {
    format!("dir /b {MACHINEKEYS}\\{RDP_KEY_STEM}_*")
}

/// The ACL of the MachineKeys folder itself.
pub fn machinekeys_acl() -> String {
    format!("icacls {MACHINEKEYS}")
}

/// Every SCHANNEL protocol setting (usually a few lines).
pub fn schannel() -> String {
    format!("reg query \"{SCHANNEL_PROTOCOLS}\" /s")
}

/// Terminal Services policy values set by Group Policy.
pub fn ts_policy() -> String {
    format!("reg query \"{TS_POLICY}\"")
}

/// The computer's distinguished name as Group Policy last saw it: present on domain members only.
pub fn gp_dn() -> String {
    "reg query \"HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Group Policy\\State\\Machine\" /v Distinguished-Name".to_string()
}

/// The applied Group Policy objects (computer side).
pub fn gpresult() -> String {
    "gpresult /r /scope computer".to_string()
}

/// The inbound RDP rule's state.
pub fn fw_rule() -> String {
    powershell(&format!(
        "Get-NetFirewallRule -Name {FW_RULE} | Format-List Enabled,Direction,Action"
    ))
}

/// The inbound RDP rule's port.
pub fn fw_port() -> String {
    powershell(&format!(
        "Get-NetFirewallRule -Name {FW_RULE} | Get-NetFirewallPortFilter | Format-List LocalPort"
    ))
}

/// The running OS loader's boot entry.
pub fn bcd_current() -> String {
    "bcdedit /enum {current}".to_string()
}

/// The machine-wide EMS settings.
pub fn bcd_emssettings() -> String {
    "bcdedit /enum {emssettings}".to_string()
}

/// Quotes a path for cmd.exe.
pub fn q(s: &str) -> String {
    format!("\"{s}\"")
}
