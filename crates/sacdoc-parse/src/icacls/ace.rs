//! One icacls ACE: `<principal>:<groups>` where groups are `(I)(OI)(CI)(IO)(NP)(DENY)` flags
//! and a rights group: a simple right `(F)`, `(M)`, `(RX)`, `(R)`, `(W)`, `(D)`, `(N)` or a list
//! of specific / generic rights `(WD,AD,WEA,WA)`, `(GR,GE)`, `(W,Rc)`, `(NW)` on integrity labels.
//!
//! The principal contains spaces and backslashes and may even contain a colon, so the ACE is
//! read from the right: the longest run of `(...)` groups at the end, then the `:` before it.

use serde::Serialize;

use super::principals;

/// One access control entry as icacls prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ace {
    /// The principal as printed (`NT AUTHORITY\SYSTEM`, `VORDEFINIERT\Administratoren`, a SID).
    pub principal: String,
    /// `(DENY)` was present.
    pub deny: bool,
    /// `(I)` was present: the ACE comes from the parent.
    pub inherited: bool,
    /// Inheritance flags other than `I` and `DENY`, in printed order (`OI`, `CI`, `IO`, `NP`).
    pub flags: Vec<String>,
    /// Rights: one simple right or the specific/generic rights of the list, as printed.
    pub rights: Vec<String>,
    /// The well-known SID of the principal when its (possibly localized) name is known, or the
    /// SID itself when icacls printed one.
    pub sid: Option<String>,
}

impl Ace {
    /// True when the ACE grants (or denies) full control.
    pub fn is_full_control(&self) -> bool {
        self.rights.iter().any(|r| r == "F")
    }
}

/// Words icacls prints as flag groups; every other group is the rights group.
const FLAGS: [&str; 6] = ["I", "OI", "CI", "IO", "NP", "DENY"];

/// Splits `text` into (everything before the ACE's `:`, the groups part) when it ends with an
/// ACE spec, e.g. `C:\x NT AUTHORITY\SYSTEM:(I)(F)` -> (`C:\x NT AUTHORITY\SYSTEM`, `(I)(F)`).
pub fn split_spec(text: &str) -> Option<(&str, &str)> {
    let t = text.trim_end();
    let mut start = t.len();
    loop {
        let head = &t[..start];
        if !head.ends_with(')') {
            break;
        }
        let open = head.rfind('(')?;
        let inner = &head[open + 1..head.len() - 1];
        if inner.is_empty() || !inner.chars().all(|c| c.is_ascii_alphanumeric() || c == ',') {
            break;
        }
        start = open;
    }
    if start == t.len() {
        return None;
    }
    let before = t[..start].strip_suffix(':')?;
    if before.trim().is_empty() {
        return None;
    }
    Some((before, &t[start..]))
}

/// Builds an ACE from a principal and a groups part such as `(I)(OI)(CI)(RX)`.
/// Returns None when no rights group is present or more than one is.
pub fn from_parts(principal: &str, groups: &str) -> Option<Ace> {
    let mut deny = false;
    let mut inherited = false;
    let mut flags = Vec::new();
    let mut rights: Option<Vec<String>> = None;
    for group in groups.split(')').filter(|g| !g.is_empty()) {
        let word = group.strip_prefix('(')?;
        match word {
            "DENY" => deny = true,
            "I" => inherited = true,
            w if FLAGS.contains(&w) => flags.push(w.to_string()),
            w => {
                if rights.is_some() {
                    return None;
                }
                rights = Some(w.split(',').map(str::to_string).collect());
            }
        }
    }
    let principal = principal.trim().to_string();
    let sid = principals::sid_of(&principal);
    Some(Ace { principal, deny, inherited, flags, rights: rights?, sid })
}

/// Parses a whole line that is one ACE (a continuation line of a block).
pub fn parse_line(text: &str) -> Option<Ace> {
    let (principal, groups) = split_spec(text)?;
    from_parts(principal, groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_deny_and_lists() {
        let a = parse_line("  APPSANITY\\devdoc:(DENY)(W,X)").expect("ace");
        assert!(a.deny && !a.inherited);
        assert_eq!(a.rights, vec!["W", "X"]);
        let b = parse_line("BUILTIN\\Users:(I)(OI)(CI)(IO)(GR,GE)").expect("ace");
        assert!(b.inherited);
        assert_eq!(b.flags, vec!["OI", "CI", "IO"]);
        assert_eq!(b.rights, vec!["GR", "GE"]);
        let c = parse_line("Mandatory Label\\High Mandatory Level:(NW)").expect("ace");
        assert_eq!(c.principal, "Mandatory Label\\High Mandatory Level");
    }

    #[test]
    fn not_an_ace() {
        assert!(parse_line("C:\\x: Access is denied.").is_none());
        assert!(parse_line(":(F)").is_none());
        assert!(parse_line("X:(OI)(CI)").is_none());
        assert!(parse_line("X:(F)(M)").is_none());
        assert!(parse_line("Successfully processed 1 files; Failed processing 0 files").is_none());
    }
}
