//! The Azure Resource Manager calls before the websocket: the subscription's Serial Console
//! status, the VM (existence, power state, boot diagnostics) and `serialPorts/0/connect`. The
//! first two only make errors clearer (as `az serial-console` does before connecting); when they
//! cannot be read the connect call still decides.

use serde_json::Value;

use super::http::{self, Response};
use super::net::{encode, Url};
use super::{AzureError, AzureVm, Endpoints, Token};

/// `api-version` of the Microsoft.SerialConsole calls (the one `az serial-console` uses).
pub const SERIAL_CONSOLE_API: &str = "2018-05-01";
/// `api-version` of the VM read.
pub const COMPUTE_API: &str = "2023-03-01";

fn vm_path(vm: &AzureVm) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/virtualMachines/{}",
        encode(&vm.subscription),
        encode(&vm.resource_group),
        encode(&vm.vm)
    )
}

/// One management call with the bearer token.
pub fn call(
    ep: &Endpoints,
    token: &Token,
    method: &str,
    path_and_query: &str,
    body: Option<&Value>,
) -> Result<Response, AzureError> {
    let url_text = format!("{}{}", ep.arm, path_and_query);
    let url = Url::parse(&url_text).map_err(|e| {
        AzureError::Http(format!("{} is not a usable management endpoint: {e}", ep.arm))
    })?;
    let auth = format!("Bearer {}", token.expose());
    let body_bytes = body.map(Value::to_string).unwrap_or_default();
    let mut headers = vec![("Authorization", auth.as_str())];
    if body.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    http::request(method, &url, &headers, body_bytes.as_bytes(), ep).map_err(|e| {
        AzureError::Http(token.redact(&format!(
            "{method} {}{}: {e}",
            ep.arm,
            short_path(path_and_query)
        )))
    })
}

/// The path without its query, for messages.
fn short_path(p: &str) -> &str {
    p.split('?').next().unwrap_or(p)
}

/// The error message Azure put in a JSON error body, if any.
fn azure_message(resp: &Response, token: &Token) -> String {
    let v: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    let code = v.pointer("/error/code").and_then(Value::as_str).unwrap_or("");
    let msg = v.pointer("/error/message").and_then(Value::as_str).unwrap_or("");
    match (code.is_empty(), msg.is_empty()) {
        (true, true) => String::new(),
        _ => token.redact(&format!(" (Azure said: {code}: {msg})")),
    }
}

/// Maps the common failures of any call.
fn common(resp: &Response, what: &str, vm: &AzureVm, token: &Token) -> Option<AzureError> {
    match resp.status {
        401 => Some(AzureError::TokenRejected { status: 401, what: what.to_string() }),
        403 => Some(AzureError::Forbidden {
            what: what.to_string(),
            vm: vm.to_string(),
            detail: azure_message(resp, token),
        }),
        404 => Some(AzureError::NotFound {
            what: what.to_string(),
            detail: azure_message(resp, token),
        }),
        _ => None,
    }
}

/// Serial Console must be enabled for the subscription. Unreadable status is not an error here.
pub fn check_console_enabled(
    ep: &Endpoints,
    token: &Token,
    vm: &AzureVm,
) -> Result<(), AzureError> {
    let path = format!(
        "/subscriptions/{}/providers/Microsoft.SerialConsole/consoleServices/default?api-version={SERIAL_CONSOLE_API}",
        encode(&vm.subscription)
    );
    let resp = call(ep, token, "GET", &path, None)?;
    if resp.status == 401 {
        return Err(AzureError::TokenRejected {
            status: 401,
            what: "the Serial Console status".into(),
        });
    }
    if resp.status != 200 {
        return Ok(());
    }
    let v: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    if v.pointer("/properties/disabled").and_then(Value::as_bool) == Some(true) {
        return Err(AzureError::ConsoleDisabled { subscription: vm.subscription.clone() });
    }
    Ok(())
}

/// The VM must exist, not be deallocated, and have boot diagnostics on.
pub fn check_vm(ep: &Endpoints, token: &Token, vm: &AzureVm) -> Result<(), AzureError> {
    let path = format!("{}?$expand=instanceView&api-version={COMPUTE_API}", vm_path(vm));
    let resp = call(ep, token, "GET", &path, None)?;
    let what = format!("VM {} in resource group {}", vm.vm, vm.resource_group);
    if let Some(e) = common(&resp, &what, vm, token) {
        return Err(e);
    }
    if resp.status != 200 {
        return Ok(());
    }
    let v: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    let power = v
        .pointer("/properties/instanceView/statuses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.get("code").and_then(Value::as_str))
        .find(|c| c.starts_with("PowerState/"))
        .unwrap_or("")
        .to_string();
    if power.contains("deallocat") {
        return Err(AzureError::NotRunning {
            vm: vm.vm.clone(),
            resource_group: vm.resource_group.clone(),
            state: power,
        });
    }
    let boot = v
        .pointer("/properties/diagnosticsProfile/bootDiagnostics/enabled")
        .and_then(Value::as_bool);
    if boot != Some(true) {
        return Err(AzureError::BootDiagnosticsOff {
            vm: vm.vm.clone(),
            resource_group: vm.resource_group.clone(),
        });
    }
    Ok(())
}

/// `serialPorts/0/connect`: the websocket URL of the console.
pub fn connect(ep: &Endpoints, token: &Token, vm: &AzureVm) -> Result<String, AzureError> {
    let path = format!(
        "{}/providers/Microsoft.SerialConsole/serialPorts/0/connect?api-version={SERIAL_CONSOLE_API}",
        vm_path(vm)
    );
    let resp = call(ep, token, "POST", &path, Some(&Value::Object(Default::default())))?;
    let what = "the serial port connect call".to_string();
    if let Some(e) = common(&resp, &what, vm, token) {
        return Err(e);
    }
    if resp.status != 200 {
        return Err(AzureError::Http(format!(
            "the serial port connect call answered HTTP {}{}",
            resp.status,
            azure_message(&resp, token)
        )));
    }
    let v: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    let conn = v
        .get("connectionString")
        .and_then(Value::as_str)
        .ok_or_else(|| AzureError::Http("the connect answer has no connectionString".into()))?;
    Ok(rebase(conn, ep.ws_base.as_deref()))
}

/// Replaces scheme and host of `url` with `base` (when given).
pub fn rebase(url: &str, base: Option<&str>) -> String {
    let Some(base) = base else { return url.to_string() };
    let path =
        url.split_once("://").map(|(_, rest)| rest).and_then(|r| r.find('/').map(|i| &r[i..]));
    format!("{base}{}", path.unwrap_or("/"))
}

/// All of it: the checks, then the connection string.
pub fn connection_string(
    ep: &Endpoints,
    token: &Token,
    vm: &AzureVm,
) -> Result<String, AzureError> {
    check_console_enabled(ep, token, vm)?;
    check_vm(ep, token, vm)?;
    connect(ep, token, vm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebase_keeps_the_path() {
        let u = "wss://eastus.gateway.serialconsole.azure.com/n/connector/c/sessions/s/client";
        assert_eq!(rebase(u, None), u);
        assert_eq!(
            rebase(u, Some("ws://127.0.0.1:9")),
            "ws://127.0.0.1:9/n/connector/c/sessions/s/client"
        );
    }
}
