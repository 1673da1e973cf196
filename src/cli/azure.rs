//! `sacdoc azure nmi|reset TARGET [--yes]`: Azure's admin actions on a VM reached through its
//! serial console (`azure://SUBSCRIPTION/RESOURCE_GROUP/VM_NAME`), as `az serial-console send
//! nmi|reset` does. Both are drastic, so each asks first (or takes `--yes`), and without a terminal
//! to ask on and without `--yes` nothing is sent.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{bail, Context};

use crate::target::Target;
use crate::transport::azure::{self, AdminCommand, AzureVm, Confirmation};

/// Arguments of `sacdoc azure`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// nmi (crash Windows on purpose, for a memory dump) or reset (hard reset of the VM).
    #[arg(value_name = "nmi|reset")]
    pub action: String,
    /// The VM: azure://SUBSCRIPTION/RESOURCE_GROUP/VM_NAME.
    pub target: String,
    /// Do not ask: the action is confirmed.
    #[arg(long)]
    pub yes: bool,
}

/// The VM named by an `azure://` target.
pub fn azure_vm(target: &str) -> anyhow::Result<AzureVm> {
    match target.parse::<Target>()? {
        Target::Azure { subscription, resource_group, vm } => {
            Ok(AzureVm { subscription, resource_group, vm })
        }
        other => bail!(
            "{other} is not an Azure VM: admin actions need azure://SUBSCRIPTION/RESOURCE_GROUP/VM_NAME"
        ),
    }
}

/// The question shown before sending.
pub fn question(cmd: AdminCommand, vm: &AzureVm) -> String {
    format!(
        "This will {} ({vm}).\nSend {} now? [y/N] ",
        cmd.consequence(),
        cmd.as_str().to_uppercase()
    )
}

/// Reads the answer: only `y` or `yes` confirm.
pub fn confirmed(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let Some(cmd) = AdminCommand::parse(&args.action) else {
        bail!("{:?} is not an Azure admin action: use nmi or reset", args.action);
    };
    let vm = azure_vm(&args.target)?;
    let ok = if args.yes {
        Confirmation::given_by_user()
    } else if std::io::stdin().is_terminal() {
        let mut err = std::io::stderr();
        write!(err, "{}", question(cmd, &vm))?;
        err.flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).context("reading the answer")?;
        if !confirmed(&answer) {
            super::output::note("nothing was sent");
            return Ok(1);
        }
        Confirmation::given_by_user()
    } else {
        bail!(
            "{} would {}; there is no terminal to confirm on: add --yes to send it",
            cmd.as_str(),
            cmd.consequence()
        );
    };
    let settings = crate::config::Config::load()?.azure()?;
    azure::send_admin(&vm, &settings, cmd, ok)?;
    super::output::println(&format!("{} sent to {vm}", cmd.as_str().to_uppercase()))?;
    Ok(0)
}
