//! The Azure Resource Manager bearer token: from `SACDOC_AZURE_TOKEN`, else from the Azure CLI
//! (`az account get-access-token --resource https://management.azure.com/`). It is a credential:
//! `Debug` hides it, and every message that might quote a URL or a server's answer goes through
//! [`Token::redact`] first.

use std::process::Command;

/// The environment variable holding a token.
pub const TOKEN_ENV: &str = "SACDOC_AZURE_TOKEN";
/// The resource the token must be for.
pub const ARM_RESOURCE: &str = "https://management.azure.com/";

/// A bearer token.
#[derive(Clone)]
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<hidden>)")
    }
}

impl Token {
    pub fn new(s: impl Into<String>) -> Token {
        Token(s.into().trim().to_string())
    }

    /// The token itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the token (plain or percent-encoded) replaced.
    pub fn redact(&self, text: &str) -> String {
        if self.0.is_empty() {
            return text.to_string();
        }
        text.replace(&self.0, "<token>").replace(&super::net::encode(&self.0), "<token>")
    }

    /// Asks the Azure CLI for a token.
    pub fn from_azure_cli() -> Result<Token, TokenError> {
        let az = if cfg!(windows) { "az.cmd" } else { "az" };
        let out = Command::new(az)
            .args(["account", "get-access-token", "--resource", ARM_RESOURCE])
            .args(["--query", "accessToken", "--output", "tsv"])
            .output()
            .map_err(TokenError::NoCli)?;
        let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !out.status.success() || token.is_empty() {
            let err = String::from_utf8_lossy(&out.stderr);
            let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("no output");
            return Err(TokenError::CliFailed(Token::new(&token).redact(first.trim())));
        }
        Ok(Token(token))
    }
}

/// Why no token came from the Azure CLI.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(
        "no Azure token: {TOKEN_ENV} is not set and the Azure CLI could not be run ({0}); install \
         it and run `az login`, or set {TOKEN_ENV} to the output of `az account \
         get-access-token --resource {ARM_RESOURCE} --query accessToken -o tsv`"
    )]
    NoCli(std::io::Error),
    /// The first line of the CLI's complaint (with any token redacted).
    #[error(
        "no Azure token: `az account get-access-token` failed ({0}); run `az login` (and `az \
         account set --subscription ...`), or set {TOKEN_ENV}"
    )]
    CliFailed(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_redact_hide_the_token() {
        let t = Token::new("eyJ0eXAi.secret+/=");
        assert_eq!(format!("{t:?}"), "Token(<hidden>)");
        let msg = format!(
            "GET /x?authorization={}&new=1 failed for eyJ0eXAi.secret+/=",
            super::super::net::encode(t.expose())
        );
        let clean = t.redact(&msg);
        assert!(!clean.contains("secret"), "{clean}");
        assert_eq!(clean.matches("<token>").count(), 2);
    }
}
