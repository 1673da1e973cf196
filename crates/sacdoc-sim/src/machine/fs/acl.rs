//! Access control entries as NTFS keeps them: SIDs, access masks, inheritance flags, their icacls
//! display form (`BUILTIN\Administrators:(OI)(CI)(F)`) and their SDDL form
//! (`(A;OICI;FA;;;BA)`), plus the access check the simulated commands use.

use serde::{Deserialize, Serialize};

/// Well-known SIDs the simulated machine uses.
pub mod sid {
    pub const EVERYONE: &str = "S-1-1-0";
    pub const CREATOR_OWNER: &str = "S-1-3-0";
    pub const SYSTEM: &str = "S-1-5-18";
    pub const LOCAL_SERVICE: &str = "S-1-5-19";
    pub const NETWORK_SERVICE: &str = "S-1-5-20";
    pub const AUTHENTICATED_USERS: &str = "S-1-5-11";
    pub const INTERACTIVE: &str = "S-1-5-4";
    pub const SERVICE: &str = "S-1-5-6";
    pub const ADMINISTRATORS: &str = "S-1-5-32-544";
    pub const USERS: &str = "S-1-5-32-545";
    pub const TRUSTED_INSTALLER: &str =
        "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464";
    pub const ALL_APP_PACKAGES: &str = "S-1-15-2-1";
    pub const ALL_RESTRICTED_APP_PACKAGES: &str = "S-1-15-2-2";
}

/// Access mask bits (winnt.h) and the icacls simple rights built from them.
pub mod mask {
    pub const RD: u32 = 0x1;
    pub const WD: u32 = 0x2;
    pub const AD: u32 = 0x4;
    pub const REA: u32 = 0x8;
    pub const WEA: u32 = 0x10;
    pub const X: u32 = 0x20;
    pub const DC: u32 = 0x40;
    pub const RA: u32 = 0x80;
    pub const WA: u32 = 0x100;
    pub const DE: u32 = 0x1_0000;
    pub const RC: u32 = 0x2_0000;
    pub const WDAC: u32 = 0x4_0000;
    pub const WO: u32 = 0x8_0000;
    pub const S: u32 = 0x10_0000;
    pub const AS: u32 = 0x100_0000;
    pub const MA: u32 = 0x200_0000;
    pub const GA: u32 = 0x1000_0000;
    pub const GE: u32 = 0x2000_0000;
    pub const GW: u32 = 0x4000_0000;
    pub const GR: u32 = 0x8000_0000;
    /// FILE_ALL_ACCESS (icacls `F`, SDDL `FA`).
    pub const FULL: u32 = 0x1F_01FF;
    /// icacls `M`.
    pub const MODIFY: u32 = 0x13_01BF;
    /// FILE_GENERIC_READ | FILE_GENERIC_EXECUTE (icacls `RX`, SDDL `FX` is 0x1200A0).
    pub const READ_EXECUTE: u32 = 0x12_00A9;
    /// FILE_GENERIC_READ (icacls `R`, SDDL `FR`).
    pub const READ: u32 = 0x12_0089;
    /// icacls `W` (FILE_GENERIC_WRITE without READ_CONTROL).
    pub const WRITE: u32 = 0x10_0116;
    /// icacls `D`.
    pub const DELETE: u32 = 0x11_0000;
    /// SDDL `FW`.
    pub const FILE_GENERIC_WRITE: u32 = 0x12_0116;
    /// SDDL `FX`.
    pub const FILE_GENERIC_EXECUTE: u32 = 0x12_00A0;
}

/// One access control entry of a DACL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ace {
    pub sid: String,
    /// `false` for an access-denied ACE.
    pub allow: bool,
    pub mask: u32,
    pub oi: bool,
    pub ci: bool,
    pub np: bool,
    pub io: bool,
    /// Inherited from the parent (`(I)`, SDDL `ID`).
    pub inherited: bool,
}

impl Ace {
    pub fn allow(sid: &str, mask: u32) -> Ace {
        Ace {
            sid: sid.to_string(),
            allow: true,
            mask,
            oi: false,
            ci: false,
            np: false,
            io: false,
            inherited: false,
        }
    }
    pub fn deny(sid: &str, mask: u32) -> Ace {
        Ace { allow: false, ..Ace::allow(sid, mask) }
    }
    /// Sets OI and CI (applies to this folder, subfolders and files).
    pub fn oici(mut self) -> Ace {
        self.oi = true;
        self.ci = true;
        self
    }
    pub fn with_io(mut self) -> Ace {
        self.io = true;
        self
    }
    pub fn with_ci(mut self) -> Ace {
        self.ci = true;
        self
    }
    pub fn with_oi(mut self) -> Ace {
        self.oi = true;
        self
    }
    /// Whether the ACE applies to the object it is on (not inherit-only).
    pub fn effective(&self) -> bool {
        !self.io
    }
    fn same_flags(&self, other: &Ace) -> bool {
        self.oi == other.oi && self.ci == other.ci && self.np == other.np && self.io == other.io
    }
    /// Same principal, kind and inheritance flags: icacls merges rights into such an ACE.
    pub fn mergeable(&self, other: &Ace) -> bool {
        self.sid.eq_ignore_ascii_case(&other.sid)
            && self.allow == other.allow
            && self.inherited == other.inherited
            && self.same_flags(other)
    }
}

/// Sorts ACEs in the canonical order icacls keeps: explicit deny, explicit allow, inherited deny,
/// inherited allow (stable within each group).
pub fn canonical(aces: &mut [Ace]) {
    aces.sort_by_key(|a| (a.inherited, a.allow));
}

/// Maps generic rights in a mask to the file-specific rights they stand for.
pub fn map_generic(m: u32) -> u32 {
    let mut out = m & !(mask::GA | mask::GR | mask::GW | mask::GE);
    if m & mask::GA != 0 {
        out |= mask::FULL;
    }
    if m & mask::GR != 0 {
        out |= mask::READ;
    }
    if m & mask::GW != 0 {
        out |= mask::FILE_GENERIC_WRITE;
    }
    if m & mask::GE != 0 {
        out |= mask::FILE_GENERIC_EXECUTE;
    }
    out
}

const SIMPLE: [(&str, u32); 6] = [
    ("F", mask::FULL),
    ("M", mask::MODIFY),
    ("RX", mask::READ_EXECUTE),
    ("R", mask::READ),
    ("W", mask::WRITE),
    ("D", mask::DELETE),
];

/// Specific rights in the order icacls lists them; `Rc` is printed in that mixed case.
const SPECIFIC: [(&str, u32); 20] = [
    ("D", mask::DE),
    ("Rc", mask::RC),
    ("WDAC", mask::WDAC),
    ("WO", mask::WO),
    ("S", mask::S),
    ("AS", mask::AS),
    ("MA", mask::MA),
    ("GR", mask::GR),
    ("GW", mask::GW),
    ("GE", mask::GE),
    ("GA", mask::GA),
    ("RD", mask::RD),
    ("WD", mask::WD),
    ("AD", mask::AD),
    ("REA", mask::REA),
    ("WEA", mask::WEA),
    ("X", mask::X),
    ("DC", mask::DC),
    ("RA", mask::RA),
    ("WA", mask::WA),
];

/// The rights part of an icacls ACE, e.g. `F`, `R,W`, `W,Rc`, `WD,AD,WEA,WA` (without parentheses).
pub fn rights_text(m: u32) -> String {
    if m == 0 {
        return "N".into();
    }
    let mut parts: Vec<&str> = Vec::new();
    let mut taken = 0u32;
    for (name, bits) in SIMPLE {
        if m & bits == bits && bits & !taken != 0 {
            parts.push(name);
            taken |= bits;
        }
    }
    for (name, bit) in SPECIFIC {
        if m & bit != 0 && taken & bit == 0 {
            parts.push(name);
            taken |= bit;
        }
    }
    parts.join(",")
}

/// The flags part of an icacls ACE as icacls prints it: `(DENY)(I)(OI)(CI)(IO)(NP)`.
pub fn flags_text(a: &Ace) -> String {
    let mut s = String::new();
    if !a.allow {
        s.push_str("(DENY)");
    }
    if a.inherited {
        s.push_str("(I)");
    }
    if a.oi {
        s.push_str("(OI)");
    }
    if a.ci {
        s.push_str("(CI)");
    }
    if a.io {
        s.push_str("(IO)");
    }
    if a.np {
        s.push_str("(NP)");
    }
    s
}

/// A permission spec icacls does not take; the message is the spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadPerm(pub String);

/// Why an SDDL string cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SddlError {
    #[error("no DACL (D:) in {0:?}")]
    NoDacl(String),
    #[error("unterminated ACE in {0:?}")]
    Unterminated(String),
    #[error("unexpected {body:?} in {text:?}")]
    Unexpected { body: String, text: String },
    #[error("unknown SID alias {0:?}")]
    UnknownAlias(String),
    #[error("bad ACE ({0})")]
    BadAce(String),
    #[error("unsupported ACE type {0:?}")]
    AceType(String),
    #[error("bad ACE flags {0:?}")]
    AceFlags(String),
    #[error("unsupported ACE flag {0:?}")]
    AceFlag(String),
    #[error("bad access mask {0:?}")]
    Mask(String),
    #[error("unsupported access right {0:?}")]
    Right(String),
}

/// Parses an icacls permission spec such as `(OI)(CI)F`, `(F)`, `F`, `(R,W)` or `(OI)(CI)(RX)`.
pub fn parse_perm(spec: &str) -> Result<Ace, BadPerm> {
    let mut ace = Ace::allow("", 0);
    let mut rest = spec.trim();
    let mut rights = String::new();
    while !rest.is_empty() {
        let (tok, next) = if let Some(r) = rest.strip_prefix('(') {
            match r.find(')') {
                Some(end) => (&r[..end], &r[end + 1..]),
                None => return Err(BadPerm(spec.to_string())),
            }
        } else {
            let end = rest.find('(').unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        match tok.to_ascii_uppercase().as_str() {
            "OI" => ace.oi = true,
            "CI" => ace.ci = true,
            "IO" => ace.io = true,
            "NP" => ace.np = true,
            "I" => {}
            _ => {
                if !rights.is_empty() {
                    rights.push(',');
                }
                rights.push_str(tok);
            }
        }
        rest = next;
    }
    ace.mask = parse_rights(&rights).ok_or_else(|| BadPerm(spec.to_string()))?;
    Ok(ace)
}

/// Parses `F`, `M`, `RX`, `R`, `W`, `D`, `N` or a comma list of specific rights.
pub fn parse_rights(text: &str) -> Option<u32> {
    let mut m = 0u32;
    if text.is_empty() {
        return None;
    }
    for part in text.split(',') {
        let p = part.trim().to_ascii_uppercase();
        let bits = match p.as_str() {
            "F" => mask::FULL,
            "M" => mask::MODIFY,
            "RX" => mask::READ_EXECUTE,
            "R" => mask::READ,
            "W" => mask::WRITE,
            "D" => mask::DELETE,
            "N" => 0,
            "DE" => mask::DE,
            other => {
                SPECIFIC.iter().find(|(n, _)| n.eq_ignore_ascii_case(other)).map(|(_, b)| *b)?
            }
        };
        m |= bits;
    }
    Some(m)
}

/// SDDL aliases for the well-known SIDs (as Windows writes them).
const ALIASES: [(&str, &str); 12] = [
    ("WD", sid::EVERYONE),
    ("CO", sid::CREATOR_OWNER),
    ("SY", sid::SYSTEM),
    ("LS", sid::LOCAL_SERVICE),
    ("NS", sid::NETWORK_SERVICE),
    ("AU", sid::AUTHENTICATED_USERS),
    ("IU", sid::INTERACTIVE),
    ("SU", sid::SERVICE),
    ("BA", sid::ADMINISTRATORS),
    ("BU", sid::USERS),
    ("AC", sid::ALL_APP_PACKAGES),
    ("LA", ""),
];

fn sddl_sid(s: &str) -> String {
    if s.starts_with("S-1-5-21-") && s.ends_with("-500") {
        return "LA".into();
    }
    ALIASES
        .iter()
        .find(|(_, full)| !full.is_empty() && full.eq_ignore_ascii_case(s))
        .map(|(a, _)| a.to_string())
        .unwrap_or_else(|| s.to_string())
}

fn sddl_rights(m: u32) -> String {
    match m {
        mask::FULL => "FA".into(),
        mask::READ => "FR".into(),
        mask::FILE_GENERIC_WRITE => "FW".into(),
        mask::FILE_GENERIC_EXECUTE => "FX".into(),
        mask::GA => "GA".into(),
        mask::GR => "GR".into(),
        mask::GW => "GW".into(),
        mask::GE => "GE".into(),
        _ => format!("0x{m:x}"),
    }
}

/// A DACL in SDDL form: `D:PAI(A;OICI;FA;;;SY)(A;;0x12019f;;;WD)`.
pub fn to_sddl(protected: bool, aces: &[Ace]) -> String {
    let mut s = String::from("D:");
    if protected {
        s.push('P');
    }
    s.push_str("AI");
    for a in aces {
        let mut f = String::new();
        for (on, t) in [(a.oi, "OI"), (a.ci, "CI"), (a.np, "NP"), (a.io, "IO"), (a.inherited, "ID")]
        {
            if on {
                f.push_str(t);
            }
        }
        s.push_str(&format!(
            "({};{};{};;;{})",
            if a.allow { "A" } else { "D" },
            f,
            sddl_rights(a.mask),
            sddl_sid(&a.sid)
        ));
    }
    s
}

/// A parsed security descriptor string: optional owner, DACL protection and ACEs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sddl {
    pub owner: Option<String>,
    pub protected: bool,
    pub aces: Vec<Ace>,
}

/// Parses `O:<sid>D:<flags>(ace)(ace)...`; `machine_sid` resolves the `LA` alias.
pub fn parse_sddl(text: &str, machine_sid: &str) -> Result<Sddl, SddlError> {
    let t = text.trim().trim_start_matches('\u{feff}');
    let mut out = Sddl { owner: None, protected: false, aces: Vec::new() };
    let mut rest = t;
    if let Some(r) = rest.strip_prefix("O:") {
        let end = r.find("D:").or_else(|| r.find("G:")).unwrap_or(r.len());
        out.owner = Some(resolve_alias(&r[..end], machine_sid)?);
        rest = &r[end..];
    }
    if let Some(r) = rest.strip_prefix("G:") {
        let end = r.find("D:").unwrap_or(r.len());
        rest = &r[end..];
    }
    let Some(r) = rest.strip_prefix("D:") else {
        if out.owner.is_some() && rest.is_empty() {
            return Ok(out);
        }
        return Err(SddlError::NoDacl(text.to_string()));
    };
    let open = r.find('(').unwrap_or(r.len());
    let flags = &r[..open];
    out.protected = flags.contains('P');
    let mut body = &r[open..];
    while let Some(b) = body.strip_prefix('(') {
        let end = b.find(')').ok_or_else(|| SddlError::Unterminated(text.to_string()))?;
        out.aces.push(parse_sddl_ace(&b[..end], machine_sid)?);
        body = &b[end + 1..];
    }
    if !body.trim().is_empty() && !body.starts_with('S') {
        return Err(SddlError::Unexpected { body: body.to_string(), text: text.to_string() });
    }
    Ok(out)
}

fn resolve_alias(s: &str, machine_sid: &str) -> Result<String, SddlError> {
    let u = s.to_ascii_uppercase();
    if u == "LA" {
        return Ok(format!("{machine_sid}-500"));
    }
    if u.starts_with("S-1-") {
        return Ok(u);
    }
    ALIASES
        .iter()
        .find(|(a, full)| *a == u && !full.is_empty())
        .map(|(_, full)| full.to_string())
        .ok_or_else(|| SddlError::UnknownAlias(s.to_string()))
}

fn parse_sddl_ace(body: &str, machine_sid: &str) -> Result<Ace, SddlError> {
    let f: Vec<&str> = body.split(';').collect();
    if f.len() < 6 {
        return Err(SddlError::BadAce(body.to_string()));
    }
    let allow = match f[0] {
        "A" => true,
        "D" => false,
        other => return Err(SddlError::AceType(other.to_string())),
    };
    let mut ace = Ace::allow(&resolve_alias(f[5], machine_sid)?, 0);
    ace.allow = allow;
    let flags = f[1].to_ascii_uppercase();
    if !flags.is_ascii() || !flags.len().is_multiple_of(2) {
        return Err(SddlError::AceFlags(f[1].to_string()));
    }
    let mut i = 0;
    while i + 2 <= flags.len() {
        match &flags[i..i + 2] {
            "OI" => ace.oi = true,
            "CI" => ace.ci = true,
            "NP" => ace.np = true,
            "IO" => ace.io = true,
            "ID" => ace.inherited = true,
            other => return Err(SddlError::AceFlag(other.to_string())),
        }
        i += 2;
    }
    let r = f[2].to_ascii_uppercase();
    ace.mask = match r.as_str() {
        "FA" => mask::FULL,
        "FR" => mask::READ,
        "FW" => mask::FILE_GENERIC_WRITE,
        "FX" => mask::FILE_GENERIC_EXECUTE,
        "GA" => mask::GA,
        "GR" => mask::GR,
        "GW" => mask::GW,
        "GE" => mask::GE,
        hex if hex.starts_with("0X") => {
            u32::from_str_radix(&hex[2..], 16).map_err(|_| SddlError::Mask(f[2].to_string()))?
        }
        other => return Err(SddlError::Right(other.to_string())),
    };
    Ok(ace)
}

/// Decides whether a token (the SIDs it holds) gets `desired` on an object with this owner and
/// effective DACL. The owner implicitly holds READ_CONTROL and WRITE_DAC, which deny ACEs cannot take
/// away, as on Windows.
pub fn access_granted(owner: &str, aces: &[Ace], token: &[&str], desired: u32) -> bool {
    let holds = |s: &str| token.iter().any(|t| t.eq_ignore_ascii_case(s));
    let mut granted = 0u32;
    if holds(owner) {
        granted |= mask::RC | mask::WDAC;
    }
    for a in aces.iter().filter(|a| a.effective()) {
        if !holds(&a.sid) {
            continue;
        }
        let m = map_generic(a.mask);
        if a.allow {
            granted |= m;
        } else if m & desired & !granted != 0 {
            return false;
        }
        if desired & !granted == 0 {
            return true;
        }
    }
    desired & !granted == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rights_are_named_as_icacls_names_them() {
        assert_eq!(rights_text(mask::FULL), "F");
        assert_eq!(rights_text(0x12019f), "R,W");
        assert_eq!(rights_text(0x120116), "W,Rc");
        assert_eq!(rights_text(0x116), "WD,AD,WEA,WA");
        assert_eq!(rights_text(mask::READ_EXECUTE | mask::AD | mask::WA), "RX,AD,WA");
        assert_eq!(rights_text(mask::GR | mask::GE), "GR,GE");
        assert_eq!(rights_text(mask::MODIFY), "M");
        assert_eq!(rights_text(mask::AD), "AD");
    }

    #[test]
    fn sddl_round_trips() {
        let m = "S-1-5-21-1-2-3";
        let s = "D:PAI(A;OICI;FA;;;SY)(A;;0x12019f;;;WD)(D;OICIIOID;FR;;;S-1-5-21-1-2-3-1001)(A;;FA;;;LA)";
        let p = parse_sddl(s, m).unwrap();
        assert!(p.protected);
        assert_eq!(to_sddl(p.protected, &p.aces), s);
    }

    #[test]
    fn deny_wins_unless_owner_rights() {
        let aces = vec![Ace::deny(sid::ADMINISTRATORS, mask::FULL)];
        let tok = [sid::ADMINISTRATORS];
        assert!(!access_granted(sid::SYSTEM, &aces, &tok, mask::RC));
        assert!(access_granted(sid::ADMINISTRATORS, &aces, &tok, mask::RC | mask::WDAC));
    }

    #[test]
    fn bad_sddl_is_an_error_not_a_panic() {
        for bad in [
            "D:(A;é;FA;;;SY)",
            "D:(A;OIC;FA;;;SY)",
            "D:(X;;FA;;;SY)",
            "D:(A;;FA;;;ZZ)",
            "D:(A;;FA",
            "O:",
        ] {
            assert!(parse_sddl(bad, "S-1-5-21-1").is_err(), "{bad}");
        }
    }

    #[test]
    fn perm_specs_parse() {
        let a = parse_perm("(OI)(CI)(F)").unwrap();
        assert!(a.oi && a.ci && a.mask == mask::FULL);
        assert_eq!(parse_perm("R").unwrap().mask, mask::READ);
        assert_eq!(parse_perm("(R,W)").unwrap().mask, 0x12019f);
        assert!(parse_perm("(bogus)").is_err());
    }
}
