//! The `SACDOC_*` environment variables (and the proxy ones every HTTP client reads), read in this
//! one place. Nothing below the binary reads
//! the environment: what is read here is handed down as values.

use std::path::PathBuf;

/// Every environment variable sacdoc reads, with what it is for (shown by `sacdoc config`).
pub const VARIABLES: &[(&str, &str)] = &[
    ("SACDOC_CONFIG", "the configuration file to read instead of the default one"),
    ("SACDOC_USER", "user for the cmd-channel login"),
    ("SACDOC_DOMAIN", "domain for the login (empty: a local account)"),
    ("SACDOC_PASSWORD", "password for the login (never written anywhere)"),
    ("SACDOC_STATE_DIR", "folder of transcripts, local backups and pending follow-ups"),
    ("SACDOC_PREFIX", "the text UI's menu key (ctrl-a, ctrl-b, ...)"),
    ("SACDOC_AZURE_TOKEN", "Azure access token (else `az account get-access-token`)"),
    ("SACDOC_AZURE_ARM_ENDPOINT", "Azure management endpoint (other clouds)"),
    ("SACDOC_AZURE_WS_BASE", "replaces scheme and host of the Serial Console websocket"),
    ("SACDOC_AZURE_CA_FILE", "extra trusted root certificates (PEM) for Azure"),
    ("SACDOC_AZURE_LEGACY_FLOW", "1: the relay's older flow (token sent as console input)"),
    ("SACDOC_AZURE_BYTE_PER_MESSAGE", "1: one websocket message per byte, as `az` sends keys"),
    ("SACDOC_AZURE_TAKEOVER_TEXT", "extra text that marks a portal takeover in a close reason"),
    (
        "HTTPS_PROXY",
        "http://[USER:PASSWORD@]HOST:PORT proxy for Azure (also https_proxy, ALL_PROXY)",
    ),
    ("NO_PROXY", "hosts reached without the proxy, comma-separated (also no_proxy)"),
];

/// A snapshot of the `SACDOC_*` variables (blank values count as unset).
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub config: Option<PathBuf>,
    pub user: Option<String>,
    pub domain: Option<String>,
    pub password: Option<String>,
    pub state_dir: Option<PathBuf>,
    pub prefix: Option<String>,
    pub azure_token: Option<String>,
    pub azure_arm_endpoint: Option<String>,
    pub azure_ws_base: Option<String>,
    pub azure_ca_file: Option<PathBuf>,
    pub azure_legacy_flow: bool,
    pub azure_byte_per_message: bool,
    pub azure_takeover_text: Option<String>,
    /// `https_proxy`, else `HTTPS_PROXY`, else `all_proxy`/`ALL_PROXY` (curl's order).
    pub https_proxy: Option<String>,
    pub no_proxy: Option<String>,
}

impl Env {
    /// Reads the process environment now.
    pub fn from_process() -> Env {
        Env::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads through `get` (the process environment, or a table in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Env {
        let text = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let path = |k: &str| text(k).map(PathBuf::from);
        let on = |k: &str| text(k).is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
        Env {
            config: path("SACDOC_CONFIG"),
            user: text("SACDOC_USER"),
            domain: get("SACDOC_DOMAIN"),
            password: get("SACDOC_PASSWORD").filter(|v| !v.is_empty()),
            state_dir: path("SACDOC_STATE_DIR"),
            prefix: text("SACDOC_PREFIX"),
            azure_token: text("SACDOC_AZURE_TOKEN"),
            azure_arm_endpoint: text("SACDOC_AZURE_ARM_ENDPOINT"),
            azure_ws_base: text("SACDOC_AZURE_WS_BASE"),
            azure_ca_file: path("SACDOC_AZURE_CA_FILE"),
            azure_legacy_flow: on("SACDOC_AZURE_LEGACY_FLOW"),
            azure_byte_per_message: on("SACDOC_AZURE_BYTE_PER_MESSAGE"),
            azure_takeover_text: text("SACDOC_AZURE_TAKEOVER_TEXT"),
            https_proxy: ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
                .iter()
                .find_map(|k| text(k)),
            no_proxy: text("no_proxy").or_else(|| text("NO_PROXY")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_values_are_unset_and_flags_need_one_or_true() {
        let table = [
            ("SACDOC_USER", "  "),
            ("SACDOC_PASSWORD", " secret with spaces "),
            ("SACDOC_AZURE_LEGACY_FLOW", "TRUE"),
            ("SACDOC_AZURE_BYTE_PER_MESSAGE", "yes"),
        ];
        let env =
            Env::from_lookup(|k| table.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()));
        assert_eq!(env.user, None);
        assert_eq!(env.password.as_deref(), Some(" secret with spaces "));
        assert!(env.azure_legacy_flow);
        assert!(!env.azure_byte_per_message);
    }

    #[test]
    fn every_variable_read_is_listed() {
        let src = include_str!("env.rs");
        let read: std::collections::BTreeSet<&str> = src
            .match_indices("(\"SACDOC_")
            .map(|(i, _)| {
                let rest = &src[i + 2..];
                &rest[..rest.find('"').unwrap_or(0)]
            })
            .collect();
        for name in read {
            assert!(VARIABLES.iter().any(|(n, _)| *n == name), "{name} is not in VARIABLES");
        }
    }
}
