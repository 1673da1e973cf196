//! The palette: the procedure's commands and the SAC commands, searchable, with placeholders
//! (`{port}`, `{thumbprint}`, `{pid}`) filled from what the doctor has learned.

/// Where a palette entry is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    /// At `SAC>`.
    Sac,
    /// In a logged-in cmd channel.
    Cmd,
}

/// One palette entry: where it runs, the command template and what it is for.
pub const ENTRIES: &[(Where, &str, &str)] = &[
    (Where::Sac, "cmd", "open a new cmd channel"),
    (Where::Sac, "ch", "list the channels"),
    (Where::Sac, "ch -si 1", "switch to channel 1"),
    (Where::Sac, "i", "IP configuration"),
    (Where::Sac, "id", "machine identification"),
    (Where::Sac, "t", "task list"),
    (Where::Sac, "restart", "restart the VM (asks nothing: careful)"),
    (Where::Cmd, "netstat -anob | findstr /c:\":{port} \"", "who listens on the RDP port"),
    (Where::Cmd, "tasklist /svc /fi \"PID eq {pid}\"", "the process holding the port"),
    (Where::Cmd, "sc query TermService", "Remote Desktop Services state"),
    (Where::Cmd, "sc query SessionEnv", "Remote Desktop Configuration state"),
    (
        Where::Cmd,
        "reg query \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp\" /v PortNumber",
        "the RDP port",
    ),
    (
        Where::Cmd,
        "reg query \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp\" /v SSLCertificateSHA1Hash",
        "the RDP certificate thumbprint",
    ),
    (
        Where::Cmd,
        "powershell -NoProfile -Command \"Get-ChildItem 'Cert:\\LocalMachine\\Remote Desktop\\{thumbprint}' | Format-List\"",
        "the RDP certificate",
    ),
    (Where::Cmd, "icacls C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys", "MachineKeys ACL"),
    (
        Where::Cmd,
        "reg query \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\" /s",
        "TLS protocol settings",
    ),
    (
        Where::Cmd,
        "reg query \"HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services\"",
        "RDP policies",
    ),
    (Where::Cmd, "netsh advfirewall firewall show rule name=all dir=in | findstr /i \"3389 Remote\"", "firewall rules"),
    (Where::Cmd, "bcdedit /enum {current}", "boot and EMS settings"),
];

/// What is known that fills placeholders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    pub port: Option<u16>,
    pub thumbprint: Option<String>,
    pub pid: Option<u32>,
}

/// The entry's command with placeholders filled (a placeholder without a value stays visible).
pub fn fill(template: &str, known: &Known) -> String {
    let mut s = template.replace("{port}", &known.port.unwrap_or(3389).to_string());
    if let Some(t) = &known.thumbprint {
        s = s.replace("{thumbprint}", t);
    }
    if let Some(p) = known.pid {
        s = s.replace("{pid}", &p.to_string());
    }
    s
}

/// Entries whose command or description contains every word of `query` (any case), filled.
pub fn search(query: &str, known: &Known) -> Vec<(Where, String, &'static str)> {
    let words: Vec<String> = query.split_whitespace().map(str::to_ascii_lowercase).collect();
    ENTRIES
        .iter()
        .map(|(w, t, d)| (*w, fill(t, known), *d))
        .filter(|(_, cmd, d)| {
            let hay = format!("{} {}", cmd.to_ascii_lowercase(), d.to_ascii_lowercase());
            words.iter().all(|w| hay.contains(w))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_fill_from_known_facts() {
        let k = Known { port: Some(3390), thumbprint: Some("AB12".into()), pid: Some(5500) };
        let hits = search("holding", &k);
        assert_eq!(hits.len(), 1);
        assert!(hits[0].1.contains("PID eq 5500"));
        assert!(search("rdp port", &k)[0].1.contains(":3390 "));
        assert!(search("certificate", &Known::default())
            .iter()
            .any(|h| h.1.contains("{thumbprint}")));
    }
}
