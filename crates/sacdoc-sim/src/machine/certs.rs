//! The simulated certificate stores (`Cert:\LocalMachine\Remote Desktop`, `My`, ...), and what
//! Windows does with the RDP certificate: when TermService or SessionEnv starts and the Remote
//! Desktop store holds no valid certificate, a new self-signed one (CN=computer name, valid six
//! months) is created, its private key written to MachineKeys as `<hash of TSSecKeySet1>_<machine
//! guid>`. Nothing else changes (no registry value is set).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::fs::acl::{self, mask, sid, Ace};
use super::fs::host;
use super::state::{RegValue, SysEvent, WinState, RDP_TCP_KEY};

pub const RDP_STORE: &str = "Remote Desktop";
const SIX_MONTHS: i64 = 182 * 86_400;

/// One certificate in a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// 40 upper-case hex digits.
    pub thumbprint: String,
    pub subject: String,
    pub issuer: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    pub friendly_name: String,
    /// The private key's container file in MachineKeys (file name only).
    pub key_file: Option<String>,
}

/// Certificate stores by name; a scenario's `[[certificates]]` entries become this.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "CertsSpec")]
pub struct CertStore {
    pub stores: BTreeMap<String, Vec<Certificate>>,
    /// Entries still to be placed (they need the computer name and the clock).
    #[serde(skip)]
    pending: Option<Vec<CertSpec>>,
    /// Certificates created so far (makes new thumbprints differ).
    #[serde(skip)]
    created: u32,
}

impl Default for CertStore {
    fn default() -> Self {
        CertStore::from(CertsSpec::default())
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CertsSpec {
    pub certificates: Vec<CertSpec>,
}

/// One `[[certificates]]` entry. Listing any entry for a store replaces that store's baseline
/// content (the baseline is one valid self-signed RDP certificate in `Remote Desktop`).
///
/// ```toml
/// [[certificates]]
/// store = "Remote Desktop"
/// thumbprint = "8E3B2F10C4A95D7716E0B2A3C94F5D1E07A6B3C2"
/// issued_days_ago = 200      # valid 182 days: expired 18 days ago
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CertSpec {
    pub store: String,
    pub thumbprint: Option<String>,
    /// Defaults to `CN=<computer name>`.
    pub subject: Option<String>,
    pub issuer: Option<String>,
    pub issued_days_ago: i64,
    pub valid_days: i64,
    pub friendly_name: String,
    /// Whether the certificate has a private key in MachineKeys.
    pub private_key: bool,
    /// The store is empty: no certificate at all (other fields ignored).
    pub empty: bool,
}

impl Default for CertSpec {
    fn default() -> Self {
        CertSpec {
            store: RDP_STORE.into(),
            thumbprint: None,
            subject: None,
            issuer: None,
            issued_days_ago: 30,
            valid_days: 182,
            friendly_name: String::new(),
            private_key: true,
            empty: false,
        }
    }
}

impl From<CertsSpec> for CertStore {
    fn from(spec: CertsSpec) -> Self {
        let mut list = spec.certificates;
        if !list.iter().any(|c| c.store.eq_ignore_ascii_case(RDP_STORE)) {
            list.insert(0, CertSpec::default());
        }
        CertStore { stores: BTreeMap::new(), pending: Some(list), created: 0 }
    }
}

/// A deterministic 40-hex-digit thumbprint for a synthetic certificate.
fn make_thumbprint(seed: &str) -> String {
    let mut out = String::new();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for round in 0..3u8 {
        for b in seed.bytes().chain([round]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        out.push_str(&format!("{h:016X}"));
    }
    out.truncate(40);
    out
}

impl CertStore {
    /// Places pending scenario entries (needs the computer name, machine GUID and clock).
    fn prepare(&mut self, computer: &str, guid: &str, now: i64) {
        let Some(list) = self.pending.take() else { return };
        for name in ["My", "Root"] {
            self.stores.entry(name.to_string()).or_default();
        }
        for s in list {
            let store = self.stores.entry(canonical_store(&s.store)).or_default();
            if s.empty {
                continue;
            }
            let subject = s.subject.clone().unwrap_or_else(|| format!("CN={computer}"));
            let not_before = now - s.issued_days_ago * 86_400;
            let is_rdp = s.store.eq_ignore_ascii_case(RDP_STORE);
            store.push(Certificate {
                thumbprint: s.thumbprint.clone().map(|t| t.to_ascii_uppercase()).unwrap_or_else(
                    || make_thumbprint(&format!("{subject}{not_before}{}", s.store)),
                ),
                issuer: s.issuer.clone().unwrap_or_else(|| subject.clone()),
                subject,
                not_before,
                not_after: not_before + s.valid_days * 86_400,
                friendly_name: s.friendly_name.clone(),
                key_file: (s.private_key && is_rdp)
                    .then(|| format!("{}_{guid}", super::fs::RDP_KEY_HASH)),
            });
        }
    }

    /// The certificates of a store (by name, case-insensitive).
    pub fn store(&self, name: &str) -> &[Certificate] {
        self.stores
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or(&[], |(_, v)| v.as_slice())
    }

    pub fn store_mut(&mut self, name: &str) -> &mut Vec<Certificate> {
        self.stores.entry(canonical_store(name)).or_default()
    }

    /// Store names in the order `Get-ChildItem Cert:\LocalMachine` would show them.
    pub fn store_names(&self) -> Vec<String> {
        self.stores.keys().cloned().collect()
    }
}

/// The stored spelling of a store name.
fn canonical_store(name: &str) -> String {
    for known in [RDP_STORE, "My", "Root", "CA", "TrustedPeople", "WebHosting"] {
        if known.eq_ignore_ascii_case(name) {
            return known.to_string();
        }
    }
    name.to_string()
}

/// Places the scenario's certificates; every entry point of this module and of PowerShell calls it.
pub fn prepare(st: &mut WinState) {
    let computer = host::computer_name(st);
    let guid = st.fs.machine_guid.clone();
    let now = st.now();
    st.certs.prepare(&computer, &guid, now);
}

/// Why RDP cannot use a certificate (or which one it uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RdpCertStatus {
    Usable(String),
    /// `SSLCertificateSHA1Hash` names a certificate no store holds.
    HashMismatch(String),
    Missing,
    Expired(String),
    /// The private key container cannot be read by NETWORK SERVICE (MachineKeys ACLs).
    KeyUnreadable(String),
    /// The certificate names a key container whose file is gone from MachineKeys (deleted by
    /// hand, by a cleanup tool, or lost with a restored disk): the certificate stays in the store
    /// with its key provider information, so only opening the key shows it.
    KeyMissing(String),
}

fn configured_hash(st: &WinState) -> Option<String> {
    match st.registry.get(RDP_TCP_KEY, "SSLCertificateSHA1Hash") {
        Some(RegValue::Binary(b)) => Some(b.iter().map(|x| format!("{x:02X}")).collect()),
        Some(RegValue::Sz(s)) => Some(s.to_ascii_uppercase()),
        _ => None,
    }
}

/// Whether the certificate has key provider information naming a file MachineKeys lacks.
fn key_file_missing(st: &WinState, c: &Certificate) -> bool {
    c.key_file
        .as_ref()
        .is_some_and(|k| st.fs.node(&format!("{}\\{k}", super::fs::MACHINE_KEYS)).is_none())
}

fn key_readable(st: &WinState, c: &Certificate) -> bool {
    let Some(k) = &c.key_file else { return false };
    let p = format!("{}\\{k}", super::fs::MACHINE_KEYS);
    let Some(n) = st.fs.node(&p) else { return false };
    let tok = host::network_service_token();
    let tok: Vec<&str> = tok.iter().map(String::as_str).collect();
    acl::access_granted(&n.owner, &st.fs.dacl(&p), &tok, mask::READ)
}

/// Which certificate the RDP listener would use, and whether it can.
pub fn rdp_certificate_status(st: &mut WinState) -> RdpCertStatus {
    prepare(st);
    let now = st.now();
    let pick = match configured_hash(st) {
        Some(h) => match ["My", RDP_STORE]
            .iter()
            .flat_map(|s| st.certs.store(s))
            .find(|c| c.thumbprint == h)
        {
            Some(c) => c.clone(),
            None => return RdpCertStatus::HashMismatch(h),
        },
        None => match st.certs.store(RDP_STORE).iter().max_by_key(|c| c.not_after) {
            Some(c) => c.clone(),
            None => return RdpCertStatus::Missing,
        },
    };
    if now >= pick.not_after || now < pick.not_before {
        RdpCertStatus::Expired(pick.thumbprint)
    } else if key_file_missing(st, &pick) {
        RdpCertStatus::KeyMissing(pick.thumbprint)
    } else if !key_readable(st, &pick) {
        RdpCertStatus::KeyUnreadable(pick.thumbprint)
    } else {
        RdpCertStatus::Usable(pick.thumbprint)
    }
}

/// Called when TermService or SessionEnv starts: creates a self-signed RDP certificate when the
/// `Remote Desktop` store holds no valid one. Fails (with the event Windows logs) when SYSTEM cannot
/// write the key container to MachineKeys.
///
/// GUESS: a valid certificate whose key file is gone still counts (no source says Windows replaces
/// it by itself; the documented fix removes it from the store first, then restarts SessionEnv).
pub fn ensure_rdp_certificate(st: &mut WinState) {
    prepare(st);
    let now = st.now();
    if st.certs.store(RDP_STORE).iter().any(|c| c.not_before <= now && now < c.not_after) {
        return;
    }
    let computer = host::computer_name(st);
    let key_name = format!("{}_{}", super::fs::RDP_KEY_HASH, st.fs.machine_guid);
    let key_path = format!("{}\\{key_name}", super::fs::MACHINE_KEYS);
    let system = [sid::SYSTEM, sid::ADMINISTRATORS, sid::EVERYONE, sid::AUTHENTICATED_USERS];
    let writable = match st.fs.node(&key_path) {
        Some(n) => acl::access_granted(&n.owner, &st.fs.dacl(&key_path), &system, mask::WD),
        None => st.fs.node(super::fs::MACHINE_KEYS).is_some_and(|n| {
            acl::access_granted(&n.owner, &st.fs.dacl(super::fs::MACHINE_KEYS), &system, mask::WD)
        }),
    };
    if !writable {
        st.events.push(SysEvent {
            unix: now,
            source: "TerminalServices-RemoteConnectionManager".into(),
            message: "The Terminal Server has failed to create a new self signed certificate to be used for Terminal Server authentication on SSL connections. The relevant status code was Access is denied.".into(),
        });
        return;
    }
    let _ = st.fs.write_file(&key_path, b"\x02\x00\x00\x00RSA2", false);
    if let Some(n) = st.fs.node_mut(&key_path) {
        n.owner = sid::SYSTEM.into();
        n.protected = true;
        n.explicit = vec![
            Ace::allow(sid::SYSTEM, mask::FULL),
            Ace::allow(sid::ADMINISTRATORS, mask::FULL),
            Ace::allow(sid::NETWORK_SERVICE, mask::READ),
        ];
    }
    st.certs.created += 1;
    let subject = format!("CN={computer}");
    let cert = Certificate {
        thumbprint: make_thumbprint(&format!("{subject}{now}#{}", st.certs.created)),
        issuer: subject.clone(),
        subject,
        not_before: now,
        not_after: now + SIX_MONTHS,
        friendly_name: String::new(),
        key_file: Some(key_name),
    };
    st.certs.store_mut(RDP_STORE).push(cert);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprints_are_40_hex() {
        let t = make_thumbprint("CN=VM");
        assert_eq!(t.len(), 40);
        assert!(t.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()));
        assert_ne!(t, make_thumbprint("CN=VM2"));
    }

    #[test]
    fn baseline_has_a_usable_rdp_certificate() {
        let mut st = WinState::default();
        assert!(matches!(rdp_certificate_status(&mut st), RdpCertStatus::Usable(_)));
        st.certs.store_mut(RDP_STORE).clear();
        assert_eq!(rdp_certificate_status(&mut st), RdpCertStatus::Missing);
        ensure_rdp_certificate(&mut st);
        assert!(matches!(rdp_certificate_status(&mut st), RdpCertStatus::Usable(_)));
    }
}
