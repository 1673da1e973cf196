//! Cmdlets over the certificate provider (`Cert:\LocalMachine\<store>`) and the NetSecurity module
//! (Get/Set-NetFirewallRule, Get-NetFirewallPortFilter).

use super::format::ErrorRecord;
use super::value::{Obj, Value, View};
use super::{Bound, CmdResult, Ctx};
use crate::machine::certs::Certificate;
use crate::machine::firewall::Rule;
use crate::machine::fs::path;

fn err(command: &str, message: String, category: String, fqid: &str) -> ErrorRecord {
    ErrorRecord { command: command.to_string(), message, category, fqid: fqid.to_string() }
}

fn not_found(cmdlet: &str, class: &str, p: &str) -> ErrorRecord {
    err(
        cmdlet,
        format!("Cannot find path '{p}' because it does not exist."),
        format!("ObjectNotFound: ({p}:String) [{cmdlet}], ItemNotFoundException"),
        &format!("PathNotFound,Microsoft.PowerShell.Commands.{class}"),
    )
}

/// A `Cert:` path split into (location as typed, store as typed, thumbprint).
fn cert_path(p: &str) -> Option<(String, Option<String>, Option<String>)> {
    let rest = p.trim().strip_prefix("Cert:").or_else(|| p.trim().strip_prefix("cert:")).or_else(
        || {
            let l = p.trim();
            l.get(..5).filter(|x| x.eq_ignore_ascii_case("cert:")).map(|_| &l[5..])
        },
    )?;
    let parts: Vec<&str> = rest.split('\\').filter(|s| !s.is_empty()).collect();
    let loc = parts.first().map_or("LocalMachine".to_string(), |s| s.to_string());
    Some((loc, parts.get(1).map(|s| s.to_string()), parts.get(2).map(|s| s.to_ascii_uppercase())))
}

fn cert_obj(c: &Certificate, loc: &str, store: &str) -> Value {
    let parent = format!("Microsoft.PowerShell.Security\\Certificate::{loc}\\{store}");
    let mut o =
        Obj::new("System.Security.Cryptography.X509Certificates.X509Certificate2", View::Cert)
            .with("Subject", Value::s(c.subject.clone()))
            .with("Issuer", Value::s(c.issuer.clone()))
            .with("Thumbprint", Value::s(c.thumbprint.clone()))
            .with("FriendlyName", Value::s(c.friendly_name.clone()))
            .with("NotBefore", Value::Date(c.not_before))
            .with("NotAfter", Value::Date(c.not_after))
            .with(
                "Extensions",
                Value::List(vec![
                    Value::s("System.Security.Cryptography.Oid"),
                    Value::s("System.Security.Cryptography.Oid"),
                ]),
            )
            // The certificate's key provider information, not the key file: it stays `True` when
            // the file is gone or unreadable (CryptoPro/libcore issue #14: a LocalMachine
            // certificate with HasPrivateKey = true whose signing fails "Keyset does not exist").
            .with("HasPrivateKey", Value::Bool(c.key_file.is_some()))
            .with("PSPath", Value::s(format!("{parent}\\{}", c.thumbprint)))
            .with("PSParentPath", Value::s(parent));
    o.list_props = Some(vec![
        "Subject",
        "Issuer",
        "Thumbprint",
        "FriendlyName",
        "NotBefore",
        "NotAfter",
        "Extensions",
    ]);
    Value::Obj(o)
}

/// Get-ChildItem, Remove-Item and Export-Certificate.
pub fn items(ctx: &mut Ctx, b: &Bound, name: &str, _typed: &str, input: Vec<Value>) -> CmdResult {
    let (cmdlet, class) = match name {
        "get-childitem" => ("Get-ChildItem", "GetChildItemCommand"),
        "remove-item" => ("Remove-Item", "RemoveItemCommand"),
        _ => ("Export-Certificate", "ExportCertificateCommand"),
    };
    if name == "export-certificate" {
        return export(ctx, b, input);
    }
    let p = b
        .get_or_pos("path", 0)
        .or_else(|| b.get("literalpath"))
        .unwrap_or_else(|| ctx.sh.cwd.clone());
    let Some((loc, store, thumb)) = cert_path(&p) else {
        return file_item(ctx, &p, cmdlet, class, name == "remove-item");
    };
    let Some(store) = store else {
        return Ok(ctx.st.certs.store_names().into_iter().map(Value::s).collect());
    };
    let known = ctx.st.certs.stores.keys().any(|k| k.eq_ignore_ascii_case(&store));
    if !known {
        return Err(not_found(cmdlet, class, p.trim_end_matches('\\')));
    }
    let certs: Vec<Certificate> = ctx.st.certs.store(&store).to_vec();
    match (name, thumb) {
        ("get-childitem", None) => Ok(certs.iter().map(|c| cert_obj(c, &loc, &store)).collect()),
        ("get-childitem", Some(t)) => match certs.iter().find(|c| c.thumbprint == t) {
            Some(c) => Ok(vec![cert_obj(c, &loc, &store)]),
            None => Err(not_found(cmdlet, class, &p)),
        },
        (_, Some(t)) => {
            let list = ctx.st.certs.store_mut(&store);
            let before = list.len();
            list.retain(|c| c.thumbprint != t);
            if list.len() == before {
                return Err(not_found(cmdlet, class, &p));
            }
            Ok(Vec::new())
        }
        (_, None) => Err(err(
            cmdlet,
            format!("Cannot remove the certificate store '{p}'."),
            "NotSpecified: (:) [Remove-Item], NotSupportedException".into(),
            "System.NotSupportedException,Microsoft.PowerShell.Commands.RemoveItemCommand",
        )),
    }
}

/// Get-ChildItem / Remove-Item on a file-system path.
fn file_item(ctx: &mut Ctx, p: &str, cmdlet: &str, class: &str, remove: bool) -> CmdResult {
    let full = path::resolve(&ctx.sh.cwd, p).unwrap_or_else(|_| p.to_string());
    if !ctx.st.fs.exists(&full) {
        return Err(not_found(cmdlet, class, &full));
    }
    if remove {
        ctx.st.fs.delete(&full).map_err(|e| {
            err(
                cmdlet,
                format!("Cannot remove item {full}: {e}"),
                format!("WriteError: ({full}:String) [{cmdlet}], IOException"),
                &format!("RemoveFileSystemItemIOError,Microsoft.PowerShell.Commands.{class}"),
            )
        })?;
        return Ok(Vec::new());
    }
    let now = ctx.st.now();
    let nodes: Vec<(String, usize, bool)> = if ctx.st.fs.is_dir(&full) {
        ctx.st.fs.children(&full).iter().map(|n| (n.path.clone(), n.data.len(), n.dir)).collect()
    } else {
        ctx.st
            .fs
            .node(&full)
            .map(|n| vec![(n.path.clone(), n.data.len(), n.dir)])
            .unwrap_or_default()
    };
    Ok(nodes
        .into_iter()
        .map(|(pth, len, dir)| {
            Value::Obj(
                Obj::new("System.IO.FileInfo", View::File)
                    .with("Mode", Value::s(if dir { "d-----" } else { "-a----" }))
                    .with("Name", Value::s(path::leaf(&pth)))
                    .with("Length", if dir { Value::s("") } else { Value::Int(len as i64) })
                    .with("DirectoryName", Value::s(path::parent(&pth).unwrap_or_default()))
                    .with("LastWriteTime", Value::Date(now)),
            )
        })
        .collect())
}

/// Export-Certificate -Cert <path or object> -FilePath <file> [-Type CERT]: writes the DER form.
fn export(ctx: &mut Ctx, b: &Bound, input: Vec<Value>) -> CmdResult {
    let cert_ref = b.get("cert").or_else(|| input.first().map(|v| v.prop("PSPath").display()));
    let thumb_store = cert_ref.as_deref().and_then(|r| {
        let r = r.rsplit("::").next().unwrap_or(r);
        let r = if r.to_ascii_lowercase().starts_with("cert:") {
            r.to_string()
        } else {
            format!("Cert:\\{r}")
        };
        cert_path(&r).and_then(|(_, s, t)| Some((s?, t?)))
    });
    let Some((store, thumb)) = thumb_store else {
        return Err(err(
            "Export-Certificate",
            "Cannot validate argument on parameter 'Cert'. The argument is null or empty.".into(),
            "InvalidData: (:) [Export-Certificate], ParameterBindingValidationException".into(),
            "ParameterArgumentValidationError,Microsoft.CertificateServices.Commands.ExportCertificateCommand",
        ));
    };
    let Some(c) = ctx.st.certs.store(&store).iter().find(|c| c.thumbprint == thumb).cloned() else {
        return Err(not_found(
            "Export-Certificate",
            "ExportCertificateCommand",
            &format!("Cert:\\LocalMachine\\{store}\\{thumb}"),
        ));
    };
    let file = b.get("filepath").unwrap_or_default();
    let full = path::resolve(&ctx.sh.cwd, &file).unwrap_or(file.clone());
    let der = synthetic_der(&c);
    ctx.st.fs.write_file(&full, &der, false).map_err(|e| {
        err(
            "Export-Certificate",
            format!("{e} {full}"),
            "NotSpecified: (:) [Export-Certificate], IOException".into(),
            "System.IO.IOException,Microsoft.CertificateServices.Commands.ExportCertificateCommand",
        )
    })?;
    let now = ctx.st.now();
    Ok(vec![Value::Obj(
        Obj::new("System.IO.FileInfo", View::File)
            .with("Name", Value::s(path::leaf(&full)))
            .with("Length", Value::Int(der.len() as i64))
            .with("DirectoryName", Value::s(path::parent(&full).unwrap_or_default()))
            .with("LastWriteTime", Value::Date(now)),
    )])
}

/// GUESS: a DER SEQUENCE wrapping the certificate's fields; not a parseable X.509 certificate.
fn synthetic_der(c: &Certificate) -> Vec<u8> {
    let body =
        format!("{}|{}|{}|{}|{}", c.subject, c.issuer, c.thumbprint, c.not_before, c.not_after);
    let mut v = vec![0x30, 0x82];
    let len = body.len() as u16;
    v.extend_from_slice(&len.to_be_bytes());
    v.extend_from_slice(body.as_bytes());
    v
}

fn rule_obj(r: &Rule) -> Value {
    Value::Obj(
        Obj::new("Microsoft.Management.Infrastructure.CimInstance#root/standardcimv2/MSFT_NetFirewallRule", View::Auto)
            .with("Name", Value::s(r.name.clone()))
            .with("DisplayName", Value::s(r.display_name.clone()))
            .with("Description", Value::s(r.description.clone()))
            .with("DisplayGroup", Value::s(r.group.clone()))
            .with("Group", Value::s(r.group_ref.clone()))
            .with("Enabled", Value::Enum(if r.enabled { "True".into() } else { "False".into() }, if r.enabled { 1 } else { 2 }))
            .with("Profile", Value::s(r.ps_profile()))
            .with("Platform", Value::List(Vec::new()))
            .with("Direction", Value::Enum(if r.inbound { "Inbound".into() } else { "Outbound".into() }, if r.inbound { 1 } else { 2 }))
            .with("Action", Value::Enum(if r.allow { "Allow".into() } else { "Block".into() }, if r.allow { 2 } else { 4 }))
            .with("EdgeTraversalPolicy", Value::Enum("Block".into(), 0))
            .with("LooseSourceMapping", Value::Bool(false))
            .with("LocalOnlyMapping", Value::Bool(false))
            .with("Owner", Value::Null)
            .with("PrimaryStatus", Value::Enum("OK".into(), 1))
            .with("Status", Value::s("The rule was parsed successfully from the store. (65536)"))
            .with("EnforcementStatus", Value::Enum("NotApplicable".into(), 0))
            .with("PolicyStoreSource", Value::s("PersistentStore"))
            .with("PolicyStoreSourceType", Value::Enum("Local".into(), 1)),
    )
}

fn port_filter_obj(r: &Rule) -> Value {
    Value::Obj(
        Obj::new("Microsoft.Management.Infrastructure.CimInstance#root/standardcimv2/MSFT_NetProtocolPortFilter", View::Auto)
            .with("Protocol", Value::s(r.protocol.clone()))
            .with("LocalPort", Value::s(r.local_port.clone()))
            .with("RemotePort", Value::s(r.remote_port.clone()))
            .with("IcmpType", Value::s("Any"))
            .with("DynamicTarget", Value::s("Any")),
    )
}

/// The NetSecurity cmdlets.
pub fn firewall(ctx: &mut Ctx, b: &Bound, name: &str, typed: &str, input: Vec<Value>) -> CmdResult {
    let _ = typed;
    let fw = &mut ctx.st.firewall;
    let select = |rules: &[Rule]| -> Result<Vec<usize>, (String, String)> {
        for (param, field) in [("name", 0), ("displayname", 1), ("displaygroup", 2)] {
            let wanted = b.list(param, if param == "name" { Some(0) } else { None });
            if wanted.is_empty() {
                continue;
            }
            let mut idx = Vec::new();
            for w in &wanted {
                let hits: Vec<usize> = rules
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| {
                        let v = match field {
                            0 => &r.name,
                            1 => &r.display_name,
                            _ => &r.group,
                        };
                        v.eq_ignore_ascii_case(w)
                    })
                    .map(|(i, _)| i)
                    .collect();
                if hits.is_empty() {
                    let prop = ["Name", "DisplayName", "DisplayGroup"][field];
                    return Err((prop.to_string(), w.clone()));
                }
                idx.extend(hits);
            }
            return Ok(idx);
        }
        Ok((0..rules.len()).collect())
    };
    let cmdlet = match name {
        "get-netfirewallrule" => "Get-NetFirewallRule",
        "set-netfirewallrule" => "Set-NetFirewallRule",
        "enable-netfirewallrule" => "Enable-NetFirewallRule",
        "disable-netfirewallrule" => "Disable-NetFirewallRule",
        _ => "Get-NetFirewallPortFilter",
    };
    if name == "get-netfirewallportfilter" {
        let names: Vec<String> = input.iter().map(|v| v.prop("Name").display()).collect();
        let rules: Vec<&Rule> = if names.is_empty() {
            fw.rules.iter().collect()
        } else {
            fw.rules
                .iter()
                .filter(|r| names.iter().any(|n| n.eq_ignore_ascii_case(&r.name)))
                .collect()
        };
        return Ok(rules.into_iter().map(port_filter_obj).collect());
    }
    let idx = match select(&fw.rules) {
        Ok(i) => i,
        Err((prop, value)) => {
            return Err(err(
                cmdlet,
                format!("No MSFT_NetFirewallRule objects found with property '{prop}' equal to '{value}'.  Verify the value of the property and retry."),
                format!("ObjectNotFound: ({value}:String) [{cmdlet}], CimJobException"),
                &format!("CmdletizationQuery_NotFound_{prop},{cmdlet}"),
            ))
        }
    };
    match name {
        "get-netfirewallrule" => Ok(idx.iter().map(|i| rule_obj(&fw.rules[*i])).collect()),
        _ => {
            for i in idx {
                let r = &mut fw.rules[i];
                match name {
                    "enable-netfirewallrule" => r.enabled = true,
                    "disable-netfirewallrule" => r.enabled = false,
                    _ => {
                        if let Some(p) = b.get("localport") {
                            r.local_port = p;
                        }
                        if let Some(p) = b.get("remoteport") {
                            r.remote_port = p;
                        }
                        if let Some(e) = b.get("enabled") {
                            r.enabled = e.eq_ignore_ascii_case("true") || e == "1";
                        }
                        if let Some(p) = b.get("protocol") {
                            r.protocol = p.to_ascii_uppercase();
                        }
                        if let Some(a) = b.get("action") {
                            r.allow = a.eq_ignore_ascii_case("allow");
                        }
                    }
                }
            }
            Ok(Vec::new())
        }
    }
}

/// New-Item -ItemType Directory / `mkdir` / `md`: creates the folder and shows it.
pub fn new_item(ctx: &mut Ctx, b: &Bound, dir_function: bool) -> CmdResult {
    let p = b.get_or_pos("path", 0).unwrap_or_default();
    let full = path::resolve(&ctx.sh.cwd, &p).unwrap_or_else(|_| p.clone());
    let dir =
        dir_function || b.get("itemtype").is_some_and(|t| t.eq_ignore_ascii_case("directory"));
    let made = if dir { ctx.st.fs.mkdir(&full) } else { ctx.st.fs.write_file(&full, b"", false) };
    if made.is_err() {
        let (cmdlet, class) = ("New-Item", "NewItemCommand");
        return Err(err(
            cmdlet,
            format!("An item with the specified name {full} already exists."),
            format!("ResourceExists: ({full}:String) [{cmdlet}], IOException"),
            &format!("DirectoryExist,Microsoft.PowerShell.Commands.{class}"),
        ));
    }
    let now = ctx.st.now();
    Ok(vec![Value::Obj(
        Obj::new("System.IO.DirectoryInfo", View::File)
            .with("Mode", Value::s(if dir { "d-----" } else { "-a----" }))
            .with("Name", Value::s(path::leaf(&full)))
            .with("Length", Value::s(if dir { "" } else { "0" }))
            .with("DirectoryName", Value::s(path::parent(&full).unwrap_or_default()))
            .with("LastWriteTime", Value::Date(now)),
    )])
}
