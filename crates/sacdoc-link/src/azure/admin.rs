//! Azure's admin actions on the console: send a non-maskable interrupt (NMI) or hard-reset the
//! VM, as the `az serial-console send nmi|reset` commands do: open the console, then
//! `POST {connectionString with https and /adminCommand/{nmi|reset}}` with the bearer token and
//! `{"command", "requestId", "commandParameters"}`. HTTP 200 is success.
//!
//! Both are drastic (an NMI is meant to crash Windows into a memory dump; a reset is pulling the
//! power), so the API takes a [`Confirmation`] that only the caller's explicit consent builds.

use serde_json::json;

use super::http;
use super::net::Url;
use super::{AzureError, AzureLink, AzureVm, Token};

/// An admin action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminCommand {
    /// A non-maskable interrupt: Windows stops with a bug check (and writes a dump when set up).
    Nmi,
    /// A hard reset, like pressing the reset button: unsaved data on the VM is lost.
    Reset,
}

impl AdminCommand {
    /// The name in the URL and the body.
    pub fn as_str(self) -> &'static str {
        match self {
            AdminCommand::Nmi => "nmi",
            AdminCommand::Reset => "reset",
        }
    }

    /// What it does, for a confirmation prompt and errors.
    pub fn consequence(self) -> &'static str {
        match self {
            AdminCommand::Nmi => {
                "crash the VM on purpose (a non-maskable interrupt stops Windows with a bug check)"
            }
            AdminCommand::Reset => {
                "hard-reset the VM, like powering it off and on: unsaved data on it is lost"
            }
        }
    }

    /// Parses `nmi` or `reset`.
    pub fn parse(s: &str) -> Option<AdminCommand> {
        match s.to_ascii_lowercase().as_str() {
            "nmi" => Some(AdminCommand::Nmi),
            "reset" => Some(AdminCommand::Reset),
            _ => None,
        }
    }
}

/// The user's explicit consent to one admin action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Confirmation {
    given: bool,
}

impl Confirmation {
    /// The user said yes (after being shown [`AdminCommand::consequence`]).
    pub fn given_by_user() -> Confirmation {
        Confirmation { given: true }
    }

    /// The user did not (yet) agree: [`send_admin`] refuses.
    pub fn not_given() -> Confirmation {
        Confirmation { given: false }
    }
}

/// The admin URL for a connection string: `wss`->`https`, `ws`->`http`, `/client`->`/adminCommand/X`.
pub fn admin_url(connection: &str, cmd: AdminCommand) -> String {
    let https = if let Some(rest) = connection.strip_prefix("wss://") {
        format!("https://{rest}")
    } else if let Some(rest) = connection.strip_prefix("ws://") {
        format!("http://{rest}")
    } else {
        connection.to_string()
    };
    let (path, query) = match https.split_once('?') {
        Some((p, q)) => (p.to_string(), format!("?{q}")),
        None => (https, String::new()),
    };
    let base = path.strip_suffix("/client").unwrap_or(&path);
    format!("{base}/adminCommand/{}{query}", cmd.as_str())
}

/// A random version-4 UUID for `requestId` (uniqueness, not secrecy, matters here).
fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Sends `cmd` over an open console link.
pub fn send_on(link: &AzureLink, cmd: AdminCommand, ok: Confirmation) -> Result<(), AzureError> {
    if !ok.given {
        return Err(AzureError::NotConfirmed(cmd.as_str(), cmd.consequence()));
    }
    let token: &Token = link.token();
    let url_text = admin_url(link.connection_string(), cmd);
    let url = Url::parse(&url_text).map_err(|e| AzureError::Http(token.redact(&e.to_string())))?;
    let body = json!({"command": cmd.as_str(), "requestId": request_id(), "commandParameters": {}});
    let auth = format!("Bearer {}", token.expose());
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
        ("Accept-Language", "en"),
    ];
    let resp = http::request("POST", &url, &headers, body.to_string().as_bytes(), link.endpoints())
        .map_err(|e| AzureError::Http(token.redact(&format!("sending {}: {e}", cmd.as_str()))))?;
    match resp.status {
        200 => Ok(()),
        401 => Err(AzureError::TokenRejected {
            status: 401,
            what: format!("the {} command", cmd.as_str()),
        }),
        403 => Err(AzureError::Forbidden {
            what: format!("the {} command", cmd.as_str()),
            vm: "the VM".into(),
            detail: String::new(),
        }),
        s => Err(AzureError::Http(format!("the {} command failed: HTTP {s}", cmd.as_str()))),
    }
}

/// Opens the console of `vm` and sends `cmd` (the `az serial-console send` flow).
pub fn send_admin(
    vm: &AzureVm,
    settings: &super::AzureSettings,
    cmd: AdminCommand,
    ok: Confirmation,
) -> Result<(), AzureError> {
    if !ok.given {
        return Err(AzureError::NotConfirmed(cmd.as_str(), cmd.consequence()));
    }
    let token = settings.token()?;
    let link = AzureLink::open_with(
        vm,
        &settings.endpoints,
        token,
        settings.options.clone(),
        vm.to_string(),
    )?;
    send_on(&link, cmd, ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_url_follows_the_cli() {
        assert_eq!(
            admin_url(
                "wss://eastus.gateway.serialconsole.azure.com/n/c/x/sessions/s/client",
                AdminCommand::Nmi
            ),
            "https://eastus.gateway.serialconsole.azure.com/n/c/x/sessions/s/adminCommand/nmi"
        );
        assert_eq!(
            admin_url("ws://127.0.0.1:5/a/client", AdminCommand::Reset),
            "http://127.0.0.1:5/a/adminCommand/reset"
        );
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}
