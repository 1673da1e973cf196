//! The few facts of the wider machine the security and PowerShell parts need (computer name, the
//! shell's user), read from `WinState` in one place so the rest of these modules do not depend on
//! its layout.

use super::acl::sid;
use crate::machine::state::WinState;
use crate::machine::ShellState;

/// The computer name when the state has none set.
pub const DEFAULT_COMPUTER_NAME: &str = "SACDOC-VM";

/// The computer name (`%COMPUTERNAME%`).
pub fn computer_name(st: &WinState) -> String {
    if st.computer_name.is_empty() {
        DEFAULT_COMPUTER_NAME.to_string()
    } else {
        st.computer_name.clone()
    }
}

/// The user the cmd channel is logged in as (Administrator when the shell does not say).
pub fn user_name(sh: &ShellState) -> String {
    if sh.user.is_empty() {
        "Administrator".to_string()
    } else {
        sh.user.clone()
    }
}

/// SIDs in the token of the elevated administrator running the cmd channel.
pub fn admin_token(st: &WinState, sh: &ShellState) -> Vec<String> {
    let mut t = vec![
        sid::ADMINISTRATORS.to_string(),
        sid::EVERYONE.to_string(),
        sid::USERS.to_string(),
        sid::AUTHENTICATED_USERS.to_string(),
        sid::INTERACTIVE.to_string(),
    ];
    let p = st.fs.principals(&computer_name(st));
    if let Some(s) = p.user_sid(&user_name(sh)) {
        t.insert(0, s);
    }
    t
}

/// SIDs in the token of a service running as NETWORK SERVICE (TermService).
pub fn network_service_token() -> Vec<String> {
    [sid::NETWORK_SERVICE, sid::EVERYONE, sid::AUTHENTICATED_USERS, sid::USERS, sid::SERVICE]
        .iter()
        .map(|s| s.to_string())
        .collect()
}
