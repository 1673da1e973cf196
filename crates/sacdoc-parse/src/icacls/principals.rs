//! Well-known principals under the names Windows prints in each display language.
//!
//! icacls translates principal names (`VORDEFINIERT\Administratoren`, `NT-AUTORITÄT\SYSTEM`,
//! `Jeder`), so the doctor compares SIDs, never names. Names from published captures are marked
//! "capture"; the others are the usual translations and marked GUESS.

/// (SID, names). Compared case-insensitively.
const WELL_KNOWN: &[(&str, &[&str])] = &[
    (
        "S-1-5-18",
        &[
            "NT AUTHORITY\\SYSTEM",  // capture
            "NT-AUTORITÄT\\SYSTEM",  // capture
            "AUTORITE NT\\Système",  // capture fr (fixture fr-ext2srv-prompted.txt)
            "NT AUTHORITY\\система", // capture ru (fixture ru-four-runs-prompted.txt; СИСТЕМА elsewhere)
            // capture pt-BR: an icacls example printed by a Brazilian pentest menu script,
            // https://github.com/JPGress/PROJECTS/blob/58a6582cd60166d49b786071914cb0f8f6df8fc7/
            // PORTFOLIO/OWL-SH/0wL.sh line 1841
            "AUTORIDADE NT\\SISTEMA",
            "SYSTEM",
        ],
    ),
    (
        "S-1-5-32-544",
        &[
            "BUILTIN\\Administrators",       // capture
            "VORDEFINIERT\\Administratoren", // capture
            "BUILTIN\\Administrateurs",      // capture fr (fixture fr-ext2srv-prompted.txt)
            // capture es: an icacls readback of a Spanish Windows host, as printed,
            // https://github.com/marioap-afk/Calculadora_de_racks/blob/
            // c1982b2a4b483f98beccc161e9635f92e1504895/docs/automation/evidence/
            // I-52-ct21d-host-prep/cad-manager-attestation-and-readback.md (code index id
            // 70173378008), and a Spanish security audit quoting `icacls .env` (code index id
            // 40399789218; unresolved: the index names no repository or path for it); pt-BR in
            // the 0wL.sh example above
            "BUILTIN\\Administradores",
            "BUILTIN\\Администраторы", // capture ru (fixture ru-four-runs-prompted.txt)
            "Administrators",
        ],
    ),
    (
        "S-1-5-32-545",
        &[
            "BUILTIN\\Users",         // capture
            "VORDEFINIERT\\Benutzer", // capture
            "BUILTIN\\Utilisateurs",  // capture fr (fixture fr-ext2srv-prompted.txt)
            // capture es: the two sources of BUILTIN\Administradores above
            "BUILTIN\\Usuarios",
            "Users",
        ],
    ),
    // en, de capture; ru capture (`screen Все:(F)`, a lab report,
    // https://github.com/skyreaper925/lanit_labs/blob/49907c2ff111dbcc0efb40e691622d440aa6e3a3/
    // lab2/report.md); fr/es GUESS
    ("S-1-1-0", &["Everyone", "Jeder", "Tout le monde", "Todos", "Все"]),
    (
        "S-1-3-0",
        &["CREATOR OWNER", "ERSTELLER-BESITZER", "CREATEUR PROPRIETAIRE", "PROPIETARIO CREADOR"],
    ),
    (
        "S-1-5-11",
        &[
            "NT AUTHORITY\\Authenticated Users",
            "NT-AUTORITÄT\\Authentifizierte Benutzer",
            "AUTORITE NT\\Utilisateurs authentifiés",
            // capture es: the Calculadora_de_racks readback cited for BUILTIN\Administradores
            "NT AUTHORITY\\Usuarios autentificados",
        ],
    ),
    (
        "S-1-5-19",
        &[
            "NT AUTHORITY\\LOCAL SERVICE",
            "NT-AUTORITÄT\\LOKALER DIENST",
            "AUTORITE NT\\SERVICE LOCAL",
        ],
    ),
    (
        "S-1-5-20",
        &[
            "NT AUTHORITY\\NETWORK SERVICE",
            "NT-AUTORITÄT\\NETZWERKDIENST",
            "AUTORITE NT\\SERVICE RÉSEAU",
        ],
    ),
    (
        "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",
        &["NT SERVICE\\TrustedInstaller"],
    ),
    ("S-1-3-4", &["OWNER RIGHTS", "EIGENTÜMERRECHTE"]), // de capture
    (
        "S-1-15-2-1",
        &[
            "APPLICATION PACKAGE AUTHORITY\\ALL APPLICATION PACKAGES",
            "ZERTIFIZIERUNGSSTELLE FÜR ANWENDUNGSPAKETE\\ALLE ANWENDUNGSPAKETE", // capture
            // capture fr (fixture fr-ext2srv-prompted.txt), U+2019 apostrophes as printed
            "AUTORITÉ DE PACKAGE D\u{2019}APPLICATION\\TOUS LES PACKAGES D\u{2019}APPLICATION",
        ],
    ),
    (
        "S-1-15-2-2",
        &[
            "APPLICATION PACKAGE AUTHORITY\\ALL RESTRICTED APPLICATION PACKAGES",
            "APPLICATION PACKAGE AUTHORITY\\ALL RESTRICTED APP PACKAGES",
            "ZERTIFIZIERUNGSSTELLE FÜR ANWENDUNGSPAKETE\\ALLE EINGESCHRÄNKTEN ANWENDUNGSPAKETE",
            // capture fr (fixture fr-ext2srv-prompted.txt)
            "AUTORITÉ DE PACKAGE D\u{2019}APPLICATION\\TOUS LES PACKAGES D\u{2019}APPLICATION \
             RESTREINTS",
        ],
    ),
];

/// The SID of a principal: the SID itself when icacls printed one (`S-1-5-21-...`, `*S-1-1-0`),
/// the well-known SID when the name is known in some display language, else None.
pub fn sid_of(principal: &str) -> Option<String> {
    let p = principal.trim();
    let bare = p.strip_prefix('*').unwrap_or(p);
    if is_sid(bare) {
        return Some(bare.to_ascii_uppercase());
    }
    let lower = p.to_lowercase();
    WELL_KNOWN
        .iter()
        .find(|(_, names)| names.iter().any(|n| n.to_lowercase() == lower))
        .map(|(sid, _)| (*sid).to_string())
}

/// `S-1-5-32-544` and friends.
pub fn is_sid(s: &str) -> bool {
    let mut parts = s.split('-');
    let head = parts.next().is_some_and(|h| h.eq_ignore_ascii_case("S"));
    let rest: Vec<&str> = parts.collect();
    head && rest.len() >= 2
        && rest.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localized_names_map_to_one_sid() {
        assert_eq!(sid_of("NT-AUTORITÄT\\SYSTEM").as_deref(), Some("S-1-5-18"));
        assert_eq!(sid_of("nt authority\\system").as_deref(), Some("S-1-5-18"));
        assert_eq!(sid_of("VORDEFINIERT\\Administratoren").as_deref(), Some("S-1-5-32-544"));
        assert_eq!(sid_of("*S-1-5-32-545").as_deref(), Some("S-1-5-32-545"));
        assert_eq!(sid_of("S-1-5-21-1-2-3-1001").as_deref(), Some("S-1-5-21-1-2-3-1001"));
        assert_eq!(sid_of("CONTOSO\\alice"), None);
        // Names from captures in other languages.
        assert_eq!(sid_of("AUTORITE NT\\Système").as_deref(), Some("S-1-5-18"));
        assert_eq!(sid_of("AUTORIDADE NT\\SISTEMA").as_deref(), Some("S-1-5-18"));
        assert_eq!(sid_of("BUILTIN\\Administradores").as_deref(), Some("S-1-5-32-544"));
        assert_eq!(sid_of("BUILTIN\\Usuarios").as_deref(), Some("S-1-5-32-545"));
        assert_eq!(sid_of("NT AUTHORITY\\Usuarios autentificados").as_deref(), Some("S-1-5-11"));
    }
}
