//! Azure Serial Console: `azure://SUBSCRIPTION/RESOURCE_GROUP/VM_NAME`, reached the way Azure's
//! own command-line extension (`az serial-console`) does:
//!
//! 1. a management-API bearer token ([`token`]);
//! 2. pre-flight checks that turn the usual refusals into advice: Serial Console disabled for the
//!    subscription, the VM missing or deallocated, boot diagnostics off ([`arm`]);
//! 3. `POST .../providers/Microsoft.SerialConsole/serialPorts/0/connect`, whose answer holds the
//!    websocket `connectionString`;
//! 4. a websocket to `connectionString?authorization=TOKEN&new=1`; the token is sent again as the
//!    first message, and again when the relay's first message (a handshake, not console output)
//!    arrives. Every later message is serial data.
//!
//! Both endpoints can be moved for tests and sovereign clouds: `SACDOC_AZURE_ARM_ENDPOINT`
//! (default `https://management.azure.com`) and `SACDOC_AZURE_WS_BASE` (replaces the scheme and
//! host of the connection string, e.g. `ws://127.0.0.1:8080`).
//!
//! The token never reaches a transcript (it is sent by this link, below the recorder), `describe()`
//! or an error message ([`token::Token::redact`]).
//!
//! A second user opening the console (portal or CLI) takes it over: the relay closes our websocket.
//! That ends the link with a final error that says so, and the reconnecting wrapper does not take
//! the console back.

pub mod admin;
pub mod arm;
pub mod http;
pub mod link;
pub mod net;
pub mod proxy;
pub mod token;

pub use admin::{send_admin, send_on, AdminCommand, Confirmation};
pub use link::{AzureLink, AzureOptions};
pub use token::{Token, TokenError};

/// Environment variable overriding the management endpoint.
pub const ARM_ENDPOINT_ENV: &str = "SACDOC_AZURE_ARM_ENDPOINT";
/// Environment variable overriding the websocket base (scheme and host).
pub const WS_BASE_ENV: &str = "SACDOC_AZURE_WS_BASE";
/// The public cloud's management endpoint.
pub const DEFAULT_ARM_ENDPOINT: &str = "https://management.azure.com";

/// One VM's serial console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureVm {
    pub subscription: String,
    pub resource_group: String,
    pub vm: String,
}

impl std::fmt::Display for AzureVm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "azure://{}/{}/{}", self.subscription, self.resource_group, self.vm)
    }
}

/// Where the Azure APIs are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The management (ARM) endpoint, without a trailing `/`.
    pub arm: String,
    /// Replaces scheme and host of the websocket connection string when set.
    pub ws_base: Option<String>,
    /// Extra trusted root certificates (PEM), for another cloud or a TLS-inspecting proxy.
    pub ca_file: Option<std::path::PathBuf>,
    /// The HTTP proxy every connection tunnels through (`HTTPS_PROXY`), with its `NO_PROXY`.
    pub proxy: Option<proxy::Proxy>,
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints {
            arm: DEFAULT_ARM_ENDPOINT.to_string(),
            ws_base: None,
            ca_file: None,
            proxy: None,
        }
    }
}

impl Endpoints {
    /// The public cloud, with what the configuration overrides (blank values count as unset;
    /// trailing `/` are dropped).
    pub fn new(
        arm: Option<&str>,
        ws_base: Option<&str>,
        ca_file: Option<std::path::PathBuf>,
    ) -> Endpoints {
        let clean =
            |v: &str| Some(v.trim().trim_end_matches('/').to_string()).filter(|v| !v.is_empty());
        Endpoints {
            arm: arm.and_then(clean).unwrap_or_else(|| DEFAULT_ARM_ENDPOINT.to_string()),
            ws_base: ws_base.and_then(clean),
            ca_file: ca_file.filter(|p| !p.as_os_str().is_empty()),
            proxy: None,
        }
    }
}

/// Everything an Azure console connection needs besides the VM, resolved by the binary from its
/// configuration (nothing here reads the environment).
#[derive(Debug, Clone, Default)]
pub struct AzureSettings {
    pub endpoints: Endpoints,
    pub options: AzureOptions,
    /// The access token when given (`SACDOC_AZURE_TOKEN`); otherwise the Azure CLI is asked.
    pub token: Option<Token>,
}

impl AzureSettings {
    /// The given token, else one from the Azure CLI (`az account get-access-token`).
    pub fn token(&self) -> Result<Token, AzureError> {
        match &self.token {
            Some(t) => Ok(t.clone()),
            None => Token::from_azure_cli().map_err(AzureError::NoToken),
        }
    }
}

/// Why the Azure console could not be used. Messages never contain the token.
#[derive(Debug, thiserror::Error)]
pub enum AzureError {
    #[error(transparent)]
    NoToken(#[from] TokenError),
    #[error("Azure rejected the token (HTTP {status} from {what}): it is expired or for the wrong tenant or resource; run `az login` again, or set SACDOC_AZURE_TOKEN to a fresh `az account get-access-token --resource https://management.azure.com/` token")]
    TokenRejected { status: u16, what: String },
    #[error("no permission (HTTP 403 from {what}): the signed-in account needs the Virtual Machine Contributor role (or one with Microsoft.SerialConsole/serialPorts/connect/action) on {vm}{detail}")]
    Forbidden { what: String, vm: String, detail: String },
    #[error("Azure Serial Console is disabled for subscription {subscription}; a subscription owner can enable it with `az serial-console enable` (or in the portal: Serial console > Enable)")]
    ConsoleDisabled { subscription: String },
    #[error("Azure Serial Console requires boot diagnostics, which are off for VM {vm}; enable them with `az vm boot-diagnostics enable --name {vm} --resource-group {resource_group}` (or in the portal: Boot diagnostics > Enable with managed storage), then connect again")]
    BootDiagnosticsOff { vm: String, resource_group: String },
    #[error("VM {vm} is deallocated (power state {state:?}); the serial console needs a running VM: `az vm start --name {vm} --resource-group {resource_group}`")]
    NotRunning { vm: String, resource_group: String, state: String },
    #[error("{what} was not found (HTTP 404): check the subscription, resource group and VM name in azure://SUBSCRIPTION/RESOURCE_GROUP/VM_NAME{detail}")]
    NotFound { what: String, detail: String },
    #[error("another user opened the serial console of {vm} (Azure portal or `az serial-console connect`) and took it over{reason}; sacdoc stopped rather than take it back. When they are done, run the command again (connecting takes the console over from whoever holds it)")]
    TakenOver { vm: String, reason: String },
    #[error("{0}")]
    Http(String),
    #[error("the serial console relay: {0}")]
    Relay(String),
    #[error("{0} is not confirmed: it would {1}; ask the user first and pass a Confirmation")]
    NotConfirmed(&'static str, &'static str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_default_to_the_public_cloud() {
        let e = Endpoints::default();
        assert_eq!(e.arm, "https://management.azure.com");
        assert!(e.ws_base.is_none());
        let vm = AzureVm { subscription: "s".into(), resource_group: "rg".into(), vm: "v".into() };
        assert_eq!(vm.to_string(), "azure://s/rg/v");
    }
}
