//! One configuration, resolved once at the top: flag > environment (`SACDOC_*`) > configuration
//! file (a named console, then `[defaults]`) > sacdoc's default. Every command and the text UI
//! receive the resolved value; nothing below the binary reads the environment or a file it was
//! not handed.

pub mod env;
pub mod file;

use std::path::{Path, PathBuf};

pub use env::Env;
pub use file::{ConfigError, ConfigFile, ConsoleProfile};

use crate::transport::azure::proxy::Proxy;
use crate::transport::azure::{AzureOptions, AzureSettings, Endpoints, Token};

/// The environment and the configuration file, read once per command.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub env: Env,
    /// The file that was read (or would be: it may not exist).
    pub path: Option<PathBuf>,
    pub file: ConfigFile,
}

impl Config {
    /// Reads the environment, then the file it names (`SACDOC_CONFIG`) or the default one.
    pub fn load() -> Result<Config, ConfigError> {
        Config::load_from(Env::from_process())
    }

    /// Reads the file that `env` names, or the default one.
    pub fn load_from(env: Env) -> Result<Config, ConfigError> {
        let path = env.config.clone().or_else(file::default_path);
        let file = match &path {
            Some(p) => ConfigFile::load(p)?,
            None => ConfigFile::default(),
        };
        Ok(Config { env, path, file })
    }

    /// The named console from the file merged over `[defaults]`, or `[defaults]` alone when
    /// `name` is not a console's name.
    pub fn profile_for(&self, name: Option<&str>) -> (ConsoleProfile, Option<String>) {
        match name.and_then(|n| self.file.console(n).map(|c| (c, n.to_string()))) {
            Some((c, n)) => (c, Some(n)),
            None => (self.file.defaults.clone(), None),
        }
    }

    /// The root folder of sacdoc's own state (see [`state_dir_from`]).
    pub fn state_dir(&self) -> PathBuf {
        state_dir_from(&self.env, |k| std::env::var_os(k))
    }

    /// What an Azure console connection needs, from the environment.
    pub fn azure(&self) -> anyhow::Result<AzureSettings> {
        Ok(azure_settings(&self.env)?)
    }
}

/// The Azure settings the `SACDOC_AZURE_*` variables give.
/// A proxy that cannot be read is an error, not ignored: on a network that needs one, going
/// direct fails later with a less helpful message.
pub fn azure_settings(env: &Env) -> Result<AzureSettings, sacdoc_link::azure::proxy::ProxyError> {
    let mut endpoints = Endpoints::new(
        env.azure_arm_endpoint.as_deref(),
        env.azure_ws_base.as_deref(),
        env.azure_ca_file.clone(),
    );
    endpoints.proxy = Proxy::parse(env.https_proxy.as_deref(), env.no_proxy.as_deref())?;
    Ok(AzureSettings {
        endpoints,
        options: AzureOptions {
            first_message_is_handshake: !env.azure_legacy_flow,
            byte_per_message: env.azure_byte_per_message,
            takeover_text: env.azure_takeover_text.clone(),
        },
        token: env.azure_token.clone().map(Token::new),
    })
}

/// The root folder of sacdoc's own state: `SACDOC_STATE_DIR` if set, else
/// `$XDG_STATE_HOME/sacdoc`, else `$HOME/.local/state/sacdoc`, else `%LOCALAPPDATA%\sacdoc` on
/// Windows, else `./.sacdoc`. `os` looks up the platform's own variables.
pub fn state_dir_from(env: &Env, os: impl Fn(&str) -> Option<std::ffi::OsString>) -> PathBuf {
    if let Some(d) = &env.state_dir {
        return d.clone();
    }
    let var = |k: &str| os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if cfg!(windows) {
        if let Some(d) = var("LOCALAPPDATA") {
            return d.join("sacdoc");
        }
    }
    if let Some(d) = var("XDG_STATE_HOME") {
        return d.join("sacdoc");
    }
    if let Some(d) = var("HOME") {
        return d.join(".local").join("state").join("sacdoc");
    }
    if let Some(d) = var("LOCALAPPDATA") {
        return d.join("sacdoc");
    }
    PathBuf::from(".sacdoc")
}

/// Shows a path for `sacdoc config`, saying whether it exists.
pub fn describe_path(p: &Path) -> String {
    if p.exists() {
        p.display().to_string()
    } else {
        format!("{} (not there yet)", p.display())
    }
}
