//! Azure's admin actions from the prefix menu (the Azure portal's serial console has them on its
//! toolbar): an NMI or a hard reset, each shown with its consequence and sent only after `y`.
//! They need no live link (a hung VM is when they are wanted), only an `azure://` target.

use crossterm::event::{KeyCode, KeyEvent};

use super::super::app::{App, Overlay};
use super::super::event::Command;
use super::{cmd, Effect};
use crate::transport::azure::AdminCommand;

impl App {
    /// Asks for a yes before `c`, when the target is an Azure VM.
    pub(super) fn admin(&mut self, c: AdminCommand) -> Vec<Effect> {
        if self.replay.is_some() {
            self.message = Some("this is a replay: nothing can be sent".into());
        } else if !self.link.target.starts_with("azure://") {
            self.message = Some(format!(
                "{} is for Azure VMs (azure://SUBSCRIPTION/RESOURCE_GROUP/VM_NAME)",
                c.as_str().to_uppercase()
            ));
        } else if let Some(j) = &self.job {
            self.message = Some(format!("busy: {j}"));
        } else {
            self.overlay_scroll = 0;
            self.overlay = Overlay::Admin(c);
        }
        Vec::new()
    }

    /// `y` sends the action; `n` or Esc does not; other keys wait.
    pub(super) fn admin_key(&mut self, k: &KeyEvent, c: AdminCommand) -> Vec<Effect> {
        match k.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                self.overlay = Overlay::None;
                cmd(Command::AzureAdmin(c))
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                self.overlay = Overlay::None;
                self.message = Some(format!("{} not sent", c.as_str().to_uppercase()));
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}
