//! The Azure "VM Health Report" that a VM sends instead of SAC when SAC is not enabled (§1.4).

use super::driver::SacDriver;

impl SacDriver {
    /// The Azure "VM Health Report" that replaces SAC when SAC is not enabled (§1.4).
    pub(super) fn health_report(&mut self) {
        let (secs, ms) = super::clock::now_unix();
        let (y, mo, d, h, mi, s) = super::clock::civil(secs);
        let ts = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}0000Z");
        let name = self.machine_info().computer_name;
        let ip = match self.nics.first() {
            Some(n) => n.ip.clone(),
            None => self.machine.nics().first().map_or_else(String::new, |n| n.0.clone()),
        };
        // GUESS: the report's fields past the first ones are not published; a plausible subset.
        let json = serde_json::json!({
            "reportTime": ts,
            "networkAdapters": [{"name": "Ethernet 2", "ipAddresses": [ip], "status": "Up"}],
            "computerName": name,
            "remoteAccess": {"rdpEnabled": true, "rdpPort": 3389},
        });
        let s = format!(
            "======== Microsoft Azure VM Health Report - Start {ts} ========\r\n{json}\r\n\
             ======== Microsoft Azure VM Health Report - End {ts} ========\r\n"
        );
        self.out.extend_from_slice(s.as_bytes());
    }
}
