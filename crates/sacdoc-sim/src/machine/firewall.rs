//! The simulated Windows Firewall rules; `netsh advfirewall firewall` and the NetSecurity cmdlets.
//!
//! A rule carries both names Windows gives it: the internal `Name` PowerShell uses
//! (`RemoteDesktop-UserMode-In-TCP`, never translated) and the display name netsh matches
//! (`Remote Desktop - User Mode (TCP-In)`).

mod netsh;

use serde::{Deserialize, Serialize};

pub use self::netsh::netsh;

/// One firewall rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    pub display_name: String,
    pub description: String,
    /// Display group (`Grouping:` in netsh, `DisplayGroup` in PowerShell).
    pub group: String,
    /// The group's resource reference (`Group` in PowerShell), e.g. `@FirewallAPI.dll,-28752`.
    pub group_ref: String,
    pub enabled: bool,
    /// `true` for inbound.
    pub inbound: bool,
    /// `Domain,Private,Public` as netsh prints it.
    pub profiles: String,
    pub local_ip: String,
    pub remote_ip: String,
    /// `TCP`, `UDP` or `Any`.
    pub protocol: String,
    pub local_port: String,
    pub remote_port: String,
    pub program: String,
    pub service: String,
    pub allow: bool,
}

impl Rule {
    fn builtin(
        name: &str,
        display: &str,
        desc: &str,
        group: (&str, &str),
        proto: &str,
        port: &str,
    ) -> Rule {
        Rule {
            name: name.into(),
            display_name: display.into(),
            description: desc.into(),
            group: group.0.into(),
            group_ref: group.1.into(),
            enabled: true,
            inbound: true,
            profiles: "Domain,Private,Public".into(),
            local_ip: "Any".into(),
            remote_ip: "Any".into(),
            protocol: proto.into(),
            local_port: port.into(),
            remote_port: "Any".into(),
            program: "%SystemRoot%\\system32\\svchost.exe".into(),
            service: String::new(),
            allow: true,
        }
    }

    /// The profile set as PowerShell prints it (`Any` for all three).
    pub fn ps_profile(&self) -> String {
        let p = self.profiles.to_ascii_lowercase();
        if p == "any" || (p.contains("domain") && p.contains("private") && p.contains("public")) {
            "Any".into()
        } else {
            self.profiles.split(',').map(str::trim).collect::<Vec<_>>().join(", ")
        }
    }
}

const RDP_GROUP: (&str, &str) = ("Remote Desktop", "@FirewallAPI.dll,-28752");

/// Firewall rules, in the order netsh lists them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "FirewallSpec")]
pub struct Firewall {
    pub rules: Vec<Rule>,
}

impl Default for Firewall {
    fn default() -> Self {
        Firewall::from(FirewallSpec::default())
    }
}

/// The `[firewall]` scenario section: changes to the Server 2019 baseline rules.
///
/// ```toml
/// [firewall]
/// remove = ["RemoteDesktop-UserMode-In-UDP"]
/// [[firewall.rules]]
/// name = "RemoteDesktop-UserMode-In-TCP"
/// local_port = "3390"
/// enabled = false
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FirewallSpec {
    pub rules: Vec<RuleSpec>,
    pub remove: Vec<String>,
}

/// A rule to change (matched by internal name) or add.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleSpec {
    pub name: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub group: Option<String>,
    pub enabled: Option<bool>,
    pub inbound: Option<bool>,
    pub profiles: Option<String>,
    pub protocol: Option<String>,
    pub local_port: Option<String>,
    pub remote_ip: Option<String>,
    pub program: Option<String>,
    pub service: Option<String>,
    pub allow: Option<bool>,
}

impl From<FirewallSpec> for Firewall {
    fn from(spec: FirewallSpec) -> Self {
        let mut rules = baseline();
        rules.retain(|r| !spec.remove.iter().any(|n| n.eq_ignore_ascii_case(&r.name)));
        for s in spec.rules {
            let idx = match rules.iter().position(|r| r.name.eq_ignore_ascii_case(&s.name)) {
                Some(i) => i,
                None => {
                    let mut r = Rule::builtin(&s.name, &s.name, "", ("", ""), "Any", "Any");
                    r.program = "Any".into();
                    rules.push(r);
                    rules.len() - 1
                }
            };
            let r = &mut rules[idx];
            let set = |dst: &mut String, v: Option<String>| {
                if let Some(v) = v {
                    *dst = v;
                }
            };
            set(&mut r.display_name, s.display_name);
            set(&mut r.description, s.description);
            set(&mut r.group, s.group);
            set(&mut r.profiles, s.profiles);
            set(&mut r.protocol, s.protocol);
            set(&mut r.local_port, s.local_port);
            set(&mut r.remote_ip, s.remote_ip);
            set(&mut r.program, s.program);
            set(&mut r.service, s.service);
            r.enabled = s.enabled.unwrap_or(r.enabled);
            r.inbound = s.inbound.unwrap_or(r.inbound);
            r.allow = s.allow.unwrap_or(r.allow);
        }
        Firewall { rules }
    }
}

impl Firewall {
    /// The rule with this internal name.
    pub fn by_name(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.name.eq_ignore_ascii_case(name))
    }

    pub fn by_name_mut(&mut self, name: &str) -> Option<&mut Rule> {
        self.rules.iter_mut().find(|r| r.name.eq_ignore_ascii_case(name))
    }

    /// Whether an enabled inbound allow rule opens this TCP port.
    pub fn allows_tcp(&self, port: u16) -> bool {
        self.rules.iter().any(|r| {
            r.enabled
                && r.inbound
                && r.allow
                && (r.protocol.eq_ignore_ascii_case("TCP")
                    || r.protocol.eq_ignore_ascii_case("Any"))
                && port_matches(&r.local_port, port)
        })
    }
}

fn port_matches(spec: &str, port: u16) -> bool {
    spec.eq_ignore_ascii_case("Any")
        || spec.split(',').any(|p| match p.split_once('-') {
            Some((a, b)) => {
                a.trim().parse::<u16>().is_ok_and(|a| a <= port)
                    && b.trim().parse::<u16>().is_ok_and(|b| port <= b)
            }
            None => p.trim().parse::<u16>() == Ok(port),
        })
}

/// Windows Server 2019 rules the RDP procedure and its neighbours touch.
fn baseline() -> Vec<Rule> {
    let mut tcp = Rule::builtin(
        "RemoteDesktop-UserMode-In-TCP",
        "Remote Desktop - User Mode (TCP-In)",
        "Inbound rule for the Remote Desktop service to allow RDP traffic. [TCP 3389]",
        RDP_GROUP,
        "TCP",
        "3389",
    );
    tcp.service = "termservice".into();
    let mut udp = Rule::builtin(
        "RemoteDesktop-UserMode-In-UDP",
        "Remote Desktop - User Mode (UDP-In)",
        "Inbound rule for the Remote Desktop service to allow RDP traffic. [UDP 3389]",
        RDP_GROUP,
        "UDP",
        "3389",
    );
    udp.service = "termservice".into();
    let mut shadow = Rule::builtin(
        "RemoteDesktop-Shadow-In-TCP",
        "Remote Desktop - Shadow (TCP-In)",
        "Inbound rule for the Remote Desktop service to allow shadowing of an existing Remote Desktop session. (TCP-In)",
        RDP_GROUP,
        "TCP",
        "Any",
    );
    shadow.program = "%SystemRoot%\\system32\\RdpSa.exe".into();
    let mut winrm = Rule::builtin(
        "WINRM-HTTP-In-TCP",
        "Windows Remote Management (HTTP-In)",
        "Inbound rule for Windows Remote Management via WS-Management. [TCP 5985]",
        ("Windows Remote Management", "@FirewallAPI.dll,-30267"),
        "TCP",
        "5985",
    );
    winrm.program = "System".into();
    winrm.profiles = "Domain,Private".into();
    let mut smb = Rule::builtin(
        "FPS-SMB-In-TCP",
        "File and Printer Sharing (SMB-In)",
        "Inbound rule for File and Printer Sharing to allow Server Message Block transmission and reception via Named Pipes. [TCP 445]",
        ("File and Printer Sharing", "@FirewallAPI.dll,-28502"),
        "TCP",
        "445",
    );
    smb.program = "System".into();
    smb.enabled = false;
    vec![tcp, udp, shadow, winrm, smb]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_changes_apply_to_baseline() {
        let spec: FirewallSpec = toml::from_str(
            "remove = ['RemoteDesktop-UserMode-In-UDP']\n[[rules]]\nname = 'RemoteDesktop-UserMode-In-TCP'\nlocal_port = '3390'\n",
        )
        .unwrap();
        let fw = Firewall::from(spec);
        assert!(fw.by_name("RemoteDesktop-UserMode-In-UDP").is_none());
        assert!(fw.allows_tcp(3390));
        assert_eq!(
            fw.by_name("RemoteDesktop-UserMode-In-TCP").map(|r| r.local_port.as_str()),
            Some("3390")
        );
    }
}
