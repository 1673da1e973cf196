//! Account names and SIDs: how icacls prints a principal (`NT AUTHORITY\SYSTEM`,
//! `BUILTIN\Administrators`, `WIN-VM\azureuser`) and how it resolves what the user typed
//! (`System`, `NT AUTHORITY\System`, `Administrators`, `*S-1-5-32-544`).

use super::acl::sid;

/// The names the local security authority knows: the well-known accounts plus the machine's local
/// users (SIDs `<machine_sid>-<rid>`).
#[derive(Debug, Clone)]
pub struct Principals {
    pub computer: String,
    pub machine_sid: String,
    /// Local users as (name, RID).
    pub users: Vec<(String, u32)>,
}

const WELL_KNOWN: [(&str, &str, &str); 13] = [
    (sid::EVERYONE, "", "Everyone"),
    (sid::CREATOR_OWNER, "", "CREATOR OWNER"),
    (sid::SYSTEM, "NT AUTHORITY", "SYSTEM"),
    (sid::LOCAL_SERVICE, "NT AUTHORITY", "LOCAL SERVICE"),
    (sid::NETWORK_SERVICE, "NT AUTHORITY", "NETWORK SERVICE"),
    (sid::AUTHENTICATED_USERS, "NT AUTHORITY", "Authenticated Users"),
    (sid::INTERACTIVE, "NT AUTHORITY", "INTERACTIVE"),
    (sid::SERVICE, "NT AUTHORITY", "SERVICE"),
    (sid::ADMINISTRATORS, "BUILTIN", "Administrators"),
    (sid::USERS, "BUILTIN", "Users"),
    (sid::TRUSTED_INSTALLER, "NT SERVICE", "TrustedInstaller"),
    (sid::ALL_APP_PACKAGES, "APPLICATION PACKAGE AUTHORITY", "ALL APPLICATION PACKAGES"),
    (
        sid::ALL_RESTRICTED_APP_PACKAGES,
        "APPLICATION PACKAGE AUTHORITY",
        "ALL RESTRICTED APPLICATION PACKAGES",
    ),
];

impl Principals {
    /// The SID of a local user, if the machine has one by that name.
    pub fn user_sid(&self, name: &str) -> Option<String> {
        self.users
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, rid)| format!("{}-{rid}", self.machine_sid))
    }

    /// The display name of a SID as icacls prints it; unknown SIDs print as the SID itself.
    pub fn name_of(&self, s: &str) -> String {
        if let Some((_, dom, name)) = WELL_KNOWN.iter().find(|(k, _, _)| k.eq_ignore_ascii_case(s))
        {
            return if dom.is_empty() { name.to_string() } else { format!("{dom}\\{name}") };
        }
        if let Some(rid) = s.strip_prefix(&format!("{}-", self.machine_sid)) {
            if let Some((n, _)) = self.users.iter().find(|(_, r)| r.to_string() == rid) {
                return format!("{}\\{n}", self.computer);
            }
        }
        s.to_string()
    }

    /// Resolves an account name as typed (`System`, `NT AUTHORITY\System`, `*S-1-5-18`,
    /// `Administrators`, `HOST\user`, `user`); `None` when no such account exists.
    pub fn sid_of(&self, typed: &str) -> Option<String> {
        let t = typed.trim().trim_matches('"');
        if let Some(raw) = t.strip_prefix('*') {
            return raw.to_ascii_uppercase().starts_with("S-1-").then(|| raw.to_ascii_uppercase());
        }
        if t.to_ascii_uppercase().starts_with("S-1-") {
            return Some(t.to_ascii_uppercase());
        }
        let (dom, name) = match t.rsplit_once('\\') {
            Some((d, n)) => (Some(d), n),
            None => (None, t),
        };
        for (s, wdom, wname) in WELL_KNOWN {
            let dom_ok = match dom {
                None => true,
                Some(d) => d.eq_ignore_ascii_case(wdom),
            };
            if dom_ok && name.eq_ignore_ascii_case(wname) {
                return Some(s.to_string());
            }
        }
        let local_dom_ok = match dom {
            None => true,
            Some(d) => d.eq_ignore_ascii_case(&self.computer) || d == ".",
        };
        if local_dom_ok {
            return self.user_sid(name);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Principals {
        Principals {
            computer: "VM1".into(),
            machine_sid: "S-1-5-21-1-2-3".into(),
            users: vec![("Administrator".into(), 500), ("azureuser".into(), 1000)],
        }
    }

    #[test]
    fn names_resolve_both_ways() {
        let p = p();
        assert_eq!(p.sid_of("NT AUTHORITY\\System").as_deref(), Some(sid::SYSTEM));
        assert_eq!(p.sid_of("administrators").as_deref(), Some(sid::ADMINISTRATORS));
        assert_eq!(p.sid_of("VM1\\azureuser").as_deref(), Some("S-1-5-21-1-2-3-1000"));
        assert_eq!(p.sid_of("*S-1-5-20").as_deref(), Some(sid::NETWORK_SERVICE));
        assert_eq!(p.sid_of("nobody"), None);
        assert_eq!(p.name_of(sid::NETWORK_SERVICE), "NT AUTHORITY\\NETWORK SERVICE");
        assert_eq!(p.name_of("S-1-5-21-1-2-3-500"), "VM1\\Administrator");
        assert_eq!(p.name_of("S-1-5-21-9-9-9-1001"), "S-1-5-21-9-9-9-1001");
    }
}
